#include "gpuvplan/mig_text.h"

#include <stdlib.h>

#define MAX_REASONS 32 /* reasons on the stack; more are allocated */

void
gpv_mig_text_starts(struct gpv_buf *out, const struct gpv_mig_profile *p, const char *last_sep)
{
    int i;

    for (i = 0; i < p->nstarts; i++)
        gpv_buf_printf(out, "%s%d",
                       i == 0                ? ""
                       : i + 1 == p->nstarts ? last_sep
                                             : ", ",
                       p->starts[i]);
}

void
gpv_mig_text_units(struct gpv_buf *out, int start, int size)
{
    if (size == 1)
        gpv_buf_printf(out, "%d", start);
    else
        gpv_buf_printf(out, "%d-%d", start, start + size - 1);
}

void
gpv_mig_text_driver(struct gpv_buf *out, int driver)
{
    if (driver)
        gpv_buf_printf(out, "driver R%d", driver);
    else
        gpv_buf_puts(out, "the newest driver");
}

/* "a, b and c" over the profiles of set. */
static void
put_names(struct gpv_buf *b, const struct gpv_mig *mig, uint64_t set, const char *last_sep)
{
    size_t i, n = 0, total = 0;

    for (i = 0; i < mig->nprofiles; i++)
        total += (set >> i) & 1;
    for (i = 0; i < mig->nprofiles; i++) {
        if (!((set >> i) & 1))
            continue;
        gpv_buf_printf(b, "%s%s",
                       n == 0           ? ""
                       : n + 1 == total ? last_sep
                                        : ", ",
                       mig->profiles[i].name);
        n++;
    }
}

static void
over_max(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_mig_reason *r, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    const struct gpv_mig_profile *p;
    int alt;

    if (r->profile < 0 || (size_t)r->profile >= mig->nprofiles) {
        gpv_buf_printf(b, "%d instances, more than a GPU can hold", r->count);
        return;
    }
    p = &mig->profiles[r->profile];
    gpv_buf_printf(b, "%d x %s asked, but a GPU holds at most %d (%s may start at unit%s ",
                   r->count, p->name, r->limit, p->name, p->nstarts == 1 ? "" : "s");
    gpv_mig_text_starts(b, p, " or ");
    gpv_buf_puts(b, ")");
    if ((alt = gpv_mig_alternative(gpu, r->profile, r->count, driver)) >= 0)
        gpv_buf_printf(b, "; %s has as much memory and allows %d", mig->profiles[alt].name,
                       mig->profiles[alt].max);
}

static void
constraint(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_mig_reason *r, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    const struct gpv_mig_constraint *c = &mig->constraints[r->constraint];

    if (c->kind == GPV_CONSTRAINT_MAX) {
        gpv_buf_printf(b, "at most %d in total of ", c->max);
        put_names(b, mig, c->a, " and ");
        gpv_buf_printf(b, " per GPU, %d asked", r->count);
    } else {
        put_names(b, mig, r->involved & c->a, " and ");
        gpv_buf_puts(b, " cannot share a GPU with ");
        put_names(b, mig, r->involved & c->b, " or ");
    }
    if (c->before_driver) {
        gpv_buf_puts(b, " on ");
        gpv_mig_text_driver(b, driver);
        gpv_buf_printf(b, " (before R%d)", c->before_driver);
    }
    gpv_buf_printf(b, ": %s", c->reason);
}

/* The larger instances, grouped by profile: "3g.40gb x2 take units 0-3 and 4-7", then where
 * the profile may start and how many of it fit. */
static void
no_placement(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_mig_reason *r)
{
    const struct gpv_mig *mig = gpu->mig;
    const struct gpv_mig_profile *p = &mig->profiles[r->profile];
    bool first = true;
    int i, j, k;

    for (i = 0; i < r->placed.n; i++) {
        int q = r->placed.inst[i].profile, n = 0, m = 0;

        if (q == r->profile)
            continue;
        for (j = 0; j < i; j++)
            if (r->placed.inst[j].profile == q)
                break;
        if (j < i)
            continue;
        for (j = 0; j < r->placed.n; j++)
            n += r->placed.inst[j].profile == q;
        gpv_buf_printf(b, "%s%s", first ? "" : "; ", mig->profiles[q].name);
        if (n > 1)
            gpv_buf_printf(b, " x%d take units ", n);
        else
            gpv_buf_puts(b, " takes units ");
        for (j = 0; j < r->placed.n; j++) {
            if (r->placed.inst[j].profile != q)
                continue;
            m++;
            gpv_buf_puts(b, m == 1 ? "" : m == n ? " and " : ", ");
            gpv_mig_text_units(b, r->placed.inst[j].start, mig->profiles[q].size);
        }
        first = false;
    }
    gpv_buf_printf(b, "%s%s may start at ", first ? "" : "; ", p->name);
    gpv_mig_text_starts(b, p, " or ");
    if (r->limit == 0 && r->count == 1)
        gpv_buf_puts(b, "; it does not fit");
    else if (r->limit == 0)
        gpv_buf_printf(b, "; none of the %d fits", r->count);
    else
        gpv_buf_printf(b, "; only %d of the %d fit%s", r->limit, r->count,
                       r->limit == 1 ? "s" : "");
    if (r->limit > 0) {
        gpv_buf_printf(b, " (at unit%s ", r->limit == 1 ? "" : "s");
        for (j = 0, k = 0; j < r->placed.n; j++) {
            if (r->placed.inst[j].profile != r->profile)
                continue;
            k++;
            gpv_buf_printf(b, "%s%d",
                           k == 1          ? ""
                           : k == r->limit ? " and "
                                           : ", ",
                           r->placed.inst[j].start);
        }
        gpv_buf_puts(b, ")");
    }
    if (r->units_needed > mig->units)
        gpv_buf_printf(b, "; the request needs %d units, the grid has %d", r->units_needed,
                       mig->units);
}

