#include "nn/conv2d.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "nn/gemm.h"
#include "nn/kernel.h"
#include "nn/vec8.h"

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

/* ---- Direct convolution: 3x3 kernels, stride 1, padding 1 ----
 *
 * For these ("same" 3x3 convolutions, all of lr-sweep's), im2col copies
 * every input value nine times, and the GEMMs that follow have only k (16
 * or 32) rows, too few for OpenBLAS: its packing of the col matrix costs
 * about as much as the arithmetic, so they run at 30-50 GFLOP/s against
 * 100 for a large sgemm (make bench).  The direct kernels read each input
 * plane in place instead, zero-padded once into a plane of (h+2) x (w+2):
 * output position (y, x) on the padded width, t = y (w+2) + x, reads
 * position t + i (w+2) + j of the padded plane for tap (i, j), so one tap
 * is one contiguous run for all rows at once (columns x = w, w+1 are
 * computed and dropped).  Each block of 3 vectors of positions (24 at 8
 * floats a vector, 48 at 16) and 4 output channels keeps its 12 vectors
 * of sums in registers over all input channels and taps (12 FMAs for 3
 * loads and 4 broadcasts), then stores them to a staging plane on the
 * padded width whose rows are copied out.  The backward's dx is the same
 * kernel on the padded dy with the kernel flipped and transposed.  dW is a
 * GEMM of dy, transposed so that a position's output channels are
 * contiguous (64-byte aligned rows), by the taps' runs of x read in place:
 * a tile of 16 output channels by 6 (input channel, tap) columns at 8
 * floats a vector, or 12 at 16, keeps 12 vectors of sums (12 FMAs for 2
 * or 1 loads and 6 or 12 broadcasts, none of them split across cache
 * lines), over chunks of DW_T positions.  The kernels are written once
 * (nn/conv2d_direct.h) and built at both widths; the 16-float ones run
 * where the CPU has AVX-512 (nn/kernel.h's bnx_kernel_avx512), with the
 * same bits.
 *
 * Every output is one sum in a fixed order (forward and dx: input
 * channel, then tap; dW: example, chunk of positions, position, each
 * chunk's sum added to the total), whatever the threads, which share
 * (example, block of channels) pairs (forward, dx) or ranges of dW's
 * tiles.  The order differs from im2col + sgemm's, so results differ from
 * it by rounding (tests/nn/check_conv.c). */
#if defined(__GNUC__) && !defined(BNX_NO_DIRECT_CONV)
#define DIRECT_CONV 1
#else
#define DIRECT_CONV 0
#endif
/* The 16-float kernels for AVX-512 CPUs: where BNX_KERNEL makes clones */
#define DIRECT_WIDE (DIRECT_CONV && BNX_CLONES)

enum { DQ = 4, DSLACK = 56, DW_O = 16, DW_T = 384, STAGE_MAX = 1280 };
/* the slack covers a block of 3 vectors of 16 (padded_plane) */
_Static_assert(DSLACK > 3 * 16, "DSLACK must cover the 48-position blocks");

/* The sanitizer build (tests/sanitize.mk) leaves the direct kernels'
 * vector loads unchecked: instrumented, they made a CNN trial under ASan
 * 1.8 times as long (CI's ASan stage 550 -> 900 s), and ASan could only
 * see a read past the end of the whole scratch buffer, one allocation,
 * which valgrind's run of the same unit tests sees too.  Their bounds are
 * worked out above padded_plane; memset and memcpy stay checked (ASan
 * intercepts them). */
#if defined(__SANITIZE_ADDRESS__)
#define DIRECT_UNCHECKED __attribute__((no_sanitize("address", "undefined")))
#else
#define DIRECT_UNCHECKED
#endif

/* Maps of at most DIRECT_MIN_PLANE positions (smaller than 7x7) go to
 * im2col + GEMM: the direct kernel computes each row on the padded width
 * (9 columns of which 7 are used at 7x7, 10 of 8 at 8x8) in blocks of 24
 * or 48 positions, so it does up to half of its work for nothing there.
 * Until 2026-12-07 the bound was 64 (8x8 and smaller to im2col): ResNet-20's
 * step (stage 3 at 8x8) took 444 ms against 462 with the 8-float direct
 * kernel there.  With the 16-float kernels (AVX-512) the direct path won:
 * 316 against 356 ms a step (1 thread, two alternating runs each), and a
 * ResNet-8 trial on Fashion-MNIST (stage 3 at 7x7) 3-5% less time; so
 * 7x7 and 8x8 maps go direct on every CPU (the choice of path changes the
 * order of the sums, so it must not depend on the CPU). */
