#ifndef GPUVPLAN_UTIL_H
#define GPUVPLAN_UTIL_H

/*
 * Small helpers every module uses: allocation that never returns NULL, checked number parsing,
 * case-insensitive comparison, "did you mean" suggestions and a growable string buffer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Allocation. On failure these print "gpuvplan: out of memory" to stderr and exit with
 * GPV_EXIT_SYSTEM: allocation failure is fatal, so callers never check for NULL.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: resize p to count * size bytes, exiting on overflow. */
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated printf-formatted string. */
char *xasprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/*
 * Length of the valid UTF-8 sequence at s (1 to 4; an ASCII byte is 1), or 0 when the bytes
 * at s are not valid UTF-8 (a stray continuation byte, an overlong form, a surrogate, a value
 * past U+10FFFF, a sequence cut short). s[0] must not be NUL.
 */
size_t gpv_utf8_len(const char *s);

/*
 * The one escaper for untrusted text shown on a terminal (names, notes and messages from input
 * files): true when s holds a byte gpv_escape() would rewrite.
 */
bool gpv_escape_needed(const char *s);

/*
 * Returns a new string (the caller frees it) that shows s visibly and safely: every C0
 * control byte, DEL, every C1 control (U+0080..U+009F) and every byte of invalid UTF-8 is
 * written as \xNN (ESC is "\x1b", a newline "\x0a"); everything else is copied. The result is
 * valid UTF-8 without control characters, so it can neither move the cursor nor forge a line.
 */
char *gpv_escape(const char *s);

/*
 * Invariants of the code, never of the input (bad input is an error returned to the caller).
 * GPV_ASSERT(cond) checks that cond holds; GPV_BUG(what) marks a place the code cannot reach.
 * A failure prints "gpuvplan: BUG: FILE:LINE: FUNCTION: what" to stderr and aborts: a loud
 * stop with a core dump instead of a wrong plan. Always compiled in (NDEBUG does not remove
 * them): every use is cheap. cond is evaluated exactly once; keep side effects out of it anyway.
 */
#define GPV_ASSERT(cond) ((cond) ? (void)0 : gpv_bug(__FILE__, __LINE__, __func__, #cond))
#define GPV_BUG(what)    gpv_bug(__FILE__, __LINE__, __func__, what)

/* Reports a broken invariant as above and aborts. Called through GPV_ASSERT and GPV_BUG. */
_Noreturn void gpv_bug(const char *file, int line, const char *func, const char *what);

/*
 * Parses all of s as a base-10 (or 0x-prefixed hexadecimal) integer in [min, max].
 * Returns true and sets *out on success; false on junk, overflow or out of range.
 */
bool gpv_parse_ll(long long *out, const char *s, long long min, long long max);

/* Parses all of s as a finite decimal number. Returns true and sets *out on success. */
bool gpv_parse_double(double *out, const char *s);

/* True when s is short (at most 64 bytes) and printable ASCII: safe to quote in a message. */
bool gpv_quotable(const char *s);

/* A 32-bit FNV-1a hash of the NUL-terminated s: for hash tables of names. */
uint32_t gpv_str_hash(const char *s);

/*
 * Names to indexes, by hash: for finding the node (or any named thing) of each of 16,000 GPUs
 * among 2,000 without a scan. Names are borrowed: they must outlive the table. Zero-initialise
 * (or gpv_names_init), then add; release with gpv_names_release.
 */
struct gpv_names {
    struct gpv_names_slot {
        const char *name; /* NULL: empty */
        size_t idx;
    } * slot;
    size_t cap, n; /* cap a power of two, or 0 */
};

/* Files name under idx. Returns false, changing nothing, when name is there already. */
bool gpv_names_add(struct gpv_names *t, const char *name, size_t idx);

/* The index filed under name, or SIZE_MAX when there is none. */
size_t gpv_names_find(const struct gpv_names *t, const char *name);

/* Frees t's table and empties it. */
void gpv_names_release(struct gpv_names *t);

