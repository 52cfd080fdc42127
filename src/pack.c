/*
 * The placement engine's driver: choosing a model per demand, packing each model's pools,
 * keeping to a fleet's limits (pack_fleet.c), and the result. The pools themselves are packed by
 * the engines (pack_engine.h): pack_mig*.c (MIG and MIG-backed vGPU) and pack_vgpu.c (time-sliced
 * vGPU and passthrough), which build on the shared state of pack_int.h; nothing calls back into
 * here.
 */
#include "gpuvplan/pack.h"

#include "pack_config.h"
#include "pack_engine.h"
#include "pack_driver.h"
#include "pack_int.h"

#include "gpuvplan/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ----------------------------------------------------------------------------- */

/* Fills *why (when not NULL) with code, option, model and numbers; text stays NULL. */
void
pk_why_set(struct gpv_pack_reason *why, enum gpv_pack_why w, const struct gpv_pack_problem *p,
           const struct gpv_pack_option *o, int option, long needed, long available)
{
    if (!why)
        return;
    memset(why, 0, sizeof(*why));
    why->why = w;
    why->option = option;
    why->model = o->model;
    why->needed = needed;
    why->available = available;
    why->limit = p->models[o->model].limit;
}

/*
 * Whether option i of demand d can be placed at all (whatever else is on the fleet); if not,
 * *why (when not NULL) says why, its text a new string.
 */
bool
pk_option_feasible(const struct gpv_pack_problem *p, size_t d, size_t i,
                   struct gpv_pack_reason *why)
{
    const struct gpv_pack_demand *dm = &p->demands[d];
    const struct gpv_pack_option *o = &dm->options[i];
    const struct gpv_pack_model *m = &p->models[o->model];
    int oi = (int)i;

    if (m->limit == 0) {
        pk_why_set(why, GPV_PACK_WHY_NO_FLEET, p, o, oi, 0, 0);
        if (why)
            why->text = xasprintf("%s: the fleet has none", m->gpu->id);
        return false;
    }
    if (m->share_replicas > 0 && o->kind != m->share_kind) {
        pk_why_set(why, GPV_PACK_WHY_SHARE_CONFIG, p, o, oi, 0, m->share_replicas);
        if (why)
            why->text = xasprintf("%s: the fleet shares these GPUs by %s (%d replicas each), "
                                  "and the tenant's rules give it %s there",
                                  m->gpu->id, gpv_pack_kind_name(m->share_kind), m->share_replicas,
                                  gpv_pack_kind_name(o->kind));
        return false;
    }
    if (o->kind == GPV_PACK_MPS && m->share_replicas > 0 &&
        pk_share_cap(p, d, o) < m->share_replicas) {
        pk_why_set(why, GPV_PACK_WHY_SHARE_CONFIG, p, o, oi, m->share_replicas,
                   pk_share_cap(p, d, o));
        if (why)
            why->text =
                xasprintf("%s: MPS with %d replicas gives each client 1/%d of the GPU, "
                          "and a replica needs more (at most %d such clients per GPU)",
                          m->gpu->id, m->share_replicas, m->share_replicas, pk_share_cap(p, d, o));
        return false;
    }
    /* Whole GPUs, or a multi-vGPU replica's one vGPU on each of o->gpus GPUs. */
    if ((o->kind == GPV_PACK_WHOLE || o->kind == GPV_PACK_VGPU) && m->limit >= 0 &&
        o->gpus > m->limit) {
        pk_why_set(why, GPV_PACK_WHY_TOO_LARGE, p, o, oi, o->gpus, m->limit);
        if (why)
            why->text = xasprintf("%s: a replica needs %d whole GPUs and the fleet has %d",
                                  m->gpu->id, o->gpus, m->limit);
        return false;
    }
    if (o->kind == GPV_PACK_VGPU) {
        const struct gpv_vgpu_type *t = &m->gpu->vgpu->types[o->vgpu_type];

        if (m->mixed && (t->max_mixed <= 0 || t->nplacements == 0)) {
            pk_why_set(why, GPV_PACK_WHY_MIXED, p, o, oi, 0, 0);
            if (why)
                why->text =
                    xasprintf("%s: %s is not offered in mixed-size mode", m->gpu->id, t->name);
            return false;
        }
        if (gpv_vgpu_limit(t, m->mixed, dm->compute) <= 0) {
            pk_why_set(why, GPV_PACK_WHY_SCHEDULER, p, o, oi, 0, 0);
            if (why)
                why->text = xasprintf("%s: no vGPU scheduler guarantees %.2f of a GPU to %s",
                                      m->gpu->id, dm->compute, t->name);
            return false;
        }
    }
    if (dm->spread_nodes && m->nodes > 0 && dm->replicas > m->nodes) {
        pk_why_set(why, GPV_PACK_WHY_SPREAD, p, o, oi, dm->replicas, m->nodes);
        if (why)
            why->text = xasprintf("%s: %d replicas to spread over distinct nodes and the fleet "
                                  "has %d node%s",
                                  m->gpu->id, dm->replicas, m->nodes, m->nodes == 1 ? "" : "s");
        return false;
    }
    if (o->kind != GPV_PACK_WHOLE && o->gpus < 2 && dm->spread && m->limit >= 0 &&
        dm->replicas > m->limit) {
        pk_why_set(why, GPV_PACK_WHY_SPREAD, p, o, oi, dm->replicas, m->limit);
        if (why)
            why->text = xasprintf("%s: %d replicas to spread over distinct GPUs and the fleet "
                                  "has %d",
                                  m->gpu->id, dm->replicas, m->limit);
        return false;
    }
    return true;
}

