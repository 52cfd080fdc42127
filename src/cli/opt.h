#ifndef GPUVPLAN_OPT_H
#define GPUVPLAN_OPT_H

/*
 * One option parser for every command (git's parse-options is the model). A command declares
 * its options as a table of rows (struct cli_opt) and its help as prose (struct cli_spec); the
 * parser reads argv against the table, and the usage line, the option list of --help, the
 * man-page check and the shell completions all come from the same table.
 *
 * Accepted forms: `--name value`, `--name=value`, `-n value`, `-nvalue`, clusters of short
 * flags (`-qv`), `--` ends the options, `-` alone is a positional argument. Options and
 * positional arguments mix freely unless the spec says options stop at the first positional
 * (commands with subcommands).
 */

#include "cli.h"

#include <stdbool.h>
#include <stdio.h>

enum cli_opt_kind {
    CLI_OPT_END,    /* ends a table */
    CLI_OPT_FLAG,   /* bool *: set to true; no value */
    CLI_OPT_STRING, /* const char **: the value, once */
    CLI_OPT_LIST,   /* struct cli_list *: every value, in order, wherever they stand */
    CLI_OPT_INT,    /* long long *: a whole number in [min, max], once */
    CLI_OPT_ENUM,   /* int *: index of the value in choices (any case), once */
    CLI_OPT_FORMAT, /* enum gpv_format *: one of the formats in choices (any case), once */
};

/* The values of a repeatable option; v points into argv (not owned), the array is owned. */
struct cli_list {
    const char **v;
    size_t n;
};

/* One option of a command. */
struct cli_opt {
    char short_name;            /* 0: none */
    const char *long_name;      /* NULL: none (then short_name is set) */
    const char *value_name;     /* "FILE", "N"; NULL for flags */
    enum cli_opt_kind kind;     /* what out points to */
    void *out;                  /* where the value goes (see enum cli_opt_kind) */
    const char *help;           /* one line or a few words; NULL: a hidden alias */
    long long min, max;         /* CLI_OPT_INT: the range */
    const char *const *choices; /* CLI_OPT_ENUM: NULL-terminated names; CLI_OPT_FORMAT: the
                                 * allowed formats ("table" ... "html"), NULL-terminated */
};

/* Table rows, in the order the help lists them. */
#define CLI_FLAG(s, l, out, help)                                                                  \
    {                                                                                              \
        s, l, NULL, CLI_OPT_FLAG, out, help, 0, 0, NULL                                            \
    }
#define CLI_STRING(s, l, v, out, help)                                                             \
    {                                                                                              \
        s, l, v, CLI_OPT_STRING, out, help, 0, 0, NULL                                             \
    }
#define CLI_LIST(s, l, v, out, help)                                                               \
    {                                                                                              \
        s, l, v, CLI_OPT_LIST, out, help, 0, 0, NULL                                               \
    }
#define CLI_INT(s, l, v, out, lo, hi, help)                                                        \
    {                                                                                              \
        s, l, v, CLI_OPT_INT, out, help, lo, hi, NULL                                              \
    }
#define CLI_ENUM(s, l, v, out, ch, help)                                                           \
    {                                                                                              \
        s, l, v, CLI_OPT_ENUM, out, help, 0, 0, ch                                                 \
    }
#define CLI_FORMAT(out, ch, help)                                                                  \
    {                                                                                              \
        'f', "format", "FMT", CLI_OPT_FORMAT, out, help, 0, 0, ch                                  \
    }
#define CLI_OUTPUT(out)                                                                            \
    {                                                                                              \
        'o', "output", "FILE", CLI_OPT_STRING, out, "write there instead of standard output", 0,   \
            0, NULL                                                                                \
    }
#define CLI_QUIET(out)                                                                             \
    {                                                                                              \
        'q', "quiet", NULL, CLI_OPT_FLAG, out, "print nothing; the exit status answers", 0, 0,     \
            NULL                                                                                   \
    }
#define CLI_END                                                                                    \
    {                                                                                              \
        0, NULL, NULL, CLI_OPT_END, NULL, NULL, 0, 0, NULL                                         \
    }

/* Format choices shared by the commands. */
extern const char *const cli_formats_all[];  /* table json yaml */
extern const char *const cli_formats_html[]; /* table json yaml html: recommend, show */

/* A command's options and help. */
struct cli_spec {
    const char *name;   /* "recommend", "mig check" */
    const char *args;   /* positional part of the usage line: "TENANTS.yaml", "" */
    const char *about;  /* prose after the usage line (may be NULL) */
    const char *footer; /* prose after the option list: exit status, examples (may be NULL) */
    const struct cli_opt *opts; /* ends with CLI_END; -h/--help is implicit */
    bool stop_at_positional;    /* options end at the first positional (subcommands) */
};

/* Positional arguments left after parsing: v[0..n), NULL-terminated, pointing into argv. */
struct cli_args {
    int n;
    char **v;
};

/* cli_opt_parse() returns this when the command should go on running. */
#define CLI_OPT_RUN (-1)

/*
 * Parses argv[1..argc) (argv[0] is the command name) against spec. On success returns
 * CLI_OPT_RUN and sets *out to the positional arguments (argv is reordered in place so they
 * come first after argv[0]). `-h`/`--help` prints the help to stdout and returns GPV_EXIT_OK,
 * or GPV_EXIT_SYSTEM when standard output cannot be written. A usage error (unknown option,
 * with a did-you-mean; a missing value; a bad number, enum or format; a single-valued option
 * given twice) is printed to stderr and returns GPV_EXIT_USAGE. The hidden option
 * `--gpuvplan-options` prints the table (see cli_opt_dump()) and returns GPV_EXIT_OK.
 * Lists collected before a failure are released; after success release them with
 * cli_opt_release(). When the options set cli->output (CLI_OUTPUT(&cli->output)), standard
 * output is redirected there (cli_stdout_redirect(), never over a positional argument or a
 * FILE option's file) and main() commits it when the command ends with 0 or 1; a failure to
 * open it is reported and returned as an exit code. When they set cli->quiet
 * (CLI_QUIET(&cli->quiet)) and no -o, standard output is discarded; errors still go to stderr.
 */
int cli_opt_parse(struct cli_args *out, struct gpv_cli *cli, const struct cli_spec *spec, int argc,
                  char **argv);

/* Frees the arrays of the spec's CLI_OPT_LIST options (their values stay in argv). */
void cli_opt_release(const struct cli_spec *spec);

/* Writes the help of spec (usage line, about, options, footer) to f. */
void cli_opt_help(FILE *f, const struct cli_spec *spec);

/*
 * Writes one line per option of spec to f, for the man-page test and the completions:
 * "CMD<TAB>-s<TAB>--long<TAB>VALUE<TAB>choice,choice<TAB>help", "-" for an empty field.
 */
void cli_opt_dump(FILE *f, const struct cli_spec *spec);

/*
 * Sends the dump of `--gpuvplan-options` to f instead of standard output (NULL: back to
 * standard output), so `gpuvplan completion` can read every command's table in-process.
 */
void cli_opt_dump_to(FILE *f);

/* Prints help to stdout and returns GPV_EXIT_OK, or GPV_EXIT_SYSTEM if it cannot be written. */
int cli_opt_print_help(const struct cli_spec *spec);

#endif
