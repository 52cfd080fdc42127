/* gpuvplan recommend TENANTS.yaml: decide every tenant's method, pack them, print the plan. */
#include "cli.h"
#include "cli_rules.h"
#include "draw.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/pack.h"
#include "gpuvplan/plan.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char recommend_usage[] =
    "usage: gpuvplan recommend TENANTS.yaml [-f table|json|yaml] [-o FILE] [--gpu MODEL]...\n"
    "                          [--explain] [--strategy optimal|first-fit] [--no-upgrades]\n"
    "                          [--rules FILE]\n"
    "\n"
    "Decides each tenant's method (as `gpuvplan explain` does), then packs every instance onto\n"
    "GPUs the way the hardware accepts them: MIG instances at allowed start units, vGPUs in\n"
    "equal-size mode (mixed-size where the fleet says vgpu_mode: mixed) with the scheduler each\n"
    "GPU needs, whole GPUs for passthrough. Replicas of a tenant with spread: true go on distinct\n"
    "GPUs.\n"
    "\n"
    "With a fleet in the file, its counts are hard limits: tenants that do not fit are listed as\n"
    "unplaced with every reason. Without one, the fleet is sized from the --gpu models (default:\n"
    "every model the rules allow), with the fewest GPUs (the lowest cost where the fleet gives\n"
    "costs). Every plan reports a lower bound on the GPUs its choices need; 'optimal' means the\n"
    "count is proven minimal. A tenant may get a larger MIG instance than it asked for when that\n"
    "saves a GPU; the plan says so. docs/plan.md explains the format and the algorithm.\n"
    "\n"
    "  -f, --format FMT     table (default), json or yaml (schema gpuvplan.plan/1)\n"
    "  -o, --output FILE    write there (atomically) instead of standard output\n"
    "  --gpu MODEL          a candidate model (repeatable)\n"
    "  --explain            add each tenant's rule trace\n"
    "  --strategy S         optimal (default) or first-fit (a baseline for comparison)\n"
    "  --no-upgrades        never give a larger MIG instance than asked\n"
    "  --rules FILE         use these rules instead of the built-in ones\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 every tenant placed, 1 some tenant unplaced, 2 usage error, 3 bad input,\n"
    "4 system error.\n";

/* ---- the table --------------------------------------------------------------------------- */

/* A string member, or "" when it is absent or null (see has()). */
static const char *
vs(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    return v && v->type == GPV_V_STR ? v->s : "";
}

static bool
has(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    return v && v->type == GPV_V_STR;
}

static long long
vi(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    if (!v)
        return 0;
    return v->type == GPV_V_INT ? v->i : v->type == GPV_V_NUM ? (long long)v->d : 0;
}

static double
vn(const struct gpv_val *o, const char *k)
{
    const struct gpv_val *v = gpv_val_get(o, k);

    if (!v)
        return 0.0;
    return v->type == GPV_V_INT ? (double)v->i : v->type == GPV_V_NUM ? v->d : 0.0;
}

static void
table_mig_gpu(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_val *ins)
{
    struct gpv_mig_layout l;
    const char *labels[GPV_MIG_MAX_INSTANCES];
    struct gpv_draw d;
    size_t i;

    memset(&l, 0, sizeof(l));
    for (i = 0; i < ins->n && l.n < GPV_MIG_MAX_INSTANCES; i++) {
        const struct gpv_val *x = ins->items[i];

        l.inst[l.n].profile = gpv_gpu_find_profile(gpu, vs(x, "profile"));
        l.inst[l.n].start = (int)vi(x, "start");
        labels[l.n] = vs(x, "tenant");
        if (l.inst[l.n].profile >= 0)
            l.n++;
    }
    memset(&d, 0, sizeof(d));
    d.indent = "    ";
    d.max_cols = 80;
    d.numbers = true;
    d.labels = labels;
    d.unit_width = gpv_draw_unit_width(gpu, &l, &d);
    gpv_draw_layout(b, gpu, &l, &d);
}

