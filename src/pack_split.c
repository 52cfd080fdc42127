/* Replicas placed one by one where a demand does not fit whole, the reasons replicas are
 * left out, and the lower bound over every allowed choice. */
#include "gpuvplan/pack.h"

#include "pack_config.h"
#include "pack_driver.h"
#include "pack_engine.h"
#include "pack_int.h"

#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- replicas one by one ----------------------------------------------------------------- */

/* Replicas [first, first + n) of demand `demand` on its option `option`: one demand of the
 * split problem. */
struct piece {
    int demand, first, option;
};

/* A problem whose demands are pieces of the caller's: each with its one option. */
struct split {
    struct gpv_pack_problem q;
    struct gpv_pack_demand *dem;
    struct piece *pc;
    int *asg; /* all 0: every piece uses its one option */
    size_t cap;
    /* Per model, the pieces on it in index order (split_fits() counts a model's GPUs from its
       own pieces, not by a scan of them all): pieces [0, nlisted) are listed. */
    int **bym;
    size_t *nbym, *capbym, nlisted;
};

/* Drops pieces [from, nlisted) from the per-model lists (their tails: listed in index order). */
static void
split_drop_listed(struct split *sp, size_t from)
{
    size_t m;

    for (m = 0; m < sp->q.nmodels; m++)
        while (sp->nbym[m] && (size_t)sp->bym[m][sp->nbym[m] - 1] >= from)
            sp->nbym[m]--;
    sp->nlisted = from;
}

static void
split_add(struct split *sp, const struct gpv_pack_problem *p, int d, int option, int first, int n)
{
    size_t k = sp->q.ndemands++;

    /* A piece dropped (the last) and another added in its place before the lists were
       brought up to date: the dropped one leaves them now. */
    if (k < sp->nlisted)
        split_drop_listed(sp, k);

    GPV_ASSERT(k < sp->cap);
    sp->dem[k] = p->demands[d];
    sp->dem[k].replicas = n;
    sp->dem[k].noptions = 1;
    sp->dem[k].options = &p->demands[d].options[option];
    sp->pc[k].demand = d;
    sp->pc[k].first = first;
    sp->pc[k].option = option;
}

/* Forgets the per-model lists, for a change other than pieces added or the last ones dropped. */
static void
split_unlist(struct split *sp)
{
    size_t m;

    for (m = 0; m < sp->q.nmodels; m++)
        sp->nbym[m] = 0;
    sp->nlisted = 0;
}

/* Brings the per-model lists up to the pieces there are: the pieces dropped since (always the
 * last ones; split_add() drops those it replaces) leave their lists' tails, the pieces added
 * since join them. */
static void
split_list(struct split *sp)
{
    size_t m, k;

    if (sp->q.ndemands < sp->nlisted)
        split_drop_listed(sp, sp->q.ndemands);
    for (k = sp->nlisted; k < sp->q.ndemands; k++) {
        m = (size_t)sp->dem[k].options[0].model;
        if (sp->nbym[m] == sp->capbym[m]) {
            sp->capbym[m] = sp->capbym[m] ? 2 * sp->capbym[m] : 64;
            sp->bym[m] = xreallocarray(sp->bym[m], sp->capbym[m], sizeof(int));
        }
        sp->bym[m][sp->nbym[m]++] = (int)k;
    }
    sp->nlisted = sp->q.ndemands;
}

/* True when every model of the split problem keeps to its limit when packed with the current
 * budget; with `model` >= 0 only that model is packed and checked. */
static bool
split_fits(struct pk_ctx *c, struct split *sp, int model)
{
    const struct gpv_pack_problem *q = &sp->q;
    bool ok = true;
    size_t m;

    if (model >= 0) {
        if (q->models[model].limit < 0)
            return true;
        split_list(sp);
        return pk_model_need_among(c, sp->asg, model, sp->bym[model], sp->nbym[model]) <=
               q->models[model].limit;
    }
    {
        struct pk_sol s;

        pk_pack_all(c, sp->asg, NULL, &s);
        for (m = 0; m < q->nmodels; m++)
            ok = ok && (q->models[m].limit < 0 || s.slots[m] <= q->models[m].limit);
        pk_sol_release(&s);
    }
    return ok;
}

