/* The launchers other than the local pool (runs/parallel.h, runs/slurm.h)
 * and the trial command they hand out (runs/trial.h): the exact text of
 * commands.txt and slurm.sh for a known plan, paths with spaces and quotes
 * included (and what sh makes of such a command); GNU parallel, sbatch and
 * squeue stood in for by scripts on PATH, to see the arguments they get,
 * the files written and what is noted. */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/paths.h"
#include "runs/parallel.h"
#include "runs/slurm.h"
#include "runs/trial.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "testutil.h"

static char dir[64];
static char *saved_path, *saved_home;
static bnx_spec spec;
static bnx_plan plan;

static void setup(void)
{
    test_tmpdir_create(dir, sizeof dir, "launchers");
    const char *p = getenv("PATH"), *h = getenv("BNEXP_HOME");
    saved_path = p ? strdup(p) : NULL;
    saved_home = h ? strdup(h) : NULL;
}

static void teardown(void)
{
    if (saved_path)
        setenv("PATH", saved_path, 1);
    if (saved_home)
        setenv("BNEXP_HOME", saved_home, 1);
    else
        unsetenv("BNEXP_HOME");
    free(saved_path), free(saved_home);
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL), signal(SIGHUP, SIG_DFL);
    bnx_spec_free(&spec);
    bnx_plan_free(&plan);
    test_tmpdir_remove(dir);
}

/* dir/rel (a static buffer per slot). */
static const char *tpath(const char *rel, int slot)
{
    return test_path(dir, rel, slot);
}

/* An executable shell script at dir/bin/NAME; PATH becomes dir/bin only. */
static void fake_program(const char *name, const char *body)
{
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(tpath("bin", 0), &err), BNX_OK);
    char path[600];
    snprintf(path, sizeof path, "%s/bin/%s", dir, name);
    test_write_script(path, body);
    setenv("PATH", tpath("bin", 0), 1);
}

static char *read_text(const char *path)
{
    char *text;
    size_t size;
    bnx_error err;
    ck_assert_msg(bnx_read_file(path, 1 << 20, &text, &size, &err) == BNX_OK, "%s", err.msg);
    return text;
}

/* A plan of variants a (1 thread) and b (2 threads), 2 seeds each:
 * trials a/seed-1, a/seed-2, b/seed-1, b/seed-2. */
static void make_plan(void)
{
    const char *text = "[experiment]\nsteps = 100\nseeds = 2\n[variant.a]\nbn = false\n"
                       "[variant.b]\nbn = true\nthreads = 2\n";
    test_write_file(tpath("e.ini", 0), text, strlen(text));
    bnx_error err;
    ck_assert_int_eq(bnx_spec_load(tpath("e.ini", 0), "e", &spec, &err), BNX_OK);
    ck_assert_int_eq(bnx_plan_build(&spec, 2, &plan, &err), BNX_OK);
    ck_assert_int_eq(plan.num_trials, 4);
    ck_assert_int_eq(plan.trials[2].config.threads, 2);
}

static const bnx_trial_paths quoted = {"/opt/my bnexp/it's", "/runs/a 'b' c", "/home/x y", ""};

START_TEST(trial_command_quotes_every_path)
{
    char buf[BNX_TRIAL_COMMAND_MAX];
    bnx_trial_command(buf, sizeof buf, &quoted, 3);
    ck_assert_str_eq(buf, "BNEXP_HOME='/home/x y' '/opt/my bnexp/it'\\''s' trial "
                          "'/runs/a '\\''b'\\'' c' 3");
    bnx_trial_paths w = quoted;
    w.home[0] = '\0'; /* BNEXP_HOME unset: not passed on */
    bnx_trial_command(buf, sizeof buf, &w, -1);
    ck_assert_str_eq(buf, "'/opt/my bnexp/it'\\''s' trial '/runs/a '\\''b'\\'' c'");
    /* an installed bnexp, or BNEXP_DATASETS: the datasets folder passed on */
    snprintf(w.datasets, sizeof w.datasets, "/data/it's here");
    bnx_trial_command(buf, sizeof buf, &w, 0);
    ck_assert_str_eq(buf, "BNEXP_DATASETS='/data/it'\\''s here' '/opt/my bnexp/it'\\''s' trial "
                          "'/runs/a '\\''b'\\'' c' 0");
}
END_TEST

