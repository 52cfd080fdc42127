/* Plans: `check`'s checks of one GPU's layout (MIG, MIG-backed vGPU, time-sliced vGPU). */
#include "gpuvplan/plan.h"

#include "plan_check_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/mig_text.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"
#include "gpuvplan/vgpu.h"

#include <stdlib.h>
#include <string.h>

/* Says why a MIG layout fails, one finding per reason, in the words of mig_text (the one
 * wording of MIG facts, shared with `mig check` and the quiz). */
static void
mig_reasons(struct chk *c, const char *where, const struct gpv_gpu *gpu,
            const struct gpv_mig_layout *l)
{
    struct gpv_mig_reason rs[16];
    int n = gpv_mig_check_layout(rs, 16, gpu, l, 0), i;

    for (i = 0; i < n && i < 16; i++) {
        struct gpv_buf b;

        gpv_buf_init(&b);
        gpv_mig_text_reason(&b, gpu, l, &rs[i], 0);
        pc_fail(c, where, "%s", gpv_buf_str(&b));
        gpv_buf_release(&b);
    }
}

/* Checks one MIG or MIG-backed vGPU GPU. */
void
pc_check_mig_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu,
                 const struct xinfo *xi, size_t n, bool vgpu)
{
    struct gpv_mig_layout l;
    size_t j;
    bool known = true;

    memset(&l, 0, sizeof(l));
    if (!gpu->mig) {
        pc_fail(c, where, "%s has no MIG", gpu->id);
        return;
    }
    if (n > GPV_MIG_MAX_INSTANCES) {
        pc_fail(c, where, "%zu instances, more than a GPU can hold", n);
        return;
    }
    for (j = 0; j < n; j++) {
        const char *pn = xi[j].profile, *vt = xi[j].vgpu_type;
        long long start = xi[j].start, size = xi[j].size;
        int p = pn ? pc_profile(c, gpu, pn, false) : -1;

        c->out->checks++;
        if (p < 0) {
            pc_fail(c, where, "instance %zu: '%s' is not a MIG profile of %s", j, pn ? pn : "null",
                    gpu->id);
            known = false;
            continue;
        }
        if (start < 0) {
            pc_fail(c, where, "instance %zu (%s) has no start", j, pn);
            known = false;
            continue;
        }
        if (size != gpu->mig->profiles[p].size)
            pc_fail(c, where, "instance %zu: size %lld, but %s takes %d units", j, size, pn,
                    gpu->mig->profiles[p].size);
        if (vgpu) {
            int t = vt && gpu->vgpu ? pc_profile(c, gpu, vt, true) : -1;

            if (t < 0)
                pc_fail(c, where, "instance %zu: '%s' is not a vGPU type of %s", j,
                        vt ? vt : "null", gpu->id);
            else if (gpu->vgpu->types[t].mig_profile != p)
                pc_fail(c, where, "instance %zu: %s does not ride on MIG %s", j, vt, pn);
        }
        l.inst[l.n].profile = p;
        l.inst[l.n].start = start > 1000 ? 1000 : (int)start;
        l.n++;
    }
    if (known || l.n)
        mig_reasons(c, where, gpu, &l);
}

