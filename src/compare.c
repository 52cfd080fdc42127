#include "gpuvplan/compare.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/* A probe tenant: the fields a comparison changes. */
struct probe {
    enum gpv_isolation isolation;
    enum gpv_workload workload;
    enum gpv_environment environment;
    bool live_migration;
    bool full_gpu;
    long long memory; /* bytes; 0 for whole-GPU tenants */
};

/* Typical tenants whose verdicts fill the `best for` row. */
static const struct {
    const char *label;
    struct probe p;
} scenarios[GPV_COMPARE_NSCENARIOS] = {
    {"one job needing a whole GPU",
     {GPV_ISO_SOFT, GPV_WL_TRAINING, GPV_ENV_CONTAINER, false, true, 0}},
    {"SLA-bound containers sharing a GPU",
     {GPV_ISO_HARD, GPV_WL_INFERENCE, GPV_ENV_CONTAINER, false, false, 10000000000LL}},
    {"SLA-bound VMs that must live-migrate",
     {GPV_ISO_HARD, GPV_WL_INFERENCE, GPV_ENV_VM, true, false, 10000000000LL}},
    {"VMs sharing a GPU, soft isolation",
     {GPV_ISO_SOFT, GPV_WL_INFERENCE, GPV_ENV_VM, false, false, 10000000000LL}},
    {"containers sharing a GPU, soft isolation",
     {GPV_ISO_SOFT, GPV_WL_INFERENCE, GPV_ENV_CONTAINER, false, false, 10000000000LL}},
    {"virtual desktops (VDI)", {GPV_ISO_SOFT, GPV_WL_VDI, GPV_ENV_VM, false, false, 1000000000LL}},
    {"graphics workstations",
     {GPV_ISO_SOFT, GPV_WL_GRAPHICS, GPV_ENV_VM, false, false, 8000000000LL}},
};

/* Workloads whose licences the licence row reports. */
static const struct {
    const char *label;
    enum gpv_workload workload;
    long long memory;
} license_workloads[GPV_COMPARE_NWORKLOADS] = {
    {"compute", GPV_WL_INFERENCE, 4000000000LL},
    {"desktops", GPV_WL_VDI, 1000000000LL},
    {"graphics", GPV_WL_GRAPHICS, 4000000000LL},
};

/* What a run reads, and where it writes. */
struct run {
    const struct gpv_db *db;
    const struct gpv_ruleset *rs;
    const struct gpv_gpu *only;
    struct gpv_compare *out;
};

static void
probe_tenant(struct gpv_tenant *t, const struct probe *p)
{
    gpv_tenant_init(t);
    t->name = xstrdup("probe");
    t->isolation = p->isolation;
    t->workload = p->workload;
    t->environment = p->environment;
    t->live_migration = p->live_migration;
    t->full_gpu = p->full_gpu;
    if (p->memory > 0) {
        t->memory = p->memory;
        t->memory_mib = (p->memory + GPV_MIB - 1) / GPV_MIB;
        t->memory_text = xasprintf("%lldGB", p->memory / 1000000000LL);
    }
}

/* Decides the probe on the models in scope. */
static void
decide(struct gpv_decision *d, const struct run *c, const struct probe *p,
       const struct gpv_licenses *lic)
{
    struct gpv_candidate *cands = NULL;
    struct gpv_tenant t;
    size_t n;

    probe_tenant(&t, p);
    n = gpv_candidates(&cands, NULL, &t, c->db, c->only ? &c->only : NULL, c->only ? 1 : 0);
    gpv_decide(d, c->rs, &t, lic, cands, n);
    /* The decision points at the tenant; only its verdict and choices are read after this. */
    d->tenant = NULL;
    gpv_tenant_release(&t);
    free(cands);
}

static const struct gpv_choice *
choice_on(const struct gpv_decision *d, const struct gpv_gpu *gpu)
{
    size_t i;

    for (i = 0; i < d->nchoices; i++)
        if (d->choices[i].gpu == gpu)
            return &d->choices[i];
    return NULL;
}

static void
all_licenses(struct gpv_licenses *lic)
{
    int l;

    for (l = 0; l < GPV_LIC_COUNT; l++)
        gpv_license_set(lic, (enum gpv_license)l, true);
}

/* The everyday tenant of a method: a VM with 4 GB (a container for bare MIG and MPS, one that
   needs no isolation for time-slicing). */
