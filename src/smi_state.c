/* What nvidia-smi output means against the database: the state document and imported models. */
#include "gpuvplan/mig.h"
#include "gpuvplan/smi.h"
#include "smi_int.h"
#include "gpuvplan/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model of g without reporting: by PCI id, then name, then name without "NVIDIA ". */
static const struct gpv_gpu *
find_model(const struct gpv_db *db, const struct gpv_smi_gpu *g)
{
    const struct gpv_gpu *m = NULL;
    char id[16];

    if (g->device_id >= 0) {
        snprintf(id, sizeof(id), "0x%04X", (unsigned)g->device_id);
        m = gpv_db_find(db, id);
    }
    if (!m && g->name)
        m = gpv_db_find(db, g->name);
    if (!m && g->name && !strncmp(g->name, "NVIDIA ", 7))
        m = gpv_db_find(db, g->name + 7);
    return m;
}

const struct gpv_gpu *
gpv_smi_model(const struct gpv_db *db, const struct gpv_smi_gpu *g, struct gpv_error *err)
{
    const struct gpv_gpu *m = find_model(db, g), *found[2];
    struct gpv_error amb;

    if (m)
        return m;
    if (!g->name && g->device_id < 0)
        sm_pos_error(err, &g->pos,
                     "GPU %d has no name or PCI device id: add the output of nvidia-smi "
                     "--query-gpu=index,name,pci.device_id,memory.total,mig.mode.current "
                     "--format=csv (or nvidia-smi -L)",
                     g->index);
    else if (g->device_id >= 0)
        sm_pos_error(err, &g->id_pos,
                     "unknown GPU '%s' (PCI device 0x%04X): no model of the database has this "
                     "name or id (gpuvplan gpus lists them; gpuvplan import-profile adds one)",
                     g->name ? g->name : "?", (unsigned)g->device_id);
    else if (gpv_db_resolve(found, 2, db, g->name) > 1 && !gpv_db_lookup(db, g->name, &amb))
        sm_pos_error(
            err, &g->name_pos,
            "%s; add pci.device_id to the nvidia-smi --query-gpu output to tell them apart",
            amb.msg);
    else
        sm_pos_error(err, &g->name_pos,
                     "unknown GPU '%s': no model of the database has this name (gpuvplan gpus "
                     "lists them; gpuvplan import-profile adds one)",
                     g->name);
    return NULL;
}

static const char *
kind_text(const struct gpv_gpu *m, const struct gpv_mig_reason *r, char *b, size_t n)
{
    const char *pn = r->profile >= 0 && (size_t)r->profile < m->mig->nprofiles
                         ? m->mig->profiles[r->profile].name
                         : "?";

    switch (r->kind) {
    case GPV_MIG_R_OVER_MAX:
        snprintf(b, n, "%d instances of %s, more than its max of %d on %s", r->count, pn, r->limit,
                 m->id);
        break;
    case GPV_MIG_R_TOO_NEW:
        snprintf(b, n, "%s needs driver R%d or newer", pn, r->limit);
        break;
    case GPV_MIG_R_CONSTRAINT:
        snprintf(b, n, "%s", m->mig->constraints[r->constraint].reason);
        break;
    case GPV_MIG_R_NO_PLACEMENT:
        snprintf(b, n, "only %d of %d instances of %s fit beside the larger ones on %s", r->limit,
                 r->count, pn, m->id);
        break;
    case GPV_MIG_R_OUT_OF_GRID:
        snprintf(b, n, "%s runs outside the %d-unit grid of %s", pn, m->mig->units, m->id);
        break;
    case GPV_MIG_R_BAD_START:
        snprintf(b, n, "%s may not start there on %s", pn, m->id);
        break;
    case GPV_MIG_R_OVERLAP:
        snprintf(b, n, "%s overlaps another instance", pn);
        break;
    default:
        snprintf(b, n, "not a valid layout on %s", m->id);
        break;
    }
    return b;
}

