/* bnexp run: train every variant of an experiment, one process per trial. */
#include <cblas.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "core/paths.h"
#include "core/timer.h"
#include "data/registry.h"
#include "train/checkpoint.h"
#include "train/memory.h"
#include "core/file.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "train/trainer.h"
#include "runs/rundir.h"
#include "runs/trial.h"
#include "core/signals.h"
#include "runs/parallel.h"
#include "runs/slurm.h"
#include "io/atomic.h"

enum { LAUNCH_LOCAL, LAUNCH_PARALLEL, LAUNCH_SLURM };

/* --launcher and its options. */
typedef struct launch_opts {
    int launcher;          /* LAUNCH_* */
    const char *sshlogin;  /* parallel: --sshlogin, or NULL */
    const char *sbatch;    /* slurm: --sbatch, or NULL */
    int max_parallel;      /* slurm: --max-parallel, 0 for no limit */
    int wait;              /* slurm: --wait */
} launch_opts;

/* The launcher called `name` ("local", "parallel", "slurm"), or -1. */
static int launcher_named(const char *name)
{
    static const char *const names[] = {"local", "parallel", "slurm"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* A trial as the parent process sees it. */
typedef struct job {
    const bnx_plan_trial *trial; /* its entry in the run's plan */
    const bnx_trial_data *data; /* its dataset */
    bnx_config config;   /* the plan's config of the trial */
    unsigned char identity[32]; /* its checkpoint identity (bnx_plan_identity) */
    char dir[4200];
    pid_t pid;
    int fd;              /* read end of the child's report pipe, -1 when closed */
    char buf[4096];      /* partial line from the pipe */
    size_t len;
    long step, total;    /* latest progress */
    double accuracy, rate;
    bnx_trial_result result; /* the child's result (status failed until it reports) */
    int has_result;
    char error[1024];    /* the child's failure message */
    int exit_status;
    int finished;
} job;

typedef struct run_state {
    job *jobs;           /* the plan's trials, in its order (malloc'd) */
    int num_jobs;
    int *order;          /* the order trials start in: every variant's first
                            seed, then every variant's second, ... (malloc'd) */
    int num_seeds;       /* most seeds of any variant */
    int num_variants;
    int tty;             /* stderr is a terminal: one status line, redrawn */
    struct pollfd *pfd;  /* pump's work space, num_jobs each (malloc'd) */
    job **owner;
    const bnx_trial_data *data; /* the datasets, loaded once (the children share them) */
    int num_data;
    const char *out;     /* the run directory */
} run_state;

/* ---- signals ----
 * SIGINT, SIGTERM and SIGHUP reach the parent only: each trial process is
 * in a process group of its own, so a Ctrl-C at the terminal is not seen
 * twice.  The parent forwards every such signal to the running trials,
 * which handle them as every trial does (bnx_trial_catch_signals).
 * These flags are the only mutable state at file scope: a signal handler
 * can reach nothing else. */

static volatile sig_atomic_t signals_seen; /* parent: signals received so far */
static volatile sig_atomic_t first_signal; /* parent: the first of them */
static volatile sig_atomic_t last_signal;  /* parent: the latest, to forward */

static void parent_on_signal(int sig)
{
    if (signals_seen == 0)
        first_signal = sig;
    last_signal = sig;
    signals_seen++;
}

/* ---- the child: one trial (bnx_trial_execute), reporting over a pipe ---- */

typedef struct child_ctx {
    int fd;
} child_ctx;

static void child_send(int fd, char kind, const char *text)
{
    char line[2048];
    int n = snprintf(line, sizeof line, "%c %s\n", kind, text);
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1, line[n - 1] = '\n';
    ssize_t unused = write(fd, line, (size_t)n); /* one write: lines never interleave */
    (void)unused;
}

static void child_progress(void *ctx, const bnx_record *r, long total_steps)
{
    const child_ctx *c = ctx;
    char text[256];
    snprintf(text, sizeof text, "%ld %ld %.6f %.3f", r->step, total_steps, r->test_accuracy,
             r->wall_time_s);
    child_send(c->fd, 'P', text);
}

static int child_main(const bnx_plan *plan, const char *out, int index, const bnx_trial_data *data,
                      int num_data, int fd)
{
    bnx_trial_result result;
    bnx_error err;
    child_ctx ctx = {fd};
    int already;
    if (bnx_trial_execute(plan, out, index, data, num_data, child_progress, &ctx, &result,
                          &already, &err)) {
        char text[1100];
        snprintf(text, sizeof text, "%s", err.msg);
        child_send(fd, 'E', text);
        return 1;
    }
    /* The result struct travels as hex: parent and child are one program. */
    char hex[2 * sizeof result + 1];
    const unsigned char *bytes = (const unsigned char *)&result;
    for (size_t i = 0; i < sizeof result; i++)
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    child_send(fd, 'R', hex);
    return 0;
}

/* ---- the parent: start trials, show progress, collect results ---- */

static void show_status(run_state *st)
{
    char line[1024] = "";
    size_t used = 0;
    for (int i = 0; i < st->num_jobs; i++) {
        job *j = &st->jobs[i];
        if (j->pid <= 0 || j->finished || j->total == 0)
            continue;
        char eta[32];
        bnx_format_eta(eta, sizeof eta, j->rate > 0 ? (j->total - j->step) / j->rate : NAN);
        char seed[32] = "";
        if (st->num_seeds > 1)
            snprintf(seed, sizeof seed, " s%ld", j->config.seed);
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s%s %ld/%ld %.0f steps/s acc %.4f ETA %s",
                                 used ? " | " : "", j->trial->variant, seed, j->step, j->total,
                                 j->rate, j->accuracy, eta);
        if (used >= sizeof line)
            break;
    }
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
}

static void handle_line(run_state *st, job *j, const char *line)
{
    if (line[0] == 'P') {
        double wall = 0;
        if (sscanf(line + 2, "%ld %ld %lf %lf", &j->step, &j->total, &j->accuracy, &wall) == 4)
            j->rate = wall > 0 ? j->step / wall : 0;
        if (st->tty) {
            show_status(st);
        } else {
            char text[512];
            bnx_trial_progress_line(text, sizeof text, j->trial->variant, j->config.seed, j->step,
                                    j->total, j->accuracy, j->rate);
            fprintf(stderr, "%s\n", text);
        }
    } else if (line[0] == 'R' && strlen(line + 2) == 2 * sizeof j->result) {
        unsigned char *bytes = (unsigned char *)&j->result;
        for (size_t i = 0; i < sizeof j->result; i++)
            sscanf(line + 2 + 2 * i, "%2hhx", &bytes[i]);
        j->has_result = 1;
    } else if (line[0] == 'E') {
        snprintf(j->error, sizeof j->error, "%s", line + 2);
    }
}

/* Read what is available from a job's pipe; returns 0 at end of file. */
static int drain(run_state *st, job *j)
{
    ssize_t n = read(j->fd, j->buf + j->len, sizeof j->buf - 1 - j->len);
    if (n < 0 && errno == EINTR)
        return 1;
    if (n <= 0)
        return 0;
    j->len += (size_t)n;
    j->buf[j->len] = '\0';
    char *start = j->buf, *nl;
    while ((nl = strchr(start, '\n'))) {
        *nl = '\0';
        handle_line(st, j, start);
        start = nl + 1;
    }
    j->len = strlen(start);
    memmove(j->buf, start, j->len + 1);
    if (j->len == sizeof j->buf - 1)
        j->len = 0; /* an over-long line: drop it */
    return 1;
}

/* Fork the trial process.  The parent has the stop signals blocked here,
 * so the child cannot take one before its own handler is in place. */
static int start_job(const bnx_plan *plan, run_state *st, job *j)
{
    int fds[2];
    if (pipe(fds) != 0)
        return cli_error(1, "cannot create a pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return cli_error(1, "cannot start a trial process: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        setpgid(0, 0);
        bnx_trial_catch_signals();
        _exit(child_main(plan, st->out, (int)(j - st->jobs), st->data, st->num_data, fds[1]));
    }
    setpgid(pid, pid);
    close(fds[1]);
    j->pid = pid;
    j->fd = fds[0];
    return 0;
}

/* Wait for any running job's output or exit; returns the number finished. */
static int pump(run_state *st)
{
    struct pollfd *pfd = st->pfd;
    job **owner = st->owner;
    int count = 0;
    for (int i = 0; i < st->num_jobs; i++)
        if (st->jobs[i].pid > 0 && st->jobs[i].fd >= 0) {
            pfd[count] = (struct pollfd){.fd = st->jobs[i].fd, .events = POLLIN};
            owner[count++] = &st->jobs[i];
        }
    if (count == 0)
        return 0;
    /* The stop signals are blocked but while waiting here. */
    sigset_t waiting;
    sigprocmask(SIG_SETMASK, NULL, &waiting);
    bnx_stop_signals_unmask(&waiting);
    if (ppoll(pfd, (nfds_t)count, NULL, &waiting) < 0)
        return 0; /* EINTR: the caller handles the signal and asks again */
    int done = 0;
    for (int i = 0; i < count; i++) {
        if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        job *j = owner[i];
        if (drain(st, j))
            continue;
        close(j->fd);
        j->fd = -1;
        int status = 0;
        waitpid(j->pid, &status, 0);
        j->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (WIFSIGNALED(status) && !j->error[0])
            snprintf(j->error, sizeof j->error, "trial process killed by signal %d", WTERMSIG(status));
        j->finished = 1;
        done++;
    }
    return done;
}

/* RUN/summary.csv from the trial directories (bnx_collect), as `bnexp
 * collect` writes it, into *info.  Returns 0 or the exit status. */
static int collect_summary(const char *out, const bnx_plan *plan, bnx_collect_info *info)
{
    bnx_error err;
    if (bnx_collect(out, plan, info, &err))
        return cli_report(&err);
    if (info->machines > 1)
        fprintf(stderr, "bnexp: warning: the trials ran on machines that select different "
                "kernels, so their numbers may differ in the last bits: %s\n", info->machine_text);
    printf("wrote %s/%s\n", out, BNX_SUMMARY_FILE);
    return 0;
}

/* The end-of-run table on stdout: every trial's state and result as its
 * directory shows it (bnx_collect). */
static void print_table(const bnx_plan *plan, const bnx_collect_info *info)
{
    printf("\n%-16s %5s %-11s %8s %8s %9s %8s\n", "variant", "seed", "status", "final", "best",
           "best_step", "wall_s");
    for (int i = 0; i < info->num_trials; i++) {
        const bnx_trial_result *r = &info->results[i];
        char best_step[32] = "-", final[32] = "-", best[32] = "-", wall[32] = "-";
        if (r->best_step >= 0)
            snprintf(best_step, sizeof best_step, "%ld", r->best_step);
        if (isfinite(r->final_test_accuracy))
            snprintf(final, sizeof final, "%.4f", r->final_test_accuracy);
        if (isfinite(r->best_test_accuracy))
            snprintf(best, sizeof best, "%.4f", r->best_test_accuracy);
        if (info->looks[i].has_manifest && isfinite(r->wall_time_s))
            snprintf(wall, sizeof wall, "%.1f", r->wall_time_s);
        printf("%-16s %5ld %-11s %8s %8s %9s %8s\n", plan->trials[i].variant, plan->trials[i].seed,
               bnx_state_names[info->looks[i].state], final, best, best_step, wall);
    }
}

/* Create a fresh run directory PARENT/YYYYMMDD-HHMMSS (UTC), or with a
 * suffix -2, -3, ... if that exists, into out[size]; then point
 * PARENT/latest at it (a relative symlink, replaced atomically: made under
 * a temporary name, then renamed over the old one).  Returns 0 or an exit
 * status after printing the error. */
static int make_run_dir(const char *parent, char *out, size_t size)
{
    bnx_error err;
    if (bnx_mkdir_p(parent, &err))
        return cli_report(&err);
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32], name[48];
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int k = 1;; k++) {
        if (k == 1)
            snprintf(name, sizeof name, "%s", stamp);
        else
            snprintf(name, sizeof name, "%s-%d", stamp, k);
        if ((size_t)snprintf(out, size, "%s/%s", parent, name) >= size)
            return cli_error(1, "run directory path is too long: %s/...", parent);
        if (mkdir(out, 0777) == 0)
            break;
        if (errno != EEXIST || k == 1000)
            return cli_error(1, "cannot create run directory %s: %s", out, strerror(errno));
    }
    char tmp[4200], latest[4200];
    snprintf(tmp, sizeof tmp, "%s/.latest.tmp.%d", parent, (int)getpid());
    snprintf(latest, sizeof latest, "%s/latest", parent);
    unlink(tmp);
    if (symlink(name, tmp) != 0) {
        int e = errno;
        rmdir(out);
        return cli_error(1, "cannot create symlink %s: %s", tmp, strerror(e));
    }
    if (rename(tmp, latest) != 0) {
        int e = errno;
        unlink(tmp);
        rmdir(out);
        return cli_error(1, "cannot point %s at %s: %s (is %s a directory? move it away)",
                         latest, name, strerror(e), latest);
    }
    return 0;
}

