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

#define SCH_DEPTH 64 /* the schema nests far less deeply */

/* Where validation is: a member name, or an array index when key is NULL. */
struct sch_seg {
    const char *key;
    size_t idx;
};

struct sch {
    const char *name;
    struct gpv_error *err;
    struct sch_seg seg[SCH_DEPTH]; /* the path, written out only when something fails */
    size_t depth;
};

static void
push(struct sch *c, const char *key, size_t idx)
{
    GPV_ASSERT(c->depth < SCH_DEPTH);
    c->seg[c->depth].key = key;
    c->seg[c->depth].idx = idx;
    c->depth++;
}

static int
fail(struct sch *c, const char *what)
{
    char path[512];
    size_t i, len;

    path[0] = '\0';
    for (i = 0; i < c->depth; i++) {
        len = strlen(path);
        if (c->seg[i].key)
            snprintf(path + len, sizeof(path) - len, "%s%s", len ? "." : "", c->seg[i].key);
        else
            snprintf(path + len, sizeof(path) - len, "[%zu]", c->seg[i].idx);
    }
    return gpv_error_set(c->err, GPV_EINPUT, c->name, 0, 0, "not a plan: %s %s",
                         path[0] ? path : "the document", what);
}

/*
 * Member key of o, searched from *hint on and then from the start (members usually come in the
 * schema's order, so most searches take one step): the only such member, since the JSON reader
 * refuses duplicate keys; when o has several, some member called key (existence is the same).
 */
static const struct gpv_val *
member(const struct gpv_val *o, const char *key, size_t *hint)
{
    size_t k, i;

    if (!o || o->type != GPV_V_OBJ || !o->n)
        return NULL;
    for (k = 0; k < o->n; k++) {
        i = (*hint + k) % o->n;
        if (o->keys[i][0] == key[0] && !strcmp(o->keys[i], key)) {
            *hint = i + 1;
            return o->items[i];
        }
    }
    return NULL;
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
    size_t i, vhint = 0, phint = 0;
    int rc;

    for (i = 0; req && i < req->n; i++) {
        if (!member(v, req->items[i]->s, &vhint)) {
            char what[160];

            snprintf(what, sizeof(what), "lacks '%.120s'", req->items[i]->s);
            return fail(c, what);
        }
    }
    for (i = 0; i < v->n; i++) {
        ps = member(props, v->keys[i], &phint);
        push(c, v->keys[i], 0);
        if (!ps && extra && extra->type == GPV_V_BOOL && !extra->b)
            return fail(c, "is not a member the schema allows");
        if (!ps && extra && extra->type == GPV_V_OBJ)
            ps = extra;
        if (ps && (rc = validate(c, ps, v->items[i])))
            return rc;
        c->depth--;
    }
    return 0;
}

static int
validate(struct sch *c, const struct gpv_val *s, const struct gpv_val *v)
{
    const struct gpv_val *t = gpv_val_get(s, "type"), *k;
    size_t i;
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
            for (i = 0; i < v->n; i++) {
                push(c, NULL, i);
                if ((rc = validate(c, k, v->items[i])))
                    return rc;
                c->depth--;
            }
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