/* The datasets folder is passed on when BNEXP_DATASETS names it (as an
 * absolute path), not in a checkout without it. */
START_TEST(trial_paths_pass_on_the_datasets_folder)
{
    bnx_trial_paths w;
    bnx_error err;
    const char *was = getenv("BNEXP_DATASETS"), *home = getenv("BNEXP_HOME");
    char saved[PATH_MAX] = "", saved_home[PATH_MAX] = "", want[PATH_MAX];
    if (was)
        snprintf(saved, sizeof saved, "%s", was);
    if (home)
        snprintf(saved_home, sizeof saved_home, "%s", home);
    unsetenv("BNEXP_DATASETS");
    setenv("BNEXP_HOME", dir, 1); /* a checkout-like tree: never "installed" */
    ck_assert_int_eq(bnx_trial_paths_find(dir, &w, &err), BNX_OK);
    ck_assert_str_eq(w.datasets, "");
    setenv("BNEXP_DATASETS", dir, 1);
    ck_assert_int_eq(bnx_trial_paths_find(dir, &w, &err), BNX_OK);
    ck_assert_ptr_nonnull(realpath(dir, want));
    ck_assert_str_eq(w.datasets, want);
    if (was)
        setenv("BNEXP_DATASETS", saved, 1);
    else
        unsetenv("BNEXP_DATASETS");
    if (home)
        setenv("BNEXP_HOME", saved_home, 1);
    else
        unsetenv("BNEXP_HOME");
}
END_TEST

START_TEST(trial_command_gives_sh_the_paths_unchanged)
{
    /* a stand-in for bnexp whose path has a space and a quote */
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(tpath("bin dir", 0), &err), BNX_OK);
    bnx_trial_paths w = {0};
    snprintf(w.exe, sizeof w.exe, "%s/bin dir/it's bnexp", dir);
    snprintf(w.run, sizeof w.run, "%s/run 'x' y", dir);
    snprintf(w.home, sizeof w.home, "%s/home $HOME `x`", dir);
    const char *script = "#!/bin/sh\nprintf '%s|%s|%s|%s' \"$BNEXP_HOME\" \"$1\" \"$2\" \"$3\"\n";
    test_write_file(w.exe, script, strlen(script));
    ck_assert_int_eq(chmod(w.exe, 0755), 0);
    char command[BNX_TRIAL_COMMAND_MAX], out[4096] = "", want[3 * PATH_MAX];
    bnx_trial_command(command, sizeof command, &w, 12);
    FILE *p = popen(command, "r"); /* sh -c COMMAND */
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    snprintf(want, sizeof want, "%s|trial|%s|12", w.home, w.run);
    ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(commands_txt_has_a_trial_command_a_line)
{
    char *text;
    size_t len;
    int pending[] = {0, 2, 5};
    bnx_error err;
    ck_assert_int_eq(bnx_parallel_commands(&quoted, pending, 3, &text, &len, &err), BNX_OK);
    const char *prefix = "BNEXP_HOME='/home/x y' '/opt/my bnexp/it'\\''s' trial "
                         "'/runs/a '\\''b'\\'' c'";
    char want[2048];
    snprintf(want, sizeof want, "%s 0\n%s 2\n%s 5\n", prefix, prefix, prefix);
    ck_assert_str_eq(text, want);
    ck_assert_uint_eq(len, strlen(want));
    free(text);
    ck_assert_int_eq(bnx_parallel_commands(&quoted, pending, 0, &text, &len, &err), BNX_OK);
    ck_assert_str_eq(text, "");
    ck_assert_uint_eq(len, 0);
    free(text);
}
END_TEST

