/* Fuzz the --grid option (spec/spec.h: bnx_spec_grid, bnx_grid_values)
 * on its own: lists, bracketed values, ranges A:B:xF and A:B:+S, keys
 * and their aliases, grids replaced one after another.
 *
 * Input: a first byte choosing one of three fixed experiment files (two
 * variants and a grid; [experiment] alone with a grid; [experiment]
 * alone), then one KEY=VALUES assignment per line, each given to
 * bnx_spec_grid as `bnexp run --grid` gives it.
 *
 * Checked after every assignment:
 *   refused   it has a status and a message, and the spec is as it was
 *             (variant names and configs, grids, swept keys);
 *   accepted  bnx_grid_values takes the same text, giving as many values
 *             as the grid's axis of KEY has; every variant's KEY is one of
 *             them, as the config writes it; the variants are at most
 *             sections x points, at most BNX_MAX_VARIANTS, named path-safe
 *             and distinct. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "spec/config.h"
#include "spec/spec.h"
#include "fuzzutil.h"

static const char *const files[] = {
    "[experiment]\nsteps = 10\n[variant.a]\ninit_std = 0.5\n[variant.b]\ninit_std = 1\n"
    "[grid]\nlr = 0.1, 1\nbatch_size = 16\n",
    "[experiment]\nsteps = 10\n[grid]\nlr = 0.1:1:x10\n",
    "[experiment]\nsteps = 10\nlr = 0.5\n",
};

/* What a refused option must leave as it was.  Configs are compared as
 * text (bnx_config_text: a struct's padding is not compared), through a
 * 64-bit FNV-1a hash, for the first MAX_COMPARED variants (the text of
 * 10,000 points on every option made the target too slow to fuzz). */
#define MAX_COMPARED 500
typedef struct snapshot {
    int num_variants, num_swept, num_grids;
    char (*names)[64];
    unsigned long long *hashes;
    char text[8192]; /* swept keys, then every grid's axes and values */
} snapshot;

