/* What `bnexp run claims` needs of the claims (analysis/claims_run.h). */
#include "analysis/claims_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/claims.h"
#include "analysis/verdict.h"
#include "runs/rundir.h"
#include "spec/plan.h"
#include "spec/spec.h"

int bnx_verdict_lines(const char *run, const char *name, bnx_strbuf *sb, bnx_error *err)
{
    static bnx_spec spec;    /* large: off the stack */
    static bnx_claim_row row;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", run, BNX_PLAN_INI);
    int rc = bnx_spec_load(path, name, &spec, err);
    for (int i = 0; rc == BNX_OK && i < spec.num_verdicts; i++) {
        const bnx_verdict_rule *r = &spec.verdicts[i];
        bnx_error e;
        bnx_error_clear(&e);
        memset(&row, 0, sizeof row);
        snprintf(row.experiment, sizeof row.experiment, "%s", name);
        int decided = bnx_verdict_evaluate(r, run, &row.result, &e);
        if (decided == BNX_ENOMEM) {
            rc = bnx_fail(err, decided, "%s", e.msg);
            break;
        }
        char verdict[256], measure[256];
        row.state = decided ? BNX_CLAIM_ERROR : BNX_CLAIM_DECIDED;
        bnx_claim_verdict_text(&row, verdict, sizeof verdict);
        bnx_claim_measure_text(&row, measure, sizeof measure);
        if (decided)
            bnx_sb_printf(sb, "claim %s \"%s\": not decided: %s\n", r->claim, r->statement, e.msg);
        else
            bnx_sb_printf(sb, "claim %s \"%s\": %s; %s\n", r->claim, r->statement, verdict,
                          measure);
        bnx_verdict_result_free(&row.result);
    }
    bnx_spec_free(&spec);
    return rc == BNX_OK && sb->oom ? bnx_fail(err, BNX_ENOMEM, "out of memory") : rc;
}

int bnx_run_second_look(const char *run, const char *name, int *to, int *added, char *rules,
                        size_t size, bnx_error *err)
{
    static bnx_spec spec; /* large: off the stack */
    char path[4200];
    size_t used = 0;
    *to = *added = 0;
    if (size)
        rules[0] = '\0';
    snprintf(path, sizeof path, "%s/%s", run, BNX_PLAN_INI);
    int rc = bnx_spec_load(path, name, &spec, err), need = 0, short_run = 0;
    if (rc == BNX_OK && spec.max_seeds) { /* a run of fewer seeds than the first stage's
                                             (--seeds, --seed) is not the design */
        bnx_plan plan;
        if ((rc = bnx_plan_read(run, &plan, err)) == BNX_OK) {
            short_run = bnx_plan_fewest_seeds(&plan) < spec.seeds;
            bnx_plan_free(&plan);
        }
    }
    for (int i = 0; rc == BNX_OK && !short_run && spec.max_seeds && i < spec.num_verdicts; i++) {
        bnx_verdict_result res;
        bnx_error e;
        bnx_error_clear(&e);
        int erc = bnx_verdict_evaluate(&spec.verdicts[i], run, &res, &e);
        if (erc == BNX_ENOMEM) {
            rc = bnx_fail(err, erc, "%s", e.msg);
            break;
        }
        int here = 0;
        for (int p = 0; erc == BNX_OK && res.looks == 2 && p < res.num_points; p++)
            here |= res.points[p].look == 1 && res.points[p].outcome == BNX_VERDICT_INCONCLUSIVE;
        if (here && used < size)
            used += (size_t)snprintf(rules + used, size - used, "%sverdict%s%s", need ? ", " : "",
                                     spec.verdicts[i].name[0] ? "." : "", spec.verdicts[i].name);
        need |= here;
        bnx_verdict_result_free(&res);
    }
    if (rc == BNX_OK && need) {
        *to = spec.max_seeds;
        rc = bnx_run_add_seeds(run, *to, added, err);
    }
    bnx_spec_free(&spec);
    return rc;
}

int bnx_claims_experiments(const char *experiments_dir, const char *only,
                           bnx_claims_experiment **list, int *count, bnx_error *err)
{
    bnx_claims claims;
    *list = NULL;
    *count = 0;
    int rc = bnx_claims_collect(experiments_dir, NULL, &claims, err);
    if (rc)
        return rc;
    char wanted[1100], words[1024];
    snprintf(wanted, sizeof wanted, ",%.1024s,", only ? only : "");
    snprintf(words, sizeof words, "%s", only ? only : "");
    for (char *save = NULL, *w = strtok_r(words, ",", &save); w && rc == BNX_OK;
         w = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (int i = 0; i < claims.num_rows; i++)
            found |= strcmp(claims.rows[i].experiment, w) == 0;
        if (!found)
            rc = bnx_fail(err, BNX_EINVAL, "--only %s: %s is not an experiment with a verdict "
                          "rule", only, w);
    }
    *list = calloc((size_t)claims.num_rows + 1, sizeof **list);
    if (rc == BNX_OK && !*list)
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory for %d experiments", claims.num_rows);
    for (int i = 0; rc == BNX_OK && i < claims.num_rows; i++) {
        char word[80];
        int seen = 0;
        snprintf(word, sizeof word, ",%s,", claims.rows[i].experiment);
        for (int k = 0; k < *count; k++)
            seen |= strcmp((*list)[k].name, claims.rows[i].experiment) == 0;
        if (!seen && (!only || strstr(wanted, word))) {
            snprintf((*list)[*count].name, sizeof (*list)[0].name, "%s", claims.rows[i].experiment);
            snprintf((*list)[*count].file, sizeof (*list)[0].file, "%s", claims.rows[i].file);
            (*count)++;
        }
    }
    bnx_claims_free(&claims);
    if (rc) {
        free(*list);
        *list = NULL;
        *count = 0;
    }
    return rc;
}
