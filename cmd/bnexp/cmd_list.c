/* bnexp list: the experiments in experiments/, the datasets bnexp knows and
 * whether they are present, the charts `bnexp plot` draws, the
 * normalizations, the probes, the measures of verdict rules and the keys. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "analysis/chart.h"
#include "analysis/claims.h"
#include "analysis/reference.h"
#include "spec/spec.h"
#include "core/measure.h"
#include "core/paths.h"
#include "data/registry.h"
#include "spec/config.h"
#include "io/strbuf.h"
#include "model/model.h"
#include "nn/norm.h"
#include "probe/probe.h"

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

static void list_models(void)
{
    char keys[1024];
    printf("\nmodels (key model; docs/reference/models.md):\n");
    for (int k = 0; k < bnx_model_count(); k++)
        printf("  %-14s %s\n  %-14s its own keys: %s\n", bnx_model_name(k),
               bnx_model_ops_of(k)->title, "", bnx_model_keys(k, 1, ", ", keys, sizeof keys));
    printf("  every model reads %s\n", bnx_model_keys(0, 0, ", ", keys, sizeof keys));
}

static void list_norms(void)
{
    printf("\nnormalizations (keys norm, norm_fc; docs/guide/keys.md):\n");
    printf("  %-14s %s\n", bnx_norm_name(0), "no normalization layer");
    for (int k = 1; k < bnx_norm_count(); k++)
        printf("  %-14s %s\n", bnx_norm_name(k), bnx_norm_ops_of(k)->title);
}

static void list_probes(void)
{
    printf("\nprobes (measurements a trial writes beside metrics.csv; their keys):\n");
    for (int i = 0; i < bnx_probe_count(); i++) {
        const bnx_probe_ops *ops = bnx_probe_at(i);
        char csvs[256], keys[512];
        bnx_probe_lists(ops, csvs, keys);
        printf("  %-14s %s\n  %-14s writes %s; keys %s\n", ops->name, ops->title, "", csvs, keys);
    }
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

/* --markdown: a reference page of docs/reference/, or --json: its tables
 * (analysis/reference.h). */
static int list_markdown(const char *what, int json)
{
    bnx_strbuf sb = {0};
    bnx_error err;
    const char *opt = json ? "--json" : "--markdown";
    if ((json ? bnx_reference_json : bnx_reference_page)(what, &sb, &err)) {
        free(sb.p);
        return err.code == BNX_EINVAL
                   ? cli_error(2, "list: %s %s: expected %s", opt, what, bnx_reference_names())
                   : cli_error(1, "list: %s %s: %s", opt, what, err.msg);
    }
    fputs(sb.p ? sb.p : "", stdout);
    free(sb.p);
    return 0;
}

int cmd_list(int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"markdown", required_argument, NULL, 'm'},
        {"json", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    int opt, json = 0;
    const char *markdown = NULL;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (opt == 'h')
            return cli_print_help("list");
        if (opt == 'm' || opt == 'j') {
            markdown = optarg;
            json = opt == 'j';
            continue;
        }
        return cli_bad_option("list", opt, argv);
    }
    if (optind < argc)
        return cli_error(2, "list: unexpected argument '%s' (see bnexp list --help)",
                         argv[optind]);
    if (markdown)
        return list_markdown(markdown, json);
    list_experiments();
    list_datasets();
    list_charts();
    list_models();
    list_norms();
    list_probes();
    list_measures();
    list_keys();
    return 0;
}
