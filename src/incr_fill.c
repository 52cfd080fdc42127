/* Incremental planning, step 2: free units of GPUs in use; step 3: the packer on unused GPUs. */
#include "incr_int.h"

#include "gpuvplan/incr.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- step 2: free units of GPUs in use ---------------------------------------------------- */

bool
incr_in_use(const struct wgpu *w)
{
    return w->n > 0 && !w->drained;
}

static bool
place_mig(struct ctx *c, struct wgpu *w, int t, const struct gpv_pack_option *op, int r)
{
    const struct gpv_gpu *gpu = c->p->models[w->model].gpu;
    struct gpv_mig_layout fixed, lay;
    int extra[GPV_MIG_MAX_PROFILES] = {0};
    size_t k;
    int i, used = 0;

    if (w->n >= GPV_MIG_MAX_INSTANCES)
        return false;
    for (k = 0; k < w->n; k++)
        used += w->in[k].size;
    if (used + gpu->mig->profiles[op->profile].size > gpu->mig->units)
        return false;
    if (c->p->models[w->model].single)
        for (k = 0; k < w->n; k++)
            if (w->in[k].profile != op->profile)
                return false;
    fixed.n = (int)w->n;
    for (k = 0; k < w->n; k++) {
        fixed.inst[k].profile = w->in[k].profile;
        fixed.inst[k].start = w->in[k].start;
    }
    extra[op->profile] = 1;
    if (!gpv_mig_place_fixed(&lay, gpu, &fixed, extra, 0))
        return false;
    for (i = 0; i < lay.n; i++) {
        bool old = false;

        for (k = 0; k < w->n && !old; k++)
            old = w->in[k].start == lay.inst[i].start;
        if (!old) {
            struct winst x = {t,
                              r,
                              op->profile,
                              op->vgpu_type,
                              lay.inst[i].start,
                              gpu->mig->profiles[op->profile].size,
                              0,
                              (int)(op - c->p->demands[t].options),
                              false,
                              3,
                              0,
                              0};

            incr_add_inst(w, &x);
            return true;
        }
    }
    return false;
}

static bool
place_vgpu(struct ctx *c, struct wgpu *w, int t, const struct gpv_pack_option *op, int r)
{
    const struct gpv_gpu *gpu = c->p->models[w->model].gpu;
    const struct gpv_vgpu_type *ty = &gpu->vgpu->types[op->vgpu_type];
    struct gpv_vgpu_resident *res;
    struct gpv_vgpu_verdict v;
    size_t k;
    bool ok;

    if (c->p->models[w->model].mixed || (int)w->n >= ty->max)
        return false;
    for (k = 0; k < w->n; k++)
        if (w->in[k].vgpu_type != op->vgpu_type)
            return false;
    res = xcalloc(w->n + 1, sizeof(*res));
    for (k = 0; k < w->n; k++) {
        res[k].type = w->in[k].vgpu_type;
        res[k].compute = c->p->demands[w->in[k].demand].compute;
        res[k].placement = -1;
    }
    res[w->n].type = op->vgpu_type;
    res[w->n].compute = c->p->demands[t].compute;
    res[w->n].placement = -1;
    ok = gpv_vgpu_check_equal(&v, gpu, res, w->n + 1);
    free(res);
    if (ok) {
        struct winst x = {t,     r,
                          -1,    op->vgpu_type,
                          -1,    (int)((ty->framebuffer_mib + 512) / 1024),
                          0,     (int)(op - c->p->demands[t].options),
                          false, 3,
                          0,     0};

        incr_add_inst(w, &x);
    }
    return ok;
}

static int *
cursor_of(struct ctx *c, const struct gpv_pack_option *op)
{
    size_t slot =
        ((size_t)op->model * 4 + op->kind) * GPV_MIG_MAX_PROFILES +
        (size_t)(op->kind == GPV_PACK_VGPU ? op->vgpu_type % GPV_MIG_MAX_PROFILES : op->profile);

    return &c->cursor[slot];
}

