/* Fuzz the readers of bnexp's CSV files read back (io/csvread.h,
 * runs/reader.h): summary.csv, metrics.csv and any trial CSV a rows_*()
 * measure or a chart reads (eval.csv, ics.csv, ...), whole or while a
 * trial still writes it.
 *
 * Input: a first byte choosing the reader, then the file:
 *   0  the text as a table, whole (bnx_csv_table_read) and live
 *      (bnx_csv_table_read_live), every cell also as a number;
 *   1  the text as a trial's metrics.csv (bnx_curve_read);
 *   2  summary.csv, then after the first NUL byte the metrics.csv of
 *      trial a/seed-1, as a run directory read for the report
 *      (BNX_RUN_SUMMARY) and for the charts (BNX_RUN_DIRS).
 *
 * Checked: a refusal has a status and a message and leaves the table or
 * curve empty; an accepted table has as many cells in every record as in
 * its header, none holding a comma or a line break, records on ascending
 * lines; a file read whole is read live alike; a curve's steps ascend and
 * its divergence step is one of them; a run's trials are of its variants. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "io/csvread.h"
#include "runs/reader.h"
#include "fuzzutil.h"

static void check_table(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_temp(0, data, size, 0);
    bnx_csv_table t, live;
    bnx_error err = {0}, e2 = {0};
    int rc = bnx_csv_table_read(path, &t, &err);
    int rc_live = bnx_csv_table_read_live(path, &live, &e2);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0] != '\0', "a refusal has a status and a message");
        fuzz_check(t.num_rows == 0 && t.cells == NULL && t.text == NULL, "a refused table is empty");
    } else {
        fuzz_check(t.num_cols >= 1 && t.header != NULL, "a table has a header");
        fuzz_check(rc_live == BNX_OK && live.num_rows == t.num_rows && live.num_cols == t.num_cols,
                   "a whole file reads live alike");
        for (long r = 0; r < t.num_rows; r++) {
            fuzz_check(t.line[r] >= 2 && (r == 0 || t.line[r] > t.line[r - 1]),
                       "records on ascending lines, after the header");
            for (int c = 0; c < t.num_cols; c++) {
                const char *cell = bnx_csv_table_cell(&t, r, c);
                fuzz_check(cell != NULL && strpbrk(cell, ",\n") == NULL,
                           "a cell holds no comma or line break");
                fuzz_check(strcmp(cell, bnx_csv_table_cell(&live, r, c)) == 0,
                           "the same cell live");
                double v;
                bnx_error e = {0};
                int nrc = bnx_csv_table_number(&t, r, c, &v, &e);
                fuzz_check(nrc == BNX_OK || (nrc == e.code && e.msg[0] != '\0'),
                           "a cell is a number or a message says why not");
                fuzz_check(nrc != BNX_OK || cell[0] != '\0' || isnan(v), "an empty cell is NaN");
            }
        }
    }
    if (rc_live)
        fuzz_check(e2.code == rc_live && e2.msg[0] != '\0', "a live refusal has a status and a message");
    bnx_csv_table_free(&t);
    bnx_csv_table_free(&live);
}

static void check_curve(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_temp(0, data, size, 0);
    bnx_curve c = {0};
    bnx_error err = {0};
    int rc = bnx_curve_read(path, &c, &err);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0] != '\0', "a refusal has a status and a message");
    } else {
        fuzz_check(c.n >= 1 && c.step && c.test_accuracy && c.train_loss, "a curve has records");
        int found = c.diverged_step == -1;
        for (long i = 0; i < c.n; i++) {
            fuzz_check(i == 0 || c.step[i] > c.step[i - 1], "steps ascend");
            found |= c.step[i] == c.diverged_step;
        }
        fuzz_check(found, "the divergence step is a record's");
    }
    bnx_curve_free(&c);
}

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fuzz_check(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "the run can be written");
}

static void check_run(const uint8_t *data, size_t size)
{
    const char *run_dir = fuzz_temp_dir();
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/a/seed-1", run_dir);
    bnx_error e = {0};
    fuzz_check(bnx_mkdir_p(sub, &e) == BNX_OK, "the trial directory can be made");
    const uint8_t *nul = memchr(data, 0, size);
    size_t summary = nul ? (size_t)(nul - data) : size;
    write_file(run_dir, "summary.csv", data, summary);
    write_file(run_dir, "a/seed-1/metrics.csv", nul ? nul + 1 : data, nul ? size - summary - 1 : 0);
    for (int source = BNX_RUN_SUMMARY; source <= BNX_RUN_DIRS; source++) {
        bnx_run run;
        bnx_error err = {0};
        int rc = bnx_run_read(run_dir, source, &run, &err);
        if (rc) {
            fuzz_check(err.code == rc && err.msg[0] != '\0', "a refusal has a status and a message");
            fuzz_check(run.num_trials == 0 && run.trials == NULL, "a refused run holds no trial");
        } else {
            fuzz_check(run.num_trials >= 1 || source == BNX_RUN_SUMMARY, "trials found");
            for (int i = 0; i < run.num_trials; i++) {
                const bnx_curve *c = &run.trials[i];
                fuzz_check(bnx_run_variant(&run, c->variant) >= 0, "a trial is of a variant of the run");
                fuzz_check(c->missing || c->n >= 1 || source == BNX_RUN_SUMMARY,
                           "a trial read has records");
                for (long k = 1; k < c->n; k++)
                    fuzz_check(c->step[k] > c->step[k - 1], "steps ascend");
            }
        }
        bnx_run_free(&run);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 16))
        return 0;
    switch (data[0] % 3) {
    case 0: check_table(data + 1, size - 1); break;
    case 1: check_curve(data + 1, size - 1); break;
    default: check_run(data + 1, size - 1); break;
    }
    return 0;
}
