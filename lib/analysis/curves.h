/* A run's curves aggregated over seeds: one statistic per variant, metric
 * and record step, for the charts and curves.csv. */
#ifndef BNX_ANALYSIS_CURVES_H
#define BNX_ANALYSIS_CURVES_H

#include "core/error.h"
#include "core/stat.h"
#include "runs/reader.h"

/* The metrics a chart aggregates over seeds; BNX_METRIC_COLUMN is the
 * column bnx_run_load_column read into every trial's `column`. */
enum bnx_metric { BNX_METRIC_TEST_ACCURACY, BNX_METRIC_TRAIN_LOSS, BNX_METRIC_COLUMN };

/* "test_accuracy" or "train_loss" (metrics.csv's column names; "column"
 * for BNX_METRIC_COLUMN). */
const char *bnx_metric_name(int metric);

/* Write `path` as curves.csv (bnx_curves_write's columns) for one metric,
 * written in the metric column as `name`.
 * Errors: as bnx_curves_write. */
int bnx_curves_write_metric(const bnx_run *run, int metric, const char *name, const char *path,
                            bnx_error *err);

/* One step of a variant's curve over its seeds. */
typedef struct bnx_step_stat {
    long step;
    int seeds;      /* trials of the variant */
    bnx_stat stat;  /* over the trials with a finite value at this step */
} bnx_step_stat;

/* Variant index v's `metric` at every step that any of its trials
 * recorded, ascending, into a malloc'd array *out of *count entries (free
 * it).  Errors: BNX_EINVAL for a bad v or metric; BNX_ENOMEM. */
int bnx_run_step_stats(const bnx_run *run, int v, int metric, bnx_step_stat **out,
                       long *count, bnx_error *err);

/* Write `path` whole (temporary file, then rename) as the tidy CSV
 *   variant,metric,step,seeds,n,mean,sd,min,max[,SWEPT_KEY...]
 * with one row per variant x metric (test_accuracy, train_loss) x step, as
 * bnx_run_step_stats gives them; statistics of no value are empty fields;
 * one column per swept key (run->swept) with the variant's value.
 * Errors: BNX_EIO naming the path; BNX_ENOMEM. */
int bnx_curves_write(const bnx_run *run, const char *path, bnx_error *err);

#endif
