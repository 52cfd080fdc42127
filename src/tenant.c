#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const isolation_names[] = {
    [GPV_ISO_NONE] = "none",
    [GPV_ISO_SOFT] = "soft",
    [GPV_ISO_HARD] = "hard",
};

static const char *const workload_names[] = {
    [GPV_WL_TRAINING] = "training", [GPV_WL_INFERENCE] = "inference", [GPV_WL_HPC] = "hpc",
    [GPV_WL_VDI] = "vdi",           [GPV_WL_GRAPHICS] = "graphics",   [GPV_WL_DEV] = "dev",
};

static const char *const environment_names[] = {
    [GPV_ENV_CONTAINER] = "container",
    [GPV_ENV_VM] = "vm",
};

static const char *const vgpu_mode_names[] = {
    [GPV_VGPU_EQUAL] = "equal",
    [GPV_VGPU_MIXED] = "mixed",
};

_Static_assert(NELEM(isolation_names) == GPV_ISOLATION_COUNT, "one name per isolation");
_Static_assert(NELEM(workload_names) == GPV_WORKLOAD_COUNT, "one name per workload");
_Static_assert(NELEM(environment_names) == GPV_ENVIRONMENT_COUNT, "one name per environment");
_Static_assert(NELEM(vgpu_mode_names) == GPV_VGPU_MODE_COUNT, "one name per vGPU mode");

static const char *const mig_strategy_names[] = {
    [GPV_MIG_MIXED] = "mixed",
    [GPV_MIG_SINGLE] = "single",
};

const char *
gpv_mig_strategy_name(enum gpv_mig_strategy v)
{
    return (size_t)v < NELEM(mig_strategy_names) ? mig_strategy_names[v] : "?";
}

const char *
gpv_isolation_name(enum gpv_isolation v)
{
    return (size_t)v < NELEM(isolation_names) ? isolation_names[v] : "?";
}

const char *
gpv_workload_name(enum gpv_workload v)
{
    return (size_t)v < NELEM(workload_names) ? workload_names[v] : "?";
}

const char *
gpv_environment_name(enum gpv_environment v)
{
    return (size_t)v < NELEM(environment_names) ? environment_names[v] : "?";
}

const char *
gpv_vgpu_mode_name(enum gpv_vgpu_mode v)
{
    return (size_t)v < NELEM(vgpu_mode_names) ? vgpu_mode_names[v] : "?";
}

/* Looks s up in names[0..n); returns its index or -1. */
static int
name_index(const char *const *names, size_t n, const char *s)
{
    size_t i;

    for (i = 0; s && i < n; i++)
        if (names[i] && !strcmp(s, names[i]))
            return (int)i;
    return -1;
}

bool
gpv_isolation_parse(enum gpv_isolation *out, const char *s)
{
    int i = name_index(isolation_names, NELEM(isolation_names), s);

    if (i >= 0)
        *out = (enum gpv_isolation)i;
    return i >= 0;
}

bool
gpv_workload_parse(enum gpv_workload *out, const char *s)
{
    int i = name_index(workload_names, NELEM(workload_names), s);

    if (i >= 0)
        *out = (enum gpv_workload)i;
    return i >= 0;
}

bool
gpv_environment_parse(enum gpv_environment *out, const char *s)
{
    int i = name_index(environment_names, NELEM(environment_names), s);

    if (i >= 0)
        *out = (enum gpv_environment)i;
    return i >= 0;
}

bool
gpv_vgpu_mode_parse(enum gpv_vgpu_mode *out, const char *s)
{
    int i = name_index(vgpu_mode_names, NELEM(vgpu_mode_names), s);

    if (i >= 0)
        *out = (enum gpv_vgpu_mode)i;
    return i >= 0;
}

/*
 * The one list of licences: the key the file uses, the product name, the field. It expands to
 * the name table below and to the schema of `licenses` (license_fields).
 */
#define LICENSES(X)                                                                                \
    X(GPV_LIC_AI_ENTERPRISE, "ai_enterprise", "AI Enterprise", ai_enterprise)                      \
    X(GPV_LIC_VWS, "vws", "vWS", vws)                                                              \
    X(GPV_LIC_VPC, "vpc", "vPC", vpc)                                                              \
    X(GPV_LIC_VAPPS, "vapps", "vApps", vapps)

#define LICENSE_ROW(e, key, title, field) [e] = {key, title, offsetof(struct gpv_licenses, field)},
static const struct {
    const char *key;
    const char *title;
    size_t offset;
} licenses[GPV_LIC_COUNT] = {LICENSES(LICENSE_ROW)};

const char *
gpv_license_key(enum gpv_license l)
{
    return (size_t)l < GPV_LIC_COUNT ? licenses[l].key : "?";
}

const char *
gpv_license_title(enum gpv_license l)
{
    return (size_t)l < GPV_LIC_COUNT ? licenses[l].title : "?";
}

bool
gpv_license_parse(enum gpv_license *out, const char *s)
{
    size_t i;

    for (i = 0; s && i < GPV_LIC_COUNT; i++) {
        if (!strcmp(s, licenses[i].key)) {
            *out = (enum gpv_license)i;
            return true;
        }
    }
    return false;
}

bool
gpv_license_held(const struct gpv_licenses *lic, enum gpv_license l)
{
    return (size_t)l < GPV_LIC_COUNT && *(const bool *)((const char *)lic + licenses[l].offset);
}

