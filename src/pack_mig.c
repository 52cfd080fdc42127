/*
 * MIG pools of the packer: cutting stock over layout patterns from the MIG engine.
 *
 * A pool is one model's bare-MIG (or MIG-backed vGPU) demands. Its requests are counts per
 * profile ("classes"). A use-pattern is a maximal valid multiset of profiles plus, for each of
 * its instances, the class it serves (itself, or a smaller class it may stand in for: an
 * upgrade). The pool needs the fewest GPUs, each one use-pattern, whose slots cover the counts.
 * Lower bounds come from weightings of the classes scaled so that no maximal multiset is worth
 * more than one GPU (the LP dual is the best such weighting); the plan comes from a greedy cover,
 * exact branch and bound when the pool is small, and LP rounding plus a searched remainder when
 * it is large. docs/plan.md explains it at length.
 */
#include "pack_config.h"
#include "pack_int.h"

#include "gpuvplan/lp.h"
#include "gpuvplan/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the engine's maximal multisets ----------------------------------------------------- */

struct collect {
    struct pk_mig_cache *mc;
    size_t cap;
};

static int
collect_maximal(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    struct collect *col = ctx;
    struct pk_mig_cache *mc = col->mc;

    if (!maximal)
        return 0;
    if (mc->nmax == col->cap) {
        col->cap = col->cap ? 2 * col->cap : 64;
        mc->counts = xreallocarray(mc->counts, col->cap * (size_t)mc->nprof, sizeof(int));
        mc->witness = xreallocarray(mc->witness, col->cap, sizeof(*mc->witness));
    }
    memcpy(mc->counts + mc->nmax * (size_t)mc->nprof, counts, (size_t)mc->nprof * sizeof(int));
    mc->witness[mc->nmax] = *witness;
    mc->nmax++;
    return 0;
}

static struct pk_mig_cache *
mig_cache(struct pk_ctx *c, int model)
{
    struct pk_mig_cache *mc = &c->mig[model];
    const struct gpv_gpu *gpu = c->p->models[model].gpu;
    struct collect col;
    int *zeros, i;

    if (mc->ready)
        return mc;
    mc->ready = true;
    mc->nprof = (int)gpu->mig->nprofiles;
    col.mc = mc;
    col.cap = 0;
    gpv_mig_enumerate(gpu, 0, collect_maximal, &col);
    zeros = xcalloc((size_t)mc->nprof, sizeof(int));
    mc->alone = xcalloc((size_t)mc->nprof, sizeof(int));
    for (i = 0; i < mc->nprof; i++)
        mc->alone[i] = gpv_mig_max_more(gpu, zeros, i, 0);
    free(zeros);
    return mc;
}

void
pk_mig_cache_release(struct pk_ctx *c)
{
    size_t i;

    if (!c->mig)
        return;
    for (i = 0; i < c->p->nmodels; i++) {
        free(c->mig[i].counts);
        free(c->mig[i].witness);
        free(c->mig[i].alone);
    }
    free(c->mig);
    c->mig = NULL;
}

double
pk_mig_fraction(struct pk_ctx *c, const struct gpv_pack_option *o)
{
    const struct gpv_gpu *gpu = c->p->models[o->model].gpu;
    const struct gpv_mig_profile *p = &gpu->mig->profiles[o->profile];
    struct pk_mig_cache *mc = mig_cache(c, o->model);
    double f = (double)p->size / gpu->mig->units;
    double by_slices = (double)p->compute_slices / gpu->mig->compute_slices;

    if (by_slices > f)
        f = by_slices;
    /* A per-GPU maximum counts too (seven 1g.10gb on eight units), except a maximum of one,
     * which says nothing about the room left beside the instance (+me profiles). */
    if (mc->alone[o->profile] > 1 && 1.0 / mc->alone[o->profile] > f)
        f = 1.0 / mc->alone[o->profile];
    return f;
}

/* ---- upgrades ---------------------------------------------------------------------------- */

static bool
engine_covers(int big, int small)
{
    if (small <= 0)
        return true;
    return big >= small;
}

bool
gpv_pack_mig_serves(const struct gpv_gpu *gpu, int big, int small)
{
    const struct gpv_mig_profile *q, *p;

    if (!gpu->mig || big < 0 || small < 0 || (size_t)big >= gpu->mig->nprofiles ||
        (size_t)small >= gpu->mig->nprofiles)
        return false;
    if (big == small)
        return true;
    q = &gpu->mig->profiles[big];
    p = &gpu->mig->profiles[small];
    if (q->memory_mib < p->memory_mib || q->compute_slices < p->compute_slices)
        return false;
    if (p->sms > 0 && q->sms < p->sms)
        return false;
    if (!engine_covers(q->engines.ce, p->engines.ce) ||
        !engine_covers(q->engines.nvdec, p->engines.nvdec) ||
        !engine_covers(q->engines.nvenc, p->engines.nvenc) ||
        !engine_covers(q->engines.jpeg, p->engines.jpeg) ||
        !engine_covers(q->engines.ofa, p->engines.ofa))
        return false;
    /* Media asked: a +me profile, or one whose known engines cover the asked profile's. */
    if (p->media && !q->media &&
        (p->engines.nvdec < 0 || p->engines.jpeg < 0 || p->engines.ofa < 0))
        return false;
    if (strstr(p->name, "+gfx") && !strstr(q->name, "+gfx"))
        return false;
    return true;
}

/* ---- a pool ------------------------------------------------------------------------------ */

