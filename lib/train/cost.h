/* What a trial will cost, estimated from its keys and the data's shape
 * before it runs: floating-point operations (FLOPs), counted from the
 * layers of the network the keys build (model/net.h's bnx_net_plan: the
 * same layout bnx_net_create allocates by).  It orders a queue of trials
 * longest first (runs/suite.h) and gives its ETA a unit; it is a model of
 * the work, not a measurement: a small network's steps are dominated by
 * overheads it does not count, so only ratios between trials of similar
 * networks are close to the times.
 *
 * The forward pass of one example, by layer (in, out: values per example):
 *   linear          2 * in * out          (a multiply and an add per weight)
 *   conv            2 * out * C * kh * kw (out = K * OH * OW outputs, each a
 *                                          dot product of C * kh * kw terms)
 *   max/avg pool    out * kh * kw         (a compare or an add per window value)
 *   normalization   6 * out               (two for the statistics, two to
 *                                          normalise, two for gamma and beta)
 *   sigmoid, relu, tanh, dropout   out    (one per value)
 *   flatten         0
 * Biases, the softmax and the loss are left out (each under 1/in of the
 * layer before them).  A trial then costs
 *   training    steps * 3 * batch_size * F     (the backward pass taken as
 *                                               twice the forward, as usual)
 *   evaluation  (records * min(train_eval_size, train_n) + test) * F,
 *               test = records * test_n, or with 0 < eval_subset < test_n
 *               (records - 1) * eval_subset + test_n (the last record
 *               reads the whole test set)
 * with F the forward FLOPs of one example and records =
 * bnx_trial_records(cfg).  The probes (quantiles, ics, landscape, scale
 * check) are left out. */
#ifndef BNX_TRAIN_COST_H
#define BNX_TRAIN_COST_H

#include "core/error.h"
#include "model/net.h"
#include "spec/config.h"

/* A trial's estimated FLOPs, by what they are for. */
typedef struct bnx_cost {
    double forward;    /* F: one example's forward pass */
    double train;      /* the SGD steps */
    double eval;       /* the records' evaluations */
    double total;      /* train + eval */
} bnx_cost;

/* The forward FLOPs of one example through the layers of `net` (as laid
 * out by bnx_net_plan or bnx_net_create), by the table above. */
double bnx_net_forward_flops(const bnx_net *net);

/* The records a trial of cfg writes (each an evaluation): step 0, every
 * eval_every-th step, and the last step if it is not one of them:
 * 1 + steps / eval_every, plus 1 when eval_every does not divide steps. */
long bnx_trial_records(const bnx_config *cfg);

/* Estimate a trial of cfg on images of shape (c, h, w) with `classes`
 * classes, train_n training and test_n test examples, into *cost (zeroed
 * on error).
 * Errors: BNX_EINVAL when the network cannot be built for the image (the
 * message is bnx_net_plan's). */
int bnx_trial_flops(const bnx_config *cfg, int c, int h, int w, int classes, long train_n,
                    long test_n, bnx_cost *cost, bnx_error *err);

/* "1.2 TFLOP", "340.0 GFLOP", "12.0 MFLOP", "900 FLOP": FLOPs for a
 * reader, into buf[size]; returns buf. */
char *bnx_format_flops(char *buf, int size, double flops);

#endif
