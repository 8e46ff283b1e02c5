/* A run's frozen plan, RUN/plan.json: every trial of the run with its fully
 * resolved config (every key, after defaults < [experiment] < [variant] <
 * grid point < --set), its seed and directory, the swept keys, and the
 * digests of the datasets it trains on.  `bnexp run` writes it before any
 * trial starts, with a copy of the experiment file (RUN/experiment.ini);
 * trials run from the plan only, and --resume reads it instead of the
 * experiment file, so a key added to bnexp later or a changed default does
 * not alter a planned trial.
 *
 * plan.json (version 1), a JSON object:
 *   "format": "bnexp-plan", "version": 1,
 *   "experiment": name, "source": the experiment file it came from,
 *   "tag": the run's --tag ("" or absent: none),
 *   "description": text, "bnexp": version, "created_utc": ISO 8601,
 *   "swept": [key, ...]                the keys a grid sweeps (may be empty),
 *   "datasets": [{"name", "verified": bool, "files": [{"file", "sha256"}]}],
 *   "evals": [{"name", "stats", "batch_size", "transform", "update_running"}]
 *                                      the [eval.NAME] sections (spec/evaluation.h);
 *                                      absent when there are none,
 *   "trials": [{"variant", "seed", "dir": "VARIANT/seed-K",
 *               "config": {key: value as text, ... every key, in the key
 *                          table's order}}]
 * Values are text exactly as config.h's bnx_config_key_value prints them,
 * so that they read back bit for bit. */
#ifndef BNX_SPEC_PLAN_H
#define BNX_SPEC_PLAN_H

#include <stddef.h>

#include "core/error.h"
#include "data/dataset.h"
#include "spec/config.h"
#include "spec/spec.h"

#define BNX_PLAN_FILE "plan.json"
#define BNX_PLAN_VERSION 1
/* The copy of the experiment file in a run directory. */
#define BNX_PLAN_INI "experiment.ini"
/* At most this many trials (variants x seeds) in one plan. */
#define BNX_PLAN_MAX_TRIALS 20000
/* At most this many datasets in one plan. */
#define BNX_PLAN_MAX_DATASETS 4

typedef struct bnx_plan_trial {
    char variant[64];      /* the variant (or grid point) */
    long seed;
    char dir[96];          /* "VARIANT/seed-K", relative to the run directory */
    bnx_config config;     /* fully resolved, seed included */
    char *config_text;     /* "key=value\n" for every key the plan holds, in its
                              order, each value as bnx_config_key_value writes
                              it (malloc'd): what the checkpoint identity
                              hashes (bnx_plan_identity) */
} bnx_plan_trial;

typedef struct bnx_plan {
    char experiment[64];
    char source[4096];      /* the experiment file the plan was made from */
    char description[256];
    char bnexp[128];        /* version of the bnexp that wrote it */
    char created_utc[32];
    char overrides[1024];   /* how the run departs from its experiment file, as the
                               command line gave it ("--set steps=10 --seeds 1"; ""
                               for none): the run decides the claims table only
                               without them (analysis/claims.h) */
    int overrides_known;    /* 0: a plan.json from before "overrides" was recorded */
    char tag[64];           /* the run's label (bnexp run --tag, a plain name), or "" */
    int num_swept;
    char (*swept)[64];      /* keys a grid sweeps (malloc'd), in first-seen order */
    int num_datasets;
    bnx_dataset_files datasets[BNX_PLAN_MAX_DATASETS];
    int num_evals;
    bnx_eval_section evals[BNX_MAX_EVALS]; /* every finished trial's evaluations */
    int num_trials;
    bnx_plan_trial *trials; /* malloc'd: variant by variant, seeds ascending */
} bnx_plan;

/* The plan of a run of spec's variants: with seeds > 0 every variant with
 * seeds 1..seeds, otherwise each with the seed its config holds.  Swept
 * keys are taken from the spec (none for an experiment without a grid).
 * Datasets are left empty (bnx_plan_add_dataset).  experiment, source,
 * description and the [eval.NAME] sections come from spec; bnexp, created_utc and overrides (made "",
 * known) are left for the caller.
 * Errors: BNX_EINVAL for more than BNX_PLAN_MAX_TRIALS trials (the message
 * gives the count); BNX_ENOMEM.  On error *plan is freed. */
