#include "core/signals.h"

#include <string.h>

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NUM_STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])

void bnx_catch_stop_signals(void (*handler)(int), int block)
{
    sigset_t set;
    sigemptyset(&set);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NUM_STOP_SIGNALS; i++) {
        sigaction(stop_signals[i], &sa, NULL);
        sigaddset(&set, stop_signals[i]);
    }
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

void bnx_stop_signals_unmask(sigset_t *set)
{
    for (size_t i = 0; i < NUM_STOP_SIGNALS; i++)
        sigdelset(set, stop_signals[i]);
}

volatile sig_atomic_t bnx_stop_signal_seen;

static void record_stop_signal(int sig)
{
    bnx_stop_signal_seen = sig;
}

void bnx_stop_signal_catch(void)
{
    bnx_stop_signal_seen = 0;
    bnx_catch_stop_signals(record_stop_signal, 0);
}
