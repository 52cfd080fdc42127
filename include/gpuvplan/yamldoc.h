#ifndef GPUVPLAN_YAMLDOC_H
#define GPUVPLAN_YAMLDOC_H

/*
 * YAML documents as a small tree of nodes that remember their line and column. This module is
 * the only user of libyaml. It reads a document whole (gpv_ydoc_parse) or one event at a time
 * (gpv_yparser_next, for the tenants file). It refuses what a planner's input never needs and a
 * hostile file could abuse: anchors and aliases, tags other than !!str, more than one document,
 * documents over GPV_YAML_MAX_BYTES, nesting deeper than GPV_YAML_MAX_DEPTH, more than
 * GPV_YAML_MAX_NODES nodes, and duplicate keys.
 */

#include "gpuvplan/error.h"

#include <stdbool.h>
#include <stddef.h>

#define GPV_YAML_MAX_BYTES (16u << 20) /* largest document accepted */
#define GPV_YAML_MAX_DEPTH 64          /* deepest nesting of collections */
#define GPV_YAML_MAX_NODES 4000000     /* most nodes in one document */

enum gpv_ykind {
    GPV_Y_SCALAR,
    GPV_Y_SEQ,
    GPV_Y_MAP,
};

struct gpv_ynode {
    enum gpv_ykind kind;
    int line;   /* from 1 */
    int col;    /* from 1 */
    bool plain; /* scalar written without quotes (so `null`, `true`, `12` keep their meaning) */
    char *str;  /* scalar text, NUL-terminated; NULL for collections */
    size_t len; /* scalar length in bytes */
    size_t n;   /* items of a sequence; pairs of a mapping */
    struct gpv_ynode **items; /* sequence: n items; mapping: 2n, key then value */
};

struct gpv_ydoc {
    char *name;             /* the name errors cite (usually the file path) */
    struct gpv_ynode *root; /* NULL for an empty document */
};

/*
 * Parses buf[0..len) (need not be NUL-terminated). On success *out holds a new document the
 * caller frees with gpv_ydoc_free(). On failure *out is NULL and err says where:
 * GPV_EINPUT for syntax errors and refused constructs.
 */
int gpv_ydoc_parse(struct gpv_ydoc **out, const char *buf, size_t len, const char *name,
                   struct gpv_error *err);

/* Frees doc and all its nodes. NULL is fine. */
void gpv_ydoc_free(struct gpv_ydoc *doc);

/*
 * A new empty document (root NULL) named name (NULL: "<input>"), for gpv_yparser_tree().
 * Free it with gpv_ydoc_free().
 */
struct gpv_ydoc *gpv_ydoc_new(const char *name);

/* Frees doc's nodes (root becomes NULL) but keeps doc and one chunk of its memory, so a
 * document refilled one small tree at a time allocates nothing after the first. */
void gpv_ydoc_clear(struct gpv_ydoc *doc);

/*
 * Events: a document read one event at a time, for inputs too large to hold as a tree (the
 * tenants file). The parser makes every check gpv_ydoc_parse() makes except the size and node
 * limits, which are the caller's (gpv_yparser_tree() counts nodes per document): anchors,
 * aliases, tags, NUL bytes, complex keys, nesting, more than one document, and duplicate keys
 * (reported when their mapping ends, as the tree parser does). gpv_ydoc_parse() is built on it.
 * The common YAML is read by a fast scanner (src/yscan.c) that gives libyaml's events exactly
 * and hands anything else to libyaml, so events, errors and positions are libyaml's either way.
 */
struct gpv_yparser;

enum gpv_yevent_kind {
    GPV_YE_SCALAR,
    GPV_YE_SEQ,  /* a sequence starts */
    GPV_YE_MAP,  /* a mapping starts: then key, value, key, value ... */
    GPV_YE_END,  /* the innermost open sequence or mapping ends */
    GPV_YE_DONE, /* the document (and the input) ended */
};

struct gpv_yevent {
    enum gpv_yevent_kind kind;
    int line, col;   /* from 1 */
    int depth;       /* collections open around the event (0 for the root); an END has its
                        start's depth */
    bool plain;      /* scalar written without quotes */
    const char *str; /* scalar text, NUL-terminated, valid until the next call; else NULL */
    size_t len;
};

/*
 * A parser over buf[0..len), which must outlive it; name is cited in errors. Returns 0 with
 * *out to free with gpv_yparser_free(), or GPV_ESYS (*out NULL) when memory runs out.
 */
int gpv_yparser_new(struct gpv_yparser **out, const char *buf, size_t len, const char *name,
                    struct gpv_error *err);

