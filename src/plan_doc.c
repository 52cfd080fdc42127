/*
 * The plan document: what every format says (plan_int.h), and the document written through
 * the emitter as a value tree, JSON or YAML (the table is plan_text.c).
 */
#include "gpuvplan/plan.h"

#include "plan_int.h"

#include "gpuvplan/emit.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what every format says (plan_int.h) ------------------------------------------------- */

/* The decimal digits of k. */
static size_t
digits(unsigned k)
{
    size_t n = 1;

    while (k >= 10) {
        k /= 10;
        n++;
    }
    return n;
}

/*
 * "h100-80gb-3": models numbered per GPU id across entries, in plan order, all in one block
 * (*buf; the ids point into it): one allocation, not one per GPU.
 */
static char **
gpu_ids(char **buf, const struct gpv_pack_problem *p, const struct gpv_pack_result *r)
{
    char **ids = xcalloc(r->ngpus + 1, sizeof(char *));
    int *next = xcalloc(p->nmodels + 1, sizeof(int));
    size_t *first = xcalloc(p->nmodels + 1, sizeof(size_t)); /* the entry its counter is in */
    size_t g, m, total = 1;
    char *q;

    for (m = 0; m < p->nmodels; m++) {
        /* The counter lives with the first entry of the same model. */
        for (first[m] = 0; first[m] < m && p->models[first[m]].gpu != p->models[m].gpu; first[m]++)
            ;
    }
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_gpu *gpu = p->models[r->gpus[g].model].gpu;

        m = first[r->gpus[g].model];
        total += strlen(gpu->id) + 1 + digits((unsigned)++next[m]) + 1;
    }
    memset(next, 0, (p->nmodels + 1) * sizeof(int));
    *buf = q = xmalloc(total);
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_gpu *gpu = p->models[r->gpus[g].model].gpu;
        unsigned k = (unsigned)++next[first[r->gpus[g].model]];
        size_t idlen = strlen(gpu->id), nlen = digits(k), j;

        /* "%s-%d" by hand: one per GPU */
        ids[g] = q;
        memcpy(q, gpu->id, idlen);
        q[idlen] = '-';
        for (j = nlen; j > 0; j--, k /= 10)
            q[idlen + j] = (char)('0' + k % 10);
        q[idlen + 1 + nlen] = '\0';
        q += idlen + 1 + nlen + 1;
    }
    free(first);
    free(next);
    return ids;
}

/* Orders one tenant's instances by replica, part, GPU and index. */
static int
tinst_cmp(const void *pa, const void *pb, const void *ctx)
{
    const struct pl_tinst *a = pa, *b = pb;
    const struct gpv_pack_inst *insts = ctx, *x = &insts[a->inst], *y = &insts[b->inst];

    if (x->replica != y->replica)
        return x->replica < y->replica ? -1 : 1;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    if (a->gpu != b->gpu)
        return a->gpu < b->gpu ? -1 : 1;
    return a->inst < b->inst ? -1 : (a->inst > b->inst);
}

