/* bnexp list: the experiments in experiments/, the datasets bnexp knows and
 * whether they are present, the charts `bnexp plot` draws, the
 * normalizations, the measures of verdict rules and the keys. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "analysis/chart.h"
#include "analysis/claims.h"
#include "spec/spec.h"
#include "core/measure.h"
#include "core/paths.h"
#include "data/registry.h"
#include "spec/config.h"
#include "io/strbuf.h"
#include "nn/norm.h"

/* Strip leading and trailing white space in place; returns the start. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* The value of `description` in the [experiment] section of an INI file,
 * copied into out (empty if there is none or the file cannot be read).
 * A plain line scan: "key = value" or "key: value", ';' or '#' comment
 * lines, and " ;" starting an inline comment, as inih reads them. */
static void read_description(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    int in_experiment = 0;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (*s == ';' || *s == '#' || *s == '\0')
            continue;
        if (*s == '[') {
            in_experiment = strncmp(s, "[experiment]", 12) == 0;
            continue;
        }
        if (!in_experiment)
            continue;
        size_t key_len = strcspn(s, "=:");
        if (s[key_len] == '\0')
            continue;
        s[key_len] = '\0';
        if (strcmp(trim(s), "description") != 0)
            continue;
        char *value = s + key_len + 1;
        char *comment = strstr(value, " ;");
        if (comment)
            *comment = '\0';
        snprintf(out, size, "%s", trim(value));
        break;
    }
    fclose(f);
}

static void list_experiments(void)
{
    char dir[4096];
    bnx_error err;
    printf("experiments (bnexp run NAME; any other file: bnexp run PATH.ini; [grid] sections\n"
           "sweep keys, see bnexp run --help):\n");
    if (bnx_home_path(dir, sizeof dir, "experiments", &err)) {
        printf("  (cannot locate experiments/: %s)\n", err.msg);
        return;
    }
    bnx_names names;
    if (bnx_dir_names(dir, BNX_CLAIMS_MAX_FILES, &names, &err)) {
        if (err.code == BNX_ENOTFOUND)
            printf("  (none: %s not found)\n", dir);
        else
            printf("  (cannot list them: %s)\n", err.msg);
        bnx_names_free(&names);
        return;
    }
    /* the experiments: NAME.ini, by NAME */
    int count = 0;
    for (int i = 0; i < names.n; i++) {
        size_t len = strlen(names.v[i]);
        if (len <= 4 || strcmp(names.v[i] + len - 4, ".ini") != 0) {
            free(names.v[i]);
            continue;
        }
        names.v[i][len - 4] = '\0';
        names.v[count++] = names.v[i];
    }
    names.n = count;
    qsort(names.v, (size_t)count, sizeof *names.v, bnx_names_cmp);
    for (int i = 0; i < count; i++) {
        char path[8192], description[512];
        snprintf(path, sizeof path, "%s/%s.ini", dir, names.v[i]);
        read_description(path, description, sizeof description);
        printf("  %-14s %s\n", names.v[i], description);
        /* the claims its verdict rules decide (bnexp report claims) */
        bnx_spec spec;
        if (bnx_spec_load(path, names.v[i], &spec, NULL) == BNX_OK && spec.num_verdicts) {
            printf("  %-14s %d verdict rule%s, claim", "", spec.num_verdicts,
                   spec.num_verdicts == 1 ? "" : "s");
            int shown = 0;
            for (int v = 0; v < spec.num_verdicts; v++) {
                int seen = 0;
                for (int u = 0; u < v; u++)
                    seen |= strcmp(spec.verdicts[u].claim, spec.verdicts[v].claim) == 0;
                if (!seen)
                    printf("%s %s", shown++ ? "," : "", spec.verdicts[v].claim);
            }
            printf(" (bnexp report claims)\n");
        }
        bnx_spec_free(&spec);
    }
    if (count == 0)
        printf("  (none in %s)\n", dir);
    bnx_names_free(&names);
}

static void list_datasets(void)
{
    printf("\ndatasets (bnexp data fetch NAME; bnexp data list for details):\n");
    for (int i = 0; i < bnx_data_count(); i++) {
        const bnx_dataset_info *info = bnx_data_at(i);
        char dir[4096];
        bnx_error err;
        bnx_data_state state;
        int rc = bnx_data_status(info, dir, &state, &err);
        printf("  %-14s %-11s %s (%s)\n", info->name, bnx_data_state_name(state),
               info->description, dir);
        if (rc)
            printf("  %-14s %-11s %s\n", "", "", err.msg);
    }
}

