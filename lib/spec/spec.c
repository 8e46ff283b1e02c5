#include "spec/spec.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/suggest.h"

/* The Debian build of inih passes no line number to the handler, so the
 * reader counts lines itself. */
struct parse_state {
    bnx_spec *spec;
    bnx_error *err;
    int failed;
    FILE *file;
    int line;
    int continued;  /* the line read last is indented: inih continues the
                       previous key's value with it */
};

static bnx_variant *find_or_add_variant(struct parse_state *st, const char *name);
static bnx_grid *find_or_add_grid(struct parse_state *st, const char *name);
static bnx_verdict_rule *find_or_add_verdict(struct parse_state *st, const char *name);
static bnx_eval_section *find_or_add_eval(struct parse_state *st, const char *name);
static void free_variants(bnx_variant *list, int count);
static int resolve(bnx_spec *spec, bnx_error *err);
static int expand(bnx_spec *spec, bnx_error *err);
static int compute_swept(bnx_spec *spec, bnx_error *err);
static int expand_points(bnx_spec *spec, bnx_error *err);
static int grid_option(bnx_spec *spec, const char *assignment, const char *key, const char *eq,
                       bnx_error *err);

/* inih calls the handler only for keys, so a section with no keys (a
 * variant that changes nothing) is registered here, as its header is read. */
/* 1 if `line` is the header [PREFIX] (name "") or [PREFIX.NAME] (NAME into
 * name[size]), else 0 (also for a malformed one: inih reports it). */
static int section_header(const char *line, const char *prefix, char *name, size_t size)
{
    size_t p = strlen(prefix);
    if (line[0] != '[' || strncmp(line + 1, prefix, p) != 0)
        return 0;
    const char *rest = line + 1 + p;
    if (rest[0] == ']') {
        name[0] = '\0';
        return 1;
    }
    size_t n = rest[0] == '.' ? strcspn(rest + 1, "]") : 0;
    if (n == 0 || rest[1 + n] != ']' || n >= size)
        return 0;
    memcpy(name, rest + 1, n);
    name[n] = '\0';
    return 1;
}

static void note_section(struct parse_state *st, const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    char name[128];
    if (section_header(line, "grid", name, sizeof name))
        st->failed |= !find_or_add_grid(st, name);
    else if (section_header(line, "verdict", name, sizeof name))
        st->failed |= !find_or_add_verdict(st, name);
    else if (section_header(line, "variant", name, sizeof name) && name[0])
        st->failed |= !find_or_add_variant(st, name);
    else if (section_header(line, "eval", name, sizeof name) && name[0])
        st->failed |= !find_or_add_eval(st, name);
}

static char *read_line(char *str, int num, void *stream)
{
    struct parse_state *st = stream;
    if (st->failed)
        return NULL;
    char *got = fgets(str, num, st->file);
    if (got) {
        st->line++;
        size_t len = strlen(got);
        if (len == (size_t)num - 1 && got[len - 1] != '\n' && !feof(st->file)) {
            bnx_fail(st->err, BNX_EFORMAT, "%s:%d: line longer than %d characters (a verdict's "
                     "measure, statement, source and written continue on indented lines)",
                     st->spec->path, st->line, num - 2);
            st->failed = 1;
            return NULL;
        }
        st->continued = (got[0] == ' ' || got[0] == '\t') && got[strspn(got, " \t\r\n")] != '\0';
        note_section(st, got);
        if (st->failed)
            return NULL;
    }
    return got;
}

/* Append key = value to the malloc'd list *list of *count settings. */
static int add_setting(bnx_setting **list, int *count, const char *key, const char *value,
                       int line, bnx_error *err)
{
    if (*count >= BNX_MAX_SETTINGS)
        return bnx_fail(err, BNX_EINVAL, "more than %d keys in one section", BNX_MAX_SETTINGS);
    if (strlen(key) >= sizeof (*list)->key || strlen(value) >= sizeof (*list)->value)
        return bnx_fail(err, BNX_EINVAL, "key or value too long: %.40s", key);
    bnx_setting *grown = realloc(*list, sizeof *grown * (size_t)(*count + 1));
    if (!grown)
        return bnx_fail(err, BNX_ENOMEM, "out of memory reading the experiment");
    *list = grown;
    bnx_setting *s = &grown[(*count)++];
    strcpy(s->key, key);
    strcpy(s->value, value);
    s->line = line;
    return BNX_OK;
}

/* A new, empty variant at the end of spec's list; NULL (error recorded)
 * when there are BNX_MAX_VARIANTS already or memory runs out. */
