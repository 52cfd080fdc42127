/*
 * The model mix's answer packed into a plan, and kept when it is better than the plan in hand.
 *
 * The plan in hand was packed pool by pool (a pool: one model and kind of GPU use), each pool
 * from its demands in input order; an engine's GPUs depend only on the run of pieces it is
 * given and the search budget. So when the plan in hand packed every placed demand whole with
 * the budget the mix packs with, a pool whose pieces the program's answer leaves as they were
 * (the same demands whole on the same options, in the same order) would come out the same:
 * only the other pools are packed, into a scratch plan, and spliced into the plan in hand
 * in place when the answer wins. On the benchmark's 100,000-tenant site that skips the H100's
 * MIG pool (26,084 GPUs) and the L40S's time-sliced one.
 */
#include "pack_config.h"
#include "pack_driver.h"
#include "pack_int.h"
#include "pack_mix_int.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/* The pool of option j of demand d: model * NKINDS + kind. */
static size_t
pool_of(const struct gpv_pack_problem *p, int d, int j)
{
    const struct gpv_pack_option *o = &p->demands[d].options[j];

    return (size_t)o->model * NKINDS + (size_t)o->kind;
}

/*
 * Marks in changed[] the pools whose run of pieces differs from the plan's and sets pool[i] to
 * the pool of piece i. Both runs are in demand order (pcs: each demand's pieces together), so
 * demand by demand: a pool keeps its run when each demand the plan puts there has one piece,
 * the whole demand on the same option, and no other demand has a piece there. Returns the
 * pools marked.
 */
static size_t
mark_changed(const struct gpv_pack_problem *p, const struct pk_piece *pcs, size_t n,
             const int *choice, bool *changed, int *pool)
{
    size_t d, i = 0, j, k, nch = 0;

    for (d = 0; d < p->ndemands; d++) {
        for (j = i; j < n && pcs[j].demand == (int)d; j++)
            pool[j] = (int)pool_of(p, pcs[j].demand, pcs[j].option);
        if (choice[d] >= 0 && j == i + 1 && pcs[i].option == choice[d] && pcs[i].first == 0 &&
            pcs[i].replicas == p->demands[d].replicas) {
            i = j;
            continue;
        }
        if (choice[d] >= 0)
            changed[pool_of(p, (int)d, choice[d])] = true;
        for (; i < j; i++)
            changed[pool[i]] = true;
    }
    GPV_ASSERT(i == n); /* pieces in demand order */
    for (k = 0; k < p->nmodels * NKINDS; k++)
        nch += changed[k];
    return nch;
}

/* Per pool of a plan: its first GPU and GPUs, its first instance and instances. */
struct pools {
    size_t *gfirst, *gn, *ifirst, *in;
};

static void
pools_init(struct pools *r, size_t nkeys)
{
    r->gfirst = xcalloc(nkeys + 1, sizeof(size_t));
    r->gn = xcalloc(nkeys + 1, sizeof(size_t));
    r->ifirst = xcalloc(nkeys + 1, sizeof(size_t));
    r->in = xcalloc(nkeys + 1, sizeof(size_t));
}

static void
pools_release(struct pools *r)
{
    free(r->gfirst);
    free(r->gn);
    free(r->ifirst);
    free(r->in);
}

/* Fills r from s; false when s is not laid out pool after pool in pool order, each GPU's
 * instances after the last's (pk_pack_all's layout). */
static bool
pools_of(const struct gpv_pack_problem *p, const struct pk_sol *s, struct pools *r)
{
    size_t g, k, last = 0, ni = 0;

    for (k = 0; k < p->nmodels * NKINDS; k++)
        r->gfirst[k] = r->gn[k] = r->ifirst[k] = r->in[k] = 0;
    for (g = 0; g < s->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &s->gpus[g];

        k = (size_t)pg->model * NKINDS + (size_t)pg->kind;
        if (k < last || pg->first != ni || (size_t)pg->model >= p->nmodels)
            return false;
        if (!r->gn[k]) {
            r->gfirst[k] = g;
            r->ifirst[k] = ni;
        }
        last = k;
        r->gn[k]++;
        r->in[k] += pg->ninsts;
        ni += pg->ninsts;
    }
    return ni == s->ninsts;
}

