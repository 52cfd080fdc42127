/* gpuvplan: command table, global options and exit mapping. */
#include "cli.h"
#include "embedded.h"

#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#ifndef GPUVPLAN_VERSION
#define GPUVPLAN_VERSION "0.1.0"
#endif
/* `git describe` of the tree built and the date of the last change under profiles/; the
 * Makefile passes both when building in a git checkout. */
#ifndef GPUVPLAN_COMMIT
#define GPUVPLAN_COMMIT "unknown"
#endif
#ifndef GPUVPLAN_DB_DATE
#define GPUVPLAN_DB_DATE "unknown"
#endif

/* Adding a command = one row here + one src/cli/cmd_<verb>.c. */
const struct gpv_command gpv_commands[] = {
    {"gpus", cmd_gpus, "list the GPU models in the database"},
    {"show", cmd_show, "a model's MIG profiles, placements and vGPU types, with sources"},
    {"mig", cmd_mig, "MIG geometry: check a layout, or list every valid one (check, layouts)"},
    {"quiz", cmd_quiz, "study questions with explanations and sources, scored"},
    {"compare", cmd_compare, "passthrough, vGPU and MIG side by side, from the rules and database"},
    {"advise", cmd_advise, "the decision guide, one question at a time, decided like explain"},
    {"explain", cmd_explain, "the method per tenant and GPU model, and the rules that decided"},
    {"rules", cmd_rules, "the decision rules explain applies, as a readable list"},
    {"recommend", cmd_recommend, "decide, pack every tenant onto GPUs, print the plan"},
    {"check", cmd_check, "re-validate a plan (JSON or YAML) and apply CI policies"},
    {"export", cmd_export, "a checked plan as mig-parted, labels, vGPU, device-plugin, DRA files"},
    {"lint", cmd_lint, "check mig-parted, vgpu-device-manager and device-plugin configs"},
    {"report", cmd_report, "draw a plan as one self-contained HTML page (SVG, no script)"},
    {"state", cmd_state, "what the nodes run now, read from their nvidia-smi output"},
    {"diff", cmd_diff, "what changes between two plans or states: stays, moves, drains"},
    {"import-profile", cmd_import_profile, "a model's profile file from its nvidia-smi output"},
    {"completion", cmd_completion, "a bash, zsh or fish completion script"},
    {NULL, NULL, NULL},
};

static void
usage(FILE *f)
{
    const struct gpv_command *c;
    struct cli_table t;

    fputs("usage: gpuvplan [--profiles DIR] [--color=WHEN] COMMAND [ARGS...]\n"
          "       gpuvplan --version | -V | --help\n"
          "\n",
          f);
    cli_put_prose(f, "Plans GPU partitioning offline: which method (passthrough, vGPU, MIG or "
                     "MIG-backed vGPU) each tenant should get, and layouts real hardware "
                     "accepts.\n");
    fputs("\nCommands:\n", f);
    cli_table_init(&t, 2);
    for (c = gpv_commands; c->name; c++) {
        const char *row[2] = {c->name, c->summary};

        cli_table_row(&t, row);
    }
    cli_table_print(f, &t, "  ");
    cli_table_release(&t);
    fputs("\n"
          "Global options:\n",
          f);
    cli_table_init(&t, 2);
    {
        static const char *const rows[][2] = {
            {"--profiles DIR", "also load GPU models from DIR/*.yaml (overrides embedded ones "
                               "by id); the GPUVPLAN_PROFILES environment variable does the "
                               "same"},
            {"--color=WHEN", "colour: auto (the default: on a terminal, unless NO_COLOR is set "
                             "and not empty or TERM is dumb), always, or never"},
            {"--no-color", "the same as --color=never"},
            {"-h, --help", "this help; `gpuvplan COMMAND --help` explains a command"},
            {"-V, --version", "the version, the database's digest, date and model count, and "
                              "the build commit"},
        };
        size_t i;

        for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
            cli_table_row(&t, rows[i]);
    }
    cli_table_print(f, &t, "  ");
    cli_table_release(&t);
    fputs("\n"
          "Output is wrapped to the terminal's width, else to COLUMNS, else to 80 columns.\n"
          "\n"
          "Exit codes:\n"
          "  0  ok\n"
          "  1  the answer is no (invalid layout, tenants left unplaced, a check failed)\n"
          "  2  usage error\n"
          "  3  bad input (reported as file:line:col: error: message)\n"
          "  4  system error (I/O, out of memory)\n"
          "\n"
          "Examples:\n"
          "  gpuvplan gpus\n"
          "  gpuvplan show h100-80gb\n"
          "  gpuvplan explain docs/examples/tenants.yaml --tenant fraud-scoring\n"
          "  gpuvplan rules\n"
          "  gpuvplan quiz --count 10 --topic live-migration\n"
          "  gpuvplan compare --gpu h100-80gb\n"
          "  gpuvplan advise --gpu h100-80gb --isolation hard --memory 20GB\n"
          "  gpuvplan mig check h100-80gb 4x1g.20gb\n"
          "  gpuvplan recommend docs/examples/tenants.yaml -f json -o plan.json\n"
          "  gpuvplan check plan.json --max-gpus 8\n"
          "  gpuvplan report plan.json -o plan.html\n",
          f);
}

/* FNV-1a (64 bits) over every embedded file's name and bytes: names the database a binary
 * carries, so two builds with the same digest plan alike. */
