/* The Check test runner: one suite per area, all run by `make unit-check`. */
#include <check.h>
#include <stdlib.h>

Suite *suite_rng(void);
Suite *suite_nn(void);
Suite *suite_gradcheck(void);
Suite *suite_norm(void);
Suite *suite_conv(void);
Suite *suite_idx(void);
Suite *suite_data(void);
Suite *suite_spec(void);
Suite *suite_probe(void);
Suite *suite_report(void);
Suite *suite_checkpoint(void);
Suite *suite_limits(void);
Suite *suite_out(void);
Suite *suite_pngdir(void);
Suite *suite_plan(void);
Suite *suite_verdict(void);
Suite *suite_input(void);
Suite *suite_ics(void);

int main(void)
{
    SRunner *sr = srunner_create(suite_rng());
    srunner_add_suite(sr, suite_nn());
    srunner_add_suite(sr, suite_gradcheck());
    srunner_add_suite(sr, suite_norm());
    srunner_add_suite(sr, suite_conv());
    srunner_add_suite(sr, suite_idx());
    srunner_add_suite(sr, suite_data());
    srunner_add_suite(sr, suite_spec());
    srunner_add_suite(sr, suite_probe());
    srunner_add_suite(sr, suite_report());
    srunner_add_suite(sr, suite_checkpoint());
    srunner_add_suite(sr, suite_limits());
    srunner_add_suite(sr, suite_out());
    srunner_add_suite(sr, suite_pngdir());
    srunner_add_suite(sr, suite_plan());
    srunner_add_suite(sr, suite_verdict());
    srunner_add_suite(sr, suite_input());
    srunner_add_suite(sr, suite_ics());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