/* Equal-size vGPU: one line per tenant with its count; mixed-size: one line per vGPU. */
static void
table_vgpu_gpu(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_val *g)
{
    const struct gpv_val *ins = gpv_val_get(g, "instances");
    bool mixed = !strcmp(vs(g, "vgpu_mode"), "mixed");
    size_t i, j;

    if (mixed) {
        for (i = 0; i < ins->n; i++) {
            const struct gpv_val *x = ins->items[i];
            long long at = vi(x, "start");

            gpv_buf_printf(b, "    %3lld-%-3lld GB  %-14s %s\n", at, at + vi(x, "size"),
                           vs(x, "profile"), vs(x, "tenant"));
        }
        return;
    }
    for (i = 0; i < ins->n; i = j) {
        const char *t = vs(ins->items[i], "tenant"), *p = vs(ins->items[i], "profile");
        int tt = gpv_gpu_find_vgpu_type(gpu, p);

        for (j = i; j < ins->n && !strcmp(vs(ins->items[j], "tenant"), t) &&
                    !strcmp(vs(ins->items[j], "profile"), p);
             j++)
            ;
        gpv_buf_printf(b, "    %3zu x %-14s %s", j - i, p, t);
        if (tt >= 0 && i == 0)
            gpv_buf_printf(b, "  (%zu of %d)", ins->n, gpu->vgpu->types[tt].max);
        gpv_buf_putc(b, '\n');
    }
}

/* "a, b, c +5 more" */
static void
put_gpu_list(struct gpv_buf *b, const struct gpv_val *ids, int width)
{
    size_t i;
    int used = 0;

    for (i = 0; i < ids->n; i++) {
        int len = (int)strlen(ids->items[i]->s) + (i ? 2 : 0);

        if (i && used + len > width - 9) {
            gpv_buf_printf(b, " +%zu more", ids->n - i);
            return;
        }
        gpv_buf_printf(b, "%s%s", i ? ", " : "", ids->items[i]->s);
        used += len;
    }
}

