#include "gpuvplan/db.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "db_int.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The MIG part of a model file: profiles, their placements and the constraints between them. */

/* Most disjoint intervals [s, s+size) from the given starts: greedy by earliest end. */
static int
max_disjoint(const int *starts, int n, int size)
{
    int i, count = 0, free_from = -1;

    for (i = 0; i < n; i++) {
        if (starts[i] >= free_from) {
            count++;
            free_from = starts[i] + size;
        }
    }
    return count;
}

struct raw_profile {
    char *name;
    int id, compute_slices, size, max, sms, since_driver;
    double memory_gib;
    char *note;
    const struct gpv_ynode *starts, *engines, *source, *inferred, *aliases;
};

static const struct gpv_yfield profile_fields[] = {
    {"name", GPV_YF_STR, offsetof(struct raw_profile, name), true, 0, 0, 0, 0},
    {"id", GPV_YF_INT, offsetof(struct raw_profile, id), true, 0, 255, 0, 0},
    {"compute_slices", GPV_YF_INT, offsetof(struct raw_profile, compute_slices), true, 1, 32, 0, 0},
    {"size", GPV_YF_INT, offsetof(struct raw_profile, size), true, 1, GPV_MIG_MAX_UNITS, 0, 0},
    {"starts", GPV_YF_SEQ, offsetof(struct raw_profile, starts), true, 0, 0, 0, 0},
    {"max", GPV_YF_INT, offsetof(struct raw_profile, max), true, 1, GPV_MIG_MAX_UNITS, 0, 0},
    {"memory_gib", GPV_YF_DOUBLE, offsetof(struct raw_profile, memory_gib), true, 0, 0, 0.01, 4096},
    {"sms", GPV_YF_INT, offsetof(struct raw_profile, sms), false, 1, 4096, 0, 0},
    {"engines", GPV_YF_MAP, offsetof(struct raw_profile, engines), false, 0, 0, 0, 0},
    {"since_driver", GPV_YF_INT, offsetof(struct raw_profile, since_driver), false, 1, 9999, 0, 0},
    {"source", GPV_YF_NODE, offsetof(struct raw_profile, source), false, 0, 0, 0, 0},
    {"inferred", GPV_YF_SEQ, offsetof(struct raw_profile, inferred), false, 0, 0, 0, 0},
    {"note", GPV_YF_STR, offsetof(struct raw_profile, note), false, 0, 0, 0, 0},
    {"aliases", GPV_YF_SEQ, offsetof(struct raw_profile, aliases), false, 0, 0, 0, 0},
};

static const struct gpv_yfield engine_fields[] = {
    {"ce", GPV_YF_INT, offsetof(struct gpv_engines, ce), false, 0, 64, 0, 0},
    {"nvdec", GPV_YF_INT, offsetof(struct gpv_engines, nvdec), false, 0, 64, 0, 0},
    {"nvenc", GPV_YF_INT, offsetof(struct gpv_engines, nvenc), false, 0, 64, 0, 0},
    {"jpeg", GPV_YF_INT, offsetof(struct gpv_engines, jpeg), false, 0, 64, 0, 0},
    {"ofa", GPV_YF_INT, offsetof(struct gpv_engines, ofa), false, 0, 64, 0, 0},
};