/* The GPUs of each model and kind that can take replicas in place (MIG, MIG-backed vGPU,
 * vGPU), each list in the order of c->g: fill_option walks one model's GPUs of one kind, not
 * every GPU of the site. */
#define FILL_KINDS 3
struct by_kind {
    size_t *start; /* per model * FILL_KINDS + kind, and one more: where its list starts */
    int *gpu;      /* the lists, one after the other */
};

static void
by_kind_init(struct by_kind *b, const struct ctx *c)
{
    size_t nk = c->p->nmodels * FILL_KINDS, i, key;
    size_t *at;

    b->start = xcalloc(nk + 2, sizeof(*b->start));
    b->gpu = xcalloc(c->ng + 1, sizeof(*b->gpu));
    for (i = 0; i < c->ng; i++)
        if (c->g[i].kind >= 0 && c->g[i].kind < FILL_KINDS)
            b->start[(size_t)c->g[i].model * FILL_KINDS + (size_t)c->g[i].kind + 1]++;
    for (key = 0; key < nk; key++)
        b->start[key + 1] += b->start[key];
    at = xcalloc(nk + 1, sizeof(*at));
    memcpy(at, b->start, nk * sizeof(*at));
    for (i = 0; i < c->ng; i++)
        if (c->g[i].kind >= 0 && c->g[i].kind < FILL_KINDS)
            b->gpu[at[(size_t)c->g[i].model * FILL_KINDS + (size_t)c->g[i].kind]++] = (int)i;
    free(at);
}

static void
by_kind_release(struct by_kind *b)
{
    free(b->start);
    free(b->gpu);
}

/* Places unplaced replicas of demand t with option o in the free units of GPUs in use. */
static void
fill_option(struct ctx *c, const struct by_kind *b, int t, int o)
{
    struct dstate *ds = &c->d[t];
    const struct gpv_pack_option *op;
    const int *list;
    size_t i, nlist;
    int *cur;

    /* Replicas of several GPUs go to unused GPUs (step 3), never into a GPU in use. */
    if (o < 0 || !ds->left || incr_parts_of(op = incr_opt_of(c, t, o)) > 1 ||
        op->kind == GPV_PACK_WHOLE)
        return;
    /* Shared GPUs are planned whole, with their replicas, by the packer (step 3). */
    if (op->kind == GPV_PACK_TIME_SLICING || op->kind == GPV_PACK_MPS)
        return;
    if (op->kind == GPV_PACK_VGPU && op->vgpu_type >= GPV_MIG_MAX_PROFILES)
        return;
    cur = cursor_of(c, op);
    list = b->gpu + b->start[(size_t)op->model * FILL_KINDS + op->kind];
    nlist = b->start[(size_t)op->model * FILL_KINDS + op->kind + 1] -
            b->start[(size_t)op->model * FILL_KINDS + op->kind];
    while (ds->left) {
        struct wgpu *w = NULL;
        bool placed = false, chain;
        int r = incr_next_replica(c, t);
        size_t lo = 0, hi = nlist, j;

        /* The first GPU of the list from the cursor on. */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;

            if (list[mid] < *cur)
                lo = mid + 1;
            else
                hi = mid;
        }
        /*
         * A GPU that cannot take one more of these never will: only instances come. A MIG GPU
         * refuses a profile for good (no room, another profile under `single`), as does a GPU
         * not in use during this pass, so the cursor passes every such GPU from its place on;
         * a vGPU GPU may refuse one tenant's compute and take another's: the cursor passes it
         * only when it is the cursor's own GPU.
         */
        chain = op->kind != GPV_PACK_VGPU;
        for (j = lo; j < nlist && !placed; j++) {
            i = (size_t)list[j];
            w = &c->g[i];
            if (!incr_in_use(w)) {
                if (chain)
                    *cur = (int)i + 1;
                continue;
            }
            if (!incr_spread_ok(c, w, t)) {
                chain = false;
                continue;
            }
            placed =
                op->kind == GPV_PACK_VGPU ? place_vgpu(c, w, t, op, r) : place_mig(c, w, t, op, r);
            if (!placed && (chain || i == (size_t)*cur))
                *cur = (int)i + 1;
        }
        if (!placed)
            break;
        incr_mark(c, t, r, o);
        /* A time-sliced instance takes the replicas after r too, up to its clients. */
        incr_grow_clients(c, &w->in[w->n - 1]);
    }
}

