#ifndef GPUVPLAN_INCR_INT_H
#define GPUVPLAN_INCR_INT_H

/*
 * Shared by the parts of incremental planning: incr.c (helpers, the driver gpv_incr_plan),
 * incr_read.c (reading CURRENT, a state's instances taken as they are), incr_fill.c (free units
 * of GPUs in use, the packer on unused GPUs), incr_result.c (draining, the result).
 */

#include "gpuvplan/incr.h"

#include <stdbool.h>
#include <stddef.h>

/* One instance while planning; demand -1 is an instance of a state nobody has taken yet. */
struct winst {
    int demand, replica, profile, vgpu_type, start, size, part;
    int option; /* the demand's option this replica uses (replicas may use several) */
    bool upgraded;
    int kept;    /* 0: on a GPU CURRENT did not use; 1: kept where CURRENT had it; 2: a state's
                    instance taken as it is; 3: added into free units of a GPU CURRENT used */
    int clients; /* an option with clients (time-sliced MIG instances): the replicas replica ..
                    replica + clients - 1 share it (>= 1); 0: one replica */
    int grown;   /* of clients: those added beside the ones kept (counted as added in place) */
};

/* One GPU while planning. */
struct wgpu {
    int model;        /* problem model entry */
    int kind;         /* enum gpv_pack_kind, or -1 while it holds nothing */
    int replicas;     /* TIME_SLICING, MPS: the device plugin's replicas; else 0 */
    int node;         /* index into the site's nodes, or -1 */
    int index;        /* on that node, or -1 */
    const char *name; /* CURRENT's id, or NULL for a GPU it did not list */
    bool drained;
    bool open; /* a state's MIG GPU: bare MIG or MIG-backed vGPU, whichever takes it first */
    size_t n, cap;
    struct winst *in;
};

/* Per tenant. */
struct dstate {
    int option;  /* the option new replicas use, -1 until one is chosen: the first kept one's */
    int *parts;  /* per replica: instances placed (WHOLE: GPUs; else 0 or 1) */
    int *ropt;   /* per replica: the option it uses, -1 while it has no instance */
    int left;    /* replicas not (completely) placed */
    char *moved; /* why it does not stay where it was, or NULL */
    char **why;  /* reasons it is unplaced, from the packer */
    size_t nwhy;
};

struct ctx {
    const struct gpv_plan_run *fresh;
    const struct gpv_pack_problem *p;
    const struct gpv_tenants *file;
    struct gpv_incr *out;
    size_t ng, gcap;
    struct wgpu *g;
    struct dstate *d;
    int *cursor;    /* per model * 4 kinds * GPV_MIG_MAX_PROFILES: first GPU worth trying */
    int **slot;     /* per site node, per index: the GPU there (index into g), or -1 */
    int *reps;      /* the block every d[].parts and d[].ropt live in */
    int *idle_from; /* per model, within one packer run (free_gpu): no GPU without a node before
                       it is free */
};

/* ---- helpers (incr.c) ---- */

/* A document's string as a message may quote it: s, or "(unprintable)". */
const char *incr_q(const char *s);
/* Option o of demand t. */
const struct gpv_pack_option *incr_opt_of(const struct ctx *c, int t, int o);
/* GPUs one replica of option op spans: whole GPUs, or a multi-vGPU replica's; else 1. */
int incr_parts_of(const struct gpv_pack_option *op);
/* GPUs replica r of demand t spans: those of its option, else of the demand's option (1 when
 * neither is chosen). */
int incr_need_of(const struct ctx *c, int t, int r);
/* Do the placed replicas of demand t use more than one option? */
bool incr_split(const struct ctx *c, int t);
/* The replicas demand t asks for. */
int incr_replicas_of(const struct ctx *c, int t);
/* Replicas instance x serves: its clients, else 1. */
int incr_reps(const struct winst *x);
/* Marks replica r of demand t placed on option o (one part of it). */
void incr_mark(struct ctx *c, int t, int r, int o);
/* Gives instance x (placed, of an option with clients) the unplaced replicas right after its
 * own, up to the option's clients; returns how many it took (each marked placed). */
int incr_grow_clients(struct ctx *c, struct winst *x);
/* Appends a copy of *x to w's instances. */
void incr_add_inst(struct wgpu *w, const struct winst *x);
/* A new empty GPU of problem model `model` at node/index (-1/-1: none), named name (may be
 * NULL); registered in c->slot. The pointer is valid until the next incr_new_gpu. */
struct wgpu *incr_new_gpu(struct ctx *c, int model, int node, int index, const char *name);
/* Adds note s to x (a copy) unless an equal note is there. */
void incr_note(struct gpv_incr *x, const char *s);
/* Records why demand t moved, taking why (freed if a reason is recorded already). */
void incr_moved(struct ctx *c, int t, char *why);
/* What option o gives, in words: "1g.20gb on h100-80gb", "2 whole l40s"; caller frees. */
char *incr_option_words(const struct ctx *c, const struct gpv_pack_option *o);

/* ---- step 1: reading CURRENT (incr_read.c) ---- */

/* Step 1: puts CURRENT's GPUs and the instances that still match a tenant's option into c. */
void incr_read_current(struct ctx *c, const struct gpv_diff_doc *cur);
/* Removes every instance of demand t from the GPUs; its replicas become unplaced. */
void incr_unpin(struct ctx *c, int t);
/* Counts what is placed; a multi-GPU replica with some of its GPUs missing is unpinned. */
void incr_settle(struct ctx *c);
/* Does w hold an instance of demand t? */
bool incr_holds(const struct wgpu *w, int t);
/* May replica of demand t go on w, as far as spreading goes? */
bool incr_spread_ok(const struct ctx *c, const struct wgpu *w, int t);
/* The first replica of demand t not completely placed, or -1. */
int incr_next_replica(const struct ctx *c, int t);
/* Step 1b: a state's MIG instances are taken as they are by replicas that need them. */
void incr_take_slots(struct ctx *c);

/* ---- steps 2 and 3: filling (incr_fill.c) ---- */

/* Does w hold any instance? */
bool incr_in_use(const struct wgpu *w);
/* Step 2a: the free clients of kept time-sliced MIG instances take replicas first. */
void incr_fill_clients(struct ctx *c);
/* Step 2: places unplaced replicas in the free units of GPUs in use. */
void incr_fill_in_place(struct ctx *c);
/* Frees the packer's reasons of ds. */
void incr_clear_why(struct dstate *ds);
/* Step 3: packs what is left onto GPUs nothing uses. 0, or gpv_pack's failure (err set). */
int incr_pack_rest(struct ctx *c, struct gpv_error *err);

/* ---- step 4 and the result (incr_result.c) ---- */

/* Replicas still unplaced, over every demand. */
int incr_left_total(const struct ctx *c);
/* Step 4: drains the GPU that disrupts the fewest replicas; false when none is drained. */
bool incr_drain_one(struct ctx *c);
/* Writes c's GPUs and instances into c->out->result (and its site). */
void incr_build_result(struct ctx *c);

#endif
