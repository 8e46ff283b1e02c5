/* bnexp run: train every variant of an experiment, one process per trial. */
#include <cblas.h>
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
#include "exp/manifest.h"
#include "exp/spec.h"
#include "exp/trainer.h"
#include "out/atomic.h"

/* A dataset loaded for the trials that name it. */
typedef struct loaded_data {
    bnx_dataset train, test;
    bnx_dataset_files files; /* files.name is the dataset key's value */
} loaded_data;

/* At most this many distinct datasets in one run. */
#define MAX_DATASETS 4

static void free_data(loaded_data *data, int count)
{
    for (int d = 0; d < count; d++) {
        bnx_dataset_free(&data[d].train);
        bnx_dataset_free(&data[d].test);
    }
}

/* A trial as the parent process sees it. */
typedef struct job {
    const bnx_variant *variant;
    const loaded_data *data; /* its dataset */
    bnx_config config;   /* the variant's, with this trial's seed */
    char dir[4200];
    pid_t pid;
    int fd;              /* read end of the child's report pipe, -1 when closed */
    char buf[8192];      /* partial line from the pipe */
    size_t len;
    long step, total;    /* latest progress */
    double accuracy, rate;
    bnx_trial_result result; /* the child's result (status failed until it reports) */
    int has_result;
    char error[1024];    /* the child's failure message */
    int exit_status;
    int finished;
} job;

/* At most this many trials (variants x seeds) in one run. */
#define MAX_TRIALS 1024

typedef struct run_state {
    job *jobs;           /* variant by variant, seeds ascending within each */
    int num_jobs;
    int num_seeds;       /* seeds per variant */
    int tty;             /* stderr is a terminal: one status line, redrawn */
} run_state;

/* ---- the child: train one trial and report over a pipe ---- */

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

