#include "model/lstm.h"

#include <stdint.h>

#include "model/layout.h"

static const char *const lstm_keys[] = {
    "hidden_layers", "hidden_units", "norm", "sequence", "permute", "permute_seed",
    "forget_bias", "norm_gamma_init", "rnn_stats", NULL,
};

static int lstm_layout(bnx_net *net, const bnx_net_spec *spec, bnx_error *err)
{
    int d = net->in_features, k = spec->seq_chunk;
    if (k < 1 || d % k != 0)
        return bnx_fail(err, BNX_EINVAL, "sequence = chunks:%d: the chunk must divide the "
                        "image's %d values (%dx%dx%d)", k, d, spec->in_c, spec->in_h, spec->in_w);
    if (spec->hidden_layers < 1 || spec->hidden_layers > BNX_MAX_HIDDEN)
        return bnx_fail(err, BNX_EINVAL, "hidden_layers = %d is out of range (1 to %d)",
                        spec->hidden_layers, BNX_MAX_HIDDEN);
    int steps = d / k, h = spec->hidden_units;
    if ((int64_t)steps * net->max_batch * 4 * h > INT32_MAX)
        return bnx_fail(err, BNX_EINVAL, "an LSTM of %d time steps and %d hidden units for "
                        "mini-batches of %d keeps more than 2^31 values per buffer", steps, h,
                        net->max_batch);
    bnx_layer *seq = bnx_layout_add_from(net, BNX_LAYER_SEQUENCE, -1, k, steps, 1, 0);
    seq->permute = spec->permute;
    seq->perm_seed = spec->permute_seed;
    for (int layer = 0; layer < spec->hidden_layers; layer++) {
        const bnx_layer *below = &net->layers[net->num_layers - 1];
        bnx_layer *l = bnx_layout_add(net, BNX_LAYER_LSTM, h, steps, 1, 0);
        l->lstm = (bnx_lstm){.steps = steps, .in = below->c, .hidden = h,
                             .max_batch = net->max_batch, .norm = bnx_norm_ops_of(spec->norm),
                             .hp = spec->norm_hp, .stats = (bnx_rnn_stats)spec->rnn_stats};
        int rc = bnx_lstm_check(&l->lstm, err);
        if (rc)
            return rc;
    }
    bnx_layout_add(net, BNX_LAYER_LAST_STEP, h, 1, 1, 0);
    bnx_layout_add(net, BNX_LAYER_LINEAR, spec->num_classes, 1, 1, 0);
    return BNX_OK;
}

const bnx_model_ops bnx_lstm_ops = {
    .name = "lstm",
    .title = "the image as a sequence (rows, pixels or chunks), LSTM x hidden_layers "
             "(none, recurrent BN or layer norm), the last step's hidden state, the output "
             "layer (Cooijmans et al. 2016)",
    .traits = BNX_MODEL_LARGE,
    .keys = lstm_keys,
    .layout = lstm_layout,
};
