/* The direct 3x3 convolution kernels of conv2d.c, written once for a
 * vector width: conv2d.c includes this file twice, for 8-float vectors
 * (AVX2 in the x86-64-v3 clone, SSE pairs in the baseline one) and for
 * 16-float vectors (AVX-512, where the CPU runs x86-64-v4).  Each output
 * and each dW entry is summed in the same order whatever the width (a
 * wider vector only holds more positions, or more output channels, at
 * once; the fused multiply-adds are the same), so the two give the same
 * bits (tests/nn/check_conv.c compares them).
 *
 * Parameters, defined by the includer:
 *   DV       the vector type (DVW floats, unaligned, may alias float)
 *   DVW      its width, 8 or 16
 *   DWJ      dW tile columns (DW_O channels x DWJ columns of sums in
 *            registers: 12 vectors at width 8 with 6, 12 at 16 with 12)
 *   DN(n)    the name of kernel n at this width
 *   DTARGET  the attributes of the two entry points (DN(direct_forward),
 *            DN(direct_backward)): their target clones or target
 * and conv2d.c's constants, helpers and the fp-contract region it opens;
 * all of them are undefined at the end, ready for the next inclusion.
 * Private to conv2d.c. */

#define DBLK (3 * DVW)         /* positions of one direct_block step */
#define DWV (DW_O / DVW)       /* vectors of one dW tile column */
#define DLOAD(p) (*(const DV *)(p))

/* The outputs of DQ channels for one example: out[q] (h, w) (NULL: a
 * channel past the last) = bias[q] + sum over the cin input channels and
 * the 9 taps of wb[(c*9 + tap)*DQ + q] times the padded plane
 * xe + c*cstride, read at t + tap's offset; with scale (not NULL), then
 * scale[q] * that + shift[q] and the ReLU if relu (affine_plane). */
