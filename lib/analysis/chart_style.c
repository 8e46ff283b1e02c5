/* Line styles and legend layout of the charts; see chart_style.h. */
#include "analysis/chart_style.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/suggest.h"

/* ---- the keys of a run's lines ---- */

int bnx_style_keys_of_run(const bnx_run *run, const int *lines, int n, bnx_style_keys *keys,
                          bnx_error *err)
{
    memset(keys, 0, sizeof *keys);
    int nk = 1 + (run->num_swept < BNX_STYLE_MAX_KEYS - 1 ? run->num_swept
                                                           : BNX_STYLE_MAX_KEYS - 1);
    keys->keys = calloc((size_t)nk, sizeof *keys->keys);
    keys->values = calloc((size_t)(n > 0 ? n : 1) * (size_t)nk, sizeof *keys->values);
    if (!keys->keys || !keys->values)
        return bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart's styles");
    keys->num_lines = n;
    keys->num_keys = nk;
    snprintf(keys->keys[0], sizeof keys->keys[0], "variant");
    for (int k = 1; k < nk; k++)
        snprintf(keys->keys[k], sizeof keys->keys[0], "%s", run->swept[k - 1]);
    for (int i = 0; i < n; i++) {
        const char *name = run->variants[lines[i]];
        size_t cut = strlen(name);
        for (int k = 0; k < run->num_swept; k++) {
            char mark[80];
            snprintf(mark, sizeof mark, "-%s-", run->swept[k]);
            const char *at = strstr(name, mark);
            if (at && (size_t)(at - name) < cut)
                cut = (size_t)(at - name);
            /* a grid-only point starts with its first key: no variant */
            if (strncmp(name, mark + 1, strlen(mark) - 1) == 0)
                cut = 0;
        }
        snprintf(keys->values[i * nk], sizeof keys->values[0], "%.*s", (int)cut, name);
        for (int k = 1; k < nk; k++)
            snprintf(keys->values[i * nk + k], sizeof keys->values[0], "%s",
                     run->swept_values[lines[i] * run->num_swept + k - 1]);
    }
    return BNX_OK;
}

void bnx_style_keys_free(bnx_style_keys *keys)
{
    free(keys->keys);
    free(keys->values);
    memset(keys, 0, sizeof *keys);
}

/* ---- palettes ---- */

static const char *const categorical[10] = {
    "#1f5fbf", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
};

/* viridis at 0, 1/8, ..., 1 (matplotlib's), of which 0 to 0.85 is used:
 * the yellow end is too light on white */
static const double viridis[9][3] = {
    {0.267, 0.005, 0.329}, {0.283, 0.141, 0.458}, {0.254, 0.265, 0.530},
    {0.207, 0.372, 0.553}, {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551},
    {0.135, 0.659, 0.518}, {0.267, 0.749, 0.441}, {0.478, 0.821, 0.318},
};

static void rgb_hex(char out[8], double r, double g, double b)
{
    snprintf(out, 8, "#%02x%02x%02x", (int)lround(fmin(fmax(r, 0), 1) * 255),
             (int)lround(fmin(fmax(g, 0), 1) * 255), (int)lround(fmin(fmax(b, 0), 1) * 255));
}

void bnx_chart_colour_sequential(char out[8], int i, int count)
{
    double t = count > 1 ? 0.85 * i / (count - 1) : 0, pos = t * 8;
    int lo = (int)floor(pos);
    lo = lo > 7 ? 7 : lo;
    double f = pos - lo;
    rgb_hex(out, viridis[lo][0] + f * (viridis[lo + 1][0] - viridis[lo][0]),
            viridis[lo][1] + f * (viridis[lo + 1][1] - viridis[lo][1]),
            viridis[lo][2] + f * (viridis[lo + 1][2] - viridis[lo][2]));
}

/* colour i of `count` categorical ones: the ten, then evenly spaced hues
 * in two brightnesses */
