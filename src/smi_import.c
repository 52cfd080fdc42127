/* A model's profile file from its own -lgip/-lgipp output, and its differences from the database.
 */
#include "gpuvplan/smi.h"
#include "smi_int.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The GPU whose -lgip rows are imported, after checking its data is complete. */
static int
source_gpu(const struct gpv_smi_gpu **out, const struct gpv_smi *s, struct gpv_error *err)
{
    const struct gpv_smi_gpu *g = NULL;
    int i, k, j;

    *out = NULL;
    for (i = 0; i < s->ngpus && !g; i++)
        for (k = 0; k < s->gpus[i]->nprofiles && !g; k++)
            if (s->gpus[i]->profiles[k].name)
                g = s->gpus[i];
    for (i = 0; i < s->ngpus && !g; i++)
        if (s->gpus[i]->nprofiles)
            return sm_pos_error(err, &s->gpus[i]->profiles[0].pp_pos,
                                "-lgipp lists profile id %d of GPU %d, which no -lgip row names: "
                                "add the output of nvidia-smi mig -lgip",
                                s->gpus[i]->profiles[0].id, s->gpus[i]->index);
    if (!g) {
        struct gpv_smi_pos p = {s->nfiles ? s->files[0] : "", 0, 0};

        return sm_pos_error(err, &p, "no nvidia-smi mig -lgip rows: nothing to import");
    }
    for (k = 0; k < g->nprofiles; k++) {
        const struct gpv_smi_profile *p = &g->profiles[k];

        if (!p->name)
            return sm_pos_error(err, &p->pp_pos,
                                "-lgipp lists profile id %d of GPU %d, which no -lgip row names",
                                p->id, g->index);
        if (!p->nstarts)
            return sm_pos_error(err, &p->pos,
                                "profile '%s' (id %d) of GPU %d has no -lgipp placements: add the "
                                "output of nvidia-smi mig -lgipp",
                                p->name, p->id, g->index);
        if (p->starts[p->nstarts - 1] + p->size > 32)
            return sm_pos_error(err, &p->pp_pos, "placements of '%s' run past unit 32", p->name);
    }
    for (i = 0; i < s->ngpus; i++) {
        const struct gpv_smi_gpu *o = s->gpus[i];

        if (o == g || !o->nprofiles)
            continue;
        for (k = 0; k < o->nprofiles; k++) {
            for (j = 0; j < g->nprofiles && g->profiles[j].id != o->profiles[k].id; j++)
                ;
            if (j == g->nprofiles || o->nprofiles != g->nprofiles ||
                (o->profiles[k].name && strcmp(o->profiles[k].name, g->profiles[j].name)) ||
                o->profiles[k].total != g->profiles[j].total)
                return sm_pos_error(
                    err, o->profiles[k].name ? &o->profiles[k].pos : &o->profiles[k].pp_pos,
                    "GPU %d's profiles differ from GPU %d's: import one model at "
                    "a time",
                    o->index, g->index);
        }
    }
    if (!g->name)
        return sm_pos_error(err, &g->pos,
                            "GPU %d has no name: add the output of nvidia-smi "
                            "--query-gpu=index,name,pci.device_id,memory.total,mig.mode.current "
                            "--format=csv",
                            g->index);
    if (g->memory_mib < 0)
        return sm_pos_error(err, &g->name_pos,
                            "GPU %d has no memory.total: add the output of nvidia-smi "
                            "--query-gpu=index,name,pci.device_id,memory.total,mig.mode.current "
                            "--format=csv",
                            g->index);
    *out = g;
    return 0;
}

static const struct gpv_gpu *
known_model(const struct gpv_db *db, const struct gpv_smi_gpu *g)
{
    const struct gpv_gpu *m = NULL;
    char id[16];

    if (g->device_id >= 0) {
        snprintf(id, sizeof(id), "0x%04X", (unsigned)g->device_id);
        m = gpv_db_find(db, id);
    }
    if (!m)
        m = gpv_db_find(db, g->name);
    if (!m && !strncmp(g->name, "NVIDIA ", 7))
        m = gpv_db_find(db, g->name + 7);
    return m;
}

