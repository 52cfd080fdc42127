#ifndef GPUVPLAN_MIG_INT_H
#define GPUVPLAN_MIG_INT_H

/*
 * Private to src/mig*.c: the rules and the placement search of mig.c that the diagnosis
 * (mig_explain.c) runs again to say what is wrong.
 */

#include "gpuvplan/mig.h"

#include <stdbool.h>
#include <stdint.h>

/* Total instances among the profiles of set (bit i: profile i). */
int mig_set_count(const struct gpv_mig *mig, const int *counts, uint64_t set);

/* The profiles with counts[i] > 0, as a set (bit i: profile i). */
uint64_t mig_used_set(const struct gpv_mig *mig, const int *counts);

/* Whether counts break constraint c; used is mig_used_set() of counts. */
bool mig_constraint_violated(const struct gpv_mig *mig, const struct gpv_mig_constraint *c,
                             const int *counts, uint64_t used);

/*
 * The geometry alone: can counts be placed around the instances of fixed (NULL: none), which
 * must be in the grid, at allowed starts and disjoint? Fills *out (if not NULL) with fixed plus
 * the new instances, sorted by start.
 */
bool mig_fit(struct gpv_mig_layout *out, const struct gpv_mig *mig, const int *counts,
             const struct gpv_mig_layout *fixed);

#endif