void
incr_fill_clients(struct ctx *c)
{
    size_t i, k;

    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];

        if (!incr_in_use(w) || w->kind != GPV_PACK_MIG)
            continue;
        for (k = 0; k < w->n; k++)
            if (w->in[k].demand >= 0 && w->in[k].clients > 0 && c->d[w->in[k].demand].left)
                w->in[k].grown += incr_grow_clients(c, &w->in[k]);
    }
}

void
incr_fill_in_place(struct ctx *c)
{
    struct by_kind b;
    size_t t;

    by_kind_init(&b, c);
    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        int r, q, n = incr_replicas_of(c, (int)t);

        if (!ds->left)
            continue;
        if (!incr_split(c, (int)t)) {
            fill_option(c, &b, (int)t, ds->option >= 0 ? ds->option : c->fresh->result.choice[t]);
            continue;
        }
        /* A split tenant's new replicas may go beside any of its kept ones: each option its
           replicas use, in the order of its first replica on it. */
        for (r = 0; r < n && ds->left; r++) {
            if (ds->ropt[r] < 0)
                continue;
            for (q = 0; q < r && ds->ropt[q] != ds->ropt[r]; q++)
                ;
            if (q == r)
                fill_option(c, &b, (int)t, ds->ropt[r]);
        }
    }
    by_kind_release(&b);
}

/* ---- step 3: the packer on the GPUs nothing uses ----------------------------------------- */

static int
model_limit_left(const struct ctx *c, int m)
{
    const struct gpv_pack_model *pm = &c->p->models[m];
    const struct gpv_site *s = &c->fresh->site;
    size_t i, k;
    int used = 0, slots = 0;

    if (pm->nodes) {
        for (k = 0; k < s->nnodes; k++) {
            int ix;

            if (s->nodes[k].model != m)
                continue;
            for (ix = 0; ix < s->nodes[k].entry->gpus_per_node; ix++)
                slots += c->slot[k][ix] < 0 || !incr_in_use(&c->g[c->slot[k][ix]]);
        }
        return slots;
    }
    if (pm->limit < 0)
        return -1;
    for (i = 0; i < c->ng; i++)
        used += c->g[i].model == m && incr_in_use(&c->g[i]);
    return pm->limit - used > 0 ? pm->limit - used : 0;
}

/* May node k take one more MIG GPU of profile prof under the `single` strategy? */
static bool
node_takes(const struct ctx *c, size_t k, int prof, bool *has)
{
    int ix;
    size_t i;

    *has = false;
    for (ix = 0; ix < c->fresh->site.nodes[k].entry->gpus_per_node; ix++) {
        const struct wgpu *w = c->slot[k][ix] >= 0 ? &c->g[c->slot[k][ix]] : NULL;

        if (!w || !incr_in_use(w) || (w->kind != GPV_PACK_MIG && w->kind != GPV_PACK_MIG_VGPU))
            continue;
        for (i = 0; i < w->n; i++)
            if (w->in[i].profile != prof)
                return false;
        *has = true;
    }
    return true;
}

/*
 * A GPU for a new layout of model m: an idle GPU of CURRENT, else a free node index (by node,
 * then index). prof >= 0 is the one MIG profile of a GPU of a `single` entry: then only nodes
 * with no other MIG profile qualify, those already carrying prof first. Nodes holding a replica
 * of a tenant in avoid (its `spread: node` replicas on the GPU) do not qualify, nor nodes with
 * fewer than `want` free indexes; node >= 0 asks for that node only. NULL when none is left.
 */
