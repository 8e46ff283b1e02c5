/* Reading runs back and the Fig. 3 table: the CSV reader, statistics over
 * seeds, steps to target (own and fallback targets, not reached), per-step
 * curves with a diverged seed, and every refusal (missing metrics.csv,
 * absent baseline). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/paths.h"
#include "spec/plan.h"
#include "analysis/curves.h"
#include "analysis/report.h"
#include "analysis/sweep.h"
#include "spec/spec.h"
#include "io/csvread.h"
#include "testutil.h"

static char dir[64];

static void setup(void) { test_tmpdir_create(dir, sizeof dir, "report"); }
static void teardown(void) { test_tmpdir_remove(dir); }

/* Write dir/rel (creating its directory) with `text`. */
static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(path, &err), BNX_OK);
    *slash = '/';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

#define METRICS_HEADER "step,epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,wall_time_s\n"

/* metrics.csv with records at steps 0, 100, ... and these accuracies (and
 * a training loss of 1/step); `diverge_at` >= 0 makes that record's loss nan. */
static void put_metrics(const char *variant, int seed, const double *acc, int n, int diverge_at)
{
    char rel[128], text[4096];
    int len = snprintf(text, sizeof text, METRICS_HEADER);
    for (int i = 0; i < n; i++) {
        char loss[32];
        if (i == 0)
            loss[0] = '\0';
        else if (i == diverge_at)
            snprintf(loss, sizeof loss, "nan");
        else
            snprintf(loss, sizeof loss, "%g", 1.0 / (100.0 * i));
        len += snprintf(text + len, sizeof text - (size_t)len, "%d,0,0.1,%s,,%s,%g,1\n", 100 * i,
                        loss, i == diverge_at ? "nan" : "0.5", acc[i]);
    }
    snprintf(rel, sizeof rel, "%s/seed-%d/metrics.csv", variant, seed);
    put(rel, text);
}

/* ---- the CSV reader ---- */

