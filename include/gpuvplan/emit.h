#ifndef GPUVPLAN_EMIT_H
#define GPUVPLAN_EMIT_H

/*
 * The one writer of machine-readable output. A document is described by a sequence of calls
 * (open an object or array, put a scalar, end) and written as it comes, as JSON or YAML text,
 * or built as a gpv_val tree. The value tree writers (gpv_val_write_json(),
 * gpv_val_write_yaml()) and the plan writers (gpv_plan_write_json(), gpv_plan_write_yaml(),
 * gpv_plan_build()) are all this emitter, so every format escapes, indents and lays out keys
 * the same way, and the same calls give the same content in every format.
 *
 * Layout: two spaces per level; one member or item per line; an array of scalars on one line
 * ("[a, b]"); "{}" and "[]" when empty. YAML documents start with "---"; YAML strings are plain
 * when YAML would read them back as the same string, else JSON-quoted.
 *
 * Pure: no printing, no file access.
 */

#include "gpuvplan/util.h"

#include <stdbool.h>
#include <stddef.h>

struct gpv_val;

enum gpv_emit_kind {
    GPV_EMIT_TREE, /* build a gpv_val tree (take it with gpv_emit_take()) */
    GPV_EMIT_JSON, /* append JSON text to the buffer */
    GPV_EMIT_YAML, /* append a YAML document to the buffer */
};

/* One open object or array. Private to emit.c. */
struct gpv_emit_frame {
    struct gpv_val *v; /* tree: the container */
    size_t n;          /* text: children written */
    bool obj;          /* an object (else an array) */
    bool inl;          /* text: an array written on one line */
    bool member;       /* the container is an object's member (its key is written) */
};

struct gpv_emit_key;

/* An emitter; fields are private to emit.c. */
struct gpv_emit {
    enum gpv_emit_kind kind;
    struct gpv_buf *out;          /* text: where to */
    struct gpv_val *root;         /* tree: the document */
    struct gpv_emit_frame *frame; /* open containers, innermost last; grows as needed */
    size_t depth, cap;
    struct gpv_emit_key *keys; /* text: keys as written, escaped once (allocated on first use) */
    bool stable_keys;          /* keys known by their address alone (gpv_emit_stable_keys()) */
};

/*
 * Starts an emitter of the given kind appending to out (text kinds; NULL for GPV_EMIT_TREE).
 * Allocates nothing; release it with gpv_emit_release().
 */
void gpv_emit_init(struct gpv_emit *e, enum gpv_emit_kind kind, struct gpv_buf *out);

/*
 * Promises that every key given to e stays allocated and unchanged until gpv_emit_release(),
 * as string literals and the keys of a tree alive for the whole document do: a key met again at
 * the same address is then written from its escaped copy without comparing its text. Without
 * this promise (the default) the text is compared, so a key freed and another allocated at its
 * address are told apart. Same output either way.
 */
void gpv_emit_stable_keys(struct gpv_emit *e);

/* Frees the emitter's stack and a tree not taken with gpv_emit_take(). NULL-safe. */
void gpv_emit_release(struct gpv_emit *e);

/* Tree: returns the document built so far (NULL when none) and hands it to the caller. */
struct gpv_val *gpv_emit_take(struct gpv_emit *e);

/*
 * Opens an object or array. key names it inside an object and is ignored elsewhere (NULL
 * then). An array opened with inline_scalars must hold only scalars (written on one line); an
 * array opened without it is written one item per line, and holds containers when the text
 * must be what gpv_val_write_json() or gpv_val_write_yaml() writes for the same tree (those
 * put every array of scalars on one line). Each open is closed by gpv_emit_end().
 */
void gpv_emit_obj(struct gpv_emit *e, const char *key);
void gpv_emit_arr(struct gpv_emit *e, const char *key, bool inline_scalars);
void gpv_emit_end(struct gpv_emit *e);

/* Scalars, named by key inside an object. gpv_emit_str() with s == NULL puts null. */
void gpv_emit_str(struct gpv_emit *e, const char *key, const char *s);
void gpv_emit_null(struct gpv_emit *e, const char *key);
void gpv_emit_int(struct gpv_emit *e, const char *key, long long i);
void gpv_emit_num(struct gpv_emit *e, const char *key, double d);
void gpv_emit_bool(struct gpv_emit *e, const char *key, bool b);

/*
 * Text kinds: appends text that an emitter of the same kind wrote as further children of a
 * container at the same depth after that container's first child, to repeat them without
 * writing them again (explain's tenants that share a decision share its text). The innermost
 * open container must hold at least one child; text must end after a complete child (len 0
 * appends nothing). No effect in a tree emitter.
 */
void gpv_emit_raw(struct gpv_emit *e, const char *text, size_t len);

/*
 * Puts the whole tree v (an array is inline when all its items are scalars). In a tree
 * emitter v is copied.
 */
void gpv_emit_val(struct gpv_emit *e, const char *key, const struct gpv_val *v);

/*
 * The escaping and layout pieces the emitter is made of, also for writers that need one
 * scalar (the table writer's JSON-quoted strings, tests). Each appends to b.
 */

/*
 * Appends s as a JSON string: quoted, with \" \\ \n \t \r escaped and other bytes below 0x20
 * as \u00XX. Bytes from 0x7f up (UTF-8) are copied as they are.
 */
void gpv_json_put_string(struct gpv_buf *b, const char *s);

/* Appends i in decimal. */
void gpv_json_put_int(struct gpv_buf *b, long long i);

/*
 * Appends d with six significant digits (whole numbers below 1e15 without an exponent), or
 * null when d is not finite.
 */
void gpv_json_put_number(struct gpv_buf *b, double d);

/* Appends depth levels of indentation, two spaces each. */
void gpv_json_put_indent(struct gpv_buf *b, int depth);

/*
 * Appends s as a YAML scalar in block context (a string value or a key, not an item of
 * "[a, b]", where the emitter also quotes commas and brackets): plain when YAML would read it
 * back as this string, else double-quoted with JSON's escapes, plus \x7f for DEL and \uXXXX for the
 * C1 controls (U+0080..U+009F), U+2028 and U+2029, which YAML may not hold raw.
 */
void gpv_yaml_put_string(struct gpv_buf *b, const char *s);

#endif
