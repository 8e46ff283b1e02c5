#include "spec/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/file.h"
#include "core/paths.h"
#include "spec/identity.h"
#include "io/jsonfile.h"

void bnx_plan_free(bnx_plan *plan)
{
    for (int i = 0; i < plan->num_trials; i++)
        free(plan->trials[i].config_text);
    free(plan->trials);
    free(plan->swept);
    memset(plan, 0, sizeof *plan);
}

/* Fill t for variant `name` with config cfg: directory, config text. */
static int set_trial(bnx_plan_trial *t, const char *name, const bnx_config *cfg, bnx_error *err)
{
    memset(t, 0, sizeof *t);
    snprintf(t->variant, sizeof t->variant, "%s", name);
    t->config = *cfg;
    t->seed = cfg->seed;
    snprintf(t->dir, sizeof t->dir, "%s/seed-%ld", name, cfg->seed);
    char text[BNX_CONFIG_TEXT_MAX];
    bnx_config_text(cfg, text, sizeof text);
    t->config_text = strdup(text);
    if (!t->config_text)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for the run plan");
    return BNX_OK;
}

/* Append key to plan->swept unless it is there. */
static int add_swept(bnx_plan *plan, const char *key, bnx_error *err)
{
    for (int i = 0; i < plan->num_swept; i++)
        if (strcmp(plan->swept[i], key) == 0)
            return BNX_OK;
    char(*grown)[64] = realloc(plan->swept, sizeof *grown * (size_t)(plan->num_swept + 1));
    if (!grown)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for the run plan");
    plan->swept = grown;
    snprintf(plan->swept[plan->num_swept++], sizeof plan->swept[0], "%s", key);
    return BNX_OK;
}

int bnx_plan_build(const bnx_spec *spec, int seeds, bnx_plan *plan, bnx_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->overrides_known = 1; /* none, until the caller records them */
    snprintf(plan->experiment, sizeof plan->experiment, "%s", spec->name);
    snprintf(plan->source, sizeof plan->source, "%s", spec->path);
    snprintf(plan->description, sizeof plan->description, "%s", spec->description);
    long per_variant = seeds > 0 ? seeds : 1, total = (long)spec->num_variants * per_variant;
    if (total > BNX_PLAN_MAX_TRIALS)
        return bnx_fail(err, BNX_EINVAL, "%d variants x %ld seeds = %ld trials; at most %d in one run",
                        spec->num_variants, per_variant, total, BNX_PLAN_MAX_TRIALS);
    plan->trials = calloc((size_t)total + 1, sizeof *plan->trials);
    if (!plan->trials)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %ld trials", total);
    for (int v = 0; v < spec->num_variants; v++)
        for (long k = 0; k < per_variant; k++) {
            bnx_config cfg = spec->variants[v].config;
            if (seeds > 0)
                cfg.seed = k + 1;
            if (set_trial(&plan->trials[plan->num_trials++], spec->variants[v].name, &cfg, err)) {
                bnx_plan_free(plan);
                return BNX_ENOMEM;
            }
        }
    plan->num_evals = spec->num_evals;
    for (int i = 0; i < spec->num_evals; i++)
        plan->evals[i] = spec->evals[i];
    for (int i = 0; i < spec->num_swept; i++)
        if (add_swept(plan, spec->swept[i], err)) {
            bnx_plan_free(plan);
            return BNX_ENOMEM;
        }
    return BNX_OK;
}

int bnx_plan_fewest_seeds(const bnx_plan *plan)
{
    int fewest = 0;
    for (int t = 0, k = 1; t < plan->num_trials; t++, k++)
        if (t + 1 == plan->num_trials || strcmp(plan->trials[t + 1].variant, plan->trials[t].variant)) {
            if (fewest == 0 || k < fewest)
                fewest = k;
            k = 0;
        }
    return fewest;
}

