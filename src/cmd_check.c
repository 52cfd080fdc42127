/* gpuvplan check PLAN.json: re-validate a plan against the database, then apply policies. */
#include "cli.h"

#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/units.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char check_usage[] =
    "usage: gpuvplan check PLAN.json [--max-gpus N] [--max-cost X] [--allow-unplaced]\n"
    "                      [--min-utilization P] [--gpu-model MODEL]... [--max-gap N]\n"
    "                      [--require-optimal] [--method METHOD]... [--max-per-gpu N]\n"
    "                      [-q] [-f table|json]\n"
    "\n"
    "Re-validates a plan written by `gpuvplan recommend -f json` against the profile database,\n"
    "as the hardware would: every MIG layout (profiles, sizes, allowed starts, no overlaps,\n"
    "maxima and per-GPU rules), every vGPU GPU (types, one size in equal-size mode, placement\n"
    "ids in mixed-size mode, counts, and the stated scheduler against each tenant's compute),\n"
    "every tenant present once with all its replicas on GPUs of its model and method, and the\n"
    "summary's counts. Then it applies the policies given. A plan edited by hand is checked the\n"
    "same way. Each failed check is one line: where, then what.\n"
    "\n"
    "  --max-gpus N          at most N GPUs\n"
    "  --max-cost X          at most X per hour (needs costs in the fleet)\n"
    "  --allow-unplaced      unplaced tenants do not fail the check\n"
    "  --min-utilization P   at least P of the used GPUs' memory allocated: 0.7 or 70%\n"
    "  --gpu-model MODEL     only GPUs of these models (repeatable)\n"
    "  --max-gap N           at most N GPUs above the plan's lower bound\n"
    "  --require-optimal     the GPU count must be proven minimal\n"
    "  --method METHOD       only these methods: passthrough, vgpu, mig, mig-vgpu (repeatable)\n"
    "  --max-per-gpu N       at most N instances on one GPU\n"
    "  -q, --quiet           print nothing; the exit status says it\n"
    "  -f, --format FMT      table (default) or json: {\"ok\", \"checks\", \"failures\"}\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 the plan passes, 1 a check failed, 2 usage error, 3 not a plan (malformed\n"
    "JSON with its line:col, or the wrong schema), 4 system error.\n";

static bool
parse_fraction(double *out, const char *arg)
{
    const char *why;

    if (!strcmp(arg, "0") || !strcmp(arg, "0%")) {
        *out = 0.0;
        return true;
    }
    return gpv_fraction_parse(out, arg, &why);
}

