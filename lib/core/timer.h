/* Wall-clock timing for progress lines, manifests and benchmarks. */
#ifndef BNX_CORE_TIMER_H
#define BNX_CORE_TIMER_H

/* Seconds from an arbitrary fixed origin (CLOCK_MONOTONIC). */
double bnx_now(void);

/* Current UTC time as ISO 8601 ("2026-11-21T05:33:16Z") into buf
 * (at least 21 bytes).  Returns buf. */
char *bnx_utc_iso8601(char *buf, int size);

#endif
