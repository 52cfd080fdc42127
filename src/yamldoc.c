#include "gpuvplan/yamldoc.h"
#include "gpuvplan/util.h"

#include <yaml.h>

#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A document's nodes, scalars and item arrays live in chunks that are freed together: one
 * allocation per 64 KiB instead of two or three per node, and freeing is a walk of the chunks.
 */
#define CHUNK_BYTES (64 * 1024)

struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
};

/* The document and where its nodes live; gpv_ydoc is the part callers see. */
struct ydoc_impl {
    struct gpv_ydoc doc; /* first: a gpv_ydoc pointer is a ydoc_impl pointer */
    struct chunk *chunks;
};

static void *
doc_alloc(struct gpv_ydoc *doc, size_t n)
{
    struct ydoc_impl *d = (struct ydoc_impl *)doc;
    struct chunk *c = d->chunks;
    void *p;

    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;

        c = xmalloc(offsetof(struct chunk, data) + cap);
        c->used = 0;
        c->cap = cap;
        c->next = d->chunks;
        d->chunks = c;
    }
    p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

void
gpv_ydoc_free(struct gpv_ydoc *doc)
{
    struct ydoc_impl *d = (struct ydoc_impl *)doc;
    struct chunk *c, *next;

    if (!doc)
        return;
    for (c = d->chunks; c; c = next) {
        next = c->next;
        free(c);
    }
    free(doc->name);
    free(d);
}

/* Collections under construction. */
struct builder {
    struct gpv_ynode *stack[GPV_YAML_MAX_DEPTH + 1];
    /* The items of each open collection, moved into the document when it closes; reused by
     * the next collection at the same depth. */
    struct gpv_ynode **items[GPV_YAML_MAX_DEPTH + 1];
    size_t cap[GPV_YAML_MAX_DEPTH + 1];
    int depth;
    size_t nodes;
};

static struct gpv_ynode *
node_new(struct gpv_ydoc *doc, enum gpv_ykind kind, const yaml_mark_t *mark)
{
    struct gpv_ynode *node = doc_alloc(doc, sizeof(*node));

    memset(node, 0, sizeof(*node));
    node->kind = kind;
    /* libyaml counts lines and columns from 0. */
    node->line = (int)mark->line + 1;
    node->col = (int)mark->column + 1;
    return node;
}

static void
push_item(struct builder *b, struct gpv_ynode *node)
{
    int d = b->depth - 1;
    struct gpv_ynode *top = b->stack[d];

    if (top->n == b->cap[d]) {
        b->cap[d] = b->cap[d] ? b->cap[d] * 2 : 16;
        b->items[d] = xreallocarray(b->items[d], b->cap[d], sizeof(*b->items[d]));
    }
    b->items[d][top->n++] = node;
}

/* Closes the innermost collection: its items move into the document. Returns it. */
static struct gpv_ynode *
close_collection(struct builder *b, struct gpv_ydoc *doc)
{
    int d = --b->depth;
    struct gpv_ynode *top = b->stack[d];

    if (top->n) {
        top->items = doc_alloc(doc, top->n * sizeof(*top->items));
        memcpy(top->items, b->items[d], top->n * sizeof(*top->items));
    }
    return top;
}

static int
key_cmp(const void *a, const void *b)
{
    const struct gpv_ynode *x = *(struct gpv_ynode *const *)a;
    const struct gpv_ynode *y = *(struct gpv_ynode *const *)b;
    int c = strcmp(x->str, y->str);

    /* Ties by position, so the later duplicate is the one reported. */
    if (c)
        return c;
    return x->line != y->line ? x->line - y->line : x->col - y->col;
}

/* Mappings are built as a flat list of 2n items; finish one and reject duplicate keys. */
static int
finish_map(struct gpv_ynode *map, const char *name, struct gpv_error *err)
{
    struct gpv_ynode **keys;
    size_t i, n = map->n / 2;
    int rc = 0;

    map->n = n;
    if (n < 2)
        return 0;
    keys = xmalloc(n * sizeof(*keys));
    for (i = 0; i < n; i++)
        keys[i] = map->items[2 * i];
    qsort(keys, n, sizeof(*keys), key_cmp);
    for (i = 1; i < n; i++) {
        if (strcmp(keys[i - 1]->str, keys[i]->str) == 0) {
            rc = gpv_error_set(err, GPV_EINPUT, name, keys[i]->line, keys[i]->col,
                               "duplicate key '%s' (first at line %d)", keys[i]->str,
                               keys[i - 1]->line);
            break;
        }
    }
    free(keys);
    return rc;
}

