/*
 * Generated questions on Kubernetes sharing through the device plugin (time-slicing and MPS),
 * grounded in the rules of profiles/rules.yaml (the block "Kubernetes sharing") and in the
 * plugin's code: NVIDIA/k8s-device-plugin @ 1b826acc, cmd/mps-control-daemon/mps/daemon.go
 * (each of `replicas` MPS clients gets totalMemory / replicas and 100 / replicas percent of
 * the threads), mps/device.go (at most 48 clients) and internal/plugin/mps.go (not on MIG),
 * and time-sliced MIG instances (docs/rules.md, "Time-slicing of MIG instances": clients per
 * instance, and which tenants the rules serve that way, decided by the embedded rules).
 */
#include "quiz_gen_int.h"

#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_SRC "NVIDIA/k8s-device-plugin @ 1b826acc"

/* MPS replicas: the most that still give each pod its memory on one GPU of gpu. */
static bool
q_mps_replicas(struct gen *g, const struct gpv_gpu *gpu, int answer)
{
    long long need = gpu->memory_mib / answer; /* the largest need that allows `answer` */
    int cand[6], right;
    struct choice_set cs;
    char mem[32], part[32], num[16], *id;

    need = need - need % 256; /* a round request, in steps of 256 MiB */
    if (need < 256 || gpu->memory_mib <= 0)
        return false;
    right = (int)(gpu->memory_mib / need);
    if (right > GPV_MPS_CLIENTS_MAX)
        right = GPV_MPS_CLIENTS_MAX;
    if (right < 2)
        return false;
    cand[0] = right + 1;
    cand[1] = right - 1;
    cand[2] = right * 2;
    cand[3] = 7;
    cand[4] = right + 2;
    cand[5] = 2;
    qg_cs_init(&cs);
    qg_cs_numbers(&cs, right, cand, 6, 4);
    snprintf(num, sizeof(num), "%d", right);
    id = qg_make_id("mps-replicas", gpu->id, num);
    return qg_emit(
        g, id, "tenants",
        xasprintf("Pods that each need %s share one %s (%s) by MPS through the Kubernetes device "
                  "plugin. What is the largest `replicas` that still gives every pod its memory?",
                  qg_gib(mem, sizeof(mem), need), gpu->name,
                  qg_gib(part, sizeof(part), gpu->memory_mib)),
        &cs, false,
        xasprintf("%d. The plugin's MPS daemon splits each GPU in equal parts: every one of the "
                  "`replicas` clients gets the GPU's memory / replicas as its pinned memory limit "
                  "and 100 / replicas percent of the threads, so %d parts of %s each is the most "
                  "that still hold %s%s. Time-slicing would advertise as many replicas as asked "
                  "and enforce no memory at all.",
                  right, right, qg_gib(part, sizeof(part), gpu->memory_mib / right),
                  qg_gib(mem, sizeof(mem), need),
                  right == GPV_MPS_CLIENTS_MAX ? " (and 48 is the plugin's limit per GPU)" : ""),
        xstrdup(PLUGIN_SRC " cmd/mps-control-daemon/mps/daemon.go and device.go; the GPU's "
                           "memory from gpuvplan's database (gpuvplan show)"));
}

/* Which sharing serves a pod that needs hard isolation: MIG (or a whole GPU), never the plugin's
   time-slicing or MPS (rule hard-isolation-excludes-sharing). */
static bool
q_hard_isolation(struct gen *g, const struct gpv_gpu *gpu)
{
    struct choice_set cs;

    qg_cs_init(&cs);
    qg_cs_add(&cs,
              gpu->mig ? xstrdup("A MIG instance of its own") : xstrdup("A whole GPU of its own"),
              true);
    qg_cs_add(&cs, xstrdup("A time-sliced replica from the device plugin"), false);
    qg_cs_add(&cs, xstrdup("An MPS client with its own memory limit"), false);
    qg_cs_add(&cs, xstrdup("Any of them, with enough replicas"), false);
    return qg_emit(
        g, qg_make_id("sharing-hard", gpu->id, NULL), "isolation",
        xasprintf("A regulated pod needs hard isolation on an %s in Kubernetes. What may it get?",
                  gpu->name),
        &cs, true,
        xasprintf("%s. Rule hard-isolation-excludes-sharing: time-slicing isolates nothing (every "
                  "pod sees all the memory and one crash takes all down), and MPS clients, for "
                  "all their memory and thread limits, share one GPU's fault domain. %s",
                  gpu->mig ? "A MIG instance" : "A whole GPU",
                  gpu->mig ? "MIG partitions SMs, memory and cache in hardware."
                           : "This model has no MIG, so only a GPU of its own isolates it."),
        xstrdup("profiles/rules.yaml hard-isolation-excludes-sharing; " PLUGIN_SRC
                " README, Shared Access to GPUs"));
}

