/* Convolution, pooling, dropout, tanh and layout kernels: forward passes
 * against direct loops or values computed by hand, backward passes by
 * central differences of L = sum_i r_i y_i (fixed random r, evaluated in
 * double, as check_gradcheck.c), im2col against its adjoint col2im. */
#include <cblas.h>
#include <check.h>
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/kernel.h"
#include "nn/pool.h"
#include "testutil.h"

#define H 1e-2f

typedef test_loss_fn loss_fn;
#define fill test_fill

static void fill_nan(float *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = NAN;
}

static double dot(const float *r, const float *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)r[i] * y[i];
    return s;
}

static void check_grad(const char *what, float *param, int count, const float *analytic,
                       loss_fn f, void *ctx)
{
    test_check_grad(what, param, count, analytic, f, ctx, H);
}

/* ---- convolution geometry ---- */

typedef struct geom_case { int c, h, w, k, kh, kw, stride, pad, n; } geom_case;

/* Kernels 1, 3, 5 and 3x2 / 2x3; strides 1, 2, 3; padding 0, 1, 2, some
 * of it wider than the kernel (output positions entirely in the padding).
 * Stride 1 with ow == w takes im2col's contiguous path: 3x3 pad 1, 5x5
 * pad 2, 1x1, 5x3 pad 1 (rows clipped), 1x3 pad 1 (padding rows), a plane
 * one column wide (offsets with no valid column), one row high, and one so
 * tall that col2im cannot save its edge columns (the per-row fallback). */
static const geom_case GEOMS[] = {
    {2, 7, 6, 3, 1, 1, 1, 0, 2}, {3, 8, 8, 4, 3, 3, 1, 1, 2}, {2, 9, 7, 3, 3, 3, 2, 1, 3},
    {2, 10, 9, 3, 5, 5, 1, 2, 2}, {2, 11, 10, 2, 5, 5, 2, 2, 2}, {3, 7, 8, 2, 3, 2, 1, 0, 2},
    {2, 8, 7, 3, 3, 2, 2, 1, 2}, {2, 6, 9, 2, 2, 3, 1, 2, 3}, {1, 6, 6, 2, 3, 3, 2, 0, 3},
    {2, 5, 6, 2, 1, 1, 2, 2, 2}, {2, 10, 11, 2, 3, 3, 3, 1, 2}, {1, 3, 3, 1, 3, 3, 1, 0, 1},
    {2, 7, 6, 2, 5, 3, 1, 1, 2}, {2, 4, 5, 2, 1, 3, 1, 1, 2}, {1, 4, 1, 2, 3, 3, 1, 1, 2},
    {2, 1, 5, 2, 5, 5, 1, 2, 2}, {1, 1100, 3, 1, 3, 3, 1, 1, 1},
};
enum { NGEOMS = sizeof GEOMS / sizeof GEOMS[0] };

static bnx_conv_geom geom_of(const geom_case *t)
{
    bnx_conv_geom g;
    bnx_error err;
    ck_assert_msg(bnx_conv_geom_init(&g, t->c, t->h, t->w, t->k, t->kh, t->kw, t->stride,
                                     t->pad, &err) == BNX_OK, "%s", err.msg);
    return g;
}

static size_t x_index(const bnx_conv_geom *g, int n, enum bnx_layout layout, int e, int c,
                      int y, int x)
{
    size_t p = layout == BNX_LAYOUT_CNHW ? (size_t)c * n + e : (size_t)e * g->c + c;
    return (p * g->h + y) * g->w + x;
}

/* x[e, c, y, x] in the given layout, 0 outside the plane. */
static float x_at(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *x, int e,
                  int c, int y, int xx)
{
    if (y < 0 || y >= g->h || xx < 0 || xx >= g->w)
        return 0.0f;
    return x[x_index(g, n, layout, e, c, y, xx)];
}

START_TEST(conv_geom_init_sizes_and_errors)
{
    bnx_conv_geom g;
    bnx_error err;
    ck_assert_int_eq(bnx_conv_geom_init(&g, 1, 28, 28, 32, 5, 5, 1, 2, &err), BNX_OK);
    ck_assert_int_eq(g.oh, 28);
    ck_assert_int_eq(g.ow, 28);
    ck_assert_int_eq(bnx_conv_geom_init(&g, 3, 7, 8, 4, 3, 2, 2, 1, &err), BNX_OK);
    ck_assert_int_eq(g.oh, 4); /* (7 + 2 - 3) / 2 + 1 */
    ck_assert_int_eq(g.ow, 5); /* (8 + 2 - 2) / 2 + 1 */
    ck_assert_uint_eq(bnx_conv_col_floats(&g, 10), (size_t)3 * 3 * 2 * 10 * 4 * 5);
    struct { int c, h, w, k, kh, kw, stride, pad; const char *names; } bad[] = {
        {0, 5, 5, 1, 3, 3, 1, 0, "input channels 0"},
        {1, 0, 5, 1, 3, 3, 1, 0, "input height 0"},
        {1, 5, -1, 1, 3, 3, 1, 0, "input width -1"},
        {1, 5, 5, 0, 3, 3, 1, 0, "output channels 0"},
        {1, 5, 5, 1, 0, 3, 1, 0, "kernel height 0"},
        {1, 5, 5, 1, 3, 0, 1, 0, "kernel width 0"},
        {1, 5, 5, 1, 3, 3, 0, 0, "stride 0"},
        {1, 5, 5, 1, 3, 3, 1, -1, "padding -1"},
        {1, 2, 5, 1, 5, 3, 1, 1, "kernel height 5"},
        {1, 5, 2, 1, 3, 5, 1, 1, "kernel width 5"},
        {1, 5, 5, 1, 3, 3, 1, 2000000000, "padded height"},
        {300000000, 5, 5, 1, 3, 3, 1, 0, "c*kh*kw"},
        {4096, 5, 5, 65536, 3, 3, 1, 0, "weights"},
        {2, 40000, 40000, 1, 1, 1, 1, 0, "input per example"},
        {1, 40000, 40000, 1, 1, 1, 1, 5000, "oh*ow"},
        {1, 40000, 40000, 2, 1, 1, 1, 0, "output per example"},
        {1, 40000, 40000, 1, 2, 1, 1, 1, "im2col per example"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        g.oh = -7;
        bnx_error_clear(&err);
        int rc = bnx_conv_geom_init(&g, bad[i].c, bad[i].h, bad[i].w, bad[i].k, bad[i].kh,
                                    bad[i].kw, bad[i].stride, bad[i].pad, &err);
        ck_assert_msg(rc == BNX_EINVAL && err.code == BNX_EINVAL, "case %zu accepted", i);
        ck_assert_msg(strstr(err.msg, bad[i].names), "case %zu: message '%s' lacks '%s'", i,
                      err.msg, bad[i].names);
        ck_assert_int_eq(g.oh, -7); /* untouched */
    }
}
END_TEST

/* im2col against its definition, entry by entry (padding included). */
START_TEST(im2col_matches_definition)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, 40, 0);
    for (int t = 0; t < NGEOMS; t++)
        for (int lay = 0; lay < 2; lay++) {
            enum bnx_layout layout = lay ? BNX_LAYOUT_CNHW : BNX_LAYOUT_NCHW;
            bnx_conv_geom g = geom_of(&GEOMS[t]);
            int n = GEOMS[t].n;
            size_t xs = (size_t)n * g.c * g.h * g.w, cs = bnx_conv_col_floats(&g, n);
            float *x = malloc(sizeof(float) * xs), *col = malloc(sizeof(float) * cs);
            fill(&rng, x, (int)xs, 1, 0);
            fill_nan(col, (int)cs);
            bnx_im2col(&g, n, layout, x, col);
            size_t np = (size_t)n * g.oh * g.ow;
            for (int c = 0; c < g.c; c++)
                for (int i = 0; i < g.kh; i++)
                    for (int j = 0; j < g.kw; j++)
                        for (int e = 0; e < n; e++)
                            for (int oy = 0; oy < g.oh; oy++)
                                for (int ox = 0; ox < g.ow; ox++) {
                                    size_t row = ((size_t)c * g.kh + i) * g.kw + j;
                                    size_t colm = ((size_t)e * g.oh + oy) * g.ow + ox;
                                    float want = x_at(&g, n, layout, x, e, c,
                                                      oy * g.stride - g.pad + i,
                                                      ox * g.stride - g.pad + j);
                                    ck_assert_msg(col[row * np + colm] == want,
                                                  "geometry %d layout %d row %zu column %zu: %g, want %g",
                                                  t, lay, row, colm, col[row * np + colm], want);
                                }
            free(x);
            free(col);
        }
}
END_TEST

