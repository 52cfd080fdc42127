#ifndef GPUVPLAN_PACK_INT_H
#define GPUVPLAN_PACK_INT_H

/*
 * Private to src/pack*.c: the packer's working state, shared by the driver (pack.c) and the
 * engines, and the solution helpers (pack_sol.c) they append with. The engines' entry points
 * are in pack_engine.h; this header knows nothing of them.
 */

#include "gpuvplan/mig.h"
#include "gpuvplan/pack.h"

#include <stdbool.h>
#include <stddef.h>

/* The maximal MIG multisets of one model, from the MIG engine, computed once per pack. */
struct pk_mig_cache {
    bool ready;
    int nprof;
    size_t nmax;                    /* maximal multisets */
    int *counts;                    /* nmax x nprof */
    struct gpv_mig_layout *witness; /* nmax placements */
    int *alone;                     /* per profile: most instances of it on one GPU */
};

/* Everything one pack run shares. */
struct pk_ctx {
    const struct gpv_pack_problem *p;
    const int *asg;           /* per demand: the option in use, or -1 */
    struct pk_mig_cache *mig; /* per model entry */
    long bb_nodes;            /* node budget of one branch-and-bound run */
    long nodes;               /* nodes spent so far */
    long cut;                 /* searches stopped by bb_nodes so far (pk_mig_bb_cover) */
    long long instances;      /* instances of one whole plan, at most */
    long long trial_work;     /* instances whole-plan trials may still build (PACK_TRIAL_WORK) */
    struct pk_need *need;     /* pk_model_need's arrays, kept between its calls (NULL: none;
                                 pk_need_new(), pack_fleet.c) */
};

/* A plan under construction: GPUs, instances, per-model figures. */
struct pk_sol {
    struct gpv_pack_gpu *gpus;
    size_t ngpus, capg;
    struct gpv_pack_inst *insts;
    size_t ninsts, capi;
    int *used;     /* per model: GPUs */
    int *slots;    /* per model: GPUs counted against its limit (single-strategy nodes round
                      each profile's GPUs up to whole nodes); else as used */
    int *lb;       /* per model: lower bound */
    bool *optimal; /* per model: proven */
    int *plb;      /* per pool (model * NKINDS + kind, pack_driver.h): its engine's lower bound */
    bool *popt;    /* per pool: its engine proved its GPUs the fewest (true when empty) */
};

/* Appends a GPU with no instances yet; returns its index. */
size_t pk_sol_gpu(struct pk_sol *s, int model, enum gpv_pack_kind kind);

/* Appends an instance to the last GPU (there must be one: GPV_ASSERT). */
void pk_sol_inst(struct pk_sol *s, const struct gpv_pack_inst *in);

/* The option a demand uses (it must have one: GPV_ASSERT). */
const struct gpv_pack_option *pk_opt(const struct pk_ctx *c, int demand);

/* Replicas one instance of option o serves: its clients when it time-slices MIG instances,
 * else 1. */
int pk_clients(const struct gpv_pack_option *o);

/* Instances `replicas` replicas of option o take: ceil(replicas / pk_clients(o)). */
int pk_units(const struct gpv_pack_option *o, int replicas);

/* Sets the time-slicing fields of in, an instance of option o of a demand of `replicas`
 * replicas numbered as instances (in->replica = i): replicas i * clients on, its clients. A
 * bare instance is left as it is. */
void pk_inst_clients(struct gpv_pack_inst *in, const struct gpv_pack_option *o, int replicas);

/* Frees what s holds and empties it. */
void pk_sol_release(struct pk_sol *s);

/* Fills s->slots from s->gpus (pack_nodes.c): per model, the GPUs its limit must hold. */
void pk_count_slots(const struct gpv_pack_problem *p, struct pk_sol *s);

/* ---- the driver's fleet fitting (pack_fleet.c) and what it calls in pack.c ---------------- */

/* A new, empty memo for pk_model_need() (pack_driver.h), to be kept in pk_ctx.need for one
 * pack run and freed with pk_need_free(). Never NULL (allocation failure is fatal). */
struct pk_need *pk_need_new(void);

/* Frees what n holds and n itself (NULL: nothing). */
void pk_need_free(struct pk_need *n);

/*
 * Keeps to the fleet: moves demands off over-full models onto others with room, then leaves
 * the last demands of a still over-full model unplaced (the largest prefix that fits stays,
 * then later ones are tried one by one). asg is updated in place. Counts with
 * pk_model_need() (c->need, when not NULL, keeps its pools' packings); gives back the room
 * c->need's plan grew before it returns.
 */
void pk_fit_fleet(struct pk_ctx *c, int *asg);

/*
 * Packs the n demands items[] of pool (model, kind) into s with the engine of that kind
 * (pack_engine.h; the MIG pools of a `single` model one profile per GPU): new GPUs appended to
 * s, *lb the pool's lower bound, *opt whether its count is proven minimal. In pack.c.
 */
void pk_pack_pool(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
                  const int *items, size_t n, int *lb, bool *opt);

#endif
