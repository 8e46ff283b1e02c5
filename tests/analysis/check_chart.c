/* The chart table (analysis/chart.h): for each chart, a run directory of
 * known CSV files written here, the chart drawn dry (its CSV written, the
 * gnuplot script returned instead of run), and the script's real
 * properties: the terminal and output file for the format, the data file it
 * reads and the numbers in it, every column the template names being a
 * column of that file, titles, axis scales; the table itself, the option
 * checks and the warnings about a run still going. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/chart.h"
#include "core/file.h"
#include "core/paths.h"
#include "spec/plan.h"
#include "spec/spec.h"
#include "testutil.h"

static char dir[64];
static char *saved_home;

/* BNEXP_HOME: this checkout (build/check_bnexp's parent), for plots/. */
static void setup(void)
{
    test_tmpdir_create(dir, sizeof dir, "chart");
    const char *home = getenv("BNEXP_HOME");
    saved_home = home ? strdup(home) : NULL;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) /* .../build/check_bnexp -> ... */
        *strrchr(exe, '/') = '\0';
    setenv("BNEXP_HOME", exe, 1);
    char tmpl[PATH_MAX + 32];
    snprintf(tmpl, sizeof tmpl, "%s/plots/accuracy.gp", exe);
    ck_assert_msg(access(tmpl, R_OK) == 0, "no templates at %s", tmpl);
}

static void teardown(void)
{
    if (saved_home)
        setenv("BNEXP_HOME", saved_home, 1);
    else
        unsetenv("BNEXP_HOME");
    free(saved_home);
    test_tmpdir_remove(dir);
}

/* Write dir/rel (creating its directories) with `text`. */
static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    bnx_error err;
    ck_assert_int_eq(bnx_mkdir_p(path, &err), BNX_OK);
    *slash = '/';
    test_write_file(path, text, strlen(text));
}

/* The whole text of dir/rel (malloc'd). */
static char *slurp(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* ---- the runs ---- */

static const char *const variants[2] = {"baseline", "bn"};

/* Test accuracy [variant][seed][record] at steps 0, 100, 200, 300. */
static const double acc[2][2][4] = {
    {{0.1, 0.5, 0.8, 0.9}, {0.1, 0.64, 0.7, 0.8}},
    {{0.1, 0.9, 0.95, 0.96}, {0.1, 0.8, 0.9, 0.94}},
};
/* Test loss [variant][seed][record]; train loss 1, 0.5, 0.25 (baseline) and
 * 0.5, 0.25, 0.125 (bn) after step 0, on both seeds. */
static const double test_loss[2][2][4] = {
    {{2.3, 1, 0.5, 0.4}, {2.3, 1, 0.5, 0.2}},
    {{2.3, 0.5, 0.3, 0.2}, {2.3, 0.6, 0.3, 0.2}},
};

/* Run `pair` of experiment "tiny": variants baseline and bn (Fig. 1's pair),
 * seeds 1 and 2, mini-batches of 50 examples, sigmoid; each trial with
 * manifest.json, metrics.csv (epoch = step / 100), activations.csv (layer
 * 3, unit 7 probed), histograms.csv (2 layers), ics.csv (2 layers),
 * landscape.csv, time_gradients.csv (2 LSTM layers of 3 time steps) and,
 * bn only, step_stats.csv. */
static void make_pair_in(const char *run)
{
    for (int v = 0; v < 2; v++)
        for (int s = 0; s < 2; s++) {
            char rel[128], text[4096];
            int len;
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/manifest.json", run, variants[v], s + 1);
            snprintf(text, sizeof text, "{\"experiment\": \"tiny\", \"description\": \"A tiny "
                     "run\", \"variant\": \"%s\", \"seed\": %d, \"status\": \"done\", "
                     "\"dataset\": {\"name\": \"mnist\"}, \"config\": {\"batch_size\": 50, "
                     "\"activation\": \"sigmoid\"}}\n", variants[v], s + 1);
            put(rel, text);

            len = snprintf(text, sizeof text, "step,epoch,lr,train_loss,train_accuracy,"
                           "test_loss,test_accuracy,wall_time_s\n");
            for (int i = 0; i < 4; i++) {
                char loss[32] = "";
                if (i > 0)
                    snprintf(loss, sizeof loss, "%g", (v ? 0.5 : 1.0) / (1 << (i - 1)));
                len += snprintf(text + len, sizeof text - (size_t)len, "%d,%g,0.1,%s,,%g,%g,1\n",
                                100 * i, i / 1.0, loss, test_loss[v][s][i], acc[v][s][i]);
            }
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/metrics.csv", run, variants[v],
                     s + 1);
            put(rel, text);

            /* a row per record for unit `all`, and for the probed unit 7 */
            len = snprintf(text, sizeof text, "step,layer,unit,p15,p50,p85\n");
            for (int i = 0; i < 4; i++)
                len += snprintf(text + len, sizeof text - (size_t)len,
                                "%d,3,all,-2,0,2\n%d,3,7,%g,%g,%g\n", 100 * i, 100 * i,
                                -1.0 - i, 0.1 * i, 1.0 + i);
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/activations.csv", run, variants[v],
                     s + 1);
            put(rel, text);

            /* steps 100 and 200, layers 1 and 2: an out-of-range bin (2
             * values) and two bins of 1 and 1 + v values */
            len = snprintf(text, sizeof text, "step,layer,bin_lo,bin_hi,count\n");
            for (int step = 100; step <= 200; step += 100)
                for (int l = 1; l <= 2; l++)
                    len += snprintf(text + len, sizeof text - (size_t)len,
                                    "%d,%d,-inf,-1,2\n%d,%d,-1,0,1\n%d,%d,0,1,%d\n", step, l,
                                    step, l, step, l, 1 + v);
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/histograms.csv", run, variants[v],
                     s + 1);
            put(rel, text);

            /* steps 100 and 200, layers 1 and 2, the three points; the
             * values are (seed) x (layer) x (something per metric) */
            len = snprintf(text, sizeof text, "step,layer,point,mean_shift,std_ratio,w1,"
                           "grad_diff,grad_cos,w_norm,effective_step,grad_norm\n");
            for (int step = 100; step <= 200; step += 100)
                for (int l = 1; l <= 2; l++) {
                    double k = (s + 1) * l;
                    len += snprintf(text + len, sizeof text - (size_t)len,
                                    "%d,%d,pre_norm,%g,%g,%g,,,,,\n"
                                    "%d,%d,pre_activation,%g,%g,%g,,,,,\n"
                                    "%d,%d,weights,,,,%g,%g,%g,%g,%g\n",
                                    step, l, 0.1 * k, 1 + 0.1 * k, 0.01 * k,
                                    step, l, 0.2 * k, 1 + 0.2 * k, 0.02 * k,
                                    step, l, 0.5 * k, 0.9, 10 * k, 0.001 * k, 3 * k);
                }
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/ics.csv", run, variants[v],
                     s + 1);
            put(rel, text);

            len = snprintf(text, sizeof text, "step,loss,loss_min,loss_max,grad_change_min,"
                           "grad_change_max,beta_smoothness\n");
            for (int step = 20; step <= 40; step += 20)
                len += snprintf(text + len, sizeof text - (size_t)len, "%d,%g,%g,%g,%g,%g,%g\n",
                                step, 2.0 - v, 1.5 - v, 3.0 - v, 0.1, 0.5 + s, 4.0 + 2 * s);
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/landscape.csv", run, variants[v],
                     s + 1);
            put(rel, text);

            /* steps 1 and 100 (seed 1 also 200), layers 1 and 2, time
             * steps 1 to 3: (seed) x (layer) x 10^(t - 3) x (variant + 1),
             * halved after step 1 */
            len = snprintf(text, sizeof text, "step,layer,time_step,grad_norm\n");
            for (int step = 1; step <= (s ? 100 : 200); step += step == 1 ? 99 : 100)
                for (int l = 1; l <= 2; l++)
                    for (int t = 1; t <= 3; t++)
                        len += snprintf(text + len, sizeof text - (size_t)len, "%d,%d,%d,%g\n",
                                        step, l, t, (s + 1) * l * pow(10, t - 3) * (v + 1) *
                                        (step == 1 ? 1 : 0.5));
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/time_gradients.csv", run, variants[v],
                     s + 1);
            put(rel, text);

            /* bn only (baseline has no recurrent BN): layers 1 and 2, sites
             * x, h, c (k = 0, 1, 2), time steps 1 and 2, units 0 and 1:
             * running_mean t + k and t + k + 2 (seed), running_var t^2 and
             * (3t)^2 */
            if (v == 0)
                continue;
            len = snprintf(text, sizeof text, "layer,site,time_step,unit,running_mean,"
                           "running_var\n");
            for (int l = 1; l <= 2; l++)
                for (int k = 0; k < 3; k++)
                    for (int t = 1; t <= 2; t++)
                        len += snprintf(text + len, sizeof text - (size_t)len,
                                        "%d,%c,%d,0,%d,%d\n%d,%c,%d,1,%d,%d\n",
                                        l, "xhc"[k], t, t + k, t * t,
                                        l, "xhc"[k], t, t + k + 2 * (s + 1), 9 * t * t);
            snprintf(rel, sizeof rel, "%s/%s/seed-%d/step_stats.csv", run, variants[v],
                     s + 1);
            put(rel, text);
        }
}

