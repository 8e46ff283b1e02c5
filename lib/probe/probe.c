#include "probe/probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timer.h"
#include "probe/activations.h"
#include "probe/ics.h"
#include "probe/landscape.h"
#include "probe/scale.h"
#include "probe/step_stats.h"
#include "probe/time_gradients.h"

/* The table: one row a probe, in the order the trainer calls them, `bnexp
 * list` names them and their CSVs are opened. */
static const bnx_probe_ops *const table[] = {
    &bnx_time_gradients_probe, /* first: it reads the step's own backward, which ics's and
                                  the landscape's backwards at moved parameters overwrite */
    &bnx_activations_probe,
    &bnx_ics_probe,
    &bnx_landscape_probe,
    &bnx_scale_probe,
    &bnx_step_stats_probe,
};
static const int num_probes = (int)(sizeof table / sizeof table[0]);

int bnx_probe_count(void) { return num_probes; }

const bnx_probe_ops *bnx_probe_at(int i) { return i >= 0 && i < num_probes ? table[i] : NULL; }

const bnx_probe_ops *bnx_probe_find(const char *name)
{
    for (int i = 0; name && i < num_probes; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

int bnx_probe_is_on(const bnx_probe_ops *ops, const bnx_probe_settings *s)
{
    return !ops->on || ops->on(s);
}

/* 1 if some probe the settings turn on uses the gradient buffers. */
static int needs_grad(const bnx_probe_settings *s)
{
    for (int i = 0; i < num_probes; i++)
        if ((table[i]->traits & BNX_PROBE_GRAD) && bnx_probe_is_on(table[i], s))
            return 1;
    return 0;
}

int bnx_probes_create(bnx_probes *ps, const bnx_probe_settings *s, bnx_net *net, bnx_error *err)
{
    memset(ps, 0, sizeof *ps);
    ps->set = *s;
    ps->probe = calloc((size_t)num_probes, sizeof *ps->probe);
    if (!ps->probe)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate the probes");
    if (needs_grad(s)) {
        ps->grad = calloc(1, sizeof *ps->grad);
        if (!ps->grad)
            return bnx_fail(err, BNX_ENOMEM, "cannot allocate the probes' gradient buffers");
        int rc = bnx_ics_grad_init(ps->grad, net, s->batch_size, err);
        if (rc)
            return rc;
    }
    for (int i = 0; i < num_probes; i++) {
        if (!bnx_probe_is_on(table[i], s))
            continue;
        bnx_probe *p = &ps->probe[ps->count++];
        p->ops = table[i];
        p->set = &ps->set;
        p->net = net;
        p->grad = table[i]->traits & BNX_PROBE_GRAD ? ps->grad : NULL;
        int rc = p->ops->create ? p->ops->create(p, err) : BNX_OK;
        if (rc)
            return rc;
    }
    return BNX_OK;
}

void bnx_probes_free(bnx_probes *ps)
{
    for (int i = 0; ps->probe && i < ps->count; i++)
        if (ps->probe[i].ops->destroy)
            ps->probe[i].ops->destroy(&ps->probe[i]);
    free(ps->probe);
    if (ps->grad)
        bnx_ics_grad_free(ps->grad);
    free(ps->grad);
    memset(ps, 0, sizeof *ps);
}

double bnx_probes_bytes(const bnx_probe_settings *s, const bnx_net *plan)
{
    double bytes = 0.0;
    for (int i = 0; i < num_probes; i++)
        if (table[i]->bytes && bnx_probe_is_on(table[i], s))
            bytes += table[i]->bytes(s, plan);
    if (needs_grad(s)) /* parameters, update, momentum, gradients; probabilities, dlogits */
        bytes += 4 * 4.0 * plan->num_params + 2 * 4.0 * s->batch_size * plan->num_classes +
                 2 * 4.0 * (double)bnx_net_state_len(plan); /* the trainer's snapshot, a probe's */
    return bytes;
}

int bnx_probes_num_csvs(const bnx_probes *ps)
{
    int n = 0;
    for (int i = 0; i < ps->count; i++)
        for (int k = 0; k < ps->probe[i].ops->num_csvs; k++)
            n += !ps->probe[i].ops->csvs[k].whole;
    return n;
}

bnx_csv *bnx_probes_csv(bnx_probes *ps, int i, const bnx_probe_csv **decl)
{
    for (int j = 0; j < ps->count; j++)
        for (int k = 0; k < ps->probe[j].ops->num_csvs; k++)
            if (!ps->probe[j].ops->csvs[k].whole && i-- == 0) {
                *decl = &ps->probe[j].ops->csvs[k];
                return &ps->probe[j].csv[k];
            }
    *decl = NULL;
    return NULL;
}

unsigned bnx_probes_passes(const bnx_probes *ps)
{
    unsigned passes = 0;
    for (int i = 0; i < ps->count; i++)
        if (ps->probe[i].ops->passes)
            passes |= ps->probe[i].ops->passes(&ps->set);
    return passes;
}

void bnx_probes_capture(bnx_probes *ps, const bnx_probe_capture *c)
{
    for (int i = 0; i < ps->count; i++) {
        bnx_probe *p = &ps->probe[i];
        if (!p->ops->capture || !p->ops->passes || !(p->ops->passes(&ps->set) & c->pass))
            continue;
        double t0 = bnx_now();
        p->ops->capture(p, c);
        p->seconds[BNX_PROBE_T_CAPTURE] += bnx_now() - t0;
    }
}

int bnx_probes_wants(const bnx_probes *ps, long step, int record)
{
    for (int i = 0; i < ps->count; i++)
        if (ps->probe[i].ops->wants && ps->probe[i].ops->wants(&ps->probe[i], step, record))
            return 1;
    return 0;
}

int bnx_probes_step(bnx_probes *ps, const bnx_probe_step *s, bnx_error *err)
{
    for (int i = 0; i < ps->count; i++) {
        bnx_probe *p = &ps->probe[i];
        if (!p->ops->step || !p->ops->wants || !p->ops->wants(p, s->step, s->record))
            continue;
        double t0 = bnx_now();
        int rc = p->ops->step(p, s, err);
        p->seconds[BNX_PROBE_T_STEP] += bnx_now() - t0;
        if (rc)
            return rc;
    }
    return BNX_OK;
}

int bnx_probes_record(bnx_probes *ps, long step, bnx_error *err)
{
    for (int i = 0; i < ps->count; i++) {
        bnx_probe *p = &ps->probe[i];
        if (!p->ops->record)
            continue;
        double t0 = bnx_now();
        int rc = p->ops->record(p, step, err);
        p->seconds[BNX_PROBE_T_RECORD] += bnx_now() - t0;
        if (rc)
            return rc;
    }
    return BNX_OK;
}

void bnx_probes_result(const bnx_probes *ps, bnx_probe_figure_fn put, void *ctx)
{
    for (int i = 0; i < ps->count; i++)
        if (ps->probe[i].ops->result)
            ps->probe[i].ops->result(&ps->probe[i], put, ctx);
}

int bnx_probes_finish(bnx_probes *ps, const bnx_probe_end *e, bnx_error *err)
{
    for (int i = 0; i < ps->count; i++) {
        bnx_probe *p = &ps->probe[i];
        if (!p->ops->finish)
            continue;
        double t0 = bnx_now();
        int rc = p->ops->finish(p, e, err);
        p->seconds[BNX_PROBE_T_FINISH] += bnx_now() - t0;
        if (rc)
            return rc;
    }
    return BNX_OK;
}

int bnx_probes_block(bnx_probes *ps, int i, const char **name, const void **data, size_t *len)
{
    bnx_probe *p = &ps->probe[i];
    *name = p->ops->name;
    *data = NULL;
    *len = 0;
    if (!p->ops->save)
        return 0;
    p->ops->save(p, data, len);
    return 1;
}

int bnx_probes_load(bnx_probes *ps, int i, const void *data, size_t len, long step,
                    bnx_error *err)
{
    bnx_probe *p = &ps->probe[i];
    return p->ops->load ? p->ops->load(p, data, len, step, err) : BNX_OK;
}

void bnx_probe_lists(const bnx_probe_ops *ops, char csvs[256], char keys[512])
{
    int used = 0;
    csvs[0] = keys[0] = '\0';
    for (int k = 0; k < ops->num_csvs && used < 256; k++)
        used += snprintf(csvs + used, (size_t)(256 - used), k ? ", %s" : "%s", ops->csvs[k].name);
    used = 0;
    for (int k = 0; ops->keys[k] && used < 512; k++)
        used += snprintf(keys + used, (size_t)(512 - used), k ? ", %s" : "%s", ops->keys[k]);
}