/* "instance 2 (3g.40gb at 4)" */
static void
put_instance(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_mig_layout *l, int i)
{
    int p = l->inst[i].profile;

    if (p >= 0 && (size_t)p < gpu->mig->nprofiles)
        gpv_buf_printf(b, "instance %d (%s at %d)", i, gpu->mig->profiles[p].name,
                       l->inst[i].start);
    else
        gpv_buf_printf(b, "instance %d", i);
}

void
gpv_mig_text_reason(struct gpv_buf *out, const struct gpv_gpu *gpu,
                    const struct gpv_mig_layout *layout, const struct gpv_mig_reason *r, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    bool known = r->profile >= 0 && (size_t)r->profile < mig->nprofiles;
    bool at = layout && r->instance >= 0 && r->instance < layout->n;

    switch (r->kind) {
    case GPV_MIG_R_OVER_MAX:
        over_max(out, gpu, r, driver);
        return;
    case GPV_MIG_R_TOO_NEW:
        if (!known)
            break;
        gpv_buf_printf(out, "%s needs driver R%d or newer (this is ",
                       mig->profiles[r->profile].name, r->limit);
        gpv_mig_text_driver(out, driver);
        gpv_buf_puts(out, ")");
        return;
    case GPV_MIG_R_CONSTRAINT:
        if (r->constraint < 0 || (size_t)r->constraint >= mig->nconstraints)
            break;
        constraint(out, gpu, r, driver);
        return;
    case GPV_MIG_R_NO_PLACEMENT:
        if (!known)
            break;
        no_placement(out, gpu, r);
        return;
    case GPV_MIG_R_UNKNOWN:
        if (at)
            gpv_buf_printf(out, "instance %d names no MIG profile of %s", r->instance, gpu->id);
        else
            gpv_buf_printf(out, "%d instances of an unknown profile of %s", r->count, gpu->id);
        return;
    case GPV_MIG_R_OUT_OF_GRID:
        if (!at || !known)
            break;
        put_instance(out, gpu, layout, r->instance);
        gpv_buf_printf(out, " runs outside the %d-unit grid", mig->units);
        return;
    case GPV_MIG_R_BAD_START:
        if (!at || !known)
            break;
        gpv_buf_printf(out, "instance %d: %s may not start at %d (allowed: ", r->instance,
                       mig->profiles[r->profile].name, layout->inst[r->instance].start);
        gpv_mig_text_starts(out, &mig->profiles[r->profile], ", ");
        gpv_buf_puts(out, ")");
        return;
    case GPV_MIG_R_OVERLAP:
        if (!at || r->other < 0 || r->other >= layout->n)
            break;
        if (!known || layout->inst[r->other].profile < 0 ||
            (size_t)layout->inst[r->other].profile >= mig->nprofiles)
            break;
        gpv_buf_printf(out, "instances %d (%s at %d) and %d (%s at %d) overlap", r->other,
                       mig->profiles[layout->inst[r->other].profile].name,
                       layout->inst[r->other].start, r->instance, mig->profiles[r->profile].name,
                       layout->inst[r->instance].start);
        return;
    }
    /* A reason whose indexes do not fit this model: say what kind it is rather than guess. */
    gpv_buf_puts(out, gpv_mig_reason_kind_name(r->kind));
}

/* The reasons of gpv_mig_check_layout() for layout, or of gpv_mig_explain() for counts. */
static int
reasons(struct gpv_mig_reason *out, int cap, const struct gpv_gpu *gpu, const int *counts,
        const struct gpv_mig_layout *layout, int driver)
{
    if (layout)
        return gpv_mig_check_layout(out, cap, gpu, layout, driver);
    return gpv_mig_explain(out, cap, gpu, counts, driver);
}

/* Words every reason about counts or layout, joined by sep; returns how many there are. */
static int
word_all(struct gpv_buf *out, const struct gpv_gpu *gpu, const int *counts,
         const struct gpv_mig_layout *layout, int driver, const char *sep)
{
    struct gpv_mig_reason stack[MAX_REASONS], *rs = stack, *heap = NULL;
    int n = reasons(rs, MAX_REASONS, gpu, counts, layout, driver), i;

    if (n > MAX_REASONS) {
        rs = heap = xcalloc((size_t)n, sizeof(*rs));
        n = reasons(rs, n, gpu, counts, layout, driver);
    }
    for (i = 0; i < n; i++) {
        gpv_buf_puts(out, i ? sep : "");
        gpv_mig_text_reason(out, gpu, layout, &rs[i], driver);
    }
    free(heap);
    return n;
}

int
gpv_mig_text_reasons(struct gpv_buf *out, const struct gpv_gpu *gpu, const int *counts, int driver,
                     const char *sep)
{
    return word_all(out, gpu, counts, NULL, driver, sep);
}

int
gpv_mig_text_layout_reasons(struct gpv_buf *out, const struct gpv_gpu *gpu,
                            const struct gpv_mig_layout *layout, int driver, const char *sep)
{
    return word_all(out, gpu, NULL, layout, driver, sep);
}
