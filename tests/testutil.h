/* Helpers shared by the Check suites. */
#ifndef BNX_TESTS_TESTUTIL_H
#define BNX_TESTS_TESTUTIL_H

#include <stddef.h>

/* Create a fresh directory /tmp/bnexp-check-TAG-XXXXXX; its path goes to
 * buf[size].  Fails the running test if it cannot. */
void test_tmpdir_create(char *buf, size_t size, const char *tag);

/* Remove a directory and everything below it.  Fails the running test if
 * anything cannot be removed. */
void test_tmpdir_remove(const char *path);

#endif
