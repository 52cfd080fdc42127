/*
 * vGPU and passthrough pools of the packer.
 *
 * Equal-size mode: a GPU holds vGPUs of one frame-buffer size and one series family, at most
 * L of them, where L is the smallest limit among its residents (the type's max, or 1 / compute
 * when a resident needs more than fixed share gives). Filling GPUs in order of ascending L is
 * optimal for that rule; spread demands take distinct GPUs.
 *
 * Mixed-size mode: interval packing over the types' placement ids, largest first, one GPU
 * layout built greedily and then repeated as often as the remaining counts allow.
 */
#include "pack_config.h"
#include "pack_engine.h"
#include "pack_int.h"

#include "gpuvplan/util.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct gpv_vgpu_type *
vtype(const struct pk_ctx *c, int model, int t)
{
    return &c->p->models[model].gpu->vgpu->types[t];
}

/* Series family: C-series alone, A/B/Q together (see vgpu.h). */
static int
family(const struct gpv_vgpu_type *t)
{
    return t->series == GPV_SERIES_C ? 0 : 1;
}

/* ---- per item data ----------------------------------------------------------------------- */

struct vitem {
    int demand;
    int type;
    int limit; /* most residents on a GPU holding it */
    long long fb;
    int fam;
    int size; /* GB */
};

static void
vitems(struct pk_ctx *c, int model, bool mixed, const int *items, size_t n, struct vitem *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct gpv_pack_option *o = pk_opt(c, items[i]);
        const struct gpv_vgpu_type *t = vtype(c, model, o->vgpu_type);

        out[i].demand = items[i];
        out[i].type = o->vgpu_type;
        /* Equal-size: the type's max or the share's cap. Mixed-size: each type is capped by
         * its placement ids; only a compute request caps the GPU's residents in all. */
        out[i].limit = mixed ? gpv_vgpu_equal_share_cap(c->p->demands[items[i]].compute)
                             : gpv_vgpu_limit(t, false, c->p->demands[items[i]].compute);
        out[i].fb = t->framebuffer_mib;
        out[i].fam = family(t);
        out[i].size = t->size_gb;
    }
}

/* ---- emitting GPUs ----------------------------------------------------------------------- */

struct vrec {
    int bin, demand, replica, type, placement;
};

struct vrecs {
    struct vrec *v;
    size_t n, cap;
};

static void
vrec_add(struct vrecs *r, int bin, int demand, int replica, int type, int placement)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
    }
    r->v[r->n].bin = bin;
    r->v[r->n].demand = demand;
    r->v[r->n].replica = replica;
    r->v[r->n].type = type;
    r->v[r->n].placement = placement;
    r->n++;
}

/* Appends bins 0..nbins as GPUs with their records (placement order in mixed-size mode). */
static int
emit_bins(struct pk_ctx *c, struct pk_sol *s, int model, bool mixed, const struct vrecs *r,
          int nbins)
{
    const struct gpv_gpu *gpu = c->p->models[model].gpu;
    size_t *start = xcalloc((size_t)nbins + 2, sizeof(size_t));
    size_t *fill = xcalloc((size_t)nbins + 1, sizeof(size_t));
    struct vrec *by = xcalloc(r->n + 1, sizeof(*by));
    struct gpv_vgpu_resident *res = NULL;
    size_t capres = 0, i;
    int b, used = 0;

    for (i = 0; i < r->n; i++)
        start[r->v[i].bin + 1]++;
    for (b = 0; b < nbins; b++)
        start[b + 1] += start[b];
    for (i = 0; i < r->n; i++)
        by[start[r->v[i].bin] + fill[r->v[i].bin]++] = r->v[i];
    for (b = 0; b < nbins; b++) {
        size_t n = start[b + 1] - start[b], j, k;
        struct vrec *v = by + start[b];
        struct gpv_vgpu_verdict vd;
        size_t g;

        if (!n)
            continue;
        if (mixed) {
            /* Placement order; insertion sort (a GPU holds a few dozen vGPUs at most). */
            for (j = 1; j < n; j++) {
                struct vrec x = v[j];

                for (k = j; k > 0 && v[k - 1].placement > x.placement; k--)
                    v[k] = v[k - 1];
                v[k] = x;
            }
        }
        if (n > capres) {
            capres = n * 2;
            res = xreallocarray(res, capres, sizeof(*res));
        }
        for (j = 0; j < n; j++) {
            res[j].type = v[j].type;
            res[j].compute = c->p->demands[v[j].demand].compute;
            res[j].placement = v[j].placement;
        }
        g = pk_sol_gpu(s, model, GPV_PACK_VGPU);
        /* The packing kept every limit, so a scheduler exists; best effort if not asked. */
        if (gpv_vgpu_scheduler(&vd, gpu, mixed, res, n))
            s->gpus[g].sched = vd.sched;
        used++;
        for (j = 0; j < n; j++) {
            struct gpv_pack_inst in;

            memset(&in, 0, sizeof(in));
            in.demand = v[j].demand;
            in.replica = v[j].replica;
            in.profile = -1;
            in.vgpu_type = v[j].type;
            in.start = mixed ? v[j].placement : -1;
            in.size = gpu->vgpu->types[v[j].type].size_gb;
            pk_sol_inst(s, &in);
        }
    }
    free(start);
    free(fill);
    free(by);
    free(res);
    return used;
}