static bnx_variant *append_variant(bnx_spec *spec, const char *name, bnx_error *err)
{
    if (spec->num_variants >= BNX_MAX_VARIANTS) {
        bnx_fail(err, BNX_EINVAL, "more than %d variants", BNX_MAX_VARIANTS);
        return NULL;
    }
    if (spec->num_variants == spec->cap_variants) {
        int cap = spec->cap_variants ? 2 * spec->cap_variants : 8;
        bnx_variant *grown = realloc(spec->variants, sizeof *grown * (size_t)cap);
        if (!grown) {
            bnx_fail(err, BNX_ENOMEM, "out of memory for %d variants", cap);
            return NULL;
        }
        spec->variants = grown;
        spec->cap_variants = cap;
    }
    bnx_variant *v = &spec->variants[spec->num_variants++];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    v->section = -1;
    return v;
}

/* The variant called `name`, added if new; NULL (error recorded, with the
 * line) for a bad name or too many variants. */
static bnx_variant *find_or_add_variant(struct parse_state *st, const char *name)
{
    bnx_spec *spec = st->spec;
    for (int i = 0; i < spec->num_variants; i++)
        if (strcmp(spec->variants[i].name, name) == 0)
            return &spec->variants[i];
    if (!bnx_name_is_safe(name)) {
        bnx_fail(st->err, BNX_EFORMAT, "%s:%d: variant name '%s' must be %s", spec->path,
                 st->line, name, bnx_name_rule);
        return NULL;
    }
    bnx_variant *v = append_variant(spec, name, st->err);
    if (!v)
        bnx_error_prefix(st->err, "%s:%d", spec->path, st->line);
    return v;
}

/* The item called `name` of the list *list (*count items of `size` bytes,
 * each starting with its char name[64]), added zeroed if new; NULL (error
 * recorded, with the line) for a name that is not path-safe or no memory.
 * `what` names the kind of section in the message. */
_Static_assert(offsetof(bnx_grid, name) == 0 && offsetof(bnx_verdict_rule, name) == 0 &&
               offsetof(bnx_eval_section, name) == 0,
               "find_or_add_named reads an item's name at its start");
static void *find_or_add_named(struct parse_state *st, void **list, int *count, size_t size,
                               const char *what, const char *name)
{
    for (int i = 0; i < *count; i++)
        if (strcmp((char *)*list + (size_t)i * size, name) == 0)
            return (char *)*list + (size_t)i * size;
    if (name[0] && !bnx_name_is_safe(name)) {
        bnx_fail(st->err, BNX_EFORMAT, "%s:%d: %s name '%s' must be %s", st->spec->path,
                 st->line, what, name, bnx_name_rule);
        return NULL;
    }
    char *grown = realloc(*list, size * (size_t)(*count + 1));
    if (!grown) {
        bnx_fail(st->err, BNX_ENOMEM, "out of memory reading %s", st->spec->path);
        return NULL;
    }
    *list = grown;
    char *item = grown + size * (size_t)(*count)++;
    memset(item, 0, size);
    snprintf(item, 64, "%s", name);
    return item;
}

/* The grid called `name` ("" for [grid]), added if new; NULL (error
 * recorded, with the line) for a bad name or no memory. */
static bnx_grid *find_or_add_grid(struct parse_state *st, const char *name)
{
    bnx_grid *g = find_or_add_named(st, (void **)&st->spec->grids, &st->spec->num_grids,
                                    sizeof *g, "grid", name);
    if (g && !g->line)
        g->line = st->line;
    return g;
}

/* Set grid g's values of key (replacing them if g has the key and
 * `replace`; a second line for one key in a section is refused). */