DIRECT_UNCHECKED INLINE void DN(direct_block)(const bnx_conv_geom *g, const float *xe,
                                          size_t cstride, int cin, const float *wb,
                                          const float *bias, const float *scale,
                                          const float *shift, int relu, float *const *out)
{
    const int h = g->h, w = g->w, wp = w + 2, npos = h * wp;
    const int off[9] = {0, 1, 2, wp, wp + 1, wp + 2, 2 * wp, 2 * wp + 1, 2 * wp + 2};
    int r = 0, x = 0; /* output row and column of the next position */
    /* The sums go to a staging plane per channel on the padded width, whose
     * rows are then copied out; a plane too large for it (more than
     * STAGE_MAX positions) is written value by value. */
    float stage_buf[npos + DBLK <= STAGE_MAX ? DQ * STAGE_MAX : 1];
    float *stage = npos + DBLK <= STAGE_MAX ? stage_buf : NULL;
    const size_t sst = STAGE_MAX;
    for (int p = 0; p < npos; p += DBLK) {
        DV a00 = (DV){0} + bias[0], a01 = a00, a02 = a00;
        DV a10 = (DV){0} + bias[1], a11 = a10, a12 = a10;
        DV a20 = (DV){0} + bias[2], a21 = a20, a22 = a20;
        DV a30 = (DV){0} + bias[3], a31 = a30, a32 = a30;
        for (int c = 0; c < cin; c++) {
            const float *xc = xe + (size_t)c * cstride + p, *wc = wb + (size_t)c * 9 * DQ;
            for (int t = 0; t < 9; t++) {
                const float *src = xc + off[t], *wt = wc + t * DQ;
                const DV u = DLOAD(src), v = DLOAD(src + DVW), z = DLOAD(src + 2 * DVW);
                a00 += wt[0] * u, a01 += wt[0] * v, a02 += wt[0] * z;
                a10 += wt[1] * u, a11 += wt[1] * v, a12 += wt[1] * z;
                a20 += wt[2] * u, a21 += wt[2] * v, a22 += wt[2] * z;
                a30 += wt[3] * u, a31 += wt[3] * v, a32 += wt[3] * z;
            }
        }
        if (stage) {
            float *s0 = stage + p, *s1 = s0 + sst, *s2 = s1 + sst, *s3 = s2 + sst;
            memcpy(s0, &a00, sizeof(DV)), memcpy(s0 + DVW, &a01, sizeof(DV)), memcpy(s0 + 2 * DVW, &a02, sizeof(DV));
            memcpy(s1, &a10, sizeof(DV)), memcpy(s1 + DVW, &a11, sizeof(DV)), memcpy(s1 + 2 * DVW, &a12, sizeof(DV));
            memcpy(s2, &a20, sizeof(DV)), memcpy(s2 + DVW, &a21, sizeof(DV)), memcpy(s2 + 2 * DVW, &a22, sizeof(DV));
            memcpy(s3, &a30, sizeof(DV)), memcpy(s3 + DVW, &a31, sizeof(DV)), memcpy(s3 + 2 * DVW, &a32, sizeof(DV));
            continue;
        }
        float sums[DQ][DBLK];
        memcpy(sums[0], &a00, sizeof(DV)), memcpy(sums[0] + DVW, &a01, sizeof(DV)), memcpy(sums[0] + 2 * DVW, &a02, sizeof(DV));
        memcpy(sums[1], &a10, sizeof(DV)), memcpy(sums[1] + DVW, &a11, sizeof(DV)), memcpy(sums[1] + 2 * DVW, &a12, sizeof(DV));
        memcpy(sums[2], &a20, sizeof(DV)), memcpy(sums[2] + DVW, &a21, sizeof(DV)), memcpy(sums[2] + 2 * DVW, &a22, sizeof(DV));
        memcpy(sums[3], &a30, sizeof(DV)), memcpy(sums[3] + DVW, &a31, sizeof(DV)), memcpy(sums[3] + 2 * DVW, &a32, sizeof(DV));
        const int end = npos - p < DBLK ? npos - p : DBLK;
        for (int i = 0; i < end; i++) {
            if (x < w)
                for (int q = 0; q < DQ; q++)
                    if (out[q])
                        out[q][(size_t)r * w + x] = sums[q][i];
            if (++x == wp)
                x = 0, r++;
        }
    }
    for (int q = 0; q < DQ; q++) {
        if (!out[q])
            continue;
        if (stage && scale) /* the staged plane's rows without their columns w, w+1, mapped */
            affine_plane(out[q], stage + (size_t)q * sst, h, w, wp, scale[q], shift[q], relu);
        else if (stage) /* the same rows, copied */
            for (int row = 0; row < h; row++)
                copy_row(out[q] + (size_t)row * w, stage + (size_t)q * sst + (size_t)row * wp, w);
        else if (scale) /* the plane written value by value, mapped in place */
            affine_plane(out[q], out[q], h, w, w, scale[q], shift[q], relu);
    }
}


/* Forward: y (k, n, h, w) = b + conv(x, w), or with scale (not NULL)
 * scale * that + shift (and the ReLU if relu), per output channel;
 * scratch as direct_floats. */
DIRECT_UNCHECKED DTARGET static void DN(direct_forward)(const bnx_conv_geom *g, int n,
                                                       enum bnx_layout layout, const float *x,
                                                       const float *w, const float *b,
                                                       const float *scale, const float *shift,
                                                       int relu, float *y, float *scratch)
{
    const int c = g->c, k = g->k, kb = (k + DQ - 1) / DQ;
    const size_t ps = padded_plane(g), hw = (size_t)g->h * g->w;
    float *xp = scratch, *wt = scratch + (size_t)(c + k) * n * ps;
    block_weights(w, k, c, 0, wt);
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)c * n * hw >= 32768)")
    for (int ci = 0; ci < c; ci++)
        for (int e = 0; e < n; e++)
            pad_plane(g, x + plane_offset(g, n, layout, ci, e), xp + ((size_t)ci * n + e) * ps);
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)k * n * hw >= 32768)")
    for (int e = 0; e < n; e++)
        for (int ob = 0; ob < kb; ob++) {
            float *out[DQ], bias[DQ], sc[DQ], sh[DQ];
            for (int q = 0; q < DQ; q++) {
                int o = ob * DQ + q;
                out[q] = o < k ? y + ((size_t)o * n + e) * hw : NULL;
                bias[q] = o < k && b ? b[o] : 0.0f;
                sc[q] = o < k && scale ? scale[o] : 1.0f;
                sh[q] = o < k && scale ? shift[o] : 0.0f;
            }
            DN(direct_block)(g, xp + (size_t)e * ps, (size_t)n * ps, c, wt + (size_t)ob * c * 9 * DQ,
                         bias, scale ? sc : NULL, sh, relu, out);
        }
}


