/*
 * Strict schema readers for mig-parted, vgpu-device-manager and device-plugin configs, written
 * from ../shared/reference/formats.md (§0 grammars, §1.1, §2.1, §3.1). Each reports what the real
 * parser rejects, with the position of the offending node, and keeps reading where it can so
 * one run shows every problem.
 */
#include "lint_int.h"

#include "gpuvplan/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
lint_add_at(struct gpv_lint_findings *f, enum gpv_lint_severity sev, int line, int col,
            const char *code, const char *fmt, ...)
{
    struct gpv_buf b;
    va_list ap;
    char tmp[GPV_ERROR_MSG_MAX];

    gpv_buf_init(&b);
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    gpv_buf_puts(&b, tmp);
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->v = xreallocarray(f->v, f->cap, sizeof(*f->v));
    }
    f->v[f->n].severity = sev;
    f->v[f->n].line = line;
    f->v[f->n].col = col;
    f->v[f->n].code = code;
    f->v[f->n].message = gpv_buf_detach(&b);
    f->n++;
}

void
lint_add(struct gpv_lint_findings *f, enum gpv_lint_severity sev, const struct gpv_ynode *at,
         const char *code, const char *fmt, ...)
{
    va_list ap;
    char tmp[GPV_ERROR_MSG_MAX];

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    lint_add_at(f, sev, at ? at->line : 0, at ? at->col : 0, code, "%s", tmp);
}

void
gpv_lint_findings_release(struct gpv_lint_findings *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++)
        free(f->v[i].message);
    free(f->v);
    memset(f, 0, sizeof(*f));
}

size_t
gpv_lint_findings_count(const struct gpv_lint_findings *f, enum gpv_lint_severity sev)
{
    size_t i, n = 0;

    for (i = 0; i < f->n; i++)
        n += f->v[i].severity == sev;
    return n;
}

void
lint_add_yerr(struct gpv_lint_findings *f, const struct gpv_error *e)
{
    lint_add_at(f, GPV_LINT_ERROR, e->line, e->col, "bad-value", "%s", e->msg);
}

const char *
lint_q(const struct gpv_ynode *n)
{
    if (!n || n->kind != GPV_Y_SCALAR)
        return "?";
    return gpv_quotable(n->str) ? n->str : "(unprintable)";
}

/* ---- grammars ----------------------------------------------------------------------------- */

/* Reads a run of decimal digits as a number in [0, 1000000]; advances *s. */
static bool
read_num(int *out, const char **s)
{
    long v = 0;
    const char *p = *s;

    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p - '0');
        if (v > 1000000)
            return false;
        p++;
    }
    *out = (int)v;
    *s = p;
    return true;
}

bool
gpv_lint_profile_parse(struct gpv_lint_profile *out, const char *s)
{
    const char *p = s, *gi, *a;
    int n1, n2;

    if (strlen(s) >= sizeof(out->gi))
        return false;
    if (!read_num(&n1, &p))
        return false;
    if (*p == 'c') {
        p++;
        if (*p++ != '.')
            return false;
        gi = p;
        if (!read_num(&n2, &p) || *p != 'g')
            return false;
        out->c = n1;
        out->g = n2;
    } else if (*p == 'g') {
        gi = s;
        out->c = out->g = n1;
    } else {
        return false;
    }
    p++; /* the 'g' */
    if (*p++ != '.' || !read_num(&out->gb, &p) || p[0] != 'g' || p[1] != 'b')
        return false;
    p += 2;
    if (out->g < 1 || out->c < 1 || out->c > out->g)
        return false;
    if (*p == '+' || *p == '-') {
        const char *list = p + 1;

        if (strchr(list, '+') || strchr(list, '-'))
            return false;
        /* Attributes: alphanumerics and dots, not starting with a digit or dot, unique. */
        for (a = list;;) {
            const char *e = a, *b;
            size_t len;

            if (!isalpha((unsigned char)*a))
                return false;
            while (isalnum((unsigned char)*e) || *e == '.')
                e++;
            if (*e && *e != ',')
                return false;
            len = (size_t)(e - a);
            for (b = list; b < a;) {
                const char *be = strchr(b, ',');

                if ((size_t)(be - b) == len && !strncmp(a, b, len))
                    return false;
                b = be + 1;
            }
            if (!*e)
                break;
            a = e + 1;
        }
    } else if (*p) {
        return false;
    }
    memcpy(out->gi, gi, strlen(gi) + 1);
    return true;
}

