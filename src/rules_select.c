/*
 * Instance selection for the evaluator: the smallest MIG profile, vGPU type or number of whole
 * GPUs that covers a tenant's need on one GPU model, with the words of the trace line.
 */

#include "rules_int.h"

#include "gpuvplan/rules.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void
put_mib(struct gpv_buf *b, long long mib)
{
    char g[32];

    gpv_buf_printf(b, "%s (%lld MiB)", gpv_mib_format(g, sizeof(g), mib), mib);
}

static void
put_need(struct gpv_buf *b, const struct rules_need *nd)
{
    if (nd->mib)
        gpv_buf_printf(b, "%s needs %lld MiB", nd->mem, nd->mib);
    else
        gpv_buf_puts(b, "no memory given");
}

/* Slices of `total` that cover a share of compute. */
static int
slices_for(double compute, int total)
{
    int k = (int)ceil(compute * total - RULES_EPS);

    return k < 1 ? 1 : k;
}

static int
cmp_ll(long long a, long long b)
{
    return a < b ? -1 : a > b;
}

/* Sorts idx[0..n) by cmp(ctx, a, b); n is small (the profiles or types of one model). */
static void
sort_indices(int *idx, int n, const void *ctx, int (*cmp)(const void *, int, int))
{
    int i, j, v;

    for (i = 1; i < n; i++) {
        v = idx[i];
        for (j = i; j > 0 && cmp(ctx, idx[j - 1], v) > 0; j--)
            idx[j] = idx[j - 1];
        idx[j] = v;
    }
}

/* MIG profiles by memory, then compute slices, then database order. */
static int
profile_cmp(const void *ctx, int a, int b)
{
    const struct gpv_mig *mig = ctx;
    const struct gpv_mig_profile *p = &mig->profiles[a], *q = &mig->profiles[b];
    int c = cmp_ll(p->memory_mib, q->memory_mib);

    if (!c)
        c = p->compute_slices - q->compute_slices;
    return c ? c : a - b;
}

struct rules_pick
rules_select_mig(const struct gpv_gpu *g, const struct rules_need *nd, bool media, bool gfx,
                 struct gpv_buf *b)
{
    struct rules_pick pk = {false, -1, -1, 0, 0, 0, 0};
    const struct gpv_mig *mig = g->mig;
    int idx[GPV_MIG_MAX_PROFILES], n = 0, i, need_slices = 0;
    long long near_mem = -1;
    int near_slices = -1;

    GPV_ASSERT(mig->nprofiles <= GPV_MIG_MAX_PROFILES); /* the size of idx[] */
    put_need(b, nd);
    if (nd->compute > 0) {
        need_slices = slices_for(nd->compute, mig->compute_slices);
        if (nd->whole)
            gpv_buf_printf(b, "; a whole GPU needs all %d compute slices", mig->compute_slices);
        else
            gpv_buf_printf(b, "; compute %g needs %d of %d slices", nd->compute, need_slices,
                           mig->compute_slices);
    }
    if (media)
        gpv_buf_puts(b, "; media needs a profile with media engines (+me)");
    if (gfx)
        gpv_buf_puts(b, "; graphics needs a +gfx profile");
    gpv_buf_puts(b, ":");
    for (i = 0; i < (int)mig->nprofiles; i++)
        if (mig->profiles[i].media == media && (!gfx || rules_profile_gfx(&mig->profiles[i])))
            idx[n++] = i;
    sort_indices(idx, n, mig, profile_cmp);
    /* Name only the nearest misses: the largest too-small memory, the most too-few slices. */
    for (i = 0; i < n; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[idx[i]];

        if (p->memory_mib < nd->mib)
            near_mem = p->memory_mib;
        else if (p->compute_slices < need_slices && p->compute_slices > near_slices)
            near_slices = p->compute_slices;
    }
    for (i = 0; i < n; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[idx[i]];

        if (p->memory_mib < nd->mib) {
            if (p->memory_mib == near_mem) {
                gpv_buf_printf(b, " %s offers ", p->name);
                put_mib(b, p->memory_mib);
                gpv_buf_puts(b, ": too small;");
            }
            continue;
        }
        if (p->compute_slices < need_slices) {
            if (p->compute_slices == near_slices)
                gpv_buf_printf(b, " %s has %d of %d slices: too little compute;", p->name,
                               p->compute_slices, mig->compute_slices);
            continue;
        }
        pk.fits = true;
        pk.mig_profile = idx[i];
        pk.share = (double)p->size / mig->units;
        gpv_buf_printf(b, " %s fits (", p->name);
        put_mib(b, p->memory_mib);
        gpv_buf_printf(b, ", %d of %d slices)", p->compute_slices, mig->compute_slices);
        return pk;
    }
    if (n == 0 && gfx)
        gpv_buf_printf(b, " %s has no +gfx MIG profile %s media engines", g->id,
                       media ? "with" : "without");
    else if (n == 0)
        gpv_buf_printf(b, " %s has no MIG profile %s media engines", g->id,
                       media ? "with" : "without");
    else
        gpv_buf_puts(b, " no profile fits");
    return pk;
}