static struct probe
baseline(enum gpv_method m)
{
    struct probe p = {GPV_ISO_SOFT, GPV_WL_INFERENCE, GPV_ENV_VM, false, false, 4000000000LL};

    if (m == GPV_METHOD_MIG || m == GPV_METHOD_MPS)
        p.environment = GPV_ENV_CONTAINER;
    if (m == GPV_METHOD_TIME_SLICING) {
        p.environment = GPV_ENV_CONTAINER;
        p.isolation = GPV_ISO_NONE;
    }
    return p;
}

/*
 * Asks whether method m still serves its baseline tenant with `with` applied: on a model where
 * the baseline fits, does the changed tenant fit too? When not, the rule that newly removed
 * it on that model is the answer's reason.
 */
static void
ask(struct gpv_compare_answer *a, const struct run *c, enum gpv_method m, const struct probe *with)
{
    struct gpv_decision base, changed;
    struct gpv_licenses lic;
    struct probe p0 = baseline(m);
    size_t i, k;

    memset(a, 0, sizeof(*a));
    memset(&base, 0, sizeof(base));
    memset(&changed, 0, sizeof(changed));
    all_licenses(&lic);
    decide(&base, c, &p0, &lic);
    decide(&changed, c, with, &lic);
    for (i = 0; i < base.nchoices; i++) {
        const struct gpv_choice *b = &base.choices[i], *x = choice_on(&changed, b->gpu);

        if (!b->options[m].fits || !x)
            continue;
        a->available = true;
        if (x->options[m].fits) {
            a->allowed = true;
            free(a->rule);
            free(a->reason);
            a->rule = a->reason = NULL;
            break;
        }
        if (a->reason)
            continue;
        for (k = 0; k < x->rejected[m].n; k++) {
            if (x->rejected[m].v[k].rule) {
                a->rule = xstrdup(x->rejected[m].v[k].rule);
                a->reason = xstrdup(x->rejected[m].v[k].text);
                break;
            }
        }
        if (!a->reason && x->rejected[m].n)
            a->reason = xstrdup(x->rejected[m].v[0].text);
    }
    gpv_decision_release(&base);
    gpv_decision_release(&changed);
}

/* Does method m serve workload w's baseline tenant under lic on some model in scope? */
static bool
serves(const struct run *c, enum gpv_method m, size_t w, const struct gpv_licenses *lic)
{
    struct gpv_decision d;
    struct probe p = baseline(m);
    size_t i;
    bool out = false;

    memset(&d, 0, sizeof(d));
    p.workload = license_workloads[w].workload;
    p.memory = license_workloads[w].memory;
    decide(&d, c, &p, lic);
    for (i = 0; i < d.nchoices; i++)
        if (d.choices[i].options[m].fits)
            out = true;
    gpv_decision_release(&d);
    return out;
}

static void
ask_licenses(struct gpv_compare_method *f, const struct run *c, enum gpv_method m)
{
    struct gpv_licenses lic;
    size_t w, i;

    for (w = 0; w < GPV_COMPARE_NWORKLOADS; w++) {
        all_licenses(&lic);
        f->workload_ok[w] = serves(c, m, w, &lic);
        if (!f->workload_ok[w])
            continue;
        memset(&lic, 0, sizeof(lic));
        f->needs_none[w] = serves(c, m, w, &lic);
        for (i = 0; !f->needs_none[w] && i < GPV_LIC_COUNT; i++) {
            memset(&lic, 0, sizeof(lic));
            gpv_license_set(&lic, (enum gpv_license)i, true);
            if (serves(c, m, w, &lic))
                f->lic_ok[w] |= 1u << i;
        }
    }
}

/* ---- facts from the database ------------------------------------------------------------ */

static bool
offers(const struct gpv_gpu *g, enum gpv_method m)
{
    size_t i;

    switch (m) {
    case GPV_METHOD_PASSTHROUGH:
    case GPV_METHOD_TIME_SLICING:
    case GPV_METHOD_MPS:
        return true;
    case GPV_METHOD_MIG:
        return g->mig != NULL;
    case GPV_METHOD_VGPU:
    case GPV_METHOD_MIG_VGPU:
        for (i = 0; g->vgpu && i < g->vgpu->ntypes; i++)
            if ((g->vgpu->types[i].mig_profile >= 0) == (m == GPV_METHOD_MIG_VGPU))
                return true;
        return false;
    default:
        return false;
    }
}

