/*
 * Semantic checks of mig-parted and vgpu-device-manager configs against the database: which
 * models each entry selects, profile and type names on those models, counts, MIG geometry
 * through the MIG engine (mig.h), and entries of one config that select the same GPU.
 */
#include "lint_int.h"

#include "gpuvplan/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_MODELS 64 /* models one entry is checked against (the database holds ~25) */

void
lint_doc_add_model(struct gpv_lint_doc *doc, const struct gpv_gpu *gpu)
{
    size_t i, at;

    for (i = 0; i < doc->nmodels; i++)
        if (doc->models[i] == gpu)
            return;
    for (at = 0; at < doc->nmodels && strcmp(doc->models[at]->id, gpu->id) < 0; at++)
        ;
    doc->models = xreallocarray(doc->models, doc->nmodels + 1, sizeof(*doc->models));
    memmove(&doc->models[at + 1], &doc->models[at], (doc->nmodels - at) * sizeof(*doc->models));
    doc->models[at] = gpu;
    doc->nmodels++;
}

void
lint_doc_add_entry(struct gpv_lint_doc *doc, const char *config, int line, int col,
                   enum gpv_lint_selected_by by, const struct gpv_gpu *const *models,
                   size_t nmodels)
{
    struct gpv_lint_entry *e;
    size_t i;

    doc->entries = xreallocarray(doc->entries, doc->nentries + 1, sizeof(*doc->entries));
    e = &doc->entries[doc->nentries++];
    e->config = xstrdup(config);
    e->line = line;
    e->col = col;
    e->selected_by = by;
    e->nmodels = nmodels;
    e->models = xcalloc(nmodels ? nmodels : 1, sizeof(*e->models));
    for (i = 0; i < nmodels; i++) {
        e->models[i] = models[i];
        lint_doc_add_model(doc, models[i]);
    }
}

const char *
gpv_lint_selected_by_name(enum gpv_lint_selected_by by)
{
    switch (by) {
    case GPV_LINT_BY_FILTER:
        return "device-filter";
    case GPV_LINT_BY_OPTION:
        return "gpu-option";
    default:
        return "profile-names";
    }
}

/*
 * The profile's production name when `name` is one of the other names the database records for
 * it (the names pre-production GB200 boards give their profiles, formats.md §0.1); else NULL.
 */
static const char *
production_name(const struct gpv_gpu *g, int idx, const char *name)
{
    const struct gpv_mig_profile *p = &g->mig->profiles[idx];
    size_t i;

    for (i = 0; i < p->naliases; i++)
        if (!strcasecmp(p->aliases[i], name))
            return p->name;
    return NULL;
}

/* Appends the models the entry's device-filter selects to models[]; reports unknown ids. */
static size_t
filter_models(struct gpv_lint_findings *f, const struct gpv_db *db,
              const struct gpv_lint_pciid *ids, size_t n, const struct gpv_gpu **models)
{
    size_t i, k, nm = 0;

    for (i = 0; i < n; i++) {
        const struct gpv_gpu *g;
        char alias[16];

        if (ids[i].vendor != 0x10DE) {
            lint_add_at(f, GPV_LINT_WARNING, ids[i].line, ids[i].col, "not-nvidia",
                        "vendor id 0x%04X in device-filter is not NVIDIA's (0x10DE); did you "
                        "write the device id without the vendor half?",
                        ids[i].vendor);
            continue;
        }
        snprintf(alias, sizeof(alias), "0x%04x", ids[i].device);
        if (!(g = gpv_db_find(db, alias))) {
            lint_add_at(f, GPV_LINT_WARNING, ids[i].line, ids[i].col, "unknown-pci-id",
                        "no GPU model in the database has PCI device id 0x%04X", ids[i].device);
            continue;
        }
        for (k = 0; k < nm && models[k] != g; k++)
            ;
        if (k == nm && nm < MAX_MODELS)
            models[nm++] = g;
    }
    return nm;
}

