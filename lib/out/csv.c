#include "out/csv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

int bnx_csv_open(bnx_csv *csv, const char *path, const char *header, bnx_error *err)
{
    snprintf(csv->path, sizeof csv->path, "%s", path);
    csv->file = fopen(path, "w");
    if (!csv->file)
        return bnx_fail(err, BNX_EIO, "cannot create %s: %s", path, strerror(errno));
    if (fprintf(csv->file, "%s\n", header) < 0 || fflush(csv->file) != 0)
        return bnx_fail(err, BNX_EIO, "cannot write %s: %s", path, strerror(errno));
    return BNX_OK;
}

int bnx_csv_row(bnx_csv *csv, bnx_error *err, const char *fmt, ...)
{
    char line[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof line - 1)
        return bnx_fail(err, BNX_EINVAL, "row too long for %s", csv->path);
    line[n++] = '\n';
    if (fwrite(line, 1, (size_t)n, csv->file) != (size_t)n || fflush(csv->file) != 0)
        return bnx_fail(err, BNX_EIO, "cannot write %s: %s", csv->path, strerror(errno));
    return BNX_OK;
}

int bnx_csv_close(bnx_csv *csv, bnx_error *err)
{
    if (!csv->file)
        return BNX_OK;
    int rc = fclose(csv->file);
    csv->file = NULL;
    if (rc != 0)
        return bnx_fail(err, BNX_EIO, "cannot finish %s: %s", csv->path, strerror(errno));
    return BNX_OK;
}

char *bnx_csv_num(char *buf, int size, double value, int present)
{
    if (!present)
        buf[0] = '\0';
    else if (isnan(value))
        snprintf(buf, (size_t)size, "nan");
    else if (isinf(value))
        snprintf(buf, (size_t)size, value > 0 ? "inf" : "-inf");
    else
        snprintf(buf, (size_t)size, "%.6g", value);
    return buf;
}

int bnx_csv_resume(bnx_csv *csv, const char *path, const char *header, long bytes,
                   bnx_error *err)
{
    snprintf(csv->path, sizeof csv->path, "%s", path);
    csv->file = fopen(path, "r+");
    if (!csv->file)
        return bnx_fail(err, errno == ENOENT ? BNX_ENOTFOUND : BNX_EIO, "cannot open %s: %s", path,
                        strerror(errno));
    size_t hlen = strlen(header);
    char line[1024];
    int header_ok = hlen + 1 < sizeof line && fgets(line, sizeof line, csv->file) &&
                    strncmp(line, header, hlen) == 0 && line[hlen] == '\n';
    int end_ok = bytes > (long)hlen && fseek(csv->file, bytes - 1, SEEK_SET) == 0 &&
                 fgetc(csv->file) == '\n';
    if (!header_ok || !end_ok) {
        fclose(csv->file);
        csv->file = NULL;
        return bnx_fail(err, BNX_EFORMAT, "%s: %s", path,
                        !header_ok ? "its header is not the one this bnexp writes"
                                   : "shorter than its checkpoint records, or cut mid-row there");
    }
    if (fflush(csv->file) != 0 || ftruncate(fileno(csv->file), bytes) != 0 ||
        fseek(csv->file, 0, SEEK_END) != 0) {
        int e = errno;
        fclose(csv->file);
        csv->file = NULL;
        return bnx_fail(err, BNX_EIO, "cannot cut %s back to its checkpoint: %s", path, strerror(e));
    }
    return BNX_OK;
}
