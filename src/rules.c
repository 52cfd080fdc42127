#include "gpuvplan/rules.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "embedded.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a)        (sizeof(a) / sizeof((a)[0]))
#define RULES_VERSION   1
#define RULES_MAX       1000 /* most rules in one file */
#define SOURCES_MAX     1000 /* most sources in one file */
#define EPS             1e-9 /* slack when comparing shares of a GPU */
#define ALL_SERIES_BITS 0xfu /* A, B, C and Q */

static const char *const method_names[] = {
    [GPV_METHOD_NONE] = "none",         [GPV_METHOD_PASSTHROUGH] = "passthrough",
    [GPV_METHOD_VGPU] = "vgpu",         [GPV_METHOD_MIG] = "mig",
    [GPV_METHOD_MIG_VGPU] = "mig-vgpu",
};

/* The order used when no prefer rule holds, and to complete partial prefer lists. */
static const enum gpv_method default_order[GPV_NMETHODS] = {GPV_METHOD_VGPU, GPV_METHOD_MIG_VGPU,
                                                            GPV_METHOD_MIG, GPV_METHOD_PASSTHROUGH};

const char *
gpv_method_name(enum gpv_method m)
{
    return (size_t)m < NELEM(method_names) ? method_names[m] : "none";
}

bool
gpv_method_parse(enum gpv_method *out, const char *s)
{
    int m;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++) {
        if (!strcmp(s, method_names[m])) {
            *out = (enum gpv_method)m;
            return true;
        }
    }
    return false;
}

const char *
gpv_phase_name(enum gpv_phase p)
{
    return p == GPV_PHASE_PREFER ? "prefer" : "exclude";
}

/* ---- the fields a condition can test ------------------------------------------------------ */

enum ftype {
    FT_BOOL,
    FT_NUM,
    FT_ENUM,
};

enum field {
    F_ISOLATION,
    F_WORKLOAD,
    F_ENVIRONMENT,
    F_LIVE_MIGRATION,
    F_FULL_GPU,
    F_WHOLE_GPU,
    F_GPUS,
    F_REPLICAS,
    F_MEMORY_MIB,
    F_COMPUTE,
    F_MEDIA,
    F_SPREAD,
    F_PINNED,
    F_LIC_AIE,
    F_LIC_VWS,
    F_LIC_VPC,
    F_LIC_VAPPS,
    F_GPU_MIG,
    F_GPU_VGPU,
    F_GPU_MIG_VGPU,
    F_GPU_SERIES_A,
    F_GPU_SERIES_B,
    F_GPU_SERIES_C,
    F_GPU_SERIES_Q,
    F_GPU_MIXED,
    F_GPU_MEMORY_MIB,
    F_GPU_MIG_MAX_MEMORY_MIB,
    F_GPU_ARCH,
    NFIELDS,
};

static const char *const isolation_values[] = {"none", "soft", "hard"};
static const char *const workload_values[] = {"training", "inference", "hpc",
                                              "vdi",      "graphics",  "dev"};
static const char *const environment_values[] = {"container", "vm"};
static const char *const arch_values[] = {"volta", "turing", "ampere",
                                          "ada",   "hopper", "blackwell"};

static const struct {
    const char *name;
    enum ftype type;
    const char *const *values;
    size_t nvalues;
} fields[NFIELDS] = {
    [F_ISOLATION] = {"tenant.isolation", FT_ENUM, isolation_values, NELEM(isolation_values)},
    [F_WORKLOAD] = {"tenant.workload", FT_ENUM, workload_values, NELEM(workload_values)},
    [F_ENVIRONMENT] = {"tenant.environment", FT_ENUM, environment_values,
                       NELEM(environment_values)},
    [F_LIVE_MIGRATION] = {"tenant.live_migration", FT_BOOL, NULL, 0},
    [F_FULL_GPU] = {"tenant.full_gpu", FT_BOOL, NULL, 0},
    [F_WHOLE_GPU] = {"tenant.whole_gpu", FT_BOOL, NULL, 0},
    [F_GPUS] = {"tenant.gpus", FT_NUM, NULL, 0},
    [F_REPLICAS] = {"tenant.replicas", FT_NUM, NULL, 0},
    [F_MEMORY_MIB] = {"tenant.memory_mib", FT_NUM, NULL, 0},
    [F_COMPUTE] = {"tenant.compute", FT_NUM, NULL, 0},
    [F_MEDIA] = {"tenant.media", FT_BOOL, NULL, 0},
    [F_SPREAD] = {"tenant.spread", FT_BOOL, NULL, 0},
    [F_PINNED] = {"tenant.pinned", FT_BOOL, NULL, 0},
    [F_LIC_AIE] = {"license.ai_enterprise", FT_BOOL, NULL, 0},
    [F_LIC_VWS] = {"license.vws", FT_BOOL, NULL, 0},
    [F_LIC_VPC] = {"license.vpc", FT_BOOL, NULL, 0},
    [F_LIC_VAPPS] = {"license.vapps", FT_BOOL, NULL, 0},
    [F_GPU_MIG] = {"gpu.mig", FT_BOOL, NULL, 0},
    [F_GPU_VGPU] = {"gpu.vgpu", FT_BOOL, NULL, 0},
    [F_GPU_MIG_VGPU] = {"gpu.mig_vgpu", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_A] = {"gpu.series_a", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_B] = {"gpu.series_b", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_C] = {"gpu.series_c", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_Q] = {"gpu.series_q", FT_BOOL, NULL, 0},
    [F_GPU_MIXED] = {"gpu.mixed_size", FT_BOOL, NULL, 0},
    [F_GPU_MEMORY_MIB] = {"gpu.memory_mib", FT_NUM, NULL, 0},
    [F_GPU_MIG_MAX_MEMORY_MIB] = {"gpu.mig_max_memory_mib", FT_NUM, NULL, 0},
    [F_GPU_ARCH] = {"gpu.architecture", FT_ENUM, arch_values, NELEM(arch_values)},
};

/* What a condition is evaluated against. */
struct ctx {
    const struct gpv_tenant *t;
    const struct gpv_licenses *lic;
    const struct gpv_gpu *g;
};

static bool
gpu_has_series(const struct gpv_gpu *g, enum gpv_series s)
{
    size_t i;

    for (i = 0; g->vgpu && i < g->vgpu->ntypes; i++)
        if (g->vgpu->types[i].series == s)
            return true;
    return false;
}

static bool
gpu_has_mig_vgpu(const struct gpv_gpu *g)
{
    size_t i;

    for (i = 0; g->vgpu && i < g->vgpu->ntypes; i++)
        if (g->vgpu->types[i].mig_profile >= 0)
            return true;
    return false;
}

static double
field_value(const struct ctx *c, int f)
{
    const struct gpv_tenant *t = c->t;
    const struct gpv_gpu *g = c->g;
    size_t i;

    switch ((enum field)f) {
    case F_ISOLATION:
        return t->isolation == GPV_ISO_NONE ? 0 : t->isolation == GPV_ISO_SOFT ? 1 : 2;
    case F_WORKLOAD:
        return (double)t->workload;
    case F_ENVIRONMENT:
        return t->environment == GPV_ENV_VM ? 1 : 0;
    case F_LIVE_MIGRATION:
        return t->live_migration;
    case F_FULL_GPU:
        return t->full_gpu;
    case F_WHOLE_GPU:
        return gpv_tenant_whole_gpu(t);
    case F_GPUS:
        return gpv_tenant_gpus(t);
    case F_REPLICAS:
        return t->replicas;
    case F_MEMORY_MIB:
        return (double)t->memory_mib;
    case F_COMPUTE:
        return t->compute;
    case F_MEDIA:
        return t->media;
    case F_SPREAD:
        return t->spread;
    case F_PINNED:
        return t->gpu != NULL;
    case F_LIC_AIE:
        return c->lic->ai_enterprise;
    case F_LIC_VWS:
        return c->lic->vws;
    case F_LIC_VPC:
        return c->lic->vpc;
    case F_LIC_VAPPS:
        return c->lic->vapps;
    case F_GPU_MIG:
        return g->mig != NULL;
    case F_GPU_VGPU:
        return g->vgpu != NULL && g->vgpu->ntypes > 0;
    case F_GPU_MIG_VGPU:
        return gpu_has_mig_vgpu(g);
    case F_GPU_SERIES_A:
        return gpu_has_series(g, GPV_SERIES_A);
    case F_GPU_SERIES_B:
        return gpu_has_series(g, GPV_SERIES_B);
    case F_GPU_SERIES_C:
        return gpu_has_series(g, GPV_SERIES_C);
    case F_GPU_SERIES_Q:
        return gpu_has_series(g, GPV_SERIES_Q);
    case F_GPU_MIXED:
        return g->vgpu != NULL && g->vgpu->mixed_size;
    case F_GPU_MEMORY_MIB:
        return (double)g->memory_mib;
    case F_GPU_MIG_MAX_MEMORY_MIB:
        return (double)gpv_gpu_max_mig_memory(g);
    case F_GPU_ARCH:
        for (i = 0; i < NELEM(arch_values); i++)
            if (g->architecture && gpv_strieq(g->architecture, arch_values[i]))
                return (double)i;
        return -1;
    case NFIELDS:
        break;
    }
    return 0;
}

