/*
 * The model mix's program made stronger and its large programs answered: the costs' unit and the
 * search's budget, integer-rounding cuts, and on large pools the LP solution rounded, repaired
 * (GPUs up, then taken away while the replicas fit) or floored and fitted to the fleet.
 */

#include "pack_config.h"
#include "pack_driver.h"
#include "pack_int.h"
#include "pack_mix_int.h"

#include "gpuvplan/lp.h"
#include "gpuvplan/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double
pk_mix_cost_unit(const double *cost, int n)
{
    long long g = 0;
    int j;

    for (j = 0; j < n; j++) {
        double cents = cost[j] * 100.0;
        long long v, a, b;

        if (cost[j] == 0.0)
            continue;
        if (cents < 0.0 || cents > 1e12 || fabs(cents - floor(cents + 0.5)) > 1e-6)
            return 0.0;
        v = (long long)floor(cents + 0.5);
        for (a = g, b = v; b;) {
            long long t = a % b;

            a = b;
            b = t;
        }
        g = a;
    }
    return g > 0 ? (double)g / 100.0 : 0.0;
}

long
pk_mix_budget(const struct mx_ip *ip, const struct gpv_pack_problem *p)
{
    double cells = (double)ip->rows * ip->cols;
    double work = p->remainder ? PACK_MIX_WORK_REMAINDER : PACK_MIX_WORK;
    long n = (long)(work / (cells > 1.0 ? cells : 1.0));
    long most = p->quick ? PACK_MIX_BB_NODES_QUICK : PACK_MIX_BB_NODES;

    if (n > most)
        n = most;
    return n > 1 ? n : 1;
}

void
pk_mix_cut_ip(const struct mx *mx, long u_lb, struct mx_ip *out)
{
    const struct mx_ip *ip = &mx->ip;
    int r, j, k, o, n = 0;

    *out = *ip;
    out->a = xcalloc((size_t)2 * ip->rows * ip->cols + 1, sizeof(double));
    out->b = xcalloc((size_t)2 * ip->rows + 1, sizeof(double));
    memcpy(out->a, ip->a, (size_t)ip->rows * ip->cols * sizeof(double));
    memcpy(out->b, ip->b, (size_t)ip->rows * sizeof(double));
    for (r = mx->ncls; r < ip->rows; r++) {
        const double *row = ip->a + (size_t)r * ip->cols;
        double f = 0.0, mmax = 0.0, amax = 0.0, need;
        bool supply = ip->b[r] == 0.0;

        for (j = 0; j < ip->cols && supply; j++)
            if (ip->colmodel[j] >= 0) {
                supply = row[j] >= 0.0;
                if (row[j] > amax)
                    amax = row[j];
            }
        if (!supply || amax <= 0.0)
            continue;
        for (k = 0; k < mx->ncls; k++) {
            double m = INFINITY;

            for (o = 0; o < mx->cls[k].nopt; o++) {
                double v = -row[mx->xcol[k] + o];

                if (v < m)
                    m = v;
            }
            if (m > 0.0 && m != INFINITY) {
                f += m * (double)mx->cls[k].replicas;
                if (m > mmax)
                    mmax = m;
            }
        }
        f -= (double)u_lb * mmax;
        if (f <= 0.0)
            continue;
        need = ceil(f / amax - PACK_BOUND_EPS);
        if (need - f / amax < PACK_BOUND_EPS)
            continue;
        for (j = 0; j < ip->cols; j++)
            if (ip->colmodel[j] >= 0 && row[j] > 0.0)
                out->a[(size_t)(ip->rows + n) * ip->cols + j] = 1.0;
        out->b[ip->rows + n] = need;
        n++;
    }
    out->rows = ip->rows + n;
}

double *
pk_mix_round(const struct mx *mx, const double *x)
{
    double *r = xcalloc((size_t)mx->ip.cols + 1, sizeof(double));
    int k, j;

    for (k = 0; k < mx->ncls; k++) {
        const struct mx_class *cl = &mx->cls[k];
        long left = cl->replicas;

        for (j = 0; j < cl->nopt; j++) {
            double v = floor(x[mx->xcol[k] + j] + 1e-9);

            if (v > (double)left)
                v = (double)left;
            r[mx->xcol[k] + j] = v;
            left -= (long)v;
        }
        while (left > 0) {
            int pick = -1;
            double best = -1.0;

            for (j = 0; j < cl->nopt; j++) {
                double f = x[mx->xcol[k] + j] - r[mx->xcol[k] + j];

                if (f > best + 1e-12) {
                    best = f;
                    pick = j;
                }
            }
            if (pick < 0 || best <= 1e-9)
                break;
            r[mx->xcol[k] + pick] += 1.0;
            left--;
        }
        r[mx->ucol[k]] = (double)left;
    }
    return r;
}

