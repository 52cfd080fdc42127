/* Incremental planning: keep what runs, fill free space, drain as few GPUs as possible. */
#include "gpuvplan/incr.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One instance while planning; demand -1 is an instance of a state nobody has taken yet. */
struct winst {
    int demand, replica, profile, vgpu_type, start, size, part;
    bool upgraded;
    int kept; /* 1: kept where CURRENT had it; 2: a state's instance taken as it is */
};

/* One GPU while planning. */
struct wgpu {
    int model;        /* problem model entry */
    int kind;         /* enum gpv_pack_kind, or -1 while it holds nothing */
    int node;         /* index into the site's nodes, or -1 */
    int index;        /* on that node, or -1 */
    const char *name; /* CURRENT's id, or NULL for a GPU it did not list */
    bool drained;
    bool open; /* a state's MIG GPU: bare MIG or MIG-backed vGPU, whichever takes it first */
    size_t n, cap;
    struct winst *in;
};

/* Per tenant. */
struct dstate {
    int option;  /* the option every replica uses, -1 until one is chosen */
    int *parts;  /* per replica: instances placed (WHOLE: GPUs; else 0 or 1) */
    int left;    /* replicas not (completely) placed */
    char *moved; /* why it does not stay where it was, or NULL */
    char **why;  /* reasons it is unplaced, from the packer */
    size_t nwhy;
};

struct ctx {
    const struct gpv_plan_run *fresh;
    const struct gpv_pack_problem *p;
    const struct gpv_tenants *file;
    struct gpv_incr *out;
    size_t ng, gcap;
    struct wgpu *g;
    struct dstate *d;
    int *cursor; /* per model * 4 kinds * GPV_MIG_MAX_PROFILES: first GPU worth trying */
    int **slot;  /* per site node, per index: the GPU there (index into g), or -1 */
};

/* A document's string as a message may quote it. */
static const char *
q(const char *s)
{
    return gpv_quotable(s) ? s : "(unprintable)";
}

static const struct gpv_pack_option *
opt_of(const struct ctx *c, int t, int o)
{
    return &c->p->demands[t].options[o];
}

static int
replicas_of(const struct ctx *c, int t)
{
    return c->p->demands[t].replicas;
}

static void
add_inst(struct wgpu *w, const struct winst *x)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->in = xreallocarray(w->in, w->cap, sizeof(*w->in));
    }
    w->in[w->n++] = *x;
}

static struct wgpu *
new_gpu(struct ctx *c, int model, int node, int index, const char *name)
{
    struct wgpu *w;

    if (c->ng == c->gcap) {
        c->gcap = c->gcap ? c->gcap * 2 : 64;
        c->g = xreallocarray(c->g, c->gcap, sizeof(*c->g));
    }
    w = &c->g[c->ng++];
    memset(w, 0, sizeof(*w));
    w->model = model;
    w->kind = -1;
    w->node = node;
    w->index = index;
    w->name = name;
    if (node >= 0)
        c->slot[node][index] = (int)(c->ng - 1);
    return w;
}

static void
note(struct gpv_incr *x, const char *s)
{
    size_t i;

    for (i = 0; i < x->nnotes; i++)
        if (!strcmp(x->notes[i], s))
            return;
    x->notes = xreallocarray(x->notes, x->nnotes + 1, sizeof(*x->notes));
    x->notes[x->nnotes++] = xstrdup(s);
}

static void
moved(struct ctx *c, int t, char *why)
{
    if (c->d[t].moved)
        free(why);
    else
        c->d[t].moved = why;
}

/* What option o gives, in words: "1g.20gb on h100-80gb", "2 whole l40s". */
static char *
option_words(const struct ctx *c, const struct gpv_pack_option *o)
{
    const struct gpv_gpu *gpu = c->p->models[o->model].gpu;

    switch (o->kind) {
    case GPV_PACK_MIG:
        return xasprintf("MIG %s on %s", gpu->mig->profiles[o->profile].name, gpu->id);
    case GPV_PACK_MIG_VGPU:
    case GPV_PACK_VGPU:
        return xasprintf("vGPU %s on %s", gpu->vgpu->types[o->vgpu_type].name, gpu->id);
    default:
        return xasprintf("%d whole %s", o->gpus, gpu->id);
    }
}

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