/* Fraction of one GPU one replica takes under option o (whole GPUs count in full). */
double
pk_fraction(struct pk_ctx *c, size_t d, const struct gpv_pack_option *o)
{
    const struct gpv_pack_model *m = &c->p->models[o->model];

    switch (o->kind) {
    case GPV_PACK_MIG:
    case GPV_PACK_MIG_VGPU:
        return pk_mig_fraction(c, o) / pk_clients(o);
    case GPV_PACK_VGPU: {
        const struct gpv_vgpu_type *t = &m->gpu->vgpu->types[o->vgpu_type];
        int lim = gpv_vgpu_limit(t, m->mixed, c->p->demands[d].compute);
        double f = lim > 0 ? 1.0 / lim : 1.0;

        if (o->gpus >= 2)
            return o->gpus; /* multi-vGPU: a whole GPU per part */

        if (m->mixed) {
            double by_fb = (double)t->size_gb / gpv_vgpu_region_gb(m->gpu);

            if (by_fb > f)
                f = by_fb;
        }
        return f;
    }
    case GPV_PACK_WHOLE:
        return o->gpus;
    case GPV_PACK_TIME_SLICING:
    case GPV_PACK_MPS:
        return pk_share_weight(c->p, d, o);
    }
    return 1.0;
}

/* ---- evaluating an assignment ------------------------------------------------------------ */

static void
eval_release(struct eval *e)
{
    free(e->asg);
    pk_sol_release(&e->sol);
}

static bool
costs_known(const struct gpv_pack_problem *p)
{
    size_t i;

    for (i = 0; i < p->nmodels; i++)
        if (p->models[i].cost < 0.0)
            return false;
    return p->nmodels > 0;
}

/*
 * What one GPU of model m weighs in the objective after unplaced replicas (see pack.h): its cost
 * when every model has one; else, with least_memory (sizing from every model), its memory in
 * GiB, so the plan provisions the least memory (the smallest adequate board, not the smallest
 * share of the biggest); else 1, the fewest GPUs.
 */
static double
model_weight(const struct gpv_pack_problem *p, size_t m)
{
    if (costs_known(p))
        return p->models[m].cost;
    if (p->least_memory)
        return (double)p->models[m].gpu->memory_mib / 1024.0;
    return 1.0;
}

double
pk_model_weight(const struct gpv_pack_problem *p, size_t m)
{
    return model_weight(p, m);
}

/* Packs the n demands items[] of pool (model, kind) into s with the pool's engine. */
void
pk_pack_pool(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
             const int *items, size_t n, int *lb, bool *opt)
{
    const struct gpv_pack_problem *p = c->p;

    if ((kind == GPV_PACK_MIG || kind == GPV_PACK_MIG_VGPU) && p->models[model].single)
        pk_pack_single(c, s, model, kind, items, n, lb, opt);
    else if (kind == GPV_PACK_MIG || kind == GPV_PACK_MIG_VGPU)
        pk_pack_mig(c, s, model, kind, items, n, lb, opt);
    else if (kind == GPV_PACK_VGPU)
        pk_pack_vgpu(c, s, model, items, n, lb, opt);
    else if (kind == GPV_PACK_TIME_SLICING || kind == GPV_PACK_MPS)
        pk_pack_share(c, s, model, kind, items, n, lb, opt);
    else
        pk_pack_whole(c, s, model, items, n, lb, opt);
}

