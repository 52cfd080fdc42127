/* One GPU of a plan as an SVG: MIG and mixed-size vGPU grids, equal-size vGPU slots, whole GPUs. */
#include "report_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/vgpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Geometry of one GPU's drawing. */
struct geo {
    double gw;   /* grid width */
    double x0;   /* grid left */
    double y0;   /* grid top */
    double bh;   /* block height */
    double gap;  /* between blocks */
    double w, h; /* the whole SVG */
};

static void
geometry(struct geo *g, const struct rpt *r)
{
    g->gw = r->compact ? RPT_GRID_W_C : RPT_GRID_W;
    g->x0 = r->compact ? RPT_MARGIN_C : RPT_MARGIN;
    g->y0 = r->compact ? 12 : 34;
    g->bh = r->compact ? RPT_BLOCK_H_C : RPT_BLOCK_H;
    g->gap = r->compact ? RPT_GAP_C : RPT_GAP;
    g->w = g->gw + 2 * g->x0;
    g->h = g->y0 + g->bh + (r->compact ? 2 : 20);
}

static int
fit_chars(double width, double char_w)
{
    return (int)((width - 4) / char_w);
}

/* Opens a <text> element at x, y; the caller writes the content and "</text>". */
static void
text_at(struct rpt *r, const char *cls, const char *anchor, double x, double y)
{
    gpv_buf_puts(r->b, "<text");
    if (cls)
        gpv_buf_printf(r->b, " class=\"%s\"", cls);
    if (anchor)
        gpv_buf_printf(r->b, " text-anchor=\"%s\"", anchor);
    gpv_buf_puts(r->b, " x=\"");
    rpt_coord(r, x);
    gpv_buf_puts(r->b, "\" y=\"");
    rpt_coord(r, y);
    gpv_buf_puts(r->b, "\">");
}

/* Centred lines of text inside a block; NULL lines are skipped. */
static void
block_text(struct rpt *r, double x, double y, double w, double h, const char *const *lines, int n)
{
    int i, k = 0, shown = 0;
    double line_h = 12, top;

    if (r->compact)
        return;
    for (i = 0; i < n; i++)
        shown += lines[i] != NULL;
    while (shown > 0 && shown * line_h > h - 6)
        shown--;
    top = y + (h - 6 - shown * line_h) / 2 + 9.5;
    for (i = 0; i < n && k < shown; i++) {
        int max = fit_chars(w, k == 0 ? RPT_BOLD_CHAR_W : RPT_CHAR_W);

        if (!lines[i])
            continue;
        /* A label that does not fit at 10px is written at 8px before it is shortened. */
        if (max >= 1 && rpt_chars(lines[i]) > (size_t)max) {
            max = fit_chars(w, (k == 0 ? RPT_BOLD_CHAR_W : RPT_CHAR_W) * 0.8);
            text_at(r, k == 0 ? "prof sm" : "sm", "middle", x + w / 2, top + k * line_h);
            rpt_esc_fit(r, lines[i], max);
            gpv_buf_puts(r->b, "</text>");
        } else if (max >= 1) {
            text_at(r, k == 0 ? "prof" : NULL, "middle", x + w / 2, top + k * line_h);
            rpt_esc_fit(r, lines[i], max);
            gpv_buf_puts(r->b, "</text>");
        }
        k++;
    }
}

/* The bar at the bottom of a block: the memory asked for, out of what the block holds. */
static void
mem_bar(struct rpt *r, double x, double y, double w, double h, long long asked, long long held)
{
    double f;

    if (r->compact || asked <= 0 || held <= 0 || w < 6)
        return;
    f = (double)asked / (double)held;
    if (f > 1)
        f = 1;
    rpt_rect(r, "class=\"memb\"", x + 2, y + h - 6, w - 4, 4);
    rpt_rect(r, "class=\"mem\"", x + 2, y + h - 6, (w - 4) * f, 4);
}

/* What the hover title says about memory: "asked 8 GiB of the 9.75 GiB it holds". */
static void
mem_title(struct rpt *r, long long asked, long long held)
{
    if (held > 0) {
        gpv_buf_puts(r->b, "; holds ");
        rpt_gib(r->b, held);
    }
    if (asked > 0) {
        gpv_buf_puts(r->b, ", asked for ");
        rpt_gib(r->b, asked);
        if (held > asked) {
            gpv_buf_puts(r->b, " (");
            rpt_gib(r->b, held - asked);
            gpv_buf_puts(r->b, " unused inside)");
        }
    }
}