static const struct option long_options[] = {
    {"set", required_argument, NULL, 's'},
    {"out", required_argument, NULL, 'o'},
    {"seed", required_argument, NULL, 'S'},
    {"seeds", required_argument, NULL, 'N'},
    {"variants", required_argument, NULL, 'v'},
    {"jobs", required_argument, NULL, 'j'},
    {"threads", required_argument, NULL, 't'},
    {"force", no_argument, NULL, 'f'},
    {"resume", optional_argument, NULL, 'r'},
    {"grid", required_argument, NULL, 'g'},
    {"dry-run", no_argument, NULL, 'n'},
    {"launcher", required_argument, NULL, 'L'},
    {"sbatch", required_argument, NULL, 'B'},
    {"max-parallel", required_argument, NULL, 'M'},
    {"wait", no_argument, NULL, 'W'},
    {"sshlogin", required_argument, NULL, 'H'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_positive(const char *opt, const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < 1 || v > 1024)
        return cli_error(2, "%s %s: expected a whole number from 1 to 1024", opt, text);
    *out = (int)v;
    return 0;
}

/* What the command line asks for.  `sets` holds the settings in the order
 * they apply: the --set options, then --seed, then --threads.  A resumed
 * run takes none of them: it runs its plan. */
typedef struct run_args {
    const char *name;        /* the experiment */
    const char *out_arg;     /* --out DIR, or NULL */
    const char *resume_dir;  /* with --resume: the run directory to continue */
    int resume, force, jobs, help;
    int user_options;        /* options --resume cannot be combined with */
    int dry_run;             /* --dry-run: print the plan, create nothing */
    const char *ini;         /* EXPERIMENT given as PATH.ini, or NULL */
    char ini_name[64];       /* its name: the file name without .ini */
    int num_sets;
    char sets[BNX_MAX_SETTINGS][330]; /* "key=value", applied in order */
    int num_grids;
    char grids[BNX_MAX_SETTINGS][1024]; /* --grid "key=values", in order */
    char variants[1024];     /* --variants list, "" for all */
    int seeds;               /* --seeds N, 0 when not given */
    int seed_given;          /* --seed K given */
    int jobs_given;          /* --jobs J given */
    launch_opts launch;      /* --launcher and its options */
} run_args;

/* Returns 0, or the exit status after printing the error. */
static int parse_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    char seed_set[64] = "", threads_set[64] = "";
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        /* what --resume takes: --jobs and the launcher's options */
        a->user_options += !strchr("jrhLBMWH", opt);
        switch (opt) {
        case 's':
            if (a->num_sets >= BNX_MAX_SETTINGS - 2)
                return cli_error(2, "too many --set options (at most %d)", BNX_MAX_SETTINGS - 2);
            if (strlen(optarg) >= sizeof a->sets[0])
                return cli_error(2, "--set %.40s...: too long", optarg);
            snprintf(a->sets[a->num_sets++], sizeof a->sets[0], "%s", optarg);
            break;
        case 'o': a->out_arg = optarg; break;
        case 'S': snprintf(seed_set, sizeof seed_set, "seed=%.40s", optarg); break;
        case 'N':
            if (parse_positive("--seeds", optarg, &a->seeds))
                return 2;
            break;
        case 'v':
            if (strlen(optarg) >= sizeof a->variants)
                return cli_error(2, "--variants: list too long");
            snprintf(a->variants, sizeof a->variants, "%s", optarg);
            break;
        case 'j':
            if (parse_positive("--jobs", optarg, &a->jobs))
                return 2;
            a->jobs_given = 1;
            break;
        case 'L':
            if ((a->launch.launcher = launcher_named(optarg)) < 0)
                return cli_error(2, "--launcher %s: expected local, parallel or slurm", optarg);
            break;
        case 'B':
            if (strchr(optarg, '\n'))
                return cli_error(2, "--sbatch: options on one line (no newline)");
            a->launch.sbatch = optarg;
            break;
        case 'M':
            if (parse_positive("--max-parallel", optarg, &a->launch.max_parallel))
                return 2;
            break;
        case 'W': a->launch.wait = 1; break;
        case 'H': a->launch.sshlogin = optarg; break;
        case 't': {
            int t;
            if (parse_positive("--threads", optarg, &t))
                return 2;
            snprintf(threads_set, sizeof threads_set, "threads=%d", t);
            break;
        }
        case 'f': a->force = 1; break;
        case 'n': a->dry_run = 1; break;
        case 'g':
            if (a->num_grids >= BNX_MAX_SETTINGS)
                return cli_error(2, "too many --grid options (at most %d)", BNX_MAX_SETTINGS);
            if (strlen(optarg) >= sizeof a->grids[0])
                return cli_error(2, "--grid %.40s...: too long", optarg);
            snprintf(a->grids[a->num_grids++], sizeof a->grids[0], "%s", optarg);
            break;
        case 'r': a->resume = 1; a->resume_dir = optarg; break;
        case 'h': a->help = 1; return 0;
        default: return cli_bad_option("run", opt, argv);
        }
    }
    int positional = argc - optind;
    if (positional < 1)
        return cli_error(2, "run: which experiment? (bnexp list shows them)");
    if (a->resume && !a->resume_dir && positional == 2)
        a->resume_dir = argv[optind + 1];
    else if (positional > 1)
        return cli_error(2, "run: one experiment at a time (got '%s' too)", argv[optind + 1]);
    a->name = argv[optind];
    size_t len = strlen(a->name);
    if (len > 4 && strcmp(a->name + len - 4, ".ini") == 0) {
        /* an experiment file by its path: its name is the file's */
        a->ini = a->name;
        const char *base = strrchr(a->ini, '/') ? strrchr(a->ini, '/') + 1 : a->ini;
        snprintf(a->ini_name, sizeof a->ini_name, "%.*s", (int)(strlen(base) - 4), base);
        if (strlen(base) - 4 >= sizeof a->ini_name || !bnx_name_is_safe(a->ini_name))
            return cli_error(2, "run: %s: the experiment's name, the file name without .ini, "
                             "must be %s", a->ini, bnx_name_rule);
        a->name = a->ini_name;
    } else if (!bnx_name_is_safe(a->name)) {
        return cli_error(2, "run: experiment name '%s' must be %s (or give an experiment file "
                         "as PATH.ini)", a->name, bnx_name_rule);
    }
    if (a->dry_run && (a->resume || a->out_arg || a->force))
        return cli_error(2, "run: --dry-run prints the plan of a new run; not with --resume, "
                            "--out or --force");
    if (a->seeds && seed_set[0])
        return cli_error(2, "run: --seed K (one seed, K) and --seeds N (seeds 1 to N) exclude "
                            "each other; give one");
    if (a->resume && a->user_options)
        return cli_error(2, "run: --resume continues a run with the settings it was planned with "
                            "(its plan.json); only --jobs and the launcher's options can be given with it");
    if (seed_set[0]) {
        a->seed_given = 1;
        snprintf(a->sets[a->num_sets++], sizeof a->sets[0], "%s", seed_set);
    }
    if (threads_set[0])
        snprintf(a->sets[a->num_sets++], sizeof a->sets[0], "%s", threads_set);
    if (a->jobs < 1)
        a->jobs = 1;
    const launch_opts *l = &a->launch;
    if ((l->sbatch || l->max_parallel || l->wait) && l->launcher != LAUNCH_SLURM)
        return cli_error(2, "run: --sbatch, --max-parallel and --wait go with --launcher slurm");
    if (l->sshlogin && l->launcher != LAUNCH_PARALLEL)
        return cli_error(2, "run: --sshlogin goes with --launcher parallel");
    if (a->jobs_given && l->launcher == LAUNCH_SLURM)
        return cli_error(2, "run: --jobs is for the local and parallel launchers; Slurm runs as "
                            "many at once as it can (--max-parallel N limits it)");
    return 0;
}

