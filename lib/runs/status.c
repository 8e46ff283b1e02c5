/* Where every trial of a run stands; see status.h. */
#include "runs/status.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csvread.h"
#include "runs/reader.h"
#include "runs/slurm.h"

/* The last record of trial t's metrics.csv in run `dir` (read as a file
 * still being written): its step and test accuracy (NaN when there is
 * none); 0 if the file could be read. */
static int last_record(const char *dir, const bnx_plan_trial *t, long *step, double *accuracy)
{
    bnx_csv_table tab;
    bnx_error err;
    *step = -1;
    *accuracy = NAN;
    if (bnx_run_trial_csv(dir, t->variant, t->seed, "metrics.csv", 1, &tab, &err))
        return -1;
    int cs = bnx_csv_table_col(&tab, "step"), ca = bnx_csv_table_col(&tab, "test_accuracy");
    double s;
    if (tab.num_rows > 0 && cs >= 0 && ca >= 0 &&
        bnx_csv_table_number(&tab, tab.num_rows - 1, cs, &s, &err) == BNX_OK &&
        bnx_csv_table_number(&tab, tab.num_rows - 1, ca, accuracy, &err) == BNX_OK)
        *step = (long)s;
    bnx_csv_table_free(&tab);
    return 0;
}

int bnx_run_status_read(const char *dir, const bnx_plan *plan, bnx_run_status *st,
                        bnx_error *err)
{
    memset(st, 0, sizeof *st);
    st->plan = plan;
    st->trials = calloc((size_t)plan->num_trials + 1, sizeof *st->trials);
    char *queue = calloc((size_t)plan->num_trials + 1, 1);
    if (!st->trials || !queue) {
        free(queue);
        return bnx_fail(err, BNX_ENOMEM, "out of memory for the status of %d trials",
                        plan->num_trials);
    }
    /* a run submitted to Slurm: its array tasks in the queue, where squeue is */
    st->num_jobs = bnx_slurm_jobs(dir, st->jobs, 4);
    for (int k = 0; k < st->num_jobs; k++) {
        char *state = calloc((size_t)plan->num_trials + 1, 1);
        if (state && bnx_slurm_queue(st->jobs[k], state, plan->num_trials) == 0) {
            st->queue_known = 1;
            for (int i = 0; i < plan->num_trials; i++)
                if (state[i])
                    queue[i] = state[i];
        }
        free(state);
    }
    for (int i = 0; i < plan->num_trials; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        bnx_trial_standing *ts = &st->trials[i];
        char trial_dir[4400];
        snprintf(trial_dir, sizeof trial_dir, "%s/%s", dir, t->dir);
        bnx_trial_look look;
        bnx_error look_err;
        if (bnx_trial_look_at(trial_dir, &look, &look_err) != BNX_OK)
            snprintf(ts->error, sizeof ts->error, "%.250s", look_err.msg);
        ts->state = look.state;
        ts->killed = look.killed;
        if (look.state == BNX_STATE_PENDING)
            ts->queue = queue[i];
        if (look.has_manifest && look.manifest.has_machine)
            snprintf(ts->where, sizeof ts->where, "%s", look.manifest.machine.host);
        else if (look.has_running && look.running.host[0])
            snprintf(ts->where, sizeof ts->where, "%.128s pid %ld%s%.64s", look.running.host,
                     look.running.pid, look.running.job[0] ? " job " : "", look.running.job);
        ts->step = -1;
        ts->test_accuracy = NAN;
        if (look.state != BNX_STATE_PENDING)
            last_record(dir, t, &ts->step, &ts->test_accuracy);
        st->counts[look.state]++;
    }
    free(queue);
    return BNX_OK;
}

void bnx_run_status_free(bnx_run_status *st)
{
    free(st->trials);
    memset(st, 0, sizeof *st);
}

void bnx_trial_standing_text(const bnx_trial_standing *t, char *buf, size_t size)
{
    if (t->state == BNX_STATE_PENDING && t->queue)
        snprintf(buf, size, "pending (%s)", t->queue == 'P' ? "queued" : "starting");
    else
        snprintf(buf, size, "%s%s", bnx_state_names[t->state], t->killed ? " (killed)" : "");
}

int bnx_run_status_json(const bnx_run_status *st, const char *run, bnx_strbuf *out,
                        bnx_error *err)
{
    const bnx_plan *plan = st->plan;
    cJSON *root = cJSON_CreateObject(), *jobs = cJSON_CreateArray(),
          *trials = cJSON_CreateArray(), *counts = cJSON_CreateObject();
    int ok = root && jobs && trials && counts;
    if (ok) {
        cJSON_AddStringToObject(root, "format", "bnexp-status");
        cJSON_AddNumberToObject(root, "version", 1);
        cJSON_AddStringToObject(root, "run", run);
        cJSON_AddStringToObject(root, "experiment", plan->experiment);
        cJSON_AddStringToObject(root, "description", plan->description);
        cJSON_AddStringToObject(root, "tag", plan->tag);
        for (int k = 0; k < st->num_jobs; k++)
            cJSON_AddItemToArray(jobs, cJSON_CreateString(st->jobs[k]));
        cJSON_AddItemToObject(root, "slurm_jobs", jobs);
        cJSON_AddBoolToObject(root, "queue_known", st->queue_known);
        cJSON_AddItemToObject(root, "trials", trials);
        cJSON_AddItemToObject(root, "counts", counts);
    } else {
        cJSON_Delete(jobs);
        cJSON_Delete(trials);
        cJSON_Delete(counts);
    }
    for (int i = 0; ok && i < plan->num_trials; i++) {
        const bnx_plan_trial *t = &plan->trials[i];
        const bnx_trial_standing *ts = &st->trials[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(trials, o)) {
            cJSON_Delete(o);
            ok = 0;
            break;
        }
        cJSON_AddNumberToObject(o, "index", i);
        cJSON_AddStringToObject(o, "variant", t->variant);
        cJSON_AddNumberToObject(o, "seed", (double)t->seed);
        cJSON_AddStringToObject(o, "dir", t->dir);
        cJSON_AddStringToObject(o, "state", bnx_state_names[ts->state]);
        cJSON_AddBoolToObject(o, "killed", ts->killed);
        if (ts->queue)
            cJSON_AddStringToObject(o, "queue", ts->queue == 'P' ? "queued" : "starting");
        else
            cJSON_AddNullToObject(o, "queue");
        if (ts->step >= 0)
            cJSON_AddNumberToObject(o, "step", (double)ts->step);
        else
            cJSON_AddNullToObject(o, "step");
        cJSON_AddNumberToObject(o, "steps", (double)t->config.steps);
        if (ts->step >= 0 && isfinite(ts->test_accuracy))
            cJSON_AddNumberToObject(o, "test_accuracy", ts->test_accuracy);
        else
            cJSON_AddNullToObject(o, "test_accuracy");
        cJSON_AddStringToObject(o, "where", ts->where);
        if (ts->error[0])
            cJSON_AddStringToObject(o, "error", ts->error);
        else
            cJSON_AddNullToObject(o, "error");
    }
    for (int s = 0; ok && s < BNX_NUM_STATES; s++)
        ok = cJSON_AddNumberToObject(counts, bnx_state_names[s], (double)st->counts[s]) != NULL;
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for the status as JSON");
    bnx_sb_printf(out, "%s\n", text);
    cJSON_free(text);
    return out->oom ? bnx_fail(err, BNX_ENOMEM, "out of memory for the status as JSON") : BNX_OK;
}
