/*
 * Keeping to a fleet's limits (the driver's, pack.c): pk_fit_fleet() moves demands off
 * over-full models and leaves the last ones out, asking pk_model_need() how many GPUs a model
 * needs hundreds of times on a fleet-limited site; pk_model_need() keeps each pool's last
 * packing (struct pk_need) and packs again only the pools whose demands changed.
 */
#include "gpuvplan/pack.h"

#include "pack_config.h"
#include "pack_driver.h"
#include "pack_int.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * pk_model_need's state, kept between its calls (it runs hundreds of times on a fleet-limited
 * site): a plan whose GPUs and instances keep their room, a bucket of up to ndemands demands,
 * and per pool of nmodels models its last packing.
 */
struct pk_need {
    struct pk_sol s;
    int *items;
    size_t nmodels, ndemands;
    struct need_pool *pools; /* per pool (model * NKINDS + kind) */
};

/* One demand of a pool as its engine sees it: the same three mean the same packing. */
struct need_item {
    const struct gpv_pack_option *o; /* the option in use (fixes the caller's demand too) */
    int demand, replicas;
};

/*
 * A pool's last packing by pk_model_need: its demands, the search budget, and what packing
 * them gave (GPUs, and the search effort and stopped searches it added to the context, added
 * again when the same pool is asked for again, so the counters read as if it were packed).
 */
struct need_pool {
    struct need_item *items;
    size_t n, cap;
    bool valid;
    long bb_nodes, nodes, cut;
    int gpus;
};

/* Gives n room for p's models and demands. */
static void
need_fit(struct pk_need *n, const struct gpv_pack_problem *p)
{
    size_t k;

    if (!n->pools || n->nmodels < p->nmodels) {
        for (k = 0; n->pools && k < n->nmodels * NKINDS; k++)
            free(n->pools[k].items);
        free(n->pools);
        n->pools = xcalloc(p->nmodels * NKINDS + 1, sizeof(*n->pools));
        n->nmodels = p->nmodels;
    }
    if (!n->items || n->ndemands < p->ndemands) {
        free(n->items);
        n->items = xcalloc(p->ndemands + 1, sizeof(int));
        n->ndemands = p->ndemands;
    }
}

struct pk_need *
pk_need_new(void)
{
    return xcalloc(1, sizeof(struct pk_need));
}

/* Frees what n holds and n itself (NULL: nothing). */
void
pk_need_free(struct pk_need *n)
{
    size_t k;

    if (!n)
        return;
    for (k = 0; n->pools && k < n->nmodels * NKINDS; k++)
        free(n->pools[k].items);
    free(n->pools);
    pk_sol_release(&n->s);
    free(n->items);
    free(n);
}

/*
 * Whether pool n packs the same demands as items[0..k) with the same budget: then its engine,
 * which sees only those, packs them the same way.
 */
static bool
pool_same(const struct pk_ctx *c, const struct need_pool *n, const int *asg, const int *items,
          size_t k)
{
    const struct gpv_pack_problem *p = c->p;
    size_t i;

    if (!n->valid || n->bb_nodes != c->bb_nodes || n->n != k)
        return false;
    for (i = 0; i < k; i++) {
        const struct gpv_pack_demand *dm = &p->demands[items[i]];
        const struct need_item *x = &n->items[i];

        if (x->demand != items[i] || x->o != &dm->options[asg[items[i]]] ||
            x->replicas != dm->replicas)
            return false;
    }
    return true;
}

/* Packs pool (m, kind) of items[0..k) into n's plan and keeps what it needs in pool n. */
static void
pool_pack(struct pk_ctx *c, struct pk_need *need, struct need_pool *n, int m,
          enum gpv_pack_kind kind, const int *asg, const int *items, size_t k)
{
    const struct gpv_pack_problem *p = c->p;
    long nodes = c->nodes, cut = c->cut;
    int lb = 0;
    bool opt = true;
    size_t i;

    need->s.ngpus = 0;
    need->s.ninsts = 0;
    c->asg = asg;
    pk_pack_pool(c, &need->s, m, kind, items, k, &lb, &opt);
    if (k > n->cap) {
        free(n->items);
        n->cap = k;
        n->items = xcalloc(k, sizeof(*n->items));
    }
    for (i = 0; i < k; i++) {
        const struct gpv_pack_demand *dm = &p->demands[items[i]];

        n->items[i].demand = items[i];
        n->items[i].o = &dm->options[asg[items[i]]];
        n->items[i].replicas = dm->replicas;
    }
    n->n = k;
    n->valid = true;
    n->bb_nodes = c->bb_nodes;
    n->gpus = (int)need->s.ngpus;
    n->nodes = c->nodes - nodes;
    n->cut = c->cut - cut;
}