static uint64_t
db_digest(void)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i, k;

    for (i = 0; i < gpv_embedded_count; i++) {
        const struct gpv_embedded_file *f = &gpv_embedded_files[i];

        for (k = 0; f->name[k]; k++)
            h = (h ^ (unsigned char)f->name[k]) * 0x100000001b3ULL;
        h = (h ^ 0) * 0x100000001b3ULL;
        for (k = 0; k < f->len; k++)
            h = (h ^ (unsigned char)f->data[k]) * 0x100000001b3ULL;
    }
    return h;
}

static int
version(struct gpv_cli *cli, int argc, char **argv)
{
    struct gpv_error err;

    if (argc > 2)
        return cli_usage_error(NULL, "'%s' takes no arguments, not '%s'", argv[1], argv[2]);
    gpv_error_init(&err);
    printf("gpuvplan %s\n", GPUVPLAN_VERSION);
    printf("commit %s\n", GPUVPLAN_COMMIT);
    printf("database %016" PRIx64 " (%s), ", db_digest(), GPUVPLAN_DB_DATE);
    if (cli_db(cli, &err))
        return cli_report(&err);
    printf("%zu GPU models%s\n", cli->db.ngpus, cli->profiles_dir ? " with --profiles" : "");
    return GPV_EXIT_OK;
}

/* Removes argv[i] .. argv[i+count-1], keeping argv NULL-terminated. */
static void
drop_args(int *argc, char **argv, int i, int count)
{
    memmove(&argv[i], &argv[i + count], (size_t)(*argc - i - count + 1) * sizeof(*argv));
    *argc -= count;
}

int
main(int argc, char **argv)
{
    struct gpv_cli cli;
    const struct gpv_command *c;
    const char *env;
    int i, rc = GPV_EXIT_OK;

    /* A closed pipe is a write error like a full disk: exit 4 with a message, never 141. */
    signal(SIGPIPE, SIG_IGN);
#ifdef M_MMAP_THRESHOLD
    /*
     * Blocks of 128 KiB and more come from mmap and go back to the system when freed, and
     * grow by mremap without a copy. glibc would raise that threshold to the largest block
     * freed (up to 32 MiB), and then the planner's large arrays, freed between phases, stay
     * in the heap between smaller live ones: 100k tenants peaked at 82 MiB instead of 71.
     */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    memset(&cli, 0, sizeof(cli));
    cli.argv0 = argv[0];
    env = getenv("GPUVPLAN_PROFILES");
    if (env && *env)
        cli.profiles_dir = env;

    /* Global options may stand anywhere before "--"; take them out before dispatch. */
    for (i = 1; i < argc;) {
        if (!strcmp(argv[i], "--")) {
            break;
        } else if (!strcmp(argv[i], "--no-color")) {
            cli.color_mode = CLI_COLOR_NEVER;
            drop_args(&argc, argv, i, 1);
        } else if (!strcmp(argv[i], "--color")) {
            /* Bare, as in git and ls: always. */
            cli.color_mode = CLI_COLOR_ALWAYS;
            drop_args(&argc, argv, i, 1);
        } else if (!strncmp(argv[i], "--color=", 8)) {
            if (!cli_color_parse(&cli.color_mode, argv[i] + 8))
                return cli_usage_error(
                    NULL, "option '--color' takes auto, always or never, not '%s'", argv[i] + 8);
            drop_args(&argc, argv, i, 1);
        } else if (!strcmp(argv[i], "--profiles")) {
            if (i + 1 >= argc)
                return cli_usage_error(NULL, "--profiles needs a directory");
            cli.profiles_dir = argv[i + 1];
            drop_args(&argc, argv, i, 2);
        } else if (!strncmp(argv[i], "--profiles=", 11)) {
            cli.profiles_dir = argv[i] + 11;
            drop_args(&argc, argv, i, 1);
        } else {
            i++;
        }
    }

    cli.color = cli_color_wanted(cli.color_mode, STDOUT_FILENO);
    if (argc < 2) {
        usage(stderr);
        return GPV_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        if (argc > 2 && strcmp(argv[1], "help") == 0) {
            char *help_argv[] = {argv[2], (char *)"--help", NULL};

            for (c = gpv_commands; c->name; c++)
                if (!strcmp(c->name, argv[2]))
                    break;
            if (!c->name)
                return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
            rc = c->run(&cli, 2, help_argv);
            goto out;
        }
        usage(stdout);
        goto out;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        rc = version(&cli, argc, argv);
        goto out;
    }
    for (c = gpv_commands; c->name; c++)
        if (!strcmp(c->name, argv[1]))
            break;
    if (!c->name) {
        const char *names[64];
        int n = 0, s;

        for (c = gpv_commands; c->name && n < 64; c++)
            names[n++] = c->name;
        s = gpv_suggest(argv[1], names, (size_t)n);
        if (s >= 0)
            return cli_usage_error(NULL, "unknown command '%s' (did you mean '%s'?)", argv[1],
                                   names[s]);
        return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
    }
    rc = c->run(&cli, argc - 1, argv + 1);
    if (cli.out_open) {
        struct gpv_error err;

        /* 0 and 1 are answers worth keeping; anything else leaves the old file alone. */
        gpv_error_init(&err);
        if (cli_stdout_restore(&cli.out, rc == GPV_EXIT_OK || rc == GPV_EXIT_NO, &err) &&
            rc <= GPV_EXIT_NO)
            rc = cli_report(&err);
    }
out:
    if (cli.db_loaded)
        gpv_db_release(&cli.db);
    cli_esc_release();
    /* A full disk or closed pipe must not pass silently. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("gpuvplan: error writing to standard output\n", stderr);
        if (rc == GPV_EXIT_OK || rc == GPV_EXIT_NO)
            rc = GPV_EXIT_SYSTEM;
    }
    return rc;
}
