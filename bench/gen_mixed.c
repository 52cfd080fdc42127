/*
 * Writes one priced mixed site as a tenants file: gen_mixed SEED tight|loose > site.yaml.
 * A fleet of H100-80GB, A100-80GB and L40S with costs per hour, and 30 tenants of 1 to 20
 * replicas (hundreds in all) of the sizes a team asks for: isolated inference in 9 to 60 GiB,
 * containers or VMs. "tight" fleets cannot hold everything (replicas are left out); "loose"
 * ones can. The numbers are integers of a splitmix64 generator, so a seed gives the same file
 * everywhere. The benchmark's "priced mixed sites" section (bench/run.sh) plans 30 of them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static int
draw(int n)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (int)(z % (uint64_t)n);
}

int
main(int argc, char **argv)
{
    static const int memory[] = {9, 9, 18, 18, 20, 35, 40, 60};
    char *end;
    unsigned long seed;
    int tight, t, h, a, l;

    if (argc != 3 || (strcmp(argv[2], "tight") && strcmp(argv[2], "loose"))) {
        fprintf(stderr, "usage: gen_mixed SEED tight|loose\n");
        return 2;
    }
    errno = 0;
    seed = strtoul(argv[1], &end, 10);
    if (errno || *end) {
        fprintf(stderr, "usage: gen_mixed SEED tight|loose\n");
        return 2;
    }
    tight = !strcmp(argv[2], "tight");
    state = seed * 7919 + (uint64_t)tight;
    /* Costs in cents per hour, in the ranges cloud list prices fall in. */
    h = 350 + draw(150);
    a = 220 + draw(120);
    l = 90 + draw(90);
    printf("# a priced mixed site (bench/gen_mixed.c, seed %lu, %s)\n", seed, argv[2]);
    printf("version: 1\nlicenses: {ai_enterprise: true}\nfleet:\n");
    printf("  - {gpu: h100-80gb, count: %d, cost_per_hour: %d.%02d}\n", tight ? 6 + draw(8) : 60,
           h / 100, h % 100);
    printf("  - {gpu: a100-80gb, count: %d, cost_per_hour: %d.%02d}\n", tight ? 6 + draw(8) : 60,
           a / 100, a % 100);
    printf("  - {gpu: l40s, count: %d, cost_per_hour: %d.%02d}\n", tight ? 8 + draw(12) : 90,
           l / 100, l % 100);
    printf("tenants:\n");
    for (t = 0; t < 30; t++) {
        printf("  - name: t%02d\n    replicas: %d\n    memory: %dGiB\n", t, 1 + draw(20),
               memory[draw(8)]);
        printf("    isolation: %s\n    environment: %s\n    workload: inference\n",
               draw(3) ? "hard" : "soft", draw(2) ? "container" : "vm");
    }
    return 0;
}
