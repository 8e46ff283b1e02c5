#include "exp/spec.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"

/* The Debian build of inih passes no line number to the handler, so the
 * reader counts lines itself. */
struct parse_state {
    bnx_spec *spec;
    bnx_error *err;
    int failed;
    FILE *file;
    int line;
};

static bnx_variant *find_or_add_variant(struct parse_state *st, const char *name);

/* inih calls the handler only for keys, so a section with no keys (a
 * variant that changes nothing) is registered here, as its header is read. */
static void note_section(struct parse_state *st, const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, "[variant.", 9) != 0)
        return;
    char name[128];
    size_t n = strcspn(line + 9, "]");
    if (line[9 + n] != ']' || n == 0 || n >= sizeof name)
        return; /* inih reports the malformed header */
    memcpy(name, line + 9, n);
    name[n] = '\0';
    if (!find_or_add_variant(st, name))
        st->failed = 1;
}

static char *read_line(char *str, int num, void *stream)
{
    struct parse_state *st = stream;
    if (st->failed)
        return NULL;
    char *got = fgets(str, num, st->file);
    if (got) {
        st->line++;
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
        if (strcmp(key, "seeds") == 0) {
            char *end;
            long n = strtol(value, &end, 10);
            if (end == value || *end || n < 1 || n > 1024) {
                bnx_fail(st->err, BNX_EFORMAT, "key seeds: '%s' is not a whole number from 1 to 1024", value);
                goto fail;
            }
            spec->seeds = (int)n;
            return 1;
        }
        if (bnx_config_set(&probe, key, value, st->err) ||
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
            add_setting(&v->settings, &v->num_settings, key, value, line, st->err))
            goto fail;
        return 1;
    }
    bnx_fail(st->err, BNX_EFORMAT, "unknown section [%s] (expected [experiment] or [variant.NAME])", section);
fail:
    st->failed = 1;
    bnx_error_prefix(st->err, "%s:%d", spec->path, line);
    if (st->err)
        st->err->code = BNX_EFORMAT;
    return 0;
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
                    return s->line ? bnx_error_prefix(err, "%s:%d", spec->path, s->line)
                                   : bnx_error_prefix(err, "--set %s=%s", s->key, s->value);
            }
    }
    return BNX_OK;
}

void bnx_spec_free(bnx_spec *spec)
{
    for (int i = 0; i < spec->num_variants; i++)
        free(spec->variants[i].settings);
    free(spec->variants);
    free(spec->base);
    free(spec->overrides);
    free(spec->swept);
    memset(spec, 0, sizeof *spec);
}

int bnx_spec_load(const char *path, const char *name, bnx_spec *spec, bnx_error *err)
{
    memset(spec, 0, sizeof *spec);
    snprintf(spec->name, sizeof spec->name, "%s", name);
    snprintf(spec->path, sizeof spec->path, "%s", path);
    if (access(path, R_OK) != 0)
        return bnx_fail(err, BNX_ENOTFOUND, "no experiment '%s' (cannot read %s; `bnexp list` shows the experiments)", name, path);
    struct parse_state st = {spec, err, 0, fopen(path, "r"), 0};
    if (!st.file)
        return bnx_fail(err, BNX_EIO, "cannot read %s", path);
    int rc = ini_parse_stream(read_line, &st, on_entry, &st);
    fclose(st.file);
    if (st.failed)
        return BNX_EFORMAT;
    if (rc > 0)
        return bnx_fail(err, BNX_EFORMAT, "%s:%d: syntax error (expected [section] or key = value)", path, rc);
    if (spec->num_variants == 0)
        return bnx_fail(err, BNX_EINVAL, "%s has no [variant.NAME] section", path);
    return resolve(spec, err);
}

int bnx_spec_override(bnx_spec *spec, const char *assignment, bnx_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return bnx_fail(err, BNX_EINVAL, "--set '%s': expected KEY=VALUE", assignment);
    char key[64];
    size_t n = (size_t)(eq - assignment);
    if (n >= sizeof key)
        return bnx_fail(err, BNX_EINVAL, "--set '%s': key too long", assignment);
    memcpy(key, assignment, n);
    key[n] = '\0';
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
        for (int i = 0; i < spec->num_variants; i++)
            if (strcmp(spec->variants[i].name, tok) == 0)
                found = i;
        if (found < 0) {
            char known[512];
            join_variant_names(spec, known, sizeof known);
            free(wanted);
            return bnx_fail(err, BNX_ENOTFOUND, "experiment %s has no variant '%s' (variants: %s)",
                            spec->name, tok, known);
        }
        wanted[found] = 1; /* naming a variant twice runs it once */
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
