#include "data/generated.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "data/sha256.h"

int bnx_generated_is(const char *name)
{
    size_t n = strlen(BNX_GENERATED_LINEAR);
    return strncmp(name, BNX_GENERATED_LINEAR, n) == 0 && (name[n] == ':' || name[n] == '\0');
}

char *bnx_generated_name(const bnx_generated_spec *s, char *buf, size_t size)
{
    char noise[32];
    for (int digits = 1; digits <= 17; digits++) { /* the shortest text that reads back */
        snprintf(noise, sizeof noise, "%.*g", digits, s->noise);
        if (strtod(noise, NULL) == s->noise)
            break;
    }
    snprintf(buf, size, "%s:d=%d,k=%d,train=%d,test=%d,noise=%s,seed=%ld", BNX_GENERATED_LINEAR,
             s->d, s->k, s->train, s->test, noise, s->seed);
    return buf;
}

/* The value of parameter `key` at *p ("key=VALUE" then ',' or the end),
 * within [min, max]; *p moves past it.  0, or -1 if it is not there or
 * out of range. */
static int param(const char **p, const char *key, double min, double max, double *value)
{
    size_t n = strlen(key);
    if (strncmp(*p, key, n) != 0 || (*p)[n] != '=')
        return -1;
    char *end;
    errno = 0;
    *value = strtod(*p + n + 1, &end);
    if (end == *p + n + 1 || errno || !(*value >= min && *value <= max) ||
        (*end != ',' && *end != '\0'))
        return -1;
    *p = *end == ',' ? end + 1 : end;
    return 0;
}

int bnx_generated_parse(const char *name, bnx_generated_spec *spec, bnx_error *err)
{
    static const struct {
        const char *key;
        double min, max;
        int integer;
    } keys[] = {{"d", 1, 65536, 1}, {"k", 1, 4096, 1}, {"train", 1, 1e7, 1},
                {"test", 1, 1e7, 1}, {"noise", 0, 1e6, 0}, {"seed", 0, 4294967295.0, 1}};
    double v[6];
    size_t n = strlen(BNX_GENERATED_LINEAR);
    if (!bnx_generated_is(name) || name[n] != ':')
        return bnx_fail(err, BNX_EINVAL, "dataset '%s': expected %s:d=D,k=K,train=N,test=M,"
                        "noise=S,seed=R", name, BNX_GENERATED_LINEAR);
    const char *p = name + n + 1;
    for (int i = 0; i < 6; i++)
        if (param(&p, keys[i].key, keys[i].min, keys[i].max, &v[i]) ||
            (keys[i].integer && v[i] != floor(v[i])))
            return bnx_fail(err, BNX_EINVAL, "dataset '%s': parameter %s is missing, malformed "
                            "or outside %g to %g (expected %s:d=D,k=K,train=N,test=M,noise=S,"
                            "seed=R)", name, keys[i].key, keys[i].min, keys[i].max,
                            BNX_GENERATED_LINEAR);
    if (*p)
        return bnx_fail(err, BNX_EINVAL, "dataset '%s': unexpected '%s' after seed", name, p);
    *spec = (bnx_generated_spec){.d = (int)v[0], .k = (int)v[1], .train = (int)v[2],
                                 .test = (int)v[3], .noise = v[4], .seed = (long)v[5]};
    return BNX_OK;
}

/* n examples from `stream` of spec's seed: x ~ N(0, I_d), y = A x + noise e. */
static int generate(const bnx_generated_spec *s, const double *a, int n, uint64_t stream,
                    bnx_dataset *ds, bnx_error *err)
{
    size_t failed = 0;
    ds->n = n;
    ds->c = 1;
    ds->h = 1;
    ds->w = s->d;
    ds->num_classes = s->k;
    ds->values = bnx_calloc((size_t)n * (size_t)s->d, sizeof(float), &failed);
    ds->targets = bnx_calloc((size_t)n * (size_t)s->k, sizeof(float), &failed);
    if (failed)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for dataset %s", failed,
                        BNX_GENERATED_LINEAR);
    bnx_rng rng;
    bnx_rng_seed(&rng, (uint64_t)s->seed, stream);
    for (int i = 0; i < n; i++) {
        float *xi = ds->values + (size_t)i * (size_t)s->d;
        float *yi = ds->targets + (size_t)i * (size_t)s->k;
        for (int j = 0; j < s->d; j++)
            xi[j] = (float)bnx_rng_normal(&rng);
        for (int r = 0; r < s->k; r++) { /* A x of the stored (float) x, in double */
            double sum = 0.0;
            for (int j = 0; j < s->d; j++)
                sum += a[(size_t)r * (size_t)s->d + j] * xi[j];
            yi[r] = (float)(sum + s->noise * bnx_rng_normal(&rng));
        }
    }
    return BNX_OK;
}

/* SHA-256 of ds's values then targets as lowercase hex. */
static void digest(const bnx_dataset *ds, char hex[65])
{
    unsigned char md[32];
    unsigned int len = 32;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, ds->values, sizeof(float) * (size_t)ds->n * (size_t)ds->w);
    EVP_DigestUpdate(ctx, ds->targets, sizeof(float) * (size_t)ds->n * (size_t)ds->num_classes);
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    bnx_digest_hex(md, len, hex);
}

int bnx_generated_load(const char *name, bnx_dataset *train, bnx_dataset *test,
                       bnx_dataset_files *files, bnx_error *err)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    bnx_generated_spec s;
    int rc = bnx_generated_parse(name, &s, err);
    if (rc)
        return rc;
    if (strlen(name) >= sizeof files->name)
        return bnx_fail(err, BNX_EINVAL, "dataset '%s': the name is longer than %zu characters",
                        name, sizeof files->name - 1);
    double *a = malloc(sizeof(double) * (size_t)s.k * (size_t)s.d);
    if (!a)
        return bnx_fail(err, BNX_ENOMEM, "cannot allocate %zu bytes for dataset %s",
                        sizeof(double) * (size_t)s.k * (size_t)s.d, name);
    bnx_rng rng;
    bnx_rng_seed(&rng, (uint64_t)s.seed, 1);
    double scale = 1.0 / sqrt((double)s.d);
    for (long i = 0; i < (long)s.k * s.d; i++)
        a[i] = scale * bnx_rng_normal(&rng);
    rc = generate(&s, a, s.train, 2, train, err);
    if (rc == BNX_OK)
        rc = generate(&s, a, s.test, 3, test, err);
    free(a);
    if (rc) {
        bnx_dataset_free(train);
        bnx_dataset_free(test);
        return rc;
    }
    memset(files, 0, sizeof *files);
    snprintf(files->name, sizeof files->name, "%s", name);
    snprintf(files->dir, sizeof files->dir, "(generated in memory)");
    files->count = 2;
    snprintf(files->file[0], sizeof files->file[0], "train");
    snprintf(files->file[1], sizeof files->file[1], "test");
    digest(train, files->sha256[0]);
    digest(test, files->sha256[1]);
    files->verified = 0;
    return BNX_OK;
}
