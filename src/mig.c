/*
 * The MIG geometry engine (include/gpuvplan/mig.h; docs/mig.md explains the algorithm).
 *
 * The placement search scans the grid from unit 0 upwards. At each unit not yet covered it
 * either starts an instance there (any shape with instances left whose allowed starts include
 * the unit and whose span is free) or leaves the unit empty. Every set of disjoint intervals is
 * reached this way (sort it by start), so the search is exact. Two prunings keep it small:
 *   - slack: the free units minus the units the instances need. Leaving a unit empty spends one;
 *     at zero, every remaining free unit must be covered.
 *   - shapes: profiles with the same size and allowed starts (1g.10gb and 1g.10gb+me) are one
 *     shape; the search places shapes, then hands the starts to the profiles in index order.
 *     That removes the permutations of interchangeable instances.
 *
 * The reasons counts do not fit are in mig_explain.c, the enumeration in mig_enum.c.
 */
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "mig_int.h"

#include <string.h>

/* Profiles with the same size and allowed starts: placed as one kind of instance. */
struct shape {
    int size;
    uint64_t starts; /* bit s: may start at unit s */
    uint64_t span;   /* size low bits set */
    int left;        /* instances still to place */
};

struct search {
    int units;
    int nshapes;
    struct shape shape[GPV_MIG_MAX_PROFILES];
    uint64_t occ; /* units covered (fixed instances and instances placed so far) */
    int nplaced;
    int placed_shape[GPV_MIG_MAX_INSTANCES];
    int placed_start[GPV_MIG_MAX_INSTANCES];
};

static int
popcount64(uint64_t x)
{
    int n = 0;

    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

static uint64_t
span_mask(int size)
{
    return size >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << size) - 1;
}

const char *
gpv_mig_reason_kind_name(enum gpv_mig_reason_kind kind)
{
    switch (kind) {
    case GPV_MIG_R_UNKNOWN:
        return "unknown-profile";
    case GPV_MIG_R_OVER_MAX:
        return "over-max";
    case GPV_MIG_R_CONSTRAINT:
        return "constraint";
    case GPV_MIG_R_TOO_NEW:
        return "too-new";
    case GPV_MIG_R_NO_PLACEMENT:
        return "no-placement";
    case GPV_MIG_R_OUT_OF_GRID:
        return "out-of-grid";
    case GPV_MIG_R_BAD_START:
        return "bad-start";
    case GPV_MIG_R_OVERLAP:
        return "overlap";
    }
    return "unknown";
}

bool
gpv_mig_parse_driver(int *out, const char *s)
{
    int v = 0, digits = 0;

    if (!s)
        return false;
    if (*s == 'R' || *s == 'r')
        s++;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 4)
            return false;
        v = v * 10 + (*s++ - '0');
    }
    if (!digits || v < 1)
        return false;
    /* "535.183.01": the branch is the part before the first dot; the rest must look like one. */
    if (*s == '.') {
        for (s++; *s; s++)
            if (!((*s >= '0' && *s <= '9') || (*s == '.' && s[-1] != '.')))
                return false;
        if (s[-1] == '.')
            return false;
    } else if (*s) {
        return false;
    }
    *out = v;
    return true;
}

bool
gpv_mig_profile_available(const struct gpv_gpu *gpu, int p, int driver)
{
    const struct gpv_mig_profile *pr;

    if (!gpu->mig || p < 0 || (size_t)p >= gpu->mig->nprofiles)
        return false;
    pr = &gpu->mig->profiles[p];
    return driver == 0 || pr->since_driver == 0 || driver >= pr->since_driver;
}

bool
gpv_mig_constraint_applies(const struct gpv_mig_constraint *c, int driver)
{
    return c->before_driver == 0 || (driver != 0 && driver < c->before_driver);
}

/* Total instances among the profiles of set. */
int
mig_set_count(const struct gpv_mig *mig, const int *counts, uint64_t set)
{
    size_t i;
    int n = 0;

    for (i = 0; i < mig->nprofiles; i++)
        if ((set >> i) & 1)
            n += counts[i];
    return n;
}

uint64_t
mig_used_set(const struct gpv_mig *mig, const int *counts)
{
    uint64_t used = 0;
    size_t i;

    for (i = 0; i < mig->nprofiles; i++)
        if (counts[i] > 0)
            used |= (uint64_t)1 << i;
    return used;
}

bool
mig_constraint_violated(const struct gpv_mig *mig, const struct gpv_mig_constraint *c,
                        const int *counts, uint64_t used)
{
    if (c->kind == GPV_CONSTRAINT_MAX)
        return mig_set_count(mig, counts, c->a) > c->max;
    return (used & c->a) && (used & c->b);
}

