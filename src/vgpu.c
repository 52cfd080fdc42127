/* Time-sliced vGPU rules: equal-size and mixed-size sharing, placement ids, schedulers. */
#include "gpuvplan/vgpu.h"

#include "gpuvplan/util.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound on search nodes in gpv_vgpu_mixed_place(). */
#define MIXED_PLACE_BUDGET 200000L

static const char *const sched_names[] = {"best-effort", "equal-share", "fixed-share"};

const char *
gpv_sched_name(enum gpv_sched s)
{
    if ((unsigned)s < sizeof(sched_names) / sizeof(sched_names[0]))
        return sched_names[s];
    return "?";
}

bool
gpv_sched_parse(enum gpv_sched *out, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(sched_names) / sizeof(sched_names[0]); i++) {
        if (name && !strcmp(name, sched_names[i])) {
            *out = (enum gpv_sched)i;
            return true;
        }
    }
    return false;
}

bool
gpv_vgpu_series_compatible(enum gpv_series a, enum gpv_series b)
{
    /* A, B and Q mix (NVIDIA says so); C is never named, so it stays with its own kind. */
    return (a == GPV_SERIES_C) == (b == GPV_SERIES_C);
}

bool
gpv_vgpu_time_sliced(const struct gpv_vgpu_type *t)
{
    return t->mig_profile < 0;
}

double
gpv_vgpu_share(enum gpv_sched s, const struct gpv_vgpu_type *t, int residents)
{
    switch (s) {
    case GPV_SCHED_EQUAL_SHARE:
        return residents > 0 ? 1.0 / residents : 1.0;
    case GPV_SCHED_FIXED_SHARE:
        return t->max > 0 ? 1.0 / t->max : 0.0;
    case GPV_SCHED_BEST_EFFORT:
    default:
        return 0.0;
    }
}

int
gpv_vgpu_limit(const struct gpv_vgpu_type *t, bool mixed, double compute)
{
    int max = mixed ? t->max_mixed : t->max;
    double n;

    if (max <= 0)
        return 0;
    if (compute <= 0.0)
        return max;
    if (compute > 1.0 + GPV_VGPU_SHARE_EPS)
        return 0;
    if (!mixed && compute <= 1.0 / max + GPV_VGPU_SHARE_EPS)
        return max; /* fixed share covers it whatever the neighbours */
    n = floor(1.0 / compute + GPV_VGPU_SHARE_EPS);
    if (n < 1.0)
        return 0;
    return n < (double)max ? (int)n : max;
}

int
gpv_vgpu_equal_share_cap(double compute)
{
    double n;

    if (compute <= 0.0)
        return INT_MAX;
    if (compute > 1.0 + GPV_VGPU_SHARE_EPS)
        return 0;
    n = floor(1.0 / compute + GPV_VGPU_SHARE_EPS);
    return n >= (double)INT_MAX ? INT_MAX : (int)n;
}

static void
verdict_init(struct gpv_vgpu_verdict *out)
{
    out->ok = true;
    out->sched = GPV_SCHED_BEST_EFFORT;
    out->bad = -1;
    out->other = -1;
    out->reason[0] = '\0';
}

