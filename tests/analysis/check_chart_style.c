/* Line styles and legends of the charts (analysis/chart_style.h): which key
 * colour and dash follow, the palettes' order, the legend by key value, the
 * refusals; and bnexp plot --variants (bnx_chart_run_select). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chart_draw.h"
#include "analysis/chart_style.h"
#include "testutil.h"

/* Keys for n lines: names[k], and each line's values "v0|v1|..." */
static bnx_style_keys make_keys(int nk, const char *const *names, int n,
                                const char *const *lines)
{
    bnx_style_keys k = {.num_lines = n, .num_keys = nk};
    k.keys = calloc((size_t)nk, sizeof *k.keys);
    k.values = calloc((size_t)(n * nk), sizeof *k.values);
    ck_assert_ptr_nonnull(k.keys);
    ck_assert_ptr_nonnull(k.values);
    for (int j = 0; j < nk; j++)
        snprintf(k.keys[j], sizeof k.keys[0], "%s", names[j]);
    for (int i = 0; i < n; i++) {
        const char *p = lines[i];
        for (int j = 0; j < nk; j++) {
            size_t len = strcspn(p, "|");
            snprintf(k.values[i * nk + j], sizeof k.values[0], "%.*s", (int)len, p);
            p += len + (p[len] == '|');
        }
    }
    return k;
}

/* Perceived brightness of "#rrggbb" (0-255). */
static double brightness(const char *hex)
{
    unsigned r, g, b;
    ck_assert_int_eq(sscanf(hex, "#%2x%2x%2x", &r, &g, &b), 3);
    return 0.299 * r + 0.587 * g + 0.114 * b;
}

static const char *const grid_names[] = {"variant", "lr", "norm"};

START_TEST(a_grid_colours_by_the_key_with_more_values_and_dashes_by_the_other)
{
    /* the 10 points of a user's lr x norm grid, given out of lr order */
    const char *lines[] = {"mlp|1|none", "mlp|1|batch", "mlp|0.01|none", "mlp|0.01|batch",
                           "mlp|100|none", "mlp|100|batch", "mlp|0.1|none", "mlp|0.1|batch",
                           "mlp|10|none", "mlp|10|batch"};
    bnx_style_keys k = make_keys(3, grid_names, 10, lines);
    bnx_chart_style st;
    bnx_error err;
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, NULL, &st, &err), BNX_OK);
    ck_assert_str_eq(st.colour_name, "lr");
    ck_assert_str_eq(st.dash_name, "norm");
    ck_assert_int_eq(st.colour_key, 1);
    ck_assert_int_eq(st.dash_key, 2);
    /* a line's pair (colour, dash) is its own; the two norms of an lr share
     * the colour; none is solid, batch dashed */
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(st.dash[i], i % 2 ? 2 : 1);
        if (i % 2)
            ck_assert_str_eq(st.colour[i], st.colour[i - 1]);
        for (int j = 0; j < i; j++)
            ck_assert(strcmp(st.colour[i], st.colour[j]) || st.dash[i] != st.dash[j]);
    }
    /* numbers: a sequential palette in the values' order, dark to light */
    ck_assert(brightness(st.colour[2]) < brightness(st.colour[6]));  /* 0.01 < 0.1 */
    ck_assert(brightness(st.colour[6]) < brightness(st.colour[0]));  /* 0.1 < 1 */
    ck_assert(brightness(st.colour[0]) < brightness(st.colour[8]));  /* 1 < 10 */
    ck_assert(brightness(st.colour[8]) < brightness(st.colour[4]));  /* 10 < 100 */
    /* the legend by key value: five lr entries in order, then the norms in
     * grey with their dashes */
    ck_assert_int_eq(st.num_entries, 7);
    ck_assert_str_eq(st.entry[0], "lr = 0.01");
    ck_assert_str_eq(st.entry[4], "lr = 100");
    ck_assert_str_eq(st.entry_colour[0], st.colour[2]);
    ck_assert_int_eq(st.entry_dash[0], 1);
    ck_assert_str_eq(st.entry[5], "norm = none");
    ck_assert_str_eq(st.entry[6], "norm = batch");
    ck_assert_int_eq(st.entry_dash[6], 2);
    ck_assert_str_eq(st.entry_colour[6], "#555555");
    bnx_chart_style_free(&st);

    /* chosen the other way round: categorical colours for the norms */
    ck_assert_int_eq(bnx_chart_style_make(&k, "norm", "lr", &st, &err), BNX_OK);
    ck_assert_str_eq(st.colour[0], "#1f5fbf");
    ck_assert_str_eq(st.colour[1], "#d62728");
    ck_assert_int_eq(st.dash[2], 1); /* lr 0.01: the first dash in order */
    ck_assert_int_eq(st.dash[4], 5); /* lr 100: the fifth */
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&k);
}
END_TEST

