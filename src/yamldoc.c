#include "gpuvplan/yamldoc.h"
#include "gpuvplan/util.h"
#include "yamldoc_int.h"
#include "yscan_int.h"

#include <yaml.h>

#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key of an open mapping, for finding duplicates: its text is at off in the level's kbuf. */
struct ykey {
    size_t off;
    int line, col;
    unsigned hash;
};

/* Keys of a mapping compared one by one as they come while there are few (a tenant has about
 * ten); past this many they are sorted once when the mapping ends. */
#define YKEYS_SCAN 32

/* An open collection. */
struct ylevel {
    bool map;
    size_t n; /* items so far; a mapping counts keys and values */
    /* A mapping's keys. */
    char *kbuf;
    size_t kused, kcap;
    struct ykey *keys;
    size_t nkeys, keycap;
    /* The duplicate reported when the mapping ends (-1: none yet): the repeat of the key that
       sorts first, against that key's first occurrence. */
    long dup, dup_first;
};

struct gpv_yparser {
    /* The fast scanner while it reads (NULL once libyaml has taken over, or from the start). */
    struct gpv_yscan *fast;
    char *sbuf; /* the fast scanner's current scalar, NUL-terminated */
    size_t scap;
    const char *buf;
    size_t len;
    bool yaml_ready; /* parser is initialised */
    yaml_parser_t parser;
    yaml_event_t event;
    bool have_event; /* event holds libyaml's current event (freed by the next call) */
    bool done;       /* the stream ended */
    bool failed;     /* an error was returned: only gpv_yparser_free() is left */
    int docs;
    char *name;
    int depth;
    struct ylevel lv[GPV_YAML_MAX_DEPTH + 1];
    struct ybuilder b;
};

/* False while tests compare the fast scanner with libyaml alone. */
static bool fast_on = true;

void
gpv_yparser_set_fast(bool on)
{
    fast_on = on;
}

bool
gpv_yparser_is_fast(const struct gpv_yparser *p)
{
    return p->fast != NULL;
}

/* Starts libyaml over the whole buffer. Returns 0 or GPV_ESYS. */
static int
start_libyaml(struct gpv_yparser *p, struct gpv_error *err)
{
    /* libyaml's initialisation fails only when it cannot allocate its buffers. */
    if (!yaml_parser_initialize(&p->parser)) {
        p->failed = true;
        return gpv_error_set(err, GPV_ESYS, p->name, 0, 0, "out of memory");
    }
    p->yaml_ready = true;
    yaml_parser_set_input_string(&p->parser, (const unsigned char *)p->buf, p->len);
    return 0;
}

int
gpv_yparser_new(struct gpv_yparser **out, const char *buf, size_t len, const char *name,
                struct gpv_error *err)
{
    struct gpv_yparser *p;
    const char *env;
    int i;

    *out = NULL;
    if (!name)
        name = "<input>";
    p = xcalloc(1, sizeof(*p));
    p->name = xstrdup(name);
    p->buf = buf;
    p->len = len;
    env = getenv("GPV_YAML_LIBYAML");
    if (fast_on && !(env && !strcmp(env, "1")))
        p->fast = gpv_yscan_new(buf, len);
    if (!p->fast && start_libyaml(p, err)) {
        free(p->name);
        free(p);
        return GPV_ESYS;
    }
    for (i = 0; i <= GPV_YAML_MAX_DEPTH; i++)
        p->lv[i].dup = p->lv[i].dup_first = -1;
    *out = p;
    return 0;
}

void
gpv_yparser_free(struct gpv_yparser *p)
{
    int i;

    if (!p)
        return;
    if (p->have_event)
        yaml_event_delete(&p->event);
    if (p->yaml_ready)
        yaml_parser_delete(&p->parser);
    gpv_yscan_free(p->fast);
    free(p->sbuf);
    for (i = 0; i <= GPV_YAML_MAX_DEPTH; i++) {
        free(p->lv[i].kbuf);
        free(p->lv[i].keys);
        free(p->b.items[i]);
    }
    free(p->name);
    free(p);
}

const char *
gpv_yparser_name(const struct gpv_yparser *p)
{
    return p->name;
}

struct ybuilder *
gpv_yparser_builder(struct gpv_yparser *p)
{
    return &p->b;
}

void
gpv_yparser_set_failed(struct gpv_yparser *p)
{
    p->failed = true;
}

