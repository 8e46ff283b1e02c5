/* Several runs in one queue (runs/suite.h): the queue's order (most FLOPs
 * first, ties in the members' order and each one's seed by seed order,
 * finished trials left out), suite.json written and read back, the task
 * list a Slurm array task reads its trial from, the status line and ETA. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"
#include "runs/suite.h"
#include "testutil.h"

static char dir[64];
static bnx_suite s;

static void setup(void)
{
    test_tmpdir_create(dir, sizeof dir, "suite");
    memset(&s, 0, sizeof s);
}

static void teardown(void)
{
    bnx_suite_free(&s);
    test_tmpdir_remove(dir);
}

/* Members e1 (variants a and b, 3 seeds each: trials a1 a2 a3 b1 b2 b3)
 * and e2 (variant c, 2 seeds), planned from files written here. */
static void add_members(void)
{
    const char *e1 = "[experiment]\nsteps = 100\nseeds = 3\n[variant.a]\nbn = false\n"
                     "[variant.b]\nbn = true\n";
    const char *e2 = "[experiment]\nsteps = 100\nseeds = 2\n[variant.c]\nbn = true\n";
    bnx_error err;
    test_write_file(test_path(dir, "e1.ini", 0), e1, strlen(e1));
    test_write_file(test_path(dir, "e2.ini", 1), e2, strlen(e2));
    ck_assert_int_eq(bnx_suite_add_experiment(&s, test_path(dir, "e1.ini", 0), "e1", 0, "test",
                                              &err), BNX_OK);
    ck_assert_int_eq(bnx_suite_add_experiment(&s, test_path(dir, "e2.ini", 1), "e2", 0, "test",
                                              &err), BNX_OK);
    ck_assert_int_eq(s.members[0].plan.num_trials, 6);
    ck_assert_int_eq(s.members[1].plan.num_trials, 2);
    ck_assert_str_eq(s.members[0].plan.bnexp, "test");
}

static void set_costs(double a, double b, double c)
{
    for (int i = 0; i < 6; i++)
        s.members[0].cost[i] = i < 3 ? a : b;
    s.members[1].cost[0] = s.members[1].cost[1] = c;
}

/* The queue as "MEMBER:TRIAL ..." */
static const char *queue_text(void)
{
    static char text[256];
    size_t used = 0;
    text[0] = '\0';
    for (int k = 0; k < s.num_queue; k++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%d:%d", k ? " " : "",
                                 s.queue[k].member, s.queue[k].trial);
    return text;
}

START_TEST(queue_is_longest_first_ties_in_the_plans_order)
{
    add_members();
    bnx_error err;
    /* e2's trials cost most; e1's tie: e1 seed by seed, a1 b1 a2 b2 a3 b3 */
    set_costs(10, 10, 20);
    ck_assert_int_eq(bnx_suite_order(&s, &err), BNX_OK);
    ck_assert_str_eq(queue_text(), "1:0 1:1 0:0 0:3 0:1 0:4 0:2 0:5");
    ck_assert_int_eq(s.members[0].queued, 6);
    ck_assert_int_eq(s.members[1].queued, 2);
    /* b costs more than a, e2 least: b's seeds, then a's, then e2's */
    set_costs(10, 15, 1);
    ck_assert_int_eq(bnx_suite_order(&s, &err), BNX_OK);
    ck_assert_str_eq(queue_text(), "0:3 0:4 0:5 0:0 0:1 0:2 1:0 1:1");
    /* all equal: the members' order, each seed by seed */
    set_costs(5, 5, 5);
    ck_assert_int_eq(bnx_suite_order(&s, &err), BNX_OK);
    ck_assert_str_eq(queue_text(), "0:0 0:3 0:1 0:4 0:2 0:5 1:0 1:1");
    /* trials finished before are not queued */
    s.members[0].finished[3] = s.members[1].finished[0] = s.members[1].finished[1] = 1;
    ck_assert_int_eq(bnx_suite_order(&s, &err), BNX_OK);
    ck_assert_str_eq(queue_text(), "0:0 0:1 0:4 0:2 0:5");
    ck_assert_int_eq(s.members[1].queued, 0);
    int total, done;
    bnx_suite_counts(&s, &total, &done);
    ck_assert_int_eq(total, 8);
    ck_assert_int_eq(done, 3);
}
END_TEST

