/* [eval.NAME] sections and the names of evaluations (spec/evaluation.h). */
#include "spec/evaluation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const bnx_eval_stats_names[BNX_EVAL_NUM_STATS] = {"batch", "ema", "population",
                                                             "reestimate"};
const char *const bnx_transform_names[BNX_NUM_TRANSFORMS] = {"none", "shift", "scale", "invert"};

static const char *const keys[] = {"stats", "batch_size", "transform", "update_running"};
#define NUM_KEYS ((int)(sizeof keys / sizeof keys[0]))

static int lookup(const char *const *names, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int bnx_transform_parse(const char *text, int *transform, double *amount)
{
    char name[32];
    const char *eq = strchr(text, '=');
    size_t n = eq ? (size_t)(eq - text) : strlen(text);
    if (n == 0 || n >= sizeof name)
        return -1;
    memcpy(name, text, n);
    name[n] = '\0';
    int t = lookup(bnx_transform_names, BNX_NUM_TRANSFORMS, name);
    if (t < 0)
        return -1;
    int wants_amount = t == BNX_TRANSFORM_SHIFT || t == BNX_TRANSFORM_SCALE;
    if (wants_amount != (eq != NULL))
        return -1;
    double a = 0;
    if (eq) {
        char *end;
        a = strtod(eq + 1, &end);
        if (end == eq + 1 || *end || !(a > -10 && a < 10))
            return -1;
    }
    *transform = t;
    *amount = a;
    return 0;
}

void bnx_transform_text(int transform, double amount, char *buf, size_t size)
{
    if (transform == BNX_TRANSFORM_SHIFT || transform == BNX_TRANSFORM_SCALE) {
        char number[40]; /* the shortest of 15 and 17 digits that reads back exactly */
        snprintf(number, sizeof number, "%.15g", amount);
        if (strtod(number, NULL) != amount)
            snprintf(number, sizeof number, "%.17g", amount);
        snprintf(buf, size, "%s=%s", bnx_transform_names[transform], number);
    } else
        snprintf(buf, size, "%s", bnx_transform_names[transform]);
}

void bnx_eval_section_init(bnx_eval_section *e, const char *name, int line)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->line = line;
    e->stats = -1;
    e->batch_size = 100;
    e->transform = BNX_TRANSFORM_NONE;
}

int bnx_eval_section_set(bnx_eval_section *e, const char *key, const char *value, bnx_error *err)
{
    int k = lookup(keys, NUM_KEYS, key);
    if (k < 0)
        return bnx_fail(err, BNX_EFORMAT, "eval key %s: unknown (an [eval.NAME] section takes "
                        "stats, batch_size, transform and update_running)", key);
    if (e->given & (1u << k))
        return bnx_fail(err, BNX_EFORMAT, "eval key %s: given twice", key);
    e->given |= 1u << k;
    char *end;
    switch (k) {
    case 0:
        e->stats = lookup(bnx_eval_stats_names, BNX_EVAL_NUM_STATS, value);
        if (e->stats < 0)
            return bnx_fail(err, BNX_EFORMAT, "eval key stats: '%s' is not batch, ema, population "
                            "or reestimate", value);
        return BNX_OK;
    case 1: {
        long b = strtol(value, &end, 10);
        if (end == value || *end || b < 1 || b > 65536)
            return bnx_fail(err, BNX_EFORMAT, "eval key batch_size: '%s' is not a whole number "
                            "from 1 to 65536", value);
        e->batch_size = (int)b;
        return BNX_OK;
    }
    case 2:
        if (bnx_transform_parse(value, &e->transform, &e->amount))
            return bnx_fail(err, BNX_EFORMAT, "eval key transform: '%s' is not none, invert, "
                            "shift=A or scale=S (|A|, |S| below 10)", value);
        return BNX_OK;
    default:
        if (strcmp(value, "true") && strcmp(value, "false"))
            return bnx_fail(err, BNX_EFORMAT, "eval key update_running: '%s' is not true or "
                            "false", value);
        e->update_running = value[0] == 't';
        return BNX_OK;
    }
}

int bnx_eval_section_check(const bnx_eval_section *e, bnx_error *err)
{
    if (e->stats < 0)
        return bnx_fail(err, BNX_EFORMAT, "[eval.%s] has no stats (batch, ema, population or "
                        "reestimate)", e->name);
    if (e->update_running && e->stats != BNX_EVAL_BATCH)
        return bnx_fail(err, BNX_EFORMAT, "[eval.%s]: update_running = true goes with stats = "
                        "batch (a network left in training mode)", e->name);
    return BNX_OK;
}
