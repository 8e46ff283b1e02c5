/* Two claims tables compared (analysis/claims_compare.h): a row inside the
 * other's interval is not listed; a changed verdict, an estimate outside
 * the other interval (either way), a row in one table only are, with both
 * values; an older table without the interval columns is refused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/claims_compare.h"
#include "testutil.h"

static const char header[] =
    "claim,rule,experiment,statement,source,written,run,state,verdict,point,seeds,"
    "point_decided,point_holds,measure,seed_mean,seed_sd,seed_n,why,point_verdict,ci_lo,"
    "ci_hi,seeds_needed,note,level,look,looks,network\n";

/* A claims.csv row: experiment, rule, point, rule verdict, point verdict,
 * seed mean, interval, seeds. */
static void row(char *buf, size_t size, const char *exp, const char *rule, const char *point,
                const char *verdict, const char *pverdict, const char *mean, const char *lo,
                const char *hi, const char *n)
{
    size_t used = strlen(buf);
    snprintf(buf + used, size - used,
             "1,%s,%s,\"A statement, with a comma\",src,2026-12-01,runs/%s/x,%s,%s,%s,3,1,0,%s,%s,"
             "0.01,%s,,%s,%s,%s,0,,0.95,1,1,mlp\n",
             rule, exp, exp, *verdict ? "decided" : "not run", verdict, point, mean, mean, n,
             pverdict, lo, hi);
}

START_TEST(moves_listed_with_both_values)
{
    char dir[64], old_path[128], new_path[128];
    test_tmpdir_create(dir, sizeof dir, "cmp");
    snprintf(old_path, sizeof old_path, "%s/old.csv", dir);
    snprintf(new_path, sizeof new_path, "%s/new.csv", dir);
    char before[4096], after[4096];
    snprintf(before, sizeof before, "%s", header);
    snprintf(after, sizeof after, "%s", header);
    /* inside the old interval, same verdict: not listed */
    row(before, sizeof before, "fig1", "accuracy", "all trials", "holds", "holds", "0.05", "0.04", "0.06", "3");
    row(after, sizeof after, "fig1", "accuracy", "all trials", "holds", "holds", "0.055", "0.045", "0.065", "3");
    /* the verdict and the estimate */
    row(before, sizeof before, "fig1", "stable", "all trials", "inconclusive", "inconclusive", "0.01", "-0.01", "0.03", "3");
    row(after, sizeof after, "fig1", "stable", "all trials", "holds", "holds", "0.05", "0.04", "0.06", "8");
    /* the estimate only, at a point of a grid (width-0 intervals) */
    row(before, sizeof before, "lr-range", "common", "\"lr=0.1, norm=batch\"", "does not hold", "does not hold", "4", "4", "4", "3");
    row(after, sizeof after, "lr-range", "common", "\"lr=0.1, norm=batch\"", "does not hold", "does not hold", "6", "6", "6", "3");
    /* the old estimate outside the new, narrower interval */
    row(before, sizeof before, "dropout", "hurts", "all trials", "holds", "holds", "0.002", "-0.01", "0.02", "3");
    row(after, sizeof after, "dropout", "hurts", "all trials", "holds", "holds", "0.0025", "0.0024", "0.0026", "8");
    /* in one table only */
    row(after, sizeof after, "depth", "zero-init-helps-chance", "all trials", "holds", "holds", "0.3", "0.2", "0.4", "3");
    row(before, sizeof before, "old-exp", "gone-rule", "", "", "", "", "", "", "");
    /* not run before (one row, no point), decided at a point now: moved */
    row(before, sizeof before, "rnn-batch-size", "ln-keeps", "", "", "", "", "", "", "");
    row(after, sizeof after, "rnn-batch-size", "ln-keeps", "all trials", "inconclusive", "inconclusive", "0.12", "-0.06", "0.31", "6");
    test_write_file(old_path, before, strlen(before));
    test_write_file(new_path, after, strlen(after));

    char *md = NULL;
    int moved = -1;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_msg(bnx_claims_compare(old_path, new_path, &md, &moved, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(moved, 6);
    ck_assert_ptr_null(strstr(md, "| fig1 | accuracy |"));
    ck_assert_ptr_nonnull(strstr(md, "5 of 6 rows moved; 1 gone."));
    ck_assert_ptr_nonnull(strstr(md,
        "| fig1 | stable | all trials | verdict, estimate | inconclusive: 0.01 [-0.01, 0.03], "
        "3 seeds | holds: 0.05 [0.04, 0.06], 8 seeds |\n"));
    ck_assert_ptr_nonnull(strstr(md,
        "| lr-range | common | lr=0.1, norm=batch | estimate | does not hold: 4 [4, 4], 3 seeds | "
        "does not hold: 6 [6, 6], 3 seeds |\n"));
    ck_assert_ptr_nonnull(strstr(md, "| dropout | hurts | all trials | estimate |"));
    ck_assert_ptr_nonnull(strstr(md, "| depth | zero-init-helps-chance | all trials | new | - | "
                                     "holds: 0.3 [0.2, 0.4], 3 seeds |\n"));
    ck_assert_ptr_nonnull(strstr(md, "| old-exp | gone-rule | - | gone | not run | - |\n"));
    ck_assert_ptr_nonnull(strstr(md, "| rnn-batch-size | ln-keeps | all trials | verdict, estimate | "
                                     "not run | inconclusive: 0.12 [-0.06, 0.31], 6 seeds |\n"));
    ck_assert_ptr_null(strstr(md, "| ln-keeps | - | gone"));
    /* the newer table's order, then the rows gone */
    ck_assert(strstr(md, "| fig1 | stable") < strstr(md, "| lr-range |"));
    ck_assert(strstr(md, "| depth |") < strstr(md, "| old-exp |"));
    free(md);

    /* a table against itself: nothing moved, no table */
    ck_assert_int_eq(bnx_claims_compare(new_path, new_path, &md, &moved, &err), BNX_OK);
    ck_assert_int_eq(moved, 0);
    ck_assert_ptr_nonnull(strstr(md, "0 of 6 rows moved; 0 gone.\n"));
    ck_assert_ptr_null(strstr(md, "| experiment |"));
    free(md);

    /* an older table without the intervals is refused, naming the column */
    static const char older[] = "claim,rule,experiment,point,state,verdict,point_verdict,measure\n";
    test_write_file(old_path, older, strlen(older));
    ck_assert_int_eq(bnx_claims_compare(old_path, new_path, &md, &moved, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "old.csv has no column 'seed_mean' in its header row"));
    ck_assert_ptr_null(md);
    test_tmpdir_remove(dir);
}
END_TEST

static Suite *suite_claims_compare(void)
{
    return test_simple_suite("claims_compare", 0, (const TTest *[]){moves_listed_with_both_values, NULL});
}

TEST_SUITE(suite_claims_compare)