/* Series preference for ties between vGPU types of equal frame buffer. */
static int
series_rank(enum gpv_workload w, enum gpv_series s)
{
    static const enum gpv_series desk[] = {GPV_SERIES_B, GPV_SERIES_Q, GPV_SERIES_C, GPV_SERIES_A};
    static const enum gpv_series work[] = {GPV_SERIES_Q, GPV_SERIES_B, GPV_SERIES_C, GPV_SERIES_A};
    static const enum gpv_series comp[] = {GPV_SERIES_C, GPV_SERIES_Q, GPV_SERIES_B, GPV_SERIES_A};
    const enum gpv_series *o = w == GPV_WL_VDI ? desk : w == GPV_WL_GRAPHICS ? work : comp;
    int i;

    for (i = 0; i < 4; i++)
        if (o[i] == s)
            return i;
    return 4;
}

/* "A, B or Q" (conj "or") or "A, B and Q". */
void
rules_put_series_set(struct gpv_buf *b, unsigned mask, const char *conj)
{
    int s, k = 0, total = 0;

    for (s = 0; s < 4; s++)
        total += (mask >> s) & 1u;
    for (s = 0; s < 4; s++) {
        if (!(mask & (1u << s)))
            continue;
        /* "A", "A and B", "A, B and C": puts, not printf (this runs for most traces). */
        if (k > 0 && k + 1 == total) {
            gpv_buf_puts(b, " ");
            gpv_buf_puts(b, conj);
            gpv_buf_puts(b, " ");
        } else if (k > 0) {
            gpv_buf_puts(b, ", ");
        }
        gpv_buf_puts(b, gpv_series_name((enum gpv_series)s));
        k++;
    }
}

/* Why no type of the model is left: its series, and the rules (from the trace) that
   excluded each of them. */
static void
put_no_series(struct gpv_buf *b, const struct gpv_gpu *g, bool mig_backed,
              const struct gpv_choice *ch)
{
    unsigned have = 0;
    size_t i;
    int s, k;

    for (i = 0; g->vgpu && i < g->vgpu->ntypes; i++)
        if ((g->vgpu->types[i].mig_profile >= 0) == mig_backed)
            have |= 1u << g->vgpu->types[i].series;
    if (!have) {
        gpv_buf_printf(b, "%s has no %s vGPU types", g->id,
                       mig_backed ? "MIG-backed" : "time-sliced");
        return;
    }
    gpv_buf_printf(b, "%s has %s types of series ", g->id,
                   mig_backed ? "MIG-backed" : "time-sliced");
    rules_put_series_set(b, have, "and");
    if (ch->series & have) {
        gpv_buf_puts(b, ", none of them for this tenant");
        return;
    }
    gpv_buf_puts(b, " only; excluded");
    for (s = 0; s < 4; s++) {
        if (!(have & (1u << s)))
            continue;
        gpv_buf_printf(b, " %s by", gpv_series_name((enum gpv_series)s));
        for (i = 0, k = 0; i < ch->ntrace; i++) {
            const struct gpv_rule *r = ch->trace[i].rule;

            if (r && ch->trace[i].matched && (r->exclude_series & (1u << s)))
                gpv_buf_printf(b, "%s '%s'", k++ ? " and" : "", r->id);
        }
        gpv_buf_putc(b, ';');
    }
    b->s[--b->len] = '\0';
}