static long long
asked_mib(const struct rpt *r, const char *tenant)
{
    const struct rpt_tenant *t = rpt_tenant(r, tenant);

    return t && t->v ? rpt_int(t->v, "memory_mib", -1) : -1;
}

/* The opening of an instance group: class, data attributes, the hover title's first words. */
static void
inst_open(struct rpt *r, const struct gpv_val *x, const char *gid)
{
    const char *tenant = rpt_str(x, "tenant"), *prof = rpt_str(x, "profile");
    const char *vt = rpt_str(x, "vgpu_type"), *up = rpt_str(x, "upgraded_from");
    long long replica = rpt_int(x, "replica", 0), start = rpt_int(x, "start", -1);
    long long size = rpt_int(x, "size", -1);

    gpv_buf_puts(r->b, "<g class=\"inst\" data-tenant=\"");
    rpt_esc(r, tenant);
    gpv_buf_printf(r->b, "\" data-replica=\"%lld\"", replica);
    if (start >= 0)
        gpv_buf_printf(r->b, " data-start=\"%lld\"", start);
    if (size >= 0)
        gpv_buf_printf(r->b, " data-size=\"%lld\"", size);
    if (prof) {
        gpv_buf_puts(r->b, " data-profile=\"");
        rpt_esc(r, prof);
        gpv_buf_puts(r->b, "\"");
    }
    gpv_buf_puts(r->b, "><title>");
    rpt_esc(r, tenant);
    gpv_buf_printf(r->b, " replica %lld on ", replica);
    rpt_esc(r, gid);
    if (prof) {
        gpv_buf_puts(r->b, ": ");
        rpt_esc(r, prof);
    }
    if (vt) {
        gpv_buf_puts(r->b, " with vGPU ");
        rpt_esc(r, vt);
    }
    if (up) {
        gpv_buf_puts(r->b, " (upgraded from ");
        rpt_esc(r, up);
        gpv_buf_puts(r->b, ")");
    }
}

/* Unit numbers over a grid: every unit, or every step-th when there are many. */
static void
numbers(struct rpt *r, const struct geo *g, int units, double uw)
{
    int step = 1, u;

    if (r->compact)
        return;
    while (units / step > 16)
        step *= 2;
    for (u = 0; u < units; u += step) {
        text_at(r, "unum", "middle", g->x0 + u * uw + (step == 1 ? uw / 2 : 0), g->y0 - 3);
        gpv_buf_printf(r->b, "%d</text>", u);
    }
}

/* ---- MIG --------------------------------------------------------------------------------- */

/*
 * Marks in usable[] every free unit some profile could still take: an allowed start whose
 * units are all free, where the engine accepts one more instance beside the ones there.
 */
static void
usable_units(bool *usable, const struct gpv_gpu *gpu, const struct gpv_mig_layout *l,
             const bool *taken)
{
    const struct gpv_mig *mig = gpu->mig;
    struct gpv_mig_layout t;
    size_t p;
    int k, u;

    if (l->n >= GPV_MIG_MAX_INSTANCES)
        return;
    for (p = 0; p < mig->nprofiles; p++) {
        const struct gpv_mig_profile *pr = &mig->profiles[p];

        for (k = 0; k < pr->nstarts; k++) {
            int s = pr->starts[k];
            bool free_run = s + pr->size <= mig->units;

            for (u = s; free_run && u < s + pr->size; u++)
                free_run = !taken[u];
            if (!free_run)
                continue;
            t = *l;
            t.inst[t.n].profile = (int)p;
            t.inst[t.n].start = s;
            t.n++;
            if (!gpv_mig_place_fixed(NULL, gpu, &t, NULL, 0))
                continue;
            for (u = s; u < s + pr->size; u++)
                usable[u] = true;
        }
    }
}

/*
 * An instance's block, after its title: the rectangle in the tenant's colour at bx (width bw),
 * its lines of text and the bar of memory asked against `held` MiB; closes the instance's group.
 */
