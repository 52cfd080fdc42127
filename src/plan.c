/* Plans: running the planner, writing the gpuvplan.plan/1 document, and re-validating one. */
#include "gpuvplan/plan.h"

#include "plan_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- running: decide, make the problem, pack --------------------------------------------- */

/* Orders tenants by everything a decision can depend on (not the name); 0 when equal. */
static int
tenant_key(const struct gpv_tenant *a, const struct gpv_tenant *b)
{
    int r;

#define KEY(f)                                                                                     \
    if (a->f != b->f)                                                                              \
    return a->f < b->f ? -1 : 1
    KEY(memory_mib);
    KEY(memory);
    KEY(replicas);
    KEY(isolation);
    KEY(workload);
    KEY(environment);
    KEY(live_migration);
    KEY(full_gpu);
    KEY(gpus);
    KEY(media);
    KEY(spread);
    KEY(compute);
#undef KEY
    if (a->gpu != b->gpu)
        return !a->gpu ? -1 : !b->gpu ? 1 : strcmp(a->gpu->id, b->gpu->id);
    if ((a->memory_text == NULL) != (b->memory_text == NULL))
        return a->memory_text ? 1 : -1;
    if (a->memory_text && (r = strcmp(a->memory_text, b->memory_text)))
        return r;
    return 0;
}

/* FNV-1a over what tenant_key() compares, so that equal keys hash alike. */
static uint64_t
tenant_hash(const struct gpv_tenant *t)
{
    uint64_t h = 1469598103934665603ULL;
    long long v[12];
    const unsigned char *p;
    size_t i;

    v[0] = t->memory_mib;
    v[1] = t->memory;
    v[2] = t->replicas;
    v[3] = t->isolation;
    v[4] = t->workload;
    v[5] = t->environment;
    v[6] = t->live_migration;
    v[7] = t->full_gpu;
    v[8] = t->gpus;
    v[9] = t->media;
    v[10] = t->spread;
    v[11] = (long long)(t->compute * 1e9);
    for (i = 0; i < 12; i++) {
        h ^= (uint64_t)v[i];
        h *= 1099511628211ULL;
    }
    for (p = (const unsigned char *)(t->gpu ? t->gpu->id : ""); *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    for (p = (const unsigned char *)(t->memory_text ? t->memory_text : ""); *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

/*
 * Decides each distinct kind of tenant once, in the order kinds first appear in the file. A
 * hash table finds a tenant's kind; nothing that is output depends on the hash values.
 */
static int
decide_all(struct gpv_plan_run *run, const struct gpv_plan_job *job, struct gpv_error *err)
{
    const struct gpv_tenants *file = job->file;
    size_t n = file->ntenants, i, cap = 16, mask;
    const struct gpv_tenant **rep = xcalloc(n + 1, sizeof(*rep));
    long *slot;
    int rc = 0;

    while (cap < 2 * n)
        cap *= 2;
    mask = cap - 1;
    slot = xcalloc(cap, sizeof(long));
    for (i = 0; i < cap; i++)
        slot[i] = -1;
    run->decisions = xcalloc(n + 1, sizeof(*run->decisions));
    run->of = xcalloc(n + 1, sizeof(*run->of));
    for (i = 0; i < n; i++) {
        const struct gpv_tenant *t = &file->tenants[i];
        size_t h = (size_t)tenant_hash(t) & mask;

        while (slot[h] >= 0 && tenant_key(rep[slot[h]], t))
            h = (h + 1) & mask;
        if (slot[h] < 0) {
            struct gpv_candidate *cands = NULL;
            size_t nc = gpv_candidates(&cands, file, t, job->db, job->only, job->nonly);

            rc = gpv_decide(&run->decisions[run->ndecisions], job->rules, t, &file->licenses, cands,
                            nc, err);
            free(cands);
            if (rc)
                break;
            rep[run->ndecisions] = t;
            slot[h] = (long)run->ndecisions++;
        }
        /* The decisions array never moves, so these pointers stay valid. */
        run->of[i] = &run->decisions[slot[h]];
    }
    free(rep);
    free(slot);
    return rc;
}

static void
add_model(struct gpv_plan_run *run, const struct gpv_gpu *gpu, int limit, double cost, bool mixed)
{
    struct gpv_pack_model *m = &run->models[run->nmodels++];

    m->gpu = gpu;
    m->limit = limit;
    m->cost = cost;
    m->mixed = mixed;
}

static void
build_models(struct gpv_plan_run *run, const struct gpv_plan_job *job)
{
    const struct gpv_tenants *file = job->file;
    const struct gpv_db *db = job->db;
    bool *used = xcalloc(db->ngpus + 1, sizeof(bool));
    size_t i, j, k;

    run->models = xcalloc(file->nfleet + db->ngpus + job->nonly + 1, sizeof(*run->models));
    if (file->nfleet) {
        for (i = 0; i < file->nfleet; i++) {
            const struct gpv_fleet_entry *fe = &file->fleet[i];

            for (j = 0; j < job->nonly && job->only[j] != fe->gpu; j++)
                ;
            if (job->nonly && j == job->nonly)
                continue;
            add_model(run, fe->gpu, fe->count, fe->has_cost ? fe->cost_per_hour : -1.0,
                      fe->vgpu_mode == GPV_VGPU_MIXED);
            gpv_site_model_nodes(&run->models[run->nmodels - 1], fe);
        }
    } else if (job->nonly) {
        for (i = 0; i < job->nonly; i++) {
            for (j = 0; j < run->nmodels && run->models[j].gpu != job->only[i]; j++)
                ;
            if (j == run->nmodels)
                add_model(run, job->only[i], -1, -1.0, false);
        }
    } else {
        for (j = 0; j < run->ndecisions; j++)
            for (k = 0; k < run->decisions[j].nchoices; k++)
                if (run->decisions[j].choices[k].method != GPV_METHOD_NONE)
                    for (i = 0; i < db->ngpus; i++)
                        used[i] |= db->gpus[i] == run->decisions[j].choices[k].gpu;
        for (i = 0; i < db->ngpus; i++)
            if (used[i])
                add_model(run, db->gpus[i], -1, -1.0, false);
    }
    free(used);
}

static enum gpv_pack_kind
method_kind(enum gpv_method m)
{
    switch (m) {
    case GPV_METHOD_MIG:
        return GPV_PACK_MIG;
    case GPV_METHOD_MIG_VGPU:
        return GPV_PACK_MIG_VGPU;
    case GPV_METHOD_VGPU:
        return GPV_PACK_VGPU;
    default:
        return GPV_PACK_WHOLE;
    }
}

static void
build_problem(struct gpv_plan_run *run, const struct gpv_plan_job *job)
{
    const struct gpv_tenants *file = job->file;
    size_t n = file->ntenants, t, i, m, nopt = 0, o = 0;

    for (t = 0; t < n; t++)
        for (i = 0; i < run->of[t]->nchoices; i++)
            if (run->of[t]->choices[i].method != GPV_METHOD_NONE)
                for (m = 0; m < run->nmodels; m++)
                    nopt += run->models[m].gpu == run->of[t]->choices[i].gpu;
    run->demands = xcalloc(n + 1, sizeof(*run->demands));
    run->options = xcalloc(nopt + 1, sizeof(*run->options));
    run->choice_of = xcalloc(n + 1, sizeof(*run->choice_of));
    run->choice_buf = xcalloc(nopt + 1, sizeof(int));
    for (t = 0; t < n; t++) {
        const struct gpv_tenant *tn = &file->tenants[t];
        const struct gpv_decision *d = run->of[t];
        struct gpv_pack_demand *dm = &run->demands[t];

        dm->replicas = tn->replicas;
        dm->compute = tn->compute;
        dm->spread = tn->spread;
        dm->spread_nodes = tn->spread_nodes;
        dm->options = run->options + o;
        run->choice_of[t] = run->choice_buf + o;
        for (i = 0; i < d->nchoices; i++) {
            const struct gpv_choice *c = &d->choices[i];
            bool mig = c->method == GPV_METHOD_MIG || c->method == GPV_METHOD_MIG_VGPU;
            bool vgpu = c->method == GPV_METHOD_VGPU || c->method == GPV_METHOD_MIG_VGPU;

            if (c->method == GPV_METHOD_NONE)
                continue;
            for (m = 0; m < run->nmodels; m++) {
                struct gpv_pack_option *op = &run->options[o];

                if (run->models[m].gpu != c->gpu)
                    continue;
                op->model = (int)m;
                op->kind = method_kind(c->method);
                op->profile = mig ? c->mig_profile : -1;
                op->vgpu_type = vgpu ? c->vgpu_type : -1;
                op->gpus = c->method == GPV_METHOD_PASSTHROUGH ? c->gpus : 0;
                op->rank = c->rank;
                run->choice_buf[o++] = (int)i;
                dm->noptions++;
            }
        }
    }
    memset(&run->problem, 0, sizeof(run->problem));
    run->problem.nmodels = run->nmodels;
    run->problem.models = run->models;
    run->problem.ndemands = n;
    run->problem.demands = run->demands;
    run->problem.strategy = job->strategy;
    run->problem.no_upgrades = job->no_upgrades;
}

int
gpv_plan_run(struct gpv_plan_run *out, const struct gpv_plan_job *job, struct gpv_error *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    gpv_pack_result_init(&out->result);
    if ((rc = decide_all(out, job, err)))
        goto fail;
    build_models(out, job);
    build_problem(out, job);
    if ((rc = gpv_pack(&out->result, &out->problem, err)))
        goto fail;
    gpv_site_assign(&out->site, job->file, &out->problem, &out->result);
    return 0;
fail:
    gpv_plan_run_release(out);
    return rc;
}

void
gpv_plan_run_release(struct gpv_plan_run *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; r->decisions && i < r->ndecisions; i++)
        gpv_decision_release(&r->decisions[i]);
    free(r->decisions);
    free(r->of);
    free(r->models);
    free(r->demands);
    free(r->options);
    free(r->choice_of);
    free(r->choice_buf);
    gpv_pack_result_release(&r->result);
    gpv_site_release(&r->site);
    memset(r, 0, sizeof(*r));
}

/* ---- what every format says (plan_int.h) ------------------------------------------------- */

/* "h100-80gb-3": models numbered per GPU id across entries, in plan order. */
static char **
gpu_ids(const struct gpv_pack_problem *p, const struct gpv_pack_result *r)
{
    char **ids = xcalloc(r->ngpus + 1, sizeof(char *));
    int *next = xcalloc(p->nmodels + 1, sizeof(int));
    size_t g, m;

    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_gpu *gpu = p->models[r->gpus[g].model].gpu;

        /* The counter lives with the first entry of the same model. */
        for (m = 0; m < p->nmodels && p->models[m].gpu != gpu; m++)
            ;
        ids[g] = xasprintf("%s-%d", gpu->id, ++next[m]);
    }
    free(next);
    return ids;
}

static int
tinst_cmp(const void *pa, const void *pb)
{
    const struct pl_tinst *a = pa, *b = pb;

    if (a->tenant != b->tenant)
        return a->tenant < b->tenant ? -1 : 1;
    if (a->replica != b->replica)
        return a->replica < b->replica ? -1 : 1;
    if (a->part != b->part)
        return a->part < b->part ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->inst < b->inst ? -1 : (a->inst > b->inst);
}

void
pl_index_build(struct pl_index *ix, const struct gpv_plan_src *src)
{
    const struct gpv_pack_result *r = &src->run->result;
    size_t nt = src->job->file->ntenants, g, i, t, k = 0, ng = 0;
    size_t *last = xcalloc(r->ngpus + 1, sizeof(size_t));

    memset(ix, 0, sizeof(*ix));
    ix->nids = r->ngpus;
    ix->ids = gpu_ids(&src->run->problem, r);
    pl_nodes_ids(ix->ids, src);
    ix->ti = xcalloc(r->ninsts + 1, sizeof(*ix->ti));
    for (g = 0; g < r->ngpus; g++) {
        for (i = 0; i < r->gpus[g].ninsts; i++) {
            const struct gpv_pack_inst *x = &r->insts[r->gpus[g].first + i];

            ix->ti[k].tenant = x->demand;
            ix->ti[k].replica = x->replica;
            ix->ti[k].part = x->part;
            ix->ti[k].gpu = g;
            ix->ti[k].inst = r->gpus[g].first + i;
            k++;
        }
    }
    /* Instances by tenant, replica and part: each tenant's GPUs in replica order. */
    qsort(ix->ti, k, sizeof(*ix->ti), tinst_cmp);
    ix->tfirst = xcalloc(nt + 1, sizeof(size_t));
    ix->gfirst = xcalloc(nt + 1, sizeof(size_t));
    ix->tgpus = xcalloc(k + 1, sizeof(size_t));
    for (t = 0, i = 0; t < nt; t++) {
        ix->tfirst[t] = i;
        ix->gfirst[t] = ng;
        for (; i < k && ix->ti[i].tenant == (int)t; i++) {
            /* last[] holds t + 1 for the GPUs tenant t was already seen on. */
            if (last[ix->ti[i].gpu] != t + 1) {
                last[ix->ti[i].gpu] = t + 1;
                ix->tgpus[ng++] = ix->ti[i].gpu;
            }
        }
        ix->placed += r->choice[t] >= 0;
    }
    ix->tfirst[nt] = i;
    ix->gfirst[nt] = ng;
    free(last);
}

void
pl_index_release(struct pl_index *ix)
{
    size_t i;

    for (i = 0; ix->ids && i < ix->nids; i++)
        free(ix->ids[i]);
    free(ix->ids);
    free(ix->ti);
    free(ix->tfirst);
    free(ix->tgpus);
    free(ix->gfirst);
    memset(ix, 0, sizeof(*ix));
}

/* The memory an instance holds (MiB). */
static long long
inst_memory(const struct gpv_gpu *gpu, enum gpv_pack_kind k, const struct gpv_pack_inst *in)
{
    switch (k) {
    case GPV_PACK_MIG:
    case GPV_PACK_MIG_VGPU:
        return gpu->mig->profiles[in->profile].memory_mib;
    case GPV_PACK_VGPU:
        return gpu->vgpu->types[in->vgpu_type].framebuffer_mib;
    case GPV_PACK_WHOLE:
        return gpu->memory_mib;
    }
    return 0;
}

/* The compute capacity an instance takes: slices, time-slice slots, or the whole GPU. */
static double
inst_compute(const struct gpv_gpu *gpu, const struct gpv_pack_model *m, enum gpv_pack_kind k,
             const struct gpv_pack_inst *in)
{
    switch (k) {
    case GPV_PACK_MIG:
    case GPV_PACK_MIG_VGPU:
        return (double)gpu->mig->profiles[in->profile].compute_slices / gpu->mig->compute_slices;
    case GPV_PACK_VGPU: {
        const struct gpv_vgpu_type *t = &gpu->vgpu->types[in->vgpu_type];
        int max = m->mixed ? t->max_mixed : t->max;

        return max > 0 ? 1.0 / max : 1.0;
    }
    case GPV_PACK_WHOLE:
        return 1.0;
    }
    return 0.0;
}

/* Rounds to 4 decimals so that printed figures do not depend on summation noise. */
static double
round4(double x)
{
    return floor(x * 10000.0 + 0.5) / 10000.0;
}

void
pl_figures(struct pl_figures *out, const struct gpv_plan_src *src)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    const struct gpv_tenants *file = src->job->file;
    long long mem_total = 0, mem_alloc = 0, units_free = 0;
    double mem_req = 0.0, compute = 0.0;
    size_t g, i;

    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &r->gpus[g];
        const struct gpv_pack_model *pm = &p->models[pg->model];
        const struct gpv_gpu *gpu = pm->gpu;
        long long alloc = 0;
        int units = 0;

        mem_total += gpu->memory_mib;
        for (i = 0; i < pg->ninsts; i++) {
            const struct gpv_pack_inst *in = &r->insts[pg->first + i];
            const struct gpv_tenant *t = &file->tenants[in->demand];
            int parts = pg->kind == GPV_PACK_WHOLE ? gpv_tenant_gpus(t) : 1;

            alloc += inst_memory(gpu, pg->kind, in);
            compute += inst_compute(gpu, pm, pg->kind, in);
            if (t->memory_mib > 0)
                mem_req += (double)t->memory_mib / (parts > 0 ? parts : 1);
            else if (pg->kind == GPV_PACK_WHOLE)
                mem_req += (double)gpu->memory_mib;
            units += in->size;
        }
        if (alloc > gpu->memory_mib)
            alloc = gpu->memory_mib;
        mem_alloc += alloc;
        if (pg->kind == GPV_PACK_MIG || pg->kind == GPV_PACK_MIG_VGPU)
            units_free += gpu->mig->units - units;
    }
    memset(out, 0, sizeof(*out));
    out->util_memory = mem_total ? round4((double)mem_alloc / mem_total) : 0.0;
    out->util_requested = mem_total ? round4(mem_req / mem_total) : 0.0;
    out->util_compute = r->ngpus ? round4(compute / r->ngpus) : 0.0;
    out->stranded_mib = mem_total - mem_alloc;
    out->stranded_units = units_free;
    out->has_cost = r->cost >= 0;
    if (out->has_cost) {
        out->per_hour = round4(r->cost);
        out->per_month = round4(r->cost * 730.0);
    }
}

