/* bnexp run: train every variant of an experiment, one process per trial
 * on this machine (runs/local.h), or handed to GNU parallel
 * (runs/parallel.h) or Slurm (runs/slurm.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "analysis/claims_run.h"
#include "core/paths.h"
#include "core/timer.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "train/memory.h"
#include "train/trainer.h"
#include "runs/local.h"
#include "runs/parallel.h"
#include "runs/tables.h"
#include "runs/rundir.h"
#include "runs/slurm.h"
#include "runs/trial.h"

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

/* The run as the command line shows it. */
typedef struct run_state {
    const bnx_plan *plan;
    int *finished;       /* trial i finished before (a resumed run) (malloc'd) */
    bnx_local_trial *trials; /* the local launcher's trials (malloc'd) */
    int num_seeds;       /* most seeds of any variant */
    int num_variants;
    int tty;             /* stderr is a terminal: one status line, redrawn */
    int jobs;            /* trials at once (--jobs), for the sweep's ETA */
} run_state;

/* ---- what the local launcher shows (bnx_local_display) ---- */

/* The run as a whole: trials done / N, running, failed, ETA. */
static void sweep_line(const run_state *st, char *buf, size_t size)
{
    bnx_local_sweep_line(st->plan, st->trials, st->finished, st->jobs, buf, size);
}

static void show_status(const run_state *st, const bnx_local_trial *trials)
{
    char line[1024], sweep[160];
    bnx_local_status_line(st->plan, trials, st->num_seeds, line, sizeof line);
    sweep_line(st, sweep, sizeof sweep);
    /* the whole run first; a terminal line is cut to fit 200 columns */
    fprintf(stderr, "\r\033[K%s%s%.*s", sweep, line[0] ? " | " : "", 190 - (int)strlen(sweep),
            line);
    fflush(stderr);
}

void cli_show_trial(const char *prefix, const bnx_plan_trial *p, const bnx_local_trial *t,
                    int ended)
{
    char text[512];
    if (!ended) {
        bnx_trial_progress_line(text, sizeof text, p->variant, p->config.seed, t->step, t->total,
                                t->accuracy, t->loss, t->rate);
        fprintf(stderr, "%s%s\n", prefix, text);
    } else if (t->outcome == BNX_LOCAL_FAILED) {
        fprintf(stderr, "bnexp: %s%s seed-%ld failed: %s\n", prefix, p->variant, p->config.seed,
                t->error);
    } else if (t->outcome == BNX_LOCAL_STOPPED || t->outcome == BNX_LOCAL_RESULT) {
        fprintf(stderr, "bnexp: %s%s seed-%ld %s\n", prefix, p->variant, p->config.seed,
                t->outcome == BNX_LOCAL_STOPPED                ? "stopped at once"
                : t->result.status == BNX_TRIAL_DIVERGED      ? "diverged (a result, not a failure)"
                : t->result.status == BNX_TRIAL_INTERRUPTED ? "interrupted (checkpoint written)"
                                                            : "finished");
    }
}

void cli_show_stopping(int tty, int sig, int nth)
{
    if (tty)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, nth == 0 ? "bnexp: %s: stopping every trial at its next step, with a "
                               "checkpoint (again to stop at once)\n"
                             : "bnexp: %s: stopping at once\n",
            strsignal(sig));
}

static void show_progress(void *ctx, int member, int i)
{
    const run_state *st = ctx;
    (void)member;
    if (st->tty)
        show_status(st, st->trials);
    else
        cli_show_trial("", &st->plan->trials[i], &st->trials[i], 0);
}

static void show_ended(void *ctx, int member, int i)
{
    const run_state *st = ctx;
    (void)member;
    if (st->tty)
        fprintf(stderr, "\r\033[K");
    cli_show_trial("", &st->plan->trials[i], &st->trials[i], 1);
    if (st->tty) {
        show_status(st, st->trials);
    } else if (st->plan->num_trials > 1) { /* a line for the whole run */
        char sweep[160];
        sweep_line(st, sweep, sizeof sweep);
        fprintf(stderr, "bnexp: %s\n", sweep);
    }
}

