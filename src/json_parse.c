/*
 * Reading JSON (plans and states for `check`, `diff` and `recommend --from`): a strict RFC 8259
 * reader that builds the value tree straight into one arena (freed at once with its root).
 *
 * It rejects everything cJSON 1.7 (the reader it replaces) rejects, at the same line and column,
 * so the messages users and tests know stay the same: a syntax error is reported where cJSON
 * stopped (the offending byte; the byte after a missing key's opening quote; the last byte when
 * the text ends early), an unterminated string at the byte after its opening quote, a bad escape
 * or lone UTF-16 surrogate at its backslash, nesting deeper than 1000 at the bracket. It also
 * rejects what cJSON let through, each with a reason: control characters inside strings, "\u"
 * escapes without four hex digits (cJSON read them as a NUL byte that cut the string short),
 * control characters as white space, and numbers outside JSON's grammar ("01", "1.", "1.e5") or
 * longer than 63 characters (cJSON's own limit). Bytes that are not UTF-8 are kept as they are,
 * as cJSON kept them: whatever prints a plan's strings escapes them.
 */
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH   1000 /* cJSON's nesting limit */
#define JSON_NUM_MAX 63   /* cJSON's longest number */
#define SMALL_INTS   1024 /* integers below this share their nodes */

/* A member or item read but whose container is not closed yet. */
struct pend {
    const char *key;
    struct gpv_val *v;
};

/* Interned object keys: every key of a document is stored once. */
struct ikey {
    const char *s;
    size_t len;
    uint32_t h;
    signed char plain;    /* no quote, backslash or control byte: 1, else -1; 0 not known yet */
    struct gpv_val *node; /* the string value with this text, once there is one */
};

/*
 * The string value last read at one position of a container at one depth, for the next
 * container there: the instances of a plan repeat their models, modes and profiles, so most
 * values are the bytes of the last one at their place, compared without hashing them.
 */
struct vpred {
    struct gpv_val *v; /* NULL: none yet */
    size_t len;
};

#define VPRED_N 16 /* positions predicted in each container */

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
    struct pend *stk; /* pending items of the open containers, innermost last */
    size_t nstk, capstk;
    struct ikey *keys; /* open addressing, a power of two */
    size_t nkeys, capkeys;
    struct ikey *last; /* the entry intern() found or made last */
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

static struct gpv_val *
fail(struct jp *p, size_t at, const char *detail)
{
    if (!p->failed) {
        p->failed = true;
        p->err_at = at;
        p->detail = detail;
    }
    return NULL;
}

static bool
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

/* Fails where a token should start at pos: at `at`, or at pos with a reason when the byte
 * there is a control byte (checked only on the way out, not before every token). */
static struct gpv_val *
fail_token(struct jp *p, size_t at)
{
    if (p->pos < p->len && (unsigned char)p->buf[p->pos] < 0x20)
        return fail(p, p->pos, "a control character outside a string");
    return fail(p, at, NULL);
}

static void
push(struct jp *p, const char *key, struct gpv_val *v)
{
    if (p->nstk == p->capstk) {
        p->capstk = p->capstk ? 2 * p->capstk : 256;
        p->stk = xreallocarray(p->stk, p->capstk, sizeof(*p->stk));
    }
    p->stk[p->nstk].key = key;
    p->stk[p->nstk].v = v;
    p->nstk++;
}

