/* SHA-256 of files (FIPS 180-4, computed by OpenSSL's libcrypto), MD5 for
 * publishers' download checksums (RFC 1321), and the sums files that hold the expected digests.
 *
 * A sums file is what `sha256sum` writes and `sha256sum -c` reads: one line
 * per file, "HEX  NAME" (two spaces; "HEX *NAME" is accepted too), HEX being
 * 64 hexadecimal digits.  Blank lines and lines starting with '#' are
 * skipped. */
#ifndef BNX_DATA_SHA256_H
#define BNX_DATA_SHA256_H

#include "core/error.h"

/* digest[0 .. len) as 2 * len lowercase hex digits and a NUL into hex
 * (2 * len + 1 bytes).  Cannot fail. */
void bnx_digest_hex(const unsigned char *digest, unsigned int len, char *hex);

/* Hash the contents of the file at `path` (read as raw bytes, never
 * decompressed) and write the digest as 64 lowercase hex digits plus a NUL
 * into hex[65].
 * Errors: BNX_ENOTFOUND if the file does not exist, BNX_EIO if it cannot be
 * opened or read, BNX_ENOMEM if the hash context cannot be allocated; each
 * message names `path`. */
int bnx_sha256_file(const char *path, char hex[65], bnx_error *err);

/* MD5 of the file at `path`, as 32 lowercase hex digits plus a NUL in
 * hex[33].  Only for checking a download against a publisher's MD5 (the
 * CIFAR-10 tarball's); MD5 is not collision resistant, so bnexp's own sums
 * files are SHA-256.  Errors: as bnx_sha256_file. */
int bnx_md5_file(const char *path, char hex[33], bnx_error *err);

/* Look up the digest of file `name` in the sums file `sums_path` and write
 * it, lowercased, into hex[65].
 * Errors: BNX_ENOTFOUND if the sums file does not exist or has no line for
 * `name`; BNX_EIO if it cannot be read; BNX_EFORMAT naming the sums file and
 * line number for a line that is not "HEX  NAME". */
int bnx_sha256_sums_lookup(const char *sums_path, const char *name, char hex[65],
                           bnx_error *err);

#endif