/* ---- conditions --------------------------------------------------------------------------- */

enum cond_kind {
    C_ALL,
    C_ANY,
    C_NOT,
    C_CMP,
};

enum cmp_op {
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_IN,
};

static const char *const op_names[] = {"eq", "ne", "lt", "le", "gt", "ge", "in"};
static const char *const op_symbols[] = {"is", "is not", "<", "<=", ">", ">=", "in"};

struct gpv_cond {
    enum cond_kind kind;
    size_t n; /* C_ALL, C_ANY: kids; C_NOT: 1 */
    struct gpv_cond *kids;
    int field; /* C_CMP */
    enum cmp_op op;
    bool rhs_is_field; /* compare with another field (numbers only) */
    int rhs_field;
    double value; /* bool 0/1, enum index or number */
    size_t nvals; /* OP_IN */
    double *vals;
};

static void
cond_release(struct gpv_cond *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->n; i++)
        cond_release(&c->kids[i]);
    free(c->kids);
    free(c->vals);
    memset(c, 0, sizeof(*c));
}

static bool
cond_eval(const struct gpv_cond *c, const struct ctx *x)
{
    double v, r;
    size_t i;

    if (!c)
        return true;
    switch (c->kind) {
    case C_ALL:
        for (i = 0; i < c->n; i++)
            if (!cond_eval(&c->kids[i], x))
                return false;
        return true;
    case C_ANY:
        for (i = 0; i < c->n; i++)
            if (cond_eval(&c->kids[i], x))
                return true;
        return false;
    case C_NOT:
        return !cond_eval(&c->kids[0], x);
    case C_CMP:
        break;
    }
    v = field_value(x, c->field);
    r = c->rhs_is_field ? field_value(x, c->rhs_field) : c->value;
    switch (c->op) {
    case OP_EQ:
        return v == r;
    case OP_NE:
        return v != r;
    case OP_LT:
        return v < r;
    case OP_LE:
        return v <= r;
    case OP_GT:
        return v > r;
    case OP_GE:
        return v >= r;
    case OP_IN:
        for (i = 0; i < c->nvals; i++)
            if (v == c->vals[i])
                return true;
        return false;
    }
    return false;
}

static void
format_value(struct gpv_buf *b, int field, double v)
{
    if (fields[field].type == FT_ENUM && v >= 0 && (size_t)v < fields[field].nvalues)
        gpv_buf_puts(b, fields[field].values[(size_t)v]);
    else if (fields[field].type == FT_BOOL)
        gpv_buf_puts(b, v != 0 ? "true" : "false");
    else
        gpv_buf_printf(b, "%g", v);
}

static void
format_cond(struct gpv_buf *b, const struct gpv_cond *c, enum cond_kind parent)
{
    size_t i;
    bool paren;

    switch (c->kind) {
    case C_ALL:
    case C_ANY:
        paren = c->n > 1 && (parent == C_NOT || (parent != c->kind && parent != C_CMP));
        if (paren)
            gpv_buf_putc(b, '(');
        for (i = 0; i < c->n; i++) {
            if (i)
                gpv_buf_puts(b, c->kind == C_ALL ? " and " : " or ");
            format_cond(b, &c->kids[i], c->kind);
        }
        if (paren)
            gpv_buf_putc(b, ')');
        return;
    case C_NOT:
        gpv_buf_puts(b, "not ");
        format_cond(b, &c->kids[0], C_NOT);
        return;
    case C_CMP:
        break;
    }
    if (fields[c->field].type == FT_BOOL && (c->op == OP_EQ || c->op == OP_NE)) {
        bool positive = (c->value != 0) == (c->op == OP_EQ);

        gpv_buf_printf(b, "%s%s", positive ? "" : "not ", fields[c->field].name);
        return;
    }
    gpv_buf_printf(b, "%s %s ", fields[c->field].name, op_symbols[c->op]);
    if (c->op == OP_IN) {
        gpv_buf_putc(b, '[');
        for (i = 0; i < c->nvals; i++) {
            if (i)
                gpv_buf_puts(b, ", ");
            format_value(b, c->field, c->vals[i]);
        }
        gpv_buf_putc(b, ']');
    } else if (c->rhs_is_field) {
        gpv_buf_puts(b, fields[c->rhs_field].name);
    } else {
        format_value(b, c->field, c->value);
    }
}

char *
gpv_cond_format(const struct gpv_cond *c)
{
    struct gpv_buf b;

    if (!c)
        return xstrdup("always");
    gpv_buf_init(&b);
    format_cond(&b, c, C_CMP);
    return gpv_buf_detach(&b);
}

/* ---- loading conditions ------------------------------------------------------------------- */

static int
find_name(const char *s, const char *const *names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return (int)i;
    return -1;
}

static int
find_field(const char *s)
{
    int f;

    for (f = 0; f < NFIELDS; f++)
        if (!strcmp(s, fields[f].name))
            return f;
    return -1;
}

/* "unknown KIND 'word'MID (did you mean 'y'?)TAIL" at node; names NULL: no suggestion. */
static int
unknown_name(struct gpv_error *err, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
             const char *kind, const char *const *names, size_t n, const char *mid,
             const char *tail)
{
    int s;

    if (!gpv_quotable(node->str))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "unknown %s%s%s", kind, mid, tail);
    s = names ? gpv_suggest(node->str, names, n) : -1;
    if (s >= 0)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "unknown %s '%s'%s (did you mean '%s'?)%s",
                           kind, node->str, mid, names[s], tail);
    return gpv_y_error(err, GPV_EINPUT, doc, node, "unknown %s '%s'%s%s", kind, node->str, mid,
                       tail);
}

/* One operand for field f: a literal of f's type or (numbers) another numeric field. */
static int
parse_operand(double *out, bool *is_field, int *rhs_field, const struct gpv_ydoc *doc,
              const struct gpv_ynode *node, int f, struct gpv_error *err)
{
    const char *const *names = fields[f].values;
    char *what;
    bool b;
    int k, rc;

    if (is_field)
        *is_field = false;
    if (!node || node->kind != GPV_Y_SCALAR || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s compares with a single value here",
                           fields[f].name);
    switch (fields[f].type) {
    case FT_BOOL:
        what = xasprintf("the value of %s", fields[f].name);
        rc = gpv_y_bool(&b, doc, node, what, err);
        free(what);
        if (!rc)
            *out = b;
        return rc;
    case FT_ENUM:
        if ((k = find_name(node->str, names, fields[f].nvalues)) >= 0) {
            *out = k;
            return 0;
        }
        {
            struct gpv_buf mid, tail;

            gpv_buf_init(&mid);
            gpv_buf_init(&tail);
            gpv_buf_printf(&mid, " for %s", fields[f].name);
            gpv_buf_puts(&tail, "; use ");
            for (k = 0; k < (int)fields[f].nvalues; k++)
                gpv_buf_printf(&tail, "%s%s",
                               k == 0                            ? ""
                               : k + 1 == (int)fields[f].nvalues ? " or "
                                                                 : ", ",
                               names[k]);
            rc = unknown_name(err, doc, node, "value", names, fields[f].nvalues, gpv_buf_str(&mid),
                              gpv_buf_str(&tail));
            gpv_buf_release(&mid);
            gpv_buf_release(&tail);
            return rc;
        }
    case FT_NUM:
        if (node->plain && gpv_parse_double(out, node->str))
            return 0;
        if (is_field && (k = find_field(node->str)) >= 0) {
            if (fields[k].type != FT_NUM)
                return gpv_y_error(err, GPV_EINPUT, doc, node,
                                   "%s is not a number, so %s cannot be compared with it",
                                   fields[k].name, fields[f].name);
            *is_field = true;
            *rhs_field = k;
            return 0;
        }
        if (!is_field && find_field(node->str) >= 0)
            return gpv_y_error(err, GPV_EINPUT, doc, node, "'in' lists numbers for %s, not fields",
                               fields[f].name);
        if (strchr(node->str, '.') && gpv_quotable(node->str)) {
            const char *names_all[NFIELDS];

            for (k = 0; k < NFIELDS; k++)
                names_all[k] = fields[k].name;
            return unknown_name(err, doc, node, "field", names_all, NFIELDS, "", "");
        }
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "%s is a number: compare it with a number or a numeric field",
                           fields[f].name);
    }
    return GPV_EINPUT;
}

