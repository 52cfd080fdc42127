/*
 * Plans: `check`'s re-validation of a plan file against the database: the plan as a whole, its
 * tenants and GPUs (each GPU's layout is plan_check_gpu.c's, the tenants' instances
 * plan_check_tenant.c's, the summary and policies plan_check_sum.c's).
 */
#include "gpuvplan/plan.h"

#include "plan_check_int.h"
#include "plan_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
gpv_plan_policy_init(struct gpv_plan_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->max_gpus = -1;
    p->max_cost = -1.0;
    p->min_utilization = -1.0;
    p->max_gap = -1;
    p->max_per_gpu = -1;
}

void
gpv_plan_findings_release(struct gpv_plan_findings *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++) {
        free(f->v[i].where);
        free(f->v[i].what);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

const struct gpv_val *
pc_get(struct chk *c, const struct gpv_val *o, const char *k)
{
    return gpv_val_get_cached(o, k, &c->cache);
}

const char *
pc_sget(struct chk *c, const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get_cached(o, k, &c->cache);

    return v && v->type == GPV_V_STR ? v->s : NULL;
}

long long
pc_iget(struct chk *c, const struct gpv_val *o, const char *k, long long dflt)
{
    const struct gpv_val *v = gpv_val_get_cached(o, k, &c->cache);

    return v && v->type == GPV_V_INT ? v->i : dflt;
}

enum { X_TENANT, X_PROFILE, X_VGPU_TYPE, X_REPLICA, X_PART, X_CLIENTS, X_START, X_SIZE, X_N };

static const char *const x_keys[X_N] = {
    "tenant", "profile", "vgpu_type", "replica", "part", "clients", "start", "size",
};

void
pc_read_instances(struct chk *c, const struct ginfo *g)
{
    const struct gpv_val *ins = g->ins, *m[X_N];
    size_t j;

    if (ins->n > c->capxi) {
        c->capxi = ins->n > 2 * c->capxi ? ins->n : 2 * c->capxi;
        free(c->xi);
        c->xi = xcalloc(c->capxi, sizeof(*c->xi));
    }
    for (j = 0; j < ins->n; j++) {
        struct xinfo *x = &c->xi[j];

        gpv_val_rows_read(m, &c->xrows, ins->items[j]);
        x->tenant = pc_str(m[X_TENANT]);
        x->profile = pc_str(m[X_PROFILE]);
        x->vgpu_type = pc_str(m[X_VGPU_TYPE]);
        x->replica = pc_int(m[X_REPLICA], -1);
        x->part = pc_int(m[X_PART], 0);
        x->clients = pc_int(m[X_CLIENTS], 0);
        x->start = pc_int(m[X_START], -1);
        x->size = pc_int(m[X_SIZE], -1);
        x->t = pc_tenant(c, x->tenant);
    }
}

static int
tname_cmp(const void *pa, const void *pb)
{
    const struct tname *a = pa, *b = pb;
    int r = strcmp(a->name, b->name);

    if (r)
        return r;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

const struct gpv_gpu *
pc_find(struct chk *c, const char *name)
{
    const struct gpv_gpu *gpu;
    size_t i;

    if (!name)
        return gpv_db_find(c->db, name);
    for (i = 0; i < c->nmemo; i++)
        if (!strcmp(c->memo[i].name, name))
            return c->memo[i].gpu;
    gpu = gpv_db_find(c->db, name);
    c->memo[c->next_memo].name = name;
    c->memo[c->next_memo].gpu = gpu;
    c->next_memo = (c->next_memo + 1) % PC_MEMO;
    if (c->nmemo < PC_MEMO)
        c->nmemo++;
    return gpu;
}

int
pc_profile(struct chk *c, const struct gpv_gpu *gpu, const char *name, bool vgpu)
{
    uintptr_t h = ((uintptr_t)name >> 3) ^ ((uintptr_t)gpu >> 5) ^ (vgpu ? 1 : 0);
    struct name_memo *e = &c->names[(h ^ h >> 8) % PC_NAMES];

    if (e->name == name && e->gpu == gpu && e->vgpu == vgpu)
        return e->idx;
    e->gpu = gpu;
    e->name = name;
    e->vgpu = vgpu;
    e->idx = vgpu ? gpv_gpu_find_vgpu_type_cached(&c->names_cache, gpu, name)
                  : gpv_gpu_find_profile_cached(&c->names_cache, gpu, name);
    return e->idx;
}

enum gpv_method
pc_method(struct chk *c, const char *s)
{
    struct method_memo *e;
    enum gpv_method m;
    size_t i;

    if (!s)
        return GPV_METHOD_NONE;
    for (i = 0; i < PC_METHODS; i++)
        if (c->methods[i].name == s)
            return c->methods[i].m;
    e = &c->methods[c->next_method];
    c->next_method = (c->next_method + 1) % PC_METHODS;
    e->name = s;
    e->m = gpv_method_parse(&m, s) ? m : GPV_METHOD_NONE;
    return e->m;
}

int
pc_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Reports each name of dup[0..n) (names met again, in any order, with repeats) once, in strcmp
 * order: where prefix and the name, what the finding. The order a sort of every name gave,
 * without sorting them all. Frees dup.
 */
static void
report_repeats(struct chk *c, const char **dup, size_t n, const char *prefix, const char *what)
{
    char where[512];
    size_t i;

    if (n > 1)
        qsort(dup, n, sizeof(*dup), pc_str_cmp);
    for (i = 0; i < n; i++)
        if (i == 0 || strcmp(dup[i - 1], dup[i])) {
            pc_where(where, sizeof(where), prefix, dup[i]);
            pc_fail(c, where, "%s", what);
        }
    free(dup);
}

/* A hash of the address of name (names met before are found by address first). */
static inline size_t
addr_hash(const char *name)
{
    return (size_t)(((uint64_t)(uintptr_t)name * 0x9e3779b97f4a7c15u) >> 32);
}

/*
 * The table pc_tenant reads: each placed tenant's name once, with its first index; a name
 * listed again is reported.
 */
static void
index_tenants(struct chk *c)
{
    const char **dup = NULL;
    size_t i, k, ndup = 0;

    GPV_ASSERT(c->nt < UINT32_MAX); /* the tables hold index + 1 in 32 bits */
    for (c->capidx = 16; c->capidx < 2 * c->nt + 2; c->capidx *= 2)
        ;
    c->tidx = xcalloc(c->capidx, sizeof(*c->tidx));
    c->taddr = xcalloc(c->capidx, sizeof(*c->taddr));
    for (i = 0; i < c->nt; i++) {
        const char *name = c->ti[i].name;

        for (k = gpv_str_hash(name) & (c->capidx - 1); c->tidx[k]; k = (k + 1) & (c->capidx - 1))
            if (!strcmp(c->ti[c->tidx[k] - 1].name, name))
                break;
        if (!c->tidx[k]) {
            c->tidx[k] = (uint32_t)(i + 1);
            for (k = addr_hash(name) & (c->capidx - 1); c->taddr[k]; k = (k + 1) & (c->capidx - 1))
                ;
            c->taddr[k] = (uint32_t)(i + 1);
        } else {
            dup = xreallocarray(dup, ndup + 1, sizeof(*dup));
            dup[ndup++] = name;
        }
    }
    report_repeats(c, dup, ndup, "tenant '", "is listed more than once in tenants");
}

long
pc_tenant(const struct chk *c, const char *name)
{
    size_t k;

    if (!name || !c->capidx)
        return -1;
    /* The JSON reader gives an instance's tenant and the tenant's name one string. */
    for (k = addr_hash(name) & (c->capidx - 1); c->taddr[k]; k = (k + 1) & (c->capidx - 1))
        if (c->ti[c->taddr[k] - 1].name == name)
            return (long)c->taddr[k] - 1;
    for (k = gpv_str_hash(name) & (c->capidx - 1); c->tidx[k]; k = (k + 1) & (c->capidx - 1))
        if (!strcmp(c->ti[c->tidx[k] - 1].name, name))
            return (long)c->tidx[k] - 1;
    return -1;
}

const char *
pl_model_problem(struct gpv_error *err, const struct gpv_db *db, const char *model)
{
    const struct gpv_gpu *found[2];

    if (model && gpv_db_resolve(found, 2, db, model) > 1 && !gpv_db_lookup(db, model, err))
        gpv_error_wrap(err, "GPU model");
    else
        gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "GPU model '%s' is not in the database",
                      model ? model : "null");
    return err->msg;
}

void
pc_fail(struct chk *c, const char *where, const char *fmt, ...)
{
    va_list ap, ap2;
    char *what;
    int n;

    if (c->out->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->out->v = xreallocarray(c->out->v, c->cap, sizeof(*c->out->v));
    }
    /* Measured first: a finding quotes names from the plan file, which may be long. */
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    what = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    vsnprintf(what, n > 0 ? (size_t)n + 1 : 1, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    c->out->v[c->out->n].where = xstrdup(where);
    c->out->v[c->out->n].what = what;
    c->out->n++;
}

enum {
    T_NAME,
    T_METHOD,
    T_GPU,
    T_PROFILE,
    T_MIG_PROFILE,
    T_WHOLE_GPUS,
    T_REPLICAS,
    T_PLACED,
    T_PARTS,
    T_MEMORY_MIB,
    T_COMPUTE,
    T_SPREAD,
    T_GPUS,
    T_N
};

static const char *const t_keys[T_N] = {
    "name",   "method", "gpu",        "profile", "mig_profile", "whole_gpus", "replicas",
    "placed", "parts",  "memory_mib", "compute", "spread",      "gpus",
};

/* Placed tenants: names once each, a method, a model in the database, replicas, compute. */
static void
check_tenants(struct chk *c)
{
    struct gpv_val_rows rows;
    const struct gpv_val *m[T_N];
    char where[512];
    size_t i;

    gpv_val_rows_init(&rows, t_keys, T_N);
    c->ti = xcalloc(c->nt + 1, sizeof(*c->ti));
    for (i = 0; i < c->nt; i++) {
        const struct gpv_val *t = c->tenants->items[i], *cv;
        struct tinfo *ti = &c->ti[i];

        gpv_val_rows_read(m, &rows, t);
        cv = m[T_COMPUTE];
        ti->v = t;
        ti->name = pc_str(m[T_NAME]);
        ti->compute = cv && cv->type != GPV_V_NULL ? pl_num(cv) : 0.0;
        ti->cv = cv;
        ti->model = pc_str(m[T_GPU]);
        ti->gpu = pc_find(c, ti->model);
        ti->method = pc_str(m[T_METHOD]);
        ti->meth = pc_method(c, ti->method);
        ti->profile = pc_str(m[T_PROFILE]);
        ti->mig_profile = pc_str(m[T_MIG_PROFILE]);
        ti->memory_mib = pc_int(m[T_MEMORY_MIB], -1);
        ti->whole_gpus = pc_int(m[T_WHOLE_GPUS], 1);
        ti->replicas = pc_int(m[T_REPLICAS], 0);
        ti->placed = pc_int(m[T_PLACED], ti->replicas);
        ti->parts = m[T_PARTS];
        ti->spread = m[T_SPREAD]->b; /* the shape's: a boolean */
        ti->gpus = m[T_GPUS];
    }
    index_tenants(c);
    for (i = 0; i < c->nt; i++) {
        const char *method = c->ti[i].method;
        struct gpv_error e;

        c->out->checks++;
        pc_where(where, sizeof(where), "tenant '", c->ti[i].name);
        if (c->ti[i].meth == GPV_METHOD_NONE)
            pc_fail(c, where,
                    "method '%s' is not passthrough, vgpu, mig, mig-vgpu, time-slicing or mps",
                    method);
        if (!c->ti[i].gpu)
            pc_fail(c, where, "%s", pl_model_problem(&e, c->db, c->ti[i].model));
        if (c->ti[i].replicas < 1)
            pc_fail(c, where, "%lld replicas", c->ti[i].replicas);
        if (c->ti[i].compute < 0 || c->ti[i].compute > 1.0 + GPV_VGPU_SHARE_EPS)
            pc_fail(c, where, "compute %g is not a share of one GPU", c->ti[i].compute);
    }
}

/* Unplaced tenants: not also placed, once each, and allowed to be unplaced. */
static void
check_unplaced(struct chk *c)
{
    const struct gpv_val *unplaced = c->unplaced;
    struct tname *unames = xcalloc(unplaced->n + 1, sizeof(*unames));
    bool *repeated = xcalloc(unplaced->n + 1, sizeof(bool));
    char where[512];
    size_t i;

    /* Sorted by name, then position: every entry after the first of a run of equal names
     * repeats an earlier one. Sorting keeps large plans fast. */
    for (i = 0; i < unplaced->n; i++) {
        unames[i].name = pc_sget(c, unplaced->items[i], "tenant");
        unames[i].idx = i;
    }
    if (unplaced->n > 1)
        qsort(unames, unplaced->n, sizeof(*unames), tname_cmp);
    for (i = 1; i < unplaced->n; i++)
        if (!strcmp(unames[i - 1].name, unames[i].name))
            repeated[unames[i].idx] = true;
    for (i = 0; i < unplaced->n; i++) {
        const char *un = pc_sget(c, unplaced->items[i], "tenant");

        long t = pc_tenant(c, un);

        c->out->checks++;
        pc_where(where, sizeof(where), "tenant '", un);
        if (t >= 0) {
            /* Partly placed: the replicas left out are the ones the tenant does not place. */
            long long reps = c->ti[t].replicas, placed = c->ti[t].placed;
            long long left = pc_iget(c, unplaced->items[i], "replicas", -1);

            if (placed >= reps)
                pc_fail(c, where, "is both placed and unplaced");
            else if (left != reps - placed)
                pc_fail(c, where, "has %lld replica%s unplaced, but %lld of %lld are placed", left,
                        left == 1 ? "" : "s", placed, reps);
            c->both++;
        }
        if (repeated[i])
            pc_fail(c, where, "is listed more than once in unplaced");
        if (!c->pol->allow_unplaced) {
            const struct gpv_val *rs = pc_get(c, unplaced->items[i], "reasons");

            if (rs->n && rs->items[0]->type == GPV_V_STR)
                pc_fail(c, where, "is unplaced: %s%s (--allow-unplaced accepts that)",
                        rs->items[0]->s, rs->n > 1 ? " (and more)" : "");
            else
                pc_fail(c, where, "is unplaced (--allow-unplaced accepts that)");
        }
    }
    free(unames);
    free(repeated);
}

/* GPU ids used more than once. */
static void
check_gpu_ids(struct chk *c)
{
    const char **dup = NULL;
    size_t cap, *slot, i, k, ndup = 0;

    for (cap = 16; cap < 2 * c->ng + 2; cap *= 2)
        ;
    slot = xcalloc(cap, sizeof(*slot)); /* index + 1 into gi[]; 0 empty */
    for (i = 0; i < c->ng; i++) {
        const char *id = c->gi[i].id;

        for (k = gpv_str_hash(id) & (cap - 1); slot[k]; k = (k + 1) & (cap - 1))
            if (!strcmp(c->gi[slot[k] - 1].id, id))
                break;
        if (!slot[k]) {
            slot[k] = i + 1;
        } else {
            dup = xreallocarray(dup, ndup + 1, sizeof(*dup));
            dup[ndup++] = id;
        }
    }
    free(slot);
    report_repeats(c, dup, ndup, "gpu '", "the id is used by more than one GPU");
}

/* GPU g's instances (c->xi): the memory they allocate, and each one of a known tenant
 * collected. */
static void
collect_instances(struct chk *c, const char *where, size_t g, const struct gpv_gpu *gpu)
{
    const struct gpv_val *ins = c->gi[g].ins;
    enum gpv_method mode = c->gi[g].gmode;
    size_t j;

    for (j = 0; j < ins->n; j++) {
        const struct xinfo *x = &c->xi[j];
        const char *tn = x->tenant, *pn = x->profile;
        long t = x->t;
        int p;

        if (!gpu)
            ;
        else if (mode == GPV_METHOD_PASSTHROUGH)
            c->mem_alloc += gpu->memory_mib;
        else if (mode == GPV_METHOD_VGPU && pn && gpu->vgpu &&
                 (p = pc_profile(c, gpu, pn, true)) >= 0)
            c->mem_alloc += gpu->vgpu->types[p].framebuffer_mib;
        else if (pn && gpu->mig && (p = pc_profile(c, gpu, pn, false)) >= 0)
            c->mem_alloc += gpu->mig->profiles[p].memory_mib;
        if (t < 0) {
            pc_fail(c, where, "instance %zu belongs to '%s', who is not in tenants", j, tn);
            continue;
        }
        GPV_ASSERT(c->nci < c->capci);
        c->ci[c->nci].tenant = (int32_t)t;
        c->ci[c->nci].replica = x->replica;
        c->ci[c->nci].part = x->part;
        c->ci[c->nci].clients = x->clients;
        c->ci[c->nci].gpu = (uint32_t)g;
        c->ci[c->nci].idx = (uint32_t)j;
        c->ci[c->nci].profile = pn;
        c->nci++;
    }
}

/* GPU g: a known model, a mode with a valid layout, the model and instance policies. */
static void
check_gpu(struct chk *c, size_t g)
{
    const struct gpv_plan_policy *pol = c->pol;
    const struct ginfo *gi = &c->gi[g];
    const struct gpv_val *ins = gi->ins;
    const char *id = gi->id, *model = gi->model, *mode = gi->mode;
    const struct gpv_gpu *gpu = gi->gpu;
    enum gpv_method gm = gi->gmode;
    char where[512];
    size_t j;

    pc_read_instances(c, gi);
    c->out->checks++;
    pc_where(where, sizeof(where), "gpu '", id);
    if (!gpu) {
        struct gpv_error e;

        pc_fail(c, where, "%s", pl_model_problem(&e, c->db, model));
    } else {
        c->mem_total += gpu->memory_mib;
        if (gm == GPV_METHOD_MIG || gm == GPV_METHOD_MIG_VGPU)
            pc_check_mig_gpu(c, where, gpu, c->xi, ins->n, gm == GPV_METHOD_MIG_VGPU);
        else if (gm == GPV_METHOD_VGPU)
            pc_check_vgpu_gpu(c, where, gpu, gi, c->xi);
        else if (gm == GPV_METHOD_PASSTHROUGH) {
            if (ins->n != 1)
                pc_fail(c, where, "a passthrough GPU serves exactly one tenant, not %zu",
                        (size_t)ins->n);
        } else if (gm == GPV_METHOD_TIME_SLICING || gm == GPV_METHOD_MPS)
            pc_check_share_gpu(c, where, gpu, gi, c->xi, gm == GPV_METHOD_MPS);
        else
            pc_fail(c, where,
                    "mode '%s' is not mig, mig-vgpu, vgpu, passthrough, time-slicing or mps", mode);
        if (gm != GPV_METHOD_TIME_SLICING && gm != GPV_METHOD_MPS && gi->replicas)
            pc_fail(c, where, "'replicas' on a %s GPU: only shared GPUs have them", mode);
        if (pol->nmodels) {
            for (j = 0; j < pol->nmodels; j++)
                if (pc_find(c, pol->models[j]) == gpu)
                    break;
            if (j == pol->nmodels)
                pc_fail(c, where, "model %s is not among the allowed --gpu-model", gpu->id);
        }
    }
    if (pol->max_per_gpu >= 0 && (long long)ins->n > pol->max_per_gpu)
        pc_fail(c, where, "%zu instances, more than --max-per-gpu %lld", (size_t)ins->n,
                pol->max_per_gpu);
    collect_instances(c, where, g, gpu);
}

/* pl_nodes_check()'s findings. */
static void
node_finding(void *arg, const char *where, const char *what)
{
    pc_fail(arg, where, "%s", what);
}

enum {
    G_ID,
    G_MODEL,
    G_MODE,
    G_VGPU_MODE,
    G_SCHEDULER,
    G_INSTANCES,
    G_REPLICAS,
    G_CLIENT_MEMORY_MIB,
    G_N
};

static const char *const g_keys[G_N] = {
    "id", "model", "mode", "vgpu_mode", "scheduler", "instances", "replicas", "client_memory_mib",
};

int
gpv_plan_check(struct gpv_plan_findings *out, const struct gpv_val *plan, const struct gpv_db *db,
               const struct gpv_plan_policy *pol, const char *name, struct gpv_error *err)
{
    struct gpv_error serr;
    struct gpv_val_rows grows;
    const struct gpv_val *m[G_N];
    struct chk c;
    size_t g;
    int rc, src;

    memset(out, 0, sizeof(*out));
    if ((src = pl_schema(plan, name, &serr))) {
        /* The schema requires every member the shape pass reads, with its type (test_plan.c
         * holds plan_shape.c to docs/plan.schema.json), so a plan the schema accepts has the
         * shape: one walk for a plan. The shape pass runs only for a plan the schema refuses,
         * to report what it always reported first. */
        if ((rc = pl_shape(plan, name, err)))
            return rc;
        if (err)
            *err = serr;
        return src;
    }
    memset(&c, 0, sizeof(c));
    gpv_val_cache_init(&c.cache);
    gpv_db_cache_init(&c.names_cache);
    c.out = out;
    c.db = db;
    c.pol = pol;
    c.sum = gpv_val_get(plan, "summary");
    c.tenants = gpv_val_get(plan, "tenants");
    c.gpus = gpv_val_get(plan, "gpus");
    c.unplaced = gpv_val_get(plan, "unplaced");
    c.nt = c.tenants->n;
    c.ng = c.gpus->n;
    /* cinst holds tenant and GPU indexes in 32 bits */
    GPV_ASSERT(c.nt < INT32_MAX && c.ng < UINT32_MAX);
    out->gpus = (int)c.ng;

    gpv_val_rows_init(&c.xrows, x_keys, X_N);
    gpv_val_rows_init(&grows, g_keys, G_N);
    c.gi = xcalloc(c.ng + 1, sizeof(*c.gi));
    for (g = 0; g < c.ng; g++) {
        const struct gpv_val *gv = c.gpus->items[g];
        struct ginfo *gi = &c.gi[g];

        gpv_val_rows_read(m, &grows, gv);
        gi->id = pc_str(m[G_ID]);
        gi->model = pc_str(m[G_MODEL]);
        gi->mode = pc_str(m[G_MODE]);
        gi->gmode = pc_method(&c, gi->mode);
        gi->vgpu_mode = pc_str(m[G_VGPU_MODE]);
        gi->scheduler = pc_str(m[G_SCHEDULER]);
        gi->ins = m[G_INSTANCES];
        gi->replicas = m[G_REPLICAS];
        gi->client_memory_mib = m[G_CLIENT_MEMORY_MIB];
        gi->gpu = pc_find(&c, gi->model);
        c.capci += gi->ins->n;
    }
    /* Every instance's place, once: growing the table by doubling left a copy of it behind
     * at each step. */
    c.ci = xreallocarray(NULL, c.capci + 1, sizeof(*c.ci));
    check_tenants(&c);
    check_unplaced(&c);
    out->tenants = (int)(c.nt + c.unplaced->n - c.both);
    check_gpu_ids(&c);
    for (g = 0; g < c.ng; g++)
        check_gpu(&c, g);
    pc_check_instances(&c);
    out->checks += pl_nodes_check(plan, db, node_finding, &c);
    pc_check_summary(&c);
    pc_check_models(&c);
    pc_check_policies(&c);
    free(c.tidx);
    free(c.taddr);
    free(c.ti);
    free(c.gi);
    free(c.ci);
    free(c.xi);
    return 0;
}
