/* The probe table (probe/probe.h): every row well formed, the settings the
 * keys give, and each probe's checkpoint block: through a checkpoint file
 * and back, a probe goes on writing the rows it would have written. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/rng.h"
#include "probe/activations.h"
#include "probe/ics.h"
#include "probe/landscape.h"
#include "probe/probe.h"
#include "spec/config.h"
#include "spec/summary.h"
#include "train/checkpoint.h"
#include "train/result.h"
#include "testutil.h"

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* Every row: names the checkpoint can store and `bnexp list` can show,
 * keys of the key table, CSVs named once in the whole table, figures that
 * are summary.csv's columns, and hooks that come in the pairs the trainer
 * calls them in. */
START_TEST(probe_table_rows_are_well_formed)
{
    int count = bnx_probe_count();
    ck_assert_int_ge(count, 4);
    ck_assert_ptr_null(bnx_probe_at(-1));
    ck_assert_ptr_null(bnx_probe_at(count));
    ck_assert_ptr_null(bnx_probe_find("no-such-probe"));
    const char *csv_names[64];
    int num_csv_names = 0;
    for (int i = 0; i < count; i++) {
        const bnx_probe_ops *ops = bnx_probe_at(i);
        ck_assert_ptr_nonnull(ops);
        const char *name = ops->name;
        ck_assert_msg(name && *name && strlen(name) <= BNX_CHECKPOINT_NAME_MAX, "row %d", i);
        ck_assert_ptr_eq(bnx_probe_find(name), ops); /* so: named once */
        ck_assert_msg(ops->title && *ops->title && !strchr(ops->title, '\n'), "%s: title", name);
        ck_assert_msg(ops->keys && ops->keys[0], "%s owns no key", name);
        for (int k = 0; ops->keys[k]; k++)
            ck_assert_msg(bnx_config_key_index(ops->keys[k]) >= 0, "%s: %s is not a key", name,
                          ops->keys[k]);
        ck_assert_msg(ops->num_csvs >= 1 && ops->num_csvs <= BNX_PROBE_MAX_CSVS, "%s: csvs", name);
        int appended = 0, whole = 0;
        for (int k = 0; k < ops->num_csvs; k++) {
            const bnx_probe_csv *c = &ops->csvs[k];
            ck_assert_msg(ends_with(c->name, ".csv") && strlen(c->name) <= BNX_CHECKPOINT_NAME_MAX &&
                          strcmp(c->name, "metrics.csv") != 0 && !strchr(c->name, '/'),
                          "%s: CSV %s", name, c->name);
            for (int j = 0; j < num_csv_names; j++)
                ck_assert_msg(strcmp(csv_names[j], c->name) != 0, "%s named twice", c->name);
            csv_names[num_csv_names++] = c->name;
            ck_assert_msg(c->header && *c->header && !strchr(c->header, '\n') &&
                          !ends_with(c->header, ","), "%s: header", c->name);
            if (!c->whole) /* rows of a step: the step comes first */
                ck_assert_msg(strncmp(c->header, "step,", 5) == 0, "%s: header", c->name);
            appended += !c->whole;
            whole += c->whole;
        }
        /* an appended CSV is written at records or steps, a whole one at the end */
        ck_assert_msg(!appended || ops->record || ops->step, "%s writes no rows", name);
        ck_assert_msg(!whole == !ops->finish, "%s: whole CSV and finish", name);
        ck_assert_msg(!ops->figures == !ops->result, "%s: figures and result", name);
        bnx_trial_result res;
        bnx_config cfg;
        bnx_config_defaults(&cfg);
        bnx_trial_result_init(&res, &cfg);
        for (int k = 0; ops->figures && ops->figures[k]; k++)
            ck_assert_msg(bnx_summary_numeric(ops->figures[k]) &&
                          bnx_trial_result_set(&res, ops->figures[k], 1.0) == 0,
                          "%s: %s is not a figure of summary.csv", name, ops->figures[k]);
        ck_assert_msg(!ops->capture || ops->passes, "%s: capture without passes", name);
        ck_assert_msg(!ops->step || ops->wants, "%s: step without wants", name);
        ck_assert_msg(!ops->save == !ops->load, "%s: save and load", name);
        ck_assert_msg(!ops->create == !ops->destroy, "%s: create and destroy", name);
        ck_assert_msg(!(ops->traits & ~(unsigned)BNX_PROBE_GRAD), "%s: unknown traits", name);
    }
    bnx_trial_result res;
    ck_assert_int_eq(bnx_trial_result_set(&res, "variant", 1.0), -1);
}
END_TEST

/* The keys' defaults turn on the activations probe alone; ics, the
 * landscape, the scale check, the time gradients and the step statistics
 * each by their key. */
