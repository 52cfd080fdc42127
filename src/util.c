#include "gpuvplan/util.h"
#include "gpuvplan/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Exit 4. Two threads (recommend --from reads CURRENT on one) must not both call exit(): the
 * second waits for the first to end the process. */
static void
oom(void)
{
    static atomic_flag exiting = ATOMIC_FLAG_INIT;

    if (atomic_flag_test_and_set(&exiting))
        for (;;)
            pause();
    fputs("gpuvplan: out of memory\n", stderr);
    exit(GPV_EXIT_SYSTEM);
}

void
gpv_bug(const char *file, int line, const char *func, const char *what)
{
    fprintf(stderr, "gpuvplan: BUG: %s:%d: %s: %s\n", file, line, func, what);
    fflush(stderr);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        oom();
    return p;
}

void *
xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);

    if (!p)
        oom();
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        oom();
    return q;
}

void *
xreallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        oom();
    return xrealloc(p, count * size);
}

char *
xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list ap;
    size_t n;
    char *p;

    char tmp[256];
    va_list cp;
    int m;

    /* Formatted once when short (almost always), twice only past the stack buffer. */
    va_start(ap, fmt);
    va_copy(cp, ap);
    m = vsnprintf(tmp, sizeof(tmp), fmt, cp);
    va_end(cp);
    if (m < 0)
        oom();
    n = (size_t)m;
    p = xmalloc(n + 1);
    if (n < sizeof(tmp))
        memcpy(p, tmp, n + 1);
    else
        vsnprintf(p, n + 1, fmt, ap);
    va_end(ap);
    return p;
}