/* <col2im(c), x> = <c, im2col(x)> for random c and x: col2im is the
 * adjoint of im2col, which makes it the right backward pass.  dx starts as
 * NaN: col2im must overwrite it. */
START_TEST(col2im_is_adjoint_of_im2col)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, 41, 0);
    for (int t = 0; t < NGEOMS; t++)
        for (int lay = 0; lay < 2; lay++) {
            enum bnx_layout layout = lay ? BNX_LAYOUT_CNHW : BNX_LAYOUT_NCHW;
            bnx_conv_geom g = geom_of(&GEOMS[t]);
            int n = GEOMS[t].n;
            size_t xs = (size_t)n * g.c * g.h * g.w, cs = bnx_conv_col_floats(&g, n);
            float *x = malloc(sizeof(float) * xs), *dx = malloc(sizeof(float) * xs);
            float *c = malloc(sizeof(float) * cs), *col = malloc(sizeof(float) * cs);
            fill(&rng, x, (int)xs, 1, 0);
            fill(&rng, c, (int)cs, 1, 0);
            fill_nan(dx, (int)xs);
            bnx_im2col(&g, n, layout, x, col);
            bnx_col2im(&g, n, layout, c, dx);
            double lhs = dot(dx, x, xs), rhs = dot(c, col, cs), mag = 0;
            for (size_t i = 0; i < cs; i++)
                mag += fabs((double)c[i] * col[i]);
            ck_assert_msg(fabs(lhs - rhs) <= 1e-5 * mag,
                          "geometry %d layout %d: <col2im(c), x> = %.9g, <c, im2col(x)> = %.9g",
                          t, lay, lhs, rhs);
            free(x);
            free(dx);
            free(c);
            free(col);
        }
}
END_TEST

/* y[o, e, oy, ox] = b[o] + sum_{c,i,j} w[o, c, i, j] x[e, c, oy s - p + i, ox s - p + j] */
static void direct_conv(const bnx_conv_geom *g, int n, enum bnx_layout layout, const float *x,
                        const float *w, const float *b, double *y)
{
    for (int o = 0; o < g->k; o++)
        for (int e = 0; e < n; e++)
            for (int oy = 0; oy < g->oh; oy++)
                for (int ox = 0; ox < g->ow; ox++) {
                    double s = b ? b[o] : 0.0;
                    for (int c = 0; c < g->c; c++)
                        for (int i = 0; i < g->kh; i++)
                            for (int j = 0; j < g->kw; j++)
                                s += (double)w[((o * g->c + c) * g->kh + i) * g->kw + j] *
                                     x_at(g, n, layout, x, e, c, oy * g->stride - g->pad + i,
                                          ox * g->stride - g->pad + j);
                    y[(((size_t)o * n + e) * g->oh + oy) * g->ow + ox] = s;
                }
}

START_TEST(conv2d_forward_matches_direct)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, 42, 0);
    for (int t = 0; t < NGEOMS; t++)
        for (int lay = 0; lay < 2; lay++)
            for (int bias = 0; bias < 2; bias++) {
                enum bnx_layout layout = lay ? BNX_LAYOUT_CNHW : BNX_LAYOUT_NCHW;
                bnx_conv_geom g = geom_of(&GEOMS[t]);
                int n = GEOMS[t].n;
                size_t xs = (size_t)n * g.c * g.h * g.w, cs = bnx_conv_scratch_floats(&g, n);
                size_t ws = (size_t)g.k * g.c * g.kh * g.kw, ys = (size_t)g.k * n * g.oh * g.ow;
                float *x = malloc(sizeof(float) * xs), *w = malloc(sizeof(float) * ws);
                float *b = malloc(sizeof(float) * g.k), *y = malloc(sizeof(float) * ys);
                float *col = malloc(sizeof(float) * cs);
                double *want = malloc(sizeof(double) * ys);
                fill(&rng, x, (int)xs, 1, 0);
                fill(&rng, w, (int)ws, 0.5, 0);
                fill(&rng, b, g.k, 1, 0);
                fill_nan(y, (int)ys);
                bnx_conv2d_forward(&g, n, layout, x, w, bias ? b : NULL, y, col);
                direct_conv(&g, n, layout, x, w, bias ? b : NULL, want);
                for (size_t i = 0; i < ys; i++)
                    ck_assert_msg(fabs(y[i] - want[i]) <= 1e-5 * (1 + fabs(want[i])),
                                  "geometry %d layout %d bias %d: y[%zu] = %.7g, direct %.7g",
                                  t, lay, bias, i, y[i], want[i]);
                free(x);
                free(w);
                free(b);
                free(y);
                free(col);
                free(want);
            }
}
END_TEST

/* shapes[t] = {c, h, w, k, n, stride, padding} of a 3x3 convolution:
 * fn(geometry, n, layout, t, rng) for each, in both input layouts. */