int bnx_plan_build(const bnx_spec *spec, int seeds, bnx_plan *plan, bnx_error *err);

/* The fewest trials (seeds) any variant of the plan has, in one pass (the
 * plan lists its trials variant by variant); 0 for a plan of no trials. */
int bnx_plan_fewest_seeds(const bnx_plan *plan);

/* The second stage of a two-stage design (spec/spec.h's max_seeds;
 * analysis/verdict.h): give every variant the seeds up to `to`, each new
 * trial a copy of the variant's seed-1 config with its seed, inserted after
 * the variant's last trial (the plan stays variant by variant, seeds
 * ascending; the trials planned before keep their configs).  Seeds the
 * plan holds already are left as they are (to <= a variant's seeds: no
 * change).
 * Errors: BNX_EINVAL for a variant whose seeds are not 1, 2, ... (a plan
 * of each variant's own seed), or more than BNX_PLAN_MAX_TRIALS trials;
 * BNX_ENOMEM.  On error the plan is as it was. */
int bnx_plan_add_seeds(bnx_plan *plan, int to, bnx_error *err);

/* Record a dataset's name, verification and file digests in the plan
 * (once per name; a second call with the same name replaces the first).
 * Errors: BNX_EINVAL when BNX_PLAN_MAX_DATASETS are there already. */
int bnx_plan_add_dataset(bnx_plan *plan, const bnx_dataset_files *files, bnx_error *err);

/* The recorded dataset called `name`, or NULL. */
const bnx_dataset_files *bnx_plan_dataset(const bnx_plan *plan, const char *name);

/* Write dir/plan.json whole (temporary file, fsync, rename).
 * Errors: BNX_ENOMEM; BNX_EIO naming the file. */
int bnx_plan_write(const char *dir, const bnx_plan *plan, bnx_error *err);

/* Read dir/plan.json into *plan (free with bnx_plan_free, also after a
 * failure).  Each trial's config starts from the built-in defaults and
 * takes every key the plan holds; a key the plan lacks (one added to bnexp
 * after the plan was written) keeps its default, which by this project's
 * rule is the behaviour from before the key existed.
 * Errors: BNX_ENOTFOUND if there is no plan.json; BNX_EIO if it cannot be
 * read; BNX_EFORMAT naming the file and the field that is missing, of the
 * wrong type, out of range or of another version (an unknown key: "written
 * by a newer bnexp"; a trial directory other than VARIANT/seed-K; a variant
 * name that is not path-safe; two trials with one directory); BNX_ENOMEM. */
int bnx_plan_read(const char *dir, bnx_plan *plan, bnx_error *err);

/* bnx_plan_read from text[size]; `what` names the source in messages and
 * `defaults` is the config every trial starts from (NULL: the built-in
 * defaults; a test passes changed defaults to show they do not leak in).
 * Errors: as bnx_plan_read, without BNX_ENOTFOUND and BNX_EIO. */
int bnx_plan_parse(const char *text, size_t size, const char *what, const bnx_config *defaults,
                   bnx_plan *plan, bnx_error *err);

/* The checkpoint identity (spec/identity.h) of trial t: over the keys and
 * values the plan holds for it, not over today's key table, so a trial
 * planned before a key was added still matches its checkpoints. */
void bnx_plan_identity(const bnx_plan_trial *t, const char *data_id, unsigned char out[32]);

/* The value (as text) of key `key` in trial t's config into buf[size];
 * "" for an unknown key. */
void bnx_plan_value(const bnx_plan_trial *t, const char *key, char *buf, size_t size);

/* 1 if key `key` has at least two different values among the plan's
 * trials (it is swept, by a grid or by the variants), else 0 (an unknown
 * key included). */
int bnx_plan_varies(const bnx_plan *plan, const char *key);

/* The keys that vary among the trials (bnx_plan_varies), but seed and
 * the keys that change nothing computed (threads, checkpoint_every,
 * max_memory_mb: bnx_config_key_inert), comma-separated into buf[size] ("" if none). */
void bnx_plan_varying_keys(const bnx_plan *plan, char *buf, size_t size);

/* Free what the plan holds and zero it; safe on a zeroed plan. */
void bnx_plan_free(bnx_plan *plan);

#endif
