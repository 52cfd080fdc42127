#include "gpuvplan/emit.h"

#include "gpuvplan/value.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * gpv_buf_put() and its siblings without a call while the buffer has room: a plan is millions
 * of short pieces. The buffer's own function takes over when it must grow or flush.
 */
static inline void
emit_put(struct gpv_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        gpv_buf_put(b, p, n);
        return;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static inline void
emit_putc(struct gpv_buf *b, char c)
{
    if (b->len + 2 > b->cap) {
        gpv_buf_putc(b, c);
        return;
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

static inline void
emit_puts(struct gpv_buf *b, const char *s)
{
    emit_put(b, s, strlen(s));
}

/* ---- scalars ------------------------------------------------------------------------------ */

void
gpv_json_put_number(struct gpv_buf *b, double d)
{
    char tmp[64];

    if (!isfinite(d)) {
        emit_put(b, "null", 4);
        return;
    }
    /* Six significant digits keep output stable and readable; integers print without ".0". */
    snprintf(tmp, sizeof(tmp), "%.6g", d);
    if (strchr(tmp, 'e') && fabs(d) < 1e15 && d == floor(d))
        snprintf(tmp, sizeof(tmp), "%.0f", d);
    emit_put(b, tmp, strlen(tmp));
}

void
gpv_json_put_int(struct gpv_buf *b, long long i)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        *--p = '-';
    emit_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * The length of a character at p YAML may not hold raw, even quoted: a C1 control
 * (U+0080..U+009F; U+0085 is a line break to YAML), or U+2028 and U+2029 (line and paragraph
 * separators, line breaks to YAML 1.1). 0 for any other character.
 */
static int
yaml_unprintable(const unsigned char *p)
{
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        return 2;
    if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
        return 3;
    return 0;
}

/*
 * ASCII bytes that may need an escape: 1 in JSON and YAML (controls, the quote, the backslash),
 * 2 in YAML only (DEL). Bytes from 0x80 are checked as UTF-8 sequences instead.
 */
/* clang-format off */
static const unsigned char escape_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00-0x0f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10-0x1f */
    ['"'] = 1, ['\\'] = 1, [0x7f] = 2,
};
/* clang-format on */

/*
 * True when one of the eight bytes of w may need care in a quoted string: a control byte, the
 * quote, the backslash, DEL or a byte from 0x80 (exact for "none": the usual SWAR tests).
 */
static bool
word_needs_care(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);

    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs) |
            ((del - ones) & ~del) | w) &
           highs;
}

/*
 * Appends s double-quoted. JSON escapes \" \\ \n \t \r and other bytes below 0x20 as \u00XX; for
 * YAML (yaml true) also DEL, the C1 controls, U+2028 and U+2029, which YAML may not hold raw
 * even when quoted (YAML 1.2, 5.1 and 5.4), as \x7f and \uXXXX. Each byte of invalid UTF-8
 * becomes \ufffd, so the document is valid UTF-8 whatever the input held.
 */
