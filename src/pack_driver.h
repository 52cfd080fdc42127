#ifndef GPUVPLAN_PACK_DRIVER_H
#define GPUVPLAN_PACK_DRIVER_H

/*
 * Private to the driver's files: pack.c (choosing a model per demand, the result),
 * pack_fleet.c (keeping to the fleet, pk_model_need), pack_check.c (checking the problem) and
 * pack_split.c (replicas one by one, the reasons replicas are left out, the bound over every
 * choice).
 */

#include "pack_int.h"

#include <stdbool.h>
#include <stddef.h>

#define NKINDS 6

/* Everything about one assignment: the plan and its objective. */
struct eval {
    int *asg; /* per demand: option, -1 unplaced */
    struct pk_sol sol;
    int unplaced;
    double cost; /* per hour when costs are known, else GPUs */
    int gpus;
    long ranks;
    bool cut; /* a search of its packing stopped at the node budget (pk_ctx.cut) */
};

/* Fills *why (when not NULL) with code, option, model and numbers; text stays NULL. */
void pk_why_set(struct gpv_pack_reason *why, enum gpv_pack_why w, const struct gpv_pack_problem *p,
                const struct gpv_pack_option *o, int option, long needed, long available);

/*
 * Whether option i of demand d can be placed at all (whatever else is on the fleet); if not,
 * *why (when not NULL) says why, its text a new string.
 */
bool pk_option_feasible(const struct gpv_pack_problem *p, size_t d, size_t i,
                        struct gpv_pack_reason *why);

/* Fraction of one GPU one replica takes under option o (whole GPUs count in full). */
double pk_fraction(struct pk_ctx *c, size_t d, const struct gpv_pack_option *o);

/* Packs the demands with asg[d] >= 0 on models where only[m] (NULL: all) into s. */
void pk_pack_all(struct pk_ctx *c, const int *asg, const bool *only, struct pk_sol *s);

/* GPUs model m needs for the demands asg puts there. */
int pk_model_need(struct pk_ctx *c, const int *asg, int m);

/*
 * pk_model_need() where only the demands cand[0..ncand) (in input order; NULL: every demand)
 * can be on model m: the same answer, without a look at the others.
 */
int pk_model_need_among(struct pk_ctx *c, const int *asg, int m, const int *cand, size_t ncand);

/* Checks the problem before any work: options naming known models, profiles and types, kinds the
 * model can host, replicas >= 1, the total within limits. Returns 0 or GPV_EINPUT with err. */
int pk_check_problem(const struct gpv_pack_problem *p, struct gpv_error *err);

/*
 * The demands best leaves unplaced, replica by replica: the placed demands keep their option;
 * each unplaced one (the first PACK_REFILL_MAX of them, then as many more on models with GPUs
 * free, struct refill) takes, option by option in the caller's rank order, as many replicas as the
 * option's model still has room for. Packs the result into *sol (insts naming the caller's demands,
 * replicas and options) and fills choice[] and placed[].
 */
void pk_place_split(struct pk_ctx *c, const struct eval *best, struct pk_sol *sol, int *choice,
                    int *placed);

/*
 * After another stage (the model mix) replaced the plan in *sol: the demands with replicas
 * still left out (the first PACK_REFILL_MAX of them, then as many more on models with GPUs
 * free) take, option by option in the caller's rank order, as many more as the room left allows,
 * the plan's pieces staying. Replaces sol, choice and placed and returns true when that places more
 * and keeps to the fleet; else leaves them and returns false (also when sol's pieces are not runs
 * of replicas).
 */
bool pk_refill(struct pk_ctx *c, struct pk_sol *sol, int *choice, int *placed);

/* A run of one demand's replicas on one of its options. */
struct pk_piece {
    int demand, option, first, replicas;
};

/* Packs the pieces pcs[0..n) (each a run of one demand's replicas on one of its options) with
 * a search budget of bb_nodes into *sol, insts naming the caller's demands, replicas and
 * options; fills choice[] (-1 where nothing is placed) and placed[]. */
void pk_pack_pieces(struct pk_ctx *c, const struct pk_piece *pcs, size_t n, long bb_nodes,
                    struct pk_sol *sol, int *choice, int *placed);

/* Replicas left out, per demand, with every reason, in demand order. */
void pk_explain_unplaced(struct gpv_pack_result *r, struct pk_ctx *c, const struct pk_sol *s,
                         const int *placed);

/*
 * A lower bound on the GPUs of any plan placing placed[d] replicas of every demand d, each on
 * any of its feasible options: per dimension of any_weight(), every replica at its lightest
 * option, rounded up; the largest of the three. When no placed demand has a choice (one
 * feasible option each), the bound for the choices made holds for every plan and counts too.
 */
int pk_bound_any(struct pk_ctx *c, const bool *feasible, const size_t *foff, const int *placed,
                 int chosen);

/* What one GPU of model m weighs in the objective after unplaced replicas (see pack.h). */
double pk_model_weight(const struct gpv_pack_problem *p, size_t m);

/* What the integer program of the model mix (pack_mix.c) found. */
struct pk_mix {
    bool ran;         /* the program was built and searched */
    bool improved;    /* its plan replaced the caller's */
    long unplaced_lb; /* no plan leaves fewer replicas out (valid when ran) */
    bool cost_lb_valid;
    double cost_lb; /* no plan leaving unplaced_lb out weighs less (weights of
                       pk_model_weight) */
    bool proven;    /* (unplaced_lb, cost_lb) is the optimum: the search closed on the exact
                       program */
    long nodes;     /* branch-and-bound nodes spent */
};

/*
 * The exact model mix: when the problem has more than one model and fits the program's limits
 * (no mixed-size vGPU, no `single` nodes, PACK_MIX_* sizes), solves the integer program over
 * demand classes and options (spread replicas and time-slicing or MPS pools relaxed: then its
 * answer bounds but proves nothing by itself) and, with `replace`, when its plan has fewer
 * replicas left out or a lower weight than *sol (and keeps to the fleet), replaces sol, choice
 * and placed with it. sol_budget: the search budget of pk_pack_all that packed *sol from choice,
 * every placed demand whole (then the pools the program's plan leaves as they are are not packed
 * again), or -1. *out says what was proven; out->ran false when the program did not apply.
 */
void pk_mix_improve(struct pk_ctx *c, const bool *feasible, const size_t *foff, bool replace,
                    long sol_budget, struct pk_sol *sol, int *choice, int *placed,
                    struct pk_mix *out);

/*
 * A lower bound on the weighted cost (pk_model_weight) of any plan placing placed[d] replicas
 * of every demand d, each on any of its feasible options; `chosen` is the plan's bound for the
 * choices made, which counts when no placed demand has a choice.
 */
double pk_cost_bound_any(struct pk_ctx *c, const bool *feasible, const size_t *foff,
                         const int *placed, double chosen);

#endif
