#include "runs/machine.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nn/kernel.h"

/* The value of /proc/cpuinfo's first "model name" line into buf[size]. */
static void cpu_model(char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *v = strchr(line, ':');
        if (!v)
            continue;
        v += 1 + strspn(v + 1, " \t");
        snprintf(buf, size, "%.*s", (int)strcspn(v, "\n"), v);
        break;
    }
    if (f)
        fclose(f);
}

void bnx_machine_describe(bnx_machine *m)
{
    memset(m, 0, sizeof *m);
    if (gethostname(m->host, sizeof m->host - 1) != 0)
        m->host[0] = '\0';
    m->host[strcspn(m->host, ".")] = '\0';
    cpu_model(m->cpu_model, sizeof m->cpu_model);
    snprintf(m->kernel, sizeof m->kernel, "%s", bnx_kernel_build());
    const char *core = openblas_get_corename();
    snprintf(m->blas_core, sizeof m->blas_core, "%s", core ? core : "");
    m->blas_core[strcspn(m->blas_core, " \n")] = '\0';
    const char *config = openblas_get_config();
    snprintf(m->blas_config, sizeof m->blas_config, "%s", config ? config : "");
    m->blas_config[strcspn(m->blas_config, "\n")] = '\0';
#if defined(__clang__)
    snprintf(m->compiler, sizeof m->compiler, "clang %d.%d.%d", __clang_major__, __clang_minor__,
             __clang_patchlevel__);
#elif defined(__GNUC__)
    snprintf(m->compiler, sizeof m->compiler, "gcc %d.%d.%d", __GNUC__, __GNUC_MINOR__,
             __GNUC_PATCHLEVEL__);
#endif
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    m->cores = cores > 0 ? cores : 0;
}

int bnx_machine_same_kernels(const bnx_machine *a, const bnx_machine *b)
{
    return strcmp(a->kernel, b->kernel) == 0 && strcmp(a->blas_core, b->blas_core) == 0 &&
           strcmp(a->cpu_model, b->cpu_model) == 0;
}