/* Does a GPU on node k hold a replica of one of the tenants avoid[0..navoid)? */
static bool
node_holds_any(const struct ctx *c, size_t k, const int *avoid, size_t navoid)
{
    size_t a;
    int ix;

    for (ix = 0; ix < c->fresh->site.nodes[k].entry->gpus_per_node; ix++)
        for (a = 0; a < navoid; a++)
            if (c->slot[k][ix] >= 0 && incr_holds(&c->g[c->slot[k][ix]], avoid[a]))
                return true;
    return false;
}

/* Free indexes of node k (no GPU, or one that holds nothing). */
static int
node_free(const struct ctx *c, size_t k)
{
    int ix, n = 0;

    for (ix = 0; ix < c->fresh->site.nodes[k].entry->gpus_per_node; ix++)
        n += c->slot[k][ix] < 0 || c->g[c->slot[k][ix]].n == 0;
    return n;
}

static struct wgpu *
free_gpu(struct ctx *c, int m, int prof, const int *avoid, size_t navoid, int want, int node)
{
    const struct gpv_site *s = &c->fresh->site;
    size_t i, k;
    int pass;

    if (!c->p->models[m].nodes) {
        /* GPUs before idle_from[m] hold something: within one packer run GPUs only fill. */
        for (i = (size_t)c->idle_from[m]; i < c->ng; i++, c->idle_from[m]++)
            if (c->g[i].model == m && c->g[i].node < 0 && c->g[i].n == 0) {
                c->g[i].drained = false;
                return &c->g[i];
            }
        return incr_new_gpu(c, m, -1, -1, NULL);
    }
    for (pass = prof >= 0 ? 0 : 1; pass < 2; pass++)
        for (k = 0; k < s->nnodes; k++) {
            bool has;
            int ix;

            if (s->nodes[k].model != m || (node >= 0 && (int)k != node) ||
                (prof >= 0 && (!node_takes(c, k, prof, &has) || (pass == 0 && !has))) ||
                (navoid && node_holds_any(c, k, avoid, navoid)) ||
                (want > 1 && node_free(c, k) < want))
                continue;
            for (ix = 0; ix < s->nodes[k].entry->gpus_per_node; ix++) {
                int wi = c->slot[k][ix];

                if (wi < 0)
                    return incr_new_gpu(c, m, (int)k, ix, NULL);
                if (c->g[wi].n == 0) {
                    c->g[wi].drained = false;
                    return &c->g[wi];
                }
            }
        }
    return NULL;
}

void
incr_clear_why(struct dstate *ds)
{
    size_t i;

    for (i = 0; i < ds->nwhy; i++)
        free(ds->why[i]);
    free(ds->why);
    ds->why = NULL;
    ds->nwhy = 0;
}

/* The problem of what is still unplaced, for the packer: the models with their limits left, the
 * demands with their replicas left (held to their option once one is chosen, unless their
 * replicas use several already: then, as in a fresh plan, any of their options). */
struct sub {
    struct gpv_pack_problem p;
    struct gpv_pack_model *models;
    struct gpv_pack_demand *dem;
    int *orig; /* per sub demand: c's demand */
    size_t nd;
};

/* Fills *out from c; the caller frees with sub_release, whatever out->nd. loose NULL: every
 * demand with replicas left; else only those with loose[t], on any of their options. */
