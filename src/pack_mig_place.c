/*
 * MIG pools: turning a cover into GPUs with placed instances and replicas (materialise), and
 * the first-fit strategy that places demand by demand.
 */

#include "pack_config.h"
#include "pack_int.h"
#include "pack_mig_int.h"

#include "gpuvplan/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- materialising: GPUs, slots, replicas ------------------------------------------------ */

struct mslot {
    int gpu; /* local GPU index */
    int q;   /* profile */
    int start;
    int k; /* class served, -1: unused slot */
    int demand, replica;
    int vgpu_type; /* the demand's option's (MIG-backed vGPU), set with demand */
    bool upgraded; /* q is larger than the option's profile, set with demand */
    bool clients;  /* the option time-slices its instances (pk_inst_clients), set with demand */
};

/* A demand of the pool as placing it reads it: read once, in the items' order. */
struct mdem {
    uint64_t key;  /* the placement order (spread_first_order) */
    int k;         /* its class */
    int replicas;  /* the instances it takes: its replicas, or fewer when its option puts
                      several clients on one instance (pk_units) */
    bool clients;  /* its option has clients */
    int profile;   /* its option's MIG profile */
    int vgpu_type; /* its option's vGPU type, or -1 */
};

struct mat {
    const struct pk_mpool *m;
    struct pk_ctx *c;
    struct mslot *s;
    size_t ns, caps;
    int ngpu;
    int **list; /* per class: slot indices, unupgraded first */
    size_t *nlist, *caplist;
    int *mark; /* per local GPU: demand + 1 that last used it */
    size_t capmark;
};

static void
list_push(struct mat *mt, int k, int slot)
{
    if (mt->nlist[k] == mt->caplist[k]) {
        mt->caplist[k] = mt->caplist[k] ? 2 * mt->caplist[k] : 16;
        mt->list[k] = xreallocarray(mt->list[k], mt->caplist[k], sizeof(int));
    }
    mt->list[k][mt->nlist[k]++] = slot;
}

/* Adds `copies` GPUs of pattern j; returns the first slot index. Slots are not listed. */
static size_t
mat_add_gpus(struct mat *mt, int j, int copies)
{
    const struct pk_mpool *m = mt->m;
    const struct pk_mpat *pt = &m->pat[j];
    const struct gpv_mig_layout *wl = &m->mc->witness[pt->base];
    size_t first = mt->ns;
    int *left = xcalloc((size_t)m->nprof * m->nd, sizeof(int));
    int cpy, i, k;

    for (cpy = 0; cpy < copies; cpy++) {
        memcpy(left, pt->alloc, (size_t)m->nprof * m->nd * sizeof(int));
        if (mt->ns + (size_t)wl->n > mt->caps) {
            mt->caps = (mt->caps + (size_t)wl->n) * 2;
            mt->s = xreallocarray(mt->s, mt->caps, sizeof(*mt->s));
        }
        for (i = 0; i < wl->n; i++) {
            struct mslot *sl = &mt->s[mt->ns++];
            int q = wl->inst[i].profile;

            sl->gpu = mt->ngpu;
            sl->q = q;
            sl->start = wl->inst[i].start;
            sl->k = -1;
            sl->demand = -1;
            sl->replica = 0;
            sl->vgpu_type = -1;
            sl->upgraded = false;
            sl->clients = false;
            /* Serve the own class first, then smaller ones. */
            if (m->cls[q] >= 0 && left[q * m->nd + m->cls[q]] > 0) {
                sl->k = m->cls[q];
            } else {
                for (k = 0; k < m->nd; k++) {
                    if (left[q * m->nd + k] > 0) {
                        sl->k = k;
                        break;
                    }
                }
            }
            if (sl->k >= 0)
                left[q * m->nd + sl->k]--;
        }
        mt->ngpu++;
    }
    free(left);
    if ((size_t)mt->ngpu > mt->capmark) {
        size_t old = mt->capmark;

        mt->capmark = (size_t)mt->ngpu * 2;
        mt->mark = xreallocarray(mt->mark, mt->capmark, sizeof(int));
        memset(mt->mark + old, 0, (mt->capmark - old) * sizeof(int));
    }
    return first;
}

