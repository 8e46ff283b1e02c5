#include "train/result.h"

#include <math.h>
#include <string.h>

void bnx_trial_result_init(bnx_trial_result *res, const bnx_config *cfg)
{
    memset(res, 0, sizeof *res);
    res->status = BNX_TRIAL_FAILED;
    res->diverged_step = -1;
    res->steps_to_target = -1;
    res->target_accuracy = cfg->target_accuracy;
    res->best_step = -1;
    res->final_test_accuracy = res->best_test_accuracy = NAN;
    res->final_test_accuracy_ema = res->final_test_accuracy_population = NAN;
    res->probe_layer = bnx_config_probe_layer(cfg);
    res->probe_unit = cfg->probe_unit;
    res->p15_drift = res->p50_drift = res->p85_drift = NAN;
}
