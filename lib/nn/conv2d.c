#include "nn/conv2d.h"

#include <limits.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/kernel.h"

/* The plane helpers are inlined into each target clone of their callers
 * (a helper left out of line would be compiled for baseline x86-64 only). */
#ifdef __GNUC__
#define INLINE static inline __attribute__((always_inline))
#else
#define INLINE static inline
#endif

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
INLINE size_t plane_offset(const bnx_conv_geom *g, int n, enum bnx_layout layout, int ci,
                           int e)
{
    size_t p = layout == BNX_LAYOUT_CNHW ? (size_t)ci * n + e : (size_t)e * g->c + ci;
    return p * g->h * g->w;
}

/* Outputs o in [lo, hi) of `out` read input o*stride - pad + off inside
 * [0, in); the others read padding. */
INLINE void valid_range(int out, int in, int stride, int pad, int off, int *lo, int *hi)
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

/* Columns of a plane that fold_plane saves across a contiguous run, at
 * most (floats, on the stack). */
enum { SAVE_MAX = 1024 };

/* One kernel offset (i, j), worked out once for all the planes it visits.
 *
 * The contiguous case: stride 1 and ow == w (2 pad = kw - 1, a "same"
 * convolution in width, such as 3x3 with padding 1).  Then output position
 * t = oy*ow + ox reads plane position t + d, d = (i - pad) w + (j - pad),
 * for every valid (oy, ox), so the valid rows of one offset are a single
 * run [c0, c1) of the output (clipped so that t + d stays inside the
 * plane): one memcpy, or one long add, instead of a short one per row.
 * Inside the run, the entries of the invalid columns map to the far edge
 * of the neighbouring plane row (they wrap around), and only onto the plane
 * columns outside [lo, hi), which no valid entry maps to. */
typedef struct offset_pass {
    int i, j;
    int ylo, yhi, xlo, xhi; /* valid output rows and columns; the rest is padding */
    int empty;              /* no valid output at all */
    int contiguous;         /* the contiguous case applies */
    int fold_contiguous;    /* ... and the columns to save fit in SAVE_MAX */
    long d, c0, c1;         /* out[t] <-> x[t + d] for t in [c0, c1) */
    int lo, hi;             /* plane columns reached by valid entries */
} offset_pass;

INLINE offset_pass make_pass(const bnx_conv_geom *g, int i, int j)
{
    offset_pass p = {.i = i, .j = j};
    valid_range(g->oh, g->h, g->stride, g->pad, i, &p.ylo, &p.yhi);
    valid_range(g->ow, g->w, g->stride, g->pad, j, &p.xlo, &p.xhi);
    p.empty = p.ylo == p.yhi || p.xlo == p.xhi;
    p.contiguous = !p.empty && g->stride == 1 && g->ow == g->w;
    if (p.contiguous) {
        const long hw = (long)g->h * g->w, t0 = (long)p.ylo * g->ow, t1 = (long)p.yhi * g->ow;
        p.d = (long)(i - g->pad) * g->w + (j - g->pad);
        p.c0 = t0 + p.d < 0 ? -p.d : t0;
        p.c1 = t1 + p.d > hw ? hw - p.d : t1;
        p.lo = p.xlo - g->pad + j;
        p.hi = p.xhi - g->pad + j;
        p.fold_contiguous = (long)g->h * (g->w - (p.hi - p.lo)) <= SAVE_MAX;
    }
    return p;
}

/* Offset p of one plane: out (oh, ow) = the shifted, strided, zero-padded
 * view of the plane x (h, w). */
