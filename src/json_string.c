/*
 * The strict JSON reader's strings (json_parse.c reads the rest): a string checked as cJSON
 * checked it (escapes, surrogates, control bytes), unescaped, and interned in the arena so that
 * every distinct text of a document is stored once.
 */
#include "json_parse_int.h"

#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bytes s[0..n), n <= 8, as the low bytes of a word. */
static inline uint64_t
word_part(const char *s, size_t n)
{
    uint64_t w = 0;
    size_t k;

#if JSON_SWAR
    if (n >= 4) {
        /* Two four-byte loads that overlap: the bytes both hold are the same. */
        uint32_t a, b;

        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        return a | (uint64_t)b << (8 * (n - 4));
    }
#endif
    for (k = 0; k < n; k++)
        w |= (uint64_t)(unsigned char)s[k] << (8 * k);
    return w;
}

/* The first 16 bytes of s[0..n) in head (zero-padded), and the hash of all n. */
static uint32_t
head_hash(uint64_t head[2], const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ n;
    size_t i;

#if JSON_SWAR
    head[0] = n >= 8 ? word_at(s) : word_part(s, n);
    head[1] = n >= 16 ? word_at(s + 8) : n > 8 ? word_part(s + 8, n - 8) : 0;
#else
    head[0] = word_part(s, n < 8 ? n : 8);
    head[1] = n <= 8 ? 0 : word_part(s + 8, n < 16 ? n - 8 : 8);
#endif
    /* Eight bytes a step, then murmur3's finalizer: the table takes the low bits. */
    h = (h ^ head[0]) * 0xff51afd7ed558ccdu;
    h = (h ^ head[1]) * 0xff51afd7ed558ccdu;
    for (i = 16; i < n && n - i >= 8; i += 8)
        h = (h ^ word_part(s + i, 8)) * 0xff51afd7ed558ccdu;
    if (i < n)
        h = (h ^ word_part(s + i, n - i)) * 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* A new string node for s[0..n) (copied into the arena). */
static struct gpv_val *
str_node(struct jp *p, const char *s, size_t n)
{
    struct gpv_val *v = jp_node(p, GPV_V_STR);

    v->s = jp_alloc(p, n + 1); /* zeroed: NUL-terminated */
    memcpy(v->s, s, n);
    return v;
}

/* Is s[0..n) free of quotes, backslashes and control bytes (its own JSON text)? */
static bool
plain_bytes(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20)
            return false;
    return true;
}

static struct gpv_val *intern_hashed(struct jp *p, const char *s, size_t n, uint32_t h,
                                     const uint64_t head[2], bool plain);

/*
 * The one string node of the text s[0..n) (a name or a string value); plain: whether the text
 * is known plain (false: look). Sets p->last_len, p->last_plain and p->last_head.
 */
static struct gpv_val *
intern(struct jp *p, const char *s, size_t n, bool plain)
{
    uint64_t head[2];
    uint32_t h;

    if (n > INT32_MAX) {
        /* Not worth a table entry (nor does its length fit one): a node of its own. */
        p->last_len = n;
        p->last_plain = plain || plain_bytes(s, n);
        p->last_head[0] = word_part(s, 8);
        p->last_head[1] = word_part(s + 8, 8);
        return str_node(p, s, n);
    }
    h = head_hash(head, s, n);
    return intern_hashed(p, s, n, h, head, plain);
}