/* Packs the demands with asg[d] >= 0 on models where only[m] (NULL: all) into s. */
void
pk_pack_all(struct pk_ctx *c, const int *asg, const bool *only, struct pk_sol *s)
{
    const struct gpv_pack_problem *p = c->p;
    size_t nkeys = p->nmodels * NKINDS, d, k;
    size_t *start = xcalloc(nkeys + 1, sizeof(size_t));
    size_t *fill = xcalloc(nkeys + 1, sizeof(size_t));
    int *items = xcalloc(p->ndemands + 1, sizeof(int));

    memset(s, 0, sizeof(*s));
    s->used = xcalloc(p->nmodels + 1, sizeof(int));
    s->slots = xcalloc(p->nmodels + 1, sizeof(int));
    s->lb = xcalloc(p->nmodels + 1, sizeof(int));
    s->optimal = xcalloc(p->nmodels + 1, sizeof(bool));
    s->plb = xcalloc(nkeys + 1, sizeof(int));
    s->popt = xcalloc(nkeys + 1, sizeof(bool));
    c->asg = asg;
    /* Bucket the demands by (model, kind), keeping input order inside a bucket. */
    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_option *o;

        if (asg[d] < 0)
            continue;
        o = &p->demands[d].options[asg[d]];
        if (only && !only[o->model])
            continue;
        start[(size_t)o->model * NKINDS + o->kind + 1]++;
    }
    for (k = 0; k < nkeys; k++)
        start[k + 1] += start[k];
    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_option *o;
        size_t key;

        if (asg[d] < 0)
            continue;
        o = &p->demands[d].options[asg[d]];
        if (only && !only[o->model])
            continue;
        key = (size_t)o->model * NKINDS + o->kind;
        items[start[key] + fill[key]++] = (int)d;
    }
    for (k = 0; k < nkeys; k++) {
        int model = (int)(k / NKINDS), lb = 0;
        enum gpv_pack_kind kind = (enum gpv_pack_kind)(k % NKINDS);
        const int *it = items + start[k];
        size_t n = start[k + 1] - start[k], before = s->ngpus;
        bool opt = true;

        if (k % NKINDS == 0)
            s->optimal[model] = true;
        s->popt[k] = true;
        if (!n)
            continue;
        pk_pack_pool(c, s, model, kind, it, n, &lb, &opt);
        s->used[model] += (int)(s->ngpus - before);
        s->lb[model] += lb;
        s->optimal[model] = s->optimal[model] && opt;
        s->plb[k] = lb;
        s->popt[k] = opt;
    }
    pk_count_slots(p, s);
    free(start);
    free(fill);
    free(items);
}

static void
score(struct eval *e, const struct gpv_pack_problem *p)
{
    size_t d, m;

    e->unplaced = 0;
    e->ranks = 0;
    e->gpus = 0;
    e->cost = 0.0;
    for (d = 0; d < p->ndemands; d++) {
        if (e->asg[d] < 0)
            e->unplaced++;
        else
            e->ranks += p->demands[d].options[e->asg[d]].rank;
    }
    for (m = 0; m < p->nmodels; m++) {
        e->gpus += e->sol.used[m];
        e->cost += e->sol.used[m] * model_weight(p, m);
    }
}

/* True when a is a better plan than b. */
static bool
better(const struct eval *a, const struct eval *b)
{
    if (a->unplaced != b->unplaced)
        return a->unplaced < b->unplaced;
    if (fabs(a->cost - b->cost) > 1e-9)
        return a->cost < b->cost;
    if (a->gpus != b->gpus)
        return a->gpus < b->gpus;
    return a->ranks < b->ranks;
}

