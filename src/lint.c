/*
 * The linter's driver: parse, detect the kind, unwrap Kubernetes ConfigMaps (mapping positions
 * of the embedded document back into the outer file), read strictly, check against the database.
 */
#include "lint_int.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

const char *
gpv_lint_kind_name(enum gpv_lint_kind kind)
{
    switch (kind) {
    case GPV_LINT_MIGPARTED:
        return "mig-parted";
    case GPV_LINT_VGPUDM:
        return "vgpu-device-manager";
    case GPV_LINT_DEVPLUGIN:
        return "device-plugin";
    default:
        return "none";
    }
}

bool
gpv_lint_kind_parse(enum gpv_lint_kind *out, const char *s)
{
    if (!strcmp(s, "migparted") || !strcmp(s, "mig-parted"))
        *out = GPV_LINT_MIGPARTED;
    else if (!strcmp(s, "vgpu") || !strcmp(s, "vgpu-device-manager"))
        *out = GPV_LINT_VGPUDM;
    else if (!strcmp(s, "device-plugin"))
        *out = GPV_LINT_DEVPLUGIN;
    else
        return false;
    return true;
}

/* The kind a document's top-level keys say it is. */
static enum gpv_lint_kind
detect(const struct gpv_ynode *root)
{
    if (!root || root->kind != GPV_Y_MAP)
        return GPV_LINT_KIND_NONE;
    if (gpv_ymap_get(root, "mig-configs"))
        return GPV_LINT_MIGPARTED;
    if (gpv_ymap_get(root, "vgpu-configs"))
        return GPV_LINT_VGPUDM;
    if (gpv_ymap_get(root, "flags") || gpv_ymap_get(root, "sharing"))
        return GPV_LINT_DEVPLUGIN;
    return GPV_LINT_KIND_NONE;
}

static bool
is_configmap(const struct gpv_ynode *root)
{
    const struct gpv_ynode *k = gpv_ymap_get(root, "kind");

    return k && k->kind == GPV_Y_SCALAR && !strcmp(k->str, "ConfigMap");
}

/* Moves every node of the tree by dline lines and dcol columns, or onto (line, col) when
 * dline is negative. */
static void
shift(struct gpv_ynode *n, int dline, int dcol, int line, int col)
{
    size_t i, count;

    if (dline < 0) {
        n->line = line;
        n->col = col;
    } else {
        n->line += dline;
        n->col += dcol;
    }
    count = n->kind == GPV_Y_MAP ? 2 * n->n : n->kind == GPV_Y_SEQ ? n->n : 0;
    for (i = 0; i < count; i++)
        shift(n->items[i], dline, dcol, line, col);
}

/* Start of 1-based line `line` in buf, or NULL past the end. */
static const char *
line_start(const char *buf, size_t len, int line)
{
    const char *p = buf, *end = buf + len;

    while (--line > 0) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (!p)
            return NULL;
        p++;
    }
    return p;
}

/*
 * Where an embedded document's line 1, column 1 sits in the outer file: for a literal block
 * scalar (`|`, `|-`, `|+`) the line after the indicator, indented like its first non-blank
 * line. Returns false for other styles (positions then collapse onto the value).
 */
static bool
literal_origin(int *dline, int *dcol, const char *buf, size_t len, const struct gpv_ynode *v)
{
    const char *p = line_start(buf, len, v->line), *end = buf + len;
    int indent;

    if (!p || (size_t)(end - p) < (size_t)v->col || p[v->col - 1] != '|')
        return false;
    p = memchr(p, '\n', (size_t)(end - p));
    while (p && p < end) {
        const char *q = ++p;

        while (q < end && *q == ' ')
            q++;
        indent = (int)(q - p);
        if (q < end && *q != '\n' && *q != '\r') {
            *dline = v->line;
            *dcol = indent;
            return true;
        }
        p = memchr(q, '\n', (size_t)(end - q));
    }
    return false;
}

static void
lint_doc(struct gpv_lint_result *out, const struct gpv_db *db, const struct gpv_ydoc *ydoc,
         const struct gpv_ynode *root, enum gpv_lint_kind kind, const char *key,
         const struct gpv_lint_opts *opts)
{
    struct gpv_lint_doc *d;

    out->docs = xreallocarray(out->docs, out->ndocs + 1, sizeof(*out->docs));
    d = &out->docs[out->ndocs++];
    memset(d, 0, sizeof(*d));
    d->key = key ? xstrdup(key) : NULL;
    d->kind = kind;
    if (kind == GPV_LINT_MIGPARTED) {
        struct gpv_migparted c;

        gpv_migparted_read(&c, ydoc, root, &out->findings);
        lint_check_migparted(&out->findings, d, db, opts, &c);
        gpv_migparted_release(&c);
    } else if (kind == GPV_LINT_VGPUDM) {
        struct gpv_vgpudm c;

        gpv_vgpudm_read(&c, ydoc, root, &out->findings);
        lint_check_vgpudm(&out->findings, d, db, opts, &c);
        gpv_vgpudm_release(&c);
    } else {
        struct gpv_devplugin c;

        gpv_devplugin_read(&c, ydoc, root, &out->findings);
        lint_check_devplugin(&out->findings, d, db, opts, &c);
        gpv_devplugin_release(&c);
    }
}

