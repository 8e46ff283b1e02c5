#include "nn/instancenorm.h"

#include "nn/groupnorm.h"

/* One value per channel and example (1x1 maps) is its own mean: the output
 * would be beta whatever the input. */
static int instance_check(const bnx_norm_layer *l, bnx_error *err)
{
    if (l->s < 2)
        return bnx_fail(err, BNX_EINVAL, "instance norm of 1x1 maps: each channel of an example "
                        "is one value, its own mean, so the output would be beta whatever the "
                        "input (use larger maps, fewer stride-2 stages, or another kind)");
    return BNX_OK;
}

BNX_GROUPNORM_KIND(bnx_instancenorm_ops, "instance",
                   "instance normalization (Ulyanov, Vedaldi & Lempitsky 2016)",
                   BNX_NORM_CANCELS_BIAS | BNX_NORM_MAPS_ONLY, instance_check, l->c);