/* An empty split of p with room for cap pieces. */
static void
split_init(struct split *sp, const struct gpv_pack_problem *p, size_t cap)
{
    memset(sp, 0, sizeof(*sp));
    sp->cap = cap;
    sp->dem = xcalloc(cap, sizeof(*sp->dem));
    sp->pc = xcalloc(cap, sizeof(*sp->pc));
    sp->asg = xcalloc(cap, sizeof(int));
    sp->bym = xcalloc(p->nmodels + 1, sizeof(*sp->bym));
    sp->nbym = xcalloc(p->nmodels + 1, sizeof(*sp->nbym));
    sp->capbym = xcalloc(p->nmodels + 1, sizeof(*sp->capbym));
    sp->q = *p;
    sp->q.demands = sp->dem;
    sp->q.ndemands = 0;
}

/* Frees what sp holds. */
static void
split_free(struct split *sp)
{
    size_t m;

    for (m = 0; m < sp->q.nmodels; m++)
        free(sp->bym[m]);
    free(sp->bym);
    free(sp->nbym);
    free(sp->capbym);
    free(sp->dem);
    free(sp->pc);
    free(sp->asg);
}

/* After the pieces of sp were packed into *sol: sol's insts name p's demands, replicas and
 * options again, choice[d] is the option of demand d's first piece (-1: none), placed[d] grows
 * by its pieces' replicas; frees sp. */
static void
split_finish(struct split *sp, const struct gpv_pack_problem *p, struct pk_sol *sol, int *choice,
             int *placed)
{
    size_t d, k, i;

    for (d = 0; d < p->ndemands; d++)
        choice[d] = -1;
    for (k = 0; k < sp->q.ndemands; k++) {
        const struct piece *pc = &sp->pc[k];

        if (choice[pc->demand] < 0)
            choice[pc->demand] = pc->option;
        placed[pc->demand] += sp->dem[k].replicas;
    }
    for (i = 0; i < sol->ninsts; i++) {
        struct gpv_pack_inst *x = &sol->insts[i];
        const struct piece *pc = &sp->pc[x->demand];

        x->demand = pc->demand;
        x->replica += pc->first;
        x->option = pc->option;
    }
    split_free(sp);
}

/*
 * Adds pieces of demand d to sp for its replicas [first, first + left): option by option in
 * the caller's rank order, each taking as many as its model still has room for (bisection on
 * the count, packing that model's pools with c2's budget). A spread demand takes at most one
 * piece per model and mode.
 */
static void
split_demand(struct pk_ctx *c2, struct split *sp, const struct gpv_pack_problem *p, size_t d,
             int first, int left)
{
    const struct gpv_pack_demand *dm = &p->demands[d];
    int *order = xcalloc(dm->noptions + 1, sizeof(int));
    size_t i, k, n = 0;

    /* The options in the caller's order of preference (insertion sort: few options). */
    for (i = 0; i < dm->noptions; i++) {
        for (k = n; k > 0 && dm->options[order[k - 1]].rank > dm->options[i].rank; k--)
            order[k] = order[k - 1];
        order[k] = (int)i;
        n++;
    }
    for (i = 0; i < n && left > 0; i++) {
        const struct gpv_pack_option *o = &dm->options[order[i]];
        size_t me = sp->q.ndemands, j;
        int lo = 0, hi = left;
        bool clash = false;

        /* Spread replicas on one model and mode would share GPUs across pieces. */
        for (j = 0; dm->spread && j < me; j++)
            clash |= sp->pc[j].demand == (int)d &&
                     dm->options[sp->pc[j].option].model == o->model &&
                     dm->options[sp->pc[j].option].kind == o->kind;
        if (clash)
            continue;
        split_add(sp, p, (int)d, order[i], first, left);
        /* Binary search on the replicas: more never needs fewer GPUs. On a full fleet most
           options take none: when one replica does not fit, none does, and the search is
           not made (when it fits, the search runs as it would have). */
        if (hi > 1) {
            sp->dem[me].replicas = 1;
            if (!pk_option_feasible(&sp->q, me, 0, NULL) || !split_fits(c2, sp, o->model))
                hi = 0;
        }
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;

            sp->dem[me].replicas = mid;
            if (pk_option_feasible(&sp->q, me, 0, NULL) && split_fits(c2, sp, o->model))
                lo = mid;
            else
                hi = mid - 1;
        }
        if (lo == 0) {
            sp->q.ndemands--;
            continue;
        }
        sp->dem[me].replicas = lo;
        first += lo;
        left -= lo;
    }
    free(order);
}

