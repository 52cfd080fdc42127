/* The HTML report of a plan: page, summary, legend, sections per model or node, unplaced. */
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

static bool
is_obj(const struct gpv_val *v)
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
static void
collect_tenants(struct rpt *r, const struct gpv_val *plan)
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

/* ---- page -------------------------------------------------------------------------------- */

/* No '<' or '&' in here: the page is XML too. */
static const char css[] =
    ":root{color-scheme:light}\n"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;margin:24px;color:#111;background:#fff;max-width:1400px}\n"
    "h1{font-size:22px;margin:0 0 4px}\n"
    "h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #bbb;padding-bottom:2px}\n"
    "h3{font-size:14px;margin:14px 0 4px}\n"
    ".sub{font-weight:normal;color:#444;font-size:13px}\n"
    "p.meta{color:#444;margin:0 0 8px}\n"
    "table{border-collapse:collapse;margin:4px 0}\n"
    "th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top;"
    "border-bottom:1px solid #e2e2e2}\n"
    "th{font-weight:600;color:#333}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.kv th{width:11em}\n"
    ".sw{display:inline-block;width:12px;height:12px;border:1px solid #333;"
    "vertical-align:-1px;margin-right:6px}\n"
    ".gpus{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start}\n"
    "svg.gpu{border:1px solid #aaa;border-radius:4px;background:#fcfcfc}\n"
    "svg.gpu text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "font-size:10px;fill:#111}\n"
    "svg.gpu text.gid{font-size:12px;font-weight:bold}\n"
    "svg.gpu text.gmode,svg.gpu text.unum,svg.gpu text.foot{fill:#444}\n"
    "svg.gpu text.unum{font-size:9px}\n"
    "svg.gpu text.prof{font-weight:bold}\n"
    "svg.gpu text.sm{font-size:8px}\n"
    "svg.gpu .blk{stroke:#222;stroke-width:1}\n"
    "svg.gpu .grid{fill:#fff;stroke:#888;stroke-width:1}\n"
    "svg.gpu .free{fill:url(#gpv-free);stroke:#999;stroke-width:1}\n"
    "svg.gpu .stranded{fill:url(#gpv-stranded);stroke:#b3261e;stroke-width:1}\n"
    "svg.gpu text.st{fill:#8c1d18;font-weight:bold}\n"
    "svg.gpu .memb{fill:#fff;fill-opacity:.7}\n"
    "svg.gpu .never{fill:#e6e6e6}\n"
    "svg.gpu .mem{fill:#222}\n"
    "svg.slot{border-style:dashed;background:#fff}\n"
    "svg.defs{position:absolute;width:0;height:0;overflow:hidden}\n"
    ".node{margin:4px 0 10px}\n"
    ".labels{color:#444;font-weight:normal;font-size:12px}\n"
    "ul.unplaced li{margin-bottom:6px}\n"
    "ul.reasons{margin:2px 0;color:#333}\n"
    ".key svg{vertical-align:middle;margin-right:4px}\n"
    "footer{margin-top:32px;color:#555;font-size:12px;border-top:1px solid #ddd;"
    "padding-top:6px}\n"
    "body.compact .node{display:flex;gap:8px;align-items:center;margin:2px 0}\n"
    "body.compact .node h3{margin:0;width:12em;font-size:12px;overflow:hidden;"
    "text-overflow:ellipsis;white-space:nowrap}\n"
    "body.compact .gpus{gap:4px}\n"
    "body.compact svg.gpu text.gid{font-size:9px;font-weight:normal}\n"
    "@media print{\n"
    "body{margin:0;font-size:10pt;max-width:none}\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "h2,h3{break-after:avoid}\n"
    "svg.gpu,.node,tr,li{break-inside:avoid}\n"
    "}\n";

void
rpt_style(struct rpt *r)
{
    gpv_buf_puts(r->b, "<style>\n");
    gpv_buf_puts(r->b, css);
    gpv_buf_puts(r->b, "</style>\n");
}

void
rpt_defs(struct rpt *r)
{
    gpv_buf_puts(r->b,
                 "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>\n"
                 "<pattern id=\"gpv-free\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\""
                 " patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
                 "<rect width=\"2\" height=\"6\" fill=\"#b8b8b8\"/></pattern>\n"
                 "<pattern id=\"gpv-stranded\" width=\"6\" height=\"6\""
                 " patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(-45)\">"
                 "<rect width=\"6\" height=\"6\" fill=\"#fdecea\"/>"
                 "<rect width=\"2\" height=\"6\" fill=\"#d9534f\"/></pattern>\n"
                 "</defs></svg>\n");
}

