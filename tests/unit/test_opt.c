#include "opt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The values one parse fills: a table shaped like recommend's. */
struct vals {
    enum gpv_format fmt;
    struct cli_list gpus;
    const char *rules;
    bool explain, quiet;
    long long count;
    int strategy;
};

static const char *const strategies[] = {"optimal", "first-fit", NULL};

/* Parses words (NULL-terminated, the command name first) into v; returns cli_opt_parse()'s
 * result and the positional arguments in *args. */
static int
parse(struct vals *v, struct cli_args *args, struct gpv_cli *cli, bool stop, const char **words)
{
    const struct cli_opt opts[] = {
        CLI_FORMAT(&v->fmt, cli_formats_all, "format"),
        CLI_LIST('g', "gpu", "MODEL", &v->gpus, "a model (repeatable)"),
        CLI_STRING('r', "rules", "FILE", &v->rules, "rules"),
        CLI_FLAG(0, "explain", &v->explain, "explain"),
        CLI_FLAG('q', "quiet", &v->quiet, "quiet"),
        CLI_INT('n', "count", "N", &v->count, 1, 10, "count"),
        CLI_ENUM(0, "strategy", "S", &v->strategy, strategies, "strategy"),
        CLI_END,
    };
    const struct cli_spec spec = {"test", "ARGS", "About.\n", NULL, opts, stop};
    /* The parser reorders argv's pointers, never the strings. */
    static char *argv[16];
    int argc = 0, rc;

    while (words[argc] && argc < 15) {
        argv[argc] = (char *)words[argc];
        argc++;
    }
    argv[argc] = NULL;
    memset(v, 0, sizeof(*v));
    memset(cli, 0, sizeof(*cli));
    rc = cli_opt_parse(args, cli, &spec, argc, argv);
    if (rc != CLI_OPT_RUN)
        assert_null(v->gpus.v); /* released on a usage error */
    return rc;
}

static void
release(struct vals *v)
{
    free(v->gpus.v);
}

static void
test_opt_takes_every_spelling_of_a_value_and_mixes_positionals(void **state)
{
    const char *w[] = {"test", "a", "-fjson",     "--rules=r.yaml", "b",
                       "-qn",  "3", "--strategy", "First-Fit",      NULL};
    struct vals v;
    struct cli_args args;
    struct gpv_cli cli;

    (void)state;
    assert_int_equal(parse(&v, &args, &cli, false, w), CLI_OPT_RUN);
    assert_int_equal(v.fmt, GPV_FMT_JSON);
    assert_string_equal(v.rules, "r.yaml");
    assert_true(v.quiet);
    assert_int_equal(v.count, 3);
    assert_int_equal(v.strategy, 1);
    assert_int_equal(args.n, 2);
    assert_string_equal(args.v[0], "a");
    assert_string_equal(args.v[1], "b");
    assert_null(args.v[2]);
    release(&v);
}

static void
test_opt_collects_a_repeatable_option_wherever_it_stands(void **state)
{
    const char *w[] = {"test", "-g", "a30", "x", "--gpu=h100", "-gl4", NULL};
    struct vals v;
    struct cli_args args;
    struct gpv_cli cli;

    (void)state;
    assert_int_equal(parse(&v, &args, &cli, false, w), CLI_OPT_RUN);
    assert_int_equal(v.gpus.n, 3);
    assert_string_equal(v.gpus.v[0], "a30");
    assert_string_equal(v.gpus.v[1], "h100");
    assert_string_equal(v.gpus.v[2], "l4");
    assert_int_equal(args.n, 1);
    release(&v);
}

static void
test_opt_double_dash_ends_options_and_a_lone_dash_is_an_argument(void **state)
{
    const char *w[] = {"test", "-", "--", "-f", "--gpu", NULL};
    struct vals v;
    struct cli_args args;
    struct gpv_cli cli;

    (void)state;
    assert_int_equal(parse(&v, &args, &cli, false, w), CLI_OPT_RUN);
    assert_int_equal(args.n, 3);
    assert_string_equal(args.v[0], "-");
    assert_string_equal(args.v[1], "-f");
    assert_string_equal(args.v[2], "--gpu");
    assert_int_equal(v.fmt, GPV_FMT_TABLE);
    release(&v);
}

static void
test_opt_stops_at_the_first_positional_for_subcommands(void **state)
{
    const char *w[] = {"test", "check", "-f", "json", NULL};
    struct vals v;
    struct cli_args args;
    struct gpv_cli cli;

    (void)state;
    assert_int_equal(parse(&v, &args, &cli, true, w), CLI_OPT_RUN);
    assert_int_equal(args.n, 3);
    assert_string_equal(args.v[1], "-f");
    assert_int_equal(v.fmt, GPV_FMT_TABLE);
    release(&v);
}