bool
pl_model_listed(const struct gpv_plan_src *src, size_t m)
{
    return src->run->result.models[m].gpus || src->run->problem.models[m].limit >= 0;
}

/* The decision choice behind tenant t's option o, or NULL. */
static const struct gpv_choice *
choice_for(const struct gpv_plan_run *run, size_t t, int o)
{
    const struct gpv_decision *d = run->of[t];
    int ci;

    if (o < 0)
        return d->best >= 0 ? &d->choices[d->best] : NULL;
    ci = run->choice_of[t][o];
    return ci >= 0 && (size_t)ci < d->nchoices ? &d->choices[ci] : NULL;
}

static enum gpv_method
kind_method(enum gpv_pack_kind k)
{
    switch (k) {
    case GPV_PACK_MIG:
        return GPV_METHOD_MIG;
    case GPV_PACK_MIG_VGPU:
        return GPV_METHOD_MIG_VGPU;
    case GPV_PACK_VGPU:
        return GPV_METHOD_VGPU;
    case GPV_PACK_WHOLE:
        return GPV_METHOD_PASSTHROUGH;
    }
    return GPV_METHOD_NONE;
}

/* What an option asks for, by name: the MIG profile, the vGPU type, or NULL. */
static const char *
option_profile(const struct gpv_gpu *gpu, const struct gpv_pack_option *o)
{
    if (o->kind == GPV_PACK_MIG)
        return gpu->mig->profiles[o->profile].name;
    if (o->kind == GPV_PACK_VGPU || o->kind == GPV_PACK_MIG_VGPU)
        return gpu->vgpu->types[o->vgpu_type].name;
    return NULL;
}