int bnx_plan_add_seeds(bnx_plan *plan, int to, bnx_error *err)
{
    int n = plan->num_trials, added = 0;
    for (int i = 0; i < n;) { /* check: each variant's seeds are 1..k, k <= to */
        int j = i;
        while (j < n && strcmp(plan->trials[j].variant, plan->trials[i].variant) == 0) {
            if (plan->trials[j].seed != j - i + 1)
                return bnx_fail(err, BNX_EINVAL, "variant %s: its seeds are not 1, 2, ...: a "
                                "plan of each variant's own seed has no stages to add to",
                                plan->trials[i].variant);
            j++;
        }
        added += to > j - i ? to - (j - i) : 0;
        i = j;
    }
    if (added == 0)
        return BNX_OK;
    if ((long)n + added > BNX_PLAN_MAX_TRIALS)
        return bnx_fail(err, BNX_EINVAL, "%d trials and %d more: at most %d in one run", n, added,
                        BNX_PLAN_MAX_TRIALS);
    bnx_plan_trial *grown = calloc((size_t)(n + added) + 1, sizeof *grown);
    if (!grown)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for %d trials", n + added);
    int m = 0, rc = BNX_OK;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && strcmp(plan->trials[j].variant, plan->trials[i].variant) == 0)
            grown[m++] = plan->trials[j++]; /* takes its config_text */
        for (long seed = j - i + 1; seed <= to && rc == BNX_OK; seed++) {
            bnx_config cfg = plan->trials[i].config;
            cfg.seed = seed;
            rc = set_trial(&grown[m++], plan->trials[i].variant, &cfg, err);
        }
        i = j;
    }
    if (rc) { /* the old trials' texts are still the plan's */
        for (int k = 0; k < m; k++) {
            int old = 0;
            for (int i = 0; i < n; i++)
                old |= grown[k].config_text == plan->trials[i].config_text;
            if (!old)
                free(grown[k].config_text);
        }
        free(grown);
        return rc;
    }
    free(plan->trials);
    plan->trials = grown;
    plan->num_trials = m;
    return BNX_OK;
}

int bnx_plan_add_dataset(bnx_plan *plan, const bnx_dataset_files *files, bnx_error *err)
{
    int d = 0;
    while (d < plan->num_datasets && strcmp(plan->datasets[d].name, files->name) != 0)
        d++;
    if (d == BNX_PLAN_MAX_DATASETS)
        return bnx_fail(err, BNX_EINVAL, "the trials name more than %d datasets", BNX_PLAN_MAX_DATASETS);
    plan->datasets[d] = *files;
    if (d == plan->num_datasets)
        plan->num_datasets++;
    return BNX_OK;
}

const bnx_dataset_files *bnx_plan_dataset(const bnx_plan *plan, const char *name)
{
    for (int d = 0; d < plan->num_datasets; d++)
        if (strcmp(plan->datasets[d].name, name) == 0)
            return &plan->datasets[d];
    return NULL;
}

/* The text config of a trial as a JSON object of strings. */
static cJSON *config_object(const char *text)
{
    cJSON *obj = cJSON_CreateObject();
    for (const char *line = text; obj && *line;) {
        size_t n = strcspn(line, "\n"), k = strcspn(line, "=");
        if (k < n) {
            char key[64], value[512];
            snprintf(key, sizeof key, "%.*s", (int)(k < sizeof key ? k : sizeof key - 1), line);
            snprintf(value, sizeof value, "%.*s", (int)(n - k - 1), line + k + 1);
            cJSON_AddStringToObject(obj, key, value);
        }
        line += n + (line[n] == '\n');
    }
    return obj;
}