/* Whether two entries can select the same GPU: filters intersect and devices intersect. */
static bool
entries_overlap(const struct gpv_lint_pciid *fa, size_t na, const struct gpv_lint_devices *da,
                const struct gpv_lint_pciid *fb, size_t nb, const struct gpv_lint_devices *db,
                int *gpu)
{
    bool filters = na == 0 || nb == 0;
    size_t i, k;

    for (i = 0; i < na && !filters; i++)
        for (k = 0; k < nb; k++)
            if (fa[i].device == fb[k].device && fa[i].vendor == fb[k].vendor &&
                !(fa[i].has_subsys && fb[k].has_subsys &&
                  (fa[i].subsys_device != fb[k].subsys_device ||
                   fa[i].subsys_vendor != fb[k].subsys_vendor)))
                filters = true;
    if (!filters || !da->line || !db->line)
        return false;
    *gpu = -1;
    if (da->all || db->all) {
        if (da->all && db->all)
            return true;
        if ((da->all ? db->n : da->n) == 0)
            return false;
        *gpu = da->all ? db->idx[0] : da->idx[0];
        return true;
    }
    for (i = 0; i < da->n; i++)
        for (k = 0; k < db->n; k++)
            if (da->idx[i] == db->idx[k]) {
                *gpu = da->idx[i];
                return true;
            }
    return false;
}

static void
report_overlap(struct gpv_lint_findings *f, const char *config, int line, int col, int first_line,
               int gpu, const char *tool)
{
    if (gpu >= 0)
        lint_add_at(f, GPV_LINT_ERROR, line, col, "overlapping-entries",
                    "this entry of config '%s' selects GPU %d, as does the entry at line %d; %s "
                    "applies both and the later one wins",
                    config, gpu, first_line, tool);
    else
        lint_add_at(f, GPV_LINT_ERROR, line, col, "overlapping-entries",
                    "this entry of config '%s' selects the same GPUs as the entry at line %d; %s "
                    "applies both and the later one wins",
                    config, first_line, tool);
}

/* How an entry of either format selects its GPUs. */
struct entry_sel {
    const struct gpv_lint_pciid *filters;
    size_t nfilters;
    const struct gpv_lint_devices *devices;
    int line, col;
};

/* The entry_sel of e, a pointer to an entry of either format. */
#define ENTRY_SEL(e)                                                                               \
    ((struct entry_sel){(e)->filters, (e)->nfilters, &(e)->devices, (e)->line, (e)->col})

/*
 * Reports entry e of config `config` when it selects a GPU that an earlier one (prev[0..nprev))
 * does too (the first such), then finds the models it applies to: through its device filter or
 * --gpu, into models and *nm. Returns how it selects them; GPV_LINT_BY_NAMES leaves *nm to the
 * caller (the names in the entry tell).
 */
static enum gpv_lint_selected_by
entry_models(struct gpv_lint_findings *f, const struct gpv_db *db, const struct gpv_lint_opts *opts,
             const char *config, const char *tool, const struct entry_sel *prev, size_t nprev,
             const struct entry_sel *e, const struct gpv_gpu **models, size_t *nm)
{
    size_t k;
    int gpu;

    for (k = 0; k < nprev; k++)
        if (entries_overlap(prev[k].filters, prev[k].nfilters, prev[k].devices, e->filters,
                            e->nfilters, e->devices, &gpu)) {
            report_overlap(f, config, e->line, e->col, prev[k].line, gpu, tool);
            break;
        }
    if (e->nfilters) {
        *nm = filter_models(f, db, e->filters, e->nfilters, models);
        return GPV_LINT_BY_FILTER;
    }
    if (opts->ngpus) {
        for (*nm = 0; *nm < opts->ngpus && *nm < MAX_MODELS; (*nm)++)
            models[*nm] = opts->gpus[*nm];
        return GPV_LINT_BY_OPTION;
    }
    return GPV_LINT_BY_NAMES;
}

/* "3g.40gb 2x1g.10gb": the form `gpuvplan mig check` takes. */
static void
put_counts(struct gpv_buf *b, const struct gpv_gpu *g, const int *counts)
{
    size_t i;
    bool first = true;

    /* Largest first, as nvidia-smi lists a layout. */
    for (i = g->mig->nprofiles; i-- > 0;) {
        if (!counts[i])
            continue;
        gpv_buf_puts(b, first ? "" : " ");
        if (counts[i] > 1)
            gpv_buf_printf(b, "%dx", counts[i]);
        gpv_buf_puts(b, g->mig->profiles[i].name);
        first = false;
    }
}

