#include "fuzzutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define SLOTS 2

static char paths[SLOTS][4096];

void fuzz_check_at(int ok, const char *what, const char *file, int line)
{
    if (ok)
        return;
    fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
    abort();
}

static void remove_temp_files(void)
{
    for (int i = 0; i < SLOTS; i++)
        if (paths[i][0])
            unlink(paths[i]);
}

const char *fuzz_temp_path(int slot)
{
    fuzz_check(slot >= 0 && slot < SLOTS, "scratch file slot in range");
    if (!paths[slot][0]) {
        /* Memory-backed /dev/shm where there is one: a fuzzer rewrites the
         * file thousands of times a second, and a disk-backed /tmp was ten
         * times slower here. */
        const char *dir = getenv("TMPDIR");
        if (!dir || !dir[0])
            dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(paths[slot], sizeof paths[slot], "%s/bnexp-fuzz-%d-XXXXXX", dir, slot);
        int fd = mkstemp(paths[slot]);
        fuzz_check(fd >= 0, "mkstemp creates a scratch file");
        close(fd);
        static int registered;
        if (!registered++)
            atexit(remove_temp_files);
    }
    return paths[slot];
}

const char *fuzz_write_temp(int slot, const uint8_t *data, size_t size, int gzip)
{
    const char *path = fuzz_temp_path(slot);
    if (gzip) {
        gzFile gz = gzopen(path, "wb");
        fuzz_check(gz != NULL, "gzopen of the scratch file");
        fuzz_check(size == 0 || gzwrite(gz, data, (unsigned)size) == (int)size, "gzwrite");
        fuzz_check(gzclose(gz) == Z_OK, "gzclose");
        return path;
    }
    FILE *f = fopen(path, "wb");
    fuzz_check(f != NULL, "fopen of the scratch file");
    fuzz_check(size == 0 || fwrite(data, 1, size, f) == size, "fwrite");
    fuzz_check(fclose(f) == 0, "fclose");
    return path;
}
