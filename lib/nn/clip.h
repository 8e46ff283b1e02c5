/* Clipping a gradient by its global L2 norm, with
 * torch.nn.utils.clip_grad_norm_'s semantics (PyTorch 1.13, norm_type 2):
 * every gradient scaled by max_norm / (norm + 1e-6) when that is below 1. */
#ifndef BNX_NN_CLIP_H
#define BNX_NN_CLIP_H

/* The L2 norm of g[0..count) (summed in double); if max_norm > 0 and
 * max_norm / (norm + 1e-6) < 1, every g[i] is multiplied by that factor
 * (as float).  Returns the norm before clipping (inf or NaN when g holds
 * them: then g is scaled by 0 or NaN as PyTorch's would be).  PyTorch sums
 * per tensor and then over tensors; the norms agree to rounding.  Never
 * fails. */
double bnx_clip_grad_norm(long count, float *g, double max_norm);

#endif
