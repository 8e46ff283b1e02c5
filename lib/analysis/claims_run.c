/* What `bnexp run claims` needs of the claims (analysis/claims_run.h). */
#include "analysis/claims_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/claims.h"
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
