/* gpuvplan diff OLD NEW: what stays, changes and drains between two plans or states. */
#include "cli.h"
#include "opt.h"

#include "gpuvplan/diff.h"
#include "gpuvplan/report.h"

#include <stdlib.h>
#include <string.h>

static const char diff_about[] =
    "Compares two plans or states (JSON or YAML; `recommend -f json`, `state -f json`), each\n"
    "validated first as `check` and `state` validate them, GPU by GPU (node + index, or id)\n"
    "and tenant by tenant, the way `terraform plan` shows a change:\n"
    "  +  added         a GPU used only in NEW\n"
    "  -  removed       a GPU used only in OLD: its tenants leave it\n"
    "  ~  in place      free slots taken or released, every other instance untouched\n"
    "  !  reconfigured  MIG layout, mode or vGPU type set changed: drain every tenant on it\n"
    "and per tenant: stays, moves (from -> to), new, removed. The summary counts the GPUs to\n"
    "drain, the tenants disrupted, and the cost per hour before and after.\n";

static const char diff_footer[] =
    "Exit status: 0 no change, 1 changes, 2 usage error, 3 bad input (not a valid plan or\n"
    "state), 4 system error.\n";

static const char *
tenant_mark(enum gpv_diff_tenant_change c)
{
    switch (c) {
    case GPV_DIFF_NEW:
        return "+";
    case GPV_DIFF_GONE:
        return "-";
    case GPV_DIFF_MOVES:
        return "~";
    default:
        return " ";
    }
}

/*
 * Appends s (from a document) with every byte a terminal could take for a control replaced by
 * '?', padded with blanks to width.
 */
static void
put_safe(struct gpv_buf *b, const char *s, size_t width)
{
    size_t n = 0;

    for (; *s; s++, n++)
        gpv_buf_putc(b, (unsigned char)*s < ' ' || *s == 0x7f ? '?' : *s);
    for (; n < width; n++)
        gpv_buf_putc(b, ' ');
}

/* "  BEFORE", or "  BEFORE -> AFTER". */
static void
put_pair(struct gpv_buf *b, const char *before, const char *after)
{
    gpv_buf_puts(b, "  ");
    put_safe(b, before, 0);
    if (after) {
        gpv_buf_puts(b, " -> ");
        put_safe(b, after, 0);
    }
}

static void
put_cost(struct gpv_buf *b, double c)
{
    if (c >= 0)
        gpv_buf_printf(b, "%.2f", c);
    else
        gpv_buf_puts(b, "unknown");
}

static void
diff_table(struct gpv_buf *b, const struct gpv_diff *d, const struct gpv_cli *cli, bool all)
{
    size_t i, shown = 0;

    for (i = 0; i < d->ngpus; i++) {
        const struct gpv_diff_gpu_row *r = &d->gpus[i];
        const char *col = r->change == GPV_DIFF_RECONFIGURED || r->change == GPV_DIFF_REMOVED
                              ? cli_red(cli)
                          : r->change == GPV_DIFF_SAME ? ""
                                                       : cli_green(cli);

        if (r->change == GPV_DIFF_SAME && !all)
            continue;
        if (!shown++)
            gpv_buf_printf(b, "%sGPUs%s\n", cli_bold(cli), cli_reset(cli));
        gpv_buf_printf(b, "%s%s ", col, gpv_diff_gpu_mark(r->change, " "));
        put_safe(b, r->id, 20);
        gpv_buf_printf(b, " %-13s%s %-10s", gpv_diff_gpu_change_name(r->change),
                       *col ? cli_reset(cli) : "", r->model);
        if (r->change == GPV_DIFF_SAME || r->change == GPV_DIFF_REMOVED)
            put_pair(b, r->before, NULL);
        else if (r->change == GPV_DIFF_ADDED)
            put_pair(b, r->after, NULL);
        else
            put_pair(b, r->before, r->after);
        if (r->destroyed)
            gpv_buf_printf(b, "  (%d instance%s destroyed)", r->destroyed,
                           r->destroyed == 1 ? "" : "s");
        gpv_buf_putc(b, '\n');
    }
    shown = 0;
    for (i = 0; i < d->ntenants; i++) {
        const struct gpv_diff_tenant_row *t = &d->tenants[i];

        if (t->change == GPV_DIFF_STAYS && !all && !t->disrupted)
            continue;
        if (!shown++)
            gpv_buf_printf(b, "%sTenants%s\n", cli_bold(cli), cli_reset(cli));
        gpv_buf_printf(b, "%s ", tenant_mark(t->change));
        put_safe(b, t->name, 24);
        gpv_buf_printf(b, " %-8s", gpv_diff_tenant_change_name(t->change));
        if (t->change == GPV_DIFF_STAYS || t->change == GPV_DIFF_GONE)
            put_pair(b, t->from, NULL);
        else if (t->change == GPV_DIFF_NEW)
            put_pair(b, t->to, NULL);
        else
            put_pair(b, t->from, t->to);
        if (t->change == GPV_DIFF_STAYS && t->disrupted)
            gpv_buf_puts(b, "  (drained: its GPU is reconfigured)");
        gpv_buf_putc(b, '\n');
    }
    gpv_buf_printf(b, "%sSummary%s: %d same, %d in place, %d reconfigured, %d added, %d removed; ",
                   cli_bold(cli), cli_reset(cli), d->same, d->in_place, d->reconfigured, d->added,
                   d->removed);
    gpv_buf_printf(b, "%d GPU%s to drain, %d %s disrupted; GPUs %d -> %d; cost/h ", d->drain,
                   d->drain == 1 ? "" : "s", d->disrupted,
                   d->old_state || d->new_state ? (d->disrupted == 1 ? "instance" : "instances")
                                                : (d->disrupted == 1 ? "tenant" : "tenants"),
                   d->gpus_old, d->gpus_new);
    put_cost(b, d->cost_old);
    gpv_buf_puts(b, " -> ");
    put_cost(b, d->cost_new);
    gpv_buf_putc(b, '\n');
    for (i = 0; i < d->nnotes; i++)
        gpv_buf_printf(b, "note: %s\n", d->notes[i]);
}