/*
 * The next event into *out. After GPV_YE_DONE every call gives GPV_YE_DONE again. Returns 0,
 * or GPV_EINPUT (syntax, a refused construct, a duplicate key) or GPV_ESYS (out of memory) with
 * err at the position; after a failure the parser may only be freed.
 */
int gpv_yparser_next(struct gpv_yevent *out, struct gpv_yparser *p, struct gpv_error *err);

/*
 * Builds the node whose first event is *first (just returned by gpv_yparser_next()), reading
 * the rest of it, into doc: *out is the node (it lives in doc). Counts nodes against
 * GPV_YAML_MAX_NODES per document. Returns 0, or what gpv_yparser_next() returns, or
 * GPV_EINPUT past the node limit; on failure *out is NULL.
 */
int gpv_yparser_tree(struct gpv_ynode **out, struct gpv_ydoc *doc, struct gpv_yparser *p,
                     const struct gpv_yevent *first, struct gpv_error *err);

/* Reads past the node whose first event is *first, checking it. Returns as gpv_yparser_next(). */
int gpv_yparser_skip(struct gpv_yparser *p, const struct gpv_yevent *first, struct gpv_error *err);

/* The name the parser's errors cite. */
const char *gpv_yparser_name(const struct gpv_yparser *p);

/* Frees p. NULL is fine. */
void gpv_yparser_free(struct gpv_yparser *p);

/* Returns the value of key in a mapping node, or NULL when absent or node is not a mapping. */
const struct gpv_ynode *gpv_ymap_get(const struct gpv_ynode *map, const char *key);

/* True for a plain scalar that YAML reads as null: empty, ~, null, Null, NULL. */
bool gpv_y_is_null(const struct gpv_ynode *node);

/*
 * Typed scalar readers. Each checks the node's kind and value and, on failure, fills err with
 * the node's position and a message naming `what` (e.g. "'max' of profile '1g.10gb'"), and
 * returns GPV_EINPUT. On success it stores the value and returns 0.
 */
int gpv_y_int(long long *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
              long long min, long long max, const char *what, struct gpv_error *err);
int gpv_y_double(double *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node, double min,
                 double max, const char *what, struct gpv_error *err);
int gpv_y_bool(bool *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
               const char *what, struct gpv_error *err);
/* A non-empty string scalar; *out points into the node (no copy). */
int gpv_y_str(const char **out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
              const char *what, struct gpv_error *err);
/* Checks that node is a sequence (kind GPV_Y_SEQ) or a mapping (GPV_Y_MAP). */
int gpv_y_expect(const struct gpv_ydoc *doc, const struct gpv_ynode *node, enum gpv_ykind kind,
                 const char *what, struct gpv_error *err);

/* Fills err with doc's name and node's position. Returns code. */
int gpv_y_error(struct gpv_error *err, int code, const struct gpv_ydoc *doc,
                const struct gpv_ynode *node, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Field types a schema row can have, and what the output field is. */
enum gpv_yftype {
    GPV_YF_STR,    /* char *, newly allocated (caller frees) */
    GPV_YF_INT,    /* int, within [min, max] */
    GPV_YF_LLONG,  /* long long, within [min, max] */
    GPV_YF_DOUBLE, /* double, within [dmin, dmax] */
    GPV_YF_BOOL,   /* bool */
    GPV_YF_SEQ,    /* const struct gpv_ynode *, a sequence */
    GPV_YF_MAP,    /* const struct gpv_ynode *, a mapping */
    GPV_YF_NODE,   /* const struct gpv_ynode *, anything (the caller checks) */
};

/* One row of a strict mapping schema. */
struct gpv_yfield {
    const char *key;
    enum gpv_yftype type;
    size_t offset; /* of the output field in the struct decoded into */
    bool required;
    long long min, max; /* GPV_YF_INT, GPV_YF_LLONG */
    double dmin, dmax;  /* GPV_YF_DOUBLE */
};

/* Most rows in one schema: gpv_ymap_decode() keeps a bit per row in an unsigned long long. */
#define GPV_YMAP_MAX_FIELDS 64

/*
 * Decodes mapping node `map` into the struct at out using nfields schema rows
 * (at most GPV_YMAP_MAX_FIELDS: a larger schema is a bug, stopped by GPV_ASSERT). Keys not in
 * the schema are errors (with a did-you-mean), as are missing required keys and values of
 * the wrong type. `what` names the mapping in messages ("tenant 'web'"). When seen is not
 * NULL, bit i is set for each field i present. Fields absent from the mapping are left as
 * they were, so callers set defaults first. On failure, strings already decoded into out
 * stay there for the caller's cleanup. Returns 0 or GPV_EINPUT.
 */
int gpv_ymap_decode(void *out, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
                    const struct gpv_yfield *fields, size_t nfields, const char *what,
                    unsigned long long *seen, struct gpv_error *err);

#endif