/* One tile of dW: acc[j*DW_O + q] += the sum over positions t in [t0, t1)
 * of dyt[t*k16 + q] times xs[j][t], for the nj (at most DWJ) columns j and
 * the DW_O channels q; sums of the chunk in registers, then added. */
DIRECT_UNCHECKED INLINE void DN(dw_tile_n)(const float *dyt, int k16, int t0, int t1,
                                       const float *const *xs, const int nj, float *acc)
{
    DV s[DWJ][DWV];
    for (int j = 0; j < DWJ; j++)
        for (int v = 0; v < DWV; v++)
            s[j][v] = (DV){0};
    for (int t = t0; t < t1; t++) {
        const float *d = dyt + (size_t)t * k16;
        DV dv[DWV];
        for (int v = 0; v < DWV; v++)
            dv[v] = DLOAD(d + v * DVW);
        for (int j = 0; j < nj; j++) {
            const float xv = xs[j][t];
            for (int v = 0; v < DWV; v++)
                s[j][v] += xv * dv[v];
        }
    }
    for (int j = 0; j < nj; j++)
        for (int v = 0; v < DWV; v++) {
            DV a;
            memcpy(&a, acc + j * DW_O + v * DVW, sizeof(DV));
            a += s[j][v];
            memcpy(acc + j * DW_O + v * DVW, &a, sizeof(DV));
        }
}

/* dw_tile_n with nj a constant in each call, so that its loops unroll and
 * its sums stay in registers. */
DIRECT_UNCHECKED INLINE void DN(dw_tile)(const float *dyt, int k16, int t0, int t1,
                                     const float *const *xs, int nj, float *acc)
{
    switch (nj) {
#if DWJ > 6
    case 12: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 12, acc); break;
    case 11: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 11, acc); break;
    case 10: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 10, acc); break;
    case 9: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 9, acc); break;
    case 8: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 8, acc); break;
    case 7: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 7, acc); break;
#endif
    case 6: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 6, acc); break;
    case 5: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 5, acc); break;
    case 4: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 4, acc); break;
    case 3: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 3, acc); break;
    case 2: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 2, acc); break;
    default: DN(dw_tile_n)(dyt, k16, t0, t1, xs, 1, acc); break;
    }
}


/* Backward, from dy (k, n, h, w) and the padded x the forward left in
 * scratch: dw, and dx (skipped if NULL). */
