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

/* Frees the MIG caches of c. */
void pk_mig_cache_release(struct pk_ctx *c);

/* Fraction of one GPU a replica of option o takes (for choosing models): >= 0. */
double pk_mig_fraction(struct pk_ctx *c, const struct gpv_pack_option *o);

#endif