typedef void (*shape_fn)(const bnx_conv_geom *g, int n, enum bnx_layout layout, int t, bnx_rng *rng);
static void each_shape(const int (*shapes)[7], int count, uint64_t seed, shape_fn fn)
{
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 0);
    for (int t = 0; t < count; t++)
        for (int lay = 0; lay < 2; lay++) {
            const int *sh = shapes[t];
            bnx_conv_geom g;
            ck_assert_int_eq(bnx_conv_geom_init(&g, sh[0], sh[1], sh[2], sh[3], 3, 3, sh[5], sh[6], NULL),
                             BNX_OK);
            fn(&g, sh[4], lay ? BNX_LAYOUT_CNHW : BNX_LAYOUT_NCHW, t, &rng);
        }
}

/* The largest |a - b| / (1 + |b|) over n values. */
static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (1 + fabs((double)b[i]));
        m = d > m ? d : m;
    }
    return m;
}

static void slices_check(const bnx_conv_geom *gp, int n, enum bnx_layout layout, int t, bnx_rng *rng)
{
    const bnx_conv_geom g = *gp;
    const int lay = layout == BNX_LAYOUT_CNHW, ckk = g.c * 9, np = n * g.oh * g.ow;
    ck_assert_uint_eq(bnx_conv_scratch_floats(&g, n), bnx_conv_col_floats(&g, n));
    size_t xs = (size_t)n * g.c * g.h * g.w, cs = bnx_conv_col_floats(&g, n);
    size_t ws = (size_t)g.k * ckk, ys = (size_t)g.k * np;
    float *x = malloc(sizeof(float) * xs), *w = malloc(sizeof(float) * ws);
    float *b = malloc(sizeof(float) * g.k), *y = malloc(sizeof(float) * ys);
    float *y1 = malloc(sizeof(float) * ys), *dy = malloc(sizeof(float) * ys);
    float *col = malloc(sizeof(float) * cs), *col1 = malloc(sizeof(float) * cs);
    float *dx = malloc(sizeof(float) * xs), *dx1 = malloc(sizeof(float) * xs);
    float *dw = malloc(sizeof(float) * ws), *db = malloc(sizeof(float) * g.k);
    fill(rng, x, (int)xs, 1, 0);
    fill(rng, w, (int)ws, 0.5, 0);
    fill(rng, b, g.k, 1, 0);
    fill(rng, dy, (int)ys, 1, 0);
    bnx_conv2d_forward(&g, n, layout, x, w, b, y, col);
    bnx_im2col(&g, n, layout, x, col1);
    for (int o = 0; o < g.k; o++)
        for (int i = 0; i < np; i++)
            y1[(size_t)o * np + i] = b[o];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.k, np, ckk, 1.0f, w, ckk, col1, np, 1.0f,
                y1, np);
    ck_assert_msg(memcmp(col, col1, sizeof(float) * cs) == 0, "shape %d layout %d: col", t, lay);
    double dy_rel = max_rel_diff(y, y1, ys); /* 0 natively; see the test's comment */
    ck_assert_msg(dy_rel <= 1e-5, "shape %d layout %d: y differs by %g", t, lay, dy_rel);
    bnx_conv2d_backward(&g, n, layout, dy, w, col, dx, dw, db);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, np, g.k, 1.0f, w, ckk, dy, np, 0.0f,
                col1, np);
    bnx_col2im(&g, n, layout, col1, dx1);
    double dx_rel = max_rel_diff(dx, dx1, xs);
    ck_assert_msg(dx_rel <= 1e-5, "shape %d layout %d: dx differs by %g", t, lay, dx_rel);
    free(x), free(w), free(b), free(y), free(y1), free(dy);
    free(col), free(col1), free(dx), free(dx1), free(dw), free(db);
}

/* The im2col forward and backward work on slices of examples (conv2d.c);
 * they must give the unsliced computation: im2col of the whole mini-batch
 * and one sgemm (forward), one sgemm and col2im (dx), on shapes that span
 * several slices (a 16 -> 16 conv on 26x26 maps: one example a slice) and
 * a last slice shorter than the others; none of them the direct path's 3x3
 * stride 1 padding 1.  col bit for bit; y and dx bit for bit when OpenBLAS
 * computes a column of C the same way in a slice as in the whole matrix,
 * as its kernels do natively on this project's machine, but not under
 * valgrind (the valgrind build's suite), where the columns at a slice's
 * edge round differently (by 2.6e-6 at most): within 1e-5 there. */
START_TEST(conv2d_slices_match_whole_batch)
{
    static const int shapes[][7] = {{16, 28, 28, 16, 3, 1, 0}, {32, 14, 14, 32, 5, 1, 2},
                                    {1, 28, 28, 16, 40, 1, 0}, {24, 17, 17, 8, 4, 2, 1}};
    each_shape(shapes, 4, 44, slices_check);
}
END_TEST

