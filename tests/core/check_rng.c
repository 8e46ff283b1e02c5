/* PCG32 streams: reproducible, independent, and with the right moments. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "core/rng.h"
#include "testutil.h"

START_TEST(same_seed_same_stream)
{
    bnx_rng a, b;
    bnx_rng_seed(&a, 42, 1);
    bnx_rng_seed(&b, 42, 1);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(bnx_rng_u32(&a), bnx_rng_u32(&b));
}
END_TEST

START_TEST(streams_and_seeds_differ)
{
    bnx_rng a, b, c;
    bnx_rng_seed(&a, 42, 1);
    bnx_rng_seed(&b, 42, 2);
    bnx_rng_seed(&c, 43, 1);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = bnx_rng_u32(&a);
        same_ab += x == bnx_rng_u32(&b);
        same_ac += x == bnx_rng_u32(&c);
    }
    ck_assert_int_lt(same_ab, 3);
    ck_assert_int_lt(same_ac, 3);
}
END_TEST

START_TEST(normal_moments)
{
    bnx_rng r;
    bnx_rng_seed(&r, 7, 0);
    const int n = 200000;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++) {
        double x = bnx_rng_normal(&r);
        sum += x;
        sq += x * x;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    ck_assert_double_lt(fabs(mean), 0.01);
    ck_assert_double_lt(fabs(var - 1.0), 0.02);
}
END_TEST

START_TEST(below_is_in_range_and_uniform)
{
    bnx_rng r;
    bnx_rng_seed(&r, 3, 0);
    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint32_t v = bnx_rng_below(&r, 7);
        ck_assert_uint_lt(v, 7);
        counts[v]++;
    }
    for (int k = 0; k < 7; k++)
        ck_assert_int_lt(abs(counts[k] - 10000), 400);
}
END_TEST

START_TEST(shuffle_is_a_permutation)
{
    bnx_rng r;
    bnx_rng_seed(&r, 5, 0);
    uint32_t idx[100];
    int seen[100] = {0}, moved = 0;
    for (uint32_t i = 0; i < 100; i++)
        idx[i] = i;
    bnx_rng_shuffle(&r, idx, 100);
    for (uint32_t i = 0; i < 100; i++) {
        seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_gt(moved, 80);
}
END_TEST

/* SplitMix64's published first outputs for seed 0 (Vigna's splitmix64.c;
 * Java's SplittableRandom), and random access: value i is the i-th call. */
START_TEST(splitmix64_known_values)
{
    ck_assert_uint_eq(bnx_splitmix64_at(0, 0), 0xe220a8397b1dcdafULL);
    ck_assert_uint_eq(bnx_splitmix64_at(0, 1), 0x6e789e6aa1b965f4ULL);
    ck_assert_uint_eq(bnx_splitmix64_at(0, 2), 0x06c45d188009454fULL);
    ck_assert_uint_ne(bnx_splitmix64_at(1, 0), bnx_splitmix64_at(0, 0));
}
END_TEST

/* Random123's known-answer vectors for Philox4x32-10 (tests/kat_vectors of
 * github.com/DEShawResearch/random123: counter, key, expected output). */
START_TEST(philox_known_answers)
{
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
         0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
         0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int k = 0; k < 3; k++) {
        uint32_t out[4];
        bnx_philox4x32(kat[k], kat[k] + 4, out);
        for (int j = 0; j < 4; j++)
            ck_assert_uint_eq(out[j], kat[k][6 + j]);
    }
}
END_TEST

Suite *suite_rng(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("pcg32");
    tcase_add_test(tc, same_seed_same_stream);
    tcase_add_test(tc, streams_and_seeds_differ);
    tcase_add_test(tc, normal_moments);
    tcase_add_test(tc, below_is_in_range_and_uniform);
    tcase_add_test(tc, shuffle_is_a_permutation);
    tcase_add_test(tc, splitmix64_known_values);
    tcase_add_test(tc, philox_known_answers);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_rng)
