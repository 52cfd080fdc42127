#ifndef GPUVPLAN_PLAN_INT_H
#define GPUVPLAN_PLAN_INT_H

/*
 * Private to src/plan*.c: what a plan document says, computed once from the plan source and
 * shared by its writers (plan_doc.c: the value tree, JSON and YAML; plan_text.c: the table), so
 * that every format says the same thing. The index is plan_index.c's, the facts plan_facts.c's.
 */

#include "gpuvplan/plan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An instance of the result, located: its index and its GPU's (both below PACK_MAX_INSTANCES,
 * so 32 bits each: at a million tenants the index holds 3 million of these).
 */
struct pl_tinst {
    uint32_t inst; /* index into the result's instances */
    uint32_t gpu;  /* index into the result's GPUs */
};

/* Lookups every writer needs, made once per document. */
struct pl_index {
    size_t nids;         /* GPUs of the result */
    char **ids;          /* per GPU: "h100-80gb-3", numbered per model (in idbuf), or for a
                            GPU of a node "NODE/INDEX" (allocated: ids_owned) */
    char *idbuf;         /* the ids that are not the nodes' */
    bool *ids_owned;     /* NULL, or per GPU: ids[g] is its own allocation */
    struct pl_tinst *ti; /* every instance, by tenant, replica, part, GPU, index */
    uint32_t *tfirst;    /* per tenant t: its instances are ti[tfirst[t] .. tfirst[t + 1]) */
    uint32_t *tgpus;     /* the GPUs each tenant is on, once each, in replica order: */
    uint32_t *gfirst;    /* tenant t's are tgpus[gfirst[t] .. gfirst[t + 1]) */
    size_t placed;       /* tenants placed */
};

/* Fills ix for src (release it with pl_index_release()). */
void pl_index_build(struct pl_index *ix, const struct gpv_plan_src *src);

/* Frees everything in ix. */
void pl_index_release(struct pl_index *ix);

/* The summary's figures that are computed, rounded as the plan states them. */
struct pl_figures {
    double util_memory;    /* memory allocated / memory of the GPUs used */
    double util_requested; /* memory asked for / memory of the GPUs used */
    double util_compute;   /* compute handed out / GPUs used */
    long long stranded_mib;
    long long stranded_units; /* MIG units free on MIG GPUs */
    bool has_cost;
    double per_hour, per_month; /* when has_cost */
};

void pl_figures(struct pl_figures *out, const struct gpv_plan_src *src);

/* Without a fleet: how the models were chosen, one line (static); NULL with a fleet. */
const char *pl_sizing(const struct gpv_plan_src *src);

/* True when model entry m is listed in the summary (it has a fleet line or GPUs in use). */
bool pl_model_listed(const struct gpv_plan_src *src, size_t m);

/* A placed tenant as the plan states it. */
struct pl_tenant {
    const struct gpv_tenant *t;
    const struct gpv_pack_option *o; /* the option the packer chose */
    const struct gpv_gpu *gpu;
    const struct gpv_choice *choice; /* the decision choice behind it; NULL when none */
    enum gpv_method method;
    const char *profile;     /* the MIG profile or vGPU type asked for; NULL for whole GPUs */
    const char *mig_profile; /* the MIG profile (MIG, MIG-backed vGPU); else NULL */
    const char *license;     /* the licence its vGPU type needs; NULL: none */
    const char *decided_by;  /* the rule that ordered the methods; NULL: none */
    int upgraded;            /* replicas given a larger MIG profile */
    const char *given;       /* that larger profile, when upgraded */
    int placed;              /* replicas placed (the others are unplaced) */
    const struct gpv_choice *first; /* its decision's first choice when packing moved it off
                                       that (another method or model); else NULL */
    const char *moved;              /* why, when first is set */
};

/* Appends the first choice of a moved tenant: "mig 1g.20gb on h100-80gb". */
void pl_put_first(struct gpv_buf *b, const struct pl_tenant *pt);

/* Some of a placed tenant's replicas, all on one option: a model and what they get there. */
struct pl_part {
    int option; /* the demand's option */
    const struct gpv_pack_option *o;
    const struct gpv_gpu *gpu;
    enum gpv_method method;
    const char *profile;     /* as in struct pl_tenant */
    const char *mig_profile; /* as in struct pl_tenant */
    const char *license;     /* as in struct pl_tenant */
    int replicas;            /* replicas on it */
};

/* Tenant t's parts, in the order of their first replica, into *out (a new array the caller
 * frees; NULL when t is unplaced); returns how many. */
size_t pl_parts(struct pl_part **out, const struct gpv_plan_src *src, const struct pl_index *ix,
                size_t t);