static int grid_set(bnx_grid *g, const char *key, const char *text, int line, int replace,
                    bnx_error *err)
{
    if (strcmp(key, "seeds") == 0 || strcmp(key, "description") == 0)
        return bnx_fail(err, BNX_EINVAL, "key %s belongs in [experiment], not in a grid", key);
    char(*values)[256] = NULL;
    int count = 0, rc = bnx_grid_values(key, text, &values, &count, err);
    if (rc)
        return rc;
    const char *canon = key, *canon_value;
    for (int i = 0; i < count; i++) /* bn = true, false sweeps norm = batch, none */
        if (bnx_config_canonical(key, values[i], &canon, &canon_value) == 1 &&
            canon_value != values[i]) /* a former name keeps its values */
            snprintf(values[i], sizeof values[i], "%s", canon_value);
    key = canon;
    bnx_grid_axis *axis = NULL;
    for (int i = 0; i < g->num_axes; i++)
        if (strcmp(g->axes[i].key, key) == 0)
            axis = &g->axes[i];
    if (axis && !replace) {
        free(values);
        return bnx_fail(err, BNX_EINVAL, "key %s is given twice in one grid (line %d)", key, axis->line);
    }
    if (!axis) {
        bnx_grid_axis *grown = realloc(g->axes, sizeof *grown * (size_t)(g->num_axes + 1));
        if (!grown) {
            free(values);
            return bnx_fail(err, BNX_ENOMEM, "out of memory for a grid");
        }
        g->axes = grown;
        axis = &grown[g->num_axes++];
        memset(axis, 0, sizeof *axis);
        snprintf(axis->key, sizeof axis->key, "%s", key);
    }
    free(axis->values);
    axis->values = values;
    axis->num_values = count;
    axis->line = line;
    return BNX_OK;
}

/* The key a name sets: norm for bn, norm_eps for bn_eps (a former name). */
static const char *key_set(const char *name)
{
    const char *renamed = bnx_config_alias(name);
    return renamed ? renamed : strcmp(name, "bn") == 0 ? "norm" : name;
}

/* bn (shorthand for norm) and norm, or a key's former name (bn_eps) and
 * its name (norm_eps), in one section: refused, since which wins would
 * depend on their order. */
static int shorthand_clash(const bnx_setting *list, int count, const char *key, bnx_error *err)
{
    for (int i = 0; i < count; i++)
        if (strcmp(list[i].key, key) != 0 && strcmp(key_set(list[i].key), key_set(key)) == 0)
            return bnx_fail(err, BNX_EINVAL, "key %s: this section already sets %s (line %d); "
                            "%s: give one of them", key, list[i].key, list[i].line,
                            strcmp(key_set(key), "norm") == 0
                                ? "bn = true|false is shorthand for norm = batch|none"
                                : "one is the other's former name");
    return BNX_OK;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
    struct parse_state *st = user;
    int line = st->line;
    bnx_spec *spec = st->spec;
    bnx_config probe;
    bnx_config_defaults(&probe);
    if (strcmp(section, "experiment") == 0) {
        if (strcmp(key, "description") == 0) {
            snprintf(spec->description, sizeof spec->description, "%s", value);
            return 1;
        }
        if (strcmp(key, "seeds") == 0 || strcmp(key, "max_seeds") == 0) {
            char *end;
            long n = strtol(value, &end, 10);
            if (end == value || *end || n < 1 || n > 1024) {
                bnx_fail(st->err, BNX_EFORMAT, "key %s: '%s' is not a whole number from 1 to 1024",
                         key, value);
                goto fail;
            }
            *(key[0] == 's' ? &spec->seeds : &spec->max_seeds) = (int)n;
            return 1;
        }
        if (bnx_config_set(&probe, key, value, st->err) ||
            shorthand_clash(spec->base, spec->num_base, key, st->err) ||
            add_setting(&spec->base, &spec->num_base, key, value, line, st->err))
            goto fail;
        return 1;
    }
    if (strncmp(section, "variant.", 8) == 0 && section[8]) {
        bnx_variant *v = find_or_add_variant(st, section + 8);
        if (!v)
            return 0;
        if (strcmp(key, "seeds") == 0 || strcmp(key, "description") == 0) {
            bnx_fail(st->err, BNX_EFORMAT, "key %s belongs in [experiment], not in a variant", key);
            goto fail;
        }
        if (bnx_config_set(&probe, key, value, st->err) ||
            shorthand_clash(v->settings, v->num_settings, key, st->err) ||
            add_setting(&v->settings, &v->num_settings, key, value, line, st->err))
            goto fail;
        return 1;
    }
    if (strcmp(section, "grid") == 0 || (strncmp(section, "grid.", 5) == 0 && section[5])) {
        bnx_grid *g = find_or_add_grid(st, section[4] ? section + 5 : "");
        if (!g)
            return 0;
        if (grid_set(g, key, value, line, 0, st->err))
            goto fail;
        return 1;
    }
    if (strcmp(section, "verdict") == 0 || (strncmp(section, "verdict.", 8) == 0 && section[8])) {
        bnx_verdict_rule *r = find_or_add_verdict(st, section[7] ? section + 8 : "");
        if (!r)
            return 0;
        if (st->continued ? bnx_verdict_continue(r, key, value, st->err)
                          : bnx_verdict_set(r, key, value, st->err))
            goto fail;
        return 1;
    }
    if (strncmp(section, "eval.", 5) == 0 && section[5]) {
        bnx_eval_section *e = find_or_add_eval(st, section + 5);
        if (!e)
            return 0;
        if (bnx_eval_section_set(e, key, value, st->err)) {
            bnx_error_prefix(st->err, "[eval.%s]", e->name);
            goto fail;
        }
        return 1;
    }
    bnx_fail(st->err, BNX_EFORMAT, "unknown section [%s] (expected [experiment], [variant.NAME], "
             "[grid], [grid.NAME], [verdict], [verdict.NAME] or [eval.NAME])", section);
fail:
    st->failed = 1;
    bnx_error_prefix(st->err, "%s:%d", spec->path, line);
    if (st->err)
        st->err->code = BNX_EFORMAT;
    return 0;
}

