#include "exp/verdict.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp/config.h"
#include "exp/manifest.h"
#include "exp/plan.h"
#include "out/csvread.h"

enum { N_NUM, N_ADD, N_SUB, N_MUL, N_DIV, N_NEG, N_ABS, N_LARGER, N_SMALLER, N_AGG };
enum { A_MEAN, A_SD, A_MIN, A_MAX, A_COUNT, A_BEST, A_WORST, A_LARGEST, A_SMALLEST };
enum { Q_SUMMARY, Q_FINAL, Q_STEPS_TO, Q_DIVERGED, Q_ROWS };
/* rows_*(): the reduction of a column over a CSV's rows */
enum { R_MEAN, R_MAX, R_MIN, R_FIRST, R_LAST };

#define MAX_FILTERS 8
#define MAX_ROW_FILTERS 4

struct bnx_vnode {
    int kind;
    double num;
    bnx_vnode *a, *b;
    /* N_AGG */
    int agg, qkind;
    char qname[64];     /* summary.csv or metrics.csv column */
    double qarg;        /* steps_to's accuracy */
    /* Q_ROWS: rows_REDUCE(FILE, COLUMN, RKEY=RVAL, ...) */
    int reduce;         /* R_MEAN ... R_LAST */
    char file[64];      /* a CSV file name in the trial directory */
    int num_row_filters;
    char rkey[MAX_ROW_FILTERS][64];
    char rval[MAX_ROW_FILTERS][64]; /* the cell's text, compared exactly */
    char key[64];       /* largest / smallest: the key */
    double tol;
    int num_filters;
    char fkey[MAX_FILTERS][64];
    char fval[MAX_FILTERS][256]; /* as bnx_config_key_value writes it */
    int term;           /* index in the rule's terms */
};

static const char *const agg_names[] = {"mean", "sd", "min", "max", "count",
                                        "best", "worst", "largest", "smallest"};
static const char *const reduce_names[] = {"rows_mean", "rows_max", "rows_min", "rows_first",
                                           "rows_last"};

/* ---- setting keys ---- */

static const char known_keys[] =
    "claim, statement, source, written, at, measure, holds, min_seeds, empty, chart";

/* The canonical name of config key `key` (bn is norm), or NULL. */
static const char *canonical_key(const char *key)
{
    const char *k, *v;
    if (bnx_config_canonical(key, "true", &k, &v) == 1)
        return k;
    return bnx_config_key_index(key) >= 0 ? bnx_config_key_name(bnx_config_key_index(key)) : NULL;
}

static int set_text(char *dst, size_t size, const char *key, const char *value, bnx_error *err)
{
    if (dst[0])
        return bnx_fail(err, BNX_EFORMAT, "verdict key %s is given twice", key);
    if (!value[0] || strlen(value) >= size)
        return bnx_fail(err, BNX_EFORMAT, "verdict key %s: %s value (at most %zu characters)", key,
                        value[0] ? "over-long" : "empty", size - 1);
    snprintf(dst, size, "%s", value);
    return BNX_OK;
}

static int parse_holds(bnx_verdict_rule *r, const char *value, bnx_error *err)
{
    static const char *const ops[] = {"<=", ">=", "<", ">"};
    static const int codes[] = {BNX_OP_LE, BNX_OP_GE, BNX_OP_LT, BNX_OP_GT};
    const char *p = value;
    while (isspace((unsigned char)*p))
        p++;
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(ops[i]);
        if (strncmp(p, ops[i], n) != 0)
            continue;
        char *end;
        double x = strtod(p + n, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (end == p + n || *end || !isfinite(x))
            break;
        r->op = codes[i];
        r->threshold = x;
        return BNX_OK;
    }
    return bnx_fail(err, BNX_EFORMAT, "verdict key holds: '%s' is not OP NUMBER (OP one of "
                    "< <= > >=; e.g. >= 0.01)", value);
}

/* The text field of key `key` into *dst, *size; *continues: an indented
 * line may continue it.  0 if `key` is not a text key. */
static int text_field(bnx_verdict_rule *r, const char *key, char **dst, size_t *size, int *continues)
{
    struct { const char *name; char *dst; size_t size; int continues; } text[] = {
        {"claim", r->claim, sizeof r->claim, 0},
        {"statement", r->statement, sizeof r->statement, 1},
        {"source", r->source, sizeof r->source, 1},
        {"written", r->written, sizeof r->written, 1},
        {"measure", r->measure, sizeof r->measure, 1},
        {"holds", r->holds, sizeof r->holds, 0},
        {"chart", r->chart, sizeof r->chart, 0},
    };
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (strcmp(key, text[i].name) == 0) {
            *dst = text[i].dst;
            *size = text[i].size;
            *continues = text[i].continues;
            return 1;
        }
    return 0;
}