static void
inst_block(struct rpt *r, const struct geo *g, double bx, double bw, const char *tenant,
           const char *const *lines, int n, long long held)
{
    char attrs[64];

    gpv_buf_puts(r->b, "</title>");
    snprintf(attrs, sizeof(attrs), "class=\"blk\" fill=\"%s\"", rpt_colour(r, tenant));
    rpt_rect(r, attrs, bx, g->y0, bw, g->bh);
    block_text(r, bx, g->y0, bw, g->bh, lines, n);
    mem_bar(r, bx, g->y0, bw, g->bh, asked_mib(r, tenant), held);
    gpv_buf_puts(r->b, "</g>\n");
}

/* The profiles that fit in free units [a, b): names joined by ", ". */
static void
fits_in(char *out, size_t cap, const struct gpv_gpu *gpu, const struct gpv_mig_layout *l, int a,
        int b)
{
    const struct gpv_mig *mig = gpu->mig;
    struct gpv_mig_layout t;
    size_t p, len = 0;
    int k;

    out[0] = '\0';
    if (l->n >= GPV_MIG_MAX_INSTANCES)
        return;
    for (p = 0; p < mig->nprofiles; p++) {
        const struct gpv_mig_profile *pr = &mig->profiles[p];

        for (k = 0; k < pr->nstarts; k++) {
            int s = pr->starts[k];

            if (s < a || s + pr->size > b)
                continue;
            t = *l;
            t.inst[t.n].profile = (int)p;
            t.inst[t.n].start = s;
            t.n++;
            if (gpv_mig_place_fixed(NULL, gpu, &t, NULL, 0))
                break;
        }
        if (k < pr->nstarts && cap > len + strlen(pr->name) + 3)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", pr->name);
    }
}

static void
free_run(struct rpt *r, const struct geo *g, double uw, int a, int b, bool stranded,
         const char *fits)
{
    double x = g->x0 + a * uw + g->gap / 2, w = (b - a) * uw - g->gap;
    const char *line = stranded ? "stranded" : "free";

    gpv_buf_printf(r->b, "<g class=\"%s\" data-start=\"%d\" data-size=\"%d\"><title>",
                   stranded ? "stranded" : "free", a, b - a);
    if (b - a == 1)
        gpv_buf_printf(r->b, "unit %d ", a);
    else
        gpv_buf_printf(r->b, "units %d to %d ", a, b - 1);
    if (stranded) {
        gpv_buf_puts(r->b, "free but stranded: no profile can start there beside the instances "
                           "on this GPU");
    } else {
        gpv_buf_puts(r->b, "free");
        if (fits && *fits) {
            gpv_buf_puts(r->b, ": room for ");
            rpt_esc(r, fits);
        }
    }
    gpv_buf_puts(r->b, "</title>");
    rpt_rect(r, stranded ? "class=\"stranded\"" : "class=\"free\"", x, g->y0, w, g->bh);
    if (!r->compact && fit_chars(w, RPT_BOLD_CHAR_W) >= 1) {
        text_at(r, stranded ? "st" : NULL, "middle", x + w / 2, g->y0 + g->bh / 2 + 3.5);
        rpt_esc_fit(r, line, fit_chars(w, RPT_BOLD_CHAR_W));
        gpv_buf_puts(r->b, "</text>");
    }
    gpv_buf_puts(r->b, "</g>\n");
}