/* Packs asg (copied) and scores it; fleet limits are kept when the problem has them. */
static void
evaluate(struct pk_ctx *c, const int *asg, bool fleet, struct eval *out)
{
    long cut = c->cut;

    memset(out, 0, sizeof(*out));
    out->asg = xcalloc(c->p->ndemands + 1, sizeof(int));
    memcpy(out->asg, asg, c->p->ndemands * sizeof(int));
    if (fleet)
        pk_fit_fleet(c, out->asg);
    pk_pack_all(c, out->asg, NULL, &out->sol);
    score(out, c->p);
    out->cut = c->cut != cut;
}

/* Packs asg and keeps it in *best when it scores better. Returns whether it did. */
static bool
try_assignment(struct pk_ctx *c, const int *asg, bool fleet, struct eval *best)
{
    struct eval trial;

    /* Out of trial work: the plan in hand stands (a bound on time, never on validity). */
    if (c->trial_work < c->instances)
        return false;
    c->trial_work -= c->instances;
    evaluate(c, asg, fleet, &trial);
    if (!better(&trial, best)) {
        eval_release(&trial);
        return false;
    }
    eval_release(best);
    *best = trial;
    return true;
}

/* ---- choosing options -------------------------------------------------------------------- */

/* A demand and what choosing its cheapest model over its next costs it (initial_choice). */
struct regret {
    double loss; /* the next model's cost less the cheapest's; INFINITY: one model only */
    size_t d;
};

/* Largest loss first, then input order. */
static int
regret_cmp(const void *a, const void *b)
{
    const struct regret *x = a, *y = b;

    if (x->loss != y->loss)
        return x->loss > y->loss ? -1 : 1;
    return (x->d > y->d) - (x->d < y->d);
}

/* What demand d loses when it cannot have its cheapest model: the cheapest feasible option on
 * another model less its cheapest option, by estimated cost; INFINITY with one model only. */
static double
demand_regret(struct pk_ctx *c, const bool *feasible, const size_t *foff, size_t d)
{
    const struct gpv_pack_problem *p = c->p;
    const struct gpv_pack_demand *dm = &p->demands[d];
    double *cheapest = xcalloc(p->nmodels + 1, sizeof(double));
    double first = INFINITY, second = INFINITY;
    size_t i, m;

    for (m = 0; m < p->nmodels; m++)
        cheapest[m] = INFINITY;
    for (i = 0; i < dm->noptions; i++) {
        const struct gpv_pack_option *o = &dm->options[i];
        double sc;

        if (!feasible[foff[d] + i])
            continue;
        sc = pk_fraction(c, d, o) * dm->replicas * model_weight(p, (size_t)o->model);
        if (sc < cheapest[o->model])
            cheapest[o->model] = sc;
    }
    for (m = 0; m < p->nmodels; m++) {
        if (cheapest[m] < first) {
            second = first;
            first = cheapest[m];
        } else if (cheapest[m] < second) {
            second = cheapest[m];
        }
    }
    free(cheapest);
    return isfinite(second) ? second - first : INFINITY;
}

/*
 * The first choice of every demand: the option that costs least by its share of a GPU, on a
 * model with room by the shares chosen before (else the cheapest). Demands choose in input
 * order, or with by_regret (a fleet) those that lose most on their next model first: in input
 * order the last ones find the cheaper model full whatever they cost elsewhere (whole L40S for
 * what half an H100 holds), and a fleet with thousands of GPUs to spare in a good mix runs out.
 */
static void
initial_choice(struct pk_ctx *c, const bool *feasible, const size_t *foff, bool by_regret, int *asg)
{
    const struct gpv_pack_problem *p = c->p;
    double *est = xcalloc(p->nmodels + 1, sizeof(double));
    struct regret *order = xcalloc(p->ndemands + 1, sizeof(*order));
    size_t d, i, j;

    for (d = 0; d < p->ndemands; d++) {
        order[d].d = d;
        order[d].loss = by_regret ? demand_regret(c, feasible, foff, d) : 0.0;
    }
    if (by_regret)
        qsort(order, p->ndemands, sizeof(*order), regret_cmp);
    for (j = 0; j < p->ndemands; j++) {
        const struct gpv_pack_demand *dm;
        int best = -1;
        bool best_room = false;
        double bs = 0.0, bf = 0.0;

        d = order[j].d;
        dm = &p->demands[d];
        for (i = 0; i < dm->noptions; i++) {
            const struct gpv_pack_option *o = &dm->options[i];
            const struct gpv_pack_model *m = &p->models[o->model];
            double f, sc;
            bool room;

            if (!feasible[foff[d] + i])
                continue;
            f = pk_fraction(c, d, o) * dm->replicas;
            sc = f * model_weight(p, (size_t)o->model);
            room = m->limit < 0 || est[o->model] + f <= m->limit + 1e-9;
            if (best < 0 || (room && !best_room) ||
                (room == best_room &&
                 (sc < bs - 1e-12 || (sc <= bs + 1e-12 && o->rank < dm->options[best].rank)))) {
                best = (int)i;
                bs = sc;
                bf = f;
                best_room = room;
            }
        }
        asg[d] = best;
        if (best >= 0)
            est[dm->options[best].model] += bf;
    }
    free(order);
    free(est);
}