static void
put_reason(struct gpv_buf *b, const struct gpv_gpu *g, const struct gpv_mig_reason *r)
{
    const char *name = r->profile >= 0 ? g->mig->profiles[r->profile].name : "?";

    switch (r->kind) {
    case GPV_MIG_R_OVER_MAX:
        gpv_buf_printf(b, "'%s' allows at most %d per GPU and %d are asked", name, r->limit,
                       r->count);
        break;
    case GPV_MIG_R_NO_PLACEMENT:
        if (r->limit == 0)
            gpv_buf_printf(b, "no '%s' instance fits", name);
        else
            gpv_buf_printf(b, "only %d of the %d '%s' instances fit", r->limit, r->count, name);
        if (r->involved)
            gpv_buf_puts(b, " beside the larger ones");
        break;
    case GPV_MIG_R_CONSTRAINT:
        gpv_buf_printf(b, "a per-GPU rule does not hold: %s",
                       g->mig->constraints[r->constraint].reason);
        break;
    case GPV_MIG_R_TOO_NEW:
        gpv_buf_printf(b, "'%s' needs driver R%d or newer", name, r->limit);
        break;
    default:
        gpv_buf_puts(b, gpv_mig_reason_kind_name(r->kind));
        break;
    }
}

/*
 * The smallest change that makes counts placeable: one profile's count lowered. Writes
 * "with 2x1g.10gb instead of 4 it fits" into b; nothing when no single change does.
 */
static void
put_suggestion(struct gpv_buf *b, const struct gpv_gpu *g, const int *counts)
{
    int tmp[GPV_MIG_MAX_PROFILES], best = -1, best_k = 0, best_drop = 1 << 30;
    size_t i;

    for (i = 0; i < g->mig->nprofiles; i++) {
        int k;

        if (!counts[i])
            continue;
        memcpy(tmp, counts, g->mig->nprofiles * sizeof(*tmp));
        tmp[i] = 0;
        k = gpv_mig_max_more(g, tmp, (int)i, 0);
        if (k >= 0 && k < counts[i] && counts[i] - k < best_drop) {
            best = (int)i;
            best_k = k;
            best_drop = counts[i] - k;
        }
    }
    if (best < 0)
        return;
    if (best_k == 0)
        gpv_buf_printf(b, "; without '%s' it fits", g->mig->profiles[best].name);
    else
        gpv_buf_printf(b, "; with %d '%s' instead of %d it fits", best_k,
                       g->mig->profiles[best].name, counts[best]);
}

/*
 * Checks a geometry (counts per profile) on g. at_* is the entry's position; over-max reasons
 * go to the profile's own key when keys[] knows it.
 */
static void
check_geometry(struct gpv_lint_findings *f, const struct gpv_gpu *g, const int *counts, int line,
               int col, const int *key_line, const int *key_col)
{
    struct gpv_mig_reason r[8];
    struct gpv_buf b;
    int n, i;

    if (gpv_mig_place(NULL, g, counts, 0))
        return;
    n = gpv_mig_explain(r, 8, g, counts, 0);
    gpv_buf_init(&b);
    for (i = 0; i < n && i < 8; i++)
        if (r[i].kind == GPV_MIG_R_OVER_MAX && r[i].profile >= 0 && key_line[r[i].profile]) {
            lint_add_at(f, GPV_LINT_ERROR, key_line[r[i].profile], key_col[r[i].profile],
                        "over-max", "'%s' allows at most %d per GPU on %s and %d are asked",
                        g->mig->profiles[r[i].profile].name, r[i].limit, g->id, r[i].count);
            r[i].kind = GPV_MIG_R_UNKNOWN; /* reported */
        }
    for (i = 0; i < n && i < 8; i++) {
        if (r[i].kind == GPV_MIG_R_UNKNOWN)
            continue;
        gpv_buf_puts(&b, b.len ? "; " : "");
        put_reason(&b, g, &r[i]);
    }
    if (b.len) {
        struct gpv_buf geo;

        gpv_buf_init(&geo);
        put_counts(&geo, g, counts);
        put_suggestion(&b, g, counts);
        lint_add_at(f, GPV_LINT_ERROR, line, col, "not-placeable",
                    "geometry '%s' is not placeable on %s: %s", gpv_buf_str(&geo), g->id,
                    gpv_buf_str(&b));
        gpv_buf_release(&geo);
    }
    gpv_buf_release(&b);
}

