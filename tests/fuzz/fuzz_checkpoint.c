/* libFuzzer target: the checkpoint reader (bnx_checkpoint_decode).
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
        if (ck.cursor < 0 || ck.cursor > ck.order_len || ck.num_params < 0 || ck.state_len < 0)
            abort();
        for (long i = 0; i < ck.order_len; i++)
            if (ck.order[i] >= (uint64_t)ck.order_len)
                abort();
    }
    bnx_checkpoint_free(&ck);
    free(copy);
    return 0;
}
