/*
 * Private to the model mix (pack_mix.c, pack_mix_bb.c): the integer program and its branch and
 * bound.
 */
#ifndef GPV_PACK_MIX_INT_H
#define GPV_PACK_MIX_INT_H

#include "pack_driver.h"

#include <stdbool.h>
#include <stddef.h>

/* The program: dense rows x cols, A x >= b, integer x >= 0. */
struct mx_ip {
    int rows, cols;
    double *a, *b, *cost;
    int *colmodel; /* per column: the model of a GPU column, else -1 */
    int *colpool;  /* per column: the pool (model and kind of layout) of a GPU column, else -1 */
    int npools;
};

/* The search: depth first, the up branch first, with per-column bounds. */
struct mx_bb {
    const struct mx_ip *ip;
    const double *cost;
    long nodes, budget;
    bool closed; /* every node searched within the budget */
    bool found;
    double inc;    /* incumbent value (+inf: none) */
    double *best;  /* cols: the incumbent's values when found */
    double root;   /* the root LP's value (-inf when not solved) */
    double *rootx; /* cols: the root LP's solution (valid when root is finite) */
    double *extra; /* a row appended to the program (NULL: none) */
    double extra_b;
    double unit; /* every plan's objective is a multiple of it (0: unknown): prune on the bound
                    rounded up to a multiple */
    int nmodels;
    int nsets;      /* the models, then the pools: sets of GPU columns whose sums are branched on */
    int *glo, *ghi; /* per set: bounds on its GPUs in all (ghi < 0: none), branched first */
    bool bound_only; /* branch on the sets only: a node with every set whole is a leaf whose LP
                        value bounds its subtree (no plan comes out) */
    double open_lb;  /* the least LP value of a subtree left unsearched (+inf: none) */
    long evals;      /* LPs solved past the budget for open_lb (at most budget of them) */
    bool pools;      /* the pools are sets too (after the models) */
    double lb_extra; /* a bound an earlier search of the same program proved (-inf: none) */
};

/* True when column j of ip is in set s of bb: model s, else pool s - nmodels. */
bool pk_mix_in_set(const struct mx_bb *bb, const struct mx_ip *ip, int j, int s);

/* What the last search proved: no answer of the program weighs less. Closed: the incumbent
 * (the best found, or the value the search was given). Else the least of the incumbent and
 * the subtrees left unsearched, at least the root LP's value; rounded up to the costs' unit. */
double pk_mix_bb_bound(const struct mx_bb *bb);

/* Searches the program with objective cost and incumbent value inc (+inf: none). */
void pk_mix_bb_run(struct mx_bb *bb, const struct mx_ip *ip, const double *cost, double inc,
                   long budget);

/* The search in two orders, each with half the budget: the models' GPUs, then the columns
 * (finds good plans early); when that does not close, the pools' GPUs too before the columns,
 * with the first's incumbent (closes more searches, the order that makes a pool's last GPU
 * whole). The answer is the better incumbent; the bound the higher of the two. */
void pk_mix_bb_search(struct mx_bb *bb, const struct mx_ip *ip, const double *cost, double inc,
                      long budget);

/* Replicas left out (*unplaced) and weighted cost (pk_model_weight, *cost) of a plan placing
 * placed[d] replicas of each demand with used[m] GPUs of each model, slots[m] of them counted
 * against its limit; false when some model's slots break its limit. */
bool pk_mix_score(const struct gpv_pack_problem *p, const int *used, const int *slots,
                  const int *placed, long *unplaced, double *cost);

/*
 * Packs the program's answer, the pieces pcs[0..n) in demand order (each demand's together), and
 * keeps it when it leaves fewer replicas out than *sol or as many at a lower weight, within the
 * fleet: then *sol, choice[] and placed[] become its plan and true is returned; else they are
 * left as they were. When sol_budget is PACK_BB_NODES, sol being pk_pack_all's plan of every
 * demand d with choice[d] >= 0 whole on that option with that budget, only the pools whose
 * pieces differ from sol's are packed and spliced into *sol in place (the same plan as packing
 * them all); else (sol_budget -1) every piece is. pcs is reordered.
 */
bool pk_mix_pack(struct pk_ctx *c, long sol_budget, struct pk_piece *pcs, size_t n,
                 struct pk_sol *sol, int *choice, int *placed);

#endif