START_TEST(four_lines_keep_their_own_legend_entries)
{
    const char *lines[] = {"mlp|1|none", "mlp|1|batch", "mlp|2|none", "mlp|2|batch"};
    bnx_style_keys k = make_keys(3, grid_names, 4, lines);
    bnx_chart_style st;
    bnx_error err;
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, NULL, &st, &err), BNX_OK);
    ck_assert_int_eq(st.num_entries, 0); /* the labels, with their finals */
    ck_assert_int_eq(st.dash[1], 2);
    /* two numbers are two categories: blue and red */
    ck_assert_str_eq(st.colour[0], "#1f5fbf");
    ck_assert_str_eq(st.colour[2], "#d62728");
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&k);
}
END_TEST

START_TEST(variants_without_a_grid_get_the_papers_blue_and_red)
{
    const char *lines[] = {"baseline", "bn"};
    const char *names[] = {"variant"};
    bnx_style_keys k = make_keys(1, names, 2, lines);
    bnx_chart_style st;
    bnx_error err;
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, NULL, &st, &err), BNX_OK);
    ck_assert_str_eq(st.colour[0], "#1f5fbf");
    ck_assert_str_eq(st.colour[1], "#d62728");
    ck_assert_int_eq(st.dash[0], 1);
    ck_assert_int_eq(st.dash[1], 1);
    ck_assert_int_eq(st.dash_key, -1);
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&k);
}
END_TEST

START_TEST(three_keys_colour_by_two_and_lines_alike_get_their_own_colour)
{
    const char *names[] = {"variant", "lr", "norm", "batch_size"};
    const char *lines[12];
    char buf[12][64];
    for (int i = 0; i < 12; i++) {
        snprintf(buf[i], sizeof buf[i], "v|%s|%s|%s", i % 3 == 0 ? "0.1" : i % 3 == 1 ? "1" : "10",
                 i / 3 % 2 ? "batch" : "none", i / 6 ? "64" : "8");
        lines[i] = buf[i];
    }
    bnx_style_keys k = make_keys(4, names, 12, lines);
    bnx_chart_style st;
    bnx_error err;
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, NULL, &st, &err), BNX_OK);
    /* dash: the last of the two-valued keys; colour: the other two */
    ck_assert_str_eq(st.dash_name, "batch_size");
    ck_assert_str_eq(st.colour_name, "lr, norm");
    ck_assert_str_eq(st.entry[0], "lr = 0.1, norm = none");
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < i; j++)
            ck_assert(strcmp(st.colour[i], st.colour[j]) || st.dash[i] != st.dash[j]);
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&k);

    /* two lines with the same keys (a run's variants that differ in keys no
     * grid sweeps, say): each line its own colour */
    const char *same[] = {"a|1", "a|1", "a|2"};
    const char *two[] = {"variant", "lr"};
    k = make_keys(2, two, 3, same);
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, NULL, &st, &err), BNX_OK);
    ck_assert_str_ne(st.colour[0], st.colour[1]);
    ck_assert_str_ne(st.colour[1], st.colour[2]);
    ck_assert_int_eq(st.num_entries, 0);
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&k);
}
END_TEST