static void
put_quoted(struct gpv_buf *b, const char *s, bool yaml)
{
    const unsigned char *p, *run = (const unsigned char *)s;
    size_t n = strlen(s), i;
    const unsigned char *end = run + n;
    const unsigned char limit = yaml ? 2 : 1;

    /* The usual string: nothing to escape (no byte that may need care) and room in the buffer:
       quoted in one copy. */
    if (b->len + n + 3 <= b->cap) {
        for (i = 0; i + 8 <= n; i += 8) {
            uint64_t w;

            memcpy(&w, run + i, 8);
            if (word_needs_care(w))
                break;
        }
        while (i < n && run[i] < 0x80 && !escape_class[run[i]])
            i++;
        if (i == n) {
            char *d = b->s + b->len;

            d[0] = '"';
            memcpy(d + 1, s, n);
            d[n + 1] = '"';
            d[n + 2] = '\0';
            b->len += n + 2;
            return;
        }
    }
    emit_put(b, "\"", 1);
    /* Runs of bytes that need no escape are copied whole: plans are mostly such runs. */
    for (p = run; *p; p++) {
        char esc[8];

        /* Eight plain bytes at a time, up to the word that holds the terminating NUL. */
        while (p + 8 <= end) {
            uint64_t w;

            memcpy(&w, p, 8);
            if (word_needs_care(w))
                break;
            p += 8;
        }
        if (!*p)
            break;

        if (*p >= 0x80) {
            size_t ul = gpv_utf8_len((const char *)p);

            if (ul == 0) {
                /* Invalid UTF-8 from an input file: the output stays valid (U+FFFD per byte). */
                emit_put(b, (const char *)run, (size_t)(p - run));
                emit_put(b, "\\ufffd", 6);
                run = p + 1;
                continue;
            }
            if (!yaml || !yaml_unprintable(p)) {
                p += ul - 1;
                continue;
            }
        } else if (!escape_class[*p] || escape_class[*p] > limit) {
            continue;
        }
        emit_put(b, (const char *)run, (size_t)(p - run));
        run = p + 1;
        switch (*p) {
        case '"':
            emit_put(b, "\\\"", 2);
            break;
        case '\\':
            emit_put(b, "\\\\", 2);
            break;
        case '\n':
            emit_put(b, "\\n", 2);
            break;
        case '\t':
            emit_put(b, "\\t", 2);
            break;
        case '\r':
            emit_put(b, "\\r", 2);
            break;
        case 0x7f:
            emit_put(b, "\\x7f", 4);
            break;
        case 0xc2: /* U+0080..U+009F (YAML) */
            snprintf(esc, sizeof(esc), "\\u%04x", p[1]);
            emit_put(b, esc, 6);
            run = ++p + 1;
            break;
        case 0xe2: /* U+2028, U+2029 (YAML) */
            emit_put(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            p += 2;
            run = p + 1;
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            emit_put(b, esc, 6);
        }
    }
    emit_put(b, (const char *)run, (size_t)(p - run));
    emit_put(b, "\"", 1);
}

void
gpv_json_put_string(struct gpv_buf *b, const char *s)
{
    put_quoted(b, s, false);
}

void
gpv_json_put_indent(struct gpv_buf *b, int depth)
{
    static const char spaces[] = "                                                                ";

    while (depth > 0) {
        int n = depth > 32 ? 32 : depth;

        emit_put(b, spaces, (size_t)n * 2);
        depth -= n;
    }
}

/*
 * True when a plain YAML scalar would be read back as something other than this string. Plans
 * write millions of strings, so the tests are ordered to reject the usual name in one pass.
 */
static bool
yaml_needs_quotes(const char *s, bool flow)
{
    static const char *const words[] = {"~",    "null",  "Null",  "NULL",  "true", "True",
                                        "TRUE", "false", "False", "FALSE", "yes",  "no",
                                        "Yes",  "No",    "on",    "off",   "y",    "n"};
    const unsigned char *p;
    size_t i, n = strlen(s);
    double d;
    long long ll;

    if (n == 0)
        return true;
    if (n <= 5) /* the longest word */
        for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
            if (!strcmp(s, words[i]))
                return true;
    /* A number starts with a digit, a sign or a point. */
    if ((isdigit((unsigned char)s[0]) || strchr("+-.", s[0])) &&
        (gpv_parse_double(&d, s) || gpv_parse_ll(&ll, s, LLONG_MIN, LLONG_MAX)))
        return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[n - 1] == ' ' || s[n - 1] == ':')
        return true;
    /* Inside "[a, b]" a comma or bracket would end the item. */
    if (flow && strpbrk(s, ",[]{}"))
        return true;
    for (p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || yaml_unprintable(p))
            return true;
        if ((p[0] == ':' && p[1] == ' ') || (p[0] == ' ' && p[1] == '#'))
            return true;
    }
    return false;
}