static void
read_current(struct ctx *c, const struct gpv_diff_doc *cur)
{
    struct tname *names = xcalloc(c->file->ntenants + 1, sizeof(*names));
    const char *first_foreign = NULL;
    size_t i, k, nforeign = 0;

    for (i = 0; i < c->file->ntenants; i++) {
        names[i].name = c->file->tenants[i].name;
        names[i].t = (int)i;
    }
    qsort(names, c->file->ntenants, sizeof(*names), tname_cmp);
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
                    moved(c, hit->t, xasprintf("its GPU '%s' is not in the fleet", q(g->id)));
            }
            continue;
        }
        gpu = c->p->models[m].gpu;
        w = new_gpu(c, m, node, node >= 0 ? g->index : -1, g->id);
        w->kind = kind_of_mode(g->mode);
        w->open = cur->state && w->kind == GPV_PACK_MIG;
        for (k = 0; k < g->ninsts; k++) {
            const struct gpv_diff_inst *in = &g->insts[k];
            struct winst x = {-1, -1, -1, -1, in->start, in->size, 0, false, 0};
            struct tname probe = {in->tenant, 0}, *hit = NULL;
            struct dstate *ds;
            int o;

            if (w->kind == GPV_PACK_MIG || w->kind == GPV_PACK_MIG_VGPU)
                x.profile = in->profile ? gpv_gpu_find_profile(gpu, in->profile) : -1;
            if (w->kind == GPV_PACK_MIG_VGPU && in->vgpu_type)
                x.vgpu_type = gpv_gpu_find_vgpu_type(gpu, in->vgpu_type);
            if (w->kind == GPV_PACK_VGPU && in->profile)
                x.vgpu_type = gpv_gpu_find_vgpu_type(gpu, in->profile);
            if (!in->tenant)
                goto slot; /* a state's instance */
            if (!(hit = bsearch(&probe, names, c->file->ntenants, sizeof(*names), tname_cmp)))
                goto slot; /* a tenant no longer in the file */
            ds = &c->d[hit->t];
            if (in->replica < 0 || in->replica >= replicas_of(c, hit->t))
                goto slot; /* fewer replicas now */
            o = match_option(c, hit->t, m, w->kind, &x);
            if (o < 0 || (ds->option >= 0 && o != ds->option)) {
                char *now =
                    c->fresh->result.choice[hit->t] >= 0
                        ? option_words(c, opt_of(c, hit->t, c->fresh->result.choice[hit->t]))
                        : xstrdup("no placement");

                moved(c, hit->t,
                      xasprintf("its %s %s on '%s' no longer serves it (it now gets %s)", g->mode,
                                in->profile ? q(in->profile) : "GPU", q(g->id), now));
                free(now);
                goto slot;
            }
            if (opt_of(c, hit->t, o)->kind != GPV_PACK_WHOLE && ds->parts[in->replica])
                goto slot; /* the same replica twice: keep the first */
            ds->option = o;
            x.demand = hit->t;
            x.replica = in->replica;
            x.part = ds->parts[in->replica]++;
            x.kept = 1;
            add_inst(w, &x);
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
                add_inst(w, &x);
        }
    }
    if (nforeign) {
        char *s = xasprintf("%zu GPU%s of CURRENT in use (first '%s') %s not in the fleet of the "
                            "tenants file: what runs there moves",
                            nforeign, nforeign == 1 ? "" : "s", q(first_foreign),
                            nforeign == 1 ? "is" : "are");

        note(c->out, s);
        free(s);
    }
    free(names);
}

/* Removes every instance of demand t from the GPUs; its replicas become unplaced. */
static void
unpin(struct ctx *c, int t)
{
    size_t i, k, j;

    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];

        for (k = j = 0; k < w->n; k++)
            if (w->in[k].demand != t)
                w->in[j++] = w->in[k];
        w->n = j;
    }
    memset(c->d[t].parts, 0, sizeof(int) * (size_t)replicas_of(c, t));
}

/* Counts what is placed; a multi-GPU replica with some of its GPUs missing is unpinned. */
static void
settle(struct ctx *c)
{
    size_t t;
    int r;

    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        int need = ds->option >= 0 && opt_of(c, (int)t, ds->option)->kind == GPV_PACK_WHOLE
                       ? opt_of(c, (int)t, ds->option)->gpus
                       : 1;

        ds->left = 0;
        for (r = 0; r < replicas_of(c, (int)t); r++) {
            if (ds->parts[r] && ds->parts[r] < need) {
                unpin(c, (int)t);
                moved(c, (int)t, xstrdup("some GPUs of its replicas are missing"));
                ds->left = replicas_of(c, (int)t);
                break;
            }
            ds->left += ds->parts[r] < need;
        }
    }
}

