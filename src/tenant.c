/* Tenants: the model, the names of its enums, the licence table, validation. */
#include "tenant_int.h"

#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const tn_isolation_names[GPV_ISOLATION_COUNT] = {
    [GPV_ISO_NONE] = "none",
    [GPV_ISO_SOFT] = "soft",
    [GPV_ISO_HARD] = "hard",
};

const char *const tn_workload_names[GPV_WORKLOAD_COUNT] = {
    [GPV_WL_TRAINING] = "training", [GPV_WL_INFERENCE] = "inference", [GPV_WL_HPC] = "hpc",
    [GPV_WL_VDI] = "vdi",           [GPV_WL_GRAPHICS] = "graphics",   [GPV_WL_DEV] = "dev",
};

const char *const tn_environment_names[GPV_ENVIRONMENT_COUNT] = {
    [GPV_ENV_CONTAINER] = "container",
    [GPV_ENV_VM] = "vm",
};

const char *const tn_os_names[GPV_OS_COUNT] = {
    [GPV_OS_LINUX] = "linux",
    [GPV_OS_WINDOWS] = "windows",
};

const char *const tn_vgpu_mode_names[GPV_VGPU_MODE_COUNT] = {
    [GPV_VGPU_EQUAL] = "equal",
    [GPV_VGPU_MIXED] = "mixed",
};

_Static_assert(NELEM(tn_isolation_names) == GPV_ISOLATION_COUNT, "one name per isolation");
_Static_assert(NELEM(tn_workload_names) == GPV_WORKLOAD_COUNT, "one name per workload");
_Static_assert(NELEM(tn_environment_names) == GPV_ENVIRONMENT_COUNT, "one name per environment");
_Static_assert(NELEM(tn_os_names) == GPV_OS_COUNT, "one name per operating system");
_Static_assert(NELEM(tn_vgpu_mode_names) == GPV_VGPU_MODE_COUNT, "one name per vGPU mode");

const char *const tn_mig_strategy_names[TN_MIG_STRATEGY_COUNT] = {
    [GPV_MIG_MIXED] = "mixed",
    [GPV_MIG_SINGLE] = "single",
};

const char *
gpv_sharing_name(enum gpv_sharing v)
{
    static const char *const names[] = {"none", "time-slicing", "mps"};

    return (size_t)v < NELEM(names) ? names[v] : "?";
}

const char *
gpv_mig_strategy_name(enum gpv_mig_strategy v)
{
    return (size_t)v < NELEM(tn_mig_strategy_names) ? tn_mig_strategy_names[v] : "?";
}

const char *
gpv_isolation_name(enum gpv_isolation v)
{
    return (size_t)v < NELEM(tn_isolation_names) ? tn_isolation_names[v] : "?";
}

const char *
gpv_workload_name(enum gpv_workload v)
{
    return (size_t)v < NELEM(tn_workload_names) ? tn_workload_names[v] : "?";
}

const char *
gpv_environment_name(enum gpv_environment v)
{
    return (size_t)v < NELEM(tn_environment_names) ? tn_environment_names[v] : "?";
}

const char *
gpv_os_name(enum gpv_os v)
{
    return (size_t)v < NELEM(tn_os_names) ? tn_os_names[v] : "?";
}

const char *
gpv_vgpu_mode_name(enum gpv_vgpu_mode v)
{
    return (size_t)v < NELEM(tn_vgpu_mode_names) ? tn_vgpu_mode_names[v] : "?";
}

/* Looks s up in names[0..n); returns its index or -1. */
static int
name_index(const char *const *names, size_t n, const char *s)
{
    size_t i;

    for (i = 0; s && i < n; i++)
        if (names[i] && !strcmp(s, names[i]))
            return (int)i;
    return -1;
}

bool
gpv_isolation_parse(enum gpv_isolation *out, const char *s)
{
    int i = name_index(tn_isolation_names, NELEM(tn_isolation_names), s);

    if (i >= 0)
        *out = (enum gpv_isolation)i;
    return i >= 0;
}

bool
gpv_workload_parse(enum gpv_workload *out, const char *s)
{
    int i = name_index(tn_workload_names, NELEM(tn_workload_names), s);

    if (i >= 0)
        *out = (enum gpv_workload)i;
    return i >= 0;
}

bool
gpv_environment_parse(enum gpv_environment *out, const char *s)
{
    int i = name_index(tn_environment_names, NELEM(tn_environment_names), s);

    if (i >= 0)
        *out = (enum gpv_environment)i;
    return i >= 0;
}

bool
gpv_os_parse(enum gpv_os *out, const char *s)
{
    int i = name_index(tn_os_names, NELEM(tn_os_names), s);

    if (i >= 0)
        *out = (enum gpv_os)i;
    return i >= 0;
}