/*
 * A scalar, or the start of a sequence or mapping: checks it (no anchors, tags, NUL bytes or
 * complex keys; the node, depth and size limits), adds it under the open collection (or as the
 * root) and opens it when it is a collection. Returns 0 or GPV_EINPUT with err filled.
 */
static int
start_node(struct builder *b, struct gpv_ydoc *doc, const yaml_event_t *event, const char *name,
           struct gpv_error *err)
{
    struct gpv_ynode *node;
    const yaml_char_t *anchor, *tag;

    if (event->type == YAML_SCALAR_EVENT) {
        anchor = event->data.scalar.anchor;
        tag = event->data.scalar.tag;
    } else if (event->type == YAML_SEQUENCE_START_EVENT) {
        anchor = event->data.sequence_start.anchor;
        tag = event->data.sequence_start.tag;
    } else {
        anchor = event->data.mapping_start.anchor;
        tag = event->data.mapping_start.tag;
    }
    if (anchor)
        return gpv_error_set(err, GPV_EINPUT, name, (int)event->start_mark.line + 1,
                             (int)event->start_mark.column + 1,
                             "YAML anchors (&%s) are not supported", (const char *)anchor);
    if (tag && !(event->type == YAML_SCALAR_EVENT && strcmp((const char *)tag, YAML_STR_TAG) == 0))
        return gpv_error_set(err, GPV_EINPUT, name, (int)event->start_mark.line + 1,
                             (int)event->start_mark.column + 1, "YAML tag '%s' is not supported",
                             (const char *)tag);
    if (++b->nodes > GPV_YAML_MAX_NODES)
        return gpv_error_set(err, GPV_EINPUT, name, (int)event->start_mark.line + 1,
                             (int)event->start_mark.column + 1, "document has more than %d nodes",
                             GPV_YAML_MAX_NODES);
    if (event->type == YAML_SCALAR_EVENT) {
        node = node_new(doc, GPV_Y_SCALAR, &event->start_mark);
        node->len = event->data.scalar.length;
        node->str = doc_alloc(doc, node->len + 1);
        memcpy(node->str, event->data.scalar.value, node->len);
        node->str[node->len] = '\0';
        node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
        if (memchr(node->str, '\0', node->len))
            return gpv_error_set(err, GPV_EINPUT, name, node->line, node->col,
                                 "NUL byte in a scalar");
    } else {
        node = node_new(doc, event->type == YAML_SEQUENCE_START_EVENT ? GPV_Y_SEQ : GPV_Y_MAP,
                        &event->start_mark);
    }
    if (b->depth > 0) {
        struct gpv_ynode *top = b->stack[b->depth - 1];

        if (top->kind == GPV_Y_MAP && top->n % 2 == 0 && node->kind != GPV_Y_SCALAR)
            return gpv_error_set(err, GPV_EINPUT, name, node->line, node->col,
                                 "mapping keys must be plain scalars");
        push_item(b, node);
    } else {
        doc->root = node;
    }
    if (node->kind != GPV_Y_SCALAR) {
        if (b->depth == GPV_YAML_MAX_DEPTH)
            return gpv_error_set(err, GPV_EINPUT, name, node->line, node->col,
                                 "nesting deeper than %d levels", GPV_YAML_MAX_DEPTH);
        b->stack[b->depth++] = node;
    }
    return 0;
}

int
gpv_ydoc_parse(struct gpv_ydoc **out, const char *buf, size_t len, const char *name,
               struct gpv_error *err)
{
    yaml_parser_t parser;
    yaml_event_t event;
    struct builder b;
    struct gpv_ydoc *doc = NULL;
    int rc = GPV_EINPUT, docs = 0, i;
    bool done = false, have_event = false;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    if (!name)
        name = "<input>";
    if (len > GPV_YAML_MAX_BYTES)
        return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                             "document is %zu bytes; the limit is %u bytes", len,
                             GPV_YAML_MAX_BYTES);
    /* libyaml's initialisation fails only when it cannot allocate its buffers. */
    if (!yaml_parser_initialize(&parser))
        return gpv_error_set(err, GPV_ESYS, name, 0, 0, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    doc = &((struct ydoc_impl *)xcalloc(1, sizeof(struct ydoc_impl)))->doc;
    doc->name = xstrdup(name);

    while (!done) {
        /* libyaml returns 1 on success. */
        if (yaml_parser_parse(&parser, &event) != 1) {
            /* Allocation failure inside libyaml is the system's fault, not the input's. */
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = gpv_error_set(err, GPV_ESYS, name, 0, 0, "out of memory");
                goto out;
            }
            gpv_error_set(err, GPV_EINPUT, name, (int)parser.problem_mark.line + 1,
                          (int)parser.problem_mark.column + 1, "%s%s%s",
                          parser.problem ? parser.problem : "invalid YAML",
                          parser.context ? " " : "", parser.context ? parser.context : "");
            goto out;
        }
        have_event = true;
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                gpv_error_set(err, GPV_EINPUT, name, (int)event.start_mark.line + 1,
                              (int)event.start_mark.column + 1,
                              "only one YAML document per file is supported");
                goto out;
            }
            break;
        case YAML_ALIAS_EVENT:
            gpv_error_set(err, GPV_EINPUT, name, (int)event.start_mark.line + 1,
                          (int)event.start_mark.column + 1, "YAML aliases (*%s) are not supported",
                          (const char *)event.data.alias.anchor);
            goto out;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (start_node(&b, doc, &event, name, err))
                goto out;
            break;
        case YAML_SEQUENCE_END_EVENT:
            close_collection(&b, doc);
            break;
        case YAML_MAPPING_END_EVENT:
            if (finish_map(close_collection(&b, doc), name, err))
                goto out;
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
        have_event = false;
    }
    rc = 0;
    *out = doc;
    doc = NULL;