enum { DIRECT_MIN_PLANE = 48 };

static int direct_applies(const bnx_conv_geom *g)
{
    return DIRECT_CONV && g->kh == 3 && g->kw == 3 && g->stride == 1 && g->pad == 1 &&
           g->h * g->w > DIRECT_MIN_PLANE;
}

/* Floats of one padded plane: (h+2) x (w+2), then zeros that the last
 * blocks read past the end, rounded up to a multiple of 8.  The furthest
 * reads, with wp = w + 2: direct_block's last block starts below h wp and
 * reads 3 vectors (24 values, or 48 at 16 lanes) at up to 2 wp + 2 past
 * it, so up to (h+2) wp + 48; the dW loop reads x at up to t + 2 wp + 2
 * for t below h wp, so below (h+2) wp + 2.  Both are inside the 56-value
 * slack, which pad_plane zeroes. */
static size_t padded_plane(const bnx_conv_geom *g)
{
    size_t ps = (size_t)(g->h + 2) * (g->w + 2) + DSLACK;
    return (ps + 7) / 8 * 8;
}

/* Scratch of the direct path: padded x (c*n planes, kept for the
 * backward), padded dy (k*n planes), then the reordered weights (forward)
 * or the flipped ones, dW's tile sums (k16 * c * 9) and the transposed dy
 * (n * npos * k16, aligned to 64 bytes), k16 = k rounded up to DW_O. */
static size_t direct_floats(const bnx_conv_geom *g, int n)
{
    size_t ps = padded_plane(g), c = (size_t)g->c, k = (size_t)g->k;
    size_t k16 = (k + DW_O - 1) / DW_O * DW_O, npos = (size_t)g->h * (g->w + 2);
    size_t fwd = (k + DQ - 1) / DQ * DQ * c * 9;
    size_t bwd = (c + DQ - 1) / DQ * DQ * k * 9 + k16 * c * 9 + (size_t)n * npos * k16 + 16;
    return (c + k) * (size_t)n * ps + (fwd > bwd ? fwd : bwd);
}

int bnx_conv_is_direct(const bnx_conv_geom *g)
{
    return direct_applies(g);
}

size_t bnx_conv_scratch_floats(const bnx_conv_geom *g, int n)
{
    return direct_applies(g) ? direct_floats(g, n) : bnx_conv_col_floats(g, n);
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

/* im2col of channel ci for examples [e0, e1): their columns of the
 * channel's kh*kw rows of col (c*kh*kw, n*oh*ow), kernel offset by kernel
 * offset (worked out once for the examples), each pass writing one
 * contiguous stretch of a row. */
INLINE void unfold_channel(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                           const float *x, float *col, int ci, int e0, int e1)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    float *row = col + (size_t)ci * g->kh * g->kw * np;
    for (int i = 0; i < g->kh; i++)
        for (int j = 0; j < g->kw; j++, row += np) {
            const offset_pass p = make_pass(g, i, j);
            for (int e = e0; e < e1; e++)
                unfold_plane(g, &p, x + plane_offset(g, n, layout, ci, e), row + (size_t)e * ohw);
        }
}

/* The adjoint: overwrites channel ci's planes of dx for examples [e0, e1)
 * with the sum of their entries of col, offset by offset in order. */
INLINE void fold_channel(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                         const float *col, float *dx, int ci, int e0, int e1)
{
    const size_t ohw = (size_t)g->oh * g->ow, np = (size_t)n * ohw;
    for (int e = e0; e < e1; e++)
        memset(dx + plane_offset(g, n, layout, ci, e), 0, sizeof(float) * (size_t)g->h * g->w);
    const float *row = col + (size_t)ci * g->kh * g->kw * np;
    for (int i = 0; i < g->kh; i++)
        for (int j = 0; j < g->kw; j++, row += np) {
            const offset_pass p = make_pass(g, i, j);
            for (int e = e0; e < e1; e++)
                fold_plane(g, &p, row + (size_t)e * ohw, dx + plane_offset(g, n, layout, ci, e));
        }
}

