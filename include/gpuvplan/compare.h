#ifndef GPUVPLAN_COMPARE_H
#define GPUVPLAN_COMPARE_H

/*
 * The comparison of the four ways to give tenants a GPU (passthrough, time-sliced vGPU, MIG,
 * MIG-backed vGPU) that `gpuvplan compare` prints. Every yes/no answer is asked of the decision
 * rules with a probe tenant; every number comes from the database and the MIG engine. Pure:
 * structures in, structures out, no printing.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

#include <stdbool.h>
#include <stddef.h>

#define GPV_COMPARE_NSCENARIOS 7 /* typical tenants whose verdicts fill `best for` */
#define GPV_COMPARE_NWORKLOADS 3 /* workloads whose licences are reported */

/* The verdict on a yes/no question about a method, with the rule that says no. */
struct gpv_compare_answer {
    bool available; /* the method serves its baseline tenant on some model in scope */
    bool allowed;   /* and still does with the property asked about */
    char *rule;     /* when not allowed: the id of the rule that removed it, or NULL */
    char *reason;   /* when not allowed: that rule's (or the first) reason, or NULL */
};

/* What the comparison found about one method. */
struct gpv_compare_method {
    struct gpv_compare_answer hard;           /* hard isolation */
    struct gpv_compare_answer migrate;        /* live migration */
    bool workload_ok[GPV_COMPARE_NWORKLOADS]; /* some licence set serves the workload */
    bool needs_none[GPV_COMPARE_NWORKLOADS];  /* it serves the workload with no licence */
    unsigned lic_ok[GPV_COMPARE_NWORKLOADS];  /* bit l: enum gpv_license l alone serves it */
    int tenants_max;                          /* most tenants one GPU serves, 0 if none */
    char *tenants_detail;        /* where that maximum comes from ("h100-80gb: 7 instances of ..."),
                                    or NULL */
    int tenants_hard;            /* most tenants one GPU serves with hardware isolation between
                                    them: tenants_max for passthrough and MIG, 0 for time-sliced
                                    vGPU; for MIG-backed vGPU the types with no more VMs than
                                    their GPU instance has copies */
    size_t nshared;              /* MIG-backed vGPU: types in scope whose VMs time-slice one GPU
                                    instance (more VMs per GPU than instances); 0 otherwise */
    char *shared_detail;         /* the one of those with most VMs per instance ("rtx-pro-6000:
                                    DC-1-2Q, 12 VMs per 1g.24gb+gfx instance"), or NULL */
    size_t ngpus;                /* models in scope that offer the method */
    const struct gpv_gpu **gpus; /* those models, database order */
    size_t nbest;                /* scenarios whose verdict is this method */
    const char *best[GPV_COMPARE_NSCENARIOS]; /* their labels (static strings) */
};

/* A whole comparison. Zero it (or let gpv_compare_run() fill it) before use. */
struct gpv_compare {
    const struct gpv_gpu *only;                      /* the one model compared, or NULL: all */
    struct gpv_compare_method m[GPV_METHOD_COUNT];   /* by enum gpv_method; slot 0 unused */
    enum gpv_method verdict[GPV_COMPARE_NSCENARIOS]; /* GPV_METHOD_NONE: nothing serves it */
    const struct gpv_gpu *verdict_gpu[GPV_COMPARE_NSCENARIOS]; /* the model chosen, or NULL */
    char *verdict_profile[GPV_COMPARE_NSCENARIOS];             /* its profile or type, or NULL */
    char *verdict_rule[GPV_COMPARE_NSCENARIOS]; /* no method: the rule that removed passthrough
                                                   (every model offers it) on the first model,
                                                   or NULL */
};

/*
 * Compares the methods on every model of db (only == NULL) or on `only` (a model of db), with
 * the rules rs, and fills *out, which the caller releases with gpv_compare_release(); db and rs
 * must outlive *out. It cannot fail: the rule evaluator it asks never does.
 */
void gpv_compare_run(struct gpv_compare *out, const struct gpv_db *db, const struct gpv_ruleset *rs,
                     const struct gpv_gpu *only);

/* Frees what *c owns and zeroes it. NULL-safe. */
void gpv_compare_release(struct gpv_compare *c);

/* The label of scenario s ("virtual desktops (VDI)"), or NULL past the last. */
const char *gpv_compare_scenario_label(size_t s);

/* The label of licence workload w ("compute", "desktops", "graphics"), or NULL past the last. */
const char *gpv_compare_workload_label(size_t w);

#endif
