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
    struct gpv_error *errs;
    struct cli_text text;
    size_t i, n;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = cli_db(cli, err)))
        return rc;
    if ((rc = cli_read_tenants(&text, path, err)))
        return rc;
    errs = xcalloc(GPV_TENANTS_ERRORS_MAX + 1, sizeof(*errs));
    rc = gpv_tenants_load_all(out, errs, &n, text.buf, text.len,
                              !strcmp(path, "-") ? "<stdin>" : path, &cli->db);
    /* Every error but the last is printed here; the last goes back for the caller to report. */
    for (i = 0; rc && i + 1 < n; i++)
        cli_report(&errs[i]);
    if (rc && err)
        *err = errs[n - 1];
    free(errs);
    cli_text_release(&text);
    return rc;
}

void
cli_reasons_emit(struct gpv_emit *e, const char *key, const struct gpv_reasons *rejected)
{
    size_t i;
    int m;

    gpv_emit_obj(e, key);
    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
        if (!rejected[m].n)
            continue;
        gpv_emit_arr(e, gpv_method_name(m), false);
        for (i = 0; i < rejected[m].n; i++) {
            gpv_emit_obj(e, NULL);
            gpv_emit_str(e, "rule", rejected[m].v[i].rule);
            gpv_emit_str(e, "reason", rejected[m].v[i].text);
            gpv_emit_end(e);
        }
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
}

/* The instance fields of a choice: method, profile, mig_profile, gpus (and clients_per_gpu for
 * time-slicing and MPS). */
static void
emit_instance(struct gpv_emit *e, const struct gpv_choice *c)
{
    gpv_emit_str(e, "method", c->method == GPV_METHOD_NONE ? NULL : gpv_method_name(c->method));
    gpv_emit_str(e, "profile", gpv_choice_profile(c));
    gpv_emit_str(e, "mig_profile",
                 c->mig_profile >= 0 ? c->gpu->mig->profiles[c->mig_profile].name : NULL);
    if (c->method == GPV_METHOD_PASSTHROUGH)
        gpv_emit_int(e, "gpus", c->gpus);
    else
        gpv_emit_null(e, "gpus");
    if (c->clients)
        gpv_emit_int(e, "clients_per_gpu", c->clients);
}

void
cli_trace_emit(struct gpv_emit *e, const char *key, const struct gpv_choice *c)
{
    size_t i;

    gpv_emit_arr(e, key, false);
    for (i = 0; c && i < c->ntrace; i++) {
        const struct gpv_trace *tr = &c->trace[i];

        gpv_emit_obj(e, NULL);
        if (tr->step == GPV_STEP_RULE) {
            gpv_emit_str(e, "step", "rule");
            gpv_emit_str(e, "rule", tr->rule->id);
            gpv_emit_str(e, "phase", gpv_phase_name(tr->rule->phase));
            gpv_emit_bool(e, "matched", tr->matched);
            gpv_emit_bool(e, "decided", tr->decided);
        } else {
            gpv_emit_str(e, "step", "select");
            gpv_emit_str(e, "method", gpv_method_name(tr->method));
            gpv_emit_bool(e, "matched", tr->matched);
        }
        gpv_emit_str(e, "text", tr->text);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
}

void
cli_decision_emit_rest(struct gpv_emit *e, const struct gpv_decision *d)
{
    const struct gpv_choice *best = d->best >= 0 ? &d->choices[d->best] : NULL;
    const struct gpv_choice *shown = best ? best : d->nchoices ? &d->choices[0] : NULL;
    size_t i;

    if (best) {
        emit_instance(e, best);
        gpv_emit_str(e, "gpu", best->gpu->id);
        gpv_emit_str(e, "decided_by", best->decided_by ? best->decided_by->id : NULL);
        gpv_emit_str(e, "ordered_by", best->order_rule ? best->order_rule->id : NULL);
    } else {
        gpv_emit_null(e, "method");
        gpv_emit_null(e, "profile");
        gpv_emit_null(e, "mig_profile");
        gpv_emit_null(e, "gpus");
        gpv_emit_null(e, "gpu");
        gpv_emit_null(e, "decided_by");
        gpv_emit_null(e, "ordered_by");
    }
    gpv_emit_str(e, "trace_gpu", shown ? shown->gpu->id : NULL);
    cli_trace_emit(e, "trace", shown);
    cli_reasons_emit(e, "rejected", d->rejected);
    gpv_emit_arr(e, "choices", false);
    for (i = 0; i < d->nchoices; i++) {
        const struct gpv_choice *c = &d->choices[i];
        int k;

        gpv_emit_obj(e, NULL);
        gpv_emit_str(e, "gpu", c->gpu->id);
        emit_instance(e, c);
        gpv_emit_int(e, "rank", c->rank);
        gpv_emit_num(e, "share", c->share);
        if (c->cost_per_hour >= 0)
            gpv_emit_num(e, "cost_per_hour", c->cost_per_hour);
        else
            gpv_emit_null(e, "cost_per_hour");
        gpv_emit_str(e, "decided_by", c->decided_by ? c->decided_by->id : NULL);
        gpv_emit_str(e, "ordered_by", c->order_rule ? c->order_rule->id : NULL);
        gpv_emit_arr(e, "order", true);
        for (k = 0; k < GPV_NMETHODS; k++)
            gpv_emit_str(e, NULL, gpv_method_name(c->order[k]));
        gpv_emit_end(e);
        cli_reasons_emit(e, "rejected", c->rejected);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
}

void
cli_decision_emit(struct gpv_emit *e, const char *key, const struct gpv_decision *d)
{
    gpv_emit_obj(e, key);
    gpv_emit_str(e, "name", d->tenant->name);
    cli_decision_emit_rest(e, d);
    gpv_emit_end(e);
}

/* Runs one of the emitters above into a tree and returns the tree. */
#define AS_VALUE(call)                                                                             \
    do {                                                                                           \
        struct gpv_emit e;                                                                         \
        struct gpv_val *v;                                                                         \
                                                                                                   \
        gpv_emit_init(&e, GPV_EMIT_TREE, NULL);                                                    \
        call;                                                                                      \
        v = gpv_emit_take(&e);                                                                     \
        gpv_emit_release(&e);                                                                      \
        return v;                                                                                  \
    } while (0)

struct gpv_val *
cli_reasons_value(const struct gpv_reasons *rejected)
{
    AS_VALUE(cli_reasons_emit(&e, NULL, rejected));
}

struct gpv_val *
cli_trace_value(const struct gpv_choice *c)
{
    AS_VALUE(cli_trace_emit(&e, NULL, c));
}

struct gpv_val *
cli_decision_value(const struct gpv_decision *d)
{
    AS_VALUE(cli_decision_emit(&e, NULL, d));
}
