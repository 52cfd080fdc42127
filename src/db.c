#include "gpuvplan/db.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "embedded.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Licences per vGPU series: vgpu.md §4 (Citrix vGPU profile page; AI Enterprise 8 reference). */
static const struct {
    const char *name, *license, *source;
} series_info[] = {
    [GPV_SERIES_A] = {"A", "NVIDIA Virtual Applications",
                      "NVIDIA vGPU docs, Citrix vGPU profile page: A-series needs vApps"},
    [GPV_SERIES_B] = {"B", "NVIDIA Virtual PC (or RTX vWS)",
                      "NVIDIA vGPU docs, Citrix vGPU profile page: B-series needs vPC or vWS"},
    [GPV_SERIES_C] = {"C", "NVIDIA AI Enterprise",
                      "NVIDIA AI Enterprise 8 vGPU reference: vGPU for Compute is licensed "
                      "exclusively through NVIDIA AI Enterprise"},
    [GPV_SERIES_Q] = {"Q", "NVIDIA RTX Virtual Workstation",
                      "NVIDIA vGPU docs, Citrix vGPU profile page: Q-series needs RTX vWS"},
};

const char *
gpv_series_name(enum gpv_series s)
{
    return series_info[s].name;
}

const char *
gpv_series_license(enum gpv_series s)
{
    return series_info[s].license;
}

const char *
gpv_series_license_source(enum gpv_series s)
{
    return series_info[s].source;
}

static const struct {
    unsigned bit;
    const char *key;
} fact_names[] = {
    {GPV_F_NAME, "name"},
    {GPV_F_ID, "id"},
    {GPV_F_SIZE, "size"},
    {GPV_F_STARTS, "starts"},
    {GPV_F_MAX, "max"},
    {GPV_F_MEMORY, "memory_gib"},
    {GPV_F_SMS, "sms"},
    {GPV_F_ENGINES, "engines"},
    {GPV_F_COMPUTE, "compute_slices"},
    {GPV_F_FRAMEBUFFER, "framebuffer_mib"},
    {GPV_F_MAX_MIXED, "max_mixed"},
    {GPV_F_PLACEMENTS, "placements"},
    {GPV_F_MIG_PROFILE, "mig_profile"},
    {GPV_F_SERIES, "series"},
    {GPV_F_SINCE_DRIVER, "since_driver"},
};

