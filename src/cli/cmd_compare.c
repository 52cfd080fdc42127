/*
 * gpuvplan compare: passthrough, time-sliced vGPU, MIG and MIG-backed vGPU side by side. Every
 * "yes/no" cell is asked of the decision rules (the evaluator `explain` uses) with a probe
 * tenant, and every number comes from the database and the MIG engine; nothing is typed in.
 */
#include "cli.h"
#include "opt.h"
#include "cli_rules.h"
#include "gpuvplan/compare.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

#include <stdlib.h>
#include <string.h>

static const char compare_usage_about[] =
    "Compares the four ways to give tenants a GPU: passthrough, time-sliced vGPU, MIG and\n"
    "MIG-backed vGPU. Isolation, live migration and licences are answered by the decision\n"
    "rules (the ones `explain` uses) for a probe tenant; tenants per GPU and supported GPUs\n"
    "come from the database and the MIG engine; `best for` is the evaluator's verdict on\n"
    "typical tenants. Without --gpu the answers cover every model in the database; with it,\n"
    "that model's real numbers.\n";

static const enum gpv_method methods[GPV_NMETHODS] = {GPV_METHOD_PASSTHROUGH,  GPV_METHOD_VGPU,
                                                      GPV_METHOD_MIG,          GPV_METHOD_MIG_VGPU,
                                                      GPV_METHOD_TIME_SLICING, GPV_METHOD_MPS};

static const char *const method_title[GPV_METHOD_COUNT] = {
    [GPV_METHOD_PASSTHROUGH] = "passthrough",
    [GPV_METHOD_VGPU] = "vGPU",
    [GPV_METHOD_MIG] = "MIG",
    [GPV_METHOD_MIG_VGPU] = "MIG-backed vGPU",
    [GPV_METHOD_TIME_SLICING] = "time-slicing",
    [GPV_METHOD_MPS] = "MPS",
};

/* What each method partitions: a definition, not a decision, so it is stated here. */
static const char *const method_isolation[GPV_METHOD_COUNT] = {
    [GPV_METHOD_PASSTHROUGH] = "whole GPU, one tenant",
    [GPV_METHOD_VGPU] = "own memory, engines time-shared",
    [GPV_METHOD_MIG] = "hardware: own SMs, memory, cache",
    [GPV_METHOD_MIG_VGPU] = "hardware MIG instance under a VM",
    [GPV_METHOD_TIME_SLICING] = "nothing: pods take turns, one fault domain",
    [GPV_METHOD_MPS] = "memory and thread limits per pod, one fault domain",
};

/* ---- output ----------------------------------------------------------------------------- */

static char *
license_text(const struct gpv_compare_method *f, size_t w)
{
    struct gpv_buf b;
    size_t i;
    bool first = true;

    if (!f->workload_ok[w])
        return NULL;
    if (f->needs_none[w])
        return xstrdup("none");
    gpv_buf_init(&b);
    for (i = 0; i < GPV_LIC_COUNT; i++) {
        if (f->lic_ok[w] & (1u << i)) {
            gpv_buf_printf(&b, "%s%s", first ? "" : " or ", gpv_license_title((enum gpv_license)i));
            first = false;
        }
    }
    if (first)
        gpv_buf_puts(&b, "several licences");
    return gpv_buf_detach(&b);
}

static struct gpv_val *
answer_value(const struct gpv_compare_answer *a)
{
    struct gpv_val *o = gpv_val_obj();

    gpv_val_set_bool(o, "allowed", a->available && a->allowed);
    gpv_val_set_str(o, "rule", a->rule);
    gpv_val_set_str(o, "reason", a->reason);
    return o;
}

