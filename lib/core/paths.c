#include "core/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bnx_home_dir(char *buf, size_t size, bnx_error *err)
{
    const char *env = getenv("BNEXP_HOME");
    if (env && *env) {
        if (strlen(env) + 1 > size)
            return bnx_fail(err, BNX_EINVAL, "BNEXP_HOME is too long (%zu bytes)", strlen(env));
        strcpy(buf, env);
        return BNX_OK;
    }
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
