/*
 * The fast event scanner (see yscan_int.h). It reads one line at a time and keeps the events of
 * the last lines in a queue: an event made while reading content line j leaves the queue only
 * once lines j + 1 and j + 2 have been read without leaving the subset, because libyaml looks
 * ahead (to the first token of the next line, and past it to end a plain scalar) before it
 * gives an event, and an error there must keep that event from the caller as it does libyaml's.
 * Positions are libyaml's: lines and columns from 1. Columns are counted in bytes, which are
 * characters: outside comments the scanner reads ASCII only (the end of the input, which may
 * follow a UTF-8 comment, is counted in characters).
 */
#include "yscan_int.h"
#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

#define YSCAN_MAX_BLOCKS 128  /* deepest block nesting read here; deeper goes to libyaml */
#define YSCAN_MAX_FLOW   100  /* deepest flow nesting read here */
#define YSCAN_MAX_KEY    1000 /* longest key: libyaml's simple keys end at 1024 characters */
#define YSCAN_LOOKAHEAD  3    /* content lines read past an event before it is delivered */

struct yscan_ev {
    enum gpv_yevent_kind kind;
    bool plain;
    int line, col;
    size_t off, len; /* scalar text: buf[off..off+len) */
    size_t seq;      /* the content line being read when the event was made */
};

/* An open block collection: a mapping, a sequence, or a sequence at its mapping's indent. */
enum blk_kind { BLK_MAP, BLK_SEQ, BLK_INDENTLESS };

struct blk {
    enum blk_kind kind;
    int indent; /* column (from 0) of its keys or dashes */
};

struct gpv_yscan {
    const char *buf;
    size_t len;
    size_t pos;    /* start of the next line */
    int line;      /* of the next line, from 0 */
    size_t nlines; /* content lines read */
    struct yscan_ev *q;
    size_t qhead, qtail, qcap;
    struct blk stk[YSCAN_MAX_BLOCKS];
    int nstk;
    /* A key ended its line with ':': its value is a block below it or an empty scalar. */
    bool pending;
    int pend_line, pend_col, pend_indent;
    /* The last content line ended with a plain scalar, which libyaml would continue onto a
       line indented past plain_indent. */
    bool plain_end;
    int plain_indent;
    bool doc_start; /* the document began with an explicit "---" */
    bool eof;
    size_t delivered;
};

/*
 * Bytes a plain scalar may hold here after its first, in flow collections (1) and in blocks too
 * (2): letters, digits and the punctuation that is no indicator inside a scalar; in a block
 * also the flow indicators. '#' is taken only right after another byte of the scalar (after a
 * space it starts a comment), ':' only in a block and followed by one of these bytes.
 */
