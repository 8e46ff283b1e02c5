#include "spec/rule.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config.h"
#include "spec/summary.h"

const char *const bnx_rule_reduce_names[] = {"rows_mean", "rows_max", "rows_min", "rows_first",
                                           "rows_last"};

/* ---- setting keys ---- */

static const char known_keys[] =
    "claim, statement, source, written, at, measure, holds, margin, margin_kind, requires, "
    "amends, reason, min_seeds, empty, chart";

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
    static const char *const ops[] = {"<=", ">=", "==", "<", ">"};
    static const int codes[] = {BNX_OP_LE, BNX_OP_GE, BNX_OP_EQ, BNX_OP_LT, BNX_OP_GT};
    const char *p = value;
    while (isspace((unsigned char)*p))
        p++;
    for (int i = 0; i < 5; i++) {
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
                    "< <= > >=, or == with margin_kind = equivalent; e.g. >= 0.01)", value);
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
        {"requires", r->requires, sizeof r->requires, 0},
        {"amends", r->amends, sizeof r->amends, 0},
        {"reason", r->reason, sizeof r->reason, 1},
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
    if (strcmp(key, "margin") == 0) {
        char *end;
        double x = strtod(value, &end);
        if (r->margin != 0)
            return bnx_fail(err, BNX_EFORMAT, "verdict key margin is given twice");
        if (end == value || *end || !isfinite(x) || x <= 0)
            return bnx_fail(err, BNX_EFORMAT, "verdict key margin: '%s' is not a positive "
                            "number", value);
        r->margin = x;
        return BNX_OK;
    }
    if (strcmp(key, "margin_kind") == 0) {
        if (r->margin_kind != BNX_MARGIN_NONE)
            return bnx_fail(err, BNX_EFORMAT, "verdict key margin_kind is given twice");
        if (strcmp(value, "noninferior") == 0)
            r->margin_kind = BNX_MARGIN_NONINFERIOR;
        else if (strcmp(value, "equivalent") == 0)
            r->margin_kind = BNX_MARGIN_EQUIVALENT;
        else
            return bnx_fail(err, BNX_EFORMAT, "verdict key margin_kind: '%s' is not noninferior "
                            "or equivalent", value);
        return BNX_OK;
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
        else if (strcmp(value, "steps") == 0)
            r->empty = BNX_EMPTY_STEPS;
        else if (end != value && !*end && isfinite(x)) {
            r->empty = BNX_EMPTY_VALUE;
            r->empty_value = x;
        } else
            return bnx_fail(err, BNX_EFORMAT, "verdict key empty: '%s' is not undecided, skip, "
                            "steps or a number", value);
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
    const char *fn = bnx_rule_reduce_names[n->reduce];
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
    for (int k = 0; k < (int)(sizeof bnx_rule_reduce_names / sizeof bnx_rule_reduce_names[0]); k++)
        if (strcmp(name, bnx_rule_reduce_names[k]) == 0) {
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
    if (strcmp(name, "steps_to_97") == 0) { /* summary.csv's column before target_accuracy */
        n->qkind = Q_STEPS_TO;
        n->qarg = 0.97;
        snprintf(n->qname, sizeof n->qname, "%s", name);
        return 1;
    }
    if (strcmp(name, "diverged") == 0) {
        n->qkind = Q_DIVERGED;
        snprintf(n->qname, sizeof n->qname, "%s", name);
        return 1;
    }
    if (!bnx_summary_numeric(name)) {
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

/* The arguments of measure m (a row of core/measure.h's table), after its
 * name and '(': as its argument shape says, then the trials' filters. */
static bnx_vnode *aggregate(struct parser *p, const bnx_measure *m)
{
    bnx_vnode *n = node(p, N_AGG);
    if (!n)
        return NULL;
    n->measure = m;
    int ok = 1;
    if (m->args == BNX_MEASURE_KEY_Q_TOL || m->args == BNX_MEASURE_KEY_Q_AT) {
        ok = ident(p, n->key, sizeof n->key, "a config key");
        const char *canon = ok ? canonical_key(n->key) : NULL;
        if (ok && !canon) {
            p->i -= strlen(n->key);
            fail_at(p, "'%s' is not a config key", n->key);
            ok = 0;
        }
        if (ok)
            snprintf(n->key, sizeof n->key, "%s", canon);
        ok = ok && expect(p, ',') && quantity(p, n) && expect(p, ',');
        if (ok && m->args == BNX_MEASURE_KEY_Q_TOL)
            ok = number(p, &n->tol, "a tolerance (a number >= 0)");
        else if (ok) { /* T: an expression, up to the filters or the ')' */
            size_t start = (skip_space(p), p->i);
            n->a = expr(p);
            ok = n->a != NULL;
            size_t len = p->i - start;
            while (ok && len && isspace((unsigned char)p->s[start + len - 1]))
                len--;
            snprintf(n->at, sizeof n->at, "%.*s", (int)len, p->s + start);
        }
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
    const bnx_measure *m = bnx_measure_find(name);
    if (m)
        return aggregate(p, m);
    int kind = strcmp(name, "abs") == 0       ? N_ABS
               : strcmp(name, "larger") == 0  ? N_LARGER
               : strcmp(name, "smaller") == 0 ? N_SMALLER
                                              : -1;
    if (kind < 0) {
        char names[512];
        bnx_measure_names(names, sizeof names);
        p->i = start;
        return fail_at(p, "unknown function '%s' (expected a measure: %s; or abs, larger or "
                       "smaller)", name, names);
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
    if (!r->amends[0] != !r->reason[0])
        return bnx_fail(err, BNX_EFORMAT, "verdict%s%s has %s without %s (an amendment says "
                        "which rule it replaces and why)", r->name[0] ? "." : "", r->name,
                        r->amends[0] ? "amends" : "reason", r->amends[0] ? "reason" : "amends");
    if ((r->margin > 0) != (r->margin_kind != BNX_MARGIN_NONE))
        return bnx_fail(err, BNX_EFORMAT, "verdict%s%s has %s without %s (they go together)",
                        r->name[0] ? "." : "", r->name, r->margin > 0 ? "margin" : "margin_kind",
                        r->margin > 0 ? "margin_kind" : "margin");
    if ((r->op == BNX_OP_EQ) != (r->margin_kind == BNX_MARGIN_EQUIVALENT))
        return bnx_fail(err, BNX_EFORMAT, "verdict%s%s: %s", r->name[0] ? "." : "", r->name,
                        r->op == BNX_OP_EQ ? "holds = == T needs margin_kind = equivalent"
                                           : "margin_kind = equivalent needs holds = == T");
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
           a->min_seeds == b->min_seeds && a->empty == b->empty && a->margin == b->margin &&
           a->margin_kind == b->margin_kind && a->stage_seeds == b->stage_seeds &&
           a->max_seeds == b->max_seeds &&
           (a->empty != BNX_EMPTY_VALUE || a->empty_value == b->empty_value) &&
           strcmp(a->chart, b->chart) == 0 && strcmp(a->requires, b->requires) == 0 &&
           strcmp(a->amends, b->amends) == 0 && strcmp(a->reason, b->reason) == 0;
}

