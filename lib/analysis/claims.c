#include "analysis/claims.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/claims_provenance.h"
#include "core/paths.h"
#include "io/atomic.h"
#include "io/strbuf.h"
#include "model/model.h"
#include "runs/reader.h"
#include "spec/plan.h"
#include "spec/spec.h"

void bnx_claims_free(bnx_claims *claims)
{
    for (int i = 0; i < claims->num_rows; i++)
        bnx_verdict_result_free(&claims->rows[i].result);
    free(claims->rows);
    memset(claims, 0, sizeof *claims);
}

static bnx_claim_row *add_row(bnx_claims *c, int *cap)
{
    if (c->num_rows == *cap) {
        int n = *cap ? *cap * 2 : 16;
        bnx_claim_row *grown = realloc(c->rows, sizeof *grown * (size_t)n);
        if (!grown)
            return NULL;
        c->rows = grown;
        *cap = n;
    }
    bnx_claim_row *r = &c->rows[c->num_rows++];
    memset(r, 0, sizeof *r);
    return r;
}

/* A rule's text fields, without its parsed measure. */
static void copy_rule(bnx_verdict_rule *dst, const bnx_verdict_rule *src)
{
    *dst = *src;
    dst->root = NULL;
    dst->terms = NULL;
    dst->num_terms = 0;
}

static const bnx_verdict_rule *find_rule(const bnx_spec *spec, const char *name)
{
    for (int i = 0; spec && i < spec->num_verdicts; i++)
        if (strcmp(spec->verdicts[i].name, name) == 0)
            return &spec->verdicts[i];
    return NULL;
}

/* Whether run directory `path` (shown as `label`) decides its experiment's
 * rows: its plan.json records no overrides and at least file_seeds seeds
 * a variant.  It does: run, *unknown and started are set.  It does not:
 * why it was passed over is added to skipped[*used].  A directory whose
 * plan.json does not read is taken as the run (the reader names the
 * problem on the row).  BNX_ENOMEM only. */
static int consider_run(const char *path, const char *label, int file_seeds, char *run,
                        size_t size, char *skipped, size_t skipped_size, size_t *used,
                        int *unknown, char *started, bnx_error *err)
{
    bnx_plan plan;
    bnx_error pe;
    bnx_error_clear(&pe);
    if (bnx_plan_read(path, &plan, &pe) != BNX_OK) {
        if (pe.code == BNX_ENOMEM)
            return bnx_fail(err, pe.code, "%s", pe.msg);
        snprintf(run, size, "%.4095s", path);
        return BNX_OK;
    }
    int seeds = bnx_plan_fewest_seeds(&plan);
    char why[1100] = "";
    if (plan.overrides_known && plan.overrides[0])
        snprintf(why, sizeof why, "it was run with %s", plan.overrides);
    else if (file_seeds > 0 && seeds < file_seeds)
        snprintf(why, sizeof why, "%d seed%s a variant, the file has %d", seeds,
                 seeds == 1 ? "" : "s", file_seeds);
    else {
        snprintf(run, size, "%.4095s", path);
        *unknown = !plan.overrides_known;
        snprintf(started, 32, "%s", plan.created_utc);
    }
    bnx_plan_free(&plan);
    if (why[0] && *used < skipped_size)
        *used += (size_t)snprintf(skipped + *used, skipped_size - *used, "%s%s (%s)",
                                  *used ? "; " : "", label, why);
    return BNX_OK;
}

/* The run of experiment `name` that decides its rows (analysis/claims.h):
 * the newest directory RUNS/NAME/RUN that consider_run takes, or else the
 * target of RUNS/NAME/latest when it lies elsewhere (a run made with
 * --out), into run ("" if none); the runs passed over, with why, into
 * skipped; *unknown: the run's plan predates the record of overrides.  An
 * experiment without runs is no error; BNX_ENOMEM is. */
static int choose_run(const char *runs_dir, const char *name, int file_seeds, char *run,
                      size_t size, char *skipped, size_t skipped_size, int *unknown,
                      char *started, bnx_error *err)
{
    run[0] = skipped[0] = started[0] = '\0';
    *unknown = 0;
    if (!runs_dir)
        return BNX_OK;
    char dir[1000];
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", runs_dir, name) >= sizeof dir)
        return bnx_fail(err, BNX_EINVAL, "the runs directory's path is too long (%zu bytes; at "
                        "most %zu)", strlen(runs_dir), sizeof dir - 66);
    bnx_names names = {0};
    bnx_error e;
    bnx_error_clear(&e);
    int rc = bnx_dir_names(dir, 100000, &names, &e);
    if (rc == BNX_ENOMEM) {
        bnx_names_free(&names);
        return bnx_fail(err, rc, "%s", e.msg);
    }
    size_t used = 0;
    int latest = 0;
    for (int i = names.n - 1; rc == BNX_OK && i >= 0 && !run[0]; i--) {
        char path[4096];
        latest |= strcmp(names.v[i], "latest") == 0;
        if (strcmp(names.v[i], "latest") == 0 ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, names.v[i]) >= sizeof path ||
            !bnx_is_dir(path))
            continue;
        if (consider_run(path, names.v[i], file_seeds, run, size, skipped, skipped_size, &used,
                         unknown, started, err)) {
            bnx_names_free(&names);
            return err ? err->code : BNX_ENOMEM;
        }
    }
    bnx_names_free(&names);
    char link[4096], target[3000];
    snprintf(link, sizeof link, "%s/latest", dir);
    ssize_t n = latest && !run[0] ? readlink(link, target, sizeof target - 1) : -1;
    if (n > 0) { /* latest -> a run elsewhere (--out) */
        target[n] = '\0';
        char path[4096];
        if (target[0] == '/')
            snprintf(path, sizeof path, "%s", target);
        else
            snprintf(path, sizeof path, "%s/%s", dir, target);
        if (bnx_is_dir(path) && consider_run(path, path, file_seeds, run, size, skipped,
                                             skipped_size, &used, unknown, started, err))
            return err ? err->code : BNX_ENOMEM;
    }
    return BNX_OK;
}