static void
mig_gpu(struct rpt *r, const struct geo *g, const struct gpv_val *ins, const struct gpv_gpu *gpu,
        const char *gid, bool backed)
{
    const struct gpv_mig *mig = gpu->mig;
    int units = mig->units, u, a;
    double uw = g->gw / units;
    bool taken[GPV_MIG_MAX_UNITS], usable[GPV_MIG_MAX_UNITS];
    struct gpv_mig_layout l;
    long long held_total = 0;
    int used_units = 0;
    size_t i;
    char fits[512];

    memset(taken, 0, sizeof(taken));
    memset(usable, 0, sizeof(usable));
    memset(&l, 0, sizeof(l));
    numbers(r, g, units, uw);
    rpt_rect(r, "class=\"grid\"", g->x0, g->y0, g->gw, g->bh);
    gpv_buf_puts(r->b, "\n");
    for (i = 0; ins && i < ins->n; i++) {
        const struct gpv_val *x = ins->items[i];
        const char *prof = rpt_str(x, "profile"), *tenant = rpt_str(x, "tenant");
        long long start = rpt_int(x, "start", -1), size = rpt_int(x, "size", -1), held = 0;
        int p = prof ? gpv_gpu_find_profile(gpu, prof) : -1;
        const char *lines[3];
        double bx, bw;

        if (start < 0 || size < 1 || start >= units)
            continue;
        if (start + size > units)
            size = units - start;
        for (u = (int)start; u < start + size; u++) {
            used_units += !taken[u];
            taken[u] = true;
        }
        if (p >= 0) {
            held = mig->profiles[p].memory_mib;
            if (l.n < GPV_MIG_MAX_INSTANCES) {
                l.inst[l.n].profile = p;
                l.inst[l.n].start = (int)start;
                l.n++;
            }
        }
        held_total += held;
        bx = g->x0 + (double)start * uw + g->gap / 2;
        bw = (double)size * uw - g->gap;
        inst_open(r, x, gid);
        gpv_buf_printf(r->b, " at units %lld to %lld", start, start + size - 1);
        mem_title(r, asked_mib(r, tenant), held);
        lines[0] = prof;
        lines[1] = tenant;
        lines[2] = backed ? rpt_str(x, "vgpu_type") : NULL;
        inst_block(r, g, bx, bw, tenant, lines, 3, held);
    }
    usable_units(usable, gpu, &l, taken);
    for (u = 0; u < units;) {
        if (taken[u]) {
            u++;
            continue;
        }
        a = u;
        while (u < units && !taken[u] && usable[u] == usable[a])
            u++;
        if (usable[a])
            fits_in(fits, sizeof(fits), gpu, &l, a, u);
        free_run(r, g, uw, a, u, !usable[a], fits);
    }
    if (!r->compact) {
        text_at(r, "foot", NULL, g->x0, g->h - 6);
        gpv_buf_printf(r->b, "%d of %d units used &#183; ", used_units, units);
        rpt_gib(r->b, held_total);
        gpv_buf_puts(r->b, " of ");
        rpt_gib(r->b, gpu->memory_mib);
        gpv_buf_puts(r->b, " in instances</text>\n");
    }
}

/* ---- vGPU -------------------------------------------------------------------------------- */

static long long
type_fb(const struct gpv_gpu *gpu, const char *type)
{
    int t = gpu && gpu->vgpu && type ? gpv_gpu_find_vgpu_type(gpu, type) : -1;

    return t >= 0 ? gpu->vgpu->types[t].framebuffer_mib : -1;
}

/* Mixed-size: the frame buffer as a grid of GB, each vGPU at its placement id. */
static void
mixed_gpu(struct rpt *r, const struct geo *g, const struct gpv_val *ins, const struct gpv_gpu *gpu,
          const char *gid)
{
    int units = gpv_vgpu_region_gb(gpu), u, a;
    double uw;
    bool *taken;
    size_t i;
    int n = 0;

    if (units < 1)
        units = 1;
    if (units > GPV_VGPU_REGION_MAX)
        units = GPV_VGPU_REGION_MAX;
    uw = g->gw / units;
    taken = xcalloc((size_t)units, sizeof(*taken));
    numbers(r, g, units, uw);
    rpt_rect(r, "class=\"grid\"", g->x0, g->y0, g->gw, g->bh);
    gpv_buf_puts(r->b, "\n");
    for (i = 0; ins && i < ins->n; i++) {
        const struct gpv_val *x = ins->items[i];
        const char *tenant = rpt_str(x, "tenant"), *prof = rpt_str(x, "profile");
        long long start = rpt_int(x, "start", -1), size = rpt_int(x, "size", -1);
        const char *lines[2];
        double bx, bw;

        if (start < 0 || size < 1 || start >= units)
            continue;
        if (start + size > units)
            size = units - start;
        for (u = (int)start; u < start + size; u++)
            taken[u] = true;
        n++;
        bx = g->x0 + (double)start * uw + g->gap / 2;
        bw = (double)size * uw - g->gap;
        inst_open(r, x, gid);
        gpv_buf_printf(r->b, " at placement %lld GB, %lld GB", start, size);
        mem_title(r, asked_mib(r, tenant), type_fb(gpu, prof));
        lines[0] = prof;
        lines[1] = tenant;
        inst_block(r, g, bx, bw, tenant, lines, 2, type_fb(gpu, prof));
    }
    for (u = 0; u < units;) {
        if (taken[u]) {
            u++;
            continue;
        }
        for (a = u; u < units && !taken[u];)
            u++;
        free_run(r, g, uw, a, u, false, NULL);
    }
    if (!r->compact) {
        text_at(r, "foot", NULL, g->x0, g->h - 6);
        gpv_buf_printf(r->b, "%d vGPU%s, mixed-size, in a %d GB frame buffer</text>\n", n,
                       n == 1 ? "" : "s", units);
    }
    free(taken);
}

