#ifndef GPUVPLAN_DRAW_H
#define GPUVPLAN_DRAW_H

/*
 * Text drawings of MIG layouts, for the CLI (mig check, mig layouts, plan tables). One line per
 * row, each instance a bracketed span across its units, labelled with its profile name; runs of
 * free units are one span labelled "free" (or dots when the word does not fit):
 *
 *    0   1   2   3   4   5   6   7
 *   |1g.20gb|1g.20gb|2g.20gb|free   |
 *   |fraud  |fraud  |chat   |       |      <- optional second row (tenant names)
 *
 * A unit is unit_width columns; unit u's number sits above the column just right of its
 * left bar. A profile name longer than its span is shortened: first it loses the "gb" of its
 * memory ("1g.10+me"), then it ends in '~'. A tenant name longer than its span is shown as a
 * key, "[1]", written out under the grid ("[1] team-a-inference-large"), one key per name.
 * Widths are counted as gpv_width() does (UTF-8 characters, no escape codes).
 *
 * A grid that does not fit max_cols (fewer than 3 columns per unit, or a key longer than its
 * span) is drawn as a list instead, one line per instance and free run:
 *
 *   START  SIZE  PROFILE  TENANT
 *   0      2     1g.20gb  fraud
 *
 * docs/mig.md, "Reading the grid".
 */

#include "gpuvplan/db.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"

#include <stdbool.h>

struct gpv_draw {
    const char *indent;        /* written before every line; NULL: none */
    int unit_width;            /* columns per unit; 0: gpv_draw_unit_width() */
    int max_cols;              /* width limit of a line, indent included; 0: 80 */
    bool numbers;              /* a row of unit numbers above the grid */
    const char *const *labels; /* second row, labels[i] under instance i (NULL entries blank);
                                  NULL: no second row */
};

/*
 * The smallest unit width (at least 3) at which every label of l (profile names and d->labels)
 * fits its span, capped so that a line fits d->max_cols (at least 2 columns per unit).
 */
int gpv_draw_unit_width(const struct gpv_gpu *gpu, const struct gpv_mig_layout *l,
                        const struct gpv_draw *d);

/* The widest unit width at which a grid of `units` fits max_cols (0: 80) after indent. */
int gpv_draw_max_unit_width(int units, const char *indent, int max_cols);

/* Whether a grid of `units` units fits max_cols (0: 80) after indent, at 3 columns a unit. */
bool gpv_draw_fits(int units, const char *indent, int max_cols);

/* Appends the unit-number row for a grid of `units` units (one line, no trailing spaces). */
void gpv_draw_numbers(struct gpv_buf *out, int units, int unit_width, const char *indent);

/*
 * Appends the drawing of l on gpu's grid: the number row when d->numbers, the profile row, and
 * the label row and its keys when d->labels; or the list form when the grid does not fit. l must be
 * in the grid (gpv_mig_check_layout() finds no OUT_OF_GRID or UNKNOWN); overlapping instances are
 * drawn, the later one winning each unit.
 */
void gpv_draw_layout(struct gpv_buf *out, const struct gpv_gpu *gpu, const struct gpv_mig_layout *l,
                     const struct gpv_draw *d);

#endif
