/* What a plan says about nodes: GPU ids "NODE/INDEX", each node's per-index layout summary,
 * the document's node members, the table's node headings, and check's node checks. The
 * document writer (plan_doc.c) and the table (plan_text.c) call these, so that both say the
 * same. */
#include "plan_int.h"

#include "gpuvplan/emit.h"
#include "gpuvplan/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool *
pl_nodes_ids(char **ids, size_t nids, const struct gpv_plan_src *src)
{
    const struct gpv_site *s = &src->run->site;
    bool *owned = NULL;
    size_t g;

    for (g = 0; g < s->ngpus && g < nids; g++) {
        if (s->node_of[g] < 0)
            continue;
        if (!owned)
            owned = xcalloc(nids + 1, sizeof(bool));
        ids[g] = xasprintf("%s/%d", s->nodes[s->node_of[g]].name, s->index_of[g]);
        owned[g] = true;
    }
    return owned;
}

void
pl_nodes_emit_gpu(struct gpv_emit *e, const struct gpv_plan_src *src, size_t g)
{
    const struct gpv_site *s = &src->run->site;

    if (g < s->ngpus && s->node_of[g] >= 0) {
        gpv_emit_str(e, "node", s->nodes[s->node_of[g]].name);
        gpv_emit_int(e, "index", s->index_of[g]);
    } else {
        gpv_emit_null(e, "node");
        gpv_emit_null(e, "index");
    }
}

