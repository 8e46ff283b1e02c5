#include "data/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

/* Hash a file with `md` and write its digest in hex (2 * digest size + 1
 * bytes) into hex. */
void bnx_digest_hex(const unsigned char *digest, unsigned int len, char *hex)
{
    for (unsigned int i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    hex[2 * len] = '\0';
}

static int digest_file(const char *path, const EVP_MD *md, const char *md_name, char *hex,
                       bnx_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND, "%s: no such file", path);
        return bnx_fail(err, BNX_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        fclose(f);
        return bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate a %s context", path, md_name);
    }
    int rc = BNX_OK;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        rc = bnx_fail(err, BNX_EIO, "%s: OpenSSL cannot start a %s digest", path, md_name);
        goto done;
    }
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    if (ferror(f)) {
        rc = bnx_fail(err, BNX_EIO, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx, digest, &len) != 1) {
        rc = bnx_fail(err, BNX_EIO, "%s: OpenSSL cannot finish a %s digest", path, md_name);
        goto done;
    }
    bnx_digest_hex(digest, len, hex);

done:
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return rc;
}

int bnx_sha256_file(const char *path, char hex[65], bnx_error *err)
{
    return digest_file(path, EVP_sha256(), "SHA-256", hex, err);
}

int bnx_md5_file(const char *path, char hex[33], bnx_error *err)
{
    return digest_file(path, EVP_md5(), "MD5", hex, err);
}

int bnx_sha256_sums_lookup(const char *sums_path, const char *name, char hex[65],
                           bnx_error *err)
{
    FILE *f = fopen(sums_path, "r");
    if (!f) {
        if (errno == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND, "sums file %s: no such file", sums_path);
        return bnx_fail(err, BNX_EIO, "sums file %s: cannot open: %s", sums_path,
                        strerror(errno));
    }
    char line[1024];
    int lineno = 0, rc = BNX_ENOTFOUND;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        /* "HEX  NAME" or "HEX *NAME" */
        int ok = strlen(line) > 66 && line[64] == ' ' && (line[65] == ' ' || line[65] == '*');
        for (int i = 0; ok && i < 64; i++)
            ok = isxdigit((unsigned char)line[i]);
        if (!ok) {
            rc = bnx_fail(err, BNX_EFORMAT,
                          "sums file %s, line %d: expected \"HEX  NAME\" (64 hex digits, "
                          "two spaces, a file name), found \"%.80s\"", sums_path, lineno, line);
            break;
        }
        if (strcmp(line + 66, name) == 0) {
            for (int i = 0; i < 64; i++)
                hex[i] = (char)tolower((unsigned char)line[i]);
            hex[64] = '\0';
            rc = BNX_OK;
            break;
        }
    }
    if (rc == BNX_ENOTFOUND && ferror(f))
        rc = bnx_fail(err, BNX_EIO, "sums file %s: read error: %s", sums_path, strerror(errno));
    else if (rc == BNX_ENOTFOUND)
        bnx_fail(err, BNX_ENOTFOUND, "sums file %s has no line for %s", sums_path, name);
    fclose(f);
    return rc;
}