static int parse_cond(struct gpv_cond *out, const struct gpv_ydoc *doc,
                      const struct gpv_ynode *node, struct gpv_error *err);

/* A comparison `field: value`, `field: [values]` or `field: {op: value}`. */
static int
parse_cmp(struct gpv_cond *c, const struct gpv_ydoc *doc, const struct gpv_ynode *key,
          const struct gpv_ynode *val, struct gpv_error *err)
{
    const struct gpv_ynode *operand = val;
    int f = find_field(key->str), op = OP_EQ;
    size_t i;
    int rc;

    if (f < 0) {
        const char *names_all[NFIELDS + 3];

        for (i = 0; i < NFIELDS; i++)
            names_all[i] = fields[i].name;
        names_all[NFIELDS] = "all";
        names_all[NFIELDS + 1] = "any";
        names_all[NFIELDS + 2] = "not";
        return unknown_name(err, doc, key, "field", names_all, NELEM(names_all), "",
                            "; docs/rules.md lists the fields");
    }
    c->kind = C_CMP;
    c->field = f;
    if (val->kind == GPV_Y_MAP) {
        if (val->n != 1)
            return gpv_y_error(err, GPV_EINPUT, doc, val,
                               "a comparison of %s takes one operator (eq, ne, lt, le, gt, ge, "
                               "in), not %zu",
                               fields[f].name, val->n);
        if ((op = find_name(val->items[0]->str, op_names, NELEM(op_names))) < 0)
            return unknown_name(err, doc, val->items[0], "operator", op_names, NELEM(op_names), "",
                                "; use eq, ne, lt, le, gt, ge or in");
        operand = val->items[1];
    } else if (val->kind == GPV_Y_SEQ) {
        op = OP_IN;
    }
    c->op = (enum cmp_op)op;
    if (fields[f].type == FT_BOOL && op != OP_EQ && op != OP_NE)
        return gpv_y_error(err, GPV_EINPUT, doc, val,
                           "%s is true or false: compare it with eq or ne, not '%s'",
                           fields[f].name, op_names[op]);
    if (fields[f].type == FT_ENUM && op != OP_EQ && op != OP_NE && op != OP_IN)
        return gpv_y_error(err, GPV_EINPUT, doc, val,
                           "%s is a name: compare it with eq, ne or in, not '%s'", fields[f].name,
                           op_names[op]);
    if (op == OP_IN) {
        if (operand->kind != GPV_Y_SEQ || operand->n == 0)
            return gpv_y_error(err, GPV_EINPUT, doc, operand,
                               "'in' takes a non-empty list of values for %s", fields[f].name);
        c->vals = xcalloc(operand->n, sizeof(*c->vals));
        for (i = 0; i < operand->n; i++) {
            if ((rc = parse_operand(&c->vals[i], NULL, NULL, doc, operand->items[i], f, err)))
                return rc;
            c->nvals++;
        }
        return 0;
    }
    return parse_operand(&c->value, &c->rhs_is_field, &c->rhs_field, doc, operand, f, err);
}

/* One key of a condition mapping: a combinator or a comparison. */
static int
parse_pair(struct gpv_cond *c, const struct gpv_ydoc *doc, const struct gpv_ynode *key,
           const struct gpv_ynode *val, struct gpv_error *err)
{
    size_t i;
    int rc;

    if (!strcmp(key->str, "all") || !strcmp(key->str, "any")) {
        c->kind = !strcmp(key->str, "all") ? C_ALL : C_ANY;
        if (val->kind != GPV_Y_SEQ || val->n == 0)
            return gpv_y_error(err, GPV_EINPUT, doc, val,
                               "'%s' takes a non-empty list of conditions", key->str);
        c->kids = xcalloc(val->n, sizeof(*c->kids));
        for (i = 0; i < val->n; i++) {
            c->n++;
            if ((rc = parse_cond(&c->kids[i], doc, val->items[i], err)))
                return rc;
        }
        return 0;
    }
    if (!strcmp(key->str, "not")) {
        c->kind = C_NOT;
        c->kids = xcalloc(1, sizeof(*c->kids));
        c->n = 1;
        return parse_cond(&c->kids[0], doc, val, err);
    }
    return parse_cmp(c, doc, key, val, err);
}

/* A condition: a mapping; several keys mean all of them. */
static int
parse_cond(struct gpv_cond *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
           struct gpv_error *err)
{
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!node || node->kind != GPV_Y_MAP || node->n == 0)
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "a condition is a mapping like {tenant.isolation: hard}, "
                           "{all: [...]}, {any: [...]} or {not: ...}");
    if (node->n == 1)
        return parse_pair(out, doc, node->items[0], node->items[1], err);
    out->kind = C_ALL;
    out->kids = xcalloc(node->n, sizeof(*out->kids));
    for (i = 0; i < node->n; i++) {
        out->n++;
        if ((rc = parse_pair(&out->kids[i], doc, node->items[2 * i], node->items[2 * i + 1], err)))
            return rc;
    }
    return 0;
}

/* ---- loading rules ------------------------------------------------------------------------ */

static void
rule_release(struct gpv_rule *r)
{
    size_t i;

    free(r->id);
    if (r->when) {
        cond_release(r->when);
        free(r->when);
    }
    free(r->reason);
    for (i = 0; i < r->nsources; i++)
        free(r->sources[i]);
    free(r->sources);
    memset(r, 0, sizeof(*r));
}

void
gpv_rules_release(struct gpv_ruleset *rs)
{
    size_t i;

    if (!rs)
        return;
    for (i = 0; i < rs->nrules; i++)
        rule_release(&rs->rules[i]);
    free(rs->rules);
    for (i = 0; i < rs->nsources; i++) {
        free(rs->sources[i].id);
        free(rs->sources[i].title);
        free(rs->sources[i].url);
    }
    free(rs->sources);
    free(rs->name);
    memset(rs, 0, sizeof(*rs));
}

const struct gpv_source *
gpv_rules_source(const struct gpv_ruleset *rs, const char *id)
{
    size_t i;

    for (i = 0; i < rs->nsources; i++)
        if (!strcmp(rs->sources[i].id, id))
            return &rs->sources[i];
    return NULL;
}

