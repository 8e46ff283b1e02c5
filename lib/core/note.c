#include "core/note.h"

#include <stdarg.h>
#include <stdio.h>

void bnx_notef(bnx_note_fn note, void *ctx, int kind, const char *fmt, ...)
{
    if (!note)
        return;
    char text[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    note(ctx, kind, text);
}
