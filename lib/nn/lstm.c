#include "nn/lstm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/fastmath.h"
#include "nn/gemm.h"
#include "nn/kernel.h"
#include "nn/rowstats.h"
#include "nn/vec8.h"

/* ---- shape, parameters, buffers ---- */

static int is_kind(const bnx_norm_ops *ops, const char *name)
{
    return ops && strcmp(ops->name, name) == 0;
}

/* Units a site normalises: the 4H gate inputs, or the H cells. */
static int site_units(const bnx_lstm *cell, int site)
{
    return site == BNX_LSTM_SITE_C ? cell->hidden : 4 * cell->hidden;
}

static bnx_norm_layer *instance(const bnx_lstm *cell, int site, int t)
{
    return &cell->norms[(size_t)site * cell->steps + t];
}

/* The buffers shared mode pools, which a running kind must declare. */
static const char *const pooled_names[] = {"batch_mean", "batch_var", "running_mean",
                                           "running_var", "pop_mean", "pop_var"};

static int declares(const bnx_norm_ops *ops, const char *name)
{
    for (int b = 0; b < ops->num_buffers; b++)
        if (strcmp(ops->buffers[b].name, name) == 0)
            return 1;
    return 0;
}

int bnx_lstm_check(const bnx_lstm *cell, bnx_error *err)
{
    if (cell->steps < 1 || cell->in < 1 || cell->hidden < 1 || cell->max_batch < 1)
        return bnx_fail(err, BNX_EINVAL,
                        "an LSTM layer of %d time steps, %d features per step and %d hidden "
                        "units for mini-batches of %d: each must be at least 1",
                        cell->steps, cell->in, cell->hidden, cell->max_batch);
    if (cell->norm && !is_kind(cell->norm, "batch") && !is_kind(cell->norm, "layer"))
        return bnx_fail(err, BNX_EINVAL,
                        "norm = %s is not supported in an LSTM (model = lstm takes none, "
                        "batch: recurrent batch normalization, or layer: the layer-normalized "
                        "LSTM)", cell->norm->name);
    if (cell->norm && cell->stats == BNX_RNN_STATS_SHARED &&
        (cell->norm->traits & BNX_NORM_RUNNING))
        for (size_t k = 0; k < sizeof pooled_names / sizeof pooled_names[0]; k++)
            if (!declares(cell->norm, pooled_names[k]))
                return bnx_fail(err, BNX_EINVAL, "rnn_stats = shared: norm = %s keeps no %s",
                                cell->norm->name, pooled_names[k]);
    for (int site = 0; cell->norm && cell->norm->check && site < BNX_LSTM_SITES; site++) {
        bnx_norm_layer probe = {.ops = cell->norm, .hp = cell->hp, .c = site_units(cell, site),
                                .s = 1, .max_batch = cell->max_batch};
        int rc = cell->norm->check(&probe, err);
        if (rc)
            return rc;
    }
    return BNX_OK;
}

size_t bnx_lstm_param_count(const bnx_lstm *cell)
{
    size_t g = 4 * (size_t)cell->hidden, h = (size_t)cell->hidden;
    size_t weights = g * ((size_t)cell->in + h);
    if (!cell->norm)
        return weights + 2 * g;
    if (is_kind(cell->norm, "batch"))
        return weights + 3 * g + 2 * h;
    return weights + 5 * g + 2 * h;
}

void bnx_lstm_bind(bnx_lstm *cell, float *params, float *grads)
{
    size_t g = 4 * (size_t)cell->hidden, h = (size_t)cell->hidden, off = 0;
#define TAKE(p, dp, len) (cell->p = params + off, cell->dp = grads + off, off += (len))
    TAKE(w_ih, dw_ih, g * (size_t)cell->in);
    TAKE(w_hh, dw_hh, g * h);
    if (!cell->norm) {
        TAKE(b_ih, db_ih, g);
        TAKE(b_hh, db_hh, g);
        return;
    }
    if (is_kind(cell->norm, "batch")) {
        TAKE(gamma[BNX_LSTM_SITE_X], dgamma[BNX_LSTM_SITE_X], g);
        TAKE(gamma[BNX_LSTM_SITE_H], dgamma[BNX_LSTM_SITE_H], g);
        TAKE(bias, dbias, g);
        for (int site = BNX_LSTM_SITE_X; site <= BNX_LSTM_SITE_H; site++) {
            cell->beta[site] = cell->zero;
            cell->dbeta[site] = cell->scratch + g; /* thrown away */
        }
        TAKE(gamma[BNX_LSTM_SITE_C], dgamma[BNX_LSTM_SITE_C], h);
        TAKE(beta[BNX_LSTM_SITE_C], dbeta[BNX_LSTM_SITE_C], h);
    } else {
        for (int site = 0; site < BNX_LSTM_SITES; site++) {
            size_t len = (size_t)site_units(cell, site);
            if (site == BNX_LSTM_SITE_C)
                TAKE(bias, dbias, g);
            TAKE(gamma[site], dgamma[site], len);
            TAKE(beta[site], dbeta[site], len);
        }
    }
#undef TAKE
    /* every instance shares its site's gamma and beta; its backward writes
     * its dgamma and dbeta to scratch, which the cell adds up over steps */
    for (int site = 0; site < BNX_LSTM_SITES; site++)
        for (int t = 0; t < cell->steps; t++) {
            bnx_norm_layer *l = instance(cell, site, t);
            l->gamma = cell->gamma[site];
            l->beta = cell->beta[site];
            l->dgamma = cell->scratch;
            l->dbeta = cell->scratch + g;
        }
}

