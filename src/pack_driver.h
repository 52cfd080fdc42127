#ifndef GPUVPLAN_PACK_DRIVER_H
#define GPUVPLAN_PACK_DRIVER_H

/*
 * Private to the driver's files: pack.c (choosing a model per demand, keeping to the fleet,
 * the result), pack_check.c (checking the problem) and pack_split.c (replicas one by one,
 * the reasons replicas are left out, the bound over every choice).
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

/* Checks the problem before any work: options naming known models, profiles and types, kinds the
 * model can host, replicas >= 1, the total within limits. Returns 0 or GPV_EINPUT with err. */
int pk_check_problem(const struct gpv_pack_problem *p, struct gpv_error *err);

/*
 * The demands best leaves unplaced, replica by replica: the placed demands keep their option;
 * each unplaced one (the first PACK_REFILL_MAX of them) takes, option by option in the
 * caller's rank order, as many replicas as the option's model still has room for. Packs the
 * result into *sol (insts naming the caller's demands, replicas and options) and fills
 * choice[] and placed[].
 */
void pk_place_split(struct pk_ctx *c, const struct eval *best, struct pk_sol *sol, int *choice,
                    int *placed);

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

#endif
