/* bnexp report: the paper's Fig. 3 table (steps to reach the baseline's
 * best accuracy, max accuracy) of a run, printed and written to
 * RUN/report.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "analysis/claims.h"
#include "analysis/page.h"
#include "analysis/report.h"
#include "io/atomic.h"
#include "io/strbuf.h"
#include "runs/reader.h"

/* Append the verdicts of the run's frozen experiment file (if it has any)
 * to *text (lib/analysis/claims.h). */
static int add_verdicts(const char *dir, const char *experiment, char **text, bnx_error *err)
{
    bnx_strbuf sb = {0};
    bnx_sb_printf(&sb, "%s", *text);
    int rc = bnx_verdicts_markdown(dir, experiment, &sb, err);
    if (rc == BNX_OK) {
        free(*text);
        *text = NULL;
        rc = bnx_sb_take(&sb, text, err);
    } else {
        free(sb.p);
    }
    return rc;
}

int cmd_report(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "claims") == 0)
        return cmd_report_claims(argc - 1, argv + 1);
    static const struct option opts[] = {
        {"run", required_argument, NULL, 'r'},
        {"baseline", required_argument, NULL, 'b'},
        {"pair", required_argument, NULL, 'p'},
        {"until", required_argument, NULL, 'u'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *run_opt = NULL, *baseline = NULL, *pair = NULL;
    long until = -1;
    int json = 0;
    char *end;
    opterr = 0;
    optind = 0; /* full re-initialisation of getopt */
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': run_opt = optarg; break;
        case 'b': baseline = optarg; break;
        case 'p': pair = optarg; break;
        case 'j': json = 1; break;
        case 'u':
            errno = 0;
            until = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || until < 0)
                return cli_error(2, "report: --until '%s': expected a step, a whole number of at "
                                    "least 0", optarg);
            break;
        case 'h': return cli_print_help("report");
        default: return cli_bad_option("report", ch, argv);
        }
    }
    if (json && pair)
        return cli_error(2, "report: --json gives the Fig. 3 table (with --baseline, --until); "
                            "not with --pair");
    if (pair && baseline)
        return cli_error(2, "report: --pair KEY=VALUE compares each variant with its own twin; "
                            "--baseline VARIANT with one variant; give one");
    char dir[4096], shown[4400];
    int rc = cli_run_arg("report", argc, argv, run_opt, dir, sizeof dir, shown, sizeof shown);
    if (rc)
        return rc;

    bnx_error err;
    bnx_error_clear(&err);
    bnx_run run;
    if (bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err))
        return cli_error(1, "report: %s; no report written", err.msg);
    if (until >= 0)
        bnx_run_truncate(&run, until);
    if (!baseline) /* no-bn, else baseline, else none: a table without targets */
        baseline = bnx_run_variant(&run, "no-bn") >= 0      ? "no-bn"
                   : bnx_run_variant(&run, "baseline") >= 0 ? "baseline"
                                                            : NULL;

    bnx_report rep = {0};
    bnx_pairs pairs = {0};
    if (pair && bnx_pairs_compute(&run, pair, &pairs, &err)) {
        bnx_run_free(&run);
        return cli_error(1, "report: %s; no report written", err.msg);
    }
    if (!pair && bnx_report_compute(&run, baseline, &rep, &err)) {
        bnx_run_free(&run);
        return cli_error(1, "report: %s; choose one with --baseline VARIANT", err.msg);
    }

    /* The experiment, from a trial's manifest. */
    bnx_manifest_info info = {0};
    if (bnx_run_trial_manifest(dir, run.trials[0].variant, run.trials[0].seed, &info, NULL))
        memset(&info, 0, sizeof info);
    bnx_report_info ri = {shown, info.experiment[0] ? info.experiment : optind < argc ? argv[optind] : "",
                          info.description};
    if (json) { /* the table alone, on stdout; no report.md, no verdicts */
        bnx_strbuf sb = {0};
        rc = bnx_report_json(&rep, &ri, &sb, &err);
        bnx_report_free(&rep);
        bnx_run_free(&run);
        rc = rc ? cli_report(&err) : cli_print_text(&sb);
        free(sb.p);
        return rc;
    }
    char *text = NULL;
    rc = pair ? bnx_pairs_markdown(&run, &pairs, &ri, &text, &err)
              : bnx_report_markdown(&run, &rep, &ri, &text, &err);
    bnx_report_free(&rep);
    bnx_pairs_free(&pairs);
    bnx_run_free(&run);
    if (rc == BNX_OK && until < 0)
        rc = add_verdicts(dir, ri.experiment, &text, &err);
    if (rc == BNX_OK && until >= 0) { /* say so first; the verdicts judge whole runs */
        bnx_strbuf sb = {0};
        bnx_sb_printf(&sb, "Records up to step %ld only (--until %ld): the table a run of %ld "
                      "steps would have given; verdicts are decided on whole runs (bnexp report "
                      "without --until).\n\n%s", until, until, until, text);
        free(text);
        text = NULL;
        rc = bnx_sb_take(&sb, &text, &err);
    }
    if (rc) {
        free(text);
        return cli_report(&err);
    }

    char file[64] = "report.md", path[4400];
    if (until >= 0)
        snprintf(file, sizeof file, "report-until-%ld.md", until);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    rc = bnx_write_file_atomic(path, text, strlen(text), &err);
    int printed = rc == BNX_OK && fputs(text, stdout) != EOF && fflush(stdout) == 0;
    if (rc || !printed) {
        free(text);
        return rc ? cli_report(&err)
                  : cli_error(1, "report: wrote %s/%s, but could not print it: %s", shown, file,
                              strerror(errno));
    }
    fprintf(stderr, "bnexp: wrote %s/%s\n", shown, file);
    if (until >= 0) {
        free(text);
        return 0;
    }
    /* the run's page: charts as SVG, the report, the trials, the files */
    int skipped = 0;
    rc = bnx_run_page_make(dir, shown, text, &skipped, &err);
    free(text);
    if (rc)
        return cli_error(1, "report: %s (report.md is written; index.html is not)", err.msg);
    if (skipped)
        fprintf(stderr, "bnexp: wrote %s/index.html (%d chart%s the run has data for could not "
                "be drawn; the page says why)\n", shown, skipped, skipped == 1 ? "" : "s");
    else
        fprintf(stderr, "bnexp: wrote %s/index.html\n", shown);
    return 0;
}
