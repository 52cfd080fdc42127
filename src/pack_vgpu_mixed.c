/*
 * Mixed-size vGPU pools: interval packing over the types' placement ids, largest first, one GPU
 * layout built greedily and then repeated as often as the remaining counts allow.
 */
#include "pack_config.h"
#include "pack_int.h"
#include "pack_vgpu_int.h"

#include "gpuvplan/util.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
            pk_vrec_add(recs, nbins + extra, d, got++, cl[kc].type,
                        pk_vgpu_type(c, model, cl[kc].type)->placements[0]);
            extra++;
        }
    }
    for (j = 0; j < sl->n; j++)
        if (sl->dem[j] >= 0)
            pk_vrec_add(recs, sl->bin[j], sl->dem[j], sl->rep[j], cl[sl->cls[j]].type, sl->id[j]);
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

int
pk_vgpu_pack_mixed(struct pk_ctx *c, struct pk_sol *s, int model, struct vitem *v, size_t n,
                   int *lb)
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
    used = pk_vgpu_emit_bins(c, s, model, true, &recs, nbins);
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
