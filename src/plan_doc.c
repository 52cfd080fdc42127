/*
 * The plan document written through the emitter as a value tree, JSON or YAML, from what every
 * format says (plan_int.h: plan_index.c, plan_facts.c; the table is plan_text.c).
 */
#include "gpuvplan/plan.h"

#include "plan_int.h"

#include "gpuvplan/emit.h"
#include "gpuvplan/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
            gpv_emit_str(e, "method", o ? gpv_method_name(pl_option_method(o)) : NULL);
            gpv_emit_str(e, "profile", o ? pl_option_profile(p->models[o->model].gpu, o) : NULL);
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
