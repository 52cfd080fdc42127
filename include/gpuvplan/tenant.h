#ifndef GPUVPLAN_TENANT_H
#define GPUVPLAN_TENANT_H

/*
 * The tenants file: what a site owns (licences, optionally a fleet of GPUs) and what each tenant
 * needs. docs/tenants.md is the file format and the contract; this header is its C form.
 *
 * Pure: the loader takes a buffer, never prints and never opens files. Loading is strict:
 * unknown keys (with a did-you-mean), wrong types, memory without a unit, numbers out of range,
 * unknown GPU models, duplicate tenant names and contradictions (compute with whole GPUs, a
 * pinned model missing from the fleet) are errors at their line and column.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPV_TENANTS_VERSION 1
#define GPV_TENANT_NAME_MAX 128     /* longest tenant name, in bytes */
#define GPV_TENANT_REPLICAS 1000000 /* most replicas of one tenant */
#define GPV_TENANT_GPUS_MAX 64      /* most whole GPUs per replica */
#define GPV_FLEET_COUNT_MAX 1000000 /* most GPUs in one fleet entry */
#define GPV_FLEET_COST_MAX  100000  /* highest cost_per_hour of one GPU */
#define GPV_FLEET_NODES_MAX 100000  /* most nodes in one fleet entry */
#define GPV_NODE_GPUS_MAX   64      /* most GPUs in one node */
#define GPV_NODE_NAME_MAX   253     /* longest node name (a DNS-1123 subdomain) */
#define GPV_NODE_LABELS_MAX 64      /* most labels on one fleet entry */
#define GPV_SHARING_REPLICAS_MAX                                                                   \
    64 /* most time-slicing replicas of one GPU (a planning bound; the                             \
          device plugin sets none) */
#define GPV_MPS_CLIENTS_MAX                                                                        \
    48 /* most MPS clients of one GPU: the device plugin's limit                                   \
          (k8s-device-plugin cmd/mps-control-daemon/mps/device.go) */

/*
 * Resource limits of one tenants file (docs/tenants.md, "Limits"), each an error at the line
 * and column where it is passed: bytes (about 3.5 million tenants as bench writes them), and
 * tenants (each costs about 110 bytes of memory before planning).
 */
#define GPV_TENANTS_MAX_BYTES ((size_t)256 << 20)
#define GPV_TENANTS_MAX       4000000

/* How strongly a tenant must be kept apart from its neighbours on a GPU. */
enum gpv_isolation {
    GPV_ISO_NONE, /* sharing anything is fine */
    GPV_ISO_SOFT, /* memory partitioned; performance may vary with neighbours (the default) */
    GPV_ISO_HARD, /* SLA-bound or regulated: hardware-enforced memory, compute and faults */
};
#define GPV_ISOLATION_COUNT 3 /* values 0 .. count-1, for loops over gpv_isolation_name() */

enum gpv_workload {
    GPV_WL_TRAINING,
    GPV_WL_INFERENCE, /* the default */
    GPV_WL_HPC,
    GPV_WL_VDI,      /* virtual desktops for knowledge workers */
    GPV_WL_GRAPHICS, /* professional graphics workstations */
    GPV_WL_DEV,      /* notebooks and development */
};
#define GPV_WORKLOAD_COUNT 6

enum gpv_environment {
    GPV_ENV_CONTAINER, /* a pod or process on a host (the default) */
    GPV_ENV_VM,        /* a virtual machine under a hypervisor */
};
#define GPV_ENVIRONMENT_COUNT 2

/* The operating system the tenant's workload runs on (the guest OS of a VM). */
enum gpv_os {
    GPV_OS_LINUX,   /* the default */
    GPV_OS_WINDOWS, /* MIG is supported only on Linux (NVIDIA MIG User Guide) */
};
#define GPV_OS_COUNT 2

/* vGPU mode of a fleet entry's GPUs: one frame-buffer size per GPU, or mixed sizes. */
enum gpv_vgpu_mode {
    GPV_VGPU_EQUAL, /* equal-size mode (the driver's default) */
    GPV_VGPU_MIXED, /* mixed-size mode: placement ids, no fixed-share scheduler */
};
#define GPV_VGPU_MODE_COUNT 2

/* How the k8s device plugin shares the whole GPUs of a node (its `sharing` section). */
enum gpv_sharing {
    GPV_SHARING_NONE,         /* not stated: the planner chooses */
    GPV_SHARING_TIME_SLICING, /* sharing.timeSlicing */
    GPV_SHARING_MPS,          /* sharing.mps */
};

