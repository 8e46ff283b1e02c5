/* Text for roff (man(7) pages): what `bnexp help --man` writes. */
#ifndef BNX_IO_ROFF_H
#define BNX_IO_ROFF_H

#include <stddef.h>
#include <stdio.h>

/* Write text[0 .. len) to f as roff reads it literally: a backslash as \e,
 * '-' as \- (a minus, so that an option such as --set copies as typed, not
 * as hyphens), and a '.' or '\'' that starts a line behind \& (not a
 * request).  The text starts a line.  Cannot fail (f's errors are f's). */
void bnx_roff_put(FILE *f, const char *text, size_t len);

#endif
