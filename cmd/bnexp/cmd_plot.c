/* bnexp plot CHART: render Fig. 1(a) (accuracy) or Fig. 1(b,c) (activations)
 * of a run directory with the gnuplot templates in plots/. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/paths.h"
#include "out/plot.h"

/* One chart kind: its template, the CSV each trial must have, and the
 * columns the template reads from it. */
struct chart {
    const char *name;     /* CHART argument; also plots/NAME.gp */
    const char *csv;      /* file in each trial directory */
    const char *cols[5];  /* required header columns, NULL-terminated */
};

static const struct chart charts[] = {
    {"accuracy", "metrics.csv", {"step", "test_accuracy", NULL}},
    {"activations", "activations.csv", {"step", "layer", "unit", "p15", NULL}},
};

/* A trial: RUN/VARIANT/seed-K/CSV. */
struct trial {
    char *variant;
    long seed;
    char path[4096];
    char layer[32], unit[32]; /* activations: the probed unit's first row */
};

struct trials {
    struct trial *v;
    int n, cap;
};

static void trials_free(struct trials *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->v[i].variant);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

/* baseline first, then bn, then other variants alphabetically; seeds in
 * numeric order within a variant. */
static int variant_rank(const char *v)
{
    return strcmp(v, "baseline") == 0 ? 0 : strcmp(v, "bn") == 0 ? 1 : 2;
}

static int trial_cmp(const void *pa, const void *pb)
{
    const struct trial *a = pa, *b = pb;
    int ra = variant_rank(a->variant), rb = variant_rank(b->variant);
    if (ra != rb)
        return ra - rb;
    int c = strcmp(a->variant, b->variant);
    if (c)
        return c;
    return (a->seed > b->seed) - (a->seed < b->seed);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "seed-K" with K a non-negative decimal number; returns K or -1. */
static long parse_seed_dir(const char *name)
{
    if (strncmp(name, "seed-", 5) != 0 || !name[5])
        return -1;
    char *end;
    errno = 0;
    long k = strtol(name + 5, &end, 10);
    if (*end || errno || k < 0 || name[5] < '0' || name[5] > '9')
        return -1;
    return k;
}

/* Collect RUN/VARIANT/seed-K/CSV for every such file that exists. */
static int find_trials(const char *run, const char *csv, struct trials *out, bnx_error *err)
{
    DIR *d = opendir(run);
    if (!d)
        return bnx_fail(err, BNX_ENOTFOUND, "cannot open run directory %s: %s", run,
                        strerror(errno));
    struct dirent *e;
    int rc = BNX_OK;
    while (rc == BNX_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "plots") == 0)
            continue;
        char vdir[4096];
        if ((size_t)snprintf(vdir, sizeof vdir, "%s/%s", run, e->d_name) >= sizeof vdir ||
            !is_dir(vdir))
            continue;
        DIR *vd = opendir(vdir);
        if (!vd)
            continue;
        struct dirent *s;
        while (rc == BNX_OK && (s = readdir(vd))) {
            long seed = parse_seed_dir(s->d_name);
            if (seed < 0)
                continue;
            char path[4096];
            if ((size_t)snprintf(path, sizeof path, "%s/%s/%s", vdir, s->d_name, csv) >=
                    sizeof path ||
                !is_file(path))
                continue;
            if (out->n == out->cap) {
                int cap = out->cap ? 2 * out->cap : 8;
                struct trial *v = realloc(out->v, (size_t)cap * sizeof *v);
                if (!v) {
                    rc = bnx_fail(err, BNX_ENOMEM, "out of memory listing trials");
                    break;
                }
                out->v = v;
                out->cap = cap;
            }
            struct trial *t = &out->v[out->n];
            memset(t, 0, sizeof *t);
            t->variant = strdup(e->d_name);
            if (!t->variant) {
                rc = bnx_fail(err, BNX_ENOMEM, "out of memory listing trials");
                break;
            }
            t->seed = seed;
            strcpy(t->path, path);
            out->n++;
            /* A trial writes manifest.json when it ends: without one it is
             * still running or was stopped, and its curve is partial. */
            char manifest[4096 + 300];
            int len = snprintf(manifest, sizeof manifest, "%s/%s/manifest.json", vdir, s->d_name);
            if (len > 0 && (size_t)len < sizeof manifest && !is_file(manifest))
                fprintf(stderr, "bnexp: warning: %s/%s has no manifest.json (unfinished or "
                                "stopped); its curve is partial\n", vdir, s->d_name);
        }
        closedir(vd);
    }
    closedir(d);
    if (rc == BNX_OK && out->n == 0)
        rc = bnx_fail(err, BNX_ENOTFOUND,
                      "no trials in %s: expected %s/VARIANT/seed-K/%s (has `bnexp run` "
                      "finished?)", run, run, csv);
    if (rc == BNX_OK)
        qsort(out->v, (size_t)out->n, sizeof *out->v, trial_cmp);
    return rc;
}