/* Which demands replicas one by one try: the first PACK_REFILL_MAX left out, then up to
 * PACK_REFILL_MAX more of those with an option on a model that had GPUs free when the stage
 * began (slots) and has not been found full since, so free GPUs are not left idle behind
 * tenants that cannot use them. Each try packs one model: the cost stays bounded. */
struct refill {
    const int *slots; /* per model: GPUs counted against its limit when the stage began */
    bool *full;       /* per model: a try left replicas out that an option on it could take */
    size_t nsplit, nextra;
};

static void
refill_init(struct refill *rf, const struct gpv_pack_problem *p, const int *slots)
{
    rf->slots = slots;
    rf->full = xcalloc(p->nmodels + 1, sizeof(bool));
    rf->nsplit = rf->nextra = 0;
}

/* True when one of demand d's options is on a model with no limit, or with room for a replica
 * in GPUs not in use and not found full. */
static bool
demand_has_room(const struct refill *rf, const struct gpv_pack_problem *p, size_t d)
{
    size_t i;

    for (i = 0; i < p->demands[d].noptions && rf->slots; i++) {
        const struct gpv_pack_option *o = &p->demands[d].options[i];
        const struct gpv_pack_model *m = &p->models[o->model];

        if (m->limit < 0 || (!rf->full[o->model] &&
                             (long)rf->slots[o->model] + (o->gpus > 1 ? o->gpus : 1) <= m->limit))
            return true;
    }
    return false;
}

/* Whether demand d (left out) is tried, counting the tries. */
static bool
refill_try(struct refill *rf, const struct gpv_pack_problem *p, size_t d)
{
    if (rf->nsplit < PACK_REFILL_MAX) {
        rf->nsplit++;
        return true;
    }
    if (rf->nextra < PACK_REFILL_MAX && demand_has_room(rf, p, d)) {
        rf->nextra++;
        return true;
    }
    return false;
}

/* After demand d's try placed got of want replicas: when some are still left out, every model
 * of its options had no room for more of it. */
static void
refill_done(struct refill *rf, const struct gpv_pack_problem *p, size_t d, long got, long want)
{
    size_t i;

    for (i = 0; got < want && i < p->demands[d].noptions; i++)
        rf->full[p->demands[d].options[i].model] = true;
}

/* The replicas of pieces [from, n) of sp. */
static long
split_replicas(const struct split *sp, size_t from)
{
    long n = 0;

    for (; from < sp->q.ndemands; from++)
        n += sp->dem[from].replicas;
    return n;
}

/*
 * The demands best leaves unplaced, replica by replica: the placed demands keep their option;
 * each unplaced one (the first PACK_REFILL_MAX of them, then as many more on models with GPUs
 * free, struct refill) takes, option by option in the caller's rank order, as many replicas as the
 * option's model still has room for. Packs the result into *sol (insts naming the caller's demands,
 * replicas and options) and fills choice[] and placed[].
 */
void
pk_place_split(struct pk_ctx *c, const struct eval *best, struct pk_sol *sol, int *choice,
               int *placed)
{
    const struct gpv_pack_problem *p = c->p;
    struct pk_ctx c2 = *c;
    struct split sp;
    struct refill rf;
    size_t d, cap = p->ndemands + 1;
    long trial = p->strategy == GPV_PACK_OPTIMAL ? PACK_BB_NODES_TRIAL : 0;

    for (d = 0; d < p->ndemands; d++)
        cap += p->demands[d].noptions;
    split_init(&sp, p, cap);
    c2.p = &sp.q;
    c2.bb_nodes = trial;
    for (d = 0; d < p->ndemands; d++)
        if (best->asg[d] >= 0)
            split_add(&sp, p, (int)d, best->asg[d], 0, p->demands[d].replicas);
    refill_init(&rf, p, best->sol.slots);
    for (d = 0; d < p->ndemands && rf.nextra < PACK_REFILL_MAX; d++) {
        size_t me = sp.q.ndemands;

        if (best->asg[d] >= 0 || !p->demands[d].noptions || !refill_try(&rf, p, d))
            continue;
        split_demand(&c2, &sp, p, d, 0, p->demands[d].replicas);
        refill_done(&rf, p, d, split_replicas(&sp, me), p->demands[d].replicas);
    }
    free(rf.full);
    /* The final plan with the full search budget, unless that breaks a limit the trials kept. */
    c2.bb_nodes = p->strategy == GPV_PACK_OPTIMAL ? PACK_BB_NODES : 0;
    if (!split_fits(&c2, &sp, -1))
        c2.bb_nodes = trial;
    pk_pack_all(&c2, sp.asg, NULL, sol);
    c->nodes = c2.nodes;
    split_finish(&sp, p, sol, choice, placed);
}