/* The verdict rule called `name` ("" for [verdict]), added if new (its
 * line: the header's); NULL (error recorded) for a name that is not
 * path-safe or no memory. */
static bnx_verdict_rule *find_or_add_verdict(struct parse_state *st, const char *name)
{
    bnx_verdict_rule *r = find_or_add_named(st, (void **)&st->spec->verdicts,
                                            &st->spec->num_verdicts, sizeof *r, "verdict", name);
    if (r && !r->line)
        r->line = st->line;
    return r;
}

/* The [eval.NAME] section called `name`, added if new (its line: the
 * header's); NULL (error recorded) for a name that is not path-safe, more
 * than BNX_MAX_EVALS or no memory. */
static bnx_eval_section *find_or_add_eval(struct parse_state *st, const char *name)
{
    int before = st->spec->num_evals;
    bnx_eval_section *e = find_or_add_named(st, (void **)&st->spec->evals, &st->spec->num_evals,
                                            sizeof *e, "eval", name);
    if (e && st->spec->num_evals > BNX_MAX_EVALS) {
        bnx_fail(st->err, BNX_EFORMAT, "%s:%d: more than %d [eval.NAME] sections", st->spec->path,
                 st->line, BNX_MAX_EVALS);
        return NULL;
    }
    if (e && st->spec->num_evals > before)
        bnx_eval_section_init(e, name, st->line);
    return e;
}

/* The key of an option's "KEY=VALUE" into key[64]; returns the '=', or
 * NULL (error recorded, naming `opt` and the `form` expected). */
static const char *split_assignment(const char *opt, const char *assignment, const char *form,
                                    char key[64], bnx_error *err)
{
    const char *eq = strchr(assignment, '=');
    size_t n = eq ? (size_t)(eq - assignment) : 0;
    if (!eq || n == 0) {
        bnx_fail(err, BNX_EINVAL, "%s '%s': expected %s", opt, assignment, form);
        return NULL;
    }
    if (n >= 64) {
        bnx_fail(err, BNX_EINVAL, "%s '%s': key too long", opt, assignment);
        return NULL;
    }
    memcpy(key, assignment, n);
    key[n] = '\0';
    return eq;
}

/* ---- grids ---- */

/* Replace spec->variants with the points of every grid for every section
 * (the file's variants): the union over grids of each grid's product.
 * Points with the same name from the same section are one point. */
static int expand(bnx_spec *spec, bnx_error *err)
{
    int first = spec->num_sections == 0;
    bnx_variant *old = spec->variants;
    int old_n = spec->num_variants, old_cap = spec->cap_variants;
    if (first) { /* first expansion: the file's variants become sections */
        spec->sections = spec->variants;
        spec->num_sections = spec->num_variants;
        old = NULL;
        old_n = old_cap = 0;
    }
    spec->variants = NULL;
    spec->num_variants = spec->cap_variants = 0;
    int rc = compute_swept(spec, err);
    if (rc == BNX_OK)
        rc = expand_points(spec, err);
    if (rc) { /* the variants as they were (a --variants selection too) */
        free_variants(spec->variants, spec->num_variants);
        if (first) {
            old = spec->sections;
            old_n = old_cap = spec->num_sections;
            spec->sections = NULL;
            spec->num_sections = 0;
        }
        spec->variants = old;
        spec->num_variants = old_n;
        spec->cap_variants = old_cap;
        return rc;
    }
    free_variants(old, old_n);
    return BNX_OK;
}

