/* Plans: `check`'s re-validation of a plan file against the database, and its policies. */
#include "gpuvplan/plan.h"

#include "plan_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
