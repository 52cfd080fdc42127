/* The packer's input checked before any work: options, models, kinds and totals. */
#include "gpuvplan/pack.h"

#include "pack_config.h"
#include "pack_driver.h"
#include "pack_engine.h"
#include "pack_int.h"

#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- checking the problem ---------------------------------------------------------------- */

static int
check_option(const struct gpv_pack_problem *p, size_t d, size_t i, struct gpv_error *err)
{
    const struct gpv_pack_option *o = &p->demands[d].options[i];
    const struct gpv_gpu *gpu;

    if (o->model < 0 || (size_t)o->model >= p->nmodels)
        return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu option %zu: no model %d", d,
                             i, o->model);
    if (o->clients != 0 &&
        (o->kind != GPV_PACK_MIG || o->clients < 2 || o->clients > GPV_SHARING_REPLICAS_MAX))
        return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                             "demand %zu option %zu: %d clients per instance", d, i, o->clients);
    gpu = p->models[o->model].gpu;
    if (o->gpus > INT16_MAX) /* an instance's part is 16 bits */
        return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                             "demand %zu option %zu: %d GPUs per replica", d, i, o->gpus);
    switch (o->kind) {
    case GPV_PACK_MIG:
    case GPV_PACK_MIG_VGPU:
        if (!gpu->mig || o->profile < 0 || (size_t)o->profile >= gpu->mig->nprofiles)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: no MIG profile %d on %s", d, i, o->profile,
                                 gpu->id);
        if (o->kind == GPV_PACK_MIG)
            break;
        if (!gpu->vgpu || o->vgpu_type < 0 || (size_t)o->vgpu_type >= gpu->vgpu->ntypes ||
            gpu->vgpu->types[o->vgpu_type].mig_profile != o->profile)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: no MIG-backed vGPU type %d on %s "
                                 "over profile %d",
                                 d, i, o->vgpu_type, gpu->id, o->profile);
        break;
    case GPV_PACK_VGPU:
        if (!gpu->vgpu || o->vgpu_type < 0 || (size_t)o->vgpu_type >= gpu->vgpu->ntypes ||
            !gpv_vgpu_time_sliced(&gpu->vgpu->types[o->vgpu_type]))
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: no time-sliced vGPU type %d on %s", d, i,
                                 o->vgpu_type, gpu->id);
        if (p->models[o->model].mixed && !gpu->vgpu->mixed_size)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "model entry %d: %s has no mixed-size mode", o->model, gpu->id);
        break;
    case GPV_PACK_TIME_SLICING:
    case GPV_PACK_MPS:
        if (pk_share_cap(p, d, o) < (o->kind == GPV_PACK_MPS ? 2 : 1))
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: a client does not fit a shared %s", d, i,
                                 gpu->id);
        break;
    case GPV_PACK_WHOLE:
        if (o->gpus < 1)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "demand %zu option %zu: %d GPUs per replica", d, i, o->gpus);
        break;
    default:
        return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu option %zu: bad kind", d, i);
    }
    return 0;
}

int
pk_check_problem(const struct gpv_pack_problem *p, struct gpv_error *err)
{
    long long total = 0;
    size_t d, i;
    int rc;

    for (i = 0; i < p->nmodels; i++)
        if (!p->models[i].gpu)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "model entry %zu has no GPU", i);
    for (d = 0; d < p->ndemands; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        int most = 1;

        if (dm->replicas < 1)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu: %d replicas", d,
                                 dm->replicas);
        if (dm->compute < 0.0 || dm->compute > 1.0 + GPV_VGPU_SHARE_EPS)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "demand %zu: compute %g", d,
                                 dm->compute);
        for (i = 0; i < dm->noptions; i++) {
            if ((rc = check_option(p, d, i, err)))
                return rc;
            if (dm->options[i].kind == GPV_PACK_WHOLE && dm->options[i].gpus > most)
                most = dm->options[i].gpus;
        }
        total += (long long)dm->replicas * most;
        if (total > PACK_MAX_INSTANCES)
            return gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                                 "more than %lld instances in total; split the problem",
                                 PACK_MAX_INSTANCES);
    }
    return 0;
}
