/*
 * Two-phase simplex on a dense tableau. Each constraint row i gets a surplus column (-1) and an
 * artificial column (+1); a row with a negative right-hand side is negated first so that the
 * artificial variables form a feasible starting basis. Phase 1 minimises the sum of the
 * artificial variables; phase 2 minimises c . x with the artificial columns barred from entering.
 * The artificial columns, never pivoted out of the tableau, hold B^-1, which gives the duals.
 *
 * Each row keeps the list of its nonzero columns, kept up to date by the pivots, and the pivots
 * and the reduced costs visit only the listed columns: the packer's tableaux are sparse (two
 * entries a column to start with), and the dense loops were most of the time. The answers are
 * the same bit for bit as visiting every column: an entry left alone is +0 or -0 where the dense
 * update computed +-0 - f * +-0, so every entry is the same number as before (at most an exact
 * zero's sign differs); every choice of pivot is a comparison, so the pivots are the same; the
 * right-hand sides are computed from right-hand sides and the same nonzero pivot and multipliers,
 * so they, x and z are the same bits; and y's sums start at +0.0, which no zero term turns to
 * -0.0.
 */

#include "gpuvplan/lp.h"

#include "gpuvplan/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A reduced cost below -LP_EPS_COST lets a column enter. */
#define LP_EPS_COST 1e-9
/* A pivot-column entry above LP_EPS_PIVOT may be the pivot. */
#define LP_EPS_PIVOT 1e-9
/* Ratios within LP_EPS_RATIO are ties; a ratio at most this is a degenerate pivot. */
#define LP_EPS_RATIO 1e-12
/* Artificial variables summing above this after phase 1: the problem is infeasible. */
#define LP_EPS_FEASIBLE 1e-7
/* Degenerate pivots in a row before Bland's rule takes over. */
#define LP_STALL_BLAND 20

struct tableau {
    int rows, cols; /* cols: variables, surplus, artificial */
    double *t;      /* rows x (cols + 1), last column the right-hand side */
    int *basis;
    int *nz;  /* rows x cols: row i's nonzero columns (right-hand side not included), ascending */
    int *nnz; /* rows: how many of nz's row are in use */
    int *tmp; /* cols: scratch for sub_row */
};

#define T(tb, i, j) ((tb)->t[(size_t)(i) * ((tb)->cols + 1) + (j)])

/* Lists row i's nonzero columns. */
static void
list_row(struct tableau *tb, int i)
{
    const double *row = &T(tb, i, 0);
    int *nz = tb->nz + (size_t)i * tb->cols;
    int j, n = 0;

    for (j = 0; j < tb->cols; j++)
        if (row[j] != 0.0)
            nz[n++] = j;
    tb->nnz[i] = n;
}

/* Row i -= f * row r over the columns listed in either row, and row i's list made again from
 * them (a column listed in neither is zero in both and stays zero). */
static void
sub_row(struct tableau *tb, int i, double f, int r)
{
    double *row = &T(tb, i, 0);
    const double *pr = &T(tb, r, 0);
    int *nz = tb->nz + (size_t)i * tb->cols, *old = tb->tmp;
    const int *rz = tb->nz + (size_t)r * tb->cols;
    int a = 0, b = 0, n = 0, na = tb->nnz[i], nb = tb->nnz[r];

    memcpy(old, nz, (size_t)na * sizeof(int));
    while (a < na || b < nb) {
        int j;

        if (b == nb || (a < na && old[a] < rz[b]))
            j = old[a++];
        else if (a == na || rz[b] < old[a])
            j = rz[b++];
        else
            j = old[a++], b++;
        row[j] -= f * pr[j];
        if (row[j] != 0.0)
            nz[n++] = j;
    }
    row[tb->cols] -= f * pr[tb->cols];
    tb->nnz[i] = n;
}

static void
pivot(struct tableau *tb, int r, int e)
{
    double pv = T(tb, r, e);
    double *row = &T(tb, r, 0);
    int *nz = tb->nz + (size_t)r * tb->cols;
    int i, k, n = 0;

    /* Only the listed columns: a zero divided stays zero. */
    for (k = 0; k < tb->nnz[r]; k++) {
        row[nz[k]] /= pv;
        if (row[nz[k]] != 0.0)
            nz[n++] = nz[k];
    }
    tb->nnz[r] = n;
    row[tb->cols] /= pv;
    for (i = 0; i < tb->rows; i++) {
        double f;

        if (i == r || (f = T(tb, i, e)) == 0.0)
            continue;
        sub_row(tb, i, f, r);
    }
    tb->basis[r] = e;
}

