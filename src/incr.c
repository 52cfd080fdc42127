/* Incremental planning: keep what runs, fill free space, drain as few GPUs as possible.
 * This file: helpers shared by the steps, the driver and the result document. */
#include "incr_int.h"

#include "gpuvplan/incr.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A document's string as a message may quote it. */
const char *
incr_q(const char *s)
{
    return gpv_quotable(s) ? s : "(unprintable)";
}

const struct gpv_pack_option *
incr_opt_of(const struct ctx *c, int t, int o)
{
    return &c->p->demands[t].options[o];
}

int
incr_parts_of(const struct gpv_pack_option *op)
{
    if (op->kind == GPV_PACK_WHOLE || (op->kind == GPV_PACK_VGPU && op->gpus >= 2))
        return op->gpus;
    return 1;
}

int
incr_need_of(const struct ctx *c, int t, int r)
{
    int o = c->d[t].ropt[r] >= 0 ? c->d[t].ropt[r] : c->d[t].option;

    return o >= 0 ? incr_parts_of(incr_opt_of(c, t, o)) : 1;
}

bool
incr_split(const struct ctx *c, int t)
{
    const struct dstate *ds = &c->d[t];
    int r, first = -1;

    for (r = 0; r < incr_replicas_of(c, t); r++)
        if (ds->ropt[r] >= 0) {
            if (first >= 0 && ds->ropt[r] != first)
                return true;
            first = ds->ropt[r];
        }
    return false;
}

int
incr_replicas_of(const struct ctx *c, int t)
{
    return c->p->demands[t].replicas;
}

int
incr_reps(const struct winst *x)
{
    return x->clients > 0 ? x->clients : 1;
}

void
incr_mark(struct ctx *c, int t, int r, int o)
{
    struct dstate *ds = &c->d[t];

    ds->parts[r] = 1;
    ds->ropt[r] = o;
    if (ds->option < 0)
        ds->option = o;
    ds->left--;
}

int
incr_grow_clients(struct ctx *c, struct winst *x)
{
    const struct gpv_pack_option *op = incr_opt_of(c, x->demand, x->option);
    int n = 0, r;

    if (op->clients < 2)
        return 0;
    if (x->clients < 1)
        x->clients = 1;
    /* The clients of one instance are consecutive replicas (docs/plan.md). */
    while (x->clients < op->clients &&
           (r = x->replica + x->clients) < incr_replicas_of(c, x->demand) &&
           !c->d[x->demand].parts[r]) {
        incr_mark(c, x->demand, r, x->option);
        x->clients++;
        n++;
    }
    return n;
}

void
incr_add_inst(struct wgpu *w, const struct winst *x)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->in = xreallocarray(w->in, w->cap, sizeof(*w->in));
    }
    w->in[w->n++] = *x;
}

struct wgpu *
incr_new_gpu(struct ctx *c, int model, int node, int index, const char *name)
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

void
incr_note(struct gpv_incr *x, const char *s)
{
    size_t i;

    for (i = 0; i < x->nnotes; i++)
        if (!strcmp(x->notes[i], s))
            return;
    x->notes = xreallocarray(x->notes, x->nnotes + 1, sizeof(*x->notes));
    x->notes[x->nnotes++] = xstrdup(s);
}

void
incr_moved(struct ctx *c, int t, char *why)
{
    if (c->d[t].moved)
        free(why);
    else
        c->d[t].moved = why;
}

/* What option o gives, in words: "1g.20gb on h100-80gb", "2 whole l40s". */
char *
incr_option_words(const struct ctx *c, const struct gpv_pack_option *o)
{
    const struct gpv_gpu *gpu = c->p->models[o->model].gpu;

    switch (o->kind) {
    case GPV_PACK_MIG:
        if (o->clients > 1)
            return xasprintf("time-sliced MIG %s on %s, %d clients each",
                             gpu->mig->profiles[o->profile].name, gpu->id, o->clients);
        return xasprintf("MIG %s on %s", gpu->mig->profiles[o->profile].name, gpu->id);
    case GPV_PACK_MIG_VGPU:
    case GPV_PACK_VGPU:
        return xasprintf("vGPU %s on %s", gpu->vgpu->types[o->vgpu_type].name, gpu->id);
    case GPV_PACK_TIME_SLICING:
    case GPV_PACK_MPS:
        return xasprintf("a %s client of %s", gpv_pack_kind_name(o->kind), gpu->id);
    default:
        return xasprintf("%d whole %s", o->gpus, gpu->id);
    }
}

