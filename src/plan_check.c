/* Plans: `check`'s re-validation of a plan file against the database, and its policies. */
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

static void pc_where(char *where, size_t size, const char *prefix, const char *name);

static int
str_cmp(const void *a, const void *b)
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
        qsort(dup, n, sizeof(*dup), str_cmp);
    for (i = 0; i < n; i++)
        if (i == 0 || strcmp(dup[i - 1], dup[i])) {
            pc_where(where, sizeof(where), prefix, dup[i]);
            pc_fail(c, where, "%s", what);
        }
    free(dup);
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

    for (c->capidx = 16; c->capidx < 2 * c->nt + 2; c->capidx *= 2)
        ;
    c->tidx = xcalloc(c->capidx, sizeof(*c->tidx));
    for (i = 0; i < c->nt; i++) {
        const char *name = c->ti[i].name;

        for (k = gpv_str_hash(name) & (c->capidx - 1); c->tidx[k]; k = (k + 1) & (c->capidx - 1))
            if (!strcmp(c->ti[c->tidx[k] - 1].name, name))
                break;
        if (!c->tidx[k]) {
            c->tidx[k] = i + 1;
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
    for (k = gpv_str_hash(name) & (c->capidx - 1); c->tidx[k]; k = (k + 1) & (c->capidx - 1))
        if (!strcmp(c->ti[c->tidx[k] - 1].name, name))
            return (long)c->tidx[k] - 1;
    return -1;
}

static int
cinst_cmp(const void *pa, const void *pb)
{
    const struct cinst *a = pa, *b = pb;

    if (a->tenant != b->tenant)
        return a->tenant < b->tenant ? -1 : 1;
    if (a->replica != b->replica)
        return a->replica < b->replica ? -1 : 1;
    if (a->part != b->part)
        return a->part < b->part ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/*
 * Sorts ci[] in cinst_cmp's order: by tenant with one counting pass, then each tenant's few
 * instances by the rest of the order (one qsort of 50,000 instances was a tenth of check).
 */
static void
sort_instances(struct chk *c)
{
    size_t *at = xcalloc(c->nt + 2, sizeof(*at)), t, k, a, b;
    struct cinst *v = xcalloc(c->nci + 1, sizeof(*v));

    for (k = 0; k < c->nci; k++) {
        GPV_ASSERT(c->ci[k].tenant >= 0 && (size_t)c->ci[k].tenant < c->nt);
        at[c->ci[k].tenant + 1]++;
    }
    for (t = 1; t <= c->nt; t++)
        at[t] += at[t - 1];
    for (k = 0; k < c->nci; k++)
        v[at[c->ci[k].tenant]++] = c->ci[k];
    /* at[t] is now where tenant t's run ends */
    for (t = 0, a = 0; t < c->nt; t++, a = b) {
        b = at[t];
        if (b - a > 16) {
            qsort(v + a, b - a, sizeof(*v), cinst_cmp);
            continue;
        }
        for (k = a + 1; k < b; k++) {
            struct cinst x = v[k];
            size_t j;

            for (j = k; j > a && cinst_cmp(&v[j - 1], &x) > 0; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
    free(c->ci);
    c->ci = v;
    c->capci = c->nci + 1;
    free(at);
}

static int
cinst_gpu_cmp(const void *pa, const void *pb)
{
    const struct cinst *a = pa, *b = pb;

    if (a->tenant != b->tenant)
        return a->tenant < b->tenant ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

static const char *
method_mode(const char *method)
{
    enum gpv_method m;

    if (!gpv_method_parse(&m, method))
        return NULL;
    return method; /* method names and GPU mode names coincide */
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

/* where = prefix + name + "'", cut to size as snprintf would (without its cost per GPU). */
static void
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

/* Sorted, de-duplicated copy of an array of strings. */
static size_t
sorted_unique(const char **v, size_t n)
{
    size_t i, k = 0;

    if (n > 16) {
        qsort(v, n, sizeof(*v), str_cmp);
    } else {
        /* A tenant's few GPUs: insertion sort, without qsort's setup for each tenant. */
        for (i = 1; i < n; i++) {
            const char *x = v[i];

            for (k = i; k > 0 && strcmp(v[k - 1], x) > 0; k--)
                v[k] = v[k - 1];
            v[k] = x;
        }
        k = 0;
    }
    for (i = 0; i < n; i++)
        if (!k || strcmp(v[k - 1], v[i]))
            v[k++] = v[i];
    return k;
}

static bool
same_strs(const char **a, const char **b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(a[i], b[i]))
            return false;
    return true;
}

/* "a, b, c" (at most 8 names, then "..."); the caller frees it. */
static char *
join_strs(const char **v, size_t n)
{
    struct gpv_buf b;
    size_t i;

    gpv_buf_init(&b);
    for (i = 0; i < n && i < 8; i++)
        gpv_buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
    if (n > 8)
        gpv_buf_puts(&b, ", ...");
    return gpv_buf_detach(&b);
}

/* Placed tenants: names once each, a method, a model in the database, replicas, compute. */
static void
check_tenants(struct chk *c)
{
    char where[512];
    size_t i;

    c->ti = xcalloc(c->nt + 1, sizeof(*c->ti));
    for (i = 0; i < c->nt; i++) {
        const struct gpv_val *t = c->tenants->items[i], *cv = pc_get(c, t, "compute");

        c->ti[i].v = t;
        c->ti[i].name = pc_sget(c, t, "name");
        c->ti[i].compute = cv && cv->type != GPV_V_NULL ? pl_num(cv) : 0.0;
        c->ti[i].cv = cv;
        c->ti[i].gpu = pc_find(c, pc_sget(c, t, "gpu"));
        c->ti[i].method = pc_sget(c, t, "method");
        c->ti[i].profile = pc_sget(c, t, "profile");
        c->ti[i].mig_profile = pc_sget(c, t, "mig_profile");
        c->ti[i].memory_mib = pc_iget(c, t, "memory_mib", -1);
        c->ti[i].whole_gpus = pc_iget(c, t, "whole_gpus", 1);
    }
    index_tenants(c);
    for (i = 0; i < c->nt; i++) {
        const struct gpv_val *t = c->tenants->items[i];
        const char *m = c->ti[i].method;
        struct gpv_error e;

        c->out->checks++;
        pc_where(where, sizeof(where), "tenant '", c->ti[i].name);
        if (!method_mode(m))
            pc_fail(c, where,
                    "method '%s' is not passthrough, vgpu, mig, mig-vgpu, time-slicing or mps", m);
        if (!c->ti[i].gpu)
            pc_fail(c, where, "%s", pl_model_problem(&e, c->db, pc_sget(c, t, "gpu")));
        if (pc_iget(c, t, "replicas", 0) < 1)
            pc_fail(c, where, "%lld replicas", pc_iget(c, t, "replicas", 0));
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
            const struct gpv_val *tv = c->ti[t].v;
            long long reps = pc_iget(c, tv, "replicas", 0), placed = pc_iget(c, tv, "placed", reps);
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

/* GPU g's instances: the memory they allocate, and each one of a known tenant collected. */
static void
collect_instances(struct chk *c, const char *where, size_t g, const struct gpv_gpu *gpu)
{
    const struct gpv_val *ins = c->gi[g].ins;
    const char *mode = c->gi[g].mode;
    size_t j;

    for (j = 0; j < ins->n; j++) {
        const struct gpv_val *x = ins->items[j];
        const char *tn = pc_sget(c, x, "tenant"), *pn = pc_sget(c, x, "profile");
        long t = pc_tenant(c, tn);
        int p;

        if (!gpu)
            ;
        else if (!strcmp(mode, "passthrough"))
            c->mem_alloc += gpu->memory_mib;
        else if (!strcmp(mode, "vgpu") && pn && gpu->vgpu &&
                 (p = gpv_gpu_find_vgpu_type_cached(&c->names_cache, gpu, pn)) >= 0)
            c->mem_alloc += gpu->vgpu->types[p].framebuffer_mib;
        else if (pn && gpu->mig && (p = gpv_gpu_find_profile_cached(&c->names_cache, gpu, pn)) >= 0)
            c->mem_alloc += gpu->mig->profiles[p].memory_mib;
        if (t < 0) {
            pc_fail(c, where, "instance %zu belongs to '%s', who is not in tenants", j, tn);
            continue;
        }
        if (c->nci == c->capci) {
            c->capci = c->capci ? 2 * c->capci : 256;
            c->ci = xreallocarray(c->ci, c->capci, sizeof(*c->ci));
        }
        c->ci[c->nci].tenant = t;
        c->ci[c->nci].replica = pc_iget(c, x, "replica", -1);
        c->ci[c->nci].part = pc_iget(c, x, "part", 0);
        c->ci[c->nci].clients = pc_iget(c, x, "clients", 0);
        c->ci[c->nci].gpu = g;
        c->ci[c->nci].idx = j;
        c->ci[c->nci].x = x;
        c->ci[c->nci].profile = pn;
        c->nci++;
    }
}

/* GPU g: a known model, a mode with a valid layout, the model and instance policies. */
static void
check_gpu(struct chk *c, size_t g)
{
    const struct gpv_plan_policy *pol = c->pol;
    const struct gpv_val *gv = c->gpus->items[g], *ins = c->gi[g].ins;
    const char *id = c->gi[g].id, *model = c->gi[g].model, *mode = c->gi[g].mode;
    const struct gpv_gpu *gpu = c->gi[g].gpu;
    char where[512];
    size_t j;

    c->out->checks++;
    pc_where(where, sizeof(where), "gpu '", id);
    if (!gpu) {
        struct gpv_error e;

        pc_fail(c, where, "%s", pl_model_problem(&e, c->db, model));
    } else {
        c->mem_total += gpu->memory_mib;
        if (!strcmp(mode, "mig") || !strcmp(mode, "mig-vgpu"))
            pc_check_mig_gpu(c, where, gpu, ins, !strcmp(mode, "mig-vgpu"));
        else if (!strcmp(mode, "vgpu"))
            pc_check_vgpu_gpu(c, where, gpu, gv);
        else if (!strcmp(mode, "passthrough")) {
            if (ins->n != 1)
                pc_fail(c, where, "a passthrough GPU serves exactly one tenant, not %zu", ins->n);
        } else if (!strcmp(mode, "time-slicing") || !strcmp(mode, "mps"))
            pc_check_share_gpu(c, where, gpu, gv, !strcmp(mode, "mps"));
        else
            pc_fail(c, where,
                    "mode '%s' is not mig, mig-vgpu, vgpu, passthrough, time-slicing or mps", mode);
        if (strcmp(mode, "time-slicing") && strcmp(mode, "mps") && gpv_val_get(gv, "replicas"))
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
        pc_fail(c, where, "%zu instances, more than --max-per-gpu %lld", ins->n, pol->max_per_gpu);
    collect_instances(c, where, g, gpu);
}

/*
 * The part of tenant t (an entry of its "parts": method, gpu, profile as a tenant has them)
 * whose model and method are those of GPU object g; the tenant itself when it has no parts or
 * none matches (the tenant's own keys then say what is wrong). *gpu: that part's model.
 */
static const struct gpv_val *
tenant_part(struct chk *c, size_t t, const struct ginfo *g, const struct gpv_gpu **gpu)
{
    const struct gpv_val *parts = pc_get(c, c->ti[t].v, "parts");
    const struct gpv_gpu *gm = g->gpu;
    const char *mode = g->mode;
    size_t i;

    *gpu = c->ti[t].gpu;
    for (i = 0; parts && parts->type == GPV_V_ARR && i < parts->n; i++) {
        const struct gpv_val *pv = parts->items[i];
        const char *pm = pc_sget(c, pv, "method");
        const struct gpv_gpu *pg = pc_find(c, pc_sget(c, pv, "gpu"));

        /* A part time-slicing MIG instances sits on a GPU in mig mode. */
        if (pg && pg == gm && pm && mode &&
            (!strcmp(pm, mode) || (!strcmp(pm, "time-slicing") && !strcmp(mode, "mig") &&
                                   pc_sget(c, pv, "mig_profile")))) {
            *gpu = pg;
            return pv;
        }
    }
    return c->ti[t].v;
}

/*
 * Collected instance k of tenant t, a time-sliced MIG instance: the device plugin's replicas
 * (2 .. GPV_SHARING_REPLICAS_MAX) hold its clients, and as planning headroom (docs/rules.md,
 * "Time-slicing of MIG instances") the clients' memory and compute fit the instance.
 */
static void
check_ts_instance(struct chk *c, const char *where, size_t t, size_t k)
{
    const struct ginfo *g = &c->gi[c->ci[k].gpu];
    const struct gpv_val *cv = gpv_val_get(c->ti[t].v, "compute");
    const struct gpv_gpu *gpu = g->gpu;
    const char *xp = c->ci[k].profile, *gid = g->id;
    long long n = c->ci[k].clients, reps = pc_iget(c, c->ci[k].x, "replicas", 0);
    long long mib = c->ti[t].memory_mib;
    int p;

    c->out->checks++;
    if (reps < 2 || reps > GPV_SHARING_REPLICAS_MAX)
        pc_fail(c, where, "a time-sliced instance on gpu '%s' needs replicas 2 to %d, not %lld",
                gid, GPV_SHARING_REPLICAS_MAX, reps);
    else if (n > reps)
        pc_fail(c, where, "%lld clients on a %s instance of gpu '%s', more than its %lld replicas",
                n, xp ? xp : "null", gid, reps);
    if (!gpu || !gpu->mig || !xp || (p = gpv_gpu_find_profile(gpu, xp)) < 0)
        return; /* reported with the GPU */
    if (mib > 0 && n * mib > gpu->mig->profiles[p].memory_mib)
        pc_fail(c, where,
                "its %lld time-sliced clients on a %s instance of gpu '%s' ask %lld MiB "
                "together, more than its %lld",
                n, xp, gid, n * mib, gpu->mig->profiles[p].memory_mib);
    if (cv && cv->type != GPV_V_NULL && pl_num(cv) > 0 &&
        n * pl_num(cv) * gpu->mig->compute_slices > gpu->mig->profiles[p].compute_slices + 1e-6)
        pc_fail(c, where,
                "its %lld time-sliced clients on a %s instance of gpu '%s' ask compute %g "
                "together, more than its %d of %d slices",
                n, xp, gid, n * pl_num(cv), gpu->mig->profiles[p].compute_slices,
                gpu->mig->compute_slices);
}

/* Collected instance k of tenant t: on a GPU of its method and model, with its profile. */
static void
check_tenant_instance(struct chk *c, const char *where, size_t t, size_t k)
{
    const struct ginfo *g = &c->gi[c->ci[k].gpu];
    const struct gpv_val *x = c->ci[k].x;
    const struct gpv_gpu *tg;
    const struct gpv_val *tv = tenant_part(c, t, g, &tg);
    bool own = tv == c->ti[t].v; /* the tenant itself, whose members are read already */
    const char *method = own ? c->ti[t].method : pc_sget(c, tv, "method");
    const char *prof = own ? c->ti[t].profile : pc_sget(c, tv, "profile");
    const char *migp = own ? c->ti[t].mig_profile : pc_sget(c, tv, "mig_profile");
    const char *xp = c->ci[k].profile, *up, *mode = g->mode, *gid = g->id;

    bool ts_mig = c->ci[k].clients > 0;

    if (ts_mig && (strcmp(mode, "mig") || strcmp(method, "time-slicing"))) {
        pc_fail(c, where, "has time-sliced clients on gpu '%s', a %s GPU, but its method is %s",
                gid, mode, method);
        return;
    }
    if (ts_mig)
        check_ts_instance(c, where, t, k);
    else if (strcmp(mode, method))
        pc_fail(c, where, "its method is %s but gpu '%s' is in %s mode", method, gid, mode);
    if (tg && g->gpu != tg) {
        pc_fail(c, where, "decided for %s but placed on gpu '%s', a %s", tg->id, gid, g->model);
    } else if (tg && (!strcmp(method, "mig") || !strcmp(method, "vgpu") || ts_mig)) {
        if (!xp || !prof) {
            pc_fail(c, where, "an instance on gpu '%s' has no profile", gid);
        } else if (strcmp(xp, prof)) {
            int big = gpv_gpu_find_profile_cached(&c->names_cache, tg, xp),
                small = gpv_gpu_find_profile_cached(&c->names_cache, tg, prof);

            up = pc_sget(c, x, "upgraded_from");
            if (!strcmp(method, "vgpu") || !up || strcmp(up, prof) ||
                !gpv_pack_mig_serves(tg, big, small))
                pc_fail(c, where, "has %s on gpu '%s' but was decided %s", xp, gid, prof);
        }
    } else if (tg && !strcmp(method, "mig-vgpu")) {
        const char *xv = pc_sget(c, x, "vgpu_type");

        if (!xv || !prof || strcmp(xv, prof) || !xp || !migp || strcmp(xp, migp))
            pc_fail(c, where, "has %s on %s on gpu '%s' but was decided %s on %s", xv ? xv : "null",
                    xp ? xp : "null", gid, prof ? prof : "null", migp ? migp : "null");
    }
}

/*
 * Collected instance k of tenant t holds what the tenant asks: its memory (memory_mib) and its
 * compute share on a MIG slice. Returns false after reporting the first shortfall.
 */
static bool
check_fit(struct chk *c, const char *where, size_t t, size_t k)
{
    const struct ginfo *g = &c->gi[c->ci[k].gpu];
    const struct gpv_val *x = c->ci[k].x, *cv = c->ti[t].cv;
    const struct gpv_gpu *tg = c->ti[t].gpu;
    const char *method = c->ti[t].method, *xp = c->ci[k].profile, *gid = g->id;
    long long need = c->ti[t].memory_mib, have = -1;
    int p;

    if (!tg || g->gpu != tg)
        return true; /* reported by check_tenant_instance() */
    if (!strcmp(method, "passthrough")) {
        have = c->ti[t].whole_gpus * tg->memory_mib;
    } else if (!strcmp(method, "mig") && xp && tg->mig &&
               (p = gpv_gpu_find_profile_cached(&c->names_cache, tg, xp)) >= 0) {
        const struct gpv_mig_profile *mp = &tg->mig->profiles[p];

        have = mp->memory_mib;
        if (cv && cv->type != GPV_V_NULL && pl_num(cv) > 0 &&
            pl_num(cv) * tg->mig->compute_slices > mp->compute_slices + 1e-6) {
            pc_fail(c, where, "asks for compute %g but %s on gpu '%s' has %d of %d compute slices",
                    pl_num(cv), xp, gid, mp->compute_slices, tg->mig->compute_slices);
            return false;
        }
    } else if ((!strcmp(method, "vgpu") || !strcmp(method, "mig-vgpu")) && tg->vgpu) {
        const char *tn = !strcmp(method, "vgpu") ? xp : pc_sget(c, x, "vgpu_type");

        /* A multi-vGPU replica holds whole_gpus vGPUs of the type, one per GPU. */
        if (tn && (p = gpv_gpu_find_vgpu_type_cached(&c->names_cache, tg, tn)) >= 0)
            have = c->ti[t].whole_gpus * tg->vgpu->types[p].framebuffer_mib;
    }
    if (need > 0 && have >= 0 && need > have) {
        pc_fail(c, where, "needs %lld MiB but its instance on gpu '%s' has %lld MiB", need, gid,
                have);
        return false;
    }
    return true;
}

/* A spread tenant's instances ci[a..b) are on distinct GPUs. */
static void
check_spread(struct chk *c, const char *where, size_t a, size_t b)
{
    struct cinst *tmp = xcalloc(b - a, sizeof(*tmp));
    size_t k;

    memcpy(tmp, c->ci + a, (b - a) * sizeof(*tmp));
    if (b - a > 1)
        qsort(tmp, b - a, sizeof(*tmp), cinst_gpu_cmp);
    for (k = 1; k < b - a; k++) {
        if (tmp[k].gpu == tmp[k - 1].gpu) {
            pc_fail(c, where, "spread, but two replicas share gpu '%s'", c->gi[tmp[k].gpu].id);
            break;
        }
    }
    free(tmp);
}

/* The GPUs tenant t lists are the GPUs its instances ci[a..b) are on. */
static void
check_listed_gpus(struct chk *c, const char *where, size_t t, size_t a, size_t b)
{
    const struct gpv_val *listed = pc_get(c, c->ti[t].v, "gpus");
    const char *hbuf[16], *wbuf[16]; /* most tenants have a few: no allocation for them */
    const char **have = b - a < 16 ? hbuf : xcalloc(b - a + 1, sizeof(char *));
    const char **want = listed->n < 16 ? wbuf : xcalloc(listed->n + 1, sizeof(char *));
    size_t nh, nw, k;

    for (k = a; k < b; k++)
        have[k - a] = c->gi[c->ci[k].gpu].id;
    nh = sorted_unique(have, b - a);
    for (k = 0; k < listed->n; k++)
        want[k] = listed->items[k]->s;
    nw = sorted_unique(want, listed->n);
    if (nw != nh || !same_strs(want, have, nh)) {
        char *lw = join_strs(want, nw), *lh = join_strs(have, nh);

        pc_fail(c, where, "lists gpus [%s] but its instances are on [%s]", lw, lh);
        free(lw);
        free(lh);
    }
    if (have != hbuf)
        free(have);
    if (want != wbuf)
        free(want);
}

/* Tenant t, whose instances are ci[a..b): every replica once, on its model and method. */
static void
check_tenant(struct chk *c, size_t t, size_t a, size_t b)
{
    const struct gpv_val *tv = c->ti[t].v, *pv = pc_get(c, tv, "parts");
    const char *method = c->ti[t].method;
    long long reps = pc_iget(c, tv, "replicas", 0), parts = 1, got = (long long)(b - a);
    long long want, placed = pc_iget(c, tv, "placed", reps);
    bool dup = false, bad_idx = false, fits = true;
    char where[512];
    enum gpv_method mm;
    size_t k;

    pc_where(where, sizeof(where), "tenant '", c->ti[t].name);
    if (!strcmp(method, "passthrough") || !strcmp(method, "vgpu"))
        parts = c->ti[t].whole_gpus; /* vgpu: several vGPUs per replica, one per GPU */
    want = placed * parts;
    if (pv && pv->type == GPV_V_ARR && pv->n) {
        /* Replicas on several options: each part's replicas times its whole GPUs. */
        long long sum = 0;

        want = 0;
        for (k = 0; k < pv->n; k++) {
            long long r = pc_iget(c, pv->items[k], "replicas", 0);
            long long w = pc_iget(c, pv->items[k], "whole_gpus", 1);

            sum += r;
            want += r * w;
            if (w > parts)
                parts = w;
        }
        if (sum != placed)
            pc_fail(c, where, "its parts hold %lld replica%s but it says %lld placed", sum,
                    sum == 1 ? "" : "s", placed);
    }
    if (placed < 0 || placed > reps)
        pc_fail(c, where, "%lld of %lld replicas placed", placed, reps);
    for (k = a; k < b; k++) {
        const struct cinst *x = &c->ci[k];
        /* a time-sliced MIG instance holds `clients` replicas from `replica` on */
        long long n = x->clients > 0 ? x->clients : 1;

        got += n - 1;
        if (k > a && x->part == x[-1].part &&
            x->replica < x[-1].replica + (x[-1].clients > 0 ? x[-1].clients : 1))
            dup = true;
        if (x->replica < 0 || x->replica + n > reps || x->part < 0 || x->part >= parts)
            bad_idx = true;
        check_tenant_instance(c, where, t, k);
        if (fits)
            fits = check_fit(c, where, t, k);
    }
    c->out->checks++;
    if (got != want)
        pc_fail(c, where, "has %lld instance%s on GPUs but asks for %lld", got, got == 1 ? "" : "s",
                want);
    if (dup)
        pc_fail(c, where, "a replica is placed more than once");
    if (bad_idx)
        pc_fail(c, where, "an instance names a replica it does not have");
    if (pc_get(c, tv, "spread")->b && b > a)
        check_spread(c, where, a, b);
    check_listed_gpus(c, where, t, a, b);
    if (c->pol->methods && gpv_method_parse(&mm, method) && !(c->pol->methods & (1u << mm)))
        pc_fail(c, where, "uses %s, which --method does not allow", method);
}

/* pl_nodes_check()'s findings. */
static void
node_finding(void *arg, const char *where, const char *what)
{
    pc_fail(arg, where, "%s", what);
}

int
gpv_plan_check(struct gpv_plan_findings *out, const struct gpv_val *plan, const struct gpv_db *db,
               const struct gpv_plan_policy *pol, const char *name, struct gpv_error *err)
{
    struct chk c;
    size_t a = 0, b, g, t;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = pl_shape(plan, name, err)) || (rc = pl_schema(plan, name, err)))
        return rc;
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
    out->gpus = (int)c.ng;

    c.gi = xcalloc(c.ng + 1, sizeof(*c.gi));
    for (g = 0; g < c.ng; g++) {
        const struct gpv_val *gv = c.gpus->items[g];

        c.gi[g].id = pc_sget(&c, gv, "id");
        c.gi[g].model = pc_sget(&c, gv, "model");
        c.gi[g].mode = pc_sget(&c, gv, "mode");
        c.gi[g].ins = pc_get(&c, gv, "instances");
        c.gi[g].gpu = pc_find(&c, c.gi[g].model);
    }
    check_tenants(&c);
    check_unplaced(&c);
    out->tenants = (int)(c.nt + c.unplaced->n - c.both);
    check_gpu_ids(&c);
    for (g = 0; g < c.ng; g++)
        check_gpu(&c, g);
    /* Each tenant's instances are a run of the sorted collection. */
    sort_instances(&c);
    for (t = 0; t < c.nt; t++) {
        while (a < c.nci && c.ci[a].tenant < (long)t)
            a++;
        for (b = a; b < c.nci && c.ci[b].tenant == (long)t; b++)
            ;
        check_tenant(&c, t, a, b);
    }
    out->checks += pl_nodes_check(plan, db, node_finding, &c);
    pc_check_summary(&c);
    pc_check_models(&c);
    pc_check_policies(&c);
    free(c.tidx);
    free(c.ti);
    free(c.gi);
    free(c.ci);
    return 0;
}