/* ---- equal-size -------------------------------------------------------------------------- */

static int
equal_cmp(const void *pa, const void *pb, const void *ctx)
{
    const struct vitem *a = pa, *b = pb;
    const struct pk_ctx *c = ctx;
    const struct gpv_pack_demand *da = &c->p->demands[a->demand], *db = &c->p->demands[b->demand];

    if (a->fb != b->fb)
        return a->fb > b->fb ? -1 : 1;
    if (a->fam != b->fam)
        return a->fam < b->fam ? -1 : 1;
    if (a->limit != b->limit)
        return a->limit < b->limit ? -1 : 1;
    if (da->spread != db->spread)
        return da->spread ? -1 : 1;
    if (da->spread && da->replicas != db->replicas)
        return da->replicas > db->replicas ? -1 : 1;
    return a->demand < b->demand ? -1 : (a->demand > b->demand);
}

static bool
same_group(const struct vitem *a, const struct vitem *b)
{
    return a->fb == b->fb && a->fam == b->fam;
}

struct bins {
    int *count, *cap;
    int n, capn;
    int *stack; /* bins with room, most recent on top */
    int nstack;
};

static int
bin_open(struct bins *b, int cap)
{
    if (b->n == b->capn) {
        b->capn = b->capn ? 2 * b->capn : 64;
        b->count = xreallocarray(b->count, (size_t)b->capn, sizeof(int));
        b->cap = xreallocarray(b->cap, (size_t)b->capn, sizeof(int));
        b->stack = xreallocarray(b->stack, (size_t)b->capn, sizeof(int));
    }
    b->count[b->n] = 0;
    b->cap[b->n] = cap;
    return b->n++;
}

/* The optimum for one group without spread: fill bins in ascending limit order. */
static int
group_bound(const struct vitem *v, size_t n, const struct pk_ctx *c)
{
    long long room = 0, bins = 0;
    size_t i = 0;
    int spread = 0;

    while (i < n) {
        long long cnt = 0, take;
        int L = v[i].limit;

        for (; i < n && v[i].limit == L; i++) {
            const struct gpv_pack_demand *d = &c->p->demands[v[i].demand];

            cnt += d->replicas;
            if (d->spread && d->replicas > spread)
                spread = d->replicas;
        }
        take = cnt < room ? cnt : room;
        cnt -= take;
        room -= take;
        if (cnt > 0) {
            long long nb = (cnt + L - 1) / L;

            bins += nb;
            room = nb * L - cnt;
        }
    }
    return bins > spread ? (int)bins : spread;
}