/* Minimises cost over the columns < nenter that may enter. */
static enum gpv_lp_outcome
run(struct tableau *tb, const double *cost, int nenter, long max_pivots)
{
    long piv;
    int stall = 0;

    double *rcs = xcalloc((size_t)nenter + 1, sizeof(double));
    enum gpv_lp_outcome res = GPV_LP_LIMIT;

    for (piv = 0; piv < max_pivots; piv++) {
        int e = -1, r = -1, i, j;
        double best = -LP_EPS_COST, ratio = 0.0;

        /* Reduced costs row by row (the tableau is row-major), each column's terms subtracted
         * in row order; a basic variable of cost 0 subtracts nothing, nor does a zero entry. */
        memcpy(rcs, cost, (size_t)nenter * sizeof(double));
        for (i = 0; i < tb->rows; i++) {
            double cb = cost[tb->basis[i]];
            const double *row = &T(tb, i, 0);
            const int *nz = tb->nz + (size_t)i * tb->cols;
            int k, nn = tb->nnz[i];

            if (cb == 0.0)
                continue;
            for (k = 0; k < nn && nz[k] < nenter; k++)
                rcs[nz[k]] -= cb * row[nz[k]];
        }
        for (j = 0; j < nenter; j++) {
            double rc = rcs[j];

            if (stall > LP_STALL_BLAND) {
                /* Bland's rule after a run of degenerate pivots: no cycling. */
                if (rc < -LP_EPS_COST) {
                    e = j;
                    break;
                }
            } else if (rc < best) {
                best = rc;
                e = j;
            }
        }
        if (e < 0) {
            res = GPV_LP_OPTIMAL;
            break;
        }
        for (i = 0; i < tb->rows; i++) {
            double a = T(tb, i, e);

            if (a > LP_EPS_PIVOT) {
                double q = T(tb, i, tb->cols) / a;

                if (r < 0 || q < ratio - LP_EPS_RATIO ||
                    (q <= ratio + LP_EPS_RATIO && tb->basis[i] < tb->basis[r])) {
                    r = i;
                    ratio = q;
                }
            }
        }
        if (r < 0) {
            res = GPV_LP_UNBOUNDED;
            break;
        }
        stall = ratio <= LP_EPS_RATIO ? stall + 1 : 0;
        pivot(tb, r, e);
    }
    free(rcs);
    return res;
}

enum gpv_lp_outcome
gpv_lp_solve(double *x, double *y, double *z, const struct gpv_lp_problem *p)
{
    struct tableau tb;
    double *cost = NULL, art = 0.0, obj = 0.0;
    int n = p->cols, m = p->rows, i, j, k;
    enum gpv_lp_outcome res;

    tb.rows = m;
    tb.cols = n + 2 * m;
    tb.t = xcalloc((size_t)tb.rows * ((size_t)tb.cols + 1), sizeof(double));
    tb.basis = xcalloc((size_t)m, sizeof(int));
    tb.nz = xcalloc((size_t)m * tb.cols, sizeof(int));
    tb.nnz = xcalloc((size_t)m, sizeof(int));
    tb.tmp = xcalloc((size_t)tb.cols + 1, sizeof(int));
    cost = xcalloc((size_t)tb.cols, sizeof(double));
    for (k = 0; k < m; k++) {
        double sign = p->b[k] < 0.0 ? -1.0 : 1.0;

        for (j = 0; j < n; j++)
            T(&tb, k, j) = sign * p->a[(size_t)k * n + j];
        T(&tb, k, n + k) = -sign;
        T(&tb, k, n + m + k) = 1.0;
        T(&tb, k, tb.cols) = sign * p->b[k];
        tb.basis[k] = n + m + k;
        list_row(&tb, k);
    }
    /* Phase 1: drive the artificial variables out. It cannot be unbounded (the sum of the
     * artificial variables is at least 0), so any other outcome is the pivot limit. */
    for (k = 0; k < m; k++)
        cost[n + m + k] = 1.0;
    res = run(&tb, cost, tb.cols, p->max_pivots);
    if (res != GPV_LP_OPTIMAL) {
        res = GPV_LP_LIMIT;
        goto out;
    }
    for (i = 0; i < m; i++)
        if (tb.basis[i] >= n + m)
            art += T(&tb, i, tb.cols);
    if (art > LP_EPS_FEASIBLE) {
        res = GPV_LP_INFEASIBLE;
        goto out;
    }
    /* An artificial variable still basic (at zero) could grow again in phase 2 through a
     * negative entry of the entering column: pivot it out on any usable entry of its row. A row
     * with none is redundant and stays as it is (it constrains no column that may enter). */
    for (i = 0; i < m; i++) {
        if (tb.basis[i] < n + m)
            continue;
        for (j = 0; j < n + m; j++) {
            if (T(&tb, i, j) > LP_EPS_PIVOT || T(&tb, i, j) < -LP_EPS_PIVOT) {
                pivot(&tb, i, j);
                break;
            }
        }
    }
    /* Phase 2: the real costs; artificial variables may not come back. */
    memset(cost, 0, (size_t)tb.cols * sizeof(double));
    for (j = 0; j < n; j++)
        cost[j] = p->c[j];
    res = run(&tb, cost, n + m, p->max_pivots);
    if (res != GPV_LP_OPTIMAL)
        goto out;
    if (x)
        memset(x, 0, (size_t)n * sizeof(double));
    for (i = 0; i < m; i++) {
        if (tb.basis[i] < n) {
            double v = T(&tb, i, tb.cols);

            if (x)
                x[tb.basis[i]] = v;
            obj += cost[tb.basis[i]] * v;
        }
    }
    if (z)
        *z = obj;
    /* y = c_B B^-1; B^-1 sits in the artificial columns, whose rows were negated with b. */
    for (k = 0; y && k < m; k++) {
        y[k] = 0.0;
        for (i = 0; i < m; i++)
            y[k] += cost[tb.basis[i]] * T(&tb, i, n + m + k);
        if (p->b[k] < 0.0)
            y[k] = -y[k];
    }
out:
    free(tb.t);
    free(tb.basis);
    free(tb.nz);
    free(tb.nnz);
    free(tb.tmp);
    free(cost);
    return res;
}