/* Equal-size: as many slots as the most residents the types there allow. */
static void
slots_gpu(struct rpt *r, const struct geo *g, const struct gpv_val *gv, const struct gpv_val *ins,
          const struct gpv_gpu *gpu, const char *gid)
{
    size_t n = ins ? ins->n : 0, slots = 0, i, per_row, rows;
    const char *sched = rpt_str(gv, "scheduler"), *type = NULL;
    bool one_type = true;
    double sw, sh;

    for (i = 0; i < n; i++) {
        const char *p = rpt_str(ins->items[i], "profile");
        int t = gpu && gpu->vgpu && p ? gpv_gpu_find_vgpu_type(gpu, p) : -1;

        if (t >= 0 && (slots == 0 || (size_t)gpu->vgpu->types[t].max < slots))
            slots = (size_t)gpu->vgpu->types[t].max;
        if (p && !type)
            type = p;
        else if (p && strcmp(p, type))
            one_type = false;
    }
    if (slots < n)
        slots = n;
    if (slots == 0)
        slots = 1;
    per_row = slots <= 8 ? slots : 8;
    rows = (slots + per_row - 1) / per_row;
    sw = g->gw / (double)per_row;
    sh = g->bh / (double)rows;
    gpv_buf_printf(r->b, "<g class=\"slots\" data-slots=\"%zu\" data-per-row=\"%zu\">\n", slots,
                   per_row);
    for (i = 0; i < slots; i++) {
        double x = g->x0 + (double)(i % per_row) * sw + g->gap / 2;
        double y = g->y0 + (double)(i / per_row) * sh + (rows > 1 ? g->gap / 2 : 0);
        char attrs[96];
        double w = sw - g->gap, h = rows > 1 ? sh - g->gap : sh;

        if (i < n) {
            const struct gpv_val *x0 = ins->items[i];
            const char *tenant = rpt_str(x0, "tenant"), *prof = rpt_str(x0, "profile");
            const char *lines[2];

            inst_open(r, x0, gid);
            gpv_buf_printf(r->b, " in slot %zu of %zu", i + 1, slots);
            mem_title(r, asked_mib(r, tenant), type_fb(gpu, prof));
            gpv_buf_puts(r->b, "</title>");
            snprintf(attrs, sizeof(attrs), "class=\"blk\" data-slot=\"%zu\" fill=\"%s\"", i,
                     rpt_colour(r, tenant));
            rpt_rect(r, attrs, x, y, w, h);
            if (rows == 1) {
                lines[0] = prof;
                lines[1] = tenant;
                block_text(r, x, y, w, h, lines, 2);
                mem_bar(r, x, y, w, h, asked_mib(r, tenant), type_fb(gpu, prof));
            }
            gpv_buf_puts(r->b, "</g>\n");
        } else {
            gpv_buf_printf(r->b, "<g class=\"free\" data-slot=\"%zu\"><title>slot %zu of %zu free",
                           i, i + 1, slots);
            if (one_type && type) {
                gpv_buf_puts(r->b, ": room for one more ");
                rpt_esc(r, type);
            }
            gpv_buf_puts(r->b, "</title>");
            rpt_rect(r, "class=\"free\"", x, y, w, h);
            gpv_buf_puts(r->b, "</g>\n");
        }
    }
    gpv_buf_puts(r->b, "</g>\n");
    if (!r->compact) {
        text_at(r, "foot", NULL, g->x0, g->h - 6);
        gpv_buf_printf(r->b, "%zu of %zu", n, slots);
        if (one_type && type) {
            gpv_buf_puts(r->b, " &#215; ");
            rpt_esc(r, type);
        } else {
            gpv_buf_puts(r->b, " vGPUs");
        }
        if (sched) {
            gpv_buf_puts(r->b, " &#183; ");
            rpt_esc(r, sched);
        }
        gpv_buf_puts(r->b, "</text>\n");
    }
}