static const unsigned char plain_bytes[256] = {
    ['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1,  ['%'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1,
    [')'] = 1, ['*'] = 1, ['+'] = 1, ['-'] = 1,  ['.'] = 1, ['/'] = 1, [';'] = 1,  ['<'] = 1,
    ['='] = 1, ['>'] = 1, ['@'] = 1, ['\\'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1,  ['|'] = 1,
    ['~'] = 1, [','] = 2, ['['] = 2, [']'] = 2,  ['{'] = 2, ['}'] = 2, ['?'] = 2,  ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,  ['5'] = 1, ['6'] = 1, ['7'] = 1,  ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,  ['D'] = 1, ['E'] = 1, ['F'] = 1,  ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,  ['L'] = 1, ['M'] = 1, ['N'] = 1,  ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1,  ['T'] = 1, ['U'] = 1, ['V'] = 1,  ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1,  ['b'] = 1, ['c'] = 1, ['d'] = 1,  ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,  ['j'] = 1, ['k'] = 1, ['l'] = 1,  ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1,  ['r'] = 1, ['s'] = 1, ['t'] = 1,  ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1,  ['z'] = 1,
};

/* Whether the plain scalar goes on at p (before e): flow says where it is. */
static bool
plain_ok(const char *p, const char *e, bool flow)
{
    unsigned char c = plain_bytes[(unsigned char)*p];

    if (c)
        return c == 1 || !flow;
    return *p == ':' && !flow && p + 1 < e && plain_bytes[(unsigned char)p[1]];
}

static bool
alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* True when b[0..n) is printable ASCII and line feeds: a fixed-length loop the compiler
   vectorises. */
static bool
ascii_block(const unsigned char *b, size_t n)
{
    unsigned char bad = 0;
    size_t j;

    for (j = 0; j < n; j++)
        bad |= (unsigned char)(((unsigned char)(b[j] - 0x20) > 0x5e) & (b[j] != '\n'));
    return !bad;
}

/*
 * True when libyaml's reader takes buf whole without an error and the scanner may read it:
 * UTF-8 (no byte order mark) of printable characters other than tab, CR and the Unicode line
 * breaks. libyaml's reader checks bytes ahead of its events, so an error it would find anywhere
 * keeps the fast scanner off the whole buffer. Non-ASCII text is accepted here for comments; the
 * scanner leaves anything else non-ASCII to libyaml (its columns count characters).
 */
static bool
readable(const unsigned char *b, size_t len)
{
    size_t i = 0;

    if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
        return false;
    while (i < len) {
        size_t j, n;
        unsigned long cp;

        /* 64 bytes at a time while they are ASCII. */
        if (len - i >= 64 && ascii_block(b + i, 64)) {
            i += 64;
            continue;
        }
        if (b[i] < 0x80) {
            if (!ascii_block(b + i, 1))
                return false;
            i++;
            continue;
        }
        if (b[i] >= 0xc2 && b[i] <= 0xdf)
            n = 2, cp = b[i] & 0x1f;
        else if (b[i] >= 0xe0 && b[i] <= 0xef)
            n = 3, cp = b[i] & 0x0f;
        else if (b[i] >= 0xf0 && b[i] <= 0xf4)
            n = 4, cp = b[i] & 0x07;
        else
            return false;
        if (len - i < n)
            return false;
        for (j = 1; j < n; j++) {
            if ((b[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (b[i + j] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        /* Printable for YAML, and no line break (NEL, LS, PS) a comment would end at. */
        if (cp < 0xa0 || (cp >= 0xd800 && cp < 0xe000) || cp == 0x2028 || cp == 0x2029 ||
            cp == 0xfeff || cp == 0xfffe || cp == 0xffff)
            return false;
        i += n;
    }
    return true;
}

struct gpv_yscan *
gpv_yscan_new(const char *buf, size_t len)
{
    struct gpv_yscan *s;

    if (!readable((const unsigned char *)buf, len))
        return NULL;
    s = xcalloc(1, sizeof(*s));
    s->buf = buf;
    s->len = len;
    return s;
}

void
gpv_yscan_free(struct gpv_yscan *s)
{
    if (!s)
        return;
    free(s->q);
    free(s);
}

size_t
gpv_yscan_delivered(const struct gpv_yscan *s)
{
    return s->delivered;
}

static struct yscan_ev *
push(struct gpv_yscan *s, enum gpv_yevent_kind kind, int line, int col)
{
    struct yscan_ev *e;

    if (s->qtail == s->qcap) {
        if (s->qhead > 0) {
            memmove(s->q, s->q + s->qhead, (s->qtail - s->qhead) * sizeof(*s->q));
            s->qtail -= s->qhead;
            s->qhead = 0;
        }
        if (s->qtail == s->qcap) {
            s->qcap = s->qcap ? s->qcap * 2 : 64;
            s->q = xreallocarray(s->q, s->qcap, sizeof(*s->q));
        }
    }
    e = &s->q[s->qtail++];
    e->kind = kind;
    e->plain = false;
    e->line = line + 1;
    e->col = col + 1;
    e->off = 0;
    e->len = 0;
    e->seq = s->nlines;
    return e;
}

/* A scalar found on a line: where its text is and where it starts. */
struct scalar {
    const char *start; /* its first byte (a quote for a quoted one) */
    const char *text;
    size_t len;
    bool plain;
};

/*
 * Reads a scalar at p, before e (the line's end), in a flow collection or not: plain (the
 * bytes of plain_ok(), single spaces
 * or runs of them between) or quoted on one line without escapes. Returns the byte after it, or
 * NULL when it is none of those.
 */
static const char *
scan_scalar(struct scalar *sc, const char *p, const char *e, bool flow)
{
    const char *q;

    sc->start = p;
    if (*p == '"' || *p == '\'') {
        char quote = *p;

        for (q = p + 1; q < e && *q != quote; q++)
            if ((*q == '\\' && quote == '"') || (unsigned char)*q >= 0x80)
                return NULL;
        if (q == e)
            return NULL;
        /* '' inside single quotes is an escaped quote. */
        if (quote == '\'' && q + 1 < e && q[1] == '\'')
            return NULL;
        sc->text = p + 1;
        sc->len = (size_t)(q - p - 1);
        sc->plain = false;
        return q + 1;
    }
    if (!(alnum(*p) || *p == '_' ||
          ((*p == '-' || *p == '+') && p + 1 < e && (alnum(p[1]) || p[1] == '.'))))
        return NULL;
    q = p + 1;
    for (;;) {
        const char *r;

        while (q < e && plain_ok(q, e, flow))
            q++;
        for (r = q; r < e && *r == ' '; r++)
            ;
        if (r == q || r == e || *r == '#' || !plain_ok(r, e, flow))
            break;
        q = r;
    }
    sc->text = p;
    sc->len = (size_t)(q - p);
    sc->plain = true;
    return q;
}

static const char *
skip_spaces(const char *p, const char *e)
{
    while (p < e && *p == ' ')
        p++;
    return p;
}

/* True when only spaces, or spaces and then a comment, are left before e: after at least one
   space (libyaml takes '#' right after a token as a comment too; that is left to it). */
static bool
rest_empty(const char *p, const char *e)
{
    const char *q = skip_spaces(p, e);

    return q == e || (*q == '#' && q > p);
}

static void
push_scalar(struct gpv_yscan *s, const struct scalar *sc, int line, const char *ls)
{
    struct yscan_ev *ev = push(s, GPV_YE_SCALAR, line, (int)(sc->start - ls));

    ev->plain = sc->plain;
    ev->off = (size_t)(sc->text - s->buf);
    ev->len = sc->len;
}

/* A flow collection starting at *p ('{' or '['), closed on the same line. Returns the byte
   after it, or NULL. */
static const char *
scan_flow(struct gpv_yscan *s, const char *p, const char *e, int line, const char *ls, int depth)
{
    bool map = *p == '{';
    char close = map ? '}' : ']';
    struct scalar sc;
    const char *q;

    if (depth == YSCAN_MAX_FLOW)
        return NULL;
    push(s, map ? GPV_YE_MAP : GPV_YE_SEQ, line, (int)(p - ls));
    p = skip_spaces(p + 1, e);
    if (p < e && *p == close) {
        push(s, GPV_YE_END, line, (int)(p - ls));
        return p + 1;
    }
    for (;;) {
        if (p == e)
            return NULL;
        if (map) {
            if (!(q = scan_scalar(&sc, p, e, true)) || q + 1 >= e || *q != ':' || q[1] != ' ' ||
                q - p > YSCAN_MAX_KEY)
                return NULL;
            push_scalar(s, &sc, line, ls);
            p = skip_spaces(q + 1, e);
            if (p == e)
                return NULL;
        }
        if (*p == '{' || *p == '[') {
            if (!(q = scan_flow(s, p, e, line, ls, depth + 1)))
                return NULL;
        } else {
            if (!(q = scan_scalar(&sc, p, e, true)))
                return NULL;
            push_scalar(s, &sc, line, ls);
        }
        p = skip_spaces(q, e);
        if (p == e)
            return NULL;
        if (*p == close) {
            push(s, GPV_YE_END, line, (int)(p - ls));
            return p + 1;
        }
        if (*p != ',')
            return NULL;
        p = skip_spaces(p + 1, e);
        /* A trailing comma, or an empty entry, is left to libyaml. */
        if (p < e && (*p == close || *p == ','))
            return NULL;
    }
}

/*
 * The value after a key's ': ' or a dash's '- ' at p: a scalar or a flow collection, then
 * nothing but a comment. Sets plain_end when it is a plain scalar ending the line.
 */
static bool
scan_value(struct gpv_yscan *s, const char *p, const char *e, int line, const char *ls)
{
    struct scalar sc;
    const char *q;

    if (*p == '{' || *p == '[') {
        if (!(q = scan_flow(s, p, e, line, ls, 0)))
            return false;
        return rest_empty(q, e);
    }
    if (!(q = scan_scalar(&sc, p, e, false)))
        return false;
    if (!rest_empty(q, e))
        return false;
    push_scalar(s, &sc, line, ls);
    s->plain_end = sc.plain && skip_spaces(q, e) == e;
    return true;
}

/* After a key (its ':' at colon): a value on the line, or one to come (pending). */
static bool
scan_after_key(struct gpv_yscan *s, const char *colon, const char *e, int line, const char *ls)
{
    const char *p = skip_spaces(colon + 1, e);

    if (p == e || (*p == '#' && p > colon + 1)) {
        s->pending = true;
        s->pend_line = line;
        s->pend_col = (int)(colon + 1 - ls);
        s->pend_indent = s->stk[s->nstk - 1].indent;
        return true;
    }
    return scan_value(s, p, e, line, ls);
}

static bool
open_block(struct gpv_yscan *s, enum blk_kind kind, int indent, int line, int col)
{
    if (s->nstk == YSCAN_MAX_BLOCKS)
        return false;
    s->stk[s->nstk].kind = kind;
    s->stk[s->nstk].indent = indent;
    s->nstk++;
    push(s, kind == BLK_MAP ? GPV_YE_MAP : GPV_YE_SEQ, line, col);
    return true;
}

/* A key at p: a scalar right before ': ' or ':' at the line's end. Returns its colon or NULL. */
static const char *
key_at(struct scalar *sc, const char *p, const char *e)
{
    const char *q = scan_scalar(sc, p, e, false);

    if (!q || q == e || *q != ':' || (q + 1 < e && q[1] != ' ') || q - p > YSCAN_MAX_KEY)
        return NULL;
    return q;
}

/* One content line: ls its start, p its first non-space byte, e its end. */
static bool
scan_line(struct gpv_yscan *s, const char *ls, const char *p, const char *e, int line)
{
    int c = (int)(p - ls), i;
    bool dash = *p == '-' && (p + 1 == e || p[1] == ' ');
    struct scalar key;
    const char *colon = NULL;

    if (s->plain_end && c > s->plain_indent)
        return false; /* libyaml would continue the scalar onto this line */
    s->plain_end = false;
    if (!dash && !(colon = key_at(&key, p, e)))
        return false;
    if (s->pending) {
        s->pending = false;
        if (c > s->pend_indent) {
            if (!open_block(s, dash ? BLK_SEQ : BLK_MAP, c, line, c))
                return false;
            goto body;
        }
        if (c == s->pend_indent && dash) {
            if (!open_block(s, BLK_INDENTLESS, c, line, c))
                return false;
            goto body;
        }
        push(s, GPV_YE_SCALAR, s->pend_line, s->pend_col)->plain = true;
    } else if (s->nstk == 0) {
        /* The root; a root that ended and more lines is libyaml's to report. */
        if (s->nlines > 0 || !open_block(s, dash ? BLK_SEQ : BLK_MAP, c, line, c))
            return false;
        goto body;
    }
    while (s->nstk > 0 &&
           (s->stk[s->nstk - 1].indent > c || (s->stk[s->nstk - 1].kind == BLK_INDENTLESS &&
                                               s->stk[s->nstk - 1].indent == c && !dash))) {
        s->nstk--;
        push(s, GPV_YE_END, line, c);
    }
    if (s->nstk == 0 || s->stk[s->nstk - 1].indent != c ||
        (s->stk[s->nstk - 1].kind == BLK_MAP) == dash)
        return false;
body:
    if (!dash) {
        push_scalar(s, &key, line, ls);
        if (!scan_after_key(s, colon, e, line, ls))
            return false;
    } else {
        p = skip_spaces(p + 1, e);
        if (p == e || *p == '#' || (*p == '-' && (p + 1 == e || p[1] == ' ')))
            return false; /* an empty item, or a sequence in a sequence on one line */
        if ((colon = key_at(&key, p, e))) {
            /* "- key: value": a mapping in the item, indented at its first key. */
            if (!open_block(s, BLK_MAP, (int)(p - ls), line, (int)(p - ls)))
                return false;
            push_scalar(s, &key, line, ls);
            if (!scan_after_key(s, colon, e, line, ls))
                return false;
        } else if (!scan_value(s, p, e, line, ls)) {
            return false;
        }
    }
    /* The indent libyaml's plain scalars continue past: the innermost block's but for a
       sequence at its mapping's indent, which has none of its own. */
    for (i = s->nstk - 1; i > 0 && s->stk[i].kind == BLK_INDENTLESS; i--)
        ;
    s->plain_indent = s->stk[i].indent;
    return true;
}

/* Reads lines up to the next content line and scans it; at the end, closes what is open. */
static bool
read_line(struct gpv_yscan *s)
{
    for (;;) {
        const char *ls = s->buf + s->pos, *end = s->buf + s->len, *e, *p;
        int line;

        if (s->pos >= s->len) {
            /*
             * libyaml's stream end: it first closes the blocks indented past the column where
             * the input ends (in characters: a comment there may be UTF-8), then moves to the
             * next line's start when the last line is not ended, and closes the rest there.
             */
            int eline = s->line, ecol = 0, i, mark_line, mark_col;
            size_t j;

            /* "---" alone is a document holding an empty scalar: libyaml's to read. */
            if (s->doc_start && s->nlines == 0)
                return false;
            for (j = s->len; j > 0 && s->buf[j - 1] != '\n'; j--)
                if (((unsigned char)s->buf[j - 1] & 0xc0) != 0x80)
                    ecol++;
            if (s->pending)
                push(s, GPV_YE_SCALAR, s->pend_line, s->pend_col)->plain = true;
            for (i = s->nstk - 1; i >= 0; i--) {
                int k;

                /* A sequence at its mapping's indent ends with that mapping. */
                for (k = i; k > 0 && s->stk[k].kind == BLK_INDENTLESS; k--)
                    ;
                mark_line = s->stk[k].indent > ecol ? eline : eline + (ecol > 0);
                mark_col = s->stk[k].indent > ecol ? ecol : 0;
                push(s, GPV_YE_END, mark_line, mark_col);
            }
            s->nstk = 0;
            s->eof = true;
            s->pending = false;
            s->line = eline + (ecol > 0);
            return true;
        }
        e = memchr(ls, '\n', (size_t)(end - ls));
        if (!e)
            e = end;
        line = s->line;
        s->pos = (size_t)(e - s->buf) + 1;
        if (e < end)
            s->line++;
        p = skip_spaces(ls, e);
        if (p == e || *p == '#')
            continue;
        /* One "---" before the root, alone on its line: the document's explicit start. Other
           markers and directives are libyaml's. */
        if (p == ls && s->nlines == 0 && !s->doc_start && e - p >= 3 && !memcmp(p, "---", 3) &&
            (e - p == 3 || (p[3] == ' ' && rest_empty(p + 3, e)))) {
            s->doc_start = true;
            continue;
        }
        if (!scan_line(s, ls, p, e, line))
            return false;
        s->nlines++;
        return true;
    }
}

bool
gpv_yscan_next(struct gpv_yscan_event *out, struct gpv_yscan *s)
{
    struct yscan_ev *ev;

    while (!s->eof && (s->qhead == s->qtail || s->q[s->qhead].seq + YSCAN_LOOKAHEAD > s->nlines))
        if (!read_line(s))
            return false;
    if (s->qhead == s->qtail) {
        out->kind = GPV_YE_DONE;
        out->line = s->line + 1;
        out->col = 1;
        out->plain = false;
        out->str = NULL;
        out->len = 0;
        return true;
    }
    ev = &s->q[s->qhead++];
    out->kind = ev->kind;
    out->line = ev->line;
    out->col = ev->col;
    out->plain = ev->plain;
    out->str = ev->kind == GPV_YE_SCALAR ? s->buf + ev->off : NULL;
    out->len = ev->len;
    s->delivered++;
    return true;
}
