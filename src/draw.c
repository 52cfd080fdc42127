/* Text drawings of MIG layouts (src/draw.h). */
#include "draw.h"

#include "gpuvplan/width.h"

#include <stdio.h>
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

bool
gpv_draw_fits(int units, const char *indent, int max_cols)
{
    if (max_cols <= 0)
        max_cols = 80;
    return units >= 1 &&
           (max_cols - (int)gpv_width(indent ? indent : "") - 1) / units >= MIN_UNIT_WIDTH;
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
        if (d && d->labels && d->labels[i] && need(gpv_width(d->labels[i]), size) > w)
            w = need(gpv_width(d->labels[i]), size);
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
    for (u = 0; u < units; u++) /* "%-*d", the last one "%d": plan tables draw thousands */
        gpv_buf_put_int(out, u, u + 1 < units ? -unit_width : 0);
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
    len = gpv_width(label);
    if ((int)len <= width) {
        gpv_buf_puts(out, label);
        gpv_buf_pad(out, width - (int)len);
    } else {
        size_t used, n = gpv_width_prefix(label, (size_t)(width >= 2 ? width - 1 : width), &used);

        gpv_buf_put(out, label, n);
        gpv_buf_pad(out, (width >= 2 ? width - 1 : width) - (int)used);
        if (width >= 2)
            gpv_buf_putc(out, '~');
    }
}

/* Fills the span of a free run: "free" when it fits, else dots. */
static void
put_free(struct gpv_buf *out, int width, bool blank)
{
    int i;

    if (blank || width >= 4) {
        gpv_buf_put_left(out, blank ? "" : "free", width);
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

/* Whether profile name fits a span of width columns once it has lost its "gb". */
static bool
profile_fits(const char *name, int width)
{
    size_t len = strlen(name);

    return (int)(strstr(name, "gb") ? len - 2 : len) <= width;
}

/*
 * The list form of l, for a grid too wide for its line: one line per instance and per free
 * run, in grid order, with the tenant when d->labels.
 */
static void
draw_list(struct gpv_buf *out, const struct gpv_mig *mig, const int *owner,
          const struct gpv_mig_layout *l, const struct gpv_draw *d, const char *indent)
{
    int u = 0, v, i, pw = 7;

    for (i = 0; i < l->n && i < GPV_MIG_MAX_INSTANCES; i++)
        if (l->inst[i].profile >= 0 && (size_t)l->inst[i].profile < mig->nprofiles &&
            (int)strlen(mig->profiles[l->inst[i].profile].name) > pw)
            pw = (int)strlen(mig->profiles[l->inst[i].profile].name);
    if (d && d->labels)
        gpv_buf_printf(out, "%s%-5s  %-4s  %-*s  %s\n", indent, "START", "SIZE", pw, "PROFILE",
                       "TENANT");
    else
        gpv_buf_printf(out, "%s%-5s  %-4s  %s\n", indent, "START", "SIZE", "PROFILE");
    while (u < mig->units) {
        i = owner[u];
        for (v = u; v < mig->units && owner[v] == i; v++)
            ;
        if (i < 0 || !d || !d->labels || !d->labels[i] || !*d->labels[i])
            gpv_buf_printf(out, "%s%-5d  %-4d  %s\n", indent, u, v - u,
                           i < 0 ? "free" : mig->profiles[l->inst[i].profile].name);
        else
            gpv_buf_printf(out, "%s%-5d  %-4d  %-*s  %s\n", indent, u, v - u, pw,
                           mig->profiles[l->inst[i].profile].name, d->labels[i]);
        u = v;
    }
}

void
gpv_draw_layout(struct gpv_buf *out, const struct gpv_gpu *gpu, const struct gpv_mig_layout *l,
                const struct gpv_draw *d)
{
    const struct gpv_mig *mig = gpu->mig;
    int owner[GPV_MIG_MAX_UNITS], key_of[GPV_MIG_MAX_INSTANCES];
    const char *shown[GPV_MIG_MAX_INSTANCES] = {0};
    char keys[GPV_MIG_MAX_INSTANCES][16];
    int u, i, j, w, nkeys = 0, n;
    const char *indent = indent_of(d);

    if (!mig)
        return;
    /* Keys are decided at the widest grid the line allows, then the grid narrows to what
     * the profile names and the labels shown need. */
    w = d && d->unit_width > 0 ? d->unit_width
                               : gpv_draw_max_unit_width(mig->units, indent, d ? d->max_cols : 0);
    for (u = 0; u < mig->units; u++)
        owner[u] = -1;
    n = l->n < GPV_MIG_MAX_INSTANCES ? l->n : GPV_MIG_MAX_INSTANCES;
    for (i = 0; i < n; i++) {
        const struct gpv_mig_instance *in = &l->inst[i];

        if (in->profile < 0 || (size_t)in->profile >= mig->nprofiles)
            continue;
        for (u = in->start; u < in->start + mig->profiles[in->profile].size; u++)
            if (u >= 0 && u < mig->units)
                owner[u] = i;
    }
    if (!gpv_draw_fits(mig->units, indent, d ? d->max_cols : 0) || w < MIN_UNIT_WIDTH) {
        draw_list(out, mig, owner, l, d, indent);
        return;
    }
    /* A tenant name longer than its span is shown as a key, "[1]", and written out in full
     * under the grid; the same name gets the same key. */
    for (i = 0; d && d->labels && i < n; i++) {
        int span;

        shown[i] = d->labels[i];
        key_of[i] = -1;
        if (!shown[i] || l->inst[i].profile < 0 || (size_t)l->inst[i].profile >= mig->nprofiles)
            continue;
        span = mig->profiles[l->inst[i].profile].size * w - 1;
        if ((int)gpv_width(shown[i]) <= span)
            continue;
        for (j = 0; j < i; j++)
            if (key_of[j] >= 0 && !strcmp(d->labels[j], d->labels[i]))
                break;
        key_of[i] = j < i ? key_of[j] : nkeys++;
        snprintf(keys[i], sizeof(keys[i]), "[%d]", key_of[i] + 1);
        if ((int)strlen(keys[i]) > span) {
            draw_list(out, mig, owner, l, d, indent);
            return;
        }
        shown[i] = keys[i];
    }
    if (!d || d->unit_width <= 0) {
        struct gpv_draw narrow;

        memset(&narrow, 0, sizeof(narrow));
        if (d)
            narrow = *d;
        narrow.labels = d && d->labels ? shown : NULL;
        w = gpv_draw_unit_width(gpu, l, &narrow);
    }
    /* A profile cut short says nothing: such a grid is a list. */
    for (i = 0; i < n; i++)
        if (l->inst[i].profile >= 0 && (size_t)l->inst[i].profile < mig->nprofiles &&
            !profile_fits(mig->profiles[l->inst[i].profile].name,
                          mig->profiles[l->inst[i].profile].size * w - 1)) {
            draw_list(out, mig, owner, l, d, indent);
            return;
        }
    if (d && d->numbers)
        gpv_draw_numbers(out, mig->units, w, indent);
    draw_row(out, mig, l, owner, w, indent, NULL);
    if (d && d->labels)
        draw_row(out, mig, l, owner, w, indent, shown);
    for (j = 0; j < nkeys; j++)
        for (i = 0; i < n; i++)
            if (key_of[i] == j) {
                gpv_buf_printf(out, "%s%s %s\n", indent, keys[i], d->labels[i]);
                break;
            }
}