/* Fills *out for tenant t and returns true, or returns false when t is unplaced. */
bool pl_tenant(struct pl_tenant *out, const struct gpv_plan_src *src, const struct pl_index *ix,
               size_t t);

/* Appends the note on an upgraded tenant ("upgraded from 1g.10gb to ..."). */
void pl_put_note(struct gpv_buf *b, const struct pl_tenant *pt);

/* True when trace step tr is part of the plan's trace (rules that did not match are not). */
bool pl_trace_shown(const struct gpv_trace *tr);

/* What instance x of a GPU of kind k holds: its MIG profile or vGPU type name, or NULL. */
const char *pl_inst_profile(const struct gpv_gpu *gpu, enum gpv_pack_kind k,
                            const struct gpv_pack_inst *x);

/* The method of option o: time-slicing for the MIG instances it time-slices. */
enum gpv_method pl_option_method(const struct gpv_pack_option *o);

/* What an option asks for, by name: the MIG profile, the vGPU type, or NULL. */
const char *pl_option_profile(const struct gpv_gpu *gpu, const struct gpv_pack_option *o);

/* Calls fn(arg, reason) for each reason unplaced tenant i (an index into the result's
 * unplaced list) is unplaced, in the plan's order. */
void pl_reasons(const struct gpv_plan_src *src, size_t i, void (*fn)(void *arg, const char *s),
                void *arg);

/*
 * Checks that root has the shape of a plan: an object with the right schema and every member
 * `check` reads present with its type (plan_shape.c). Returns 0, or GPV_EINPUT with err naming
 * the first member that is missing or of the wrong type ("not a plan: ..."), at file name.
 */
int pl_shape(const struct gpv_val *root, const char *name, struct gpv_error *err);

/*
 * Validates root against docs/plan.schema.json (compiled in): every member's type, enum,
 * minimum and maximum, required members, no members the schema does not list. Returns 0, or
 * GPV_EINPUT with err saying "not a plan: PATH ..." for the first violation (name as the file).
 */
int pl_schema(const struct gpv_val *root, const char *name, struct gpv_error *err);

/* The value of a number (an integer or not) as a double. */
double pl_num(const struct gpv_val *v);

/* Nodes (plan_nodes.c). Replaces the ids (nids of them) of GPUs that have a node by
 * "NODE/INDEX", each allocated; returns NULL when there are none, else nids flags saying
 * which ids it allocated (the caller frees those and the flags). */
bool *pl_nodes_ids(char **ids, size_t nids, const struct gpv_plan_src *src);

struct gpv_emit;

/* Emits GPU g's "node" and "index" members: null for GPUs of entries without nodes. */
void pl_nodes_emit_gpu(struct gpv_emit *e, const struct gpv_plan_src *src, size_t g);

/* Emits "nodes" (each node of the fleet with its labels and, per GPU index, what the plan puts
 * there) and "node_warnings" (constraints the node assignment could not keep). */
void pl_nodes_emit(struct gpv_emit *e, const struct gpv_plan_src *src, const struct pl_index *ix);

/* Appends GPU g's layout in one line: "mig 1g.20gb x4, 3g.40gb", "vgpu L40S-12Q x2",
 * "passthrough". */
void pl_gpu_summary(struct gpv_buf *b, const struct gpv_plan_src *src, size_t g);

/* Appends the table's heading of GPU g's node when g is its node's first GPU; else nothing. */
void pl_nodes_heading(struct gpv_buf *b, const struct gpv_plan_src *src,
                      const struct gpv_plan_style *st, size_t g);

/*
 * Checks what a plan says about nodes (plan_nodes.c): nodes[] (valid unique names, known
 * models, GPU counts, strategies, labels, one layout item per index), every GPU with a node
 * (the node exists, its index is in range and free, its model is the node's, its id is
 * "NODE/INDEX"), one MIG profile per single-strategy node, and spread-by-node tenants with no
 * two replicas on one node. Calls fail(arg, where, what) for each finding; returns the number
 * of checks made.
 */
size_t pl_nodes_check(const struct gpv_val *plan, const struct gpv_db *db,
                      void (*fail)(void *arg, const char *where, const char *what), void *arg);

/* Appends the table's lines after the GPUs: nodes no GPU uses, and node warnings. */
void pl_nodes_table_tail(struct gpv_buf *b, const struct gpv_plan_src *src,
                         const struct gpv_plan_style *st);

/*
 * What is wrong with a plan's GPU model name that gpv_db_find() does not resolve, as a finding's
 * text: "GPU model 'x' is not in the database", or for a name that fits several models
 * "ambiguous GPU 'h100': it could be 'h100-80gb', ... (a plan names a model by its id)".
 * Writes into err's message buffer and returns it; model NULL reads as "null".
 */
const char *pl_model_problem(struct gpv_error *err, const struct gpv_db *db, const char *model);

#endif
