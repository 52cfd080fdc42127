#ifndef GPUVPLAN_RULES_H
#define GPUVPLAN_RULES_H

/*
 * The decision rules and their evaluator: for each tenant and each candidate GPU model, which
 * method (passthrough, time-sliced vGPU, bare MIG, MIG-backed vGPU) serves it, on which instance
 * (MIG profile, vGPU type or number of whole GPUs), and why every other method lost.
 *
 * The rules are data (profiles/rules.yaml, embedded; docs/rules.md is the language). Two phases:
 *   1. exclude: every rule whose condition holds removes methods (and vGPU series); each removal
 *      keeps the rule's reason;
 *   2. prefer: the first rule whose condition holds orders the methods that are left.
 * Then, in that order, the evaluator picks the smallest instance of each method that covers the
 * tenant's memory, compute and media needs; the first method with a fitting instance wins.
 *
 * Pure: no printing, no file access. Everything the evaluator returns is owned by the returned
 * structs, except pointers into the database, the tenants and the ruleset, which must outlive
 * the decision. In particular every string of a decision (trace and reason texts) is its own
 * heap copy, freed by gpv_decision_release(); callers read them and never free or keep them.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/tenant.h"

#include <stdbool.h>
#include <stddef.h>

/* The methods. GPV_METHOD_NONE is "no method": the tenant cannot be served on that model. */
enum gpv_method {
    GPV_METHOD_NONE,
    GPV_METHOD_PASSTHROUGH,  /* whole GPUs, `gpus` per replica */
    GPV_METHOD_VGPU,         /* a time-sliced vGPU type (mig_profile of the type is -1) */
    GPV_METHOD_MIG,          /* a bare MIG GPU instance (containers and processes) */
    GPV_METHOD_MIG_VGPU,     /* a MIG-backed vGPU type (a VM on a MIG GPU instance) */
    GPV_METHOD_TIME_SLICING, /* a time-sliced client of a whole GPU through the k8s device
                                plugin (containers); memory not enforced */
    GPV_METHOD_MPS, /* an MPS client of a whole GPU through the k8s device plugin (containers):
                       1/replicas of its memory and compute */
};

#define GPV_METHOD_COUNT 7 /* array size indexed by enum gpv_method (slot 0 unused) */
#define GPV_NMETHODS     6 /* real methods: 1 .. 6 */
#define GPV_METHOD_LAST  GPV_METHOD_MPS

/* "passthrough", "vgpu", "mig", "mig-vgpu", "time-slicing", "mps"; "none" for
 * GPV_METHOD_NONE. */
const char *gpv_method_name(enum gpv_method m);

/* Parses a method name as above (not "none"). Returns true and sets *out on success. */
bool gpv_method_parse(enum gpv_method *out, const char *s);

enum gpv_phase {
    GPV_PHASE_EXCLUDE,
    GPV_PHASE_PREFER,
};

/* "exclude" or "prefer". */
const char *gpv_phase_name(enum gpv_phase p);

/* A condition over tenant, licence and GPU fields; opaque, see docs/rules.md. */
struct gpv_cond;

struct gpv_rule {
    char *id; /* unique in the ruleset: lowercase letters, digits, '-' */
    enum gpv_phase phase;
    struct gpv_cond *when;   /* NULL: always holds */
    unsigned exclude;        /* phase exclude: bit (1u << method) for each method removed */
    unsigned exclude_series; /* phase exclude: bit (1u << enum gpv_series) for each vGPU series
                                removed (for both time-sliced and MIG-backed types) */
    unsigned exclude_shared; /* phase exclude: bit (1u << method), vgpu and mig-vgpu only: the
                                method keeps only types that share no GPU or GPU instance (one
                                time-sliced vGPU per GPU; one MIG-backed vGPU per instance) */
    int nprefer;             /* phase prefer: methods in order of preference, 1 .. 6 */
    enum gpv_method prefer[GPV_NMETHODS];
    char *reason;    /* one line: why the rule holds */
    size_t nsources; /* at least 1 */
    char **sources;  /* source ids, each declared in the ruleset's sources */
    int line, col;   /* of the rule in its file */
};

struct gpv_ruleset {
    char *name; /* the file the rules came from ("profiles/rules.yaml") */
    size_t nsources;
    struct gpv_source *sources; /* {id, title, url}; url may be NULL */
    size_t nrules;
    struct gpv_rule *rules; /* in file order; phases may interleave */
};

