/* The YAML of `nvidia-mig-parted export` (formats.md §1), read for its counts. */
#include "gpuvplan/smi.h"
#include "gpuvplan/util.h"
#include "smi_int.h"

#include <string.h>

static int
export_entry(struct gpv_smi *s, const struct gpv_ydoc *doc, const struct gpv_ynode *e,
             const char *file, struct gpv_error *err)
{
    static const char *const keys[] = {"device-filter", "devices", "mig-enabled", "mig-devices"};
    struct gpv_smi_entry *en;
    const struct gpv_ynode *v;
    size_t i, k;
    int rc;

    if ((rc = gpv_y_expect(doc, e, GPV_Y_MAP, "an entry of the mig-parted config", err)))
        return rc;
    for (i = 0; i < e->n; i++) {
        const struct gpv_ynode *key = e->items[2 * i];

        for (k = 0; k < 4 && strcmp(key->str, keys[k]); k++)
            ;
        if (k == 4)
            return gpv_y_error(err, GPV_EINPUT, doc, key,
                               "unknown key '%s' in a mig-parted entry (expected device-filter, "
                               "devices, mig-enabled, mig-devices)",
                               gpv_quotable(key->str) ? key->str : "?");
    }
    if (s->nentries == GPV_SMI_MAX_ENTRIES)
        return gpv_y_error(err, GPV_EINPUT, doc, e, "more than %d mig-parted entries",
                           GPV_SMI_MAX_ENTRIES);
    en = &s->entries[s->nentries++];
    memset(en, 0, sizeof(*en));
    en->pos.file = file;
    en->pos.line = e->line;
    en->pos.col = e->col;
    if (!(v = gpv_ymap_get(e, "devices")))
        return gpv_y_error(err, GPV_EINPUT, doc, e, "mig-parted entry without 'devices'");
    if (v->kind == GPV_Y_SCALAR && !strcmp(v->str, "all")) {
        en->all = true;
    } else {
        if ((rc = gpv_y_expect(doc, v, GPV_Y_SEQ, "'devices' (all or a list of indexes)", err)))
            return rc;
        for (i = 0; i < v->n; i++) {
            long long d;

            if ((rc = gpv_y_int(&d, doc, v->items[i], 0, GPV_SMI_MAX_GPUS - 1, "a device index",
                                err)))
                return rc;
            en->devices |= 1ULL << d;
        }
    }
    if ((v = gpv_ymap_get(e, "device-filter"))) {
        const struct gpv_ynode *one = v;
        size_t nf = v->kind == GPV_Y_SEQ ? v->n : 1;

        if (nf > 16)
            return gpv_y_error(err, GPV_EINPUT, doc, v, "more than 16 device filters");
        for (i = 0; i < nf; i++) {
            const char *str;

            if (v->kind == GPV_Y_SEQ)
                one = v->items[i];
            if ((rc = gpv_y_str(&str, doc, one, "a device filter", err)))
                return rc;
            if (!gpv_smi_parse_pci_id(&en->filters[i], str))
                return gpv_y_error(err, GPV_EINPUT, doc, one,
                                   "expected a PCI id such as 0x233010DE, not '%s'",
                                   gpv_quotable(str) ? str : "?");
        }
        en->nfilters = (int)nf;
    }
    if (!(v = gpv_ymap_get(e, "mig-enabled")))
        return gpv_y_error(err, GPV_EINPUT, doc, e, "mig-parted entry without 'mig-enabled'");
    if ((rc = gpv_y_bool(&en->mig_enabled, doc, v, "'mig-enabled'", err)))
        return rc;
    v = gpv_ymap_get(e, "mig-devices");
    if (en->mig_enabled && !v)
        return gpv_y_error(err, GPV_EINPUT, doc, e,
                           "'mig-enabled: true' needs 'mig-devices' ({} for no instances)");
    if (!v)
        return 0;
    if ((rc = gpv_y_expect(doc, v, GPV_Y_MAP, "'mig-devices'", err)))
        return rc;
    if (!en->mig_enabled && v->n)
        return gpv_y_error(err, GPV_EINPUT, doc, v, "MIG devices listed with 'mig-enabled: false'");
    if (v->n > GPV_SMI_MAX_INSTANCES)
        return gpv_y_error(err, GPV_EINPUT, doc, v, "more than %d profiles in one entry",
                           GPV_SMI_MAX_INSTANCES);
    en->counts = xcalloc(v->n ? v->n : 1, sizeof(*en->counts));
    for (i = 0; i < v->n; i++) {
        const struct gpv_ynode *key = v->items[2 * i];
        long long c;

        if ((rc = gpv_y_int(&c, doc, v->items[2 * i + 1], 0, GPV_SMI_MAX_INSTANCES,
                            "an instance count", err)))
            return rc;
        if (strlen(key->str) > GPV_SMI_NAME_MAX)
            return gpv_y_error(err, GPV_EINPUT, doc, key, "profile name is too long");
        en->counts[i].profile = xstrdup(key->str);
        en->counts[i].count = (int)c;
        en->counts[i].pos.file = file;
        en->counts[i].pos.line = key->line;
        en->counts[i].pos.col = key->col;
        en->ncounts++;
    }
    return 0;
}

int
sm_read_export(struct gpv_smi *s, const struct gpv_ydoc *doc, const char *file,
               struct gpv_error *err)
{
    const struct gpv_ynode *root = doc->root, *v, *cfgs, *list;
    size_t i;
    int rc;

    if ((rc = gpv_y_expect(doc, root, GPV_Y_MAP, "a mig-parted config", err)))
        return rc;
    for (i = 0; i < root->n; i++) {
        const char *k = root->items[2 * i]->str;

        if (strcmp(k, "version") && strcmp(k, "mig-configs"))
            return gpv_y_error(err, GPV_EINPUT, doc, root->items[2 * i],
                               "unknown key '%s' in a mig-parted config (expected version, "
                               "mig-configs)",
                               gpv_quotable(k) ? k : "?");
    }
    v = gpv_ymap_get(root, "version");
    if (!v || v->kind != GPV_Y_SCALAR || strcmp(v->str, "v1"))
        return gpv_y_error(err, GPV_EINPUT, doc, v ? v : root,
                           "a mig-parted config needs 'version: v1'");
    if (!(cfgs = gpv_ymap_get(root, "mig-configs")))
        return gpv_y_error(err, GPV_EINPUT, doc, root, "a mig-parted config needs 'mig-configs'");
    if ((rc = gpv_y_expect(doc, cfgs, GPV_Y_MAP, "'mig-configs'", err)))
        return rc;
    if (cfgs->n != 1)
        return gpv_y_error(err, GPV_EINPUT, doc, cfgs,
                           "expected one config, as nvidia-mig-parted export prints, not %zu",
                           cfgs->n);
    list = cfgs->items[1];
    if ((rc = gpv_y_expect(doc, list, GPV_Y_SEQ, "the config's entries", err)))
        return rc;
    for (i = 0; i < list->n; i++)
        if ((rc = export_entry(s, doc, list->items[i], file, err)))
            return rc;
    return 0;
}