/* spec->swept: the keys the grids sweep, in first-seen order. */
static int compute_swept(bnx_spec *spec, bnx_error *err)
{
    spec->num_swept = 0;
    for (int g = 0; g < spec->num_grids; g++)
        for (int a = 0; a < spec->grids[g].num_axes; a++) {
            const char *key = spec->grids[g].axes[a].key;
            int seen = 0;
            for (int i = 0; i < spec->num_swept; i++)
                seen |= strcmp(spec->swept[i], key) == 0;
            if (seen)
                continue;
            char(*grown)[64] = realloc(spec->swept, sizeof *grown * (size_t)(spec->num_swept + 1));
            if (!grown)
                return bnx_fail(err, BNX_ENOMEM, "out of memory for the grid");
            spec->swept = grown;
            snprintf(grown[spec->num_swept++], sizeof *grown, "%s", key);
        }
    return BNX_OK;
}

/* Append every grid's points for every section to spec->variants (empty). */
static int expand_points(bnx_spec *spec, bnx_error *err)
{
    for (int s = 0; s < spec->num_sections; s++) {
        const bnx_variant *sec = &spec->sections[s];
        for (int g = 0; g < spec->num_grids; g++) {
            const bnx_grid *grid = &spec->grids[g];
            int index[BNX_MAX_SETTINGS] = {0};
            char keys[BNX_MAX_SETTINGS][64];
            const char *values[BNX_MAX_SETTINGS];
            if (grid->num_axes > BNX_MAX_SETTINGS)
                return bnx_fail(err, BNX_EINVAL, "a grid has more than %d keys", BNX_MAX_SETTINGS);
            for (int a = 0; a < grid->num_axes; a++)
                snprintf(keys[a], sizeof keys[a], "%s", grid->axes[a].key);
            for (;;) {
                for (int a = 0; a < grid->num_axes; a++)
                    values[a] = grid->axes[a].values[index[a]];
                char name[64];
                /* [experiment] alone: points named KEY-VALUE, not base-KEY-VALUE */
                const char *base = spec->implicit_variant ? "" : sec->name;
                int rc = bnx_grid_point_name(base, (const char(*)[64])keys, values,
                                             grid->num_axes, name, sizeof name, err);
                if (rc)
                    return grid->axes[0].line > 0
                               ? bnx_error_prefix(err, "%s:%d", spec->path, grid->line)
                               : rc;
                int dup = -1;
                for (int i = 0; i < spec->num_variants && dup < 0; i++)
                    if (strcmp(spec->variants[i].name, name) == 0)
                        dup = i;
                if (dup >= 0 && spec->variants[dup].section != s)
                    return bnx_fail(err, BNX_EINVAL, "grid point %s of variant %s has the name of "
                                    "a point of variant %s; rename a variant",
                                    name, sec->name, spec->sections[spec->variants[dup].section].name);
                if (dup < 0) {
                    bnx_variant *v = append_variant(spec, name, err);
                    if (!v)
                        return err ? err->code : BNX_EINVAL;
                    v->section = s;
                    for (int i = 0; i < sec->num_settings; i++)
                        if ((rc = add_setting(&v->settings, &v->num_settings, sec->settings[i].key,
                                              sec->settings[i].value, sec->settings[i].line, err)))
                            return rc;
                    for (int a = 0; a < grid->num_axes; a++)
                        if ((rc = add_setting(&v->settings, &v->num_settings, keys[a], values[a],
                                              grid->axes[a].line ? grid->axes[a].line : -1, err)))
                            return rc;
                }
                int a = grid->num_axes - 1;
                while (a >= 0 && ++index[a] == grid->axes[a].num_values)
                    index[a--] = 0;
                if (a < 0)
                    break;
            }
        }
    }
    return BNX_OK;
}

/* Free grids[0..n) and their axes. */
static void free_grids(bnx_grid *grids, int n)
{
    for (int g = 0; g < n; g++) {
        for (int a = 0; a < grids[g].num_axes; a++)
            free(grids[g].axes[a].values);
        free(grids[g].axes);
    }
    free(grids);
}

/* A deep copy of spec's grids in *out (NULL for none); BNX_ENOMEM. */
static int copy_grids(const bnx_spec *spec, bnx_grid **out, bnx_error *err)
{
    *out = NULL;
    if (spec->num_grids == 0)
        return BNX_OK;
    bnx_grid *c = calloc((size_t)spec->num_grids, sizeof *c);
    for (int g = 0; c && g < spec->num_grids; g++) {
        c[g] = spec->grids[g];
        c[g].axes = calloc((size_t)c[g].num_axes + 1, sizeof *c[g].axes);
        for (int a = 0; c[g].axes && a < c[g].num_axes; a++) {
            const bnx_grid_axis *from = &spec->grids[g].axes[a];
            c[g].axes[a] = *from;
            c[g].axes[a].values = malloc(sizeof *from->values * (size_t)(from->num_values + 1));
            if (c[g].axes[a].values)
                memcpy(c[g].axes[a].values, from->values,
                       sizeof *from->values * (size_t)from->num_values);
            else
                c[g].num_axes = a; /* free only what was copied */
        }
        if (!c[g].axes || c[g].num_axes < spec->grids[g].num_axes) {
            c[g].num_axes = c[g].axes ? c[g].num_axes : 0;
            free_grids(c, g + 1);
            c = NULL;
        }
    }
    if (!c)
        return bnx_fail(err, BNX_ENOMEM, "out of memory copying the grids");
    *out = c;
    return BNX_OK;
}