bool
pk_refill(struct pk_ctx *c, struct pk_sol *sol, int *choice, int *placed)
{
    const struct gpv_pack_problem *p = c->p;
    struct pk_ctx c2 = *c;
    struct split sp;
    struct pk_sol alt;
    struct refill rf;
    size_t d, i, k, cap = p->ndemands + 1, npc, nopt = 0, *off;
    long trial = p->strategy == GPV_PACK_OPTIMAL ? PACK_BB_NODES_TRIAL : 0;
    long before = 0, after = 0;
    int *ch = NULL, *pl = NULL, *lo, *hi, *cnt;
    bool ok = true, better = false;

    for (d = 0; d < p->ndemands; d++) {
        cap += 2 * p->demands[d].noptions;
        nopt += p->demands[d].noptions;
    }
    split_init(&sp, p, cap);
    c2.p = &sp.q;
    c2.bb_nodes = trial;
    /* The plan's pieces: per demand and option, the replicas its instances serve, which must
       be one run from where the demand's previous piece ended (as split and the mix make them). */
    lo = xcalloc(nopt + 1, sizeof(int));
    hi = xcalloc(nopt + 1, sizeof(int));
    cnt = xcalloc(nopt + 1, sizeof(int));
    off = xcalloc(p->ndemands + 1, sizeof(size_t));
    for (d = 1; d < p->ndemands; d++)
        off[d] = off[d - 1] + p->demands[d - 1].noptions;
    for (i = 0; i < sol->ninsts; i++) {
        const struct gpv_pack_inst *x = &sol->insts[i];
        size_t at = off[x->demand] + (size_t)x->option;
        int r = x->clients > 0 ? x->clients : 1;

        if (x->part)
            continue;
        if (!cnt[at] || x->replica < lo[at])
            lo[at] = x->replica;
        if (!cnt[at] || x->replica + r > hi[at])
            hi[at] = x->replica + r;
        cnt[at] += r;
    }
    for (d = 0; d < p->ndemands && ok; d++) {
        int next = 0;

        /* Runs in replica order, whatever their options' order. */
        for (;;) {
            size_t at = 0;
            bool found = false;

            for (k = 0; k < p->demands[d].noptions && !found; k++)
                if (cnt[off[d] + k] && lo[off[d] + k] == next) {
                    at = off[d] + k;
                    found = true;
                }
            if (!found)
                break;
            ok = hi[at] - lo[at] == cnt[at] && sp.q.ndemands < sp.cap;
            if (!ok)
                break;
            split_add(&sp, p, (int)d, (int)(at - off[d]), lo[at], cnt[at]);
            next = hi[at];
        }
        ok = ok && next == placed[d];
        before += placed[d];
    }
    free(lo);
    free(hi);
    free(cnt);
    free(off);
    refill_init(&rf, p, sol->slots);
    for (d = 0; ok && d < p->ndemands && rf.nextra < PACK_REFILL_MAX; d++) {
        size_t me = sp.q.ndemands, j;

        if (placed[d] >= p->demands[d].replicas || !p->demands[d].noptions ||
            !refill_try(&rf, p, d))
            continue;
        split_demand(&c2, &sp, p, d, placed[d], p->demands[d].replicas - placed[d]);
        refill_done(&rf, p, d, split_replicas(&sp, me), p->demands[d].replicas - placed[d]);
        /* A new run on the option of the demand's last one extends it: two runs of one option
           would round their time-sliced instances up twice. */
        for (j = 0; j < me && sp.q.ndemands > me; j++)
            if (sp.pc[j].demand == (int)d && sp.pc[j].option == sp.pc[me].option &&
                sp.pc[j].first + sp.dem[j].replicas == sp.pc[me].first) {
                sp.dem[j].replicas += sp.dem[me].replicas;
                memmove(&sp.dem[me], &sp.dem[me + 1], (sp.q.ndemands - me - 1) * sizeof(*sp.dem));
                memmove(&sp.pc[me], &sp.pc[me + 1], (sp.q.ndemands - me - 1) * sizeof(*sp.pc));
                sp.q.ndemands--;
                split_unlist(&sp); /* the pieces after me moved down */
                break;
            }
    }
    free(rf.full);
    npc = sp.q.ndemands;
    for (k = 0; ok && k < npc; k++)
        after += sp.dem[k].replicas;
    if (!ok || after <= before) {
        split_free(&sp);
        return false;
    }
    c2.bb_nodes = p->strategy == GPV_PACK_OPTIMAL ? PACK_BB_NODES : 0;
    if (!split_fits(&c2, &sp, -1))
        c2.bb_nodes = trial;
    pk_pack_all(&c2, sp.asg, NULL, &alt);
    c->nodes = c2.nodes;
    ch = xcalloc(p->ndemands + 1, sizeof(int));
    pl = xcalloc(p->ndemands + 1, sizeof(int));
    for (k = 0; k < p->nmodels; k++)
        ok = ok && (p->models[k].limit < 0 || alt.slots[k] <= p->models[k].limit);
    split_finish(&sp, p, &alt, ch, pl);
    if (ok) {
        pk_sol_release(sol);
        *sol = alt;
        memcpy(choice, ch, p->ndemands * sizeof(int));
        memcpy(placed, pl, p->ndemands * sizeof(int));
        better = true;
    } else {
        pk_sol_release(&alt);
    }
    free(ch);
    free(pl);
    return better;
}