bool
gpv_vgpu_mode_parse(enum gpv_vgpu_mode *out, const char *s)
{
    int i = name_index(tn_vgpu_mode_names, NELEM(tn_vgpu_mode_names), s);

    if (i >= 0)
        *out = (enum gpv_vgpu_mode)i;
    return i >= 0;
}

#define LICENSE_ROW(e, key, title, field) [e] = {key, title, offsetof(struct gpv_licenses, field)},
static const struct {
    const char *key;
    const char *title;
    size_t offset;
} licenses[GPV_LIC_COUNT] = {LICENSES(LICENSE_ROW)};

const char *
gpv_license_key(enum gpv_license l)
{
    return (size_t)l < GPV_LIC_COUNT ? licenses[l].key : "?";
}

const char *
gpv_license_title(enum gpv_license l)
{
    return (size_t)l < GPV_LIC_COUNT ? licenses[l].title : "?";
}

bool
gpv_license_parse(enum gpv_license *out, const char *s)
{
    size_t i;

    for (i = 0; s && i < GPV_LIC_COUNT; i++) {
        if (!strcmp(s, licenses[i].key)) {
            *out = (enum gpv_license)i;
            return true;
        }
    }
    return false;
}

bool
gpv_license_held(const struct gpv_licenses *lic, enum gpv_license l)
{
    return (size_t)l < GPV_LIC_COUNT && *(const bool *)((const char *)lic + licenses[l].offset);
}

void
gpv_license_set(struct gpv_licenses *lic, enum gpv_license l, bool held)
{
    if ((size_t)l < GPV_LIC_COUNT)
        *(bool *)((char *)lic + licenses[l].offset) = held;
}

void
gpv_tenant_init(struct gpv_tenant *t)
{
    memset(t, 0, sizeof(*t));
    t->replicas = 1;
    t->isolation = GPV_ISO_SOFT;
    t->workload = GPV_WL_INFERENCE;
    t->environment = GPV_ENV_CONTAINER;
    t->os = GPV_OS_LINUX;
}

bool
gpv_tenant_whole_gpu(const struct gpv_tenant *t)
{
    return t->gpus >= 1 || t->full_gpu;
}

int
gpv_tenant_gpus(const struct gpv_tenant *t)
{
    if (t->gpus >= 1)
        return t->gpus;
    return t->full_gpu ? 1 : 0;
}

/* Number of the numeric facts a decision depends on (kind_facts()). */
#define KIND_FACTS 13

/* The numeric facts of t that its decision depends on, in one order for comparing and hashing,
 * so that gpv_tenant_kind_cmp() and gpv_tenant_kind_hash() cannot disagree. A field that a rule
 * or the packer reads belongs here (or in the strings compared below). */
static void
kind_facts(long long v[KIND_FACTS], const struct gpv_tenant *t)
{
    v[0] = t->memory_mib;
    v[1] = t->memory;
    v[2] = t->replicas;
    v[3] = t->isolation;
    v[4] = t->workload;
    v[5] = t->environment;
    v[6] = t->live_migration;
    v[7] = t->full_gpu;
    v[8] = t->gpus;
    v[9] = t->media;
    v[10] = t->spread;
    v[11] = t->os;
    v[12] = (long long)(t->compute * 1e9);
}

int
gpv_tenant_kind_cmp(const struct gpv_tenant *a, const struct gpv_tenant *b)
{
    long long va[KIND_FACTS], vb[KIND_FACTS];
    size_t i;
    int r;

    kind_facts(va, a);
    kind_facts(vb, b);
    for (i = 0; i < KIND_FACTS; i++)
        if (va[i] != vb[i])
            return va[i] < vb[i] ? -1 : 1;
    if (a->gpu != b->gpu)
        return !a->gpu ? -1 : !b->gpu ? 1 : strcmp(a->gpu->id, b->gpu->id);
    if ((a->memory_text == NULL) != (b->memory_text == NULL))
        return a->memory_text ? 1 : -1;
    if (a->memory_text && (r = strcmp(a->memory_text, b->memory_text)))
        return r;
    return 0;
}

