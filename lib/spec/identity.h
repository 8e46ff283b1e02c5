/* A trial's identity: what a checkpoint must carry to continue the trial,
 * and what a run plan checks a resumed trial against (train/checkpoint.h,
 * spec/plan.h). */
#ifndef BNX_SPEC_IDENTITY_H
#define BNX_SPEC_IDENTITY_H

#include "spec/config.h"

/* SHA-256 over every config key and value (bnx_config_key_name/value,
 * "key=value\n", in the key table's order) except the inert keys
 * (bnx_config_key_inert: threads, checkpoint_every, max_memory_mb), which
 * change neither the arithmetic's inputs nor the result's meaning,
 * followed by `data_id` (e.g. the dataset's file sums; NULL for none),
 * into out[32].  Never fails. */
void bnx_trial_identity(const bnx_config *cfg, const char *data_id, unsigned char out[32]);

/* The same identity from config text: "key=value\n" lines (those of
 * bnx_config_text, or a run plan's), hashed line by line in their order,
 * the inert keys left out, then `data_id`.  A line whose key is not in the
 * table (an older plan's) is hashed.  Never fails. */
void bnx_trial_identity_text(const char *config_text, const char *data_id, unsigned char out[32]);

#endif