/* ---- passthrough and unknown models ------------------------------------------------------- */

static void
whole_gpu(struct rpt *r, const struct geo *g, const struct gpv_val *ins, const struct gpv_gpu *gpu,
          const char *gid, const char *shared)
{
    size_t n = ins && ins->n ? ins->n : 1, i;
    double w = g->gw / (double)n;

    for (i = 0; ins && i < ins->n; i++) {
        const struct gpv_val *x = ins->items[i];
        const char *tenant = rpt_str(x, "tenant");
        const struct rpt_tenant *t = rpt_tenant(r, tenant);
        long long whole = t && t->v ? rpt_int(t->v, "whole_gpus", 1) : 1;
        long long part = rpt_int(x, "part", 0);
        double bx = g->x0 + (double)i * w + g->gap / 2, bw = w - g->gap;
        char partline[64];
        const char *lines[3];

        inst_open(r, x, gid);
        if (shared)
            gpv_buf_printf(r->b, ": client %lld of a GPU the device plugin shares (%s)",
                           rpt_int(x, "start", 0), shared);
        else
            gpv_buf_printf(r->b, ": the whole GPU (passthrough), GPU %lld of %lld of the replica",
                           part + 1, whole);
        mem_title(r, asked_mib(r, tenant), gpu ? gpu->memory_mib : -1);
        gpv_buf_puts(r->b, "</title>");
        gpv_buf_printf(r->b, "<rect class=\"blk\" data-part=\"%lld\" fill=\"%s\" x=\"", part,
                       rpt_colour(r, tenant));
        rpt_coord(r, bx);
        gpv_buf_puts(r->b, "\" y=\"");
        rpt_coord(r, g->y0);
        gpv_buf_puts(r->b, "\" width=\"");
        rpt_coord(r, bw);
        gpv_buf_puts(r->b, "\" height=\"");
        rpt_coord(r, g->bh);
        gpv_buf_puts(r->b, "\"/>");
        snprintf(partline, sizeof(partline), "GPU %lld of %lld", part + 1, whole);
        lines[0] = tenant;
        lines[1] = shared ? shared : "passthrough";
        lines[2] = !shared && whole > 1 ? partline : NULL;
        block_text(r, bx, g->y0, bw, g->bh, lines, 3);
        gpv_buf_puts(r->b, "</g>\n");
    }
    if (!ins || !ins->n) {
        gpv_buf_puts(r->b, "<g class=\"free\"><title>no tenant on this GPU</title>");
        rpt_rect(r, "class=\"free\"", g->x0, g->y0, g->gw, g->bh);
        gpv_buf_puts(r->b, "</g>\n");
    }
    if (!r->compact && gpu) {
        text_at(r, "foot", NULL, g->x0, g->h - 6);
        gpv_buf_puts(r->b, "whole GPU &#183; ");
        rpt_gib(r->b, gpu->memory_mib);
        gpv_buf_puts(r->b, "</text>\n");
    }
}

static const char *
mode_label(const char *mode, const char *vgpu_mode)
{
    if (!mode)
        return "?";
    if (!strcmp(mode, "mig"))
        return "MIG";
    if (!strcmp(mode, "mig-vgpu"))
        return "MIG-backed vGPU";
    if (!strcmp(mode, "vgpu"))
        return vgpu_mode && !strcmp(vgpu_mode, "mixed") ? "vGPU, mixed-size" : "vGPU, equal-size";
    if (!strcmp(mode, "time-slicing"))
        return "time-slicing (device plugin)";
    if (!strcmp(mode, "mps"))
        return "MPS (device plugin)";
    if (!strcmp(mode, "passthrough"))
        return "passthrough";
    return mode;
}

