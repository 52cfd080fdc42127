/* One tenant's mapping decoded into its struct, and the readers the fleet's entries share. */
#include "tenant_int.h"

#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads an enum value named by one of names[0..n). */
int
tn_read_enum(int *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
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
int
tn_resolve_gpu(const struct gpv_gpu **out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
               const struct gpv_db *db, const char *what, struct gpv_error *err)
{
    const struct gpv_gpu *found[16];
    const char **ids;
    const char *name;
    struct gpv_buf b;
    size_t i, n;
    int s;

    char *where;
    int rc;

    /* The label is formatted only for a message. */
    if (gpv_y_str(&name, doc, node, "", NULL)) {
        where = xasprintf("'gpu' of %s", what);
        rc = gpv_y_str(&name, doc, node, where, err);
        free(where);
        return rc;
    }
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

struct tenant_row {
    char *name;
    int replicas, gpus;
    const struct gpv_ynode *memory, *compute, *isolation, *workload, *environment, *os, *gpu;
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
    {"os", GPV_YF_NODE, offsetof(struct tenant_row, os), false, 0, 0, 0, 0},
    {"live_migration", GPV_YF_BOOL, offsetof(struct tenant_row, live_migration), false, 0, 0, 0, 0},
    {"full_gpu", GPV_YF_BOOL, offsetof(struct tenant_row, full_gpu), false, 0, 0, 0, 0},
    {"gpus", GPV_YF_INT, offsetof(struct tenant_row, gpus), false, 0, GPV_TENANT_GPUS_MAX, 0, 0},
    {"media", GPV_YF_BOOL, offsetof(struct tenant_row, media), false, 0, 0, 0, 0},
    {"spread", GPV_YF_NODE, offsetof(struct tenant_row, spread), false, 0, 0, 0, 0},
    {"gpu", GPV_YF_NODE, offsetof(struct tenant_row, gpu), false, 0, 0, 0, 0},
};

/* "tenant 'web'", or "tenant 3" when the name is missing or odd. Caller frees. */
char *
tn_item_what(const char *kind, const struct gpv_ynode *map, const char *key, size_t index)
{
    const struct gpv_ynode *n = gpv_ymap_get(map, key);

    if (n && n->kind == GPV_Y_SCALAR && tn_tame_name(n->str))
        return xasprintf("%s '%s'", kind, n->str);
    return xasprintf("%s %zu", kind, index + 1);
}

static int
load_memory(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
            const char *what, struct tn_mem_memo *memo, struct gpv_error *err)
{
    const char *why, *p;
    long long bytes;
    unsigned h = 0;
    size_t slot;

    if (!node || node->kind != GPV_Y_SCALAR || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "'memory' of %s must be a quantity with a unit, like 20GB or 20GiB",
                           what);
    for (p = node->str; *p; p++)
        h = h * 31 + (unsigned char)*p;
    slot = h % NELEM(memo->text);
    if (memo->text[slot] && !strcmp(memo->text[slot], node->str)) {
        bytes = memo->bytes[slot];
    } else {
        if (!gpv_mem_parse(&bytes, node->str, &why)) {
            if (gpv_quotable(node->str))
                return gpv_y_error(err, GPV_EINPUT, doc, node, "'memory' of %s is '%s': %s", what,
                                   node->str, why);
            return gpv_y_error(err, GPV_EINPUT, doc, node, "'memory' of %s: %s", what, why);
        }
        memo->text[slot] = tn_strings_dup(memo->strings, node->str);
        memo->bytes[slot] = bytes;
    }
    t->memory = bytes;
    t->memory_mib = (bytes + GPV_MIB - 1) / GPV_MIB;
    t->memory_text = memo->text[slot];
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

/* Runs gpv_tenant_validate() on t and reports its verdict at the node of the field at fault. */
static int
report_invalid(struct gpv_error *err, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
               const struct tenant_row *row, const struct gpv_tenant *t,
               const struct gpv_tenants *file)
{
    const struct gpv_ynode *node = map;
    enum gpv_tenant_field field;
    struct gpv_error verdict;

    /* Filled only when the tenant is invalid: not cleared first (1.5 KB, every tenant). */
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

/* What tn_item_what() says of a tenant, without allocating: it is made for every tenant. */
static void
tenant_what(char *buf, size_t size, const struct gpv_ynode *map, size_t index)
{
    const struct gpv_ynode *n = gpv_ymap_get(map, "name");

    if (n && n->kind == GPV_Y_SCALAR && tn_tame_name(n->str) && n->len + 10 <= size) {
        memcpy(buf, "tenant '", 8);
        memcpy(buf + 8, n->str, n->len);
        memcpy(buf + 8 + n->len, "'", 2);
    } else {
        snprintf(buf, size, "tenant %zu", index + 1);
    }
}

/*
 * Loads one tenant into t, keeping each bad field's error in errs (fields are independent
 * once the mapping decodes; the final whole-tenant validation runs only when all were read).
 * Returns 0 or GPV_EINPUT.
 */
int
tn_load_tenant(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
               size_t index, const struct gpv_tenants *file, const struct gpv_db *db,
               struct tn_mem_memo *memo, struct tn_errs *errs)
{
    struct tenant_row row;
    struct gpv_error e;
    char what[GPV_TENANT_NAME_MAX + 32];
    size_t i;
    int v, rc, bad = 0;

    tenant_what(what, sizeof(what), map, index);
    gpv_tenant_init(t);
    /* e is filled by each failure before tn_errs_keep() reads it: not cleared for every tenant. */
    memset(&row, 0, sizeof(row));
    row.replicas = 1;
    if ((rc = tn_errs_keep(
             errs,
             gpv_ymap_decode(&row, doc, map, tenant_fields, NELEM(tenant_fields), what, NULL, &e),
             &e)))
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
    if (!tn_tame_name(t->name)) {
        rc = tn_errs_keep(errs, report_invalid(&e, doc, map, &row, t, file), &e);
        goto out;
    }
    if (row.spread && tn_errs_keep(errs, load_spread(t, doc, row.spread, what, &e), &e))
        bad = GPV_EINPUT;
    if (t->spread_nodes) {
        for (i = 0; i < file->nfleet && !file->fleet[i].nnodes; i++)
            ;
        if (i == file->nfleet)
            bad =
                tn_errs_keep(errs,
                             gpv_y_error(&e, GPV_EINPUT, doc, row.spread,
                                         "'spread' of %s is 'node', but no fleet entry has 'nodes' "
                                         "(use 'gpu', or give the fleet its nodes)",
                                         what),
                             &e);
    }
    if (row.isolation) {
        if (tn_errs_keep(errs,
                         tn_read_enum(&v, doc, row.isolation, tn_isolation_names,
                                      NELEM(tn_isolation_names), "isolation", what, &e),
                         &e))
            bad = GPV_EINPUT;
        else
            t->isolation = (enum gpv_isolation)v;
    }
    if (row.workload) {
        if (tn_errs_keep(errs,
                         tn_read_enum(&v, doc, row.workload, tn_workload_names,
                                      NELEM(tn_workload_names), "workload", what, &e),
                         &e))
            bad = GPV_EINPUT;
        else
            t->workload = (enum gpv_workload)v;
    }
    if (row.environment) {
        if (tn_errs_keep(errs,
                         tn_read_enum(&v, doc, row.environment, tn_environment_names,
                                      NELEM(tn_environment_names), "environment", what, &e),
                         &e))
            bad = GPV_EINPUT;
        else
            t->environment = (enum gpv_environment)v;
    }
    if (row.os) {
        if (tn_errs_keep(
                errs,
                tn_read_enum(&v, doc, row.os, tn_os_names, NELEM(tn_os_names), "os", what, &e), &e))
            bad = GPV_EINPUT;
        else
            t->os = (enum gpv_os)v;
    }
    if (row.memory && tn_errs_keep(errs, load_memory(t, doc, row.memory, what, memo, &e), &e))
        bad = GPV_EINPUT;
    if (row.compute && tn_errs_keep(errs, load_compute(t, doc, row.compute, what, &e), &e))
        bad = GPV_EINPUT;
    if (row.gpu) {
        if (tn_errs_keep(errs, tn_resolve_gpu(&t->gpu, doc, row.gpu, db, what, &e), &e)) {
            bad = GPV_EINPUT;
        } else {
            t->gpu_line = row.gpu->line;
            t->gpu_col = row.gpu->col;
        }
    }
    rc = bad ? bad : tn_errs_keep(errs, report_invalid(&e, doc, map, &row, t, file), &e);
out:
    free(row.name);
    return rc;
}