/*
 * Memory a vGPU of the type can use: its frame buffer, but never more than the GPU instance
 * under a MIG-backed type has (H100-1-20C is listed with 20480 MiB on a 1g.20gb of 20091 MiB).
 */
static long long
type_memory(const struct gpv_gpu *g, const struct gpv_vgpu_type *ty)
{
    long long fb = ty->framebuffer_mib;

    if (ty->mig_profile >= 0 && g->mig && g->mig->profiles[ty->mig_profile].memory_mib < fb)
        return g->mig->profiles[ty->mig_profile].memory_mib;
    return fb;
}

/*
 * The compute a vGPU of the type is guaranteed, as a share of the GPU: 1 / max under the
 * fixed-share scheduler for time-sliced types; its GPU instance's slices for MIG-backed ones,
 * divided among the vGPUs that time-slice the instance. *footprint (when not NULL) gets the
 * share of the GPU it occupies: the same, or its instance's placement units.
 */
static double
type_share(const struct gpv_gpu *g, const struct gpv_vgpu_type *ty, double *footprint)
{
    const struct gpv_mig_profile *p;
    double per;

    if (ty->mig_profile < 0) {
        if (footprint)
            *footprint = 1.0 / ty->max;
        return 1.0 / ty->max;
    }
    p = &g->mig->profiles[ty->mig_profile];
    per = (double)p->max / ty->max;
    if (footprint)
        *footprint = (double)p->size / g->mig->units * per;
    return (double)p->compute_slices / g->mig->compute_slices * per;
}

struct type_sort {
    const struct gpv_gpu *g;
    enum gpv_workload w;
};

/* vGPU types by frame buffer, then compute slices (MIG-backed), then series, then order. */
static int
type_cmp(const void *ctx, int a, int b)
{
    const struct type_sort *ts = ctx;
    const struct gpv_vgpu_type *p = &ts->g->vgpu->types[a], *q = &ts->g->vgpu->types[b];
    int c = cmp_ll(type_memory(ts->g, p), type_memory(ts->g, q));

    if (!c && p->mig_profile >= 0 && q->mig_profile >= 0)
        c = ts->g->mig->profiles[p->mig_profile].compute_slices -
            ts->g->mig->profiles[q->mig_profile].compute_slices;
    if (!c)
        c = series_rank(ts->w, p->series) - series_rank(ts->w, q->series);
    return c ? c : a - b;
}

/*
 * A replica of several whole GPUs as a VM with several vGPUs (multi-vGPU): one time-sliced type
 * that holds a GPU alone (max 1 per GPU) on each of `gpus` GPUs, of an allowed series, whose
 * frame buffers together cover the memory. Fractional types per VM depend on the board and the
 * hypervisor (docs/rules.md) and are not offered.
 */