const char *
gpv_fact_name(unsigned bit)
{
    size_t i;

    for (i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
        if (fact_names[i].bit == bit)
            return fact_names[i].key;
    return NULL;
}

static const char *const architectures[] = {"volta", "turing", "ampere",
                                            "ada",   "hopper", "blackwell"};

/* ---- freeing ---------------------------------------------------------------------------- */

static void
free_strv(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
mig_free(struct gpv_mig *mig)
{
    size_t i;

    if (!mig)
        return;
    for (i = 0; i < mig->nprofiles; i++) {
        free(mig->profiles[i].name);
        free(mig->profiles[i].note);
    }
    free(mig->profiles);
    for (i = 0; i < mig->nconstraints; i++)
        free(mig->constraints[i].reason);
    free(mig->constraints);
    free(mig);
}

static void
vgpu_free(struct gpv_vgpu *vgpu)
{
    size_t i;

    if (!vgpu)
        return;
    free_strv(vgpu->prefixes, vgpu->nprefixes);
    for (i = 0; i < vgpu->ntypes; i++) {
        free(vgpu->types[i].name);
        free(vgpu->types[i].placements);
    }
    free(vgpu->types);
    free(vgpu);
}

static void
gpu_free(struct gpv_gpu *gpu)
{
    size_t i;

    if (!gpu)
        return;
    free(gpu->id);
    free(gpu->name);
    free(gpu->architecture);
    free(gpu->origin);
    free_strv(gpu->aliases, gpu->naliases);
    free_strv(gpu->notes, gpu->nnotes);
    for (i = 0; i < gpu->nsources; i++) {
        free(gpu->sources[i].id);
        free(gpu->sources[i].title);
        free(gpu->sources[i].url);
    }
    free(gpu->sources);
    mig_free(gpu->mig);
    vgpu_free(gpu->vgpu);
    free(gpu);
}

void
gpv_db_init(struct gpv_db *db)
{
    db->ngpus = 0;
    db->gpus = NULL;
}

void
gpv_db_release(struct gpv_db *db)
{
    size_t i;

    for (i = 0; i < db->ngpus; i++)
        gpu_free(db->gpus[i]);
    free(db->gpus);
    gpv_db_init(db);
}

/* ---- loading ---------------------------------------------------------------------------- */

/* What one load works with: the document and the model being built. */
struct loader {
    const struct gpv_ydoc *doc;
    struct gpv_gpu *gpu;
    struct gpv_error *err;
};

static int
str_list(char ***out, size_t *nout, struct loader *l, const struct gpv_ynode *seq, const char *what)
{
    size_t i;
    const char *s;

    *out = NULL;
    *nout = 0;
    if (!seq)
        return 0;
    if (gpv_y_expect(l->doc, seq, GPV_Y_SEQ, what, l->err))
        return GPV_EINPUT;
    *out = xcalloc(seq->n, sizeof(**out));
    for (i = 0; i < seq->n; i++) {
        if (gpv_y_str(&s, l->doc, seq->items[i], what, l->err))
            return GPV_EINPUT;
        (*out)[i] = xstrdup(s);
        (*nout)++;
    }
    return 0;
}

static int
fact_mask(unsigned *out, struct loader *l, const struct gpv_ynode *seq, const char *what)
{
    size_t i, f;
    const char *s;
    const char *keys[sizeof(fact_names) / sizeof(fact_names[0])];

    *out = 0;
    if (!seq)
        return 0;
    if (gpv_y_expect(l->doc, seq, GPV_Y_SEQ, what, l->err))
        return GPV_EINPUT;
    for (f = 0; f < sizeof(fact_names) / sizeof(fact_names[0]); f++)
        keys[f] = fact_names[f].key;
    for (i = 0; i < seq->n; i++) {
        if (gpv_y_str(&s, l->doc, seq->items[i], what, l->err))
            return GPV_EINPUT;
        for (f = 0; f < sizeof(fact_names) / sizeof(fact_names[0]); f++)
            if (!strcmp(fact_names[f].key, s))
                break;
        if (f == sizeof(fact_names) / sizeof(fact_names[0])) {
            int sug = gpv_suggest(s, keys, f);

            return gpv_y_error(l->err, GPV_EINPUT, l->doc, seq->items[i],
                               "'%s' in %s is not a key that can be inferred%s%s%s", s, what,
                               sug >= 0 ? " (did you mean '" : "", sug >= 0 ? keys[sug] : "",
                               sug >= 0 ? "'?)" : "");
        }
        *out |= fact_names[f].bit;
    }
    return 0;
}

/* Resolves a source id to the model's copy of it. */
static int
source_ref(const char **out, struct loader *l, const struct gpv_ynode *node, const char *what)
{
    const struct gpv_source *src;
    const char *s;

    if (gpv_y_str(&s, l->doc, node, what, l->err))
        return GPV_EINPUT;
    src = gpv_gpu_source(l->gpu, s);
    if (!src)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, node,
                           "%s names source '%s', which is not declared under 'sources'", what, s);
    *out = src->id;
    return 0;
}

/* Reads a list of integers in [min, max], strictly ascending. */
static int
int_list(int **heap, int *fixed, int cap, int *nout, struct loader *l, const struct gpv_ynode *seq,
         long long min, long long max, const char *what)
{
    size_t i;
    long long v;
    int *dst;

    if (gpv_y_expect(l->doc, seq, GPV_Y_SEQ, what, l->err))
        return GPV_EINPUT;
    if (seq->n == 0)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, seq, "%s must not be empty", what);
    if (fixed && seq->n > (size_t)cap)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, seq, "%s has more than %d entries", what,
                           cap);
    dst = fixed ? fixed : (*heap = xcalloc(seq->n, sizeof(int)));
    for (i = 0; i < seq->n; i++) {
        if (gpv_y_int(&v, l->doc, seq->items[i], min, max, what, l->err))
            return GPV_EINPUT;
        if (i > 0 && v <= dst[i - 1])
            return gpv_y_error(l->err, GPV_EINPUT, l->doc, seq->items[i],
                               "%s must be in ascending order without repeats", what);
        dst[i] = (int)v;
    }
    *nout = (int)seq->n;
    return 0;
}

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
    const struct gpv_ynode *starts, *engines, *source, *inferred;
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
};

