#ifndef GPUVPLAN_SMI_H
#define GPUVPLAN_SMI_H

/*
 * What a node reports about its GPUs, read from text an operator pastes from a terminal:
 * `nvidia-smi --query-gpu=index,name,pci.device_id,memory.total,mig.mode.current --format=csv`
 * (with or without `noheader,nounits`), `nvidia-smi -L`, `nvidia-smi mig -lgi`, `-lgip`,
 * `-lgipp`, the `nvidia-smi` banner (driver version), and `nvidia-mig-parted export` YAML, in
 * any order, with shell prompt lines and `#` comments ignored and `# node: NAME` naming the
 * node. docs/state.md describes the accepted text; the formats are in
 * ../shared/reference/formats.md §5 and §1.
 *
 * Then, against the profile database: the state document (`gpuvplan state`), and a profile
 * file for a model from its own -lgip/-lgipp output (`gpuvplan import-profile`).
 *
 * Pure: no printing, no file access. Every datum keeps its line and column.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stddef.h>

#define GPV_SMI_MAX_BYTES     (16u << 20) /* largest input text */
#define GPV_SMI_MAX_LINES     1000000     /* most lines in one input */
#define GPV_SMI_MAX_LINE      4096        /* longest line, in bytes */
#define GPV_SMI_MAX_GPUS      64          /* GPUs per node: index 0..63 */
#define GPV_SMI_MAX_INSTANCES 32          /* GPU instances per GPU (a grid has <= 32 units) */
#define GPV_SMI_MAX_PROFILES  64          /* -lgip profiles per GPU */
#define GPV_SMI_MAX_ENTRIES   256         /* mig-parted export entries per node */
#define GPV_SMI_NAME_MAX      128         /* longest node, GPU or profile name */

/* A place in an input: file name (points into the owning struct gpv_smi), line, column. */
struct gpv_smi_pos {
    const char *file;
    int line;
    int col;
};

/* One row of `nvidia-smi mig -lgi`. */
struct gpv_smi_instance {
    char *profile;  /* "1g.10gb" */
    int profile_id; /* GPU-instance profile id */
    int gi_id;      /* GPU-instance id (driver-assigned) */
    int start, size;
    struct gpv_smi_pos pos;    /* the row (its GPU index) */
    struct gpv_smi_pos id_pos; /* the profile id */
    struct gpv_smi_pos pl_pos; /* the Start:Size */
};

/* One GPU-instance profile of `-lgip`, with its `-lgipp` placements. */
struct gpv_smi_profile {
    char *name;
    int id;
    int free, total;   /* "Instances Free/Total" */
    double memory_gib; /* as printed */
    bool p2p;
    int sms, dec, enc, ce, jpeg, ofa; /* -1 when the second line is missing (ce, jpeg, ofa) */
    int nstarts;                      /* 0 until a -lgipp line names the profile */
    int starts[GPV_SMI_MAX_INSTANCES];
    int size;
    struct gpv_smi_pos pos;    /* the -lgip row */
    struct gpv_smi_pos pp_pos; /* the -lgipp line */
};

/* One GPU of a node, merged from every input that mentions its index. */
struct gpv_smi_gpu {
    int index;
    char *name;           /* NULL when no --query-gpu row or -L line named it */
    int device_id;        /* 16-bit PCI device id, or -1 */
    long long memory_mib; /* memory.total, or -1 */
    int mig_mode;         /* 1 Enabled, 0 Disabled, -1 unknown or N/A */
    bool mig_capable;     /* mig.mode.current is not N/A */
    int lgi_table;        /* which -lgi table listed it (1, 2, ...), 0 for none */
    struct gpv_smi_pos pos, name_pos, id_pos, mode_pos;
    int ninst;
    struct gpv_smi_instance inst[GPV_SMI_MAX_INSTANCES];
    int nprofiles;
    struct gpv_smi_profile profiles[GPV_SMI_MAX_PROFILES];
};

/* One `mig-devices` count of a mig-parted export entry. */
struct gpv_smi_count {
    char *profile;
    int count;
    struct gpv_smi_pos pos;
};

/* One entry of a mig-parted export config. */
struct gpv_smi_entry {
    bool all;                   /* devices: all */
    unsigned long long devices; /* bit i = index i, when not all */
    int nfilters;               /* 0: every device id */
    int filters[16];            /* 16-bit PCI device ids */
    bool mig_enabled;
    int ncounts;
    struct gpv_smi_count *counts;
    struct gpv_smi_pos pos;
};

