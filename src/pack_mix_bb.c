/*
 * The model mix's branch and bound (pack_mix.c builds the program): depth first, the up branch
 * first, LP relaxations by lp.c with column bounds as shifts, branching on sets of GPU columns
 * (the models', then the pools' GPUs in all) before single columns, strong branching for a
 * bound-only search, and the bound of the subtrees a search leaves unsearched.
 */
#include "pack_config.h"
#include "pack_mix_int.h"

#include "gpuvplan/lp.h"
#include "gpuvplan/util.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* True when column j of ip is in set s of bb: model s, else pool s - nmodels. */
bool
pk_mix_in_set(const struct mx_bb *bb, const struct mx_ip *ip, int j, int s)
{
    return s < bb->nmodels ? ip->colmodel[j] == s : ip->colpool[j] == s - bb->nmodels;
}

/* Solves the LP of the program with column bounds lo/hi (hi < 0: none). Lower bounds shift
 * the variables (x = lo + x', x' >= 0) rather than adding rows, so a deep branch stays as
 * small as the program; upper bounds are rows. */
static enum gpv_lp_outcome
node_lp(const struct mx_bb *bb, const int *lo, const int *hi, double *x, double *z)
{
    const struct mx_ip *ip = bb->ip;
    int extra = 0, j, r, i, nr;
    struct gpv_lp_problem lp;
    double *a, *b, shift = 0.0;
    enum gpv_lp_outcome res;

    for (j = 0; j < ip->cols; j++) {
        if (hi[j] >= 0 && hi[j] < lo[j])
            return GPV_LP_INFEASIBLE;
        extra += hi[j] >= 0;
    }
    extra += bb->extra != NULL;
    for (i = 0; i < bb->nsets; i++)
        extra += (bb->glo[i] > 0) + (bb->ghi[i] >= 0);
    a = xcalloc((size_t)(ip->rows + extra) * ip->cols + 1, sizeof(double));
    b = xcalloc((size_t)(ip->rows + extra) + 1, sizeof(double));
    memcpy(a, ip->a, (size_t)ip->rows * ip->cols * sizeof(double));
    memcpy(b, ip->b, (size_t)ip->rows * sizeof(double));
    r = ip->rows;
    if (bb->extra) {
        memcpy(a + (size_t)r * ip->cols, bb->extra, (size_t)ip->cols * sizeof(double));
        b[r++] = bb->extra_b;
    }
    for (i = 0; i < bb->nsets; i++) {
        double sign;

        for (sign = 1.0; sign >= -1.0; sign -= 2.0) {
            int v = sign > 0 ? bb->glo[i] : bb->ghi[i];

            if (sign > 0 ? v <= 0 : v < 0)
                continue;
            for (j = 0; j < ip->cols; j++)
                if (pk_mix_in_set(bb, ip, j, i))
                    a[(size_t)r * ip->cols + j] = sign;
            b[r++] = sign * v;
        }
    }
    nr = r;
    for (j = 0; j < ip->cols; j++) {
        if (!lo[j])
            continue;
        for (i = 0; i < nr; i++)
            b[i] -= a[(size_t)i * ip->cols + j] * lo[j];
        shift += bb->cost[j] * lo[j];
    }
    for (j = 0; j < ip->cols; j++) {
        if (hi[j] >= 0) {
            a[(size_t)r * ip->cols + j] = -1.0;
            b[r++] = -(double)(hi[j] - lo[j]);
        }
    }
    lp.rows = r;
    lp.cols = ip->cols;
    lp.a = a;
    lp.b = b;
    lp.c = bb->cost;
    lp.max_pivots = PACK_LP_MAX_PIVOTS;
    res = gpv_lp_solve(x, NULL, z, &lp);
    if (res == GPV_LP_OPTIMAL) {
        for (j = 0; j < ip->cols; j++)
            x[j] += lo[j];
        *z += shift;
    }
    free(a);
    free(b);
    return res;
}

