/* gpuvplan explain TENANTS.yaml: the method per tenant and model, with the rules that decided. */
#include "gpuvplan/emit.h"
#include "cli.h"
#include "opt.h"
#include "cli_rules.h"

#include <stdlib.h>
#include <string.h>

static const char explain_usage_about[] =
    "Decides, for each tenant of TENANTS.yaml (docs/tenants.md), which method serves it:\n"
    "passthrough, vgpu (time-sliced vGPU), mig (bare MIG), mig-vgpu (MIG-backed vGPU), or for "
    "pods\n"
    "time-slicing or mps through the Kubernetes device plugin, on which MIG profile, vGPU type or\n"
    "number of whole GPUs (or how many clients per GPU), and why every other method lost. Nothing "
    "is\n"
    "packed: `gpuvplan recommend` places the tenants on GPUs.\n"
    "\n"
    "Each tenant is judged on every candidate GPU model: the tenant's pinned `gpu`, else the\n"
    "--gpu models, else the models of the file's fleet, else every model in the database. The\n"
    "best model comes first: the most preferred method, then the smallest share of a GPU (or\n"
    "the lowest cost where the fleet gives one). The rules are profiles/rules.yaml (`gpuvplan\n"
    "rules` lists them; docs/rules.md explains them).\n";

static const char explain_usage_footer[] =
    "Exit status: 0 every tenant has a method, 1 some tenant has none (every reason is shown),\n"
    "2 usage error, 3 bad input (file:line:col: error: message).\n";

/* "4 replicas of 20GiB, compute 0.25; isolation hard; inference; vm; live migration" */
static void
put_asks(struct gpv_buf *b, const struct gpv_tenant *t)
{
    int gpus = gpv_tenant_gpus(t);

    gpv_buf_printf(b, "%d replica%s", t->replicas, t->replicas == 1 ? "" : "s");
    if (t->memory_text)
        gpv_buf_printf(b, " of %s", t->memory_text);
    if (gpus)
        gpv_buf_printf(b, " on %d whole GPU%s", gpus, gpus == 1 ? "" : "s");
    if (t->compute > 0)
        gpv_buf_printf(b, ", compute %g", t->compute);
    gpv_buf_printf(b, "; isolation %s; %s; %s", gpv_isolation_name(t->isolation),
                   gpv_workload_name(t->workload), gpv_environment_name(t->environment));
    if (t->os != GPV_OS_LINUX) /* the default goes unsaid */
        gpv_buf_printf(b, "; %s", gpv_os_name(t->os));
    if (t->live_migration)
        gpv_buf_puts(b, "; live migration");
    if (t->media)
        gpv_buf_puts(b, "; media");
    if (t->spread)
        gpv_buf_puts(b, "; spread");
    if (t->gpu)
        gpv_buf_printf(b, "; pinned to %s", t->gpu->id);
}

/* "mig 1g.20gb", "passthrough 2 GPUs", "mig-vgpu H100-1-20C (1g.20gb)" */
static void
put_choice(struct gpv_buf *b, const struct gpv_choice *c)
{
    if (c->method == GPV_METHOD_NONE) {
        gpv_buf_puts(b, "none");
        return;
    }
    gpv_buf_puts(b, gpv_method_name(c->method));
    if (c->method == GPV_METHOD_PASSTHROUGH)
        gpv_buf_printf(b, " %d GPU%s", c->gpus, c->gpus == 1 ? "" : "s");
    else if (c->clients && c->mig_profile >= 0) /* time-sliced MIG instances */
        gpv_buf_printf(b, " %s, up to %d per instance", gpv_choice_profile(c), c->clients);
    else if (c->clients)
        gpv_buf_printf(b, ", up to %d per GPU", c->clients);
    else
        gpv_buf_printf(b, " %s", gpv_choice_profile(c));
    if (c->method == GPV_METHOD_MIG_VGPU && c->mig_profile >= 0)
        gpv_buf_printf(b, " (%s)", c->gpu->mig->profiles[c->mig_profile].name);
}

/* Prints text after a label column (and a second column when col2 is not NULL), wrapped so
 * continuation lines start under the text. */
static void
print_wrapped(FILE *f, const char *label, const char *col2, const char *text)
{
    char first[64], rest[64];
    int n;

    if (col2)
        n = snprintf(first, sizeof(first), "  %-9s %-12s ", label, col2);
    else
        n = snprintf(first, sizeof(first), "  %-9s ", label);
    snprintf(rest, sizeof(rest), "%*s", n, "");
    cli_wrap(f, first, rest, text);
}

