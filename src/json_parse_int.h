/*
 * Private to the strict JSON reader (json_parse.c: values and containers; json_string.c:
 * strings and the arena's interned text): its state, limits and the byte-scanning helpers both
 * use in their per-byte loops (static inline, so that they stay inlined there).
 */
#ifndef GPV_JSON_PARSE_INT_H
#define GPV_JSON_PARSE_INT_H

#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSON_DEPTH   1000 /* cJSON's nesting limit */
#define JSON_NUM_MAX 63   /* cJSON's longest number */
#define SMALL_INTS   1024 /* integers below this share their nodes */

/* A member or item read but whose container is not closed yet. */
struct pend {
    const char *key;
    struct gpv_val *v;
};

/*
 * Interned text: every distinct string of a document (names and values) is stored once, as one
 * string node. The first sixteen bytes are kept in the entry (zero-padded), so that finding a
 * short text (tenant names, GPU ids, by the ten thousand and in no order) reads the table and
 * not the text: an entry is 32 bytes, two to a cache line.
 */
struct ikey {
    uint64_t head[2];     /* the text's first 16 bytes, the rest zero */
    uint32_t h;           /* its hash */
    unsigned len : 31;    /* its length */
    unsigned plain : 1;   /* no quote, backslash or control byte */
    struct gpv_val *node; /* the string node with this text (node->s); NULL: a free entry */
};

/*
 * The string value last read at one position of a container at one depth, for the next
 * container there: the instances of a plan repeat their models, modes and profiles, so most
 * values are the bytes of the last one at their place, compared without hashing them.
 */
struct vpred {
    struct gpv_val *v; /* NULL: none yet */
    size_t len;
    uint64_t head[2]; /* its first 16 bytes, the rest zero: compared without reading v (the
                       * tenant names of instances are a new one each time, a node not in cache) */
};

#define VPRED_N 16 /* positions predicted in each container */

/*
 * A plain string value read but not interned yet: its table entry is fetched (prefetched) while
 * the rest of its container is read, and looked up when the container closes (jp_resolve).
 * A plan's instances name their tenants in no order, so each lookup would otherwise wait on a
 * cache miss in the 2 MiB table.
 */
struct jdefer {
    const char *s; /* the text, in the document */
    size_t n;
    size_t at;        /* its item's place in the stack (struct pend) */
    struct vpred *vp; /* the prediction it becomes */
    uint64_t head[2];
    uint32_t h;
};

/* Interned arrays of object member names: objects of the same kind share one. */
struct ishape {
    char **names;
    size_t *lens; /* strlen of each name */
    size_t n;
    uint32_t h;
    bool plain; /* no name holds a quote, a backslash or a control byte */
};

struct jp {
    const char *buf;
    size_t len, pos;
    struct gpv_val_arena *a;
    char *bump, *bump_end; /* the part of a's chunk that jp_alloc hands out */
    struct pend *stk;      /* pending items of the open containers, innermost last */
    size_t nstk, capstk;
    struct ikey *keys; /* open addressing, a power of two */
    size_t nkeys, capkeys;
    size_t last_len;       /* the length of the string jp_parse_string read last */
    bool last_plain;       /* and whether it is plain (struct ikey) */
    uint64_t last_head[2]; /* and its first 16 bytes (struct ikey) */
    struct jdefer *defer;  /* strings to intern when their container closes, innermost last */
    size_t ndefer, capdefer;
    struct gpv_val deferred; /* what stands in the stack for such a string until then */
    /* Values a document repeats by the hundred thousand, one node each (the tree is read-only,
     * so parents share them): null, false, true, and integers 0 to SMALL_INTS - 1. */
    struct gpv_val *lit[3];
    struct gpv_val **ints;
    struct ishape *shapes; /* open addressing, a power of two */
    struct ishape *pred;   /* by depth: the names of the last object closed there */
    struct vpred *vpred;   /* by depth and position: [depth * VPRED_N + position] */
    size_t nshapes, capshapes;
    int depth;
    size_t err_at;      /* the first error: where (clamped to the text when reported) */
    const char *detail; /* and why, beyond "invalid JSON"; NULL for cJSON's own rejections */
    bool failed;
    size_t nul_at;   /* the first "\u0000" escape */
    bool nul;        /* seen one */
    const char *dup; /* the first duplicate key, in the order objects close */
};