static bool
valid_id(const char *s)
{
    size_t n = 0;

    for (; *s; s++, n++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
            return false;
    return n > 0 && n <= 64;
}

struct top_row {
    int version;
    const struct gpv_ynode *sources, *rules;
};

static const struct gpv_yfield top_fields[] = {
    {"version", GPV_YF_INT, offsetof(struct top_row, version), true, 0, INT_MAX, 0, 0},
    {"sources", GPV_YF_SEQ, offsetof(struct top_row, sources), true, 0, 0, 0, 0},
    {"rules", GPV_YF_SEQ, offsetof(struct top_row, rules), true, 0, 0, 0, 0},
};

static const struct gpv_yfield source_fields[] = {
    {"id", GPV_YF_STR, offsetof(struct gpv_source, id), true, 0, 0, 0, 0},
    {"title", GPV_YF_STR, offsetof(struct gpv_source, title), true, 0, 0, 0, 0},
    {"url", GPV_YF_STR, offsetof(struct gpv_source, url), false, 0, 0, 0, 0},
};

struct rule_row {
    char *id, *reason;
    const struct gpv_ynode *phase, *when, *exclude, *exclude_series, *prefer, *source;
};

static const struct gpv_yfield rule_fields[] = {
    {"id", GPV_YF_STR, offsetof(struct rule_row, id), true, 0, 0, 0, 0},
    {"phase", GPV_YF_NODE, offsetof(struct rule_row, phase), true, 0, 0, 0, 0},
    {"when", GPV_YF_NODE, offsetof(struct rule_row, when), false, 0, 0, 0, 0},
    {"exclude", GPV_YF_SEQ, offsetof(struct rule_row, exclude), false, 0, 0, 0, 0},
    {"exclude_series", GPV_YF_SEQ, offsetof(struct rule_row, exclude_series), false, 0, 0, 0, 0},
    {"prefer", GPV_YF_SEQ, offsetof(struct rule_row, prefer), false, 0, 0, 0, 0},
    {"reason", GPV_YF_STR, offsetof(struct rule_row, reason), true, 0, 0, 0, 0},
    {"source", GPV_YF_NODE, offsetof(struct rule_row, source), true, 0, 0, 0, 0},
};

static const char *const real_method_names[] = {"passthrough", "vgpu", "mig", "mig-vgpu"};
static const char *const series_names[] = {
    [GPV_SERIES_A] = "A", [GPV_SERIES_B] = "B", [GPV_SERIES_C] = "C", [GPV_SERIES_Q] = "Q"};

/* Reads a list of method names into *mask (and, when order is not NULL, in order). */
static int
parse_methods(unsigned *mask, enum gpv_method *order, int *norder, const struct gpv_ydoc *doc,
              const struct gpv_ynode *seq, const char *what, struct gpv_error *err)
{
    enum gpv_method m;
    size_t i;

    *mask = 0;
    if (seq->n == 0)
        return gpv_y_error(err, GPV_EINPUT, doc, seq, "%s is empty", what);
    for (i = 0; i < seq->n; i++) {
        const struct gpv_ynode *it = seq->items[i];

        if (it->kind != GPV_Y_SCALAR)
            return gpv_y_error(err, GPV_EINPUT, doc, it, "%s lists method names", what);
        if (!gpv_method_parse(&m, it->str))
            return unknown_name(err, doc, it, "method", real_method_names, NELEM(real_method_names),
                                "", "; use passthrough, vgpu, mig or mig-vgpu");
        if (*mask & (1u << m))
            return gpv_y_error(err, GPV_EINPUT, doc, it, "method '%s' is listed twice in %s",
                               it->str, what);
        *mask |= 1u << m;
        if (order)
            order[(*norder)++] = m;
    }
    return 0;
}

static int
parse_series(unsigned *mask, const struct gpv_ydoc *doc, const struct gpv_ynode *seq,
             const char *what, struct gpv_error *err)
{
    size_t i;
    int s;

    *mask = 0;
    if (seq->n == 0)
        return gpv_y_error(err, GPV_EINPUT, doc, seq, "%s is empty", what);
    for (i = 0; i < seq->n; i++) {
        const struct gpv_ynode *it = seq->items[i];

        if (it->kind != GPV_Y_SCALAR || (s = find_name(it->str, series_names, 4)) < 0) {
            if (it->kind == GPV_Y_SCALAR)
                return unknown_name(err, doc, it, "vGPU series", NULL, 0, "", "; use A, B, C or Q");
            return gpv_y_error(err, GPV_EINPUT, doc, it, "%s lists vGPU series (A, B, C, Q)", what);
        }
        if (*mask & (1u << s))
            return gpv_y_error(err, GPV_EINPUT, doc, it, "series '%s' is listed twice in %s",
                               it->str, what);
        *mask |= 1u << s;
    }
    return 0;
}

static int
add_source_ref(struct gpv_rule *r, const struct gpv_ruleset *rs, const struct gpv_ydoc *doc,
               const struct gpv_ynode *node, const char *what, struct gpv_error *err)
{
    const char **ids;
    size_t i;
    int rc;

    if (node->kind != GPV_Y_SCALAR || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "'source' of %s names source ids", what);
    if (!gpv_rules_source(rs, node->str)) {
        ids = xcalloc(rs->nsources + 1, sizeof(*ids));
        for (i = 0; i < rs->nsources; i++)
            ids[i] = rs->sources[i].id;
        rc = unknown_name(err, doc, node, "source", ids, rs->nsources, "",
                          "; declare it under 'sources'");
        free(ids);
        return rc;
    }
    r->sources = xreallocarray(r->sources, r->nsources + 1, sizeof(*r->sources));
    r->sources[r->nsources++] = xstrdup(node->str);
    return 0;
}

static int
load_rule(struct gpv_rule *r, const struct gpv_ruleset *rs, const struct gpv_ydoc *doc,
          const struct gpv_ynode *map, size_t index, struct gpv_error *err)
{
    static const char *const phase_names[] = {"exclude", "prefer"};
    struct rule_row row;
    const struct gpv_ynode *idn = gpv_ymap_get(map, "id");
    char *what, *where = NULL;
    unsigned mask;
    size_t i;
    int p, rc;

    memset(&row, 0, sizeof(row));
    if (idn && idn->kind == GPV_Y_SCALAR && valid_id(idn->str))
        what = xasprintf("rule '%s'", idn->str);
    else
        what = xasprintf("rule %zu", index + 1);
    r->line = map->line;
    r->col = map->col;
    if ((rc = gpv_ymap_decode(&row, doc, map, rule_fields, NELEM(rule_fields), what, NULL, err)))
        goto out;
    r->id = row.id;
    row.id = NULL;
    r->reason = row.reason;
    row.reason = NULL;
    if (!valid_id(r->id)) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, idn,
                         "rule id must be 1 to 64 lowercase letters, digits or '-'");
        goto out;
    }
    if (row.phase->kind != GPV_Y_SCALAR || (p = find_name(row.phase->str, phase_names, 2)) < 0) {
        if (row.phase->kind == GPV_Y_SCALAR)
            rc = unknown_name(err, doc, row.phase, "phase", phase_names, 2, "",
                              "; use exclude or prefer");
        else
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.phase,
                             "'phase' of %s must be exclude or prefer", what);
        goto out;
    }
    r->phase = p == 0 ? GPV_PHASE_EXCLUDE : GPV_PHASE_PREFER;
    if (row.when) {
        r->when = xcalloc(1, sizeof(*r->when));
        if ((rc = parse_cond(r->when, doc, row.when, err)))
            goto out;
    }
    if (r->phase == GPV_PHASE_EXCLUDE) {
        if (row.prefer) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.prefer,
                             "%s is in phase exclude: it takes 'exclude' or 'exclude_series', "
                             "not 'prefer'",
                             what);
            goto out;
        }
        if (!row.exclude && !row.exclude_series) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, map,
                             "%s is in phase exclude but excludes nothing: give 'exclude' or "
                             "'exclude_series'",
                             what);
            goto out;
        }
        where = xasprintf("'exclude' of %s", what);
        if (row.exclude &&
            (rc = parse_methods(&r->exclude, NULL, NULL, doc, row.exclude, where, err)))
            goto out;
        free(where);
        where = xasprintf("'exclude_series' of %s", what);
        if (row.exclude_series &&
            (rc = parse_series(&r->exclude_series, doc, row.exclude_series, where, err)))
            goto out;
    } else {
        const struct gpv_ynode *bad = row.exclude ? row.exclude : row.exclude_series;

        if (bad) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, bad,
                             "%s is in phase prefer: it takes 'prefer', not '%s'", what,
                             bad == row.exclude ? "exclude" : "exclude_series");
            goto out;
        }
        if (!row.prefer) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, map, "missing key 'prefer' in %s", what);
            goto out;
        }
        where = xasprintf("'prefer' of %s", what);
        if ((rc = parse_methods(&mask, r->prefer, &r->nprefer, doc, row.prefer, where, err)))
            goto out;
    }
    if (row.source->kind == GPV_Y_SEQ) {
        if (row.source->n == 0) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.source, "'source' of %s is empty", what);
            goto out;
        }
        for (i = 0; i < row.source->n; i++)
            if ((rc = add_source_ref(r, rs, doc, row.source->items[i], what, err)))
                goto out;
    } else if ((rc = add_source_ref(r, rs, doc, row.source, what, err))) {
        goto out;
    }
out:
    free(row.id);
    free(row.reason);
    free(where);
    free(what);
    return rc;
}

