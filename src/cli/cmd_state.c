/* gpuvplan state: what the nodes run now, from their nvidia-smi output. */
#include "cli.h"
#include "gpuvplan/width.h"
#include "opt.h"
#include "gpuvplan/smi.h"

#include <stdlib.h>
#include <string.h>

static const char state_about[] =
    "Reads what each node's GPUs run now from text captured on the node (\"-\" is standard\n"
    "input), in any order, with shell prompt lines ignored:\n"
    "  nvidia-smi --format=csv \\\n"
    "      --query-gpu=index,name,pci.device_id,memory.total,mig.mode.current\n"
    "  nvidia-smi mig -lgi      (instances with exact placements)\n"
    "  nvidia-mig-parted export (counts only: starts unknown)\n"
    "  nvidia-smi -L, nvidia-smi mig -lgip / -lgipp\n"
    "  the nvidia-smi banner (driver version)\n"
    "and prints the state document (schema gpuvplan.state/1, docs/state.md): every GPU as\n"
    "NODE/INDEX with its database model (by PCI id, then name), MIG mode and instances, each\n"
    "layout checked with the MIG engine.\n"
    "\n"
    "A file's node is its `# node: NAME` line, else --node, else the file name without its\n"
    "extension; files of the same node are merged.\n";

static const char state_footer[] =
    "Exit status: 0 ok, 2 usage error, 3 bad input (file:line:col: error: ...), 4 system error.\n";

/* The node a file belongs to when it names none: its base name without the extension. */
static char *
default_node(const char *path)
{
    const char *b = strrchr(path, '/');
    char *s, *dot;

    b = b ? b + 1 : path;
    if (!strcmp(path, "-") || !*b)
        return xstrdup("stdin");
    s = xstrdup(b);
    if ((dot = strchr(s, '.')) && dot != s)
        *dot = '\0';
    return s;
}

static void
state_table(struct gpv_buf *b, const struct gpv_val *v)
{
    static const char *const heading[] = {"GPU", "MODEL", "MODE", "INSTANCES (profile@start)"};
    const struct gpv_val *gpus = gpv_val_get(v, "gpus"), *notes = gpv_val_get(v, "notes");
    struct cli_table t;
    size_t i, k, nmig = 0, ninst = 0;
    char *line;

    cli_table_init(&t, 4);
    cli_table_row(&t, heading);
    for (i = 0; i < gpus->n; i++) {
        const struct gpv_val *g = gpus->items[i], *in = gpv_val_get(g, "instances");
        bool mig = !strcmp(gpv_val_get(g, "mode")->s, "mig");
        const char *row[4];
        struct gpv_buf list;

        gpv_buf_init(&list);
        nmig += mig;
        if (mig && !strcmp(gpv_val_get(g, "instances_known")->s, "unknown"))
            gpv_buf_puts(&list, "?");
        else if (!in->n)
            gpv_buf_puts(&list, "-");
        for (k = 0; k < in->n; k++) {
            const struct gpv_val *st = gpv_val_get(in->items[k], "start");

            gpv_buf_printf(&list, "%s%s@", k ? " " : "", gpv_val_get(in->items[k], "profile")->s);
            if (st->type == GPV_V_INT)
                gpv_buf_printf(&list, "%lld", st->i);
            else
                gpv_buf_putc(&list, '?');
        }
        ninst += in->n;
        row[0] = gpv_val_get(g, "id")->s;
        row[1] = gpv_val_get(g, "model")->s;
        row[2] = gpv_val_get(g, "mode")->s;
        row[3] = gpv_buf_str(&list);
        cli_table_row(&t, row);
        gpv_buf_release(&list);
    }
    cli_table_write(b, &t, NULL);
    cli_table_release(&t);
    line =
        xasprintf("%zu GPU%s on %zu node%s; %zu in MIG mode with %zu GPU instance%s",
                  (size_t)gpus->n, gpus->n == 1 ? "" : "s", (size_t)gpv_val_get(v, "nodes")->n,
                  gpv_val_get(v, "nodes")->n == 1 ? "" : "s", nmig, ninst, ninst == 1 ? "" : "s");
    gpv_width_wrap(b, cli_prose_width(), "", "", line);
    free(line);
    for (i = 0; i < notes->n; i++)
        gpv_width_wrap(b, cli_prose_width(), "note: ", "      ", notes->items[i]->s);
}

int
cmd_state(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *node = NULL;
    const struct cli_opt opts[] = {
        CLI_STRING('n', "node", "NAME", &node, "node of the files that do not name one"),
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"state", "FILE...", state_about, state_footer, opts, false};
    struct gpv_smi *nodes = NULL;
    struct gpv_val *v = NULL;
    struct cli_args args;
    struct gpv_error err;
    struct gpv_buf b;
    size_t nn = 0, i;
    int rc, nfiles;

    gpv_error_init(&err);
    gpv_buf_init(&b);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    nfiles = args.n;
    if (nfiles < 1)
        return cli_usage_error("state", "expected at least one FILE of nvidia-smi output");
    if (node && (!*node || strlen(node) > GPV_SMI_NAME_MAX || strpbrk(node, " \t/")))
        return cli_usage_error("state", "bad node name '%s'", node);
    if (cli_db(cli, &err))
        goto report;
    nodes = xcalloc((size_t)nfiles, sizeof(*nodes));
    for (i = 0; i < (size_t)nfiles; i++) {
        const char *path = args.v[i];
        char *buf = NULL, *name = NULL;
        size_t len, k;
        int lrc;

        if (cli_read_file(&buf, &len, path, &err))
            goto report;
        name = gpv_smi_find_node(buf, len);
        if (!name)
            name = node ? xstrdup(node) : default_node(path);
        for (k = 0; k < nn && strcmp(nodes[k].node, name); k++)
            ;
        if (k == nn) {
            gpv_smi_init(&nodes[nn++]);
            nodes[k].node = name;
            nodes[k].node_pos.file = path;
        } else {
            free(name);
        }
        lrc = gpv_smi_load_mem(&nodes[k], buf, len, strcmp(path, "-") ? path : "<stdin>", &err);
        free(buf);
        if (lrc)
            goto report;
    }
    if (gpv_smi_state(&v, &cli->db, nodes, nn, &err))
        goto report;
    if (fmt == GPV_FMT_TABLE) {
        state_table(&b, v);
        if (cli_write_output(NULL, gpv_buf_str(&b), strlen(gpv_buf_str(&b)), NULL, &err))
            goto report;
    } else if (cli_write_value(NULL, v, fmt, NULL, &err)) {
        goto report;
    }
    goto out;
report:
    rc = cli_report(&err);
out:
    for (i = 0; i < nn; i++)
        gpv_smi_release(&nodes[i]);
    free(nodes);
    gpv_val_free(v);
    gpv_buf_release(&b);
    return rc;
}