/*
 * Moves the segments keep[k] of the array a (elements of size sz) from old offsets from[k] to
 * new ones to[k] (lengths len[k]), in place: those moving left first, lowest first, then those
 * moving right, highest first. Segments are in pool order, old and new, and never overlap at
 * their new offsets, so nothing is overwritten before it moves.
 */
static void
move_segments(void *a, size_t sz, size_t nkeys, const bool *keep, const size_t *from,
              const size_t *to, const size_t *len)
{
    char *b = a;
    size_t k;

    for (k = 0; k < nkeys; k++)
        if (keep[k] && len[k] && to[k] < from[k])
            memmove(b + to[k] * sz, b + from[k] * sz, len[k] * sz);
    for (k = nkeys; k-- > 0;)
        if (keep[k] && len[k] && to[k] > from[k])
            memmove(b + to[k] * sz, b + from[k] * sz, len[k] * sz);
}

/*
 * Replaces the changed pools of sol (laid out as o) with part's (laid out as q; it holds only
 * those), in place: the larger of the two plans' arrays grows (realloc, no second copy) and
 * takes the other's pools, its own moving to their new places, and the smaller is freed (sol
 * takes part's arrays when part was the larger: part is left without GPUs or instances); the
 * per-model figures are summed again from the pools.
 */
static void
splice(const struct gpv_pack_problem *p, struct pk_sol *sol, const struct pools *o,
       struct pk_sol *part, const struct pools *q, const bool *changed)
{
    size_t nkeys = p->nmodels * NKINDS, k, g, m, ng = 0, ni = 0;
    struct pools nw;
    bool *keep = xcalloc(nkeys + 1, sizeof(bool));
    bool into_part = part->ninsts > sol->ninsts;
    struct pk_sol *dst = into_part ? part : sol;
    const struct pk_sol *src = into_part ? sol : part;
    const struct pools *dl = into_part ? q : o, *sl = into_part ? o : q;

    pools_init(&nw, nkeys);
    for (k = 0; k < nkeys; k++) {
        /* keep: the pools dst has and keeps (moved), the others copied from src */
        keep[k] = into_part ? changed[k] : !changed[k];
        nw.gn[k] = changed[k] ? q->gn[k] : o->gn[k];
        nw.in[k] = changed[k] ? q->in[k] : o->in[k];
        nw.gfirst[k] = ng;
        nw.ifirst[k] = ni;
        ng += nw.gn[k];
        ni += nw.in[k];
    }
    if (ng > dst->capg) {
        dst->capg = ng;
        dst->gpus = xreallocarray(dst->gpus, dst->capg, sizeof(*dst->gpus));
    }
    if (ni > dst->capi) {
        dst->capi = ni;
        dst->insts = xreallocarray(dst->insts, dst->capi, sizeof(*dst->insts));
    }
    move_segments(dst->gpus, sizeof(*dst->gpus), nkeys, keep, dl->gfirst, nw.gfirst, nw.gn);
    move_segments(dst->insts, sizeof(*dst->insts), nkeys, keep, dl->ifirst, nw.ifirst, nw.in);
    for (k = 0; k < nkeys; k++) {
        size_t from = changed[k] ? q->ifirst[k] : o->ifirst[k];

        if (!keep[k]) {
            if (nw.gn[k])
                memcpy(dst->gpus + nw.gfirst[k], src->gpus + sl->gfirst[k],
                       nw.gn[k] * sizeof(*dst->gpus));
            if (nw.in[k])
                memcpy(dst->insts + nw.ifirst[k], src->insts + sl->ifirst[k],
                       nw.in[k] * sizeof(*dst->insts));
        }
        if (changed[k]) {
            sol->plb[k] = part->plb[k];
            sol->popt[k] = part->popt[k];
        }
        for (g = nw.gfirst[k]; g < nw.gfirst[k] + nw.gn[k]; g++)
            dst->gpus[g].first = dst->gpus[g].first - from + nw.ifirst[k];
    }
    if (into_part) {
        free(sol->gpus);
        free(sol->insts);
        sol->gpus = part->gpus;
        sol->insts = part->insts;
        sol->capg = part->capg;
        sol->capi = part->capi;
        part->gpus = NULL;
        part->insts = NULL;
        part->ngpus = part->ninsts = part->capg = part->capi = 0;
    }
    sol->ngpus = ng;
    sol->ninsts = ni;
    for (m = 0; m < p->nmodels; m++) {
        sol->used[m] = sol->lb[m] = 0;
        sol->optimal[m] = true;
        for (k = m * NKINDS; k < (m + 1) * NKINDS; k++) {
            sol->used[m] += (int)nw.gn[k];
            sol->lb[m] += sol->plb[k];
            sol->optimal[m] = sol->optimal[m] && sol->popt[k];
        }
    }
    pk_count_slots(p, sol);
    pools_release(&nw);
    free(keep);
}

