#ifndef GPUVPLAN_INCR_H
#define GPUVPLAN_INCR_H

/*
 * Incremental planning (`recommend --from CURRENT`, docs/incremental.md): a plan for the
 * tenants that starts from what the fleet runs now (a plan or a state) and changes as little as
 * it can. In order:
 *   1. keep: every replica that CURRENT already places where one of its options would put it
 *      (same GPU, same instance) stays, pinned; from a state, whose instances have no tenant,
 *      an existing instance of the profile a tenant needs is taken as it is;
 *   2. in place: replicas left go into free units of GPUs in use, without moving an instance
 *      (MIG through gpv_mig_place_fixed(); equal-size vGPU GPUs of the same type);
 *   3. unused GPUs: the rest are packed by the packer (gpv_pack) onto the GPUs nothing uses;
 *   4. reconfigure: while replicas are still unplaced and fewer than max_reconfigure GPUs are
 *      drained, the in-use GPU with the fewest instances of a model they can use is drained and
 *      step 3 runs again with its tenants.
 * Instances of CURRENT nobody keeps are released. Deterministic: the same inputs give the same
 * result.
 *
 * Pure: no printing, no file access.
 */

#include "gpuvplan/diff.h"
#include "gpuvplan/error.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stddef.h>

/* A tenant that does not stay where CURRENT had it, and why. */
struct gpv_incr_move {
    int tenant;   /* index into the tenants file */
    char *reason; /* lowercase, no full stop */
};

struct gpv_incr {
    struct gpv_pack_result result; /* the plan, in the fresh run's problem */
    struct gpv_site site;          /* node and index of each GPU of result */
    int kept;                      /* replicas kept where CURRENT had them */
    int slots_taken;               /* of those, existing instances of a state taken as they are */
    int added_in_place;            /* replicas put into free units of GPUs in use */
    int on_unused;                 /* replicas packed onto GPUs CURRENT did not use */
    int reconfigured;              /* GPUs drained to make room */
    int max_reconfigure;           /* the bound given; -1: none */
    int fresh_gpus;                /* GPUs the fresh plan uses */
    size_t nmoves;
    struct gpv_incr_move *moves; /* by tenant */
    size_t nnotes;
    char **notes; /* what was assumed or ignored, one line each */
};

/*
 * Plans file's tenants from cur. fresh is the fresh plan of the same job (gpv_plan_run()): its
 * decisions, problem and result are used (options per tenant; the fresh choice for tenants
 * CURRENT does not place). max_reconfigure bounds the GPUs drained (-1: no bound).
 * On success returns 0 with *out holding a result that gpv_plan_write_*() can write in place of
 * fresh's (see gpv_incr_run()); release it with gpv_incr_release(). A time-sliced MIG
 * instance of cur stays with its clients (those still replicas of its tenant), and its free
 * clients take the tenant's new replicas before any new instance does. Returns GPV_EINPUT when
 * the packer rejects the remainder problem, with err filled; *out is then empty.
 */
int gpv_incr_plan(struct gpv_incr *out, const struct gpv_plan_run *fresh,
                  const struct gpv_tenants *file, const struct gpv_diff_doc *cur,
                  int max_reconfigure, struct gpv_error *err);

/*
 * A plan run that is fresh with its result and site replaced by x's (a shallow copy: it owns
 * nothing; release fresh and x, never *out).
 */
void gpv_incr_run(struct gpv_plan_run *out, const struct gpv_plan_run *fresh,
                  const struct gpv_incr *x);

/*
 * The "incremental" member of the plan: {"from", "kept", "slots_taken", "added_in_place",
 * "on_unused_gpus", "gpus_reconfigured", "max_reconfigure", "fresh_plan_gpus", "gpus_used",
 * "moved": [{"tenant", "reason"}], "notes"}. The caller frees it.
 */
struct gpv_val *gpv_incr_build(const struct gpv_incr *x, const struct gpv_tenants *file,
                               const char *from);

/* Frees the contents of x and zeroes it. NULL-safe. */
void gpv_incr_release(struct gpv_incr *x);

#endif