/* Lints every data key of a ConfigMap. Returns 0 or GPV_EINPUT (err filled). */
static int
lint_configmap(struct gpv_lint_result *out, const struct gpv_db *db, const char *buf, size_t len,
               const struct gpv_ydoc *outer, const struct gpv_lint_opts *opts,
               struct gpv_error *err)
{
    const struct gpv_ynode *data = gpv_ymap_get(outer->root, "data");
    size_t i;
    int rc;

    if (!data || data->kind != GPV_Y_MAP || data->n == 0)
        return gpv_y_error(err, GPV_EINPUT, outer, data ? data : outer->root,
                           "this ConfigMap has no 'data' to check");
    for (i = 0; i < data->n; i++) {
        const struct gpv_ynode *k = data->items[2 * i], *v = data->items[2 * i + 1];
        struct gpv_ydoc *inner = NULL;
        enum gpv_lint_kind kind;
        int dline = 0, dcol = 0;
        bool literal;

        if (v->kind != GPV_Y_SCALAR)
            return gpv_y_error(err, GPV_EINPUT, outer, v,
                               "ConfigMap data '%s' must be a string (a YAML document)", lint_q(k));
        literal = literal_origin(&dline, &dcol, buf, len, v);
        if ((rc = gpv_ydoc_parse(&inner, v->str, v->len, outer->name, err))) {
            if (literal && err->line) {
                err->line += dline;
                err->col += dcol;
            } else {
                err->line = v->line;
                err->col = v->col;
            }
            return rc;
        }
        if (inner->root)
            shift(inner->root, literal ? dline : -1, dcol, v->line, v->col);
        kind = opts->kind ? opts->kind : detect(inner->root);
        if (kind == GPV_LINT_KIND_NONE) {
            lint_add(&out->findings, GPV_LINT_WARNING, k, "not-a-config",
                     "ConfigMap data '%s' is not a mig-parted, vgpu-device-manager or "
                     "device-plugin config; not checked",
                     lint_q(k));
        } else {
            lint_doc(out, db, inner, inner->root, kind, k->str, opts);
        }
        gpv_ydoc_free(inner);
    }
    if (out->ndocs == 0)
        return gpv_y_error(err, GPV_EINPUT, outer, data,
                           "no data key of this ConfigMap holds a mig-parted, "
                           "vgpu-device-manager or device-plugin config");
    return 0;
}

static int
finding_cmp(const void *a, const void *b, const void *ctx)
{
    const struct gpv_lint_finding *x = a, *y = b;

    (void)ctx;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

int
gpv_lint_mem(struct gpv_lint_result *out, const struct gpv_db *db, const char *buf, size_t len,
             const char *name, const struct gpv_lint_opts *opts, struct gpv_error *err)
{
    struct gpv_ydoc *doc = NULL;
    enum gpv_lint_kind kind;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = gpv_ydoc_parse(&doc, buf, len, name, err)))
        goto out;
    if (!doc->root || doc->root->kind != GPV_Y_MAP) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, doc->root,
                         doc->root ? "not a config: the document is not a mapping"
                                   : "not a config: the file is empty");
        goto out;
    }
    if (is_configmap(doc->root)) {
        if ((rc = lint_configmap(out, db, buf, len, doc, opts, err)))
            goto out;
    } else {
        kind = opts->kind ? opts->kind : detect(doc->root);
        if (kind == GPV_LINT_KIND_NONE) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, doc->root,
                             "not a mig-parted, vgpu-device-manager or device-plugin config (no "
                             "'mig-configs', 'vgpu-configs', 'flags' or 'sharing' key; --kind "
                             "forces one)");
            goto out;
        }
        lint_doc(out, db, doc, doc->root, kind, NULL, opts);
    }
    gpv_sort_stable(out->findings.v, out->findings.n, sizeof(*out->findings.v), finding_cmp, NULL);
    rc = 0;
out:
    if (rc)
        gpv_lint_result_release(out);
    gpv_ydoc_free(doc);
    return rc;
}

void
gpv_lint_result_release(struct gpv_lint_result *r)
{
    size_t i, k;

    if (!r)
        return;
    for (i = 0; i < r->ndocs; i++) {
        for (k = 0; k < r->docs[i].nentries; k++) {
            free(r->docs[i].entries[k].config);
            free(r->docs[i].entries[k].models);
        }
        free(r->docs[i].entries);
        free(r->docs[i].key);
        free(r->docs[i].models);
    }
    free(r->docs);
    gpv_lint_findings_release(&r->findings);
    memset(r, 0, sizeof(*r));
}