bool
pl_tenant(struct pl_tenant *out, const struct gpv_plan_src *src, const struct pl_index *ix,
          size_t t)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    const struct gpv_pack_option *o;
    const struct gpv_gpu *gpu;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (r->choice[t] < 0)
        return false;
    o = &p->demands[t].options[r->choice[t]];
    gpu = p->models[o->model].gpu;
    out->t = &src->job->file->tenants[t];
    out->o = o;
    out->gpu = gpu;
    out->choice = choice_for(src->run, t, r->choice[t]);
    out->method = kind_method(o->kind);
    out->profile = option_profile(gpu, o);
    out->mig_profile = o->profile >= 0 ? gpu->mig->profiles[o->profile].name : NULL;
    /* The licence the vGPU type's series needs; MIG and passthrough for compute need none. */
    out->license =
        o->vgpu_type >= 0 ? gpv_series_license(gpu->vgpu->types[o->vgpu_type].series) : NULL;
    out->decided_by = out->choice && out->choice->order_rule ? out->choice->order_rule->id : NULL;
    for (i = ix->tfirst[t]; i < ix->tfirst[t + 1]; i++) {
        const struct gpv_pack_inst *x = &r->insts[ix->ti[i].inst];

        if (x->upgraded) {
            out->upgraded++;
            out->given = gpu->mig->profiles[x->profile].name;
        }
    }
    return true;
}

void
pl_put_note(struct gpv_buf *b, const struct pl_tenant *pt)
{
    gpv_buf_printf(b, "upgraded from %s to %s (%d of %d replica%s): it saves a GPU", pt->profile,
                   pt->given, pt->upgraded, pt->t->replicas, pt->t->replicas == 1 ? "" : "s");
}

bool
pl_trace_shown(const struct gpv_trace *tr)
{
    return tr->step != GPV_STEP_RULE || tr->matched;
}

const char *
pl_inst_profile(const struct gpv_gpu *gpu, enum gpv_pack_kind k, const struct gpv_pack_inst *x)
{
    if (k == GPV_PACK_VGPU)
        return gpu->vgpu->types[x->vgpu_type].name;
    return x->profile >= 0 ? gpu->mig->profiles[x->profile].name : NULL;
}

void
pl_reasons(const struct gpv_plan_src *src, size_t i, void (*fn)(void *arg, const char *s),
           void *arg)
{
    const struct gpv_pack_unplaced *u = &src->run->result.unplaced[i];
    const struct gpv_decision *d = src->run->of[u->demand];
    struct gpv_buf b;
    size_t j;
    int m;

    gpv_buf_init(&b);
    if (d->method == GPV_METHOD_NONE) {
        /* No method anywhere: the decision's reasons say why, rule by rule. */
        for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++) {
            for (j = 0; j < d->rejected[m].n; j++) {
                const struct gpv_reason *rs = &d->rejected[m].v[j];

                gpv_buf_release(&b);
                if (rs->rule)
                    gpv_buf_printf(&b, "%s: %s [%s]", gpv_method_name(m), rs->text, rs->rule);
                else
                    gpv_buf_printf(&b, "%s: %s", gpv_method_name(m), rs->text);
                fn(arg, gpv_buf_str(&b));
            }
        }
        if (d->nchoices == 0)
            fn(arg, "no candidate GPU model");
    } else if (src->run->demands[u->demand].noptions == 0) {
        /* Methods exist, but on models the fleet (or --gpu) leaves out. */
        for (j = 0; j < d->nchoices; j++)
            if (d->choices[j].method != GPV_METHOD_NONE)
                gpv_buf_printf(&b, "%s%s", b.len ? ", " : "", d->choices[j].gpu->id);
        {
            char *s = xasprintf("it can run on %s, and none of them is among the models "
                                "planned (the fleet, or --gpu)",
                                gpv_buf_str(&b));

            fn(arg, s);
            free(s);
        }
    } else {
        for (j = 0; j < u->nreasons; j++)
            fn(arg, u->reasons[j]);
    }
    gpv_buf_release(&b);
}

/* ---- an emitter: the same calls build a value tree or write JSON or YAML text ------------ */

#define EMIT_DEPTH 16

enum emit_kind {
    EMIT_TREE,
    EMIT_JSON, /* what gpv_val_write_json() writes for the tree */
    EMIT_YAML, /* what gpv_val_write_yaml() writes for the tree */
};

/*
 * Text is written as the value writers write the tree: one member or item per line, arrays of
 * scalars on one line, "{}" and "[]" when empty. A container's opening waits for its first
 * child (or its end), when it is known whether it is empty. Arrays opened with inline_scalars
 * must hold only scalars, the others only containers, as the value writers would choose.
 */
struct emit {
    enum emit_kind kind;
    struct gpv_buf *out;           /* text: where to */
    struct gpv_val *root;          /* tree: the document */
    struct gpv_val *v[EMIT_DEPTH]; /* tree: open containers */
    size_t n[EMIT_DEPTH];          /* text: items written in each open container */
    bool obj[EMIT_DEPTH];          /* the container is an object */
    bool inl[EMIT_DEPTH];          /* text: an array written on one line */
    bool member[EMIT_DEPTH];       /* YAML: the container is an object's member ("key:" written) */
    int depth;                     /* open containers */
};

/* JSON: what comes before an item or member of the innermost container. */
static void
json_before(struct emit *e, const char *key)
{
    int d = e->depth - 1;

    if (d < 0)
        return;
    if (e->inl[d]) {
        gpv_buf_puts(e->out, e->n[d] ? ", " : "[");
    } else {
        gpv_buf_puts(e->out, e->n[d] ? ",\n" : e->obj[d] ? "{\n" : "[\n");
        gpv_json_put_indent(e->out, e->depth);
    }
    if (e->obj[d]) {
        gpv_json_put_string(e->out, key);
        gpv_buf_puts(e->out, ": ");
    }
    e->n[d]++;
}

/* YAML: what comes before an item or member of the innermost container ("---" at the top). */
static void
yaml_before(struct emit *e, const char *key)
{
    int d = e->depth - 1;

    if (d < 0) {
        gpv_buf_puts(e->out, "---\n");
        return;
    }
    if (!e->n[d]) {
        /* The first child: the container is not empty, so it opens here. */
        if (e->inl[d])
            gpv_buf_puts(e->out, e->member[d] ? " [" : "[");
        else if (e->member[d])
            gpv_buf_putc(e->out, '\n');
    } else if (e->inl[d]) {
        gpv_buf_puts(e->out, ", ");
    }
    if (e->obj[d]) {
        /* The first member of a list item (or of the document) shares its line. */
        if (e->n[d] || e->member[d])
            gpv_json_put_indent(e->out, d);
        gpv_yaml_put_string(e->out, key);
        gpv_buf_putc(e->out, ':');
    } else if (!e->inl[d]) {
        gpv_json_put_indent(e->out, d);
        gpv_buf_puts(e->out, "- ");
    }
    e->n[d]++;
}

/* Text: what comes before a scalar. */
static void
scalar_before(struct emit *e, const char *key)
{
    if (e->kind == EMIT_JSON) {
        json_before(e, key);
        return;
    }
    yaml_before(e, key);
    if (e->depth > 0 && e->obj[e->depth - 1])
        gpv_buf_putc(e->out, ' ');
}

/* Text: what comes after a scalar. */
static void
scalar_after(struct emit *e)
{
    if (e->kind == EMIT_YAML && (e->depth == 0 || !e->inl[e->depth - 1]))
        gpv_buf_putc(e->out, '\n');
}

/* Tree: puts v into the innermost container (or makes it the root). */
static struct gpv_val *
tree_put(struct emit *e, const char *key, struct gpv_val *v)
{
    if (e->depth == 0) {
        e->root = v;
        return v;
    }
    if (e->obj[e->depth - 1])
        return gpv_val_set(e->v[e->depth - 1], key, v);
    return gpv_val_push(e->v[e->depth - 1], v);
}

static void
e_open(struct emit *e, const char *key, bool obj, bool inline_scalars)
{
    int d = e->depth;

    if (e->kind == EMIT_TREE)
        e->v[d] = tree_put(e, key, obj ? gpv_val_obj() : gpv_val_arr());
    else if (e->kind == EMIT_JSON)
        json_before(e, key);
    else
        yaml_before(e, key);
    e->obj[d] = obj;
    e->inl[d] = !obj && inline_scalars;
    e->member[d] = d > 0 && e->obj[d - 1];
    e->n[d] = 0;
    e->depth++;
}

static void
e_obj(struct emit *e, const char *key)
{
    e_open(e, key, true, false);
}

/* An array; inline_scalars when every item will be a scalar (written on one line). */
static void
e_arr(struct emit *e, const char *key, bool inline_scalars)
{
    e_open(e, key, false, inline_scalars);
}

static void
e_end(struct emit *e)
{
    int d = --e->depth;

    if (e->kind == EMIT_YAML) {
        if (!e->n[d]) {
            if (e->member[d])
                gpv_buf_putc(e->out, ' ');
            gpv_buf_puts(e->out, e->obj[d] ? "{}\n" : "[]\n");
        } else if (e->inl[d]) {
            gpv_buf_puts(e->out, "]\n");
        }
        return;
    }
    if (e->kind != EMIT_JSON)
        return;
    if (!e->n[d]) {
        gpv_buf_puts(e->out, e->obj[d] ? "{}" : "[]");
    } else if (e->inl[d]) {
        gpv_buf_putc(e->out, ']');
    } else {
        gpv_buf_putc(e->out, '\n');
        gpv_json_put_indent(e->out, d);
        gpv_buf_putc(e->out, e->obj[d] ? '}' : ']');
    }
    if (d == 0)
        gpv_buf_putc(e->out, '\n');
}

static void
e_str(struct emit *e, const char *key, const char *s)
{
    if (e->kind == EMIT_TREE) {
        tree_put(e, key, gpv_val_str(s));
        return;
    }
    scalar_before(e, key);
    if (!s)
        gpv_buf_puts(e->out, "null");
    else if (e->kind == EMIT_JSON)
        gpv_json_put_string(e->out, s);
    else
        gpv_yaml_put_string(e->out, s);
    scalar_after(e);
}

