/* Reading a plan or a state for diff and recommend --from: either kind validated (docs/diff.md). */
#include "diff_int.h"

#include "gpuvplan/diff.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/mig_text.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_SCHEMA "gpuvplan.state/1"

void
gpv_diff_doc_init(struct gpv_diff_doc *d)
{
    memset(d, 0, sizeof(*d));
    d->cost = -1.0;
}

void
gpv_diff_doc_release(struct gpv_diff_doc *d)
{
    size_t i;

    if (!d)
        return;
    for (i = 0; i < d->ngpus; i++)
        free(d->gpus[i].insts);
    free(d->gpus);
    free(d->tenants);
    gpv_diff_doc_init(d);
}

static const char *
str_of(const struct gpv_val *o, const char *key)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    return v && v->type == GPV_V_STR ? v->s : NULL;
}

/* A string member v, or NULL. */
static const char *
str_val(const struct gpv_val *v)
{
    return v && v->type == GPV_V_STR ? v->s : NULL;
}

/* int_of on a member v already found. */
static bool
int_val(int *out, const struct gpv_val *v, int dflt, long long lo, long long hi)
{
    if (!v || v->type == GPV_V_NULL) {
        *out = dflt;
        return true;
    }
    if (v->type != GPV_V_INT || v->i < lo || v->i > hi)
        return false;
    *out = (int)v->i;
    return true;
}

/* A document's string as a message may quote it. */
static const char *
q(const char *s)
{
    return !s ? "" : gpv_quotable(s) ? s : "(unprintable)";
}

static int
bad(struct gpv_error *err, const char *name, const char *fmt, const char *a, const char *b)
{
    return gpv_error_set(err, GPV_EINPUT, name, 0, 0, fmt, q(a), q(b));
}

/* A GPU id or node name: 1..255 printable ASCII bytes, no blanks (they are printed as is). */
static bool
printable_name(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (s[i] <= ' ' || s[i] > '~' || i >= 255)
            return false;
    return i > 0;
}