static int
pack_equal(struct pk_ctx *c, struct pk_sol *s, int model, struct vitem *v, size_t n, int *lb)
{
    struct vrecs recs;
    struct bins b;
    size_t g0 = 0, g1, i;
    int used;

    memset(&recs, 0, sizeof(recs));
    memset(&b, 0, sizeof(b));
    gpv_sort_stable(v, n, sizeof(*v), equal_cmp, c);
    *lb = 0;
    for (g0 = 0; g0 < n; g0 = g1) {
        for (g1 = g0; g1 < n && same_group(&v[g0], &v[g1]); g1++)
            ;
        *lb += group_bound(v + g0, g1 - g0, c);
        b.nstack = 0; /* a new group never shares GPUs with the previous one */
        for (i = g0; i < g1; i++) {
            const struct gpv_pack_demand *d = &c->p->demands[v[i].demand];
            int rep = 0, L = v[i].limit;

            if (d->spread && d->replicas > 1) {
                int take = d->replicas < b.nstack ? d->replicas : b.nstack, t;
                int *popped = xcalloc((size_t)take + 1, sizeof(int));

                for (t = 0; t < take; t++)
                    popped[t] = b.stack[b.nstack - 1 - t];
                b.nstack -= take;
                for (t = 0; t < take; t++) {
                    int bn = popped[t];

                    vrec_add(&recs, bn, v[i].demand, rep++, v[i].type, -1);
                    b.count[bn]++;
                }
                /* Put back those with room, oldest lowest, as they were. */
                for (t = take - 1; t >= 0; t--)
                    if (b.count[popped[t]] < b.cap[popped[t]])
                        b.stack[b.nstack++] = popped[t];
                free(popped);
                while (rep < d->replicas) {
                    int bn = bin_open(&b, L);

                    vrec_add(&recs, bn, v[i].demand, rep++, v[i].type, -1);
                    b.count[bn]++;
                    if (b.count[bn] < b.cap[bn])
                        b.stack[b.nstack++] = bn;
                }
            } else {
                while (rep < d->replicas) {
                    int bn, k;

                    if (b.nstack == 0) {
                        bn = bin_open(&b, L);
                        b.stack[b.nstack++] = bn;
                    }
                    bn = b.stack[b.nstack - 1];
                    k = b.cap[bn] - b.count[bn];
                    if (k > d->replicas - rep)
                        k = d->replicas - rep;
                    for (; k > 0; k--) {
                        vrec_add(&recs, bn, v[i].demand, rep++, v[i].type, -1);
                        b.count[bn]++;
                    }
                    if (b.count[bn] >= b.cap[bn])
                        b.nstack--;
                }
            }
        }
    }
    used = emit_bins(c, s, model, false, &recs, b.n);
    free(recs.v);
    free(b.count);
    free(b.cap);
    free(b.stack);
    return used;
}

/* ---- mixed-size -------------------------------------------------------------------------- */

/* A class of mixed-size items: one type and one limit. */
struct mcls {
    int type, limit, fam, size;
    long long count; /* replicas */
};

static int
mixed_cmp(const void *pa, const void *pb, const void *ctx)
{
    const struct vitem *a = pa, *b = pb;
    const struct pk_ctx *c = ctx;
    (void)c;
    if (a->fam != b->fam)
        return a->fam < b->fam ? -1 : 1;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if (a->limit != b->limit)
        return a->limit < b->limit ? -1 : 1;
    return a->demand < b->demand ? -1 : (a->demand > b->demand);
}

/* One GPU layout built greedily: per slot the class and its placement id. */
struct mlayout {
    int n;
    int cls[GPV_VGPU_REGION_MAX];
    int id[GPV_VGPU_REGION_MAX];
};

/*
 * Builds the fullest GPU it can from classes [c0, c1) (one family) with the counts left,
 * largest first, each vGPU at its type's lowest free placement id.
 */
static void
mixed_build(const struct pk_ctx *c, int model, const struct mcls *cl, const long long *left, int c0,
            int c1, struct mlayout *out)
{
    const struct gpv_gpu *gpu = c->p->models[model].gpu;
    struct gpv_vgpu_region reg;
    int k, minl = INT_MAX;

    memset(&reg, 0, sizeof(reg));
    reg.gb = gpv_vgpu_region_gb(gpu);
    out->n = 0;
    for (k = c0; k < c1; k++) {
        long long want = left[k];
        const struct gpv_vgpu_type *t = &gpu->vgpu->types[cl[k].type];

        while (want > 0) {
            int lim = minl < cl[k].limit ? minl : cl[k].limit, id;

            if (out->n + 1 > lim)
                break;
            id = gpv_vgpu_region_fit(&reg, t);
            if (id < 0)
                break;
            gpv_vgpu_region_take(&reg, id, t->size_gb);
            out->cls[out->n] = k;
            out->id[out->n] = id;
            out->n++;
            minl = lim;
            want--;
        }
    }
}

