/* Incremental planning, step 1: reading CURRENT; step 1b: a state's instances taken as they are. */
#include "incr_int.h"

#include "gpuvplan/incr.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdint.h>
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
    if (!strcmp(mode, "time-slicing"))
        return GPV_PACK_TIME_SLICING;
    if (!strcmp(mode, "mps"))
        return GPV_PACK_MPS;
    return -1;
}

/* The site's nodes by name (the caller releases them). */
static void
nodes_by_name(struct gpv_names *out, const struct gpv_site *s)
{
    size_t k;

    memset(out, 0, sizeof(*out));
    for (k = 0; k < s->nnodes; k++)
        gpv_names_add(out, s->nodes[k].name, k);
}

/* The problem model entry a GPU of CURRENT belongs to, with its node; -1 when none. */
static int
model_of(const struct ctx *c, const struct gpv_names *byname, const struct gpv_diff_gpu *g,
         int *node)
{
    const struct gpv_site *s = &c->fresh->site;
    size_t m, k;

    *node = -1;
    if (g->node) {
        k = gpv_names_find(byname, g->node);
        if (k == SIZE_MAX || g->index >= s->nodes[k].entry->gpus_per_node ||
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

/* The tenants of the file by name: an open-addressing table of index + 1 (0 empty). */
struct tindex {
    const struct ctx *c;
    size_t cap;
    int *slot;
};

static void
tindex_build(struct tindex *x)
{
    const struct ctx *c = x->c;
    size_t i, k;

    for (x->cap = 16; x->cap < 2 * c->file->ntenants + 2; x->cap *= 2)
        ;
    x->slot = xcalloc(x->cap, sizeof(*x->slot));
    for (i = 0; i < c->file->ntenants; i++) {
        for (k = gpv_str_hash(c->file->tenants[i].name) & (x->cap - 1); x->slot[k];
             k = (k + 1) & (x->cap - 1))
            ;
        x->slot[k] = (int)i + 1;
    }
}

/* The tenant called name (NULL: none), or -1. Names in a tenants file are distinct. The table
 * is built at the first lookup (x->slot NULL until then). */
static int
tindex_find(struct tindex *x, const char *name)
{
    size_t k;

    if (!name)
        return -1;
    if (!x->slot)
        tindex_build(x);
    for (k = gpv_str_hash(name) & (x->cap - 1); x->slot[k]; k = (k + 1) & (x->cap - 1))
        if (!strcmp(x->c->file->tenants[x->slot[k] - 1].name, name))
            return x->slot[k] - 1;
    return -1;
}

/*
 * Answers already found for MIG profiles and vGPU types, by the address of the name (and the
 * GPU model): the JSON reader gives equal strings one node, so the 56,000 instances of a large
 * plan name them through a few addresses, and most lookups compare one pointer instead of
 * hashing a string. A miss (another address, a collision) asks the database cache.
 */
#define MEMO 256
enum { MEMO_PROFILE, MEMO_TYPE };
struct memo {
    struct memo_entry {
        const char *name;
        const struct gpv_gpu *gpu;
        int what; /* MEMO_* */
        int val;
    } e[MEMO];
};

/* The entry for name (on gpu) asked as what; filled by the caller when *hit is false. */
static struct memo_entry *
memo_find(struct memo *m, const char *name, const struct gpv_gpu *gpu, int what, bool *hit)
{
    uintptr_t h = ((uintptr_t)name >> 3) * 31u + ((uintptr_t)gpu >> 4) + (uintptr_t)what;
    struct memo_entry *e = &m->e[(h ^ h >> 12) % MEMO];

    *hit = e->name == name && e->gpu == gpu && e->what == what;
    e->name = name;
    e->gpu = gpu;
    e->what = what;
    return e;
}

/*
 * CURRENT's tenant names by address: the tenants file's index of each name of CURRENT's
 * tenants list, found in the two lists' common order when they agree (one comparison in
 * order, no hashing of strings), else through the tenants' hash table. An instance names its
 * tenant with the list's string (equal strings are one node), so most instances find it by
 * one pointer; any other address asks the hash table.
 */
struct tptr {
    size_t cap;
    const char **name;
    int *val;
};

static void
tptr_build(struct tptr *x, const struct ctx *c, const struct gpv_diff_doc *cur,
           struct tindex *names)
{
    size_t i, k;

    for (x->cap = 16; x->cap < 2 * cur->ntenants + 2; x->cap *= 2)
        ;
    x->name = xcalloc(x->cap, sizeof(*x->name));
    x->val = xcalloc(x->cap, sizeof(*x->val));
    for (i = 0; i < cur->ntenants; i++) {
        const char *n = cur->tenants[i];
        uintptr_t h = (uintptr_t)n >> 3;

        for (k = (h ^ h >> 15) * 0x9E3779B1u & (x->cap - 1); x->name[k] && x->name[k] != n;
             k = (k + 1) & (x->cap - 1))
            ;
        if (x->name[k])
            continue;
        x->name[k] = n;
        x->val[k] = i < c->file->ntenants && !strcmp(c->file->tenants[i].name, n)
                        ? (int)i
                        : tindex_find(names, n);
    }
}

/* The tenant called name, or -1. */
static int
tenant_of(const struct tptr *x, struct tindex *names, const char *name)
{
    uintptr_t h = (uintptr_t)name >> 3;
    size_t k;

    if (!name)
        return -1;
    for (k = (h ^ h >> 15) * 0x9E3779B1u & (x->cap - 1); x->name[k]; k = (k + 1) & (x->cap - 1))
        if (x->name[k] == name)
            return x->val[k];
    return tindex_find(names, name);
}

/* gpv_gpu_find_profile_cached (what MEMO_PROFILE) or gpv_gpu_find_vgpu_type_cached
 * (MEMO_TYPE), through m. */
static int
find_of(struct memo *m, struct gpv_db_cache *cache, const struct gpv_gpu *gpu, const char *name,
        int what)
{
    bool hit;
    struct memo_entry *e = memo_find(m, name, gpu, what, &hit);

    if (!hit)
        e->val = what == MEMO_TYPE ? gpv_gpu_find_vgpu_type_cached(cache, gpu, name)
                                   : gpv_gpu_find_profile_cached(cache, gpu, name);
    return e->val;
}

/* The option of demand t that the instance x on a GPU (model m, kind k) is, or -1; ts: the
 * device plugin's replicas of a time-sliced MIG instance (the option's clients), else 0. */
static int
match_option(const struct ctx *c, int t, int m, int k, struct winst *x, int ts)
{
    const struct gpv_pack_demand *d = &c->p->demands[t];
    const struct gpv_gpu *gpu = c->p->models[m].gpu;
    size_t o;

    for (o = 0; o < d->noptions; o++) {
        const struct gpv_pack_option *op = &d->options[o];

        if (op->model != m || (int)op->kind != k || (op->clients > 1 ? op->clients : 0) != ts)
            continue;
        if (k == GPV_PACK_WHOLE || k == GPV_PACK_TIME_SLICING || k == GPV_PACK_MPS)
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

/*
 * Why w, a GPU shared through the device plugin, cannot keep its clients, or NULL when it can:
 * the fleet now states another sharing for its model entry, or its clients no longer fit it as
 * they need now (pack_share.c's rules: under MPS each within its 1 / replicas of the GPU's
 * memory and compute, under time-slicing all together within its memory and one GPU of compute).
 */
static const char *
share_misfit(const struct ctx *c, const struct wgpu *w)
{
    const struct gpv_pack_model *pm = &c->p->models[w->model];
    long long gpu_mib = pm->gpu->memory_mib, mib = 0;
    double compute = 0.0;
    size_t k;

    if (pm->share_replicas > 0 &&
        (pm->share_replicas != w->replicas || (int)pm->share_kind != w->kind))
        return "the fleet now shares it otherwise";
    for (k = 0; k < w->n; k++) {
        const struct gpv_pack_demand *dm = &c->p->demands[w->in[k].demand];

        if (w->kind == GPV_PACK_MPS && (dm->memory_mib > gpu_mib / w->replicas ||
                                        dm->compute > 1.0 / w->replicas + GPV_VGPU_SHARE_EPS))
            return "its clients no longer fit it";
        mib += dm->memory_mib;
        compute += dm->compute;
    }
    return w->kind == GPV_PACK_MPS || (mib <= gpu_mib && compute <= 1.0 + GPV_VGPU_SHARE_EPS)
               ? NULL
               : "its clients no longer fit it";
}

/* Frees w, a shared GPU that cannot keep its clients (why): its tenants are placed again. */
static void
replan_shared(struct ctx *c, struct wgpu *w, const char *why)
{
    size_t k;

    for (k = 0; k < w->n; k++) {
        struct dstate *ds = &c->d[w->in[k].demand];

        incr_moved(c, w->in[k].demand,
                   xasprintf("its %s GPU '%s' is planned again as a whole (%s)",
                             gpv_pack_kind_name((enum gpv_pack_kind)w->kind), incr_q(w->name),
                             why));
        ds->parts[w->in[k].replica] = 0;
        ds->ropt[w->in[k].replica] = -1;
    }
    w->n = 0;
    w->kind = -1;
    w->replicas = 0;
}

void
incr_read_current(struct ctx *c, const struct gpv_diff_doc *cur)
{
    struct tindex names;
    struct gpv_db_cache *cache = xmalloc(sizeof(*cache));
    struct memo *memo = xcalloc(1, sizeof(*memo));
    struct tptr byptr;
    const char *first_foreign = NULL;
    struct gpv_names byname;
    size_t i, k, nforeign = 0;

    nodes_by_name(&byname, &c->fresh->site);
    names.c = c;
    names.slot = NULL;
    tptr_build(&byptr, c, cur, &names);
    gpv_db_cache_init(cache); /* the same few profiles and types on thousands of GPUs */
    for (i = 0; i < cur->ngpus; i++) {
        const struct gpv_diff_gpu *g = &cur->gpus[i];
        const struct gpv_gpu *gpu;
        const char *why;
        struct wgpu *w;
        int node, m = model_of(c, &byname, g, &node);

        if (m < 0) {
            if (g->ninsts && !nforeign++)
                first_foreign = g->id;
            for (k = 0; k < g->ninsts; k++) {
                int hit = tenant_of(&byptr, &names, g->insts[k].tenant);

                if (hit >= 0)
                    incr_moved(c, hit,
                               xasprintf("its GPU '%s' is not in the fleet", incr_q(g->id)));
            }
            continue;
        }
        gpu = c->p->models[m].gpu;
        w = incr_new_gpu(c, m, node, node >= 0 ? g->index : -1, g->id);
        if (g->ninsts) { /* room for what it holds now, in one allocation */
            w->cap = g->ninsts;
            w->in = xreallocarray(NULL, w->cap, sizeof(*w->in));
        }
        /* A GPU shared through the device plugin keeps its replicas and the clients that still
           serve their tenants, each at its index. */
        w->kind = kind_of_mode(g->mode);
        w->replicas = g->replicas;
        w->open = cur->state && w->kind == GPV_PACK_MIG;
        for (k = 0; k < g->ninsts; k++) {
            const struct gpv_diff_inst *in = &g->insts[k];
            struct winst x = {-1, -1, -1, -1, in->start, in->size, 0, -1, false, 0, 0, 0};
            int hit = -1;
            struct dstate *ds;
            int o, r, n;

            if (w->replicas > 0)
                x.size = 0; /* a client, as the packer writes it */
            if (w->kind == GPV_PACK_MIG || w->kind == GPV_PACK_MIG_VGPU)
                x.profile = in->profile ? find_of(memo, cache, gpu, in->profile, MEMO_PROFILE) : -1;
            if (w->kind == GPV_PACK_MIG_VGPU && in->vgpu_type)
                x.vgpu_type = find_of(memo, cache, gpu, in->vgpu_type, MEMO_TYPE);
            if (w->kind == GPV_PACK_VGPU && in->profile)
                x.vgpu_type = find_of(memo, cache, gpu, in->profile, MEMO_TYPE);
            if (!in->tenant)
                goto slot; /* a state's instance */
            if ((hit = tenant_of(&byptr, &names, in->tenant)) < 0)
                goto slot; /* a tenant no longer in the file */
            ds = &c->d[hit];
            if (in->replica < 0 || in->replica >= incr_replicas_of(c, hit))
                goto slot; /* fewer replicas now */
            o = match_option(c, hit, m, w->kind, &x, in->clients > 0 ? in->ts_replicas : 0);
            /* Replicas may use different options (the planner splits a tenant when one model's
               room runs out), but the GPUs of one replica all use the same. */
            if (o < 0 || (ds->ropt[in->replica] >= 0 && o != ds->ropt[in->replica])) {
                char *now =
                    c->fresh->result.choice[hit] >= 0
                        ? incr_option_words(c, incr_opt_of(c, hit, c->fresh->result.choice[hit]))
                        : xstrdup("no placement");

                incr_moved(c, hit,
                           xasprintf("its %s %s on '%s' no longer serves it (it now gets %s)",
                                     g->mode, in->profile ? incr_q(in->profile) : "GPU",
                                     incr_q(g->id), now));
                free(now);
                goto slot;
            }
            /* A time-sliced instance keeps its clients that are still replicas of the tenant. */
            n = in->clients > 0 ? in->clients : 1;
            if (in->replica + n > incr_replicas_of(c, hit))
                n = incr_replicas_of(c, hit) - in->replica;
            for (r = 0; r < n; r++)
                if (incr_parts_of(incr_opt_of(c, hit, o)) == 1 && ds->parts[in->replica + r])
                    goto slot; /* the same replica twice: keep the first */
            if (ds->option < 0)
                ds->option = o;
            for (r = 1; r < n; r++) {
                ds->ropt[in->replica + r] = o;
                ds->parts[in->replica + r]++;
            }
            ds->ropt[in->replica] = o;
            x.demand = hit;
            x.replica = in->replica;
            x.option = o;
            x.clients = in->clients > 0 ? n : 0;
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
            x.clients = 0;
            if ((w->kind == GPV_PACK_MIG || w->kind == GPV_PACK_MIG_VGPU) && x.profile >= 0 &&
                x.start >= 0)
                incr_add_inst(w, &x);
        }
        if (w->replicas > 0 && w->n && (why = share_misfit(c, w)))
            replan_shared(c, w, why);
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
    free(memo);
    gpv_names_release(&byname);
    free(byptr.name);
    free(byptr.val);
    free(names.slot);
}

/* Removes every instance of demand t from the GPUs; its replicas become unplaced. */
void
incr_unpin(struct ctx *c, int t)
{
    size_t i, k, j;
    int r;

    for (i = 0; i < c->ng; i++) {
        struct wgpu *w = &c->g[i];

        for (k = j = 0; k < w->n; k++)
            if (w->in[k].demand != t)
                w->in[j++] = w->in[k];
        w->n = j;
    }
    memset(c->d[t].parts, 0, sizeof(int) * (size_t)incr_replicas_of(c, t));
    for (r = 0; r < incr_replicas_of(c, t); r++)
        c->d[t].ropt[r] = -1;
}

/* Counts what is placed; a multi-GPU replica with some of its GPUs missing is unpinned. */
void
incr_settle(struct ctx *c)
{
    size_t t;
    int r;

    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];

        ds->left = 0;
        for (r = 0; r < incr_replicas_of(c, (int)t); r++) {
            int need = incr_need_of(c, (int)t, r);

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

/*
 * A state's untaken instances by model and MIG profile (key model * GPV_MIG_MAX_PROFILES +
 * profile): v[first[key] .. first[key + 1]) in GPU order, then instance order. head[2 * key +
 * vgpu] is the first of them that bare MIG (vgpu 0) or MIG-backed vGPU (1) may still take: one
 * taken, or on a GPU the other kind took, stays so in this step. So 18,000 tenants do not each
 * scan the 5,000 GPUs of a state.
 */
struct free_slots {
    struct fslot {
        int g; /* index into c->g */
        int k; /* instance */
    } * v;
    size_t *first, *head;
};

static void
free_slots_build(struct free_slots *f, const struct ctx *c)
{
    size_t nkeys = c->p->nmodels * GPV_MIG_MAX_PROFILES, i, k, key, n = 0;

    f->first = xcalloc(nkeys + 2, sizeof(*f->first));
    f->head = xcalloc(2 * nkeys + 1, sizeof(*f->head));
    for (i = 0; i < c->ng; i++)
        for (k = 0; k < c->g[i].n; k++)
            if (c->g[i].in[k].demand < 0 && c->g[i].in[k].profile >= 0) {
                f->first[(size_t)c->g[i].model * GPV_MIG_MAX_PROFILES + c->g[i].in[k].profile +
                         2]++;
                n++;
            }
    for (key = 2; key < nkeys + 2; key++)
        f->first[key] += f->first[key - 1];
    f->v = xcalloc(n + 1, sizeof(*f->v));
    /* first[key + 1] is the fill position of key while filling; it ends as key's end. */
    for (i = 0; i < c->ng; i++)
        for (k = 0; k < c->g[i].n; k++)
            if (c->g[i].in[k].demand < 0 && c->g[i].in[k].profile >= 0) {
                key = (size_t)c->g[i].model * GPV_MIG_MAX_PROFILES + c->g[i].in[k].profile;
                f->v[f->first[key + 1]].g = (int)i;
                f->v[f->first[key + 1]].k = (int)k;
                f->first[key + 1]++;
            }
    for (key = 0; key < nkeys; key++)
        f->head[2 * key] = f->head[2 * key + 1] = f->first[key];
}

static void
free_slots_release(struct free_slots *f)
{
    free(f->v);
    free(f->first);
    free(f->head);
}

/* May an option of kind `kind` still take slot e (untaken, its GPU not drained nor taken by
 * the other kind)? */
static bool
slot_open(const struct ctx *c, const struct fslot *e, enum gpv_pack_kind kind)
{
    const struct wgpu *w = &c->g[e->g];

    return w->in[e->k].demand < 0 && !w->drained &&
           (w->kind == (int)kind || (w->open && w->kind == GPV_PACK_MIG));
}

/* Gives unplaced replicas of demand t a state's untaken instances of option o's profile, in GPU
 * order. */
static void
take_option(struct ctx *c, struct free_slots *f, int t, int o)
{
    struct dstate *ds = &c->d[t];
    const struct gpv_pack_option *op = incr_opt_of(c, t, o);
    size_t key, e, *head;

    if ((op->kind != GPV_PACK_MIG && op->kind != GPV_PACK_MIG_VGPU) || op->profile < 0)
        return;
    key = (size_t)op->model * GPV_MIG_MAX_PROFILES + (size_t)op->profile;
    head = &f->head[2 * key + (op->kind == GPV_PACK_MIG_VGPU)];
    while (*head < f->first[key + 1] && !slot_open(c, &f->v[*head], op->kind))
        ++*head;
    for (e = *head; e < f->first[key + 1] && ds->left; e++) {
        struct wgpu *w = &c->g[f->v[e].g];
        struct winst *x = &w->in[f->v[e].k];
        int r;

        if (!slot_open(c, &f->v[e], op->kind) || !incr_spread_ok(c, w, t))
            continue;
        r = incr_next_replica(c, t);
        x->demand = t;
        x->replica = r;
        x->kept = 2;
        x->vgpu_type = op->vgpu_type;
        x->option = o;
        w->kind = (int)op->kind;
        w->open = false;
        incr_mark(c, t, r, o);
        incr_grow_clients(c, x);
    }
}

void
incr_take_slots(struct ctx *c)
{
    const struct gpv_pack_result *fr = &c->fresh->result;
    struct free_slots f;
    size_t t, i;
    bool *split = NULL;

    free_slots_build(&f, c);
    /* Only GPUs with a slot nobody keeps can give one: on a large site, few of them. */
    if (f.first[c->p->nmodels * GPV_MIG_MAX_PROFILES] == 0)
        goto out;
    /* The tenants the fresh plan splits over several options. */
    split = xcalloc(c->p->ndemands + 1, sizeof(*split));
    for (i = 0; i < fr->ninsts; i++)
        if (fr->insts[i].demand >= 0 && fr->insts[i].option != fr->choice[fr->insts[i].demand])
            split[fr->insts[i].demand] = true;
    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        int o = ds->option >= 0 ? ds->option : fr->choice[t];
        size_t q;

        if (o < 0 || !ds->left)
            continue;
        take_option(c, &f, (int)t, o);
        /* A tenant split (by the fresh plan or in CURRENT) takes instances of its other
           options' profiles too. */
        if (!split[t] && !incr_split(c, (int)t))
            continue;
        for (q = 0; q < c->p->demands[t].noptions && ds->left; q++)
            if ((int)q != o)
                take_option(c, &f, (int)t, (int)q);
    }
out:
    free(split);
    free_slots_release(&f);
}