/* Appends s as a YAML scalar in block context, or in flow context ("[a, b]") when flow. */
static void
put_yaml(struct gpv_buf *b, const char *s, bool flow)
{
    if (yaml_needs_quotes(s, flow))
        put_quoted(b, s, true); /* JSON's escapes, all of which YAML reads the same */
    else
        emit_put(b, s, strlen(s));
}

void
gpv_yaml_put_string(struct gpv_buf *b, const char *s)
{
    put_yaml(b, s, false);
}

/* ---- the emitter ------------------------------------------------------------------------- */

/*
 * Text is written as it comes. A container's opening waits for its first child (or its end),
 * when it is known whether it is empty.
 */

void
gpv_emit_init(struct gpv_emit *e, enum gpv_emit_kind kind, struct gpv_buf *out)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->out = out;
}

/*
 * Keys escaped once: a document repeats a few dozen keys millions of times, almost all of them
 * string literals. A small table found by the key's address holds each key's written form
 * ("\"name\": " for JSON, "name:" for YAML); an entry is used only when its copy of the key is
 * still equal to the key, so a reused address (a freed tree's key) is never mistaken. The
 * address is hashed (multiplied, top bits) and a slot taken is passed over to the next ones
 * (KEY_PROBES), so that two keys whose addresses share a slot do not evict each other: the
 * table was direct-mapped by address bits, and the binary's layout alone made some builds
 * write the same plan with 30M more instructions at 10k tenants (keys escaped again and again).
 */
#define KEY_SLOTS      256 /* a power of two */
#define KEY_PROBES     8   /* slots tried after the key's own; past them its own is replaced */
#define KEY_MAX        48  /* longer keys are escaped every time */
#define JSON_SEP_DEPTH 16  /* levels JSON indents in one copy */

struct gpv_emit_key {
    const char *addr;
    char raw[KEY_MAX + 1];
    char text[2 * KEY_MAX + 8]; /* quoted (JSON) or plain (YAML) form, and its separator */
    size_t len;
    /* JSON: ",\n", the indentation of depth sep_depth (0: none yet) and text, in one piece for
       a member after the first: a plan writes millions. */
    char sep_text[2 + 2 * JSON_SEP_DEPTH + 2 * KEY_MAX + 8];
    size_t sep_len, sep_depth;
};

void
gpv_emit_stable_keys(struct gpv_emit *e)
{
    e->stable_keys = true;
}

/* Appends key as written without the table: JSON `"key": `, YAML `key:`. */
static void
put_key_text(struct gpv_buf *b, enum gpv_emit_kind kind, const char *key)
{
    if (kind == GPV_EMIT_JSON) {
        gpv_json_put_string(b, key);
        emit_put(b, ": ", 2);
    } else {
        gpv_yaml_put_string(b, key);
        emit_putc(b, ':');
    }
}

/* The slot of key's address (a multiplicative hash: its top bits). */
static size_t
key_slot(const char *key)
{
    return (size_t)(((uint64_t)(uintptr_t)key * UINT64_C(0x9e3779b97f4a7c15)) >> 56) % KEY_SLOTS;
}

/* key's entry past its own slot, made on a miss; NULL for a key too long to keep. */
static struct gpv_emit_key *
key_find(struct gpv_emit *e, const char *key)
{
    struct gpv_emit_key *k = NULL;
    struct gpv_buf tmp;
    size_t n, h, i;

    if (!e->keys)
        e->keys = xcalloc(KEY_SLOTS, sizeof(*e->keys));
    h = key_slot(key);
    for (i = 0; i <= KEY_PROBES; i++) {
        k = &e->keys[(h + i) % KEY_SLOTS];
        if (k->addr == key) {
            if (e->stable_keys || !strcmp(k->raw, key))
                return k;
            break; /* the same address, another key: made again here */
        }
        if (!k->addr)
            break;
    }
    if (i > KEY_PROBES)
        k = &e->keys[h];
    n = strlen(key);
    if (n > KEY_MAX)
        return NULL;
    gpv_buf_init(&tmp);
    put_key_text(&tmp, e->kind, key);
    if (tmp.len >= sizeof(k->text)) {
        gpv_buf_release(&tmp);
        return NULL;
    }
    k->addr = key;
    memcpy(k->raw, key, n + 1);
    memcpy(k->text, tmp.s, tmp.len);
    k->len = tmp.len;
    k->sep_depth = 0;
    gpv_buf_release(&tmp);
    return k;
}

