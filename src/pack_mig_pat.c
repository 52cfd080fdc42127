/* MIG pools: the use-patterns, each a maximal MIG multiset plus the class every slot serves. */

#include "pack_config.h"
#include "pack_int.h"
#include "pack_mig_int.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/* ---- use-patterns ------------------------------------------------------------------------ */

struct gen {
    struct pk_mpool *m;
    const int *cnt; /* the maximal multiset */
    int base;
    int *alloc; /* working nprof x nd */
    size_t cap;
    bool overflow;
};

static void
gen_emit(struct gen *g)
{
    struct pk_mpool *m = g->m;
    struct pk_mpat *pt;
    int q, k;

    if ((size_t)m->np >= PACK_MAX_USE_PATTERNS) {
        g->overflow = true;
        return;
    }
    if ((size_t)m->np == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        m->pat = xreallocarray(m->pat, g->cap, sizeof(*m->pat));
        m->ubuf = xreallocarray(m->ubuf, g->cap * (size_t)m->nd, sizeof(int));
        m->abuf = xreallocarray(m->abuf, g->cap * (size_t)m->nd * m->nprof, sizeof(int));
    }
    pt = &m->pat[m->np];
    memset(pt, 0, sizeof(*pt));
    pt->base = g->base;
    pt->nd = m->nd;
    pt->idx = m->np;
    memcpy(m->abuf + (size_t)m->np * m->nd * m->nprof, g->alloc,
           (size_t)m->nd * m->nprof * sizeof(int));
    memset(m->ubuf + (size_t)m->np * m->nd, 0, (size_t)m->nd * sizeof(int));
    for (q = 0; q < m->nprof; q++) {
        for (k = 0; k < m->nd; k++) {
            int a = g->alloc[q * m->nd + k];

            m->ubuf[(size_t)m->np * m->nd + k] += a;
            pt->sum += a;
            if (a && m->dprof[k] != q)
                pt->upg += a;
        }
    }
    m->np++;
}

/* Distributes the `left` slots of profile q over the classes it serves, from class k on. */
static void gen_profile(struct gen *g, int q);

static void
gen_split(struct gen *g, int q, int k, int left)
{
    struct pk_mpool *m = g->m;
    int next = k + 1, a;

    if (g->overflow)
        return;
    while (next < m->nd && !m->sv[q * m->nd + next])
        next++;
    if (next >= m->nd) {
        /* Last class this profile serves takes the rest. */
        g->alloc[q * m->nd + k] = left;
        gen_profile(g, q + 1);
        g->alloc[q * m->nd + k] = 0;
        return;
    }
    for (a = left; a >= 0; a--) {
        g->alloc[q * m->nd + k] = a;
        gen_split(g, q, next, left - a);
        if (g->overflow)
            break;
    }
    g->alloc[q * m->nd + k] = 0;
}

static void
gen_profile(struct gen *g, int q)
{
    struct pk_mpool *m = g->m;
    int k;

    if (g->overflow)
        return;
    for (; q < m->nprof; q++) {
        if (!g->cnt[q])
            continue;
        for (k = 0; k < m->nd; k++)
            if (m->sv[q * m->nd + k])
                break;
        if (k < m->nd) {
            gen_split(g, q, k, g->cnt[q]);
            return;
        }
    }
    gen_emit(g);
}

static int
pat_cmp(const void *pa, const void *pb)
{
    const struct pk_mpat *a = pa, *b = pb;
    int k;

    if (a->sum != b->sum)
        return a->sum > b->sum ? -1 : 1;
    if (a->upg != b->upg)
        return a->upg < b->upg ? -1 : 1;
    for (k = 0; k < a->nd; k++)
        if (a->u[k] != b->u[k])
            return a->u[k] > b->u[k] ? -1 : 1;
    if (a->base != b->base)
        return a->base < b->base ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

bool
pk_mig_covers(const int *big, const int *small, int nd)
{
    int k;

    for (k = 0; k < nd; k++)
        if (big[k] < small[k])
            return false;
    return true;
}

/* Generates the use-patterns, drops empty and dominated ones, keeps at most PACK_MAX_PATTERNS. */
void
pk_mig_gen_patterns(struct pk_mpool *m)
{
    struct gen g;
    struct pk_mpat *kept;
    size_t i;
    int j, nk = 0;

    memset(&g, 0, sizeof(g));
    g.m = m;
    g.alloc = xcalloc((size_t)m->nd * m->nprof, sizeof(int));
    for (i = 0; i < m->mc->nmax && !g.overflow; i++) {
        g.cnt = m->mc->counts + i * (size_t)m->nprof;
        g.base = (int)i;
        gen_profile(&g, 0);
    }
    free(g.alloc);
    m->complete = !g.overflow;
    for (j = 0; j < m->np; j++) {
        m->pat[j].u = m->ubuf + (size_t)j * m->nd;
        m->pat[j].alloc = m->abuf + (size_t)j * m->nd * m->nprof;
    }
    qsort(m->pat, (size_t)m->np, sizeof(*m->pat), pat_cmp);
    /* Sorted by size descending, so any dominating pattern comes first. */
    kept = xcalloc((size_t)m->np + 1, sizeof(*kept));
    for (j = 0; j < m->np; j++) {
        int t;
        bool dom = m->pat[j].sum == 0;

        for (t = 0; t < nk && !dom; t++)
            dom = pk_mig_covers(kept[t].u, m->pat[j].u, m->nd);
        if (dom)
            continue;
        if (nk == PACK_MAX_PATTERNS) {
            m->complete = false;
            break;
        }
        kept[nk++] = m->pat[j];
    }
    free(m->pat);
    m->pat = kept;
    m->np = nk;
}