static void
sub_init(struct sub *out, const struct ctx *c, const bool *loose)
{
    size_t m, t;

    out->p = *c->p;
    /* What is left after keeping: the model mix searches with a small budget. */
    out->p.quick = true;
    out->p.remainder = true;
    out->models = xcalloc(c->p->nmodels + 1, sizeof(*out->models));
    out->dem = xcalloc(c->p->ndemands + 1, sizeof(*out->dem));
    out->orig = xcalloc(c->p->ndemands + 1, sizeof(int));
    out->nd = 0;
    for (m = 0; m < c->p->nmodels; m++) {
        out->models[m] = c->p->models[m];
        out->models[m].limit = model_limit_left(c, (int)m);
        out->models[m].nodes = 0; /* free slots are scattered: node rules are kept by assignment */
        out->models[m].gpus_per_node = 0;
    }
    for (t = 0; t < c->p->ndemands; t++) {
        const struct dstate *ds = &c->d[t];

        if (!ds->left || !c->p->demands[t].noptions || (loose && !loose[t]))
            continue;
        out->dem[out->nd] = c->p->demands[t];
        out->dem[out->nd].replicas = ds->left;
        if (ds->option >= 0 && !loose && !incr_split(c, (int)t)) {
            out->dem[out->nd].noptions = 1;
            out->dem[out->nd].options = incr_opt_of(c, (int)t, ds->option);
        }
        out->orig[out->nd++] = (int)t;
    }
    out->p.models = out->models;
    out->p.demands = out->dem;
    out->p.ndemands = out->nd;
}

static void
sub_release(struct sub *s)
{
    free(s->models);
    free(s->dem);
    free(s->orig);
}

/* The option the packer chose for its instance x (replicas of a demand may use several). */
static const struct gpv_pack_option *
chosen(const struct sub *s, const struct gpv_pack_inst *x)
{
    return &s->dem[x->demand].options[x->option];
}

/*
 * The free GPU that takes the packer's GPU i, or NULL when no node may take it. avoid has room
 * for every instance; node_of[j] is the node of the packer's GPU j < i that starts a multi-GPU
 * replica (-1: it found none).
 */
static struct wgpu *
gpu_for(struct ctx *c, const struct sub *s, const struct gpv_pack_result *r, size_t i, int *avoid,
        int *node_of)
{
    const struct gpv_pack_gpu *pg = &r->gpus[i];
    bool single = c->p->models[pg->model].single && pg->ninsts &&
                  (pg->kind == GPV_PACK_MIG || pg->kind == GPV_PACK_MIG_VGPU);
    struct wgpu *w;
    size_t k, navoid = 0;

    for (k = 0; k < pg->ninsts; k++) {
        int t0 = s->orig[r->insts[pg->first + k].demand];

        if (c->p->demands[t0].spread_nodes)
            avoid[navoid++] = t0;
    }
    /*
     * The GPUs of one multi-GPU passthrough replica share a node: the first finds a node
     * with room for all of them, the others follow it there.
     */
    if (pg->kind == GPV_PACK_WHOLE && pg->ninsts == 1 && c->p->models[pg->model].nodes) {
        const struct gpv_pack_inst *x = &r->insts[pg->first];
        const struct gpv_pack_option *op = chosen(s, x);

        if (op->gpus > 1) {
            size_t j;

            for (j = 0; j < i; j++)
                if (r->gpus[j].kind == GPV_PACK_WHOLE && r->gpus[j].ninsts == 1 &&
                    r->insts[r->gpus[j].first].demand == x->demand &&
                    r->insts[r->gpus[j].first].replica == x->replica)
                    break;
            if (j < i) {
                if (node_of[j] < 0)
                    return NULL; /* its first GPU found no node */
                w = free_gpu(c, pg->model, -1, NULL, 0, 1, node_of[j]);
            } else {
                w = free_gpu(c, pg->model, -1, avoid, navoid, op->gpus, -1);
            }
            node_of[i] = w ? w->node : -1;
            return w;
        }
    }
    return free_gpu(c, pg->model, single ? r->insts[pg->first].profile : -1, avoid, navoid, 1, -1);
}

