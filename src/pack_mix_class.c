/*
 * The model mix's options and classes (pack_mix.c): each feasible option of a demand as a tuple
 * of what it asks of a pool (shared pools: a replica's weights, share_w), and the demands with
 * the same options grouped into classes, the program's rows of replicas.
 */

#include "pack_config.h"
#include "pack_driver.h"
#include "pack_engine.h"
#include "pack_int.h"
#include "pack_mix_int.h"

#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/* Slots of pk_mix_classes' table of classes by signature: more than twice PACK_MIX_MAX_CLASSES. */
#define MX_CLASS_SLOTS 128
_Static_assert(MX_CLASS_SLOTS > PACK_MIX_MAX_CLASSES, "a free slot for every class");

int
pk_mix_opt_cmp(const void *pa, const void *pb)
{
    const struct mx_opt *a = pa, *b = pb;

    if (a->model != b->model)
        return a->model < b->model ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->profile != b->profile)
        return a->profile < b->profile ? -1 : 1;
    if (a->vtype != b->vtype)
        return a->vtype < b->vtype ? -1 : 1;
    if (a->gpus != b->gpus)
        return a->gpus < b->gpus ? -1 : 1;
    if (a->lim != b->lim)
        return a->lim < b->lim ? -1 : 1;
    if (a->mib != b->mib)
        return a->mib < b->mib ? -1 : 1;
    if (a->cap != b->cap)
        return a->cap < b->cap ? -1 : 1;
    if (a->clients != b->clients)
        return a->clients < b->clients ? -1 : 1;
    return memcmp(a->w, b->w, sizeof(a->w));
}

/*
 * What one replica of demand d on the shared option o uses of a GPU, per dimension, each at
 * most 1 on any GPU of the pool so that a GPU column supplying 1 to each keeps the program a
 * relaxation. Time-slicing: memory over the GPU's, its compute share, 1 / the most clients a
 * GPU takes (the entry's replicas, else GPV_SHARING_REPLICAS_MAX); the engine keeps each sum
 * within the GPU. MPS: 1 / its cap in every dimension it bounds (N clients on a GPU each have a
 * cap of at least N, pk_share_weight), with memory and compute as for time-slicing (dominated).
 * The same weights as pack_split.c's bound over every choice.
 */
static void
share_w(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o,
        double w[MX_SHARE_DIMS])
{
    const struct gpv_pack_model *m = &p->models[o->model];
    const struct gpv_pack_demand *dm = &p->demands[d];

    w[0] = m->gpu->memory_mib > 0 ? (double)dm->memory_mib / (double)m->gpu->memory_mib : 0.0;
    w[1] = dm->compute > 0.0 ? dm->compute : 0.0;
    if (o->kind == GPV_PACK_MPS)
        w[2] = pk_share_weight(p, d, o);
    else
        w[2] = 1.0 / (m->share_replicas > 0 ? m->share_replicas : GPV_SHARING_REPLICAS_MAX);
}

/* The option as a tuple; false when the program cannot model it (mixed-size vGPU, the
 * `single` strategy). A time-slicing or MPS option carries its replica's weights (share_w):
 * the program relaxes such a pool to its sums per dimension. */
static bool
opt_tuple(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o,
          struct mx_opt *t)
{
    const struct gpv_pack_model *m = &p->models[o->model];

    memset(t, 0, sizeof(*t));
    t->model = o->model;
    t->kind = (int)o->kind;
    t->profile = o->profile;
    t->vtype = o->vgpu_type;
    t->gpus = o->kind == GPV_PACK_WHOLE ? o->gpus : 1;
    t->clients = pk_clients(o);
    t->lim = 0;
    if (o->kind == GPV_PACK_VGPU) {
        if (m->mixed)
            return false;
        t->lim = gpv_vgpu_limit(&m->gpu->vgpu->types[o->vgpu_type], false, p->demands[d].compute);
        t->profile = -1;
    }
    if (o->kind == GPV_PACK_TIME_SLICING || o->kind == GPV_PACK_MPS) {
        t->profile = -1;
        t->vtype = -1;
        share_w(p, d, o, t->w);
        t->mib = p->demands[d].memory_mib;
        t->cap = m->share_replicas > 0     ? m->share_replicas
                 : o->kind == GPV_PACK_MPS ? pk_share_cap(p, d, o)
                                           : GPV_SHARING_REPLICAS_MAX;
    }
    if ((o->kind == GPV_PACK_MIG || o->kind == GPV_PACK_MIG_VGPU) && m->single)
        return false;
    return true;
}

