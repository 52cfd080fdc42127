/*
 * The pool packer for GPUs shared through the k8s device plugin: time-slicing and MPS
 * (docs/plan.md, "Kubernetes sharing"). A pool is the demands of one model entry using one of
 * the two; every GPU of the pool gets the same replica count, because the plugin applies one
 * sharing config to all GPUs of a node.
 *
 * MPS: each of N replicas gets 1/N of the GPU's memory and threads, so a client of memory m
 * and compute c fits when N <= memory/m and N <= 1/c (its "cap"), and N <= 48. The pool's N is
 * the fleet's stated replicas, else the smallest cap among its clients.
 *
 * Time-slicing: nothing is enforced; as planning headroom the clients of one GPU keep the sum
 * of their memory within the GPU's and the sum of their compute within 1, and there are at
 * most N of them (the stated replicas, else GPV_SHARING_REPLICAS_MAX). The pool's N is the
 * stated replicas, else the most clients any of its GPUs holds (at least 2, the plugin's
 * minimum).
 */
#include "pack_engine.h"
#include "pack_int.h"

#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Time-slicing's first fit visits GPUs up to SHARE_WORK times in all; past that, a demand tries
 * only the SHARE_SCAN GPUs opened last before opening new ones (bounds the work on huge pools). */
#define SHARE_WORK 20000000L
#define SHARE_SCAN 256

int
pk_share_cap(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o)
{
    const struct gpv_pack_demand *dm = &p->demands[d];
    const struct gpv_pack_model *m = &p->models[o->model];
    long long gpu_mib = m->gpu->memory_mib > 0 ? m->gpu->memory_mib : 1;
    long long n = o->kind == GPV_PACK_MPS ? GPV_MPS_CLIENTS_MAX : GPV_SHARING_REPLICAS_MAX;

    if (dm->memory_mib > 0 && gpu_mib / dm->memory_mib < n)
        n = gpu_mib / dm->memory_mib;
    if (dm->compute > 0 && (long long)floor(1.0 / dm->compute + 1e-9) < n)
        n = (long long)floor(1.0 / dm->compute + 1e-9);
    return (int)n;
}

double
pk_share_weight(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o)
{
    const struct gpv_pack_demand *dm = &p->demands[d];
    const struct gpv_pack_model *m = &p->models[o->model];
    int cap = m->share_replicas > 0 ? m->share_replicas : pk_share_cap(p, d, o);
    double w;

    if (o->kind == GPV_PACK_MPS)
        return cap > 0 ? 1.0 / cap : 1.0;
    w = m->gpu->memory_mib > 0 ? (double)dm->memory_mib / (double)m->gpu->memory_mib : 0;
    if (dm->compute > w)
        w = dm->compute;
    if (cap > 0 && 1.0 / cap > w)
        w = 1.0 / cap;
    return w;
}

/*
 * A bound on the GPUs time-sliced clients need by memory: Fekete and Schepers' dual feasible
 * functions u_k(x) = x when (k + 1)x is whole, else floor((k + 1)x) / k, map what one GPU holds
 * to at most 1, so the rounded-up sum over the clients is a bound for every k; the largest over
 * k = 1 .. GPV_SHARING_REPLICAS_MAX. (Ten clients of 4769 MiB fill a 49152 MiB GPU: the plain
 * memory bound says 9.7, u_10 says 10.) Rounding errs low, so the bound stays a bound.
 */
static long long
ts_memory_bound(const struct gpv_pack_problem *p, const int *items, size_t n, long long gpu_mib)
{
    long long best = 0;
    int k;
    size_t i;
    /* Each client's share of the GPU and replicas read once: 64 passes over the demands
       themselves missed the cache at every one once the problem outgrew it (a million
       tenants: 24,740 demands spread over 48 MB). */
    double *xs = xcalloc(n + 1, sizeof(double)), *reps = xcalloc(n + 1, sizeof(double));

    for (i = 0; i < n; i++) {
        xs[i] = (double)p->demands[items[i]].memory_mib / (double)gpu_mib;
        reps[i] = p->demands[items[i]].replicas;
    }
    for (k = 1; k <= GPV_SHARING_REPLICAS_MAX; k++) {
        double sum = 0;
        long long b;

        for (i = 0; i < n; i++) {
            double x = xs[i], y = (k + 1) * x, u;

            if (fabs(y - floor(y + 0.5)) < 1e-9)
                u = x;
            else
                u = floor(y) / k;
            sum += u * reps[i];
        }
        b = (long long)ceil(sum - 1e-6);
        if (b > best)
            best = b;
    }
    free(xs);
    free(reps);
    return best;
}