/* The number of leading characters of s that form an ISO date
 * (YYYY-MM-DD, 10) or date-time (YYYY-MM-DDTHH:MM, optionally :SS, and Z),
 * or 0. */
static int iso_prefix(const char *s)
{
    static const char date[] = "dddd-dd-dd", time[] = "Tdd:dd";
    int i = 0;
    for (; date[i]; i++)
        if (date[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != date[i])
            return 0;
    for (int k = 0; time[k]; k++)
        if (time[k] == 'd' ? !isdigit((unsigned char)s[i + k]) : s[i + k] != time[k])
            return i;
    i += 6;
    if (s[i] == ':' && isdigit((unsigned char)s[i + 1]) && isdigit((unsigned char)s[i + 2]))
        i += 3;
    return s[i] == 'Z' ? i + 1 : i;
}

/* row->registered: the rule's `written` against its run's start. */
static void registration(bnx_claim_row *row)
{
    const bnx_verdict_rule *r = &row->rule;
    int n = iso_prefix(r->written);
    if (r->amends[0])
        snprintf(row->registered, sizeof row->registered, "amended after seeing data "
                 "(amends %s)", r->amends);
    else if (!row->started[0] || row->state == BNX_CLAIM_NOT_RUN)
        snprintf(row->registered, sizeof row->registered, "-");
    else if (n == 0)
        snprintf(row->registered, sizeof row->registered, "written: no ISO date");
    else if (n == 10) { /* a date: compare days */
        int c = strncmp(r->written, row->started, 10);
        snprintf(row->registered, sizeof row->registered, "%s", c < 0 ? "pre-registered"
                 : c > 0 ? "written after its run began"
                 : "written the day its run began (order not known)");
    } else { /* a date-time, in UTC: as text, up to the minute or second given */
        char when[24];
        snprintf(when, sizeof when, "%.*s", r->written[n - 1] == 'Z' ? n - 1 : n, r->written);
        int c = strncmp(when, row->started, strlen(when));
        snprintf(row->registered, sizeof row->registered, "%s", c < 0 ? "pre-registered"
                 : "written after its run began");
    }
}

/* The networks spec's variants train into buf[size]: each model in order
 * of first appearance, followed, for one that reads `depth`, by its depths
 * in order of first appearance ("resnet-8/20/32"). */
static void network_label(const bnx_spec *spec, char *buf, size_t size)
{
    int models[16], num_models = 0, depths[16][16], num_depths[16] = {0};
    for (int v = 0; v < spec->num_variants; v++) {
        const bnx_config *cfg = &spec->variants[v].config;
        int m = 0;
        while (m < num_models && models[m] != cfg->model)
            m++;
        if (m == num_models && num_models < 16)
            models[num_models++] = cfg->model;
        if (m == num_models || !bnx_model_reads(bnx_model_ops_of(cfg->model), "depth"))
            continue;
        int d = 0;
        while (d < num_depths[m] && depths[m][d] != cfg->depth)
            d++;
        if (d == num_depths[m] && d < 16)
            depths[m][num_depths[m]++] = cfg->depth;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int m = 0; m < num_models && used < size; m++) {
        const char *name = bnx_model_name(models[m]);
        used += (size_t)snprintf(buf + used, size - used, "%s%s", m ? ", " : "", name ? name : "?");
        for (int d = 0; d < num_depths[m] && used < size; d++)
            used += (size_t)snprintf(buf + used, size - used, "%c%d", d ? '/' : '-', depths[m][d]);
    }
}

/* Rows for experiment `name` (file `file`, loaded as `spec`). */
static int add_experiment(bnx_claims *c, int *cap, const char *name, const char *file,
                          const bnx_spec *spec, const char *runs_dir, const bnx_plan *forced,
                          const char *forced_dir, bnx_error *err)
{
    char run[4096], skipped[1024] = "";
    bnx_spec frozen = {0};
    int have_run = 0, frozen_ok = 0, unknown = 0;
    char frozen_err[1024] = "";
    char started[32];
    int rc = BNX_OK;
    if (forced) { /* --run DIR */
        snprintf(run, sizeof run, "%s", forced_dir);
        snprintf(started, sizeof started, "%s", forced->created_utc);
        unknown = !forced->overrides_known;
    } else if ((rc = choose_run(runs_dir, name, spec->seeds, run, sizeof run, skipped,
                                sizeof skipped, &unknown, started, err)))
        return rc;
    if (run[0] && bnx_is_dir(run)) {
        have_run = 1;
        bnx_error e;
        bnx_error_clear(&e);
        frozen_ok = bnx_run_spec_read(run, name, &frozen, &e) == BNX_OK;
        if (!frozen_ok)
            snprintf(frozen_err, sizeof frozen_err, "%s", e.msg);
    }
    for (int i = 0; i < spec->num_verdicts; i++) {
        bnx_claim_row *row = add_row(c, cap);
        if (!row) {
            bnx_spec_free(&frozen);
            return bnx_fail(err, BNX_ENOMEM, "out of memory for the claims table");
        }
        snprintf(row->experiment, sizeof row->experiment, "%s", name);
        network_label(spec, row->network, sizeof row->network);
        snprintf(row->file, sizeof row->file, "%s", file);
        snprintf(row->skipped, sizeof row->skipped, "%s", skipped);
        row->overrides_unknown = unknown;
        snprintf(row->started, sizeof row->started, "%s", started);
        row->forced = forced != NULL;
        if (forced)
            snprintf(row->overrides, sizeof row->overrides, "%s", forced->overrides);
        copy_rule(&row->rule, &spec->verdicts[i]);
        if (!have_run) {
            row->state = BNX_CLAIM_NOT_RUN;
            continue;
        }
        snprintf(row->run, sizeof row->run, "%s", run);
        if (!frozen_ok) {
            row->state = BNX_CLAIM_ERROR;
            snprintf(row->error, sizeof row->error, "%s", frozen_err);
            continue;
        }
        const bnx_verdict_rule *fr = find_rule(&frozen, spec->verdicts[i].name);
        if (!fr) {
            row->state = BNX_CLAIM_NOT_RUN; /* the rule came after the run */
            continue;
        }
        row->changed = !bnx_verdict_same(fr, &spec->verdicts[i]);
        copy_rule(&row->rule, fr);
        bnx_error e;
        bnx_error_clear(&e);
        int rc = bnx_verdict_evaluate(fr, run, &row->result, &e);
        if (rc == BNX_ENOMEM) {
            bnx_spec_free(&frozen);
            return bnx_fail(err, rc, "%s", e.msg);
        }
        row->state = rc ? BNX_CLAIM_ERROR : BNX_CLAIM_DECIDED;
        if (rc)
            snprintf(row->error, sizeof row->error, "%s", e.msg);
    }
    bnx_spec_free(&frozen);
    bnx_claim_row *mine = c->rows + c->num_rows - spec->num_verdicts; /* this file's rows */
    for (int i = 0; i < spec->num_verdicts; i++) {
        bnx_claim_row *row = &mine[i];
        registration(row);
        if (!row->rule.requires[0])
            continue;
        const bnx_claim_row *ctl = NULL;
        for (int k = 0; k < spec->num_verdicts; k++)
            if (strcmp(mine[k].rule.name, row->rule.requires) == 0)
                ctl = &mine[k];
        int holds = ctl && ctl->state == BNX_CLAIM_DECIDED &&
                    ctl->result.outcome == BNX_VERDICT_HOLDS;
        snprintf(row->control, sizeof row->control, "its control, verdict.%s, %s", row->rule.requires,
                 holds ? "holds" : !ctl || ctl->state != BNX_CLAIM_DECIDED ? "is not decided"
                 : ctl->result.outcome == BNX_VERDICT_FAILS ? "does not hold"
                 : ctl->result.outcome == BNX_VERDICT_INCONCLUSIVE ? "is inconclusive"
                 : ctl->result.outcome == BNX_VERDICT_MIXED ? "is mixed" : "is undecided");
        if (!holds && row->state == BNX_CLAIM_DECIDED) {
            row->result.outcome = BNX_VERDICT_UNDECIDED;
            size_t n = strlen(row->control);
            snprintf(row->control + n, sizeof row->control - n, ": this rule is not decided "
                     "(the design could not show the effect)");
        }
    }
    return BNX_OK;
}

/* Claims numbered 1, 2, ... first, in order; then the rest by text. */
static int claim_cmp(const char *a, const char *b)
{
    char *ea, *eb;
    long na = strtol(a, &ea, 10), nb = strtol(b, &eb, 10);
    int ia = ea != a && !*ea, ib = eb != b && !*eb;
    if (ia != ib)
        return ia ? -1 : 1;
    if (ia && na != nb)
        return na < nb ? -1 : 1;
    return strcmp(a, b);
}

static int row_cmp(const void *pa, const void *pb)
{
    const bnx_claim_row *a = pa, *b = pb;
    int c = claim_cmp(a->rule.claim, b->rule.claim);
    if (c)
        return c;
    if ((c = strcmp(a->experiment, b->experiment)))
        return c;
    return a->rule.line - b->rule.line;
}

int bnx_claims_collect(const char *experiments_dir, const char *runs_dir, bnx_claims *claims,
                       bnx_error *err)
{
    return bnx_claims_collect_run(experiments_dir, runs_dir, NULL, claims, err);
}

int bnx_claims_collect_run(const char *experiments_dir, const char *runs_dir, const char *run,
                           bnx_claims *claims, bnx_error *err)
{
    memset(claims, 0, sizeof *claims);
    bnx_plan forced = {0};
    int found = 0;
    if (run && bnx_plan_read(run, &forced, err))
        return err ? err->code : BNX_EINVAL;
    bnx_names names;
    int rc = bnx_dir_names(experiments_dir, BNX_CLAIMS_MAX_FILES, &names, err);
    if (rc == BNX_ENOTFOUND)
        bnx_fail(err, rc, "cannot read the experiments directory %s", experiments_dir);
    int rcap = 0;
    for (int i = 0; rc == BNX_OK && i < names.n; i++) {
        char file[4096], name[64];
        size_t len = strlen(names.v[i]);
        if (len < 5 || strcmp(names.v[i] + len - 4, ".ini") != 0)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)(len - 4 < 63 ? len - 4 : 63), names.v[i]);
        if ((size_t)snprintf(file, sizeof file, "%s/%s", experiments_dir, names.v[i]) >= sizeof file) {
            rc = bnx_fail(err, BNX_EINVAL, "experiments directory path is too long");
            break;
        }
        bnx_spec spec;
        int mine = run && strcmp(forced.experiment, name) == 0;
        found += mine;
        if ((rc = bnx_spec_load(file, name, &spec, err)) == BNX_OK && spec.num_verdicts)
            rc = add_experiment(claims, &rcap, name, file, &spec, runs_dir, mine ? &forced : NULL,
                                run, err);
        bnx_spec_free(&spec);
    }
    bnx_names_free(&names);
    if (rc == BNX_OK && run && !found)
        rc = bnx_fail(err, BNX_EINVAL, "--run %s: its experiment %s has no file in %s", run,
                      forced.experiment, experiments_dir);
    bnx_plan_free(&forced);
    if (rc) {
        bnx_claims_free(claims);
        return rc;
    }
    if (claims->num_rows > 1)
        qsort(claims->rows, (size_t)claims->num_rows, sizeof *claims->rows, row_cmp);
    return BNX_OK;
}