START_TEST(refuses_unknown_same_or_too_many_valued_keys)
{
    const char *lines[] = {"m|1|none", "m|2|none", "m|3|none", "m|4|none", "m|5|none",
                           "m|6|batch"};
    bnx_style_keys k = make_keys(3, grid_names, 6, lines);
    bnx_chart_style st;
    bnx_error err;
    ck_assert_int_eq(bnx_chart_style_make(&k, "nrom", NULL, &st, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "--color-by: no key 'nrom'"));
    ck_assert_ptr_nonnull(strstr(err.msg, "did you mean 'norm'?"));
    ck_assert_ptr_nonnull(strstr(err.msg, "variant, lr, norm"));
    bnx_chart_style_free(&st);
    ck_assert_int_eq(bnx_chart_style_make(&k, "lr", "lr", &st, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "the same key"));
    bnx_chart_style_free(&st);
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, "lr", &st, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "6 values, more than the 5 dash patterns"));
    bnx_chart_style_free(&st);
    /* chosen automatically, a six-valued key is not dashed */
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, NULL, &st, &err), BNX_OK);
    ck_assert_str_eq(st.dash_name, "norm");
    ck_assert_str_eq(st.colour_name, "lr");
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&k);
}
END_TEST

START_TEST(legend_columns_fit_the_width_by_a_wide_estimate)
{
    /* short entries: four columns; none wider than the chart at 0.8 F a
     * character; one column at least; never more than the entries */
    ck_assert_int_eq(bnx_chart_legend_cols(13, 12, 900, 12), 4);
    ck_assert_int_eq(bnx_chart_legend_cols(2, 12, 900, 12), 2);
    ck_assert_int_eq(bnx_chart_legend_cols(11, 47, 900, 12), 1);
    ck_assert_int_eq(bnx_chart_legend_cols(5, 300, 900, 12), 1);
    for (int len = 1; len < 120; len++) {
        int cols = bnx_chart_legend_cols(30, len, 900, 12);
        ck_assert_int_ge(cols, 1);
        ck_assert_int_le(cols, 4);
        if (cols > 1)
            ck_assert(cols * (len + 9) * 0.8 * 12 <= 900 - 60);
    }
}
END_TEST

START_TEST(run_select_keeps_the_variants_a_glob_matches)
{
    bnx_run run = {0};
    run.num_variants = 4;
    run.variants = calloc(4, sizeof *run.variants);
    run.num_trials = 8;
    run.trials = calloc(8, sizeof *run.trials);
    run.num_swept = 1;
    run.swept = calloc(1, sizeof *run.swept);
    run.swept_values = calloc(4, sizeof *run.swept_values);
    snprintf(run.dir, sizeof run.dir, "runs/x/1");
    const char *names[] = {"a-lr-0.1", "a-lr-1", "b-lr-0.1", "b-lr-1"};
    for (int v = 0; v < 4; v++) {
        snprintf(run.variants[v], sizeof run.variants[0], "%s", names[v]);
        snprintf(run.swept_values[v], sizeof run.swept_values[0], "%s", v % 2 ? "1" : "0.1");
        for (int s = 0; s < 2; s++) {
            snprintf(run.trials[2 * v + s].variant, sizeof run.trials[0].variant, "%s", names[v]);
            run.trials[2 * v + s].seed = s + 1;
        }
    }
    bnx_error err;
    ck_assert_int_eq(bnx_chart_run_select(&run, NULL, &err), BNX_OK);
    ck_assert_int_eq(run.num_variants, 4);
    ck_assert_int_eq(bnx_chart_run_select(&run, "a-lr-2*", &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "'a-lr-2*' matches no variant of runs/x/1"));
    ck_assert_int_eq(run.num_variants, 4); /* as it was */
    ck_assert_int_eq(bnx_chart_run_select(&run, "b-*,a-lr-1", &err), BNX_OK);
    ck_assert_int_eq(run.num_variants, 3);
    ck_assert_str_eq(run.variants[0], "a-lr-1");
    ck_assert_str_eq(run.swept_values[0], "1");
    ck_assert_str_eq(run.variants[2], "b-lr-1");
    ck_assert_int_eq(run.num_trials, 6);
    ck_assert_str_eq(run.trials[0].variant, "a-lr-1");
    ck_assert_int_eq(run.trials[5].seed, 2);
    bnx_run_free(&run);
}
END_TEST