/* --resume: read the run directory's plan into *plan. */
static int read_resumed_plan(const run_args *a, char *out, size_t size, bnx_plan *plan)
{
    if ((size_t)(a->resume_dir ? snprintf(out, size, "%s", a->resume_dir)
                               : snprintf(out, size, "runs/%s/latest", a->name)) >= size)
        return cli_error(2, "run --resume: path too long");
    if (!bnx_is_dir(out))
        return cli_error(1, "run --resume: %s is not a run directory", out);
    bnx_error err;
    if (bnx_plan_read(out, plan, &err)) {
        if (err.code != BNX_ENOTFOUND)
            return cli_report(&err);
        char old[4200];
        snprintf(old, sizeof old, "%s/run.json", out);
        if (bnx_is_file(old))
            return cli_error(1, "run --resume: %s was started by an older bnexp (it has run.json, "
                             "no %s) and cannot be continued by this one; run it again from the "
                             "start with the options recorded in %s (bnexp run %s --set ... "
                             "--out NEW_DIR)", out, BNX_PLAN_FILE, old, a->name);
        return cli_error(1, "run --resume: %s has no %s: not a run directory bnexp can continue",
                         out, BNX_PLAN_FILE);
    }
    if (strcmp(plan->experiment, a->name) != 0)
        return cli_error(1, "run --resume: %s is a run of %s, not of %s", out, plan->experiment,
                         a->name);
    return 0;
}

