#include "runs/manifest.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "io/csv.h"
#include "io/jsonfile.h"

/* A manifest is a few KB; larger files are refused unread. */
#define BNX_MANIFEST_MAX_BYTES ((size_t)16 << 20)

const char *bnx_trial_status_name(int status)
{
    switch (status) {
    case BNX_TRIAL_DONE: return "done";
    case BNX_TRIAL_DIVERGED: return "diverged";
    case BNX_TRIAL_INTERRUPTED: return "interrupted";
    default: return "failed";
    }
}

int bnx_trial_status_parse(const char *name, int *status)
{
    static const int all[] = {BNX_TRIAL_DONE, BNX_TRIAL_DIVERGED, BNX_TRIAL_INTERRUPTED,
                              BNX_TRIAL_FAILED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, bnx_trial_status_name(all[i])) == 0) {
            *status = all[i];
            return 0;
        }
    return -1;
}

/* A number, or null when it is not finite (JSON has no NaN). */
static void add_number(cJSON *obj, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, name, v);
    else
        cJSON_AddNullToObject(obj, name);
}

/* A step count, or null when negative (never reached). */
static void add_step(cJSON *obj, const char *name, long step)
{
    if (step >= 0)
        cJSON_AddNumberToObject(obj, name, (double)step);
    else
        cJSON_AddNullToObject(obj, name);
}

int bnx_manifest_write(const char *dir, const bnx_trial_id *id, const bnx_config *cfg,
                       const bnx_dataset_files *data, const bnx_trial_result *result,
                       const char *failure, bnx_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "bnexp_version", id->version);
    cJSON_AddStringToObject(root, "experiment", id->experiment);
    cJSON_AddStringToObject(root, "experiment_file", id->spec_path);
    if (id->description)
        cJSON_AddStringToObject(root, "description", id->description);
    cJSON_AddStringToObject(root, "variant", id->variant);
    cJSON_AddNumberToObject(root, "seed", (double)cfg->seed);
    cJSON_AddNumberToObject(root, "threads", cfg->threads);
    cJSON_AddStringToObject(root, "started_utc", id->started_utc);
    cJSON_AddStringToObject(root, "finished_utc", id->finished_utc);

    if (id->machine) {
        cJSON *machine = cJSON_AddObjectToObject(root, "machine");
        cJSON_AddStringToObject(machine, "host", id->machine->host);
        cJSON_AddStringToObject(machine, "cpu_model", id->machine->cpu_model);
        cJSON_AddStringToObject(machine, "kernel", id->machine->kernel);
        cJSON_AddStringToObject(machine, "blas_core", id->machine->blas_core);
        cJSON_AddStringToObject(machine, "blas_config", id->machine->blas_config);
        cJSON_AddStringToObject(machine, "compiler", id->machine->compiler);
        cJSON_AddNumberToObject(machine, "cores", (double)id->machine->cores);
    }

    cJSON *config = cJSON_AddObjectToObject(root, "config");
    for (int i = 0; i < bnx_config_num_keys(); i++) {
        char value[256];
        bnx_config_key_value(cfg, i, value, sizeof value);
        const char *name = bnx_config_key_name(i);
        switch (bnx_config_key_kind(cfg, i)) {
        case BNX_KEY_NUMBER:
            cJSON_AddNumberToObject(config, name, strtod(value, NULL));
            break;
        case BNX_KEY_BOOL:
            cJSON_AddBoolToObject(config, name, strcmp(value, "true") == 0);
            break;
        default:
            cJSON_AddStringToObject(config, name, value);
        }
    }

    cJSON *dataset = cJSON_AddObjectToObject(root, "dataset");
    if (data) {
        cJSON_AddStringToObject(dataset, "name", data->name);
        cJSON_AddStringToObject(dataset, "dir", data->dir);
        cJSON *files = cJSON_AddObjectToObject(dataset, "sha256");
        for (int i = 0; i < data->count; i++)
            cJSON_AddStringToObject(files, data->file[i], data->sha256[i]);
    }

    cJSON_AddStringToObject(root, "status", result ? bnx_trial_status_name(result->status) : "failed");
    if (failure)
        cJSON_AddStringToObject(root, "error", failure);
    if (result) {
        cJSON *res = cJSON_AddObjectToObject(root, "result");
        cJSON_AddNumberToObject(res, "steps", (double)result->steps);
        add_step(res, "diverged_step", result->diverged_step);
        add_number(res, "final_test_accuracy", result->final_test_accuracy);
        add_number(res, "final_test_loss", result->final_test_loss);
        add_number(res, "best_test_accuracy", result->best_test_accuracy);
        add_step(res, "best_step", result->best_step);
        add_step(res, "steps_to_target", result->steps_to_target);
        add_number(res, "target_accuracy", result->target_accuracy);
        add_number(res, "final_test_accuracy_ema", result->final_test_accuracy_ema);
        add_number(res, "final_test_accuracy_population", result->final_test_accuracy_population);
        cJSON_AddNumberToObject(res, "probe_layer", result->probe_layer);
        cJSON_AddNumberToObject(res, "probe_unit", result->probe_unit);
        add_number(res, "p15_drift", result->p15_drift);
        add_number(res, "p50_drift", result->p50_drift);
        add_number(res, "p85_drift", result->p85_drift);
        add_number(res, "wall_time_s", result->wall_time_s);
    }

    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    return bnx_json_write_file(path, root, err);
}

