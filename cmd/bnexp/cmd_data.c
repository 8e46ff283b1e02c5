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
            fputs(cli_help_text("data-fetch"), stdout);
        else if (action && strcmp(action, "verify") == 0)
            fputs(cli_help_text("data-verify"), stdout);
        else if (action && strcmp(action, "list") == 0)
            fputs(cli_help_text("data-list"), stdout);
        else
            fputs(cli_help_text("data"), stdout);
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
