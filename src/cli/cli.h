#ifndef GPUVPLAN_CLI_H
#define GPUVPLAN_CLI_H

/*
 * What the subcommands share: global options, the loaded database, output formats, reading
 * input files and writing output (to stdout, or atomically to -o FILE), and error reporting.
 * Only the CLI layer (src/cli/main.c, src/cli/cli.c, src/cli/cmd_*.c) prints or touches files.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <stdbool.h>
#include <stdio.h>

/*
 * An output file being written. A regular file or a new path is written to a temporary file
 * in the same directory and renamed over it on success (the existing file's mode is kept, a
 * new one gets 0666 minus the umask); symbolic links are followed, so the target is replaced;
 * a character device, FIFO or socket is written in place; "-" or NULL is standard output.
 * Until it is closed, SIGINT, SIGTERM and SIGHUP unlink the temporary file before the process
 * dies.
 */
struct cli_out {
    char *path;       /* where the output lands (links resolved); NULL for stdout */
    char *tmp;        /* the temporary file, or NULL when written in place */
    int fd;           /* what to write to */
    int saved_stdout; /* cli_stdout_redirect(): the original standard output, else -1 */
    unsigned mode;    /* the mode the file gets */
    bool to_stdout, in_place;
};

/* --color=WHEN. */
enum cli_color {
    CLI_COLOR_AUTO,   /* when standard output is a terminal, NO_COLOR is unset or empty and
                         TERM is not "dumb" */
    CLI_COLOR_ALWAYS, /* also into pipes and files, whatever NO_COLOR and TERM say */
    CLI_COLOR_NEVER,  /* --no-color */
};

struct gpv_cli {
    const char *argv0;
    const char *profiles_dir;  /* --profiles or GPUVPLAN_PROFILES; NULL: embedded only */
    enum cli_color color_mode; /* --color */
    bool color;                /* ANSI colour in what is printed: cli_color_wanted() */
    bool db_loaded;
    struct gpv_db db;
    const char *output; /* -o FILE of the running command, or NULL */
    bool quiet;         /* -q of the running command: standard output goes nowhere */
    struct cli_out out; /* where standard output goes while out_open */
    bool out_open;
};

enum gpv_format {
    GPV_FMT_TABLE,
    GPV_FMT_JSON,
    GPV_FMT_YAML,
    GPV_FMT_HTML, /* one self-contained page (report.h) */
};

/* One subcommand: `gpuvplan NAME ...`. run returns a process exit code (enum gpv_exit). */
struct gpv_command {
    const char *name;
    int (*run)(struct gpv_cli *cli, int argc, char **argv);
    const char *summary;
};

/* The command table, in src/cli/main.c. */
extern const struct gpv_command gpv_commands[];

/* The subcommands, one src/cli/cmd_<verb>.c each. */
int cmd_gpus(struct gpv_cli *cli, int argc, char **argv);
int cmd_show(struct gpv_cli *cli, int argc, char **argv);
int cmd_explain(struct gpv_cli *cli, int argc, char **argv);
int cmd_rules(struct gpv_cli *cli, int argc, char **argv);
int cmd_mig(struct gpv_cli *cli, int argc, char **argv);
int cmd_quiz(struct gpv_cli *cli, int argc, char **argv);
int cmd_compare(struct gpv_cli *cli, int argc, char **argv);
int cmd_advise(struct gpv_cli *cli, int argc, char **argv);
int cmd_recommend(struct gpv_cli *cli, int argc, char **argv);
int cmd_check(struct gpv_cli *cli, int argc, char **argv);
int cmd_export(struct gpv_cli *cli, int argc, char **argv);
int cmd_lint(struct gpv_cli *cli, int argc, char **argv);
int cmd_report(struct gpv_cli *cli, int argc, char **argv);
int cmd_state(struct gpv_cli *cli, int argc, char **argv);
int cmd_diff(struct gpv_cli *cli, int argc, char **argv);
int cmd_import_profile(struct gpv_cli *cli, int argc, char **argv);
int cmd_completion(struct gpv_cli *cli, int argc, char **argv);

/*
 * Loads the embedded database, then every *.yaml file of cli->profiles_dir (sorted by name),
 * once. Returns 0 or a negative status with err filled.
 */
int cli_db(struct gpv_cli *cli, struct gpv_error *err);

/*
 * Parses a document that is either JSON (its first non-blank character is '{' or '[') or
 * YAML, into a new value tree (*out, the caller frees it with gpv_val_free()). YAML plain
 * scalars keep their meaning: null, true/false, whole numbers, numbers; quoted ones are
 * strings. Returns 0, or GPV_EINPUT with err at name:line:col (the parser's own message for
 * a syntax error).
 */
