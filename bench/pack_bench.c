/*
 * Times the planner phase by phase through the library (what `gpuvplan recommend -f json`
 * does, minus writing the file):
 *   pack_bench TENANTS.yaml optimal|first-fit [MODEL...]
 *   pack_bench --generate=N optimal|first-fit [MODEL...]
 * The second form builds bench/gen.h's site in memory (seed 1, the same tenants gen_tenants
 * writes), to time the planner without reading a file. Prints one line: tenants,
 * strategy, seconds to load (or generate) / decide+pack / write JSON, peak memory, GPUs used,
 * lower bound, gap, whether optimal, JSON size, search nodes. MODELs are the --gpu candidates
 * (default: h100-80gb and l40s, a realistic pair).
 */
#include "gen.h"

#include "gpuvplan/db.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n;

    *len = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (*len + 65536 + 1 > cap) {
            cap = (*len + 65536 + 1) * 2;
            buf = xrealloc(buf, cap);
        }
        n = fread(buf + *len, 1, 65536, f);
        *len += n;
        if (n < 65536)
            break;
    }
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Builds n generated tenants as the loader would have from gen_tenants' YAML. */
static void
generate(struct gpv_tenants *file, long n)
{
    struct gen_tenant g;
    long i;

    memset(file, 0, sizeof(*file));
    file->name = xstrdup("generated");
    file->version = 1;
    file->licenses.ai_enterprise = file->licenses.vws = file->licenses.vpc = true;
    file->tenants = xcalloc((size_t)n, sizeof(*file->tenants));
    gen_seed(1);
    for (i = 0; i < n; i++) {
        struct gpv_tenant *t = &file->tenants[i];
        const char *why;
        long long bytes;

        gen_tenant(&g);
        gpv_tenant_init(t);
        t->name = xasprintf("t%ld", i);
        if (g.memory && gpv_mem_parse(&bytes, g.memory, &why)) {
            t->memory = bytes;
            t->memory_mib = (bytes + GPV_MIB - 1) / GPV_MIB;
            t->memory_text = xstrdup(g.memory);
        }
        if (g.isolation)
            t->isolation = !strcmp(g.isolation, "hard") ? GPV_ISO_HARD : GPV_ISO_NONE;
        if (g.workload)
            t->workload = !strcmp(g.workload, "dev")        ? GPV_WL_DEV
                          : !strcmp(g.workload, "vdi")      ? GPV_WL_VDI
                          : !strcmp(g.workload, "graphics") ? GPV_WL_GRAPHICS
                                                            : GPV_WL_TRAINING;
        if (g.vm)
            t->environment = GPV_ENV_VM;
        t->live_migration = g.live_migration;
        t->full_gpu = g.full_gpu;
        if (g.compute)
            gpv_parse_double(&t->compute, g.compute);
        if (g.replicas)
            t->replicas = g.replicas;
        t->spread = g.spread;
        t->gpus = g.gpus;
        file->ntenants++;
    }
}

int
main(int argc, char **argv)
{
    static const char *const default_models[] = {"h100-80gb", "l40s"};
    const char *const *names = default_models;
    const struct gpv_gpu *only[16];
    struct gpv_db db;
    struct gpv_tenants file;
    struct gpv_ruleset rules;
    struct gpv_plan_job job;
    struct gpv_plan_run run;
    struct gpv_plan_src src;
    struct gpv_error err;
    struct gpv_buf out;
    struct rusage ru;
    size_t len, nnames = 2, i;
    char *buf;
    double t0, t1, t2, t3;
    int rc = 1;

    if (argc < 3 || (strcmp(argv[2], "optimal") && strcmp(argv[2], "first-fit")) || argc - 3 > 16) {
        fprintf(stderr, "usage: pack_bench TENANTS.yaml|--generate=N optimal|first-fit "
                        "[MODEL...]\n");
        return 2;
    }
    if (argc > 3) {
        names = (const char *const *)argv + 3;
        nnames = (size_t)argc - 3;
    }
    gpv_db_init(&db);
    memset(&file, 0, sizeof(file));
    memset(&rules, 0, sizeof(rules));
    memset(&run, 0, sizeof(run));
    gpv_buf_init(&out);
    if (gpv_db_load_embedded(&db, &err) || gpv_rules_load_embedded(&rules, &err))
        goto fail;
    for (i = 0; i < nnames; i++)
        if (!(only[i] = gpv_db_lookup(&db, names[i], &err)))
            goto fail;
    t0 = now();
    if (!strncmp(argv[1], "--generate=", 11)) {
        long n = strtol(argv[1] + 11, NULL, 10);

        if (n < 1) {
            fprintf(stderr, "pack_bench: --generate needs a count\n");
            goto out;
        }
        generate(&file, n);
    } else {
        if (!(buf = slurp(argv[1], &len))) {
            fprintf(stderr, "pack_bench: cannot read %s\n", argv[1]);
            goto out;
        }
        if (gpv_tenants_load_mem(&file, buf, len, argv[1], &db, &err)) {
            free(buf);
            goto fail;
        }
        free(buf);
    }
    t1 = now();
    memset(&job, 0, sizeof(job));
    job.file = &file;
    job.rules = &rules;
    job.db = &db;
    job.nonly = nnames;
    job.only = only;
    job.strategy = strcmp(argv[2], "optimal") ? GPV_PACK_FIRST_FIT : GPV_PACK_OPTIMAL;
    if (gpv_plan_run(&run, &job, &err))
        goto fail;
    t2 = now();
    memset(&src, 0, sizeof(src));
    src.tenants_file = argv[1];
    src.rules = rules.name;
    src.job = &job;
    src.run = &run;
    gpv_plan_write_json(&src, &out);
    t3 = now();
    getrusage(RUSAGE_SELF, &ru);
    /* bound, gap, opt: for the methods and models chosen; any: the bound over every choice. */
    printf("%zu\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%d\t%d\t%d\t%s\t%.1f\t%ld\t%d\n", file.ntenants,
           argv[2], t1 - t0, t2 - t1, t3 - t2, t3 - t0, ru.ru_maxrss / 1024.0, run.result.gpus_used,
           run.result.lower_bound, run.result.gpus_used - run.result.lower_bound,
           run.result.optimal_choices ? "yes" : "no", out.len / (1024.0 * 1024.0), run.result.nodes,
           run.result.lower_bound_any);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "pack_bench: %s\n", err.msg);
out:
    gpv_buf_release(&out);
    gpv_plan_run_release(&run);
    gpv_tenants_release(&file);
    gpv_rules_release(&rules);
    gpv_db_release(&db);
    return rc;
}
