/*
 * Export, second step: the files of each target (docs/export.md), written from the nodes and
 * layouts export.c read. Formats: ../shared/reference/formats.md §1 (mig-parted), §2
 * (vgpu-device-manager), §3 (device plugin), §4 (DRA).
 */
#include "export_int.h"

#include <stdlib.h>
#include <string.h>

#define EXPORT_LIST_MAX 10 /* nodes named in one comment; the labels export lists them all */

/* A comment line's text: control characters (a newline would end the comment) become '?'. */
static void
put_comment_text(struct gpv_buf *out, const char *s)
{
    for (; *s; s++)
        gpv_buf_putc(out, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* Appends the model's device-filter ids ("0x233010DE"); returns how many. */
static size_t
device_filter(struct gpv_buf *out, const struct gpv_gpu *model)
{
    size_t i, n = 0;

    for (i = 0; i < model->naliases; i++) {
        struct gpv_pci_id id;

        if (!gpv_pci_id_parse(&id, model->aliases[i]) || (id.vendor && id.vendor != 0x10DE) ||
            id.subsys_device)
            continue;
        gpv_buf_printf(out, "%s\"0x%04X10DE\"", n ? ", " : "", id.device);
        n++;
    }
    return n;
}

/* "    - device-filter: ..." for an entry of the node's model, or "    - " without ids. */
static void
entry_start(struct gpv_buf *out, const struct gpv_gpu *model)
{
    struct gpv_buf ids;
    size_t n;

    gpv_buf_init(&ids);
    n = device_filter(&ids, model);
    if (n == 1)
        gpv_buf_printf(out, "    - device-filter: %s\n      ", gpv_buf_str(&ids));
    else if (n > 1)
        gpv_buf_printf(out, "    - device-filter: [%s]\n      ", gpv_buf_str(&ids));
    else
        gpv_buf_puts(out, "    - ");
    gpv_buf_release(&ids);
}

static bool
counts_equal(const struct gpv_export_count *a, size_t na, const struct gpv_export_count *b,
             size_t nb)
{
    size_t i;

    if (na != nb)
        return false;
    for (i = 0; i < na; i++)
        if (strcmp(a[i].name, b[i].name) || a[i].count != b[i].count)
            return false;
    return true;
}

static bool
mig_on(const struct gpv_export_gpu *g)
{
    return g->mode == GPV_EXPORT_MIG || g->mode == GPV_EXPORT_MIG_VGPU;
}

/* Same entry in a mig-parted (mig) or vgpu-device-manager (!mig) config. */
static bool
same_entry(const struct gpv_export_gpu *a, const struct gpv_export_gpu *b, bool mig)
{
    if (mig)
        return mig_on(a) == mig_on(b) &&
               counts_equal(a->profiles, a->nprofiles, b->profiles, b->nprofiles);
    return counts_equal(a->types, a->ntypes, b->types, b->ntypes);
}

/* "devices: all" or the list of indexes i whose GPU has the same entry as g. */
static void
put_devices(struct gpv_buf *out, const struct gpv_export_node *nd, size_t first, bool mig)
{
    size_t i, n = 0;
    struct gpv_buf list;

    gpv_buf_init(&list);
    for (i = first; i < nd->ngpus; i++)
        if (same_entry(&nd->gpus[first], &nd->gpus[i], mig))
            gpv_buf_printf(&list, "%s%zu", n++ ? ", " : "", i);
    if (first == 0 && n == nd->ngpus)
        gpv_buf_puts(out, "devices: all\n");
    else
        gpv_buf_printf(out, "devices: [%s]\n", gpv_buf_str(&list));
    gpv_buf_release(&list);
}

/* True when an earlier index of the node has the same entry (it was written with it). */
static bool
merged_before(const struct gpv_export_node *nd, size_t i, bool mig)
{
    size_t j;

    for (j = 0; j < i; j++)
        if (same_entry(&nd->gpus[j], &nd->gpus[i], mig))
            return true;
    return false;
}

/* The nodes that select the config of kind k that node `first` selects, as a comment line. */
static void
config_comment(struct gpv_buf *out, const struct gpv_export_site *s, size_t first,
               enum gpv_export_config k)
{
    const struct gpv_export_node *nd = &s->nodes[first];
    size_t i, n = 0;

    gpv_buf_puts(out, "  # nodes ");
    for (i = first; i != GPV_EXPORT_NONE; i = s->nodes[i].next[k], n++) {
        if (n >= EXPORT_LIST_MAX)
            continue;
        if (i != first)
            gpv_buf_puts(out, ", ");
        put_comment_text(out, s->nodes[i].name);
    }
    if (n > EXPORT_LIST_MAX)
        gpv_buf_printf(out, " and %zu more", n - EXPORT_LIST_MAX);
    if (k != GPV_EXPORT_CFG_PLUGIN)
        gpv_buf_printf(out, " (%s, %zu GPUs)", nd->model->id, nd->ngpus);
    gpv_buf_putc(out, '\n');
}

static void
header(struct gpv_buf *out, const struct gpv_export_site *s, const char *what)
{
    gpv_buf_printf(out, "# %s of plan ", what);
    put_comment_text(out, s->plan);
    gpv_buf_puts(out,
                 ",\n# written by gpuvplan export (docs/export.md). Do not edit: export again.\n");
}

static void
write_migparted(struct gpv_buf *out, const struct gpv_export_site *s)
{
    size_t i, k, c;

    header(out, s, "mig-parted config for the nodes");
    gpv_buf_puts(
        out,
        "# A node selects its config with the label nvidia.com/mig.config (gpuvplan export --to\n"
        "# labels). MIG placements cannot be expressed in this file: NVML places each instance\n"
        "# and mig-parted tries orderings of the list until one fits. Every layout below is a\n"
        "# set of instances that `gpuvplan check` proved placeable on its model, so an ordering\n"
        "# exists; the start units NVML picks may differ from the plan's drawing. GPUs without\n"
        "# MIG instances in the plan (passthrough, time-sliced vGPU, unused) get MIG disabled,\n"
        "# except unused GPUs of a node on the device plugin's single strategy: they get the\n"
        "# node's one layout, which that strategy needs on every GPU.\n"
        "version: v1\n"
        "mig-configs:\n"
        "  all-disabled:\n"
        "    - devices: all\n"
        "      mig-enabled: false\n");
    for (i = 0; i < s->nnodes; i++) {
        const struct gpv_export_node *nd = &s->nodes[i];

        if (nd->first[GPV_EXPORT_CFG_MIG] != i)
            continue;
        config_comment(out, s, i, GPV_EXPORT_CFG_MIG);
        gpv_buf_printf(out, "  %s:\n", nd->config[GPV_EXPORT_CFG_MIG]);
        for (k = 0; k < nd->ngpus; k++) {
            const struct gpv_export_gpu *g = &nd->gpus[k];

            if (merged_before(nd, k, true))
                continue;
            entry_start(out, nd->model);
            put_devices(out, nd, k, true);
            if (!mig_on(g)) {
                gpv_buf_puts(out, "      mig-enabled: false\n");
                continue;
            }
            gpv_buf_printf(out, "      mig-enabled: true\n      mig-devices:%s\n",
                           g->nprofiles ? "" : " {}");
            for (c = 0; c < g->nprofiles; c++)
                gpv_buf_printf(out, "        \"%s\": %d\n", g->profiles[c].name,
                               g->profiles[c].count);
        }
    }
}

static void
write_vgpudm(struct gpv_buf *out, const struct gpv_export_site *s)
{
    size_t i, k, c, nconfigs = 0;

    header(out, s, "vgpu-device-manager config for the nodes");
    gpv_buf_puts(
        out,
        "# A node selects its config with the label nvidia.com/vgpu.config (gpuvplan export --to\n"
        "# labels). One entry per group of GPUs with the same vGPU types; GPUs without vGPUs in\n"
        "# the plan are in no entry. MIG-backed types make the manager create their MIG\n"
        "# instances first (the same instances the mig-parted export lists). Mixed-size\n"
        "# placement ids cannot be expressed here, only counts.\n");
    for (i = 0; i < s->nnodes; i++)
        nconfigs += s->nodes[i].first[GPV_EXPORT_CFG_VGPU] == i;
    if (!nconfigs) {
        /* The format needs a non-empty map; an empty document says there is nothing. */
        gpv_buf_puts(out, "# The plan has no vGPU on any node: nothing to configure.\n");
        return;
    }
    gpv_buf_puts(out, "version: v1\nvgpu-configs:\n");
    for (i = 0; i < s->nnodes; i++) {
        const struct gpv_export_node *nd = &s->nodes[i];

        if (nd->first[GPV_EXPORT_CFG_VGPU] != i)
            continue;
        config_comment(out, s, i, GPV_EXPORT_CFG_VGPU);
        gpv_buf_printf(out, "  %s:\n", nd->config[GPV_EXPORT_CFG_VGPU]);
        for (k = 0; k < nd->ngpus; k++) {
            const struct gpv_export_gpu *g = &nd->gpus[k];

            if (!g->ntypes || merged_before(nd, k, false))
                continue;
            entry_start(out, nd->model);
            put_devices(out, nd, k, false);
            gpv_buf_puts(out, "      vgpu-devices:\n");
            for (c = 0; c < g->ntypes; c++)
                gpv_buf_printf(out, "        \"%s\": %d\n", g->types[c].name, g->types[c].count);
        }
    }
}

/* The device plugin's resource name of a MIG profile: nvidia.com/mig-<profile>, '+' as '.'. */
static void
put_mig_resource(struct gpv_buf *out, const char *profile)
{
    gpv_buf_puts(out, "nvidia.com/mig-");
    for (; *profile; profile++)
        gpv_buf_putc(out, *profile == '+' ? '.' : *profile);
}

/* The resources a node advertises, as a comment. */
static void
resources_comment(struct gpv_buf *out, const struct gpv_export_node *nd, const char *strategy)
{
    const char *seen[64];
    size_t nseen = 0, i, k, j;
    bool whole = false, non_mig = false;

    gpv_buf_puts(out, "  #   ");
    put_comment_text(out, nd->name);
    gpv_buf_puts(out, " advertises");
    for (i = 0; i < nd->ngpus; i++) {
        const struct gpv_export_gpu *g = &nd->gpus[i];

        non_mig = non_mig || g->mode != GPV_EXPORT_MIG;
        if (g->mode != GPV_EXPORT_MIG || !strcmp(strategy, "none")) {
            whole = whole || g->mode == GPV_EXPORT_PASSTHROUGH || g->mode == GPV_EXPORT_UNUSED ||
                    g->mode == GPV_EXPORT_MIG || g->mode == GPV_EXPORT_TIME_SLICING ||
                    g->mode == GPV_EXPORT_MPS;
            continue;
        }
        for (k = 0; k < g->nprofiles; k++) {
            for (j = 0; j < nseen && strcmp(seen[j], g->profiles[k].name); j++)
                ;
            if (j < nseen || nseen == 64)
                continue;
            seen[nseen++] = g->profiles[k].name;
            if (!strcmp(strategy, "single")) {
                gpv_buf_printf(out, " nvidia.com/gpu (each %s instance)", g->profiles[k].name);
                continue;
            }
            gpv_buf_putc(out, ' ');
            put_mig_resource(out, g->profiles[k].name);
            for (j = 0; j < nd->nsliced && strcmp(nd->sliced[j].name, g->profiles[k].name); j++)
                ;
            if (j < nd->nsliced)
                gpv_buf_printf(out, " (%d replicas of each instance, time-sliced)",
                               nd->sliced[j].count);
        }
    }
    if (whole && nd->sharing != GPV_EXPORT_UNUSED)
        gpv_buf_printf(out, " nvidia.com/gpu (%d replicas of each GPU, %s)", nd->sharing_replicas,
                       nd->sharing == GPV_EXPORT_MPS ? "MPS" : "time-sliced");
    else if (whole)
        gpv_buf_puts(out, " nvidia.com/gpu");
    if (!nseen && !whole)
        gpv_buf_puts(out, " no container GPUs (vGPU only)");
    gpv_buf_putc(out, '\n');
    /* The single strategy needs every GPU of the node in MIG mode with the one profile. */
    if (!strcmp(strategy, "single") && (non_mig || nseen > 1))
        gpv_buf_puts(out, "  #   warning: not one MIG profile on every GPU: GPU feature discovery "
                          "marks the node MIG-INVALID\n");
}

static void
write_devplugin(struct gpv_buf *out, const struct gpv_export_site *s)
{
    size_t i, j, n;

    header(out, s, "k8s device-plugin configs for the nodes");
    gpv_buf_puts(
        out,
        "# One ConfigMap key per node layout; a node selects its key with the label\n"
        "# nvidia.com/device-plugin.config (gpuvplan export --to labels). Give the GPU Operator\n"
        "# this ConfigMap with devicePlugin.config.name=gpuvplan-device-plugin-config. Nodes "
        "whose\n"
        "# GPUs the plan shares get a `sharing` section (timeSlicing or mps) that replicates\n"
        "# nvidia.com/gpu; the plugin applies it to every GPU of the node. Time-slicing limits\n"
        "# no memory: the plan keeps the clients' memory within each GPU as headroom only.\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: gpuvplan-device-plugin-config\n"
        "data:\n");
    for (i = 0; i < s->nnodes; i++) {
        const struct gpv_export_node *nd = &s->nodes[i];
        const char *name = nd->config[GPV_EXPORT_CFG_PLUGIN];
        const char *strategy = "none";

        if (nd->first[GPV_EXPORT_CFG_PLUGIN] != i)
            continue;
        for (j = 0; j < nd->ngpus; j++)
            if (nd->gpus[j].mode == GPV_EXPORT_MIG)
                strategy = nd->mig_strategy;
        config_comment(out, s, i, GPV_EXPORT_CFG_PLUGIN);
        for (j = i, n = 0; j != GPV_EXPORT_NONE; j = s->nodes[j].next[GPV_EXPORT_CFG_PLUGIN])
            if (n++ < EXPORT_LIST_MAX)
                resources_comment(out, &s->nodes[j], strategy);
        if (n > EXPORT_LIST_MAX)
            gpv_buf_printf(out, "  #   and %zu more nodes\n", n - EXPORT_LIST_MAX);
        gpv_buf_printf(out, "  %s: |\n    version: v1\n    flags:\n      migStrategy: %s\n", name,
                       strategy);
        if (nd->nsliced) {
            /* Time-sliced MIG instances (README "With CUDA Time-Slicing": nvidia.com/gpu and
               the resources of the mixed strategy), with shared whole GPUs if any. */
            gpv_buf_puts(out, "    sharing:\n"
                              "      timeSlicing:\n"
                              "        renameByDefault: false\n"
                              "        failRequestsGreaterThanOne: true\n"
                              "        resources:\n");
            if (nd->sharing != GPV_EXPORT_UNUSED)
                gpv_buf_printf(out, "          - name: nvidia.com/gpu\n            replicas: %d\n",
                               nd->sharing_replicas);
            for (j = 0; j < nd->nsliced; j++) {
                gpv_buf_puts(out, "          - name: ");
                if (!strcmp(strategy, "single"))
                    gpv_buf_puts(out, "nvidia.com/gpu");
                else
                    put_mig_resource(out, nd->sliced[j].name);
                gpv_buf_printf(out, "\n            replicas: %d\n", nd->sliced[j].count);
            }
        } else if (nd->sharing != GPV_EXPORT_UNUSED)
            gpv_buf_printf(out,
                           "    sharing:\n"
                           "      %s:\n"
                           "        renameByDefault: false\n"
                           "        failRequestsGreaterThanOne: true\n"
                           "        resources:\n"
                           "          - name: nvidia.com/gpu\n"
                           "            replicas: %d\n",
                           nd->sharing == GPV_EXPORT_MPS ? "mps" : "timeSlicing",
                           nd->sharing_replicas);
    }
}

static void
write_dra(struct gpv_buf *out, const struct gpv_export_site *s)
{
    size_t i, skipped = 0, shared = 0;

    header(out, s, "DRA ResourceClaimTemplates for the tenants");
    gpv_buf_puts(
        out,
        "# One template per tenant served to pods by the NVIDIA DRA driver (gpu.nvidia.com): a\n"
        "# pod of each replica references it (resourceClaims: - resourceClaimTemplateName).\n"
        "# MIG tenants select their profile (static MIG: the instances exist once mig-manager\n"
        "# applied the mig-parted export); passthrough tenants take whole GPUs. vGPU tenants\n"
        "# are VMs, served by the vGPU manager, not by DRA.\n");
    for (i = 0; i < s->ntenants; i++) {
        const struct gpv_export_tenant *t = &s->tenants[i];
        bool mig = !strcmp(t->method, "mig") && t->profile;

        if (!strcmp(t->method, "time-slicing") || !strcmp(t->method, "mps")) {
            shared++;
            continue;
        }
        if (!mig && strcmp(t->method, "passthrough")) {
            skipped++;
            continue;
        }
        gpv_buf_puts(out, "---\n# tenant ");
        put_comment_text(out, t->name);
        gpv_buf_printf(out, ", %d replica%s\n", t->replicas, t->replicas == 1 ? "" : "s");
        gpv_buf_printf(out,
                       "apiVersion: resource.k8s.io/v1\n"
                       "kind: ResourceClaimTemplate\n"
                       "metadata:\n"
                       "  name: %s\n"
                       "  labels:\n"
                       "    app.kubernetes.io/managed-by: gpuvplan\n"
                       "spec:\n"
                       "  spec:\n"
                       "    devices:\n"
                       "      requests:\n"
                       "        - name: %s\n"
                       "          exactly:\n"
                       "            deviceClassName: %s\n",
                       t->claim, mig ? "mig" : "gpu", mig ? "mig.nvidia.com" : "gpu.nvidia.com");
        if (mig)
            gpv_buf_printf(out,
                           "            selectors:\n"
                           "              - cel:\n"
                           "                  expression: \"device.attributes['gpu.nvidia.com']"
                           ".profile == '%s'\"\n",
                           t->profile);
        else if (t->whole_gpus > 1)
            gpv_buf_printf(out, "            count: %d\n", t->whole_gpus);
    }
    if (skipped)
        gpv_buf_printf(out, "# %zu vGPU tenant%s: no claim\n", skipped, skipped == 1 ? "" : "s");
    if (shared)
        gpv_buf_printf(out,
                       "# %zu time-slicing or MPS tenant%s: no claim (pods request nvidia.com/gpu "
                       "from the device plugin, --to device-plugin)\n",
                       shared, shared == 1 ? "" : "s");
}

/* The labels of a node, in order: the configs it selects, then the fleet's. */
static size_t
node_labels(const char **keys, const char **values, const struct gpv_export_node *nd)
{
    size_t n = 0, i;

    if (nd->config[GPV_EXPORT_CFG_MIG]) {
        keys[n] = "nvidia.com/mig.config";
        values[n++] = nd->config[GPV_EXPORT_CFG_MIG];
    }
    if (nd->config[GPV_EXPORT_CFG_VGPU]) {
        keys[n] = "nvidia.com/vgpu.config";
        values[n++] = nd->config[GPV_EXPORT_CFG_VGPU];
    }
    keys[n] = "nvidia.com/device-plugin.config";
    values[n++] = nd->config[GPV_EXPORT_CFG_PLUGIN];
    for (i = 0; i < nd->nlabels; i++) {
        /* The configs exported win over a fleet label of the same key. */
        if (!strcmp(nd->label_keys[i], "nvidia.com/mig.config") ||
            !strcmp(nd->label_keys[i], "nvidia.com/vgpu.config") ||
            !strcmp(nd->label_keys[i], "nvidia.com/device-plugin.config"))
            continue;
        keys[n] = nd->label_keys[i];
        values[n++] = nd->label_values[i];
    }
    return n;
}

static void
write_labels(struct gpv_buf *out, const struct gpv_export_site *s)
{
    size_t i, k, n;

    gpv_buf_puts(out, "#!/bin/sh\n");
    header(out, s, "Node labels for the nodes");
    gpv_buf_puts(out,
                 "# Each node selects its mig-parted, vgpu-device-manager and device-plugin\n"
                 "# configs (gpuvplan export --to mig-parted|vgpu-device-manager|device-plugin)\n"
                 "# and keeps the fleet's labels. Apply the configs first.\n"
                 "set -eu\n");
    for (i = 0; i < s->nnodes; i++) {
        const struct gpv_export_node *nd = &s->nodes[i];
        const char **keys = xcalloc(nd->nlabels + 3, sizeof(char *));
        const char **values = xcalloc(nd->nlabels + 3, sizeof(char *));

        n = node_labels(keys, values, nd);
        gpv_buf_puts(out, "kubectl label node ");
        gpv_export_shell_quote(out, nd->name);
        for (k = 0; k < n; k++) {
            char *kv = xasprintf("%s=%s", keys[k], values[k]);

            gpv_buf_putc(out, ' ');
            gpv_export_shell_quote(out, kv);
            free(kv);
        }
        gpv_buf_puts(out, " --overwrite\n");
        free(keys);
        free(values);
    }
}

struct gpv_val *
gpv_export_labels(const struct gpv_export_site *s)
{
    struct gpv_val *o = gpv_val_obj(), *a;
    size_t i, k, n;

    gpv_val_set_str(o, "plan", s->plan);
    a = gpv_val_set(o, "nodes", gpv_val_arr());
    for (i = 0; i < s->nnodes; i++) {
        const struct gpv_export_node *nd = &s->nodes[i];
        const char **keys = xcalloc(nd->nlabels + 3, sizeof(char *));
        const char **values = xcalloc(nd->nlabels + 3, sizeof(char *));
        struct gpv_val *no = gpv_val_push(a, gpv_val_obj()), *l;

        gpv_val_set_str(no, "name", nd->name);
        l = gpv_val_set(no, "labels", gpv_val_obj());
        n = node_labels(keys, values, nd);
        for (k = 0; k < n; k++)
            gpv_val_set_str(l, keys[k], values[k]);
        free(keys);
        free(values);
    }
    return o;
}

void
gpv_export_write(struct gpv_buf *out, const struct gpv_export_site *site, enum gpv_export_target t)
{
    switch (t) {
    case GPV_EXPORT_MIGPARTED:
        write_migparted(out, site);
        break;
    case GPV_EXPORT_LABELS:
        write_labels(out, site);
        break;
    case GPV_EXPORT_VGPUDM:
        write_vgpudm(out, site);
        break;
    case GPV_EXPORT_DEVPLUGIN:
        write_devplugin(out, site);
        break;
    case GPV_EXPORT_DRA:
        write_dra(out, site);
        break;
    case GPV_EXPORT_NTARGETS:
        break;
    }
}
