/* Incremental planning, step 1: reading CURRENT; step 1b: a state's instances taken as they are. */
#include "incr_int.h"

#include "gpuvplan/incr.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading CURRENT ---------------------------------------------------------------------- */

static int
kind_of_mode(const char *mode)
{
    if (!strcmp(mode, "mig"))
        return GPV_PACK_MIG;
    if (!strcmp(mode, "mig-vgpu"))
        return GPV_PACK_MIG_VGPU;
    if (!strcmp(mode, "vgpu"))
        return GPV_PACK_VGPU;
    if (!strcmp(mode, "passthrough"))
        return GPV_PACK_WHOLE;
    return -1;
}

/* The problem model entry a GPU of CURRENT belongs to, with its node; -1 when none. */
static int
model_of(const struct ctx *c, const struct gpv_diff_gpu *g, int *node)
{
    const struct gpv_site *s = &c->fresh->site;
    size_t m, k;

    *node = -1;
    if (g->node) {
        for (k = 0; k < s->nnodes; k++)
            if (!strcmp(s->nodes[k].name, g->node))
                break;
        if (k == s->nnodes || g->index >= s->nodes[k].entry->gpus_per_node ||
            strcmp(c->p->models[s->nodes[k].model].gpu->id, g->model))
            return -1;
        *node = (int)k;
        return s->nodes[k].model;
    }
    for (m = 0; m < c->p->nmodels; m++)
        if (!strcmp(c->p->models[m].gpu->id, g->model) && !c->p->models[m].nodes)
            return (int)m;
    return -1;
}

struct tname {
    const char *name;
    int t;
};

static int
tname_cmp(const void *a, const void *b)
{
    return strcmp(((const struct tname *)a)->name, ((const struct tname *)b)->name);
}

/* The option of demand t that the instance x on a GPU (model m, kind k) is, or -1. */
static int
match_option(const struct ctx *c, int t, int m, int k, struct winst *x)
{
    const struct gpv_pack_demand *d = &c->p->demands[t];
    const struct gpv_gpu *gpu = c->p->models[m].gpu;
    size_t o;

    for (o = 0; o < d->noptions; o++) {
        const struct gpv_pack_option *op = &d->options[o];

        if (op->model != m || (int)op->kind != k)
            continue;
        if (k == GPV_PACK_WHOLE)
            return (int)o;
        if (k == GPV_PACK_VGPU && op->vgpu_type == x->vgpu_type)
            return (int)o;
        if (k == GPV_PACK_MIG_VGPU && op->vgpu_type == x->vgpu_type && op->profile == x->profile)
            return (int)o;
        if (k == GPV_PACK_MIG && op->profile == x->profile)
            return (int)o;
        if (k == GPV_PACK_MIG && !c->p->no_upgrades && x->profile >= 0 &&
            gpv_pack_mig_serves(gpu, x->profile, op->profile)) {
            x->upgraded = true;
            return (int)o;
        }
    }
    return -1;
}

