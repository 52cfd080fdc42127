/*
 * Private to the model mix (pack_mix.c, pack_mix_class.c, pack_mix_spool.c, pack_mix_prog.c,
 * pack_mix_round.c, pack_mix_bb.c, pack_mix_plan.c): the integer program, how it is built, its
 * branch and bound and the whole answers of large programs.
 */
#ifndef GPV_PACK_MIX_INT_H
#define GPV_PACK_MIX_INT_H

#include "pack_config.h"
#include "pack_driver.h"
#include "pack_int.h"

#include "gpuvplan/tenant.h"

#include <math.h>
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

/* The dimensions of a GPU the device plugin shares: memory, compute, clients (share_w). Rows
 * of key MX_SHARE_DIMS - 1 + k bound memory through the dual feasible function u_k
 * (pk_mix_share_u); rows of key MX_SHARE_ITEM + i count the clients of kind i of a pool packed by
 * patterns. */
#define MX_SHARE_DIMS 3
#define MX_SHARE_ITEM 1000

/* What one option asks of a pool, independent of the demand it belongs to. */
struct mx_opt {
    int model, kind, profile, vtype, gpus, lim;
    double w[MX_SHARE_DIMS]; /* time-slicing, MPS: what a replica uses of a GPU (share_w) */
    long long mib;           /* time-slicing, MPS: a replica's memory */
    int cap;                 /* time-slicing, MPS: most clients of a GPU it may share */
    int clients;             /* MIG: replicas one instance serves (pk_clients) */
};

/* A row of the program (besides the class rows): a pool's slots of one kind, a dimension of a
 * shared pool, or a limit. */
enum mx_rowkind { MX_MIG, MX_VGPU, MX_WHOLE, MX_SHARE, MX_LIMIT, MX_CAP };

struct mx_row {
    enum mx_rowkind kind;
    int model, mkind, key, lim; /* MIG: profile; VGPU: type and level (per-GPU limit); SHARE:
                                   the dimension; CAP: class, option, piece of clients_cap */
    double rhs;                 /* CAP: the right-hand side; else 0 */
};

struct mx_class {
    int nopt;
    struct mx_opt *opt;
    long replicas;
};

/*
 * Memory is bin packing, and its sum alone is weak (ten clients of 4769 MiB fill a 49152 MiB
 * GPU: 0.097 each by the sum, 0.1 in truth). Fekete and Schepers' dual feasible function
 * u_k(x) = x when (k + 1)x is whole, else floor((k + 1)x) / k, maps what one GPU holds to at
 * most 1 (as ts_memory_bound in pack_share.c); u_k with k = floor(1 / x) weighs a client 1 / (as
 * many as fit). Rounding errs low, so a row stays a relaxation.
 */
static inline double
pk_mix_share_u(double x, int k)
{
    double y = (k + 1) * x;

    return fabs(y - floor(y + 0.5)) < 1e-9 ? x : floor(y) / k;
}

/* The k of the u_k row a client of memory share x asks for; 0 when none (no memory, or more
 * clients fit than the count row allows anyway). */
static inline int
pk_mix_share_k(double x)
{
    double n = x > 0.0 ? floor(1.0 / x + 1e-9) : 0.0;

    return n >= 1.0 && n <= GPV_SHARING_REPLICAS_MAX ? (int)n : 0;
}

/* Everything the mix builds. */
struct mx {
    int ncls;
    struct mx_class *cls;
    int *dcls; /* per demand: its class, -1 when it has no feasible option */
    int *dmap; /* at foff[d] + j: demand d's option index for its class's option j */
    const size_t *foff;
    int *xcol;   /* per class: its first x column (nopt of them), then u */
    int *ucol;   /* per class: its u column */
    int *ycol;   /* at class * PACK_MIX_MAX_OPTS + option: the instances column of an option
                    whose instances serve several replicas, else -1 */
    bool exact;  /* the program is the packing problem (no pattern cap hit, no spread, no
                    shared pool) */
    bool spread; /* some demand spreads its replicas: relaxed, so the program proves nothing */
    struct mx_ip ip;
    double *wcost; /* per column: weighted cost */
    double *ucost; /* per column: 1 on u columns */
};

/* A pool the device plugin shares, as the program sees it: its kinds of clients (class
 * options alike in what they use of a GPU) and, when few enough, every maximal way to fill one
 * GPU with them (patterns); else its rows are the sums per dimension (share_w, pk_mix_share_u). */
struct mx_spool {
    int model, kind, nitem;
    const struct mx_opt *item[PACK_MIX_SHARE_ITEMS];
    int npat, cappat;
    int *pat;  /* npat x nitem clients */
    bool sums; /* too many kinds or patterns: the sums per dimension */
    long visits;
};

/* ---- pack_mix_class.c: the options as tuples, the demands in classes ---- */

/* Orders two options (struct mx_opt) for qsort: equal when they ask the same of a pool. */
int pk_mix_opt_cmp(const void *pa, const void *pb);