int bnx_verdict_set(bnx_verdict_rule *r, const char *key, const char *value, bnx_error *err)
{
    char *dst;
    size_t size;
    int continues;
    if (text_field(r, key, &dst, &size, &continues)) {
        int rc = set_text(dst, size, key, value, err);
        if (rc == BNX_OK && strcmp(key, "holds") == 0 && (rc = parse_holds(r, value, err)))
            r->holds[0] = '\0';
        return rc;
    }
    if (strcmp(key, "min_seeds") == 0) {
        char *end;
        long n = strtol(value, &end, 10);
        if (r->min_seeds)
            return bnx_fail(err, BNX_EFORMAT, "verdict key min_seeds is given twice");
        if (end == value || *end || n < 1 || n > 1024)
            return bnx_fail(err, BNX_EFORMAT, "verdict key min_seeds: '%s' is not a whole number "
                            "from 1 to 1024", value);
        r->min_seeds = (int)n;
        return BNX_OK;
    }
    if (strcmp(key, "empty") == 0) {
        char *end;
        double x = strtod(value, &end);
        if (r->empty != BNX_EMPTY_UNDECIDED || r->empty_value != 0)
            return bnx_fail(err, BNX_EFORMAT, "verdict key empty is given twice");
        if (strcmp(value, "undecided") == 0)
            r->empty_value = NAN; /* marks the key as given */
        else if (strcmp(value, "skip") == 0)
            r->empty = BNX_EMPTY_SKIP;
        else if (end != value && !*end && isfinite(x)) {
            r->empty = BNX_EMPTY_VALUE;
            r->empty_value = x;
        } else
            return bnx_fail(err, BNX_EFORMAT, "verdict key empty: '%s' is not undecided, skip or "
                            "a number", value);
        return BNX_OK;
    }
    if (strcmp(key, "at") == 0) {
        if (r->at[0])
            return bnx_fail(err, BNX_EFORMAT, "verdict key at is given twice");
        char list[512];
        size_t used = 0;
        if (strlen(value) >= sizeof list)
            return bnx_fail(err, BNX_EFORMAT, "verdict key at: over-long value");
        snprintf(list, sizeof list, "%s", value);
        for (char *save = NULL, *k = strtok_r(list, ", ", &save); k; k = strtok_r(NULL, ", ", &save)) {
            const char *canon = canonical_key(k);
            if (!canon || strcmp(canon, "seed") == 0)
                return bnx_fail(err, BNX_EFORMAT, "verdict key at: '%s' is not a config key "
                                "(bnexp list shows them; seed is never a point)", k);
            used += (size_t)snprintf(r->at + used, sizeof r->at - used, "%s%s", used ? "," : "", canon);
            if (used >= sizeof r->at)
                return bnx_fail(err, BNX_EFORMAT, "verdict key at: over-long value");
        }
        if (!used)
            return bnx_fail(err, BNX_EFORMAT, "verdict key at: empty value");
        return BNX_OK;
    }
    return bnx_fail(err, BNX_EFORMAT, "unknown verdict key '%s' (expected one of %s)", key,
                    known_keys);
}

int bnx_verdict_continue(bnx_verdict_rule *r, const char *key, const char *value, bnx_error *err)
{
    char *dst;
    size_t size;
    int continues;
    if (!text_field(r, key, &dst, &size, &continues) || !continues)
        return bnx_fail(err, BNX_EFORMAT, "verdict key %s: its value does not continue on an "
                        "indented line (only measure, statement, source and written do)", key);
    size_t used = strlen(dst);
    if (used + 1 + strlen(value) >= size)
        return bnx_fail(err, BNX_EFORMAT, "verdict key %s: over-long value (at most %zu "
                        "characters)", key, size - 1);
    snprintf(dst + used, size - used, " %s", value);
    return BNX_OK;
}

/* ---- the measure's parser ---- */

struct parser {
    const char *s;
    size_t i;
    bnx_verdict_rule *r;
    bnx_error *err;
    int failed;
};

static void skip_space(struct parser *p)
{
    while (isspace((unsigned char)p->s[p->i]))
        p->i++;
}

__attribute__((format(printf, 2, 3))) static bnx_vnode *fail_at(struct parser *p, const char *fmt, ...)
{
    if (p->failed)
        return NULL;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    p->failed = 1;
    bnx_fail(p->err, BNX_EFORMAT, "verdict key measure, at character %zu ('%.20s'): %s", p->i + 1,
             p->s + p->i, what);
    return NULL;
}

static int accept(struct parser *p, char c)
{
    skip_space(p);
    if (p->s[p->i] != c)
        return 0;
    p->i++;
    return 1;
}

static int expect(struct parser *p, char c)
{
    if (accept(p, c))
        return 1;
    fail_at(p, "expected '%c'", c);
    return 0;
}

/* An identifier [a-z_][a-z0-9_]* into buf; 0 (and an error) if none. */
static int ident(struct parser *p, char *buf, size_t size, const char *what)
{
    skip_space(p);
    size_t n = 0;
    const char *s = p->s + p->i;
    if (islower((unsigned char)s[0]) || s[0] == '_')
        while (islower((unsigned char)s[n]) || isdigit((unsigned char)s[n]) || s[n] == '_')
            n++;
    if (n == 0 || n >= size) {
        fail_at(p, "expected %s", what);
        return 0;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    p->i += n;
    return 1;
}

static int number(struct parser *p, double *x, const char *what)
{
    skip_space(p);
    const char *s = p->s + p->i;
    char *end;
    if (!(isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1])))) {
        fail_at(p, "expected %s", what);
        return 0;
    }
    *x = strtod(s, &end);
    if (memchr(s, 'x', (size_t)(end - s)) || memchr(s, 'X', (size_t)(end - s)) || !isfinite(*x)) {
        fail_at(p, "expected %s (a finite decimal number)", what);
        return 0;
    }
    p->i += (size_t)(end - s);
    return 1;
}

static bnx_vnode *node(struct parser *p, int kind)
{
    bnx_vnode *n = calloc(1, sizeof *n);
    if (!n && !p->failed) {
        p->failed = 1;
        bnx_fail(p->err, BNX_ENOMEM, "out of memory parsing a verdict measure");
    }
    if (n)
        n->kind = kind;
    return n;
}

static void free_node(bnx_vnode *n)
{
    if (!n)
        return;
    free_node(n->a);
    free_node(n->b);
    free(n);
}

/* 1 if `name` is a numeric column of summary.csv. */
static int summary_column(const char *name)
{
    static const char *const not_numeric[] = {"variant", "seed", "status", "probe_layer", "probe_unit"};
    for (size_t k = 0; k < sizeof not_numeric / sizeof not_numeric[0]; k++)
        if (strcmp(name, not_numeric[k]) == 0)
            return 0;
    const char *h = bnx_summary_header();
    size_t n = strlen(name);
    for (const char *c = h; (c = strstr(c, name)) != NULL; c += n)
        if ((c == h || c[-1] == ',') && (c[n] == ',' || c[n] == '\0'))
            return 1;
    return 0;
}

/* A rows_*() argument: the characters up to a space or one of , ( ) | =
 * into buf; 0 (and an error) if there are none or too many. */
static int rows_token(struct parser *p, char *buf, size_t size, const char *what)
{
    skip_space(p);
    size_t n = strcspn(p->s + p->i, ",()|= \t\r\n\v\f");
    if (n == 0 || n >= size) {
        fail_at(p, "expected %s%s", what, n ? " (too long)" : "");
        return 0;
    }
    memcpy(buf, p->s + p->i, n);
    buf[n] = '\0';
    p->i += n;
    return 1;
}

