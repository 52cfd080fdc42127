/* gpuvplan import-profile: a GPU model's profile file from its own nvidia-smi output. */
#include "cli.h"
#include "opt.h"
#include "gpuvplan/smi.h"

#include <stdlib.h>
#include <string.h>

static const char import_about[] =
    "Reads nvidia-smi mig -lgip and -lgipp output and the --query-gpu CSV (header and row:\n"
    "name, PCI id, memory) of one GPU model, in one file or several (\"-\" is standard input,\n"
    "prompt lines ignored), and writes a profile file in the docs/profiles.md format, ready\n"
    "for --profiles DIR: MIG units, each profile's id, slices, memory, max and allowed starts,\n"
    "its source \"imported from nvidia-smi output\" with the driver version from the\n"
    "nvidia-smi banner when present, and no vGPU types.\n";

static const char import_footer[] =
    "Exit status: 0 ok (or agree), 1 differ, 2 usage error, 3 bad input, 4 system error.\n";

int
cmd_import_profile(struct gpv_cli *cli, int argc, char **argv)
{
    const char *compare = NULL;
    const struct cli_opt opts[] = {
        CLI_STRING('c', "compare", "GPU", &compare,
                   "instead, list every difference from the database model GPU (profile names, "
                   "counts, memory, placements, SMs, engines): exit 0 when they agree, 1 when "
                   "they differ"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"import-profile", "FILE...", import_about,
                                  import_footer,    opts,      false};
    struct cli_args args;
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_buf diffs;
    char *yaml = NULL;
    int i, n, rc, nfiles;

    gpv_error_init(&err);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    gpv_smi_init(&s);
    gpv_buf_init(&diffs);
    nfiles = args.n;
    if (nfiles < 1)
        return cli_usage_error("import-profile", "expected at least one FILE of nvidia-smi output");
    if (compare && cli->output)
        return cli_usage_error("import-profile", "--compare writes no file: drop -o");
    if (cli_db(cli, &err))
        goto report;
    for (i = 0; i < nfiles; i++) {
        const char *path = args.v[i];
        char *buf = NULL;
        size_t len;
        int lrc;

        if (cli_read_file(&buf, &len, path, &err))
            goto report;
        lrc = gpv_smi_load_mem(&s, buf, len, strcmp(path, "-") ? path : "<stdin>", &err);
        free(buf);
        if (lrc)
            goto report;
    }
    if (compare) {
        const struct gpv_gpu *m = gpv_db_lookup(&cli->db, compare, &err);

        if (!m)
            goto report;
        if ((n = gpv_smi_compare(&diffs, m, &s, &err)) < 0)
            goto report;
        if (n == 0) {
            printf("nvidia-smi output agrees with %s\n", m->id);
        } else {
            fputs(gpv_buf_str(&diffs), stdout);
            printf("%d difference%s from %s (%s)\n", n, n == 1 ? "" : "s", m->id, m->origin);
            rc = GPV_EXIT_NO;
        }
        goto out;
    }
    if (gpv_smi_import_profile(&yaml, &cli->db, &s, &err) ||
        cli_write_output(NULL, yaml, strlen(yaml), NULL, &err))
        goto report;
    goto out;
report:
    rc = cli_report(&err);
out:
    gpv_smi_release(&s);
    gpv_buf_release(&diffs);
    free(yaml);
    return rc;
}
