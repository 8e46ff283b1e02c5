/* The local process pool (runs/pool.h) and what the local launcher builds
 * on it (runs/local.h): tasks run --jobs at a time in the order given, each
 * one's lines and exit status reach the parent, a stop signal is passed on
 * to the running tasks and starts no more; trials start seed by seed; the
 * status and progress lines. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runs/local.h"
#include "runs/pool.h"
#include "runs/trial.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "testutil.h"

/* What the parent saw, task by task (tasks 0 .. 7). */
typedef struct seen {
    int started[8], ended[8], status[8], signal[8];
    char line[8][64];
    int lines[8];
    size_t first_len[8];
    int start_order[8], num_started;
    int running, most_running;
    int stopping_sig, stopping_calls, waits;
} seen;

static void on_started(void *ctx, int task)
{
    seen *s = ctx;
    s->started[task]++;
    s->start_order[s->num_started++] = task;
    if (++s->running > s->most_running)
        s->most_running = s->running;
}

static void on_line(void *ctx, int task, const char *line)
{
    seen *s = ctx;
    snprintf(s->line[task], sizeof s->line[task], "%s", line);
    if (s->lines[task]++ == 0)
        s->first_len[task] = strlen(line);
}

static void on_ended(void *ctx, int task, int status, int signal)
{
    seen *s = ctx;
    s->ended[task]++;
    s->status[task] = status;
    s->signal[task] = signal;
    s->running--;
}

static void on_waited(void *ctx)
{
    ((seen *)ctx)->waits++;
}

static void on_stopping(void *ctx, int sig, int nth)
{
    seen *s = ctx;
    if (nth == 0)
        s->stopping_sig = sig;
    s->stopping_calls++;
}

/* The stop signals as they were before the pool ran (it leaves them
 * blocked and caught), for the next test when tests share a process
 * (CK_FORK=no, as under valgrind). */