/* Lower bound for one family's classes: frame buffer, per-type max, share and spread. */
static int
mixed_bound(const struct pk_ctx *c, int model, const struct mcls *cl, int c0, int c1, int spread)
{
    const struct gpv_gpu *gpu = c->p->models[model].gpu;
    double gb = 0.0, share = 0.0;
    int region = gpv_vgpu_region_gb(gpu), best = spread, k, b;

    for (k = c0; k < c1; k++) {
        const struct gpv_vgpu_type *t = &gpu->vgpu->types[cl[k].type];
        long long per_type = 0;
        int j;

        gb += (double)cl[k].count * t->size_gb;
        share += (double)cl[k].count / cl[k].limit;
        /* One bound per type over all its classes (the first class of the type counts them). */
        if (k > c0 && cl[k - 1].type == cl[k].type)
            continue;
        for (j = k; j < c1 && cl[j].type == cl[k].type; j++)
            per_type += cl[j].count;
        b = (int)((per_type + t->max_mixed - 1) / t->max_mixed);
        if (b > best)
            best = b;
    }
    b = (int)ceil(gb / region - PACK_BOUND_EPS);
    if (b > best)
        best = b;
    b = (int)ceil(share - PACK_BOUND_EPS);
    if (b > best)
        best = b;
    return best;
}

struct mgpu {
    int first; /* index into the slot arrays */
    int n;
};

/* The slots of all GPUs of a mixed-size pool: class, placement id, GPU (bin) and owner. */
struct mslots {
    int *cls, *id, *bin, *dem, *rep; /* dem -1: free; rep: the owner's replica */
    size_t n, cap;
};

/*
 * Lays out GPUs family by family: a layout built greedily for what is left, repeated while every
 * class in it still has that many left. Appends the slots to sl and counts GPUs in *nbins; adds
 * each family's lower bound to *lb.
 */
static void
mixed_layouts(struct pk_ctx *c, int model, const struct mcls *cl, int ncl, long long *left,
              const struct vitem *v, size_t n, const int *item_cls, struct mslots *sl, int *nbins,
              int *lb)
{
    struct mlayout lay;
    size_t i;
    int c0, c1;

    for (c0 = 0; c0 < ncl; c0 = c1) {
        int spread = 0;

        for (c1 = c0; c1 < ncl && cl[c1].fam == cl[c0].fam; c1++)
            ;
        for (i = 0; i < n; i++) {
            const struct gpv_pack_demand *d = &c->p->demands[v[i].demand];

            if (item_cls[i] >= c0 && item_cls[i] < c1 && d->spread && d->replicas > spread)
                spread = d->replicas;
        }
        *lb += mixed_bound(c, model, cl, c0, c1, spread);
        for (;;) {
            long long times = -1;
            int t, rep;

            mixed_build(c, model, cl, left, c0, c1, &lay);
            if (lay.n == 0)
                break;
            /* Repeat the layout while every class in it still has that many left. */
            for (t = 0; t < lay.n; t++) {
                long long in_layout = 0;
                int u;

                for (u = 0; u < lay.n; u++)
                    in_layout += lay.cls[u] == lay.cls[t];
                if (times < 0 || left[lay.cls[t]] / in_layout < times)
                    times = left[lay.cls[t]] / in_layout;
            }
            if (times < 1)
                times = 1;
            for (rep = 0; rep < times; rep++) {
                if (sl->n + (size_t)lay.n > sl->cap) {
                    sl->cap = (sl->n + (size_t)lay.n) * 2;
                    sl->cls = xreallocarray(sl->cls, sl->cap, sizeof(int));
                    sl->id = xreallocarray(sl->id, sl->cap, sizeof(int));
                    sl->bin = xreallocarray(sl->bin, sl->cap, sizeof(int));
                    sl->dem = xreallocarray(sl->dem, sl->cap, sizeof(int));
                    sl->rep = xreallocarray(sl->rep, sl->cap, sizeof(int));
                }
                for (t = 0; t < lay.n; t++) {
                    sl->cls[sl->n] = lay.cls[t];
                    sl->id[sl->n] = lay.id[t];
                    sl->bin[sl->n] = *nbins;
                    sl->dem[sl->n] = -1;
                    sl->rep[sl->n] = 0;
                    sl->n++;
                    if (left[lay.cls[t]] > 0)
                        left[lay.cls[t]]--;
                }
                (*nbins)++;
            }
        }
    }
}

