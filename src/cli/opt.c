#include "opt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const cli_formats_all[] = {"table", "json", "yaml", NULL};
const char *const cli_formats_html[] = {"table", "json", "yaml", "html", NULL};

#define HELP_OPT    "help"
#define DUMP_OPT    "gpuvplan-options"
#define MAX_OPTIONS 64
#define CONT        CLI_OPT_RUN /* internal: go on parsing; anything else is the exit code */

static FILE *dump_file; /* cli_opt_dump_to(); NULL: standard output */

void
cli_opt_dump_to(FILE *f)
{
    dump_file = f;
}

/* What one parse has seen: which rows got a value (single-valued ones may get one). */
struct parse_state {
    const struct cli_spec *spec;
    bool seen[MAX_OPTIONS];
};

static size_t
count_opts(const struct cli_opt *o)
{
    size_t n = 0;

    while (o[n].kind != CLI_OPT_END)
        n++;
    return n;
}

/* "'-f'" or "'--format'", as the user spelt it. */
static const char *
opt_label(char *buf, size_t cap, const struct cli_opt *o, bool as_long)
{
    if (as_long || !o->short_name)
        snprintf(buf, cap, "'--%s'", o->long_name);
    else
        snprintf(buf, cap, "'-%c'", o->short_name);
    return buf;
}

static bool
takes_value(const struct cli_opt *o)
{
    return o->kind != CLI_OPT_FLAG;
}

/* Every format some command writes; each command's CLI_FORMAT row allows a subset. */
static const struct {
    const char *name;
    enum gpv_format fmt;
} formats[] = {{"table", GPV_FMT_TABLE},
               {"text", GPV_FMT_TABLE},
               {"json", GPV_FMT_JSON},
               {"yaml", GPV_FMT_YAML},
               {"html", GPV_FMT_HTML}};

/* arg as a format name some command writes ("table" for "text"), or NULL. */
static const char *
format_known(const char *arg)
{
    size_t i;

    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (gpv_strieq(arg, formats[i].name))
            return formats[i].fmt == GPV_FMT_TABLE ? "table" : formats[i].name;
    return NULL;
}

/* The usage error for a format this command does not write, in one wording. */
static int
format_refused(const char *cmd, const char *known, const char *const *choices)
{
    struct gpv_buf allowed;
    const char *const *ch;

    gpv_buf_init(&allowed);
    for (ch = choices; *ch; ch++)
        gpv_buf_printf(&allowed, "%s%s", ch == choices ? "" : ", ", *ch);
    cli_usage_error(cmd, "this command does not write %s (it writes: %s)", known,
                    gpv_buf_str(&allowed));
    gpv_buf_release(&allowed);
    return GPV_EXIT_USAGE;
}

static int
parse_format(enum gpv_format *out, const char *arg, const struct cli_opt *o, const char *cmd)
{
    const char *const *ch;
    const char *known = format_known(arg);
    struct gpv_buf allowed;
    size_t i;
    int s;

    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (!gpv_strieq(arg, formats[i].name))
            continue;
        for (ch = o->choices; *ch; ch++) {
            if (!strcmp(*ch, formats[i].fmt == GPV_FMT_TABLE ? "table" : formats[i].name)) {
                *out = formats[i].fmt;
                return CONT;
            }
        }
    }
    if (known)
        return format_refused(cmd, known, o->choices);
    gpv_buf_init(&allowed);
    for (ch = o->choices; *ch; ch++)
        gpv_buf_printf(&allowed, "%s%s", ch == o->choices ? "" : ", ", *ch);
    for (i = 0; o->choices[i]; i++)
        ;
    s = gpv_suggest(arg, o->choices, i);
    if (s >= 0)
        cli_usage_error(cmd, "unknown format '%s' (did you mean '%s'?)", arg, o->choices[s]);
    else
        cli_usage_error(cmd, "unknown format '%s' (this command writes: %s)", arg,
                        gpv_buf_str(&allowed));
    gpv_buf_release(&allowed);
    return GPV_EXIT_USAGE;
}

