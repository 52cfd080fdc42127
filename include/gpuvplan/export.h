#ifndef GPUVPLAN_EXPORT_H
#define GPUVPLAN_EXPORT_H

/*
 * Export: a checked plan written as the files NVIDIA's applying tools read (docs/export.md):
 * a mig-parted config, the node labels that select configs, a vgpu-device-manager config, a
 * k8s device-plugin ConfigMap, and DRA ResourceClaimTemplates. Formats from
 * ../shared/reference/formats.md (written from each tool's parser code).
 *
 * Two steps: gpv_export_site_read() reads a plan (a value tree that gpv_plan_check() passed)
 * into nodes and per-node layouts, naming one config per distinct layout; gpv_export_write()
 * writes one target from it. Pure: no printing, no file access.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stddef.h>

enum gpv_export_target {
    GPV_EXPORT_MIGPARTED, /* mig-parted `version: v1` `mig-configs` */
    GPV_EXPORT_LABELS,    /* `kubectl label node` lines (or data, gpv_export_labels()) */
    GPV_EXPORT_VGPUDM,    /* vgpu-device-manager `version: v1` `vgpu-configs` */
    GPV_EXPORT_DEVPLUGIN, /* a ConfigMap of device-plugin configs, one key per node layout */
    GPV_EXPORT_DRA,       /* ResourceClaimTemplates, one per tenant that DRA can serve */
    GPV_EXPORT_NTARGETS,
};

/* Reads a target's name as `--to` takes it ("mig-parted", "labels", "vgpu-device-manager",
 * "device-plugin", "dra"). Returns true and sets *out, or false for any other string. */
bool gpv_export_target_parse(enum gpv_export_target *out, const char *s);

/* The `--to` name of a target. */
const char *gpv_export_target_name(enum gpv_export_target t);

/* NULL-terminated list of every `--to` name, in enum order (for usage and completions). */
extern const char *const gpv_export_target_names[];

/* What one GPU of a node runs. */
enum gpv_export_mode {
    GPV_EXPORT_UNUSED, /* no GPU of the plan at this index */
    GPV_EXPORT_MIG,
    GPV_EXPORT_MIG_VGPU,
    GPV_EXPORT_VGPU,
    GPV_EXPORT_PASSTHROUGH,
    GPV_EXPORT_TIME_SLICING, /* a whole GPU time-sliced by the device plugin */
    GPV_EXPORT_MPS,          /* a whole GPU shared by the device plugin's MPS */
};

/* The configs a node selects by label. */
enum gpv_export_config {
    GPV_EXPORT_CFG_MIG,    /* mig-parted: NULL when the model has no MIG */
    GPV_EXPORT_CFG_VGPU,   /* vgpu-device-manager: NULL when no GPU of the node runs vGPU */
    GPV_EXPORT_CFG_PLUGIN, /* device plugin: always */
    GPV_EXPORT_NCONFIGS,
};

#define GPV_EXPORT_NONE ((size_t)-1)

/* One (name, count) of a GPU: a MIG profile or a vGPU type, as the plan names it. */
struct gpv_export_count {
    const char *name; /* points into the plan tree */
    int count;
};

/* One index of a node. */
struct gpv_export_gpu {
    enum gpv_export_mode mode;
    bool filled;      /* unused in the plan, given its single-strategy node's MIG layout */
    size_t nprofiles; /* MIG profiles (mig, mig-vgpu), sorted by name */
    struct gpv_export_count *profiles;
    size_t ntypes; /* vGPU types (vgpu, mig-vgpu), sorted by name */
    struct gpv_export_count *types;
    int replicas;   /* time-slicing, mps: the device plugin's replicas; else 0 */
    size_t nsliced; /* mig: its time-sliced profiles, sorted by name, each with the device
                       plugin's replicas as `count` */
    struct gpv_export_count *sliced;
    size_t nbare; /* mig: profiles of its instances that are not time-sliced, count: how many */
    struct gpv_export_count *bare;
};

