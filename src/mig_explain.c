/*
 * Why MIG counts do not fit a GPU, and what is wrong with a given layout: the reasons of
 * gpv_mig_explain() and gpv_mig_check_layout(), diagnosed in a fixed order (docs/mig.md).
 */
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "mig_int.h"

#include <string.h>

static void
reason_init(struct gpv_mig_reason *r, enum gpv_mig_reason_kind kind)
{
    r->kind = kind;
    r->profile = -1;
    r->count = -1;
    r->limit = -1;
    r->constraint = -1;
    r->involved = 0;
    r->units_needed = -1;
    r->instance = -1;
    r->other = -1;
    r->placed.n = 0;
}

/* Appends r when there is room; counts it either way. */
static void
add_reason(struct gpv_mig_reason *out, int cap, int *n, const struct gpv_mig_reason *r)
{
    if (*n < cap)
        out[*n] = *r;
    (*n)++;
}

/* TOO_NEW, OVER_MAX and CONSTRAINT reasons of counts (all >= 0). */
static void
rule_reasons(struct gpv_mig_reason *out, int cap, int *n, const struct gpv_gpu *gpu,
             const int *counts, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    struct gpv_mig_reason r;
    uint64_t used = mig_used_set(mig, counts);
    size_t i;

    for (i = 0; i < mig->nprofiles; i++) {
        if (counts[i] > 0 && !gpv_mig_profile_available(gpu, (int)i, driver)) {
            reason_init(&r, GPV_MIG_R_TOO_NEW);
            r.profile = (int)i;
            r.count = counts[i];
            r.limit = mig->profiles[i].since_driver;
            add_reason(out, cap, n, &r);
        }
    }
    for (i = 0; i < mig->nprofiles; i++) {
        if (counts[i] > mig->profiles[i].max) {
            reason_init(&r, GPV_MIG_R_OVER_MAX);
            r.profile = (int)i;
            r.count = counts[i];
            r.limit = mig->profiles[i].max;
            add_reason(out, cap, n, &r);
        }
    }
    for (i = 0; i < mig->nconstraints; i++) {
        const struct gpv_mig_constraint *c = &mig->constraints[i];

        if (!gpv_mig_constraint_applies(c, driver) ||
            !mig_constraint_violated(mig, c, counts, used))
            continue;
        reason_init(&r, GPV_MIG_R_CONSTRAINT);
        r.constraint = (int)i;
        r.involved = used & (c->a | c->b);
        r.count = mig_set_count(mig, counts, r.involved);
        r.limit = c->kind == GPV_CONSTRAINT_MAX ? c->max : -1;
        add_reason(out, cap, n, &r);
    }
}

/* Diagnosis order: larger first, then fewer starts, then index. */
static bool
diag_before(const struct gpv_mig *mig, int a, int b)
{
    const struct gpv_mig_profile *pa = &mig->profiles[a], *pb = &mig->profiles[b];

    if (pa->size != pb->size)
        return pa->size > pb->size;
    if (pa->nstarts != pb->nstarts)
        return pa->nstarts < pb->nstarts;
    return a < b;
}

int
gpv_mig_explain(struct gpv_mig_reason *out, int cap, const struct gpv_gpu *gpu, const int *counts,
                int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    int capped[GPV_MIG_MAX_PROFILES] = {0}, acc[GPV_MIG_MAX_PROFILES] = {0};
    int order[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r;
    int n = 0, norder = 0, i, j, k, units_needed = 0;
    size_t p;

    if (!mig)
        return 0;
    for (p = 0; p < mig->nprofiles; p++) {
        if (counts[p] < 0) {
            reason_init(&r, GPV_MIG_R_UNKNOWN);
            r.profile = (int)p;
            r.count = counts[p];
            add_reason(out, cap, &n, &r);
        }
    }
    if (n)
        return n;
    rule_reasons(out, cap, &n, gpu, counts, driver);
    for (p = 0; p < mig->nprofiles; p++) {
        capped[p] = counts[p] < mig->profiles[p].max ? counts[p] : mig->profiles[p].max;
        acc[p] = 0;
        units_needed += capped[p] * mig->profiles[p].size;
        if (capped[p] > 0) {
            for (j = norder; j > 0 && diag_before(mig, (int)p, order[j - 1]); j--)
                order[j] = order[j - 1];
            order[j] = (int)p;
            norder++;
        }
    }
    if (mig_fit(NULL, mig, capped, NULL))
        return n;
    for (i = 0; i < norder; i++) {
        int q = order[i];
        uint64_t before = mig_used_set(mig, acc);

        /* The most instances of q that fit beside the larger ones taken so far. */
        for (k = capped[q]; k > 0; k--) {
            acc[q] = k;
            if (mig_fit(NULL, mig, acc, NULL))
                break;
        }
        acc[q] = k;
        if (k == capped[q])
            continue;
        reason_init(&r, GPV_MIG_R_NO_PLACEMENT);
        r.profile = q;
        r.count = capped[q];
        r.limit = k;
        r.involved = before;
        r.units_needed = units_needed;
        if (!mig_fit(&r.placed, mig, acc, NULL))
            GPV_BUG("a count that was just found to fit no longer fits");
        add_reason(out, cap, &n, &r);
    }
    return n;
}

int
gpv_mig_check_layout(struct gpv_mig_reason *out, int cap, const struct gpv_gpu *gpu,
                     const struct gpv_mig_layout *layout, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    int counts[GPV_MIG_MAX_PROFILES];
    bool placed_ok[GPV_MIG_MAX_INSTANCES];
    struct gpv_mig_reason r;
    int n = 0, i, j;

    if (!mig)
        return 0;
    if (layout->n < 0 || layout->n > GPV_MIG_MAX_INSTANCES) {
        reason_init(&r, GPV_MIG_R_OVER_MAX);
        r.count = layout->n;
        r.limit = GPV_MIG_MAX_INSTANCES;
        add_reason(out, cap, &n, &r);
        return n;
    }
    for (i = 0; i < layout->n; i++) {
        const struct gpv_mig_instance *in = &layout->inst[i];
        const struct gpv_mig_profile *pr;

        placed_ok[i] = false;
        if (in->profile < 0 || (size_t)in->profile >= mig->nprofiles) {
            reason_init(&r, GPV_MIG_R_UNKNOWN);
            r.instance = i;
            r.profile = in->profile;
            add_reason(out, cap, &n, &r);
            continue;
        }
        pr = &mig->profiles[in->profile];
        if (in->start < 0 || in->start + pr->size > mig->units) {
            reason_init(&r, GPV_MIG_R_OUT_OF_GRID);
            r.instance = i;
            r.profile = in->profile;
            add_reason(out, cap, &n, &r);
            continue;
        }
        placed_ok[i] = true;
        if (!((pr->start_mask >> in->start) & 1)) {
            reason_init(&r, GPV_MIG_R_BAD_START);
            r.instance = i;
            r.profile = in->profile;
            add_reason(out, cap, &n, &r);
        }
        for (j = 0; j < i; j++) {
            const struct gpv_mig_instance *o = &layout->inst[j];

            if (!placed_ok[j])
                continue;
            if (in->start < o->start + mig->profiles[o->profile].size &&
                o->start < in->start + pr->size) {
                reason_init(&r, GPV_MIG_R_OVERLAP);
                r.instance = i;
                r.other = j;
                r.profile = in->profile;
                add_reason(out, cap, &n, &r);
            }
        }
    }
    gpv_mig_layout_counts(counts, gpu, layout);
    rule_reasons(out, cap, &n, gpu, counts, driver);
    return n;
}