static inline struct gpv_val *
fail(struct jp *p, size_t at, const char *detail)
{
    if (!p->failed) {
        p->failed = true;
        p->err_at = at;
        p->detail = detail;
    }
    return NULL;
}

#define JP_BUMP 4096 /* the least jp_alloc takes from the arena at once */

/*
 * n zeroed bytes of the tree (8-aligned), from the piece of the arena p holds: nodes, arrays
 * and texts by the hundred thousand, without a call into the arena for each.
 */
static inline void *
jp_alloc(struct jp *p, size_t n)
{
    void *r;
    size_t got;

    n = n ? (n + 7) / 8 * 8 : 8;
    if ((size_t)(p->bump_end - p->bump) < n) {
        if (n > JP_BUMP / 4)
            return gpv_val_arena_alloc(p->a, n);
        p->bump = gpv_val_arena_take(p->a, JP_BUMP, &got);
        p->bump_end = p->bump + got;
    }
    r = p->bump;
    p->bump += n;
    return r;
}

/* A node of type for the tree, as gpv_val_arena_node makes it. */
static inline struct gpv_val *
jp_node(struct jp *p, enum gpv_vtype type)
{
    struct gpv_val *v = jp_alloc(p, sizeof(*v));

    v->type = type;
    v->arena = p->a;
    return v;
}

static inline bool
json_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/*
 * Eight bytes at a time (SWAR): word w holds bytes b[i..i+8), the first in its low byte on a
 * little-endian machine, where the first byte a mask marks is at its lowest set bit. Elsewhere
 * the reader goes byte by byte.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSON_SWAR 1
#define ONES      0x0101010101010101u
#define HIGHS     0x8080808080808080u

static inline uint64_t
word_at(const char *s)
{
    uint64_t w;

    memcpy(&w, s, 8);
    return w;
}

/* The high bit of each byte of w that is zero; only the lowest set bit is exact (a borrow may
 * mark a byte after a zero byte), which is the only one used. */
static inline uint64_t
zero_bytes(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}

/* The index (0-7) of the first byte of a nonzero mask with a bit set. */
static inline size_t
first_marked(uint64_t mask)
{
    return (size_t)__builtin_ctzll(mask) >> 3;
}
#else
#define JSON_SWAR 0
#endif

static inline void
skip_ws(struct jp *p)
{
    const char *b = p->buf;
    size_t i = p->pos, n = p->len;

    while (i < n) {
        if (b[i] == '\n') {
            /* Indentation is most of a pretty-printed plan's white space: after a newline,
             * spaces eight at a time (one 64-bit comparison), up to the first other byte. */
            for (i++; n - i >= 8; i += 8) {
#if JSON_SWAR
                uint64_t w = word_at(b + i) ^ 0x2020202020202020u;

                if (w) {
                    i += first_marked(w); /* the first byte that is not a space */
                    break;
                }
#else
                uint64_t w;

                memcpy(&w, b + i, 8);
                if (w != 0x2020202020202020u)
                    break;
#endif
            }
        } else if (b[i] == ' ' || b[i] == '\r' || b[i] == '\t') {
            i++;
        } else {
            break;
        }
    }
    p->pos = i;
}

/*
 * The string whose opening quote is at p->pos: its node, the one node of the document with its
 * text (interned in the arena), p->pos after the closing quote, p->last_len its length,
 * p->last_head its first 16 bytes and p->last_plain whether it is plain; NULL on an error
 * (recorded in p by fail()). With vp (a value's prediction), a plain string may instead be
 * deferred: then the result is &p->deferred, which the caller pushes on the stack at
 * p->nstk, and jp_resolve puts its node there and makes it vp's prediction.
 */
struct gpv_val *jp_parse_string(struct jp *p, struct vpred *vp);

/* Interns the deferred strings of stk[base..] (the container closing) into their places. */
void jp_resolve(struct jp *p, size_t base);

#endif
