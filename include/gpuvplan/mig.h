#ifndef GPUVPLAN_MIG_H
#define GPUVPLAN_MIG_H

/*
 * The MIG geometry engine: is a multiset of GPU-instance profiles valid on a model, where does
 * each instance sit, why is it not valid, and which multisets are valid at all.
 *
 * A model's grid has U units (gpu->mig->units); profile i occupies [start, start + size) for one
 * of its allowed starts. A multiset of profiles, given as counts[i] = instances of profile i
 * (an array of gpu->mig->nprofiles ints, each >= 0), is valid on a driver iff
 *   - every count is within the profile's max,
 *   - every profile used exists on that driver (since_driver),
 *   - every constraint that applies on that driver holds (before_driver), and
 *   - some choice of allowed starts makes all intervals pairwise disjoint.
 * The engine searches for that choice (docs/mig.md, "Algorithm"); it never emulates the driver's
 * order-dependent automatic placement.
 *
 * `driver` is a driver branch (470, 510, 525, ...), or 0 for the newest driver: every profile
 * available and no before_driver constraint in force. gpv_mig_parse_driver() reads "535.183.01".
 *
 * Pure: no printing, no file access, no allocation. Every function is safe to call from several
 * threads on the same (read-only) database. A model without MIG (gpu->mig == NULL) has no valid
 * multiset: the predicates return false and the counters 0 or -1 as documented.
 */

#include "gpuvplan/db.h"

#include <stdbool.h>
#include <stdint.h>

/* Most instances a layout can hold: every instance takes at least one unit. */
#define GPV_MIG_MAX_INSTANCES GPV_MIG_MAX_UNITS

/* One GPU instance: profile index (into gpu->mig->profiles) at an allowed start unit. */
struct gpv_mig_instance {
    int profile;
    int start;
};

/* A placement: n instances. Layouts the engine returns are sorted by start. */
struct gpv_mig_layout {
    int n;
    struct gpv_mig_instance inst[GPV_MIG_MAX_INSTANCES];
};

/* Why a multiset or a layout is not valid. */
enum gpv_mig_reason_kind {
    GPV_MIG_R_UNKNOWN,      /* an instance names no profile of the model, or a count is < 0 */
    GPV_MIG_R_OVER_MAX,     /* profile: count instances, more than its max (limit) */
    GPV_MIG_R_CONSTRAINT,   /* constraint: a per-GPU rule of the database does not hold */
    GPV_MIG_R_TOO_NEW,      /* profile: needs driver `limit` or newer */
    GPV_MIG_R_NO_PLACEMENT, /* profile: only `limit` of its count instances fit beside `placed` */
    GPV_MIG_R_OUT_OF_GRID,  /* layout: instance runs outside the grid */
    GPV_MIG_R_BAD_START,    /* layout: instance starts where its profile may not */
    GPV_MIG_R_OVERLAP,      /* layout: instance and other share units */
};

/*
 * One reason. Fields not listed for a kind are -1 (ints), 0 (others) or empty (placed).
 *   OVER_MAX      profile, count (asked), limit (the profile's max)
 *   TOO_NEW       profile, count, limit (the profile's since_driver)
 *   CONSTRAINT    constraint (index into gpu->mig->constraints); involved = the profiles of the
 *                 request the constraint names; count = their total instances; limit = the
 *                 constraint's max (GPV_CONSTRAINT_MAX) or -1 (GPV_CONSTRAINT_EXCLUSIVE)
 *   NO_PLACEMENT  profile, count (asked, capped at its max), limit (how many fit at most beside
 *                 the instances in `placed`), involved = the other profiles in `placed`,
 *                 units_needed = units the whole request takes (counts capped at their max),
 *                 placed = a witness: the larger instances plus `limit` of profile
 *   UNKNOWN       instance (index into the checked layout) and profile (the bad index); from
 *                 gpv_mig_explain(): profile and count (negative), instance -1
 *   OUT_OF_GRID, BAD_START
 *                 instance (index into the checked layout), profile
 *   OVERLAP       instance, other (indexes into the checked layout, other < instance), profile
 */
struct gpv_mig_reason {
    enum gpv_mig_reason_kind kind;
    int profile;
    int count;
    int limit;
    int constraint;
    uint64_t involved; /* bit i = profile index i */
    int units_needed;
    int instance;
    int other;
    struct gpv_mig_layout placed;
};

/* Returns the stable name of a reason kind for machine output ("over-max", "no-placement"). */
const char *gpv_mig_reason_kind_name(enum gpv_mig_reason_kind kind);

/*
 * Reads a driver version: "535", "R535", "r535" or "535.183.01" give 535. Returns true and
 * sets *out (1..9999) on success, false on anything else (*out untouched).
 */
bool gpv_mig_parse_driver(int *out, const char *s);

/* True when profile p exists on driver (0 = newest): its since_driver is not newer. */
bool gpv_mig_profile_available(const struct gpv_gpu *gpu, int p, int driver);

/* True when constraint c is in force on driver (0 = newest): it has no before_driver or the
 * driver is older than it. */
bool gpv_mig_constraint_applies(const struct gpv_mig_constraint *c, int driver);

/*
 * Decides whether counts is valid on driver (see the top of this file) and, when it is and out
 * is not NULL, fills *out with one placement, sorted by start. Instances of profiles with the
 * same size and starts are interchangeable; they get starts in profile-index order.
 * Returns true when valid; false otherwise (also for a negative count), *out then unspecified.
 * On a model with MIG, gpv_mig_explain() returns 0 exactly when this returns true.
 * Cost: microseconds on the 4-, 8- and 12-unit grids; no allocation.
 */
