#ifndef GPUVPLAN_PACK_H
#define GPUVPLAN_PACK_H

/*
 * The placement engine: puts demands (N identical instances of one MIG profile, vGPU type or
 * whole-GPU count) onto physical GPUs as the hardware accepts them, sizes a fleet or respects
 * a given one, and reports a lower bound on the GPUs beside every answer.
 *
 * A demand has one or more options (a model and what it would get there); the packer picks one
 * option per demand to serve the objective (fewest unplaced demands, then the lowest cost per
 * hour when every model has a cost, else with least_memory the least GPU memory (the
 * smallest adequate boards), then the fewest GPUs, then the caller's ranks), packs each
 * model's demands, and assigns every replica to an instance: MIG instances at a start unit,
 * vGPUs with the scheduler each GPU needs (and a placement id in mixed-size mode), whole GPUs
 * for passthrough. docs/plan.md explains the algorithm, its bounds and its guarantees.
 *
 * Pure: no printing, no file access. Deterministic: the same problem gives the same result,
 * byte for byte, whatever the machine.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/vgpu.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a demand's instances are. */
enum gpv_pack_kind {
    GPV_PACK_MIG,          /* bare MIG GPU instances */
    GPV_PACK_MIG_VGPU,     /* MIG-backed vGPUs, one GPU instance each */
    GPV_PACK_VGPU,         /* time-sliced vGPUs */
    GPV_PACK_WHOLE,        /* passthrough: whole GPUs */
    GPV_PACK_TIME_SLICING, /* clients of a whole GPU time-sliced by the k8s device plugin */
    GPV_PACK_MPS,          /* MPS clients of a whole GPU (the k8s device plugin) */
};

/* "mig", "mig-vgpu", "vgpu", "passthrough", "time-slicing", "mps": the GPU modes of a plan. */
const char *gpv_pack_kind_name(enum gpv_pack_kind k);

enum gpv_pack_strategy {
    GPV_PACK_OPTIMAL,   /* exact where provable in budget, else a bounded-gap heuristic */
    GPV_PACK_FIRST_FIT, /* every replica on the first GPU it fits, in input order: a baseline */
};

/* "optimal" or "first-fit". */
const char *gpv_pack_strategy_name(enum gpv_pack_strategy s);

/* A kind of GPU the demands may use: a model, optionally limited, with a cost and vGPU mode. */
struct gpv_pack_model {
    const struct gpv_gpu *gpu; /* points into the database */
    int limit;                 /* most GPUs of this entry (a fleet); -1: as many as needed */
    double cost;               /* per GPU-hour; < 0 when unknown */
    bool mixed;                /* its vGPUs run in mixed-size mode (needs gpu->vgpu->mixed_size) */
    int nodes;                 /* nodes of the entry (a fleet with nodes); 0: no nodes */
    int gpus_per_node;         /* with nodes: GPUs of each node (limit == nodes * gpus_per_node) */
    bool single;               /* with nodes: the MIG `single` strategy: each MIG GPU holds one
                                  profile, and a node holds GPUs of one profile (or no MIG) */
    int share_replicas;        /* > 0: the entry states its sharing: every GPU is shared by
                                  share_kind with this many replicas, and only options of that
                                  kind use it; 0: the packer chooses per pool */
    enum gpv_pack_kind share_kind; /* with share_replicas: TIME_SLICING or MPS */
};

/* One way to serve a demand. */
struct gpv_pack_option {
    int model; /* index into the problem's models */
    enum gpv_pack_kind kind;
    int profile;   /* MIG profile index (MIG, MIG_VGPU: the type's GPU instance); else -1 */
    int vgpu_type; /* vGPU type index (VGPU, MIG_VGPU); else -1 */
    int gpus;      /* WHOLE: GPUs per replica (>= 1); VGPU: 0, or >= 2 for a multi-vGPU replica
                      (a whole-GPU type on each of that many GPUs); else 0 */
    int rank;      /* the caller's preference among the demand's options: lower is better */
    int clients;   /* MIG: replicas one instance serves, time-sliced by the k8s device plugin
                      (2 .. GPV_SHARING_REPLICAS_MAX): n replicas take ceil(n / clients)
                      instances, each of one demand's replicas; 0: one replica each; else 0 */
};

/* `replicas` identical instances wanted by one tenant. */
struct gpv_pack_demand {
    int replicas;         /* >= 1 */
    double compute;       /* VGPU: guaranteed share of one GPU each replica needs; 0 = none;
                             TIME_SLICING, MPS: the share each client needs */
    long long memory_mib; /* TIME_SLICING, MPS: memory each client needs; 0 = none given */
    bool spread;          /* replicas on distinct GPUs */
    bool spread_nodes;    /* replicas on distinct nodes (models with nodes); implies spread */
    size_t noptions;
    const struct gpv_pack_option *options; /* the caller's; none: the demand stays unplaced */
};

