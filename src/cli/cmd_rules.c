/* gpuvplan rules: the decision rules as a readable decision list. */
#include "cli.h"
#include "opt.h"
#include "cli_sources.h"
#include "cli_rules.h"

#include <stdlib.h>
#include <string.h>

static const char rules_usage_about[] =
    "Lists the decision rules `explain` and `recommend` apply, in two phases:\n"
    "  1. exclude: every rule whose condition holds removes methods (and vGPU\n"
    "     series), and its reason is reported against each method it removes;\n"
    "  2. prefer: the first rule whose condition holds orders the methods left;\n"
    "     the first method in that order with an instance that fits the tenant wins.\n"
    "Conditions test tenant.*, license.* and gpu.* fields; docs/rules.md explains them.\n";

static void
put_methods(struct gpv_buf *b, unsigned mask, const char *sep)
{
    int m;
    bool first = true;

    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
        if (mask & (1u << m)) {
            gpv_buf_printf(b, "%s%s", first ? "" : sep, gpv_method_name((enum gpv_method)m));
            first = false;
        }
    }
}

static void
put_series(struct gpv_buf *b, unsigned mask)
{
    int s;
    bool first = true;

    for (s = 0; s < 4; s++) {
        if (mask & (1u << s)) {
            gpv_buf_printf(b, "%s%s", first ? "" : ", ", gpv_series_name((enum gpv_series)s));
            first = false;
        }
    }
}

static struct gpv_val *
rules_value(const struct gpv_ruleset *rs)
{
    struct gpv_val *root = gpv_val_obj(), *arr, *a;
    size_t i, k;
    int m, s;

    gpv_val_set_str(root, "file", rs->name);
    arr = gpv_val_set(root, "rules", gpv_val_arr());
    for (i = 0; i < rs->nrules; i++) {
        const struct gpv_rule *r = &rs->rules[i];
        struct gpv_val *o = gpv_val_push(arr, gpv_val_obj());
        char *when = gpv_cond_format(r->when);

        gpv_val_set_str(o, "id", r->id);
        gpv_val_set_str(o, "phase", gpv_phase_name(r->phase));
        gpv_val_set_str(o, "when", when);
        free(when);
        a = gpv_val_set(o, "exclude", gpv_val_arr());
        for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++)
            if (r->exclude & (1u << m))
                gpv_val_push(a, gpv_val_str(gpv_method_name((enum gpv_method)m)));
        a = gpv_val_set(o, "exclude_series", gpv_val_arr());
        for (s = 0; s < 4; s++)
            if (r->exclude_series & (1u << s))
                gpv_val_push(a, gpv_val_str(gpv_series_name((enum gpv_series)s)));
        a = gpv_val_set(o, "exclude_shared", gpv_val_arr());
        for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++)
            if (r->exclude_shared & (1u << m))
                gpv_val_push(a, gpv_val_str(gpv_method_name((enum gpv_method)m)));
        a = gpv_val_set(o, "prefer", gpv_val_arr());
        for (k = 0; k < (size_t)r->nprefer; k++)
            gpv_val_push(a, gpv_val_str(gpv_method_name(r->prefer[k])));
        gpv_val_set_str(o, "reason", r->reason);
        a = gpv_val_set(o, "sources", gpv_val_arr());
        for (k = 0; k < r->nsources; k++)
            gpv_val_push(a, gpv_val_str(r->sources[k]));
    }
    gpv_val_set(root, "sources", cli_sources_value(rs->sources, rs->nsources));
    return root;
}

#define INDENT "               " /* under the text after "when", "because"... */