static const struct gpv_yfield engine_fields[] = {
    {"ce", GPV_YF_INT, offsetof(struct gpv_engines, ce), false, 0, 64, 0, 0},
    {"nvdec", GPV_YF_INT, offsetof(struct gpv_engines, nvdec), false, 0, 64, 0, 0},
    {"nvenc", GPV_YF_INT, offsetof(struct gpv_engines, nvenc), false, 0, 64, 0, 0},
    {"jpeg", GPV_YF_INT, offsetof(struct gpv_engines, jpeg), false, 0, 64, 0, 0},
    {"ofa", GPV_YF_INT, offsetof(struct gpv_engines, ofa), false, 0, 64, 0, 0},
};

#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

static int
load_profile(struct gpv_mig_profile *p, struct loader *l, const struct gpv_ynode *node, int units,
             unsigned inferred_all, const char *default_source, size_t index)
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
    if ((rc = int_list(NULL, p->starts, cap, &p->nstarts, l, r.starts, 0, units - 1, swhat)))
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
    if ((rc = fact_mask(&p->inferred, l, r.inferred, swhat)))
        goto out;
    p->inferred |= inferred_all;
    p->source = default_source;
    if (r.source && (rc = source_ref(&p->source, l, r.source, swhat)))
        goto out;
out:
    free(what);
    free(swhat);
    return rc;
}

/* Reads a list of profile names into a bit set of profile indexes. */
static int
profile_set(uint64_t *out, struct loader *l, const struct gpv_mig *mig, const struct gpv_ynode *seq,
            const char *what)
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
load_constraint(struct gpv_mig_constraint *c, struct loader *l, const struct gpv_mig *mig,
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
        rc = source_ref(&c->source, l, r.source, what);
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

static int
load_mig(struct loader *l, const struct gpv_ynode *node)
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
    if ((rc = source_ref(&source, l, r.source, "'source' of 'mig'")))
        return rc;
    if ((rc = fact_mask(&inferred_all, l, r.inferred, "'inferred' of 'mig'")))
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
    if (r.constraints) {
        mig->constraints = xcalloc(r.constraints->n, sizeof(*mig->constraints));
        for (i = 0; i < r.constraints->n; i++) {
            mig->nconstraints++;
            if ((rc = load_constraint(&mig->constraints[i], l, mig, r.constraints->items[i], source,
                                      i)))
                return rc;
        }
    }
    return 0;
}

struct raw_type {
    char *name, *series, *mig_profile;
    long long framebuffer_mib;
    int max, max_mixed;
    const struct gpv_ynode *placements, *source, *inferred;
};

static const struct gpv_yfield type_fields[] = {
    {"name", GPV_YF_STR, offsetof(struct raw_type, name), true, 0, 0, 0, 0},
    {"series", GPV_YF_STR, offsetof(struct raw_type, series), true, 0, 0, 0, 0},
    {"framebuffer_mib", GPV_YF_LLONG, offsetof(struct raw_type, framebuffer_mib), true, 1,
     1LL << 30, 0, 0},
    {"max", GPV_YF_INT, offsetof(struct raw_type, max), true, 1, 256, 0, 0},
    {"max_mixed", GPV_YF_INT, offsetof(struct raw_type, max_mixed), false, 1, 256, 0, 0},
    {"placements", GPV_YF_SEQ, offsetof(struct raw_type, placements), false, 0, 0, 0, 0},
    {"mig_profile", GPV_YF_STR, offsetof(struct raw_type, mig_profile), false, 0, 0, 0, 0},
    {"source", GPV_YF_NODE, offsetof(struct raw_type, source), false, 0, 0, 0, 0},
    {"inferred", GPV_YF_SEQ, offsetof(struct raw_type, inferred), false, 0, 0, 0, 0},
};

static bool
has_prefix(const struct gpv_vgpu *vgpu, const char *name)
{
    size_t i, n;

    for (i = 0; i < vgpu->nprefixes; i++) {
        n = strlen(vgpu->prefixes[i]);
        if (!strncmp(name, vgpu->prefixes[i], n) && name[n] == '-')
            return true;
    }
    return false;
}

