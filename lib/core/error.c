#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int bnx_fail(bnx_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int bnx_error_prefix(bnx_error *err, const char *fmt, ...)
{
    if (!err)
        return BNX_OK;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t used = strlen(prefix), room = sizeof err->msg - 1;
    if (used + 2 > room)
        used = room - 2;
    memcpy(err->msg, prefix, used);
    memcpy(err->msg + used, ": ", 2);
    used += 2;
    size_t rest = strlen(old);
    if (used + rest > room)
        rest = room - used;
    memcpy(err->msg + used, old, rest);
    err->msg[used + rest] = '\0';
    return err->code;
}

void bnx_error_clear(bnx_error *err)
{
    if (err) {
        err->code = BNX_OK;
        err->msg[0] = '\0';
    }
}