static void categorical_colour(char out[8], int i, int count)
{
    if (count <= 10) {
        snprintf(out, 8, "%s", categorical[i]);
        return;
    }
    double h = fmod(i * 0.618033988749895, 1.0) * 6, s = 0.75, v = i % 2 ? 0.62 : 0.88;
    int sector = (int)h;
    double f = h - sector, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    double rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
    rgb_hex(out, rgb[sector % 6][0], rgb[sector % 6][1], rgb[sector % 6][2]);
}

/* ---- grouping the lines ---- */

static int is_number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return 0;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

/* The groups of the lines by the values of the keys in use[] (tuples
 * "a, b"): group[i] for line i, the groups' texts into *text (malloc'd),
 * their number returned, or -1 out of memory.  A single key whose values
 * are all numbers orders its groups by value (*numeric = 1); otherwise they
 * are in the order of first appearance. */
static int group_lines(const bnx_style_keys *keys, const int *use, int *group,
                       char (**text)[320], int *numeric)
{
    int n = keys->num_lines, nk = keys->num_keys, count = 0, nuse = 0;
    char(*t)[320] = calloc((size_t)(n > 0 ? n : 1), sizeof *t);
    double *val = calloc((size_t)(n > 0 ? n : 1), sizeof *val);
    if (!t || !val) {
        free(t);
        free(val);
        return -1;
    }
    for (int k = 0; k < nk; k++)
        nuse += use[k] != 0;
    for (int i = 0; i < n; i++) {
        char tuple[320] = "";
        size_t len = 0;
        for (int k = 0; k < nk; k++)
            if (use[k])
                len += (size_t)snprintf(tuple + len, len < sizeof tuple ? sizeof tuple - len : 0,
                                        "%s%s = %s", len ? ", " : "", keys->keys[k],
                                        keys->values[i * nk + k]);
        int g = 0;
        while (g < count && strcmp(t[g], tuple) != 0)
            g++;
        if (g == count)
            snprintf(t[count++], sizeof t[0], "%s", tuple);
        group[i] = g;
    }
    *numeric = nuse == 1 && count > 1;
    for (int g = 0; g < count && *numeric; g++) {
        const char *eq = strstr(t[g], " = ");
        *numeric = eq && is_number(eq + 3, &val[g]);
    }
    if (*numeric) { /* rank the groups by value */
        int *rank = calloc((size_t)count, sizeof *rank);
        char(*sorted)[320] = calloc((size_t)count, sizeof *sorted);
        if (!rank || !sorted) {
            free(rank);
            free(sorted);
            free(t);
            free(val);
            return -1;
        }
        for (int g = 0; g < count; g++) {
            for (int h = 0; h < count; h++)
                rank[g] += val[h] < val[g] || (val[h] == val[g] && h < g);
            memcpy(sorted[rank[g]], t[g], sizeof t[0]);
        }
        for (int i = 0; i < n; i++)
            group[i] = rank[group[i]];
        memcpy(t, sorted, (size_t)count * sizeof t[0]);
        free(rank);
        free(sorted);
    }
    free(val);
    *text = t;
    return count;
}

static int distinct_values(const bnx_style_keys *keys, int k)
{
    int count = 0;
    for (int i = 0; i < keys->num_lines; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(keys->values[j * keys->num_keys + k],
                          keys->values[i * keys->num_keys + k]) == 0;
        count += !seen;
    }
    return count;
}

static int find_key(const bnx_style_keys *keys, const char *opt, const char *name,
                    bnx_error *err)
{
    const char *names[BNX_STYLE_MAX_KEYS];
    char list[BNX_STYLE_MAX_KEYS * 66] = "";
    size_t len = 0;
    for (int k = 0; k < keys->num_keys; k++) {
        if (strcmp(keys->keys[k], name) == 0)
            return k;
        names[k] = keys->keys[k];
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
                                keys->keys[k]);
    }
    const char *near = bnx_suggest(name, names, keys->num_keys);
    bnx_fail(err, BNX_EINVAL, "%s: no key '%s' tells these lines apart%s%s%s "
                         "(the run's: %s)", opt, name, near ? "; did you mean '" : "",
                         near ? near : "", near ? "'?" : "", list);
    return -1;
}