START_TEST(parallel_runs_over_commands_txt)
{
    setenv("BNEXP_HOME", dir, 1);
    fake_program("parallel", "for a; do echo \"$a\"; done > \"$BNEXP_HOME/args\"; exit 3");
    const char *run = tpath("run 'q'", 1);
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(run, &err), BNX_OK);
    int pending[] = {1, 3}, stopped_by = -1;
    bnx_parallel_opts o = {5, "2/:"};
    test_notes[0] = '\0';
    ck_assert_msg(bnx_parallel_run(run, pending, 2, &o, test_keep_note, NULL, &stopped_by, &err) ==
                  BNX_OK, "%s", err.msg);
    ck_assert_int_eq(stopped_by, 0);
    bnx_trial_paths w;
    ck_assert_int_eq(bnx_trial_paths_find(run, &w, &err), BNX_OK);
    char want[6 * PATH_MAX], path[PATH_MAX + 64];
    snprintf(want, sizeof want,
             "S wrote %s/commands.txt (2 trial commands, for GNU parallel or xargs)\n"
             "S parallel --jobs 5 --sshlogin 2/: --joblog %s/logs/parallel.log --arg-file "
             "%s/commands.txt\n"
             "S GNU parallel: 3 trial command(s) did not end with status 0 (see "
             "%s/logs/parallel.log)\n", w.run, w.run, w.run, w.run);
    ck_assert_str_eq(test_notes, want);
    /* its arguments */
    char *args = read_text(tpath("args", 2));
    snprintf(want, sizeof want, "--jobs\n5\n--line-buffer\n--joblog\n%s/logs/parallel.log\n"
             "--sshlogin\n2/:\n--arg-file\n%s/commands.txt\n", w.run, w.run);
    ck_assert_str_eq(args, want);
    free(args);
    /* commands.txt: the two trials, BNEXP_HOME passed on */
    snprintf(path, sizeof path, "%s/commands.txt", w.run);
    char *text = read_text(path), *expected;
    size_t len;
    ck_assert_int_eq(bnx_parallel_commands(&w, pending, 2, &expected, &len, &err), BNX_OK);
    ck_assert_str_eq(text, expected);
    ck_assert_ptr_nonnull(strstr(text, " 3\n"));
    ck_assert_ptr_nonnull(strstr(text, "BNEXP_HOME='"));
    free(text), free(expected);
    ck_assert(bnx_is_dir(tpath("run 'q'/logs", 3)));
}
END_TEST

START_TEST(parallel_missing_is_said)
{
    bnx_error err;
    unsetenv("BNEXP_HOME");
    setenv("PATH", tpath("nothing-here", 0), 1);
    ck_assert_int_eq(bnx_parallel_check(&err), BNX_ENOTFOUND);
    ck_assert_str_eq(err.msg, "run --launcher parallel: GNU parallel is not on PATH (Debian: "
                              "apt-get install parallel); nothing was created");
    /* run without the check: the exec fails, and both ends say so (not
       under valgrind, whose execve of a missing program does not fail in
       the child as the kernel's does) */
    if (test_under_valgrind())
        return;
    int pending[] = {0}, stopped_by;
    bnx_parallel_opts o = {1, NULL};
    test_notes[0] = '\0';
    ck_assert_int_eq(bnx_parallel_run(dir, pending, 1, &o, test_keep_note, NULL, &stopped_by, &err),
                     BNX_EIO);
    ck_assert_str_eq(err.msg, "GNU parallel could not be started");
    ck_assert_ptr_nonnull(strstr(test_notes, "S cannot run parallel: No such file or directory\n"));
}
END_TEST