static bool verdict_fail(struct gpv_vgpu_verdict *out, int bad, int other, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static bool
verdict_fail(struct gpv_vgpu_verdict *out, int bad, int other, const char *fmt, ...)
{
    va_list ap;

    out->ok = false;
    out->bad = bad;
    out->other = other;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
    va_end(ap);
    return false;
}

/* Checks that every resident names a type of the model. */
static bool
check_types(struct gpv_vgpu_verdict *out, const struct gpv_gpu *gpu,
            const struct gpv_vgpu_resident *r, size_t n)
{
    size_t i;

    if (!gpu->vgpu)
        return verdict_fail(out, -1, -1, "%s has no vGPU support", gpu->id);
    for (i = 0; i < n; i++) {
        if (r[i].type < 0 || (size_t)r[i].type >= gpu->vgpu->ntypes)
            return verdict_fail(out, (int)i, -1, "vGPU %zu has no type of %s", i + 1, gpu->id);
        if (!gpv_vgpu_time_sliced(&gpu->vgpu->types[r[i].type]))
            return verdict_fail(out, (int)i, -1,
                                "%s is MIG-backed; it sits on a MIG instance, not on a "
                                "time-sliced GPU",
                                gpu->vgpu->types[r[i].type].name);
        if (r[i].compute < 0.0 || r[i].compute > 1.0 + GPV_VGPU_SHARE_EPS)
            return verdict_fail(out, (int)i, -1, "a compute share of %g is not in [0, 1]",
                                r[i].compute);
    }
    return true;
}

bool
gpv_vgpu_scheduler(struct gpv_vgpu_verdict *out, const struct gpv_gpu *gpu, bool mixed,
                   const struct gpv_vgpu_resident *r, size_t n)
{
    const struct gpv_vgpu_type *types;
    bool any = false, fixed_ok = !mixed;
    size_t i;
    int worst = -1;

    verdict_init(out);
    if (!check_types(out, gpu, r, n))
        return false;
    types = gpu->vgpu->types;
    for (i = 0; i < n; i++) {
        if (r[i].compute <= 0.0)
            continue;
        any = true;
        if (r[i].compute > 1.0 / types[r[i].type].max + GPV_VGPU_SHARE_EPS)
            fixed_ok = false;
        if (worst < 0 || r[i].compute > r[worst].compute)
            worst = (int)i;
    }
    if (!any) {
        out->sched = GPV_SCHED_BEST_EFFORT;
        return true;
    }
    if (fixed_ok) {
        out->sched = GPV_SCHED_FIXED_SHARE;
        return true;
    }
    if (r[worst].compute <= 1.0 / (double)n + GPV_VGPU_SHARE_EPS) {
        out->sched = GPV_SCHED_EQUAL_SHARE;
        return true;
    }
    if (mixed)
        return verdict_fail(out, worst, -1,
                            "a %s vGPU needs %.2f of the GPU but equal share gives 1/%zu "
                            "(%.2f) with %zu vGPUs resident, and fixed share is not available "
                            "in mixed-size mode",
                            types[r[worst].type].name, r[worst].compute, n, 1.0 / (double)n, n);
    return verdict_fail(out, worst, -1,
                        "a %s vGPU needs %.2f of the GPU but fixed share gives 1/%d and equal "
                        "share 1/%zu with %zu vGPUs resident",
                        types[r[worst].type].name, r[worst].compute, types[r[worst].type].max, n,
                        n);
}

/* Counts residents of type t. */
static int
count_type(const struct gpv_vgpu_resident *r, size_t n, int t)
{
    size_t i;
    int c = 0;

    for (i = 0; i < n; i++)
        c += r[i].type == t;
    return c;
}

/* The series rule over all pairs, reported against the first resident. */
static bool
check_series(struct gpv_vgpu_verdict *out, const struct gpv_vgpu_type *types,
             const struct gpv_vgpu_resident *r, size_t n)
{
    size_t i;

    for (i = 1; i < n; i++) {
        const struct gpv_vgpu_type *a = &types[r[0].type], *b = &types[r[i].type];

        if (!gpv_vgpu_series_compatible(a->series, b->series))
            return verdict_fail(out, 0, (int)i,
                                "%s (%s-series) and %s (%s-series) may not share a GPU: only "
                                "A-, B- and Q-series vGPUs are documented to mix",
                                a->name, gpv_series_name(a->series), b->name,
                                gpv_series_name(b->series));
    }
    return true;
}

bool
gpv_vgpu_check_equal(struct gpv_vgpu_verdict *out, const struct gpv_gpu *gpu,
                     const struct gpv_vgpu_resident *r, size_t n)
{
    const struct gpv_vgpu_type *types;
    size_t i;

    verdict_init(out);
    if (!check_types(out, gpu, r, n))
        return false;
    if (n == 0)
        return true;
    types = gpu->vgpu->types;
    for (i = 1; i < n; i++) {
        const struct gpv_vgpu_type *a = &types[r[0].type], *b = &types[r[i].type];

        if (a->framebuffer_mib != b->framebuffer_mib)
            return verdict_fail(out, 0, (int)i,
                                "%s (%lld MiB) and %s (%lld MiB) differ in frame buffer; a GPU "
                                "in equal-size mode holds one size",
                                a->name, a->framebuffer_mib, b->name, b->framebuffer_mib);
    }
    if (!check_series(out, types, r, n))
        return false;
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *t = &types[r[i].type];
        int c = count_type(r, n, r[i].type);

        if ((int)n > t->max) {
            if (c == (int)n)
                return verdict_fail(out, (int)i, -1, "%d %s vGPUs, more than its max of %d", c,
                                    t->name, t->max);
            return verdict_fail(out, (int)i, -1,
                                "%zu vGPUs on the GPU, more than the max of %d for %s", n, t->max,
                                t->name);
        }
    }
    return gpv_vgpu_scheduler(out, gpu, false, r, n);
}