int bnx_plan_write(const char *dir, const bnx_plan *plan, bnx_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "bnexp-plan");
    cJSON_AddNumberToObject(root, "version", BNX_PLAN_VERSION);
    cJSON_AddStringToObject(root, "experiment", plan->experiment);
    cJSON_AddStringToObject(root, "source", plan->source);
    cJSON_AddStringToObject(root, "description", plan->description);
    cJSON_AddStringToObject(root, "bnexp", plan->bnexp);
    cJSON_AddStringToObject(root, "created_utc", plan->created_utc);
    cJSON_AddStringToObject(root, "overrides", plan->overrides);
    if (plan->tag[0])
        cJSON_AddStringToObject(root, "tag", plan->tag);
    cJSON *swept = cJSON_AddArrayToObject(root, "swept");
    for (int i = 0; swept && i < plan->num_swept; i++)
        cJSON_AddItemToArray(swept, cJSON_CreateString(plan->swept[i]));
    cJSON *datasets = cJSON_AddArrayToObject(root, "datasets");
    for (int d = 0; datasets && d < plan->num_datasets; d++) {
        const bnx_dataset_files *f = &plan->datasets[d];
        cJSON *obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "name", f->name);
        cJSON_AddBoolToObject(obj, "verified", f->verified);
        cJSON *files = cJSON_AddArrayToObject(obj, "files");
        for (int i = 0; files && i < f->count; i++) {
            cJSON *file = cJSON_CreateObject();
            cJSON_AddStringToObject(file, "file", f->file[i]);
            cJSON_AddStringToObject(file, "sha256", f->sha256[i]);
            cJSON_AddItemToArray(files, file);
        }
        cJSON_AddItemToArray(datasets, obj);
    }
    cJSON *evals = plan->num_evals ? cJSON_AddArrayToObject(root, "evals") : NULL;
    for (int i = 0; evals && i < plan->num_evals; i++) {
        const bnx_eval_section *e = &plan->evals[i];
        char transform[64];
        bnx_transform_text(e->transform, e->amount, transform, sizeof transform);
        cJSON *obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "name", e->name);
        cJSON_AddStringToObject(obj, "stats", bnx_eval_stats_names[e->stats]);
        cJSON_AddNumberToObject(obj, "batch_size", e->batch_size);
        cJSON_AddStringToObject(obj, "transform", transform);
        cJSON_AddBoolToObject(obj, "update_running", e->update_running);
        cJSON_AddItemToArray(evals, obj);
    }
    cJSON *trials = cJSON_AddArrayToObject(root, "trials");
    for (int i = 0; trials && i < plan->num_trials; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        cJSON *obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "variant", t->variant);
        cJSON_AddNumberToObject(obj, "seed", (double)t->seed);
        cJSON_AddStringToObject(obj, "dir", t->dir);
        cJSON_AddItemToObject(obj, "config", config_object(t->config_text));
        cJSON_AddItemToArray(trials, obj);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_FILE);
    return bnx_json_write_file(path, root, err);
}

/* Copy string field `name` of obj into buf[size]; -1 if missing, not a
 * string or too long. */
static int get_string(const cJSON *obj, const char *name, char *buf, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(item) || strlen(item->valuestring) >= size)
        return -1;
    memcpy(buf, item->valuestring, strlen(item->valuestring) + 1);
    return 0;
}

/* One [eval.NAME] entry of "evals"; NULL or the fault (into msg). */
static const char *parse_eval(const cJSON *obj, bnx_eval_section *e, char *msg, size_t size)
{
    char name[64], stats[32], transform[64];
    const cJSON *batch = cJSON_GetObjectItemCaseSensitive(obj, "batch_size");
    const cJSON *update = cJSON_GetObjectItemCaseSensitive(obj, "update_running");
    if (get_string(obj, "name", name, sizeof name) || !bnx_name_is_safe(name) ||
        get_string(obj, "stats", stats, sizeof stats) ||
        get_string(obj, "transform", transform, sizeof transform) || !cJSON_IsNumber(batch) ||
        !cJSON_IsBool(update))
        return "an entry of \"evals\" lacks name, stats, batch_size, transform or update_running";
    char number[32];
    snprintf(number, sizeof number, "%.17g", batch->valuedouble);
    bnx_error e2;
    bnx_eval_section_init(e, name, 0);
    if (bnx_eval_section_set(e, "stats", stats, &e2) ||
        bnx_eval_section_set(e, "batch_size", number, &e2) ||
        bnx_eval_section_set(e, "transform", transform, &e2) ||
        bnx_eval_section_set(e, "update_running", cJSON_IsTrue(update) ? "true" : "false", &e2) ||
        bnx_eval_section_check(e, &e2)) {
        snprintf(msg, size, "\"evals\" entry %s: %.900s", name, e2.msg);
        return msg;
    }
    return NULL;
}

