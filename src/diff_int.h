#ifndef GPUVPLAN_DIFF_INT_H
#define GPUVPLAN_DIFF_INT_H

/* Shared by diff_read.c (reading and validating a plan or a state) and diff.c (comparing two
 * documents, the diff's value tree). */

#include "gpuvplan/diff.h"

/* The identity two documents share: node/index, or the id of a GPU without a node; caller
 * frees. */
char *diff_gpu_key(const struct gpv_diff_gpu *g);
/* qsort/bsearch order of two `const char *` elements by strcmp. */
int diff_str_ptr_cmp(const void *a, const void *b);

#endif
