/* Replay files through a fuzz target without libFuzzer:
 *
 *   replay FILE_OR_DIR...
 *
 * runs LLVMFuzzerTestOneInput once on every file named, and on every file
 * directly inside every directory named (in name order; names starting
 * with '.' skipped).  Prints one line: the target, how many inputs ran.
 * Exits 0 when all ran (a finding crashes the process first), 2 when a
 * file cannot be read.  Linked with each tests/fuzz/fuzz_*.c by the
 * Makefile, so every build replays the seed corpora and the regression
 * inputs of past findings. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzzutil.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 1 << 16, size = 0, got;
    uint8_t *data = malloc(cap);
    while (data && (got = fread(data + size, 1, cap - size, f)) > 0) {
        size += got;
        if (size == cap) {
            uint8_t *grown = realloc(data, cap *= 2);
            if (!grown)
                free(data);
            data = grown;
        }
    }
    int bad = !data || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(data);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 1;
}

/* Run every file in directory `path`, in name order (alphasort in the C
 * locale: bytewise); returns how many, or -1. */
static int run_dir(const char *path)
{
    struct dirent **entries;
    int n = scandir(path, &entries, NULL, alphasort), count = 0;
    if (n < 0) {
        fprintf(stderr, "replay: cannot read directory %s\n", path);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char file[4096];
        struct stat st;
        if (entries[i]->d_name[0] != '.' && count >= 0 &&
            (size_t)snprintf(file, sizeof file, "%s/%s", path, entries[i]->d_name) < sizeof file &&
            stat(file, &st) == 0 && S_ISREG(st.st_mode))
            count = run_file(file) < 0 ? -1 : count + 1;
        free(entries[i]);
    }
    free(entries);
    return count;
}

int main(int argc, char **argv)
{
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ? run_dir(argv[i])
                                                                : run_file(argv[i]);
        if (n < 0)
            return 2;
        total += n;
    }
    const char *name = strrchr(argv[0], '/');
    printf("replay %s: %d inputs, no finding\n", name ? name + 1 : argv[0], total);
    return 0;
}