void bnx_lstm_buffers(bnx_lstm *cell, bnx_lstm_buffer_fn fn, void *ctx)
{
    size_t t = (size_t)cell->steps, n = (size_t)cell->max_batch, h = (size_t)cell->hidden;
    size_t g = 4 * h;
    if (cell->norm) {
        fn(ctx, (void **)&cell->norms, BNX_LSTM_SITES * t, sizeof(bnx_norm_layer));
        for (int site = 0; site < BNX_LSTM_SITES; site++)
            for (int step = 0; step < cell->steps; step++) {
                bnx_norm_layer *l = cell->norms ? instance(cell, site, step) : NULL;
                if (l) {
                    l->ops = cell->norm;
                    l->hp = cell->hp;
                    l->c = site_units(cell, site);
                    l->s = 1;
                    l->max_batch = cell->max_batch;
                }
                for (int b = 0; b < cell->norm->num_buffers; b++) {
                    const bnx_norm_buffer *buf = &cell->norm->buffers[b];
                    void *unused = NULL;
                    fn(ctx, l ? &l->buf[b] : &unused,
                       bnx_norm_buffer_len(buf, site_units(cell, site), 1, cell->max_batch),
                       buf->wide ? sizeof(double) : sizeof(float));
                    free(unused); /* allocated only if the array's allocation failed */
                }
            }
        if (!is_kind(cell->norm, "layer")) /* layer's goes over xp */
            fn(ctx, (void **)&cell->dxp, t * n * g, sizeof(float));
    }
    fn(ctx, (void **)&cell->xp, t * n * g, sizeof(float));
    fn(ctx, (void **)&cell->gates, t * n * g, sizeof(float));
    fn(ctx, (void **)&cell->c, t * n * h, sizeof(float));
    fn(ctx, (void **)&cell->tc, t * n * h, sizeof(float));
    fn(ctx, (void **)&cell->hterm, n * g, sizeof(float));
    fn(ctx, (void **)&cell->cn, n * h, sizeof(float));
    fn(ctx, (void **)&cell->dh, n * h, sizeof(float));
    fn(ctx, (void **)&cell->dc, n * h, sizeof(float));
    fn(ctx, (void **)&cell->zero, g, sizeof(float));
    fn(ctx, (void **)&cell->scratch, 2 * g, sizeof(float));
    fn(ctx, (void **)&cell->grad_norm, t, sizeof(double));
}

void bnx_lstm_reset(bnx_lstm *cell)
{
    for (int k = 0; cell->norm && cell->norms && k < BNX_LSTM_SITES * cell->steps; k++)
        bnx_norm_reset(&cell->norms[k]);
}

void bnx_lstm_init(bnx_lstm *cell, float forget_bias, float gamma_init, bnx_rng *rng)
{
    bnx_lstm_reset(cell); /* first: a norm reset sets its gamma to 1 */
    size_t g = 4 * (size_t)cell->hidden, h = (size_t)cell->hidden;
    double k = 1.0 / sqrt((double)cell->hidden);
    float *draw[] = {cell->w_ih, cell->w_hh, cell->b_ih, cell->b_hh, cell->bias};
    size_t len[] = {g * (size_t)cell->in, g * h, g, g, g};
    for (int p = 0; p < 5; p++)
        for (size_t j = 0; draw[p] && j < len[p]; j++)
            draw[p][j] = (float)(k * (2.0 * bnx_rng_uniform(rng) - 1.0));
    for (int site = 0; cell->norm && site < BNX_LSTM_SITES; site++) {
        size_t units = (size_t)site_units(cell, site);
        for (size_t j = 0; j < units; j++)
            cell->gamma[site][j] = gamma_init;
        if (cell->beta[site] != cell->zero)
            memset(cell->beta[site], 0, sizeof(float) * units);
    }
    /* the forget gate's bias: the second H of the 4H */
    float *fb = cell->norm ? cell->bias : cell->b_ih;
    for (size_t j = h; j < 2 * h; j++)
        fb[j] += forget_bias;
}

/* ---- forward ---- */

/* The cell's kernels also in an x86-64-v4 (AVX-512) clone where BNX_KERNEL
 * makes clones: their loops are elementwise (no sum is reordered by a
 * wider vector) and contract no multiply-add, so the same bits as the
 * x86-64-v3 clone; 4-10% off an LSTM step on this project's machine,
 * where the convolutions' kernels lost 2-5% with such a clone (so
 * nn/kernel.h's BNX_KERNEL has none). */
