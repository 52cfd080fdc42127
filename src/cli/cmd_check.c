/* gpuvplan check PLAN.json: re-validate a plan against the database, then apply policies. */
#include "cli.h"
#include "opt.h"

#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/units.h"

#include <stdlib.h>
#include <string.h>

static const char check_usage_about[] =
    "Re-validates a plan written by `gpuvplan recommend -f json` against the profile database,\n"
    "as the hardware would: every MIG layout (profiles, sizes, allowed starts, no overlaps,\n"
    "maxima and per-GPU rules), every vGPU GPU (types, one size in equal-size mode, placement\n"
    "ids in mixed-size mode, counts, and the stated scheduler against each tenant's compute),\n"
    "every tenant present once with all its replicas on GPUs of its model and method, and the\n"
    "summary's counts. Then it applies the policies given. A plan edited by hand is checked the\n"
    "same way. Each failed check is one line: where, then what.\n";

static const char check_usage_footer[] =
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
    struct gpv_plan_policy pol;
    struct cli_list model_args = {NULL, 0}, method_args = {NULL, 0};
    const char *max_cost = NULL, *min_util = NULL;
    enum gpv_format fmt = GPV_FMT_TABLE;
    bool quiet = false;
    const struct cli_opt opts[] = {
        CLI_INT(0, "max-gpus", "N", &pol.max_gpus, 0, 1000000000LL, "at most N GPUs"),
        CLI_STRING(0, "max-cost", "X", &max_cost, "at most X per hour (needs costs in the fleet)"),
        CLI_FLAG(0, "allow-unplaced", &pol.allow_unplaced,
                 "unplaced tenants do not fail the check"),
        CLI_STRING(0, "min-utilization", "P", &min_util,
                   "at least P of the used GPUs' memory allocated: 0.7 or 70%"),
        CLI_LIST('g', "gpu", "MODEL", &model_args,
                 "only GPUs of these models (repeatable; --gpu-model is the same)"),
        CLI_LIST(0, "gpu-model", "MODEL", &model_args, NULL),
        CLI_INT(0, "max-gap", "N", &pol.max_gap, 0, 1000000000LL,
                "at most N GPUs above the plan's lower bound (over every allowed choice)"),
        CLI_FLAG(0, "require-optimal", &pol.require_optimal,
                 "the GPU count must meet the lower bound over every allowed choice"),
        CLI_LIST(0, "method", "METHOD", &method_args,
                 "only these methods: passthrough, vgpu, mig, mig-vgpu, time-slicing, mps "
                 "(repeatable)"),
        CLI_INT(0, "max-per-gpu", "N", &pol.max_per_gpu, 0, 1000000LL,
                "at most N instances on one GPU"),
        CLI_FLAG('q', "quiet", &quiet, "print nothing; the exit status says it"),
        CLI_FORMAT(&fmt, cli_formats_all,
                   "table (default), json or yaml: {\"ok\", \"checks\", \"failures\"}"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {
        "check", "PLAN.json|PLAN.yaml", check_usage_about, check_usage_footer, opts, false};
    struct cli_args args;
    struct gpv_plan_findings fs;
    struct gpv_error err;
    struct gpv_val *plan = NULL;
    const char *path;
    struct cli_text text;
    size_t i;
    int rc = GPV_EXIT_OK;

    memset(&text, 0, sizeof(text));
    gpv_error_init(&err);
    gpv_plan_policy_init(&pol);
    memset(&fs, 0, sizeof(fs));
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    if (max_cost && (!gpv_parse_double(&pol.max_cost, max_cost) || pol.max_cost < 0)) {
        rc = cli_usage_error("check", "--max-cost needs a number >= 0, not '%s'", max_cost);
        goto out;
    }
    if (min_util && !parse_fraction(&pol.min_utilization, min_util)) {
        rc = cli_usage_error("check",
                             "--min-utilization needs a fraction (0.7) or a percentage (70%%), "
                             "not '%s'",
                             min_util);
        goto out;
    }
    for (i = 0; i < model_args.n; i++) {
        if (cli_db(cli, &err)) {
            rc = cli_report(&err);
            goto out;
        }
        if (!gpv_db_lookup(&cli->db, model_args.v[i], &err)) {
            rc = cli_usage_error("check", "%s", err.msg);
            goto out;
        }
    }
    for (i = 0; i < method_args.n; i++) {
        enum gpv_method m;

        if (!gpv_method_parse(&m, method_args.v[i])) {
            rc = cli_usage_error("check",
                                 "unknown method '%s' (use passthrough, vgpu, mig, mig-vgpu, "
                                 "time-slicing or mps)",
                                 method_args.v[i]);
            goto out;
        }
        pol.methods |= 1u << m;
    }
    if (args.n != 1) {
        rc = cli_usage_error("check", args.n == 0 ? "which plan?" : "one plan at a time");
        goto out;
    }
    path = args.v[0];
    pol.nmodels = model_args.n;
    pol.models = model_args.v;
    /* The text is let go once parsed: the tree holds copies. */
    if (cli_db(cli, &err) || cli_read_plan(&text, path, &err) ||
        cli_parse_document(&plan, text.buf, text.len, !strcmp(path, "-") ? "<stdin>" : path,
                           &err) ||
        (cli_text_release(&text), gpv_plan_check(&fs, plan, &cli->db, &pol, path, &err))) {
        rc = quiet && err.code == GPV_EINPUT ? GPV_EXIT_INPUT : cli_report(&err);
        goto out;
    }
    rc = fs.n ? GPV_EXIT_NO : GPV_EXIT_OK;
    if (quiet)
        goto out;
    if (fmt != GPV_FMT_TABLE) {
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
        if (cli_write_value(NULL, o, fmt, NULL, &err))
            rc = cli_report(&err);
        gpv_val_free(o);
        goto out;
    }
    for (i = 0; i < fs.n; i++)
        printf("%s: %s: %s\n", cli_esc(path), cli_esc(fs.v[i].where), cli_esc(fs.v[i].what));
    if (fs.n)
        printf("%s%s: %zu check%s failed%s\n", cli_red(cli), cli_esc(path), fs.n,
               fs.n == 1 ? "" : "s", cli_reset(cli));
    else
        printf("%s%s: ok%s (%d GPUs, %d tenants, %zu checks)\n", cli_green(cli), cli_esc(path),
               cli_reset(cli), fs.gpus, fs.tenants, fs.checks);
out:
    gpv_plan_findings_release(&fs);
    gpv_val_free(plan);
    cli_text_release(&text);
    cli_opt_release(&spec);
    return rc;
}
