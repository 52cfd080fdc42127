/*
 * `check` against docs/plan.schema.json, compiled into the binary: the subset of JSON Schema the
 * document uses (type, const, enum, minimum, maximum, exclusiveMinimum, minItems, required,
 * properties, additionalProperties, items), so every plan the schema rejects, check rejects.
 */
#include "embedded.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"
#include "plan_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The schema's own table (tools/embed.c output for docs/plan.schema.json, renamed). */
extern const struct gpv_embedded_file gpv_schema_files[];
extern const size_t gpv_schema_count;

struct sch {
    const char *name;
    struct gpv_error *err;
    char path[512];
};

static int
fail(struct sch *c, const char *what)
{
    return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0, "not a plan: %s %s",
                         c->path[0] ? c->path : "the document", what);
}

static bool
is_type(const struct gpv_val *v, const char *t)
{
    if (!strcmp(t, "object"))
        return v->type == GPV_V_OBJ;
    if (!strcmp(t, "array"))
        return v->type == GPV_V_ARR;
    if (!strcmp(t, "string"))
        return v->type == GPV_V_STR;
    if (!strcmp(t, "integer"))
        return v->type == GPV_V_INT;
    if (!strcmp(t, "number"))
        return v->type == GPV_V_INT || v->type == GPV_V_NUM;
    if (!strcmp(t, "boolean"))
        return v->type == GPV_V_BOOL;
    if (!strcmp(t, "null"))
        return v->type == GPV_V_NULL;
    return false;
}

static double
num(const struct gpv_val *v)
{
    return v->type == GPV_V_INT ? (double)v->i : v->d;
}

/* Equal scalars (enum and const hold strings, numbers, booleans and null). */
static bool
same(const struct gpv_val *a, const struct gpv_val *b)
{
    if (a->type == GPV_V_STR || b->type == GPV_V_STR)
        return a->type == b->type && !strcmp(a->s, b->s);
    if (is_type(a, "number") && is_type(b, "number"))
        return num(a) == num(b);
    if (a->type != b->type)
        return false;
    return a->type == GPV_V_NULL || (a->type == GPV_V_BOOL && a->b == b->b);
}

static int validate(struct sch *c, const struct gpv_val *s, const struct gpv_val *v);

static int
validate_object(struct sch *c, const struct gpv_val *s, const struct gpv_val *v)
{
    const struct gpv_val *req = gpv_val_get(s, "required"), *props = gpv_val_get(s, "properties");
    const struct gpv_val *extra = gpv_val_get(s, "additionalProperties"), *ps;
    size_t i, len = strlen(c->path);
    int rc;

    for (i = 0; req && i < req->n; i++) {
        if (!gpv_val_get(v, req->items[i]->s)) {
            char what[160];

            snprintf(what, sizeof(what), "lacks '%.120s'", req->items[i]->s);
            return fail(c, what);
        }
    }
    for (i = 0; i < v->n; i++) {
        ps = props ? gpv_val_get(props, v->keys[i]) : NULL;
        snprintf(c->path + len, sizeof(c->path) - len, "%s%s", len ? "." : "", v->keys[i]);
        if (!ps && extra && extra->type == GPV_V_BOOL && !extra->b) {
            rc = fail(c, "is not a member the schema allows");
            c->path[len] = '\0';
            return rc;
        }
        if (!ps && extra && extra->type == GPV_V_OBJ)
            ps = extra;
        if (ps && (rc = validate(c, ps, v->items[i])))
            return rc;
        c->path[len] = '\0';
    }
    return 0;
}

static int
validate(struct sch *c, const struct gpv_val *s, const struct gpv_val *v)
{
    const struct gpv_val *t = gpv_val_get(s, "type"), *k;
    size_t i, len;
    int rc;
    char what[160];

    if (t) {
        bool ok = false;

        if (t->type == GPV_V_STR)
            ok = is_type(v, t->s);
        for (i = 0; t->type == GPV_V_ARR && i < t->n && !ok; i++)
            ok = is_type(v, t->items[i]->s);
        if (!ok) {
            size_t n = 0;

            n += (size_t)snprintf(what, sizeof(what), "has the wrong type (the schema wants ");
            for (i = 0; i < (t->type == GPV_V_ARR ? t->n : 1) && n < sizeof(what); i++)
                n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s", i ? " or " : "",
                                      t->type == GPV_V_ARR ? t->items[i]->s : t->s);
            if (n < sizeof(what))
                snprintf(what + n, sizeof(what) - n, ")");
            return fail(c, what);
        }
    }
    if ((k = gpv_val_get(s, "const")) && !same(k, v))
        return fail(c, "is not the value the schema requires");
    if ((k = gpv_val_get(s, "enum"))) {
        bool ok = false;

        for (i = 0; i < k->n && !ok; i++)
            ok = same(k->items[i], v);
        if (!ok)
            return fail(c, "is not one of the values the schema allows");
    }
    if (is_type(v, "number")) {
        if ((k = gpv_val_get(s, "minimum")) && num(v) < num(k)) {
            snprintf(what, sizeof(what), "is %g, below the minimum %g", num(v), num(k));
            return fail(c, what);
        }
        if ((k = gpv_val_get(s, "maximum")) && num(v) > num(k)) {
            snprintf(what, sizeof(what), "is %g, above the maximum %g", num(v), num(k));
            return fail(c, what);
        }
        if ((k = gpv_val_get(s, "exclusiveMinimum")) && !(num(v) > num(k))) {
            snprintf(what, sizeof(what), "is %g; it must be above %g", num(v), num(k));
            return fail(c, what);
        }
    }
    if (v->type == GPV_V_OBJ && (rc = validate_object(c, s, v)))
        return rc;
    if (v->type == GPV_V_ARR) {
        if ((k = gpv_val_get(s, "minItems")) && (double)v->n < num(k))
            return fail(c, "has fewer items than the schema requires");
        if ((k = gpv_val_get(s, "items"))) {
            len = strlen(c->path);
            for (i = 0; i < v->n; i++) {
                snprintf(c->path + len, sizeof(c->path) - len, "[%zu]", i);
                if ((rc = validate(c, k, v->items[i])))
                    return rc;
            }
            c->path[len] = '\0';
        }
    }
    return 0;
}

int
pl_schema(const struct gpv_val *plan, const char *name, struct gpv_error *err)
{
    struct gpv_val *schema = NULL;
    struct sch c;
    int rc;

    GPV_ASSERT(gpv_schema_count == 1);
    if ((rc = gpv_val_parse_json(&schema, gpv_schema_files[0].data, gpv_schema_files[0].len,
                                 gpv_schema_files[0].name, err)))
        return rc; /* only out of memory: the schema is checked at build time */
    memset(&c, 0, sizeof(c));
    c.name = name;
    c.err = err;
    rc = validate(&c, schema, plan);
    gpv_val_free(schema);
    return rc;
}
