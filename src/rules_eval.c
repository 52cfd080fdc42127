/* The evaluator: candidates, the two phases of rules, instance selection, traces, decisions. */

#include "rules_int.h"

#include "gpuvplan/rules.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "gpuvplan/units.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ALL_SERIES_BITS 0xfu /* A, B, C and Q */

/* The order used when no prefer rule holds, and to complete partial prefer lists. */
static const enum gpv_method default_order[GPV_NMETHODS] = {
    GPV_METHOD_VGPU,        GPV_METHOD_MIG_VGPU,     GPV_METHOD_MIG,
    GPV_METHOD_PASSTHROUGH, GPV_METHOD_TIME_SLICING, GPV_METHOD_MPS};

/* ---- candidates --------------------------------------------------------------------------- */

/* Appends g unless already there; keeps the lowest known cost. */
static void
add_candidate(struct gpv_candidate **v, size_t *n, const struct gpv_gpu *g, double cost)
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if ((*v)[i].gpu == g) {
            if (cost >= 0 && ((*v)[i].cost_per_hour < 0 || cost < (*v)[i].cost_per_hour))
                (*v)[i].cost_per_hour = cost;
            return;
        }
    }
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[*n].gpu = g;
    (*v)[*n].cost_per_hour = cost;
    (*n)++;
}

/* The lowest cost the fleet gives for g, or -1. */
static double
fleet_cost(const struct gpv_tenants *file, const struct gpv_gpu *g)
{
    double best = -1;
    size_t i;

    for (i = 0; file && i < file->nfleet; i++)
        if (file->fleet[i].gpu == g && file->fleet[i].has_cost &&
            (best < 0 || file->fleet[i].cost_per_hour < best))
            best = file->fleet[i].cost_per_hour;
    return best;
}

size_t
gpv_candidates(struct gpv_candidate **out, const struct gpv_tenants *file,
               const struct gpv_tenant *t, const struct gpv_db *db,
               const struct gpv_gpu *const *only, size_t nonly)
{
    size_t i, n = 0;

    *out = NULL;
    if (t && t->gpu) {
        add_candidate(out, &n, t->gpu, fleet_cost(file, t->gpu));
    } else if (nonly) {
        for (i = 0; i < nonly; i++)
            add_candidate(out, &n, only[i], fleet_cost(file, only[i]));
    } else if (file && file->nfleet) {
        for (i = 0; i < file->nfleet; i++)
            add_candidate(out, &n, file->fleet[i].gpu,
                          file->fleet[i].has_cost ? file->fleet[i].cost_per_hour : -1);
    } else {
        for (i = 0; db && i < db->ngpus; i++)
            add_candidate(out, &n, db->gpus[i], -1);
    }
    for (i = 0; i < n; i++)
        (*out)[i].sizing = (!file || !file->nfleet) && !nonly;
    return n;
}

/* ---- evaluation --------------------------------------------------------------------------- */

static void
reasons_add(struct gpv_reasons *r, const char *rule, const char *text)
{
    r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
    r->v[r->n].rule = rule;
    r->v[r->n].text = xstrdup(text);
    r->n++;
}

static bool
reasons_has(const struct gpv_reasons *r, const char *text)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].text, text))
            return true;
    return false;
}

static void
reasons_release(struct gpv_reasons *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->v[i].text);
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

/*
 * The text of every trace line of a rule that does not hold: one constant, not a copy per line
 * (most lines of a trace), never freed.
 */
static const char does_not_hold[] = "does not hold";

/* Appends a trace line; the choice takes ownership of text (one rule for every line). */
static struct gpv_trace *
trace_add(struct gpv_choice *ch, enum gpv_step step, const struct gpv_rule *rule, enum gpv_method m,
          bool matched, char *text)
{
    struct gpv_trace *tr;

    /* apply_rules() sized the array: one line per rule and per method. */
    tr = &ch->trace[ch->ntrace++];
    tr->step = step;
    tr->rule = rule;
    tr->method = m;
    tr->matched = matched;
    tr->decided = false;
    tr->text = text;
    return tr;
}

/* "19.62 GiB (20091 MiB)" */
static void
put_methods(struct gpv_buf *b, unsigned mask)
{
    int m;
    bool first = true;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
        if (mask & (1u << m)) {
            if (!first)
                gpv_buf_puts(b, ", ");
            gpv_buf_puts(b, gpv_method_name((enum gpv_method)m));
            first = false;
        }
    }
}

static void
choice_init(struct gpv_choice *ch, const struct gpv_candidate *cand)
{
    int m;

    memset(ch, 0, sizeof(*ch));
    ch->gpu = cand->gpu;
    ch->cost_per_hour = cand->cost_per_hour;
    ch->sizing = cand->sizing;
    ch->method = GPV_METHOD_NONE;
    ch->mig_profile = -1;
    ch->vgpu_type = -1;
    ch->rank = GPV_NMETHODS;
    for (m = 0; m < GPV_METHOD_COUNT; m++) {
        ch->options[m].mig_profile = -1;
        ch->options[m].vgpu_type = -1;
    }
}