/* key's entry in the table, made on a miss; NULL for a key too long to keep. A stable key
 * already in the table (almost every key of a plan) is found without a call. */
static inline struct gpv_emit_key *
key_entry(struct gpv_emit *e, const char *key)
{
    struct gpv_emit_key *k;
    size_t h, i;

    if (e->keys && e->stable_keys) {
        h = key_slot(key);
        for (i = 0; i <= KEY_PROBES; i++) {
            k = &e->keys[(h + i) % KEY_SLOTS];
            if (k->addr == key)
                return k;
            if (!k->addr)
                break;
        }
    }
    return key_find(e, key);
}

/* Appends key as the emitter writes a key: JSON `"key": `, YAML `key:`. */
static void
put_key(struct gpv_emit *e, const char *key)
{
    struct gpv_emit_key *k = key_entry(e, key);

    if (k)
        emit_put(e->out, k->text, k->len);
    else
        put_key_text(e->out, e->kind, key);
}

void
gpv_emit_release(struct gpv_emit *e)
{
    if (!e)
        return;
    free(e->keys);
    e->keys = NULL;
    free(e->frame);
    gpv_val_free(e->root);
    e->frame = NULL;
    e->root = NULL;
    e->depth = e->cap = 0;
}

struct gpv_val *
gpv_emit_take(struct gpv_emit *e)
{
    struct gpv_val *v = e->root;

    e->root = NULL;
    return v;
}

/* The innermost open container, or NULL at the top. */
static struct gpv_emit_frame *
top(struct gpv_emit *e)
{
    return e->depth ? &e->frame[e->depth - 1] : NULL;
}

/* The separator with the spaces of JSON_SEP_DEPTH levels (two a level). */
static const char json_sep[] = ",\n                                ";

/* JSON: what comes before an item or member of the innermost container. */
static void
json_before(struct gpv_emit *e, const char *key)
{
    struct gpv_emit_frame *f = top(e);
    struct gpv_emit_key *k;

    if (!f)
        return;
    if (f->inl) {
        emit_puts(e->out, f->n ? ", " : "[");
    } else if (e->depth <= JSON_SEP_DEPTH && f->n && f->obj && (k = key_entry(e, key))) {
        /* A member after the first: separator, indentation and key in one copy. */
        if (k->sep_depth != e->depth) {
            size_t sep = 2 + 2 * e->depth;

            memcpy(k->sep_text, json_sep, sep);
            memcpy(k->sep_text + sep, k->text, k->len);
            k->sep_len = sep + k->len;
            k->sep_depth = e->depth;
        }
        emit_put(e->out, k->sep_text, k->sep_len);
        f->n++;
        return;
    } else if (e->depth <= JSON_SEP_DEPTH) {
        /* The separator, the newline and the indentation in one copy: plans write millions. */
        if (!f->n)
            emit_putc(e->out, f->obj ? '{' : '[');
        emit_put(e->out, json_sep + (f->n ? 0 : 1), (f->n ? 2 : 1) + 2 * e->depth);
    } else {
        emit_puts(e->out, f->n ? ",\n" : f->obj ? "{\n" : "[\n");
        gpv_json_put_indent(e->out, (int)e->depth);
    }
    if (f->obj)
        put_key(e, key);
    f->n++;
}