static void
head(struct rpt *r, const char *title)
{
    gpv_buf_puts(r->b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                       "<meta name=\"generator\" content=\"gpuvplan\"/>\n<title>");
    rpt_esc(r, title);
    gpv_buf_puts(r->b, "</title>\n");
    rpt_style(r);
    gpv_buf_printf(r->b, "</head>\n<body%s>\n", r->compact ? " class=\"compact\"" : "");
    rpt_defs(r);
}

static void
percent(struct rpt *r, const struct gpv_val *o, const char *key)
{
    double d;

    if (rpt_has_num(o, key, &d))
        gpv_buf_printf(r->b, "%.1f%%", d * 100.0);
    else
        gpv_buf_puts(r->b, "&#8212;");
}

static void
kv_open(struct rpt *r, const char *k)
{
    gpv_buf_printf(r->b, "<tr><th scope=\"row\">%s</th><td>", k);
}

/* Licences the placed vGPUs need: each licence once, in tenant order, with its vGPUs. */
static void
licences(struct rpt *r, const struct gpv_val *ts)
{
    size_t i, j;
    bool any = false;

    for (i = 0; ts && i < ts->n; i++) {
        const char *l = rpt_str(ts->items[i], "license");
        long long n = 0;

        if (!l)
            continue;
        for (j = 0; j < i; j++) {
            const char *m = rpt_str(ts->items[j], "license");

            if (m && !strcmp(m, l))
                break;
        }
        if (j < i)
            continue;
        for (j = i; j < ts->n; j++) {
            const char *m = rpt_str(ts->items[j], "license");

            if (m && !strcmp(m, l))
                n += rpt_int(ts->items[j], "replicas", 1);
        }
        gpv_buf_puts(r->b, any ? "<br/>" : "");
        rpt_esc(r, l);
        gpv_buf_printf(r->b, " for %lld vGPU%s", n, n == 1 ? "" : "s");
        any = true;
    }
    if (!any)
        gpv_buf_puts(r->b, "none (no vGPU)");
}

