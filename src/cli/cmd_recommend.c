/* gpuvplan recommend TENANTS.yaml: decide every tenant's method, pack them, print the plan. */
#include "cli.h"
#include "opt.h"
#include "cli_rules.h"

#include "gpuvplan/diff.h"
#include "gpuvplan/incr.h"
#include "gpuvplan/pack.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/report.h"

#include <pthread.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

static const char recommend_usage_about[] =
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
    "With --from CURRENT (a plan or a state, JSON or YAML) the plan starts from what runs now:\n"
    "every tenant still served where it is stays there, new instances go into free units of\n"
    "GPUs in use first, then onto unused GPUs, and as few GPUs as possible are reconfigured\n"
    "(at most --max-reconfigure). The plan's \"incremental\" member says what was kept, which\n"
    "tenants moved and why, and how many GPUs a fresh plan would use. docs/incremental.md.\n";

static const char recommend_usage_footer[] =
    "Exit status: 0 every tenant placed, 1 some tenant unplaced, 2 usage error, 3 bad input,\n"
    "4 system error.\n";

/* What --from changed, after the plan's table. */
static void
incr_table(struct gpv_buf *b, const struct gpv_incr *x, const struct gpv_tenants *file,
           const struct gpv_cli *cli)
{
    size_t i;

    gpv_buf_printf(b, "\n%sIncremental%s: %d replica%s kept where %s", cli_bold(cli),
                   cli_reset(cli), x->kept, x->kept == 1 ? "" : "s",
                   x->kept == 1 ? "it was" : "they were");
    if (x->slots_taken)
        gpv_buf_printf(b, " (%d in existing instances)", x->slots_taken);
    gpv_buf_printf(b, ", %d added in place, %d on unused GPUs; %d GPU%s reconfigured",
                   x->added_in_place, x->on_unused, x->reconfigured,
                   x->reconfigured == 1 ? "" : "s");
    if (x->max_reconfigure >= 0)
        gpv_buf_printf(b, " (at most %d)", x->max_reconfigure);
    gpv_buf_printf(b, "; %d GPUs used, a fresh plan would use %d\n", x->result.gpus_used,
                   x->fresh_gpus);
    for (i = 0; i < x->nmoves; i++)
        gpv_buf_printf(b, "moved: %s: %s\n", file->tenants[x->moves[i].tenant].name,
                       x->moves[i].reason);
    for (i = 0; i < x->nnotes; i++)
        gpv_buf_printf(b, "%snote: %s%s\n", cli_dim(cli), x->notes[i], cli_reset(cli));
}

/* ---- CURRENT, read beside the fresh plan ------------------------------------------------- */

/*
 * Reading CURRENT (--from: its text, the tree, the checked document) needs nothing of the
 * tenants file nor of the fresh plan, and on a 10,000-GPU fleet it takes about as long as loading
 * and planning the tenants: so it runs on a thread of its own meanwhile, and what it found is
 * reported where it was before, after the tenants' and the plan's own errors. Standard input
 * ("-") is read in line, after the tenants (which may be "-" too).
 */
struct cur_job {
    const char *path;        /* as given */
    const char *name;        /* in messages */
    const struct gpv_db *db; /* loaded before the thread starts; read only */
    struct gpv_val *tree;
    struct gpv_diff_doc doc;
    struct gpv_error err;
    int rc;
    pthread_t thread;
    bool running; /* thread is to be joined */
};

/* Stacks of threads are smaller than the main one by default on some systems: the readers
 * recurse to a nesting depth of 1000. */
#define CUR_STACK (16u << 20)

static void *
cur_read(void *arg)
{
    struct cur_job *j = arg;
    struct cli_text text;

    memset(&text, 0, sizeof(text));
    j->rc = cli_read_plan(&text, j->path, &j->err);
    if (!j->rc)
        j->rc = cli_parse_document(&j->tree, text.buf, text.len, j->name, &j->err);
    /* The text is let go once parsed: the tree holds copies. */
    cli_text_release(&text);
    if (!j->rc)
        j->rc = gpv_diff_doc_read(&j->doc, j->tree, j->db, j->name, &j->err);
    return NULL;
}

/* Starts reading path on a thread (or, for standard input or when no thread can be made, marks
 * it to be read by cur_wait). */
