/*
 * The synthetic site of the benchmarks, shared by gen_tenants.c (writes it as YAML) and
 * pack_bench.c (builds it in memory, for sizes past the YAML loader's document limit).
 * Deterministic: a splitmix64 generator, integer choices only, so the same count and seed give
 * the same tenants everywhere. The mix resembles a multi-team site: isolated inference on MIG,
 * notebooks, migratable VMs, virtual desktops, CAD workstations and whole-GPU training, some
 * with replicas spread over GPUs.
 */
#ifndef GPUVPLAN_BENCH_GEN_H
#define GPUVPLAN_BENCH_GEN_H

#include <stdbool.h>
#include <stdint.h>

/* One tenant as the generator draws it; NULL strings and zero numbers mean "the default". */
struct gen_tenant {
    const char *memory;    /* "9GB", "12GiB" */
    const char *isolation; /* "hard", "none" or NULL (soft) */
    const char *workload;  /* "dev", "vdi", "graphics", "training" or NULL (inference) */
    bool vm;               /* environment: vm */
    bool live_migration;
    bool full_gpu;
    const char *compute; /* "0.25" or NULL */
    int replicas;        /* 0: one */
    bool spread;
    int gpus; /* whole GPUs per replica; 0: not asked */
};

static uint64_t gen_state;

static uint64_t
gen_next64(void)
{
    uint64_t z = (gen_state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static unsigned
gen_pick(unsigned n)
{
    return (unsigned)(gen_next64() % n);
}

static void
gen_seed(uint64_t seed)
{
    gen_state = seed;
}

/* Draws the next tenant. */
static void
gen_tenant(struct gen_tenant *t)
{
    static const char *const mig_mem[] = {"5GB",  "8GB",  "9GB",  "10GB",
                                          "16GB", "20GB", "30GB", "40GB"};
    static const char *const vm_mem[] = {"8GiB", "12GiB", "16GiB", "20GiB", "24GiB"};
    static const char *const compute[] = {"0.1", "0.125", "0.2", "0.25"};
    unsigned kind = gen_pick(100);

    *t = (struct gen_tenant){0};
    if (kind < 40) {
        /* Isolated inference in pods: bare MIG. */
        t->memory = mig_mem[gen_pick(8)];
        t->isolation = "hard";
        if (gen_pick(4) == 0) {
            t->replicas = 2 + (int)gen_pick(3);
            t->spread = true;
        } else if (gen_pick(3) == 0) {
            t->replicas = 2 + (int)gen_pick(6);
        }
    } else if (kind < 55) {
        /* Notebooks that tolerate neighbours. */
        t->memory = mig_mem[gen_pick(6)];
        t->isolation = "none";
        t->workload = "dev";
    } else if (kind < 70) {
        /* Migratable VMs, some with a guaranteed share. */
        t->memory = vm_mem[gen_pick(5)];
        t->vm = true;
        t->live_migration = true;
        if (gen_pick(2))
            t->compute = compute[gen_pick(4)];
        if (gen_pick(3) == 0)
            t->isolation = "hard";
    } else if (kind < 85) {
        /* Virtual desktops. */
        t->memory = gen_pick(2) ? "1GiB" : "2GiB";
        t->workload = "vdi";
        t->vm = true;
        t->replicas = 1 + (int)gen_pick(20);
    } else if (kind < 93) {
        /* CAD workstations. */
        t->memory = gen_pick(2) ? "8GiB" : "16GiB";
        t->workload = "graphics";
        t->vm = true;
        if (gen_pick(3) == 0)
            t->replicas = 2 + (int)gen_pick(4);
    } else {
        /* Training on whole GPUs. */
        t->workload = "training";
        t->full_gpu = true;
        t->vm = true;
        if (gen_pick(3) == 0)
            t->gpus = 2 + (int)gen_pick(7);
    }
}

#endif