/* Packs the pieces pcs[0..n) (each a run of one demand's replicas on one of its options) with
 * a search budget of bb_nodes into *sol, insts naming the caller's demands, replicas and
 * options; fills choice[] (-1 first) and placed[] (zeroed first). */
void
pk_pack_pieces(struct pk_ctx *c, const struct pk_piece *pcs, size_t n, long bb_nodes,
               struct pk_sol *sol, int *choice, int *placed)
{
    const struct gpv_pack_problem *p = c->p;
    struct pk_ctx c2 = *c;
    struct split sp;
    size_t d, k;

    split_init(&sp, p, n + 1);
    for (k = 0; k < n; k++)
        if (pcs[k].replicas > 0)
            split_add(&sp, p, pcs[k].demand, pcs[k].option, pcs[k].first, pcs[k].replicas);
    c2.p = &sp.q;
    c2.bb_nodes = bb_nodes;
    pk_pack_all(&c2, sp.asg, NULL, sol);
    c->nodes = c2.nodes;
    for (d = 0; d < p->ndemands; d++)
        placed[d] = 0;
    split_finish(&sp, p, sol, choice, placed);
}

/* What one replica of option o asks for, in words: "one whole GPU", "one 1g.10gb MIG instance". */
static char *
option_need(const struct gpv_pack_problem *p, const struct gpv_pack_option *o)
{
    const struct gpv_gpu *gpu = p->models[o->model].gpu;

    switch (o->kind) {
    case GPV_PACK_MIG:
        return xasprintf("one %s MIG instance", gpu->mig->profiles[o->profile].name);
    case GPV_PACK_VGPU:
        if (o->gpus >= 2)
            return xasprintf("%d %s vGPUs, one per GPU", o->gpus,
                             gpu->vgpu->types[o->vgpu_type].name);
        return xasprintf("one %s vGPU", gpu->vgpu->types[o->vgpu_type].name);
    case GPV_PACK_MIG_VGPU:
        return xasprintf("one %s vGPU", gpu->vgpu->types[o->vgpu_type].name);
    case GPV_PACK_TIME_SLICING:
    case GPV_PACK_MPS:
        return xasprintf("one %s client of a shared GPU", gpv_pack_kind_name(o->kind));
    case GPV_PACK_WHOLE:
        break;
    }
    return o->gpus == 1 ? xstrdup("one whole GPU") : xasprintf("%d whole GPUs", o->gpus);
}

/* What `left` replicas of option o (MIG instances of o->clients clients) ask for, in words:
 * "5 time-sliced to each 1g.10gb MIG instance: 13 instances". */
