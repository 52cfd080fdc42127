#ifndef GPUVPLAN_DB_H
#define GPUVPLAN_DB_H

/*
 * The profile database: GPU models, their MIG GPU-instance profiles with exact placement rules,
 * their vGPU types, and where every fact came from. Loaded from YAML buffers (the embedded
 * the YAML files of profiles/gpus/, then any --profiles directory); docs/profiles.md is the file
 * format.
 *
 * Pure: no printing, no file access. Profiles are per model: `1g.10gb` on an A100-40GB is a
 * different profile from `1g.10gb` on an H100-80GB, so every lookup takes the model.
 */

#include "gpuvplan/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPV_MIG_MAX_UNITS 32 /* placement grids are at most this many units (real: 4, 8, 12) */

/* Bits of an `inferred` mask: which values are inferred rather than quoted from a source. */
enum gpv_fact {
    GPV_F_NAME = 1u << 0,
    GPV_F_ID = 1u << 1,
    GPV_F_SIZE = 1u << 2,
    GPV_F_STARTS = 1u << 3,
    GPV_F_MAX = 1u << 4,
    GPV_F_MEMORY = 1u << 5,
    GPV_F_SMS = 1u << 6,
    GPV_F_ENGINES = 1u << 7,
    GPV_F_COMPUTE = 1u << 8,
    GPV_F_FRAMEBUFFER = 1u << 9,
    GPV_F_MAX_MIXED = 1u << 10,
    GPV_F_PLACEMENTS = 1u << 11,
    GPV_F_MIG_PROFILE = 1u << 12,
    GPV_F_SERIES = 1u << 13,
    GPV_F_SINCE_DRIVER = 1u << 14,
};

/* Returns the file-format key of one gpv_fact bit ("starts"), or NULL for an unknown bit. */
const char *gpv_fact_name(unsigned bit);

struct gpv_source {
    char *id;
    char *title;
    char *url; /* may be NULL */
};

/* Hardware engines of a GPU instance; -1 where unknown. */
struct gpv_engines {
    int ce, nvdec, nvenc, jpeg, ofa;
};

struct gpv_mig_profile {
    char *name;         /* "1g.20gb", as nvidia-smi prints it */
    int id;             /* nvidia-smi GPU-instance profile id */
    int compute_slices; /* the `g` of the name */
    int size;           /* units of the placement grid it occupies */
    int nstarts;
    int starts[GPV_MIG_MAX_UNITS]; /* allowed start units, ascending */
    uint32_t start_mask;           /* bit s set iff s is an allowed start */
    int max;                       /* most instances per GPU */
    long long memory_mib;          /* usable memory */
    double memory_gib;             /* the figure as quoted */
    int sms;                       /* streaming multiprocessors; 0 when unknown */
    struct gpv_engines engines;
    bool media;         /* has media extensions (+me, +me.all) */
    int since_driver;   /* first driver branch offering it; 0 = always */
    unsigned inferred;  /* enum gpv_fact bits */
    const char *source; /* source id (points into the model's sources) */
    char *note;         /* may be NULL */
    size_t naliases;
    char **aliases; /* other names of the same profile ("1g.24gb" for GB200's 1g.23gb) */
};

enum gpv_constraint_kind {
    GPV_CONSTRAINT_MAX,       /* at most `max` instances in total among `a` */
    GPV_CONSTRAINT_EXCLUSIVE, /* no instance of `a` together with an instance of `b` */
};

struct gpv_mig_constraint {
    enum gpv_constraint_kind kind;
    uint64_t a;        /* bit i = profile index i */
    uint64_t b;        /* EXCLUSIVE only */
    int max;           /* MAX only */
    int before_driver; /* holds only on drivers older than this branch; 0 = always */
    bool inferred;
    char *reason;
    const char *source;
};

#define GPV_MIG_MAX_PROFILES 64

/* Most valid MIG layouts (non-empty multisets of instances) one GPU of a model may allow on the
 * newest driver. The loader refuses a model with more: the packer, `mig layouts` and `compare`
 * enumerate them, so this bounds their work (the largest real model has 260). */
#define GPV_MIG_MAX_LAYOUTS 10000

struct gpv_mig {
    int units;
    int compute_slices;
    size_t nprofiles; /* at most GPV_MIG_MAX_PROFILES */
    struct gpv_mig_profile *profiles;
    size_t nconstraints;
    struct gpv_mig_constraint *constraints;
};

enum gpv_series {
    GPV_SERIES_A, /* virtual applications */
    GPV_SERIES_B, /* virtual PC */
    GPV_SERIES_C, /* compute */
    GPV_SERIES_Q, /* virtual workstation */
};

/* Returns "A", "B", "C" or "Q". */
const char *gpv_series_name(enum gpv_series s);

