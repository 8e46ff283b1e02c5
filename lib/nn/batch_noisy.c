#include "nn/batch_noisy.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "nn/batchnorm.h"
#include "nn/kernel.h"

enum { NOISE_SCALE = BNX_BATCHNORM_BUFFERS, NUM_BUFFERS };

static const bnx_norm_buffer buffers[NUM_BUFFERS] = {
    BNX_BATCHNORM_BUFFER_LIST,
    {"noise_scale", BNX_NB_VALUE, 0, 0, 1.0f},
};

/* ---- the noise: Philox4x32-10 blocks, Box-Muller in float lanes ---- */

enum { LANES = 32, BLOCK = 2 * LANES }; /* a block: 32 Philox outputs, 64 values */

static inline float bits_as_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t float_as_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ln x for x in (0, 1] (normal, not subnormal): x = 2^e m with m in
 * [sqrt(1/2), sqrt(2)), ln m = 2 atanh(t), t = (m - 1) / (m + 1), |t| <
 * 0.172, by its series to t^9 (truncation below 3e-9 of the result). */
static inline __attribute__((always_inline)) float log_unit(float x)
{
    uint32_t u = float_as_bits(x);
    int e = (int)(u >> 23) - 127;
    float m = bits_as_float((u & 0x007fffffu) | 0x3f800000u); /* [1, 2) */
    int big = m > 1.41421356f;
    m = big ? 0.5f * m : m;
    e += big;
    float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    float series = 1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9))));
    return (float)e * 0.693147181f + 2.0f * t * series;
}

/* cos and sin of 2 pi u for u = (q + f) / 4, q in 0..3 the quadrant and f
 * in [0, 1): the angle within the quadrant is moved to [-pi/4, pi/4), where
 * Taylor polynomials to x^9 (sin) and x^8 (cos) err by under 3e-8. */
static inline __attribute__((always_inline)) void cos_sin_turn(uint32_t q, float f, float *c, float *s)
{
    float x = (f - 0.5f) * 1.57079633f, x2 = x * x;
    float sx = x * (1.0f - x2 * (1.0f / 6) * (1.0f - x2 * (1.0f / 20) *
                                              (1.0f - x2 * (1.0f / 42) * (1.0f - x2 * (1.0f / 72)))));
    float cx = 1.0f - x2 * 0.5f * (1.0f - x2 * (1.0f / 12) *
                                    (1.0f - x2 * (1.0f / 30) * (1.0f - x2 * (1.0f / 56))));
    /* angle = x + pi/4 within the quadrant */
    float ca = (cx - sx) * 0.707106781f, sa = (cx + sx) * 0.707106781f;
    *c = q == 0 ? ca : q == 1 ? -sa : q == 2 ? -ca : sa;
    *s = q == 0 ? sa : q == 1 ? ca : q == 2 ? -sa : -ca;
}

/* Philox4x32-10 (bnx_philox4x32) of the counters (32 b + j, 0, 0, 0), j <
 * LANES, under key: word k of output j in w[k][j].  Integer arithmetic: the
 * AVX2 version below gives the same bits. */