/* Both visit a channel's planes in blocks (block_planes), so that a block
 * stays in cache across its kh*kw passes.  The (channel, block) pairs are
 * shared among the threads: each writes its own part of col (or dx), so
 * the result does not depend on the number of threads. */
BNX_KERNEL
void bnx_im2col(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *x,
                float *col)
{
    const long ohw = (long)g->oh * g->ow;
    const int eb = block_planes(g, n), blocks = (n + eb - 1) / eb;
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)g->c * n * ohw >= 32768)")
    for (int ci = 0; ci < g->c; ci++)
        for (int b = 0; b < blocks; b++) {
            const int e0 = b * eb, e1 = e0 + eb < n ? e0 + eb : n;
            unfold_channel(g, n, layout, x, col, ci, e0, e1);
        }
}

BNX_KERNEL
void bnx_col2im(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *col,
                float *dx)
{
    const long ohw = (long)g->oh * g->ow;
    const int eb = block_planes(g, n), blocks = (n + eb - 1) / eb;
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)g->c * n * ohw >= 32768)")
    for (int ci = 0; ci < g->c; ci++)
        for (int b = 0; b < blocks; b++) {
            const int e0 = b * eb, e1 = e0 + eb < n ? e0 + eb : n;
            fold_channel(g, n, layout, col, dx, ci, e0, e1);
        }
}

/* A plane of h rows of w values: dst (rows w apart) = scale * src (rows
 * sw apart) + shift, then max(., 0) with relu (a NaN gives 0), one
 * multiply and one add each rounded: batch norm's inference pass and the
 * ReLU as nn/batchnorm.c computes them, for the folded forward.  Outside
 * the fp-contract region below and never inlined into it (a function of
 * its own, called once a plane), so that GCC keeps the two roundings (no
 * fused multiply-add) in every clone.  dst may be src when sw = w. */
BNX_KERNEL __attribute__((noinline)) static void affine_plane(float *dst, const float *src, int h,
                                                               int w, long sw, float scale,
                                                               float shift, int relu)
{
    for (int r = 0; r < h; r++) {
        float *d = dst + (long)r * w;
        const float *in = src + r * sw;
        if (relu)
            for (int x = 0; x < w; x++) {
                float o = scale * in[x] + shift;
                d[x] = o > 0.0f ? o : 0.0f;
            }
        else
            for (int x = 0; x < w; x++)
                d[x] = scale * in[x] + shift;
    }
}

#if DIRECT_CONV
/* The sums are written a*b + c: in the x86-64-v3 clones GCC makes each a
 * fused multiply-add (one rounding) only when allowed to contract, which
 * ISO C mode (-std=c11) turns off for the whole build; it is turned on
 * here, for the direct kernels alone. */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
/* dst[0, w) = src[0, w), inline in 8-float moves: a row of 28 as a call
 * to memcpy was about a tenth of the direct forward's time (perf, lr-sweep's
 * CNN).  A row whose width is not a multiple of 8 ends with a move of its
 * last 8, over values already copied (the same values again).  Unlike
 * memcpy, these moves are not checked by the sanitizer build
 * (DIRECT_UNCHECKED); the bounds are those of padded_plane and the
 * staging plane. */
DIRECT_UNCHECKED INLINE void copy_row(float *dst, const float *src, int w)
{
    if (w < 8) {
        for (int x = 0; x < w; x++)
            dst[x] = src[x];
        return;
    }
    bnx_v8f v;
    int x = 0;
    for (; x + 8 <= w; x += 8)
        memcpy(&v, src + x, 32), memcpy(dst + x, &v, 32);
    if (x < w)
        memcpy(&v, src + w - 8, 32), memcpy(dst + w - 8, &v, 32);
}

/* dst (a padded plane of padded_plane(g) floats) = src (h, w) with a
 * border of one zero and zeros after. */
DIRECT_UNCHECKED INLINE void pad_plane(const bnx_conv_geom *g, const float *src, float *dst)
{
    const int w = g->w, wp = w + 2;
    const size_t ps = padded_plane(g);
    memset(dst, 0, sizeof(float) * (size_t)(wp + 1));
    for (int r = 0; r < g->h; r++) {
        float *row = dst + (size_t)(r + 1) * wp + 1;
        copy_row(row, src + (size_t)r * w, w);
        row[w] = row[w + 1] = 0.0f; /* this row's right border, the next row's left */
    }
    memset(dst + (size_t)(g->h + 1) * wp + 1, 0, sizeof(float) * (ps - (size_t)(g->h + 1) * wp - 1));
}

