#ifndef GPUVPLAN_YSCAN_INT_H
#define GPUVPLAN_YSCAN_INT_H

/*
 * The fast event scanner behind gpv_yparser (yamldoc.c): the YAML that people and generators
 * write for tenants (block mappings and sequences, one-line flow collections, comments, plain
 * and simply quoted one-line scalars), read without libyaml. It gives exactly the events
 * libyaml gives on that subset, and stops (gpv_yscan_next() returns false) at anything else,
 * before delivering any event libyaml might not deliver: yamldoc.c then restarts libyaml on
 * the same buffer and skips the events already delivered. docs/architecture.md says what it
 * reads and how that is proven.
 */

#include "gpuvplan/yamldoc.h"

#include <stdbool.h>
#include <stddef.h>

struct gpv_yscan;

/* One event as libyaml would give it; the checks (depth, keys) are yamldoc.c's. */
struct gpv_yscan_event {
    enum gpv_yevent_kind kind; /* SCALAR, SEQ, MAP, END or DONE */
    int line, col;             /* from 1, libyaml's start mark */
    bool plain;                /* scalar written without quotes */
    const char *str;           /* scalar text in the buffer, not NUL-terminated; else NULL */
    size_t len;
};

/*
 * A scanner over buf[0..len), which must outlive it. Returns NULL when libyaml's reader could
 * object to a byte anywhere in the buffer (a byte order mark, tabs, CR, control bytes, invalid
 * UTF-8), since its reader checks bytes far ahead of its events; non-ASCII text is read only in
 * comments (the scanner stops at it elsewhere). Free with gpv_yscan_free().
 */
struct gpv_yscan *gpv_yscan_new(const char *buf, size_t len);

/*
 * The next event into *out: true, or false when the input leaves the subset here (then call
 * nothing but gpv_yscan_delivered() and gpv_yscan_free()). After DONE, DONE again.
 */
bool gpv_yscan_next(struct gpv_yscan_event *out, struct gpv_yscan *s);

/* Events delivered so far, DONE not counted: the ones libyaml must skip when it takes over. */
size_t gpv_yscan_delivered(const struct gpv_yscan *s);

/* Frees s. NULL is fine. */
void gpv_yscan_free(struct gpv_yscan *s);

/*
 * For tests: false makes every gpv_yparser use libyaml alone (as does the environment variable
 * GPV_YAML_LIBYAML=1); true restores the default.
 */
void gpv_yparser_set_fast(bool on);

/* For tests: true when p has read everything so far without libyaml. */
bool gpv_yparser_is_fast(const struct gpv_yparser *p);

#endif
