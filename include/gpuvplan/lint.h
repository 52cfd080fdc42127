#ifndef GPUVPLAN_LINT_H
#define GPUVPLAN_LINT_H

/*
 * Offline checks of the configs NVIDIA's applying tools read: mig-parted (`mig-configs`),
 * vgpu-device-manager (`vgpu-configs`) and the k8s device plugin (`version` + `flags` /
 * `sharing`), bare or wrapped in a Kubernetes ConfigMap. Formats and rules: docs/lint.md, from
 * ../shared/reference/formats.md (written from each project's parser code).
 *
 * Two layers:
 *   - strict schema readers (gpv_migparted_read(), gpv_vgpudm_read(), gpv_devplugin_read())
 *     that reject what the real parsers reject and return the decoded config; they are meant to
 *     be reused to parse exported files back;
 *   - gpv_lint_mem(), which detects the kind, unwraps ConfigMaps, runs the reader and then the
 *     semantic checks against the database (MIG geometry through mig.h, vGPU types and counts).
 *
 * Pure: no printing, no file access. Findings carry the position in the file as given (for a
 * ConfigMap, the embedded document's positions are mapped back into the outer file).
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/yamldoc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gpv_lint_severity {
    GPV_LINT_ERROR,
    GPV_LINT_WARNING,
};

enum gpv_lint_kind {
    GPV_LINT_KIND_NONE, /* not detected (yet) */
    GPV_LINT_MIGPARTED,
    GPV_LINT_VGPUDM,
    GPV_LINT_DEVPLUGIN,
};

/* One finding: "file:line:col: error|warning: message". code is a stable kebab-case id. */
struct gpv_lint_finding {
    enum gpv_lint_severity severity;
    int line, col;    /* from 1; 0 when unknown */
    const char *code; /* static string, e.g. "unknown-key", "not-placeable" */
    char *message;    /* lowercase, no full stop */
};

/* A growable list of findings. Zero-initialise before use; gpv_lint_findings_release() frees. */
struct gpv_lint_findings {
    size_t n, cap;
    struct gpv_lint_finding *v;
};

/* Frees every message and the array, and empties the list. NULL is fine. */
void gpv_lint_findings_release(struct gpv_lint_findings *f);

/* Number of findings of severity sev. */
size_t gpv_lint_findings_count(const struct gpv_lint_findings *f, enum gpv_lint_severity sev);

/* ---- shared grammars (formats.md §0) -------------------------------------------------------- */

/* A MIG profile string `[<C>c.]<G>g.<GB>gb[(+|-)<attr>[,<attr>...]]` split into its parts. */
struct gpv_lint_profile {
    int c;       /* compute-instance slices; equals g when the `Nc.` prefix is absent */
    int g;       /* GPU-instance slices */
    int gb;      /* memory in GB as NVIDIA names it */
    char gi[64]; /* the GPU-instance profile name: the string without its `Nc.` prefix */
};

/*
 * Parses s with go-nvlib's grammar (formats.md §0.1). Returns true and fills *out; false when s
 * does not follow the grammar (then *out is unspecified).
 */
bool gpv_lint_profile_parse(struct gpv_lint_profile *out, const char *s);

/* One `device-filter` value `0xDDDDVVVV[:0xSSSSWWWW]` (formats.md §0.2). */
struct gpv_lint_pciid {
    uint16_t device, vendor;
    bool has_subsys;
    uint16_t subsys_device, subsys_vendor;
    int line, col;
};

/* Parses s as a device-filter value. Returns true and fills *out (not its position) or false. */
bool gpv_lint_pciid_parse(struct gpv_lint_pciid *out, const char *s);

/* `devices: all | [<int>...]` (formats.md §0.3). */
struct gpv_lint_devices {
    bool all;
    size_t n;
    int *idx; /* n indexes, as written */
    int line, col;
};

/* ---- mig-parted ------------------------------------------------------------------------------ */

struct gpv_migparted_count {
    char *profile; /* as written ("1g.10gb", "1c.2g.20gb") */
    long long count;
    int line, col;
};

struct gpv_migparted_entry {
    int line, col;
    size_t nfilters;
    struct gpv_lint_pciid *filters; /* empty: every GPU */
    struct gpv_lint_devices devices;
    bool mig_enabled;
    bool has_mig_devices;
    size_t ncounts;
    struct gpv_migparted_count *counts;
};

struct gpv_migparted_config {
    char *name;
    int line, col;
    size_t nentries;
    struct gpv_migparted_entry *entries;
};

struct gpv_migparted {
    size_t nconfigs;
    struct gpv_migparted_config *configs;
};

/*
 * Reads a mig-parted config from root (a node of doc) with mig-parted's rules: version v1, only
 * known keys, required `devices` and `mig-enabled`, `mig-devices` rules, profile grammar, counts.
 * Every violation is appended to findings (severity error, position of the offending node). *out
 * holds what could be read (entries with errors may be partial); the caller releases it with
 * gpv_migparted_release() whatever the result. Returns 0 when no error was found, GPV_EINPUT
 * otherwise.
 */
int gpv_migparted_read(struct gpv_migparted *out, const struct gpv_ydoc *doc,
                       const struct gpv_ynode *root, struct gpv_lint_findings *findings);

/* Frees the contents of c and zeroes it. NULL is fine. */
void gpv_migparted_release(struct gpv_migparted *c);

/* ---- vgpu-device-manager --------------------------------------------------------------------- */

struct gpv_vgpudm_count {
    char *type; /* "L40S-12C", "H100-1-20C" */
    bool mig_backed;
    long long count;
    int line, col;
};