/* ---- text ---- */

/* "0.0021 [-0.0091, 0.0133]": a point's estimate (the mean of its per-seed
 * values) and its 95% interval; the pooled value alone with fewer than
 * two seeds. */
static void estimate_text(const bnx_verdict_point *p, char *buf, size_t size)
{
    if (p->per_seed.n >= 2)
        snprintf(buf, size, "%.4g [%.4g, %.4g]", p->ci.mean, p->ci.lo, p->ci.hi);
    else
        snprintf(buf, size, "%.4g", p->measure);
}

void bnx_claim_measure_text(const bnx_claim_row *row, char *buf, size_t size)
{
    const bnx_verdict_result *res = &row->result;
    if (row->state != BNX_CLAIM_DECIDED || res->decided == 0) {
        snprintf(buf, size, "-");
        return;
    }
    if (res->num_points == 1) {
        const bnx_verdict_point *p = &res->points[0];
        char est[96];
        estimate_text(p, est, sizeof est);
        int n = snprintf(buf, size, "%s, %d seed%s", est, p->per_seed.n >= 2 ? p->per_seed.n
                         : p->seeds, (p->per_seed.n >= 2 ? p->per_seed.n : p->seeds) == 1 ? "" : "s");
        if (res->looks == 2 && n >= 0 && (size_t)n < size)
            snprintf(buf + n, size - (size_t)n, ", look %d of 2", p->look);
        return;
    }
    int n = snprintf(buf, size, "%.4g to %.4g over %d points", res->measure.min, res->measure.max,
                     res->decided);
    if (res->looks == 2 && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ", look %d of 2", res->look);
}