/*
 * Hands out the slots of sl (nbins GPUs) to the replicas: per class in slot order, spread
 * demands first and on distinct GPUs. Records every placement in recs; a replica with no slot
 * left gets a GPU of its own. Returns how many such GPUs were added after the nbins.
 */
static int
mixed_hand_out(struct pk_ctx *c, int model, const struct mcls *cl, int ncl, const struct vitem *v,
               size_t n, const int *item_cls, struct mslots *sl, int nbins, struct vrecs *recs)
{
    int **list = xcalloc((size_t)ncl + 1, sizeof(int *));
    size_t *nl = xcalloc((size_t)ncl + 1, sizeof(size_t));
    size_t *pos = xcalloc((size_t)ncl + 1, sizeof(size_t));
    size_t *cur = xcalloc((size_t)ncl + 1, sizeof(size_t));
    int *mark = xcalloc((size_t)nbins + 1, sizeof(int));
    int *ord = xcalloc(n + 1, sizeof(int));
    size_t o = 0, i, j;
    int extra = 0, k;

    for (j = 0; j < sl->n; j++)
        nl[sl->cls[j]]++;
    for (k = 0; k < ncl; k++) {
        list[k] = xcalloc(nl[k] + 1, sizeof(int));
        nl[k] = 0;
    }
    for (j = 0; j < sl->n; j++)
        list[sl->cls[j]][nl[sl->cls[j]]++] = (int)j;
    /* Spread demands first, then the rest, each in item order. */
    for (i = 0; i < n; i++)
        if (c->p->demands[v[i].demand].spread && c->p->demands[v[i].demand].replicas > 1)
            ord[o++] = (int)i;
    for (i = 0; i < n; i++)
        if (!(c->p->demands[v[i].demand].spread && c->p->demands[v[i].demand].replicas > 1))
            ord[o++] = (int)i;
    for (j = 0; j < n; j++) {
        int it = ord[j], d = v[it].demand, kc = item_cls[it], got = 0;
        int reps = c->p->demands[d].replicas;
        bool spread = c->p->demands[d].spread && reps > 1;

        if (spread) {
            size_t scanned = 0, len = nl[kc];

            while (got < reps && scanned < len) {
                int si = list[kc][(cur[kc] + scanned) % len];

                scanned++;
                if (sl->dem[si] >= 0 || mark[sl->bin[si]] == d + 1)
                    continue;
                sl->dem[si] = d;
                sl->rep[si] = got++;
                mark[sl->bin[si]] = d + 1;
            }
            if (len)
                cur[kc] = (cur[kc] + scanned) % len;
        } else {
            while (got < reps && pos[kc] < nl[kc]) {
                int si = list[kc][pos[kc]++];

                if (sl->dem[si] >= 0)
                    continue;
                sl->dem[si] = d;
                sl->rep[si] = got++;
                mark[sl->bin[si]] = d + 1;
            }
        }
        /* Whatever did not fit (spread short of distinct GPUs): a GPU per replica. */
        while (got < reps) {
            vrec_add(recs, nbins + extra, d, got++, cl[kc].type,
                     vtype(c, model, cl[kc].type)->placements[0]);
            extra++;
        }
    }
    for (j = 0; j < sl->n; j++)
        if (sl->dem[j] >= 0)
            vrec_add(recs, sl->bin[j], sl->dem[j], sl->rep[j], cl[sl->cls[j]].type, sl->id[j]);
    for (k = 0; k < ncl; k++)
        free(list[k]);
    free(list);
    free(nl);
    free(pos);
    free(cur);
    free(mark);
    free(ord);
    return extra;
}