static char *
ts_mig_need(const struct gpv_pack_problem *p, const struct gpv_pack_option *o, int left)
{
    int n = pk_units(o, left);

    return xasprintf("%d time-sliced to each %s MIG instance: %d instance%s", o->clients,
                     p->models[o->model].gpu->mig->profiles[o->profile].name, n, n == 1 ? "" : "s");
}

/*
 * Why the GPUs of model m in use cannot take a vGPU of type t: they hold types its GPU may not
 * share with (C- and Q-series never share; equal-size mode holds one type). A new string, or
 * NULL when nothing of the sort is in the way.
 */
static char *
sharing_why(const struct gpv_pack_problem *p, const struct pk_sol *s, int m,
            const struct gpv_vgpu_type *t)
{
    const struct gpv_gpu *gpu = p->models[m].gpu;
    int series = 0, other = 0;
    size_t g;

    for (g = 0; g < s->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &s->gpus[g];
        const struct gpv_vgpu_type *u;

        if (pg->model != m || pg->kind != GPV_PACK_VGPU || !pg->ninsts)
            continue;
        u = &gpu->vgpu->types[s->insts[pg->first].vgpu_type];
        if (!gpv_vgpu_series_compatible(u->series, t->series))
            series++;
        else if (!p->models[m].mixed && u != t)
            other++;
    }
    if (series)
        return xasprintf("; %d of them hold%s %s vGPUs, and %s-series and C-series vGPUs may not "
                         "share a GPU",
                         series, series == 1 ? "s" : "",
                         t->series == GPV_SERIES_C ? "non-C-series" : "C-series",
                         t->series == GPV_SERIES_C ? "A-, B- or Q" : gpv_series_name(t->series));
    if (other)
        return xasprintf("; %d of them hold%s other vGPU types, and in equal-size mode a GPU holds "
                         "one type",
                         other, other == 1 ? "s" : "");
    return NULL;
}

/* sharing_why() of one model and vGPU type, worked out once for all the demands left out. */
struct share_memo {
    int model;
    const struct gpv_vgpu_type *type;
    char *why; /* sharing_why()'s, NULL for none */
};

/* sharing_why(p, s, m, t) from memo (*n entries), adding it when new: the scan over the plan's
 * GPUs is made once per model and type, not once per demand left out. The string is memo's. */
static const char *
sharing_why_memo(struct share_memo **memo, size_t *n, const struct gpv_pack_problem *p,
                 const struct pk_sol *s, int m, const struct gpv_vgpu_type *t)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if ((*memo)[i].model == m && (*memo)[i].type == t)
            return (*memo)[i].why;
    *memo = xreallocarray(*memo, *n + 1, sizeof(**memo));
    (*memo)[*n].model = m;
    (*memo)[*n].type = t;
    (*memo)[*n].why = sharing_why(p, s, m, t);
    return (*memo)[(*n)++].why;
}

