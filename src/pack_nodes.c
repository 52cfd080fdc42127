/*
 * What nodes ask of the packer: the MIG `single` strategy (one MIG profile per node) and the
 * GPUs a model's limit must hold when nodes cannot mix profiles. Spread over nodes is checked
 * with the options (pack.c); which node each GPU goes to is decided after packing (site.c).
 */
#include "pack_engine.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

void
pk_pack_single(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
               const int *items, size_t n, int *lb, bool *optimal)
{
    const struct gpv_pack_problem *saved = c->p;
    struct gpv_pack_problem q = *saved;
    int *group = xcalloc(n + 1, sizeof(int));
    bool *done = xcalloc(n + 1, sizeof(bool));
    size_t i, j;

    /* Upgrades would put a second profile on a GPU; the single strategy forbids that. */
    q.no_upgrades = true;
    c->p = &q;
    *lb = 0;
    *optimal = true;
    for (i = 0; i < n; i++) {
        int profile = pk_opt(c, items[i])->profile, glb = 0;
        size_t ng = 0;
        bool gopt = true;

        if (done[i])
            continue;
        /* The demands asking for this profile, in input order. */
        for (j = i; j < n; j++) {
            if (!done[j] && pk_opt(c, items[j])->profile == profile) {
                group[ng++] = items[j];
                done[j] = true;
            }
        }
        pk_pack_mig(c, s, model, kind, group, ng, &glb, &gopt);
        *lb += glb;
        *optimal = *optimal && gopt;
    }
    c->p = saved;
    free(group);
    free(done);
}

/* The class of GPU g on a single-strategy node: its MIG profile, or -1 without MIG. */
static int
gpu_class(const struct pk_sol *s, size_t g)
{
    const struct gpv_pack_gpu *pg = &s->gpus[g];

    if ((pg->kind != GPV_PACK_MIG && pg->kind != GPV_PACK_MIG_VGPU) || !pg->ninsts)
        return -1;
    return s->insts[pg->first].profile;
}

void
pk_count_slots(const struct gpv_pack_problem *p, struct pk_sol *s)
{
    size_t m, g, k, i;

    for (m = 0; m < p->nmodels; m++) {
        const struct gpv_pack_model *pm = &p->models[m];
        int nprof, *count, *spread;

        s->slots[m] = s->used[m];
        if (!pm->single || pm->nodes <= 0 || pm->gpus_per_node <= 0 || !pm->gpu->mig)
            continue;
        /* Per class (index 0: no MIG, 1 + profile): its GPUs fill whole nodes, at least as
         * many as the replicas of a spread-by-node demand in it. */
        nprof = (int)pm->gpu->mig->nprofiles;
        count = xcalloc((size_t)nprof + 2, sizeof(int));
        spread = xcalloc((size_t)nprof + 2, sizeof(int));
        for (g = 0; g < s->ngpus; g++) {
            const struct gpv_pack_gpu *pg = &s->gpus[g];
            int cls = 1 + gpu_class(s, g);

            if ((size_t)pg->model != m)
                continue;
            count[cls]++;
            for (i = 0; i < pg->ninsts; i++) {
                const struct gpv_pack_demand *dm = &p->demands[s->insts[pg->first + i].demand];

                if (dm->spread_nodes && dm->replicas > spread[cls])
                    spread[cls] = dm->replicas;
            }
        }
        s->slots[m] = 0;
        for (k = 0; k < (size_t)nprof + 1; k++) {
            int nodes = (count[k] + pm->gpus_per_node - 1) / pm->gpus_per_node;

            if (count[k] && spread[k] > nodes)
                nodes = spread[k];
            s->slots[m] += nodes * pm->gpus_per_node;
        }
        free(count);
        free(spread);
    }
}