static void direct_check(const bnx_conv_geom *gp, int n, enum bnx_layout layout, int t, bnx_rng *rng)
{
    const bnx_conv_geom g = *gp;
    const int lay = layout == BNX_LAYOUT_CNHW;
    const int ckk = g.c * 9, np = n * g.h * g.w;
    size_t xs = (size_t)n * g.c * g.h * g.w, ss = bnx_conv_scratch_floats(&g, n);
    size_t cs = bnx_conv_col_floats(&g, n), ws = (size_t)g.k * ckk, ys = (size_t)g.k * np;
    ck_assert(bnx_conv_is_direct(&g));
    float *x = malloc(sizeof(float) * xs), *w = malloc(sizeof(float) * ws);
    float *b = malloc(sizeof(float) * g.k), *dy = malloc(sizeof(float) * ys);
    const float *bias = t % 2 ? NULL : b; /* odd shapes: no bias */
    float *y[4], *dx[4], *dw[4], *scratch[4];
    for (int r = 0; r < 4; r++) {
        y[r] = malloc(sizeof(float) * ys), dx[r] = malloc(sizeof(float) * xs);
        dw[r] = malloc(sizeof(float) * ws), scratch[r] = malloc(sizeof(float) * ss);
        fill_nan(y[r], (int)ys), fill_nan(dx[r], (int)xs), fill_nan(dw[r], (int)ws);
    }
    float *col = malloc(sizeof(float) * cs), *ry = malloc(sizeof(float) * ys);
    float *rdx = malloc(sizeof(float) * xs), *rdw = malloc(sizeof(float) * ws);
    fill(rng, x, (int)xs, 1, 0);
    fill(rng, w, (int)ws, 0.5, 0);
    fill(rng, b, g.k, 1, 0);
    fill(rng, dy, (int)ys, 1, 0);
    /* threads 1 and 2, the widest kernels, then the 8-float ones */
    int lanes = bnx_kernel_set_avx512(1) ? 16 : 8;
    static int told;
    if (lanes == 8 && !told++) /* valgrind hides AVX-512 too */
        fprintf(stderr, "check_conv: this CPU has no AVX-512: the 16-float direct kernels "
                        "are not compared with the 8-float ones\n");
    const int runs = lanes == 16 ? 4 : 2; /* without AVX-512 runs 2, 3 would repeat 0, 1 */
    for (int r = 0; r < runs; r++) {
        bnx_kernel_set_avx512(r < 2);
        bnx_kernel_set_threads(r % 2 + 1);
        bnx_conv2d_forward(&g, n, layout, x, w, bias, y[r], scratch[r]);
        bnx_conv2d_backward(&g, n, layout, dy, w, scratch[r], dx[r], dw[r], NULL);
    }
    bnx_kernel_set_threads(1);
    bnx_kernel_set_avx512(1);
    for (int r = 1; r < runs; r++) {
        const char *run = r == 1 ? "2 threads" : r == 2 ? "8 lanes" : "8 lanes, 2 threads";
        ck_assert_msg(memcmp(y[0], y[r], sizeof(float) * ys) == 0, "shape %d: y, %d lanes vs %s",
                      t, lanes, run);
        ck_assert_msg(memcmp(dx[0], dx[r], sizeof(float) * xs) == 0,
                      "shape %d: dx, %d lanes vs %s", t, lanes, run);
        ck_assert_msg(memcmp(dw[0], dw[r], sizeof(float) * ws) == 0,
                      "shape %d: dW, %d lanes vs %s", t, lanes, run);
    }
    bnx_im2col(&g, n, layout, x, col);
    for (int o = 0; o < g.k; o++)
        for (int i = 0; i < np; i++)
            ry[(size_t)o * np + i] = bias ? b[o] : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.k, np, ckk, 1.0f, w, ckk, col, np,
                1.0f, ry, np);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.k, ckk, np, 1.0f, dy, np, col, np,
                0.0f, rdw, ckk);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, np, g.k, 1.0f, w, ckk, dy, np,
                0.0f, col, np);
    bnx_col2im(&g, n, layout, col, rdx);
    for (size_t i = 0; i < ys; i++)
        ck_assert_msg(fabsf(y[0][i] - ry[i]) <= 1e-5f * (float)ckk, "shape %d layout %d: y[%zu] %.7g, im2col %.7g", t, lay, i, y[0][i], ry[i]);
    for (size_t i = 0; i < xs; i++)
        ck_assert_msg(fabsf(dx[0][i] - rdx[i]) <= 1e-5f * (float)(g.k * 9), "shape %d layout %d: dx[%zu] %.7g, im2col %.7g", t, lay, i, dx[0][i], rdx[i]);
    for (size_t i = 0; i < ws; i++)
        ck_assert_msg(fabsf(dw[0][i] - rdw[i]) <= 1e-5f * (float)np, "shape %d layout %d: dW[%zu] %.7g, im2col %.7g", t, lay, i, dw[0][i], rdw[i]);
    free(x), free(w), free(b), free(dy), free(col), free(ry), free(rdx), free(rdw);
    for (int r = 0; r < 4; r++)
        free(y[r]), free(dx[r]), free(dw[r]), free(scratch[r]);
}

/* 3x3 convolutions with stride 1 and padding 1 on maps larger than 8x8
 * run the direct kernels (conv2d.c): their y, dW and dx against the
 * im2col path's products, computed here with im2col, cblas_sgemm and
 * col2im, within float rounding; channel counts that are not multiples of
 * the kernels' blocks (2 and 4), planes of one row or one column, no bias,
 * a plane too large for the staging buffer (40x40); and the same bits on 1
 * and 2 threads and with the 8-float kernels as with the widest (16 floats
 * on an AVX-512 CPU; there the comparison is between the two widths).
 * Maps of 48 positions or fewer go to im2col (where the padded width
 * wastes the direct kernel's work). */
START_TEST(conv2d_direct_matches_im2col)
{
    static const int shapes[][7] = {{3, 9, 9, 5, 3, 1, 1},    {1, 28, 28, 16, 4, 1, 1},
                                    {16, 28, 28, 16, 2, 1, 1}, {5, 1, 70, 7, 2, 1, 1},
                                    {2, 70, 1, 3, 3, 1, 1},    {32, 14, 14, 32, 2, 1, 1},
                                    {7, 5, 13, 1, 1, 1, 1},    {3, 1, 65, 2, 2, 1, 1},
                                    {3, 40, 40, 6, 2, 1, 1},   {16, 8, 8, 24, 3, 1, 1},
                                    {5, 7, 7, 6, 2, 1, 1}};
    each_shape(shapes, 11, 45, direct_check);
    bnx_conv_geom g;
    const int sides[][3] = {{8, 8, 1}, {1, 48, 0}, {1, 49, 1}, {7, 7, 1}, {6, 8, 0},
                            {4, 4, 0}, {32, 32, 1}};
    for (int i = 0; i < 7; i++) {
        ck_assert_int_eq(bnx_conv_geom_init(&g, 4, sides[i][0], sides[i][1], 4, 3, 3, 1, 1, NULL), BNX_OK);
        ck_assert_msg(bnx_conv_is_direct(&g) == sides[i][2], "%dx%d", sides[i][0], sides[i][1]);
    }
}
END_TEST

/* bnx_conv2d_forward_affine against bnx_conv2d_forward followed by batch
 * norm's inference pass (bnx_batchnorm_forward_infer, and with the ReLU
 * bnx_batchnorm_relu_forward_infer's r) on the same conv maps, bit for
 * bit, on 1 and 2 threads: the folded pass logits-only evaluation runs
 * (model/net.h's BNX_FWD_LOGITS_ONLY).  Shapes computed directly (one
 * whose plane is too large for the staging buffer, so written value by
 * value) and by im2col (stride 2). */
