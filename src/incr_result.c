/* Incremental planning, step 4: draining the cheapest GPU; the result. */
#include "incr_int.h"

#include "gpuvplan/incr.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- step 4: drain the cheapest GPU ------------------------------------------------------- */

int
incr_left_total(const struct ctx *c)
{
    size_t t;
    int n = 0;

    for (t = 0; t < c->p->ndemands; t++)
        n += c->p->demands[t].noptions ? c->d[t].left : 0;
    return n;
}

static bool
wanted_model(const struct ctx *c, int m)
{
    size_t t, o;

    for (t = 0; t < c->p->ndemands; t++)
        if (c->d[t].left)
            for (o = 0; o < c->p->demands[t].noptions; o++)
                if (c->p->demands[t].options[o].model == m)
                    return true;
    return false;
}

bool
incr_drain_one(struct ctx *c)
{
    struct wgpu *best = NULL;
    struct winst *was;
    size_t i, k, users = 0, nwas;

    /* The GPU whose drain disrupts the fewest replicas (a state's untaken instances: none). */
    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];
        size_t u = 0;

        if (!w->name || !incr_in_use(w) || !wanted_model(c, w->model))
            continue;
        for (k = 0; k < w->n; k++)
            u += w->in[k].demand >= 0 ? (size_t)incr_reps(&w->in[k]) : 0;
        if (!best || u < users) {
            best = w;
            users = u;
        }
    }
    if (!best)
        return false;
    was = xcalloc(best->n + 1, sizeof(*was));
    memcpy(was, best->in, best->n * sizeof(*was));
    nwas = best->n;
    best->n = 0;
    for (k = 0; k < nwas; k++) {
        const struct winst *x = &was[k];
        struct dstate *ds;

        if (x->demand < 0)
            continue;
        ds = &c->d[x->demand];
        incr_moved(c, x->demand,
                   xasprintf("its GPU '%s' is reconfigured to make room", incr_q(best->name)));
        /* A multi-GPU replica loses all its GPUs; any other replica just this instance. */
        if (incr_parts_of(incr_opt_of(c, x->demand, x->option)) > 1) {
            incr_unpin(c, x->demand);
        } else {
            int r;

            for (r = 0; r < incr_reps(x); r++) {
                ds->parts[x->replica + r] = 0;
                ds->ropt[x->replica + r] = -1;
            }
        }
    }
    free(was);
    incr_settle(c);
    best->kind = -1;
    best->drained = true;
    c->out->reconfigured++;
    return true;
}

/* ---- the result --------------------------------------------------------------------------- */

static int
wgpu_cmp(const void *a, const void *b, const void *ctx)
{
    const struct wgpu *x = *(const struct wgpu *const *)a, *y = *(const struct wgpu *const *)b;

    (void)ctx;
    if (x->model != y->model)
        return x->model < y->model ? -1 : 1;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return 0;
}

static int
winst_cmp(const void *a, const void *b)
{
    const struct winst *x = a, *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->demand != y->demand)
        return x->demand < y->demand ? -1 : 1;
    if (x->replica != y->replica)
        return x->replica < y->replica ? -1 : 1;
    return x->part < y->part ? -1 : x->part > y->part;
}

/*
 * Sorts a GPU's instances in winst_cmp's order, stably: by insertion, as a GPU holds few (qsort's
 * setup for each of 10,000 GPUs cost more than the sorting).
 */