static int fail_at(struct gpv_yparser *p, struct gpv_error *err, int code, int line, int col,
                   const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Fills err at line and col (from 1; 0 for none) and fails the parser. */
static int
fail_at(struct gpv_yparser *p, struct gpv_error *err, int code, int line, int col, const char *fmt,
        ...)
{
    va_list ap;

    va_start(ap, fmt);
    gpv_error_vset(err, code, p->name, line, col, fmt, ap);
    va_end(ap);
    p->failed = true;
    return code;
}

/* libyaml counts lines and columns from 0. */
#define MARK_LINE(m) ((int)(m)->line + 1)
#define MARK_COL(m)  ((int)(m)->column + 1)

/* The error of a failed yaml_parser_parse(): running out of memory inside libyaml is the
   system's fault, anything else the input's, at libyaml's position. */
static int
fail_libyaml(struct gpv_yparser *p, struct gpv_error *err)
{
    if (p->parser.error == YAML_MEMORY_ERROR)
        return fail_at(p, err, GPV_ESYS, 0, 0, "out of memory");
    return fail_at(p, err, GPV_EINPUT, MARK_LINE(&p->parser.problem_mark),
                   MARK_COL(&p->parser.problem_mark), "%s%s%s",
                   p->parser.problem ? p->parser.problem : "invalid YAML",
                   p->parser.context ? " " : "", p->parser.context ? p->parser.context : "");
}

static unsigned
key_hash(const char *s, size_t len)
{
    unsigned h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Records a key of the mapping at lv; while it has few keys, notes a repeat at once. */
static void
add_key(struct ylevel *lv, const char *s, size_t len, int line, int col)
{
    struct ykey *k;
    size_t i;

    if (lv->kcap - lv->kused < len + 1) {
        while (lv->kcap - lv->kused < len + 1)
            lv->kcap = lv->kcap ? lv->kcap * 2 : 256;
        lv->kbuf = xrealloc(lv->kbuf, lv->kcap);
    }
    if (lv->nkeys == lv->keycap) {
        lv->keycap = lv->keycap ? lv->keycap * 2 : 16;
        lv->keys = xreallocarray(lv->keys, lv->keycap, sizeof(*lv->keys));
    }
    k = &lv->keys[lv->nkeys++];
    k->off = lv->kused;
    k->line = line;
    k->col = col;
    k->hash = key_hash(s, len);
    memcpy(lv->kbuf + lv->kused, s, len);
    lv->kbuf[lv->kused + len] = '\0';
    lv->kused += len + 1;
    if (lv->nkeys > YKEYS_SCAN)
        return;
    for (i = 0; i + 1 < lv->nkeys; i++) {
        if (lv->keys[i].hash == k->hash && !strcmp(lv->kbuf + lv->keys[i].off, lv->kbuf + k->off)) {
            if (lv->dup < 0 || strcmp(lv->kbuf + k->off, lv->kbuf + lv->keys[lv->dup].off) < 0) {
                lv->dup = (long)(lv->nkeys - 1);
                lv->dup_first = (long)i;
            }
            return;
        }
    }
}

/* A large mapping's key, for sorting: by text, ties by position. */
struct key_ref {
    const char *s;
    int line, col;
};

static int
key_cmp(const void *a, const void *b)
{
    const struct key_ref *x = a, *y = b;
    int c = strcmp(x->s, y->s);

    /* Ties by position, so the later duplicate is the one reported. */
    if (c)
        return c;
    return x->line != y->line ? x->line - y->line : x->col - y->col;
}

/* At the end of a mapping: the repeated key that sorts first, at its second occurrence. */
static int
check_keys(struct gpv_yparser *p, struct ylevel *lv, struct gpv_error *err)
{
    struct key_ref *refs = NULL, k = {NULL, 0, 0}, first = {NULL, 0, 0};
    size_t i;
    int rc = 0;

    if (lv->nkeys > YKEYS_SCAN) {
        refs = xmalloc(lv->nkeys * sizeof(*refs));
        for (i = 0; i < lv->nkeys; i++) {
            refs[i].s = lv->kbuf + lv->keys[i].off;
            refs[i].line = lv->keys[i].line;
            refs[i].col = lv->keys[i].col;
        }
        qsort(refs, lv->nkeys, sizeof(*refs), key_cmp);
        for (i = 1; i < lv->nkeys && !k.s; i++) {
            if (!strcmp(refs[i - 1].s, refs[i].s)) {
                k = refs[i];
                first = refs[i - 1];
            }
        }
    } else if (lv->dup >= 0) {
        k.s = lv->kbuf + lv->keys[lv->dup].off;
        k.line = lv->keys[lv->dup].line;
        k.col = lv->keys[lv->dup].col;
        first.line = lv->keys[lv->dup_first].line;
    }
    if (k.s) {
        p->failed = true;
        rc = gpv_error_set(err, GPV_EINPUT, p->name, k.line, k.col,
                           "duplicate key '%s' (first at line %d)", k.s, first.line);
    }
    free(refs);
    return rc;
}

/*
 * A scalar, or the start of a sequence or mapping, in *out (kind, line, col; a scalar's str, len
 * and plain): checks it (no anchors, tags, NUL bytes or complex keys; the depth limit), records a
 * mapping key and opens a collection. anchor and tag are libyaml's (NULL from the fast scanner,
 * whose scalars hold no NUL byte: nul_free).
 */
static int
start_node(struct gpv_yparser *p, struct gpv_yevent *out, const char *anchor, const char *tag,
           bool nul_free, struct gpv_error *err)
{
    struct ylevel *top = p->depth > 0 ? &p->lv[p->depth - 1] : NULL;
    bool key = top && top->map && top->n % 2 == 0;

    if (anchor)
        return fail_at(p, err, GPV_EINPUT, out->line, out->col,
                       "YAML anchors (&%s) are not supported", anchor);
    if (tag && !(out->kind == GPV_YE_SCALAR && strcmp(tag, YAML_STR_TAG) == 0))
        return fail_at(p, err, GPV_EINPUT, out->line, out->col, "YAML tag '%s' is not supported",
                       tag);
    out->depth = p->depth;
    if (out->kind == GPV_YE_SCALAR) {
        if (!nul_free && memchr(out->str, '\0', out->len))
            return fail_at(p, err, GPV_EINPUT, out->line, out->col, "NUL byte in a scalar");
        if (key)
            add_key(top, out->str, out->len, out->line, out->col);
    } else {
        out->str = NULL;
        out->len = 0;
        out->plain = false;
        if (key)
            return fail_at(p, err, GPV_EINPUT, out->line, out->col,
                           "mapping keys must be plain scalars");
    }
    if (top)
        top->n++;
    if (out->kind != GPV_YE_SCALAR) {
        struct ylevel *lv;

        if (p->depth == GPV_YAML_MAX_DEPTH)
            return fail_at(p, err, GPV_EINPUT, out->line, out->col, "nesting deeper than %d levels",
                           GPV_YAML_MAX_DEPTH);
        lv = &p->lv[p->depth++];
        lv->map = out->kind == GPV_YE_MAP;
        lv->n = 0;
        lv->kused = 0;
        lv->nkeys = 0;
        lv->dup = lv->dup_first = -1;
    }
    return 0;
}

/* libyaml's scalar, sequence or mapping start in *out, through start_node(). */
static int
start_yaml_node(struct gpv_yparser *p, struct gpv_yevent *out, struct gpv_error *err)
{
    const yaml_event_t *event = &p->event;
    const yaml_char_t *anchor, *tag;

    if (event->type == YAML_SCALAR_EVENT) {
        anchor = event->data.scalar.anchor;
        tag = event->data.scalar.tag;
        out->kind = GPV_YE_SCALAR;
        out->str = (const char *)event->data.scalar.value;
        out->len = event->data.scalar.length;
        out->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
    } else if (event->type == YAML_SEQUENCE_START_EVENT) {
        anchor = event->data.sequence_start.anchor;
        tag = event->data.sequence_start.tag;
        out->kind = GPV_YE_SEQ;
    } else {
        anchor = event->data.mapping_start.anchor;
        tag = event->data.mapping_start.tag;
        out->kind = GPV_YE_MAP;
    }
    return start_node(p, out, (const char *)anchor, (const char *)tag, false, err);
}

/* The end of the innermost collection in *out (line and col set): checks a mapping's keys. */
static int
end_node(struct gpv_yparser *p, struct gpv_yevent *out, struct gpv_error *err)
{
    struct ylevel *lv = &p->lv[--p->depth];

    out->kind = GPV_YE_END;
    out->depth = p->depth;
    out->str = NULL;
    out->len = 0;
    out->plain = false;
    if (lv->map)
        return check_keys(p, lv, err);
    return 0;
}

/*
 * The fast scanner left its subset: libyaml starts over the same buffer and its events up to
 * the ones already delivered are dropped (they are the same events, checked already).
 */
static int
fall_back(struct gpv_yparser *p, struct gpv_error *err)
{
    size_t skip = gpv_yscan_delivered(p->fast);
    int rc;

    gpv_yscan_free(p->fast);
    p->fast = NULL;
    if ((rc = start_libyaml(p, err)))
        return rc;
    while (skip > 0) {
        /* A failure here is not reached when the scanner is right (the tests prove it):
           libyaml's error stands. */
        if (yaml_parser_parse(&p->parser, &p->event) != 1)
            return fail_libyaml(p, err);
        switch (p->event.type) {
        case YAML_DOCUMENT_START_EVENT:
            p->docs++;
            break;
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        default:
            skip--;
            break;
        }
        yaml_event_delete(&p->event);
    }
    return 0;
}

/* The fast scanner's next event into *out, checked. Returns as gpv_yparser_next(), or 1 when
   the scanner left its subset (libyaml has taken over). */
static int
next_fast(struct gpv_yevent *out, struct gpv_yparser *p, struct gpv_error *err)
{
    struct gpv_yscan_event fe;

    if (!gpv_yscan_next(&fe, p->fast)) {
        int rc = fall_back(p, err);

        return rc ? rc : 1;
    }
    out->kind = fe.kind;
    out->line = fe.line;
    out->col = fe.col;
    out->plain = fe.plain;
    switch (fe.kind) {
    case GPV_YE_DONE:
        p->done = true;
        out->depth = 0;
        out->str = NULL;
        out->len = 0;
        return 0;
    case GPV_YE_END:
        return end_node(p, out, err);
    case GPV_YE_SCALAR:
        if (fe.len + 1 > p->scap) {
            p->scap = fe.len + 1 > 256 ? fe.len + 1 : 256;
            free(p->sbuf);
            p->sbuf = xmalloc(p->scap);
        }
        memcpy(p->sbuf, fe.str, fe.len);
        p->sbuf[fe.len] = '\0';
        out->str = p->sbuf;
        out->len = fe.len;
        break;
    default:
        break;
    }
    return start_node(p, out, NULL, NULL, true, err);
}

int
gpv_yparser_next(struct gpv_yevent *out, struct gpv_yparser *p, struct gpv_error *err)
{
    int rc;

    GPV_ASSERT(!p->failed);
    if (p->fast && !p->done && (rc = next_fast(out, p, err)) <= 0)
        return rc;
    for (;;) {
        if (p->have_event) {
            yaml_event_delete(&p->event);
            p->have_event = false;
        }
        if (p->done) {
            out->kind = GPV_YE_DONE;
            out->depth = 0;
            return 0;
        }
        /* libyaml returns 1 on success. */
        if (yaml_parser_parse(&p->parser, &p->event) != 1)
            return fail_libyaml(p, err);
        p->have_event = true;
        out->line = MARK_LINE(&p->event.start_mark);
        out->col = MARK_COL(&p->event.start_mark);
        switch (p->event.type) {
        case YAML_STREAM_END_EVENT:
            p->done = true;
            out->kind = GPV_YE_DONE;
            out->depth = 0;
            out->str = NULL;
            out->len = 0;
            out->plain = false;
            return 0;
        case YAML_DOCUMENT_START_EVENT:
            if (++p->docs > 1)
                return fail_at(p, err, GPV_EINPUT, out->line, out->col,
                               "only one YAML document per file is supported");
            break;
        case YAML_ALIAS_EVENT:
            return fail_at(p, err, GPV_EINPUT, out->line, out->col,
                           "YAML aliases (*%s) are not supported",
                           (const char *)p->event.data.alias.anchor);
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            return start_yaml_node(p, out, err);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            return end_node(p, out, err);
        default:
            break;
        }
    }
}

int
gpv_yparser_skip(struct gpv_yparser *p, const struct gpv_yevent *first, struct gpv_error *err)
{
    struct gpv_yevent ev;
    int rc;

    if (first->kind != GPV_YE_SEQ && first->kind != GPV_YE_MAP)
        return 0;
    do {
        if ((rc = gpv_yparser_next(&ev, p, err)))
            return rc;
    } while (!(ev.kind == GPV_YE_END && ev.depth == first->depth));
    return 0;
}
