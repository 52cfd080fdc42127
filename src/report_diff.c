/* `diff -f html`: the change between two plans or states as one page (docs/diff.md). */
#include "report_int.h"

#include "gpuvplan/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What happens to one instance drawn on the page. */
enum status { ST_STAYS, ST_APPEARS, ST_DESTROYED };

static const char *const status_name[] = {"stays", "appears", "destroyed"};

/* Geometry of one GPU's drawing: two lanes, before above after. */
#define D_W      (RPT_GRID_W + 2 * RPT_MARGIN)
#define D_LANE_H 40
#define D_BEFORE 34
#define D_AFTER  (D_BEFORE + D_LANE_H + 18)
#define D_H      (D_AFTER + D_LANE_H + 22)

/* No '<' or '&': the page is XML too. Added to the report's style sheet. */
static const char diff_css[] =
    "svg.gpu .gone{stroke:#b3261e;stroke-width:2;stroke-dasharray:4 2}\n"
    "svg.gpu .goneh{fill:url(#gpv-gone)}\n"
    "svg.gpu .appears{stroke:#1b5e20;stroke-width:3}\n"
    "svg.gpu .newh{fill:url(#gpv-new)}\n"
    "svg.gpu text.lane{font-weight:bold;fill:#444}\n"
    "svg.gpu text.gonet{fill:#8c1d18;font-weight:bold}\n"
    "svg.gpu text.newt{fill:#1b5e20;font-weight:bold}\n"
    ".drow{display:flex;flex-direction:column;gap:2px}\n"
    "p.same{margin:2px 0 8px;color:#333}\n"
    ".mark{font:bold 13px ui-monospace,monospace;display:inline-block;min-width:10em}\n"
    ".c-same{color:#444}.c-in-place{color:#1b5e20}.c-added{color:#1b5e20}\n"
    ".c-reconfigured{color:#8c1d18}.c-removed{color:#8c1d18}\n";

static void
diff_defs(struct rpt *r)
{
    gpv_buf_puts(
        r->b, "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>\n"
              "<pattern id=\"gpv-gone\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
              "<path d=\"M0 0L8 8M8 0L0 8\" stroke=\"#d9534f\" stroke-width=\"1.2\"/></pattern>\n"
              "<pattern id=\"gpv-new\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
              "<circle cx=\"3\" cy=\"3\" r=\"1.1\" fill=\"#1b5e20\" fill-opacity=\".55\"/>"
              "</pattern>\n</defs></svg>\n");
}

/* ---- tenants and colours ----------------------------------------------------------------- */

static int
name_cmp(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return strcmp(((const struct rpt_tenant *)a)->name, ((const struct rpt_tenant *)b)->name);
}

static void
add_tenant(struct rpt *r, size_t *cap, const char *name)
{
    if (!name)
        return;
    if (r->ntenants == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        r->tenants = xreallocarray(r->tenants, *cap, sizeof(*r->tenants));
    }
    memset(&r->tenants[r->ntenants], 0, sizeof(*r->tenants));
    r->tenants[r->ntenants++].name = name;
}

static void
add_doc_tenants(struct rpt *r, size_t *cap, const struct gpv_diff_gpu *g)
{
    size_t i;

    for (i = 0; g && i < g->ninsts; i++)
        add_tenant(r, cap, g->insts[i].tenant);
}