/* ---- step 1b: a state's instances taken as they are --------------------------------------- */

static bool
holds(const struct wgpu *w, int t)
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
        if (c->g[i].node == w->node && holds(&c->g[i], t))
            return true;
    return false;
}

/* May replica of demand t go on w, as far as spreading goes? */
static bool
spread_ok(const struct ctx *c, const struct wgpu *w, int t)
{
    const struct gpv_pack_demand *d = &c->p->demands[t];

    if ((d->spread || d->spread_nodes) && holds(w, t))
        return false;
    return !d->spread_nodes || !node_holds(c, w, t);
}

static int
next_replica(const struct ctx *c, int t)
{
    int r;

    for (r = 0; r < replicas_of(c, t); r++)
        if (!c->d[t].parts[r])
            return r;
    return -1;
}

static void
take_slots(struct ctx *c)
{
    size_t t, i, k;

    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        int o = ds->option >= 0 ? ds->option : c->fresh->result.choice[t];
        const struct gpv_pack_option *op;

        if (o < 0 || !ds->left)
            continue;
        op = opt_of(c, (int)t, o);
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
                    !spread_ok(c, w, (int)t))
                    continue;
                r = next_replica(c, (int)t);
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

/* ---- step 2: free units of GPUs in use ---------------------------------------------------- */

static bool
in_use(const struct wgpu *w)
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
                              false,
                              0};

            add_inst(w, &x);
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
        struct winst x = {
            t, r, -1, op->vgpu_type, -1, (int)((ty->framebuffer_mib + 512) / 1024), 0, false, 0};

        add_inst(w, &x);
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

static void
fill_in_place(struct ctx *c)
{
    size_t t, i;

    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        int o = ds->option >= 0 ? ds->option : c->fresh->result.choice[t];
        const struct gpv_pack_option *op;
        int *cur;

        if (o < 0 || !ds->left || (op = opt_of(c, (int)t, o))->kind == GPV_PACK_WHOLE)
            continue;
        if (op->kind == GPV_PACK_VGPU && op->vgpu_type >= GPV_MIG_MAX_PROFILES)
            continue;
        cur = cursor_of(c, op);
        while (ds->left) {
            bool placed = false;
            int r = next_replica(c, (int)t);

            for (i = (size_t)*cur; i < c->ng && !placed; i++) {
                struct wgpu *w = &c->g[i];

                if (w->model != op->model || w->kind != (int)op->kind || !in_use(w))
                    continue;
                if (!spread_ok(c, w, (int)t))
                    continue;
                placed = op->kind == GPV_PACK_VGPU ? place_vgpu(c, w, (int)t, op, r)
                                                   : place_mig(c, w, (int)t, op, r);
                /* A GPU that cannot take one more of these never will: only instances come. */
                if (!placed && i == (size_t)*cur)
                    (*cur)++;
            }
            if (!placed)
                break;
            ds->parts[r] = 1;
            ds->option = o;
            ds->left--;
            c->out->added_in_place++;
        }
    }
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
                slots += c->slot[k][ix] < 0 || !in_use(&c->g[c->slot[k][ix]]);
        }
        return slots;
    }
    if (pm->limit < 0)
        return -1;
    for (i = 0; i < c->ng; i++)
        used += c->g[i].model == m && in_use(&c->g[i]);
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

        if (!w || !in_use(w) || (w->kind != GPV_PACK_MIG && w->kind != GPV_PACK_MIG_VGPU))
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
            if (c->slot[k][ix] >= 0 && holds(&c->g[c->slot[k][ix]], avoid[a]))
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
        for (i = 0; i < c->ng; i++)
            if (c->g[i].model == m && c->g[i].node < 0 && c->g[i].n == 0) {
                c->g[i].drained = false;
                return &c->g[i];
            }
        return new_gpu(c, m, -1, -1, NULL);
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
                    return new_gpu(c, m, (int)k, ix, NULL);
                if (c->g[wi].n == 0) {
                    c->g[wi].drained = false;
                    return &c->g[wi];
                }
            }
        }
    return NULL;
}

