/* Markdown to HTML for bnexp's pages (index.html, claims.html), with
 * cmark-gfm (GitHub's CommonMark, its table extension): the Markdown bnexp
 * writes (report.md, claims.md) becomes the pages' body.
 *
 * Raw HTML in the Markdown is left out (cmark's safe mode: an experiment's
 * description or a rule's statement is text from a file, never markup), but
 * for the one tag bnexp writes itself, the anchor <a id="NAME"></a> (NAME
 * letters, digits, '.', '-', '_'), which is kept so that links to
 * #NAME resolve (text of exactly that form in a file's text becomes an
 * anchor too: it can do nothing but name a place in the page). */
#ifndef BNX_IO_MARKDOWN_H
#define BNX_IO_MARKDOWN_H

#include "core/error.h"

/* The HTML of Markdown text `md` (NUL-terminated) into *html (malloc'd,
 * NUL-terminated; free it): a fragment, block elements only (no <html> or
 * <body>).  Errors: BNX_EINVAL when cmark-gfm lacks its table extension;
 * BNX_ENOMEM. */
int bnx_markdown_html(const char *md, char **html, bnx_error *err);

#endif