static void
cur_start(struct cur_job *j, const char *path, const struct gpv_db *db)
{
    pthread_attr_t attr;

    memset(j, 0, sizeof(*j));
    gpv_error_init(&j->err);
    gpv_diff_doc_init(&j->doc);
    j->path = path;
    j->name = strcmp(path, "-") ? path : "<stdin>";
    j->db = db;
    if (!strcmp(path, "-") || pthread_attr_init(&attr))
        return;
#ifdef M_TOP_PAD
    /*
     * Each growth of a heap (brk, or mprotect for the thread's own arena) takes the process's
     * memory-map lock for writing, and the other thread's page faults wait for it: growing by
     * 16 MiB at a time instead of 128 KiB took the bench's --from from 0.13-0.17 s to 0.11-0.12 s
     * (reading CURRENT 37-72 ms -> 24-28 ms beside the plan) for about 3 MiB more at the peak.
     */
    mallopt(M_TOP_PAD, 16 << 20);
#endif
    if (!pthread_attr_setstacksize(&attr, CUR_STACK))
        j->running = !pthread_create(&j->thread, &attr, cur_read, j);
    pthread_attr_destroy(&attr);
}

/* Joins the thread of cur_start if it runs. */
static void
cur_join(struct cur_job *j)
{
    int e;

    if (!j->running)
        return;
    e = pthread_join(j->thread, NULL);
    GPV_ASSERT(e == 0);
    j->running = false;
}

/* What reading CURRENT returned: its thread's answer, or read in line now when cur_start did
 * not start one. */
static int
cur_wait(struct cur_job *j)
{
    if (j->running)
        cur_join(j);
    else
        cur_read(j);
    return j->rc;
}

/* Releases what cur_start read, waiting for its thread first if it still runs. */
static void
cur_release(struct cur_job *j)
{
    cur_join(j);
    gpv_diff_doc_release(&j->doc);
    gpv_val_free(j->tree);
    j->tree = NULL;
}

/* ---- the command ------------------------------------------------------------------------- */