int cli_parse_document(struct gpv_val **out, const char *buf, size_t len, const char *name,
                       struct gpv_error *err);

/*
 * Reads a whole file ("-" is standard input) into a new NUL-terminated buffer (*out, the
 * caller frees it; NULL on failure). Stops reading as soon as the file passes
 * GPV_YAML_MAX_BYTES. Returns 0, GPV_EINPUT (missing, a symlink loop, a directory, too large)
 * or GPV_ESYS, with err filled.
 */
int cli_read_file(char **out, size_t *len, const char *path, struct gpv_error *err);

/* A file's text, NUL-terminated: mapped from a regular file, or read into memory. */
struct cli_text {
    const char *buf; /* buf[len] is '\0'; read-only when mapped */
    size_t len;
    size_t mapped; /* bytes mapped (buf is unmapped on release), or 0: buf was allocated */
};

/*
 * A plan, which may be JSON of up to 512 MiB (docs/check.md), into *out: a regular file is
 * mapped, not copied (a 24 MB plan is in memory already, in the page cache), anything else
 * (standard input, a pipe) read as cli_read_file() reads. The same failures and messages as
 * cli_read_file() with that limit; *out is empty on failure. Release with cli_text_release().
 * A mapped file truncated by another process while it is read raises SIGBUS.
 */
int cli_read_plan(struct cli_text *out, const char *path, struct gpv_error *err);

/*
 * A tenants file into *out as cli_read_plan() reads a plan (a regular file mapped), up to
 * GPV_TENANTS_MAX_BYTES; the error for a larger one is at the line and column where the limit
 * is passed. Release with cli_text_release().
 */
int cli_read_tenants(struct cli_text *out, const char *path, struct gpv_error *err);

/* Frees or unmaps t's text and empties t. NULL-safe, and safe on an empty t. */
void cli_text_release(struct cli_text *t);

/* Sets o to "nothing open". */
void cli_out_init(struct cli_out *o);

/*
 * Opens path for output as struct cli_out describes. Refuses to write over any of inputs
 * (NULL-terminated paths). Returns 0, GPV_EUSAGE (empty name, a directory, an input file) or
 * GPV_ESYS (missing directory, no permission), with err filled; on failure nothing is left
 * open or created.
 */
int cli_out_open(struct cli_out *o, const char *path, const char *const *inputs,
                 struct gpv_error *err);

/* Writes buf[0..len) to o. Returns 0 or GPV_ESYS with err filled. */
int cli_out_write(struct cli_out *o, const char *buf, size_t len, struct gpv_error *err);

/*
 * Closes o: with commit, syncs and renames the temporary file into place; without, removes it.
 * Returns 0 or GPV_ESYS with err filled (then the temporary file is removed).
 */
int cli_out_close(struct cli_out *o, bool commit, struct gpv_error *err);

/*
 * Opens path as cli_out_open() does and makes it the process's standard output, so a command
 * printing with printf writes the file. Returns 0 or a negative status with err filled.
 */
int cli_stdout_redirect(struct cli_out *o, const char *path, const char *const *inputs,
                        struct gpv_error *err);

/* Flushes stdout, puts the original back and closes o as cli_out_close() does. */
int cli_stdout_restore(struct cli_out *o, bool commit, struct gpv_error *err);

/*
 * Writes buf[0..len) to path as struct cli_out describes, or to stdout when path is NULL
 * or "-". Refuses to write over any of the inputs
 * (NULL-terminated list of paths). Returns 0 or a negative status with err filled.
 */
int cli_write_output(const char *path, const char *buf, size_t len, const char *const *inputs,
                     struct gpv_error *err);

/*
 * Makes b a stream into stdout (gpv_buf_set_sink): a command writes its document into b and
 * ends with cli_write_output(NULL, gpv_buf_str(b), b->len, ...) for the tail, so no more than
 * GPV_BUF_SINK_BYTES of it is ever held. With -o, stdout is the temporary file that becomes the
 * output only when the command succeeds; a write error stays in ferror(stdout), which the
 * command's end checks.
 */
void cli_stream_stdout(struct gpv_buf *b);

/* Writes a value as JSON or YAML (fmt) to path as cli_write_output() does. */
int cli_write_value(const char *path, const struct gpv_val *v, enum gpv_format fmt,
                    const char *const *inputs, struct gpv_error *err);

/* Prints err to stderr as "gpuvplan: file:line:col: error: message". Returns its exit code. */
int cli_report(const struct gpv_error *err);