/* Sorts one tenant's n entries by tinst_cmp: a tenant has few, already nearly in order. */
static void
tinst_sort_small(struct pl_tinst *v, size_t n, const struct gpv_pack_inst *insts)
{
    size_t i, j;

    if (n < 2)
        return;
    if (n > 32) {
        gpv_sort_stable(v, n, sizeof(*v), tinst_cmp, insts);
        return;
    }
    for (i = 1; i < n; i++) {
        struct pl_tinst x = v[i];

        for (j = i; j > 0 && tinst_cmp(&v[j - 1], &x, insts) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

void
pl_index_build(struct pl_index *ix, const struct gpv_plan_src *src)
{
    const struct gpv_pack_result *r = &src->run->result;
    size_t nt = src->job->file->ntenants, g, i, t, k = 0, ng = 0;
    uint32_t *last, *at;

    GPV_ASSERT(r->ninsts < UINT32_MAX && nt < UINT32_MAX);
    memset(ix, 0, sizeof(*ix));
    ix->nids = r->ngpus;
    ix->ids = gpu_ids(&ix->idbuf, &src->run->problem, r);
    ix->ids_owned = pl_nodes_ids(ix->ids, ix->nids, src);
    ix->ti = xcalloc(r->ninsts + 1, sizeof(*ix->ti));
    /* Instances by tenant, replica and part: each tenant's GPUs in replica order. A counting
     * sort by tenant (a tenant's instances are few), then each tenant's own sorted: the order
     * of one sort by tenant and tinst_cmp, which is total, without its n log n. at[t + 1]
     * counts tenant t's instances, then at[t] is where the next one goes (past nt: one
     * bucket, sorted). */
    ix->tfirst = xcalloc(nt + 1, sizeof(*ix->tfirst));
    at = xcalloc(nt + 2, sizeof(*at));
    for (g = 0; g < r->ngpus; g++)
        for (i = r->gpus[g].first; i < r->gpus[g].first + r->gpus[g].ninsts; i++) {
            int d = r->insts[i].demand;

            at[(d >= 0 && (size_t)d < nt ? (size_t)d : nt) + 1]++;
        }
    for (t = 0; t <= nt; t++)
        at[t + 1] += at[t];
    for (g = 0; g < r->ngpus; g++) {
        for (i = r->gpus[g].first; i < r->gpus[g].first + r->gpus[g].ninsts; i++) {
            int d = r->insts[i].demand;
            size_t b = d >= 0 && (size_t)d < nt ? (size_t)d : nt;

            k = at[b]++;
            ix->ti[k].inst = (uint32_t)i;
            ix->ti[k].gpu = (uint32_t)g;
        }
    }
    /* at[b] is now the end of bucket b: the start of bucket b + 1. */
    for (t = 0; t <= nt; t++)
        tinst_sort_small(ix->ti + (t ? at[t - 1] : 0), at[t] - (t ? at[t - 1] : 0), r->insts);
    /* Tenant t's entries end at at[t]; what follows at[nt - 1] names no tenant. */
    last = xcalloc(r->ngpus + 1, sizeof(*last));
    ix->gfirst = xcalloc(nt + 1, sizeof(*ix->gfirst));
    ix->tgpus = xcalloc((nt ? at[nt - 1] : 0) + 1, sizeof(*ix->tgpus));
    for (t = 0, i = 0; t < nt; t++) {
        ix->tfirst[t] = (uint32_t)i;
        ix->gfirst[t] = (uint32_t)ng;
        for (; i < at[t]; i++) {
            /* last[] holds t + 1 for the GPUs tenant t was already seen on. */
            if (last[ix->ti[i].gpu] != t + 1) {
                last[ix->ti[i].gpu] = (uint32_t)(t + 1);
                ix->tgpus[ng++] = ix->ti[i].gpu;
            }
        }
        ix->placed += r->choice[t] >= 0;
    }
    ix->tfirst[nt] = (uint32_t)i;
    ix->gfirst[nt] = (uint32_t)ng;
    free(at);
    free(last);
}

void
pl_index_release(struct pl_index *ix)
{
    size_t i;

    for (i = 0; ix->ids_owned && i < ix->nids; i++)
        if (ix->ids_owned[i])
            free(ix->ids[i]);
    free(ix->ids_owned);
    free(ix->ids);
    free(ix->idbuf);
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
    case GPV_PACK_TIME_SLICING:
    case GPV_PACK_MPS:
        break; /* depends on the GPU's replicas and the tenant: pl_figures() */
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
    case GPV_PACK_TIME_SLICING:
    case GPV_PACK_MPS:
        break; /* as inst_memory() */
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
            int parts =
                pg->kind == GPV_PACK_WHOLE || pg->kind == GPV_PACK_VGPU ? gpv_tenant_gpus(t) : 1;

            alloc += inst_memory(gpu, pg->kind, in);
            compute += inst_compute(gpu, pm, pg->kind, in);
            /* MPS enforces 1/replicas of memory and threads; time-slicing enforces nothing,
               so what the tenant asks is what the plan sets aside. */
            if (pg->kind == GPV_PACK_MPS) {
                alloc += gpu->memory_mib / pg->replicas;
                compute += 1.0 / pg->replicas;
            } else if (pg->kind == GPV_PACK_TIME_SLICING) {
                alloc += t->memory_mib;
                compute += t->compute > 0 ? t->compute : 1.0 / pg->replicas;
            }
            if (t->memory_mib > 0)
                /* a time-sliced MIG instance holds `clients` replicas */
                mem_req += (double)t->memory_mib / (parts > 0 ? parts : 1) *
                           (in->clients > 0 ? in->clients : 1);
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

const char *
pl_sizing(const struct gpv_plan_src *src)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    size_t m;
    bool costs = p->nmodels > 0;

    if (src->job->file->nfleet > 0)
        return NULL;
    for (m = 0; m < p->nmodels; m++)
        costs = costs && p->models[m].cost >= 0;
    /* The packer's objective (pack.h): fewest unplaced, then cost when every model has one,
     * else (no fleet) the least memory provisioned, then GPUs, then the decisions' ranks. */
    if (costs)
        return "no fleet: models chosen for the lowest cost";
    if (p->least_memory)
        return "no fleet or costs: models chosen for the least GPU memory";
    return "no fleet or costs: models chosen for the fewest GPUs";
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
    case GPV_PACK_TIME_SLICING:
        return GPV_METHOD_TIME_SLICING;
    case GPV_PACK_MPS:
        return GPV_METHOD_MPS;
    }
    return GPV_METHOD_NONE;
}

/* The method of option o: time-slicing for the MIG instances it time-slices. */
static enum gpv_method
option_method(const struct gpv_pack_option *o)
{
    if (o->kind == GPV_PACK_MIG && o->clients > 1)
        return GPV_METHOD_TIME_SLICING;
    return kind_method(o->kind);
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
    out->method = option_method(o);
    out->profile = option_profile(gpu, o);
    out->mig_profile = o->profile >= 0 ? gpu->mig->profiles[o->profile].name : NULL;
    /* The licence the vGPU type's series needs; MIG and passthrough for compute need none. */
    out->license =
        o->vgpu_type >= 0 ? gpv_series_license(gpu->vgpu->types[o->vgpu_type].series) : NULL;
    out->decided_by = out->choice && out->choice->decided_by ? out->choice->decided_by->id : NULL;
    out->placed = r->placed[t];
    if (src->run->moved && src->run->moved[t]) {
        out->first = &src->run->of[t]->choices[src->run->of[t]->best];
        out->moved = src->run->moved[t];
    }
    for (i = ix->tfirst[t]; i < ix->tfirst[t + 1]; i++) {
        const struct gpv_pack_inst *x = &r->insts[ix->ti[i].inst];

        if (x->upgraded) {
            out->upgraded += x->clients > 0 ? x->clients : 1; /* replicas, not instances */
            out->given =
                p->models[r->gpus[ix->ti[i].gpu].model].gpu->mig->profiles[x->profile].name;
        }
    }
    return true;
}

void
pl_put_first(struct gpv_buf *b, const struct pl_tenant *pt)
{
    const char *prof = gpv_choice_profile(pt->first);

    gpv_buf_printf(b, "%s%s%s on %s", gpv_method_name(pt->first->method), prof ? " " : "",
                   prof ? prof : "", pt->first->gpu->id);
}

size_t
pl_parts(struct pl_part **out, const struct gpv_plan_src *src, const struct pl_index *ix, size_t t)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    const struct gpv_pack_demand *dm = &p->demands[t];
    struct pl_part *v;
    size_t i, j, n = 0, cap = ix->tfirst[t + 1] - ix->tfirst[t];

    *out = NULL;
    if (r->choice[t] < 0)
        return 0;
    /* No more parts than options or instances; each entry is set when it is added. */
    v = xmalloc((cap < dm->noptions ? cap : dm->noptions) * sizeof(*v) + sizeof(*v));
    for (i = ix->tfirst[t]; i < ix->tfirst[t + 1]; i++) {
        const struct gpv_pack_inst *x = &r->insts[ix->ti[i].inst];
        const struct gpv_pack_option *o = &dm->options[x->option];

        if (x->part)
            continue;
        for (j = 0; j < n && v[j].option != x->option; j++)
            ;
        if (j == n) {
            const struct gpv_gpu *gpu = p->models[o->model].gpu;

            v[n].option = x->option;
            v[n].o = o;
            v[n].gpu = gpu;
            v[n].method = option_method(o);
            v[n].profile = option_profile(gpu, o);
            v[n].mig_profile = o->profile >= 0 ? gpu->mig->profiles[o->profile].name : NULL;
            v[n].license = o->vgpu_type >= 0
                               ? gpv_series_license(gpu->vgpu->types[o->vgpu_type].series)
                               : NULL;
            v[n].replicas = 0;
            n++;
        }
        v[j].replicas += x->clients > 0 ? x->clients : 1;
    }
    *out = v;
    return n;
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
        for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
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

/* ---- the document ------------------------------------------------------------------------ */

static void
emit_trace(struct gpv_emit *e, const struct gpv_choice *c)
{
    size_t i;

    gpv_emit_arr(e, "trace", false);
    for (i = 0; c && i < c->ntrace; i++) {
        const struct gpv_trace *tr = &c->trace[i];

        if (!pl_trace_shown(tr))
            continue;
        gpv_emit_obj(e, NULL);
        if (tr->step == GPV_STEP_RULE) {
            gpv_emit_str(e, "step", "rule");
            gpv_emit_str(e, "rule", tr->rule->id);
            gpv_emit_bool(e, "decided", tr->decided);
        } else {
            gpv_emit_str(e, "step", "select");
            gpv_emit_str(e, "method", gpv_method_name(tr->method));
            gpv_emit_bool(e, "decided", tr->matched);
        }
        gpv_emit_str(e, "text", tr->text);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
}

static void
emit_summary(struct gpv_emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    struct pl_figures f;
    size_t m;

    pl_figures(&f, src);
    gpv_emit_obj(e, "summary");
    gpv_emit_int(e, "gpus_used", r->gpus_used);
    gpv_emit_int(e, "lower_bound", r->lower_bound_any);
    gpv_emit_int(e, "gap", r->gpus_used - r->lower_bound_any);
    gpv_emit_bool(e, "optimal", r->optimal);
    gpv_emit_int(e, "lower_bound_choices", r->lower_bound);
    gpv_emit_bool(e, "optimal_choices", r->optimal_choices);
    gpv_emit_str(e, "strategy", gpv_pack_strategy_name(p->strategy));
    gpv_emit_int(e, "tenants", (long long)src->job->file->ntenants);
    gpv_emit_int(e, "placed", (long long)ix->placed);
    gpv_emit_int(e, "unplaced", (long long)r->nunplaced);
    {
        long long want = 0, got = 0;
        size_t t;

        for (t = 0; t < src->job->file->ntenants; t++) {
            want += src->job->file->tenants[t].replicas;
            got += r->placed[t];
        }
        gpv_emit_int(e, "replicas", want);
        gpv_emit_int(e, "replicas_placed", got);
    }
    gpv_emit_int(e, "instances", (long long)r->ninsts);
    gpv_emit_arr(e, "models", false);
    for (m = 0; m < p->nmodels; m++) {
        const struct gpv_pack_model *pm = &p->models[m];

        if (!pl_model_listed(src, m))
            continue;
        gpv_emit_obj(e, NULL);
        gpv_emit_str(e, "gpu", pm->gpu->id);
        gpv_emit_str(e, "vgpu_mode", pm->mixed ? "mixed" : "equal");
        if (pm->share_replicas > 0) {
            /* Only entries that state their sharing carry these keys. */
            gpv_emit_str(e, "sharing", gpv_pack_kind_name(pm->share_kind));
            gpv_emit_int(e, "sharing_replicas", pm->share_replicas);
        }
        if (pm->limit >= 0)
            gpv_emit_int(e, "fleet", pm->limit);
        else
            gpv_emit_null(e, "fleet");
        gpv_emit_int(e, "gpus", r->models[m].gpus);
        gpv_emit_int(e, "lower_bound", r->models[m].lower_bound);
        gpv_emit_bool(e, "optimal", r->models[m].optimal);
        if (pm->cost >= 0)
            gpv_emit_num(e, "cost_per_hour", pm->cost);
        else
            gpv_emit_null(e, "cost_per_hour");
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
    gpv_emit_obj(e, "utilization");
    gpv_emit_num(e, "memory", f.util_memory);
    gpv_emit_num(e, "requested_memory", f.util_requested);
    gpv_emit_num(e, "compute", f.util_compute);
    gpv_emit_end(e);
    gpv_emit_obj(e, "stranded");
    gpv_emit_int(e, "memory_mib", f.stranded_mib);
    gpv_emit_int(e, "mig_units", f.stranded_units);
    gpv_emit_end(e);
    if (pl_sizing(src))
        gpv_emit_str(e, "sizing", pl_sizing(src));
    gpv_emit_obj(e, "cost");
    if (f.has_cost) {
        gpv_emit_num(e, "per_hour", f.per_hour);
        gpv_emit_num(e, "per_month", f.per_month);
        if (src->run->result.cost_lower_bound >= 0.0)
            gpv_emit_num(e, "lower_bound_per_hour", src->run->result.cost_lower_bound);
    } else {
        gpv_emit_null(e, "per_hour");
        gpv_emit_null(e, "per_month");
    }
    gpv_emit_end(e);
    gpv_emit_end(e);
}

/* The tenant's "parts": each option its replicas use, with how many; only for a tenant whose
 * replicas use more than one (the tenant's own keys say the one option of the others, and large
 * plans stay small). */
static void
emit_parts(struct gpv_emit *e, const struct gpv_plan_src *src, const struct pl_index *ix, size_t t)
{
    struct pl_part *v;
    size_t n = pl_parts(&v, src, ix, t), i;

    if (n < 2) {
        free(v);
        return;
    }
    gpv_emit_arr(e, "parts", false);
    for (i = 0; i < n; i++) {
        gpv_emit_obj(e, NULL);
        gpv_emit_str(e, "method", gpv_method_name(v[i].method));
        gpv_emit_str(e, "gpu", v[i].gpu->id);
        gpv_emit_str(e, "profile", v[i].profile);
        gpv_emit_str(e, "mig_profile", v[i].mig_profile);
        if (v[i].o->kind == GPV_PACK_WHOLE || v[i].o->gpus >= 2)
            gpv_emit_int(e, "whole_gpus", v[i].o->gpus);
        else
            gpv_emit_null(e, "whole_gpus");
        gpv_emit_str(e, "license", v[i].license);
        gpv_emit_int(e, "replicas", v[i].replicas);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
    free(v);
}

static void
emit_tenants(struct gpv_emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_tenants *file = src->job->file;
    size_t i, t;

    gpv_emit_arr(e, "tenants", false);
    for (t = 0; t < file->ntenants; t++) {
        const struct gpv_tenant *tn = &file->tenants[t];
        struct pl_tenant pt;

        if (!pl_tenant(&pt, src, ix, t))
            continue;
        gpv_emit_obj(e, NULL);
        gpv_emit_str(e, "name", tn->name);
        gpv_emit_str(e, "method", gpv_method_name(pt.method));
        gpv_emit_str(e, "gpu", pt.gpu->id);
        gpv_emit_str(e, "profile", pt.profile);
        gpv_emit_str(e, "mig_profile", pt.mig_profile);
        if (pt.o->kind == GPV_PACK_WHOLE || pt.o->gpus >= 2)
            gpv_emit_int(e, "whole_gpus", pt.o->gpus);
        else
            gpv_emit_null(e, "whole_gpus");
        gpv_emit_str(e, "license", pt.license);
        gpv_emit_int(e, "replicas", tn->replicas);
        gpv_emit_int(e, "placed", pt.placed);
        emit_parts(e, src, ix, t);
        if (tn->memory_mib > 0)
            gpv_emit_int(e, "memory_mib", tn->memory_mib);
        else
            gpv_emit_null(e, "memory_mib");
        if (tn->compute > 0)
            gpv_emit_num(e, "compute", tn->compute);
        else
            gpv_emit_null(e, "compute");
        gpv_emit_bool(e, "spread", tn->spread);
        gpv_emit_bool(e, "spread_nodes", tn->spread_nodes);
        gpv_emit_arr(e, "gpus", true);
        for (i = ix->gfirst[t]; i < ix->gfirst[t + 1]; i++)
            gpv_emit_str(e, NULL, ix->ids[ix->tgpus[i]]);
        gpv_emit_end(e);
        gpv_emit_int(e, "upgraded", pt.upgraded);
        if (pt.upgraded) {
            struct gpv_buf note;

            gpv_buf_init(&note);
            pl_put_note(&note, &pt);
            gpv_emit_str(e, "note", gpv_buf_str(&note));
            gpv_buf_release(&note);
        } else {
            gpv_emit_null(e, "note");
        }
        gpv_emit_str(e, "decided_by", pt.decided_by);
        if (pt.first) {
            struct gpv_buf fc;

            gpv_buf_init(&fc);
            pl_put_first(&fc, &pt);
            gpv_emit_str(e, "first_choice", gpv_buf_str(&fc));
            gpv_emit_str(e, "moved", pt.moved);
            gpv_buf_release(&fc);
        }
        if (src->explain)
            emit_trace(e, pt.choice);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
}

static void
emit_gpus(struct gpv_emit *e, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    const struct gpv_tenants *file = src->job->file;
    size_t g, i;

    gpv_emit_arr(e, "gpus", false);
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &r->gpus[g];
        const struct gpv_pack_model *pm = &p->models[pg->model];
        const struct gpv_gpu *gpu = pm->gpu;

        gpv_emit_obj(e, NULL);
        gpv_emit_str(e, "id", ix->ids[g]);
        pl_nodes_emit_gpu(e, src, g);
        gpv_emit_str(e, "model", gpu->id);
        gpv_emit_str(e, "mode", gpv_pack_kind_name(pg->kind));
        gpv_emit_str(e, "vgpu_mode",
                     pg->kind == GPV_PACK_VGPU ? (pm->mixed ? "mixed" : "equal") : NULL);
        gpv_emit_str(e, "scheduler", pg->kind == GPV_PACK_VGPU ? gpv_sched_name(pg->sched) : NULL);
        if (pg->replicas > 0) {
            /* Only shared GPUs carry these keys: other GPUs' output is unchanged. */
            gpv_emit_int(e, "replicas", pg->replicas);
            if (pg->kind == GPV_PACK_MPS)
                gpv_emit_int(e, "client_memory_mib", gpu->memory_mib / pg->replicas);
            else
                gpv_emit_null(e, "client_memory_mib");
        }
        gpv_emit_arr(e, "instances", false);
        for (i = 0; i < pg->ninsts; i++) {
            const struct gpv_pack_inst *x = &r->insts[pg->first + i];

            gpv_emit_obj(e, NULL);
            gpv_emit_str(e, "tenant", file->tenants[x->demand].name);
            gpv_emit_int(e, "replica", x->replica);
            gpv_emit_int(e, "part", x->part);
            gpv_emit_str(e, "profile", pl_inst_profile(gpu, pg->kind, x));
            gpv_emit_str(e, "vgpu_type",
                         pg->kind == GPV_PACK_MIG_VGPU ? gpu->vgpu->types[x->vgpu_type].name
                                                       : NULL);
            if (x->start >= 0)
                gpv_emit_int(e, "start", x->start);
            else
                gpv_emit_null(e, "start");
            if (pg->kind != GPV_PACK_WHOLE && pg->replicas == 0)
                gpv_emit_int(e, "size", x->size);
            else
                gpv_emit_null(e, "size");
            /* The option only when upgraded: reading it for every instance missed the
               cache (the demands, in GPU order) once an instance at 100k tenants. */
            gpv_emit_str(
                e, "upgraded_from",
                x->upgraded
                    ? gpu->mig->profiles[p->demands[x->demand].options[x->option].profile].name
                    : NULL);
            if (x->clients > 0) {
                /* Only time-sliced MIG instances carry these keys: the tenant's replicas
                   replica .. replica + clients - 1 share the instance. */
                gpv_emit_int(e, "replicas", x->ts_replicas);
                gpv_emit_int(e, "clients", x->clients);
            }
            gpv_emit_end(e);
        }
        gpv_emit_end(e);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
}

static void
emit_reason(void *arg, const char *s)
{
    gpv_emit_str(arg, NULL, s);
}

/*
 * Unplaced entry i's "causes": the packer's reasons with their code, model, method and
 * numbers; for a tenant no method serves, one "no-method" cause per rejection; for one whose
 * models are all left out of the plan, one "model-absent" cause.
 */
static void
emit_causes(struct gpv_emit *e, const struct gpv_plan_src *src, size_t i)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_unplaced *u = &src->run->result.unplaced[i];
    const struct gpv_decision *d = src->run->of[u->demand];
    size_t j;
    int m;

    gpv_emit_arr(e, "causes", false);
    if (d->method == GPV_METHOD_NONE) {
        for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
            for (j = 0; j < d->rejected[m].n; j++) {
                gpv_emit_obj(e, NULL);
                gpv_emit_str(e, "code", "no-method");
                gpv_emit_str(e, "method", gpv_method_name(m));
                gpv_emit_str(e, "rule", d->rejected[m].v[j].rule);
                gpv_emit_str(e, "text", d->rejected[m].v[j].text);
                gpv_emit_end(e);
            }
        }
    } else if (src->run->demands[u->demand].noptions == 0) {
        gpv_emit_obj(e, NULL);
        gpv_emit_str(e, "code", "model-absent");
        gpv_emit_end(e);
    } else {
        for (j = 0; j < u->nreasons; j++) {
            const struct gpv_pack_reason *w = &u->whys[j];
            const struct gpv_pack_option *o =
                w->option >= 0 ? &p->demands[u->demand].options[w->option] : NULL;

            gpv_emit_obj(e, NULL);
            gpv_emit_str(e, "code", gpv_pack_why_name(w->why));
            gpv_emit_str(e, "gpu", w->model >= 0 ? p->models[w->model].gpu->id : NULL);
            gpv_emit_str(e, "method", o ? gpv_method_name(option_method(o)) : NULL);
            gpv_emit_str(e, "profile", o ? option_profile(p->models[o->model].gpu, o) : NULL);
            gpv_emit_int(e, "needed", w->needed);
            gpv_emit_int(e, "available", w->available);
            gpv_emit_int(e, "in_use", w->in_use);
            if (w->limit >= 0)
                gpv_emit_int(e, "fleet", w->limit);
            else
                gpv_emit_null(e, "fleet");
            gpv_emit_str(e, "text", w->text);
            gpv_emit_end(e);
        }
    }
    gpv_emit_end(e);
}

static void
emit_unplaced(struct gpv_emit *e, const struct gpv_plan_src *src)
{
    const struct gpv_pack_result *r = &src->run->result;
    size_t i;

    gpv_emit_arr(e, "unplaced", false);
    for (i = 0; i < r->nunplaced; i++) {
        gpv_emit_obj(e, NULL);
        gpv_emit_str(e, "tenant", src->job->file->tenants[r->unplaced[i].demand].name);
        gpv_emit_int(e, "replicas", r->unplaced[i].replicas);
        gpv_emit_arr(e, "reasons", true);
        pl_reasons(src, i, emit_reason, e);
        gpv_emit_end(e);
        emit_causes(e, src, i);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
}

static void
emit_plan(struct gpv_emit *e, const struct gpv_plan_src *src)
{
    const struct gpv_plan_job *job = src->job;
    struct pl_index ix;
    size_t i;

    pl_index_build(&ix, src);
    gpv_emit_obj(e, NULL);
    gpv_emit_str(e, "schema", GPV_PLAN_SCHEMA);
    gpv_emit_obj(e, "input");
    gpv_emit_str(e, "tenants_file", src->tenants_file);
    gpv_emit_str(e, "rules", src->rules);
    gpv_emit_bool(e, "fleet", job->file->nfleet > 0);
    gpv_emit_arr(e, "gpus", true);
    for (i = 0; i < job->nonly; i++)
        gpv_emit_str(e, NULL, job->only[i]->id);
    gpv_emit_end(e);
    gpv_emit_str(e, "strategy", gpv_pack_strategy_name(job->strategy));
    gpv_emit_bool(e, "upgrades", !job->no_upgrades);
    gpv_emit_end(e);
    emit_summary(e, src, &ix);
    emit_tenants(e, src, &ix);
    emit_gpus(e, src, &ix);
    pl_nodes_emit(e, src, &ix);
    emit_unplaced(e, src);
    if (src->incremental)
        gpv_emit_val(e, "incremental", src->incremental);
    gpv_emit_end(e);
    pl_index_release(&ix);
}

struct gpv_val *
gpv_plan_build(const struct gpv_plan_src *src)
{
    struct gpv_emit e;
    struct gpv_val *v;

    gpv_emit_init(&e, GPV_EMIT_TREE, NULL);
    emit_plan(&e, src);
    v = gpv_emit_take(&e);
    gpv_emit_release(&e);
    return v;
}

void
gpv_plan_write_json(const struct gpv_plan_src *src, struct gpv_buf *out)
{
    struct gpv_emit e;

    gpv_emit_init(&e, GPV_EMIT_JSON, out);
    gpv_emit_stable_keys(&e); /* literals, and the file's and the incremental tree's keys */
    emit_plan(&e, src);
    gpv_emit_release(&e);
}

void
gpv_plan_write_yaml(const struct gpv_plan_src *src, struct gpv_buf *out)
{
    struct gpv_emit e;

    gpv_emit_init(&e, GPV_EMIT_YAML, out);
    gpv_emit_stable_keys(&e); /* literals, and the file's and the incremental tree's keys */
    emit_plan(&e, src);
    gpv_emit_release(&e);
}