/* The plan of a new run: the experiment's spec with the command line's
 * settings applied, every variant x seed resolved. */
static int make_plan(const run_args *a, bnx_spec *spec, bnx_plan *plan)
{
    bnx_error err;
    char rel[256], path[4200];
    snprintf(rel, sizeof rel, "experiments/%s.ini", a->name);
    if (a->ini)
        snprintf(path, sizeof path, "%s", a->ini);
    if ((!a->ini && bnx_home_path(path, sizeof path, rel, &err)) ||
        bnx_spec_load(path, a->name, spec, &err))
        return cli_report(&err);
    for (int i = 0; i < a->num_grids; i++)
        if (bnx_spec_grid(spec, a->grids[i], &err))
            return cli_error(2, "%s", err.msg);
    for (int i = 0; i < a->num_sets; i++)
        if (bnx_spec_override(spec, a->sets[i], &err))
            return cli_error(2, "%s", err.msg);
    if (a->variants[0] && bnx_spec_select(spec, a->variants, &err))
        return cli_error(2, "%s", err.msg);
    for (int i = 0; i < spec->num_variants; i++)
        if (bnx_config_validate(&spec->variants[i].config, 0, 0, &err))
            return cli_error(2, "variant %s: %s", spec->variants[i].name, err.msg);
    /* --seeds N, else --seed K (one seed), else the file's `seeds`, else
     * each variant's `seed` */
    int seeds = a->seeds ? a->seeds : a->seed_given ? 0 : spec->seeds;
    if (bnx_plan_build(spec, seeds, plan, &err))
        return cli_error(2, "run: %s", err.msg);
    snprintf(plan->bnexp, sizeof plan->bnexp, "%s", BNX_VERSION " (" BNX_GITREV ")");
    bnx_utc_iso8601(plan->created_utc, sizeof plan->created_utc);
    return 0;
}

