/* Generated questions on vGPU: fitting types, tenants per GPU, fixed shares, licences and
 * MIG-backed types, each answer computed from the database (see quiz_gen.c). */
#include "gpuvplan/mig.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"
#include "quiz_gen_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- vGPU kinds ------------------------------------------------------------------------- */

/* Time-sliced types of one series on gpu, by frame buffer ascending. Returns how many. */
static int
timesliced_types(int *out, int cap, const struct gpv_gpu *gpu, int series)
{
    int n = 0, k;
    size_t i;

    if (!gpu->vgpu)
        return 0;
    for (i = 0; i < gpu->vgpu->ntypes && n < cap; i++) {
        const struct gpv_vgpu_type *t = &gpu->vgpu->types[i];

        if (t->mig_profile >= 0 || (series >= 0 && (int)t->series != series))
            continue;
        for (k = n; k > 0 && gpu->vgpu->types[out[k - 1]].framebuffer_mib > t->framebuffer_mib; k--)
            out[k] = out[k - 1];
        out[k] = (int)i;
        n++;
    }
    return n;
}

static const char *
vgpu_source(const struct gpv_gpu *gpu, int type)
{
    return gpu->vgpu->types[type].source;
}

/* The smallest time-sliced C type that covers gb GB; idx is its position in the sorted list. */
static bool
q_vgpu_fit(struct gen *g, const struct gpv_gpu *gpu, const int *ts, int nts, int idx, int gb)
{
    const struct gpv_vgpu_type *right = &gpu->vgpu->types[ts[idx]];
    struct choice_set cs;
    struct gpv_buf e;
    char a[32], detail[32];
    int i;

    qg_cs_init(&cs);
    qg_cs_add(&cs, xstrdup(right->name), true);
    if (idx > 0)
        qg_cs_add(&cs, xstrdup(gpu->vgpu->types[ts[idx - 1]].name), false);
    for (i = idx + 1; i < nts && cs.n < 4; i++)
        qg_cs_add(&cs, xstrdup(gpu->vgpu->types[ts[i]].name), false);
    for (i = idx - 2; i >= 0 && cs.n < 4; i--)
        qg_cs_add(&cs, xstrdup(gpu->vgpu->types[ts[i]].name), false);
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%s: %s of frame buffer covers %d GB, and it allows %d per GPU.",
                   right->name, qg_gib(a, sizeof(a), right->framebuffer_mib), gb, right->max);
    if (idx > 0) {
        const struct gpv_vgpu_type *lo = &gpu->vgpu->types[ts[idx - 1]];

        gpv_buf_printf(&e, " %s has only %s.", lo->name, qg_gib(a, sizeof(a), lo->framebuffer_mib));
    }
    if (idx + 1 < nts) {
        const struct gpv_vgpu_type *hi = &gpu->vgpu->types[ts[idx + 1]];

        gpv_buf_printf(&e,
                       " Larger types such as %s also cover it but fit fewer VMs per GPU (%d "
                       "instead of %d).",
                       hi->name, hi->max, right->max);
    }
    snprintf(detail, sizeof(detail), "%dgb", gb);
    return qg_emit(
        g, qg_make_id("vgpu-fit", gpu->id, detail), "vgpu-sizing",
        xasprintf("A VM on an %s needs at least %d GB of GPU memory. Which is the "
                  "smallest time-sliced C-series vGPU type that gives it?",
                  gpu->name, gb),
        &cs, true, gpv_buf_detach(&e),
        qg_fact_source(gpu, vgpu_source(gpu, ts[idx]), "computed from the vGPU type table"));
}