static int
load_type(struct gpv_vgpu_type *t, struct loader *l, const struct gpv_vgpu *vgpu,
          const struct gpv_ynode *node, const char *default_source, size_t index)
{
    struct raw_type r;
    const struct gpv_gpu *gpu = l->gpu;
    char *what = xasprintf("vGPU type %zu", index + 1);
    long long region_gb = llround((double)gpu->memory_mib / 1024.0);
    int rc, i;

    memset(&r, 0, sizeof(r));
    rc = gpv_ymap_decode(&r, l->doc, node, type_fields, NFIELDS(type_fields), what, NULL, l->err);
    t->name = r.name;
    t->mig_profile = -1;
    if (rc)
        goto out;
    free(what);
    what = xasprintf("vGPU type '%s'", r.name);
    if (!has_prefix(vgpu, r.name)) {
        rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "name"),
                         "%s does not start with one of the model's prefixes and '-' (%s-...)",
                         what, vgpu->prefixes[0]);
        goto out;
    }
    if (strlen(r.series) != 1 || !strchr("ABCQ", r.series[0])) {
        rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "series"),
                         "series of %s must be A, B, C or Q, not '%s'", what, r.series);
        goto out;
    }
    t->series = r.series[0] == 'A'   ? GPV_SERIES_A
                : r.series[0] == 'B' ? GPV_SERIES_B
                : r.series[0] == 'C' ? GPV_SERIES_C
                                     : GPV_SERIES_Q;
    t->framebuffer_mib = r.framebuffer_mib;
    t->max = r.max;
    t->max_mixed = r.max_mixed;
    t->size_gb = (int)llround((double)r.framebuffer_mib / 1024.0);
    if (r.mig_profile) {
        if (!gpu->mig || (t->mig_profile = gpv_gpu_find_profile(gpu, r.mig_profile)) < 0) {
            rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "mig_profile"),
                             "%s rides on MIG profile '%s', which this model does not have", what,
                             r.mig_profile);
            goto out;
        }
        if (r.framebuffer_mib > gpu->memory_mib) {
            rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "framebuffer_mib"),
                             "%s has more frame buffer than the GPU's %lld MiB", what,
                             gpu->memory_mib);
            goto out;
        }
    } else if ((long long)r.max * r.framebuffer_mib > gpu->memory_mib) {
        rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "max"),
                         "%s: %d x %lld MiB is more than the GPU's %lld MiB", what, r.max,
                         r.framebuffer_mib, gpu->memory_mib);
        goto out;
    }
    if (r.max_mixed && !vgpu->mixed_size) {
        rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(node, "max_mixed"),
                         "%s has 'max_mixed' but the model has 'mixed_size: false'", what);
        goto out;
    }
    if (r.placements) {
        char *pwhat = xasprintf("'placements' of %s", what);

        if (!r.max_mixed) {
            rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, r.placements,
                             "%s has 'placements' but no 'max_mixed'", what);
        } else {
            rc = int_list(&t->placements, NULL, 0, &t->nplacements, l, r.placements, 0,
                          region_gb - 1, pwhat);
        }
        free(pwhat);
        if (rc)
            goto out;
        if (t->nplacements != r.max_mixed) {
            rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, r.placements,
                             "%s has %d placement ids but 'max_mixed: %d'", what, t->nplacements,
                             r.max_mixed);
            goto out;
        }
        for (i = 0; i < t->nplacements; i++) {
            if (t->placements[i] + t->size_gb > region_gb) {
                rc = gpv_y_error(l->err, GPV_EINPUT, l->doc, r.placements->items[i],
                                 "%s: placement %d + %d GB runs past the %lld GB frame buffer",
                                 what, t->placements[i], t->size_gb, region_gb);
                goto out;
            }
        }
    }
    t->source = default_source;
    if (r.source && (rc = source_ref(&t->source, l, r.source, what)))
        goto out;
    rc = fact_mask(&t->inferred, l, r.inferred, what);
out:
    free(r.series);
    free(r.mig_profile);
    free(what);
    return rc;
}

struct raw_vgpu {
    bool mixed_size;
    const struct gpv_ynode *prefixes, *source, *types;
};

static const struct gpv_yfield vgpu_fields[] = {
    {"prefixes", GPV_YF_SEQ, offsetof(struct raw_vgpu, prefixes), true, 0, 0, 0, 0},
    {"mixed_size", GPV_YF_BOOL, offsetof(struct raw_vgpu, mixed_size), true, 0, 0, 0, 0},
    {"source", GPV_YF_NODE, offsetof(struct raw_vgpu, source), true, 0, 0, 0, 0},
    {"types", GPV_YF_SEQ, offsetof(struct raw_vgpu, types), true, 0, 0, 0, 0},
};

