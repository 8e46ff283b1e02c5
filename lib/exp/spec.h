/* Experiment specs: experiments/NAME.ini read with inih.
 *
 *   [experiment]          keys shared by every variant (see config.h)
 *   description = ...     one line shown by `bnexp list` and the manifest
 *   steps = 50000
 *   [variant.baseline]    one section per variant; its keys override
 *   bn = false
 *   [variant.bn]
 *   bn = true
 *
 * Precedence: built-in defaults < [experiment] < [variant.NAME] < --set. */
#ifndef BNX_EXP_SPEC_H
#define BNX_EXP_SPEC_H

#include "core/error.h"
#include "exp/config.h"

#define BNX_MAX_VARIANTS 32
#define BNX_MAX_SETTINGS 64

typedef struct bnx_setting {
    char key[64];
    char value[256];
    int line; /* line in the .ini file, 0 for --set */
} bnx_setting;

typedef struct bnx_variant {
    char name[64];
    int num_settings;
    bnx_setting settings[BNX_MAX_SETTINGS]; /* the section's own keys */
    bnx_config config;                      /* resolved */
} bnx_variant;

typedef struct bnx_spec {
    char name[64];          /* experiment name ("fig1") */
    char path[4096];        /* the .ini it came from */
    char description[256];
    int num_base;
    bnx_setting base[BNX_MAX_SETTINGS];  /* [experiment] keys */
    int num_overrides;
    bnx_setting overrides[BNX_MAX_SETTINGS]; /* --set, in order */
    int num_variants;
    bnx_variant variants[BNX_MAX_VARIANTS];
} bnx_spec;

/* Read and resolve an experiment file.  `name` is the experiment's name.
 * Errors: BNX_ENOTFOUND if the file does not exist; BNX_EFORMAT for a
 * syntax error, an unknown section, an unknown key or a bad value, with
 * file:line; BNX_EINVAL if there is no variant or too many. */
int bnx_spec_load(const char *path, const char *name, bnx_spec *spec, bnx_error *err);

/* Apply "KEY=VALUE" to every variant (an --set option), re-resolving each.
 * Errors: BNX_EINVAL if the text has no '=', or as bnx_config_set. */
int bnx_spec_override(bnx_spec *spec, const char *assignment, bnx_error *err);

/* Keep only the variants named in the comma-separated list `names`, in
 * the file's order; a name given twice counts once.
 * Errors: BNX_EINVAL for an empty or over-long list; BNX_ENOTFOUND naming an unknown variant and listing the known. */
int bnx_spec_select(bnx_spec *spec, const char *names, bnx_error *err);

#endif