static void make_pair(void)
{
    make_pair_in("pair");
}

/* Run `grid` of experiment "g": variants bn and no-bn over lr 0.1 and 1,
 * seeds 1 and 2 (plan.json), summary.csv with final test accuracies
 * 0.9 / 0.8 (bn) and 0.7 / 0.6 (no-bn) minus 0.1 at lr 1 (the best 0.01
 * more), but no-bn-lr-1 seed 2 diverged; each trial a metrics.csv. */
/* A run of bn and no-bn over the grid `grid` (lines of "KEY = V1, V2"),
 * two seeds, every trial in summary.csv. */
static void make_grid_of(const char *grid)
{
    char ini[512];
    snprintf(ini, sizeof ini, "[experiment]\ndescription = A grid\nsteps = 200\n"
                              "[variant.bn]\nbn = true\n[variant.no-bn]\nbn = false\n"
                              "[grid]\n%s", grid);
    put("grid/experiment.ini", ini);
    char path[512], sub[512];
    snprintf(path, sizeof path, "%s/grid/experiment.ini", dir);
    snprintf(sub, sizeof sub, "%s/grid", dir);
    static bnx_spec spec;
    bnx_plan plan;
    bnx_error err;
    ck_assert_msg(bnx_spec_load(path, "g", &spec, &err) == BNX_OK, "%s", err.msg);
    ck_assert_msg(bnx_plan_build(&spec, 2, &plan, &err) == BNX_OK, "%s", err.msg);
    ck_assert_msg(bnx_plan_write(sub, &plan, &err) == BNX_OK, "%s", err.msg);
    char summary[4096];
    int len = snprintf(summary, sizeof summary,
                       "variant,seed,status,final_test_accuracy,best_test_accuracy\n");
    for (int t = 0; t < plan.num_trials; t++) {
        const bnx_plan_trial *tr = &plan.trials[t];
        int bn = strncmp(tr->variant, "bn-", 3) == 0, big = strstr(tr->variant, "lr-1") != NULL;
        int diverged = !bn && big && tr->seed == 2;
        double a = (bn ? 0.9 : 0.7) - 0.1 * (double)(tr->seed - 1) - (big ? 0.1 : 0);
        len += snprintf(summary + len, sizeof summary - (size_t)len, "%s,%ld,%s,%g,%g\n",
                        tr->variant, tr->seed, diverged ? "diverged" : "done", a, a + 0.01);
        char rel[512];
        snprintf(rel, sizeof rel, "grid/%s/metrics.csv", tr->dir);
        put(rel, "step,train_loss,test_loss,test_accuracy\n0,,2.3,0.1\n100,1,1,0.5\n"
                 "200,0.5,0.5,0.7\n");
    }
    put("grid/summary.csv", summary);
    bnx_plan_free(&plan);
    bnx_spec_free(&spec);
}

static void make_grid(void)
{
    make_grid_of("lr = 0.1, 1\n");
}

/* ---- reading a script ---- */

/* The value of variable `name` on the script's first line, the -e line
 * "term='...'; outfile='...'; NAME=VALUE; ...", into buf[size]: a value of
 * one quoted piece ('...') unquoted, the empty value ("") as "", one
 * with a quote (pieces joined by '.', the quote as "\047") as written;
 * NULL if the line sets no such variable. */
static const char *var(const char *script, const char *name, char *buf, size_t size)
{
    const char *p = script, *line_end = script + strcspn(script, "\n");
    while (p < line_end) {
        const char *eq = strchr(p, '=');
        ck_assert_msg(eq && eq < line_end, "not a -e line: %.200s", p);
        const char *v = eq + 1, *q = v;
        if (strncmp(q, "\"\"", 2) == 0) {
            q += 2;
        } else {
            for (;;) { /* 'text' or "\047", joined by '.' */
                ck_assert_msg(*q == '\'' || *q == '"', "bad value at %.80s", q);
                const char *close = strchr(q + 1, *q);
                ck_assert_ptr_nonnull(close);
                q = close + 1;
                if (*q != '.')
                    break;
                q++;
            }
        }
        ck_assert_msg(strncmp(q, "; ", 2) == 0, "no '; ' after a value: %.80s", q);
        if ((size_t)(eq - p) == strlen(name) && strncmp(p, name, strlen(name)) == 0) {
            if (strncmp(v, "\"\"", 2) == 0)
                snprintf(buf, size, "%s", "");
            else if (q[-1] == '\'' && memchr(v + 1, '\'', (size_t)(q - v - 2)) == NULL)
                snprintf(buf, size, "%.*s", (int)(q - v - 2), v + 1);
            else
                snprintf(buf, size, "%.*s", (int)(q - v), v);
            return buf;
        }
        p = q + 2;
    }
    return NULL;
}