static void copy_string(const cJSON *obj, const char *name, char *buf, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsString(item) && item->valuestring)
        snprintf(buf, size, "%s", item->valuestring);
}

/* A result field: a number, or `absent` for null or a missing field. */
static double result_number(const cJSON *res, const char *name, double absent)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(res, name);
    return cJSON_IsNumber(item) ? item->valuedouble : absent;
}

/* info->result (and has_result) from root's "status" and "result". */
static void read_result(const cJSON *root, bnx_manifest_info *info)
{
    bnx_trial_result *r = &info->result;
    bnx_config defaults;
    bnx_config_defaults(&defaults);
    bnx_trial_result_init(r, &defaults);
    int status;
    if (bnx_trial_status_parse(info->status, &status) == 0)
        r->status = status;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "result");
    if (!cJSON_IsObject(res))
        return;
    info->has_result = 1;
    r->steps = (long)result_number(res, "steps", 0);
    r->diverged_step = (long)result_number(res, "diverged_step", -1);
    r->final_test_accuracy = result_number(res, "final_test_accuracy", NAN);
    r->final_test_loss = result_number(res, "final_test_loss", NAN);
    r->best_test_accuracy = result_number(res, "best_test_accuracy", NAN);
    r->best_step = (long)result_number(res, "best_step", -1);
    /* a manifest from before target_accuracy: steps_to_97 */
    r->target_accuracy = result_number(res, "target_accuracy", 0.97);
    r->steps_to_target = (long)result_number(res, "steps_to_target",
                                             result_number(res, "steps_to_97", -1));
    r->final_test_accuracy_ema = result_number(res, "final_test_accuracy_ema", NAN);
    r->final_test_accuracy_population = result_number(res, "final_test_accuracy_population", NAN);
    r->probe_layer = (int)result_number(res, "probe_layer", r->probe_layer);
    r->probe_unit = (int)result_number(res, "probe_unit", r->probe_unit);
    r->p15_drift = result_number(res, "p15_drift", NAN);
    r->p50_drift = result_number(res, "p50_drift", NAN);
    r->p85_drift = result_number(res, "p85_drift", NAN);
    r->wall_time_s = result_number(res, "wall_time_s", NAN);
}

