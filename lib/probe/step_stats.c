#include "probe/step_stats.h"

#include <stdio.h>
#include <stdlib.h>

#include "io/strbuf.h"

static int step_stats_on(const bnx_probe_settings *s) { return s->step_stats; }

static const char *const site_names[BNX_LSTM_SITES] = {"x", "h", "c"};

static int step_stats_finish(bnx_probe *p, const bnx_probe_end *e, bnx_error *err)
{
    bnx_strbuf b = {0};
    bnx_sb_printf(&b, "layer,site,time_step,unit,running_mean,running_var\n");
    const bnx_lstm *cell;
    for (int layer = 1; (cell = bnx_net_lstm(p->net, layer)); layer++) {
        if (!cell->norm || !(cell->norm->traits & BNX_NORM_RUNNING))
            continue;
        for (int site = 0; site < BNX_LSTM_SITES; site++)
            for (int t = 0; t < cell->steps; t++) {
                const bnx_norm_layer *nl = &cell->norms[site * cell->steps + t];
                const float *mean = bnx_norm_buffer_named(nl, "running_mean");
                const float *var = bnx_norm_buffer_named(nl, "running_var");
                for (int u = 0; mean && var && u < nl->c; u++) {
                    char m[32], v[32];
                    bnx_sb_printf(&b, "%d,%s,%d,%d,%s,%s\n", layer, site_names[site], t + 1,
                                  u, bnx_csv_num(m, 32, mean[u], 1),
                                  bnx_csv_num(v, 32, var[u], 1));
                }
            }
    }
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", e->dir, p->ops->csvs[0].name) >= sizeof path) {
        free(b.p);
        return bnx_fail(err, BNX_EINVAL, "trial directory path is too long: %s", e->dir);
    }
    return bnx_sb_write(&b, path, err);
}

const bnx_probe_ops bnx_step_stats_probe = {
    .name = "step_stats",
    .title = "recurrent BN's running_mean and running_var per time step, site and unit at "
             "the end (Cooijmans et al. 2016, Section 3)",
    .keys = (const char *const[]){"step_stats", NULL},
    .csvs = (const bnx_probe_csv[]){
        {"step_stats.csv", "layer,site,time_step,unit,running_mean,running_var", 1}},
    .num_csvs = 1,
    .on = step_stats_on,
    .finish = step_stats_finish,
};