static void
e_null(struct emit *e, const char *key)
{
    e_str(e, key, NULL);
}

static void
e_int(struct emit *e, const char *key, long long i)
{
    if (e->kind == EMIT_TREE) {
        tree_put(e, key, gpv_val_int(i));
        return;
    }
    scalar_before(e, key);
    gpv_json_put_int(e->out, i);
    scalar_after(e);
}

static void
e_num(struct emit *e, const char *key, double d)
{
    if (e->kind == EMIT_TREE) {
        tree_put(e, key, gpv_val_num(d));
        return;
    }
    scalar_before(e, key);
    gpv_json_put_number(e->out, d);
    scalar_after(e);
}

static void
e_bool(struct emit *e, const char *key, bool b)
{
    if (e->kind == EMIT_TREE) {
        tree_put(e, key, gpv_val_bool(b));
        return;
    }
    scalar_before(e, key);
    gpv_buf_puts(e->out, b ? "true" : "false");
    scalar_after(e);
}

/* ---- the document ------------------------------------------------------------------------ */

static void
emit_trace(struct emit *e, const struct gpv_choice *c)
{
    size_t i;

    e_arr(e, "trace", false);
    for (i = 0; c && i < c->ntrace; i++) {
        const struct gpv_trace *tr = &c->trace[i];

        if (!pl_trace_shown(tr))
            continue;
        e_obj(e, NULL);
        if (tr->step == GPV_STEP_RULE) {
            e_str(e, "step", "rule");
            e_str(e, "rule", tr->rule->id);
            e_bool(e, "decided", tr->decided);
        } else {
            e_str(e, "step", "select");
            e_str(e, "method", gpv_method_name(tr->method));
            e_bool(e, "decided", tr->matched);
        }
        e_str(e, "text", tr->text);
        e_end(e);
    }
    e_end(e);
}

static void
emit_summary(struct emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    struct pl_figures f;
    size_t m;

    pl_figures(&f, src);
    e_obj(e, "summary");
    e_int(e, "gpus_used", r->gpus_used);
    e_int(e, "lower_bound", r->lower_bound);
    e_int(e, "gap", r->gpus_used - r->lower_bound);
    e_bool(e, "optimal", r->optimal);
    e_str(e, "strategy", gpv_pack_strategy_name(p->strategy));
    e_int(e, "tenants", (long long)src->job->file->ntenants);
    e_int(e, "placed", (long long)ix->placed);
    e_int(e, "unplaced", (long long)r->nunplaced);
    e_int(e, "instances", (long long)r->ninsts);
    e_arr(e, "models", false);
    for (m = 0; m < p->nmodels; m++) {
        const struct gpv_pack_model *pm = &p->models[m];

        if (!pl_model_listed(src, m))
            continue;
        e_obj(e, NULL);
        e_str(e, "gpu", pm->gpu->id);
        e_str(e, "vgpu_mode", pm->mixed ? "mixed" : "equal");
        if (pm->limit >= 0)
            e_int(e, "fleet", pm->limit);
        else
            e_null(e, "fleet");
        e_int(e, "gpus", r->models[m].gpus);
        e_int(e, "lower_bound", r->models[m].lower_bound);
        e_bool(e, "optimal", r->models[m].optimal);
        if (pm->cost >= 0)
            e_num(e, "cost_per_hour", pm->cost);
        else
            e_null(e, "cost_per_hour");
        e_end(e);
    }
    e_end(e);
    e_obj(e, "utilization");
    e_num(e, "memory", f.util_memory);
    e_num(e, "requested_memory", f.util_requested);
    e_num(e, "compute", f.util_compute);
    e_end(e);
    e_obj(e, "stranded");
    e_int(e, "memory_mib", f.stranded_mib);
    e_int(e, "mig_units", f.stranded_units);
    e_end(e);
    e_obj(e, "cost");
    if (f.has_cost) {
        e_num(e, "per_hour", f.per_hour);
        e_num(e, "per_month", f.per_month);
    } else {
        e_null(e, "per_hour");
        e_null(e, "per_month");
    }
    e_end(e);
    e_end(e);
}

static void
emit_tenants(struct emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_tenants *file = src->job->file;
    size_t i, t;

    e_arr(e, "tenants", false);
    for (t = 0; t < file->ntenants; t++) {
        const struct gpv_tenant *tn = &file->tenants[t];
        struct pl_tenant pt;

        if (!pl_tenant(&pt, src, ix, t))
            continue;
        e_obj(e, NULL);
        e_str(e, "name", tn->name);
        e_str(e, "method", gpv_method_name(pt.method));
        e_str(e, "gpu", pt.gpu->id);
        e_str(e, "profile", pt.profile);
        e_str(e, "mig_profile", pt.mig_profile);
        if (pt.o->kind == GPV_PACK_WHOLE)
            e_int(e, "whole_gpus", pt.o->gpus);
        else
            e_null(e, "whole_gpus");
        e_str(e, "license", pt.license);
        e_int(e, "replicas", tn->replicas);
        if (tn->memory_mib > 0)
            e_int(e, "memory_mib", tn->memory_mib);
        else
            e_null(e, "memory_mib");
        if (tn->compute > 0)
            e_num(e, "compute", tn->compute);
        else
            e_null(e, "compute");
        e_bool(e, "spread", tn->spread);
        e_bool(e, "spread_nodes", tn->spread_nodes);
        e_arr(e, "gpus", true);
        for (i = ix->gfirst[t]; i < ix->gfirst[t + 1]; i++)
            e_str(e, NULL, ix->ids[ix->tgpus[i]]);
        e_end(e);
        e_int(e, "upgraded", pt.upgraded);
        if (pt.upgraded) {
            struct gpv_buf note;

            gpv_buf_init(&note);
            pl_put_note(&note, &pt);
            e_str(e, "note", gpv_buf_str(&note));
            gpv_buf_release(&note);
        } else {
            e_null(e, "note");
        }
        e_str(e, "decided_by", pt.decided_by);
        if (src->explain)
            emit_trace(e, pt.choice);
        e_end(e);
    }
    e_end(e);
}

/* A GPU's "node" and "index": null for GPUs of entries without nodes. */
static void
emit_gpu_node(struct emit *e, const struct gpv_plan_src *src, size_t g)
{
    const struct gpv_site *s = &src->run->site;

    if (g < s->ngpus && s->node_of[g] >= 0) {
        e_str(e, "node", s->nodes[s->node_of[g]].name);
        e_int(e, "index", s->index_of[g]);
    } else {
        e_null(e, "node");
        e_null(e, "index");
    }
}

/* "nodes": each node of the fleet with its labels and, per GPU index, what the plan puts
 * there; then "node_warnings": constraints the node assignment could not keep. */
static void
emit_nodes(struct emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_site *s = &src->run->site;
    struct gpv_buf b;
    size_t i, k;

    e_arr(e, "nodes", false);
    for (i = 0; i < s->nnodes; i++) {
        const struct gpv_site_node *n = &s->nodes[i];
        const struct gpv_fleet_entry *fe = n->entry;

        e_obj(e, NULL);
        e_str(e, "name", n->name);
        e_str(e, "model", fe->gpu->id);
        e_int(e, "gpus", fe->gpus_per_node);
        e_str(e, "mig_strategy", gpv_mig_strategy_name(fe->mig_strategy));
        e_obj(e, "labels");
        for (k = 0; k < fe->nlabels; k++)
            e_str(e, fe->labels[k].key, fe->labels[k].value);
        e_end(e);
        e_arr(e, "layout", false);
        for (k = 0; k < (size_t)fe->gpus_per_node; k++) {
            size_t g = n->gpu[k];

            e_obj(e, NULL);
            e_int(e, "index", (long long)k);
            if (g == GPV_SITE_IDLE) {
                e_null(e, "gpu");
                e_null(e, "mode");
                e_str(e, "summary", "unused");
            } else {
                gpv_buf_init(&b);
                pl_gpu_summary(&b, src, g);
                e_str(e, "gpu", ix->ids[g]);
                e_str(e, "mode", gpv_pack_kind_name(src->run->result.gpus[g].kind));
                e_str(e, "summary", gpv_buf_str(&b));
                gpv_buf_release(&b);
            }
            e_end(e);
        }
        e_end(e);
        e_end(e);
    }
    e_end(e);
    e_arr(e, "node_warnings", false);
    for (i = 0; i < s->nissues; i++)
        e_str(e, NULL, s->issues[i]);
    e_end(e);
}

static void
emit_gpus(struct emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    const struct gpv_tenants *file = src->job->file;
    size_t g, i;

    e_arr(e, "gpus", false);
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &r->gpus[g];
        const struct gpv_pack_model *pm = &p->models[pg->model];
        const struct gpv_gpu *gpu = pm->gpu;

        e_obj(e, NULL);
        e_str(e, "id", ix->ids[g]);
        emit_gpu_node(e, src, g);
        e_str(e, "model", gpu->id);
        e_str(e, "mode", gpv_pack_kind_name(pg->kind));
        e_str(e, "vgpu_mode", pg->kind == GPV_PACK_VGPU ? (pm->mixed ? "mixed" : "equal") : NULL);
        e_str(e, "scheduler", pg->kind == GPV_PACK_VGPU ? gpv_sched_name(pg->sched) : NULL);
        e_arr(e, "instances", false);
        for (i = 0; i < pg->ninsts; i++) {
            const struct gpv_pack_inst *x = &r->insts[pg->first + i];
            const struct gpv_pack_option *o = &p->demands[x->demand].options[r->choice[x->demand]];

            e_obj(e, NULL);
            e_str(e, "tenant", file->tenants[x->demand].name);
            e_int(e, "replica", x->replica);
            e_int(e, "part", x->part);
            e_str(e, "profile", pl_inst_profile(gpu, pg->kind, x));
            e_str(e, "vgpu_type",
                  pg->kind == GPV_PACK_MIG_VGPU ? gpu->vgpu->types[x->vgpu_type].name : NULL);
            if (x->start >= 0)
                e_int(e, "start", x->start);
            else
                e_null(e, "start");
            if (pg->kind != GPV_PACK_WHOLE)
                e_int(e, "size", x->size);
            else
                e_null(e, "size");
            e_str(e, "upgraded_from", x->upgraded ? gpu->mig->profiles[o->profile].name : NULL);
            e_end(e);
        }
        e_end(e);
        e_end(e);
    }
    e_end(e);
}

