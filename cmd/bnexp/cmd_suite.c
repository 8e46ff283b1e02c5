/* bnexp run claims: every experiment with a verdict rule, each its own run
 * directory, their trials in one queue longest first (runs/suite.h); each
 * experiment's verdicts as soon as its last trial ends, then the claims
 * table (write_claims). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/paths.h"
#include "analysis/claims_run.h"
#include "runs/tables.h"
#include "runs/rundir.h"
#include "runs/suite.h"

static bnx_suite suite; /* large: off the stack */
static int tty, failed;

static void show_status(void)
{
    char line[1024];
    bnx_suite_status_line(&suite, line, sizeof line);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
}

static void show_progress(void *ctx, int member, int i)
{
    const bnx_suite_member *m = &suite.members[member];
    char prefix[80];
    (void)ctx;
    snprintf(prefix, sizeof prefix, "%s: ", m->plan.experiment);
    if (tty)
        show_status();
    else
        cli_show_trial(prefix, &m->plan.trials[i], &m->trials[i], 0);
}

static void show_ended(void *ctx, int member, int i)
{
    const bnx_suite_member *m = &suite.members[member];
    char prefix[80], status[1024];
    (void)ctx;
    snprintf(prefix, sizeof prefix, "%s ", m->plan.experiment);
    if (tty)
        fprintf(stderr, "\r\033[K");
    cli_show_trial(prefix, &m->plan.trials[i], &m->trials[i], 1);
    bnx_suite_status_line(&suite, status, sizeof status);
    char *running = strstr(status, " | ");
    if (!tty && running) /* the counts and the ETA, without the running trials */
        *running = '\0';
    fprintf(stderr, tty ? "%s" : "bnexp: %s\n", status);
}

static void show_stopping(void *ctx, int sig, int nth)
{
    (void)ctx;
    cli_show_stopping(tty, sig, nth);
}

static void show_not_started(void *ctx, const bnx_error *err)
{
    (void)ctx;
    cli_report(err);
}

/* Every queued trial of member `member` has ended: its summary.csv, the
 * failed trials named, its verdicts. */
