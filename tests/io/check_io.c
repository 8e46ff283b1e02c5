/* Writing that fails (a full disk, a file-size limit, a directory in the
 * way, a symbolic link) is reported with the file's name and the system's
 * reason, and leaves what was written before whole; the gnuplot script the
 * driver would run. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file.h"
#include "io/atomic.h"
#include "io/csv.h"
#include "io/csvread.h"
#include "io/plot.h"
#include "io/markdown.h"
#include "io/roff.h"
#include "io/strbuf.h"
#include "testutil.h"

static char dir[64];

static void setup(void) { test_tmpdir_create(dir, sizeof dir, "out"); }
static void teardown(void) { test_tmpdir_remove(dir); }

static char *in_dir(const char *name)
{
    static char path[4][256];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

/* The file at path holds exactly `expected`. */
static void assert_file_is(const char *path, const char *expected)
{
    char *data;
    size_t size;
    ck_assert_int_eq(bnx_read_file(path, 1 << 20, &data, &size, NULL), BNX_OK);
    ck_assert_str_eq(data, expected);
    free(data);
}

/* Run fn(ctx) in a child process whose writes beyond `bytes` of a file
 * fail with EFBIG (the signal that would kill it is ignored), as under
 * `ulimit -f`; Check's own result file must not be limited, hence the
 * process of its own.  Returns fn's status; its message goes to msg. */
static int with_file_limit(long bytes, int (*fn)(void *, bnx_error *), void *ctx, char *msg,
                           size_t size)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {(rlim_t)bytes, (rlim_t)bytes};
        bnx_error e = {0};
        int rc = setrlimit(RLIMIT_FSIZE, &rl) == 0 ? fn(ctx, &e) : 100;
        ssize_t unused = write(fds[1], e.msg, strlen(e.msg) + 1);
        (void)unused;
        _exit(rc);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], msg, size - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static int long_row(void *csv, bnx_error *err)
{
    return bnx_csv_row(csv, err, "100,0.123456");
}

struct file_text {
    const char *path;
    const char *data;
    size_t size;
};

static int write_atomic(void *ctx, bnx_error *err)
{
    const struct file_text *f = ctx;
    return bnx_write_file_atomic(f->path, f->data, f->size, err);
}

START_TEST(csv_rows_are_whole_lines)
{
    bnx_csv csv = {0};
    bnx_error err;
    ck_assert_int_eq(bnx_csv_close(&csv, &err), BNX_OK); /* a zeroed struct */
    const char *path = in_dir("m.csv");
    ck_assert_int_eq(bnx_csv_open(&csv, path, "a,b", &err), BNX_OK);
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "%d,%s", 1, "x"), BNX_OK);
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "%d,%s", 2, "y"), BNX_OK);
    assert_file_is(path, "a,b\n1,x\n2,y\n"); /* on disk at once: no buffer in between */
    ck_assert_int_eq(bnx_csv_close(&csv, &err), BNX_OK);
    ck_assert_int_eq(bnx_csv_close(&csv, &err), BNX_OK); /* closed twice */
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "3,z"), BNX_EINVAL);
}
END_TEST

START_TEST(csv_row_that_does_not_fit_is_cut_off)
{
    bnx_csv csv = {0};
    bnx_error err;
    const char *path = in_dir("h.csv");
    ck_assert_int_eq(bnx_csv_open(&csv, path, "step,value", &err), BNX_OK);
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "0,0.5"), BNX_OK);
    /* 17 bytes so far: the next row fits only in part */
    char msg[1024];
    ck_assert_int_eq(with_file_limit(21, long_row, &csv, msg, sizeof msg), BNX_EIO);
    ck_assert_msg(strstr(msg, "cannot write ") && strstr(msg, "h.csv: File too large") &&
                      strstr(msg, "the rows before it are kept whole"),
                  "%s", msg);
    assert_file_is(path, "step,value\n0,0.5\n");
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "1,2"), BNX_OK); /* goes on after it */
    ck_assert_int_eq(bnx_csv_close(&csv, &err), BNX_OK);
    assert_file_is(path, "step,value\n0,0.5\n1,2\n");
}
END_TEST