/* Every tenant of either side, sorted, coloured as the report colours them (docs/report.md). */
static void
collect(struct rpt *r, const struct gpv_diff *d)
{
    size_t np, cap = 0, i, k, nused = 0;
    const char *const *pal = gpv_report_palette(&np);
    bool *used = xcalloc(np, sizeof(*used));

    for (i = 0; i < d->ntenants; i++)
        add_tenant(r, &cap, d->tenants[i].name);
    for (i = 0; i < d->ngpus; i++) {
        add_doc_tenants(r, &cap, d->gpus[i].old);
        add_doc_tenants(r, &cap, d->gpus[i].new);
    }
    if (r->ntenants) {
        gpv_sort_stable(r->tenants, r->ntenants, sizeof(*r->tenants), name_cmp, NULL);
        for (i = 1, k = 1; i < r->ntenants; i++)
            if (strcmp(r->tenants[i].name, r->tenants[k - 1].name))
                r->tenants[k++] = r->tenants[i];
        r->ntenants = k;
    }
    for (i = 0; i < r->ntenants; i++) {
        const char *c = gpv_report_tenant_colour(r->tenants[i].name);
        size_t p = 0;

        while (p < np && strcmp(pal[p], c))
            p++;
        if (nused < np) {
            while (used[p % np])
                p++;
            used[p % np] = true;
            nused++;
        }
        r->tenants[i].colour = pal[p % np];
    }
    free(used);
}

/* ---- one GPU ----------------------------------------------------------------------------- */

static bool
same_inst(const struct gpv_diff_inst *a, const struct gpv_diff_inst *b)
{
    return a->start == b->start && a->size == b->size && a->replica == b->replica &&
           !strcmp(a->profile ? a->profile : "", b->profile ? b->profile : "") &&
           !strcmp(a->vgpu_type ? a->vgpu_type : "", b->vgpu_type ? b->vgpu_type : "") &&
           !strcmp(a->tenant ? a->tenant : "", b->tenant ? b->tenant : "");
}

/* Whether x (on one side of row) has its twin on the other side, other. */
static bool
kept(const struct gpv_diff_gpu_row *row, const struct gpv_diff_inst *x,
     const struct gpv_diff_gpu *other)
{
    size_t i;

    if (row->change != GPV_DIFF_SAME && row->change != GPV_DIFF_IN_PLACE)
        return false;
    for (i = 0; other && i < other->ninsts; i++)
        if (same_inst(x, &other->insts[i]))
            return true;
    return false;
}

static void
coord_attr(struct rpt *r, const char *name, double v)
{
    gpv_buf_printf(r->b, " %s=\"", name);
    rpt_coord(r, v);
    gpv_buf_puts(r->b, "\"");
}

static void
text_open(struct rpt *r, const char *cls, double x, double y)
{
    gpv_buf_printf(r->b, "<text class=\"%s\" text-anchor=\"middle\"", cls);
    coord_attr(r, "x", x);
    coord_attr(r, "y", y);
    gpv_buf_puts(r->b, ">");
}