/* Reads gpus[] of a document already known to be well formed where check or the caller say. */
static int
read_gpus(struct gpv_diff_doc *out, const struct gpv_val *gpus, const struct gpv_db *db, bool state,
          const char *name, struct gpv_error *err)
{
    const struct gpv_gpu *last = NULL;
    size_t i, k;
    char where[64];
    static const char *const gkeys[] = {
        "instances", "id", "node", "model", "mode", "index", "instances_known", "replicas"};
    static const char *const ikeys[] = {"profile", "vgpu_type", "tenant",  "start",
                                        "size",    "replica",   "clients", "replicas"};
    struct gpv_val_rows grows, irows;

    if (!gpus || gpus->type != GPV_V_ARR)
        return bad(err, name, "'gpus' must be an array%s%s", "", "");
    gpv_val_rows_init(&grows, gkeys, sizeof(gkeys) / sizeof(*gkeys));
    gpv_val_rows_init(&irows, ikeys, sizeof(ikeys) / sizeof(*ikeys));
    out->gpus = xcalloc(gpus->n ? gpus->n : 1, sizeof(*out->gpus));
    for (i = 0; i < gpus->n; i++) {
        const struct gpv_val *g = gpus->items[i], *gm[sizeof(gkeys) / sizeof(*gkeys)], *in;
        struct gpv_diff_gpu *d = &out->gpus[out->ngpus];
        const struct gpv_gpu *model;
        const char *known;

        gpv_val_rows_read(gm, &grows, g);
        in = gm[0];
        d->id = str_val(gm[1]);
        d->node = str_val(gm[2]);
        d->model = str_val(gm[3]);
        d->mode = str_val(gm[4]);
        if (!d->id || !d->model || !d->mode) {
            snprintf(where, sizeof(where), "gpus[%zu]", i);
            return bad(err, name, "%s: 'id', 'model' and 'mode' must be strings%s", where, "");
        }
        if (!printable_name(d->id) || (d->node && !printable_name(d->node))) {
            snprintf(where, sizeof(where), "gpus[%zu]", i);
            return bad(err, name, "%s: 'id' and 'node' must be printable names without blanks%s",
                       where, "");
        }
        if (!int_val(&d->index, gm[5], -1, 0, 1000000) || (d->node && d->index < 0))
            return bad(err, name, "gpu '%s': 'index' must be a whole number >= 0%s", d->id, "");
        /* Runs of GPUs share a model: resolve each name once per run (large sites). */
        if (last && !strcmp(last->id, d->model))
            model = last;
        else if (!(model = last = gpv_db_find(db, d->model)))
            return bad(err, name, "gpu '%s': unknown GPU model '%s'", d->id, d->model);
        if (state && strcmp(d->mode, "mig") && strcmp(d->mode, "whole"))
            return bad(err, name, "gpu '%s': unknown mode '%s' (a state has mig or whole)", d->id,
                       d->mode);
        if (!state && (!strcmp(d->mode, "time-slicing") || !strcmp(d->mode, "mps")) &&
            (!int_val(&d->replicas, gm[7], 0, 2, 64) || d->replicas < 2))
            return bad(err, name, "gpu '%s': a shared GPU needs 'replicas' from 2 to 64%s", d->id,
                       "");
        known = state ? str_val(gm[6]) : "exact";
        if (!known ||
            (strcmp(known, "exact") && strcmp(known, "counts") && strcmp(known, "unknown")))
            return bad(err, name, "gpu '%s': 'instances_known' must be exact, counts or unknown%s",
                       d->id, "");
        d->starts_known = !strcmp(known, "exact");
        if (!in || in->type != GPV_V_ARR || in->n > GPV_MIG_MAX_INSTANCES * 64)
            return bad(err, name, "gpu '%s': 'instances' must be an array%s", d->id, "");
        if (state && strcmp(d->mode, "mig") && in->n)
            return bad(err, name, "gpu '%s': instances on a GPU in %s mode", d->id, d->mode);
        d->insts = xcalloc(in->n ? in->n : 1, sizeof(*d->insts));
        out->ngpus++; /* counted once it owns memory, so a failure below releases it */
        for (k = 0; k < in->n; k++) {
            const struct gpv_val *im[sizeof(ikeys) / sizeof(*ikeys)];
            struct gpv_diff_inst *x = &d->insts[k];

            gpv_val_rows_read(im, &irows, in->items[k]);
            x->profile = str_val(im[0]);
            if (d->replicas > 0)
                x->profile = "client"; /* a shared GPU's slots are its clients, by index */
            x->vgpu_type = str_val(im[1]);
            x->tenant = state ? NULL : str_val(im[2]);
            if ((state && !x->profile) || !int_val(&x->start, im[3], -1, 0, 1 << 20) ||
                !int_val(&x->size, im[4], 0, 0, 1 << 20) ||
                !int_val(&x->replica, im[5], -1, 0, 1 << 30) ||
                (!state && d->replicas == 0 &&
                 (!int_val(&x->clients, im[6], 0, 1, 1 << 30) ||
                  !int_val(&x->ts_replicas, im[7], 0, 2, 1 << 30))))
                return bad(err, name,
                           "gpu '%s': instance with a missing or malformed "
                           "'profile', 'start' or 'size'%s",
                           d->id, "");
            if (state) {
                int p;

                if (!model->mig || (p = gpv_gpu_find_profile(model, x->profile)) < 0)
                    return bad(err, name, "gpu '%s': unknown MIG profile '%s'", d->id, x->profile);
                if (x->size != model->mig->profiles[p].size)
                    return bad(err, name, "gpu '%s': instance '%s' has the wrong size", d->id,
                               x->profile);
                if (d->starts_known && x->start < 0)
                    return bad(err, name, "gpu '%s': instance '%s' has no start", d->id,
                               x->profile);
            }
            d->ninsts++;
        }
        if (state && d->starts_known && d->ninsts) {
            struct gpv_mig_layout lay;
            struct gpv_buf why = {0};
            int rc;

            if (d->ninsts > GPV_MIG_MAX_INSTANCES)
                return bad(err, name, "gpu '%s': more instances than a GPU holds%s", d->id, "");
            lay.n = (int)d->ninsts;
            for (k = 0; k < d->ninsts; k++) {
                lay.inst[k].profile = gpv_gpu_find_profile(model, d->insts[k].profile);
                lay.inst[k].start = d->insts[k].start;
            }
            if (gpv_mig_text_layout_reasons(&why, model, &lay, 0, "; ")) {
                rc = gpv_error_set(err, GPV_EINPUT, name, 0, 0, "gpu '%s': invalid MIG layout: %s",
                                   q(d->id), gpv_buf_str(&why));
                gpv_buf_release(&why);
                return rc;
            }
            gpv_buf_release(&why);
        }
    }
    return 0;
}

