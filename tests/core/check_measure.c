/* The measure table (core/measure.h): every row well formed, and each
 * measure's value on a small input worked by hand.  A rule using each row
 * on a run is tests/analysis/check_verdict.c's test_verdict_every_measure;
 * the message for an unknown name, its test_verdict_unknown_measure. */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/measure.h"
#include "testutil.h"

/* Every row: a name a rule can write (and no other row's, nor one of the
 * functions or quantities of the rule language), a known argument shape,
 * min_values >= 1 with its reason when above 1, a one-line doc, a
 * function; find() and names() agree with the rows. */
START_TEST(test_measure_table)
{
    static const char *const taken[] = {"abs", "larger", "smaller", "final", "steps_to",
                                        "diverged", "rows_mean", "rows_max", "rows_min",
                                        "rows_first", "rows_last"};
    char names[1024], expect[1024];
    bnx_measure_names(names, sizeof names);
    int count = bnx_measure_count();
    ck_assert_int_ge(count, 9);
    size_t listed = 0;
    for (int i = 0; i < count; i++) {
        const bnx_measure *m = bnx_measure_at(i);
        ck_assert_ptr_nonnull(m);
        ck_assert_msg(m->name && (islower((unsigned char)m->name[0]) || m->name[0] == '_'),
                      "row %d: a name [a-z_][a-z0-9_]*", i);
        for (const char *c = m->name; *c; c++)
            ck_assert_msg(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_',
                          "row %s: '%c' in its name", m->name, *c);
        ck_assert_int_lt(strlen(m->name), 32); /* the parser's identifier buffer */
        for (size_t k = 0; k < sizeof taken / sizeof taken[0]; k++)
            ck_assert_msg(strcmp(m->name, taken[k]) != 0, "row %s: the rule language's", m->name);
        for (int k = 0; k < i; k++)
            ck_assert_msg(strcmp(m->name, bnx_measure_at(k)->name) != 0, "row %s twice", m->name);
        ck_assert_msg(bnx_measure_find(m->name) == m, "find(%s)", m->name);
        ck_assert_msg(m->args == BNX_MEASURE_Q || m->args == BNX_MEASURE_KEY_Q_TOL ||
                      m->args == BNX_MEASURE_KEY_Q_AT,
                      "row %s: argument shape %d", m->name, m->args);
        ck_assert_msg((m->flags & ~BNX_MEASURE_TALLY) == 0, "row %s: unknown flags", m->name);
        ck_assert_msg(m->min_values >= 1, "row %s: min_values %d", m->name, m->min_values);
        ck_assert_msg((m->min_values > 1) == (m->few != NULL && m->few[0] != '\0'),
                      "row %s: a reason (few) exactly when min_values > 1", m->name);
        ck_assert_msg(m->doc && m->doc[0] && !strchr(m->doc, '\n') && strlen(m->doc) < 200,
                      "row %s: a one-line doc", m->name);
        ck_assert_msg(m->fn != NULL, "row %s: no function", m->name);
        const char *args = bnx_measure_args_text(m);
        ck_assert_msg(strstr(args, "Q") && strlen(args) > 4 &&
                      strcmp(args + strlen(args) - 4, " | F") == 0, "row %s: %s", m->name, args);
        listed += (size_t)snprintf(expect + listed, sizeof expect - listed, "%s%s", i ? ", " : "",
                                   m->name);
    }
    ck_assert_str_eq(names, expect); /* every row, in order, comma-separated */
    ck_assert_ptr_null(bnx_measure_at(-1));
    ck_assert_ptr_null(bnx_measure_at(count));
    ck_assert_ptr_null(bnx_measure_find("median"));
    ck_assert_ptr_null(bnx_measure_find(NULL));
    ck_assert_ptr_null(bnx_measure_find("Mean"));
    /* cut to fit */
    char small[8];
    bnx_measure_names(small, sizeof small);
    ck_assert_str_eq(small, "mean, s");
}
END_TEST

/* Four values of two variants: a (seeds 1, 2) 1 and 2; b (seeds 1, 2) 4
 * and 9.  KEY is 0.1 for a and 10 for b. */