/* Parses a Go ParseUint(s, 0, 32) number: 0x hex or decimal. */
static bool
parse_u32(uint32_t *out, const char *s, size_t len)
{
    char tmp[24];
    long long v;

    if (len == 0 || len >= sizeof(tmp) || *s == '-' || *s == '+' || isspace((unsigned char)*s))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (!gpv_parse_ll(&v, tmp, 0, 0xFFFFFFFFLL))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool
gpv_lint_pciid_parse(struct gpv_lint_pciid *out, const char *s)
{
    const char *colon = strchr(s, ':');
    uint32_t v, sub = 0;

    if (!parse_u32(&v, s, colon ? (size_t)(colon - s) : strlen(s)))
        return false;
    if (colon && !parse_u32(&sub, colon + 1, strlen(colon + 1)))
        return false;
    out->device = (uint16_t)(v >> 16);
    out->vendor = (uint16_t)(v & 0xFFFF);
    out->has_subsys = colon != NULL;
    out->subsys_device = (uint16_t)(sub >> 16);
    out->subsys_vendor = (uint16_t)(sub & 0xFFFF);
    return true;
}

/* [A-Z0-9]+(-[a-zA-Z]+)* over [s, e). */
static bool
vgpu_gpu_part(const char *s, const char *e)
{
    const char *p = s;

    if (p == e || !(isupper((unsigned char)*p) || isdigit((unsigned char)*p)))
        return false;
    while (p < e && (isupper((unsigned char)*p) || isdigit((unsigned char)*p)))
        p++;
    while (p < e) {
        if (*p++ != '-' || p == e || !isalpha((unsigned char)*p))
            return false;
        while (p < e && isalpha((unsigned char)*p))
            p++;
    }
    return true;
}

/* `<GB><S>` then, for MIG-backed types, an optional ME|NOME|MEALL|GFX; over [s, end of s). */
static bool
vgpu_size_part(const char *s, bool mig)
{
    const char *p = s;
    int gb;

    if (*p == '0' && isdigit((unsigned char)p[1]))
        return false;
    if (!read_num(&gb, &p) || !strchr("ABCQ", *p) || !*p)
        return false;
    p++;
    if (!*p)
        return true;
    return mig &&
           (!strcmp(p, "ME") || !strcmp(p, "NOME") || !strcmp(p, "MEALL") || !strcmp(p, "GFX"));
}

bool
gpv_lint_vgpu_type_valid(const char *name, bool *mig_backed)
{
    const char *last = strrchr(name, '-'), *prev;

    if (!last || last == name)
        return false;
    /* MIG-backed: <GPU>-<G>-<GB><S>[attr], G one digit 1..9. */
    prev = last - 2;
    if (last - name >= 3 && prev[0] == '-' && prev[1] >= '1' && prev[1] <= '9' &&
        vgpu_gpu_part(name, prev) && vgpu_size_part(last + 1, true)) {
        if (mig_backed)
            *mig_backed = true;
        return true;
    }
    if (vgpu_gpu_part(name, last) && vgpu_size_part(last + 1, false)) {
        if (mig_backed)
            *mig_backed = false;
        return true;
    }
    return false;
}

/* ---- shared pieces ---------------------------------------------------------------------- */

bool
lint_check_keys(struct gpv_lint_findings *f, const struct gpv_ynode *map,
                const char *const *allowed, const char *what)
{
    size_t i, n = 0;
    bool ok = true;

    while (allowed[n])
        n++;
    for (i = 0; i < map->n; i++) {
        const struct gpv_ynode *k = map->items[2 * i];
        size_t j;
        int s;

        for (j = 0; j < n; j++)
            if (!strcmp(k->str, allowed[j]))
                break;
        if (j < n)
            continue;
        ok = false;
        s = gpv_suggest(k->str, allowed, n);
        if (s >= 0)
            lint_add(f, GPV_LINT_ERROR, k, "unknown-key",
                     "unknown key '%s' in %s (did you mean '%s'?)", lint_q(k), what, allowed[s]);
        else
            lint_add(f, GPV_LINT_ERROR, k, "unknown-key", "unknown key '%s' in %s", lint_q(k),
                     what);
    }
    return ok;
}

/* Checks the `version` key: required (or optional) and exactly v1. */
static void
check_version(struct gpv_lint_findings *f, const struct gpv_ynode *root, bool required)
{
    const struct gpv_ynode *v = gpv_ymap_get(root, "version");

    if (!v) {
        if (required)
            lint_add(f, GPV_LINT_ERROR, root, "missing-key", "missing required key 'version'");
        return;
    }
    if (v->kind != GPV_Y_SCALAR || strcmp(v->str, "v1"))
        lint_add(f, GPV_LINT_ERROR, v, "bad-version", "unknown version '%s'; only 'v1' exists",
                 lint_q(v));
}

static void
read_filters(struct gpv_lint_findings *f, const struct gpv_ynode *node, struct gpv_lint_pciid **out,
             size_t *nout)
{
    const struct gpv_ynode *one = node;
    size_t i, n = node->kind == GPV_Y_SEQ ? node->n : 1;

    if (node->kind == GPV_Y_MAP || gpv_y_is_null(node)) {
        lint_add(f, GPV_LINT_ERROR, node, "bad-device-filter",
                 "'device-filter' must be a PCI id string or a list of them");
        return;
    }
    *out = xcalloc(n ? n : 1, sizeof(**out));
    for (i = 0; i < n; i++) {
        struct gpv_lint_pciid *id = &(*out)[*nout];

        if (node->kind == GPV_Y_SEQ)
            one = node->items[i];
        if (one->kind != GPV_Y_SCALAR || !gpv_lint_pciid_parse(id, one->str)) {
            lint_add(f, GPV_LINT_ERROR, one, "bad-device-filter",
                     "device-filter '%s' is not a PCI id like 0x233010DE (device id, then vendor "
                     "0x10DE)",
                     lint_q(one));
            continue;
        }
        id->line = one->line;
        id->col = one->col;
        (*nout)++;
    }
}

static void
read_devices(struct gpv_lint_findings *f, const struct gpv_ynode *node,
             struct gpv_lint_devices *out)
{
    size_t i;

    out->line = node->line;
    out->col = node->col;
    if (node->kind == GPV_Y_SCALAR) {
        if (!strcmp(node->str, "all"))
            out->all = true;
        else
            lint_add(f, GPV_LINT_ERROR, node, "bad-devices",
                     "'devices' must be 'all' or a list of GPU indexes, not '%s'", lint_q(node));
        return;
    }
    if (node->kind != GPV_Y_SEQ) {
        lint_add(f, GPV_LINT_ERROR, node, "bad-devices",
                 "'devices' must be 'all' or a list of GPU indexes, not a mapping");
        return;
    }
    out->idx = xcalloc(node->n ? node->n : 1, sizeof(*out->idx));
    for (i = 0; i < node->n; i++) {
        struct gpv_error e;
        long long v;
        size_t j;

        gpv_error_init(&e);
        if (gpv_y_int(&v, NULL, node->items[i], 0, 65535, "a GPU index in 'devices'", &e)) {
            lint_add_yerr(f, &e);
            continue;
        }
        for (j = 0; j < out->n; j++)
            if (out->idx[j] == (int)v)
                lint_add(f, GPV_LINT_WARNING, node->items[i], "duplicate-index",
                         "GPU index %lld is listed twice in 'devices'", v);
        out->idx[out->n++] = (int)v;
    }
    if (node->n == 0)
        lint_add(f, GPV_LINT_WARNING, node, "no-devices", "'devices' is empty: selects no GPU");
}

/*
 * Common shape of both managers' files: version v1, `<section>` a non-empty map of configs,
 * each a non-empty list of mapping entries. Calls entry() for each.
 */
static int
read_configs(struct gpv_lint_findings *f, const struct gpv_ynode *root, const char *section,
             void (*config)(void *ctx, const struct gpv_ynode *name, size_t nentries),
             void (*entry)(void *ctx, const struct gpv_ynode *e), void *ctx)
{
    static const char *top_mig[] = {"version", "mig-configs", NULL};
    static const char *top_vgpu[] = {"version", "vgpu-configs", NULL};
    size_t errors = gpv_lint_findings_count(f, GPV_LINT_ERROR), i, k;
    const struct gpv_ynode *cfgs;

    if (!root || root->kind != GPV_Y_MAP) {
        lint_add(f, GPV_LINT_ERROR, root, "bad-document", "the document must be a mapping");
        return GPV_EINPUT;
    }
    lint_check_keys(f, root, strcmp(section, "mig-configs") ? top_vgpu : top_mig, "the top level");
    check_version(f, root, true);
    cfgs = gpv_ymap_get(root, section);
    if (!cfgs)
        lint_add(f, GPV_LINT_ERROR, root, "missing-key", "missing required key '%s'", section);
    else if (cfgs->kind != GPV_Y_MAP || cfgs->n == 0)
        lint_add(f, GPV_LINT_ERROR, cfgs, "bad-value",
                 "'%s' must be a non-empty mapping of configs", section);
    else
        for (i = 0; i < cfgs->n; i++) {
            const struct gpv_ynode *name = cfgs->items[2 * i], *list = cfgs->items[2 * i + 1];

            if (list->kind != GPV_Y_SEQ || list->n == 0) {
                lint_add(f, GPV_LINT_ERROR, list->kind == GPV_Y_SCALAR ? name : list, "bad-value",
                         "config '%s' must be a non-empty list of entries", lint_q(name));
                continue;
            }
            config(ctx, name, list->n);
            for (k = 0; k < list->n; k++) {
                if (list->items[k]->kind != GPV_Y_MAP) {
                    lint_add(f, GPV_LINT_ERROR, list->items[k], "bad-value",
                             "an entry of config '%s' must be a mapping", lint_q(name));
                    continue;
                }
                entry(ctx, list->items[k]);
            }
        }
    return gpv_lint_findings_count(f, GPV_LINT_ERROR) > errors ? GPV_EINPUT : 0;
}

/*
 * Reads what an entry of either format starts with: its position, its keys checked against
 * keys (what names the entry in messages), `device-filter` and the required `devices`.
 */
static void
read_entry_head(struct gpv_lint_findings *f, const struct gpv_ynode *m, const char *const *keys,
                const char *what, int *line, int *col, struct gpv_lint_pciid **filters,
                size_t *nfilters, struct gpv_lint_devices *devices)
{
    const struct gpv_ynode *n;

    *line = m->line;
    *col = m->col;
    lint_check_keys(f, m, keys, what);
    if ((n = gpv_ymap_get(m, "device-filter")))
        read_filters(f, n, filters, nfilters);
    if ((n = gpv_ymap_get(m, "devices")))
        read_devices(f, n, devices);
    else
        lint_add(f, GPV_LINT_ERROR, m, "missing-key", "missing required key 'devices'");
}

/* Frees what read_entry_head() allocated. */
static void
release_entry_head(struct gpv_lint_pciid *filters, struct gpv_lint_devices *devices)
{
    free(filters);
    free(devices->idx);
}

/* ---- mig-parted ----------------------------------------------------------------------------- */

struct mp_ctx {
    struct gpv_lint_findings *f;
    struct gpv_migparted *out;
};

static void
mp_config(void *vctx, const struct gpv_ynode *name, size_t nentries)
{
    struct mp_ctx *ctx = vctx;
    struct gpv_migparted_config *c;

    ctx->out->configs =
        xreallocarray(ctx->out->configs, ctx->out->nconfigs + 1, sizeof(*ctx->out->configs));
    c = &ctx->out->configs[ctx->out->nconfigs++];
    memset(c, 0, sizeof(*c));
    c->name = xstrdup(name->str);
    c->line = name->line;
    c->col = name->col;
    c->entries = xcalloc(nentries, sizeof(*c->entries));
}

static void
mp_entry(void *vctx, const struct gpv_ynode *m)
{
    static const char *keys[] = {"device-filter", "devices", "mig-enabled", "mig-devices", NULL};
    struct mp_ctx *ctx = vctx;
    struct gpv_lint_findings *f = ctx->f;
    struct gpv_migparted_config *c = &ctx->out->configs[ctx->out->nconfigs - 1];
    struct gpv_migparted_entry *e = &c->entries[c->nentries++];
    const struct gpv_ynode *n, *md = gpv_ymap_get(m, "mig-devices");
    struct gpv_error err;
    bool any_positive = false;
    size_t i;

    read_entry_head(f, m, keys, "a mig-parted entry", &e->line, &e->col, &e->filters, &e->nfilters,
                    &e->devices);
    gpv_error_init(&err);
    if (!(n = gpv_ymap_get(m, "mig-enabled")))
        lint_add(f, GPV_LINT_ERROR, m, "missing-key", "missing required key 'mig-enabled'");
    else if (gpv_y_bool(&e->mig_enabled, NULL, n, "'mig-enabled'", &err))
        lint_add_yerr(f, &err);
    if (!md) {
        if (e->mig_enabled)
            lint_add(f, GPV_LINT_ERROR, m, "missing-key",
                     "missing 'mig-devices' (required when 'mig-enabled' is true; {} for none)");
        return;
    }
    e->has_mig_devices = true;
    if (md->kind != GPV_Y_MAP) {
        lint_add(f, GPV_LINT_ERROR, md, "bad-value",
                 "'mig-devices' must be a mapping of MIG profile to count");
        return;
    }
    if (!e->mig_enabled && md->n > 0)
        lint_add(f, GPV_LINT_ERROR, md, "mig-devices-when-disabled",
                 "MIG devices included when 'mig-enabled' is false");
    e->counts = xcalloc(md->n ? md->n : 1, sizeof(*e->counts));
    for (i = 0; i < md->n; i++) {
        const struct gpv_ynode *k = md->items[2 * i], *v = md->items[2 * i + 1];
        struct gpv_lint_profile p;
        struct gpv_migparted_count *mc;
        long long cnt;

        if (!gpv_lint_profile_parse(&p, k->str)) {
            lint_add(f, GPV_LINT_ERROR, k, "bad-profile",
                     "'%s' is not a MIG profile name like '1g.10gb', '1c.2g.20gb' or '1g.10gb+me'",
                     lint_q(k));
            continue;
        }
        gpv_error_init(&err);
        if (gpv_y_int(&cnt, NULL, v, 0, 1000000, "a MIG device count", &err)) {
            lint_add_yerr(f, &err);
            continue;
        }
        any_positive |= cnt > 0;
        mc = &e->counts[e->ncounts++];
        mc->profile = xstrdup(k->str);
        mc->count = cnt;
        mc->line = k->line;
        mc->col = k->col;
    }
    if (md->n > 0 && e->ncounts == md->n && !any_positive)
        lint_add(f, GPV_LINT_ERROR, md, "bad-count",
                 "every count in 'mig-devices' is 0; at least one must be positive (or use {})");
}

int
gpv_migparted_read(struct gpv_migparted *out, const struct gpv_ydoc *doc,
                   const struct gpv_ynode *root, struct gpv_lint_findings *findings)
{
    struct mp_ctx ctx = {findings, out};

    (void)doc;
    memset(out, 0, sizeof(*out));
    return read_configs(findings, root, "mig-configs", mp_config, mp_entry, &ctx);
}

void
gpv_migparted_release(struct gpv_migparted *c)
{
    size_t i, j, k;

    if (!c)
        return;
    for (i = 0; i < c->nconfigs; i++) {
        struct gpv_migparted_config *cf = &c->configs[i];

        for (j = 0; j < cf->nentries; j++) {
            struct gpv_migparted_entry *e = &cf->entries[j];

            for (k = 0; k < e->ncounts; k++)
                free(e->counts[k].profile);
            free(e->counts);
            release_entry_head(e->filters, &e->devices);
        }
        free(cf->entries);
        free(cf->name);
    }
    free(c->configs);
    memset(c, 0, sizeof(*c));
}

/* ---- vgpu-device-manager ----------------------------------------------------------------------
 */

struct vg_ctx {
    struct gpv_lint_findings *f;
    struct gpv_vgpudm *out;
};

static void
vg_config(void *vctx, const struct gpv_ynode *name, size_t nentries)
{
    struct vg_ctx *ctx = vctx;
    struct gpv_vgpudm_config *c;

    ctx->out->configs =
        xreallocarray(ctx->out->configs, ctx->out->nconfigs + 1, sizeof(*ctx->out->configs));
    c = &ctx->out->configs[ctx->out->nconfigs++];
    memset(c, 0, sizeof(*c));
    c->name = xstrdup(name->str);
    c->line = name->line;
    c->col = name->col;
    c->entries = xcalloc(nentries, sizeof(*c->entries));
}

static void
vg_entry(void *vctx, const struct gpv_ynode *m)
{
    static const char *keys[] = {"device-filter", "devices", "vgpu-devices", NULL};
    struct vg_ctx *ctx = vctx;
    struct gpv_lint_findings *f = ctx->f;
    struct gpv_vgpudm_config *c = &ctx->out->configs[ctx->out->nconfigs - 1];
    struct gpv_vgpudm_entry *e = &c->entries[c->nentries++];
    const struct gpv_ynode *vd = gpv_ymap_get(m, "vgpu-devices");
    int kinds = 0; /* bit 0 time-sliced, bit 1 MIG-backed */
    size_t i;

    read_entry_head(f, m, keys, "a vgpu-device-manager entry", &e->line, &e->col, &e->filters,
                    &e->nfilters, &e->devices);
    if (!vd) {
        lint_add(f, GPV_LINT_ERROR, m, "missing-key", "missing required key 'vgpu-devices'");
        return;
    }
    if (vd->kind != GPV_Y_MAP) {
        lint_add(f, GPV_LINT_ERROR, vd, "bad-value",
                 "'vgpu-devices' must be a mapping of vGPU type to count");
        return;
    }
    e->counts = xcalloc(vd->n ? vd->n : 1, sizeof(*e->counts));
    for (i = 0; i < vd->n; i++) {
        const struct gpv_ynode *k = vd->items[2 * i], *v = vd->items[2 * i + 1];
        struct gpv_vgpudm_count *vc;
        struct gpv_error err;
        bool mig;
        long long cnt;

        if (!gpv_lint_vgpu_type_valid(k->str, &mig)) {
            lint_add(f, GPV_LINT_ERROR, k, "bad-vgpu-type",
                     "'%s' is not a vGPU type name like 'L40S-12C' or 'H100-1-20C'", lint_q(k));
            continue;
        }
        gpv_error_init(&err);
        if (gpv_y_int(&cnt, NULL, v, 1, 1000000, "a vGPU device count", &err)) {
            lint_add_yerr(f, &err);
            continue;
        }
        if ((kinds |= mig ? 2 : 1) == 3 && !mig)
            lint_add(f, GPV_LINT_ERROR, k, "mixed-vgpu-kinds",
                     "'%s' is time-sliced and this entry also has MIG-backed types", lint_q(k));
        else if (kinds == 3)
            lint_add(f, GPV_LINT_ERROR, k, "mixed-vgpu-kinds",
                     "'%s' is MIG-backed and this entry also has time-sliced types", lint_q(k));
        vc = &e->counts[e->ncounts++];
        vc->type = xstrdup(k->str);
        vc->mig_backed = mig;
        vc->count = cnt;
        vc->line = k->line;
        vc->col = k->col;
    }
}

int
gpv_vgpudm_read(struct gpv_vgpudm *out, const struct gpv_ydoc *doc, const struct gpv_ynode *root,
                struct gpv_lint_findings *findings)
{
    struct vg_ctx ctx = {findings, out};

    (void)doc;
    memset(out, 0, sizeof(*out));
    return read_configs(findings, root, "vgpu-configs", vg_config, vg_entry, &ctx);
}

void
gpv_vgpudm_release(struct gpv_vgpudm *c)
{
    size_t i, j, k;

    if (!c)
        return;
    for (i = 0; i < c->nconfigs; i++) {
        struct gpv_vgpudm_config *cf = &c->configs[i];

        for (j = 0; j < cf->nentries; j++) {
            struct gpv_vgpudm_entry *e = &cf->entries[j];

            for (k = 0; k < e->ncounts; k++)
                free(e->counts[k].type);
            free(e->counts);
            release_entry_head(e->filters, &e->devices);
        }
        free(cf->entries);
        free(cf->name);
    }
    free(c->configs);
    memset(c, 0, sizeof(*c));
}