static void restore_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) {
        signal(sigs[i], SIG_DFL);
        sigaddset(&set, sigs[i]);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Task T: "hello T" on its pipe, a while running, then exit status 10 + T. */
static int child_hello(void *ctx, int task, int fd)
{
    (void)ctx;
    char line[32];
    int n = snprintf(line, sizeof line, "hello %d\n", task);
    if (write(fd, line, (size_t)n) != n)
        return 99;
    sleep_ms(200);
    return 10 + task;
}

START_TEST(pool_runs_jobs_at_a_time_and_reports_statuses)
{
    seen s = {0};
    bnx_pool_ops ops = {.child = child_hello, .started = on_started, .line = on_line,
                        .ended = on_ended, .waited = on_waited, .ctx = &s, .what = "test"};
    int tasks[] = {0, 1, 2, 3}, stopped_by = -1;
    bnx_error err;
    ck_assert_int_eq(bnx_pool_run(tasks, 4, 2, &ops, &stopped_by, &err), BNX_OK);
    restore_signals();
    ck_assert_int_eq(stopped_by, 0);
    ck_assert_int_eq(s.most_running, 2); /* --jobs 2: two at once, never three */
    for (int t = 0; t < 4; t++) {
        ck_assert_int_eq(s.started[t], 1);
        ck_assert_int_eq(s.ended[t], 1);
        ck_assert_int_eq(s.status[t], 10 + t);
        ck_assert_int_eq(s.signal[t], 0);
        ck_assert_int_eq(s.lines[t], 1);
        char want[32];
        snprintf(want, sizeof want, "hello %d", t);
        ck_assert_str_eq(s.line[t], want);
    }
    ck_assert_int_ge(s.waits, 2);
}
END_TEST

START_TEST(pool_starts_tasks_in_the_order_given)
{
    seen s = {0};
    bnx_pool_ops ops = {.child = child_hello, .started = on_started, .ended = on_ended,
                        .ctx = &s};
    int tasks[] = {3, 0, 2, 1}, stopped_by;
    bnx_error err;
    ck_assert_int_eq(bnx_pool_run(tasks, 4, 1, &ops, &stopped_by, &err), BNX_OK);
    restore_signals();
    ck_assert_int_eq(s.num_started, 4);
    ck_assert_int_eq(s.most_running, 1);
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(s.start_order[k], tasks[k]);
}
END_TEST

/* Task 0 execs a shell command, its stdout the pipe; task 1 is killed by a
 * signal; task 2 writes a line of 5,998 bytes, then "ok". */
static int child_various(void *ctx, int task, int fd)
{
    (void)ctx;
    sigset_t set; /* the stop signals come blocked: unblock them before exec */
    sigemptyset(&set);
    sigaddset(&set, SIGINT), sigaddset(&set, SIGTERM), sigaddset(&set, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if (task == 0) {
        dup2(fd, STDOUT_FILENO);
        execl("/bin/sh", "sh", "-c", "echo 'out of sh'; exit 7", (char *)NULL);
        return 98;
    }
    if (task == 1) {
        signal(SIGUSR1, SIG_DFL);
        raise(SIGUSR1);
        return 97;
    }
    static char big[6000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 2] = '\n';
    if (write(fd, big, sizeof big - 1) < 0 || write(fd, "ok\n", 3) != 3)
        return 96;
    return 0;
}

START_TEST(pool_passes_exec_output_exit_status_and_signal_deaths)
{
    seen s = {0};
    bnx_pool_ops ops = {.child = child_various, .started = on_started, .line = on_line,
                        .ended = on_ended, .ctx = &s};
    int tasks[] = {0, 1, 2}, stopped_by;
    bnx_error err;
    ck_assert_int_eq(bnx_pool_run(tasks, 3, 3, &ops, &stopped_by, &err), BNX_OK);
    restore_signals();
    ck_assert_str_eq(s.line[0], "out of sh");
    ck_assert_int_eq(s.status[0], 7);
    ck_assert_int_eq(s.ended[1], 1);
    ck_assert_int_eq(s.status[1], 128 + SIGUSR1);
    ck_assert_int_eq(s.signal[1], SIGUSR1);
    /* the over-long line lost the 4,095 bytes that filled the buffer */
    ck_assert_int_eq(s.lines[2], 2);
    ck_assert_uint_eq(s.first_len[2], 5998 - 4095);
    ck_assert_str_eq(s.line[2], "ok");
    ck_assert_int_eq(s.status[2], 0);
}
END_TEST

static volatile sig_atomic_t child_got;
static void child_on_term(int sig)
{
    child_got = sig;
}

/* Task 0 sends SIGTERM to the parent, as a `kill` of the run would, and
 * waits for the parent to pass it on; it exits with 50 + the signal it
 * got.  Any other task would exit 1 at once. */
static int child_stopper(void *ctx, int task, int fd)
{
    (void)ctx, (void)fd;
    if (task != 0)
        return 1;
    signal(SIGTERM, child_on_term);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    kill(getppid(), SIGTERM);
    for (int i = 0; i < 500 && !child_got; i++)
        sleep_ms(10);
    return 50 + child_got;
}

START_TEST(pool_passes_a_stop_signal_on_and_starts_no_more)
{
    seen s = {0};
    bnx_pool_ops ops = {.child = child_stopper, .started = on_started, .ended = on_ended,
                        .stopping = on_stopping, .ctx = &s};
    int tasks[] = {0, 1, 2}, stopped_by;
    bnx_error err;
    ck_assert_int_eq(bnx_pool_run(tasks, 3, 1, &ops, &stopped_by, &err), BNX_OK);
    int seen_signals = bnx_pool_signals_seen();
    restore_signals();
    ck_assert_int_eq(stopped_by, SIGTERM);
    ck_assert_int_eq(seen_signals, 1);
    ck_assert_int_eq(s.stopping_sig, SIGTERM);
    ck_assert_int_eq(s.stopping_calls, 1);
    ck_assert_int_eq(s.status[0], 50 + SIGTERM); /* it got the parent's SIGTERM */
    ck_assert_int_eq(s.started[1] + s.started[2], 0);
}
END_TEST

/* ---- the local launcher's order and lines ---- */

static char dir[64];
static bnx_spec spec;
static bnx_plan plan;

static void setup(void) { test_tmpdir_create(dir, sizeof dir, "pool"); }
static void teardown(void)
{
    bnx_spec_free(&spec);
    bnx_plan_free(&plan);
    test_tmpdir_remove(dir);
}

/* A plan of variants a (3 seeds), b (3 seeds). */
static void make_plan(void)
{
    char path[128];
    const char *text = "[experiment]\nsteps = 100\nseeds = 3\n[variant.a]\nbn = false\n"
                       "[variant.b]\nbn = true\n";
    snprintf(path, sizeof path, "%s/e.ini", dir);
    test_write_file(path, text, strlen(text));
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(path, "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_build(&spec, 3, &plan, &err), BNX_OK);
    ck_assert_int_eq(plan.num_trials, 6);
}

START_TEST(local_order_is_seed_by_seed)
{
    make_plan();
    int order[6], variants, seeds;
    bnx_error err;
    ck_assert_int_eq(bnx_local_order(&plan, order, &variants, &seeds, &err), BNX_OK);
    ck_assert_int_eq(variants, 2);
    ck_assert_int_eq(seeds, 3);
    int want[] = {0, 3, 1, 4, 2, 5}; /* a1 b1 a2 b2 a3 b3 */
    for (int k = 0; k < 6; k++)
        ck_assert_int_eq(order[k], want[k]);
}
END_TEST

START_TEST(local_status_line_shows_the_running_trials_with_a_record)
{
    make_plan();
    bnx_local_trial t[6];
    memset(t, 0, sizeof t);
    t[1] = (bnx_local_trial){.state = BNX_LOCAL_RUNNING, .step = 40, .total = 100,
                             .accuracy = 0.5, .rate = 20};
    t[3] = (bnx_local_trial){.state = BNX_LOCAL_RUNNING}; /* no record yet */
    t[4] = (bnx_local_trial){.state = BNX_LOCAL_ENDED, .step = 100, .total = 100};
    t[5] = (bnx_local_trial){.state = BNX_LOCAL_RUNNING, .step = 0, .total = 100,
                             .accuracy = 0.1};
    char line[1024];
    bnx_local_status_line(&plan, t, 3, line, sizeof line);
    ck_assert_str_eq(line, "a s2 40/100 20 steps/s acc 0.5000 ETA 3s | "
                           "b s3 0/100 0 steps/s acc 0.1000 ETA ?");
    bnx_local_status_line(&plan, t, 1, line, sizeof line); /* one seed: no " sK" */
    ck_assert_str_eq(line, "a 40/100 20 steps/s acc 0.5000 ETA 3s | "
                           "b 0/100 0 steps/s acc 0.1000 ETA ?");
}
END_TEST

START_TEST(sweep_line_counts_the_trials_and_estimates_from_those_ended)
{
    make_plan(); /* six trials */
    bnx_local_trial t[6];
    memset(t, 0, sizeof t);
    char line[256];
    /* nothing started: no estimate */
    bnx_local_sweep_line(&plan, t, NULL, 2, line, sizeof line);
    ck_assert_str_eq(line, "trials 0/6 done");
    /* one running at 20 steps/s, 60 of 100 left: 3 s left, a trial ~5 s; five
     * pending at 5 s over 2 jobs: (5 * 5 + 3) / 2 = 14 s */
    t[0] = (bnx_local_trial){.state = BNX_LOCAL_RUNNING, .step = 40, .total = 100, .rate = 20};
    bnx_local_sweep_line(&plan, t, NULL, 2, line, sizeof line);
    ck_assert_str_eq(line, "trials 0/6 done, 1 running, ETA 14s");
    /* one finished before (resumed), one ended with a result in 8 s, one
     * failed: 2/6 done; the 2 pending at 8 s, plus 3 s left, over 2 jobs:
     * 9.5 s, shown rounded: 10s */
    int before[6] = {0, 1, 0, 0, 0, 0};
    t[2] = (bnx_local_trial){.state = BNX_LOCAL_ENDED, .has_result = 1};
    t[2].result.wall_time_s = 8;
    t[3] = (bnx_local_trial){.state = BNX_LOCAL_ENDED};
    bnx_local_sweep_line(&plan, t, before, 2, line, sizeof line);
    ck_assert_str_eq(line, "trials 2/6 done, 1 running, 1 failed, ETA 10s");
    /* more jobs than trials left: the work is not shared by idle ones, and
     * the longest running trial's own time left is a floor (3 s) */
    bnx_local_trial u[6];
    memset(u, 0, sizeof u);
    u[0] = (bnx_local_trial){.state = BNX_LOCAL_RUNNING, .step = 40, .total = 100, .rate = 20};
    int ended[6] = {0, 1, 1, 1, 1, 1};
    bnx_local_sweep_line(&plan, u, ended, 16, line, sizeof line);
    ck_assert_str_eq(line, "trials 5/6 done, 1 running, ETA 3s");
}
END_TEST

START_TEST(progress_line_and_eta)
{
    char buf[256];
    bnx_format_eta(buf, sizeof buf, 42.4);
    ck_assert_str_eq(buf, "42s");
    bnx_format_eta(buf, sizeof buf, 187);
    ck_assert_str_eq(buf, "3m07s");
    bnx_format_eta(buf, sizeof buf, NAN);
    ck_assert_str_eq(buf, "?");
    bnx_format_eta(buf, sizeof buf, -1);
    ck_assert_str_eq(buf, "?");
    bnx_trial_progress_line(buf, sizeof buf, "bn", 2, 300, 1200, 0.91234, 0.3, 150);
    ck_assert_str_eq(buf, "bn seed-2: step 300/1200  test_accuracy 0.9123  150 steps/s  ETA 6s");
    /* a regression (loss = mse) has no accuracy: its loss instead */
    bnx_trial_progress_line(buf, sizeof buf, "bn", 2, 300, 1200, NAN, 0.27543, 150);
    ck_assert_str_eq(buf, "bn seed-2: step 300/1200  test_loss 0.2754  150 steps/s  ETA 6s");
}
END_TEST

Suite *suite_pool(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, pool_runs_jobs_at_a_time_and_reports_statuses);
    tcase_add_test(tc, pool_starts_tasks_in_the_order_given);
    tcase_add_test(tc, pool_passes_exec_output_exit_status_and_signal_deaths);
    tcase_add_test(tc, pool_passes_a_stop_signal_on_and_starts_no_more);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("local");
    tcase_add_checked_fixture(tl, setup, teardown);
    tcase_add_test(tl, local_order_is_seed_by_seed);
    tcase_add_test(tl, local_status_line_shows_the_running_trials_with_a_record);
    tcase_add_test(tl, sweep_line_counts_the_trials_and_estimates_from_those_ended);
    tcase_add_test(tl, progress_line_and_eta);
    suite_add_tcase(s, tl);
    return s;
}

TEST_SUITE(suite_pool)