void
gpv_license_set(struct gpv_licenses *lic, enum gpv_license l, bool held)
{
    if ((size_t)l < GPV_LIC_COUNT)
        *(bool *)((char *)lic + licenses[l].offset) = held;
}

void
gpv_tenant_init(struct gpv_tenant *t)
{
    memset(t, 0, sizeof(*t));
    t->replicas = 1;
    t->isolation = GPV_ISO_SOFT;
    t->workload = GPV_WL_INFERENCE;
    t->environment = GPV_ENV_CONTAINER;
}

bool
gpv_tenant_whole_gpu(const struct gpv_tenant *t)
{
    return t->gpus >= 1 || t->full_gpu;
}

int
gpv_tenant_gpus(const struct gpv_tenant *t)
{
    if (t->gpus >= 1)
        return t->gpus;
    return t->full_gpu ? 1 : 0;
}

void
gpv_tenant_release(struct gpv_tenant *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->memory_text);
    t->name = NULL;
    t->memory_text = NULL;
}

static void
fleet_entry_release(struct gpv_fleet_entry *fe)
{
    size_t i;

    for (i = 0; fe->nodes && i < fe->nnodes; i++)
        free(fe->nodes[i]);
    free(fe->nodes);
    for (i = 0; fe->labels && i < fe->nlabels; i++) {
        free(fe->labels[i].key);
        free(fe->labels[i].value);
    }
    free(fe->labels);
    fe->nodes = NULL;
    fe->labels = NULL;
    fe->nnodes = fe->nlabels = 0;
}

void
gpv_tenants_release(struct gpv_tenants *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->ntenants; i++)
        gpv_tenant_release(&t->tenants[i]);
    free(t->tenants);
    for (i = 0; t->fleet && i < t->nfleet; i++)
        fleet_entry_release(&t->fleet[i]);
    free(t->fleet);
    free(t->name);
    memset(t, 0, sizeof(*t));
}

int
gpv_tenants_find(const struct gpv_tenants *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->ntenants; i++)
        if (!strcmp(t->tenants[i].name, name))
            return (int)i;
    return -1;
}

/* ---- loading ----------------------------------------------------------------------------- */

/* Names people can read in messages: the name itself when it is tame, else a position. */
static bool
tame_name(const char *s)
{
    size_t n = 0;

    for (; *s; s++, n++) {
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return false;
    }
    return n > 0 && n <= GPV_TENANT_NAME_MAX;
}

/* Reads an enum value named by one of names[0..n). */
static int
read_enum(int *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
          const char *const *names, size_t n, const char *key, const char *what,
          struct gpv_error *err)
{
    struct gpv_buf list;
    size_t i;
    int s, rc;

    if (node && node->kind == GPV_Y_SCALAR) {
        for (i = 0; i < n; i++) {
            if (!strcmp(node->str, names[i])) {
                *out = (int)i;
                return 0;
            }
        }
    }
    gpv_buf_init(&list);
    for (i = 0; i < n; i++)
        gpv_buf_printf(&list, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
    if (!node || node->kind != GPV_Y_SCALAR || gpv_y_is_null(node)) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, node, "'%s' of %s must be %s", key, what,
                         gpv_buf_str(&list));
    } else if (!gpv_quotable(node->str)) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, node, "'%s' of %s must be %s", key, what,
                         gpv_buf_str(&list));
    } else if ((s = gpv_suggest(node->str, names, n)) >= 0) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, node,
                         "'%s' of %s must be %s, not '%s' (did you mean '%s'?)", key, what,
                         gpv_buf_str(&list), node->str, names[s]);
    } else {
        rc = gpv_y_error(err, GPV_EINPUT, doc, node, "'%s' of %s must be %s, not '%s'", key, what,
                         gpv_buf_str(&list), node->str);
    }
    gpv_buf_release(&list);
    return rc;
}

/*
 * Resolves a GPU model named at node as the command line does (gpv_db_resolve): a name that
 * fits several models is an error listing them; unknown names get the closest model id.
 */
static int
resolve_gpu(const struct gpv_gpu **out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
            const struct gpv_db *db, const char *what, struct gpv_error *err)
{
    const struct gpv_gpu *found[16];
    const char **ids;
    const char *name;
    struct gpv_buf b;
    size_t i, n;
    int s;

    char *where = xasprintf("'gpu' of %s", what);
    int rc = gpv_y_str(&name, doc, node, where, err);

    free(where);
    if (rc)
        return rc;
    *out = NULL;
    n = gpv_db_resolve(found, 16, db, name);
    if (n == 1) {
        *out = found[0];
        return 0;
    }
    if (n > 1 && gpv_quotable(name)) {
        gpv_buf_init(&b);
        for (i = 0; i < n && i < 16; i++)
            gpv_buf_printf(&b, "%s'%s'", i ? (i + 1 == n ? " or " : ", ") : "", found[i]->id);
        gpv_y_error(err, GPV_EINPUT, doc, node,
                    "ambiguous GPU '%s' in %s: it could be %s%s; name one of them", name, what,
                    gpv_buf_str(&b), n > 16 ? " and more" : "");
        gpv_buf_release(&b);
        return GPV_EINPUT;
    }
    if (!gpv_quotable(name))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "unknown GPU in %s", what);
    ids = xcalloc(db->ngpus + 1, sizeof(*ids));
    for (i = 0; i < db->ngpus; i++)
        ids[i] = db->gpus[i]->id;
    s = gpv_suggest(name, ids, db->ngpus);
    if (s >= 0)
        gpv_y_error(err, GPV_EINPUT, doc, node,
                    "unknown GPU '%s' in %s (did you mean '%s'?); `gpuvplan gpus` lists them", name,
                    what, ids[s]);
    else
        gpv_y_error(err, GPV_EINPUT, doc, node,
                    "unknown GPU '%s' in %s; `gpuvplan gpus` lists them", name, what);
    free(ids);
    return GPV_EINPUT;
}

