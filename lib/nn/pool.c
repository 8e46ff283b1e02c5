#include "nn/pool.h"

#include <string.h>

#include "nn/kernel.h"
#include "nn/vec8.h"

/* The common 2x2 window with stride 2, branch-free: the same comparisons in
 * the same order as the general loop below (a later value wins if
 * greater, or if it is NaN), eight outputs at a time where a row has at
 * least eight (its last eight done last, over outputs already written:
 * the same values again), one at a time in narrower rows. */
#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector) /* GCC 12, clang */
#define POOL_VECTORS 1
#endif
#endif
#ifdef POOL_VECTORS

/* Outputs ox .. ox + 7 of the row pair r0, r1 (w apart), at is r0's
 * index in the plane. */
static inline __attribute__((always_inline)) void
max8(const float *r0, const float *r1, int w, int32_t at, float *o, int32_t *a)
{
    const bnx_v8f x0 = BNX_V8_LOAD(r0), x1 = BNX_V8_LOAD(r0 + 8);
    const bnx_v8f y0 = BNX_V8_LOAD(r1), y1 = BNX_V8_LOAD(r1 + 8);
    const bnx_v8f v0 = __builtin_shufflevector(x0, x1, 0, 2, 4, 6, 8, 10, 12, 14);
    const bnx_v8f v1 = __builtin_shufflevector(x0, x1, 1, 3, 5, 7, 9, 11, 13, 15);
    const bnx_v8f v2 = __builtin_shufflevector(y0, y1, 0, 2, 4, 6, 8, 10, 12, 14);
    const bnx_v8f v3 = __builtin_shufflevector(y0, y1, 1, 3, 5, 7, 9, 11, 13, 15);
    const bnx_v8i pos = (bnx_v8i){0, 2, 4, 6, 8, 10, 12, 14} + at;
    bnx_v8f m = v0;
    bnx_v8i best = pos;
    bnx_v8i t = (v1 > m) | (v1 != v1);
    m = BNX_V8_SELECT(t, v1, m), best = (t & (pos + 1)) | (~t & best);
    t = (v2 > m) | (v2 != v2);
    m = BNX_V8_SELECT(t, v2, m), best = (t & (pos + w)) | (~t & best);
    t = (v3 > m) | (v3 != v3);
    m = BNX_V8_SELECT(t, v3, m), best = (t & (pos + w + 1)) | (~t & best);
    BNX_V8_STORE(o, m);
    *(bnx_v8i *)a = best;
}
#else
#define POOL_VECTORS 0
#endif

static inline __attribute__((always_inline)) void
max1(const float *r0, const float *r1, int w, int32_t at, float *o, int32_t *a)
{
    float v0 = r0[0], v1 = r0[1], v2 = r1[0], v3 = r1[1];
    float m = v0;
    int32_t best = at;
    int t1 = v1 > m || v1 != v1;
    m = t1 ? v1 : m;
    best = t1 ? at + 1 : best;
    int t2 = v2 > m || v2 != v2;
    m = t2 ? v2 : m;
    best = t2 ? at + w : best;
    int t3 = v3 > m || v3 != v3;
    m = t3 ? v3 : m;
    best = t3 ? at + w + 1 : best;
    *o = m;
    *a = best;
}

static inline __attribute__((always_inline)) void
maxpool2_plane(int h, int w, const float *in, float *out, int32_t *arg)
{
    const int oh = h / 2, ow = w / 2;
    for (int oy = 0; oy < oh; oy++) {
        const float *r0 = in + (size_t)(2 * oy) * w, *r1 = r0 + w;
        float *o = out + (size_t)oy * ow;
        int32_t *a = arg + (size_t)oy * ow;
        const int32_t base = 2 * oy * w;
        int ox = 0;
#if POOL_VECTORS
        if (ow >= 8) {
            for (; ox + 8 <= ow; ox += 8)
                max8(r0 + 2 * ox, r1 + 2 * ox, w, base + 2 * ox, o + ox, a + ox);
            if (ox < ow)
                max8(r0 + 2 * (ow - 8), r1 + 2 * (ow - 8), w, base + 2 * (ow - 8), o + ow - 8,
                     a + ow - 8);
            continue;
        }
#endif
        for (; ox < ow; ox++)
            max1(r0 + 2 * ox, r1 + 2 * ox, w, base + 2 * ox, o + ox, a + ox);
    }
}

