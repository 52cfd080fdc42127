#ifndef GPUVPLAN_REPORT_H
#define GPUVPLAN_REPORT_H

/*
 * Reports: a plan, or one model's MIG placement grid, as one self-contained HTML page with
 * inline CSS and SVG (docs/report.md). No script, no external fetch, no time stamp: the same
 * input gives the same bytes. The page is well-formed XML as well as HTML (every element
 * closed, every attribute quoted), so it can be checked with an XML parser. Every string that
 * comes from the input is escaped; invalid UTF-8 and control characters become U+FFFD.
 *
 * Pure: no printing, no file access.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stddef.h>

struct gpv_report_opts {
    bool compact;     /* small GPUs without text in the blocks, one line per node: 100 nodes */
    const char *name; /* the plan as the user named it (title, footer); NULL: from the plan */
};

/* Sets every option to its default: full size, no name. */
void gpv_report_opts_init(struct gpv_report_opts *o);

/*
 * Appends the HTML report of plan (a value tree of schema gpuvplan.plan/1, as
 * gpv_plan_build() makes it or gpv_val_parse_json() reads it; validate it first with
 * gpv_plan_check(): members this function does not understand are drawn as best it can,
 * never trusted for memory safety) to out: the summary, a legend of tenants, one section per
 * GPU model (or per node, inside its model's pool, when the plan's GPUs have a `node`), each
 * GPU as one SVG group, and the unplaced tenants with their reasons. Models are looked up in
 * db for their grids; a model db does not know is drawn as a plain box. opts may be NULL
 * (defaults).
 * Returns 0, or GPV_EINPUT (out unchanged, err says why) when plan is not an object with
 * `gpus` and `tenants` arrays.
 */
int gpv_report_plan_html(struct gpv_buf *out, const struct gpv_val *plan, const struct gpv_db *db,
                         const struct gpv_report_opts *opts, struct gpv_error *err);

/*
 * Appends the HTML page of one model to out: its MIG placement grid with every profile's
 * allowed starts (one lane per profile, a block at each start), the profile facts (size,
 * memory, compute slices, maximum per GPU) and its vGPU types. A model without MIG gets its
 * vGPU types only. Cannot fail.
 */
void gpv_report_model_html(struct gpv_buf *out, const struct gpv_gpu *gpu);

/*
 * The fill colour of a tenant, "#rrggbb": palette[hash(name) mod size], a palette of light
 * colours on which the report's dark text has a contrast ratio of at least 4.5. Stable: the
 * same name always gets the same colour. (Inside one report, a tenant whose colour another
 * tenant earlier in name order already has takes the next free one; see docs/report.md.)
 */
const char *gpv_report_tenant_colour(const char *name);

/* The palette gpv_report_tenant_colour() picks from: *n colours, "#rrggbb" each. */
const char *const *gpv_report_palette(size_t *n);

/* The text colour drawn on tenant colours, "#rrggbb". */
const char *gpv_report_text_colour(void);

struct gpv_diff;

/*
 * Appends the change review of d (gpv_diff_compare(); old_name and new_name are the two
 * documents as the user named them, NULL: "OLD", "NEW") to out as one page (docs/diff.md): the
 * summary (GPUs to drain, tenants disrupted, cost before and after), a key, per node each GPU
 * that changes with its change marker drawn before above after, every instance marked as it
 * stays, appears or is destroyed (colour, pattern and a word), the node's unchanged GPUs named
 * on one line (drawn too when all), then the tenants' moves and the notes. MIG GPUs whose
 * starts are known are drawn on their grid from db; others as equal slots. Cannot fail.
 */
void gpv_report_diff_html(struct gpv_buf *out, const struct gpv_diff *d, const struct gpv_db *db,
                          const char *old_name, const char *new_name, bool all);

/*
 * Appends s to out escaped for HTML text and attribute values (& < > " ' as references),
 * with invalid UTF-8 and control characters other than tab and newline as U+FFFD.
 */
void gpv_report_escape(struct gpv_buf *out, const char *s);

#endif