static bool
try_vgpu_fit(struct gen *g, const struct gpv_gpu *gpu, int gb_fixed)
{
    int ts[128], nts = timesliced_types(ts, 128, gpu, GPV_SERIES_C), idx, lo, hi, gb;

    if (nts < 3)
        return false;
    if (gb_fixed > 0) {
        for (idx = 0; idx < nts; idx++)
            if (qg_covers(gpu->vgpu->types[ts[idx]].framebuffer_mib, gb_fixed))
                break;
        return idx < nts && q_vgpu_fit(g, gpu, ts, nts, idx, gb_fixed);
    }
    idx = 1 + (int)gpv_quiz_rng_below(&g->rng, (uint64_t)(nts - 1));
    lo = (int)((double)gpu->vgpu->types[ts[idx - 1]].framebuffer_mib * MIB / GB) + 1;
    hi = (int)((double)gpu->vgpu->types[ts[idx]].framebuffer_mib * MIB / GB);
    if (lo > hi)
        return false;
    gb = lo + (int)gpv_quiz_rng_below(&g->rng, (uint64_t)(hi - lo + 1));
    return q_vgpu_fit(g, gpu, ts, nts, idx, gb);
}

void
qg_kind_vgpu_fit(struct gen *g)
{
    size_t start = g->added;
    const struct gpv_gpu *gpu = qg_featured_gpu(g, "h100-80gb");
    int t;

    if (gpu)
        try_vgpu_fit(g, gpu, 7);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = qg_draw_gpu(g, false, true)))
            try_vgpu_fit(g, gpu, 0);
}

bool
qg_q_vgpu_tenants(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    int naive = (int)(gpu->memory_mib / t->framebuffer_mib), cand[6];
    struct choice_set cs;
    struct gpv_buf e;
    char a[32], b[32];

    cand[0] = naive;
    cand[1] = t->max_mixed;
    cand[2] = 12;
    cand[3] = t->max * 2;
    cand[4] = t->max / 2;
    cand[5] = 8;
    qg_cs_init(&cs);
    qg_cs_numbers(&cs, t->max, cand, 6, 4);
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%d: NVIDIA's table allows %d %s vGPUs per GPU in equal-size mode", t->max,
                   t->max, t->name);
    if (t->max_mixed && t->max_mixed != t->max)
        gpv_buf_printf(&e, " (%d in mixed-size mode, where placement ids strand some memory)",
                       t->max_mixed);
    gpv_buf_puts(&e, ".");
    if (naive != t->max)
        gpv_buf_printf(&e,
                       " It is not the frame buffer divided by the type's size (%s / %s = %d): "
                       "the per-type cap decides.",
                       qg_gib(a, sizeof(a), gpu->memory_mib),
                       qg_gib(b, sizeof(b), t->framebuffer_mib), naive);
    if (gpu->gpus_per_board > 1)
        gpv_buf_printf(&e, " The count is per GPU; one %s board carries %d GPUs.", gpu->name,
                       gpu->gpus_per_board);
    qg_put_inferred_type(&e, gpu, t, GPV_F_MAX);
    return qg_emit(g, qg_make_id("vgpu-tenants", gpu->id, t->name), "tenants",
                   xasprintf("How many VMs, each with one %s vGPU, can share one %s GPU "
                             "(equal-size mode)?",
                             t->name, gpu->name),
                   &cs, false, gpv_buf_detach(&e),
                   qg_fact_source(gpu, t->source, "read from the vGPU type table"));
}

static char *
percent(int max)
{
    double v = 100.0 / max;

    if (v == (double)(int)v)
        return xasprintf("%d%% (1/%d)", (int)v, max);
    return xasprintf("%.3g%% (1/%d)", v, max);
}