/* VMs of a MIG-backed type that time-slice one GPU instance: 1 when each has its own. */
static int
vms_per_instance(const struct gpv_gpu *g, const struct gpv_vgpu_type *t)
{
    int copies = g->mig->profiles[t->mig_profile].max;

    return copies > 0 && t->max > copies ? (t->max + copies - 1) / copies : 1;
}

/*
 * Most tenants one GPU of g serves with method m, and a phrase saying how; *hard gets the
 * most with hardware isolation between them.
 */
static int
tenants_on(char **detail, int *hard, const struct gpv_gpu *g, enum gpv_method m)
{
    const struct gpv_vgpu_type *lo = NULL, *hi = NULL;
    struct gpv_mig_layout w;
    size_t i;
    int most;

    *detail = NULL;
    *hard = 0;
    switch (m) {
    case GPV_METHOD_PASSTHROUGH:
        *detail = xstrdup("one VM per GPU (a VM may take several GPUs)");
        *hard = 1;
        return 1;
    case GPV_METHOD_TIME_SLICING:
        if (g->mig)
            *detail = xasprintf("pods take turns on a MIG instance (nvidia.com/mig-<profile>, "
                                "several pods that need no isolation) or on the whole GPU, as "
                                "many as the device plugin's replicas (gpuvplan plans at most "
                                "%d)",
                                GPV_SHARING_REPLICAS_MAX);
        else
            *detail = xasprintf("pods take turns on the whole GPU, as many as the device "
                                "plugin's replicas (gpuvplan plans at most %d)",
                                GPV_SHARING_REPLICAS_MAX);
        return GPV_SHARING_REPLICAS_MAX;
    case GPV_METHOD_MPS:
        *detail = xstrdup("up to 48 MPS clients per GPU (the device plugin's limit), each "
                          "1/replicas of memory and threads");
        return GPV_MPS_CLIENTS_MAX;
    case GPV_METHOD_MIG:
        if ((most = gpv_mig_most_instances(&w, g)) > 0)
            *detail = xasprintf("%s: %d instances of %s", g->id, most,
                                g->mig->profiles[w.inst[0].profile].name);
        *hard = most;
        return most;
    case GPV_METHOD_VGPU:
    case GPV_METHOD_MIG_VGPU:
        for (i = 0; g->vgpu && i < g->vgpu->ntypes; i++) {
            const struct gpv_vgpu_type *t = &g->vgpu->types[i];

            if ((t->mig_profile >= 0) != (m == GPV_METHOD_MIG_VGPU))
                continue;
            if (!hi || t->max > hi->max)
                hi = t;
            if (!lo || t->max < lo->max)
                lo = t;
            if (m == GPV_METHOD_MIG_VGPU && vms_per_instance(g, t) == 1 && t->max > *hard)
                *hard = t->max;
            /* A time-sliced type alone on its GPU has no neighbour: one hard-isolated VM. */
            if (m == GPV_METHOD_VGPU && t->max == 1)
                *hard = 1;
        }
        if (!hi)
            return 0;
        if (m == GPV_METHOD_MIG_VGPU && vms_per_instance(g, hi) > 1)
            *detail = xasprintf("%s: %s (%d per GPU, %d VMs time-slicing each %s instance) to %s "
                                "(%d)",
                                g->id, hi->name, hi->max, vms_per_instance(g, hi),
                                g->mig->profiles[hi->mig_profile].name, lo->name, lo->max);
        else
            *detail = xasprintf("%s: %s (%d per GPU) to %s (%d)", g->id, hi->name, hi->max,
                                lo->name, lo->max);
        return hi->max;
    default:
        return 0;
    }
}

/* Counts g's MIG-backed types that time-slice a GPU instance; keeps the most shared one. */
static void
shared_types(struct gpv_compare_method *f, int *most, const struct gpv_gpu *g)
{
    size_t i;

    for (i = 0; g->vgpu && g->mig && i < g->vgpu->ntypes; i++) {
        const struct gpv_vgpu_type *t = &g->vgpu->types[i];
        int v;

        if (t->mig_profile < 0 || (v = vms_per_instance(g, t)) == 1)
            continue;
        f->nshared++;
        if (v > *most) {
            *most = v;
            free(f->shared_detail);
            f->shared_detail = xasprintf("%s: %s, %d VMs per %s instance", g->id, t->name, v,
                                         g->mig->profiles[t->mig_profile].name);
        }
    }
}

