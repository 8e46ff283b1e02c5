/* A new run's directory (runs/rundir.h): PARENT/YYYYMMDD-HHMMSS with a
 * suffix when it exists, `latest` pointing at it, refused and cleaned up
 * when `latest` cannot be replaced; the plan, the experiment file's copy
 * and the trial directories laid out, an earlier run's files removed only
 * with force, never through a symbolic link. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/paths.h"
#include "runs/rundir.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "testutil.h"

static char dir[64];
static bnx_spec spec;
static bnx_plan plan;

static void setup(void) { test_tmpdir_create(dir, sizeof dir, "rundir"); }
static void teardown(void)
{
    bnx_spec_free(&spec);
    bnx_plan_free(&plan);
    test_tmpdir_remove(dir);
}

static const char *tpath(const char *rel, int slot)
{
    return test_path(dir, rel, slot);
}

static const char ini[] = "[experiment]\nsteps = 100\nseeds = 2\n[variant.a]\nbn = false\n"
                          "[variant.b]\nbn = true\n";

static void make_plan(void)
{
    test_write_file(tpath("e.ini", 0), ini, strlen(ini));
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(tpath("e.ini", 0), "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_build(&spec, 2, &plan, &err), BNX_OK);
    ck_assert_int_eq(plan.num_trials, 4);
}

/* Entries of directory `path` whose names start with `prefix`. */
static int count_entries(const char *path, const char *prefix)
{
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void stamp_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y%m%d-%H%M%S", &tm);
}

START_TEST(new_run_dir_is_stamped_and_latest_points_at_it)
{
    const char *parent = tpath("runs/e", 0);
    char out[4096], stamp[32], before[32], link[256];
    bnx_error err;
    /* the stamp's directory and its -2 there already: the new one is -3
     * (tried again should the second turn meanwhile) */
    for (int attempt = 0; attempt < 5; attempt++) {
        stamp_now(before, sizeof before);
        char taken[600];
        snprintf(taken, sizeof taken, "%s/%s", parent, before);
        ck_assert_int_eq(bnx_mkdir_p(taken, &err), BNX_OK);
        snprintf(taken, sizeof taken, "%s/%s-2", parent, before);
        ck_assert_int_eq(bnx_mkdir_p(taken, &err), BNX_OK);
        ck_assert_msg(bnx_run_dir_new(parent, NULL, out, sizeof out, &err) == BNX_OK, "%s", err.msg);
        stamp_now(stamp, sizeof stamp);
        if (strcmp(stamp, before) == 0)
            break;
    }
    ck_assert_str_eq(stamp, before);
    char want[600];
    snprintf(want, sizeof want, "%s/%s-3", parent, stamp);
    ck_assert_str_eq(out, want);
    ck_assert(bnx_is_dir(out));
    ssize_t n = readlink(tpath("runs/e/latest", 1), link, sizeof link - 1);
    ck_assert_int_gt(n, 0);
    link[n] = '\0';
    snprintf(want, sizeof want, "%s-3", stamp);
    ck_assert_str_eq(link, want); /* relative: the tree can move */
    ck_assert_int_eq(count_entries(parent, ".latest.tmp."), 0);
}
END_TEST

START_TEST(new_run_dir_refused_where_latest_is_a_directory)
{
    const char *parent = tpath("runs/e", 0);
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(tpath("runs/e/latest/x", 1), &err), BNX_OK);
    char out[4096];
    ck_assert_int_eq(bnx_run_dir_new(parent, NULL, out, sizeof out, &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "(is "));
    ck_assert_ptr_nonnull(strstr(err.msg, "runs/e/latest a directory? move it away)"));
    ck_assert(!bnx_is_dir(out)); /* the new directory was taken back */
    ck_assert_int_eq(count_entries(parent, ""), 3); /* ., .. and latest: no temporary link */
}
END_TEST

START_TEST(run_create_lays_out_the_run)
{
    make_plan();
    const char *out = tpath("out/run", 0);
    bnx_error err;
    ck_assert_msg(bnx_run_create(out, &plan, 0, &err) == BNX_OK, "%s", err.msg);
    char *text;
    size_t size;
    ck_assert_int_eq(bnx_read_file(tpath("out/run/experiment.ini", 1), 1 << 20, &text, &size, &err),
                     BNX_OK);
    ck_assert_str_eq(text, ini);
    free(text);
    bnx_plan back;
    ck_assert_int_eq(bnx_plan_read(out, &back, &err), BNX_OK);
    ck_assert_int_eq(back.num_trials, 4);
    bnx_plan_free(&back);
    for (int i = 0; i < plan.num_trials; i++) {
        char trial[1200];
        snprintf(trial, sizeof trial, "%s/%s", out, plan.trials[i].dir);
        ck_assert_msg(bnx_is_dir(trial), "%s", trial);
    }
}
END_TEST

