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
