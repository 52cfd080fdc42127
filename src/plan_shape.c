/* Plans: is a value a plan at all? The shape `check` needs before it reads any member. */
#include "gpuvplan/plan.h"

#include "plan_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where errors go. */
struct shp {
    struct gpv_val_cache cache; /* keys are the literals below */
    const char *name;
    struct gpv_error *err;
};

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

/* Where a member is: a printf format with up to two indexes, written out only for an error. */
struct where {
    const char *fmt;
    size_t i, j;
};

static const char *
where_str(char *buf, size_t size, const struct where *w)
{
    snprintf(buf, size, w->fmt, w->i, w->j);
    return buf;
}

/* A member of the right type, or an error naming its path. */
static const struct gpv_val *
need(struct shp *c, const struct gpv_val *o, const struct where *at, const char *key, unsigned w,
     bool *bad)
{
    const struct gpv_val *v;
    char buf[128];
    const char *path;

    if (*bad)
        return NULL;
    v = gpv_val_get_cached(o, key, &c->cache);
    if (v && is(v, w))
        return v;
    path = where_str(buf, sizeof(buf), at);
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

/* The members an object of a kind must have, each with its types. */
struct row {
    const char *key;
    unsigned w;
};

#define ROW_MAX 12

/* Where a kind's members were in the last object checked, for the next one with its names. */
struct rowmemo {
    char *const *names;
    size_t n;
    size_t idx[ROW_MAX];
};

/*
 * need() for each of rows[0..n) in turn, the same answers and the same first error, but for an
 * object that shares its names with the last one (the JSON reader gives alike objects one
 * array of names) without looking any member up. Returns the member of the last row.
 */
static const struct gpv_val *
need_rows(struct shp *c, const struct gpv_val *o, const struct where *at, const struct row *rows,
          size_t n, struct rowmemo *m, bool *bad)
{
    const struct gpv_val *v = NULL;
    size_t r;

    GPV_ASSERT(n <= ROW_MAX);
    if (*bad)
        return NULL;
    if (!o->keys || o->keys != m->names || o->n != m->n) {
        for (r = 0; r < n; r++)
            m->idx[r] = gpv_val_index_cached(o, rows[r].key, &c->cache);
        m->names = o->keys;
        m->n = o->n;
    }
    for (r = 0; r < n; r++) {
        v = m->idx[r] == SIZE_MAX ? NULL : o->items[m->idx[r]];
        if (!v || !is(v, rows[r].w))
            return need(c, o, at, rows[r].key, rows[r].w, bad); /* says what is wrong */
    }
    return v;
}

static const struct row tenant_rows[] = {
    {"name", W_STR},
    {"method", W_STR},
    {"gpu", W_STR},
    {"profile", W_STR | W_NULL},
    {"mig_profile", W_STR | W_NULL},
    {"whole_gpus", W_INT | W_NULL},
    {"replicas", W_INT},
    {"compute", W_NUM | W_NULL},
    {"spread", W_BOOL},
    {"gpus", W_ARR},
};

static const struct row gpu_rows[] = {
    {"id", W_STR},
    {"model", W_STR},
    {"mode", W_STR},
    {"vgpu_mode", W_STR | W_NULL},
    {"scheduler", W_STR | W_NULL},
    {"instances", W_ARR},
};

static const struct row instance_rows[] = {
    {"tenant", W_STR},
    {"replica", W_INT},
    {"part", W_INT},
    {"profile", W_STR | W_NULL},
    {"vgpu_type", W_STR | W_NULL},
    {"start", W_INT | W_NULL},
    {"size", W_INT | W_NULL},
    {"upgraded_from", W_STR | W_NULL},
};

#define NROWS(r) (sizeof(r) / sizeof((r)[0]))

static int shape(struct shp *c, const struct gpv_val *root);

int
pl_shape(const struct gpv_val *root, const char *name, struct gpv_error *err)
{
    struct shp *c = xmalloc(sizeof(*c)); /* the cache is large for a stack frame */
    int rc;

    gpv_val_cache_init(&c->cache);
    c->name = name;
    c->err = err;
    rc = shape(c, root);
    free(c);
    return rc;
}

static int
shape(struct shp *c, const struct gpv_val *root)
{
    const struct gpv_val *v, *arr, *sum;
    static const struct where top = {"", 0, 0}, summary = {"summary", 0, 0},
                              cost = {"summary.cost", 0, 0};
    struct where path = {"", 0, 0};
    struct rowmemo tm = {0}, gm = {0}, xm = {0};
    char buf[128];
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
    sum = need(c, root, &top, "summary", W_OBJ, &bad);
    need(c, sum, &summary, "gpus_used", W_INT, &bad);
    need(c, sum, &summary, "lower_bound", W_INT, &bad);
    need(c, sum, &summary, "optimal", W_BOOL, &bad);
    need(c, sum, &summary, "tenants", W_INT, &bad);
    need(c, sum, &summary, "placed", W_INT, &bad);
    need(c, sum, &summary, "unplaced", W_INT, &bad);
    v = need(c, sum, &summary, "cost", W_OBJ, &bad);
    need(c, v, &cost, "per_hour", W_NUM | W_NULL, &bad);
    arr = need(c, root, &top, "tenants", W_ARR, &bad);
    for (i = 0; !bad && i < arr->n; i++) {
        const struct gpv_val *t = arr->items[i];

        path.fmt = "tenants[%zu]";
        path.i = i;
        if (!is(t, W_OBJ)) {
            return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                 "not a plan: %s must be an object",
                                 where_str(buf, sizeof(buf), &path));
        }
        v = need_rows(c, t, &path, tenant_rows, NROWS(tenant_rows), &tm, &bad); /* gpus */
        for (j = 0; !bad && j < v->n; j++)
            if (!is(v->items[j], W_STR))
                return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                     "not a plan: %s.gpus[%zu] must be a string",
                                     where_str(buf, sizeof(buf), &path), j);
    }
    arr = need(c, root, &top, "gpus", W_ARR, &bad);
    for (i = 0; !bad && i < arr->n; i++) {
        const struct gpv_val *g = arr->items[i], *ins;

        path.fmt = "gpus[%zu]";
        path.i = i;
        if (!is(g, W_OBJ))
            return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                 "not a plan: %s must be an object",
                                 where_str(buf, sizeof(buf), &path));
        ins = need_rows(c, g, &path, gpu_rows, NROWS(gpu_rows), &gm, &bad); /* instances */
        for (j = 0; !bad && j < ins->n; j++) {
            const struct gpv_val *x = ins->items[j];

            path.fmt = "gpus[%zu].instances[%zu]";
            path.i = i;
            path.j = j;
            if (!is(x, W_OBJ))
                return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                     "not a plan: %s must be an object",
                                     where_str(buf, sizeof(buf), &path));
            need_rows(c, x, &path, instance_rows, NROWS(instance_rows), &xm, &bad);
        }
    }
    arr = need(c, root, &top, "unplaced", W_ARR, &bad);
    for (i = 0; !bad && i < arr->n; i++) {
        const struct gpv_val *u = arr->items[i];

        path.fmt = "unplaced[%zu]";
        path.i = i;
        if (!is(u, W_OBJ))
            return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0,
                                 "not a plan: %s must be an object",
                                 where_str(buf, sizeof(buf), &path));
        need(c, u, &path, "tenant", W_STR, &bad);
        need(c, u, &path, "reasons", W_ARR, &bad);
    }
    return bad ? GPV_EINPUT : 0;
}

double
pl_num(const struct gpv_val *v)
{
    return v->type == GPV_V_INT ? (double)v->i : v->d;
}