INLINE void unfold_plane(const bnx_conv_geom *g, const offset_pass *p, const float *restrict x,
                         float *restrict out)
{
    const int ow = g->ow, w = g->w, s = g->stride;
    const size_t ohw = (size_t)g->oh * ow;
    if (p->empty) {
        memset(out, 0, sizeof(float) * ohw);
        return;
    }
    if (p->contiguous) {
        memset(out, 0, sizeof(float) * (size_t)p->c0);
        memcpy(out + p->c0, x + p->c0 + p->d, sizeof(float) * (size_t)(p->c1 - p->c0));
        memset(out + p->c1, 0, sizeof(float) * (ohw - (size_t)p->c1));
        /* zero what wrapped around: a column or two, strided */
        for (int ox = 0; ox < p->xlo; ox++)
            for (int oy = p->ylo; oy < p->yhi; oy++)
                out[(size_t)oy * ow + ox] = 0.0f;
        for (int ox = p->xhi; ox < ow; ox++)
            for (int oy = p->ylo; oy < p->yhi; oy++)
                out[(size_t)oy * ow + ox] = 0.0f;
        return;
    }
    memset(out, 0, sizeof(float) * (size_t)p->ylo * ow);
    for (int oy = p->ylo; oy < p->yhi; oy++) {
        const float *src = x + (size_t)(oy * s - g->pad + p->i) * w + (p->xlo * s - g->pad + p->j);
        float *dst = out + (size_t)oy * ow;
        for (int ox = 0; ox < p->xlo; ox++)
            dst[ox] = 0.0f;
        if (s == 1)
            memcpy(dst + p->xlo, src, sizeof(float) * (size_t)(p->xhi - p->xlo));
        else
            for (int ox = p->xlo; ox < p->xhi; ox++)
                dst[ox] = src[(size_t)(ox - p->xlo) * s];
        for (int ox = p->xhi; ox < ow; ox++)
            dst[ox] = 0.0f;
    }
    memset(out + (size_t)p->yhi * ow, 0, sizeof(float) * (ohw - (size_t)p->yhi * ow));
}

/* The adjoint of unfold_plane: dx (h, w) += the entries of col (oh, ow)
 * that unfold_plane would have copied from x. */
INLINE void fold_plane(const bnx_conv_geom *g, const offset_pass *p, const float *restrict col,
                       float *restrict dx)
{
    const int ow = g->ow, w = g->w, h = g->h, s = g->stride;
    if (p->empty)
        return;
    if (p->fold_contiguous) {
        /* Add the whole run, wrapped entries included, having saved the
         * plane columns that only wrapped entries reach; put them back. */
        float saved[SAVE_MAX];
        int ns = 0;
        for (int x = 0; x < p->lo; x++)
            for (int y = 0; y < h; y++)
                saved[ns++] = dx[(size_t)y * w + x];
        for (int x = p->hi; x < w; x++)
            for (int y = 0; y < h; y++)
                saved[ns++] = dx[(size_t)y * w + x];
        float *dst = dx + p->d;
        for (long t = p->c0; t < p->c1; t++)
            dst[t] += col[t];
        ns = 0;
        for (int x = 0; x < p->lo; x++)
            for (int y = 0; y < h; y++)
                dx[(size_t)y * w + x] = saved[ns++];
        for (int x = p->hi; x < w; x++)
            for (int y = 0; y < h; y++)
                dx[(size_t)y * w + x] = saved[ns++];
        return;
    }
    for (int oy = p->ylo; oy < p->yhi; oy++) {
        float *dst = dx + (size_t)(oy * s - g->pad + p->i) * w + (p->xlo * s - g->pad + p->j);
        const float *src = col + (size_t)oy * ow + p->xlo;
        int len = p->xhi - p->xlo;
        if (s == 1)
            for (int t = 0; t < len; t++)
                dst[t] += src[t];
        else
            for (int t = 0; t < len; t++)
                dst[(size_t)t * s] += src[t];
    }
}

/* Planes per block (below): about 128 KiB of them, so that a block stays
 * in the L2 cache across its kh*kw passes. */