/* How the device plugin exposes the MIG devices of a node (its `migStrategy`). */
enum gpv_mig_strategy {
    GPV_MIG_MIXED,  /* each MIG profile its own resource (the default) */
    GPV_MIG_SINGLE, /* one MIG profile per node: every MIG GPU of the node has one layout */
};

/* A Kubernetes node label carried into the plan. */
struct gpv_label {
    char *key;   /* [prefix/]name, checked against Kubernetes label-key syntax */
    char *value; /* a valid label value (may be empty) */
};

/* Licences the site owns. All default to false. */
struct gpv_licenses {
    bool ai_enterprise; /* NVIDIA AI Enterprise: C-series and MIG-backed vGPU */
    bool vws;           /* NVIDIA RTX Virtual Workstation: Q-series (and B-series) */
    bool vpc;           /* NVIDIA Virtual PC: B-series */
    bool vapps;         /* NVIDIA Virtual Applications: A-series; graphics passthrough at
                           reduced capability */
};

/* The licences of struct gpv_licenses, in the order files and messages list them. */
enum gpv_license { GPV_LIC_AI_ENTERPRISE, GPV_LIC_VWS, GPV_LIC_VPC, GPV_LIC_VAPPS, GPV_LIC_COUNT };

/*
 * One line of the fleet: `count` GPUs of one model, optionally on named nodes. With nodes,
 * count == nnodes * gpus_per_node and a node's GPUs are indexes 0 .. gpus_per_node - 1.
 */
struct gpv_fleet_entry {
    const struct gpv_gpu *gpu; /* resolved through the database; points into it */
    int count;                 /* 1 .. GPV_FLEET_COUNT_MAX */
    size_t nnodes;             /* 0: a node-less entry (sizing only, GPUs have no identity) */
    char **nodes;              /* nnodes names, unique across the fleet, valid DNS-1123 names */
    int gpus_per_node;         /* 1 .. GPV_NODE_GPUS_MAX with nodes; else 0 */
    size_t nlabels;
    struct gpv_label *labels;           /* sorted by key, keys unique */
    enum gpv_mig_strategy mig_strategy; /* default GPV_MIG_MIXED */
    double cost_per_hour;               /* per GPU, >= 0; meaningful only when has_cost */
    bool has_cost;
    enum gpv_vgpu_mode vgpu_mode; /* GPV_VGPU_MIXED only where gpu->vgpu->mixed_size */
    enum gpv_sharing sharing;     /* stated: every GPU of the entry is shared this way */
    int sharing_replicas;         /* with sharing: 2 .. GPV_SHARING_REPLICAS_MAX (MPS: up to
                                     GPV_MPS_CLIENTS_MAX); else 0 */
    int line, col;                /* of the entry, for messages */
};

/*
 * One tenant: `replicas` identical instances, each needing what the fields say. Every field has
 * a value after loading (defaults applied).
 *
 * Whole-GPU tenants: a tenant with `gpus >= 1` or `full_gpu: true` asks for whole GPUs; for them
 * `memory` is optional (when given, it is the memory one replica needs across its GPUs) and
 * `compute` is an error. Every other tenant is fractional and must give `memory`.
 */
struct gpv_tenant {
    char *name;           /* unique in the file; letters, digits, '.', '_', '-' */
    int replicas;         /* 1 .. GPV_TENANT_REPLICAS; default 1 */
    long long memory;     /* bytes per replica, as written (20GB = 20e9, 20GiB = 20 * 2^30); 0 when
                             not given (whole-GPU tenants only) */
    long long memory_mib; /* memory rounded up to whole MiB: what an instance must offer */
    char *memory_text;    /* the quantity as written ("20GiB"), for traces; NULL when absent */
    double compute;       /* guaranteed share of one GPU, 0 < x <= 1; 0 when not asked */
    enum gpv_isolation isolation;     /* default GPV_ISO_SOFT */
    enum gpv_workload workload;       /* default GPV_WL_INFERENCE */
    enum gpv_environment environment; /* default GPV_ENV_CONTAINER */
    enum gpv_os os;                   /* default GPV_OS_LINUX */
    bool live_migration;              /* must move between hosts while running; default false */
    bool full_gpu;                    /* needs a whole GPU's performance; default false */
    int gpus;    /* whole GPUs per replica, 0 .. GPV_TENANT_GPUS_MAX; 0 = fractional (default) */
    bool media;  /* needs video decoders / JPEG: MIG +me profiles; default false */
    bool spread; /* replicas on distinct GPUs (availability); default false: pack them */
    bool spread_nodes;         /* replicas on distinct nodes (host failure); implies spread */
    const struct gpv_gpu *gpu; /* pinned model, or NULL: any candidate model */
    int line, col;             /* of the tenant's mapping, for messages */
    int gpu_line, gpu_col;     /* of its `gpu` value when pinned */
};