struct gpv_pack_problem {
    size_t nmodels;
    const struct gpv_pack_model *models;
    size_t ndemands;
    const struct gpv_pack_demand *demands;
    enum gpv_pack_strategy strategy;
    bool no_upgrades;  /* never give a larger MIG profile than asked (optimal strategy) */
    bool least_memory; /* without costs, weigh a GPU by its memory, not 1: sizing a fleet from
                          every model (no fleet, no --gpu), the smallest adequate boards win */
    bool quick;        /* a what-if re-pack (the plan's explanations) or what `--from` places
                          after keeping: the exact model mix searches with a small budget, so it
                          may prove less */
    bool remainder;    /* what `--from` places after keeping: each search of the model mix
                          also spends less LP work, so a large remainder gets a few nodes (next to
                          the thousands of GPUs kept) and a small one the quick budget */
};

/*
 * One instance on a GPU. 28 bytes: a plan of a million tenants holds 3 million of them, and
 * the packer two or three such plans at its peak; the narrow fields are bounded (a MIG profile
 * below GPV_MIG_MAX_PROFILES, GPUs per replica checked by gpv_pack, a vGPU's frame buffer in
 * GB, clients up to GPV_SHARING_REPLICAS_MAX).
 */
struct gpv_pack_inst {
    int demand;         /* index into the problem's demands */
    int replica;        /* 0 .. replicas - 1 */
    int vgpu_type;      /* vGPU type given (VGPU, MIG_VGPU); -1 otherwise */
    int start;          /* MIG: start unit; mixed-size vGPU: placement id (GB); TIME_SLICING, MPS:
                           the client's index on its GPU (0 .. replicas - 1); else -1 */
    int option;         /* the demand's option this replica uses (replicas may use several) */
    int16_t size;       /* MIG: units; vGPU: frame buffer in GB (rounded); WHOLE: 0 */
    int16_t part;       /* WHOLE, multi-vGPU: which of the replica's GPUs (0 .. gpus - 1); else 0 */
    int8_t profile;     /* MIG profile given (MIG, MIG_VGPU); -1 otherwise */
    bool upgraded;      /* a larger MIG profile than the option asked for */
    int8_t clients;     /* an option with clients (MIG time-sliced by the k8s device plugin): the
                           demand's replicas replica .. replica + clients - 1 share this GPU
                           instance; 0: a bare instance */
    int8_t ts_replicas; /* with clients: the device plugin's replicas of the instance, the
                           option's clients (>= clients) */
};

/* One GPU of the plan. */
struct gpv_pack_gpu {
    int model; /* index into the problem's models */
    enum gpv_pack_kind kind;
    enum gpv_sched sched; /* VGPU: the scheduler it needs; BEST_EFFORT otherwise */
    int replicas;         /* TIME_SLICING, MPS: the device plugin's replicas of the GPU; else 0 */
    size_t first;         /* its instances: insts[first .. first + ninsts) */
    size_t ninsts;
};

/* Per model entry. */
struct gpv_pack_model_stats {
    int gpus;        /* GPUs used */
    int lower_bound; /* no packing of the same choices uses fewer; <= gpus */
    bool optimal;    /* gpus is proven minimal for the choices made */
};

/* What kept replicas of a demand off one of its options. */
enum gpv_pack_why {
    GPV_PACK_WHY_NO_OPTION,    /* no method on any model planned */
    GPV_PACK_WHY_NO_FLEET,     /* the fleet has none of the model */
    GPV_PACK_WHY_TOO_LARGE,    /* a replica needs more whole GPUs than the fleet has */
    GPV_PACK_WHY_MIXED,        /* the vGPU type is not offered in mixed-size mode */
    GPV_PACK_WHY_SCHEDULER,    /* no vGPU scheduler guarantees the compute share */
    GPV_PACK_WHY_SPREAD,       /* more replicas to spread than GPUs or nodes */
    GPV_PACK_WHY_EXHAUSTED,    /* the model's GPUs are all in use */
    GPV_PACK_WHY_SHARING,      /* exhausted, and GPUs with room hold vGPUs it may not share with
                                  (C- and Q-series; another type in equal-size mode) */
    GPV_PACK_WHY_RECONFIGURE,  /* recommend --from: no room without reconfiguring more GPUs than
                                  --max-reconfigure allows (or than the fleet has) */
    GPV_PACK_WHY_SHARE_CONFIG, /* the fleet entry states a device-plugin sharing that does not
                                  serve the option (another method, or replicas too many for
                                  the client's memory or compute under MPS) */
    GPV_PACK_WHY_UNREACHED,    /* GPUs of the model are free and one replica would fit them,
                                  but the planner's search did not place it there */
};