static void
summary(struct rpt *r, const struct gpv_val *plan)
{
    const struct gpv_val *s = gpv_val_get(plan, "summary"), *cost = gpv_val_get(s, "cost");
    const struct gpv_val *u = gpv_val_get(s, "utilization"), *st = gpv_val_get(s, "stranded");
    const struct gpv_val *models = rpt_arr(s, "models");
    const struct gpv_val *bv = gpv_val_get(s, "optimal");
    long long used = rpt_int(s, "gpus_used", -1), lb = rpt_int(s, "lower_bound", -1);
    double h, m;
    size_t i;

    gpv_buf_puts(r->b, "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"kv\">\n");
    kv_open(r, "GPUs");
    if (used >= 0) {
        gpv_buf_printf(r->b, "<strong>%lld used</strong>", used);
        if (lb >= 0)
            gpv_buf_printf(r->b, ", lower bound %lld", lb);
        if (bv && bv->type == GPV_V_BOOL && bv->b)
            gpv_buf_puts(r->b, " (proven minimal for the choices made)");
        else if (lb >= 0 && used > lb)
            gpv_buf_printf(r->b, " (at most %lld above the minimum)", used - lb);
    } else {
        const struct gpv_val *g = rpt_arr(plan, "gpus");

        gpv_buf_printf(r->b, "%zu", g ? g->n : 0);
    }
    gpv_buf_puts(r->b, "</td></tr>\n");
    kv_open(r, "Tenants");
    gpv_buf_printf(r->b, "%lld placed, %s%lld unplaced%s", rpt_int(s, "placed", 0),
                   rpt_int(s, "unplaced", 0) ? "<strong class=\"st\">" : "",
                   rpt_int(s, "unplaced", 0), rpt_int(s, "unplaced", 0) ? "</strong>" : "");
    if (rpt_int(s, "instances", -1) >= 0)
        gpv_buf_printf(r->b, "; %lld instances", rpt_int(s, "instances", 0));
    gpv_buf_puts(r->b, "</td></tr>\n");
    kv_open(r, "Cost");
    if (rpt_has_num(cost, "per_hour", &h)) {
        gpv_buf_printf(r->b, "%.2f per hour", h);
        if (rpt_has_num(cost, "per_month", &m))
            gpv_buf_printf(r->b, " (%.2f per month of 730 hours)", m);
    } else {
        gpv_buf_puts(r->b, "unknown (the fleet gives no cost per hour)");
    }
    gpv_buf_puts(r->b, "</td></tr>\n");
    kv_open(r, "Memory");
    percent(r, u, "memory");
    gpv_buf_puts(r->b, " allocated to instances, ");
    percent(r, u, "requested_memory");
    gpv_buf_puts(r->b, " asked for by tenants</td></tr>\n");
    kv_open(r, "Compute");
    percent(r, u, "compute");
    gpv_buf_puts(r->b, " handed out (MIG slices, vGPU slots, whole GPUs)</td></tr>\n");
    kv_open(r, "Stranded");
    if (rpt_int(st, "memory_mib", -1) >= 0) {
        rpt_gib(r->b, rpt_int(st, "memory_mib", 0));
        gpv_buf_printf(r->b, " of memory no instance holds; %lld free MIG unit%s",
                       rpt_int(st, "mig_units", 0), rpt_int(st, "mig_units", 0) == 1 ? "" : "s");
    } else {
        gpv_buf_puts(r->b, "&#8212;");
    }
    gpv_buf_puts(r->b, "</td></tr>\n");
    kv_open(r, "Licences");
    licences(r, rpt_arr(plan, "tenants"));
    gpv_buf_puts(r->b, "</td></tr>\n</table>\n");

    if (models && models->n) {
        gpv_buf_puts(r->b, "<table class=\"models\">\n<tr><th>model</th><th>name</th>"
                           "<th>GPUs used</th><th>fleet</th><th>lower bound</th>"
                           "<th>cost per GPU-hour</th></tr>\n");
        for (i = 0; i < models->n; i++) {
            const struct gpv_val *e = models->items[i];
            const char *id = rpt_str(e, "gpu");
            const struct gpv_gpu *g = id ? gpv_db_find(r->db, id) : NULL;
            long long fleet = rpt_int(e, "fleet", -1);
            double c;

            gpv_buf_puts(r->b, "<tr><td>");
            rpt_esc(r, id);
            gpv_buf_puts(r->b, "</td><td>");
            rpt_esc(r, g ? g->name : "");
            if (rpt_str(e, "vgpu_mode") && !strcmp(rpt_str(e, "vgpu_mode"), "mixed"))
                gpv_buf_puts(r->b, " (vGPU mixed-size)");
            gpv_buf_printf(r->b, "</td><td class=\"n\">%lld</td><td class=\"n\">",
                           rpt_int(e, "gpus", 0));
            if (fleet >= 0)
                gpv_buf_printf(r->b, "%lld", fleet);
            else
                gpv_buf_puts(r->b, "sized");
            gpv_buf_printf(r->b, "</td><td class=\"n\">%lld%s</td><td class=\"n\">",
                           rpt_int(e, "lower_bound", 0),
                           gpv_val_get(e, "optimal") &&
                                   gpv_val_get(e, "optimal")->type == GPV_V_BOOL &&
                                   gpv_val_get(e, "optimal")->b
                               ? " (optimal)"
                               : "");
            if (rpt_has_num(e, "cost_per_hour", &c))
                gpv_buf_printf(r->b, "%.2f", c);
            else
                gpv_buf_puts(r->b, "&#8212;");
            gpv_buf_puts(r->b, "</td></tr>\n");
        }
        gpv_buf_puts(r->b, "</table>\n");
    }
    gpv_buf_puts(r->b, "</section>\n");
}

static void
swatch(struct rpt *r, const char *name)
{
    gpv_buf_printf(r->b, "<span class=\"sw\" style=\"background:%s\"></span>", rpt_colour(r, name));
}

#define LEGEND_MAX_GPUS 6 /* GPU ids listed per tenant before "and N more" */