START_TEST(csv_open_failures_name_the_file)
{
    bnx_csv csv = {0};
    bnx_error err;
    /* a full device */
    ck_assert_int_eq(bnx_csv_open(&csv, "/dev/full", "a,b", &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot write /dev/full: No space left on device"));
    ck_assert_int_eq(bnx_csv_close(&csv, &err), BNX_OK);
    /* a missing directory */
    ck_assert_int_eq(bnx_csv_open(&csv, in_dir("none/m.csv"), "a", &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "none/m.csv: No such file or directory"));
    /* a symbolic link where the file goes is not followed */
    const char *target = in_dir("target"), *link = in_dir("link.csv");
    FILE *f = fopen(target, "w");
    ck_assert_ptr_nonnull(f);
    fputs("keep\n", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(bnx_csv_open(&csv, link, "a", &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "link.csv: it is a symbolic link"));
    assert_file_is(target, "keep\n");
}
END_TEST

START_TEST(csv_resume_cuts_back_and_appends)
{
    bnx_csv csv = {0};
    bnx_error err;
    const char *path = in_dir("r.csv");
    ck_assert_int_eq(bnx_csv_open(&csv, path, "a", &err), BNX_OK);
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "1"), BNX_OK);
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "2"), BNX_OK);
    ck_assert_int_eq(bnx_csv_close(&csv, &err), BNX_OK);
    ck_assert_int_eq(bnx_csv_resume(&csv, path, "a", 4, &err), BNX_OK); /* "a\n1\n" */
    ck_assert_int_eq(bnx_csv_row(&csv, &err, "3"), BNX_OK);
    ck_assert_int_eq(bnx_csv_close(&csv, &err), BNX_OK);
    assert_file_is(path, "a\n1\n3\n");
    ck_assert_int_eq(bnx_csv_resume(&csv, path, "a", 3, &err), BNX_EFORMAT); /* mid-row */
    ck_assert_int_eq(bnx_csv_resume(&csv, path, "b", 4, &err), BNX_EFORMAT);
    ck_assert_int_eq(bnx_csv_resume(&csv, in_dir("none.csv"), "a", 2, &err), BNX_ENOTFOUND);
}
END_TEST

/* No PATH.tmp.* is left beside path. */
static void assert_no_temporary(const char *path)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    ck_assert_int_ne(access(tmp, F_OK), 0);
}

/* RFC 4180 read back (libcsv): quoted commas, doubled quotes, a line
 * break in a field (the next record's line counts it), a blank line,
 * spaces kept; refusals name the line. */