static void
emit_reason(void *arg, const char *s)
{
    e_str(arg, NULL, s);
}

static void
emit_unplaced(struct emit *e, const struct gpv_plan_src *src)
{
    const struct gpv_pack_result *r = &src->run->result;
    size_t i;

    e_arr(e, "unplaced", false);
    for (i = 0; i < r->nunplaced; i++) {
        e_obj(e, NULL);
        e_str(e, "tenant", src->job->file->tenants[r->unplaced[i].demand].name);
        e_arr(e, "reasons", true);
        pl_reasons(src, i, emit_reason, e);
        e_end(e);
        e_end(e);
    }
    e_end(e);
}

static void
emit_plan(struct emit *e, const struct gpv_plan_src *src)
{
    const struct gpv_plan_job *job = src->job;
    struct pl_index ix;
    size_t i;

    pl_index_build(&ix, src);
    e_obj(e, NULL);
    e_str(e, "schema", GPV_PLAN_SCHEMA);
    e_obj(e, "input");
    e_str(e, "tenants_file", src->tenants_file);
    e_str(e, "rules", src->rules);
    e_bool(e, "fleet", job->file->nfleet > 0);
    e_arr(e, "gpus", true);
    for (i = 0; i < job->nonly; i++)
        e_str(e, NULL, job->only[i]->id);
    e_end(e);
    e_str(e, "strategy", gpv_pack_strategy_name(job->strategy));
    e_bool(e, "upgrades", !job->no_upgrades);
    e_end(e);
    emit_summary(e, src, &ix);
    emit_tenants(e, src, &ix);
    emit_gpus(e, src, &ix);
    emit_nodes(e, src, &ix);
    emit_unplaced(e, src);
    e_end(e);
    pl_index_release(&ix);
}

struct gpv_val *
gpv_plan_build(const struct gpv_plan_src *src)
{
    struct emit e;

    memset(&e, 0, sizeof(e));
    e.kind = EMIT_TREE;
    emit_plan(&e, src);
    return e.root;
}

void
gpv_plan_write_json(const struct gpv_plan_src *src, struct gpv_buf *out)
{
    struct emit e;

    memset(&e, 0, sizeof(e));
    e.kind = EMIT_JSON;
    e.out = out;
    emit_plan(&e, src);
}

void
gpv_plan_write_yaml(const struct gpv_plan_src *src, struct gpv_buf *out)
{
    struct emit e;

    memset(&e, 0, sizeof(e));
    e.kind = EMIT_YAML;
    e.out = out;
    emit_plan(&e, src);
}

/* ---- checking ---------------------------------------------------------------------------- */

void
gpv_plan_policy_init(struct gpv_plan_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->max_gpus = -1;
    p->max_cost = -1.0;
    p->min_utilization = -1.0;
    p->max_gap = -1;
    p->max_per_gpu = -1;
}

void
gpv_plan_findings_release(struct gpv_plan_findings *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++) {
        free(f->v[i].where);
        free(f->v[i].what);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

struct chk {
    struct gpv_plan_findings *out;
    size_t cap;
    const struct gpv_db *db;
    const char *name;
    struct gpv_error *err;
};

static void fail(struct chk *c, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* pl_nodes_check()'s findings. */
static void
node_finding(void *arg, const char *where, const char *what)
{
    fail(arg, where, "%s", what);
}

static void
fail(struct chk *c, const char *where, const char *fmt, ...)
{
    struct gpv_buf b;
    va_list ap;
    char tmp[1024];

    if (c->out->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->out->v = xreallocarray(c->out->v, c->cap, sizeof(*c->out->v));
    }
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    gpv_buf_init(&b);
    gpv_buf_puts(&b, tmp);
    c->out->v[c->out->n].where = xstrdup(where);
    c->out->v[c->out->n].what = gpv_buf_detach(&b);
    c->out->n++;
}

/* ---- shape: is it a plan at all? ---- */

enum want {
    W_STR = 1,
    W_INT = 2,
    W_NUM = 4, /* an integer is a number too */
    W_BOOL = 8,
    W_ARR = 16,
    W_OBJ = 32,
    W_NULL = 64,
};

static const char *
want_name(unsigned w)
{
    static const struct {
        unsigned w;
        const char *name;
    } names[] = {
        {W_STR, "a string"},       {W_STR | W_NULL, "a string or null"},
        {W_INT, "an integer"},     {W_INT | W_NULL, "an integer or null"},
        {W_NUM, "a number"},       {W_NUM | W_NULL, "a number or null"},
        {W_BOOL, "true or false"}, {W_ARR, "an array"},
        {W_OBJ, "an object"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].w == w)
            return names[i].name;
    return "a value of another type";
}

static bool
is(const struct gpv_val *v, unsigned w)
{
    if (!v)
        return false;
    switch (v->type) {
    case GPV_V_STR:
        return w & W_STR;
    case GPV_V_INT:
        return w & (W_INT | W_NUM);
    case GPV_V_NUM:
        return w & W_NUM;
    case GPV_V_BOOL:
        return w & W_BOOL;
    case GPV_V_ARR:
        return w & W_ARR;
    case GPV_V_OBJ:
        return w & W_OBJ;
    case GPV_V_NULL:
        return w & W_NULL;
    }
    return false;
}

/* A member of the right type, or an error naming its path. */
static const struct gpv_val *
need(struct chk *c, const struct gpv_val *o, const char *path, const char *key, unsigned w,
     bool *bad)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    if (*bad)
        return NULL;
    if (!v) {
        if (*path)
            gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0, "not a plan: %s has no '%s'", path,
                          key);
        else
            gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0, "not a plan: '%s' is missing", key);
        *bad = true;
        return NULL;
    }
    if (!is(v, w)) {
        gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0, "not a plan: %s%s%s must be %s", path,
                      *path ? "." : "", key, want_name(w));
        *bad = true;
        return NULL;
    }
    return v;
}

static double
num(const struct gpv_val *v)
{
    return v->type == GPV_V_INT ? (double)v->i : v->d;
}

static int
shape(struct chk *c, const struct gpv_val *root)
{
    const struct gpv_val *v, *arr, *sum;
    char path[128];
    bool bad = false;
    size_t i, j;

    if (!is(root, W_OBJ))
        return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                             "not a plan: the top level is not an object with 'schema'");
    v = gpv_val_get(root, "schema");
    if (!v || v->type != GPV_V_STR)
        return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                             "not a plan: no 'schema' (expected '%s')", GPV_PLAN_SCHEMA);
    if (strcmp(v->s, GPV_PLAN_SCHEMA))
        return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                             "not a plan: schema is '%s', expected '%s'", v->s, GPV_PLAN_SCHEMA);
    sum = need(c, root, "", "summary", W_OBJ, &bad);
    need(c, sum, "summary", "gpus_used", W_INT, &bad);
    need(c, sum, "summary", "lower_bound", W_INT, &bad);
    need(c, sum, "summary", "optimal", W_BOOL, &bad);
    need(c, sum, "summary", "tenants", W_INT, &bad);
    need(c, sum, "summary", "placed", W_INT, &bad);
    need(c, sum, "summary", "unplaced", W_INT, &bad);
    v = need(c, sum, "summary", "cost", W_OBJ, &bad);
    need(c, v, "summary.cost", "per_hour", W_NUM | W_NULL, &bad);
    arr = need(c, root, "", "tenants", W_ARR, &bad);
    for (i = 0; !bad && i < arr->n; i++) {
        const struct gpv_val *t = arr->items[i];

        snprintf(path, sizeof(path), "tenants[%zu]", i);
        if (!is(t, W_OBJ)) {
            return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                 "not a plan: %s must be an object", path);
        }
        need(c, t, path, "name", W_STR, &bad);
        need(c, t, path, "method", W_STR, &bad);
        need(c, t, path, "gpu", W_STR, &bad);
        need(c, t, path, "profile", W_STR | W_NULL, &bad);
        need(c, t, path, "mig_profile", W_STR | W_NULL, &bad);
        need(c, t, path, "whole_gpus", W_INT | W_NULL, &bad);
        need(c, t, path, "replicas", W_INT, &bad);
        need(c, t, path, "compute", W_NUM | W_NULL, &bad);
        need(c, t, path, "spread", W_BOOL, &bad);
        v = need(c, t, path, "gpus", W_ARR, &bad);
        for (j = 0; !bad && j < v->n; j++)
            if (!is(v->items[j], W_STR))
                return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                     "not a plan: %s.gpus[%zu] must be a string", path, j);
    }
    arr = need(c, root, "", "gpus", W_ARR, &bad);
    for (i = 0; !bad && i < arr->n; i++) {
        const struct gpv_val *g = arr->items[i], *ins;

        snprintf(path, sizeof(path), "gpus[%zu]", i);
        if (!is(g, W_OBJ))
            return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                 "not a plan: %s must be an object", path);
        need(c, g, path, "id", W_STR, &bad);
        need(c, g, path, "model", W_STR, &bad);
        need(c, g, path, "mode", W_STR, &bad);
        need(c, g, path, "vgpu_mode", W_STR | W_NULL, &bad);
        need(c, g, path, "scheduler", W_STR | W_NULL, &bad);
        ins = need(c, g, path, "instances", W_ARR, &bad);
        for (j = 0; !bad && j < ins->n; j++) {
            const struct gpv_val *x = ins->items[j];

            snprintf(path, sizeof(path), "gpus[%zu].instances[%zu]", i, j);
            if (!is(x, W_OBJ))
                return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                     "not a plan: %s must be an object", path);
            need(c, x, path, "tenant", W_STR, &bad);
            need(c, x, path, "replica", W_INT, &bad);
            need(c, x, path, "part", W_INT, &bad);
            need(c, x, path, "profile", W_STR | W_NULL, &bad);
            need(c, x, path, "vgpu_type", W_STR | W_NULL, &bad);
            need(c, x, path, "start", W_INT | W_NULL, &bad);
            need(c, x, path, "size", W_INT | W_NULL, &bad);
            need(c, x, path, "upgraded_from", W_STR | W_NULL, &bad);
        }
    }
    arr = need(c, root, "", "unplaced", W_ARR, &bad);
    for (i = 0; !bad && i < arr->n; i++) {
        const struct gpv_val *u = arr->items[i];

        snprintf(path, sizeof(path), "unplaced[%zu]", i);
        if (!is(u, W_OBJ))
            return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                 "not a plan: %s must be an object", path);
        need(c, u, path, "tenant", W_STR, &bad);
        need(c, u, path, "reasons", W_ARR, &bad);
    }
    return bad ? GPV_EINPUT : 0;
}