struct gpv_vgpudm_entry {
    int line, col;
    size_t nfilters;
    struct gpv_lint_pciid *filters;
    struct gpv_lint_devices devices;
    size_t ncounts;
    struct gpv_vgpudm_count *counts;
};

struct gpv_vgpudm_config {
    char *name;
    int line, col;
    size_t nentries;
    struct gpv_vgpudm_entry *entries;
};

struct gpv_vgpudm {
    size_t nconfigs;
    struct gpv_vgpudm_config *configs;
};

/*
 * Reads a vgpu-device-manager config as gpv_migparted_read() does a mig-parted one (version v1,
 * known keys, required `devices` and `vgpu-devices`, type-name grammar, counts > 0, no mix of
 * time-sliced and MIG-backed types in one entry). Same ownership and return values.
 */
int gpv_vgpudm_read(struct gpv_vgpudm *out, const struct gpv_ydoc *doc,
                    const struct gpv_ynode *root, struct gpv_lint_findings *findings);

/* Frees the contents of c and zeroes it. NULL is fine. */
void gpv_vgpudm_release(struct gpv_vgpudm *c);

/* True when name follows vgpu-device-manager's time-sliced or MIG-backed type grammar;
 * *mig_backed (if not NULL) says which. */
bool gpv_lint_vgpu_type_valid(const char *name, bool *mig_backed);

/* ---- k8s device plugin ----------------------------------------------------------------------- */

struct gpv_devplugin_resource {
    char *name; /* with the `nvidia.com/` prefix added when it was omitted */
    long long replicas;
    int line, col;
};

struct gpv_devplugin {
    char *mig_strategy; /* "none", "single", "mixed"; NULL when not given (none) */
    int strategy_line, strategy_col;
    bool mps; /* the sharing block is `mps` (else time-slicing, or none) */
    size_t nresources;
    struct gpv_devplugin_resource *resources;
};

/*
 * Reads a device-plugin config (formats.md §3.1): version (optional, v1), the known keys of
 * flags/resources/sharing/imex, migStrategy values, sharing resources with name and replicas
 * >= 2. Errors as the plugin would reject them; warnings for fields the plugin ignores
 * (`rename`, `devices`, the `resources` renaming section). Same ownership and return values
 * as gpv_migparted_read() (warnings do not make it fail).
 */
int gpv_devplugin_read(struct gpv_devplugin *out, const struct gpv_ydoc *doc,
                       const struct gpv_ynode *root, struct gpv_lint_findings *findings);

/* Frees the contents of c and zeroes it. NULL is fine. */
void gpv_devplugin_release(struct gpv_devplugin *c);

/* ---- the linter ------------------------------------------------------------------------------ */

/* Options of gpv_lint_mem(). */
struct gpv_lint_opts {
    enum gpv_lint_kind kind;           /* GPV_LINT_KIND_NONE: detect from content */
    size_t ngpus;                      /* models to check entries without device-filter against; */
    const struct gpv_gpu *const *gpus; /* none: every model that knows all their names */
};

/* How an entry's models were chosen. */
enum gpv_lint_selected_by {
    GPV_LINT_BY_FILTER, /* its device-filter */
    GPV_LINT_BY_OPTION, /* no filter: the --gpu models (gpv_lint_opts.gpus) */
    GPV_LINT_BY_NAMES,  /* no filter, no --gpu: every model that knows all its names */
};

/* One entry of a mig-parted or vgpu-device-manager config and the models it was checked on. */
struct gpv_lint_entry {
    char *config; /* the config's name */
    int line, col;
    enum gpv_lint_selected_by selected_by;
    size_t nmodels;
    const struct gpv_gpu **models;
};

/* One checked document: the file itself, or one data key of a ConfigMap. */
struct gpv_lint_doc {
    char *key; /* the ConfigMap data key, or NULL for a bare file */
    enum gpv_lint_kind kind;
    size_t nmodels;
    const struct gpv_gpu **models; /* every model some entry was checked against, by id */
    size_t nentries;
    struct gpv_lint_entry *entries; /* per entry (none for device-plugin configs) */
};

/* Returns "device-filter", "gpu-option" or "profile-names". */
const char *gpv_lint_selected_by_name(enum gpv_lint_selected_by by);

struct gpv_lint_result {
    size_t ndocs;
    struct gpv_lint_doc *docs;
    struct gpv_lint_findings findings; /* in file order */
};

/* Returns "mig-parted", "vgpu-device-manager", "device-plugin" (or "none"). */
const char *gpv_lint_kind_name(enum gpv_lint_kind kind);

/* Reads "migparted"/"mig-parted", "vgpu"/"vgpu-device-manager", "device-plugin". */
bool gpv_lint_kind_parse(enum gpv_lint_kind *out, const char *s);

/*
 * Lints buf[0..len) (name is the file name findings cite). On success returns 0 and *out holds
 * the documents checked and every finding (none means clean); the caller frees it with
 * gpv_lint_result_release(). Returns GPV_EINPUT with err filled (and *out empty) when the
 * buffer is not YAML gpuvplan accepts (syntax, anchors, binary bytes, size limits) or is not a
 * config of any known kind.
 */
int gpv_lint_mem(struct gpv_lint_result *out, const struct gpv_db *db, const char *buf, size_t len,
                 const char *name, const struct gpv_lint_opts *opts, struct gpv_error *err);

/* Frees the contents of r and zeroes it. NULL is fine. */
void gpv_lint_result_release(struct gpv_lint_result *r);

#endif
