#ifndef GPUVPLAN_PLAN_CHECK_INT_H
#define GPUVPLAN_PLAN_CHECK_INT_H

/*
 * Private to the plan checker: plan_check.c (the plan as a whole, the GPUs, the tenants),
 * plan_check_tenant.c (the tenants' instances), plan_check_gpu.c (one GPU's layout) and
 * plan_check_sum.c (the summary, the policies). The plan passed the schema first (pl_schema(),
 * which requires everything pl_shape() checks), so every member read here is present with its
 * type.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Tenant names sorted for lookups. */
struct tname {
    const char *name;
    size_t idx;
};

/* Member v as a string, or NULL when absent (NULL) or not a string. */
static inline const char *
pc_str(const struct gpv_val *v)
{
    return v && v->type == GPV_V_STR ? v->s : NULL;
}

/* Member v as an integer, or dflt when absent (NULL) or not an integer. */
static inline long long
pc_int(const struct gpv_val *v, long long dflt)
{
    return v && v->type == GPV_V_INT ? v->i : dflt;
}

/* An instance's members, read once per GPU (pc_read_instances). */
struct xinfo {
    const char *tenant, *profile, *vgpu_type;      /* NULL: null or absent */
    long long replica, part, clients, start, size; /* absent: -1, 0, 0, -1, -1 */
    long t; /* its tenant's index in tenants[] (pc_tenant), -1 unknown */
};

/* An instance as check sees it: 48 bytes (56,575 of them on the bench's CURRENT). */
struct cinst {
    long long replica, part;
    long long clients;   /* a time-sliced MIG instance: the replicas replica .. replica + clients
                            - 1 share it; else 0 */
    const char *profile; /* its profile, NULL when null */
    int32_t tenant;      /* index into tenants[] (gpv_plan_check: fewer than INT32_MAX) */
    uint32_t gpu;        /* index into gi[] */
    uint32_t idx;        /* within the GPU: the instance is gi[gpu].ins->items[idx] (pc_cinst) */
};

/* A placed tenant's members, read once. */
struct tinfo {
    const struct gpv_val *v;
    const char *name, *method, *profile, *mig_profile;
    const char *model;         /* "gpu" as written */
    const struct gpv_gpu *gpu; /* the tenant's model, NULL when unknown */
    const struct gpv_val *cv;  /* compute as written */
    double compute;
    long long memory_mib, whole_gpus; /* -1 and 1 when absent */
    long long replicas, placed;       /* 0 and replicas when absent */
    const struct gpv_val *parts;      /* NULL when absent */
    const struct gpv_val *gpus;       /* the GPUs it lists */
    enum gpv_method meth;             /* method parsed, GPV_METHOD_NONE when it is none of them */
    bool spread;
};

/* A GPU's members, read once. */
struct ginfo {
    const char *id, *model, *mode, *vgpu_mode, *scheduler;
    enum gpv_method gmode; /* mode parsed (modes and methods share names), or GPV_METHOD_NONE */
    const struct gpv_val *ins;
    const struct gpv_val *replicas, *client_memory_mib; /* NULL when absent */
    const struct gpv_gpu *gpu;                          /* its model, NULL when unknown */
};

/* One check of one plan: the findings, the plan's parts, and the tables built on the way. */
#define PC_MEMO    8   /* model names remembered by pc_find */
#define PC_NAMES   256 /* profile and type names remembered by pc_profile, by address */
#define PC_METHODS 4   /* method and mode names remembered by pc_method, by address */

struct chk {
    struct gpv_plan_findings *out;
    size_t cap; /* of out->v */
    const struct gpv_db *db;
    const struct gpv_plan_policy *pol;
    const struct gpv_val *sum, *tenants, *gpus, *unplaced;
    size_t nt, ng;
    struct tinfo *ti;  /* placed tenants in plan order */
    struct ginfo *gi;  /* GPUs in plan order */
    uint32_t *tidx;    /* hash table of ti[] by name: index + 1, 0 empty (pc_tenant) */
    uint32_t *taddr;   /* the same entries by the address of the name */
    size_t capidx;     /* of both */
    struct cinst *ci;  /* instances of known tenants, in plan order */
    struct cinst *run; /* pc_check_instances: the tenant's being checked, by replica, part */
    size_t nci, capci; /* capci: every instance of the plan, counted before they are read */
    long long mem_total, mem_alloc; /* MiB of the GPUs and allocated on them */
    size_t both;                    /* tenants partly placed: in tenants and in unplaced */
    double cost;                    /* per hour, recomputed from the GPUs; < 0 unknown */
    struct method_memo { /* the last method and mode names parsed (pc_method), by address */
        const char *name;
        enum gpv_method m;
    } methods[PC_METHODS];
    size_t next_method;
    struct model_memo { /* the last model names resolved, and their models */
        const char *name;
        const struct gpv_gpu *gpu;
    } memo[PC_MEMO];
    size_t nmemo, next_memo;
    struct gpv_val_cache cache;      /* member positions, for pc_get */
    struct gpv_db_cache names_cache; /* MIG profiles and vGPU types by name */
    struct name_memo {               /* and by the address of the name (pc_profile) */
        const struct gpv_gpu *gpu;
        const char *name;
        bool vgpu;
        int idx;
    } names[PC_NAMES];
    struct xinfo *xi; /* the instances of the GPU being checked */
    size_t capxi;
    struct gpv_val_rows xrows; /* where an instance's members are */
};

