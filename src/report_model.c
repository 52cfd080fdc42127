/* `show MODEL -f html`: one model's MIG placement grid with every profile's allowed starts. */
#include "report_int.h"

#include <stdio.h>
#include <string.h>

#define LABEL_W 150 /* the column of profile names left of the grid */
#define LANE_H  22
#define ROW_PAD 6

/*
 * Lanes for a profile's allowed starts: a start goes to the first lane whose last block ends
 * at or before it, so blocks in one lane never overlap. Returns the number of lanes.
 */
static int
lanes(int *lane_of, const struct gpv_mig_profile *p)
{
    int end[GPV_MIG_MAX_UNITS], n = 0, k, l;

    for (k = 0; k < p->nstarts; k++) {
        for (l = 0; l < n && end[l] > p->starts[k]; l++)
            ;
        if (l == n)
            n++;
        end[l] = p->starts[k] + p->size;
        lane_of[k] = l;
    }
    return n ? n : 1;
}

static void
grid_svg(struct rpt *r, const struct gpv_gpu *gpu)
{
    const struct gpv_mig *mig = gpu->mig;
    double uw = mig->units <= 8 ? 56 : 448.0 / mig->units, gw = uw * mig->units;
    double x0 = LABEL_W, y = 22, h;
    int lane_of[GPV_MIG_MAX_UNITS], nl, k, u;
    size_t p;

    h = y + 4;
    for (p = 0; p < mig->nprofiles; p++)
        h += lanes(lane_of, &mig->profiles[p]) * LANE_H + ROW_PAD;
    rpt_svg_open(r, "gpu model", x0 + gw + 8, h);
    rpt_esc(r, gpu->name);
    gpv_buf_printf(r->b, ": where each MIG profile may start on the %d-unit grid</title>\n",
                   mig->units);
    gpv_buf_puts(r->b, "<g class=\"grid-model\" data-model=\"");
    rpt_esc(r, gpu->id);
    gpv_buf_printf(r->b, "\" data-units=\"%d\" data-x0=\"", mig->units);
    rpt_coord(r, x0);
    gpv_buf_puts(r->b, "\" data-unit-width=\"");
    rpt_coord(r, uw);
    gpv_buf_puts(r->b, "\" data-gap=\"2\">\n");
    for (u = 0; u < mig->units; u++) {
        gpv_buf_puts(r->b, "<text class=\"unum\" text-anchor=\"middle\" x=\"");
        rpt_coord(r, x0 + u * uw + uw / 2);
        gpv_buf_printf(r->b, "\" y=\"14\">%d</text>", u);
    }
    gpv_buf_puts(r->b, "\n");
    for (p = 0; p < mig->nprofiles; p++) {
        const struct gpv_mig_profile *pr = &mig->profiles[p];
        bool used[GPV_MIG_MAX_UNITS];
        double rh;

        nl = lanes(lane_of, pr);
        rh = nl * LANE_H;
        memset(used, 0, sizeof(used));
        for (k = 0; k < pr->nstarts; k++)
            for (u = pr->starts[k]; u < pr->starts[k] + pr->size && u < mig->units; u++)
                used[u] = true;
        gpv_buf_puts(r->b, "<g class=\"profile\" data-profile=\"");
        rpt_esc(r, pr->name);
        gpv_buf_printf(r->b, "\" data-size=\"%d\" data-max=\"%d\"><title>", pr->size, pr->max);
        rpt_esc(r, pr->name);
        gpv_buf_printf(r->b, ": %d unit%s, starts", pr->size, pr->size == 1 ? "" : "s");
        for (k = 0; k < pr->nstarts; k++)
            gpv_buf_printf(r->b, "%s%d", k ? ", " : " ", pr->starts[k]);
        gpv_buf_printf(r->b, "; at most %d per GPU; ", pr->max);
        rpt_gib(r->b, pr->memory_mib);
        gpv_buf_puts(r->b, "</title>");
        gpv_buf_puts(r->b, "<text class=\"prof\" x=\"4\" y=\"");
        rpt_coord(r, y + rh / 2 + 1);
        gpv_buf_puts(r->b, "\">");
        rpt_esc(r, pr->name);
        gpv_buf_puts(r->b, "</text><text class=\"foot\" x=\"4\" y=\"");
        rpt_coord(r, y + rh / 2 + 12);
        gpv_buf_printf(r->b, "\">size %d, max %d</text>\n", pr->size, pr->max);
        /* Units the profile can never use. */
        for (u = 0; u < mig->units; u++) {
            if (used[u])
                continue;
            gpv_buf_printf(r->b, "<rect class=\"never\" data-unit=\"%d\" x=\"", u);
            rpt_coord(r, x0 + u * uw + 1);
            gpv_buf_puts(r->b, "\" y=\"");
            rpt_coord(r, y);
            gpv_buf_puts(r->b, "\" width=\"");
            rpt_coord(r, uw - 2);
            gpv_buf_puts(r->b, "\" height=\"");
            rpt_coord(r, rh - 2);
            gpv_buf_puts(r->b, "\"><title>");
            rpt_esc(r, pr->name);
            gpv_buf_printf(r->b, " never uses unit %d</title></rect>", u);
        }
        for (k = 0; k < pr->nstarts; k++) {
            int s = pr->starts[k];
            double bx = x0 + s * uw + 1, bw = pr->size * uw - 2, by = y + lane_of[k] * LANE_H;

            gpv_buf_printf(r->b, "<g class=\"start\" data-start=\"%d\"><title>", s);
            rpt_esc(r, pr->name);
            if (pr->size == 1)
                gpv_buf_printf(r->b, " may start at unit %d", s);
            else
                gpv_buf_printf(r->b, " may start at unit %d, covering units %d to %d", s, s,
                               s + pr->size - 1);
            gpv_buf_printf(r->b, "</title><rect class=\"blk\" fill=\"%s\" x=\"",
                           gpv_report_tenant_colour(pr->name));
            rpt_coord(r, bx);
            gpv_buf_puts(r->b, "\" y=\"");
            rpt_coord(r, by);
            gpv_buf_puts(r->b, "\" width=\"");
            rpt_coord(r, bw);
            gpv_buf_printf(r->b, "\" height=\"%d\"/>", LANE_H - 2);
            gpv_buf_puts(r->b, "<text text-anchor=\"middle\" x=\"");
            rpt_coord(r, bx + bw / 2);
            gpv_buf_puts(r->b, "\" y=\"");
            rpt_coord(r, by + LANE_H / 2 + 2.5);
            gpv_buf_printf(r->b, "\">%s%d</text></g>", bw >= 40 ? "start " : "", s);
        }
        gpv_buf_puts(r->b, "</g>\n");
        y += rh + ROW_PAD;
    }
    gpv_buf_puts(r->b, "</g>\n</svg>\n");
}