static void
sort_insts(struct winst *v, size_t n)
{
    size_t k, j;

    /* CURRENT's instances come in its order, most often this one already. */
    for (k = 1; k < n && winst_cmp(&v[k - 1], &v[k]) <= 0; k++)
        ;
    if (k >= n)
        return;
    if (n > 16) {
        qsort(v, n, sizeof(*v), winst_cmp);
        return;
    }
    for (k = 1; k < n; k++) {
        struct winst x = v[k];

        for (j = k; j > 0 && winst_cmp(&v[j - 1], &x) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static enum gpv_sched
sched_of(const struct ctx *c, const struct wgpu *w)
{
    const struct gpv_gpu *gpu = c->p->models[w->model].gpu;
    struct gpv_vgpu_resident *res = xcalloc(w->n + 1, sizeof(*res));
    struct gpv_vgpu_verdict v;
    enum gpv_sched s = GPV_SCHED_BEST_EFFORT;
    size_t k;

    for (k = 0; k < w->n; k++) {
        res[k].type = w->in[k].vgpu_type;
        res[k].compute = c->p->demands[w->in[k].demand].compute;
        res[k].placement = c->p->models[w->model].mixed ? w->in[k].start : -1;
    }
    if (gpv_vgpu_scheduler(&v, gpu, c->p->models[w->model].mixed, res, w->n))
        s = v.sched;
    free(res);
    return s;
}

/* Instances nobody took are released, and a tenant with a replica left out is left out whole: a
 * plan places all replicas or none. */
static void
drop_untaken(struct ctx *c)
{
    size_t i, k, n;

    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];

        for (k = n = 0; k < w->n; k++) {
            int d = w->in[k].demand;

            if (d >= 0 && !c->d[d].left && c->p->demands[d].noptions)
                w->in[n++] = w->in[k];
        }
        w->n = n;
    }
}

/* Gives the result's site the fresh site's nodes, every slot idle, and room for n GPUs. */
static void
init_site(struct ctx *c, size_t n)
{
    struct gpv_site *s = &c->out->site;
    const struct gpv_site *fs = &c->fresh->site;
    size_t k;

    s->nnodes = fs->nnodes;
    s->nodes = xcalloc(fs->nnodes + 1, sizeof(*s->nodes));
    for (k = 0; k < fs->nnodes; k++) {
        int ix;

        s->nodes[k] = fs->nodes[k];
        s->nodes[k].gpu = xcalloc((size_t)fs->nodes[k].entry->gpus_per_node + 1, sizeof(size_t));
        for (ix = 0; ix < fs->nodes[k].entry->gpus_per_node; ix++)
            s->nodes[k].gpu[ix] = GPV_SITE_IDLE;
    }
    s->ngpus = n;
    s->node_of = xcalloc(n + 1, sizeof(int));
    s->index_of = xcalloc(n + 1, sizeof(int));
}

/* Writes w as the result's GPU i, its instances from r->insts[*ninsts] on (advanced past them),
 * and its place in the site. */
static void
write_gpu(struct ctx *c, struct wgpu *w, size_t i, size_t *ninsts)
{
    struct gpv_pack_result *r = &c->out->result;
    struct gpv_site *s = &c->out->site;
    struct gpv_pack_gpu *g = &r->gpus[i];
    size_t k;

    sort_insts(w->in, w->n);
    g->model = w->model;
    g->kind = (enum gpv_pack_kind)w->kind;
    g->sched = w->kind == GPV_PACK_VGPU ? sched_of(c, w) : GPV_SCHED_BEST_EFFORT;
    g->replicas = w->replicas;
    g->first = *ninsts;
    g->ninsts = w->n;
    for (k = 0; k < w->n; k++) {
        struct gpv_pack_inst *x = &r->insts[(*ninsts)++];

        /* Each replica counted once, by its first part, from the plan as it ends. */
        if (!w->in[k].part && w->in[k].demand >= 0) {
            int n = incr_reps(&w->in[k]) - w->in[k].grown;

            c->out->kept += w->in[k].kept == 1 || w->in[k].kept == 2 ? n : 0;
            c->out->added_in_place += (w->in[k].kept == 3 ? n : 0) + w->in[k].grown;
            c->out->on_unused += w->in[k].kept == 0 ? n : 0;
        }
        c->out->slots_taken += w->in[k].kept == 2 ? incr_reps(&w->in[k]) : 0;
        x->demand = w->in[k].demand;
        x->replica = w->in[k].replica;
        x->profile = w->in[k].profile;
        x->vgpu_type = w->in[k].vgpu_type;
        x->start = w->kind == GPV_PACK_MIG || w->kind == GPV_PACK_MIG_VGPU ||
                           w->kind == GPV_PACK_TIME_SLICING || w->kind == GPV_PACK_MPS ||
                           (w->kind == GPV_PACK_VGPU && c->p->models[w->model].mixed)
                       ? w->in[k].start
                       : -1;
        x->size = w->kind == GPV_PACK_WHOLE ? 0 : w->in[k].size;
        x->part = w->in[k].part;
        x->option = w->in[k].option;
        x->upgraded = w->in[k].upgraded;
        x->clients = w->in[k].demand >= 0 && w->in[k].clients > 0 ? w->in[k].clients : 0;
        x->ts_replicas = x->clients ? incr_opt_of(c, w->in[k].demand, w->in[k].option)->clients : 0;
    }
    s->node_of[i] = w->node;
    s->index_of[i] = w->index;
    if (w->node >= 0)
        s->nodes[w->node].gpu[w->index] = i;
    r->models[w->model].gpus++;
}

/* Sets the result's choices and its unplaced tenants with their reasons: the fresh run's when
 * it left them out too, else why no room was found. */
static void
write_unplaced(struct ctx *c)
{
    struct gpv_pack_result *r = &c->out->result;
    const struct gpv_pack_result *fr = &c->fresh->result;
    size_t t, k;

    /* A demand is kept whole or not at all: its replicas are all placed, or all unplaced. Its
     * choice is the option of its first replica, as the packer gives it. */
    for (t = 0; t < c->p->ndemands; t++) {
        r->choice[t] = c->d[t].left || !c->p->demands[t].noptions ? -1
                       : incr_replicas_of(c, (int)t) > 0          ? c->d[t].ropt[0]
                                                                  : c->d[t].option;
        r->placed[t] = r->choice[t] < 0 ? 0 : c->p->demands[t].replicas;
        if (r->choice[t] < 0)
            r->nunplaced++;
    }
    r->unplaced = xcalloc(r->nunplaced + 1, sizeof(*r->unplaced));
    for (t = 0, k = 0; t < c->p->ndemands; t++) {
        struct gpv_pack_unplaced *u;
        size_t j, f;

        if (r->choice[t] >= 0)
            continue;
        u = &r->unplaced[k++];
        u->demand = (int)t;
        u->replicas = c->p->demands[t].replicas;
        for (f = 0; f < fr->nunplaced && fr->unplaced[f].demand != (int)t; f++)
            ;
        if (f < fr->nunplaced) {
            u->nreasons = fr->unplaced[f].nreasons;
            u->whys = xcalloc(u->nreasons + 1, sizeof(*u->whys));
            for (j = 0; j < u->nreasons; j++) {
                u->whys[j] = fr->unplaced[f].whys[j];
                u->whys[j].text = xstrdup(fr->unplaced[f].whys[j].text);
            }
        } else {
            struct dstate *ds = &c->d[t];
            int o = ds->option;

            /* The first reason is the limit --from worked under; the packer's follow. */
            u->nreasons = ds->nwhy + 1;
            u->whys = xcalloc(u->nreasons + 1, sizeof(*u->whys));
            u->whys[0].why = GPV_PACK_WHY_RECONFIGURE;
            u->whys[0].option = o;
            u->whys[0].model = o >= 0 ? c->p->demands[t].options[o].model : -1;
            u->whys[0].limit = -1;
            u->whys[0].text =
                c->out->max_reconfigure >= 0
                    ? xasprintf("no room without reconfiguring more than %d GPU%s "
                                "(--max-reconfigure)",
                                c->out->max_reconfigure, c->out->max_reconfigure == 1 ? "" : "s")
                    : xstrdup("no room on the GPUs left after reconfiguring");
            for (j = 0; j < ds->nwhy; j++) {
                u->whys[j + 1] = u->whys[0];
                u->whys[j + 1].text = xstrdup(ds->why[j]);
            }
        }
        u->reasons = xcalloc(u->nreasons + 1, sizeof(char *));
        for (j = 0; j < u->nreasons; j++)
            u->reasons[j] = u->whys[j].text; /* the same string: freed once, with whys */
    }
}

/* The demands r places fewer replicas of than fr does. */
static size_t
fewer_placed(const struct gpv_pack_result *r, const struct gpv_pack_result *fr, size_t ndemands)
{
    size_t t, n = 0;

    for (t = 0; t < ndemands; t++)
        n += r->placed[t] < fr->placed[t];
    return n;
}

/* Sums the result's GPUs, bounds and cost per model and in all (cost -1: some model has none). */
static void
write_totals(struct ctx *c)
{
    struct gpv_pack_result *r = &c->out->result;
    const struct gpv_pack_result *fr = &c->fresh->result;
    bool costs = true;
    size_t k;

    r->cost = 0;
    for (k = 0; k < c->p->nmodels; k++) {
        int lb = fr->models[k].lower_bound;

        r->models[k].lower_bound = lb < r->models[k].gpus ? lb : r->models[k].gpus;
        r->models[k].optimal = r->models[k].gpus == fr->models[k].gpus && fr->models[k].optimal;
        r->gpus_used += r->models[k].gpus;
        r->lower_bound += r->models[k].lower_bound;
        if (r->models[k].gpus && c->p->models[k].cost < 0)
            costs = false;
        r->cost += r->models[k].gpus * (c->p->models[k].cost > 0 ? c->p->models[k].cost : 0);
    }
    /* As the packer states it: every model's count proven minimal for the choices made. */
    r->optimal_choices = true;
    for (k = 0; k < c->p->nmodels; k++)
        r->optimal_choices = r->optimal_choices && r->models[k].optimal;
    /* The fresh plan's bound over every choice holds for the same replicas placed; when --from
     * leaves out some that the fresh plan placed, no bound over every choice was computed for
     * this smaller set, and 0 is the honest one. */
    r->lower_bound_any = 0;
    r->cost_lower_bound = -1.0;
    if (fewer_placed(r, fr, c->p->ndemands) == 0) {
        r->lower_bound_any =
            fr->lower_bound_any < r->gpus_used ? fr->lower_bound_any : r->gpus_used;
        /* The fresh plan's cost bound holds too; proven best as the fresh plan is, when this
         * one reaches the bound the fresh plan's proof used. */
        if (costs && fr->cost_lower_bound >= 0.0)
            r->cost_lower_bound = fr->cost_lower_bound < r->cost ? fr->cost_lower_bound : r->cost;
    }
    if (r->cost_lower_bound >= 0.0)
        r->optimal = fr->optimal && r->cost <= r->cost_lower_bound + 1e-9;
    else
        r->optimal = r->gpus_used == r->lower_bound_any && (!fr->nunplaced || fr->optimal);
    if (!costs)
        r->cost = -1.0;
}

/*
 * Sorts the GPUs in wgpu_cmp's order, stably. They come in CURRENT's order (sorted) and then
 * the few the packer opened: the sorted run at the front is merged with the rest sorted, ties
 * to the front run, which is what a stable sort of the whole gives.
 */
static void
sort_gpus(struct wgpu **v, size_t n)
{
    struct wgpu **tmp;
    size_t p, i, j, k;

    for (p = 1; p < n && wgpu_cmp(&v[p - 1], &v[p], NULL) <= 0; p++)
        ;
    if (p >= n)
        return;
    gpv_sort_stable(v + p, n - p, sizeof(*v), wgpu_cmp, NULL);
    tmp = xcalloc(p + 1, sizeof(*tmp));
    memcpy(tmp, v, p * sizeof(*v));
    for (i = 0, j = p, k = 0; i < p; k++)
        v[k] = j < n && wgpu_cmp(&v[j], &tmp[i], NULL) < 0 ? v[j++] : tmp[i++];
    free(tmp);
}

void
incr_build_result(struct ctx *c)
{
    struct gpv_pack_result *r = &c->out->result;
    struct wgpu **order = xcalloc(c->ng + 1, sizeof(*order));
    size_t i, n = 0, ninsts = 0;

    drop_untaken(c);
    for (i = 0; i < c->ng; i++)
        if (c->g[i].n)
            order[n++] = &c->g[i];
    sort_gpus(order, n);
    r->ngpus = n;
    r->gpus = xcalloc(n + 1, sizeof(*r->gpus));
    for (i = 0; i < n; i++)
        ninsts += order[i]->n;
    r->ninsts = ninsts;
    r->insts = xcalloc(ninsts + 1, sizeof(*r->insts));
    r->choice = xcalloc(c->p->ndemands + 1, sizeof(int));
    r->placed = xcalloc(c->p->ndemands + 1, sizeof(int));
    r->nmodels = c->p->nmodels;
    r->models = xcalloc(c->p->nmodels + 1, sizeof(*r->models));
    init_site(c, n);
    ninsts = 0;
    for (i = 0; i < n; i++)
        write_gpu(c, order[i], i, &ninsts);
    write_unplaced(c);
    write_totals(c);
    free(order);
}
