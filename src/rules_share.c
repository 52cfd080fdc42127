/*
 * Instance selection for the two ways the k8s device plugin shares a whole GPU between pods:
 * time-slicing and MPS (docs/rules.md, "Kubernetes sharing"). The plugin's behaviour is from
 * NVIDIA/k8s-device-plugin @ 1b826acc: MPS gives each of `replicas` clients totalMemory /
 * replicas of pinned memory and 100 / replicas percent of the threads
 * (cmd/mps-control-daemon/mps/daemon.go), at most 48 clients (mps/device.go); time-slicing
 * only multiplies the advertised count and limits nothing.
 */

#include "rules_int.h"

#include "gpuvplan/rules.h"
#include "gpuvplan/units.h"

#include <math.h>

/* The most clients of need nd one GPU of gpu_mib carries, by memory and by compute. */
static long long
clients_for(const struct rules_need *nd, long long gpu_mib, long long cap)
{
    long long n = cap;

    if (nd->mib > 0 && gpu_mib / nd->mib < n)
        n = gpu_mib / nd->mib;
    if (nd->compute > 0 && (long long)floor(1.0 / nd->compute + RULES_EPS) < n)
        n = (long long)floor(1.0 / nd->compute + RULES_EPS);
    return n;
}

/*
 * Time-slicing of MIG instances (the device plugin's `nvidia.com/mig-<profile>` resources under
 * migStrategy mixed). Among the profiles without media engines or graphics, an instance holds
 * k clients side by side by memory and by compute (a client's share of the whole GPU within the
 * instance's slices), at most GPV_SHARING_REPLICAS_MAX; the tenant's replicas need
 * ceil(replicas / k) instances. The profile that takes the fewest units in all (then the
 * smallest) is chosen when it holds at least 2 clients (the plugin's least replicas) and takes
 * fewer units than a bare instance each; else fits is false and b says why.
 */
static struct rules_pick
select_mig_instance(const struct gpv_gpu *g, const struct rules_need *nd, struct gpv_buf *b)
{
    struct rules_pick pk = {false, -1, -1, 0, 0, 0, 0};
    const struct gpv_mig *mig = g->mig;
    long long reps = nd->replicas > 0 ? nd->replicas : 1, best = -1, bare = -1, units;
    int bare_p = -1;
    char mem[32];
    size_t i;

    if (nd->spread) {
        gpv_buf_puts(b, "spread replicas never share a MIG instance");
        return pk;
    }
    for (i = 0; i < mig->nprofiles; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[i];
        struct rules_need per = *nd;
        long long n;

        if (p->media || rules_profile_gfx(p))
            continue;
        /* compute is a share of the whole GPU: within the instance it weighs 7/g times more */
        per.compute = nd->compute * mig->compute_slices / p->compute_slices;
        n = clients_for(&per, p->memory_mib, GPV_SHARING_REPLICAS_MAX);
        if (n >= 1 && (bare < 0 || p->size * reps < bare)) {
            bare = p->size * reps;
            bare_p = (int)i;
        }
        if (n < 2)
            continue;
        units = (reps + n - 1) / n * p->size;
        if (best >= 0 &&
            (units > best || (units == best && p->size >= mig->profiles[pk.mig_profile].size)))
            continue;
        best = units;
        pk.mig_profile = (int)i;
        pk.clients = (int)n;
    }
    if (best < 0 || best >= bare) {
        if (best < 0)
            gpv_buf_puts(b, "no MIG instance holds 2 time-sliced clients");
        else
            gpv_buf_printf(b,
                           "time-slicing saves no MIG units: %lld replica%s take %lld unit%s "
                           "time-sliced on %s, and a bare %s each takes %lld",
                           reps, reps == 1 ? "" : "s", best, best == 1 ? "" : "s",
                           mig->profiles[pk.mig_profile].name, mig->profiles[bare_p].name, bare);
        pk.mig_profile = -1;
        pk.clients = 0;
        return pk;
    }
    {
        const struct gpv_mig_profile *p = &mig->profiles[pk.mig_profile];

        pk.fits = true;
        pk.share = (double)p->size / mig->units / pk.clients;
        gpv_buf_printf(b,
                       "up to %d time-sliced clients side by side on a %s instance (%s; memory "
                       "not enforced): %lld replica%s take %lld unit%s, a bare %s each %lld",
                       pk.clients, p->name, gpv_mib_format(mem, sizeof(mem), p->memory_mib), reps,
                       reps == 1 ? "" : "s", best, best == 1 ? "" : "s", mig->profiles[bare_p].name,
                       bare);
    }
    return pk;
}

struct rules_pick
rules_select_share(const struct gpv_gpu *g, const struct rules_need *nd, bool mps,
                   struct gpv_buf *b)
{
    struct rules_pick pk = {false, -1, -1, 0, 0, 0, 0};
    long long gpu_mib = g->memory_mib > 0 ? g->memory_mib : 1, n;
    char mem[32];

    if (nd->whole) {
        gpv_buf_printf(b, "a whole-GPU tenant does not share %s", g->id);
        return pk;
    }
    if (nd->mib)
        gpv_buf_printf(b, "%s needs %lld MiB", nd->mem, nd->mib);
    else
        gpv_buf_puts(b, "no memory given");
    if (nd->compute > 0)
        gpv_buf_printf(b, ", compute %g", nd->compute);
    gpv_buf_printf(b, "; %s has %s: ", g->id, gpv_mib_format(mem, sizeof(mem), gpu_mib));
    if (!mps && g->mig) {
        /* On a MIG GPU the method time-slices MIG instances; a fleet entry that states its
           sharing time-slices whole GPUs instead, by whole_clients. */
        pk = select_mig_instance(g, nd, b);
        pk.whole_clients = nd->whole ? 0 : (int)clients_for(nd, gpu_mib, GPV_SHARING_REPLICAS_MAX);
        return pk;
    }
    if (mps) {
        n = clients_for(nd, gpu_mib, GPV_MPS_CLIENTS_MAX);
        if (n < 2) {
            gpv_buf_puts(b, "MPS splits a GPU in at least 2 equal parts and half is too small");
            return pk;
        }
        gpv_buf_printf(b, "up to %lld MPS clients of %s and %lld%% of the threads each", n,
                       gpv_mib_format(mem, sizeof(mem), gpu_mib / n), 100 / n);
        pk.share = 1.0 / (double)n;
    } else {
        n = clients_for(nd, gpu_mib, GPV_SHARING_REPLICAS_MAX);
        if (n < 1) {
            gpv_buf_puts(b, "too small");
            return pk;
        }
        gpv_buf_printf(b, "up to %lld time-sliced clients side by side (memory not enforced)", n);
        pk.share = (double)nd->mib / (double)gpu_mib;
        if (nd->compute > pk.share)
            pk.share = nd->compute;
        if (pk.share < 1.0 / GPV_SHARING_REPLICAS_MAX)
            pk.share = 1.0 / GPV_SHARING_REPLICAS_MAX;
    }
    pk.fits = true;
    pk.clients = (int)n;
    pk.whole_clients = mps ? 0 : (int)n;
    return pk;
}
