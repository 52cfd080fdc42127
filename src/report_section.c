/* The HTML report of a plan: its GPUs in sections, per model or per node and pool. */
#include "report_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sections ---------------------------------------------------------------------------- */

struct group {
    const char *name;        /* model id or node name */
    const char *model;       /* node: its model */
    const struct gpv_val *v; /* node: its nodes[] entry, or NULL */
};

/* Index of name among g[0..n), or n. */
static size_t
group_find(const struct group *g, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!strcmp(g[i].name, name))
            return i;
    return n;
}

static void
pool_heading(struct rpt *r, const struct gpv_val *plan, const char *model, size_t ngpus,
             size_t nnodes)
{
    const struct gpv_val *ms = rpt_arr(gpv_val_get(plan, "summary"), "models");
    const struct gpv_gpu *g = gpv_db_find(r->db, model);
    long long fleet = 0, lb = 0;
    bool sized = false, known = false;
    size_t i;

    for (i = 0; ms && i < ms->n; i++) {
        const char *id = rpt_str(ms->items[i], "gpu");

        if (!id || strcmp(id, model))
            continue;
        known = true;
        lb += rpt_int(ms->items[i], "lower_bound", 0);
        if (rpt_int(ms->items[i], "fleet", -1) < 0)
            sized = true;
        else
            fleet += rpt_int(ms->items[i], "fleet", 0);
    }
    gpv_buf_puts(r->b, "<h2>");
    rpt_esc(r, model);
    gpv_buf_puts(r->b, " <span class=\"sub\">");
    if (g) {
        rpt_esc(r, g->name);
        gpv_buf_puts(r->b, " &#183; ");
    } else {
        gpv_buf_puts(r->b, "not in the database &#183; ");
    }
    if (nnodes)
        gpv_buf_printf(r->b, "%zu node%s, ", nnodes, nnodes == 1 ? "" : "s");
    gpv_buf_printf(r->b, "%zu GPU%s used", ngpus, ngpus == 1 ? "" : "s");
    if (known && !sized)
        gpv_buf_printf(r->b, " of %lld in the fleet", fleet);
    if (known)
        gpv_buf_printf(r->b, ", lower bound %lld", lb);
    gpv_buf_puts(r->b, "</span></h2>\n");
}

void
rpt_by_model(struct rpt *r, const struct gpv_val *plan, const struct gpv_val *gs)
{
    struct group *m = xcalloc(gs->n + 1, sizeof(*m));
    size_t nm = 0, i, k, n;

    for (i = 0; i < gs->n; i++) {
        const char *id = rpt_str(gs->items[i], "model");

        if (!rpt_is_obj(gs->items[i]))
            continue;
        if (!id)
            id = "";
        if (group_find(m, nm, id) == nm)
            m[nm++].name = id;
    }
    for (k = 0; k < nm; k++) {
        gpv_buf_puts(r->b, "<section class=\"pool\" data-model=\"");
        rpt_esc(r, m[k].name);
        gpv_buf_puts(r->b, "\">\n");
        for (i = 0, n = 0; i < gs->n; i++) {
            const char *id = rpt_str(gs->items[i], "model");

            n += rpt_is_obj(gs->items[i]) && !strcmp(id ? id : "", m[k].name);
        }
        pool_heading(r, plan, m[k].name, n, 0);
        gpv_buf_puts(r->b, "<div class=\"gpus\">\n");
        for (i = 0; i < gs->n; i++) {
            const char *id = rpt_str(gs->items[i], "model");

            if (rpt_is_obj(gs->items[i]) && !strcmp(id ? id : "", m[k].name))
                rpt_gpu(r, gs->items[i]);
        }
        gpv_buf_puts(r->b, "</div>\n</section>\n");
    }
    free(m);
}