int bnx_chart_style_make(const bnx_style_keys *keys, const char *colour_by, const char *dash_by,
                         bnx_chart_style *st, bnx_error *err)
{
    memset(st, 0, sizeof *st);
    int n = keys->num_lines, nk = keys->num_keys;
    if (n > BNX_STYLE_MAX_LINES || nk > BNX_STYLE_MAX_KEYS)
        return bnx_fail(err, BNX_EINVAL, "more than %d lines or %d keys to style",
                        BNX_STYLE_MAX_LINES, BNX_STYLE_MAX_KEYS);
    st->num_lines = n;
    st->colour_key = st->dash_key = -1;
    st->colour = calloc((size_t)(n > 0 ? n : 1), sizeof *st->colour);
    st->dash = calloc((size_t)(n > 0 ? n : 1), sizeof *st->dash);
    int *cg = calloc((size_t)(n > 0 ? n : 1), sizeof *cg);
    int *dg = calloc((size_t)(n > 0 ? n : 1), sizeof *dg);
    char(*ctext)[320] = NULL, (*dtext)[320] = NULL;
    int rc = BNX_OK, ccount = 0, dcount = 0, cnum = 0, dnum = 0;
    int use[BNX_STYLE_MAX_KEYS] = {0}, duse[BNX_STYLE_MAX_KEYS] = {0};
    if (!st->colour || !st->dash || !cg || !dg) {
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart's styles");
        goto out;
    }
    int cby = -1, dby = -1, varying[BNX_STYLE_MAX_KEYS], nvary = 0;
    if ((colour_by && (cby = find_key(keys, "--color-by", colour_by, err)) < 0) ||
        (dash_by && (dby = find_key(keys, "--dash-by", dash_by, err)) < 0)) {
        rc = BNX_EINVAL;
        goto out;
    }
    if (cby >= 0 && cby == dby) {
        rc = bnx_fail(err, BNX_EINVAL, "--color-by and --dash-by name the same key, %s",
                      colour_by);
        goto out;
    }
    int distinct[BNX_STYLE_MAX_KEYS]; /* each key's number of values over the lines */
    for (int k = 0; k < nk; k++)
        if ((distinct[k] = distinct_values(keys, k)) > 1)
            varying[nvary++] = k;
    if (dby < 0 && !dash_by && nvary >= 2) { /* the varying key with fewest values */
        int best = -1, fewest = BNX_STYLE_DASHES + 1;
        for (int j = 0; j < nvary; j++) {
            int d = distinct[varying[j]];
            if (varying[j] != cby && d <= fewest) {
                fewest = d;
                best = varying[j];
            }
        }
        dby = best;
    }
    if (dby >= 0 && distinct[dby] > BNX_STYLE_DASHES) {
        if (dash_by) {
            rc = bnx_fail(err, BNX_EINVAL, "--dash-by %s: %d values, more than the %d dash "
                          "patterns", dash_by, distinct[dby], BNX_STYLE_DASHES);
            goto out;
        }
        dby = -1;
    }
    if (cby >= 0)
        use[cby] = 1;
    else
        for (int j = 0; j < nvary; j++)
            use[varying[j]] = varying[j] != dby;
    int nuse = 0;
    for (int k = 0; k < nk; k++)
        nuse += use[k];
    if (nuse == 0 && n > 1) { /* nothing varies: a colour a line */
        for (int i = 0; i < n; i++)
            cg[i] = i;
        ccount = n;
    } else if ((ccount = group_lines(keys, use, cg, &ctext, &cnum)) < 0) {
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart's styles");
        goto out;
    }
    if (dby >= 0) {
        duse[dby] = 1;
        if ((dcount = group_lines(keys, duse, dg, &dtext, &dnum)) < 0) {
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart's styles");
            goto out;
        }
    }
    /* two lines alike in colour and dash: a colour a line */
    int alike = 0;
    for (int i = 0; i < n && !alike; i++)
        for (int j = 0; j < i && !alike; j++)
            alike = cg[i] == cg[j] && dg[i] == dg[j];
    if (alike) {
        for (int i = 0; i < n; i++)
            cg[i] = i;
        ccount = n;
        cnum = 0;
        free(ctext);
        ctext = NULL;
        nuse = 0;
    }
    for (int i = 0; i < n; i++) {
        if (cnum && ccount >= 3)
            bnx_chart_colour_sequential(st->colour[i], cg[i], ccount);
        else
            categorical_colour(st->colour[i], cg[i], ccount);
        st->dash[i] = dby >= 0 ? dg[i] % BNX_STYLE_DASHES + 1 : 1;
    }
    if (ctext && nuse > 0) {
        size_t len = 0;
        for (int k = 0; k < nk; k++)
            if (use[k]) {
                if (nuse == 1)
                    st->colour_key = k;
                len += (size_t)snprintf(st->colour_name + len,
                                        len < sizeof st->colour_name ? sizeof st->colour_name - len
                                                                     : 0,
                                        "%s%s", len ? ", " : "", keys->keys[k]);
            }
    }
    if (dby >= 0) {
        st->dash_key = dby;
        snprintf(st->dash_name, sizeof st->dash_name, "%s", keys->keys[dby]);
    }
    /* the legend by key value */
    if (ctext && dby >= 0 && n >= BNX_STYLE_FACTOR_LINES) {
        int total = ccount + dcount;
        st->entry = calloc((size_t)total, sizeof *st->entry);
        st->entry_colour = calloc((size_t)total, sizeof *st->entry_colour);
        st->entry_dash = calloc((size_t)total, sizeof *st->entry_dash);
        if (!st->entry || !st->entry_colour || !st->entry_dash) {
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart's styles");
            goto out;
        }
        for (int g = 0; g < ccount; g++) {
            int i = 0;
            while (cg[i] != g)
                i++;
            snprintf(st->entry[g], sizeof st->entry[0], "%s", ctext[g]);
            memcpy(st->entry_colour[g], st->colour[i], 8);
            st->entry_dash[g] = 1;
        }
        for (int g = 0; g < dcount; g++) {
            snprintf(st->entry[ccount + g], sizeof st->entry[0], "%s", dtext[g]);
            snprintf(st->entry_colour[ccount + g], 8, "#555555");
            st->entry_dash[ccount + g] = g % BNX_STYLE_DASHES + 1;
        }
        st->num_entries = total;
    }
out:
    free(cg);
    free(dg);
    free(ctext);
    free(dtext);
    return rc;
}