static void
print_rule(const struct gpv_cli *cli, const struct gpv_rule *r, int number)
{
    struct gpv_buf b;
    char *when = gpv_cond_format(r->when);
    size_t k;

    gpv_buf_init(&b);
    printf("  %2d. %s%s%s\n", number, cli_bold(cli), r->id, cli_reset(cli));
    cli_wrap(stdout, "      when     ", INDENT, when);
    if (r->phase == GPV_PHASE_EXCLUDE) {
        if (r->exclude) {
            put_methods(&b, r->exclude, ", ");
            cli_wrap(stdout, "      exclude  ", INDENT, gpv_buf_str(&b));
            gpv_buf_release(&b);
        }
        if (r->exclude_series) {
            put_series(&b, r->exclude_series);
            printf("      series   %s excluded\n", gpv_buf_str(&b));
            gpv_buf_release(&b);
        }
        if (r->exclude_shared) {
            put_methods(&b, r->exclude_shared, ", ");
            cli_wrap(stdout, "      shared   ", INDENT, gpv_buf_str(&b));
            gpv_buf_release(&b);
        }
    } else {
        for (k = 0; k < (size_t)r->nprefer; k++)
            gpv_buf_printf(&b, "%s%s", k ? " > " : "", gpv_method_name(r->prefer[k]));
        cli_wrap(stdout, "      prefer   ", INDENT, gpv_buf_str(&b));
        gpv_buf_release(&b);
    }
    cli_wrap(stdout, "      because  ", INDENT, r->reason);
    for (k = 0; k < r->nsources; k++)
        gpv_buf_printf(&b, "%s%s", k ? ", " : "", r->sources[k]);
    cli_wrap(stdout, "      source   ", INDENT, gpv_buf_str(&b));
    gpv_buf_release(&b);
    free(when);
}

static void
print_rules(const struct gpv_cli *cli, const struct gpv_ruleset *rs)
{
    char *line;
    size_t i;
    int n = 0;

    line = xasprintf("%sPhase 1: requirements exclude methods%s (every rule that holds applies)",
                     cli_bold(cli), cli_reset(cli));
    cli_wrap(stdout, "", "", line);
    free(line);
    for (i = 0; i < rs->nrules; i++)
        if (rs->rules[i].phase == GPV_PHASE_EXCLUDE)
            print_rule(cli, &rs->rules[i], ++n);
    line = xasprintf("%sPhase 2: preferences order what is left%s (the first rule that holds "
                     "decides; the first method in its order whose instance fits the tenant wins)",
                     cli_bold(cli), cli_reset(cli));
    fputc('\n', stdout);
    cli_wrap(stdout, "", "", line);
    free(line);
    n = 0;
    for (i = 0; i < rs->nrules; i++)
        if (rs->rules[i].phase == GPV_PHASE_PREFER)
            print_rule(cli, &rs->rules[i], ++n);
    cli_wrap(stdout, "  ", "  ",
             "When no preference rule holds: vgpu > mig-vgpu > mig > passthrough > time-slicing "
             "> mps.");
    printf("\n%sSources%s\n", cli_bold(cli), cli_reset(cli));
    cli_sources_print(rs->sources, rs->nsources);
    line = xasprintf("%zu rules from %s; `gpuvplan explain TENANTS.yaml` applies them", rs->nrules,
                     rs->name);
    fputc('\n', stdout);
    cli_wrap(stdout, "", "", line);
    free(line);
}

int
cmd_rules(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *path = NULL;
    const struct cli_opt opts[] = {
        CLI_STRING('r', "rules", "FILE", &path, "list these rules instead of the built-in ones"),
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"rules", "", rules_usage_about, NULL, opts, false};
    struct cli_args args;
    struct gpv_ruleset rs;
    struct gpv_error err;
    struct gpv_val *v;
    int rc;

    gpv_error_init(&err);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    if (args.n > 0)
        return cli_usage_error("rules", "unexpected argument '%s'", args.v[0]);
    if (cli_rules_load(&rs, path, &err))
        return cli_report(&err);
    if (fmt != GPV_FMT_TABLE) {
        v = rules_value(&rs);
        rc = cli_write_value(NULL, v, fmt, NULL, &err);
        gpv_val_free(v);
        gpv_rules_release(&rs);
        return rc ? cli_report(&err) : GPV_EXIT_OK;
    }
    print_rules(cli, &rs);
    gpv_rules_release(&rs);
    return GPV_EXIT_OK;
}
