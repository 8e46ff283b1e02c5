/* bnexp plot CHART: the arguments of a chart of the table in
 * lib/analysis/chart.h, which draws it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "analysis/chart.h"
#include "core/suggest.h"

int cli_plot_draw(int argc, char **argv, char *outfile, size_t outsize)
{
    static const struct option opts[] = {
        {"run", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"x", required_argument, NULL, 'x'},
        {"y", required_argument, NULL, 'y'},
        {"by", required_argument, NULL, 'b'},
        {"logx", no_argument, NULL, 'l'},
        {"logy", no_argument, NULL, 'L'},
        {"ymin", required_argument, NULL, 'm'},
        {"ymax", required_argument, NULL, 'M'},
        {"title", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"variants", required_argument, NULL, 'v'},
        {"color-by", required_argument, NULL, 'c'},
        {"colour-by", required_argument, NULL, 'c'},
        {"dash-by", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bnx_chart_opts o = {.format = "png"};
    const char *run_opts[BNX_CHART_MAX_RUNS];
    int nruns = 0, format_given = 0;
    opterr = 0;
    optind = 0; /* full re-initialisation of getopt */
    int ch;
    while ((ch = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (nruns == BNX_CHART_MAX_RUNS)
                return cli_error(2, "plot: at most %d --run options", BNX_CHART_MAX_RUNS);
            run_opts[nruns++] = optarg;
            break;
        case 'f': o.format = optarg; format_given = 1; break;
        case 'm':
        case 'M': {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end)
                return cli_error(2, "plot: --%s '%s': expected a number", ch == 'm' ? "ymin" :
                                 "ymax", optarg);
            *(ch == 'm' ? &o.ymin : &o.ymax) = v;
            *(ch == 'm' ? &o.has_ymin : &o.has_ymax) = 1;
            break;
        }
        case 't': o.title = optarg; break;
        case 'o': o.outfile = optarg; break;
        case 'v': o.variants = optarg; break;
        case 'c': o.colour_by = optarg; break;
        case 'd': o.dash_by = optarg; break;
        case 'x': o.x = optarg; break;
        case 'y': o.y = optarg; break;
        case 'b': o.by = optarg; break;
        case 'l': o.logx = 1; break;
        case 'L': o.logy = 1; break;
        case 'h':
            return cli_print_help("plot") ? 2 : -1;
        default:
            return cli_bad_option("plot", ch, argv);
        }
    }
    char names[512];
    bnx_chart_names(names, sizeof names);
    if (optind >= argc)
        return cli_error(2, "plot: which chart? %s (try: bnexp plot --help)", names);
    if (argc - optind > 2)
        return cli_error(2, "plot: one chart of one experiment at a time (got '%s', '%s' and "
                            "'%s')", argv[optind], argv[optind + 1], argv[optind + 2]);
    const bnx_chart *c = bnx_chart_find(argv[optind]);
    if (!c) {
        const char *known[64];
        int count = 0;
        for (int k = 0; k < bnx_chart_count() && count < 64; k++)
            known[count++] = bnx_chart_at(k)->name;
        const char *near = bnx_suggest(argv[optind], known, count);
        return cli_error(2, "plot: unknown chart '%s'%s%s%s (expected %s)", argv[optind],
                         near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "", names);
    }
    o.experiment = argc - optind == 2 ? argv[optind + 1] : NULL;
    /* -o FILE.svg: the format from the name, unless --format says it */
    const char *dot = o.outfile ? strrchr(o.outfile, '.') : NULL;
    if (dot && !format_given && (!strcmp(dot, ".png") || !strcmp(dot, ".svg") ||
                                 !strcmp(dot, ".pdf")))
        o.format = dot + 1;
    o.num_runs = nruns;
    bnx_error err = {0};
    if (bnx_chart_check(c, &o, &err))
        return cli_error(2, "%s", err.msg);

    /* The run directories: the last --run first (or runs/EXPERIMENT/latest),
     * then the others in order, so that a missing one is named as before. */
    static char runs[BNX_CHART_MAX_RUNS][4096], shown[BNX_CHART_MAX_RUNS][4400];
    o.num_runs = nruns ? nruns : 1;
    for (int j = 0; j < o.num_runs; j++) {
        int k = j == 0 ? o.num_runs - 1 : j - 1;
        int rc = cli_run_dir("plot", o.experiment, nruns ? run_opts[k] : NULL, runs[k],
                             sizeof runs[k], shown[k], sizeof shown[k]);
        if (rc)
            return rc;
        o.runs[k] = runs[k];
        o.shown[k] = shown[k];
    }

    bnx_chart_result res;
    int rc = bnx_chart_render(c, &o, &res, &err);
    for (const char *w = res.warnings.p; w && *w;) {
        size_t n = strcspn(w, "\n");
        fprintf(stderr, "bnexp: warning: %.*s\n", (int)n, w);
        w += n + (w[n] == '\n');
    }
    snprintf(outfile, outsize, "%s", res.outfile);
    bnx_chart_result_free(&res);
    /* BNX_EINVAL: what was asked cannot be drawn (a usage error, 2) */
    return !rc ? 0 : err.code == BNX_EINVAL ? cli_error(2, "%s", err.msg) : cli_report(&err);
}

int cmd_plot(int argc, char **argv)
{
    char outfile[4400];
    int rc = cli_plot_draw(argc, argv, outfile, sizeof outfile);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (printf("%s\n", outfile) < 0 || fflush(stdout) != 0)
        return cli_error(1, "plot: wrote %s, but could not print its name: %s", outfile,
                         strerror(errno));
    return 0;
}
