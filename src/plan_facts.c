/*
 * What every format of the plan says (plan_int.h): the summary's figures, a placed tenant and
 * its parts, notes, and the reasons a tenant is unplaced.
 */
#include "gpuvplan/plan.h"

#include "plan_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

enum gpv_method
pl_option_method(const struct gpv_pack_option *o)
{
    if (o->kind == GPV_PACK_MIG && o->clients > 1)
        return GPV_METHOD_TIME_SLICING;
    return kind_method(o->kind);
}

const char *
pl_option_profile(const struct gpv_gpu *gpu, const struct gpv_pack_option *o)
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
    out->method = pl_option_method(o);
    out->profile = pl_option_profile(gpu, o);
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
            v[n].method = pl_option_method(o);
            v[n].profile = pl_option_profile(gpu, o);
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
