/* A node's GPU slots in index order: the plan's GPUs, and the slots it leaves unused. */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

/* An unused slot, the size of a drawn GPU (the geometry of report_gpu.c). */
static void
unused_slot(struct rpt *r, const char *node, const char *model, long long index)
{
    double gw = r->compact ? RPT_GRID_W_C : RPT_GRID_W, x0 = r->compact ? RPT_MARGIN_C : RPT_MARGIN;
    double y0 = r->compact ? 12 : 34, bh = r->compact ? RPT_BLOCK_H_C : RPT_BLOCK_H;
    double w = gw + 2 * x0, h = y0 + bh + (r->compact ? 2 : 20);

    rpt_svg_open(r, "gpu slot", w, h);
    rpt_esc(r, node);
    gpv_buf_printf(r->b, " GPU %lld: unused, nothing of the plan on it</title>\n", index);
    gpv_buf_puts(r->b, "<g class=\"unused\" data-node=\"");
    rpt_esc(r, node);
    gpv_buf_printf(r->b, "\" data-index=\"%lld\" data-model=\"", index);
    rpt_esc(r, model);
    gpv_buf_puts(r->b, "\">\n<text class=\"gid\" x=\"");
    rpt_coord(r, x0);
    gpv_buf_printf(r->b, "\" y=\"%d\">GPU %lld</text>", r->compact ? 9 : 14, index);
    rpt_rect(r, "class=\"free\"", x0, y0, gw, bh);
    if (!r->compact) {
        gpv_buf_puts(r->b, "<text class=\"prof\" text-anchor=\"middle\" x=\"");
        rpt_coord(r, x0 + gw / 2);
        gpv_buf_puts(r->b, "\" y=\"");
        rpt_coord(r, y0 + bh / 2 + 3.5);
        gpv_buf_puts(r->b, "\">unused</text>");
    }
    gpv_buf_puts(r->b, "\n</g>\n</svg>\n");
}

void
rpt_node_gpus(struct rpt *r, const struct gpv_val *node, const struct gpv_val *gs, const size_t *of,
              size_t k)
{
    const struct gpv_val *layout = rpt_arr(node, "layout");
    const char *name = rpt_str(node, "name"), *model = rpt_str(node, "model");
    bool *drawn = xcalloc(gs->n ? gs->n : 1, sizeof(*drawn));
    size_t i, j;

    for (j = 0; layout && j < layout->n; j++) {
        const struct gpv_val *slot = layout->items[j];
        const char *id = rpt_str(slot, "gpu");
        long long index = rpt_int(slot, "index", (long long)j);

        if (!id) {
            unused_slot(r, name, model, index);
            continue;
        }
        for (i = 0; i < gs->n; i++) {
            if (of[i] == k && !drawn[i] && rpt_str(gs->items[i], "id") &&
                !strcmp(rpt_str(gs->items[i], "id"), id)) {
                rpt_gpu(r, gs->items[i]);
                drawn[i] = true;
                break;
            }
        }
    }
    /* GPUs of the node its layout does not name (or no layout): in plan order. */
    for (i = 0; i < gs->n; i++)
        if (of[i] == k && !drawn[i])
            rpt_gpu(r, gs->items[i]);
    free(drawn);
}