#if BNX_CLONES
#define CELL_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CELL_KERNEL
#endif

/* out (n, g) += u + v: u (n, g), v one row (g) added to every row. */
CELL_KERNEL
static void add_rows(int n, int g, const float *u, const float *v, float *out)
{
    for (int i = 0; i < n; i++) {
        float *r = out + (size_t)i * g;
        const float *ui = u + (size_t)i * g;
        for (int j = 0; j < g; j++)
            r[j] += ui[j] + v[j];
    }
}

/* One example's gates: the nonlinearities in place on its row (4H) of
 * summed inputs, and its cell c = f * cprev + i * g (cprev NULL: 0). */
static inline __attribute__((always_inline)) void gates_row(int H, float *row,
                                                            const float *cprev, float *c)
{
    const int G = 4 * H;
    for (int j = 0; j < 2 * H; j++)
        row[j] = bnx_sigmoidf(row[j]);
    for (int j = 2 * H; j < 3 * H; j++)
        row[j] = bnx_tanhf(row[j]);
    for (int j = 3 * H; j < G; j++)
        row[j] = bnx_sigmoidf(row[j]);
    for (int j = 0; j < H; j++)
        c[j] = row[j] * row[2 * H + j];
    if (cprev)
        for (int j = 0; j < H; j++)
            c[j] += row[H + j] * cprev[j];
}

/* The gates' nonlinearities in place on a (n, 4H), after adding the bias
 * row b (4H) unless it is NULL, and the cell, c = f * cprev + i * g
 * (cprev NULL: 0). */
CELL_KERNEL
static void gates_forward(int n, int H, float *a, const float *b, const float *cprev, float *c)
{
    const int G = 4 * H;
    for (int i = 0; i < n; i++) {
        float *row = a + (size_t)i * G;
        for (int j = 0; b && j < G; j++)
            row[j] += b[j];
        gates_row(H, row, cprev ? cprev + (size_t)i * H : NULL, c + (size_t)i * H);
    }
}

/* Layer norm's buffers of one instance (groupnorm.c's names). */
typedef struct ln_bufs {
    float *xhat, *mean, *invstd;
} ln_bufs;

/* The layer-normalized LSTM's summed inputs and gates at one step, in one
 * pass per example (Ba et al., Eqs. 20-22):
 *   a = (gamma_x xhat_x + beta_x) + ((gamma_h xhat_h + beta_h) + b)
 * xhat_x from xp = W_ih x_t and xhat_h from hterm = W_hh h_{t-1} (n, 4H)
 * each, their statistics per example (nn/rowstats.h); then gates_row.
 * xhat, mean and invstd of both go to bx and bh (the caller points
 * bx.xhat at xp itself: xhat_x over W_ih x_t), for ln_sites_backward.  The
 * operations of
 * LN_x, LN_h, the addition and gates_forward one after another, in their
 * order: the same bits, without writing the two LN outputs and reading
 * them back. */
CELL_KERNEL
static void ln_gates_forward(int n, int H, const float *xp, const float *hterm,
                             const float *gx, const float *betax, const float *gh,
                             const float *betah, const float *b, float eps, ln_bufs bx,
                             ln_bufs bh, const float *cprev, float *a, float *c)
{
    const int G = 4 * H;
    /* the statistics, two examples' four rows at a time; the examples
       shared among the threads (each row's sums on one) */
    BNX_OMP("omp parallel for schedule(static) if ((long)n * G >= 32768)")
    for (int i = 0; i < n; i += 2) {
        size_t at = (size_t)i * G;
        const float *runs[4] = {xp + at, hterm + at, xp + at + G, hterm + at + G};
        float mu[4] = {0}, inv[4] = {0};
        if (i + 1 < n)
            bnx_runs_stats(4, runs, G, eps, mu, inv);
        else
            bnx_runs_stats(2, runs, G, eps, mu, inv);
        for (int r = 0; r < 2 && i + r < n; r++) {
            bx.mean[i + r] = mu[2 * r];
            bx.invstd[i + r] = inv[2 * r];
            bh.mean[i + r] = mu[2 * r + 1];
            bh.invstd[i + r] = inv[2 * r + 1];
        }
    }
    BNX_OMP("omp parallel for schedule(static) if ((long)n * G >= 32768)")
    for (int i = 0; i < n; i++) {
        size_t at = (size_t)i * G;
        const float *xr = xp + at, *hr = hterm + at;
        float mux = bx.mean[i], invx = bx.invstd[i], muh = bh.mean[i], invh = bh.invstd[i];
        float *row = a + at, *hx = bx.xhat + at, *hh = bh.xhat + at;
        int j = 0;
        for (; j + 16 <= G; j += 16) { /* in vectors: GCC left the plain loop scalar */
            bnx_v16f u = (BNX_V16_LOAD(xr + j) - mux) * invx;
            bnx_v16f v = (BNX_V16_LOAD(hr + j) - muh) * invh;
            BNX_V16_STORE(hx + j, u);
            BNX_V16_STORE(hh + j, v);
            BNX_V16_STORE(row + j, (BNX_V16_LOAD(gx + j) * u + BNX_V16_LOAD(betax + j)) +
                                       ((BNX_V16_LOAD(gh + j) * v + BNX_V16_LOAD(betah + j)) +
                                        BNX_V16_LOAD(b + j)));
        }
        for (; j < G; j++) {
            float u = (xr[j] - mux) * invx, v = (hr[j] - muh) * invh;
            hx[j] = u;
            hh[j] = v;
            row[j] = (gx[j] * u + betax[j]) + ((gh[j] * v + betah[j]) + b[j]);
        }
        gates_row(H, row, cprev ? cprev + (size_t)i * H : NULL, c + (size_t)i * H);
    }
}