static int
load_vgpu(struct loader *l, const struct gpv_ynode *node)
{
    struct raw_vgpu r;
    struct gpv_vgpu *vgpu;
    const char *source;
    size_t i, j;
    int rc;

    memset(&r, 0, sizeof(r));
    if ((rc = gpv_ymap_decode(&r, l->doc, node, vgpu_fields, NFIELDS(vgpu_fields), "'vgpu'", NULL,
                              l->err)))
        return rc;
    if ((rc = source_ref(&source, l, r.source, "'source' of 'vgpu'")))
        return rc;
    vgpu = l->gpu->vgpu = xcalloc(1, sizeof(*vgpu));
    vgpu->mixed_size = r.mixed_size;
    if ((rc = str_list(&vgpu->prefixes, &vgpu->nprefixes, l, r.prefixes, "'prefixes'")))
        return rc;
    if (vgpu->nprefixes == 0)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, r.prefixes, "'prefixes' is empty");
    if (r.types->n == 0)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, r.types, "'vgpu' has no types");
    vgpu->types = xcalloc(r.types->n, sizeof(*vgpu->types));
    for (i = 0; i < r.types->n; i++) {
        vgpu->ntypes++;
        if ((rc = load_type(&vgpu->types[i], l, vgpu, r.types->items[i], source, i)))
            return rc;
        for (j = 0; j < i; j++)
            if (gpv_strieq(vgpu->types[j].name, vgpu->types[i].name))
                return gpv_y_error(l->err, GPV_EINPUT, l->doc,
                                   gpv_ymap_get(r.types->items[i], "name"),
                                   "duplicate vGPU type '%s'", vgpu->types[i].name);
    }
    return 0;
}

struct raw_gpu {
    char *id, *name, *architecture;
    long long memory_mib;
    int gpus_per_board;
    const struct gpv_ynode *aliases, *sources, *notes, *inferred, *mig, *vgpu;
};

static const struct gpv_yfield gpu_fields[] = {
    {"id", GPV_YF_STR, offsetof(struct raw_gpu, id), true, 0, 0, 0, 0},
    {"name", GPV_YF_STR, offsetof(struct raw_gpu, name), true, 0, 0, 0, 0},
    {"aliases", GPV_YF_SEQ, offsetof(struct raw_gpu, aliases), false, 0, 0, 0, 0},
    {"architecture", GPV_YF_STR, offsetof(struct raw_gpu, architecture), true, 0, 0, 0, 0},
    {"memory_mib", GPV_YF_LLONG, offsetof(struct raw_gpu, memory_mib), true, 1024, 1LL << 30, 0, 0},
    {"gpus_per_board", GPV_YF_INT, offsetof(struct raw_gpu, gpus_per_board), false, 1, 16, 0, 0},
    {"sources", GPV_YF_SEQ, offsetof(struct raw_gpu, sources), true, 0, 0, 0, 0},
    {"notes", GPV_YF_SEQ, offsetof(struct raw_gpu, notes), false, 0, 0, 0, 0},
    {"inferred", GPV_YF_SEQ, offsetof(struct raw_gpu, inferred), false, 0, 0, 0, 0},
    {"mig", GPV_YF_MAP, offsetof(struct raw_gpu, mig), false, 0, 0, 0, 0},
    {"vgpu", GPV_YF_MAP, offsetof(struct raw_gpu, vgpu), false, 0, 0, 0, 0},
};

static const struct gpv_yfield source_fields[] = {
    {"id", GPV_YF_STR, offsetof(struct gpv_source, id), true, 0, 0, 0, 0},
    {"title", GPV_YF_STR, offsetof(struct gpv_source, title), true, 0, 0, 0, 0},
    {"url", GPV_YF_STR, offsetof(struct gpv_source, url), false, 0, 0, 0, 0},
};

static bool
valid_id(const char *s)
{
    if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
            return false;
    return true;
}