START_TEST(csv_quoted_fields_read_back)
{
    char path[128];
    snprintf(path, sizeof path, "%s/q.csv", dir);
    static const char text[] = "claim,statement,ci_lo\n"
                               "1,\"BN, as \"\"claimed\"\"\",0.5\n"
                               "\n"
                               "2,\"two\nlines\", -1\n"
                               "3, spaced ,\n";
    test_write_file(path, text, strlen(text));
    bnx_csv_table t;
    bnx_error err;
    bnx_error_clear(&err);
    ck_assert_msg(bnx_csv_table_read_quoted(path, &t, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(t.num_cols, 3);
    ck_assert_int_eq(t.num_rows, 3);
    ck_assert_str_eq(t.header[1], "statement");
    ck_assert_str_eq(bnx_csv_table_cell(&t, 0, 1), "BN, as \"claimed\"");
    ck_assert_str_eq(bnx_csv_table_cell(&t, 1, 1), "two\nlines");
    ck_assert_str_eq(bnx_csv_table_cell(&t, 1, 2), " -1");
    ck_assert_str_eq(bnx_csv_table_cell(&t, 2, 1), " spaced ");
    ck_assert_str_eq(bnx_csv_table_cell(&t, 2, 2), "");
    ck_assert_int_eq(t.line[0], 2);
    ck_assert_int_eq(t.line[1], 4);
    ck_assert_int_eq(t.line[2], 6);
    double v;
    ck_assert_int_eq(bnx_csv_table_number(&t, 0, 2, &v, &err), BNX_OK);
    ck_assert(v == 0.5);
    bnx_csv_table_free(&t);
    static const char crlf[] = "a,b\r\n1,2\r\n\r\n3,\"x\r\ny\"\r\n5,6\r\n";
    test_write_file(path, crlf, strlen(crlf));
    ck_assert_msg(bnx_csv_table_read_quoted(path, &t, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(t.num_rows, 3);
    ck_assert_int_eq(t.line[0], 2);
    ck_assert_int_eq(t.line[1], 4);
    ck_assert_int_eq(t.line[2], 6);
    ck_assert_str_eq(bnx_csv_table_cell(&t, 1, 1), "x\r\ny");
    ck_assert_str_eq(bnx_csv_table_cell(&t, 2, 1), "6");
    bnx_csv_table_free(&t);
    static const char *const bad[][2] = {
        {"a,b\n1,\"open\n", "q.csv:2: "},
        {"a,b\n1,x\"y\n", "q.csv:2: "},
        {"a,b\n1,2\n3\n", "q.csv:3: 1 field, the header has 2"},
        {"", "q.csv is empty"},
        {"a,b\n1,2\n3,4", "q.csv:3: the last line ends without a line break"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        test_write_file(path, bad[k][0], strlen(bad[k][0]));
        ck_assert_int_eq(bnx_csv_table_read_quoted(path, &t, &err), BNX_EFORMAT);
        ck_assert_msg(strstr(err.msg, bad[k][1]) != NULL, "%zu: %s", k, err.msg);
        ck_assert_int_eq(t.num_rows, 0);
        bnx_csv_table_free(&t);
    }
    snprintf(path, sizeof path, "%s/none.csv", dir);
    ck_assert_int_eq(bnx_csv_table_read_quoted(path, &t, &err), BNX_ENOTFOUND);
}
END_TEST

START_TEST(atomic_failure_leaves_the_old_file)
{
    const char *path = in_dir("summary.csv");
    bnx_error err;
    ck_assert_int_eq(bnx_write_file_atomic(path, "old\n", 4, &err), BNX_OK);
    /* a file-size limit: the temporary file cannot be written whole */
    char big[1000], msg[1024];
    memset(big, 'x', sizeof big);
    struct file_text f = {path, big, sizeof big};
    ck_assert_int_eq(with_file_limit(100, write_atomic, &f, msg, sizeof msg), BNX_EIO);
    ck_assert_msg(strstr(msg, "summary.csv: write failed: File too large (the file is "
                              "unchanged)") != NULL, "%s", msg);
    assert_file_is(path, "old\n");
    DIR *d = opendir(dir); /* no temporary file left, whatever its process id */
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        ck_assert_msg(strstr(e->d_name, ".tmp.") == NULL, "%s left", e->d_name);
    closedir(d);
    /* a directory in the way of the rename */
    const char *taken = in_dir("report.md");
    ck_assert_int_eq(mkdir(taken, 0777), 0);
    ck_assert_int_eq(bnx_write_file_atomic(taken, "new\n", 4, &err), BNX_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot replace "));
    ck_assert_ptr_nonnull(strstr(err.msg, "Is a directory"));
    ck_assert(access(taken, F_OK) == 0);
    assert_no_temporary(taken);
    /* a missing directory */
    ck_assert_int_eq(bnx_write_file_atomic(in_dir("none/x"), "new\n", 4, &err), BNX_EIO);
    ck_assert_msg(strstr(err.msg, "(to write ") && strstr(err.msg, "none/x): No such file or "
                                                                   "directory"), "%s", err.msg);
}
END_TEST

START_TEST(atomic_replaces_through_a_link_not_its_target)
{
    const char *target = in_dir("target"), *link = in_dir("run.json");
    bnx_error err;
    ck_assert_int_eq(bnx_write_file_atomic(target, "keep\n", 5, &err), BNX_OK);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(bnx_write_file_atomic(link, "new\n", 4, &err), BNX_OK);
    assert_file_is(target, "keep\n");
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(bnx_sync_parent_dir(link, &err), BNX_OK);
    ck_assert_int_eq(bnx_sync_parent_dir("bare-name", &err), BNX_OK);
}
END_TEST

/* put DIR/NAME (empty) */
static void touch_in(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
}

static int exists_in(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* A killed writer's NAME.tmp.PID goes, also while its process is a
 * zombie (the kill campaign's finding: an unreaped trial's temporary
 * outlived every resume); a live writer's stays unless the caller holds
 * the writers' lock; the caller's own and other names stay. */
START_TEST(stale_temporaries_removed_live_ones_kept)
{
    pid_t zombie = fork();
    if (zombie == 0)
        _exit(0);
    pid_t live = fork();
    if (live == 0) {
        alarm(60); /* never outlives a failed test */
        pause();
        _exit(0);
    }
    char stat[64], buf[256] = "";
    snprintf(stat, sizeof stat, "/proc/%ld/stat", (long)zombie);
    for (int i = 0; i < 200 && !strstr(buf, ") Z"); i++) { /* until it has exited */
        FILE *f = fopen(stat, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = '\0';
            fclose(f);
        }
        usleep(10000);
    }
    char zname[64], lname[64], own[64];
    snprintf(zname, sizeof zname, "checkpoint.bin.tmp.%ld", (long)zombie);
    snprintf(lname, sizeof lname, "metrics.csv.tmp.%ld", (long)live);
    snprintf(own, sizeof own, "plan.json.tmp.%ld", (long)getpid());
    const char *others[] = {zname, lname, own, "summary.csv.tmp.x9", "notes.tmp.", "a.csv"};
    for (int i = 0; i < 6; i++)
        touch_in(others[i]);
    bnx_remove_stale_temporaries(dir, 0);
    ck_assert_msg(!exists_in(zname), "a zombie's temporary is kept (%s)", buf);
    ck_assert(exists_in(lname) && exists_in(own));
    ck_assert(exists_in("summary.csv.tmp.x9") && exists_in("notes.tmp.") && exists_in("a.csv"));
    bnx_remove_stale_temporaries(dir, 1); /* the writers' lock held: the live one goes too */
    ck_assert(!exists_in(lname) && exists_in(own));
    kill(live, SIGKILL);
    waitpid(live, NULL, 0);
    waitpid(zombie, NULL, 0);
}
END_TEST

/* bnx_plot_script: the -e line as bnx_plot_render hands it to gnuplot
 * (each value gnuplot-quoted), then the template; its refusals. */
START_TEST(plot_script_is_the_e_line_then_the_template)
{
    const char *tmpl = in_dir("t.gp");
    const char *text = "set terminal term\nset output outfile\nplot file using 1:2\n";
    test_write_file(tmpl, text, strlen(text));
    const bnx_plot_var vars[] = {{"file", "a b.csv"}, {"empty", ""}, {"q", "it's"}};
    char *script;
    bnx_error err;
    ck_assert_int_eq(bnx_plot_script(tmpl, "o.svg", "svg", vars, 3, &script, &err), BNX_OK);
    ck_assert_str_eq(script, "term='svg'; outfile='o.svg'; file='a b.csv'; empty=\"\"; "
                             "q='it'.\"\\047\".'s'; \nset terminal term\nset output outfile\n"
                             "plot file using 1:2\n");
    free(script);
    ck_assert_int_eq(bnx_plot_script(tmpl, "o.pdf", "pdf", NULL, 0, &script, &err), BNX_OK);
    ck_assert(strncmp(script, "term='pdfcairo'; outfile='o.pdf'; \n", 35) == 0);
    free(script);
    /* refused: format, a variable the driver sets, a line break, no template */
    const bnx_plot_var term[] = {{"term", "x"}}, nl[] = {{"t", "a\nb"}};
    ck_assert_int_eq(bnx_plot_script(tmpl, "o.gif", "gif", NULL, 0, &script, &err), BNX_EINVAL);
    ck_assert_ptr_null(script);
    ck_assert_int_eq(bnx_plot_script(tmpl, "o.png", "png", term, 1, &script, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "set by the driver"));
    ck_assert_int_eq(bnx_plot_script(tmpl, "o.png", "png", nl, 1, &script, &err), BNX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "line break"));
    ck_assert_int_eq(bnx_plot_script(in_dir("none.gp"), "o.png", "png", NULL, 0, &script, &err),
                     BNX_ENOTFOUND);
    ck_assert_ptr_null(script);
}
END_TEST

/* roff's specials become literal: a backslash, a minus, a request-like
 * line start; the rest passes as it is. */
START_TEST(roff_text_is_literal)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    ck_assert_ptr_nonnull(f);
    const char text[] = ".TH x\\y --set a=b\n'quoted' .mid\n";
    bnx_roff_put(f, text, strlen(text));
    fclose(f);
    ck_assert_str_eq(buf, "\\&.TH x\\ey \\-\\-set a=b\n\\&'quoted' .mid\n");
    free(buf);
}
END_TEST

START_TEST(markdown_tables_safe_text_and_our_anchors)
{
    const char *md = "# Claims\n\n| a | b |\n|---|---|\n| `x < 1` | <script>alert(1)</script> |\n\n"
                     "<a id=\"tiny-better\"></a>see [it](#tiny-better); <a id=\"x y\"></a>\n";
    char *html;
    bnx_error err;
    ck_assert_int_eq(bnx_markdown_html(md, &html, &err), BNX_OK);
    ck_assert_ptr_nonnull(strstr(html, "<h1>Claims</h1>"));
    ck_assert_ptr_nonnull(strstr(html, "<table>"));
    ck_assert_ptr_nonnull(strstr(html, "<td><code>x &lt; 1</code></td>"));
    ck_assert_ptr_null(strstr(html, "<script"));          /* raw HTML left out */
    ck_assert_ptr_nonnull(strstr(html, "<a id=\"tiny-better\"></a>")); /* ours, kept */
    ck_assert_ptr_nonnull(strstr(html, "<a href=\"#tiny-better\">it</a>"));
    ck_assert_ptr_null(strstr(html, "id=\"x y\""));      /* not an anchor name: omitted */
    ck_assert_ptr_null(strstr(html, "BNXANCHOR"));
    free(html);
    bnx_strbuf sb = {0};
    bnx_sb_html(&sb, "a<b & \"c\" 'd'>");
    ck_assert_str_eq(sb.p, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    free(sb.p);
}
END_TEST

Suite *suite_io(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("write errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, csv_rows_are_whole_lines);
    tcase_add_test(tc, csv_row_that_does_not_fit_is_cut_off);
    tcase_add_test(tc, csv_open_failures_name_the_file);
    tcase_add_test(tc, csv_resume_cuts_back_and_appends);
    tcase_add_test(tc, atomic_failure_leaves_the_old_file);
    tcase_add_test(tc, atomic_replaces_through_a_link_not_its_target);
    tcase_add_test(tc, stale_temporaries_removed_live_ones_kept);
    tcase_add_test(tc, csv_quoted_fields_read_back);
    tcase_add_test(tc, plot_script_is_the_e_line_then_the_template);
    tcase_add_test(tc, roff_text_is_literal);
    tcase_add_test(tc, markdown_tables_safe_text_and_our_anchors);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_io)