/*
 * Parses a rules file from buf[0..len); name is cited in errors. On success *out holds the
 * ruleset (release with gpv_rules_release()) and 0 is returned; on failure *out is empty and
 * GPV_EINPUT is returned with err at name:line:col.
 */
int gpv_rules_load_mem(struct gpv_ruleset *out, const char *buf, size_t len, const char *name,
                       struct gpv_error *err);

/* Loads the rules compiled into the binary (profiles/rules.yaml). Returns 0 or GPV_EINPUT. */
int gpv_rules_load_embedded(struct gpv_ruleset *out, struct gpv_error *err);

/* Frees the contents of rs and leaves it empty. NULL-safe. */
void gpv_rules_release(struct gpv_ruleset *rs);

/* Finds a source by id, or NULL. */
const struct gpv_source *gpv_rules_source(const struct gpv_ruleset *rs, const char *id);

/*
 * Writes a condition as people read it ("tenant.isolation is hard and gpu.mig"); NULL gives
 * "always". Returns a new string the caller frees.
 */
char *gpv_cond_format(const struct gpv_cond *c);

/* ---- evaluation -------------------------------------------------------------------------- */

/* One GPU model the tenant may run on, with its cost per GPU-hour (< 0 when unknown). */
struct gpv_candidate {
    const struct gpv_gpu *gpu;
    double cost_per_hour;
    bool sizing; /* no fleet: the plan sizes one, so a smaller board is better (gpv_choice_cmp) */
};

/*
 * The candidate models of tenant t, in a new array *out (caller frees; NULL when none) and
 * returns their number:
 *   - the tenant's pinned model alone, when it has one;
 *   - else the models in `only` (e.g. --gpu options), when nonly > 0;
 *   - else the models of the file's fleet, each once, in fleet order, with the lowest
 *     cost_per_hour given for it;
 *   - else every model in db, in id order.
 * file may be NULL (no fleet). Without a fleet or `only`, every candidate has sizing set.
 */
size_t gpv_candidates(struct gpv_candidate **out, const struct gpv_tenants *file,
                      const struct gpv_tenant *t, const struct gpv_db *db,
                      const struct gpv_gpu *const *only, size_t nonly);

enum gpv_step {
    GPV_STEP_RULE,   /* a rule was evaluated */
    GPV_STEP_SELECT, /* the evaluator looked for an instance of one method */
};

/* One line of a trace. */
struct gpv_trace {
    enum gpv_step step;
    const struct gpv_rule *rule; /* GPV_STEP_RULE: the rule; NULL otherwise */
    enum gpv_method method;      /* GPV_STEP_SELECT: the method; NONE otherwise */
    bool matched;                /* rule: its condition held; select: an instance fits */
    bool decided; /* prefer rule: the first match, the one that ordered the methods */
    char *text;   /* what happened, one line: never NULL, owned by the decision (read only) */
};

/* Why a method lost: the rule that excluded it (NULL when the evaluator decided) and why. */
struct gpv_reason {
    const char *rule; /* rule id, pointing into the ruleset; NULL for instance selection */
    char *text;
};

struct gpv_reasons {
    size_t n;
    struct gpv_reason *v;
};

/* What one method would give on one model. */
struct gpv_option {
    bool excluded;     /* a phase-1 rule removed it */
    bool fits;         /* not excluded and an instance covers the request */
    int mig_profile;   /* MIG and MIG-backed vGPU: index into gpu->mig->profiles; else -1 */
    int vgpu_type;     /* vGPU and MIG-backed vGPU: index into gpu->vgpu->types; else -1 */
    int gpus;          /* passthrough: whole GPUs per replica; vgpu: the GPUs of a multi-vGPU
                          replica (one whole-GPU type on each), 0 for one vGPU; else 0 */
    int clients;       /* time-slicing, MPS: most replicas of this size one GPU carries (on a
                          MIG GPU, time-slicing: one MIG instance of mig_profile); else 0 */
    int whole_clients; /* time-slicing: most replicas one whole GPU carries, for a fleet entry
                          that states its sharing (0: none); else 0 */
    double share;      /* fraction of one GPU a replica takes (passthrough, multi-vGPU: gpus) */
};

