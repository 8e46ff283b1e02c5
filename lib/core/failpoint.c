#include "core/failpoint.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bnx_failpoint_spec(const char *value, char *step, size_t size, int *action, long *nth)
{
    static const char *const names[] = {"kill", "enospc", "eio"};
    const char *colon = value ? strchr(value, ':') : NULL;
    if (!colon || colon == value || (size_t)(colon - value) >= size)
        return -1;
    snprintf(step, size, "%.*s", (int)(colon - value), value);
    const char *act = colon + 1, *more = strchr(act, ':');
    size_t len = more ? (size_t)(more - act) : strlen(act);
    *action = BNX_FP_NONE;
    for (int k = 0; k < 3; k++)
        if (strlen(names[k]) == len && strncmp(act, names[k], len) == 0)
            *action = BNX_FP_KILL + k;
    *nth = 1;
    if (more) {
        char *end;
        *nth = strtol(more + 1, &end, 10);
        if (end == more + 1 || *end || *nth < 1)
            return -1;
    }
    return *action == BNX_FP_NONE ? -1 : 0;
}

int bnx_failpoint(const char *step)
{
    static long visits; /* of the named step, in this process */
    const char *value = getenv("BNEXP_FAILPOINT");
    if (!value || !*value)
        return BNX_FP_NONE;
    char want[128];
    int action;
    long nth;
    if (bnx_failpoint_spec(value, want, sizeof want, &action, &nth) || strcmp(want, step) != 0)
        return BNX_FP_NONE;
    return ++visits == nth ? action : BNX_FP_NONE;
}

char *bnx_failpoint_file_step(const char *path, const char *what, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strcspn(base, ".");
    snprintf(buf, size, "%.*s.%s", (int)len, base, what);
    return buf;
}

_Noreturn void bnx_failpoint_kill(void)
{
    kill(getpid(), SIGKILL);
    for (;;)
        pause();
}
