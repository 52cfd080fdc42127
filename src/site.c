/* Node identities of a plan's GPUs: which node and index each GPU of a fleet with nodes gets. */
#include "gpuvplan/site.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

void
gpv_site_init(struct gpv_site *s)
{
    memset(s, 0, sizeof(*s));
}

void
gpv_site_release(struct gpv_site *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; s->nodes && i < s->nnodes; i++)
        free(s->nodes[i].gpu);
    free(s->nodes);
    free(s->node_of);
    free(s->index_of);
    for (i = 0; s->issues && i < s->nissues; i++)
        free(s->issues[i]);
    free(s->issues);
    memset(s, 0, sizeof(*s));
}

void
gpv_site_model_nodes(struct gpv_pack_model *m, const struct gpv_fleet_entry *fe)
{
    m->nodes = (int)fe->nnodes;
    m->gpus_per_node = fe->nnodes ? fe->gpus_per_node : 0;
    m->single = fe->nnodes && fe->mig_strategy == GPV_MIG_SINGLE;
    m->share_replicas = fe->sharing != GPV_SHARING_NONE ? fe->sharing_replicas : 0;
    m->share_kind = fe->sharing == GPV_SHARING_MPS ? GPV_PACK_MPS : GPV_PACK_TIME_SLICING;
}

/* A group of GPUs that must share a node: one GPU, or the GPUs of one multi-GPU replica. */
struct bundle {
    size_t first; /* into the entry's GPU list */
    size_t n;
    int cls;    /* single strategy: the MIG profile of its GPUs, -1 without MIG */
    size_t pos; /* the result position of its first GPU, for a stable order */
};

/* What one GPU of an entry is, for grouping into bundles. */
struct item {
    size_t gpu;      /* index into the result's GPUs */
    long long whole; /* multi-GPU replica key (demand * 2^24 + replica + 1), or 0 */
};

static int
item_cmp(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;

    if (a->whole != b->whole)
        return a->whole < b->whole ? -1 : 1;
    return a->gpu < b->gpu ? -1 : (a->gpu > b->gpu);
}

