#include "cli_rules.h"

#include <stdlib.h>
#include <string.h>

int
cli_rules_load(struct gpv_ruleset *out, const char *path, struct gpv_error *err)
{
    char *buf = NULL;
    size_t len;
    int rc;

    if (!path)
        return gpv_rules_load_embedded(out, err);
    memset(out, 0, sizeof(*out));
    if ((rc = cli_read_file(&buf, &len, path, err)))
        return rc;
    rc = gpv_rules_load_mem(out, buf, len, path, err);
    free(buf);
    return rc;
}

int
cli_tenants_load(struct gpv_cli *cli, struct gpv_tenants *out, const char *path,
                 struct gpv_error *err)
{
    char *buf = NULL;
    size_t len;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = cli_db(cli, err)))
        return rc;
    if ((rc = cli_read_file(&buf, &len, path, err)))
        return rc;
    rc = gpv_tenants_load_mem(out, buf, len, !strcmp(path, "-") ? "<stdin>" : path, &cli->db, err);
    free(buf);
    return rc;
}

struct gpv_val *
cli_reasons_value(const struct gpv_reasons *rejected)
{
    struct gpv_val *o = gpv_val_obj();
    size_t i;
    int m;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++) {
        struct gpv_val *a;

        if (!rejected[m].n)
            continue;
        a = gpv_val_set(o, gpv_method_name(m), gpv_val_arr());
        for (i = 0; i < rejected[m].n; i++) {
            struct gpv_val *r = gpv_val_push(a, gpv_val_obj());

            gpv_val_set_str(r, "rule", rejected[m].v[i].rule);
            gpv_val_set_str(r, "reason", rejected[m].v[i].text);
        }
    }
    return o;
}

/* The instance fields of a choice: method, profile, mig_profile, gpus. */
static void
set_instance(struct gpv_val *o, const struct gpv_choice *c)
{
    gpv_val_set_str(o, "method", c->method == GPV_METHOD_NONE ? NULL : gpv_method_name(c->method));
    gpv_val_set_str(o, "profile", gpv_choice_profile(c));
    gpv_val_set_str(o, "mig_profile",
                    c->mig_profile >= 0 ? c->gpu->mig->profiles[c->mig_profile].name : NULL);
    if (c->method == GPV_METHOD_PASSTHROUGH)
        gpv_val_set_int(o, "gpus", c->gpus);
    else
        gpv_val_set(o, "gpus", gpv_val_null());
}

struct gpv_val *
cli_trace_value(const struct gpv_choice *c)
{
    struct gpv_val *a = gpv_val_arr();
    size_t i;

    for (i = 0; c && i < c->ntrace; i++) {
        const struct gpv_trace *tr = &c->trace[i];
        struct gpv_val *o = gpv_val_push(a, gpv_val_obj());

        if (tr->step == GPV_STEP_RULE) {
            gpv_val_set_str(o, "step", "rule");
            gpv_val_set_str(o, "rule", tr->rule->id);
            gpv_val_set_str(o, "phase", gpv_phase_name(tr->rule->phase));
            gpv_val_set_bool(o, "matched", tr->matched);
            gpv_val_set_bool(o, "decided", tr->decided);
        } else {
            gpv_val_set_str(o, "step", "select");
            gpv_val_set_str(o, "method", gpv_method_name(tr->method));
            gpv_val_set_bool(o, "matched", tr->matched);
        }
        gpv_val_set_str(o, "text", tr->text);
    }
    return a;
}

struct gpv_val *
cli_decision_value(const struct gpv_decision *d)
{
    const struct gpv_choice *best = d->best >= 0 ? &d->choices[d->best] : NULL;
    const struct gpv_choice *shown = best ? best : d->nchoices ? &d->choices[0] : NULL;
    struct gpv_val *o = gpv_val_obj(), *cs;
    size_t i;

    gpv_val_set_str(o, "name", d->tenant->name);
    if (best) {
        set_instance(o, best);
        gpv_val_set_str(o, "gpu", best->gpu->id);
        gpv_val_set_str(o, "decided_by", best->order_rule ? best->order_rule->id : NULL);
    } else {
        gpv_val_set(o, "method", gpv_val_null());
        gpv_val_set(o, "profile", gpv_val_null());
        gpv_val_set(o, "mig_profile", gpv_val_null());
        gpv_val_set(o, "gpus", gpv_val_null());
        gpv_val_set(o, "gpu", gpv_val_null());
        gpv_val_set(o, "decided_by", gpv_val_null());
    }
    gpv_val_set_str(o, "trace_gpu", shown ? shown->gpu->id : NULL);
    gpv_val_set(o, "trace", cli_trace_value(shown));
    gpv_val_set(o, "rejected", cli_reasons_value(d->rejected));
    cs = gpv_val_set(o, "choices", gpv_val_arr());
    for (i = 0; i < d->nchoices; i++) {
        const struct gpv_choice *c = &d->choices[i];
        struct gpv_val *co = gpv_val_push(cs, gpv_val_obj()), *ord;
        int k;

        gpv_val_set_str(co, "gpu", c->gpu->id);
        set_instance(co, c);
        gpv_val_set_int(co, "rank", c->rank);
        gpv_val_set_num(co, "share", c->share);
        if (c->cost_per_hour >= 0)
            gpv_val_set_num(co, "cost_per_hour", c->cost_per_hour);
        else
            gpv_val_set(co, "cost_per_hour", gpv_val_null());
        gpv_val_set_str(co, "decided_by", c->order_rule ? c->order_rule->id : NULL);
        ord = gpv_val_set(co, "order", gpv_val_arr());
        for (k = 0; k < GPV_NMETHODS; k++)
            gpv_val_push(ord, gpv_val_str(gpv_method_name(c->order[k])));
        gpv_val_set(co, "rejected", cli_reasons_value(c->rejected));
    }
    return o;
}