/* The licence a series needs (e.g. "NVIDIA AI Enterprise" for C), with its source. */
const char *gpv_series_license(enum gpv_series s);
const char *gpv_series_license_source(enum gpv_series s);

/*
 * Whether the licence of series `licence` also licenses a vGPU of series s: its own series, and
 * RTX vWS (Q) for virtual PC (B) as well.
 */
bool gpv_series_license_covers(enum gpv_series licence, enum gpv_series s);

struct gpv_vgpu_type {
    char *name; /* "H100-20C", "H100-1-10C" */
    enum gpv_series series;
    long long framebuffer_mib;
    int max;       /* per GPU in equal-size mode */
    int max_mixed; /* per GPU in mixed-size mode; 0 = not offered there */
    int size_gb;   /* placement size in mixed-size mode: frame buffer in GB, rounded */
    int nplacements;
    int *placements;   /* mixed-size placement ids (GB offsets); NULL when none */
    int mig_profile;   /* index into the model's MIG profiles, or -1 for time-sliced types */
    unsigned inferred; /* enum gpv_fact bits */
    const char *source;
};

struct gpv_vgpu {
    size_t nprefixes;
    char **prefixes;
    bool mixed_size;
    size_t ntypes;
    struct gpv_vgpu_type *types;
};

enum gpv_gpu_fact {
    GPV_GF_MEMORY = 1u << 0,
    GPV_GF_ARCHITECTURE = 1u << 1,
};

struct gpv_gpu {
    char *id; /* canonical: "h100-80gb" */
    char *name;
    size_t naliases;
    char **aliases;
    char *architecture;
    long long memory_mib;
    int gpus_per_board;
    size_t nsources;
    struct gpv_source *sources;
    size_t nnotes;
    char **notes;
    unsigned inferred;     /* enum gpv_gpu_fact bits */
    struct gpv_mig *mig;   /* NULL: no MIG */
    struct gpv_vgpu *vgpu; /* NULL: no vGPU */
    char *origin;          /* the file it was loaded from ("profiles/gpus/h100-80gb.yaml") */
    bool builtin;          /* compiled into the binary (static data): never freed */
    bool overrides;        /* loaded with override: no later file may replace it */
};

/* Most GPU models one database holds, embedded and --profiles together: planning without
 * --gpu compares every model, so this bounds its work (about 1 s at the limit). */
#define GPV_DB_MAX_MODELS 256

struct gpv_db {
    size_t ngpus;
    struct gpv_gpu **gpus; /* sorted by id after every load */
};

/* Sets db to empty. No allocation. */
void gpv_db_init(struct gpv_db *db);

/* Frees the contents of db and sets it to empty. */
void gpv_db_release(struct gpv_db *db);

/*
 * Parses one model file from buf[0..len); name is used in error messages and as the model's
 * origin. The model is validated (see docs/profiles.md, "Strictness") and added to db; a model
 * whose id is already in db replaces it when `override` is true and the model there was not
 * itself loaded with override (two --profiles files with one id), and is an error otherwise.
 * Returns 0, or GPV_EINPUT with err saying file:line:col and what is wrong (db unchanged).
 */
int gpv_db_load_mem(struct gpv_db *db, const char *buf, size_t len, const char *name, bool override,
                    struct gpv_error *err);

/*
 * Adds every model compiled into the binary to db: the models of profiles/gpus/, parsed at build
 * time into static data (tools/dbgen.c), so nothing is parsed here. The models are shared and
 * marked `builtin`; gpv_db_release and an override (gpv_db_load_mem) leave them alone. db must
 * hold no model of the same id. Returns 0; when the binary was built without compiled models
 * (tools/dbgen.c itself), does what gpv_db_load_embedded_yaml does.
 */
int gpv_db_load_embedded(struct gpv_db *db, struct gpv_error *err);

/*
 * Parses the YAML files of profiles/gpus/ embedded in the binary (tools/embed.c) into db with
 * gpv_db_load_mem: what gpv_db_load_embedded gives, the slow way. Returns 0 or GPV_EINPUT (a bad
 * embedded file is a build bug; tests catch it).
 */
int gpv_db_load_embedded_yaml(struct gpv_db *db, struct gpv_error *err);

struct gpv_buf;

/*
 * Appends to out a C source file that defines every model of db as static data, the table
 * `gpv_db_compiled` (NULL-terminated) and `gpv_db_compiled_count` (src/db_int.h), each model
 * marked `builtin`. Every field is written, so two databases give the same text exactly when
 * they hold the same models (the unit tests compare the compiled models with the YAML this way).
 */
void gpv_db_write_c(struct gpv_buf *out, const struct gpv_db *db);