struct lkey {
    int k, upgraded, count, gpu, slot;
};

static int
lkey_cmp(const void *pa, const void *pb)
{
    const struct lkey *a = pa, *b = pb;

    if (a->k != b->k)
        return a->k < b->k ? -1 : 1;
    if (a->upgraded != b->upgraded)
        return a->upgraded < b->upgraded ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->slot < b->slot ? -1 : (a->slot > b->slot);
}

/* Slots of one class on one GPU, at most: a layout's instances. */
#define MAT_MAX_COUNT GPV_MIG_MAX_INSTANCES

/*
 * Lists slots [from, ns) in their classes: slots of the profile asked first, then upgraded
 * ones; within each, GPUs with the most slots of the class first, so that tenants asking for
 * the same profile share GPUs and any excess is left on the mixed layouts. Many slots (the
 * pool's covering GPUs at once) are ordered by a counting sort on (class, upgraded, count),
 * slots visited in index order, which is GPU order: lkey_cmp's order without its n log n.
 */
static void
mat_list(struct mat *mt, size_t from)
{
    size_t n = mt->ns - from, i, a, b, nk = 0;
    size_t nb = (size_t)mt->m->nd * 2 * (MAT_MAX_COUNT + 1);
    struct lkey *keys = xcalloc(n + 1, sizeof(*keys));

    for (a = from; a < mt->ns; a = b) {
        for (b = a; b < mt->ns && mt->s[b].gpu == mt->s[a].gpu; b++)
            ;
        for (i = a; i < b; i++) {
            const struct mslot *sl = &mt->s[i];
            size_t j;
            int count = 0, up;

            if (sl->k < 0)
                continue;
            up = mt->m->dprof[sl->k] != sl->q;
            for (j = a; j < b; j++)
                count += mt->s[j].k == sl->k && (mt->m->dprof[sl->k] != mt->s[j].q) == up;
            keys[nk].k = sl->k;
            keys[nk].upgraded = up;
            keys[nk].count = count;
            keys[nk].gpu = sl->gpu;
            keys[nk].slot = (int)i;
            nk++;
        }
    }
    if (nk < 4 * nb) {
        qsort(keys, nk, sizeof(*keys), lkey_cmp);
        for (i = 0; i < nk; i++)
            list_push(mt, keys[i].k, keys[i].slot);
    } else {
        size_t *at = xcalloc(nb + 1, sizeof(size_t));
        int *slot = xcalloc(nk + 1, sizeof(int));

        for (i = 0; i < nk; i++) {
            GPV_ASSERT(keys[i].count >= 1 && keys[i].count <= MAT_MAX_COUNT);
            keys[i].count = ((keys[i].k * 2 + keys[i].upgraded) * (MAT_MAX_COUNT + 1)) +
                            (MAT_MAX_COUNT - keys[i].count); /* its bucket, from here on */
            at[keys[i].count + 1]++;
        }
        for (i = 0; i < nb; i++)
            at[i + 1] += at[i];
        for (i = 0; i < nk; i++)
            slot[at[keys[i].count]++] = keys[i].slot;
        for (i = 0; i < nk; i++)
            list_push(mt, mt->s[slot[i]].k, slot[i]);
        free(at);
        free(slot);
    }
    free(keys);
}

/* The pattern with the most slots for class k (fewest upgrades on a tie). */
static int
best_pattern_for(const struct pk_mpool *m, int k)
{
    int j, best = -1;

    for (j = 0; j < m->np; j++)
        if (m->pat[j].u[k] > 0 &&
            (best < 0 || m->pat[j].u[k] > m->pat[best].u[k] ||
             (m->pat[j].u[k] == m->pat[best].u[k] && m->pat[j].upg < m->pat[best].upg)))
            best = j;
    /* The loader guarantees every profile fits a GPU alone (db_load_mig.c, check_usable). */
    GPV_ASSERT(best >= 0);
    return best;
}