static void affine_check(const bnx_conv_geom *gp, int n, enum bnx_layout layout, int t, bnx_rng *rng)
{
    const bnx_conv_geom g = *gp;
    const size_t xs = (size_t)n * g.c * g.h * g.w, ws = (size_t)g.k * g.c * 9;
    const size_t ys = (size_t)g.k * n * g.oh * g.ow, ss = bnx_conv_scratch_floats(&g, n);
    const int s = n * g.oh * g.ow; /* a channel's values: conv maps are (k, n, oh, ow) */
    float *x = malloc(sizeof(float) * xs), *w = malloc(sizeof(float) * ws);
    float *b = malloc(sizeof(float) * g.k), *col = malloc(sizeof(float) * ss);
    float *conv = malloc(sizeof(float) * ys), *want = malloc(sizeof(float) * ys);
    float *wr = malloc(sizeof(float) * ys), *got = malloc(sizeof(float) * ys);
    float *gamma = malloc(sizeof(float) * g.k), *beta = malloc(sizeof(float) * g.k);
    float *mean = malloc(sizeof(float) * g.k), *var = malloc(sizeof(float) * g.k);
    float *scale = malloc(sizeof(float) * g.k), *shift = malloc(sizeof(float) * g.k);
    fill(rng, x, (int)xs, 1, 0);
    fill(rng, w, (int)ws, 0.5, 0);
    fill(rng, b, g.k, 1, 0);
    fill(rng, gamma, g.k, 1, 1);
    fill(rng, beta, g.k, 0.5, 0);
    fill(rng, mean, g.k, 1, 0);
    fill(rng, var, g.k, 0.5, 1); /* around 1, positive */
    const float eps = 1e-5f;
    bnx_batchnorm_infer_coefficients(g.k, gamma, beta, mean, var, eps, scale, shift);
    const float *bias = t % 2 ? NULL : b;
    bnx_conv2d_forward(&g, n, layout, x, w, bias, conv, col);
    for (int relu = 0; relu < 2; relu++) {
        if (relu)
            bnx_batchnorm_relu_forward_infer(1, g.k, s, conv, gamma, beta, mean, var, eps, want, wr);
        else
            bnx_batchnorm_forward_infer(1, g.k, s, conv, gamma, beta, mean, var, eps, want);
        const int runs = bnx_kernel_set_avx512(1) ? 4 : 2; /* no AVX-512: 2, 3 would repeat */
        for (int run = 0; run < runs; run++) { /* 1 and 2 threads; widest, then 8 lanes */
            const int threads = run % 2 + 1, lanes = bnx_kernel_set_avx512(run < 2) ? 16 : 8;
            fill_nan(got, (int)ys);
            bnx_kernel_set_threads(threads);
            bnx_conv2d_forward_affine(&g, n, layout, x, w, bias, scale, shift, relu, got, col);
            bnx_kernel_set_threads(1);
            bnx_kernel_set_avx512(1);
            ck_assert_msg(memcmp(got, relu ? wr : want, sizeof(float) * ys) == 0,
                          "shape %d layout %d relu %d threads %d lanes %d: folded pass differs",
                          t, layout == BNX_LAYOUT_CNHW, relu, threads, lanes);
        }
    }
    free(x), free(w), free(b), free(col), free(conv), free(want), free(wr), free(got);
    free(gamma), free(beta), free(mean), free(var), free(scale), free(shift);
}

START_TEST(conv2d_affine_equals_conv_then_batch_norm)
{
    static const int shapes[][7] = {{16, 28, 28, 16, 3, 1, 1}, {1, 28, 28, 16, 2, 1, 1},
                                    {32, 7, 7, 32, 4, 1, 1},   {3, 40, 40, 5, 2, 1, 1},
                                    {8, 14, 14, 16, 3, 2, 1},  {5, 1, 9, 7, 2, 1, 1}};
    each_shape(shapes, 6, 46, affine_check);
}
END_TEST

/* ---- conv2d gradients: 3x3, padding 1, stride 2 and stride 1 ---- */
enum { CV_N = 2, CV_C = 2, CV_H = 5, CV_W = 6, CV_K = 3, CV_KH = 3, CV_KW = 3 };
enum { CV_XS = CV_N * CV_C * CV_H * CV_W, CV_WS = CV_K * CV_C * CV_KH * CV_KW,
       CV_YS = CV_K * CV_N * CV_H * CV_W, CV_CS = 4096 /* at least bnx_conv_scratch_floats */ };
struct conv_ctx {
    bnx_conv_geom g;
    enum bnx_layout layout;
    int ys; /* output size, at most CV_YS (stride 1) */
    float x[CV_XS], w[CV_WS], b[CV_K], y[CV_YS], r[CV_YS], col[CV_CS];
};
static double conv_loss(void *p)
{
    struct conv_ctx *c = p;
    bnx_conv2d_forward(&c->g, CV_N, c->layout, c->x, c->w, c->b, c->y, c->col);
    return dot(c->r, c->y, (size_t)c->ys);
}

static void gradcheck_conv(enum bnx_layout layout, int stride)
{
    static struct conv_ctx c;
    bnx_error err;
    ck_assert_int_eq(bnx_conv_geom_init(&c.g, CV_C, CV_H, CV_W, CV_K, CV_KH, CV_KW, stride, 1,
                                        &err), BNX_OK);
    c.layout = layout;
    c.ys = CV_K * CV_N * c.g.oh * c.g.ow;
    ck_assert_uint_le(bnx_conv_scratch_floats(&c.g, CV_N), CV_CS);
    bnx_rng rng;
    bnx_rng_seed(&rng, 43 + 2 * layout + stride, 0);
    fill(&rng, c.x, CV_XS, 1, 0);
    fill(&rng, c.w, CV_WS, 0.5, 0);
    fill(&rng, c.b, CV_K, 0.5, 0);
    fill(&rng, c.r, c.ys, 1, 0);
    float dx[CV_XS], dw[CV_WS], db[CV_K], dw2[CV_WS];
    fill_nan(dx, CV_XS);
    fill_nan(dw, CV_WS);
    fill_nan(db, CV_K);
    conv_loss(&c);
    bnx_conv2d_backward(&c.g, CV_N, layout, c.r, c.w, c.col, dx, dw, db);
    check_grad("conv dx", c.x, CV_XS, dx, conv_loss, &c);
    check_grad("conv dW", c.w, CV_WS, dw, conv_loss, &c);
    check_grad("conv db", c.b, CV_K, db, conv_loss, &c);
    /* Without dx and db: the same dW, and col still holds what a backward
     * needs (a second one, with dx, gives the same dx and dW). */
    conv_loss(&c);
    float dx2[CV_XS], dw3[CV_WS];
    bnx_conv2d_backward(&c.g, CV_N, layout, c.r, c.w, c.col, NULL, dw2, NULL);
    bnx_conv2d_backward(&c.g, CV_N, layout, c.r, c.w, c.col, dx2, dw3, NULL);
    for (int i = 0; i < CV_WS; i++) {
        ck_assert_float_eq(dw2[i], dw[i]);
        ck_assert_float_eq(dw3[i], dw[i]);
    }
    for (int i = 0; i < CV_XS; i++)
        ck_assert_float_eq(dx2[i], dx[i]);
}