static void
clear_why(struct dstate *ds)
{
    size_t i;

    for (i = 0; i < ds->nwhy; i++)
        free(ds->why[i]);
    free(ds->why);
    ds->why = NULL;
    ds->nwhy = 0;
}

static int
pack_rest(struct ctx *c, struct gpv_error *err)
{
    struct gpv_pack_problem sp = *c->p;
    struct gpv_pack_model *models = xcalloc(c->p->nmodels + 1, sizeof(*models));
    struct gpv_pack_demand *dem = xcalloc(c->p->ndemands + 1, sizeof(*dem));
    int *orig = xcalloc(c->p->ndemands + 1, sizeof(int));
    int *avoid = NULL, *node_of = NULL;
    bool *in_sub = NULL;
    struct gpv_pack_result r;
    size_t m, t, nd = 0, i, k;
    int rc = 0;

    gpv_pack_result_init(&r);
    for (m = 0; m < c->p->nmodels; m++) {
        models[m] = c->p->models[m];
        models[m].limit = model_limit_left(c, (int)m);
        models[m].nodes = 0; /* free slots are scattered: node rules are kept by assignment */
        models[m].gpus_per_node = 0;
    }
    for (t = 0; t < c->p->ndemands; t++) {
        const struct dstate *ds = &c->d[t];

        if (!ds->left || !c->p->demands[t].noptions)
            continue;
        dem[nd] = c->p->demands[t];
        dem[nd].replicas = ds->left;
        if (ds->option >= 0) {
            dem[nd].noptions = 1;
            dem[nd].options = opt_of(c, (int)t, ds->option);
        }
        orig[nd++] = (int)t;
    }
    if (!nd)
        goto out;
    sp.models = models;
    sp.demands = dem;
    sp.ndemands = nd;
    if ((rc = gpv_pack(&r, &sp, err)))
        goto out;
    avoid = xcalloc(r.ninsts + 1, sizeof(int));
    node_of = xcalloc(r.ngpus + 1, sizeof(int));
    for (i = 0; i < r.ngpus; i++) {
        const struct gpv_pack_gpu *pg = &r.gpus[i];
        bool single = c->p->models[pg->model].single && pg->ninsts &&
                      (pg->kind == GPV_PACK_MIG || pg->kind == GPV_PACK_MIG_VGPU);
        struct wgpu *w;
        size_t navoid = 0;

        for (k = 0; k < pg->ninsts; k++) {
            int t0 = orig[r.insts[pg->first + k].demand];

            if (c->p->demands[t0].spread_nodes)
                avoid[navoid++] = t0;
        }
        /*
         * The GPUs of one multi-GPU passthrough replica share a node: the first finds a node
         * with room for all of them, the others follow it there.
         */
        if (pg->kind == GPV_PACK_WHOLE && pg->ninsts == 1 && c->p->models[pg->model].nodes) {
            const struct gpv_pack_inst *x = &r.insts[pg->first];
            const struct gpv_pack_option *op = &dem[x->demand].options[r.choice[x->demand]];

            if (op->gpus > 1) {
                size_t j;

                for (j = 0; j < i; j++)
                    if (r.gpus[j].kind == GPV_PACK_WHOLE && r.gpus[j].ninsts == 1 &&
                        r.insts[r.gpus[j].first].demand == x->demand &&
                        r.insts[r.gpus[j].first].replica == x->replica)
                        break;
                if (j < i) {
                    if (node_of[j] < 0)
                        continue; /* its first GPU found no node */
                    w = free_gpu(c, pg->model, -1, NULL, 0, 1, node_of[j]);
                } else {
                    w = free_gpu(c, pg->model, -1, avoid, navoid, op->gpus, -1);
                }
                node_of[i] = w ? w->node : -1;
                goto got;
            }
        }
        w = free_gpu(c, pg->model, single ? r.insts[pg->first].profile : -1, avoid, navoid, 1, -1);
    got:

        if (!w)
            continue; /* no node may take its profile: its replicas stay unplaced */
        w->kind = (int)pg->kind;
        for (k = 0; k < pg->ninsts; k++) {
            const struct gpv_pack_inst *x = &r.insts[pg->first + k];
            int t0 = orig[x->demand], rep = -1, seen = -1, q;
            struct winst y;
            struct dstate *ds = &c->d[t0];
            int need = dem[x->demand].options[r.choice[x->demand]].kind == GPV_PACK_WHOLE
                           ? dem[x->demand].options[r.choice[x->demand]].gpus
                           : 1;

            /* The packer's replica x->replica is the x->replica-th one still to place. */
            for (q = 0; q < replicas_of(c, t0); q++)
                if (ds->parts[q] < need && ++seen == x->replica) {
                    rep = q;
                    break;
                }
            if (rep < 0)
                continue;
            y.demand = t0;
            y.replica = rep;
            y.profile = x->profile;
            y.vgpu_type = x->vgpu_type;
            y.start = x->start;
            y.size = x->size;
            y.part = x->part;
            y.upgraded = x->upgraded;
            y.kept = 0;
            add_inst(w, &y);
            /* dem's options are t0's, or the one option t0 is held to: the same index base. */
            if (ds->option < 0)
                ds->option =
                    (int)(&dem[x->demand].options[r.choice[x->demand]] - c->p->demands[t0].options);
        }
    }
    /* Count whole replicas only after every part is in: one pass over the GPUs. */
    in_sub = xcalloc(c->p->ndemands + 1, sizeof(*in_sub));
    for (t = 0; t < nd; t++) {
        in_sub[orig[t]] = true;
        memset(c->d[orig[t]].parts, 0, sizeof(int) * (size_t)replicas_of(c, orig[t]));
    }
    for (i = 0; i < c->ng; i++)
        for (k = 0; k < c->g[i].n; k++)
            if (c->g[i].in[k].demand >= 0 && in_sub[c->g[i].in[k].demand])
                c->d[c->g[i].in[k].demand].parts[c->g[i].in[k].replica]++;
    for (t = 0; t < nd; t++) {
        int t0 = orig[t];
        struct dstate *ds = &c->d[t0];
        int before = ds->left, q,
            need = ds->option >= 0 && opt_of(c, t0, ds->option)->kind == GPV_PACK_WHOLE
                       ? opt_of(c, t0, ds->option)->gpus
                       : 1;

        ds->left = 0;
        for (q = 0; q < replicas_of(c, t0); q++)
            ds->left += ds->parts[q] < need;
        c->out->on_unused += before - ds->left;
    }
    for (i = 0; i < r.nunplaced; i++) {
        struct dstate *ds = &c->d[orig[r.unplaced[i].demand]];

        clear_why(ds);
        ds->nwhy = r.unplaced[i].nreasons;
        ds->why = xcalloc(ds->nwhy + 1, sizeof(*ds->why));
        for (k = 0; k < ds->nwhy; k++)
            ds->why[k] = xstrdup(r.unplaced[i].reasons[k]);
    }
out:
    gpv_pack_result_release(&r);
    free(models);
    free(dem);
    free(orig);
    free(avoid);
    free(node_of);
    free(in_sub);
    return rc;
}