/* Replicas left out, per demand, with every reason, in demand order. */
void
pk_explain_unplaced(struct gpv_pack_result *r, struct pk_ctx *c, const struct pk_sol *s,
                    const int *placed)
{
    const struct gpv_pack_problem *p = c->p;
    struct share_memo *memo = NULL;
    size_t d, i, n = 0, nmemo = 0;

    for (d = 0; d < p->ndemands; d++)
        n += placed[d] < p->demands[d].replicas;
    r->unplaced = xcalloc(n + 1, sizeof(*r->unplaced));
    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        struct gpv_pack_unplaced *u;
        int left = dm->replicas - placed[d];

        if (!left)
            continue;
        u = &r->unplaced[r->nunplaced++];
        u->demand = (int)d;
        u->replicas = left;
        u->reasons = xcalloc(dm->noptions + 1, sizeof(char *));
        u->whys = xcalloc(dm->noptions + 1, sizeof(*u->whys));
        if (!dm->noptions) {
            u->whys[0].why = GPV_PACK_WHY_NO_OPTION;
            u->whys[0].option = u->whys[0].model = -1;
            u->whys[0].limit = -1;
            u->whys[0].text = xstrdup("no method serves it on any candidate model");
            u->reasons[u->nreasons++] = u->whys[0].text;
            continue;
        }
        for (i = 0; i < dm->noptions; i++) {
            const struct gpv_pack_option *o = &dm->options[i];
            const struct gpv_pack_model *m = &p->models[o->model];
            struct gpv_pack_reason w;
            size_t j;
            bool seen = false;

            if (pk_option_feasible(p, d, i, &w)) {
                long in_use = s->slots[o->model];
                long need = (long)ceil(pk_fraction(c, d, o) * left - PACK_BOUND_EPS);
                char *what = o->clients > 1 ? ts_mig_need(p, o, left) : option_need(p, o);
                const char *share = NULL;
                long one = o->gpus > 1 ? o->gpus : 1;

                if (m->limit >= 0 && !m->single && in_use + one <= m->limit) {
                    /* Free GPUs would hold a replica: not the fleet's limit, the search's. */
                    pk_why_set(&w, GPV_PACK_WHY_UNREACHED, p, o, (int)i, need > 0 ? need : 1,
                               m->limit - in_use);
                    w.in_use = in_use;
                    w.text = xasprintf(
                        "%s: not reached: %ld of %d GPUs in use, %ld free would hold %s; %d "
                        "replica%s left, %s%s; the planner places one by one the replicas of "
                        "at most %d tenants left out and %d more whose models have free GPUs",
                        m->gpu->id, in_use, m->limit, m->limit - in_use, left == 1 ? "it" : "some",
                        left, left == 1 ? "" : "s",
                        o->clients > 1 ? ""
                        : left == 1    ? "it needs "
                                       : "each needs ",
                        what, PACK_REFILL_MAX, PACK_REFILL_MAX);
                    free(what);
                    goto add;
                }

                if (o->kind == GPV_PACK_VGPU)
                    share = sharing_why_memo(&memo, &nmemo, p, s, o->model,
                                             &m->gpu->vgpu->types[o->vgpu_type]);
                pk_why_set(&w, share ? GPV_PACK_WHY_SHARING : GPV_PACK_WHY_EXHAUSTED, p, o, (int)i,
                           need > 0 ? need : 1, m->limit >= 0 ? m->limit - in_use : 0);
                w.in_use = in_use;
                w.text =
                    xasprintf("%s: fleet exhausted: %ld of %d GPU%s in use%s; %d replica%s "
                              "left, %s%s%s",
                              m->gpu->id, in_use, m->limit, m->limit == 1 ? "" : "s",
                              share ? share : "", left, left == 1 ? "" : "s",
                              o->clients > 1 ? ""
                              : left == 1    ? "it needs "
                                             : "each needs ",
                              what,
                              m->single && o->kind != GPV_PACK_WHOLE && o->kind != GPV_PACK_VGPU
                                  ? "; mig_strategy single gives each node one MIG profile"
                                  : "");
                free(what);
            }
        add:
            for (j = 0; j < u->nreasons && !seen; j++)
                seen = !strcmp(u->reasons[j], w.text);
            if (seen) {
                free(w.text);
                continue;
            }
            u->whys[u->nreasons] = w;
            u->reasons[u->nreasons++] = w.text;
        }
    }
    for (i = 0; i < nmemo; i++)
        free(memo[i].why);
    free(memo);
}

/*
 * Weight of one replica of option o of demand d in dimension k (0: MIG units, vGPU slots or
 * frame-buffer share; 1: MIG compute slices, else as 0; 2: vGPU frame buffer over the GPU's
 * memory, MIG units), such that what any
 * one GPU holds weighs at most 1 in each dimension. Whole GPUs weigh their count.
 */