START_TEST(csv_table_reads_cells_numbers_and_missing_values)
{
    put("t.csv", "a,b,c\n1,nan,\n\n2.5,inf,-inf\n3,x,4\n");
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    bnx_csv_table t;
    bnx_error err;
    ck_assert_int_eq(bnx_csv_table_read(path, &t, &err), BNX_OK);
    ck_assert_int_eq(t.num_cols, 3);
    ck_assert_int_eq(t.num_rows, 3);
    ck_assert_int_eq(bnx_csv_table_col(&t, "c"), 2);
    ck_assert_int_eq(bnx_csv_table_col(&t, "d"), -1);
    ck_assert_int_eq(t.line[1], 4); /* the blank line 3 is skipped */
    double v;
    ck_assert_int_eq(bnx_csv_table_number(&t, 0, 0, &v, &err), BNX_OK);
    ck_assert(v == 1.0);
    ck_assert_int_eq(bnx_csv_table_number(&t, 0, 1, &v, &err), BNX_OK);
    ck_assert(isnan(v));
    ck_assert_int_eq(bnx_csv_table_number(&t, 0, 2, &v, &err), BNX_OK); /* empty: missing */
    ck_assert(isnan(v));
    ck_assert_int_eq(bnx_csv_table_number(&t, 1, 2, &v, &err), BNX_OK);
    ck_assert(isinf(v) && v < 0);
    ck_assert_int_eq(bnx_csv_table_number(&t, 2, 1, &v, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.csv:5: column b: 'x' is not a number"));
    static const char *const need[] = {"a", "zz", NULL};
    ck_assert_int_eq(bnx_csv_table_require(&t, need, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no column 'zz'"));
    bnx_csv_table_free(&t);
}
END_TEST

START_TEST(csv_table_refuses_ragged_empty_and_missing_files)
{
    char path[128];
    bnx_csv_table t;
    bnx_error err;
    put("r.csv", "a,b\n1,2\n3\n");
    snprintf(path, sizeof path, "%s/r.csv", dir);
    ck_assert_int_eq(bnx_csv_table_read(path, &t, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "r.csv:3: 1 field, the header has 2"));
    put("e.csv", "\n");
    snprintf(path, sizeof path, "%s/e.csv", dir);
    ck_assert_int_eq(bnx_csv_table_read(path, &t, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "is empty"));
    /* A last line without a line break was cut short: refused, or (a file
     * still being written) left out. */
    put("cut.csv", "a,b\n1,2\n3,4");
    snprintf(path, sizeof path, "%s/cut.csv", dir);
    ck_assert_int_eq(bnx_csv_table_read(path, &t, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "cut.csv:3: the last line ends without a line break"));
    ck_assert_int_eq(bnx_csv_table_read_live(path, &t, &err), BNX_OK);
    ck_assert_int_eq(t.num_rows, 1);
    bnx_csv_table_free(&t);
    put("cuthead.csv", "a,b");
    snprintf(path, sizeof path, "%s/cuthead.csv", dir);
    ck_assert_int_eq(bnx_csv_table_read(path, &t, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "cuthead.csv:1: the last line"));
    snprintf(path, sizeof path, "%s/none.csv", dir);
    ck_assert_int_eq(bnx_csv_table_read(path, &t, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "none.csv"));
    bnx_csv_table_free(&t); /* safe after a failed read */
}
END_TEST

/* ---- statistics ---- */

START_TEST(stat_mean_sample_sd_min_max_of_finite_values)
{
    bnx_stat s;
    const double x[] = {1, NAN, 2, 3, INFINITY, 4};
    bnx_stat_compute(x, 6, &s);
    ck_assert_int_eq(s.n, 4);
    ck_assert_double_eq_tol(s.mean, 2.5, 1e-12);
    ck_assert_double_eq_tol(s.sd, sqrt(5.0 / 3.0), 1e-12); /* n - 1 = 3 */
    ck_assert(s.min == 1 && s.max == 4);
    bnx_stat_compute(x, 1, &s);
    ck_assert_int_eq(s.n, 1);
    ck_assert(s.mean == 1 && s.sd == 0);
    bnx_stat_compute(x + 1, 1, &s);
    ck_assert_int_eq(s.n, 0);
    ck_assert(isnan(s.mean) && isnan(s.sd) && isnan(s.min) && isnan(s.max));
}
END_TEST

START_TEST(steps_to_target_first_record_at_or_above)
{
    long step[] = {0, 100, 200, 300};
    double acc[] = {0.1, NAN, 0.9, 0.95}, loss[4] = {0};
    bnx_curve c = {.n = 4, .step = step, .test_accuracy = acc, .train_loss = loss};
    ck_assert_int_eq(bnx_curve_steps_to(&c, 0.9), 200);   /* equal counts */
    ck_assert_int_eq(bnx_curve_steps_to(&c, 0.91), 300);
    ck_assert_int_eq(bnx_curve_steps_to(&c, 0.96), -1);   /* never */
    ck_assert_int_eq(bnx_curve_steps_to(&c, 0.0), 0);
    ck_assert_double_eq(bnx_curve_max_accuracy(&c), 0.95);
    ck_assert_double_eq(bnx_curve_final_accuracy(&c), 0.95);
    acc[3] = NAN;
    ck_assert(isnan(bnx_curve_final_accuracy(&c)));
}
END_TEST

/* ---- a run and its report ---- */

/* no-bn: seeds 1, 2.  bn: seeds 1, 2, 3 (no-bn has no seed 3); bn seed 2
 * never reaches its target.  bad: seed 1 diverges at step 200. */
static void put_run(void)
{
    put("summary.csv", "variant,seed,status,wall_time_s\n"
                       "no-bn,1,done,10\nno-bn,2,done,12\n"
                       "bn,1,done,20\nbn,2,done,22\nbn,3,done,24\n"
                       "bad,1,diverged,1\nbad,2,done,3\n");
    const double nb1[] = {0.1, 0.5, 0.8, 0.9, 0.85}; /* best 0.9 at 300 */
    const double nb2[] = {0.1, 0.6, 0.7, 0.8, 0.92}; /* best 0.92 at 400 */
    const double bn1[] = {0.1, 0.9, 0.95, 0.96, 0.97}; /* 0.9 at 100 */
    const double bn2[] = {0.1, 0.8, 0.9, 0.91, 0.91}; /* never 0.92 */
    const double bn3[] = {0.1, 0.85, 0.93, 0.95, 0.96}; /* fallback 0.92: at 200 */
    const double bad1[] = {0.1, 0.3, 0.1};
    const double bad2[] = {0.1, 0.4, 0.5, 0.6, 0.7};
    put_metrics("no-bn", 1, nb1, 5, -1);
    put_metrics("no-bn", 2, nb2, 5, -1);
    put_metrics("bn", 1, bn1, 5, -1);
    put_metrics("bn", 2, bn2, 5, -1);
    put_metrics("bn", 3, bn3, 5, -1);
    put_metrics("bad", 1, bad1, 3, 2);
    put_metrics("bad", 2, bad2, 5, -1);
}

START_TEST(run_read_from_summary_and_dirs)
{
    put_run();
    bnx_run run;
    bnx_error err;
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_OK);
    ck_assert_int_eq(run.num_trials, 7);
    ck_assert_int_eq(run.num_variants, 3);
    ck_assert_str_eq(run.variants[0], "no-bn"); /* summary.csv's order */
    ck_assert_str_eq(run.variants[1], "bn");
    ck_assert_int_eq(bnx_run_seeds(&run, 1), 3);
    ck_assert_str_eq(run.trials[5].variant, "bad");
    ck_assert_int_eq(run.trials[5].diverged_step, 200);
    ck_assert_int_eq(run.trials[6].diverged_step, -1);
    ck_assert_double_eq(run.trials[2].wall_time_s, 20);
    bnx_run_free(&run);

    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_DIRS, &run, &err), BNX_OK);
    ck_assert_int_eq(run.num_trials, 7);
    ck_assert_str_eq(run.variants[2], "bad");
    ck_assert_str_eq(run.trials[5].status, "diverged"); /* no manifest: from metrics.csv */
    ck_assert_str_eq(run.trials[6].status, "");
    ck_assert(isnan(run.trials[6].wall_time_s));
    ck_assert_int_eq(run.num_skipped, 0);
    bnx_run_free(&run);

    /* A trial that has just started (header only) is left out of the
     * charts' reading, and refused by the report's. */
    put("bn/seed-4/metrics.csv", METRICS_HEADER);
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_DIRS, &run, &err), BNX_OK);
    ck_assert_int_eq(run.num_trials, 7);
    ck_assert_int_eq(run.num_skipped, 1);
    bnx_run_free(&run);
}
END_TEST