/* Whether the fleet's GPUs could hold every replica at its smallest share of a GPU (always,
 * with a model of no limit): if not, replicas stay out whatever the order of choosing. */
static bool
fleet_may_hold(struct pk_ctx *c, const bool *feasible, const size_t *foff)
{
    const struct gpv_pack_problem *p = c->p;
    double need = 0.0, have = 0.0;
    size_t d, i;

    for (i = 0; i < p->nmodels; i++) {
        if (p->models[i].limit < 0)
            return true;
        have += p->models[i].limit;
    }
    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        double least = INFINITY;

        for (i = 0; i < dm->noptions; i++)
            if (feasible[foff[d] + i] && pk_fraction(c, d, &dm->options[i]) < least)
                least = pk_fraction(c, d, &dm->options[i]);
        if (isfinite(least))
            need += least * dm->replicas;
    }
    return need <= have + 1e-9;
}

/* Demand d's feasible option on model a or b with the lowest estimated cost (then rank), or
 * -1 when it has none there. */
static int
cheapest_on(struct pk_ctx *c, const bool *feasible, size_t d, size_t a, size_t b)
{
    const struct gpv_pack_demand *dm = &c->p->demands[d];
    double best = 0.0;
    size_t i;
    int pick = -1;

    for (i = 0; i < dm->noptions; i++) {
        const struct gpv_pack_option *o = &dm->options[i];
        double cost;

        if (!feasible[i] || ((size_t)o->model != a && (size_t)o->model != b))
            continue;
        cost = pk_fraction(c, d, o) * model_weight(c->p, (size_t)o->model);
        if (pick < 0 || cost < best - 1e-12 ||
            (cost <= best + 1e-12 && o->rank < dm->options[pick].rank)) {
            pick = (int)i;
            best = cost;
        }
    }
    return pick;
}

/*
 * Consolidation: every demand that can go on model m1 goes there; on small problems, also every
 * pair of models, each demand taking the cheaper of its options on the two: fewer partly used
 * GPUs than each demand choosing alone.
 */
static void
consolidate(struct pk_ctx *c, const bool *feasible, const size_t *foff, bool fleet,
            struct eval *best)
{
    const struct gpv_pack_problem *p = c->p;
    size_t d, m1, m2, nm2 = p->ndemands <= PACK_LOCAL_SEARCH_MAX ? p->nmodels + 1 : 1;

    for (m1 = 0; m1 < p->nmodels; m1++) {
        for (m2 = 0; m2 < nm2; m2++) {
            int *alt;
            bool changed = false;

            if (m2 && m2 - 1 == m1)
                continue;
            alt = xcalloc(p->ndemands + 1, sizeof(int));
            memcpy(alt, best->asg, p->ndemands * sizeof(int));
            for (d = 0; d < p->ndemands; d++) {
                int pick = cheapest_on(c, feasible + foff[d], d, m1, m2 ? m2 - 1 : m1);

                if (pick >= 0 && pick != alt[d]) {
                    alt[d] = pick;
                    changed = true;
                }
            }
            if (changed)
                try_assignment(c, alt, fleet, best);
            free(alt);
        }
    }
}

/*
 * Elimination: empty one model in use, moving its demands to their best option on another model
 * (one already in use first). Repeated while it helps.
 */
