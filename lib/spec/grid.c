/* Grid values and point names (spec.h: bnx_grid_values,
 * bnx_grid_point_name): the text of a [grid] key or a --grid option
 * parsed into values, each checked as its key's value, and the names of
 * the points they make.  Pure functions of their arguments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "spec/spec.h"

/* Trim spaces and tabs from both ends of buf in place. */
static char *trim(char *buf)
{
    while (*buf == ' ' || *buf == '\t')
        buf++;
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    return buf;
}

/* Append value to *values (of *count); checks it with bnx_config_set. */
static int add_value(const char *key, const char *value, char (**values)[256], int *count,
                     bnx_error *err)
{
    if (*count >= BNX_GRID_MAX_VALUES)
        return bnx_fail(err, BNX_EINVAL, "key %s: more than %d grid values", key, BNX_GRID_MAX_VALUES);
    if (strlen(value) >= sizeof **values)
        return bnx_fail(err, BNX_EINVAL, "key %s: grid value '%.40s...' is too long", key, value);
    bnx_config probe;
    bnx_config_defaults(&probe);
    if (bnx_config_set(&probe, key, value, err))
        return err ? err->code : BNX_EINVAL;
    char(*grown)[256] = realloc(*values, sizeof *grown * (size_t)(*count + 1));
    if (!grown)
        return bnx_fail(err, BNX_ENOMEM, "out of memory for grid values");
    *values = grown;
    snprintf(grown[(*count)++], sizeof *grown, "%s", value);
    return BNX_OK;
}

/* A:B:xF or A:B:+S into values. */
static int add_range(const char *key, const char *item, char (**values)[256], int *count,
                     bnx_error *err)
{
    char a_text[64], b_text[64], step_text[64], extra;
    double a, b, step;
    char *end;
    int ok = sscanf(item, "%63[^:]:%63[^:]:%63s%c", a_text, b_text, step_text, &extra) == 3 &&
             (step_text[0] == 'x' || step_text[0] == '+');
    if (ok) {
        a = strtod(a_text, &end);
        ok = end != a_text && *end == '\0';
        b = strtod(b_text, &end);
        ok = ok && end != b_text && *end == '\0';
        step = strtod(step_text + 1, &end);
        ok = ok && end != step_text + 1 && *end == '\0' && isfinite(a) && isfinite(b) && isfinite(step) && a <= b;
        ok = ok && (step_text[0] == 'x' ? a > 0 && step > 1 : step > 0);
    }
    if (!ok)
        return bnx_fail(err, BNX_EINVAL, "key %s: '%s' is not a range A:B:xF (A, A*F, ... up to "
                        "B; 0 < A <= B, F > 1) or A:B:+S (A, A+S, ... up to B; S > 0)", key, item);
    for (long i = 0;; i++) {
        double v = step_text[0] == 'x' ? a * pow(step, (double)i) : a + step * (double)i;
        if (v > b * (1 + 1e-9) + (b < 0 ? 0 : 1e-12) || i > BNX_GRID_MAX_VALUES)
            break;
        char text[64];
        snprintf(text, sizeof text, "%.12g", v);
        int rc = add_value(key, text, values, count, err);
        if (rc)
            return rc;
    }
    return BNX_OK;
}

int bnx_grid_values(const char *key, const char *text, char (**values)[256], int *count,
                    bnx_error *err)
{
    *values = NULL;
    *count = 0;
    const char *p = text;
    int rc = BNX_OK;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        char item[256];
        size_t n;
        int bracketed = *p == '[';
        if (bracketed) {
            n = strcspn(p + 1, "]");
            if (p[1 + n] != ']') {
                rc = bnx_fail(err, BNX_EINVAL, "key %s: '%s' has a '[' without its ']'", key, text);
                break;
            }
            p++;
        } else {
            n = strcspn(p, ",");
        }
        if (n >= sizeof item) {
            rc = bnx_fail(err, BNX_EINVAL, "key %s: a grid value is too long", key);
            break;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        char *value = trim(item);
        p += n + bracketed;
        while (bracketed && (*p == ' ' || *p == '\t'))
            p++;
        if (!*value) {
            rc = bnx_fail(err, BNX_EINVAL, "key %s: '%s' has an empty grid value (expected "
                          "VALUE, VALUE, ...)", key, text);
            break;
        }
        rc = !bracketed && strchr(value, ':') ? add_range(key, value, values, count, err)
                                              : add_value(key, value, values, count, err);
        if (rc)
            break;
        if (*p == '\0')
            break;
        if (*p != ',') {
            rc = bnx_fail(err, BNX_EINVAL, "key %s: '%s': expected ',' after ']'", key, text);
            break;
        }
        p++;
    }
    if (rc) {
        free(*values);
        *values = NULL;
        *count = 0;
    }
    return rc;
}

int bnx_grid_point_name(const char *base, const char (*keys)[64], const char *const *values,
                        int n, char *buf, size_t size, bnx_error *err)
{
    char name[512];
    size_t used = (size_t)snprintf(name, sizeof name, "%s", base);
    for (int i = 0; i < n && used < sizeof name; i++) {
        /* no variant (a grid-only file): the name starts with the first key */
        used += (size_t)snprintf(name + used, sizeof name - used, "%s%s-", used ? "-" : "",
                                 keys[i]);
        for (const char *c = values[i]; *c && used + 1 < sizeof name; c++) {
            char ch = *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c;
            if (ch == ',' || ch == ' ')
                ch = '_';
            if (ch == '+')
                continue;
            name[used++] = ch;
        }
        name[used < sizeof name ? used : sizeof name - 1] = '\0';
    }
    if (strlen(name) > BNX_NAME_MAX || !bnx_name_is_safe(name))
        return bnx_fail(err, BNX_EINVAL, "grid point name '%.80s' is not a usable variant name "
                        "(%s); use a shorter variant name or fewer keys in one grid", name,
                        bnx_name_rule);
    snprintf(buf, size, "%s", name);
    return BNX_OK;
}
