/* The Fig. 3 table as JSON (bnexp report --json); see report.h. */
#include "analysis/report.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>

/* A number, or null where it is not finite. */
static void add_number(cJSON *o, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

static void add_stat(cJSON *o, const char *name, const bnx_stat *s)
{
    cJSON *j = cJSON_AddObjectToObject(o, name);
    if (!j)
        return;
    cJSON_AddNumberToObject(j, "n", s->n);
    add_number(j, "mean", s->n > 0 ? s->mean : NAN);
    add_number(j, "sd", s->n > 1 ? s->sd : NAN);
    add_number(j, "min", s->n > 0 ? s->min : NAN);
    add_number(j, "max", s->n > 0 ? s->max : NAN);
}

int bnx_report_json(const bnx_report *rep, const bnx_report_info *info, bnx_strbuf *out,
                    bnx_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *targets = root ? cJSON_AddArrayToObject(root, "targets") : NULL;
    cJSON *rows = root ? cJSON_AddArrayToObject(root, "rows") : NULL;
    int ok = root && targets && rows;
    if (ok) {
        cJSON_AddStringToObject(root, "format", "bnexp-report");
        cJSON_AddNumberToObject(root, "version", 1);
        cJSON_AddStringToObject(root, "run", info->run_dir);
        cJSON_AddStringToObject(root, "experiment", info->experiment);
        cJSON_AddStringToObject(root, "description", info->description);
        cJSON_AddStringToObject(root, "baseline", rep->baseline);
        cJSON_AddStringToObject(root, "no_target", rep->no_target);
        add_number(root, "best_baseline", rep->baseline[0] ? rep->best_baseline : NAN);
    }
    for (int i = 0; ok && i < rep->num_targets; i++) {
        cJSON *t = cJSON_CreateObject();
        ok = t && cJSON_AddItemToArray(targets, t);
        if (!ok) {
            cJSON_Delete(t);
            break;
        }
        cJSON_AddNumberToObject(t, "seed", (double)rep->targets[i].seed);
        add_number(t, "accuracy", rep->targets[i].accuracy);
        cJSON_AddBoolToObject(t, "own", rep->targets[i].own);
    }
    for (int i = 0; ok && i < rep->num_rows; i++) {
        const bnx_report_row *r = &rep->rows[i];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(rows, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
        cJSON_AddStringToObject(o, "variant", r->variant);
        cJSON_AddNumberToObject(o, "seeds", r->seeds);
        add_stat(o, "steps_to_target", &r->steps_to_target);
        add_number(o, "speedup", r->speedup);
        add_stat(o, "max_accuracy", &r->max_accuracy);
        add_stat(o, "final_accuracy", &r->final_accuracy);
        cJSON_AddNumberToObject(o, "diverged", r->diverged);
        cJSON_AddNumberToObject(o, "failed", r->failed);
        cJSON_AddNumberToObject(o, "interrupted", r->interrupted);
        cJSON_AddNumberToObject(o, "missing", r->missing);
        add_stat(o, "wall_time_s", &r->wall_time_s);
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for the report as JSON");
    bnx_sb_printf(out, "%s\n", text);
    cJSON_free(text);
    return out->oom ? bnx_fail(err, BNX_ENOMEM, "out of memory for the report as JSON") : BNX_OK;
}
