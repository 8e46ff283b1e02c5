/* Helpers shared by the fuzz targets (tests/fuzz/fuzz_*.c), which are
 * built two ways: with clang and libFuzzer (make fuzz, build-fuzz/), and
 * with the replay driver replay.c and the normal compiler (make
 * fuzz-replay, make check-asan, make check-valgrind), which feeds them the
 * files under tests/fuzz/corpus/ and tests/fuzz/regress/. */
#ifndef BNX_TESTS_FUZZUTIL_H
#define BNX_TESTS_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

/* The entry point every target defines: run one input; always returns 0.
 * A finding is a crash: a sanitizer report, or fuzz_check failing. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message naming `what` unless `ok`: an invariant of the
 * reader under test (say, "a failure leaves the output zeroed") turned
 * into a crash the fuzzer reports. */
#define fuzz_check(ok, what) fuzz_check_at((ok), (what), __FILE__, __LINE__)
void fuzz_check_at(int ok, const char *what, const char *file, int line);

/* Path of this process's scratch file number `slot` (0 or 1), made on
 * first use under $TMPDIR (or else /dev/shm if writable, or /tmp) and
 * unlinked at once: the path is /proc/self/fd/N, and the file goes away
 * with the process, however it ends.  Readers that only take a path read
 * the input from there. */
const char *fuzz_temp_path(int slot);

/* Replace the contents of the scratch file `slot` with data[0 .. size),
 * as is, or gzip-compressed when `gzip` is 1; returns its path.  Aborts
 * if the file cannot be written (a broken harness, not a finding). */
const char *fuzz_write_temp(int slot, const uint8_t *data, size_t size, int gzip);

/* This process's scratch directory, made on first use under the same
 * place as the scratch files, removed with all it holds when the process
 * exits normally (a finding that kills it leaves it, named
 * bnexp-fuzz-dir-XXXXXX).  For readers that take a directory (a run's). */
const char *fuzz_temp_dir(void);

#endif
