/*
 * gpuvplan compare: passthrough, time-sliced vGPU, MIG and MIG-backed vGPU side by side. Every
 * "yes/no" cell is asked of the decision rules (the evaluator `explain` uses) with a probe
 * tenant, and every number comes from the database and the MIG engine; nothing is typed in.
 */
#include "cli.h"
#include "opt.h"
#include "cli_rules.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/quiz.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"

#include <stdlib.h>
#include <string.h>

static const char compare_usage_about[] =
    "Compares the four ways to give tenants a GPU: passthrough, time-sliced vGPU, MIG and\n"
    "MIG-backed vGPU. Isolation, live migration and licences are answered by the decision\n"
    "rules (the ones `explain` uses) for a probe tenant; tenants per GPU and supported GPUs\n"
    "come from the database and the MIG engine; `best for` is the evaluator's verdict on\n"
    "typical tenants. Without --gpu the answers cover every model in the database; with it,\n"
    "that model's real numbers.\n";

static const enum gpv_method methods[GPV_NMETHODS] = {GPV_METHOD_PASSTHROUGH, GPV_METHOD_VGPU,
                                                      GPV_METHOD_MIG, GPV_METHOD_MIG_VGPU};

static const char *const method_title[GPV_METHOD_COUNT] = {
    [GPV_METHOD_PASSTHROUGH] = "passthrough",
    [GPV_METHOD_VGPU] = "vGPU",
    [GPV_METHOD_MIG] = "MIG",
    [GPV_METHOD_MIG_VGPU] = "MIG-backed vGPU",
};

/* What each method partitions: a definition, not a decision, so it is stated here. */
static const char *const method_isolation[GPV_METHOD_COUNT] = {
    [GPV_METHOD_PASSTHROUGH] = "whole GPU, one tenant",
    [GPV_METHOD_VGPU] = "own memory, engines time-shared",
    [GPV_METHOD_MIG] = "hardware: own SMs, memory, cache",
    [GPV_METHOD_MIG_VGPU] = "hardware MIG instance under a VM",
};