/* Puts the instances of the packer's GPU pg on w, each on the replica it stands for. */
static void
take_insts(struct ctx *c, const struct sub *s, const struct gpv_pack_result *r,
           const struct gpv_pack_gpu *pg, struct wgpu *w)
{
    size_t k;

    w->kind = (int)pg->kind;
    w->replicas = pg->replicas;
    for (k = 0; k < pg->ninsts; k++) {
        const struct gpv_pack_inst *x = &r->insts[pg->first + k];
        const struct gpv_pack_option *op = chosen(s, x);
        int t0 = s->orig[x->demand], rep = -1, seen = -1, q;
        struct winst y;
        struct dstate *ds = &c->d[t0];

        /* The packer's replica x->replica is the x->replica-th one still to place (parts are
           counted again by recount, after every GPU is in). */
        for (q = 0; q < incr_replicas_of(c, t0); q++)
            if (ds->parts[q] < incr_need_of(c, t0, q) && ++seen == x->replica) {
                rep = q;
                break;
            }
        if (rep < 0)
            continue;
        y.clients = 0;
        y.grown = 0;
        if (x->clients > 0) {
            /* The packer's clients are the next unplaced replicas; they share the instance
               while they are consecutive (a replica kept in between ends the run). */
            y.clients = 1;
            while (y.clients < x->clients && rep + y.clients < incr_replicas_of(c, t0) &&
                   ds->parts[rep + y.clients] < incr_need_of(c, t0, rep + y.clients))
                ds->ropt[rep + y.clients++] = (int)(op - c->p->demands[t0].options);
        }
        y.demand = t0;
        y.replica = rep;
        y.profile = x->profile;
        y.vgpu_type = x->vgpu_type;
        y.start = x->start;
        y.size = x->size;
        y.part = x->part;
        /* dem's options are t0's, or the one option t0 is held to: the same index base. */
        y.option = (int)(op - c->p->demands[t0].options);
        y.upgraded = x->upgraded;
        y.kept = 0;
        incr_add_inst(w, &y);
        ds->ropt[rep] = y.option;
        if (ds->option < 0)
            ds->option = y.option;
    }
}

/* Counts the sub demands' whole replicas again, after every part is in: one pass over the GPUs. */
static void
recount(struct ctx *c, const struct sub *s)
{
    bool *in_sub = xcalloc(c->p->ndemands + 1, sizeof(*in_sub));
    size_t t, i, k;

    for (t = 0; t < s->nd; t++) {
        in_sub[s->orig[t]] = true;
        memset(c->d[s->orig[t]].parts, 0, sizeof(int) * (size_t)incr_replicas_of(c, s->orig[t]));
    }
    for (i = 0; i < c->ng; i++)
        for (k = 0; k < c->g[i].n; k++)
            if (c->g[i].in[k].demand >= 0 && in_sub[c->g[i].in[k].demand]) {
                const struct winst *x = &c->g[i].in[k];
                int r;

                for (r = 0; r < incr_reps(x); r++)
                    c->d[x->demand].parts[x->replica + r]++;
            }
    for (t = 0; t < s->nd; t++) {
        int t0 = s->orig[t];
        struct dstate *ds = &c->d[t0];
        int q;

        ds->left = 0;
        for (q = 0; q < incr_replicas_of(c, t0); q++)
            ds->left += ds->parts[q] < incr_need_of(c, t0, q);
    }
    free(in_sub);
}

/* Counts demand t's placed parts again from the GPUs after some of its instances were taken
 * away: replicas without any lose their option. */
static void
unplace_lost(struct ctx *c, int t)
{
    struct dstate *ds = &c->d[t];
    size_t i, k;
    int q;

    memset(ds->parts, 0, sizeof(int) * (size_t)incr_replicas_of(c, t));
    for (i = 0; i < c->ng; i++)
        for (k = 0; k < c->g[i].n; k++)
            if (c->g[i].in[k].demand == t) {
                int r;

                for (r = 0; r < incr_reps(&c->g[i].in[k]); r++)
                    ds->parts[c->g[i].in[k].replica + r]++;
            }
    ds->left = 0;
    for (q = 0; q < incr_replicas_of(c, t); q++) {
        if (!ds->parts[q])
            ds->ropt[q] = -1;
        ds->left += ds->parts[q] < incr_need_of(c, t, q);
    }
}