/* tc = tanh(cn), h = o * tc over (n, H). */
CELL_KERNEL
static void output_forward(int n, int H, const float *a, const float *cn, float *tc, float *h)
{
    for (int i = 0; i < n; i++) {
        const float *o = a + (size_t)i * 4 * H + 3 * H;
        for (int j = 0; j < H; j++) {
            size_t k = (size_t)i * H + j;
            tc[k] = bnx_tanhf(cn[k]);
            h[k] = o[j] * tc[k];
        }
    }
}

/* Backward through h = o * tanh(cn) at one step: dh = dy + drec (the
 * recurrent part, overwritten with dh), da's o part (added over the rows to
 * db's o part too), and dct = dL/d(cn).  Returns sum dh^2, unit j's square
 * added to double lane j % 8 (double: a vanishing gradient's squares
 * underflow float), the lanes then added in order.  Eight units at a time
 * in vectors (nn/vec8.h; GCC left the plain loop scalar), each lane doing
 * the scalar tail's operations in its order: the same bits.  da may be a
 * (backward writes over the gates): each o is read before its da. */
CELL_KERNEL
static double output_backward(int n, int H, const float *a, const float *tc, const float *dy,
                              float *dh, float *da, float *dct, float *db)
{
    typedef double v8d __attribute__((vector_size(64)));
    const bnx_v8f one = {1, 1, 1, 1, 1, 1, 1, 1};
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        const float *o = a + (size_t)i * 4 * H + 3 * H;
        const float *tci = tc + (size_t)i * H, *dyi = dy + (size_t)i * H;
        float *dao = da + (size_t)i * 4 * H + 3 * H;
        float *dhi = dh + (size_t)i * H, *dcti = dct + (size_t)i * H;
        v8d lanes = {0};
        int j = 0;
        for (; j + 8 <= H; j += 8) {
            bnx_v8f d = BNX_V8_LOAD(dyi + j) + BNX_V8_LOAD(dhi + j);
            bnx_v8f ov = BNX_V8_LOAD(o + j), t = BNX_V8_LOAD(tci + j);
            v8d dd = __builtin_convertvector(d, v8d);
            BNX_V8_STORE(dhi + j, d);
            lanes += dd * dd;
            BNX_V8_STORE(dao + j, d * t * ov * (one - ov));
            BNX_V8_STORE(dcti + j, d * ov * (one - t * t));
        }
        for (; j < H; j++) {
            float d = dyi[j] + dhi[j], ov = o[j]; /* da may be a: o read first */
            dhi[j] = d;
            lanes[j % 8] += (double)d * d;
            dao[j] = d * tci[j] * ov * (1.0f - ov);
            dcti[j] = d * ov * (1.0f - tci[j] * tci[j]);
        }
        for (j = 0; j < H; j++)
            db[3 * H + j] += dao[j];
        for (int l = 0; l < 8; l++)
            total += lanes[l];
    }
    return total;
}

/* Backward through the gates and the cell at one step: dc = dcarry + dct
 * (dcarry becomes dc * f, the gradient to step t - 1), da's i, f, g parts
 * (added over the rows to db's too).  cprev NULL: c_{t-1} = 0.  In vectors
 * as output_backward, the same bits as the scalar tail.  da may be a:
 * each unit's i, f and g are read before its da. */
CELL_KERNEL
static void gates_backward(int n, int H, const float *a, const float *cprev, const float *dct,
                           float *dcarry, float *da, float *db)
{
    const int G = 4 * H;
    const bnx_v8f one = {1, 1, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < n; i++) {
        const float *ai = a + (size_t)i * G, *dcti = dct + (size_t)i * H;
        const float *cpi = cprev ? cprev + (size_t)i * H : NULL;
        float *dai = da + (size_t)i * G, *dci = dcarry + (size_t)i * H;
        int j = 0;
        for (; j + 8 <= H; j += 8) {
            bnx_v8f dc = BNX_V8_LOAD(dci + j) + BNX_V8_LOAD(dcti + j);
            bnx_v8f ig = BNX_V8_LOAD(ai + j), fg = BNX_V8_LOAD(ai + H + j),
                    gg = BNX_V8_LOAD(ai + 2 * H + j);
            bnx_v8f cp = cpi ? BNX_V8_LOAD(cpi + j) : (bnx_v8f){0};
            BNX_V8_STORE(dai + j, dc * gg * ig * (one - ig));
            BNX_V8_STORE(dai + H + j, dc * cp * fg * (one - fg));
            BNX_V8_STORE(dai + 2 * H + j, dc * ig * (one - gg * gg));
            BNX_V8_STORE(dci + j, dc * fg);
        }
        for (; j < H; j++) {
            float dc = dci[j] + dcti[j];
            float ig = ai[j], fg = ai[H + j], gg = ai[2 * H + j];
            float cp = cpi ? cpi[j] : 0.0f;
            dai[j] = dc * gg * ig * (1.0f - ig);
            dai[H + j] = dc * cp * fg * (1.0f - fg);
            dai[2 * H + j] = dc * ig * (1.0f - gg * gg);
            dci[j] = dc * fg;
        }
        for (j = 0; j < 3 * H; j++)
            db[j] += dai[j];
    }
}

