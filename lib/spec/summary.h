/* The columns of summary.csv, one row per trial (docs/reference/outputs.md):
 * the schema that verdict rules and `bnexp plot sweep --y` name, declared
 * here with the keys.  The rows are written by runs/manifest.h
 * (bnx_summary_row) from a trial's result (train/result.h). */
#ifndef BNX_SPEC_SUMMARY_H
#define BNX_SPEC_SUMMARY_H

#include <stddef.h>

/* The header of summary.csv, without a newline: variant, seed, status, the
 * result's figures, probe_layer, probe_unit, the drifts, wall_time_s.
 * steps_to_target and target_accuracy were steps_to_97 (a fixed 0.97)
 * before the target_accuracy key; a rule may still name steps_to_97
 * (spec/rule.h). */
const char *bnx_summary_header(void);

/* 1 if `name` is a column of the header that holds a number per trial
 * (every column but variant, seed, status, probe_layer and probe_unit),
 * else 0 (NULL included). */
int bnx_summary_numeric(const char *name);

/* The numeric columns, in the header's order, comma-separated
 * ("steps, diverged_step, ..."), into buf[size] (cut short if it does not
 * fit), for messages. */
void bnx_summary_numeric_list(char *buf, size_t size);

#endif