/* The jobs of the plan's trials, and the order they start in: seed by seed
 * (the first trial of every variant, then the second, ...), so that a
 * sweep cut short still compares the variants. */
static int make_jobs(const bnx_plan *plan, run_state *st)
{
    int n = plan->num_trials;
    st->jobs = calloc((size_t)n, sizeof *st->jobs);
    st->order = calloc((size_t)n, sizeof *st->order);
    st->pfd = calloc((size_t)n, sizeof *st->pfd);
    st->owner = calloc((size_t)n, sizeof *st->owner);
    int *rank = calloc((size_t)n, sizeof *rank);
    if (!st->jobs || !st->order || !st->pfd || !st->owner || !rank) {
        free(rank);
        return cli_error(1, "out of memory for %d trials", n);
    }
    st->num_jobs = n;
    st->num_seeds = st->num_variants = 0;
    for (int i = 0; i < n; i++) {
        job *j = &st->jobs[i];
        j->trial = &plan->trials[i];
        j->config = plan->trials[i].config;
        j->fd = -1;
        bnx_trial_result_init(&j->result, &j->config);
        rank[i] = i > 0 && strcmp(plan->trials[i - 1].variant, j->trial->variant) == 0 ? rank[i - 1] + 1 : 0;
        st->num_variants += rank[i] == 0;
        if (rank[i] + 1 > st->num_seeds)
            st->num_seeds = rank[i] + 1;
    }
    int k = 0;
    for (int r = 0; r < st->num_seeds; r++)
        for (int i = 0; i < n; i++)
            if (rank[i] == r)
                st->order[k++] = i;
    free(rank);
    return 0;
}

static void free_jobs(run_state *st)
{
    free(st->jobs);
    free(st->order);
    free(st->pfd);
    free(st->owner);
    memset(st, 0, sizeof *st);
}

/* Load every dataset the trials name once, before touching the output
 * (trial processes share them copy-on-write), and check each variant
 * against its data.  A new run records the datasets' digests in the plan;
 * a resumed one requires the plan's. */
static int load_data(run_state *st, bnx_plan *plan, int resume, bnx_trial_data *data, int *num_data)
{
    bnx_error err;
    for (int i = 0; i < st->num_jobs; i++) {
        job *j = &st->jobs[i];
        int d = 0;
        while (d < *num_data && strcmp(data[d].files.name, j->config.dataset) != 0)
            d++;
        if (d == *num_data) {
            if (*num_data == BNX_TRIAL_MAX_DATASETS)
                return cli_error(2, "run: the variants name more than %d datasets",
                                 BNX_TRIAL_MAX_DATASETS);
            int rc = bnx_trial_data_load(plan, j->config.dataset, !resume, "run --resume",
                                         cli_note, NULL, &data[d], &err);
            (*num_data)++; /* freed whether it loaded or not */
            if (rc)
                return cli_report(&err);
        }
        j->data = &data[d];
        bnx_plan_identity(j->trial, data[d].id, j->identity);
        /* once per variant: its seeds share everything the check looks at */
        if ((i == 0 || strcmp(st->jobs[i - 1].trial->variant, j->trial->variant) != 0) &&
            bnx_trial_check(&j->config, &data[d].train, &data[d].test, &err)) {
            bnx_error_prefix(&err, "variant %s", j->trial->variant);
            return cli_report(&err);
        }
    }
    return 0;
}

