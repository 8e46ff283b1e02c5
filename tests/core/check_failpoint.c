/* Failpoints (core/failpoint.h): what BNEXP_FAILPOINT values mean, the step
 * names of whole-file writes, and firing on the N-th visit only.  The
 * kill action is exercised end to end by tests/cli_faults.sh. */
#include <check.h>
#include <stdlib.h>

#include "core/failpoint.h"
#include "testutil.h"

START_TEST(spec_parses_and_refuses)
{
    char step[64];
    int action;
    long nth;
    ck_assert_int_eq(bnx_failpoint_spec("checkpoint.write:kill", step, sizeof step, &action, &nth), 0);
    ck_assert_str_eq(step, "checkpoint.write");
    ck_assert_int_eq(action, BNX_FP_KILL);
    ck_assert_int_eq(nth, 1);
    ck_assert_int_eq(bnx_failpoint_spec("csv.append:eio:7", step, sizeof step, &action, &nth), 0);
    ck_assert_int_eq(action, BNX_FP_EIO);
    ck_assert_int_eq(nth, 7);
    const char *bad[] = {"", "checkpoint.write", ":kill", "x:explode", "x:kill:0", "x:kill:2b",
                         "x:enospcx", NULL};
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(bnx_failpoint_spec(bad[i], step, sizeof step, &action, &nth) == -1,
                      "'%s' was taken", bad[i]);
}
END_TEST

START_TEST(file_steps_are_named_by_the_base_name)
{
    char buf[64];
    ck_assert_str_eq(bnx_failpoint_file_step("runs/x/a/seed-1/checkpoint.bin", "write", buf, sizeof buf),
                     "checkpoint.write");
    ck_assert_str_eq(bnx_failpoint_file_step("summary.csv", "rename", buf, sizeof buf), "summary.rename");
    ck_assert_str_eq(bnx_failpoint_file_step("/t/experiment.ini", "write", buf, sizeof buf),
                     "experiment.write");
}
END_TEST

START_TEST(fires_on_the_nth_visit_only)
{
    unsetenv("BNEXP_FAILPOINT");
    ck_assert_int_eq(bnx_failpoint("plan.write"), BNX_FP_NONE);
    setenv("BNEXP_FAILPOINT", "plan.write:enospc:3", 1);
    ck_assert_int_eq(bnx_failpoint("summary.write"), BNX_FP_NONE); /* another step: not counted */
    ck_assert_int_eq(bnx_failpoint("plan.write"), BNX_FP_NONE);
    ck_assert_int_eq(bnx_failpoint("plan.write"), BNX_FP_NONE);
    ck_assert_int_eq(bnx_failpoint("plan.write"), BNX_FP_ENOSPC);
    ck_assert_int_eq(bnx_failpoint("plan.write"), BNX_FP_NONE);
    unsetenv("BNEXP_FAILPOINT");
}
END_TEST

static Suite *suite_failpoint(void)
{
    return test_simple_suite("failpoint", 0,
                             (const TTest *[]){spec_parses_and_refuses,
                                               file_steps_are_named_by_the_base_name,
                                               fires_on_the_nth_visit_only, NULL});
}

TEST_SUITE(suite_failpoint)
