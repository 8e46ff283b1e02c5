#include "io/roff.h"

void bnx_roff_put(FILE *f, const char *text, size_t len)
{
    int bol = 1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (bol && (c == '.' || c == '\''))
            fputs("\\&", f);
        if (c == '\\')
            fputs("\\e", f);
        else if (c == '-')
            fputs("\\-", f);
        else
            putc(c, f);
        bol = c == '\n';
    }
}