/* Gives one replica of demand md (index d) the slot si. */
static void
mat_take(struct mat *mt, int si, int d, const struct mdem *md, int replica)
{
    mt->s[si].demand = d;
    mt->s[si].replica = replica;
    mt->s[si].vgpu_type = md->vgpu_type;
    mt->s[si].upgraded = mt->s[si].q != md->profile;
    mt->s[si].clients = md->clients;
    mt->mark[mt->s[si].gpu] = d + 1;
}

/* Places the spread demand md (index d, class k): its replicas on distinct GPUs. */
static void
mat_spread(struct mat *mt, int d, const struct mdem *md, int k, size_t *cursor)
{
    int reps = md->replicas, got = 0;
    size_t scanned = 0, len = mt->nlist[k];

    while (got < reps && scanned < len) {
        int si = mt->list[k][(*cursor + scanned) % len];

        scanned++;
        if (mt->s[si].demand >= 0 || mt->mark[mt->s[si].gpu] == d + 1)
            continue;
        mat_take(mt, si, d, md, got++);
    }
    if (len)
        *cursor = (*cursor + scanned) % len;
    while (got < reps) {
        /* Not enough distinct GPUs with room: a new GPU per missing replica. */
        size_t from = mat_add_gpus(mt, best_pattern_for(mt->m, k), 1), i;

        mat_list(mt, from);
        for (i = from; i < mt->ns; i++) {
            if (mt->s[i].k == k && mt->s[i].demand < 0) {
                mat_take(mt, (int)i, d, md, got++);
                break;
            }
        }
    }
}

/* Places the packed demand md (index d, class k) in the next free slots. */
static void
mat_packed(struct mat *mt, int d, const struct mdem *md, int k, size_t *pos)
{
    int reps = md->replicas, got = 0;

    while (got < reps) {
        int si;

        if (*pos >= mt->nlist[k]) {
            size_t from = mat_add_gpus(mt, best_pattern_for(mt->m, k), 1);

            mat_list(mt, from);
            continue;
        }
        si = mt->list[k][(*pos)++];
        if (mt->s[si].demand >= 0)
            continue;
        mat_take(mt, si, d, md, got++);
    }
}

static int
mdem_cmp(const void *pa, const void *pb)
{
    uint64_t a = ((const struct mdem *)pa)->key, b = ((const struct mdem *)pb)->key;

    return a < b ? -1 : (a > b);
}

/*
 * The n demands of items in placement order, into v: spread demands first, those with more
 * replicas first, then by demand index. What placing reads of each demand and its option is
 * read here once, in the items' order (reading it in placement order, or per slot, missed the
 * cache: at a million tenants those reads cost more than the rest of placing). Key: bit 63
 * set for demands not spread, bits 32-62 INT32_MAX - replicas for spread ones, the index
 * below; keys are distinct, so any sort gives the one order. Items in index order (as the
 * packer makes them) need only the spread demands sorted: the others stay in their order.
 */
static void
spread_first_order(struct mdem *out, const struct pk_ctx *c, const struct pk_mpool *m,
                   const int *items, size_t n)
{
    struct mdem *v = xcalloc(n + 1, sizeof(*v));
    size_t i, a = 0, b, nspread = 0;
    bool ascending = true;

    for (i = 0; i < n; i++) {
        const struct gpv_pack_demand *dm = &c->p->demands[items[i]];
        const struct gpv_pack_option *o = pk_opt(c, items[i]);

        v[i].key = (uint32_t)items[i];
        if (dm->spread)
            v[i].key |= (uint64_t)(INT32_MAX - dm->replicas) << 32;
        else
            v[i].key |= (uint64_t)1 << 63;
        v[i].k = m->cls[o->profile];
        v[i].replicas = pk_units(o, dm->replicas);
        v[i].clients = pk_clients(o) > 1;
        v[i].profile = o->profile;
        v[i].vgpu_type = o->vgpu_type;
        nspread += dm->spread;
        ascending = ascending && (i == 0 || items[i - 1] < items[i]);
    }
    if (!ascending) {
        memcpy(out, v, n * sizeof(*v));
        qsort(out, n, sizeof(*out), mdem_cmp);
    } else {
        for (i = 0, b = nspread; i < n; i++) {
            if (v[i].key >> 63)
                out[b++] = v[i];
            else
                out[a++] = v[i];
        }
        qsort(out, nspread, sizeof(*out), mdem_cmp);
    }
    free(v);
}