/* One packer run on the unused GPUs for the demands sub_init takes (loose as there); the
 * packer's reasons are recorded unless loose. 0, or gpv_pack's failure (err set). */
static int
pack_once(struct ctx *c, const bool *loose, struct gpv_error *err)
{
    struct sub s;
    int *avoid = NULL, *node_of = NULL;
    struct gpv_pack_result r;
    size_t i, k;
    int rc = 0;

    gpv_pack_result_init(&r);
    memset(c->idle_from, 0, c->p->nmodels * sizeof(*c->idle_from));
    sub_init(&s, c, loose);
    if (!s.nd)
        goto out;
    if ((rc = gpv_pack(&r, &s.p, err)))
        goto out;
    avoid = xcalloc(r.ninsts + 1, sizeof(int));
    node_of = xcalloc(r.ngpus + 1, sizeof(int));
    for (i = 0; i < r.ngpus; i++) {
        struct wgpu *w = gpu_for(c, &s, &r, i, avoid, node_of);

        if (w) /* else no node may take its profile: its replicas stay unplaced */
            take_insts(c, &s, &r, &r.gpus[i], w);
    }
    recount(c, &s);
    for (i = 0; !loose && i < r.nunplaced; i++) {
        struct dstate *ds = &c->d[s.orig[r.unplaced[i].demand]];

        incr_clear_why(ds);
        ds->nwhy = r.unplaced[i].nreasons;
        ds->why = xcalloc(ds->nwhy + 1, sizeof(*ds->why));
        for (k = 0; k < ds->nwhy; k++)
            ds->why[k] = xstrdup(r.unplaced[i].reasons[k]);
    }
out:
    gpv_pack_result_release(&r);
    sub_release(&s);
    free(avoid);
    free(node_of);
    return rc;
}

int
incr_pack_rest(struct ctx *c, struct gpv_error *err)
{
    bool *loose = NULL, any = false;
    size_t t;
    int rc;

    if ((rc = pack_once(c, NULL, err)))
        return rc;
    /*
     * A tenant held to the option its kept replicas use that still has replicas left may put
     * them on its other options, as the fresh planner splits a tenant when one model's room
     * runs out: its kept replicas stay where they are. The packer's reasons stay those of
     * the first run.
     */
    loose = xcalloc(c->p->ndemands + 1, sizeof(*loose));
    for (t = 0; t < c->p->ndemands; t++) {
        const struct dstate *ds = &c->d[t];

        loose[t] =
            ds->left && ds->option >= 0 && c->p->demands[t].noptions > 1 && !incr_split(c, (int)t);
        any = any || loose[t];
    }
    if (any) {
        size_t ng = c->ng, i, k, j;
        size_t *n = xcalloc(ng + 1, sizeof(*n));

        for (i = 0; i < ng; i++)
            n[i] = c->g[i].n;
        rc = pack_once(c, loose, err);
        /* A tenant still not placed whole gives back what this run placed: it is left out
           anyway, and its instances would only make draining look useful. */
        for (i = 0; !rc && i < c->ng; i++) {
            struct wgpu *w = &c->g[i];

            for (k = j = i < ng ? n[i] : 0; k < w->n; k++) {
                int d = w->in[k].demand;

                if (d >= 0 && loose[d] && c->d[d].left)
                    continue;
                w->in[j++] = w->in[k];
            }
            w->n = j;
        }
        for (t = 0; !rc && t < c->p->ndemands; t++)
            if (loose[t] && c->d[t].left)
                unplace_lost(c, (int)t);
        free(n);
    }
    free(loose);
    return rc;
}