static void
legend(struct rpt *r, const struct gpv_val *plan)
{
    const struct gpv_val *ts = rpt_arr(plan, "tenants");
    size_t i, j;

    gpv_buf_puts(r->b, "<section id=\"tenants\">\n<h2>Tenants</h2>\n");
    if (!ts || !ts->n) {
        gpv_buf_puts(r->b, "<p>No tenant is placed.</p>\n</section>\n");
        return;
    }
    gpv_buf_puts(r->b, "<table class=\"legend\">\n<tr><th>tenant</th><th>method</th><th>model</th>"
                       "<th>profile or type</th><th>replicas</th><th>memory asked</th>"
                       "<th>GPUs</th><th>decided by</th></tr>\n");
    for (i = 0; i < ts->n; i++) {
        const struct gpv_val *t = ts->items[i], *gs = rpt_arr(t, "gpus");
        const char *name = rpt_str(t, "name"), *prof = rpt_str(t, "profile");
        const char *mp = rpt_str(t, "mig_profile"), *note = rpt_str(t, "note");
        long long mem = rpt_int(t, "memory_mib", -1), whole = rpt_int(t, "whole_gpus", -1);

        gpv_buf_puts(r->b, "<tr><td>");
        swatch(r, name);
        rpt_esc(r, name);
        gpv_buf_puts(r->b, "</td><td>");
        rpt_esc(r, rpt_str(t, "method"));
        gpv_buf_puts(r->b, "</td><td>");
        rpt_esc(r, rpt_str(t, "gpu"));
        gpv_buf_puts(r->b, "</td><td>");
        if (prof) {
            rpt_esc(r, prof);
            if (mp && strcmp(mp, prof)) {
                gpv_buf_puts(r->b, " on ");
                rpt_esc(r, mp);
            }
        } else if (whole > 0) {
            gpv_buf_printf(r->b, "%lld whole GPU%s", whole, whole == 1 ? "" : "s");
        }
        if (note) {
            gpv_buf_puts(r->b, "<br/><span class=\"sub\">");
            rpt_esc(r, note);
            gpv_buf_puts(r->b, "</span>");
        }
        gpv_buf_printf(r->b, "</td><td class=\"n\">%lld</td><td class=\"n\">",
                       rpt_int(t, "replicas", 1));
        if (mem > 0)
            rpt_gib(r->b, mem);
        else
            gpv_buf_puts(r->b, "&#8212;");
        gpv_buf_puts(r->b, "</td><td>");
        for (j = 0; gs && j < gs->n && j < LEGEND_MAX_GPUS; j++) {
            /* Repeats (two replicas on one GPU) are listed once. */
            size_t k;

            for (k = 0; k < j; k++)
                if (gs->items[k]->type == GPV_V_STR && gs->items[j]->type == GPV_V_STR &&
                    !strcmp(gs->items[k]->s, gs->items[j]->s))
                    break;
            if (k < j || gs->items[j]->type != GPV_V_STR)
                continue;
            gpv_buf_puts(r->b, j ? ", " : "");
            rpt_esc(r, gs->items[j]->s);
        }
        if (gs && gs->n > LEGEND_MAX_GPUS)
            gpv_buf_printf(r->b, " and %zu more", gs->n - LEGEND_MAX_GPUS);
        gpv_buf_puts(r->b, "</td><td>");
        rpt_esc(r, rpt_str(t, "decided_by"));
        gpv_buf_puts(r->b, "</td></tr>\n");
    }
    gpv_buf_puts(r->b, "</table>\n</section>\n");
}

static void
unplaced(struct rpt *r, const struct gpv_val *plan)
{
    const struct gpv_val *us = rpt_arr(plan, "unplaced");
    size_t i, j;

    gpv_buf_printf(r->b, "<section id=\"unplaced\">\n<h2>Unplaced tenants (%zu)</h2>\n",
                   us ? us->n : 0);
    if (!us || !us->n) {
        gpv_buf_puts(r->b, "<p>Every tenant is placed.</p>\n</section>\n");
        return;
    }
    gpv_buf_puts(r->b, "<ul class=\"unplaced\">\n");
    for (i = 0; i < us->n; i++) {
        const struct gpv_val *u = us->items[i], *rs = rpt_arr(u, "reasons");

        gpv_buf_printf(r->b, "<li data-tenant=\"");
        rpt_esc(r, rpt_str(u, "tenant"));
        gpv_buf_puts(r->b, "\">");
        swatch(r, rpt_str(u, "tenant"));
        gpv_buf_puts(r->b, "<strong>");
        rpt_esc(r, rpt_str(u, "tenant"));
        gpv_buf_puts(r->b, "</strong>\n<ul class=\"reasons\">\n");
        for (j = 0; rs && j < rs->n; j++) {
            if (rs->items[j]->type != GPV_V_STR)
                continue;
            gpv_buf_puts(r->b, "<li>");
            rpt_esc(r, rs->items[j]->s);
            gpv_buf_puts(r->b, "</li>\n");
        }
        gpv_buf_puts(r->b, "</ul></li>\n");
    }
    gpv_buf_puts(r->b, "</ul>\n</section>\n");
}