/* One instance as a block at x, width w in lane y: colour, pattern and a word say its fate. */
static void
block(struct rpt *r, const struct gpv_diff_inst *x, enum status st, const char *gid, double bx,
      double bw, double y)
{
    int fit = (int)((bw - 4) / RPT_CHAR_W);

    gpv_buf_printf(r->b, "<g class=\"inst\" data-status=\"%s\" data-tenant=\"", status_name[st]);
    rpt_esc(r, x->tenant);
    gpv_buf_puts(r->b, "\" data-profile=\"");
    rpt_esc(r, x->profile);
    gpv_buf_printf(r->b, "\" data-start=\"%d\" data-size=\"%d\" data-replica=\"%d\"><title>",
                   x->start, x->size, x->replica);
    rpt_esc(r, x->tenant ? x->tenant : "(no tenant)");
    gpv_buf_puts(r->b, " on ");
    rpt_esc(r, gid);
    gpv_buf_puts(r->b, ": ");
    rpt_esc(r, x->profile ? x->profile : "whole GPU");
    if (x->vgpu_type) {
        gpv_buf_puts(r->b, " with vGPU ");
        rpt_esc(r, x->vgpu_type);
    }
    if (x->start >= 0)
        gpv_buf_printf(r->b, " at %d", x->start);
    gpv_buf_printf(r->b, " (%s)</title>", status_name[st]);
    gpv_buf_printf(r->b, "<rect class=\"blk%s\" fill=\"%s\"",
                   st == ST_DESTROYED ? " gone"
                   : st == ST_APPEARS ? " appears"
                                      : "",
                   rpt_colour(r, x->tenant));
    coord_attr(r, "x", bx);
    coord_attr(r, "y", y);
    coord_attr(r, "width", bw < 0 ? 0 : bw);
    coord_attr(r, "height", D_LANE_H);
    gpv_buf_puts(r->b, "/>");
    if (st != ST_STAYS) {
        gpv_buf_printf(r->b, "<rect class=\"%s\"", st == ST_DESTROYED ? "goneh" : "newh");
        coord_attr(r, "x", bx);
        coord_attr(r, "y", y);
        coord_attr(r, "width", bw < 0 ? 0 : bw);
        coord_attr(r, "height", D_LANE_H);
        gpv_buf_puts(r->b, "/>");
    }
    /* Blocks too narrow for a word keep their fate in the pattern and the hover title. */
    if (fit >= 4) {
        text_open(r, "prof", bx + bw / 2, y + 12);
        rpt_esc_fit(r, x->profile ? x->profile : "whole", fit);
        gpv_buf_puts(r->b, "</text>");
        text_open(r, "sm", bx + bw / 2, y + 24);
        rpt_esc_fit(r, x->tenant ? x->tenant : "", fit);
        gpv_buf_puts(r->b, "</text>");
        text_open(r,
                  st == ST_DESTROYED ? "gonet"
                  : st == ST_APPEARS ? "newt"
                                     : "sm",
                  bx + bw / 2, y + 35);
        rpt_esc_fit(r, status_name[st], fit);
        gpv_buf_puts(r->b, "</text>");
    }
    gpv_buf_puts(r->b, "</g>\n");
}

/* One side of a GPU (before or after) as a lane at y. */
static void
lane(struct rpt *r, const struct gpv_diff_gpu_row *row, bool after, double y)
{
    const struct gpv_diff_gpu *g = after ? row->new : row->old, *o = after ? row->old : row->new;
    const struct gpv_gpu *gpu = g && g->model ? gpv_db_find(r->db, g->model) : NULL;
    bool grid = gpu && gpu->mig && g->starts_known && g->mode &&
                (!strcmp(g->mode, "mig") || !strcmp(g->mode, "mig-vgpu"));
    int units = grid ? gpu->mig->units : 0;
    double x0 = RPT_MARGIN, gw = RPT_GRID_W, uw = grid ? gw / units : 0;
    size_t i, n = g ? g->ninsts : 0;

    gpv_buf_printf(r->b, "<g class=\"side\" data-side=\"%s\" data-mode=\"",
                   after ? "after" : "before");
    rpt_esc(r, g ? g->mode : "unused");
    gpv_buf_puts(r->b, "\"");
    if (grid) {
        gpv_buf_printf(r->b, " data-units=\"%d\"", units);
        coord_attr(r, "data-x0", x0);
        coord_attr(r, "data-unit-width", uw);
    }
    gpv_buf_puts(r->b, ">");
    gpv_buf_puts(r->b, "<text class=\"lane\"");
    coord_attr(r, "x", x0);
    coord_attr(r, "y", y - 4);
    gpv_buf_printf(r->b, ">%s: ", after ? "after" : "before");
    rpt_esc_fit(r, after ? row->after : row->before, (int)(gw / RPT_BOLD_CHAR_W) - 8);
    gpv_buf_puts(r->b, "</text>\n<rect class=\"grid\"");
    coord_attr(r, "x", x0);
    coord_attr(r, "y", y);
    coord_attr(r, "width", gw);
    coord_attr(r, "height", D_LANE_H);
    gpv_buf_puts(r->b, "/>\n");
    if (!n) {
        gpv_buf_puts(r->b, "<rect class=\"free\"");
        coord_attr(r, "x", x0);
        coord_attr(r, "y", y);
        coord_attr(r, "width", gw);
        coord_attr(r, "height", D_LANE_H);
        gpv_buf_puts(r->b, "/>");
        text_open(r, "sm", x0 + gw / 2, y + D_LANE_H / 2 + 3);
        gpv_buf_puts(r->b, g ? "no instances</text>\n" : "unused</text>\n");
    }
    for (i = 0; i < n; i++) {
        const struct gpv_diff_inst *x = &g->insts[i];
        enum status st = kept(row, x, o) ? ST_STAYS : after ? ST_APPEARS : ST_DESTROYED;
        double bx, bw;

        if (grid) {
            int start = x->start, size = x->size;

            if (start < 0 || size < 1 || start >= units)
                continue;
            if (start + size > units)
                size = units - start;
            bx = x0 + start * uw + RPT_GAP / 2.0;
            bw = size * uw - RPT_GAP;
        } else {
            bw = gw / (double)n;
            bx = x0 + (double)i * bw + RPT_GAP / 2.0;
            bw -= RPT_GAP;
        }
        block(r, x, st, row->id, bx, bw, y);
    }
    gpv_buf_puts(r->b, "</g>\n");
}