bool
gpv_parse_ll(long long *out, const char *s, long long min, long long max)
{
    char *end;
    long long v;

    if (!s || !*s || isspace((unsigned char)*s))
        return false;
    errno = 0;
    v = strtoll(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
    if (errno || *end || end == s || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool
gpv_parse_double(double *out, const char *s)
{
    char *end;
    double v;
    const char *p;

    if (!s || !*s || isspace((unsigned char)*s))
        return false;
    /* Plain decimal only: strtod would also take "inf", "nan" and hex floats. */
    for (p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p))
            return false;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool
gpv_quotable(const char *s)
{
    size_t n = 0;

    for (; *s; s++, n++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return n <= 64;
}

bool
gpv_strieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* Edit distance counting an adjacent transposition as one edit ("memroy" -> "memory"). */
static size_t
edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[65][65], i, j, best;

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);

            best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/*
 * How far cand is from word for a suggestion, or SIZE_MAX when it is too far to suggest: about
 * one edit in three characters (at least two), and never more edits than half the characters
 * compared, so a short word is not "corrected" into something it shares little with ('no'
 * into 'vm'); one letter against one letter ('t' for 's') is the exception, nothing else can be
 * compared there. A misspelt abbreviation of a longer name ("memroy" for "memory_mib") is compared
 * with the name's prefix, at one edit more.
 */
static size_t
suggest_distance(const char *word, size_t lw, const char *cand)
{
    size_t lc = strlen(cand), d, p, span, limit;

    d = edit_distance(word, lw, cand, lc);
    span = lw > lc ? lw : lc;
    if (lc > lw && lw >= 4) {
        p = edit_distance(word, lw, cand, lw) + 1;
        if (p < d) {
            d = p;
            span = lw;
        }
    }
    limit = lw / 3;
    if (limit < 2)
        limit = 2;
    if (d == (size_t)-1 || d > limit || (2 * d > span && span > 1))
        return SIZE_MAX;
    return d;
}

uint32_t
gpv_str_hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of name in t's table, or the empty slot where it would go. */
static struct gpv_names_slot *
names_slot(const struct gpv_names *t, const char *name)
{
    size_t i;

    for (i = gpv_str_hash(name) & (t->cap - 1); t->slot[i].name; i = (i + 1) & (t->cap - 1))
        if (!strcmp(t->slot[i].name, name))
            break;
    return &t->slot[i];
}

bool
gpv_names_add(struct gpv_names *t, const char *name, size_t idx)
{
    struct gpv_names_slot *sl;

    if (2 * (t->n + 1) > t->cap) {
        struct gpv_names old = *t;
        size_t i;

        t->cap = old.cap ? 2 * old.cap : 16;
        t->slot = xcalloc(t->cap, sizeof(*t->slot));
        for (i = 0; i < old.cap; i++)
            if (old.slot[i].name)
                *names_slot(t, old.slot[i].name) = old.slot[i];
        free(old.slot);
    }
    sl = names_slot(t, name);
    if (sl->name)
        return false;
    sl->name = name;
    sl->idx = idx;
    t->n++;
    return true;
}

size_t
gpv_names_find(const struct gpv_names *t, const char *name)
{
    const struct gpv_names_slot *sl;

    if (!t->cap)
        return SIZE_MAX;
    sl = names_slot(t, name);
    return sl->name ? sl->idx : SIZE_MAX;
}

void
gpv_names_release(struct gpv_names *t)
{
    free(t->slot);
    memset(t, 0, sizeof(*t));
}

int
gpv_suggest(const char *word, const char *const *cands, size_t n)
{
    int best;

    return gpv_suggest_all(&best, 1, word, cands, n) ? best : -1;
}

size_t
gpv_suggest_all(int *out, size_t cap, const char *word, const char *const *cands, size_t n)
{
    size_t i, d, best = SIZE_MAX, lw = strlen(word), k = 0;

    for (i = 0; i < n; i++)
        if (cands[i] && (d = suggest_distance(word, lw, cands[i])) < best)
            best = d;
    if (best == SIZE_MAX)
        return 0;
    for (i = 0; i < n && k < cap; i++)
        if (cands[i] && suggest_distance(word, lw, cands[i]) == best)
            out[k++] = (int)i;
    return k;
}

void
gpv_sort_stable(void *base, size_t n, size_t size,
                int (*cmp)(const void *a, const void *b, const void *ctx), const void *ctx)
{
    char *v = base, *tmp, *src, *dst, *swap;
    size_t width, i;

    if (n < 2)
        return;
    tmp = xreallocarray(NULL, n, size);
    src = v;
    dst = tmp;
    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t mid = i + width < n ? i + width : n;
            size_t hi = i + 2 * width < n ? i + 2 * width : n, a = i, b = mid, o = i;

            /* Take from the right run only when strictly smaller: that keeps it stable. */
            while (a < mid && b < hi) {
                if (cmp(src + b * size, src + a * size, ctx) < 0)
                    memcpy(dst + o++ * size, src + b++ * size, size);
                else
                    memcpy(dst + o++ * size, src + a++ * size, size);
            }
            memcpy(dst + o * size, src + a * size, (mid - a) * size);
            o += mid - a;
            memcpy(dst + o * size, src + b * size, (hi - b) * size);
        }
        swap = src;
        src = dst;
        dst = swap;
    }
    if (src != v)
        memcpy(v, src, n * size);
    free(tmp);
}

void
gpv_buf_init(struct gpv_buf *b)
{
    b->s = NULL;
    b->len = 0;
    b->cap = 0;
    b->sink = NULL;
    b->sink_ctx = NULL;
}

void
gpv_buf_set_sink(struct gpv_buf *b, void (*sink)(void *ctx, const char *p, size_t n), void *ctx)
{
    b->sink = sink;
    b->sink_ctx = ctx;
}

void
gpv_buf_flush(struct gpv_buf *b)
{
    if (!b->sink || b->len == 0)
        return;
    b->sink(b->sink_ctx, b->s, b->len);
    b->len = 0;
    b->s[0] = '\0';
}

static void
buf_reserve(struct gpv_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;

    if (need <= b->cap)
        return;
    /* A stream flushes rather than grows, once it holds what it flushes at. */
    if (b->sink && b->cap > GPV_BUF_SINK_BYTES && b->len > 0) {
        gpv_buf_flush(b);
        need = extra + 1;
        if (need <= b->cap)
            return;
    }
    if (b->sink && b->cap <= GPV_BUF_SINK_BYTES)
        b->cap = GPV_BUF_SINK_BYTES + 1;
    if (b->cap == 0)
        b->cap = 64;
    while (b->cap < need)
        b->cap *= 2;
    b->s = xrealloc(b->s, b->cap);
}

void
gpv_buf_printf(struct gpv_buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_list cp;
    int m;

    /* Formatted straight into the free space, and again only when it did not fit. */
    buf_reserve(b, 64);
    va_start(ap, fmt);
    va_copy(cp, ap);
    m = vsnprintf(b->s + b->len, b->cap - b->len, fmt, cp);
    va_end(cp);
    if (m < 0)
        oom();
    n = (size_t)m;
    if (n >= b->cap - b->len) {
        b->s[b->len] = '\0';
        buf_reserve(b, n);
        vsnprintf(b->s + b->len, n + 1, fmt, ap);
    }
    va_end(ap);
    b->len += n;
}

void
gpv_buf_putc(struct gpv_buf *b, char c)
{
    if (b->len + 2 > b->cap)
        buf_reserve(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

void
gpv_buf_put(struct gpv_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap)
        buf_reserve(b, n);
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void
gpv_buf_puts(struct gpv_buf *b, const char *s)
{
    gpv_buf_put(b, s, strlen(s));
}

void
gpv_buf_pad(struct gpv_buf *b, int n)
{
    static const char spaces[] = "                                ";

    while (n > 0) {
        int k = n < (int)sizeof(spaces) - 1 ? n : (int)sizeof(spaces) - 1;

        gpv_buf_put(b, spaces, (size_t)k);
        n -= k;
    }
}

void
gpv_buf_put_int(struct gpv_buf *b, long long i, int width)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
    int n;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        *--p = '-';
    n = (int)(tmp + sizeof(tmp) - p);
    if (width > n)
        gpv_buf_pad(b, width - n);
    gpv_buf_put(b, p, (size_t)n);
    if (-(long long)width > n)
        gpv_buf_pad(b, (int)(-(long long)width - n));
}

void
gpv_buf_put_left(struct gpv_buf *b, const char *s, int width)
{
    size_t n = strlen(s);

    gpv_buf_put(b, s, n);
    if (width > 0 && (size_t)width > n)
        gpv_buf_pad(b, width - (int)n);
}

const char *
gpv_buf_str(const struct gpv_buf *b)
{
    return b->s ? b->s : "";
}

char *
gpv_buf_detach(struct gpv_buf *b)
{
    char *s = b->s ? b->s : xstrdup("");

    gpv_buf_init(b);
    return s;
}

void
gpv_buf_release(struct gpv_buf *b)
{
    free(b->s);
    gpv_buf_init(b);
}

size_t
gpv_utf8_len(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n, i;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Bytes of s at p to show as \xNN: 0 when the sequence there is shown as it is. */
static size_t
escape_run(const unsigned char *p, size_t *keep)
{
    size_t n;

    *keep = 0;
    if (*p < 0x20 || *p == 0x7f)
        return 1;
    n = gpv_utf8_len((const char *)p);
    if (n == 0)
        return 1;
    if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
        return 2; /* a C1 control */
    *keep = n;
    return 0;
}

bool
gpv_escape_needed(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t keep;

    while (*p) {
        if (escape_run(p, &keep))
            return true;
        p += keep;
    }
    return false;
}

char *
gpv_escape(const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), o = 0, keep, bad, i;
    char *out;

    /* At worst every byte becomes four. */
    if (len > (SIZE_MAX - 1) / 4)
        oom();
    out = xmalloc(4 * len + 1);
    while (*p) {
        bad = escape_run(p, &keep);
        for (i = 0; i < bad; i++) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
        }
        for (i = 0; i < keep; i++)
            out[o++] = (char)p[i];
        p += bad + keep;
    }
    out[o] = '\0';
    return out;
}