/* Checks one time-sliced vGPU GPU; tenants give each resident's compute. */
void
pc_check_vgpu_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu,
                  const struct ginfo *g, const struct xinfo *xi)
{
    const struct gpv_val *ins = g->ins;
    const char *vm = g->vgpu_mode, *sn = g->scheduler;
    struct gpv_vgpu_resident *res;
    struct gpv_vgpu_verdict vd;
    enum gpv_sched sched;
    bool mixed, ok = true;
    size_t j, n = 0;

    if (!gpu->vgpu) {
        pc_fail(c, where, "%s has no vGPU support", gpu->id);
        return;
    }
    if (!vm || (strcmp(vm, "equal") && strcmp(vm, "mixed"))) {
        pc_fail(c, where, "vgpu_mode is '%s', not 'equal' or 'mixed'", vm ? vm : "null");
        return;
    }
    mixed = !strcmp(vm, "mixed");
    res = xcalloc(ins->n + 1, sizeof(*res));
    for (j = 0; j < ins->n; j++) {
        const char *pn = xi[j].profile;
        long long size = xi[j].size, start = xi[j].start;
        int t = pn ? pc_profile(c, gpu, pn, true) : -1;
        long ti_idx = xi[j].t;

        c->out->checks++;
        if (t < 0) {
            pc_fail(c, where, "instance %zu: '%s' is not a vGPU type of %s", j, pn ? pn : "null",
                    gpu->id);
            ok = false;
            continue;
        }
        if (size != gpu->vgpu->types[t].size_gb)
            pc_fail(c, where, "instance %zu: size %lld, but %s has %d GB", j, size, pn,
                    gpu->vgpu->types[t].size_gb);
        if (mixed && start < 0) {
            pc_fail(c, where, "instance %zu (%s) has no placement id in mixed-size mode", j, pn);
            ok = false;
            continue;
        }
        res[n].type = t;
        res[n].compute = ti_idx >= 0 ? c->ti[ti_idx].compute : 0.0;
        res[n].placement = mixed ? (start > 100000 ? 100000 : (int)start) : -1;
        n++;
    }
    if (ok) {
        if (mixed ? !gpv_vgpu_check_mixed(&vd, gpu, res, n)
                  : !gpv_vgpu_check_equal(&vd, gpu, res, n)) {
            pc_fail(c, where, "%s", vd.reason);
            ok = false;
        }
    }
    if (!sn || !gpv_sched_parse(&sched, sn)) {
        pc_fail(c, where, "scheduler is '%s', not best-effort, equal-share or fixed-share",
                sn ? sn : "null");
    } else if (ok) {
        if (mixed && sched == GPV_SCHED_FIXED_SHARE) {
            pc_fail(c, where, "fixed share is not available in mixed-size mode");
        } else {
            for (j = 0; j < n; j++) {
                double share = gpv_vgpu_share(sched, &gpu->vgpu->types[res[j].type], (int)n);

                if (res[j].compute > 0 && share + GPV_VGPU_SHARE_EPS < res[j].compute) {
                    pc_fail(c, where,
                            "%s guarantees %.3g of the GPU to %s, which needs %.3g (%s would do)",
                            sn, share, gpu->vgpu->types[res[j].type].name, res[j].compute,
                            gpv_sched_name(vd.sched));
                    break;
                }
            }
        }
    }
    free(res);
}

void
pc_check_share_gpu(struct chk *c, const char *where, const struct gpv_gpu *gpu,
                   const struct ginfo *g, const struct xinfo *xi, bool mps)
{
    const struct gpv_val *ins = g->ins;
    long long replicas = pc_int(g->replicas, 0), mib = 0, cm;
    int most = mps ? GPV_MPS_CLIENTS_MAX : GPV_SHARING_REPLICAS_MAX;
    bool *seen;
    double compute = 0;
    size_t j;

    if (replicas < 2 || replicas > most) {
        pc_fail(c, where, "%s needs replicas 2 to %d, not %lld", mps ? "MPS" : "time-slicing", most,
                replicas);
        return;
    }
    cm = pc_int(g->client_memory_mib, -1);
    if (mps && cm != gpu->memory_mib / replicas)
        pc_fail(c, where, "client_memory_mib %lld is not the GPU's memory / replicas (%lld)", cm,
                gpu->memory_mib / replicas);
    if (!mps && cm != -1)
        pc_fail(c, where, "client_memory_mib %lld under time-slicing, which enforces no memory",
                cm);
    if ((long long)ins->n > replicas)
        pc_fail(c, where, "%zu clients, more than its %lld replicas", (size_t)ins->n, replicas);
    seen = xcalloc((size_t)replicas, sizeof(bool));
    for (j = 0; j < ins->n; j++) {
        long t = xi[j].t;
        long long k = xi[j].start, need;

        if (k < 0 || k >= replicas || seen[k]) {
            pc_fail(c, where, "instance %zu: client index %lld is not a free one of 0 .. %lld", j,
                    k, replicas - 1);
        } else {
            seen[k] = true;
        }
        if (xi[j].profile || xi[j].size != -1)
            pc_fail(c, where, "instance %zu: a client of a shared GPU has no profile or size", j);
        if (t < 0)
            continue;
        need = c->ti[t].memory_mib > 0 ? c->ti[t].memory_mib : 0;
        if (mps && need > gpu->memory_mib / replicas)
            pc_fail(c, where,
                    "instance %zu: '%s' needs %lld MiB and MPS gives each of %lld clients %lld", j,
                    c->ti[t].name, need, replicas, gpu->memory_mib / replicas);
        if (mps && c->ti[t].compute > 1.0 / (double)replicas + GPV_VGPU_SHARE_EPS)
            pc_fail(c, where,
                    "instance %zu: '%s' needs compute %g and MPS gives each of %lld "
                    "clients 1/%lld",
                    j, c->ti[t].name, c->ti[t].compute, replicas, replicas);
        mib += need;
        compute += c->ti[t].compute;
    }
    free(seen);
    if (!mps && mib > gpu->memory_mib)
        pc_fail(c, where, "its time-sliced clients ask %lld MiB together, more than its %lld", mib,
                gpu->memory_mib);
    if (!mps && compute > 1.0 + GPV_VGPU_SHARE_EPS)
        pc_fail(c, where, "its time-sliced clients ask compute %g together, more than one GPU",
                compute);
    c->mem_alloc += mps ? (long long)ins->n * (gpu->memory_mib / replicas) : mib;
}
