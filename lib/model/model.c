#include "model/model.h"

#include <stdio.h>
#include <string.h>

#include "model/cnn.h"
#include "model/lstm.h"
#include "model/mlp.h"
#include "model/resnet.h"

/* The table: one row a type, in the order `bnexp list` and messages name
 * them; the config name is the ops' own, and the key `model` stores the
 * row's index (row 0 is its default's, mlp). */
static const bnx_model_ops *const table[] = {
    &bnx_mlp_ops,
    &bnx_cnn_ops,
    &bnx_resnet_ops,
    &bnx_plain_ops,
    &bnx_lstm_ops,
};
static const int num_models = (int)(sizeof table / sizeof table[0]);

int bnx_model_count(void) { return num_models; }

const bnx_model_ops *bnx_model_ops_of(int k) { return k >= 0 && k < num_models ? table[k] : NULL; }

const char *bnx_model_name(int k) { return k >= 0 && k < num_models ? table[k]->name : NULL; }

int bnx_model_find(const char *name)
{
    for (int k = 0; name && k < num_models; k++)
        if (strcmp(table[k]->name, name) == 0)
            return k;
    return -1;
}

char *bnx_model_names(char *buf, size_t size, const char *sep, unsigned traits)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < num_models && used < size; k++)
        if ((table[k]->traits & traits) == traits)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? sep : "",
                                     table[k]->name);
    return buf;
}

int bnx_model_reads(const bnx_model_ops *ops, const char *key)
{
    for (const char *const *k = ops && key ? ops->keys : NULL; k && *k; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

/* 1 if every type reads `key`. */
static int read_by_all(const char *key)
{
    for (int k = 0; k < num_models; k++)
        if (!bnx_model_reads(table[k], key))
            return 0;
    return 1;
}

char *bnx_model_keys(int k, int own, const char *sep, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    const bnx_model_ops *ops = bnx_model_ops_of(k);
    for (const char *const *key = ops ? ops->keys : NULL; key && *key && used < size; key++)
        if (read_by_all(*key) != own)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? sep : "", *key);
    return buf;
}