int
gpv_rules_load_mem(struct gpv_ruleset *out, const char *buf, size_t len, const char *name,
                   struct gpv_error *err)
{
    struct gpv_ydoc *doc = NULL;
    struct top_row top;
    size_t i, j;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&top, 0, sizeof(top));
    if (!name)
        name = "<input>";
    out->name = xstrdup(name);
    if ((rc = gpv_ydoc_parse(&doc, buf, len, name, err)))
        goto out;
    if (!doc->root) {
        rc = gpv_error_set(err, GPV_EINPUT, name, 1, 1,
                           "the rules file is empty: it needs 'version', 'sources' and 'rules'");
        goto out;
    }
    if ((rc = gpv_ymap_decode(&top, doc, doc->root, top_fields, NELEM(top_fields), "the rules file",
                              NULL, err)))
        goto out;
    if (top.version != RULES_VERSION) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(doc->root, "version"),
                         "unsupported version %d (this gpuvplan reads version %d)", top.version,
                         RULES_VERSION);
        goto out;
    }
    if (top.sources->n > SOURCES_MAX || top.rules->n > RULES_MAX) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, top.rules,
                         "too many rules or sources (at most %d of each)", RULES_MAX);
        goto out;
    }
    out->sources = xcalloc(top.sources->n + 1, sizeof(*out->sources));
    for (i = 0; i < top.sources->n; i++) {
        const struct gpv_ynode *m = top.sources->items[i];
        char *what = xasprintf("source %zu", i + 1);

        rc = gpv_ymap_decode(&out->sources[i], doc, m, source_fields, NELEM(source_fields), what,
                             NULL, err);
        free(what);
        out->nsources++;
        if (rc)
            goto out;
        if (!valid_id(out->sources[i].id)) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(m, "id"),
                             "source id must be 1 to 64 lowercase letters, digits or '-'");
            goto out;
        }
        for (j = 0; j < i; j++) {
            if (!strcmp(out->sources[j].id, out->sources[i].id)) {
                rc = gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(m, "id"),
                                 "duplicate source id '%s'", out->sources[i].id);
                goto out;
            }
        }
    }
    if (top.rules->n == 0) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, top.rules, "'rules' is empty");
        goto out;
    }
    out->rules = xcalloc(top.rules->n, sizeof(*out->rules));
    for (i = 0; i < top.rules->n; i++) {
        rc = load_rule(&out->rules[i], out, doc, top.rules->items[i], i, err);
        out->nrules++;
        if (rc)
            goto out;
        for (j = 0; j < i; j++) {
            if (!strcmp(out->rules[j].id, out->rules[i].id)) {
                rc = gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(top.rules->items[i], "id"),
                                 "duplicate rule id '%s' (first at line %d)", out->rules[i].id,
                                 out->rules[j].line);
                goto out;
            }
        }
    }
out:
    gpv_ydoc_free(doc);
    if (rc)
        gpv_rules_release(out);
    return rc;
}

int
gpv_rules_load_embedded(struct gpv_ruleset *out, struct gpv_error *err)
{
    const struct gpv_embedded_file *f = gpv_embedded_find("profiles/rules.yaml");

    if (!f) {
        memset(out, 0, sizeof(*out));
        return gpv_error_set(err, GPV_EINPUT, "profiles/rules.yaml", 0, 0,
                             "the rules are not compiled into this binary");
    }
    return gpv_rules_load_mem(out, f->data, f->len, f->name, err);
}

/* ---- candidates --------------------------------------------------------------------------- */

/* Appends g unless already there; keeps the lowest known cost. */
static void
add_candidate(struct gpv_candidate **v, size_t *n, const struct gpv_gpu *g, double cost)
{
    size_t i;

    for (i = 0; i < *n; i++) {
        if ((*v)[i].gpu == g) {
            if (cost >= 0 && ((*v)[i].cost_per_hour < 0 || cost < (*v)[i].cost_per_hour))
                (*v)[i].cost_per_hour = cost;
            return;
        }
    }
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[*n].gpu = g;
    (*v)[*n].cost_per_hour = cost;
    (*n)++;
}

/* The lowest cost the fleet gives for g, or -1. */
static double
fleet_cost(const struct gpv_tenants *file, const struct gpv_gpu *g)
{
    double best = -1;
    size_t i;

    for (i = 0; file && i < file->nfleet; i++)
        if (file->fleet[i].gpu == g && file->fleet[i].has_cost &&
            (best < 0 || file->fleet[i].cost_per_hour < best))
            best = file->fleet[i].cost_per_hour;
    return best;
}

size_t
gpv_candidates(struct gpv_candidate **out, const struct gpv_tenants *file,
               const struct gpv_tenant *t, const struct gpv_db *db,
               const struct gpv_gpu *const *only, size_t nonly)
{
    size_t i, n = 0;

    *out = NULL;
    if (t && t->gpu) {
        add_candidate(out, &n, t->gpu, fleet_cost(file, t->gpu));
    } else if (nonly) {
        for (i = 0; i < nonly; i++)
            add_candidate(out, &n, only[i], fleet_cost(file, only[i]));
    } else if (file && file->nfleet) {
        for (i = 0; i < file->nfleet; i++)
            add_candidate(out, &n, file->fleet[i].gpu,
                          file->fleet[i].has_cost ? file->fleet[i].cost_per_hour : -1);
    } else {
        for (i = 0; db && i < db->ngpus; i++)
            add_candidate(out, &n, db->gpus[i], -1);
    }
    return n;
}

/* ---- evaluation --------------------------------------------------------------------------- */

static void
reasons_add(struct gpv_reasons *r, const char *rule, const char *text)
{
    r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
    r->v[r->n].rule = rule;
    r->v[r->n].text = xstrdup(text);
    r->n++;
}

static bool
reasons_has(const struct gpv_reasons *r, const char *text)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].text, text))
            return true;
    return false;
}

static void
reasons_release(struct gpv_reasons *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->v[i].text);
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

/* The text of every rule that does not hold: shared, never freed (most rules of a trace). */
static const char not_held[] = "does not hold";

static struct gpv_trace *
trace_add(struct gpv_choice *ch, enum gpv_step step, const struct gpv_rule *rule, enum gpv_method m,
          bool matched, char *text)
{
    struct gpv_trace *tr;

    /* apply_rules() sized the array: one line per rule and per method. */
    tr = &ch->trace[ch->ntrace++];
    tr->step = step;
    tr->rule = rule;
    tr->method = m;
    tr->matched = matched;
    tr->decided = false;
    tr->text = text;
    return tr;
}

/* "19.62 GiB (20091 MiB)" */
static void
put_mib(struct gpv_buf *b, long long mib)
{
    char g[32];

    gpv_buf_printf(b, "%s (%lld MiB)", gpv_mib_format(g, sizeof(g), mib), mib);
}

/* What the tenant needs from one instance, in the words of a trace. */
struct need {
    long long mib;   /* 0: no memory asked */
    double compute;  /* share of one GPU; 1 for whole-GPU tenants; 0: not asked */
    bool whole;      /* whole-GPU tenant */
    const char *mem; /* memory as written; read only when mib > 0 */
};

static void
put_need(struct gpv_buf *b, const struct need *nd)
{
    if (nd->mib)
        gpv_buf_printf(b, "%s needs %lld MiB", nd->mem, nd->mib);
    else
        gpv_buf_puts(b, "no memory given");
}

/* Slices of `total` that cover a share of compute. */
static int
slices_for(double compute, int total)
{
    int k = (int)ceil(compute * total - EPS);

    return k < 1 ? 1 : k;
}

struct pick {
    bool fits;
    int mig_profile, vgpu_type, gpus;
    double share;
};

static int
cmp_ll(long long a, long long b)
{
    return a < b ? -1 : a > b;
}

/* Sorts idx[0..n) by cmp(ctx, a, b); n is small (the profiles or types of one model). */
static void
sort_indices(int *idx, int n, const void *ctx, int (*cmp)(const void *, int, int))
{
    int i, j, v;

    for (i = 1; i < n; i++) {
        v = idx[i];
        for (j = i; j > 0 && cmp(ctx, idx[j - 1], v) > 0; j--)
            idx[j] = idx[j - 1];
        idx[j] = v;
    }
}

/* MIG profiles by memory, then compute slices, then database order. */
static int
profile_cmp(const void *ctx, int a, int b)
{
    const struct gpv_mig *mig = ctx;
    const struct gpv_mig_profile *p = &mig->profiles[a], *q = &mig->profiles[b];
    int c = cmp_ll(p->memory_mib, q->memory_mib);

    if (!c)
        c = p->compute_slices - q->compute_slices;
    return c ? c : a - b;
}

