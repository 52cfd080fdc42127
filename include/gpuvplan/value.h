#ifndef GPUVPLAN_VALUE_H
#define GPUVPLAN_VALUE_H

/*
 * A small JSON-like value tree: what commands build for machine-readable output, written as
 * JSON or YAML with the same content, and what `check` reads a plan into. Object keys keep
 * their insertion order, so identical input gives byte-identical output.
 */

#include "gpuvplan/emit.h"
#include "gpuvplan/error.h"
#include "gpuvplan/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gpv_vtype {
    GPV_V_NULL,
    GPV_V_BOOL,
    GPV_V_INT,
    GPV_V_NUM,
    GPV_V_STR,
    GPV_V_ARR,
    GPV_V_OBJ,
};

struct gpv_val_arena;

/*
 * A value: 32 bytes. Only the member of its type is meaningful: b of GPV_V_BOOL, i of
 * GPV_V_INT, d of GPV_V_NUM, s of GPV_V_STR, items of GPV_V_ARR and GPV_V_OBJ (they share
 * their storage: read a scalar member only after checking the type). n is 0 for scalars, keys
 * NULL but for objects. A tree holds fewer than 2^32 items per container.
 */
struct gpv_val {
    enum gpv_vtype type;
    uint32_t n; /* items of an array or members of an object */
    union {
        bool b;
        long long i;
        double d;
        char *s;
        struct gpv_val **items; /* array items or object member values */
    };
    char **keys;                 /* object member names */
    struct gpv_val_arena *arena; /* NULL, or the arena every node of a read-only tree lives in */
};

/*
 * An arena: one allocation for a whole value tree that is built once and never changed (the
 * JSON reader's), freed at once with its root instead of node by node. Its nodes, arrays and
 * strings are zeroed memory from the arena; gpv_val_set and gpv_val_push refuse such a tree
 * (GPV_BUG), and gpv_val_free takes only its root.
 */
struct gpv_val_arena;

/* A new, empty arena. */
struct gpv_val_arena *gpv_val_arena_new(void);

/* n zeroed bytes from a, aligned for any value, valid until a is freed. */
void *gpv_val_arena_alloc(struct gpv_val_arena *a, size_t n);

/*
 * At least n (> 0) zeroed bytes from a, aligned for any value, and with them every byte left in
 * the chunk being filled: *got (>= n) bytes in all, valid until a is freed. For a reader that
 * hands out many small pieces itself (the JSON reader's nodes and arrays), one call per chunk.
 */
void *gpv_val_arena_take(struct gpv_val_arena *a, size_t n, size_t *got);

/* n bytes from a with no alignment (for text), valid until a is freed; n == 0 gives one byte. */
char *gpv_val_arena_alloc_bytes(struct gpv_val_arena *a, size_t n);

/* A copy of s in a. */
char *gpv_val_arena_strdup(struct gpv_val_arena *a, const char *s);

/* A copy of s[0..n) in a, NUL-terminated (s may hold NUL bytes: they are copied). */
char *gpv_val_arena_strndup(struct gpv_val_arena *a, const char *s, size_t n);

/* A node of type in a (its arena member set, everything else zero). */
struct gpv_val *gpv_val_arena_node(struct gpv_val_arena *a, enum gpv_vtype type);

/* Frees a, an arena no root owns yet (a tree abandoned before gpv_val_arena_adopt), and every
 * node in it. NULL is fine. */
void gpv_val_arena_discard(struct gpv_val_arena *a);

/* Makes root, a node of a, the owner of a: gpv_val_free(root) frees a and every node in it. */
void gpv_val_arena_adopt(struct gpv_val *root, struct gpv_val_arena *a);

/* Constructors: each returns a new value the caller (or the container it is put in) owns. */
struct gpv_val *gpv_val_null(void);
struct gpv_val *gpv_val_bool(bool b);
struct gpv_val *gpv_val_int(long long i);
struct gpv_val *gpv_val_num(double d);
/* A string value; s == NULL gives null. */
struct gpv_val *gpv_val_str(const char *s);
struct gpv_val *gpv_val_arr(void);
struct gpv_val *gpv_val_obj(void);

/* Appends v to array arr; arr takes ownership. Returns v. */
struct gpv_val *gpv_val_push(struct gpv_val *arr, struct gpv_val *v);
/* Appends member key = v to object obj (keys are not checked for repeats). Returns v. */
struct gpv_val *gpv_val_set(struct gpv_val *obj, const char *key, struct gpv_val *v);

/* Shorthands for gpv_val_set(obj, key, gpv_val_xxx(x)). */
void gpv_val_set_str(struct gpv_val *obj, const char *key, const char *s);
void gpv_val_set_int(struct gpv_val *obj, const char *key, long long i);
void gpv_val_set_num(struct gpv_val *obj, const char *key, double d);
void gpv_val_set_bool(struct gpv_val *obj, const char *key, bool b);

/* Member of an object by key, or NULL when absent or obj is not an object. */
const struct gpv_val *gpv_val_get(const struct gpv_val *obj, const char *key);

