/* Seeded pseudo-random numbers: PCG32 (O'Neill 2014, "PCG: A Family of
 * Simple Fast Space-Efficient Statistically Good Algorithms for Random
 * Number Generation"), XSH-RR output, 64-bit state.  A trial owns its
 * generators, so the same seed gives the same stream on every machine. */
#ifndef BNX_CORE_RNG_H
#define BNX_CORE_RNG_H

#include <stdint.h>

typedef struct bnx_rng {
    uint64_t state;
    uint64_t inc; /* stream selector, always odd */
} bnx_rng;

/* Seed a generator.  Different `stream` values give independent sequences
 * for the same seed (used to keep data order, init and probes apart). */
void bnx_rng_seed(bnx_rng *rng, uint64_t seed, uint64_t stream);

/* Next uniformly distributed 32-bit value. */
uint32_t bnx_rng_u32(bnx_rng *rng);

/* Uniform integer in [0, bound), without modulo bias.  bound must be > 0. */
uint32_t bnx_rng_below(bnx_rng *rng, uint32_t bound);

/* Uniform double in [0, 1) with 53 random bits. */
double bnx_rng_uniform(bnx_rng *rng);

/* Standard normal N(0, 1) by the Box-Muller transform (one value per call;
 * the second value of the pair is discarded so the stream has no state
 * beyond the generator's). */
double bnx_rng_normal(bnx_rng *rng);

/* Fisher-Yates shuffle of idx[0..n). */
void bnx_rng_shuffle(bnx_rng *rng, uint32_t *idx, uint32_t n);

/* Value i (0-based) of the SplitMix64 stream started at `seed` (Steele,
 * Lea & Flood 2014, "Fast splittable pseudorandom number generators"; Java's
 * SplittableRandom): state_i = seed + (i + 1) * 0x9e3779b97f4a7c15, mixed.
 * A stream with random access, for values fixed per example index that
 * need no state and no pass over the examples before them. */
uint64_t bnx_splitmix64_at(uint64_t seed, uint64_t i);

/* Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel Random
 * Numbers: As Easy as 1, 2, 3", SC'11, Section 3.3; the generator of
 * Random123, and of PyTorch's CUDA streams): a counter-based generator.
 * out = the 128-bit block `ctr` (4 words) encrypted under the 64-bit `key`
 * (2 words) by ten rounds of two 32x32->64-bit multiplications
 * (multipliers 0xD2511F53 and 0xCD9E8D57; the key bumped by the Weyl
 * constants 0x9E3779B9 and 0xBB67AE85 between rounds).  Value i of a
 * stream is a function of i and the key alone, so any thread can make any
 * part of it in any order: the results never depend on how work is split.
 * Checked against Random123's known-answer vectors (tests/core/check_rng.c).
 * out may not alias ctr or key. */
void bnx_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

#endif
