/* The terminal: colour, the output width, wrapping prose to it, and aligned tables. */
#include "cli.h"
#include "gpuvplan/width.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

const char *
cli_bold(const struct gpv_cli *cli)
{
    return cli->color ? "\033[1m" : "";
}

const char *
cli_dim(const struct gpv_cli *cli)
{
    return cli->color ? "\033[2m" : "";
}

const char *
cli_red(const struct gpv_cli *cli)
{
    return cli->color ? "\033[31m" : "";
}

const char *
cli_green(const struct gpv_cli *cli)
{
    return cli->color ? "\033[32m" : "";
}

const char *
cli_reset(const struct gpv_cli *cli)
{
    return cli->color ? "\033[0m" : "";
}

bool
cli_color_parse(enum cli_color *out, const char *s)
{
    static const char *const names[] = {"auto", "always", "never"};
    static const enum cli_color modes[] = {CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER};
    size_t i, k;

    for (i = 0; i < 3; i++) {
        for (k = 0; s[k] && names[i][k] && tolower((unsigned char)s[k]) == names[i][k]; k++)
            ;
        if (!s[k] && !names[i][k]) {
            *out = modes[i];
            return true;
        }
    }
    return false;
}

bool
cli_color_wanted(enum cli_color mode, int fd)
{
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

    if (mode != CLI_COLOR_AUTO)
        return mode == CLI_COLOR_ALWAYS;
    /* no-color.org: set and not empty disables; an empty NO_COLOR= is as if unset. */
    if (no_color && *no_color)
        return false;
    if (term && !strcmp(term, "dumb"))
        return false;
    return isatty(fd) != 0;
}

int
cli_columns(void)
{
    static int columns;
    struct winsize ws;
    const char *env;
    long long n;

    if (columns)
        return columns;
    columns = 80;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        columns = ws.ws_col;
    else if ((env = getenv("COLUMNS")) && gpv_parse_ll(&n, env, 1, 10000))
        columns = (int)n;
    if (columns < CLI_MIN_COLUMNS)
        columns = CLI_MIN_COLUMNS;
    return columns;
}

int
cli_prose_width(void)
{
    return cli_columns() - 2;
}

void
cli_wrap_at(FILE *f, int width, const char *first, const char *rest, const char *text)
{
    struct gpv_buf b;

    gpv_buf_init(&b);
    gpv_width_wrap(&b, width, first, rest, text);
    fwrite(gpv_buf_str(&b), 1, b.len, f);
    gpv_buf_release(&b);
}

void
cli_wrap(FILE *f, const char *first, const char *rest, const char *text)
{
    cli_wrap_at(f, cli_prose_width(), first, rest, text);
}

void
cli_put_prose(FILE *f, const char *text)
{
    struct gpv_buf para;
    const char *p = text;

    gpv_buf_init(&para);
    while (*p) {
        size_t n = strcspn(p, "\n");

        if (n && p[0] != ' ') {
            gpv_buf_printf(&para, "%s%.*s", para.len ? " " : "", (int)n, p);
        } else {
            if (para.len)
                cli_wrap(f, "", "", gpv_buf_str(&para));
            gpv_buf_release(&para);
            fprintf(f, "%.*s\n", (int)n, p);
        }
        p += n;
        if (*p)
            p++;
    }
    if (para.len)
        cli_wrap(f, "", "", gpv_buf_str(&para));
    gpv_buf_release(&para);
}

void
cli_pad(FILE *f, const char *s, int width)
{
    int w = (int)gpv_width(s);

    fputs(s, f);
    for (; w < width; w++)
        fputc(' ', f);
}

#define TABLE_GAP        2  /* spaces between columns */
#define TABLE_MIN_SHRINK 6  /* a shrinking column keeps at least this many columns */
#define TABLE_MIN_LAST   20 /* the last column wraps no narrower than this while others can give */

void
cli_table_init(struct cli_table *t, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
}

void
cli_table_row(struct cli_table *t, const char *const *cells)
{
    size_t i;

    t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof(*t->cells));
    for (i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] ? cells[i] : "");
    t->nrows++;
}