static void
test_opt_rejects_misuse_with_exit_2(void **state)
{
    const char *missing[] = {"test", "x", "-f", NULL};
    const char *twice[] = {"test", "-f", "json", "--format", "yaml", NULL};
    const char *unknown[] = {"test", "--fromat", "json", NULL};
    const char *range[] = {"test", "-n", "11", NULL};
    const char *flag_value[] = {"test", "--explain=yes", NULL};
    const char *bad_enum[] = {"test", "--strategy", "best", NULL};
    const char *bad_format[] = {"test", "-f", "xml", NULL};
    const char *list_then_error[] = {"test", "-g", "a30", "--nope", NULL};
    struct vals v;
    struct cli_args args;
    struct gpv_cli cli;

    (void)state;
    assert_int_equal(parse(&v, &args, &cli, false, missing), GPV_EXIT_USAGE);
    assert_int_equal(parse(&v, &args, &cli, false, twice), GPV_EXIT_USAGE);
    assert_int_equal(parse(&v, &args, &cli, false, unknown), GPV_EXIT_USAGE);
    assert_int_equal(parse(&v, &args, &cli, false, range), GPV_EXIT_USAGE);
    assert_int_equal(parse(&v, &args, &cli, false, flag_value), GPV_EXIT_USAGE);
    assert_int_equal(parse(&v, &args, &cli, false, bad_enum), GPV_EXIT_USAGE);
    assert_int_equal(parse(&v, &args, &cli, false, bad_format), GPV_EXIT_USAGE);
    assert_int_equal(parse(&v, &args, &cli, false, list_then_error), GPV_EXIT_USAGE);
}

/* Parses words against one CLI_FORMAT row allowing choices; returns the parser's result. */
static int
parse_format_row(enum gpv_format *fmt, const char *const *choices, const char **words)
{
    const struct cli_opt opts[] = {CLI_FORMAT(fmt, choices, "format"), CLI_END};
    const struct cli_spec spec = {"fmt", "", NULL, NULL, opts, false};
    static char *argv[8];
    struct cli_args args;
    struct gpv_cli cli;
    int argc = 0;

    while (words[argc] && argc < 7) {
        argv[argc] = (char *)words[argc];
        argc++;
    }
    argv[argc] = NULL;
    memset(&cli, 0, sizeof(cli));
    *fmt = GPV_FMT_TABLE;
    return cli_opt_parse(&args, &cli, &spec, argc, argv);
}

static void
test_opt_html_only_where_the_row_allows_it(void **state)
{
    const char *html[] = {"fmt", "-f", "HTML", NULL};
    const char *yaml[] = {"fmt", "--format=yaml", NULL};
    enum gpv_format fmt;

    (void)state;
    assert_int_equal(parse_format_row(&fmt, cli_formats_html, html), CLI_OPT_RUN);
    assert_int_equal(fmt, GPV_FMT_HTML);
    assert_int_equal(parse_format_row(&fmt, cli_formats_html, yaml), CLI_OPT_RUN);
    assert_int_equal(fmt, GPV_FMT_YAML);
    assert_int_equal(parse_format_row(&fmt, cli_formats_all, html), GPV_EXIT_USAGE);
    assert_int_equal(fmt, GPV_FMT_TABLE);
}

static void
test_opt_help_lists_every_visible_option_from_the_table(void **state)
{
    const bool flag = false;
    const char *s = NULL;
    const struct cli_opt opts[] = {
        CLI_FLAG('x', "extra", (void *)&flag, "an extra flag"),
        CLI_STRING(0, "hidden", "V", &s, NULL),
        CLI_END,
    };
    const struct cli_spec spec = {"demo", "FILE", "Demo about.\n", "Footer.\n", opts, false};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(f);
    cli_opt_help(f, &spec);
    fclose(f);
    assert_non_null(strstr(buf, "usage: gpuvplan demo FILE [OPTION]...\n"));
    assert_non_null(strstr(buf, "Demo about."));
    assert_non_null(strstr(buf, "  -x, --extra  an extra flag\n"));
    assert_non_null(strstr(buf, "  -h, --help   this help\n"));
    assert_null(strstr(buf, "--hidden"));
    assert_non_null(strstr(buf, "Footer."));
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opt_takes_every_spelling_of_a_value_and_mixes_positionals),
        cmocka_unit_test(test_opt_collects_a_repeatable_option_wherever_it_stands),
        cmocka_unit_test(test_opt_double_dash_ends_options_and_a_lone_dash_is_an_argument),
        cmocka_unit_test(test_opt_stops_at_the_first_positional_for_subcommands),
        cmocka_unit_test(test_opt_rejects_misuse_with_exit_2),
        cmocka_unit_test(test_opt_html_only_where_the_row_allows_it),
        cmocka_unit_test(test_opt_help_lists_every_visible_option_from_the_table),
    };

    return cmocka_run_group_tests_name("opt", tests, NULL, NULL);
}
