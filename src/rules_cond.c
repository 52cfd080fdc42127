/* The condition language of the rules: fields, conditions, their evaluation, text and parsing. */

#include "rules_int.h"

#include "gpuvplan/rules.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[] = {
    [GPV_METHOD_NONE] = "none",         [GPV_METHOD_PASSTHROUGH] = "passthrough",
    [GPV_METHOD_VGPU] = "vgpu",         [GPV_METHOD_MIG] = "mig",
    [GPV_METHOD_MIG_VGPU] = "mig-vgpu", [GPV_METHOD_TIME_SLICING] = "time-slicing",
    [GPV_METHOD_MPS] = "mps",
};

const char *
gpv_method_name(enum gpv_method m)
{
    return (size_t)m < NELEM(method_names) ? method_names[m] : "none";
}

bool
gpv_method_parse(enum gpv_method *out, const char *s)
{
    int m;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
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
    F_OS,
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
    F_GPU_MIG_GFX,
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
static const char *const os_values[] = {"linux", "windows"};
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
    [F_OS] = {"tenant.os", FT_ENUM, os_values, NELEM(os_values)},
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
    [F_GPU_MIG_GFX] = {"gpu.mig_gfx", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_A] = {"gpu.series_a", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_B] = {"gpu.series_b", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_C] = {"gpu.series_c", FT_BOOL, NULL, 0},
    [F_GPU_SERIES_Q] = {"gpu.series_q", FT_BOOL, NULL, 0},
    [F_GPU_MIXED] = {"gpu.mixed_size", FT_BOOL, NULL, 0},
    [F_GPU_MEMORY_MIB] = {"gpu.memory_mib", FT_NUM, NULL, 0},
    [F_GPU_MIG_MAX_MEMORY_MIB] = {"gpu.mig_max_memory_mib", FT_NUM, NULL, 0},
    [F_GPU_ARCH] = {"gpu.architecture", FT_ENUM, arch_values, NELEM(arch_values)},
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

/* A +gfx MIG profile: an instance that runs graphics APIs (Blackwell GB20X, MIG User Guide). */
bool
rules_profile_gfx(const struct gpv_mig_profile *p)
{
    return strstr(p->name, "+gfx") != NULL;
}

static bool
gpu_has_mig_gfx(const struct gpv_gpu *g)
{
    size_t i;

    for (i = 0; g->mig && i < g->mig->nprofiles; i++)
        if (rules_profile_gfx(&g->mig->profiles[i]))
            return true;
    return false;
}

static double
field_value(const struct rules_ctx *c, int f)
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
    case F_OS:
        return t->os == GPV_OS_WINDOWS ? 1 : 0;
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
    case F_GPU_MIG_GFX:
        return gpu_has_mig_gfx(g);
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

struct gpv_cond *
rules_cond_new(void)
{
    return xcalloc(1, sizeof(struct gpv_cond));
}

void
rules_cond_free(struct gpv_cond *c)
{
    cond_release(c);
    free(c);
}

bool
rules_cond_eval(const struct gpv_cond *c, const struct rules_ctx *x)
{
    double v, r;
    size_t i;

    if (!c)
        return true;
    switch (c->kind) {
    case C_ALL:
        for (i = 0; i < c->n; i++)
            if (!rules_cond_eval(&c->kids[i], x))
                return false;
        return true;
    case C_ANY:
        for (i = 0; i < c->n; i++)
            if (rules_cond_eval(&c->kids[i], x))
                return true;
        return false;
    case C_NOT:
        return !rules_cond_eval(&c->kids[0], x);
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

int
rules_find_name(const char *s, const char *const *names, size_t n)
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
int
rules_unknown_name(struct gpv_error *err, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
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
        if ((k = rules_find_name(node->str, names, fields[f].nvalues)) >= 0) {
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
            rc = rules_unknown_name(err, doc, node, "value", names, fields[f].nvalues,
                                    gpv_buf_str(&mid), gpv_buf_str(&tail));
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
            return rules_unknown_name(err, doc, node, "field", names_all, NFIELDS, "", "");
        }
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "%s is a number: compare it with a number or a numeric field",
                           fields[f].name);
    }
    return GPV_EINPUT;
}

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
        return rules_unknown_name(err, doc, key, "field", names_all, NELEM(names_all), "",
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
        if ((op = rules_find_name(val->items[0]->str, op_names, NELEM(op_names))) < 0)
            return rules_unknown_name(err, doc, val->items[0], "operator", op_names,
                                      NELEM(op_names), "", "; use eq, ne, lt, le, gt, ge or in");
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
            if ((rc = rules_parse_cond(&c->kids[i], doc, val->items[i], err)))
                return rc;
        }
        return 0;
    }
    if (!strcmp(key->str, "not")) {
        c->kind = C_NOT;
        c->kids = xcalloc(1, sizeof(*c->kids));
        c->n = 1;
        return rules_parse_cond(&c->kids[0], doc, val, err);
    }
    return parse_cmp(c, doc, key, val, err);
}

/* A condition: a mapping; several keys mean all of them. */
int
rules_parse_cond(struct gpv_cond *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
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