bool
qg_q_fixed_share(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    int naive = (int)(gpu->memory_mib / t->framebuffer_mib);
    struct choice_set cs;
    struct gpv_buf e;

    if (t->max < 2)
        return false;
    qg_cs_init(&cs);
    qg_cs_add(&cs, percent(t->max), true);
    qg_cs_add(&cs, xstrdup("Nothing is guaranteed"), false);
    if (naive > 1)
        qg_cs_add(&cs, percent(naive), false);
    if (t->max_mixed > 1)
        qg_cs_add(&cs, percent(t->max_mixed), false);
    if (cs.n < 4)
        qg_cs_add(&cs, percent(t->max / 2 > 1 ? t->max / 2 : t->max * 2), false);
    if (cs.n < 4)
        qg_cs_add(&cs, percent(t->max * 2), false);
    gpv_buf_init(&e);
    gpv_buf_printf(&e,
                   "Fixed share gives every vGPU 1/max of the GPU's time, max being the type's "
                   "vGPUs per GPU: %d for %s, so 1/%d, even while fewer run. Equal share would "
                   "divide by the vGPUs running now; the default best-effort scheduler "
                   "guarantees nothing.",
                   t->max, t->name, t->max);
    if (gpu->vgpu->mixed_size)
        gpv_buf_puts(&e, " Fixed share needs the GPU in equal-size mode; mixed-size mode does "
                         "not offer it.");
    qg_put_inferred_type(&e, gpu, t, GPV_F_MAX);
    return qg_emit(
        g, qg_make_id("fixed-share", gpu->id, t->name), "scheduling",
        xasprintf("Under the fixed-share scheduler, what share of one %s does each %s "
                  "vGPU get?",
                  gpu->name, t->name),
        &cs, true, gpv_buf_detach(&e),
        qg_fact_source(gpu, t->source, "share = 1 / max per GPU (vgpu.md §3 Scheduling)"));
}

static int
draw_type(struct gen *g, const struct gpv_gpu *gpu, bool timesliced_only)
{
    int pool[256], n = 0;
    size_t i;

    for (i = 0; i < gpu->vgpu->ntypes && n < 256; i++)
        if (!timesliced_only || gpu->vgpu->types[i].mig_profile < 0)
            pool[n++] = (int)i;
    return n ? pool[gpv_quiz_rng_below(&g->rng, (uint64_t)n)] : -1;
}

void
qg_kind_vgpu_count(struct gen *g, bool (*make)(struct gen *, const struct gpv_gpu *, int),
                   const char *featured_gpu_id, const char *featured_type)
{
    const struct gpv_gpu *gpu = qg_featured_gpu(g, featured_gpu_id);
    size_t start = g->added;
    int t, type;

    if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, featured_type)) >= 0)
        make(g, gpu, type);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = qg_draw_gpu(g, false, true)) && (type = draw_type(g, gpu, true)) >= 0)
            make(g, gpu, type);
}

static bool
q_license(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    static const char *const what[] = {
        [GPV_SERIES_A] = "virtual applications",
        [GPV_SERIES_B] = "virtual PC",
        [GPV_SERIES_C] = "compute",
        [GPV_SERIES_Q] = "virtual workstation",
    };
    struct choice_set cs;
    struct gpv_buf e;
    int s;

    qg_cs_init(&cs);
    for (s = GPV_SERIES_A; s <= GPV_SERIES_Q; s++)
        if (s == (int)t->series || !gpv_series_license_covers((enum gpv_series)s, t->series))
            qg_cs_add(&cs, xstrdup(gpv_series_license((enum gpv_series)s)), s == (int)t->series);
    qg_cs_add(&cs, xstrdup("No licence"), false);
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%s is a %s-series (%s) type, and %s-series types need %s.", t->name,
                   gpv_series_name(t->series), what[t->series], gpv_series_name(t->series),
                   gpv_series_license(t->series));
    if (t->mig_profile >= 0)
        gpv_buf_printf(&e,
                       " It is MIG-backed (on a %s instance): bare MIG needs no vGPU licence, a "
                       "MIG-backed vGPU needs the licence of its series.",
                       gpu->mig->profiles[t->mig_profile].name);
    if (t->series == GPV_SERIES_B)
        gpv_buf_puts(&e, " An RTX vWS licence covers B-series too, so it is not offered as a "
                         "wrong choice.");
    qg_put_inferred_type(&e, gpu, t, GPV_F_SERIES);
    return qg_emit(g, qg_make_id("license", gpu->id, t->name), "licensing",
                   xasprintf("Which licence does a VM need for a vGPU of type %s?", t->name), &cs,
                   true, gpv_buf_detach(&e),
                   xasprintf("%s; %s", gpu->origin, gpv_series_license_source(t->series)));
}

