/* The Check test runner: every suite a tests/STAGE/check_*.c file registers
 * with TEST_SUITE (testutil.h), in the order of their names, all run by
 * `make unit-check`. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAX_SUITES 64

static struct registered {
    const char *name;
    test_suite_fn fn;
} suites[MAX_SUITES];
static int num_suites;

void test_register_suite(const char *name, test_suite_fn fn)
{
    if (num_suites == MAX_SUITES) {
        fprintf(stderr, "check_main.c: more than %d suites: raise MAX_SUITES\n", MAX_SUITES);
        exit(EXIT_FAILURE);
    }
    suites[num_suites++] = (struct registered){name, fn};
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct registered *)a)->name, ((const struct registered *)b)->name);
}

int main(void)
{
    if (num_suites == 0) {
        fprintf(stderr, "check_main.c: no suite registered\n");
        return EXIT_FAILURE;
    }
#ifdef BNX_TEST_FILES
    /* one suite per tests/STAGE/check_*.c: a file without TEST_SUITE would
       compile and never run */
    if (num_suites != BNX_TEST_FILES) {
        fprintf(stderr, "check_main.c: %d suites registered for %d test files: a "
                "tests/STAGE/check_*.c lacks TEST_SUITE(suite_NAME), or has two\n",
                num_suites, BNX_TEST_FILES);
        return EXIT_FAILURE;
    }
#endif
    qsort(suites, (size_t)num_suites, sizeof suites[0], by_name);
    SRunner *sr = srunner_create(suites[0].fn());
    for (int i = 1; i < num_suites; i++)
        srunner_add_suite(sr, suites[i].fn());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
