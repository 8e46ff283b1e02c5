/* Fuzz the run plan reader (spec/plan.h), what `bnexp run --resume` trusts.
 *
 * Input: plan.json text.  A plan that is accepted must hold only path-safe
 * trial directories VARIANT/seed-K, distinct, each config with its trial's
 * seed; written back and read again it must give the same configs and
 * checkpoint identities. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"
#include "spec/plan.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bnx_plan plan, back;
    bnx_error err = {0};
    int rc = bnx_plan_parse((const char *)data, size, "fuzz", NULL, &plan, &err);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0] != '\0', "a failure has a status and a message");
        fuzz_check(plan.num_trials == 0 && plan.trials == NULL, "a refused plan holds nothing");
        bnx_plan_free(&plan);
        return 0;
    }
    fuzz_check(plan.num_trials >= 1 && plan.num_trials <= BNX_PLAN_MAX_TRIALS, "trials in range");
    for (int i = 0; i < plan.num_trials; i++) {
        const bnx_plan_trial *t = &plan.trials[i];
        const char *slash = strchr(t->dir, '/');
        fuzz_check(bnx_name_is_safe(t->variant) && slash && strchr(slash + 1, '/') == NULL &&
                       strncmp(slash + 1, "seed-", 5) == 0,
                   "a trial directory is VARIANT/seed-K");
        fuzz_check(t->config.seed == t->seed, "a trial's config has its seed");
        for (int j = 0; j < i; j++)
            fuzz_check(strcmp(plan.trials[j].dir, t->dir) != 0, "trial directories are distinct");
    }
    /* round trip through a file */
    char dir[64] = "/tmp/fuzz_plan.XXXXXX";
    fuzz_check(mkdtemp(dir) != NULL, "mkdtemp");
    fuzz_check(bnx_plan_write(dir, &plan, &err) == BNX_OK, "an accepted plan can be written");
    fuzz_check(bnx_plan_read(dir, &back, &err) == BNX_OK, "a written plan reads back");
    fuzz_check(back.num_trials == plan.num_trials, "as many trials");
    for (int i = 0; i < plan.num_trials; i++) {
        unsigned char a[32], b[32];
        bnx_plan_identity(&plan.trials[i], "d", a);
        bnx_plan_identity(&back.trials[i], "d", b);
        fuzz_check(memcmp(&plan.trials[i].config, &back.trials[i].config, sizeof(bnx_config)) == 0,
                   "the same config back");
        fuzz_check(memcmp(a, b, 32) == 0, "the same identity back");
    }
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, BNX_PLAN_FILE);
    unlink(path);
    rmdir(dir);
    bnx_plan_free(&plan);
    bnx_plan_free(&back);
    return 0;
}