/* A cheap signature of the options t[0..n): equal options, equal signatures. */
static unsigned long long
opts_sig(const struct mx_opt *t, int n)
{
    unsigned long long h = (unsigned long long)n;
    int j;

    for (j = 0; j < n; j++)
        h = h * 0x9E3779B97F4A7C15ULL ^
            ((unsigned long long)(unsigned)t[j].model ^
             (unsigned long long)(unsigned)t[j].kind << 8 ^
             (unsigned long long)(unsigned)t[j].profile << 16 ^
             (unsigned long long)(unsigned)t[j].vtype << 28 ^
             (unsigned long long)(unsigned)t[j].lim << 40 ^ (unsigned long long)t[j].mib);
    return h;
}

/* True when the class has exactly the options t[0..n). */
static bool
class_is(const struct mx_class *cl, const struct mx_opt *t, int n)
{
    int j;

    if (cl->nopt != n)
        return false;
    for (j = 0; j < n && !pk_mix_opt_cmp(&cl->opt[j], &t[j]); j++)
        ;
    return j == n;
}

bool
pk_mix_classes(struct mx *mx, const struct gpv_pack_problem *p, const bool *feasible,
               const size_t *foff)
{
    size_t d, i;
    /* A demand's distinct options, sorted; one more than a class may have ends it. */
    struct mx_opt tmp[PACK_MIX_MAX_OPTS + 1];
    int idx[PACK_MIX_MAX_OPTS + 1];
    bool ok = true;
    int cap = 0, s;
    unsigned long long sig[PACK_MIX_MAX_CLASSES]; /* per class: opts_sig of its options */
    int slot[MX_CLASS_SLOTS];                     /* the classes by signature; -1: free */

    mx->dcls = xcalloc(p->ndemands + 1, sizeof(int));
    mx->foff = foff;
    mx->dmap =
        xcalloc(p->ndemands ? foff[p->ndemands - 1] + p->demands[p->ndemands - 1].noptions + 1 : 1,
                sizeof(int));
    for (s = 0; s < MX_CLASS_SLOTS; s++)
        slot[s] = -1;
    for (d = 0; d < p->ndemands && ok; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        int n = 0, c, k;
        unsigned long long h;

        mx->dcls[d] = -1;
        if (dm->spread || dm->spread_nodes) {
            /* Spread is relaxed: the program's answers bound the plan but are not plans. */
            mx->exact = false;
            mx->spread = true;
        }
        for (i = 0; i < dm->noptions; i++) {
            struct mx_opt t;
            bool dup = false;

            if (!feasible[foff[d] + i])
                continue;
            if (!opt_tuple(p, d, &dm->options[i], &t)) {
                ok = false;
                break;
            }
            /* Sorted insertion; an option equal to an earlier one adds nothing. */
            for (k = 0; k < n && !dup; k++)
                dup = !pk_mix_opt_cmp(&tmp[k], &t);
            if (dup)
                continue;
            for (k = n; k > 0 && pk_mix_opt_cmp(&tmp[k - 1], &t) > 0; k--) {
                tmp[k] = tmp[k - 1];
                idx[k] = idx[k - 1];
            }
            tmp[k] = t;
            idx[k] = (int)i;
            /* More options than a class may have: the program does not apply (sizing from
             * every model, dozens of options a demand), known without grouping the rest. */
            if (++n > PACK_MIX_MAX_OPTS) {
                ok = false;
                break;
            }
        }
        if (!ok || n == 0)
            continue;
        h = opts_sig(tmp, n);
        /* Open addressing: the class with these options, or the free slot for a new one. */
        for (s = (int)((h ^ h >> 29) % MX_CLASS_SLOTS);
             slot[s] >= 0 && (sig[slot[s]] != h || !class_is(&mx->cls[slot[s]], tmp, n));
             s = (s + 1) % MX_CLASS_SLOTS)
            ;
        c = slot[s] >= 0 ? slot[s] : mx->ncls;
        if (c == mx->ncls) {
            if (mx->ncls == PACK_MIX_MAX_CLASSES) {
                ok = false;
                break;
            }
            if (mx->ncls == cap) {
                cap = cap ? 2 * cap : 8;
                mx->cls = xreallocarray(mx->cls, (size_t)cap, sizeof(*mx->cls));
            }
            mx->cls[c].nopt = n;
            mx->cls[c].opt = xcalloc((size_t)n, sizeof(struct mx_opt));
            memcpy(mx->cls[c].opt, tmp, (size_t)n * sizeof(struct mx_opt));
            mx->cls[c].replicas = 0;
            sig[c] = h;
            slot[s] = c;
            mx->ncls++;
        }
        mx->dcls[d] = c;
        mx->cls[c].replicas += dm->replicas;
        memcpy(mx->dmap + foff[d], idx, (size_t)n * sizeof(int));
    }
    return ok && mx->ncls > 0;
}