static void
choice_release(struct gpv_choice *ch)
{
    size_t i;
    int m;

    for (i = 0; i < ch->ntrace; i++)
        if (ch->trace[i].text != does_not_hold)
            free(ch->trace[i].text);
    free(ch->trace);
    for (m = 0; m < GPV_METHOD_COUNT; m++)
        reasons_release(&ch->rejected[m]);
    memset(ch, 0, sizeof(*ch));
}

/* Phase 1 and 2 on one model: exclusions, series left, the order of methods. */
static void
apply_rules(struct gpv_choice *ch, const struct gpv_ruleset *rs, const struct rules_ctx *x,
            unsigned *excluded)
{
    size_t i;
    int m, k;

    *excluded = 0;
    ch->series = ALL_SERIES_BITS;
    ch->trace = xcalloc(rs->nrules + GPV_NMETHODS, sizeof(*ch->trace));
    for (i = 0; i < rs->nrules; i++) {
        const struct gpv_rule *r = &rs->rules[i];
        bool held = rules_cond_eval(r->when, x);
        struct gpv_buf b;
        struct gpv_trace *tr;

        if (!held) {
            trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, false, (char *)does_not_hold);
            continue;
        }
        gpv_buf_init(&b);
        if (r->phase == GPV_PHASE_EXCLUDE) {
            gpv_buf_puts(&b, "excludes ");
            put_methods(&b, r->exclude);
            if (r->exclude_series) {
                gpv_buf_puts(&b, r->exclude ? "; series " : "series ");
                rules_put_series_set(&b, r->exclude_series, "and");
            }
            if (r->exclude_shared) {
                gpv_buf_printf(&b, "%sshared types of ",
                               r->exclude || r->exclude_series ? "; " : "");
                put_methods(&b, r->exclude_shared);
            }
            for (m = GPV_METHOD_VGPU; m <= GPV_METHOD_MIG_VGPU; m++)
                if ((r->exclude_shared & (1u << m)) && !ch->no_shared[m])
                    ch->no_shared[m] = r;
            for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++)
                if (r->exclude & (1u << m))
                    reasons_add(&ch->rejected[m], r->id, r->reason);
            *excluded |= r->exclude;
            ch->series &= ~r->exclude_series;
            trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, true, gpv_buf_detach(&b));
            continue;
        }
        if (ch->order_rule) {
            gpv_buf_puts(&b, "holds, but '");
            gpv_buf_puts(&b, ch->order_rule->id);
            gpv_buf_puts(&b, "' came first");
            trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, true, gpv_buf_detach(&b));
            continue;
        }
        ch->order_rule = r;
        for (k = 0; k < r->nprefer; k++)
            ch->order[k] = r->prefer[k];
        for (m = 0; m < GPV_NMETHODS; m++) {
            int j;

            for (j = 0; j < k; j++)
                if (ch->order[j] == default_order[m])
                    break;
            if (j == k)
                ch->order[k++] = default_order[m];
        }
        gpv_buf_puts(&b, "orders ");
        for (k = 0; k < GPV_NMETHODS; k++) {
            if (k)
                gpv_buf_puts(&b, ", ");
            gpv_buf_puts(&b, gpv_method_name(ch->order[k]));
        }
        tr = trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, true, gpv_buf_detach(&b));
        tr->decided = true;
    }
    if (!ch->order_rule)
        memcpy(ch->order, default_order, sizeof(ch->order));
}

/* The first rule, in file order, that excluded method m. */
static const struct gpv_rule *
excluder(const struct gpv_choice *ch, enum gpv_method m)
{
    size_t i;

    for (i = 0; i < ch->ntrace; i++) {
        const struct gpv_rule *r = ch->trace[i].rule;

        if (r && ch->trace[i].matched && r->phase == GPV_PHASE_EXCLUDE && (r->exclude & (1u << m)))
            return r;
    }
    return NULL;
}

/*
 * The rule that decided the chosen method. The prefer rule decided when another method also
 * fits (it chose between them) or when it put the chosen method first. Otherwise the choice
 * was forced: the methods ranked before it were excluded or found no instance, and the rule
 * that removed the first of them decided (a 0.5 TB tenant's passthrough is forced by
 * memory-above-one-gpu, not decided by the order of multi-tenancy-on-mig).
 */
