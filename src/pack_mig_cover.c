/* MIG pools: covers of the counts by use-patterns, greedy and by branch and bound. */

#include "pack_config.h"
#include "pack_int.h"
#include "pack_mig_int.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/* ---- covers: a list of (pattern, copies) ------------------------------------------------- */

void
pk_cover_add(struct pk_cover *cv, int pat, int copies)
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

void
pk_cover_release(struct pk_cover *cv)
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
void
pk_mig_greedy_cover(const struct pk_mpool *m, int *r, struct pk_cover *cv)
{
    int k;

    while (!all_zero(r, m->nd)) {
        int best = -1, j, times = -1;
        double bs = -1.0;

        for (j = 0; j < m->np; j++) {
            const struct pk_mpat *pt = &m->pat[j];
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
        /* Every class is served by some pattern (the loader refuses unusable profiles): a best
         * pattern that serves nothing would loop forever. */
        GPV_ASSERT(best >= 0 && bs > 0.0);
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
        pk_cover_add(cv, best, times);
    }
}

/* ---- branch and bound -------------------------------------------------------------------- */

struct bb {
    const struct pk_mpool *m;
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
    const struct pk_mpool *m = b->m;
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
    if (depth + 1 >= b->nbest || depth + pk_mig_bound_of(m, r) >= b->nbest)
        return;
    cand = b->cand + (size_t)depth * np;
    eff = b->eff;
    score = b->score;
    /* Candidates: patterns serving class ks, in index order; a pattern whose coverage of the
     * residual is no better than an earlier candidate's is skipped (that one does as well). */
    for (j = (ks == prevk ? previdx : 0); j < np; j++) {
        const struct pk_mpat *pt = &m->pat[j];
        int *e = eff + (size_t)nc * nd;
        bool dom = false;

        if (pt->u[ks] <= 0)
            continue;
        for (k = 0; k < nd; k++)
            e[k] = pt->u[k] < r[k] ? pt->u[k] : r[k];
        for (t = 0; t < nc && !dom; t++)
            dom = pk_mig_covers(eff + (size_t)t * nd, e, nd);
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
        const struct pk_mpat *pt = &m->pat[cand[t]];
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
int
pk_mig_bb_cover(struct pk_ctx *c, const struct pk_mpool *m, const int *r, int incumbent, int floor,
                struct pk_cover *out, bool *proven)
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
    c->cut += b.aborted;
    *proven = !b.aborted;
    if (b.nbest < incumbent) {
        memset(out, 0, sizeof(*out));
        for (t = 0; t < b.nbest; t++)
            pk_cover_add(out, b.best[t], 1);
    }
    free(b.r);
    free(b.path);
    free(b.best);
    free(b.cand);
    free(b.eff);
    free(b.score);
    return b.nbest;
}
