/* Two plans or states compared GPU by GPU and tenant by tenant (docs/diff.md). */
#include "diff_int.h"

#include "gpuvplan/diff.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/mig_text.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
gpv_diff_gpu_change_name(enum gpv_diff_gpu_change c)
{
    static const char *const names[] = {"same", "in-place", "reconfigured", "added", "removed"};

    return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

const char *
gpv_diff_gpu_mark(enum gpv_diff_gpu_change c, const char *same)
{
    switch (c) {
    case GPV_DIFF_ADDED:
        return "+";
    case GPV_DIFF_REMOVED:
        return "-";
    case GPV_DIFF_IN_PLACE:
        return "~";
    case GPV_DIFF_RECONFIGURED:
        return "!";
    default:
        return same;
    }
}

const char *
gpv_diff_tenant_change_name(enum gpv_diff_tenant_change c)
{
    static const char *const names[] = {"stays", "moves", "new", "removed"};

    return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* What a GPU's configuration is, as far as both kinds of document can see it. */
enum cls { C_NONE, C_OPAQUE, C_WHOLE, C_VGPU, C_MIG };

static enum cls
cls_of(const struct gpv_diff_gpu *g)
{
    if (!g)
        return C_NONE;
    if (!strcmp(g->mode, "whole"))
        return C_OPAQUE;
    if (!strcmp(g->mode, "passthrough"))
        return C_WHOLE;
    if (!strcmp(g->mode, "vgpu"))
        return C_VGPU;
    return C_MIG;
}

static bool
same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* The layout in words: "mig 1g.10gb@0 3g.40gb@4", "vgpu L40S-8Q x4", "unused". */
static char *
layout_words(const struct gpv_diff_gpu *g)
{
    struct gpv_buf b = {0};
    size_t i, k;

    if (!g) {
        gpv_buf_puts(&b, "unused");
        return gpv_buf_detach(&b);
    }
    gpv_buf_puts(&b, g->mode);
    if (g->replicas > 0)
        gpv_buf_printf(&b, " x%d", g->replicas);
    if (!strcmp(g->mode, "passthrough") || !strcmp(g->mode, "vgpu")) {
        for (i = 0; i < g->ninsts; i++) {
            size_t n = 0;

            for (k = 0; k < i; k++)
                if (same_str(g->insts[k].profile, g->insts[i].profile))
                    break;
            if (k < i)
                continue;
            for (k = i; k < g->ninsts; k++)
                n += same_str(g->insts[k].profile, g->insts[i].profile);
            if (!strcmp(g->mode, "passthrough"))
                gpv_buf_printf(&b, " %s", g->insts[i].tenant ? g->insts[i].tenant : "-");
            else
                gpv_buf_printf(&b, n > 1 ? " %s x%zu" : " %s", g->insts[i].profile, n);
            if (!strcmp(g->mode, "passthrough"))
                break;
        }
        return gpv_buf_detach(&b);
    }
    for (i = 0; i < g->ninsts; i++) {
        if (g->insts[i].start >= 0)
            gpv_buf_printf(&b, " %s@%d", g->insts[i].profile, g->insts[i].start);
        else
            gpv_buf_printf(&b, " %s", g->insts[i].profile);
        if (g->insts[i].clients > 0) /* a time-sliced MIG instance: its clients */
            gpv_buf_printf(&b, "x%d", g->insts[i].clients);
    }
    if (!strcmp(g->mode, "mig") && !g->ninsts)
        gpv_buf_puts(&b, g->starts_known ? " (no instances)" : " (instances unknown)");
    else if (!g->starts_known && g->ninsts)
        gpv_buf_puts(&b, " (starts unknown)");
    return gpv_buf_detach(&b);
}

/* Instances of o and n that are the same slot (profile, start; vGPU: type, start). */
static bool
same_slot(const struct gpv_diff_inst *a, const struct gpv_diff_inst *b, bool by_start)
{
    return same_str(a->profile, b->profile) && (!by_start || a->start == b->start);
}

static bool
same_use(const struct gpv_diff_inst *a, const struct gpv_diff_inst *b)
{
    return same_str(a->tenant, b->tenant) && a->replica == b->replica &&
           same_str(a->vgpu_type, b->vgpu_type) && a->ts_replicas == b->ts_replicas;
}

/*
 * Matches the instances of o and n slot for slot; kept_o[i] / kept_n[j] say which survive.
 * Returns whether every kept slot keeps its user (tenant and replica, vGPU type).
 */
static bool
match_slots(bool *kept_o, bool *kept_n, const struct gpv_diff_gpu *o, const struct gpv_diff_gpu *n,
            bool by_start, bool users)
{
    size_t i, j;
    bool same_users = true;

    /* Same user first, so that a slot swap between two tenants is not hidden. */
    for (i = 0; i < o->ninsts; i++)
        for (j = 0; j < n->ninsts; j++)
            if (!kept_n[j] && same_slot(&o->insts[i], &n->insts[j], by_start) &&
                (!users || same_use(&o->insts[i], &n->insts[j]))) {
                kept_o[i] = kept_n[j] = true;
                break;
            }
    for (i = 0; i < o->ninsts; i++)
        for (j = 0; j < n->ninsts && !kept_o[i]; j++)
            if (!kept_n[j] && same_slot(&o->insts[i], &n->insts[j], by_start)) {
                kept_o[i] = kept_n[j] = true;
                same_users = !users ? same_users : false;
            }
    return same_users;
}

static bool
overlaps(const struct gpv_diff_inst *a, const struct gpv_diff_inst *b)
{
    return a->start < b->start + b->size && b->start < a->start + a->size;
}

/* Compares one GPU of both sides; fills change, destroyed and notes bits. */
static void
compare_gpu(struct gpv_diff_gpu_row *r, bool plans, bool *opaque_note)
{
    const struct gpv_diff_gpu *o = r->old, *n = r->new;
    enum cls co = cls_of(o), cn = cls_of(n);
    bool *ko = NULL, *kn = NULL;
    size_t i, j, lost = 0, gained = 0;
    bool users, users_kept, by_start, clash = false;

    r->change = GPV_DIFF_SAME;
    if (co == C_OPAQUE || cn == C_OPAQUE) {
        enum cls other = co == C_OPAQUE ? cn : co;

        if (other == C_MIG) {
            r->change = co == C_OPAQUE ? GPV_DIFF_ADDED : GPV_DIFF_REMOVED;
            r->destroyed = co == C_OPAQUE ? 0 : (int)o->ninsts;
        } else if (other != C_NONE && other != C_OPAQUE) {
            *opaque_note = true;
        }
        return;
    }
    if (co == C_NONE || cn == C_NONE) {
        r->change = co == C_NONE ? GPV_DIFF_ADDED : GPV_DIFF_REMOVED;
        r->destroyed = co == C_NONE ? 0 : (int)(co == C_WHOLE ? 1 : o->ninsts);
        return;
    }
    if (co != cn || (plans && strcmp(o->mode, n->mode)) || o->replicas != n->replicas) {
        r->change = GPV_DIFF_RECONFIGURED;
        r->destroyed = (int)(co == C_WHOLE ? 1 : o->ninsts);
        return;
    }
    users = plans;
    by_start = o->starts_known && n->starts_known;
    ko = xcalloc(o->ninsts + 1, sizeof(*ko));
    kn = xcalloc(n->ninsts + 1, sizeof(*kn));
    if (co == C_WHOLE) {
        /* A whole GPU handed to someone else: its one user leaves, nothing else is there. */
        if (!match_slots(ko, kn, o, n, false, users) || o->ninsts != n->ninsts) {
            r->change = GPV_DIFF_IN_PLACE;
            r->destroyed = 1;
        }
        goto out;
    }
    if (co == C_VGPU) {
        /* A different set of types means a different equal-size mode or placements. */
        for (i = 0; i < o->ninsts && !clash; i++) {
            for (j = 0; j < n->ninsts; j++)
                if (same_str(o->insts[i].profile, n->insts[j].profile))
                    break;
            clash = j == n->ninsts && n->ninsts;
        }
        for (j = 0; j < n->ninsts && !clash; j++) {
            for (i = 0; i < o->ninsts; i++)
                if (same_str(o->insts[i].profile, n->insts[j].profile))
                    break;
            clash = i == o->ninsts && o->ninsts;
        }
        by_start = false;
        for (i = 0; i < o->ninsts; i++)
            by_start = by_start || o->insts[i].start >= 0;
    }
    users_kept = match_slots(ko, kn, o, n, by_start, users);
    for (i = 0; i < o->ninsts; i++)
        lost += !ko[i];
    for (j = 0; j < n->ninsts; j++)
        gained += !kn[j];
    if (co == C_MIG && by_start)
        for (i = 0; i < o->ninsts && !clash; i++)
            for (j = 0; j < n->ninsts && !clash; j++)
                clash = !ko[i] && !kn[j] && overlaps(&o->insts[i], &n->insts[j]);
    if (co == C_MIG && !by_start)
        clash = lost && gained; /* without starts only a pure growth or shrink is provable */
    if (clash) {
        r->change = GPV_DIFF_RECONFIGURED;
        r->destroyed = (int)o->ninsts;
    } else {
        /* A time-sliced instance kept by its user with more or fewer clients changes in place
           and destroys nothing (the device plugin's replicas of it stay). */
        for (i = 0; i < o->ninsts && !clash; i++)
            for (j = 0; j < n->ninsts && !clash; j++)
                clash = ko[i] && kn[j] && same_slot(&o->insts[i], &n->insts[j], by_start) &&
                        same_use(&o->insts[i], &n->insts[j]) &&
                        o->insts[i].clients != n->insts[j].clients;
        if (clash)
            r->change = GPV_DIFF_IN_PLACE;
    }
    if (r->change != GPV_DIFF_RECONFIGURED && (lost || gained || !users_kept)) {
        r->change = GPV_DIFF_IN_PLACE;
        r->destroyed = (int)lost;
        if (plans)
            for (i = 0; i < o->ninsts; i++)
                for (j = 0; j < n->ninsts; j++)
                    if (ko[i] && kn[j] && same_slot(&o->insts[i], &n->insts[j], by_start) &&
                        !same_use(&o->insts[i], &n->insts[j])) {
                        r->destroyed++; /* the slot stays, its user changes */
                        break;
                    }
    }
out:
    free(ko);
    free(kn);
}

struct keyed {
    char *key;
    const struct gpv_diff_gpu *g;
    size_t seq;
};

static int
keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c;

    if (!!x->g->node != !!y->g->node)
        return x->g->node ? -1 : 1;
    if (x->g->node) {
        if ((c = strcmp(x->g->node, y->g->node)))
            return c;
        if (x->g->index != y->g->index)
            return x->g->index < y->g->index ? -1 : 1;
        return 0;
    }
    return strcmp(x->key, y->key);
}

static int
row_cmp(const void *a, const void *b, const void *ctx)
{
    const struct gpv_diff_gpu_row *x = a, *y = b;
    const struct gpv_diff_gpu *gx = x->old ? x->old : x->new, *gy = y->old ? y->old : y->new;

    (void)ctx;

    if (!!gx->node != !!gy->node)
        return gx->node ? -1 : 1;
    if (gx->node) {
        int c = strcmp(gx->node, gy->node);

        if (c)
            return c;
        return gx->index < gy->index ? -1 : gx->index > gy->index;
    }
    return 0; /* document order, kept by the stable merge below */
}

static struct keyed *
sorted_keys(const struct gpv_diff_doc *d)
{
    struct keyed *k = xcalloc(d->ngpus + 1, sizeof(*k));
    size_t i;

    for (i = 0; i < d->ngpus; i++) {
        k[i].key = diff_gpu_key(&d->gpus[i]);
        k[i].g = &d->gpus[i];
        k[i].seq = i;
    }
    qsort(k, d->ngpus, sizeof(*k), keyed_cmp);
    return k;
}

static const struct gpv_diff_gpu *
find_key(const struct keyed *k, size_t n, const struct keyed *probe)
{
    const struct keyed *hit = bsearch(probe, k, n, sizeof(*k), keyed_cmp);

    return hit ? hit->g : NULL;
}

/* Where a tenant's replicas are on one side: "gpu profile@start" items, sorted, joined. */
struct where {
    const char *tenant;
    char *place;
};

static int
where_cmp(const void *a, const void *b)
{
    const struct where *x = a, *y = b;
    int c = strcmp(x->tenant, y->tenant);

    return c ? c : strcmp(x->place, y->place);
}

static struct where *
tenant_places(size_t *n, const struct gpv_diff_doc *d)
{
    struct where *w = NULL;
    size_t i, k, cap = 0;

    *n = 0;
    for (i = 0; i < d->ngpus; i++) {
        const struct gpv_diff_gpu *g = &d->gpus[i];
        char *key = diff_gpu_key(g);

        for (k = 0; k < g->ninsts; k++) {
            struct gpv_buf b = {0};

            if (!g->insts[k].tenant)
                continue;
            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                w = xreallocarray(w, cap, sizeof(*w));
            }
            if (!strcmp(g->mode, "passthrough"))
                gpv_buf_printf(&b, "%s", key);
            else if (g->insts[k].start >= 0)
                gpv_buf_printf(&b, "%s %s@%d", key, g->insts[k].profile, g->insts[k].start);
            else
                gpv_buf_printf(&b, "%s %s", key, g->insts[k].profile);
            w[*n].tenant = g->insts[k].tenant;
            w[(*n)++].place = gpv_buf_detach(&b);
        }
        free(key);
    }
    if (*n)
        qsort(w, *n, sizeof(*w), where_cmp);
    return w;
}

