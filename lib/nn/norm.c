#include "nn/norm.h"

#include <stdio.h>
#include <string.h>

#include "nn/batch_noisy.h"
#include "nn/batch_renorm.h"
#include "nn/batchnorm.h"
#include "nn/groupnorm.h"
#include "nn/instancenorm.h"
#include "nn/layernorm.h"
#include "nn/online.h"

/* The table: one row a kind, in the order `bnexp list` and messages name
 * them; the config name is the ops' own.  Row 0 is "none" (no layer). */
static const bnx_norm_ops *const table[] = {
    NULL,
    &bnx_batchnorm_ops,
    &bnx_layernorm_ops,
    &bnx_groupnorm_ops,
    &bnx_instancenorm_ops,
    &bnx_batch_noisy_ops,
    &bnx_batch_renorm_ops,
    &bnx_online_ops,
};
static const int num_kinds = (int)(sizeof table / sizeof table[0]);

int bnx_norm_count(void) { return num_kinds; }

const char *bnx_norm_name(int k)
{
    return k == 0 ? "none" : k > 0 && k < num_kinds ? table[k]->name : NULL;
}

const bnx_norm_ops *bnx_norm_ops_of(int k) { return k > 0 && k < num_kinds ? table[k] : NULL; }

int bnx_norm_find(const char *name)
{
    for (int k = 0; k < num_kinds; k++)
        if (strcmp(bnx_norm_name(k), name) == 0)
            return k;
    return -1;
}

char *bnx_norm_names(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < num_kinds && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, k ? "|%s" : "%s", bnx_norm_name(k));
    return buf;
}

size_t bnx_norm_buffer_len(const bnx_norm_buffer *b, int c, int s, int max_batch)
{
    switch (b->extent) {
    case BNX_NB_VALUE:   return (size_t)max_batch * (size_t)c * (size_t)s;
    case BNX_NB_EXAMPLE: return (size_t)max_batch * (size_t)c;
    default:             return (size_t)c;
    }
}

size_t bnx_norm_bytes(const bnx_norm_ops *ops, int c, int s, int max_batch)
{
    size_t bytes = 0;
    for (int i = 0; ops && i < ops->num_buffers; i++)
        bytes += bnx_norm_buffer_len(&ops->buffers[i], c, s, max_batch) *
                 (ops->buffers[i].wide ? sizeof(double) : sizeof(float));
    return bytes;
}

size_t bnx_norm_state_len(const bnx_norm_ops *ops, int c)
{
    size_t len = 0;
    for (int i = 0; ops && i < ops->num_buffers; i++)
        if (ops->buffers[i].persistent)
            len += (size_t)c;
    return len;
}

void *bnx_norm_buffer_named(const bnx_norm_layer *l, const char *name)
{
    for (int i = 0; l->ops && i < l->ops->num_buffers; i++)
        if (strcmp(l->ops->buffers[i].name, name) == 0)
            return l->buf[i];
    return NULL;
}

void bnx_norm_reset(bnx_norm_layer *l)
{
    for (int c = 0; c < l->c; c++) {
        l->gamma[c] = 1.0f;
        l->beta[c] = 0.0f;
    }
    for (int i = 0; i < l->ops->num_buffers; i++) {
        const bnx_norm_buffer *b = &l->ops->buffers[i];
        size_t len = bnx_norm_buffer_len(b, l->c, l->s, l->max_batch);
        if (b->wide)
            for (size_t j = 0; j < len; j++)
                ((double *)l->buf[i])[j] = b->init;
        else
            for (size_t j = 0; j < len; j++)
                ((float *)l->buf[i])[j] = b->init;
    }
}

/* Persistent buffers are per-channel floats (norm.h), laid end to end in
 * declaration order. */
void bnx_norm_save(const bnx_norm_layer *l, float *state)
{
    for (int i = 0; i < l->ops->num_buffers; i++)
        if (l->ops->buffers[i].persistent) {
            memcpy(state, l->buf[i], sizeof(float) * (size_t)l->c);
            state += l->c;
        }
}

void bnx_norm_restore(bnx_norm_layer *l, const float *state)
{
    for (int i = 0; i < l->ops->num_buffers; i++)
        if (l->ops->buffers[i].persistent) {
            memcpy(l->buf[i], state, sizeof(float) * (size_t)l->c);
            state += l->c;
        }
}
