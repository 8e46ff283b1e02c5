#include "nn/loss.h"

#include <math.h>

double bnx_softmax_xent_forward(int n, int k, const float *logits,
                                const uint8_t *labels, float *prob, int *correct)
{
    double total = 0.0;
    int right = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (long)i * k;
        float *p = prob + (long)i * k;
        int arg = 0;
        for (int j = 1; j < k; j++)
            if (z[j] > z[arg])
                arg = j;
        double sum = 0.0;
        for (int j = 0; j < k; j++) {
            p[j] = expf(z[j] - z[arg]);
            sum += p[j];
        }
        for (int j = 0; j < k; j++)
            p[j] = (float)(p[j] / sum);
        /* -log softmax(z)[y] = log(sum) - (z[y] - max) */
        total += log(sum) - ((double)z[labels[i]] - (double)z[arg]);
        right += arg == labels[i] && isfinite(sum) && isfinite(z[arg]);
    }
    *correct = right;
    return total;
}

void bnx_softmax_xent_backward(int n, int k, const float *prob,
                               const uint8_t *labels, float *dlogits)
{
    float scale = 1.0f / (float)n;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < k; j++)
            dlogits[(long)i * k + j] = prob[(long)i * k + j] * scale;
        dlogits[(long)i * k + labels[i]] -= scale;
    }
}

double bnx_mse_forward(int n, int k, const float *out, const float *target, float *resid)
{
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        double row = 0.0;
        for (int j = 0; j < k; j++) {
            long at = (long)i * k + j;
            resid[at] = out[at] - target[at];
            row += (double)resid[at] * resid[at];
        }
        total += row / k;
    }
    return total;
}

void bnx_mse_backward(int n, int k, const float *resid, float *dout)
{
    float scale = 2.0f / ((float)n * (float)k);
    for (long i = 0; i < (long)n * k; i++)
        dout[i] = resid[i] * scale;
}

double bnx_loss_forward(bnx_loss_kind kind, int n, int k, const float *out, bnx_targets y,
                        float *work, int *correct)
{
    if (kind == BNX_LOSS_MSE) {
        *correct = 0;
        return bnx_mse_forward(n, k, out, y.values, work);
    }
    return bnx_softmax_xent_forward(n, k, out, y.labels, work, correct);
}

void bnx_loss_backward(bnx_loss_kind kind, int n, int k, const float *work, bnx_targets y,
                       float *dout)
{
    if (kind == BNX_LOSS_MSE)
        bnx_mse_backward(n, k, work, dout);
    else
        bnx_softmax_xent_backward(n, k, work, y.labels, dout);
}
