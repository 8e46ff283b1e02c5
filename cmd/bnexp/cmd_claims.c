/* bnexp report claims: the claims table over every experiment with a
 * verdict rule (lib/analysis/claims.h); bnexp run claims is cmd_suite.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/paths.h"
#include "analysis/claims.h"
#include "io/atomic.h"

#define MAX_CHART_ARGS 24

/* Render row `row`'s chart (as `bnexp plot ARGS --run RUN` would, in this
 * process) and put its file into chart[size]; "" when it has none or it
 * fails (the reason on stderr). */
static void render_chart(const bnx_claim_row *row, char *chart, size_t size)
{
    chart[0] = '\0';
    if (row->state != BNX_CLAIM_DECIDED || !row->rule.chart[0])
        return;
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
    int rc = cli_plot_draw(n, args, chart, size);
    if (rc != 0) {
        fprintf(stderr, "bnexp: report claims: the chart of %s (bnexp plot %s --run %s) failed; "
                "the table links none\n", row->experiment, row->rule.chart, row->run);
        chart[0] = '\0';
    }
}

/* Write the claims table into runs_dir; print it unless quiet. */
int write_claims(const char *runs_dir, int charts_wanted, int quiet)
{
    char exp_dir[4096];
    bnx_error err;
    bnx_error_clear(&err);
    if (bnx_home_path(exp_dir, sizeof exp_dir, "experiments", &err))
        return cli_report(&err);
    bnx_claims claims;
    if (bnx_claims_collect(exp_dir, runs_dir, &claims, &err))
        return cli_error(1, "report claims: %s; no table written", err.msg);
    char (*charts)[4400] = calloc((size_t)claims.num_rows + 1, sizeof *charts);
    const char **chart_ptrs = calloc((size_t)claims.num_rows + 1, sizeof *chart_ptrs);
    if (!charts || !chart_ptrs) {
        free(charts);
        free(chart_ptrs);
        bnx_claims_free(&claims);
        return cli_error(1, "report claims: out of memory");
    }
    for (int i = 0; i < claims.num_rows; i++) {
        int same = -1; /* a chart rendered already: the same run and arguments */
        for (int k = 0; k < i && same < 0; k++)
            if (strcmp(claims.rows[k].run, claims.rows[i].run) == 0 &&
                strcmp(claims.rows[k].rule.chart, claims.rows[i].rule.chart) == 0 &&
                claims.rows[k].state == claims.rows[i].state)
                same = k;
        if (same >= 0)
            memcpy(charts[i], charts[same], sizeof charts[i]);
        else if (charts_wanted)
            render_chart(&claims.rows[i], charts[i], sizeof charts[i]);
        chart_ptrs[i] = charts[i];
    }
    char *md = NULL, *csv = NULL, path[4200];
    int rc = bnx_claims_markdown(&claims, chart_ptrs, runs_dir, &md, &err);
    if (rc == BNX_OK)
        rc = bnx_claims_csv(&claims, &csv, &err);
    if (rc == BNX_OK && (rc = bnx_mkdir_p(runs_dir, &err)) == BNX_OK) {
        snprintf(path, sizeof path, "%s/claims.csv", runs_dir);
        rc = bnx_write_file_atomic(path, csv, strlen(csv), &err);
    }
    if (rc == BNX_OK) {
        snprintf(path, sizeof path, "%s/claims.md", runs_dir);
        rc = bnx_write_file_atomic(path, md, strlen(md), &err);
    }
    int status = rc ? cli_report(&err) : 0;
    if (rc == BNX_OK && !quiet && (fputs(md, stdout) == EOF || fflush(stdout) != 0))
        status = cli_error(1, "report claims: wrote %s/claims.md, but could not print it: %s",
                           runs_dir, strerror(errno));
    if (rc == BNX_OK)
        fprintf(stderr, "bnexp: wrote %s/claims.md and %s/claims.csv\n", runs_dir, runs_dir);
    free(md);
    free(csv);
    free(charts);
    free(chart_ptrs);
    bnx_claims_free(&claims);
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
