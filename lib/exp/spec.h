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

/* Sanity limits, not tuning knobs: keys in one section (or --set options),
 * and variants in one experiment (a grid's points included). */
#define BNX_MAX_SETTINGS 64
#define BNX_MAX_VARIANTS 10000

typedef struct bnx_setting {
    char key[64];
    char value[256];
    int line; /* line in the .ini file, 0 for --set */
} bnx_setting;

typedef struct bnx_variant {
    char name[64];
    int num_settings;
    bnx_setting *settings;  /* the section's own keys (malloc'd, owned by the spec) */
    bnx_config config;      /* resolved */
} bnx_variant;

typedef struct bnx_spec {
    char name[64];          /* experiment name ("fig1") */
    char path[4096];        /* the .ini it came from */
    char description[256];
    int seeds;              /* [experiment] seeds = N: default seeds 1..N; 0 if not given */
    int num_base;
    bnx_setting *base;      /* [experiment] keys (malloc'd) */
    int num_overrides;
    bnx_setting *overrides; /* --set, in order (malloc'd) */
    int num_variants;
    bnx_variant *variants;  /* malloc'd (capacity cap_variants) */
    int cap_variants;
    int num_swept;
    char (*swept)[64];      /* keys a grid sweeps (malloc'd), in first-seen order */
} bnx_spec;

/* Read and resolve an experiment file.  `name` is the experiment's name.
 * spec is overwritten (call bnx_spec_free on a spec loaded before), and
 * must be freed with bnx_spec_free, also after a failure.
 * [experiment] may hold, besides the keys of config.h, `description` (one
 * line) and `seeds` (1 to 1024: run seeds 1..N unless --seed/--seeds say
 * otherwise).
 * Errors: BNX_ENOTFOUND if the file does not exist; BNX_EFORMAT for a
 * syntax error, an unknown section, an unknown key or a bad value, with
 * file:line; BNX_EINVAL if there is no variant or more than
 * BNX_MAX_VARIANTS; BNX_ENOMEM. */
int bnx_spec_load(const char *path, const char *name, bnx_spec *spec, bnx_error *err);

/* Free what bnx_spec_load allocated and zero the spec; safe on a zeroed spec. */
void bnx_spec_free(bnx_spec *spec);

/* Apply "KEY=VALUE" to every variant (an --set option), re-resolving each.
 * Errors: BNX_EINVAL if the text has no '=', or as bnx_config_set. */
int bnx_spec_override(bnx_spec *spec, const char *assignment, bnx_error *err);

/* Keep only the variants named in the comma-separated list `names`, in
 * the file's order; a name given twice counts once.
 * Errors: BNX_EINVAL for an empty or over-long list; BNX_ENOTFOUND naming an unknown variant and listing the known. */
int bnx_spec_select(bnx_spec *spec, const char *names, bnx_error *err);

#endif