/* Every rule except the geometry: counts >= 0 and within max, driver, constraints. */
static bool
rules_hold(const struct gpv_gpu *gpu, const int *counts, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    uint64_t used;
    size_t i;

    for (i = 0; i < mig->nprofiles; i++) {
        if (counts[i] < 0 || counts[i] > mig->profiles[i].max)
            return false;
        if (counts[i] && !gpv_mig_profile_available(gpu, (int)i, driver))
            return false;
    }
    used = mig_used_set(mig, counts);
    for (i = 0; i < mig->nconstraints; i++)
        if (gpv_mig_constraint_applies(&mig->constraints[i], driver) &&
            mig_constraint_violated(mig, &mig->constraints[i], counts, used))
            return false;
    return true;
}

/* Tries shapes in this order at each unit: larger first, then fewer starts (more constrained). */
static bool
shape_before(const struct shape *a, const struct shape *b)
{
    if (a->size != b->size)
        return a->size > b->size;
    return popcount64(a->starts) < popcount64(b->starts);
}

static bool
dfs(struct search *s, int u, int slack, int remaining)
{
    int i;

    while (u < s->units && ((s->occ >> u) & 1))
        u++;
    if (remaining == 0)
        return true;
    if (u >= s->units)
        return false;
    /* Each shape needs as many allowed starts at or after u as it has instances left. */
    for (i = 0; i < s->nshapes; i++)
        if (s->shape[i].left && popcount64(s->shape[i].starts >> u) < s->shape[i].left)
            return false;
    for (i = 0; i < s->nshapes; i++) {
        struct shape *sh = &s->shape[i];
        uint64_t m;

        if (!sh->left || !((sh->starts >> u) & 1) || u + sh->size > s->units)
            continue;
        m = sh->span << u;
        if (s->occ & m)
            continue;
        s->occ |= m;
        sh->left--;
        s->placed_shape[s->nplaced] = i;
        s->placed_start[s->nplaced] = u;
        s->nplaced++;
        if (dfs(s, u + sh->size, slack, remaining - 1))
            return true;
        s->nplaced--;
        sh->left++;
        s->occ &= ~m;
    }
    return slack > 0 && dfs(s, u + 1, slack - 1, remaining);
}

static void
sort_layout(struct gpv_mig_layout *l)
{
    int i, j;

    for (i = 1; i < l->n; i++) {
        struct gpv_mig_instance x = l->inst[i];

        for (j = i;
             j > 0 && (l->inst[j - 1].start > x.start ||
                       (l->inst[j - 1].start == x.start && l->inst[j - 1].profile > x.profile));
             j--)
            l->inst[j] = l->inst[j - 1];
        l->inst[j] = x;
    }
}

/*
 * The geometry alone: can counts be placed around the instances of fixed (NULL: none), which
 * must be in the grid, at allowed starts and disjoint? Fills *out (if not NULL) with fixed plus
 * the new instances, sorted by start.
 */
bool
mig_fit(struct gpv_mig_layout *out, const struct gpv_mig *mig, const int *counts,
        const struct gpv_mig_layout *fixed)
{
    struct search s;
    int shape_of[GPV_MIG_MAX_PROFILES];
    int left[GPV_MIG_MAX_PROFILES];
    int i, k, demand = 0, remaining = 0, free_units;
    size_t p;

    /* The arrays above and the 64-bit occupancy masks are sized by these limits of db.h. */
    GPV_ASSERT(mig->nprofiles <= GPV_MIG_MAX_PROFILES && mig->units <= GPV_MIG_MAX_UNITS);
    s.units = mig->units;
    s.nshapes = 0;
    s.occ = 0;
    s.nplaced = 0;
    if (fixed)
        for (i = 0; i < fixed->n; i++)
            s.occ |= span_mask(mig->profiles[fixed->inst[i].profile].size) << fixed->inst[i].start;
    for (p = 0; p < mig->nprofiles; p++) {
        const struct gpv_mig_profile *pr = &mig->profiles[p];
        struct shape *sh = NULL;

        shape_of[p] = -1;
        if (counts[p] <= 0)
            continue;
        demand += pr->size * counts[p];
        remaining += counts[p];
        for (k = 0; k < s.nshapes; k++)
            if (s.shape[k].size == pr->size && s.shape[k].starts == pr->start_mask)
                break;
        if (k == s.nshapes) {
            /* Insert in trying order, keeping shape_of[] of the profiles seen so far right. */
            struct shape n = {pr->size, pr->start_mask, span_mask(pr->size), 0};
            size_t q;

            for (k = s.nshapes; k > 0 && shape_before(&n, &s.shape[k - 1]); k--)
                s.shape[k] = s.shape[k - 1];
            s.shape[k] = n;
            s.nshapes++;
            for (q = 0; q < p; q++)
                if (shape_of[q] >= k)
                    shape_of[q]++;
        }
        sh = &s.shape[k];
        sh->left += counts[p];
        shape_of[p] = k;
    }
    free_units = mig->units - popcount64(s.occ);
    if (demand > free_units || !dfs(&s, 0, free_units - demand, remaining))
        return false;
    if (!out)
        return true;
    out->n = 0;
    if (fixed)
        for (i = 0; i < fixed->n; i++)
            out->inst[out->n++] = fixed->inst[i];
    /* Hand each shape's starts, left to right, to its profiles in index order. */
    for (p = 0; p < mig->nprofiles; p++)
        left[p] = counts[p] > 0 ? counts[p] : 0;
    for (i = 0; i < s.nplaced; i++) {
        out->inst[out->n].start = s.placed_start[i];
        out->inst[out->n].profile = -1;
        out->n++;
    }
    sort_layout(out);
    for (i = 0; i < out->n; i++) {
        if (out->inst[i].profile >= 0)
            continue;
        for (k = 0; k < s.nplaced; k++)
            if (s.placed_start[k] == out->inst[i].start)
                break;
        for (p = 0; p < mig->nprofiles; p++)
            if (shape_of[p] == s.placed_shape[k] && left[p] > 0)
                break;
        left[p]--;
        out->inst[i].profile = (int)p;
    }
    return true;
}

