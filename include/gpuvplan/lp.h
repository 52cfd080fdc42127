#ifndef GPUVPLAN_LP_H
#define GPUVPLAN_LP_H

/*
 * A small dense linear-program solver: the two-phase simplex method on a full tableau.
 *
 *     minimise  c . x   subject to  A x >= b,  x >= 0
 *
 * Sized for the packer's pools (tens of rows, a few thousand columns); it is exact enough for
 * bounds that are rounded up with a slack, not a general-purpose numerical library. Pure: no
 * I/O, no global state.
 */

#include <stddef.h>

/* The outcome of a solve. Infeasible and unbounded are answers about the LP, not errors. */
enum gpv_lp_outcome {
    GPV_LP_OPTIMAL = 0,    /* x, y and z hold an optimal solution */
    GPV_LP_INFEASIBLE = 1, /* no x >= 0 satisfies A x >= b */
    GPV_LP_UNBOUNDED = 2,  /* c . x has no lower bound on the feasible set */
    GPV_LP_LIMIT = 3       /* max_pivots pivots ran out first: nothing is known */
};

/* A problem. The solver reads it and never keeps a pointer into it. */
struct gpv_lp_problem {
    int rows;        /* constraints, >= 1 */
    int cols;        /* variables, >= 0 */
    const double *a; /* rows x cols, row-major: a[i * cols + j] */
    const double *b; /* rows: right-hand sides, any sign */
    const double *c; /* cols: costs */
    long max_pivots; /* pivots per phase before giving up with GPV_LP_LIMIT, > 0 */
};

/*
 * Solves p. Every output pointer may be NULL when that figure is not wanted.
 * On GPV_LP_OPTIMAL: x[0..cols) holds an optimal vertex, y[0..rows) the dual values of the
 * constraints (y_i >= 0 up to rounding: the caller clamps if it needs them non-negative), and *z
 * the optimal cost. On any other outcome x, y and *z are left untouched.
 * Ties are broken deterministically (lowest reduced cost, then the lowest basic column; Bland's
 * rule after a run of degenerate pivots so the method never cycles), so a given problem always
 * gives the same vertex.
 */
enum gpv_lp_outcome gpv_lp_solve(double *x, double *y, double *z, const struct gpv_lp_problem *p);

#endif
