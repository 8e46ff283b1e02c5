/* Where bnexp finds its own files (experiments/, plots/, datasets/). */
#ifndef BNX_CORE_PATHS_H
#define BNX_CORE_PATHS_H

#include <stddef.h>

#include "core/error.h"

/* The bnexp home directory, where bnexp finds its own read-only files
 * (experiments/, plots/, datasets/NAME.sha256), into buf[size]
 * (NUL-terminated), the first of:
 *   1. $BNEXP_HOME if set and non-empty (a checkout-like tree: the tests
 *      and the launchers set it);
 *   2. the directory holding the running executable, if it has an
 *      experiments/ folder (a checkout, for ./bnexp);
 *   3. <the executable's directory>/../share/bnexp, if it has one (an
 *      installed bnexp, also one installed into a DESTDIR and run there);
 *   4. the share directory compiled in (BNX_DATADIR: PREFIX/share/bnexp of
 *      `make install`), if it has one;
 *   5. the executable's directory (whose missing experiments/ the errors
 *      then name).
 * *installed is 1 for cases 3 and 4, else 0.
 * Errors: BNX_EIO if /proc/self/exe cannot be read, BNX_EINVAL if the path
 * does not fit in buf. */
int bnx_home_find(char *buf, size_t size, int *installed, bnx_error *err);

/* bnx_home_find without the case. */
int bnx_home_dir(char *buf, size_t size, bnx_error *err);

/* Where datasets are fetched to and read from (one folder per dataset)
 * into buf[size]: $BNEXP_DATASETS if set and non-empty; else
 * HOME/datasets for a checkout (bnx_home_find's cases 1, 2 and 5); else
 * ./datasets, in the current directory, for an installed bnexp, whose runs
 * also go to the current directory (runs/).  (BNEXP_DATA is something
 * else: a folder `bnexp data fetch` copies from.)
 * Errors: as bnx_home_find; BNX_EINVAL for a path that does not fit. */
int bnx_datasets_dir(char *buf, size_t size, bnx_error *err);

/* Join home and a relative path ("experiments/fig1.ini") into buf[size].
 * Errors: as bnx_home_dir. */
int bnx_home_path(char *buf, size_t size, const char *rel, bnx_error *err);

/* 1 if `path` exists and is a directory (following symlinks), else 0. */
int bnx_is_dir(const char *path);

/* 1 if `path` exists and is a regular file (following symlinks), else 0. */
int bnx_is_file(const char *path);

/* 1 if `name` is an executable file (access X_OK) in a directory of $PATH
 * (an empty entry is the current directory), else 0. */
int bnx_program_on_path(const char *name);

/* Create a directory and its missing parents (like mkdir -p), mode 0777
 * less the umask.  Symbolic links on the way are followed: this is for a
 * path the user gave (--out DIR), which goes where it points.
 * Errors: BNX_EINVAL for an empty or over-long path; BNX_EIO naming the
 * component that failed and the system's reason (for example "permission
 * denied"). */
int bnx_mkdir_p(const char *path, bnx_error *err);

/* Create base/rel and its missing directories below base, for the
 * directories bnexp makes inside a run (VARIANT/seed-K, plots): base must
 * exist (it is the user's, and may be reached through a symbolic link);
 * every component of rel must be a plain name (not empty, "." or "..") and,
 * where it exists already, a real directory, not a symbolic link, so that
 * nothing written below it can land outside base.
 * Errors: BNX_EINVAL for a component of rel that is not a plain name or a
 * path that is too long; BNX_EIO naming the component that is a symbolic
 * link, is not a directory, or cannot be created (with the system's
 * reason). */
int bnx_mkdir_under(const char *base, const char *rel, bnx_error *err);

/* A sorted list of directory entry names (malloc'd). */
typedef struct bnx_names {
    char **v;
    int n, cap;
} bnx_names;

/* The names in directory `path`, except those starting with '.', sorted
 * bytewise (bnx_names_cmp), into *out (free with bnx_names_free, also
 * after a failure); at most `max` of them.
 * Errors: BNX_ENOTFOUND "PATH: no such directory"; BNX_EIO when it cannot
 * be opened or read (the system's reason); BNX_EFORMAT for more than `max`
 * entries; BNX_ENOMEM. */
int bnx_dir_names(const char *path, int max, bnx_names *out, bnx_error *err);

/* Free the names and zero the list; safe on a zeroed list. */
void bnx_names_free(bnx_names *list);

/* strcmp of two char * elements, for qsort and bsearch over names. */
int bnx_names_cmp(const void *a, const void *b);

/* The longest name bnx_name_is_safe accepts, in bytes. */
#define BNX_NAME_MAX 63

/* 1 if `name` can be used as one path component that bnexp creates from a
 * name in an experiment file or on the command line (an experiment, a
 * variant, a grid point): 1 to BNX_NAME_MAX bytes of lowercase letters,
 * digits, '-', '_' and '.', neither starting with '-' (an option) or '.'
 * (hidden, "." or "..") nor holding "..".  Such a name has no '/' and no
 * space, so it cannot leave or hide in the directory it is made in.
 * Otherwise 0 (NULL included). */
int bnx_name_is_safe(const char *name);

/* What bnx_name_is_safe expects, for messages. */
extern const char bnx_name_rule[];

#endif