/*
 * s made safe for a terminal by gpv_escape() (control bytes and invalid UTF-8 as \xNN), or s
 * itself when it needs nothing. The result is owned by the CLI and stays valid until eight
 * more calls; cli_esc_release() frees them all. NULL gives NULL. Every table and message that
 * shows a string from an input file prints it through this.
 */
const char *cli_esc(const char *s);

/* Frees what cli_esc() returned. */
void cli_esc_release(void);

/*
 * Prints "gpuvplan CMD: message" and a hint to run `gpuvplan CMD --help` to stderr.
 * Returns GPV_EXIT_USAGE.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Text styling for terminals: returns the escape sequence, or "" when colour is off. */
const char *cli_bold(const struct gpv_cli *cli);
const char *cli_dim(const struct gpv_cli *cli);
const char *cli_red(const struct gpv_cli *cli);
const char *cli_green(const struct gpv_cli *cli);
const char *cli_reset(const struct gpv_cli *cli);

/*
 * Reads a --color value: "auto", "always" or "never" (any case) into *out. Returns false, *out
 * unchanged, for anything else.
 */
bool cli_color_parse(enum cli_color *out, const char *s);

/*
 * Whether text written to fd gets colour under mode: always yes, never no; auto when fd is a
 * terminal, NO_COLOR is unset or empty and TERM is not "dumb".
 */
bool cli_color_wanted(enum cli_color mode, int fd);

#define CLI_MIN_COLUMNS 20 /* narrower terminals and COLUMNS values are taken as this */

/*
 * The width of the output in columns, found once: the terminal's when standard output is one
 * (TIOCGWINSZ), else COLUMNS when it is a whole number from 1 to 10000, else 80; never less
 * than CLI_MIN_COLUMNS. Found at the first call, after -o and -q have moved standard output.
 */
int cli_columns(void);

/* Columns prose is wrapped to: cli_columns() less a margin of 2, as a reader's eye wants. */
int cli_prose_width(void);

/*
 * Writes text to f wrapped at cli_prose_width() columns (widths as gpv_width() counts them):
 * the first line starts with `first`, the following ones with `rest` (indents, usually
 * spaces). Runs of blanks collapse; a word longer than a line stands alone. Ends with a
 * newline.
 */
void cli_wrap(FILE *f, const char *first, const char *rest, const char *text);

/* The same, wrapped at width columns. */
void cli_wrap_at(FILE *f, int width, const char *first, const char *rest, const char *text);

/*
 * Writes text (lines ending in newlines) to f with its paragraphs reflowed to
 * cli_prose_width(): runs of lines that start with a non-blank character are joined and
 * wrapped; empty lines and lines that start with a blank (lists, examples) are kept as they
 * are.
 */
void cli_put_prose(FILE *f, const char *text);

/* Writes s to f and spaces after it up to width columns (gpv_width()); nothing cut. */
void cli_pad(FILE *f, const char *s, int width);

/*
 * A table of text printed to fit cli_columns(): columns as wide as their widest cell
 * (gpv_width()), two spaces apart. When the table is too wide, the last column wraps at
 * spaces under itself down to 20 columns; then the `shrink` columns narrow (not below 6
 * columns), their longer cells cut and ending in '~'; then the last column wraps further.
 * The first row added is the heading.
 */
struct cli_table {
    size_t ncols, nrows;
    char **cells;     /* nrows * ncols, owned */
    unsigned right;   /* bit i: column i is aligned right */
    unsigned shrink;  /* bit i: column i may narrow, cut with '~' (left ones first) */
    const char *bold; /* around the heading row; NULL: none */
    const char *reset;
};

/* Sets t to an empty table of ncols columns (no allocation), none aligned right, none shrinks. */
void cli_table_init(struct cli_table *t, size_t ncols);

/* Appends a row of t->ncols cells (copied; NULL is an empty cell). */
void cli_table_row(struct cli_table *t, const char *const *cells);

/* Prints t to f, every line starting with indent (may be NULL). */
void cli_table_print(FILE *f, const struct cli_table *t, const char *indent);

/* The same, appended to out. */
void cli_table_write(struct gpv_buf *out, const struct cli_table *t, const char *indent);

/* Frees t's cells and sets it empty. */
void cli_table_release(struct cli_table *t);

/*
 * Reads one line from in into *line (getline's buffer, caller frees), without its newline
 * and trailing carriage return. Returns false at end of input or on a read error.
 */
bool cli_read_line(char **line, size_t *cap, FILE *in);

#endif