void bnx_chart_style_free(bnx_chart_style *st)
{
    free(st->colour);
    free(st->dash);
    free(st->entry);
    free(st->entry_colour);
    free(st->entry_dash);
    memset(st, 0, sizeof *st);
}

/* ---- handing them to a template ---- */

/* colourK and dashK of every line K = 1..n of st. */
static void line_vars(const bnx_chart_style *st, bnx_chart_vars *vs)
{
    char name[32];
    for (int i = 0; i < st->num_lines; i++) {
        snprintf(name, sizeof name, "colour%d", i + 1);
        bnx_chart_vars_add(vs, name, st->colour[i]);
        snprintf(name, sizeof name, "dash%d", i + 1);
        bnx_chart_vars_addf(vs, name, "%d", st->dash[i]);
    }
}

void bnx_chart_style_vars(const bnx_chart_style *st, bnx_chart_vars *vs)
{
    char name[32];
    line_vars(st, vs);
    if (st->num_entries > 0) {
        bnx_chart_vars_addf(vs, "nkey", "%d", st->num_entries);
        for (int j = 0; j < st->num_entries; j++) {
            snprintf(name, sizeof name, "keytitle%d", j + 1);
            bnx_chart_vars_add(vs, name, st->entry[j]);
            snprintf(name, sizeof name, "keycolour%d", j + 1);
            bnx_chart_vars_add(vs, name, st->entry_colour[j]);
            snprintf(name, sizeof name, "keydash%d", j + 1);
            bnx_chart_vars_addf(vs, name, "%d", st->entry_dash[j]);
        }
    }
}