int
gpv_vgpu_region_gb(const struct gpv_gpu *gpu)
{
    return (int)llround((double)gpu->memory_mib / 1024.0);
}

static bool
has_placement(const struct gpv_vgpu_type *t, int id)
{
    int i;

    for (i = 0; i < t->nplacements; i++)
        if (t->placements[i] == id)
            return true;
    return false;
}

bool
gpv_vgpu_check_mixed(struct gpv_vgpu_verdict *out, const struct gpv_gpu *gpu,
                     const struct gpv_vgpu_resident *r, size_t n)
{
    const struct gpv_vgpu_type *types;
    int region;
    size_t i, j;

    verdict_init(out);
    if (!check_types(out, gpu, r, n))
        return false;
    if (!gpu->vgpu->mixed_size)
        return verdict_fail(out, -1, -1,
                            "%s does not support mixed-size mode (or no source "
                            "documents it)",
                            gpu->id);
    types = gpu->vgpu->types;
    region = gpv_vgpu_region_gb(gpu);
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *t = &types[r[i].type];
        int c;

        if (t->max_mixed <= 0 || t->nplacements == 0)
            return verdict_fail(out, (int)i, -1, "%s is not offered in mixed-size mode", t->name);
        if (r[i].placement < 0)
            return verdict_fail(out, (int)i, -1, "%s has no placement id", t->name);
        if (!has_placement(t, r[i].placement))
            return verdict_fail(out, (int)i, -1,
                                "placement id %d is not one of the ids allowed for %s",
                                r[i].placement, t->name);
        if (r[i].placement + t->size_gb > region)
            return verdict_fail(out, (int)i, -1, "%s at %d runs past the %d GB frame buffer",
                                t->name, r[i].placement, region);
        c = count_type(r, n, r[i].type);
        if (c > t->max_mixed)
            return verdict_fail(out, (int)i, -1, "%d %s vGPUs, more than its mixed-size max of %d",
                                c, t->name, t->max_mixed);
    }
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *a = &types[r[i].type];

        for (j = i + 1; j < n; j++) {
            const struct gpv_vgpu_type *b = &types[r[j].type];

            if (r[i].placement < r[j].placement + b->size_gb &&
                r[j].placement < r[i].placement + a->size_gb)
                return verdict_fail(out, (int)i, (int)j, "%s at %d GB and %s at %d GB overlap",
                                    a->name, r[i].placement, b->name, r[j].placement);
        }
    }
    if (n && !check_series(out, types, r, n))
        return false;
    return gpv_vgpu_scheduler(out, gpu, true, r, n);
}

bool
gpv_vgpu_region_free(const struct gpv_vgpu_region *reg, int start, int size)
{
    int u;

    if (start < 0 || size <= 0 || start + size > reg->gb || reg->gb > GPV_VGPU_REGION_MAX)
        return false;
    for (u = start; u < start + size; u++)
        if (reg->used[u / 64] & (1ull << (u % 64)))
            return false;
    return true;
}

