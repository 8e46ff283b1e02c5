/* Shared declarations for the bnexp command-line front end.  Each
 * subcommand lives in cmd_NAME.c and is listed once in main.c's table. */
#ifndef BNX_CMD_CLI_H
#define BNX_CMD_CLI_H

#include <stddef.h>

#include "core/error.h"
#include "core/note.h"

struct bnx_plan; /* spec/plan.h */
struct bnx_plan_trial;
struct bnx_local_trial;   /* runs/local.h */
struct bnx_collect_info;  /* runs/rundir.h */

/* A subcommand: argv[0] is the subcommand's name.  Returns the process exit
 * status: 0 success, 1 a failure at run time, 2 a usage error. */
typedef int (*bnx_cmd_fn)(int argc, char **argv);

/* The help texts, generated from docs/man/bnexp-NAME.txt by
 * scripts/embed-help.sh (build/gen/help.c): NAME a command ("run") or a
 * command and its action ("data-fetch"); ends with {NULL, NULL}. */
struct cli_help_text {
    const char *name;
    const char *text;
};
extern const struct cli_help_text cli_help_texts[];

/* The help text of `name` (as in cli_help_texts), or a line saying it is
 * missing (tests/cli_test.sh checks every command has one). */
const char *cli_help_text(const char *name);

int cmd_run(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_trial(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* bnexp report claims (cmd_claims.c) and bnexp run claims (cmd_suite.c):
 * argv[0] is "claims", then the options. */
int cmd_report_claims(int argc, char **argv);
int cmd_run_claims(int argc, char **argv);

/* Write the claims table (runs_dir/claims.md, claims.csv), charts rendered
 * when charts_wanted, `run` (NULL: none) deciding its experiment's rows
 * (bnx_claims_write); print it unless quiet.  Returns the exit status. */
int write_claims(const char *runs_dir, const char *run, int charts_wanted, int quiet);

/* What a run shows of its trials (cmd_run.c), for bnexp run and run
 * claims: trial p's progress line (ended 0) or how it ended (ended 1), each
 * started with `prefix`, on stderr; the message of stop signal `sig` (the
 * nth), clearing the status line first when tty; RUN/summary.csv collected
 * ("wrote ..." on stdout); the failed and unfinished trials named, with the
 * command that continues them (returns 1 if any, else 0).  The two ints
 * returned are exit statuses. */
void cli_show_trial(const char *prefix, const struct bnx_plan_trial *p,
                    const struct bnx_local_trial *t, int ended);
void cli_show_stopping(int tty, int sig, int nth);
int cli_collect_summary(const char *out, const struct bnx_plan *plan,
                        struct bnx_collect_info *info);
int cli_finish_message(const struct bnx_plan *plan, const struct bnx_collect_info *info,
                       const char *name, const char *out);

/* The second look of run directory `run` of experiment `name`
 * (bnx_run_second_look), said on stderr as "bnexp: WHO: RULES inconclusive
 * at the first look: the second look adds N trial(s), ..." when it adds
 * trials; *added says how many.  Returns 0, or 1 after printing the error
 * ("WHO: no second look: ..."). */
int cli_second_look(const char *who, const char *run, const char *name, int *added);

/* `bnexp plot ARGS` (argv[0] is "plot", then its arguments) without
 * printing the chart's path: parses the arguments, draws the chart through
 * the table (analysis/chart.h) and writes its file's path to
 * outfile[outsize].  Prints the warnings (a trial still running, trials
 * left out) and any error to stderr.  Returns 0; -1 after printing the
 * help (--help); or the exit status of an error it printed (2 for a usage
 * error, 1 at run time). */
int cli_plot_draw(int argc, char **argv, char *outfile, size_t outsize);


/* Print the usage text of subcommand `name` to stdout.  Returns 0, or 2 if
 * there is no such subcommand. */
int cli_print_help(const char *name);

/* Print "bnexp: <msg>" to stderr and return `status`. */
int cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For getopt_long run with opterr = 0 and an optstring starting with ':':
 * report the option getopt_long just refused (opt is ':' for a missing
 * value, '?' for an unknown option) for subcommand `cmd`.  Returns 2. */
int cli_bad_option(const char *cmd, int opt, char **argv);

/* The run directory `bnexp plot` and `bnexp report` read: `run_opt` (the
 * --run DIR option) if given, otherwise runs/EXPERIMENT/latest.  Writes it
 * to dir[size], and to shown[size] the same directory as a reader should
 * see it: with `latest` replaced by the run it points to.  Returns 0, or
 * prints the error (the directory does not exist; both or neither of
 * `experiment` and `run_opt` given) and returns the exit status. */
int cli_run_dir(const char *cmd, const char *experiment, const char *run_opt, char *dir,
                size_t size, char *shown, size_t shown_size);

/* cli_run_dir for a subcommand whose one optional positional argument
 * (argv[optind], after getopt_long) is the experiment; more than one is a
 * usage error (2). */
int cli_run_arg(const char *cmd, int argc, char **argv, const char *run_opt, char *dir,
                size_t size, char *shown, size_t shown_size);

/* The arguments of a subcommand that takes [EXPERIMENT | --run DIR] and
 * -h/--help only (status, collect), and --json where `json` is not NULL
 * (*json set to 1 when given; refused otherwise): parses them (getopt_long), finds the
 * run directory (cli_run_arg) into dir[size] and shown[shown_size] and
 * reads its plan into *plan (cli_read_plan).  Returns 0 with *plan to
 * free (bnx_plan_free); or, after printing the help, -1 (the caller
 * returns 0); or the exit status of an error it printed (*plan freed). */
int cli_run_plan_args(const char *cmd, int argc, char **argv, char *dir, size_t size,
                      char *shown, size_t shown_size, struct bnx_plan *plan, int *json);

/* Read the plan of run directory `run` into *plan (free it with
 * bnx_plan_free, also after a failure).  Returns 0, or prints the error
 * (the directory does not exist; it has no plan.json; the plan cannot be
 * read, is damaged or of another plan-format version), starting with
 * `cmd`, and returns 1. */
int cli_read_plan(const char *cmd, const char *run, struct bnx_plan *plan);

/* A bnx_note_fn (core/note.h): print a note on stderr, "bnexp: TEXT" (SAY)
 * or TEXT (QUOTE); ctx unused. */
void cli_note(void *ctx, int kind, const char *text);

/* Print "bnexp: <err->msg>" to stderr and return 1. */
int cli_report(const bnx_error *err);

/* Print sb's text on stdout and free it.  Returns 0, or 1 if an append
 * ran out of memory (said on stderr). */
struct bnx_strbuf; /* io/strbuf.h */
int cli_print_text(struct bnx_strbuf *sb);

#endif
