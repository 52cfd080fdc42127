/*
 * vGPU and passthrough pools of the packer (mixed-size packing in pack_vgpu_mixed.c).
 *
 * Equal-size mode: a GPU holds vGPUs of one frame-buffer size and one series family, at most
 * L of them, where L is the smallest limit among its residents (the type's max, or 1 / compute
 * when a resident needs more than fixed share gives). Filling GPUs in order of ascending L is
 * optimal for that rule; spread demands take distinct GPUs.
 */
#include "pack_config.h"
#include "pack_engine.h"
#include "pack_int.h"
#include "pack_vgpu_int.h"

#include "gpuvplan/util.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct gpv_vgpu_type *
pk_vgpu_type(const struct pk_ctx *c, int model, int t)
{
    return &c->p->models[model].gpu->vgpu->types[t];
}

/* Series family: C-series alone, A/B/Q together (see vgpu.h). */
int
pk_vgpu_family(const struct gpv_vgpu_type *t)
{
    return t->series == GPV_SERIES_C ? 0 : 1;
}

/* ---- per item data ----------------------------------------------------------------------- */

static void
vitems(struct pk_ctx *c, int model, bool mixed, const int *items, size_t n, struct vitem *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct gpv_pack_option *o = pk_opt(c, items[i]);
        const struct gpv_vgpu_type *t = pk_vgpu_type(c, model, o->vgpu_type);

        out[i].demand = items[i];
        out[i].type = o->vgpu_type;
        /* Equal-size: the type's max or the share's cap. Mixed-size: each type is capped by
         * its placement ids; only a compute request caps the GPU's residents in all. */
        out[i].limit = mixed ? gpv_vgpu_equal_share_cap(c->p->demands[items[i]].compute)
                             : gpv_vgpu_limit(t, false, c->p->demands[items[i]].compute);
        out[i].fb = t->framebuffer_mib;
        out[i].fam = pk_vgpu_family(t);
        out[i].size = t->size_gb;
        out[i].replicas = c->p->demands[items[i]].replicas;
        out[i].spread = c->p->demands[items[i]].spread;
    }
}

/* ---- emitting GPUs ----------------------------------------------------------------------- */