/* Put back the grids a refused --grid found (saved, n of them; taken
 * over) and the keys they sweep; the variants are as they were (a refused
 * expansion leaves them: expand). */
static void restore_grids(bnx_spec *spec, bnx_grid *saved, int n)
{
    free_grids(spec->grids, spec->num_grids);
    spec->grids = saved;
    spec->num_grids = n;
    bnx_error ignored;
    compute_swept(spec, &ignored); /* the keys as before the option */
}

int bnx_spec_grid(bnx_spec *spec, const char *assignment, bnx_error *err)
{
    char key[64];
    const char *eq = split_assignment("--grid", assignment, "KEY=VALUE,VALUE,...", key, err);
    if (!eq)
        return err ? err->code : BNX_EINVAL;
    /* transactional: a refused option leaves the spec as it was */
    bnx_grid *saved;
    int saved_n = spec->num_grids;
    if (copy_grids(spec, &saved, err))
        return err ? err->code : BNX_ENOMEM;
    int rc = grid_option(spec, assignment, key, eq, err);
    if (rc)
        restore_grids(spec, saved, saved_n);
    else
        free_grids(saved, saved_n);
    return rc;
}

/* bnx_spec_grid's work, once its assignment is split. */
static int grid_option(bnx_spec *spec, const char *assignment, const char *key, const char *eq,
                       bnx_error *err)
{
    const char *canon, *unused;
    bnx_config_canonical(key, "true", &canon, &unused); /* the key a bn grid sweeps: norm */
    if (bnx_config_key_index(canon) < 0) {
        bnx_config probe;
        bnx_config_defaults(&probe);
        bnx_config_set(&probe, key, "", err); /* the unknown-key message, listing the keys */
        return bnx_error_prefix(err, "--grid %s", assignment);
    }
    if (spec->num_grids == 0) {
        struct parse_state st = {spec, err, 0, NULL, 0, 0};
        if (!find_or_add_grid(&st, ""))
            return err ? err->code : BNX_ENOMEM;
    }
    int has = 0;
    for (int g = 0; g < spec->num_grids; g++)
        for (int a = 0; a < spec->grids[g].num_axes; a++)
            has |= strcmp(spec->grids[g].axes[a].key, canon) == 0;
    for (int g = 0; g < spec->num_grids; g++) {
        int here = 0;
        for (int a = 0; a < spec->grids[g].num_axes; a++)
            here |= strcmp(spec->grids[g].axes[a].key, canon) == 0;
        if ((here || !has) && grid_set(&spec->grids[g], key, eq + 1, 0, 1, err))
            return bnx_error_prefix(err, "--grid %s", assignment);
    }
    int rc = expand(spec, err);
    if (rc)
        return bnx_error_prefix(err, "--grid %s", assignment);
    return resolve(spec, err);
}

/* Resolve every variant: defaults, then [experiment], the variant, --set. */
static int resolve(bnx_spec *spec, bnx_error *err)
{
    for (int i = 0; i < spec->num_variants; i++) {
        bnx_variant *v = &spec->variants[i];
        bnx_config_defaults(&v->config);
        const bnx_setting *lists[3] = {spec->base, v->settings, spec->overrides};
        int counts[3] = {spec->num_base, v->num_settings, spec->num_overrides};
        for (int l = 0; l < 3; l++)
            for (int j = 0; j < counts[l]; j++) {
                const bnx_setting *s = &lists[l][j];
                if (bnx_config_set(&v->config, s->key, s->value, err))
                    return s->line > 0 ? bnx_error_prefix(err, "%s:%d", spec->path, s->line)
                           : s->line < 0 ? bnx_error_prefix(err, "--grid %s", s->key)
                                         : bnx_error_prefix(err, "--set %s=%s", s->key, s->value);
            }
    }
    return BNX_OK;
}