/* A subtree of value at least z left unsearched. */
static void
bb_open(struct mx_bb *bb, double z)
{
    bb->closed = false;
    if (z < bb->open_lb)
        bb->open_lb = z;
}

/* True when a node of LP value z cannot hold an answer below the incumbent (every answer's
 * value is a multiple of the unit when it is known). */
static bool
bb_prune(const struct mx_bb *bb, double z)
{
    return bb->unit > 0.0
               ? bb->unit * ceil(z / bb->unit - PACK_BOUND_EPS) >= bb->inc - PACK_BOUND_EPS
               : z >= bb->inc - PACK_BOUND_EPS;
}

/* What strong branching found at a node. */
enum bb_strong_result { SB_BRANCH, SB_SETTLED, SB_OUT_OF_NODES };

/* Strong branching on the sets (the bound-only search): the LP of both children of every set
 * whose sum g[s] is fractional, each counted as a node. SB_SETTLED when some set has neither
 * child worth searching (both infeasible or pruned: the node holds nothing better than the
 * incumbent); else the set whose worse child is the highest in *pick (its sum in *pv). */
static enum bb_strong_result
bb_strong(struct mx_bb *bb, int *lo, int *hi, const double *g, int *pick, double *pv)
{
    double *cx = xcalloc((size_t)bb->ip->cols + 1, sizeof(double)), best = -INFINITY;
    enum bb_strong_result r = SB_BRANCH;
    int s, side;

    *pick = -1;
    for (s = 0; s < bb->nsets && r == SB_BRANCH; s++) {
        double f = g[s] - floor(g[s]), worst = INFINITY;
        bool settled = true;

        if (f < 1e-6 || f > 1.0 - 1e-6)
            continue;
        for (side = 0; side < 2; side++) {
            int *bound = side ? &bb->ghi[s] : &bb->glo[s], old = *bound;
            double cz = 0.0;
            enum gpv_lp_outcome res;

            if (bb->nodes >= bb->budget) {
                r = SB_OUT_OF_NODES;
                break;
            }
            bb->nodes++;
            *bound = side ? (int)floor(g[s]) : (int)ceil(g[s]);
            res = node_lp(bb, lo, hi, cx, &cz);
            *bound = old;
            if (res == GPV_LP_INFEASIBLE || (res == GPV_LP_OPTIMAL && bb_prune(bb, cz)))
                continue;
            settled = false;
            if (res != GPV_LP_OPTIMAL)
                cz = -INFINITY;
            if (cz < worst)
                worst = cz;
        }
        if (r != SB_BRANCH)
            break;
        if (settled)
            r = SB_SETTLED;
        else if (*pick < 0 || worst > best) {
            *pick = s;
            *pv = g[s];
            best = worst;
        }
    }
    free(cx);
    return r;
}