static int
load_gpu_fields(struct loader *l, const struct gpv_ynode *root)
{
    struct raw_gpu r;
    struct gpv_gpu *gpu = l->gpu;
    const struct gpv_ynode *n;
    size_t i, j;
    int rc;

    memset(&r, 0, sizeof(r));
    r.gpus_per_board = 1;
    rc = gpv_ymap_decode(&r, l->doc, root, gpu_fields, NFIELDS(gpu_fields), "the GPU model", NULL,
                         l->err);
    gpu->id = r.id;
    gpu->name = r.name;
    gpu->architecture = r.architecture;
    if (rc)
        return rc;
    if (!valid_id(r.id))
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(root, "id"),
                           "id '%s' must be lowercase letters, digits and '-'", r.id);
    for (i = 0; i < NFIELDS(architectures); i++)
        if (!strcmp(architectures[i], r.architecture))
            break;
    if (i == NFIELDS(architectures)) {
        int s = gpv_suggest(r.architecture, architectures, NFIELDS(architectures));

        return gpv_y_error(l->err, GPV_EINPUT, l->doc, gpv_ymap_get(root, "architecture"),
                           "unknown architecture '%s'%s%s%s", r.architecture,
                           s >= 0 ? " (did you mean '" : "", s >= 0 ? architectures[s] : "",
                           s >= 0 ? "'?)" : "");
    }
    gpu->memory_mib = r.memory_mib;
    gpu->gpus_per_board = r.gpus_per_board;
    if ((rc = str_list(&gpu->aliases, &gpu->naliases, l, r.aliases, "'aliases'")))
        return rc;
    if ((rc = str_list(&gpu->notes, &gpu->nnotes, l, r.notes, "'notes'")))
        return rc;
    if (r.sources->n == 0)
        return gpv_y_error(l->err, GPV_EINPUT, l->doc, r.sources,
                           "'sources' is empty: every model names where its facts come from");
    gpu->sources = xcalloc(r.sources->n, sizeof(*gpu->sources));
    for (i = 0; i < r.sources->n; i++) {
        char *what = xasprintf("source %zu", i + 1);

        gpu->nsources++;
        rc = gpv_ymap_decode(&gpu->sources[i], l->doc, r.sources->items[i], source_fields,
                             NFIELDS(source_fields), what, NULL, l->err);
        free(what);
        if (rc)
            return rc;
        for (j = 0; j < i; j++)
            if (!strcmp(gpu->sources[j].id, gpu->sources[i].id))
                return gpv_y_error(l->err, GPV_EINPUT, l->doc,
                                   gpv_ymap_get(r.sources->items[i], "id"),
                                   "duplicate source id '%s'", gpu->sources[i].id);
    }
    if (r.inferred) {
        const char *s;

        if ((rc = gpv_y_expect(l->doc, r.inferred, GPV_Y_SEQ, "'inferred'", l->err)))
            return rc;
        for (i = 0; i < r.inferred->n; i++) {
            n = r.inferred->items[i];
            if ((rc = gpv_y_str(&s, l->doc, n, "'inferred'", l->err)))
                return rc;
            if (!strcmp(s, "memory_mib"))
                gpu->inferred |= GPV_GF_MEMORY;
            else if (!strcmp(s, "architecture"))
                gpu->inferred |= GPV_GF_ARCHITECTURE;
            else
                return gpv_y_error(l->err, GPV_EINPUT, l->doc, n,
                                   "'inferred' of the model may list memory_mib and "
                                   "architecture, not '%s'",
                                   s);
        }
    }
    if (r.mig && (rc = load_mig(l, r.mig)))
        return rc;
    if (r.vgpu && (rc = load_vgpu(l, r.vgpu)))
        return rc;
    return 0;
}

/* Lowercase with spaces, '-' and '_' removed: "H100 SXM5" and "h100-sxm5" compare equal. */
static void
squash(char *dst, size_t n, const char *s)
{
    size_t k = 0;

    for (; *s && k + 1 < n; s++)
        if (*s != ' ' && *s != '-' && *s != '_')
            dst[k++] = (char)tolower((unsigned char)*s);
    dst[k] = '\0';
}

static bool
names_match(const struct gpv_gpu *gpu, const char *name, bool loose)
{
    char a[128], b[128];
    size_t i;

    if (!loose) {
        if (gpv_strieq(gpu->id, name))
            return true;
        for (i = 0; i < gpu->naliases; i++)
            if (gpv_strieq(gpu->aliases[i], name))
                return true;
        return false;
    }
    squash(a, sizeof(a), name);
    squash(b, sizeof(b), gpu->id);
    if (!strcmp(a, b))
        return true;
    for (i = 0; i < gpu->naliases; i++) {
        squash(b, sizeof(b), gpu->aliases[i]);
        if (!strcmp(a, b))
            return true;
    }
    return false;
}