static const char *
source_title(const struct gpv_gpu *gpu, const char *id)
{
    const struct gpv_source *s = id ? gpv_gpu_source(gpu, id) : NULL;

    return s ? s->title : NULL;
}

static void
profiles_table(struct rpt *r, const struct gpv_gpu *gpu)
{
    const struct gpv_mig *mig = gpu->mig;
    size_t p, c;
    int k;

    gpv_buf_puts(r->b, "<table class=\"profiles\">\n<tr><th>profile</th><th>id</th><th>size</th>"
                       "<th>starts</th><th>max</th><th>memory</th><th>compute slices</th>"
                       "<th>SMs</th><th>source</th></tr>\n");
    for (p = 0; p < mig->nprofiles; p++) {
        const struct gpv_mig_profile *pr = &mig->profiles[p];

        gpv_buf_puts(r->b, "<tr><td>");
        rpt_esc(r, pr->name);
        gpv_buf_printf(r->b, "%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td>",
                       pr->inferred ? " *" : "", pr->id, pr->size);
        for (k = 0; k < pr->nstarts; k++)
            gpv_buf_printf(r->b, "%s%d", k ? ", " : "", pr->starts[k]);
        gpv_buf_printf(r->b, "</td><td class=\"n\">%d</td><td class=\"n\">", pr->max);
        rpt_gib(r->b, pr->memory_mib);
        gpv_buf_printf(r->b, "</td><td class=\"n\">%d</td><td class=\"n\">", pr->compute_slices);
        if (pr->sms > 0)
            gpv_buf_printf(r->b, "%d", pr->sms);
        gpv_buf_puts(r->b, "</td><td>");
        rpt_esc(r, source_title(gpu, pr->source));
        gpv_buf_puts(r->b, "</td></tr>\n");
    }
    gpv_buf_puts(r->b, "</table>\n");
    if (mig->nconstraints) {
        gpv_buf_puts(r->b, "<p>Per-GPU rules beyond the grid:</p>\n<ul>\n");
        for (c = 0; c < mig->nconstraints; c++) {
            gpv_buf_puts(r->b, "<li>");
            rpt_esc(r, mig->constraints[c].reason);
            if (mig->constraints[c].before_driver)
                gpv_buf_printf(r->b, " (drivers before %d)", mig->constraints[c].before_driver);
            gpv_buf_puts(r->b, "</li>\n");
        }
        gpv_buf_puts(r->b, "</ul>\n");
    }
}

