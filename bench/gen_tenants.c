/*
 * Writes the benchmarks' synthetic site as a tenants file: gen_tenants N [SEED] > tenants.yaml
 * (bench/gen.h draws the tenants; the same N and seed give the same file everywhere).
 */
#include "gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static long
parse_count(const char *s)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > 100000000L)
        return -1;
    return v;
}

int
main(int argc, char **argv)
{
    unsigned long long seed = 1;
    struct gen_tenant t;
    long n, i;

    if (argc < 2 || argc > 3 || (n = parse_count(argv[1])) < 0) {
        fprintf(stderr, "usage: gen_tenants N [SEED]\n");
        return 2;
    }
    if (argc == 3)
        seed = strtoull(argv[2], NULL, 10);
    gen_seed(seed);
    printf("# %ld synthetic tenants (bench/gen_tenants.c, seed %llu)\n", n, seed);
    printf("version: 1\nlicenses: {ai_enterprise: true, vws: true, vpc: true}\ntenants:\n");
    for (i = 0; i < n; i++) {
        gen_tenant(&t);
        printf("  - {name: t%ld", i);
        if (t.memory)
            printf(", memory: %s", t.memory);
        if (t.isolation)
            printf(", isolation: %s", t.isolation);
        if (t.workload)
            printf(", workload: %s", t.workload);
        if (t.vm)
            printf(", environment: vm");
        if (t.live_migration)
            printf(", live_migration: true");
        if (t.full_gpu)
            printf(", full_gpu: true");
        if (t.compute)
            printf(", compute: %s", t.compute);
        if (t.replicas)
            printf(", replicas: %d", t.replicas);
        if (t.spread)
            printf(", spread: true");
        if (t.gpus)
            printf(", gpus: %d", t.gpus);
        printf("}\n");
    }
    return ferror(stdout) ? 1 : 0;
}