/* How to read the drawings: one small sample of each kind of block. */
static void
key(struct rpt *r)
{
    gpv_buf_puts(
        r->b,
        "<p class=\"key\">"
        "<svg width=\"28\" height=\"14\" aria-hidden=\"true\"><rect x=\"1\" y=\"1\" width=\"26\""
        " height=\"12\" fill=\"url(#gpv-free)\" stroke=\"#999\"/></svg>free: another instance "
        "fits there &#160; "
        "<svg width=\"28\" height=\"14\" aria-hidden=\"true\"><rect x=\"1\" y=\"1\" width=\"26\""
        " height=\"12\" fill=\"url(#gpv-stranded)\" stroke=\"#b3261e\"/></svg>stranded: free, "
        "but no profile can use it beside the instances there &#160; "
        "<svg width=\"28\" height=\"14\" aria-hidden=\"true\"><rect x=\"1\" y=\"1\" width=\"26\""
        " height=\"12\" fill=\"#fff\" stroke=\"#222\"/><rect x=\"1\" y=\"10\" width=\"18\""
        " height=\"3\" fill=\"#222\"/></svg>bar: memory the tenant asked for, out of what the "
        "instance holds. Hover over a block for its details.</p>\n");
}

/* ---- sections ---------------------------------------------------------------------------- */

struct group {
    const char *name;        /* model id or node name */
    const char *model;       /* node: its model */
    const struct gpv_val *v; /* node: its nodes[] entry, or NULL */
};

/* Index of name among g[0..n), or n. */
static size_t
group_find(const struct group *g, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!strcmp(g[i].name, name))
            return i;
    return n;
}

static void
pool_heading(struct rpt *r, const struct gpv_val *plan, const char *model, size_t ngpus,
             size_t nnodes)
{
    const struct gpv_val *ms = rpt_arr(gpv_val_get(plan, "summary"), "models");
    const struct gpv_gpu *g = gpv_db_find(r->db, model);
    long long fleet = 0, lb = 0;
    bool sized = false, known = false;
    size_t i;

    for (i = 0; ms && i < ms->n; i++) {
        const char *id = rpt_str(ms->items[i], "gpu");

        if (!id || strcmp(id, model))
            continue;
        known = true;
        lb += rpt_int(ms->items[i], "lower_bound", 0);
        if (rpt_int(ms->items[i], "fleet", -1) < 0)
            sized = true;
        else
            fleet += rpt_int(ms->items[i], "fleet", 0);
    }
    gpv_buf_puts(r->b, "<h2>");
    rpt_esc(r, model);
    gpv_buf_puts(r->b, " <span class=\"sub\">");
    if (g) {
        rpt_esc(r, g->name);
        gpv_buf_puts(r->b, " &#183; ");
    } else {
        gpv_buf_puts(r->b, "not in the database &#183; ");
    }
    if (nnodes)
        gpv_buf_printf(r->b, "%zu node%s, ", nnodes, nnodes == 1 ? "" : "s");
    gpv_buf_printf(r->b, "%zu GPU%s used", ngpus, ngpus == 1 ? "" : "s");
    if (known && !sized)
        gpv_buf_printf(r->b, " of %lld in the fleet", fleet);
    if (known)
        gpv_buf_printf(r->b, ", lower bound %lld", lb);
    gpv_buf_puts(r->b, "</span></h2>\n");
}