static int
load_profile(struct gpv_mig_profile *p, struct gpv_db_loader *l, const struct gpv_ynode *node,
             int units, unsigned inferred_all, const char *default_source, size_t index)
{
    struct raw_profile r;
    char *what = NULL, *swhat = NULL;
    int rc, i, cap;

    memset(&r, 0, sizeof(r));
    what = xasprintf("MIG profile %zu", index + 1);
    rc = gpv_ymap_decode(&r, l->doc, node, profile_fields, NFIELDS(profile_fields), what, NULL,
                         l->err);
    p->name = r.name;
    p->note = r.note;
    if (rc)
        goto out;
    free(what);
    what = xasprintf("MIG profile '%s'", r.name);
    swhat = xasprintf("'aliases' of %s", what);
    if ((rc = gpv_db_str_list(&p->aliases, &p->naliases, l, r.aliases, swhat)))
        goto out;
    free(swhat);
    swhat = NULL;
    p->id = r.id;
    p->compute_slices = r.compute_slices;
    p->size = r.size;
    p->max = r.max;
    p->sms = r.sms;
    p->since_driver = r.since_driver;
    p->memory_gib = r.memory_gib;
    p->memory_mib = llround(r.memory_gib * 1024.0);
    p->media = strstr(r.name, "+me") != NULL;
    p->engines.ce = p->engines.nvdec = p->engines.nvenc = p->engines.jpeg = p->engines.ofa = -1;
    if (r.engines) {
        swhat = xasprintf("'engines' of %s", what);
        if ((rc = gpv_ymap_decode(&p->engines, l->doc, r.engines, engine_fields,
                                  NFIELDS(engine_fields), swhat, NULL, l->err)))
            goto out;
        free(swhat);
        swhat = NULL;
    }
    if (r.size > units) {
        rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "size"),
                         "size %d of %s is larger than the %d-unit grid", r.size, what, units);
        goto out;
    }
    swhat = xasprintf("'starts' of %s", what);
    cap = GPV_MIG_MAX_UNITS;
    if ((rc = gpv_db_int_list(NULL, p->starts, cap, &p->nstarts, l, r.starts, 0, units - 1, swhat)))
        goto out;
    p->start_mask = 0;
    for (i = 0; i < p->nstarts; i++) {
        if (p->starts[i] + r.size > units) {
            rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, r.starts->items[i],
                             "%s: start %d + size %d runs past the %d-unit grid", what,
                             p->starts[i], r.size, units);
            goto out;
        }
        p->start_mask |= 1u << p->starts[i];
    }
    i = max_disjoint(p->starts, p->nstarts, r.size);
    if (r.max > i) {
        rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "max"),
                         "max %d of %s is more than the %d instance%s its placements can hold",
                         r.max, what, i, i == 1 ? "" : "s");
        goto out;
    }
    free(swhat);
    swhat = xasprintf("'inferred' of %s", what);
    if ((rc = gpv_db_fact_mask(&p->inferred, l, r.inferred, swhat)))
        goto out;
    p->inferred |= inferred_all;
    p->source = default_source;
    if (r.source && (rc = gpv_db_source_ref(&p->source, l, r.source, swhat)))
        goto out;
out:
    free(what);
    free(swhat);
    return rc;
}

/* Reads a list of profile names into a bit set of profile indexes. */
static int
profile_set(uint64_t *out, struct gpv_db_loader *l, const struct gpv_mig *mig,
            const struct gpv_ynode *seq, const char *what)
{
    size_t i, k;
    const char *s;

    *out = 0;
    if (gpv_y_expect(l->doc, seq, GPV_Y_SEQ, what, l->err))
        return GPV_EINPUT;
    for (i = 0; i < seq->n; i++) {
        if (gpv_y_str(&s, l->doc, seq->items[i], what, l->err))
            return GPV_EINPUT;
        for (k = 0; k < mig->nprofiles; k++)
            if (!strcmp(mig->profiles[k].name, s))
                break;
        if (k == mig->nprofiles)
            return gpv_y_error(l->err, GPV_EINPUT, l->doc, seq->items[i],
                               "%s names MIG profile '%s', which this model does not have", what,
                               s);
        *out |= 1ull << k;
    }
    return 0;
}

struct raw_constraint {
    char *kind, *reason;
    int max, before_driver;
    bool inferred;
    const struct gpv_ynode *profiles, *a, *b, *source;
};

static const struct gpv_yfield constraint_fields[] = {
    {"kind", GPV_YF_STR, offsetof(struct raw_constraint, kind), true, 0, 0, 0, 0},
    {"profiles", GPV_YF_SEQ, offsetof(struct raw_constraint, profiles), false, 0, 0, 0, 0},
    {"max", GPV_YF_INT, offsetof(struct raw_constraint, max), false, 0, GPV_MIG_MAX_UNITS, 0, 0},
    {"a", GPV_YF_SEQ, offsetof(struct raw_constraint, a), false, 0, 0, 0, 0},
    {"b", GPV_YF_SEQ, offsetof(struct raw_constraint, b), false, 0, 0, 0, 0},
    {"before_driver", GPV_YF_INT, offsetof(struct raw_constraint, before_driver), false, 1, 9999, 0,
     0},
    {"reason", GPV_YF_STR, offsetof(struct raw_constraint, reason), true, 0, 0, 0, 0},
    {"source", GPV_YF_NODE, offsetof(struct raw_constraint, source), false, 0, 0, 0, 0},
    {"inferred", GPV_YF_BOOL, offsetof(struct raw_constraint, inferred), false, 0, 0, 0, 0},
};

