#include "gpuvplan/db.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "db_int.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The loader of model files: docs/profiles.md is the format it enforces. */

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

/* ---- loading ---------------------------------------------------------------------------- */

int
gpv_db_str_list(char ***out, size_t *nout, struct gpv_db_loader *l, const struct gpv_ynode *seq,
                const char *what)
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

int
gpv_db_fact_mask(unsigned *out, struct gpv_db_loader *l, const struct gpv_ynode *seq,
                 const char *what)
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
int
gpv_db_source_ref(const char **out, struct gpv_db_loader *l, const struct gpv_ynode *node,
                  const char *what)
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
int
gpv_db_int_list(int **heap, int *fixed, int cap, int *nout, struct gpv_db_loader *l,
                const struct gpv_ynode *seq, long long min, long long max, const char *what)
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
load_type(struct gpv_vgpu_type *t, struct gpv_db_loader *l, const struct gpv_vgpu *vgpu,
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
            rc = gpv_db_int_list(&t->placements, NULL, 0, &t->nplacements, l, r.placements, 0,
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
    if (r.source && (rc = gpv_db_source_ref(&t->source, l, r.source, what)))
        goto out;
    rc = gpv_db_fact_mask(&t->inferred, l, r.inferred, what);
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
load_vgpu(struct gpv_db_loader *l, const struct gpv_ynode *node)
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
    if ((rc = gpv_db_source_ref(&source, l, r.source, "'source' of 'vgpu'")))
        return rc;
    vgpu = l->gpu->vgpu = xcalloc(1, sizeof(*vgpu));
    vgpu->mixed_size = r.mixed_size;
    if ((rc = gpv_db_str_list(&vgpu->prefixes, &vgpu->nprefixes, l, r.prefixes, "'prefixes'")))
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
load_gpu_fields(struct gpv_db_loader *l, const struct gpv_ynode *root)
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
    if ((rc = gpv_db_str_list(&gpu->aliases, &gpu->naliases, l, r.aliases, "'aliases'")))
        return rc;
    if ((rc = gpv_db_str_list(&gpu->notes, &gpu->nnotes, l, r.notes, "'notes'")))
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
    if (r.mig && (rc = gpv_db_load_mig(l, r.mig)))
        return rc;
    if (r.vgpu && (rc = load_vgpu(l, r.vgpu)))
        return rc;
    return 0;
}

/* Whether name is the id or an alias of gpu, compared case-insensitively. */
static bool
is_name_of(const struct gpv_gpu *gpu, const char *name)
{
    size_t i;

    if (gpv_strieq(gpu->id, name))
        return true;
    for (i = 0; i < gpu->naliases; i++)
        if (gpv_strieq(gpu->aliases[i], name))
            return true;
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
            if (!override || o->overrides)
                return gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(root, "id"),
                                   "model '%s' is already defined in %s", gpu->id, o->origin);
            replace = i;
            continue;
        }
        if (is_name_of(o, gpu->id))
            return gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(root, "id"),
                               "id '%s' is already a name of model '%s' (%s)", gpu->id, o->id,
                               o->origin);
        for (k = 0; k < gpu->naliases; k++)
            if (is_name_of(o, gpu->aliases[k]))
                return gpv_y_error(err, GPV_EINPUT, doc, aliases->items[k],
                                   "alias '%s' is already a name of model '%s' (%s)",
                                   gpu->aliases[k], o->id, o->origin);
    }
    if (replace < db->ngpus) {
        gpv_db_gpu_free(db->gpus[replace]);
        db->gpus[replace] = gpu;
    } else {
        if (db->ngpus >= GPV_DB_MAX_MODELS)
            return gpv_y_error(err, GPV_EINPUT, doc, gpv_ymap_get(root, "id"),
                               "more than %d GPU models; the limit keeps planning bounded "
                               "(docs/profiles.md, \"Limits\")",
                               GPV_DB_MAX_MODELS);
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
    struct gpv_db_loader l;
    int rc;

    l.gpu = xcalloc(1, sizeof(*l.gpu));
    l.gpu->origin = xstrdup(name);
    l.gpu->overrides = override;
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
    gpv_db_gpu_free(l.gpu);
    gpv_ydoc_free(doc);
    return rc;
}
