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
 * longer than 63 characters (cJSON's own limit), and arrays or objects of more than 2^32 - 1
 * items (a value tree's limit; 8 GB of text at least). Bytes that are not UTF-8 are kept as they
 * are, as cJSON kept them: whatever prints a plan's strings escapes them.
 *
 * This file reads values, numbers and containers; strings are json_string.c's, the reader's
 * state and byte-scanning helpers json_parse_int.h's.
 */
#include "json_parse_int.h"

#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
                p->ints[x] = jp_node(p, GPV_V_INT);
                p->ints[x]->i = x;
            }
            return p->ints[x];
        }
        v = jp_node(p, GPV_V_INT);
        v->i = x;
        return v;
    }
    memcpy(tmp, b + s, i - s);
    tmp[i - s] = '\0';
    d = strtod(tmp, NULL);
    if (d == floor(d) && fabs(d) < 9007199254740992.0) {
        v = jp_node(p, GPV_V_INT);
        v->i = (long long)d;
    } else {
        v = jp_node(p, GPV_V_NUM);
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
    names = jp_alloc(p, n * sizeof(*names));
    p->shapes[k].lens = jp_alloc(p, n * sizeof(*p->shapes[k].lens));
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

    if (p->ndefer && p->defer[p->ndefer - 1].at >= base)
        jp_resolve(p, base);
    if (n) {
        GPV_ASSERT(n <= SIZE_MAX / sizeof(*v->items));
        v->items = jp_alloc(p, n * sizeof(*v->items));
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
    v->n = (uint32_t)n;
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
        uint32_t u, w;

        if (n >= 4) {
            /* Two four-byte words that overlap (most names: "mode", "model", "start"). */
            memcpy(&u, a, 4);
            memcpy(&w, b, 4);
            if (u != w)
                return false;
            memcpy(&u, a + n - 4, 4);
            memcpy(&w, b + n - 4, 4);
            return u == w;
        }
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
    size_t len, avail = p->len - p->pos - 1;
    const char *s = p->buf + p->pos + 1;

    vp = &p->vpred[(size_t)p->depth * VPRED_N + idx];
    if ((v = vp->v)) {
        len = vp->len;
#if JSON_SWAR
        if (len <= 16 && avail > 16) {
            /* The next 16 bytes of the document, those past len masked off, against head. */
            uint64_t m0 = len >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * len)) - 1;
            uint64_t m1 = len >= 16  ? ~(uint64_t)0
                          : len <= 8 ? 0
                                     : ((uint64_t)1 << (8 * (len - 8))) - 1;

            if ((word_at(s) & m0) == vp->head[0] && (word_at(s + 8) & m1) == vp->head[1] &&
                s[len] == '"') {
                p->pos += len + 2;
                return v;
            }
        } else
#endif
            if (len < avail && s[len] == '"' && same_bytes(s, v->s, len)) {
            p->pos += len + 2;
            return v;
        }
    }
    if (!(v = jp_parse_string(p, vp)) || v == &p->deferred)
        return v;
    if (p->last_plain) {
        vp->v = v;
        vp->len = p->last_len;
        vp->head[0] = p->last_head[0];
        vp->head[1] = p->last_head[1];
    }
    return v;
}

static struct gpv_val *
parse_container(struct jp *p, bool obj)
{
    struct gpv_val *v;
    const char *b = p->buf; /* kept in registers across the calls below */
    size_t len = p->len, base = p->nstk;
    char close = obj ? '}' : ']';
    struct ishape *pred;
    bool predicted;

    if (p->depth >= JSON_DEPTH)
        return fail(p, p->pos, "nested more than 1000 deep");
    p->depth++;
    v = jp_node(p, obj ? GPV_V_OBJ : GPV_V_ARR);
    p->pos++;
    skip_ws(p);
    if (p->pos < len && b[p->pos] == close) {
        p->pos++;
        p->depth--;
        return v;
    }
    pred = &p->pred[p->depth];
    predicted = obj && pred->names && pred->plain;
    for (;;) {
        const char *key = NULL;
        struct gpv_val *item, *kv;
        size_t k = p->nstk - base; /* the item's place */

        if (p->pos >= len)
            return fail(p, p->pos, NULL);
        if (obj) {
            if (b[p->pos] != '"')
                return fail_token(p, p->pos + 1); /* where cJSON says */
            if (predicted && k < pred->n && match_key(p, pred->names[k], pred->lens[k]))
                key = pred->names[k];
            else if (!(kv = jp_parse_string(p, NULL)))
                return NULL;
            else
                key = kv->s, predicted = false;
            /* `": "` then the value, as every writer of plans puts it: no white space to skip. */
            if (len - p->pos > 2 && b[p->pos] == ':' && b[p->pos + 1] == ' ' &&
                (unsigned char)b[p->pos + 2] > ' ') {
                p->pos += 2;
            } else {
                skip_ws(p);
                if (p->pos >= len || b[p->pos] != ':')
                    return fail_token(p, p->pos);
                p->pos++;
                skip_ws(p);
            }
        }
        if (k < VPRED_N && p->pos < len && b[p->pos] == '"')
            item = predicted_string(p, k);
        else
            item = parse_value(p);
        if (!item)
            return NULL;
        push(p, key, item);
        if (p->pos < len && b[p->pos] != ',' && b[p->pos] != close)
            skip_ws(p); /* most values end at their comma or bracket */
        if (p->pos < len && b[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
            continue;
        }
        if (p->pos < len && b[p->pos] == close)
            break;
        return fail_token(p, p->pos);
    }
    if (p->nstk - base > UINT32_MAX) /* at its closing bracket */
        return fail(p, p->pos, "more than 4294967295 items in an array or object");
    p->pos++;
    /* An object whose names all came as predicted has the predicted names array. */
    close_container(p, v, base, pred, predicted);
    p->depth--;
    return v;
}

/* A literal true, false or null (word, n bytes) at pos, or NULL. */
static inline struct gpv_val *
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
        p->lit[which] = jp_node(p, type);
        p->lit[which]->b = b;
    }
    return p->lit[which];
}

static struct gpv_val *
parse_value(struct jp *p)
{
    if (p->pos >= p->len)
        return fail(p, p->pos, NULL);
    switch (p->buf[p->pos]) {
    case '{':
        return parse_container(p, true);
    case '[':
        return parse_container(p, false);
    case '"':
        /* Strings repeat (profiles, models, tenant names on their instances): one node each. */
        return jp_parse_string(p, NULL);
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
    /* The intern table sized for a distinct text every 512 bytes (a plan has one every 860):
     * no growing and copying it on the way, and the pages of what is not used are never
     * touched (calloc maps large tables). */
    for (p.capkeys = 64; p.capkeys < len / 512 && p.capkeys <= SIZE_MAX / 4 / sizeof(*p.keys);)
        p.capkeys *= 2;
    p.keys = xcalloc(p.capkeys, sizeof(*p.keys));
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
    free(p.defer);
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