static void
eliminate(struct pk_ctx *c, const bool *feasible, const size_t *foff, bool fleet, struct eval *best)
{
    const struct gpv_pack_problem *p = c->p;
    size_t d, i, m;
    int pass;
    bool improved = true;

    for (pass = 0; pass < PACK_LOCAL_SEARCH_PASSES && improved; pass++) {
        improved = false;
        for (m = 0; m < p->nmodels; m++) {
            int *alt;
            bool changed = false;

            if (!best->sol.used[m])
                continue;
            alt = xcalloc(p->ndemands + 1, sizeof(int));
            memcpy(alt, best->asg, p->ndemands * sizeof(int));
            for (d = 0; d < p->ndemands; d++) {
                const struct gpv_pack_demand *dm = &p->demands[d];
                int pick = -1;
                bool pick_used = false;
                double pick_cost = 0.0;

                if (alt[d] < 0 || (size_t)dm->options[alt[d]].model != m)
                    continue;
                for (i = 0; i < dm->noptions; i++) {
                    const struct gpv_pack_option *o = &dm->options[i];
                    bool in_use = best->sol.used[o->model] > 0;
                    double cost = pk_fraction(c, d, o) * model_weight(p, (size_t)o->model);

                    if ((size_t)o->model == m || !feasible[foff[d] + i])
                        continue;
                    if (pick < 0 || (in_use && !pick_used) ||
                        (in_use == pick_used && cost < pick_cost - 1e-12)) {
                        pick = (int)i;
                        pick_used = in_use;
                        pick_cost = cost;
                    }
                }
                if (pick >= 0) {
                    alt[d] = pick;
                    changed = true;
                }
            }
            if (changed && try_assignment(c, alt, fleet, best))
                improved = true;
            free(alt);
        }
    }
}

/* Local search: move one demand to another option, keep it when the plan improves. */
static void
local_search(struct pk_ctx *c, const bool *feasible, const size_t *foff, bool fleet,
             struct eval *best)
{
    const struct gpv_pack_problem *p = c->p;
    size_t d, i;
    int pass;
    bool improved = true;

    for (pass = 0; pass < PACK_LOCAL_SEARCH_PASSES && improved; pass++) {
        improved = false;
        for (d = 0; d < p->ndemands; d++) {
            for (i = 0; i < p->demands[d].noptions; i++) {
                int *alt;

                if (!feasible[foff[d] + i] || best->asg[d] == (int)i)
                    continue;
                alt = xcalloc(p->ndemands + 1, sizeof(int));
                memcpy(alt, best->asg, p->ndemands * sizeof(int));
                alt[d] = (int)i;
                if (try_assignment(c, alt, fleet, best))
                    improved = true;
                free(alt);
            }
        }
    }
}

/* Moves the plan sol into out (sol keeps what is left to release) with its figures; takes
 * choice and placed. */
static void
fill_result(struct gpv_pack_result *out, const struct gpv_pack_problem *p, struct pk_sol *sol,
            int *choice, int *placed)
{
    size_t m;

    out->gpus = sol->gpus;
    out->ngpus = sol->ngpus;
    out->insts = sol->insts;
    out->ninsts = sol->ninsts;
    sol->gpus = NULL;
    sol->insts = NULL;
    out->choice = choice;
    out->placed = placed;
    out->nmodels = p->nmodels;
    out->models = xcalloc(p->nmodels + 1, sizeof(*out->models));
    out->optimal_choices = true;
    out->cost = costs_known(p) ? 0.0 : -1.0;
    for (m = 0; m < p->nmodels; m++) {
        out->models[m].gpus = sol->used[m];
        out->models[m].lower_bound = sol->lb[m];
        out->models[m].optimal = sol->optimal[m];
        out->gpus_used += sol->used[m];
        out->lower_bound += sol->lb[m];
        out->optimal_choices = out->optimal_choices && sol->optimal[m];
        if (out->cost >= 0.0)
            out->cost += sol->used[m] * p->models[m].cost;
    }
    if (out->cost < 0.0) {
        /* Known when every model actually used has a cost. */
        out->cost = 0.0;
        for (m = 0; m < p->nmodels; m++) {
            if (!sol->used[m])
                continue;
            if (p->models[m].cost < 0.0) {
                out->cost = -1.0;
                break;
            }
            out->cost += sol->used[m] * p->models[m].cost;
        }
    }
}

