/* Eight floats (or eight int32), one AVX register: GCC's and clang's vector
 * extension, for the kernels whose loops the compiler left scalar when
 * written plainly (conv2d.c, groupnorm.c, batchnorm.c, pool.c).  Each lane
 * does the scalar code's operations in the scalar code's order, so a
 * vector loop gives the same bits as its plain twin.
 *
 * The types are unaligned (aligned(4)) and may alias float and int32
 * arrays, so BNX_V8_LOAD and BNX_V8_STORE read and write any float pointer
 * (vmovups).  Everything here is a macro: a function taking or returning a
 * vector is an ABI question in the baseline clone of a BNX_KERNEL function
 * (nn/kernel.h; GCC's -Wpsabi).
 *
 * Private to lib/nn; GCC and clang only. */
#ifndef BNX_NN_VEC8_H
#define BNX_NN_VEC8_H

#include <stdint.h>

#if !defined(__GNUC__)
#error "nn/vec8.h needs GCC's vector extension (GCC or clang)"
#endif

typedef float bnx_v8f __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t bnx_v8i __attribute__((vector_size(32), aligned(4), may_alias));

/* the 8 floats at p (any alignment) */
#define BNX_V8_LOAD(p) (*(const bnx_v8f *)(p))
/* the 8 floats at p (any alignment) set to the vector v */
#define BNX_V8_STORE(p, v) (*(bnx_v8f *)(p) = (v))
/* mask ? a : b, lane by lane; mask a bnx_v8i whose lanes are all ones or
 * all zeros (a vector comparison's result) */
#define BNX_V8_SELECT(mask, a, b) \
    ((bnx_v8f)(((mask) & (bnx_v8i)(a)) | (~(mask) & (bnx_v8i)(b))))
/* c > 0 ? v : +0, lane by lane: the ReLU's mask applied to v (a NaN c
 * gives +0, as the scalar `c > 0 ? v : 0`) */
#define BNX_V8_PASS(c, v) ((bnx_v8f)(((c) > (bnx_v8f){0}) & (bnx_v8i)(v)))

#endif