void bnx_claim_verdict_text(const bnx_claim_row *row, char *buf, size_t size)
{
    const bnx_verdict_result *res = &row->result;
    if (row->state == BNX_CLAIM_NOT_RUN) {
        snprintf(buf, size, "not run");
        return;
    }
    if (row->state == BNX_CLAIM_ERROR) {
        snprintf(buf, size, "error");
        return;
    }
    int n = snprintf(buf, size, "%s", bnx_verdict_outcome_name(res->outcome));
    if (n < 0 || (size_t)n >= size)
        return;
    if (res->outcome == BNX_VERDICT_MIXED || (res->outcome == BNX_VERDICT_INCONCLUSIVE &&
                                              res->num_points > 1))
        n += snprintf(buf + n, size - (size_t)n, " (holds at %d, does not at %d, inconclusive "
                      "at %d of %d points)", res->holding, res->failing, res->inconclusive,
                      res->decided);
    else if (res->outcome == BNX_VERDICT_INCONCLUSIVE && res->points[0].seeds_needed > 0)
        n += snprintf(buf + n, size - (size_t)n, res->points[0].seeds_needed > BNX_VERDICT_SEEDS_CAP
                      ? " (more than %d seeds would decide it)" : " (about %d seeds would decide it)",
                      res->points[0].seeds_needed > BNX_VERDICT_SEEDS_CAP ? BNX_VERDICT_SEEDS_CAP
                      : res->points[0].seeds_needed);
    if (n >= 0 && (size_t)n < size && res->decided < res->num_points && res->decided > 0)
        n += snprintf(buf + n, size - (size_t)n, " (%d of %d points undecided)",
                      res->num_points - res->decided, res->num_points);
    if (n >= 0 && (size_t)n < size && res->looks == 2 && res->look == 1 &&
        (res->outcome == BNX_VERDICT_INCONCLUSIVE || res->outcome == BNX_VERDICT_MIXED) &&
        res->inconclusive > 0)
        snprintf(buf + n, size - (size_t)n, " (its second look has not run: `bnexp run %s "
                 "--until-decided` or `bnexp run claims` adds the seeds)", row->experiment);
}