static void
render_table(struct gpv_buf *b, const struct gpv_cli *cli, const struct gpv_val *plan)
{
    const struct gpv_val *sum = gpv_val_get(plan, "summary");
    const struct gpv_val *in = gpv_val_get(plan, "input");
    const struct gpv_val *gpus = gpv_val_get(plan, "gpus");
    const struct gpv_val *tenants = gpv_val_get(plan, "tenants");
    const struct gpv_val *unplaced = gpv_val_get(plan, "unplaced");
    const struct gpv_val *models = gpv_val_get(sum, "models");
    const struct gpv_val *cost = gpv_val_get(sum, "cost");
    const struct gpv_val *util = gpv_val_get(sum, "utilization");
    const struct gpv_val *str = gpv_val_get(sum, "stranded");
    size_t i, j;
    int nw = 12;
    bool first_lic = true;

    gpv_buf_printf(b, "%sPlan%s for %s (strategy %s)\n", cli_bold(cli), cli_reset(cli),
                   vs(in, "tenants_file"), vs(in, "strategy"));
    gpv_buf_printf(b, "\n%sGPUs%s (%zu)\n", cli_bold(cli), cli_reset(cli), gpus->n);
    for (i = 0; i < gpus->n; i++) {
        const struct gpv_val *g = gpus->items[i], *ins = gpv_val_get(g, "instances");
        const struct gpv_gpu *gpu = gpv_db_find(&cli->db, vs(g, "model"));
        const char *mode = vs(g, "mode");

        gpv_buf_printf(b, "%s%s%s  %s", cli_bold(cli), vs(g, "id"), cli_reset(cli), mode);
        if (!strcmp(mode, "vgpu"))
            gpv_buf_printf(b, ", %s-size, %s scheduler", vs(g, "vgpu_mode"), vs(g, "scheduler"));
        if (!strcmp(mode, "passthrough")) {
            const struct gpv_val *x = ins->n ? ins->items[0] : NULL;

            gpv_buf_printf(b, ": %s", x ? vs(x, "tenant") : "-");
            if (x && vi(x, "part") > 0)
                gpv_buf_printf(b, " (GPU %lld of its replica)", vi(x, "part") + 1);
            gpv_buf_putc(b, '\n');
            continue;
        }
        gpv_buf_putc(b, '\n');
        if (!gpu)
            continue;
        if (!strcmp(mode, "mig") || !strcmp(mode, "mig-vgpu"))
            table_mig_gpu(b, gpu, ins);
        else
            table_vgpu_gpu(b, gpu, g);
        if (!strcmp(mode, "mig-vgpu")) {
            gpv_buf_puts(b, "    vGPU types:");
            for (j = 0; j < ins->n; j++)
                gpv_buf_printf(b, "%s %s", j ? "," : "", vs(ins->items[j], "vgpu_type"));
            gpv_buf_putc(b, '\n');
        }
    }
    gpv_buf_printf(b, "\n%sTenants%s (%zu placed)\n", cli_bold(cli), cli_reset(cli), tenants->n);
    for (i = 0; i < tenants->n; i++) {
        const struct gpv_val *t = tenants->items[i];
        int len = (int)strlen(vs(t, "name")) + (vi(t, "replicas") > 1 ? 4 : 0);

        if (len > nw)
            nw = len > 30 ? 30 : len;
    }
    gpv_buf_printf(b, "  %-*s %-11s %-16s %s\n", nw, "TENANT", "METHOD", "PROFILE", "GPUS");
    for (i = 0; i < tenants->n; i++) {
        const struct gpv_val *t = tenants->items[i], *tr;
        char name[160], prof[64];
        long long reps = vi(t, "replicas");

        if (reps > 1)
            snprintf(name, sizeof(name), "%s x%lld", vs(t, "name"), reps);
        else
            snprintf(name, sizeof(name), "%s", vs(t, "name"));
        if (has(t, "profile"))
            snprintf(prof, sizeof(prof), "%s", vs(t, "profile"));
        else
            snprintf(prof, sizeof(prof), "%lld whole GPU%s", vi(t, "whole_gpus"),
                     vi(t, "whole_gpus") == 1 ? "" : "s");
        gpv_buf_printf(b, "  %-*s %-11s %-16s ", nw, name, vs(t, "method"), prof);
        put_gpu_list(b, gpv_val_get(t, "gpus"), 80 - 32 - nw);
        gpv_buf_putc(b, '\n');
        if (has(t, "note"))
            gpv_buf_printf(b, "    %snote: %s%s\n", cli_dim(cli), vs(t, "note"), cli_reset(cli));
        if ((tr = gpv_val_get(t, "trace"))) {
            if (has(t, "decided_by"))
                gpv_buf_printf(b, "    decided by %s\n", vs(t, "decided_by"));
            for (j = 0; j < tr->n; j++) {
                const struct gpv_val *s = tr->items[j];

                if (!strcmp(vs(s, "step"), "rule"))
                    gpv_buf_printf(b, "    + %s: %s\n", vs(s, "rule"), vs(s, "text"));
                else if (gpv_val_get(s, "decided")->b)
                    gpv_buf_printf(b, "    %s: %s\n", vs(s, "method"), vs(s, "text"));
            }
        }
    }
    if (unplaced->n) {
        gpv_buf_printf(b, "\n%sUnplaced%s (%zu)\n", cli_bold(cli), cli_reset(cli), unplaced->n);
        for (i = 0; i < unplaced->n; i++) {
            const struct gpv_val *u = unplaced->items[i], *rs = gpv_val_get(u, "reasons");

            gpv_buf_printf(b, "  %s%s%s\n", cli_red(cli), vs(u, "tenant"), cli_reset(cli));
            for (j = 0; j < rs->n; j++)
                gpv_buf_printf(b, "    - %s\n", rs->items[j]->s);
        }
    }
    gpv_buf_printf(b, "\n%sSummary%s\n", cli_bold(cli), cli_reset(cli));
    gpv_buf_printf(b, "  %-10s %lld used, lower bound %lld", "GPUs", vi(sum, "gpus_used"),
                   vi(sum, "lower_bound"));
    if (gpv_val_get(sum, "optimal")->b)
        gpv_buf_puts(b, " (optimal)\n");
    else
        gpv_buf_printf(b, " (gap %lld)\n", vi(sum, "gap"));
    for (i = 0; i < models->n; i++) {
        const struct gpv_val *m = models->items[i], *fl = gpv_val_get(m, "fleet");

        gpv_buf_printf(b, "  %-10s %s%s: %lld", i ? "" : "per model", vs(m, "gpu"),
                       strcmp(vs(m, "vgpu_mode"), "mixed") ? "" : " (mixed-size)", vi(m, "gpus"));
        if (fl && fl->type == GPV_V_INT)
            gpv_buf_printf(b, " of %lld", fl->i);
        gpv_buf_printf(b, ", lower bound %lld\n", vi(m, "lower_bound"));
    }
    gpv_buf_printf(b, "  %-10s %lld placed, %lld unplaced\n", "tenants", vi(sum, "placed"),
                   vi(sum, "unplaced"));
    gpv_buf_printf(b, "  %-10s %.1f%% allocated, %.1f%% asked for\n", "memory",
                   100.0 * vn(util, "memory"), 100.0 * vn(util, "requested_memory"));
    gpv_buf_printf(b, "  %-10s %.1f GiB of memory", "stranded",
                   (double)vi(str, "memory_mib") / 1024.0);
    if (vi(str, "mig_units"))
        gpv_buf_printf(b, ", %lld MIG unit%s", vi(str, "mig_units"),
                       vi(str, "mig_units") == 1 ? "" : "s");
    gpv_buf_puts(b, " on the GPUs used\n");
    gpv_buf_printf(b, "  %-10s %.1f%% handed out (MIG slices, vGPU slots, whole GPUs)\n", "compute",
                   100.0 * vn(util, "compute"));
    /* Licences the vGPUs need, in order of first appearance. */
    for (i = 0; i < tenants->n; i++) {
        const char *lic = vs(tenants->items[i], "license");
        long long n = 0;

        if (!*lic)
            continue;
        for (j = 0; j < i && strcmp(vs(tenants->items[j], "license"), lic); j++)
            ;
        if (j < i)
            continue;
        for (j = i; j < tenants->n; j++)
            if (!strcmp(vs(tenants->items[j], "license"), lic))
                n += vi(tenants->items[j], "replicas");
        gpv_buf_printf(b, "  %-10s %s for %lld vGPU%s\n", first_lic ? "licences" : "", lic, n,
                       n == 1 ? "" : "s");
        first_lic = false;
    }
    if (gpv_val_get(cost, "per_hour")->type != GPV_V_NULL)
        gpv_buf_printf(b, "  %-10s %.2f per hour (%.2f per month of 730 hours)\n", "cost",
                       vn(cost, "per_hour"), vn(cost, "per_month"));
    else
        gpv_buf_printf(b, "  %-10s unknown (give cost_per_hour in the fleet)\n", "cost");
}

