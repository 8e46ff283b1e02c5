/* How a chart tells its lines apart, and where their legend goes: one
 * colour and one dash pattern per line, chosen from the keys that tell the
 * lines apart (a grid's swept keys, and which [variant.NAME] a line comes
 * from), and the legend's columns and rows, worked out here so that the
 * legend sits below the axes and never over them, whatever the number of
 * lines.
 *
 * Colour follows one key and dash the other (as seaborn's hue and style):
 * with two or more keys that vary across the lines, the dash follows the one
 * with the fewest values (at most BNX_STYLE_DASHES) and the colour the rest;
 * with one, the colour follows it; with none, each line has its own colour.
 * A key whose values are all numbers gets a sequential palette in the
 * values' order (small to large: dark blue to yellow-green), so a learning
 * rate sweep reads as a gradient; other keys get ten categorical colours,
 * then evenly spaced hues.  `colour_by` and `dash_by` (bnexp plot
 * --color-by, --dash-by) choose the keys instead.  When colour and dash
 * together still leave two lines alike, each line gets its own colour.
 *
 * The legend is either one entry a line (its label), or, when colour and
 * dash follow two keys and there are BNX_STYLE_FACTOR_LINES lines or more,
 * one entry a key value ("lr = 0.01" in its colour, "norm = batch" in its
 * dash, grey), which stays short at any grid size. */
#ifndef BNX_ANALYSIS_CHART_STYLE_H
#define BNX_ANALYSIS_CHART_STYLE_H

#include "analysis/chart_draw.h"
#include "core/error.h"
#include "runs/reader.h"

/* Dash patterns: gnuplot's dash types 1 (solid) to 5. */
#define BNX_STYLE_DASHES 5
/* From this many lines, a two-key style gets a legend by key value. */
#define BNX_STYLE_FACTOR_LINES 5
/* Most lines a chart styles (and keys it looks at per line). */
#define BNX_STYLE_MAX_LINES 4096
#define BNX_STYLE_MAX_KEYS 16

/* The lines' keys: key k of line i is values[i * num_keys + k] ("" where
 * a line has none). */
typedef struct bnx_style_keys {
    int num_lines, num_keys;
    char (*keys)[64];
    char (*values)[256];
} bnx_style_keys;

/* A chart's line styles and legend. */
typedef struct bnx_chart_style {
    int num_lines;
    char (*colour)[8];      /* "#rrggbb" per line */
    int *dash;              /* gnuplot dash type per line, 1..BNX_STYLE_DASHES */
    int colour_key, dash_key; /* key index, or -1 (colour: one a line; dash: none) */
    char colour_name[64], dash_name[64]; /* their names ("" for -1) */
    /* the legend by key value, when factored (num_entries > 0): entry j's
     * text, colour and dash; otherwise the lines' own labels are used */
    int num_entries;
    char (*entry)[320];
    char (*entry_colour)[8];
    int *entry_dash;
} bnx_chart_style;

/* The keys of the variants of `run` listed in lines[0..n-1] (indices into
 * run->variants): "variant" (the [variant.NAME] a grid point comes from, its
 * name before the first "-KEY-" of a swept key) and each swept key
 * (run->swept_values).  Free with bnx_style_keys_free, also after a failure.
 * Errors: BNX_ENOMEM. */
int bnx_style_keys_of_run(const bnx_run *run, const int *lines, int n, bnx_style_keys *keys,
                          bnx_error *err);
void bnx_style_keys_free(bnx_style_keys *keys);

/* Choose the lines' colours and dashes (see above) into *st (free with
 * bnx_chart_style_free, also after a failure).  colour_by, dash_by: a key
 * name or NULL (automatic).
 * Errors: BNX_EINVAL for a colour_by or dash_by that is not one of the
 * keys, or both the same key (the message lists the keys and names the
 * closest); BNX_ENOMEM. */
int bnx_chart_style_make(const bnx_style_keys *keys, const char *colour_by, const char *dash_by,
                         bnx_chart_style *st, bnx_error *err);
void bnx_chart_style_free(bnx_chart_style *st);

/* Hand the style to a template: colourK and dashK for line K = 1..n; when
 * factored, nkey and keytitleJ, keycolourJ, keydashJ for entry J; and the
 * legend's layout for `entries` entries whose longest text is `longest`
 * characters, on a chart `width` pixels wide in a `fs`-point font:
 * keycols, keyrows, and keyheight, the pixels the legend's rows beyond
 * two take (a template adds them to its height so the axes keep their
 * size). */
void bnx_chart_style_vars(const bnx_chart_style *st, bnx_chart_vars *vs);
void bnx_chart_legend_vars(bnx_chart_vars *vs, int entries, int longest, int width, int fs);

/* All of the above for a chart of `run`'s variants lines[0..n-1] (line K
 * = lines[K-1]): the keys (bnx_style_keys_of_run), the style
 * (bnx_chart_style_make with opts->colour_by and dash_by), its variables
 * (bnx_chart_style_vars) and the legend's (bnx_chart_legend_vars for a
 * 900-pixel chart in opts->format's font; `longest` the longest line
 * label, extra_entry 1 for one more entry, "curve ends: ...").
 * Errors: as bnx_chart_style_make. */
int bnx_chart_lines_styled(const bnx_run *run, const int *lines, int n,
                           const bnx_chart_opts *opts, int extra_entry, int longest,
                           bnx_chart_vars *vs, bnx_error *err);

/* The colours and dashes of a chart with a line (series) per variant of
 * `run`, in every panel (landscape, time-gradients, step-stats): colourS
 * and dashS for S = 1..run->num_variants, chosen as bnx_chart_lines_styled
 * chooses them (a grid's keys, opts->colour_by and dash_by), without its
 * legend variables: these charts have one legend entry per variant.
 * Errors: as bnx_chart_style_make. */
int bnx_chart_series_styled(const bnx_run *run, const bnx_chart_opts *opts, bnx_chart_vars *vs,
                            bnx_error *err);

/* Colour i (0-based) of `count` ordered ones ("#rrggbb"): viridis from
 * dark violet to green, evenly spaced (the light yellow end left out);
 * for lines in an order of their own, e.g. one per hidden layer. */
void bnx_chart_colour_sequential(char out[8], int i, int count);

/* The legend's columns for `entries` entries of up to `longest` characters
 * on a chart `width` pixels wide in a `fs`-point font: as many as fit (at
 * most 4), counting each character as wide as gnuplot's own estimate or
 * wider, so that gnuplot lays out at least as many. */
int bnx_chart_legend_cols(int entries, int longest, int width, int fs);

#endif