int bnx_manifest_read(const char *path, bnx_manifest_info *info, bnx_error *err)
{
    memset(info, 0, sizeof *info);
    info->seed = -1;
    info->wall_time_s = NAN;
    char *text;
    size_t len;
    int rc = bnx_read_file(path, BNX_MANIFEST_MAX_BYTES, &text, &len, err);
    if (rc)
        return rc;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return bnx_fail(err, BNX_EFORMAT, "%s is not a JSON object (a bnexp manifest)", path);
    }
    copy_string(root, "bnexp_version", info->version, sizeof info->version);
    copy_string(root, "started_utc", info->started_utc, sizeof info->started_utc);
    copy_string(root, "finished_utc", info->finished_utc, sizeof info->finished_utc);
    copy_string(root, "experiment", info->experiment, sizeof info->experiment);
    copy_string(root, "description", info->description, sizeof info->description);
    copy_string(root, "variant", info->variant, sizeof info->variant);
    copy_string(root, "status", info->status, sizeof info->status);
    copy_string(cJSON_GetObjectItemCaseSensitive(root, "dataset"), "name", info->dataset,
                sizeof info->dataset);
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (cJSON_IsNumber(seed) && seed->valuedouble >= 0 && seed->valuedouble <= 4294967295.0)
        info->seed = (long)seed->valuedouble;
    const cJSON *batch = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "config"), "batch_size");
    if (cJSON_IsNumber(batch))
        info->batch_size = (long)batch->valuedouble;
    copy_string(cJSON_GetObjectItemCaseSensitive(root, "config"), "activation", info->activation,
                sizeof info->activation);
    copy_string(cJSON_GetObjectItemCaseSensitive(root, "config"), "loss", info->loss,
                sizeof info->loss);
    const cJSON *wall = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "result"), "wall_time_s");
    if (cJSON_IsNumber(wall))
        info->wall_time_s = wall->valuedouble;
    read_result(root, info);
    const cJSON *machine = cJSON_GetObjectItemCaseSensitive(root, "machine");
    if (cJSON_IsObject(machine)) {
        info->has_machine = 1;
        copy_string(machine, "host", info->machine.host, sizeof info->machine.host);
        copy_string(machine, "cpu_model", info->machine.cpu_model, sizeof info->machine.cpu_model);
        copy_string(machine, "kernel", info->machine.kernel, sizeof info->machine.kernel);
        copy_string(machine, "blas_core", info->machine.blas_core, sizeof info->machine.blas_core);
        copy_string(machine, "blas_config", info->machine.blas_config,
                    sizeof info->machine.blas_config);
        copy_string(machine, "compiler", info->machine.compiler, sizeof info->machine.compiler);
        const cJSON *cores = cJSON_GetObjectItemCaseSensitive(machine, "cores");
        if (cJSON_IsNumber(cores) && cores->valuedouble >= 1 && cores->valuedouble <= 1e6)
            info->machine.cores = (long)cores->valuedouble;
    }
    cJSON_Delete(root);
    return BNX_OK;
}

void bnx_summary_row(char *buf, size_t size, const char *variant, long seed,
                     const bnx_trial_result *r)
{
    char c[12][32];
    snprintf(buf, size, "%s,%ld,%s,%ld,%s,%s,%s,%s,%s,%s,%s,%s,%d,%d,%s,%s,%s,%.2f,%s", variant, seed,
             bnx_trial_status_name(r->status), r->steps,
             bnx_csv_num(c[0], 32, (double)r->diverged_step, r->diverged_step >= 0),
             bnx_csv_num(c[1], 32, r->final_test_accuracy, isfinite(r->final_test_accuracy)),
             bnx_csv_num(c[2], 32, r->best_test_accuracy, isfinite(r->best_test_accuracy)),
             bnx_csv_num(c[3], 32, (double)r->best_step, r->best_step >= 0),
             bnx_csv_num(c[4], 32, (double)r->steps_to_target, r->steps_to_target >= 0),
             bnx_csv_num(c[10], 32, r->target_accuracy, isfinite(r->target_accuracy)),
             bnx_csv_num(c[5], 32, r->final_test_accuracy_ema, isfinite(r->final_test_accuracy_ema)),
             bnx_csv_num(c[6], 32, r->final_test_accuracy_population, isfinite(r->final_test_accuracy_population)),
             r->probe_layer, r->probe_unit,
             bnx_csv_num(c[7], 32, r->p15_drift, isfinite(r->p15_drift)),
             bnx_csv_num(c[8], 32, r->p50_drift, isfinite(r->p50_drift)),
             bnx_csv_num(c[9], 32, r->p85_drift, isfinite(r->p85_drift)), r->wall_time_s,
             bnx_csv_num(c[11], 32, r->final_test_loss, isfinite(r->final_test_loss)));
}