static struct rules_pick
select_multi_vgpu(const struct gpv_gpu *g, const struct gpv_tenant *t, const struct rules_need *nd,
                  const struct gpv_choice *ch, struct gpv_buf *b)
{
    struct rules_pick pk = {false, -1, -1, 0, 0, 0, 0};
    int gpus = gpv_tenant_gpus(t), i, best = -1;

    put_need(b, nd);
    gpv_buf_printf(b, "; %d GPUs per replica need a type that holds a GPU alone on each:", gpus);
    for (i = 0; g->vgpu && i < (int)g->vgpu->ntypes; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[i];

        if (ty->mig_profile >= 0 || ty->max != 1 || !(ch->series & (1u << ty->series)))
            continue;
        if (best < 0 || series_rank(t->workload, ty->series) <
                            series_rank(t->workload, g->vgpu->types[best].series))
            best = i;
    }
    if (best < 0) {
        gpv_buf_printf(b, " %s has no such type of series ", g->id);
        rules_put_series_set(b, ch->series, "or");
        return pk;
    }
    if ((long long)gpus * type_memory(g, &g->vgpu->types[best]) < nd->mib) {
        gpv_buf_printf(b, " %d x %s offer ", gpus, g->vgpu->types[best].name);
        put_mib(b, (long long)gpus * type_memory(g, &g->vgpu->types[best]));
        gpv_buf_puts(b, ": too small");
        return pk;
    }
    pk.fits = true;
    pk.vgpu_type = best;
    pk.gpus = gpus;
    pk.share = gpus;
    gpv_buf_printf(b, " %d x %s fit (one per GPU, ", gpus, g->vgpu->types[best].name);
    put_mib(b, type_memory(g, &g->vgpu->types[best]));
    gpv_buf_puts(b, " each)");
    return pk;
}

/*
 * Time-sliced (mig_backed false) or MIG-backed vGPU types of an allowed series: the smallest
 * frame buffer that covers the memory, whose guaranteed share covers the compute.
 */
struct rules_pick
rules_select_vgpu(const struct gpv_gpu *g, const struct gpv_tenant *t, const struct rules_need *nd,
                  bool mig_backed, const struct gpv_choice *ch, struct gpv_buf *b)
{
    struct rules_pick pk = {false, -1, -1, 0, 0, 0, 0};
    struct type_sort ts;
    int *idx, n = 0, i;
    long long near_mem = -1;
    double near_share = -1;
    bool skipped_shared = false;

    if (!g->vgpu || !g->vgpu->ntypes) {
        gpv_buf_printf(b, "%s has no vGPU types", g->id);
        return pk;
    }
    if (!mig_backed && gpv_tenant_gpus(t) >= 2)
        return select_multi_vgpu(g, t, nd, ch, b);
    idx = xcalloc(g->vgpu->ntypes, sizeof(*idx));
    for (i = 0; i < (int)g->vgpu->ntypes; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[i];

        if ((ty->mig_profile >= 0) != mig_backed || !(ch->series & (1u << ty->series)))
            continue;
        if (mig_backed && g->mig->profiles[ty->mig_profile].media != t->media)
            continue;
        /* A rule may leave only types that share nothing: one time-sliced vGPU per GPU, or
           one MIG-backed vGPU per GPU instance (a type with more vGPUs than its instance has
           copies time-slices the instance). */
        if (ch->no_shared[mig_backed ? GPV_METHOD_MIG_VGPU : GPV_METHOD_VGPU] &&
            (mig_backed ? ty->max > g->mig->profiles[ty->mig_profile].max : ty->max > 1)) {
            skipped_shared = true;
            continue;
        }
        idx[n++] = i;
    }
    if (n == 0 && skipped_shared) {
        gpv_buf_printf(b, "'%s' leaves only types that %s: %s has none of series ",
                       ch->no_shared[mig_backed ? GPV_METHOD_MIG_VGPU : GPV_METHOD_VGPU]->id,
                       mig_backed ? "hold a GPU instance alone" : "hold the GPU alone", g->id);
        rules_put_series_set(b, ch->series, "or");
        free(idx);
        return pk;
    }
    if (n == 0) {
        if (mig_backed && t->media)
            gpv_buf_printf(b, "%s has no MIG-backed type with media engines (ME) of series ",
                           g->id);
        else
            put_no_series(b, g, mig_backed, ch);
        if (mig_backed && t->media)
            rules_put_series_set(b, ch->series, "or");
        free(idx);
        return pk;
    }
    ts.g = g;
    ts.w = t->workload;
    sort_indices(idx, n, &ts, type_cmp);
    put_need(b, nd);
    if (nd->compute > 0) {
        if (nd->whole)
            gpv_buf_puts(b, "; a whole GPU needs a type that holds the GPU alone");
        else if (mig_backed)
            gpv_buf_printf(b, "; compute %g needs that share of the GPU's slices", nd->compute);
        else
            gpv_buf_printf(b, "; compute %g needs a fixed-share scheduler slice of at least that",
                           nd->compute);
    }
    if (skipped_shared)
        gpv_buf_printf(b, "; '%s' leaves only types that %s",
                       ch->no_shared[mig_backed ? GPV_METHOD_MIG_VGPU : GPV_METHOD_VGPU]->id,
                       mig_backed ? "hold a GPU instance alone" : "hold the GPU alone");
    gpv_buf_puts(b, ":");
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[idx[i]];

        if (type_memory(g, ty) < nd->mib)
            near_mem = type_memory(g, ty);
    }
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[idx[i]];
        double share = type_share(g, ty, NULL);

        if (type_memory(g, ty) >= nd->mib && share + RULES_EPS < nd->compute && share > near_share)
            near_share = share;
    }
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[idx[i]];
        double footprint, share = type_share(g, ty, &footprint);

        if (type_memory(g, ty) < nd->mib) {
            if (type_memory(g, ty) == near_mem) {
                gpv_buf_printf(b, " %s offers ", ty->name);
                put_mib(b, type_memory(g, ty));
                gpv_buf_puts(b, ": too small;");
            }
            continue;
        }
        if (share + RULES_EPS < nd->compute) {
            if (share == near_share)
                gpv_buf_printf(b, " %s guarantees %.3g of the GPU: too little;", ty->name, share);
            continue;
        }
        pk.fits = true;
        pk.vgpu_type = idx[i];
        pk.mig_profile = ty->mig_profile;
        pk.share = footprint;
        gpv_buf_printf(b, " %s fits (", ty->name);
        put_mib(b, type_memory(g, ty));
        if (mig_backed)
            gpv_buf_printf(b, " on MIG %s", g->mig->profiles[ty->mig_profile].name);
        if (nd->compute > 0 && !mig_backed)
            gpv_buf_printf(b, "; fixed share 1/%d", ty->max);
        gpv_buf_puts(b, ")");
        free(idx);
        return pk;
    }
    gpv_buf_puts(b, " no type fits");
    free(idx);
    return pk;
}

