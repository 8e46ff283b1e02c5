#include "core/paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory of the running executable into buf[size]. */
static int exe_dir(char *buf, size_t size, bnx_error *err)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n < 0)
        return bnx_fail(err, BNX_EIO, "cannot read /proc/self/exe: %s (set BNEXP_HOME to the bnexp checkout)", strerror(errno));
    if ((size_t)n >= size - 1)
        return bnx_fail(err, BNX_EINVAL, "path of the bnexp executable is too long");
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == buf)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    return BNX_OK;
}

/* 1 if dir/experiments is a directory. */
static int has_experiments(const char *dir)
{
    char p[4200];
    return (size_t)snprintf(p, sizeof p, "%s/experiments", dir) < sizeof p && bnx_is_dir(p);
}

static int copy_path(char *buf, size_t size, const char *path, bnx_error *err)
{
    if (strlen(path) + 1 > size)
        return bnx_fail(err, BNX_EINVAL, "path is too long: %.100s...", path);
    strcpy(buf, path);
    return BNX_OK;
}

int bnx_home_find(char *buf, size_t size, int *installed, bnx_error *err)
{
    *installed = 0;
    const char *env = getenv("BNEXP_HOME");
    if (env && *env) {
        if (strlen(env) + 1 > size)
            return bnx_fail(err, BNX_EINVAL, "BNEXP_HOME is too long (%zu bytes)", strlen(env));
        strcpy(buf, env);
        return BNX_OK;
    }
    char exe[4096], share[4200];
    int rc = exe_dir(exe, sizeof exe, err);
    if (rc)
        return rc;
    if (has_experiments(exe))
        return copy_path(buf, size, exe, err);
    *installed = 1;
    snprintf(share, sizeof share, "%s/../share/bnexp", exe);
    if (has_experiments(share))
        return copy_path(buf, size, share, err);
#ifdef BNX_DATADIR
    if (has_experiments(BNX_DATADIR))
        return copy_path(buf, size, BNX_DATADIR, err);
#endif
    *installed = 0;
    return copy_path(buf, size, exe, err); /* a lone binary: its errors name exe/experiments */
}

int bnx_home_dir(char *buf, size_t size, bnx_error *err)
{
    int installed;
    return bnx_home_find(buf, size, &installed, err);
}

int bnx_datasets_dir(char *buf, size_t size, bnx_error *err)
{
    const char *env = getenv("BNEXP_DATASETS");
    if (env && *env)
        return copy_path(buf, size, env, err);
    char home[4096];
    int installed, rc = bnx_home_find(home, sizeof home, &installed, err);
    if (rc)
        return rc;
    if ((size_t)snprintf(buf, size, "%s/datasets", installed ? "." : home) >= size)
        return bnx_fail(err, BNX_EINVAL, "path %s/datasets is too long", home);
    return BNX_OK;
}

int bnx_home_path(char *buf, size_t size, const char *rel, bnx_error *err)
{
    char home[4096];
    int rc = bnx_home_dir(home, sizeof home, err);
    if (rc)
        return rc;
    if ((size_t)snprintf(buf, size, "%s/%s", home, rel) >= size)
        return bnx_fail(err, BNX_EINVAL, "path %s/%s is too long", home, rel);
    return BNX_OK;
}

int bnx_mkdir_p(const char *path, bnx_error *err)
{
    char tmp[4096];
    if (!*path)
        return bnx_fail(err, BNX_EINVAL, "empty directory path (expected a directory name)");
    if (strlen(path) + 1 > sizeof tmp)
        return bnx_fail(err, BNX_EINVAL, "path is too long: %.100s...", path);
    strcpy(tmp, path);
    for (char *p = tmp + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return bnx_fail(err, BNX_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
            struct stat st;
            if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode))
                return bnx_fail(err, BNX_EIO, "%s exists and is not a directory", tmp);
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    return BNX_OK;
}