/* Which device-plugin sharing works on a MIG instance of a MIG-capable model: time-slicing. */
static bool
q_mig_sharing(struct gen *g, const struct gpv_gpu *gpu)
{
    const char *prof = NULL;
    struct choice_set cs;
    size_t i;

    for (i = 0; i < gpu->mig->nprofiles && !prof; i++)
        if (qg_plain_profile(gpu, (int)i) && gpu->mig->profiles[i].size == 1)
            prof = gpu->mig->profiles[i].name;
    if (!prof)
        return false;
    qg_cs_init(&cs);
    qg_cs_add(&cs, xstrdup("Time-slicing only"), true);
    qg_cs_add(&cs, xstrdup("MPS only"), false);
    qg_cs_add(&cs, xstrdup("Both time-slicing and MPS"), false);
    qg_cs_add(&cs, xstrdup("Neither: a MIG instance cannot be shared"), false);
    return qg_emit(
        g, qg_make_id("sharing-mig", gpu->id, prof), "methods",
        xasprintf("An %s runs MIG with %s instances. Which device-plugin sharing can put several "
                  "pods on one instance?",
                  gpu->name, prof),
        &cs, true,
        xasprintf("Time-slicing only. The plugin replicates nvidia.com/mig-%s under the mixed "
                  "strategy, but refuses MPS on MIG devices (\"sharing using MPS is not supported "
                  "for MIG devices\"); MPS runs on whole GPUs with MIG off.",
                  prof),
        xstrdup(PLUGIN_SRC " internal/plugin/mps.go and README, With CUDA MPS"));
}

/* The smallest MIG profile of gpu a tenant time-slices (size 1, no media or graphics), or -1. */
static int
ts_mig_profile(const struct gpv_gpu *gpu)
{
    size_t i;

    for (i = 0; gpu->mig && i < gpu->mig->nprofiles; i++)
        if (qg_plain_profile(gpu, (int)i) && gpu->mig->profiles[i].size == 1 &&
            !strchr(gpu->mig->profiles[i].name, '+'))
            return (int)i;
    return -1;
}

/* Pods per time-sliced MIG instance: as many as the instance's memory holds side by side (the
   planner's headroom, docs/rules.md "Time-slicing of MIG instances"), at most 64. */
static bool
q_ts_mig_clients(struct gen *g, const struct gpv_gpu *gpu, int answer)
{
    int p = ts_mig_profile(gpu), cand[6], right;
    long long mib, need;
    struct choice_set cs;
    char mem[32], part[32], num[16];

    if (p < 0)
        return false;
    mib = gpu->mig->profiles[p].memory_mib;
    need = mib / answer;
    need = need - need % 256; /* a round request, in steps of 256 MiB */
    if (need < 256)
        return false;
    right = (int)(mib / need);
    if (right > GPV_SHARING_REPLICAS_MAX)
        right = GPV_SHARING_REPLICAS_MAX;
    if (right < 2)
        return false;
    cand[0] = right + 1;
    cand[1] = right - 1;
    cand[2] = 1;
    cand[3] = right * 2;
    cand[4] = 7;
    cand[5] = right + 2;
    qg_cs_init(&cs);
    qg_cs_numbers(&cs, right, cand, 6, 4);
    snprintf(num, sizeof(num), "%d", right);
    return qg_emit(
        g, qg_make_id("ts-mig-clients", gpu->id, num), "tenants",
        xasprintf("20 pods that need no isolation (`isolation: none`), each asking %s, time-slice "
                  "the %s instances (%s) of an %s through the Kubernetes device plugin (MIG mixed "
                  "strategy). How many pods does gpuvplan put on one instance?",
                  qg_gib(mem, sizeof(mem), need), gpu->mig->profiles[p].name,
                  qg_gib(part, sizeof(part), mib), gpu->name),
        &cs, false,
        xasprintf("%d. Time-slicing partitions nothing inside the instance, so the planner keeps "
                  "the clients' memory within the instance's as headroom: %d pods of %s fit in "
                  "%s. The plugin then advertises nvidia.com/mig-%s with `replicas: %d`; it "
                  "enforces no memory, and a pod that needs soft or hard isolation gets a bare "
                  "instance instead.",
                  right, right, qg_gib(mem, sizeof(mem), need), qg_gib(part, sizeof(part), mib),
                  gpu->mig->profiles[p].name, right),
        xstrdup("docs/rules.md, Time-slicing of MIG instances; " PLUGIN_SRC
                " README, With CUDA Time-Slicing; the instance's memory from gpuvplan's database"));
}

/* One probe tenant for the rules: `replicas` pods (or VMs) of 2 GB at an isolation level. */
struct ts_probe {
    const char *text;
    int replicas;
    enum gpv_isolation iso;
    enum gpv_environment env;
};