static void
vgpu_table(struct rpt *r, const struct gpv_gpu *gpu)
{
    const struct gpv_vgpu *v = gpu->vgpu;
    size_t i;
    int k;

    gpv_buf_puts(r->b, "<table class=\"vgpu\">\n<tr><th>type</th><th>series</th><th>frame buffer"
                       "</th><th>max</th><th>max mixed-size</th><th>MIG profile or placement ids"
                       "</th><th>licence</th></tr>\n");
    for (i = 0; i < v->ntypes; i++) {
        const struct gpv_vgpu_type *t = &v->types[i];

        gpv_buf_puts(r->b, "<tr><td>");
        rpt_esc(r, t->name);
        gpv_buf_printf(r->b, "%s</td><td>%s</td><td class=\"n\">", t->inferred ? " *" : "",
                       gpv_series_name(t->series));
        rpt_gib(r->b, t->framebuffer_mib);
        gpv_buf_printf(r->b, "</td><td class=\"n\">%d</td><td class=\"n\">", t->max);
        if (t->max_mixed > 0)
            gpv_buf_printf(r->b, "%d", t->max_mixed);
        gpv_buf_puts(r->b, "</td><td>");
        if (t->mig_profile >= 0 && gpu->mig && (size_t)t->mig_profile < gpu->mig->nprofiles) {
            gpv_buf_puts(r->b, "MIG ");
            rpt_esc(r, gpu->mig->profiles[t->mig_profile].name);
        }
        for (k = 0; k < t->nplacements; k++)
            gpv_buf_printf(r->b, "%s%d", k ? ", " : "", t->placements[k]);
        gpv_buf_puts(r->b, "</td><td>");
        rpt_esc(r, gpv_series_license(t->series));
        gpv_buf_puts(r->b, "</td></tr>\n");
    }
    gpv_buf_puts(r->b, "</table>\n");
}

void
gpv_report_model_html(struct gpv_buf *out, const struct gpv_gpu *gpu)
{
    struct rpt r;
    size_t i;

    memset(&r, 0, sizeof(r));
    r.b = out;
    gpv_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                      "<meta name=\"generator\" content=\"gpuvplan\"/>\n<title>");
    rpt_esc(&r, gpu->name);
    gpv_buf_puts(out, ": MIG profiles and vGPU types</title>\n");
    rpt_style(&r);
    gpv_buf_puts(out, "</head>\n<body>\n");
    rpt_defs(&r);
    gpv_buf_puts(out, "<header>\n<h1>");
    rpt_esc(&r, gpu->name);
    gpv_buf_puts(out, " <span class=\"sub\">");
    rpt_esc(&r, gpu->id);
    gpv_buf_puts(out, "</span></h1>\n<p class=\"meta\">");
    rpt_esc(&r, gpu->architecture);
    gpv_buf_puts(out, " &#183; ");
    rpt_gib(out, gpu->memory_mib);
    if (gpu->mig)
        gpv_buf_printf(out, " &#183; MIG: %d-unit placement grid, %d compute slices",
                       gpu->mig->units, gpu->mig->compute_slices);
    else
        gpv_buf_puts(out, " &#183; no MIG");
    gpv_buf_puts(out, "</p>\n</header>\n");
    if (gpu->mig) {
        gpv_buf_puts(out, "<section id=\"grid\">\n<h2>MIG placement grid</h2>\n"
                          "<p>Each row is a profile; each block is one place an instance of it "
                          "may start, as wide as the units it covers. Blocks in one row are "
                          "alternatives: a GPU holds at most the row's max, and instances of "
                          "different profiles may not share a unit. Grey units are never used "
                          "by that profile.</p>\n");
        grid_svg(&r, gpu);
        profiles_table(&r, gpu);
        gpv_buf_puts(out, "</section>\n");
    }
    if (gpu->vgpu) {
        gpv_buf_puts(out, "<section id=\"vgpu\">\n<h2>vGPU types</h2>\n");
        vgpu_table(&r, gpu);
        gpv_buf_puts(out, "</section>\n");
    }
    gpv_buf_puts(out, "<section id=\"sources\">\n<h2>Sources</h2>\n<ul>\n");
    for (i = 0; i < gpu->nsources; i++) {
        gpv_buf_puts(out, "<li>[");
        rpt_esc(&r, gpu->sources[i].id);
        gpv_buf_puts(out, "] ");
        rpt_esc(&r, gpu->sources[i].title);
        if (gpu->sources[i].url) {
            /* Text, not a link: the page fetches and links nothing. */
            gpv_buf_puts(out, "<br/><code>");
            rpt_esc(&r, gpu->sources[i].url);
            gpv_buf_puts(out, "</code>");
        }
        gpv_buf_puts(out, "</li>\n");
    }
    gpv_buf_puts(out, "</ul>\n<p>Values marked * are inferred, not quoted; confirm on hardware "
                      "with <code>nvidia-smi mig -lgip</code> and <code>-lgipp</code>.</p>\n"
                      "</section>\n<footer>Written by gpuvplan from the profile database ");
    rpt_esc(&r, gpu->origin);
    gpv_buf_puts(out, ".</footer>\n</body>\n</html>\n");
}