/* The places of tenant t in w (sorted), joined by ", ", or "-"; *first set past them. */
static char *
join_places(const struct where *w, size_t n, size_t *at, const char *t)
{
    struct gpv_buf b = {0};
    size_t i = *at;

    while (i < n && strcmp(w[i].tenant, t) < 0)
        i++;
    for (; i < n && !strcmp(w[i].tenant, t); i++)
        gpv_buf_printf(&b, "%s%s", b.len ? ", " : "", w[i].place);
    *at = i;
    if (!b.len)
        gpv_buf_puts(&b, "-");
    return gpv_buf_detach(&b);
}

static void
add_note(struct gpv_diff *d, const char *s)
{
    d->notes = xreallocarray(d->notes, d->nnotes + 1, sizeof(*d->notes));
    d->notes[d->nnotes++] = xstrdup(s);
}

static void
compare_tenants(struct gpv_diff *out, const struct gpv_diff_doc *old,
                const struct gpv_diff_doc *new)
{
    struct where *wo, *wn;
    size_t no, nn, io = 0, in = 0, i, nnames = 0, ndrained = 0;
    const char **drained = NULL;
    const char **names = xcalloc(old->ntenants + new->ntenants + 1, sizeof(*names));

    wo = tenant_places(&no, old);
    wn = tenant_places(&nn, new);
    for (i = 0; i < out->ngpus; i++) {
        const struct gpv_diff_gpu *og = out->gpus[i].old;
        size_t k;

        if (out->gpus[i].change != GPV_DIFF_RECONFIGURED || !og)
            continue;
        drained = xreallocarray(drained, ndrained + og->ninsts + 1, sizeof(*drained));
        for (k = 0; k < og->ninsts; k++)
            if (og->insts[k].tenant)
                drained[ndrained++] = og->insts[k].tenant;
    }
    if (ndrained)
        qsort(drained, ndrained, sizeof(*drained), diff_str_ptr_cmp);
    for (i = 0; i < old->ntenants; i++)
        names[nnames++] = old->tenants[i];
    for (i = 0; i < new->ntenants; i++)
        names[nnames++] = new->tenants[i];
    qsort(names, nnames, sizeof(*names), diff_str_ptr_cmp);
    out->tenants = xcalloc(nnames + 1, sizeof(*out->tenants));
    for (i = 0; i < nnames; i++) {
        struct gpv_diff_tenant_row *t;
        char *from, *to;

        if (i && !strcmp(names[i], names[i - 1]))
            continue;
        from = join_places(wo, no, &io, names[i]);
        to = join_places(wn, nn, &in, names[i]);
        if (!strcmp(from, "-") && !strcmp(to, "-")) {
            free(from);
            free(to);
            continue;
        }
        t = &out->tenants[out->ntenants++];
        t->name = names[i];
        t->from = from;
        t->to = to;
        if (!strcmp(from, to))
            t->change = GPV_DIFF_STAYS;
        else if (!strcmp(from, "-"))
            t->change = GPV_DIFF_NEW;
        else if (!strcmp(to, "-"))
            t->change = GPV_DIFF_GONE;
        else
            t->change = GPV_DIFF_MOVES;
        t->disrupted = t->change == GPV_DIFF_MOVES || t->change == GPV_DIFF_GONE;
        /* A tenant that stays on a drained GPU is disrupted all the same. */
        if (!t->disrupted && ndrained &&
            bsearch(&t->name, drained, ndrained, sizeof(*drained), diff_str_ptr_cmp))
            t->disrupted = true;
        out->disrupted += t->disrupted;
    }
    for (i = 0; i < no; i++)
        free(wo[i].place);
    for (i = 0; i < nn; i++)
        free(wn[i].place);
    free(wo);
    free(wn);
    free(names);
    free(drained);
}