int bnx_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int bnx_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int bnx_program_on_path(const char *name)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        char file[4200];
        snprintf(file, sizeof file, "%.*s/%s", (int)(len ? len : 1), len ? path : ".", name);
        if (access(file, X_OK) == 0)
            return 1;
        path += len + (path[len] == ':');
    }
    return 0;
}

const char bnx_name_rule[] = "1 to 63 lowercase letters, digits, '-', '_' or '.', not starting "
                             "with '-' or '.' and without \"..\"";

int bnx_name_is_safe(const char *name)
{
    if (!name)
        return 0;
    size_t len = strlen(name);
    return len >= 1 && len <= BNX_NAME_MAX && name[0] != '-' && name[0] != '.' &&
           !strstr(name, "..") && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == len;
}

int bnx_mkdir_under(const char *base, const char *rel, bnx_error *err)
{
    char path[4096];
    size_t used = strlen(base);
    if (used + 1 + strlen(rel) + 1 > sizeof path)
        return bnx_fail(err, BNX_EINVAL, "path is too long: %.100s/%.100s...", base, rel);
    if (!bnx_is_dir(base))
        return bnx_fail(err, BNX_EIO, "%s is not a directory", base);
    memcpy(path, base, used + 1);
    for (const char *p = rel; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return bnx_fail(err, BNX_EINVAL, "'%s' is not a plain relative path below %s "
                            "(expected names separated by '/', without '.' or '..')", rel, base);
        path[used++] = '/';
        memcpy(path + used, p, n);
        used += n;
        path[used] = '\0';
        struct stat st;
        if (lstat(path, &st) != 0) {
            if (errno != ENOENT || (mkdir(path, 0777) != 0 && errno != EEXIST))
                return bnx_fail(err, BNX_EIO, "cannot create directory %s: %s", path,
                                strerror(errno));
            if (lstat(path, &st) != 0)
                return bnx_fail(err, BNX_EIO, "cannot create directory %s: %s", path,
                                strerror(errno));
        }
        if (S_ISLNK(st.st_mode))
            return bnx_fail(err, BNX_EIO, "%s is a symbolic link; bnexp makes the directories "
                            "inside %s itself and does not write through links there (remove it, "
                            "or choose another directory)", path, base);
        if (!S_ISDIR(st.st_mode))
            return bnx_fail(err, BNX_EIO, "%s exists and is not a directory", path);
        p += n;
        if (*p == '/')
            p++;
    }
    return BNX_OK;
}

void bnx_names_free(bnx_names *list)
{
    for (int i = 0; i < list->n; i++)
        free(list->v[i]);
    free(list->v);
    memset(list, 0, sizeof *list);
}

int bnx_names_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int bnx_dir_names(const char *path, int max, bnx_names *out, bnx_error *err)
{
    memset(out, 0, sizeof *out);
    DIR *dir = opendir(path);
    if (!dir) {
        if (errno == ENOENT)
            return bnx_fail(err, BNX_ENOTFOUND, "%s: no such directory", path);
        return bnx_fail(err, BNX_EIO, "%s: cannot open directory: %s", path, strerror(errno));
    }
    int rc = BNX_OK;
    struct dirent *e;
    errno = 0;
    while (!rc && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (out->n == max) {
            rc = bnx_fail(err, BNX_EFORMAT, "%s: more than %d entries; expected at most %d",
                          path, max, max);
            break;
        }
        if (out->n == out->cap) {
            int cap = out->cap ? 2 * out->cap : 64;
            char **v = realloc(out->v, (size_t)cap * sizeof *v);
            if (!v) {
                rc = bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate a list of %d names", path,
                              cap);
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        if (!(out->v[out->n] = strdup(e->d_name)))
            rc = bnx_fail(err, BNX_ENOMEM, "%s: cannot allocate a name", path);
        else
            out->n++;
        errno = 0;
    }
    if (!rc && errno != 0)
        rc = bnx_fail(err, BNX_EIO, "%s: cannot read directory: %s", path, strerror(errno));
    closedir(dir);
    if (rc) {
        bnx_names_free(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->v, (size_t)out->n, sizeof *out->v, bnx_names_cmp);
    return BNX_OK;
}