/* A whole tenants file. */
struct gpv_tenants {
    char *name; /* the name errors cite (usually the file path) */
    int version;
    struct gpv_licenses licenses;
    size_t nfleet; /* 0: no fleet given */
    struct gpv_fleet_entry *fleet;
    size_t ntenants; /* at least 1 */
    struct gpv_tenant *tenants;
    /* Where the loader keeps every tenant's name and memory_text (one block of memory, not two
       allocations per tenant), freed by gpv_tenants_release(); NULL in a file built by hand,
       whose strings are each allocated and freed with gpv_tenant_release(). */
    struct gpv_tenant_strings *strings;
};

/* Sets t to the defaults above (name NULL, replicas 1, soft, inference, container). */
void gpv_tenant_init(struct gpv_tenant *t);

/* True when the tenant asks for whole GPUs (gpus >= 1 or full_gpu). */
bool gpv_tenant_whole_gpu(const struct gpv_tenant *t);

/* Whole GPUs per replica the tenant asks for: gpus, or 1 for full_gpu, or 0 (fractional). */
int gpv_tenant_gpus(const struct gpv_tenant *t);

/*
 * Orders tenants by everything a decision (gpv_decide()) can depend on: every requirement,
 * not the name, position or spread_nodes. 0 when a and b are of one kind: they get the same
 * decision, so the planner and `explain` decide each kind once. The order is total but
 * otherwise arbitrary.
 */
int gpv_tenant_kind_cmp(const struct gpv_tenant *a, const struct gpv_tenant *b);

/* A hash of what gpv_tenant_kind_cmp() compares: tenants of one kind hash alike. */
uint64_t gpv_tenant_kind_hash(const struct gpv_tenant *t);

/*
 * Parses a tenants file from buf[0..len); name is cited in errors. GPU models (fleet entries
 * and pins) are resolved through db, which must outlive *out. On success *out holds the file
 * (release it with gpv_tenants_release()) and 0 is returned. On failure *out is empty and
 * GPV_EINPUT is returned with err at name:line:col: the first error in file order, as
 * gpv_tenants_load_all() finds them.
 */
int gpv_tenants_load_mem(struct gpv_tenants *out, const char *buf, size_t len, const char *name,
                         const struct gpv_db *db, struct gpv_error *err);

/* The most errors one load of a tenants file reports. */
#define GPV_TENANTS_ERRORS_MAX 20

/*
 * As gpv_tenants_load_mem(), but reports every error in the file, not only the first: each
 * tenant, each field of a tenant, each fleet entry and each repeated name, up to
 * GPV_TENANTS_ERRORS_MAX, in file order (line, then column); when there are more, one last
 * error (at the file, no line) says so and the rest of the file is not read. A broken document
 * (YAML syntax, top-level keys, version) is one error; the tenants are not read while the fleet
 * has errors, as they are checked against it. errs must have room for GPV_TENANTS_ERRORS_MAX
 * + 1 errors. On
 * success returns 0 with *nerrs 0. On failure *out is empty, errs[0..*nerrs) hold the errors
 * (*nerrs >= 1) and the first one's code is returned (GPV_EINPUT, or GPV_ESYS when memory ran
 * out).
 */
int gpv_tenants_load_all(struct gpv_tenants *out, struct gpv_error *errs, size_t *nerrs,
                         const char *buf, size_t len, const char *name, const struct gpv_db *db);

/* Resource limits of one load; a field 0 takes the default. */
struct gpv_tenants_limits {
    size_t max_bytes;   /* largest file: GPV_TENANTS_MAX_BYTES */
    size_t max_tenants; /* most tenants: GPV_TENANTS_MAX */
};

/*
 * gpv_tenants_load_all() under limits (NULL: the defaults). Past a limit, the one error is at
 * the line and column where it is passed: the first byte past max_bytes ("file is larger than
 * the 256 MiB limit"), the first tenant past max_tenants.
 */