struct top_row {
    int version;
    const struct gpv_ynode *licenses, *fleet, *tenants;
};

static const struct gpv_yfield top_fields[] = {
    {"version", GPV_YF_INT, offsetof(struct top_row, version), true, 0, INT_MAX, 0, 0},
    {"licenses", GPV_YF_MAP, offsetof(struct top_row, licenses), false, 0, 0, 0, 0},
    {"fleet", GPV_YF_SEQ, offsetof(struct top_row, fleet), false, 0, 0, 0, 0},
    {"tenants", GPV_YF_SEQ, offsetof(struct top_row, tenants), true, 0, 0, 0, 0},
};

#define LICENSE_FIELD(e, key, title, field)                                                        \
    {key, GPV_YF_BOOL, offsetof(struct gpv_licenses, field), false, 0, 0, 0, 0},
static const struct gpv_yfield license_fields[] = {LICENSES(LICENSE_FIELD)};

struct fleet_row {
    const struct gpv_ynode *gpu, *vgpu_mode, *count, *nodes, *labels, *mig_strategy;
    double cost;
    char *node_prefix;
    int gpus_per_node;
};

/* Indexes of keys below, for the `seen` mask. */
enum { FLEET_COUNT = 1, FLEET_COST = 2, FLEET_PREFIX = 5, FLEET_GPN = 6 };

static const struct gpv_yfield fleet_fields[] = {
    {"gpu", GPV_YF_NODE, offsetof(struct fleet_row, gpu), true, 0, 0, 0, 0},
    {"count", GPV_YF_NODE, offsetof(struct fleet_row, count), false, 0, 0, 0, 0},
    {"cost_per_hour", GPV_YF_DOUBLE, offsetof(struct fleet_row, cost), false, 0, 0, 0,
     GPV_FLEET_COST_MAX},
    {"vgpu_mode", GPV_YF_NODE, offsetof(struct fleet_row, vgpu_mode), false, 0, 0, 0, 0},
    {"nodes", GPV_YF_NODE, offsetof(struct fleet_row, nodes), false, 0, 0, 0, 0},
    {"node_prefix", GPV_YF_STR, offsetof(struct fleet_row, node_prefix), false, 0, 0, 0, 0},
    {"gpus_per_node", GPV_YF_INT, offsetof(struct fleet_row, gpus_per_node), false, 1,
     GPV_NODE_GPUS_MAX, 0, 0},
    {"labels", GPV_YF_MAP, offsetof(struct fleet_row, labels), false, 0, 0, 0, 0},
    {"mig_strategy", GPV_YF_NODE, offsetof(struct fleet_row, mig_strategy), false, 0, 0, 0, 0},
};

struct tenant_row {
    char *name;
    int replicas, gpus;
    const struct gpv_ynode *memory, *compute, *isolation, *workload, *environment, *gpu;
    bool live_migration, full_gpu, media;
    const struct gpv_ynode *spread;
};

static const struct gpv_yfield tenant_fields[] = {
    {"name", GPV_YF_STR, offsetof(struct tenant_row, name), true, 0, 0, 0, 0},
    {"replicas", GPV_YF_INT, offsetof(struct tenant_row, replicas), false, 1, GPV_TENANT_REPLICAS,
     0, 0},
    {"memory", GPV_YF_NODE, offsetof(struct tenant_row, memory), false, 0, 0, 0, 0},
    {"compute", GPV_YF_NODE, offsetof(struct tenant_row, compute), false, 0, 0, 0, 0},
    {"isolation", GPV_YF_NODE, offsetof(struct tenant_row, isolation), false, 0, 0, 0, 0},
    {"workload", GPV_YF_NODE, offsetof(struct tenant_row, workload), false, 0, 0, 0, 0},
    {"environment", GPV_YF_NODE, offsetof(struct tenant_row, environment), false, 0, 0, 0, 0},
    {"live_migration", GPV_YF_BOOL, offsetof(struct tenant_row, live_migration), false, 0, 0, 0, 0},
    {"full_gpu", GPV_YF_BOOL, offsetof(struct tenant_row, full_gpu), false, 0, 0, 0, 0},
    {"gpus", GPV_YF_INT, offsetof(struct tenant_row, gpus), false, 0, GPV_TENANT_GPUS_MAX, 0, 0},
    {"media", GPV_YF_BOOL, offsetof(struct tenant_row, media), false, 0, 0, 0, 0},
    {"spread", GPV_YF_NODE, offsetof(struct tenant_row, spread), false, 0, 0, 0, 0},
    {"gpu", GPV_YF_NODE, offsetof(struct tenant_row, gpu), false, 0, 0, 0, 0},
};

/* "tenant 'web'", or "tenant 3" when the name is missing or odd. Caller frees. */
static char *
item_what(const char *kind, const struct gpv_ynode *map, const char *key, size_t index)
{
    const struct gpv_ynode *n = gpv_ymap_get(map, key);

    if (n && n->kind == GPV_Y_SCALAR && tame_name(n->str))
        return xasprintf("%s '%s'", kind, n->str);
    return xasprintf("%s %zu", kind, index + 1);
}