void
qg_kind_license(struct gen *g)
{
    static const char *const featured[][2] = {
        {"h100-80gb", "H100-1-20C"}, {"l40s", "L40S-8Q"}, {"a16", "A16-2B"}};
    size_t start = g->added, i;
    int t, type;

    for (i = 0; i < sizeof(featured) / sizeof(featured[0]); i++) {
        const struct gpv_gpu *gpu = qg_featured_gpu(g, featured[i][0]);

        if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, featured[i][1])) >= 0)
            q_license(g, gpu, type);
    }
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++) {
        const struct gpv_gpu *gpu = qg_draw_gpu(g, false, true);

        if (gpu && (type = draw_type(g, gpu, false)) >= 0)
            q_license(g, gpu, type);
    }
}

static bool
q_mig_backed_profile(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    const struct gpv_mig_profile *p;
    int others[GPV_MIG_MAX_PROFILES], n = 0, i, share;
    struct choice_set cs;
    struct gpv_buf e;
    char a[32];

    /* The answer is the profile: not asked where the database infers it. */
    if (t->mig_profile < 0 || !gpu->mig || (t->inferred & GPV_F_MIG_PROFILE))
        return false;
    p = &gpu->mig->profiles[t->mig_profile];
    share = qg_max_of(gpu, t->mig_profile) > 0 ? t->max / qg_max_of(gpu, t->mig_profile) : 1;
    for (i = 0; i < (int)gpu->mig->nprofiles; i++)
        if (i != t->mig_profile && qg_plain_profile(gpu, i))
            others[n++] = i;
    qg_cs_init(&cs);
    qg_cs_add(&cs, xstrdup(p->name), true);
    while (n > 0 && cs.n < 4) {
        i = (int)gpv_quiz_rng_below(&g->rng, (uint64_t)n);
        qg_cs_add(&cs, xstrdup(gpu->mig->profiles[others[i]].name), false);
        others[i] = others[--n];
    }
    gpv_buf_init(&e);
    gpv_buf_printf(&e,
                   "%s: a MIG-backed type is named board-slices-memory-series, and %s sits "
                   "on one %s instance (%d compute slice%s, %s), of which one GPU holds "
                   "up to %d.",
                   p->name, t->name, p->name, p->compute_slices, p->compute_slices == 1 ? "" : "s",
                   qg_gib(a, sizeof(a), p->memory_mib), qg_max_of(gpu, t->mig_profile));
    if (strstr(p->name, "+gfx"))
        gpv_buf_puts(&e, " On this GPU every MIG-backed type needs an instance created with the "
                         "+gfx (graphics) attribute.");
    if (share > 1)
        gpv_buf_printf(&e,
                       " The type is time-sliced inside the instance: %d vGPUs share each one in "
                       "turn (%d per GPU).",
                       share, t->max);
    else
        gpv_buf_puts(&e, " The VM gets that instance's engines to itself.");
    return qg_emit(
        g, qg_make_id("mig-backed", gpu->id, t->name), "methods",
        xasprintf("The MIG-backed vGPU type %s runs on which MIG GPU instance profile?", t->name),
        &cs, true, gpv_buf_detach(&e),
        qg_fact_source(gpu, t->source, "read from the vGPU type table"));
}

void
qg_kind_mig_backed(struct gen *g)
{
    size_t start = g->added;
    const struct gpv_gpu *gpu = qg_featured_gpu(g, "h100-80gb");
    int t, type;

    if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, "H100-2-20C")) >= 0)
        q_mig_backed_profile(g, gpu, type);
    /* A type time-sliced inside a +gfx instance: three DC-1-8C vGPUs per 1g.24gb+gfx. */
    gpu = qg_featured_gpu(g, "rtx-pro-6000");
    if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, "DC-1-8C")) >= 0)
        q_mig_backed_profile(g, gpu, type);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = qg_draw_gpu(g, true, true)) && (type = draw_type(g, gpu, false)) >= 0)
            q_mig_backed_profile(g, gpu, type);
}