static void
print_reasons(FILE *f, const struct gpv_cli *cli, const struct gpv_reasons *rejected,
              const char *label)
{
    bool first = true;
    int m;
    size_t i;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
        for (i = 0; i < rejected[m].n; i++) {
            struct gpv_buf b;

            gpv_buf_init(&b);
            gpv_buf_puts(&b, rejected[m].v[i].text);
            if (rejected[m].v[i].rule)
                gpv_buf_printf(&b, " %s[%s]%s", cli_dim(cli), rejected[m].v[i].rule,
                               cli_reset(cli));
            print_wrapped(f, first ? label : "", i == 0 ? gpv_method_name(m) : "", gpv_buf_str(&b));
            gpv_buf_release(&b);
            first = false;
        }
    }
}

static void
print_trace(FILE *f, const struct gpv_cli *cli, const struct gpv_choice *c, bool verbose)
{
    size_t i;
    bool first = true;

    for (i = 0; i < c->ntrace; i++) {
        const struct gpv_trace *tr = &c->trace[i];

        if (tr->step != GPV_STEP_RULE || (!tr->matched && !verbose))
            continue;
        char *line =
            xasprintf("%s %s%s: %s%s", tr->matched ? "+" : "-", tr->matched ? "" : cli_dim(cli),
                      tr->rule->id, tr->text, tr->matched ? "" : cli_reset(cli));

        print_wrapped(f, first ? "rules" : "", NULL, line);
        free(line);
        first = false;
    }
    first = true;
    for (i = 0; i < c->ntrace; i++) {
        const struct gpv_trace *tr = &c->trace[i];

        if (tr->step != GPV_STEP_SELECT)
            continue;
        print_wrapped(f, first ? "instance" : "", gpv_method_name(tr->method), tr->text);
        first = false;
    }
}

/* How many ranked choices the table lists per tenant (JSON lists them all). */
#define EXPLAIN_CHOICES_SHOWN 8

/*
 * What the table's first line of a decision shows after the tenant's name: ": METHOD on GPU"
 * (coloured), or NULL when the tenant has no method. The caller frees it.
 */
static char *
decision_head(const struct gpv_cli *cli, const struct gpv_decision *d)
{
    const struct gpv_choice *c;
    struct gpv_buf b;
    char *head;

    if (d->method == GPV_METHOD_NONE)
        return NULL;
    c = &d->choices[d->best];
    gpv_buf_init(&b);
    put_choice(&b, c);
    head = xasprintf(": %s%s%s on %s", cli_green(cli), gpv_buf_str(&b), cli_reset(cli), c->gpu->id);
    gpv_buf_release(&b);
    return head;
}

/* The first line of a tenant's decision in the table; head from decision_head(). */
static void
print_head(const struct gpv_cli *cli, const char *name, const char *head)
{
    char *line;

    if (!head) {
        printf("%s%s%s: %sno method%s\n", cli_bold(cli), name, cli_reset(cli), cli_red(cli),
               cli_reset(cli));
        return;
    }
    line = xasprintf("%s%s%s%s", cli_bold(cli), name, cli_reset(cli), head);
    cli_wrap(stdout, "", "  ", line);
    free(line);
}

/*
 * The table's lines of a decision after the first: what the tenant asks (the same for every
 * tenant of a kind), why, what was rejected, the ranked choices, and a blank line.
 */
