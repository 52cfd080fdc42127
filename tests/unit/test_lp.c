#include "gpuvplan/lp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define EPS 1e-6

static struct gpv_lp_problem
problem(int rows, int cols, const double *a, const double *b, const double *c)
{
    struct gpv_lp_problem p;

    p.rows = rows;
    p.cols = cols;
    p.a = a;
    p.b = b;
    p.c = c;
    p.max_pivots = 10000;
    return p;
}

static void
test_lp_finds_the_known_optimum_of_a_diet_problem(void **state)
{
    /* min 2x + 3y  s.t.  x + y >= 4,  x + 3y >= 6: optimum x = 3, y = 1, cost 9. */
    const double a[] = {1, 1, 1, 3}, b[] = {4, 6}, c[] = {2, 3};
    struct gpv_lp_problem p = problem(2, 2, a, b, c);
    double x[2], y[2], z = -1.0;

    (void)state;
    assert_int_equal(gpv_lp_solve(x, y, &z, &p), GPV_LP_OPTIMAL);
    assert_true(fabs(z - 9.0) < EPS);
    assert_true(fabs(x[0] - 3.0) < EPS);
    assert_true(fabs(x[1] - 1.0) < EPS);
    /* Duals: 1.5 and 0.5 (b . y equals the optimum). */
    assert_true(fabs(y[0] - 1.5) < EPS);
    assert_true(fabs(y[1] - 0.5) < EPS);
    assert_true(fabs(4 * y[0] + 6 * y[1] - z) < EPS);
}

static void
test_lp_solves_a_cutting_stock_relaxation(void **state)
{
    /* Patterns (3,0), (1,1), (0,2) covering 7 and 5: LP optimum 11/3 + ... checked by duals. */
    const double a[] = {3, 1, 0, 0, 1, 2}, b[] = {7, 5}, c[] = {1, 1, 1};
    struct gpv_lp_problem p = problem(2, 3, a, b, c);
    double x[3], y[2], z;

    (void)state;
    assert_int_equal(gpv_lp_solve(x, y, &z, &p), GPV_LP_OPTIMAL);
    /* Strong duality and feasibility of x. */
    assert_true(fabs(7 * y[0] + 5 * y[1] - z) < EPS);
    assert_true(3 * x[0] + x[1] >= 7 - EPS);
    assert_true(x[1] + 2 * x[2] >= 5 - EPS);
    /* 7/3 of (3,0) and 5/2 of (0,2) = 29/6; mixing in (1,1) is never better. */
    assert_true(fabs(z - 29.0 / 6.0) < EPS);
}

static void
test_lp_reports_an_infeasible_problem(void **state)
{
    /* x + y >= 3 and -x - y >= -1 (x + y <= 1): no solution. */
    const double a[] = {1, 1, -1, -1}, b[] = {3, -1}, c[] = {1, 1};
    struct gpv_lp_problem p = problem(2, 2, a, b, c);
    double x[2] = {-7, -7}, z = -7;

    (void)state;
    assert_int_equal(gpv_lp_solve(x, NULL, &z, &p), GPV_LP_INFEASIBLE);
    assert_true(x[0] == -7 && x[1] == -7 && z == -7); /* untouched */
}

static void
test_lp_reports_an_unbounded_problem(void **state)
{
    /* min -x  s.t.  x - y >= 1: x grows without bound. */
    const double a[] = {1, -1}, b[] = {1}, c[] = {-1, 0};
    struct gpv_lp_problem p = problem(1, 2, a, b, c);

    (void)state;
    assert_int_equal(gpv_lp_solve(NULL, NULL, NULL, &p), GPV_LP_UNBOUNDED);
}

static void
test_lp_handles_a_degenerate_vertex(void **state)
{
    /* Three constraints through the optimum (1,1): x >= 1, y >= 1, x + y >= 2. */
    const double a[] = {1, 0, 0, 1, 1, 1}, b[] = {1, 1, 2}, c[] = {1, 1};
    struct gpv_lp_problem p = problem(3, 2, a, b, c);
    double x[2], y[3], z;

    (void)state;
    assert_int_equal(gpv_lp_solve(x, y, &z, &p), GPV_LP_OPTIMAL);
    assert_true(fabs(z - 2.0) < EPS);
    assert_true(fabs(x[0] - 1.0) < EPS && fabs(x[1] - 1.0) < EPS);
    assert_true(fabs(y[0] + y[1] + 2 * y[2] - 2.0) < EPS);
}