void
rpt_gpu(struct rpt *r, const struct gpv_val *gv)
{
    const char *id = rpt_str(gv, "id"), *model = rpt_str(gv, "model");
    const char *mode = rpt_str(gv, "mode"), *vmode = rpt_str(gv, "vgpu_mode");
    const char *node = rpt_str(gv, "node");
    const struct gpv_val *ins = rpt_arr(gv, "instances");
    const struct gpv_gpu *gpu = model ? gpv_db_find(r->db, model) : NULL;
    long long index = rpt_int(gv, "index", -1);
    bool grid = false, mixed = vmode && !strcmp(vmode, "mixed");
    char label[64];
    struct geo g;
    int units = 0;

    geometry(&g, r);
    if (!id)
        id = "?";
    if (mode && gpu && gpu->mig && (!strcmp(mode, "mig") || !strcmp(mode, "mig-vgpu"))) {
        grid = true;
        units = gpu->mig->units;
    } else if (mode && gpu && !strcmp(mode, "vgpu") && mixed) {
        grid = true;
        units = gpv_vgpu_region_gb(gpu);
        if (units < 1)
            units = 1;
        if (units > GPV_VGPU_REGION_MAX)
            units = GPV_VGPU_REGION_MAX;
    }
    rpt_svg_open(r, "gpu", g.w, g.h);
    rpt_esc(r, id);
    gpv_buf_puts(r->b, ": ");
    rpt_esc(r, gpu ? gpu->name : model);
    gpv_buf_puts(r->b, ", ");
    rpt_esc(r, mode_label(mode, vmode));
    gpv_buf_printf(r->b, ", %zu instance%s</title>\n", ins ? (size_t)ins->n : 0,
                   ins && ins->n == 1 ? "" : "s");
    gpv_buf_puts(r->b, "<g class=\"gpu\" data-id=\"");
    rpt_esc(r, id);
    gpv_buf_puts(r->b, "\" data-model=\"");
    rpt_esc(r, model);
    gpv_buf_puts(r->b, "\" data-mode=\"");
    rpt_esc(r, mode);
    gpv_buf_puts(r->b, "\"");
    if (node) {
        gpv_buf_puts(r->b, " data-node=\"");
        rpt_esc(r, node);
        gpv_buf_printf(r->b, "\" data-index=\"%lld\"", index);
    }
    if (grid) {
        gpv_buf_printf(r->b, " data-units=\"%d\" data-x0=\"", units);
        rpt_coord(r, g.x0);
        gpv_buf_puts(r->b, "\" data-unit-width=\"");
        rpt_coord(r, g.gw / units);
        gpv_buf_puts(r->b, "\" data-gap=\"");
        rpt_coord(r, g.gap);
        gpv_buf_puts(r->b, "\"");
    }
    gpv_buf_puts(r->b, ">\n");

    /* The label: the id, or on a node the GPU's index there. */
    if (node && index >= 0)
        snprintf(label, sizeof(label), "GPU %lld", index);
    else
        snprintf(label, sizeof(label), "%s", "");
    text_at(r, "gid", NULL, g.x0, r->compact ? 9 : 14);
    rpt_esc_fit(r, *label ? label : id,
                fit_chars(r->compact ? g.w : g.gw * 0.6, r->compact ? 5.4 : 7.4));
    gpv_buf_puts(r->b, "</text>");
    if (!r->compact) {
        text_at(r, "gmode", "end", g.x0 + g.gw, 14);
        rpt_esc(r, mode_label(mode, vmode));
        gpv_buf_puts(r->b, "</text>");
    }
    gpv_buf_puts(r->b, "\n");

    if (grid && gpu->mig && strcmp(mode, "vgpu"))
        mig_gpu(r, &g, ins, gpu, id, !strcmp(mode, "mig-vgpu"));
    else if (grid)
        mixed_gpu(r, &g, ins, gpu, id);
    else if (mode && !strcmp(mode, "vgpu"))
        slots_gpu(r, &g, gv, ins, gpu, id);
    else
        whole_gpu(r, &g, ins, gpu, id,
                  mode && (!strcmp(mode, "time-slicing") || !strcmp(mode, "mps")) ? mode : NULL);
    if (!gpu && !r->compact) {
        text_at(r, "foot", NULL, g.x0, g.h - 6);
        gpv_buf_puts(r->b, "model not in the database</text>\n");
    }
    gpv_buf_puts(r->b, "</g>\n</svg>\n");
}