/* The weights w (k, c, 3, 3) as direct_block reads them, for blocks of DQ
 * "members" (zero past the last): dst[((blk*inner + j)*9 + t)*DQ + q] is
 * w[m][j][t] for member m = blk*DQ + q (forward: members are the output
 * channels, inner the input ones), or, flipped, w[j][m][8 - t] (dx:
 * members are the input channels, inner the output ones). */
static void block_weights(const float *w, int members, int inner, int flipped, float *dst)
{
    for (int blk = 0; blk < (members + DQ - 1) / DQ; blk++)
        for (int j = 0; j < inner; j++)
            for (int t = 0; t < 9; t++)
                for (int q = 0; q < DQ; q++) {
                    int m = blk * DQ + q;
                    dst[(((size_t)blk * inner + j) * 9 + t) * DQ + q] =
                        m >= members ? 0.0f
                        : flipped    ? w[((size_t)j * members + m) * 9 + (8 - t)]
                                     : w[((size_t)m * inner + j) * 9 + t];
                }
}

/* Example e of dy (k, n, h, w) as dyt (npos, k16): dyt[t*k16 + o] =
 * dy[o][e][r][x] for t = r (w+2) + x, zero for x >= w and o >= k. */
DIRECT_UNCHECKED INLINE void transpose_dy(const bnx_conv_geom *g, int n, int e, const float *dy,
                                          int k16, float *dyt)
{
    const int h = g->h, w = g->w, wp = w + 2, k = g->k;
    const size_t hw = (size_t)h * w;
    for (int r = 0; r < h; r++) {
        float *row = dyt + (size_t)r * wp * k16;
        for (int ob = 0; ob < k16; ob += 8) {
            for (int x = 0; x < w; x++)
                for (int q = 0; q < 8; q++) {
                    const int o = ob + q;
                    row[(size_t)x * k16 + o] = o < k ? dy[((size_t)o * n + e) * hw + (size_t)r * w + x] : 0.0f;
                }
            for (int x = w; x < wp; x++)
                for (int q = 0; q < 8; q++)
                    row[(size_t)x * k16 + ob + q] = 0.0f;
        }
    }
}

/* The kernels at both widths (nn/conv2d_direct.h). */

#define DV bnx_v8f
#define DVW 8
#define DWJ 6
#define DN(name) name##_v8
#define DTARGET BNX_KERNEL
#include "nn/conv2d_direct.h"

#if DIRECT_WIDE
#define DV bnx_v16f
#define DVW 16
#define DWJ 12
#define DN(name) name##_v16
#define DTARGET __attribute__((target("arch=x86-64-v4")))
#include "nn/conv2d_direct.h"
#endif

static void direct_forward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                           const float *x, const float *w, const float *b, const float *scale,
                           const float *shift, int relu, float *y, float *scratch)
{
#if DIRECT_WIDE
    if (bnx_kernel_avx512()) {
        direct_forward_v16(g, n, layout, x, w, b, scale, shift, relu, y, scratch);
        return;
    }
#endif
    direct_forward_v8(g, n, layout, x, w, b, scale, shift, relu, y, scratch);
}

static void direct_backward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                            const float *dy, const float *w, float *scratch, float *dx,
                            float *dw)
{
#if DIRECT_WIDE
    if (bnx_kernel_avx512()) {
        direct_backward_v16(g, n, layout, dy, w, scratch, dx, dw);
        return;
    }
#endif
    direct_backward_v8(g, n, layout, dy, w, scratch, dx, dw);
}
#pragma GCC pop_options
#endif

/* The fused forward and backward work on slices of whole examples, whose
 * im2col columns (c*kh*kw rows of e*oh*ow) hold about SLICE_FLOATS floats:
 * a slice is unfolded and at once multiplied (forward), or multiplied and
 * at once folded (backward's dx), while it is still in the L2 cache (1 MiB
 * a core on this project's machine), instead of a whole mini-batch's col
 * matrix (29 MB for lr-sweep's second conv) being written and then
 * streamed through memory by the GEMM.  A GEMM's columns are independent
 * sums (nn/gemm.h), and each dx plane receives its kernel offsets in the
 * same order as in bnx_col2im, so the results are those of the unsliced
 * computation, bit for bit where OpenBLAS's kernels sum a column the same
 * way whatever the slice (natively here; not under valgrind's emulation,
 * where a slice's edge columns round differently); the slices are fixed
 * by n and shared among the threads. */