static double
any_weight(struct pk_ctx *c, size_t d, const struct gpv_pack_option *o, int k)
{
    const struct gpv_pack_model *m = &c->p->models[o->model];
    const struct gpv_gpu *gpu = m->gpu;

    switch (o->kind) {
    case GPV_PACK_MIG:
    case GPV_PACK_MIG_VGPU: {
        const struct gpv_mig_profile *pr = &gpu->mig->profiles[o->profile];

        /* An instance of k clients serves k replicas: each weighs 1 / k of it. */
        if (k == 1)
            return (double)pr->compute_slices / gpu->mig->compute_slices / pk_clients(o);
        return (double)pr->size / gpu->mig->units / pk_clients(o); /* 2: units again */
    }
    case GPV_PACK_VGPU: {
        const struct gpv_vgpu_type *t = &gpu->vgpu->types[o->vgpu_type];
        int lim = gpv_vgpu_limit(t, m->mixed, c->p->demands[d].compute);

        if (o->gpus >= 2)
            return o->gpus; /* multi-vGPU: whole GPUs in every dimension */

        if (k == 2)
            return (double)t->framebuffer_mib / gpu->memory_mib;
        if (m->mixed)
            return (double)t->size_gb / gpv_vgpu_region_gb(gpu);
        return lim > 0 ? 1.0 / lim : 1.0;
    }
    case GPV_PACK_TIME_SLICING: {
        /* Memory, compute and count each stay within one GPU's; any one alone bounds. */
        const struct gpv_pack_demand *dm = &c->p->demands[d];
        int cap = m->share_replicas > 0 ? m->share_replicas : GPV_SHARING_REPLICAS_MAX;

        if (k == 0)
            return gpu->memory_mib > 0 ? (double)dm->memory_mib / gpu->memory_mib : 0.0;
        if (k == 1)
            return dm->compute;
        return 1.0 / cap;
    }
    case GPV_PACK_MPS:
        /* N clients each with a cap of at least N: at most 1 per GPU. */
        return pk_share_weight(c->p, d, o);
    case GPV_PACK_WHOLE:
        break;
    }
    return o->gpus;
}

/*
 * Per dimension of any_weight(), the sum over every placed replica at its lightest feasible
 * option (weighted by its model's pk_model_weight() when priced) into sum[0..3); returns true
 * when no placed demand has a choice (one feasible option each).
 */
static bool
any_sums(struct pk_ctx *c, const bool *feasible, const size_t *foff, const int *placed, bool priced,
         double sum[3])
{
    const struct gpv_pack_problem *p = c->p;
    bool single = true;
    size_t d, i;
    int k;

    sum[0] = sum[1] = sum[2] = 0.0;
    for (d = 0; d < p->ndemands; d++) {
        double w[3] = {-1.0, -1.0, -1.0};
        int nfeas = 0;

        if (!placed[d])
            continue;
        for (i = 0; i < p->demands[d].noptions; i++) {
            const struct gpv_pack_option *o = &p->demands[d].options[i];
            double cost = priced ? pk_model_weight(p, (size_t)o->model) : 1.0;

            if (!feasible[foff[d] + i])
                continue;
            nfeas++;
            for (k = 0; k < 3; k++) {
                double x = any_weight(c, d, o, k) * cost;

                if (w[k] < 0.0 || x < w[k])
                    w[k] = x;
            }
        }
        single = single && nfeas <= 1;
        for (k = 0; k < 3; k++)
            sum[k] += placed[d] * (w[k] > 0.0 ? w[k] : 0.0);
    }
    return single;
}

/*
 * A lower bound on the GPUs of any plan placing placed[d] replicas of every demand d, each on
 * any of its feasible options: per dimension of any_weight(), every replica at its lightest
 * option, rounded up; the largest of the three. When no placed demand has a choice (one
 * feasible option each), the bound for the choices made holds for every plan and counts too.
 */
int
pk_bound_any(struct pk_ctx *c, const bool *feasible, const size_t *foff, const int *placed,
             int chosen)
{
    double sum[3];
    bool single = any_sums(c, feasible, foff, placed, false, sum);
    int k, best = 0;

    for (k = 0; k < 3; k++) {
        int b = (int)ceil(sum[k] - PACK_BOUND_EPS);

        if (b > best)
            best = b;
    }
    return single && chosen > best ? chosen : best;
}

/*
 * A lower bound on the weighted cost (pk_model_weight) of any plan placing placed[d] replicas
 * of every demand d, each on any of its feasible options: per dimension of any_weight(), every
 * replica at its cheapest option (weight times its GPU's cost), the largest of the three; a GPU
 * of model m holds at most 1 in each dimension and costs its weight. `chosen` counts when no
 * placed demand has a choice.
 */
double
pk_cost_bound_any(struct pk_ctx *c, const bool *feasible, const size_t *foff, const int *placed,
                  double chosen)
{
    double sum[3], best = 0.0;
    bool single = any_sums(c, feasible, foff, placed, true, sum);
    int k;

    for (k = 0; k < 3; k++)
        if (sum[k] > best)
            best = sum[k];
    return single && chosen > best ? chosen : best;
}