/* ---- step 4: drain the cheapest GPU ------------------------------------------------------- */

static int
left_total(const struct ctx *c)
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

static bool
drain_one(struct ctx *c)
{
    struct wgpu *best = NULL;
    struct winst *was;
    size_t i, k, users = 0, nwas;

    /* The GPU whose drain disrupts the fewest replicas (a state's untaken instances: none). */
    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];
        size_t u = 0;

        if (!w->name || !in_use(w) || !wanted_model(c, w->model))
            continue;
        for (k = 0; k < w->n; k++)
            u += w->in[k].demand >= 0;
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
        moved(c, x->demand, xasprintf("its GPU '%s' is reconfigured to make room", q(best->name)));
        /* A multi-GPU replica loses all its GPUs; any other replica just this instance. */
        if (opt_of(c, x->demand, ds->option)->kind == GPV_PACK_WHOLE &&
            opt_of(c, x->demand, ds->option)->gpus > 1)
            unpin(c, x->demand);
        else
            ds->parts[x->replica] = 0;
    }
    free(was);
    settle(c);
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

/* The demands r places fewer replicas of than fr does. */
static size_t
fewer_placed(const struct gpv_pack_result *r, const struct gpv_pack_result *fr, size_t ndemands)
{
    size_t t, n = 0;

    for (t = 0; t < ndemands; t++)
        n += r->placed[t] < fr->placed[t];
    return n;
}

