/* gpuvplan import-profile: a GPU model's profile file from its own nvidia-smi output. */
#include "cli.h"
#include "gpuvplan/smi.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char import_usage[] =
    "usage: gpuvplan import-profile FILE... [--compare GPU] [-o FILE]\n"
    "\n"
    "Reads nvidia-smi mig -lgip and -lgipp output and the --query-gpu CSV (header and row:\n"
    "name, PCI id, memory) of one GPU model, in one file or several (\"-\" is standard input,\n"
    "prompt lines ignored), and writes a profile file in the docs/profiles.md format, ready\n"
    "for --profiles DIR: MIG units, each profile's id, slices, memory, max and allowed starts,\n"
    "its source \"imported from nvidia-smi output\" with the driver version from the\n"
    "nvidia-smi banner when present, and no vGPU types.\n"
    "\n"
    "  --compare GPU      instead, list every difference from the database model GPU (profile\n"
    "                     names, counts, memory, placements, SMs, engines): exit 0 when they\n"
    "                     agree, 1 when they differ\n"
    "  -o, --output FILE  write there (atomically) instead of standard output\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit: 0 ok (or agree), 1 differ, 2 usage, 3 bad input, 4 system error.\n";

int
cmd_import_profile(struct gpv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"compare", required_argument, NULL, 'c'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *compare = NULL, *output = NULL;
    const char **inputs = NULL;
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_buf diffs;
    char *yaml = NULL;
    int c, i, n, rc = GPV_EXIT_OK, nfiles;

    gpv_error_init(&err);
    gpv_smi_init(&s);
    gpv_buf_init(&diffs);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            compare = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            fputs(import_usage, stdout);
            return GPV_EXIT_OK;
        default:
            return cli_usage_error("import-profile", "unknown option '%s'", argv[optind - 1]);
        }
    }
    nfiles = argc - optind;
    if (nfiles < 1)
        return cli_usage_error("import-profile", "expected at least one FILE of nvidia-smi output");
    if (compare && output)
        return cli_usage_error("import-profile", "--compare writes no file: drop -o");
    if (cli_db(cli, &err))
        goto report;
    inputs = xcalloc((size_t)nfiles + 1, sizeof(*inputs));
    for (i = 0; i < nfiles; i++) {
        const char *path = argv[optind + i];
        char *buf = NULL;
        size_t len;
        int lrc;

        inputs[i] = path;
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
        cli_write_output(output, yaml, strlen(yaml), inputs, &err))
        goto report;
    goto out;
report:
    rc = cli_report(&err);
out:
    gpv_smi_release(&s);
    gpv_buf_release(&diffs);
    free(inputs);
    free(yaml);
    return rc;
}