START_TEST(probe_settings_follow_the_keys)
{
    bnx_config cfg;
    bnx_config_defaults(&cfg);
    bnx_probe_settings s;
    bnx_config_probe_settings(&cfg, &s);
    ck_assert_int_eq(s.probe_layer, cfg.hidden_layers); /* "last" resolved */
    ck_assert_int_eq(s.probe_size, cfg.probe_size);
    ck_assert_int_eq(s.batch_size, cfg.batch_size);
    for (int i = 0; i < bnx_probe_count(); i++)
        ck_assert_int_eq(bnx_probe_is_on(bnx_probe_at(i), &s),
                         strcmp(bnx_probe_at(i)->name, "activations") == 0);
    const char *sets[][2] = {{"ics", "true"}, {"landscape_points", "3"}, {"scale_check", "true"},
                             {"time_gradients", "true"}, {"step_stats", "true"}};
    const char *names[] = {"ics", "landscape", "scale", "time_gradients", "step_stats"};
    for (int k = 0; k < 5; k++) {
        bnx_config c = cfg;
        bnx_error err;
        ck_assert_int_eq(bnx_config_set(&c, sets[k][0], sets[k][1], &err), BNX_OK);
        bnx_config_probe_settings(&c, &s);
        ck_assert(bnx_probe_is_on(bnx_probe_find(names[k]), &s));
        ck_assert(bnx_probe_is_on(bnx_probe_find("activations"), &s));
    }
    /* the landscape's step sizes: geometric from landscape_min to landscape_max */
    cfg.landscape_points = 3;
    cfg.landscape_min = 0.5;
    cfg.landscape_max = 2.0;
    bnx_config_probe_settings(&cfg, &s);
    ck_assert_double_eq_tol(bnx_landscape_multiple(&s, 0), 0.5, 1e-15);
    ck_assert_double_eq_tol(bnx_landscape_multiple(&s, 1), 1.0, 1e-15);
    ck_assert_double_eq_tol(bnx_landscape_multiple(&s, 2), 2.0, 1e-15);
    cfg.landscape_points = 1;
    bnx_config_probe_settings(&cfg, &s);
    ck_assert_double_eq(bnx_landscape_multiple(&s, 0), 0.5);
    /* the training-mode pass runs only for ics_mode = train */
    cfg.ics = 1;
    bnx_config_probe_settings(&cfg, &s);
    ck_assert_uint_eq(bnx_probe_find("ics")->passes(&s), BNX_PROBE_PASS_TEST);
    cfg.ics_mode = BNX_ICS_TRAIN;
    bnx_config_probe_settings(&cfg, &s);
    ck_assert_uint_eq(bnx_probe_find("ics")->passes(&s), BNX_PROBE_PASS_TRAIN);
}
END_TEST

/* ---- a set of probes on a small network, as a trial drives it ---- */

enum { N = 6, UNITS = 8, CLASSES = 3 };

typedef struct rig {
    bnx_config cfg;
    bnx_probe_settings set;
    bnx_net net;
    bnx_probes probes;
    char dir[256];
} rig;

/* Every probe on, for an mlp of two hidden layers of 8 with batch norm on
 * 1x4x4 images; the appended CSVs opened in a new directory. */
static void rig_open(rig *r, const char *tag)
{
    bnx_error err;
    bnx_config_defaults(&r->cfg);
    r->cfg.hidden_layers = 2;
    r->cfg.hidden_units = UNITS;
    r->cfg.norm = bnx_norm_find("batch");
    r->cfg.batch_size = N;
    r->cfg.probe_size = N;
    r->cfg.probe_unit = 3;
    r->cfg.hist_bins = 4;
    r->cfg.hist_min = -2;
    r->cfg.hist_max = 2;
    r->cfg.ics = 1;
    r->cfg.landscape_points = 2;
    r->cfg.landscape_every = 5;
    r->cfg.scale_check = 1;
    r->cfg.time_gradients = 1; /* no LSTM here: no rows */
    r->cfg.step_stats = 1;
    bnx_config_probe_settings(&r->cfg, &r->set);
    bnx_net_spec spec;
    bnx_config_net_spec(&r->cfg, 1, 4, 4, CLASSES, &spec);
    ck_assert_msg(bnx_net_create(&r->net, &spec, N, &err) == BNX_OK, "%s", err.msg);
    bnx_rng rng;
    bnx_rng_seed(&rng, 3, 1);
    bnx_net_init(&r->net, BNX_INIT_KAIMING_NORMAL, 0, &rng);
    ck_assert_msg(bnx_probes_create(&r->probes, &r->set, &r->net, &err) == BNX_OK, "%s", err.msg);
    ck_assert_int_eq(r->probes.count, bnx_probe_count());
    test_tmpdir_create(r->dir, sizeof r->dir, tag);
    for (int i = 0; i < bnx_probes_num_csvs(&r->probes); i++) {
        const bnx_probe_csv *decl;
        bnx_csv *csv = bnx_probes_csv(&r->probes, i, &decl);
        ck_assert_int_eq(bnx_csv_open(csv, test_path(r->dir, decl->name, 0), decl->header, &err),
                         BNX_OK);
    }
    ck_assert_ptr_null(bnx_probes_csv(&r->probes, bnx_probes_num_csvs(&r->probes),
                                      &(const bnx_probe_csv *){NULL}));
}

