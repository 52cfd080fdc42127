/* The HTML report of a plan: colours, escaping, value access, the tenants and their colours. */
#include "report_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Light colours: the text colour below has a contrast ratio of at least 4.5 on each
 * (WCAG 2 AA for normal text; tests/unit/test_report.c computes it). Neighbours differ in
 * hue so that a hash collision moved one step is still told apart. */
static const char *const palette[] = {
    "#80b1d3", "#fdb462", "#b3de69", "#fb8072", "#bebada", "#8dd3c7", "#fccde5", "#ffed6f",
    "#bc80bd", "#ccebc5", "#c49c94", "#9edae5", "#dbdb8d", "#ff9896", "#aec7e8", "#e5c494",
};
#define NPALETTE       (sizeof(palette) / sizeof(palette[0]))
#define TEXT_COLOUR    "#111111"
#define UNKNOWN_COLOUR "#d9d9d9"

static uint32_t
fnv1a(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

void
gpv_report_opts_init(struct gpv_report_opts *o)
{
    memset(o, 0, sizeof(*o));
}

const char *
gpv_report_tenant_colour(const char *name)
{
    return palette[fnv1a(name ? name : "") % NPALETTE];
}

const char *const *
gpv_report_palette(size_t *n)
{
    *n = NPALETTE;
    return palette;
}

const char *
gpv_report_text_colour(void)
{
    return TEXT_COLOUR;
}

/* ---- escaping and numbers ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid. */
static int
utf8_len(const unsigned char *s)
{
    int n, i;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF are not valid UTF-8; U+FFFE
     * and U+FFFF are not valid XML characters. */
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

/* Appends at most max characters of s escaped; returns true when all of s was written. */
static bool
escape_n(struct gpv_buf *b, const char *s, long max)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    long chars = 0;

    while (*p) {
        int n = utf8_len(p);

        if (max >= 0 && chars >= max)
            return false;
        chars++;
        if (n == 0) {
            gpv_buf_puts(b, "\xef\xbf\xbd");
            p++;
            continue;
        }
        switch (*p) {
        case '&':
            gpv_buf_puts(b, "&amp;");
            break;
        case '<':
            gpv_buf_puts(b, "&lt;");
            break;
        case '>':
            gpv_buf_puts(b, "&gt;");
            break;
        case '"':
            gpv_buf_puts(b, "&quot;");
            break;
        case '\'':
            gpv_buf_puts(b, "&#39;");
            break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
                gpv_buf_puts(b, "\xef\xbf\xbd");
            else
                gpv_buf_put(b, (const char *)p, (size_t)n);
        }
        p += n;
    }
    return true;
}

void
gpv_report_escape(struct gpv_buf *out, const char *s)
{
    escape_n(out, s, -1);
}

void
rpt_esc(struct rpt *r, const char *s)
{
    escape_n(r->b, s, -1);
}

size_t
rpt_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;

    while (*p) {
        int k = utf8_len(p);

        p += k ? k : 1;
        n++;
    }
    return n;
}

void
rpt_esc_fit(struct rpt *r, const char *s, int max)
{
    if (!s || max < 1)
        return;
    if ((long)rpt_chars(s) <= max) {
        escape_n(r->b, s, -1);
        return;
    }
    escape_n(r->b, s, max - 1);
    gpv_buf_puts(r->b, "\xe2\x80\xa6");
}

void
rpt_coord(struct rpt *r, double v)
{
    char s[64];
    size_t n;

    snprintf(s, sizeof(s), "%.2f", v);
    n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
    if (!strcmp(s, "-0"))
        strcpy(s, "0");
    gpv_buf_puts(r->b, s);
}

void
rpt_gib(struct gpv_buf *b, long long mib)
{
    char s[64];
    size_t n;

    snprintf(s, sizeof(s), "%.2f", (double)mib / 1024.0);
    n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
    gpv_buf_printf(b, "%s GiB", s);
}

/* ---- value access ------------------------------------------------------------------------ */

const char *
rpt_str(const struct gpv_val *o, const char *key)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    return v && v->type == GPV_V_STR ? v->s : NULL;
}

long long
rpt_int(const struct gpv_val *o, const char *key, long long dflt)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    return v && v->type == GPV_V_INT ? v->i : dflt;
}

bool
rpt_has_num(const struct gpv_val *o, const char *key, double *out)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    if (!v || (v->type != GPV_V_INT && v->type != GPV_V_NUM))
        return false;
    *out = v->type == GPV_V_INT ? (double)v->i : v->d;
    return isfinite(*out);
}