/* The identity two documents share: node/index, or the id of a GPU without a node. */
char *
diff_gpu_key(const struct gpv_diff_gpu *g)
{
    struct gpv_buf b = {0};

    if (g->node)
        gpv_buf_printf(&b, "%s/%d", g->node, g->index);
    else
        gpv_buf_puts(&b, g->id);
    return gpv_buf_detach(&b);
}

int
diff_str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
check_unique(const struct gpv_diff_doc *d, const char *name, struct gpv_error *err)
{
    char **keys = xcalloc(d->ngpus ? d->ngpus : 1, sizeof(*keys));
    size_t i;
    int rc = 0;

    for (i = 0; i < d->ngpus; i++)
        keys[i] = diff_gpu_key(&d->gpus[i]);
    qsort(keys, d->ngpus, sizeof(*keys), diff_str_ptr_cmp);
    for (i = 1; i < d->ngpus && !rc; i++)
        if (!strcmp(keys[i - 1], keys[i]))
            rc = bad(err, name, "gpu '%s' is listed twice%s", keys[i], "");
    for (i = 0; i < d->ngpus; i++)
        free(keys[i]);
    free(keys);
    return rc;
}

int
gpv_diff_doc_read(struct gpv_diff_doc *out, const struct gpv_val *doc, const struct gpv_db *db,
                  const char *name, struct gpv_error *err)
{
    const char *schema = str_of(doc, "schema");
    int rc = 0;

    gpv_diff_doc_init(out);
    out->name = name;
    if (schema && !strcmp(schema, STATE_SCHEMA)) {
        out->state = true;
        if ((rc = read_gpus(out, gpv_val_get(doc, "gpus"), db, true, name, err)))
            goto out;
    } else {
        struct gpv_plan_policy pol;
        struct gpv_plan_findings fs;
        const struct gpv_val *ts, *cost;
        size_t i;

        if (!schema || strcmp(schema, GPV_PLAN_SCHEMA)) {
            rc = bad(err, name,
                     "not a plan or a state (schema '%s'; expected '" GPV_PLAN_SCHEMA
                     "' or '" STATE_SCHEMA "')%s",
                     schema ? schema : "", "");
            goto out;
        }
        gpv_plan_policy_init(&pol);
        pol.allow_unplaced = true;
        memset(&fs, 0, sizeof(fs));
        if ((rc = gpv_plan_check(&fs, doc, db, &pol, name, err)))
            goto out;
        if (fs.n) {
            char more[64] = "";

            if (fs.n > 1)
                snprintf(more, sizeof(more), " (and %zu more failed checks)", fs.n - 1);
            rc = gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                               "not a valid plan: %s: %s%s (gpuvplan check lists them)",
                               fs.v[0].where, fs.v[0].what, more);
            gpv_plan_findings_release(&fs);
            goto out;
        }
        gpv_plan_findings_release(&fs);
        if ((rc = read_gpus(out, gpv_val_get(doc, "gpus"), db, false, name, err)))
            goto out;
        cost = gpv_val_get(gpv_val_get(gpv_val_get(doc, "summary"), "cost"), "per_hour");
        if (cost && (cost->type == GPV_V_NUM || cost->type == GPV_V_INT))
            out->cost = cost->type == GPV_V_NUM ? cost->d : (double)cost->i;
        ts = gpv_val_get(doc, "tenants");
        if (ts && ts->type == GPV_V_ARR) {
            out->tenants = xcalloc(ts->n ? ts->n : 1, sizeof(*out->tenants));
            for (i = 0; i < ts->n; i++)
                if (str_of(ts->items[i], "name"))
                    out->tenants[out->ntenants++] = str_of(ts->items[i], "name");
        }
    }
    /* A plan that passes check has unique GPU ids, and a GPU with a node has the id
     * "NODE/INDEX" (its key) on an index no other GPU takes: only a state's keys need this. */
    if (out->state)
        rc = check_unique(out, name, err);
out:
    if (rc)
        gpv_diff_doc_release(out);
    return rc;
}