/* Assert that the script sets `name` to `want`. */
#define ck_var(script, name, want)                                                        \
    do {                                                                                  \
        char b_[4400];                                                                    \
        const char *v_ = var(script, name, b_, sizeof b_);                                \
        ck_assert_msg(v_ != NULL, "the script sets no %s: %.300s", name, script);        \
        ck_assert_str_eq(v_, want);                                                       \
    } while (0)

/* The numeric value of variable `name`. */
static double var_num(const char *script, const char *name)
{
    char buf[128];
    ck_assert_msg(var(script, name, buf, sizeof buf) != NULL, "the script sets no %s", name);
    return strtod(buf, NULL);
}

/* Assert that every column the template part of the script names
 * (column("X"), strcol("X"), probe("X"), using "X", and landscape.gp's
 * arrays of column names) is a column of the CSV at `path`'s header, and
 * that at least `min_names` distinct names were found. */
static void ck_columns(const char *script, const char *path, int min_names)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "the script's data file %s is missing", path);
    char header[1024];
    ck_assert_ptr_nonnull(fgets(header, sizeof header, f));
    fclose(f);
    header[strcspn(header, "\r\n")] = '\0';
    char cols[1100];
    snprintf(cols, sizeof cols, ",%s,", header);
    static const char *const pats[] = {"column(\"", "strcol(\"", "probe(\"", "using \"", NULL};
    const char *body = strchr(script, '\n');
    ck_assert_ptr_nonnull(body);
    /* a template that loads plots/lines.gp reads its columns there too */
    char *both = NULL;
    if (strstr(body, "/lines.gp\"")) {
        char *lines = NULL, path_gp[4200];
        size_t size;
        bnx_error err;
        snprintf(path_gp, sizeof path_gp, "%s/plots/lines.gp", getenv("BNEXP_HOME"));
        ck_assert_int_eq(bnx_read_file(path_gp, 1 << 20, &lines, &size, &err), BNX_OK);
        ck_assert_int_ge(asprintf(&both, "%s\n%s", body, lines), 0);
        free(lines);
        body = both;
    }
    char seen[64][64];
    int nseen = 0;
    for (int k = 0; pats[k]; k++)
        for (const char *p = strstr(body, pats[k]); p; p = strstr(p + 1, pats[k])) {
            const char *s = p + strlen(pats[k]);
            size_t n = strcspn(s, "\"");
            char want[80];
            snprintf(want, sizeof want, ",%.*s,", (int)n, s);
            ck_assert_msg(strstr(cols, want) != NULL, "the template reads column %.*s, which %s "
                          "(%s) lacks", (int)n, s, path, header);
            int dup = 0;
            for (int i = 0; i < nseen; i++)
                dup |= strncmp(seen[i], s, n) == 0 && seen[i][n] == '\0';
            if (!dup && nseen < 64)
                snprintf(seen[nseen++], sizeof seen[0], "%.*s", (int)n, s);
        }
    free(both);
    ck_assert_int_ge(nseen, min_names);
}

/* Draw `name` dry for one run (dir/run) with options from `o` (runs,
 * shown and dry filled in here); the script is returned (free it) and the
 * output file written to outfile[4400]. */
static char *draw(const char *name, const char *run, bnx_chart_opts o, char *outfile)
{
    static char runs[BNX_CHART_MAX_RUNS][256];
    if (o.num_runs == 0) {
        o.num_runs = 1;
        snprintf(runs[0], sizeof runs[0], "%s/%s", dir, run);
        o.runs[0] = runs[0];
    }
    if (!o.format)
        o.format = "png";
    o.dry = 1;
    const bnx_chart *c = bnx_chart_find(name);
    ck_assert_ptr_nonnull(c);
    bnx_chart_result res;
    bnx_error err;
    bnx_error_clear(&err);
    int rc = bnx_chart_render(c, &o, &res, &err);
    ck_assert_msg(rc == BNX_OK, "plot %s: %s", name, err.msg);
    ck_assert_ptr_nonnull(res.script);
    ck_assert_int_eq(res.num_warnings, 0);
    snprintf(outfile, 4400, "%s", res.outfile);
    char *script = res.script;
    res.script = NULL;
    bnx_chart_result_free(&res);
    /* dry: the plots folder is made, but no image */
    ck_assert_int_ne(access(outfile, F_OK), 0);
    return script;
}

/* The template's text (plots/NAME.gp) is the script after its first line. */
static void ck_template(const char *script, const char *template_name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/plots/%s.gp", getenv("BNEXP_HOME"), template_name);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 17];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    ck_assert_str_eq(strchr(script, '\n') + 1, text);
}

/* ---- the table ---- */

START_TEST(table_lists_every_chart_once_with_what_list_prints)
{
    static const char *const names[] = {"accuracy", "loss", "activations", "histograms", "ics",
                                        "weights", "landscape", "time-gradients", "step-stats",
                                        "curve", "sweep"};
    ck_assert_int_eq(bnx_chart_count(), 11);
    for (int i = 0; i < 11; i++) {
        const bnx_chart *c = bnx_chart_at(i);
        ck_assert_str_eq(c->name, names[i]);
        ck_assert_ptr_eq(bnx_chart_find(names[i]), c);
        ck_assert_int_gt((int)strlen(c->summary), 20);
        ck_assert_ptr_nonnull(strstr(c->csv, ".csv"));
        ck_assert_ptr_nonnull(c->check);
        ck_assert_ptr_nonnull(c->render);
    }
    ck_assert_ptr_null(bnx_chart_at(11));
    ck_assert_ptr_null(bnx_chart_at(-1));
    ck_assert_ptr_null(bnx_chart_find("nosuch"));
    ck_assert_ptr_null(bnx_chart_find(NULL));
    char buf[256];
    bnx_chart_names(buf, sizeof buf);
    ck_assert_str_eq(buf, "accuracy, loss, activations, histograms, ics, weights, landscape, "
                          "time-gradients, step-stats, curve or sweep");
    bnx_chart_names(buf, 12); /* cut, still terminated */
    ck_assert_str_eq(buf, "accuracy, l");
}
END_TEST

