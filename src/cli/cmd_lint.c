/* gpuvplan lint: offline checks of mig-parted, vgpu-device-manager and device-plugin configs. */
#include "cli.h"
#include "opt.h"

#include "gpuvplan/lint.h"

#include <stdlib.h>
#include <string.h>

static const char lint_about[] =
    "Checks mig-parted, vgpu-device-manager and k8s device-plugin configs offline, bare or in\n"
    "a Kubernetes ConfigMap, as the applying tools would on the node: schema, profile and\n"
    "vGPU type names, counts, MIG geometry on every model a device-filter selects, and entries\n"
    "that select the same GPU. Prints one finding a line, file:line:col: error|warning: message.\n";

static const char lint_footer[] =
    "Exit status: 0 clean, 1 findings (errors or warnings), 2 usage error, 3 a file unreadable\n"
    "or not a config, 4 system error.\n";

static const char *const lint_kinds[] = {"migparted", "vgpu", "device-plugin", NULL};

/* One file's outcome, kept for the JSON document. */
struct lint_file {
    const char *path;
    struct gpv_lint_result res;
};

static void
print_table(const struct lint_file *lf)
{
    const struct gpv_lint_result *r = &lf->res;
    size_t i, k, nnames;

    for (i = 0; i < r->findings.n; i++) {
        const struct gpv_lint_finding *x = &r->findings.v[i];

        printf("%s:%d:%d: %s: %s\n", lf->path, x->line, x->col,
               x->severity == GPV_LINT_ERROR ? "error" : "warning", x->message);
    }
    /* Findings stay one a line, whatever their length, as compilers print them: editors and
     * grep read them. The summary of each document is prose and wraps. */
    for (i = 0; i < r->ndocs; i++) {
        const struct gpv_lint_doc *d = &r->docs[i];
        struct gpv_buf b;

        gpv_buf_init(&b);
        gpv_buf_printf(&b, "%s%s%s%s: %s config", lf->path, d->key ? " [" : "",
                       d->key ? d->key : "", d->key ? "]" : "", gpv_lint_kind_name(d->kind));
        if (d->nmodels) {
            gpv_buf_puts(&b, ", checked on");
            for (k = 0; k < d->nmodels; k++)
                gpv_buf_printf(&b, "%s %s", k ? "," : "", d->models[k]->id);
        } else {
            gpv_buf_puts(&b, ", no model-specific check");
        }
        for (k = 0, nnames = 0; k < d->nentries; k++)
            nnames += d->entries[k].selected_by == GPV_LINT_BY_NAMES && d->entries[k].nmodels;
        if (nnames)
            gpv_buf_printf(&b, " (%zu %s without device-filter on every model that knows %s names)",
                           nnames, nnames == 1 ? "entry" : "entries",
                           nnames == 1 ? "its" : "their");
        cli_wrap(stdout, "", "  ", gpv_buf_str(&b));
        gpv_buf_release(&b);
    }
}

static void
add_json(struct gpv_val *files, struct gpv_val *all, const struct lint_file *lf)
{
    const struct gpv_lint_result *r = &lf->res;
    struct gpv_val *o = gpv_val_push(files, gpv_val_obj()), *docs, *m, *ents;
    size_t i, k;

    gpv_val_set_str(o, "file", lf->path);
    docs = gpv_val_set(o, "documents", gpv_val_arr());
    for (i = 0; i < r->ndocs; i++) {
        struct gpv_val *d = gpv_val_push(docs, gpv_val_obj());

        if (r->docs[i].key)
            gpv_val_set_str(d, "configmap_key", r->docs[i].key);
        else
            gpv_val_set(d, "configmap_key", gpv_val_null());
        gpv_val_set_str(d, "kind", gpv_lint_kind_name(r->docs[i].kind));
        m = gpv_val_set(d, "models", gpv_val_arr());
        for (k = 0; k < r->docs[i].nmodels; k++)
            gpv_val_push(m, gpv_val_str(r->docs[i].models[k]->id));
        ents = gpv_val_set(d, "entries", gpv_val_arr());
        for (k = 0; k < r->docs[i].nentries; k++) {
            const struct gpv_lint_entry *e = &r->docs[i].entries[k];
            struct gpv_val *eo = gpv_val_push(ents, gpv_val_obj()), *em;
            size_t j;

            gpv_val_set_str(eo, "config", e->config);
            gpv_val_set_int(eo, "line", e->line);
            gpv_val_set_int(eo, "col", e->col);
            gpv_val_set_str(eo, "selected_by", gpv_lint_selected_by_name(e->selected_by));
            em = gpv_val_set(eo, "models", gpv_val_arr());
            for (j = 0; j < e->nmodels; j++)
                gpv_val_push(em, gpv_val_str(e->models[j]->id));
        }
    }
    gpv_val_set_int(o, "errors", (long long)gpv_lint_findings_count(&r->findings, GPV_LINT_ERROR));
    gpv_val_set_int(o, "warnings",
                    (long long)gpv_lint_findings_count(&r->findings, GPV_LINT_WARNING));
    for (i = 0; i < r->findings.n; i++) {
        const struct gpv_lint_finding *x = &r->findings.v[i];
        struct gpv_val *f = gpv_val_push(all, gpv_val_obj());

        gpv_val_set_str(f, "file", lf->path);
        gpv_val_set_int(f, "line", x->line);
        gpv_val_set_int(f, "col", x->col);
        gpv_val_set_str(f, "severity", x->severity == GPV_LINT_ERROR ? "error" : "warning");
        gpv_val_set_str(f, "code", x->code);
        gpv_val_set_str(f, "message", x->message);
    }
}