/* Groups the demands into classes; false when the program does not apply. */
bool pk_mix_classes(struct mx *mx, const struct gpv_pack_problem *p, const bool *feasible,
                    const size_t *foff);

/* ---- pack_mix_spool.c: the pools the device plugin shares ---- */

/* The pool of (model, kind) in sp[0 .. n), which is there. */
const struct mx_spool *pk_mix_spool_find(const struct mx_spool *sp, int n, int model, int kind);

/* The index of o's kind of client in sp, -1 when it has none. */
int pk_mix_spool_item(const struct mx_spool *sp, const struct mx_opt *o);

/* The shared pools of the classes' options, each with its patterns or marked sums. */
int pk_mix_spool_build(struct mx_spool **out, const struct mx *mx,
                       const struct gpv_pack_problem *p);

/* ---- pack_mix_prog.c: the program built ---- */

/* Frees what pk_mix_build (or pk_mix_classes) allocated in mx; mx itself is the caller's. */
void pk_mix_release(struct mx *mx);

/* Builds the program; false when it does not apply or would be too large. */
bool pk_mix_build(struct mx *mx, struct pk_ctx *c, const bool *feasible, const size_t *foff);

/* ---- pack_mix_round.c: cuts, budgets, whole answers of large programs ---- */

/* The largest multiple of a cent dividing every cost (costs per hour are given in cents at
 * most), so that every plan's cost is a multiple of it; 0 when some cost is not in cents. */
double pk_mix_cost_unit(const double *cost, int n);

/* Nodes one search may spend: PACK_MIX_BB_NODES (PACK_MIX_BB_NODES_QUICK for a what-if
 * re-pack), fewer when the program is large (PACK_MIX_WORK LP cells, PACK_MIX_WORK_REMAINDER
 * for what --from places), at least 1 (the root). */
long pk_mix_budget(const struct mx_ip *ip, const struct gpv_pack_problem *p);

/*
 * The program with integer-rounding cuts: for a supply row r (a pool's slots of one kind),
 * every class puts at least m_c of its replicas' slots into r whichever option it takes (m_c:
 * the least its options ask of r), so with at most u_lb replicas left out the GPUs covering r
 * hold at least F = sum m_c R_c - u_lb max m_c slots. A GPU holds at most amax of them, so
 * whole GPUs number at least ceil(F / amax): one row sum y >= ceil(F / amax) over r's GPU
 * columns when that is not already F / amax. Valid for every plan (no branch depends on it),
 * so bounds and proofs stand; it lifts the LP where a pool's demand is fixed (a vGPU type only
 * one kind of tenant can use: its last GPU is whole). *out gets new a and b (the caller frees
 * them) and shares the rest with mx->ip.
 */
void pk_mix_cut_ip(const struct mx *mx, long u_lb, struct mx_ip *out);

/* The LP solution x rounded to an assignment: per class, each option (and the replicas left
 * out) its whole part, then the replicas still unassigned to the largest fractional parts,
 * options before leaving out. A new cols array; GPU columns are left 0 (the pool engines
 * size them). */
double *pk_mix_round(const struct mx *mx, const double *x);

/* A whole answer near the LP solution rootx of a large program (no branching there): every
 * GPU column rounded up, then one GPU at a time taken away (the column whose rounding added
 * the most first, the dearest model first among equals) while the replicas still fit, at most
 * PACK_MIX_REPAIR_LPS small LPs. A new cols array, NULL when the rounded-up GPUs hold no whole
 * answer. */
double *pk_mix_repair(const struct mx *mx, const struct mx_bb *bb, const double *rootx);

/* A whole answer below the LP solution rootx of a large program: every GPU column rounded
 * down (within every limit the LP kept), the replicas then placed on them by the fewest left
 * out. A new cols array, NULL when that has no whole answer. Where a fleet is over-subscribed
 * this answer leaves about as few out as the LP, when rounding up breaks the fleet's limits. */
double *pk_mix_floor(const struct mx *mx, const double *rootx);

/*
 * Fits the answer *y of pk_mix_floor to the fleet: the program's shared pools are a relaxation, so
 * its GPUs may pack into more than the program counted. Packs its pieces (trial budget); while
 * a model's GPUs break its limit, that many of its GPUs are taken from the answer (its largest
 * columns first) and the replicas placed again on the rest, at most PACK_MIX_FLOOR_TRIES
 * times. False (and *y freed, NULL) when no answer within the fleet was found.
 */
bool pk_mix_floor_fit(const struct mx *mx, struct pk_ctx *c, double **y);

/* ---- pack_mix.c: from the program's answer to a plan ---- */

/* The pieces of the program's solution x: per class, its demands in order take the replicas
 * of each option in turn, except an option with an instances column (the class's first), whose
 * replicas pieces_clients shares out first. Returns the number of pieces in *out (a new
 * array). */
size_t pk_mix_pieces(const struct mx *mx, const struct gpv_pack_problem *p, const double *x,
                     struct pk_piece **out);

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
