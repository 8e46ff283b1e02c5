/* Markdown to HTML with cmark-gfm; see markdown.h. */
#include "io/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/strbuf.h"

static const char anchor_open[] = "<a id=\"", anchor_close[] = "\"></a>";
static const char mark_open[] = "BNXANCHOR", mark_close[] = "BNXEND";

static int anchor_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_';
}

/* md with each <a id="NAME"></a> as the text BNXANCHOR<NAME in hex>BNXEND,
 * which the safe renderer keeps as text. */
static void mark_anchors(const char *md, bnx_strbuf *out)
{
    const char *p = md;
    for (const char *a; (a = strstr(p, anchor_open));) {
        const char *name = a + strlen(anchor_open), *e = name;
        while (anchor_char(*e))
            e++;
        if (e == name || strncmp(e, anchor_close, strlen(anchor_close)) != 0) {
            bnx_sb_printf(out, "%.*s", (int)(name - p), p);
            p = name;
            continue;
        }
        bnx_sb_printf(out, "%.*s%s", (int)(a - p), p, mark_open);
        for (const char *c = name; c < e; c++)
            bnx_sb_printf(out, "%02x", (unsigned char)*c);
        bnx_sb_printf(out, "%s", mark_close);
        p = e + strlen(anchor_close);
    }
    bnx_sb_printf(out, "%s", p);
}

/* html with each marker back as <a id="NAME"></a> (only a NAME of anchor
 * characters; anything else stays text). */
static void restore_anchors(const char *html, bnx_strbuf *out)
{
    const char *p = html;
    for (const char *m; (m = strstr(p, mark_open));) {
        const char *hex = m + strlen(mark_open), *e = strstr(hex, mark_close);
        char name[128];
        size_t n = 0;
        int ok = e && (e - hex) % 2 == 0 && (size_t)(e - hex) / 2 < sizeof name;
        for (const char *h = hex; ok && h < e; h += 2) {
            unsigned v;
            ok = sscanf(h, "%2x", &v) == 1 && anchor_char((char)v);
            name[n++] = (char)v;
        }
        if (!ok) {
            bnx_sb_printf(out, "%.*s", (int)(hex - p), p);
            p = hex;
            continue;
        }
        name[n] = '\0';
        bnx_sb_printf(out, "%.*s%s%s%s", (int)(m - p), p, anchor_open, name, anchor_close);
        p = e + strlen(mark_close);
    }
    bnx_sb_printf(out, "%s", p);
}

int bnx_markdown_html(const char *md, char **html, bnx_error *err)
{
    *html = NULL;
    bnx_strbuf marked = {0}, out = {0};
    mark_anchors(md, &marked);
    char *rendered = NULL;
    if (!marked.oom) {
        cmark_gfm_core_extensions_ensure_registered();
        /* CMARK_OPT_SAFE: the default of cmark-gfm 0.29 on, said for older ones */
        cmark_parser *parser = cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_SAFE);
        cmark_syntax_extension *table = cmark_find_syntax_extension("table");
        if (!table) {
            if (parser)
                cmark_parser_free(parser);
            free(marked.p);
            return bnx_fail(err, BNX_EINVAL, "cmark-gfm has no table extension (libcmark-gfm-"
                            "extensions): the page's tables cannot be drawn");
        }
        if (parser && cmark_parser_attach_syntax_extension(parser, table)) {
            const char *text = marked.p ? marked.p : "";
            cmark_parser_feed(parser, text, strlen(text));
            cmark_node *doc = cmark_parser_finish(parser);
            if (doc)
                rendered = cmark_render_html(doc, CMARK_OPT_DEFAULT | CMARK_OPT_SAFE,
                                             cmark_parser_get_syntax_extensions(parser));
            cmark_node_free(doc);
        }
        if (parser)
            cmark_parser_free(parser);
    }
    free(marked.p);
    if (!rendered)
        return bnx_fail(err, BNX_ENOMEM, "out of memory rendering Markdown as HTML");
    restore_anchors(rendered, &out);
    free(rendered);
    return bnx_sb_take(&out, html, err);
}