static const char *
guess_architecture(const char *name)
{
    static const struct {
        const char *word, *arch;
    } t[] = {{"RTX PRO", "blackwell"}, {"Blackwell", "blackwell"}, {"B200", "blackwell"},
             {"B300", "blackwell"},    {"H100", "hopper"},         {"H200", "hopper"},
             {"H800", "hopper"},       {"H20", "hopper"},          {"A100", "ampere"},
             {"A800", "ampere"},       {"A30", "ampere"}};
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strstr(name, t[i].word))
            return t[i].arch;
    return NULL;
}

/* "NVIDIA A100-SXM4-40GB" -> "a100-sxm4-40gb". */
static char *
slug(const char *name)
{
    char *s = xmalloc(strlen(name) + 1), *o = s;

    if (!strncmp(name, "NVIDIA ", 7))
        name += 7;
    for (; *name; name++) {
        char c = *name;

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            *o++ = c;
        else if (o > s && o[-1] != '-')
            *o++ = '-';
    }
    while (o > s && o[-1] == '-')
        o--;
    *o = '\0';
    return s;
}

static int
compute_slices(const char *name)
{
    int n = 0;

    while (*name >= '0' && *name <= '9' && n < 100)
        n = n * 10 + (*name++ - '0');
    return *name == 'g' && n > 0 ? n : -1;
}

/* The imported model as a value tree in the docs/profiles.md format. */
static int
import_value(struct gpv_val **out, const struct gpv_db *db, const struct gpv_smi *s,
             struct gpv_error *err)
{
    const struct gpv_smi_gpu *g;
    const struct gpv_gpu *m;
    struct gpv_val *root = NULL, *a, *o, *mig, *profs;
    const char *arch;
    char *id = NULL, b[128];
    int rc, k, units = 0, slices = 0;
    size_t f;

    *out = NULL;
    if ((rc = source_gpu(&g, s, err)))
        return rc;
    m = known_model(db, g);
    arch = m ? m->architecture : guess_architecture(g->name);
    if (!arch)
        return sm_pos_error(err, &g->name_pos,
                            "cannot tell the architecture of '%s' from its name: add it to the "
                            "imported file by hand",
                            g->name);
    for (k = 0; k < g->nprofiles; k++) {
        const struct gpv_smi_profile *p = &g->profiles[k];
        int c = compute_slices(p->name);

        if (c < 0)
            return sm_pos_error(err, &p->pos, "profile name '%s' does not start with <N>g",
                                p->name);
        if (p->starts[p->nstarts - 1] + p->size > units)
            units = p->starts[p->nstarts - 1] + p->size;
        if (c > slices)
            slices = c;
    }
    id = m ? xstrdup(m->id) : slug(g->name);
    if (!*id) {
        free(id);
        return sm_pos_error(err, &g->name_pos, "cannot make a model id from '%s'", g->name);
    }
    root = gpv_val_obj();
    gpv_val_set_str(root, "id", id);
    gpv_val_set_str(root, "name", g->name);
    a = gpv_val_set(root, "aliases", gpv_val_arr());
    if (!strncmp(g->name, "NVIDIA ", 7) && strcmp(g->name + 7, id))
        gpv_val_push(a, gpv_val_str(g->name + 7));
    if (g->device_id >= 0) {
        snprintf(b, sizeof(b), "0x%04X", (unsigned)g->device_id);
        gpv_val_push(a, gpv_val_str(b));
    }
    gpv_val_set_str(root, "architecture", arch);
    gpv_val_set_int(root, "memory_mib", g->memory_mib);
    o = gpv_val_push(gpv_val_set(root, "sources", gpv_val_arr()), gpv_val_obj());
    gpv_val_set_str(o, "id", "nvidia-smi");
    if (s->driver)
        snprintf(b, sizeof(b), "imported from nvidia-smi output (driver %s)", s->driver);
    else
        snprintf(b, sizeof(b), "imported from nvidia-smi output (driver version not given)");
    gpv_val_set_str(o, "title", b);
    a = gpv_val_set(root, "notes", gpv_val_arr());
    {
        struct gpv_buf fl;

        gpv_buf_init(&fl);
        gpv_buf_puts(&fl, "written by gpuvplan import-profile from ");
        for (f = 0; f < s->nfiles; f++)
            gpv_buf_printf(&fl, "%s%s", f ? ", " : "", s->files[f]);
        gpv_buf_printf(&fl, " (GPU %d)", g->index);
        gpv_val_push(a, gpv_val_str(gpv_buf_str(&fl)));
        gpv_buf_release(&fl);
    }
    gpv_val_push(a, gpv_val_str("memory_mib is nvidia-smi's memory.total (usable memory), not "
                                "the board figure of NVIDIA's vGPU tables"));
    gpv_val_push(a, gpv_val_str("no vGPU types: nvidia-smi mig output does not list them"));
    if (!m)
        gpv_val_push(gpv_val_set(root, "inferred", gpv_val_arr()), gpv_val_str("architecture"));
    mig = gpv_val_set(root, "mig", gpv_val_obj());
    gpv_val_set_int(mig, "units", units);
    gpv_val_set_int(mig, "compute_slices", slices);
    gpv_val_set_str(mig, "source", "nvidia-smi");
    profs = gpv_val_set(mig, "profiles", gpv_val_arr());
    for (k = 0; k < g->nprofiles; k++) {
        const struct gpv_smi_profile *p = &g->profiles[k];
        struct gpv_val *po = gpv_val_push(profs, gpv_val_obj()), *st, *en;
        int i;

        gpv_val_set_str(po, "name", p->name);
        gpv_val_set_int(po, "id", p->id);
        gpv_val_set_int(po, "compute_slices", compute_slices(p->name));
        gpv_val_set_int(po, "size", p->size);
        st = gpv_val_set(po, "starts", gpv_val_arr());
        for (i = 0; i < p->nstarts; i++)
            gpv_val_push(st, gpv_val_int(p->starts[i]));
        gpv_val_set_int(po, "max", p->total);
        gpv_val_set_num(po, "memory_gib", p->memory_gib);
        gpv_val_set_int(po, "sms", p->sms);
        if (p->ce >= 0) {
            en = gpv_val_set(po, "engines", gpv_val_obj());
            gpv_val_set_int(en, "ce", p->ce);
            gpv_val_set_int(en, "nvdec", p->dec);
            gpv_val_set_int(en, "nvenc", p->enc);
            gpv_val_set_int(en, "jpeg", p->jpeg);
            gpv_val_set_int(en, "ofa", p->ofa);
        }
    }
    free(id);
    *out = root;
    return 0;
}