INLINE int block_planes(const bnx_conv_geom *g, int n)
{
    long hw = (long)g->h * g->w, ohw = (long)g->oh * g->ow;
    long per = 32768 / (hw > ohw ? hw : ohw);
    return per < 1 ? 1 : per > n ? n : (int)per;
}

/* Both visit a channel's planes in blocks, kernel offset by kernel offset
 * (worked out once per block): each pass over a block writes (im2col) or
 * reads (col2im) one contiguous stretch of a col row.  The (channel, block)
 * pairs are shared among the threads: each writes its own part of col (or
 * dx), so the result does not depend on the number of threads. */
BNX_KERNEL
void bnx_im2col(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *x,
                float *col)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    const int eb = block_planes(g, n), blocks = (n + eb - 1) / eb;
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)g->c * n * ohw >= 32768)")
    for (int ci = 0; ci < g->c; ci++)
        for (int b = 0; b < blocks; b++) {
            int e0 = b * eb, e1 = e0 + eb < n ? e0 + eb : n;
            float *row = col + (size_t)ci * g->kh * g->kw * np;
            for (int i = 0; i < g->kh; i++)
                for (int j = 0; j < g->kw; j++, row += np) {
                    const offset_pass p = make_pass(g, i, j);
                    for (int e = e0; e < e1; e++)
                        unfold_plane(g, &p, x + plane_offset(g, n, layout, ci, e),
                                     row + (size_t)e * ohw);
                }
        }
}

BNX_KERNEL
void bnx_col2im(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *col,
                float *dx)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    const int eb = block_planes(g, n), blocks = (n + eb - 1) / eb;
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)g->c * n * ohw >= 32768)")
    for (int ci = 0; ci < g->c; ci++)
        for (int b = 0; b < blocks; b++) {
            int e0 = b * eb, e1 = e0 + eb < n ? e0 + eb : n;
            for (int e = e0; e < e1; e++)
                memset(dx + plane_offset(g, n, layout, ci, e), 0,
                       sizeof(float) * (size_t)g->h * g->w);
            const float *row = col + (size_t)ci * g->kh * g->kw * np;
            for (int i = 0; i < g->kh; i++)
                for (int j = 0; j < g->kw; j++, row += np) {
                    const offset_pass p = make_pass(g, i, j);
                    for (int e = e0; e < e1; e++)
                        fold_plane(g, &p, row + (size_t)e * ohw,
                                   dx + plane_offset(g, n, layout, ci, e));
                }
        }
}

/* The fused forward and backward work on slices of whole examples, whose
 * im2col columns (c*kh*kw rows of e*oh*ow) hold about SLICE_FLOATS floats:
 * a slice is unfolded and at once multiplied (forward), or multiplied and
 * at once folded (backward's dx), while it is still in the L2 cache (1 MiB
 * a core on this project's machine), instead of a whole mini-batch's col
 * matrix (29 MB for lr-sweep's second conv) being written and then
 * streamed through memory by the GEMM.  A GEMM's columns are independent
 * sums (nn/gemm.h), and each dx plane receives its kernel offsets in the
 * same order as in bnx_col2im, so the results are bit-identical to the
 * unsliced ones; the slices are shared among the threads. */
enum { SLICE_FLOATS = 131072 };

INLINE int slice_examples(const bnx_conv_geom *g, int n)
{
    long per = (long)g->c * g->kh * g->kw * g->oh * g->ow;
    long e = SLICE_FLOATS / per;
    return e < 1 ? 1 : e > n ? n : (int)e;
}

/* im2col of examples [e0, e1) only: their columns of col (c*kh*kw, n*oh*ow). */
INLINE void unfold_examples(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                            const float *x, float *col, int e0, int e1)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    float *row = col;
    for (int ci = 0; ci < g->c; ci++)
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++, row += np) {
                const offset_pass p = make_pass(g, i, j);
                for (int e = e0; e < e1; e++)
                    unfold_plane(g, &p, x + plane_offset(g, n, layout, ci, e), row + (size_t)e * ohw);
            }
}