START_TEST(keys_of_a_run_cut_the_variant_from_its_points)
{
    bnx_run run = {0};
    const char *names[] = {"bn-lr-0.1", "bn-lr-1", "lr-0.1-norm-none", "lr-1-norm-batch"};
    run.num_variants = 4;
    run.variants = calloc(4, sizeof *run.variants);
    run.num_swept = 2;
    run.swept = calloc(2, sizeof *run.swept);
    run.swept_values = calloc(8, sizeof *run.swept_values);
    snprintf(run.swept[0], sizeof run.swept[0], "lr");
    snprintf(run.swept[1], sizeof run.swept[1], "norm");
    const char *vals[] = {"0.1", "batch", "1", "batch", "0.1", "none", "1", "batch"};
    for (int v = 0; v < 4; v++)
        snprintf(run.variants[v], sizeof run.variants[0], "%s", names[v]);
    for (int i = 0; i < 8; i++)
        snprintf(run.swept_values[i], sizeof run.swept_values[0], "%s", vals[i]);
    int lines[] = {0, 1, 2, 3};
    bnx_style_keys k;
    bnx_error err;
    ck_assert_int_eq(bnx_style_keys_of_run(&run, lines, 4, &k, &err), BNX_OK);
    ck_assert_int_eq(k.num_keys, 3);
    ck_assert_str_eq(k.keys[0], "variant");
    ck_assert_str_eq(k.values[0 * 3], "bn");   /* bn-lr-0.1: the variant bn */
    ck_assert_str_eq(k.values[1 * 3 + 1], "1");
    ck_assert_str_eq(k.values[2 * 3], "");     /* a grid-only point: no variant */
    ck_assert_str_eq(k.values[3 * 3], "");
    ck_assert_str_eq(k.values[3 * 3 + 2], "batch");
    bnx_style_keys_free(&k);
    /* a grid-only run's lines: colour by lr, dash by norm, no variant key */
    int only[] = {2, 3};
    ck_assert_int_eq(bnx_style_keys_of_run(&run, only, 2, &k, &err), BNX_OK);
    bnx_chart_style st;
    ck_assert_int_eq(bnx_chart_style_make(&k, NULL, NULL, &st, &err), BNX_OK);
    ck_assert_str_eq(st.colour_name, "lr");
    ck_assert_str_eq(st.dash_name, "norm");
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&k);
    bnx_run_free(&run);
}
END_TEST

Suite *suite_chart_style(void)
{
    Suite *s = suite_create("chart_style");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, a_grid_colours_by_the_key_with_more_values_and_dashes_by_the_other);
    tcase_add_test(tc, four_lines_keep_their_own_legend_entries);
    tcase_add_test(tc, variants_without_a_grid_get_the_papers_blue_and_red);
    tcase_add_test(tc, three_keys_colour_by_two_and_lines_alike_get_their_own_colour);
    tcase_add_test(tc, refuses_unknown_same_or_too_many_valued_keys);
    tcase_add_test(tc, legend_columns_fit_the_width_by_a_wide_estimate);
    tcase_add_test(tc, run_select_keeps_the_variants_a_glob_matches);
    tcase_add_test(tc, keys_of_a_run_cut_the_variant_from_its_points);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_chart_style)