static int child_main(const bnx_spec *spec, const job *j, const bnx_dataset *train,
                      const bnx_dataset *test, const bnx_dataset_files *files, int fd)
{
    const bnx_config *cfg = &j->config;
    const char *dir = j->dir;
    openblas_set_num_threads(cfg->threads);
    char started[32], finished[32];
    bnx_utc_iso8601(started, sizeof started);
    bnx_trial_result result;
    bnx_error err;
    bnx_error_clear(&err);
    child_ctx ctx = {fd};
    int rc = bnx_trial_run(cfg, train, test, dir, child_progress, &ctx, &result, &err);
    bnx_utc_iso8601(finished, sizeof finished);
    bnx_trial_id id = {spec->name, spec->path, spec->description[0] ? spec->description : NULL,
                       j->variant->name, BNX_VERSION " (" BNX_GITREV ")", started, finished};
    bnx_error merr;
    if (bnx_manifest_write(dir, &id, cfg, files, rc ? NULL : &result, rc ? err.msg : NULL, &merr)) {
        if (!rc) {
            rc = merr.code;
            err = merr;
        }
    }
    if (rc) {
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

static void format_eta(char *buf, size_t size, double seconds)
{
    if (!isfinite(seconds) || seconds < 0)
        snprintf(buf, size, "?");
    else if (seconds < 60)
        snprintf(buf, size, "%.0fs", seconds);
    else
        snprintf(buf, size, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
}

static void show_status(run_state *st)
{
    char line[1024] = "";
    size_t used = 0;
    for (int i = 0; i < st->num_jobs; i++) {
        job *j = &st->jobs[i];
        if (j->pid <= 0 || j->finished || j->total == 0)
            continue;
        char eta[32];
        format_eta(eta, sizeof eta, j->rate > 0 ? (j->total - j->step) / j->rate : NAN);
        char seed[32] = "";
        if (st->num_seeds > 1)
            snprintf(seed, sizeof seed, " s%ld", j->config.seed);
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s%s %ld/%ld %.0f steps/s acc %.4f ETA %s",
                                 used ? " | " : "", j->variant->name, seed, j->step, j->total,
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
            char eta[32];
            format_eta(eta, sizeof eta, j->rate > 0 ? (j->total - j->step) / j->rate : NAN);
            fprintf(stderr, "%s seed-%ld: step %ld/%ld  test_accuracy %.4f  %.0f steps/s  ETA %s\n",
                    j->variant->name, j->config.seed, j->step, j->total, j->accuracy,
                    j->rate, eta);
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

static int start_job(const bnx_spec *spec, job *j, const bnx_dataset *train,
                     const bnx_dataset *test, const bnx_dataset_files *files)
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
        _exit(child_main(spec, j, train, test, files, fds[1]));
    }
    close(fds[1]);
    j->pid = pid;
    j->fd = fds[0];
    return 0;
}

/* Wait for any running job's output or exit; returns the number finished. */
static int pump(run_state *st)
{
    static struct pollfd pfd[MAX_TRIALS];
    static job *owner[MAX_TRIALS];
    int count = 0;
    for (int i = 0; i < st->num_jobs; i++)
        if (st->jobs[i].pid > 0 && st->jobs[i].fd >= 0) {
            pfd[count] = (struct pollfd){.fd = st->jobs[i].fd, .events = POLLIN};
            owner[count++] = &st->jobs[i];
        }
    if (count == 0)
        return 0;
    if (poll(pfd, (nfds_t)count, -1) < 0)
        return 0; /* EINTR: the caller asks again */
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

static int write_summary(const char *out, run_state *st)
{
    size_t cap = 4096 + (size_t)st->num_jobs * 1100, len = 0;
    char *text = malloc(cap);
    if (!text)
        return cli_error(1, "out of memory writing the summary");
    len += (size_t)snprintf(text, cap, "%s\n", bnx_summary_header());
    for (int i = 0; i < st->num_jobs; i++) {
        job *j = &st->jobs[i];
        char row[1024];
        bnx_summary_row(row, sizeof row, j->variant->name, j->config.seed, &j->result);
        len += (size_t)snprintf(text + len, cap - len, "%s\n", row);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.csv", out);
    bnx_error err;
    int rc = bnx_write_file_atomic(path, text, len, &err);
    free(text);
    if (rc)
        return cli_report(&err);
    printf("wrote %s\n", path);
    return 0;
}

/* The end-of-run table on stdout. */
static void print_table(const run_state *st)
{
    printf("\n%-16s %5s %-9s %8s %8s %9s %8s\n", "variant", "seed", "status", "final", "best",
           "best_step", "wall_s");
    for (int i = 0; i < st->num_jobs; i++) {
        const job *j = &st->jobs[i];
        const bnx_trial_result *r = &j->result;
        char best_step[32] = "-", final[32] = "-", best[32] = "-";
        if (r->best_step >= 0)
            snprintf(best_step, sizeof best_step, "%ld", r->best_step);
        if (isfinite(r->final_test_accuracy))
            snprintf(final, sizeof final, "%.4f", r->final_test_accuracy);
        if (isfinite(r->best_test_accuracy))
            snprintf(best, sizeof best, "%.4f", r->best_test_accuracy);
        printf("%-16s %5ld %-9s %8s %8s %9s %8.1f\n", j->variant->name, j->config.seed,
               bnx_trial_status_name(r->status), final, best, best_step, r->wall_time_s);
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

int cmd_run(int argc, char **argv)
{
    const char *out_arg = NULL, *variants = NULL;
    char *sets[BNX_MAX_SETTINGS];
    int num_sets = 0, jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), force = 0, seeds = 0, opt;
    char seed_set[64] = "", threads_set[64] = "";
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (num_sets >= BNX_MAX_SETTINGS)
                return cli_error(2, "too many --set options (at most %d)", BNX_MAX_SETTINGS);
            sets[num_sets++] = optarg;
            break;
        case 'o': out_arg = optarg; break;
        case 'S': snprintf(seed_set, sizeof seed_set, "seed=%s", optarg); break;
        case 'N':
            if (parse_positive("--seeds", optarg, &seeds))
                return 2;
            break;
        case 'v': variants = optarg; break;
        case 'j':
            if (parse_positive("--jobs", optarg, &jobs))
                return 2;
            break;
        case 't': {
            int t;
            if (parse_positive("--threads", optarg, &t))
                return 2;
            snprintf(threads_set, sizeof threads_set, "threads=%d", t);
            break;
        }
        case 'f': force = 1; break;
        case 'h': return cli_print_help("run");
        default: return cli_bad_option("run", opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_error(2, optind >= argc ? "run: which experiment? (bnexp list shows them)"
                                           : "run: one experiment at a time (got '%s' too)", argv[optind + 1]);
    const char *name = argv[optind];
    if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(name))
        return cli_error(2, "run: experiment name '%s' must be lowercase letters, digits, '-' or '_'", name);
    if (seeds && seed_set[0])
        return cli_error(2, "run: --seed K (one seed, K) and --seeds N (seeds 1 to N) exclude "
                            "each other; give one");
    if (jobs < 1)
        jobs = 1;

    bnx_error err;
    bnx_error_clear(&err);
    static bnx_spec spec; /* large: keep it off the stack */
    char rel[256], path[4200];
    snprintf(rel, sizeof rel, "experiments/%s.ini", name);
    if (bnx_home_path(path, sizeof path, rel, &err) || bnx_spec_load(path, name, &spec, &err))
        return cli_report(&err);
    for (int i = 0; i < num_sets; i++)
        if (bnx_spec_override(&spec, sets[i], &err))
            return cli_error(2, "%s", err.msg);
    if ((seed_set[0] && bnx_spec_override(&spec, seed_set, &err)) ||
        (threads_set[0] && bnx_spec_override(&spec, threads_set, &err)))
        return cli_error(2, "%s", err.msg);
    if (variants && bnx_spec_select(&spec, variants, &err))
        return cli_error(2, "%s", err.msg);
    for (int i = 0; i < spec.num_variants; i++)
        if (bnx_config_validate(&spec.variants[i].config, 0, 0, &err))
            return cli_error(2, "variant %s: %s", spec.variants[i].name, err.msg);
    int per_variant = seeds ? seeds : 1;
    if (spec.num_variants * per_variant > MAX_TRIALS)
        return cli_error(2, "run: %d variants x %d seeds = %d trials; at most %d in one run",
                         spec.num_variants, per_variant, spec.num_variants * per_variant,
                         MAX_TRIALS);

    /* The trials: every variant with seed 1..N (--seeds N), or with its
     * own seed (the experiment's, or --seed K). */
    static run_state st;
    static job all_jobs[MAX_TRIALS];
    memset(&st, 0, sizeof st);
    st.jobs = all_jobs;
    st.tty = isatty(STDERR_FILENO);
    st.num_seeds = per_variant;
    for (int v = 0; v < spec.num_variants; v++)
        for (int k = 0; k < per_variant; k++) {
            job *j = &st.jobs[st.num_jobs++];
            memset(j, 0, sizeof *j);
            j->variant = &spec.variants[v];
            j->config = spec.variants[v].config;
            if (seeds)
                j->config.seed = k + 1;
            j->fd = -1;
            bnx_trial_result_init(&j->result, &j->config);
        }

    /* With --out DIR, refuse to overwrite an earlier run's trials unless
     * asked to.  Without it every run gets a new directory. */
    char out[4096];
    if (out_arg) {
        if (strlen(out_arg) >= 4000)
            return cli_error(2, "run: --out path is too long");
        snprintf(out, sizeof out, "%s", out_arg);
        for (int i = 0; i < st.num_jobs; i++) {
            job *j = &st.jobs[i];
            snprintf(j->dir, sizeof j->dir, "%s/%s/seed-%ld", out, j->variant->name, j->config.seed);
            struct stat sb;
            if (!force && stat(j->dir, &sb) == 0)
                return cli_error(1, "%s exists from an earlier run; use --out DIR for a new directory or --force to replace it", j->dir);
        }
    }

    /* Load every dataset the trials name once, before touching the
     * output; trial processes share them copy-on-write. */
    static loaded_data data[MAX_DATASETS];
    int num_data = 0;
    for (int i = 0; i < st.num_jobs; i++) {
        job *j = &st.jobs[i];
        int d = 0;
        while (d < num_data && strcmp(data[d].files.name, j->config.dataset) != 0)
            d++;
        if (d == num_data) {
            if (num_data == MAX_DATASETS) {
                free_data(data, num_data);
                return cli_error(2, "run: the variants name more than %d datasets", MAX_DATASETS);
            }
            fprintf(stderr, "bnexp: verifying and loading %s\n", j->config.dataset);
            if (bnx_data_load(j->config.dataset, &data[d].train, &data[d].test, &data[d].files, &err)) {
                free_data(data, num_data);
                return cli_report(&err);
            }
            if (!data[d].files.verified)
                fprintf(stderr, "bnexp: warning: %s is not verified (no SHA-256 sums); the manifest "
                        "records it as unverified\n", j->config.dataset);
            num_data++;
        }
        j->data = &data[d];
        /* once per variant: its seeds share everything the check looks at */
        if ((i == 0 || st.jobs[i - 1].variant != j->variant) &&
            bnx_trial_check(&j->config, &data[d].train, &data[d].test, &err)) {
            free_data(data, num_data);
            bnx_error_prefix(&err, "variant %s", j->variant->name);
            return cli_report(&err);
        }
    }

    char parent[4096];
    if (!out_arg) {
        snprintf(parent, sizeof parent, "runs/%s", name);
        int rc = make_run_dir(parent, out, sizeof out);
        if (rc) {
            free_data(data, num_data);
            return rc;
        }
        for (int i = 0; i < st.num_jobs; i++) {
            job *j = &st.jobs[i];
            snprintf(j->dir, sizeof j->dir, "%s/%s/seed-%ld", out, j->variant->name, j->config.seed);
        }
    }

    /* Trial directories; with --force, an earlier run's files go first so
     * that none of them can pass for this run's. */
    for (int i = 0; i < st.num_jobs; i++) {
        if (bnx_mkdir_p(st.jobs[i].dir, &err)) {
            free_data(data, num_data);
            return cli_report(&err);
        }
        static const char *const stale[] = {"manifest.json", "metrics.csv", "activations.csv", "histograms.csv"};
        for (size_t k = 0; force && k < sizeof stale / sizeof stale[0]; k++) {
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", st.jobs[i].dir, stale[k]);
            unlink(path);
        }
    }
    char summary_path[4200];
    snprintf(summary_path, sizeof summary_path, "%s/summary.csv", out);
    unlink(summary_path); /* a stale summary must not pass for this run's */
    if (per_variant > 1)
        fprintf(stderr, "bnexp: %s: %d trials (%d variant%s x seeds 1-%d), %d at a time, writing %s\n",
                name, st.num_jobs, spec.num_variants, spec.num_variants == 1 ? "" : "s",
                per_variant, jobs < st.num_jobs ? jobs : st.num_jobs, out);
    else
        fprintf(stderr, "bnexp: %s: %d trial(s), %d at a time, writing %s\n", name, st.num_jobs,
                jobs < st.num_jobs ? jobs : st.num_jobs, out);

    /* Trials start seed by seed (every variant of seed 1, then of seed 2,
     * ...), so that a sweep cut short still compares the variants. */
    signal(SIGPIPE, SIG_IGN);
    int started = 0, running = 0, finished = 0;
    while (finished < st.num_jobs) {
        while (running < jobs && started < st.num_jobs) {
            int v = started % spec.num_variants, k = started / spec.num_variants;
            job *j = &st.jobs[v * per_variant + k];
            if (start_job(&spec, j, &j->data->train, &j->data->test, &j->data->files))
                snprintf(j->error, sizeof j->error, "could not start");
            else
                running++;
            started++;
        }
        if (running == 0) {
            finished = st.num_jobs;
            break;
        }
        int done = pump(&st);
        for (int i = 0; i < st.num_jobs && done; i++) {
            job *j = &st.jobs[i];
            if (j->finished == 1) {
                j->finished = 2;
                running--;
                finished++;
                done--;
                if (st.tty)
                    fprintf(stderr, "\r\033[K");
                if (j->error[0])
                    fprintf(stderr, "bnexp: %s seed-%ld failed: %s\n", j->variant->name,
                            j->config.seed, j->error);
                else
                    fprintf(stderr, "bnexp: %s seed-%ld %s\n", j->variant->name, j->config.seed,
                            j->has_result && j->result.status == BNX_TRIAL_DIVERGED
                                ? "diverged (a result, not a failure)" : "finished");
                if (st.tty)
                    show_status(&st);
            }
        }
    }
    if (st.tty)
        fprintf(stderr, "\r\033[K");
    free_data(data, num_data);

    int failed = 0;
    for (int i = 0; i < st.num_jobs; i++) {
        job *j = &st.jobs[i];
        if (!j->has_result || j->exit_status != 0) {
            failed++;
            j->result.status = BNX_TRIAL_FAILED;
        }
    }
    print_table(&st);
    int rc = write_summary(out, &st);
    if (!out_arg)
        printf("run directory: %s (%s/latest)\n", out, parent);
    fflush(stdout);
    if (failed) {
        char names[1024] = "";
        size_t used = 0;
        for (int i = 0; i < st.num_jobs && used < sizeof names; i++)
            if (st.jobs[i].result.status == BNX_TRIAL_FAILED)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s seed-%ld",
                                         used ? ", " : "", st.jobs[i].variant->name,
                                         st.jobs[i].config.seed);
        return cli_error(1, "%d of %d trial(s) failed: %s (status failed in summary.csv; the "
                            "reasons are above and in each manifest.json)", failed, st.num_jobs,
                         names);
    }
    return rc;
}