static struct gpv_val *
compare_value(const struct gpv_compare *c, const struct gpv_db *db, const struct gpv_ruleset *rs)
{
    struct gpv_val *root = gpv_val_obj(), *arr, *o, *x, *y;
    size_t k, i, w, s;

    gpv_val_set_str(root, "gpu", c->only ? c->only->id : NULL);
    gpv_val_set_int(root, "models", c->only ? 1 : (long long)db->ngpus);
    gpv_val_set_str(root, "rules", rs->name);
    arr = gpv_val_set(root, "methods", gpv_val_arr());
    for (k = 0; k < GPV_NMETHODS; k++) {
        enum gpv_method m = methods[k];
        const struct gpv_compare_method *f = &c->m[m];

        o = gpv_val_push(arr, gpv_val_obj());
        gpv_val_set_str(o, "method", gpv_method_name(m));
        gpv_val_set_str(o, "title", method_title[m]);
        gpv_val_set_str(o, "isolation", method_isolation[m]);
        x = gpv_val_set(o, "hard_isolation", answer_value(&f->hard));
        gpv_val_set_int(x, "time_sliced_types", (long long)f->nshared);
        gpv_val_set_str(x, "time_sliced_detail", f->shared_detail);
        x = gpv_val_set(o, "tenants_per_gpu", gpv_val_obj());
        gpv_val_set_int(x, "max", f->tenants_max);
        gpv_val_set_int(x, "hard_isolation_max", f->tenants_hard);
        gpv_val_set_str(x, "detail", f->tenants_detail);
        gpv_val_set(o, "live_migration", answer_value(&f->migrate));
        x = gpv_val_set(o, "licenses", gpv_val_obj());
        for (w = 0; w < GPV_COMPARE_NWORKLOADS; w++) {
            if (!f->workload_ok[w]) {
                gpv_val_set(x, gpv_compare_workload_label(w), gpv_val_null());
                continue;
            }
            y = gpv_val_set(x, gpv_compare_workload_label(w), gpv_val_arr());
            for (i = 0; !f->needs_none[w] && i < GPV_LIC_COUNT; i++)
                if (f->lic_ok[w] & (1u << i))
                    gpv_val_push(y, gpv_val_str(gpv_license_key((enum gpv_license)i)));
        }
        x = gpv_val_set(o, "gpus", gpv_val_arr());
        for (i = 0; i < f->ngpus; i++)
            gpv_val_push(x, gpv_val_str(f->gpus[i]->id));
        x = gpv_val_set(o, "best_for", gpv_val_arr());
        for (i = 0; i < f->nbest; i++)
            gpv_val_push(x, gpv_val_str(f->best[i]));
    }
    arr = gpv_val_set(root, "scenarios", gpv_val_arr());
    for (s = 0; s < GPV_COMPARE_NSCENARIOS; s++) {
        o = gpv_val_push(arr, gpv_val_obj());
        gpv_val_set_str(o, "scenario", gpv_compare_scenario_label(s));
        gpv_val_set_str(o, "method", gpv_method_name(c->verdict[s]));
        gpv_val_set_str(o, "gpu", c->verdict_gpu[s] ? c->verdict_gpu[s]->id : NULL);
        gpv_val_set_str(o, "profile", c->verdict_profile[s]);
        gpv_val_set_str(o, "rule", c->verdict_rule[s]);
    }
    return root;
}

#define LABEL_W 16

/* Columns of a method's cell: four share what the label leaves (15 at 80 columns), 8 to 30. */
static int
cell_width(void)
{
    int w = (cli_columns() - LABEL_W) / GPV_NMETHODS - 1;

    return w < 8 ? 8 : w > 30 ? 30 : w;
}