/* Free the variants' settings and the list. */
static void free_variants(bnx_variant *list, int count)
{
    for (int i = 0; i < count; i++)
        free(list[i].settings);
    free(list);
}

void bnx_spec_free(bnx_spec *spec)
{
    free_variants(spec->variants, spec->num_variants);
    free_variants(spec->sections, spec->num_sections);
    for (int g = 0; g < spec->num_grids; g++) {
        for (int a = 0; a < spec->grids[g].num_axes; a++)
            free(spec->grids[g].axes[a].values);
        free(spec->grids[g].axes);
    }
    free(spec->grids);
    free(spec->base);
    free(spec->overrides);
    free(spec->swept);
    for (int i = 0; i < spec->num_verdicts; i++)
        bnx_verdict_rule_free(&spec->verdicts[i]);
    free(spec->verdicts);
    free(spec->evals);
    memset(spec, 0, sizeof *spec);
}

/* The refusal of an experiment file that cannot be read: for NAME looked
 * up as DIR/experiments/NAME.ini, "no experiment" with the name in DIR
 * closest to it; for a file named by its path, that path and why. */
static int no_experiment(const char *path, const char *name, bnx_error *err)
{
    int code = errno == ENOENT ? BNX_ENOTFOUND : BNX_EIO;
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) : 0;
    char expected[300];
    snprintf(expected, sizeof expected, "experiments/%s.ini", name);
    size_t el = strlen(expected), pl = strlen(path);
    if (pl < el || strcmp(path + pl - el, expected) != 0 || (pl > el && path[pl - el - 1] != '/'))
        return bnx_fail(err, code, "cannot read experiment file %s: %s", path, strerror(errno));
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)dir_len, path);
    bnx_names files = {0}; /* the experiments beside it: NAME.ini, as NAME */
    if (bnx_dir_names(dir_len ? dir : ".", 4096, &files, NULL) != BNX_OK)
        bnx_names_free(&files); /* no suggestion, then */
    for (int i = 0; i < files.n; i++) {
        size_t len = strlen(files.v[i]);
        if (len > 4 && strcmp(files.v[i] + len - 4, ".ini") == 0) {
            files.v[i][len - 4] = '\0';
        } else { /* not an experiment: bnx_suggest skips it */
            free(files.v[i]);
            files.v[i] = NULL;
        }
    }
    const char *near = bnx_suggest(name, (const char *const *)files.v, files.n);
    char suggestion[300] = "";
    if (near)
        snprintf(suggestion, sizeof suggestion, "; did you mean '%s'?", near);
    bnx_names_free(&files);
    return bnx_fail(err, code, "no experiment '%s'%s (cannot read %s; `bnexp list` shows the "
                    "experiments)", name, suggestion, path);
}