static void decide(void *ctx, int member)
{
    bnx_suite_member *m = &suite.members[member];
    static bnx_collect_info info;
    bnx_strbuf sb = {0};
    bnx_error err;
    (void)ctx;
    m->done = 1;
    if (tty)
        fprintf(stderr, "\r\033[K");
    int rc = cli_collect_summary(m->run, &m->plan, &info);
    failed |= rc ? rc : cli_finish_message(&m->plan, &info, m->plan.experiment, m->run);
    bnx_collect_free(&info);
    if (bnx_verdict_lines(m->run, m->plan.experiment, &sb, &err) != BNX_OK)
        failed |= cli_report(&err);
    for (char *save = NULL, *line = strtok_r(sb.p, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        printf("%s: %s\n", m->plan.experiment, line);
    fflush(stdout);
    free(sb.p);
}

/* The experiments with a verdict rule (all, or those of --only), planned
 * with --seeds, as the suite's members, in the claims table's order. */
static int add_experiments(const char *only, int seeds)
{
    char exp_dir[4096];
    bnx_error err;
    bnx_claims_experiment *list = NULL;
    int n = 0, rc = bnx_home_path(exp_dir, sizeof exp_dir, "experiments", &err) ||
                    bnx_claims_experiments(exp_dir, only, &list, &n, &err);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = bnx_suite_add_experiment(&suite, list[i].file, list[i].name, seeds,
                                      BNX_VERSION " (" BNX_GITREV ")", &err);
    free(list);
    return rc ? cli_error(err.code == BNX_EINVAL ? 2 : 1, "run claims: %s; nothing run", err.msg)
              : 0;
}

enum { LOCAL, PARALLEL, SLURM };

/* Every member due its second look gets the seeds (cli_second_look); one
 * that cannot is reported, failing the suite, and the others go on.
 * Returns how many got seeds. */
static int add_second_stages(void)
{
    int n = 0;
    for (int i = 0; i < suite.num_members; i++) {
        bnx_suite_member *m = &suite.members[i];
        char who[96];
        int added = 0;
        snprintf(who, sizeof who, "run claims: %s", m->plan.experiment);
        failed |= cli_second_look(who, m->run, m->plan.experiment, &added);
        n += added > 0;
    }
    return n;
}

/* Run the queue (the suite made or opened and prepared), collect and
 * decide every experiment; with `looks` 2, add the second stage of the
 * experiments whose two-stage rules are inconclusive at the first look and
 * run those trials as a resumed suite (`second_pass`: this is that run,
 * which collects only the members it ran); then write the claims table. */
static int run(int launcher, int jobs, int resume, const bnx_slurm_opts *slurm,
               const char *sshlogin, int looks, int second_pass)
{
    bnx_error err;
    int total, done, stopped = 0, rc = 0;
    if ((launcher == PARALLEL && bnx_parallel_check(&err)) ||
        (launcher == SLURM && bnx_slurm_check(slurm, NULL, &err)) ||
        (!resume && bnx_suite_create(&suite, "runs", &err)))
        return cli_report(&err);
    bnx_suite_counts(&suite, &total, &done);
    fprintf(stderr, "bnexp: run claims: %s%s%s%d experiment(s), %d of %d trial(s) to run in one "
            "queue, longest first (%s)\n", resume ? "resuming " : "suite ", suite.dir,
            resume ? ": " : ", ", suite.num_members, suite.num_queue, total,
            launcher == SLURM ? "a Slurm job array" : launcher == PARALLEL ? "GNU parallel"
                                                                           : "this machine");
    signal(SIGPIPE, SIG_IGN);
    if (launcher == LOCAL) {
        bnx_suite_display d = {{show_progress, show_ended, show_stopping, show_not_started, NULL},
                               decide};
        rc = bnx_suite_run_local(&suite, jobs, &d, &stopped, &err);
        if (tty)
            fprintf(stderr, "\r\033[K");
    } else {
        bnx_trial_data_free(suite.data, suite.num_data); /* before waiting for others */
        suite.num_data = 0;
        bnx_parallel_opts po = {jobs, sshlogin};
        rc = launcher == PARALLEL ? bnx_suite_parallel(&suite, &po, cli_note, NULL, &stopped, &err)
                                  : bnx_suite_slurm(&suite, slurm, cli_note, NULL, &stopped, &err);
    }
    if (rc)
        return cli_report(&err);
    if (launcher == SLURM && !slurm->wait && !stopped && suite.num_queue > 0) {
        fprintf(stderr, "bnexp: when the job has ended, `bnexp run claims --resume %s "
                "--launcher slurm` collects every experiment, submits the second look of those "
                "that need one, and writes the claims table (--first-look: no second look)\n",
                suite.dir);
        return 0;
    }
    if (stopped)
        return cli_error(128 + stopped, "run claims: stopped; `bnexp run claims --resume %s` "
                         "continues every unfinished trial of the suite", suite.dir);
    for (int m = 0; m < suite.num_members; m++) /* the second look decides just its own */
        if (!suite.members[m].done && (!second_pass || suite.members[m].queued))
            decide(NULL, m);
    int second = looks == 2 && !second_pass ? add_second_stages() : 0;
    if (second > 0) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", suite.dir);
        bnx_suite_free(&suite);
        if (bnx_suite_open(dir, &suite, &err) ||
            bnx_suite_prepare(&suite, 0, cli_note, NULL, &err))
            return cli_report(&err);
        fprintf(stderr, "bnexp: run claims: the second look of %d experiment(s)\n", second);
        return run(launcher, jobs, 1, slurm, sshlogin, looks, 1);
    }
    rc = write_claims(suite.runs, NULL, 1, 1);
    return rc ? rc : failed ? 1 : 0;
}

int cmd_run_claims(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'},     {"seeds", required_argument, NULL, 's'},
        {"only", required_argument, NULL, 'o'},     {"dry-run", no_argument, NULL, 'd'},
        {"resume", optional_argument, NULL, 'r'},   {"launcher", required_argument, NULL, 'L'},
        {"sbatch", required_argument, NULL, 'B'},   {"max-parallel", required_argument, NULL, 'M'},
        {"sshlogin", required_argument, NULL, 'H'}, {"wait", no_argument, NULL, 'W'},
        {"first-look", no_argument, NULL, 'F'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *only = NULL, *resume_dir = NULL, *sshlogin = NULL;
    bnx_slurm_opts slurm = {NULL, 0, 0};
    int jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), seeds = 0, dry = 0, resume = 0, launcher = LOCAL;
    int looks = 2; /* --first-look: 1 */
    int jobs_given = 0, planning = 0; /* --seeds, --only, --dry-run: not with --resume */
    char *end;
    opterr = 0;
    optind = 0;
    for (int ch; (ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1;) {
        long v = strchr("jsM", ch) ? strtol(optarg, &end, 10) : 1;
        if (strchr("jsM", ch) && (end == optarg || *end || v < 1 || v > 1024))
            return cli_error(2, "run claims: %s: expected a whole number from 1 to 1024", optarg);
        planning += strchr("sod", ch) != NULL;
        switch (ch) {
        case 'j': jobs = (int)v, jobs_given = 1; break;
        case 's': seeds = (int)v; break;
        case 'o': only = optarg; break;
        case 'd': dry = 1; break;
        case 'r': resume = 1, resume_dir = optarg; break;
        case 'L':
            launcher = !strcmp(optarg, "local") ? LOCAL : !strcmp(optarg, "parallel") ? PARALLEL
                     : !strcmp(optarg, "slurm") ? SLURM : -1;
            if (launcher < 0)
                return cli_error(2, "run claims: --launcher %s: expected local, parallel or slurm",
                                 optarg);
            break;
        case 'B': slurm.sbatch = optarg; break;
        case 'M': slurm.max_parallel = (int)v; break;
        case 'W': slurm.wait = 1; break;
        case 'H': sshlogin = optarg; break;
        case 'F': looks = 1; break;
        case 'h': return cli_print_help("run");
        default: return cli_bad_option("run claims", ch, argv);
        }
    }
    if (resume && !resume_dir && optind == argc - 1)
        resume_dir = argv[optind++];
    if (optind < argc)
        return cli_error(2, "run claims: unexpected argument '%s'", argv[optind]);
    if ((slurm.sbatch || slurm.max_parallel || slurm.wait) && launcher != SLURM)
        return cli_error(2, "run claims: --sbatch, --max-parallel and --wait go with --launcher slurm");
    if (sshlogin && launcher != PARALLEL)
        return cli_error(2, "run claims: --sshlogin goes with --launcher parallel");
    if (jobs_given && launcher == SLURM)
        return cli_error(2, "run claims: --jobs is for the local and parallel launchers");
    if (resume && planning)
        return cli_error(2, "run claims: --resume continues a suite as it was planned; only "
                            "--jobs and the launcher's options can be given with it");
    bnx_error err;
    bnx_strbuf sb = {0};
    int rc = resume ? 0 : add_experiments(only, seeds);
    if (rc == 0 && resume &&
        bnx_suite_open(resume_dir ? resume_dir : "runs/claims/latest", &suite, &err))
        rc = cli_report(&err);
    if (rc == 0 && bnx_suite_prepare(&suite, !resume, cli_note, NULL, &err))
        rc = cli_error(err.code == BNX_EINVAL ? 2 : 1, "run claims: %s; nothing run", err.msg);
    tty = isatty(STDERR_FILENO);
    if (rc == 0)
        rc = dry ? (bnx_table_suite(&suite, jobs, &sb), cli_print_text(&sb))
                 : run(launcher, jobs, resume, &slurm, sshlogin, looks, 0);
    bnx_suite_free(&suite);
    return rc;
}
