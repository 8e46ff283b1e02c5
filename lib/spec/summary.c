#include "spec/summary.h"

#include <stdio.h>
#include <string.h>

const char *bnx_summary_header(void)
{
    return "variant,seed,status,steps,diverged_step,final_test_accuracy,best_test_accuracy,"
           "best_step,steps_to_target,target_accuracy,final_test_accuracy_ema,final_test_accuracy_population,"
           "probe_layer,probe_unit,p15_drift,p50_drift,p85_drift,wall_time_s,final_test_loss";
}

int bnx_summary_numeric(const char *name)
{
    static const char *const not_numeric[] = {"variant", "seed", "status", "probe_layer", "probe_unit"};
    if (!name || !*name)
        return 0;
    for (size_t k = 0; k < sizeof not_numeric / sizeof not_numeric[0]; k++)
        if (strcmp(name, not_numeric[k]) == 0)
            return 0;
    const char *h = bnx_summary_header();
    size_t n = strlen(name);
    for (const char *c = h; (c = strstr(c, name)) != NULL; c += n)
        if ((c == h || c[-1] == ',') && (c[n] == ',' || c[n] == '\0'))
            return 1;
    return 0;
}

void bnx_summary_numeric_list(char *buf, size_t size)
{
    char header[512], *save = NULL;
    size_t used = 0;
    snprintf(header, sizeof header, "%s", bnx_summary_header());
    buf[0] = '\0';
    for (char *c = strtok_r(header, ",", &save); c && used < size; c = strtok_r(NULL, ",", &save))
        if (bnx_summary_numeric(c))
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", c);
}
