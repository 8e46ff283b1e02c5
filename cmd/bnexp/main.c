/* bnexp: reproduce Ioffe & Szegedy (2015), "Batch Normalization", on a CPU.
 * This file is the table of subcommands; each one lives in cmd_NAME.c. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io/roff.h"
#include "io/strbuf.h"
#include "core/paths.h"
#include "core/suggest.h"
#include "runs/reader.h"
#include "runs/rundir.h"
#include "spec/plan.h"

static const struct command {
    const char *name;
    bnx_cmd_fn fn;
    const char *summary;
} commands[] = {
    {"run", cmd_run, "train every variant of an experiment"},
    {"trial", cmd_trial, "run one trial of a run's plan (a Slurm or parallel job)"},
    {"collect", cmd_collect, "write a run's summary.csv from its trial directories"},
    {"data", cmd_data, "fetch, verify and list datasets"},
    {"plot", cmd_plot, "render charts of a run with gnuplot"},
    {"report", cmd_report, "the steps-to-accuracy table of a run (Fig. 3); the claims table"},
    {"status", cmd_status, "where every trial of a run stands"},
    {"eval", cmd_eval, "evaluate a trained trial: statistics, test mini-batch, inputs"},
    {"list", cmd_list, "list experiments, datasets, charts, models, normalizations, probes, measures and keys"},
    {"help", cmd_help, "show help for a subcommand"},
};
static const int num_commands = (int)(sizeof commands / sizeof commands[0]);

static void print_overview(FILE *f)
{
    fprintf(f, "usage: bnexp COMMAND [options]    (bnexp help COMMAND for more)\n\n"
               "Reproduce Ioffe & Szegedy (2015), \"Batch Normalization\", on a CPU.\n\n"
               "commands:\n");
    for (int i = 0; i < num_commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n  --version  print the version\n");
}

/* Command `name`; or NULL, having said under `prefix` that it is unknown
 * (with the closest name, core/suggest.h). */
