#include "train/result.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

void bnx_trial_result_init(bnx_trial_result *res, const bnx_config *cfg)
{
    memset(res, 0, sizeof *res);
    res->status = BNX_TRIAL_FAILED;
    res->diverged_step = -1;
    res->steps_to_target = -1;
    res->target_accuracy = cfg->target_accuracy;
    res->best_step = -1;
    res->final_test_accuracy = res->best_test_accuracy = res->final_test_loss = NAN;
    res->final_test_accuracy_ema = res->final_test_accuracy_population = NAN;
    res->probe_layer = bnx_config_probe_layer(cfg);
    res->probe_unit = cfg->probe_unit;
    res->p15_drift = res->p50_drift = res->p85_drift = NAN;
}

int bnx_trial_result_set(bnx_trial_result *res, const char *column, double value)
{
    static const struct {
        const char *name;
        size_t offset;
    } figures[] = {
        {"final_test_accuracy", offsetof(bnx_trial_result, final_test_accuracy)},
        {"final_test_loss", offsetof(bnx_trial_result, final_test_loss)},
        {"best_test_accuracy", offsetof(bnx_trial_result, best_test_accuracy)},
        {"final_test_accuracy_ema", offsetof(bnx_trial_result, final_test_accuracy_ema)},
        {"final_test_accuracy_population",
         offsetof(bnx_trial_result, final_test_accuracy_population)},
        {"p15_drift", offsetof(bnx_trial_result, p15_drift)},
        {"p50_drift", offsetof(bnx_trial_result, p50_drift)},
        {"p85_drift", offsetof(bnx_trial_result, p85_drift)},
        {"wall_time_s", offsetof(bnx_trial_result, wall_time_s)},
    };
    for (size_t i = 0; column && i < sizeof figures / sizeof figures[0]; i++)
        if (strcmp(figures[i].name, column) == 0) {
            memcpy((char *)res + figures[i].offset, &value, sizeof value);
            return 0;
        }
    return -1;
}
