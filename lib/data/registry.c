#include "data/registry.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/paths.h"
#include "data/cifar.h"
#include "data/generated.h"
#include "data/idx.h"
#include "data/pngdir.h"
#include "data/sha256.h"

#define IDX_FILES                                                                      \
    {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", \
     "t10k-labels-idx1-ubyte"}

static const bnx_dataset_info datasets[] = {
    {
        .name = "mnist",
        .title = "MNIST",
        .description = "handwritten digits, 28x28 grey, 10 classes, 60000 train / 10000 test",
        .reference = "Y. LeCun, C. Cortes, C. J. C. Burges, \"The MNIST database of handwritten "
                     "digits\", http://yann.lecun.com/exdb/mnist/",
        .format = BNX_FORMAT_IDX,
        .c = 1, .h = 28, .w = 28,
        .num_classes = 10,
        .train_size = 60000, .test_size = 10000,
        .num_files = 4, .num_train_files = 2,
        .files = IDX_FILES,
        .sums_required = 1,
        .urls = {"https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://yann.lecun.com/exdb/mnist/"},
    },
    {
        .name = "fashion-mnist",
        .title = "Fashion-MNIST",
        .description = "Zalando article images, 28x28 grey, 10 classes, 60000 train / 10000 test",
        .reference = "H. Xiao, K. Rasul, R. Vollgraf, \"Fashion-MNIST: a Novel Image Dataset for "
                     "Benchmarking Machine Learning Algorithms\", arXiv:1708.07747 (2017), "
                     "https://github.com/zalandoresearch/fashion-mnist",
        .format = BNX_FORMAT_IDX,
        .c = 1, .h = 28, .w = 28,
        .num_classes = 10,
        .train_size = 60000, .test_size = 10000,
        .num_files = 4, .num_train_files = 2,
        .files = IDX_FILES,
        .sums_required = 1,
        .system_dir = "/usr/share/datasets/fashion-mnist",
        .system_package = "dataset-fashion-mnist",
        .urls = {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
    },
    {
        .name = "cifar10",
        .title = "CIFAR-10",
        .description = "small colour photos, 32x32 RGB, 10 classes, 50000 train / 10000 test",
        .reference = "A. Krizhevsky, \"Learning Multiple Layers of Features from Tiny Images\" "
                     "(2009), https://www.cs.toronto.edu/~kriz/cifar.html (binary version)",
        .format = BNX_FORMAT_CIFAR,
        .c = 3, .h = 32, .w = 32,
        .num_classes = 10,
        .train_size = 50000, .test_size = 10000,
        .num_files = 6, .num_train_files = 5,
        .files = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                  "data_batch_5.bin", "test_batch.bin"},
        .sums_required = 0,
        .urls = {"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"},
        .archive_name = "cifar-10-binary.tar.gz",
        .archive_dir = "cifar-10-batches-bin",
        .archive_md5 = "c32a1d4ab5d03f1284b67883e8d87530",
    },
};
#define NUM_DATASETS ((int)(sizeof datasets / sizeof datasets[0]))

int bnx_data_count(void) { return NUM_DATASETS; }

const bnx_dataset_info *bnx_data_at(int i)
{
    return i >= 0 && i < NUM_DATASETS ? &datasets[i] : NULL;
}

void bnx_data_names(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < NUM_DATASETS && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", datasets[i].name);
}

const bnx_dataset_info *bnx_data_find(const char *name, bnx_error *err)
{
    for (int i = 0; i < NUM_DATASETS; i++)
        if (strcmp(datasets[i].name, name) == 0)
            return &datasets[i];
    char names[256];
    bnx_data_names(names, sizeof names);
    bnx_fail(err, BNX_ENOTFOUND, "unknown dataset '%s'; known datasets: %s", name, names);
    return NULL;
}

int bnx_data_paths(const bnx_dataset_info *info, char dir[4096], char sums[4096],
                   bnx_error *err)
{
    char rel[256], base[4096];
    int rc = bnx_datasets_dir(base, sizeof base, err);
    if (rc)
        return rc;
    if ((size_t)snprintf(dir, 4096, "%s/%s", base, info->name) >= 4096)
        return bnx_fail(err, BNX_EINVAL, "path %s/%s is too long", base, info->name);
    snprintf(rel, sizeof rel, "datasets/%s.sha256", info->name);
    return bnx_home_path(sums, 4096, rel, err);
}

const char *bnx_data_state_name(bnx_data_state state)
{
    switch (state) {
    case BNX_DATA_ABSENT:     return "absent";
    case BNX_DATA_INCOMPLETE: return "incomplete";
    case BNX_DATA_UNVERIFIED: return "unverified";
    case BNX_DATA_VERIFIED:   return "verified";
    case BNX_DATA_CORRUPT:    return "corrupt";
    }
    return "unknown";
}

static int file_path(char path[4096], const char *dir, const char *name, bnx_error *err)
{
    if ((size_t)snprintf(path, 4096, "%s/%s", dir, name) >= 4096)
        return bnx_fail(err, BNX_EINVAL, "path %s/%s is too long", dir, name);
    return BNX_OK;
}

int bnx_data_verify(const bnx_dataset_info *info, const char *dir, const char *sums_path,
                    bnx_dataset_files *files, bnx_data_state *state, bnx_error *err)
{
    *state = BNX_DATA_ABSENT;
    if (files) {
        memset(files, 0, sizeof *files);
        snprintf(files->name, sizeof files->name, "%s", info->name);
        snprintf(files->dir, sizeof files->dir, "%s", dir);
    }
    if (!bnx_is_dir(dir))
        return bnx_fail(err, BNX_ENOTFOUND, "%s directory %s not found; run `./bnexp data "
                        "fetch %s` to get %s", info->title, dir, info->name, info->title);

    /* Which files are there at all. */
    char path[4096];
    int present = 0;
    const char *missing = NULL;
    struct stat st;
    for (int i = 0; i < info->num_files; i++) {
        int rc = file_path(path, dir, info->files[i], err);
        if (rc)
            return rc;
        if (stat(path, &st) == 0)
            present++;
        else if (!missing)
            missing = info->files[i];
    }
    if (present == 0)
        return bnx_fail(err, BNX_ENOTFOUND, "%s: none of the %d %s files (%s, ...) is there; "
                        "run `./bnexp data fetch %s` to get %s", dir, info->num_files,
                        info->title, info->files[0], info->name, info->title);
    if (missing) {
        *state = BNX_DATA_INCOMPLETE;
        return bnx_fail(err, BNX_ENOTFOUND, "%s/%s: no such file (%d of the %d %s files are "
                        "there); run `./bnexp data fetch %s` to get %s", dir, missing, present,
                        info->num_files, info->title, info->name, info->title);
    }

    /* Hash every file; compare with its sum where there is one. */
    int have_sums = stat(sums_path, &st) == 0;
    const char *no_sum = NULL;
    for (int i = 0; i < info->num_files; i++) {
        const char *name = info->files[i];
        char expected[65] = "", actual[65];
        file_path(path, dir, name, err);
        if (have_sums) {
            int rc = bnx_sha256_sums_lookup(sums_path, name, expected, err);
            if (rc == BNX_ENOTFOUND) {
                if (!no_sum)
                    no_sum = name;
                expected[0] = '\0';
            } else if (rc) {
                *state = BNX_DATA_CORRUPT;
                return rc;
            }
        }
        int rc = bnx_sha256_file(path, actual, err);
        if (rc) {
            *state = BNX_DATA_CORRUPT;
            return rc;
        }
        if (files) {
            snprintf(files->file[i], sizeof files->file[i], "%s", name);
            memcpy(files->sha256[i], actual, sizeof files->sha256[i]);
            files->count = i + 1;
        }
        if (expected[0] && strcmp(expected, actual) != 0) {
            *state = BNX_DATA_CORRUPT;
            return bnx_fail(err, BNX_EFORMAT,
                            "%s: SHA-256 mismatch: expected %s (from %s), got %s; the file is "
                            "damaged or not the canonical %s file; run `./bnexp data fetch %s` "
                            "to replace it", path, expected, sums_path, actual, info->title,
                            info->name);
        }
    }
    if (!have_sums) {
        *state = BNX_DATA_UNVERIFIED;
        if (info->sums_required)
            return bnx_fail(err, BNX_ENOTFOUND, "sums file %s not found, so the %s files "
                            "cannot be verified; it ships with bnexp, expected in the "
                            "checkout's datasets/ directory (or set BNEXP_HOME)", sums_path,
                            info->title);
        return bnx_fail(err, BNX_ENOTFOUND, "no sums file %s: the %s files in %s are present "
                        "but not verified", sums_path, info->title, dir);
    }
    if (no_sum) {
        *state = BNX_DATA_UNVERIFIED;
        return bnx_fail(err, BNX_ENOTFOUND, "sums file %s has no line for %s, so it cannot "
                        "be verified", sums_path, no_sum);
    }
    *state = BNX_DATA_VERIFIED;
    if (files)
        files->verified = 1;
    return BNX_OK;
}

/* Check a loaded split against the registry's shape. */
static int check_split(const bnx_dataset_info *info, const char *split, const char *path,
                       int expected_n, bnx_dataset *ds, bnx_error *err)
{
    if (ds->n == expected_n && ds->c == info->c && ds->h == info->h && ds->w == info->w &&
        ds->num_classes == info->num_classes)
        return BNX_OK;
    bnx_fail(err, BNX_EFORMAT, "%s: the %s set holds %d images of %dx%dx%d in %d classes, "
             "expected %d of %dx%dx%d in %d classes for %s", path, split, ds->n, ds->c, ds->h,
             ds->w, ds->num_classes, expected_n, info->c, info->h, info->w, info->num_classes,
             info->title);
    bnx_dataset_free(ds);
    return BNX_EFORMAT;
}

/* Load files[first .. first+count) of `info` in `dir` as one split and
 * check its shape. */
static int load_split(const bnx_dataset_info *info, const char *dir, const char *split,
                      int first, int count, int expected_n, bnx_dataset *out, bnx_error *err)
{
    char paths[BNX_DATASET_MAX_FILES][4096];
    const char *ptrs[BNX_DATASET_MAX_FILES];
    for (int i = 0; i < count; i++) {
        int rc = file_path(paths[i], dir, info->files[first + i], err);
        if (rc)
            return rc;
        ptrs[i] = paths[i];
    }
    int rc;
    if (info->format == BNX_FORMAT_IDX && count == 2)
        rc = bnx_idx_load_pair(ptrs[0], ptrs[1], info->num_classes, out, err);
    else if (info->format == BNX_FORMAT_CIFAR)
        rc = bnx_cifar_read(ptrs, count, out, err);
    else
        rc = bnx_fail(err, BNX_EINVAL, "dataset %s: %d files for the %s set in format %d: "
                      "expected an IDX image and label file, or CIFAR-10 batches", info->name,
                      count, split, (int)info->format);
    if (!rc)
        rc = check_split(info, split, ptrs[0], expected_n, out, err);
    return rc;
}

int bnx_data_status(const bnx_dataset_info *info, char dir[4096], bnx_data_state *state,
                    bnx_error *err)
{
    char sums[4096];
    *state = BNX_DATA_ABSENT;
    int rc = bnx_data_paths(info, dir, sums, err);
    if (rc) {
        dir[0] = '\0';
        return rc;
    }
    return bnx_data_verify(info, dir, sums, NULL, state, err);
}

int bnx_data_load_dir(const bnx_dataset_info *info, const char *dir, const char *sums_path,
                      bnx_dataset *train, bnx_dataset *test, bnx_dataset_files *files,
                      bnx_error *err)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (info->num_files < 2 || info->num_files > BNX_DATASET_MAX_FILES ||
        info->num_train_files < 1 || info->num_train_files >= info->num_files)
        return bnx_fail(err, BNX_EINVAL, "dataset %s: %d files, %d of them for training: "
                        "expected 2 to %d files, at least one for each split", info->name,
                        info->num_files, info->num_train_files, BNX_DATASET_MAX_FILES);
    bnx_data_state state;
    bnx_error verr;
    int rc = bnx_data_verify(info, dir, sums_path, files, &state, &verr);
    if (rc && !(state == BNX_DATA_UNVERIFIED && !info->sums_required)) {
        if (err)
            *err = verr;
        return rc;
    }
    rc = load_split(info, dir, "training", 0, info->num_train_files, info->train_size, train,
                    err);
    if (rc)
        return rc;
    rc = load_split(info, dir, "test", info->num_train_files,
                    info->num_files - info->num_train_files, info->test_size, test, err);
    if (rc)
        bnx_dataset_free(train);
    return rc;
}

