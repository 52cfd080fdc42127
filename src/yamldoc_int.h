#ifndef GPUVPLAN_YAMLDOC_INT_H
#define GPUVPLAN_YAMLDOC_INT_H

/*
 * Private to src/yamldoc*.c: what the event parser (yamldoc.c: libyaml, the fast scanner's
 * hand-over, the checks made on every event) lends the tree built on its events
 * (yamldoc_tree.c). The node readers (yamldoc_read.c) need only the public header.
 */

#include "gpuvplan/yamldoc.h"

#include <stddef.h>

/* Collections under construction by gpv_yparser_tree(); the parser holds them, so each tree of a
 * streamed file reuses the arrays of the one before. */
struct ybuilder {
    struct gpv_ynode *stack[GPV_YAML_MAX_DEPTH + 1];
    /* The items of each open collection, moved into the document when it closes; reused by
     * the next collection at the same depth. */
    struct gpv_ynode **items[GPV_YAML_MAX_DEPTH + 1];
    size_t cap[GPV_YAML_MAX_DEPTH + 1];
    int depth;
};

/* p's tree builder; it lives as long as p. */
struct ybuilder *gpv_yparser_builder(struct gpv_yparser *p);

/* Marks p failed (the caller has filled the error): only gpv_yparser_free() is left. */
void gpv_yparser_set_failed(struct gpv_yparser *p);

#endif