static int
gpu_cmp(const void *a, const void *b)
{
    return strcmp((*(struct gpv_gpu *const *)a)->id, (*(struct gpv_gpu *const *)b)->id);
}

/* Adds gpu to db, replacing a model with the same id when override is set. */
static int
insert(struct gpv_db *db, struct gpv_gpu *gpu, const struct gpv_ydoc *doc,
       const struct gpv_ynode *root, bool override, struct gpv_error *err)
{
    const struct gpv_ynode *aliases = gpv_ymap_get(root, "aliases");
    size_t i, k, replace = db->ngpus;

    for (i = 0; i < db->ngpus; i++) {
        const struct gpv_gpu *o = db->gpus[i];

        if (!strcmp(o->id, gpu->id)) {
            if (!override)
                return gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(root, "id"),
                                   "model '%s' is already defined in %s", gpu->id, o->origin);
            replace = i;
            continue;
        }
        if (names_match(o, gpu->id, false))
            return gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(root, "id"),
                               "id '%s' is already a name of model '%s' (%s)", gpu->id, o->id,
                               o->origin);
        for (k = 0; k < gpu->naliases; k++)
            if (names_match(o, gpu->aliases[k], false))
                return gpv_y_error(err, GPV_EINPUT, doc, aliases->items[k],
                                   "alias '%s' is already a name of model '%s' (%s)",
                                   gpu->aliases[k], o->id, o->origin);
    }
    if (replace < db->ngpus) {
        gpu_free(db->gpus[replace]);
        db->gpus[replace] = gpu;
    } else {
        db->gpus = xreallocarray(db->gpus, db->ngpus + 1, sizeof(*db->gpus));
        db->gpus[db->ngpus++] = gpu;
    }
    qsort(db->gpus, db->ngpus, sizeof(*db->gpus), gpu_cmp);
    return 0;
}

int
gpv_db_load_mem(struct gpv_db *db, const char *buf, size_t len, const char *name, bool override,
                struct gpv_error *err)
{
    struct gpv_ydoc *doc = NULL;
    struct loader l;
    int rc;

    l.gpu = xcalloc(1, sizeof(*l.gpu));
    l.gpu->origin = xstrdup(name);
    l.err = err;
    if ((rc = gpv_ydoc_parse(&doc, buf, len, name, err)))
        goto out;
    l.doc = doc;
    if (!doc->root) {
        rc = gpv_error_set(err, GPV_EINPUT, name, 1, 1, "the file is empty");
        goto out;
    }
    if ((rc = load_gpu_fields(&l, doc->root)))
        goto out;
    if ((rc = insert(db, l.gpu, doc, doc->root, override, err)))
        goto out;
    l.gpu = NULL;
out:
    gpu_free(l.gpu);
    gpv_ydoc_free(doc);
    return rc;
}

int
gpv_db_load_embedded(struct gpv_db *db, struct gpv_error *err)
{
    size_t i;
    int rc;

    for (i = 0; i < gpv_embedded_count; i++) {
        const struct gpv_embedded_file *f = &gpv_embedded_files[i];

        if (strncmp(f->name, "profiles/gpus/", 14) != 0)
            continue;
        if ((rc = gpv_db_load_mem(db, f->data, f->len, f->name, false, err)))
            return rc;
    }
    return 0;
}

const struct gpv_gpu *
gpv_db_find(const struct gpv_db *db, const char *name)
{
    size_t i;
    int pass;

    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < db->ngpus; i++)
            if (names_match(db->gpus[i], name, pass == 1))
                return db->gpus[i];
    return NULL;
}