/* ---- Kubernetes name syntax (node names, label keys and values) -------------------------- */

static bool
dns_label_ok(const char *s, size_t n)
{
    size_t i;

    if (n < 1 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

static bool
dns_subdomain_ok(const char *s, size_t n)
{
    size_t start = 0, i;

    if (n < 1 || n > GPV_NODE_NAME_MAX)
        return false;
    for (i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (!dns_label_ok(s + start, i - start))
            return false;
        start = i + 1;
    }
    return true;
}

bool
gpv_node_name_valid(const char *s)
{
    return dns_subdomain_ok(s, strlen(s));
}

/* The name part of a label key, or a non-empty label value. */
static bool
label_name_ok(const char *s, size_t n)
{
    size_t i;

    if (n < 1 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

bool
gpv_label_key_valid(const char *s)
{
    const char *slash = strchr(s, '/');

    if (!slash)
        return label_name_ok(s, strlen(s));
    return dns_subdomain_ok(s, (size_t)(slash - s)) && label_name_ok(slash + 1, strlen(slash + 1));
}

bool
gpv_label_value_valid(const char *s)
{
    return !*s || label_name_ok(s, strlen(s));
}

/* ---- fleet entries ----------------------------------------------------------------------- */

static const char node_name_rule[] = "lowercase letters, digits, '-' and '.', starting and ending "
                                     "with a letter or digit";

static int
load_node_list(struct gpv_fleet_entry *out, const struct gpv_ydoc *doc, const struct gpv_ynode *seq,
               const char *what, struct gpv_error *err)
{
    size_t i;
    int rc;

    if (seq->n == 0)
        return gpv_y_error(err, GPV_EINPUT, doc, seq,
                           "'nodes' of %s is empty: list node names or give a number", what);
    if (seq->n > GPV_FLEET_NODES_MAX)
        return gpv_y_error(err, GPV_EINPUT, doc, seq, "'nodes' of %s lists more than %d nodes",
                           what, GPV_FLEET_NODES_MAX);
    out->nodes = xcalloc(seq->n, sizeof(char *));
    for (i = 0; i < seq->n; i++) {
        const struct gpv_ynode *n = seq->items[i];
        const char *name;

        if ((rc = gpv_y_str(&name, doc, n, "a node name", err)))
            return rc;
        if (!gpv_node_name_valid(name)) {
            if (gpv_quotable(name) && strlen(name) <= GPV_NODE_NAME_MAX)
                return gpv_y_error(err, GPV_EINPUT, doc, n,
                                   "node name '%s' in %s is not a valid Kubernetes node name "
                                   "(%s; at most 63 between dots)",
                                   name, what, node_name_rule);
            return gpv_y_error(err, GPV_EINPUT, doc, n,
                               "a node name in %s is not a valid Kubernetes node name (%s)", what,
                               node_name_rule);
        }
        out->nodes[out->nnodes++] = xstrdup(name);
    }
    return 0;
}

static int
load_node_count(struct gpv_fleet_entry *out, const struct gpv_ydoc *doc,
                const struct gpv_ynode *node, const char *prefix,
                const struct gpv_ynode *prefix_node, const char *what, struct gpv_error *err)
{
    long long n;
    size_t i;
    char *where;
    int rc;

    if (node->kind != GPV_Y_SCALAR || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "'nodes' of %s must be a number of nodes or a list of node names", what);
    where = xasprintf("'nodes' of %s", what);
    rc = gpv_y_int(&n, doc, node, 1, GPV_FLEET_NODES_MAX, where, err);

    free(where);
    if (rc)
        return rc;
    out->nodes = xcalloc((size_t)n, sizeof(char *));
    for (i = 0; i < (size_t)n; i++) {
        char *name = xasprintf("%s%zu", prefix, i + 1);

        if (!gpv_node_name_valid(name)) {
            free(name);
            if (gpv_quotable(prefix) && strlen(prefix) <= GPV_NODE_NAME_MAX)
                return gpv_y_error(err, GPV_EINPUT, doc, prefix_node ? prefix_node : node,
                                   "'node_prefix' '%s' of %s does not make valid Kubernetes node "
                                   "names (%s)",
                                   prefix, what, node_name_rule);
            return gpv_y_error(err, GPV_EINPUT, doc, prefix_node ? prefix_node : node,
                               "'node_prefix' of %s does not make valid Kubernetes node names "
                               "(%s)",
                               what, node_name_rule);
        }
        out->nodes[out->nnodes++] = name;
    }
    return 0;
}

static int
label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct gpv_label *)a)->key, ((const struct gpv_label *)b)->key);
}