/* Layer norm's backward at the LN-LSTM's two sites of one step, whose
 * outputs are added (a = LN_x + LN_h + b), so both see dy = da (n, G):
 * per example, with m = G and inv its 1 / sqrt(var + eps),
 *   dx = gamma inv dy - (inv / m) (sum gamma dy + xhat sum gamma dy xhat)
 * (Ba et al. 2016; groupnorm.c's backward, one group), for xhat_x (hx)
 * into dxp and for xhat_h (hh) into da in place, reading da once for
 * both; dgamma_x, dgamma_h and dbeta (the same for both sites) added to,
 * example after example.  The sums over an example in 16 float lanes
 * (value j in lane j % 16, vector or tail alike), the lanes then added in
 * double: the same order in every clone (bnx_v16f). */
CELL_KERNEL
static void ln_sites_backward(int n, int G, const float *hx, const float *invx, const float *gx,
                              const float *hh, const float *invh, const float *gh, float *da,
                              float *dxp, float *dgx, float *dgh, float *dbeta)
{
    for (int i = 0; i < n; i++) {
        size_t at = (size_t)i * G;
        float *d = da + at, *out = dxp + at;
        const float *u = hx + at, *v = hh + at;
        bnx_v16f s[4] = {{0}}; /* sum gx dy, gx dy xhat_x, gh dy, gh dy xhat_h */
        int j = 0;
        for (; j + 16 <= G; j += 16) {
            const bnx_v16f dv = BNX_V16_LOAD(d + j), du = dv * BNX_V16_LOAD(u + j),
                           dw = dv * BNX_V16_LOAD(v + j);
            const bnx_v16f g1 = BNX_V16_LOAD(gx + j), g2 = BNX_V16_LOAD(gh + j);
            BNX_V16_STORE(dbeta + j, BNX_V16_LOAD(dbeta + j) + dv);
            BNX_V16_STORE(dgx + j, BNX_V16_LOAD(dgx + j) + du);
            BNX_V16_STORE(dgh + j, BNX_V16_LOAD(dgh + j) + dw);
            s[0] += g1 * dv;
            s[1] += g1 * du;
            s[2] += g2 * dv;
            s[3] += g2 * dw;
        }
        float lanes[4][16];
        for (int k = 0; k < 4; k++)
            BNX_V16_STORE(lanes[k], s[k]);
        for (; j < G; j++) {
            float dv = d[j], du = dv * u[j], dw = dv * v[j];
            dbeta[j] += dv;
            dgx[j] += du;
            dgh[j] += dw;
            lanes[0][j % 16] += gx[j] * dv;
            lanes[1][j % 16] += gx[j] * du;
            lanes[2][j % 16] += gh[j] * dv;
            lanes[3][j % 16] += gh[j] * dw;
        }
        double sum[4] = {0};
        for (int k = 0; k < 4; k++)
            for (int l = 0; l < 16; l++)
                sum[k] += lanes[k][l];
        const float ix = invx[i], ih = invh[i];
        const float cbx = (float)(-ix * sum[0] / G), cxx = (float)(-ix * sum[1] / G);
        const float cbh = (float)(-ih * sum[2] / G), cxh = (float)(-ih * sum[3] / G);
        for (j = 0; j + 16 <= G; j += 16) {
            const bnx_v16f dv = BNX_V16_LOAD(d + j);
            BNX_V16_STORE(out + j, BNX_V16_LOAD(gx + j) * ix * dv + cxx * BNX_V16_LOAD(u + j) + cbx);
            BNX_V16_STORE(d + j, BNX_V16_LOAD(gh + j) * ih * dv + cxh * BNX_V16_LOAD(v + j) + cbh);
        }
        for (; j < G; j++) {
            float dv = d[j];
            out[j] = gx[j] * ix * dv + cxx * u[j] + cbx;
            d[j] = gh[j] * ih * dv + cxh * v[j] + cbh;
        }
    }
}

/* A site's instance at step t over n rows of its units. */
static void site_forward(bnx_lstm *cell, int site, int t, int n, const float *x, float *y,
                         unsigned flags)
{
    bnx_norm_view v = {.n = n, .c = site_units(cell, site), .s = 1, .cmajor = 0};
    bnx_norm_layer *l = instance(cell, site, t);
    l->ops->forward(l, &v, x, y, flags);
}

