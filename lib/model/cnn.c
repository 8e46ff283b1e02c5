#include "model/cnn.h"

#include "model/layout.h"

static const char *const cnn_keys[] = {
    "input_norm", "conv_channels", "conv_kernel", "conv_stride", "conv_padding", "pool",
    "pool_size", "pool_every", "hidden_layers", "hidden_units", "activation", "norm", "norm_fc",
    "norm_placement", "dropout", "norm_gamma_init", NULL,
};

static int check(const bnx_net_spec *spec, bnx_error *err)
{
    if (spec->conv_layers < 1 || spec->conv_layers > BNX_MAX_CONV)
        return bnx_fail(err, BNX_EINVAL, "model = cnn: %d conv layers is out of range (1 to %d)",
                        spec->conv_layers, BNX_MAX_CONV);
    for (int k = 0; k < spec->conv_layers; k++)
        if (spec->conv_channels[k] < 1 || spec->conv_channels[k] > 4096)
            return bnx_fail(err, BNX_EINVAL, "conv layer %d: %d channels is out of range (1 to 4096)",
                            k + 1, spec->conv_channels[k]);
    if (spec->pool != BNX_POOL_NONE && (spec->pool_size < 1 || spec->pool_every < 1))
        return bnx_fail(err, BNX_EINVAL, "pool_size = %d and pool_every = %d must be at least 1",
                        spec->pool_size, spec->pool_every);
    return BNX_OK;
}

static int cnn_layout(bnx_net *net, const bnx_net_spec *spec, bnx_error *err)
{
    int rc = check(spec, err);
    if (rc || (rc = bnx_layout_input_norm(net, spec, 1, err)))
        return rc;
    int c = spec->in_c, h = spec->in_h, w = spec->in_w;
    for (int k = 0; k < spec->conv_layers; k++) {
        bnx_conv_geom g;
        rc = bnx_conv_geom_init(&g, c, h, w, spec->conv_channels[k], spec->conv_kernel,
                                spec->conv_kernel, spec->conv_stride, spec->conv_padding, err);
        if (rc) {
            bnx_error_prefix(err, "conv layer %d of conv_channels (input %dx%dx%d; conv_kernel, "
                             "conv_stride, conv_padding)", k + 1, c, h, w);
            return rc;
        }
        bnx_layout_add(net, BNX_LAYER_CONV, g.k, g.oh, g.ow, 1)->geom = g;
        if ((rc = bnx_layout_block(net, spec, spec->norm, NULL, err)))
            return rc;
        c = g.k, h = g.oh, w = g.ow;
        if (spec->pool != BNX_POOL_NONE && (k + 1) % spec->pool_every == 0) {
            int s = spec->pool_size;
            if (h < s || w < s)
                return bnx_fail(err, BNX_EINVAL, "pooling after conv layer %d: the %dx%d map is smaller "
                                "than the %dx%d window (raise pool_every, lower pool_size, or list "
                                "fewer conv_channels)", k + 1, h, w, s, s);
            bnx_layer *p = bnx_layout_add(net, spec->pool == BNX_POOL_MAX ? BNX_LAYER_MAXPOOL
                                                                          : BNX_LAYER_AVGPOOL,
                                          c, (h - s) / s + 1, (w - s) / s + 1, 1);
            p->geom = (bnx_conv_geom){.c = c, .h = h, .w = w, .k = c, .kh = s, .kw = s,
                                      .stride = s, .oh = p->height, .ow = p->width};
            h = p->height, w = p->width;
        }
    }
    bnx_layout_add(net, BNX_LAYER_FLATTEN, c * h * w, 1, 1, 0);
    return bnx_layout_fc_head(net, spec, err);
}

const bnx_model_ops bnx_cnn_ops = {
    .name = "cnn",
    .title = "[conv -> block] for each of conv_channels, pooled after every pool_every-th; "
             "flatten; then the mlp's layers (Section 4.2 at CPU scale)",
    .traits = BNX_MODEL_MAPS | BNX_MODEL_LARGE,
    .keys = cnn_keys,
    .layout = cnn_layout,
};