/* Split a CSV line in place at commas (no quoting in bnexp's CSVs). */
static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line;;) {
        if (n < max)
            f[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n < max ? n : max;
}

static int column_index(char **f, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(f[i], name) == 0)
            return i;
    return -1;
}

/* Check that t->path has a header with the chart's columns and at least one
 * record; for activations, find the first row of a probed unit (unit not
 * `all`) and keep its layer and unit. */
static int check_csv(const struct chart *c, struct trial *t, bnx_error *err)
{
    FILE *fp = fopen(t->path, "r");
    if (!fp)
        return bnx_fail(err, BNX_EIO, "cannot open %s: %s", t->path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int rc = BNX_OK;
    enum { MAXF = 64 };
    char *f[MAXF];
    int icol_layer = -1, icol_unit = -1;

    if (getline(&line, &cap, fp) < 0 || line[strspn(line, " \t\r\n")] == '\0') {
        rc = bnx_fail(err, BNX_EFORMAT, "%s is empty (expected a header row and records; "
                      "see README.md, \"Outputs\")", t->path);
        goto out;
    }
    int nf = split_fields(line, f, MAXF);
    for (int i = 0; c->cols[i]; i++)
        if (column_index(f, nf, c->cols[i]) < 0) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s has no column '%s' in its header row",
                          t->path, c->cols[i]);
            goto out;
        }
    icol_layer = column_index(f, nf, "layer");
    icol_unit = column_index(f, nf, "unit");

    int records = 0, probed = 0;
    while (getline(&line, &cap, fp) >= 0) {
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        records++;
        if (icol_unit < 0)
            break; /* metrics: one record is enough */
        nf = split_fields(line, f, MAXF);
        if (icol_unit < nf && strcmp(f[icol_unit], "all") != 0 && f[icol_unit][0]) {
            snprintf(t->unit, sizeof t->unit, "%s", f[icol_unit]);
            snprintf(t->layer, sizeof t->layer, "%s", icol_layer < nf ? f[icol_layer] : "");
            probed = 1;
            break;
        }
    }
    if (ferror(fp))
        rc = bnx_fail(err, BNX_EIO, "cannot read %s: %s", t->path, strerror(errno));
    else if (records == 0)
        rc = bnx_fail(err, BNX_EFORMAT, "%s has only a header row (no records yet)", t->path);
    else if (icol_unit >= 0 && !probed)
        rc = bnx_fail(err, BNX_EFORMAT, "%s has no rows for a probed unit (every row has "
                      "unit=all; set probe_unit)", t->path);
out:
    free(line);
    fclose(fp);
    return rc;
}

/* The legend/panel name of a variant, as in the paper's Fig. 1. */
static const char *variant_label(const char *variant)
{
    if (strcmp(variant, "baseline") == 0)
        return "Without BN";
    if (strcmp(variant, "bn") == 0)
        return "With BN";
    return variant;
}

static int variant_seeds(const struct trials *t, const char *variant)
{
    int k = 0;
    for (int i = 0; i < t->n; i++)
        k += strcmp(t->v[i].variant, variant) == 0;
    return k;
}

/* Storage for the template's variables. */
struct vars {
    bnx_plot_var *v;
    char (*names)[32];
    char (*values)[4200];
    int n, cap;
};

static int vars_add(struct vars *vs, const char *name, const char *value)
{
    if (vs->n == vs->cap)
        return -1;
    snprintf(vs->names[vs->n], sizeof vs->names[0], "%s", name);
    snprintf(vs->values[vs->n], sizeof vs->values[0], "%s", value);
    vs->v[vs->n].name = vs->names[vs->n];
    vs->v[vs->n].value = vs->values[vs->n];
    vs->n++;
    return 0;
}

static int render(const struct chart *c, const char *run, const char *format,
                  struct trials *tr, char *outfile, size_t outsize, bnx_error *err)
{
    for (int i = 0; i < tr->n; i++) {
        int rc = check_csv(c, &tr->v[i], err);
        if (rc)
            return rc;
    }

    struct vars vs = {0};
    vs.cap = 3 * tr->n + 8;
    vs.v = calloc((size_t)vs.cap, sizeof *vs.v);
    vs.names = calloc((size_t)vs.cap, sizeof *vs.names);
    vs.values = calloc((size_t)vs.cap, sizeof *vs.values);
    int rc = BNX_OK;
    if (!vs.v || !vs.names || !vs.values) {
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory preparing the chart");
        goto out;
    }

