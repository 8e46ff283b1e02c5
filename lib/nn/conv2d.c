#include "nn/conv2d.h"

#include <cblas.h>
#include <limits.h>
#include <string.h>

#include "nn/kernel.h"

static int positive(int v, const char *what, bnx_error *err)
{
    if (v < 1)
        return bnx_fail(err, BNX_EINVAL, "convolution %s %d is out of range (at least 1)", what, v);
    return BNX_OK;
}

static int fits(long long v, const char *what, bnx_error *err)
{
    if (v > INT_MAX)
        return bnx_fail(err, BNX_EINVAL, "convolution %s = %lld is too large (at most %d)",
                        what, v, INT_MAX);
    return BNX_OK;
}

int bnx_conv_geom_init(bnx_conv_geom *g, int c, int h, int w, int k, int kh, int kw,
                       int stride, int pad, bnx_error *err)
{
    if (positive(c, "input channels", err) || positive(h, "input height", err) ||
        positive(w, "input width", err) || positive(k, "output channels", err) ||
        positive(kh, "kernel height", err) || positive(kw, "kernel width", err) ||
        positive(stride, "stride", err))
        return BNX_EINVAL;
    if (pad < 0)
        return bnx_fail(err, BNX_EINVAL, "convolution padding %d is out of range (at least 0)", pad);
    long long ph = h + 2LL * pad, pw = w + 2LL * pad;
    if (fits(ph, "padded height", err) || fits(pw, "padded width", err))
        return BNX_EINVAL;
    if (ph < kh)
        return bnx_fail(err, BNX_EINVAL,
                        "convolution kernel height %d exceeds the padded input height %lld", kh, ph);
    if (pw < kw)
        return bnx_fail(err, BNX_EINVAL,
                        "convolution kernel width %d exceeds the padded input width %lld", kw, pw);
    long long oh = (ph - kh) / stride + 1, ow = (pw - kw) / stride + 1;
    long long ckk = (long long)c * kh * kw;
    if (fits(ckk, "c*kh*kw", err) || fits(ckk * k, "k*c*kh*kw (weights)", err) ||
        fits((long long)c * h * w, "c*h*w (input per example)", err) ||
        fits(oh * ow, "oh*ow", err) || fits(oh * ow * k, "k*oh*ow (output per example)", err) ||
        fits(oh * ow * ckk, "c*kh*kw*oh*ow (im2col per example)", err))
        return BNX_EINVAL;
    *g = (bnx_conv_geom){.c = c, .h = h, .w = w, .k = k, .kh = kh, .kw = kw,
                         .stride = stride, .pad = pad, .oh = (int)oh, .ow = (int)ow};
    return BNX_OK;
}

size_t bnx_conv_col_floats(const bnx_conv_geom *g, int n)
{
    return (size_t)g->c * g->kh * g->kw * ((size_t)n * g->oh * g->ow);
}

/* The (h, w) plane of channel ci of example e. */
static inline size_t plane_offset(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                                  int ci, int e)
{
    size_t p = layout == BNX_LAYOUT_CNHW ? (size_t)ci * n + e : (size_t)e * g->c + ci;
    return p * g->h * g->w;
}

/* Outputs o in [lo, hi) of `out` read input o*stride - pad + off inside
 * [0, in); the others read padding. */
static inline void valid_range(int out, int in, int stride, int pad, int off, int *lo, int *hi)
{
    int a = pad - off, b = in - 1 + pad - off;
    int l = a > 0 ? (a + stride - 1) / stride : 0;
    int h = b >= 0 ? b / stride + 1 : 0;
    if (h > out)
        h = out;
    if (l > h)
        l = h;
    *lo = l;
    *hi = h;
}

/* One kernel offset (i, j) of one plane: out (oh, ow) = the shifted,
 * strided, zero-padded view of the plane x (h, w). */
static inline void unfold_plane(const bnx_conv_geom *g, int i, int j, const float *restrict x,
                                float *restrict out)
{
    const int ow = g->ow, s = g->stride;
    int ylo, yhi, xlo, xhi;
    valid_range(g->oh, g->h, s, g->pad, i, &ylo, &yhi);
    valid_range(ow, g->w, s, g->pad, j, &xlo, &xhi);
    memset(out, 0, sizeof(float) * (size_t)ylo * ow);
    for (int oy = ylo; oy < yhi; oy++) {
        const float *src = x + (size_t)(oy * s - g->pad + i) * g->w + (xlo * s - g->pad + j);
        float *dst = out + (size_t)oy * ow;
        for (int ox = 0; ox < xlo; ox++)
            dst[ox] = 0.0f;
        if (s == 1)
            memcpy(dst + xlo, src, sizeof(float) * (size_t)(xhi - xlo));
        else
            for (int ox = xlo; ox < xhi; ox++)
                dst[ox] = src[(size_t)(ox - xlo) * s];
        for (int ox = xhi; ox < ow; ox++)
            dst[ox] = 0.0f;
    }
    memset(out + (size_t)yhi * ow, 0, sizeof(float) * (size_t)(g->oh - yhi) * ow);
}