/* A layer norm instance's buffers. */
static ln_bufs ln_buffers(const bnx_lstm *cell, int site, int t)
{
    const bnx_norm_layer *l = instance(cell, site, t);
    return (ln_bufs){bnx_norm_buffer_named(l, "xhat"), bnx_norm_buffer_named(l, "mean"),
                     bnx_norm_buffer_named(l, "invstd")};
}

/* A unit whose mini-batch values were all equal in the forward (so were
 * their xhat, which is what is compared): every example has had the same inputs so far (the
 * blank top rows of an MNIST digit, a zero initial state), so the value is
 * a function of the parameters alone, shared by every example, and BN maps
 * it to beta whatever it is.  The loss's derivative through it is then the
 * sum over examples of dx, which is 0: the per-example parts BN's backward
 * gives, (dxhat - mean dxhat) / sqrt(eps), cancel in exact arithmetic but,
 * multiplied by 1/sqrt(eps) again at every such step back in time, not in
 * float (the NaN of jihunchoi/recurrent-batch-normalization-pytorch issue
 * 5).  They are set to 0 here, the exact gradient. */
static void drop_constant_units(const bnx_norm_layer *l, int n, int units, float *dx)
{
    const float *xhat = bnx_norm_buffer_named(l, "xhat");
    for (int j = 0; xhat && j < units; j++) {
        int equal = 1;
        for (int i = 1; i < n && equal; i++)
            equal = xhat[(size_t)i * units + j] == xhat[j];
        for (int i = 0; equal && i < n; i++)
            dx[(size_t)i * units + j] = 0.0f;
    }
}

/* Backward of a site's instance; its dgamma and dbeta are added to the
 * site's. */
static void site_backward(bnx_lstm *cell, int site, int t, int n, const float *dy, float *dx)
{
    int units = site_units(cell, site);
    bnx_norm_view v = {.n = n, .c = units, .s = 1, .cmajor = 0};
    bnx_norm_layer *l = instance(cell, site, t);
    l->ops->backward(l, &v, dy, dx);
    if (l->ops->traits & BNX_NORM_USES_BATCH)
        drop_constant_units(l, n, units, dx);
    for (int j = 0; j < units; j++) {
        cell->dgamma[site][j] += cell->scratch[j];
        if (cell->beta[site] != cell->zero)
            cell->dbeta[site][j] += cell->scratch[4 * cell->hidden + j];
    }
}

/* The statistics of unit j of a site pooled over the T steps, from each
 * step's buffers `mean` and `var` (BN's names): the mean of the step means,
 * and the mean of the step variances plus the variance of the step means
 * (the variance of all N*T values when each step's is over its N). */
static void pool_steps(const bnx_lstm *cell, int site, int j, const char *mean, const char *var,
                       double *mu, double *pooled)
{
    double sm = 0.0, sv = 0.0, smm = 0.0;
    for (int t = 0; t < cell->steps; t++) {
        const bnx_norm_layer *l = instance(cell, site, t);
        double m = ((float *)bnx_norm_buffer_named(l, mean))[j];
        sm += m;
        smm += m * m;
        sv += ((float *)bnx_norm_buffer_named(l, var))[j];
    }
    *mu = sm / cell->steps;
    double between = smm / cell->steps - *mu * *mu;
    *pooled = sv / cell->steps + (between > 0.0 ? between : 0.0);
}

/* Shared statistics: pool the steps' mini-batch statistics of every site
 * into the running estimates of step 0 (PyTorch's update over the N*T
 * values) and copy them to every step. */
static void shared_update(bnx_lstm *cell, int n)
{
    long m = (long)n * cell->steps;
    float momentum = cell->hp.momentum, unbias = m > 1 ? (float)((double)m / (double)(m - 1)) : 1.0f;
    for (int site = 0; site < BNX_LSTM_SITES; site++) {
        int units = site_units(cell, site);
        bnx_norm_layer *first = instance(cell, site, 0);
        float *rm = bnx_norm_buffer_named(first, "running_mean");
        float *rv = bnx_norm_buffer_named(first, "running_var");
        for (int j = 0; j < units; j++) {
            double mu, var;
            pool_steps(cell, site, j, "batch_mean", "batch_var", &mu, &var);
            rm[j] = (1.0f - momentum) * rm[j] + momentum * (float)mu;
            rv[j] = (1.0f - momentum) * rv[j] + momentum * (float)var * unbias;
        }
        for (int t = 1; t < cell->steps; t++) {
            bnx_norm_layer *l = instance(cell, site, t);
            memcpy(bnx_norm_buffer_named(l, "running_mean"), rm, sizeof(float) * (size_t)units);
            memcpy(bnx_norm_buffer_named(l, "running_var"), rv, sizeof(float) * (size_t)units);
        }
    }
}

static int shared_running(const bnx_lstm *cell)
{
    return cell->norm && cell->stats == BNX_RNN_STATS_SHARED &&
           (cell->norm->traits & BNX_NORM_RUNNING);
}

