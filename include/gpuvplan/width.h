#ifndef GPUVPLAN_WIDTH_H
#define GPUVPLAN_WIDTH_H

/*
 * How many terminal columns text takes: the one measure every table, grid and wrapped
 * paragraph uses (docs/architecture.md, "The terminal"). ANSI escape sequences (ESC '[' ...
 * final byte, and a lone ESC with the byte after it) take no columns; a UTF-8 character takes
 * one column however many bytes it has (continuation bytes 0x80..0xBF count nothing). Wide
 * (East Asian) characters are counted as one column: gpuvplan's own text has none, and names
 * from input files are measured, not judged.
 */

#include "gpuvplan/util.h"

#include <stddef.h>

/* The columns s (NUL-terminated) takes. */
size_t gpv_width(const char *s);

/* The columns s[0..len) takes; stops early at a NUL byte. */
size_t gpv_width_n(const char *s, size_t len);

/*
 * The length in bytes of the longest prefix of s that takes at most cols columns and does not
 * end inside a UTF-8 character or an escape sequence. *used (may be NULL) gets its columns.
 */
size_t gpv_width_prefix(const char *s, size_t cols, size_t *used);

/*
 * Appends text to out wrapped at width columns: the first line starts with `first`, the
 * following ones with `rest` (indents, usually spaces). Runs of blanks and newlines collapse
 * to one space; a \001 byte is a space that never breaks (written as a space). A word longer than a
 * whole line (a long link) is cut where the line ends and goes on after `rest` on the next, so no
 * line is wider than width (unless the indent leaves fewer than 8 columns). Ends with a newline.
 */
void gpv_width_wrap(struct gpv_buf *out, int width, const char *first, const char *rest,
                    const char *text);

#endif