static const struct gpv_rule *
decided_by(const struct gpv_choice *ch, unsigned excluded)
{
    int k, m;

    if (ch->method == GPV_METHOD_NONE)
        return NULL;
    if (ch->rank == 0)
        return ch->order_rule;
    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++)
        if (m != (int)ch->method && ch->options[m].fits)
            return ch->order_rule;
    for (k = 0; k < ch->rank; k++)
        if (excluded & (1u << ch->order[k]))
            return excluder(ch, ch->order[k]);
    return ch->order_rule;
}

static void
evaluate_choice(struct gpv_choice *ch, const struct gpv_ruleset *rs, const struct gpv_tenant *t,
                const struct gpv_licenses *lic, const struct gpv_candidate *cand)
{
    struct rules_ctx x = {t, lic, cand->gpu};
    const struct gpv_gpu *g = cand->gpu;
    struct rules_need nd;
    unsigned excluded;
    int k;

    choice_init(ch, cand);
    nd.mib = t->memory_mib;
    nd.whole = gpv_tenant_whole_gpu(t);
    nd.spread = t->spread;
    nd.replicas = t->replicas;
    nd.compute = nd.whole ? 1.0 : t->compute;
    nd.mem = t->memory_text ? t->memory_text : "the memory";
    apply_rules(ch, rs, &x, &excluded);

    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = ch->order[k];
        struct gpv_option *o = &ch->options[m];
        struct gpv_buf b;
        struct rules_pick pk = {false, -1, -1, 0, 0, 0, 0};

        if (excluded & (1u << m)) {
            o->excluded = true;
            continue;
        }
        gpv_buf_init(&b);
        switch (m) {
        case GPV_METHOD_MIG:
            if (g->mig)
                pk = rules_select_mig(g, &nd, t->media,
                                      t->workload == GPV_WL_VDI || t->workload == GPV_WL_GRAPHICS,
                                      &b);
            else
                gpv_buf_printf(&b, "%s has no MIG", g->id);
            break;
        case GPV_METHOD_MIG_VGPU:
            if (g->mig)
                pk = rules_select_vgpu(g, t, &nd, true, ch, &b);
            else
                gpv_buf_printf(&b, "%s has no MIG", g->id);
            break;
        case GPV_METHOD_VGPU:
            pk = rules_select_vgpu(g, t, &nd, false, ch, &b);
            break;
        case GPV_METHOD_PASSTHROUGH:
            pk = rules_select_passthrough(g, t, &nd, &b);
            break;
        case GPV_METHOD_TIME_SLICING:
        case GPV_METHOD_MPS:
            pk = rules_select_share(g, &nd, m == GPV_METHOD_MPS, &b);
            break;
        case GPV_METHOD_NONE:
            break;
        }
        o->fits = pk.fits;
        o->mig_profile = pk.mig_profile;
        o->vgpu_type = pk.vgpu_type;
        o->gpus = pk.gpus;
        o->clients = pk.clients;
        o->whole_clients = pk.whole_clients;
        o->share = pk.share;
        if (!pk.fits)
            reasons_add(&ch->rejected[m], NULL, gpv_buf_str(&b));
        trace_add(ch, GPV_STEP_SELECT, NULL, m, pk.fits, gpv_buf_detach(&b));
        if (pk.fits && ch->method == GPV_METHOD_NONE) {
            ch->method = m;
            ch->rank = k;
            ch->mig_profile = pk.mig_profile;
            ch->vgpu_type = pk.vgpu_type;
            ch->gpus = pk.gpus;
            ch->clients = pk.clients;
            ch->share = pk.share;
        }
    }
    ch->decided_by = decided_by(ch, excluded);
    /* Methods that fit but come later in the order lost on preference. */
    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = ch->order[k];
        const struct gpv_option *o = &ch->options[m];
        struct gpv_choice tmp;
        char *text;

        if (!o->fits || m == ch->method)
            continue;
        tmp = *ch;
        tmp.method = m;
        tmp.mig_profile = o->mig_profile;
        tmp.vgpu_type = o->vgpu_type;
        if (o->clients)
            text = xasprintf(
                "fits (%d per %s), but %s comes first in the order of %s%s%s", o->clients,
                o->mig_profile >= 0 && m == GPV_METHOD_TIME_SLICING ? "MIG instance" : "GPU",
                gpv_method_name(ch->method), ch->order_rule ? "'" : "the default",
                ch->order_rule ? ch->order_rule->id : "", ch->order_rule ? "'" : "");
        else if (gpv_choice_profile(&tmp))
            text = xasprintf("fits (%s), but %s comes first in the order of %s%s%s",
                             gpv_choice_profile(&tmp), gpv_method_name(ch->method),
                             ch->order_rule ? "'" : "the default",
                             ch->order_rule ? ch->order_rule->id : "", ch->order_rule ? "'" : "");
        else
            text = xasprintf("fits (%d whole GPU%s), but %s comes first in the order of %s%s%s",
                             o->gpus, o->gpus == 1 ? "" : "s", gpv_method_name(ch->method),
                             ch->order_rule ? "'" : "the default",
                             ch->order_rule ? ch->order_rule->id : "", ch->order_rule ? "'" : "");
        reasons_add(&ch->rejected[m], ch->order_rule ? ch->order_rule->id : NULL, text);
        free(text);
    }
}