START_TEST(slurm_array_lists)
{
    char buf[128];
    int a[] = {0, 1, 2, 3, 5, 7, 8, 9};
    bnx_slurm_array_list(buf, sizeof buf, a, 8);
    ck_assert_str_eq(buf, "0-3,5,7-9");
    int b[] = {4};
    bnx_slurm_array_list(buf, sizeof buf, b, 1);
    ck_assert_str_eq(buf, "4");
    int c[] = {2, 4, 6};
    bnx_slurm_array_list(buf, sizeof buf, c, 3);
    ck_assert_str_eq(buf, "2,4,6");
    bnx_slurm_array_list(buf, sizeof buf, c, 0);
    ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(slurm_script_for_a_known_plan)
{
    make_plan();
    char *text;
    size_t len;
    bnx_error err;
    int pending[] = {0, 1, 3}; /* b seed-2 has 2 threads */
    bnx_slurm_opts o = {"--partition=gpu --time=1:00", 2, 0};
    ck_assert_int_eq(bnx_slurm_script(&plan, &quoted, pending, 3, &o, &text, &len, &err), BNX_OK);
    ck_assert_str_eq(text,
        "#!/bin/sh\n"
        "# The trials of /runs/a 'b' c as a Slurm job array: array task INDEX runs trial INDEX\n"
        "# of plan.json (bnexp trial RUN takes INDEX from SLURM_ARRAY_TASK_ID).\n"
        "# Written by `bnexp run --launcher slurm`, which submitted it with sbatch.\n"
        "#SBATCH --job-name=bnexp-e\n"
        "#SBATCH --array=0-1,3%2\n"
        "#SBATCH --cpus-per-task=2\n"
        "# sbatch --output=/runs/a 'b' c/logs/%A_%a.out (on sbatch's command line: an #SBATCH "
        "line cannot hold every path)\n"
        "#SBATCH --partition=gpu --time=1:00\n"
        "exec env BNEXP_HOME='/home/x y' '/opt/my bnexp/it'\\''s' trial '/runs/a '\\''b'\\'' c'\n");
    ck_assert_uint_eq(len, strlen(text));
    free(text);
    /* no limit, no options, one thread */
    bnx_slurm_opts plain = {"", 0, 0};
    ck_assert_int_eq(bnx_slurm_script(&plan, &quoted, pending, 2, &plain, &text, &len, &err),
                     BNX_OK);
    ck_assert_ptr_nonnull(strstr(text, "\n#SBATCH --array=0-1\n#SBATCH --cpus-per-task=1\n"));
    ck_assert_ptr_null(strstr(text, "#SBATCH --partition"));
    ck_assert_ptr_nonnull(strstr(text, "every path)\nexec env "));
    free(text);
}
END_TEST

START_TEST(slurm_submit_records_the_job)
{
    make_plan();
    unsetenv("BNEXP_HOME");
    fake_program("sbatch", "echo \"$@\" > \"${3%/*}/sbatch.args\"\n" /* sh's builtins only */
                           "echo 'sbatch: warning: x' >&2\necho 777");
    const char *run = tpath("run", 1);
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(run, &err), BNX_OK);
    int pending[] = {0, 1}, stopped_by = -1;
    bnx_slurm_opts o = {NULL, 0, 0};
    test_notes[0] = '\0';
    ck_assert_msg(bnx_slurm_submit(&plan, run, pending, 2, &o, test_keep_note, NULL, &stopped_by,
                                   &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(stopped_by, 0);
    char abs[PATH_MAX], want[4 * PATH_MAX];
    ck_assert_ptr_nonnull(realpath(run, abs));
    snprintf(want, sizeof want,
             "Q sbatch: sbatch: warning: x\n"
             "S submitted Slurm job 777: 2 trial(s) as array 0-1 (%s/slurm.sh), logs in %s/logs/\n"
             "S follow it with: bnexp status --run %s; when it is done: bnexp collect --run %s\n",
             abs, run, run, run);
    ck_assert_str_eq(test_notes, want);
    char *args = read_text(tpath("run/sbatch.args", 2));
    snprintf(want, sizeof want, "--parsable --output=%s/logs/%%A_%%a.out %s/slurm.sh\n", abs, abs);
    ck_assert_str_eq(args, want);
    free(args);
    struct stat st;
    ck_assert_int_eq(stat(tpath("run/slurm.sh", 2), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0755);
    char *script = read_text(tpath("run/slurm.sh", 2));
    ck_assert_ptr_nonnull(strstr(script, "#SBATCH --array=0-1\n"));
    ck_assert_ptr_null(strstr(script, "BNEXP_HOME"));
    free(script);
    /* a second submission: both in slurm.json, the newest last */
    int rest[] = {2, 3};
    ck_assert_int_eq(bnx_slurm_submit(&plan, run, rest, 2, &o, NULL, NULL, &stopped_by, &err),
                     BNX_OK);
    char ids[4][32];
    ck_assert_int_eq(bnx_slurm_jobs(run, ids, 4), 2);
    ck_assert_str_eq(ids[0], "777");
    ck_assert_str_eq(ids[1], "777");
    char *json = read_text(tpath("run/slurm.json", 2));
    ck_assert_ptr_nonnull(strstr(json, "\"array\":\t\"0-1\""));
    ck_assert_ptr_nonnull(strstr(json, "\"array\":\t\"2-3\""));
    free(json);
    ck_assert_int_eq(bnx_slurm_jobs(run, ids, 1), 1); /* the last one only */
    ck_assert_int_eq(bnx_slurm_jobs(dir, ids, 4), 0); /* no slurm.json */
    /* a '%' in the run directory is doubled in the logs' filename pattern */
    const char *pct = tpath("100%a run", 1);
    ck_assert_int_eq(bnx_mkdir_p(pct, &err), BNX_OK);
    ck_assert_int_eq(bnx_slurm_submit(&plan, pct, rest, 2, &o, NULL, NULL, &stopped_by, &err),
                     BNX_OK);
    args = read_text(tpath("100%a run/sbatch.args", 2));
    ck_assert_ptr_nonnull(strstr(args, "/100%%a run/logs/%A_%a.out "));
    free(args);
}
END_TEST

START_TEST(slurm_refusal_is_said_and_not_recorded)
{
    make_plan();
    fake_program("sbatch", "echo 'sbatch: error: invalid partition' >&2; exit 1");
    const char *run = tpath("run", 1);
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(run, &err), BNX_OK);
    int pending[] = {0}, stopped_by;
    bnx_slurm_opts o = {"--partition=nope", 0, 0};
    ck_assert_int_eq(bnx_slurm_submit(&plan, run, pending, 1, &o, NULL, NULL, &stopped_by, &err),
                     BNX_EINVAL);
    char abs[PATH_MAX], want[3 * PATH_MAX];
    ck_assert_ptr_nonnull(realpath(run, abs));
    snprintf(want, sizeof want, "sbatch refused the job (exit 1): sbatch: error: invalid "
             "partition\nnothing was submitted; %s/slurm.sh holds the script; once the options "
             "are right: bnexp run e --resume %s --launcher slurm [--sbatch ...]", abs, run);
    ck_assert_str_eq(err.msg, want);
    ck_assert(!bnx_is_file(tpath("run/slurm.json", 2)));
    ck_assert(bnx_is_file(tpath("run/slurm.sh", 2)));
    /* nothing to submit: nothing run, nothing written */
    test_notes[0] = '\0';
    ck_assert_int_eq(bnx_slurm_submit(&plan, dir, pending, 0, &o, test_keep_note, NULL, &stopped_by,
                                      &err), BNX_OK);
    ck_assert_str_eq(test_notes, "S every trial has finished: nothing to submit\n");
    ck_assert(!bnx_is_file(tpath("slurm.sh", 2)));
    /* the tools' check */
    setenv("PATH", tpath("nothing-here", 0), 1);
    ck_assert_int_eq(bnx_slurm_check(&o, NULL, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "sbatch is not on PATH"));
    /* a backslash turns off sbatch's filename pattern: refused before the
     * tools are looked for */
    ck_assert_int_eq(bnx_slurm_check(&o, "/runs/a\\b", &err), BNX_EINVAL);
    ck_assert_str_eq(err.msg, "run --launcher slurm: the run directory /runs/a\\b holds a "
                     "backslash, which turns off sbatch's %A_%a in the name of each array task's "
                     "log (sbatch(1), filename pattern): every task would write one file; run in "
                     "a directory without one; nothing was created");
    /* the log file is bnexp's to name */
    bnx_slurm_opts named = {"--time=10 --output=/tmp/x.out", 0, 0};
    ck_assert_int_eq(bnx_slurm_check(&named, NULL, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "names the tasks' log file (--output=/tmp/x.out)"));
    named.sbatch = "-o x.out";
    ck_assert_int_eq(bnx_slurm_check(&named, NULL, &err), BNX_EINVAL);
    named.sbatch = "--open-mode=append --time=5";
    ck_assert_int_eq(bnx_slurm_check(&named, NULL, &err), BNX_ENOTFOUND); /* then sbatch's absence */
}
END_TEST

START_TEST(slurm_queue_states_by_trial)
{
    fake_program("squeue", "echo '777_0 PD'; echo '777_2 R'; echo '777_3 CG'; echo '777_9 R'; "
                           "echo '778 R'");
    char state[4];
    ck_assert_int_eq(bnx_slurm_queue("777", state, 4), 0);
    ck_assert_int_eq(state[0], 'P');
    ck_assert_int_eq(state[1], 0);
    ck_assert_int_eq(state[2], 'R');
    ck_assert_int_eq(state[3], 'R');
    fake_program("squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
    ck_assert_int_eq(bnx_slurm_queue("777", state, 4), 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(state[i], 0);
    setenv("PATH", tpath("nothing-here", 0), 1);
    if (!test_under_valgrind()) /* as parallel_missing_is_said */
        ck_assert_int_eq(bnx_slurm_queue("777", state, 4), -1);
}
END_TEST

START_TEST(slurm_wait_follows_the_queue)
{
    make_plan();
    /* the job's tasks 0 and 1 queued for two looks, then gone */
    char body[1024];
    snprintf(body, sizeof body, "n=0; [ -f '%s/n' ] && read n < '%s/n'; echo $((n + 1)) > '%s/n'\n"
             "[ \"$n\" -lt 2 ] && { echo '5_0 PD'; echo '5_1 R'; }\nexit 0", dir, dir, dir);
    fake_program("squeue", body);
    fake_program("sbatch", "echo 5");
    bnx_error err;
    int pending[] = {0, 1}, stopped_by = -1;
    bnx_slurm_opts o = {NULL, 0, 1};
    ck_assert_int_eq(bnx_slurm_check(&o, NULL, &err), BNX_OK);
    test_notes[0] = '\0';
    ck_assert_msg(bnx_slurm_submit(&plan, dir, pending, 2, &o, test_keep_note, NULL, &stopped_by,
                                   &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(stopped_by, 0);
    const char *waited = strstr(test_notes, "S Slurm job 5: 2 in the queue; 4 pending\n"
                                       "S Slurm job 5: 0 in the queue; 4 pending\n");
    ck_assert_msg(waited != NULL, "%s", test_notes);
    ck_assert_str_eq(waited + strlen("S Slurm job 5: 2 in the queue; 4 pending\n"
                                     "S Slurm job 5: 0 in the queue; 4 pending\n"), "");
}
END_TEST

Suite *suite_launchers(void)
{
    Suite *s = suite_create("launchers");
    TCase *tc = tcase_create("launchers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, trial_command_quotes_every_path);
    tcase_add_test(tc, trial_paths_pass_on_the_datasets_folder);
    tcase_add_test(tc, trial_command_gives_sh_the_paths_unchanged);
    tcase_add_test(tc, commands_txt_has_a_trial_command_a_line);
    tcase_add_test(tc, parallel_runs_over_commands_txt);
    tcase_add_test(tc, parallel_missing_is_said);
    tcase_add_test(tc, slurm_array_lists);
    tcase_add_test(tc, slurm_script_for_a_known_plan);
    tcase_add_test(tc, slurm_submit_records_the_job);
    tcase_add_test(tc, slurm_refusal_is_said_and_not_recorded);
    tcase_add_test(tc, slurm_queue_states_by_trial);
    tcase_add_test(tc, slurm_wait_follows_the_queue);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_launchers)
