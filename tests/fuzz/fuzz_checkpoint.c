/* libFuzzer target: the checkpoint reader (bnx_checkpoint_decode), every
 * version it reads (seeds of versions 2, 4, 5 and 7: tests/fuzz/make_seeds.py).
 * A checkpoint ends with a SHA-256 of its contents, which random bytes
 * never match; so for inputs whose first byte is odd the harness first
 * writes the right checksum into the last 32 bytes, and the fuzzer reaches
 * the field and array checks behind it.  Even first bytes test the
 * checksum path on the bytes as given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "train/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fix_checksum = data[0] & 1;
    data++;
    size--;
    uint8_t *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (fix_checksum && size >= 32) {
        unsigned int len = 32;
        EVP_Digest(copy, size - 32, copy + size - 32, &len, EVP_sha256(), NULL);
    }
    bnx_checkpoint ck;
    bnx_error err;
    if (bnx_checkpoint_decode(copy, size, "fuzz input", &ck, &err) == BNX_OK) {
        /* what the trainer then relies on */
        if (ck.cursor < 0 || ck.cursor > ck.order_len || ck.num_params < 0 || ck.state_len < 0 ||
            (ck.moment2_len != 0 && ck.moment2_len != ck.num_params) ||
            (ck.moment2_len > 0 && !ck.moment2))
            abort();
        for (long i = 0; i < ck.order_len; i++)
            if (ck.order[i] >= (uint64_t)ck.order_len)
                abort();
        /* the named lists: names of 1 to NAME_MAX bytes, each once, found
           by name; lengths >= 0; a block's bytes all there */
        if (ck.num_csvs < 0 || ck.num_csvs > BNX_CHECKPOINT_MAX_CSVS || ck.num_blocks < 0 ||
            ck.num_blocks > BNX_CHECKPOINT_MAX_BLOCKS)
            abort();
        for (int i = 0; i < ck.num_csvs; i++) {
            size_t n = strnlen(ck.csvs[i].name, sizeof ck.csvs[i].name);
            if (n == 0 || n > BNX_CHECKPOINT_NAME_MAX || ck.csvs[i].bytes < 0 ||
                bnx_checkpoint_csv_bytes(&ck, ck.csvs[i].name) != ck.csvs[i].bytes)
                abort();
        }
        volatile unsigned char sum = 0;
        for (int i = 0; i < ck.num_blocks; i++) {
            const bnx_checkpoint_block *b = &ck.blocks[i];
            size_t n = strnlen(b->name, sizeof b->name);
            if (n == 0 || n > BNX_CHECKPOINT_NAME_MAX || b->len < 0 || (b->len > 0 && !b->data) ||
                bnx_checkpoint_block_named(&ck, b->name) != b)
                abort();
            for (long j = 0; j < b->len; j++) /* every byte readable (ASan) */
                sum ^= ((const unsigned char *)b->data)[j];
        }
        (void)sum;
    }
    bnx_checkpoint_free(&ck);
    free(copy);
    return 0;
}