static int
load_constraint(struct gpv_mig_constraint *c, struct gpv_db_loader *l, const struct gpv_mig *mig,
                const struct gpv_ynode *node, const char *default_source, size_t index)
{
    struct raw_constraint r;
    unsigned long long seen = 0;
    char *what = xasprintf("MIG constraint %zu", index + 1);
    int rc;

    memset(&r, 0, sizeof(r));
    rc = gpv_ymap_decode(&r, l->doc, node, constraint_fields, NFIELDS(constraint_fields), what,
                         &seen, l->err);
    c->reason = r.reason;
    if (rc)
        goto out;
    c->max = r.max;
    c->before_driver = r.before_driver;
    c->inferred = r.inferred;
    c->source = default_source;
    if (!strcmp(r.kind, "max")) {
        c->kind = GPV_CONSTRAINT_MAX;
        if (!r.profiles || !(seen & (1u << 2)) || r.a || r.b) {
            rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, node,
                             "%s: kind 'max' takes 'profiles' and 'max' (not 'a' or 'b')", what);
            goto out;
        }
        rc = profile_set(&c->a, l, mig, r.profiles, what);
    } else if (!strcmp(r.kind, "exclusive")) {
        c->kind = GPV_CONSTRAINT_EXCLUSIVE;
        if (!r.a || !r.b || r.profiles || (seen & (1u << 2))) {
            rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, node,
                             "%s: kind 'exclusive' takes 'a' and 'b' (not 'profiles' or 'max')",
                             what);
            goto out;
        }
        if (!(rc = profile_set(&c->a, l, mig, r.a, what)))
            rc = profile_set(&c->b, l, mig, r.b, what);
    } else {
        rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "kind"),
                         "%s: kind must be 'max' or 'exclusive', not '%s'", what, r.kind);
    }
    if (!rc && r.source)
        rc = gpv_db_source_ref(&c->source, l, r.source, what);
out:
    free(r.kind);
    free(what);
    return rc;
}

struct raw_mig {
    int units, compute_slices;
    const struct gpv_ynode *source, *inferred, *profiles, *constraints;
};

static const struct gpv_yfield mig_fields[] = {
    {"units", GPV_YF_INT, offsetof(struct raw_mig, units), true, 1, GPV_MIG_MAX_UNITS, 0, 0},
    {"compute_slices", GPV_YF_INT, offsetof(struct raw_mig, compute_slices), true, 1, 32, 0, 0},
    {"source", GPV_YF_NODE, offsetof(struct raw_mig, source), true, 0, 0, 0, 0},
    {"inferred", GPV_YF_SEQ, offsetof(struct raw_mig, inferred), false, 0, 0, 0, 0},
    {"profiles", GPV_YF_SEQ, offsetof(struct raw_mig, profiles), true, 0, 0, 0, 0},
    {"constraints", GPV_YF_SEQ, offsetof(struct raw_mig, constraints), false, 0, 0, 0, 0},
};

/*
 * Every profile must be usable: one instance alone is valid on every driver the profile exists
 * on. A constraint such as `max: 0` or an `exclusive` of a profile with itself would otherwise
 * leave the rules choosing a profile no GPU can hold (issue 17, case 1). The drivers that matter
 * are the newest (0) and the one just before each before_driver.
 */
static int
check_usable(struct gpv_db_loader *l, const struct gpv_mig *mig, const struct gpv_ynode *node,
             const struct gpv_ynode *constraints)
{
    int counts[GPV_MIG_MAX_PROFILES] = {0};
    size_t c, d, p;

    for (d = 0; d <= mig->nconstraints; d++) {
        int driver = d == 0 ? 0 : mig->constraints[d - 1].before_driver - 1;
        bool ok;

        if (d > 0 && driver < 1)
            continue;
        for (p = 0; p < mig->nprofiles; p++) {
            if (!gpv_mig_profile_available(l->gpu, (int)p, driver))
                continue;
            counts[p] = 1;
            ok = gpv_mig_place(NULL, l->gpu, counts, driver);
            counts[p] = 0;
            if (ok)
                continue;
            /* The culprit: a constraint in force that forbids p on its own. */
            for (c = 0; c < mig->nconstraints; c++) {
                const struct gpv_mig_constraint *k = &mig->constraints[c];
                bool in_a = (k->a >> p) & 1, in_b = (k->b >> p) & 1;

                if (!gpv_mig_constraint_applies(k, driver))
                    continue;
                if (k->kind == GPV_CONSTRAINT_MAX ? in_a && k->max < 1 : in_a && in_b)
                    return gpv_y_error(l->err, GPV_EINPUT, l->doc, constraints->items[c],
                                       "MIG constraint %zu makes profile '%s' unusable: no GPU "
                                       "can hold one instance of it",
                                       c + 1, mig->profiles[p].name);
            }
            return gpv_y_error(l->err, GPV_EINPUT, l->doc, node,
                               "MIG profile '%s' is unusable: no GPU can hold one instance of it",
                               mig->profiles[p].name);
        }
    }
    return 0;
}