/* Every distinct MIG profile name of the database, for did-you-mean across models. */
static size_t
all_profile_names(const struct gpv_db *db, const char **names, size_t cap)
{
    size_t i, k, j, n = 0;

    for (i = 0; i < db->ngpus; i++)
        for (k = 0; db->gpus[i]->mig && k < db->gpus[i]->mig->nprofiles; k++) {
            const char *s = db->gpus[i]->mig->profiles[k].name;

            for (j = 0; j < n && strcmp(names[j], s); j++)
                ;
            if (j == n && n < cap)
                names[n++] = s;
        }
    return n;
}

/* Models that know every GI profile of the entry (no device-filter, no --gpu). */
static size_t
models_knowing(struct gpv_lint_findings *f, const struct gpv_db *db,
               const struct gpv_migparted_entry *e, const struct gpv_gpu **models)
{
    size_t i, k, nm = 0;
    bool unknown = false;

    for (k = 0; k < e->ncounts; k++) {
        struct gpv_lint_profile p;
        bool known = false;

        if (!gpv_lint_profile_parse(&p, e->counts[k].profile))
            continue;
        for (i = 0; i < db->ngpus && !known; i++)
            known = db->gpus[i]->mig && gpv_gpu_find_profile(db->gpus[i], p.gi) >= 0;
        if (!known) {
            const char *names[1024];
            size_t n = all_profile_names(db, names, 1024);
            int s = gpv_suggest(p.gi, names, n);

            unknown = true;
            if (s >= 0)
                lint_add_at(f, GPV_LINT_ERROR, e->counts[k].line, e->counts[k].col,
                            "unknown-profile",
                            "no GPU model in the database has MIG profile '%s' (did you mean "
                            "'%s'?)",
                            p.gi, names[s]);
            else
                lint_add_at(f, GPV_LINT_ERROR, e->counts[k].line, e->counts[k].col,
                            "unknown-profile", "no GPU model in the database has MIG profile '%s'",
                            p.gi);
        }
    }
    if (unknown)
        return 0;
    for (i = 0; i < db->ngpus && nm < MAX_MODELS; i++) {
        const struct gpv_gpu *g = db->gpus[i];
        bool all = g->mig != NULL;

        for (k = 0; k < e->ncounts && all; k++) {
            struct gpv_lint_profile p;

            all = gpv_lint_profile_parse(&p, e->counts[k].profile) &&
                  gpv_gpu_find_profile(g, p.gi) >= 0;
        }
        if (all)
            models[nm++] = g;
    }
    if (nm == 0)
        lint_add_at(f, GPV_LINT_ERROR, e->line, e->col, "no-model",
                    "no GPU model in the database has all the MIG profiles of this entry; add a "
                    "device-filter or pass --gpu");
    return nm;
}

/* Checks one mig-parted entry on one model. */
static void
check_mig_entry(struct gpv_lint_findings *f, const struct gpv_gpu *g,
                const struct gpv_migparted_entry *e)
{
    int counts[GPV_MIG_MAX_PROFILES] = {0}, kl[GPV_MIG_MAX_PROFILES] = {0},
        kc[GPV_MIG_MAX_PROFILES] = {0};
    bool ok = true, any = false;
    size_t k;

    if (!g->mig) {
        lint_add_at(f, e->devices.all ? GPV_LINT_WARNING : GPV_LINT_ERROR, e->line, e->col,
                    "no-mig", "%s has no MIG; %s", g->id,
                    e->devices.all ? "mig-parted skips it" : "mig-parted fails on it");
        return;
    }
    for (k = 0; k < e->ncounts; k++) {
        const struct gpv_migparted_count *mc = &e->counts[k];
        struct gpv_lint_profile p;
        const char *prod;
        int idx, per;

        if (!gpv_lint_profile_parse(&p, mc->profile))
            continue;
        idx = gpv_gpu_find_profile(g, p.gi);
        if (idx >= 0 && (prod = production_name(g, idx, p.gi)))
            lint_add_at(f, GPV_LINT_WARNING, mc->line, mc->col, "preproduction-profile",
                        "'%s' is the name pre-production %s boards give '%s'; production "
                        "boards reject it",
                        p.gi, g->id, prod);
        if (idx < 0) {
            int s = gpv_gpu_suggest_profile(g, p.gi);

            ok = false;
            if (s >= 0)
                lint_add_at(f, GPV_LINT_ERROR, mc->line, mc->col, "unknown-profile",
                            "MIG profile '%s' does not exist on %s (did you mean '%s'?)", p.gi,
                            g->id, g->mig->profiles[s].name);
            else
                lint_add_at(f, GPV_LINT_ERROR, mc->line, mc->col, "unknown-profile",
                            "MIG profile '%s' does not exist on %s", p.gi, g->id);
            continue;
        }
        /* `Nc.` profiles count compute instances; g/c of them share one GPU instance. */
        per = p.g / p.c;
        counts[idx] += (int)((mc->count + per - 1) / per);
        any |= mc->count > 0;
        if (!kl[idx]) {
            kl[idx] = mc->line;
            kc[idx] = mc->col;
        }
    }
    if (ok && any)
        check_geometry(f, g, counts, e->line, e->col, kl, kc);
}

