/* gpuvplan recommend TENANTS.yaml: decide every tenant's method, pack them, print the plan. */
#include "cli.h"
#include "cli_rules.h"

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
        gpv_error_locate(&err, file.name, 0, 0);
        rc = cli_report(&err);
        goto out;
    }
    memset(&src, 0, sizeof(src));
    src.tenants_file = argv[optind];
    src.rules = rules.name;
    src.job = &job;
    src.run = &run;
    src.explain = explain;
    /* Every format is written straight from the plan, without a value tree: large sites stay
     * fast and small. */
    if (fmt == GPV_FMT_JSON) {
        gpv_plan_write_json(&src, &b);
    } else if (fmt == GPV_FMT_YAML) {
        gpv_plan_write_yaml(&src, &b);
    } else {
        struct gpv_plan_style style;

        style.bold = cli_bold(cli);
        style.dim = cli_dim(cli);
        style.red = cli_red(cli);
        style.reset = cli_reset(cli);
        gpv_plan_write_table(&src, &style, &b);
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