int
gpv_smi_import_profile(char **out, const struct gpv_db *db, const struct gpv_smi *s,
                       struct gpv_error *err)
{
    struct gpv_val *v = NULL;
    struct gpv_buf b;
    int rc;

    *out = NULL;
    if ((rc = import_value(&v, db, s, err)))
        return rc;
    gpv_buf_init(&b);
    gpv_buf_printf(&b,
                   "# %s: MIG profiles imported from nvidia-smi output by gpuvplan "
                   "import-profile.\n# Load it with --profiles DIR; see docs/profiles.md.\n",
                   gpv_val_get(v, "name")->s);
    gpv_val_write_yaml(v, &b);
    gpv_val_free(v);
    *out = gpv_buf_detach(&b);
    return 0;
}

static void
starts_text(char *b, size_t n, const int *starts, int ns, int size)
{
    size_t used = 0;
    int i;

    used += (size_t)snprintf(b, n, "{");
    for (i = 0; i < ns && used < n; i++)
        used += (size_t)snprintf(b + used, n - used, "%s%d", i ? "," : "", starts[i]);
    if (used < n)
        snprintf(b + used, n - used, "}:%d", size);
}

static int
engine_diff(struct gpv_buf *d, const char *pn, const char *what, int here, int there,
            const char *mid)
{
    if (there < 0 || here == there)
        return 0;
    gpv_buf_printf(d, "profile '%s': %s %d in nvidia-smi, %d in %s\n", pn, what, here, there, mid);
    return 1;
}

int
gpv_smi_compare(struct gpv_buf *diffs, const struct gpv_gpu *model, const struct gpv_smi *s,
                struct gpv_error *err)
{
    struct gpv_val *v = NULL;
    const struct gpv_smi_gpu *g;
    const struct gpv_val *profs;
    size_t i;
    int rc, n = 0, k;
    struct gpv_db empty;

