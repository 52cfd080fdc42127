/*
 * Every valid multiset of a model's MIG profiles enumerated (gpv_mig_enumerate), the order it
 * takes them in, a profile's alternative, and the most instances one GPU runs.
 */
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"

#include <string.h>

struct enumeration {
    const struct gpv_gpu *gpu;
    int driver;
    int order[GPV_MIG_MAX_PROFILES];
    int counts[GPV_MIG_MAX_PROFILES];
    int (*fn)(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal);
    void *ctx;
};

static int
enum_rec(struct enumeration *e, size_t k, bool any)
{
    const struct gpv_mig *mig = e->gpu->mig;
    struct gpv_mig_layout w;
    int p, c, top, rc;
    bool maximal = true;
    size_t q;

    if (k == mig->nprofiles) {
        if (!any)
            return 0;
        if (!gpv_mig_place(&w, e->gpu, e->counts, e->driver))
            GPV_BUG("a multiset whose every prefix was checked does not fit");
        for (q = 0; q < mig->nprofiles && maximal; q++)
            if (gpv_mig_can_add(e->gpu, e->counts, (int)q, e->driver))
                maximal = false;
        return e->fn(e->ctx, e->counts, &w, maximal);
    }
    p = e->order[k];
    /* Rules and geometry are monotone: find the highest valid count, then every lower one is. */
    top = gpv_mig_profile_available(e->gpu, p, e->driver) ? mig->profiles[p].max : 0;
    for (; top > 0; top--) {
        e->counts[p] = top;
        if (gpv_mig_place(NULL, e->gpu, e->counts, e->driver))
            break;
    }
    for (c = top; c >= 0; c--) {
        e->counts[p] = c;
        if ((rc = enum_rec(e, k + 1, any || c > 0)))
            return rc;
    }
    e->counts[p] = 0;
    return 0;
}

/* Enumeration order: size descending, then compute slices descending ("4g.40gb" before
 * "3g.40gb"); equal profiles keep index order. */
static bool
larger(const struct gpv_mig_profile *a, const struct gpv_mig_profile *b)
{
    if (a->size != b->size)
        return a->size > b->size;
    return a->compute_slices > b->compute_slices;
}

int
gpv_mig_enumerate(const struct gpv_gpu *gpu, int driver,
                  int (*fn)(void *ctx, const int *counts, const struct gpv_mig_layout *witness,
                            bool maximal),
                  void *ctx)
{
    struct enumeration e;
    const struct gpv_mig *mig = gpu->mig;
    size_t p;

    if (!mig)
        return 0;
    e.gpu = gpu;
    e.driver = driver;
    e.fn = fn;
    e.ctx = ctx;
    for (p = 0; p < mig->nprofiles; p++)
        e.counts[p] = 0;
    gpv_mig_size_order(e.order, gpu);
    return enum_rec(&e, 0, false);
}

void
gpv_mig_size_order(int *order, const struct gpv_gpu *gpu)
{
    const struct gpv_mig *mig = gpu->mig;
    size_t p;
    int j;

    if (!mig)
        return;
    for (p = 0; p < mig->nprofiles; p++) {
        for (j = (int)p; j > 0 && larger(&mig->profiles[p], &mig->profiles[order[j - 1]]); j--)
            order[j] = order[j - 1];
        order[j] = (int)p;
    }
}

int
gpv_mig_alternative(const struct gpv_gpu *gpu, int p, int count, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    const struct gpv_mig_profile *pp;
    int best = -1;
    size_t i;

    if (!mig || p < 0 || (size_t)p >= mig->nprofiles)
        return -1;
    pp = &mig->profiles[p];
    for (i = 0; i < mig->nprofiles; i++) {
        const struct gpv_mig_profile *q = &mig->profiles[i];

        if ((int)i == p || q->memory_mib < pp->memory_mib || q->media != pp->media ||
            q->max < count || !gpv_mig_profile_available(gpu, (int)i, driver))
            continue;
        if (best < 0 || q->size < mig->profiles[best].size ||
            (q->size == mig->profiles[best].size && q->memory_mib < mig->profiles[best].memory_mib))
            best = (int)i;
    }
    return best;
}

struct most {
    int best;
    int kinds; /* distinct profiles of the witness */
    struct gpv_mig_layout witness;
};

static int
distinct_profiles(const struct gpv_mig_layout *l)
{
    int i, j, n = 0;

    for (i = 0; i < l->n; i++) {
        for (j = 0; j < i; j++)
            if (l->inst[j].profile == l->inst[i].profile)
                break;
        n += j == i;
    }
    return n;
}

static int
most_one(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    struct most *m = ctx;
    int kinds;

    (void)counts;
    if (!maximal || witness->n < m->best)
        return 0;
    kinds = distinct_profiles(witness);
    if (witness->n > m->best || kinds < m->kinds) {
        m->best = witness->n;
        m->kinds = kinds;
        m->witness = *witness;
    }
    return 0;
}

int
gpv_mig_most_instances(struct gpv_mig_layout *witness, const struct gpv_gpu *gpu)
{
    struct most m;

    m.best = 0;
    m.kinds = 0;
    m.witness.n = 0;
    if (gpu->mig)
        gpv_mig_enumerate(gpu, 0, most_one, &m);
    if (witness)
        *witness = m.witness;
    return m.best;
}