static void list_charts(void)
{
    printf("\ncharts (bnexp plot CHART):\n");
    for (int i = 0; i < bnx_chart_count(); i++)
        printf("  %-14s %s\n", bnx_chart_at(i)->name, bnx_chart_at(i)->summary);
}

static void list_norms(void)
{
    printf("\nnormalizations (keys norm, norm_fc; docs/guide/keys.md):\n");
    printf("  %-14s %s\n", bnx_norm_name(0), "no normalization layer");
    for (int k = 1; k < bnx_norm_count(); k++)
        printf("  %-14s %s\n", bnx_norm_name(k), bnx_norm_ops_of(k)->title);
}

static void list_measures(void)
{
    printf("\nmeasures (a verdict rule's measure = arithmetic over these, Q a quantity of each "
           "trial,\nF its filters: docs/guide/experiments.md):\n");
    for (int i = 0; i < bnx_measure_count(); i++) {
        const bnx_measure *m = bnx_measure_at(i);
        char form[128];
        snprintf(form, sizeof form, "%s(%s)", m->name, bnx_measure_args_text(m));
        printf("  %-26s %s\n", form, m->doc);
    }
}

static void list_keys(void)
{
    printf("\nkeys (experiment files, --set, --grid; default, then meaning and what it takes):\n");
    for (int i = 0; i < bnx_config_num_keys(); i++) {
        char allowed[1024];
        bnx_config_key_allowed(i, allowed, sizeof allowed);
        printf("  %-20s %-10s %s\n  %-20s %-10s takes %s\n", bnx_config_key_name(i),
               bnx_config_key_default(i), bnx_config_key_help(i), "", "", allowed);
    }
    printf("  %-20s %-10s %s\n", "bn", "", "shorthand: bn = true is norm = batch, bn = false is norm = none");
}

/* ---- --markdown: the reference pages of docs/reference/ ---- */

/* s as a Markdown table cell (bnx_sb_md_cell). */
static void md_cell(const char *s)
{
    bnx_strbuf sb = {0};
    bnx_sb_md_cell(&sb, s);
    fputs(sb.p ? sb.p : "", stdout);
    free(sb.p);
}

static void md_header(const char *title, const char *what)
{
    printf("# %s\n\n<!-- Generated by `bnexp list --markdown %s` (make docs); make check fails "
           "when this page differs from it. Edit the table it comes from, not this page. -->\n\n",
           title, what);
}

static void md_keys(void)
{
    md_header("Experiment keys", "keys");
    printf("Every key an experiment file (`[experiment]`, `[variant.NAME]`, `[grid]`),\n"
           "`--set KEY=VALUE` or `--grid KEY=V1,V2` can give, in the order of the key\n"
           "table (lib/spec/config.c). Precedence, the keys' finer points, the input\n"
           "transforms and the normalizations: [docs/guide/keys.md](../guide/keys.md).\n\n"
           "| key | default | takes | meaning |\n|---|---|---|---|\n");
    for (int i = 0; i < bnx_config_num_keys(); i++) {
        char allowed[1024];
        bnx_config_key_allowed(i, allowed, sizeof allowed);
        printf("| %s | ", bnx_config_key_name(i));
        md_cell(bnx_config_key_default(i));
        printf(" | ");
        md_cell(allowed);
        printf(" | ");
        md_cell(bnx_config_key_help(i));
        if (bnx_config_key_inert(i))
            printf(" (changes no result: not in the trial identity)");
        printf(" |\n");
    }
    printf("\nShorthand: `bn = true` is `norm = batch`, `bn = false` is `norm = none`.\n"
           "Former names, still accepted wherever a key is named (experiment files,\n"
           "`--set`, grids, rule filters, plans):");
    for (int i = 0; i < bnx_config_num_aliases(); i++)
        printf("%s `%s` (now `%s`)", i ? "," : "", bnx_config_alias_at(i),
               bnx_config_alias(bnx_config_alias_at(i)));
    printf(".\n");
}

