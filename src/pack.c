/*
 * The placement engine's driver: choosing a model per demand, packing each model's pools,
 * keeping to a fleet's limits, and the result. The pools themselves are packed by the engines
 * (pack_engine.h): pack_mig*.c (MIG and MIG-backed vGPU) and pack_vgpu.c (time-sliced vGPU and
 * passthrough), which build on the shared state of pack_int.h; nothing calls back into here.
 */
#include "gpuvplan/pack.h"

#include "pack_config.h"
#include "pack_engine.h"
#include "pack_int.h"

#include "gpuvplan/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NKINDS 4

/* ---- checking the problem ---------------------------------------------------------------- */

static int
check_option(const struct gpv_pack_problem *p, size_t d, size_t i, struct gpv_error *err)
{
    const struct gpv_pack_option *o = &p->demands[d].options[i];
    const struct gpv_gpu *gpu;

    if (o->model < 0 || (size_t)o->model >= p->nmodels)
        return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu option %zu: no model %d", d,
                             i, o->model);
    gpu = p->models[o->model].gpu;
    switch (o->kind) {
    case GPV_PACK_MIG:
    case GPV_PACK_MIG_VGPU:
        if (!gpu->mig || o->profile < 0 || (size_t)o->profile >= gpu->mig->nprofiles)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: no MIG profile %d on %s", d, i, o->profile,
                                 gpu->id);
        if (o->kind == GPV_PACK_MIG)
            break;
        if (!gpu->vgpu || o->vgpu_type < 0 || (size_t)o->vgpu_type >= gpu->vgpu->ntypes ||
            gpu->vgpu->types[o->vgpu_type].mig_profile != o->profile)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: no MIG-backed vGPU type %d on %s "
                                 "over profile %d",
                                 d, i, o->vgpu_type, gpu->id, o->profile);
        break;
    case GPV_PACK_VGPU:
        if (!gpu->vgpu || o->vgpu_type < 0 || (size_t)o->vgpu_type >= gpu->vgpu->ntypes ||
            !gpv_vgpu_time_sliced(&gpu->vgpu->types[o->vgpu_type]))
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: no time-sliced vGPU type %d on %s", d, i,
                                 o->vgpu_type, gpu->id);
        if (p->models[o->model].mixed && !gpu->vgpu->mixed_size)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "model entry %d: %s has no mixed-size mode", o->model, gpu->id);
        break;
    case GPV_PACK_WHOLE:
        if (o->gpus < 1)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: %d GPUs per replica", d, i, o->gpus);
        break;
    default:
        return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu option %zu: bad kind", d, i);
    }
    return 0;
}

static int
check_problem(const struct gpv_pack_problem *p, struct gpv_error *err)
{
    long long total = 0;
    size_t d, i;
    int rc;

    for (i = 0; i < p->nmodels; i++)
        if (!p->models[i].gpu)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "model entry %zu has no GPU", i);
    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        int most = 1;

        if (dm->replicas < 1)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu: %d replicas", d,
                                 dm->replicas);
        if (dm->compute < 0.0 || dm->compute > 1.0 + GPV_VGPU_SHARE_EPS)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu: compute %g", d,
                                 dm->compute);
        for (i = 0; i < dm->noptions; i++) {
            if ((rc = check_option(p, d, i, err)))
                return rc;
            if (dm->options[i].kind == GPV_PACK_WHOLE && dm->options[i].gpus > most)
                most = dm->options[i].gpus;
        }
        total += (long long)dm->replicas * most;
        if (total > PACK_MAX_INSTANCES)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "more than %lld instances in total; split the problem",
                                 PACK_MAX_INSTANCES);
    }
    return 0;
}

/* ---- options ----------------------------------------------------------------------------- */