START_TEST(suite_json_written_and_read_back)
{
    add_members();
    bnx_error err;
    char runs[128], cwd[4096];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    ck_assert_int_eq(bnx_suite_create(&s, runs, &err), BNX_OK);
    ck_assert_msg(strncmp(s.dir, runs, strlen(runs)) == 0 && strstr(s.dir, "/claims/"), "%s",
                  s.dir);
    ck_assert_msg(strstr(s.members[0].run, "/runs/e1/"), "%s", s.members[0].run);
    ck_assert(bnx_is_file(test_path(s.members[1].run, "plan.json", 0)));
    ck_assert(bnx_is_dir(test_path(runs, "e2/latest", 0)));
    char members[2][4096];
    snprintf(members[0], sizeof members[0], "%s", s.members[0].run);
    snprintf(members[1], sizeof members[1], "%s", s.members[1].run);
    /* through runs/claims/latest, relative to the working directory */
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    bnx_suite_free(&s);
    int rc = bnx_suite_open("runs/claims/latest", &s, &err);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_msg(rc == BNX_OK, "%s", err.msg);
    ck_assert_str_eq(s.runs, "runs");
    ck_assert_int_eq(s.num_members, 2);
    ck_assert_str_eq(s.members[0].plan.experiment, "e1");
    ck_assert_str_eq(s.members[1].plan.experiment, "e2");
    ck_assert_str_eq(members[1] + strlen(dir) + 1, s.members[1].run);
    ck_assert_int_eq(s.members[0].plan.num_trials, 6);
    bnx_suite_free(&s);
    /* refusals: no suite.json, another format, a member named twice */
    ck_assert_int_eq(bnx_suite_open(runs, &s, &err), BNX_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "is not a suite directory (no suite.json)"), "%s", err.msg);
    bnx_suite_free(&s);
    const char *bad[][2] = {
        {"{\"format\": \"bnexp-plan\", \"members\": []}", "not a bnexp suite file"},
        {"{\"format\": \"bnexp-suite\", \"version\": 2, \"members\": []}", "version 2"},
        {"{\"format\": \"bnexp-suite\", \"version\": 1, \"members\": [{\"experiment\": \"e1\"}]}",
         "members[0].run"},
    };
    ck_assert_int_eq(bnx_mkdir_p(test_path(dir, "bad/claims/x", 0), &err), BNX_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_write_file(test_path(dir, "bad/claims/x/suite.json", 0), bad[i][0], strlen(bad[i][0]));
        ck_assert_int_eq(bnx_suite_open(test_path(dir, "bad/claims/x", 1), &s, &err), BNX_EFORMAT);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "%s lacks %s", err.msg, bad[i][1]);
        bnx_suite_free(&s);
    }
}
END_TEST

START_TEST(task_list_gives_each_array_task_its_trial)
{
    add_members();
    bnx_error err;
    char runs[128], *text, run[4096], want[4096];
    size_t len;
    int index;
    snprintf(runs, sizeof runs, "%s/runs", dir);
    ck_assert_int_eq(bnx_suite_create(&s, runs, &err), BNX_OK);
    set_costs(1, 2, 3);
    ck_assert_int_eq(bnx_suite_order(&s, &err), BNX_OK);
    ck_assert_int_eq(bnx_suite_tasks(&s, &text, &len, &err), BNX_OK);
    test_write_file(test_path(dir, "tasks.txt", 0), text, len);
    free(text);
    for (int k = 0; k < s.num_queue; k++) {
        ck_assert_int_eq(bnx_suite_task_read(test_path(dir, "tasks.txt", 0), k, run, sizeof run,
                                             &index, &err), BNX_OK);
        ck_assert_int_eq(index, s.queue[k].trial);
        ck_assert_ptr_nonnull(realpath(s.members[s.queue[k].member].run, want));
        ck_assert_str_eq(run, want);
    }
    ck_assert_int_eq(bnx_suite_task_read(test_path(dir, "tasks.txt", 0), 8, run, sizeof run,
                                         &index, &err), BNX_EINVAL);
    ck_assert_msg(strstr(err.msg, "has 8 task(s): 8 is out of range"), "%s", err.msg);
    test_write_file(test_path(dir, "bad.txt", 0), "0 /x\n", 5);
    ck_assert_int_eq(bnx_suite_task_read(test_path(dir, "bad.txt", 0), 0, run, sizeof run,
                                         &index, &err), BNX_EFORMAT);
    ck_assert_msg(strstr(err.msg, "bad.txt:1: expected INDEX<TAB>RUN"), "%s", err.msg);
}
END_TEST

START_TEST(status_line_and_eta_from_costs_and_rates)
{
    add_members();
    bnx_error err;
    set_costs(100, 100, 1000);
    ck_assert_int_eq(bnx_suite_order(&s, &err), BNX_OK); /* e2's two first */
    ck_assert(isnan(bnx_suite_eta(&s)));                  /* no rate yet */
    /* c1 ended; c2 half way at 10 steps/s of 100 steps (100 FLOP/s); a1
     * a quarter of the way at 20 steps/s (20 FLOP/s) */
    s.members[1].trials[0] = (bnx_local_trial){.state = BNX_LOCAL_ENDED};
    s.members[1].ended = 1;
    s.members[1].trials[1] = (bnx_local_trial){.state = BNX_LOCAL_RUNNING, .step = 50,
                                               .total = 100, .rate = 10};
    s.members[0].trials[0] = (bnx_local_trial){.state = BNX_LOCAL_RUNNING, .step = 25,
                                               .total = 100, .rate = 20};
    /* left: 500 + 75 + 5 waiting x 100 = 1075 FLOPs at 120 FLOP/s */
    ck_assert_double_eq_tol(bnx_suite_eta(&s), 1075.0 / 120.0, 1e-9);
    char line[1024];
    bnx_suite_status_line(&s, line, sizeof line);
    ck_assert_str_eq(line, "1/8 trials done, ETA 9s | e2 c s2 50/100 | e1 a s1 25/100");
}
END_TEST

Suite *suite_suite(void)
{
    Suite *su = suite_create("suite");
    TCase *tc = tcase_create("suite");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, queue_is_longest_first_ties_in_the_plans_order);
    tcase_add_test(tc, suite_json_written_and_read_back);
    tcase_add_test(tc, task_list_gives_each_array_task_its_trial);
    tcase_add_test(tc, status_line_and_eta_from_costs_and_rates);
    suite_add_tcase(su, tc);
    return su;
}
TEST_SUITE(suite_suite)