static unsigned long long config_hash(const bnx_config *c)
{
    static char text[BNX_CONFIG_TEXT_MAX];
    bnx_config_text(c, text, sizeof text);
    unsigned long long h = 1469598103934665603ULL;
    for (const char *p = text; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static void take(const bnx_spec *spec, snapshot *s)
{
    s->num_variants = spec->num_variants;
    s->num_swept = spec->num_swept;
    s->num_grids = spec->num_grids;
    s->names = malloc(sizeof *s->names * (size_t)(spec->num_variants + 1));
    s->hashes = malloc(sizeof *s->hashes * MAX_COMPARED);
    fuzz_check(s->names && s->hashes, "malloc");
    for (int i = 0; i < spec->num_variants; i++) {
        memcpy(s->names[i], spec->variants[i].name, sizeof s->names[i]);
        if (i < MAX_COMPARED)
            s->hashes[i] = config_hash(&spec->variants[i].config);
    }
    size_t used = 0;
    s->text[0] = '\0';
    for (int i = 0; i < spec->num_swept && used < sizeof s->text; i++)
        used += (size_t)snprintf(s->text + used, sizeof s->text - used, "%s;", spec->swept[i]);
    for (int g = 0; g < spec->num_grids && used < sizeof s->text; g++)
        for (int a = 0; a < spec->grids[g].num_axes && used < sizeof s->text; a++) {
            const bnx_grid_axis *ax = &spec->grids[g].axes[a];
            used += (size_t)snprintf(s->text + used, sizeof s->text - used, "|%d %s %d:", g,
                                     ax->key, ax->num_values);
            for (int k = 0; k < ax->num_values && used < sizeof s->text; k++)
                used += (size_t)snprintf(s->text + used, sizeof s->text - used, "%s,", ax->values[k]);
        }
}

static void drop(snapshot *s)
{
    free(s->names);
    free(s->hashes);
}

static int same(const bnx_spec *spec, const snapshot *s)
{
    snapshot now;
    take(spec, &now);
    int eq = now.num_variants == s->num_variants && now.num_swept == s->num_swept &&
             now.num_grids == s->num_grids && strcmp(now.text, s->text) == 0;
    for (int i = 0; eq && i < s->num_variants; i++)
        eq = strcmp(now.names[i], s->names[i]) == 0 &&
             (i >= MAX_COMPARED || now.hashes[i] == s->hashes[i]);
    drop(&now);
    return eq;
}

static int name_order(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The accepted assignment KEY=TEXT, checked against the spec. */
static void check_accepted(const bnx_spec *spec, const char *key, const char *text)
{
    char(*values)[256] = NULL;
    int count = 0;
    bnx_error err = {0};
    fuzz_check(bnx_grid_values(key, text, &values, &count, &err) == BNX_OK,
               "an accepted --grid's values parse alone");
    fuzz_check(count >= 1 && count <= BNX_GRID_MAX_VALUES, "values in range");
    const char *canon, *unused;
    bnx_config_canonical(key, "true", &canon, &unused);
    long points = 1;
    int axes = 0;
    for (int g = 0; g < spec->num_grids; g++) {
        long here = 1;
        for (int a = 0; a < spec->grids[g].num_axes; a++) {
            const bnx_grid_axis *ax = &spec->grids[g].axes[a];
            here *= ax->num_values;
            if (strcmp(ax->key, canon) == 0) {
                fuzz_check(ax->num_values == count, "the grid has the option's values");
                axes++;
            }
        }
        points = g == 0 ? here : points + here;
    }
    fuzz_check(axes >= 1, "some grid sweeps the key");
    long sections = spec->num_sections > 0 ? spec->num_sections : 1;
    fuzz_check(spec->num_variants >= 1 && spec->num_variants <= BNX_MAX_VARIANTS &&
                   spec->num_variants <= sections * points,
               "variants in range: at most sections x points");
    /* each value as the config writes it (an alias's value mapped: bn=true
     * is norm=batch) */
    int index = bnx_config_key_index(canon);
    fuzz_check(index >= 0, "an accepted key is a config key");
    char (*canonical)[256] = malloc(sizeof *canonical * (size_t)count);
    fuzz_check(canonical != NULL, "malloc");
    for (int k = 0; k < count; k++) {
        bnx_config c;
        bnx_config_defaults(&c);
        fuzz_check(bnx_config_set(&c, key, values[k], NULL) == BNX_OK, "a grid value sets");
        bnx_config_key_value(&c, index, canonical[k], sizeof canonical[k]);
    }
    const char **names = malloc(sizeof *names * (size_t)spec->num_variants);
    fuzz_check(names != NULL, "malloc");
    for (int i = 0; i < spec->num_variants; i++) {
        const bnx_variant *v = &spec->variants[i];
        fuzz_check(bnx_name_is_safe(v->name), "a point's name is path-safe");
        names[i] = v->name;
        char value[256];
        bnx_config_key_value(&v->config, index, value, sizeof value);
        int found = 0;
        for (int k = 0; k < count && !found; k++)
            found = strcmp(value, canonical[k]) == 0;
        fuzz_check(found, "every point's value of the key is one of the option's");
    }
    qsort(names, (size_t)spec->num_variants, sizeof *names, name_order);
    for (int i = 1; i < spec->num_variants; i++)
        fuzz_check(strcmp(names[i - 1], names[i]) != 0, "point names are distinct");
    free(names);
    free(canonical);
    free(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    const char *file = files[data[0] % (sizeof files / sizeof files[0])];
    const char *path = fuzz_write_temp(0, (const uint8_t *)file, strlen(file), 0);
    static bnx_spec spec;
    bnx_error err = {0};
    fuzz_check(bnx_spec_load(path, "fuzz", &spec, &err) == BNX_OK, "the fixed file loads");

    char *options = malloc(size);
    fuzz_check(options != NULL, "malloc");
    memcpy(options, data + 1, size - 1);
    options[size - 1] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(options, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        snapshot before;
        take(&spec, &before);
        bnx_error e = {0};
        int rc = bnx_spec_grid(&spec, line, &e);
        if (rc) {
            fuzz_check(e.code == rc && e.msg[0] != '\0', "a refused --grid has a status and a message");
            fuzz_check(same(&spec, &before), "a refused --grid leaves the spec as it was");
        } else {
            char key[64];
            const char *eq = strchr(line, '=');
            fuzz_check(eq && (size_t)(eq - line) < sizeof key, "an accepted --grid has KEY=");
            memcpy(key, line, (size_t)(eq - line));
            key[eq - line] = '\0';
            check_accepted(&spec, key, eq + 1);
        }
        drop(&before);
    }
    free(options);
    bnx_spec_free(&spec);
    return 0;
}