static int
pack_mixed(struct pk_ctx *c, struct pk_sol *s, int model, struct vitem *v, size_t n, int *lb)
{
    struct mcls *cl = xcalloc(n + 1, sizeof(*cl));
    long long *left = NULL;
    int *item_cls = xcalloc(n + 1, sizeof(int));
    int ncl = 0, k, nbins = 0;
    struct mslots sl;
    size_t i;
    struct vrecs recs;
    int used;

    memset(&recs, 0, sizeof(recs));
    memset(&sl, 0, sizeof(sl));
    gpv_sort_stable(v, n, sizeof(*v), mixed_cmp, c);
    for (i = 0; i < n; i++) {
        if (!ncl || cl[ncl - 1].type != v[i].type || cl[ncl - 1].limit != v[i].limit) {
            cl[ncl].type = v[i].type;
            cl[ncl].limit = v[i].limit;
            cl[ncl].fam = v[i].fam;
            cl[ncl].size = v[i].size;
            ncl++;
        }
        cl[ncl - 1].count += c->p->demands[v[i].demand].replicas;
        item_cls[i] = ncl - 1;
    }
    left = xcalloc((size_t)ncl + 1, sizeof(long long));
    for (k = 0; k < ncl; k++)
        left[k] = cl[k].count;
    *lb = 0;
    mixed_layouts(c, model, cl, ncl, left, v, n, item_cls, &sl, &nbins, lb);
    nbins += mixed_hand_out(c, model, cl, ncl, v, n, item_cls, &sl, nbins, &recs);
    used = emit_bins(c, s, model, true, &recs, nbins);
    free(recs.v);
    free(cl);
    free(left);
    free(item_cls);
    free(sl.cls);
    free(sl.id);
    free(sl.bin);
    free(sl.dem);
    free(sl.rep);
    return used;
}

/* ---- first fit --------------------------------------------------------------------------- */

struct ffgpu {
    int fam;
    long long fb; /* equal-size: the frame buffer it holds */
    int count, minl;
    struct gpv_vgpu_region reg; /* mixed-size only */
};

/* A (group, limit) class for cursors: GPUs before the cursor cannot take the class. */
struct ffcls {
    long long fb;
    int fam, type, limit, cursor;
};

static int
ff_class(struct ffcls **cls, int *n, int *cap, const struct vitem *it, bool mixed)
{
    int k;

    for (k = *n - 1; k >= 0; k--) {
        struct ffcls *x = &(*cls)[k];

        if (x->fam == it->fam && x->limit == it->limit &&
            (mixed ? x->type == it->type : x->fb == it->fb))
            return k;
    }
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *cls = xreallocarray(*cls, (size_t)*cap, sizeof(**cls));
    }
    (*cls)[*n].fb = it->fb;
    (*cls)[*n].fam = it->fam;
    (*cls)[*n].type = it->type;
    (*cls)[*n].limit = it->limit;
    (*cls)[*n].cursor = 0;
    return (*n)++;
}

static bool
ff_fits(const struct pk_ctx *c, int model, bool mixed, const struct ffgpu *g,
        const struct vitem *it, int *id)
{
    int lim = g->minl < it->limit ? g->minl : it->limit;

    if (g->fam != it->fam || g->count + 1 > lim)
        return false;
    if (!mixed)
        return g->fb == it->fb;
    *id = gpv_vgpu_region_fit(&g->reg, vtype(c, model, it->type));
    return *id >= 0;
}