/* col2im of examples [e0, e1) only: overwrites their planes of dx. */
INLINE void fold_examples(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                          const float *col, float *dx, int e0, int e1)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    const float *row = col;
    for (int ci = 0; ci < g->c; ci++) {
        for (int e = e0; e < e1; e++)
            memset(dx + plane_offset(g, n, layout, ci, e), 0, sizeof(float) * (size_t)g->h * g->w);
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++, row += np) {
                const offset_pass p = make_pass(g, i, j);
                for (int e = e0; e < e1; e++)
                    fold_plane(g, &p, row + (size_t)e * ohw, dx + plane_offset(g, n, layout, ci, e));
            }
    }
}

BNX_KERNEL
void bnx_conv2d_forward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                        const float *x, const float *w, const float *b, float *y,
                        float *col)
{
    const int ckk = g->c * g->kh * g->kw, ohw = g->oh * g->ow, np = n * ohw;
    const int eb = slice_examples(g, n), slices = (n + eb - 1) / eb;
    BNX_OMP("omp parallel for schedule(static) if ((long)ckk * np >= 32768)")
    for (int s = 0; s < slices; s++) {
        const int e0 = s * eb, e1 = e0 + eb < n ? e0 + eb : n, cols = (e1 - e0) * ohw;
        const size_t c0 = (size_t)e0 * ohw;
        unfold_examples(g, n, layout, x, col, e0, e1);
        if (b)
            for (int o = 0; o < g->k; o++) {
                float *row = y + (size_t)o * np + c0, bias = b[o];
                for (int t = 0; t < cols; t++)
                    row[t] = bias;
            }
        bnx_sgemm(0, 0, g->k, cols, ckk, 1.0f, w, ckk, col + c0, np, b ? 1.0f : 0.0f, y + c0, np);
    }
}

/* Sum of v[0..count) in eight independent float lanes (which the compiler
 * vectorises), the lanes added in double. */
INLINE double sum_lanes(const float *v, int count)
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
    bnx_sgemm(0, 1, g->k, ckk, np, 1.0f, dy, np, col, np, 0.0f, dw, ckk);
    if (db) /* a channel's sum on one thread */
        BNX_OMP("omp parallel for schedule(static) if ((long)g->k * np >= 32768)")
        for (int o = 0; o < g->k; o++)
            db[o] = (float)sum_lanes(dy + (size_t)o * np, np);
    if (dx) {
        const int ohw = g->oh * g->ow, eb = slice_examples(g, n), slices = (n + eb - 1) / eb;
        BNX_OMP("omp parallel for schedule(static) if ((long)ckk * np >= 32768)")
        for (int s = 0; s < slices; s++) {
            const int e0 = s * eb, e1 = e0 + eb < n ? e0 + eb : n;
            const size_t c0 = (size_t)e0 * ohw;
            bnx_sgemm(1, 0, ckk, (e1 - e0) * ohw, g->k, 1.0f, w, ckk, dy + c0, np, 0.0f, col + c0, np);
            fold_examples(g, n, layout, col, dx, e0, e1);
        }
    }
}

/* One memcpy of s floats per (channel, example) plane. */
void bnx_cnhw_to_rows(int c, int n, int s, const float *x, float *y)
{
    for (int ci = 0; ci < c; ci++)
        for (int e = 0; e < n; e++)
            memcpy(y + ((size_t)e * c + ci) * s, x + ((size_t)ci * n + e) * s,
                   sizeof(float) * (size_t)s);
}

void bnx_rows_to_cnhw(int c, int n, int s, const float *x, float *y)
{
    for (int ci = 0; ci < c; ci++)
        for (int e = 0; e < n; e++)
            memcpy(y + ((size_t)ci * n + e) * s, x + ((size_t)e * c + ci) * s,
                   sizeof(float) * (size_t)s);
}