static void philox_lanes(const uint32_t key[2], uint32_t b, uint32_t w[4][LANES])
{
    for (int j = 0; j < LANES; j++) {
        uint32_t ctr[4] = {b * LANES + (uint32_t)j, 0, 0, 0}, out[4];
        bnx_philox4x32(ctr, key, out);
        for (int k = 0; k < 4; k++)
            w[k][j] = out[k];
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define HAVE_AVX2_LANES 1

/* hi and lo words of the 32x32-bit products a[j] * m, eight lanes at once */
__attribute__((target("avx2"))) static inline void mulhilo8(__m256i a, __m256i m, __m256i *hi,
                                                            __m256i *lo)
{
    __m256i even = _mm256_mul_epu32(a, m), odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

__attribute__((target("avx2"))) static void philox_lanes_avx2(const uint32_t key[2], uint32_t b,
                                                              uint32_t w[4][LANES])
{
    enum { V = LANES / 8 }; /* independent vectors, for the multipliers' latency */
    const __m256i m0 = _mm256_set1_epi32((int)0xD2511F53u), m1 = _mm256_set1_epi32((int)0xCD9E8D57u);
    __m256i c0[V], c1[V], c2[V], c3[V];
    for (int v = 0; v < V; v++) {
        c0[v] = _mm256_add_epi32(_mm256_set1_epi32((int)(b * LANES + 8u * (uint32_t)v)),
                                 _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        c1[v] = c2[v] = c3[v] = _mm256_setzero_si256();
    }
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        __m256i key0 = _mm256_set1_epi32((int)k0), key1 = _mm256_set1_epi32((int)k1);
        for (int v = 0; v < V; v++) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo8(c0[v], m0, &hi0, &lo0);
            mulhilo8(c2[v], m1, &hi1, &lo1);
            c0[v] = _mm256_xor_si256(_mm256_xor_si256(hi1, c1[v]), key0);
            c2[v] = _mm256_xor_si256(_mm256_xor_si256(hi0, c3[v]), key1);
            c1[v] = lo1;
            c3[v] = lo0;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int v = 0; v < V; v++) {
        _mm256_storeu_si256((__m256i *)(w[0] + 8 * v), c0[v]);
        _mm256_storeu_si256((__m256i *)(w[1] + 8 * v), c1[v]);
        _mm256_storeu_si256((__m256i *)(w[2] + 8 * v), c2[v]);
        _mm256_storeu_si256((__m256i *)(w[3] + 8 * v), c3[v]);
    }
}

/* The same in 16 lanes (AVX-512): the same bits, integer arithmetic. */
#define HAVE_AVX512_LANES 1

__attribute__((target("avx512f"))) static inline void mulhilo16(__m512i a, __m512i m,
                                                                 __m512i *hi, __m512i *lo)
{
    __m512i even = _mm512_mul_epu32(a, m), odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
    *lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
    *hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

__attribute__((target("avx512f"))) static void philox_lanes_avx512(const uint32_t key[2],
                                                                   uint32_t b,
                                                                   uint32_t w[4][LANES])
{
    enum { V = LANES / 16 };
    const __m512i m0 = _mm512_set1_epi32((int)0xD2511F53u), m1 = _mm512_set1_epi32((int)0xCD9E8D57u);
    __m512i c0[V], c1[V], c2[V], c3[V];
    for (int v = 0; v < V; v++) {
        c0[v] = _mm512_add_epi32(_mm512_set1_epi32((int)(b * LANES + 16u * (uint32_t)v)),
                                 _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                                   14, 15));
        c1[v] = c2[v] = c3[v] = _mm512_setzero_si512();
    }
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        __m512i key0 = _mm512_set1_epi32((int)k0), key1 = _mm512_set1_epi32((int)k1);
        for (int v = 0; v < V; v++) {
            __m512i hi0, lo0, hi1, lo1;
            mulhilo16(c0[v], m0, &hi0, &lo0);
            mulhilo16(c2[v], m1, &hi1, &lo1);
            c0[v] = _mm512_xor_si512(_mm512_xor_si512(hi1, c1[v]), key0);
            c2[v] = _mm512_xor_si512(_mm512_xor_si512(hi0, c3[v]), key1);
            c1[v] = lo1;
            c3[v] = lo0;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int v = 0; v < V; v++) {
        _mm512_storeu_si512(w[0] + 16 * v, c0[v]);
        _mm512_storeu_si512(w[1] + 16 * v, c1[v]);
        _mm512_storeu_si512(w[2] + 16 * v, c2[v]);
        _mm512_storeu_si512(w[3] + 16 * v, c3[v]);
    }
}
#endif

/* Block b of a forward's noise (values 64 b .. 64 b + 63) from the words
 * w of philox_lanes: lane j gives values 2j and 2j + 1, a Box-Muller pair
 * (word 0, 24 bits: u1 in (0, 1]; word 1: the quadrant and 24 bits of
 * angle) for the two scales and a 24-bit uniform each (words 2 and 3) for
 * the two shifts.  scale = sigma + z N(0, 1), shift = mu + w (2 U - 1). */
static inline __attribute__((always_inline)) void noise_block(uint32_t w[4][LANES], float mu,
                                                              float sigma, float wd, float z,
                                                              float scale[BLOCK],
                                                              float shift[BLOCK])
{
    const float unit = 1.0f / 16777216.0f; /* 2^-24 */
    for (int j = 0; j < LANES; j++) {
        float u1 = (float)(int32_t)((w[0][j] >> 8) + 1) * unit;
        float r = sqrtf(-2.0f * log_unit(u1)), c, s;
        cos_sin_turn(w[1][j] >> 30, (float)(int32_t)((w[1][j] >> 6) & 0xffffffu) * unit, &c, &s);
        scale[2 * j] = sigma + z * (r * c);
        scale[2 * j + 1] = sigma + z * (r * s);
        shift[2 * j] = mu + wd * (2.0f * ((float)(int32_t)(w[2][j] >> 8) * unit) - 1.0f);
        shift[2 * j + 1] = mu + wd * (2.0f * ((float)(int32_t)(w[3][j] >> 8) * unit) - 1.0f);
    }
}

/* The generator of this CPU: 0 portable, 1 AVX2, 2 AVX-512 (16 lanes,
 * and the float work in 16-float vectors: x86-64-v4). */
static int lanes_kind(void)
{
#ifdef HAVE_AVX2_LANES
    if (bnx_kernel_avx512())
        return 2;
    if (__builtin_cpu_supports("avx2"))
        return 1;
#endif
    return 0;
}

/* Block b of bnx_batch_noisy_apply's work, inlined into each entry point
 * below (the target clones and the x86-64-v4 one), whose loop over the
 * blocks is theirs (an OpenMP region outlined from an inline function
 * would be built for no target): the float operations are the same
 * elementwise ones in every build (no contraction in ISO C), so the same
 * bits whatever the vector width. */
static inline __attribute__((always_inline)) void apply_block(int kind, const uint32_t key[2],
                                                              long b, long count, float mu,
                                                              float sigma, float w, float z,
                                                              float *y, float *scale, float *r)
{
    uint32_t words[4][LANES];
    float s[BLOCK], m[BLOCK];
    (void)kind;
#ifdef HAVE_AVX2_LANES
    if (kind == 2)
        philox_lanes_avx512(key, (uint32_t)b, words);
    else if (kind == 1)
        philox_lanes_avx2(key, (uint32_t)b, words);
    else
#endif
        philox_lanes(key, (uint32_t)b, words);
    noise_block(words, mu, sigma, w, z, s, m);
    long first = b * BLOCK, n = count - first < BLOCK ? count - first : BLOCK;
    float *yb = y + first, *sb = scale + first;
    if (r) { /* the ReLU, and its mask kept in the sign-preserving zeros of scale */
        float *rb = r + first;
        for (long i = 0; i < n; i++) {
            float v = s[i] * yb[i] + m[i];
            yb[i] = v;
            rb[i] = v > 0.0f ? v : 0.0f;
            sb[i] = v > 0.0f ? s[i] : s[i] * 0.0f;
        }
    } else {
        for (long i = 0; i < n; i++) {
            sb[i] = s[i];
            yb[i] = s[i] * yb[i] + m[i];
        }
    }
}

BNX_KERNEL
static void apply_clones(int kind, const uint32_t key[2], long count, float mu, float sigma,
                         float w, float z, float *y, float *scale, float *r)
{
    long blocks = (count + BLOCK - 1) / BLOCK;
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (long b = 0; b < blocks; b++)
        apply_block(kind, key, b, count, mu, sigma, w, z, y, scale, r);
}

#ifdef HAVE_AVX512_LANES
__attribute__((target("arch=x86-64-v4"))) static void apply_v4(const uint32_t key[2], long count,
                                                               float mu, float sigma, float w,
                                                               float z, float *y, float *scale,
                                                               float *r)
{
    long blocks = (count + BLOCK - 1) / BLOCK;
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (long b = 0; b < blocks; b++)
        apply_block(2, key, b, count, mu, sigma, w, z, y, scale, r);
}
#endif

void bnx_batch_noisy_apply(const uint32_t key[2], long count, float mu, float sigma, float w,
                           float z, float *y, float *scale, float *r)
{
    int kind = lanes_kind();
#ifdef HAVE_AVX512_LANES
    if (kind == 2) {
        apply_v4(key, count, mu, sigma, w, z, y, scale, r);
        return;
    }
#endif
    apply_clones(kind, key, count, mu, sigma, w, z, y, scale, r);
}

BNX_KERNEL
void bnx_batch_noisy_scale_grad(long count, const float *scale, const float *dy, float *dx)
{
    BNX_OMP("omp parallel for schedule(static) if (count >= 32768)")
    for (long i = 0; i < count; i++) /* elementwise: dx may alias dy */
        dx[i] = scale[i] == 0.0f ? scale[i] : scale[i] * dy[i];
}

/* Batch norm, then (with BNX_FWD_NOISE) the noise; with r (forward_relu)
 * also r = max(y, 0), and noise_scale holds s where y > 0 and s * 0 (a
 * zero of s's sign) elsewhere, so that backward_relu's scale[i] == 0 ?
 * scale[i] : scale[i] dr[i] is the ReLU's mask, then s times it, in one
 * pass and the same bits (exact unless some s is itself 0: |z N| < sigma
 * at the defaults rules that out). */
static void forward_relu(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                         float *r, unsigned flags)
{
    float *scale = l->buf[NOISE_SCALE];
    long count = (long)v->n * v->c * v->s;
    if (!(flags & BNX_FWD_NOISE)) {
        if (r)
            bnx_batchnorm_ops.forward_relu(l, v, x, y, r, flags);
        else
            bnx_batchnorm_ops.forward(l, v, x, y, flags);
        if (flags & BNX_FWD_BATCH_STATS) /* a backward may follow: through plain BN */
            for (long i = 0; i < count; i++)
                scale[i] = !r || y[i] > 0.0f ? 1.0f : 0.0f;
        return;
    }
    bnx_batchnorm_ops.forward(l, v, x, y, flags);
    const bnx_norm_hyper *hp = &l->hp;
    double mu = hp->noise_u * (2.0 * bnx_rng_uniform(l->rng) - 1.0);
    double sigma = 1.0 + (hp->noise_v - 1.0) * bnx_rng_uniform(l->rng);
    uint32_t key[2];
    key[0] = bnx_rng_u32(l->rng);
    key[1] = bnx_rng_u32(l->rng);
    bnx_batch_noisy_apply(key, count, (float)mu, (float)sigma, hp->noise_w, hp->noise_z, y, scale,
                          r);
}

static void forward(bnx_norm_layer *l, const bnx_norm_view *v, const float *x, float *y,
                    unsigned flags)
{
    forward_relu(l, v, x, y, NULL, flags);
}

/* dL/da = s dL/da' (s held fixed), then batch norm's backward.  After
 * forward_relu, noise_scale carries the ReLU's mask as well (above). */
static void backward(bnx_norm_layer *l, const bnx_norm_view *v, const float *dy, float *dx)
{
    bnx_batch_noisy_scale_grad((long)v->n * v->c * v->s, l->buf[NOISE_SCALE], dy, dx);
    bnx_batchnorm_ops.backward(l, v, dx, dx);
}

static void population(bnx_norm_layer *l, int phase, int batches, long m)
{
    bnx_batchnorm_ops.population(l, phase, batches, m); /* Algorithm 2 sees no noise */
}

/* Inference is batch norm's (no noise without BNX_FWD_NOISE). */
static int infer_affine(const bnx_norm_layer *l, unsigned flags, float *scale, float *shift)
{
    return !(flags & BNX_FWD_NOISE) && bnx_batchnorm_ops.infer_affine(l, flags, scale, shift);
}

const bnx_norm_ops bnx_batch_noisy_ops = {
    .name = "batch_noisy",
    .title = "noisy batch normalization (Santurkar et al. 2018, Section 2.1)",
    .traits = BNX_NORM_USES_BATCH | BNX_NORM_RUNNING | BNX_NORM_RNG | BNX_NORM_CANCELS_BIAS,
    .num_buffers = NUM_BUFFERS,
    .buffers = buffers,
    .forward = forward,
    .backward = backward,
    .population = population,
    .forward_relu = forward_relu,
    .backward_relu = backward,
    .infer_affine = infer_affine,
};