/* Turns a cover into GPUs and instances in s, assigning every replica. Returns GPUs used. */
int
pk_mig_materialise(struct pk_ctx *c, struct pk_sol *s, const struct pk_mpool *m,
                   const struct pk_cover *cv, int model, enum gpv_pack_kind kind, const int *items,
                   size_t n)
{
    struct mat mt;
    struct mdem *order = xcalloc(n + 1, sizeof(*order));
    size_t *cursor = xcalloc((size_t)m->nd, sizeof(size_t));
    size_t *pos = xcalloc((size_t)m->nd, sizeof(size_t));
    size_t i, first;
    int j, g, used = 0;

    memset(&mt, 0, sizeof(mt));
    mt.m = m;
    mt.c = c;
    mt.list = xcalloc((size_t)m->nd, sizeof(int *));
    mt.nlist = xcalloc((size_t)m->nd, sizeof(size_t));
    mt.caplist = xcalloc((size_t)m->nd, sizeof(size_t));
    for (j = 0; j < cv->n; j++)
        mat_add_gpus(&mt, cv->pat[j], cv->copies[j]);
    mat_list(&mt, 0);
    spread_first_order(order, c, m, items, n);
    for (i = 0; i < n; i++) {
        const struct mdem *md = &order[i];
        int d = (int)(uint32_t)md->key, k = md->k;

        /* Not spread: bit 63 of the key. */
        if (!(md->key >> 63) && md->replicas > 1)
            mat_spread(&mt, d, md, k, &cursor[k]);
        else
            mat_packed(&mt, d, md, k, &pos[k]);
    }
    /* Emit the GPUs that serve someone; slots are in start order within a GPU. */
    first = 0;
    for (g = 0; g < mt.ngpu; g++) {
        size_t e = first, t;
        bool any = false;

        while (e < mt.ns && mt.s[e].gpu == g) {
            any |= mt.s[e].demand >= 0;
            e++;
        }
        if (any) {
            pk_sol_gpu(s, model, kind);
            used++;
            for (t = first; t < e; t++) {
                const struct mslot *sl = &mt.s[t];
                struct gpv_pack_inst in;

                if (sl->demand < 0)
                    continue;
                memset(&in, 0, sizeof(in));
                in.demand = sl->demand;
                in.replica = sl->replica;
                in.profile = sl->q;
                in.vgpu_type = kind == GPV_PACK_MIG_VGPU ? sl->vgpu_type : -1;
                in.start = sl->start;
                in.size = m->gpu->mig->profiles[sl->q].size;
                in.upgraded = sl->upgraded;
                if (sl->clients)
                    pk_inst_clients(&in, pk_opt(c, sl->demand), c->p->demands[sl->demand].replicas);
                pk_sol_inst(s, &in);
            }
        }
        first = e;
    }
    for (j = 0; j < m->nd; j++)
        free(mt.list[j]);
    free(mt.list);
    free(mt.nlist);
    free(mt.caplist);
    free(mt.s);
    free(mt.mark);
    free(order);
    free(cursor);
    free(pos);
    return used;
}

/* ---- first fit --------------------------------------------------------------------------- */

struct ffrec {
    int gpu, demand, replica, profile;
};

/* Every replica, in input order, on the first GPU that takes one more of its profile. */
int
pk_mig_first_fit(struct pk_ctx *c, struct pk_sol *s, const struct pk_mpool *m, int model,
                 enum gpv_pack_kind kind, const int *items, size_t n)
{
    const struct gpv_gpu *gpu = m->gpu;
    int nprof = m->nprof, ngpu = 0, capg = 0, *counts = NULL, *mark = NULL, *cursor;
    struct ffrec *rec = NULL;
    size_t nrec = 0, caprec = 0, i, *start = NULL, *fill = NULL;
    struct ffrec *byg = NULL;
    int g, used = 0;

