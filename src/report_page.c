/* The HTML report of a plan: the page, summary, legend, key and unplaced tenants. */
#include "report_int.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

        gpv_buf_printf(r->b, "%zu", g ? (size_t)g->n : 0);
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
            gpv_buf_printf(r->b, " and %zu more", (size_t)gs->n - LEGEND_MAX_GPUS);
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
                   us ? (size_t)us->n : 0);
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

int
gpv_report_plan_html(struct gpv_buf *out, const struct gpv_val *plan, const struct gpv_db *db,
                     const struct gpv_report_opts *opts, struct gpv_error *err)
{
    const struct gpv_val *gs = rpt_arr(plan, "gpus"), *in = gpv_val_get(plan, "input");
    const char *file = rpt_str(in, "tenants_file"), *name = opts ? opts->name : NULL;
    struct gpv_buf title;
    struct rpt r;
    size_t i;

    if (!rpt_is_obj(plan) || !gs || !rpt_arr(plan, "tenants"))
        return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                             "not a plan: no 'gpus' and 'tenants' arrays to draw");
    memset(&r, 0, sizeof(r));
    r.b = out;
    r.db = db;
    r.compact = opts && opts->compact;
    for (i = 0; i < gs->n && !r.nodes; i++)
        r.nodes = rpt_str(gs->items[i], "node") != NULL;
    rpt_collect_tenants(&r, plan);

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
        rpt_by_node(&r, plan, gs);
    else
        rpt_by_model(&r, plan, gs);
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