/* What a drain may change in c, kept to undo it: the GPUs with their instances, and per demand
 * its placed replicas, whether it moved and the packer's reasons. */
struct undo {
    size_t ng;
    struct wgpu *g;
    struct dstate *d;
    bool *moved; /* per demand: had it a reason to move already */
};

static void
undo_save(struct undo *u, const struct ctx *c)
{
    size_t i, t, k;

    u->ng = c->ng;
    u->g = xcalloc(c->ng + 1, sizeof(*u->g));
    for (i = 0; i < c->ng; i++) {
        u->g[i] = c->g[i];
        u->g[i].cap = c->g[i].n;
        u->g[i].in = xcalloc(c->g[i].n + 1, sizeof(*u->g[i].in));
        memcpy(u->g[i].in, c->g[i].in, c->g[i].n * sizeof(*u->g[i].in));
    }
    u->d = xcalloc(c->p->ndemands + 1, sizeof(*u->d));
    u->moved = xcalloc(c->p->ndemands + 1, sizeof(*u->moved));
    for (t = 0; t < c->p->ndemands; t++) {
        const struct dstate *ds = &c->d[t];
        size_t n = (size_t)incr_replicas_of(c, (int)t);

        u->d[t] = *ds;
        u->d[t].parts = xcalloc(n + 1, sizeof(int));
        u->d[t].ropt = xcalloc(n + 1, sizeof(int));
        memcpy(u->d[t].parts, ds->parts, n * sizeof(int));
        memcpy(u->d[t].ropt, ds->ropt, n * sizeof(int));
        u->d[t].moved = NULL;
        u->moved[t] = ds->moved != NULL;
        u->d[t].why = ds->nwhy ? xcalloc(ds->nwhy, sizeof(char *)) : NULL;
        for (k = 0; k < ds->nwhy; k++)
            u->d[t].why[k] = xstrdup(ds->why[k]);
    }
}

/* Frees what u holds. */
static void
undo_release(struct undo *u, const struct ctx *c)
{
    size_t i, t;

    for (i = 0; u->g && i < u->ng; i++)
        free(u->g[i].in);
    free(u->g);
    for (t = 0; u->d && t < c->p->ndemands; t++) {
        free(u->d[t].parts);
        free(u->d[t].ropt);
        incr_clear_why(&u->d[t]);
    }
    free(u->d);
    free(u->moved);
    memset(u, 0, sizeof(*u));
}

/* Puts c back as u saved it, and releases u. A reason to move given since is taken back. */
static void
undo_restore(struct undo *u, struct ctx *c)
{
    size_t i, t;

    for (i = u->ng; i < c->ng; i++) {
        if (c->g[i].node >= 0)
            c->slot[c->g[i].node][c->g[i].index] = -1;
        free(c->g[i].in);
    }
    for (i = 0; i < u->ng; i++) {
        free(c->g[i].in);
        c->g[i] = u->g[i];
        u->g[i].in = NULL;
    }
    c->ng = u->ng;
    for (t = 0; t < c->p->ndemands; t++) {
        struct dstate *ds = &c->d[t];
        size_t n = (size_t)incr_replicas_of(c, (int)t);

        if (!u->moved[t]) {
            free(ds->moved);
            ds->moved = NULL;
        }
        memcpy(ds->parts, u->d[t].parts, n * sizeof(int));
        memcpy(ds->ropt, u->d[t].ropt, n * sizeof(int));
        ds->option = u->d[t].option;
        ds->left = u->d[t].left;
        incr_clear_why(ds);
        ds->why = u->d[t].why;
        ds->nwhy = u->d[t].nwhy;
        u->d[t].why = NULL;
        u->d[t].nwhy = 0;
    }
    undo_release(u, c);
}

