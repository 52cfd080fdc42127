/* gpuvplan gpus: the models in the database. */
#include "cli.h"
#include "opt.h"

#include <stdlib.h>
#include <string.h>

static const char gpus_usage_about[] =
    "Lists every GPU model in the database: id, name, architecture, memory, MIG (the most\n"
    "instances one GPU holds) and the number of vGPU types. Use an id (or any alias, such as\n"
    "a PCI device id like 0x2330) wherever a command takes a GPU.\n";

static int
max_instances(const struct gpv_gpu *gpu)
{
    size_t i;
    int best = 0;

    for (i = 0; gpu->mig && i < gpu->mig->nprofiles; i++)
        if (gpu->mig->profiles[i].max > best)
            best = gpu->mig->profiles[i].max;
    return best;
}

static struct gpv_val *
gpus_value(const struct gpv_db *db)
{
    struct gpv_val *root = gpv_val_obj(), *arr = gpv_val_set(root, "gpus", gpv_val_arr());
    size_t i, k;

    for (i = 0; i < db->ngpus; i++) {
        const struct gpv_gpu *g = db->gpus[i];
        struct gpv_val *o = gpv_val_push(arr, gpv_val_obj()), *al;

        gpv_val_set_str(o, "id", g->id);
        gpv_val_set_str(o, "name", g->name);
        gpv_val_set_str(o, "architecture", g->architecture);
        gpv_val_set_int(o, "memory_mib", g->memory_mib);
        if (g->mig) {
            struct gpv_val *m = gpv_val_set(o, "mig", gpv_val_obj());

            gpv_val_set_int(m, "units", g->mig->units);
            gpv_val_set_int(m, "max_instances", max_instances(g));
            gpv_val_set_int(m, "profiles", (long long)g->mig->nprofiles);
        } else {
            gpv_val_set(o, "mig", gpv_val_null());
        }
        gpv_val_set_int(o, "vgpu_types", g->vgpu ? (long long)g->vgpu->ntypes : 0);
        al = gpv_val_set(o, "aliases", gpv_val_arr());
        for (k = 0; k < g->naliases; k++)
            gpv_val_push(al, gpv_val_str(g->aliases[k]));
    }
    return root;
}

int
cmd_gpus(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const struct cli_opt opts[] = {
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"gpus", "", gpus_usage_about, NULL, opts, false};
    struct cli_args args;
    struct gpv_error err;
    static const char *const heading[] = {"ID", "NAME", "ARCH", "MEMORY", "MIG", "vGPU"};
    struct cli_table t;
    struct gpv_val *v;
    char *line;
    size_t i;
    int rc;

    gpv_error_init(&err);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    if (args.n > 0)
        return cli_usage_error("gpus", "unexpected argument '%s'", args.v[0]);
    if ((rc = cli_db(cli, &err)))
        return cli_report(&err);

    if (fmt != GPV_FMT_TABLE) {
        v = gpus_value(&cli->db);
        rc = cli_write_value(NULL, v, fmt, NULL, &err);
        gpv_val_free(v);
        return rc ? cli_report(&err) : GPV_EXIT_OK;
    }
    /* The name, then the architecture, give way on a narrow terminal: the id is what
     * commands take. */
    cli_table_init(&t, 6);
    t.right = 1u << 3 | 1u << 4 | 1u << 5;
    t.shrink = 1u << 1 | 1u << 2;
    t.bold = cli_bold(cli);
    t.reset = cli_reset(cli);
    cli_table_row(&t, heading);
    for (i = 0; i < cli->db.ngpus; i++) {
        const struct gpv_gpu *g = cli->db.gpus[i];
        char mig[32], mem[32], vgpu[32];
        const char *row[6];

        if (g->mig)
            snprintf(mig, sizeof(mig), "%d", max_instances(g));
        else
            snprintf(mig, sizeof(mig), "-");
        snprintf(mem, sizeof(mem), "%.0f GiB", (double)g->memory_mib / 1024.0);
        snprintf(vgpu, sizeof(vgpu), "%zu", g->vgpu ? g->vgpu->ntypes : 0);
        row[0] = g->id;
        row[1] = g->name;
        row[2] = g->architecture;
        row[3] = mem;
        row[4] = mig;
        row[5] = vgpu;
        cli_table_row(&t, row);
    }
    cli_table_print(stdout, &t, NULL);
    cli_table_release(&t);
    line = xasprintf("%zu models; `gpuvplan show ID` for one model's profiles and sources",
                     cli->db.ngpus);
    cli_wrap(stdout, "", "", line);
    free(line);
    return GPV_EXIT_OK;
}
