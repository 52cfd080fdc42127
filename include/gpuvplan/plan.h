#ifndef GPUVPLAN_PLAN_H
#define GPUVPLAN_PLAN_H

/*
 * Plans: what `recommend` writes and `check` reads, schema "gpuvplan.plan/1" (docs/plan.md,
 * docs/plan.schema.json). A plan is a gpv_val tree, written as JSON or YAML with the same
 * content; keys are stable and arrays come in a fixed order, so identical input gives
 * byte-identical output. The writers below stream the document from the plan's source
 * instead of building the tree, with the same result.
 *
 * Pure: no printing, no file access.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/pack.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/site.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stddef.h>

#define GPV_PLAN_SCHEMA "gpuvplan.plan/1"

/* What to plan: the inputs of `recommend`. */
struct gpv_plan_job {
    const struct gpv_tenants *file;
    const struct gpv_ruleset *rules;
    const struct gpv_db *db;
    size_t nonly; /* --gpu models, in order; 0: the fleet's, else every model the rules allow */
    const struct gpv_gpu *const *only;
    enum gpv_pack_strategy strategy;
    bool no_upgrades;
};

/*
 * A planned site: the decisions, the packing problem made of them (demand i is tenant i; one
 * option per decision choice with a method, per model entry of that GPU), and its result.
 * Model entries are the fleet's lines (those among `only` when given), else the `only` models,
 * else every model some decision can use, in database order.
 */
struct gpv_plan_run {
    struct gpv_decision *decisions; /* one per distinct kind of tenant */
    size_t ndecisions;
    const struct gpv_decision **of; /* per tenant: its decision */
    struct gpv_pack_model *models;
    size_t nmodels;
    struct gpv_pack_demand *demands;
    struct gpv_pack_option *options;
    int **choice_of; /* per tenant, per option: the index of the decision choice behind it */
    int *choice_buf;
    struct gpv_pack_problem problem;
    struct gpv_pack_result result;
    struct gpv_site site; /* node and index of every GPU of the result (fleets with nodes) */
    char **moved; /* per tenant: why packing gave it another method or model than its decision's
                     first choice (one line), or NULL when it did not */
};

/*
 * Decides every tenant (tenants that differ only in name share one decision: the evaluator
 * never reads names), builds the packing problem and packs it. On success *out holds
 * everything (release it with gpv_plan_run_release()) and 0 is returned, also when tenants are
 * unplaced. On failure returns the evaluator's or packer's status with err filled; *out is
 * then empty.
 */
int gpv_plan_run(struct gpv_plan_run *out, const struct gpv_plan_job *job, struct gpv_error *err);

/* Frees everything in r and zeroes it. NULL-safe. */
void gpv_plan_run_release(struct gpv_plan_run *r);

/* Everything a plan document is made from. */
struct gpv_plan_src {
    const char *tenants_file; /* as named on the command line */
    const char *rules;        /* the ruleset's name */
    const struct gpv_plan_job *job;
    const struct gpv_plan_run *run;
    bool explain;                      /* add each tenant's rule trace */
    const struct gpv_val *incremental; /* NULL, or the "incremental" member (recommend --from,
                                          gpv_incr_build()), written last */
};

/* Builds the plan as a value tree; the caller frees it. */
struct gpv_val *gpv_plan_build(const struct gpv_plan_src *src);

/*
 * Appends the plan as JSON to out: byte for byte what gpv_val_write_json() writes for
 * gpv_plan_build(src), without building the tree (large sites: time and memory).
 */
void gpv_plan_write_json(const struct gpv_plan_src *src, struct gpv_buf *out);

/*
 * Appends the plan as YAML to out: byte for byte what gpv_val_write_yaml() writes for
 * gpv_plan_build(src), without building the tree.
 */
void gpv_plan_write_yaml(const struct gpv_plan_src *src, struct gpv_buf *out);

/* What a table is decorated with: escape sequences, or "" each for plain text. */
struct gpv_plan_style {
    const char *bold;  /* headings and GPU ids */
    const char *dim;   /* notes */
    const char *red;   /* unplaced tenants */
    const char *reset; /* after each of the above */
    int width;         /* columns the table fits (grids, wrapped reasons); 0: 80 */
};

/*
 * Appends the plan as the table `recommend` prints (docs/plan.md): the GPUs with their layouts,
 * the tenants, the unplaced tenants with their reasons, the summary. It states what the JSON
 * plan states, read from the same source and written without building a tree. style may be
 * NULL (no escape codes, 80 columns).
 */
void gpv_plan_write_table(const struct gpv_plan_src *src, const struct gpv_plan_style *style,
                          struct gpv_buf *out);

/* Policies `check` applies beyond validity; a field at its "off" value applies nothing. */
struct gpv_plan_policy {
    long long max_gpus;     /* -1: off */
    double max_cost;        /* per hour; < 0: off */
    bool allow_unplaced;    /* false: every unplaced tenant fails */
    double min_utilization; /* memory allocated / memory of the GPUs used, 0..1; < 0: off */
    size_t nmodels;         /* GPU models allowed (ids); 0: any */
    const char *const *models;
    long long max_gap;     /* gpus_used - lower_bound at most this; -1: off */
    bool require_optimal;  /* summary.optimal must be true */
    unsigned methods;      /* allowed methods, bit (1u << enum gpv_method); 0: any */
    long long max_per_gpu; /* most instances on one GPU; -1: off */
};

/* Sets every policy off (and allow_unplaced false). */
void gpv_plan_policy_init(struct gpv_plan_policy *p);

/* One failed check: where (a GPU, a tenant, the summary) and what is wrong. */
struct gpv_plan_finding {
    char *where; /* "gpu 'h100-80gb-2'", "tenant 'chatbot'", "summary", "policy" */
    char *what;  /* lowercase, no full stop */
};

struct gpv_plan_findings {
    size_t n;
    struct gpv_plan_finding *v;
    size_t checks; /* checks made (GPUs, instances, tenants, policies) */
    int gpus;      /* GPUs in the plan */
    int tenants;   /* tenants in the plan (placed and unplaced) */
};

/* Frees the findings. NULL-safe. */
void gpv_plan_findings_release(struct gpv_plan_findings *f);

/*
 * Re-validates a plan against the database and applies the policies: every GPU's model and
 * mode, every MIG layout through the MIG engine (profiles, sizes, starts, overlaps, maxima,
 * constraints), every vGPU GPU (types, sizes, counts, placement ids, the stated scheduler
 * against each resident's compute), every tenant present once with all its replicas on GPUs of
 * its model and method (spread on distinct GPUs), the summary's counts, then the policies.
 * name is the file, for messages.
 * Returns 0 with *out listing every failed check (none: the plan passes), or GPV_EINPUT when
 * the value is not a plan at all (wrong or missing schema, a required member missing or of
 * the wrong type), with err saying what; *out is then empty.
 */
int gpv_plan_check(struct gpv_plan_findings *out, const struct gpv_val *plan,
                   const struct gpv_db *db, const struct gpv_plan_policy *pol, const char *name,
                   struct gpv_error *err);

#endif
