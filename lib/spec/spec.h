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
 *   [grid]                optional: the cartesian product of its keys'
 *   init_std = 1e-3:1e1:x10   values with every variant above; several
 *   [grid.named]          named grids [grid.NAME] give the union of their
 *   init = xavier_normal, kaiming_normal      products
 *
 *   [verdict.NAME]        optional: a claim's verdict rule (spec/rule.h),
 *   claim = 2             checked when the file is read and decided on the
 *   ...                   run (bnexp report claims)
 *
 * Grid values (bnx_grid_values): a comma-separated list; a bracketed item
 * is one value of a list key (conv_channels = [16,32],[32,64]); A:B:xF is
 * A, A*F, A*F^2, ... up to B (F > 1) and A:B:+S is A, A+S, ... up to B.
 * Each point is a variant named VARIANT-KEY-VALUE[-KEY-VALUE...]
 * (bnx_grid_point_name), e.g. bn-init_std-0.01.  A file with a [grid] and
 * no [variant.NAME] has the grid's points alone, each named
 * KEY-VALUE[-KEY-VALUE...] (lr-0.1-norm-batch).  A file with neither runs
 * its [experiment] settings as one variant named BNX_SPEC_BASE ("base");
 * a --grid on such a file gives the points alone, as a [grid] would.
 *
 * Precedence: built-in defaults < [experiment] < [variant.NAME] < grid
 * point < --set.  --grid KEY=VALUES replaces the values of KEY in every
 * grid that has it (or adds KEY to every grid; to a new [grid] if there is
 * none). */
#ifndef BNX_SPEC_SPEC_H
#define BNX_SPEC_SPEC_H

#include "core/error.h"
#include "spec/config.h"
#include "spec/evaluation.h"
#include "spec/rule.h"

/* Sanity limits, not tuning knobs: keys in one section (or --set options),
 * and variants in one experiment (a grid's points included). */
#define BNX_MAX_SETTINGS 64
#define BNX_MAX_VARIANTS 10000
/* The one variant of a file with no [variant.NAME] and no [grid]: its
 * [experiment] settings as they are. */
#define BNX_SPEC_BASE "base"

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
    int section;            /* a grid point: its variant's index in
                               bnx_spec.sections; -1 otherwise */
} bnx_variant;

/* One key of a grid and its values. */
typedef struct bnx_grid_axis {
    char key[64];
    int line;               /* line in the .ini file, 0 for --grid */
    int num_values;
    char (*values)[256];    /* malloc'd */
} bnx_grid_axis;

/* [grid] (name "") or [grid.NAME]. */
typedef struct bnx_grid {
    char name[64];
    int line;               /* line of its header */
    int num_axes;
    bnx_grid_axis *axes;    /* malloc'd, in the file's order */
} bnx_grid;

typedef struct bnx_spec {
    char name[64];          /* experiment name ("fig1") */
    char path[4096];        /* the .ini it came from */
    char description[256];
    int seeds;              /* [experiment] seeds = N: default seeds 1..N; 0 if not given */
    int max_seeds;          /* [experiment] max_seeds = M: a two-stage design, seeds
                               seeds+1..M added where a rule is inconclusive at
                               the first look (analysis/verdict.h); 0 if not given */
    int num_base;
    bnx_setting *base;      /* [experiment] keys (malloc'd) */
    int num_overrides;
    bnx_setting *overrides; /* --set, in order (malloc'd) */
    int num_variants;
    bnx_variant *variants;  /* what runs: the file's variants, or with grids
                               their points (malloc'd, capacity cap_variants) */
    int cap_variants;
    int num_sections;
    bnx_variant *sections;  /* the file's [variant.NAME] sections, unresolved
                               (malloc'd), when there are grids */
    int num_grids;
    bnx_grid *grids;        /* malloc'd */
    int num_swept;
    char (*swept)[64];      /* keys a grid sweeps (malloc'd), in first-seen order */
    int num_verdicts;
    bnx_verdict_rule *verdicts; /* [verdict] and [verdict.NAME], in the file's
                               order, measures parsed (malloc'd) */
    int implicit_variant;   /* 1: the file has no [variant.NAME]; its one variant,
                               BNX_SPEC_BASE, is [experiment] itself, and grid
                               points take no prefix from it */
    int num_evals;
    bnx_eval_section *evals; /* [eval.NAME], in the file's order (malloc'd): every
                               finished trial's evaluations (spec/evaluation.h) */
} bnx_spec;