const char *
gpv_choice_profile(const struct gpv_choice *c)
{
    switch (c->method) {
    case GPV_METHOD_MIG:
    case GPV_METHOD_TIME_SLICING: /* time-sliced MIG instances; whole GPUs have none */
        return c->mig_profile >= 0 ? c->gpu->mig->profiles[c->mig_profile].name : NULL;
    case GPV_METHOD_VGPU:
    case GPV_METHOD_MIG_VGPU:
        return c->vgpu_type >= 0 ? c->gpu->vgpu->types[c->vgpu_type].name : NULL;
    default:
        return NULL;
    }
}

int
gpv_choice_cmp(const struct gpv_choice *a, const struct gpv_choice *b)
{
    bool ha = a->method != GPV_METHOD_NONE, hb = b->method != GPV_METHOD_NONE;

    if (ha != hb)
        return ha ? -1 : 1;
    if (ha) {
        double ca, cb;

        if (a->rank != b->rank)
            return a->rank - b->rank;
        if (a->cost_per_hour >= 0 && b->cost_per_hour >= 0) {
            ca = a->share * a->cost_per_hour;
            cb = b->share * b->cost_per_hour;
        } else if (a->sizing && b->sizing) {
            /* Sizing a fleet without costs: the GPU memory a replica provisions, so the
               smallest adequate board comes first, not the smallest share of the biggest. */
            ca = a->share * (double)a->gpu->memory_mib;
            cb = b->share * (double)b->gpu->memory_mib;
        } else {
            ca = a->share;
            cb = b->share;
        }
        if (fabs(ca - cb) > RULES_EPS)
            return ca < cb ? -1 : 1;
    }
    return strcmp(a->gpu->id, b->gpu->id);
}

static int
choice_qsort_cmp(const void *a, const void *b)
{
    return gpv_choice_cmp(a, b);
}

/* Every reason across models: shared ones once, model-specific ones prefixed by the model. */
static void
merge_reasons(struct gpv_decision *d)
{
    size_t c, i, o;
    int m;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
        for (c = 0; c < d->nchoices; c++) {
            const struct gpv_reasons *rs = &d->choices[c].rejected[m];

            for (i = 0; i < rs->n; i++) {
                bool everywhere = true;
                char *text;

                for (o = 0; o < d->nchoices && everywhere; o++)
                    everywhere = reasons_has(&d->choices[o].rejected[m], rs->v[i].text);
                text = everywhere ? xstrdup(rs->v[i].text)
                                  : xasprintf("%s: %s", d->choices[c].gpu->id, rs->v[i].text);
                if (!reasons_has(&d->rejected[m], text))
                    reasons_add(&d->rejected[m], rs->v[i].rule, text);
                free(text);
            }
        }
    }
}

void
gpv_decide(struct gpv_decision *out, const struct gpv_ruleset *rs, const struct gpv_tenant *t,
           const struct gpv_licenses *lic, const struct gpv_candidate *cands, size_t ncands)
{
    size_t i;
    int m;

    memset(out, 0, sizeof(*out));
    out->tenant = t;
    out->method = GPV_METHOD_NONE;
    out->best = -1;
    if (ncands) {
        out->choices = xcalloc(ncands, sizeof(*out->choices));
        for (i = 0; i < ncands; i++)
            evaluate_choice(&out->choices[i], rs, t, lic, &cands[i]);
        out->nchoices = ncands;
        qsort(out->choices, ncands, sizeof(*out->choices), choice_qsort_cmp);
    }
    if (out->nchoices && out->choices[0].method != GPV_METHOD_NONE) {
        const struct gpv_choice *best = &out->choices[0];

        out->best = 0;
        out->method = best->method;
        for (m = 0; m < GPV_METHOD_COUNT; m++)
            for (i = 0; i < best->rejected[m].n; i++)
                reasons_add(&out->rejected[m], best->rejected[m].v[i].rule,
                            best->rejected[m].v[i].text);
    } else {
        merge_reasons(out);
    }
}

void
gpv_decision_release(struct gpv_decision *d)
{
    size_t i;
    int m;

    if (!d)
        return;
    for (i = 0; i < d->nchoices; i++)
        choice_release(&d->choices[i]);
    free(d->choices);
    for (m = 0; m < GPV_METHOD_COUNT; m++)
        reasons_release(&d->rejected[m]);
    memset(d, 0, sizeof(*d));
    d->best = -1;
}
