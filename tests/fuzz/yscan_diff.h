#ifndef GPUVPLAN_TESTS_YSCAN_DIFF_H
#define GPUVPLAN_TESTS_YSCAN_DIFF_H

/*
 * The differential check of the fast YAML scanner, shared by tests/unit/test_yscan.c and
 * tests/fuzz/fuzz_yscan.c: a buffer read by gpv_yparser with libyaml alone and with the fast
 * scanner must give the same events (kind, depth, line, column, plain, text) and end the same
 * way (DONE at the same position, or the same error: code, position and message).
 */

#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "yscan_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YDIFF_MAX_EVENTS 2000000 /* events compared per buffer */

struct ydiff_ev {
    struct gpv_yevent ev;
    char *str;
};

/* Reads buf with the fast scanner on or off into *evs (*n events); returns the last status and
   fills err. *fast says whether the fast scanner read it to the end. */
static int
ydiff_read(struct ydiff_ev **evs, size_t *n, bool *fast, const char *buf, size_t len, bool on,
           struct gpv_error *err)
{
    struct gpv_yparser *p = NULL;
    struct gpv_yevent ev;
    size_t cap = 0;
    int rc;

    *evs = NULL;
    *n = 0;
    *fast = false;
    gpv_error_init(err);
    gpv_yparser_set_fast(on);
    rc = gpv_yparser_new(&p, buf, len, "d.yaml", err);
    gpv_yparser_set_fast(true);
    if (rc)
        return rc;
    for (;;) {
        if ((rc = gpv_yparser_next(&ev, p, err)))
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *evs = xreallocarray(*evs, cap, sizeof(**evs));
        }
        (*evs)[*n].ev = ev;
        (*evs)[*n].str = NULL;
        if (ev.kind == GPV_YE_SCALAR) {
            (*evs)[*n].str = xmalloc(ev.len + 1);
            memcpy((*evs)[*n].str, ev.str, ev.len + 1);
        }
        (*n)++;
        if (ev.kind == GPV_YE_DONE || *n == YDIFF_MAX_EVENTS)
            break;
    }
    *fast = gpv_yparser_is_fast(p);
    gpv_yparser_free(p);
    return rc;
}

static void
ydiff_release(struct ydiff_ev *evs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(evs[i].str);
    free(evs);
}

/*
 * Compares the two paths over buf[0..len). Returns true when they agree; otherwise writes what
 * differs into why (size bytes). *fast (may be NULL) says whether the fast scanner read it all.
 */
static bool
ydiff_same(char *why, size_t size, bool *fast, const char *buf, size_t len)
{
    struct ydiff_ev *a = NULL, *b = NULL;
    struct gpv_error ea, eb;
    size_t na, nb, i;
    bool fa, fb, same = true;
    int ra = ydiff_read(&a, &na, &fa, buf, len, false, &ea);
    int rb = ydiff_read(&b, &nb, &fb, buf, len, true, &eb);

    why[0] = '\0';
    if (fast)
        *fast = fb;
    for (i = 0; i < na && i < nb && same; i++) {
        const struct gpv_yevent *x = &a[i].ev, *y = &b[i].ev;

        if (x->kind != y->kind || x->depth != y->depth || x->line != y->line || x->col != y->col ||
            (x->kind == GPV_YE_SCALAR &&
             (x->plain != y->plain || x->len != y->len || memcmp(a[i].str, b[i].str, x->len)))) {
            snprintf(why, size,
                     "event %zu: libyaml kind %d depth %d at %d:%d plain %d '%s', fast kind %d "
                     "depth %d at %d:%d plain %d '%s'",
                     i, (int)x->kind, x->depth, x->line, x->col, (int)x->plain,
                     a[i].str ? a[i].str : "", (int)y->kind, y->depth, y->line, y->col,
                     (int)y->plain, b[i].str ? b[i].str : "");
            same = false;
        }
    }
    if (same && na != nb) {
        snprintf(why, size, "libyaml gave %zu events, fast %zu (libyaml: %s; fast: %s)", na, nb,
                 ra ? ea.msg : "ok", rb ? eb.msg : "ok");
        same = false;
    }
    if (same && (ra != rb || (ra && (ea.line != eb.line || ea.col != eb.col ||
                                     strcmp(ea.msg, eb.msg) || strcmp(ea.file, eb.file))))) {
        snprintf(why, size, "libyaml ended %d at %d:%d '%s', fast %d at %d:%d '%s'", ra, ea.line,
                 ea.col, ea.msg, rb, eb.line, eb.col, eb.msg);
        same = false;
    }
    ydiff_release(a, na);
    ydiff_release(b, nb);
    return same;
}

#endif