/* Read and resolve an experiment file.  `name` is the experiment's name.
 * spec is overwritten (call bnx_spec_free on a spec loaded before), and
 * must be freed with bnx_spec_free, also after a failure.
 * [experiment] may hold, besides the keys of config.h, `description` (one
 * line), `seeds` (1 to 1024: run seeds 1..N unless --seed/--seeds say
 * otherwise) and `max_seeds` (seeds < M <= 1024: the two-stage design of
 * analysis/verdict.h; every rule's stage_seeds and max_seeds are set from
 * them).
 * Errors: BNX_ENOTFOUND if the file does not exist; BNX_EFORMAT for a
 * syntax error, an unknown section, an unknown key or a bad value, a
 * max_seeds without seeds or not above them, an [eval.NAME] that
 * bnx_eval_section_set or _check refuses or more than BNX_MAX_EVALS, a
 * verdict rule that bnx_verdict_set or bnx_verdict_finish refuses, with
 * file:line; BNX_EINVAL if there are more than BNX_MAX_VARIANTS
 * variants; BNX_ENOMEM. */
int bnx_spec_load(const char *path, const char *name, bnx_spec *spec, bnx_error *err);

/* Free what bnx_spec_load allocated and zero the spec; safe on a zeroed spec. */
void bnx_spec_free(bnx_spec *spec);

/* Replace the values of KEY in every grid with VALUES, as an option
 * --grid KEY=VALUES, and expand the grids again (--set options already
 * given still apply on top).
 * Errors: BNX_EINVAL naming the option for no '=', an unknown key, a bad
 * value (as bnx_config_set), malformed values (bnx_grid_values), a clash
 * of point names or too many points.  A refused option leaves the spec
 * as it was (its grids, variants and swept keys): a later option applies
 * as if it had not been given. */
int bnx_spec_grid(bnx_spec *spec, const char *assignment, bnx_error *err);

/* Parse grid values text (see above) for key into a malloc'd array *values
 * of *count values (free it).  Every value is checked with bnx_config_set.
 * Errors: BNX_EINVAL naming the key and the item: no value, an empty item,
 * an unclosed bracket, a range that is not A:B:xF (F > 1, 0 < A <= B) or
 * A:B:+S (S > 0, A <= B), over 1000 values; or as bnx_config_set. */
#define BNX_GRID_MAX_VALUES 1000
int bnx_grid_values(const char *key, const char *text, char (**values)[256], int *count,
                    bnx_error *err);

/* The name of a grid point: `base`, then "-KEY-VALUE" for each of the n
 * keys (with base "", the first without its "-"), each value written with lowercase letters, digits, '.', '_'
 * (for ',' and spaces) and '-' only ('+' dropped), into buf[size].
 * Errors: BNX_EINVAL naming the name when it is not path-safe
 * (bnx_name_is_safe: too long, or a character that cannot be written). */
int bnx_grid_point_name(const char *base, const char (*keys)[64], const char *const *values,
                        int n, char *buf, size_t size, bnx_error *err);

/* Apply "KEY=VALUE" to every variant (an --set option), re-resolving each.
 * Errors: BNX_EINVAL if the text has no '=', or as bnx_config_set. */
int bnx_spec_override(bnx_spec *spec, const char *assignment, bnx_error *err);

/* Keep only the variants named in the comma-separated list `names`, in
 * the file's order; a name given twice counts once.  With grids, a name is
 * a point's, or a file variant's: every point of it.
 * Errors: BNX_EINVAL for an empty or over-long list; BNX_ENOTFOUND naming an unknown variant and listing the known. */
int bnx_spec_select(bnx_spec *spec, const char *names, bnx_error *err);

#endif