/* --resume: take the results of finished trials from their checkpoints;
 * refuse, before anything runs, a checkpoint that is damaged or was
 * written for another config or dataset than the plan's.  Returns 0 or
 * the exit status. */
static int scan_checkpoints(run_state *st, int *done)
{
    *done = 0;
    for (int i = 0; i < st->num_jobs; i++) {
        job *j = &st->jobs[i];
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", j->dir, BNX_CHECKPOINT_FILE);
        bnx_checkpoint ck;
        bnx_error err;
        int rc = bnx_checkpoint_load(path, j->identity, &ck, &err);
        if (rc == BNX_ENOTFOUND)
            continue; /* not started, or stopped before its first checkpoint */
        if (rc == BNX_OK && ck.finished) {
            j->result = ck.result;
            j->has_result = 1;
            j->finished = 2;
            (*done)++;
        }
        bnx_checkpoint_free(&ck);
        if (rc)
            return cli_report(&err);
    }
    return 0;
}

/* Create OUT/VARIANT/seed-K for job j below the run directory `out`,
 * refusing a component that is a symbolic link (core/paths.h). */
static int make_trial_dir(const char *out, const job *j, bnx_error *err)
{
    return bnx_mkdir_under(out, j->trial->dir, err);
}

/* Copy the experiment file into the run directory (BNX_PLAN_INI). */
static int copy_experiment_file(const bnx_plan *plan, const char *out, bnx_error *err)
{
    char *text, path[4200];
    size_t size;
    int rc = bnx_read_file(plan->source, (size_t)1 << 24, &text, &size, err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/%s", out, BNX_PLAN_INI);
    rc = bnx_write_file_atomic(path, text, size, err);
    free(text);
    return rc;
}

/* Create the run directory (a new one, or --out DIR), write its plan and
 * the experiment file's copy first, then the trial directories; with
 * --force, an earlier run's files go first so that none of them can pass
 * for this run's.  Returns 0 or the exit status. */
static int create_run(const run_args *a, const bnx_plan *plan, run_state *st, char *out,
                      size_t size, char *parent, size_t parent_size)
{
    bnx_error err;
    if (!a->out_arg) {
        snprintf(parent, parent_size, "runs/%s", a->name);
        int rc = make_run_dir(parent, out, size);
        if (rc)
            return rc;
        for (int i = 0; i < st->num_jobs; i++) {
            job *j = &st->jobs[i];
            snprintf(j->dir, sizeof j->dir, "%s/%s", out, j->trial->dir);
        }
    }
    /* --out DIR goes where the user points (through links); the trial
     * directories below it are bnexp's own and never links. */
    if (bnx_mkdir_p(out, &err))
        return cli_report(&err);
    char summary_path[4200];
    snprintf(summary_path, sizeof summary_path, "%s/summary.csv", out);
    unlink(summary_path); /* a stale summary must not pass for this run's */
    if (bnx_plan_write(out, plan, &err) || copy_experiment_file(plan, out, &err))
        return cli_report(&err);
    for (int i = 0; i < st->num_jobs; i++) {
        if (make_trial_dir(out, &st->jobs[i], &err))
            return cli_report(&err);
        static const char *const stale[] = {"manifest.json", "metrics.csv", "activations.csv",
                                            "histograms.csv", "ics.csv", BNX_CHECKPOINT_FILE,
                                            BNX_RUNNING_FILE};
        for (size_t k = 0; a->force && k < sizeof stale / sizeof stale[0]; k++) {
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", st->jobs[i].dir, stale[k]);
            unlink(path);
        }
    }
    return 0;
}

/* Run the trials that are not finished, `jobs` at a time, seed by seed
 * (every variant of seed 1, then of seed 2, ...), so that a sweep cut
 * short still compares the variants.  Stop signals are forwarded to the
 * running trials; after the first, no new trial starts.  Returns the
 * first stop signal, or 0. */
static int run_trials(const bnx_plan *plan, run_state *st, int jobs, int finished)
{
    int started = 0, running = 0, forwarded = 0;
    signals_seen = first_signal = last_signal = 0;
    bnx_catch_stop_signals(parent_on_signal, 1); /* taken only while waiting in ppoll */
    while (finished < st->num_jobs) {
        while (forwarded < signals_seen) {
            int sig = last_signal;
            for (int i = 0; i < st->num_jobs; i++)
                if (st->jobs[i].pid > 0 && st->jobs[i].finished == 0)
                    kill(st->jobs[i].pid, sig);
            if (st->tty)
                fprintf(stderr, "\r\033[K");
            fprintf(stderr, forwarded == 0
                                ? "bnexp: %s: stopping every trial at its next step, with a "
                                  "checkpoint (again to stop at once)\n"
                                : "bnexp: %s: stopping at once\n",
                    strsignal(sig));
            forwarded++;
        }
        while (!signals_seen && running < jobs && started < st->num_jobs) {
            job *j = &st->jobs[st->order[started++]];
            if (j->finished)
                continue; /* resumed: finished before */
            if (start_job(plan, st, j))
                snprintf(j->error, sizeof j->error, "could not start");
            else
                running++;
        }
        if (running == 0)
            break;
        int done = pump(st);
        for (int i = 0; i < st->num_jobs && done; i++) {
            job *j = &st->jobs[i];
            if (j->finished != 1)
                continue;
            j->finished = 2;
            running--;
            finished++;
            done--;
            if (st->tty)
                fprintf(stderr, "\r\033[K");
            if (j->error[0])
                fprintf(stderr, "bnexp: %s seed-%ld failed: %s\n", j->trial->variant,
                        j->config.seed, j->error);
            else if (!j->has_result && signals_seen)
                fprintf(stderr, "bnexp: %s seed-%ld stopped at once\n", j->trial->variant,
                        j->config.seed);
            else if (j->has_result)
                fprintf(stderr, "bnexp: %s seed-%ld %s\n", j->trial->variant, j->config.seed,
                        j->result.status == BNX_TRIAL_DIVERGED ? "diverged (a result, not a failure)"
                        : j->result.status == BNX_TRIAL_INTERRUPTED ? "interrupted (checkpoint written)"
                                                                    : "finished");
            if (st->tty)
                show_status(st);
        }
    }
    if (st->tty)
        fprintf(stderr, "\r\033[K");
    return first_signal;
}

/* --dry-run: print every trial of the plan (name, swept values, seed,
 * estimated memory) after the checks a run makes before it starts, and
 * create nothing.  Returns the exit status. */
static int dry_run(const run_args *a, bnx_plan *plan, run_state *st)
{
    static bnx_trial_data data[BNX_TRIAL_MAX_DATASETS];
    int num_data = 0, rc = load_data(st, plan, 0, data, &num_data);
    if (rc) {
        bnx_trial_data_free(data, num_data);
        return rc;
    }
    printf("%s: %d trial(s), %d variant(s); nothing is created (--dry-run)\n", a->name,
           st->num_jobs, st->num_variants);
    printf("%-40s %5s", "variant", "seed");
    for (int k = 0; k < plan->num_swept; k++)
        printf(" %14s", plan->swept[k]);
    printf(" %10s\n", "memory");
    double most = 0;
    for (int i = 0; i < st->num_jobs; i++) {
        const job *j = &st->jobs[i];
        const bnx_dataset *train = &j->data->train;
        bnx_memory mem;
        bnx_error err;
        char size[32] = "?";
        if (bnx_memory_estimate(&j->config, train->c, train->h, train->w, train->num_classes,
                                train->n, j->data->test.n, &mem, &err) == BNX_OK) {
            bnx_format_bytes(size, sizeof size, mem.total);
            if (mem.total > most)
                most = mem.total;
        }
        printf("%-40s %5ld", j->trial->variant, j->config.seed);
        for (int k = 0; k < plan->num_swept; k++) {
            char value[256];
            bnx_plan_value(j->trial, plan->swept[k], value, sizeof value);
            printf(" %14s", value);
        }
        printf(" %10s\n", size);
    }
    int parallel = a->jobs < st->num_jobs ? a->jobs : st->num_jobs;
    char one[32], all[32];
    bnx_format_bytes(one, sizeof one, most);
    bnx_format_bytes(all, sizeof all, most * parallel);
    printf("estimated memory: at most %s per trial; %d at a time (--jobs): at most %s, plus "
           "the datasets, loaded once\n", one, parallel, all);
    bnx_trial_data_free(data, num_data);
    return 0;
}

/* After the trials: name the failed ones and the unfinished ones (with
 * the command that continues them).  Returns 0 if every trial ended
 * (done or diverged), else 1. */
static int finish_message(const bnx_plan *plan, const bnx_collect_info *info, const char *name,
                          const char *out)
{
    int failed = info->counts[BNX_STATE_FAILED];
    int unfinished = info->num_trials - failed - info->counts[BNX_STATE_DONE] -
                     info->counts[BNX_STATE_DIVERGED];
    if (failed) {
        char names[1024] = "";
        size_t used = 0;
        for (int i = 0; i < info->num_trials && used < sizeof names; i++)
            if (info->looks[i].state == BNX_STATE_FAILED)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s seed-%ld",
                                         used ? ", " : "", plan->trials[i].variant,
                                         plan->trials[i].seed);
        cli_error(1, "%d of %d trial(s) failed: %s (status failed in summary.csv; the "
                     "reasons are above and in each manifest.json)", failed, info->num_trials, names);
    }
    if (unfinished)
        cli_error(1, "%d of %d trial(s) interrupted or not run; continue them with: bnexp run %s "
                     "--resume %s", unfinished, info->num_trials, name, out);
    return failed || unfinished ? 1 : 0;
}

