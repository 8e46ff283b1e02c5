/* "Did you mean ...?": the known name closest to a mistyped one, for the
 * messages that refuse an unknown key, experiment or command; and names
 * chosen by shell globs (bnexp plot --variants). */
#ifndef BNX_CORE_SUGGEST_H
#define BNX_CORE_SUGGEST_H

/* The edit distance between a and b: the fewest insertions, deletions,
 * substitutions and swaps of two adjacent characters that turn one into
 * the other (Damerau-Levenshtein, optimal string alignment), counted up to
 * 64 characters of each (a longer string compares as its first 64).
 * Cannot fail. */
int bnx_edit_distance(const char *a, const char *b);

/* Of candidates[0 .. count), the one closest to `name` by
 * bnx_edit_distance, if that distance is at most max(1, strlen(name) / 3)
 * and not 0 (the first on a tie); NULL when none is that close, so that a
 * message suggests only a likely intent ("hiden_units" -> "hidden_units",
 * "fgi1" -> "fig1", "rn" -> "run").  NULL entries are skipped.  Cannot fail. */
const char *bnx_suggest(const char *name, const char *const *candidates, int count);

/* The next of the comma-separated patterns at *p into glob[256] (cut at
 * 255 bytes; "" for an empty one), *p moved past it and its comma; 0 when
 * *p is at the end of the string, 1 otherwise.  Cannot fail. */
int bnx_globs_next(const char **p, char glob[256]);

/* Does `name` match one of `globs`, comma-separated fnmatch(3) patterns
 * ("mlp-lr-*,baseline"; empty patterns match nothing)?  1 or 0; a pattern
 * over 255 bytes is cut there.  Cannot fail. */
int bnx_globs_match(const char *globs, const char *name);

#endif
