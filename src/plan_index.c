/*
 * The plan's index (plan_int.h): the GPUs' ids and, per tenant, its instances in order, made
 * once per document for every writer.
 */
#include "gpuvplan/plan.h"

#include "plan_int.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/* The decimal digits of k. */
static size_t
digits(unsigned k)
{
    size_t n = 1;

    while (k >= 10) {
        k /= 10;
        n++;
    }
    return n;
}

/*
 * "h100-80gb-3": models numbered per GPU id across entries, in plan order, all in one block
 * (*buf; the ids point into it): one allocation, not one per GPU.
 */
static char **
gpu_ids(char **buf, const struct gpv_pack_problem *p, const struct gpv_pack_result *r)
{
    char **ids = xcalloc(r->ngpus + 1, sizeof(char *));
    int *next = xcalloc(p->nmodels + 1, sizeof(int));
    size_t *first = xcalloc(p->nmodels + 1, sizeof(size_t)); /* the entry its counter is in */
    size_t g, m, total = 1;
    char *q;

    for (m = 0; m < p->nmodels; m++) {
        /* The counter lives with the first entry of the same model. */
        for (first[m] = 0; first[m] < m && p->models[first[m]].gpu != p->models[m].gpu; first[m]++)
            ;
    }
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_gpu *gpu = p->models[r->gpus[g].model].gpu;

        m = first[r->gpus[g].model];
        total += strlen(gpu->id) + 1 + digits((unsigned)++next[m]) + 1;
    }
    memset(next, 0, (p->nmodels + 1) * sizeof(int));
    *buf = q = xmalloc(total);
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_gpu *gpu = p->models[r->gpus[g].model].gpu;
        unsigned k = (unsigned)++next[first[r->gpus[g].model]];
        size_t idlen = strlen(gpu->id), nlen = digits(k), j;

        /* "%s-%d" by hand: one per GPU */
        ids[g] = q;
        memcpy(q, gpu->id, idlen);
        q[idlen] = '-';
        for (j = nlen; j > 0; j--, k /= 10)
            q[idlen + j] = (char)('0' + k % 10);
        q[idlen + 1 + nlen] = '\0';
        q += idlen + 1 + nlen + 1;
    }
    free(first);
    free(next);
    return ids;
}

/* Orders one tenant's instances by replica, part, GPU and index. */
static int
tinst_cmp(const void *pa, const void *pb, const void *ctx)
{
    const struct pl_tinst *a = pa, *b = pb;
    const struct gpv_pack_inst *insts = ctx, *x = &insts[a->inst], *y = &insts[b->inst];

    if (x->replica != y->replica)
        return x->replica < y->replica ? -1 : 1;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->inst < b->inst ? -1 : (a->inst > b->inst);
}

/* Sorts one tenant's n entries by tinst_cmp: a tenant has few, already nearly in order. */
static void
tinst_sort_small(struct pl_tinst *v, size_t n, const struct gpv_pack_inst *insts)
{
    size_t i, j;

    if (n < 2)
        return;
    if (n > 32) {
        gpv_sort_stable(v, n, sizeof(*v), tinst_cmp, insts);
        return;
    }
    for (i = 1; i < n; i++) {
        struct pl_tinst x = v[i];

        for (j = i; j > 0 && tinst_cmp(&v[j - 1], &x, insts) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

void
pl_index_build(struct pl_index *ix, const struct gpv_plan_src *src)
{
    const struct gpv_pack_result *r = &src->run->result;
    size_t nt = src->job->file->ntenants, g, i, t, k = 0, ng = 0;
    uint32_t *last, *at;

    GPV_ASSERT(r->ninsts < UINT32_MAX && nt < UINT32_MAX);
    memset(ix, 0, sizeof(*ix));
    ix->nids = r->ngpus;
    ix->ids = gpu_ids(&ix->idbuf, &src->run->problem, r);
    ix->ids_owned = pl_nodes_ids(ix->ids, ix->nids, src);
    ix->ti = xcalloc(r->ninsts + 1, sizeof(*ix->ti));
    /* Instances by tenant, replica and part: each tenant's GPUs in replica order. A counting
     * sort by tenant (a tenant's instances are few), then each tenant's own sorted: the order
     * of one sort by tenant and tinst_cmp, which is total, without its n log n. at[t + 1]
     * counts tenant t's instances, then at[t] is where the next one goes (past nt: one
     * bucket, sorted). */
    ix->tfirst = xcalloc(nt + 1, sizeof(*ix->tfirst));
    at = xcalloc(nt + 2, sizeof(*at));
    for (g = 0; g < r->ngpus; g++)
        for (i = r->gpus[g].first; i < r->gpus[g].first + r->gpus[g].ninsts; i++) {
            int d = r->insts[i].demand;

            at[(d >= 0 && (size_t)d < nt ? (size_t)d : nt) + 1]++;
        }
    for (t = 0; t <= nt; t++)
        at[t + 1] += at[t];
    for (g = 0; g < r->ngpus; g++) {
        for (i = r->gpus[g].first; i < r->gpus[g].first + r->gpus[g].ninsts; i++) {
            int d = r->insts[i].demand;
            size_t b = d >= 0 && (size_t)d < nt ? (size_t)d : nt;

            k = at[b]++;
            ix->ti[k].inst = (uint32_t)i;
            ix->ti[k].gpu = (uint32_t)g;
        }
    }
    /* at[b] is now the end of bucket b: the start of bucket b + 1. */
    for (t = 0; t <= nt; t++)
        tinst_sort_small(ix->ti + (t ? at[t - 1] : 0), at[t] - (t ? at[t - 1] : 0), r->insts);
    /* Tenant t's entries end at at[t]; what follows at[nt - 1] names no tenant. */
    last = xcalloc(r->ngpus + 1, sizeof(*last));
    ix->gfirst = xcalloc(nt + 1, sizeof(*ix->gfirst));
    ix->tgpus = xcalloc((nt ? at[nt - 1] : 0) + 1, sizeof(*ix->tgpus));
    for (t = 0, i = 0; t < nt; t++) {
        ix->tfirst[t] = (uint32_t)i;
        ix->gfirst[t] = (uint32_t)ng;
        for (; i < at[t]; i++) {
            /* last[] holds t + 1 for the GPUs tenant t was already seen on. */
            if (last[ix->ti[i].gpu] != t + 1) {
                last[ix->ti[i].gpu] = (uint32_t)(t + 1);
                ix->tgpus[ng++] = ix->ti[i].gpu;
            }
        }
        ix->placed += r->choice[t] >= 0;
    }
    ix->tfirst[nt] = (uint32_t)i;
    ix->gfirst[nt] = (uint32_t)ng;
    free(at);
    free(last);
}

void
pl_index_release(struct pl_index *ix)
{
    size_t i;

    for (i = 0; ix->ids_owned && i < ix->nids; i++)
        if (ix->ids_owned[i])
            free(ix->ids[i]);
    free(ix->ids_owned);
    free(ix->ids);
    free(ix->idbuf);
    free(ix->ti);
    free(ix->tfirst);
    free(ix->tgpus);
    free(ix->gfirst);
    memset(ix, 0, sizeof(*ix));
}
