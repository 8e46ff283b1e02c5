/* A run directory's run.json: how the run was asked for (experiment,
 * --set overrides in order, --variants, --seeds), so that `bnexp run NAME
 * --resume RUN_DIR` rebuilds exactly the same trials. */
#ifndef BNX_EXP_RUNFILE_H
#define BNX_EXP_RUNFILE_H

#include "core/error.h"
#include "exp/spec.h"

#define BNX_RUN_FILE "run.json"

typedef struct bnx_run_file {
    char experiment[64];     /* "fig1" */
    int num_sets;
    char sets[BNX_MAX_SETTINGS][330]; /* "key=value", applied in order */
    char variants[1024];     /* --variants list, "" for all */
    int seeds;               /* --seeds N, 0 when not given */
} bnx_run_file;

/* Write dir/run.json whole (temp + rename).
 * Errors: BNX_ENOMEM; BNX_EIO naming the file. */
int bnx_run_file_write(const char *dir, const bnx_run_file *rf, bnx_error *err);

/* Read dir/run.json.
 * Errors: BNX_ENOTFOUND if it does not exist (not a run directory, or one
 * made before bnexp wrote run.json); BNX_EIO if it cannot be read;
 * BNX_EFORMAT naming the file and the field that is missing, of the wrong
 * type or too long; BNX_ENOMEM. */
int bnx_run_file_read(const char *dir, bnx_run_file *rf, bnx_error *err);

#endif