static void
print_rest(FILE *f, const struct gpv_cli *cli, const struct gpv_decision *d, bool verbose)
{
    const struct gpv_tenant *t = d->tenant;
    struct gpv_buf b;
    size_t i, n, k;

    gpv_buf_init(&b);
    put_asks(&b, t);
    print_wrapped(f, "asks", NULL, gpv_buf_str(&b));
    gpv_buf_release(&b);
    if (d->method != GPV_METHOD_NONE) {
        const struct gpv_choice *c = &d->choices[d->best];

        if (c->decided_by) {
            char *line = xasprintf("%s: %s", c->decided_by->id, c->decided_by->reason);

            print_wrapped(f, "because", NULL, line);
            free(line);
            if (c->decided_by != c->order_rule) {
                /* Forced: say what the order wanted and why it could not have it. */
                int r;

                gpv_buf_printf(&b, "%s is the only method left: ", gpv_method_name(c->method));
                for (r = 0; r < c->rank; r++)
                    gpv_buf_printf(&b, "%s%s", r ? ", " : "", gpv_method_name(c->order[r]));
                gpv_buf_printf(&b, " came first in the order of %s%s%s",
                               c->order_rule ? "'" : "the default",
                               c->order_rule ? c->order_rule->id : "", c->order_rule ? "'" : "");
                print_wrapped(f, "", NULL, gpv_buf_str(&b));
                gpv_buf_release(&b);
            }
        } else
            fprintf(f, "  %-9s no preference rule holds: the default order\n", "because");
        print_trace(f, cli, c, verbose);
        print_reasons(f, cli, d->rejected, "rejected");
    } else {
        if (d->nchoices)
            print_trace(f, cli, &d->choices[0], verbose);
        print_reasons(f, cli, d->rejected, "rejected");
        if (d->nchoices == 0)
            fprintf(f, "  %-9s no candidate GPU model\n", "rejected");
    }
    /* The ranked choices the packer may use (every model where the tenant has a method), best
       first, when there is more than the one above; recommend's plan says when it does not
       use the first. */
    for (i = 0, n = 0; d->best == 0 && i < d->nchoices; i++)
        n += d->choices[i].method != GPV_METHOD_NONE;
    for (i = 0, k = 0; n > 1 && i < d->nchoices; i++) {
        const struct gpv_choice *c = &d->choices[i];

        if (c->method == GPV_METHOD_NONE)
            continue;
        if (++k > EXPLAIN_CHOICES_SHOWN) {
            gpv_buf_printf(&b, "and %zu more (-f json lists every choice)",
                           n - EXPLAIN_CHOICES_SHOWN);
            print_wrapped(f, "", NULL, gpv_buf_str(&b));
            gpv_buf_release(&b);
            break;
        }
        gpv_buf_printf(&b, "%zu. ", k);
        put_choice(&b, c);
        gpv_buf_printf(&b, " (rank %d", c->rank);
        if (c->cost_per_hour >= 0)
            gpv_buf_printf(&b, ", %.4g per hour for %.3g of a GPU", c->share * c->cost_per_hour,
                           c->share);
        else if (c->sizing)
            gpv_buf_printf(&b, ", %.1f GiB of GPU memory",
                           c->share * (double)c->gpu->memory_mib / 1024.0);
        gpv_buf_puts(&b, ")");
        print_wrapped(f, k == 1 ? "choices" : "", c->gpu->id, gpv_buf_str(&b));
        gpv_buf_release(&b);
    }
    fprintf(f, "\n");
}

/*
 * Tenants of one kind (gpv_tenant_kind_cmp()) get the same decision, and everything written
 * for them after their name is the same: the kind is decided and written once, and while more
 * of its tenants are to come its text is kept and copied for them. A kind's text is freed
 * after its last tenant, and no text is kept past EXPLAIN_KEEP_BYTES in all (kinds past it
 * are decided again for each tenant), so memory stays bounded whatever the file holds.
 */
#define EXPLAIN_KEEP_BYTES ((size_t)16 << 20)

struct explain_kind {
    size_t left; /* wanted tenants of this kind not written yet */
    bool none;   /* the kind has no method (known once decided) */
    char *head;  /* table: decision_head() */
    char *text;  /* what follows the name (table: the head line); NULL when not kept */
    size_t len;
};

/*
 * Numbers the kinds of the wanted tenants in the order they first appear: of[i] is tenant i's
 * kind when wanted[i], and (*out)[k].left the number of wanted tenants of kind k. Returns the
 * number of kinds; the caller frees *out.
 */
static size_t
number_kinds(struct explain_kind **out, size_t *of, const struct gpv_tenants *file,
             const bool *wanted)
{
    size_t n = file->ntenants, cap = 16, mask, i, nkinds = 0;
    const struct gpv_tenant **rep = xcalloc(n + 1, sizeof(*rep));
    long *slot;

    while (cap < 2 * n)
        cap *= 2;
    mask = cap - 1;
    slot = xcalloc(cap, sizeof(*slot));
    for (i = 0; i < cap; i++)
        slot[i] = -1;
    *out = xcalloc(n + 1, sizeof(**out));
    for (i = 0; i < n; i++) {
        const struct gpv_tenant *t = &file->tenants[i];
        size_t h = (size_t)gpv_tenant_kind_hash(t) & mask;

        if (!wanted[i])
            continue;
        while (slot[h] >= 0 && gpv_tenant_kind_cmp(rep[slot[h]], t))
            h = (h + 1) & mask;
        if (slot[h] < 0) {
            rep[nkinds] = t;
            slot[h] = (long)nkinds++;
        }
        of[i] = (size_t)slot[h];
        (*out)[of[i]].left++;
    }
    free(rep);
    free(slot);
    return nkinds;
}