DIRECT_UNCHECKED DTARGET static void DN(direct_backward)(const bnx_conv_geom *g, int n,
                                                        enum bnx_layout layout, const float *dy,
                                                        const float *w, float *scratch, float *dx,
                                                        float *dw)
{
    const int c = g->c, k = g->k, cb = (c + DQ - 1) / DQ, wp = g->w + 2;
    const int npos = g->h * wp;
    const size_t ps = padded_plane(g), hw = (size_t)g->h * g->w;
    float *xp = scratch, *dyp = scratch + (size_t)c * n * ps, *wx = dyp + (size_t)k * n * ps;
    float *lanes = wx + (size_t)cb * DQ * k * 9;
    if (dx) /* the padded dy is dx's input alone */
        BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)k * n * hw >= 32768)")
        for (int o = 0; o < k; o++)
            for (int e = 0; e < n; e++)
                pad_plane(g, dy + ((size_t)o * n + e) * hw, dyp + ((size_t)o * n + e) * ps);
    /* dW[o][ci][tap] = sum over examples e and positions t (on the padded
     * width) of dy[o][e][t] times padded x[ci][e] at t + tap's offset: a
     * GEMM of dy (k x n npos) by the taps' runs of x, whose columns
     * (ci, tap) are read in place.  dy is first transposed to dyt (n, npos,
     * k16), each position's channels contiguous (zero in the columns w,
     * w+1 and past channel k); a tile of DW_O output channels by DWJ
     * columns keeps its 12 vectors of sums in registers (dw_tile). */
    const int c9 = c * 9, k16 = (k + DW_O - 1) / DW_O * DW_O;
    const int jt = (c9 + DWJ - 1) / DWJ, tiles = k16 / DW_O * jt;
    float *dwacc = lanes;
    float *dyt = (float *)(((uintptr_t)(dwacc + (size_t)k16 * c9) + 63) & ~(uintptr_t)63);
    memset(dwacc, 0, sizeof(float) * (size_t)k16 * c9);
    BNX_OMP("omp parallel for schedule(static) if ((long)k * n * hw >= 32768)")
    for (int e = 0; e < n; e++)
        transpose_dy(g, n, e, dy, k16, dyt + (size_t)e * npos * k16);
    const int off[9] = {0, 1, 2, wp, wp + 1, wp + 2, 2 * wp, 2 * wp + 1, 2 * wp + 2};
    int parts = 1;
#ifdef _OPENMP
    parts = omp_get_max_threads();
#endif
    if (parts > tiles)
        parts = tiles;
    /* Each part, a contiguous range of tiles, goes through the examples and
     * their positions in chunks of DW_T (a chunk of dyt stays in the L1
     * cache across the part's tiles); every dW entry is summed in the same
     * order (example, chunk, position) however the tiles are parted. */
    BNX_OMP("omp parallel for schedule(static) if (parts > 1 && (long)k * c * n * hw >= 32768)")
    for (int part = 0; part < parts; part++) {
        const int lo = (int)((long)tiles * part / parts), hi = (int)((long)tiles * (part + 1) / parts);
        for (int e = 0; e < n; e++)
            for (int t0 = 0; t0 < npos; t0 += DW_T) {
                const int t1 = t0 + DW_T < npos ? t0 + DW_T : npos;
                for (int tile = lo; tile < hi; tile++) {
                    const int ko = tile / jt, j0 = tile % jt * DWJ;
                    const int nj = c9 - j0 < DWJ ? c9 - j0 : DWJ;
                    const float *xs[DWJ];
                    for (int j = 0; j < nj; j++)
                        xs[j] = xp + ((size_t)((j0 + j) / 9) * n + e) * ps + off[(j0 + j) % 9];
                    DN(dw_tile)(dyt + (size_t)e * npos * k16 + ko * DW_O, k16, t0, t1, xs, nj,
                            dwacc + ((size_t)ko * c9 + j0) * DW_O);
                }
            }
    }
    for (int o = 0; o < k; o++)
        for (int j = 0; j < c9; j++)
            dw[(size_t)o * c9 + j] = dwacc[((size_t)(o / DW_O) * c9 + j) * DW_O + o % DW_O];
    if (!dx)
        return;
    /* dx = the same convolution of the padded dy with the kernel flipped
     * (tap 8 - t) and its channels transposed. */
    block_weights(w, c, k, 1, wx);
    static const float zero[DQ];
    BNX_OMP("omp parallel for collapse(2) schedule(static) if ((long)c * n * hw >= 32768)")
    for (int e = 0; e < n; e++)
        for (int b = 0; b < cb; b++) {
            float *out[DQ];
            for (int q = 0; q < DQ; q++) {
                int ci = b * DQ + q;
                out[q] = ci < c ? dx + plane_offset(g, n, layout, ci, e) : NULL;
            }
            DN(direct_block)(g, dyp + (size_t)e * ps, (size_t)n * ps, k, wx + (size_t)b * k * 9 * DQ,
                         zero, NULL, NULL, 0, out);
        }
}

#undef DBLK
#undef DWV
#undef DLOAD
#undef DV
#undef DVW
#undef DWJ
#undef DN
#undef DTARGET
