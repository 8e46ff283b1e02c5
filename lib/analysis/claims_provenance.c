#include "analysis/claims_provenance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runs/manifest.h"
#include "runs/reader.h"
#include "spec/plan.h"

#define MAX_KINDS 4 /* code versions, machines: more are counted, not named */

/* Distinct values seen, the first MAX_KINDS kept. */
typedef struct kinds {
    char text[MAX_KINDS][512];
    int n;
} kinds;

/* One deciding run. */
typedef struct run_prov {
    const char *experiment, *run;
    int trials, ended;
    kinds versions;         /* the code versions its trials' manifests name */
    char first[32], last[32];
    double trial_time;      /* the ended trials' wall times, added */
    char error[1024];       /* plan.json could not be read */
} run_prov;

static void add_kind(kinds *k, const char *text)
{
    for (int i = 0; i < k->n && i < MAX_KINDS; i++)
        if (strcmp(k->text[i], text) == 0)
            return;
    if (k->n < MAX_KINDS)
        snprintf(k->text[k->n], sizeof k->text[0], "%s", text);
    k->n++;
}

/* Seconds since the epoch of an ISO 8601 "YYYY-MM-DDTHH:MM:SSZ", or NaN. */
static double utc_seconds(const char *iso)
{
    struct tm tm = {0};
    const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return end && !*end ? (double)timegm(&tm) : NAN;
}

