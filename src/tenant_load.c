/* The tenants file loader: a strict schema over the YAML tree, every error at its line. */
#include "tenant_int.h"

#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
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

/*
 * Memory quantities met, by hash of their text (a file repeats a few): the file's copy of the
 * text and its bytes, so a repeat is neither parsed nor copied again.
 */
struct mem_memo {
    char *text[64];
    long long bytes[64];
    struct gpv_tenant_strings **strings; /* where the copies go */
};

static int
load_memory(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
            const char *what, struct mem_memo *memo, struct gpv_error *err)
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
static int
load_tenant(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
            size_t index, const struct gpv_tenants *file, const struct gpv_db *db,
            struct mem_memo *memo, struct tn_errs *errs)
{
    struct tenant_row row;
    struct gpv_error e;
    char what[GPV_TENANT_NAME_MAX + 32];
    size_t i;
    int v, rc, bad = 0;

    tenant_what(what, sizeof(what), map, index);
    gpv_tenant_init(t);
    /* e is filled by each failure before keep() reads it: not cleared for every tenant. */
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
    if (row.memory && keep(errs, load_memory(t, doc, row.memory, what, memo, &e), &e))
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
    return rc;
}

/* Where a tenant's name was written, for the error about a repeat. */
struct tn_pos {
    int line, col;
};