void
pk_vrec_add(struct vrecs *r, int bin, int demand, int replica, int type, int placement)
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
int
pk_vgpu_emit_bins(struct pk_ctx *c, struct pk_sol *s, int model, bool mixed, const struct vrecs *r,
                  int nbins)
{
    const struct gpv_gpu *gpu = c->p->models[model].gpu;
    size_t *start = xcalloc((size_t)nbins + 2, sizeof(size_t));
    struct vrec *by = NULL;
    struct gpv_vgpu_resident *res = NULL;
    size_t capres = 0, i;
    bool in_order = !mixed;
    int b, used = 0;

    for (i = 0; i < r->n; i++) {
        start[r->v[i].bin + 1]++;
        in_order = in_order && (i == 0 || r->v[i - 1].bin <= r->v[i].bin);
    }
    for (b = 0; b < nbins; b++)
        start[b + 1] += start[b];
    if (!in_order) {
        /* By bin, stably; equal-size pools mostly fill their bins in order and need no copy
         * (a copy of every record of the pool, at the packer's peak of memory). */
        size_t *fill = xcalloc((size_t)nbins + 1, sizeof(size_t));

        by = xcalloc(r->n + 1, sizeof(*by));
        for (i = 0; i < r->n; i++)
            by[start[r->v[i].bin] + fill[r->v[i].bin]++] = r->v[i];
        free(fill);
    }
    for (b = 0; b < nbins; b++) {
        size_t n = start[b + 1] - start[b], j, k;
        struct vrec *v = (by ? by : r->v) + start[b];
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
    free(by);
    free(res);
    return used;
}

/* ---- equal-size -------------------------------------------------------------------------- */

static int
equal_cmp(const void *pa, const void *pb, const void *ctx)
{
    const struct vitem *a = pa, *b = pb;

    (void)ctx;
    if (a->fb != b->fb)
        return a->fb > b->fb ? -1 : 1;
    if (a->fam != b->fam)
        return a->fam < b->fam ? -1 : 1;
    if (a->limit != b->limit)
        return a->limit < b->limit ? -1 : 1;
    if (a->spread != b->spread)
        return a->spread ? -1 : 1;
    if (a->spread && a->replicas != b->replicas)
        return a->replicas > b->replicas ? -1 : 1;
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

/*
 * Where pack_equal puts each replica. Bins open one after another, and without a spread demand
 * of more than one replica only the last bin opened takes replicas (the stack of bins with
 * room never holds more than it), so each replica goes straight into the plan as an instance
 * of the last GPU (direct); otherwise a record of every replica is kept and the bins emitted
 * at the end (pk_vgpu_emit_bins). At 100k tenants the records were 3.4 MB at the run's peak.
 */
struct eq_out {
    struct pk_ctx *c;
    struct pk_sol *s;
    int model;
    bool direct;
    int bin;  /* direct: the bin of the plan's last GPU (-1: none yet) */
    size_t g; /* its GPU */
    struct gpv_vgpu_resident *res;
    size_t capres;
    struct vrecs recs; /* not direct */
};

/* Direct: the scheduler of the last GPU, from its instances (as pk_vgpu_emit_bins). */
static void
eq_close(struct eq_out *o)
{
    const struct gpv_gpu *gpu = o->c->p->models[o->model].gpu;
    const struct gpv_pack_gpu *pg;
    struct gpv_vgpu_verdict vd;
    size_t j;

    if (o->bin < 0)
        return;
    pg = &o->s->gpus[o->g];
    if (pg->ninsts > o->capres) {
        o->capres = pg->ninsts * 2;
        o->res = xreallocarray(o->res, o->capres, sizeof(*o->res));
    }
    for (j = 0; j < pg->ninsts; j++) {
        const struct gpv_pack_inst *in = &o->s->insts[pg->first + j];

        o->res[j].type = in->vgpu_type;
        o->res[j].compute = o->c->p->demands[in->demand].compute;
        o->res[j].placement = -1;
    }
    /* The packing kept every limit, so a scheduler exists; best effort if not asked. */
    if (gpv_vgpu_scheduler(&vd, gpu, false, o->res, pg->ninsts))
        o->s->gpus[o->g].sched = vd.sched;
}

static void
eq_add(struct eq_out *o, int bin, int demand, int replica, int type)
{
    struct gpv_pack_inst in;

    if (!o->direct) {
        pk_vrec_add(&o->recs, bin, demand, replica, type, -1);
        return;
    }
    if (bin != o->bin) {
        GPV_ASSERT(bin == o->bin + 1);
        eq_close(o);
        o->g = pk_sol_gpu(o->s, o->model, GPV_PACK_VGPU);
        o->bin = bin;
    }
    memset(&in, 0, sizeof(in));
    in.demand = demand;
    in.replica = replica;
    in.profile = -1;
    in.vgpu_type = type;
    in.start = -1;
    in.size = o->c->p->models[o->model].gpu->vgpu->types[type].size_gb;
    pk_sol_inst(o->s, &in);
}

static int
pack_equal(struct pk_ctx *c, struct pk_sol *s, int model, struct vitem *v, size_t n, int *lb)
{
    struct eq_out o;
    struct bins b;
    size_t g0 = 0, g1, i;
    int used;

    memset(&o, 0, sizeof(o));
    memset(&b, 0, sizeof(b));
    o.c = c;
    o.s = s;
    o.model = model;
    o.bin = -1;
    o.direct = true;
    for (i = 0; i < n; i++)
        o.direct = o.direct && !(v[i].spread && v[i].replicas > 1);
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

                    eq_add(&o, bn, v[i].demand, rep++, v[i].type);
                    b.count[bn]++;
                }
                /* Put back those with room, oldest lowest, as they were. */
                for (t = take - 1; t >= 0; t--)
                    if (b.count[popped[t]] < b.cap[popped[t]])
                        b.stack[b.nstack++] = popped[t];
                free(popped);
                while (rep < d->replicas) {
                    int bn = bin_open(&b, L);

                    eq_add(&o, bn, v[i].demand, rep++, v[i].type);
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
                        eq_add(&o, bn, v[i].demand, rep++, v[i].type);
                        b.count[bn]++;
                    }
                    if (b.count[bn] >= b.cap[bn])
                        b.nstack--;
                }
            }
        }
    }
    if (o.direct) {
        eq_close(&o);
        used = b.n;
    } else {
        used = pk_vgpu_emit_bins(c, s, model, false, &o.recs, b.n);
    }
    free(o.recs.v);
    free(o.res);
    free(b.count);
    free(b.cap);
    free(b.stack);
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
    *id = gpv_vgpu_region_fit(&g->reg, pk_vgpu_type(c, model, it->type));
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
                    id = gpv_vgpu_region_fit(&gp[found].reg, pk_vgpu_type(c, model, v[i].type));
            }
            gp[found].count++;
            if (v[i].limit < gp[found].minl)
                gp[found].minl = v[i].limit;
            if (mixed)
                gpv_vgpu_region_take(&gp[found].reg, id, v[i].size);
            mark[found] = v[i].demand + 1;
            pk_vrec_add(&recs, found, v[i].demand, rep, v[i].type, mixed ? id : -1);
        }
    }
    {
        /* The same bounds as the optimal strategy, for a fair gap. */
        struct vitem *w = xcalloc(n + 1, sizeof(*w));
        struct pk_sol scratch;

        memcpy(w, v, n * sizeof(*w));
        memset(&scratch, 0, sizeof(scratch));
        if (mixed)
            pk_vgpu_pack_mixed(c, &scratch, model, w, n, lb);
        else
            pack_equal(c, &scratch, model, w, n, lb);
        free(scratch.gpus);
        free(scratch.insts);
        free(w);
    }
    used = pk_vgpu_emit_bins(c, s, model, mixed, &recs, ng);
    free(recs.v);
    free(gp);
    free(mark);
    free(cls);
    return used;
}