static void md_charts(void)
{
    md_header("Charts", "charts");
    printf("What `bnexp plot CHART` draws (the chart table, lib/analysis/chart.c), each\n"
           "from a template plots/CHART.gp, into RUN/plots/EXPERIMENT-CHART.FORMAT.\n\n"
           "| chart | reads | what it shows |\n|---|---|---|\n");
    for (int i = 0; i < bnx_chart_count(); i++) {
        const bnx_chart *c = bnx_chart_at(i);
        printf("| %s | ", c->name);
        md_cell(c->csv ? c->csv : "");
        printf(" | ");
        md_cell(c->summary);
        printf(" |\n");
    }
}

static void md_norms(void)
{
    md_header("Normalizations", "normalizations");
    printf("The kinds the keys norm, norm_fc and input_norm take (the normalization\n"
           "table, lib/nn/norm.c; what each computes: docs/guide/keys.md).\n\n"
           "| name | kind |\n|---|---|\n| %s | no normalization layer |\n", bnx_norm_name(0));
    for (int k = 1; k < bnx_norm_count(); k++) {
        printf("| %s | ", bnx_norm_name(k));
        md_cell(bnx_norm_ops_of(k)->title);
        printf(" |\n");
    }
}

static void md_measures(void)
{
    md_header("Verdict measures", "measures");
    printf("The measures a verdict rule's `measure` is arithmetic over (the measure\n"
           "table, lib/core/measure.c), each taken over the trials of a point that\n"
           "match its filters F (`| KEY=VALUE, ...`; none: every trial of the point).\n"
           "Q is a number per trial: a numeric column of summary.csv, `final(COLUMN)`,\n"
           "`steps_to(X)`, `diverged` or `rows_mean(FILE, COLUMN, ...)`. The rule\n"
           "language, empty values and `min_seeds`:\n"
           "[docs/guide/experiments.md](../guide/experiments.md#claims-and-verdicts).\n\n"
           "| measure | written | what it is |\n|---|---|---|\n");
    for (int i = 0; i < bnx_measure_count(); i++) {
        const bnx_measure *m = bnx_measure_at(i);
        char form[128];
        snprintf(form, sizeof form, "%s(%s)", m->name, bnx_measure_args_text(m));
        printf("| %s | `", m->name);
        md_cell(form);
        printf("` | ");
        md_cell(m->doc);
        printf(" |\n");
    }
}

static void md_datasets(void)
{
    md_header("Datasets", "datasets");
    printf("The datasets `bnexp data fetch NAME` installs and `dataset = NAME` trains on\n"
           "(the registry, lib/data/registry.c); any other NAME is a PNG folder\n"
           "datasets/NAME/ (docs/guide/datasets.md).\n\n"
           "| name | images | classes | train / test | what |\n|---|---|---|---|---|\n");
    for (int i = 0; i < bnx_data_count(); i++) {
        const bnx_dataset_info *d = bnx_data_at(i);
        printf("| %s | %d x %d x %d | %d | %d / %d | ", d->name, d->c, d->h, d->w,
               d->num_classes, d->train_size, d->test_size);
        md_cell(d->description);
        printf(" |\n");
    }
}

static int list_markdown(const char *what)
{
    static const struct {
        const char *name;
        void (*print)(void);
    } pages[] = {{"keys", md_keys}, {"charts", md_charts}, {"normalizations", md_norms},
                 {"measures", md_measures}, {"datasets", md_datasets}};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (strcmp(what, pages[i].name) == 0) {
            pages[i].print();
            return 0;
        }
    return cli_error(2, "list: --markdown %s: expected keys, charts, normalizations, measures or "
                     "datasets", what);
}

int cmd_list(int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"markdown", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    const char *markdown = NULL;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (opt == 'h')
            return cli_print_help("list");
        if (opt == 'm') {
            markdown = optarg;
            continue;
        }
        return cli_bad_option("list", opt, argv);
    }
    if (optind < argc)
        return cli_error(2, "list: unexpected argument '%s' (see bnexp list --help)",
                         argv[optind]);
    if (markdown)
        return list_markdown(markdown);
    list_experiments();
    list_datasets();
    list_charts();
    list_norms();
    list_measures();
    list_keys();
    return 0;
}