/* The replicas of a plan whose GPU columns are fixed at y (the other columns of y are
 * written): the program's LP over the x and u columns alone, the fixed GPUs' slots moved to
 * the right-hand side, with the extra row (replicas left out) when there is one. True when it
 * has a solution and that solution is whole (a vertex of this small program nearly always is;
 * when not, the GPUs are treated as too few, which costs a plan but proves nothing); when
 * false, *infeasible says whether the LP has no solution at all. With down, a solution that
 * is not whole is rounded down instead (the replicas so lost left out; an instances column
 * may then be short of what the replicas ask, which the packing that follows finds). */
static bool
fixed_x(const struct mx *mx, const struct mx_bb *bb, bool down, double *y, bool *infeasible)
{
    const struct mx_ip *ip = &mx->ip;
    int nx = 0, i, j, k, rows = ip->rows + (bb->extra != NULL);
    int *map = xcalloc((size_t)ip->cols + 1, sizeof(int));
    double *a, *b, *cost, *x;
    struct gpv_lp_problem lp;
    enum gpv_lp_outcome rc;
    bool ok = false;

    for (j = 0; j < ip->cols; j++)
        if (ip->colmodel[j] < 0)
            map[nx++] = j;
    a = xcalloc((size_t)rows * nx + 1, sizeof(double));
    b = xcalloc((size_t)rows + 1, sizeof(double));
    cost = xcalloc((size_t)nx + 1, sizeof(double));
    x = xcalloc((size_t)nx + 1, sizeof(double));
    for (i = 0; i < rows; i++) {
        const double *row = i < ip->rows ? ip->a + (size_t)i * ip->cols : bb->extra;

        b[i] = i < ip->rows ? ip->b[i] : bb->extra_b;
        for (j = 0; j < ip->cols; j++)
            if (ip->colmodel[j] >= 0)
                b[i] -= row[j] * y[j];
        for (k = 0; k < nx; k++)
            a[(size_t)i * nx + k] = row[map[k]];
    }
    for (k = 0; k < nx; k++)
        cost[k] = mx->ucost[map[k]];
    lp.rows = rows;
    lp.cols = nx;
    lp.a = a;
    lp.b = b;
    lp.c = cost;
    lp.max_pivots = PACK_LP_MAX_PIVOTS;
    rc = gpv_lp_solve(x, NULL, NULL, &lp);
    *infeasible = rc == GPV_LP_INFEASIBLE;
    if (rc != GPV_LP_OPTIMAL)
        goto out;
    for (k = 0; k < nx && !down; k++)
        if (fabs(x[k] - floor(x[k] + 0.5)) > 1e-6)
            goto out;
    for (k = 0; k < nx; k++)
        y[map[k]] = floor(x[k] + (down ? 1e-9 : 0.5));
    /* Rounded down: the replicas no longer placed are left out. */
    for (i = 0; i < mx->ncls && down; i++) {
        double left = (double)mx->cls[i].replicas;

        for (k = 0; k < mx->cls[i].nopt; k++)
            left -= y[mx->xcol[i] + k];
        /* More than the class's replicas (the row is >=): the last options take fewer. */
        for (k = mx->cls[i].nopt - 1; k >= 0 && left < 0.0; k--) {
            double cut = fmin(y[mx->xcol[i] + k], -left);

            y[mx->xcol[i] + k] -= cut;
            left += cut;
        }
        y[mx->ucol[i]] = left;
    }
    ok = true;
out:
    free(map);
    free(a);
    free(b);
    free(cost);
    free(x);
    return ok;
}

/* fixed_x, whole or not at all. */
static bool
mx_fixed_x(const struct mx *mx, const struct mx_bb *bb, double *y, bool *infeasible)
{
    return fixed_x(mx, bb, false, y, infeasible);
}

/*
 * True when fewer GPUs never make room (what pk_mix_repair's skipping relies on): every row of the
 * program, and the extra row, either has no negative coefficient on a GPU column (fewer GPUs:
 * the same or less supply), or is about GPU columns alone with no positive one (a limit: once
 * met, met with fewer GPUs). Then when the replicas have no fractional solution on GPUs t,
 * they have none on any t' <= t either.
 */
static bool
fewer_gpus_never_help(const struct mx *mx, const struct mx_bb *bb)
{
    const struct mx_ip *ip = &mx->ip;
    int i, j, rows = ip->rows + (bb->extra != NULL);

    for (i = 0; i < rows; i++) {
        const double *row = i < ip->rows ? ip->a + (size_t)i * ip->cols : bb->extra;
        bool x = false, neg = false, pos = false;

        for (j = 0; j < ip->cols; j++) {
            if (ip->colmodel[j] < 0)
                x = x || row[j] != 0.0;
            else if (row[j] < 0.0)
                neg = true;
            else if (row[j] > 0.0)
                pos = true;
        }
        if (neg && (x || pos))
            return false;
    }
    return true;
}