/*
 * The text emit_kind writes for d after the tenant's name inside explain's document: the
 * document's own depth, {"tenants": [{"name": ..., so the text is what the document needs.
 * The caller frees it.
 */
static char *
rest_text(size_t *len, enum gpv_emit_kind emit_kind, const struct gpv_decision *d)
{
    struct gpv_emit se;
    struct gpv_buf sb;
    size_t mark;
    char *s;

    gpv_buf_init(&sb);
    gpv_emit_init(&se, emit_kind, &sb);
    gpv_emit_obj(&se, NULL);
    gpv_emit_arr(&se, "tenants", false);
    gpv_emit_obj(&se, NULL);
    gpv_emit_str(&se, "name", "");
    mark = sb.len;
    cli_decision_emit_rest(&se, d);
    *len = sb.len - mark;
    s = xmalloc(*len + 1);
    memcpy(s, sb.s + mark, *len + 1);
    gpv_emit_release(&se);
    gpv_buf_release(&sb);
    return s;
}

/* The table's lines of d after the first (print_rest()) as text, or NULL when no memory
 * stream can be opened. The caller frees it. */
static char *
table_text(size_t *len, const struct gpv_cli *cli, const struct gpv_decision *d, bool verbose)
{
    char *s = NULL;
    FILE *f = open_memstream(&s, len);

    if (!f)
        return NULL;
    print_rest(f, cli, d, verbose);
    if (fclose(f) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* What writing one tenant takes. */
struct explain_run {
    const struct gpv_cli *cli;
    const struct gpv_tenants *file;
    const struct gpv_ruleset *rules;
    const struct gpv_gpu *const *only;
    size_t nonly;
    bool verbose;
    struct gpv_emit *e; /* the JSON or YAML document; NULL for the table */
    enum gpv_emit_kind emit_kind;
    size_t kept; /* bytes of kept text */
};

/*
 * Writes tenant t of kind k: from the kind's kept text, or deciding it (and keeping its text
 * when more tenants of the kind are to come and fewer than EXPLAIN_KEEP_BYTES are kept).
 */
static void
explain_one(struct explain_run *x, struct explain_kind *k, const struct gpv_tenant *t)
{
    struct gpv_decision d;
    bool decided = false;

    if (!k->text) {
        struct gpv_candidate *cands = NULL;
        size_t nc = gpv_candidates(&cands, x->file, t, &x->cli->db, x->only, x->nonly);

        gpv_decide(&d, x->rules, t, &x->file->licenses, cands, nc);
        free(cands);
        decided = true;
        k->none = d.method == GPV_METHOD_NONE;
        if (!x->e) {
            free(k->head);
            k->head = decision_head(x->cli, &d);
        }
        if (k->left > 1 && x->kept < EXPLAIN_KEEP_BYTES) {
            k->text = x->e ? rest_text(&k->len, x->emit_kind, &d)
                           : table_text(&k->len, x->cli, &d, x->verbose);
            x->kept += k->text ? k->len : 0;
        }
    }
    if (x->e) {
        gpv_emit_obj(x->e, NULL);
        gpv_emit_str(x->e, "name", t->name);
        if (k->text)
            gpv_emit_raw(x->e, k->text, k->len);
        else
            cli_decision_emit_rest(x->e, &d);
        gpv_emit_end(x->e);
    } else {
        print_head(x->cli, t->name, k->head);
        if (k->text)
            fwrite(k->text, 1, k->len, stdout);
        else
            print_rest(stdout, x->cli, &d, x->verbose);
    }
    if (decided)
        gpv_decision_release(&d);
    if (--k->left == 0) {
        x->kept -= k->text ? k->len : 0;
        free(k->text);
        free(k->head);
        k->text = k->head = NULL;
    }
}

int
cmd_explain(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    struct cli_list names = {NULL, 0}, gpu_args = {NULL, 0};
    const char *rules_path = NULL;
    bool verbose = false;
    const struct cli_opt opts[] = {
        CLI_LIST('t', "tenant", "NAME", &names, "only this tenant (repeatable)"),
        CLI_LIST('g', "gpu", "MODEL", &gpu_args,
                 "judge on this model instead of the fleet (repeatable)"),
        CLI_STRING('r', "rules", "FILE", &rules_path,
                   "use these rules instead of the built-in ones"),
        CLI_FLAG('v', "verbose", &verbose, "show every rule, also those that did not hold"),
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_QUIET(&cli->quiet),
        CLI_END,
    };
    const struct cli_spec spec = {
        "explain", "TENANTS.yaml", explain_usage_about, explain_usage_footer, opts, false};
    struct cli_args args;
    struct gpv_error err;
    struct gpv_tenants file;
    struct gpv_ruleset rules;
    const struct gpv_gpu **only = NULL;
    struct explain_kind *kinds = NULL;
    struct explain_run run;
    bool *wanted = NULL;
    size_t *of = NULL;
    size_t nd = 0, i, k;
    int rc = GPV_EXIT_OK, none = 0;
    struct gpv_emit e;
    struct gpv_buf b;
    bool stream = false;

    gpv_error_init(&err);
    memset(&run, 0, sizeof(run));
    gpv_buf_init(&b);
    gpv_emit_init(&e, GPV_EMIT_JSON, &b);
    memset(&file, 0, sizeof(file));
    memset(&rules, 0, sizeof(rules));
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    if (args.n != 1) {
        rc = cli_usage_error("explain",
                             args.n == 0 ? "which tenants file?" : "one tenants file at a time");
        goto out;
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
    for (i = 0; i < names.n; i++) {
        if (gpv_tenants_find(&file, names.v[i]) < 0) {
            const char **all = xcalloc(file.ntenants, sizeof(*all));
            int s;

            for (k = 0; k < file.ntenants; k++)
                all[k] = file.tenants[k].name;
            s = gpv_suggest(names.v[i], all, file.ntenants);
            if (s >= 0)
                gpv_error_set(&err, GPV_EINPUT, file.name, 0, 0,
                              "no tenant '%s' in this file (did you mean '%s'?)", names.v[i],
                              all[s]);
            else
                gpv_error_set(&err, GPV_EINPUT, file.name, 0, 0, "no tenant '%s' in this file",
                              names.v[i]);
            free(all);
            rc = cli_report(&err);
            goto out;
        }
    }
    wanted = xcalloc(file.ntenants, sizeof(*wanted));
    of = xcalloc(file.ntenants, sizeof(*of));
    for (i = 0; i < file.ntenants; i++) {
        wanted[i] = names.n == 0;
        for (k = 0; k < names.n && !wanted[i]; k++)
            wanted[i] = !strcmp(names.v[k], file.tenants[i].name);
    }
    number_kinds(&kinds, of, &file, wanted);
    run.cli = cli;
    run.file = &file;
    run.rules = &rules;
    run.only = only;
    run.nonly = gpu_args.n;
    run.verbose = verbose;
    if (fmt != GPV_FMT_TABLE) {
        /* The document is streamed out as it is written. */
        stream = true;
        cli_stream_stdout(&b);
        run.emit_kind = fmt == GPV_FMT_YAML ? GPV_EMIT_YAML : GPV_EMIT_JSON;
        gpv_emit_init(&e, run.emit_kind, &b);
        run.e = &e;
        gpv_emit_obj(&e, NULL);
        gpv_emit_str(&e, "tenants_file", file.name);
        gpv_emit_str(&e, "rules", rules.name);
        gpv_emit_arr(&e, "tenants", false);
    }
    for (i = 0; i < file.ntenants; i++) {
        if (!wanted[i])
            continue;
        explain_one(&run, &kinds[of[i]], &file.tenants[i]);
        none += kinds[of[i]].none;
        nd++;
    }
    if (stream) {
        gpv_emit_end(&e);
        gpv_emit_end(&e);
        if (cli_write_output(NULL, gpv_buf_str(&b), b.len, NULL, &err)) {
            rc = cli_report(&err);
            goto out;
        }
    } else {
        printf("%zu tenant%s: %zu with a method, %d without\n", nd, nd == 1 ? "" : "s",
               nd - (size_t)none, none);
    }
    rc = none ? GPV_EXIT_NO : GPV_EXIT_OK;
out:
    free(kinds);
    free(of);
    free(wanted);
    free(only);
    cli_opt_release(&spec);
    gpv_emit_release(&e);
    gpv_buf_release(&b);
    gpv_tenants_release(&file);
    gpv_rules_release(&rules);
    return rc;
}