/* Prints one matrix row: a label and one cell per method, each wrapped to its column. */
static void
print_row(const char *label, char *const cells[GPV_NMETHODS])
{
    const char *pos[GPV_NMETHODS];
    const char *lpos = label;
    struct gpv_buf line;
    size_t k;
    bool more = true;
    const size_t cw = (size_t)cell_width();

    gpv_buf_init(&line);
    for (k = 0; k < GPV_NMETHODS; k++)
        pos[k] = cells[k] ? cells[k] : "-";
    while (more) {
        size_t n = strlen(lpos) > LABEL_W ? LABEL_W : strlen(lpos);

        more = false;
        gpv_buf_printf(&line, "%-*.*s", LABEL_W, (int)n, lpos);
        lpos += n;
        for (k = 0; k < GPV_NMETHODS; k++) {
            size_t cut = strlen(pos[k]);

            if (cut > cw) {
                /* Break at the last blank that keeps the piece within the column. */
                for (cut = cw; cut > 0 && pos[k][cut] != ' '; cut--)
                    ;
                if (cut == 0)
                    cut = cw;
            }
            gpv_buf_printf(&line, " %-*.*s", (int)cw, (int)cut, pos[k]);
            pos[k] += cut;
            while (*pos[k] == ' ')
                pos[k]++;
            if (*pos[k])
                more = true;
        }
        while (line.len && line.s[line.len - 1] == ' ')
            line.s[--line.len] = '\0';
        printf("%s\n", gpv_buf_str(&line));
        gpv_buf_release(&line);
        while (*lpos == ' ')
            lpos++;
        if (*lpos)
            more = true;
    }
}

static void
free_cells(char *cells[GPV_NMETHODS])
{
    size_t k;

    for (k = 0; k < GPV_NMETHODS; k++) {
        free(cells[k]);
        cells[k] = NULL;
    }
}

/*
 * "yes", or "no [n]" with n the note that gives the rule; "some types [n]" when the method
 * allows it but `shared` of its types time-slice a GPU instance, which note n names;
 * "whole GPU only [n]" when `whole` (time-sliced vGPU under hard isolation).
 */
static char *
answer_cell(const struct gpv_compare_answer *a, size_t shared, bool whole, int *note)
{
    if (!a->available)
        return xstrdup("n/a");
    if (a->allowed && whole)
        return xasprintf("whole GPU only [%d]", ++*note);
    if (a->allowed && shared)
        return xasprintf("some types [%d]", ++*note);
    if (a->allowed)
        return xstrdup("yes");
    return xasprintf("no [%d]", ++*note);
}

static void
print_answer_note(const struct gpv_compare_answer *a, const struct gpv_compare_method *shared,
                  bool whole, int *note)
{
    char lead[32];
    char *text;

    if (!a->available || (a->allowed && !whole && (!shared || !shared->nshared)))
        return;
    snprintf(lead, sizeof(lead), "  [%d] ", ++*note);
    if (a->allowed && whole)
        text = xstrdup("time-sliced vGPUs take turns on one GPU's engines, so hard isolation "
                       "takes only a type that holds the whole GPU (one VM per GPU, as "
                       "L40S-48C or H100-80C), which has no neighbour to share with "
                       "[hard-isolation-excludes-time-sliced-vgpu]");
    else if (a->allowed)
        text = xasprintf("%zu MIG-backed type%s put more VMs on a GPU than it has instances, so "
                         "those VMs time-slice one instance with no hardware isolation between "
                         "them (%s); hard isolation takes only the types with one VM per "
                         "instance",
                         shared->nshared, shared->nshared == 1 ? "" : "s", shared->shared_detail);
    else
        text = xasprintf("%s%s%s", a->rule ? a->rule : "", a->rule ? ": " : "",
                         a->reason ? a->reason : "no instance fits");
    cli_wrap(stdout, lead, "      ", text);
    free(text);
}

