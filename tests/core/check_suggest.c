/* "Did you mean": edit distances by hand (each kind of edit, the swap of
 * two adjacent letters as one), and which candidate is suggested, if any. */
#include <check.h>

#include "core/suggest.h"
#include "testutil.h"

START_TEST(edit_distance_by_hand)
{
    ck_assert_int_eq(bnx_edit_distance("", ""), 0);
    ck_assert_int_eq(bnx_edit_distance("", "abc"), 3);
    ck_assert_int_eq(bnx_edit_distance("kitten", "sitting"), 3); /* 2 substitutions, 1 insertion */
    ck_assert_int_eq(bnx_edit_distance("hiden_units", "hidden_units"), 1); /* insertion */
    ck_assert_int_eq(bnx_edit_distance("fgi1", "fig1"), 1);     /* a swap counts once */
    ck_assert_int_eq(bnx_edit_distance("ab", "ba"), 1);
    ck_assert_int_eq(bnx_edit_distance("lr_sweep", "lr-sweep"), 1);
    ck_assert_int_eq(bnx_edit_distance("abc", "abc"), 0);
    ck_assert_int_eq(bnx_edit_distance("ca", "abc"), 3); /* optimal string alignment, not 2 */
}
END_TEST

START_TEST(suggest_only_a_likely_intent)
{
    const char *keys[] = {"hidden_layers", "hidden_units", "lr", NULL, "seed"};
    ck_assert_str_eq(bnx_suggest("hiden_units", keys, 5), "hidden_units");
    ck_assert_str_eq(bnx_suggest("hidden_layer", keys, 5), "hidden_layers");
    ck_assert_str_eq(bnx_suggest("ls", keys, 5), "lr"); /* short names: one edit */
    ck_assert_ptr_null(bnx_suggest("sed_x", keys, 5));   /* 2 edits from seed: too far for 5 letters */
    ck_assert_ptr_null(bnx_suggest("zzzqqq", keys, 5));
    ck_assert_ptr_null(bnx_suggest("lr", keys, 5));      /* known: nothing to suggest */
    ck_assert_ptr_null(bnx_suggest("x", keys, 0));
    const char *cmds[] = {"run", "report", "plot"};
    ck_assert_str_eq(bnx_suggest("rn", cmds, 3), "run");
    ck_assert_str_eq(bnx_suggest("reprot", cmds, 3), "report");
}
END_TEST

static Suite *suite_suggest(void)
{
    return test_simple_suite("suggest", 0,
                             (const TTest *[]){edit_distance_by_hand, suggest_only_a_likely_intent,
                                               NULL});
}

TEST_SUITE(suite_suggest)