int bnx_spec_load(const char *path, const char *name, bnx_spec *spec, bnx_error *err)
{
    memset(spec, 0, sizeof *spec);
    snprintf(spec->name, sizeof spec->name, "%s", name);
    snprintf(spec->path, sizeof spec->path, "%s", path);
    if (access(path, R_OK) != 0)
        return no_experiment(path, name, err);
    struct parse_state st = {spec, err, 0, fopen(path, "r"), 0, 0};
    if (!st.file)
        return bnx_fail(err, BNX_EIO, "cannot read %s", path);
    int rc = ini_parse_stream(read_line, &st, on_entry, &st);
    fclose(st.file);
    if (st.failed)
        return BNX_EFORMAT;
    if (rc > 0)
        return bnx_fail(err, BNX_EFORMAT, "%s:%d: syntax error (expected [section] or key = value)", path, rc);
    if (spec->num_variants == 0) { /* [experiment] itself, or with a grid its points alone */
        if (!append_variant(spec, BNX_SPEC_BASE, err))
            return err ? err->code : BNX_ENOMEM;
        spec->implicit_variant = 1;
    }
    for (int g = 0; g < spec->num_grids; g++)
        if (spec->grids[g].num_axes == 0)
            return bnx_fail(err, BNX_EFORMAT, "%s:%d: [grid%s%s] has no key (expected KEY = "
                            "VALUE, VALUE, ...)", path, spec->grids[g].line,
                            spec->grids[g].name[0] ? "." : "", spec->grids[g].name);
    if (spec->max_seeds && !spec->seeds)
        return bnx_fail(err, BNX_EFORMAT, "%s: max_seeds = %d: a second stage needs a first: "
                        "give seeds = N too", path, spec->max_seeds);
    if (spec->max_seeds && spec->max_seeds <= spec->seeds)
        return bnx_fail(err, BNX_EFORMAT, "%s: max_seeds = %d: a second stage needs more seeds "
                        "than the first (seeds = %d)", path, spec->max_seeds, spec->seeds);
    for (int i = 0; i < spec->num_evals; i++)
        if (bnx_eval_section_check(&spec->evals[i], err))
            return bnx_error_prefix(err, "%s:%d", path, spec->evals[i].line);
    for (int i = 0; i < spec->num_verdicts; i++) { /* the design the rules are decided under */
        spec->verdicts[i].stage_seeds = spec->max_seeds ? spec->seeds : 0;
        spec->verdicts[i].max_seeds = spec->max_seeds;
    }
    for (int i = 0; i < spec->num_verdicts; i++)
        if (bnx_verdict_finish(&spec->verdicts[i], err))
            return bnx_error_prefix(err, "%s:%d: [verdict%s%s]", path, spec->verdicts[i].line,
                                    spec->verdicts[i].name[0] ? "." : "", spec->verdicts[i].name);
    for (int i = 0; i < spec->num_verdicts; i++) { /* requires and amends name a rule here */
        const bnx_verdict_rule *r = &spec->verdicts[i];
        const char *refs[2][2] = {{"requires", r->requires}, {"amends", r->amends}};
        for (int k = 0; k < 2; k++) {
            if (!refs[k][1][0])
                continue;
            int j = 0;
            while (j < spec->num_verdicts && (j == i || strcmp(spec->verdicts[j].name, refs[k][1])))
                j++;
            if (j == spec->num_verdicts)
                return bnx_fail(err, BNX_EFORMAT, "%s:%d: [verdict%s%s]: %s = %s names no other "
                                "rule of the file", path, r->line, r->name[0] ? "." : "", r->name,
                                refs[k][0], refs[k][1]);
        }
    }
    if (spec->num_grids && (rc = expand(spec, err)))
        return rc;
    return resolve(spec, err);
}

int bnx_spec_override(bnx_spec *spec, const char *assignment, bnx_error *err)
{
    char key[64];
    const char *eq = split_assignment("--set", assignment, "KEY=VALUE", key, err);
    if (!eq)
        return err ? err->code : BNX_EINVAL;
    bnx_config probe;
    bnx_config_defaults(&probe);
    if (bnx_config_set(&probe, key, eq + 1, err))
        return bnx_error_prefix(err, "--set %s", assignment);
    if (add_setting(&spec->overrides, &spec->num_overrides, key, eq + 1, 0, err))
        return err ? err->code : BNX_EINVAL;
    return resolve(spec, err);
}

/* "a, b, c": the variant names, cut short (with "...") if they do not fit. */
static void join_variant_names(const bnx_spec *spec, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < spec->num_variants && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", spec->variants[i].name);
        if (n < 0 || (size_t)n >= size - used) {
            snprintf(buf + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
            return;
        }
        used += (size_t)n;
    }
}

int bnx_spec_select(bnx_spec *spec, const char *names, bnx_error *err)
{
    char list[1024];
    if (strlen(names) >= sizeof list)
        return bnx_fail(err, BNX_EINVAL, "--variants list is too long");
    strcpy(list, names);
    char *wanted = calloc((size_t)spec->num_variants + 1, 1);
    if (!wanted)
        return bnx_fail(err, BNX_ENOMEM, "out of memory");
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int i = 0; i < spec->num_variants; i++) {
            const bnx_variant *v = &spec->variants[i];
            if (strcmp(v->name, tok) == 0 ||
                (v->section >= 0 && strcmp(spec->sections[v->section].name, tok) == 0)) {
                found = i; /* a variant with a grid: every point of it */
                wanted[i] = 1;
            }
        }
        if (found < 0) {
            char known[512];
            join_variant_names(spec, known, sizeof known);
            free(wanted);
            return bnx_fail(err, BNX_ENOTFOUND, "experiment %s has no variant '%s' (variants: %s)",
                            spec->name, tok, known);
        } /* naming a variant twice runs it once */
    }
    int count = 0;
    for (int i = 0; i < spec->num_variants; i++)
        count += wanted[i];
    if (count == 0) {
        free(wanted);
        return bnx_fail(err, BNX_EINVAL, "--variants names no variant");
    }
    count = 0;
    for (int i = 0; i < spec->num_variants; i++) {
        if (wanted[i])
            spec->variants[count++] = spec->variants[i];
        else
            free(spec->variants[i].settings);
    }
    free(wanted);
    spec->num_variants = count;
    return BNX_OK;
}