/* Case-insensitive ASCII equality. */
bool gpv_strieq(const char *a, const char *b);

/*
 * The one "did you mean" engine. Returns the index of the candidate closest to word
 * (case-insensitive edit distance, an adjacent transposition counting as one edit), or -1 when
 * none is close enough to suggest: at most one edit in three characters (at least two), and
 * never more edits than half the characters compared (one-letter names aside), so nothing that
 * shares little with word is offered. The first of equally close candidates wins. cands has n
 * entries; NULL entries are skipped.
 */
int gpv_suggest(const char *word, const char *const *cands, size_t n);

/*
 * Every candidate as close to word as gpv_suggest()'s answer: writes up to cap of their
 * indexes to out, in candidate order, and returns how many it wrote (0: nothing to suggest).
 */
size_t gpv_suggest_all(int *out, size_t cap, const char *word, const char *const *cands, size_t n);

/*
 * Sorts n elements of `size` bytes at base, stably (equal elements keep their order), with a
 * comparison that also receives ctx (C11's qsort is neither stable nor given a context).
 * A merge sort: O(n log n) comparisons, n * size bytes of scratch memory.
 */
void gpv_sort_stable(void *base, size_t n, size_t size,
                     int (*cmp)(const void *a, const void *b, const void *ctx), const void *ctx);

/*
 * A growable NUL-terminated string. Zero-initialise (or gpv_buf_init) before use. With a sink
 * (gpv_buf_set_sink) it is a stream instead: whenever GPV_BUF_SINK_BYTES are held they are handed
 * to the sink and dropped, so s holds only the text not yet flushed.
 */
struct gpv_buf {
    char *s;
    size_t len;
    size_t cap;
    void (*sink)(void *ctx, const char *p, size_t n); /* NULL: keep everything */
    void *sink_ctx;
};

/* How much a buffer with a sink holds before it flushes (a single larger write is kept whole). */
#define GPV_BUF_SINK_BYTES (64 * 1024)

void gpv_buf_init(struct gpv_buf *b);
/* Appends printf-formatted text. */
void gpv_buf_printf(struct gpv_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void gpv_buf_putc(struct gpv_buf *b, char c);
/* Appends n bytes from p (which need not be NUL-terminated). */
void gpv_buf_put(struct gpv_buf *b, const char *p, size_t n);
void gpv_buf_puts(struct gpv_buf *b, const char *s);
/* Appends n spaces; nothing when n <= 0. */
void gpv_buf_pad(struct gpv_buf *b, int n);
/*
 * Appends i in decimal, padded with spaces to width bytes: on the left when width > 0, on the
 * right when width < 0 (printf's "%*lld" with the same width). Writers of large tables use it
 * instead of gpv_buf_printf().
 */
void gpv_buf_put_int(struct gpv_buf *b, long long i, int width);
/* Appends s padded on the right with spaces to width bytes (printf's "%-*s"). */
void gpv_buf_put_left(struct gpv_buf *b, const char *s, int width);
/* Returns the string (never NULL; "" when empty). The buffer keeps ownership. */
const char *gpv_buf_str(const struct gpv_buf *b);
/* Gives the string to the caller (who frees it) and resets the buffer. */
char *gpv_buf_detach(struct gpv_buf *b);
void gpv_buf_release(struct gpv_buf *b);

/*
 * Makes b a stream into sink: from now on, whenever appending would take b past
 * GPV_BUF_SINK_BYTES, what b holds is passed to sink(ctx, p, n) and dropped. Text already in b
 * stays until the next flush. The sink reports its own errors (a FILE* sink leaves them in
 * ferror). Writers that only append are unchanged by it.
 */
void gpv_buf_set_sink(struct gpv_buf *b, void (*sink)(void *ctx, const char *p, size_t n),
                      void *ctx);

/* Passes what b holds to its sink and empties b; without a sink, does nothing. */
void gpv_buf_flush(struct gpv_buf *b);

#endif