static void
node_labels(struct rpt *r, const struct gpv_val *labels)
{
    size_t i;

    if (!labels || (labels->type != GPV_V_OBJ && labels->type != GPV_V_ARR) || !labels->n)
        return;
    gpv_buf_puts(r->b, " <span class=\"labels\">&#183; ");
    for (i = 0; i < labels->n; i++) {
        const struct gpv_val *v = labels->items[i];

        gpv_buf_puts(r->b, i ? ", " : "");
        if (labels->type == GPV_V_OBJ) {
            rpt_esc(r, labels->keys[i]);
            gpv_buf_puts(r->b, "=");
        }
        if (v->type == GPV_V_STR)
            rpt_esc(r, v->s);
        else if (v->type == GPV_V_INT)
            gpv_buf_printf(r->b, "%lld", v->i);
        else if (v->type == GPV_V_BOOL)
            gpv_buf_puts(r->b, v->b ? "true" : "false");
    }
    gpv_buf_puts(r->b, "</span>");
}

/* Pools by model, each a row per node: nodes[] in order, then nodes only GPUs name. */
void
rpt_by_node(struct rpt *r, const struct gpv_val *plan, const struct gpv_val *gs)
{
    const struct gpv_val *ns = rpt_arr(plan, "nodes");
    size_t cap = (ns ? ns->n : 0) + gs->n + 1;
    struct group *nodes = xcalloc(cap, sizeof(*nodes)), *pools = xcalloc(cap, sizeof(*pools));
    size_t *of = xcalloc(gs->n + 1, sizeof(*of));
    size_t nn = 0, np = 0, i, k, p, count, nodes_in;

    for (i = 0; ns && i < ns->n; i++) {
        const char *name = rpt_str(ns->items[i], "name");

        if (name && group_find(nodes, nn, name) == nn) {
            nodes[nn].name = name;
            nodes[nn].model = rpt_str(ns->items[i], "model");
            nodes[nn++].v = ns->items[i];
        }
    }
    for (i = 0; i < gs->n; i++) {
        const char *name = rpt_str(gs->items[i], "node");

        if (!rpt_is_obj(gs->items[i])) {
            of[i] = SIZE_MAX;
            continue;
        }
        if (!name)
            name = "";
        of[i] = group_find(nodes, nn, name);
        if (of[i] == nn)
            nodes[nn++].name = name;
        if (!nodes[of[i]].model)
            nodes[of[i]].model = rpt_str(gs->items[i], "model");
    }
    for (k = 0; k < nn; k++) {
        if (!nodes[k].model)
            nodes[k].model = "";
        if (group_find(pools, np, nodes[k].model) == np)
            pools[np++].name = nodes[k].model;
    }
    for (p = 0; p < np; p++) {
        gpv_buf_puts(r->b, "<section class=\"pool\" data-model=\"");
        rpt_esc(r, pools[p].name);
        gpv_buf_puts(r->b, "\">\n");
        for (i = 0, count = 0; i < gs->n; i++)
            count += of[i] != SIZE_MAX && !strcmp(nodes[of[i]].model, pools[p].name);
        for (k = 0, nodes_in = 0; k < nn; k++)
            nodes_in += !strcmp(nodes[k].model, pools[p].name);
        pool_heading(r, plan, pools[p].name, count, nodes_in);
        for (k = 0; k < nn; k++) {
            if (strcmp(nodes[k].model, pools[p].name))
                continue;
            for (i = 0, count = 0; i < gs->n; i++)
                count += of[i] == k;
            gpv_buf_puts(r->b, "<div class=\"node\" data-node=\"");
            rpt_esc(r, nodes[k].name);
            gpv_buf_puts(r->b, "\">\n<h3>");
            if (*nodes[k].name)
                rpt_esc(r, nodes[k].name);
            else
                gpv_buf_puts(r->b, "(no node)");
            if (!r->compact) {
                long long total = rpt_int(nodes[k].v, "gpus", -1);

                gpv_buf_printf(r->b, " <span class=\"sub\">%zu GPU%s in the plan", count,
                               count == 1 ? "" : "s");
                if (total >= 0)
                    gpv_buf_printf(r->b, " of %lld", total);
                gpv_buf_puts(r->b, "</span>");
                node_labels(r, gpv_val_get(nodes[k].v, "labels"));
            }
            gpv_buf_puts(r->b, "</h3>\n<div class=\"gpus\">\n");
            rpt_node_gpus(r, nodes[k].v, gs, of, k);
            gpv_buf_puts(r->b, "</div>\n</div>\n");
        }
        gpv_buf_puts(r->b, "</section>\n");
    }
    free(of);
    free(pools);
    free(nodes);
}
