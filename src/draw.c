/* Text drawings of MIG layouts (src/draw.h). */
#include "draw.h"

#include <string.h>

#define MIN_UNIT_WIDTH 3 /* room for a two-digit unit number and a space */

static const char *
indent_of(const struct gpv_draw *d)
{
    return d && d->indent ? d->indent : "";
}

int
gpv_draw_max_unit_width(int units, const char *indent, int max_cols)
{
    int w;

    if (units < 1)
        return MIN_UNIT_WIDTH;
    if (max_cols <= 0)
        max_cols = 80;
    w = (max_cols - (int)strlen(indent ? indent : "") - 1) / units;
    return w < 2 ? 2 : w;
}

/* Columns per unit for a label of len characters inside a span of size units. */
static int
need(size_t len, int size)
{
    return ((int)len + 1 + size - 1) / size;
}

int
gpv_draw_unit_width(const struct gpv_gpu *gpu, const struct gpv_mig_layout *l,
                    const struct gpv_draw *d)
{
    const struct gpv_mig *mig = gpu->mig;
    int w = MIN_UNIT_WIDTH, i, cap, size;

    if (!mig)
        return w;
    for (i = 0; i < l->n; i++) {
        if (l->inst[i].profile < 0 || (size_t)l->inst[i].profile >= mig->nprofiles)
            continue;
        size = mig->profiles[l->inst[i].profile].size;
        if (need(strlen(mig->profiles[l->inst[i].profile].name), size) > w)
            w = need(strlen(mig->profiles[l->inst[i].profile].name), size);
        if (d && d->labels && d->labels[i] && need(strlen(d->labels[i]), size) > w)
            w = need(strlen(d->labels[i]), size);
    }
    cap = gpv_draw_max_unit_width(mig->units, indent_of(d), d ? d->max_cols : 0);
    return w < cap ? w : cap;
}

void
gpv_draw_numbers(struct gpv_buf *out, int units, int unit_width, const char *indent)
{
    int u;

    gpv_buf_puts(out, indent ? indent : "");
    gpv_buf_putc(out, ' ');
    for (u = 0; u < units; u++) {
        if (u + 1 < units)
            gpv_buf_printf(out, "%-*d", unit_width, u);
        else
            gpv_buf_printf(out, "%d", u);
    }
    gpv_buf_putc(out, '\n');
}

/*
 * Writes label into a field of exactly width columns: shortened as the header says, padded
 * with spaces.
 */
static void
put_field(struct gpv_buf *out, const char *label, int width, bool profile_name)
{
    char tmp[256];
    size_t len = strlen(label);
    const char *gb;

    if (width <= 0)
        return;
    if ((int)len > width && profile_name && len < sizeof(tmp) && (gb = strstr(label, "gb"))) {
        /* "1g.10gb+me" -> "1g.10+me": the memory figure stays, its unit goes. */
        size_t pre = (size_t)(gb - label);

        memcpy(tmp, label, pre);
        strcpy(tmp + pre, gb + 2);
        label = tmp;
        len = strlen(label);
    }
    if ((int)len <= width) {
        gpv_buf_printf(out, "%-*s", width, label);
    } else if (width >= 2) {
        gpv_buf_printf(out, "%.*s~", width - 1, label);
    } else {
        gpv_buf_printf(out, "%.*s", width, label);
    }
}

/* Fills the span of a free run: "free" when it fits, else dots. */
static void
put_free(struct gpv_buf *out, int width, bool blank)
{
    int i;

    if (blank || width >= 4) {
        gpv_buf_printf(out, "%-*s", width, blank ? "" : "free");
        return;
    }
    for (i = 0; i < width; i++)
        gpv_buf_putc(out, '.');
}

static void
draw_row(struct gpv_buf *out, const struct gpv_mig *mig, const struct gpv_mig_layout *l,
         const int *owner, int w, const char *indent, const char *const *labels)
{
    int u = 0, v, i;

    gpv_buf_puts(out, indent);
    while (u < mig->units) {
        gpv_buf_putc(out, '|');
        i = owner[u];
        if (i < 0) {
            for (v = u; v < mig->units && owner[v] < 0; v++)
                ;
            put_free(out, (v - u) * w - 1, labels != NULL);
        } else {
            for (v = u; v < mig->units && owner[v] == i; v++)
                ;
            if (labels)
                put_field(out, labels[i] ? labels[i] : "", (v - u) * w - 1, false);
            else
                put_field(out, mig->profiles[l->inst[i].profile].name, (v - u) * w - 1, true);
        }
        u = v;
    }
    gpv_buf_puts(out, "|\n");
}

void
gpv_draw_layout(struct gpv_buf *out, const struct gpv_gpu *gpu, const struct gpv_mig_layout *l,
                const struct gpv_draw *d)
{
    const struct gpv_mig *mig = gpu->mig;
    int owner[GPV_MIG_MAX_UNITS];
    int u, i, w;
    const char *indent = indent_of(d);

    if (!mig)
        return;
    w = d && d->unit_width > 0 ? d->unit_width : gpv_draw_unit_width(gpu, l, d);
    for (u = 0; u < mig->units; u++)
        owner[u] = -1;
    for (i = 0; i < l->n && i < GPV_MIG_MAX_INSTANCES; i++) {
        const struct gpv_mig_instance *in = &l->inst[i];

        if (in->profile < 0 || (size_t)in->profile >= mig->nprofiles)
            continue;
        for (u = in->start; u < in->start + mig->profiles[in->profile].size; u++)
            if (u >= 0 && u < mig->units)
                owner[u] = i;
    }
    if (d && d->numbers)
        gpv_draw_numbers(out, mig->units, w, indent);
    draw_row(out, mig, l, owner, w, indent, NULL);
    if (d && d->labels)
        draw_row(out, mig, l, owner, w, indent, d->labels);
}