static void
gpu_row(struct rpt *r, const struct gpv_diff_gpu_row *row)
{
    const char *cn = gpv_diff_gpu_change_name(row->change);
    const struct gpv_diff_gpu *g = row->new ? row->new : row->old;

    gpv_buf_printf(r->b,
                   "<div class=\"drow\" data-change=\"%s\"><div><span class=\"mark c-%s\">%s %s"
                   "</span>",
                   cn, cn, gpv_diff_gpu_mark(row->change, "="), cn);
    if (row->destroyed)
        gpv_buf_printf(r->b, " <span class=\"sub\">%d instance%s destroyed</span>", row->destroyed,
                       row->destroyed == 1 ? "" : "s");
    gpv_buf_puts(r->b, "</div>\n<svg class=\"gpu\"");
    coord_attr(r, "width", D_W);
    coord_attr(r, "height", D_H);
    gpv_buf_printf(r->b, " viewBox=\"0 0 %d %d\" role=\"img\"><title>", D_W, D_H);
    rpt_esc(r, row->id);
    gpv_buf_puts(r->b, ": ");
    rpt_esc(r, row->model);
    gpv_buf_printf(r->b, ", %s</title>\n<g class=\"gpu\" data-id=\"", cn);
    rpt_esc(r, row->id);
    gpv_buf_puts(r->b, "\" data-model=\"");
    rpt_esc(r, row->model);
    gpv_buf_printf(r->b, "\" data-change=\"%s\" data-destroyed=\"%d\"", cn, row->destroyed);
    if (g && g->node) {
        gpv_buf_puts(r->b, " data-node=\"");
        rpt_esc(r, g->node);
        gpv_buf_printf(r->b, "\" data-index=\"%d\"", g->index);
    }
    gpv_buf_puts(r->b, ">\n<text class=\"gid\"");
    coord_attr(r, "x", RPT_MARGIN);
    coord_attr(r, "y", 14);
    gpv_buf_puts(r->b, ">");
    rpt_esc_fit(r, row->id, 30);
    gpv_buf_puts(r->b, "</text><text class=\"gmode\" text-anchor=\"end\"");
    coord_attr(r, "x", RPT_MARGIN + RPT_GRID_W);
    coord_attr(r, "y", 14);
    gpv_buf_printf(r->b, ">%s %s</text>\n", gpv_diff_gpu_mark(row->change, "="), cn);
    lane(r, row, false, D_BEFORE);
    lane(r, row, true, D_AFTER);
    gpv_buf_puts(r->b, "</g>\n</svg>\n</div>\n");
}

/* ---- page -------------------------------------------------------------------------------- */

static void
cost(struct rpt *r, double c)
{
    if (c >= 0)
        gpv_buf_printf(r->b, "%.2f", c);
    else
        gpv_buf_puts(r->b, "unknown");
}

static void
kv(struct rpt *r, const char *k)
{
    gpv_buf_printf(r->b, "<tr><th>%s</th><td class=\"n\">", k);
}