out:
    if (have_event)
        yaml_event_delete(&event);
    /* Collections still open have their items here only; the document frees as a whole. */
    for (i = 0; i <= GPV_YAML_MAX_DEPTH; i++)
        free(b.items[i]);
    yaml_parser_delete(&parser);
    gpv_ydoc_free(doc);
    return rc;
}

const struct gpv_ynode *
gpv_ymap_get(const struct gpv_ynode *map, const char *key)
{
    size_t i;

    if (!map || map->kind != GPV_Y_MAP)
        return NULL;
    for (i = 0; i < map->n; i++)
        if (strcmp(map->items[2 * i]->str, key) == 0)
            return map->items[2 * i + 1];
    return NULL;
}

bool
gpv_y_is_null(const struct gpv_ynode *node)
{
    const char *s;

    if (!node || node->kind != GPV_Y_SCALAR || !node->plain)
        return false;
    s = node->str;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

int
gpv_y_error(struct gpv_error *err, int code, const struct gpv_ydoc *doc,
            const struct gpv_ynode *node, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gpv_error_vset(err, code, doc ? doc->name : NULL, node ? node->line : 0, node ? node->col : 0,
                   fmt, ap);
    va_end(ap);
    return code;
}

static const char *
kind_name(const struct gpv_ynode *node)
{
    if (!node)
        return "nothing";
    switch (node->kind) {
    case GPV_Y_SEQ:
        return "a list";
    case GPV_Y_MAP:
        return "a mapping";
    default:
        return gpv_y_is_null(node) ? "null" : "a scalar";
    }
}

int
gpv_y_int(long long *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node, long long min,
          long long max, const char *what, struct gpv_error *err)
{
    long long v;

    if (node && node->kind == GPV_Y_SCALAR && !node->plain)
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "%s must be a whole number, not the quoted string '%s' (remove the "
                           "quotes)",
                           what, node->str);
    if (!node || node->kind != GPV_Y_SCALAR || !node->plain || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a whole number, not %s", what,
                           kind_name(node));
    if (!gpv_parse_ll(&v, node->str, LLONG_MIN, LLONG_MAX))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a whole number, not '%s'", what,
                           node->str);
    if (v < min || v > max)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s is %lld; it must be from %lld to %lld",
                           what, v, min, max);
    *out = v;
    return 0;
}

int
gpv_y_double(double *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node, double min,
             double max, const char *what, struct gpv_error *err)
{
    double v;

    if (!node || node->kind != GPV_Y_SCALAR || !node->plain || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a number, not %s", what,
                           kind_name(node));
    if (!gpv_parse_double(&v, node->str))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a number, not '%s'", what,
                           node->str);
    if (v < min || v > max)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s is %s; it must be from %g to %g", what,
                           node->str, min, max);
    *out = v;
    return 0;
}

int
gpv_y_bool(bool *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node, const char *what,
           struct gpv_error *err)
{
    if (node && node->kind == GPV_Y_SCALAR && node->plain) {
        if (!strcmp(node->str, "true") || !strcmp(node->str, "True") ||
            !strcmp(node->str, "TRUE")) {
            *out = true;
            return 0;
        }
        if (!strcmp(node->str, "false") || !strcmp(node->str, "False") ||
            !strcmp(node->str, "FALSE")) {
            *out = false;
            return 0;
        }
    }
    if (node && node->kind == GPV_Y_SCALAR && !gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be true or false, not '%s'", what,
                           node->str);
    return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be true or false, not %s", what,
                       kind_name(node));
}

