/* Columns text takes on a terminal (include/gpuvplan/width.h). */
#include "gpuvplan/width.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * The bytes of the unit of text at s (at most len): an escape sequence, or one UTF-8
 * character with its continuation bytes. *cols gets the columns it takes (0 or 1).
 */
static size_t
unit_len(const char *s, size_t len, size_t *cols)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 1;

    if (p[0] == 0x1b) {
        *cols = 0;
        if (len > 1 && p[1] == '[') {
            /* CSI: parameter and intermediate bytes, then one final byte 0x40..0x7e. */
            for (i = 2; i < len && p[i] && (p[i] < 0x40 || p[i] > 0x7e); i++)
                ;
            return i < len && p[i] ? i + 1 : i;
        }
        return len > 1 && p[1] ? 2 : 1;
    }
    /* A stray continuation byte counts as nothing; a lead byte starts one column. */
    *cols = (p[0] & 0xc0) == 0x80 ? 0 : 1;
    while (i < len && (p[i] & 0xc0) == 0x80 && p[0] >= 0xc0)
        i++;
    return i;
}

size_t
gpv_width_n(const char *s, size_t len)
{
    size_t i = 0, cols = 0, c;

    while (i < len && s[i]) {
        i += unit_len(s + i, len - i, &c);
        cols += c;
    }
    return cols;
}

size_t
gpv_width(const char *s)
{
    return gpv_width_n(s, strlen(s));
}

size_t
gpv_width_prefix(const char *s, size_t cols, size_t *used)
{
    size_t len = strlen(s), i = 0, n = 0, c, k;

    while (i < len) {
        k = unit_len(s + i, len - i, &c);
        if (n + c > cols)
            break;
        n += c;
        i += k;
    }
    if (used)
        *used = n;
    return i;
}

/* The columns a line of width has left after col, never fewer than 8. */
static size_t
room(int width, size_t col)
{
    return width > 0 && (size_t)width > col + 8 ? (size_t)width - col : 8;
}

void
gpv_width_wrap(struct gpv_buf *out, int width, const char *first, const char *rest,
               const char *text)
{
    const char *p = text;
    size_t col, indent, n, w, k, used;
    bool line_empty = true;
    char *word = NULL;
    const char *q;

    gpv_buf_puts(out, first);
    col = gpv_width(first);
    indent = gpv_width(rest);
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        if (!*p)
            break;
        n = strcspn(p, " \n\t");
        w = gpv_width_n(p, n);
        if (!line_empty && col + 1 + w > (size_t)width) {
            gpv_buf_putc(out, '\n');
            gpv_buf_puts(out, rest);
            col = indent;
            line_empty = true;
        }
        if (!line_empty) {
            gpv_buf_putc(out, ' ');
            col++;
        }
        free(word);
        word = xstrndup(p, n);
        for (k = 0; k < n; k++)
            if (word[k] == '\001')
                word[k] = ' ';
        q = word;
        while (w > room(width, col)) {
            k = gpv_width_prefix(q, room(width, col), &used);
            if (!k)
                break;
            gpv_buf_printf(out, "%.*s\n%s", (int)k, q, rest);
            q += k;
            w -= used;
            col = indent;
        }
        gpv_buf_puts(out, q);
        col += w;
        line_empty = false;
        p += n;
    }
    gpv_buf_putc(out, '\n');
    free(word);
}
