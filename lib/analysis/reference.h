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

#endif
