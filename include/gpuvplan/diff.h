#ifndef GPUVPLAN_DIFF_H
#define GPUVPLAN_DIFF_H

/*
 * What changes between two plans or states (`gpuvplan diff`, docs/diff.md): per GPU (matched
 * by node + index, or by id when a GPU has no node) whether it stays, is added, removed,
 * reconfigured (its MIG layout or vGPU type set changes: every tenant on it is drained) or
 * changed in place (free slots taken or released, every other instance untouched); per tenant
 * whether it stays, moves, is new or removed; and the summary an operator signs off: GPUs to
 * drain, tenants disrupted, cost before and after.
 *
 * The documents are value trees as `check` and `state` read them (plan "gpuvplan.plan/1",
 * state "gpuvplan.state/1"). Pure: no printing, no file access. The results point into the
 * documents they were read from: keep the documents alive while the results are used.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stddef.h>

/* One instance on a GPU, as a plan or state states it. */
struct gpv_diff_inst {
    const char *profile;   /* MIG profile (mig, mig-vgpu, state) or vGPU type (vgpu) */
    const char *vgpu_type; /* mig-vgpu: the vGPU type on the instance; else NULL */
    int start;             /* MIG start unit, mixed-size vGPU placement id; -1 when unknown */
    int size;              /* MIG units; vGPU frame buffer (GB); 0 for a whole GPU */
    const char *tenant;    /* NULL in a state */
    int replica;           /* -1 in a state */
    int clients;           /* plan, a MIG instance time-sliced by the device plugin: the replicas
                              replica .. replica + clients - 1 share it; else 0 */
    int ts_replicas;       /* with clients: the device plugin's replicas of the instance; else 0 */
};

/* One GPU of a document. */
struct gpv_diff_gpu {
    const char *id;
    const char *node; /* NULL when the GPU has no node */
    int index;        /* -1 without a node */
    const char *model;
    const char *mode;  /* plan: mig, mig-vgpu, vgpu, passthrough, time-slicing, mps; state: mig,
                          whole */
    bool starts_known; /* false: a state's counts-only (mig-parted) or unknown instances */
    size_t ninsts;
    struct gpv_diff_inst *insts;
    int replicas; /* time-slicing, mps: the device plugin's replicas (a change of them
                     reconfigures the GPU); else 0 */
};

/* A plan or a state, read for comparison. */
struct gpv_diff_doc {
    bool state; /* a state document (no tenants) */
    const char *name;
    size_t ngpus;
    struct gpv_diff_gpu *gpus; /* in document order */
    double cost;               /* plan: summary.cost.per_hour; < 0 unknown (and every state) */
    size_t ntenants;           /* plan: tenants[] names (placed or not), in document order */
    const char **tenants;
};

/* Zeroes d. No allocation. */
void gpv_diff_doc_init(struct gpv_diff_doc *d);

/* Frees the contents of d and zeroes it. NULL-safe. */
void gpv_diff_doc_release(struct gpv_diff_doc *d);

/*
 * Reads doc (a parsed plan or state; name is its file, for messages) into *out after
 * validating it: a plan as `check` validates it (gpv_plan_check() without policies; unplaced
 * tenants are allowed), a state by its schema (docs/state.md) against the database: known
 * models and profiles, sizes matching the profiles, exact MIG layouts accepted by the MIG
 * engine, GPU ids unique. Returns 0, or GPV_EINPUT with err naming the file and what is wrong
 * (the first failed check); *out is then empty. Initialise *out first.
 */
int gpv_diff_doc_read(struct gpv_diff_doc *out, const struct gpv_val *doc, const struct gpv_db *db,
                      const char *name, struct gpv_error *err);

/* What happens to one GPU. */
enum gpv_diff_gpu_change {
    GPV_DIFF_SAME,         /* nothing changes */
    GPV_DIFF_IN_PLACE,     /* slots taken or released; the other instances untouched */
    GPV_DIFF_RECONFIGURED, /* layout, mode or vGPU type set changes: drained */
    GPV_DIFF_ADDED,        /* used only in NEW */
    GPV_DIFF_REMOVED,      /* used only in OLD: its tenants leave it */
};

/* "same", "in-place", "reconfigured", "added", "removed". */
const char *gpv_diff_gpu_change_name(enum gpv_diff_gpu_change c);

/* The plan tools' one-character marker of a GPU change: "+" added, "-" removed, "~" changed in
 * place, "!" reconfigured; same (unchanged) for a GPU that stays as it was. */
const char *gpv_diff_gpu_mark(enum gpv_diff_gpu_change c, const char *same);

/* What happens to one tenant (both documents plans). */
enum gpv_diff_tenant_change {
    GPV_DIFF_STAYS, /* every replica where it was */
    GPV_DIFF_MOVES, /* some replica on another GPU or instance */
    GPV_DIFF_NEW,   /* placed only in NEW */
    GPV_DIFF_GONE,  /* placed only in OLD */
};

/* "stays", "moves", "new", "removed". */
const char *gpv_diff_tenant_change_name(enum gpv_diff_tenant_change c);

struct gpv_diff_gpu_row {
    char *id; /* the identity both sides share (node/index, or the id) */
    const char *model;
    enum gpv_diff_gpu_change change;
    const struct gpv_diff_gpu *old; /* NULL: not in OLD (or unused there) */
    const struct gpv_diff_gpu *new; /* NULL: not in NEW (or unused there) */
    char *before, *after;           /* layouts in words: "mig 1g.10gb@0 3g.40gb@4", "unused" */
    int destroyed;                  /* instances of OLD that do not survive on this GPU */
};

struct gpv_diff_tenant_row {
    const char *name;
    enum gpv_diff_tenant_change change;
    char *from, *to; /* where its replicas are: "hgx-01/1 1g.20gb@0", "-" when unplaced */
    bool disrupted;  /* an instance of it is destroyed (moves, removed, on a drained GPU) */
};

struct gpv_diff {
    bool old_state, new_state;
    size_t ngpus;
    struct gpv_diff_gpu_row *gpus; /* by node, then index (GPUs without nodes by id) */
    size_t ntenants;
    struct gpv_diff_tenant_row *tenants; /* by name; empty unless both are plans */
    int same, in_place, reconfigured, added, removed;
    int drain;              /* GPUs to drain: reconfigured, and removed ones that ran something */
    int disrupted;          /* tenants disrupted (plans), or instances destroyed (a state) */
    int destroyed;          /* instances destroyed */
    int gpus_old, gpus_new; /* GPUs used on each side */
    double cost_old, cost_new; /* per hour; < 0 unknown */
    size_t nnotes;
    char **notes; /* what the comparison could not see, one line each */
};

/*
 * Compares old with new into *out (release it with gpv_diff_release()). A GPU a plan does not
 * list is unused; a state's `whole` GPU without instances matches an unused, passthrough or
 * time-sliced vGPU GPU of a plan (nvidia-smi shows neither), with a note. Returns the number of
 * changes (GPUs not `same` plus tenants not `stays`): 0 means no change.
 */
size_t gpv_diff_compare(struct gpv_diff *out, const struct gpv_diff_doc *old,
                        const struct gpv_diff_doc *new);

/* Frees the contents of d and zeroes it. NULL-safe. */
void gpv_diff_release(struct gpv_diff *d);

/*
 * The comparison as a value tree ({"schema": "gpuvplan.diff/1", "old", "new", "changes",
 * "summary", "gpus", "tenants", "notes"}, docs/diff.md). The caller frees it.
 */
struct gpv_val *gpv_diff_build(const struct gpv_diff *d, const char *old_name,
                               const char *new_name);

#endif
