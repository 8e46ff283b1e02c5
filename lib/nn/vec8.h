/* Eight floats (or eight int32), one AVX register, and sixteen floats:
 * GCC's and clang's vector extension, for the kernels whose loops the
 * compiler left scalar when written plainly (conv2d.c, groupnorm.c,
 * batchnorm.c, pool.c, lstm.c).  Each lane
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

/* Sixteen floats: one AVX-512 register in an x86-64-v4 function, two AVX
 * registers (four SSE ones) elsewhere, where GCC splits the operations;
 * each lane's operations are the same at every width, so a kernel written
 * in these gives the same bits in every clone.  For the x86-64-v4 kernels
 * (conv2d.c's 16-float convolutions) and the LSTM cell's (lstm.c). */
typedef float bnx_v16f __attribute__((vector_size(64), aligned(4), may_alias));

/* the 16 floats at p (any alignment) */
#define BNX_V16_LOAD(p) (*(const bnx_v16f *)(p))
/* the 16 floats at p (any alignment) set to the vector v */
#define BNX_V16_STORE(p, v) (*(bnx_v16f *)(p) = (v))

#endif