int
gpv_y_str(const char **out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
          const char *what, struct gpv_error *err)
{
    const unsigned char *p;

    if (!node || node->kind != GPV_Y_SCALAR || gpv_y_is_null(node) || node->len == 0)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a non-empty string, not %s",
                           what, kind_name(node));
    /* Escapes in quoted scalars ("\0", "\e", "\x85") reach no terminal and truncate nothing. */
    if (strlen(node->str) != node->len)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s contains a NUL byte", what);
    for (p = (const unsigned char *)node->str; *p; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ||
            (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
            return gpv_y_error(err, GPV_EINPUT, doc, node,
                               "%s contains the control character \\x%02x", what,
                               *p == 0xc2 ? p[1] : *p);
    }
    *out = node->str;
    return 0;
}

int
gpv_y_expect(const struct gpv_ydoc *doc, const struct gpv_ynode *node, enum gpv_ykind kind,
             const char *what, struct gpv_error *err)
{
    if (node && node->kind == kind)
        return 0;
    return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be %s, not %s", what,
                       kind == GPV_Y_SEQ   ? "a list"
                       : kind == GPV_Y_MAP ? "a mapping"
                                           : "a scalar",
                       kind_name(node));
}

int
gpv_ymap_decode(void *out, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
                const struct gpv_yfield *fields, size_t nfields, const char *what,
                unsigned long long *seen, struct gpv_error *err)
{
    const char *keys[GPV_YMAP_MAX_FIELDS];
    unsigned long long got = 0;
    char *where;
    size_t i, f;
    int rc;

    /* Schemas are tables in the code, not input: one too large is a bug, not an error. */
    GPV_ASSERT(nfields <= GPV_YMAP_MAX_FIELDS);
    if (gpv_y_expect(doc, map, GPV_Y_MAP, what, err))
        return GPV_EINPUT;
    for (f = 0; f < nfields; f++)
        keys[f] = fields[f].key;
    for (i = 0; i < map->n; i++) {
        const struct gpv_ynode *key = map->items[2 * i], *val = map->items[2 * i + 1];
        const struct gpv_yfield *fd = NULL;
        char *base;

        for (f = 0; f < nfields; f++)
            if (!strcmp(fields[f].key, key->str))
                break;
        if (f == nfields) {
            int s = gpv_suggest(key->str, keys, nfields);

            if (s >= 0)
                return gpv_y_error(err, GPV_EINPUT, doc, key,
                                   "unknown key '%s' in %s (did you mean '%s'?)", key->str, what,
                                   keys[s]);
            return gpv_y_error(err, GPV_EINPUT, doc, key, "unknown key '%s' in %s", key->str, what);
        }
        fd = &fields[f];
        got |= 1ull << f;
        base = (char *)out + fd->offset;
        where = xasprintf("'%s' of %s", fd->key, what);
        rc = 0;
        switch (fd->type) {
        case GPV_YF_STR: {
            const char *s;

            rc = gpv_y_str(&s, doc, val, where, err);
            if (!rc) {
                free(*(char **)base);
                *(char **)base = xstrdup(s);
            }
            break;
        }
        case GPV_YF_INT: {
            long long v;

            rc = gpv_y_int(&v, doc, val, fd->min, fd->max, where, err);
            if (!rc)
                *(int *)base = (int)v;
            break;
        }
        case GPV_YF_LLONG:
            rc = gpv_y_int((long long *)base, doc, val, fd->min, fd->max, where, err);
            break;
        case GPV_YF_DOUBLE:
            rc = gpv_y_double((double *)base, doc, val, fd->dmin, fd->dmax, where, err);
            break;
        case GPV_YF_BOOL:
            rc = gpv_y_bool((bool *)base, doc, val, where, err);
            break;
        case GPV_YF_SEQ:
        case GPV_YF_MAP:
            rc = gpv_y_expect(doc, val, fd->type == GPV_YF_SEQ ? GPV_Y_SEQ : GPV_Y_MAP, where, err);
            if (!rc)
                *(const struct gpv_ynode **)base = val;
            break;
        case GPV_YF_NODE:
            *(const struct gpv_ynode **)base = val;
            break;
        }
        free(where);
        if (rc)
            return rc;
    }
    for (f = 0; f < nfields; f++)
        if (fields[f].required && !(got & (1ull << f)))
            return gpv_y_error(err, GPV_EINPUT, doc, map, "missing key '%s' in %s", fields[f].key,
                               what);
    if (seen)
        *seen = got;
    return 0;
}
