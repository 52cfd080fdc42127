#ifndef GPUVPLAN_REPORT_INT_H
#define GPUVPLAN_REPORT_INT_H

/* Shared by report.c (colours, escaping, values, tenants), report_page.c (page, summary,
 * legend, key, unplaced), report_section.c (sections per model or node), report_gpu.c (one
 * GPU), report_slot.c (a node's slots), report_diff.c (diff -f html) and report_model.c
 * (show MODEL -f html). */

#include "gpuvplan/report.h"

#include <stdbool.h>

/* One tenant of the plan: its colour and what its hover titles say about its memory. */
struct rpt_tenant {
    const char *name;
    const char *colour;
    const struct gpv_val *v; /* its tenants[] entry, NULL for unplaced ones */
};

/* A report being written. */
struct rpt {
    struct gpv_buf *b;
    const struct gpv_db *db;
    bool compact;
    bool nodes;                 /* GPUs are labelled by node and index */
    struct rpt_tenant *tenants; /* sorted by name */
    size_t ntenants;
};

/* Drawing sizes of one GPU, in SVG user units (pixels). */
#define RPT_GRID_W      400 /* grid width, full size */
#define RPT_GRID_W_C    96  /* grid width, compact */
#define RPT_MARGIN      6
#define RPT_MARGIN_C    2
#define RPT_BLOCK_H     48
#define RPT_BLOCK_H_C   16
#define RPT_GAP         2 /* between neighbouring blocks */
#define RPT_GAP_C       1
#define RPT_CHAR_W      5.8 /* average advance of a 10px character, for shortening labels */
#define RPT_BOLD_CHAR_W 6.4

/* Member access that tolerates anything: NULL, dflt or false when absent or mistyped. */
const char *rpt_str(const struct gpv_val *o, const char *key);
long long rpt_int(const struct gpv_val *o, const char *key, long long dflt);
bool rpt_has_num(const struct gpv_val *o, const char *key, double *out);
const struct gpv_val *rpt_arr(const struct gpv_val *o, const char *key);

/* Escaped text, NULL as "". */
void rpt_esc(struct rpt *r, const char *s);
/* Characters (code points; invalid bytes one each) in s. */
size_t rpt_chars(const char *s);
/* s escaped, shortened with "…" to at most max characters (UTF-8 aware); max < 1: nothing. */
void rpt_esc_fit(struct rpt *r, const char *s, int max);
/* A coordinate: at most two decimals, no trailing zeros. */
void rpt_coord(struct rpt *r, double v);
/* A rectangle: x y width height (negative sizes drawn as 0), after the attributes given. */
void rpt_rect(struct rpt *r, const char *attrs, double x, double y, double w, double h);
/* Opens an <svg> of class cls, w by h, with its viewBox, and its <title>: the caller writes the
 * title's text and "</title>". */
void rpt_svg_open(struct rpt *r, const char *cls, double w, double h);
/* Memory in MiB as "9.75 GiB" (two significant decimals, trimmed). */
void rpt_gib(struct gpv_buf *b, long long mib);

/* Is v an object? (false for NULL) */
bool rpt_is_obj(const struct gpv_val *v);

/*
 * Fills r->tenants with every tenant named in tenants[], unplaced[] or an instance, once,
 * sorted, each with its colour: its hash's palette entry, or (when a tenant earlier in name
 * order has it and some entry is still free) the next free one. The caller frees r->tenants.
 */
void rpt_collect_tenants(struct rpt *r, const struct gpv_val *plan);
/* The tenant's entry, or NULL. */
const struct rpt_tenant *rpt_tenant(const struct rpt *r, const char *name);
/* The tenant's fill colour (a grey for a tenant the plan does not list). */
const char *rpt_colour(const struct rpt *r, const char *name);

/* The <style> element and the hidden SVG with the hatch patterns, shared by both pages. */
void rpt_style(struct rpt *r);
void rpt_defs(struct rpt *r);

/* The sections of GPUs (report_section.c): per model, or (r->nodes) pools by model, each a
 * row per node: nodes[] in order, then nodes only GPUs name. gs is plan's gpus[]. */
void rpt_by_model(struct rpt *r, const struct gpv_val *plan, const struct gpv_val *gs);
void rpt_by_node(struct rpt *r, const struct gpv_val *plan, const struct gpv_val *gs);

/* One GPU of gpus[] as an SVG with one <g class="gpu"> (report_gpu.c). */
void rpt_gpu(struct rpt *r, const struct gpv_val *gpu);

/*
 * The GPUs of node k (node: its nodes[] entry, or NULL) in a row: with a `layout`, slot by slot
 * in index order, a slot the plan leaves unused drawn as such; then every GPU of gs whose of[]
 * is k that the layout does not name, in plan order (report_slot.c).
 */
void rpt_node_gpus(struct rpt *r, const struct gpv_val *node, const struct gpv_val *gs,
                   const size_t *of, size_t k);

#endif