void
lint_check_migparted(struct gpv_lint_findings *f, struct gpv_lint_doc *doc, const struct gpv_db *db,
                     const struct gpv_lint_opts *opts, const struct gpv_migparted *c)
{
    const struct gpv_gpu *models[MAX_MODELS];
    enum gpv_lint_selected_by by;
    struct entry_sel *sel;
    size_t i, j, k, nm;

    for (i = 0; i < c->nconfigs; i++) {
        const struct gpv_migparted_config *cf = &c->configs[i];

        sel = xcalloc(cf->nentries + 1, sizeof(*sel));
        for (j = 0; j < cf->nentries; j++)
            sel[j] = ENTRY_SEL(&cf->entries[j]);
        for (j = 0; j < cf->nentries; j++) {
            const struct gpv_migparted_entry *e = &cf->entries[j];

            by = entry_models(f, db, opts, cf->name, "mig-parted", sel, j, &sel[j], models, &nm);
            if (by == GPV_LINT_BY_NAMES)
                nm = e->mig_enabled && e->ncounts ? models_knowing(f, db, e, models) : 0;
            lint_doc_add_entry(doc, cf->name, e->line, e->col, by, models, nm);
            for (k = 0; k < nm; k++)
                if (e->mig_enabled)
                    check_mig_entry(f, models[k], e);
        }
        free(sel);
    }
}

/* ---- vgpu-device-manager ----------------------------------------------------------------------
 */

static size_t
vgpu_models_knowing(struct gpv_lint_findings *f, const struct gpv_db *db,
                    const struct gpv_vgpudm_entry *e, const struct gpv_gpu **models)
{
    size_t i, k, nm = 0;

    for (i = 0; i < db->ngpus && nm < MAX_MODELS; i++) {
        const struct gpv_gpu *g = db->gpus[i];
        bool all = g->vgpu != NULL;

        for (k = 0; k < e->ncounts && all; k++)
            all = gpv_gpu_find_vgpu_type(g, e->counts[k].type) >= 0;
        if (all)
            models[nm++] = g;
    }
    if (nm == 0 && e->ncounts)
        lint_add_at(f, GPV_LINT_ERROR, e->line, e->col, "no-model",
                    "no GPU model in the database has all the vGPU types of this entry%s",
                    e->ncounts == 1 ? "" : "; add a device-filter or pass --gpu");
    return nm;
}

