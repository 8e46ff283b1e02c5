#include "exp/runfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/file.h"
#include "out/jsonfile.h"

int bnx_run_file_write(const char *dir, const bnx_run_file *rf, bnx_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *sets = cJSON_AddArrayToObject(root, "set");
    for (int i = 0; sets && i < rf->num_sets; i++)
        cJSON_AddItemToArray(sets, cJSON_CreateString(rf->sets[i]));
    cJSON_AddStringToObject(root, "experiment", rf->experiment);
    cJSON_AddStringToObject(root, "variants", rf->variants);
    cJSON_AddNumberToObject(root, "seeds", rf->seeds);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_RUN_FILE);
    return bnx_json_write_file(path, root, err);
}

/* Copy the string field `name` of obj into buf[size]; -1 if it is missing,
 * not a string, or too long. */
static int get_string(const cJSON *obj, const char *name, char *buf, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(item) || strlen(item->valuestring) >= size)
        return -1;
    memcpy(buf, item->valuestring, strlen(item->valuestring) + 1);
    return 0;
}

int bnx_run_file_read(const char *dir, bnx_run_file *rf, bnx_error *err)
{
    memset(rf, 0, sizeof *rf);
    char path[4200], *text;
    size_t size;
    snprintf(path, sizeof path, "%s/%s", dir, BNX_RUN_FILE);
    int rc = bnx_read_file(path, 1 << 20, &text, &size, err);
    if (rc)
        return rc;
    cJSON *root = cJSON_ParseWithLength(text, size);
    free(text);
    const char *bad = NULL;
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(root, "set");
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(root, "seeds");
    if (!cJSON_IsObject(root))
        bad = "it is not a JSON object";
    else if (get_string(root, "experiment", rf->experiment, sizeof rf->experiment))
        bad = "\"experiment\" is missing or not a short string";
    else if (get_string(root, "variants", rf->variants, sizeof rf->variants))
        bad = "\"variants\" is missing or not a string";
    else if (!cJSON_IsNumber(seeds) || seeds->valuedouble < 0 || seeds->valuedouble > 1024 ||
             seeds->valuedouble != (int)seeds->valuedouble)
        bad = "\"seeds\" is not a whole number from 0 to 1024";
    else if (!cJSON_IsArray(sets) || cJSON_GetArraySize(sets) > BNX_MAX_SETTINGS)
        bad = "\"set\" is not a list of at most 64 settings";
    else
        rf->seeds = (int)seeds->valuedouble;
    const cJSON *item;
    if (bad)
        sets = NULL;
    cJSON_ArrayForEach(item, sets) {
        if (!cJSON_IsString(item) || strlen(item->valuestring) >= sizeof rf->sets[0]) {
            bad = "an entry of \"set\" is not a string of at most 329 bytes";
            break;
        }
        snprintf(rf->sets[rf->num_sets++], sizeof rf->sets[0], "%s", item->valuestring);
    }
    cJSON_Delete(root);
    if (bad)
        return bnx_fail(err, BNX_EFORMAT, "%s: %s", path, bad);
    return BNX_OK;
}