static int
load_labels(struct gpv_fleet_entry *out, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
            const char *what, struct gpv_error *err)
{
    size_t i;
    int rc;

    if (map->n > GPV_NODE_LABELS_MAX)
        return gpv_y_error(err, GPV_EINPUT, doc, map, "'labels' of %s has more than %d labels",
                           what, GPV_NODE_LABELS_MAX);
    out->labels = xcalloc(map->n + 1, sizeof(*out->labels));
    for (i = 0; i < map->n; i++) {
        const struct gpv_ynode *k = map->items[2 * i], *v = map->items[2 * i + 1];
        const char *key, *val = "";

        if ((rc = gpv_y_str(&key, doc, k, "a label key", err)))
            return rc;
        if (!gpv_label_key_valid(key)) {
            if (gpv_quotable(key) && strlen(key) <= 317)
                return gpv_y_error(err, GPV_EINPUT, doc, k,
                                   "label key '%s' in %s is not a valid Kubernetes label key "
                                   "([prefix/]name; name 1 to 63 letters, digits, '-', '_' or "
                                   "'.', starting and ending alphanumeric)",
                                   key, what);
            return gpv_y_error(err, GPV_EINPUT, doc, k,
                               "a label key in %s is not a valid Kubernetes label key", what);
        }
        if (!v || v->kind != GPV_Y_SCALAR)
            return gpv_y_error(err, GPV_EINPUT, doc, v ? v : k,
                               "label '%s' of %s must have a string value", key, what);
        if (!v->plain || !gpv_y_is_null(v))
            val = v->str;
        if (!gpv_label_value_valid(val)) {
            if (gpv_quotable(val) && strlen(val) <= 253)
                return gpv_y_error(err, GPV_EINPUT, doc, v,
                                   "value '%s' of label '%s' in %s is not a valid Kubernetes "
                                   "label value (at most 63 letters, digits, '-', '_' or '.', "
                                   "starting and ending alphanumeric)",
                                   val, key, what);
            return gpv_y_error(err, GPV_EINPUT, doc, v,
                               "the value of label '%s' in %s is not a valid Kubernetes label "
                               "value",
                               key, what);
        }
        out->labels[i].key = xstrdup(key);
        out->labels[i].value = xstrdup(val);
        out->nlabels++;
    }
    /* The YAML layer already refuses duplicate keys, so the sorted keys are unique. */
    qsort(out->labels, out->nlabels, sizeof(*out->labels), label_cmp);
    return 0;
}

static int
load_fleet_entry(struct gpv_fleet_entry *out, const struct gpv_ydoc *doc,
                 const struct gpv_ynode *map, size_t index, const struct gpv_db *db,
                 struct gpv_error *err)
{
    struct fleet_row row;
    unsigned long long seen = 0;
    char *what = item_what("fleet entry", map, "gpu", index);
    const struct gpv_ynode *node_only = NULL;
    int mode = GPV_VGPU_EQUAL, strategy = GPV_MIG_MIXED, rc;
    long long count = 0;

    memset(&row, 0, sizeof(row));
    if ((rc = gpv_ymap_decode(&row, doc, map, fleet_fields, NELEM(fleet_fields), what, &seen, err)))
        goto out;
    if ((rc = resolve_gpu(&out->gpu, doc, row.gpu, db, "the fleet", err)))
        goto out;
    if (row.vgpu_mode && (rc = read_enum(&mode, doc, row.vgpu_mode, vgpu_mode_names,
                                         NELEM(vgpu_mode_names), "vgpu_mode", what, err)))
        goto out;
    if (mode == GPV_VGPU_MIXED && !(out->gpu->vgpu && out->gpu->vgpu->mixed_size)) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, row.vgpu_mode,
                         "'vgpu_mode' of %s is 'mixed', but '%s' %s", what, out->gpu->id,
                         out->gpu->vgpu ? "has no mixed-size vGPU mode in the database"
                                        : "has no vGPU types in the database");
        goto out;
    }
    if (row.count) {
        char *where = xasprintf("'count' of %s", what);

        rc = gpv_y_int(&count, doc, row.count, 1, GPV_FLEET_COUNT_MAX, where, err);
        free(where);
        if (rc)
            goto out;
    }
    /* Keys that describe nodes need 'nodes'. */
    if ((seen >> FLEET_PREFIX) & 1u)
        node_only = gpv_ymap_get(map, "node_prefix");
    else if ((seen >> FLEET_GPN) & 1u)
        node_only = gpv_ymap_get(map, "gpus_per_node");
    else if (row.labels)
        node_only = row.labels;
    else if (row.mig_strategy)
        node_only = row.mig_strategy;
    if (!row.nodes) {
        if (node_only) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, node_only,
                             "%s has no 'nodes': node keys (node_prefix, gpus_per_node, labels, "
                             "mig_strategy) need them",
                             what);
            goto out;
        }
        if (!row.count) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, map,
                             "missing key 'count' in %s (or give 'nodes' and 'gpus_per_node')",
                             what);
            goto out;
        }
        out->count = (int)count;
    } else {
        if (!((seen >> FLEET_GPN) & 1u)) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, map,
                             "missing key 'gpus_per_node' in %s (needed with 'nodes')", what);
            goto out;
        }
        if (row.nodes->kind == GPV_Y_SEQ) {
            if ((seen >> FLEET_PREFIX) & 1u) {
                rc = gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(map, "node_prefix"),
                                 "'node_prefix' of %s applies to a number of nodes, but 'nodes' "
                                 "lists names",
                                 what);
                goto out;
            }
            rc = load_node_list(out, doc, row.nodes, what, err);
        } else {
            char *prefix = row.node_prefix ? NULL : xasprintf("%s-", out->gpu->id);

            rc = load_node_count(out, doc, row.nodes, row.node_prefix ? row.node_prefix : prefix,
                                 gpv_ymap_get(map, "node_prefix"), what, err);
            free(prefix);
        }
        if (rc)
            goto out;
        if ((long long)out->nnodes * row.gpus_per_node > GPV_FLEET_COUNT_MAX) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.nodes,
                             "%s has %zu nodes of %d GPUs: more than %d GPUs in one entry", what,
                             out->nnodes, row.gpus_per_node, GPV_FLEET_COUNT_MAX);
            goto out;
        }
        out->gpus_per_node = row.gpus_per_node;
        out->count = (int)out->nnodes * row.gpus_per_node;
        if (row.count && count != out->count) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.count,
                             "'count' of %s is %lld, but %zu nodes of %d GPUs make %d; leave "
                             "'count' out or make them agree",
                             what, count, out->nnodes, out->gpus_per_node, out->count);
            goto out;
        }
        if (row.labels && (rc = load_labels(out, doc, row.labels, what, err)))
            goto out;
        if (row.mig_strategy &&
            (rc = read_enum(&strategy, doc, row.mig_strategy, mig_strategy_names,
                            NELEM(mig_strategy_names), "mig_strategy", what, err)))
            goto out;
        out->mig_strategy = (enum gpv_mig_strategy)strategy;
    }
    out->has_cost = (seen >> FLEET_COST) & 1u;
    out->cost_per_hour = out->has_cost ? row.cost : 0.0;
    out->vgpu_mode = (enum gpv_vgpu_mode)mode;
    out->line = map->line;
    out->col = map->col;