int
cmd_check(struct gpv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"max-gpus", required_argument, NULL, 'G'},
                                         {"max-cost", required_argument, NULL, 'C'},
                                         {"allow-unplaced", no_argument, NULL, 'U'},
                                         {"min-utilization", required_argument, NULL, 'M'},
                                         {"gpu-model", required_argument, NULL, 'm'},
                                         {"max-gap", required_argument, NULL, 'g'},
                                         {"require-optimal", no_argument, NULL, 'O'},
                                         {"method", required_argument, NULL, 'x'},
                                         {"max-per-gpu", required_argument, NULL, 'P'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    struct gpv_error err;
    struct gpv_val *plan = NULL;
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char **models = NULL, *path;
    char *buf = NULL;
    size_t len = 0, nmodels = 0, i;
    bool quiet = false;
    int c, rc = GPV_EXIT_OK;

    gpv_error_init(&err);
    gpv_plan_policy_init(&pol);
    memset(&fs, 0, sizeof(fs));
    models = xcalloc((size_t)argc + 1, sizeof(*models));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qf:h", opts, NULL)) != -1) {
        switch (c) {
        case 'G':
            if (!cli_parse_int(&pol.max_gpus, optarg, 0, 1000000000LL, "check", "--max-gpus")) {
                rc = GPV_EXIT_USAGE;
                goto out;
            }
            break;
        case 'C':
            if (!gpv_parse_double(&pol.max_cost, optarg) || pol.max_cost < 0) {
                rc = cli_usage_error("check", "--max-cost needs a number >= 0, not '%s'", optarg);
                goto out;
            }
            break;
        case 'U':
            pol.allow_unplaced = true;
            break;
        case 'M':
            if (!parse_fraction(&pol.min_utilization, optarg)) {
                rc = cli_usage_error("check",
                                     "--min-utilization needs a fraction (0.7) or a "
                                     "percentage (70%%), not '%s'",
                                     optarg);
                goto out;
            }
            break;
        case 'm':
            if (cli_db(cli, &err)) {
                rc = cli_report(&err);
                goto out;
            }
            if (!gpv_db_lookup(&cli->db, optarg, &err)) {
                rc = cli_usage_error("check", "%s", err.msg);
                goto out;
            }
            models[nmodels++] = optarg;
            break;
        case 'g':
            if (!cli_parse_int(&pol.max_gap, optarg, 0, 1000000000LL, "check", "--max-gap")) {
                rc = GPV_EXIT_USAGE;
                goto out;
            }
            break;
        case 'O':
            pol.require_optimal = true;
            break;
        case 'x': {
            enum gpv_method m;

            if (!gpv_method_parse(&m, optarg)) {
                rc = cli_usage_error("check",
                                     "unknown method '%s' (use passthrough, vgpu, mig or "
                                     "mig-vgpu)",
                                     optarg);
                goto out;
            }
            pol.methods |= 1u << m;
            break;
        }
        case 'P':
            if (!cli_parse_int(&pol.max_per_gpu, optarg, 0, 1000000LL, "check", "--max-per-gpu")) {
                rc = GPV_EXIT_USAGE;
                goto out;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case 'f':
            if (!cli_parse_format(&fmt, optarg, "table json", "check")) {
                rc = GPV_EXIT_USAGE;
                goto out;
            }
            break;
        case 'h':
            fputs(check_usage, stdout);
            goto out;
        default:
            rc = cli_usage_error("check", "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind + 1 != argc) {
        rc = cli_usage_error("check", optind == argc ? "which plan?" : "one plan at a time");
        goto out;
    }
    path = argv[optind];
    pol.nmodels = nmodels;
    pol.models = models;
    if (cli_db(cli, &err) || cli_read_file(&buf, &len, path, &err) ||
        gpv_val_parse_json(&plan, buf, len, !strcmp(path, "-") ? "<stdin>" : path, &err) ||
        gpv_plan_check(&fs, plan, &cli->db, &pol, path, &err)) {
        rc = quiet && err.code == GPV_EINPUT ? GPV_EXIT_INPUT : cli_report(&err);
        goto out;
    }
    rc = fs.n ? GPV_EXIT_NO : GPV_EXIT_OK;
    if (quiet)
        goto out;
    if (fmt == GPV_FMT_JSON) {
        struct gpv_val *o = gpv_val_obj(), *a;

        gpv_val_set_str(o, "plan", path);
        gpv_val_set_bool(o, "ok", fs.n == 0);
        gpv_val_set_int(o, "checks", (long long)fs.checks);
        a = gpv_val_set(o, "failures", gpv_val_arr());
        for (i = 0; i < fs.n; i++) {
            struct gpv_val *f = gpv_val_push(a, gpv_val_obj());

            gpv_val_set_str(f, "where", fs.v[i].where);
            gpv_val_set_str(f, "what", fs.v[i].what);
        }
        if (cli_write_value(NULL, o, GPV_FMT_JSON, NULL, &err))
            rc = cli_report(&err);
        gpv_val_free(o);
        goto out;
    }
    for (i = 0; i < fs.n; i++)
        printf("%s: %s: %s\n", path, fs.v[i].where, fs.v[i].what);
    if (fs.n)
        printf("%s%s: %zu check%s failed%s\n", cli_red(cli), path, fs.n, fs.n == 1 ? "" : "s",
               cli_reset(cli));
    else
        printf("%s%s: ok%s (%d GPUs, %d tenants, %zu checks)\n", cli_green(cli), path,
               cli_reset(cli), fs.gpus, fs.tenants, fs.checks);
out:
    gpv_plan_findings_release(&fs);
    gpv_val_free(plan);
    free(buf);
    free(models);
    return rc;
}