struct mpat {
    int *u;     /* per class: slots serving it */
    int *alloc; /* nprof x nd: slots of profile q serving class k */
    int base;   /* index of the maximal multiset */
    int upg;    /* slots serving a smaller class */
    int sum;
    int nd;
    int idx; /* generation order: the last tie-break, so any qsort gives the same order */
};

struct mpool {
    const struct gpv_gpu *gpu;
    struct pk_mig_cache *mc;
    int nprof, nd;
    int *cls;       /* per profile: its class, or -1 */
    int *dprof;     /* per class: its profile (classes sorted by size desc, then index) */
    int *d;         /* per class: instances wanted */
    bool *sv;       /* nprof x nd: profile q may serve class k */
    int spread_max; /* most replicas of one spread demand */
    /* use-patterns */
    int np;
    struct mpat *pat;
    int *ubuf, *abuf; /* storage of u and alloc */
    bool complete;    /* every non-dominated use-pattern is in pat (no cap hit) */
    /* bounds: nw weightings of the classes, each scaled so a GPU is worth at most 1 */
    int nw;
    double *w;
    double *gfrac; /* per class: fraction of a GPU one instance takes, for greedy scores */
};

static void
mpool_release(struct mpool *m)
{
    free(m->cls);
    free(m->dprof);
    free(m->d);
    free(m->sv);
    free(m->pat);
    free(m->ubuf);
    free(m->abuf);
    free(m->w);
    free(m->gfrac);
}

/* Value of maximal multiset i under class weights w: each slot counts its best class. */
static double
multiset_value(const struct mpool *m, size_t i, const double *w)
{
    const int *cnt = m->mc->counts + i * (size_t)m->nprof;
    double v = 0.0;
    int q, k;

    for (q = 0; q < m->nprof; q++) {
        double best = 0.0;

        if (!cnt[q])
            continue;
        for (k = 0; k < m->nd; k++)
            if (m->sv[q * m->nd + k] && w[k] > best)
                best = w[k];
        v += cnt[q] * best;
    }
    return v;
}

/* Scales w so that no GPU is worth more than 1 and adds it to the pool's bounds. */
static void
add_weighting(struct mpool *m, const double *w)
{
    double cap = 0.0;
    size_t i;
    int k;

    for (i = 0; i < m->mc->nmax; i++) {
        double v = multiset_value(m, i, w);

        if (v > cap)
            cap = v;
    }
    if (cap <= 0.0)
        return;
    m->w = xreallocarray(m->w, (size_t)(m->nw + 1) * (size_t)m->nd, sizeof(double));
    for (k = 0; k < m->nd; k++)
        m->w[(size_t)m->nw * m->nd + k] = w[k] > 0.0 ? w[k] / cap : 0.0;
    m->nw++;
}

/* The best bound over the pool's weightings for residual counts r. */
static int
bound_of(const struct mpool *m, const int *r)
{
    int best = 0, i, k;

    for (i = 0; i < m->nw; i++) {
        const double *w = m->w + (size_t)i * m->nd;
        double v = 0.0;
        int b;

        for (k = 0; k < m->nd; k++)
            v += w[k] * r[k];
        b = (int)ceil(v - PACK_BOUND_EPS);
        if (b > best)
            best = b;
    }
    return best;
}

/* ---- use-patterns ------------------------------------------------------------------------ */

struct gen {
    struct mpool *m;
    const int *cnt; /* the maximal multiset */
    int base;
    int *alloc; /* working nprof x nd */
    size_t cap;
    bool overflow;
};