/* Run the plan's trials (a new run, or the unfinished ones of a resumed
 * run), write summary.csv and print the table.  Returns the exit status. */
static int run_plan(const run_args *ap, bnx_plan *plan, run_state *stp, char *out, size_t out_size,
                    char *parent, size_t parent_size)
{
    const run_args a = *ap;
    run_state st = *stp;
    int rc = 0;
    /* With --out DIR, refuse to overwrite an earlier run's trials unless
     * asked to.  Without it every run gets a new directory. */
    const char *out_arg = a.resume ? out : a.out_arg;
    if (out_arg) {
        if (strlen(out_arg) >= 4000)
            return cli_error(2, "run: --out path is too long");
        if (!*out_arg)
            return cli_error(2, "run: --out needs a directory (got an empty path)");
        if (out_arg != out)
            snprintf(out, out_size, "%s", out_arg);
        for (int i = 0; i < st.num_jobs; i++) {
            job *j = &st.jobs[i];
            snprintf(j->dir, sizeof j->dir, "%s/%s", out, j->trial->dir);
            struct stat sb;
            if (!a.resume && !a.force && stat(j->dir, &sb) == 0)
                return cli_error(1, "%s exists from an earlier run; use --out DIR for a new directory or --force to replace it", j->dir);
        }
    }

    bnx_error lerr;
    if (a.launch.launcher == LAUNCH_PARALLEL && bnx_parallel_check(&lerr))
        return cli_report(&lerr);
    bnx_slurm_opts slurm = {a.launch.sbatch, a.launch.max_parallel, a.launch.wait};
    if (a.launch.launcher == LAUNCH_SLURM && bnx_slurm_check(&slurm, &lerr))
        return cli_report(&lerr);
    static bnx_trial_data data[BNX_TRIAL_MAX_DATASETS];
    int num_data = 0, done = 0;
    rc = load_data(&st, plan, a.resume, data, &num_data);
    if (rc == 0 && a.resume)
        rc = scan_checkpoints(&st, &done);
    if (rc == 0 && !a.resume)
        rc = create_run(&a, plan, &st, out, out_size, parent, parent_size);
    for (int i = 0; rc == 0 && a.resume && i < st.num_jobs; i++) {
        bnx_error err;
        if (make_trial_dir(out, &st.jobs[i], &err))
            rc = cli_report(&err);
    }
    if (rc) {
        bnx_trial_data_free(data, num_data);
        return rc;
    }
    int todo = st.num_jobs - done, parallel = a.jobs < todo ? a.jobs : todo;
    static const char *const launcher_names[] = {"", " with GNU parallel", " as a Slurm job array"};
    const char *how = launcher_names[a.launch.launcher];
    char at_a_time[64] = "";
    if (a.launch.launcher != LAUNCH_SLURM)
        snprintf(at_a_time, sizeof at_a_time, ", %d at a time", parallel);
    if (a.resume)
        fprintf(stderr, "bnexp: %s: resuming %s: %d of %d trial(s) finished before, %d to run%s%s\n",
                a.name, out, done, st.num_jobs, todo, at_a_time, how);
    else if (st.num_seeds > 1)
        fprintf(stderr, "bnexp: %s: %d trials (%d variant%s x up to %d seeds)%s%s, writing %s\n",
                a.name, st.num_jobs, st.num_variants, st.num_variants == 1 ? "" : "s",
                st.num_seeds, at_a_time, how, out);
    else
        fprintf(stderr, "bnexp: %s: %d trial(s)%s%s, writing %s\n", a.name, st.num_jobs,
                at_a_time, how, out);

    signal(SIGPIPE, SIG_IGN);
    int stopped_by = 0;
    if (a.launch.launcher == LAUNCH_LOCAL) {
        st.data = data;
        st.num_data = num_data;
        st.out = out;
        stopped_by = run_trials(plan, &st, a.jobs, done);
    }
    bnx_trial_data_free(data, num_data);
    if (a.launch.launcher != LAUNCH_LOCAL) {
        /* the unfinished trials, in the plan's order */
        int *pending = malloc(((size_t)st.num_jobs + 1) * sizeof *pending), n = 0;
        if (!pending)
            return cli_error(1, "out of memory for %d trials", st.num_jobs);
        for (int i = 0; i < st.num_jobs; i++)
            if (!st.jobs[i].finished)
                pending[n++] = i;
        bnx_parallel_opts par = {a.jobs, a.launch.sshlogin};
        rc = a.launch.launcher == LAUNCH_PARALLEL
                 ? bnx_parallel_run(out, pending, n, &par, cli_note, NULL, &stopped_by, &lerr)
                 : bnx_slurm_submit(plan, out, pending, n, &slurm, cli_note, NULL, &stopped_by,
                                    &lerr);
        free(pending);
        if (rc)
            return cli_report(&lerr);
        if (a.launch.launcher == LAUNCH_SLURM && (!a.launch.wait || stopped_by)) {
            if (parent[0])
                printf("run directory: %s (%s/latest)\n", out, parent);
            return stopped_by ? 128 + stopped_by : 0;
        }
    }

    static bnx_collect_info info;
    rc = collect_summary(out, plan, &info);
    if (rc) {
        bnx_collect_free(&info);
        return rc;
    }
    print_table(plan, &info);
    if (parent[0])
        printf("run directory: %s (%s/latest)\n", out, parent);
    fflush(stdout);
    rc = finish_message(plan, &info, a.name, out);
    bnx_collect_free(&info);
    return stopped_by ? 128 + stopped_by : rc;
}

int cmd_run(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "claims") == 0)
        return cmd_run_claims(argc - 1, argv + 1);
    static run_args a; /* large: keep them off the stack */
    static bnx_spec spec;
    static bnx_plan plan;
    static run_state st;
    int rc = parse_args(argc, argv, &a);
    if (rc || a.help)
        return rc ? rc : cli_print_help("run");
    char out[4096], parent[4096] = "";
    rc = a.resume ? read_resumed_plan(&a, out, sizeof out, &plan) : make_plan(&a, &spec, &plan);
    bnx_spec_free(&spec); /* from here on, trials run from the plan only */
    memset(&st, 0, sizeof st);
    if (rc == 0)
        rc = make_jobs(&plan, &st);
    if (rc) {
        free_jobs(&st);
        bnx_plan_free(&plan);
        return rc;
    }
    st.tty = isatty(STDERR_FILENO);
    rc = a.dry_run ? dry_run(&a, &plan, &st) : run_plan(&a, &plan, &st, out, sizeof out, parent, sizeof parent);
    free_jobs(&st);
    bnx_plan_free(&plan);
    return rc;
}