/* The arguments of rows_REDUCE(FILE, COLUMN, KEY=VALUE, ...), after its
 * name. */
static int rows_quantity(struct parser *p, bnx_vnode *n)
{
    const char *fn = reduce_names[n->reduce];
    if (!expect(p, '('))
        return 0;
    size_t at = (skip_space(p), p->i);
    if (!rows_token(p, n->file, sizeof n->file, "a CSV file of the trial directory (FILE.csv)"))
        return 0;
    size_t len = strlen(n->file), plain = strspn(n->file, "abcdefghijklmnopqrstuvwxyz"
                                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
    if (plain != len || strstr(n->file, "..") || len < 5 || strcmp(n->file + len - 4, ".csv") != 0) {
        p->i = at;
        fail_at(p, "%s(%s, ...): FILE is the name of a CSV file in the trial directory (NAME.csv: "
                "letters, digits, '.', '_', '-'; no '/' or '..')", fn, n->file);
        return 0;
    }
    if (!expect(p, ',') || !rows_token(p, n->qname, sizeof n->qname, "a column of FILE"))
        return 0;
    skip_space(p);
    if (p->s[p->i] == '=') {
        fail_at(p, "%s(FILE, COLUMN, KEY=VALUE, ...): the column comes before the row filters", fn);
        return 0;
    }
    while (accept(p, ',')) {
        int f = n->num_row_filters;
        if (f == MAX_ROW_FILTERS) {
            fail_at(p, "%s(): more than %d row filters", fn, MAX_ROW_FILTERS);
            return 0;
        }
        if (!rows_token(p, n->rkey[f], sizeof n->rkey[0], "a row filter COLUMN=VALUE") ||
            !expect(p, '=') ||
            !rows_token(p, n->rval[f], sizeof n->rval[0], "the text of the filter's cell"))
            return 0;
        n->num_row_filters++;
    }
    skip_space(p);
    if (p->s[p->i] == '|') {
        fail_at(p, "%s(...) takes row filters after a comma (KEY=VALUE); the trials' filters "
                "'| KEY=VALUE' go after its ')'", fn);
        return 0;
    }
    return expect(p, ')');
}

static int quantity(struct parser *p, bnx_vnode *n)
{
    char name[64];
    if (!ident(p, name, sizeof name, "a quantity (a summary.csv column, final(COLUMN), "
               "steps_to(ACCURACY) or rows_mean(FILE, COLUMN, ...))"))
        return 0;
    for (int k = 0; k < (int)(sizeof reduce_names / sizeof reduce_names[0]); k++)
        if (strcmp(name, reduce_names[k]) == 0) {
            n->qkind = Q_ROWS;
            n->reduce = k;
            return rows_quantity(p, n);
        }
    if (strcmp(name, "final") == 0 || strcmp(name, "steps_to") == 0) {
        n->qkind = name[0] == 'f' ? Q_FINAL : Q_STEPS_TO;
        if (!expect(p, '('))
            return 0;
        if (n->qkind == Q_FINAL && !ident(p, n->qname, sizeof n->qname, "a metrics.csv column"))
            return 0;
        if (n->qkind == Q_STEPS_TO && !number(p, &n->qarg, "a test accuracy"))
            return 0;
        if (n->qkind == Q_STEPS_TO && n->qarg > 1)
            return !fail_at(p, "steps_to(%g): a test accuracy is a fraction from 0 to 1", n->qarg);
        return expect(p, ')');
    }
    if (strcmp(name, "diverged") == 0) {
        n->qkind = Q_DIVERGED;
        snprintf(n->qname, sizeof n->qname, "%s", name);
        return 1;
    }
    if (!summary_column(name)) {
        p->i -= strlen(name);
        fail_at(p, "'%s' is not a numeric column of summary.csv (%s), diverged, final(COLUMN), "
                "steps_to(ACCURACY) or rows_mean|max|min|first|last(FILE, COLUMN, ...)", name,
                bnx_summary_header());
        return 0;
    }
    n->qkind = Q_SUMMARY;
    snprintf(n->qname, sizeof n->qname, "%s", name);
    return 1;
}

static int filters(struct parser *p, bnx_vnode *n)
{
    if (!accept(p, '|'))
        return 1;
    do {
        char key[64], value[256];
        if (n->num_filters == MAX_FILTERS) {
            fail_at(p, "more than %d filters", MAX_FILTERS);
            return 0;
        }
        size_t at = (skip_space(p), p->i);
        if (!ident(p, key, sizeof key, "a filter KEY=VALUE") || !expect(p, '='))
            return 0;
        skip_space(p);
        /* VALUE, or [VALUE] for a value with commas (as in a grid) */
        int bracket = p->s[p->i] == '[';
        size_t len = bracket ? strcspn(p->s + p->i + 1, "]") : strcspn(p->s + p->i, ",)");
        if (bracket && p->s[p->i + 1 + len] != ']') {
            fail_at(p, "the value of %s has no closing ']'", key);
            return 0;
        }
        while (!bracket && len && isspace((unsigned char)p->s[p->i + len - 1]))
            len--;
        if (len == 0 || len >= sizeof value) {
            fail_at(p, "expected the value of %s", key);
            return 0;
        }
        snprintf(value, sizeof value, "%.*s", (int)len, p->s + p->i + bracket);
        if (strcmp(key, "variant") == 0) { /* a variant or grid point, by name */
            p->i += len + 2 * bracket;
            snprintf(n->fkey[n->num_filters], sizeof n->fkey[0], "variant");
            snprintf(n->fval[n->num_filters], sizeof n->fval[0], "%s", value);
            n->num_filters++;
            continue;
        }
        const char *ck, *cv;
        int alias = bnx_config_canonical(key, value, &ck, &cv);
        bnx_config scratch;
        bnx_config_defaults(&scratch);
        bnx_error e;
        bnx_error_clear(&e);
        if (alias < 0 || bnx_config_key_index(ck) < 0 || strcmp(ck, "seed") == 0 ||
            bnx_config_set(&scratch, ck, cv, &e)) {
            p->i = at;
            fail_at(p, "filter %s=%s: %s", key, value,
                    alias < 0 ? "bn takes true or false"
                    : bnx_config_key_index(ck) < 0 || strcmp(ck, "seed") == 0
                        ? "not a config key (bnexp list shows them; seeds are never filtered)"
                        : e.msg);
            return 0;
        }
        p->i += len + 2 * bracket;
        snprintf(n->fkey[n->num_filters], sizeof n->fkey[0], "%s", ck);
        bnx_config_key_value(&scratch, bnx_config_key_index(ck), n->fval[n->num_filters],
                             sizeof n->fval[0]);
        n->num_filters++;
    } while (accept(p, ','));
    return 1;
}

static bnx_vnode *expr(struct parser *p);

static bnx_vnode *aggregate(struct parser *p, int agg)
{
    bnx_vnode *n = node(p, N_AGG);
    if (!n)
        return NULL;
    n->agg = agg;
    int ok = 1;
    if (agg == A_LARGEST || agg == A_SMALLEST) {
        ok = ident(p, n->key, sizeof n->key, "a config key");
        const char *canon = ok ? canonical_key(n->key) : NULL;
        if (ok && !canon) {
            p->i -= strlen(n->key);
            fail_at(p, "'%s' is not a config key", n->key);
            ok = 0;
        }
        if (ok)
            snprintf(n->key, sizeof n->key, "%s", canon);
        ok = ok && expect(p, ',') && quantity(p, n) && expect(p, ',') &&
             number(p, &n->tol, "a tolerance (a number >= 0)");
    } else {
        ok = quantity(p, n);
    }
    ok = ok && filters(p, n) && expect(p, ')');
    if (!ok) {
        free_node(n);
        return NULL;
    }
    bnx_verdict_rule *r = p->r;
    bnx_vnode **grown = realloc(r->terms, sizeof *grown * (size_t)(r->num_terms + 1));
    if (!grown) {
        free_node(n);
        p->failed = 1;
        bnx_fail(p->err, BNX_ENOMEM, "out of memory parsing a verdict measure");
        return NULL;
    }
    r->terms = grown;
    n->term = r->num_terms;
    r->terms[r->num_terms++] = n;
    return n;
}

static bnx_vnode *primary(struct parser *p)
{
    skip_space(p);
    if (accept(p, '(')) {
        bnx_vnode *e = expr(p);
        if (e && !expect(p, ')')) {
            free_node(e);
            return NULL;
        }
        return e;
    }
    char c = p->s[p->i];
    if (isdigit((unsigned char)c) || c == '.') {
        bnx_vnode *n = node(p, N_NUM);
        if (n && !number(p, &n->num, "a number")) {
            free_node(n);
            return NULL;
        }
        return n;
    }
    size_t start = p->i;
    char name[32];
    if (!ident(p, name, sizeof name, "a number, '(' or a function"))
        return NULL;
    if (!expect(p, '('))
        return NULL;
    for (int a = 0; a < (int)(sizeof agg_names / sizeof agg_names[0]); a++)
        if (strcmp(name, agg_names[a]) == 0)
            return aggregate(p, a);
    int kind = strcmp(name, "abs") == 0       ? N_ABS
               : strcmp(name, "larger") == 0  ? N_LARGER
               : strcmp(name, "smaller") == 0 ? N_SMALLER
                                              : -1;
    if (kind < 0) {
        p->i = start;
        return fail_at(p, "unknown function '%s' (expected mean, sd, min, max, count, best, worst, "
                       "largest, smallest, abs, larger or smaller)", name);
    }
    bnx_vnode *n = node(p, kind);
    if (!n)
        return NULL;
    n->a = expr(p);
    if (n->a && kind != N_ABS && expect(p, ','))
        n->b = expr(p);
    if (!n->a || (kind != N_ABS && !n->b) || !expect(p, ')')) {
        free_node(n);
        return NULL;
    }
    return n;
}

static bnx_vnode *unary(struct parser *p)
{
    if (accept(p, '-')) {
        bnx_vnode *n = node(p, N_NEG);
        if (n && !(n->a = unary(p))) {
            free_node(n);
            return NULL;
        }
        return n;
    }
    return primary(p);
}

/* Left-associative binary operators: ops[i] makes kinds[i]. */
static bnx_vnode *binary(struct parser *p, const char *ops, const int *kinds,
                         bnx_vnode *(*operand)(struct parser *))
{
    bnx_vnode *left = operand(p);
    while (left) {
        skip_space(p);
        const char *op = p->s[p->i] ? strchr(ops, p->s[p->i]) : NULL;
        if (!op)
            break;
        p->i++;
        bnx_vnode *n = node(p, kinds[op - ops]);
        if (!n) {
            free_node(left);
            return NULL;
        }
        n->a = left;
        left = n;
        if (!(n->b = operand(p))) {
            free_node(left);
            return NULL;
        }
    }
    return left;
}

static bnx_vnode *term(struct parser *p)
{
    static const int kinds[] = {N_MUL, N_DIV};
    return binary(p, "*/", kinds, unary);
}

static bnx_vnode *expr(struct parser *p)
{
    static const int kinds[] = {N_ADD, N_SUB};
    return binary(p, "+-", kinds, term);
}

int bnx_verdict_finish(bnx_verdict_rule *r, bnx_error *err)
{
    const struct { const char *name; const char *value; } need[] = {
        {"claim", r->claim}, {"statement", r->statement}, {"written", r->written},
        {"measure", r->measure}, {"holds", r->holds},
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!need[i].value[0])
            return bnx_fail(err, BNX_EFORMAT, "verdict%s%s has no %s (a rule needs claim, "
                            "statement, written, measure and holds)", r->name[0] ? "." : "",
                            r->name, need[i].name);
    if (!r->min_seeds)
        r->min_seeds = 1;
    if (r->empty == BNX_EMPTY_UNDECIDED)
        r->empty_value = 0;
    struct parser p = {r->measure, 0, r, err, 0};
    bnx_vnode *root = expr(&p);
    if (root) {
        skip_space(&p);
        if (p.s[p.i])
            fail_at(&p, "expected an operator or the end of the measure");
    }
    if (!root || p.failed) {
        free_node(root);
        bnx_verdict_rule_free(r);
        return err->code;
    }
    if (r->num_terms == 0) {
        free_node(root);
        bnx_verdict_rule_free(r);
        return bnx_fail(err, BNX_EFORMAT, "verdict key measure: '%s' uses no trial (expected an "
                        "aggregate such as mean(final_test_accuracy))", r->measure);
    }
    r->root = root;
    return BNX_OK;
}

void bnx_verdict_rule_free(bnx_verdict_rule *r)
{
    free_node(r->root);
    free(r->terms);
    r->root = NULL;
    r->terms = NULL;
    r->num_terms = 0;
}

int bnx_verdict_same(const bnx_verdict_rule *a, const bnx_verdict_rule *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->claim, b->claim) == 0 &&
           strcmp(a->statement, b->statement) == 0 && strcmp(a->source, b->source) == 0 &&
           strcmp(a->written, b->written) == 0 && strcmp(a->at, b->at) == 0 &&
           strcmp(a->measure, b->measure) == 0 && strcmp(a->holds, b->holds) == 0 &&
           a->min_seeds == b->min_seeds && a->empty == b->empty &&
           (a->empty != BNX_EMPTY_VALUE || a->empty_value == b->empty_value) &&
           strcmp(a->chart, b->chart) == 0;
}

