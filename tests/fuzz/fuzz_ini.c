/* Fuzz the experiment spec parser (spec/spec.h) and the --set and
 * --variants handling after it.
 *
 * Input: the .ini text, then (after the first NUL byte, if any) one
 * command-line option per line: "KEY=VALUE" goes to bnx_spec_override as
 * --set does, "@a,b" to bnx_spec_select as --variants does, "%KEY=VALUES"
 * to bnx_spec_grid as --grid does.  The .ini text
 * is written to a scratch file, as bnx_spec_load takes a path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "spec/spec.h"
#include "fuzzutil.h"

static bnx_spec spec; /* large: static rather than on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t ini_size = nul ? (size_t)(nul - data) : size;
    const char *path = fuzz_write_temp(0, data, ini_size, 0);
    bnx_error err = {0};
    int rc = bnx_spec_load(path, "fuzz", &spec, &err);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0] != '\0', "a failure has a status and a message");
        bnx_spec_free(&spec);
        return 0;
    }
    fuzz_check(spec.num_variants >= 1 && spec.num_variants <= BNX_MAX_VARIANTS,
               "variants in range");
    for (int i = 0; i < spec.num_variants; i++)
        fuzz_check(bnx_name_is_safe(spec.variants[i].name), "every variant name is path-safe");
    if (!nul) {
        bnx_spec_free(&spec);
        return 0;
    }

    size_t rest = size - ini_size - 1;
    char *options = malloc(rest + 1);
    fuzz_check(options != NULL, "malloc");
    memcpy(options, nul + 1, rest);
    options[rest] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(options, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        bnx_error e = {0};
        int before = spec.num_variants;
        char first[64] = "";
        if (before)
            snprintf(first, sizeof first, "%s", spec.variants[0].name);
        int r = line[0] == '@'   ? bnx_spec_select(&spec, line + 1, &e)
                : line[0] == '%' ? bnx_spec_grid(&spec, line + 1, &e)
                                 : bnx_spec_override(&spec, line, &e);
        fuzz_check(!r || (e.code == r && e.msg[0] != '\0'),
                   "a refused option has a status and a message");
        /* a refused option leaves the spec as it was (a --grid too: spec.h) */
        fuzz_check(!r || (spec.num_variants == before && (before == 0 ||
                          strcmp(spec.variants[0].name, first) == 0)),
                   "a refused option leaves the variants as they were");
        fuzz_check(spec.num_variants >= 1 && spec.num_variants <= BNX_MAX_VARIANTS,
                   "variants in range after an option");
        for (int i = 0; i < spec.num_variants; i++)
            fuzz_check(bnx_name_is_safe(spec.variants[i].name), "every variant name is path-safe");
    }
    free(options);
    bnx_spec_free(&spec);
    return 0;
}