static int
read_doc(struct gpv_diff_doc *out, struct gpv_val **doc, struct gpv_cli *cli, const char *path,
         struct gpv_error *err)
{
    const char *name = strcmp(path, "-") ? path : "<stdin>";
    struct cli_text text;
    int rc;

    if (!(rc = cli_read_plan(&text, path, err))) {
        rc = cli_parse_document(doc, text.buf, text.len, name, err);
        cli_text_release(&text);
    }
    if (!rc)
        rc = gpv_diff_doc_read(out, *doc, &cli->db, name, err);
    return rc;
}

int
cmd_diff(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    bool all = false, quiet = false;
    const struct cli_opt opts[] = {
        CLI_FLAG('a', "all", &all, "also list the GPUs and tenants that do not change"),
        CLI_FLAG('q', "quiet", &quiet, "print nothing; the exit status says it"),
        CLI_FORMAT(&fmt, cli_formats_html,
                   "table (default), json or yaml (schema gpuvplan.diff/1), or html (one page)"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"diff", "OLD NEW", diff_about, diff_footer, opts, false};
    struct gpv_diff_doc old, new;
    struct gpv_val *vo = NULL, *vn = NULL, *v = NULL;
    struct gpv_diff d;
    struct cli_args args;
    struct gpv_error err;
    struct gpv_buf b;
    size_t changes;
    int rc;

    gpv_error_init(&err);
    gpv_buf_init(&b);
    gpv_diff_doc_init(&old);
    gpv_diff_doc_init(&new);
    memset(&d, 0, sizeof(d));
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    if (args.n != 2) {
        rc = cli_usage_error("diff", "expected two documents, OLD and NEW");
        goto out;
    }
    if (!strcmp(args.v[0], "-") && !strcmp(args.v[1], "-")) {
        rc = cli_usage_error("diff", "only one of OLD and NEW may be standard input");
        goto out;
    }
    if (cli_db(cli, &err) || read_doc(&old, &vo, cli, args.v[0], &err) ||
        read_doc(&new, &vn, cli, args.v[1], &err)) {
        rc = cli_report(&err);
        goto out;
    }
    changes = gpv_diff_compare(&d, &old, &new);
    rc = changes ? GPV_EXIT_NO : GPV_EXIT_OK;
    if (quiet)
        goto out;
    if (fmt == GPV_FMT_TABLE) {
        diff_table(&b, &d, cli, all);
        if (cli_write_output(NULL, gpv_buf_str(&b), b.len, NULL, &err))
            rc = cli_report(&err);
    } else if (fmt == GPV_FMT_HTML) {
        gpv_report_diff_html(&b, &d, &cli->db, old.name, new.name, all);
        if (cli_write_output(NULL, gpv_buf_str(&b), b.len, NULL, &err))
            rc = cli_report(&err);
    } else {
        v = gpv_diff_build(&d, old.name, new.name);
        if (cli_write_value(NULL, v, fmt, NULL, &err))
            rc = cli_report(&err);
    }
out:
    gpv_diff_release(&d);
    gpv_diff_doc_release(&old);
    gpv_diff_doc_release(&new);
    gpv_val_free(vo);
    gpv_val_free(vn);
    gpv_val_free(v);
    gpv_buf_release(&b);
    cli_opt_release(&spec);
    return rc;
}