static void
summary(struct rpt *r, const struct gpv_diff *d)
{
    bool plans = !d->old_state && !d->new_state;

    gpv_buf_puts(r->b, "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"kv\">\n");
    kv(r, "GPUs to drain");
    gpv_buf_printf(r->b, "<span data-key=\"gpus_to_drain\">%d</span></td></tr>\n", d->drain);
    kv(r, plans ? "Tenants disrupted" : "Instances disrupted");
    gpv_buf_printf(r->b, "<span data-key=\"tenants_disrupted\">%d</span></td></tr>\n",
                   d->disrupted);
    kv(r, "Instances destroyed");
    gpv_buf_printf(r->b, "<span data-key=\"instances_destroyed\">%d</span></td></tr>\n",
                   d->destroyed);
    kv(r, "GPUs used");
    gpv_buf_printf(r->b,
                   "<span data-key=\"gpus_before\">%d</span> &#8594; "
                   "<span data-key=\"gpus_after\">%d</span></td></tr>\n",
                   d->gpus_old, d->gpus_new);
    kv(r, "Cost per hour");
    gpv_buf_puts(r->b, "<span data-key=\"cost_per_hour_before\">");
    cost(r, d->cost_old);
    gpv_buf_puts(r->b, "</span> &#8594; <span data-key=\"cost_per_hour_after\">");
    cost(r, d->cost_new);
    gpv_buf_puts(r->b, "</span></td></tr>\n");
    kv(r, "GPUs");
    gpv_buf_printf(r->b,
                   "<span data-key=\"same\">%d</span> same, <span data-key=\"in_place\">%d</span> "
                   "in place, <span data-key=\"reconfigured\">%d</span> reconfigured, "
                   "<span data-key=\"added\">%d</span> added, "
                   "<span data-key=\"removed\">%d</span> removed</td></tr>\n",
                   d->same, d->in_place, d->reconfigured, d->added, d->removed);
    gpv_buf_puts(r->b, "</table>\n</section>\n");
}

/* The key: what the markers, the patterns and the words on the blocks mean. */
static void
key(struct rpt *r)
{
    static const char *const words[][2] = {
        {"stays", "solid outline: the instance is untouched"},
        {"appears", "thick green outline, dotted: created by the change"},
        {"destroyed", "dashed red outline, crossed: destroyed, its tenant drained"},
    };
    size_t i;

    gpv_buf_puts(r->b, "<section id=\"key\">\n<h2>Key</h2>\n<ul class=\"key\">\n");
    for (i = 0; i < 3; i++) {
        gpv_buf_printf(r->b,
                       "<li><svg width=\"36\" height=\"16\" aria-hidden=\"true\" class=\"gpu\">"
                       "<rect class=\"blk%s\" fill=\"#dddddd\" x=\"1\" y=\"1\" width=\"34\" "
                       "height=\"14\"/>",
                       i == 2   ? " gone"
                       : i == 1 ? " appears"
                                : "");
        if (i)
            gpv_buf_printf(r->b, "<rect class=\"%s\" x=\"1\" y=\"1\" width=\"34\" height=\"14\"/>",
                           i == 2 ? "goneh" : "newh");
        gpv_buf_printf(r->b, "</svg><b>%s</b>: %s</li>\n", words[i][0], words[i][1]);
    }
    gpv_buf_puts(r->b, "<li><b>= same</b>, <b>~ in place</b> (free slots taken or released), "
                       "<b>! reconfigured</b> (drain every tenant on it), <b>+ added</b>, "
                       "<b>- removed</b></li>\n</ul>\n</section>\n");
}