START_TEST(step_stats_stop_where_a_seed_diverged)
{
    put_run();
    bnx_run run;
    bnx_error err;
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_OK);
    bnx_step_stat *st;
    long count;
    int bad = bnx_run_variant(&run, "bad");
    ck_assert_int_eq(bnx_run_step_stats(&run, bad, BNX_METRIC_TEST_ACCURACY, &st, &count, &err),
                     BNX_OK);
    ck_assert_int_eq(count, 5);
    ck_assert_int_eq(st[1].step, 100);
    ck_assert_int_eq(st[1].seeds, 2);
    ck_assert_int_eq(st[1].stat.n, 2);
    ck_assert_double_eq_tol(st[1].stat.mean, 0.35, 1e-12);
    ck_assert_double_eq_tol(st[1].stat.sd, sqrt(0.005), 1e-12);
    ck_assert_int_eq(st[2].stat.n, 2); /* the diverging record's accuracy is finite */
    ck_assert_int_eq(st[3].stat.n, 1); /* seed 1 stopped at step 200 */
    free(st);
    ck_assert_int_eq(bnx_run_step_stats(&run, bad, BNX_METRIC_TRAIN_LOSS, &st, &count, &err),
                     BNX_OK);
    ck_assert_int_eq(st[0].stat.n, 0); /* no training loss at step 0 */
    ck_assert_int_eq(st[2].stat.n, 1); /* nan loss at the divergence */
    free(st);

    char path[128];
    snprintf(path, sizeof path, "%s/curves.csv", dir);
    ck_assert_int_eq(bnx_curves_write(&run, path, &err), BNX_OK);
    bnx_csv_table t;
    ck_assert_int_eq(bnx_csv_table_read(path, &t, &err), BNX_OK);
    ck_assert_str_eq(t.header[0], "variant");
    ck_assert_str_eq(t.header[8], "max");
    ck_assert_int_eq(t.num_rows, 2 * (5 + 5 + 5)); /* 3 variants x 2 metrics x 5 steps */
    ck_assert_str_eq(bnx_csv_table_cell(&t, 5, 1), "train_loss");
    ck_assert_str_eq(bnx_csv_table_cell(&t, 5, 5), ""); /* no value: empty mean */
    bnx_csv_table_free(&t);
    bnx_run_free(&run);
}
END_TEST