static const struct command *find_command(const char *prefix, const char *name)
{
    const char *names[sizeof commands / sizeof commands[0]], *near;
    for (int i = 0; i < num_commands; i++)
        if (strcmp((names[i] = commands[i].name), name) == 0)
            return &commands[i];
    near = bnx_suggest(name, names, num_commands);
    cli_error(2, "%sunknown command '%s'%s%s%s (try: bnexp help)", prefix, name,
              near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    return NULL;
}

const char *cli_help_text(const char *name)
{
    for (const struct cli_help_text *h = cli_help_texts; h->name; h++)
        if (strcmp(h->name, name) == 0)
            return h->text;
    return "(no help text: docs/man/bnexp-NAME.txt is missing for this command)\n";
}

int cli_print_help(const char *name)
{
    const struct command *c = find_command("", name);
    return c ? (fputs(cli_help_text(c->name), stdout), 0) : 2;
}

int cli_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bnexp: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

void cli_note(void *ctx, int kind, const char *text)
{
    (void)ctx;
    fprintf(stderr, "%s%s\n", kind == BNX_NOTE_SAY ? "bnexp: " : "", text);
}

int cli_bad_option(const char *cmd, int opt, char **argv)
{
    if (opt == ':')
        return cli_error(2, "%s: option %s needs a value (see bnexp %s --help)", cmd,
                         argv[optind - 1], cmd);
    if (optopt)
        return cli_error(2, "%s: unknown option -%c (see bnexp %s --help)", cmd, optopt, cmd);
    return cli_error(2, "%s: unknown option '%s' (see bnexp %s --help)", cmd, argv[optind - 1], cmd);
}

int cli_run_dir(const char *cmd, const char *experiment, const char *run_opt, char *dir,
                size_t size, char *shown, size_t shown_size)
{
    if (experiment && run_opt)
        return cli_error(2, "%s: give an experiment or --run DIR, not both", cmd);
    static char latest[256];
    if (!experiment && !run_opt) { /* the run that started last, of any experiment */
        bnx_error err;
        if (bnx_run_latest_any("runs", latest, sizeof latest, &err))
            return cli_error(err.code == BNX_ENOTFOUND ? 2 : 1, "%s: %s; run an experiment "
                             "first (bnexp run fig1), or give EXPERIMENT or --run DIR", cmd,
                             err.msg);
        experiment = latest;
        fprintf(stderr, "bnexp: %s: the latest run, of %s (give EXPERIMENT or --run DIR for "
                "another)\n", cmd, latest);
    }
    if (run_opt) {
        if ((size_t)snprintf(dir, size, "%s", run_opt) >= size)
            return cli_error(2, "%s: --run path is too long", cmd);
        for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--) /* runs/e/STAMP/ */
            dir[n - 1] = '\0';
    } else if (!bnx_name_is_safe(experiment)) {
        return cli_error(2, "%s: experiment name '%s' must be %s", cmd, experiment, bnx_name_rule);
    } else {
        snprintf(dir, size, "runs/%s/latest", experiment);
    }
    if (!bnx_is_dir(dir)) {
        if (run_opt)
            return cli_error(1, "run directory %s not found", dir);
        return cli_error(1, "no run of %s: %s not found (run `bnexp run %s` first, or pass "
                            "--run DIR)", experiment, dir, experiment);
    }
    snprintf(shown, shown_size, "%s", dir);
    /* runs/NAME/latest -> DATE-TIME: show runs/NAME/DATE-TIME. */
    char target[256];
    ssize_t n = readlink(dir, target, sizeof target - 1);
    const char *slash = strrchr(dir, '/');
    if (n > 0 && slash) {
        target[n] = '\0';
        if (!strchr(target, '/'))
            snprintf(shown, shown_size, "%.*s/%s", (int)(slash - dir), dir, target);
    }
    bnx_plan plan;
    bnx_error err;
    memset(&plan, 0, sizeof plan);
    if (!run_opt && bnx_run_plan_read(dir, "", &plan, &err) == BNX_OK && plan.overrides[0])
        fprintf(stderr, "bnexp: %s: %s, the latest run of %s, departs from its file: %s "
                "(--run DIR for another run)\n", cmd, shown, experiment, plan.overrides);
    bnx_plan_free(&plan);
    return 0;
}

int cli_run_arg(const char *cmd, int argc, char **argv, const char *run_opt, char *dir,
                size_t size, char *shown, size_t shown_size)
{
    if (argc - optind > 1)
        return cli_error(2, "%s: one experiment at a time (got '%s' and '%s')", cmd, argv[optind],
                         argv[optind + 1]);
    return cli_run_dir(cmd, optind < argc ? argv[optind] : NULL, run_opt, dir, size, shown,
                       shown_size);
}

int cli_run_plan_args(const char *cmd, int argc, char **argv, char *dir, size_t size,
                      char *shown, size_t shown_size, bnx_plan *plan, int *json)
{
    static const struct option longopts[] = {
        {"run", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *run_opt = NULL;
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r': run_opt = optarg; break;
        case 'j':
            if (!json)
                return cli_error(2, "%s: --json is an option of bnexp status, list and report",
                                 cmd);
            *json = 1;
            break;
        case 'h': return cli_print_help(cmd) ? 2 : -1;
        default: return cli_bad_option(cmd, ch, argv);
        }
    }
    int rc = cli_run_arg(cmd, argc, argv, run_opt, dir, size, shown, shown_size);
    if (rc == 0)
        rc = cli_read_plan(cmd, dir, plan);
    if (rc)
        bnx_plan_free(plan);
    return rc;
}

int cli_read_plan(const char *cmd, const char *run, bnx_plan *plan)
{
    bnx_error err;
    if (!bnx_is_dir(run))
        return cli_error(1, "%s: run directory %s not found", cmd, run);
    int rc = bnx_plan_read(run, plan, &err);
    if (rc == BNX_ENOTFOUND)
        return cli_error(1, "%s: %s has no %s: not a run directory (bnexp run writes the plan "
                         "before any trial starts)", cmd, run, BNX_PLAN_FILE);
    return rc ? cli_error(1, "%s: %s", cmd, err.msg) : 0;
}