/* The GPUs of one node that do not change, as one line of ids (drawn only with `all`). */
static void
same_line(struct rpt *r, const struct gpv_diff *d, size_t from, size_t to)
{
    size_t i, n = 0;

    for (i = from; i < to; i++)
        n += d->gpus[i].change == GPV_DIFF_SAME;
    if (!n)
        return;
    gpv_buf_printf(r->b,
                   "<p class=\"same\"><span class=\"mark c-same\">= same</span> %zu GPU%s: ", n,
                   n == 1 ? "" : "s");
    for (i = from, n = 0; i < to; i++) {
        if (d->gpus[i].change != GPV_DIFF_SAME)
            continue;
        gpv_buf_puts(r->b, n++ ? ", <span" : "<span");
        gpv_buf_puts(r->b, " class=\"same-gpu\" data-id=\"");
        rpt_esc(r, d->gpus[i].id);
        gpv_buf_puts(r->b, "\" title=\"");
        rpt_esc(r, d->gpus[i].before);
        gpv_buf_puts(r->b, "\">");
        rpt_esc(r, d->gpus[i].id);
        gpv_buf_puts(r->b, "</span>");
    }
    gpv_buf_puts(r->b, "</p>\n");
}

static const char *
node_of(const struct gpv_diff_gpu_row *row)
{
    const struct gpv_diff_gpu *g = row->new ? row->new : row->old;

    return g && g->node ? g->node : "";
}

/* Per node (rows come sorted by node), its GPUs: every one drawn with all, else the ones that
 * change drawn and the others named on one line. */
static void
gpus(struct rpt *r, const struct gpv_diff *d, bool all)
{
    size_t i = 0, j, k;

    gpv_buf_puts(r->b, "<section id=\"gpus\">\n<h2>GPUs by node</h2>\n");
    while (i < d->ngpus) {
        const char *n = node_of(&d->gpus[i]);
        size_t drawn = 0;

        for (j = i; j < d->ngpus && !strcmp(node_of(&d->gpus[j]), n); j++)
            drawn += all || d->gpus[j].change != GPV_DIFF_SAME;
        gpv_buf_puts(r->b, "<div class=\"node\" data-node=\"");
        rpt_esc(r, n);
        gpv_buf_puts(r->b, "\">\n<h3>");
        if (*n)
            rpt_esc(r, n);
        else
            gpv_buf_puts(r->b, "(no node)");
        gpv_buf_puts(r->b, "</h3>\n");
        if (!all)
            same_line(r, d, i, j);
        if (drawn) {
            gpv_buf_puts(r->b, "<div class=\"gpus\">\n");
            for (k = i; k < j; k++)
                if (all || d->gpus[k].change != GPV_DIFF_SAME)
                    gpu_row(r, &d->gpus[k]);
            gpv_buf_puts(r->b, "</div>\n");
        }
        gpv_buf_puts(r->b, "</div>\n");
        i = j;
    }
    gpv_buf_puts(r->b, "</section>\n");
}

/* Whether a tenant gets a row: it changes or is disrupted, or every one does (all). */
static bool
tenant_shown(const struct gpv_diff_tenant_row *t, bool all)
{
    return all || t->change != GPV_DIFF_STAYS || t->disrupted;
}