static void
by_model(struct rpt *r, const struct gpv_val *plan, const struct gpv_val *gs)
{
    struct group *m = xcalloc(gs->n + 1, sizeof(*m));
    size_t nm = 0, i, k, n;

    for (i = 0; i < gs->n; i++) {
        const char *id = rpt_str(gs->items[i], "model");

        if (!is_obj(gs->items[i]))
            continue;
        if (!id)
            id = "";
        if (group_find(m, nm, id) == nm)
            m[nm++].name = id;
    }
    for (k = 0; k < nm; k++) {
        gpv_buf_puts(r->b, "<section class=\"pool\" data-model=\"");
        rpt_esc(r, m[k].name);
        gpv_buf_puts(r->b, "\">\n");
        for (i = 0, n = 0; i < gs->n; i++) {
            const char *id = rpt_str(gs->items[i], "model");

            n += is_obj(gs->items[i]) && !strcmp(id ? id : "", m[k].name);
        }
        pool_heading(r, plan, m[k].name, n, 0);
        gpv_buf_puts(r->b, "<div class=\"gpus\">\n");
        for (i = 0; i < gs->n; i++) {
            const char *id = rpt_str(gs->items[i], "model");

            if (is_obj(gs->items[i]) && !strcmp(id ? id : "", m[k].name))
                rpt_gpu(r, gs->items[i]);
        }
        gpv_buf_puts(r->b, "</div>\n</section>\n");
    }
    free(m);
}

static void
node_labels(struct rpt *r, const struct gpv_val *labels)
{
    size_t i;

    if (!labels || (labels->type != GPV_V_OBJ && labels->type != GPV_V_ARR) || !labels->n)
        return;
    gpv_buf_puts(r->b, " <span class=\"labels\">&#183; ");
    for (i = 0; i < labels->n; i++) {
        const struct gpv_val *v = labels->items[i];

        gpv_buf_puts(r->b, i ? ", " : "");
        if (labels->type == GPV_V_OBJ) {
            rpt_esc(r, labels->keys[i]);
            gpv_buf_puts(r->b, "=");
        }
        if (v->type == GPV_V_STR)
            rpt_esc(r, v->s);
        else if (v->type == GPV_V_INT)
            gpv_buf_printf(r->b, "%lld", v->i);
        else if (v->type == GPV_V_BOOL)
            gpv_buf_puts(r->b, v->b ? "true" : "false");
    }
    gpv_buf_puts(r->b, "</span>");
}

/* Pools by model, each a row per node: nodes[] in order, then nodes only GPUs name. */
static void
by_node(struct rpt *r, const struct gpv_val *plan, const struct gpv_val *gs)
{
    const struct gpv_val *ns = rpt_arr(plan, "nodes");
    size_t cap = (ns ? ns->n : 0) + gs->n + 1;
    struct group *nodes = xcalloc(cap, sizeof(*nodes)), *pools = xcalloc(cap, sizeof(*pools));
    size_t *of = xcalloc(gs->n + 1, sizeof(*of));
    size_t nn = 0, np = 0, i, k, p, count, nodes_in;

    for (i = 0; ns && i < ns->n; i++) {
        const char *name = rpt_str(ns->items[i], "name");

        if (name && group_find(nodes, nn, name) == nn) {
            nodes[nn].name = name;
            nodes[nn].model = rpt_str(ns->items[i], "model");
            nodes[nn++].v = ns->items[i];
        }
    }
    for (i = 0; i < gs->n; i++) {
        const char *name = rpt_str(gs->items[i], "node");

        if (!is_obj(gs->items[i])) {
            of[i] = SIZE_MAX;
            continue;
        }
        if (!name)
            name = "";
        of[i] = group_find(nodes, nn, name);
        if (of[i] == nn)
            nodes[nn++].name = name;
        if (!nodes[of[i]].model)
            nodes[of[i]].model = rpt_str(gs->items[i], "model");
    }
    for (k = 0; k < nn; k++) {
        if (!nodes[k].model)
            nodes[k].model = "";
        if (group_find(pools, np, nodes[k].model) == np)
            pools[np++].name = nodes[k].model;
    }
    for (p = 0; p < np; p++) {
        gpv_buf_puts(r->b, "<section class=\"pool\" data-model=\"");
        rpt_esc(r, pools[p].name);
        gpv_buf_puts(r->b, "\">\n");
        for (i = 0, count = 0; i < gs->n; i++)
            count += of[i] != SIZE_MAX && !strcmp(nodes[of[i]].model, pools[p].name);
        for (k = 0, nodes_in = 0; k < nn; k++)
            nodes_in += !strcmp(nodes[k].model, pools[p].name);
        pool_heading(r, plan, pools[p].name, count, nodes_in);
        for (k = 0; k < nn; k++) {
            if (strcmp(nodes[k].model, pools[p].name))
                continue;
            for (i = 0, count = 0; i < gs->n; i++)
                count += of[i] == k;
            gpv_buf_puts(r->b, "<div class=\"node\" data-node=\"");
            rpt_esc(r, nodes[k].name);
            gpv_buf_puts(r->b, "\">\n<h3>");
            if (*nodes[k].name)
                rpt_esc(r, nodes[k].name);
            else
                gpv_buf_puts(r->b, "(no node)");
            if (!r->compact) {
                long long total = rpt_int(nodes[k].v, "gpus", -1);

                gpv_buf_printf(r->b, " <span class=\"sub\">%zu GPU%s in the plan", count,
                               count == 1 ? "" : "s");
                if (total >= 0)
                    gpv_buf_printf(r->b, " of %lld", total);
                gpv_buf_puts(r->b, "</span>");
                node_labels(r, gpv_val_get(nodes[k].v, "labels"));
            }
            gpv_buf_puts(r->b, "</h3>\n<div class=\"gpus\">\n");
            rpt_node_gpus(r, nodes[k].v, gs, of, k);
            gpv_buf_puts(r->b, "</div>\n</div>\n");
        }
        gpv_buf_puts(r->b, "</section>\n");
    }
    free(of);
    free(pools);
    free(nodes);
}