/* One dataset entry; NULL or the fault. */
static const char *parse_dataset(const cJSON *obj, bnx_dataset_files *f)
{
    memset(f, 0, sizeof *f);
    const cJSON *verified = cJSON_GetObjectItemCaseSensitive(obj, "verified");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(obj, "files"), *file;
    if (get_string(obj, "name", f->name, sizeof f->name))
        return "a dataset's \"name\" is missing or too long";
    if (!cJSON_IsBool(verified))
        return "a dataset's \"verified\" is not true or false";
    f->verified = cJSON_IsTrue(verified);
    if (!cJSON_IsArray(files) || cJSON_GetArraySize(files) > BNX_DATASET_MAX_FILES)
        return "a dataset's \"files\" is not a list of at most 8 files";
    cJSON_ArrayForEach(file, files) {
        if (get_string(file, "file", f->file[f->count], sizeof f->file[0]) ||
            get_string(file, "sha256", f->sha256[f->count], sizeof f->sha256[0]) ||
            strlen(f->sha256[f->count]) != 64 ||
            strspn(f->sha256[f->count], "0123456789abcdef") != 64)
            return "a dataset file lacks \"file\" or a 64-digit lowercase hex \"sha256\"";
        f->count++;
    }
    return NULL;
}

/* One trial entry into t, its config from `defaults`; NULL or the fault
 * (written into msg[size]). */
static const char *parse_trial(const cJSON *obj, const bnx_config *defaults, bnx_plan_trial *t,
                               char *msg, size_t size)
{
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(obj, "seed");
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(obj, "config"), *item;
    char dir[sizeof t->dir], want[sizeof t->dir + 32];
    if (get_string(obj, "variant", t->variant, sizeof t->variant) || !bnx_name_is_safe(t->variant))
        return "a trial's \"variant\" is missing or not a path-safe name";
    if (!cJSON_IsNumber(seed) || seed->valuedouble < 0 || seed->valuedouble > 4294967295.0 ||
        seed->valuedouble != (double)(long)seed->valuedouble)
        return "a trial's \"seed\" is not a whole number from 0 to 4294967295";
    t->seed = (long)seed->valuedouble;
    snprintf(want, sizeof want, "%s/seed-%ld", t->variant, t->seed);
    if (get_string(obj, "dir", dir, sizeof dir) || strcmp(dir, want) != 0) {
        snprintf(msg, size, "trial %s: \"dir\" is not \"%s\"", want, want);
        return msg;
    }
    snprintf(t->dir, sizeof t->dir, "%s", dir);
    if (!cJSON_IsObject(config))
        return "a trial's \"config\" is not an object";
    t->config = *defaults;
    size_t used = 0;
    char text[BNX_CONFIG_TEXT_MAX];
    text[0] = '\0';
    cJSON_ArrayForEach(item, config) {
        bnx_error e;
        if (!cJSON_IsString(item) || !item->string) {
            snprintf(msg, size, "trial %s: config key %.64s is not a text value", want,
                     item->string ? item->string : "?");
            return msg;
        }
        if (bnx_config_key_index(item->string) < 0) {
            snprintf(msg, size, "trial %s: config key '%.64s' is unknown to this bnexp (a plan "
                     "written by a newer bnexp?)", want, item->string);
            return msg;
        }
        if (bnx_config_set(&t->config, item->string, item->valuestring, &e)) {
            snprintf(msg, size, "trial %s: %.700s", want, e.msg);
            return msg;
        }
        /* the value as bnexp writes it (what a plan it wrote holds), so
         * that no text can break the "key=value\n" lines */
        char value[512];
        bnx_config_key_value(&t->config, bnx_config_key_index(item->string), value, sizeof value);
        int n = snprintf(text + used, sizeof text - used, "%s=%s\n", item->string, value);
        if (n < 0 || (size_t)n >= sizeof text - used)
            return "a trial's \"config\" is too long";
        used += (size_t)n;
    }
    if (!(t->config_text = strdup(text)))
        return "out of memory";
    if (t->config.seed != t->seed) {
        snprintf(msg, size, "trial %s: config seed %ld is not the trial's seed", want,
                 t->config.seed);
        return msg;
    }
    return NULL;
}