/* YAML: what comes before an item or member of the innermost container ("---" at the top). */
static void
yaml_before(struct gpv_emit *e, const char *key)
{
    struct gpv_emit_frame *f = top(e);
    int d = (int)e->depth - 1;

    if (!f) {
        emit_puts(e->out, "---\n");
        return;
    }
    if (!f->n) {
        /* The first child: the container is not empty, so it opens here. */
        if (f->inl)
            emit_puts(e->out, f->member ? " [" : "[");
        else if (f->member)
            emit_putc(e->out, '\n');
    } else if (f->inl) {
        emit_puts(e->out, ", ");
    }
    if (f->obj) {
        /* The first member of a list item (or of the document) shares its line. */
        if (f->n || f->member)
            gpv_json_put_indent(e->out, d);
        put_key(e, key);
    } else if (!f->inl) {
        gpv_json_put_indent(e->out, d);
        emit_puts(e->out, "- ");
    }
    f->n++;
}

/* Text: what comes before a scalar. */
static void
scalar_before(struct gpv_emit *e, const char *key)
{
    struct gpv_emit_frame *f;

    if (e->kind == GPV_EMIT_JSON) {
        json_before(e, key);
        return;
    }
    yaml_before(e, key);
    if ((f = top(e)) && f->obj)
        emit_putc(e->out, ' ');
}

/* Text: what comes after a scalar (a document that is one scalar ends with a newline). */
static void
scalar_after(struct gpv_emit *e)
{
    struct gpv_emit_frame *f = top(e);

    if (!f || (e->kind == GPV_EMIT_YAML && !f->inl))
        emit_putc(e->out, '\n');
}

/* Tree: puts v into the innermost container (or makes it the root). */
static struct gpv_val *
tree_put(struct gpv_emit *e, const char *key, struct gpv_val *v)
{
    struct gpv_emit_frame *f = top(e);

    if (!f) {
        gpv_val_free(e->root);
        e->root = v;
        return v;
    }
    if (f->obj)
        return gpv_val_set(f->v, key, v);
    return gpv_val_push(f->v, v);
}

static void
emit_open(struct gpv_emit *e, const char *key, bool obj, bool inline_scalars)
{
    struct gpv_emit_frame *f, *parent = top(e);
    struct gpv_val *v = NULL;

    if (e->kind == GPV_EMIT_TREE)
        v = tree_put(e, key, obj ? gpv_val_obj() : gpv_val_arr());
    else if (e->kind == GPV_EMIT_JSON)
        json_before(e, key);
    else
        yaml_before(e, key);
    if (e->depth == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 16;
        e->frame = xreallocarray(e->frame, e->cap, sizeof(*e->frame));
        parent = e->depth ? &e->frame[e->depth - 1] : NULL;
    }
    f = &e->frame[e->depth++];
    f->v = v;
    f->n = 0;
    f->obj = obj;
    f->inl = !obj && inline_scalars;
    f->member = parent && parent->obj;
}

void
gpv_emit_obj(struct gpv_emit *e, const char *key)
{
    emit_open(e, key, true, false);
}

void
gpv_emit_arr(struct gpv_emit *e, const char *key, bool inline_scalars)
{
    emit_open(e, key, false, inline_scalars);
}

void
gpv_emit_end(struct gpv_emit *e)
{
    struct gpv_emit_frame *f;
    int d;

    assert(e->depth > 0 && "gpv_emit_end() without an open container");
    f = &e->frame[--e->depth];
    d = (int)e->depth;

    if (e->kind == GPV_EMIT_YAML) {
        if (!f->n) {
            if (f->member)
                emit_putc(e->out, ' ');
            emit_puts(e->out, f->obj ? "{}\n" : "[]\n");
        } else if (f->inl) {
            emit_puts(e->out, "]\n");
        }
        return;
    }
    if (e->kind != GPV_EMIT_JSON)
        return;
    if (!f->n) {
        emit_puts(e->out, f->obj ? "{}" : "[]");
    } else if (f->inl) {
        emit_putc(e->out, ']');
    } else if (d <= JSON_SEP_DEPTH) {
        emit_put(e->out, json_sep + 1, 1 + 2 * (size_t)d);
        emit_putc(e->out, f->obj ? '}' : ']');
    } else {
        emit_putc(e->out, '\n');
        gpv_json_put_indent(e->out, d);
        emit_putc(e->out, f->obj ? '}' : ']');
    }
    if (d == 0)
        emit_putc(e->out, '\n');
}

