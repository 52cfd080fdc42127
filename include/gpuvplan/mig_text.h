#ifndef GPUVPLAN_MIG_TEXT_H
#define GPUVPLAN_MIG_TEXT_H

/*
 * The words for MIG facts: why a geometry or a layout is not valid, and the small phrases those
 * sentences are made of. One wording per fact, used by `mig check`, the plan checker and the
 * quiz. Pure: appends plain text (no colour, no newline) to a caller's buffer; never prints.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"

/*
 * Appends the sentence for one reason r about gpu under driver (0 = the newest), for example
 * "4 x 2g.20gb asked, but a GPU holds at most 3 (2g.20gb may start at units 0, 2 or 4);
 * 1g.20gb has as much memory and allows 4". layout is the layout r was found in by
 * gpv_mig_check_layout() (its instance indexes are read for UNKNOWN, OUT_OF_GRID, BAD_START and
 * OVERLAP), or NULL for a reason of gpv_mig_explain(). gpu must have MIG.
 */
void gpv_mig_text_reason(struct gpv_buf *out, const struct gpv_gpu *gpu,
                         const struct gpv_mig_layout *layout, const struct gpv_mig_reason *r,
                         int driver);

/*
 * Appends why counts (gpu->mig->nprofiles entries) is not valid on driver: every reason of
 * gpv_mig_explain() worded as gpv_mig_text_reason() does, joined by sep. Returns the number of
 * reasons (0: valid, nothing appended). gpu must have MIG.
 */
int gpv_mig_text_reasons(struct gpv_buf *out, const struct gpv_gpu *gpu, const int *counts,
                         int driver, const char *sep);

/*
 * Appends why layout is rejected on driver: every reason of gpv_mig_check_layout() worded as
 * gpv_mig_text_reason() does, joined by sep. Returns the number of reasons (0: valid, nothing
 * appended). gpu must have MIG.
 */
int gpv_mig_text_layout_reasons(struct gpv_buf *out, const struct gpv_gpu *gpu,
                                const struct gpv_mig_layout *layout, int driver, const char *sep);

/* Appends "driver R535", or "the newest driver" for driver 0. */
void gpv_mig_text_driver(struct gpv_buf *out, int driver);

/* Appends the allowed start units of profile p: "0, 2 or 4" (last_sep " or "), "0". */
void gpv_mig_text_starts(struct gpv_buf *out, const struct gpv_mig_profile *p,
                         const char *last_sep);

/* Appends the units [start, start + size): "0-3", or "5" for one unit. */
void gpv_mig_text_units(struct gpv_buf *out, int start, int size);

#endif