void
gpv_vgpu_region_take(struct gpv_vgpu_region *reg, int start, int size)
{
    int u;

    for (u = start; u < start + size && u < GPV_VGPU_REGION_MAX; u++)
        if (u >= 0)
            reg->used[u / 64] |= 1ull << (u % 64);
}

int
gpv_vgpu_region_fit(const struct gpv_vgpu_region *reg, const struct gpv_vgpu_type *t)
{
    int i;

    for (i = 0; i < t->nplacements; i++)
        if (gpv_vgpu_region_free(reg, t->placements[i], t->size_gb))
            return t->placements[i];
    return -1;
}

struct place_ctx {
    const struct gpv_vgpu_type *types;
    struct gpv_vgpu_resident *r;
    const size_t *order; /* residents, largest first, equal types together */
    size_t n;
    long budget;
};

/* Places order[k..n); identical consecutive types take increasing ids (no symmetric retries). */
static bool
place_from(struct place_ctx *c, struct gpv_vgpu_region *reg, size_t k)
{
    const struct gpv_vgpu_type *t;
    struct gpv_vgpu_resident *res;
    int i, first = 0;

    if (k == c->n)
        return true;
    if (--c->budget < 0)
        return false;
    res = &c->r[c->order[k]];
    t = &c->types[res->type];
    if (k > 0 && c->r[c->order[k - 1]].type == res->type) {
        int prev = c->r[c->order[k - 1]].placement;

        while (first < t->nplacements && t->placements[first] <= prev)
            first++;
    }
    for (i = first; i < t->nplacements; i++) {
        int p = t->placements[i];

        if (!gpv_vgpu_region_free(reg, p, t->size_gb))
            continue;
        gpv_vgpu_region_take(reg, p, t->size_gb);
        res->placement = p;
        if (place_from(c, reg, k + 1))
            return true;
        {
            int u;

            for (u = p; u < p + t->size_gb; u++)
                reg->used[u / 64] &= ~(1ull << (u % 64));
        }
        res->placement = -1;
        if (c->budget < 0)
            return false;
    }
    return false;
}

/* True when resident a should be placed before b: larger first, then by type, then index. */
static bool
place_before(const struct gpv_vgpu_type *types, const struct gpv_vgpu_resident *r, size_t a,
             size_t b)
{
    int sa = types[r[a].type].size_gb, sb = types[r[b].type].size_gb;

    if (sa != sb)
        return sa > sb;
    if (r[a].type != r[b].type)
        return r[a].type < r[b].type;
    return a < b;
}

bool
gpv_vgpu_mixed_place(const struct gpv_gpu *gpu, struct gpv_vgpu_resident *r, size_t n)
{
    size_t *order = NULL, i, j;
    struct gpv_vgpu_region reg;
    struct place_ctx c;
    bool ok = false;

    for (i = 0; i < n; i++)
        r[i].placement = -1;
    if (!gpu->vgpu || !gpu->vgpu->mixed_size)
        return false;
    for (i = 0; i < n; i++)
        if (r[i].type < 0 || (size_t)r[i].type >= gpu->vgpu->ntypes)
            return false;
    memset(&reg, 0, sizeof(reg));
    reg.gb = gpv_vgpu_region_gb(gpu);
    if (reg.gb > GPV_VGPU_REGION_MAX)
        return false;
    if (n == 0)
        return true;
    order = xcalloc(n, sizeof(*order));
    /* Largest first fails fast; insertion sort on a total order (n is a few dozen at most). */
    for (i = 0; i < n; i++) {
        for (j = i; j > 0 && place_before(gpu->vgpu->types, r, i, order[j - 1]); j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    c.types = gpu->vgpu->types;
    c.r = r;
    c.order = order;
    c.n = n;
    c.budget = MIXED_PLACE_BUDGET;
    ok = place_from(&c, &reg, 0);
    if (!ok)
        for (i = 0; i < n; i++)
            r[i].placement = -1;
    free(order);
    return ok;
}
