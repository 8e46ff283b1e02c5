#include "data/dataset.h"

#include <stdlib.h>
#include <string.h>

void bnx_dataset_free(bnx_dataset *ds)
{
    if (!ds)
        return;
    free(ds->images);
    free(ds->labels);
    memset(ds, 0, sizeof *ds);
}