static struct pick
select_mig(const struct gpv_gpu *g, const struct need *nd, bool media, struct gpv_buf *b)
{
    struct pick pk = {false, -1, -1, 0, 0};
    const struct gpv_mig *mig = g->mig;
    int idx[GPV_MIG_MAX_PROFILES], n = 0, i, need_slices = 0;
    long long near_mem = -1;
    int near_slices = -1;

    put_need(b, nd);
    if (nd->compute > 0) {
        need_slices = slices_for(nd->compute, mig->compute_slices);
        if (nd->whole)
            gpv_buf_printf(b, "; a whole GPU needs all %d compute slices", mig->compute_slices);
        else
            gpv_buf_printf(b, "; compute %g needs %d of %d slices", nd->compute, need_slices,
                           mig->compute_slices);
    }
    if (media)
        gpv_buf_puts(b, "; media needs a profile with media engines (+me)");
    gpv_buf_puts(b, ":");
    for (i = 0; i < (int)mig->nprofiles; i++)
        if (mig->profiles[i].media == media)
            idx[n++] = i;
    sort_indices(idx, n, mig, profile_cmp);
    /* Name only the nearest misses: the largest too-small memory, the most too-few slices. */
    for (i = 0; i < n; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[idx[i]];

        if (p->memory_mib < nd->mib)
            near_mem = p->memory_mib;
        else if (p->compute_slices < need_slices && p->compute_slices > near_slices)
            near_slices = p->compute_slices;
    }
    for (i = 0; i < n; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[idx[i]];

        if (p->memory_mib < nd->mib) {
            if (p->memory_mib == near_mem) {
                gpv_buf_printf(b, " %s offers ", p->name);
                put_mib(b, p->memory_mib);
                gpv_buf_puts(b, ": too small;");
            }
            continue;
        }
        if (p->compute_slices < need_slices) {
            if (p->compute_slices == near_slices)
                gpv_buf_printf(b, " %s has %d of %d slices: too little compute;", p->name,
                               p->compute_slices, mig->compute_slices);
            continue;
        }
        pk.fits = true;
        pk.mig_profile = idx[i];
        pk.share = (double)p->size / mig->units;
        gpv_buf_printf(b, " %s fits (", p->name);
        put_mib(b, p->memory_mib);
        gpv_buf_printf(b, ", %d of %d slices)", p->compute_slices, mig->compute_slices);
        return pk;
    }
    if (n == 0)
        gpv_buf_printf(b, " %s has no MIG profile %s media engines", g->id,
                       media ? "with" : "without");
    else
        gpv_buf_puts(b, " no profile fits");
    return pk;
}

/* Series preference for ties between vGPU types of equal frame buffer. */
static int
series_rank(enum gpv_workload w, enum gpv_series s)
{
    static const enum gpv_series desk[] = {GPV_SERIES_B, GPV_SERIES_Q, GPV_SERIES_C, GPV_SERIES_A};
    static const enum gpv_series work[] = {GPV_SERIES_Q, GPV_SERIES_B, GPV_SERIES_C, GPV_SERIES_A};
    static const enum gpv_series comp[] = {GPV_SERIES_C, GPV_SERIES_Q, GPV_SERIES_B, GPV_SERIES_A};
    const enum gpv_series *o = w == GPV_WL_VDI ? desk : w == GPV_WL_GRAPHICS ? work : comp;
    int i;

    for (i = 0; i < 4; i++)
        if (o[i] == s)
            return i;
    return 4;
}

/* "A, B or Q" (conj "or") or "A, B and Q". */
static void
put_series_set(struct gpv_buf *b, unsigned mask, const char *conj)
{
    int s, k = 0, total = 0;

    for (s = 0; s < 4; s++)
        total += (mask >> s) & 1u;
    for (s = 0; s < 4; s++) {
        if (!(mask & (1u << s)))
            continue;
        gpv_buf_printf(b, "%s%s%s%s",
                       k == 0           ? ""
                       : k + 1 == total ? " "
                                        : ", ",
                       k > 0 && k + 1 == total ? conj : "", k > 0 && k + 1 == total ? " " : "",
                       series_names[s]);
        k++;
    }
}

/* Why no type of the model is left: its series, and the rules (from the trace) that
   excluded each of them. */
static void
put_no_series(struct gpv_buf *b, const struct gpv_gpu *g, bool mig_backed,
              const struct gpv_choice *ch)
{
    unsigned have = 0;
    size_t i;
    int s, k;

    for (i = 0; g->vgpu && i < g->vgpu->ntypes; i++)
        if ((g->vgpu->types[i].mig_profile >= 0) == mig_backed)
            have |= 1u << g->vgpu->types[i].series;
    if (!have) {
        gpv_buf_printf(b, "%s has no %s vGPU types", g->id,
                       mig_backed ? "MIG-backed" : "time-sliced");
        return;
    }
    gpv_buf_printf(b, "%s has %s types of series ", g->id,
                   mig_backed ? "MIG-backed" : "time-sliced");
    put_series_set(b, have, "and");
    if (ch->series & have) {
        gpv_buf_puts(b, ", none of them for this tenant");
        return;
    }
    gpv_buf_puts(b, " only; excluded");
    for (s = 0; s < 4; s++) {
        if (!(have & (1u << s)))
            continue;
        gpv_buf_printf(b, " %s by", series_names[s]);
        for (i = 0, k = 0; i < ch->ntrace; i++) {
            const struct gpv_rule *r = ch->trace[i].rule;

            if (r && ch->trace[i].matched && (r->exclude_series & (1u << s)))
                gpv_buf_printf(b, "%s '%s'", k++ ? " and" : "", r->id);
        }
        gpv_buf_putc(b, ';');
    }
    b->s[--b->len] = '\0';
}

/*
 * Memory a vGPU of the type can use: its frame buffer, but never more than the GPU instance
 * under a MIG-backed type has (H100-1-20C is listed with 20480 MiB on a 1g.20gb of 20091 MiB).
 */
static long long
type_memory(const struct gpv_gpu *g, const struct gpv_vgpu_type *ty)
{
    long long fb = ty->framebuffer_mib;

    if (ty->mig_profile >= 0 && g->mig && g->mig->profiles[ty->mig_profile].memory_mib < fb)
        return g->mig->profiles[ty->mig_profile].memory_mib;
    return fb;
}

/*
 * The compute a vGPU of the type is guaranteed, as a share of the GPU: 1 / max under the
 * fixed-share scheduler for time-sliced types; its GPU instance's slices for MIG-backed ones,
 * divided among the vGPUs that time-slice the instance. *footprint (when not NULL) gets the
 * share of the GPU it occupies: the same, or its instance's placement units.
 */
static double
type_share(const struct gpv_gpu *g, const struct gpv_vgpu_type *ty, double *footprint)
{
    const struct gpv_mig_profile *p;
    double per;

    if (ty->mig_profile < 0) {
        if (footprint)
            *footprint = 1.0 / ty->max;
        return 1.0 / ty->max;
    }
    p = &g->mig->profiles[ty->mig_profile];
    per = (double)p->max / ty->max;
    if (footprint)
        *footprint = (double)p->size / g->mig->units * per;
    return (double)p->compute_slices / g->mig->compute_slices * per;
}

struct type_sort {
    const struct gpv_gpu *g;
    enum gpv_workload w;
};

/* vGPU types by frame buffer, then compute slices (MIG-backed), then series, then order. */
static int
type_cmp(const void *ctx, int a, int b)
{
    const struct type_sort *ts = ctx;
    const struct gpv_vgpu_type *p = &ts->g->vgpu->types[a], *q = &ts->g->vgpu->types[b];
    int c = cmp_ll(type_memory(ts->g, p), type_memory(ts->g, q));

    if (!c && p->mig_profile >= 0 && q->mig_profile >= 0)
        c = ts->g->mig->profiles[p->mig_profile].compute_slices -
            ts->g->mig->profiles[q->mig_profile].compute_slices;
    if (!c)
        c = series_rank(ts->w, p->series) - series_rank(ts->w, q->series);
    return c ? c : a - b;
}

/*
 * Time-sliced (mig_backed false) or MIG-backed vGPU types of an allowed series: the smallest
 * frame buffer that covers the memory, whose guaranteed share covers the compute.
 */