/* "no-option", "no-fleet", "too-large", "mixed-size", "scheduler", "spread", "exhausted",
 * "sharing", "reconfigure", "share-config", "unreached". */
const char *gpv_pack_why_name(enum gpv_pack_why w);

/* One structured reason: a code, the option and model it is about, and numbers. */
struct gpv_pack_reason {
    enum gpv_pack_why why;
    int option;     /* the demand's option; -1 for NO_OPTION */
    int model;      /* its model entry; -1 for NO_OPTION */
    long needed;    /* EXHAUSTED, UNREACHED: GPUs the replicas left would need at least;
                       TOO_LARGE: GPUs per replica; SPREAD: replicas to spread; else 0 */
    long available; /* EXHAUSTED, UNREACHED: GPUs of the model not in use; TOO_LARGE, SPREAD:
                       GPUs (or nodes) of the fleet; else 0 */
    long in_use;    /* EXHAUSTED, UNREACHED: GPUs of the model in use; else 0 */
    long limit;     /* the fleet's GPUs of the model; -1 without a limit */
    char *text;     /* the sentence: one line, lowercase, no full stop */
};

/* Why replicas of a demand were left out. */
struct gpv_pack_unplaced {
    int demand;
    int replicas; /* replicas left out (the others are placed) */
    size_t nreasons;
    char **reasons;               /* each one line, lowercase, no full stop: whys[i].text */
    struct gpv_pack_reason *whys; /* nreasons, in the same order */
};

struct gpv_pack_result {
    size_t ngpus;
    struct gpv_pack_gpu *gpus; /* by model, then mode (mig, mig-vgpu, vgpu, passthrough) */
    size_t ninsts;
    struct gpv_pack_inst *insts; /* per GPU by start (MIG, mixed vGPU), else demand order */
    int *choice;                 /* per demand: the option of its first placed replica, or -1
                                    when none is placed */
    int *placed;                 /* per demand: replicas placed (0 .. replicas); the others are
                                    in unplaced */
    size_t nmodels;
    struct gpv_pack_model_stats *models; /* per model entry of the problem */
    size_t nunplaced;
    struct gpv_pack_unplaced *unplaced; /* by demand index */
    int gpus_used;
    int lower_bound;         /* sum of the per-model bounds: for the choices made */
    bool optimal_choices;    /* every model's count proven minimal for the choices made */
    int lower_bound_any;     /* over every allowed choice: no plan that places as many replicas of
                                each demand, on any of its options, uses fewer GPUs */
    bool optimal;            /* proven best for the objective: no plan leaves fewer replicas out,
                                and none leaving as many out costs less (every model priced) or
                                uses fewer GPUs (otherwise) */
    double cost;             /* per hour, when every model used has a cost; < 0 otherwise */
    double cost_lower_bound; /* per hour, when every model has a cost: no plan that places as
                                many replicas of each demand costs less; < 0 otherwise */
    long nodes;              /* search effort spent (branch-and-bound nodes), for benchmarks */
};

/* Zeroes r (cost_lower_bound -1: unknown). No allocation. */
void gpv_pack_result_init(struct gpv_pack_result *r);

/* Frees the contents of r and zeroes it. NULL-safe. */
void gpv_pack_result_release(struct gpv_pack_result *r);

/*
 * Packs the problem into *out (initialise it first; release it with gpv_pack_result_release()).
 * When a fleet's limits leave no room for all of a demand, its replicas are placed one by one:
 * as many as fit, on any of its options (several models and methods if need be). Demands
 * without options, and replicas the limits leave no room for, are listed in out->unplaced with
 * every reason; that is an answer, not an error.
 * Returns 0, or GPV_EINPUT when the problem is malformed (an option naming an unknown model,
 * profile or type, a kind the model cannot host, replicas < 1), with err saying which demand;
 * *out is then empty.
 */
int gpv_pack(struct gpv_pack_result *out, const struct gpv_pack_problem *p, struct gpv_error *err);

/*
 * A lower bound on the GPUs of one model needed for counts[i] bare MIG instances of profile i
 * (nprofiles entries), allowing larger profiles to stand in when `upgrades` is true. The bound
 * never exceeds the optimum. Returns -1 for a model without MIG.
 */
int gpv_pack_mig_lower_bound(const struct gpv_gpu *gpu, const int *counts, bool upgrades);

/*
 * True when MIG profile `big` may serve a request for profile `small` on gpu: at least as much
 * memory, compute slices, SMs and engines, media when asked, graphics when asked.
 */
bool gpv_pack_mig_serves(const struct gpv_gpu *gpu, int big, int small);

#endif