/*
 * A cache of where members are, for many lookups in one tree: the JSON reader gives objects with
 * the same member names in the same order one shared array of names, so after the first object
 * of a kind, finding "profile" in the next 50,000 like it takes no string comparison. Caller
 * owned; gpv_val_cache_init before use. An entry is remembered by the key's address: every key
 * passed with a cache must keep its address and text for as long as the cache is used (string
 * literals do), and a cache must not outlive the trees it was used on nor see them change.
 */
#define GPV_VAL_CACHE 1024
struct gpv_val_cache {
    struct gpv_val_cache_entry {
        const char *key;
        char *const *names; /* the object's names array */
        size_t n;           /* and its length */
        size_t idx;         /* where key is in it; SIZE_MAX: absent */
    } e[GPV_VAL_CACHE];
};

/* Empties cache. */
void gpv_val_cache_init(struct gpv_val_cache *cache);

/* The slow way of gpv_val_index_cached (a name not in cache): the position of key in obj,
 * found by comparing names, or SIZE_MAX; remembered in cache. */
size_t gpv_val_index_lookup(const struct gpv_val *obj, const char *key,
                            struct gpv_val_cache *cache);

/* The one entry of cache where key in an object with the names array names is remembered. */
static inline struct gpv_val_cache_entry *
gpv_val_cache_slot(struct gpv_val_cache *cache, const char *key, char *const *names)
{
    uintptr_t h = ((uintptr_t)key >> 3) * 31u + ((uintptr_t)names >> 4);

    return &cache->e[(h ^ h >> 8) % GPV_VAL_CACHE];
}

/*
 * The position of member key in obj, or SIZE_MAX when absent or obj is not an object; the same
 * answer as gpv_val_get, through cache (see struct gpv_val_cache for what key must be). Inline:
 * check reads a plan's members a million times, nearly all from cache.
 */
static inline size_t
gpv_val_index_cached(const struct gpv_val *obj, const char *key, struct gpv_val_cache *cache)
{
    const struct gpv_val_cache_entry *e;

    if (obj && obj->type == GPV_V_OBJ && obj->keys) {
        e = gpv_val_cache_slot(cache, key, obj->keys);
        if (e->key == key && e->names == obj->keys && e->n == obj->n)
            return e->idx;
    }
    return gpv_val_index_lookup(obj, key, cache);
}

/* gpv_val_get through cache. */
static inline const struct gpv_val *
gpv_val_get_cached(const struct gpv_val *obj, const char *key, struct gpv_val_cache *cache)
{
    size_t i = gpv_val_index_cached(obj, key, cache);

    return i == SIZE_MAX ? NULL : obj->items[i];
}

/*
 * Reading the same members of many objects of one kind (a plan's 50,000 instances, its GPUs, its
 * tenants): the JSON reader gives objects with the same names in the same order one names array,
 * so the members' positions are found once per array and remembered for the last few arrays
 * (objects of a kind alternate between a few), not looked up by name per member. Caller owned;
 * gpv_val_rows_init before use; keys must outlive rows, and rows the trees it reads.
 */
#define GPV_VAL_ROWS_MAX  16 /* members read per kind */
#define GPV_VAL_ROWS_MEMO 4  /* names arrays remembered */
struct gpv_val_rows {
    const char *const *keys;
    size_t nkeys;
    struct gpv_val_rows_memo {
        char *const *names; /* an object's names array, and its length */
        size_t n;
        size_t idx[GPV_VAL_ROWS_MAX]; /* where keys[k] is in it; SIZE_MAX: absent */
    } memo[GPV_VAL_ROWS_MEMO];
    size_t next; /* the memo entry to replace next */
};

/* Sets rows to read the members keys[0..nkeys) (nkeys at most GPV_VAL_ROWS_MAX). */
void gpv_val_rows_init(struct gpv_val_rows *rows, const char *const *keys, size_t nkeys);

/* out[k] = member rows->keys[k] of obj, or NULL when obj has none or is not an object
 * (gpv_val_get's answers). */
void gpv_val_rows_read(const struct gpv_val **out, struct gpv_val_rows *rows,
                       const struct gpv_val *obj);

/* Frees v and everything in it. NULL is fine. */
void gpv_val_free(struct gpv_val *v);

/* Appends v as indented JSON (2 spaces) with a final newline, through the emitter (emit.h). */
void gpv_val_write_json(const struct gpv_val *v, struct gpv_buf *out);

/*
 * Appends v as a YAML document (block style, strings quoted when YAML would misread them),
 * through the emitter (emit.h).
 */
void gpv_val_write_yaml(const struct gpv_val *v, struct gpv_buf *out);

/*
 * Parses JSON text buf[0..len) into a new value tree (*out, caller frees with gpv_val_free on
 * the root; NULL on failure). On a syntax error returns GPV_EINPUT with err at name:line:col
 * (json_parse.c lists what the reader refuses); a duplicate key or a "\u0000" is GPV_EINPUT too.
 * Integers that fit a long long become GPV_V_INT, other numbers GPV_V_NUM. The tree lives in one
 * arena and is read-only: objects with the same member names in the same order share one keys
 * array, and repeated scalars (null, booleans, integers 0 to 1023, equal strings) are one node
 * with several parents, so nodes are never compared by address nor changed.
 */
int gpv_val_parse_json(struct gpv_val **out, const char *buf, size_t len, const char *name,
                       struct gpv_error *err);

#endif