/* Searches the subtree of the node with column bounds lo/hi, whose parent's LP value is pz. */
static void
bb_node(struct mx_bb *bb, int *lo, int *hi, double pz)
{
    const struct mx_ip *ip = bb->ip;
    double *x, z = 0.0, frac = 0.0;
    int j, pick = -1;
    enum gpv_lp_outcome res;

    if (bb->nodes >= bb->budget && bb->evals >= bb->budget) {
        bb_open(bb, pz);
        return;
    }
    x = xcalloc((size_t)ip->cols + 1, sizeof(double));
    if (bb->nodes >= bb->budget) {
        /* Out of nodes: the node's LP only, for the bound of what is left unsearched (a
         * node pruned or infeasible leaves nothing). */
        bb->evals++;
        res = node_lp(bb, lo, hi, x, &z);
        if (res == GPV_LP_OPTIMAL && !bb_prune(bb, z > pz ? z : pz))
            bb_open(bb, z > pz ? z : pz);
        else if (res != GPV_LP_OPTIMAL && res != GPV_LP_INFEASIBLE)
            bb_open(bb, pz);
        goto out;
    }
    bb->nodes++;
    res = node_lp(bb, lo, hi, x, &z);
    if (res == GPV_LP_INFEASIBLE)
        goto out;
    if (res != GPV_LP_OPTIMAL) {
        bb_open(bb, pz); /* an LP we could not solve: nothing proven below it */
        goto out;
    }
    if (z < pz)
        z = pz; /* a child is never below its parent (up to rounding) */
    if (bb->nodes == 1) {
        bb->root = z;
        memcpy(bb->rootx, x, (size_t)ip->cols * sizeof(double));
    }
    if (bb_prune(bb, z))
        goto out;
    /* Each model's GPUs in all first, then each pool's: the cost is theirs, and fixing them
     * tightens the LP far more than any one pattern does (a pool's last GPU is whole). */
    {
        int mm, gpick = -1, pass;
        double gv = 0.0, gdist = 0.0;

        if (bb->bound_only) {
            double *g = xcalloc((size_t)bb->nsets + 1, sizeof(double));
            enum bb_strong_result sr;

            for (mm = 0; mm < bb->nsets; mm++)
                for (j = 0; j < ip->cols; j++)
                    if (pk_mix_in_set(bb, ip, j, mm))
                        g[mm] += x[j];
            sr = bb_strong(bb, lo, hi, g, &gpick, &gv);
            free(g);
            if (sr == SB_SETTLED)
                goto out;
            if (sr == SB_OUT_OF_NODES) {
                bb_open(bb, z);
                goto out;
            }
        }
        for (pass = 0; pass < 2 && gpick < 0 && !bb->bound_only; pass++) {
            for (mm = pass ? bb->nmodels : 0; mm < (pass ? bb->nsets : bb->nmodels); mm++) {
                double g = 0.0, f, dist;

                for (j = 0; j < ip->cols; j++)
                    if (pk_mix_in_set(bb, ip, j, mm))
                        g += x[j];
                f = g - floor(g);
                dist = f < 1.0 - f ? f : 1.0 - f;
                if (dist > 1e-6 && dist > gdist + 1e-12) {
                    gpick = mm;
                    gv = g;
                    gdist = dist;
                }
            }
        }
        if (gpick >= 0) {
            int olo = bb->glo[gpick], ohi = bb->ghi[gpick];

            bb->glo[gpick] = (int)ceil(gv);
            bb_node(bb, lo, hi, z);
            bb->glo[gpick] = olo;
            bb->ghi[gpick] = (int)floor(gv);
            bb_node(bb, lo, hi, z);
            bb->ghi[gpick] = ohi;
            goto out;
        }
    }
    if (bb->bound_only) {
        bb_open(bb, z);
        goto out;
    }
    /* Branch on GPU columns first (they carry the cost), the most fractional one. */
    for (j = 0; j < ip->cols; j++) {
        double f = x[j] - floor(x[j]);
        double dist = f < 1.0 - f ? f : 1.0 - f;
        bool gpu = ip->colmodel[j] >= 0;

        if (dist <= 1e-6)
            continue;
        if (pick < 0 || (gpu && ip->colmodel[pick] < 0) ||
            (gpu == (ip->colmodel[pick] >= 0) && dist > frac + 1e-12)) {
            pick = j;
            frac = dist;
        }
    }
    if (pick < 0) {
        bb->found = true;
        bb->inc = z;
        for (j = 0; j < ip->cols; j++)
            bb->best[j] = floor(x[j] + 0.5);
        goto out;
    }
    {
        int olo = lo[pick], ohi = hi[pick];
        double v = x[pick];

        lo[pick] = (int)ceil(v);
        bb_node(bb, lo, hi, z);
        lo[pick] = olo;
        hi[pick] = (int)floor(v);
        bb_node(bb, lo, hi, z);
        hi[pick] = ohi;
    }
out:
    free(x);
}

/* What the last search proved: no answer of the program weighs less. Closed: the incumbent
 * (the best found, or the value the search was given). Else the least of the incumbent and
 * the subtrees left unsearched, at least the root LP's value; rounded up to the costs' unit. */
