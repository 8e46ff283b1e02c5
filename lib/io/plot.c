/* The gnuplot driver; see plot.h. */
#include "io/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/atomic.h"

extern char **environ;

/* gnuplot's stderr is kept up to this many bytes; the rest is drained. */
#define STDERR_KEEP 16384

const char *bnx_plot_terminal(const char *format)
{
    if (!format)
        return NULL;
    if (strcmp(format, "png") == 0)
        return "pngcairo";
    if (strcmp(format, "svg") == 0)
        return "svg";
    if (strcmp(format, "pdf") == 0)
        return "pdfcairo";
    return NULL;
}

static int is_identifier(const char *s)
{
    if (!s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return 0;
    for (s++; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* A growable string for the -e command. */
struct buf {
    char *s;
    size_t len, cap;
};

static int buf_put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

/* Append `name=VALUE; ` with VALUE a gnuplot string expression equal to
 * `value`.  In gnuplot's single-quoted strings nothing is special but the
 * quote itself, whose escape ('') fails when quotes are adjacent, and a
 * quote anywhere else confuses gnuplot's scan for @macros and `backquotes`.
 * So each quote is written as the double-quoted octal escape "\047" and
 * joined to its neighbours with the `.` operator: it's -> 'it'."\047".'s'.
 * The empty string is written "". */
static int buf_assign(struct buf *b, const char *name, const char *value)
{
    if (buf_put(b, name, strlen(name)) || buf_put(b, "=", 1))
        return -1;
    if (!*value)
        return buf_put(b, "\"\"; ", 4);
    for (const char *p = value; *p;) {
        if (p != value && buf_put(b, ".", 1))
            return -1;
        if (*p == '\'') {
            if (buf_put(b, "\"\\047\"", 6))
                return -1;
            p++;
        } else {
            size_t n = strcspn(p, "'");
            if (buf_put(b, "'", 1) || buf_put(b, p, n) || buf_put(b, "'", 1))
                return -1;
            p += n;
        }
    }
    return buf_put(b, "; ", 2);
}

/* Pick the line of gnuplot's stderr that says what went wrong, into out.
 * gnuplot echoes the offending command and a caret line before its message
 * ("\"file\" line N: what"), so prefer a line that has "line N:" and is not
 * a warning; then any line that is not blank, a caret marker or a warning;
 * then any non-blank line. */
static void first_error_line(const char *text, char *out, size_t size)
{
    const char *best[3] = {NULL, NULL, NULL};
    size_t best_len[3] = {0, 0, 0};
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        /* trim */
        const char *s = p;
        size_t n = len;
        while (n && (*s == ' ' || *s == '\t' || *s == '\r')) {
            s++;
            n--;
        }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            n--;
        if (n) {
            char line[1024];
            size_t m = n < sizeof line - 1 ? n : sizeof line - 1;
            memcpy(line, s, m);
            line[m] = '\0';
            int warning = strstr(line, "warning:") != NULL;
            int caret = strspn(line, "^ \t") == m;
            int located = 0;
            for (const char *q = strstr(line, "line "); q; q = strstr(q + 1, "line ")) {
                const char *d = q + 5;
                if (*d >= '0' && *d <= '9') {
                    while (*d >= '0' && *d <= '9')
                        d++;
                    if (*d == ':') {
                        located = 1;
                        break;
                    }
                }
            }
            int rank = (located && !warning) ? 0 : (!caret && !warning) ? 1 : 2;
            if (!best[rank]) {
                best[rank] = s;
                best_len[rank] = n;
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
    for (int r = 0; r < 3; r++)
        if (best[r]) {
            size_t m = best_len[r] < size - 1 ? best_len[r] : size - 1;
            memcpy(out, best[r], m);
            out[m] = '\0';
            return;
        }
    snprintf(out, size, "(gnuplot printed nothing)");
}

/* Create an empty temporary file beside `path`; its name goes to tmp. */
static int make_temp_beside(const char *path, char *tmp, size_t size, bnx_error *err)
{
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    if (!*base)
        return bnx_fail(err, BNX_EINVAL, "output path %s names a directory, not a file", path);
    static unsigned counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        if ((size_t)snprintf(tmp, size, "%.*s.%s.tmp.%ld.%u", dirlen, path, base,
                             (long)getpid(), counter++) >= size)
            return bnx_fail(err, BNX_EINVAL, "output path is too long: %.200s", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            close(fd);
            return BNX_OK;
        }
        if (errno != EEXIST)
            return bnx_fail(err, BNX_EIO, "cannot create %s: %s", tmp, strerror(errno));
    }
    return bnx_fail(err, BNX_EIO, "cannot create a temporary file beside %s", path);
}

/* fsync what gnuplot wrote to tmp: a write the system deferred and could
 * not complete (a full disk) is reported here, before the rename. */
static int sync_file(const char *tmp, const char *outfile, bnx_error *err)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    int e = fd < 0 ? errno : fsync(fd) != 0 && errno != EINVAL ? errno : 0;
    if (fd >= 0)
        close(fd);
    if (e)
        return bnx_fail(err, BNX_EIO, "cannot write %s: %s (the earlier file, if any, is "
                        "unchanged)", outfile, strerror(e));
    return BNX_OK;
}

/* Read everything from fd; keep the first STDERR_KEEP-1 bytes in out. */
static void drain(int fd, char *out, size_t size)
{
    size_t len = 0;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t keep = (size_t)n;
        if (keep > size - 1 - len)
            keep = size - 1 - len;
        memcpy(out + len, chunk, keep);
        len += keep;
    }
    out[len] = '\0';
}

/* Spawn gnuplot with argv, stderr into a pipe; wait; fill status and the
 * text it printed on stderr. */
static int run_gnuplot(char *const argv[], int *status, char *text, size_t size,
                       bnx_error *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return bnx_fail(err, BNX_EIO, "cannot create a pipe for gnuplot: %s", strerror(errno));

    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    if (rc != 0) {
        close(pfd[0]);
        close(pfd[1]);
        return bnx_fail(err, rc == ENOMEM ? BNX_ENOMEM : BNX_EIO,
                        "cannot prepare to run gnuplot: %s", strerror(rc));
    }
    pid_t pid;
    rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (rc != 0) {
        close(pfd[0]);
        if (rc == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND,
                            "gnuplot not found; apt-get install gnuplot-nox "
                            "(it must be on PATH to render charts)");
        return bnx_fail(err, BNX_EIO, "cannot run gnuplot: %s", strerror(rc));
    }
    drain(pfd[0], text, size);
    close(pfd[0]);
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR)
            return bnx_fail(err, BNX_EIO, "waiting for gnuplot: %s", strerror(errno));
    }
    return BNX_OK;
}