BNX_KERNEL
void bnx_maxpool_forward(int planes, int h, int w, int size, int stride, const float *x,
                         float *y, int32_t *argmax)
{
    const int oh = (h - size) / stride + 1, ow = (w - size) / stride + 1;
    if (size == 2 && stride == 2) {
        BNX_OMP("omp parallel for schedule(static) if ((long)planes * h * w >= 32768)")
        for (int p = 0; p < planes; p++)
            maxpool2_plane(h, w, x + (size_t)p * h * w, y + (size_t)p * oh * ow,
                           argmax + (size_t)p * oh * ow);
        return;
    }
    BNX_OMP("omp parallel for schedule(static) if ((long)planes * h * w >= 32768)")
    for (int p = 0; p < planes; p++) {
        const float *in = x + (size_t)p * h * w;
        float *out = y + (size_t)p * oh * ow;
        int32_t *arg = argmax + (size_t)p * oh * ow;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                int best = oy * stride * w + ox * stride;
                float m = in[best];
                for (int i = 0; i < size; i++)
                    for (int j = 0; j < size; j++) {
                        int at = (oy * stride + i) * w + ox * stride + j;
                        float v = in[at];
                        if (v > m || v != v) { /* as PyTorch: a NaN always wins */
                            m = v;
                            best = at;
                        }
                    }
                out[oy * ow + ox] = m;
                arg[oy * ow + ox] = best;
            }
    }
}

void bnx_maxpool_backward(int planes, int h, int w, int size, int stride, const float *dy,
                          const int32_t *argmax, float *dx)
{
    const int oh = (h - size) / stride + 1, ow = (w - size) / stride + 1;
    BNX_OMP("omp parallel for schedule(static) if ((long)planes * h * w >= 32768)")
    for (int p = 0; p < planes; p++) {
        float *out = dx + (size_t)p * h * w;
        const float *g = dy + (size_t)p * oh * ow;
        const int32_t *arg = argmax + (size_t)p * oh * ow;
        memset(out, 0, sizeof(float) * (size_t)h * w);
        for (int t = 0; t < oh * ow; t++)
            out[arg[t]] += g[t];
    }
}

/* The window sum divided by size*size, as PyTorch does (not multiplied by
 * its reciprocal). */
BNX_KERNEL
void bnx_avgpool_forward(int planes, int h, int w, int size, int stride, const float *x,
                         float *y)
{
    const int oh = (h - size) / stride + 1, ow = (w - size) / stride + 1;
    const float area = (float)(size * size);
    BNX_OMP("omp parallel for schedule(static) if ((long)planes * h * w >= 32768)")
    for (int p = 0; p < planes; p++) {
        const float *in = x + (size_t)p * h * w;
        float *out = y + (size_t)p * oh * ow;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float s = 0.0f;
                for (int i = 0; i < size; i++) {
                    const float *row = in + (size_t)(oy * stride + i) * w + ox * stride;
                    for (int j = 0; j < size; j++)
                        s += row[j];
                }
                out[oy * ow + ox] = s / area;
            }
    }
}

BNX_KERNEL
void bnx_avgpool_backward(int planes, int h, int w, int size, int stride, const float *dy,
                          float *dx)
{
    const int oh = (h - size) / stride + 1, ow = (w - size) / stride + 1;
    const float area = (float)(size * size);
    BNX_OMP("omp parallel for schedule(static) if ((long)planes * h * w >= 32768)")
    for (int p = 0; p < planes; p++) {
        float *out = dx + (size_t)p * h * w;
        const float *g = dy + (size_t)p * oh * ow;
        memset(out, 0, sizeof(float) * (size_t)h * w);
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float v = g[oy * ow + ox] / area;
                for (int i = 0; i < size; i++) {
                    float *row = out + (size_t)(oy * stride + i) * w + ox * stride;
                    for (int j = 0; j < size; j++)
                        row[j] += v;
                }
            }
    }
}