struct rules_pick
rules_select_passthrough(const struct gpv_gpu *g, const struct gpv_tenant *t,
                         const struct rules_need *nd, struct gpv_buf *b)
{
    struct rules_pick pk = {false, -1, -1, 0, 0, 0, 0};
    int asked = gpv_tenant_gpus(t);
    long long per = g->memory_mib > 0 ? g->memory_mib : 1;
    long long n = asked;
    char mem[32];

    if (asked > 0 && nd->mib > (long long)asked * per) {
        put_need(b, nd);
        gpv_buf_printf(b, ": %d x %s hold %s: too small", asked, g->id,
                       gpv_mib_format(mem, sizeof(mem), (long long)asked * per));
        return pk;
    }
    if (asked == 0)
        n = nd->mib > per ? (nd->mib + per - 1) / per : 1;
    if (n > GPV_TENANT_GPUS_MAX) {
        put_need(b, nd);
        gpv_buf_printf(b, ": more than %d x %s per replica", GPV_TENANT_GPUS_MAX, g->id);
        return pk;
    }
    pk.fits = true;
    pk.gpus = (int)n;
    pk.share = (double)n;
    if (nd->mib) {
        put_need(b, nd);
        gpv_buf_puts(b, ": ");
    }
    gpv_buf_printf(b, "%lld whole %s (%s) per replica", n, g->id,
                   gpv_mib_format(mem, sizeof(mem), n * per));
    return pk;
}