const char *bnx_verdict_outcome_name(int outcome)
{
    switch (outcome) {
    case BNX_VERDICT_HOLDS: return "holds";
    case BNX_VERDICT_FAILS: return "does not hold";
    case BNX_VERDICT_MIXED: return "mixed";
    default: return "undecided";
    }
}

/* ---- evaluation ---- */

enum { S_VALUE, S_EMPTY, S_ABSENT };

struct eval {
    const bnx_verdict_rule *r;
    const char *dir;
    bnx_plan plan;
    bnx_csv_table summary;
    int *row;           /* each plan trial's summary row, or -1 */
    int *point;         /* each plan trial's point */
    double **value;     /* [term][trial] */
    int **state;        /* [term][trial]: S_VALUE, S_EMPTY, S_ABSENT */
    /* the current evaluation */
    int at_point;
    long at_seed;       /* -1: every seed */
    char why[512];      /* the first reason the evaluation is undecided */
    double *terms;      /* where to record pooled term values, or NULL */
    int *term_trials;
    int min_seeds_seen; /* the fewest seeds any aggregate's values came from (-1: none) */
    bnx_error *err;
    int failed;
};

static void undecided(struct eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void undecided(struct eval *ev, const char *fmt, ...)
{
    if (ev->why[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->why, sizeof ev->why, fmt, ap);
    va_end(ap);
}

static const char *trial_status(const struct eval *ev, int t)
{
    if (ev->row[t] < 0)
        return "not in summary.csv";
    return bnx_csv_table_cell(&ev->summary, ev->row[t], bnx_csv_table_col(&ev->summary, "status"));
}

/* Trial t's value of rows_REDUCE(FILE, COLUMN, filters) into *x: NaN if
 * no row matches with a finite COLUMN. */
static int rows_value(struct eval *ev, const bnx_vnode *n, int t, double *x)
{
    char path[4400];
    bnx_csv_table c = {0};
    snprintf(path, sizeof path, "%s/%s/%s", ev->dir, ev->plan.trials[t].dir, n->file);
    int rc = bnx_csv_table_read(path, &c, ev->err);
    if (rc == BNX_ENOTFOUND)
        return bnx_fail(ev->err, rc, "%s not found (the verdict's measure reads %s(%s, %s, ...) "
                        "from every trial that ended)", path, reduce_names[n->reduce], n->file,
                        n->qname);
    int col = rc ? -1 : bnx_csv_table_col(&c, n->qname), fcol[MAX_ROW_FILTERS];
    if (!rc && col < 0)
        rc = bnx_fail(ev->err, BNX_EINVAL, "%s has no column %s (the verdict's measure uses it)",
                      path, n->qname);
    for (int f = 0; !rc && f < n->num_row_filters; f++)
        if ((fcol[f] = bnx_csv_table_col(&c, n->rkey[f])) < 0)
            rc = bnx_fail(ev->err, BNX_EINVAL, "%s has no column %s (the verdict's measure "
                          "filters its rows by it)", path, n->rkey[f]);
    double sum = 0;
    long count = 0;
    for (long i = 0; !rc && i < c.num_rows; i++) {
        int f = 0;
        while (f < n->num_row_filters && strcmp(bnx_csv_table_cell(&c, i, fcol[f]), n->rval[f]) == 0)
            f++;
        double v;
        if (f < n->num_row_filters || (rc = bnx_csv_table_number(&c, i, col, &v, ev->err)) ||
            !isfinite(v))
            continue;
        if (count == 0 || n->reduce == R_LAST || (n->reduce == R_MAX && v > *x) ||
            (n->reduce == R_MIN && v < *x))
            *x = v;
        sum += v;
        count++;
    }
    if (n->reduce == R_MEAN)
        *x = count ? sum / (double)count : NAN;
    bnx_csv_table_free(&c);
    return rc;
}

/* Trial t's value of term n's quantity. */
static int load_value(struct eval *ev, const bnx_vnode *n, int t, double *x, int *state)
{
    *x = NAN;
    const char *status = trial_status(ev, t);
    if (ev->row[t] < 0 || (strcmp(status, "done") != 0 && strcmp(status, "diverged") != 0)) {
        *state = S_ABSENT;
        return BNX_OK;
    }
    if (n->qkind == Q_DIVERGED) { /* 1 or 0, never empty */
        *x = strcmp(status, "diverged") == 0;
        *state = S_VALUE;
        return BNX_OK;
    }
    *state = S_EMPTY;
    if (strcmp(status, "diverged") == 0)
        return BNX_OK;
    if (n->qkind == Q_SUMMARY) {
        int col = bnx_csv_table_col(&ev->summary, n->qname);
        if (col < 0)
            return bnx_fail(ev->err, BNX_EINVAL, "%s has no column %s (the verdict's measure "
                            "uses it)", ev->summary.path, n->qname);
        if (bnx_csv_table_number(&ev->summary, ev->row[t], col, x, ev->err))
            return ev->err->code;
    } else if (n->qkind == Q_ROWS) {
        int rc = rows_value(ev, n, t, x);
        if (rc)
            return rc;
    } else {
        char path[4400];
        bnx_csv_table m = {0};
        snprintf(path, sizeof path, "%s/%s/metrics.csv", ev->dir, ev->plan.trials[t].dir);
        int rc = bnx_csv_table_read(path, &m, ev->err);
        const char *name = n->qkind == Q_FINAL ? n->qname : "test_accuracy";
        int col = rc ? -1 : bnx_csv_table_col(&m, name), step = rc ? -1 : bnx_csv_table_col(&m, "step");
        if (!rc && (col < 0 || step < 0))
            rc = bnx_fail(ev->err, BNX_EINVAL, "%s has no column %s (the verdict's measure uses "
                          "it)", path, col < 0 ? name : "step");
        for (long i = 0; !rc && i < m.num_rows; i++) {
            double v, s;
            if ((rc = bnx_csv_table_number(&m, i, col, &v, ev->err)) ||
                (rc = bnx_csv_table_number(&m, i, step, &s, ev->err)))
                break;
            if (n->qkind == Q_FINAL)
                *x = v;
            else if (v >= n->qarg) {
                *x = s;
                break;
            }
        }
        bnx_csv_table_free(&m);
        if (rc)
            return rc;
    }
    if (isfinite(*x))
        *state = S_VALUE;
    else
        *x = NAN;
    return BNX_OK;
}

static int matches(const struct eval *ev, const bnx_vnode *n, int t)
{
    const bnx_plan_trial *tr = &ev->plan.trials[t];
    if (ev->point[t] != ev->at_point || (ev->at_seed >= 0 && tr->seed != ev->at_seed))
        return 0;
    for (int f = 0; f < n->num_filters; f++) {
        char value[256];
        if (strcmp(n->fkey[f], "variant") == 0)
            snprintf(value, sizeof value, "%s", tr->variant);
        else
            bnx_plan_value(tr, n->fkey[f], value, sizeof value);
        if (strcmp(value, n->fval[f]) != 0)
            return 0;
    }
    return 1;
}

static void filter_text(const bnx_vnode *n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int f = 0; f < n->num_filters && used < size; f++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", f ? ", " : "", n->fkey[f],
                                 n->fval[f]);
    if (!n->num_filters)
        snprintf(buf, size, "every trial");
}

static double aggregate_value(struct eval *ev, const bnx_vnode *n)
{
    int count = 0, trials = 0;
    int num = ev->plan.num_trials;
    double *xs = malloc(sizeof *xs * (size_t)(num + 1));
    int *var = malloc(sizeof *var * (size_t)(num + 1));
    if (!xs || !var) {
        free(xs);
        free(var);
        ev->failed = 1;
        bnx_fail(ev->err, BNX_ENOMEM, "out of memory deciding a verdict");
        return NAN;
    }
    char ftext[600];
    filter_text(n, ftext, sizeof ftext);
    for (int t = 0; t < num; t++) {
        if (!matches(ev, n, t))
            continue;
        trials++;
        const bnx_plan_trial *tr = &ev->plan.trials[t];
        int s = ev->state[n->term][t];
        double x = ev->value[n->term][t];
        if (s == S_ABSENT) {
            undecided(ev, "%s seed %ld has no result (%s)", tr->variant, tr->seed, trial_status(ev, t));
            continue;
        }
        if (s == S_EMPTY) {
            if (ev->r->empty == BNX_EMPTY_SKIP || n->agg == A_COUNT)
                continue; /* count(): the trials with a value */
            if (ev->r->empty == BNX_EMPTY_UNDECIDED) {
                undecided(ev, "%s seed %ld has no value (%s; the rule's empty = undecided)",
                          tr->variant, tr->seed, strcmp(trial_status(ev, t), "diverged") == 0
                          ? "diverged" : "empty");
                continue;
            }
            x = ev->r->empty_value;
        }
        xs[count] = x;
        var[count++] = t;
    }
    double result = NAN;
    int seeds = 0; /* distinct seeds among the values */
    for (int i = 0; i < count; i++) {
        int k = 0;
        while (k < i && ev->plan.trials[var[k]].seed != ev->plan.trials[var[i]].seed)
            k++;
        seeds += k == i;
    }
    if (trials == 0)
        undecided(ev, "no trial with %s", ftext);
    else if (n->agg == A_COUNT)
        result = count;
    else if (count == 0)
        undecided(ev, "no value among the %d trials with %s", trials, ftext);
    else if (n->agg == A_SD && count < 2)
        undecided(ev, "sd of %s: one value (a sample sd needs two)", ftext);
    else if (ev->at_seed < 0 && seeds < ev->r->min_seeds)
        undecided(ev, "%d seed%s with a value among the trials with %s, the rule needs %d", seeds,
                  seeds == 1 ? "" : "s", ftext, ev->r->min_seeds);
    else if (n->agg < A_COUNT) {
        bnx_stat st;
        bnx_stat_compute(xs, count, &st);
        result = n->agg == A_MEAN ? st.mean : n->agg == A_SD ? st.sd : n->agg == A_MIN ? st.min
                 : st.max;
    } else {
        /* variant means, then the best, worst, largest or smallest */
        double *means = calloc((size_t)count, sizeof *means), best = -INFINITY, worst = INFINITY;
        int *first = calloc((size_t)count, sizeof *first), nv = 0;
        int *seen = calloc((size_t)count, sizeof *seen);
        if (!means || !first || !seen) {
            ev->failed = 1;
            bnx_fail(ev->err, BNX_ENOMEM, "out of memory deciding a verdict");
        }
        for (int i = 0; means && first && seen && i < count; i++) {
            int v = 0;
            while (v < nv && strcmp(ev->plan.trials[first[v]].variant, ev->plan.trials[var[i]].variant))
                v++;
            if (v == nv)
                first[nv++] = var[i];
            means[v] += xs[i];
            seen[v]++;
        }
        for (int v = 0; !ev->failed && v < nv; v++) {
            means[v] /= seen[v];
            best = fmax(best, means[v]);
            worst = fmin(worst, means[v]);
        }
        if (!ev->failed && (n->agg == A_BEST || n->agg == A_WORST))
            result = n->agg == A_BEST ? best : worst;
        for (int v = 0; !ev->failed && n->agg >= A_LARGEST && v < nv; v++) {
            char text[256], *end;
            bnx_plan_value(&ev->plan.trials[first[v]], n->key, text, sizeof text);
            double k = strtod(text, &end);
            if (end == text || *end) {
                ev->failed = 1;
                bnx_fail(ev->err, BNX_EINVAL, "verdict measure: %s(%s, ...): variant %s has %s = "
                         "'%s', not a number", agg_names[n->agg], n->key,
                         ev->plan.trials[first[v]].variant, n->key, text);
                break;
            }
            if (means[v] >= best - n->tol && (isnan(result) || (n->agg == A_LARGEST ? k > result : k < result)))
                result = k;
        }
        free(means);
        free(first);
        free(seen);
    }
    free(xs);
    free(var);
    if (ev->terms && !ev->why[0]) {
        ev->terms[n->term] = result;
        ev->term_trials[n->term] = count;
        if (n->agg != A_COUNT && (ev->min_seeds_seen < 0 || seeds < ev->min_seeds_seen))
            ev->min_seeds_seen = seeds;
    }
    return result;
}

static double eval_node(struct eval *ev, const bnx_vnode *n)
{
    if (ev->failed)
        return NAN;
    switch (n->kind) {
    case N_NUM: return n->num;
    case N_NEG: return -eval_node(ev, n->a);
    case N_ABS: return fabs(eval_node(ev, n->a));
    case N_AGG: return aggregate_value(ev, n);
    default: break;
    }
    double a = eval_node(ev, n->a), b = eval_node(ev, n->b);
    switch (n->kind) {
    case N_ADD: return a + b;
    case N_SUB: return a - b;
    case N_MUL: return a * b;
    case N_DIV: return a / b;
    case N_LARGER: return isnan(a) || isnan(b) ? NAN : fmax(a, b);
    default: return isnan(a) || isnan(b) ? NAN : fmin(a, b); /* N_SMALLER */
    }
}

/* The measure at point p over seed `seed` (-1: all), or NaN with ev->why. */
static double measure_at(struct eval *ev, int p, long seed)
{
    ev->at_point = p;
    ev->at_seed = seed;
    ev->why[0] = '\0';
    double x = eval_node(ev, ev->r->root);
    if (!ev->why[0] && !isfinite(x))
        undecided(ev, "the measure is %s (a division by zero?)", isnan(x) ? "not a number" : "infinite");
    return ev->why[0] ? NAN : x;
}

static int passes(const bnx_verdict_rule *r, double x)
{
    switch (r->op) {
    case BNX_OP_LT: return x < r->threshold;
    case BNX_OP_LE: return x <= r->threshold;
    case BNX_OP_GT: return x > r->threshold;
    default: return x >= r->threshold;
    }
}

void bnx_verdict_result_free(bnx_verdict_result *res)
{
    for (int p = 0; res->points && p < res->num_points; p++) {
        free(res->points[p].terms);
        free(res->points[p].term_trials);
    }
    free(res->points);
    free(res->term_text);
    memset(res, 0, sizeof *res);
}

static void free_eval(struct eval *ev)
{
    for (int k = 0; k < ev->r->num_terms; k++) {
        if (ev->value)
            free(ev->value[k]);
        if (ev->state)
            free(ev->state[k]);
    }
    free(ev->value);
    free(ev->state);
    free(ev->row);
    free(ev->point);
    bnx_csv_table_free(&ev->summary);
    bnx_plan_free(&ev->plan);
}

/* Read the plan and summary, match rows to trials, load every term's
 * values and place the trials at their points (labels into res). */
static int load(struct eval *ev, bnx_verdict_result *res)
{
    char path[4200];
    int rc = bnx_plan_read(ev->dir, &ev->plan, ev->err);
    if (rc == BNX_ENOTFOUND)
        return bnx_fail(ev->err, rc, "%s has no %s (a run made before plans, or not a run "
                        "directory): verdicts are decided from the plan's configs", ev->dir,
                        BNX_PLAN_FILE);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/summary.csv", ev->dir);
    if ((rc = bnx_csv_table_read(path, &ev->summary, ev->err))) {
        if (rc == BNX_ENOTFOUND)
            bnx_fail(ev->err, rc, "%s not found: the run has not ended (bnexp run writes it at "
                     "the end, also when stopped)", path);
        return rc;
    }
    static const char *const need[] = {"variant", "seed", "status", NULL};
    if ((rc = bnx_csv_table_require(&ev->summary, need, ev->err)))
        return rc;
    int n = ev->plan.num_trials, nt = ev->r->num_terms;
    ev->row = malloc(sizeof *ev->row * (size_t)(n + 1));
    ev->point = malloc(sizeof *ev->point * (size_t)(n + 1));
    ev->value = calloc((size_t)nt, sizeof *ev->value);
    ev->state = calloc((size_t)nt, sizeof *ev->state);
    res->points = calloc((size_t)n + 1, sizeof *res->points);
    res->term_text = calloc((size_t)nt, sizeof *res->term_text);
    if (!ev->row || !ev->point || !ev->value || !ev->state || !res->points || !res->term_text)
        return bnx_fail(ev->err, BNX_ENOMEM, "out of memory deciding a verdict");
    int iv = bnx_csv_table_col(&ev->summary, "variant"), is = bnx_csv_table_col(&ev->summary, "seed");
    for (int t = 0; t < n; t++) {
        ev->row[t] = -1;
        for (long r = 0; r < ev->summary.num_rows && ev->row[t] < 0; r++)
            if (strcmp(bnx_csv_table_cell(&ev->summary, r, iv), ev->plan.trials[t].variant) == 0 &&
                strtol(bnx_csv_table_cell(&ev->summary, r, is), NULL, 10) == ev->plan.trials[t].seed)
                ev->row[t] = (int)r;
        /* the point: its values of the `at` keys */
        char label[512] = "", list[256];
        size_t used = 0;
        snprintf(list, sizeof list, "%s", ev->r->at);
        for (char *save = NULL, *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
            char value[256];
            bnx_plan_value(&ev->plan.trials[t], k, value, sizeof value);
            used += (size_t)snprintf(label + used, used < sizeof label ? sizeof label - used : 0,
                                     "%s%s=%s", used ? ", " : "", k, value);
        }
        if (!ev->r->at[0])
            snprintf(label, sizeof label, "all trials");
        int p = 0;
        while (p < res->num_points && strcmp(res->points[p].label, label) != 0)
            p++;
        if (p == res->num_points)
            snprintf(res->points[res->num_points++].label, sizeof res->points[0].label, "%s", label);
        ev->point[t] = p;
    }
    for (int k = 0; k < nt; k++) {
        const bnx_vnode *term = ev->r->terms[k];
        ev->value[k] = malloc(sizeof **ev->value * (size_t)(n + 1));
        ev->state[k] = malloc(sizeof **ev->state * (size_t)(n + 1));
        if (!ev->value[k] || !ev->state[k])
            return bnx_fail(ev->err, BNX_ENOMEM, "out of memory deciding a verdict");
        for (int t = 0; t < n; t++)
            if ((rc = load_value(ev, term, t, &ev->value[k][t], &ev->state[k][t])))
                return rc;
    }
    return BNX_OK;
}

/* The text of each aggregate, rebuilt from its parsed form. */
static void term_text(const bnx_vnode *n, char *buf, size_t size)
{
    char q[768], f[600];
    size_t used = 0;
    if (n->qkind == Q_SUMMARY || n->qkind == Q_DIVERGED)
        snprintf(q, sizeof q, "%s", n->qname);
    else if (n->qkind == Q_FINAL)
        snprintf(q, sizeof q, "final(%s)", n->qname);
    else if (n->qkind == Q_ROWS) {
        used = (size_t)snprintf(q, sizeof q, "%s(%s, %s", reduce_names[n->reduce], n->file, n->qname);
        for (int k = 0; k < n->num_row_filters; k++)
            used += (size_t)snprintf(q + used, sizeof q - used, ", %s=%s", n->rkey[k], n->rval[k]);
        snprintf(q + used, sizeof q - used, ")");
    } else
        snprintf(q, sizeof q, "steps_to(%g)", n->qarg);
    filter_text(n, f, sizeof f);
    if (n->agg >= A_LARGEST)
        snprintf(buf, size, "%s(%s, %.400s, %g | %.250s)", agg_names[n->agg], n->key, q, n->tol, f);
    else
        snprintf(buf, size, "%s(%.450s | %.250s)", agg_names[n->agg], q, f);
}

int bnx_verdict_evaluate(const bnx_verdict_rule *r, const char *dir, bnx_verdict_result *res,
                         bnx_error *err)
{
    memset(res, 0, sizeof *res);
    if (!r->root)
        return bnx_fail(err, BNX_EINVAL, "verdict%s%s has no parsed measure", r->name[0] ? "." : "",
                        r->name);
    struct eval ev = {.r = r, .dir = dir, .err = err};
    int rc = load(&ev, res);
    res->num_terms = r->num_terms;
    for (int k = 0; rc == BNX_OK && k < r->num_terms; k++)
        term_text(r->terms[k], res->term_text[k], sizeof res->term_text[0]);
    long *seeds = rc ? NULL : malloc(sizeof *seeds * (size_t)(ev.plan.num_trials + 1));
    double *per = rc ? NULL : malloc(sizeof *per * (size_t)(ev.plan.num_trials + 1));
    double *decided = rc ? NULL : malloc(sizeof *decided * (size_t)(res->num_points + 1));
    if (!rc && (!seeds || !per || !decided))
        rc = bnx_fail(err, BNX_ENOMEM, "out of memory deciding a verdict");
    for (int p = 0; rc == BNX_OK && p < res->num_points; p++) {
        bnx_verdict_point *pt = &res->points[p];
        pt->terms = malloc(sizeof *pt->terms * (size_t)(r->num_terms + 1));
        pt->term_trials = calloc((size_t)r->num_terms + 1, sizeof *pt->term_trials);
        if (!pt->terms || !pt->term_trials) {
            rc = bnx_fail(err, BNX_ENOMEM, "out of memory deciding a verdict");
            break;
        }
        for (int k = 0; k < r->num_terms; k++)
            pt->terms[k] = NAN;
        int ns = 0;
        for (int t = 0; t < ev.plan.num_trials; t++) {
            if (ev.point[t] != p)
                continue;
            int s = 0;
            while (s < ns && seeds[s] != ev.plan.trials[t].seed)
                s++;
            if (s == ns)
                seeds[ns++] = ev.plan.trials[t].seed;
        }
        ev.terms = pt->terms;
        ev.term_trials = pt->term_trials;
        ev.min_seeds_seen = -1;
        pt->measure = measure_at(&ev, p, -1);
        ev.terms = NULL;
        if (ev.failed) {
            rc = err->code;
            break;
        }
        pt->seeds = ev.min_seeds_seen >= 0 ? ev.min_seeds_seen : ns;
        if (!ev.why[0] && ns < r->min_seeds)
            snprintf(ev.why, sizeof ev.why, "%d seed%s, the rule needs %d", ns, ns == 1 ? "" : "s",
                     r->min_seeds);
        snprintf(pt->why, sizeof pt->why, "%s", ev.why);
        pt->decided = !pt->why[0];
        if (!pt->decided)
            pt->measure = NAN;
        pt->holds = pt->decided && passes(r, pt->measure);
        int nper = 0;
        for (int s = 0; s < ns; s++) {
            double x = measure_at(&ev, p, seeds[s]);
            if (ev.failed)
                break;
            if (!ev.why[0])
                per[nper++] = x;
        }
        if (ev.failed) {
            rc = err->code;
            break;
        }
        bnx_stat_compute(per, nper, &pt->per_seed);
        if (pt->decided) {
            decided[res->decided++] = pt->measure;
            res->holding += pt->holds;
        }
    }
    if (rc == BNX_OK) {
        bnx_stat_compute(decided, res->decided, &res->measure);
        res->outcome = res->decided == 0               ? BNX_VERDICT_UNDECIDED
                       : res->holding == res->decided  ? BNX_VERDICT_HOLDS
                       : res->holding == 0             ? BNX_VERDICT_FAILS
                                                       : BNX_VERDICT_MIXED;
    }
    free(seeds);
    free(per);
    free(decided);
    free_eval(&ev);
    if (rc)
        bnx_verdict_result_free(res);
    return rc;
}
