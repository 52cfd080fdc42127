/* gpuvplan report PLAN: a plan (JSON or YAML) as one self-contained HTML page with SVG. */
#include "cli.h"
#include "opt.h"

#include "gpuvplan/plan.h"
#include "gpuvplan/report.h"

#include <stdlib.h>
#include <string.h>

static const char report_about[] =
    "Draws a plan written by `gpuvplan recommend -f json` (or -f yaml) as one self-contained\n"
    "HTML page (inline CSS and SVG, no script, nothing fetched): the summary, a legend of\n"
    "tenants with a stable colour each, every GPU drawn as it is laid out (MIG GPUs on their\n"
    "placement grid with free and stranded units marked, vGPU GPUs as slots of their type,\n"
    "passthrough GPUs whole), one section per model (per node when the plan has nodes), and the\n"
    "unplaced tenants with their reasons. Hover over a block for its details. The same plan\n"
    "gives the same bytes.\n"
    "\n"
    "The plan is validated first, as `gpuvplan check` does; a plan that is not valid is\n"
    "reported and nothing is written. `recommend -f html` writes the same page directly.\n";

static const char report_footer[] =
    "Exit status: 0 the page was written, 2 usage error, 3 not a valid plan, 4 system error.\n";

int
cmd_report(struct gpv_cli *cli, int argc, char **argv)
{
    struct gpv_report_opts ro;
    const struct cli_opt opts[] = {
        CLI_OUTPUT(&cli->output),
        CLI_FLAG(0, "compact", &ro.compact,
                 "small GPUs without text, one line per node: for 100 nodes and more"),
        CLI_END,
    };
    const struct cli_spec spec = {
        "report", "PLAN.json|PLAN.yaml", report_about, report_footer, opts, false};
    struct cli_args args;
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    struct gpv_error err;
    struct gpv_val *plan = NULL;
    struct gpv_buf b;
    const char *path, *name;
    char *buf = NULL;
    size_t len = 0, i;
    int rc;

    gpv_error_init(&err);
    gpv_report_opts_init(&ro);
    gpv_plan_policy_init(&pol);
    memset(&fs, 0, sizeof(fs));
    gpv_buf_init(&b);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    if (args.n != 1) {
        rc = cli_usage_error("report", args.n == 0 ? "which plan?" : "one plan at a time");
        goto out;
    }
    path = args.v[0];
    name = !strcmp(path, "-") ? "<stdin>" : path;
    ro.name = name;
    /* Unplaced tenants are part of the picture, not a reason to refuse it. */
    pol.allow_unplaced = true;
    if (cli_db(cli, &err) || cli_read_file(&buf, &len, path, &err) ||
        cli_parse_document(&plan, buf, len, name, &err) ||
        gpv_plan_check(&fs, plan, &cli->db, &pol, name, &err)) {
        rc = cli_report(&err);
        goto out;
    }
    if (fs.n) {
        for (i = 0; i < fs.n; i++) {
            gpv_error_set(&err, GPV_EINPUT, name, 0, 0, "%s: %s", fs.v[i].where, fs.v[i].what);
            rc = cli_report(&err);
        }
        fprintf(stderr, "gpuvplan: %s: not a valid plan (%zu problem%s); nothing written\n", name,
                fs.n, fs.n == 1 ? "" : "s");
        goto out;
    }
    if (gpv_report_plan_html(&b, plan, &cli->db, &ro, &err) ||
        cli_write_output(NULL, gpv_buf_str(&b), b.len, NULL, &err)) {
        rc = cli_report(&err);
        goto out;
    }
out:
    gpv_buf_release(&b);
    gpv_plan_findings_release(&fs);
    gpv_val_free(plan);
    free(buf);
    cli_opt_release(&spec);
    return rc;
}