static void
gen_emit(struct gen *g)
{
    struct mpool *m = g->m;
    struct mpat *pt;
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
    struct mpool *m = g->m;
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
    struct mpool *m = g->m;
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
    const struct mpat *a = pa, *b = pb;
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

static bool
covers(const int *big, const int *small, int nd)
{
    int k;

    for (k = 0; k < nd; k++)
        if (big[k] < small[k])
            return false;
    return true;
}

/* Generates the use-patterns, drops empty and dominated ones, keeps at most PACK_MAX_PATTERNS. */
static void
gen_patterns(struct mpool *m)
{
    struct gen g;
    struct mpat *kept;
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
            dom = covers(kept[t].u, m->pat[j].u, m->nd);
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

/* ---- the LP: min sum x s.t. sum x_j u_j >= d, x >= 0 ------------------------------------- */

/* Solves the pool's LP for counts d. On success fills x (per pattern), y (duals, clamped to be
 * non-negative) and *z. */
static bool
lp_solve(const struct mpool *m, const int *d, double *x, double *y, double *z)
{
    struct gpv_lp_problem lp;
    double *a, *b, *cost;
    int np = m->np, nd = m->nd, j, k;
    bool ok;

    a = xcalloc((size_t)nd * np + 1, sizeof(double));
    b = xcalloc((size_t)nd, sizeof(double));
    cost = xcalloc((size_t)np + 1, sizeof(double));
    for (k = 0; k < nd; k++) {
        for (j = 0; j < np; j++)
            a[(size_t)k * np + j] = m->pat[j].u[k];
        b[k] = d[k];
    }
    for (j = 0; j < np; j++)
        cost[j] = 1.0;
    lp.rows = nd;
    lp.cols = np;
    lp.a = a;
    lp.b = b;
    lp.c = cost;
    lp.max_pivots = PACK_LP_MAX_PIVOTS;
    ok = gpv_lp_solve(x, y, z, &lp) == GPV_LP_OPTIMAL;
    for (k = 0; ok && k < nd; k++)
        if (y[k] < 0.0)
            y[k] = 0.0;
    free(a);
    free(b);
    free(cost);
    return ok;
}

/* ---- building a pool --------------------------------------------------------------------- */

static const struct gpv_mig_profile *
prof(const struct mpool *m, int q)
{
    return &m->gpu->mig->profiles[q];
}

/* Sets up classes, counts, the serve relation, patterns and bounds for the demands. */
static void
mpool_init(struct mpool *m, struct pk_ctx *c, int model, enum gpv_pack_kind kind, const int *items,
           size_t n, bool upgrades)
{
    const struct gpv_gpu *gpu = c->p->models[model].gpu;
    double *w;
    int q, k, t;
    size_t i;

    memset(m, 0, sizeof(*m));
    m->gpu = gpu;
    m->mc = mig_cache(c, model);
    m->nprof = m->mc->nprof;
    m->cls = xcalloc((size_t)m->nprof, sizeof(int));
    for (q = 0; q < m->nprof; q++)
        m->cls[q] = -1;
    for (i = 0; i < n; i++) {
        const struct gpv_pack_demand *dm = &c->p->demands[items[i]];

        m->cls[pk_opt(c, items[i])->profile] = 0;
        if (dm->spread && dm->replicas > m->spread_max)
            m->spread_max = dm->replicas;
    }
    /* Classes: the profiles asked for, largest first (the hardest to place branch first). */
    m->dprof = xcalloc((size_t)m->nprof, sizeof(int));
    for (q = 0; q < m->nprof; q++) {
        if (m->cls[q] < 0)
            continue;
        for (k = m->nd; k > 0; k--) {
            const struct gpv_mig_profile *a = prof(m, m->dprof[k - 1]), *b = prof(m, q);

            if (a->size > b->size || (a->size == b->size && m->dprof[k - 1] < q))
                break;
            m->dprof[k] = m->dprof[k - 1];
        }
        m->dprof[k] = q;
        m->nd++;
    }
    for (k = 0; k < m->nd; k++)
        m->cls[m->dprof[k]] = k;
    m->d = xcalloc((size_t)m->nd, sizeof(int));
    for (i = 0; i < n; i++)
        m->d[m->cls[pk_opt(c, items[i])->profile]] += c->p->demands[items[i]].replicas;
    m->sv = xcalloc((size_t)m->nprof * m->nd, sizeof(bool));
    for (q = 0; q < m->nprof; q++)
        for (k = 0; k < m->nd; k++)
            m->sv[q * m->nd + k] = q == m->dprof[k] || (upgrades && kind == GPV_PACK_MIG &&
                                                        gpv_pack_mig_serves(gpu, q, m->dprof[k]));
    gen_patterns(m);
    if (!m->complete && upgrades) {
        /* Too many ways to hand out larger profiles: plan without upgrades, bound with them. */
        free(m->pat);
        free(m->ubuf);
        free(m->abuf);
        m->pat = NULL;
        m->ubuf = m->abuf = NULL;
        m->np = 0;
        {
            bool *keep = m->sv;

            m->sv = xcalloc((size_t)m->nprof * m->nd, sizeof(bool));
            for (k = 0; k < m->nd; k++)
                m->sv[m->dprof[k] * m->nd + k] = true;
            gen_patterns(m);
            free(m->sv);
            m->sv = keep;
        }
        m->complete = false;
    }
    /* Bounds: per class alone, by units, by compute slices (the LP dual is added later). */
    w = xcalloc((size_t)m->nd, sizeof(double));
    for (k = 0; k < m->nd; k++) {
        memset(w, 0, (size_t)m->nd * sizeof(double));
        w[k] = 1.0;
        add_weighting(m, w);
    }
    for (t = 0; t < 2; t++) {
        for (k = 0; k < m->nd; k++)
            w[k] = t == 0 ? prof(m, m->dprof[k])->size : prof(m, m->dprof[k])->compute_slices;
        add_weighting(m, w);
    }
    free(w);
    m->gfrac = xcalloc((size_t)m->nd, sizeof(double));
    for (k = 0; k < m->nd; k++) {
        int q0 = m->dprof[k], alone = m->mc->alone[q0];
        double a = (double)prof(m, q0)->size / gpu->mig->units;
        double b = alone > 0 ? 1.0 / alone : 1.0;

        m->gfrac[k] = a > b ? a : b;
    }
}

/* ---- covers: a list of (pattern, copies) ------------------------------------------------- */

struct cover {
    int n; /* runs */
    int cap;
    int *pat;
    int *copies;
    int gpus;
};

static void
cover_add(struct cover *cv, int pat, int copies)
{
    if (copies <= 0)
        return;
    if (cv->n && cv->pat[cv->n - 1] == pat) {
        cv->copies[cv->n - 1] += copies;
    } else {
        if (cv->n == cv->cap) {
            cv->cap = cv->cap ? 2 * cv->cap : 16;
            cv->pat = xreallocarray(cv->pat, (size_t)cv->cap, sizeof(int));
            cv->copies = xreallocarray(cv->copies, (size_t)cv->cap, sizeof(int));
        }
        cv->pat[cv->n] = pat;
        cv->copies[cv->n] = copies;
        cv->n++;
    }
    cv->gpus += copies;
}

static void
cover_release(struct cover *cv)
{
    free(cv->pat);
    free(cv->copies);
    memset(cv, 0, sizeof(*cv));
}

static bool
all_zero(const int *r, int nd)
{
    int k;

    for (k = 0; k < nd; k++)
        if (r[k] > 0)
            return false;
    return true;
}

/* Covers r (consumed) greedily: the pattern covering the most GPU fraction, applied in bulk. */
static void
greedy_cover(const struct mpool *m, int *r, struct cover *cv)
{
    int k;

    while (!all_zero(r, m->nd)) {
        int best = -1, j, times = -1;
        double bs = -1.0;

        for (j = 0; j < m->np; j++) {
            const struct mpat *pt = &m->pat[j];
            double s = 0.0;

            for (k = 0; k < m->nd; k++)
                s += (pt->u[k] < r[k] ? pt->u[k] : r[k]) * m->gfrac[k];
            /* Ties: fewer upgrades, then fewer slots (less left empty). */
            if (best < 0 || s > bs + 1e-12 ||
                (s > bs - 1e-12 && (pt->upg < m->pat[best].upg ||
                                    (pt->upg == m->pat[best].upg && pt->sum < m->pat[best].sum)))) {
                bs = s;
                best = j;
            }
        }
        if (best < 0)
            break; /* cannot happen: every class is served by some pattern */
        for (k = 0; k < m->nd; k++) {
            int u = m->pat[best].u[k];

            if (u > 0 && r[k] > 0 && (times < 0 || r[k] / u < times))
                times = r[k] / u;
        }
        if (times < 1)
            times = 1;
        for (k = 0; k < m->nd; k++) {
            r[k] -= times * m->pat[best].u[k];
            if (r[k] < 0)
                r[k] = 0;
        }
        cover_add(cv, best, times);
    }
}

/* ---- branch and bound -------------------------------------------------------------------- */

struct bb {
    const struct mpool *m;
    int *r;        /* (limit + 1) x nd residuals by depth */
    int *path;     /* pattern per depth */
    int *best;     /* best path found */
    int nbest;     /* its length (the incumbent) */
    int floor;     /* a lower bound: stop when the incumbent reaches it */
    int *cand;     /* (limit + 1) x np candidates by depth */
    int *eff;      /* np x nd: coverage of the residual by this node's candidates */
    double *score; /* np: their usefulness */
    long nodes, budget;
    bool aborted;
};

static void
bb_rec(struct bb *b, int depth, int prevk, int previdx)
{
    const struct mpool *m = b->m;
    int nd = m->nd, np = m->np, ks = -1, k, j, nc = 0, t;
    const int *r = b->r + (size_t)depth * nd;
    int *cand, *eff;
    double *score;

    for (k = 0; k < nd; k++) {
        if (r[k] > 0) {
            ks = k;
            break;
        }
    }
    if (ks < 0) {
        if (depth < b->nbest) {
            b->nbest = depth;
            memcpy(b->best, b->path, (size_t)depth * sizeof(int));
        }
        return;
    }
    if (++b->nodes > b->budget) {
        b->aborted = true;
        return;
    }
    if (depth + 1 >= b->nbest || depth + bound_of(m, r) >= b->nbest)
        return;
    cand = b->cand + (size_t)depth * np;
    eff = b->eff;
    score = b->score;
    /* Candidates: patterns serving class ks, in index order; a pattern whose coverage of the
     * residual is no better than an earlier candidate's is skipped (that one does as well). */
    for (j = (ks == prevk ? previdx : 0); j < np; j++) {
        const struct mpat *pt = &m->pat[j];
        int *e = eff + (size_t)nc * nd;
        bool dom = false;

        if (pt->u[ks] <= 0)
            continue;
        for (k = 0; k < nd; k++)
            e[k] = pt->u[k] < r[k] ? pt->u[k] : r[k];
        for (t = 0; t < nc && !dom; t++)
            dom = covers(eff + (size_t)t * nd, e, nd);
        if (dom)
            continue;
        score[nc] = 0.0;
        for (k = 0; k < nd; k++)
            score[nc] += e[k] * m->gfrac[k];
        cand[nc++] = j;
    }
    /* Most useful first: finds good plans early, so the bound prunes more. Stable. */
    for (t = 1; t < nc; t++) {
        int cj = cand[t], u;
        double cs = score[t];

        for (u = t; u > 0 && score[u - 1] < cs - 1e-12; u--) {
            cand[u] = cand[u - 1];
            score[u] = score[u - 1];
        }
        cand[u] = cj;
        score[u] = cs;
    }
    for (t = 0; t < nc; t++) {
        const struct mpat *pt = &m->pat[cand[t]];
        int *rn = b->r + (size_t)(depth + 1) * nd;

        for (k = 0; k < nd; k++)
            rn[k] = r[k] > pt->u[k] ? r[k] - pt->u[k] : 0;
        b->path[depth] = cand[t];
        bb_rec(b, depth + 1, ks, cand[t]);
        if (b->aborted || b->nbest <= b->floor)
            return;
    }
}

/*
 * Searches for a cover of r with fewer than `incumbent` GPUs. Returns the GPUs of the best
 * cover found (incumbent when none is better; then *out is untouched) and sets *proven when
 * the search finished within its budget.
 */
static int
bb_cover(struct pk_ctx *c, const struct mpool *m, const int *r, int incumbent, int floor,
         struct cover *out, bool *proven)
{
    struct bb b;
    int limit = incumbent, t;

    memset(&b, 0, sizeof(b));
    b.m = m;
    b.nbest = incumbent;
    b.floor = floor;
    b.budget = c->bb_nodes;
    b.r = xcalloc((size_t)(limit + 1) * m->nd, sizeof(int));
    b.path = xcalloc((size_t)limit + 1, sizeof(int));
    b.best = xcalloc((size_t)limit + 1, sizeof(int));
    b.cand = xcalloc((size_t)(limit + 1) * m->np, sizeof(int));
    b.eff = xcalloc((size_t)m->np * m->nd + 1, sizeof(int));
    b.score = xcalloc((size_t)m->np + 1, sizeof(double));
    memcpy(b.r, r, (size_t)m->nd * sizeof(int));
    bb_rec(&b, 0, -1, 0);
    c->nodes += b.nodes;
    *proven = !b.aborted;
    if (b.nbest < incumbent) {
        memset(out, 0, sizeof(*out));
        for (t = 0; t < b.nbest; t++)
            cover_add(out, b.best[t], 1);
    }
    free(b.r);
    free(b.path);
    free(b.best);
    free(b.cand);
    free(b.eff);
    free(b.score);
    return b.nbest;
}

/* ---- solving a pool ---------------------------------------------------------------------- */

/* Finds a cover of the pool's counts; returns the pool's lower bound, sets *proven. */
static int
solve_pool(struct pk_ctx *c, struct mpool *m, struct cover *best, bool *proven)
{
    double *x = xcalloc((size_t)m->np + 1, sizeof(double));
    double *y = xcalloc((size_t)m->nd, sizeof(double));
    int *r = xcalloc((size_t)m->nd, sizeof(int));
    double z = 0.0;
    int lb, k, j;
    bool lp_ok, done = false;

    lp_ok = m->np > 0 && lp_solve(m, m->d, x, y, &z);
    if (lp_ok)
        add_weighting(m, y);
    lb = bound_of(m, m->d);
    if (m->spread_max > lb)
        lb = m->spread_max;
    memcpy(r, m->d, (size_t)m->nd * sizeof(int));
    memset(best, 0, sizeof(*best));
    greedy_cover(m, r, best);
    *proven = best->gpus <= lb;
    if (!*proven && lb <= PACK_BB_MAX_GPUS) {
        struct cover alt;
        bool fin = false;
        int got;

        memset(&alt, 0, sizeof(alt));
        got = bb_cover(c, m, m->d, best->gpus, lb, &alt, &fin);
        if (got < best->gpus) {
            cover_release(best);
            *best = alt;
        }
        *proven = (fin && m->complete) || best->gpus <= lb;
        done = true;
    }
    if (!*proven && !done && lp_ok) {
        /* Large pool: whole copies of the LP's patterns, then search what is left. */
        struct cover alt, rest;
        bool fin = false;
        int resid_lb;

        memset(&alt, 0, sizeof(alt));
        memset(&rest, 0, sizeof(rest));
        memcpy(r, m->d, (size_t)m->nd * sizeof(int));
        for (j = 0; j < m->np; j++) {
            int copies = (int)floor(x[j] + 1e-9);

            if (copies <= 0)
                continue;
            cover_add(&alt, j, copies);
            for (k = 0; k < m->nd; k++) {
                r[k] -= copies * m->pat[j].u[k];
                if (r[k] < 0)
                    r[k] = 0;
            }
        }
        {
            int *r2 = xcalloc((size_t)m->nd, sizeof(int));

            memcpy(r2, r, (size_t)m->nd * sizeof(int));
            greedy_cover(m, r2, &rest);
            free(r2);
        }
        resid_lb = bound_of(m, r);
        if (rest.gpus > resid_lb && rest.gpus <= PACK_BB_MAX_GPUS) {
            struct cover better;
            int got;

            memset(&better, 0, sizeof(better));
            got = bb_cover(c, m, r, rest.gpus, resid_lb, &better, &fin);
            if (got < rest.gpus) {
                cover_release(&rest);
                rest = better;
            }
        }
        for (j = 0; j < rest.n; j++)
            cover_add(&alt, rest.pat[j], rest.copies[j]);
        cover_release(&rest);
        if (alt.gpus < best->gpus) {
            cover_release(best);
            *best = alt;
        } else {
            cover_release(&alt);
        }
        *proven = best->gpus <= lb;
    }
    free(x);
    free(y);
    free(r);
    return lb;
}

/* ---- materialising: GPUs, slots, replicas ------------------------------------------------ */

struct mslot {
    int gpu; /* local GPU index */
    int q;   /* profile */
    int start;
    int k; /* class served, -1: unused slot */
    int demand, replica;
};

struct mat {
    const struct mpool *m;
    struct pk_ctx *c;
    struct mslot *s;
    size_t ns, caps;
    int ngpu;
    int **list; /* per class: slot indices, unupgraded first */
    size_t *nlist, *caplist;
    int *mark; /* per local GPU: demand + 1 that last used it */
    size_t capmark;
};

static void
list_push(struct mat *mt, int k, int slot)
{
    if (mt->nlist[k] == mt->caplist[k]) {
        mt->caplist[k] = mt->caplist[k] ? 2 * mt->caplist[k] : 16;
        mt->list[k] = xreallocarray(mt->list[k], mt->caplist[k], sizeof(int));
    }
    mt->list[k][mt->nlist[k]++] = slot;
}

/* Adds `copies` GPUs of pattern j; returns the first slot index. Slots are not listed. */
static size_t
mat_add_gpus(struct mat *mt, int j, int copies)
{
    const struct mpool *m = mt->m;
    const struct mpat *pt = &m->pat[j];
    const struct gpv_mig_layout *wl = &m->mc->witness[pt->base];
    size_t first = mt->ns;
    int *left = xcalloc((size_t)m->nprof * m->nd, sizeof(int));
    int cpy, i, k;

    for (cpy = 0; cpy < copies; cpy++) {
        memcpy(left, pt->alloc, (size_t)m->nprof * m->nd * sizeof(int));
        if (mt->ns + (size_t)wl->n > mt->caps) {
            mt->caps = (mt->caps + (size_t)wl->n) * 2;
            mt->s = xreallocarray(mt->s, mt->caps, sizeof(*mt->s));
        }
        for (i = 0; i < wl->n; i++) {
            struct mslot *sl = &mt->s[mt->ns++];
            int q = wl->inst[i].profile;

            sl->gpu = mt->ngpu;
            sl->q = q;
            sl->start = wl->inst[i].start;
            sl->k = -1;
            sl->demand = -1;
            sl->replica = 0;
            /* Serve the own class first, then smaller ones. */
            if (m->cls[q] >= 0 && left[q * m->nd + m->cls[q]] > 0) {
                sl->k = m->cls[q];
            } else {
                for (k = 0; k < m->nd; k++) {
                    if (left[q * m->nd + k] > 0) {
                        sl->k = k;
                        break;
                    }
                }
            }
            if (sl->k >= 0)
                left[q * m->nd + sl->k]--;
        }
        mt->ngpu++;
    }
    free(left);
    if ((size_t)mt->ngpu > mt->capmark) {
        size_t old = mt->capmark;

        mt->capmark = (size_t)mt->ngpu * 2;
        mt->mark = xreallocarray(mt->mark, mt->capmark, sizeof(int));
        memset(mt->mark + old, 0, (mt->capmark - old) * sizeof(int));
    }
    return first;
}

struct lkey {
    int k, upgraded, count, gpu, slot;
};

static int
lkey_cmp(const void *pa, const void *pb)
{
    const struct lkey *a = pa, *b = pb;

    if (a->k != b->k)
        return a->k < b->k ? -1 : 1;
    if (a->upgraded != b->upgraded)
        return a->upgraded < b->upgraded ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->slot < b->slot ? -1 : (a->slot > b->slot);
}

/*
 * Lists slots [from, ns) in their classes: slots of the profile asked first, then upgraded
 * ones; within each, GPUs with the most slots of the class first, so that tenants asking for
 * the same profile share GPUs and any excess is left on the mixed layouts.
 */
static void
mat_list(struct mat *mt, size_t from)
{
    size_t n = mt->ns - from, i, a, b, nk = 0;
    struct lkey *keys = xcalloc(n + 1, sizeof(*keys));

    for (a = from; a < mt->ns; a = b) {
        for (b = a; b < mt->ns && mt->s[b].gpu == mt->s[a].gpu; b++)
            ;
        for (i = a; i < b; i++) {
            const struct mslot *sl = &mt->s[i];
            size_t j;
            int count = 0, up;

            if (sl->k < 0)
                continue;
            up = mt->m->dprof[sl->k] != sl->q;
            for (j = a; j < b; j++)
                count += mt->s[j].k == sl->k && (mt->m->dprof[sl->k] != mt->s[j].q) == up;
            keys[nk].k = sl->k;
            keys[nk].upgraded = up;
            keys[nk].count = count;
            keys[nk].gpu = sl->gpu;
            keys[nk].slot = (int)i;
            nk++;
        }
    }
    qsort(keys, nk, sizeof(*keys), lkey_cmp);
    for (i = 0; i < nk; i++)
        list_push(mt, keys[i].k, keys[i].slot);
    free(keys);
}

/* The pattern with the most slots for class k (fewest upgrades on a tie). */
static int
best_pattern_for(const struct mpool *m, int k)
{
    int j, best = -1;

    for (j = 0; j < m->np; j++)
        if (m->pat[j].u[k] > 0 &&
            (best < 0 || m->pat[j].u[k] > m->pat[best].u[k] ||
             (m->pat[j].u[k] == m->pat[best].u[k] && m->pat[j].upg < m->pat[best].upg)))
            best = j;
    return best;
}

/* Gives one replica of demand d the slot si. */
static void
mat_take(struct mat *mt, int si, int d, int replica)
{
    mt->s[si].demand = d;
    mt->s[si].replica = replica;
    mt->mark[mt->s[si].gpu] = d + 1;
}

/* Places the spread demand d (class k): its replicas on distinct GPUs. */
static void
mat_spread(struct mat *mt, int d, int k, size_t *cursor)
{
    int reps = mt->c->p->demands[d].replicas, got = 0;
    size_t scanned = 0, len = mt->nlist[k];

    while (got < reps && scanned < len) {
        int si = mt->list[k][(*cursor + scanned) % len];

        scanned++;
        if (mt->s[si].demand >= 0 || mt->mark[mt->s[si].gpu] == d + 1)
            continue;
        mat_take(mt, si, d, got++);
    }
    if (len)
        *cursor = (*cursor + scanned) % len;
    while (got < reps) {
        /* Not enough distinct GPUs with room: a new GPU per missing replica. */
        size_t from = mat_add_gpus(mt, best_pattern_for(mt->m, k), 1), i;

        mat_list(mt, from);
        for (i = from; i < mt->ns; i++) {
            if (mt->s[i].k == k && mt->s[i].demand < 0) {
                mat_take(mt, (int)i, d, got++);
                break;
            }
        }
    }
}

/* Places the packed demand d (class k) in the next free slots. */
static void
mat_packed(struct mat *mt, int d, int k, size_t *pos)
{
    int reps = mt->c->p->demands[d].replicas, got = 0;

    while (got < reps) {
        int si;

        if (*pos >= mt->nlist[k]) {
            size_t from = mat_add_gpus(mt, best_pattern_for(mt->m, k), 1);

            mat_list(mt, from);
            continue;
        }
        si = mt->list[k][(*pos)++];
        if (mt->s[si].demand >= 0)
            continue;
        mat_take(mt, si, d, got++);
    }
}

static int
spread_first_cmp(const void *pa, const void *pb, const void *ctx)
{
    const struct pk_ctx *c = ctx;
    int a = *(const int *)pa, b = *(const int *)pb;
    const struct gpv_pack_demand *da = &c->p->demands[a], *db = &c->p->demands[b];

    if (da->spread != db->spread)
        return da->spread ? -1 : 1;
    if (da->spread && da->replicas != db->replicas)
        return da->replicas > db->replicas ? -1 : 1;
    return a < b ? -1 : (a > b);
}

/* Turns a cover into GPUs and instances in s, assigning every replica. Returns GPUs used. */
static int
materialise(struct pk_ctx *c, struct pk_sol *s, const struct mpool *m, const struct cover *cv,
            int model, enum gpv_pack_kind kind, const int *items, size_t n)
{
    struct mat mt;
    int *order = xcalloc(n + 1, sizeof(int));
    size_t *cursor = xcalloc((size_t)m->nd, sizeof(size_t));
    size_t *pos = xcalloc((size_t)m->nd, sizeof(size_t));
    size_t i, first;
    int j, g, used = 0;

    memset(&mt, 0, sizeof(mt));
    mt.m = m;
    mt.c = c;
    mt.list = xcalloc((size_t)m->nd, sizeof(int *));
    mt.nlist = xcalloc((size_t)m->nd, sizeof(size_t));
    mt.caplist = xcalloc((size_t)m->nd, sizeof(size_t));
    for (j = 0; j < cv->n; j++)
        mat_add_gpus(&mt, cv->pat[j], cv->copies[j]);
    mat_list(&mt, 0);
    memcpy(order, items, n * sizeof(int));
    gpv_sort_stable(order, n, sizeof(*order), spread_first_cmp, c);
    for (i = 0; i < n; i++) {
        int d = order[i], k = m->cls[pk_opt(c, d)->profile];

        if (c->p->demands[d].spread && c->p->demands[d].replicas > 1)
            mat_spread(&mt, d, k, &cursor[k]);
        else
            mat_packed(&mt, d, k, &pos[k]);
    }
    /* Emit the GPUs that serve someone; slots are in start order within a GPU. */
    first = 0;
    for (g = 0; g < mt.ngpu; g++) {
        size_t e = first, t;
        bool any = false;

        while (e < mt.ns && mt.s[e].gpu == g) {
            any |= mt.s[e].demand >= 0;
            e++;
        }
        if (any) {
            pk_sol_gpu(s, model, kind);
            used++;
            for (t = first; t < e; t++) {
                const struct mslot *sl = &mt.s[t];
                const struct gpv_pack_option *o;
                struct gpv_pack_inst in;

                if (sl->demand < 0)
                    continue;
                o = pk_opt(c, sl->demand);
                memset(&in, 0, sizeof(in));
                in.demand = sl->demand;
                in.replica = sl->replica;
                in.profile = sl->q;
                in.vgpu_type = kind == GPV_PACK_MIG_VGPU ? o->vgpu_type : -1;
                in.start = sl->start;
                in.size = m->gpu->mig->profiles[sl->q].size;
                in.upgraded = sl->q != o->profile;
                pk_sol_inst(s, &in);
            }
        }
        first = e;
    }
    for (j = 0; j < m->nd; j++)
        free(mt.list[j]);
    free(mt.list);
    free(mt.nlist);
    free(mt.caplist);
    free(mt.s);
    free(mt.mark);
    free(order);
    free(cursor);
    free(pos);
    return used;
}

/* ---- first fit --------------------------------------------------------------------------- */

struct ffrec {
    int gpu, demand, replica, profile;
};

/* Every replica, in input order, on the first GPU that takes one more of its profile. */
static int
first_fit(struct pk_ctx *c, struct pk_sol *s, const struct mpool *m, int model,
          enum gpv_pack_kind kind, const int *items, size_t n)
{
    const struct gpv_gpu *gpu = m->gpu;
    int nprof = m->nprof, ngpu = 0, capg = 0, *counts = NULL, *mark = NULL, *cursor;
    struct ffrec *rec = NULL;
    size_t nrec = 0, caprec = 0, i, *start = NULL, *fill = NULL;
    struct ffrec *byg = NULL;
    int g, used = 0;

    cursor = xcalloc((size_t)nprof, sizeof(int));
    for (i = 0; i < n; i++) {
        int d = items[i], p = pk_opt(c, d)->profile, rep;
        const struct gpv_pack_demand *dm = &c->p->demands[d];

        for (rep = 0; rep < dm->replicas; rep++) {
            int found = -1;

            for (g = cursor[p]; g < ngpu; g++) {
                if (!gpv_mig_can_add(gpu, counts + (size_t)g * nprof, p, 0)) {
                    if (g == cursor[p])
                        cursor[p]++;
                    continue;
                }
                if (dm->spread && mark[g] == d + 1)
                    continue;
                found = g;
                break;
            }
            if (found < 0) {
                if (ngpu == capg) {
                    capg = capg ? 2 * capg : 64;
                    counts = xreallocarray(counts, (size_t)capg * nprof, sizeof(int));
                    mark = xreallocarray(mark, (size_t)capg, sizeof(int));
                }
                memset(counts + (size_t)ngpu * nprof, 0, (size_t)nprof * sizeof(int));
                mark[ngpu] = 0;
                found = ngpu++;
            }
            counts[(size_t)found * nprof + p]++;
            mark[found] = d + 1;
            if (nrec == caprec) {
                caprec = caprec ? 2 * caprec : 256;
                rec = xreallocarray(rec, caprec, sizeof(*rec));
            }
            rec[nrec].gpu = found;
            rec[nrec].demand = d;
            rec[nrec].replica = rep;
            rec[nrec].profile = p;
            nrec++;
        }
    }
    /* Group the records by GPU (counting sort keeps input order inside a GPU). */
    start = xcalloc((size_t)ngpu + 1, sizeof(size_t));
    fill = xcalloc((size_t)ngpu + 1, sizeof(size_t));
    byg = xcalloc(nrec + 1, sizeof(*byg));
    for (i = 0; i < nrec; i++)
        start[rec[i].gpu + 1]++;
    for (g = 0; g < ngpu; g++)
        start[g + 1] += start[g];
    for (i = 0; i < nrec; i++)
        byg[start[rec[i].gpu] + fill[rec[i].gpu]++] = rec[i];
    for (g = 0; g < ngpu; g++) {
        struct gpv_mig_layout l;
        bool taken[GPV_MIG_MAX_INSTANCES];
        size_t e;
        int t;

        gpv_mig_place(&l, gpu, counts + (size_t)g * nprof, 0);
        memset(taken, 0, sizeof(taken));
        pk_sol_gpu(s, model, kind);
        used++;
        /* Instances in start order, each given to the next record of its profile. */
        for (t = 0; t < l.n; t++) {
            for (e = start[g]; e < start[g + 1]; e++) {
                if (!taken[e - start[g]] && byg[e].profile == l.inst[t].profile) {
                    struct gpv_pack_inst in;

                    taken[e - start[g]] = true;
                    memset(&in, 0, sizeof(in));
                    in.demand = byg[e].demand;
                    in.replica = byg[e].replica;
                    in.profile = l.inst[t].profile;
                    in.vgpu_type =
                        kind == GPV_PACK_MIG_VGPU ? pk_opt(c, byg[e].demand)->vgpu_type : -1;
                    in.start = l.inst[t].start;
                    in.size = gpu->mig->profiles[in.profile].size;
                    pk_sol_inst(s, &in);
                    break;
                }
            }
        }
    }
    free(cursor);
    free(counts);
    free(mark);
    free(rec);
    free(start);
    free(fill);
    free(byg);
    return used;
}

/* ---- entry points ------------------------------------------------------------------------ */

void
pk_pack_mig(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
            const int *items, size_t n, int *lb, bool *optimal)
{
    struct mpool m;
    struct cover cv;
    bool upgrades = !c->p->no_upgrades && c->p->strategy == GPV_PACK_OPTIMAL;
    int used;

    *lb = 0;
    *optimal = true;
    if (n == 0)
        return;
    mpool_init(&m, c, model, kind, items, n, upgrades);
    if (c->p->strategy == GPV_PACK_FIRST_FIT) {
        double *x = xcalloc((size_t)m.np + 1, sizeof(double));
        double *y = xcalloc((size_t)m.nd, sizeof(double));
        double z;

        if (m.np > 0 && lp_solve(&m, m.d, x, y, &z))
            add_weighting(&m, y);
        free(x);
        free(y);
        *lb = bound_of(&m, m.d);
        if (m.spread_max > *lb)
            *lb = m.spread_max;
        used = first_fit(c, s, &m, model, kind, items, n);
        *optimal = used <= *lb;
    } else {
        bool proven;

        *lb = solve_pool(c, &m, &cv, &proven);
        used = materialise(c, s, &m, &cv, model, kind, items, n);
        *optimal = (proven && used <= cv.gpus) || used <= *lb;
        cover_release(&cv);
    }
    mpool_release(&m);
}

int
gpv_pack_mig_lower_bound(const struct gpv_gpu *gpu, const int *counts, bool upgrades)
{
    struct gpv_pack_model model;
    struct gpv_pack_problem p;
    struct gpv_pack_option *opts = NULL;
    struct gpv_pack_demand *dem = NULL;
    struct pk_ctx c;
    struct mpool m;
    struct cover cv;
    int *items = NULL, q, n = 0, lb;
    bool proven;

    if (!gpu->mig)
        return -1;
    memset(&model, 0, sizeof(model));
    model.gpu = gpu;
    model.limit = -1;
    model.cost = -1.0;
    opts = xcalloc(gpu->mig->nprofiles, sizeof(*opts));
    dem = xcalloc(gpu->mig->nprofiles, sizeof(*dem));
    items = xcalloc(gpu->mig->nprofiles, sizeof(int));
    for (q = 0; q < (int)gpu->mig->nprofiles; q++) {
        if (counts[q] <= 0)
            continue;
        opts[n].model = 0;
        opts[n].kind = GPV_PACK_MIG;
        opts[n].profile = q;
        opts[n].vgpu_type = -1;
        dem[n].replicas = counts[q];
        dem[n].noptions = 1;
        dem[n].options = &opts[n];
        items[n] = n;
        n++;
    }
    memset(&p, 0, sizeof(p));
    p.nmodels = 1;
    p.models = &model;
    p.ndemands = (size_t)n;
    p.demands = dem;
    p.no_upgrades = !upgrades;
    memset(&c, 0, sizeof(c));
    c.p = &p;
    c.mig = xcalloc(1, sizeof(*c.mig));
    c.bb_nodes = 0; /* bounds only: no search */
    {
        int *asg = xcalloc((size_t)n + 1, sizeof(int));

        c.asg = asg;
        lb = 0;
        if (n) {
            mpool_init(&m, &c, 0, GPV_PACK_MIG, items, (size_t)n, upgrades);
            lb = solve_pool(&c, &m, &cv, &proven);
            cover_release(&cv);
            mpool_release(&m);
        }
        free(asg);
    }
    pk_mig_cache_release(&c);
    free(opts);
    free(dem);
    free(items);
    return lb;
}