/* intern() of a text whose hash and head are known. */
static struct gpv_val *
intern_hashed(struct jp *p, const char *s, size_t n, uint32_t h, const uint64_t head[2], bool plain)
{
    size_t i, mask;
    struct ikey *e;

    if (2 * (p->nkeys + 1) > p->capkeys) {
        struct ikey *old = p->keys;
        size_t oldcap = p->capkeys, k;

        p->capkeys = oldcap ? 2 * oldcap : 64;
        p->keys = xcalloc(p->capkeys, sizeof(*p->keys));
        for (k = 0; k < oldcap; k++) {
            if (!old[k].node)
                continue;
            for (i = old[k].h & (p->capkeys - 1); p->keys[i].node; i = (i + 1) & (p->capkeys - 1))
                ;
            p->keys[i] = old[k];
        }
        free(old);
    }
    p->last_len = n;
    mask = p->capkeys - 1;
    for (i = h & mask; (e = &p->keys[i])->node; i = (i + 1) & mask)
        if (e->h == h && e->len == n && e->head[0] == head[0] && e->head[1] == head[1] &&
            (n <= 16 || !memcmp(e->node->s + 16, s + 16, n - 16))) {
            p->last_plain = e->plain;
            p->last_head[0] = head[0];
            p->last_head[1] = head[1];
            return e->node;
        }
    e->node = str_node(p, s, n);
    e->head[0] = head[0];
    e->head[1] = head[1];
    e->h = h;
    e->len = (unsigned)n;
    e->plain = plain || plain_bytes(s, n);
    p->last_plain = e->plain;
    p->last_head[0] = head[0];
    p->last_head[1] = head[1];
    p->nkeys++;
    return e->node;
}

/* Records the plain string s[0..n) for jp_resolve, its table entry fetched meanwhile. */
static struct gpv_val *
defer(struct jp *p, const char *s, size_t n, struct vpred *vp)
{
    struct jdefer *d;

    if (p->ndefer == p->capdefer) {
        p->capdefer = p->capdefer ? 2 * p->capdefer : 64;
        p->defer = xreallocarray(p->defer, p->capdefer, sizeof(*p->defer));
    }
    d = &p->defer[p->ndefer++];
    d->s = s;
    d->n = n;
    d->at = p->nstk;
    d->vp = vp;
    d->h = head_hash(d->head, s, n);
#if defined(__GNUC__)
    if (p->capkeys)
        __builtin_prefetch(&p->keys[d->h & (p->capkeys - 1)]);
#endif
    return &p->deferred;
}

void
jp_resolve(struct jp *p, size_t base)
{
    struct jdefer *d;
    struct gpv_val *v;

    while (p->ndefer && (d = &p->defer[p->ndefer - 1])->at >= base) {
        v = intern_hashed(p, d->s, d->n, d->h, d->head, true);
        p->stk[d->at].v = v;
        d->vp->v = v;
        d->vp->len = d->n;
        d->vp->head[0] = d->head[0];
        d->vp->head[1] = d->head[1];
        p->ndefer--;
    }
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

struct gpv_val *
jp_parse_string(struct jp *p, struct vpred *vp)
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
            return fail(p, q + 1, NULL); /* unterminated: where cJSON says */
        c = (unsigned char)b[i];
        if (c == '"')
            break;
        if (c == '\\') {
            int cp;

            escapes = true;
            if (i + 1 >= p->len)
                return fail(p, q + 1, NULL);
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
                                                     : NULL);
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
            return fail(p, terminated(p, q) ? i : q + 1, NULL);
        }
        if (c < 0x20) /* an unterminated string is reported as cJSON did, plainly */
            return fail(p, terminated(p, q) ? i : q + 1,
                        terminated(p, q) ? "a control character in a string (escape it)" : NULL);
        /* Bytes past ASCII are taken as they are, UTF-8 or not, as cJSON took them: what
         * prints a plan's names escapes them (check's case 6 of tests/cli/test_hostile.sh). */
        i++;
    }
    end = i;
    p->pos = end + 1;
    if (!escapes && vp && end - q - 1 <= INT32_MAX)
        return defer(p, b + q + 1, end - q - 1, vp);
    if (!escapes)
        return intern(p, b + q + 1, end - q - 1, true);
    /* Decoded text is never longer than its escapes. */
    out = jp_alloc(p, end - q);
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
    return intern(p, out, (size_t)(o - out), false);
}