static void
build_result(struct ctx *c)
{
    struct gpv_pack_result *r = &c->out->result;
    const struct gpv_pack_result *fr = &c->fresh->result;
    struct gpv_site *s = &c->out->site;
    const struct gpv_site *fs = &c->fresh->site;
    struct wgpu **order = xcalloc(c->ng + 1, sizeof(*order));
    size_t i, k, t, n = 0, ninsts = 0;
    bool costs = true;

    /*
     * Instances nobody took are released, and a tenant with a replica left out is left out
     * whole: a plan places all replicas or none.
     */
    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];

        for (k = n = 0; k < w->n; k++) {
            int d = w->in[k].demand;

            if (d >= 0 && !c->d[d].left && c->p->demands[d].noptions)
                w->in[n++] = w->in[k];
        }
        w->n = n;
    }
    n = 0;
    for (i = 0; i < c->ng; i++)
        if (c->g[i].n)
            order[n++] = &c->g[i];
    gpv_sort_stable(order, n, sizeof(*order), wgpu_cmp, NULL);
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
    ninsts = 0;
    for (i = 0; i < n; i++) {
        struct wgpu *w = order[i];
        struct gpv_pack_gpu *g = &r->gpus[i];

        qsort(w->in, w->n, sizeof(*w->in), winst_cmp);
        g->model = w->model;
        g->kind = (enum gpv_pack_kind)w->kind;
        g->sched = w->kind == GPV_PACK_VGPU ? sched_of(c, w) : GPV_SCHED_BEST_EFFORT;
        g->first = ninsts;
        g->ninsts = w->n;
        for (k = 0; k < w->n; k++) {
            struct gpv_pack_inst *x = &r->insts[ninsts++];

            c->out->kept += w->in[k].kept && !w->in[k].part;
            c->out->slots_taken += w->in[k].kept == 2;
            x->demand = w->in[k].demand;
            x->replica = w->in[k].replica;
            x->profile = w->in[k].profile;
            x->vgpu_type = w->in[k].vgpu_type;
            x->start = w->kind == GPV_PACK_MIG || w->kind == GPV_PACK_MIG_VGPU ||
                               (w->kind == GPV_PACK_VGPU && c->p->models[w->model].mixed)
                           ? w->in[k].start
                           : -1;
            x->size = w->kind == GPV_PACK_WHOLE ? 0 : w->in[k].size;
            x->part = w->in[k].part;
            x->option = c->d[x->demand].option;
            x->upgraded = w->in[k].upgraded;
        }
        s->node_of[i] = w->node;
        s->index_of[i] = w->index;
        if (w->node >= 0)
            s->nodes[w->node].gpu[w->index] = i;
        r->models[w->model].gpus++;
    }
    /* A demand is kept whole or not at all: its replicas are all placed, or all unplaced. */
    for (t = 0; t < c->p->ndemands; t++) {
        r->choice[t] = c->d[t].left || !c->p->demands[t].noptions ? -1 : c->d[t].option;
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
    if (fewer_placed(r, fr, c->p->ndemands) == 0)
        r->lower_bound_any =
            fr->lower_bound_any < r->gpus_used ? fr->lower_bound_any : r->gpus_used;
    r->optimal = r->gpus_used == r->lower_bound_any;
    if (!costs)
        r->cost = -1.0;
    free(order);
}

int
gpv_incr_plan(struct gpv_incr *out, const struct gpv_plan_run *fresh,
              const struct gpv_tenants *file, const struct gpv_diff_doc *cur, int max_reconfigure,
              struct gpv_error *err)
{
    struct ctx c;
    size_t t, i;
    int rc = 0, before;