static void show_stopping(void *ctx, int sig, int nth)
{
    cli_show_stopping(((const run_state *)ctx)->tty, sig, nth);
}

static void show_not_started(void *ctx, const bnx_error *err)
{
    (void)ctx;
    cli_report(err);
}

/* Load every dataset the trials name once, before touching the output
 * (trial processes share them copy-on-write), and check each variant
 * against its data.  A new run records the datasets' digests in the plan
 * (record); a resumed one requires the plan's.  data[] holds
 * BNX_TRIAL_MAX_DATASETS; free it also after a failure. */
static int load_data(bnx_plan *plan, int record, bnx_trial_data *data, int *num_data)
{
    bnx_error err;
    return bnx_trial_data_load_plans(&plan, 1, record, "run --resume", cli_note, NULL, data,
                                     num_data, &err) ? cli_report(&err) : 0;
}

/* RUN/summary.csv from the trial directories (bnx_collect), as `bnexp
 * collect` writes it, into *info.  Returns 0 or the exit status. */
int cli_collect_summary(const char *out, const bnx_plan *plan, bnx_collect_info *info)
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

static const struct option long_options[] = {
    {"set", required_argument, NULL, 's'},
    {"out", required_argument, NULL, 'o'},
    {"seed", required_argument, NULL, 'S'},
    {"tag", required_argument, NULL, 'T'},
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
    {"until-decided", no_argument, NULL, 'U'},
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
    const char *tag;         /* --tag NAME, or NULL */
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
    int until_decided;       /* --until-decided: the second look of a two-stage design */
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
        a->user_options += !strchr("jrhLBMWHU", opt);
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
        case 'U': a->until_decided = 1; break;
        case 'T':
            if (!bnx_name_is_safe(optarg) || strlen(optarg) > 40)
                return cli_error(2, "--tag '%s': a tag must be at most 40 characters of the "
                                 "kind a name takes (%s)", optarg, bnx_name_rule);
            a->tag = optarg;
            break;
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
    if (a->until_decided && l->launcher == LAUNCH_SLURM && !l->wait)
        return cli_error(2, "run: --until-decided decides the first look when its trials have "
                            "ended: with --launcher slurm give --wait too");
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


/* How the plan departs from its experiment file, as the options gave it
 * (plan.h's overrides): every --grid, --set (--threads and --jobs change
 * no result and are left out), --variants, and --seeds N other than the
 * file's `seeds`; "" when the run is the file as committed. */
static void record_overrides(const run_args *a, int file_seeds, bnx_plan *plan)
{
    size_t used = 0, size = sizeof plan->overrides;
    char *o = plan->overrides;
#define ADD(...) (used += used < size ? (size_t)snprintf(o + used, size - used, __VA_ARGS__) : 0)
    for (int i = 0; i < a->num_grids; i++)
        ADD("%s--grid %s", used ? " " : "", a->grids[i]);
    for (int i = 0; i < a->num_sets; i++)
        if (strncmp(a->sets[i], "threads=", 8) != 0)
            ADD("%s--set %s", used ? " " : "", a->sets[i]);
    if (a->variants[0])
        ADD("%s--variants %s", used ? " " : "", a->variants);
    if (a->seeds && a->seeds != file_seeds)
        ADD("%s--seeds %d", used ? " " : "", a->seeds);
#undef ADD
    if (used >= size) /* cut: still marked as overridden */
        snprintf(o + size - 4, 4, "...");
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
    /* a missing or malformed experiment file is a usage error (2), as a bad
     * --set is; a read error or no memory a run-time one (1) */
    if ((!a->ini && bnx_home_path(path, sizeof path, rel, &err)) ||
        bnx_spec_load(path, a->name, spec, &err))
        return err.code == BNX_EIO || err.code == BNX_ENOMEM ? cli_report(&err)
                                                             : cli_error(2, "%s", err.msg);
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
    record_overrides(a, spec->seeds, plan);
    snprintf(plan->tag, sizeof plan->tag, "%s", a->tag ? a->tag : "");
    snprintf(plan->bnexp, sizeof plan->bnexp, "%s", BNX_VERSION " (" BNX_GITREV ")");
    bnx_utc_iso8601(plan->created_utc, sizeof plan->created_utc);
    return 0;
}

/* --dry-run: print every trial of the plan (name, swept values, seed,
 * estimated memory) after the checks a run makes before it starts, and
 * create nothing.  Returns the exit status. */
static int dry_run(const run_args *a, bnx_plan *plan, const run_state *st)
{
    static bnx_trial_data data[BNX_TRIAL_MAX_DATASETS];
    bnx_strbuf sb = {0};
    int num_data = 0, rc = load_data(plan, 1, data, &num_data);
    if (rc == 0)
        bnx_table_plan(plan, data, num_data, a->jobs, st->num_variants, &sb);
    bnx_trial_data_free(data, num_data);
    return rc ? rc : cli_print_text(&sb);
}

/* After the trials: name the failed ones and the unfinished ones (with
 * the command that continues them).  Returns 0 if every trial ended
 * (done or diverged), else 1. */
int cli_finish_message(const bnx_plan *plan, const bnx_collect_info *info, const char *name,
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

/* Run the trials pending[0 .. n) here, --jobs at a time (runs/local.h),
 * or hand them to GNU parallel or Slurm (data unused).  *stopped_by
 * receives the stop signal that ended it, or 0.  Returns 0 or the exit
 * status. */
static int launch(const run_args *a, const bnx_plan *plan, run_state *st, const char *out,
                  const bnx_trial_data *data, int num_data, const int *pending, int n,
                  int *stopped_by)
{
    bnx_error err;
    int rc;
    if (a->launch.launcher == LAUNCH_LOCAL) {
        bnx_local_display display = {show_progress, show_ended, show_stopping, show_not_started,
                                     st};
        rc = bnx_local_run(plan, out, data, num_data, pending, n, a->jobs, st->trials, &display,
                           stopped_by, &err);
        if (st->tty)
            fprintf(stderr, "\r\033[K");
    } else if (a->launch.launcher == LAUNCH_PARALLEL) {
        bnx_parallel_opts o = {a->jobs, a->launch.sshlogin};
        rc = bnx_parallel_run(out, pending, n, &o, cli_note, NULL, stopped_by, &err);
    } else {
        bnx_slurm_opts o = {a->launch.sbatch, a->launch.max_parallel, a->launch.wait};
        rc = bnx_slurm_submit(plan, out, pending, n, &o, cli_note, NULL, stopped_by, &err);
    }
    return rc ? cli_report(&err) : 0;
}

/* Run the plan's trials (a new run, or the unfinished ones of a resumed
 * run), write summary.csv and print the table.  Returns the exit status. */
static int run_plan(const run_args *ap, bnx_plan *plan, run_state *stp, char *out, size_t out_size,
                    char *parent, size_t parent_size)
{
    const run_args a = *ap;
    run_state st = *stp;
    bnx_error err;
    int rc = 0;
    /* With --out DIR, refuse to overwrite an earlier run's trials unless
     * asked to.  Without it every run gets a new directory. */
    const char *out_arg = a.resume ? out : a.out_arg;
    if (out_arg) {
        if (strlen(out_arg) >= 4000)
            return cli_error(2, "run: --out path is too long");
        if (!*out_arg)
            return cli_error(2, "run: --out needs a directory (got an empty path)");
        for (const char *c = out_arg; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return cli_error(2, "run: %s: the path has %s after '%.*s', which the run's "
                                 "own files (commands.txt, slurm.sh, its manifests) cannot name; "
                                 "choose another", a.resume ? "--resume" : "--out",
                                 *c == '\n' ? "a newline" : "a control character",
                                 (int)(c - out_arg), out_arg);
        if (out_arg != out)
            snprintf(out, out_size, "%s", out_arg);
        if (a.resume && access(out, W_OK) != 0) /* a read-only run: say so before any trial */
            return cli_error(1, "run: --resume %s: cannot write there (%s); nothing was run", out,
                             strerror(errno));
        for (int i = 0; i < plan->num_trials; i++) {
            char dir[4200];
            snprintf(dir, sizeof dir, "%s/%s", out, plan->trials[i].dir);
            struct stat sb;
            if (!a.resume && !a.force && stat(dir, &sb) == 0)
                return cli_error(1, "%s exists from an earlier run; use --out DIR for a new directory or --force to replace it", dir);
        }
    }

    if (a.launch.launcher == LAUNCH_PARALLEL && bnx_parallel_check(&err))
        return cli_report(&err);
    bnx_slurm_opts slurm = {a.launch.sbatch, a.launch.max_parallel, a.launch.wait};
    if (a.launch.launcher == LAUNCH_SLURM && bnx_slurm_check(&slurm, out_arg, &err))
        return cli_report(&err);
    static bnx_trial_data data[BNX_TRIAL_MAX_DATASETS];
    int num_data = 0, done = 0;
    rc = load_data(plan, !a.resume, data, &num_data);
    for (int i = 0; rc == 0 && a.resume && i < plan->num_trials; i++) {
        bnx_trial_result result;
        if (bnx_trial_finished_before(plan, out, i, data, num_data, &st.finished[i], &result, &err))
            rc = cli_report(&err);
        done += st.finished[i];
    }
    if (rc == 0 && !a.resume && !a.out_arg) {
        snprintf(parent, parent_size, "runs/%s", a.name);
        if (bnx_run_dir_new(parent, a.tag, out, out_size, &err))
            rc = cli_report(&err);
    }
    if (rc == 0 && !a.resume && bnx_run_create(out, plan, a.force, &err))
        rc = cli_report(&err);
    for (int i = 0; rc == 0 && a.resume && i < plan->num_trials; i++)
        if (bnx_mkdir_under(out, plan->trials[i].dir, &err))
            rc = cli_report(&err);
    if (rc) {
        bnx_trial_data_free(data, num_data);
        return rc;
    }
    int num = plan->num_trials, todo = num - done, parallel = a.jobs < todo ? a.jobs : todo;
    static const char *const launcher_names[] = {"", " with GNU parallel", " as a Slurm job array"};
    const char *how = launcher_names[a.launch.launcher];
    char at_a_time[64] = "";
    if (a.launch.launcher != LAUNCH_SLURM)
        snprintf(at_a_time, sizeof at_a_time, ", %d at a time", parallel);
    if (a.resume)
        fprintf(stderr, "bnexp: %s: resuming %s: %d of %d trial(s) finished before, %d to run%s%s\n",
                a.name, out, done, num, todo, at_a_time, how);
    else if (st.num_seeds > 1)
        fprintf(stderr, "bnexp: %s: %d trials (%d variant%s x up to %d seeds)%s%s, writing %s\n",
                a.name, num, st.num_variants, st.num_variants == 1 ? "" : "s", st.num_seeds,
                at_a_time, how, out);
    else
        fprintf(stderr, "bnexp: %s: %d trial(s)%s%s, writing %s\n", a.name, num, at_a_time, how,
                out);

    signal(SIGPIPE, SIG_IGN);
    int *pending = malloc(((size_t)num + 1) * sizeof *pending), n = 0, stopped_by = 0;
    if (!pending) {
        bnx_trial_data_free(data, num_data);
        return cli_error(1, "out of memory for %d trials", num);
    }
    for (int i = 0; i < num; i++) /* the unfinished trials, in the plan's order */
        if (!st.finished[i])
            pending[n++] = i;
    /* the datasets are freed before an external launcher waits */
    if (a.launch.launcher == LAUNCH_LOCAL)
        rc = launch(&a, plan, &st, out, data, num_data, pending, n, &stopped_by);
    bnx_trial_data_free(data, num_data);
    if (a.launch.launcher != LAUNCH_LOCAL)
        rc = launch(&a, plan, &st, out, NULL, 0, pending, n, &stopped_by);
    free(pending);
    if (rc)
        return rc;
    if (a.launch.launcher == LAUNCH_SLURM && (!a.launch.wait || stopped_by)) {
        if (parent[0])
            printf("run directory: %s (%s/latest)\n", out, parent);
        return stopped_by ? 128 + stopped_by : 0;
    }

    static bnx_collect_info info;
    rc = cli_collect_summary(out, plan, &info);
    if (rc) {
        bnx_collect_free(&info);
        return rc;
    }
    bnx_strbuf sb = {0};
    bnx_table_results(plan, &info, &sb);
    cli_print_text(&sb);
    if (parent[0])
        printf("run directory: %s (%s/latest)\n", out, parent);
    fflush(stdout);
    rc = cli_finish_message(plan, &info, a.name, out);
    bnx_collect_free(&info);
    return stopped_by ? 128 + stopped_by : rc;
}

/* The local launcher's arrays of st for plan (again, after it grew).
 * Returns 0 or the exit status. */
static int ready_state(run_state *st, bnx_plan *plan)
{
    free(st->finished);
    free(st->trials);
    st->plan = plan;
    st->finished = calloc((size_t)plan->num_trials + 1, sizeof *st->finished);
    st->trials = calloc((size_t)plan->num_trials + 1, sizeof *st->trials);
    if (!st->finished || !st->trials ||
        bnx_local_order(plan, NULL, &st->num_variants, &st->num_seeds, NULL))
        return cli_error(1, "out of memory for %d trials", plan->num_trials);
    return 0;
}

int cli_second_look(const char *who, const char *run, const char *name, int *added)
{
    bnx_error err;
    char rules[1024];
    int to;
    if (bnx_run_second_look(run, name, &to, added, rules, sizeof rules, &err))
        return cli_error(1, "%s: no second look: %s", who, err.msg);
    if (*added)
        fprintf(stderr, "bnexp: %s: %s inconclusive at the first look: the second look adds %d "
                "trial(s), every variant to seed %d\n", who, rules, *added, to);
    return 0;
}

/* --until-decided, once the run's trials have ended: where a rule of a
 * two-stage design is inconclusive at the first look, add the second
 * stage's seeds (cli_second_look) and run them as a resumed run; then
 * print the verdicts.  Returns 0 or the exit status. */
static int until_decided(const run_args *a, bnx_plan *plan, run_state *st, char *out,
                         size_t out_size, char *parent, size_t parent_size)
{
    bnx_error err;
    bnx_strbuf sb = {0};
    int added = 0, rc = cli_second_look(a->name, out, plan->experiment, &added);
    if (rc)
        return rc;
    if (added) {
        bnx_plan_free(plan);
        if (bnx_plan_read(out, plan, &err))
            return cli_report(&err);
        if ((rc = ready_state(st, plan)))
            return rc;
        run_args b = *a;
        b.resume = 1;
        b.resume_dir = out;
        if ((rc = run_plan(&b, plan, st, out, out_size, parent, parent_size)))
            return rc;
    } else
        fprintf(stderr, "bnexp: %s: no seeds to add: no rule of a two-stage design (max_seeds) "
                "is inconclusive at its first look without its second\n", a->name);
    if (bnx_verdict_lines(out, plan->experiment, &sb, &err))
        return cli_report(&err);
    cli_print_text(&sb);
    return 0;
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
        rc = ready_state(&st, &plan);
    st.tty = isatty(STDERR_FILENO);
    st.jobs = a.jobs;
    if (rc == 0)
        rc = a.dry_run ? dry_run(&a, &plan, &st)
                       : run_plan(&a, &plan, &st, out, sizeof out, parent, sizeof parent);
    if (rc == 0 && a.until_decided && !a.dry_run)
        rc = until_decided(&a, &plan, &st, out, sizeof out, parent, sizeof parent);
    free(st.finished);
    free(st.trials);
    bnx_plan_free(&plan);
    return rc;
}