static const double xs[] = {1, 2, 4, 9};
static const long seeds[] = {1, 2, 1, 2};
static const int vars[] = {0, 0, 1, 1};
static const double means[] = {1.5, 6.5};
static const double keys[] = {0.1, 10};

static double value(const char *name, int n, double tol)
{
    const bnx_measure *m = bnx_measure_find(name);
    ck_assert_msg(m != NULL, "no measure %s", name);
    double scratch[8];
    bnx_measure_in in = {
        .n = n, .x = xs, .seed = seeds, .variant = vars, .num_variants = n ? vars[n - 1] + 1 : 0,
        .variant_mean = means, .variant_key = m->args != BNX_MEASURE_Q ? keys : NULL,
        .tol = m->args == BNX_MEASURE_KEY_Q_TOL ? tol : 0,
        .at = m->args == BNX_MEASURE_KEY_Q_AT ? tol : 0, .scratch = scratch,
    };
    char why[256] = "";
    double x = m->fn(&in, why, sizeof why);
    ck_assert_msg(isfinite(x) && !why[0], "%s: %g (%s)", name, x, why);
    return x;
}

START_TEST(test_measure_values)
{
    ck_assert_double_eq_tol(value("mean", 4, 0), 4, 1e-12);
    /* (9 + 4 + 0 + 25) / 3 */
    ck_assert_double_eq_tol(value("sd", 4, 0), sqrt(38.0 / 3), 1e-12);
    ck_assert_double_eq_tol(value("sd", 2, 0), sqrt(0.5), 1e-12);
    ck_assert_double_eq(value("min", 4, 0), 1);
    ck_assert_double_eq(value("max", 4, 0), 9);
    ck_assert_double_eq(value("count", 4, 0), 4);
    ck_assert_double_eq(value("count", 0, 0), 0); /* a tally: none is 0 */
    ck_assert_double_eq(value("best", 4, 0), 6.5);
    ck_assert_double_eq(value("worst", 4, 0), 1.5);
    /* within 0 of the best: b alone; within 5: both */
    ck_assert_double_eq(value("largest", 4, 0), 10);
    ck_assert_double_eq(value("smallest", 4, 0), 10);
    ck_assert_double_eq(value("largest", 4, 5), 10);
    ck_assert_double_eq(value("smallest", 4, 5), 0.1);
    /* a bar of its own: at 1 both reach it, at 2 b alone (6.5), at 6.5 b */
    ck_assert_double_eq(value("largest_at", 4, 1), 10);
    ck_assert_double_eq(value("smallest_at", 4, 1), 0.1);
    ck_assert_double_eq(value("smallest_at", 4, 2), 10);
    ck_assert_double_eq(value("largest_at", 4, 6.5), 10);
    /* none reaches 7: undecided, saying so */
    {
        double scratch[8];
        bnx_measure_in in = {.n = 4, .x = xs, .seed = seeds, .variant = vars, .num_variants = 2,
                             .variant_mean = means, .variant_key = keys, .at = 7,
                             .scratch = scratch};
        char why[256] = "";
        ck_assert(isnan(bnx_measure_find("largest_at")->fn(&in, why, sizeof why)));
        ck_assert_str_eq(why, "no variant's mean reaches 7 (the best is 6.5)");
    }
    ck_assert_str_eq(bnx_measure_args_text(bnx_measure_find("largest_at")), "KEY, Q, T | F");
    /* one variant: a's values only */
    ck_assert_double_eq(value("best", 2, 0), 1.5);
    ck_assert_double_eq(value("smallest", 2, 0), 0.1);
    /* the rows that say what they need */
    ck_assert_int_eq(bnx_measure_find("sd")->min_values, 2);
    ck_assert(bnx_measure_find("count")->flags & BNX_MEASURE_TALLY);
    ck_assert_int_eq(bnx_measure_find("largest")->args, BNX_MEASURE_KEY_Q_TOL);
    ck_assert_str_eq(bnx_measure_args_text(bnx_measure_find("smallest")), "KEY, Q, TOL | F");
}
END_TEST

static Suite *suite_measure(void)
{
    return test_simple_suite("measure", 0, (const TTest *[]){test_measure_table, test_measure_values, NULL});
}

TEST_SUITE(suite_measure)