/* Whether the rules serve probe pr on gpu with time-sliced MIG instances (gpv_decide). */
static bool
ts_mig_decided(const struct gpv_ruleset *rs, const struct gpv_gpu *gpu, const struct ts_probe *pr)
{
    struct gpv_candidate cand = {gpu, -1.0, false};
    struct gpv_licenses lic = {false, false, false, false};
    struct gpv_decision d;
    struct gpv_tenant t;
    bool yes;

    gpv_tenant_init(&t);
    t.name = xstrdup("probe");
    t.replicas = pr->replicas;
    t.isolation = pr->iso;
    t.environment = pr->env;
    t.memory = 2000000000LL;
    t.memory_mib = (t.memory + GPV_MIB - 1) / GPV_MIB;
    t.memory_text = xstrdup("2GB");
    gpv_decide(&d, rs, &t, &lic, &cand, 1);
    yes = d.best >= 0 && d.choices[d.best].method == GPV_METHOD_TIME_SLICING &&
          d.choices[d.best].mig_profile >= 0 && d.choices[d.best].clients >= 2;
    d.tenant = NULL;
    gpv_decision_release(&d);
    gpv_tenant_release(&t);
    return yes;
}

/* Which tenant gets time-sliced MIG instances: decided by the embedded rules, one choice each
   for the conditions of pods-time-slice-mig-instances and the rules that exclude time-slicing. */
static bool
q_ts_mig_when(struct gen *g, const struct gpv_gpu *gpu)
{
    static const struct ts_probe probes[] = {
        {"20 pods, isolation: none", 20, GPV_ISO_NONE, GPV_ENV_CONTAINER},
        {"20 pods, isolation: soft", 20, GPV_ISO_SOFT, GPV_ENV_CONTAINER},
        {"20 pods, isolation: hard", 20, GPV_ISO_HARD, GPV_ENV_CONTAINER},
        {"1 pod, isolation: none", 1, GPV_ISO_NONE, GPV_ENV_CONTAINER},
        {"20 VMs, isolation: none", 20, GPV_ISO_NONE, GPV_ENV_VM},
    };
    struct gpv_ruleset rs;
    struct choice_set cs;
    size_t i;
    int right = 0;

    if (ts_mig_profile(gpu) < 0 || gpv_rules_load_embedded(&rs, NULL))
        return false;
    qg_cs_init(&cs);
    for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        bool yes = ts_mig_decided(&rs, gpu, &probes[i]);

        right += yes;
        qg_cs_add(&cs, xstrdup(probes[i].text), yes);
    }
    gpv_rules_release(&rs);
    if (right != 1)
        return false; /* the question needs exactly one tenant the rules time-slice */
    return qg_emit(
        g, qg_make_id("ts-mig-when", gpu->id, NULL), "isolation",
        xasprintf("Tenants of 2 GB each on an %s with MIG. Which one does gpuvplan serve by "
                  "time-slicing MIG instances through the Kubernetes device plugin (several of "
                  "its replicas on one instance)?",
                  gpu->name),
        &cs, true,
        xstrdup("20 pods, isolation: none (rule pods-time-slice-mig-instances). Soft isolation "
                "means memory partitioned, which time-slicing does not do "
                "(soft-isolation-excludes-time-slicing); hard isolation excludes every device-"
                "plugin sharing (hard-isolation-excludes-sharing); one replica never gains, as an "
                "instance that holds two is at least as large as one that holds one, so the rule "
                "asks for 2 replicas or more; VMs get passthrough or vGPU, not the plugin "
                "(sharing-serves-containers)."),
        xstrdup("profiles/rules.yaml pods-time-slice-mig-instances, "
                "soft-isolation-excludes-time-slicing, hard-isolation-excludes-sharing, "
                "sharing-serves-containers; " PLUGIN_SRC " README, With CUDA Time-Slicing"));
}

void
qg_kind_sharing(struct gen *g)
{
    static const int answers[] = {2, 3, 4, 6, 8};
    const struct gpv_gpu *gpu;
    size_t start;
    int t;

    if ((gpu = qg_featured_gpu(g, "l4")))
        q_mps_replicas(g, gpu, 6);
    if ((gpu = qg_featured_gpu(g, "l4")))
        q_hard_isolation(g, gpu);
    if ((gpu = qg_featured_gpu(g, "h100-80gb")) && gpu->mig)
        q_hard_isolation(g, gpu);
    if ((gpu = qg_featured_gpu(g, "a100-40gb")) && gpu->mig)
        q_mig_sharing(g, gpu);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = qg_draw_gpu(g, false, false)))
            q_mps_replicas(g, gpu, answers[gpv_quiz_rng_below(&g->rng, 5)]);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < 1; t++)
        if ((gpu = qg_draw_gpu(g, true, false)))
            q_mig_sharing(g, gpu);
    if ((gpu = qg_featured_gpu(g, "h100-80gb")) && gpu->mig) {
        q_ts_mig_clients(g, gpu, 5);
        q_ts_mig_when(g, gpu);
    }
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = qg_draw_gpu(g, true, false)))
            q_ts_mig_clients(g, gpu, answers[gpv_quiz_rng_below(&g->rng, 5)]);
}