    gpv_db_init(&empty);
    if ((rc = import_value(&v, &empty, s, err)))
        return rc;
    source_gpu(&g, s, err);
    profs = gpv_val_get(gpv_val_get(v, "mig"), "profiles");
    if (!model->mig) {
        gpv_buf_printf(diffs, "%s has no MIG in the database; nvidia-smi lists %zu profiles\n",
                       model->id, (size_t)profs->n);
        gpv_val_free(v);
        return 1;
    }
    if (model->mig->units != gpv_val_get(gpv_val_get(v, "mig"), "units")->i) {
        gpv_buf_printf(diffs, "units: %lld in nvidia-smi, %d in %s\n",
                       gpv_val_get(gpv_val_get(v, "mig"), "units")->i, model->mig->units,
                       model->id);
        n++;
    }
    if (model->mig->compute_slices != gpv_val_get(gpv_val_get(v, "mig"), "compute_slices")->i) {
        gpv_buf_printf(diffs, "compute slices: %lld in nvidia-smi, %d in %s\n",
                       gpv_val_get(gpv_val_get(v, "mig"), "compute_slices")->i,
                       model->mig->compute_slices, model->id);
        n++;
    }
    for (k = 0; k < g->nprofiles; k++) {
        const struct gpv_smi_profile *p = &g->profiles[k];
        const struct gpv_mig_profile *q = NULL;
        char here[160], there[160];

        for (i = 0; i < model->mig->nprofiles; i++)
            if (model->mig->profiles[i].id == p->id)
                q = &model->mig->profiles[i];
        if (!q) {
            gpv_buf_printf(diffs, "profile '%s' (id %d): in nvidia-smi, not in %s\n", p->name,
                           p->id, model->id);
            n++;
            continue;
        }
        if (strcmp(p->name, q->name)) {
            gpv_buf_printf(diffs, "profile id %d: named '%s' in nvidia-smi, '%s' in %s\n", p->id,
                           p->name, q->name, model->id);
            n++;
        }
        if (p->total != q->max) {
            gpv_buf_printf(diffs, "profile '%s': max %d in nvidia-smi, %d in %s\n", p->name,
                           p->total, q->max, model->id);
            n++;
        }
        starts_text(here, sizeof(here), p->starts, p->nstarts, p->size);
        starts_text(there, sizeof(there), q->starts, q->nstarts, q->size);
        if (strcmp(here, there)) {
            gpv_buf_printf(diffs, "profile '%s': placements %s in nvidia-smi, %s in %s\n", p->name,
                           here, there, model->id);
            n++;
        }
        if (fabs(p->memory_gib - q->memory_gib) > 0.005) {
            gpv_buf_printf(diffs, "profile '%s': memory %.2f GiB in nvidia-smi, %.2f GiB in %s\n",
                           p->name, p->memory_gib, q->memory_gib, model->id);
            n++;
        }
        if (q->sms && p->sms != q->sms) {
            gpv_buf_printf(diffs, "profile '%s': %d SMs in nvidia-smi, %d in %s\n", p->name, p->sms,
                           q->sms, model->id);
            n++;
        }
        n += engine_diff(diffs, p->name, "NVDEC", p->dec, q->engines.nvdec, model->id);
        n += engine_diff(diffs, p->name, "NVENC", p->enc, q->engines.nvenc, model->id);
        if (p->ce >= 0) {
            n += engine_diff(diffs, p->name, "CE", p->ce, q->engines.ce, model->id);
            n += engine_diff(diffs, p->name, "JPEG", p->jpeg, q->engines.jpeg, model->id);
            n += engine_diff(diffs, p->name, "OFA", p->ofa, q->engines.ofa, model->id);
        }
    }
    for (i = 0; i < model->mig->nprofiles; i++) {
        const struct gpv_mig_profile *q = &model->mig->profiles[i];

        for (k = 0; k < g->nprofiles && g->profiles[k].id != q->id; k++)
            ;
        if (k == g->nprofiles) {
            gpv_buf_printf(diffs, "profile '%s' (id %d): in %s, not in nvidia-smi%s\n", q->name,
                           q->id, model->id,
                           q->since_driver ? " (the database says a newer driver added it)" : "");
            n++;
        }
    }
    gpv_val_free(v);
    return n;
}