void bnx_lstm_forward(bnx_lstm *cell, int n, const float *x, float *y, unsigned flags)
{
    int T = cell->steps, F = cell->in, H = cell->hidden, G = 4 * H;
    size_t rows = (size_t)n * G, hrows = (size_t)n * H;
    unsigned step_flags = shared_running(cell) ? flags & ~(unsigned)BNX_FWD_UPDATE : flags;
    /* every step's input term at once, (T n, F) x (F, 4H): without a norm
     * straight into the gates, with both biases */
    bnx_sgemm(0, 1, T * n, G, F, 1.0f, x, F, cell->w_ih, F, 0.0f,
              cell->norm ? cell->xp : cell->gates, G);
    float *bsum = cell->scratch; /* none: b_ih + b_hh, added in gates_forward */
    for (int j = 0; !cell->norm && j < G; j++)
        bsum[j] = cell->b_ih[j] + cell->b_hh[j];
    const int fused = is_kind(cell->norm, "layer"); /* LN_x, LN_h and the gates in one pass */
    for (int t = 0; t < T; t++) {
        float *a = cell->gates + t * rows, *xp = cell->xp + t * rows, *c = cell->c + t * hrows;
        const float *hprev = t > 0 ? y + (t - 1) * hrows : NULL;
        const float *cprev = t > 0 ? cell->c + (t - 1) * hrows : NULL;
        if (!cell->norm) {
            if (hprev)
                bnx_sgemm(0, 1, n, G, H, 1.0f, hprev, H, cell->w_hh, H, 1.0f, a, G);
            gates_forward(n, H, a, bsum, cprev, c);
        } else {
            if (hprev)
                bnx_sgemm(0, 1, n, G, H, 1.0f, hprev, H, cell->w_hh, H, 0.0f, cell->hterm, G);
            else
                memset(cell->hterm, 0, sizeof(float) * rows);
            if (fused) {
                ln_bufs bx = ln_buffers(cell, BNX_LSTM_SITE_X, t);
                bx.xhat = xp; /* xhat_x over W_ih x_t, which nothing reads again */
                ln_gates_forward(n, H, xp, cell->hterm, cell->gamma[BNX_LSTM_SITE_X],
                                 cell->beta[BNX_LSTM_SITE_X], cell->gamma[BNX_LSTM_SITE_H],
                                 cell->beta[BNX_LSTM_SITE_H], cell->bias, cell->hp.eps, bx,
                                 ln_buffers(cell, BNX_LSTM_SITE_H, t), cprev, a, c);
            } else {
                site_forward(cell, BNX_LSTM_SITE_X, t, n, xp, a, step_flags);
                /* normalised in place is not allowed (y never aliases x): the
                 * result goes to xp's row block, whose input is no longer needed */
                site_forward(cell, BNX_LSTM_SITE_H, t, n, cell->hterm, xp, step_flags);
                add_rows(n, G, xp, cell->bias, a);
                gates_forward(n, H, a, NULL, cprev, c);
            }
        }
        const float *cn = c;
        if (cell->norm) {
            site_forward(cell, BNX_LSTM_SITE_C, t, n, c, cell->cn, step_flags);
            cn = cell->cn;
        }
        output_forward(n, H, a, cn, cell->tc + t * hrows, y + t * hrows);
    }
    if (shared_running(cell) && (flags & BNX_FWD_BATCH_STATS) && (flags & BNX_FWD_UPDATE))
        shared_update(cell, n);
}

/* ---- backward through time ---- */

