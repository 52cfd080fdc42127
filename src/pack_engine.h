#ifndef GPUVPLAN_PACK_ENGINE_H
#define GPUVPLAN_PACK_ENGINE_H

/*
 * Private to src/pack*.c: the engines' entry points, called by the driver (pack.c) and defined
 * in pack_mig.c and pack_vgpu.c. The engines never call the driver.
 */

#include "pack_int.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Pool packers: each packs the demands items[0..n) (all using an option of `model` of the
 * pool's kind) onto new GPUs appended to s, and returns through *lb and *optimal the pool's
 * lower bound and whether its count is proven minimal. The strategy is c->p->strategy.
 */
void pk_pack_mig(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
                 const int *items, size_t n, int *lb, bool *optimal);
void pk_pack_vgpu(struct pk_ctx *c, struct pk_sol *s, int model, const int *items, size_t n,
                  int *lb, bool *optimal);
void pk_pack_whole(struct pk_ctx *c, struct pk_sol *s, int model, const int *items, size_t n,
                   int *lb, bool *optimal);

/*
 * The MIG pool of a model with the `single` strategy (pack_nodes.c): the demands items[0..n)
 * packed one MIG profile at a time, without upgrades, so that every GPU holds one profile.
 * Same contract as pk_pack_mig().
 */
void pk_pack_single(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
                    const int *items, size_t n, int *lb, bool *optimal);

/*
 * The pool of a model shared through the k8s device plugin (pack_share.c), kind TIME_SLICING
 * or MPS: every GPU gets the same replicas (gpv_pack_gpu.replicas). Same contract as
 * pk_pack_mig().
 */
void pk_pack_share(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
                   const int *items, size_t n, int *lb, bool *optimal);

/* The most clients like one replica of demand d under option o (TIME_SLICING or MPS) one GPU
 * of its model carries: by memory and compute, at most the plugin's (MPS) or the planner's
 * (time-slicing) limit; under 2 MPS cannot serve it. */
int pk_share_cap(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o);

/* Share of one GPU a client of demand d under option o takes (for choosing models and for the
 * bound over every choice): MPS 1 / its replicas; time-slicing its memory or compute share,
 * at least 1 / the most replicas. What one GPU holds weighs at most 1. */
double pk_share_weight(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o);

/* Frees the MIG caches of c. */
void pk_mig_cache_release(struct pk_ctx *c);

/* Fraction of one GPU a replica of option o takes (for choosing models): >= 0. */
double pk_mig_fraction(struct pk_ctx *c, const struct gpv_pack_option *o);

#endif