bool gpv_mig_place(struct gpv_mig_layout *out, const struct gpv_gpu *gpu, const int *counts,
                   int driver);

/*
 * Like gpv_mig_place(), keeping the instances of `fixed` where they are and placing `extra`
 * (counts per profile, may be NULL for none) around them; counts, constraints and driver rules
 * apply to the union. Use it to add instances to a GPU without moving the ones there, or (with
 * extra NULL) to accept a plan's placement exactly as written.
 * Returns true and fills *out (if not NULL; sorted by start, fixed instances included) when the
 * fixed instances are in the grid at allowed starts, disjoint, and the union is valid; false
 * otherwise. gpv_mig_check_layout() says why a fixed layout is rejected.
 */
bool gpv_mig_place_fixed(struct gpv_mig_layout *out, const struct gpv_gpu *gpu,
                         const struct gpv_mig_layout *fixed, const int *extra, int driver);

/* True when counts is valid and stays valid with one more instance of profile p. */
bool gpv_mig_can_add(const struct gpv_gpu *gpu, const int *counts, int p, int driver);

/*
 * How many more instances of profile p fit: the largest k >= 0 such that counts plus k of p is
 * valid. Returns -1 when counts itself is not valid (or p is not a profile of the model).
 * gpv_mig_max_more(gpu, zeros, p, 0) is the most instances of p one GPU holds.
 */
int gpv_mig_max_more(const struct gpv_gpu *gpu, const int *counts, int p, int driver);

/*
 * Explains why counts is not valid on driver: writes up to cap reasons to out (out may be NULL
 * when cap is 0) and returns how many there are in total (0 = valid). Order: TOO_NEW, OVER_MAX,
 * CONSTRAINT (database order), then NO_PLACEMENT. The placement diagnosis ignores driver and
 * constraint rules and caps each count at its max, so each reason stands on its own: it takes
 * the profiles largest first (then fewest starts, then index), and reports each profile of
 * which fewer instances fit than were asked beside the larger ones already taken.
 */
int gpv_mig_explain(struct gpv_mig_reason *out, int cap, const struct gpv_gpu *gpu,
                    const int *counts, int driver);

/*
 * Validates an explicit placement (profile + start per instance, any order) as the hardware
 * would: every profile known, in the grid at an allowed start, no two instances overlapping,
 * and counts, constraints and driver rules as gpv_mig_place() applies them. Writes up to cap
 * reasons to out and returns how many there are in total (0 = valid). Order: per instance
 * (UNKNOWN, OUT_OF_GRID, BAD_START, OVERLAP with each earlier instance), then TOO_NEW, OVER_MAX,
 * CONSTRAINT. A layout with n outside 0..GPV_MIG_MAX_INSTANCES gives one OVER_MAX reason with
 * profile -1 and count n.
 */
int gpv_mig_check_layout(struct gpv_mig_reason *out, int cap, const struct gpv_gpu *gpu,
                         const struct gpv_mig_layout *layout, int driver);

/* Sets counts[0..nprofiles) to the instances per profile of layout (unknown profiles skipped). */
void gpv_mig_layout_counts(int *counts, const struct gpv_gpu *gpu,
                           const struct gpv_mig_layout *layout);

/*
 * A profile with at least the memory and the same media engines as profile p, available on
 * driver, that allows count instances on one GPU (its max >= count): the smallest such (fewest
 * units, then least memory, then lowest index). Returns its index, or -1 when there is none.
 */
int gpv_mig_alternative(const struct gpv_gpu *gpu, int p, int count, int driver);

/*
 * Sets order[0..nprofiles) to the profile indexes in the order gpv_mig_enumerate() takes them
 * (size descending, then compute slices descending, then index): the order layouts are written
 * in. A model without MIG leaves order untouched.
 */
void gpv_mig_size_order(int *order, const struct gpv_gpu *gpu);

/*
 * The most MIG instances one GPU of the model runs at once, from gpv_mig_enumerate() on the
 * newest driver (0 without MIG). When witness is not NULL it gets a layout of that many
 * instances, the one with the fewest distinct profiles (seven 1g.10gb rather than six and a
 * 1g.20gb); n = 0 without MIG.
 */
int gpv_mig_most_instances(struct gpv_mig_layout *witness, const struct gpv_gpu *gpu);

/*
 * Calls fn for every valid non-empty multiset of the model's profiles on driver, each once, with
 * its counts (nprofiles entries), a witness placement, and whether it is maximal (no instance of
 * any profile can be added). Both pointers are valid only during the call; a nonzero return
 * from fn stops the enumeration.
 * Order: profiles taken largest first (size, then compute slices descending, then index),
 * counts of the first one
 * from high to low, then the next: "7g.80gb" comes before "4g.40gb 3g.40gb", the smallest
 * layouts last. Returns 0 when every multiset was visited, or fn's nonzero value when it
 * stopped early. Cost: one placement search per multiset tried (the valid ones and their
 * one-step extensions); under 0.1 ms on the real 4-, 8- and 12-unit grids.
 */
int gpv_mig_enumerate(const struct gpv_gpu *gpu, int driver,
                      int (*fn)(void *ctx, const int *counts, const struct gpv_mig_layout *witness,
                                bool maximal),
                      void *ctx);

#endif