/* A PCI id as nvidia-smi, mig-parted and vgpu-device-manager write it. */
struct gpv_pci_id {
    unsigned device;        /* 0x2330 */
    unsigned vendor;        /* 0x10DE; 0 when the text gave only the device */
    unsigned subsys_device; /* 0 when the text gave no subsystem */
    unsigned subsys_vendor; /* 0 when the text gave no subsystem */
};

/*
 * Parses a PCI id in any of the forms the tools write, hex digits in any case:
 *   "0x2330"                  device only (gpuvplan's aliases)
 *   "0x233010DE"              device and vendor (nvidia-smi --query-gpu=pci.device_id,
 *                             mig-parted and vgpu-device-manager device-filter)
 *   "0x233010DE:0x16C110DE"   the same with subsystem device and vendor (device-filter)
 *   "10de:2330"               vendor:device as lspci -nn prints it
 * Returns true and fills *out (absent parts 0), or false with *out unchanged.
 */
bool gpv_pci_id_parse(struct gpv_pci_id *out, const char *s);

/*
 * Resolves a GPU name as people and tools write it: the id or an alias, exactly or ignoring
 * case, spaces, '-' and '_'; a leading "NVIDIA" or "Tesla" (nvidia-smi's "NVIDIA H100 PCIe",
 * "Tesla T4"); GPU feature discovery's product label ("NVIDIA-A100-SXM4-80GB", with its
 * "-SHARED" or "-MIG-..." suffix); or a PCI id in any gpv_pci_id_parse() form (an NVIDIA vendor,
 * the subsystem ignored). A family name that begins the names of several models ("a100",
 * "h100") is ambiguous. Stores up to cap models in out (ordered by id) and returns how many
 * match: 1 resolved (out[0]), more than 1 ambiguous, 0 none.
 */
size_t gpv_db_resolve(const struct gpv_gpu **out, size_t cap, const struct gpv_db *db,
                      const char *name);

/* The model gpv_db_resolve() resolves name to, or NULL when it is unknown or ambiguous. */
const struct gpv_gpu *gpv_db_find(const struct gpv_db *db, const char *name);

/*
 * Like gpv_db_find(), but on failure fills err (GPV_EINPUT, no position) and returns NULL:
 * "ambiguous GPU 'a100': it could be 'a100-40gb' or 'a100-80gb'", "unknown GPU 'x' (did you mean
 * 'y'?)" (only for a model of the same family), or what is wrong with a PCI id.
 */
const struct gpv_gpu *gpv_db_lookup(const struct gpv_db *db, const char *name,
                                    struct gpv_error *err);

/*
 * Finds a MIG profile by name, then by one of its aliases (both ignoring case), then by nvidia-smi
 * id ("19"). Returns its index or -1.
 */
int gpv_gpu_find_profile(const struct gpv_gpu *gpu, const char *name_or_id);

/* Suggests the closest profile name to a missing one. Returns the index or -1. */
int gpv_gpu_suggest_profile(const struct gpv_gpu *gpu, const char *name);

/*
 * Finds a vGPU type by name under any of the model's prefixes, case-insensitively; a trailing
 * "GFX" (vgpu-device-manager's "DC-1-24CGFX") names the type of that name on a +gfx GPU instance.
 * Returns its index or -1.
 */
int gpv_gpu_find_vgpu_type(const struct gpv_gpu *gpu, const char *name);

/*
 * The answers of gpv_gpu_find_profile and gpv_gpu_find_vgpu_type remembered, for callers that
 * ask about the same few names thousands of times (checking a large plan). Caller owned and
 * initialised with gpv_db_cache_init; it copies the names it keeps (names of 48 bytes and more
 * are looked up every time), so it holds no pointer but to the models, which must outlive it.
 */
#define GPV_DB_CACHE 128
struct gpv_db_cache {
    struct gpv_db_cache_entry {
        const struct gpv_gpu *gpu; /* NULL: empty */
        bool vgpu;                 /* a vGPU type, not a MIG profile */
        int idx;
        char name[48];
    } e[GPV_DB_CACHE];
};

/* Empties cache. */
void gpv_db_cache_init(struct gpv_db_cache *cache);

/* gpv_gpu_find_profile, through cache. */
int gpv_gpu_find_profile_cached(struct gpv_db_cache *cache, const struct gpv_gpu *gpu,
                                const char *name_or_id);

/* gpv_gpu_find_vgpu_type, through cache. */
int gpv_gpu_find_vgpu_type_cached(struct gpv_db_cache *cache, const struct gpv_gpu *gpu,
                                  const char *name);

/* Finds a source by id. Returns NULL when there is none. */
const struct gpv_source *gpv_gpu_source(const struct gpv_gpu *gpu, const char *id);

/* The largest MIG profile memory on the model (MiB), or 0 without MIG. */
long long gpv_gpu_max_mig_memory(const struct gpv_gpu *gpu);

#endif