/*
 * Whether the plan in out is proven best for the objective, and its cost bound: fewest replicas
 * left out (none but those with no feasible option, or the model mix's bound), then the lowest
 * cost when every model has one (the bound over every choice, or the model mix's closed
 * search), else the fewest GPUs (the bound over every choice, or the closed search).
 */
static void
set_optimal(struct gpv_pack_result *out, struct pk_ctx *c, const bool *feasible, const size_t *foff,
            const int *placed, const struct pk_mix *mix)
{
    const struct gpv_pack_problem *p = c->p;
    long left = 0, forced = 0;
    double weight = 0.0, chosen = 0.0, lb;
    bool priced = costs_known(p), plain = !priced && !p->least_memory, fewest;
    size_t d, m;

    for (d = 0; d < p->ndemands; d++) {
        bool any = false;

        for (m = 0; m < p->demands[d].noptions; m++)
            any |= feasible[foff[d] + m];
        left += p->demands[d].replicas - placed[d];
        if (!any)
            forced += p->demands[d].replicas;
    }
    for (m = 0; m < p->nmodels; m++) {
        weight += out->models[m].gpus * model_weight(p, m);
        chosen += out->models[m].lower_bound * model_weight(p, m);
    }
    fewest = left == forced || (mix->ran && left <= mix->unplaced_lb);
    out->cost_lower_bound = -1.0;
    if (priced) {
        lb = pk_cost_bound_any(c, feasible, foff, placed, chosen);
        if (mix->cost_lb_valid && left == mix->unplaced_lb && mix->cost_lb > lb)
            lb = mix->cost_lb;
        if (lb > weight)
            lb = weight; /* never: the plan itself is a plan */
        out->cost_lower_bound = lb;
        out->optimal = fewest && weight <= lb + PACK_BOUND_EPS;
    } else {
        /* Without costs each GPU weighs 1: the mix's bound is one on GPUs. */
        if (plain && mix->cost_lb_valid && left == mix->unplaced_lb) {
            int b = (int)ceil(mix->cost_lb - PACK_BOUND_EPS);

            if (b > out->lower_bound_any)
                out->lower_bound_any = b < out->gpus_used ? b : out->gpus_used;
        }
        out->optimal = fewest && out->gpus_used == out->lower_bound_any;
    }
}