    char num[32], name[32], label[512];
    snprintf(num, sizeof num, "%d", tr->n);
    vars_add(&vs, "n", num);
    int activations = strcmp(c->name, "activations") == 0;
    const struct trial *first = &tr->v[0];
    int group = 1;
    for (int i = 0; i < tr->n; i++) {
        const struct trial *t = &tr->v[i];
        int pos = 0;
        /* Panels are lettered as in the paper: (b) without BN, (c) with BN. */
        if (activations && variant_rank(t->variant) < 2)
            pos += snprintf(label + pos, sizeof label - (size_t)pos, "(%c) ",
                            "bc"[variant_rank(t->variant)]);
        pos += snprintf(label + pos, sizeof label - (size_t)pos, "%s", variant_label(t->variant));
        if (variant_seeds(tr, t->variant) > 1 && pos < (int)sizeof label)
            pos += snprintf(label + pos, sizeof label - (size_t)pos, " (seed %ld)", t->seed);
        if (activations && pos < (int)sizeof label &&
            (strcmp(t->layer, first->layer) != 0 || strcmp(t->unit, first->unit) != 0))
            snprintf(label + pos, sizeof label - (size_t)pos, " [layer %s, unit %s]",
                     t->layer, t->unit);
        snprintf(name, sizeof name, "file%d", i + 1);
        vars_add(&vs, name, t->path);
        snprintf(name, sizeof name, "title%d", i + 1);
        vars_add(&vs, name, label);
        /* accuracy: one colour per variant (trials are sorted by variant) */
        if (i > 0 && strcmp(t->variant, tr->v[i - 1].variant) != 0)
            group++;
        snprintf(name, sizeof name, "group%d", i + 1);
        snprintf(num, sizeof num, "%d", group);
        vars_add(&vs, name, num);
    }
    if (activations) {
        vars_add(&vs, "layer", first->layer);
        vars_add(&vs, "unit", first->unit);
    }

    char dir[4096], tmpl[4096], rel[64];
    if ((size_t)snprintf(dir, sizeof dir, "%s/plots", run) >= sizeof dir) {
        rc = bnx_fail(err, BNX_EINVAL, "run directory path is too long");
        goto out;
    }
    if ((size_t)snprintf(outfile, outsize, "%s/fig1-%s.%s", dir, c->name, format) >= outsize) {
        rc = bnx_fail(err, BNX_EINVAL, "output path is too long");
        goto out;
    }
    snprintf(rel, sizeof rel, "plots/%s.gp", c->name);
    if ((rc = bnx_home_path(tmpl, sizeof tmpl, rel, err)) != BNX_OK)
        goto out;
    if ((rc = bnx_mkdir_p(dir, err)) != BNX_OK)
        goto out;
    rc = bnx_plot_render(tmpl, outfile, format, vs.v, (size_t)vs.n, err);
out:
    free(vs.v);
    free(vs.names);
    free(vs.values);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"run", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *run = "runs/fig1";
    const char *format = "png";
    opterr = 0;
    optind = 0; /* full re-initialisation of getopt */
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            run = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            return cli_print_help("plot");
        default:
            return cli_bad_option("plot", ch, argv);
        }
    }
    if (optind >= argc)
        return cli_error(2, "plot: which chart? accuracy or activations "
                            "(try: bnexp plot --help)");
    if (argc - optind > 1)
        return cli_error(2, "plot: one chart at a time (got '%s' and '%s')", argv[optind],
                         argv[optind + 1]);
    const char *name = argv[optind];
    const struct chart *c = NULL;
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++)
        if (strcmp(charts[i].name, name) == 0)
            c = &charts[i];
    if (!c)
        return cli_error(2, "plot: unknown chart '%s' (expected accuracy or activations)", name);
    if (!bnx_plot_terminal(format))
        return cli_error(2, "plot: unknown format '%s' (expected png, svg or pdf)", format);

    if (!is_dir(run))
        return cli_error(1, "run directory %s not found (run `bnexp run fig1` first, or "
                            "pass --run DIR)", run);

    bnx_error err = {0};
    struct trials tr = {0};
    char outfile[4200];
    int rc = find_trials(run, c->csv, &tr, &err);
    if (rc == BNX_OK)
        rc = render(c, run, format, &tr, outfile, sizeof outfile, &err);
    trials_free(&tr);
    if (rc)
        return cli_report(&err);
    printf("%s\n", outfile);
    return 0;
}