static void
print_compare(const struct gpv_cli *cli, const struct gpv_compare *c)
{
    char *cells[GPV_NMETHODS] = {NULL, NULL, NULL, NULL};
    struct cli_table best;
    struct gpv_buf b;
    size_t k, w, i, s;
    int note = 0;

    if (c->only)
        printf("%sThe six methods on the %s%s\n\n", cli_bold(cli), c->only->name, cli_reset(cli));
    else
        printf("%sThe six methods across the %zu GPU models in the "
               "database%s\n\n",
               cli_bold(cli), cli->db.ngpus, cli_reset(cli));
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = xstrdup(method_title[methods[k]]);
    printf("%s", cli_bold(cli));
    print_row("", cells);
    printf("%s", cli_reset(cli));
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = xstrdup(method_isolation[methods[k]]);
    print_row("isolation", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = answer_cell(&c->m[methods[k]].hard, c->m[methods[k]].nshared,
                               methods[k] == GPV_METHOD_VGPU, &note);
    print_row("hard isolation", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct gpv_compare_method *f = &c->m[methods[k]];

        if (f->tenants_max <= 1)
            cells[k] = f->tenants_max ? xstrdup("1") : NULL;
        else if (f->nshared && f->tenants_hard > 0)
            cells[k] = xasprintf(c->only ? "1 to %d, %d with hard isolation"
                                         : "up to %d, %d with hard isolation",
                                 f->tenants_max, f->tenants_hard);
        else
            cells[k] = xasprintf(c->only ? "1 to %d" : "up to %d", f->tenants_max);
    }
    print_row("tenants per GPU", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++)
        cells[k] = answer_cell(&c->m[methods[k]].migrate, 0, false, &note);
    print_row("live migration", cells);
    free_cells(cells);
    printf("licence needed\n");
    for (w = 0; w < GPV_COMPARE_NWORKLOADS; w++) {
        char label[64];

        snprintf(label, sizeof(label), "  %s", gpv_compare_workload_label(w));
        for (k = 0; k < GPV_NMETHODS; k++)
            cells[k] = license_text(&c->m[methods[k]], w);
        print_row(label, cells);
        free_cells(cells);
    }
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct gpv_compare_method *f = &c->m[methods[k]];

        if (c->only)
            cells[k] = xstrdup(f->ngpus ? "yes" : "no");
        else
            cells[k] = xasprintf("%zu of %zu models", f->ngpus, cli->db.ngpus);
    }
    print_row(c->only ? "offered here" : "supported GPUs", cells);
    free_cells(cells);
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct gpv_compare_method *f = &c->m[methods[k]];

        gpv_buf_init(&b);
        for (i = 0; i < f->nbest; i++)
            gpv_buf_printf(&b, "%s%s", i ? "; " : "", f->best[i]);
        cells[k] = f->nbest ? gpv_buf_detach(&b) : NULL;
        gpv_buf_release(&b);
    }
    print_row("best for", cells);
    free_cells(cells);

    if (note) {
        printf("\n%sNotes%s (a rule that removes a method is named as `explain` shows it):\n",
               cli_bold(cli), cli_reset(cli));
        note = 0;
        for (k = 0; k < GPV_NMETHODS; k++)
            print_answer_note(&c->m[methods[k]].hard, &c->m[methods[k]],
                              methods[k] == GPV_METHOD_VGPU, &note);
        for (k = 0; k < GPV_NMETHODS; k++)
            print_answer_note(&c->m[methods[k]].migrate, NULL, false, &note);
    }
    printf("\n%sTenants per GPU%s (from the database and the MIG engine):\n", cli_bold(cli),
           cli_reset(cli));
    for (k = 0; k < GPV_NMETHODS; k++) {
        const struct gpv_compare_method *f = &c->m[methods[k]];
        char lead[64];

        snprintf(lead, sizeof(lead), "  %-16s ", method_title[methods[k]]);
        cli_wrap(stdout, lead, "                   ",
                 f->tenants_detail ? f->tenants_detail : "not offered");
    }
    if (!c->only) {
        printf("\n%sSupported GPUs%s:\n", cli_bold(cli), cli_reset(cli));
        for (k = 1; k < GPV_NMETHODS; k++) {
            const struct gpv_compare_method *f = &c->m[methods[k]];
            char lead[64];

            gpv_buf_init(&b);
            for (i = 0; i < f->ngpus; i++)
                gpv_buf_printf(&b, "%s%s", i ? ", " : "", f->gpus[i]->id);
            snprintf(lead, sizeof(lead), "  %-16s ", method_title[methods[k]]);
            cli_wrap(stdout, lead, "                   ", f->ngpus ? gpv_buf_str(&b) : "none");
            gpv_buf_release(&b);
        }
        char lead[64];

        snprintf(lead, sizeof(lead), "  %-16s ", method_title[GPV_METHOD_PASSTHROUGH]);
        cli_wrap(stdout, lead, "                   ",
                 "any of them (a hypervisor with IOMMU passes a whole GPU to one VM)");
    }
    printf("\n%sBest for%s (the evaluator's verdict, every licence owned):\n", cli_bold(cli),
           cli_reset(cli));
    cli_table_init(&best, 2);
    for (s = 0; s < GPV_COMPARE_NSCENARIOS; s++) {
        const char *row[2];
        char *text;

        if (c->verdict[s] == GPV_METHOD_NONE)
            text = xasprintf("%s%s%s%s", c->only ? "none on this model" : "no method",
                             c->verdict_rule[s] ? " (" : "",
                             c->verdict_rule[s] ? c->verdict_rule[s] : "",
                             c->verdict_rule[s] ? ")" : "");
        else
            text = xasprintf(
                "%s%s%s on %s", method_title[c->verdict[s]], c->verdict_profile[s] ? " " : "",
                c->verdict_profile[s] ? c->verdict_profile[s] : "", c->verdict_gpu[s]->id);
        row[0] = gpv_compare_scenario_label(s);
        row[1] = text;
        cli_table_row(&best, row);
        free(text);
    }
    cli_table_print(stdout, &best, "  ");
    cli_table_release(&best);
    fputc('\n', stdout);
    cli_wrap(stdout, "", "",
             "Licences: AI Enterprise = NVIDIA AI Enterprise, vWS = NVIDIA RTX Virtual "
             "Workstation, vPC = NVIDIA Virtual PC, vApps = NVIDIA Virtual Applications. "
             "`gpuvplan explain` shows the whole trace for a tenant; `gpuvplan advise` asks for "
             "one.");
}