/* Whether option o of demand d can be placed at all; if not, *why (new string) says why. */
static bool
option_feasible(const struct gpv_pack_problem *p, size_t d, size_t i, char **why)
{
    const struct gpv_pack_demand *dm = &p->demands[d];
    const struct gpv_pack_option *o = &dm->options[i];
    const struct gpv_pack_model *m = &p->models[o->model];

    *why = NULL;
    if (m->limit == 0) {
        *why = xasprintf("%s: the fleet has none", m->gpu->id);
        return false;
    }
    if (o->kind == GPV_PACK_WHOLE && m->limit >= 0 && o->gpus > m->limit) {
        *why = xasprintf("%s: a replica needs %d whole GPUs and the fleet has %d", m->gpu->id,
                         o->gpus, m->limit);
        return false;
    }
    if (o->kind == GPV_PACK_VGPU) {
        const struct gpv_vgpu_type *t = &m->gpu->vgpu->types[o->vgpu_type];

        if (m->mixed && (t->max_mixed <= 0 || t->nplacements == 0)) {
            *why = xasprintf("%s: %s is not offered in mixed-size mode", m->gpu->id, t->name);
            return false;
        }
        if (gpv_vgpu_limit(t, m->mixed, dm->compute) <= 0) {
            *why = xasprintf("%s: no vGPU scheduler guarantees %.2f of a GPU to %s", m->gpu->id,
                             dm->compute, t->name);
            return false;
        }
    }
    if (dm->spread_nodes && m->nodes > 0 && dm->replicas > m->nodes) {
        *why = xasprintf("%s: %d replicas to spread over distinct nodes and the fleet has %d "
                         "node%s",
                         m->gpu->id, dm->replicas, m->nodes, m->nodes == 1 ? "" : "s");
        return false;
    }
    if (o->kind != GPV_PACK_WHOLE && dm->spread && m->limit >= 0 && dm->replicas > m->limit) {
        *why = xasprintf("%s: %d replicas to spread over distinct GPUs and the fleet has %d",
                         m->gpu->id, dm->replicas, m->limit);
        return false;
    }
    return true;
}

/* Fraction of one GPU one replica takes under option o (whole GPUs count in full). */
static double
fraction(struct pk_ctx *c, size_t d, const struct gpv_pack_option *o)
{
    const struct gpv_pack_model *m = &c->p->models[o->model];

    switch (o->kind) {
    case GPV_PACK_MIG:
    case GPV_PACK_MIG_VGPU:
        return pk_mig_fraction(c, o);
    case GPV_PACK_VGPU: {
        const struct gpv_vgpu_type *t = &m->gpu->vgpu->types[o->vgpu_type];
        int lim = gpv_vgpu_limit(t, m->mixed, c->p->demands[d].compute);
        double f = lim > 0 ? 1.0 / lim : 1.0;

        if (m->mixed) {
            double by_fb = (double)t->size_gb / gpv_vgpu_region_gb(m->gpu);

            if (by_fb > f)
                f = by_fb;
        }
        return f;
    }
    case GPV_PACK_WHOLE:
        return o->gpus;
    }
    return 1.0;
}

/* ---- evaluating an assignment ------------------------------------------------------------ */

/* Everything about one assignment: the plan and its objective. */
struct eval {
    int *asg; /* per demand: option, -1 unplaced */
    struct pk_sol sol;
    int unplaced;
    double cost; /* per hour when costs are known, else GPUs */
    int gpus;
    long ranks;
};

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

/* Packs the demands with asg[d] >= 0 on models where only[m] (NULL: all) into s. */
static void
pack_all(struct pk_ctx *c, const int *asg, const bool *only, struct pk_sol *s)
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
        if (!n)
            continue;
        if ((kind == GPV_PACK_MIG || kind == GPV_PACK_MIG_VGPU) && p->models[model].single)
            pk_pack_single(c, s, model, kind, it, n, &lb, &opt);
        else if (kind == GPV_PACK_MIG || kind == GPV_PACK_MIG_VGPU)
            pk_pack_mig(c, s, model, kind, it, n, &lb, &opt);
        else if (kind == GPV_PACK_VGPU)
            pk_pack_vgpu(c, s, model, it, n, &lb, &opt);
        else
            pk_pack_whole(c, s, model, it, n, &lb, &opt);
        s->used[model] += (int)(s->ngpus - before);
        s->lb[model] += lb;
        s->optimal[model] = s->optimal[model] && opt;
    }
    pk_count_slots(p, s);
    free(start);
    free(fill);
    free(items);
}

