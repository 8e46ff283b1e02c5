#include "model/mlp.h"

#include "model/layout.h"

static const char *const mlp_keys[] = {
    "input_constant", "input_two_level", "input_norm", "hidden_layers", "hidden_units",
    "activation", "norm", "norm_fc", "norm_placement", "dropout", "norm_gamma_init", NULL,
};

static int mlp_layout(bnx_net *net, const bnx_net_spec *spec, bnx_error *err)
{
    int rc = bnx_layout_input_norm(net, spec, 0, err);
    return rc ? rc : bnx_layout_fc_head(net, spec, err);
}

const bnx_model_ops bnx_mlp_ops = {
    .name = "mlp",
    .title = "fully connected: [linear -> block -> dropout] x hidden_layers, then the output "
             "layer (Section 4.1, Fig. 1)",
    .traits = BNX_MODEL_FLAT_INPUT,
    .keys = mlp_keys,
    .layout = mlp_layout,
};

int bnx_mlp_create(bnx_net *net, const bnx_mlp_spec *m, int max_batch, bnx_error *err)
{
    bnx_net_spec spec = {
        .model = &bnx_mlp_ops,
        .in_c = 1, .in_h = 1, .in_w = m->in_features,
        .num_classes = m->num_classes,
        .pool = BNX_POOL_NONE,
        .hidden_layers = m->hidden_layers,
        .hidden_units = m->hidden_units,
        .activation = m->activation,
        .norm = m->norm,
        .norm_fc = m->norm,
        .norm_placement = BNX_NORM_BEFORE,
        .norm_hp = m->norm_hp,
    };
    return bnx_net_create(net, &spec, max_batch, err);
}
