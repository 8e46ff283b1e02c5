#include <fnmatch.h>
#include <stdio.h>
#include "core/suggest.h"

#include <string.h>

enum { MAX_LEN = 64 };

int bnx_edit_distance(const char *a, const char *b)
{
    int n = (int)strnlen(a, MAX_LEN), m = (int)strnlen(b, MAX_LEN);
    int d[MAX_LEN + 1][MAX_LEN + 1];
    for (int i = 0; i <= n; i++)
        d[i][0] = i;
    for (int j = 0; j <= m; j++)
        d[0][j] = j;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;                          /* deletion */
            best = d[i][j - 1] + 1 < best ? d[i][j - 1] + 1 : best; /* insertion */
            best = d[i - 1][j - 1] + cost < best ? d[i - 1][j - 1] + cost : best;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)                      /* adjacent swap */
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *bnx_suggest(const char *name, const char *const *candidates, int count)
{
    int limit = (int)strlen(name) / 3, best = -1, best_d = 0;
    if (limit < 1)
        limit = 1;
    for (int i = 0; i < count; i++) {
        if (!candidates[i])
            continue;
        int dist = bnx_edit_distance(name, candidates[i]);
        if (dist > 0 && dist <= limit && (best < 0 || dist < best_d)) {
            best = i;
            best_d = dist;
        }
    }
    return best >= 0 ? candidates[best] : NULL;
}

int bnx_globs_next(const char **p, char glob[256])
{
    if (!**p)
        return 0;
    size_t n = strcspn(*p, ",");
    snprintf(glob, 256, "%.*s", (int)(n < 255 ? n : 255), *p);
    *p += n + ((*p)[n] == ',');
    return 1;
}

int bnx_globs_match(const char *globs, const char *name)
{
    char glob[256];
    for (const char *p = globs; bnx_globs_next(&p, glob);)
        if (glob[0] && fnmatch(glob, name, 0) == 0)
            return 1;
    return 0;
}