/* ---- the command ------------------------------------------------------------------------- */

int
cmd_recommend(struct gpv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"gpu", required_argument, NULL, 'g'},
                                         {"explain", no_argument, NULL, 'e'},
                                         {"strategy", required_argument, NULL, 's'},
                                         {"no-upgrades", no_argument, NULL, 'u'},
                                         {"rules", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    enum gpv_format fmt = GPV_FMT_TABLE;
    enum gpv_pack_strategy strategy = GPV_PACK_OPTIMAL;
    struct gpv_error err;
    struct gpv_tenants file;
    struct gpv_ruleset rules;
    const struct gpv_gpu **only = NULL;
    const char **gpu_args = NULL, *rules_path = NULL, *out_path = NULL;
    const char *inputs[3] = {NULL, NULL, NULL};
    struct gpv_plan_job job;
    struct gpv_plan_run run;
    struct gpv_plan_src src;
    struct gpv_buf b;
    size_t ngpu_args = 0, i;
    bool explain = false, no_upgrades = false;
    int c, rc = GPV_EXIT_OK;

    gpv_error_init(&err);
    memset(&file, 0, sizeof(file));
    memset(&rules, 0, sizeof(rules));
    memset(&run, 0, sizeof(run));
    gpv_buf_init(&b);
    gpu_args = xcalloc((size_t)argc + 1, sizeof(*gpu_args));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!cli_parse_format(&fmt, optarg, "table json yaml", "recommend")) {
                rc = GPV_EXIT_USAGE;
                goto out;
            }
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'g':
            gpu_args[ngpu_args++] = optarg;
            break;
        case 'e':
            explain = true;
            break;
        case 's':
            if (!strcmp(optarg, "optimal")) {
                strategy = GPV_PACK_OPTIMAL;
            } else if (!strcmp(optarg, "first-fit")) {
                strategy = GPV_PACK_FIRST_FIT;
            } else {
                rc = cli_usage_error("recommend",
                                     "unknown strategy '%s' (use optimal or first-fit)", optarg);
                goto out;
            }
            break;
        case 'u':
            no_upgrades = true;
            break;
        case 'r':
            rules_path = optarg;
            break;
        case 'h':
            fputs(recommend_usage, stdout);
            goto out;
        default:
            rc = cli_usage_error("recommend", "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind + 1 != argc) {
        rc = cli_usage_error("recommend",
                             optind == argc ? "which tenants file?" : "one tenants file at a time");
        goto out;
    }
    inputs[0] = argv[optind];
    inputs[1] = rules_path;
    if (cli_tenants_load(cli, &file, argv[optind], &err) ||
        cli_rules_load(&rules, rules_path, &err)) {
        rc = cli_report(&err);
        goto out;
    }
    only = xcalloc(ngpu_args + 1, sizeof(*only));
    for (i = 0; i < ngpu_args; i++) {
        if (!(only[i] = gpv_db_lookup(&cli->db, gpu_args[i], &err))) {
            rc = cli_report(&err);
            goto out;
        }
    }
    memset(&job, 0, sizeof(job));
    job.file = &file;
    job.rules = &rules;
    job.db = &cli->db;
    job.nonly = ngpu_args;
    job.only = only;
    job.strategy = strategy;
    job.no_upgrades = no_upgrades;
    if (gpv_plan_run(&run, &job, &err)) {
        if (!err.file[0])
            gpv_error_set(&err, err.code ? err.code : GPV_EINPUT, file.name, 0, 0, "%s", err.msg);
        rc = cli_report(&err);
        goto out;
    }
    memset(&src, 0, sizeof(src));
    src.tenants_file = argv[optind];
    src.rules = rules.name;
    src.job = &job;
    src.run = &run;
    src.explain = explain;
    if (fmt == GPV_FMT_JSON) {
        /* Written straight from the plan: no value tree, so large sites stay fast. */
        gpv_plan_write_json(&src, &b);
    } else {
        struct gpv_val *plan = gpv_plan_build(&src);

        if (fmt == GPV_FMT_YAML)
            gpv_val_write_yaml(plan, &b);
        else
            render_table(&b, cli, plan);
        gpv_val_free(plan);
    }
    if (cli_write_output(out_path, gpv_buf_str(&b), b.len, inputs, &err)) {
        rc = cli_report(&err);
        goto out;
    }
    if (run.result.nunplaced)
        rc = GPV_EXIT_NO;
out:
    gpv_buf_release(&b);
    gpv_plan_run_release(&run);
    free(only);
    free(gpu_args);
    gpv_tenants_release(&file);
    gpv_rules_release(&rules);
    return rc;
}