static int
count_layout(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    long *n = ctx;

    (void)counts;
    (void)witness;
    (void)maximal;
    return ++*n > GPV_MIG_MAX_LAYOUTS;
}

/* The enumeration stops one past the limit, so even a hostile grid costs a bounded count. */
static int
check_layouts(struct gpv_db_loader *l, const struct gpv_ynode *node)
{
    long n = 0;

    if (gpv_mig_enumerate(l->gpu, 0, count_layout, &n))
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, node,
                           "'mig' allows more than %d layouts on one GPU; the limit keeps every "
                           "search bounded (docs/profiles.md, \"Limits\")",
                           GPV_MIG_MAX_LAYOUTS);
    return 0;
}

int
gpv_db_load_mig(struct gpv_db_loader *l, const struct gpv_ynode *node)
{
    struct raw_mig r;
    struct gpv_mig *mig;
    const char *source;
    unsigned inferred_all;
    size_t i, j;
    int rc;

    memset(&r, 0, sizeof(r));
    if ((rc = gpv_ymap_decode(&r, l->doc, node, mig_fields, NFIELDS(mig_fields), "'mig'", NULL,
                              l->err)))
        return rc;
    if ((rc = gpv_db_source_ref(&source, l, r.source, "'source' of 'mig'")))
        return rc;
    if ((rc = gpv_db_fact_mask(&inferred_all, l, r.inferred, "'inferred' of 'mig'")))
        return rc;
    if (r.profiles->n == 0)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, r.profiles, "'mig' has no profiles");
    if (r.profiles->n > GPV_MIG_MAX_PROFILES)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, r.profiles,
                           "'mig' has more than %d profiles", GPV_MIG_MAX_PROFILES);
    mig = l->gpu->mig = xcalloc(1, sizeof(*mig));
    mig->units = r.units;
    mig->compute_slices = r.compute_slices;
    mig->profiles = xcalloc(r.profiles->n, sizeof(*mig->profiles));
    for (i = 0; i < r.profiles->n; i++) {
        struct gpv_mig_profile *p = &mig->profiles[i];

        mig->nprofiles++;
        if ((rc = load_profile(p, l, r.profiles->items[i], r.units, inferred_all, source, i)))
            return rc;
        if (p->compute_slices > r.compute_slices)
            return gpv_y_error(l->err, GPV_EINPUT, l->doc,
                               gpv_ymap_get(r.profiles->items[i], "compute_slices"),
                               "MIG profile '%s' has %d compute slices; the GPU has %d", p->name,
                               p->compute_slices, r.compute_slices);
        for (j = 0; j < i; j++) {
            if (!strcmp(mig->profiles[j].name, p->name))
                return gpv_y_error(l->err, GPV_EINPUT, l->doc,
                                   gpv_ymap_get(r.profiles->items[i], "name"),
                                   "duplicate MIG profile name '%s'", p->name);
            if (mig->profiles[j].id == p->id)
                return gpv_y_error(l->err, GPV_EINPUT, l->doc,
                                   gpv_ymap_get(r.profiles->items[i], "id"),
                                   "MIG profile id %d is used by both '%s' and '%s'", p->id,
                                   mig->profiles[j].name, p->name);
        }
    }
    /* An alias names one profile: never another's name or alias. */
    for (i = 0; i < mig->nprofiles; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[i];
        size_t k, m;

        for (k = 0; k < p->naliases; k++)
            for (j = 0; j < mig->nprofiles; j++) {
                const struct gpv_mig_profile *o = &mig->profiles[j];
                bool taken = !strcmp(o->name, p->aliases[k]);

                for (m = 0; m < o->naliases && !taken; m++)
                    taken = (j != i || m != k) && !strcmp(o->aliases[m], p->aliases[k]);
                if (taken)
                    return gpv_y_error(l->err, GPV_EINPUT, l->doc,
                                       gpv_ymap_get(r.profiles->items[i], "aliases")->items[k],
                                       "alias '%s' of MIG profile '%s' is already a name of '%s'",
                                       p->aliases[k], p->name, o->name);
            }
    }
    if (r.constraints) {
        mig->constraints = xcalloc(r.constraints->n, sizeof(*mig->constraints));
        for (i = 0; i < r.constraints->n; i++) {
            mig->nconstraints++;
            if ((rc = load_constraint(&mig->constraints[i], l, mig, r.constraints->items[i], source,
                                      i)))
                return rc;
        }
    }
    if ((rc = check_usable(l, mig, node, r.constraints)))
        return rc;
    return check_layouts(l, node);
}
