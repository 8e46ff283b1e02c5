/* bnexp report claims: the claims table over every experiment with a
 * verdict rule (lib/analysis/claims.h); bnexp run claims is cmd_suite.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "analysis/page.h"
#include "core/paths.h"
#include "analysis/claims.h"
#include "analysis/claims_compare.h"
#include "io/atomic.h"

#define MAX_CHART_ARGS 24

/* A bnx_claims_chart_fn: draw row `row`'s chart as `bnexp plot ARGS --run
 * RUN` would, in this process (cli_plot_draw), and put its file into
 * chart[size]; "" when it fails (the reason on stderr). */
static void render_chart(void *ctx, const bnx_claim_row *row, char *chart, size_t size)
{
    (void)ctx;
    char text[sizeof row->rule.chart], run[4096];
    char *args[MAX_CHART_ARGS + 4];
    int n = 0;
    snprintf(text, sizeof text, "%s", row->rule.chart);
    snprintf(run, sizeof run, "%s", row->run);
    args[n++] = "plot";
    for (char *save = NULL, *w = strtok_r(text, " \t", &save); w && n < MAX_CHART_ARGS;
         w = strtok_r(NULL, " \t", &save))
        args[n++] = w;
    args[n++] = "--run";
    args[n++] = run;
    args[n] = NULL;
    if (cli_plot_draw(n, args, chart, size) != 0) {
        fprintf(stderr, "bnexp: report claims: the chart of %s (bnexp plot %s --run %s) failed; "
                "the table links none\n", row->experiment, row->rule.chart, row->run);
        chart[0] = '\0';
    }
}

/* Compare claims.csv `old` with runs_dir's (lib/analysis/claims_compare.h):
 * write runs_dir/claims-compare.md and print it. */
static int compare_claims(const char *runs_dir, const char *old)
{
    char now[4200], path[4200], *md = NULL;
    snprintf(now, sizeof now, "%s/claims.csv", runs_dir);
    snprintf(path, sizeof path, "%s/claims-compare.md", runs_dir);
    bnx_error err;
    bnx_error_clear(&err);
    int moved = 0;
    if (bnx_claims_compare(old, now, &md, &moved, &err))
        return cli_error(1, "report claims --compare: %s; no comparison written", err.msg);
    int status = 0;
    if (bnx_write_file_atomic(path, md, strlen(md), &err))
        status = cli_error(1, "report claims --compare: %s", err.msg);
    if (fputs(md, stdout) == EOF || fflush(stdout) != 0)
        status = cli_error(1, "report claims --compare: could not print the comparison: %s",
                           strerror(errno));
    if (!status)
        fprintf(stderr, "bnexp: %d row(s) moved since %s; wrote %s\n", moved, old, path);
    free(md);
    return status;
}

/* Write the claims table into runs_dir (lib/analysis/claims.h); print it
 * unless quiet. */
int write_claims(const char *runs_dir, const char *run, int charts_wanted, int quiet)
{
    char exp_dir[4096], *md = NULL;
    bnx_error err;
    bnx_error_clear(&err);
    if (bnx_home_path(exp_dir, sizeof exp_dir, "experiments", &err))
        return cli_report(&err);
    if (bnx_claims_write(exp_dir, runs_dir, run, charts_wanted ? render_chart : NULL, NULL, &md,
                         &err))
        return cli_error(1, "report claims: %s", err.msg);
    int status = 0;
    if (!quiet && (fputs(md, stdout) == EOF || fflush(stdout) != 0))
        status = cli_error(1, "report claims: wrote %s/claims.md, but could not print it: %s",
                           runs_dir, strerror(errno));
    if (bnx_claims_page_write(runs_dir, md, &err))
        status = cli_error(1, "report claims: wrote claims.md and claims.csv, not claims.html: "
                           "%s", err.msg);
    else
        fprintf(stderr, "bnexp: wrote %s/claims.md, %s/claims.csv and %s/claims.html\n",
                runs_dir, runs_dir, runs_dir);
    free(md);
    return status;
}

int cmd_report_claims(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"run", required_argument, NULL, 'R'},
        {"no-charts", no_argument, NULL, 'n'},
        {"compare", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *runs_dir = "runs", *run = NULL, *old = NULL;
    int charts = 1;
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': runs_dir = optarg; break;
        case 'R': run = optarg; break;
        case 'n': charts = 0; break;
        case 'c': old = optarg; break;
        case 'h': return cli_print_help("report");
        default: return cli_bad_option("report claims", ch, argv);
        }
    }
    if (optind < argc)
        return cli_error(2, "report claims: unexpected argument '%s'", argv[optind]);
    if (old) { /* before the table is made */
        char now[4200];
        struct stat a, b;
        snprintf(now, sizeof now, "%s/claims.csv", runs_dir);
        bnx_error err;
        bnx_error_clear(&err);
        if (bnx_claims_compare_check(old, &err))
            return cli_error(1, "report claims: --compare: %s; nothing was written", err.msg);
        if (stat(old, &a) == 0 && stat(now, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return cli_error(2, "report claims: --compare %s is the table this command rewrites; "
                             "copy it first (cp %s claims-before.csv) and compare with the copy",
                             old, now);
    }
    int status = write_claims(runs_dir, run, charts, old != NULL);
    return status ? status : old ? compare_claims(runs_dir, old) : 0;
}