static int
pack_first_fit(struct pk_ctx *c, struct pk_sol *s, int model, bool mixed, const struct vitem *v,
               size_t n, int *lb)
{
    struct ffgpu *gp = NULL;
    int ng = 0, capg = 0, *mark = NULL, ncls = 0, capcls = 0, used;
    struct ffcls *cls = NULL;
    struct vrecs recs;
    size_t i;

    memset(&recs, 0, sizeof(recs));
    for (i = 0; i < n; i++) {
        const struct gpv_pack_demand *d = &c->p->demands[v[i].demand];
        int k = ff_class(&cls, &ncls, &capcls, &v[i], mixed), rep;

        for (rep = 0; rep < d->replicas; rep++) {
            int g, found = -1, id = -1;

            for (g = cls[k].cursor; g < ng; g++) {
                if (!ff_fits(c, model, mixed, &gp[g], &v[i], &id)) {
                    if (g == cls[k].cursor)
                        cls[k].cursor++;
                    continue;
                }
                if (d->spread && mark[g] == v[i].demand + 1)
                    continue;
                found = g;
                break;
            }
            if (found < 0) {
                if (ng == capg) {
                    capg = capg ? 2 * capg : 64;
                    gp = xreallocarray(gp, (size_t)capg, sizeof(*gp));
                    mark = xreallocarray(mark, (size_t)capg, sizeof(int));
                }
                memset(&gp[ng], 0, sizeof(gp[ng]));
                gp[ng].fam = v[i].fam;
                gp[ng].fb = v[i].fb;
                gp[ng].minl = INT_MAX;
                gp[ng].reg.gb = gpv_vgpu_region_gb(c->p->models[model].gpu);
                mark[ng] = 0;
                found = ng++;
                if (mixed)
                    id = gpv_vgpu_region_fit(&gp[found].reg, vtype(c, model, v[i].type));
            }
            gp[found].count++;
            if (v[i].limit < gp[found].minl)
                gp[found].minl = v[i].limit;
            if (mixed)
                gpv_vgpu_region_take(&gp[found].reg, id, v[i].size);
            mark[found] = v[i].demand + 1;
            vrec_add(&recs, found, v[i].demand, rep, v[i].type, mixed ? id : -1);
        }
    }
    {
        /* The same bounds as the optimal strategy, for a fair gap. */
        struct vitem *w = xcalloc(n + 1, sizeof(*w));
        struct pk_sol scratch;

        memcpy(w, v, n * sizeof(*w));
        memset(&scratch, 0, sizeof(scratch));
        if (mixed)
            pack_mixed(c, &scratch, model, w, n, lb);
        else
            pack_equal(c, &scratch, model, w, n, lb);
        free(scratch.gpus);
        free(scratch.insts);
        free(w);
    }
    used = emit_bins(c, s, model, mixed, &recs, ng);
    free(recs.v);
    free(gp);
    free(mark);
    free(cls);
    return used;
}

/* ---- entry points ------------------------------------------------------------------------ */

void
pk_pack_vgpu(struct pk_ctx *c, struct pk_sol *s, int model, const int *items, size_t n, int *lb,
             bool *optimal)
{
    bool mixed = c->p->models[model].mixed;
    struct vitem *v;
    int used;

    *lb = 0;
    *optimal = true;
    if (n == 0)
        return;
    v = xcalloc(n, sizeof(*v));
    vitems(c, model, mixed, items, n, v);
    if (c->p->strategy == GPV_PACK_FIRST_FIT)
        used = pack_first_fit(c, s, model, mixed, v, n, lb);
    else if (mixed)
        used = pack_mixed(c, s, model, v, n, lb);
    else
        used = pack_equal(c, s, model, v, n, lb);
    *optimal = used <= *lb;
    free(v);
}

void
pk_pack_whole(struct pk_ctx *c, struct pk_sol *s, int model, const int *items, size_t n, int *lb,
              bool *optimal)
{
    size_t i;
    int total = 0;

    for (i = 0; i < n; i++) {
        const struct gpv_pack_option *o = pk_opt(c, items[i]);
        int rep, part;

        for (rep = 0; rep < c->p->demands[items[i]].replicas; rep++) {
            for (part = 0; part < o->gpus; part++) {
                struct gpv_pack_inst in;

                pk_sol_gpu(s, model, GPV_PACK_WHOLE);
                memset(&in, 0, sizeof(in));
                in.demand = items[i];
                in.replica = rep;
                in.profile = -1;
                in.vgpu_type = -1;
                in.start = -1;
                in.part = part;
                pk_sol_inst(s, &in);
                total++;
            }
        }
    }
    *lb = total;
    *optimal = true;
}