START_TEST(check_refuses_options_a_chart_does_not_take)
{
    static const struct {
        const char *chart;
        bnx_chart_opts o;
        const char *msg; /* NULL: accepted */
    } cases[] = {
        {"accuracy", {.format = "png"}, NULL},
        {"accuracy", {.format = "png", .x = "lr"}, "plot accuracy: --x, --y, --by and --logx are "
                                                  "options of plot sweep"},
        {"ics", {.format = "png", .logx = 1}, "plot ics: --x, --y, --by and --logx"},
        {"time-gradients", {.format = "png", .logy = 1},
         "plot time-gradients: --logy is an option of plot curve"},
        {"step-stats", {.format = "svg", .num_runs = 2}, "plot step-stats: one --run at a time"},
        {"landscape", {.format = "png", .colour_by = "lr", .dash_by = "norm"}, NULL},
        {"time-gradients", {.format = "png", .colour_by = "lr"}, NULL},
        {"ics", {.format = "png", .colour_by = "lr"},
         "plot ics: --color-by and --dash-by are options of accuracy, loss, curve, landscape"},
        {"landscape", {.format = "png", .has_ymin = 1}, "plot landscape: --ymin and --ymax"},
        {"loss", {.format = "svg", .logy = 1}, "plot loss: --logy is an option of plot curve"},
        {"histograms", {.format = "png", .num_runs = 2}, "plot histograms: one --run at a time"},
        {"accuracy", {.format = "gif"}, "plot: unknown format 'gif' (expected png, svg or pdf)"},
        {"curve", {.format = "pdf", .y = "test_loss", .x = "epoch", .logy = 1, .num_runs = 3},
         NULL},
        {"curve", {.format = "png"}, "plot curve: which column? give --y COLUMN"},
        {"curve", {.format = "png", .y = "test_loss", .x = "hours"},
         "plot curve: --x hours: expected step, epoch or examples"},
        {"curve", {.format = "png", .y = "test_loss", .by = "lr"},
         "plot curve: --by and --logx are options of plot sweep"},
        {"curve", {.format = "png", .y = "test_loss", .num_runs = 9}, "plot: at most 8 --run options"},
        {"sweep", {.format = "png", .x = "lr", .y = "final_test_accuracy", .by = "norm",
                   .logx = 1}, NULL},
        {"sweep", {.format = "png"}, "plot sweep: which key on x? give --x KEY"},
        {"sweep", {.format = "png", .x = "lr", .logy = 1}, "plot sweep: --logy is an option"},
        {"sweep", {.format = "png", .x = "lr", .num_runs = 2}, "plot sweep: one --run at a time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bnx_error err;
        bnx_error_clear(&err);
        int rc = bnx_chart_check(bnx_chart_find(cases[i].chart), &cases[i].o, &err);
        if (!cases[i].msg) {
            ck_assert_msg(rc == BNX_OK, "case %zu: %s", i, err.msg);
            continue;
        }
        ck_assert_msg(rc == BNX_EINVAL, "case %zu accepted", i);
        ck_assert_msg(strstr(err.msg, cases[i].msg) == err.msg, "case %zu: %s", i, err.msg);
    }
    /* drawing checks first, and needs a run */
    bnx_chart_opts o = {.format = "png"};
    bnx_chart_result res;
    bnx_error err;
    ck_assert_int_eq(bnx_chart_render(bnx_chart_find("loss"), &o, &res, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "no run directory"));
    bnx_chart_result_free(&res);
}
END_TEST

/* ---- accuracy, loss, curve ---- */

START_TEST(accuracy_reads_curves_csv_mean_and_band_per_variant)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("accuracy", "pair", (bnx_chart_opts){0}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-accuracy.png", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "term", "pngcairo");
    ck_var(s, "outfile", want);
    snprintf(want, sizeof want, "%s/pair/curves.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 5);
    ck_template(s, "accuracy");
    /* the rows the template selects (strcol("variant"), strcol("metric"))
     * are there, with the mean and band over the two seeds */
    char *csv = slurp("pair/curves.csv");
    ck_assert_msg(strstr(csv, "\nbaseline,test_accuracy,300,2,2,0.85,") != NULL, "%s", csv);
    ck_assert_ptr_nonnull(strstr(csv, "\nbn,test_accuracy,100,2,2,0.85,"));
    free(csv);
    ck_var(s, "n", "2");
    ck_var(s, "variant1", "baseline");
    ck_var(s, "variant2", "bn");
    ck_var(s, "seeds1", "2");
    /* Fig. 1's pair in the paper's words, with each final mean */
    ck_var(s, "title1", "Without BN (final 0.8500)");
    ck_var(s, "title2", "With BN (final 0.9500)");
    ck_var(s, "title", "A tiny run");
    ck_var(s, "xlabel", "training step (one update per mini-batch of 50 examples)");
    ck_var(s, "xmax", "300");
    ck_var(s, "ends", "0");
    /* y from the lowest mean (a run of under 20 records keeps its first
     * 10% in view: 0.1 at step 0, down to 0.05's: 0.05) to the highest
     * seed (0.96, up to 0.01's with a margin: 0.97) */
    ck_assert_double_eq_tol(var_num(s, "ymin"), 0.05, 1e-12);
    ck_assert_double_eq_tol(var_num(s, "ymax"), 0.97, 1e-12);
    ck_assert_ptr_nonnull(strstr(var(s, "subtitle", want, sizeof want),
                                 "mean over 2 seeds, shaded band: min to max"));
    free(s);
}
END_TEST

START_TEST(loss_is_on_a_log_axis_from_the_lowest_seed)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("loss", "pair", (bnx_chart_opts){.format = "svg"}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-loss.svg", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "term", "svg");
    snprintf(want, sizeof want, "%s/pair/curves.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 5);
    ck_template(s, "loss");
    ck_assert_ptr_nonnull(strstr(s, "\nset logscale y 10\n"));
    ck_var(s, "title1", "Without BN (final 0.250)");
    ck_var(s, "title2", "With BN (final 0.125)");
    ck_assert_double_eq_tol(var_num(s, "ymin"), 0.125, 1e-12);
    ck_assert_double_eq_tol(var_num(s, "ymax"), 1, 1e-12);
    ck_assert_ptr_null(var(s, "ylabel", want, sizeof want)); /* the template's cross-entropy */
    free(s);
    /* a regression run (loss = mse in every manifest): the axis says so */
    for (int v = 0; v < 2; v++)
        for (int k = 1; k <= 2; k++) {
            char rel[128], text[512];
            snprintf(rel, sizeof rel, "pair/%s/seed-%d/manifest.json", variants[v], k);
            snprintf(text, sizeof text, "{\"experiment\": \"tiny\", \"variant\": \"%s\", "
                     "\"seed\": %d, \"status\": \"done\", \"config\": {\"loss\": \"mse\"}}\n",
                     variants[v], k);
            put(rel, text);
        }
    s = draw("loss", "pair", (bnx_chart_opts){.format = "svg"}, out);
    ck_var(s, "ylabel", "training loss (mean squared error; log scale)");
    free(s);
}
END_TEST

START_TEST(curve_draws_a_column_against_steps_epochs_or_examples)
{
    make_pair();
    char out[4400], want[512];
    /* --y test_loss --logy, pdf */
    char *s = draw("curve", "pair",
                   (bnx_chart_opts){.format = "pdf", .y = "test_loss", .logy = 1}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-curve-test_loss.pdf", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "term", "pdfcairo");
    snprintf(want, sizeof want, "%s/pair/curves-test_loss.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 5);
    ck_template(s, "curve");
    ck_var(s, "metric", "test_loss");
    ck_var(s, "logy", "1");
    ck_assert_ptr_nonnull(strstr(s, "if (logy) { set logscale y 10;"));
    ck_var(s, "ylabel", "test_loss (metrics.csv), log scale");
    ck_var(s, "scale1", "1");
    ck_var(s, "title1", "baseline (final 0.3000)");
    ck_var(s, "title2", "bn (final 0.2000)");
    ck_var(s, "keycols", "2");
    char *csv = slurp("pair/curves-test_loss.csv");
    ck_assert_msg(strstr(csv, "\nbaseline,test_loss,300,2,2,0.3,") != NULL, "%s", csv);
    free(csv);
    free(s);
    /* linear y; x in epochs: metrics.csv's epoch per step */
    s = draw("curve", "pair", (bnx_chart_opts){.y = "test_loss", .x = "epoch"}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-curve-test_loss-epoch.png", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "logy", "0");
    ck_var(s, "ylabel", "test_loss (metrics.csv)");
    ck_assert_double_eq_tol(var_num(s, "scale1"), 0.01, 1e-15);
    ck_var(s, "xlabel", "epoch (passes over the training set)");
    free(s);
    /* examples: the manifests' batch size */
    s = draw("curve", "pair", (bnx_chart_opts){.y = "train_loss", .x = "examples"}, out);
    ck_var(s, "scale2", "50");
    ck_var(s, "xlabel", "training examples seen");
    free(s);
    /* two runs on one chart: a variant name in both gets its run's name */
    make_pair_in("pair2");
    static char a[256], b[256];
    snprintf(a, sizeof a, "%s/pair", dir);
    snprintf(b, sizeof b, "%s/pair2", dir);
    s = draw("curve", NULL, (bnx_chart_opts){.y = "test_accuracy", .num_runs = 2,
                                             .runs = {a, b}, .shown = {"runs/x/pair", b}}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-curve-test_accuracy.png", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "n", "4");
    ck_var(s, "variant1", "pair:baseline");
    ck_var(s, "seeds1", "2");
    ck_var(s, "title4", "pair2:bn (final 0.9500)");
    ck_var(s, "subtitle", "runs pair, pair2; line: mean over seeds, band: min to max");
    free(s);
}
END_TEST

/* ---- activations, histograms ---- */

START_TEST(activations_a_panel_per_variant_of_the_probed_unit)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("activations", "pair", (bnx_chart_opts){0}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-activations.png", dir);
    ck_assert_str_eq(out, want);
    ck_template(s, "activations");
    ck_var(s, "n", "2");
    snprintf(want, sizeof want, "%s/pair/baseline/seed-1/activations.csv", dir);
    ck_var(s, "file1", want);
    ck_columns(s, want, 5);
    snprintf(want, sizeof want, "%s/pair/bn/seed-1/activations.csv", dir);
    ck_var(s, "file2", want);
    /* the paper's panel letters; several seeds: the one drawn is named */
    ck_var(s, "title1", "(b) Without BN (seed 1)");
    ck_var(s, "title2", "(c) With BN (seed 1)");
    ck_var(s, "layer", "3");
    ck_var(s, "unit", "7");
    ck_var(s, "nonlinearity", "sigmoid");
    free(s);
}
END_TEST

START_TEST(histograms_fractions_per_panel_without_out_of_range_bins)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("histograms", "pair", (bnx_chart_opts){.format = "svg"}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-histograms.svg", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "term", "svg");
    ck_template(s, "histograms");
    snprintf(want, sizeof want, "%s/pair/histograms-fraction.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 6);
    ck_var(s, "n", "4");
    /* two variants of two layers: side by side in one row of four */
    ck_var(s, "rows", "1");
    ck_var(s, "cols", "4");
    ck_var(s, "title1", "baseline (seed 1), hidden layer 1");
    ck_var(s, "title4", "bn (seed 1), hidden layer 2");
    /* x: the run's own steps, not half a record beyond them */
    ck_var(s, "xmin", "100");
    ck_var(s, "xmax", "200");
    char *csv = slurp("pair/histograms-fraction.csv");
    /* of 4 values (2 out of range) 1 and 1 per bin; bn: of 5, 1 and 2;
     * half_width: half of the 100 steps between records */
    ck_assert_msg(strstr(csv, "\n1,baseline,1,100,-1,0,0.25,50\n1,baseline,1,100,0,1,0.25,50\n")
                  != NULL, "%s", csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n4,bn,2,200,0,1,0.4,50\n"));
    ck_assert_ptr_null(strstr(csv, "inf"));
    free(csv);
    free(s);
}
END_TEST

/* ---- ics, weights, landscape ---- */

START_TEST(ics_a_row_per_metric_a_column_per_variant)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("ics", "pair", (bnx_chart_opts){0}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-ics.png", dir);
    ck_assert_str_eq(out, want);
    ck_template(s, "ics");
    snprintf(want, sizeof want, "%s/pair/ics-stats.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 6);
    ck_var(s, "rows", "8");
    ck_var(s, "cols", "2");
    ck_var(s, "layers", "2");
    ck_var(s, "metric1", "mean shift, before norm");
    ck_var(s, "logy1", "1");
    ck_var(s, "logy8", "0"); /* cos(G, G') */
    /* a quote in a value is written as gnuplot reads it back */
    char buf[256];
    ck_assert_str_eq(var(s, "metric7", buf, sizeof buf), "'||G - G'.\"\\047\".'|| (layer 1: 0)'");
    ck_var(s, "variant1", "Without BN (2 seeds)");
    /* panel (row - 1) * 2 + column: mean_shift before norm of baseline,
     * layer 2, step 200 over seeds 1, 2: 0.1 * 2 and 0.1 * 4 */
    char *csv = slurp("pair/ics-stats.csv");
    ck_assert_msg(strstr(csv, "\n1,2,200,0.3,0.2,0.4,2\n") != NULL, "%s", csv);
    /* grad_cos (row 8) of bn (column 2): panel 16 */
    ck_assert_ptr_nonnull(strstr(csv, "\n16,1,100,0.9,0.9,0.9,2\n"));
    free(csv);
    free(s);
}
END_TEST

START_TEST(weights_draws_ics_csv_weights_rows_with_ics_gp)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("weights", "pair", (bnx_chart_opts){.format = "pdf"}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-weights.pdf", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "term", "pdfcairo");
    ck_template(s, "ics");
    snprintf(want, sizeof want, "%s/pair/weights-stats.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 6);
    ck_var(s, "rows", "3");
    ck_var(s, "metric1", "||W||");
    ck_var(s, "logy1", "0");
    ck_var(s, "logy2", "1");
    char *csv = slurp("pair/weights-stats.csv");
    /* ||W|| of bn (panel 2), layer 1: 10 and 20 */
    ck_assert_msg(strstr(csv, "\n2,1,100,15,10,20,2\n") != NULL, "%s", csv);
    free(csv);
    free(s);
}
END_TEST

START_TEST(landscape_means_over_seeds_and_beta_band)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("landscape", "pair", (bnx_chart_opts){0}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-landscape.png", dir);
    ck_assert_str_eq(out, want);
    ck_template(s, "landscape");
    snprintf(want, sizeof want, "%s/pair/landscape-stats.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 2);
    /* the columns landscape.gp names in its arrays */
    char *csv = slurp("pair/landscape-stats.csv");
    const char *arrays[] = {"array lo[3] = [\"loss_min\", \"grad_change_min\", \"beta_lo\"]",
                            "array hi[3] = [\"loss_max\", \"grad_change_max\", \"beta_hi\"]",
                            "array ln[3] = [\"loss\", \"\", \"beta_smoothness\"]"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(strstr(s, arrays[i]) != NULL, "landscape.gp changed: %s", arrays[i]);
    ck_assert_str_eq(strtok(csv, "\n"), "series,variant,step,loss,loss_min,loss_max,"
                                        "grad_change_min,grad_change_max,beta_smoothness,"
                                        "beta_lo,beta_hi,seeds");
    free(csv);
    csv = slurp("pair/landscape-stats.csv");
    /* bn (series 2) at step 40: loss 1, 0.5..2, grad change 0.1..1 (mean of
     * 0.5, 1.5), beta 5 (mean of 4, 6) from 4 to 6 */
    ck_assert_msg(strstr(csv, "\n2,bn,40,1,0.5,2,0.1,1,5,4,6,2\n") != NULL, "%s", csv);
    free(csv);
    ck_var(s, "series", "2");
    ck_var(s, "variant2", "With BN (2 seeds)");
    free(s);
}
END_TEST

/* ---- time-gradients, step-stats ---- */

START_TEST(time_gradients_top_layer_at_the_first_and_last_common_step)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("time-gradients", "pair", (bnx_chart_opts){0}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-time-gradients.png", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "term", "pngcairo");
    ck_template(s, "time-gradients");
    snprintf(want, sizeof want, "%s/pair/time-gradients-stats.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 7);
    char *csv = slurp("pair/time-gradients-stats.csv");
    ck_assert_str_eq(strtok(csv, "\n"), "series,variant,step,layer,time_step,mean,min,max,seeds");
    free(csv);
    csv = slurp("pair/time-gradients-stats.csv");
    /* baseline, step 1, layer 2, t = 3: seeds 2 and 4; bn at step 100,
     * layer 2, t = 1: 0.02 and 0.04; step 200 only seed 1 has */
    ck_assert_msg(strstr(csv, "\n1,baseline,1,2,3,3,2,4,2\n") != NULL, "%s", csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n2,bn,100,2,1,0.03,0.02,0.04,2\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\n1,baseline,200,2,3,1,1,1,1\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\n1,baseline,1,1,1,0.015,0.01,0.02,2\n"));
    free(csv);
    /* the top layer, at step 1 and at 100, the last step both seeds have */
    ck_var(s, "series", "2");
    ck_var(s, "top1", "2");
    ck_var(s, "first2", "1");
    ck_var(s, "last1", "100");
    ck_var(s, "last2", "100");
    ck_var(s, "tmax", "3");
    /* whole decades around 0.01 (baseline at step 100, t = 1) and 8 */
    ck_var(s, "ydec_lo", "-2");
    ck_var(s, "ydec_hi", "1");
    ck_var(s, "variant1", "Without BN (2 seeds)");
    ck_var(s, "ptitle1", "(a) step 1: the initial parameters");
    ck_var(s, "ptitle2", "(b) step 100: the last step every seed recorded");
    ck_var(s, "title", "tiny (mnist): the gradient reaching each time step, ||dL/dh_t|| "
                       "(Cooijmans et al. 2016, Fig. 1)");
    ck_assert_ptr_nonnull(strstr(var(s, "subtitle", want, sizeof want),
                                 "LSTM layer 2 (the top one)"));
    ck_assert_ptr_nonnull(strstr(s, "set logscale y"));
    ck_assert_ptr_nonnull(strstr(s, "set xlabel \"time step t\""));
    free(s);

    /* a variant whose seeds end at different steps: each its own (b) */
    put("pair/bn/seed-2/time_gradients.csv", "step,layer,time_step,grad_norm\n"
        "1,1,1,1\n1,2,1,1\n300,1,1,1\n300,2,1,0.5\n");
    put("pair/bn/seed-1/time_gradients.csv", "step,layer,time_step,grad_norm\n"
        "1,1,1,1\n1,2,1,1\n300,1,1,1\n300,2,1,0.5\n");
    s = draw("time-gradients", "pair", (bnx_chart_opts){.format = "svg"}, out);
    ck_var(s, "last2", "300");
    ck_var(s, "ptitle2", "(b) the last step every seed of each variant recorded (in the legend)");
    ck_var(s, "variant2", "With BN (2 seeds); (b) step 300");
    free(s);

    /* a trial without the file: refused, naming it and the key */
    char path[512];
    snprintf(path, sizeof path, "%s/pair/baseline/seed-2/time_gradients.csv", dir);
    ck_assert_int_eq(remove(path), 0);
    static char run[256];
    snprintf(run, sizeof run, "%s/pair", dir);
    bnx_chart_opts o = {.num_runs = 1, .runs = {run}, .format = "png", .dry = 1};
    bnx_chart_result res;
    bnx_error err;
    ck_assert_int_eq(bnx_chart_render(bnx_chart_find("time-gradients"), &o, &res, &err),
                     BNX_ENOTFOUND);
    snprintf(want, sizeof want, "plot time-gradients: %s/baseline/seed-2 has no "
             "time_gradients.csv: run with time_gradients = true (model = lstm)", run);
    ck_assert_str_eq(err.msg, want);
    bnx_chart_result_free(&res);
    /* a cell that is not a time step */
    put("pair/baseline/seed-2/time_gradients.csv", "step,layer,time_step,grad_norm\n1,1,0.5,1\n");
    ck_assert_int_eq(bnx_chart_render(bnx_chart_find("time-gradients"), &o, &res, &err),
                     BNX_EFORMAT);
    ck_assert_msg(strstr(err.msg, "time_gradients.csv:2: column time_step: '0.5' is not a whole "
                         "number") != NULL, "%s", err.msg);
    bnx_chart_result_free(&res);
}
END_TEST

START_TEST(step_stats_per_site_and_time_step_over_units_and_seeds)
{
    make_pair();
    char out[4400], want[512];
    char *s = draw("step-stats", "pair", (bnx_chart_opts){.format = "pdf"}, out);
    snprintf(want, sizeof want, "%s/pair/plots/tiny-step-stats.pdf", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "term", "pdfcairo");
    ck_template(s, "step-stats");
    snprintf(want, sizeof want, "%s/pair/step-stats-stats.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 4);
    /* the columns step-stats.gp names in its arrays */
    const char *arrays[] = {"array ln[2] = [\"running_mean\", \"running_std\"]",
                            "array sd[2] = [\"running_mean_sd\", \"running_std_sd\"]",
                            "array site[3] = [\"x\", \"h\", \"c\"]"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(strstr(s, arrays[i]) != NULL, "step-stats.gp changed: %s", arrays[i]);
    char *csv = slurp("pair/step-stats-stats.csv");
    ck_assert_str_eq(strtok(csv, "\n"), "series,variant,layer,site,time_step,seeds,running_mean,"
                                        "running_mean_sd,running_std,running_std_sd");
    free(csv);
    csv = slurp("pair/step-stats-stats.csv");
    /* bn, layer 1, site h, t = 2: running_mean 3 and 5 (seed 1), 3 and 7
     * (seed 2): means 4 and 5, sds 1 and 2; sqrt(running_var) 2 and 6 */
    ck_assert_msg(strstr(csv, "\n2,bn,1,h,2,2,4.5,1.5,4,2\n") != NULL, "%s", csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n2,bn,2,c,1,2,4.5,1.5,2,1\n"));
    ck_assert_ptr_null(strstr(csv, "baseline"));
    free(csv);
    ck_var(s, "series", "2");
    ck_var(s, "layer", "1");
    ck_var(s, "tmax", "2");
    ck_var(s, "variant2", "With BN (2 seeds)");
    ck_assert_ptr_null(var(s, "variant1", want, sizeof want));
    ck_var(s, "subtitle2", "not drawn (no step_stats.csv: no recurrent batch norm): baseline");
    ck_var(s, "title", "tiny (mnist): recurrent batch norm, the moving averages per time step "
                       "(Cooijmans et al. 2016, Section 3)");
    free(s);

    /* a trial without it beside one with it: left out, with a warning */
    char path[512];
    snprintf(path, sizeof path, "%s/pair/bn/seed-2/step_stats.csv", dir);
    ck_assert_int_eq(remove(path), 0);
    static char run[256];
    snprintf(run, sizeof run, "%s/pair", dir);
    bnx_chart_opts o = {.num_runs = 1, .runs = {run}, .format = "png", .dry = 1};
    bnx_chart_result res;
    bnx_error err;
    ck_assert_msg(bnx_chart_render(bnx_chart_find("step-stats"), &o, &res, &err) == BNX_OK, "%s",
                  err.msg);
    snprintf(want, sizeof want, "%s/bn/seed-2 has no step_stats.csv (it is written when a trial "
             "reaches its last step); left out\n", run);
    ck_assert_int_eq(res.num_warnings, 1);
    ck_assert_str_eq(res.warnings.p, want);
    ck_assert_ptr_nonnull(strstr(res.script, "variant2='With BN (1 seed)'"));
    bnx_chart_result_free(&res);
    csv = slurp("pair/step-stats-stats.csv");
    ck_assert_msg(strstr(csv, "\n2,bn,1,h,2,1,4,1,4,2\n") != NULL, "%s", csv);
    free(csv);

    /* no trial with it: refused, naming the file and the key */
    snprintf(path, sizeof path, "%s/pair/bn/seed-1/step_stats.csv", dir);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(bnx_chart_render(bnx_chart_find("step-stats"), &o, &res, &err),
                     BNX_ENOTFOUND);
    snprintf(want, sizeof want, "plot step-stats: no trial in %s has step_stats.csv with a row: "
             "run with step_stats = true (model = lstm, norm = batch); it is written when a "
             "trial reaches its last step", run);
    ck_assert_str_eq(err.msg, want);
    bnx_chart_result_free(&res);
    /* a site that is not one */
    put("pair/bn/seed-1/step_stats.csv", "layer,site,time_step,unit,running_mean,running_var\n"
        "1,q,1,0,0,1\n");
    ck_assert_int_eq(bnx_chart_render(bnx_chart_find("step-stats"), &o, &res, &err),
                     BNX_EFORMAT);
    ck_assert_msg(strstr(err.msg, "step_stats.csv:2: site 'q': expected x, h or c") != NULL, "%s",
                  err.msg);
    bnx_chart_result_free(&res);
}
END_TEST

/* ---- sweep ---- */

START_TEST(sweep_a_line_per_group_log_x_and_diverged_crosses)
{
    make_grid();
    char out[4400], want[512];
    char *s = draw("sweep", "grid", (bnx_chart_opts){.x = "lr", .by = "norm", .logx = 1}, out);
    /* the log chart has its own file; its ticks are the swept values */
    snprintf(want, sizeof want, "%s/grid/plots/g-sweep-lr-by-norm-logx.png", dir);
    ck_assert_str_eq(out, want);
    ck_template(s, "sweep");
    ck_var(s, "nx", "2");
    ck_var(s, "xs1", "0.1");
    ck_var(s, "xs2", "1");
    snprintf(want, sizeof want, "%s/grid/sweep.csv", dir);
    ck_var(s, "file", want);
    ck_columns(s, want, 6);
    ck_var(s, "logx", "1");
    ck_assert_ptr_nonnull(strstr(s, "set logscale x 2"));
    ck_var(s, "numeric", "1");
    ck_var(s, "xlabel", "lr (log scale)");
    ck_var(s, "ylabel", "final_test_accuracy (summary.csv)");
    ck_var(s, "n", "2");
    ck_var(s, "divs", "1");
    ck_var(s, "title", "A grid");
    char g1[256], g2[256];
    var(s, "group1", g1, sizeof g1);
    var(s, "group2", g2, sizeof g2);
    ck_assert_str_eq(g1, "norm=batch");
    ck_assert_str_eq(g2, "norm=none");
    char *csv = slurp("grid/sweep.csv");
    /* batch at lr 0.1: 0.9 and 0.8; none at lr 1: one done (0.6), one diverged */
    ck_assert_msg(strstr(csv, "\nnorm=batch,0.1,0,2,2,0.85,") != NULL, "%s", csv);
    ck_assert_msg(strstr(csv, "\nnorm=none,1,1,2,1,0.6,") != NULL, "%s", csv);
    free(csv);
    /* that mean of one seed of two is ringed; the crosses of norm=none,
     * the only line with any, are on the lowest row */
    ck_var(s, "partial", "1");
    ck_var(s, "divrank2", "0");
    ck_assert_ptr_null(strstr(s, "divrank1"));
    ck_assert_ptr_nonnull(strstr(var(s, "subtitle2", want, sizeof want),
                                 "1 diverged trial(s)"));
    /* two seeds at most a point: the error bar is promised */
    ck_assert_ptr_nonnull(strstr(var(s, "subtitle", want, sizeof want), "\u00b1 1 sample sd"));
    free(s);
    /* linear x; another column on y names the file */
    s = draw("sweep", "grid", (bnx_chart_opts){.x = "lr", .y = "final_test_accuracy"}, out);
    ck_var(s, "logx", "0");
    free(s);
    /* --variants: the bn trials' line alone, said in the subtitle; every
     * point a mean of all its seeds, nothing ringed, no crosses */
    s = draw("sweep", "grid", (bnx_chart_opts){.x = "lr", .variants = "bn-*"}, out);
    ck_var(s, "partial", "0");
    ck_var(s, "divs", "0");
    ck_assert_ptr_nonnull(strstr(var(s, "subtitle", want, sizeof want), "only --variants bn-*"));
    ck_var(s, "n", "1");
    ck_var(s, "group1", "norm=batch");
    free(s);
    s = draw("sweep", "grid", (bnx_chart_opts){.x = "lr", .y = "best_test_accuracy"}, out);
    snprintf(want, sizeof want, "%s/grid/plots/g-sweep-lr-best_test_accuracy.png", dir);
    ck_assert_str_eq(out, want);
    free(s);
    /* x values that are not numbers: placed by position, labelled */
    s = draw("sweep", "grid", (bnx_chart_opts){.x = "norm", .format = "svg"}, out);
    snprintf(want, sizeof want, "%s/grid/plots/g-sweep-norm.svg", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "numeric", "0");
    ck_var(s, "nx", "2");
    ck_var(s, "xs1", "batch");
    free(s);
}
END_TEST

/* --by keys that would put two variants at one point (a mean over unlike
 * trials) get the other varying keys added (the legend names them, the
 * subtitle says a line is a variant); the file keeps the --by given */
START_TEST(sweep_splits_points_that_would_pool_variants)
{
    make_grid_of("lr = 0.1, 1\nhidden_units = 8, 16\n");
    char out[4400], want[512];
    char *s = draw("sweep", "grid", (bnx_chart_opts){.x = "lr", .by = "norm"}, out);
    snprintf(want, sizeof want, "%s/grid/plots/g-sweep-lr-by-norm.png", dir);
    ck_assert_str_eq(out, want);
    ck_var(s, "n", "4");
    ck_var(s, "group1", "norm=batch; hidden_units=8");
    var(s, "subtitle", want, sizeof want);
    ck_assert_msg(strstr(want, "; a line per norm and variant; point: mean over 1 to 2 seeds"),
                  "%s", want);
    free(s);
    char *csv = slurp("grid/sweep.csv");
    ck_assert_msg(strstr(csv, "\nnorm=batch; hidden_units=16,0.1,0,2,2,0.85,") != NULL, "%s", csv);
    free(csv);
    /* every varying key given: nothing added, nothing said */
    s = draw("sweep", "grid", (bnx_chart_opts){.x = "lr", .by = "norm,hidden_units"}, out);
    ck_var(s, "n", "4");
    ck_assert_ptr_nonnull(strstr(var(s, "subtitle", want, sizeof want),
                                 "; a line per norm, hidden_units; point"));
    free(s);
    /* --variants that keep one hidden_units: no point would pool, nothing added */
    s = draw("sweep", "grid", (bnx_chart_opts){.x = "lr", .by = "norm", .variants = "*-hidden_units-8"}, out);
    ck_var(s, "n", "2");
    ck_var(s, "group1", "norm=batch");
    ck_assert_ptr_nonnull(strstr(var(s, "subtitle", want, sizeof want), "; a line per norm; point"));
    free(s);
}
END_TEST

/* ---- a run still going ---- */

START_TEST(warnings_of_a_run_still_going_come_back_in_the_result)
{
    make_pair();
    char path[512];
    snprintf(path, sizeof path, "%s/pair/bn/seed-2/manifest.json", dir);
    ck_assert_int_eq(remove(path), 0);
    put("pair/bn/seed-3/metrics.csv", "step,train_loss,test_loss,test_accuracy\n");
    static char run[256];
    snprintf(run, sizeof run, "%s/pair", dir);
    bnx_chart_opts o = {.num_runs = 1, .runs = {run}, .format = "png", .dry = 1};
    bnx_chart_result res;
    bnx_error err;
    for (int i = 0; i < bnx_chart_count(); i++) {
        const bnx_chart *c = bnx_chart_at(i);
        if (strcmp(c->name, "sweep") == 0)
            continue; /* from summary.csv: no trial directories */
        o.y = strcmp(c->name, "curve") == 0 ? "test_loss" : NULL;
        ck_assert_msg(bnx_chart_render(c, &o, &res, &err) == BNX_OK, "%s: %s", c->name, err.msg);
        char want[1024];
        snprintf(want, sizeof want, "%s/bn/seed-2 has no manifest.json (unfinished or stopped); "
                 "its curve is partial\n1 trial(s) in %s have no record yet and are left out\n",
                 run, run);
        ck_assert_int_eq(res.num_warnings, 2);
        ck_assert_str_eq(res.warnings.p, want);
        bnx_chart_result_free(&res);
    }
    /* kept after a failure too */
    o.y = NULL;
    snprintf(path, sizeof path, "%s/pair/baseline/seed-1/landscape.csv", dir);
    ck_assert_int_eq(remove(path), 0);
    ck_assert_int_eq(bnx_chart_render(bnx_chart_find("landscape"), &o, &res, &err), BNX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "plot landscape needs landscape.csv in every trial"));
    ck_assert_int_eq(res.num_warnings, 2);
    ck_assert_str_eq(res.outfile, "");
    bnx_chart_result_free(&res);
}
END_TEST

Suite *suite_chart(void)
{
    Suite *s = suite_create("chart");
    TCase *tc = tcase_create("chart");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, table_lists_every_chart_once_with_what_list_prints);
    tcase_add_test(tc, check_refuses_options_a_chart_does_not_take);
    tcase_add_test(tc, accuracy_reads_curves_csv_mean_and_band_per_variant);
    tcase_add_test(tc, sweep_splits_points_that_would_pool_variants);
    tcase_add_test(tc, loss_is_on_a_log_axis_from_the_lowest_seed);
    tcase_add_test(tc, curve_draws_a_column_against_steps_epochs_or_examples);
    tcase_add_test(tc, activations_a_panel_per_variant_of_the_probed_unit);
    tcase_add_test(tc, histograms_fractions_per_panel_without_out_of_range_bins);
    tcase_add_test(tc, ics_a_row_per_metric_a_column_per_variant);
    tcase_add_test(tc, weights_draws_ics_csv_weights_rows_with_ics_gp);
    tcase_add_test(tc, landscape_means_over_seeds_and_beta_band);
    tcase_add_test(tc, time_gradients_top_layer_at_the_first_and_last_common_step);
    tcase_add_test(tc, step_stats_per_site_and_time_step_over_units_and_seeds);
    tcase_add_test(tc, sweep_a_line_per_group_log_x_and_diverged_crosses);
    tcase_add_test(tc, warnings_of_a_run_still_going_come_back_in_the_result);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_chart)