/* Which export entry selects GPU g (NULL for none); two is an error. */
static int
entry_of(const struct gpv_smi_entry **out, const struct gpv_db *db, const struct gpv_smi *s,
         const struct gpv_smi_gpu *g, const struct gpv_gpu *model, struct gpv_error *err)
{
    int i, k;

    *out = NULL;
    for (i = 0; i < s->nentries; i++) {
        const struct gpv_smi_entry *e = &s->entries[i];
        bool match = e->nfilters == 0;

        if (!e->all && !(e->devices >> g->index & 1))
            continue;
        for (k = 0; k < e->nfilters && !match; k++) {
            char id[16];

            snprintf(id, sizeof(id), "0x%04X", (unsigned)e->filters[k]);
            match = e->filters[k] == g->device_id || gpv_db_find(db, id) == model;
        }
        if (!match)
            continue;
        if (*out)
            return sm_pos_error(err, &e->pos,
                                "GPU %d is selected by two mig-parted entries (the other at line "
                                "%d)",
                                g->index, (*out)->pos.line);
        *out = e;
    }
    return 0;
}

/* Every explicit index of an export entry must be a GPU the other inputs describe. */
static int
check_entries(const struct gpv_smi *s, struct gpv_error *err)
{
    int i, k, j;

    for (i = 0; i < s->nentries; i++) {
        const struct gpv_smi_entry *e = &s->entries[i];

        if (e->all && !s->ngpus)
            return sm_pos_error(err, &e->pos,
                                "'devices: all' needs the GPUs of the node: add the nvidia-smi "
                                "--query-gpu or -L output");
        for (k = 0; !e->all && k < GPV_SMI_MAX_GPUS; k++) {
            if (!(e->devices >> k & 1))
                continue;
            for (j = 0; j < s->ngpus && s->gpus[j]->index != k; j++)
                ;
            if (j == s->ngpus)
                return sm_pos_error(err, &e->pos,
                                    "mig-parted entry names GPU %d, which no --query-gpu row or -L "
                                    "line describes",
                                    k);
        }
    }
    return 0;
}

static void
put_instance(struct gpv_val *arr, const struct gpv_mig_profile *p, int start, int gi)
{
    struct gpv_val *o = gpv_val_push(arr, gpv_val_obj());

    gpv_val_set_str(o, "profile", p->name);
    gpv_val_set_int(o, "profile_id", p->id);
    if (start >= 0)
        gpv_val_set_int(o, "start", start);
    else
        gpv_val_set(o, "start", gpv_val_null());
    gpv_val_set_int(o, "size", p->size);
    if (gi >= 0)
        gpv_val_set_int(o, "gi_id", gi);
    else
        gpv_val_set(o, "gi_id", gpv_val_null());
}