static void
score(struct eval *e, const struct gpv_pack_problem *p)
{
    bool known = costs_known(p);
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
        e->cost += known ? e->sol.used[m] * p->models[m].cost : e->sol.used[m];
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

/* GPUs model m needs for the demands asg puts there. */
static int
model_need(struct pk_ctx *c, const int *asg, int m)
{
    bool *only = xcalloc(c->p->nmodels, sizeof(bool));
    struct pk_sol s;
    int used;

    only[m] = true;
    pack_all(c, asg, only, &s);
    used = s.slots[m];
    pk_sol_release(&s);
    free(only);
    return used;
}

/*
 * Keeps to the fleet: moves demands off over-full models onto others with room, then leaves
 * the last demands of a still over-full model unplaced (the largest prefix that fits stays,
 * then later ones are tried one by one). asg is updated in place.
 */
static void
fit_fleet(struct pk_ctx *c, int *asg)
{
    const struct gpv_pack_problem *p = c->p;
    size_t nm = p->nmodels, d;
    double *extra = xcalloc(nm + 1, sizeof(double));
    int round;
    size_t m;

    for (round = 0; round < PACK_FLEET_ROUNDS; round++) {
        struct pk_sol s;
        bool over = false, moved = false;

        pack_all(c, asg, NULL, &s);
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
                    double f = fraction(c, d, o) * dm->replicas;
                    char *why = NULL;

                    if ((size_t)o->model == m || !option_feasible(p, d, i, &why)) {
                        free(why);
                        continue;
                    }
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
                freed += fraction(c, d, cur) * dm->replicas;
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

        if (limit < 0 || model_need(c, asg, (int)m) <= limit)
            continue;
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
                if (model_need(c, asg, (int)m) <= limit)
                    lo = mid;
                else
                    hi = mid - 1;
            }
            for (i = 0; i < n; i++)
                asg[mine[i]] = (int)i < lo ? saved[i] : -1;
            for (i = (size_t)lo; i < n && retried < PACK_REFILL_MAX; i++) {
                asg[mine[i]] = saved[i];
                retried++;
                if (model_need(c, asg, (int)m) > limit)
                    asg[mine[i]] = -1;
            }
            free(saved);
        }
        free(mine);
    }
}