/* The checks bnx_plot_render and bnx_plot_script share: the format, the
 * arguments, each variable, the template's readability.  The terminal goes
 * to *term. */
static int check_args(const char *template_path, const char *outfile, const char *format,
                      const bnx_plot_var *vars, size_t nvars, const char *who,
                      const char **term, bnx_error *err)
{
    *term = bnx_plot_terminal(format);
    if (!*term)
        return bnx_fail(err, BNX_EINVAL, "unknown chart format '%s' (expected png, svg or pdf)",
                        format ? format : "(null)");
    if (!template_path || !outfile || (nvars && !vars))
        return bnx_fail(err, BNX_EINVAL, "%s: missing template, output or variables", who);
    for (size_t i = 0; i < nvars; i++) {
        if (!is_identifier(vars[i].name))
            return bnx_fail(err, BNX_EINVAL, "plot variable name '%s' is not an identifier",
                            vars[i].name ? vars[i].name : "(null)");
        if (strcmp(vars[i].name, "term") == 0 || strcmp(vars[i].name, "outfile") == 0)
            return bnx_fail(err, BNX_EINVAL, "plot variable '%s' is set by the driver",
                            vars[i].name);
        if (!vars[i].value || strpbrk(vars[i].value, "\n\r"))
            return bnx_fail(err, BNX_EINVAL, "plot variable '%s' %s", vars[i].name,
                            vars[i].value ? "contains a line break" : "has no value");
    }
    if (access(template_path, R_OK) != 0)
        return bnx_fail(err, BNX_ENOTFOUND,
                        "plot template %s not found or unreadable: %s "
                        "(set BNEXP_HOME to the bnexp checkout)",
                        template_path, strerror(errno));
    return BNX_OK;
}

/* The -e command: term, outfile (written to `out`), then the variables.
 * Returns 0, or -1 when out of memory (cmd is freed). */
