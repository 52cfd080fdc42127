#ifndef GPUVPLAN_PACK_VGPU_INT_H
#define GPUVPLAN_PACK_VGPU_INT_H

/* Private to src/pack_vgpu*.c: what the vGPU engine (pack_vgpu.c) shares with its mixed-size
 * packer (pack_vgpu_mixed.c). */

#include "pack_int.h"

#include <stdbool.h>
#include <stddef.h>

/* A demand of a vGPU pool with what packing needs of its type. */
struct vitem {
    long long fb;
    int demand;
    int type;
    int limit; /* most residents on a GPU holding it */
    int fam;
    int size;     /* GB */
    int replicas; /* the demand's, and whether it is spread: sorts read them here */
    bool spread;
};

/* One replica on one GPU (bin) of the pool, with its type and placement id. */
struct vrec {
    int bin, demand, replica, type, placement;
};

/* A growing list of records. */
struct vrecs {
    struct vrec *v;
    size_t n, cap;
};

/* The vGPU type t of the model. */
const struct gpv_vgpu_type *pk_vgpu_type(const struct pk_ctx *c, int model, int t);

/* Series family of a type: 0 for C-series (alone on a GPU), 1 for A, B and Q (together). */
int pk_vgpu_family(const struct gpv_vgpu_type *t);

/* Appends a record to r. */
void pk_vrec_add(struct vrecs *r, int bin, int demand, int replica, int type, int placement);

/*
 * Appends the non-empty bins among 0..nbins-1 to s as GPUs of `model` holding the records of r
 * (in placement order in mixed-size mode). Returns the GPUs appended.
 */
int pk_vgpu_emit_bins(struct pk_ctx *c, struct pk_sol *s, int model, bool mixed,
                      const struct vrecs *r, int nbins);

/*
 * Packs the items v[0..n) (sorted in place) of a mixed-size pool onto new GPUs in s. Returns
 * the GPUs added; *lb is the pool's lower bound.
 */
int pk_vgpu_pack_mixed(struct pk_ctx *c, struct pk_sol *s, int model, struct vitem *v, size_t n,
                       int *lb);

#endif