bool
gpv_mig_place(struct gpv_mig_layout *out, const struct gpv_gpu *gpu, const int *counts, int driver)
{
    if (!gpu->mig || !rules_hold(gpu, counts, driver))
        return false;
    return mig_fit(out, gpu->mig, counts, NULL);
}

/* Geometry of one instance: known profile, inside the grid, at an allowed start. */
static bool
instance_ok(const struct gpv_mig *mig, const struct gpv_mig_instance *in)
{
    const struct gpv_mig_profile *pr;

    if (in->profile < 0 || (size_t)in->profile >= mig->nprofiles)
        return false;
    pr = &mig->profiles[in->profile];
    return in->start >= 0 && in->start + pr->size <= mig->units &&
           ((pr->start_mask >> in->start) & 1);
}

bool
gpv_mig_place_fixed(struct gpv_mig_layout *out, const struct gpv_gpu *gpu,
                    const struct gpv_mig_layout *fixed, const int *extra, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    int counts[GPV_MIG_MAX_PROFILES];
    uint64_t occ = 0, m;
    size_t p;
    int i;

    if (!mig || fixed->n < 0 || fixed->n > GPV_MIG_MAX_INSTANCES)
        return false;
    for (p = 0; p < mig->nprofiles; p++)
        counts[p] = 0;
    for (i = 0; i < fixed->n; i++) {
        if (!instance_ok(mig, &fixed->inst[i]))
            return false;
        m = span_mask(mig->profiles[fixed->inst[i].profile].size) << fixed->inst[i].start;
        if (occ & m)
            return false;
        occ |= m;
        counts[fixed->inst[i].profile]++;
    }
    if (extra)
        for (p = 0; p < mig->nprofiles; p++) {
            if (extra[p] < 0)
                return false;
            counts[p] += extra[p];
        }
    if (!rules_hold(gpu, counts, driver))
        return false;
    if (!extra) {
        if (out) {
            *out = *fixed;
            sort_layout(out);
        }
        return true;
    }
    return mig_fit(out, mig, extra, fixed);
}

bool
gpv_mig_can_add(const struct gpv_gpu *gpu, const int *counts, int p, int driver)
{
    int c[GPV_MIG_MAX_PROFILES];

    if (!gpu->mig || p < 0 || (size_t)p >= gpu->mig->nprofiles)
        return false;
    memcpy(c, counts, gpu->mig->nprofiles * sizeof(*c));
    c[p]++;
    return gpv_mig_place(NULL, gpu, c, driver);
}

int
gpv_mig_max_more(const struct gpv_gpu *gpu, const int *counts, int p, int driver)
{
    int c[GPV_MIG_MAX_PROFILES];
    int k = 0;

    if (!gpu->mig || p < 0 || (size_t)p >= gpu->mig->nprofiles ||
        !gpv_mig_place(NULL, gpu, counts, driver))
        return -1;
    memcpy(c, counts, gpu->mig->nprofiles * sizeof(*c));
    /* Validity is monotone (fewer instances never break a rule), so count up. */
    while (c[p] < gpu->mig->profiles[p].max) {
        c[p]++;
        if (!gpv_mig_place(NULL, gpu, c, driver))
            break;
        k++;
    }
    return k;
}

void
gpv_mig_layout_counts(int *counts, const struct gpv_gpu *gpu, const struct gpv_mig_layout *layout)
{
    size_t p;
    int i;

    if (!gpu->mig)
        return;
    for (p = 0; p < gpu->mig->nprofiles; p++)
        counts[p] = 0;
    for (i = 0; i < layout->n && i < GPV_MIG_MAX_INSTANCES; i++)
        if (layout->inst[i].profile >= 0 && (size_t)layout->inst[i].profile < gpu->mig->nprofiles)
            counts[layout->inst[i].profile]++;
}