static void
test_lp_gives_zero_when_every_constraint_is_already_met(void **state)
{
    const double a[] = {1, 2}, b[] = {0}, c[] = {1, 1};
    struct gpv_lp_problem p = problem(1, 2, a, b, c);
    double x[2], z = -1;

    (void)state;
    assert_int_equal(gpv_lp_solve(x, NULL, &z, &p), GPV_LP_OPTIMAL);
    assert_true(fabs(z) < EPS && fabs(x[0]) < EPS && fabs(x[1]) < EPS);
}

static void
test_lp_stops_at_the_pivot_limit(void **state)
{
    const double a[] = {1, 1, 1, 3}, b[] = {4, 6}, c[] = {2, 3};
    struct gpv_lp_problem p = problem(2, 2, a, b, c);

    (void)state;
    p.max_pivots = 1;
    assert_int_equal(gpv_lp_solve(NULL, NULL, NULL, &p), GPV_LP_LIMIT);
}

/* ---- random problems against brute force over vertices ---------------------------------- */

#define RMAX 4 /* constraints */
#define CMAX 3 /* variables */

static unsigned long rng_state = 12345;

static int
rnd(int lo, int hi)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return lo + (int)((rng_state >> 33) % (unsigned long)(hi - lo + 1));
}

/* Solves the n x n system m x = r by Gaussian elimination; false when singular. */
static bool
solve_square(double *x, double m[CMAX][CMAX + 1], int n)
{
    int i, j, k;

    for (k = 0; k < n; k++) {
        int piv = k;

        for (i = k + 1; i < n; i++)
            if (fabs(m[i][k]) > fabs(m[piv][k]))
                piv = i;
        if (fabs(m[piv][k]) < 1e-9)
            return false;
        for (j = 0; j <= n; j++) {
            double t = m[k][j];

            m[k][j] = m[piv][j];
            m[piv][j] = t;
        }
        for (i = 0; i < n; i++) {
            double f;

            if (i == k)
                continue;
            f = m[i][k] / m[k][k];
            for (j = k; j <= n; j++)
                m[i][j] -= f * m[k][j];
        }
    }
    for (i = 0; i < n; i++)
        x[i] = m[i][n] / m[i][i];
    return true;
}

/*
 * The least cost over the vertices of {A x >= b, x >= 0}: every choice of `cols` tight
 * constraints among the rows and the bounds x_j >= 0. Returns false when no vertex is feasible.
 * With every cost positive the minimum sits at a vertex whenever the set is not empty.
 */
static bool
brute_force(double *best, int rows, int cols, const double *a, const double *b, const double *c)
{
    int total = rows + cols, mask;
    bool found = false;

    for (mask = 0; mask < (1 << total); mask++) {
        double m[CMAX][CMAX + 1], x[CMAX], v = 0.0;
        int t, n = 0, i, j;
        bool ok = true;

        if (__builtin_popcount((unsigned)mask) != cols)
            continue;
        for (t = 0; t < total; t++) {
            if (!(mask & (1 << t)))
                continue;
            for (j = 0; j < cols; j++)
                m[n][j] = t < rows ? a[t * cols + j] : (t - rows == j ? 1.0 : 0.0);
            m[n][cols] = t < rows ? b[t] : 0.0;
            n++;
        }
        if (!solve_square(x, m, cols))
            continue;
        for (j = 0; j < cols && ok; j++)
            ok = x[j] >= -1e-9;
        for (i = 0; i < rows && ok; i++) {
            double s = 0.0;

            for (j = 0; j < cols; j++)
                s += a[i * cols + j] * x[j];
            ok = s >= b[i] - 1e-9;
        }
        if (!ok)
            continue;
        for (j = 0; j < cols; j++)
            v += c[j] * x[j];
        if (!found || v < *best)
            *best = v;
        found = true;
    }
    return found;
}

