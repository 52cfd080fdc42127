#ifndef GPUVPLAN_PACK_CONFIG_H
#define GPUVPLAN_PACK_CONFIG_H

/*
 * Tuning constants of the placement engine (src/pack*.c), one line of meaning each.
 * docs/plan.md explains where each one acts. Changing them changes plans, never their validity.
 */

/* Most use-patterns (a layout plus which request each slot serves) generated per MIG pool
 * before upgrades are given up for that pool. */
#define PACK_MAX_USE_PATTERNS 50000

/* Most non-dominated use-patterns kept per MIG pool for the LP and the search. */
#define PACK_MAX_PATTERNS 4000

/* Exact branch and bound over the whole pool when its lower bound is at most this many GPUs;
 * larger pools round the LP and search only the remainder. */
#define PACK_BB_MAX_GPUS 48

/* Search nodes per branch-and-bound run before the best plan found so far is kept. */
#define PACK_BB_NODES 200000L

/* Simplex pivots per LP before the LP bound is given up (the simple bounds remain). */
#define PACK_LP_MAX_PIVOTS 20000

/* Search nodes per branch-and-bound run while whole plans are being compared (choosing models);
 * the final plan gets PACK_BB_NODES. */
#define PACK_BB_NODES_TRIAL 4000L

/* Slack subtracted before rounding a floating-point bound up, so rounding never overshoots. */
#define PACK_BOUND_EPS 1e-6

/* Consolidation and elimination trials (whole plans compared) run up to this many demands;
 * beyond, each demand's estimated cost alone chooses its model. */
#define PACK_CONSOLIDATE_MAX 5000

/* Work budget of the whole-plan trials (consolidation, elimination, local search): instances
 * built in total, each trial costing the plan's instance count. Bounds `replicas: 1000000`
 * against 30 models to a few trials instead of 900. */
#define PACK_TRIAL_WORK 5000000LL

/* Local search (move one demand to another option, keep it if the plan improves) runs when
 * there are at most this many demands. */
#define PACK_LOCAL_SEARCH_MAX 40

/* Passes of that local search over all demands. */
#define PACK_LOCAL_SEARCH_PASSES 3

/* Rounds of moving demands off over-full fleet models before the rest is left unplaced. */
#define PACK_FLEET_ROUNDS 16

/* Times the model mix's answer rounded down on an over-subscribed fleet is packed and, when
 * its shared pools take more GPUs than a model has, trimmed by the excess. */
#define PACK_MIX_FLOOR_TRIES 4

/* Demands retried one by one after the largest fitting prefix, when a fleet model is full. */
#define PACK_REFILL_MAX 64

/* Most instances one problem may ask for in total (replicas times whole GPUs). */
#define PACK_MAX_INSTANCES 50000000LL

/* The exact model mix (pack_mix.c) runs on problems of at most this many demands (its second
 * plan doubles the packer's memory for a moment: past this, the heuristics' plan stands) ... */
#define PACK_MIX_MAX_DEMANDS 200000

/* ... grouped into at most this many classes (demands with the same feasible options) ... */
#define PACK_MIX_MAX_CLASSES 48

/* ... each with at most this many distinct options ... */
#define PACK_MIX_MAX_OPTS 16

/* ... and when its integer program has at most this many rows and columns. */
#define PACK_MIX_MAX_ROWS 160
#define PACK_MIX_MAX_COLS 1500

/* A pool the device plugin shares enters the model mix by its patterns (every maximal way to
 * fill one GPU) when it has at most this many kinds of clients and patterns, found in at most
 * this many steps; else by its sums of memory, compute and clients. */
#define PACK_MIX_SHARE_ITEMS    12
#define PACK_MIX_SHARE_PATTERNS 400
#define PACK_MIX_SHARE_VISITS   200000L

/* Branch-and-bound nodes (one LP each) per search of the model mix before the best plan
 * found is kept without a proof. */
#define PACK_MIX_BB_NODES 1000L

/* Above this many GPUs in the plan in hand, the model mix solves only its LP and rounds it
 * (branching on counts this large would not finish; the LP's rounding is near the optimum),
 * then searches for a bound alone (PACK_MIX_BOUND_NODES). */
#define PACK_MIX_BB_MAX_GPUS 400

/* The same for a what-if re-pack (gpv_pack_problem.quick: the plan's explanations). */
#define PACK_MIX_BB_NODES_QUICK 40L

/* Above PACK_MIX_BB_MAX_GPUS, nodes of the search that branches only on each model's and
 * each pool's GPUs in all, for a bound (a pool's last GPU is whole). */
#define PACK_MIX_BOUND_NODES 64L

/* Small LPs (the replicas on GPUs fixed) the rounding of a large program's LP may spend
 * taking GPUs away one at a time. */
#define PACK_MIX_REPAIR_LPS 200

/* Work of one search of the model mix, in LP cells (rows x columns) summed over nodes: a large
 * program gets fewer nodes than PACK_MIX_BB_NODES. */
#define PACK_MIX_WORK 4e6

/* The same for what `--from` places after keeping (gpv_pack_problem.remainder): the quick
 * budget's 40 nodes up to programs of 2,500 cells, a few on the 1% growth of a 10,000-GPU site
 * (53 x 249 cells: its 40 nodes cost more than the fresh plan's whole model mix). */
#define PACK_MIX_WORK_REMAINDER 1e5

/* Searches of the model mix, each allowing one more replica left out, before giving up. */
#define PACK_MIX_U_TRIES 4

#endif
