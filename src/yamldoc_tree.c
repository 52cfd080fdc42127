#include "gpuvplan/yamldoc.h"
#include "gpuvplan/util.h"
#include "yamldoc_int.h"

#include <stddef.h>
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
    size_t nodes; /* counted against GPV_YAML_MAX_NODES */
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

struct gpv_ydoc *
gpv_ydoc_new(const char *name)
{
    struct ydoc_impl *d = xcalloc(1, sizeof(*d));

    d->doc.name = xstrdup(name ? name : "<input>");
    return &d->doc;
}

void
gpv_ydoc_clear(struct gpv_ydoc *doc)
{
    struct ydoc_impl *d = (struct ydoc_impl *)doc;
    struct chunk *c, *next;

    /* The last chunk allocated is kept: a document cleared and refilled with one small tree
       after another (a tenant at a time) allocates nothing after the first. */
    if (d->chunks) {
        for (c = d->chunks->next; c; c = next) {
            next = c->next;
            free(c);
        }
        d->chunks->next = NULL;
        d->chunks->used = 0;
    }
    d->nodes = 0;
    doc->root = NULL;
}

void
gpv_ydoc_free(struct gpv_ydoc *doc)
{
    struct ydoc_impl *d = (struct ydoc_impl *)doc;

    if (!doc)
        return;
    gpv_ydoc_clear(doc);
    free(d->chunks);
    free(doc->name);
    free(d);
}

static struct gpv_ynode *
node_new(struct gpv_ydoc *doc, const struct gpv_yevent *ev)
{
    struct gpv_ynode *node = doc_alloc(doc, sizeof(*node));

    memset(node, 0, sizeof(*node));
    node->kind = ev->kind == GPV_YE_SCALAR ? GPV_Y_SCALAR
                 : ev->kind == GPV_YE_SEQ  ? GPV_Y_SEQ
                                           : GPV_Y_MAP;
    node->line = ev->line;
    node->col = ev->col;
    if (ev->kind == GPV_YE_SCALAR) {
        node->len = ev->len;
        node->str = doc_alloc(doc, ev->len + 1);
        memcpy(node->str, ev->str, ev->len);
        node->str[ev->len] = '\0';
        node->plain = ev->plain;
    }
    return node;
}

static void
push_item(struct ybuilder *b, struct gpv_ynode *node)
{
    int d = b->depth - 1;
    struct gpv_ynode *top = b->stack[d];

    if (top->n == b->cap[d]) {
        b->cap[d] = b->cap[d] ? b->cap[d] * 2 : 16;
        b->items[d] = xreallocarray(b->items[d], b->cap[d], sizeof(*b->items[d]));
    }
    b->items[d][top->n++] = node;
}

/* Closes the innermost collection: its items move into the document. */
static void
close_collection(struct ybuilder *b, struct gpv_ydoc *doc)
{
    int d = --b->depth;
    struct gpv_ynode *top = b->stack[d];

    if (top->n) {
        top->items = doc_alloc(doc, top->n * sizeof(*top->items));
        memcpy(top->items, b->items[d], top->n * sizeof(*top->items));
    }
    /* Mappings are built as a flat list of 2n items. */
    if (top->kind == GPV_Y_MAP)
        top->n /= 2;
}

int
gpv_yparser_tree(struct gpv_ynode **out, struct gpv_ydoc *doc, struct gpv_yparser *p,
                 const struct gpv_yevent *first, struct gpv_error *err)
{
    struct ydoc_impl *d = (struct ydoc_impl *)doc;
    struct ybuilder *b = gpv_yparser_builder(p);
    struct gpv_yevent ev = *first;
    struct gpv_ynode *node, *root = NULL;
    int rc;

    *out = NULL;
    b->depth = 0;
    for (;;) {
        if (ev.kind == GPV_YE_END) {
            close_collection(b, doc);
        } else {
            GPV_ASSERT(ev.kind != GPV_YE_DONE);
            if (++d->nodes > GPV_YAML_MAX_NODES) {
                gpv_yparser_set_failed(p);
                return gpv_error_set(err, GPV_EINPUT, gpv_yparser_name(p), ev.line, ev.col,
                                     "document has more than %d nodes", GPV_YAML_MAX_NODES);
            }
            node = node_new(doc, &ev);
            if (b->depth > 0)
                push_item(b, node);
            else
                root = node;
            if (node->kind != GPV_Y_SCALAR)
                b->stack[b->depth++] = node;
        }
        if (b->depth == 0)
            break;
        if ((rc = gpv_yparser_next(&ev, p, err)))
            return rc;
    }
    *out = root;
    return 0;
}

int
gpv_ydoc_parse(struct gpv_ydoc **out, const char *buf, size_t len, const char *name,
               struct gpv_error *err)
{
    struct gpv_yparser *p = NULL;
    struct gpv_yevent ev;
    struct gpv_ydoc *doc = NULL;
    int rc;

    *out = NULL;
    if (!name)
        name = "<input>";
    if (len > GPV_YAML_MAX_BYTES)
        return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                             "document is %zu bytes; the limit is %u bytes", len,
                             GPV_YAML_MAX_BYTES);
    if ((rc = gpv_yparser_new(&p, buf, len, name, err)))
        return rc;
    doc = gpv_ydoc_new(name);
    if ((rc = gpv_yparser_next(&ev, p, err)))
        goto out;
    if (ev.kind != GPV_YE_DONE) {
        if ((rc = gpv_yparser_tree(&doc->root, doc, p, &ev, err)))
            goto out;
        if ((rc = gpv_yparser_next(&ev, p, err)))
            goto out;
        /* One document holds one root node: what follows it is the stream's end. */
        GPV_ASSERT(ev.kind == GPV_YE_DONE);
    }
    *out = doc;
    doc = NULL;
out:
    gpv_yparser_free(p);
    gpv_ydoc_free(doc);
    return rc;
}