/* A duration: "42 s", "3.5 min", "2 h 05 min". */
static void duration(char *buf, size_t size, double s)
{
    if (!isfinite(s))
        snprintf(buf, size, "-");
    else if (s < 90)
        snprintf(buf, size, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, size, "%.1f min", s / 60);
    else
        snprintf(buf, size, "%.0f h %02.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
}

static void machine_text(char *buf, size_t size, const bnx_machine *m)
{
    char cores[32] = "cores not recorded";
    if (m->cores > 0)
        snprintf(cores, sizeof cores, "%ld core%s", m->cores, m->cores == 1 ? "" : "s");
    snprintf(buf, size, "%s (%s; kernels %s), %s (%s kernels), built with %s",
             m->cpu_model[0] ? m->cpu_model : "a CPU not recorded", cores,
             m->kernel[0] ? m->kernel : "?",
             m->blas_config[0] ? m->blas_config : "OpenBLAS (its build not recorded)",
             m->blas_core[0] ? m->blas_core : "?", m->compiler[0] ? m->compiler : "a compiler not recorded");
}

/* Read run r->run's plan and its trials' manifests into r; the kinds of
 * machine and the hosts seen into *machines and *hosts. */
static void read_run(run_prov *r, kinds *machines, kinds *hosts)
{
    bnx_plan plan;
    bnx_error err;
    bnx_error_clear(&err);
    if (bnx_run_plan_read(r->run, "its provenance", &plan, &err)) {
        snprintf(r->error, sizeof r->error, "%.1000s", err.msg);
        bnx_plan_free(&plan);
        return;
    }
    r->trials = plan.num_trials;
    for (int i = 0; i < plan.num_trials; i++) {
        bnx_manifest_info m;
        if (bnx_run_trial_manifest(r->run, plan.trials[i].variant, plan.trials[i].seed, &m, &err))
            continue;
        r->ended++;
        add_kind(&r->versions, m.version[0] ? m.version : "(not recorded)");
        if (m.started_utc[0] && (!r->first[0] || strcmp(m.started_utc, r->first) < 0))
            snprintf(r->first, sizeof r->first, "%s", m.started_utc);
        if (m.finished_utc[0] && strcmp(m.finished_utc, r->last) > 0)
            snprintf(r->last, sizeof r->last, "%s", m.finished_utc);
        if (isfinite(m.wall_time_s))
            r->trial_time += m.wall_time_s;
        char text[512];
        if (m.has_machine)
            machine_text(text, sizeof text, &m.machine);
        else
            snprintf(text, sizeof text, "a machine not recorded");
        add_kind(machines, text);
        add_kind(hosts, m.has_machine && m.machine.host[0] ? m.machine.host : "(not recorded)");
    }
    bnx_plan_free(&plan);
}

/* The slowest first; ties by experiment, then run (qsort is not stable). */
static int slower(const void *a, const void *b)
{
    const run_prov *x = a, *y = b;
    int c = (x->trial_time < y->trial_time) - (x->trial_time > y->trial_time);
    if (!c)
        c = strcmp(x->experiment, y->experiment);
    return c ? c : strcmp(x->run, y->run);
}

void bnx_claims_provenance(const bnx_claims *claims, bnx_strbuf *sb)
{
    bnx_sb_printf(sb, "\n## Provenance\n\n");
    run_prov *runs = calloc((size_t)claims->num_rows + 1, sizeof *runs);
    if (!runs) {
        sb->oom = 1;
        return;
    }
    int n = 0;
    for (int i = 0; i < claims->num_rows; i++) {
        const bnx_claim_row *row = &claims->rows[i];
        if (row->state != BNX_CLAIM_DECIDED || !row->run[0])
            continue;
        int seen = 0;
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(runs[k].run, row->run) == 0;
        if (!seen) {
            runs[n].experiment = row->experiment;
            runs[n++].run = row->run;
        }
    }
    if (n == 0) {
        bnx_sb_printf(sb, "No run decided any row.\n");
        free(runs);
        return;
    }
    kinds machines = {0}, versions = {0}, hosts = {0};
    char first[32] = "", last[32] = "";
    double trial_time = 0;
    for (int k = 0; k < n; k++) {
        run_prov *r = &runs[k];
        read_run(r, &machines, &hosts);
        for (int v = 0; v < r->versions.n && v < MAX_KINDS; v++)
            add_kind(&versions, r->versions.text[v]);
        if (r->first[0] && (!first[0] || strcmp(r->first, first) < 0))
            snprintf(first, sizeof first, "%s", r->first);
        if (strcmp(r->last, last) > 0)
            snprintf(last, sizeof last, "%s", r->last);
        trial_time += r->trial_time;
    }
    qsort(runs, (size_t)n, sizeof *runs, slower);

    const char *runs_text = n == 1 ? "run" : "runs";
    if (versions.n == 0) {
        bnx_sb_printf(sb, "No trial of the %d %s that decided the table's rows has a manifest "
                      "that could be read: the code, the machine and the times are not known.\n\n",
                      n, runs_text);
    } else {
        if (versions.n == 1) {
            bnx_sb_printf(sb, "Every trial of the %d %s that decided the table's rows ran one "
                          "code version, bnexp %s, ", n, runs_text, versions.text[0]);
        } else {
            bnx_sb_printf(sb, "**The %d %s that decided the table's rows ran %d code versions** "
                          "(each run's in the table below): ", n, runs_text, versions.n);
            for (int v = 0; v < versions.n && v < MAX_KINDS; v++)
                bnx_sb_printf(sb, "%sbnexp %s", v ? "; " : "", versions.text[v]);
            if (versions.n > MAX_KINDS)
                bnx_sb_printf(sb, "; and %d more", versions.n - MAX_KINDS);
            bnx_sb_printf(sb, ". They ran ");
        }
        if (machines.n == 1) {
            bnx_sb_printf(sb, "on one kind of machine (%d host%s): %s.", hosts.n,
                          hosts.n == 1 ? "" : "s", machines.text[0]);
        } else {
            bnx_sb_printf(sb, "on **%d kinds of machine** (%d hosts): ", machines.n, hosts.n);
            for (int m = 0; m < machines.n && m < MAX_KINDS; m++)
                bnx_sb_printf(sb, "%s%s", m ? "; " : "", machines.text[m]);
            if (machines.n > MAX_KINDS)
                bnx_sb_printf(sb, "; and %d more", machines.n - MAX_KINDS);
            bnx_sb_printf(sb, ".");
        }
        char span[32], total[32];
        duration(span, sizeof span, utc_seconds(last) - utc_seconds(first));
        duration(total, sizeof total, trial_time);
        bnx_sb_printf(sb, " The trials ran from %s to %s (%s; a resumed trial from its last "
                          "start); their wall times, every attempt counted, add up to %s.\n\n",
                      first[0] ? first : "a time not recorded", last[0] ? last : "-", span, total);
    }
    bnx_sb_printf(sb, "| experiment | run | trials ended | bnexp | first start | last finish | "
                      "span | trial time |\n|---|---|---|---|---|---|---|---|\n");
    char span[32], total[32];
    for (int k = 0; k < n; k++) {
        const run_prov *r = &runs[k];
        bnx_sb_printf(sb, "| %s | ", r->experiment);
        bnx_sb_md_cell(sb, r->run);
        if (r->error[0]) {
            bnx_sb_printf(sb, " | plan.json: ");
            bnx_sb_md_cell(sb, r->error);
            bnx_sb_printf(sb, " | - | - | - | - | - |\n");
            continue;
        }
        bnx_sb_printf(sb, " | %d of %d | ", r->ended, r->trials);
        for (int v = 0; v < r->versions.n && v < MAX_KINDS; v++) {
            bnx_sb_printf(sb, "%s", v ? "; " : "");
            bnx_sb_md_cell(sb, r->versions.text[v]);
        }
        if (r->versions.n > MAX_KINDS)
            bnx_sb_printf(sb, "; and %d more", r->versions.n - MAX_KINDS);
        duration(span, sizeof span, utc_seconds(r->last) - utc_seconds(r->first));
        duration(total, sizeof total, r->trial_time);
        bnx_sb_printf(sb, "%s | %s | %s | %s | %s |\n", r->versions.n ? "" : "-",
                      r->first[0] ? r->first : "-", r->last[0] ? r->last : "-", span, total);
    }
    free(runs);
}

void bnx_claims_by_network(const bnx_claims *claims, bnx_strbuf *sb)
{
    enum { NOT_RUN = BNX_VERDICT_OUTCOMES, ERROR, KINDS };
    int n = 0, (*counts)[KINDS] = calloc((size_t)claims->num_rows + 1, sizeof *counts);
    int total[KINDS] = {0};
    const char **names = calloc((size_t)claims->num_rows + 1, sizeof *names);
    if (!counts || !names) {
        free(counts);
        free(names);
        sb->oom = 1;
        return;
    }
    for (int i = 0; i < claims->num_rows; i++) {
        const bnx_claim_row *row = &claims->rows[i];
        int k = 0;
        while (k < n && strcmp(names[k], row->network) != 0)
            k++;
        if (k == n)
            names[n++] = row->network;
        int kind = row->state == BNX_CLAIM_DECIDED ? row->result.outcome
                   : row->state == BNX_CLAIM_NOT_RUN ? NOT_RUN : ERROR;
        counts[k][kind]++;
        total[kind]++;
    }
    bnx_sb_printf(sb, "<!-- claims-summary -->\n| network | rules | hold | do not hold | mixed | "
                      "inconclusive | undecided | not run | run unreadable |\n"
                      "|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k <= n; k++) {
        const int *c = k < n ? counts[k] : total;
        int rules = 0;
        for (int j = 0; j < KINDS; j++)
            rules += c[j];
        if (k < n) {
            bnx_sb_printf(sb, "| ");
            bnx_sb_md_cell(sb, names[k][0] ? names[k] : "-");
        } else {
            bnx_sb_printf(sb, "| **all**");
        }
        bnx_sb_printf(sb, " | %d | %d | %d | %d | %d | %d | %d | %d |\n", rules,
                      c[BNX_VERDICT_HOLDS], c[BNX_VERDICT_FAILS], c[BNX_VERDICT_MIXED],
                      c[BNX_VERDICT_INCONCLUSIVE], c[BNX_VERDICT_UNDECIDED], c[NOT_RUN], c[ERROR]);
    }
    bnx_sb_printf(sb, "<!-- /claims-summary -->\n\n");
    free(counts);
    free(names);
}