static void
test_lp_matches_brute_force_on_small_random_problems(void **state)
{
    int trial, optimal = 0, infeasible = 0;

    (void)state;
    for (trial = 0; trial < 2000; trial++) {
        int rows = rnd(1, RMAX), cols = rnd(1, CMAX), i, j;
        double a[RMAX * CMAX], b[RMAX], c[CMAX], x[CMAX], y[RMAX], z, best = 0.0;
        struct gpv_lp_problem p;
        enum gpv_lp_outcome got;
        bool feasible;

        for (i = 0; i < rows; i++) {
            for (j = 0; j < cols; j++)
                a[i * cols + j] = rnd(-3, 5);
            b[i] = rnd(-4, 8);
        }
        for (j = 0; j < cols; j++)
            c[j] = rnd(1, 6);
        p = problem(rows, cols, a, b, c);
        got = gpv_lp_solve(x, y, &z, &p);
        feasible = brute_force(&best, rows, cols, a, b, c);
        if (!feasible) {
            assert_int_equal(got, GPV_LP_INFEASIBLE);
            infeasible++;
            continue;
        }
        assert_int_equal(got, GPV_LP_OPTIMAL);
        optimal++;
        assert_true(fabs(z - best) < EPS);
        /* x is feasible, and the duals certify the optimum (b . y = z). */
        {
            double by = 0.0;

            for (i = 0; i < rows; i++) {
                double s = 0.0;

                for (j = 0; j < cols; j++)
                    s += a[i * cols + j] * x[j];
                assert_true(s >= b[i] - EPS);
                by += b[i] * y[i];
            }
            assert_true(fabs(by - z) < EPS);
        }
    }
    /* Both kinds of answer were exercised. */
    assert_true(optimal > 100);
    assert_true(infeasible > 10);
}

/*
 * Sparse problems the size of the model mix's (the solver visits only each row's nonzero
 * columns, so fill-in from pivots must be followed): every optimum is certified by its duals,
 * x feasible, y >= 0, y A <= c and b . y = z, which no wrong vertex passes.
 */
static void
test_lp_certifies_its_optimum_on_sparse_problems(void **state)
{
    enum { SR = 30, SC = 60 };
    int trial, optimal = 0, infeasible = 0;

    (void)state;
    for (trial = 0; trial < 300; trial++) {
        int rows = rnd(2, SR), cols = rnd(2, SC), i, j;
        double a[SR * SC], b[SR], c[SC], x[SC], y[SR], z, by = 0.0;
        struct gpv_lp_problem p;
        enum gpv_lp_outcome got;

        for (i = 0; i < rows; i++) {
            for (j = 0; j < cols; j++)
                a[i * cols + j] = rnd(0, 9) < 2 ? rnd(-2, 4) : 0.0;
            b[i] = rnd(-3, 6);
        }
        for (j = 0; j < cols; j++)
            c[j] = rnd(0, 5);
        p = problem(rows, cols, a, b, c);
        got = gpv_lp_solve(x, y, &z, &p);
        if (got == GPV_LP_INFEASIBLE)
            infeasible++;
        if (got != GPV_LP_OPTIMAL)
            continue;
        optimal++;
        for (i = 0; i < rows; i++) {
            double s = 0.0;

            for (j = 0; j < cols; j++)
                s += a[i * cols + j] * x[j];
            assert_true(s >= b[i] - EPS);
            assert_true(y[i] >= -EPS);
            by += b[i] * y[i];
        }
        for (j = 0; j < cols; j++) {
            double s = 0.0;

            assert_true(x[j] >= -EPS);
            for (i = 0; i < rows; i++)
                s += a[i * cols + j] * y[i];
            assert_true(s <= c[j] + EPS);
        }
        assert_true(fabs(by - z) < EPS);
    }
    assert_true(optimal > 50);
    assert_true(infeasible > 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lp_finds_the_known_optimum_of_a_diet_problem),
        cmocka_unit_test(test_lp_solves_a_cutting_stock_relaxation),
        cmocka_unit_test(test_lp_reports_an_infeasible_problem),
        cmocka_unit_test(test_lp_reports_an_unbounded_problem),
        cmocka_unit_test(test_lp_handles_a_degenerate_vertex),
        cmocka_unit_test(test_lp_gives_zero_when_every_constraint_is_already_met),
        cmocka_unit_test(test_lp_stops_at_the_pivot_limit),
        cmocka_unit_test(test_lp_matches_brute_force_on_small_random_problems),
        cmocka_unit_test(test_lp_certifies_its_optimum_on_sparse_problems),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