/* Has a demand whose replicas were all placed when u was saved some left now? */
static bool
undo_leaves_out(const struct undo *u, const struct ctx *c)
{
    size_t t;

    for (t = 0; t < c->p->ndemands; t++)
        if (c->p->demands[t].noptions && !u->d[t].left && c->d[t].left)
            return true;
    return false;
}

int
gpv_incr_plan(struct gpv_incr *out, const struct gpv_plan_run *fresh,
              const struct gpv_tenants *file, const struct gpv_diff_doc *cur, int max_reconfigure,
              struct gpv_error *err)
{
    struct ctx c;
    size_t t, i, nreps;
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
    c.idle_from = xcalloc(c.p->nmodels + 1, sizeof(int));
    /* Every demand's parts and ropt in one block (18,000 demands: two allocations each). */
    for (t = 0, nreps = 0; t < c.p->ndemands; t++)
        nreps += (size_t)incr_replicas_of(&c, (int)t) + 1;
    c.reps = xcalloc(2 * nreps + 1, sizeof(int));
    for (t = 0, nreps = 0; t < c.p->ndemands; t++) {
        int r, n = incr_replicas_of(&c, (int)t);

        c.d[t].option = -1;
        c.d[t].parts = c.reps + nreps;
        c.d[t].ropt = c.reps + nreps + (size_t)n + 1;
        nreps += 2 * ((size_t)n + 1);
        for (r = 0; r < n; r++)
            c.d[t].ropt[r] = -1;
    }
    c.slot = xcalloc(fresh->site.nnodes + 1, sizeof(*c.slot));
    for (i = 0; i < fresh->site.nnodes; i++) {
        int ix, n = fresh->site.nodes[i].entry->gpus_per_node;

        c.slot[i] = xcalloc((size_t)n + 1, sizeof(int));
        for (ix = 0; ix < n; ix++)
            c.slot[i][ix] = -1;
    }
    incr_read_current(&c, cur);
    incr_settle(&c);
    incr_take_slots(&c);
    incr_fill_clients(&c);
    incr_fill_in_place(&c);
    if ((rc = incr_pack_rest(&c, err)))
        goto out;
    while (incr_left_total(&c) && (max_reconfigure < 0 || out->reconfigured < max_reconfigure)) {
        struct undo u;

        before = incr_left_total(&c);
        undo_save(&u, &c);
        if (!incr_drain_one(&c)) {
            undo_release(&u, &c);
            break;
        }
        memset(c.cursor, 0, sizeof(int) * (c.p->nmodels * 4 * GPV_MIG_MAX_PROFILES + 1));
        incr_fill_clients(&c);
        incr_fill_in_place(&c);
        if ((rc = incr_pack_rest(&c, err))) {
            undo_release(&u, &c);
            goto out;
        }
        if (incr_left_total(&c) < before && !undo_leaves_out(&u, &c)) {
            undo_release(&u, &c);
            continue;
        }
        /* Draining placed nothing more, or it would leave out a tenant placed before it (a
           plan places all replicas of a tenant or none): the drain is undone (its tenants may
           have been packed back as they were, but nothing was gained and the GPU is not
           counted as drained), and no other GPU is drained. */
        undo_restore(&u, &c);
        out->reconfigured--;
        break;
    }
    for (t = 0; t < c.p->ndemands; t++)
        if (c.d[t].moved) {
            out->moves = xreallocarray(out->moves, out->nmoves + 1, sizeof(*out->moves));
            out->moves[out->nmoves].tenant = (int)t;
            out->moves[out->nmoves++].reason = c.d[t].moved;
            c.d[t].moved = NULL;
        }
    if (cur->state)
        incr_note(out, "a state names no tenants: its GPU instances are taken by tenants that need "
                       "their profile, and those nobody takes are released");
    if (out->reconfigured)
        incr_note(out, "drained GPUs are chosen by the fewest replicas on them, one at a time, "
                       "while draining places more");
    incr_build_result(&c);
out:
    for (t = 0; t < c.p->ndemands; t++) {
        free(c.d[t].moved);
        incr_clear_why(&c.d[t]);
    }
    free(c.reps);
    for (i = 0; i < c.ng; i++)
        free(c.g[i].in);
    free(c.g);
    free(c.d);
    free(c.cursor);
    free(c.idle_from);
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