void bnx_lstm_backward(bnx_lstm *cell, int n, const float *x, const float *y, const float *dy,
                       float *dx)
{
    int T = cell->steps, F = cell->in, H = cell->hidden, G = 4 * H;
    size_t rows = (size_t)n * G, hrows = (size_t)n * H;
    for (int site = 0; cell->norm && site < BNX_LSTM_SITES; site++) {
        memset(cell->dgamma[site], 0, sizeof(float) * (size_t)site_units(cell, site));
        if (cell->beta[site] != cell->zero)
            memset(cell->dbeta[site], 0, sizeof(float) * (size_t)site_units(cell, site));
    }
    float *db = cell->norm ? cell->dbias : cell->db_ih; /* the gates' bias, summed as we go */
    memset(db, 0, sizeof(float) * (size_t)G);
    memset(cell->dh, 0, sizeof(float) * hrows); /* from step T: none */
    memset(cell->dc, 0, sizeof(float) * hrows);
    const int fused = is_kind(cell->norm, "layer"); /* LN_x's and LN_h's backward in one pass */
    for (int t = T - 1; t >= 0; t--) {
        const float *a = cell->gates + t * rows, *tc = cell->tc + t * hrows;
        const float *cprev = t > 0 ? cell->c + (t - 1) * hrows : NULL;
        const float *dyt = dy + t * hrows;
        float *da = cell->gates + t * rows, *dct = cell->cn; /* over the gates, read first */
        /* dh = dL/dy_t + the recurrent part (in cell->dh); dL/d(N_c(c_t)) */
        cell->grad_norm[t] = sqrt(output_backward(n, H, a, tc, dyt, cell->dh, da, dct, db));
        if (cell->norm)
            site_backward(cell, BNX_LSTM_SITE_C, t, n, dct, dct);
        gates_backward(n, H, a, cprev, dct, cell->dc, da, db);
        if (fused) {
            ln_bufs bh = ln_buffers(cell, BNX_LSTM_SITE_H, t);
            ln_sites_backward(n, G, cell->xp + t * rows, ln_buffers(cell, BNX_LSTM_SITE_X, t).invstd,
                              cell->gamma[BNX_LSTM_SITE_X], bh.xhat, bh.invstd,
                              cell->gamma[BNX_LSTM_SITE_H], da, cell->xp + t * rows,
                              cell->dgamma[BNX_LSTM_SITE_X], cell->dgamma[BNX_LSTM_SITE_H],
                              cell->dbeta[BNX_LSTM_SITE_X]);
        } else if (cell->norm) {
            site_backward(cell, BNX_LSTM_SITE_X, t, n, da, cell->dxp + t * rows);
            site_backward(cell, BNX_LSTM_SITE_H, t, n, da, da);
        }
        /* the recurrent gradient to step t - 1 (da is now dL/d(W_hh h_{t-1})) */
        if (t > 0)
            bnx_sgemm(0, 0, n, H, G, 1.0f, da, G, cell->w_hh, H, 0.0f, cell->dh, H);
    }
    if (fused) /* LN_x's and LN_h's beta see the same gradient, da */
        memcpy(cell->dbeta[BNX_LSTM_SITE_H], cell->dbeta[BNX_LSTM_SITE_X], sizeof(float) * (size_t)G);
    const float *dxp = fused ? cell->xp : cell->norm ? cell->dxp : cell->gates;
    if (T > 1)
        bnx_sgemm(1, 0, G, H, (T - 1) * n, 1.0f, cell->gates + rows, G, y, H, 0.0f, cell->dw_hh, H);
    else
        memset(cell->dw_hh, 0, sizeof(float) * (size_t)G * H);
    bnx_sgemm(1, 0, G, F, T * n, 1.0f, dxp, G, x, F, 0.0f, cell->dw_ih, F);
    if (!cell->norm)
        memcpy(cell->db_hh, cell->db_ih, sizeof(float) * (size_t)G);
    if (dx)
        bnx_sgemm(0, 0, T * n, F, G, 1.0f, dxp, G, cell->w_ih, F, 0.0f, dx, F);
}

/* ---- state and Algorithm 2 ---- */

/* Shared statistics: pool the steps' population statistics of every site
 * (as shared_update pools a mini-batch's) and give them to every step. */
static void shared_population(bnx_lstm *cell)
{
    for (int site = 0; site < BNX_LSTM_SITES; site++)
        for (int j = 0; j < site_units(cell, site); j++) {
            double mu, var;
            pool_steps(cell, site, j, "pop_mean", "pop_var", &mu, &var);
            for (int t = 0; t < cell->steps; t++) {
                const bnx_norm_layer *l = instance(cell, site, t);
                ((float *)bnx_norm_buffer_named(l, "pop_mean"))[j] = (float)mu;
                ((float *)bnx_norm_buffer_named(l, "pop_var"))[j] = (float)var;
            }
        }
}

void bnx_lstm_population(bnx_lstm *cell, int phase, int batches, long m)
{
    if (!cell->norm || !(cell->norm->traits & BNX_NORM_RUNNING))
        return;
    for (int k = 0; k < BNX_LSTM_SITES * cell->steps; k++)
        cell->norm->population(&cell->norms[k], phase, batches, m);
    if (phase == BNX_POP_END && batches > 0 && shared_running(cell))
        shared_population(cell);
}

size_t bnx_lstm_state_len(const bnx_lstm *cell)
{
    if (!cell->norm)
        return 0;
    size_t len = 0;
    for (int site = 0; site < BNX_LSTM_SITES; site++)
        len += (size_t)cell->steps * bnx_norm_state_len(cell->norm, site_units(cell, site));
    return len;
}

void bnx_lstm_save(const bnx_lstm *cell, float *state)
{
    for (int k = 0; cell->norm && k < BNX_LSTM_SITES * cell->steps; k++) {
        bnx_norm_save(&cell->norms[k], state);
        state += bnx_norm_state_len(cell->norm, cell->norms[k].c);
    }
}

void bnx_lstm_restore(bnx_lstm *cell, const float *state)
{
    for (int k = 0; cell->norm && k < BNX_LSTM_SITES * cell->steps; k++) {
        bnx_norm_restore(&cell->norms[k], state);
        state += bnx_norm_state_len(cell->norm, cell->norms[k].c);
    }
}

double bnx_lstm_forward_flops(const bnx_lstm *cell)
{
    double g = 4.0 * cell->hidden;
    return (double)cell->steps * (2.0 * g * ((double)cell->in + cell->hidden) + 30.0 * cell->hidden);
}
