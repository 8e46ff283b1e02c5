#include "model/resnet.h"

#include "model/layout.h"
#include "nn/residual.h"

static const char *const resnet_keys[] = {
    "depth", "width", "norm", "shortcut", "zero_init_residual", "norm_gamma_init", NULL,
};
/* plain reads zero_init_residual only to refuse it */
static const char *const plain_keys[] = {"depth", "width", "norm", "zero_init_residual",
                                         "norm_gamma_init", NULL};

#define MAX_DEPTH 56

/* Append a 3x3 (or, with kernel 1, 1x1 without padding) convolution of
 * layer `from`'s maps to k channels at `stride`. */
static int add_conv(bnx_net *net, int from, int kernel, int k, int stride, bnx_error *err)
{
    const bnx_layer *in = &net->layers[from];
    bnx_conv_geom g;
    int rc = bnx_conv_geom_init(&g, in->c, in->height, in->width, k, kernel, kernel, stride,
                                kernel / 2, err);
    if (rc == BNX_OK)
        bnx_layout_add_from(net, BNX_LAYER_CONV, from, g.k, g.oh, g.ow, 1)->geom = g;
    return rc;
}

/* The last layer's zero_init: the normalization just appended, or (none)
 * the convolution. */
static void zero_last(bnx_net *net)
{
    net->layers[net->num_layers - 1].zero_init = 1;
}

/* One basic block reading layer `x` (its input), with k channels at
 * `stride`; residual = 0 leaves out the shortcut and the addition. */
static int basic_block(bnx_net *net, const bnx_net_spec *spec, int x, int k, int stride,
                       int residual, bnx_error *err)
{
    const bnx_layer *in = &net->layers[x];
    int shortcut = x, rc;
    if (residual && (stride != 1 || in->c != k)) {
        if (spec->shortcut == BNX_SHORTCUT_B) {
            if ((rc = add_conv(net, x, 1, k, stride, err)) ||
                (rc = bnx_layout_norm_block(net, spec, spec->norm, err)))
                return rc;
        } else {
            int side_h = bnx_shortcut_side(in->height, stride), side_w = bnx_shortcut_side(in->width, stride);
            bnx_layer *s = bnx_layout_add_from(net, BNX_LAYER_SHORTCUT, x, k, side_h, side_w, 1);
            s->geom = (bnx_conv_geom){.c = in->c, .h = in->height, .w = in->width, .k = k,
                                      .kh = 1, .kw = 1, .stride = stride, .oh = side_h,
                                      .ow = side_w};
        }
        shortcut = net->num_layers - 1;
    }
    if ((rc = add_conv(net, x, 3, k, stride, err)) ||
        (rc = bnx_layout_block(net, spec, spec->norm, NULL, err)) ||
        (rc = add_conv(net, net->num_layers - 1, 3, k, 1, err)) ||
        (rc = bnx_layout_norm_block(net, spec, spec->norm, err)))
        return rc;
    if (spec->zero_init_residual)
        zero_last(net);
    if (residual)
        bnx_layout_add_same(net, BNX_LAYER_ADD)->shortcut = shortcut;
    bnx_layout_add_same(net, BNX_LAYER_RELU);
    return BNX_OK;
}

static int layout(bnx_net *net, const bnx_net_spec *given, int residual, bnx_error *err)
{
    const char *name = residual ? "resnet" : "plain";
    if (given->depth < 8 || given->depth > MAX_DEPTH || (given->depth - 2) % 6 != 0)
        return bnx_fail(err, BNX_EINVAL, "model = %s: depth = %d is not 6n + 2 between 8 and %d "
                        "(8, 14, 20, 26, 32, 38, 44, 50, 56)", name, given->depth, MAX_DEPTH);
    if (given->width < 1 || given->width > 256)
        return bnx_fail(err, BNX_EINVAL, "model = %s: width = %d is out of range (1 to 256)", name,
                        given->width);
    if (given->in_h != given->in_w || given->in_h < 4)
        return bnx_fail(err, BNX_EINVAL, "model = %s needs square images of at least 4x4 (its two "
                        "stride-2 stages halve the side twice; global average pooling reads a "
                        "square map), and the input is %dx%d", name, given->in_h, given->in_w);
    if (!residual && given->zero_init_residual)
        return bnx_fail(err, BNX_EINVAL, "model = plain: zero_init_residual = true would start "
                        "every block's output at zero, and without shortcuts nothing would pass "
                        "(use model = resnet)");
    bnx_net_spec spec = *given; /* the block's order is fixed: conv, norm, ReLU */
    spec.activation = BNX_ACT_RELU;
    spec.norm_placement = BNX_NORM_BEFORE;
    net->activation = BNX_ACT_RELU; /* the init's gain */
    int n = (spec.depth - 2) / 6, rc;
    bnx_conv_geom g;
    if ((rc = bnx_conv_geom_init(&g, spec.in_c, spec.in_h, spec.in_w, spec.width, 3, 3, 1, 1, err)))
        return rc;
    bnx_layout_add(net, BNX_LAYER_CONV, g.k, g.oh, g.ow, 1)->geom = g;
    if ((rc = bnx_layout_block(net, &spec, spec.norm, NULL, err)))
        return rc;
    for (int s = 0; s < 3; s++)
        for (int b = 0; b < n; b++)
            if ((rc = basic_block(net, &spec, net->num_layers - 1, spec.width << s,
                                  s > 0 && b == 0 ? 2 : 1, residual, err)))
                return rc;
    const bnx_layer *last = &net->layers[net->num_layers - 1];
    int c = last->c, side = last->height;
    bnx_layer *pool = bnx_layout_add(net, BNX_LAYER_AVGPOOL, c, 1, 1, 1);
    pool->geom = (bnx_conv_geom){.c = c, .h = side, .w = side, .k = c, .kh = side, .kw = side,
                                 .stride = side, .oh = 1, .ow = 1};
    bnx_layout_add(net, BNX_LAYER_FLATTEN, c, 1, 1, 0);
    bnx_layout_add(net, BNX_LAYER_LINEAR, spec.num_classes, 1, 1, 0);
    return BNX_OK;
}

static int resnet_layout(bnx_net *net, const bnx_net_spec *spec, bnx_error *err)
{
    return layout(net, spec, 1, err);
}

static int plain_layout(bnx_net *net, const bnx_net_spec *spec, bnx_error *err)
{
    return layout(net, spec, 0, err);
}

const bnx_model_ops bnx_resnet_ops = {
    .name = "resnet",
    .title = "He et al.'s CIFAR ResNet (2016, Section 4.2): a conv stem, three stages of "
             "(depth - 2) / 6 basic blocks with shortcuts (width, 2x, 4x channels), global "
             "average pooling, a linear layer",
    .traits = BNX_MODEL_MAPS | BNX_MODEL_LARGE,
    .keys = resnet_keys,
    .layout = resnet_layout,
};

const bnx_model_ops bnx_plain_ops = {
    .name = "plain",
    .title = "model = resnet without the shortcuts and additions "
             "(He et al.'s plain baseline, Section 4.2)",
    .traits = BNX_MODEL_MAPS | BNX_MODEL_LARGE,
    .keys = plain_keys,
    .layout = plain_layout,
};
