/* Helpers shared by the Check suites. */
#ifndef BNX_TESTS_TESTUTIL_H
#define BNX_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Create a fresh directory /tmp/bnexp-check-TAG-XXXXXX; its path goes to
 * buf[size].  Fails the running test if it cannot. */
void test_tmpdir_create(char *buf, size_t size, const char *tag);

/* Remove a directory and everything below it.  Fails the running test if
 * anything cannot be removed. */
void test_tmpdir_remove(const char *path);

/* Write n bytes of data to path (n may be 0); fails the running test if it
 * cannot. */
void test_write_file(const char *path, const void *data, size_t n);

/* The same, gzip-compressed (zlib). */
void test_write_gz(const char *path, const void *data, size_t n);

/* Store v big-endian in p[0..3] (IDX headers); returns 4. */
size_t test_put_be32(unsigned char *p, uint32_t v);

#endif
