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
#include "pack_engine.h"
#include "pack_int.h"
#include "pack_mig_int.h"

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

struct pk_mig_cache *
pk_mig_cache_get(struct pk_ctx *c, int model)
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
    struct pk_mig_cache *mc = pk_mig_cache_get(c, o->model);
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

static void
mpool_release(struct pk_mpool *m)
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
multiset_value(const struct pk_mpool *m, size_t i, const double *w)
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
add_weighting(struct pk_mpool *m, const double *w)
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
int
pk_mig_bound_of(const struct pk_mpool *m, const int *r)
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

/* ---- the LP: min sum x s.t. sum x_j u_j >= d, x >= 0 ------------------------------------- */

/* Solves the pool's LP for counts d. On success fills x (per pattern), y (duals, clamped to be
 * non-negative) and *z. */
static bool
lp_solve(const struct pk_mpool *m, const int *d, double *x, double *y, double *z)
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
prof(const struct pk_mpool *m, int q)
{
    return &m->gpu->mig->profiles[q];
}

/* Sets up classes, counts, the serve relation, patterns and bounds for the demands. */
static void
mpool_init(struct pk_mpool *m, struct pk_ctx *c, int model, enum gpv_pack_kind kind,
           const int *items, size_t n, bool upgrades)
{
    const struct gpv_gpu *gpu = c->p->models[model].gpu;
    double *w;
    int q, k, t;
    size_t i;

    memset(m, 0, sizeof(*m));
    m->gpu = gpu;
    m->mc = pk_mig_cache_get(c, model);
    m->nprof = m->mc->nprof;
    m->cls = xcalloc((size_t)m->nprof, sizeof(int));
    for (q = 0; q < m->nprof; q++)
        m->cls[q] = -1;
    for (i = 0; i < n; i++) {
        const struct gpv_pack_demand *dm = &c->p->demands[items[i]];

        m->cls[pk_opt(c, items[i])->profile] = 0;
        if (dm->spread && pk_units(pk_opt(c, items[i]), dm->replicas) > m->spread_max)
            m->spread_max = pk_units(pk_opt(c, items[i]), dm->replicas);
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
        m->d[m->cls[pk_opt(c, items[i])->profile]] +=
            pk_units(pk_opt(c, items[i]), c->p->demands[items[i]].replicas);
    m->sv = xcalloc((size_t)m->nprof * m->nd, sizeof(bool));
    for (q = 0; q < m->nprof; q++)
        for (k = 0; k < m->nd; k++)
            m->sv[q * m->nd + k] = q == m->dprof[k] || (upgrades && kind == GPV_PACK_MIG &&
                                                        gpv_pack_mig_serves(gpu, q, m->dprof[k]));
    pk_mig_gen_patterns(m);
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
            pk_mig_gen_patterns(m);
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

/* ---- solving a pool ---------------------------------------------------------------------- */

/* Finds a cover of the pool's counts; returns the pool's lower bound, sets *proven. */
static int
solve_pool(struct pk_ctx *c, struct pk_mpool *m, struct pk_cover *best, bool *proven)
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
    lb = pk_mig_bound_of(m, m->d);
    if (m->spread_max > lb)
        lb = m->spread_max;
    memcpy(r, m->d, (size_t)m->nd * sizeof(int));
    memset(best, 0, sizeof(*best));
    pk_mig_greedy_cover(m, r, best);
    *proven = best->gpus <= lb;
    if (!*proven && lb <= PACK_BB_MAX_GPUS) {
        struct pk_cover alt;
        bool fin = false;
        int got;

        memset(&alt, 0, sizeof(alt));
        got = pk_mig_bb_cover(c, m, m->d, best->gpus, lb, &alt, &fin);
        if (got < best->gpus) {
            pk_cover_release(best);
            *best = alt;
        }
        *proven = (fin && m->complete) || best->gpus <= lb;
        done = true;
    }
    if (!*proven && !done && lp_ok) {
        /* Large pool: whole copies of the LP's patterns, then search what is left. */
        struct pk_cover alt, rest;
        bool fin = false;
        int resid_lb;

        memset(&alt, 0, sizeof(alt));
        memset(&rest, 0, sizeof(rest));
        memcpy(r, m->d, (size_t)m->nd * sizeof(int));
        for (j = 0; j < m->np; j++) {
            int copies = (int)floor(x[j] + 1e-9);

            if (copies <= 0)
                continue;
            pk_cover_add(&alt, j, copies);
            for (k = 0; k < m->nd; k++) {
                r[k] -= copies * m->pat[j].u[k];
                if (r[k] < 0)
                    r[k] = 0;
            }
        }
        {
            int *r2 = xcalloc((size_t)m->nd, sizeof(int));

            memcpy(r2, r, (size_t)m->nd * sizeof(int));
            pk_mig_greedy_cover(m, r2, &rest);
            free(r2);
        }
        resid_lb = pk_mig_bound_of(m, r);
        if (rest.gpus > resid_lb && rest.gpus <= PACK_BB_MAX_GPUS) {
            struct pk_cover better;
            int got;

            memset(&better, 0, sizeof(better));
            got = pk_mig_bb_cover(c, m, r, rest.gpus, resid_lb, &better, &fin);
            if (got < rest.gpus) {
                pk_cover_release(&rest);
                rest = better;
            }
        }
        for (j = 0; j < rest.n; j++)
            pk_cover_add(&alt, rest.pat[j], rest.copies[j]);
        pk_cover_release(&rest);
        if (alt.gpus < best->gpus) {
            pk_cover_release(best);
            *best = alt;
        } else {
            pk_cover_release(&alt);
        }
        *proven = best->gpus <= lb;
    }
    free(x);
    free(y);
    free(r);
    return lb;
}

/* ---- entry points ------------------------------------------------------------------------ */

void
pk_pack_mig(struct pk_ctx *c, struct pk_sol *s, int model, enum gpv_pack_kind kind,
            const int *items, size_t n, int *lb, bool *optimal)
{
    struct pk_mpool m;
    struct pk_cover cv;
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
        *lb = pk_mig_bound_of(&m, m.d);
        if (m.spread_max > *lb)
            *lb = m.spread_max;
        used = pk_mig_first_fit(c, s, &m, model, kind, items, n);
        *optimal = used <= *lb;
    } else {
        bool proven;

        *lb = solve_pool(c, &m, &cv, &proven);
        used = pk_mig_materialise(c, s, &m, &cv, model, kind, items, n);
        *optimal = (proven && used <= cv.gpus) || used <= *lb;
        pk_cover_release(&cv);
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
    struct pk_mpool m;
    struct pk_cover cv;
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
            pk_cover_release(&cv);
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
