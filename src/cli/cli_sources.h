#ifndef GPUVPLAN_CLI_SOURCES_H
#define GPUVPLAN_CLI_SOURCES_H

/* What `show MODEL` and `rules` share: a list of sources, as the terminal and JSON show it. */

#include "gpuvplan/db.h"
#include "gpuvplan/value.h"

#include <stddef.h>

/*
 * Prints v[0..n) to stdout, one source a paragraph: "  [id] title" wrapped under a hanging
 * indent, then its URL (when it has one) on a line of its own, unbroken if it is too long.
 */
void cli_sources_print(const struct gpv_source *v, size_t n);

/* v[0..n) as a new JSON array of {id, title, url} objects (url null when absent). */
struct gpv_val *cli_sources_value(const struct gpv_source *v, size_t n);

#endif