void
incr_read_current(struct ctx *c, const struct gpv_diff_doc *cur)
{
    struct tname *names = xcalloc(c->file->ntenants + 1, sizeof(*names));
    struct gpv_db_cache *cache = xmalloc(sizeof(*cache));
    const char *first_foreign = NULL;
    size_t i, k, nforeign = 0;

    for (i = 0; i < c->file->ntenants; i++) {
        names[i].name = c->file->tenants[i].name;
        names[i].t = (int)i;
    }
    qsort(names, c->file->ntenants, sizeof(*names), tname_cmp);
    gpv_db_cache_init(cache); /* the same few profiles and types on thousands of GPUs */
    for (i = 0; i < cur->ngpus; i++) {
        const struct gpv_diff_gpu *g = &cur->gpus[i];
        const struct gpv_gpu *gpu;
        struct wgpu *w;
        int node, m = model_of(c, g, &node);

        if (m < 0) {
            if (g->ninsts && !nforeign++)
                first_foreign = g->id;
            for (k = 0; k < g->ninsts; k++) {
                struct tname probe = {g->insts[k].tenant, 0}, *hit;

                if (g->insts[k].tenant &&
                    (hit = bsearch(&probe, names, c->file->ntenants, sizeof(*names), tname_cmp)))
                    incr_moved(c, hit->t,
                               xasprintf("its GPU '%s' is not in the fleet", incr_q(g->id)));
            }
            continue;
        }
        gpu = c->p->models[m].gpu;
        w = incr_new_gpu(c, m, node, node >= 0 ? g->index : -1, g->id);
        w->kind = kind_of_mode(g->mode);
        w->open = cur->state && w->kind == GPV_PACK_MIG;
        for (k = 0; k < g->ninsts; k++) {
            const struct gpv_diff_inst *in = &g->insts[k];
            struct winst x = {-1, -1, -1, -1, in->start, in->size, 0, false, 0};
            struct tname probe = {in->tenant, 0}, *hit = NULL;
            struct dstate *ds;
            int o;

            if (w->kind == GPV_PACK_MIG || w->kind == GPV_PACK_MIG_VGPU)
                x.profile = in->profile ? gpv_gpu_find_profile_cached(cache, gpu, in->profile) : -1;
            if (w->kind == GPV_PACK_MIG_VGPU && in->vgpu_type)
                x.vgpu_type = gpv_gpu_find_vgpu_type_cached(cache, gpu, in->vgpu_type);
            if (w->kind == GPV_PACK_VGPU && in->profile)
                x.vgpu_type = gpv_gpu_find_vgpu_type_cached(cache, gpu, in->profile);
            if (!in->tenant)
                goto slot; /* a state's instance */
            if (!(hit = bsearch(&probe, names, c->file->ntenants, sizeof(*names), tname_cmp)))
                goto slot; /* a tenant no longer in the file */
            ds = &c->d[hit->t];
            if (in->replica < 0 || in->replica >= incr_replicas_of(c, hit->t))
                goto slot; /* fewer replicas now */
            o = match_option(c, hit->t, m, w->kind, &x);
            if (o < 0 || (ds->option >= 0 && o != ds->option)) {
                char *now = c->fresh->result.choice[hit->t] >= 0
                                ? incr_option_words(
                                      c, incr_opt_of(c, hit->t, c->fresh->result.choice[hit->t]))
                                : xstrdup("no placement");

                incr_moved(c, hit->t,
                           xasprintf("its %s %s on '%s' no longer serves it (it now gets %s)",
                                     g->mode, in->profile ? incr_q(in->profile) : "GPU",
                                     incr_q(g->id), now));
                free(now);
                goto slot;
            }
            if (incr_opt_of(c, hit->t, o)->kind != GPV_PACK_WHOLE && ds->parts[in->replica])
                goto slot; /* the same replica twice: keep the first */
            ds->option = o;
            x.demand = hit->t;
            x.replica = in->replica;
            x.part = ds->parts[in->replica]++;
            x.kept = 1;
            incr_add_inst(w, &x);
            continue;
        slot:
            /*
             * A MIG instance nobody keeps stays where it is while planning: a tenant needing
             * its profile may take it as it is, and new instances go only into units that are
             * free now, so that no GPU is repartitioned without being counted as drained. What
             * nobody takes is released at the end.
             */
            x.upgraded = false;
            if ((w->kind == GPV_PACK_MIG || w->kind == GPV_PACK_MIG_VGPU) && x.profile >= 0 &&
                x.start >= 0)
                incr_add_inst(w, &x);
        }
    }
    if (nforeign) {
        char *s = xasprintf("%zu GPU%s of CURRENT in use (first '%s') %s not in the fleet of the "
                            "tenants file: what runs there moves",
                            nforeign, nforeign == 1 ? "" : "s", incr_q(first_foreign),
                            nforeign == 1 ? "is" : "are");

        incr_note(c->out, s);
        free(s);
    }
    free(cache);
    free(names);
}

