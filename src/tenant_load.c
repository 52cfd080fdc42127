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

/* Keeps *e when rc says it holds an error (or notes that there are more). Returns rc. */
int
tn_errs_keep(struct tn_errs *errs, int rc, const struct gpv_error *e)
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
        tn_errs_keep(errs,
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
    struct tn_mem_memo memo;  /* memory quantities met */
    bool tenants_seen, tenants_read, tenants_last;
};

/* Drops every error found so far and keeps e alone: the document itself is broken. */
static int
only(struct tn_errs *errs, const struct gpv_error *e)
{
    errs->n = 0;
    errs->more = false;
    return tn_errs_keep(errs, e->code, e);
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
        tn_errs_keep(found,
                     gpv_ymap_decode(&out->licenses, L->top, lic, license_fields,
                                     NELEM(license_fields), "'licenses'", NULL, &e),
                     &e);
    if (!fleet || fleet->kind != GPV_Y_SEQ)
        return;
    if (fleet->n == 0) {
        tn_errs_keep(found,
                     gpv_y_error(&e, GPV_EINPUT, L->top, fleet,
                                 "'fleet' is empty: list GPUs, or leave it out to size a fleet"),
                     &e);
        return;
    }
    out->fleet = xcalloc(fleet->n, sizeof(*out->fleet));
    k = found->n;
    for (i = 0; i < fleet->n && !full(found); i++) {
        tn_errs_keep(
            found, tn_load_fleet_entry(&out->fleet[i], L->top, fleet->items[i], i, L->db, &e), &e);
        out->nfleet++; /* counted on failure too: its node names are freed with the file */
    }
    if (found->n == k)
        tn_errs_keep(found, tn_check_unique_nodes(out, L->top, fleet, &e), &e);
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
        tn_load_tenant(t, L->one, map, out->ntenants, out, L->db, &L->memo, L->found);
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
        tn_errs_keep(L->found,
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
