#include "model/layout.h"

#include <string.h>

#include "model/model.h"

bnx_layer *bnx_layout_add(bnx_net *net, bnx_layer_kind kind, int c, int h, int w, int spatial)
{
    return bnx_layout_add_from(net, kind, net->num_layers - 1, c, h, w, spatial);
}

bnx_layer *bnx_layout_add_from(bnx_net *net, bnx_layer_kind kind, int from, int c, int h, int w,
                               int spatial)
{
    const bnx_layer *prev = from >= 0 ? &net->layers[from] : NULL;
    int in = prev ? prev->out : net->in_features;
    bnx_layer *l;
    if (net->num_layers < BNX_MAX_LAYERS) {
        l = &net->layers[net->num_layers++];
    } else { /* refused by bnx_net_create; the last slot takes the rest */
        net->overflow = 1;
        l = &net->layers[BNX_MAX_LAYERS - 1];
    }
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->from = from;
    l->shortcut = -1;
    l->in = in;
    l->c = c;
    l->height = h;
    l->width = w;
    l->out = c * h * w;
    l->spatial = spatial;
    return l;
}

bnx_layer *bnx_layout_add_same(bnx_net *net, bnx_layer_kind kind)
{
    const bnx_layer *prev = &net->layers[net->num_layers - 1];
    return bnx_layout_add(net, kind, prev->c, prev->height, prev->width, prev->spatial);
}

bnx_layer_kind bnx_layout_activation(bnx_activation a)
{
    switch (a) {
    case BNX_ACT_RELU: return BNX_LAYER_RELU;
    case BNX_ACT_TANH: return BNX_LAYER_TANH;
    case BNX_ACT_LINEAR: return BNX_LAYER_IDENTITY;
    case BNX_ACT_SIGMOID: break;
    }
    return BNX_LAYER_SIGMOID;
}

/* Make the just-appended layer l a normalization of kind `kind` (nn/norm.h's
 * table), and ask the kind whether it can normalise it; `maps` says
 * whether its values are conv maps, `key` names the key that chose it. */
static int set_norm(bnx_net *net, bnx_layer *l, const bnx_net_spec *spec, int kind, int maps,
                    const char *key, bnx_error *err)
{
    bnx_norm_layer *nl = &l->norm;
    nl->ops = bnx_norm_ops_of(kind);
    nl->hp = spec->norm_hp;
    nl->c = l->c;
    nl->s = l->height * l->width;
    nl->rng = &net->noise_rng;
    if (!nl->ops)
        return bnx_fail(err, BNX_EINVAL, "normalization kind %d is not in the table", kind);
    if ((nl->ops->traits & BNX_NORM_MAPS_ONLY) && !maps) {
        if (net->num_layers == 1)
            return bnx_fail(err, BNX_EINVAL, "%s = %s normalises conv maps only, and layer 1 is "
                            "fully connected (model = %s reads its input as flat features: use "
                            "a model that reads maps, or another kind)", key, nl->ops->name,
                            net->model ? net->model->name : "?");
        return bnx_fail(err, BNX_EINVAL, "%s = %s normalises conv maps only, and layer %d is "
                        "fully connected (set norm_fc to another kind, or none)", key,
                        nl->ops->name, net->num_layers);
    }
    if (nl->ops->check && nl->ops->check(nl, err))
        return bnx_error_prefix(err, "%s = %s at layer %d (%d channels of %dx%d)", key,
                                nl->ops->name, net->num_layers, l->c, l->height, l->width);
    return BNX_OK;
}

/* Append a normalization layer of kind `kind` of the previous layer's shape. */
static int add_norm(bnx_net *net, const bnx_net_spec *spec, int kind, bnx_error *err)
{
    bnx_layer *l = bnx_layout_add_same(net, BNX_LAYER_NORM);
    return set_norm(net, l, spec, kind, l->spatial, "norm", err);
}

int bnx_layout_input_norm(bnx_net *net, const bnx_net_spec *spec, int maps, bnx_error *err)
{
    if (!spec->input_norm)
        return BNX_OK;
    bnx_layer *l = maps ? bnx_layout_add(net, BNX_LAYER_NORM, spec->in_c, spec->in_h, spec->in_w, 0)
                        : bnx_layout_add(net, BNX_LAYER_NORM, net->in_features, 1, 1, 0);
    return set_norm(net, l, spec, spec->input_norm, maps, "input_norm", err);
}

int bnx_layout_block(bnx_net *net, const bnx_net_spec *spec, int kind, int *preact,
                     bnx_error *err)
{
    int b = net->num_blocks, max = BNX_MAX_BLOCKS;
    if (b == max) /* refused by bnx_net_create */
        net->overflow = 1;
    else
        net->block_weight[net->num_blocks] = net->num_layers - 1;
    if (kind && spec->norm_placement == BNX_NORM_BEFORE && add_norm(net, spec, kind, err))
        return err ? err->code : BNX_EINVAL;
    if (preact)
        *preact = net->num_layers - 1;
    if (b < max)
        net->block_preact[net->num_blocks++] = net->num_layers - 1;
    bnx_layout_add_same(net, bnx_layout_activation(spec->activation));
    if (kind && spec->norm_placement == BNX_NORM_AFTER && add_norm(net, spec, kind, err))
        return err ? err->code : BNX_EINVAL;
    return BNX_OK;
}

int bnx_layout_norm_block(bnx_net *net, const bnx_net_spec *spec, int kind, bnx_error *err)
{
    if (net->num_blocks == BNX_MAX_BLOCKS) /* refused by bnx_net_create */
        net->overflow = 1;
    else
        net->block_weight[net->num_blocks] = net->num_layers - 1;
    if (kind && add_norm(net, spec, kind, err))
        return err ? err->code : BNX_EINVAL;
    if (net->num_blocks < BNX_MAX_BLOCKS)
        net->block_preact[net->num_blocks++] = net->num_layers - 1;
    return BNX_OK;
}

int bnx_layout_fc_head(bnx_net *net, const bnx_net_spec *spec, bnx_error *err)
{
    if (spec->hidden_layers < 1 || spec->hidden_layers > BNX_MAX_HIDDEN)
        return bnx_fail(err, BNX_EINVAL, "hidden_layers = %d is out of range (1 to %d)",
                        spec->hidden_layers, BNX_MAX_HIDDEN);
    if (spec->hidden_units < 1 || spec->hidden_units > BNX_MAX_UNITS)
        return bnx_fail(err, BNX_EINVAL, "hidden_units = %d is out of range (1 to %d)",
                        spec->hidden_units, BNX_MAX_UNITS);
    for (int k = 0; k < spec->hidden_layers; k++) {
        bnx_layout_add(net, BNX_LAYER_LINEAR, spec->hidden_units, 1, 1, 0);
        int rc = bnx_layout_block(net, spec, spec->norm_fc, &net->preact[net->num_hidden++], err);
        if (rc)
            return rc;
        if (spec->dropout > 0.0f)
            bnx_layout_add_same(net, BNX_LAYER_DROPOUT)->drop = spec->dropout;
    }
    bnx_layout_add(net, BNX_LAYER_LINEAR, spec->num_classes, 1, 1, 0);
    return BNX_OK;
}