int
cmd_lint(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    int kind_ix = -1;
    struct cli_list gpu_args = {NULL, 0};
    const struct cli_opt opts[] = {
        CLI_ENUM('k', "kind", "K", &kind_ix, lint_kinds,
                 "migparted, vgpu or device-plugin (default: from the content)"),
        CLI_LIST('g', "gpu", "MODEL", &gpu_args,
                 "check entries without device-filter on MODEL (repeatable); default: every "
                 "model that knows all the entry's profile or type names"),
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"lint", "FILE...", lint_about, lint_footer, opts, false};
    struct gpv_lint_opts lo = {GPV_LINT_KIND_NONE, 0, NULL};
    const struct gpv_gpu **gpus = NULL;
    struct lint_file *files = NULL;
    struct gpv_val *v = NULL;
    struct cli_args args;
    struct gpv_error err;
    size_t nfiles = 0, i, findings = 0;
    int rc = GPV_EXIT_OK;

    gpv_error_init(&err);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    if (kind_ix >= 0 && !gpv_lint_kind_parse(&lo.kind, lint_kinds[kind_ix]))
        GPV_BUG("a kind of the option table the lint module does not know");
    if (args.n == 0) {
        rc = cli_usage_error("lint", "no FILE to check");
        goto out;
    }
    if (cli_db(cli, &err)) {
        rc = cli_report(&err);
        goto out;
    }
    gpus = xcalloc(gpu_args.n ? gpu_args.n : 1, sizeof(*gpus));
    for (i = 0; i < gpu_args.n; i++)
        if (!(gpus[i] = gpv_db_lookup(&cli->db, gpu_args.v[i], &err))) {
            rc = cli_report(&err);
            goto out;
        }
    lo.ngpus = gpu_args.n;
    lo.gpus = gpus;

    /* Read and check every file before printing, so a bad file prints nothing partial. */
    files = xcalloc((size_t)args.n, sizeof(*files));
    for (i = 0; i < (size_t)args.n; i++) {
        struct lint_file *lf = &files[nfiles];
        char *buf = NULL;
        size_t len;
        int r;

        lf->path = args.v[i];
        if ((r = cli_read_file(&buf, &len, lf->path, &err)) ||
            (r = gpv_lint_mem(&lf->res, &cli->db, buf, len, lf->path, &lo, &err))) {
            free(buf);
            rc = cli_report(&err);
            goto out;
        }
        free(buf);
        findings += lf->res.findings.n;
        nfiles++;
    }
    if (fmt != GPV_FMT_TABLE) {
        struct gpv_val *fl, *all;

        v = gpv_val_obj();
        fl = gpv_val_set(v, "files", gpv_val_arr());
        all = gpv_val_set(v, "findings", gpv_val_arr());
        for (i = 0; i < nfiles; i++)
            add_json(fl, all, &files[i]);
        if (cli_write_value(NULL, v, fmt, NULL, &err)) {
            rc = cli_report(&err);
            goto out;
        }
    } else {
        for (i = 0; i < nfiles; i++)
            print_table(&files[i]);
    }
    rc = findings ? GPV_EXIT_NO : GPV_EXIT_OK;
out:
    for (i = 0; i < nfiles; i++)
        gpv_lint_result_release(&files[i].res);
    free(files);
    gpv_val_free(v);
    free(gpus);
    cli_opt_release(&spec);
    return rc;
}