/*
 * Drops the changed pools of sol (laid out as o) and gives their memory back: the kept pools
 * move to the front in pool order, each GPU's first instance with them, and the arrays shrink
 * to what is left. *k gets the new layout (the changed pools empty). The per-model figures
 * are left as they were (splice() sums them again).
 */
static void
drop_pools(const struct gpv_pack_problem *p, struct pk_sol *sol, const struct pools *o,
           const bool *changed, struct pools *k)
{
    size_t nkeys = p->nmodels * NKINDS, j, g, ng = 0, ni = 0;
    bool *keep = xcalloc(nkeys + 1, sizeof(bool));

    for (j = 0; j < nkeys; j++) {
        keep[j] = !changed[j];
        k->gn[j] = keep[j] ? o->gn[j] : 0;
        k->in[j] = keep[j] ? o->in[j] : 0;
        k->gfirst[j] = ng;
        k->ifirst[j] = ni;
        ng += k->gn[j];
        ni += k->in[j];
    }
    move_segments(sol->gpus, sizeof(*sol->gpus), nkeys, keep, o->gfirst, k->gfirst, k->gn);
    move_segments(sol->insts, sizeof(*sol->insts), nkeys, keep, o->ifirst, k->ifirst, k->in);
    for (j = 0; j < nkeys; j++)
        for (g = k->gfirst[j]; g < k->gfirst[j] + k->gn[j]; g++)
            sol->gpus[g].first = sol->gpus[g].first - o->ifirst[j] + k->ifirst[j];
    sol->ngpus = ng;
    sol->ninsts = ni;
    /* Large arrays are mapped (main's mallopt): shrinking them unmaps the tail. */
    sol->capg = ng ? ng : 1;
    sol->gpus = xreallocarray(sol->gpus, sol->capg, sizeof(*sol->gpus));
    sol->capi = ni ? ni : 1;
    sol->insts = xreallocarray(sol->insts, sol->capi, sizeof(*sol->insts));
    free(keep);
}

/*
 * Packs again the plan's own changed pools into *out, from its runs (every placed demand whole
 * on its choice, in demand order, with the budget the plan was packed with: the same GPUs, as
 * for the pools the answer keeps). The search nodes spent are not counted.
 */
static void
pack_plan_pools(struct pk_ctx *c, const int *choice, const int *placed, const bool *changed,
                struct pk_sol *out)
{
    const struct gpv_pack_problem *p = c->p;
    struct pk_piece *pcs = xcalloc(p->ndemands + 1, sizeof(*pcs));
    int *ch = xcalloc(p->ndemands + 1, sizeof(int));
    int *pl = xcalloc(p->ndemands + 1, sizeof(int));
    long nodes = c->nodes;
    size_t d, n = 0;

    for (d = 0; d < p->ndemands; d++) {
        if (choice[d] < 0 || placed[d] <= 0 || !changed[pool_of(p, (int)d, choice[d])])
            continue;
        pcs[n].demand = (int)d;
        pcs[n].option = choice[d];
        pcs[n].first = 0;
        pcs[n].replicas = placed[d];
        n++;
    }
    pk_pack_pieces(c, pcs, n, PACK_BB_NODES, out, ch, pl);
    c->nodes = nodes;
    free(pcs);
    free(ch);
    free(pl);
}

