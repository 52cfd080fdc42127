#ifndef GPUVPLAN_VGPU_H
#define GPUVPLAN_VGPU_H

/*
 * Time-sliced vGPU rules: which vGPUs may share one physical GPU, in equal-size mode (one frame
 * buffer size per GPU, up to the type's maximum) and in mixed-size mode (sizes mixed, each vGPU
 * at one of its type's placement ids), and which scheduler a GPU needs so that every resident's
 * guaranteed compute share holds.
 *
 * Pure: no printing, no file access. Types are indices into gpu->vgpu->types.
 *
 * Conventions taken where the sources are silent (docs/plan.md, "vGPU rules"):
 * - Series. NVIDIA states that A-, B- and Q-series vGPUs may share a GPU; it never names C.
 *   Here a C-series vGPU shares a GPU only with other C-series vGPUs.
 * - Mixed-size occupancy. A vGPU of size s GB placed at id p occupies [p, p + s); placements
 *   may not overlap. A type without placement ids cannot be used in mixed-size mode.
 * - Schedulers. Best effort guarantees nothing; equal share gives each resident 1 / residents;
 *   fixed share gives each resident 1 / (its type's equal-size max) and is not available in
 *   mixed-size mode. MIG-backed types are not time-sliced and never go through these rules.
 */

#include "gpuvplan/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Time-sliced vGPU schedulers. */
enum gpv_sched {
    GPV_SCHED_BEST_EFFORT, /* the default; no guaranteed share */
    GPV_SCHED_EQUAL_SHARE, /* 1 / resident vGPUs each */
    GPV_SCHED_FIXED_SHARE, /* 1 / max of the type each; equal-size mode only */
};

/* Returns "best-effort", "equal-share" or "fixed-share". */
const char *gpv_sched_name(enum gpv_sched s);

/* Parses one of the names gpv_sched_name() returns. Returns false for anything else. */
bool gpv_sched_parse(enum gpv_sched *out, const char *name);

/* A compute request this close to a share still counts as met (0.25 vs 1/4 in floating point). */
#define GPV_VGPU_SHARE_EPS 1e-9

/* One vGPU on a GPU: its type, the compute share it needs (0: none), its placement id. */
struct gpv_vgpu_resident {
    int type;       /* index into gpu->vgpu->types */
    double compute; /* guaranteed share of the whole GPU asked for, in [0, 1]; 0 = none */
    int placement;  /* mixed-size mode: placement id in GB; -1 = not placed (equal-size) */
};

/* True when a vGPU of series a and one of series b may reside on one GPU (see above). */
bool gpv_vgpu_series_compatible(enum gpv_series a, enum gpv_series b);

/* True when the type is time-sliced (not MIG-backed). */
bool gpv_vgpu_time_sliced(const struct gpv_vgpu_type *t);

/*
 * The share of the GPU's cycles each resident of type t is guaranteed under scheduler s with
 * `residents` vGPUs on the GPU: 0 under best effort, 1 / residents under equal share,
 * 1 / t->max under fixed share.
 */
double gpv_vgpu_share(enum gpv_sched s, const struct gpv_vgpu_type *t, int residents);

/*
 * The most vGPUs a GPU may hold when one of them is of type t and needs a share `compute`:
 * t's max (t->max_mixed in mixed-size mode) when compute is 0 or fixed share covers it,
 * otherwise floor(1 / compute) under equal share (never above the max). Returns 0 when no
 * scheduler can give that share (compute above 1, or in mixed-size mode a type with no
 * mixed-size max).
 */
int gpv_vgpu_limit(const struct gpv_vgpu_type *t, bool mixed, double compute);

/*
 * The most vGPUs a GPU may hold in all when one of them needs a share `compute` under equal
 * share: floor(1 / compute); INT_MAX when compute is 0 (no limit from it); 0 when compute is
 * above 1. In mixed-size mode this, not the type's max, caps the residents of other types.
 */
int gpv_vgpu_equal_share_cap(double compute);

/* Result of checking one GPU. */
struct gpv_vgpu_verdict {
    bool ok;
    enum gpv_sched sched; /* when ok: the scheduler the GPU needs (best effort if none asks) */
    int bad;              /* index of the resident the problem concerns, or -1 */
    int other;            /* a second resident (overlaps, mixing), or -1 */
    char reason[256];     /* when not ok: what is wrong, lowercase, no full stop */
};

/*
 * Chooses the scheduler for n residents: best effort when none asks for compute; fixed share
 * when every request is at most 1 / max of its type (equal-size mode only); equal share when
 * every request is at most 1 / n. Returns false when none works, with out->reason and out->bad
 * set; true with out->sched set otherwise. out->ok mirrors the return value.
 */
bool gpv_vgpu_scheduler(struct gpv_vgpu_verdict *out, const struct gpv_gpu *gpu, bool mixed,
                        const struct gpv_vgpu_resident *r, size_t n);

/*
 * Checks n residents on one GPU in equal-size mode: every type time-sliced, one frame-buffer
 * size, compatible series, at most the max of every type present, and a scheduler that meets
 * every compute request. Placements are ignored. Returns true (out->sched set) or false with
 * out->reason. A GPU model without vGPU support fails.
 */
bool gpv_vgpu_check_equal(struct gpv_vgpu_verdict *out, const struct gpv_gpu *gpu,
                          const struct gpv_vgpu_resident *r, size_t n);

/*
 * Checks n placed residents on one GPU in mixed-size mode: the model supports mixed-size mode,
 * every type is time-sliced with a mixed-size max and placement ids, each placement is one of
 * its type's ids, no two placements overlap, at most max_mixed of each type, compatible series,
 * and a scheduler (best effort or equal share) that meets every compute request.
 */
bool gpv_vgpu_check_mixed(struct gpv_vgpu_verdict *out, const struct gpv_gpu *gpu,
                          const struct gpv_vgpu_resident *r, size_t n);

/* The frame buffer region of a model in mixed-size mode, in GB (memory_mib / 1024, rounded). */
int gpv_vgpu_region_gb(const struct gpv_gpu *gpu);

#define GPV_VGPU_REGION_MAX 512 /* mixed-size regions larger than this many GB are refused */

/* Occupied GB of one GPU in mixed-size mode, for packers. Zero-initialise, then set gb. */
struct gpv_vgpu_region {
    int gb;
    uint64_t used[GPV_VGPU_REGION_MAX / 64];
};

/* True when [start, start + size) is inside the region and free. */
bool gpv_vgpu_region_free(const struct gpv_vgpu_region *reg, int start, int size);

/* Marks [start, start + size) used. The caller has checked it is free. */
void gpv_vgpu_region_take(struct gpv_vgpu_region *reg, int start, int size);

/* The lowest placement id of type t that is free in reg, or -1 when there is none. */
int gpv_vgpu_region_fit(const struct gpv_vgpu_region *reg, const struct gpv_vgpu_type *t);

/*
 * Finds placement ids for n residents in mixed-size mode (their placement fields are ignored
 * on entry) so that none overlap: a search, not a greedy guess, bounded by an internal node
 * budget. Returns true and fills every r[i].placement, or false (placements set to -1) when
 * there is no placement or the budget ran out. Counts, series and schedulers are not checked.
 */
bool gpv_vgpu_mixed_place(const struct gpv_gpu *gpu, struct gpv_vgpu_resident *r, size_t n);

#endif