START_TEST(report_targets_steps_reached_and_speedup)
{
    put_run();
    bnx_run run;
    bnx_error err;
    bnx_report rep;
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_OK);
    ck_assert_int_eq(bnx_report_compute(&run, "no-bn", &rep, &err), BNX_OK);
    ck_assert_double_eq(rep.best_baseline, 0.92);
    ck_assert_int_eq(rep.num_targets, 3);
    ck_assert(rep.targets[0].seed == 1 && rep.targets[0].accuracy == 0.9 && rep.targets[0].own);
    ck_assert(rep.targets[1].seed == 2 && rep.targets[1].accuracy == 0.92 && rep.targets[1].own);
    ck_assert(rep.targets[2].seed == 3 && rep.targets[2].accuracy == 0.92 && !rep.targets[2].own);

    ck_assert_int_eq(rep.num_rows, 3);
    const bnx_report_row *base = &rep.rows[0], *bn = &rep.rows[1], *bad = &rep.rows[2];
    ck_assert_str_eq(base->variant, "no-bn");
    ck_assert_int_eq(base->steps_to_target.n, 2); /* its own best: 300, 400 */
    ck_assert_double_eq(base->steps_to_target.mean, 350);
    ck_assert_double_eq_tol(base->speedup, 1.0, 1e-12);
    ck_assert_str_eq(bn->variant, "bn");
    ck_assert_int_eq(bn->seeds, 3);
    ck_assert_int_eq(bn->steps_to_target.n, 2); /* seed 1 at 100, seed 3 at 200; seed 2 never */
    ck_assert_double_eq(bn->steps_to_target.mean, 150);
    ck_assert_double_eq_tol(bn->steps_to_target.sd, sqrt(5000.0), 1e-9);
    ck_assert_double_eq_tol(bn->speedup, 350.0 / 150.0, 1e-12);
    ck_assert_double_eq_tol(bn->max_accuracy.mean, (0.97 + 0.91 + 0.96) / 3, 1e-12);
    ck_assert_double_eq_tol(bn->final_accuracy.mean, (0.97 + 0.91 + 0.96) / 3, 1e-12);
    ck_assert_double_eq_tol(bn->wall_time_s.mean, 22, 1e-12);
    ck_assert_int_eq(bn->diverged, 0);
    ck_assert_int_eq(bad->steps_to_target.n, 0);
    ck_assert(isnan(bad->speedup));
    ck_assert_int_eq(bad->diverged, 1);

    char *text;
    bnx_report_info info = {"runs/x/20260101-000000", "x", "a test run"};
    ck_assert_int_eq(bnx_report_markdown(&run, &rep, &info, &text, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(text, "`runs/x/20260101-000000`"));
    ck_assert_ptr_nonnull(strstr(text, "| bn | 3 | 150 ± 71 (2/3 reached) | 2.3x |"));
    ck_assert_ptr_nonnull(strstr(text, "| bad | 2 | never | — |"));
    ck_assert_ptr_nonnull(strstr(text, "| 1/2 |"));
    ck_assert_ptr_nonnull(strstr(text, "seed 3: 0.9200 (no-bn has no seed 3"));
    ck_assert_ptr_nonnull(strstr(text, "bn needs 2.3 times fewer steps (2 of 3 seeds reached it)"));
    free(text);
    bnx_report_free(&rep);
    bnx_run_free(&run);
}
END_TEST