/* One node of "nodes": its labels and, per GPU index, what the plan puts there. */
static void
emit_node(struct gpv_emit *e, const struct gpv_plan_src *src, const struct pl_index *ix,
          const struct gpv_site_node *n)
{
    const struct gpv_fleet_entry *fe = n->entry;
    struct gpv_buf b;
    size_t k;

    gpv_emit_obj(e, NULL);
    gpv_emit_str(e, "name", n->name);
    gpv_emit_str(e, "model", fe->gpu->id);
    gpv_emit_int(e, "gpus", fe->gpus_per_node);
    gpv_emit_str(e, "mig_strategy", gpv_mig_strategy_name(fe->mig_strategy));
    if (fe->sharing != GPV_SHARING_NONE) {
        /* Only nodes of an entry that states its sharing carry it (export configures them
           even when the plan leaves them unused). */
        gpv_emit_obj(e, "sharing");
        gpv_emit_str(e, "strategy", gpv_sharing_name(fe->sharing));
        gpv_emit_int(e, "replicas", fe->sharing_replicas);
        gpv_emit_end(e);
    }
    gpv_emit_obj(e, "labels");
    for (k = 0; k < fe->nlabels; k++)
        gpv_emit_str(e, fe->labels[k].key, fe->labels[k].value);
    gpv_emit_end(e);
    gpv_emit_arr(e, "layout", false);
    for (k = 0; k < (size_t)fe->gpus_per_node; k++) {
        size_t g = n->gpu[k];

        gpv_emit_obj(e, NULL);
        gpv_emit_int(e, "index", (long long)k);
        if (g == GPV_SITE_IDLE) {
            gpv_emit_null(e, "gpu");
            gpv_emit_null(e, "mode");
            gpv_emit_str(e, "summary", "unused");
        } else {
            gpv_buf_init(&b);
            pl_gpu_summary(&b, src, g);
            gpv_emit_str(e, "gpu", ix->ids[g]);
            gpv_emit_str(e, "mode", gpv_pack_kind_name(src->run->result.gpus[g].kind));
            gpv_emit_str(e, "summary", gpv_buf_str(&b));
            gpv_buf_release(&b);
        }
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
    gpv_emit_end(e);
}

void
pl_nodes_emit(struct gpv_emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_site *s = &src->run->site;
    size_t i;

    gpv_emit_arr(e, "nodes", false);
    for (i = 0; i < s->nnodes; i++)
        emit_node(e, src, ix, &s->nodes[i]);
    gpv_emit_end(e);
    gpv_emit_arr(e, "node_warnings", false);
    for (i = 0; i < s->nissues; i++)
        gpv_emit_str(e, NULL, s->issues[i]);
    gpv_emit_end(e);
}

void
pl_gpu_summary(struct gpv_buf *b, const struct gpv_plan_src *src, size_t g)
{
    const struct gpv_pack_result *r = &src->run->result;
    const struct gpv_pack_gpu *pg = &r->gpus[g];
    const struct gpv_gpu *gpu = src->run->problem.models[pg->model].gpu;
    size_t i, j;

    gpv_buf_puts(b, gpv_pack_kind_name(pg->kind));
    if (pg->kind == GPV_PACK_WHOLE)
        return;
    if (pg->replicas > 0) {
        /* A shared GPU: its replicas and clients, "time-slicing x4, 3 clients". */
        gpv_buf_printf(b, " x%d, %zu client%s", pg->replicas, pg->ninsts,
                       pg->ninsts == 1 ? "" : "s");
        return;
    }
    /* Runs of one profile or type, in the GPU's instance order: "mig 1g.20gb x4, 3g.40gb". */
    for (i = 0; i < pg->ninsts; i = j) {
        const char *name = pl_inst_profile(gpu, pg->kind, &r->insts[pg->first + i]);

        for (j = i + 1; j < pg->ninsts; j++) {
            const char *next = pl_inst_profile(gpu, pg->kind, &r->insts[pg->first + j]);

            if (!name || !next || strcmp(name, next))
                break;
        }
        gpv_buf_printf(b, "%s %s", i ? "," : "", name ? name : "?");
        if (j - i > 1)
            gpv_buf_printf(b, " x%zu", j - i);
    }
}

void
pl_nodes_heading(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_plan_style *st,
                 size_t g)
{
    const struct gpv_site *s = &src->run->site;
    const struct gpv_site_node *n;
    const struct gpv_fleet_entry *fe;
    size_t i, idle = 0;
    int col;

    if (g >= s->ngpus || s->node_of[g] < 0 || (g > 0 && s->node_of[g - 1] == s->node_of[g]))
        return;
    n = &s->nodes[s->node_of[g]];
    fe = n->entry;
    for (i = 0; i < (size_t)fe->gpus_per_node; i++)
        idle += n->gpu[i] == GPV_SITE_IDLE;
    gpv_buf_printf(b, "%snode %s%s  %s, %d GPUs", st->bold, n->name, st->reset, fe->gpu->id,
                   fe->gpus_per_node);
    if (idle)
        gpv_buf_printf(b, " (%zu unused)", idle);
    if (fe->mig_strategy == GPV_MIG_SINGLE)
        gpv_buf_puts(b, ", mig_strategy single");
    gpv_buf_putc(b, '\n');
    /* Labels under the heading, wrapped within the table's width. */
    for (i = 0, col = 0; i < fe->nlabels; i++) {
        int len = (int)(strlen(fe->labels[i].key) + strlen(fe->labels[i].value)) + 1;

        if (i == 0) {
            gpv_buf_puts(b, "  labels ");
            col = 9;
        } else if (col + 2 + len > st->width) {
            gpv_buf_puts(b, ",\n         ");
            col = 9;
        } else {
            gpv_buf_puts(b, ", ");
            col += 2;
        }
        gpv_buf_printf(b, "%s=%s", fe->labels[i].key, fe->labels[i].value);
        col += len;
    }
    if (fe->nlabels)
        gpv_buf_putc(b, '\n');
}

void
pl_nodes_table_tail(struct gpv_buf *b, const struct gpv_plan_src *src,
                    const struct gpv_plan_style *st)
{
    const struct gpv_site *s = &src->run->site;
    size_t i, k, nidle = 0;

    for (i = 0; i < s->nnodes; i++) {
        for (k = 0; k < (size_t)s->nodes[i].entry->gpus_per_node; k++)
            if (s->nodes[i].gpu[k] != GPV_SITE_IDLE)
                break;
        if (k < (size_t)s->nodes[i].entry->gpus_per_node)
            continue;
        gpv_buf_printf(b, "%s%s", nidle ? ", " : "unused nodes: ", s->nodes[i].name);
        nidle++;
    }
    if (nidle)
        gpv_buf_putc(b, '\n');
    for (i = 0; i < s->nissues; i++)
        gpv_buf_printf(b, "%swarning: %s%s\n", st->red, s->issues[i], st->reset);
}

/* ---- checking a plan's nodes ------------------------------------------------------------- */

/* A check of a plan's nodes under way. */
struct nchk {
    void (*fail)(void *arg, const char *where, const char *what);
    void *arg;
    size_t checks;
    struct cnode *cn; /* the nodes read so far */
    size_t nn;
    struct gpv_names byname; /* cn by name */
    struct rloc *rl;         /* replicas of spread-by-node tenants, located */
    size_t nrl, caprl;
    const char **spread; /* names of the spread-by-node tenants, sorted */
    size_t nsp;
};

static void nfail(struct nchk *c, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void
nfail(struct nchk *c, const char *where, const char *fmt, ...)
{
    char what[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    c->fail(c->arg, where, what);
}

/* A string member, or NULL when absent or not a string. */
static const char *
str_of(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    return v && v->type == GPV_V_STR ? v->s : NULL;
}

/* An integer member, or -1 when absent, null or not an integer. */
static long long
int_of(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    return v && v->type == GPV_V_INT ? v->i : -1;
}

/* One node of the plan while checking. */
struct cnode {
    const char *name;
    const char *model;
    long long gpus;
    bool single;
    size_t *gpu;         /* per index: the gpus[] item there, or GPV_SITE_IDLE */
    const char *profile; /* single: the MIG profile seen first */
    const char *sharing; /* the node's stated sharing strategy, or NULL */
    long long replicas;  /* with sharing: its replicas */
};

/* A replica of a spread-by-node tenant, located. */
struct rloc {
    const char *tenant;
    long long replica;
    size_t node;
};

static int
rloc_cmp(const void *pa, const void *pb)
{
    const struct rloc *a = pa, *b = pb;
    int c = strcmp(a->tenant, b->tenant);

    if (c)
        return c;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    return a->replica < b->replica ? -1 : (a->replica > b->replica);
}

static int
cstr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index in c->cn of the node called name, or -1. */
static long
find_node(const struct nchk *c, const char *name)
{
    size_t k = gpv_names_find(&c->byname, name);

    return k == SIZE_MAX ? -1 : (long)k;
}

/* Collects the names of the spread-by-node tenants of tenants[] (a list) into c, sorted. */
static void
spread_names(struct nchk *c, const struct gpv_val *tenants)
{
    size_t i;

    c->spread = xcalloc(tenants->n + 1, sizeof(char *));
    for (i = 0; i < tenants->n; i++) {
        const struct gpv_val *sn = gpv_val_get(tenants->items[i], "spread_nodes");

        if (sn && sn->type == GPV_V_BOOL && sn->b && str_of(tenants->items[i], "name"))
            c->spread[c->nsp++] = str_of(tenants->items[i], "name");
    }
    if (c->nsp)
        qsort(c->spread, c->nsp, sizeof(char *), cstr_cmp);
}

/* Checks nodes[i] = n; adds it to c->cn unless it has no name, is a duplicate or has a bad GPU
 * count. */
static void
check_node(struct nchk *c, const struct gpv_db *db, const struct gpv_val *n, size_t i)
{
    const struct gpv_val *labels, *layout;
    const char *name = str_of(n, "name"), *model = str_of(n, "model");
    const char *strategy = str_of(n, "mig_strategy");
    long long ngpus = int_of(n, "gpus");
    struct cnode *cn;
    struct gpv_error e;
    char where[512];
    size_t k;

    c->checks++;
    if (!name) {
        snprintf(where, sizeof(where), "node %zu", i + 1);
        nfail(c, where, "has no name");
        return;
    }
    snprintf(where, sizeof(where), "node '%s'", name);
    if (!gpv_node_name_valid(name))
        nfail(c, where, "is not a valid Kubernetes node name");
    if (find_node(c, name) >= 0) {
        nfail(c, where, "is listed more than once in nodes");
        return;
    }
    if (!model || !gpv_db_find(db, model))
        nfail(c, where, "%s", pl_model_problem(&e, db, model));
    if (ngpus < 1 || ngpus > GPV_NODE_GPUS_MAX) {
        nfail(c, where, "gpus must be from 1 to %d", GPV_NODE_GPUS_MAX);
        return;
    }
    if (!strategy || (strcmp(strategy, "mixed") && strcmp(strategy, "single")))
        nfail(c, where, "mig_strategy must be mixed or single");
    labels = gpv_val_get(n, "labels");
    if (labels && labels->type != GPV_V_OBJ)
        nfail(c, where, "labels must be a mapping");
    for (k = 0; labels && labels->type == GPV_V_OBJ && k < labels->n; k++) {
        if (!gpv_label_key_valid(labels->keys[k]))
            nfail(c, where, "label key '%s' is not a valid Kubernetes label key", labels->keys[k]);
        else if (labels->items[k]->type != GPV_V_STR || !gpv_label_value_valid(labels->items[k]->s))
            nfail(c, where, "label '%s' has no valid Kubernetes label value", labels->keys[k]);
    }
    layout = gpv_val_get(n, "layout");
    if (!layout || layout->type != GPV_V_ARR || layout->n != (size_t)ngpus)
        nfail(c, where, "layout must list its %lld GPU indexes", ngpus);
    else
        for (k = 0; k < layout->n; k++)
            if (int_of(layout->items[k], "index") != (long long)k) {
                nfail(c, where, "layout item %zu is not index %zu", k + 1, k);
                break;
            }
    cn = &c->cn[c->nn++];
    cn->name = name;
    gpv_names_add(&c->byname, name, c->nn - 1);
    cn->model = model;
    cn->gpus = ngpus;
    cn->single = strategy && !strcmp(strategy, "single");
    cn->sharing = gpv_val_get(n, "sharing") ? str_of(gpv_val_get(n, "sharing"), "strategy") : NULL;
    cn->replicas = cn->sharing ? int_of(gpv_val_get(n, "sharing"), "replicas") : 0;
    cn->gpu = xcalloc((size_t)ngpus + 1, sizeof(size_t));
    for (k = 0; k < (size_t)ngpus; k++)
        cn->gpu[k] = GPV_SITE_IDLE;
}

/* Checks the instances of a GPU on node cn: one MIG profile per single-strategy node; records
 * where the replicas of spread-by-node tenants are. */
static void
check_insts(struct nchk *c, struct cnode *cn, size_t at, const struct gpv_val *insts,
            const char *mode)
{
    char where[512];
    size_t k;

    for (k = 0; insts && insts->type == GPV_V_ARR && k < insts->n; k++) {
        const struct gpv_val *x = insts->items[k];
        const char *prof = str_of(x, "profile"), *tn = str_of(x, "tenant");

        if (cn->single && mode && !strcmp(mode, "mig") && prof) {
            if (!cn->profile)
                cn->profile = prof;
            else if (strcmp(cn->profile, prof)) {
                snprintf(where, sizeof(where), "node '%s'", cn->name);
                nfail(c, where,
                      "mig_strategy single, but its GPUs carry %s and %s (one MIG profile "
                      "per node)",
                      cn->profile, prof);
                cn->single = false; /* said once */
            }
        }
        if (!tn || !c->nsp || !bsearch(&tn, c->spread, c->nsp, sizeof(char *), cstr_cmp))
            continue;
        if (c->nrl == c->caprl) {
            c->caprl = c->caprl ? 2 * c->caprl : 16;
            c->rl = xreallocarray(c->rl, c->caprl, sizeof(*c->rl));
        }
        c->rl[c->nrl].tenant = tn;
        c->rl[c->nrl].replica = int_of(x, "replica");
        c->rl[c->nrl++].node = at;
    }
}

/* Checks gpus[i] against the node it names: index in range and free, model, id, instances. */
static void
check_gpu(struct nchk *c, const struct gpv_val *gpus, size_t i)
{
    const struct gpv_val *g = gpus->items[i], *nv = gpv_val_get(g, "node");
    const char *id = str_of(g, "id"), *model = str_of(g, "model");
    long long index = int_of(g, "index");
    struct cnode *cn;
    char where[512];
    long at;

    if (!nv || nv->type == GPV_V_NULL) {
        if (gpv_val_get(g, "index") && gpv_val_get(g, "index")->type != GPV_V_NULL) {
            snprintf(where, sizeof(where), "gpu '%s'", id ? id : "?");
            nfail(c, where, "has an index but no node");
        }
        return;
    }
    c->checks++;
    snprintf(where, sizeof(where), "gpu '%s'", id ? id : "?");
    if (nv->type != GPV_V_STR || (at = find_node(c, nv->s)) < 0) {
        nfail(c, where, "is on node '%s', which is not in nodes",
              nv->type == GPV_V_STR ? nv->s : "?");
        return;
    }
    cn = &c->cn[at];
    if (index < 0 || index >= cn->gpus) {
        nfail(c, where, "index must be from 0 to %lld on node '%s'", cn->gpus - 1, cn->name);
        return;
    }
    if (cn->gpu[index] != GPV_SITE_IDLE) {
        nfail(c, where, "index %lld of node '%s' is taken by gpu '%s' too", index, cn->name,
              str_of(gpus->items[cn->gpu[index]], "id"));
        return;
    }
    cn->gpu[index] = i;
    if (model && cn->model && strcmp(model, cn->model))
        nfail(c, where, "is a %s, but node '%s' has %s GPUs", model, cn->name, cn->model);
    if (id) {
        char *want = xasprintf("%s/%lld", cn->name, index);

        if (strcmp(id, want))
            nfail(c, where, "on node '%s' index %lld must have id '%s'", cn->name, index, want);
        free(want);
    }
    /* A node that states its sharing holds only GPUs shared that way. */
    if (cn->sharing && (!str_of(g, "mode") || strcmp(str_of(g, "mode"), cn->sharing) ||
                        int_of(g, "replicas") != cn->replicas))
        nfail(c, where, "is in %s mode, but node '%s' shares its GPUs by %s with %lld replicas",
              str_of(g, "mode") ? str_of(g, "mode") : "no", cn->name, cn->sharing, cn->replicas);
    check_insts(c, cn, (size_t)at, gpv_val_get(g, "instances"), str_of(g, "mode"));
}

/* Spread by node: no node holds two replicas of such a tenant. */
static void
check_spread(struct nchk *c)
{
    struct rloc *rl = c->rl;
    char where[512];
    size_t i;

    if (c->nrl)
        qsort(rl, c->nrl, sizeof(*rl), rloc_cmp);
    for (i = 1; i < c->nrl; i++) {
        if (strcmp(rl[i].tenant, rl[i - 1].tenant) || rl[i].node != rl[i - 1].node ||
            rl[i].replica == rl[i - 1].replica)
            continue;
        if (i >= 2 && !strcmp(rl[i - 2].tenant, rl[i].tenant) && rl[i - 2].node == rl[i].node &&
            rl[i - 2].replica != rl[i - 1].replica)
            continue;
        snprintf(where, sizeof(where), "tenant '%s'", rl[i].tenant);
        nfail(c, where, "spread: node, but replicas %lld and %lld share node '%s'",
              rl[i - 1].replica, rl[i].replica, c->cn[rl[i].node].name);
    }
    c->checks += c->nrl ? 1 : 0;
}

size_t
pl_nodes_check(const struct gpv_val *plan, const struct gpv_db *db,
               void (*fail)(void *arg, const char *where, const char *what), void *arg)
{
    const struct gpv_val *nodes = gpv_val_get(plan, "nodes");
    const struct gpv_val *gpus = gpv_val_get(plan, "gpus");
    const struct gpv_val *tenants = gpv_val_get(plan, "tenants");
    struct nchk c;
    size_t i;

    memset(&c, 0, sizeof(c));
    c.fail = fail;
    c.arg = arg;
    if (nodes && nodes->type != GPV_V_ARR) {
        nfail(&c, "plan", "'nodes' is not a list");
        return 1;
    }
    c.cn = xcalloc((nodes ? nodes->n : 0) + 1, sizeof(*c.cn));
    if (tenants && tenants->type == GPV_V_ARR)
        spread_names(&c, tenants);
    for (i = 0; nodes && i < nodes->n; i++)
        check_node(&c, db, nodes->items[i], i);
    for (i = 0; gpus && gpus->type == GPV_V_ARR && i < gpus->n; i++)
        check_gpu(&c, gpus, i);
    check_spread(&c);
    for (i = 0; i < c.nn; i++)
        free(c.cn[i].gpu);
    free(c.cn);
    gpv_names_release(&c.byname);
    free(c.rl);
    free(c.spread);
    return c.checks;
}
