/* The rules file: its schema, the loader and the embedded default. */

#include "rules_int.h"

#include "gpuvplan/rules.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "embedded.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define RULES_VERSION 1
#define RULES_MAX     1000 /* most rules in one file */
#define SOURCES_MAX   1000 /* most sources in one file */

/* ---- loading rules ------------------------------------------------------------------------ */

static void
rule_release(struct gpv_rule *r)
{
    size_t i;

    free(r->id);
    rules_cond_free(r->when);
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
    const struct gpv_ynode *phase, *when, *exclude, *exclude_series, *exclude_shared, *prefer,
        *source;
};

static const struct gpv_yfield rule_fields[] = {
    {"id", GPV_YF_STR, offsetof(struct rule_row, id), true, 0, 0, 0, 0},
    {"phase", GPV_YF_NODE, offsetof(struct rule_row, phase), true, 0, 0, 0, 0},
    {"when", GPV_YF_NODE, offsetof(struct rule_row, when), false, 0, 0, 0, 0},
    {"exclude", GPV_YF_SEQ, offsetof(struct rule_row, exclude), false, 0, 0, 0, 0},
    {"exclude_series", GPV_YF_SEQ, offsetof(struct rule_row, exclude_series), false, 0, 0, 0, 0},
    {"exclude_shared", GPV_YF_SEQ, offsetof(struct rule_row, exclude_shared), false, 0, 0, 0, 0},
    {"prefer", GPV_YF_SEQ, offsetof(struct rule_row, prefer), false, 0, 0, 0, 0},
    {"reason", GPV_YF_STR, offsetof(struct rule_row, reason), true, 0, 0, 0, 0},
    {"source", GPV_YF_NODE, offsetof(struct rule_row, source), true, 0, 0, 0, 0},
};

/* The enum gpv_series of a series letter as written ("A", "B", "C", "Q"), or -1. */
static int
series_index(const char *s)
{
    int k;

    for (k = GPV_SERIES_A; k <= GPV_SERIES_Q; k++)
        if (!strcmp(s, gpv_series_name((enum gpv_series)k)))
            return k;
    return -1;
}

/* Reads a list of method names into *mask (and, when order is not NULL, in order). */
static int
parse_methods(unsigned *mask, enum gpv_method *order, int *norder, const struct gpv_ydoc *doc,
              const struct gpv_ynode *seq, const char *what, struct gpv_error *err)
{
    const char *names[GPV_NMETHODS];
    enum gpv_method m;
    size_t i;

    for (i = 0; i < GPV_NMETHODS; i++) /* the names for a suggestion */
        names[i] = gpv_method_name((enum gpv_method)(GPV_METHOD_PASSTHROUGH + i));
    *mask = 0;
    if (seq->n == 0)
        return gpv_y_error(err, GPV_EINPUT, doc, seq, "%s is empty", what);
    for (i = 0; i < seq->n; i++) {
        const struct gpv_ynode *it = seq->items[i];

        if (it->kind != GPV_Y_SCALAR)
            return gpv_y_error(err, GPV_EINPUT, doc, it, "%s lists method names", what);
        if (!gpv_method_parse(&m, it->str))
            return rules_unknown_name(
                err, doc, it, "method", names, GPV_NMETHODS, "",
                "; use passthrough, vgpu, mig, mig-vgpu, time-slicing or mps");
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

        if (it->kind != GPV_Y_SCALAR || (s = series_index(it->str)) < 0) {
            if (it->kind == GPV_Y_SCALAR)
                return rules_unknown_name(err, doc, it, "vGPU series", NULL, 0, "",
                                          "; use A, B, C or Q");
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
        rc = rules_unknown_name(err, doc, node, "source", ids, rs->nsources, "",
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
    if (row.phase->kind != GPV_Y_SCALAR ||
        (p = rules_find_name(row.phase->str, phase_names, 2)) < 0) {
        if (row.phase->kind == GPV_Y_SCALAR)
            rc = rules_unknown_name(err, doc, row.phase, "phase", phase_names, 2, "",
                                    "; use exclude or prefer");
        else
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.phase,
                             "'phase' of %s must be exclude or prefer", what);
        goto out;
    }
    r->phase = p == 0 ? GPV_PHASE_EXCLUDE : GPV_PHASE_PREFER;
    if (row.when) {
        r->when = rules_cond_new();
        if ((rc = rules_parse_cond(r->when, doc, row.when, err)))
            goto out;
    }
    if (r->phase == GPV_PHASE_EXCLUDE) {
        if (row.prefer) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, row.prefer,
                             "%s is in phase exclude: it takes 'exclude', 'exclude_series' or "
                             "'exclude_shared', not 'prefer'",
                             what);
            goto out;
        }
        if (!row.exclude && !row.exclude_series && !row.exclude_shared) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, map,
                             "%s is in phase exclude but excludes nothing: give 'exclude', "
                             "'exclude_series' or 'exclude_shared'",
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
        free(where);
        where = xasprintf("'exclude_shared' of %s", what);
        if (row.exclude_shared && (rc = parse_methods(&r->exclude_shared, NULL, NULL, doc,
                                                      row.exclude_shared, where, err)))
            goto out;
        /* Only vGPU types share a GPU with other tenants' VMs: a MIG instance or a whole GPU
           is one tenant's alone. */
        for (i = 0; row.exclude_shared && i < row.exclude_shared->n; i++) {
            const struct gpv_ynode *it = row.exclude_shared->items[i];
            enum gpv_method em;

            if (gpv_method_parse(&em, it->str) && em != GPV_METHOD_VGPU &&
                em != GPV_METHOD_MIG_VGPU) {
                rc = gpv_y_error(err, GPV_EINPUT, doc, it,
                                 "%s lists '%s': only vgpu and mig-vgpu have shared types", where,
                                 it->str);
                goto out;
            }
        }
    } else {
        const struct gpv_ynode *bad = row.exclude          ? row.exclude
                                      : row.exclude_series ? row.exclude_series
                                                           : row.exclude_shared;

        if (bad) {
            rc = gpv_y_error(err, GPV_EINPUT, doc, bad,
                             "%s is in phase prefer: it takes 'prefer', not '%s'", what,
                             bad == row.exclude          ? "exclude"
                             : bad == row.exclude_series ? "exclude_series"
                                                         : "exclude_shared");
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