static struct pick
select_vgpu(const struct gpv_gpu *g, const struct gpv_tenant *t, const struct need *nd,
            bool mig_backed, const struct gpv_choice *ch, struct gpv_buf *b)
{
    struct pick pk = {false, -1, -1, 0, 0};
    struct type_sort ts;
    int *idx, n = 0, i;
    long long near_mem = -1;
    double near_share = -1;
    bool skipped_shared = false;

    if (!g->vgpu || !g->vgpu->ntypes) {
        gpv_buf_printf(b, "%s has no vGPU types", g->id);
        return pk;
    }
    idx = xcalloc(g->vgpu->ntypes, sizeof(*idx));
    for (i = 0; i < (int)g->vgpu->ntypes; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[i];

        if ((ty->mig_profile >= 0) != mig_backed || !(ch->series & (1u << ty->series)))
            continue;
        if (mig_backed && g->mig->profiles[ty->mig_profile].media != t->media)
            continue;
        /* A type with more vGPUs than its GPU instance has copies shares the instance in
           time slices: no hardware isolation between those vGPUs. */
        if (mig_backed && t->isolation == GPV_ISO_HARD &&
            ty->max > g->mig->profiles[ty->mig_profile].max) {
            skipped_shared = true;
            continue;
        }
        idx[n++] = i;
    }
    if (n == 0) {
        if (mig_backed && t->media)
            gpv_buf_printf(b, "%s has no MIG-backed type with media engines (ME) of series ",
                           g->id);
        else
            put_no_series(b, g, mig_backed, ch);
        if (mig_backed && t->media)
            put_series_set(b, ch->series, "or");
        free(idx);
        return pk;
    }
    ts.g = g;
    ts.w = t->workload;
    sort_indices(idx, n, &ts, type_cmp);
    put_need(b, nd);
    if (nd->compute > 0) {
        if (nd->whole)
            gpv_buf_puts(b, "; a whole GPU needs a type that holds the GPU alone");
        else if (mig_backed)
            gpv_buf_printf(b, "; compute %g needs that share of the GPU's slices", nd->compute);
        else
            gpv_buf_printf(b, "; compute %g needs a fixed-share scheduler slice of at least that",
                           nd->compute);
    }
    if (skipped_shared)
        gpv_buf_puts(b, "; hard isolation skips types that time-slice a GPU instance");
    gpv_buf_puts(b, ":");
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[idx[i]];

        if (type_memory(g, ty) < nd->mib)
            near_mem = type_memory(g, ty);
    }
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[idx[i]];
        double share = type_share(g, ty, NULL);

        if (type_memory(g, ty) >= nd->mib && share + EPS < nd->compute && share > near_share)
            near_share = share;
    }
    for (i = 0; i < n; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[idx[i]];
        double footprint, share = type_share(g, ty, &footprint);

        if (type_memory(g, ty) < nd->mib) {
            if (type_memory(g, ty) == near_mem) {
                gpv_buf_printf(b, " %s offers ", ty->name);
                put_mib(b, type_memory(g, ty));
                gpv_buf_puts(b, ": too small;");
            }
            continue;
        }
        if (share + EPS < nd->compute) {
            if (share == near_share)
                gpv_buf_printf(b, " %s guarantees %.3g of the GPU: too little;", ty->name, share);
            continue;
        }
        pk.fits = true;
        pk.vgpu_type = idx[i];
        pk.mig_profile = ty->mig_profile;
        pk.share = footprint;
        gpv_buf_printf(b, " %s fits (", ty->name);
        put_mib(b, type_memory(g, ty));
        if (mig_backed)
            gpv_buf_printf(b, " on MIG %s", g->mig->profiles[ty->mig_profile].name);
        if (nd->compute > 0 && !mig_backed)
            gpv_buf_printf(b, "; fixed share 1/%d", ty->max);
        gpv_buf_puts(b, ")");
        free(idx);
        return pk;
    }
    gpv_buf_puts(b, " no type fits");
    free(idx);
    return pk;
}

static struct pick
select_passthrough(const struct gpv_gpu *g, const struct gpv_tenant *t, const struct need *nd,
                   struct gpv_buf *b)
{
    struct pick pk = {false, -1, -1, 0, 0};
    int asked = gpv_tenant_gpus(t);
    long long per = g->memory_mib > 0 ? g->memory_mib : 1;
    long long n = asked;
    char mem[32];

    if (asked > 0 && nd->mib > (long long)asked * per) {
        put_need(b, nd);
        gpv_buf_printf(b, ": %d x %s hold %s: too small", asked, g->id,
                       gpv_mib_format(mem, sizeof(mem), (long long)asked * per));
        return pk;
    }
    if (asked == 0)
        n = nd->mib > per ? (nd->mib + per - 1) / per : 1;
    if (n > GPV_TENANT_GPUS_MAX) {
        put_need(b, nd);
        gpv_buf_printf(b, ": more than %d x %s per replica", GPV_TENANT_GPUS_MAX, g->id);
        return pk;
    }
    pk.fits = true;
    pk.gpus = (int)n;
    pk.share = (double)n;
    if (nd->mib) {
        put_need(b, nd);
        gpv_buf_puts(b, ": ");
    }
    gpv_buf_printf(b, "%lld whole %s (%s) per replica", n, g->id,
                   gpv_mib_format(mem, sizeof(mem), n * per));
    return pk;
}

static void
put_methods(struct gpv_buf *b, unsigned mask)
{
    int m;
    bool first = true;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++) {
        if (mask & (1u << m)) {
            gpv_buf_printf(b, "%s%s", first ? "" : ", ", method_names[m]);
            first = false;
        }
    }
}

static void
choice_init(struct gpv_choice *ch, const struct gpv_candidate *cand)
{
    int m;

    memset(ch, 0, sizeof(*ch));
    ch->gpu = cand->gpu;
    ch->cost_per_hour = cand->cost_per_hour;
    ch->method = GPV_METHOD_NONE;
    ch->mig_profile = -1;
    ch->vgpu_type = -1;
    ch->rank = GPV_NMETHODS;
    for (m = 0; m < GPV_METHOD_COUNT; m++) {
        ch->options[m].mig_profile = -1;
        ch->options[m].vgpu_type = -1;
    }
}

static void
choice_release(struct gpv_choice *ch)
{
    size_t i;
    int m;

    for (i = 0; i < ch->ntrace; i++)
        if (ch->trace[i].text != not_held)
            free(ch->trace[i].text);
    free(ch->trace);
    for (m = 0; m < GPV_METHOD_COUNT; m++)
        reasons_release(&ch->rejected[m]);
    memset(ch, 0, sizeof(*ch));
}

/* Phase 1 and 2 on one model: exclusions, series left, the order of methods. */
static void
apply_rules(struct gpv_choice *ch, const struct gpv_ruleset *rs, const struct ctx *x,
            unsigned *excluded)
{
    size_t i;
    int m, k;

    *excluded = 0;
    ch->series = ALL_SERIES_BITS;
    ch->trace = xcalloc(rs->nrules + GPV_NMETHODS, sizeof(*ch->trace));
    for (i = 0; i < rs->nrules; i++) {
        const struct gpv_rule *r = &rs->rules[i];
        bool held = cond_eval(r->when, x);
        struct gpv_buf b;
        struct gpv_trace *tr;

        if (!held) {
            trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, false, (char *)not_held);
            continue;
        }
        gpv_buf_init(&b);
        if (r->phase == GPV_PHASE_EXCLUDE) {
            gpv_buf_puts(&b, "excludes ");
            put_methods(&b, r->exclude);
            if (r->exclude_series) {
                gpv_buf_printf(&b, "%sseries ", r->exclude ? "; " : "");
                put_series_set(&b, r->exclude_series, "and");
            }
            for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++)
                if (r->exclude & (1u << m))
                    reasons_add(&ch->rejected[m], r->id, r->reason);
            *excluded |= r->exclude;
            ch->series &= ~r->exclude_series;
            trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, true, gpv_buf_detach(&b));
            continue;
        }
        if (ch->order_rule) {
            gpv_buf_printf(&b, "holds, but '%s' came first", ch->order_rule->id);
            trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, true, gpv_buf_detach(&b));
            continue;
        }
        ch->order_rule = r;
        for (k = 0; k < r->nprefer; k++)
            ch->order[k] = r->prefer[k];
        for (m = 0; m < GPV_NMETHODS; m++) {
            int j;

            for (j = 0; j < k; j++)
                if (ch->order[j] == default_order[m])
                    break;
            if (j == k)
                ch->order[k++] = default_order[m];
        }
        gpv_buf_puts(&b, "orders ");
        for (k = 0; k < GPV_NMETHODS; k++)
            gpv_buf_printf(&b, "%s%s", k ? ", " : "", method_names[ch->order[k]]);
        tr = trace_add(ch, GPV_STEP_RULE, r, GPV_METHOD_NONE, true, gpv_buf_detach(&b));
        tr->decided = true;
    }
    if (!ch->order_rule)
        memcpy(ch->order, default_order, sizeof(ch->order));
}