/* Licences as the tenants file names them, with the names people read. */
static const struct {
    const char *key;
    const char *name;
    size_t offset;
} licenses[] = {
    {"ai_enterprise", "AI Enterprise", offsetof(struct gpv_licenses, ai_enterprise)},
    {"vws", "vWS", offsetof(struct gpv_licenses, vws)},
    {"vpc", "vPC", offsetof(struct gpv_licenses, vpc)},
    {"vapps", "vApps", offsetof(struct gpv_licenses, vapps)},
};
#define NLICENSES (sizeof(licenses) / sizeof(licenses[0]))

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
} scenarios[] = {
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
#define NSCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Workloads whose licences the licence row reports. */
static const struct {
    const char *label;
    enum gpv_workload workload;
    long long memory;
} license_workloads[] = {
    {"compute", GPV_WL_INFERENCE, 4000000000LL},
    {"desktops", GPV_WL_VDI, 1000000000LL},
    {"graphics", GPV_WL_GRAPHICS, 4000000000LL},
};
#define NLWORKLOADS (sizeof(license_workloads) / sizeof(license_workloads[0]))

/* The verdict on a yes/no question, with the rule that says no. */
struct answer {
    bool available; /* the method serves the baseline tenant on some model in scope */
    bool allowed;   /* and still does with the property asked about */
    char *rule;     /* when not allowed: the rule that removed it (NULL: no instance fits) */
    char *reason;
};

struct method_facts {
    struct answer hard, migrate;
    bool needs_none[NLWORKLOADS];  /* the method serves this workload with no licence */
    unsigned lic_ok[NLWORKLOADS];  /* bit i: licence i alone makes it serve the workload */
    bool workload_ok[NLWORKLOADS]; /* some licence set serves the workload */
    int tenants_max;               /* most tenants per GPU */
    char *tenants_detail;          /* where the maximum comes from */
    size_t ngpus;                  /* models in scope that offer the method */
    const struct gpv_gpu **gpus;
    size_t nbest;
    const char *best[NSCENARIOS];
};

struct compare {
    struct gpv_cli *cli;
    const struct gpv_ruleset *rs;
    const struct gpv_gpu *only; /* --gpu, or NULL */
    struct method_facts m[GPV_METHOD_COUNT];
    enum gpv_method verdict[NSCENARIOS];
    const struct gpv_gpu *verdict_gpu[NSCENARIOS];
    char *verdict_profile[NSCENARIOS];
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

/* Decides the probe on the models in scope. Returns 0 or a negative status with err. */
static int
decide(struct gpv_decision *d, const struct compare *c, const struct probe *p,
       const struct gpv_licenses *lic, struct gpv_error *err)
{
    struct gpv_candidate *cands = NULL;
    struct gpv_tenant t;
    size_t n;
    int rc;

    probe_tenant(&t, p);
    n = gpv_candidates(&cands, NULL, &t, &c->cli->db, c->only ? &c->only : NULL, c->only ? 1 : 0);
    rc = gpv_decide(d, c->rs, &t, lic, cands, n, err);
    /* The decision points at the tenant; only its verdict and choices are read after this. */
    d->tenant = NULL;
    gpv_tenant_release(&t);
    free(cands);
    return rc;
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
    lic->ai_enterprise = lic->vws = lic->vpc = lic->vapps = true;
}

/* The everyday tenant of a method: a VM with 4 GB (a container for bare MIG). */
static struct probe
baseline(enum gpv_method m)
{
    struct probe p = {GPV_ISO_SOFT, GPV_WL_INFERENCE, GPV_ENV_VM, false, false, 4000000000LL};

    if (m == GPV_METHOD_MIG)
        p.environment = GPV_ENV_CONTAINER;
    return p;
}

/*
 * Asks whether method m still serves its baseline tenant with `with` applied: on a model where
 * the baseline fits, does the changed tenant fit too? When not, the rule that newly removed
 * it on that model is the answer's reason.
 */
static int
ask(struct answer *a, const struct compare *c, enum gpv_method m, const struct probe *with,
    struct gpv_error *err)
{
    struct gpv_decision base, changed;
    struct gpv_licenses lic;
    struct probe p0 = baseline(m);
    size_t i, k;
    int rc;

    memset(a, 0, sizeof(*a));
    memset(&base, 0, sizeof(base));
    memset(&changed, 0, sizeof(changed));
    all_licenses(&lic);
    if ((rc = decide(&base, c, &p0, &lic, err)) || (rc = decide(&changed, c, with, &lic, err)))
        goto out;
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
out:
    gpv_decision_release(&base);
    gpv_decision_release(&changed);
    return rc;
}

/* Does method m serve workload w's baseline tenant under lic on some model in scope? */
static int
serves(bool *out, const struct compare *c, enum gpv_method m, size_t w,
       const struct gpv_licenses *lic, struct gpv_error *err)
{
    struct gpv_decision d;
    struct probe p = baseline(m);
    size_t i;
    int rc;

    *out = false;
    memset(&d, 0, sizeof(d));
    p.workload = license_workloads[w].workload;
    p.memory = license_workloads[w].memory;
    if ((rc = decide(&d, c, &p, lic, err)))
        return rc;
    for (i = 0; i < d.nchoices; i++)
        if (d.choices[i].options[m].fits)
            *out = true;
    gpv_decision_release(&d);
    return 0;
}

static int
ask_licenses(struct method_facts *f, const struct compare *c, enum gpv_method m,
             struct gpv_error *err)
{
    struct gpv_licenses lic;
    size_t w, i;
    bool ok;
    int rc;

    for (w = 0; w < NLWORKLOADS; w++) {
        all_licenses(&lic);
        if ((rc = serves(&f->workload_ok[w], c, m, w, &lic, err)))
            return rc;
        if (!f->workload_ok[w])
            continue;
        memset(&lic, 0, sizeof(lic));
        if ((rc = serves(&f->needs_none[w], c, m, w, &lic, err)))
            return rc;
        for (i = 0; !f->needs_none[w] && i < NLICENSES; i++) {
            memset(&lic, 0, sizeof(lic));
            *(bool *)((char *)&lic + licenses[i].offset) = true;
            if ((rc = serves(&ok, c, m, w, &lic, err)))
                return rc;
            if (ok)
                f->lic_ok[w] |= 1u << i;
        }
    }
    return 0;
}

/* ---- facts from the database ------------------------------------------------------------ */

static bool
offers(const struct gpv_gpu *g, enum gpv_method m)
{
    size_t i;

    switch (m) {
    case GPV_METHOD_PASSTHROUGH:
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

/* Most tenants one GPU of g serves with method m, and a phrase saying how. */
static int
tenants_on(char **detail, const struct gpv_gpu *g, enum gpv_method m)
{
    const struct gpv_vgpu_type *lo = NULL, *hi = NULL;
    struct gpv_mig_layout w;
    size_t i;
    int most;

    *detail = NULL;
    switch (m) {
    case GPV_METHOD_PASSTHROUGH:
        *detail = xstrdup("one VM per GPU (a VM may take several GPUs)");
        return 1;
    case GPV_METHOD_MIG:
        if ((most = gpv_quiz_most_instances(&w, g)) > 0)
            *detail = xasprintf("%s: %d instances of %s", g->id, most,
                                g->mig->profiles[w.inst[0].profile].name);
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
        }
        if (!hi)
            return 0;
        *detail = xasprintf("%s: %s (%d per GPU) to %s (%d)", g->id, hi->name, hi->max, lo->name,
                            lo->max);
        return hi->max;
    default:
        return 0;
    }
}

static void
db_facts(struct compare *c)
{
    const struct gpv_db *db = &c->cli->db;
    size_t k, i;

    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = methods[k];
        struct method_facts *f = &c->m[m];

        f->gpus = xcalloc(db->ngpus ? db->ngpus : 1, sizeof(*f->gpus));
        for (i = 0; i < db->ngpus; i++) {
            const struct gpv_gpu *g = db->gpus[i];
            char *detail;
            int n;

            if ((c->only && g != c->only) || !offers(g, m))
                continue;
            f->gpus[f->ngpus++] = g;
            n = tenants_on(&detail, g, m);
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

static int
gather(struct compare *c, struct gpv_error *err)
{
    struct gpv_licenses lic;
    size_t k, s;
    int rc;

    db_facts(c);
    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = methods[k];
        struct method_facts *f = &c->m[m];
        struct probe p = baseline(m);

        p.isolation = GPV_ISO_HARD;
        if ((rc = ask(&f->hard, c, m, &p, err)))
            return rc;
        p = baseline(m);
        p.live_migration = true;
        if ((rc = ask(&f->migrate, c, m, &p, err)))
            return rc;
        if ((rc = ask_licenses(f, c, m, err)))
            return rc;
    }
    all_licenses(&lic);
    for (s = 0; s < NSCENARIOS; s++) {
        struct gpv_decision d;

        memset(&d, 0, sizeof(d));
        if ((rc = decide(&d, c, &scenarios[s].p, &lic, err)))
            return rc;
        c->verdict[s] = d.method;
        if (d.best >= 0) {
            const struct gpv_choice *best = &d.choices[d.best];
            const char *prof = gpv_choice_profile(best);
            struct method_facts *f = &c->m[d.method];

            c->verdict_gpu[s] = best->gpu;
            c->verdict_profile[s] = prof ? xstrdup(prof) : NULL;
            if (f->nbest < NSCENARIOS)
                f->best[f->nbest++] = scenarios[s].label;
        }
        gpv_decision_release(&d);
    }
    return 0;
}

static void
compare_release(struct compare *c)
{
    size_t k, s;

    for (k = 0; k < GPV_METHOD_COUNT; k++) {
        free(c->m[k].hard.rule);
        free(c->m[k].hard.reason);
        free(c->m[k].migrate.rule);
        free(c->m[k].migrate.reason);
        free(c->m[k].tenants_detail);
        free(c->m[k].gpus);
    }
    for (s = 0; s < NSCENARIOS; s++)
        free(c->verdict_profile[s]);
}

/* ---- output ----------------------------------------------------------------------------- */

static char *
license_text(const struct method_facts *f, size_t w)
{
    struct gpv_buf b;
    size_t i;
    bool first = true;

    if (!f->workload_ok[w])
        return NULL;
    if (f->needs_none[w])
        return xstrdup("none");
    gpv_buf_init(&b);
    for (i = 0; i < NLICENSES; i++) {
        if (f->lic_ok[w] & (1u << i)) {
            gpv_buf_printf(&b, "%s%s", first ? "" : " or ", licenses[i].name);
            first = false;
        }
    }
    if (first)
        gpv_buf_puts(&b, "several licences");
    return gpv_buf_detach(&b);
}

static struct gpv_val *
answer_value(const struct answer *a)
{
    struct gpv_val *o = gpv_val_obj();

    gpv_val_set_bool(o, "allowed", a->available && a->allowed);
    gpv_val_set_str(o, "rule", a->rule);
    gpv_val_set_str(o, "reason", a->reason);
    return o;
}

static struct gpv_val *
compare_value(const struct compare *c)
{
    struct gpv_val *root = gpv_val_obj(), *arr, *o, *x, *y;
    size_t k, i, w, s;

    gpv_val_set_str(root, "gpu", c->only ? c->only->id : NULL);
    gpv_val_set_int(root, "models", c->only ? 1 : (long long)c->cli->db.ngpus);
    gpv_val_set_str(root, "rules", c->rs->name);
    arr = gpv_val_set(root, "methods", gpv_val_arr());
    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = methods[k];
        const struct method_facts *f = &c->m[m];

        o = gpv_val_push(arr, gpv_val_obj());
        gpv_val_set_str(o, "method", gpv_method_name(m));
        gpv_val_set_str(o, "title", method_title[m]);
        gpv_val_set_str(o, "isolation", method_isolation[m]);
        gpv_val_set(o, "hard_isolation", answer_value(&f->hard));
        x = gpv_val_set(o, "tenants_per_gpu", gpv_val_obj());
        gpv_val_set_int(x, "max", f->tenants_max);
        gpv_val_set_str(x, "detail", f->tenants_detail);
        gpv_val_set(o, "live_migration", answer_value(&f->migrate));
        x = gpv_val_set(o, "licenses", gpv_val_obj());
        for (w = 0; w < NLWORKLOADS; w++) {
            if (!f->workload_ok[w]) {
                gpv_val_set(x, license_workloads[w].label, gpv_val_null());
                continue;
            }
            y = gpv_val_set(x, license_workloads[w].label, gpv_val_arr());
            for (i = 0; !f->needs_none[w] && i < NLICENSES; i++)
                if (f->lic_ok[w] & (1u << i))
                    gpv_val_push(y, gpv_val_str(licenses[i].key));
        }
        x = gpv_val_set(o, "gpus", gpv_val_arr());
        for (i = 0; i < f->ngpus; i++)
            gpv_val_push(x, gpv_val_str(f->gpus[i]->id));
        x = gpv_val_set(o, "best_for", gpv_val_arr());
        for (i = 0; i < f->nbest; i++)
            gpv_val_push(x, gpv_val_str(f->best[i]));
    }
    arr = gpv_val_set(root, "scenarios", gpv_val_arr());
    for (s = 0; s < NSCENARIOS; s++) {
        o = gpv_val_push(arr, gpv_val_obj());
        gpv_val_set_str(o, "scenario", scenarios[s].label);
        gpv_val_set_str(o, "method", gpv_method_name(c->verdict[s]));
        gpv_val_set_str(o, "gpu", c->verdict_gpu[s] ? c->verdict_gpu[s]->id : NULL);
        gpv_val_set_str(o, "profile", c->verdict_profile[s]);
    }
    return root;
}

#define LABEL_W 16
#define CELL_W  15

/* Prints one matrix row: a label and one cell per method, each wrapped to its column. */
static void
print_row(const char *label, char *const cells[GPV_NMETHODS])
{
    const char *pos[GPV_NMETHODS];
    const char *lpos = label;
    struct gpv_buf line;
    size_t k;
    bool more = true;

    gpv_buf_init(&line);
    for (k = 0; k < GPV_NMETHODS; k++)
        pos[k] = cells[k] ? cells[k] : "-";
    while (more) {
        size_t n = strlen(lpos) > LABEL_W ? LABEL_W : strlen(lpos);

        more = false;
        gpv_buf_printf(&line, "%-*.*s", LABEL_W, (int)n, lpos);
        lpos += n;
        for (k = 0; k < GPV_NMETHODS; k++) {
            size_t cut = strlen(pos[k]);

            if (cut > CELL_W) {
                /* Break at the last blank that keeps the piece within the column. */
                for (cut = CELL_W; cut > 0 && pos[k][cut] != ' '; cut--)
                    ;
                if (cut == 0)
                    cut = CELL_W;
            }
            gpv_buf_printf(&line, " %-*.*s", CELL_W, (int)cut, pos[k]);
            pos[k] += cut;
            while (*pos[k] == ' ')
                pos[k]++;
            if (*pos[k])
                more = true;
        }
        while (line.len && line.s[line.len - 1] == ' ')
            line.s[--line.len] = '\0';
        printf("%s\n", gpv_buf_str(&line));
        gpv_buf_release(&line);
        while (*lpos == ' ')
            lpos++;
        if (*lpos)
            more = true;
    }
}

static void
free_cells(char *cells[GPV_NMETHODS])
{
    size_t k;

    for (k = 0; k < GPV_NMETHODS; k++) {
        free(cells[k]);
        cells[k] = NULL;
    }
}

/* "yes", or "no [n]" with n the note that gives the rule. */
static char *
answer_cell(const struct answer *a, int *note)
{
    if (!a->available)
        return xstrdup("n/a");
    if (a->allowed)
        return xstrdup("yes");
    return xasprintf("no [%d]", ++*note);
}

static void
print_answer_note(const struct answer *a, int *note)
{
    char lead[32];
    char *text;

    if (!a->available || a->allowed)
        return;
    snprintf(lead, sizeof(lead), "  [%d] ", ++*note);
    text = xasprintf("%s%s%s", a->rule ? a->rule : "", a->rule ? ": " : "",
                     a->reason ? a->reason : "no instance fits");
    cli_wrap(stdout, lead, "      ", text);
    free(text);
}

static void
print_compare(const struct compare *c)
{
    const struct gpv_cli *cli = c->cli;
    char *cells[GPV_NMETHODS] = {NULL, NULL, NULL, NULL};
    struct gpv_buf b;
    size_t k, w, i, s;
    int note = 0;

    if (c->only)
        printf("%sPassthrough, vGPU and MIG on the %s%s\n\n", cli_bold(cli), c->only->name,
               cli_reset(cli));
    else
        printf("%sPassthrough, vGPU and MIG across the %zu GPU models in the database%s\n\n",
               cli_bold(cli), c->cli->db.ngpus, cli_reset(cli));
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = xstrdup(method_title[methods[k]]);
    printf("%s", cli_bold(cli));
    print_row("", cells);
    printf("%s", cli_reset(cli));
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = xstrdup(method_isolation[methods[k]]);
    print_row("isolation", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = answer_cell(&c->m[methods[k]].hard, &note);
    print_row("hard isolation", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct method_facts *f = &c->m[methods[k]];

        if (f->tenants_max <= 1)
            cells[k] = f->tenants_max ? xstrdup("1") : NULL;
        else
            cells[k] = xasprintf(c->only ? "1 to %d" : "up to %d", f->tenants_max);
    }
    print_row("tenants per GPU", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = answer_cell(&c->m[methods[k]].migrate, &note);
    print_row("live migration", cells);
    free_cells(cells);
    printf("licence needed\n");
    for (w = 0; w < NLWORKLOADS; w++) {
        char label[64];

        snprintf(label, sizeof(label), "  %s", license_workloads[w].label);
        for (k = 0; k < GPV_NMETHODS; k++)
            cells[k] = license_text(&c->m[methods[k]], w);
        print_row(label, cells);
        free_cells(cells);
    }
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct method_facts *f = &c->m[methods[k]];

        if (c->only)
            cells[k] = xstrdup(f->ngpus ? "yes" : "no");
        else
            cells[k] = xasprintf("%zu of %zu models", f->ngpus, c->cli->db.ngpus);
    }
    print_row(c->only ? "offered here" : "supported GPUs", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct method_facts *f = &c->m[methods[k]];

        gpv_buf_init(&b);
        for (i = 0; i < f->nbest; i++)
            gpv_buf_printf(&b, "%s%s", i ? "; " : "", f->best[i]);
        cells[k] = f->nbest ? gpv_buf_detach(&b) : NULL;
        gpv_buf_release(&b);
    }
    print_row("best for", cells);
    free_cells(cells);

    if (note) {
        printf("\n%sWhy not%s (the rule that removes the method, as `explain` shows it):\n",
               cli_bold(cli), cli_reset(cli));
        note = 0;
        for (k = 0; k < GPV_NMETHODS; k++)
            print_answer_note(&c->m[methods[k]].hard, &note);
        for (k = 0; k < GPV_NMETHODS; k++)
            print_answer_note(&c->m[methods[k]].migrate, &note);
    }
    printf("\n%sTenants per GPU%s (from the database and the MIG engine):\n", cli_bold(cli),
           cli_reset(cli));
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct method_facts *f = &c->m[methods[k]];
        char lead[64];

        snprintf(lead, sizeof(lead), "  %-16s ", method_title[methods[k]]);
        cli_wrap(stdout, lead, "                   ",
                 f->tenants_detail ? f->tenants_detail : "not offered");
    }
    if (!c->only) {
        printf("\n%sSupported GPUs%s:\n", cli_bold(cli), cli_reset(cli));
        for (k = 1; k < GPV_NMETHODS; k++) {
            const struct method_facts *f = &c->m[methods[k]];
            char lead[64];

            gpv_buf_init(&b);
            for (i = 0; i < f->ngpus; i++)
                gpv_buf_printf(&b, "%s%s", i ? ", " : "", f->gpus[i]->id);
            snprintf(lead, sizeof(lead), "  %-16s ", method_title[methods[k]]);
            cli_wrap(stdout, lead, "                   ", f->ngpus ? gpv_buf_str(&b) : "none");
            gpv_buf_release(&b);
        }
        printf("  %-16s any of them (a hypervisor with IOMMU passes a whole GPU to one VM)\n",
               method_title[GPV_METHOD_PASSTHROUGH]);
    }
    printf("\n%sBest for%s (the evaluator's verdict, every licence owned):\n", cli_bold(cli),
           cli_reset(cli));
    for (s = 0; s < NSCENARIOS; s++) {
        char *text;

        if (c->verdict[s] == GPV_METHOD_NONE)
            text = xstrdup("no method");
        else
            text = xasprintf(
                "%s%s%s on %s", method_title[c->verdict[s]], c->verdict_profile[s] ? " " : "",
                c->verdict_profile[s] ? c->verdict_profile[s] : "", c->verdict_gpu[s]->id);
        printf("  %-42s %s\n", scenarios[s].label, text);
        free(text);
    }
    printf("\nLicences: AI Enterprise = NVIDIA AI Enterprise, vWS = NVIDIA RTX Virtual "
           "Workstation,\nvPC = NVIDIA Virtual PC, vApps = NVIDIA Virtual Applications. "
           "`gpuvplan explain` shows\nthe whole trace for a tenant; `gpuvplan advise` asks for "
           "one.\n");
}

int
cmd_compare(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *gpu_arg = NULL, *rules_path = NULL;
    const struct cli_opt opts[] = {
        CLI_STRING('g', "gpu", "MODEL", &gpu_arg,
                   "compare on this GPU model (an id or alias from `gpuvplan gpus`)"),
        CLI_STRING('r', "rules", "FILE", &rules_path,
                   "use these decision rules instead of the built-in ones"),
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"compare", "", compare_usage_about, NULL, opts, false};
    struct cli_args args;
    struct gpv_ruleset rs;
    struct compare c;
    struct gpv_error err;
    struct gpv_val *v;
    int rc;

    gpv_error_init(&err);
    memset(&rs, 0, sizeof(rs));
    memset(&c, 0, sizeof(c));
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    if (args.n > 0)
        return cli_usage_error("compare", "unexpected argument '%s'", args.v[0]);
    if ((rc = cli_db(cli, &err)))
        return cli_report(&err);
    if (gpu_arg && !(c.only = gpv_db_lookup(&cli->db, gpu_arg, &err)))
        return cli_report(&err);
    if ((rc = cli_rules_load(&rs, rules_path, &err)))
        return cli_report(&err);
    c.cli = cli;
    c.rs = &rs;
    if ((rc = gather(&c, &err))) {
        rc = cli_report(&err);
        goto out;
    }
    if (fmt != GPV_FMT_TABLE) {
        v = compare_value(&c);
        rc = cli_write_value(NULL, v, fmt, NULL, &err);
        gpv_val_free(v);
        rc = rc ? cli_report(&err) : GPV_EXIT_OK;
    } else {
        print_compare(&c);
        rc = GPV_EXIT_OK;
    }
out:
    compare_release(&c);
    gpv_rules_release(&rs);
    return rc;
}