int
gpv_pack(struct gpv_pack_result *out, const struct gpv_pack_problem *p, struct gpv_error *err)
{
    struct pk_ctx c;
    struct eval best, trial;
    bool *feasible = NULL, fleet = false;
    size_t *foff = NULL, d, i, m, nopt = 0;
    int *asg = NULL, rc;
    long budget = -1; /* the search budget best.sol was packed with (-1: a trial's) */

    gpv_pack_result_init(out);
    if ((rc = pk_check_problem(p, err)))
        return rc;
    memset(&c, 0, sizeof(c));
    c.p = p;
    c.mig = xcalloc(p->nmodels + 1, sizeof(*c.mig));
    c.need = pk_need_new();
    c.trial_work = PACK_TRIAL_WORK;
    for (d = 0; d < p->ndemands; d++) {
        int most = 1;

        for (i = 0; i < p->demands[d].noptions; i++)
            if (p->demands[d].options[i].kind == GPV_PACK_WHOLE &&
                p->demands[d].options[i].gpus > most)
                most = p->demands[d].options[i].gpus;
        c.instances += (long long)p->demands[d].replicas * most;
    }
    for (m = 0; m < p->nmodels; m++)
        fleet |= p->models[m].limit >= 0;
    foff = xcalloc(p->ndemands + 1, sizeof(size_t));
    for (d = 0; d < p->ndemands; d++) {
        foff[d] = nopt;
        nopt += p->demands[d].noptions;
    }
    feasible = xcalloc(nopt + 1, sizeof(bool));
    for (d = 0; d < p->ndemands; d++) {
        for (i = 0; i < p->demands[d].noptions; i++) {
            feasible[foff[d] + i] = pk_option_feasible(p, d, i, NULL);
        }
    }
    asg = xcalloc(p->ndemands + 1, sizeof(int));
    initial_choice(&c, feasible, foff, false, asg);
    /* Trials run with a small search budget; the final plan gets the full one. */
    c.bb_nodes = p->strategy == GPV_PACK_OPTIMAL ? PACK_BB_NODES_TRIAL : 0;
    evaluate(&c, asg, fleet, &best);
    if (fleet && best.unplaced && fleet_may_hold(&c, feasible, foff)) {
        /* The fleet ran out with the choices made in input order: the demands that lose most
         * elsewhere choose first, and the better start stays. */
        initial_choice(&c, feasible, foff, true, asg);
        try_assignment(&c, asg, fleet, &best);
    }
    if (p->strategy == GPV_PACK_OPTIMAL && p->ndemands <= PACK_CONSOLIDATE_MAX) {
        consolidate(&c, feasible, foff, fleet, &best);
        eliminate(&c, feasible, foff, fleet, &best);
    }
    if (p->strategy == GPV_PACK_OPTIMAL && p->ndemands <= PACK_LOCAL_SEARCH_MAX)
        local_search(&c, feasible, foff, fleet, &best);
    /*
     * The final plan, with the full search budget (first fit has no search). It replaces best
     * unless best scores strictly better, which the larger budget makes rare. best's solution
     * is dropped first, so that two whole plans are never held at once (at a million tenants
     * each is about 130 MB); in that rare case it is packed again from best's assignment, which
     * already keeps to the fleet, with the budget that made it: the same plan.
     * The budget only stops searches (pk_mig_bb_cover), so a plan none of whose searches
     * stopped (in pk_fit_fleet's packings too) is the plan the full budget gives: it is not packed
     * again. With a fleet, best's assignment already keeps to it, each model packed apart
     * within its limit; packing it again would find nothing over and move nothing.
     */
    if (p->strategy == GPV_PACK_OPTIMAL && best.cut) {
        pk_sol_release(&best.sol);
        c.bb_nodes = PACK_BB_NODES;
        evaluate(&c, best.asg, fleet, &trial);
        if (!better(&best, &trial)) {
            eval_release(&best);
            best = trial;
            budget = c.bb_nodes;
        } else {
            eval_release(&trial);
            c.bb_nodes = PACK_BB_NODES_TRIAL;
            pk_pack_all(&c, best.asg, NULL, &best.sol);
        }
    } else if (p->strategy == GPV_PACK_OPTIMAL) {
        /* Not packed again, being what the full budget gives: the model mix may keep its
         * pools (pk_mix_pack) as it would keep the final plan's. */
        budget = PACK_BB_NODES;
    }
    {
        int *choice = xcalloc(p->ndemands + 1, sizeof(int));
        int *placed = xcalloc(p->ndemands + 1, sizeof(int));
        struct pk_sol sol;
        struct pk_mix mix;
        bool left = false;

        for (d = 0; d < p->ndemands; d++)
            left |= best.asg[d] < 0 && p->demands[d].noptions > 0;
        if (fleet && left) {
            pk_place_split(&c, &best, &sol, choice, placed);
            budget = -1;
        } else {
            sol = best.sol;
            memset(&best.sol, 0, sizeof(best.sol));
            for (d = 0; d < p->ndemands; d++) {
                choice[d] = best.asg[d];
                placed[d] = best.asg[d] >= 0 ? p->demands[d].replicas : 0;
            }
            for (i = 0; i < sol.ninsts; i++)
                sol.insts[i].option = choice[sol.insts[i].demand];
        }
        pk_mix_improve(&c, feasible, foff, p->strategy == GPV_PACK_OPTIMAL, budget, &sol, choice,
                       placed, &mix);
        /* The mix's plan is rounded from a relaxation: room it leaves takes what is left out. */
        if (fleet && mix.improved)
            pk_refill(&c, &sol, choice, placed);
        c.asg = NULL;
        pk_explain_unplaced(out, &c, &sol, placed);
        fill_result(out, p, &sol, choice, placed);
        out->lower_bound_any = pk_bound_any(&c, feasible, foff, placed, out->lower_bound);
        if (out->lower_bound_any > out->gpus_used)
            out->lower_bound_any = out->gpus_used; /* never: the plan itself is a plan */
        set_optimal(out, &c, feasible, foff, placed, &mix);
        pk_sol_release(&sol);
    }
    out->nodes = c.nodes;
    eval_release(&best);
    pk_mig_cache_release(&c);
    pk_need_free(c.need);
    free(feasible);
    free(foff);
    free(asg);
    return 0;
}