static int
bundle_cmp(const void *pa, const void *pb)
{
    const struct bundle *a = pa, *b = pb;

    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

/* Per node of one entry while assigning. */
struct slotting {
    int used;   /* indexes given out */
    int cls;    /* single strategy: the class of its GPUs; -2 while empty */
    int *marks; /* spread-by-node demands it holds */
    size_t nmarks, capmarks;
};

static bool
holds(const struct slotting *n, int demand)
{
    size_t i;

    for (i = 0; i < n->nmarks; i++)
        if (n->marks[i] == demand)
            return true;
    return false;
}

static void
mark(struct slotting *n, int demand)
{
    if (holds(n, demand))
        return;
    if (n->nmarks == n->capmarks) {
        n->capmarks = n->capmarks ? 2 * n->capmarks : 8;
        n->marks = xreallocarray(n->marks, n->capmarks, sizeof(int));
    }
    n->marks[n->nmarks++] = demand;
}

static void
add_issue(struct gpv_site *s, char *line)
{
    size_t i;

    for (i = 0; i < s->nissues; i++) {
        if (!strcmp(s->issues[i], line)) {
            free(line);
            return;
        }
    }
    s->issues = xreallocarray(s->issues, s->nissues + 1, sizeof(char *));
    s->issues[s->nissues++] = line;
}

/* The first spread-by-node demand of bundle b that node n already holds, or -1. */
static int
conflicting(const struct gpv_pack_problem *p, const struct gpv_pack_result *r,
            const struct item *items, const struct bundle *b, const struct slotting *n)
{
    size_t i, k;

    for (i = 0; i < b->n; i++) {
        const struct gpv_pack_gpu *g = &r->gpus[items[b->first + i].gpu];

        for (k = 0; k < g->ninsts; k++) {
            int d = r->insts[g->first + k].demand;

            if (p->demands[d].spread_nodes && holds(n, d))
                return d;
        }
    }
    return -1;
}

/* True when bundle b may go on node n: no spread-by-node demand of b already there. */
static bool
spread_ok(const struct gpv_pack_problem *p, const struct gpv_pack_result *r,
          const struct item *items, const struct bundle *b, const struct slotting *n)
{
    return conflicting(p, r, items, b, n) < 0;
}

/* Assigns the GPUs of model entry m (nodes s->nodes[n0 .. n0 + nn)) to node indexes. */
static void
assign_entry(struct gpv_site *s, const struct gpv_tenants *file, const struct gpv_pack_problem *p,
             const struct gpv_pack_result *r, int m, size_t n0, size_t nn)
{
    const struct gpv_pack_model *pm = &p->models[m];
    const struct gpv_fleet_entry *fe = s->nodes[n0].entry;
    int gpn = fe->gpus_per_node;
    struct item *items = NULL;
    struct bundle *bundles = NULL;
    struct slotting *sl = xcalloc(nn + 1, sizeof(*sl));
    size_t ni = 0, nb = 0, lo = 0, g, i, j, k;

    for (g = 0; g < r->ngpus; g++)
        ni += r->gpus[g].model == m;
    items = xcalloc(ni + 1, sizeof(*items));
    for (ni = 0, g = 0; g < r->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &r->gpus[g];

        if (pg->model != m)
            continue;
        items[ni].gpu = g;
        if (pg->kind == GPV_PACK_WHOLE && pg->ninsts) {
            const struct gpv_pack_inst *x = &r->insts[pg->first];
            const struct gpv_pack_demand *dm = &p->demands[x->demand];

            if (dm->options[x->option].gpus > 1)
                items[ni].whole = ((long long)x->demand << 24) + x->replica + 1;
        }
        ni++;
    }
    qsort(items, ni, sizeof(*items), item_cmp);
    bundles = xcalloc(ni + 1, sizeof(*bundles));
    for (i = 0; i < ni; i = j) {
        const struct gpv_pack_gpu *pg = &r->gpus[items[i].gpu];

        for (j = i + 1; j < ni && items[i].whole && items[j].whole == items[i].whole; j++)
            ;
        bundles[nb].first = i;
        bundles[nb].n = j - i;
        bundles[nb].pos = items[i].gpu;
        bundles[nb].cls = -1;
        if (pm->single && (pg->kind == GPV_PACK_MIG || pg->kind == GPV_PACK_MIG_VGPU) && pg->ninsts)
            bundles[nb].cls = r->insts[pg->first].profile;
        nb++;
    }
    /* Result order, except that a single-strategy entry takes one class after another. */
    qsort(bundles, nb, sizeof(*bundles), bundle_cmp);
    for (k = 0; k < nn; k++)
        sl[k].cls = -2;
    for (i = 0; i < nb; i++) {
        const struct bundle *b = &bundles[i];
        long pick = -1;
        int d;

        /* Nodes before lo are full: start there, so that large fleets stay linear. */
        while (lo < nn && sl[lo].used >= gpn)
            lo++;
        for (k = lo; k < nn && pick < 0; k++) {
            if (gpn - sl[k].used < (int)b->n)
                continue;
            if (pm->single && sl[k].cls != -2 && sl[k].cls != b->cls)
                continue;
            if (!spread_ok(p, r, items, b, &sl[k]))
                continue;
            pick = (long)k;
        }
        if (pick < 0) {
            /* Keep the capacity, break the constraint, and say so. */
            for (k = lo; k < nn && pick < 0; k++)
                if (gpn - sl[k].used >= (int)b->n)
                    pick = (long)k;
            if (pick >= 0 && (d = conflicting(p, r, items, b, &sl[pick])) >= 0)
                add_issue(s, xasprintf("tenant '%s': spread: node, but two of its replicas "
                                       "share node '%s' (no node with a free index was left "
                                       "for the second)",
                                       file->tenants[d].name, s->nodes[n0 + pick].name));
            if (pick >= 0 && pm->single && sl[pick].cls != -2 && sl[pick].cls != b->cls)
                add_issue(s, xasprintf("node '%s': mig_strategy single, but its GPUs carry "
                                       "more than one MIG profile",
                                       s->nodes[n0 + pick].name));
        }
        for (j = 0; j < b->n; j++) {
            size_t at = (size_t)pick;
            const struct gpv_pack_gpu *pg = &r->gpus[items[b->first + j].gpu];

            if (pick < 0 || sl[at].used >= gpn) {
                /* A multi-GPU replica that no node has room for in one piece. */
                for (at = lo; at < nn && sl[at].used >= gpn; at++)
                    ;
                if (at == nn)
                    break; /* cannot happen: the limit is nodes x GPUs per node */
                if (j == 0 || pick < 0)
                    add_issue(s, xasprintf("node '%s': a multi-GPU passthrough replica is split "
                                           "across nodes",
                                           s->nodes[n0 + at].name));
            }
            s->node_of[items[b->first + j].gpu] = (int)(n0 + at);
            s->index_of[items[b->first + j].gpu] = sl[at].used;
            s->nodes[n0 + at].gpu[sl[at].used] = items[b->first + j].gpu;
            sl[at].used++;
            if (sl[at].cls == -2)
                sl[at].cls = b->cls;
            for (k = 0; k < pg->ninsts; k++)
                if (p->demands[r->insts[pg->first + k].demand].spread_nodes)
                    mark(&sl[at], r->insts[pg->first + k].demand);
        }
    }
    for (k = 0; k < nn; k++)
        free(sl[k].marks);
    free(sl);
    free(items);
    free(bundles);
}

/* Sort key of a result GPU once nodes are known. */
struct gkey {
    size_t gpu;
    int model, node, index;
};

static int
gkey_cmp(const void *pa, const void *pb)
{
    const struct gkey *a = pa, *b = pb;

    if (a->model != b->model)
        return a->model < b->model ? -1 : 1;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    return a->gpu < b->gpu ? -1 : (a->gpu > b->gpu);
}

/* Puts r->gpus in (model entry, node, index) order; untouched when no GPU has a node. */
static void
reorder(struct gpv_site *s, struct gpv_pack_result *r)
{
    struct gkey *keys = xcalloc(r->ngpus + 1, sizeof(*keys));
    struct gpv_pack_gpu *gpus = xcalloc(r->ngpus + 1, sizeof(*gpus));
    size_t *where = xcalloc(r->ngpus + 1, sizeof(size_t));
    int *node_of = xcalloc(r->ngpus + 1, sizeof(int));
    int *index_of = xcalloc(r->ngpus + 1, sizeof(int));
    size_t g, i, k;

    for (g = 0; g < r->ngpus; g++) {
        keys[g].gpu = g;
        keys[g].model = r->gpus[g].model;
        keys[g].node = s->node_of[g];
        keys[g].index = s->index_of[g];
    }
    /* Node-less GPUs have node -1 and keep their relative order within their entry. */
    qsort(keys, r->ngpus, sizeof(*keys), gkey_cmp);
    for (g = 0; g < r->ngpus; g++) {
        gpus[g] = r->gpus[keys[g].gpu];
        node_of[g] = s->node_of[keys[g].gpu];
        index_of[g] = s->index_of[keys[g].gpu];
        where[keys[g].gpu] = g;
    }
    memcpy(r->gpus, gpus, r->ngpus * sizeof(*gpus));
    memcpy(s->node_of, node_of, r->ngpus * sizeof(int));
    memcpy(s->index_of, index_of, r->ngpus * sizeof(int));
    for (i = 0; i < s->nnodes; i++)
        for (k = 0; k < (size_t)s->nodes[i].entry->gpus_per_node; k++)
            if (s->nodes[i].gpu[k] != GPV_SITE_IDLE)
                s->nodes[i].gpu[k] = where[s->nodes[i].gpu[k]];
    free(keys);
    free(gpus);
    free(where);
    free(node_of);
    free(index_of);
}

void
gpv_site_assign(struct gpv_site *out, const struct gpv_tenants *file,
                const struct gpv_pack_problem *p, struct gpv_pack_result *r)
{
    size_t m, e = 0, k, i, *first = NULL;

    gpv_site_init(out);
    out->ngpus = r->ngpus;
    out->node_of = xcalloc(r->ngpus + 1, sizeof(int));
    out->index_of = xcalloc(r->ngpus + 1, sizeof(int));
    for (i = 0; i < r->ngpus; i++)
        out->node_of[i] = out->index_of[i] = -1;
    if (!file->nfleet)
        return;
    /* Model entries are the fleet's entries in order, less whole models left out: match
     * them up by GPU model, which a left-out entry never shares with a kept one. */
    first = xcalloc(p->nmodels + 1, sizeof(size_t));
    for (m = 0; m < p->nmodels; m++) {
        const struct gpv_fleet_entry *fe;

        while (e < file->nfleet && file->fleet[e].gpu != p->models[m].gpu)
            e++;
        if (e == file->nfleet)
            break;
        fe = &file->fleet[e++];
        first[m] = out->nnodes;
        out->nodes = xreallocarray(out->nodes, out->nnodes + fe->nnodes + 1, sizeof(*out->nodes));
        for (k = 0; k < fe->nnodes; k++) {
            struct gpv_site_node *n = &out->nodes[out->nnodes++];

            n->name = fe->nodes[k];
            n->entry = fe;
            n->model = (int)m;
            n->gpu = xcalloc((size_t)fe->gpus_per_node + 1, sizeof(size_t));
            for (i = 0; i < (size_t)fe->gpus_per_node; i++)
                n->gpu[i] = GPV_SITE_IDLE;
        }
        if (fe->nnodes)
            assign_entry(out, file, p, r, (int)m, first[m], fe->nnodes);
    }
    if (out->nnodes && r->ngpus)
        reorder(out, r);
    free(first);
}