const struct gpv_gpu *
gpv_db_lookup(const struct gpv_db *db, const char *name, struct gpv_error *err)
{
    const struct gpv_gpu *gpu = gpv_db_find(db, name);
    const char **cands;
    size_t i, k, n = 0;
    int s;

    if (gpu)
        return gpu;
    for (i = 0; i < db->ngpus; i++)
        n += 1 + db->gpus[i]->naliases;
    cands = xcalloc(n ? n : 1, sizeof(*cands));
    n = 0;
    for (i = 0; i < db->ngpus; i++) {
        cands[n++] = db->gpus[i]->id;
        for (k = 0; k < db->gpus[i]->naliases; k++)
            cands[n++] = db->gpus[i]->aliases[k];
    }
    s = gpv_suggest(name, cands, n);
    if (s >= 0) {
        /* Suggest the canonical id of whichever name was closest. */
        const struct gpv_gpu *near = gpv_db_find(db, cands[s]);

        gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                      "unknown GPU '%s' (did you mean '%s'?); `gpuvplan gpus` lists them all", name,
                      near->id);
    } else {
        gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                      "unknown GPU '%s'; `gpuvplan gpus` lists the models", name);
    }
    free(cands);
    return NULL;
}

int
gpv_gpu_find_profile(const struct gpv_gpu *gpu, const char *name_or_id)
{
    long long id;
    size_t i;

    if (!gpu->mig)
        return -1;
    for (i = 0; i < gpu->mig->nprofiles; i++)
        if (gpv_strieq(gpu->mig->profiles[i].name, name_or_id))
            return (int)i;
    if (gpv_parse_ll(&id, name_or_id, 0, 255))
        for (i = 0; i < gpu->mig->nprofiles; i++)
            if (gpu->mig->profiles[i].id == id)
                return (int)i;
    return -1;
}

int
gpv_gpu_suggest_profile(const struct gpv_gpu *gpu, const char *name)
{
    const char *cands[GPV_MIG_MAX_PROFILES];
    const char *dot = strchr(name, '.');
    size_t i, n = dot ? (size_t)(dot - name) : 0;
    int s;

    if (!gpu->mig)
        return -1;
    /* Prefer a profile with the same compute slices: "2g.10gb" means "a 2g profile" more than
     * "a 10gb profile" (2g.20gb rather than 1g.10gb on an H100-80GB). */
    for (i = 0; i < gpu->mig->nprofiles; i++) {
        const char *pn = gpu->mig->profiles[i].name;

        cands[i] = (n && !strncasecmp(pn, name, n) && pn[n] == '.') ? pn : NULL;
    }
    if (n && (s = gpv_suggest(name, cands, gpu->mig->nprofiles)) >= 0)
        return s;
    for (i = 0; i < gpu->mig->nprofiles; i++)
        cands[i] = gpu->mig->profiles[i].name;
    return gpv_suggest(name, cands, gpu->mig->nprofiles);
}

int
gpv_gpu_find_vgpu_type(const struct gpv_gpu *gpu, const char *name)
{
    size_t i, p, n;
    const char *suffix;

    if (!gpu->vgpu)
        return -1;
    for (i = 0; i < gpu->vgpu->ntypes; i++)
        if (gpv_strieq(gpu->vgpu->types[i].name, name))
            return (int)i;
    /* "H100XM-20C" names the same type as "H100-20C": compare what follows the prefix. */
    for (p = 0; p < gpu->vgpu->nprefixes; p++) {
        n = strlen(gpu->vgpu->prefixes[p]);
        if (strncasecmp(name, gpu->vgpu->prefixes[p], n) || name[n] != '-')
            continue;
        suffix = name + n;
        for (i = 0; i < gpu->vgpu->ntypes; i++) {
            const char *t = gpu->vgpu->types[i].name;
            /* Types are named with the first prefix, which may itself contain '-'. */
            size_t n0 = strlen(gpu->vgpu->prefixes[0]);

            if (!strncmp(t, gpu->vgpu->prefixes[0], n0) && gpv_strieq(t + n0, suffix))
                return (int)i;
        }
    }
    return -1;
}

const struct gpv_source *
gpv_gpu_source(const struct gpv_gpu *gpu, const char *id)
{
    size_t i;

    for (i = 0; i < gpu->nsources; i++)
        if (!strcmp(gpu->sources[i].id, id))
            return &gpu->sources[i];
    return NULL;
}

long long
gpv_gpu_max_mig_memory(const struct gpv_gpu *gpu)
{
    long long best = 0;
    size_t i;

    if (!gpu->mig)
        return 0;
    for (i = 0; i < gpu->mig->nprofiles; i++)
        if (gpu->mig->profiles[i].memory_mib > best)
            best = gpu->mig->profiles[i].memory_mib;
    return best;
}