void
cli_table_release(struct cli_table *t)
{
    size_t i;

    for (i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = 0;
}

/* Writes cell in exactly width columns: cut with a '~' when longer, padded on its side. */
static void
table_cell(struct gpv_buf *f, const char *cell, int width, bool right)
{
    int w = (int)gpv_width(cell), i;

    if (w > width) {
        size_t used, n = gpv_width_prefix(cell, width > 1 ? (size_t)width - 1 : 0, &used);

        gpv_buf_printf(f, "%.*s", (int)n, cell);
        for (w = (int)used; w < width - 1; w++)
            gpv_buf_putc(f, ' ');
        if (width >= 1)
            gpv_buf_putc(f, '~');
        return;
    }
    if (right)
        for (i = w; i < width; i++)
            gpv_buf_putc(f, ' ');
    gpv_buf_puts(f, cell);
    if (!right)
        for (i = w; i < width; i++)
            gpv_buf_putc(f, ' ');
}

void
cli_table_write(struct gpv_buf *f, const struct cli_table *t, const char *indent)
{
    int *w, total, excess, give, start, last;
    size_t r, c;

    if (!t->ncols || !t->nrows)
        return;
    indent = indent ? indent : "";
    last = (int)t->ncols - 1;
    w = xcalloc(t->ncols, sizeof(*w));
    for (r = 0; r < t->nrows; r++)
        for (c = 0; c < t->ncols; c++)
            if ((int)gpv_width(t->cells[r * t->ncols + c]) > w[c])
                w[c] = (int)gpv_width(t->cells[r * t->ncols + c]);
    total = (int)gpv_width(indent) + TABLE_GAP * last;
    for (c = 0; c < t->ncols; c++)
        total += w[c];
    excess = total - cli_columns();
    /* First the last column wraps, down to a readable width; then the shrinking column gives
     * up to all but its minimum; then the last column wraps further. */
    if (excess > 0 && w[last] > TABLE_MIN_LAST) {
        give = w[last] - TABLE_MIN_LAST < excess ? w[last] - TABLE_MIN_LAST : excess;
        w[last] -= give;
        excess -= give;
    }
    for (c = 0; c < (size_t)last && excess > 0; c++) {
        if (!((t->shrink >> c) & 1u) || w[c] <= TABLE_MIN_SHRINK)
            continue;
        give = w[c] - TABLE_MIN_SHRINK < excess ? w[c] - TABLE_MIN_SHRINK : excess;
        w[c] -= give;
        excess -= give;
    }
    if (excess > 0 && w[last] > TABLE_MIN_SHRINK) {
        give = w[last] - TABLE_MIN_SHRINK < excess ? w[last] - TABLE_MIN_SHRINK : excess;
        w[last] -= give;
    }
    start = (int)gpv_width(indent) + TABLE_GAP * last;
    for (c = 0; c < (size_t)last; c++)
        start += w[c];
    for (r = 0; r < t->nrows; r++) {
        const char *const *row = (const char *const *)&t->cells[r * t->ncols];
        bool head = r == 0 && t->bold, right = (t->right >> last) & 1u;

        gpv_buf_puts(f, indent);
        if (head)
            gpv_buf_puts(f, t->bold);
        for (c = 0; c < (size_t)last; c++) {
            table_cell(f, row[c], w[c], (t->right >> c) & 1u);
            if (c + 1 < (size_t)last || *row[last] || right)
                gpv_buf_puts(f, "  ");
        }
        if (right || (int)gpv_width(row[last]) <= w[last]) {
            if (right)
                table_cell(f, row[last], w[last], true);
            else
                gpv_buf_puts(f, row[last]);
            if (head)
                gpv_buf_puts(f, t->reset ? t->reset : "");
            gpv_buf_putc(f, '\n');
        } else {
            /* The last cell wrapped under itself. */
            struct gpv_buf b;
            const char *p;

            if (head)
                gpv_buf_puts(f, t->reset ? t->reset : "");
            gpv_buf_init(&b);
            gpv_width_wrap(&b, w[last], "", "", row[last]);
            for (p = gpv_buf_str(&b); *p; p++) {
                gpv_buf_putc(f, *p);
                if (*p == '\n' && p[1])
                    gpv_buf_printf(f, "%*s", start, "");
            }
            gpv_buf_release(&b);
        }
    }
    free(w);
}

void
cli_table_print(FILE *f, const struct cli_table *t, const char *indent)
{
    struct gpv_buf b;

    gpv_buf_init(&b);
    cli_table_write(&b, t, indent);
    fwrite(gpv_buf_str(&b), 1, b.len, f);
    gpv_buf_release(&b);
}
