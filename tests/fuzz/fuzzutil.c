#define _XOPEN_SOURCE 700
#include "fuzzutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define SLOTS 2

/* Each scratch file is unlinked as soon as it is made and reached through
 * /proc/self/fd/N, so nothing is left behind when a finding kills the
 * process (atexit handlers do not run then). */
static int fds[SLOTS] = {-1, -1};
static char paths[SLOTS][64];

void fuzz_check_at(int ok, const char *what, const char *file, int line)
{
    if (ok)
        return;
    fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
    abort();
}

/* Where scratch files go: $TMPDIR, else a memory-backed /dev/shm where
 * there is one (a fuzzer rewrites its files thousands of times a second,
 * and a disk-backed /tmp was ten times slower here), else /tmp. */
static const char *scratch_base(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return dir;
}

const char *fuzz_temp_path(int slot)
{
    fuzz_check(slot >= 0 && slot < SLOTS, "scratch file slot in range");
    if (fds[slot] < 0) {
        char name[4096];
        snprintf(name, sizeof name, "%s/bnexp-fuzz-%d-XXXXXX", scratch_base(), slot);
        fds[slot] = mkstemp(name);
        fuzz_check(fds[slot] >= 0, "mkstemp creates a scratch file");
        fuzz_check(unlink(name) == 0, "unlink of the new scratch file");
        snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
    }
    return paths[slot];
}

const char *fuzz_write_temp(int slot, const uint8_t *data, size_t size, int gzip)
{
    const char *path = fuzz_temp_path(slot);
    int fd = fds[slot];
    fuzz_check(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0, "empty the scratch file");
    if (gzip) {
        gzFile gz = gzdopen(dup(fd), "wb");
        fuzz_check(gz != NULL, "gzdopen of the scratch file");
        fuzz_check(size == 0 || gzwrite(gz, data, (unsigned)size) == (int)size, "gzwrite");
        fuzz_check(gzclose(gz) == Z_OK, "gzclose");
        return path;
    }
    fuzz_check(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size, "pwrite");
    return path;
}

static char temp_dir[4096];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_temp_dir(void)
{
    nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_temp_dir(void)
{
    if (!temp_dir[0]) {
        snprintf(temp_dir, sizeof temp_dir, "%s/bnexp-fuzz-dir-XXXXXX", scratch_base());
        fuzz_check(mkdtemp(temp_dir) != NULL, "mkdtemp creates a scratch directory");
        fuzz_check(atexit(remove_temp_dir) == 0, "atexit");
    }
    return temp_dir;
}