double
pk_mix_bb_bound(const struct mx_bb *bb)
{
    double v = bb->inc;

    if (!bb->closed) {
        if (bb->open_lb < v)
            v = bb->open_lb;
        if (bb->root > v)
            v = bb->root;
        if (bb->lb_extra > v)
            v = bb->lb_extra;
        if (bb->unit > 0.0 && isfinite(v))
            v = bb->unit * ceil(v / bb->unit - PACK_BOUND_EPS);
        if (v > bb->inc)
            v = bb->inc;
    }
    return v;
}

/* Searches the program with objective cost and incumbent value inc (+inf: none); keeps
 * lb_extra. */
static void
bb_run_within(struct mx_bb *bb, const struct mx_ip *ip, const double *cost, double inc, long budget)
{
    int *lo = xcalloc((size_t)ip->cols + 1, sizeof(int));
    int *hi = xcalloc((size_t)ip->cols + 1, sizeof(int));
    int j;

    bb->ip = ip;
    bb->cost = cost;
    bb->nodes = 0;
    bb->budget = budget;
    bb->closed = true;
    bb->found = false;
    bb->inc = inc;
    bb->root = -INFINITY;
    free(bb->best);
    bb->best = xcalloc((size_t)ip->cols + 1, sizeof(double));
    free(bb->rootx);
    bb->rootx = xcalloc((size_t)ip->cols + 1, sizeof(double));
    for (j = 0; j < ip->cols; j++)
        hi[j] = -1;
    bb->nmodels = 0;
    for (j = 0; j < ip->cols; j++)
        if (ip->colmodel[j] >= bb->nmodels)
            bb->nmodels = ip->colmodel[j] + 1;
    bb->nsets = bb->nmodels + (bb->pools ? ip->npools : 0);
    bb->open_lb = INFINITY;
    bb->evals = 0;
    free(bb->glo);
    free(bb->ghi);
    bb->glo = xcalloc((size_t)bb->nsets + 1, sizeof(int));
    bb->ghi = xcalloc((size_t)bb->nsets + 1, sizeof(int));
    for (j = 0; j < bb->nsets; j++)
        bb->ghi[j] = -1;
    bb_node(bb, lo, hi, -INFINITY);
    free(lo);
    free(hi);
}

/* Searches the program with objective cost and incumbent value inc (+inf: none). */
void
pk_mix_bb_run(struct mx_bb *bb, const struct mx_ip *ip, const double *cost, double inc, long budget)
{
    bb->lb_extra = -INFINITY;
    bb_run_within(bb, ip, cost, inc, budget);
}

/* The search in two orders, each with half the budget: the models' GPUs, then the columns
 * (finds good plans early); when that does not close, the pools' GPUs too before the columns,
 * with the first's incumbent (closes more searches, the order that makes a pool's last GPU
 * whole). The answer is the better incumbent; the bound the higher of the two. */
void
pk_mix_bb_search(struct mx_bb *bb, const struct mx_ip *ip, const double *cost, double inc,
                 long budget)
{
    double *best, lb;
    bool found;
    long nodes;

    bb->pools = false;
    if (budget < 2 || !ip->npools) {
        pk_mix_bb_run(bb, ip, cost, inc, budget);
        return;
    }
    pk_mix_bb_run(bb, ip, cost, inc, budget / 2);
    if (bb->closed)
        return;
    lb = pk_mix_bb_bound(bb);
    found = bb->found;
    best = bb->best;
    bb->best = NULL;
    nodes = bb->nodes;
    bb->pools = true;
    bb_run_within(bb, ip, cost, bb->inc, budget - budget / 2);
    bb->pools = false;
    bb->lb_extra = lb;
    bb->nodes += nodes;
    if (!bb->found && found) {
        free(bb->best);
        bb->best = best;
        bb->found = true;
    } else {
        free(best);
    }
}
