#include "spec/identity.h"

#include <string.h>

#include <openssl/evp.h>

/* 1 if the key named by the len bytes at `key` is inert. */
static int identity_ignores(const char *key, size_t len)
{
    char name[64];
    if (len >= sizeof name)
        return 0;
    memcpy(name, key, len);
    name[len] = '\0';
    int i = bnx_config_key_index(name);
    return i >= 0 && bnx_config_key_inert(i);
}

void bnx_trial_identity_text(const char *config_text, const char *data_id, unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (const char *line = config_text; *line;) {
        size_t n = strcspn(line, "\n"), key = strcspn(line, "=");
        if (!identity_ignores(line, key < n ? key : n))
            EVP_DigestUpdate(ctx, line, n + (line[n] == '\n'));
        line += n + (line[n] == '\n');
    }
    if (data_id)
        EVP_DigestUpdate(ctx, data_id, strlen(data_id));
    unsigned int len = 32;
    EVP_DigestFinal_ex(ctx, out, &len);
    EVP_MD_CTX_free(ctx);
}

void bnx_trial_identity(const bnx_config *cfg, const char *data_id, unsigned char out[32])
{
    char text[BNX_CONFIG_TEXT_MAX];
    bnx_config_text(cfg, text, sizeof text);
    bnx_trial_identity_text(text, data_id, out);
}
