/* The tenants file loader: a strict schema over the YAML tree, every error at its line. */
#include "tenant_int.h"

#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading ----------------------------------------------------------------------------- */

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

/*
 * The errors of one load, in the order found; sorted into file order at the end. Once one
 * more than GPV_TENANTS_ERRORS_MAX is found (more), the rest of the file is not read.
 */
struct tn_errs {
    struct gpv_error v[GPV_TENANTS_ERRORS_MAX];
    size_t n;
    bool more;
};

/* Keeps *e when rc says it holds an error (or notes that there are more). Returns rc. */
static int
keep(struct tn_errs *errs, int rc, const struct gpv_error *e)
{
    if (rc && errs->n < GPV_TENANTS_ERRORS_MAX)
        errs->v[errs->n++] = *e;
    else if (rc)
        errs->more = true;
    return rc;
}

static bool
full(const struct tn_errs *errs)
{
    return errs->more;
}

/*
 * Loads one tenant into t, keeping each bad field's error in errs (fields are independent
 * once the mapping decodes; the final whole-tenant validation runs only when all were read).
 * Returns 0 or GPV_EINPUT.
 */
static int
load_tenant(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
            size_t index, const struct gpv_tenants *file, const struct gpv_db *db,
            struct tn_errs *errs)
{
    struct tenant_row row;
    struct gpv_error e;
    char *what = tn_item_what("tenant", map, "name", index);
    size_t i;
    int v, rc, bad = 0;

