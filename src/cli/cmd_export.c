/* gpuvplan export PLAN --to TARGET: a checked plan as the files NVIDIA's applying tools read. */
#include "cli.h"
#include "opt.h"

#include "gpuvplan/export.h"
#include "gpuvplan/plan.h"

#include <stdlib.h>
#include <string.h>

static const char export_about[] =
    "Writes a plan as the files NVIDIA's applying tools read: a mig-parted config (mig-parted),\n"
    "the node labels selecting each node's configs as kubectl commands (labels; -f json for\n"
    "data), a vgpu-device-manager config (vgpu-device-manager), the k8s device plugin's\n"
    "ConfigMap (device-plugin), or DRA ResourceClaimTemplates per tenant (dra). The plan is\n"
    "first re-validated as `gpuvplan check` does; a plan that fails, or has no nodes in its\n"
    "fleet, is refused and nothing is written. Nodes with the same layout share one config.\n";

static const char export_footer[] =
    "Exit status: 0 written, 2 usage error, 3 not a valid plan (a failed check, no nodes,\n"
    "malformed JSON or YAML), 4 system error.\n";

static const char *const export_formats[] = {"table", "json", "yaml", NULL};

/* Re-validates plan as `check` does (unplaced tenants allowed: they are simply not exported). */
static int
check_plan(const struct gpv_val *plan, const struct gpv_db *db, const char *path,
           struct gpv_error *err)
{
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    size_t i;
    int rc;

    memset(&fs, 0, sizeof(fs));
    gpv_plan_policy_init(&pol);
    pol.allow_unplaced = true;
    if ((rc = gpv_plan_check(&fs, plan, db, &pol, path, err)))
        goto out;
    for (i = 0; i < fs.n; i++)
        fprintf(stderr, "gpuvplan: %s: error: %s: %s\n", path, fs.v[i].where, fs.v[i].what);
    if (fs.n)
        rc = gpv_error_set(err, GPV_EINPUT, path, 0, 0,
                           "the plan fails %zu check%s (see `gpuvplan check %s`): nothing exported",
                           fs.n, fs.n == 1 ? "" : "s", path);
out:
    gpv_plan_findings_release(&fs);
    return rc;
}

int
cmd_export(struct gpv_cli *cli, int argc, char **argv)
{
    int to = -1;
    enum gpv_format fmt = GPV_FMT_TABLE;
    const struct cli_opt opts[] = {
        CLI_ENUM('t', "to", "TARGET", &to, gpv_export_target_names,
                 "mig-parted, labels, vgpu-device-manager, device-plugin or dra"),
        CLI_FORMAT(&fmt, export_formats,
                   "labels only: table (kubectl commands, default), json or yaml (data)"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {
        "export", "PLAN.json|PLAN.yaml --to TARGET", export_about, export_footer, opts, false};
    struct cli_args args;
    struct gpv_export_site site;
    struct gpv_error err;
    struct gpv_val *plan = NULL, *labels = NULL;
    struct gpv_buf out;
    const char *path, *name;
    char *buf = NULL;
    size_t len = 0;
    int rc;

    gpv_error_init(&err);
    gpv_buf_init(&out);
    memset(&site, 0, sizeof(site));
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    if (to < 0) {
        rc = cli_usage_error("export", "--to is required: %s, %s, %s, %s or %s",
                             gpv_export_target_names[0], gpv_export_target_names[1],
                             gpv_export_target_names[2], gpv_export_target_names[3],
                             gpv_export_target_names[4]);
        goto out;
    }
    if (fmt != GPV_FMT_TABLE && to != GPV_EXPORT_LABELS) {
        rc = cli_usage_error("export", "-f applies to --to labels only; %s has one format",
                             gpv_export_target_name((enum gpv_export_target)to));
        goto out;
    }
    if (args.n != 1) {
        rc = cli_usage_error("export", args.n == 0 ? "which plan?" : "one plan at a time");
        goto out;
    }
    path = args.v[0];
    name = !strcmp(path, "-") ? "<stdin>" : path;
    if (cli_db(cli, &err) || cli_read_file(&buf, &len, path, &err) ||
        cli_parse_document(&plan, buf, len, name, &err) || check_plan(plan, &cli->db, name, &err) ||
        gpv_export_site_read(&site, plan, &cli->db, name, &err)) {
        rc = cli_report(&err);
        goto out;
    }
    if (site.nodeless && to != GPV_EXPORT_DRA)
        fprintf(stderr,
                "gpuvplan: %s: note: %zu GPU%s of fleet entries without nodes left out (add "
                "'nodes' and 'gpus_per_node' to those entries)\n",
                name, site.nodeless, site.nodeless == 1 ? "" : "s");
    if (fmt != GPV_FMT_TABLE) {
        labels = gpv_export_labels(&site);
        if (cli_write_value(NULL, labels, fmt, NULL, &err))
            rc = cli_report(&err);
        goto out;
    }
    gpv_export_write(&out, &site, (enum gpv_export_target)to);
    fputs(gpv_buf_str(&out), stdout);
out:
    gpv_val_free(labels);
    gpv_export_site_release(&site);
    gpv_buf_release(&out);
    gpv_val_free(plan);
    free(buf);
    cli_opt_release(&spec);
    return rc;
}