out:
    free(row.node_prefix);
    free(what);
    return rc;
}

/* A node name and where it is written, for finding duplicates across the fleet. */
struct node_ref {
    const char *name;
    size_t entry, index; /* fleet entry, node within it */
};

static int
node_ref_cmp(const void *a, const void *b)
{
    const struct node_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c)
        return c;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Node names are unique across the fleet; the first repeat in file order is reported. */
static int
check_unique_nodes(const struct gpv_tenants *t, const struct gpv_ydoc *doc,
                   const struct gpv_ynode *seq, struct gpv_error *err)
{
    struct node_ref *refs, *dup = NULL, *first = NULL;
    size_t n = 0, i, j, start = 0;
    int rc = 0;

    for (i = 0; i < t->nfleet; i++)
        n += t->fleet[i].nnodes;
    if (n < 2)
        return 0;
    refs = xcalloc(n, sizeof(*refs));
    for (n = 0, i = 0; i < t->nfleet; i++)
        for (j = 0; j < t->fleet[i].nnodes; j++) {
            refs[n].name = t->fleet[i].nodes[j];
            refs[n].entry = i;
            refs[n++].index = j;
        }
    qsort(refs, n, sizeof(*refs), node_ref_cmp);
    for (i = 1; i < n; i++) {
        if (strcmp(refs[i].name, refs[start].name)) {
            start = i;
            continue;
        }
        if (i == start + 1 && (!dup || refs[i].entry < dup->entry ||
                               (refs[i].entry == dup->entry && refs[i].index < dup->index))) {
            dup = &refs[i];
            first = &refs[start];
        }
    }
    if (dup) {
        const struct gpv_ynode *map = seq->items[dup->entry];
        const struct gpv_ynode *nodes = gpv_ymap_get(map, "nodes");
        const struct gpv_ynode *at = nodes && nodes->kind == GPV_Y_SEQ ? nodes->items[dup->index]
                                     : nodes                           ? nodes
                                                                       : map;

        rc = gpv_y_error(err, GPV_EINPUT, doc, at,
                         "duplicate node name '%s' (first in the fleet entry at line %d)",
                         dup->name, seq->items[first->entry]->line);
    }
    free(refs);
    return rc;
}

static int
load_memory(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
            const char *what, struct gpv_error *err)
{
    const char *why;
    long long bytes;

    if (!node || node->kind != GPV_Y_SCALAR || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "'memory' of %s must be a quantity with a unit, like 20GB or 20GiB",
                           what);
    if (!gpv_mem_parse(&bytes, node->str, &why)) {
        if (gpv_quotable(node->str))
            return gpv_y_error(err, GPV_EINPUT, doc, node, "'memory' of %s is '%s': %s", what,
                               node->str, why);
        return gpv_y_error(err, GPV_EINPUT, doc, node, "'memory' of %s: %s", what, why);
    }
    t->memory = bytes;
    t->memory_mib = (bytes + GPV_MIB - 1) / GPV_MIB;
    t->memory_text = xstrdup(node->str);
    return 0;
}

static int
load_compute(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
             const char *what, struct gpv_error *err)
{
    const char *why;

    if (!node || node->kind != GPV_Y_SCALAR || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "'compute' of %s must be a share of one GPU, like 0.25 or 25%%", what);
    if (!gpv_fraction_parse(&t->compute, node->str, &why)) {
        if (gpv_quotable(node->str))
            return gpv_y_error(err, GPV_EINPUT, doc, node, "'compute' of %s is '%s': %s", what,
                               node->str, why);
        return gpv_y_error(err, GPV_EINPUT, doc, node, "'compute' of %s: %s", what, why);
    }
    return 0;
}

