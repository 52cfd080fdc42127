#ifndef GPUVPLAN_RULES_INT_H
#define GPUVPLAN_RULES_INT_H

/*
 * Private to src/rules*.c: what the condition language (rules_cond.c) lends the loader
 * (rules_load.c) and the evaluator (rules_eval.c), and the instance selection (rules_select.c)
 * the evaluator calls.
 */

#include "gpuvplan/rules.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"

#include <stdbool.h>
#include <stddef.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What a condition is evaluated against. */
struct rules_ctx {
    const struct gpv_tenant *t;
    const struct gpv_licenses *lic;
    const struct gpv_gpu *g;
};

/* Returns a new empty condition for rules_parse_cond() to fill; rules_cond_free() frees it. */
struct gpv_cond *rules_cond_new(void);

/* Frees c and what it holds, parsed fully or partly; NULL is fine. */
void rules_cond_free(struct gpv_cond *c);

/* Whether c holds for x. */
bool rules_cond_eval(const struct gpv_cond *c, const struct rules_ctx *x);

/* Whether MIG profile p is a +gfx instance (runs graphics APIs). */
bool rules_profile_gfx(const struct gpv_mig_profile *p);

/* Index of s among names[0..n), or -1. */
int rules_find_name(const char *s, const char *const *names, size_t n);

/*
 * Reports "unknown KIND 'word'MID (did you mean 'name'?)TAIL" at node into err and returns
 * GPV_EINPUT. names (n entries) gives the suggestion; NULL for none.
 */
int rules_unknown_name(struct gpv_error *err, const struct gpv_ydoc *doc,
                       const struct gpv_ynode *node, const char *kind, const char *const *names,
                       size_t n, const char *mid, const char *tail);

/*
 * Parses the condition at node into *out. Returns 0, or GPV_EINPUT with err filled; on failure
 * *out holds what was parsed so far, which rules_cond_free() frees.
 */
int rules_parse_cond(struct gpv_cond *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
                     struct gpv_error *err);

/* Slack when comparing shares of a GPU. */
#define RULES_EPS 1e-9

/* What the tenant needs from one instance, in the words of a trace. */
struct rules_need {
    long long mib;   /* 0: no memory asked */
    double compute;  /* share of one GPU; 1 for whole-GPU tenants; 0: not asked */
    bool whole;      /* whole-GPU tenant */
    bool spread;     /* replicas on distinct GPUs: never clients of one time-sliced MIG instance */
    int replicas;    /* the tenant's replicas: time-slicing MIG instances must save units */
    const char *mem; /* memory as written; read only when mib > 0 */
};

/* The instance one method would use. */
struct rules_pick {
    bool fits;                        /* an instance covers the need */
    int mig_profile, vgpu_type, gpus; /* the instance: -1, -1 or 0 when not of that kind */
    int clients;                      /* time-slicing, MPS: clients of this size per GPU
                                         (time-slicing on a MIG GPU: per MIG instance) */
    int whole_clients;                /* time-slicing: clients one whole GPU carries */
    double share;                     /* GPUs it takes (a fraction below one) */
};

/*
 * Instance selection (rules_select.c). Each returns the smallest instance of its method on g
 * that covers nd (fits false when none does) and appends the trace line's words to b.
 *   rules_select_mig          bare MIG: among the profiles whose media engines match `media`
 *                             (and, when gfx, the +gfx profiles that run graphics APIs)
 *   rules_select_vgpu         vGPU types of the series ch still allows, time-sliced or
 *                             MIG-backed (mig_backed); t gives media and isolation needs
 *   rules_select_passthrough  whole GPUs: as many as t asks for, or enough for its memory
 */
struct rules_pick rules_select_mig(const struct gpv_gpu *g, const struct rules_need *nd, bool media,
                                   bool gfx, struct gpv_buf *b);
struct rules_pick rules_select_vgpu(const struct gpv_gpu *g, const struct gpv_tenant *t,
                                    const struct rules_need *nd, bool mig_backed,
                                    const struct gpv_choice *ch, struct gpv_buf *b);
struct rules_pick rules_select_passthrough(const struct gpv_gpu *g, const struct gpv_tenant *t,
                                           const struct rules_need *nd, struct gpv_buf *b);

/*
 * Sharing a whole GPU through the k8s device plugin (rules_share.c): time-slicing (mps false)
 * or MPS. clients is how many replicas of this size one GPU carries: for MPS the most equal
 * parts (1/replicas of memory and compute each) that still cover the need, for time-slicing
 * how many fit side by side in memory and compute, as planning headroom.
 */
struct rules_pick rules_select_share(const struct gpv_gpu *g, const struct rules_need *nd, bool mps,
                                     struct gpv_buf *b);

/* Appends "A, B or Q" (conj "or") or "A, B and Q" for the series in mask. */
void rules_put_series_set(struct gpv_buf *b, unsigned mask, const char *conj);

#endif
