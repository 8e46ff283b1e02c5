#include "nn/instancenorm.h"

#include "nn/groupnorm.h"

BNX_GROUPNORM_KIND(bnx_instancenorm_ops, "instance",
                   "instance normalization (Ulyanov, Vedaldi & Lempitsky 2016)",
                   BNX_NORM_CANCELS_BIAS | BNX_NORM_MAPS_ONLY, NULL, l->c);