/* ---- semantics ---- */

static const char *
sget(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    return v && v->type == GPV_V_STR ? v->s : NULL;
}

static long long
iget(const struct gpv_val *o, const char *k, long long dflt)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    return v && v->type == GPV_V_INT ? v->i : dflt;
}

/* Tenant names sorted for lookups. */
struct tname {
    const char *name;
    size_t idx;
};

static int
tname_cmp(const void *pa, const void *pb)
{
    const struct tname *a = pa, *b = pb;
    int r = strcmp(a->name, b->name);

    if (r)
        return r;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

static long
tname_find(const struct tname *v, size_t n, const char *name)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(v[mid].name, name);

        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && !strcmp(v[lo].name, name) ? (long)v[lo].idx : -1;
}

/* An instance as check sees it. */
struct cinst {
    long tenant; /* index into tenants[], -1 unknown */
    long long replica, part;
    size_t gpu;
    size_t idx; /* within the GPU */
};

static int
cinst_cmp(const void *pa, const void *pb)
{
    const struct cinst *a = pa, *b = pb;

    if (a->tenant != b->tenant)
        return a->tenant < b->tenant ? -1 : 1;
    if (a->replica != b->replica)
        return a->replica < b->replica ? -1 : 1;
    if (a->part != b->part)
        return a->part < b->part ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

static int
cinst_gpu_cmp(const void *pa, const void *pb)
{
    const struct cinst *a = pa, *b = pb;

    if (a->tenant != b->tenant)
        return a->tenant < b->tenant ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

static const char *
method_mode(const char *method)
{
    enum gpv_method m;

    if (!gpv_method_parse(&m, method))
        return NULL;
    return method; /* method names and GPU mode names coincide */
}

/* Says why a MIG layout fails, in words, one finding per reason. */
static void
mig_reasons(struct chk *c, const char *where, const struct gpv_gpu *gpu,
            const struct gpv_mig_layout *l)
{
    struct gpv_mig_reason rs[16];
    int n = gpv_mig_check_layout(rs, 16, gpu, l, 0), i;

    for (i = 0; i < n && i < 16; i++) {
        const struct gpv_mig_reason *r = &rs[i];
        const char *pn = r->profile >= 0 && (size_t)r->profile < gpu->mig->nprofiles
                             ? gpu->mig->profiles[r->profile].name
                             : "?";

        switch (r->kind) {
        case GPV_MIG_R_OUT_OF_GRID:
            fail(c, where, "instance %d (%s at %d) runs outside the %d-unit grid", r->instance, pn,
                 l->inst[r->instance].start, gpu->mig->units);
            break;
        case GPV_MIG_R_BAD_START: {
            const struct gpv_mig_profile *p = &gpu->mig->profiles[r->profile];
            struct gpv_buf b;
            int s;

            gpv_buf_init(&b);
            for (s = 0; s < p->nstarts; s++)
                gpv_buf_printf(&b, "%s%d", s ? ", " : "", p->starts[s]);
            fail(c, where, "instance %d: %s may not start at %d (allowed: %s)", r->instance, pn,
                 l->inst[r->instance].start, gpv_buf_str(&b));
            gpv_buf_release(&b);
            break;
        }
        case GPV_MIG_R_OVERLAP: {
            const struct gpv_mig_profile *a = &gpu->mig->profiles[l->inst[r->other].profile];

            fail(c, where, "instances %d (%s at %d) and %d (%s at %d) overlap", r->other, a->name,
                 l->inst[r->other].start, r->instance, pn, l->inst[r->instance].start);
            break;
        }
        case GPV_MIG_R_OVER_MAX:
            if (r->profile < 0)
                fail(c, where, "%d instances, more than a GPU can hold", r->count);
            else
                fail(c, where, "%d x %s, more than its max of %d per GPU", r->count, pn, r->limit);
            break;
        case GPV_MIG_R_TOO_NEW:
            fail(c, where, "%s needs driver R%d or newer", pn, r->limit);
            break;
        case GPV_MIG_R_CONSTRAINT:
            fail(c, where, "%s", gpu->mig->constraints[r->constraint].reason);
            break;
        case GPV_MIG_R_UNKNOWN:
            fail(c, where, "instance %d names no MIG profile of %s", r->instance, gpu->id);
            break;
        case GPV_MIG_R_NO_PLACEMENT:
            fail(c, where, "%s does not fit beside the other instances", pn);
            break;
        }
    }
}

struct tinfo {
    const struct gpv_val *v;
    const char *name;
    const struct gpv_gpu *gpu; /* the tenant's model, NULL when unknown */
    double compute;
};

/* Checks one MIG or MIG-backed vGPU GPU. */
static void
check_mig_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu,
              const struct gpv_val *ins, bool vgpu)
{
    struct gpv_mig_layout l;
    size_t j;
    bool known = true;

    memset(&l, 0, sizeof(l));
    if (!gpu->mig) {
        fail(c, where, "%s has no MIG", gpu->id);
        return;
    }
    if (ins->n > GPV_MIG_MAX_INSTANCES) {
        fail(c, where, "%zu instances, more than a GPU can hold", ins->n);
        return;
    }
    for (j = 0; j < ins->n; j++) {
        const struct gpv_val *x = ins->items[j];
        const char *pn = sget(x, "profile"), *vt = sget(x, "vgpu_type");
        long long start = iget(x, "start", -1), size = iget(x, "size", -1);
        int p = pn ? gpv_gpu_find_profile(gpu, pn) : -1;

        c->out->checks++;
        if (p < 0) {
            fail(c, where, "instance %zu: '%s' is not a MIG profile of %s", j, pn ? pn : "null",
                 gpu->id);
            known = false;
            continue;
        }
        if (start < 0) {
            fail(c, where, "instance %zu (%s) has no start", j, pn);
            known = false;
            continue;
        }
        if (size != gpu->mig->profiles[p].size)
            fail(c, where, "instance %zu: size %lld, but %s takes %d units", j, size, pn,
                 gpu->mig->profiles[p].size);
        if (vgpu) {
            int t = vt && gpu->vgpu ? gpv_gpu_find_vgpu_type(gpu, vt) : -1;

            if (t < 0)
                fail(c, where, "instance %zu: '%s' is not a vGPU type of %s", j, vt ? vt : "null",
                     gpu->id);
            else if (gpu->vgpu->types[t].mig_profile != p)
                fail(c, where, "instance %zu: %s does not ride on MIG %s", j, vt, pn);
        }
        l.inst[l.n].profile = p;
        l.inst[l.n].start = start > 1000 ? 1000 : (int)start;
        l.n++;
    }
    if (known || l.n)
        mig_reasons(c, where, gpu, &l);
}

/* Checks one time-sliced vGPU GPU; tenants give each resident's compute. */
static void
check_vgpu_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu, const struct gpv_val *g,
               const struct tinfo *ti, const struct tname *names, size_t nt)
{
    const struct gpv_val *ins = gpv_val_get(g, "instances");
    const char *vm = sget(g, "vgpu_mode"), *sn = sget(g, "scheduler");
    struct gpv_vgpu_resident *res;
    struct gpv_vgpu_verdict vd;
    enum gpv_sched sched;
    bool mixed, ok = true;
    size_t j, n = 0;

    if (!gpu->vgpu) {
        fail(c, where, "%s has no vGPU support", gpu->id);
        return;
    }
    if (!vm || (strcmp(vm, "equal") && strcmp(vm, "mixed"))) {
        fail(c, where, "vgpu_mode is '%s', not 'equal' or 'mixed'", vm ? vm : "null");
        return;
    }
    mixed = !strcmp(vm, "mixed");
    res = xcalloc(ins->n + 1, sizeof(*res));
    for (j = 0; j < ins->n; j++) {
        const struct gpv_val *x = ins->items[j];
        const char *pn = sget(x, "profile"), *tn = sget(x, "tenant");
        long long size = iget(x, "size", -1), start = iget(x, "start", -1);
        int t = pn ? gpv_gpu_find_vgpu_type(gpu, pn) : -1;
        long ti_idx = tn ? tname_find(names, nt, tn) : -1;

        c->out->checks++;
        if (t < 0) {
            fail(c, where, "instance %zu: '%s' is not a vGPU type of %s", j, pn ? pn : "null",
                 gpu->id);
            ok = false;
            continue;
        }
        if (size != gpu->vgpu->types[t].size_gb)
            fail(c, where, "instance %zu: size %lld, but %s has %d GB", j, size, pn,
                 gpu->vgpu->types[t].size_gb);
        if (mixed && start < 0) {
            fail(c, where, "instance %zu (%s) has no placement id in mixed-size mode", j, pn);
            ok = false;
            continue;
        }
        res[n].type = t;
        res[n].compute = ti_idx >= 0 ? ti[ti_idx].compute : 0.0;
        res[n].placement = mixed ? (start > 100000 ? 100000 : (int)start) : -1;
        n++;
    }
    if (ok) {
        if (mixed ? !gpv_vgpu_check_mixed(&vd, gpu, res, n)
                  : !gpv_vgpu_check_equal(&vd, gpu, res, n)) {
            fail(c, where, "%s", vd.reason);
            ok = false;
        }
    }
    if (!sn || !gpv_sched_parse(&sched, sn)) {
        fail(c, where, "scheduler is '%s', not best-effort, equal-share or fixed-share",
             sn ? sn : "null");
    } else if (ok) {
        if (mixed && sched == GPV_SCHED_FIXED_SHARE) {
            fail(c, where, "fixed share is not available in mixed-size mode");
        } else {
            for (j = 0; j < n; j++) {
                double share = gpv_vgpu_share(sched, &gpu->vgpu->types[res[j].type], (int)n);

                if (res[j].compute > 0 && share + GPV_VGPU_SHARE_EPS < res[j].compute) {
                    fail(c, where,
                         "%s guarantees %.3g of the GPU to %s, which needs %.3g (%s would do)", sn,
                         share, gpu->vgpu->types[res[j].type].name, res[j].compute,
                         gpv_sched_name(vd.sched));
                    break;
                }
            }
        }
    }
    free(res);
}

