#include "io/jsonfile.h"

#include <stdlib.h>
#include <string.h>

#include "io/atomic.h"

int bnx_json_write_file(const char *path, cJSON *root, bnx_error *err)
{
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return bnx_fail(err, BNX_ENOMEM, "out of memory formatting %s", path);
    size_t len = strlen(text);
    text[len] = '\n'; /* the terminating NUL becomes a final newline */
    int rc = bnx_write_file_atomic(path, text, len + 1, err);
    free(text);
    return rc;
}