static int
parse_enum(int *out, const char *arg, const struct cli_opt *o, const char *cmd)
{
    struct gpv_buf all;
    size_t n;
    int s;

    for (n = 0; o->choices[n]; n++) {
        if (gpv_strieq(arg, o->choices[n])) {
            *out = (int)n;
            return CONT;
        }
    }
    /* A -f row kept as an enum (quiz): a format other commands write gets the same words. */
    if (o->short_name == 'f' && o->long_name && !strcmp(o->long_name, "format") &&
        format_known(arg))
        return format_refused(cmd, format_known(arg), o->choices);
    s = gpv_suggest(arg, o->choices, n);
    if (s >= 0)
        return cli_usage_error(cmd, "unknown %s '%s' (did you mean '%s'?)", o->long_name, arg,
                               o->choices[s]);
    gpv_buf_init(&all);
    for (n = 0; o->choices[n]; n++)
        gpv_buf_printf(&all, "%s%s", n ? ", " : "", o->choices[n]);
    cli_usage_error(cmd, "unknown %s '%s' (one of: %s)", o->long_name, arg, gpv_buf_str(&all));
    gpv_buf_release(&all);
    return GPV_EXIT_USAGE;
}

/* Stores arg (NULL for a flag) into row i. Returns CONT, or an exit code after a usage error. */
static int
apply(struct parse_state *st, size_t i, const char *arg, bool as_long)
{
    const struct cli_opt *opts = st->spec->opts, *o = &opts[i];
    const char *cmd = st->spec->name;
    char label[96];
    size_t k;

    if (o->kind != CLI_OPT_LIST && o->kind != CLI_OPT_FLAG) {
        for (k = 0; opts[k].kind != CLI_OPT_END; k++) {
            if (st->seen[k] && opts[k].out == o->out)
                return cli_usage_error(cmd, "option %s given twice (it takes one value)",
                                       opt_label(label, sizeof(label), o, as_long));
        }
    }
    st->seen[i] = true;
    switch (o->kind) {
    case CLI_OPT_FLAG:
        *(bool *)o->out = true;
        return CONT;
    case CLI_OPT_STRING:
        *(const char **)o->out = arg;
        return CONT;
    case CLI_OPT_LIST: {
        struct cli_list *l = o->out;

        l->v = xreallocarray(l->v, l->n + 2, sizeof(*l->v));
        l->v[l->n++] = arg;
        l->v[l->n] = NULL;
        return CONT;
    }
    case CLI_OPT_INT:
        if (!gpv_parse_ll(o->out, arg, o->min, o->max))
            return cli_usage_error(
                cmd, "option %s takes a whole number from %lld to %lld, not '%s'",
                opt_label(label, sizeof(label), o, as_long), o->min, o->max, arg);
        return CONT;
    case CLI_OPT_ENUM:
        return parse_enum(o->out, arg, o, cmd);
    case CLI_OPT_FORMAT:
        return parse_format(o->out, arg, o, cmd);
    case CLI_OPT_END:
        break;
    }
    return CONT;
}

static int
unknown_long(const struct cli_spec *spec, const char *name, size_t len)
{
    const char *names[MAX_OPTIONS + 1];
    char *word = xstrndup(name, len);
    size_t n = 0, i;
    int s, rc;

    for (i = 0; spec->opts[i].kind != CLI_OPT_END && n < MAX_OPTIONS; i++)
        if (spec->opts[i].long_name)
            names[n++] = spec->opts[i].long_name;
    names[n++] = HELP_OPT;
    s = gpv_suggest(word, names, n);
    if (s >= 0)
        rc = cli_usage_error(spec->name, "unknown option '--%s' (did you mean '--%s'?)", word,
                             names[s]);
    else
        rc = cli_usage_error(spec->name, "unknown option '--%s'", word);
    free(word);
    return rc;
}

static int
parse_long(struct parse_state *st, int argc, char **argv, int *i)
{
    const struct cli_spec *spec = st->spec;
    const char *a = argv[*i] + 2, *eq = strchr(a, '='), *val = NULL;
    size_t len = eq ? (size_t)(eq - a) : strlen(a), k;

    if (len == strlen(HELP_OPT) && !strncmp(a, HELP_OPT, len)) {
        if (eq)
            return cli_usage_error(spec->name, "option '--help' takes no value");
        return cli_opt_print_help(spec);
    }
    if (len == strlen(DUMP_OPT) && !strncmp(a, DUMP_OPT, len)) {
        cli_opt_dump(dump_file ? dump_file : stdout, spec);
        return GPV_EXIT_OK;
    }
    for (k = 0; spec->opts[k].kind != CLI_OPT_END; k++) {
        const struct cli_opt *o = &spec->opts[k];

        if (!o->long_name || strlen(o->long_name) != len || strncmp(o->long_name, a, len))
            continue;
        if (!takes_value(o)) {
            if (eq)
                return cli_usage_error(spec->name, "option '--%s' takes no value", o->long_name);
            return apply(st, k, NULL, true);
        }
        if (eq) {
            val = eq + 1;
        } else {
            if (*i + 1 >= argc)
                return cli_usage_error(spec->name, "option '--%s' needs a value (%s)", o->long_name,
                                       o->value_name);
            val = argv[++*i];
        }
        return apply(st, k, val, true);
    }
    return unknown_long(spec, a, len);
}