/* Text for a Markdown table cell: '|' and line breaks would end it. */
static const char *op_text(int op)
{
    return op == BNX_OP_LT ? "<" : op == BNX_OP_LE ? "<=" : op == BNX_OP_GT ? ">" :
           op == BNX_OP_EQ ? "==" : ">=";
}

/* The rule and its points, as Markdown. */
static void put_rule_details(bnx_strbuf *sb, const bnx_verdict_rule *r, const bnx_verdict_result *res)
{
    bnx_sb_printf(sb, "- measure: `%s`, holds if `%s %g`", r->measure, op_text(r->op),
                  r->threshold);
    if (r->margin_kind == BNX_MARGIN_NONINFERIOR)
        bnx_sb_printf(sb, " with a non-inferiority margin of %g (tested against %g)", r->margin,
                      r->op == BNX_OP_GT || r->op == BNX_OP_GE ? r->threshold - r->margin
                                                                : r->threshold + r->margin);
    else if (r->margin_kind == BNX_MARGIN_EQUIVALENT)
        bnx_sb_printf(sb, " within ±%g (equivalence: the 90%% interval inside %g to %g)",
                      r->margin, r->threshold - r->margin, r->threshold + r->margin);
    bnx_sb_printf(sb, "%s%s", r->at[0] ? ", at every value of " : "", r->at);
    bnx_sb_printf(sb, "; at least %d seed%s a point; an empty value counts as %s", r->min_seeds,
                  r->min_seeds == 1 ? "" : "s",
                  r->empty == BNX_EMPTY_SKIP ? "nothing (skipped)"
                  : r->empty == BNX_EMPTY_UNDECIDED ? "undecided"
                  : r->empty == BNX_EMPTY_STEPS ? "the trial's steps" : "a number:");
    if (r->empty == BNX_EMPTY_VALUE)
        bnx_sb_printf(sb, " %g", r->empty_value);
    bnx_sb_printf(sb, "\n- written: %s\n", r->written);
    const int two = r->max_seeds > r->stage_seeds && r->stage_seeds > 0;
    if (two)
        bnx_sb_printf(sb, "- two looks: seeds 1-%d first, then, only where a point is "
                      "inconclusive, all seeds up to %d; each look at the 97.5%% level "
                      "(Bonferroni 0.025 a look)\n", r->stage_seeds, r->max_seeds);
    if (!res || !res->num_points)
        return;
    bnx_sb_printf(sb, "\n| point | seeds | pooled | per seed (mean ± sd) | %s interval | "
                      "verdict |", two ? "97.5%" : "95%");
    for (int k = 0; k < res->num_terms; k++) {
        bnx_sb_printf(sb, " `");
        bnx_sb_md_cell(sb, res->term_text[k]);
        bnx_sb_printf(sb, "` |");
    }
    bnx_sb_printf(sb, "\n|---|---|---|---|---|---|");
    for (int k = 0; k < res->num_terms; k++)
        bnx_sb_printf(sb, "---|");
    bnx_sb_printf(sb, "\n");
    for (int p = 0; p < res->num_points; p++) {
        const bnx_verdict_point *pt = &res->points[p];
        bnx_sb_printf(sb, "| ");
        bnx_sb_md_cell(sb, pt->label);
        bnx_sb_printf(sb, " | %d | ", pt->seeds);
        if (pt->decided)
            bnx_sb_printf(sb, "%.4g", pt->measure);
        else
            bnx_sb_printf(sb, "undecided: "), bnx_sb_md_cell(sb, pt->why);
        if (pt->per_seed.n >= 2)
            bnx_sb_printf(sb, " | %.4g ± %.2g (%d) | %.4g to %.4g | ", pt->per_seed.mean,
                          pt->per_seed.sd, pt->per_seed.n, pt->ci.lo, pt->ci.hi);
        else
            bnx_sb_printf(sb, " | - | - | ");
        bnx_sb_printf(sb, "%s", bnx_verdict_outcome_name(pt->outcome));
        if (two)
            bnx_sb_printf(sb, " at look %d", pt->look);
        if (pt->outcome == BNX_VERDICT_INCONCLUSIVE && pt->seeds_needed > BNX_VERDICT_SEEDS_CAP)
            bnx_sb_printf(sb, ": more than %d seeds would decide it", BNX_VERDICT_SEEDS_CAP);
        else if (pt->outcome == BNX_VERDICT_INCONCLUSIVE && pt->seeds_needed > 0)
            bnx_sb_printf(sb, ": about %d seeds would decide it", pt->seeds_needed);
        if (pt->note[0])
            bnx_sb_printf(sb, " ("), bnx_sb_md_cell(sb, pt->note), bnx_sb_printf(sb, ")");
        bnx_sb_printf(sb, " |");
        for (int k = 0; k < res->num_terms; k++)
            if (isfinite(pt->terms[k]))
                bnx_sb_printf(sb, " %.4g (%d) |", pt->terms[k], pt->term_trials[k]);
            else
                bnx_sb_printf(sb, " - |");
        bnx_sb_printf(sb, "\n");
    }
}

