/* The gnuplot driver: render one chart from a template in plots/.
 *
 * A template is an ordinary gnuplot script that reads its inputs from
 * variables, all of them strings, set before the script runs (gnuplot -e).
 * The driver always sets two of them:
 *
 *   term     the gnuplot terminal for `format`: "pngcairo", "svg" or "pdfcairo"
 *   outfile  the file the template must `set output` to
 *
 * and the caller adds the rest (file names, titles, ...; each template's
 * header comment lists what it reads).  The template must select the
 * terminal from `term` and write to `outfile`; it may read any number of
 * files, and it signals failure with a non-zero exit (`exit status 1` or any
 * gnuplot error).
 *
 * gnuplot is found on PATH at run time (Debian: gnuplot-nox). */
#ifndef BNX_IO_PLOT_H
#define BNX_IO_PLOT_H

#include <stddef.h>

#include "core/error.h"

/* One variable handed to a template: `name` becomes a gnuplot string
 * variable holding `value` (gnuplot -e "name='value'").  Numbers are passed
 * as text too; a template converts them with int() or real(). */
typedef struct bnx_plot_var {
    const char *name;  /* a gnuplot identifier: [A-Za-z_][A-Za-z0-9_]*     */
    const char *value; /* any text without a line break; quotes are escaped */
} bnx_plot_var;

/* Render `template_path` to `outfile` in `format` ("png", "svg" or "pdf").
 *
 * Runs `gnuplot -e "term='...'; outfile='...'; NAME='VALUE'; ..." TEMPLATE`
 * as a child process (posix_spawnp, no shell), with stdin and stdout on
 * /dev/null and stderr captured, and waits for it.  Each value is written as
 * a gnuplot string expression ('...' pieces, with each single quote as
 * "\047"), so it reaches the template verbatim: backslashes, double quotes,
 * backquotes, `$` and `@` included.
 *
 * gnuplot writes to a temporary file beside `outfile` (".NAME.tmp.PID.N" in
 * the same directory), which is renamed over `outfile` only after gnuplot
 * exits with status 0 having written a non-empty file and the file is
 * synced to disk (fsync, so a full disk shows here); the directory is
 * synced after the rename.  On any failure the
 * temporary file is removed and an existing `outfile` is left as it was, so
 * a failed render never leaves a file that looks whole.  The directory of
 * `outfile` must exist.  `vars` may be NULL when `nvars` is 0.
 *
 * Not thread-safe with respect to other threads that fork or change the
 * working directory; it does not change signal dispositions.
 *
 * Returns BNX_OK, or:
 *   BNX_EINVAL    format is not png/svg/pdf; a variable name is not an
 *                 identifier or is `term`/`outfile` (set by the driver); a
 *                 value contains a line break; the command line is too long
 *   BNX_ENOTFOUND the template cannot be read ("plot template X not
 *                 found..."), or gnuplot is not on PATH ("gnuplot not found;
 *                 apt-get install gnuplot-nox")
 *   BNX_EIO       the temporary file cannot be created, synced or renamed,
 *                 or the directory synced; gnuplot
 *                 could not be started, exited non-zero (the message quotes
 *                 gnuplot's first error line) or was killed by a signal; or
 *                 it exited 0 without writing anything
 *   BNX_ENOMEM    an allocation failed */
int bnx_plot_render(const char *template_path, const char *outfile,
                    const char *format, const bnx_plot_var *vars,
                    size_t nvars, bnx_error *err);

/* The script bnx_plot_render would have gnuplot run, as one text, without
 * running gnuplot: the -e command on the first line (`term='...';
 * outfile='...'; NAME='VALUE'; ...`, each value quoted as bnx_plot_render
 * quotes it, outfile being `outfile` itself rather than a temporary file),
 * then the template's text unchanged.  Given to gnuplot as a file it
 * renders the chart as bnx_plot_render does (without the temporary file
 * and rename).  Reads `template_path`; writes nothing.  *script is a
 * malloc'd NUL-terminated text (free it), NULL on failure.
 *
 * Returns BNX_OK, or:
 *   BNX_EINVAL    as bnx_plot_render (format, a variable's name or value)
 *   BNX_ENOTFOUND the template cannot be read (as bnx_plot_render)
 *   BNX_EIO       the template could not be opened or read
 *   BNX_ENOMEM    an allocation failed */
int bnx_plot_script(const char *template_path, const char *outfile, const char *format,
                    const bnx_plot_var *vars, size_t nvars, char **script, bnx_error *err);

/* The gnuplot terminal for a format name: "png" -> "pngcairo", "svg" ->
 * "svg", "pdf" -> "pdfcairo"; NULL for anything else (including NULL).
 * The returned string is static. */
const char *bnx_plot_terminal(const char *format);

#endif