static void rig_close(rig *r)
{
    bnx_error err;
    for (int i = 0; i < bnx_probes_num_csvs(&r->probes); i++) {
        const bnx_probe_csv *decl;
        ck_assert_int_eq(bnx_csv_close(bnx_probes_csv(&r->probes, i, &decl), &err), BNX_OK);
    }
    bnx_probes_free(&r->probes);
    bnx_net_destroy(&r->net);
    test_tmpdir_remove(r->dir);
}

/* A record at `step` of the inputs drawn from seed: the evaluation's
 * forward captured, then every probe's rows. */
static void rig_record(rig *r, long step, uint64_t seed)
{
    float x[N * 16];
    bnx_rng rng;
    bnx_rng_seed(&rng, seed, 2);
    test_fill(&rng, x, N * 16, 1.0, 0.0);
    bnx_net_forward(&r->net, N, x, BNX_FWD_EVAL);
    bnx_probes_capture(&r->probes, &(bnx_probe_capture){BNX_PROBE_PASS_TEST, N, 0, N});
    bnx_error err;
    ck_assert_msg(bnx_probes_record(&r->probes, step, &err) == BNX_OK, "%s", err.msg);
}

/* The rows of dir/name whose step is `step`. */
static char *rows_of(const char *dir, const char *name, long step)
{
    char *text;
    size_t size;
    bnx_error err;
    ck_assert_int_eq(bnx_read_file(test_path(dir, name, 1), 1 << 24, &text, &size, &err), BNX_OK);
    char prefix[32], *out = calloc(size + 1, 1), *w = out;
    int len = snprintf(prefix, sizeof prefix, "%ld,", step);
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        size_t n = (size_t)(nl - line) + 1;
        if (strncmp(line, prefix, (size_t)len) == 0) {
            memcpy(w, line, n);
            w += n;
        }
        line += n;
    }
    free(text);
    return out;
}

typedef struct figures {
    char names[8][32];
    double values[8];
    int n;
} figures;

static void keep_figure(void *ctx, const char *column, double value)
{
    figures *f = ctx;
    snprintf(f->names[f->n], sizeof f->names[f->n], "%s", column);
    f->values[f->n++] = value;
}

/* Each probe's block, saved after two records, written into a checkpoint
 * file, read back and loaded into a fresh set of probes: saved again it is
 * the same bytes, the next record writes the same rows as the probes that
 * never stopped, and the figures for summary.csv are the same. */
START_TEST(probe_blocks_survive_a_checkpoint)
{
    rig a, b;
    rig_open(&a, "probe-a");
    rig_record(&a, 0, 10);
    rig_record(&a, 5, 11);

    bnx_checkpoint ck = {0};
    bnx_error err;
    for (int i = 0; i < a.probes.count; i++) {
        const char *name;
        const void *data;
        size_t len;
        int has = bnx_probes_block(&a.probes, i, &name, &data, &len);
        ck_assert_int_eq(has, a.probes.probe[i].ops->save != NULL);
        if (has)
            ck_assert_int_eq(bnx_checkpoint_add_block(&ck, name, data, (long)len, &err), BNX_OK);
    }
    ck_assert_int_eq(ck.num_blocks, 2); /* activations and ics */
    unsigned char *buf;
    size_t size;
    ck_assert_int_eq(bnx_checkpoint_encode(&ck, &buf, &size, &err), BNX_OK);
    bnx_checkpoint back;
    ck_assert_msg(bnx_checkpoint_decode(buf, size, "ck", &back, &err) == BNX_OK, "%s", err.msg);
    free(buf);

    rig_open(&b, "probe-b");
    for (int i = 0; i < b.probes.count; i++) {
        const char *name;
        const void *data, *again;
        size_t len, again_len;
        bnx_probes_block(&a.probes, i, &name, &data, &len);
        const bnx_checkpoint_block *blk = bnx_checkpoint_block_named(&back, name);
        ck_assert_msg(bnx_probes_load(&b.probes, i, blk ? blk->data : NULL, blk ? (size_t)blk->len : 0,
                                      5, &err) == BNX_OK, "%s: %s", name, err.msg);
        if (bnx_probes_block(&b.probes, i, &name, &again, &again_len)) {
            ck_assert_uint_eq(again_len, len);
            ck_assert_mem_eq(again, data, len);
        }
    }
    bnx_checkpoint_free(&back);

    rig_record(&a, 10, 12);
    rig_record(&b, 10, 12);
    const char *csvs[] = {"activations.csv", "histograms.csv", "ics.csv"};
    for (int k = 0; k < 3; k++) {
        char *x = rows_of(a.dir, csvs[k], 10), *y = rows_of(b.dir, csvs[k], 10);
        ck_assert_msg(*x && strcmp(x, y) == 0, "%s differs:\n%s---\n%s", csvs[k], x, y);
        free(x);
        free(y);
    }
    figures fa = {0}, fb = {0};
    bnx_probes_result(&a.probes, keep_figure, &fa);
    bnx_probes_result(&b.probes, keep_figure, &fb);
    ck_assert_int_eq(fa.n, 3);
    ck_assert_int_eq(fb.n, 3);
    for (int k = 0; k < 3; k++) {
        ck_assert_str_eq(fa.names[k], fb.names[k]);
        ck_assert(fa.values[k] == fb.values[k] && isfinite(fa.values[k]));
    }
    rig_close(&a);
    rig_close(&b);
}
END_TEST

