/* The fleet of a tenants file: entries, nodes, labels and Kubernetes names. */
#include "tenant_int.h"

#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char node_name_rule[] = "lowercase letters, digits, '-' and '.', starting and ending "
                                     "with a letter or digit";

/* A node name and where it is written, for finding duplicates across the fleet. */
struct node_ref {
    const char *name;
    size_t entry, index; /* fleet entry, node within it */
};

struct fleet_row {
    const struct gpv_ynode *gpu, *vgpu_mode, *count, *nodes, *labels, *mig_strategy, *sharing;
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
    {"sharing", GPV_YF_MAP, offsetof(struct fleet_row, sharing), false, 0, 0, 0, 0},
};

/* The `sharing` mapping of a fleet entry: how the k8s device plugin shares its GPUs. */
struct sharing_row {
    const struct gpv_ynode *strategy;
    int replicas;
};

static const struct gpv_yfield sharing_fields[] = {
    {"strategy", GPV_YF_NODE, offsetof(struct sharing_row, strategy), true, 0, 0, 0, 0},
    {"replicas", GPV_YF_INT, offsetof(struct sharing_row, replicas), true, 2,
     GPV_SHARING_REPLICAS_MAX, 0, 0},
};

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

/* Reads `sharing: {strategy: time-slicing|mps, replicas: N}` of the entry `what`. */
static int
load_sharing(struct gpv_fleet_entry *out, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
             const char *what, struct gpv_error *err)
{
    static const char *const names[] = {"time-slicing", "mps"};
    struct sharing_row row;
    char *where = xasprintf("'sharing' of %s", what);
    int strategy = 0, rc;

    memset(&row, 0, sizeof(row));
    if ((rc = gpv_ymap_decode(&row, doc, map, sharing_fields, NELEM(sharing_fields), where, NULL,
                              err)))
        goto out;
    if ((rc = tn_read_enum(&strategy, doc, row.strategy, names, NELEM(names), "strategy", where,
                           err)))
        goto out;
    out->sharing = strategy == 0 ? GPV_SHARING_TIME_SLICING : GPV_SHARING_MPS;
    if (out->sharing == GPV_SHARING_MPS && row.replicas > GPV_MPS_CLIENTS_MAX) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(map, "replicas"),
                         "'replicas' of %s is %d, but MPS serves at most %d clients per GPU", where,
                         row.replicas, GPV_MPS_CLIENTS_MAX);
        goto out;
    }
    out->sharing_replicas = row.replicas;
out:
    free(where);
    return rc;
}

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

int
tn_load_fleet_entry(struct gpv_fleet_entry *out, const struct gpv_ydoc *doc,
                    const struct gpv_ynode *map, size_t index, const struct gpv_db *db,
                    struct gpv_error *err)
{
    struct fleet_row row;
    unsigned long long seen = 0;
    char *what = tn_item_what("fleet entry", map, "gpu", index);
    const struct gpv_ynode *node_only = NULL;
    int mode = GPV_VGPU_EQUAL, strategy = GPV_MIG_MIXED, rc;
    long long count = 0;

    memset(&row, 0, sizeof(row));
    if ((rc = gpv_ymap_decode(&row, doc, map, fleet_fields, NELEM(fleet_fields), what, &seen, err)))
        goto out;
    if ((rc = tn_resolve_gpu(&out->gpu, doc, row.gpu, db, "the fleet", err)))
        goto out;
    if (row.vgpu_mode && (rc = tn_read_enum(&mode, doc, row.vgpu_mode, tn_vgpu_mode_names,
                                            NELEM(tn_vgpu_mode_names), "vgpu_mode", what, err)))
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
            (rc = tn_read_enum(&strategy, doc, row.mig_strategy, tn_mig_strategy_names,
                               NELEM(tn_mig_strategy_names), "mig_strategy", what, err)))
            goto out;
        out->mig_strategy = (enum gpv_mig_strategy)strategy;
    }
    if (row.sharing && (rc = load_sharing(out, doc, row.sharing, what, err)))
        goto out;
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
int
tn_check_unique_nodes(const struct gpv_tenants *t, const struct gpv_ydoc *doc,
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