static void
db_facts(struct run *c)
{
    const struct gpv_db *db = c->db;
    size_t k, i;

    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = (enum gpv_method)(k + 1);
        struct gpv_compare_method *f = &c->out->m[m];
        int most_shared = 1;

        f->gpus = xcalloc(db->ngpus ? db->ngpus : 1, sizeof(*f->gpus));
        for (i = 0; i < db->ngpus; i++) {
            const struct gpv_gpu *g = db->gpus[i];
            char *detail;
            int n, hard;

            if ((c->only && g != c->only) || !offers(g, m))
                continue;
            f->gpus[f->ngpus++] = g;
            n = tenants_on(&detail, &hard, g, m);
            if (hard > f->tenants_hard)
                f->tenants_hard = hard;
            if (m == GPV_METHOD_MIG_VGPU)
                shared_types(f, &most_shared, g);
            if (n > f->tenants_max) {
                f->tenants_max = n;
                free(f->tenants_detail);
                f->tenants_detail = detail;
            } else {
                free(detail);
            }
        }
    }
}

static void
gather(struct run *c)
{
    struct gpv_licenses lic;
    size_t k, s;

    db_facts(c);
    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = (enum gpv_method)(k + 1);
        struct gpv_compare_method *f = &c->out->m[m];
        struct probe p = baseline(m);

        p.isolation = GPV_ISO_HARD;
        ask(&f->hard, c, m, &p);
        p = baseline(m);
        p.live_migration = true;
        ask(&f->migrate, c, m, &p);
        ask_licenses(f, c, m);
    }
    all_licenses(&lic);
    for (s = 0; s < GPV_COMPARE_NSCENARIOS; s++) {
        struct gpv_decision d;

        memset(&d, 0, sizeof(d));
        decide(&d, c, &scenarios[s].p, &lic);
        c->out->verdict[s] = d.method;
        if (d.method == GPV_METHOD_NONE && d.nchoices &&
            d.choices[0].rejected[GPV_METHOD_PASSTHROUGH].n &&
            d.choices[0].rejected[GPV_METHOD_PASSTHROUGH].v[0].rule)
            c->out->verdict_rule[s] =
                xstrdup(d.choices[0].rejected[GPV_METHOD_PASSTHROUGH].v[0].rule);
        if (d.best >= 0) {
            const struct gpv_choice *best = &d.choices[d.best];
            const char *prof = gpv_choice_profile(best);
            struct gpv_compare_method *f = &c->out->m[d.method];

            c->out->verdict_gpu[s] = best->gpu;
            c->out->verdict_profile[s] = prof ? xstrdup(prof) : NULL;
            if (f->nbest < GPV_COMPARE_NSCENARIOS)
                f->best[f->nbest++] = scenarios[s].label;
        }
        gpv_decision_release(&d);
    }
}

void
gpv_compare_release(struct gpv_compare *c)
{
    size_t k, s;

    if (!c)
        return;
    for (k = 0; k < GPV_METHOD_COUNT; k++) {
        free(c->m[k].hard.rule);
        free(c->m[k].hard.reason);
        free(c->m[k].migrate.rule);
        free(c->m[k].migrate.reason);
        free(c->m[k].tenants_detail);
        free(c->m[k].shared_detail);
        free(c->m[k].gpus);
    }
    for (s = 0; s < GPV_COMPARE_NSCENARIOS; s++) {
        free(c->verdict_profile[s]);
        free(c->verdict_rule[s]);
    }
    memset(c, 0, sizeof(*c));
}

void
gpv_compare_run(struct gpv_compare *out, const struct gpv_db *db, const struct gpv_ruleset *rs,
                const struct gpv_gpu *only)
{
    struct run r;

    memset(out, 0, sizeof(*out));
    out->only = only;
    r.db = db;
    r.rs = rs;
    r.only = only;
    r.out = out;
    gather(&r);
}

const char *
gpv_compare_scenario_label(size_t s)
{
    return s < GPV_COMPARE_NSCENARIOS ? scenarios[s].label : NULL;
}

const char *
gpv_compare_workload_label(size_t w)
{
    return w < GPV_COMPARE_NWORKLOADS ? license_workloads[w].label : NULL;
}
