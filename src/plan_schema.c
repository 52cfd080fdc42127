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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The schema's own table (tools/embed.c output for docs/plan.schema.json, renamed). */
extern const struct gpv_embedded_file gpv_schema_files[];
extern const size_t gpv_schema_count;

#define SCH_DEPTH 64 /* the schema nests far less deeply */
#define SCH_MAPS  4  /* names arrays remembered per schema object */
#define SCH_OK    2  /* scalars that met a schema remembered per schema object */

/* Where validation is: a member name, or an array index when key is NULL. */
struct sch_seg {
    const char *key;
    size_t idx;
};

struct sch {
    struct gpv_val_cache cache; /* member positions in the plan and in the schema */
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

/* GPV_V_* types as bits of a mask. */
#define TBIT(t) (1u << (t))

/* The types a JSON Schema type name accepts (none for a name the subset does not know). */
static unsigned
type_bits(const char *t)
{
    if (!strcmp(t, "object"))
        return TBIT(GPV_V_OBJ);
    if (!strcmp(t, "array"))
        return TBIT(GPV_V_ARR);
    if (!strcmp(t, "string"))
        return TBIT(GPV_V_STR);
    if (!strcmp(t, "integer"))
        return TBIT(GPV_V_INT);
    if (!strcmp(t, "number"))
        return TBIT(GPV_V_INT) | TBIT(GPV_V_NUM);
    if (!strcmp(t, "boolean"))
        return TBIT(GPV_V_BOOL);
    if (!strcmp(t, "null"))
        return TBIT(GPV_V_NULL);
    return 0;
}

static bool
is_number(const struct gpv_val *v)
{
    return v->type == GPV_V_INT || v->type == GPV_V_NUM;
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
    if (is_number(a) && is_number(b))
        return num(a) == num(b);
    if (a->type != b->type)
        return false;
    return a->type == GPV_V_NULL || (a->type == GPV_V_BOOL && a->b == b->b);
}

/*
 * A schema object compiled once per check: its keywords read out of the schema's value tree,
 * so validating each of a large plan's values looks nothing up by name in the schema.
 */
struct snode {
    const struct gpv_val *type; /* NULL: any type */
    unsigned types;             /* what type accepts */
    const struct gpv_val *cnst, *enm, *min, *max, *xmin, *min_items, *req;
    const struct gpv_val *props;      /* the "properties" object, for member names */
    struct snode **pnodes;            /* compiled props->items[], in its order */
    const struct gpv_val *extra;      /* "additionalProperties" as written, or NULL */
    struct snode *extra_node, *items; /* compiled, when they are objects */
    /* The last few names arrays validated here (objects of a plan share them; a plan's tenants
     * alternate between a few) and, for each of their names, the schema its member meets: NULL
     * none, &refused when it is not allowed. */
    struct names_map {
        char *const *names;
        size_t n, cap;
        struct snode **map;
    } maps[SCH_MAPS];
    size_t next_map; /* the entry of maps[] to replace next */
    /* The last scalars that met this schema: the JSON reader shares repeated scalars (null,
     * small integers, equal strings), and a scalar meets a schema or not wherever it is. */
    const struct gpv_val *ok[SCH_OK];
    size_t next_ok; /* the entry of ok[] to replace next */
    /* The scalar types that meet this schema by their type alone (it has a type and no const
     * or enum, and no bounds for numbers), and the number types that meet it when within its
     * bounds: checked in place, without validate(). */
    unsigned quick, quick_num;
};

static struct snode refused;

struct snodes {
    struct snode **v;
    size_t n, cap;
};

static struct snode *
compile(struct snodes *all, const struct gpv_val *s)
{
    struct snode *n = xcalloc(1, sizeof(*n));
    const struct gpv_val *t, *k;
    size_t i;

    if (all->n == all->cap) {
        all->cap = all->cap ? 2 * all->cap : 64;
        all->v = xreallocarray(all->v, all->cap, sizeof(*all->v));
    }
    all->v[all->n++] = n;
    if ((t = gpv_val_get(s, "type"))) {
        n->type = t;
        if (t->type == GPV_V_STR)
            n->types = type_bits(t->s);
        for (i = 0; t->type == GPV_V_ARR && i < t->n; i++)
            n->types |= type_bits(t->items[i]->s);
    }
    n->cnst = gpv_val_get(s, "const");
    n->enm = gpv_val_get(s, "enum");
    n->min = gpv_val_get(s, "minimum");
    n->max = gpv_val_get(s, "maximum");
    n->xmin = gpv_val_get(s, "exclusiveMinimum");
    n->min_items = gpv_val_get(s, "minItems");
    n->req = gpv_val_get(s, "required");
    n->extra = gpv_val_get(s, "additionalProperties");
    if (n->extra && n->extra->type == GPV_V_OBJ)
        n->extra_node = compile(all, n->extra);
    if ((k = gpv_val_get(s, "items")))
        n->items = compile(all, k);
    if ((n->props = gpv_val_get(s, "properties")) && n->props->type == GPV_V_OBJ && n->props->n) {
        n->pnodes = xcalloc(n->props->n, sizeof(*n->pnodes));
        for (i = 0; i < n->props->n; i++)
            n->pnodes[i] = compile(all, n->props->items[i]);
    } else {
        n->props = NULL;
    }
    if (n->type && !n->cnst && !n->enm) {
        unsigned scalars = n->types & ~(TBIT(GPV_V_OBJ) | TBIT(GPV_V_ARR));
        unsigned nums = TBIT(GPV_V_INT) | TBIT(GPV_V_NUM);

        if (!n->min && !n->max && !n->xmin) {
            n->quick = scalars;
        } else {
            n->quick = scalars & ~nums;
            n->quick_num = scalars & nums;
        }
    }
    return n;
}

/* True when v is one of the last scalars that met s. */
static inline bool
met_before(const struct snode *s, const struct gpv_val *v)
{
    size_t i;

    for (i = 0; i < SCH_OK; i++)
        if (v == s->ok[i])
            return true;
    return false;
}

/* Remembers that scalar v met s. */
static inline void
remember_ok(struct snode *s, const struct gpv_val *v)
{
    s->ok[s->next_ok] = v;
    s->next_ok = (s->next_ok + 1) % SCH_OK;
}

/*
 * True when v meets s without validate(): one of the last scalars that met s, a scalar of a
 * type that meets s by itself, or a number of its types within its bounds. validate() gives the
 * same answer for it (and says why for a value that fails).
 */
static inline bool
meets_quickly(struct snode *s, const struct gpv_val *v)
{
    if (met_before(s, v))
        return true;
    if (!(s->quick & TBIT(v->type))) {
        double x;

        if (!(s->quick_num & TBIT(v->type)))
            return false;
        x = num(v);
        if ((s->min && x < num(s->min)) || (s->max && x > num(s->max)) ||
            (s->xmin && !(x > num(s->xmin))))
            return false;
    }
    remember_ok(s, v);
    return true;
}

static int validate(struct sch *c, struct snode *s, const struct gpv_val *v);

/*
 * Which schema each member of v meets (into *nm), after checking that v has every required
 * member: once per array of names, since every check depends only on the names.
 */
static int
map_members(struct sch *c, struct snode *s, struct names_map *nm, const struct gpv_val *v)
{
    const struct gpv_val *req = s->req;
    size_t i, k;

    nm->names = NULL; /* until mapped */
    nm->n = 0;
    for (i = 0; req && i < req->n; i++) {
        if (gpv_val_index_cached(v, req->items[i]->s, &c->cache) == SIZE_MAX) {
            char what[160];

            snprintf(what, sizeof(what), "lacks '%.120s'", req->items[i]->s);
            return fail(c, what);
        }
    }
    if (v->n > nm->cap) {
        nm->cap = v->n;
        nm->map = xreallocarray(nm->map, nm->cap, sizeof(*nm->map));
    }
    for (i = 0; i < v->n; i++) {
        nm->map[i] = NULL;
        /* The plan's member names and the schema's strings live as long as the cache. */
        if (s->props && (k = gpv_val_index_cached(s->props, v->keys[i], &c->cache)) != SIZE_MAX)
            nm->map[i] = s->pnodes[k];
        else if (s->extra && s->extra->type == GPV_V_BOOL && !s->extra->b)
            nm->map[i] = &refused;
        else if (s->extra_node)
            nm->map[i] = s->extra_node;
    }
    nm->names = v->keys;
    nm->n = v->n;
    return 0;
}

static int
validate_object(struct sch *c, struct snode *s, const struct gpv_val *v)
{
    struct names_map *nm = NULL;
    size_t i;
    int rc;

    for (i = 0; v->keys && i < SCH_MAPS; i++)
        if (s->maps[i].names == v->keys && s->maps[i].n == v->n) {
            nm = &s->maps[i];
            break;
        }
    if (!nm) {
        nm = &s->maps[s->next_map];
        s->next_map = (s->next_map + 1) % SCH_MAPS;
        if ((rc = map_members(c, s, nm, v)))
            return rc;
    }
    for (i = 0; i < v->n; i++) {
        struct snode *m = nm->map[i];

        if (!m || (m != &refused && meets_quickly(m, v->items[i])))
            continue;
        push(c, v->keys[i], 0);
        if (m == &refused)
            return fail(c, "is not a member the schema allows");
        if ((rc = validate(c, m, v->items[i])))
            return rc;
        c->depth--;
    }
    return 0;
}

static int
validate(struct sch *c, struct snode *s, const struct gpv_val *v)
{
    const struct gpv_val *t = s->type, *k;
    size_t i;
    int rc;
    char what[160];

    if (met_before(s, v))
        return 0;
    if (t && !(s->types & TBIT(v->type))) {
        size_t n = 0;

        n += (size_t)snprintf(what, sizeof(what), "has the wrong type (the schema wants ");
        for (i = 0; i < (t->type == GPV_V_ARR ? t->n : 1) && n < sizeof(what); i++)
            n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s", i ? " or " : "",
                                  t->type == GPV_V_ARR ? t->items[i]->s : t->s);
        if (n < sizeof(what))
            snprintf(what + n, sizeof(what) - n, ")");
        return fail(c, what);
    }
    if ((k = s->cnst) && !same(k, v))
        return fail(c, "is not the value the schema requires");
    if ((k = s->enm)) {
        bool ok = false;

        for (i = 0; i < k->n && !ok; i++)
            ok = same(k->items[i], v);
        if (!ok)
            return fail(c, "is not one of the values the schema allows");
    }
    if (is_number(v)) {
        if ((k = s->min) && num(v) < num(k)) {
            snprintf(what, sizeof(what), "is %g, below the minimum %g", num(v), num(k));
            return fail(c, what);
        }
        if ((k = s->max) && num(v) > num(k)) {
            snprintf(what, sizeof(what), "is %g, above the maximum %g", num(v), num(k));
            return fail(c, what);
        }
        if ((k = s->xmin) && !(num(v) > num(k))) {
            snprintf(what, sizeof(what), "is %g; it must be above %g", num(v), num(k));
            return fail(c, what);
        }
    }
    if (v->type != GPV_V_OBJ && v->type != GPV_V_ARR)
        remember_ok(s, v);
    if (v->type == GPV_V_OBJ && (rc = validate_object(c, s, v)))
        return rc;
    if (v->type == GPV_V_ARR) {
        if ((k = s->min_items) && (double)v->n < num(k))
            return fail(c, "has fewer items than the schema requires");
        if (s->items) {
            for (i = 0; i < v->n; i++) {
                if (meets_quickly(s->items, v->items[i]))
                    continue;
                push(c, NULL, i);
                if ((rc = validate(c, s->items, v->items[i])))
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
    struct snodes all = {0};
    struct snode *root;
    struct sch *c;
    size_t i, k;
    int rc;

    GPV_ASSERT(gpv_schema_count == 1);
    if ((rc = gpv_val_parse_json(&schema, gpv_schema_files[0].data, gpv_schema_files[0].len,
                                 gpv_schema_files[0].name, err)))
        return rc; /* only out of memory: the schema is checked at build time */
    root = compile(&all, schema);
    c = xmalloc(sizeof(*c)); /* the cache is large for a stack frame */
    memset(c, 0, sizeof(*c));
    gpv_val_cache_init(&c->cache);
    c->name = name;
    c->err = err;
    rc = validate(c, root, plan);
    free(c);
    for (i = 0; i < all.n; i++) {
        free(all.v[i]->pnodes);
        for (k = 0; k < SCH_MAPS; k++)
            free(all.v[i]->maps[k].map);
        free(all.v[i]);
    }
    free(all.v);
    gpv_val_free(schema);
    return rc;
}