/* Removes every instance of demand t from the GPUs; its replicas become unplaced. */
void
incr_unpin(struct ctx *c, int t)
{
    size_t i, k, j;

    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];

        for (k = j = 0; k < w->n; k++)
            if (w->in[k].demand != t)
                w->in[j++] = w->in[k];
        w->n = j;
    }
    memset(c->d[t].parts, 0, sizeof(int) * (size_t)incr_replicas_of(c, t));
}

/* Counts what is placed; a multi-GPU replica with some of its GPUs missing is unpinned. */
void
incr_settle(struct ctx *c)
{
    size_t t;
    int r;

    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        int need = ds->option >= 0 && incr_opt_of(c, (int)t, ds->option)->kind == GPV_PACK_WHOLE
                       ? incr_opt_of(c, (int)t, ds->option)->gpus
                       : 1;

        ds->left = 0;
        for (r = 0; r < incr_replicas_of(c, (int)t); r++) {
            if (ds->parts[r] && ds->parts[r] < need) {
                incr_unpin(c, (int)t);
                incr_moved(c, (int)t, xstrdup("some GPUs of its replicas are missing"));
                ds->left = incr_replicas_of(c, (int)t);
                break;
            }
            ds->left += ds->parts[r] < need;
        }
    }
}

/* ---- step 1b: a state's instances taken as they are --------------------------------------- */

bool
incr_holds(const struct wgpu *w, int t)
{
    size_t k;

    for (k = 0; k < w->n; k++)
        if (w->in[k].demand == t)
            return true;
    return false;
}

static bool
node_holds(const struct ctx *c, const struct wgpu *w, int t)
{
    size_t i;

    if (w->node < 0)
        return false;
    for (i = 0; i < c->ng; i++)
        if (c->g[i].node == w->node && incr_holds(&c->g[i], t))
            return true;
    return false;
}

/* May replica of demand t go on w, as far as spreading goes? */
bool
incr_spread_ok(const struct ctx *c, const struct wgpu *w, int t)
{
    const struct gpv_pack_demand *d = &c->p->demands[t];

    if ((d->spread || d->spread_nodes) && incr_holds(w, t))
        return false;
    return !d->spread_nodes || !node_holds(c, w, t);
}

int
incr_next_replica(const struct ctx *c, int t)
{
    int r;

    for (r = 0; r < incr_replicas_of(c, t); r++)
        if (!c->d[t].parts[r])
            return r;
    return -1;
}

void
incr_take_slots(struct ctx *c)
{
    size_t t, i, k;

    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        int o = ds->option >= 0 ? ds->option : c->fresh->result.choice[t];
        const struct gpv_pack_option *op;

        if (o < 0 || !ds->left)
            continue;
        op = incr_opt_of(c, (int)t, o);
        if (op->kind != GPV_PACK_MIG && op->kind != GPV_PACK_MIG_VGPU)
            continue;
        for (i = 0; i < c->ng && ds->left; i++) {
            struct wgpu *w = &c->g[i];

            if (w->model != op->model || w->drained ||
                (w->kind != (int)op->kind && !(w->open && w->kind == GPV_PACK_MIG)))
                continue;
            for (k = 0; k < w->n && ds->left; k++) {
                int r;

                if (w->in[k].demand >= 0 || w->in[k].profile != op->profile ||
                    !incr_spread_ok(c, w, (int)t))
                    continue;
                r = incr_next_replica(c, (int)t);
                w->in[k].demand = (int)t;
                w->in[k].replica = r;
                w->in[k].kept = 2;
                w->in[k].vgpu_type = op->vgpu_type;
                w->kind = (int)op->kind;
                w->open = false;
                ds->parts[r] = 1;
                ds->option = o;
                ds->left--;
            }
        }
    }
}