static void
evaluate_choice(struct gpv_choice *ch, const struct gpv_ruleset *rs, const struct gpv_tenant *t,
                const struct gpv_licenses *lic, const struct gpv_candidate *cand)
{
    struct ctx x = {t, lic, cand->gpu};
    const struct gpv_gpu *g = cand->gpu;
    struct need nd;
    unsigned excluded;
    int k;

    choice_init(ch, cand);
    nd.mib = t->memory_mib;
    nd.whole = gpv_tenant_whole_gpu(t);
    nd.compute = nd.whole ? 1.0 : t->compute;
    nd.mem = t->memory_text ? t->memory_text : "the memory";
    apply_rules(ch, rs, &x, &excluded);

    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = ch->order[k];
        struct gpv_option *o = &ch->options[m];
        struct gpv_buf b;
        struct pick pk = {false, -1, -1, 0, 0};

        if (excluded & (1u << m)) {
            o->excluded = true;
            continue;
        }
        gpv_buf_init(&b);
        switch (m) {
        case GPV_METHOD_MIG:
            if (g->mig)
                pk = select_mig(g, &nd, t->media, &b);
            else
                gpv_buf_printf(&b, "%s has no MIG", g->id);
            break;
        case GPV_METHOD_MIG_VGPU:
            if (g->mig)
                pk = select_vgpu(g, t, &nd, true, ch, &b);
            else
                gpv_buf_printf(&b, "%s has no MIG", g->id);
            break;
        case GPV_METHOD_VGPU:
            pk = select_vgpu(g, t, &nd, false, ch, &b);
            break;
        case GPV_METHOD_PASSTHROUGH:
            pk = select_passthrough(g, t, &nd, &b);
            break;
        case GPV_METHOD_NONE:
            break;
        }
        o->fits = pk.fits;
        o->mig_profile = pk.mig_profile;
        o->vgpu_type = pk.vgpu_type;
        o->gpus = pk.gpus;
        o->share = pk.share;
        if (!pk.fits)
            reasons_add(&ch->rejected[m], NULL, gpv_buf_str(&b));
        trace_add(ch, GPV_STEP_SELECT, NULL, m, pk.fits, gpv_buf_detach(&b));
        if (pk.fits && ch->method == GPV_METHOD_NONE) {
            ch->method = m;
            ch->rank = k;
            ch->mig_profile = pk.mig_profile;
            ch->vgpu_type = pk.vgpu_type;
            ch->gpus = pk.gpus;
            ch->share = pk.share;
        }
    }
    /* Methods that fit but come later in the order lost on preference. */
    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = ch->order[k];
        const struct gpv_option *o = &ch->options[m];
        struct gpv_choice tmp;
        char *text;

        if (!o->fits || m == ch->method)
            continue;
        tmp = *ch;
        tmp.method = m;
        tmp.mig_profile = o->mig_profile;
        tmp.vgpu_type = o->vgpu_type;
        if (gpv_choice_profile(&tmp))
            text = xasprintf("fits (%s), but %s comes first in the order of %s%s%s",
                             gpv_choice_profile(&tmp), method_names[ch->method],
                             ch->order_rule ? "'" : "the default",
                             ch->order_rule ? ch->order_rule->id : "", ch->order_rule ? "'" : "");
        else
            text = xasprintf("fits (%d whole GPU%s), but %s comes first in the order of %s%s%s",
                             o->gpus, o->gpus == 1 ? "" : "s", method_names[ch->method],
                             ch->order_rule ? "'" : "the default",
                             ch->order_rule ? ch->order_rule->id : "", ch->order_rule ? "'" : "");
        reasons_add(&ch->rejected[m], ch->order_rule ? ch->order_rule->id : NULL, text);
        free(text);
    }
}

const char *
gpv_choice_profile(const struct gpv_choice *c)
{
    switch (c->method) {
    case GPV_METHOD_MIG:
        return c->mig_profile >= 0 ? c->gpu->mig->profiles[c->mig_profile].name : NULL;
    case GPV_METHOD_VGPU:
    case GPV_METHOD_MIG_VGPU:
        return c->vgpu_type >= 0 ? c->gpu->vgpu->types[c->vgpu_type].name : NULL;
    default:
        return NULL;
    }
}

int
gpv_choice_cmp(const struct gpv_choice *a, const struct gpv_choice *b)
{
    bool ha = a->method != GPV_METHOD_NONE, hb = b->method != GPV_METHOD_NONE;

    if (ha != hb)
        return ha ? -1 : 1;
    if (ha) {
        double ca, cb;

        if (a->rank != b->rank)
            return a->rank - b->rank;
        if (a->cost_per_hour >= 0 && b->cost_per_hour >= 0) {
            ca = a->share * a->cost_per_hour;
            cb = b->share * b->cost_per_hour;
        } else {
            ca = a->share;
            cb = b->share;
        }
        if (fabs(ca - cb) > EPS)
            return ca < cb ? -1 : 1;
    }
    return strcmp(a->gpu->id, b->gpu->id);
}

static int
choice_qsort_cmp(const void *a, const void *b)
{
    return gpv_choice_cmp(a, b);
}

/* Every reason across models: shared ones once, model-specific ones prefixed by the model. */
static void
merge_reasons(struct gpv_decision *d)
{
    size_t c, i, o;
    int m;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++) {
        for (c = 0; c < d->nchoices; c++) {
            const struct gpv_reasons *rs = &d->choices[c].rejected[m];

            for (i = 0; i < rs->n; i++) {
                bool everywhere = true;
                char *text;

                for (o = 0; o < d->nchoices && everywhere; o++)
                    everywhere = reasons_has(&d->choices[o].rejected[m], rs->v[i].text);
                text = everywhere ? xstrdup(rs->v[i].text)
                                  : xasprintf("%s: %s", d->choices[c].gpu->id, rs->v[i].text);
                if (!reasons_has(&d->rejected[m], text))
                    reasons_add(&d->rejected[m], rs->v[i].rule, text);
                free(text);
            }
        }
    }
}

int
gpv_decide(struct gpv_decision *out, const struct gpv_ruleset *rs, const struct gpv_tenant *t,
           const struct gpv_licenses *lic, const struct gpv_candidate *cands, size_t ncands,
           struct gpv_error *err)
{
    size_t i;
    int m;

    (void)err;
    memset(out, 0, sizeof(*out));
    out->tenant = t;
    out->method = GPV_METHOD_NONE;
    out->best = -1;
    if (ncands) {
        out->choices = xcalloc(ncands, sizeof(*out->choices));
        for (i = 0; i < ncands; i++)
            evaluate_choice(&out->choices[i], rs, t, lic, &cands[i]);
        out->nchoices = ncands;
        qsort(out->choices, ncands, sizeof(*out->choices), choice_qsort_cmp);
    }
    if (out->nchoices && out->choices[0].method != GPV_METHOD_NONE) {
        const struct gpv_choice *best = &out->choices[0];

        out->best = 0;
        out->method = best->method;
        for (m = 0; m < GPV_METHOD_COUNT; m++)
            for (i = 0; i < best->rejected[m].n; i++)
                reasons_add(&out->rejected[m], best->rejected[m].v[i].rule,
                            best->rejected[m].v[i].text);
    } else {
        merge_reasons(out);
    }
    return 0;
}

void
gpv_decision_release(struct gpv_decision *d)
{
    size_t i;
    int m;

    if (!d)
        return;
    for (i = 0; i < d->nchoices; i++)
        choice_release(&d->choices[i]);
    free(d->choices);
    for (m = 0; m < GPV_METHOD_COUNT; m++)
        reasons_release(&d->rejected[m]);
    memset(d, 0, sizeof(*d));
    d->best = -1;
}