static uint32_t
hash_bytes(const char *s, size_t n)
{
#if JSON_SWAR
    /* Eight bytes a step, then murmur3's finalizer: the table takes the low bits. */
    uint64_t h = 0x9e3779b97f4a7c15u ^ n, w;
    size_t i, k;

    for (i = 0; n - i >= 8; i += 8)
        h = (h ^ word_at(s + i)) * 0xff51afd7ed558ccdu;
    if (i < n) {
        for (w = 0, k = 0; k < n - i; k++)
            w |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return (uint32_t)h;
#else
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
#endif
}

/* The one copy of the text s[0..n) in the arena (a name or a string value); p->last is its entry.
 */
static const char *
intern(struct jp *p, const char *s, size_t n)
{
    uint32_t h = hash_bytes(s, n);
    size_t i, mask;
    char *copy;

    if (2 * (p->nkeys + 1) > p->capkeys) {
        struct ikey *old = p->keys;
        size_t oldcap = p->capkeys, k;

        p->capkeys = oldcap ? 2 * oldcap : 64;
        p->keys = xcalloc(p->capkeys, sizeof(*p->keys));
        for (k = 0; k < oldcap; k++) {
            if (!old[k].s)
                continue;
            for (i = old[k].h & (p->capkeys - 1); p->keys[i].s; i = (i + 1) & (p->capkeys - 1))
                ;
            p->keys[i] = old[k];
        }
        free(old);
    }
    mask = p->capkeys - 1;
    for (i = h & mask; p->keys[i].s; i = (i + 1) & mask)
        if (p->keys[i].h == h && p->keys[i].len == n && !memcmp(p->keys[i].s, s, n)) {
            p->last = &p->keys[i];
            return p->keys[i].s;
        }
    copy = gpv_val_arena_strndup(p->a, s, n);
    p->last = &p->keys[i];
    p->keys[i].s = copy;
    p->keys[i].len = n;
    p->keys[i].h = h;
    p->nkeys++;
    return copy;
}

static int
hex4(const char *s)
{
    int v = 0, i;

    for (i = 0; i < 4; i++) {
        char c = s[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Is the string opening at buf[q] closed (a backslash always takes the next byte)? */
static bool
terminated(const struct jp *p, size_t q)
{
    size_t i;

    for (i = q + 1; i < p->len && p->buf[i] != '"'; i++)
        if (p->buf[i] == '\\' && ++i >= p->len)
            return false;
    return i < p->len;
}

static void
put_utf8(char **o, unsigned cp)
{
    unsigned char *u = (unsigned char *)*o;

    if (cp < 0x80) {
        *u++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *u++ = (unsigned char)(0xc0 | cp >> 6);
        *u++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *u++ = (unsigned char)(0xe0 | cp >> 12);
        *u++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        *u++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else {
        *u++ = (unsigned char)(0xf0 | cp >> 18);
        *u++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
        *u++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        *u++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
    *o = (char *)u;
}

/*
 * The string whose opening quote is at pos: its text, interned in the arena (p->last is its entry),
 * pos after the closing quote; NULL on an error.
 */
static const char *
parse_string(struct jp *p)
{
    const char *b = p->buf;
    size_t q = p->pos, i = q + 1, end;
    bool escapes = false;
    char *out, *o;

    /* Validate and find the end; the escapes are decoded in a second pass, when there are any. */
    for (;;) {
        unsigned char c;

#if JSON_SWAR
        /* Eight bytes at a time up to the first quote, backslash or control byte. */
        while (p->len - i >= 8) {
            uint64_t w = word_at(b + i);
            uint64_t m = zero_bytes(w ^ 0x2222222222222222u) | zero_bytes(w ^ 0x5c5c5c5c5c5c5c5cu) |
                         ((w - 0x2020202020202020u) & ~w & HIGHS);

            if (m) {
                i += first_marked(m);
                break;
            }
            i += 8;
        }
#endif
        if (i >= p->len)
            return fail(p, q + 1, NULL), NULL; /* unterminated: where cJSON says */
        c = (unsigned char)b[i];
        if (c == '"')
            break;
        if (c == '\\') {
            int cp;

            escapes = true;
            if (i + 1 >= p->len)
                return fail(p, q + 1, NULL), NULL;
            switch (b[i + 1]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                i += 2;
                continue;
            case 'u':
                break;
            default:
                goto bad_escape;
            }
            if (p->len - i < 6 || (cp = hex4(b + i + 2)) < 0) {
                /* cJSON refused an escape cut short by the closing quote (plainly, as here),
                 * and read other bad hex digits as a NUL byte that cut the string short. */
                bool cut = p->len - i < 6 || memchr(b + i + 2, '"', 4);

                return fail(p, terminated(p, q) ? i : q + 1,
                            terminated(p, q) && !cut ? "a \\u escape without four hex digits"
                                                     : NULL),
                       NULL;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff)
                goto bad_escape;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                int lo;

                if (p->len - i < 12 || b[i + 6] != '\\' || b[i + 7] != 'u' ||
                    (lo = hex4(b + i + 8)) < 0xdc00 || lo > 0xdfff)
                    goto bad_escape;
                i += 12;
                continue;
            }
            if (cp == 0 && !p->nul) {
                p->nul = true;
                p->nul_at = i;
            }
            i += 6;
            continue;
        bad_escape:
            /* An unterminated string is reported first, as cJSON does. */
            return fail(p, terminated(p, q) ? i : q + 1, NULL), NULL;
        }
        if (c < 0x20) /* an unterminated string is reported as cJSON did, plainly */
            return fail(p, terminated(p, q) ? i : q + 1,
                        terminated(p, q) ? "a control character in a string (escape it)" : NULL),
                   NULL;
        /* Bytes past ASCII are taken as they are, UTF-8 or not, as cJSON took them: what
         * prints a plan's names escapes them (check's case 6 of tests/cli/test_hostile.sh). */
        i++;
    }
    end = i;
    p->pos = end + 1;
    if (!escapes)
        return intern(p, b + q + 1, end - q - 1);
    /* Decoded text is never longer than its escapes. */
    out = gpv_val_arena_alloc_bytes(p->a, end - q);
    o = out;
    for (i = q + 1; i < end;) {
        if (b[i] != '\\') {
            *o++ = b[i++];
            continue;
        }
        switch (b[i + 1]) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            unsigned cp = (unsigned)hex4(b + i + 2);

            if (cp >= 0xd800 && cp <= 0xdbff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)hex4(b + i + 8) - 0xdc00);
                i += 6;
            }
            put_utf8(&o, cp);
            i += 6;
            continue;
        }
        default: /* '"', '\\', '/' */
            *o++ = b[i + 1];
            break;
        }
        i += 2;
    }
    *o = '\0';
    return intern(p, out, (size_t)(o - out));
}

static struct gpv_val *
parse_number(struct jp *p)
{
    const char *b = p->buf;
    size_t s = p->pos, i = s;
    bool whole = true;
    struct gpv_val *v;
    char tmp[JSON_NUM_MAX + 1];
    double d;

    if (i < p->len && b[i] == '-')
        i++;
    if (i >= p->len || b[i] < '0' || b[i] > '9')
        return fail(p, s, NULL);
    if (b[i] == '0') {
        i++;
        if (i < p->len && b[i] >= '0' && b[i] <= '9')
            return fail(p, i, "a number with a leading zero");
    } else {
        while (i < p->len && b[i] >= '0' && b[i] <= '9')
            i++;
    }
    if (i < p->len && b[i] == '.') {
        whole = false;
        if (++i >= p->len || b[i] < '0' || b[i] > '9')
            return fail(p, i - 1, "a number without digits after its decimal point");
        while (i < p->len && b[i] >= '0' && b[i] <= '9')
            i++;
    }
    if (i < p->len && (b[i] == 'e' || b[i] == 'E')) {
        size_t e = i++;

        whole = false;
        if (i < p->len && (b[i] == '+' || b[i] == '-'))
            i++;
        /* Not an exponent: the number ends before the 'e', as cJSON read it, and what follows
         * is an error where it stands (in an array, say, or as trailing data). */
        if (i >= p->len || b[i] < '0' || b[i] > '9')
            i = e;
        while (i < p->len && b[i] >= '0' && b[i] <= '9')
            i++;
    }
    if (i - s > JSON_NUM_MAX)
        return fail(p, s, "a number longer than 63 characters");
    p->pos = i;
    /* Up to 15 digits: exact in a double, so the same as strtod() then the check below. */
    if (whole && i - s <= 15) {
        long long x = 0;
        size_t k;

        for (k = s + (b[s] == '-'); k < i; k++)
            x = x * 10 + (b[k] - '0');
        if (b[s] == '-')
            x = -x;
        if (x >= 0 && x < SMALL_INTS) {
            if (!p->ints)
                p->ints = xcalloc(SMALL_INTS, sizeof(*p->ints));
            if (!p->ints[x]) {
                p->ints[x] = gpv_val_arena_node(p->a, GPV_V_INT);
                p->ints[x]->i = x;
            }
            return p->ints[x];
        }
        v = gpv_val_arena_node(p->a, GPV_V_INT);
        v->i = x;
        return v;
    }
    memcpy(tmp, b + s, i - s);
    tmp[i - s] = '\0';
    d = strtod(tmp, NULL);
    if (d == floor(d) && fabs(d) < 9007199254740992.0) {
        v = gpv_val_arena_node(p->a, GPV_V_INT);
        v->i = (long long)d;
    } else {
        v = gpv_val_arena_node(p->a, GPV_V_NUM);
        v->d = d;
    }
    return v;
}

static int
key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The name of the first duplicate key of obj (the smallest in byte order), or NULL. */
static const char *
duplicate_key(const struct gpv_val *obj)
{
    const char **k, *dup = NULL;
    size_t i, j;

    if (obj->n <= 16) {
        /* Keys are interned: equal keys are the same pointer. */
        for (i = 0; i < obj->n; i++)
            for (j = i + 1; j < obj->n; j++)
                if (obj->keys[i] == obj->keys[j] && (!dup || strcmp(obj->keys[i], dup) < 0))
                    dup = obj->keys[i];
        return dup;
    }
    k = xcalloc(obj->n, sizeof(*k));
    memcpy(k, obj->keys, obj->n * sizeof(*k));
    qsort(k, obj->n, sizeof(*k), key_cmp);
    for (i = 1; i < obj->n && !dup; i++)
        if (k[i - 1] == k[i])
            dup = k[i];
    free(k);
    return dup;
}

/* The one array of names stk[base..base+n) in the arena: a plan's 50,000 instances share one. */
static struct ishape
intern_names(struct jp *p, size_t base, size_t n, bool *fresh)
{
    uint32_t h = 2166136261u;
    size_t i, k, mask;
    char **names;

    *fresh = false;
    for (i = 0; i < n; i++)
        h = (h ^ (uint32_t)((uintptr_t)p->stk[base + i].key >> 3)) * 16777619u;
    if (2 * (p->nshapes + 1) > p->capshapes) {
        struct ishape *old = p->shapes;
        size_t oldcap = p->capshapes;

        p->capshapes = oldcap ? 2 * oldcap : 64;
        p->shapes = xcalloc(p->capshapes, sizeof(*p->shapes));
        for (k = 0; k < oldcap; k++) {
            if (!old[k].names)
                continue;
            for (i = old[k].h & (p->capshapes - 1); p->shapes[i].names;
                 i = (i + 1) & (p->capshapes - 1))
                ;
            p->shapes[i] = old[k];
        }
        free(old);
    }
    mask = p->capshapes - 1;
    for (k = h & mask; p->shapes[k].names; k = (k + 1) & mask) {
        if (p->shapes[k].h != h || p->shapes[k].n != n)
            continue;
        for (i = 0; i < n && p->shapes[k].names[i] == p->stk[base + i].key; i++)
            ;
        if (i == n)
            return p->shapes[k];
    }
    GPV_ASSERT(n <= SIZE_MAX / sizeof(*names));
    *fresh = true;
    names = gpv_val_arena_alloc(p->a, n * sizeof(*names));
    p->shapes[k].lens = gpv_val_arena_alloc(p->a, n * sizeof(*p->shapes[k].lens));
    p->shapes[k].plain = true;
    for (i = 0; i < n; i++) {
        const char *c;

        names[i] = (char *)p->stk[base + i].key;
        for (c = names[i]; *c; c++)
            if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
                p->shapes[k].plain = false;
        p->shapes[k].lens[i] = (size_t)(c - names[i]);
    }
    p->shapes[k].names = names;
    p->shapes[k].n = n;
    p->shapes[k].h = h;
    p->nshapes++;
    return p->shapes[k];
}

/* Closes the container v whose pending items start at stk[base]. */
static void
close_container(struct jp *p, struct gpv_val *v, size_t base, struct ishape *pred,
                bool as_predicted)
{
    size_t n = p->nstk - base, i;
    bool fresh = false;

    if (n) {
        GPV_ASSERT(n <= SIZE_MAX / sizeof(*v->items));
        v->items = gpv_val_arena_alloc(p->a, n * sizeof(*v->items));
        for (i = 0; i < n; i++)
            v->items[i] = p->stk[base + i].v;
        if (v->type == GPV_V_OBJ) {
            if (as_predicted && pred->n == n) {
                v->keys = pred->names; /* checked for duplicates when it was first seen */
            } else {
                *pred = intern_names(p, base, n, &fresh);
                v->keys = pred->names;
            }
        }
    }
    v->n = v->cap = n;
    p->nstk = base;
    /* Readers disagree on duplicates (cJSON takes the first, jq and Python the last). Names
     * seen before were checked then. */
    if (fresh && !p->dup && n > 1)
        p->dup = duplicate_key(v);
}

/*
 * Are a[0..n) and b[0..n) the same bytes? Inline, eight at a time (the last eight overlapping
 * the ones before): names and repeated values are short, and a call to memcmp cost more than
 * comparing them.
 */
static inline bool
same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    size_t i;

    if (n < 8) {
        for (i = 0; i < n; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
    for (i = 0; i + 8 < n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return false;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

/*
 * Is the string at pos (its opening quote) exactly k (len bytes), a name without quotes,
 * backslashes or control bytes (so that its text in the document is the name itself)? Then pos
 * moves past it.
 */
static bool
match_key(struct jp *p, const char *k, size_t len)
{
    const char *b = p->buf + p->pos + 1;

    if (p->len - p->pos - 1 <= len || !same_bytes(b, k, len) || b[len] != '"')
        return false;
    p->pos += len + 2;
    return true;
}

static struct gpv_val *parse_value(struct jp *p);

/* Is the interned text e free of quotes, backslashes and control bytes (its own JSON text)? */
static bool
plain_text(struct ikey *e)
{
    size_t i;

    if (!e->plain) {
        e->plain = 1;
        for (i = 0; i < e->len; i++)
            if (e->s[i] == '"' || e->s[i] == '\\' || (unsigned char)e->s[i] < 0x20)
                e->plain = -1;
    }
    return e->plain > 0;
}

/*
 * The string value whose opening quote is at pos, item idx (< VPRED_N) of the container being
 * read, as parse_value reads it (the same node: the interned string with that text), or NULL
 * on an error. When its bytes are those of the plain string last read at that place it is not
 * hashed; a string read otherwise becomes the place's prediction.
 */
static struct gpv_val *
predicted_string(struct jp *p, size_t idx)
{
    struct vpred *vp;
    struct gpv_val *v;
    size_t len;

    vp = &p->vpred[(size_t)p->depth * VPRED_N + idx];
    if ((v = vp->v) && (len = vp->len) < p->len - p->pos - 1 && p->buf[p->pos + 1 + len] == '"' &&
        same_bytes(p->buf + p->pos + 1, v->s, len)) {
        p->pos += len + 2;
        return v;
    }
    if (!(v = parse_value(p)))
        return NULL;
    if (plain_text(p->last)) {
        vp->v = v;
        vp->len = p->last->len;
    }
    return v;
}

static struct gpv_val *
parse_container(struct jp *p, bool obj)
{
    struct gpv_val *v;
    size_t base = p->nstk;
    char close = obj ? '}' : ']';
    struct ishape *pred;
    bool predicted;

    if (p->depth >= JSON_DEPTH)
        return fail(p, p->pos, "nested more than 1000 deep");
    p->depth++;
    v = gpv_val_arena_node(p->a, obj ? GPV_V_OBJ : GPV_V_ARR);
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->buf[p->pos] == close) {
        p->pos++;
        p->depth--;
        return v;
    }
    pred = &p->pred[p->depth];
    predicted = obj && pred->names && pred->plain;
    for (;;) {
        const char *key = NULL;
        struct gpv_val *item;

        if (p->pos >= p->len)
            return fail(p, p->pos, NULL);
        if (obj) {
            if (p->buf[p->pos] != '"')
                return fail_token(p, p->pos + 1); /* where cJSON says */
            if (predicted && p->nstk - base < pred->n &&
                match_key(p, pred->names[p->nstk - base], pred->lens[p->nstk - base]))
                key = pred->names[p->nstk - base];
            else if (!(key = parse_string(p)))
                return NULL;
            else
                predicted = false;
            /* `": "` then the value, as every writer of plans puts it: no white space to skip. */
            if (p->len - p->pos > 2 && p->buf[p->pos] == ':' && p->buf[p->pos + 1] == ' ' &&
                (unsigned char)p->buf[p->pos + 2] > ' ') {
                p->pos += 2;
            } else {
                skip_ws(p);
                if (p->pos >= p->len || p->buf[p->pos] != ':')
                    return fail_token(p, p->pos);
                p->pos++;
                skip_ws(p);
            }
        }
        if (p->nstk - base < VPRED_N && p->pos < p->len && p->buf[p->pos] == '"')
            item = predicted_string(p, p->nstk - base);
        else
            item = parse_value(p);
        if (!item)
            return NULL;
        push(p, key, item);
        if (p->pos < p->len && p->buf[p->pos] != ',' && p->buf[p->pos] != close)
            skip_ws(p); /* most values end at their comma or bracket */
        if (p->pos < p->len && p->buf[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
            continue;
        }
        if (p->pos < p->len && p->buf[p->pos] == close)
            break;
        return fail_token(p, p->pos);
    }
    p->pos++;
    /* An object whose names all came as predicted has the predicted names array. */
    close_container(p, v, base, pred, predicted);
    p->depth--;
    return v;
}

/* A literal true, false or null (word, n bytes) at pos, or NULL. */
static struct gpv_val *
parse_literal(struct jp *p, const char *word, size_t n, int which, enum gpv_vtype type, bool b)
{
    uint32_t have, want;

    /* The first four bytes in one comparison (every literal has four or five). */
    if (p->len - p->pos < n)
        return fail(p, p->pos, NULL);
    memcpy(&have, p->buf + p->pos, 4);
    memcpy(&want, word, 4);
    if (have != want || (n > 4 && p->buf[p->pos + 4] != word[4]))
        return fail(p, p->pos, NULL);
    p->pos += n;
    if (!p->lit[which]) {
        p->lit[which] = gpv_val_arena_node(p->a, type);
        p->lit[which]->b = b;
    }
    return p->lit[which];
}

static struct gpv_val *
parse_value(struct jp *p)
{
    struct gpv_val *v;
    const char *s;

    if (p->pos >= p->len)
        return fail(p, p->pos, NULL);
    switch (p->buf[p->pos]) {
    case '{':
        return parse_container(p, true);
    case '[':
        return parse_container(p, false);
    case '"':
        /* Strings repeat (profiles, models, tenant names on their instances): one node each. */
        if (!(s = parse_string(p)))
            return NULL;
        if (!(v = p->last->node)) {
            v = p->last->node = gpv_val_arena_node(p->a, GPV_V_STR);
            v->s = (char *)s;
        }
        return v;
    case 't':
        return parse_literal(p, "true", 4, 2, GPV_V_BOOL, true);
    case 'f':
        return parse_literal(p, "false", 5, 1, GPV_V_BOOL, false);
    case 'n':
        return parse_literal(p, "null", 4, 0, GPV_V_NULL, false);
    default:
        if (p->buf[p->pos] == '-' || (p->buf[p->pos] >= '0' && p->buf[p->pos] <= '9'))
            return parse_number(p);
        return fail_token(p, p->pos);
    }
}

/* Line and column (from 1) of byte at in buf. */
static void
position(int *line, int *col, const char *buf, size_t at)
{
    const char *p = buf, *end = buf + at, *nl;

    *line = 1;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        ++*line;
        p = nl + 1;
    }
    *col = (int)(end - p) + 1;
}

int
gpv_val_parse_json(struct gpv_val **out, const char *buf, size_t len, const char *name,
                   struct gpv_error *err)
{
    struct jp p;
    struct gpv_val *root;
    const char *dup;
    int line, col, rc = 0;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.buf = buf;
    p.len = len;
    p.a = gpv_val_arena_new();
    p.pred = xcalloc(JSON_DEPTH + 2, sizeof(*p.pred));
    p.vpred = xcalloc((JSON_DEPTH + 2) * VPRED_N, sizeof(*p.vpred));
    /* A UTF-8 byte order mark, as cJSON skips it. */
    if (len > 4 && !memcmp(buf, "\xef\xbb\xbf", 3))
        p.pos = 3;
    skip_ws(&p);
    root = parse_value(&p);
    if (root) {
        gpv_val_arena_adopt(root, p.a);
        p.a = NULL;
    }
    free(p.stk);
    free(p.keys);
    free(p.shapes);
    free(p.ints);
    free(p.pred);
    free(p.vpred);
    if (!root) {
        size_t at = p.err_at, k;

        gpv_val_arena_discard(p.a);
        /* Past the end is the last byte, as cJSON reports it. */
        if (at >= len)
            at = len ? len - 1 : 0;
        position(&line, &col, buf, at);
        if (p.detail)
            return gpv_error_set(err, GPV_EINPUT, name, line, col, "invalid JSON: %s", p.detail);
        /* A YAML file (a tenants file given to `check`, say) fails on its first byte: say so. */
        for (k = 0; k < len && json_ws(buf[k]); k++)
            ;
        if (k < len &&
            (buf[k] == '#' || (buf[k] >= 'a' && buf[k] <= 'z' && !strchr("tfn", buf[k]))))
            return gpv_error_set(err, GPV_EINPUT, name, line, col,
                                 "invalid JSON: the text starts with '%c', not '{' (is it YAML?)",
                                 buf[k]);
        return gpv_error_set(err, GPV_EINPUT, name, line, col, "invalid JSON");
    }
    /* Anything but white space after the value is an error too. */
    skip_ws(&p);
    if (p.pos < len) {
        position(&line, &col, buf, p.pos);
        rc = gpv_error_set(err, GPV_EINPUT, name, line, col, "trailing data after the JSON value");
    } else if (p.nul) {
        /* A name could hide its tail behind a NUL byte. */
        position(&line, &col, buf, p.nul_at);
        rc = gpv_error_set(err, GPV_EINPUT, name, line, col, "a string holds a NUL byte (\\u0000)");
    } else if ((dup = p.dup)) {
        rc = gpv_error_set(err, GPV_EINPUT, name, 0, 0, "duplicate key '%s' in an object", dup);
    }
    if (rc) {
        gpv_val_free(root);
        return rc;
    }
    *out = root;
    return 0;
}