    memset(out, 0, sizeof(*out));
    gpv_pack_result_init(&out->result);
    gpv_site_init(&out->site);
    memset(&c, 0, sizeof(c));
    c.fresh = fresh;
    c.p = &fresh->problem;
    c.file = file;
    c.out = out;
    out->max_reconfigure = max_reconfigure;
    out->fresh_gpus = fresh->result.gpus_used;
    c.d = xcalloc(c.p->ndemands + 1, sizeof(*c.d));
    c.cursor = xcalloc(c.p->nmodels * 4 * GPV_MIG_MAX_PROFILES + 1, sizeof(int));
    for (t = 0; t < c.p->ndemands; t++) {
        c.d[t].option = -1;
        c.d[t].parts = xcalloc((size_t)replicas_of(&c, (int)t) + 1, sizeof(int));
    }
    c.slot = xcalloc(fresh->site.nnodes + 1, sizeof(*c.slot));
    for (i = 0; i < fresh->site.nnodes; i++) {
        int ix, n = fresh->site.nodes[i].entry->gpus_per_node;

        c.slot[i] = xcalloc((size_t)n + 1, sizeof(int));
        for (ix = 0; ix < n; ix++)
            c.slot[i][ix] = -1;
    }
    read_current(&c, cur);
    settle(&c);
    take_slots(&c);
    fill_in_place(&c);
    if ((rc = pack_rest(&c, err)))
        goto out;
    while (left_total(&c) && (max_reconfigure < 0 || out->reconfigured < max_reconfigure)) {
        before = left_total(&c);
        if (!drain_one(&c))
            break;
        memset(c.cursor, 0, sizeof(int) * (c.p->nmodels * 4 * GPV_MIG_MAX_PROFILES + 1));
        fill_in_place(&c);
        if ((rc = pack_rest(&c, err)))
            goto out;
        if (left_total(&c) >= before)
            break; /* draining did not help: stop before draining more */
    }
    for (t = 0; t < c.p->ndemands; t++)
        if (c.d[t].moved) {
            out->moves = xreallocarray(out->moves, out->nmoves + 1, sizeof(*out->moves));
            out->moves[out->nmoves].tenant = (int)t;
            out->moves[out->nmoves++].reason = c.d[t].moved;
            c.d[t].moved = NULL;
        }
    if (cur->state)
        note(out, "a state names no tenants: its GPU instances are taken by tenants that need "
                  "their profile, and those nobody takes are released");
    if (out->reconfigured)
        note(out, "drained GPUs are chosen by the fewest replicas on them, one at a time, "
                  "while draining places more");
    build_result(&c);
out:
    for (t = 0; t < c.p->ndemands; t++) {
        free(c.d[t].parts);
        free(c.d[t].moved);
        clear_why(&c.d[t]);
    }
    for (i = 0; i < c.ng; i++)
        free(c.g[i].in);
    free(c.g);
    free(c.d);
    free(c.cursor);
    for (i = 0; c.slot && i < fresh->site.nnodes; i++)
        free(c.slot[i]);
    free(c.slot);
    if (rc)
        gpv_incr_release(out);
    return rc;
}

void
gpv_incr_run(struct gpv_plan_run *out, const struct gpv_plan_run *fresh, const struct gpv_incr *x)
{
    *out = *fresh;
    out->result = x->result;
    out->site = x->site;
}

struct gpv_val *
gpv_incr_build(const struct gpv_incr *x, const struct gpv_tenants *file, const char *from)
{
    struct gpv_val *o = gpv_val_obj(), *a;
    size_t i;

    gpv_val_set_str(o, "from", from);
    gpv_val_set_int(o, "kept", x->kept);
    gpv_val_set_int(o, "slots_taken", x->slots_taken);
    gpv_val_set_int(o, "added_in_place", x->added_in_place);
    gpv_val_set_int(o, "on_unused_gpus", x->on_unused);
    gpv_val_set_int(o, "gpus_reconfigured", x->reconfigured);
    if (x->max_reconfigure >= 0)
        gpv_val_set_int(o, "max_reconfigure", x->max_reconfigure);
    else
        gpv_val_set(o, "max_reconfigure", gpv_val_null());
    gpv_val_set_int(o, "fresh_plan_gpus", x->fresh_gpus);
    gpv_val_set_int(o, "gpus_used", x->result.gpus_used);
    a = gpv_val_set(o, "moved", gpv_val_arr());
    for (i = 0; i < x->nmoves; i++) {
        struct gpv_val *m = gpv_val_push(a, gpv_val_obj());

        gpv_val_set_str(m, "tenant", file->tenants[x->moves[i].tenant].name);
        gpv_val_set_str(m, "reason", x->moves[i].reason);
    }
    a = gpv_val_set(o, "notes", gpv_val_arr());
    for (i = 0; i < x->nnotes; i++)
        gpv_val_push(a, gpv_val_str(x->notes[i]));
    return o;
}

void
gpv_incr_release(struct gpv_incr *x)
{
    size_t i;

    if (!x)
        return;
    gpv_pack_result_release(&x->result);
    gpv_site_release(&x->site);
    for (i = 0; i < x->nmoves; i++)
        free(x->moves[i].reason);
    free(x->moves);
    for (i = 0; i < x->nnotes; i++)
        free(x->notes[i]);
    free(x->notes);
    memset(x, 0, sizeof(*x));
}