int
cmd_recommend(struct gpv_cli *cli, int argc, char **argv)
{
    static const char *const strategies[] = {"optimal", "first-fit", NULL};
    enum gpv_format fmt = GPV_FMT_TABLE;
    struct cli_list gpu_args = {NULL, 0};
    const char *rules_path = NULL;
    bool explain = false, no_upgrades = false;
    int strategy_ix = 0;
    const char *from = NULL;
    long long max_reconf = -1;
    const struct cli_opt opts[] = {
        CLI_FORMAT(&fmt, cli_formats_html,
                   "table (default), json or yaml (schema gpuvplan.plan/1), or html (the page "
                   "`gpuvplan report` draws)"),
        CLI_OUTPUT(&cli->output),
        CLI_LIST('g', "gpu", "MODEL", &gpu_args, "a candidate model (repeatable)"),
        CLI_FLAG(0, "explain", &explain, "add each tenant's rule trace"),
        CLI_ENUM(0, "strategy", "S", &strategy_ix, strategies,
                 "optimal (default) or first-fit (a baseline for comparison)"),
        CLI_FLAG(0, "no-upgrades", &no_upgrades, "never give a larger MIG instance than asked"),
        CLI_STRING('r', "rules", "FILE", &rules_path,
                   "use these rules instead of the built-in ones"),
        CLI_STRING(0, "from", "FILE", &from,
                   "start from this plan or state: fewest GPUs reconfigured"),
        CLI_INT(0, "max-reconfigure", "N", &max_reconf, 0, 1000000000LL,
                "with --from: drain at most N GPUs in use"),
        CLI_QUIET(&cli->quiet),
        CLI_END,
    };
    const struct cli_spec spec = {
        "recommend", "TENANTS.yaml", recommend_usage_about, recommend_usage_footer, opts, false};
    struct cli_args args;
    enum gpv_pack_strategy strategy;
    struct gpv_error err;
    struct gpv_tenants file;
    struct gpv_ruleset rules;
    const struct gpv_gpu **only = NULL;
    const char *inputs[3] = {NULL, NULL, NULL};
    struct cur_job cur;
    bool cur_started = false;
    struct gpv_incr inc;
    struct gpv_plan_run irun;
    struct gpv_val *incv = NULL;
    struct gpv_plan_job job;
    struct gpv_plan_run run;
    struct gpv_plan_src src;
    struct gpv_buf b;
    size_t i;
    int rc = GPV_EXIT_OK;

    gpv_error_init(&err);
    memset(&file, 0, sizeof(file));
    memset(&rules, 0, sizeof(rules));
    memset(&run, 0, sizeof(run));
    memset(&inc, 0, sizeof(inc));
    gpv_buf_init(&b);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    strategy = strategy_ix ? GPV_PACK_FIRST_FIT : GPV_PACK_OPTIMAL;
    if (args.n != 1) {
        rc = cli_usage_error("recommend",
                             args.n == 0 ? "which tenants file?" : "one tenants file at a time");
        goto out;
    }
    if (max_reconf >= 0 && !from) {
        rc = cli_usage_error("recommend", "--max-reconfigure needs --from CURRENT");
        goto out;
    }
    inputs[0] = args.v[0];
    inputs[1] = rules_path;
    if (from) {
        if (cli_db(cli, &err)) {
            rc = cli_report(&err);
            goto out;
        }
        cur_start(&cur, from, &cli->db);
        cur_started = true;
    }
    if (cli_tenants_load(cli, &file, args.v[0], &err) || cli_rules_load(&rules, rules_path, &err)) {
        rc = cli_report(&err);
        goto out;
    }
    only = xcalloc(gpu_args.n + 1, sizeof(*only));
    for (i = 0; i < gpu_args.n; i++) {
        if (!(only[i] = gpv_db_lookup(&cli->db, gpu_args.v[i], &err))) {
            rc = cli_report(&err);
            goto out;
        }
    }
    memset(&job, 0, sizeof(job));
    job.file = &file;
    job.rules = &rules;
    job.db = &cli->db;
    job.nonly = gpu_args.n;
    job.only = only;
    job.strategy = strategy;
    job.no_upgrades = no_upgrades;
    if (gpv_plan_run(&run, &job, &err)) {
        gpv_error_locate(&err, file.name, 0, 0);
        rc = cli_report(&err);
        goto out;
    }
    memset(&src, 0, sizeof(src));
    src.tenants_file = args.v[0];
    src.rules = rules.name;
    src.job = &job;
    src.run = &run;
    src.explain = explain;
    if (from) {
        if (cur_wait(&cur)) {
            rc = cli_report(&cur.err);
            goto out;
        }
        if (gpv_incr_plan(&inc, &run, &file, &cur.doc, (int)max_reconf, &err)) {
            rc = cli_report(&err);
            goto out;
        }
        gpv_incr_run(&irun, &run, &inc);
        src.run = &irun;
        incv = gpv_incr_build(&inc, &file, cur.name);
        src.incremental = incv;
    }
    /* Every format is written straight from the plan, without a value tree, and streamed out
     * 64 KiB at a time: large sites stay fast and small. */
    cli_stream_stdout(&b);
    if (fmt == GPV_FMT_JSON) {
        gpv_plan_write_json(&src, &b);
    } else if (fmt == GPV_FMT_YAML) {
        gpv_plan_write_yaml(&src, &b);
    } else if (fmt == GPV_FMT_HTML) {
        struct gpv_report_opts ro;
        struct gpv_val *tree = gpv_plan_build(&src);

        gpv_report_opts_init(&ro);
        rc = gpv_report_plan_html(&b, tree, &cli->db, &ro, &err);
        gpv_val_free(tree);
        if (rc) {
            rc = cli_report(&err);
            goto out;
        }
    } else {
        struct gpv_plan_style style;

        style.bold = cli_bold(cli);
        style.dim = cli_dim(cli);
        style.red = cli_red(cli);
        style.reset = cli_reset(cli);
        style.width = cli_columns();
        gpv_plan_write_table(&src, &style, &b);
        if (from)
            incr_table(&b, &inc, &file, cli);
    }
    if (cli_write_output(NULL, gpv_buf_str(&b), b.len, inputs, &err)) {
        rc = cli_report(&err);
        goto out;
    }
    if (src.run->result.nunplaced)
        rc = GPV_EXIT_NO;
out:
    gpv_incr_release(&inc);
    if (cur_started)
        cur_release(&cur);
    gpv_val_free(incv);
    gpv_buf_release(&b);
    gpv_plan_run_release(&run);
    free(only);
    cli_opt_release(&spec);
    gpv_tenants_release(&file);
    gpv_rules_release(&rules);
    return rc;
}