START_TEST(run_create_removes_an_earlier_runs_files_only_with_force)
{
    make_plan();
    const char *out = tpath("run", 0);
    bnx_error err;
    ck_assert_int_eq(bnx_run_create(out, &plan, 0, &err), BNX_OK);
    const char *stale[] = {"a/seed-1/manifest.json", "a/seed-1/metrics.csv",
                           "b/seed-2/checkpoint.bin", "b/seed-2/running.json"};
    char path[1200];
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", out, stale[k]);
        test_write_file(path, "old", 3);
    }
    test_write_file(tpath("run/summary.csv", 1), "old", 3);
    test_write_file(tpath("run/a/seed-1/notes.txt", 1), "mine", 4);
    ck_assert_int_eq(bnx_run_create(out, &plan, 0, &err), BNX_OK);
    ck_assert(!bnx_is_file(tpath("run/summary.csv", 1))); /* always: it is this run's to write */
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", out, stale[k]);
        ck_assert_msg(bnx_is_file(path), "%s removed without force", stale[k]);
    }
    ck_assert_int_eq(bnx_run_create(out, &plan, 1, &err), BNX_OK);
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", out, stale[k]);
        ck_assert_msg(!bnx_is_file(path), "%s left with force", stale[k]);
    }
    ck_assert(bnx_is_file(tpath("run/a/seed-1/notes.txt", 1))); /* not bnexp's */
}
END_TEST

START_TEST(run_create_refuses_a_trial_directory_that_is_a_link)
{
    make_plan();
    const char *out = tpath("run", 0);
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(out, &err), BNX_OK);
    ck_assert_int_eq(bnx_mkdir_p(tpath("elsewhere", 1), &err), BNX_OK);
    ck_assert_int_eq(symlink(tpath("elsewhere", 1), tpath("run/b", 2)), 0);
    ck_assert_int_eq(bnx_run_create(out, &plan, 1, &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "is a symbolic link"));
    ck_assert(!bnx_is_dir(tpath("elsewhere/seed-1", 1)));
}
END_TEST

/* A run NAME with its latest link moved at second `t` of the epoch. */
static void make_latest(const char *name, long t)
{
    char path[512], link[512];
    snprintf(path, sizeof path, "%s/runs/%s/20260101-000000", dir, name);
    ck_assert_int_eq(bnx_mkdir_p(path, NULL), BNX_OK);
    snprintf(link, sizeof link, "%s/runs/%s/latest", dir, name);
    ck_assert_int_eq(symlink("20260101-000000", link), 0);
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, link, ts, AT_SYMLINK_NOFOLLOW), 0);
}

START_TEST(latest_any_is_the_run_whose_latest_moved_last)
{
    char runs[256], name[64] = "";
    bnx_error err;
    snprintf(runs, sizeof runs, "%s/runs", dir);
    ck_assert_int_eq(bnx_run_latest_any(runs, name, sizeof name, &err), BNX_ENOTFOUND);
    make_latest("fig1", 1000);
    make_latest("sweep", 3000);
    make_latest("claims", 9000);  /* the suites' folder: not an experiment */
    make_latest("depth", 2000);
    ck_assert_int_eq(bnx_run_latest_any(runs, name, sizeof name, &err), BNX_OK);
    ck_assert_str_eq(name, "sweep");
    /* a latest that points nowhere is passed over */
    char path[512];
    snprintf(path, sizeof path, "%s/runs/sweep/20260101-000000", dir);
    ck_assert_int_eq(rmdir(path), 0);
    ck_assert_int_eq(bnx_run_latest_any(runs, name, sizeof name, &err), BNX_OK);
    ck_assert_str_eq(name, "depth");
}
END_TEST

Suite *suite_rundir(void)
{
    Suite *s = suite_create("rundir");
    TCase *tc = tcase_create("rundir");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, new_run_dir_is_stamped_and_latest_points_at_it);
    tcase_add_test(tc, new_run_dir_refused_where_latest_is_a_directory);
    tcase_add_test(tc, run_create_lays_out_the_run);
    tcase_add_test(tc, run_create_removes_an_earlier_runs_files_only_with_force);
    tcase_add_test(tc, run_create_refuses_a_trial_directory_that_is_a_link);
    tcase_add_test(tc, latest_any_is_the_run_whose_latest_moved_last);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_rundir)