int
gpv_tenant_validate(enum gpv_tenant_field *field, const struct gpv_tenant *t,
                    const struct gpv_tenants *file, struct gpv_error *err)
{
    enum gpv_tenant_field f = GPV_TENANT_F_NONE;
    char *what = NULL;
    size_t i;
    int rc = 0;

    if (!tame_name(t->name)) {
        f = GPV_TENANT_F_NAME;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "tenant name must be 1 to %d letters, digits, '.', '_' or '-'",
                           GPV_TENANT_NAME_MAX);
        goto out;
    }
    what = xasprintf("tenant '%s'", t->name);
    if (t->replicas < 1 || t->replicas > GPV_TENANT_REPLICAS) {
        f = GPV_TENANT_F_REPLICAS;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "'replicas' of %s must be between 1 and %d, not %d", what,
                           GPV_TENANT_REPLICAS, t->replicas);
    } else if (t->gpus < 0 || t->gpus > GPV_TENANT_GPUS_MAX) {
        f = GPV_TENANT_F_GPUS;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "'gpus' of %s must be between 0 and %d, not %d", what,
                           GPV_TENANT_GPUS_MAX, t->gpus);
    } else if (t->memory <= 0 && !gpv_tenant_whole_gpu(t)) {
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "missing key 'memory' in %s (needed unless 'gpus' or 'full_gpu' asks "
                           "for whole GPUs)",
                           what);
    } else if (t->compute > 0 && gpv_tenant_whole_gpu(t)) {
        f = GPV_TENANT_F_COMPUTE;
        if (t->gpus >= 1)
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "'compute' of %s is a share of one GPU, but the tenant asks for "
                               "whole GPUs (gpus: %d)",
                               what, t->gpus);
        else
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "'compute' of %s is a share of one GPU, but the tenant asks for "
                               "a whole GPU (full_gpu: true)",
                               what);
    } else if (t->gpu && file && file->nfleet) {
        for (i = 0; i < file->nfleet; i++)
            if (file->fleet[i].gpu == t->gpu)
                break;
        if (i == file->nfleet) {
            f = GPV_TENANT_F_GPU;
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "%s is pinned to '%s', which is not in the fleet", what, t->gpu->id);
        }
    }
out:
    if (field)
        *field = f;
    free(what);
    return rc;
}

/* Runs gpv_tenant_validate() on t and reports its verdict at the node of the field at fault. */
static int
report_invalid(struct gpv_error *err, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
               const struct tenant_row *row, const struct gpv_tenant *t,
               const struct gpv_tenants *file)
{
    const struct gpv_ynode *node = map;
    enum gpv_tenant_field field;
    struct gpv_error verdict;

    gpv_error_init(&verdict);
    if (!gpv_tenant_validate(&field, t, file, &verdict))
        return 0;
    switch (field) {
    case GPV_TENANT_F_NAME:
        node = gpv_ymap_get(map, "name");
        break;
    case GPV_TENANT_F_REPLICAS:
        node = gpv_ymap_get(map, "replicas");
        break;
    case GPV_TENANT_F_GPUS:
        node = gpv_ymap_get(map, "gpus");
        break;
    case GPV_TENANT_F_COMPUTE:
        node = row->compute;
        break;
    case GPV_TENANT_F_GPU:
        node = row->gpu;
        break;
    case GPV_TENANT_F_NONE:
        break;
    }
    return gpv_y_error(err, GPV_EINPUT, doc, node ? node : map, "%s", verdict.msg);
}

/* `spread`: false, true or gpu (distinct GPUs), node (distinct nodes, and so GPUs). */
static int
load_spread(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
            const char *what, struct gpv_error *err)
{
    static const char *const levels[] = {"gpu", "node"};
    int v;

    if (node->kind == GPV_Y_SCALAR && node->plain &&
        (!strcmp(node->str, "true") || !strcmp(node->str, "false"))) {
        t->spread = node->str[0] == 't';
        return 0;
    }
    if (node->kind != GPV_Y_SCALAR || gpv_y_is_null(node) ||
        (strcmp(node->str, "gpu") && strcmp(node->str, "node"))) {
        const char *const all[] = {"true", "false", "gpu", "node"};
        int s = node->kind == GPV_Y_SCALAR && gpv_quotable(node->str)
                    ? gpv_suggest(node->str, all, NELEM(all))
                    : -1;

        if (s >= 0)
            return gpv_y_error(err, GPV_EINPUT, doc, node,
                               "'spread' of %s must be true, false, gpu or node, not '%s' (did "
                               "you mean '%s'?)",
                               what, node->str, all[s]);
        if (node->kind == GPV_Y_SCALAR && !gpv_y_is_null(node) && gpv_quotable(node->str))
            return gpv_y_error(err, GPV_EINPUT, doc, node,
                               "'spread' of %s must be true, false, gpu or node, not '%s'", what,
                               node->str);
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "'spread' of %s must be true, false, gpu or node", what);
    }
    v = strcmp(node->str, levels[0]) ? 1 : 0;
    t->spread = true;
    t->spread_nodes = v == 1;
    return 0;
}

static int
load_tenant(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
            size_t index, const struct gpv_tenants *file, const struct gpv_db *db,
            struct gpv_error *err)
{
    struct tenant_row row;
    char *what = item_what("tenant", map, "name", index);
    size_t i;
    int v, rc;