START_TEST(gradcheck_conv2d_nchw) { gradcheck_conv(BNX_LAYOUT_NCHW, 2); }
END_TEST
START_TEST(gradcheck_conv2d_cnhw) { gradcheck_conv(BNX_LAYOUT_CNHW, 2); }
END_TEST
START_TEST(gradcheck_conv2d_stride1)
{
    gradcheck_conv(BNX_LAYOUT_NCHW, 1);
    gradcheck_conv(BNX_LAYOUT_CNHW, 1);
}
END_TEST

/* ---- flattening ---- */

START_TEST(cnhw_rows_known_and_round_trip)
{
    /* x (C=2, N=3, S=2) = 0..11; row e of y is channel 0 then channel 1 of example e. */
    float x[12], y[12], back[12];
    for (int i = 0; i < 12; i++)
        x[i] = (float)i;
    bnx_cnhw_to_rows(2, 3, 2, x, y);
    const float want[12] = {0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11};
    for (int i = 0; i < 12; i++)
        ck_assert_float_eq(y[i], want[i]);
    fill_nan(back, 12);
    bnx_rows_to_cnhw(2, 3, 2, y, back);
    ck_assert_mem_eq(back, x, sizeof x);
    /* Larger random round trip both ways. */
    enum { C = 5, N = 7, S = 9, T = C * N * S };
    float a[T], b[T], a2[T];
    bnx_rng rng;
    bnx_rng_seed(&rng, 44, 0);
    fill(&rng, a, T, 1, 0);
    bnx_cnhw_to_rows(C, N, S, a, b);
    bnx_rows_to_cnhw(C, N, S, b, a2);
    ck_assert_mem_eq(a, a2, sizeof a);
    bnx_rows_to_cnhw(C, N, S, a, b);
    bnx_cnhw_to_rows(C, N, S, b, a2);
    ck_assert_mem_eq(a, a2, sizeof a);
    ck_assert_float_eq(b[(3 * N + 2) * S + 4], a[(2 * C + 3) * S + 4]); /* c 3, e 2, s 4 */
}
END_TEST

/* ---- pooling ---- */

START_TEST(maxpool_known_example)
{
    /* One 4x5 plane, window 2, stride 2: output 2x2 (last column dropped, floor mode). */
    const float x[20] = {1, 3, 2, 0, 9,
                         4, 2, 8, 8, 9,
                         5, 7, 1, 1, 9,
                         7, 6, 0, 1, 9};
    float y[4], dx[20];
    int32_t arg[4];
    bnx_maxpool_forward(1, 4, 5, 2, 2, x, y, arg);
    const float wy[4] = {4, 8, 7, 1};
    const int32_t warg[4] = {5, 7, 11, 12}; /* 8 at 7 and 8: first; 7 at 11 and 15: first; 1s: first */
    for (int i = 0; i < 4; i++) {
        ck_assert_float_eq(y[i], wy[i]);
        ck_assert_int_eq(arg[i], warg[i]);
    }
    const float dy[4] = {1, 2, 3, 4};
    fill_nan(dx, 20);
    bnx_maxpool_backward(1, 4, 5, 2, 2, dy, arg, dx);
    for (int i = 0; i < 20; i++)
        ck_assert_float_eq(dx[i], i == 5 ? 1 : i == 7 ? 2 : i == 11 ? 3 : i == 12 ? 4 : 0);

    /* Overlapping windows (3, stride 1) over 3x4, two planes: the shared max
     * at index 6 of plane 0 collects both gradients. */
    const float x2[24] = {0, 1, 2, 3,
                          4, 5, 9, 6,
                          7, 8, 1, 2,
                          -1, -2, -3, -4,
                          -5, -6, -7, -8,
                          -9, -9, -9, -9};
    float y2[4], dx2[24];
    int32_t arg2[4];
    bnx_maxpool_forward(2, 3, 4, 3, 1, x2, y2, arg2);
    const float wy2[4] = {9, 9, -1, -2};
    const int32_t warg2[4] = {6, 6, 0, 1};
    for (int i = 0; i < 4; i++) {
        ck_assert_float_eq(y2[i], wy2[i]);
        ck_assert_int_eq(arg2[i], warg2[i]);
    }
    const float dy2[4] = {1, 10, 100, 1000};
    bnx_maxpool_backward(2, 3, 4, 3, 1, dy2, arg2, dx2);
    for (int i = 0; i < 24; i++)
        ck_assert_float_eq(dx2[i], i == 6 ? 11 : i == 12 ? 100 : i == 13 ? 1000 : 0);

    /* A NaN in a window gives NaN, wherever it is; -inf windows give -inf. */
    float x3[4] = {1, NAN, 2, 3}, y3[1];
    int32_t a3[1];
    bnx_maxpool_forward(1, 2, 2, 2, 2, x3, y3, a3);
    ck_assert(isnan(y3[0]));
    ck_assert_int_eq(a3[0], 1);
    x3[1] = 0;
    x3[0] = NAN;
    bnx_maxpool_forward(1, 2, 2, 2, 2, x3, y3, a3);
    ck_assert(isnan(y3[0]));
    const float x4[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    bnx_maxpool_forward(1, 2, 2, 2, 2, x4, y3, a3);
    ck_assert(isinf(y3[0]) && y3[0] < 0);
    ck_assert_int_eq(a3[0], 0);
}
END_TEST

/* The 2x2, stride-2 window's eight-at-a-time path against the rule written
 * out one window at a time (first of the window's values in row order, a
 * later one winning if greater or NaN): widths giving 3 to 15 outputs a
 * row (the narrow rows, a row of exactly 8, the last eight redone), odd
 * sizes (the last row and column dropped), values from {0, 1, 2, 3} so
 * that ties are everywhere, and NaNs; and the backward against the
 * general rule (zero, then each dy added at its argmax), bit for bit. */
START_TEST(maxpool2_rows_of_eight_equal_the_rule)
{
    const int sizes[][2] = {{4, 6}, {6, 16}, {5, 17}, {8, 28}, {7, 30}, {2, 14}, {28, 28}};
    bnx_rng rng;
    bnx_rng_seed(&rng, 11, 0);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const int h = sizes[k][0], w = sizes[k][1], oh = h / 2, ow = w / 2, planes = 3;
        /* each to its size: the sanitizer build sees a read past one */
        float *x = malloc(sizeof(float) * planes * h * w), *y = malloc(sizeof(float) * planes * oh * ow);
        int32_t *arg = malloc(sizeof(int32_t) * planes * oh * ow);
        ck_assert(x && y && arg);
        for (int i = 0; i < planes * h * w; i++) {
            uint32_t r = bnx_rng_u32(&rng);
            x[i] = r % 41 == 0 ? NAN : (float)(r % 4);
        }
        bnx_maxpool_forward(planes, h, w, 2, 2, x, y, arg);
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    const float *in = x + (size_t)p * h * w;
                    int best = 2 * oy * w + 2 * ox;
                    const int at[4] = {best, best + 1, best + w, best + w + 1};
                    for (int j = 1; j < 4; j++)
                        if (in[at[j]] > in[best] || isnan(in[at[j]]))
                            best = at[j];
                    const int o = (p * oh + oy) * ow + ox;
                    ck_assert_msg(arg[o] == best, "%dx%d plane %d (%d, %d): argmax %d, want %d",
                                  h, w, p, oy, ox, arg[o], best);
                    ck_assert_mem_eq(&y[o], &in[best], sizeof(float));
                }
        /* backward: each dy to its argmax, 0 + dy there (a dy of -0 gives
           +0) and +0 elsewhere, odd sizes' last row and column included */
        float *dy = malloc(sizeof(float) * planes * oh * ow), *dx = malloc(sizeof(float) * planes * h * w),
              *want = calloc((size_t)planes * h * w, sizeof(float));
        ck_assert(dy && dx && want);
        for (int i = 0; i < planes * oh * ow; i++) {
            uint32_t r = bnx_rng_u32(&rng);
            dy[i] = r % 7 == 0 ? -0.0f : (float)((int)(r % 9) - 4) * 0.25f;
        }
        fill_nan(dx, planes * h * w);
        bnx_maxpool_backward(planes, h, w, 2, 2, dy, arg, dx);
        for (int p = 0; p < planes; p++)
            for (int o = 0; o < oh * ow; o++)
                want[(size_t)p * h * w + arg[p * oh * ow + o]] += dy[p * oh * ow + o];
        for (int i = 0; i < planes * h * w; i++)
            ck_assert_msg(memcmp(&dx[i], &want[i], sizeof(float)) == 0,
                          "%dx%d backward at %d: %g, want %g", h, w, i, dx[i], want[i]);
        free(dy);
        free(dx);
        free(want);
        free(x);
        free(y);
        free(arg);
    }
}
END_TEST

