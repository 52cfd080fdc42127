/*
 * Plans: `check`'s tenants seen through their instances (plan_check.c collects them from the
 * GPUs): each instance on a GPU of its tenant's model and method with its profile, the tenant's
 * memory and compute fitting it, every replica once, spread tenants on distinct GPUs, and the
 * GPUs a tenant lists.
 */
#include "gpuvplan/plan.h"

#include "plan_check_int.h"
#include "plan_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Sorts v[0..n), one tenant's instances, in cinst_cmp's order. */
static void
sort_run(struct cinst *v, size_t n)
{
    size_t k, j;

    if (n > 16) {
        qsort(v, n, sizeof(*v), cinst_cmp);
        return;
    }
    for (k = 1; k < n; k++) {
        struct cinst x = v[k];

        for (j = k; j > 0 && cinst_cmp(&v[j - 1], &x) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
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

/* Sorted, de-duplicated copy of an array of strings. */
static size_t
sorted_unique(const char **v, size_t n)
{
    size_t i, k = 0;

    if (n > 16) {
        qsort(v, n, sizeof(*v), pc_str_cmp);
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

/*
 * The part of tenant t (an entry of its "parts": method, gpu, profile as a tenant has them)
 * whose model and method are those of GPU object g; the tenant itself when it has no parts or
 * none matches (the tenant's own keys then say what is wrong). *gpu: that part's model.
 */
static const struct gpv_val *
tenant_part(struct chk *c, size_t t, const struct ginfo *g, const struct gpv_gpu **gpu)
{
    const struct gpv_val *parts = c->ti[t].parts;
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
    const struct ginfo *g = &c->gi[c->run[k].gpu];
    const struct gpv_val *cv = c->ti[t].cv;
    const struct gpv_gpu *gpu = g->gpu;
    const char *xp = c->run[k].profile, *gid = g->id;
    long long n = c->run[k].clients, reps = pc_iget(c, pc_cinst(c, k), "replicas", 0);
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
    const struct ginfo *g = &c->gi[c->run[k].gpu];
    const struct gpv_gpu *tg;
    const struct gpv_val *tv = tenant_part(c, t, g, &tg);
    bool own = tv == c->ti[t].v; /* the tenant itself, whose members are read already */
    const char *method = own ? c->ti[t].method : pc_sget(c, tv, "method");
    const char *prof = own ? c->ti[t].profile : pc_sget(c, tv, "profile");
    const char *migp = own ? c->ti[t].mig_profile : pc_sget(c, tv, "mig_profile");
    const char *xp = c->run[k].profile, *up, *mode = g->mode, *gid = g->id;
    enum gpv_method mm = own ? c->ti[t].meth : pc_method(c, method), gm = g->gmode;
    bool ts_mig = c->run[k].clients > 0;

    if (ts_mig && (gm != GPV_METHOD_MIG || mm != GPV_METHOD_TIME_SLICING)) {
        pc_fail(c, where, "has time-sliced clients on gpu '%s', a %s GPU, but its method is %s",
                gid, mode, method);
        return;
    }
    if (ts_mig)
        check_ts_instance(c, where, t, k);
    else if (gm && mm ? gm != mm : strcmp(mode, method))
        pc_fail(c, where, "its method is %s but gpu '%s' is in %s mode", method, gid, mode);
    if (tg && g->gpu != tg) {
        pc_fail(c, where, "decided for %s but placed on gpu '%s', a %s", tg->id, gid, g->model);
    } else if (tg && (mm == GPV_METHOD_MIG || mm == GPV_METHOD_VGPU || ts_mig)) {
        if (!xp || !prof) {
            pc_fail(c, where, "an instance on gpu '%s' has no profile", gid);
        } else if (xp != prof && strcmp(xp, prof)) {
            int big = pc_profile(c, tg, xp, false), small = pc_profile(c, tg, prof, false);

            up = pc_sget(c, pc_cinst(c, k), "upgraded_from");
            if (mm == GPV_METHOD_VGPU || !up || strcmp(up, prof) ||
                !gpv_pack_mig_serves(tg, big, small))
                pc_fail(c, where, "has %s on gpu '%s' but was decided %s", xp, gid, prof);
        }
    } else if (tg && mm == GPV_METHOD_MIG_VGPU) {
        const char *xv = pc_sget(c, pc_cinst(c, k), "vgpu_type");

        if (!xv || !prof || (xv != prof && strcmp(xv, prof)) || !xp || !migp ||
            (xp != migp && strcmp(xp, migp)))
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
    const struct ginfo *g = &c->gi[c->run[k].gpu];
    const struct gpv_val *cv = c->ti[t].cv;
    const struct gpv_gpu *tg = c->ti[t].gpu;
    const char *xp = c->run[k].profile, *gid = g->id;
    enum gpv_method method = c->ti[t].meth;
    long long need = c->ti[t].memory_mib, have = -1;
    int p;

    if (!tg || g->gpu != tg)
        return true; /* reported by check_tenant_instance() */
    if (method == GPV_METHOD_PASSTHROUGH) {
        have = c->ti[t].whole_gpus * tg->memory_mib;
    } else if (method == GPV_METHOD_MIG && xp && tg->mig &&
               (p = pc_profile(c, tg, xp, false)) >= 0) {
        const struct gpv_mig_profile *mp = &tg->mig->profiles[p];

        have = mp->memory_mib;
        if (cv && cv->type != GPV_V_NULL && pl_num(cv) > 0 &&
            pl_num(cv) * tg->mig->compute_slices > mp->compute_slices + 1e-6) {
            pc_fail(c, where, "asks for compute %g but %s on gpu '%s' has %d of %d compute slices",
                    pl_num(cv), xp, gid, mp->compute_slices, tg->mig->compute_slices);
            return false;
        }
    } else if ((method == GPV_METHOD_VGPU || method == GPV_METHOD_MIG_VGPU) && tg->vgpu) {
        const char *tn = method == GPV_METHOD_VGPU ? xp : pc_sget(c, pc_cinst(c, k), "vgpu_type");

        /* A multi-vGPU replica holds whole_gpus vGPUs of the type, one per GPU. */
        if (tn && (p = pc_profile(c, tg, tn, true)) >= 0)
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

    memcpy(tmp, c->run + a, (b - a) * sizeof(*tmp));
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
    const struct gpv_val *listed = c->ti[t].gpus;
    const char *hbuf[16], *wbuf[16]; /* most tenants have a few: no allocation for them */
    const char **have = b - a < 16 ? hbuf : xcalloc(b - a + 1, sizeof(char *));
    const char **want = listed->n < 16 ? wbuf : xcalloc(listed->n + 1, sizeof(char *));
    size_t nh, nw, k;

    for (k = a; k < b; k++)
        have[k - a] = c->gi[c->run[k].gpu].id;
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
    const struct gpv_val *pv = c->ti[t].parts;
    const char *method = c->ti[t].method;
    long long reps = c->ti[t].replicas, parts = 1, got = (long long)(b - a);
    long long want, placed = c->ti[t].placed;
    bool dup = false, bad_idx = false, fits = true;
    char where[512];
    enum gpv_method mm;
    size_t k;

    pc_where(where, sizeof(where), "tenant '", c->ti[t].name);
    if (c->ti[t].meth == GPV_METHOD_PASSTHROUGH || c->ti[t].meth == GPV_METHOD_VGPU)
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
        const struct cinst *x = &c->run[k];
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
    if (c->ti[t].spread && b > a)
        check_spread(c, where, a, b);
    check_listed_gpus(c, where, t, a, b);
    if (c->pol->methods && gpv_method_parse(&mm, method) && !(c->pol->methods & (1u << mm)))
        pc_fail(c, where, "uses %s, which --method does not allow", method);
}

void
pc_check_instances(struct chk *c)
{
    /*
     * Each tenant's instances, gathered into c->run and sorted there: the collection stays in
     * plan order and only the positions are sorted by tenant (one counting pass), instead of a
     * sorted copy of the whole collection (its 2.7 MB of fresh pages on the bench's CURRENT) or a
     * sort in place (each move there waits for the last one's cache miss).
     */
    uint32_t *at = xcalloc(c->nt + 2, sizeof(*at));
    uint32_t *order = xreallocarray(NULL, c->nci + 1, sizeof(*order));
    size_t a, b, t, k, caprun = 16;

    GPV_ASSERT(c->nci < UINT32_MAX);
    for (k = 0; k < c->nci; k++) {
        GPV_ASSERT(c->ci[k].tenant >= 0 && (size_t)c->ci[k].tenant < c->nt);
        at[c->ci[k].tenant + 1]++;
    }
    for (t = 1; t <= c->nt; t++)
        at[t] += at[t - 1];
    for (k = 0; k < c->nci; k++)
        order[at[c->ci[k].tenant]++] = (uint32_t)k;
    /* at[t] is now where tenant t's run of order[] ends */
    c->run = xreallocarray(NULL, caprun, sizeof(*c->run));
    for (t = 0, a = 0; t < c->nt; t++, a = b) {
        b = at[t];
        if (b - a > caprun) {
            while (caprun < b - a)
                caprun *= 2;
            c->run = xreallocarray(c->run, caprun, sizeof(*c->run));
        }
        for (k = a; k < b; k++)
            c->run[k - a] = c->ci[order[k]];
        sort_run(c->run, b - a);
        check_tenant(c, t, 0, b - a);
    }
    free(c->run);
    c->run = NULL;
    free(order);
    free(at);
}