/* Packs asg (copied) and scores it; fleet limits are kept when the problem has them. */
static void
evaluate(struct pk_ctx *c, const int *asg, bool fleet, struct eval *out)
{
    memset(out, 0, sizeof(*out));
    out->asg = xcalloc(c->p->ndemands + 1, sizeof(int));
    memcpy(out->asg, asg, c->p->ndemands * sizeof(int));
    if (fleet)
        fit_fleet(c, out->asg);
    pack_all(c, out->asg, NULL, &out->sol);
    score(out, c->p);
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

/* The first choice of every demand: the option that costs least by its share of a GPU. */
static void
initial_choice(struct pk_ctx *c, const bool *feasible, const size_t *foff, int *asg)
{
    const struct gpv_pack_problem *p = c->p;
    bool known = costs_known(p);
    double *est = xcalloc(p->nmodels + 1, sizeof(double));
    size_t d, i;

    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        int best = -1;
        bool best_room = false;
        double bs = 0.0, bf = 0.0;

        for (i = 0; i < dm->noptions; i++) {
            const struct gpv_pack_option *o = &dm->options[i];
            const struct gpv_pack_model *m = &p->models[o->model];
            double f, sc;
            bool room;

            if (!feasible[foff[d] + i])
                continue;
            f = fraction(c, d, o) * dm->replicas;
            sc = f * (known ? m->cost : 1.0);
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
    free(est);
}

/* Demand d's feasible option on model a or b with the lowest estimated cost (then rank), or
 * -1 when it has none there. */
static int
cheapest_on(struct pk_ctx *c, const bool *feasible, size_t d, size_t a, size_t b)
{
    const struct gpv_pack_demand *dm = &c->p->demands[d];
    bool known = costs_known(c->p);
    double best = 0.0;
    size_t i;
    int pick = -1;

    for (i = 0; i < dm->noptions; i++) {
        const struct gpv_pack_option *o = &dm->options[i];
        double cost;

        if (!feasible[i] || ((size_t)o->model != a && (size_t)o->model != b))
            continue;
        cost = fraction(c, d, o) * (known ? c->p->models[o->model].cost : 1.0);
        if (pick < 0 || cost < best - 1e-12 ||
            (cost <= best + 1e-12 && o->rank < dm->options[pick].rank)) {
            pick = (int)i;
            best = cost;
        }
    }
    return pick;
}

/* Unplaced demands with their reasons, in demand order. */
static void
explain_unplaced(struct gpv_pack_result *r, const struct gpv_pack_problem *p, const int *asg)
{
    size_t d, i, n = 0;

    for (d = 0; d < p->ndemands; d++)
        n += asg[d] < 0;
    r->unplaced = xcalloc(n + 1, sizeof(*r->unplaced));
    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        struct gpv_pack_unplaced *u;

        if (asg[d] >= 0)
            continue;
        u = &r->unplaced[r->nunplaced++];
        u->demand = (int)d;
        u->reasons = xcalloc(dm->noptions + 1, sizeof(char *));
        if (!dm->noptions) {
            u->reasons[u->nreasons++] = xstrdup("no method serves it on any candidate model");
            continue;
        }
        for (i = 0; i < dm->noptions; i++) {
            const struct gpv_pack_option *o = &dm->options[i];
            const struct gpv_pack_model *m = &p->models[o->model];
            char *why = NULL;
            size_t j;
            bool seen = false;

            if (option_feasible(p, d, i, &why))
                why = xasprintf("%s: no room left on the fleet's %d GPU%s (needs %s)%s", m->gpu->id,
                                m->limit, m->limit == 1 ? "" : "s", gpv_pack_kind_name(o->kind),
                                m->single && o->kind != GPV_PACK_WHOLE && o->kind != GPV_PACK_VGPU
                                    ? "; mig_strategy single gives each node one MIG profile"
                                    : "");
            for (j = 0; j < u->nreasons && !seen; j++)
                seen = !strcmp(u->reasons[j], why);
            if (seen)
                free(why);
            else
                u->reasons[u->nreasons++] = why;
        }
    }
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
                    double cost =
                        fraction(c, d, o) * (costs_known(p) ? p->models[o->model].cost : 1.0);

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

/* Moves the plan of best into out (best keeps what is left to release) with its figures. */
static void
fill_result(struct gpv_pack_result *out, const struct gpv_pack_problem *p, struct eval *best)
{
    size_t m;

    out->gpus = best->sol.gpus;
    out->ngpus = best->sol.ngpus;
    out->insts = best->sol.insts;
    out->ninsts = best->sol.ninsts;
    best->sol.gpus = NULL;
    best->sol.insts = NULL;
    out->choice = best->asg;
    best->asg = NULL;
    out->nmodels = p->nmodels;
    out->models = xcalloc(p->nmodels + 1, sizeof(*out->models));
    out->optimal = true;
    out->cost = costs_known(p) ? 0.0 : -1.0;
    for (m = 0; m < p->nmodels; m++) {
        out->models[m].gpus = best->sol.used[m];
        out->models[m].lower_bound = best->sol.lb[m];
        out->models[m].optimal = best->sol.optimal[m];
        out->gpus_used += best->sol.used[m];
        out->lower_bound += best->sol.lb[m];
        out->optimal = out->optimal && best->sol.optimal[m];
        if (out->cost >= 0.0)
            out->cost += best->sol.used[m] * p->models[m].cost;
    }
    if (out->cost < 0.0) {
        /* Known when every model actually used has a cost. */
        out->cost = 0.0;
        for (m = 0; m < p->nmodels; m++) {
            if (!best->sol.used[m])
                continue;
            if (p->models[m].cost < 0.0) {
                out->cost = -1.0;
                break;
            }
            out->cost += best->sol.used[m] * p->models[m].cost;
        }
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

    gpv_pack_result_init(out);
    if ((rc = check_problem(p, err)))
        return rc;
    memset(&c, 0, sizeof(c));
    c.p = p;
    c.mig = xcalloc(p->nmodels + 1, sizeof(*c.mig));
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
            char *why;

            feasible[foff[d] + i] = option_feasible(p, d, i, &why);
            free(why);
        }
    }
    asg = xcalloc(p->ndemands + 1, sizeof(int));
    initial_choice(&c, feasible, foff, asg);
    /* Trials run with a small search budget; the final plan gets the full one. */
    c.bb_nodes = p->strategy == GPV_PACK_OPTIMAL ? PACK_BB_NODES_TRIAL : 0;
    evaluate(&c, asg, fleet, &best);
    if (p->strategy == GPV_PACK_OPTIMAL && p->ndemands <= PACK_CONSOLIDATE_MAX) {
        consolidate(&c, feasible, foff, fleet, &best);
        eliminate(&c, feasible, foff, fleet, &best);
    }
    if (p->strategy == GPV_PACK_OPTIMAL && p->ndemands <= PACK_LOCAL_SEARCH_MAX)
        local_search(&c, feasible, foff, fleet, &best);
    /* The final plan, with the full search budget (first fit has no search). */
    if (p->strategy == GPV_PACK_OPTIMAL) {
        c.bb_nodes = PACK_BB_NODES;
        evaluate(&c, best.asg, fleet, &trial);
        if (!better(&best, &trial)) {
            eval_release(&best);
            best = trial;
        } else {
            eval_release(&trial);
        }
    }
    fill_result(out, p, &best);
    explain_unplaced(out, p, out->choice);
    out->nodes = c.nodes;
    eval_release(&best);
    pk_mig_cache_release(&c);
    free(feasible);
    free(foff);
    free(asg);
    return 0;
}