    gpv_tenant_init(t);
    memset(&row, 0, sizeof(row));
    row.replicas = 1;
    if ((rc =
             gpv_ymap_decode(&row, doc, map, tenant_fields, NELEM(tenant_fields), what, NULL, err)))
        goto out;
    t->name = row.name;
    row.name = NULL;
    t->line = map->line;
    t->col = map->col;
    t->replicas = row.replicas;
    t->gpus = row.gpus;
    t->live_migration = row.live_migration;
    t->full_gpu = row.full_gpu;
    t->media = row.media;
    /* A bad name is reported before any other field's value, as it names the tenant. */
    if (!tame_name(t->name)) {
        rc = report_invalid(err, doc, map, &row, t, file);
        goto out;
    }
    if (row.spread && (rc = load_spread(t, doc, row.spread, what, err)))
        goto out;
    if (t->spread_nodes) {
        for (i = 0; i < file->nfleet && !file->fleet[i].nnodes; i++)
            ;
        if (i == file->nfleet) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.spread,
                             "'spread' of %s is 'node', but no fleet entry has 'nodes' (use "
                             "'gpu', or give the fleet its nodes)",
                             what);
            goto out;
        }
    }
    if (row.isolation) {
        if ((rc = read_enum(&v, doc, row.isolation, isolation_names, NELEM(isolation_names),
                            "isolation", what, err)))
            goto out;
        t->isolation = (enum gpv_isolation)v;
    }
    if (row.workload) {
        if ((rc = read_enum(&v, doc, row.workload, workload_names, NELEM(workload_names),
                            "workload", what, err)))
            goto out;
        t->workload = (enum gpv_workload)v;
    }
    if (row.environment) {
        if ((rc = read_enum(&v, doc, row.environment, environment_names, NELEM(environment_names),
                            "environment", what, err)))
            goto out;
        t->environment = (enum gpv_environment)v;
    }
    if (row.memory && (rc = load_memory(t, doc, row.memory, what, err)))
        goto out;
    if (row.compute && (rc = load_compute(t, doc, row.compute, what, err)))
        goto out;
    if (row.gpu) {
        if ((rc = resolve_gpu(&t->gpu, doc, row.gpu, db, what, err)))
            goto out;
        t->gpu_line = row.gpu->line;
        t->gpu_col = row.gpu->col;
    }
    rc = report_invalid(err, doc, map, &row, t, file);
out:
    free(row.name);
    free(what);
    return rc;
}

/* For finding duplicate names: tenant index and the node of its name. */
struct name_ref {
    const char *name;
    const struct gpv_ynode *node;
    size_t index;
};

static int
name_ref_cmp(const void *a, const void *b)
{
    const struct name_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int
check_unique_names(const struct gpv_tenants *t, const struct gpv_ydoc *doc,
                   const struct gpv_ynode *seq, struct gpv_error *err)
{
    struct name_ref *refs, *dup = NULL, *first = NULL;
    size_t i, start = 0;
    int rc = 0;

    if (t->ntenants < 2)
        return 0;
    refs = xcalloc(t->ntenants, sizeof(*refs));
    for (i = 0; i < t->ntenants; i++) {
        refs[i].name = t->tenants[i].name;
        refs[i].node = gpv_ymap_get(seq->items[i], "name");
        refs[i].index = i;
    }
    qsort(refs, t->ntenants, sizeof(*refs), name_ref_cmp);
    /* Report the duplicate that comes first in the file, against its first occurrence: in
       each run of equal names (sorted by position), the second is the earliest repeat. */
    for (i = 1; i < t->ntenants; i++) {
        if (strcmp(refs[i].name, refs[start].name)) {
            start = i;
            continue;
        }
        if (i == start + 1 && (!dup || refs[i].index < dup->index)) {
            dup = &refs[i];
            first = &refs[start];
        }
    }
    if (dup)
        rc = gpv_y_error(err, GPV_EINPUT, doc, dup->node,
                         "duplicate tenant name '%s' (first at line %d)", dup->name,
                         first->node->line);
    free(refs);
    return rc;
}

int
gpv_tenants_load_mem(struct gpv_tenants *out, const char *buf, size_t len, const char *name,
                     const struct gpv_db *db, struct gpv_error *err)
{
    struct gpv_ydoc *doc = NULL;
    struct top_row top;
    size_t i;
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
                           "the tenants file is empty: it needs 'version: 1' and 'tenants'");
        goto out;
    }
    if ((rc = gpv_ymap_decode(&top, doc, doc->root, top_fields, NELEM(top_fields),
                              "the tenants file", NULL, err)))
        goto out;
    if (top.version != GPV_TENANTS_VERSION) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(doc->root, "version"),
                         "unsupported version %d (this gpuvplan reads version %d)", top.version,
                         GPV_TENANTS_VERSION);
        goto out;
    }
    out->version = top.version;
    if (top.licenses && (rc = gpv_ymap_decode(&out->licenses, doc, top.licenses, license_fields,
                                              NELEM(license_fields), "'licenses'", NULL, err)))
        goto out;
    if (top.fleet) {
        if (top.fleet->n == 0) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, top.fleet,
                             "'fleet' is empty: list GPUs, or leave it out to size a fleet");
            goto out;
        }
        out->fleet = xcalloc(top.fleet->n, sizeof(*out->fleet));
        for (i = 0; i < top.fleet->n; i++) {
            rc = load_fleet_entry(&out->fleet[i], doc, top.fleet->items[i], i, db, err);
            out->nfleet++; /* counted on failure too: its node names are freed with the file */
            if (rc)
                goto out;
        }
        if ((rc = check_unique_nodes(out, doc, top.fleet, err)))
            goto out;
    }
    if (top.tenants->n == 0) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, top.tenants,
                         "'tenants' is empty: list at least one tenant");
        goto out;
    }
    out->tenants = xcalloc(top.tenants->n, sizeof(*out->tenants));
    for (i = 0; i < top.tenants->n; i++) {
        rc = load_tenant(&out->tenants[i], doc, top.tenants->items[i], i, out, db, err);
        out->ntenants++;
        if (rc)
            goto out;
    }
    rc = check_unique_names(out, doc, top.tenants, err);
out:
    gpv_ydoc_free(doc);
    if (rc)
        gpv_tenants_release(out);
    return rc;
}