int bnx_plan_parse(const char *text, size_t size, const char *what, const bnx_config *defaults,
                   bnx_plan *plan, bnx_error *err)
{
    memset(plan, 0, sizeof *plan);
    bnx_config base;
    if (!defaults) {
        bnx_config_defaults(&base);
        defaults = &base;
    }
    cJSON *root = cJSON_ParseWithLength(text, size);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *swept = cJSON_GetObjectItemCaseSensitive(root, "swept");
    const cJSON *datasets = cJSON_GetObjectItemCaseSensitive(root, "datasets");
    const cJSON *trials = cJSON_GetObjectItemCaseSensitive(root, "trials"), *item;
    const cJSON *evals = cJSON_GetObjectItemCaseSensitive(root, "evals");
    char format[32], msg[1024];
    const char *bad = NULL;
    if (!cJSON_IsObject(root))
        bad = "it is not a JSON object";
    else if (get_string(root, "format", format, sizeof format) || strcmp(format, "bnexp-plan") != 0)
        bad = "\"format\" is not \"bnexp-plan\"";
    else if (!cJSON_IsNumber(version) || version->valuedouble != BNX_PLAN_VERSION) {
        snprintf(msg, sizeof msg, "plan version %g; this bnexp reads version %d",
                 cJSON_IsNumber(version) ? version->valuedouble : -1.0, BNX_PLAN_VERSION);
        bad = msg;
    } else if (get_string(root, "experiment", plan->experiment, sizeof plan->experiment) ||
               !bnx_name_is_safe(plan->experiment))
        bad = "\"experiment\" is missing or not a path-safe name";
    else if (get_string(root, "source", plan->source, sizeof plan->source) ||
             get_string(root, "description", plan->description, sizeof plan->description) ||
             get_string(root, "bnexp", plan->bnexp, sizeof plan->bnexp) ||
             get_string(root, "created_utc", plan->created_utc, sizeof plan->created_utc))
        bad = "\"source\", \"description\", \"bnexp\" or \"created_utc\" is missing or too long";
    else if ((plan->overrides_known = cJSON_GetObjectItemCaseSensitive(root, "overrides") != NULL) &&
             get_string(root, "overrides", plan->overrides, sizeof plan->overrides))
        bad = "\"overrides\" is not a string of at most 1023 bytes";
    else if (cJSON_GetObjectItemCaseSensitive(root, "tag") &&
             (get_string(root, "tag", plan->tag, sizeof plan->tag) ||
              (plan->tag[0] && !bnx_name_is_safe(plan->tag))))
        bad = "\"tag\" is not a path-safe name of at most 63 bytes";
    else if (!cJSON_IsArray(swept) || cJSON_GetArraySize(swept) > BNX_MAX_SETTINGS)
        bad = "\"swept\" is not a list of at most 64 keys";
    else if (!cJSON_IsArray(datasets) || cJSON_GetArraySize(datasets) > BNX_PLAN_MAX_DATASETS)
        bad = "\"datasets\" is not a list of at most 4 datasets";
    else if (!cJSON_IsArray(trials) || cJSON_GetArraySize(trials) < 1 ||
             cJSON_GetArraySize(trials) > BNX_PLAN_MAX_TRIALS)
        bad = "\"trials\" is not a list of 1 to 20000 trials";
    if (!bad)
        cJSON_ArrayForEach(item, swept) {
            if (!cJSON_IsString(item) || bnx_config_key_index(item->valuestring) < 0) {
                bad = "an entry of \"swept\" is not a known key";
                break;
            }
            if (add_swept(plan, item->valuestring, err)) {
                cJSON_Delete(root);
                bnx_plan_free(plan);
                return BNX_ENOMEM;
            }
        }
    if (!bad && evals && (!cJSON_IsArray(evals) || cJSON_GetArraySize(evals) > BNX_MAX_EVALS))
        bad = "\"evals\" is not a list of at most 32 evaluations";
    if (!bad && evals)
        cJSON_ArrayForEach(item, evals) {
            if ((bad = parse_eval(item, &plan->evals[plan->num_evals], msg, sizeof msg)))
                break;
            plan->num_evals++;
        }
    if (!bad)
        cJSON_ArrayForEach(item, datasets) {
            if ((bad = parse_dataset(item, &plan->datasets[plan->num_datasets])))
                break;
            plan->num_datasets++;
        }
    if (!bad) {
        plan->trials = calloc((size_t)cJSON_GetArraySize(trials), sizeof *plan->trials);
        if (!plan->trials)
            bad = "out of memory";
    }
    if (!bad)
        cJSON_ArrayForEach(item, trials) {
            bnx_plan_trial *t = &plan->trials[plan->num_trials++];
            if ((bad = parse_trial(item, defaults, t, msg, sizeof msg)))
                break;
            for (int i = 0; i + 1 < plan->num_trials && !bad; i++)
                if (strcmp(plan->trials[i].dir, t->dir) == 0) {
                    snprintf(msg, sizeof msg, "two trials have the directory %s", t->dir);
                    bad = msg;
                }
            if (bad)
                break;
        }
    cJSON_Delete(root);
    if (bad) {
        bnx_plan_free(plan);
        return bnx_fail(err, BNX_EFORMAT, "%s: %s", what, bad);
    }
    return BNX_OK;
}

