#ifndef GPUVPLAN_TENANT_INT_H
#define GPUVPLAN_TENANT_INT_H

/*
 * Private to src/tenant*.c: tenant.c (the model: enum names, the licence table, lifecycle,
 * gpv_tenant_validate()), tenant_fleet.c (fleet entries: nodes, labels, Kubernetes names),
 * tenant_decode.c (one tenant's mapping into its struct) and tenant_load.c (the tenants file
 * loader: the file streamed, the errors of one load).
 */

#include "gpuvplan/tenant.h"
#include "gpuvplan/yamldoc.h"

#include <stdbool.h>
#include <stddef.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The one list of licences: the key the file uses, the product name, the field. It expands to
 * the name table below and to the schema of `licenses` (license_fields).
 */
#define LICENSES(X)                                                                                \
    X(GPV_LIC_AI_ENTERPRISE, "ai_enterprise", "AI Enterprise", ai_enterprise)                      \
    X(GPV_LIC_VWS, "vws", "vWS", vws)                                                              \
    X(GPV_LIC_VPC, "vpc", "vPC", vpc)                                                              \
    X(GPV_LIC_VAPPS, "vapps", "vApps", vapps)

#define TN_MIG_STRATEGY_COUNT 2

/* The names the file spells each enum with, indexed by the enum. */
extern const char *const tn_isolation_names[GPV_ISOLATION_COUNT];
extern const char *const tn_workload_names[GPV_WORKLOAD_COUNT];
extern const char *const tn_environment_names[GPV_ENVIRONMENT_COUNT];
extern const char *const tn_os_names[GPV_OS_COUNT];
extern const char *const tn_vgpu_mode_names[GPV_VGPU_MODE_COUNT];
extern const char *const tn_mig_strategy_names[TN_MIG_STRATEGY_COUNT];

/* The strings of a loaded file's tenants: blocks of at least TN_STRINGS_BLOCK bytes. */
#define TN_STRINGS_BLOCK (64 * 1024)
struct tn_block {
    struct tn_block *next;
    size_t used, cap;
    char data[];
};
struct gpv_tenant_strings {
    struct tn_block *blocks;
};

/* A copy of s in strings (a new set when *strings is NULL). */
char *tn_strings_dup(struct gpv_tenant_strings **strings, const char *s);

/* Frees strings and every string in it. NULL is fine. */
void tn_strings_free(struct gpv_tenant_strings *strings);

/* Names people can read in messages: the name itself when it is tame, else a position. */
bool tn_tame_name(const char *s);

/* Reads fleet entry `index` (a mapping) into *out: the model, its count or nodes, labels,
 * strategy, cost and vGPU mode. Returns 0 or GPV_EINPUT with err at its position. */
int tn_load_fleet_entry(struct gpv_fleet_entry *out, const struct gpv_ydoc *doc,
                        const struct gpv_ynode *map, size_t index, const struct gpv_db *db,
                        struct gpv_error *err);

/* Node names are unique across the fleet; the first repeat in file order is reported. */
int tn_check_unique_nodes(const struct gpv_tenants *t, const struct gpv_ydoc *doc,
                          const struct gpv_ynode *seq, struct gpv_error *err);

/* Reads an enum value named by one of names[0..n). */
int tn_read_enum(int *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
                 const char *const *names, size_t n, const char *key, const char *what,
                 struct gpv_error *err);

/*
 * Resolves a GPU model named at node as the command line does (gpv_db_resolve): a name that
 * fits several models is an error listing them; unknown names get the closest model id.
 */
int tn_resolve_gpu(const struct gpv_gpu **out, const struct gpv_ydoc *doc,
                   const struct gpv_ynode *node, const struct gpv_db *db, const char *what,
                   struct gpv_error *err);

/* "tenant 'web'", or "tenant 3" when the name is missing or odd. Caller frees. */
char *tn_item_what(const char *kind, const struct gpv_ynode *map, const char *key, size_t index);

/*
 * Memory quantities met, by hash of their text (a file repeats a few): the file's copy of the
 * text and its bytes, so a repeat is neither parsed nor copied again.
 */
struct tn_mem_memo {
    char *text[64];
    long long bytes[64];
    struct gpv_tenant_strings **strings; /* where the copies go */
};

/*
 * The errors of one load, in the order found; sorted into file order at the end. Once one
 * more than GPV_TENANTS_ERRORS_MAX is found (more), the rest of the file is not read.
 */
struct tn_errs {
    struct gpv_error v[GPV_TENANTS_ERRORS_MAX];
    size_t n;
    bool more;
};

/* Keeps *e in errs when rc says it holds an error (or notes that there are more). Returns rc. */
int tn_errs_keep(struct tn_errs *errs, int rc, const struct gpv_error *e);

/*
 * Loads tenant `index` of file (the mapping map, in doc) into t, keeping each bad field's error
 * in errs (fields are independent once the mapping decodes; the final whole-tenant validation
 * runs only when all were read). Memory quantities are parsed once through memo, their text
 * copied into *memo->strings. Returns 0 or GPV_EINPUT.
 */
int tn_load_tenant(struct gpv_tenant *t, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
                   size_t index, const struct gpv_tenants *file, const struct gpv_db *db,
                   struct tn_mem_memo *memo, struct tn_errs *errs);

#endif