/* gnuplot's cairo terminals estimate a character of an F-point font at
 * about 0.7 F pixels (measured: 37-character entries fit two columns of a
 * 900-pixel chart at 12 points, 47 do not); 0.8 F errs wide.  An entry is
 * its text, the sample (samplen 3), the gap and the key's `width 2`. */
int bnx_chart_legend_cols(int entries, int longest, int width, int fs)
{
    double entry_px = (longest + 3 + 4 + 2) * 0.8 * fs;
    int cols = (int)((width - 60) / entry_px);
    cols = cols < 1 ? 1 : cols > 4 ? 4 : cols;
    return cols > entries ? (entries > 0 ? entries : 1) : cols;
}

void bnx_chart_legend_vars(bnx_chart_vars *vs, int entries, int longest, int width, int fs)
{
    int cols = bnx_chart_legend_cols(entries, longest, width, fs);
    int rows = (entries + cols - 1) / cols;
    bnx_chart_vars_addf(vs, "keycols", "%d", cols);
    bnx_chart_vars_addf(vs, "keyrows", "%d", rows);
    /* the templates' 600 pixels hold two rows; a row more is 1.2 lines of
     * about 1.25 F pixels */
    bnx_chart_vars_addf(vs, "keyheight", "%d", rows > 2 ? (int)ceil((rows - 2) * 1.5 * fs) : 0);
}

/* The keys and style of run's variants lines[0..n-1] with opts'
 * --color-by and --dash-by; free both, also after a failure. */
static int style_of_run(const bnx_run *run, const int *lines, int n, const bnx_chart_opts *opts,
                        bnx_style_keys *keys, bnx_chart_style *st, bnx_error *err)
{
    memset(st, 0, sizeof *st);
    int rc = bnx_style_keys_of_run(run, lines, n, keys, err);
    if (rc == BNX_OK)
        rc = bnx_chart_style_make(keys, opts->colour_by, opts->dash_by, st, err);
    return rc;
}

int bnx_chart_lines_styled(const bnx_run *run, const int *lines, int n,
                           const bnx_chart_opts *opts, int extra_entry, int longest,
                           bnx_chart_vars *vs, bnx_error *err)
{
    bnx_style_keys keys;
    bnx_chart_style st;
    int rc = style_of_run(run, lines, n, opts, &keys, &st, err);
    if (rc == BNX_OK) {
        bnx_chart_style_vars(&st, vs);
        int entries = st.num_entries > 0 ? st.num_entries : n;
        if (st.num_entries > 0) {
            longest = 0;
            for (int j = 0; j < st.num_entries; j++)
                longest = (int)strlen(st.entry[j]) > longest ? (int)strlen(st.entry[j]) : longest;
        }
        if (extra_entry)
            longest = longest < 34 ? 34 : longest; /* "curve ends: a seed diverged there" */
        int fs = opts->format && strcmp(opts->format, "svg") == 0 ? 14 : 12;
        bnx_chart_legend_vars(vs, entries + (extra_entry != 0), longest, 900, fs);
    }
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&keys);
    return rc;
}

int bnx_chart_series_styled(const bnx_run *run, const bnx_chart_opts *opts, bnx_chart_vars *vs,
                            bnx_error *err)
{
    int n = run->num_variants;
    int *lines = malloc(sizeof *lines * (size_t)(n > 0 ? n : 1));
    if (!lines)
        return bnx_fail(err, BNX_ENOMEM, "out of memory styling the chart");
    for (int i = 0; i < n; i++)
        lines[i] = i;
    bnx_style_keys keys;
    bnx_chart_style st;
    int rc = style_of_run(run, lines, n, opts, &keys, &st, err);
    if (rc == BNX_OK)
        line_vars(&st, vs);
    bnx_chart_style_free(&st);
    bnx_style_keys_free(&keys);
    free(lines);
    return rc;
}