int bnx_plan_read(const char *dir, bnx_plan *plan, bnx_error *err)
{
    memset(plan, 0, sizeof *plan);
    char path[4200], *text;
    size_t size;
    snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_FILE);
    int rc = bnx_read_file(path, (size_t)1 << 30, &text, &size, err);
    if (rc)
        return rc;
    rc = bnx_plan_parse(text, size, path, NULL, plan, err);
    free(text);
    return rc;
}

void bnx_plan_identity(const bnx_plan_trial *t, const char *data_id, unsigned char out[32])
{
    bnx_trial_identity_text(t->config_text, data_id, out);
}

void bnx_plan_value(const bnx_plan_trial *t, const char *key, char *buf, size_t size)
{
    int i = bnx_config_key_index(key);
    if (i < 0)
        snprintf(buf, size, "%s", "");
    else
        bnx_config_key_value(&t->config, i, buf, size);
}

int bnx_plan_varies(const bnx_plan *plan, const char *key)
{
    if (bnx_config_key_index(key) < 0 || plan->num_trials == 0)
        return 0;
    char first[512], value[512];
    bnx_plan_value(&plan->trials[0], key, first, sizeof first);
    for (int i = 1; i < plan->num_trials; i++) {
        bnx_plan_value(&plan->trials[i], key, value, sizeof value);
        if (strcmp(first, value) != 0)
            return 1;
    }
    return 0;
}

void bnx_plan_varying_keys(const bnx_plan *plan, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < bnx_config_num_keys() && used < size; k++) {
        const char *key = bnx_config_key_name(k);
        int skip = bnx_config_key_inert(k) || strcmp(key, "seed") == 0;
        if (!skip && bnx_plan_varies(plan, key))
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "," : "", key);
    }
}
