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

const char *
pc_sget(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    return v && v->type == GPV_V_STR ? v->s : NULL;
}

long long
pc_iget(const struct gpv_val *o, const char *k, long long dflt)
{
    const struct gpv_val *v = gpv_val_get(o, k);

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

long
pc_tname_find(const struct tname *v, size_t n, const char *name)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(v[mid].name, name);

        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && !strcmp(v[lo].name, name) ? (long)v[lo].idx : -1;
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

/* Sorted, de-duplicated copy of an array of strings. */
static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t
sorted_unique(const char **v, size_t n)
{
    size_t i, k = 0;

    if (n > 1)
        qsort(v, n, sizeof(*v), str_cmp);
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

    c->names = xcalloc(c->nt + 1, sizeof(*c->names));
    c->ti = xcalloc(c->nt + 1, sizeof(*c->ti));
    for (i = 0; i < c->nt; i++) {
        const struct gpv_val *t = c->tenants->items[i], *cv = gpv_val_get(t, "compute");

        c->names[i].name = pc_sget(t, "name");
        c->names[i].idx = i;
        c->ti[i].v = t;
        c->ti[i].name = c->names[i].name;
        c->ti[i].compute = cv && cv->type != GPV_V_NULL ? pl_num(cv) : 0.0;
        c->ti[i].gpu = pc_find(c, pc_sget(t, "gpu"));
    }
    if (c->nt > 1)
        qsort(c->names, c->nt, sizeof(*c->names), tname_cmp);
    for (i = 0; i + 1 < c->nt; i++) {
        if (!strcmp(c->names[i].name, c->names[i + 1].name) &&
            (i == 0 || strcmp(c->names[i - 1].name, c->names[i].name))) {
            snprintf(where, sizeof(where), "tenant '%s'", c->names[i].name);
            pc_fail(c, where, "is listed more than once in tenants");
        }
    }
    for (i = 0; i < c->nt; i++) {
        const struct gpv_val *t = c->tenants->items[i];
        const char *m = pc_sget(t, "method");
        struct gpv_error e;

        c->out->checks++;
        snprintf(where, sizeof(where), "tenant '%s'", c->ti[i].name);
        if (!method_mode(m))
            pc_fail(c, where,
                    "method '%s' is not passthrough, vgpu, mig, mig-vgpu, time-slicing or mps", m);
        if (!c->ti[i].gpu)
            pc_fail(c, where, "%s", pl_model_problem(&e, c->db, pc_sget(t, "gpu")));
        if (pc_iget(t, "replicas", 0) < 1)
            pc_fail(c, where, "%lld replicas", pc_iget(t, "replicas", 0));
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
        unames[i].name = pc_sget(unplaced->items[i], "tenant");
        unames[i].idx = i;
    }
    if (unplaced->n > 1)
        qsort(unames, unplaced->n, sizeof(*unames), tname_cmp);
    for (i = 1; i < unplaced->n; i++)
        if (!strcmp(unames[i - 1].name, unames[i].name))
            repeated[unames[i].idx] = true;
    for (i = 0; i < unplaced->n; i++) {
        const char *un = pc_sget(unplaced->items[i], "tenant");

        long t = pc_tname_find(c->names, c->nt, un);

        c->out->checks++;
        snprintf(where, sizeof(where), "tenant '%s'", un);
        if (t >= 0) {
            /* Partly placed: the replicas left out are the ones the tenant does not place. */
            const struct gpv_val *tv = c->ti[t].v;
            long long reps = pc_iget(tv, "replicas", 0), placed = pc_iget(tv, "placed", reps);
            long long left = pc_iget(unplaced->items[i], "replicas", -1);

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
            const struct gpv_val *rs = gpv_val_get(unplaced->items[i], "reasons");

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
    struct tname *gnames = xcalloc(c->ng + 1, sizeof(*gnames));
    char where[512];
    size_t i;

    for (i = 0; i < c->ng; i++) {
        gnames[i].name = pc_sget(c->gpus->items[i], "id");
        gnames[i].idx = i;
    }
    if (c->ng > 1)
        qsort(gnames, c->ng, sizeof(*gnames), tname_cmp);
    for (i = 0; i + 1 < c->ng; i++)
        if (!strcmp(gnames[i].name, gnames[i + 1].name) &&
            (i == 0 || strcmp(gnames[i - 1].name, gnames[i].name))) {
            snprintf(where, sizeof(where), "gpu '%s'", gnames[i].name);
            pc_fail(c, where, "the id is used by more than one GPU");
        }
    free(gnames);
}

/* GPU g's instances: the memory they allocate, and each one of a known tenant collected. */
static void
collect_instances(struct chk *c, const char *where, size_t g, const struct gpv_gpu *gpu)
{
    const struct gpv_val *gv = c->gpus->items[g], *ins = gpv_val_get(gv, "instances");
    const char *mode = pc_sget(gv, "mode");
    size_t j;

    for (j = 0; j < ins->n; j++) {
        const struct gpv_val *x = ins->items[j];
        const char *tn = pc_sget(x, "tenant"), *pn = pc_sget(x, "profile");
        long t = pc_tname_find(c->names, c->nt, tn);
        int p;

        if (!gpu)
            ;
        else if (!strcmp(mode, "passthrough"))
            c->mem_alloc += gpu->memory_mib;
        else if (!strcmp(mode, "vgpu") && pn && gpu->vgpu &&
                 (p = gpv_gpu_find_vgpu_type(gpu, pn)) >= 0)
            c->mem_alloc += gpu->vgpu->types[p].framebuffer_mib;
        else if (pn && gpu->mig && (p = gpv_gpu_find_profile(gpu, pn)) >= 0)
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
        c->ci[c->nci].replica = pc_iget(x, "replica", -1);
        c->ci[c->nci].part = pc_iget(x, "part", 0);
        c->ci[c->nci].clients = pc_iget(x, "clients", 0);
        c->ci[c->nci].gpu = g;
        c->ci[c->nci].idx = j;
        c->nci++;
    }
}

/* GPU g: a known model, a mode with a valid layout, the model and instance policies. */
static void
check_gpu(struct chk *c, size_t g)
{
    const struct gpv_plan_policy *pol = c->pol;
    const struct gpv_val *gv = c->gpus->items[g], *ins = gpv_val_get(gv, "instances");
    const char *id = pc_sget(gv, "id"), *model = pc_sget(gv, "model"), *mode = pc_sget(gv, "mode");
    const struct gpv_gpu *gpu = pc_find(c, model);
    char where[512];
    size_t j;

    c->out->checks++;
    snprintf(where, sizeof(where), "gpu '%s'", id);
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
tenant_part(struct chk *c, size_t t, const struct gpv_val *g, const struct gpv_gpu **gpu)
{
    const struct gpv_val *parts = gpv_val_get(c->ti[t].v, "parts");
    const struct gpv_gpu *gm = pc_find(c, pc_sget(g, "model"));
    const char *mode = pc_sget(g, "mode");
    size_t i;

    *gpu = c->ti[t].gpu;
    for (i = 0; parts && parts->type == GPV_V_ARR && i < parts->n; i++) {
        const struct gpv_val *pv = parts->items[i];
        const char *pm = pc_sget(pv, "method");
        const struct gpv_gpu *pg = pc_find(c, pc_sget(pv, "gpu"));

        if (pg && pg == gm && pm && mode && !strcmp(pm, mode)) {
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
    const struct gpv_val *g = c->gpus->items[c->ci[k].gpu];
    const struct gpv_val *x = gpv_val_get(g, "instances")->items[c->ci[k].idx];
    const struct gpv_val *cv = gpv_val_get(c->ti[t].v, "compute");
    const struct gpv_gpu *gpu = pc_find(c, pc_sget(g, "model"));
    const char *xp = pc_sget(x, "profile"), *gid = pc_sget(g, "id");
    long long n = c->ci[k].clients, reps = pc_iget(x, "replicas", 0);
    long long mib = pc_iget(c->ti[t].v, "memory_mib", 0);
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
    const struct gpv_val *g = c->gpus->items[c->ci[k].gpu];
    const struct gpv_val *x = gpv_val_get(g, "instances")->items[c->ci[k].idx];
    const struct gpv_gpu *tg;
    const struct gpv_val *tv = tenant_part(c, t, g, &tg);
    const char *method = pc_sget(tv, "method"), *prof = pc_sget(tv, "profile");
    const char *migp = pc_sget(tv, "mig_profile"), *xp = pc_sget(x, "profile");
    const char *up = pc_sget(x, "upgraded_from"), *mode = pc_sget(g, "mode"),
               *gid = pc_sget(g, "id");

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
    if (tg && pc_find(c, pc_sget(g, "model")) != tg) {
        pc_fail(c, where, "decided for %s but placed on gpu '%s', a %s", tg->id, gid,
                pc_sget(g, "model"));
    } else if (tg && (!strcmp(method, "mig") || !strcmp(method, "vgpu") || ts_mig)) {
        if (!xp || !prof) {
            pc_fail(c, where, "an instance on gpu '%s' has no profile", gid);
        } else if (strcmp(xp, prof)) {
            int big = gpv_gpu_find_profile(tg, xp), small = gpv_gpu_find_profile(tg, prof);

            if (!strcmp(method, "vgpu") || !up || strcmp(up, prof) ||
                !gpv_pack_mig_serves(tg, big, small))
                pc_fail(c, where, "has %s on gpu '%s' but was decided %s", xp, gid, prof);
        }
    } else if (tg && !strcmp(method, "mig-vgpu")) {
        const char *xv = pc_sget(x, "vgpu_type");

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
    const struct gpv_val *tv = c->ti[t].v, *g = c->gpus->items[c->ci[k].gpu];
    const struct gpv_val *x = gpv_val_get(g, "instances")->items[c->ci[k].idx];
    const struct gpv_val *cv = gpv_val_get(tv, "compute");
    const struct gpv_gpu *tg = c->ti[t].gpu;
    const char *method = pc_sget(tv, "method"), *xp = pc_sget(x, "profile"),
               *gid = pc_sget(g, "id");
    long long need = pc_iget(tv, "memory_mib", -1), have = -1;
    int p;

    if (!tg || pc_find(c, pc_sget(g, "model")) != tg)
        return true; /* reported by check_tenant_instance() */
    if (!strcmp(method, "passthrough")) {
        have = pc_iget(tv, "whole_gpus", 1) * tg->memory_mib;
    } else if (!strcmp(method, "mig") && xp && tg->mig && (p = gpv_gpu_find_profile(tg, xp)) >= 0) {
        const struct gpv_mig_profile *mp = &tg->mig->profiles[p];

        have = mp->memory_mib;
        if (cv && cv->type != GPV_V_NULL && pl_num(cv) > 0 &&
            pl_num(cv) * tg->mig->compute_slices > mp->compute_slices + 1e-6) {
            pc_fail(c, where, "asks for compute %g but %s on gpu '%s' has %d of %d compute slices",
                    pl_num(cv), xp, gid, mp->compute_slices, tg->mig->compute_slices);
            return false;
        }
    } else if ((!strcmp(method, "vgpu") || !strcmp(method, "mig-vgpu")) && tg->vgpu) {
        const char *tn = !strcmp(method, "vgpu") ? xp : pc_sget(x, "vgpu_type");

        /* A multi-vGPU replica holds whole_gpus vGPUs of the type, one per GPU. */
        if (tn && (p = gpv_gpu_find_vgpu_type(tg, tn)) >= 0)
            have = pc_iget(tv, "whole_gpus", 1) * tg->vgpu->types[p].framebuffer_mib;
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
            pc_fail(c, where, "spread, but two replicas share gpu '%s'",
                    pc_sget(c->gpus->items[tmp[k].gpu], "id"));
            break;
        }
    }
    free(tmp);
}

/* The GPUs tenant t lists are the GPUs its instances ci[a..b) are on. */
static void
check_listed_gpus(struct chk *c, const char *where, size_t t, size_t a, size_t b)
{
    const struct gpv_val *listed = gpv_val_get(c->ti[t].v, "gpus");
    const char **have = xcalloc(b - a + 1, sizeof(char *));
    const char **want = xcalloc(listed->n + 1, sizeof(char *));
    size_t nh, nw, k;

    for (k = a; k < b; k++)
        have[k - a] = pc_sget(c->gpus->items[c->ci[k].gpu], "id");
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
    free(have);
    free(want);
}

/* Tenant t, whose instances are ci[a..b): every replica once, on its model and method. */
static void
check_tenant(struct chk *c, size_t t, size_t a, size_t b)
{
    const struct gpv_val *tv = c->ti[t].v, *pv = gpv_val_get(tv, "parts");
    const char *method = pc_sget(tv, "method");
    long long reps = pc_iget(tv, "replicas", 0), parts = 1, got = (long long)(b - a);
    long long want, placed = pc_iget(tv, "placed", reps);
    bool dup = false, bad_idx = false, fits = true;
    char where[512];
    enum gpv_method mm;
    size_t k;

    snprintf(where, sizeof(where), "tenant '%s'", c->ti[t].name);
    if (!strcmp(method, "passthrough") || !strcmp(method, "vgpu"))
        parts = pc_iget(tv, "whole_gpus", 1); /* vgpu: several vGPUs per replica, one per GPU */
    want = placed * parts;
    if (pv && pv->type == GPV_V_ARR && pv->n) {
        /* Replicas on several options: each part's replicas times its whole GPUs. */
        long long sum = 0;

        want = 0;
        for (k = 0; k < pv->n; k++) {
            long long r = pc_iget(pv->items[k], "replicas", 0);
            long long w = pc_iget(pv->items[k], "whole_gpus", 1);

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
    if (gpv_val_get(tv, "spread")->b && b > a)
        check_spread(c, where, a, b);
    check_listed_gpus(c, where, t, a, b);
    if (c->pol->methods && gpv_method_parse(&mm, method) && !(c->pol->methods & (1u << mm)))
        pc_fail(c, where, "uses %s, which --method does not allow", method);
}

/* The summary's counts agree with the plan. */
static void
check_summary(struct chk *c)
{
    const struct gpv_val *sum = c->sum;
    long long used = pc_iget(sum, "gpus_used", -1), lb = pc_iget(sum, "lower_bound", -1);
    long long ntot = pc_iget(sum, "tenants", -1), npl = pc_iget(sum, "placed", -1);
    long long nun = pc_iget(sum, "unplaced", -1);
    size_t ng = c->ng, nt = c->nt, nu = c->unplaced->n;

    c->out->checks++;
    if (used != (long long)ng)
        pc_fail(c, "summary", "gpus_used is %lld but the plan has %zu GPUs", used, ng);
    if (lb > (long long)ng)
        pc_fail(c, "summary", "lower_bound %lld is above the %zu GPUs used", lb, ng);
    if (npl != (long long)nt)
        pc_fail(c, "summary", "placed is %lld but tenants lists %zu", npl, nt);
    if (nun != (long long)nu)
        pc_fail(c, "summary", "unplaced is %lld but unplaced lists %zu", nun, nu);
    /* A partly placed tenant is in both lists. */
    if (ntot != (long long)(nt + nu - c->both))
        pc_fail(c, "summary", "tenants is %lld but the plan accounts for %zu", ntot,
                nt + nu - c->both);
}

/*
 * summary.models against the GPUs: each model's count, bound and optimality, and the totals,
 * gap and cost recomputed from them (the policies then use the recomputed cost).
 */
static void
check_models(struct chk *c)
{
    const struct gpv_val *models = gpv_val_get(c->sum, "models");
    const struct gpv_val *ph = gpv_val_get(gpv_val_get(c->sum, "cost"), "per_hour");
    const struct gpv_val *pm = gpv_val_get(gpv_val_get(c->sum, "cost"), "per_month");
    const struct gpv_val *lbc, *oc;
    long long lb_sum = 0, used_in_models = 0, ninst = 0, bound;
    bool all_optimal = true, cost_known = true;
    double cost = 0.0;
    size_t m, g, o;
    char where[300];

    c->cost = -1.0;
    if (!models)
        return;
    c->out->checks++;
    for (g = 0; g < c->ng; g++)
        ninst += (long long)gpv_val_get(c->gpus->items[g], "instances")->n;
    if (pc_iget(c->sum, "instances", -1) != ninst)
        pc_fail(c, "summary", "instances is %lld but the GPUs hold %lld",
                pc_iget(c->sum, "instances", -1), ninst);
    for (m = 0; m < models->n; m++) {
        const struct gpv_val *mv = models->items[m], *cph = gpv_val_get(mv, "cost_per_hour");
        const char *id = pc_sget(mv, "gpu");
        long long n = 0, gpus = pc_iget(mv, "gpus", -1), lb = pc_iget(mv, "lower_bound", -1);
        bool opt = gpv_val_get(mv, "optimal")->b;

        snprintf(where, sizeof(where), "summary.models '%.200s'", id);
        /* A model may have several fleet entries (vGPU modes, sharing): their GPUs add up. */
        for (o = 0; o < m && strcmp(pc_sget(models->items[o], "gpu"), id); o++)
            ;
        if (o == m) {
            long long listed = 0;

            for (g = 0; g < c->ng; g++)
                n += !strcmp(pc_sget(c->gpus->items[g], "model"), id);
            for (o = m; o < models->n; o++)
                if (!strcmp(pc_sget(models->items[o], "gpu"), id))
                    listed += pc_iget(models->items[o], "gpus", -1);
            if (listed != n)
                pc_fail(c, where, "gpus is %lld but the plan has %lld GPUs of the model", listed,
                        n);
        }
        if (lb > gpus)
            pc_fail(c, where, "lower_bound %lld is above its %lld GPUs", lb, gpus);
        if (opt && lb != gpus)
            pc_fail(c, where, "optimal, but its lower bound %lld is not its %lld GPUs", lb, gpus);
        n = gpus;
        used_in_models += n;
        lb_sum += lb;
        all_optimal = all_optimal && opt;
        if (n > 0 && cph->type == GPV_V_NULL)
            cost_known = false;
        else if (n > 0)
            cost += (double)n * pl_num(cph);
    }
    if (used_in_models != (long long)c->ng)
        pc_fail(c, "summary", "models account for %lld GPUs but the plan has %zu", used_in_models,
                c->ng);
    /* The models' bounds are for the choices made (lower_bound_choices, optimal_choices);
     * summary.lower_bound is over every allowed choice, and optimal means it is reached. */
    bound = pc_iget(c->sum, "lower_bound", -1);
    lbc = gpv_val_get(c->sum, "lower_bound_choices");
    oc = gpv_val_get(c->sum, "optimal_choices");
    if (!lbc || !oc) {
        /* An older plan, without them: its one bound was the models'. */
        lbc = gpv_val_get(c->sum, "lower_bound");
        oc = gpv_val_get(c->sum, "optimal");
    }
    if (pl_num(lbc) != (double)lb_sum)
        pc_fail(c, "summary",
                "the bound for the choices made is %lld but the models' bounds "
                "add up to %lld",
                (long long)pl_num(lbc), lb_sum);
    if (oc->b != all_optimal)
        pc_fail(c, "summary", "optimality for the choices made is %s but %s",
                oc->b ? "true" : "false",
                all_optimal ? "every model is optimal" : "a model is not");
    if (pc_iget(c->sum, "gap", -1) != (long long)c->ng - bound)
        pc_fail(c, "summary", "gap is %lld but gpus_used - lower_bound is %lld",
                pc_iget(c->sum, "gap", -1), (long long)c->ng - bound);
    /* optimal: proven at the GPU bound, or (every model priced) at the cost bound; a plan may
     * meet the GPU bound and still not be proven (replicas left out, or a higher cost). */
    {
        const struct gpv_val *cv = gpv_val_get(c->sum, "cost");
        const struct gpv_val *clb = cv ? gpv_val_get(cv, "lower_bound_per_hour") : NULL;
        bool at_cost = clb && clb->type != GPV_V_NULL && ph->type != GPV_V_NULL &&
                       pl_num(ph) <= pl_num(clb) + 1e-6 * (1.0 + pl_num(clb));

        if (gpv_val_get(c->sum, "optimal")->b && bound != (long long)c->ng && !at_cost)
            pc_fail(c, "summary",
                    "optimal is true but the lower bound %lld is not the %zu GPUs "
                    "used",
                    bound, c->ng);
        if (clb && clb->type != GPV_V_NULL && ph->type != GPV_V_NULL &&
            pl_num(clb) > pl_num(ph) + 1e-6 * (1.0 + pl_num(ph)))
            pc_fail(c, "summary", "cost.lower_bound_per_hour %g is above the plan's cost %g",
                    pl_num(clb), pl_num(ph));
    }
    if (!cost_known) {
        if (ph->type != GPV_V_NULL)
            pc_fail(c, "summary", "cost.per_hour is %g but a model used has no cost_per_hour",
                    pl_num(ph));
        return;
    }
    c->cost = cost;
    if (ph->type == GPV_V_NULL || fabs(pl_num(ph) - cost) > 1e-3 * (1.0 + cost))
        pc_fail(c, "summary", "cost.per_hour is %s but the GPUs cost %.4f per hour",
                ph->type == GPV_V_NULL ? "null" : "wrong", cost);
    if (pm && pm->type != GPV_V_NULL &&
        fabs(pl_num(pm) - cost * 730.0) > 1e-3 * (1.0 + cost * 730.0))
        pc_fail(c, "summary", "cost.per_month is %g but 730 hours cost %.4f", pl_num(pm),
                cost * 730.0);
}

/* The policies on the whole plan: GPUs, gap, optimality, cost, utilisation. */
static void
check_policies(struct chk *c)
{
    const struct gpv_plan_policy *pol = c->pol;
    long long lb = pc_iget(c->sum, "lower_bound", -1), ng = (long long)c->ng;

    if (pol->max_gpus >= 0) {
        c->out->checks++;
        if (ng > pol->max_gpus)
            pc_fail(c, "policy", "the plan uses %lld GPUs, more than --max-gpus %lld", ng,
                    pol->max_gpus);
    }
    if (pol->max_gap >= 0) {
        c->out->checks++;
        if (ng - lb > pol->max_gap)
            pc_fail(c, "policy",
                    "%lld GPUs above the lower bound of %lld, more than --max-gap %lld", ng - lb,
                    lb, pol->max_gap);
    }
    if (pol->require_optimal) {
        c->out->checks++;
        if (!gpv_val_get(c->sum, "optimal")->b)
            pc_fail(c, "policy", "the plan is not proven optimal (%lld GPUs, lower bound %lld)", ng,
                    lb);
    }
    if (pol->max_cost >= 0) {
        c->out->checks++;
        /* The recomputed cost, whatever summary.cost says. */
        if (c->cost < 0)
            pc_fail(c, "policy",
                    "the cost is unknown (the fleet gives no cost_per_hour), so "
                    "--max-cost cannot hold");
        else if (c->cost > pol->max_cost + 1e-9)
            pc_fail(c, "policy", "the plan costs %.2f per hour, more than --max-cost %.2f", c->cost,
                    pol->max_cost);
    }
    if (pol->min_utilization >= 0) {
        double u = c->mem_total ? (double)c->mem_alloc / c->mem_total : 0.0;

        c->out->checks++;
        if (u + 1e-9 < pol->min_utilization)
            pc_fail(c, "policy", "memory utilisation is %.1f%%, below --min-utilization %.1f%%",
                    u * 100.0, pol->min_utilization * 100.0);
    }
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

    check_tenants(&c);
    check_unplaced(&c);
    out->tenants = (int)(c.nt + c.unplaced->n - c.both);
    check_gpu_ids(&c);
    for (g = 0; g < c.ng; g++)
        check_gpu(&c, g);
    /* Each tenant's instances are a run of the sorted collection. */
    if (c.nci)
        if (c.nci > 1)
            qsort(c.ci, c.nci, sizeof(*c.ci), cinst_cmp);
    for (t = 0; t < c.nt; t++) {
        while (a < c.nci && c.ci[a].tenant < (long)t)
            a++;
        for (b = a; b < c.nci && c.ci[b].tenant == (long)t; b++)
            ;
        check_tenant(&c, t, a, b);
    }
    out->checks += pl_nodes_check(plan, db, node_finding, &c);
    check_summary(&c);
    check_models(&c);
    check_policies(&c);
    free(c.names);
    free(c.ti);
    free(c.ci);
    return 0;
}
