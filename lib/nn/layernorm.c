#include "nn/layernorm.h"

#include "nn/groupnorm.h"

BNX_GROUPNORM_KIND(bnx_layernorm_ops, "layer", "layer normalization (Ba, Kiros & Hinton 2016)", 0,
                   NULL, 1);