/* `path` relative to directory `base` when it lies below it, else as is. */
static const char *relative_to(const char *path, const char *base)
{
    size_t n = strlen(base);
    if (n && strncmp(path, base, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

int bnx_claims_markdown(const bnx_claims *claims, const char *const *charts, const char *base,
                        char **text, bnx_error *err)
{
    bnx_strbuf sb = {0};
    int counts[BNX_VERDICT_OUTCOMES] = {0}, not_run = 0, errors = 0;
    for (int i = 0; i < claims->num_rows; i++) {
        const bnx_claim_row *row = &claims->rows[i];
        if (row->state == BNX_CLAIM_DECIDED)
            counts[row->result.outcome]++;
        not_run += row->state == BNX_CLAIM_NOT_RUN;
        errors += row->state == BNX_CLAIM_ERROR;
    }
    bnx_sb_printf(&sb, "# Claims\n\n");
    bnx_claims_by_network(claims, &sb);
    bnx_sb_printf(&sb, "Every verdict rule of every experiment file, decided by "
                  "bnexp on the experiment's newest run of its file as committed (no --set, --grid or "
                  "--variants, at least the file's seeds: a run's plan.json records them; newer "
                  "runs that do not qualify are named under the rule), from the rule the run froze "
                  "(RUN/experiment.ini). %d rule%s: %d hold, %d do not hold, %d mixed, %d "
                  "inconclusive, %d undecided, %d not run, %d whose run could not be read.\n\n"
                  "Procedure (from 2026-12-05, for every rule at once): a rule is decided from the "
                  "values its measure takes on each seed's trials alone (seeds paired across "
                  "variants), by their two-sided 95%% Student-t interval: it holds or does not "
                  "hold only where the interval lies wholly on one side of the threshold, and is "
                  "inconclusive where it straddles it, with the number of seeds that would decide "
                  "it at the observed mean and sd. Before that date a rule compared the measure "
                  "over all seeds' trials with the threshold. From 2026-12-06 an experiment may "
                  "state two looks (`seeds = S`, `max_seeds = M`): every point is decided first "
                  "on seeds 1-S, and only a point inconclusive there is decided again, once, on "
                  "seeds 1-M, which `bnexp run claims` adds; both looks use 97.5%% intervals "
                  "(Bonferroni, 0.025 a look), and the measured column says which look decided "
                  "the row.\n\n",
                  claims->num_rows, claims->num_rows == 1 ? "" : "s", counts[BNX_VERDICT_HOLDS],
                  counts[BNX_VERDICT_FAILS], counts[BNX_VERDICT_MIXED],
                  counts[BNX_VERDICT_INCONCLUSIVE], counts[BNX_VERDICT_UNDECIDED], not_run, errors);
    bnx_sb_printf(&sb, "| claim | statement | source | experiment | network | measured | verdict | "
                       "rule | chart |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < claims->num_rows; i++) {
        const bnx_claim_row *row = &claims->rows[i];
        char measure[128], verdict[128];
        bnx_claim_measure_text(row, measure, sizeof measure);
        bnx_claim_verdict_text(row, verdict, sizeof verdict);
        bnx_sb_printf(&sb, "| %s | ", row->rule.claim);
        bnx_sb_md_cell(&sb, row->rule.statement);
        bnx_sb_printf(&sb, " | ");
        bnx_sb_md_cell(&sb, row->rule.source[0] ? row->rule.source : "-");
        bnx_sb_printf(&sb, " | [%s](#%s%s%s) | %s | %s | **%s**%s", row->experiment,
                      row->experiment, row->rule.name[0] ? "-" : "", row->rule.name, row->network,
                      measure, verdict,
                      row->changed ? " (rule edited since the run)" : "");
        if (row->control[0] && row->state == BNX_CLAIM_DECIDED &&
            row->result.outcome == BNX_VERDICT_UNDECIDED)
            bnx_sb_printf(&sb, " (%s)", row->control);
        if (row->forced)
            bnx_sb_printf(&sb, " (on --run: a run with %s)", row->overrides[0] ? row->overrides
                          : "the file as committed");
        bnx_sb_printf(&sb, " | %s | ", row->registered[0] ? row->registered : "-");
        if (charts && charts[i] && charts[i][0])
            bnx_sb_printf(&sb, "[chart](%s)", relative_to(charts[i], base));
        else
            bnx_sb_printf(&sb, "-");
        bnx_sb_printf(&sb, " |\n");
    }
    bnx_sb_printf(&sb, "\n**measured**: with one point, the estimate (the mean of the measure "
                  "computed on each seed's trials alone), its 95%% interval in brackets and the "
                  "seeds it is formed from; with several points, the range of the pooled measure "
                  "over the decided points (each point's interval is under Rules and numbers). "
                  "**verdict**: holds or does not hold at every decided point; mixed where it holds "
                  "at some and does not at others; inconclusive where an interval straddles the "
                  "threshold (or one seed only has a value) and none contradicts; undecided when "
                  "no point could be decided (missing or failed trials, too few seeds).\n\n"
                  "## Rules and numbers\n");
    for (int i = 0; i < claims->num_rows; i++) {
        const bnx_claim_row *row = &claims->rows[i];
        char verdict[128];
        bnx_claim_verdict_text(row, verdict, sizeof verdict);
        bnx_sb_printf(&sb, "\n### <a id=\"%s%s%s\"></a>%s%s%s: claim %s, %s\n\n", row->experiment,
                      row->rule.name[0] ? "-" : "", row->rule.name, row->experiment,
                      row->rule.name[0] ? "/" : "", row->rule.name, row->rule.claim, verdict);
        /* the file as a reader finds it in a checkout (or in share/bnexp),
         * not this machine's path to it: the page is the same from any clone */
        const char *base = strrchr(row->file, '/');
        bnx_sb_printf(&sb, "%s\n\n- source: %s\n- experiment file: experiments/%s\n",
                      row->rule.statement, row->rule.source[0] ? row->rule.source : "-",
                      base ? base + 1 : row->file);
        if (row->state == BNX_CLAIM_NOT_RUN) {
            bnx_sb_printf(&sb, "- not run%s: `bnexp run %s` runs it\n",
                          row->run[0] ? " with this rule (the deciding run's copy of the file "
                                        "lacks it)" : "", row->experiment);
            put_rule_details(&sb, &row->rule, NULL);
            continue;
        }
        bnx_sb_printf(&sb, "- run: %s%s\n", row->run, row->overrides_unknown
                      ? " (its plan.json predates the record of --set, --grid and --seeds: "
                        "what it was run with is not known)" : "");
        if (row->skipped[0])
            bnx_sb_printf(&sb, "- newer runs passed over: %s\n", row->skipped);
        if (row->forced)
            bnx_sb_printf(&sb, "- decided on this run because `report claims --run` named it; it "
                          "was run with %s\n", row->overrides[0] ? row->overrides
                          : "no override");
        bnx_sb_printf(&sb, "- the rule: %s (written %s; the run began %s)\n", row->registered,
                      row->rule.written, row->started[0] ? row->started : "at a time not recorded");
        if (row->rule.amends[0])
            bnx_sb_printf(&sb, "- amends verdict.%s, because: %s\n", row->rule.amends,
                          row->rule.reason);
        if (row->control[0])
            bnx_sb_printf(&sb, "- %s\n", row->control);
        if (row->changed)
            bnx_sb_printf(&sb, "- the experiment file's rule was edited after this run; the "
                          "run's own rule decided it (`bnexp run %s` decides the new one)\n",
                          row->experiment);
        if (row->state == BNX_CLAIM_ERROR) {
            bnx_sb_printf(&sb, "- not decided: %s\n", row->error);
            put_rule_details(&sb, &row->rule, NULL);
            continue;
        }
        put_rule_details(&sb, &row->rule, &row->result);
    }
    return bnx_sb_take(&sb, text, err);
}

/* A CSV text field, quoted when it holds a comma, quote or line break. */
static void csv_text(bnx_strbuf *sb, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        bnx_sb_printf(sb, "%s", s);
        return;
    }
    bnx_sb_printf(sb, "\"");
    for (; *s; s++)
        bnx_sb_printf(sb, *s == '"' ? "\"\"" : "%c", *s);
    bnx_sb_printf(sb, "\"");
}

static void csv_num(bnx_strbuf *sb, double x)
{
    if (isfinite(x))
        bnx_sb_printf(sb, ",%.6g", x);
    else
        bnx_sb_printf(sb, ",");
}

int bnx_claims_csv(const bnx_claims *claims, char **text, bnx_error *err)
{
    bnx_strbuf sb = {0};
    bnx_sb_printf(&sb, "claim,rule,experiment,statement,source,written,run,state,verdict,point,"
                       "seeds,point_decided,point_holds,measure,seed_mean,seed_sd,seed_n,why,point_verdict,"
                       "ci_lo,ci_hi,seeds_needed,note,level,look,looks,network\n");
    for (int i = 0; i < claims->num_rows; i++) {
        const bnx_claim_row *row = &claims->rows[i];
        const bnx_verdict_result *res = &row->result;
        int points = row->state == BNX_CLAIM_DECIDED ? res->num_points : 0;
        for (int p = 0; p < (points ? points : 1); p++) {
            const char *fields[] = {row->rule.claim, row->rule.name, row->experiment,
                                    row->rule.statement, row->rule.source, row->rule.written,
                                    row->run};
            for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
                if (f)
                    bnx_sb_printf(&sb, ",");
                csv_text(&sb, fields[f]);
            }
            bnx_sb_printf(&sb, ",%s,", row->state == BNX_CLAIM_DECIDED ? "decided"
                                       : row->state == BNX_CLAIM_NOT_RUN ? "not run" : "error");
            csv_text(&sb, row->state == BNX_CLAIM_DECIDED ? bnx_verdict_outcome_name(res->outcome) : "");
            if (!points) {
                bnx_sb_printf(&sb, ",,,,,,,,,");
                csv_text(&sb, row->error);
                bnx_sb_printf(&sb, ",,,,,,,,,");
                csv_text(&sb, row->network);
                bnx_sb_printf(&sb, "\n");
                continue;
            }
            const bnx_verdict_point *pt = &res->points[p];
            bnx_sb_printf(&sb, ",");
            csv_text(&sb, pt->label);
            bnx_sb_printf(&sb, ",%d,%d,%d", pt->seeds, pt->decided, pt->holds);
            csv_num(&sb, pt->measure);
            csv_num(&sb, pt->per_seed.mean);
            csv_num(&sb, pt->per_seed.sd);
            bnx_sb_printf(&sb, ",%d,", pt->per_seed.n);
            csv_text(&sb, pt->why);
            bnx_sb_printf(&sb, ",%s", bnx_verdict_outcome_name(pt->outcome));
            csv_num(&sb, pt->ci.lo);
            csv_num(&sb, pt->ci.hi);
            bnx_sb_printf(&sb, ",%d,", pt->seeds_needed);
            csv_text(&sb, pt->note);
            bnx_sb_printf(&sb, ",%g,%d,%d,", pt->level, pt->look, res->looks);
            csv_text(&sb, row->network);
            bnx_sb_printf(&sb, "\n");
        }
    }
    return bnx_sb_take(&sb, text, err);
}

/* Every rule of `spec` decided on `run`, as Markdown into sb. */
static int verdicts_markdown(const bnx_spec *spec, const char *run, bnx_strbuf *sb, bnx_error *err)
{
    if (!spec->num_verdicts)
        return BNX_OK;
    bnx_sb_printf(sb, "\n## Verdicts\n\nThe rules of the run's experiment file "
                      "(RUN/experiment.ini), decided on this run.\n");
    for (int i = 0; i < spec->num_verdicts; i++) {
        const bnx_verdict_rule *r = &spec->verdicts[i];
        bnx_verdict_result res;
        bnx_error e;
        bnx_error_clear(&e);
        int rc = bnx_verdict_evaluate(r, run, &res, &e);
        if (rc == BNX_ENOMEM)
            return bnx_fail(err, rc, "%s", e.msg);
        bnx_sb_printf(sb, "\n### verdict%s%s (claim %s): %s\n\n%s\n\n", r->name[0] ? "." : "",
                      r->name, r->claim, rc ? "not decided" : bnx_verdict_outcome_name(res.outcome),
                      r->statement);
        if (rc)
            bnx_sb_printf(sb, "- not decided: %s\n", e.msg);
        put_rule_details(sb, r, rc ? NULL : &res);
        bnx_verdict_result_free(&res);
    }
    return BNX_OK;
}

int bnx_verdicts_markdown(const char *run, const char *experiment, bnx_strbuf *sb, bnx_error *err)
{
    bnx_spec spec;
    bnx_error e;
    bnx_error_clear(&e);
    int rc = bnx_run_spec_read(run, experiment[0] ? experiment : "run", &spec, &e);
    if (rc == BNX_OK) {
        rc = verdicts_markdown(&spec, run, sb, err);
    } else if (rc == BNX_ENOMEM) {
        bnx_fail(err, rc, "%s", e.msg);
    } else {
        if (rc != BNX_ENOTFOUND) /* the table stands without the verdicts */
            bnx_sb_printf(sb, "\n## Verdicts\n\nNot decided: the run's copy of its experiment "
                          "file does not load: %s\n", e.msg);
        rc = BNX_OK; /* without a copy (a run from before them): no rules */
    }
    bnx_spec_free(&spec);
    return rc;
}

/* ---- writing the table ---- */

int bnx_claims_write(const char *experiments_dir, const char *runs_dir, const char *run,
                     bnx_claims_chart_fn chart,
                     void *ctx, char **md_out, bnx_error *err)
{
    if (md_out)
        *md_out = NULL;
    bnx_claims claims;
    int rc = bnx_claims_collect_run(experiments_dir, runs_dir, run, &claims, err);
    if (rc && err) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return bnx_fail(err, rc, "%.900s; no table written", msg);
    }
    if (rc)
        return rc;
    char (*charts)[4400] = calloc((size_t)claims.num_rows + 1, sizeof *charts);
    const char **chart_ptrs = calloc((size_t)claims.num_rows + 1, sizeof *chart_ptrs);
    if (!charts || !chart_ptrs)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory for the claims table");
    for (int i = 0; rc == BNX_OK && i < claims.num_rows; i++) {
        const bnx_claim_row *row = &claims.rows[i];
        int same = -1; /* a chart drawn already: the same run and arguments */
        for (int k = 0; k < i && same < 0; k++)
            if (strcmp(claims.rows[k].run, row->run) == 0 &&
                strcmp(claims.rows[k].rule.chart, row->rule.chart) == 0 &&
                claims.rows[k].state == row->state)
                same = k;
        if (same >= 0)
            memcpy(charts[i], charts[same], sizeof charts[i]);
        else if (chart && row->state == BNX_CLAIM_DECIDED && row->rule.chart[0])
            chart(ctx, row, charts[i], sizeof charts[i]);
        chart_ptrs[i] = charts[i];
    }
    char *md = NULL, *csv = NULL, path[4200];
    if (rc == BNX_OK)
        rc = bnx_claims_markdown(&claims, chart_ptrs, runs_dir, &md, err);
    if (rc == BNX_OK) { /* then where its numbers come from */
        bnx_strbuf sb = {0};
        bnx_sb_printf(&sb, "%s", md);
        bnx_claims_provenance(&claims, &sb);
        free(md);
        md = NULL;
        rc = bnx_sb_take(&sb, &md, err);
    }
    if (rc == BNX_OK)
        rc = bnx_claims_csv(&claims, &csv, err);
    if (rc == BNX_OK && (rc = bnx_mkdir_p(runs_dir, err)) == BNX_OK) {
        snprintf(path, sizeof path, "%s/claims.csv", runs_dir);
        rc = bnx_write_file_atomic(path, csv, strlen(csv), err);
    }
    if (rc == BNX_OK) {
        snprintf(path, sizeof path, "%s/claims.md", runs_dir);
        rc = bnx_write_file_atomic(path, md, strlen(md), err);
    }
    if (rc == BNX_OK && md_out) {
        *md_out = md;
        md = NULL;
    }
    free(md);
    free(csv);
    free(charts);
    free(chart_ptrs);
    bnx_claims_free(&claims);
    return rc;
}
