/*
 * gpuvplan advise: the decision guide as a conversation. The answers become one tenant of a
 * tenants file, loaded by the same loader and decided by the same evaluator as `explain`, so
 * advice and explanation cannot disagree.
 */
#include "cli.h"
#include "opt.h"
#include "cli_rules.h"
#include "cmd_advise_int.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TENANT_NAME "advice"
#define INPUT_NAME  "<advise>"

static const char advise_usage_about[] =
    "Walks the decision guide for one tenant and recommends a method (passthrough, vgpu, mig or\n"
    "mig-vgpu) with its MIG profile, vGPU type or whole GPUs, and the rules that decided. The\n"
    "answers form a tenant exactly as a tenants file would (docs/tenants.md) and `explain`'s\n"
    "evaluator decides it: `--tenant-yaml` prints that file, and `gpuvplan explain` on it gives\n"
    "the same decision.\n"
    "\n"
    "With any of the tenant options below, advise answers at once; what is not given takes the\n"
    "tenants file's default. Without them it asks, one question at a time, on a terminal; when\n"
    "standard input is not a terminal it reads one answer per line in this order (an empty\n"
    "line takes the default, in brackets; a wrong or missing line is an error):\n"
    "  1 isolation       [soft] hard (SLA-bound, regulated), soft or none; yes = hard\n"
    "  2 gpu             a model from `gpuvplan gpus`, or empty for every model\n"
    "  3 full GPU        [no] does it need a whole GPU's performance? yes or no\n"
    "  4 workload        [inference] training, inference, hpc, dev, vdi or graphics\n"
    "  5 environment     [container] vm or container\n"
    "  6 live migration  [no] must it move between hosts while running? yes or no\n"
    "  7 licences        [none] comma-separated: ai_enterprise, vws, vpc, vapps\n"
    "  8 memory          GPU memory per instance, with a unit (20GB, 20GiB); may be\n"
    "                    empty only for a whole-GPU tenant\n"
    "\n"
    "Tenant options:\n";

static const char advise_usage_footer[] =
    "Exit status: 0 a method fits, 1 no method is left (every reason is shown), 2 usage error,\n"
    "3 bad input (an answer read from standard input).\n";

/* The answers as a tenants file: what `explain` would read for this tenant. */
static void
tenants_yaml(struct gpv_buf *b, const struct advise_answers *a)
{
    size_t i;

    gpv_buf_puts(b, "# The tenant `gpuvplan advise` was asked about; `gpuvplan explain` on this\n"
                    "# file decides it the same way.\n");
    gpv_buf_printf(b, "version: %d\n", GPV_TENANTS_VERSION);
    gpv_buf_puts(b, "licenses:\n");
    for (i = 0; i < GPV_LIC_COUNT; i++)
        gpv_buf_printf(b, "  %s: %s\n", gpv_license_key((enum gpv_license)i),
                       gpv_license_held(&a->lic, (enum gpv_license)i) ? "true" : "false");
    gpv_buf_puts(b, "tenants:\n");
    gpv_buf_printf(b, "  - name: %s\n", TENANT_NAME);
    /* memory and compute passed their parsers, which admit no quote or backslash. */
    if (a->memory)
        gpv_buf_printf(b, "    memory: \"%s\"\n", a->memory);
    if (a->compute)
        gpv_buf_printf(b, "    compute: \"%s\"\n", a->compute);
    gpv_buf_printf(b, "    isolation: %s\n", advise_isolation_name(a->isolation));
    gpv_buf_printf(b, "    workload: %s\n", advise_workload_name(a->workload));
    gpv_buf_printf(b, "    environment: %s\n", advise_environment_name(a->environment));
    if (a->os != GPV_OS_LINUX)
        gpv_buf_printf(b, "    os: %s\n", gpv_os_name((enum gpv_os)a->os));
    gpv_buf_printf(b, "    live_migration: %s\n", a->live_migration ? "true" : "false");
    gpv_buf_printf(b, "    full_gpu: %s\n", a->full_gpu ? "true" : "false");
    if (a->gpus)
        gpv_buf_printf(b, "    gpus: %d\n", a->gpus);
    gpv_buf_printf(b, "    media: %s\n", a->media ? "true" : "false");
    if (a->ngpu == 1) {
        gpv_buf_printf(b, "    gpu: %s\n", a->gpu[0]->id);
    } else if (a->ngpu > 1) {
        gpv_buf_puts(b, "# judged on several models: run explain with");
        for (i = 0; i < a->ngpu; i++)
            gpv_buf_printf(b, " --gpu %s", a->gpu[i]->id);
        gpv_buf_puts(b, "\n");
    }
}