/* What one node reports. */
struct gpv_smi {
    char *node; /* from `# node: NAME`; NULL when no input named it */
    struct gpv_smi_pos node_pos;
    char *driver; /* "535.183.01" from the nvidia-smi banner, or NULL */
    size_t nfiles;
    char **files; /* input names, owned; positions point at them */
    int ngpus;    /* sorted by index */
    struct gpv_smi_gpu *gpus[GPV_SMI_MAX_GPUS];
    bool any_lgi; /* an -lgi table (or its "No GPU instances" line) was seen */
    int nentries;
    struct gpv_smi_entry entries[GPV_SMI_MAX_ENTRIES];
};

/* Sets s to empty. No allocation. */
void gpv_smi_init(struct gpv_smi *s);

/* Frees the contents of s and sets it to empty. */
void gpv_smi_release(struct gpv_smi *s);

/*
 * Finds the name of a `# node: NAME` line in buf[0..len). Returns a new string the caller
 * frees, or NULL when there is none.
 */
char *gpv_smi_find_node(const char *buf, size_t len);

/*
 * Reads one input text buf[0..len) (need not be NUL-terminated), named `name` in errors, and
 * merges what it reports into s (several inputs of one node go into the same s). Returns 0,
 * or GPV_EINPUT with err at file:line:col: an unrecognised line, a malformed row, binary
 * bytes, a limit exceeded (GPV_SMI_MAX_*), a GPU reported twice with different facts, a
 * second node name. On failure s holds what was merged before the error; release it.
 */
int gpv_smi_load_mem(struct gpv_smi *s, const char *buf, size_t len, const char *name,
                     struct gpv_error *err);

/*
 * Reads a 32-bit `0xDDDDVVVV` PCI id (as --query-gpu prints it; an optional `:0xSSSSWWWW`
 * subsystem part is ignored) or a 16-bit `0xDDDD` one into the 16-bit device id.
 * Returns true and sets *out, or false (*out untouched).
 */
bool gpv_smi_parse_pci_id(int *out, const char *s);

/*
 * Finds the database model of GPU g: by PCI device id first, then by name (also without a
 * leading "NVIDIA "). Returns it, or NULL with err (GPV_EINPUT, at the GPU's name or id) saying
 * the GPU is unknown or that nothing names it.
 */
const struct gpv_gpu *gpv_smi_model(const struct gpv_db *db, const struct gpv_smi_gpu *g,
                                    struct gpv_error *err);

/*
 * Builds the state document (schema "gpuvplan.state/1", docs/state.md) of the nodes[0..n):
 * every GPU matched to a model, its MIG mode and its GPU instances (placements from -lgi,
 * counts only from a mig-parted export), each checked with the MIG engine. Nodes must have
 * distinct names (NULL is an error). Returns 0 with *out a new value (caller frees with
 * gpv_val_free), or GPV_EINPUT with err at the offending datum (*out NULL): an unknown GPU, a
 * profile id or name the model lacks, an impossible layout, an export entry naming no GPU,
 * conflicting sources.
 */
int gpv_smi_state(struct gpv_val **out, const struct gpv_db *db, const struct gpv_smi *nodes,
                  size_t n, struct gpv_error *err);

/*
 * Builds a profile file (docs/profiles.md format) for the model of s's lowest-index GPU with
 * -lgip rows, from its -lgip, -lgipp and --query-gpu data. When the database knows the model
 * (by PCI id or name) the file takes its id and architecture, so `--profiles DIR` replaces it;
 * otherwise the id comes from the name. Returns 0 with *out a new NUL-terminated YAML text
 * (caller frees), or GPV_EINPUT with err: no -lgip rows, a profile without -lgipp placements
 * or the reverse, no name or memory, GPUs with different profile lists, an architecture that
 * cannot be told from the name.
 */
int gpv_smi_import_profile(char **out, const struct gpv_db *db, const struct gpv_smi *s,
                           struct gpv_error *err);

/*
 * Compares the imported model of s (as gpv_smi_import_profile() reads it) with the database
 * model `model`: appends one line per difference to *diffs (units, compute slices, profiles
 * missing on either side, and per profile: name, size, starts, max, memory, SMs, engines).
 * Returns the number of differences (0 = they agree), or GPV_EINPUT with err as for
 * gpv_smi_import_profile().
 */
int gpv_smi_compare(struct gpv_buf *diffs, const struct gpv_gpu *model, const struct gpv_smi *s,
                    struct gpv_error *err);

#endif