static void
check_vgpu_entry(struct gpv_lint_findings *f, const struct gpv_gpu *g,
                 const struct gpv_vgpudm_entry *e)
{
    int counts[GPV_MIG_MAX_PROFILES] = {0}, kl[GPV_MIG_MAX_PROFILES] = {0},
        kc[GPV_MIG_MAX_PROFILES] = {0};
    const struct gpv_vgpu_type *first_ts = NULL;
    bool any_mig = false, ok = true, mixed = false;
    size_t k;

    if (!g->vgpu || !g->vgpu->ntypes) {
        lint_add_at(f, GPV_LINT_ERROR, e->line, e->col, "no-vgpu", "%s has no vGPU types", g->id);
        return;
    }
    /* Several time-sliced types on one GPU need the model's mixed-size mode. */
    for (k = 0; g->vgpu && k < e->ncounts; k++) {
        int idx = gpv_gpu_find_vgpu_type(g, e->counts[k].type);

        if (idx < 0 || g->vgpu->types[idx].mig_profile >= 0)
            continue;
        if (first_ts && first_ts != &g->vgpu->types[idx])
            mixed = true;
        first_ts = &g->vgpu->types[idx];
    }
    first_ts = NULL;
    for (k = 0; k < e->ncounts; k++) {
        const struct gpv_vgpudm_count *vc = &e->counts[k];
        const struct gpv_vgpu_type *t;
        int idx = gpv_gpu_find_vgpu_type(g, vc->type), limit;
        bool mixed_mode;

        if (idx < 0) {
            const char *names[512];
            size_t i, n = 0;
            int s;

            for (i = 0; i < g->vgpu->ntypes && n < 512; i++)
                names[n++] = g->vgpu->types[i].name;
            s = gpv_suggest(vc->type, names, n);
            ok = false;
            if (s >= 0)
                lint_add_at(f, GPV_LINT_ERROR, vc->line, vc->col, "unknown-vgpu-type",
                            "vGPU type '%s' does not exist on %s (did you mean '%s'?)", vc->type,
                            g->id, names[s]);
            else
                lint_add_at(f, GPV_LINT_ERROR, vc->line, vc->col, "unknown-vgpu-type",
                            "vGPU type '%s' does not exist on %s", vc->type, g->id);
            continue;
        }
        t = &g->vgpu->types[idx];
        if (t->mig_profile >= 0 && g->mig) {
            any_mig = true;
            counts[t->mig_profile] += (int)vc->count;
            if (!kl[t->mig_profile]) {
                kl[t->mig_profile] = vc->line;
                kc[t->mig_profile] = vc->col;
            }
            continue;
        }
        if (first_ts && first_ts != t && !g->vgpu->mixed_size) {
            lint_add_at(f, GPV_LINT_ERROR, vc->line, vc->col, "mixed-types",
                        "'%s' and '%s' are mixed on %s, whose vGPUs must all be one size "
                        "(equal-size mode)",
                        first_ts->name, t->name, g->id);
            continue;
        }
        if (!first_ts)
            first_ts = t;
        mixed_mode = mixed && g->vgpu->mixed_size;
        limit = mixed_mode ? t->max_mixed : t->max;
        if (mixed_mode && limit == 0)
            lint_add_at(f, GPV_LINT_ERROR, vc->line, vc->col, "mixed-types",
                        "'%s' is not offered in mixed-size mode on %s, and this entry mixes sizes",
                        t->name, g->id);
        else if (vc->count > limit)
            lint_add_at(f, GPV_LINT_ERROR, vc->line, vc->col, "over-max",
                        "'%s' allows at most %d per GPU on %s%s and %lld are asked", t->name, limit,
                        g->id, mixed_mode ? " in mixed-size mode" : "", vc->count);
    }
    if (ok && any_mig)
        check_geometry(f, g, counts, e->line, e->col, kl, kc);
}

void
lint_check_vgpudm(struct gpv_lint_findings *f, struct gpv_lint_doc *doc, const struct gpv_db *db,
                  const struct gpv_lint_opts *opts, const struct gpv_vgpudm *c)
{
    const struct gpv_gpu *models[MAX_MODELS];
    enum gpv_lint_selected_by by;
    struct entry_sel *sel;
    size_t i, j, k, nm;

    for (i = 0; i < c->nconfigs; i++) {
        const struct gpv_vgpudm_config *cf = &c->configs[i];

        sel = xcalloc(cf->nentries + 1, sizeof(*sel));
        for (j = 0; j < cf->nentries; j++)
            sel[j] = ENTRY_SEL(&cf->entries[j]);
        for (j = 0; j < cf->nentries; j++) {
            const struct gpv_vgpudm_entry *e = &cf->entries[j];

            by = entry_models(f, db, opts, cf->name, "vgpu-device-manager", sel, j, &sel[j], models,
                              &nm);
            if (by == GPV_LINT_BY_NAMES)
                nm = vgpu_models_knowing(f, db, e, models);
            lint_doc_add_entry(doc, cf->name, e->line, e->col, by, models, nm);
            for (k = 0; k < nm; k++)
                check_vgpu_entry(f, models[k], e);
        }
        free(sel);
    }
}