void
gpv_emit_str(struct gpv_emit *e, const char *key, const char *s)
{
    if (e->kind == GPV_EMIT_TREE) {
        tree_put(e, key, gpv_val_str(s));
        return;
    }
    scalar_before(e, key);
    if (!s)
        emit_puts(e->out, "null");
    else if (e->kind == GPV_EMIT_JSON)
        gpv_json_put_string(e->out, s);
    else
        put_yaml(e->out, s, top(e) && top(e)->inl);
    scalar_after(e);
}

void
gpv_emit_null(struct gpv_emit *e, const char *key)
{
    gpv_emit_str(e, key, NULL);
}

void
gpv_emit_int(struct gpv_emit *e, const char *key, long long i)
{
    if (e->kind == GPV_EMIT_TREE) {
        tree_put(e, key, gpv_val_int(i));
        return;
    }
    scalar_before(e, key);
    gpv_json_put_int(e->out, i);
    scalar_after(e);
}

void
gpv_emit_num(struct gpv_emit *e, const char *key, double d)
{
    if (e->kind == GPV_EMIT_TREE) {
        tree_put(e, key, gpv_val_num(d));
        return;
    }
    scalar_before(e, key);
    gpv_json_put_number(e->out, d);
    scalar_after(e);
}

void
gpv_emit_bool(struct gpv_emit *e, const char *key, bool b)
{
    if (e->kind == GPV_EMIT_TREE) {
        tree_put(e, key, gpv_val_bool(b));
        return;
    }
    scalar_before(e, key);
    emit_puts(e->out, b ? "true" : "false");
    scalar_after(e);
}

void
gpv_emit_raw(struct gpv_emit *e, const char *text, size_t len)
{
    /* Children after the first are written the same whatever came before them: a separator,
       the indentation of the depth, the child. So the copy is exact. */
    GPV_ASSERT(e->kind == GPV_EMIT_TREE || (e->depth > 0 && top(e)->n > 0));
    if (e->kind == GPV_EMIT_TREE)
        return;
    /* A stream hands a long text to its sink as it is, after what it holds: one copy fewer
       (explain copies a kind's text, tens of KB, for every tenant of the kind). */
    if (e->out->sink && len >= GPV_BUF_SINK_BYTES / 4) {
        gpv_buf_flush(e->out);
        e->out->sink(e->out->sink_ctx, text, len);
        return;
    }
    gpv_buf_put(e->out, text, len);
}

/* Arrays of scalars are written on one line; everything else one item per line. */
static bool
all_scalars(const struct gpv_val *v)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        if (v->items[i]->type == GPV_V_ARR || v->items[i]->type == GPV_V_OBJ)
            return false;
    return true;
}

void
gpv_emit_val(struct gpv_emit *e, const char *key, const struct gpv_val *v)
{
    size_t i;

    switch (v->type) {
    case GPV_V_NULL:
        gpv_emit_null(e, key);
        break;
    case GPV_V_BOOL:
        gpv_emit_bool(e, key, v->b);
        break;
    case GPV_V_INT:
        gpv_emit_int(e, key, v->i);
        break;
    case GPV_V_NUM:
        gpv_emit_num(e, key, v->d);
        break;
    case GPV_V_STR:
        gpv_emit_str(e, key, v->s);
        break;
    case GPV_V_ARR:
        gpv_emit_arr(e, key, all_scalars(v));
        for (i = 0; i < v->n; i++)
            gpv_emit_val(e, NULL, v->items[i]);
        gpv_emit_end(e);
        break;
    case GPV_V_OBJ:
        gpv_emit_obj(e, key);
        for (i = 0; i < v->n; i++)
            gpv_emit_val(e, v->keys[i], v->items[i]);
        gpv_emit_end(e);
        break;
    }
}
