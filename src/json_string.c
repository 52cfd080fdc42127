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

const char *
jp_parse_string(struct jp *p)
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