static int build_command(struct buf *cmd, const char *term, const char *out,
                         const bnx_plot_var *vars, size_t nvars)
{
    int oom = buf_assign(cmd, "term", term) || buf_assign(cmd, "outfile", out);
    for (size_t i = 0; !oom && i < nvars; i++)
        oom = buf_assign(cmd, vars[i].name, vars[i].value);
    if (oom) {
        free(cmd->s);
        memset(cmd, 0, sizeof *cmd);
    }
    return oom ? -1 : 0;
}

int bnx_plot_script(const char *template_path, const char *outfile, const char *format,
                    const bnx_plot_var *vars, size_t nvars, char **script, bnx_error *err)
{
    *script = NULL;
    const char *term;
    int rc = check_args(template_path, outfile, format, vars, nvars, "bnx_plot_script", &term,
                        err);
    if (rc)
        return rc;
    struct buf b = {0};
    if (build_command(&b, term, outfile, vars, nvars) || buf_put(&b, "\n", 1)) {
        free(b.s);
        return bnx_fail(err, BNX_ENOMEM, "out of memory building the gnuplot script");
    }
    FILE *f = fopen(template_path, "r");
    if (!f) {
        free(b.s);
        return bnx_fail(err, BNX_EIO, "cannot open plot template %s: %s", template_path,
                        strerror(errno));
    }
    char chunk[4096];
    size_t n;
    int oom = 0;
    while (!oom && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        oom = buf_put(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (oom || bad) {
        free(b.s);
        return oom ? bnx_fail(err, BNX_ENOMEM, "out of memory reading %s", template_path)
                   : bnx_fail(err, BNX_EIO, "cannot read plot template %s", template_path);
    }
    *script = b.s;
    return BNX_OK;
}

int bnx_plot_render(const char *template_path, const char *outfile,
                    const char *format, const bnx_plot_var *vars,
                    size_t nvars, bnx_error *err)
{
    const char *term;
    int rc = check_args(template_path, outfile, format, vars, nvars, "bnx_plot_render", &term,
                        err);
    if (rc)
        return rc;

    char tmp[4096];
    rc = make_temp_beside(outfile, tmp, sizeof tmp, err);
    if (rc)
        return rc;

    struct buf cmd = {0};
    if (build_command(&cmd, term, tmp, vars, nvars)) {
        unlink(tmp);
        return bnx_fail(err, BNX_ENOMEM, "out of memory building the gnuplot command");
    }
    /* Linux limits one argument to 128 KiB (MAX_ARG_STRLEN). */
    if (cmd.len > 100000) {
        free(cmd.s);
        unlink(tmp);
        return bnx_fail(err, BNX_EINVAL, "gnuplot command line is too long (%zu bytes)", cmd.len);
    }

    char *argv[] = {"gnuplot", "-e", cmd.s, (char *)template_path, NULL};
    int status = 0;
    char *text = malloc(STDERR_KEEP);
    if (!text) {
        free(cmd.s);
        unlink(tmp);
        return bnx_fail(err, BNX_ENOMEM, "out of memory running gnuplot");
    }
    rc = run_gnuplot(argv, &status, text, STDERR_KEEP, err);
    free(cmd.s);
    if (rc) {
        free(text);
        unlink(tmp);
        return rc;
    }

    if (WIFSIGNALED(status)) {
        rc = bnx_fail(err, BNX_EIO, "gnuplot was killed by signal %d (%s) rendering %s",
                      WTERMSIG(status), strsignal(WTERMSIG(status)), template_path);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[768];
        first_error_line(text, line, sizeof line);
        rc = bnx_fail(err, BNX_EIO, "gnuplot failed (exit status %d) rendering %s: %s",
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1, template_path, line);
    } else {
        struct stat st;
        if (stat(tmp, &st) != 0 || st.st_size == 0)
            rc = bnx_fail(err, BNX_EIO, "gnuplot wrote nothing rendering %s (does the "
                          "template `set output outfile`?)", template_path);
        else if ((rc = sync_file(tmp, outfile, err)) == BNX_OK && rename(tmp, outfile) != 0)
            rc = bnx_fail(err, BNX_EIO, "cannot rename %s to %s: %s", tmp, outfile,
                          strerror(errno));
        else if (rc == BNX_OK)
            rc = bnx_sync_parent_dir(outfile, err);
    }
    free(text);
    if (rc)
        unlink(tmp);
    return rc;
}