enum { SLICE_FLOATS = 131072 };

INLINE int slice_examples(const bnx_conv_geom *g, int n)
{
    long per = (long)g->c * g->kh * g->kw * g->oh * g->ow;
    long e = SLICE_FLOATS / per;
    return e < 1 ? 1 : e > n ? n : (int)e;
}

BNX_KERNEL
void bnx_conv2d_forward(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                        const float *x, const float *w, const float *b, float *y,
                        float *col)
{
#if DIRECT_CONV
    if (direct_applies(g)) {
        direct_forward(g, n, layout, x, w, b, NULL, NULL, 0, y, col);
        return;
    }
#endif
    const int ckk = g->c * g->kh * g->kw, ohw = g->oh * g->ow, np = n * ohw;
    const int eb = slice_examples(g, n), slices = (n + eb - 1) / eb;
    BNX_OMP("omp parallel for schedule(static) if ((long)ckk * np >= 32768)")
    for (int s = 0; s < slices; s++) {
        const int e0 = s * eb, e1 = e0 + eb < n ? e0 + eb : n, cols = (e1 - e0) * ohw;
        const size_t c0 = (size_t)e0 * ohw;
        for (int ci = 0; ci < g->c; ci++)
            unfold_channel(g, n, layout, x, col, ci, e0, e1);
        if (b)
            for (int o = 0; o < g->k; o++) {
                float *row = y + (size_t)o * np + c0, bias = b[o];
                for (int t = 0; t < cols; t++)
                    row[t] = bias;
            }
        bnx_sgemm(0, 0, g->k, cols, ckk, 1.0f, w, ckk, col + c0, np, b ? 1.0f : 0.0f, y + c0, np);
    }
}

BNX_KERNEL
void bnx_conv2d_forward_affine(const bnx_conv_geom *g, int n, enum bnx_layout layout,
                               const float *x, const float *w, const float *b,
                               const float *scale, const float *shift, int relu, float *y,
                               float *col)
{
#if DIRECT_CONV
    if (direct_applies(g)) {
        direct_forward(g, n, layout, x, w, b, scale, shift, relu, y, col);
        return;
    }
#endif
    bnx_conv2d_forward(g, n, layout, x, w, b, y, col);
    const long np = (long)n * g->oh * g->ow;
    BNX_OMP("omp parallel for schedule(static) if (g->k * np >= 32768)")
    for (int o = 0; o < g->k; o++) /* channel o's (n, oh, ow) as one row */
        affine_plane(y + o * np, y + o * np, 1, (int)np, np, scale[o], shift[o], relu);
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
    if (db) /* a channel's sum on one thread */
        BNX_OMP("omp parallel for schedule(static) if ((long)g->k * np >= 32768)")
        for (int o = 0; o < g->k; o++)
            db[o] = (float)sum_lanes(dy + (size_t)o * np, np);
#if DIRECT_CONV
    if (direct_applies(g))
        direct_backward(g, n, layout, dy, w, col, dx, dw);
    else
#endif
        bnx_sgemm(0, 1, g->k, ckk, np, 1.0f, dy, np, col, np, 0.0f, dw, ckk);
    if (dx && !direct_applies(g)) {
        const int ohw = g->oh * g->ow, eb = slice_examples(g, n), slices = (n + eb - 1) / eb;
        BNX_OMP("omp parallel for schedule(static) if ((long)ckk * np >= 32768)")
        for (int s = 0; s < slices; s++) {
            const int e0 = s * eb, e1 = e0 + eb < n ? e0 + eb : n;
            const size_t c0 = (size_t)e0 * ohw;
            bnx_sgemm(1, 0, ckk, (e1 - e0) * ohw, g->k, 1.0f, w, ckk, dy + c0, np, 0.0f, col + c0, np);
            for (int ci = 0; ci < g->c; ci++)
                fold_channel(g, n, layout, col, dx, ci, e0, e1);
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