/* One GPU being filled: its clients as (demand, replica) pairs. */
struct bin {
    long long mib;
    double compute;
    int n;
    int *cl; /* 2 * n: demand, replica */
};

static void
bin_add(struct bin *b, int demand, int replica, long long mib, double compute)
{
    if (!(b->n & (b->n - 1)) || !b->n)
        b->cl = xreallocarray(b->cl, 2 * (size_t)(b->n ? 2 * b->n : 1), sizeof(int));
    b->cl[2 * b->n] = demand;
    b->cl[2 * b->n + 1] = replica;
    b->n++;
    b->mib += mib;
    b->compute += compute;
}

/* Does GPU b hold a client of demand d? */
static bool
bin_holds(const struct bin *b, int d)
{
    int j;

    for (j = 0; j < b->n; j++)
        if (b->cl[2 * j] == d)
            return true;
    return false;
}

/* bins with one more, empty GPU at the end (*n grows; *cap is the room allocated). */
static struct bin *
grow_bins(struct bin *bins, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        bins = xreallocarray(bins, *cap, sizeof(*bins));
    }
    memset(&bins[*n], 0, sizeof(*bins));
    (*n)++;
    return bins;
}

/* An item of the pool and its sort key: MPS by cap ascending (cap set, w 0), time-slicing by
   weight descending (w set, cap 0); then input order. */
/* How many more clients of dm the GPU b takes: count, memory and compute within it. */
static long long
share_room(const struct bin *b, const struct gpv_pack_demand *dm, int cap, long long gpu_mib)
{
    long long room = cap - b->n;

    if (dm->memory_mib > 0 && (gpu_mib - b->mib) / dm->memory_mib < room)
        room = (gpu_mib - b->mib) / dm->memory_mib;
    if (dm->compute > 0 && (long long)floor((1.0 - b->compute) / dm->compute + 1e-9) < room)
        room = (long long)floor((1.0 - b->compute) / dm->compute + 1e-9);
    return room > 0 ? room : 0;
}

/*
 * Time-slicing's first fit in blocks of SHARE_BLOCK GPUs, each with the most any of its GPUs
 * has left of count, memory and compute (each on its own: a block that fails one of them for a
 * demand has no GPU that takes it, so the block is passed over whole, counted as visited as
 * before). Without it a demand tried every GPU not yet full, most of them full for all but the
 * smallest clients: at a million tenants 12 million GPU visits, 100 times those at 100k.
 */
#define SHARE_BLOCK 64

struct share_blk {
    int free_n;
    long long free_mib;
    double free_compute;
};

/* The block of GPU b, summed again from its GPUs. */
static void
blk_update(struct share_blk *blk, const struct bin *bins, size_t nbins, size_t b, int cap,
           long long gpu_mib)
{
    struct share_blk *k = &blk[b / SHARE_BLOCK];
    size_t i, end = (b / SHARE_BLOCK + 1) * SHARE_BLOCK;

    k->free_n = 0;
    k->free_mib = 0;
    k->free_compute = 0;
    for (i = b / SHARE_BLOCK * SHARE_BLOCK; i < end && i < nbins; i++) {
        if (cap - bins[i].n > k->free_n)
            k->free_n = cap - bins[i].n;
        if (gpu_mib - bins[i].mib > k->free_mib)
            k->free_mib = gpu_mib - bins[i].mib;
        if (1.0 - bins[i].compute > k->free_compute)
            k->free_compute = 1.0 - bins[i].compute;
    }
}

/* False when no GPU of the block takes a client of dm (share_room() is 0 for each). */
static bool
blk_may(const struct share_blk *k, const struct gpv_pack_demand *dm)
{
    if (k->free_n < 1)
        return false;
    if (dm->memory_mib > 0 && k->free_mib / dm->memory_mib < 1)
        return false;
    return !(dm->compute > 0 && (long long)floor(k->free_compute / dm->compute + 1e-9) < 1);
}

struct item_key {
    int cap;
    double w;
    int i;
};