START_TEST(report_refuses_absent_baseline_and_marks_missing_metrics)
{
    put_run();
    bnx_run run;
    bnx_error err;
    bnx_report rep;
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_OK);
    /* a baseline asked for by name that is not there: refused */
    ck_assert_int_eq(bnx_report_compute(&run, "inception", &rep, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "'inception'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "no-bn, bn, bad"));
    /* no baseline: every figure but the steps and speed-ups, in the run's order */
    ck_assert_int_eq(bnx_report_compute(&run, NULL, &rep, &err), BNX_OK);
    ck_assert_str_eq(rep.rows[0].variant, "no-bn");
    ck_assert_int_eq(rep.num_targets, 0);
    ck_assert_int_eq(rep.rows[1].steps_to_target.n, 0);
    ck_assert(isnan(rep.rows[1].speedup));
    ck_assert_double_eq_tol(rep.rows[1].max_accuracy.mean, (0.97 + 0.91 + 0.96) / 3, 1e-9);
    char *text;
    bnx_report_info info = {"RUN", "e", ""};
    ck_assert_int_eq(bnx_report_markdown(&run, &rep, &info, &text, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(text, "Baseline: none usable (the run has no baseline variant)"));
    ck_assert_ptr_nonnull(strstr(text, "| bn | 3 | — | — | 0.9467"));
    ck_assert_ptr_nonnull(strstr(text, "- Seeds: 1, 2, 3 (7 trials"));
    free(text);
    bnx_report_free(&rep);
    bnx_run_free(&run);

    /* a trial that ended without metrics.csv: refused, naming it */
    char path[128];
    snprintf(path, sizeof path, "%s/bn/seed-2/metrics.csv", dir);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "trial bn seed 2"));
    ck_assert_ptr_nonnull(strstr(err.msg, "bn/seed-2/metrics.csv"));
    ck_assert_int_eq(run.num_trials, 0);
    /* unfinished trials with no metrics.csv, or a header only: kept, marked, left out */
    put("summary.csv", "variant,seed,status,wall_time_s\n"
                       "no-bn,1,done,10\nno-bn,2,interrupted,12\n"
                       "bn,1,done,20\nbn,2,failed,22\nbn,3,done,24\n"
                       "bad,1,diverged,1\nbad,2,done,3\n");
    put("no-bn/seed-2/metrics.csv", METRICS_HEADER);
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_OK);
    ck_assert_int_eq(run.num_trials, 7);
    ck_assert_int_eq(bnx_report_compute(&run, "no-bn", &rep, &err), BNX_OK);
    ck_assert_int_eq(rep.rows[0].seeds, 1);
    ck_assert_int_eq(rep.rows[0].missing, 1);
    ck_assert_int_eq(rep.rows[1].seeds, 2);
    ck_assert_int_eq(rep.rows[1].missing, 1);
    /* no-bn's seed 2 has no record: seed 2's target is no-bn's best over all, 0.9 */
    ck_assert_double_eq_tol(rep.rows[1].max_accuracy.mean, (0.97 + 0.96) / 2, 1e-9);
    ck_assert_int_eq(bnx_report_markdown(&run, &rep, &info, &text, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(text, "**Missing records**: 2 trials"));
    ck_assert_ptr_nonnull(strstr(text, "no-bn seed 2, bn seed 2."));
    ck_assert_ptr_nonnull(strstr(text, "| bn | 2 (+1 missing) | "));
    ck_assert_ptr_nonnull(strstr(text, "(1 failed)"));
    free(text);
    bnx_report_free(&rep);
    bnx_run_free(&run);

    /* a baseline without a finite accuracy: no targets, said why */
    put("summary.csv", "variant,seed,status,wall_time_s\nno-bn,1,failed,1\nbn,1,done,2\n");
    snprintf(path, sizeof path, "%s/no-bn/seed-1/metrics.csv", dir);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_OK);
    ck_assert_int_eq(bnx_report_compute(&run, "no-bn", &rep, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(rep.no_target, "no finite test accuracy"));
    bnx_report_free(&rep);
    bnx_run_free(&run);

    /* a damaged metrics.csv is still refused */
    put("bn/seed-1/metrics.csv", METRICS_HEADER "0,0,0.1,,,0.5,x,1\n");
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "trial bn seed 1"));

    snprintf(path, sizeof path, "%s/summary.csv", dir);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "/summary.csv not found: the run has not ended"));
}
END_TEST