int
pk_model_need_among(struct pk_ctx *c, const int *asg, int m, const int *cand, size_t ncand)
{
    const struct gpv_pack_problem *p = c->p;
    struct pk_need *need = c->need;
    size_t start[NKINDS + 1] = {0}, fill[NKINDS] = {0}, j, d, k;
    bool *only;
    struct pk_sol s;
    int used = 0;

    if (!need || p->models[m].single) {
        /* Single-strategy nodes count GPUs by their layouts: the whole packing, as a plan. */
        only = xcalloc(p->nmodels, sizeof(bool));
        only[m] = true;
        pk_pack_all(c, asg, only, &s);
        used = s.slots[m];
        pk_sol_release(&s);
        free(only);
        return used;
    }
    /*
     * Elsewhere the model needs its pools' GPUs added up (pk_count_slots). Each pool is packed
     * apart from the others; one whose demands are those of its last packing here (a retry or
     * a split adds one demand to one pool) needs what it needed then, and is not packed again.
     */
    need_fit(need, p);
    c->asg = asg;
    if (!cand)
        ncand = p->ndemands;
    for (j = 0; j < ncand; j++) {
        d = cand ? (size_t)cand[j] : j;
        if (asg[d] >= 0 && p->demands[d].options[asg[d]].model == m)
            start[p->demands[d].options[asg[d]].kind + 1]++;
    }
    for (k = 0; k < NKINDS; k++)
        start[k + 1] += start[k];
    for (j = 0; j < ncand; j++) {
        const struct gpv_pack_option *o;

        d = cand ? (size_t)cand[j] : j;
        if (asg[d] < 0 || (o = &p->demands[d].options[asg[d]])->model != m)
            continue;
        need->items[start[o->kind] + fill[o->kind]++] = (int)d;
    }
    for (k = 0; k < NKINDS; k++) {
        struct need_pool *n = &need->pools[(size_t)m * NKINDS + k];
        const int *it = need->items + start[k];
        size_t cnt = start[k + 1] - start[k];

        if (!cnt)
            continue;
        if (pool_same(c, n, asg, it, cnt)) {
            c->nodes += n->nodes;
            c->cut += n->cut;
        } else {
            pool_pack(c, need, n, m, (enum gpv_pack_kind)k, asg, it, cnt);
        }
        used += n->gpus;
    }
    return used;
}

/* GPUs model m needs for the demands asg puts there. */
int
pk_model_need(struct pk_ctx *c, const int *asg, int m)
{
    return pk_model_need_among(c, asg, m, NULL, 0);
}

/*
 * Keeps to the fleet: moves demands off over-full models onto others with room, then leaves
 * the last demands of a still over-full model unplaced (the largest prefix that fits stays,
 * then later ones are tried one by one). asg is updated in place.
 */
void
pk_fit_fleet(struct pk_ctx *c, int *asg)
{
    const struct gpv_pack_problem *p = c->p;
    size_t nm = p->nmodels, d;
    double *extra = xcalloc(nm + 1, sizeof(double));
    int round;
    size_t m;

    for (round = 0; round < PACK_FLEET_ROUNDS; round++) {
        struct pk_sol s;
        bool over = false, moved = false;

        pk_pack_all(c, asg, NULL, &s);
        memset(extra, 0, nm * sizeof(double));
        for (m = 0; m < nm; m++) {
            double excess, freed = 0.0;

            if (p->models[m].limit < 0 || s.slots[m] <= p->models[m].limit)
                continue;
            over = true;
            excess = s.slots[m] - p->models[m].limit;
            for (d = p->ndemands; d-- > 0 && freed < excess;) {
                const struct gpv_pack_demand *dm = &p->demands[d];
                const struct gpv_pack_option *cur;
                size_t i;
                int best = -1;
                double bf = 0.0;

                if (asg[d] < 0 || (size_t)dm->options[asg[d]].model != m)
                    continue;
                cur = &dm->options[asg[d]];
                for (i = 0; i < dm->noptions; i++) {
                    const struct gpv_pack_option *o = &dm->options[i];
                    const struct gpv_pack_model *om = &p->models[o->model];
                    double f = pk_fraction(c, d, o) * dm->replicas;

                    if ((size_t)o->model == m || !pk_option_feasible(p, d, i, NULL))
                        continue;
                    if (om->limit >= 0 && s.slots[o->model] + extra[o->model] + f > om->limit)
                        continue;
                    if (best < 0 || f < bf) {
                        best = (int)i;
                        bf = f;
                    }
                }
                if (best < 0)
                    continue;
                extra[dm->options[best].model] += bf;
                freed += pk_fraction(c, d, cur) * dm->replicas;
                asg[d] = best;
                moved = true;
            }
        }
        pk_sol_release(&s);
        if (!over || !moved)
            break;
    }
    free(extra);
    /* Whatever is still over: keep the largest prefix that fits, retry the rest in order. */
    for (m = 0; m < nm; m++) {
        int limit = p->models[m].limit, *mine = NULL, lo, hi, retried = 0;
        size_t n = 0, i;

        if (limit < 0 || pk_model_need(c, asg, (int)m) <= limit)
            continue;
        /* From here on only these demands are on m (model_need looks at them alone). */
        mine = xcalloc(p->ndemands + 1, sizeof(int));
        for (d = 0; d < p->ndemands; d++)
            if (asg[d] >= 0 && (size_t)p->demands[d].options[asg[d]].model == m)
                mine[n++] = (int)d;
        {
            int *saved = xcalloc(n + 1, sizeof(int));

            for (i = 0; i < n; i++)
                saved[i] = asg[mine[i]];
            /* Binary search on the prefix length; packing more never needs fewer GPUs. */
            lo = 0;
            hi = (int)n;
            while (lo < hi) {
                int mid = (lo + hi + 1) / 2;

                for (i = 0; i < n; i++)
                    asg[mine[i]] = (int)i < mid ? saved[i] : -1;
                if (pk_model_need_among(c, asg, (int)m, mine, n) <= limit)
                    lo = mid;
                else
                    hi = mid - 1;
            }
            for (i = 0; i < n; i++)
                asg[mine[i]] = (int)i < lo ? saved[i] : -1;
            for (i = (size_t)lo; i < n && retried < PACK_REFILL_MAX; i++) {
                asg[mine[i]] = saved[i];
                retried++;
                if (pk_model_need_among(c, asg, (int)m, mine, n) > limit)
                    asg[mine[i]] = -1;
            }
            free(saved);
        }
        free(mine);
    }
    /* The whole plan is packed next: the room the counting grew is given back first. */
    if (c->need)
        pk_sol_release(&c->need->s);
}
