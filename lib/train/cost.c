/* A trial's estimated FLOPs (train/cost.h). */
#include "train/cost.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double bnx_net_forward_flops(const bnx_net *net)
{
    double flops = 0.0;
    for (int i = 0; i < net->num_layers; i++) {
        const bnx_layer *l = &net->layers[i];
        double in = l->in, out = l->out;
        switch (l->kind) {
        case BNX_LAYER_LINEAR: flops += 2.0 * in * out; break;
        case BNX_LAYER_CONV:
            flops += 2.0 * out * l->geom.c * l->geom.kh * l->geom.kw;
            break;
        case BNX_LAYER_MAXPOOL:
        case BNX_LAYER_AVGPOOL: flops += out * l->geom.kh * l->geom.kw; break;
        case BNX_LAYER_NORM: flops += 6.0 * out; break;
        case BNX_LAYER_SIGMOID:
        case BNX_LAYER_RELU:
        case BNX_LAYER_TANH:
        case BNX_LAYER_DROPOUT:
        case BNX_LAYER_ADD: flops += out; break;
        case BNX_LAYER_LSTM: flops += bnx_lstm_forward_flops(&l->lstm); break;
        case BNX_LAYER_SHORTCUT:
        case BNX_LAYER_SEQUENCE:
        case BNX_LAYER_LAST_STEP:
        case BNX_LAYER_FLATTEN:
        case BNX_LAYER_IDENTITY: break;
        }
    }
    return flops;
}

long bnx_trial_records(const bnx_config *cfg)
{
    long every = cfg->eval_every > 0 ? cfg->eval_every : 1;
    return 1 + cfg->steps / every + (cfg->steps % every != 0);
}

int bnx_trial_flops(const bnx_config *cfg, int c, int h, int w, int classes, long train_n,
                    long test_n, bnx_cost *cost, bnx_error *err)
{
    static _Thread_local bnx_net net; /* large (the layer array): not on the stack */
    bnx_net_spec spec;
    bnx_net_bytes unused;
    memset(cost, 0, sizeof *cost);
    bnx_config_net_spec(cfg, c, h, w, classes, &spec);
    int rc = bnx_net_plan(&net, &spec, cfg->batch_size, &unused, err); /* the layers' shapes */
    double f = rc == BNX_OK ? bnx_net_forward_flops(&net) : 0.0;
    if (rc)
        return rc;
    long train_eval = cfg->train_eval_size < train_n ? cfg->train_eval_size : train_n;
    cost->forward = f;
    cost->train = (double)cfg->steps * 3.0 * cfg->batch_size * f;
    long records = bnx_trial_records(cfg);
    double test = (double)records * (double)test_n;
    double train = (double)records * (double)train_eval;
    if (cfg->eval_subset > 0 && cfg->eval_subset < test_n) { /* the last record: the whole sets */
        long part = (long)(train_eval * (double)cfg->eval_subset / (double)test_n);
        test = (double)(records - 1) * (double)cfg->eval_subset + (double)test_n;
        train = (double)(records - 1) * (double)(part >= 1 ? part : train_eval) + (double)train_eval;
    }
    cost->eval = (train + test) * f;
    cost->total = cost->train + cost->eval;
    return BNX_OK;
}

char *bnx_format_flops(char *buf, int size, double flops)
{
    static const char *const units[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP",
                                        "EFLOP"};
    int u = flops >= 1000.0 ? (int)(log10(flops) / 3.0) : 0; /* thousands */
    u = u > 6 ? 6 : u;
    snprintf(buf, (size_t)size, u == 0 ? "%.0f %s" : "%.1f %s", flops / pow(1000.0, u), units[u]);
    return buf;
}