/* FNV-1a over what gpv_tenant_kind_cmp() compares, so that equal kinds hash alike. */
uint64_t
gpv_tenant_kind_hash(const struct gpv_tenant *t)
{
    uint64_t h = 1469598103934665603ULL;
    long long v[KIND_FACTS];
    const unsigned char *p;
    size_t i;

    kind_facts(v, t);
    for (i = 0; i < KIND_FACTS; i++) {
        h ^= (uint64_t)v[i];
        h *= 1099511628211ULL;
    }
    for (p = (const unsigned char *)(t->gpu ? t->gpu->id : ""); *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    for (p = (const unsigned char *)(t->memory_text ? t->memory_text : ""); *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

void
gpv_tenant_release(struct gpv_tenant *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->memory_text);
    t->name = NULL;
    t->memory_text = NULL;
}

static void
fleet_entry_release(struct gpv_fleet_entry *fe)
{
    size_t i;

    for (i = 0; fe->nodes && i < fe->nnodes; i++)
        free(fe->nodes[i]);
    free(fe->nodes);
    for (i = 0; fe->labels && i < fe->nlabels; i++) {
        free(fe->labels[i].key);
        free(fe->labels[i].value);
    }
    free(fe->labels);
    fe->nodes = NULL;
    fe->labels = NULL;
    fe->nnodes = fe->nlabels = 0;
}

char *
tn_strings_dup(struct gpv_tenant_strings **strings, const char *s)
{
    struct gpv_tenant_strings *set = *strings;
    struct tn_block *b;
    size_t n = strlen(s) + 1;
    char *p;

    if (!set)
        set = *strings = xcalloc(1, sizeof(*set));
    b = set->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > TN_STRINGS_BLOCK ? n : TN_STRINGS_BLOCK;

        b = xmalloc(sizeof(*b) + cap);
        b->used = 0;
        b->cap = cap;
        b->next = set->blocks;
        set->blocks = b;
    }
    p = b->data + b->used;
    memcpy(p, s, n);
    b->used += n;
    return p;
}

void
tn_strings_free(struct gpv_tenant_strings *strings)
{
    struct tn_block *b, *next;

    if (!strings)
        return;
    for (b = strings->blocks; b; b = next) {
        next = b->next;
        free(b);
    }
    free(strings);
}

void
gpv_tenants_release(struct gpv_tenants *t)
{
    size_t i;

    if (!t)
        return;
    /* A loaded file's strings are in one set, freed at once. */
    for (i = 0; !t->strings && i < t->ntenants; i++)
        gpv_tenant_release(&t->tenants[i]);
    tn_strings_free(t->strings);
    free(t->tenants);
    for (i = 0; t->fleet && i < t->nfleet; i++)
        fleet_entry_release(&t->fleet[i]);
    free(t->fleet);
    free(t->name);
    memset(t, 0, sizeof(*t));
}

int
gpv_tenants_find(const struct gpv_tenants *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->ntenants; i++)
        if (!strcmp(t->tenants[i].name, name))
            return (int)i;
    return -1;
}

/* Names people can read in messages: the name itself when it is tame, else a position. */
bool
tn_tame_name(const char *s)
{
    size_t n = 0;

    for (; *s; s++, n++) {
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return false;
    }
    return n > 0 && n <= GPV_TENANT_NAME_MAX;
}

int
gpv_tenant_validate(enum gpv_tenant_field *field, const struct gpv_tenant *t,
                    const struct gpv_tenants *file, struct gpv_error *err)
{
    enum gpv_tenant_field f = GPV_TENANT_F_NONE;
    size_t i;
    int rc = 0;

    if (!tn_tame_name(t->name)) {
        f = GPV_TENANT_F_NAME;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "tenant name must be 1 to %d letters, digits, '.', '_' or '-'",
                           GPV_TENANT_NAME_MAX);
        goto out;
    }
    /* The tenant is named in each message as "tenant 'NAME'", formatted only on failure. */
    if (t->replicas < 1 || t->replicas > GPV_TENANT_REPLICAS) {
        f = GPV_TENANT_F_REPLICAS;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "'replicas' of tenant '%s' must be between 1 and %d, not %d", t->name,
                           GPV_TENANT_REPLICAS, t->replicas);
    } else if (t->gpus < 0 || t->gpus > GPV_TENANT_GPUS_MAX) {
        f = GPV_TENANT_F_GPUS;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "'gpus' of tenant '%s' must be between 0 and %d, not %d", t->name,
                           GPV_TENANT_GPUS_MAX, t->gpus);
    } else if (t->memory <= 0 && !gpv_tenant_whole_gpu(t)) {
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "missing key 'memory' in tenant '%s' (needed unless 'gpus' or "
                           "'full_gpu' asks for whole GPUs)",
                           t->name);
    } else if (t->compute > 0 && gpv_tenant_whole_gpu(t)) {
        f = GPV_TENANT_F_COMPUTE;
        if (t->gpus >= 1)
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "'compute' of tenant '%s' is a share of one GPU, but the tenant "
                               "asks for whole GPUs (gpus: %d)",
                               t->name, t->gpus);
        else
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "'compute' of tenant '%s' is a share of one GPU, but the tenant "
                               "asks for a whole GPU (full_gpu: true)",
                               t->name);
    } else if (t->gpu && file && file->nfleet) {
        for (i = 0; i < file->nfleet; i++)
            if (file->fleet[i].gpu == t->gpu)
                break;
        if (i == file->nfleet) {
            f = GPV_TENANT_F_GPU;
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "tenant '%s' is pinned to '%s', which is not in the fleet", t->name,
                               t->gpu->id);
        }
    }
out:
    if (field)
        *field = f;
    return rc;
}
