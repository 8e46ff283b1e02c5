/* The reference pages of docs/reference/ (keys.md, charts.md, ...), made
 * from the tables they describe, so that they cannot drift from the code:
 * `bnexp list --markdown PAGE` prints one, `make docs` writes them all, and
 * tests/cli_docs.sh (in make check) fails while a committed page differs. */
#ifndef BNX_ANALYSIS_REFERENCE_H
#define BNX_ANALYSIS_REFERENCE_H

#include "core/error.h"
#include "io/strbuf.h"

/* "keys, charts, ... or datasets": the pages, for messages and help. */
const char *bnx_reference_names(void);

/* Append reference page `what` (a name of bnx_reference_names) as Markdown
 * to sb.  Errors: BNX_EINVAL naming `what` and the pages; BNX_ENOMEM. */
int bnx_reference_page(const char *what, bnx_strbuf *sb, bnx_error *err);

/* Table `what` (as bnx_reference_page) as JSON appended to sb: one object
 * {"format": "bnexp-list", "version": 1, "table": WHAT, "tables":
 * [{"columns": [NAME, ...], "rows": [[CELL, ...], ...]}, ...]}, every cell
 * a string, the page's tables in order (datasets: the registry's, then the
 * generated ones'); the page's text around them is left out.
 * Errors: BNX_EINVAL naming `what` and the tables; BNX_ENOMEM. */
int bnx_reference_json(const char *what, bnx_strbuf *sb, bnx_error *err);

#endif