/* ---- output: the same JSON shape as one tenant of `explain -f json` ----------------------- */

/*
 * The answers as the tenants file the loader would make of tenants_yaml(): one tenant, the
 * licences, no fleet. The memory and compute texts passed their parsers when answered.
 */
static void
answers_file(struct gpv_tenants *out, const struct advise_answers *a)
{
    struct gpv_tenant *t;
    const char *why;
    long long bytes;

    memset(out, 0, sizeof(*out));
    out->name = xstrdup(INPUT_NAME);
    out->version = GPV_TENANTS_VERSION;
    out->licenses = a->lic;
    out->ntenants = 1;
    out->tenants = t = xcalloc(1, sizeof(*t));
    gpv_tenant_init(t);
    t->name = xstrdup(TENANT_NAME);
    t->isolation = (enum gpv_isolation)a->isolation;
    t->workload = (enum gpv_workload)a->workload;
    t->environment = (enum gpv_environment)a->environment;
    t->os = (enum gpv_os)a->os;
    t->live_migration = a->live_migration;
    t->full_gpu = a->full_gpu;
    t->gpus = a->gpus;
    t->media = a->media;
    if (a->memory && gpv_mem_parse(&bytes, a->memory, &why)) {
        t->memory = bytes;
        t->memory_mib = (bytes + GPV_MIB - 1) / GPV_MIB;
        t->memory_text = xstrdup(a->memory);
    }
    if (a->compute)
        (void)gpv_fraction_parse(&t->compute, a->compute, &why);
    if (a->ngpu == 1)
        t->gpu = a->gpu[0];
}

static int
decide_and_print(struct gpv_cli *cli, const struct advise_answers *a, const char *rules_path,
                 enum gpv_format fmt)
{
    struct gpv_tenants file;
    struct gpv_ruleset rules;
    struct gpv_decision d;
    struct gpv_candidate *cands = NULL;
    struct gpv_error err;
    struct gpv_val *v = NULL;
    size_t n;
    int rc;

    gpv_error_init(&err);
    memset(&file, 0, sizeof(file));
    memset(&rules, 0, sizeof(rules));
    memset(&d, 0, sizeof(d));
    answers_file(&file, a);
    /* The tenants file's rules check what no single answer can: memory or whole GPUs, compute
       with them. */
    if (gpv_tenant_validate(NULL, &file.tenants[0], &file, &err)) {
        rc = cli_usage_error("advise", "%s", err.msg);
        goto out;
    }
    if ((rc = cli_rules_load(&rules, rules_path, &err))) {
        rc = cli_report(&err);
        goto out;
    }
    n = gpv_candidates(&cands, &file, &file.tenants[0], &cli->db, a->gpu, a->ngpu);
    gpv_decide(&d, &rules, &file.tenants[0], &file.licenses, cands, n);
    if (fmt == GPV_FMT_TABLE) {
        advise_print(cli, a, &d);
    } else {
        v = cli_decision_value(&d);
        if ((rc = cli_write_value(NULL, v, fmt, NULL, &err))) {
            rc = cli_report(&err);
            goto out;
        }
    }
    rc = d.method == GPV_METHOD_NONE ? GPV_EXIT_NO : GPV_EXIT_OK;
out:
    gpv_val_free(v);
    gpv_decision_release(&d);
    free(cands);
    gpv_rules_release(&rules);
    gpv_tenants_release(&file);
    return rc;
}

enum {
    OPT_FULL_GPU = 256,
    OPT_LIVE_MIGRATION,
    OPT_COMPUTE,
    OPT_GPUS,
    OPT_MEDIA,
    OPT_RULES,
    OPT_TENANT_YAML,
};