double *
pk_mix_repair(const struct mx *mx, const struct mx_bb *bb, const double *rootx)
{
    const struct mx_ip *ip = &mx->ip;
    double *y = xcalloc((size_t)ip->cols + 1, sizeof(double));
    double *t = xcalloc((size_t)ip->cols + 1, sizeof(double));
    int *ord = xcalloc((size_t)ip->cols + 1, sizeof(int));
    bool *dead = xcalloc((size_t)ip->cols + 1, sizeof(bool)); /* one GPU less: no solution */
    int n = 0, i, j, left = PACK_MIX_REPAIR_LPS;
    bool more = true, infeasible, skip = fewer_gpus_never_help(mx, bb);

    for (j = 0; j < ip->cols; j++) {
        if (ip->colmodel[j] < 0)
            continue;
        y[j] = ceil(rootx[j] - 1e-9);
        if (y[j] < 0.0)
            y[j] = 0.0;
        /* Insertion by (rounding added, weight) descending; ties keep column order. */
        for (i = n; i > 0; i--) {
            int q = ord[i - 1];
            double dq = y[q] - rootx[q], dj = y[j] - rootx[j];

            if (dq > dj + 1e-9 || (fabs(dq - dj) <= 1e-9 && mx->wcost[q] >= mx->wcost[j]))
                break;
            ord[i] = q;
        }
        ord[i] = j;
        n++;
    }
    if (!mx_fixed_x(mx, bb, y, &infeasible)) {
        free(y);
        y = NULL;
        goto out;
    }
    while (more && left > 0) {
        more = false;
        for (i = 0; i < n && left > 0; i++) {
            j = ord[i];
            if (y[j] < 1.0)
                continue;
            left--; /* counted when skipped too: the same answer as solving it */
            /* y only shrinks: a GPU less of j had no solution before, it has none now. */
            if (skip && dead[j])
                continue;
            memcpy(t, y, (size_t)ip->cols * sizeof(double));
            t[j] -= 1.0;
            if (mx_fixed_x(mx, bb, t, &infeasible)) {
                memcpy(y, t, (size_t)ip->cols * sizeof(double));
                more = true;
            } else {
                dead[j] = infeasible;
            }
        }
    }
out:
    free(t);
    free(ord);
    free(dead);
    return y;
}

double *
pk_mix_floor(const struct mx *mx, const double *rootx)
{
    double *y = xcalloc((size_t)mx->ip.cols + 1, sizeof(double));
    struct mx_bb none;
    bool infeasible;
    int j;

    memset(&none, 0, sizeof(none));
    for (j = 0; j < mx->ip.cols; j++)
        if (mx->ip.colmodel[j] >= 0 && rootx[j] > 0.0)
            y[j] = floor(rootx[j] + 1e-9);
    if (!fixed_x(mx, &none, true, y, &infeasible)) {
        free(y);
        return NULL;
    }
    return y;
}

bool
pk_mix_floor_fit(const struct mx *mx, struct pk_ctx *c, double **y)
{
    const struct gpv_pack_problem *p = c->p;
    int *ch = xcalloc(p->ndemands + 1, sizeof(int));
    int *pl = xcalloc(p->ndemands + 1, sizeof(int));
    struct mx_bb none;
    bool fits = false, infeasible;
    int tries, j;
    size_t m;

    memset(&none, 0, sizeof(none));
    for (tries = 0; tries < PACK_MIX_FLOOR_TRIES && *y && !fits; tries++) {
        struct pk_piece *pcs = NULL;
        size_t npc = pk_mix_pieces(mx, p, *y, &pcs);
        struct pk_sol s;

        pk_pack_pieces(c, pcs, npc, PACK_BB_NODES_TRIAL, &s, ch, pl);
        free(pcs);
        fits = true;
        for (m = 0; m < p->nmodels; m++) {
            long over = p->models[m].limit >= 0 ? (long)s.slots[m] - p->models[m].limit : 0;

            fits = fits && over <= 0;
            while (over-- > 0) {
                int big = -1;

                for (j = 0; j < mx->ip.cols; j++)
                    if (mx->ip.colmodel[j] == (int)m && (*y)[j] >= 1.0 &&
                        (big < 0 || (*y)[j] > (*y)[big]))
                        big = j;
                if (big >= 0)
                    (*y)[big] -= 1.0;
            }
        }
        pk_sol_release(&s);
        if (!fits && !fixed_x(mx, &none, true, *y, &infeasible)) {
            free(*y);
            *y = NULL;
        }
    }
    free(ch);
    free(pl);
    if (!fits) {
        free(*y);
        *y = NULL;
    }
    return fits;
}
