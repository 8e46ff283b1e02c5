/* Notes: what a lib function that goes on for a while has to say while it
 * works (what it is doing, a source that did not work before it tries the
 * next, a warning), passed to a callback of the caller's, which decides
 * how to show it (cmd/ prints it on stderr).  A failure that ends the
 * function is not a note: it is returned (core/error.h). */
#ifndef BNX_CORE_NOTE_H
#define BNX_CORE_NOTE_H

enum bnx_note_kind {
    BNX_NOTE_SAY,   /* bnexp's own words ("verifying and loading mnist"): cmd/
                       prints "bnexp: TEXT" */
    BNX_NOTE_QUOTE, /* a line another program said, quoted ("sbatch: ..."): cmd/
                       prints TEXT as it is */
};

/* A note: `text` is one message without a trailing newline; it may hold
 * more lines (a failed program's last output, each line indented). */
typedef void (*bnx_note_fn)(void *ctx, int kind, const char *text);

/* Format a note (at most 8191 bytes) and pass it to note(ctx, kind, ...);
 * nothing when note is NULL. */
void bnx_notef(bnx_note_fn note, void *ctx, int kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
