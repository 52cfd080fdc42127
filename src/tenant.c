/* Tenants: the model, the names of its enums, the licence table, validation. */
#include "tenant_int.h"

#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
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

const char *const tn_vgpu_mode_names[GPV_VGPU_MODE_COUNT] = {
    [GPV_VGPU_EQUAL] = "equal",
    [GPV_VGPU_MIXED] = "mixed",
};

_Static_assert(NELEM(tn_isolation_names) == GPV_ISOLATION_COUNT, "one name per isolation");
_Static_assert(NELEM(tn_workload_names) == GPV_WORKLOAD_COUNT, "one name per workload");
_Static_assert(NELEM(tn_environment_names) == GPV_ENVIRONMENT_COUNT, "one name per environment");
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

void
gpv_tenants_release(struct gpv_tenants *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->ntenants; i++)
        gpv_tenant_release(&t->tenants[i]);
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
    char *what = NULL;
    size_t i;
    int rc = 0;

    if (!tn_tame_name(t->name)) {
        f = GPV_TENANT_F_NAME;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "tenant name must be 1 to %d letters, digits, '.', '_' or '-'",
                           GPV_TENANT_NAME_MAX);
        goto out;
    }
    what = xasprintf("tenant '%s'", t->name);
    if (t->replicas < 1 || t->replicas > GPV_TENANT_REPLICAS) {
        f = GPV_TENANT_F_REPLICAS;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "'replicas' of %s must be between 1 and %d, not %d", what,
                           GPV_TENANT_REPLICAS, t->replicas);
    } else if (t->gpus < 0 || t->gpus > GPV_TENANT_GPUS_MAX) {
        f = GPV_TENANT_F_GPUS;
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "'gpus' of %s must be between 0 and %d, not %d", what,
                           GPV_TENANT_GPUS_MAX, t->gpus);
    } else if (t->memory <= 0 && !gpv_tenant_whole_gpu(t)) {
        rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                           "missing key 'memory' in %s (needed unless 'gpus' or 'full_gpu' asks "
                           "for whole GPUs)",
                           what);
    } else if (t->compute > 0 && gpv_tenant_whole_gpu(t)) {
        f = GPV_TENANT_F_COMPUTE;
        if (t->gpus >= 1)
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "'compute' of %s is a share of one GPU, but the tenant asks for "
                               "whole GPUs (gpus: %d)",
                               what, t->gpus);
        else
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "'compute' of %s is a share of one GPU, but the tenant asks for "
                               "a whole GPU (full_gpu: true)",
                               what);
    } else if (t->gpu && file && file->nfleet) {
        for (i = 0; i < file->nfleet; i++)
            if (file->fleet[i].gpu == t->gpu)
                break;
        if (i == file->nfleet) {
            f = GPV_TENANT_F_GPU;
            rc = gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                               "%s is pinned to '%s', which is not in the fleet", what, t->gpu->id);
        }
    }
out:
    if (field)
        *field = f;
    free(what);
    return rc;
}