int
cmd_compare(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *gpu_arg = NULL, *rules_path = NULL;
    const struct gpv_gpu *only = NULL;
    const struct cli_opt opts[] = {
        CLI_STRING('g', "gpu", "MODEL", &gpu_arg,
                   "compare on this GPU model (an id or alias from `gpuvplan gpus`)"),
        CLI_STRING('r', "rules", "FILE", &rules_path,
                   "use these decision rules instead of the built-in ones"),
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"compare", "", compare_usage_about, NULL, opts, false};
    struct cli_args args;
    struct gpv_ruleset rs;
    struct gpv_compare c;
    struct gpv_error err;
    struct gpv_val *v;
    int rc;

    gpv_error_init(&err);
    memset(&rs, 0, sizeof(rs));
    memset(&c, 0, sizeof(c));
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    if (args.n > 0)
        return cli_usage_error("compare", "unexpected argument '%s'", args.v[0]);
    if ((rc = cli_db(cli, &err)))
        return cli_report(&err);
    if (gpu_arg && !(only = gpv_db_lookup(&cli->db, gpu_arg, &err)))
        return cli_report(&err);
    if ((rc = cli_rules_load(&rs, rules_path, &err)))
        return cli_report(&err);
    gpv_compare_run(&c, &cli->db, &rs, only);
    if (fmt != GPV_FMT_TABLE) {
        v = compare_value(&c, &cli->db, &rs);
        rc = cli_write_value(NULL, v, fmt, NULL, &err);
        gpv_val_free(v);
        rc = rc ? cli_report(&err) : GPV_EXIT_OK;
    } else {
        print_compare(cli, &c);
        rc = GPV_EXIT_OK;
    }
    gpv_compare_release(&c);
    gpv_rules_release(&rs);
    return rc;
}