/* The adjoint of unfold_plane: dx (h, w) += the entries of col (oh, ow)
 * that unfold_plane would have copied from x. */
static inline void fold_plane(const bnx_conv_geom *g, int i, int j, const float *restrict col,
                              float *restrict dx)
{
    const int ow = g->ow, s = g->stride;
    int ylo, yhi, xlo, xhi;
    valid_range(g->oh, g->h, s, g->pad, i, &ylo, &yhi);
    valid_range(ow, g->w, s, g->pad, j, &xlo, &xhi);
    for (int oy = ylo; oy < yhi; oy++) {
        float *dst = dx + (size_t)(oy * s - g->pad + i) * g->w + (xlo * s - g->pad + j);
        const float *src = col + (size_t)oy * ow + xlo;
        int len = xhi - xlo;
        if (s == 1)
            for (int t = 0; t < len; t++)
                dst[t] += src[t];
        else
            for (int t = 0; t < len; t++)
                dst[(size_t)t * s] += src[t];
    }
}

/* Both loop over (channel, example) planes outermost, so that one input
 * plane stays in cache while its kh*kw rows of col are written or read. */
BNX_KERNEL
void bnx_im2col(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *x,
                float *col)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    for (int ci = 0; ci < g->c; ci++)
        for (int e = 0; e < n; e++) {
            const float *plane = x + plane_offset(g, n, layout, ci, e);
            float *out = col + (size_t)ci * g->kh * g->kw * np + (size_t)e * ohw;
            for (int i = 0; i < g->kh; i++)
                for (int j = 0; j < g->kw; j++, out += np)
                    unfold_plane(g, i, j, plane, out);
        }
}

BNX_KERNEL
void bnx_col2im(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *col,
                float *dx)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    for (int ci = 0; ci < g->c; ci++)
        for (int e = 0; e < n; e++) {
            float *plane = dx + plane_offset(g, n, layout, ci, e);
            const float *in = col + (size_t)ci * g->kh * g->kw * np + (size_t)e * ohw;
            memset(plane, 0, sizeof(float) * (size_t)g->h * g->w);
            for (int i = 0; i < g->kh; i++)
                for (int j = 0; j < g->kw; j++, in += np)
                    fold_plane(g, i, j, in, plane);
        }
}

BNX_KERNEL
void bnx_conv2d_forward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                        const float *x, const float *w, const float *b, float *y,
                        float *col)
{
    const int ckk = g->c * g->kh * g->kw, np = n * g->oh * g->ow;
    bnx_im2col(g, n, layout, x, col);
    if (b)
        for (int o = 0; o < g->k; o++) {
            float *row = y + (size_t)o * np;
            for (int t = 0; t < np; t++)
                row[t] = b[o];
        }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->k, np, ckk, 1.0f, w, ckk,
                col, np, b ? 1.0f : 0.0f, y, np);
}

/* Sum of v[0..count) in eight independent float lanes (which the compiler
 * vectorises), the lanes added in double. */
static inline double sum_lanes(const float *v, int count)
{
    float lane[8] = {0};
    int t = 0;
    for (; t + 8 <= count; t += 8)
        for (int l = 0; l < 8; l++)
            lane[l] += v[t + l];
    double s = 0.0;
    for (int l = 0; l < 8; l++)
        s += lane[l];
    for (; t < count; t++)
        s += v[t];
    return s;
}

BNX_KERNEL
void bnx_conv2d_backward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                         const float *dy, const float *w, float *col, float *dx, float *dw,
                         float *db)
{
    const int ckk = g->c * g->kh * g->kw, np = n * g->oh * g->ow;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g->k, ckk, np, 1.0f, dy, np, col, np,
                0.0f, dw, ckk);
    if (db)
        for (int o = 0; o < g->k; o++)
            db[o] = (float)sum_lanes(dy + (size_t)o * np, np);
    if (dx) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, np, g->k, 1.0f, w, ckk, dy, np,
                    0.0f, col, np);
        bnx_col2im(g, n, layout, col, dx);
    }
}

BNX_KERNEL
void bnx_cnhw_to_rows(int c, int n, int s, const float *x, float *y)
{
    for (int ci = 0; ci < c; ci++)
        for (int e = 0; e < n; e++)
            memcpy(y + ((size_t)e * c + ci) * s, x + ((size_t)ci * n + e) * s, sizeof(float) * (size_t)s);
}

BNX_KERNEL
void bnx_rows_to_cnhw(int c, int n, int s, const float *x, float *y)
{
    for (int ci = 0; ci < c; ci++)
        for (int e = 0; e < n; e++)
            memcpy(y + ((size_t)ci * n + e) * s, x + ((size_t)e * c + ci) * s, sizeof(float) * (size_t)s);
}
