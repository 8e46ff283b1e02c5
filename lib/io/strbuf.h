/* A growing string for text that is built piece by piece (a report, a CSV)
 * and then written whole.  Running out of memory is remembered, not
 * reported at each call: the text is checked once, when it is written. */
#ifndef BNX_IO_STRBUF_H
#define BNX_IO_STRBUF_H

#include <stddef.h>

#include "core/error.h"

typedef struct bnx_strbuf {
    char *p;        /* NUL-terminated text (malloc'd), or NULL while empty */
    size_t len, cap;
    int oom;        /* an append ran out of memory: the text is incomplete */
} bnx_strbuf;

/* Append printf-formatted text; on failure set sb->oom and append nothing
 * more (later calls do nothing). */
__attribute__((format(printf, 2, 3))) void bnx_sb_printf(bnx_strbuf *sb, const char *fmt, ...);

/* Write sb's text to `path` whole (io/atomic.h: temporary file, fsync,
 * rename) and free it (also on failure).
 * Errors: BNX_ENOMEM if an append ran out of memory (nothing is written);
 * as bnx_write_file_atomic. */
int bnx_sb_write(bnx_strbuf *sb, const char *path, bnx_error *err);

/* Append s as one Markdown table cell's text: '|' as "\|", a newline as a
 * space.  Out of memory: as bnx_sb_printf (sb->oom). */
void bnx_sb_md_cell(bnx_strbuf *sb, const char *s);

/* Append s escaped as HTML text or an attribute value (& < > " ' as
 * entities).  Out of memory: as bnx_sb_printf (sb->oom). */
void bnx_sb_html(bnx_strbuf *sb, const char *s);

/* Hand over sb's text as a malloc'd NUL-terminated string in *text (""
 * for an empty buffer) and leave sb empty.
 * Errors: BNX_ENOMEM (sb is freed; *text is NULL). */
int bnx_sb_take(bnx_strbuf *sb, char **text, bnx_error *err);

#endif