bool
pk_mix_pack(struct pk_ctx *c, long sol_budget, struct pk_piece *pcs, size_t n, struct pk_sol *sol,
            int *choice, int *placed)
{
    const struct gpv_pack_problem *p = c->p;
    size_t nkeys = p->nmodels * NKINDS, k, i, m, nk = n;
    bool *changed = xcalloc(nkeys + 1, sizeof(bool));
    bool reuse = sol_budget == PACK_BB_NODES, plan_ok, won = false;
    int *ch = NULL, *pl = NULL, *used = NULL, *pool = NULL;
    struct pools o, q, kp;
    struct pk_sol part;
    long plan_u, alt_u;
    double plan_cost, alt_cost;

    memset(&part, 0, sizeof(part));
    memset(&kp, 0, sizeof(kp));
    pools_init(&o, nkeys);
    pools_init(&q, nkeys);
    for (m = 0; m < p->nmodels && reuse; m++)
        reuse = !p->models[m].single; /* its limit counts GPUs per node, not per pool */
    reuse = reuse && pools_of(p, sol, &o);
    if (reuse) {
        pool = xcalloc(n + 1, sizeof(int));
        if (!mark_changed(p, pcs, n, choice, changed, pool))
            goto out; /* the answer is the plan in hand */
        /* Only the changed pools' pieces are packed: those to the front, in order; the others
         * (demands whole on their choice in the plan) behind. */
        nk = 0;
        for (i = 0; i < n; i++)
            if (changed[pool[i]]) {
                struct pk_piece t = pcs[nk];

                pcs[nk++] = pcs[i];
                pcs[i] = t;
            }
        free(pool); /* not held while the pools are packed */
        pool = NULL;
    }
    plan_ok = pk_mix_score(p, sol->used, sol->slots, placed, &plan_u, &plan_cost);
    if (reuse) {
        /* The plan's changed pools are not held beside the answer's while those are packed
         * (at 100k tenants: 200,000 instances, the run's peak of memory); when the answer
         * loses they are packed again. o keeps their GPU counts; kp is the plan without them. */
        pools_init(&kp, nkeys);
        drop_pools(p, sol, &o, changed, &kp);
    }
    ch = xcalloc(p->ndemands + 1, sizeof(int));
    pl = xcalloc(p->ndemands + 1, sizeof(int));
    pk_pack_pieces(c, pcs, nk, PACK_BB_NODES, &part, ch, pl);
    used = xcalloc(p->nmodels + 1, sizeof(int));
    if (reuse) {
        bool laid_out = pools_of(p, &part, &q);

        GPV_ASSERT(laid_out); /* pk_pack_all's layout */
        for (i = nk; i < n; i++) {
            ch[pcs[i].demand] = pcs[i].option;
            pl[pcs[i].demand] = pcs[i].replicas;
        }
        /* No model has nodes of the single strategy: its limit counts its GPUs. */
        for (m = 0; m < p->nmodels; m++) {
            used[m] = sol->used[m] + part.used[m];
            for (k = m * NKINDS; k < (m + 1) * NKINDS; k++)
                if (changed[k])
                    used[m] -= (int)o.gn[k];
        }
    }
    won =
        pk_mix_score(p, reuse ? used : part.used, reuse ? used : part.slots, pl, &alt_u,
                     &alt_cost) &&
        (!plan_ok || alt_u < plan_u || (alt_u == plan_u && alt_cost < plan_cost - PACK_BOUND_EPS));
    if (!won) {
        if (reuse) {
            struct pk_sol old;
            bool laid_out;

            memset(&old, 0, sizeof(old));
            pk_sol_release(&part); /* before the plan's pools are packed again */
            memset(&part, 0, sizeof(part));
            pack_plan_pools(c, choice, placed, changed, &old);
            laid_out = pools_of(p, &old, &q);
            GPV_ASSERT(laid_out);
            splice(p, sol, &kp, &old, &q, changed);
            pk_sol_release(&old);
        }
        goto out;
    }
    if (reuse) {
        splice(p, sol, &kp, &part, &q, changed);
    } else {
        pk_sol_release(sol);
        *sol = part;
        memset(&part, 0, sizeof(part));
    }
    memcpy(choice, ch, p->ndemands * sizeof(int));
    memcpy(placed, pl, p->ndemands * sizeof(int));
out:
    pk_sol_release(&part);
    pools_release(&o);
    pools_release(&q);
    pools_release(&kp);
    free(changed);
    free(pool);
    free(used);
    free(ch);
    free(pl);
    return won;
}