static int
parse_short(struct parse_state *st, int argc, char **argv, int *i)
{
    const struct cli_spec *spec = st->spec;
    const char *p = argv[*i] + 1;
    size_t k;
    int rc;

    for (; *p; p++) {
        if (*p == 'h')
            return cli_opt_print_help(spec);
        for (k = 0; spec->opts[k].kind != CLI_OPT_END; k++)
            if (spec->opts[k].short_name == *p)
                break;
        if (spec->opts[k].kind == CLI_OPT_END)
            return cli_usage_error(spec->name, "unknown option '-%c'", *p);
        if (!takes_value(&spec->opts[k])) {
            if ((rc = apply(st, k, NULL, false)) != CONT)
                return rc;
            continue;
        }
        if (p[1])
            return apply(st, k, p + 1, false);
        if (*i + 1 >= argc)
            return cli_usage_error(spec->name, "option '-%c' needs a value (%s)", *p,
                                   spec->opts[k].value_name);
        return apply(st, k, argv[++*i], false);
    }
    return CONT;
}

/* Sends standard output to cli->output; the inputs it must not overwrite are the positional
 * arguments and the values of FILE options. */
static int
redirect_output(struct gpv_cli *cli, const struct cli_spec *spec, char **pos, int npos)
{
    const char **inputs = xcalloc((size_t)npos + MAX_OPTIONS + 1, sizeof(*inputs));
    const struct cli_opt *o;
    struct gpv_error err;
    size_t n = 0;
    int i, rc = CONT;

    gpv_error_init(&err);
    for (i = 0; i < npos; i++)
        inputs[n++] = pos[i];
    for (o = spec->opts; o->kind != CLI_OPT_END; o++)
        if (o->kind == CLI_OPT_STRING && o->out != &cli->output && o->value_name &&
            strstr(o->value_name, "FILE") && *(const char **)o->out)
            inputs[n++] = *(const char **)o->out;
    if (!strcmp(cli->output, "-"))
        cli->output = NULL;
    else if (!*cli->output)
        rc = cli_usage_error(spec->name, "option '-o' needs a file name ('-' for standard "
                                         "output)");
    else if (cli_stdout_redirect(&cli->out, cli->output, inputs, &err))
        rc = cli_report(&err);
    else
        cli->out_open = true;
    if (cli->out_open) /* a file gets escape codes only with --color=always */
        cli->color = cli_color_wanted(cli->color_mode, STDOUT_FILENO);
    free(inputs);
    return rc;
}

/* -q: standard output goes to the null device for the rest of the run. */
static int
discard_output(const struct cli_spec *spec)
{
    int fd = open("/dev/null", O_WRONLY);

    fflush(stdout);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
        fprintf(stderr, "gpuvplan %s: cannot discard standard output: %s\n", spec->name,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return GPV_EXIT_SYSTEM;
    }
    close(fd);
    return CONT;
}

int
cli_opt_parse(struct cli_args *out, struct gpv_cli *cli, const struct cli_spec *spec, int argc,
              char **argv)
{
    struct parse_state st;
    char **pos = xcalloc((size_t)argc + 1, sizeof(*pos));
    int i, npos = 0, rc = CONT;
    bool options_done = false;

    memset(&st, 0, sizeof(st));
    st.spec = spec;
    if (count_opts(spec->opts) > MAX_OPTIONS)
        abort(); /* a table this long is a programming error, caught by any test */
    for (i = 1; i < argc && rc == CONT; i++) {
        char *a = argv[i];

        if (options_done || a[0] != '-' || !a[1]) {
            pos[npos++] = a;
            if (spec->stop_at_positional)
                options_done = true;
        } else if (!strcmp(a, "--")) {
            options_done = true;
        } else if (a[1] == '-') {
            rc = parse_long(&st, argc, argv, &i);
        } else {
            rc = parse_short(&st, argc, argv, &i);
        }
    }
    if (rc != CONT) {
        /* A usage error, or the help was printed: the command stops either way. */
        free(pos);
        cli_opt_release(spec);
        return rc;
    }
    if (cli->output && (rc = redirect_output(cli, spec, pos, npos)) != CONT) {
        free(pos);
        cli_opt_release(spec);
        return rc;
    }
    if (cli->quiet && !cli->output && (rc = discard_output(spec)) != CONT) {
        free(pos);
        cli_opt_release(spec);
        return rc;
    }
    memcpy(argv + 1, pos, (size_t)npos * sizeof(*pos));
    argv[npos + 1] = NULL;
    free(pos);
    out->n = npos;
    out->v = argv + 1;
    return CLI_OPT_RUN;
}

