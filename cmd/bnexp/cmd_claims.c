/* bnexp report claims and bnexp run claims: the claims table over every
 * experiment with a verdict rule (lib/analysis/claims.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/paths.h"
#include "analysis/claims.h"
#include "runs/self.h"

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

/* Write the claims table into runs_dir (lib/analysis/claims.h); print it
 * unless quiet. */
static int write_claims(const char *runs_dir, int charts_wanted, int quiet)
{
    char exp_dir[4096], *md = NULL;
    bnx_error err;
    bnx_error_clear(&err);
    if (bnx_home_path(exp_dir, sizeof exp_dir, "experiments", &err))
        return cli_report(&err);
    if (bnx_claims_write(exp_dir, runs_dir, charts_wanted ? render_chart : NULL, NULL, &md, &err))
        return cli_error(1, "report claims: %s", err.msg);
    int status = 0;
    if (!quiet && (fputs(md, stdout) == EOF || fflush(stdout) != 0))
        status = cli_error(1, "report claims: wrote %s/claims.md, but could not print it: %s",
                           runs_dir, strerror(errno));
    fprintf(stderr, "bnexp: wrote %s/claims.md and %s/claims.csv\n", runs_dir, runs_dir);
    free(md);
    return status;
}

int cmd_report_claims(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"no-charts", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *runs_dir = "runs";
    int charts = 1;
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': runs_dir = optarg; break;
        case 'n': charts = 0; break;
        case 'h': return cli_print_help("report");
        default: return cli_bad_option("report claims", ch, argv);
        }
    }
    if (optind < argc)
        return cli_error(2, "report claims: unexpected argument '%s'", argv[optind]);
    return write_claims(runs_dir, charts, 0);
}

int cmd_run_claims(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'},
        {"seeds", required_argument, NULL, 's'},
        {"only", required_argument, NULL, 'o'},
        {"dry-run", no_argument, NULL, 'd'},
        {"launcher", required_argument, NULL, 'L'},
        {"sbatch", required_argument, NULL, 'B'},
        {"max-parallel", required_argument, NULL, 'M'},
        {"sshlogin", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *jobs = NULL, *seeds = NULL, *only = NULL;
    /* the launcher's options (opts[4..7]), passed on to every `bnexp run` */
    const char *lopt[4] = {NULL, NULL, NULL, NULL};
    int dry = 0;
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': jobs = optarg; break;
        case 's': seeds = optarg; break;
        case 'o': only = optarg; break;
        case 'd': dry = 1; break;
        case 'L':
        case 'B':
        case 'M':
        case 'H': {
            int k = ch == 'L' ? 0 : ch == 'B' ? 1 : ch == 'M' ? 2 : 3;
            if (lopt[k])
                return cli_error(2, "run claims: --%s is given twice", opts[4 + k].name);
            lopt[k] = optarg;
            break;
        }
        case 'h': return cli_print_help("run");
        default: return cli_bad_option("run claims", ch, argv);
        }
    }
    if (optind < argc)
        return cli_error(2, "run claims: unexpected argument '%s' (run claims takes --jobs, "
                            "--seeds, --only, --dry-run and the launcher's options)", argv[optind]);
    const char *launcher = lopt[0];
    if (!launcher && (lopt[1] || lopt[2] || lopt[3]))
        return cli_error(2, "run claims: --sbatch, --max-parallel and --sshlogin go with "
                            "--launcher slurm or parallel");
    char exp_dir[4096];
    bnx_error err;
    bnx_error_clear(&err);
    if (bnx_home_path(exp_dir, sizeof exp_dir, "experiments", &err))
        return cli_report(&err);
    bnx_names exps; /* the experiments with a rule, each once, in the table's order */
    if (bnx_claims_experiments(exp_dir, &exps, &err)) {
        bnx_names_free(&exps);
        return cli_error(1, "run claims: %s; nothing run", err.msg);
    }
    char **names = exps.v;
    int n = exps.n;
    if (only) {
        char list[1024];
        snprintf(list, sizeof list, "%s", only);
        for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
            int found = 0;
            for (int k = 0; k < n; k++)
                found |= strcmp(names[k], w) == 0;
            if (!found) {
                bnx_names_free(&exps);
                return cli_error(2, "run claims: --only %s: %s is not an experiment with a "
                                    "verdict rule", only, w);
            }
        }
    }
    int failed = 0, ran = 0;
    bnx_self_catch_stop_signals(); /* passed on to the running experiment (runs/self.h) */
    for (int k = 0; k < n && !bnx_self_stop_signal(); k++) {
        if (only) {
            char list[1024];
            int wanted = 0;
            snprintf(list, sizeof list, "%s", only);
            for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save))
                wanted |= strcmp(w, names[k]) == 0;
            if (!wanted)
                continue;
        }
        char *args[24], opt[4][32], shown[2048];
        int a = 0;
        args[a++] = "run";
        args[a++] = names[k];
        if (jobs)
            args[a++] = "--jobs", args[a++] = (char *)jobs;
        if (seeds)
            args[a++] = "--seeds", args[a++] = (char *)seeds;
        if (dry)
            args[a++] = "--dry-run";
        for (int k = 0; k < 4; k++)
            if (lopt[k]) {
                snprintf(opt[k], sizeof opt[0], "--%s", opts[4 + k].name);
                args[a++] = opt[k];
                args[a++] = (char *)lopt[k];
            }
        args[a] = NULL;
        size_t used = 0;
        shown[0] = '\0';
        for (int k = 0; args[k] && used < sizeof shown; k++)
            used += (size_t)snprintf(shown + used, sizeof shown - used, " %s", args[k]);
        ran++;
        fprintf(stderr, "bnexp: run claims: experiment %d: bnexp%s\n", ran, shown);
        int rc = bnx_self_run(args, NULL, 0);
        if (bnx_self_stop_signal() || rc == 129 || rc == 130 || rc == 143) {
            int sig = bnx_self_stop_signal();
            int status = cli_error(sig ? 128 + sig : rc, "run claims: stopped "
                                   "during %s; `bnexp run %s --resume` continues it, `bnexp run "
                                   "claims --only ...` the experiments after it", names[k], names[k]);
            bnx_names_free(&exps);
            return status;
        }
        if (rc != 0) {
            fprintf(stderr, "bnexp: run claims: %s exited with status %d; going on\n", names[k], rc);
            failed++;
        }
    }
    bnx_names_free(&exps);
    if (dry)
        return failed ? 1 : 0;
    if (launcher && strcmp(launcher, "slurm") == 0) {
        fprintf(stderr, "bnexp: run claims: %d experiment%s submitted to Slurm; when their jobs "
                "have ended, `bnexp collect NAME` for each, then `bnexp report claims` writes "
                "the table\n", ran - failed, ran - failed == 1 ? "" : "s");
        return failed ? 1 : 0;
    }
    int rc = write_claims("runs", 1, 1);
    return rc ? rc : failed ? 1 : 0;
}