/* ---- entry points ------------------------------------------------------------------------ */

/*
 * Multi-vGPU replicas (an option with gpus >= 2: one whole-GPU type on each of its GPUs): each
 * part is a GPU of its own, so they pack like passthrough. Moves the other items to the front
 * of items and returns their number; *gpus gets the GPUs added.
 */
static size_t
pack_multi(struct pk_ctx *c, struct pk_sol *s, int model, int *items, size_t n, int *gpus)
{
    size_t i, k = 0;

    *gpus = 0;
    for (i = 0; i < n; i++) {
        const struct gpv_pack_option *o = pk_opt(c, items[i]);
        int rep, part;

        if (o->gpus < 2) {
            items[k++] = items[i];
            continue;
        }
        for (rep = 0; rep < c->p->demands[items[i]].replicas; rep++) {
            for (part = 0; part < o->gpus; part++) {
                struct gpv_pack_inst in;

                pk_sol_gpu(s, model, GPV_PACK_VGPU);
                memset(&in, 0, sizeof(in));
                in.demand = items[i];
                in.replica = rep;
                in.profile = -1;
                in.vgpu_type = o->vgpu_type;
                in.start = c->p->models[model].mixed ? 0 : -1;
                in.size = pk_vgpu_type(c, model, o->vgpu_type)->size_gb;
                in.part = part;
                pk_sol_inst(s, &in);
                (*gpus)++;
            }
        }
    }
    return k;
}

void
pk_pack_vgpu(struct pk_ctx *c, struct pk_sol *s, int model, const int *items_in, size_t n, int *lb,
             bool *optimal)
{
    bool mixed = c->p->models[model].mixed;
    struct vitem *v;
    int used, multi;
    int *items;

    *lb = 0;
    *optimal = true;
    if (n == 0)
        return;
    items = xcalloc(n, sizeof(*items));
    memcpy(items, items_in, n * sizeof(*items));
    n = pack_multi(c, s, model, items, n, &multi);
    *lb = multi;
    if (n == 0) {
        free(items);
        return;
    }
    v = xcalloc(n, sizeof(*v));
    vitems(c, model, mixed, items, n, v);
    if (c->p->strategy == GPV_PACK_FIRST_FIT)
        used = pack_first_fit(c, s, model, mixed, v, n, lb);
    else if (mixed)
        used = pk_vgpu_pack_mixed(c, s, model, v, n, lb);
    else
        used = pack_equal(c, s, model, v, n, lb);
    *optimal = used <= *lb;
    *lb += multi;
    free(v);
    free(items);
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