/* A block that does not fit is refused; none at all is a fresh start
 * before the first record, not after it. */
START_TEST(probe_blocks_that_do_not_fit_are_refused)
{
    rig r;
    rig_open(&r, "probe-refuse");
    bnx_error err;
    const bnx_probe_ops *act = bnx_probe_find("activations"), *ics = bnx_probe_find("ics");
    int ia = -1, ii = -1;
    for (int i = 0; i < r.probes.count; i++) {
        ia = r.probes.probe[i].ops == act ? i : ia;
        ii = r.probes.probe[i].ops == ics ? i : ii;
    }
    unsigned char zeros[64] = {0};
    ck_assert_int_eq(bnx_probes_load(&r.probes, ia, zeros, 8, 5, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "activations block has 8 bytes"));
    ck_assert_int_eq(bnx_probes_load(&r.probes, ia, NULL, 0, 5, &err), BNX_EFORMAT);
    memset(zeros + 48, 0xff, 8); /* a negative number of records */
    ck_assert_int_eq(bnx_probes_load(&r.probes, ia, zeros, BNX_ACTIVATIONS_BLOCK_BYTES, 5, &err),
                     BNX_EFORMAT);
    ck_assert_int_eq(bnx_probes_load(&r.probes, ii, zeros, 8, 5, &err), BNX_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "covariate-shift samples are 8 bytes"));
    ck_assert_int_eq(bnx_probes_load(&r.probes, ii, NULL, 0, 5, &err), BNX_EFORMAT);
    ck_assert_int_eq(bnx_probes_load(&r.probes, ii, NULL, 0, 0, &err), BNX_OK);
    /* a probe without a block takes none */
    for (int i = 0; i < r.probes.count; i++)
        if (!r.probes.probe[i].ops->load)
            ck_assert_int_eq(bnx_probes_load(&r.probes, i, NULL, 0, 5, &err), BNX_OK);
    rig_close(&r);
}
END_TEST

/* The landscape measures at its steps only, ics at the steps a record
 * follows; each hook's time is kept per probe. */
START_TEST(probe_steps_and_timing)
{
    rig r;
    rig_open(&r, "probe-steps");
    ck_assert(bnx_probes_wants(&r.probes, 5, 0));  /* landscape_every = 5 */
    ck_assert(bnx_probes_wants(&r.probes, 7, 1));  /* ics */
    ck_assert(!bnx_probes_wants(&r.probes, 7, 0));
    rig_record(&r, 0, 1);
    for (int i = 0; i < r.probes.count; i++) {
        const bnx_probe *p = &r.probes.probe[i];
        ck_assert(p->seconds[BNX_PROBE_T_RECORD] >= 0.0);
        if (!p->ops->record)
            ck_assert(p->seconds[BNX_PROBE_T_RECORD] == 0.0);
    }
    ck_assert_uint_eq(bnx_probes_passes(&r.probes), BNX_PROBE_PASS_TEST);
    rig_close(&r);
}
END_TEST

Suite *suite_probe(void)
{
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, probe_table_rows_are_well_formed);
    tcase_add_test(tc, probe_settings_follow_the_keys);
    tcase_add_test(tc, probe_blocks_survive_a_checkpoint);
    tcase_add_test(tc, probe_blocks_that_do_not_fit_are_refused);
    tcase_add_test(tc, probe_steps_and_timing);
    suite_add_tcase(s, tc);
    return s;
}

TEST_SUITE(suite_probe)
