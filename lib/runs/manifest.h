/* A trial's manifest.json and its summary.csv row: what a person needs to
 * trust and redo the trial (resolved config, seed, dataset SHA-256, bnexp
 * version, threads, timings, outcome). */
#ifndef BNX_RUNS_MANIFEST_H
#define BNX_RUNS_MANIFEST_H

#include <stddef.h>

#include "core/error.h"
#include "data/dataset.h"
#include "spec/config.h"
#include "runs/machine.h"
#include "spec/summary.h"
#include "train/result.h"

/* Identity of a trial within a run. */
typedef struct bnx_trial_id {
    const char *experiment;   /* "fig1" */
    const char *spec_path;    /* experiments/fig1.ini */
    const char *description;  /* the experiment's one-line description, or NULL */
    const char *variant;      /* "bn" */
    const char *version;      /* bnexp version string */
    const char *started_utc;  /* ISO 8601 */
    const char *finished_utc; /* ISO 8601 */
    const bnx_machine *machine; /* where it ran (the "machine" object), or NULL */
} bnx_trial_id;

/* Write dir/manifest.json whole (temp + rename).  `result` may be NULL for a
 * trial that failed before training; `failure` is its message or NULL.
 * Errors: BNX_ENOMEM, BNX_EIO naming the file. */
int bnx_manifest_write(const char *dir, const bnx_trial_id *id, const bnx_config *cfg,
                       const bnx_dataset_files *data, const bnx_trial_result *result,
                       const char *failure, bnx_error *err);

/* What `bnexp plot` and `bnexp report` read back from a manifest.json. */
typedef struct bnx_manifest_info {
    char version[128];      /* bnexp_version: "0.9 (abc1234)", the code that wrote
                               it (the trial's last attempt); "" if absent */
    char started_utc[32];   /* ISO 8601 (the last attempt's start); "" if absent */
    char finished_utc[32];  /* ISO 8601; "" if absent */
    char experiment[64];    /* "fig1"; "" if absent */
    char description[256];  /* the experiment's description; "" if absent */
    char dataset[64];       /* dataset name ("mnist"); "" if absent */
    char variant[64];       /* "" if absent */
    char status[16];        /* "done", "diverged", "failed"; "" if absent */
    long seed;              /* -1 if absent */
    long batch_size;        /* config.batch_size; 0 if absent */
    char activation[16];    /* config.activation ("sigmoid", "relu"); "" if absent */
    char loss[8];           /* config.loss ("xent", "mse"); "" if absent (before the key: xent) */
    double wall_time_s;     /* result.wall_time_s; NaN if absent */
    int has_result;         /* 1 if the manifest holds a "result" object */
    bnx_trial_result result; /* it, with status from "status" (a value JSON
                               cannot hold, NaN or a step never reached, is
                               null there and NaN or -1 here: what
                               bnx_summary_row prints the same); without one,
                               bnx_trial_result_init's for the built-in
                               defaults, status from "status" */
    int has_machine;        /* 1 if the manifest holds a "machine" object */
    bnx_machine machine;    /* it; fields it lacks "" */
} bnx_manifest_info;

/* Read the fields of bnx_manifest_info from the manifest.json at `path`;
 * fields the file lacks (an older bnexp, a failed trial) take the values
 * given above.
 * Errors: BNX_ENOTFOUND if the file does not exist; BNX_EIO if it cannot be
 * read or is not a regular file; BNX_EFORMAT if it is not a JSON object or
 * is over 16 MiB; BNX_ENOMEM.  Each message
 * names the path. */
int bnx_manifest_read(const char *path, bnx_manifest_info *info, bnx_error *err);

/* One summary.csv row (no newline; spec/summary.h's columns) for a trial into buf[size]. */
void bnx_summary_row(char *buf, size_t size, const char *variant, long seed,
                     const bnx_trial_result *r);

/* "done", "diverged", "interrupted" or "failed". */
const char *bnx_trial_status_name(int status);

/* The status called `name` (bnx_trial_status_name's words) into *status.
 * Returns 0, or -1 for another word (*status untouched). */
int bnx_trial_status_parse(const char *name, int *status);

#endif