/* For finding duplicate names: tenant index and where its name is. */
struct name_ref {
    const char *name;
    const struct tn_pos *pos;
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

static unsigned
name_hash(const char *s)
{
    unsigned h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/*
 * Keeps an error for every repeated tenant name, against its first occurrence. The names go
 * through a hash table once; only the tenants whose names repeat are sorted (by name, then
 * position), and their errors are kept in that order, as sorting every name would.
 */
static void
check_unique_names(const struct gpv_tenants *t, const struct tn_pos *pos, struct tn_errs *errs)
{
    struct name_ref *refs = NULL;
    struct gpv_error e;
    size_t *slots = NULL, mask, i, n = 0, start = 0, size = 16;
    bool *listed = NULL;

    if (t->ntenants < 2)
        return;
    gpv_error_init(&e);
    while (size < 2 * t->ntenants)
        size *= 2;
    mask = size - 1;
    /* Slot values are tenant indexes plus one; 0 is empty. */
    slots = xcalloc(size, sizeof(*slots));
    for (i = 0; i < t->ntenants; i++) {
        const char *name = t->tenants[i].name;
        size_t h;

        if (!name) /* its mapping did not decode: already an error */
            continue;
        for (h = name_hash(name) & mask; slots[h]; h = (h + 1) & mask)
            if (!strcmp(t->tenants[slots[h] - 1].name, name))
                break;
        if (!slots[h]) {
            slots[h] = i + 1;
            continue;
        }
        if (!refs) {
            refs = xcalloc(t->ntenants, sizeof(*refs));
            listed = xcalloc(t->ntenants, sizeof(*listed));
        }
        if (!listed[slots[h] - 1]) {
            listed[slots[h] - 1] = true;
            refs[n].name = name;
            refs[n].pos = &pos[slots[h] - 1];
            refs[n].index = slots[h] - 1;
            n++;
        }
        refs[n].name = name;
        refs[n].pos = &pos[i];
        refs[n].index = i;
        n++;
    }
    free(slots);
    free(listed);
    if (!refs)
        return;
    qsort(refs, n, sizeof(*refs), name_ref_cmp);
    /* In each run of equal names (sorted by position), the first is the original. */
    for (i = 1; i < n; i++) {
        if (strcmp(refs[i].name, refs[start].name)) {
            start = i;
            continue;
        }
        keep(errs,
             gpv_error_set(&e, GPV_EINPUT, t->name, refs[i].pos->line, refs[i].pos->col,
                           "duplicate tenant name '%s' (first at line %d)", refs[i].name,
                           refs[start].pos->line),
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

/*
 * One load. The file is read as events: the top-level mapping's small values (version,
 * licences, fleet, and anything unknown, to be reported) as trees in `top`, the tenants one at
 * a time, each as a small tree in `one` that the next tenant reuses, decoded into the tenant
 * structs as they come. Tenants are checked against the fleet, so they are read in the same pass
 * only when `tenants` is the last top-level key (as files are written); otherwise a second pass
 * reads them once the rest is known. The errors are the ones (and in the order) reading the
 * whole document first would give.
 */
struct loader {
    struct gpv_tenants *out;
    struct tn_errs *found;
    const struct gpv_db *db;
    const char *buf;
    size_t len;
    const char *name;
    struct gpv_ydoc *top, *one;
    struct gpv_ynode root;    /* the top-level mapping, its values kept but for the tenants */
    struct gpv_ynode tenants; /* stands for the tenants list: its position; no items */
    size_t nitems;            /* of the tenants list, read or not */
    size_t max_tenants;       /* the limit on nitems */
    size_t cap;               /* of out->tenants and pos */
    struct tn_pos *pos;       /* of each tenant's name */
    struct mem_memo memo;     /* memory quantities met */
    bool tenants_seen, tenants_read, tenants_last;
};

/* Drops every error found so far and keeps e alone: the document itself is broken. */
static int
only(struct tn_errs *errs, const struct gpv_error *e)
{
    errs->n = 0;
    errs->more = false;
    return keep(errs, e->code, e);
}

/* The licences and the fleet, once the top-level mapping is known up to the tenants. */
static void
load_prelude(struct loader *L)
{
    const struct gpv_ynode *lic = gpv_ymap_get(&L->root, "licenses");
    const struct gpv_ynode *fleet = gpv_ymap_get(&L->root, "fleet");
    struct gpv_tenants *out = L->out;
    struct tn_errs *found = L->found;
    struct gpv_error e;
    size_t i, k;

    gpv_error_init(&e);
    /* Wrong types are the top-level check's error, made when the mapping ends. */
    if (lic && lic->kind == GPV_Y_MAP)
        keep(found,
             gpv_ymap_decode(&out->licenses, L->top, lic, license_fields, NELEM(license_fields),
                             "'licenses'", NULL, &e),
             &e);
    if (!fleet || fleet->kind != GPV_Y_SEQ)
        return;
    if (fleet->n == 0) {
        keep(found,
             gpv_y_error(&e, GPV_EINPUT, L->top, fleet,
                         "'fleet' is empty: list GPUs, or leave it out to size a fleet"),
             &e);
        return;
    }
    out->fleet = xcalloc(fleet->n, sizeof(*out->fleet));
    k = found->n;
    for (i = 0; i < fleet->n && !full(found); i++) {
        keep(found, tn_load_fleet_entry(&out->fleet[i], L->top, fleet->items[i], i, L->db, &e), &e);
        out->nfleet++; /* counted on failure too: its node names are freed with the file */
    }
    if (found->n == k)
        keep(found, tn_check_unique_nodes(out, L->top, fleet, &e), &e);
}

/*
 * Reads the tenants list (its start was the last event), decoding each tenant unless decode is
 * false (the fleet has errors) or there are too many errors already. Returns 0, or a failure of the
 * document (syntax, a limit) with e filled.
 */
static int
read_tenants(struct loader *L, struct gpv_yparser *p, bool decode, struct gpv_error *e)
{
    struct gpv_tenants *out = L->out;
    struct gpv_tenant *t;
    struct gpv_yevent ev;
    struct gpv_ynode *map;
    const struct gpv_ynode *nm;
    int rc;

    L->nitems = 0;
    for (;;) {
        if ((rc = gpv_yparser_next(&ev, p, e)))
            return rc;
        if (ev.kind == GPV_YE_END)
            break;
        if (L->nitems == L->max_tenants)
            return gpv_error_set(e, GPV_EINPUT, L->name, ev.line, ev.col,
                                 "more than %zu tenants: that is the limit of one file",
                                 L->max_tenants);
        L->nitems++;
        if (!decode || full(L->found)) {
            if ((rc = gpv_yparser_skip(p, &ev, e)))
                return rc;
            continue;
        }
        gpv_ydoc_clear(L->one);
        if ((rc = gpv_yparser_tree(&map, L->one, p, &ev, e)))
            return rc;
        if (out->ntenants == L->cap) {
            L->cap = L->cap ? L->cap * 2 : 64;
            out->tenants = xreallocarray(out->tenants, L->cap, sizeof(*out->tenants));
            L->pos = xreallocarray(L->pos, L->cap, sizeof(*L->pos));
        }
        t = &out->tenants[out->ntenants];
        L->memo.strings = &out->strings;
        load_tenant(t, L->one, map, out->ntenants, out, L->db, &L->memo, L->found);
        /* Its strings move into the file's set: a few bytes each instead of an allocation. */
        if (t->name) {
            char *s = tn_strings_dup(&out->strings, t->name);

            free(t->name);
            t->name = s;
        }
        nm = gpv_ymap_get(map, "name");
        L->pos[out->ntenants].line = nm ? nm->line : 0;
        L->pos[out->ntenants].col = nm ? nm->col : 0;
        out->ntenants++;
    }
    if (decode && L->nitems == 0) {
        keep(L->found,
             gpv_y_error(e, GPV_EINPUT, L->top, &L->tenants,
                         "'tenants' is empty: list at least one tenant"),
             e);
        gpv_error_init(e);
    }
    return 0;
}

/* Appends a key and its value to the top-level mapping. */
static void
root_add(struct loader *L, struct gpv_ynode *key, struct gpv_ynode *val)
{
    L->root.items = xreallocarray(L->root.items, 2 * (L->root.n + 1), sizeof(*L->root.items));
    L->root.items[2 * L->root.n] = key;
    L->root.items[2 * L->root.n + 1] = val;
    L->root.n++;
}

/*
 * The first pass: the whole document. The tenants list is read in passing when it comes after
 * everything it depends on. Returns 0 or a failure of the document, with e filled.
 */
static int
first_pass(struct loader *L, struct gpv_error *e)
{
    struct gpv_yparser *p = NULL;
    struct gpv_yevent ev;
    struct gpv_ynode *key, *val;
    int rc;

    if ((rc = gpv_yparser_new(&p, L->buf, L->len, L->name, e)))
        return rc;
    if ((rc = gpv_yparser_next(&ev, p, e)))
        goto out;
    if (ev.kind != GPV_YE_MAP) {
        /* Empty, or not a mapping: one node, which the top-level check refuses. */
        if (ev.kind != GPV_YE_DONE) {
            if ((rc = gpv_yparser_tree(&L->top->root, L->top, p, &ev, e)))
                goto out;
            rc = gpv_yparser_next(&ev, p, e);
        }
        goto out;
    }
    L->root.kind = GPV_Y_MAP;
    L->root.line = ev.line;
    L->root.col = ev.col;
    L->top->root = &L->root;
    for (;;) {
        if ((rc = gpv_yparser_next(&ev, p, e)))
            goto out;
        if (ev.kind == GPV_YE_END)
            break;
        if ((rc = gpv_yparser_tree(&key, L->top, p, &ev, e)) || (rc = gpv_yparser_next(&ev, p, e)))
            goto out;
        L->tenants_last = false;
        if (!strcmp(key->str, "tenants") && ev.kind == GPV_YE_SEQ) {
            bool again = L->tenants_seen;

            L->tenants.kind = GPV_Y_SEQ;
            L->tenants.line = ev.line;
            L->tenants.col = ev.col;
            root_add(L, key, &L->tenants);
            L->tenants_seen = true;
            L->tenants_last = true;
            /* A second `tenants` is a duplicate key, reported when the mapping ends. */
            if (again) {
                rc = gpv_yparser_skip(p, &ev, e);
            } else {
                load_prelude(L);
                L->tenants_read = L->found->n == 0;
                rc = read_tenants(L, p, L->tenants_read, e);
            }
            if (rc)
                goto out;
            continue;
        }
        if ((rc = gpv_yparser_tree(&val, L->top, p, &ev, e)))
            goto out;
        root_add(L, key, val);
    }
    rc = gpv_yparser_next(&ev, p, e);
out:
    gpv_yparser_free(p);
    return rc;
}

/* The second pass, when `tenants` was not the last top-level key: the tenants alone. */
static int
second_pass(struct loader *L, struct gpv_error *e)
{
    struct gpv_yparser *p = NULL;
    struct gpv_yevent ev;
    int rc;

    if ((rc = gpv_yparser_new(&p, L->buf, L->len, L->name, e)))
        return rc;
    /* The first pass read the same bytes without an error: this one finds none either. */
    if ((rc = gpv_yparser_next(&ev, p, e)))
        goto out;
    for (;;) {
        if ((rc = gpv_yparser_next(&ev, p, e)))
            goto out;
        GPV_ASSERT(ev.kind == GPV_YE_SCALAR);
        if (!strcmp(ev.str, "tenants")) {
            if ((rc = gpv_yparser_next(&ev, p, e)))
                goto out;
            GPV_ASSERT(ev.kind == GPV_YE_SEQ);
            rc = read_tenants(L, p, true, e);
            break;
        }
        if ((rc = gpv_yparser_next(&ev, p, e)) || (rc = gpv_yparser_skip(p, &ev, e)))
            goto out;
    }
out:
    gpv_yparser_free(p);
    return rc;
}

/* The file's line and column of byte off (from 1). */
static void
position_of(int *line, int *col, const char *buf, size_t off)
{
    const char *p = buf, *end = buf + off, *nl;

    *line = 1;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        ++*line;
        p = nl + 1;
    }
    *col = (int)(end - p) + 1;
}

int
gpv_tenants_load_all(struct gpv_tenants *out, struct gpv_error *errs, size_t *nerrs,
                     const char *buf, size_t len, const char *name, const struct gpv_db *db)
{
    return gpv_tenants_load_limited(out, errs, nerrs, buf, len, name, db, NULL);
}

int
gpv_tenants_load_limited(struct gpv_tenants *out, struct gpv_error *errs, size_t *nerrs,
                         const char *buf, size_t len, const char *name, const struct gpv_db *db,
                         const struct gpv_tenants_limits *limits)
{
    size_t max_bytes = limits && limits->max_bytes ? limits->max_bytes : GPV_TENANTS_MAX_BYTES;
    struct loader L;
    struct tn_errs *found = xcalloc(1, sizeof(*found));
    struct gpv_error e;
    struct top_row top;
    size_t i;
    int rc, line, col;

    memset(out, 0, sizeof(*out));
    memset(&top, 0, sizeof(top));
    memset(&L, 0, sizeof(L));
    gpv_error_init(&e);
    *nerrs = 0;
    if (!name)
        name = "<input>";
    out->name = xstrdup(name);
    L.out = out;
    L.found = found;
    L.db = db;
    L.buf = buf;
    L.len = len;
    L.name = name;
    L.max_tenants = limits && limits->max_tenants ? limits->max_tenants : GPV_TENANTS_MAX;
    L.top = gpv_ydoc_new(name);
    L.one = gpv_ydoc_new(name);
    if (len > max_bytes) {
        /* At the first byte past the limit. */
        position_of(&line, &col, buf, max_bytes);
        if (max_bytes % ((size_t)1 << 20) == 0)
            gpv_error_set(&e, GPV_EINPUT, name, line, col, "file is larger than the %zu MiB limit",
                          max_bytes >> 20);
        else
            gpv_error_set(&e, GPV_EINPUT, name, line, col, "file is larger than the %zu-byte limit",
                          max_bytes);
        only(found, &e);
        goto out;
    }
    /* The document's shape (syntax, limits, top-level keys, version) is one error: nothing
       past it can be read reliably. */
    if (first_pass(&L, &e)) {
        only(found, &e);
        goto out;
    }
    if (!L.top->root) {
        gpv_error_set(&e, GPV_EINPUT, name, 1, 1,
                      "the tenants file is empty: it needs 'version: 1' and 'tenants'");
        only(found, &e);
        goto out;
    }
    if (gpv_ymap_decode(&top, L.top, L.top->root, top_fields, NELEM(top_fields), "the tenants file",
                        NULL, &e)) {
        only(found, &e);
        goto out;
    }
    if (top.version != GPV_TENANTS_VERSION) {
        gpv_y_error(&e, GPV_EINPUT, L.top, gpv_ymap_get(L.top->root, "version"),
                    "unsupported version %d (this gpuvplan reads version %d)", top.version,
                    GPV_TENANTS_VERSION);
        only(found, &e);
        goto out;
    }
    out->version = top.version;
    if (!L.tenants_last) {
        /* Something the tenants depend on came after them: read them again, now that it is
           known. */
        gpv_tenants_release(out);
        L.cap = 0;
        memset(&L.memo, 0, sizeof(L.memo));
        out->name = xstrdup(name);
        out->version = top.version;
        found->n = 0;
        found->more = false;
        load_prelude(&L);
        if (found->n)
            goto out;
        if (second_pass(&L, &e)) {
            only(found, &e);
            goto out;
        }
    } else if (!L.tenants_read) {
        goto out;
    }
    check_unique_names(out, L.pos, found);
out:
    gpv_ydoc_free(L.top);
    gpv_ydoc_free(L.one);
    free(L.root.items);
    free(L.pos);
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
