#ifndef GPUVPLAN_PACK_MIG_INT_H
#define GPUVPLAN_PACK_MIG_INT_H

/*
 * Private to src/pack_mig*.c: a MIG pool and what its files lend each other. pack_mig.c builds
 * the pool and bounds it, pack_mig_pat.c generates its use-patterns, pack_mig_cover.c covers
 * its counts with them, and pack_mig_place.c turns a cover (or first fit) into placed GPUs.
 * docs/plan.md explains the method.
 */

#include "pack_int.h"

#include <stdbool.h>
#include <stddef.h>

/* A use-pattern: one GPU laid out as a maximal multiset, each slot serving a class. */
struct pk_mpat {
    int *u;     /* per class: slots serving it */
    int *alloc; /* nprof x nd: slots of profile q serving class k */
    int base;   /* index of the maximal multiset */
    int upg;    /* slots serving a smaller class */
    int sum;
    int nd;
    int idx; /* generation order: the last tie-break, so any qsort gives the same order */
};

/* A pool: one model's MIG (or MIG-backed vGPU) demands, their classes, patterns and bounds. */
struct pk_mpool {
    const struct gpv_gpu *gpu;
    struct pk_mig_cache *mc;
    int nprof, nd;
    int *cls;       /* per profile: its class, or -1 */
    int *dprof;     /* per class: its profile (classes sorted by size desc, then index) */
    int *d;         /* per class: instances wanted */
    bool *sv;       /* nprof x nd: profile q may serve class k */
    int spread_max; /* most replicas of one spread demand */
    /* use-patterns */
    int np;
    struct pk_mpat *pat;
    int *ubuf, *abuf; /* storage of u and alloc */
    bool complete;    /* every non-dominated use-pattern is in pat (no cap hit) */
    /* bounds: nw weightings of the classes, each scaled so a GPU is worth at most 1 */
    int nw;
    double *w;
    double *gfrac; /* per class: fraction of a GPU one instance takes, for greedy scores */
};

/* A cover of a pool's counts: runs of (pattern, copies), one GPU per copy. */
struct pk_cover {
    int n; /* runs */
    int cap;
    int *pat;
    int *copies;
    int gpus;
};

/* The maximal MIG multisets of model entry `model`, enumerated by the MIG engine at the first
 * call and kept in c->mig until pk_mig_cache_release(). */
struct pk_mig_cache *pk_mig_cache_get(struct pk_ctx *c, int model);

/* The pool's best lower bound (over its weightings) on the GPUs that cover residual counts r. */
int pk_mig_bound_of(const struct pk_mpool *m, const int *r);

/* True when big[k] >= small[k] for every class k < nd. */
bool pk_mig_covers(const int *big, const int *small, int nd);

/*
 * Fills m->pat (m->np entries) with the pool's non-dominated use-patterns, at most
 * PACK_MAX_PATTERNS of them; sets m->complete when no cap was hit. m->sv must be set.
 */
void pk_mig_gen_patterns(struct pk_mpool *m);

/* Appends `copies` (<= 0: nothing) of pattern pat to cv, merging with its last run. */
void pk_cover_add(struct pk_cover *cv, int pat, int copies);

/* Frees what cv holds and empties it. */
void pk_cover_release(struct pk_cover *cv);

/* Covers the residual counts r greedily, appending to cv; r is consumed (left all zero). */
void pk_mig_greedy_cover(const struct pk_mpool *m, int *r, struct pk_cover *cv);

/*
 * Branch and bound for a cover of r with fewer than `incumbent` GPUs, stopping early at
 * `floor` (a lower bound) or after c->bb_nodes nodes (counted into c->nodes). Returns the GPUs
 * of the best cover found; when below incumbent, *out (to be released by the caller) holds it,
 * else *out is untouched. *proven: the search finished within its budget.
 */
int pk_mig_bb_cover(struct pk_ctx *c, const struct pk_mpool *m, const int *r, int incumbent,
                    int floor, struct pk_cover *out, bool *proven);

/*
 * Appends the GPUs of cover cv to s, with every replica of the demands items[0..n) of `model`
 * placed on a slot of its class. Returns the GPUs added.
 */
int pk_mig_materialise(struct pk_ctx *c, struct pk_sol *s, const struct pk_mpool *m,
                       const struct pk_cover *cv, int model, enum gpv_pack_kind kind,
                       const int *items, size_t n);

/*
 * The first-fit strategy: every replica of items[0..n), in input order, on the first GPU it
 * adds to s that takes one more instance of its profile (a spread demand's replicas on
 * distinct GPUs). Returns the GPUs added.
 */
int pk_mig_first_fit(struct pk_ctx *c, struct pk_sol *s, const struct pk_mpool *m, int model,
                     enum gpv_pack_kind kind, const int *items, size_t n);

#endif
