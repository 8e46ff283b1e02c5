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
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

void bnx_error_clear(bnx_error *err)
{
    if (err) {
        err->code = BNX_OK;
        err->msg[0] = '\0';
    }
}