    gpv_tenant_init(t);
    gpv_error_init(&e);
    memset(&row, 0, sizeof(row));
    row.replicas = 1;
    if ((rc = keep(
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
        rc = keep(errs, report_invalid(&e, doc, map, &row, t, file), &e);
        goto out;
    }
    if (row.spread && keep(errs, load_spread(t, doc, row.spread, what, &e), &e))
        bad = GPV_EINPUT;
    if (t->spread_nodes) {
        for (i = 0; i < file->nfleet && !file->fleet[i].nnodes; i++)
            ;
        if (i == file->nfleet)
            bad = keep(errs,
                       gpv_y_error(&e, GPV_EINPUT, doc, row.spread,
                                   "'spread' of %s is 'node', but no fleet entry has 'nodes' "
                                   "(use 'gpu', or give the fleet its nodes)",
                                   what),
                       &e);
    }
    if (row.isolation) {
        if (keep(errs,
                 tn_read_enum(&v, doc, row.isolation, tn_isolation_names, NELEM(tn_isolation_names),
                              "isolation", what, &e),
                 &e))
            bad = GPV_EINPUT;
        else
            t->isolation = (enum gpv_isolation)v;
    }
    if (row.workload) {
        if (keep(errs,
                 tn_read_enum(&v, doc, row.workload, tn_workload_names, NELEM(tn_workload_names),
                              "workload", what, &e),
                 &e))
            bad = GPV_EINPUT;
        else
            t->workload = (enum gpv_workload)v;
    }
    if (row.environment) {
        if (keep(errs,
                 tn_read_enum(&v, doc, row.environment, tn_environment_names,
                              NELEM(tn_environment_names), "environment", what, &e),
                 &e))
            bad = GPV_EINPUT;
        else
            t->environment = (enum gpv_environment)v;
    }
    if (row.os) {
        if (keep(errs,
                 tn_read_enum(&v, doc, row.os, tn_os_names, NELEM(tn_os_names), "os", what, &e),
                 &e))
            bad = GPV_EINPUT;
        else
            t->os = (enum gpv_os)v;
    }
    if (row.memory && keep(errs, load_memory(t, doc, row.memory, what, &e), &e))
        bad = GPV_EINPUT;
    if (row.compute && keep(errs, load_compute(t, doc, row.compute, what, &e), &e))
        bad = GPV_EINPUT;
    if (row.gpu) {
        if (keep(errs, tn_resolve_gpu(&t->gpu, doc, row.gpu, db, what, &e), &e)) {
            bad = GPV_EINPUT;
        } else {
            t->gpu_line = row.gpu->line;
            t->gpu_col = row.gpu->col;
        }
    }
    rc = bad ? bad : keep(errs, report_invalid(&e, doc, map, &row, t, file), &e);
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

/* Keeps an error for every repeated tenant name, against its first occurrence. */
static void
check_unique_names(const struct gpv_tenants *t, const struct gpv_ydoc *doc,
                   const struct gpv_ynode *seq, struct tn_errs *errs)
{
    struct name_ref *refs;
    struct gpv_error e;
    size_t i, n = 0, start = 0;

    if (t->ntenants < 2)
        return;
    gpv_error_init(&e);
    refs = xcalloc(t->ntenants, sizeof(*refs));
    for (i = 0; i < t->ntenants; i++) {
        if (!t->tenants[i].name) /* its mapping did not decode: already an error */
            continue;
        refs[n].name = t->tenants[i].name;
        refs[n].node = gpv_ymap_get(seq->items[i], "name");
        refs[n].index = i;
        n++;
    }
    qsort(refs, n, sizeof(*refs), name_ref_cmp);
    /* In each run of equal names (sorted by position), the first is the original. */
    for (i = 1; i < n; i++) {
        if (strcmp(refs[i].name, refs[start].name)) {
            start = i;
            continue;
        }
        keep(errs,
             gpv_y_error(&e, GPV_EINPUT, doc, refs[i].node,
                         "duplicate tenant name '%s' (first at line %d)", refs[i].name,
                         refs[start].node->line),
             &e);
    }
    free(refs);
}

/* Orders errors by position in the file; equal positions keep the order they were found. */
static int
err_pos_cmp(const void *a, const void *b)
{
    const struct gpv_error *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x < y ? -1 : x > y;
}

int
gpv_tenants_load_all(struct gpv_tenants *out, struct gpv_error *errs, size_t *nerrs,
                     const char *buf, size_t len, const char *name, const struct gpv_db *db)
{
    struct gpv_ydoc *doc = NULL;
    struct tn_errs *found = xcalloc(1, sizeof(*found));
    struct gpv_error e;
    struct top_row top;
    size_t i, k;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&top, 0, sizeof(top));
    gpv_error_init(&e);
    *nerrs = 0;
    if (!name)
        name = "<input>";
    out->name = xstrdup(name);
    /* The document's shape (syntax, top-level keys, version) is one error: nothing past it
       can be read reliably. */
    if ((rc = keep(found, gpv_ydoc_parse(&doc, buf, len, name, &e), &e)))
        goto out;
    if (!doc->root) {
        rc = keep(found,
                  gpv_error_set(&e, GPV_EINPUT, name, 1, 1,
                                "the tenants file is empty: it needs 'version: 1' and 'tenants'"),
                  &e);
        goto out;
    }
    if ((rc = keep(found,
                   gpv_ymap_decode(&top, doc, doc->root, top_fields, NELEM(top_fields),
                                   "the tenants file", NULL, &e),
                   &e)))
        goto out;
    if (top.version != GPV_TENANTS_VERSION) {
        rc = keep(found,
                  gpv_y_error(&e, GPV_EINPUT, doc, gpv_ymap_get(doc->root, "version"),
                              "unsupported version %d (this gpuvplan reads version %d)",
                              top.version, GPV_TENANTS_VERSION),
                  &e);
        goto out;
    }
    out->version = top.version;
    if (top.licenses)
        keep(found,
             gpv_ymap_decode(&out->licenses, doc, top.licenses, license_fields,
                             NELEM(license_fields), "'licenses'", NULL, &e),
             &e);
    if (top.fleet) {
        if (top.fleet->n == 0) {
            keep(found,
                 gpv_y_error(&e, GPV_EINPUT, doc, top.fleet,
                             "'fleet' is empty: list GPUs, or leave it out to size a fleet"),
                 &e);
        } else {
            out->fleet = xcalloc(top.fleet->n, sizeof(*out->fleet));
            k = found->n;
            for (i = 0; i < top.fleet->n && !full(found); i++) {
                keep(found,
                     tn_load_fleet_entry(&out->fleet[i], doc, top.fleet->items[i], i, db, &e), &e);
                out->nfleet++; /* counted on failure too: its node names are freed with the file */
            }
            if (found->n == k)
                keep(found, tn_check_unique_nodes(out, doc, top.fleet, &e), &e);
        }
    }
    /* Tenants are checked against the fleet (pins, spread over nodes): a fleet with errors
       would only add false ones. */
    if (found->n)
        goto out;
    if (top.tenants->n == 0) {
        keep(found,
             gpv_y_error(&e, GPV_EINPUT, doc, top.tenants,
                         "'tenants' is empty: list at least one tenant"),
             &e);
        goto out;
    }
    out->tenants = xcalloc(top.tenants->n, sizeof(*out->tenants));
    for (i = 0; i < top.tenants->n && !full(found); i++) {
        load_tenant(&out->tenants[i], doc, top.tenants->items[i], i, out, db, found);
        out->ntenants++;
    }
    check_unique_names(out, doc, top.tenants, found);
out:
    gpv_ydoc_free(doc);
    rc = found->n ? GPV_EINPUT : 0;
    if (found->n) {
        qsort(found->v, found->n, sizeof(found->v[0]), err_pos_cmp);
        for (i = 0; i < found->n; i++)
            errs[i] = found->v[i];
        *nerrs = found->n;
        rc = found->v[0].code;
        if (found->more)
            gpv_error_set(&errs[(*nerrs)++], GPV_EINPUT, name, 0, 0,
                          "more errors follow: only the first %d are shown",
                          GPV_TENANTS_ERRORS_MAX);
        gpv_tenants_release(out);
    }
    free(found);
    return rc;
}

int
gpv_tenants_load_mem(struct gpv_tenants *out, const char *buf, size_t len, const char *name,
                     const struct gpv_db *db, struct gpv_error *err)
{
    struct gpv_error *errs = xcalloc(GPV_TENANTS_ERRORS_MAX + 1, sizeof(*errs));
    size_t n;
    int rc = gpv_tenants_load_all(out, errs, &n, buf, len, name, db);

    if (rc && err)
        *err = errs[0];
    free(errs);
    return rc;
}