/* Sorted, de-duplicated copy of an array of strings. */
static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t
sorted_unique(const char **v, size_t n)
{
    size_t i, k = 0;

    qsort(v, n, sizeof(*v), str_cmp);
    for (i = 0; i < n; i++)
        if (!k || strcmp(v[k - 1], v[i]))
            v[k++] = v[i];
    return k;
}

static bool
same_strs(const char **a, const char **b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(a[i], b[i]))
            return false;
    return true;
}

/* "a, b, c" (at most 8 names, then "..."); the caller frees it. */
static char *
join_strs(const char **v, size_t n)
{
    struct gpv_buf b;
    size_t i;

    gpv_buf_init(&b);
    for (i = 0; i < n && i < 8; i++)
        gpv_buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
    if (n > 8)
        gpv_buf_puts(&b, ", ...");
    return gpv_buf_detach(&b);
}

int
gpv_plan_check(struct gpv_plan_findings *out, const struct gpv_val *plan, const struct gpv_db *db,
               const struct gpv_plan_policy *pol, const char *name, struct gpv_error *err)
{
    const struct gpv_val *tenants, *gpus, *unplaced, *sum;
    struct chk c;
    struct tname *names = NULL, *gnames = NULL, *unames = NULL;
    struct tinfo *ti = NULL;
    struct cinst *ci = NULL;
    bool *repeated = NULL;
    size_t nt, ng, nci = 0, capci = 0, i, j;
    long long mem_total = 0, mem_alloc = 0;
    char where[512];
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.out = out;
    c.db = db;
    c.name = name;
    c.err = err;
    if ((rc = shape(&c, plan))) {
        gpv_plan_findings_release(out);
        return rc;
    }
    sum = gpv_val_get(plan, "summary");
    tenants = gpv_val_get(plan, "tenants");
    gpus = gpv_val_get(plan, "gpus");
    unplaced = gpv_val_get(plan, "unplaced");
    nt = tenants->n;
    ng = gpus->n;
    out->gpus = (int)ng;
    out->tenants = (int)(nt + unplaced->n);

    /* Tenants: known names, once each, a method, a model. */
    names = xcalloc(nt + 1, sizeof(*names));
    ti = xcalloc(nt + 1, sizeof(*ti));
    for (i = 0; i < nt; i++) {
        const struct gpv_val *t = tenants->items[i], *cv = gpv_val_get(t, "compute");

        names[i].name = sget(t, "name");
        names[i].idx = i;
        ti[i].v = t;
        ti[i].name = names[i].name;
        ti[i].compute = cv && cv->type != GPV_V_NULL ? num(cv) : 0.0;
        ti[i].gpu = gpv_db_find(db, sget(t, "gpu"));
    }
    qsort(names, nt, sizeof(*names), tname_cmp);
    for (i = 0; i + 1 < nt; i++) {
        if (!strcmp(names[i].name, names[i + 1].name) &&
            (i == 0 || strcmp(names[i - 1].name, names[i].name))) {
            snprintf(where, sizeof(where), "tenant '%s'", names[i].name);
            fail(&c, where, "is listed more than once in tenants");
        }
    }
    for (i = 0; i < nt; i++) {
        const struct gpv_val *t = tenants->items[i];
        const char *m = sget(t, "method");

        out->checks++;
        snprintf(where, sizeof(where), "tenant '%s'", ti[i].name);
        if (!method_mode(m))
            fail(&c, where, "method '%s' is not passthrough, vgpu, mig or mig-vgpu", m);
        if (!ti[i].gpu)
            fail(&c, where, "GPU model '%s' is not in the database", sget(t, "gpu"));
        if (iget(t, "replicas", 0) < 1)
            fail(&c, where, "%lld replicas", iget(t, "replicas", 0));
        if (ti[i].compute < 0 || ti[i].compute > 1.0 + GPV_VGPU_SHARE_EPS)
            fail(&c, where, "compute %g is not a share of one GPU", ti[i].compute);
    }
    /* Unplaced names sorted (by name, then position): every entry after the first of a run of
     * equal names repeats an earlier one. Sorting keeps large plans fast. */
    unames = xcalloc(unplaced->n + 1, sizeof(*unames));
    repeated = xcalloc(unplaced->n + 1, sizeof(bool));
    for (i = 0; i < unplaced->n; i++) {
        unames[i].name = sget(unplaced->items[i], "tenant");
        unames[i].idx = i;
    }
    qsort(unames, unplaced->n, sizeof(*unames), tname_cmp);
    for (i = 1; i < unplaced->n; i++)
        if (!strcmp(unames[i - 1].name, unames[i].name))
            repeated[unames[i].idx] = true;
    for (i = 0; i < unplaced->n; i++) {
        const char *un = sget(unplaced->items[i], "tenant");

        out->checks++;
        snprintf(where, sizeof(where), "tenant '%s'", un);
        if (tname_find(names, nt, un) >= 0)
            fail(&c, where, "is both placed and unplaced");
        if (repeated[i])
            fail(&c, where, "is listed more than once in unplaced");
        if (!pol->allow_unplaced) {
            const struct gpv_val *rs = gpv_val_get(unplaced->items[i], "reasons");

            if (rs->n && rs->items[0]->type == GPV_V_STR)
                fail(&c, where, "is unplaced: %s%s (--allow-unplaced accepts that)",
                     rs->items[0]->s, rs->n > 1 ? " (and more)" : "");
            else
                fail(&c, where, "is unplaced (--allow-unplaced accepts that)");
        }
    }

    /* GPUs: unique ids, known models, valid layouts; collect the instances. */
    gnames = xcalloc(ng + 1, sizeof(*gnames));
    for (i = 0; i < ng; i++) {
        gnames[i].name = sget(gpus->items[i], "id");
        gnames[i].idx = i;
    }
    qsort(gnames, ng, sizeof(*gnames), tname_cmp);
    for (i = 0; i + 1 < ng; i++)
        if (!strcmp(gnames[i].name, gnames[i + 1].name) &&
            (i == 0 || strcmp(gnames[i - 1].name, gnames[i].name))) {
            snprintf(where, sizeof(where), "gpu '%s'", gnames[i].name);
            fail(&c, where, "the id is used by more than one GPU");
        }
    for (i = 0; i < ng; i++) {
        const struct gpv_val *g = gpus->items[i], *ins = gpv_val_get(g, "instances");
        const char *id = sget(g, "id"), *model = sget(g, "model"), *mode = sget(g, "mode");
        const struct gpv_gpu *gpu = gpv_db_find(db, model);

        out->checks++;
        snprintf(where, sizeof(where), "gpu '%s'", id);
        if (!gpu) {
            fail(&c, where, "GPU model '%s' is not in the database", model);
        } else {
            mem_total += gpu->memory_mib;
            if (!strcmp(mode, "mig") || !strcmp(mode, "mig-vgpu")) {
                check_mig_gpu(&c, where, gpu, ins, !strcmp(mode, "mig-vgpu"));
            } else if (!strcmp(mode, "vgpu")) {
                check_vgpu_gpu(&c, where, gpu, g, ti, names, nt);
            } else if (!strcmp(mode, "passthrough")) {
                if (ins->n != 1)
                    fail(&c, where, "a passthrough GPU serves exactly one tenant, not %zu", ins->n);
            } else {
                fail(&c, where, "mode '%s' is not mig, mig-vgpu, vgpu or passthrough", mode);
            }
            if (pol->nmodels) {
                for (j = 0; j < pol->nmodels; j++)
                    if (gpv_db_find(db, pol->models[j]) == gpu)
                        break;
                if (j == pol->nmodels)
                    fail(&c, where, "model %s is not among the allowed --gpu-model", gpu->id);
            }
        }
        if (pol->max_per_gpu >= 0 && (long long)ins->n > pol->max_per_gpu)
            fail(&c, where, "%zu instances, more than --max-per-gpu %lld", ins->n,
                 pol->max_per_gpu);
        for (j = 0; j < ins->n; j++) {
            const struct gpv_val *x = ins->items[j];
            const char *tn = sget(x, "tenant");
            long t = tname_find(names, nt, tn);

            if (gpu) {
                const char *pn = sget(x, "profile");
                int p;

                if (!strcmp(mode, "passthrough"))
                    mem_alloc += gpu->memory_mib;
                else if (!strcmp(mode, "vgpu") && pn && gpu->vgpu &&
                         (p = gpv_gpu_find_vgpu_type(gpu, pn)) >= 0)
                    mem_alloc += gpu->vgpu->types[p].framebuffer_mib;
                else if (pn && gpu->mig && (p = gpv_gpu_find_profile(gpu, pn)) >= 0)
                    mem_alloc += gpu->mig->profiles[p].memory_mib;
            }
            if (t < 0) {
                fail(&c, where, "instance %zu belongs to '%s', who is not in tenants", j, tn);
                continue;
            }
            if (nci == capci) {
                capci = capci ? 2 * capci : 256;
                ci = xreallocarray(ci, capci, sizeof(*ci));
            }
            ci[nci].tenant = t;
            ci[nci].replica = iget(x, "replica", -1);
            ci[nci].part = iget(x, "part", 0);
            ci[nci].gpu = i;
            ci[nci].idx = j;
            nci++;
        }
    }

    /* Each tenant: every replica once, on its model and method, profile as decided. */
    qsort(ci, nci, sizeof(*ci), cinst_cmp);
    {
        size_t a = 0, b;
        long t;

        for (t = 0; t < (long)nt; t++) {
            const struct gpv_val *tv = ti[t].v, *listed = gpv_val_get(tv, "gpus");
            const char *method = sget(tv, "method"), *prof = sget(tv, "profile");
            const char *migp = sget(tv, "mig_profile");
            long long reps = iget(tv, "replicas", 0), parts = 1, got = 0;
            bool spread = gpv_val_get(tv, "spread")->b, dup = false, bad_idx = false;
            const char **have = NULL, **want = NULL;
            size_t nh = 0, nw, k;

            snprintf(where, sizeof(where), "tenant '%s'", ti[t].name);
            if (!strcmp(method, "passthrough"))
                parts = iget(tv, "whole_gpus", 1);
            while (a < nci && ci[a].tenant < t)
                a++;
            for (b = a; b < nci && ci[b].tenant == t; b++)
                ;
            have = xcalloc(b - a + 1, sizeof(char *));
            for (k = a; k < b; k++) {
                const struct gpv_val *g = gpus->items[ci[k].gpu];
                const struct gpv_val *x = gpv_val_get(g, "instances")->items[ci[k].idx];
                const char *xp = sget(x, "profile"), *up = sget(x, "upgraded_from");
                const char *mode = sget(g, "mode");

                got++;
                if (k > a && ci[k].replica == ci[k - 1].replica && ci[k].part == ci[k - 1].part)
                    dup = true;
                if (ci[k].replica < 0 || ci[k].replica >= reps || ci[k].part < 0 ||
                    ci[k].part >= parts)
                    bad_idx = true;
                have[nh++] = sget(g, "id");
                if (strcmp(mode, method))
                    fail(&c, where, "its method is %s but gpu '%s' is in %s mode", method,
                         sget(g, "id"), mode);
                if (ti[t].gpu && gpv_db_find(db, sget(g, "model")) != ti[t].gpu)
                    fail(&c, where, "decided for %s but placed on gpu '%s', a %s", ti[t].gpu->id,
                         sget(g, "id"), sget(g, "model"));
                else if (ti[t].gpu && (!strcmp(method, "mig") || !strcmp(method, "vgpu"))) {
                    if (!xp || !prof) {
                        fail(&c, where, "an instance on gpu '%s' has no profile", sget(g, "id"));
                    } else if (strcmp(xp, prof)) {
                        int big = gpv_gpu_find_profile(ti[t].gpu, xp);
                        int small = gpv_gpu_find_profile(ti[t].gpu, prof);

                        if (!strcmp(method, "vgpu") || !up || strcmp(up, prof) ||
                            !gpv_pack_mig_serves(ti[t].gpu, big, small))
                            fail(&c, where, "has %s on gpu '%s' but was decided %s", xp,
                                 sget(g, "id"), prof);
                    }
                } else if (ti[t].gpu && !strcmp(method, "mig-vgpu")) {
                    const char *xv = sget(x, "vgpu_type");

                    if (!xv || !prof || strcmp(xv, prof) || !xp || !migp || strcmp(xp, migp))
                        fail(&c, where, "has %s on %s on gpu '%s' but was decided %s on %s",
                             xv ? xv : "null", xp ? xp : "null", sget(g, "id"),
                             prof ? prof : "null", migp ? migp : "null");
                }
            }
            out->checks++;
            if (got != reps * parts)
                fail(&c, where, "has %lld instance%s on GPUs but asks for %lld", got,
                     got == 1 ? "" : "s", reps * parts);
            if (dup)
                fail(&c, where, "a replica is placed more than once");
            if (bad_idx)
                fail(&c, where, "an instance names a replica it does not have");
            if (spread && b > a) {
                struct cinst *tmp = xcalloc(b - a, sizeof(*tmp));

                memcpy(tmp, ci + a, (b - a) * sizeof(*tmp));
                qsort(tmp, b - a, sizeof(*tmp), cinst_gpu_cmp);
                for (k = 1; k < b - a; k++) {
                    if (tmp[k].gpu == tmp[k - 1].gpu) {
                        fail(&c, where, "spread, but two replicas share gpu '%s'",
                             sget(gpus->items[tmp[k].gpu], "id"));
                        break;
                    }
                }
                free(tmp);
            }
            /* The GPUs it lists are the GPUs its instances are on. */
            nh = sorted_unique(have, nh);
            want = xcalloc(listed->n + 1, sizeof(char *));
            for (k = 0; k < listed->n; k++)
                want[k] = listed->items[k]->s;
            nw = sorted_unique(want, listed->n);
            if (nw != nh || !same_strs(want, have, nh)) {
                char *lw = join_strs(want, nw), *lh = join_strs(have, nh);

                fail(&c, where, "lists gpus [%s] but its instances are on [%s]", lw, lh);
                free(lw);
                free(lh);
            }
            if (pol->methods) {
                enum gpv_method mm;

                if (gpv_method_parse(&mm, method) && !(pol->methods & (1u << mm)))
                    fail(&c, where, "uses %s, which --method does not allow", method);
            }
            free(have);
            free(want);
        }
    }

    out->checks += pl_nodes_check(plan, db, node_finding, &c);

    /* The summary agrees with the plan. */
    {
        long long used = iget(sum, "gpus_used", -1), lb = iget(sum, "lower_bound", -1);
        long long ntot = iget(sum, "tenants", -1), npl = iget(sum, "placed", -1);
        long long nun = iget(sum, "unplaced", -1);

        out->checks++;
        if (used != (long long)ng)
            fail(&c, "summary", "gpus_used is %lld but the plan has %zu GPUs", used, ng);
        if (lb > (long long)ng)
            fail(&c, "summary", "lower_bound %lld is above the %zu GPUs used", lb, ng);
        if (npl != (long long)nt)
            fail(&c, "summary", "placed is %lld but tenants lists %zu", npl, nt);
        if (nun != (long long)unplaced->n)
            fail(&c, "summary", "unplaced is %lld but unplaced lists %zu", nun, unplaced->n);
        if (ntot != (long long)(nt + unplaced->n))
            fail(&c, "summary", "tenants is %lld but the plan accounts for %zu", ntot,
                 nt + unplaced->n);
        /* Policies. */
        if (pol->max_gpus >= 0) {
            out->checks++;
            if ((long long)ng > pol->max_gpus)
                fail(&c, "policy", "the plan uses %zu GPUs, more than --max-gpus %lld", ng,
                     pol->max_gpus);
        }
        if (pol->max_gap >= 0) {
            out->checks++;
            if ((long long)ng - lb > pol->max_gap)
                fail(&c, "policy",
                     "%lld GPUs above the lower bound of %lld, more than --max-gap %lld",
                     (long long)ng - lb, lb, pol->max_gap);
        }
        if (pol->require_optimal) {
            out->checks++;
            if (!gpv_val_get(sum, "optimal")->b)
                fail(&c, "policy", "the plan is not proven optimal (%zu GPUs, lower bound %lld)",
                     ng, lb);
        }
        if (pol->max_cost >= 0) {
            const struct gpv_val *ph = gpv_val_get(gpv_val_get(sum, "cost"), "per_hour");

            out->checks++;
            if (ph->type == GPV_V_NULL)
                fail(&c, "policy",
                     "the cost is unknown (the fleet gives no cost_per_hour), so "
                     "--max-cost cannot hold");
            else if (num(ph) > pol->max_cost + 1e-9)
                fail(&c, "policy", "the plan costs %.2f per hour, more than --max-cost %.2f",
                     num(ph), pol->max_cost);
        }
        if (pol->min_utilization >= 0) {
            double u = mem_total ? (double)mem_alloc / mem_total : 0.0;

            out->checks++;
            if (u + 1e-9 < pol->min_utilization)
                fail(&c, "policy", "memory utilisation is %.1f%%, below --min-utilization %.1f%%",
                     u * 100.0, pol->min_utilization * 100.0);
        }
    }
    free(names);
    free(gnames);
    free(ti);
    free(ci);
    free(unames);
    free(repeated);
    return 0;
}