/* ---- report --pair: each point against its twin ---- */

START_TEST(pairs_measure_each_point_against_its_twin)
{
    /* the plan: variants bn and no-bn x lr 0.1, 1 x seeds 1, 2 */
    put("e.ini", "[experiment]\nsteps = 300\n[variant.bn]\nbn = true\n[variant.no-bn]\n"
                 "[grid]\nlr = 0.1, 1\n");
    char path[128];
    snprintf(path, sizeof path, "%s/e.ini", dir);
    static bnx_spec spec;
    bnx_plan plan;
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_build(&spec, 2, &plan, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_write(dir, &plan, &err), BNX_OK);
    bnx_plan_free(&plan);
    bnx_spec_free(&spec);
    /* no-bn-lr-1 did not run: bn-lr-1 has no twin in the run */
    put("summary.csv", "variant,seed,status,wall_time_s\nbn-lr-0.1,1,done,1\nbn-lr-0.1,2,done,1\n"
                       "bn-lr-1,1,done,1\nbn-lr-1,2,done,1\nno-bn-lr-0.1,1,done,1\n"
                       "no-bn-lr-0.1,2,done,1\n");
    const double twin1[] = {0.1, 0.5, 0.8, 0.9}, twin2[] = {0.1, 0.6, 0.7, 0.85};
    const double bn1[] = {0.1, 0.9, 0.95, 0.96}, bn2[] = {0.1, 0.8, 0.9, 0.9};
    put_metrics("no-bn-lr-0.1", 1, twin1, 4, -1);
    put_metrics("no-bn-lr-0.1", 2, twin2, 4, -1);
    put_metrics("bn-lr-0.1", 1, bn1, 4, -1);
    put_metrics("bn-lr-0.1", 2, bn2, 4, -1);
    put_metrics("bn-lr-1", 1, bn1, 4, -1);
    put_metrics("bn-lr-1", 2, bn2, 4, -1);
    bnx_run run;
    ck_assert_int_eq(bnx_run_read(dir, BNX_RUN_SUMMARY, &run, &err), BNX_OK);
    bnx_pairs pairs;
    ck_assert_int_eq(bnx_pairs_compute(&run, "bn=false", &pairs, &err), BNX_OK);
    ck_assert_str_eq(pairs.key, "norm"); /* bn is shorthand: bn=false compares norm = none */
    ck_assert_str_eq(pairs.value, "none");
    ck_assert_int_eq(pairs.num_twins, 1);
    ck_assert_int_eq(pairs.num_rows, 2);
    const bnx_pair_row *p = &pairs.rows[0];
    ck_assert_str_eq(p->variant, "bn-lr-0.1");
    ck_assert_str_eq(p->twin, "no-bn-lr-0.1");
    /* targets 0.9 (seed 1) and 0.85 (seed 2): reached at steps 100 and 200;
     * the twin reaches its own best at 300 on both seeds: 2x */
    ck_assert_int_eq(p->mine.steps_to_target.n, 2);
    ck_assert_double_eq_tol(p->mine.steps_to_target.mean, 150, 1e-9);
    ck_assert_double_eq_tol(p->mine.speedup, 2.0, 1e-9);
    ck_assert_double_eq_tol(p->mine.max_accuracy.mean, 0.93, 1e-9);
    ck_assert_double_eq_tol(p->theirs.max_accuracy.mean, 0.875, 1e-9);
    ck_assert_double_eq_tol(p->theirs.final_accuracy.mean, 0.875, 1e-9);
    ck_assert_str_eq(pairs.rows[1].variant, "bn-lr-1");
    ck_assert_str_eq(pairs.rows[1].twin, "");
    ck_assert_int_eq(pairs.rows[1].mine.steps_to_target.n, 0);
    ck_assert(isnan(pairs.rows[1].mine.speedup));
    ck_assert_double_eq_tol(pairs.rows[1].mine.max_accuracy.mean, 0.93, 1e-9);
    char *text;
    bnx_report_info info = {"RUN", "e", ""};
    ck_assert_int_eq(bnx_pairs_markdown(&run, &pairs, &info, &text, &err), BNX_OK);
    ck_assert_msg(strstr(text, "| bn-lr-0.1 | no-bn-lr-0.1 | 2 | 150 ± 71 | 2.0x | 0.9300 ± 0.0424 | "
                               "0.8750 ± 0.0354 |"), "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "| bn-lr-1 | none in this run | 2 | — (no twin) | — |"));
    free(text);
    bnx_pairs_free(&pairs);
    /* the other way round: lr=1 pairs bn-lr-0.1 with bn-lr-1 */
    ck_assert_int_eq(bnx_pairs_compute(&run, "lr=1", &pairs, &err), BNX_OK);
    ck_assert_int_eq(pairs.num_rows, 2);
    ck_assert_str_eq(pairs.rows[0].twin, "bn-lr-1");
    ck_assert_str_eq(pairs.rows[1].variant, "no-bn-lr-0.1");
    ck_assert_str_eq(pairs.rows[1].twin, "");
    bnx_pairs_free(&pairs);
    const char *bad[][2] = {{"bn", "expected KEY=VALUE"}, {"momentum=0.9", "does not vary"},
                            {"bn=maybe", "boolean"}, {"lr=0.5", "no variant of this run has lr = 0.5"},
                            {"nokey=1", "does not vary"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_ne(bnx_pairs_compute(&run, bad[i][0], &pairs, &err), BNX_OK);
        ck_assert_msg(strstr(err.msg, bad[i][1]) != NULL, "%s: %s", bad[i][0], err.msg);
        ck_assert_int_eq(pairs.num_rows, 0);
    }
    bnx_run_free(&run);
}
END_TEST

Suite *suite_report(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, csv_table_reads_cells_numbers_and_missing_values);
    tcase_add_test(tc, csv_table_refuses_ragged_empty_and_missing_files);
    tcase_add_test(tc, stat_mean_sample_sd_min_max_of_finite_values);
    tcase_add_test(tc, steps_to_target_first_record_at_or_above);
    tcase_add_test(tc, run_read_from_summary_and_dirs);
    tcase_add_test(tc, step_stats_stop_where_a_seed_diverged);
    tcase_add_test(tc, report_targets_steps_reached_and_speedup);
    tcase_add_test(tc, report_refuses_absent_baseline_and_marks_missing_metrics);
    tcase_add_test(tc, pairs_measure_each_point_against_its_twin);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_report)