const struct gpv_val *
rpt_arr(const struct gpv_val *o, const char *key)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    return v && v->type == GPV_V_ARR ? v : NULL;
}

bool
rpt_is_obj(const struct gpv_val *v)
{
    return v && v->type == GPV_V_OBJ;
}

/* ---- tenants and colours ----------------------------------------------------------------- */

static int
tenant_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rpt_tenant *)a)->name, ((const struct rpt_tenant *)b)->name);
}

static int
tenant_cmp_ctx(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return tenant_cmp(a, b);
}

const struct rpt_tenant *
rpt_tenant(const struct rpt *r, const char *name)
{
    struct rpt_tenant key;

    if (!name || !r->ntenants)
        return NULL;
    key.name = name;
    return bsearch(&key, r->tenants, r->ntenants, sizeof(key), tenant_cmp);
}

const char *
rpt_colour(const struct rpt *r, const char *name)
{
    const struct rpt_tenant *t = rpt_tenant(r, name);

    return t ? t->colour : UNKNOWN_COLOUR;
}

static void
add_name(struct rpt *r, size_t *cap, const char *name, const struct gpv_val *v)
{
    if (!name)
        return;
    if (r->ntenants == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        r->tenants = xreallocarray(r->tenants, *cap, sizeof(*r->tenants));
    }
    r->tenants[r->ntenants].name = name;
    r->tenants[r->ntenants].colour = NULL;
    r->tenants[r->ntenants].v = v;
    r->ntenants++;
}

/*
 * Every tenant named in tenants[], unplaced[] or an instance, once, sorted, each with its
 * colour: its hash's palette entry, or (when a tenant earlier in name order has it and some
 * entry is still free) the next free one.
 */
void
rpt_collect_tenants(struct rpt *r, const struct gpv_val *plan)
{
    const struct gpv_val *ts = rpt_arr(plan, "tenants"), *us = rpt_arr(plan, "unplaced");
    const struct gpv_val *gs = rpt_arr(plan, "gpus");
    bool used[NPALETTE];
    size_t cap = 0, i, j, k, nused = 0;

    for (i = 0; ts && i < ts->n; i++)
        add_name(r, &cap, rpt_str(ts->items[i], "name"), ts->items[i]);
    for (i = 0; us && i < us->n; i++)
        add_name(r, &cap, rpt_str(us->items[i], "tenant"), NULL);
    for (i = 0; gs && i < gs->n; i++) {
        const struct gpv_val *ins = rpt_arr(gs->items[i], "instances");

        for (j = 0; ins && j < ins->n; j++)
            add_name(r, &cap, rpt_str(ins->items[j], "tenant"), NULL);
    }
    if (!r->ntenants)
        return;
    /* Stable sort, so that of equal names the tenants[] entry (added first) is kept. */
    gpv_sort_stable(r->tenants, r->ntenants, sizeof(*r->tenants), tenant_cmp_ctx, NULL);
    for (i = 1, k = 1; i < r->ntenants; i++)
        if (strcmp(r->tenants[i].name, r->tenants[k - 1].name))
            r->tenants[k++] = r->tenants[i];
    r->ntenants = k;
    memset(used, 0, sizeof(used));
    for (i = 0; i < r->ntenants; i++) {
        size_t c = fnv1a(r->tenants[i].name) % NPALETTE;

        if (nused < NPALETTE) {
            while (used[c])
                c = (c + 1) % NPALETTE;
            used[c] = true;
            nused++;
        }
        r->tenants[i].colour = palette[c];
    }
}

void
rpt_rect(struct rpt *r, const char *attrs, double x, double y, double w, double h)
{
    gpv_buf_printf(r->b, "<rect %s x=\"", attrs);
    rpt_coord(r, x);
    gpv_buf_puts(r->b, "\" y=\"");
    rpt_coord(r, y);
    gpv_buf_puts(r->b, "\" width=\"");
    rpt_coord(r, w < 0 ? 0 : w);
    gpv_buf_puts(r->b, "\" height=\"");
    rpt_coord(r, h < 0 ? 0 : h);
    gpv_buf_puts(r->b, "\"/>");
}

void
rpt_svg_open(struct rpt *r, const char *cls, double w, double h)
{
    gpv_buf_printf(r->b, "<svg class=\"%s\" width=\"", cls);
    rpt_coord(r, w);
    gpv_buf_puts(r->b, "\" height=\"");
    rpt_coord(r, h);
    gpv_buf_puts(r->b, "\" viewBox=\"0 0 ");
    rpt_coord(r, w);
    gpv_buf_putc(r->b, ' ');
    rpt_coord(r, h);
    gpv_buf_puts(r->b, "\" role=\"img\"><title>");
}