    cursor = xcalloc((size_t)nprof, sizeof(int));
    for (i = 0; i < n; i++) {
        int d = items[i], p = pk_opt(c, d)->profile, rep;
        const struct gpv_pack_demand *dm = &c->p->demands[d];

        for (rep = 0; rep < pk_units(pk_opt(c, d), dm->replicas); rep++) {
            int found = -1;

            for (g = cursor[p]; g < ngpu; g++) {
                if (!gpv_mig_can_add(gpu, counts + (size_t)g * nprof, p, 0)) {
                    if (g == cursor[p])
                        cursor[p]++;
                    continue;
                }
                if (dm->spread && mark[g] == d + 1)
                    continue;
                found = g;
                break;
            }
            if (found < 0) {
                if (ngpu == capg) {
                    capg = capg ? 2 * capg : 64;
                    counts = xreallocarray(counts, (size_t)capg * nprof, sizeof(int));
                    mark = xreallocarray(mark, (size_t)capg, sizeof(int));
                }
                memset(counts + (size_t)ngpu * nprof, 0, (size_t)nprof * sizeof(int));
                mark[ngpu] = 0;
                found = ngpu++;
            }
            counts[(size_t)found * nprof + p]++;
            mark[found] = d + 1;
            if (nrec == caprec) {
                caprec = caprec ? 2 * caprec : 256;
                rec = xreallocarray(rec, caprec, sizeof(*rec));
            }
            rec[nrec].gpu = found;
            rec[nrec].demand = d;
            rec[nrec].replica = rep;
            rec[nrec].profile = p;
            nrec++;
        }
    }
    /* Group the records by GPU (counting sort keeps input order inside a GPU). */
    start = xcalloc((size_t)ngpu + 1, sizeof(size_t));
    fill = xcalloc((size_t)ngpu + 1, sizeof(size_t));
    byg = xcalloc(nrec + 1, sizeof(*byg));
    for (i = 0; i < nrec; i++)
        start[rec[i].gpu + 1]++;
    for (g = 0; g < ngpu; g++)
        start[g + 1] += start[g];
    for (i = 0; i < nrec; i++)
        byg[start[rec[i].gpu] + fill[rec[i].gpu]++] = rec[i];
    for (g = 0; g < ngpu; g++) {
        struct gpv_mig_layout l;
        bool taken[GPV_MIG_MAX_INSTANCES], placed;
        size_t e;
        int t;

        placed = gpv_mig_place(&l, gpu, counts + (size_t)g * nprof, 0);
        /* Every count was grown one gpv_mig_can_add() at a time, so it places, and a GPU holds
         * at most GPV_MIG_MAX_INSTANCES records. */
        GPV_ASSERT(placed && start[g + 1] - start[g] <= GPV_MIG_MAX_INSTANCES);
        memset(taken, 0, sizeof(taken));
        pk_sol_gpu(s, model, kind);
        used++;
        /* Instances in start order, each given to the next record of its profile. */
        for (t = 0; t < l.n; t++) {
            for (e = start[g]; e < start[g + 1]; e++) {
                if (!taken[e - start[g]] && byg[e].profile == l.inst[t].profile) {
                    struct gpv_pack_inst in;

                    taken[e - start[g]] = true;
                    memset(&in, 0, sizeof(in));
                    in.demand = byg[e].demand;
                    in.replica = byg[e].replica;
                    in.profile = l.inst[t].profile;
                    in.vgpu_type =
                        kind == GPV_PACK_MIG_VGPU ? pk_opt(c, byg[e].demand)->vgpu_type : -1;
                    in.start = l.inst[t].start;
                    in.size = gpu->mig->profiles[in.profile].size;
                    pk_inst_clients(&in, pk_opt(c, byg[e].demand),
                                    c->p->demands[byg[e].demand].replicas);
                    pk_sol_inst(s, &in);
                    break;
                }
            }
        }
    }
    free(cursor);
    free(counts);
    free(mark);
    free(rec);
    free(start);
    free(fill);
    free(byg);
    return used;
}
