#include "probe/time_gradients.h"

static int time_gradients_on(const bnx_probe_settings *s) { return s->time_gradients; }

static int time_gradients_wants(const bnx_probe *p, long step, int record)
{
    (void)p;
    return step == 1 || record;
}

static int time_gradients_step(bnx_probe *p, const bnx_probe_step *s, bnx_error *err)
{
    const bnx_lstm *cell;
    for (int layer = 1; (cell = bnx_net_lstm(p->net, layer)); layer++)
        for (int t = 0; t < cell->steps; t++) {
            char c[32];
            int rc = bnx_csv_row(&p->csv[0], err, "%ld,%d,%d,%s", s->step, layer, t + 1,
                                 bnx_csv_num(c, 32, cell->grad_norm[t], 1));
            if (rc)
                return rc;
        }
    return BNX_OK;
}

const bnx_probe_ops bnx_time_gradients_probe = {
    .name = "time_gradients",
    .title = "||dL/dh_t||, the gradient reaching each time step of an LSTM, at the first "
             "step and every record (Cooijmans et al. 2016, Fig. 1)",
    .keys = (const char *const[]){"time_gradients", NULL},
    .num_csvs = 1,
    .csvs = (const bnx_probe_csv[]){{"time_gradients.csv", "step,layer,time_step,grad_norm", 0}},
    .on = time_gradients_on,
    .wants = time_gradients_wants,
    .step = time_gradients_step,
};