int
cmd_advise(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *rules_path = NULL, *isolation = NULL, *workload = NULL, *environment = NULL,
               *os = NULL;
    const char *memory = NULL, *compute = NULL;
    struct cli_list gpu_args = {NULL, 0}, licenses = {NULL, 0};
    bool answered, print_yaml = false, full_gpu = false, live_migration = false, media = false;
    long long gpus = 0;
    const struct cli_opt opts[] = {
        CLI_STRING('i', "isolation", "LEVEL", &isolation, "hard, soft or none (default soft)"),
        CLI_LIST('g', "gpu", "MODEL", &gpu_args,
                 "judge on this model (repeatable; default every model)"),
        CLI_FLAG(0, "full-gpu", &full_gpu, "needs a whole GPU's performance"),
        CLI_STRING('w', "workload", "W", &workload,
                   "training, inference, hpc, dev, vdi or graphics"),
        CLI_STRING('e', "environment", "ENV", &environment, "vm or container (default container)"),
        CLI_STRING(0, "os", "OS", &os, "linux or windows (default linux; MIG is Linux only)"),
        CLI_FLAG(0, "live-migration", &live_migration, "must live-migrate between hosts"),
        CLI_LIST('l', "license", "L", &licenses,
                 "a licence the site owns: ai_enterprise, vws, vpc or vapps (repeatable; also "
                 "--licence)"),
        CLI_LIST(0, "licence", "L", &licenses, NULL),
        CLI_STRING('m', "memory", "SIZE", &memory, "GPU memory per instance (20GB, 20GiB)"),
        CLI_STRING(0, "compute", "SHARE", &compute, "guaranteed share of one GPU (0.25 or 25%)"),
        CLI_INT(0, "gpus", "N", &gpus, 1, GPV_TENANT_GPUS_MAX,
                "whole GPUs per instance (passthrough of several GPUs)"),
        CLI_FLAG(0, "media", &media, "needs video decoders / JPEG (MIG +me profiles)"),
        CLI_STRING('r', "rules", "FILE", &rules_path,
                   "decide with these rules instead of the built-in ones"),
        CLI_FLAG(0, "tenant-yaml", &print_yaml,
                 "print the tenants file of the answers instead of advice"),
        CLI_FORMAT(
            &fmt, cli_formats_all,
            "table (default), json or yaml; json is one tenant of `gpuvplan explain -f json`"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"advise", "",   advise_usage_about, advise_usage_footer,
                                  opts,     false};
    struct cli_args args;
    struct advise_answers a;
    struct gpv_error err;
    size_t i;
    char *why = NULL;
    bool tty;
    int v, rc;

    gpv_error_init(&err);
    advise_answers_init(&a);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    answered = isolation || gpu_args.n || full_gpu || workload || environment || os ||
               live_migration || licenses.n || memory || compute || gpus || media;
    if (isolation) {
        if ((v = advise_match_name(isolation, advise_isolation_name, 3, "isolation", &why)) < 0)
            goto usage;
        a.isolation = v;
    }
    a.full_gpu = full_gpu;
    if (workload) {
        if ((v = advise_match_name(workload, advise_workload_name, 6, "workload", &why)) < 0)
            goto usage;
        a.workload = v;
    }
    if (environment) {
        if ((v = advise_match_name(environment, advise_environment_name, 2, "environment", &why)) <
            0)
            goto usage;
        a.environment = v;
    }
    if (os) {
        if ((v = advise_match_name(os, advise_os_name, GPV_OS_COUNT, "os", &why)) < 0)
            goto usage;
        a.os = v;
    }
    a.live_migration = live_migration;
    for (i = 0; i < licenses.n; i++)
        if (!advise_set_license(&a, licenses.v[i], &why))
            goto usage;
    if (memory && !advise_set_memory(&a, memory, &why))
        goto usage;
    if (compute && !advise_set_compute(&a, compute, &why))
        goto usage;
    if (gpus)
        a.gpus = (int)gpus;
    a.media = media;
    if (args.n > 0) {
        rc = cli_usage_error("advise",
                             "unexpected argument '%s' (answers are options, like "
                             "--memory 20GB)",
                             args.v[0]);
        goto out;
    }
    if ((rc = cli_db(cli, &err))) {
        rc = cli_report(&err);
        goto out;
    }
    for (i = 0; i < gpu_args.n; i++)
        if (!advise_add_gpu(&a, &cli->db, gpu_args.v[i], &why))
            goto usage;
    if (!answered) {
        tty = isatty(STDIN_FILENO) != 0;
        if ((rc = advise_ask_all(&a, cli, tty, &err))) {
            rc = rc == GPV_ENO ? GPV_EXIT_OK : cli_report(&err);
            goto out;
        }
        if (tty)
            fputc('\n', stderr);
    }
    if (print_yaml) {
        struct gpv_buf b;

        gpv_buf_init(&b);
        tenants_yaml(&b, &a);
        fputs(gpv_buf_str(&b), stdout);
        gpv_buf_release(&b);
        rc = GPV_EXIT_OK;
        goto out;
    }
    rc = decide_and_print(cli, &a, rules_path, fmt);
    goto out;
usage:
    rc = cli_usage_error("advise", "%s", why);
out:
    free(why);
    cli_opt_release(&spec);
    advise_answers_release(&a);
    return rc;
}
