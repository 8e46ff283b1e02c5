#include "data/mnist.h"

#include <string.h>

#include "data/install.h"
#include "data/registry.h"

const char *const bnx_mnist_file_names[BNX_MNIST_NUM_FILES] = {
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
};

int bnx_mnist_verify(const char *dir, const char *sums_path, bnx_dataset_files *files,
                     bnx_error *err)
{
    bnx_data_state state;
    return bnx_data_verify(bnx_data_find("mnist", NULL), dir, sums_path, files, &state, err);
}

int bnx_mnist_load(const char *dir, const char *sums_path, bnx_dataset *train,
                   bnx_dataset *test, bnx_dataset_files *files, bnx_error *err)
{
    return bnx_data_load_dir(bnx_data_find("mnist", NULL), dir, sums_path, train, test, files,
                             err);
}

int bnx_mnist_install_file(const char *src_path, const char *dir, const char *name,
                           const char *sums_path, char sha256[65], bnx_error *err)
{
    if (!sums_path)
        return bnx_fail(err, BNX_EINVAL, "installing %s: MNIST files need a sums file", name);
    return bnx_data_install_file(src_path, dir, name, sums_path, sha256, err);
}