int
gpv_report_plan_html(struct gpv_buf *out, const struct gpv_val *plan, const struct gpv_db *db,
                     const struct gpv_report_opts *opts, struct gpv_error *err)
{
    const struct gpv_val *gs = rpt_arr(plan, "gpus"), *in = gpv_val_get(plan, "input");
    const char *file = rpt_str(in, "tenants_file"), *name = opts ? opts->name : NULL;
    struct gpv_buf title;
    struct rpt r;
    size_t i;

    if (!is_obj(plan) || !gs || !rpt_arr(plan, "tenants"))
        return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                             "not a plan: no 'gpus' and 'tenants' arrays to draw");
    memset(&r, 0, sizeof(r));
    r.b = out;
    r.db = db;
    r.compact = opts && opts->compact;
    for (i = 0; i < gs->n && !r.nodes; i++)
        r.nodes = rpt_str(gs->items[i], "node") != NULL;
    collect_tenants(&r, plan);

    gpv_buf_init(&title);
    gpv_buf_printf(&title, "GPU plan: %s", file ? file : name ? name : "(unnamed)");
    head(&r, gpv_buf_str(&title));
    gpv_buf_puts(out, "<header>\n<h1>");
    rpt_esc(&r, gpv_buf_str(&title));
    gpv_buf_puts(out, "</h1>\n<p class=\"meta\">");
    if (rpt_str(in, "strategy")) {
        gpv_buf_puts(out, "strategy ");
        rpt_esc(&r, rpt_str(in, "strategy"));
    }
    if (rpt_str(in, "rules")) {
        gpv_buf_puts(out, " &#183; rules ");
        rpt_esc(&r, rpt_str(in, "rules"));
    }
    if (gpv_val_get(in, "fleet") && gpv_val_get(in, "fleet")->type == GPV_V_BOOL)
        gpv_buf_puts(out, gpv_val_get(in, "fleet")->b ? " &#183; fleet from the tenants file"
                                                      : " &#183; fleet sized by the planner");
    if (name) {
        gpv_buf_puts(out, " &#183; plan ");
        rpt_esc(&r, name);
    }
    gpv_buf_puts(out, "</p>\n</header>\n");
    summary(&r, plan);
    /* Compact pages are for large fleets: the picture before the long list of tenants. */
    if (!r.compact)
        legend(&r, plan);
    gpv_buf_printf(out, "<section id=\"gpus\">\n<h2>GPUs by %s</h2>\n",
                   r.nodes ? "node, in pools of one model" : "model");
    key(&r);
    gpv_buf_puts(out, "</section>\n");
    if (r.nodes)
        by_node(&r, plan, gs);
    else
        by_model(&r, plan, gs);
    unplaced(&r, plan);
    if (r.compact)
        legend(&r, plan);
    gpv_buf_puts(out, "<footer>Written by gpuvplan from the plan (schema ");
    rpt_esc(&r, rpt_str(plan, "schema"));
    gpv_buf_puts(out, "). The same plan gives the same page.</footer>\n</body>\n</html>\n");
    gpv_buf_release(&title);
    free(r.tenants);
    return 0;
}