/*
 * The evaluator's answer for one tenant on one candidate model.
 *
 * method is the first method of `order` whose option fits, or GPV_METHOD_NONE. The instance
 * fields describe that method's option: mig_profile (GPV_METHOD_MIG, and the GPU instance under
 * a GPV_METHOD_MIG_VGPU type), vgpu_type (GPV_METHOD_VGPU and GPV_METHOD_MIG_VGPU), gpus
 * (GPV_METHOD_PASSTHROUGH; GPV_METHOD_VGPU when a replica is several whole-GPU vGPUs, one per
 * GPU, else 0); the others are -1 (indices) or 0 (gpus).
 *
 * rank orders choices of one tenant across models, best first (see gpv_choice_cmp()): the
 * position of the method in `order` (0 is the most preferred); NONE ranks last.
 */
struct gpv_choice {
    const struct gpv_gpu *gpu;
    double cost_per_hour; /* from the candidate; < 0 when unknown */
    enum gpv_method method;
    int mig_profile;
    int vgpu_type;
    int gpus;
    int clients; /* time-slicing, MPS: most replicas of this size one GPU carries; else 0 */
    int rank;
    double share; /* fraction of one GPU a replica takes (passthrough: whole GPUs) */
    bool sizing;  /* from the candidate: no fleet */
    const struct gpv_rule *order_rule;   /* the prefer rule that set `order`; NULL: the default */
    enum gpv_method order[GPV_NMETHODS]; /* every method, most preferred first */
    unsigned series;                     /* vGPU series left after phase 1 (1u << gpv_series) */
    const struct gpv_rule *no_shared[GPV_METHOD_COUNT]; /* by method: the first rule that left
                                                            it only unshared types; or NULL */
    const struct gpv_rule *decided_by; /* the rule that decided `method`: order_rule when it
                                          chose between methods that fit, else the exclude
                                          rule that removed the method ranked before it (the
                                          choice was forced); NULL: the default order */
    struct gpv_option options[GPV_METHOD_COUNT]; /* indexed by method; slot 0 unused */
    size_t ntrace;
    struct gpv_trace *trace; /* every rule in file order, then one line per method examined */
    struct gpv_reasons rejected[GPV_METHOD_COUNT]; /* indexed by method; for each method other
                                                      than `method`, every reason it lost */
};

/*
 * The evaluator's answer for one tenant: one choice per candidate model, sorted best first.
 * method is the verdict: choices[0].method when choices[0] has one (best = 0), else
 * GPV_METHOD_NONE (best = -1). rejected holds, per method, every reason that method lost on
 * every candidate model, without repeats; for a tenant with a verdict, the reasons of the best
 * choice only.
 */
struct gpv_decision {
    const struct gpv_tenant *tenant;
    enum gpv_method method;
    int best;
    size_t nchoices;
    struct gpv_choice *choices;
    struct gpv_reasons rejected[GPV_METHOD_COUNT];
};

/*
 * Decides tenant t under licences lic on each of the ncands candidates, with the rules rs.
 * *out always holds the decision afterwards (release with gpv_decision_release()); there is no
 * failure: a tenant no method serves is an answer (out->method == GPV_METHOD_NONE), ncands == 0
 * gives a decision with no choices and method NONE, and running out of memory is fatal.
 */
void gpv_decide(struct gpv_decision *out, const struct gpv_ruleset *rs, const struct gpv_tenant *t,
                const struct gpv_licenses *lic, const struct gpv_candidate *cands, size_t ncands);

/* Frees the contents of d and leaves it empty. NULL-safe. */
void gpv_decision_release(struct gpv_decision *d);

/*
 * Orders two choices of one tenant: negative when a is better. Choices with a method come
 * before those without; then lower rank; then the lower cost per replica (share x
 * cost_per_hour) when both costs are known, else when both are sizing candidates (no fleet)
 * the less GPU memory per replica (share x the model's memory: the smallest adequate board),
 * else the smaller share; then the model id.
 */
int gpv_choice_cmp(const struct gpv_choice *a, const struct gpv_choice *b);

/* The instance of a choice as people name it: a MIG profile or vGPU type name, or NULL
 * (passthrough, none). Points into the database. */
const char *gpv_choice_profile(const struct gpv_choice *c);

#endif