static void
tenants(struct rpt *r, const struct gpv_diff *d, bool all)
{
    size_t i, shown = 0, n;

    if (!d->ntenants)
        return;
    for (i = 0; i < d->ntenants; i++)
        shown += tenant_shown(&d->tenants[i], all);
    gpv_buf_printf(r->b, "<section id=\"tenants\">\n<h2>Tenants (%zu)</h2>\n", d->ntenants);
    if (shown < d->ntenants) {
        gpv_buf_printf(r->b, "<p class=\"same\"><span class=\"mark c-same\">= stay</span> %zu: ",
                       d->ntenants - shown);
        for (i = 0, n = 0; i < d->ntenants; i++) {
            const struct gpv_diff_tenant_row *t = &d->tenants[i];

            if (tenant_shown(t, all))
                continue;
            gpv_buf_puts(r->b, n++ ? ", <span" : "<span");
            gpv_buf_puts(r->b, " class=\"stay-tenant\" data-tenant=\"");
            rpt_esc(r, t->name);
            gpv_buf_puts(r->b, "\" title=\"");
            rpt_esc(r, t->from);
            gpv_buf_printf(r->b, "\"><span class=\"sw\" style=\"background:%s\"></span>",
                           rpt_colour(r, t->name));
            rpt_esc(r, t->name);
            gpv_buf_puts(r->b, "</span>");
        }
        gpv_buf_puts(r->b, "</p>\n");
    }
    if (shown) {
        gpv_buf_puts(r->b, "<table class=\"moves\">\n<tr><th>Tenant</th><th>Change</th>"
                           "<th>Before</th><th>After</th><th>Disrupted</th></tr>\n");
        for (i = 0; i < d->ntenants; i++) {
            const struct gpv_diff_tenant_row *t = &d->tenants[i];

            if (!tenant_shown(t, all))
                continue;
            gpv_buf_puts(r->b, "<tr class=\"tenant\" data-tenant=\"");
            rpt_esc(r, t->name);
            gpv_buf_printf(r->b,
                           "\" data-change=\"%s\"><td><span class=\"sw\" style=\"background:%s\">"
                           "</span>",
                           gpv_diff_tenant_change_name(t->change), rpt_colour(r, t->name));
            rpt_esc(r, t->name);
            gpv_buf_printf(r->b, "</td><td>%s</td><td>", gpv_diff_tenant_change_name(t->change));
            rpt_esc(r, t->from);
            gpv_buf_puts(r->b, "</td><td>");
            rpt_esc(r, t->to);
            gpv_buf_printf(r->b, "</td><td>%s</td></tr>\n",
                           !t->disrupted                 ? "no"
                           : t->change == GPV_DIFF_STAYS ? "yes: its GPU is reconfigured"
                                                         : "yes");
        }
        gpv_buf_puts(r->b, "</table>\n");
    }
    gpv_buf_puts(r->b, "</section>\n");
}

void
gpv_report_diff_html(struct gpv_buf *out, const struct gpv_diff *d, const struct gpv_db *db,
                     const char *old_name, const char *new_name, bool all)
{
    struct gpv_buf title;
    struct rpt r;
    size_t i;

    memset(&r, 0, sizeof(r));
    r.b = out;
    r.db = db;
    r.nodes = true;
    collect(&r, d);
    gpv_buf_init(&title);
    gpv_buf_printf(&title, "GPU change: %s \xe2\x86\x92 %s", old_name ? old_name : "OLD",
                   new_name ? new_name : "NEW");
    gpv_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                      "<meta name=\"generator\" content=\"gpuvplan\"/>\n<title>");
    rpt_esc(&r, gpv_buf_str(&title));
    gpv_buf_puts(out, "</title>\n");
    rpt_style(&r);
    gpv_buf_printf(out, "<style>\n%s</style>\n</head>\n<body class=\"diff\">\n", diff_css);
    rpt_defs(&r);
    diff_defs(&r);
    gpv_buf_puts(out, "<header>\n<h1>");
    rpt_esc(&r, gpv_buf_str(&title));
    gpv_buf_printf(out, "</h1>\n<p class=\"meta\">%s &#8594; %s &#183; %s</p>\n</header>\n",
                   d->old_state ? "state" : "plan", d->new_state ? "state" : "plan",
                   d->drain ? "drain before applying" : "no GPU to drain");
    summary(&r, d);
    key(&r);
    gpus(&r, d, all);
    tenants(&r, d, all);
    if (d->nnotes) {
        gpv_buf_puts(out, "<section id=\"notes\">\n<h2>Notes</h2>\n<ul>\n");
        for (i = 0; i < d->nnotes; i++) {
            gpv_buf_puts(out, "<li>");
            rpt_esc(&r, d->notes[i]);
            gpv_buf_puts(out, "</li>\n");
        }
        gpv_buf_puts(out, "</ul>\n</section>\n");
    }
    gpv_buf_puts(out, "<footer>Written by gpuvplan from the two documents (schema "
                      "gpuvplan.diff/1). The same documents give the same page.</footer>\n"
                      "</body>\n</html>\n");
    gpv_buf_release(&title);
    free(r.tenants);
}