int gpv_tenants_load_limited(struct gpv_tenants *out, struct gpv_error *errs, size_t *nerrs,
                             const char *buf, size_t len, const char *name, const struct gpv_db *db,
                             const struct gpv_tenants_limits *limits);

/* Frees the contents of t and leaves it empty. NULL-safe. */
void gpv_tenants_release(struct gpv_tenants *t);

/* Frees the strings of one tenant (for tenants built by hand, never one of a loaded file). */
void gpv_tenant_release(struct gpv_tenant *t);

/* The field of a tenant a validation error is about, so a loader can point at it. */
enum gpv_tenant_field {
    GPV_TENANT_F_NONE, /* the tenant as a whole (a missing key) */
    GPV_TENANT_F_NAME,
    GPV_TENANT_F_REPLICAS,
    GPV_TENANT_F_GPUS,
    GPV_TENANT_F_COMPUTE,
    GPV_TENANT_F_GPU,
};

/*
 * The tenants file's rules on one filled tenant t of file (whose fleet, when it has one, is
 * searched): a tame name (1 to GPV_TENANT_NAME_MAX letters, digits, '.', '_' or '-'), replicas
 * and gpus in range, a memory size unless the tenant asks for whole GPUs, no compute share with
 * whole GPUs, and a pinned model that is in the fleet. The loader applies exactly these checks
 * after decoding a tenant; build a tenant in code and call this to get the same verdict and the
 * same words. Returns 0 when t is valid; GPV_EINPUT otherwise, with err's message set (no
 * position: file NULL, line 0) and *field (when field is not NULL) the field at fault.
 */
int gpv_tenant_validate(enum gpv_tenant_field *field, const struct gpv_tenant *t,
                        const struct gpv_tenants *file, struct gpv_error *err);

/* Finds a tenant by exact name; returns its index or -1. */
int gpv_tenants_find(const struct gpv_tenants *t, const char *name);

/* Names for the enums, as the file spells them ("hard", "vdi", "vm", "mixed"). */
const char *gpv_isolation_name(enum gpv_isolation v);
const char *gpv_workload_name(enum gpv_workload v);
const char *gpv_environment_name(enum gpv_environment v);
const char *gpv_os_name(enum gpv_os v);
const char *gpv_vgpu_mode_name(enum gpv_vgpu_mode v);
const char *gpv_mig_strategy_name(enum gpv_mig_strategy v);
const char *gpv_sharing_name(enum gpv_sharing v); /* "none", "time-slicing", "mps" */

/* True when s is a valid Kubernetes node name: a DNS-1123 subdomain (lowercase letters, digits,
 * '-' and '.', labels of 1 to 63 starting and ending alphanumeric, 253 bytes at most). */
bool gpv_node_name_valid(const char *s);

/* True when s is a valid Kubernetes label key ([DNS-1123 subdomain '/'] name of 1 to 63
 * alphanumerics, '-', '_', '.', starting and ending alphanumeric). */
bool gpv_label_key_valid(const char *s);

/* True when s is a valid Kubernetes label value: empty, or as a label key's name part. */
bool gpv_label_value_valid(const char *s);

/*
 * The other way: sets *out to the value spelt exactly s (as the file spells it) and returns
 * true; returns false (*out untouched) for any other string, NULL included.
 */
bool gpv_isolation_parse(enum gpv_isolation *out, const char *s);
bool gpv_workload_parse(enum gpv_workload *out, const char *s);
bool gpv_environment_parse(enum gpv_environment *out, const char *s);
bool gpv_os_parse(enum gpv_os *out, const char *s);
bool gpv_vgpu_mode_parse(enum gpv_vgpu_mode *out, const char *s);

/* A licence's key in the tenants file ("ai_enterprise"); "?" out of range. */
const char *gpv_license_key(enum gpv_license l);

/* A licence's product name for people ("AI Enterprise", "vWS"); "?" out of range. */
const char *gpv_license_title(enum gpv_license l);

/* Sets *out to the licence whose key is exactly s and returns true; false otherwise. */
bool gpv_license_parse(enum gpv_license *out, const char *s);

/* Whether lic holds licence l (false out of range). */
bool gpv_license_held(const struct gpv_licenses *lic, enum gpv_license l);

/* Sets whether lic holds licence l (nothing out of range). */
void gpv_license_set(struct gpv_licenses *lic, enum gpv_license l, bool held);

#endif