/* Adds a finding: where ("gpu 'h100-80gb-2'", "summary") and a printf-style what. */
void pc_fail(struct chk *c, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * Member k of object o, or NULL when absent (gpv_val_get through the check's cache: k must be a
 * string literal).
 */
const struct gpv_val *pc_get(struct chk *c, const struct gpv_val *o, const char *k);

/* Member k of object o as a string, or NULL when absent or not a string (k as for pc_get). */
const char *pc_sget(struct chk *c, const struct gpv_val *o, const char *k);

/* The instance run[k] stands for (a member of its GPU's instances). */
static inline const struct gpv_val *
pc_cinst(const struct chk *c, size_t k)
{
    return c->gi[c->run[k].gpu].ins->items[c->run[k].idx];
}

/* Member k of object o as an integer, or dflt when absent or not an integer (k as for pc_get). */
long long pc_iget(struct chk *c, const struct gpv_val *o, const char *k, long long dflt);

/*
 * The model called name (gpv_db_find), or NULL: the same answer for the same name, without
 * searching the database again for one of the last few names asked. name is only borrowed for
 * as long as the check runs (it points into the plan being checked).
 */
const struct gpv_gpu *pc_find(struct chk *c, const char *name);

/*
 * The index of MIG profile (vgpu false) or vGPU type (vgpu true) name of gpu, or -1: what
 * gpv_gpu_find_profile_cached or gpv_gpu_find_vgpu_type_cached answer, remembered by the
 * address of name (the JSON reader gives equal strings one node). name is not NULL and is only
 * borrowed for as long as the check runs.
 */
int pc_profile(struct chk *c, const struct gpv_gpu *gpu, const char *name, bool vgpu);

/*
 * The method (or GPU mode) called s, or GPV_METHOD_NONE when none is (s may be NULL); s is
 * only borrowed for as long as the check runs (the last few are remembered by address).
 */
enum gpv_method pc_method(struct chk *c, const char *s);

/* The index in tenants[] of the first placed tenant called name, or -1 (name may be NULL). */
long pc_tenant(const struct chk *c, const char *name);

/* qsort's order of strings (elements are const char *): strcmp's. */
int pc_str_cmp(const void *a, const void *b);

/* where = prefix + name + "'", cut to size as snprintf would (without its cost per GPU). */
static inline void
pc_where(char *where, size_t size, const char *prefix, const char *name)
{
    size_t a = strlen(prefix), b = strlen(name);

    GPV_ASSERT(size > a);
    memcpy(where, prefix, a);
    if (b > size - 1 - a)
        b = size - 1 - a;
    memcpy(where + a, name, b);
    if (a + b + 1 < size) {
        where[a + b] = '\'';
        where[a + b + 1] = '\0';
    } else {
        where[a + b] = '\0';
    }
}

/*
 * Checks every placed tenant through the instances collected from the GPUs (c->ci, left in plan
 * order; each tenant's gathered into c->run and sorted there): each instance on its tenant's
 * model and method, fits, every replica once, spread tenants on distinct GPUs, the GPUs each
 * tenant lists.
 */
void pc_check_instances(struct chk *c);

/*
 * Reads the members of GPU g's instances into c->xi[0 .. number of instances), each with its
 * tenant's index (the tenants are indexed first).
 */
void pc_read_instances(struct chk *c, const struct ginfo *g);

/*
 * Checks one MIG (vgpu false) or MIG-backed vGPU (vgpu true) GPU of model gpu whose instances
 * are xi[0..n): profiles, sizes, starts, vGPU types, then the layout through the MIG engine.
 */
void pc_check_mig_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu,
                      const struct xinfo *xi, size_t n, bool vgpu);

/*
 * Checks one time-sliced vGPU GPU g of model gpu whose instances are xi[0 .. g->ins->n): types,
 * sizes, placement ids, the mode's rules, and the stated scheduler against each resident
 * tenant's compute.
 */
void pc_check_vgpu_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu,
                       const struct ginfo *g, const struct xinfo *xi);

/*
 * Checks one GPU g of model gpu, whose instances are xi[0 .. g->ins->n), shared through the
 * k8s device plugin (mps true: MPS, else time-slicing): replicas within the plugin's bounds,
 * clients no more than replicas with distinct indexes, and each resident's memory and compute
 * within 1/replicas (MPS) or all of them within the GPU (time-slicing, as planning headroom).
 * Adds the memory set aside to c->mem_alloc.
 */
void pc_check_share_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu,
                        const struct ginfo *g, const struct xinfo *xi, bool mps);

/* The summary's counts (gpus_used, placed, unplaced, tenants) agree with the plan. */
void pc_check_summary(struct chk *c);

/*
 * summary.models against the GPUs: each model's count, bound and optimality, and the totals,
 * gap and cost recomputed from them; c->cost is the recomputed cost, < 0 when unknown.
 */
void pc_check_models(struct chk *c);

/* The policies on the whole plan (c->pol): GPUs, gap, optimality, cost, utilisation. */
void pc_check_policies(struct chk *c);

#endif