/* A name that is not in the table: the PNG folder datasets/NAME/ if it
 * has a train/ directory, else bnx_data_find's "unknown dataset". */
static int load_png_folder(const char *name, bnx_dataset *train, bnx_dataset *test,
                           bnx_dataset_files *files, bnx_error *err)
{
    char base[4096], dir[4200], split[4300];
    int safe = bnx_name_is_safe(name);
    if (safe) {
        int rc = bnx_datasets_dir(base, sizeof base, err);
        if (rc)
            return rc;
        snprintf(dir, sizeof dir, "%s/%s", base, name);
        if ((size_t)snprintf(split, sizeof split, "%s/train", dir) < sizeof split &&
            bnx_is_dir(split))
            return bnx_pngdir_load(dir, name, train, test, files, err);
    }
    char names[256];
    bnx_data_names(names, sizeof names);
    return bnx_fail(err, BNX_ENOTFOUND, "unknown dataset '%s'; known datasets: %s, or a PNG "
                    "folder dataset in %s (train/LABEL/*.png and test/LABEL/*.png)", name,
                    names, safe ? dir : "datasets/NAME");
}

int bnx_data_load(const char *name, bnx_dataset *train, bnx_dataset *test,
                  bnx_dataset_files *files, bnx_error *err)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (bnx_generated_is(name))
        return bnx_generated_load(name, train, test, files, err);
    const bnx_dataset_info *info = bnx_data_find(name, NULL);
    if (!info)
        return load_png_folder(name, train, test, files, err);
    char dir[4096], sums[4096];
    int rc = bnx_data_paths(info, dir, sums, err);
    if (rc)
        return rc;
    return bnx_data_load_dir(info, dir, sums, train, test, files, err);
}

char *bnx_data_id(const bnx_dataset_files *files, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "%s\n", files->name);
    for (int f = 0; f < files->count && used < size; f++)
        used += (size_t)snprintf(buf + used, size - used, "%s %s\n", files->sha256[f], files->file[f]);
    return buf;
}