START_TEST(avgpool_known_example)
{
    /* 3x3 plane, window 2, stride 1: means of the four 2x2 blocks. */
    const float x[9] = {1, 2, 3,
                        4, 5, 6,
                        7, 8, 10};
    float y[4], dx[9];
    bnx_avgpool_forward(1, 3, 3, 2, 1, x, y);
    const float wy[4] = {3, 4, 6, 7.25f};
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq(y[i], wy[i]);
    const float dy[4] = {4, 8, 12, 16};
    fill_nan(dx, 9);
    bnx_avgpool_backward(1, 3, 3, 2, 1, dy, dx);
    const float wdx[9] = {1, 3, 2,
                          4, 10, 6,
                          3, 7, 4};
    for (int i = 0; i < 9; i++)
        ck_assert_float_eq(dx[i], wdx[i]);
}
END_TEST

enum { PL_P = 3, PL_H = 7, PL_W = 6, PL_T = PL_P * PL_H * PL_W, PL_MAXY = PL_P * 6 * 5 };
struct pool_ctx {
    int max, size, stride;
    float x[PL_T], y[PL_MAXY], r[PL_MAXY];
    int32_t arg[PL_MAXY];
};
static double pool_loss(void *p)
{
    struct pool_ctx *c = p;
    int oy = (PL_H - c->size) / c->stride + 1, ox = (PL_W - c->size) / c->stride + 1;
    if (c->max)
        bnx_maxpool_forward(PL_P, PL_H, PL_W, c->size, c->stride, c->x, c->y, c->arg);
    else
        bnx_avgpool_forward(PL_P, PL_H, PL_W, c->size, c->stride, c->x, c->y);
    return dot(c->r, c->y, (size_t)PL_P * oy * ox);
}

/* Windows 2 (stride 2: disjoint, with a row and column dropped by floor
 * mode), 3 (stride 2: overlapping) and 2 (stride 1).  For max pooling the
 * inputs are a shuffle of 0, 0.05, 0.1, ...: values 5 h apart, so that no
 * finite difference crosses a tie. */
static void gradcheck_pool(int max)
{
    static const int shapes[3][2] = {{2, 2}, {3, 2}, {2, 1}};
    static struct pool_ctx c;
    bnx_rng rng;
    bnx_rng_seed(&rng, 45 + max, 0);
    for (int s = 0; s < 3; s++) {
        c.max = max;
        c.size = shapes[s][0];
        c.stride = shapes[s][1];
        uint32_t perm[PL_T];
        for (uint32_t i = 0; i < PL_T; i++)
            perm[i] = i;
        bnx_rng_shuffle(&rng, perm, PL_T);
        for (int i = 0; i < PL_T; i++)
            c.x[i] = max ? 0.05f * (float)perm[i] - 3.0f : (float)bnx_rng_normal(&rng);
        fill(&rng, c.r, PL_MAXY, 1, 0);
        float dx[PL_T];
        fill_nan(dx, PL_T);
        pool_loss(&c);
        if (max)
            bnx_maxpool_backward(PL_P, PL_H, PL_W, c.size, c.stride, c.r, c.arg, dx);
        else
            bnx_avgpool_backward(PL_P, PL_H, PL_W, c.size, c.stride, c.r, dx);
        check_grad(max ? "maxpool dx" : "avgpool dx", c.x, PL_T, dx, pool_loss, &c);
    }
}

START_TEST(gradcheck_maxpool) { gradcheck_pool(1); }
END_TEST
START_TEST(gradcheck_avgpool) { gradcheck_pool(0); }
END_TEST

/* ---- dropout ---- */

START_TEST(dropout_mask_values_and_rate)
{
    enum { COUNT = 200000 };
    static float mask[COUNT];
    bnx_rng rng;
    bnx_rng_seed(&rng, 47, 0);
    const float ps[3] = {0.3f, 0.5f, 0.9f};
    for (int k = 0; k < 3; k++) {
        float p = ps[k], keep = 1.0f / (1.0f - p);
        bnx_dropout_mask(COUNT, p, &rng, mask);
        int zeros = 0;
        for (int i = 0; i < COUNT; i++) {
            ck_assert_msg(mask[i] == 0.0f || mask[i] == keep, "p %g: mask[%d] = %.9g", p, i,
                          mask[i]);
            zeros += mask[i] == 0.0f;
        }
        /* binomial standard deviation sqrt(p(1-p)/COUNT) < 0.0012: 6 sigma */
        ck_assert_msg(fabs((double)zeros / COUNT - p) < 0.007, "p %g: %d zeros of %d", p,
                      zeros, COUNT);
    }
    bnx_dropout_mask(COUNT, 0.0f, &rng, mask);
    for (int i = 0; i < COUNT; i++)
        ck_assert_float_eq(mask[i], 1.0f);
    /* The same seed gives the same mask. */
    static float again[COUNT];
    bnx_rng_seed(&rng, 48, 0);
    bnx_dropout_mask(COUNT, 0.4f, &rng, mask);
    bnx_rng_seed(&rng, 48, 0);
    bnx_dropout_mask(COUNT, 0.4f, &rng, again);
    ck_assert_mem_eq(mask, again, sizeof again);
}
END_TEST