size_t
gpv_diff_compare(struct gpv_diff *out, const struct gpv_diff_doc *old,
                 const struct gpv_diff_doc *new)
{
    struct keyed *ko = sorted_keys(old), *kn = sorted_keys(new);
    bool plans = !old->state && !new->state, opaque = false;
    size_t i, changes = 0;

    memset(out, 0, sizeof(*out));
    out->old_state = old->state;
    out->new_state = new->state;
    out->gpus_old = (int)old->ngpus;
    out->gpus_new = (int)new->ngpus;
    out->cost_old = old->cost;
    out->cost_new = new->cost;
    out->gpus = xcalloc(old->ngpus + new->ngpus + 1, sizeof(*out->gpus));
    /* Old GPUs in document order, then the new ones old lacks: then a stable sort by node. */
    for (i = 0; i < old->ngpus; i++) {
        struct gpv_diff_gpu_row *r = &out->gpus[out->ngpus++];
        struct keyed probe = {NULL, &old->gpus[i], 0};

        probe.key = diff_gpu_key(&old->gpus[i]);
        r->id = probe.key;
        r->old = &old->gpus[i];
        r->new = find_key(kn, new->ngpus, &probe);
    }
    for (i = 0; i < new->ngpus; i++) {
        struct keyed probe = {NULL, &new->gpus[i], 0};

        probe.key = diff_gpu_key(&new->gpus[i]);
        if (find_key(ko, old->ngpus, &probe)) {
            free(probe.key);
            continue;
        }
        out->gpus[out->ngpus].id = probe.key;
        out->gpus[out->ngpus++].new = &new->gpus[i];
    }
    gpv_sort_stable(out->gpus, out->ngpus, sizeof(*out->gpus), row_cmp, NULL);
    for (i = 0; i < out->ngpus; i++) {
        struct gpv_diff_gpu_row *r = &out->gpus[i];

        r->model = (r->new ? r->new : r->old)->model;
        if (r->old && r->new &&strcmp(r->old->model, r->new->model)) {
            r->change = GPV_DIFF_RECONFIGURED; /* a different board in the same slot */
            r->destroyed = (int)r->old->ninsts;
        } else {
            compare_gpu(r, plans, &opaque);
        }
        r->before = layout_words(r->old);
        r->after = layout_words(r->new);
        switch (r->change) {
        case GPV_DIFF_SAME:
            out->same++;
            break;
        case GPV_DIFF_IN_PLACE:
            out->in_place++;
            break;
        case GPV_DIFF_RECONFIGURED:
            out->reconfigured++;
            break;
        case GPV_DIFF_ADDED:
            out->added++;
            break;
        case GPV_DIFF_REMOVED:
            out->removed++;
            break;
        }
        out->drain += r->change == GPV_DIFF_RECONFIGURED ||
                      (r->change == GPV_DIFF_REMOVED && r->destroyed > 0);
        out->destroyed += r->destroyed;
        changes += r->change != GPV_DIFF_SAME;
    }
    if (plans) {
        compare_tenants(out, old, new);
        for (i = 0; i < out->ntenants; i++)
            changes += out->tenants[i].change != GPV_DIFF_STAYS;
    } else {
        out->disrupted = out->destroyed;
        add_note(out, "a state has no tenants: tenants are not compared, and disrupted counts "
                      "the GPU instances destroyed");
    }
    if (opaque)
        add_note(out, "nvidia-smi does not show passthrough or time-sliced vGPU use: a state's "
                      "whole GPU matches an unused, passthrough or vgpu GPU of the plan");
    for (i = 0; i < old->ngpus; i++)
        free(ko[i].key);
    for (i = 0; i < new->ngpus; i++)
        free(kn[i].key);
    free(ko);
    free(kn);
    return changes;
}