/* One node of the plan. Strings point into the plan tree. */
struct gpv_export_node {
    const char *name;
    const struct gpv_gpu *model;
    const char *mig_strategy;     /* "mixed" or "single" */
    enum gpv_export_mode sharing; /* GPV_EXPORT_TIME_SLICING or GPV_EXPORT_MPS when its GPUs
                                     are shared (all the same way), else GPV_EXPORT_UNUSED */
    int sharing_replicas;         /* with sharing: the replicas of every shared GPU */
    size_t nsliced; /* time-sliced MIG profiles of its GPUs (nvidia.com/mig-<profile> replicated
                       under migStrategy mixed), sorted by name, count: the replicas */
    struct gpv_export_count *sliced;
    const struct gpv_val *stated; /* the plan node's `sharing` (its fleet entry's), or NULL */
    size_t ngpus;                 /* GPUs of the node (indexes 0 .. ngpus-1) */
    struct gpv_export_gpu *gpus;
    size_t nlabels; /* the fleet's labels, in plan order */
    const char **label_keys;
    const char **label_values;
    /* Per kind of config: the config the node selects (NULL: none of that kind), the first
     * node selecting the same config (maybe itself) and the next one after it, in node order
     * (GPV_EXPORT_NONE: none, also for a node without that kind). */
    char *config[GPV_EXPORT_NCONFIGS];
    size_t first[GPV_EXPORT_NCONFIGS];
    size_t next[GPV_EXPORT_NCONFIGS];
};

/* One tenant, as DRA claims need it. Strings point into the plan tree. */
struct gpv_export_tenant {
    const char *name;
    const char *method;  /* "mig", "mig-vgpu", "vgpu", "passthrough" */
    const char *profile; /* mig: the MIG profile; else NULL */
    int whole_gpus;      /* passthrough: GPUs per replica; else 0 */
    int replicas;        /* placed replicas */
    char *claim;         /* the ResourceClaimTemplate's name (DNS-1123) */
};

/* A plan's nodes and tenants, ready to write. */
struct gpv_export_site {
    const char *plan; /* the plan's name, for header comments */
    size_t nnodes;
    struct gpv_export_node *nodes; /* in plan order */
    size_t ntenants;
    struct gpv_export_tenant *tenants; /* placed tenants, in plan order */
    size_t nodeless; /* GPUs of fleet entries without nodes: in no exported file but dra */
};

/*
 * Reads plan (a value tree gpv_plan_check() found no fault in) into *out, resolving models in
 * db and naming configs (docs/export.md "Names"). name is the plan's file, for messages. GPUs
 * of fleet entries without nodes are counted in out->nodeless and otherwise left out.
 * Returns 0, or GPV_EINPUT with err filled when the plan cannot be exported: no nodes at all
 * ("plan has no nodes: ... add 'nodes' and 'gpus_per_node' to its entries"), a node's model
 * not in db, a GPU on a node or index the plan's nodes lack, two GPUs at one index, a member
 * of the wrong type, or a node whose shared GPUs the device plugin's one sharing config per
 * node cannot express (two strategies or replica counts, shared beside passthrough GPUs, MPS
 * beside MIG, time-slicing with the MIG `single` strategy). Release *out with
 * gpv_export_site_release() in both cases.
 */
int gpv_export_site_read(struct gpv_export_site *out, const struct gpv_val *plan,
                         const struct gpv_db *db, const char *name, struct gpv_error *err);

/* Frees what gpv_export_site_read() allocated and zeroes s. NULL-safe. */
void gpv_export_site_release(struct gpv_export_site *s);

/* Appends target t's file for site to out (for labels: the shell script). */
void gpv_export_write(struct gpv_buf *out, const struct gpv_export_site *site,
                      enum gpv_export_target t);

/*
 * The labels as data: {"nodes": [{"name", "labels": {key: value}}]}. The caller frees it.
 */
struct gpv_val *gpv_export_labels(const struct gpv_export_site *site);

/*
 * Makes a DNS-1123 label (and label value) from s: lowercase letters, digits and '-', starting
 * and ending with a letter or digit, at most 63 characters. Other characters become '-', runs
 * of '-' collapse; when the result would be longer than 63 characters or differs from s, the
 * tail is replaced by '-' and 8 hex digits of a hash of s, so distinct inputs get distinct
 * names. An empty result becomes "x-" and the hash. Returns a new string the caller frees.
 */
char *gpv_export_dns_name(const char *s);

/* True when s is a valid DNS-1123 label: 1..63 of [a-z0-9-], first and last alphanumeric. */
bool gpv_export_dns_valid(const char *s);

/* Appends s to out quoted for a POSIX shell (single quotes; ' written as '\''). */
void gpv_export_shell_quote(struct gpv_buf *out, const char *s);

#endif
