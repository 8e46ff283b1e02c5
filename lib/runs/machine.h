/* The machine a trial ran on, as its manifest records it: what decides
 * whether two trials' numbers can be compared bit for bit (the kernels the
 * CPU selects) and where to look when they cannot. */
#ifndef BNX_RUNS_MACHINE_H
#define BNX_RUNS_MACHINE_H

typedef struct bnx_machine {
    char host[128];      /* the short host name (gethostname), "" if unknown */
    char cpu_model[128]; /* /proc/cpuinfo's first "model name", "" if unknown */
    char kernel[32];     /* bnx_kernel_build(): "x86-64-v3 (AVX2+FMA)", ... */
    char blas_core[64];  /* the OpenBLAS kernels selected for this CPU
                            (openblas_get_corename), "" if unknown */
    char blas_config[128]; /* OpenBLAS's build (openblas_get_config: version,
                            DYNAMIC_ARCH, ...), "" if unknown */
    char compiler[64];   /* the compiler bnexp was built with ("gcc 12.2.0",
                            "clang 14.0.6"), "" for another */
    long cores;          /* CPUs online (sysconf), 0 if unknown */
} bnx_machine;

/* Describe the machine this process runs on into *m.  What cannot be
 * found out is left "" (never an error). */
void bnx_machine_describe(bnx_machine *m);

/* 1 if a and b would select the same kernels (kernel build, OpenBLAS core
 * and CPU model all equal), else 0.  The host is not compared. */
int bnx_machine_same_kernels(const bnx_machine *a, const bnx_machine *b);

#endif