void
gpv_diff_release(struct gpv_diff *d)
{
    size_t i;

    if (!d)
        return;
    for (i = 0; i < d->ngpus; i++) {
        free(d->gpus[i].id);
        free(d->gpus[i].before);
        free(d->gpus[i].after);
    }
    free(d->gpus);
    for (i = 0; i < d->ntenants; i++) {
        free(d->tenants[i].from);
        free(d->tenants[i].to);
    }
    free(d->tenants);
    for (i = 0; i < d->nnotes; i++)
        free(d->notes[i]);
    free(d->notes);
    memset(d, 0, sizeof(*d));
}

static void
set_cost(struct gpv_val *o, const char *key, double c)
{
    if (c >= 0)
        gpv_val_set_num(o, key, c);
    else
        gpv_val_set(o, key, gpv_val_null());
}

struct gpv_val *
gpv_diff_build(const struct gpv_diff *d, const char *old_name, const char *new_name)
{
    struct gpv_val *root = gpv_val_obj(), *s, *a;
    size_t i, changes = 0;

    for (i = 0; i < d->ngpus; i++)
        changes += d->gpus[i].change != GPV_DIFF_SAME;
    for (i = 0; i < d->ntenants; i++)
        changes += d->tenants[i].change != GPV_DIFF_STAYS;
    gpv_val_set_str(root, "schema", "gpuvplan.diff/1");
    s = gpv_val_set(root, "old", gpv_val_obj());
    gpv_val_set_str(s, "file", old_name);
    gpv_val_set_str(s, "kind", d->old_state ? "state" : "plan");
    s = gpv_val_set(root, "new", gpv_val_obj());
    gpv_val_set_str(s, "file", new_name);
    gpv_val_set_str(s, "kind", d->new_state ? "state" : "plan");
    gpv_val_set_int(root, "changes", (long long)changes);
    s = gpv_val_set(root, "summary", gpv_val_obj());
    gpv_val_set_int(s, "gpus_to_drain", d->drain);
    gpv_val_set_int(s, "tenants_disrupted", d->disrupted);
    gpv_val_set_int(s, "instances_destroyed", d->destroyed);
    gpv_val_set_int(s, "same", d->same);
    gpv_val_set_int(s, "in_place", d->in_place);
    gpv_val_set_int(s, "reconfigured", d->reconfigured);
    gpv_val_set_int(s, "added", d->added);
    gpv_val_set_int(s, "removed", d->removed);
    gpv_val_set_int(s, "gpus_before", d->gpus_old);
    gpv_val_set_int(s, "gpus_after", d->gpus_new);
    set_cost(s, "cost_per_hour_before", d->cost_old);
    set_cost(s, "cost_per_hour_after", d->cost_new);
    a = gpv_val_set(root, "gpus", gpv_val_arr());
    for (i = 0; i < d->ngpus; i++) {
        const struct gpv_diff_gpu_row *r = &d->gpus[i];
        struct gpv_val *o = gpv_val_push(a, gpv_val_obj());
        const struct gpv_diff_gpu *g = r->new ? r->new : r->old;

        gpv_val_set_str(o, "gpu", r->id);
        gpv_val_set_str(o, "node", g->node);
        if (g->node)
            gpv_val_set_int(o, "index", g->index);
        else
            gpv_val_set(o, "index", gpv_val_null());
        gpv_val_set_str(o, "model", r->model);
        gpv_val_set_str(o, "change", gpv_diff_gpu_change_name(r->change));
        gpv_val_set_str(o, "before", r->before);
        gpv_val_set_str(o, "after", r->after);
        gpv_val_set_int(o, "instances_destroyed", r->destroyed);
    }
    a = gpv_val_set(root, "tenants", gpv_val_arr());
    for (i = 0; i < d->ntenants; i++) {
        const struct gpv_diff_tenant_row *t = &d->tenants[i];
        struct gpv_val *o = gpv_val_push(a, gpv_val_obj());

        gpv_val_set_str(o, "name", t->name);
        gpv_val_set_str(o, "change", gpv_diff_tenant_change_name(t->change));
        gpv_val_set_str(o, "from", t->from);
        gpv_val_set_str(o, "to", t->to);
        gpv_val_set_bool(o, "disrupted", t->disrupted);
    }
    a = gpv_val_set(root, "notes", gpv_val_arr());
    for (i = 0; i < d->nnotes; i++)
        gpv_val_push(a, gpv_val_str(d->notes[i]));
    return root;
}