void
cli_opt_release(const struct cli_spec *spec)
{
    const struct cli_opt *o;

    for (o = spec->opts; o->kind != CLI_OPT_END; o++) {
        if (o->kind == CLI_OPT_LIST) {
            struct cli_list *l = o->out;

            free(l->v);
            l->v = NULL;
            l->n = 0;
        }
    }
}

/* "-f, --format FMT", "    --rules FILE" */
static void
opt_synopsis(struct gpv_buf *b, const struct cli_opt *o)
{
    if (o->short_name)
        gpv_buf_printf(b, "-%c%s", o->short_name, o->long_name ? ", " : "");
    else
        gpv_buf_puts(b, "    ");
    if (o->long_name)
        gpv_buf_printf(b, "--%s", o->long_name);
    if (o->value_name)
        gpv_buf_printf(b, " %s", o->value_name);
}

void
cli_opt_help(FILE *f, const struct cli_spec *spec)
{
    const struct cli_opt *o;
    struct gpv_buf b;
    size_t w = strlen("-h, --help");
    char indent[64];
    const char *p;
    bool first_line;

    gpv_buf_init(&b);
    for (o = spec->opts; o->kind != CLI_OPT_END; o++) {
        if (!o->help)
            continue;
        opt_synopsis(&b, o);
        if (b.len > w)
            w = b.len;
        gpv_buf_release(&b);
    }
    if (w > 28)
        w = 28;
    /* One usage line per alternative of args (lines separated by newlines). */
    for (p = spec->args, first_line = true; first_line || *p; first_line = false) {
        size_t n = strcspn(p, "\n");

        fprintf(f, "%s gpuvplan %s%s%.*s [OPTION]...\n", first_line ? "usage:" : "      ",
                spec->name, n ? " " : "", (int)n, p);
        p += n;
        if (*p)
            p++;
    }
    if (spec->about) {
        fputc('\n', f);
        cli_put_prose(f, spec->about);
    }
    fputs("\nOptions:\n", f);
    memset(indent, ' ', sizeof(indent));
    indent[w + 4 < sizeof(indent) ? w + 4 : sizeof(indent) - 1] = '\0';
    for (o = spec->opts;; o++) {
        char first[96];
        const char *help = o->help;

        if (o->kind == CLI_OPT_END) {
            gpv_buf_puts(&b, "-h, --help");
            help = "this help";
        } else if (!o->help) {
            continue;
        } else {
            opt_synopsis(&b, o);
        }
        if (b.len > w)
            snprintf(first, sizeof(first), "  %s\n%s", gpv_buf_str(&b), indent);
        else
            snprintf(first, sizeof(first), "  %-*s  ", (int)w, gpv_buf_str(&b));
        gpv_buf_release(&b);
        cli_wrap(f, first, indent, help);
        if (o->kind == CLI_OPT_END)
            break;
    }
    if (spec->footer) {
        fputc('\n', f);
        cli_put_prose(f, spec->footer);
    }
}

int
cli_opt_print_help(const struct cli_spec *spec)
{
    cli_opt_help(stdout, spec);
    /* main() reports the failed write once; the exit status says it here already. */
    if (fflush(stdout) != 0 || ferror(stdout))
        return GPV_EXIT_SYSTEM;
    return GPV_EXIT_OK;
}

void
cli_opt_dump(FILE *f, const struct cli_spec *spec)
{
    const struct cli_opt *o;
    const char *const *ch;

    for (o = spec->opts; o->kind != CLI_OPT_END; o++) {
        if (!o->help)
            continue;
        fprintf(f, "%s\t", spec->name);
        if (o->short_name)
            fprintf(f, "-%c\t", o->short_name);
        else
            fputs("-\t", f);
        fprintf(f, "%s%s\t%s\t", o->long_name ? "--" : "-", o->long_name ? o->long_name : "",
                o->value_name ? o->value_name : "-");
        if (o->choices)
            for (ch = o->choices; *ch; ch++)
                fprintf(f, "%s%s", ch == o->choices ? "" : ",", *ch);
        else
            fputs("-", f);
        fprintf(f, "\t%s\n", o->help);
    }
    fprintf(f, "%s\t-h\t--help\t-\t-\tthis help\n", spec->name);
}