static void note(struct gpv_val *notes, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
note(struct gpv_val *notes, const char *fmt, ...)
{
    struct gpv_buf b;
    va_list ap;

    gpv_buf_init(&b);
    va_start(ap, fmt);
    {
        char tmp[512];

        vsnprintf(tmp, sizeof(tmp), fmt, ap);
        gpv_buf_puts(&b, tmp);
    }
    va_end(ap);
    gpv_val_push(notes, gpv_val_str(gpv_buf_str(&b)));
    gpv_buf_release(&b);
}

/* The instances of a GPU from -lgi: exact placements, checked as the hardware would. */
static int
lgi_instances(struct gpv_val *arr, const struct gpv_gpu *m, const struct gpv_smi_gpu *g, int driver,
              struct gpv_val *notes, const char *gid, struct gpv_error *err)
{
    struct gpv_mig_layout lay;
    struct gpv_mig_reason why[4];
    int order[GPV_SMI_MAX_INSTANCES];
    int i, k, n;
    char b[256];

    lay.n = g->ninst;
    for (i = 0; i < g->ninst; i++) {
        const struct gpv_smi_instance *in = &g->inst[i];
        char id[16];
        int p;

        snprintf(id, sizeof(id), "%d", in->profile_id);
        p = -1;
        for (k = 0; k < (int)m->mig->nprofiles; k++)
            if (m->mig->profiles[k].id == in->profile_id)
                p = k;
        if (p < 0)
            return sm_pos_error(err, &in->id_pos, "%s has no MIG profile with id %d (%s)", m->id,
                                in->profile_id, in->profile);
        if (strcmp(m->mig->profiles[p].name, in->profile))
            note(notes, "%s: nvidia-smi names profile %d '%s'; the database names it '%s'", gid,
                 in->profile_id, in->profile, m->mig->profiles[p].name);
        if (in->size != m->mig->profiles[p].size)
            return sm_pos_error(err, &in->pl_pos,
                                "placement %d:%d of %s has size %d, but the profile takes %d "
                                "units on %s",
                                in->start, in->size, in->profile, in->size,
                                m->mig->profiles[p].size, m->id);
        lay.inst[i].profile = p;
        lay.inst[i].start = in->start;
    }
    n = gpv_mig_check_layout(why, 4, m, &lay, driver);
    if (n > 0) {
        int at = why[0].instance >= 0 && why[0].instance < g->ninst ? why[0].instance : 0;
        const struct gpv_smi_instance *in = &g->inst[at];

        if (why[0].kind == GPV_MIG_R_OVERLAP && why[0].other >= 0 && why[0].other < g->ninst)
            return sm_pos_error(err, &in->pl_pos,
                                "impossible layout on GPU %d: %s at %d:%d overlaps %s at %d:%d "
                                "(line %d)",
                                g->index, in->profile, in->start, in->size,
                                g->inst[why[0].other].profile, g->inst[why[0].other].start,
                                g->inst[why[0].other].size, g->inst[why[0].other].pos.line);
        if (why[0].kind == GPV_MIG_R_BAD_START) {
            const struct gpv_mig_profile *p = &m->mig->profiles[why[0].profile];
            char starts[128];
            size_t used = 0;

            starts[0] = '\0';
            for (k = 0; k < p->nstarts && used + 4 < sizeof(starts); k++)
                used += (size_t)snprintf(starts + used, sizeof(starts) - used, "%s%d", k ? "," : "",
                                         p->starts[k]);
            return sm_pos_error(err, &in->pl_pos,
                                "impossible layout on GPU %d: %s may not start at unit %d on %s "
                                "(allowed: %s)",
                                g->index, p->name, in->start, m->id, starts);
        }
        return sm_pos_error(err, &in->pl_pos, "impossible layout on GPU %d: %s", g->index,
                            kind_text(m, &why[0], b, sizeof(b)));
    }
    for (i = 0; i < g->ninst; i++)
        order[i] = i;
    for (i = 1; i < g->ninst; i++)
        for (k = i; k > 0 && g->inst[order[k]].start < g->inst[order[k - 1]].start; k--) {
            int t = order[k];

            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (i = 0; i < g->ninst; i++)
        put_instance(arr, &m->mig->profiles[lay.inst[order[i]].profile], g->inst[order[i]].start,
                     g->inst[order[i]].gi_id);
    return 0;
}

/* The counts of a GPU from a mig-parted export entry: a valid multiset, placements unknown. */
static int
export_counts(int *counts, const struct gpv_gpu *m, const struct gpv_smi_entry *e, int driver,
              struct gpv_error *err)
{
    struct gpv_mig_reason why;
    char b[256];
    int i;

    memset(counts, 0, sizeof(int) * m->mig->nprofiles);
    for (i = 0; i < e->ncounts; i++) {
        const struct gpv_smi_count *c = &e->counts[i];
        int p = gpv_gpu_find_profile(m, c->profile);

        if (p < 0) {
            int s = gpv_gpu_suggest_profile(m, c->profile);

            if (strchr(c->profile, 'c') && strchr(c->profile, 'c') < strchr(c->profile, 'g'))
                return sm_pos_error(err, &c->pos,
                                    "compute-instance profile '%s' is not supported: the state "
                                    "records GPU instances",
                                    c->profile);
            return sm_pos_error(err, &c->pos, "%s has no MIG profile '%s'%s%s%s", m->id, c->profile,
                                s >= 0 ? " (did you mean '" : "",
                                s >= 0 ? m->mig->profiles[s].name : "", s >= 0 ? "'?)" : "");
        }
        counts[p] += c->count;
    }
    if (gpv_mig_explain(&why, 1, m, counts, driver) > 0)
        return sm_pos_error(err, &e->pos, "impossible layout on %s: %s", m->id,
                            kind_text(m, &why, b, sizeof(b)));
    return 0;
}

static int
state_gpu(struct gpv_val *gpus, struct gpv_val *notes, const char **model_id,
          const struct gpv_db *db, const struct gpv_smi *s, const char *node,
          const struct gpv_smi_gpu *g, struct gpv_error *err)
{
    const struct gpv_gpu *m = gpv_smi_model(db, g, err);
    const struct gpv_smi_entry *e = NULL;
    struct gpv_val *o, *inst;
    int counts[GPV_MIG_MAX_PROFILES];
    int driver = 0, rc, i, k, total = 0;
    bool mig;
    char gid[GPV_SMI_NAME_MAX + 16], b[64];
    const char *known;

    if (!m)
        return GPV_EINPUT;
    *model_id = m->id;
    if (s->driver)
        gpv_mig_parse_driver(&driver, s->driver);
    if ((rc = entry_of(&e, db, s, g, m, err)))
        return rc;
    snprintf(gid, sizeof(gid), "%s/%d", node, g->index);
    mig = g->mig_mode == 1 || g->ninst > 0 || (e && e->mig_enabled);
    if (g->mig_mode == 0 && g->ninst > 0)
        return sm_pos_error(err, &g->inst[0].pos,
                            "GPU %d has MIG instances but its mig.mode.current is Disabled (%s:%d)",
                            g->index, g->mode_pos.file, g->mode_pos.line);
    if (g->mig_mode == 0 && e && e->mig_enabled)
        return sm_pos_error(err, &e->pos,
                            "mig-parted says MIG is enabled on GPU %d but its mig.mode.current is "
                            "Disabled (%s:%d)",
                            g->index, g->mode_pos.file, g->mode_pos.line);
    if (g->mig_mode == 1 && e && !e->mig_enabled)
        return sm_pos_error(err, &e->pos,
                            "mig-parted says MIG is disabled on GPU %d but its mig.mode.current is "
                            "Enabled (%s:%d)",
                            g->index, g->mode_pos.file, g->mode_pos.line);
    if (mig && !m->mig)
        return sm_pos_error(err,
                            g->ninst ? &g->inst[0].pos
                            : e      ? &e->pos
                                     : &g->mode_pos,
                            "GPU %d (%s) has no MIG", g->index, m->id);
    if (mig && e && (rc = export_counts(counts, m, e, driver, err)))
        return rc;
    if (mig && e)
        for (i = 0; i < (int)m->mig->nprofiles; i++)
            total += counts[i];

    o = gpv_val_push(gpus, gpv_val_obj());
    gpv_val_set_str(o, "id", gid);
    gpv_val_set_str(o, "node", node);
    gpv_val_set_int(o, "index", g->index);
    gpv_val_set_str(o, "model", m->id);
    if (g->name)
        gpv_val_set_str(o, "name", g->name);
    else
        gpv_val_set(o, "name", gpv_val_null());
    if (g->device_id >= 0) {
        snprintf(b, sizeof(b), "0x%04X", (unsigned)g->device_id);
        gpv_val_set_str(o, "pci_device_id", b);
    } else {
        gpv_val_set(o, "pci_device_id", gpv_val_null());
    }
    if (g->memory_mib >= 0)
        gpv_val_set_int(o, "memory_mib", g->memory_mib);
    else
        gpv_val_set(o, "memory_mib", gpv_val_null());
    gpv_val_set_str(o, "mode", mig ? "mig" : "whole");
    if (!mig && m->mig && g->mig_mode < 0 && !e)
        note(notes, "%s: MIG mode not reported (no mig.mode.current); taken as whole", gid);

    if (!mig || g->ninst || s->any_lgi || (e && total == 0))
        known = "exact";
    else if (e)
        known = "counts";
    else
        known = "unknown";
    if (mig && !strcmp(known, "unknown"))
        note(notes,
             "%s: MIG is enabled but no -lgi table or mig-parted export lists its "
             "instances",
             gid);
    if (!strcmp(known, "counts"))
        note(notes,
             "%s: instances from a mig-parted export: counts only, starts unknown "
             "(null)",
             gid);
    gpv_val_set_str(o, "instances_known", known);
    inst = gpv_val_set(o, "instances", gpv_val_arr());
    if (mig && s->any_lgi && e) {
        int c[GPV_MIG_MAX_PROFILES];
        struct gpv_mig_layout lay;

        lay.n = g->ninst;
        for (i = 0; i < g->ninst; i++) {
            snprintf(b, sizeof(b), "%d", g->inst[i].profile_id);
            lay.inst[i].profile = gpv_gpu_find_profile(m, b);
            lay.inst[i].start = g->inst[i].start;
        }
        gpv_mig_layout_counts(c, m, &lay);
        if (memcmp(counts, c, sizeof(int) * m->mig->nprofiles))
            return sm_pos_error(err, &e->pos,
                                "the mig-parted export counts of GPU %d differ from its -lgi "
                                "instances",
                                g->index);
    }
    if (g->ninst)
        return lgi_instances(inst, m, g, driver, notes, gid, err);
    if (!strcmp(known, "counts"))
        for (i = 0; i < (int)m->mig->nprofiles; i++)
            for (k = 0; k < counts[i]; k++)
                put_instance(inst, &m->mig->profiles[i], -1, -1);
    return 0;
}

int
gpv_smi_state(struct gpv_val **out, const struct gpv_db *db, const struct gpv_smi *nodes, size_t n,
              struct gpv_error *err)
{
    struct gpv_val *root = gpv_val_obj(), *files, *nv, *gpus, *notes;
    size_t i, k, f;
    int rc = 0;
    int j;

    *out = NULL;
    gpv_val_set_str(root, "schema", "gpuvplan.state/1");
    files = gpv_val_set(gpv_val_set(root, "input", gpv_val_obj()), "files", gpv_val_arr());
    nv = gpv_val_set(root, "nodes", gpv_val_arr());
    gpus = gpv_val_set(root, "gpus", gpv_val_arr());
    notes = gpv_val_arr(); /* set last, after the GPUs that add to it */
    for (i = 0; i < n; i++) {
        const struct gpv_smi *s = &nodes[i];
        const char *model = NULL, *mid;
        bool same = true;
        struct gpv_val *no;

        if (!s->node) {
            rc = gpv_error_set(err, GPV_EINPUT, s->nfiles ? s->files[0] : NULL, 0, 0,
                               "input without a node name");
            goto out;
        }
        for (k = 0; k < i; k++)
            if (!strcmp(nodes[k].node, s->node)) {
                rc = sm_pos_error(err, &s->node_pos, "node '%s' is given twice", s->node);
                goto out;
            }
        for (f = 0; f < s->nfiles; f++)
            gpv_val_push(files, gpv_val_str(s->files[f]));
        if ((rc = check_entries(s, err)))
            goto out;
        for (j = 0; j < s->ngpus; j++) {
            if ((rc = state_gpu(gpus, notes, &mid, db, s, s->node, s->gpus[j], err)))
                goto out;
            if (model && strcmp(model, mid))
                same = false;
            model = mid;
        }
        no = gpv_val_push(nv, gpv_val_obj());
        gpv_val_set_str(no, "name", s->node);
        if (model && same)
            gpv_val_set_str(no, "model", model);
        else
            gpv_val_set(no, "model", gpv_val_null());
        gpv_val_set_int(no, "gpus", s->ngpus);
        if (s->driver)
            gpv_val_set_str(no, "driver", s->driver);
        else
            gpv_val_set(no, "driver", gpv_val_null());
    }
    gpv_val_set(root, "notes", notes);
    notes = NULL;
    *out = root;
    root = NULL;
out:
    gpv_val_free(notes);
    gpv_val_free(root);
    return rc;
}