enum { DN = 40 };
struct dropout_ctx { float x[DN], mask[DN], y[DN], r[DN]; };
static double dropout_loss(void *p)
{
    struct dropout_ctx *c = p;
    bnx_dropout_forward(DN, c->x, c->mask, c->y);
    return dot(c->r, c->y, DN);
}

START_TEST(gradcheck_dropout)
{
    struct dropout_ctx c;
    bnx_rng rng;
    bnx_rng_seed(&rng, 49, 0);
    fill(&rng, c.x, DN, 1, 0);
    fill(&rng, c.r, DN, 1, 0);
    bnx_dropout_mask(DN, 0.4f, &rng, c.mask);
    float dx[DN];
    dropout_loss(&c);
    for (int i = 0; i < DN; i++)
        ck_assert_float_eq(c.y[i], c.x[i] * c.mask[i]);
    bnx_dropout_backward(DN, c.mask, c.r, dx);
    check_grad("dropout dx", c.x, DN, dx, dropout_loss, &c);
}
END_TEST

/* ---- tanh ---- */

enum { TN = 24 };
struct tanh_ctx { float x[TN], y[TN], r[TN]; };
static double tanh_loss(void *p)
{
    struct tanh_ctx *c = p;
    bnx_tanh_forward(TN, c->x, c->y);
    return dot(c->r, c->y, TN);
}

START_TEST(gradcheck_tanh)
{
    struct tanh_ctx c;
    bnx_rng rng;
    bnx_rng_seed(&rng, 50, 0);
    fill(&rng, c.x, TN, 1.5, 0);
    fill(&rng, c.r, TN, 1, 0);
    float dx[TN];
    tanh_loss(&c);
    for (int i = 0; i < TN; i++)
        ck_assert_double_eq_tol(c.y[i], tanh((double)c.x[i]), 2e-7);
    bnx_tanh_backward(TN, c.y, c.r, dx);
    check_grad("tanh dx", c.x, TN, dx, tanh_loss, &c);
    float big[3] = {30.0f, -30.0f, NAN}, yb[3];
    bnx_tanh_forward(3, big, yb);
    ck_assert_float_eq(yb[0], 1.0f);
    ck_assert_float_eq(yb[1], -1.0f);
    ck_assert(isnan(yb[2]));
}
END_TEST

/* ---- batch norm over convolutional maps, S = H*W > 1 ---- */

enum { BC_N = 3, BC_C = 2, BC_S = 3 * 4, BC_T = BC_N * BC_C * BC_S };
struct bnconv_ctx {
    int n, c, s; /* the (N, C, S) view handed to the kernel */
    float x[BC_T], y[BC_T], xhat[BC_T], r[BC_T];
    float gamma[BC_C], beta[BC_C], mean[BC_C], var[BC_C], invstd[BC_C];
};
static double bnconv_loss(void *p)
{
    struct bnconv_ctx *c = p;
    bnx_batchnorm_forward_train(c->n, c->c, c->s, c->x, c->gamma, c->beta, 1e-5f, c->y, c->xhat,
                                c->mean, c->var, c->invstd);
    return dot(c->r, c->y, BC_T);
}

/* x (N, C, H, W) seen as (N, C, S); then the same tensor stored CNHW, seen
 * as (1, C, N*S), which is how a network batch-normalises CNHW maps. */
static void gradcheck_bnconv(int cnhw)
{
    struct bnconv_ctx c = {.n = cnhw ? 1 : BC_N, .c = BC_C, .s = cnhw ? BC_N * BC_S : BC_S};
    bnx_rng rng;
    bnx_rng_seed(&rng, 51 + cnhw, 0);
    fill(&rng, c.x, BC_T, 2, 1);
    fill(&rng, c.gamma, BC_C, 0.5, 1);
    fill(&rng, c.beta, BC_C, 0.5, 0);
    fill(&rng, c.r, BC_T, 1, 0);
    float dx[BC_T], dgamma[BC_C], dbeta[BC_C];
    bnconv_loss(&c);
    bnx_batchnorm_backward(c.n, c.c, c.s, c.r, c.xhat, c.gamma, c.invstd, dx, dgamma, dbeta);
    check_grad("batchnorm (conv) dx", c.x, BC_T, dx, bnconv_loss, &c);
    check_grad("batchnorm (conv) dgamma", c.gamma, BC_C, dgamma, bnconv_loss, &c);
    check_grad("batchnorm (conv) dbeta", c.beta, BC_C, dbeta, bnconv_loss, &c);
}

START_TEST(gradcheck_batchnorm_nchw_maps) { gradcheck_bnconv(0); }
END_TEST
START_TEST(gradcheck_batchnorm_cnhw_maps) { gradcheck_bnconv(1); }
END_TEST

Suite *suite_conv(void)
{
    Suite *s = suite_create("conv");
    TCase *tc = tcase_create("conv, pool, dropout, tanh");
    tcase_add_test(tc, conv_geom_init_sizes_and_errors);
    tcase_add_test(tc, im2col_matches_definition);
    tcase_add_test(tc, col2im_is_adjoint_of_im2col);
    tcase_add_test(tc, conv2d_forward_matches_direct);
    tcase_add_test(tc, conv2d_slices_match_whole_batch);
    tcase_add_test(tc, conv2d_direct_matches_im2col);
    tcase_add_test(tc, conv2d_affine_equals_conv_then_batch_norm);
    tcase_add_test(tc, gradcheck_conv2d_nchw);
    tcase_add_test(tc, gradcheck_conv2d_cnhw);
    tcase_add_test(tc, gradcheck_conv2d_stride1);
    tcase_add_test(tc, cnhw_rows_known_and_round_trip);
    tcase_add_test(tc, maxpool_known_example);
    tcase_add_test(tc, maxpool2_rows_of_eight_equal_the_rule);
    tcase_add_test(tc, avgpool_known_example);
    tcase_add_test(tc, gradcheck_maxpool);
    tcase_add_test(tc, gradcheck_avgpool);
    tcase_add_test(tc, dropout_mask_values_and_rate);
    tcase_add_test(tc, gradcheck_dropout);
    tcase_add_test(tc, gradcheck_tanh);
    tcase_add_test(tc, gradcheck_batchnorm_nchw_maps);
    tcase_add_test(tc, gradcheck_batchnorm_cnhw_maps);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_conv)