int cli_report(const bnx_error *err)
{
    return cli_error(1, "%s", err->msg[0] ? err->msg : "unknown error");
}

int cli_print_text(bnx_strbuf *sb)
{
    int oom = sb->oom;
    if (sb->p)
        fputs(sb->p, stdout);
    free(sb->p);
    *sb = (bnx_strbuf){0};
    return oom ? cli_error(1, "out of memory for the table") : 0;
}

/* The man page of command `name` (NULL: bnexp(1), the overview), from the
 * same text --help prints: SYNOPSIS the usage lines up to the first empty
 * line, DESCRIPTION the rest, both as preformatted text. */
static int print_man(const char *name)
{
    const struct command *c = name ? find_command("help: ", name) : NULL;
    if (name && !c)
        return 2;
    char upper[32] = "";
    for (size_t i = 0; c && c->name[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(c->name[i] - 'a' + 'A');
    printf(".TH BNEXP%s%s 1 \"\" \"bnexp %s\" \"bnexp manual\"\n.SH NAME\n", c ? "-" : "",
           upper, BNX_VERSION);
    if (!c) {
        printf("bnexp \\- reproduce Ioffe & Szegedy (2015), Batch Normalization, on a CPU\n"
               ".SH SYNOPSIS\n.B bnexp\n.I COMMAND\n[options]\n.SH COMMANDS\n.nf\n");
        for (int i = 0; i < num_commands; i++)
            printf("%-8s %s: bnexp-%s(1)\n", commands[i].name, commands[i].summary,
                   commands[i].name);
        printf(".fi\n.SH ENVIRONMENT\n"
               ".TP\n.B BNEXP_HOME\nA checkout-like tree whose experiments/, plots/ and "
               "datasets/*.sha256 bnexp uses instead of its own.\n"
               ".TP\n.B BNEXP_DATASETS\nWhere datasets are fetched to and read from (default: "
               "datasets/ of the checkout; ./datasets for an installed bnexp).\n"
               ".TP\n.B BNEXP_DATA\nA folder `bnexp data fetch` copies dataset files from.\n"
               ".SH FILES\nRuns are written to runs/EXPERIMENT/ in the current directory.  An "
               "installed bnexp reads its experiment files, gnuplot templates and dataset "
               "sums from ../share/bnexp beside its own directory, then from the prefix it "
               "was built for.  The docs/ pages the help texts name are in "
               "share/doc/bnexp.\n");
        return 0;
    }
    const char *text = cli_help_text(c->name), *blank = strstr(text, "\n\n");
    size_t head = blank ? (size_t)(blank - text) + 1 : strlen(text);
    printf("bnexp-%s \\- %s\n.SH SYNOPSIS\n.nf\n", c->name, c->summary);
    for (const char *line = text; line < text + head;) {
        size_t n = strcspn(line, "\n");
        size_t skip = strspn(line, " ") >= 7 ? 7 : strncmp(line, "usage: ", 7) == 0 ? 7 : 0;
        bnx_roff_put(stdout, line + skip, n - skip + 1); /* the usage lines' indent less "usage: " */
        line += n + 1;
    }
    printf(".fi\n");
    if (blank) {
        printf(".SH DESCRIPTION\n.nf\n");
        bnx_roff_put(stdout, blank + 2, strlen(blank + 2));
        printf(".fi\n");
    }
    printf(".SH SEE ALSO\nbnexp(1)\n");
    return 0;
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return cli_print_help("help");
    if (strcmp(argv[1], "--commands") == 0) {
        for (int i = 0; i < num_commands; i++)
            puts(commands[i].name);
        return 0;
    }
    if (strcmp(argv[1], "--man") == 0)
        return print_man(argc > 2 ? argv[2] : NULL);
    return cli_print_help(argv[1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("bnexp %s (%s)\n", BNX_VERSION, BNX_GITREV);
        return 0;
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return cmd_help(1, argv);
    const struct command *c = find_command("", name);
    return c ? c->fn(argc - 1, argv + 1) : 2;
}