static int
cmp_items(const void *a, const void *b)
{
    const struct item_key *x = a, *y = b;

    if (x->cap != y->cap)
        return x->cap < y->cap ? -1 : 1;
    if (fabs(x->w - y->w) > 1e-12)
        return x->w > y->w ? -1 : 1;
    return x->i - y->i;
}

void
pk_pack_share(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
              const int *items, size_t n, int *lb, bool *optimal)
{
    const struct gpv_pack_problem *p = c->p;
    const struct gpv_pack_model *pm = &p->models[model];
    long long gpu_mib = pm->gpu->memory_mib > 0 ? pm->gpu->memory_mib : 1;
    int *caps = xcalloc(n + 1, sizeof(int)), *ord = xcalloc(n + 1, sizeof(int));
    struct item_key *keys = xcalloc(n + 1, sizeof(*keys));
    double *w = xcalloc(n + 1, sizeof(double)), sum_mib = 0, sum_compute = 0;
    struct bin *bins = NULL;
    struct share_blk *blk = NULL; /* time-slicing */
    size_t nbins = 0, capb = 0, i, first_open = 0, b;
    long visits = 0;
    long long total = 0, k;
    int replicas, most = 0, r;

    for (i = 0; i < n; i++) {
        const struct gpv_pack_option *o = pk_opt(c, items[i]);

        caps[i] = pk_share_cap(p, (size_t)items[i], o);
        if (pm->share_replicas > 0 && kind == GPV_PACK_TIME_SLICING)
            caps[i] = pm->share_replicas;
        w[i] = pk_share_weight(p, (size_t)items[i], o);
        keys[i].cap = kind == GPV_PACK_MPS ? caps[i] : 0;
        keys[i].w = kind == GPV_PACK_MPS ? 0 : w[i];
        keys[i].i = (int)i;
        total += p->demands[items[i]].replicas;
        sum_mib += (double)p->demands[items[i]].memory_mib * p->demands[items[i]].replicas;
        sum_compute += p->demands[items[i]].compute * p->demands[items[i]].replicas;
    }
    qsort(keys, n, sizeof(*keys), cmp_items);
    for (i = 0; i < n; i++)
        ord[i] = keys[i].i;
    free(keys);

    if (kind == GPV_PACK_MPS) {
        long long greedy = 0;

        /* Per-GPU replicas could do better: the smallest caps first, each GPU as full as its
           most demanding client allows, is optimal for that and bounds the pool. */
        for (i = 0, k = 0; i < n; i++) {
            long long left = p->demands[items[ord[i]]].replicas;

            while (left > 0) {
                long long take;

                if (k == 0) {
                    greedy++;
                    k = caps[ord[i]];
                }
                take = left < k ? left : k;
                left -= take;
                k -= take;
            }
        }
        replicas = pm->share_replicas > 0 ? pm->share_replicas : n ? caps[ord[0]] : 2;
        if (replicas < 2)
            replicas = 2;
        nbins = (size_t)((total + replicas - 1) / replicas);
        capb = nbins + 1;
        bins = xcalloc(capb, sizeof(*bins));
        /* Spread demands first, one replica a GPU (the next with room that holds none of it),
           then the others in the room left, GPU after GPU. */
        for (i = 0, b = 0; i < n; i++) {
            int d = items[i];
            size_t tried;

            if (!p->demands[d].spread || p->demands[d].replicas < 2)
                continue;
            for (r = 0; r < p->demands[d].replicas; r++) {
                for (tried = 0; tried < nbins; tried++, b = (b + 1) % nbins)
                    if (bins[b].n < replicas && !bin_holds(&bins[b], d))
                        break;
                if (tried == nbins) {
                    bins = grow_bins(bins, &nbins, &capb);
                    b = nbins - 1;
                }
                bin_add(&bins[b], d, r, p->demands[d].memory_mib, p->demands[d].compute);
                b = (b + 1) % nbins;
            }
        }
        for (i = 0, b = 0; i < n; i++) {
            int d = items[i];

            if (p->demands[d].spread && p->demands[d].replicas >= 2)
                continue;
            for (r = 0; r < p->demands[d].replicas; r++) {
                while (b < nbins && bins[b].n >= replicas)
                    b++;
                if (b == nbins)
                    bins = grow_bins(bins, &nbins, &capb);
                bin_add(&bins[b], d, r, p->demands[d].memory_mib, p->demands[d].compute);
            }
        }
        *lb = (int)greedy;
    } else {
        int cap = pm->share_replicas > 0 ? pm->share_replicas : GPV_SHARING_REPLICAS_MAX;
        long long by_count = (total + cap - 1) / cap;
        long long by_mib = (long long)ceil(sum_mib / (double)gpu_mib - 1e-6);
        long long by_compute = (long long)ceil(sum_compute - 1e-6), by_dff;

        /* First fit decreasing, a demand at a time: its replicas are alike, so each GPU from
           the first with room takes as many as fit, then new GPUs as many as fit each. Past
           SHARE_WORK GPU visits, only the SHARE_SCAN GPUs opened last are tried. */
        for (i = 0; i < n; i++) {
            int d = items[ord[i]];
            const struct gpv_pack_demand *dm = &p->demands[d];
            size_t from = first_open;

            if (visits > SHARE_WORK && nbins > first_open + SHARE_SCAN)
                from = nbins - SHARE_SCAN;
            /* The GPUs there are: none takes more of this demand once passed. A spread demand
               takes one replica a GPU. */
            for (b = from, r = 0; b < nbins && r < dm->replicas;) {
                int r0 = r;

                if (b % SHARE_BLOCK == 0 && b + SHARE_BLOCK <= nbins &&
                    !blk_may(&blk[b / SHARE_BLOCK], dm)) {
                    visits += SHARE_BLOCK;
                    b += SHARE_BLOCK;
                    continue;
                }
                visits++;
                k = share_room(&bins[b], dm, cap, gpu_mib);
                if (dm->spread && k > 1)
                    k = 1;
                for (; k > 0 && r < dm->replicas; k--, r++)
                    bin_add(&bins[b], d, r, dm->memory_mib, dm->compute);
                if (r > r0)
                    blk_update(blk, bins, nbins, b, cap, gpu_mib);
                b++;
            }
            /* New GPUs for the rest, each as full as this demand makes it. */
            while (r < dm->replicas) {
                if (nbins == capb) {
                    capb = capb ? 2 * capb : 64;
                    bins = xreallocarray(bins, capb, sizeof(*bins));
                    blk = xreallocarray(blk, capb / SHARE_BLOCK + 1, sizeof(*blk));
                }
                memset(&bins[nbins], 0, sizeof(*bins));
                nbins++;
                /* An empty GPU takes at least one: pk_check_problem() checked the option (a
                   stated replica count is at least 2). */
                k = share_room(&bins[nbins - 1], dm, cap, gpu_mib);
                GPV_ASSERT(k > 0);
                if (dm->spread)
                    k = 1;
                for (; k > 0 && r < dm->replicas; k--, r++)
                    bin_add(&bins[nbins - 1], d, r, dm->memory_mib, dm->compute);
                blk_update(blk, bins, nbins, nbins - 1, cap, gpu_mib);
            }
            while (first_open < nbins &&
                   (bins[first_open].n >= cap || bins[first_open].mib >= gpu_mib))
                first_open++;
        }
        for (b = 0; b < nbins; b++)
            if (bins[b].n > most)
                most = bins[b].n;
        replicas = pm->share_replicas > 0 ? pm->share_replicas : most < 2 ? 2 : most;
        by_dff = ts_memory_bound(p, items, n, gpu_mib);
        if (by_dff > by_mib)
            by_mib = by_dff;
        if (by_mib > by_count)
            by_count = by_mib;
        *lb = (int)(by_compute > by_count ? by_compute : by_count);
    }
    /* A spread demand's replicas are on distinct GPUs. */
    for (i = 0; i < n; i++)
        if (p->demands[items[i]].spread && p->demands[items[i]].replicas > *lb)
            *lb = p->demands[items[i]].replicas;
    for (b = 0; b < nbins; b++) {
        size_t g = pk_sol_gpu(s, model, kind);
        int j;

        s->gpus[g].replicas = replicas;
        for (j = 0; j < bins[b].n; j++) {
            struct gpv_pack_inst in;

            memset(&in, 0, sizeof(in));
            in.demand = bins[b].cl[2 * j];
            in.replica = bins[b].cl[2 * j + 1];
            in.profile = -1;
            in.vgpu_type = -1;
            in.start = j;
            pk_sol_inst(s, &in);
        }
        free(bins[b].cl);
    }
    if (*lb > (int)nbins)
        *lb = (int)nbins;
    *optimal = *lb == (int)nbins;
    free(bins);
    free(blk);
    free(caps);
    free(ord);
    free(w);
}
