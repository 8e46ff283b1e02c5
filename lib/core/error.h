/* Errors: every fallible function in lib/ returns an int status and, on
 * failure, fills a caller-owned bnx_error with one human-readable message
 * that names the thing at fault and what was expected.  Nothing in lib/
 * prints or exits; the command layer decides what to do with the message. */
#ifndef BNX_CORE_ERROR_H
#define BNX_CORE_ERROR_H

enum bnx_status {
    BNX_OK = 0,
    BNX_EINVAL,    /* a value or argument out of range               */
    BNX_EIO,       /* a file could not be opened, read or written    */
    BNX_EFORMAT,   /* a file exists but its contents are malformed   */
    BNX_ENOMEM,    /* an allocation failed                           */
    BNX_ENOTFOUND, /* a named thing (file, key, experiment) is absent */
    BNX_EEXIST,    /* refusing to overwrite something that exists    */
};

typedef struct bnx_error {
    int code;       /* one of enum bnx_status */
    char msg[1024]; /* NUL-terminated message, no trailing newline */
} bnx_error;

/* Record an error.  `err` may be NULL (the message is dropped).
 * Returns `code`, so callers can write `return bnx_fail(err, BNX_EIO, ...)`. */
int bnx_fail(bnx_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with context ("reading X: <old message>").
 * Returns err->code (BNX_OK if err is NULL). */
int bnx_error_prefix(bnx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clear an error record to code BNX_OK and an empty message. */
void bnx_error_clear(bnx_error *err);

#endif
