#include "io/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomic.h"

void bnx_sb_printf(bnx_strbuf *sb, const char *fmt, ...)
{
    if (sb->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(sb->p ? sb->p + sb->len : NULL, sb->p ? sb->cap - sb->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            sb->oom = 1;
            return;
        }
        if (sb->p && sb->len + (size_t)n < sb->cap) {
            sb->len += (size_t)n;
            return;
        }
        size_t cap = sb->cap ? sb->cap : 4096;
        while (cap <= sb->len + (size_t)n)
            cap *= 2;
        char *p = realloc(sb->p, cap);
        if (!p) {
            sb->oom = 1;
            return;
        }
        sb->p = p;
        sb->cap = cap;
    }
}

int bnx_sb_write(bnx_strbuf *sb, const char *path, bnx_error *err)
{
    int rc = sb->oom ? bnx_fail(err, BNX_ENOMEM, "out of memory formatting %s", path)
                     : bnx_write_file_atomic(path, sb->p ? sb->p : "", sb->len, err);
    free(sb->p);
    memset(sb, 0, sizeof *sb);
    return rc;
}

int bnx_sb_take(bnx_strbuf *sb, char **text, bnx_error *err)
{
    *text = NULL;
    if (sb->oom || (!sb->p && !(sb->p = calloc(1, 1)))) {
        free(sb->p);
        memset(sb, 0, sizeof *sb);
        return bnx_fail(err, BNX_ENOMEM, "out of memory formatting text");
    }
    *text = sb->p;
    memset(sb, 0, sizeof *sb);
    return BNX_OK;
}

void bnx_sb_md_cell(bnx_strbuf *sb, const char *s)
{
    for (; *s; s++)
        if (*s == '|')
            bnx_sb_printf(sb, "\\|");
        else
            bnx_sb_printf(sb, "%c", *s == '\n' ? ' ' : *s);
}

void bnx_sb_html(bnx_strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': bnx_sb_printf(sb, "&amp;"); break;
        case '<': bnx_sb_printf(sb, "&lt;"); break;
        case '>': bnx_sb_printf(sb, "&gt;"); break;
        case '"': bnx_sb_printf(sb, "&quot;"); break;
        case '\'': bnx_sb_printf(sb, "&#39;"); break;
        default: bnx_sb_printf(sb, "%c", *s);
        }
    }
}
