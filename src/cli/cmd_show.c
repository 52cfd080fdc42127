/* gpuvplan show GPU: one model's MIG profiles (drawn on the grid), vGPU types and sources. */
#include "cli.h"
#include "opt.h"
#include "cli_sources.h"

#include "gpuvplan/report.h"

#include <stdlib.h>
#include <string.h>

static const char show_usage_about[] =
    "Shows one GPU model: its MIG GPU-instance profiles with the placement rules\n"
    "the hardware enforces, its vGPU types with their per-GPU maxima, the licence\n"
    "each series needs, and the sources every figure comes from. Values marked *\n"
    "are inferred, not quoted.\n"
    "\n"
    "Reading the grid: each MIG profile is drawn on the GPU's placement grid (8\n"
    "units on A100/H100-class GPUs, 4 on A30, 12 on RTX PRO 6000). '^' marks a\n"
    "unit where an instance of the profile may start, '-' a unit covered by an\n"
    "instance started to its left, '.' a unit the profile can never use. 1g.20gb\n"
    "on an H100-80GB, size 2, starts 0/2/4/6:\n"
    "  ^ - ^ - ^ - ^ -\n"
    "Grids of more than 8 units are drawn without spaces (1g.24gb on an RTX PRO\n"
    "6000: ^--^--^--^--).\n"
    "\n"
    "GPU is an id from `gpuvplan gpus` or an alias (H100, 0x2330, ...), any case.\n";

static void
fact_list(struct gpv_val *arr, unsigned mask)
{
    unsigned bit;

    for (bit = 1; bit; bit <<= 1)
        if ((mask & bit) && gpv_fact_name(bit))
            gpv_val_push(arr, gpv_val_str(gpv_fact_name(bit)));
}

static struct gpv_val *
int_array(const int *v, int n)
{
    struct gpv_val *a = gpv_val_arr();
    int i;

    for (i = 0; i < n; i++)
        gpv_val_push(a, gpv_val_int(v[i]));
    return a;
}

static struct gpv_val *
profile_names(const struct gpv_mig *mig, uint64_t set)
{
    struct gpv_val *a = gpv_val_arr();
    size_t i;

    for (i = 0; i < mig->nprofiles; i++)
        if (set & (1ull << i))
            gpv_val_push(a, gpv_val_str(mig->profiles[i].name));
    return a;
}

static struct gpv_val *
show_value(const struct gpv_gpu *g)
{
    struct gpv_val *o = gpv_val_obj(), *a;
    size_t i, k;

    gpv_val_set_str(o, "id", g->id);
    gpv_val_set_str(o, "name", g->name);
    a = gpv_val_set(o, "aliases", gpv_val_arr());
    for (i = 0; i < g->naliases; i++)
        gpv_val_push(a, gpv_val_str(g->aliases[i]));
    gpv_val_set_str(o, "architecture", g->architecture);
    gpv_val_set_int(o, "memory_mib", g->memory_mib);
    gpv_val_set_int(o, "gpus_per_board", g->gpus_per_board);
    a = gpv_val_set(o, "inferred", gpv_val_arr());
    if (g->inferred & GPV_GF_MEMORY)
        gpv_val_push(a, gpv_val_str("memory_mib"));
    if (g->inferred & GPV_GF_ARCHITECTURE)
        gpv_val_push(a, gpv_val_str("architecture"));
    if (g->mig) {
        struct gpv_val *m = gpv_val_set(o, "mig", gpv_val_obj()), *ps, *cs;

        gpv_val_set_int(m, "units", g->mig->units);
        gpv_val_set_int(m, "compute_slices", g->mig->compute_slices);
        ps = gpv_val_set(m, "profiles", gpv_val_arr());
        for (i = 0; i < g->mig->nprofiles; i++) {
            const struct gpv_mig_profile *p = &g->mig->profiles[i];
            struct gpv_val *po = gpv_val_push(ps, gpv_val_obj());

            gpv_val_set_str(po, "name", p->name);
            a = gpv_val_set(po, "aliases", gpv_val_arr());
            for (k = 0; k < p->naliases; k++)
                gpv_val_push(a, gpv_val_str(p->aliases[k]));
            gpv_val_set_int(po, "id", p->id);
            gpv_val_set_int(po, "compute_slices", p->compute_slices);
            gpv_val_set_int(po, "size", p->size);
            gpv_val_set(po, "starts", int_array(p->starts, p->nstarts));
            gpv_val_set_int(po, "max", p->max);
            gpv_val_set_int(po, "memory_mib", p->memory_mib);
            gpv_val_set_num(po, "memory_gib", p->memory_gib);
            if (p->sms)
                gpv_val_set_int(po, "sms", p->sms);
            else
                gpv_val_set(po, "sms", gpv_val_null());
            gpv_val_set_bool(po, "media", p->media);
            if (p->since_driver)
                gpv_val_set_int(po, "since_driver", p->since_driver);
            gpv_val_set_str(po, "source", p->source);
            fact_list(gpv_val_set(po, "inferred", gpv_val_arr()), p->inferred);
            if (p->note)
                gpv_val_set_str(po, "note", p->note);
        }
        cs = gpv_val_set(m, "constraints", gpv_val_arr());
        for (i = 0; i < g->mig->nconstraints; i++) {
            const struct gpv_mig_constraint *c = &g->mig->constraints[i];
            struct gpv_val *co = gpv_val_push(cs, gpv_val_obj());

            if (c->kind == GPV_CONSTRAINT_MAX) {
                gpv_val_set_str(co, "kind", "max");
                gpv_val_set(co, "profiles", profile_names(g->mig, c->a));
                gpv_val_set_int(co, "max", c->max);
            } else {
                gpv_val_set_str(co, "kind", "exclusive");
                gpv_val_set(co, "a", profile_names(g->mig, c->a));
                gpv_val_set(co, "b", profile_names(g->mig, c->b));
            }
            if (c->before_driver)
                gpv_val_set_int(co, "before_driver", c->before_driver);
            gpv_val_set_str(co, "reason", c->reason);
            gpv_val_set_bool(co, "inferred", c->inferred);
            gpv_val_set_str(co, "source", c->source);
        }
    } else {
        gpv_val_set(o, "mig", gpv_val_null());
    }
    if (g->vgpu) {
        struct gpv_val *v = gpv_val_set(o, "vgpu", gpv_val_obj()), *ts;

        a = gpv_val_set(v, "prefixes", gpv_val_arr());
        for (i = 0; i < g->vgpu->nprefixes; i++)
            gpv_val_push(a, gpv_val_str(g->vgpu->prefixes[i]));
        gpv_val_set_bool(v, "mixed_size", g->vgpu->mixed_size);
        ts = gpv_val_set(v, "types", gpv_val_arr());
        for (i = 0; i < g->vgpu->ntypes; i++) {
            const struct gpv_vgpu_type *t = &g->vgpu->types[i];
            struct gpv_val *to = gpv_val_push(ts, gpv_val_obj());

            gpv_val_set_str(to, "name", t->name);
            gpv_val_set_str(to, "series", gpv_series_name(t->series));
            gpv_val_set_int(to, "framebuffer_mib", t->framebuffer_mib);
            gpv_val_set_int(to, "max", t->max);
            if (t->max_mixed)
                gpv_val_set_int(to, "max_mixed", t->max_mixed);
            else
                gpv_val_set(to, "max_mixed", gpv_val_null());
            if (t->nplacements)
                gpv_val_set(to, "placements", int_array(t->placements, t->nplacements));
            gpv_val_set_str(to, "mig_profile",
                            t->mig_profile >= 0 ? g->mig->profiles[t->mig_profile].name : NULL);
            gpv_val_set_str(to, "license", gpv_series_license(t->series));
            gpv_val_set_str(to, "source", t->source);
            fact_list(gpv_val_set(to, "inferred", gpv_val_arr()), t->inferred);
        }
    } else {
        gpv_val_set(o, "vgpu", gpv_val_null());
    }
    gpv_val_set(o, "sources", cli_sources_value(g->sources, g->nsources));
    a = gpv_val_set(o, "notes", gpv_val_arr());
    for (i = 0; i < g->nnotes; i++)
        gpv_val_push(a, gpv_val_str(g->notes[i]));
    gpv_val_set_str(o, "origin", g->origin);
    return o;
}

/* "7*" when the fact is inferred. */
static const char *
mark(unsigned inferred, unsigned bit)
{
    return (inferred & bit) ? "*" : "";
}

static void
put_names(struct gpv_buf *b, const struct gpv_mig *mig, uint64_t set)
{
    size_t i;
    bool first = true;

    for (i = 0; i < mig->nprofiles; i++) {
        if (set & (1ull << i)) {
            gpv_buf_printf(b, "%s%s", first ? "" : ", ", mig->profiles[i].name);
            first = false;
        }
    }
}

/* Grid cells are spaced out on grids of up to 8 units; larger grids pack them to fit 80
 * columns. */
static int
cell_width(const struct gpv_mig *mig)
{
    return mig->units <= 8 ? 2 : 1;
}

static void
print_mig(const struct gpv_cli *cli, const struct gpv_gpu *g)
{
    const struct gpv_mig *mig = g->mig;
    size_t i;
    int u, s;

    printf("\n%sMIG%s: %d-unit placement grid, %d compute slices\n", cli_bold(cli), cli_reset(cli),
           mig->units, mig->compute_slices);
    printf("  %-14s %3s %4s %4s %11s %4s  %-*s  %s\n", "PROFILE", "ID", "SIZE", "MAX", "MEMORY",
           "SMS", cell_width(mig) * mig->units - (cell_width(mig) - 1), "GRID", "STARTS");
    for (i = 0; i < mig->nprofiles; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[i];
        char mem[32], sms[16], grid[2 * GPV_MIG_MAX_UNITS + 1];
        int covered_until = -1, w = cell_width(mig);

        snprintf(mem, sizeof(mem), "%.2f GiB%s", p->memory_gib, mark(p->inferred, GPV_F_MEMORY));
        if (p->sms)
            snprintf(sms, sizeof(sms), "%d%s", p->sms, mark(p->inferred, GPV_F_SMS));
        else
            snprintf(sms, sizeof(sms), "?");
        for (u = 0; u < mig->units; u++) {
            char ch = '.';

            if (p->start_mask & (1u << u)) {
                ch = '^';
                covered_until = u + p->size;
            } else if (u < covered_until) {
                ch = '-';
            }
            grid[w * u] = ch;
            if (w == 2)
                grid[w * u + 1] = ' ';
        }
        grid[w * mig->units - (w - 1)] = '\0';
        printf("  %-14s %3d%s %4d%s %3d%s %11s %4s  %s  ", p->name, p->id,
               mark(p->inferred, GPV_F_ID), p->size, mark(p->inferred, GPV_F_SIZE), p->max,
               mark(p->inferred, GPV_F_MAX), mem, sms, grid);
        for (s = 0; s < p->nstarts; s++)
            printf("%s%d", s ? "," : "", p->starts[s]);
        printf("%s", mark(p->inferred, GPV_F_STARTS));
        if (p->since_driver)
            printf("  (driver R%d+%s)", p->since_driver, mark(p->inferred, GPV_F_SINCE_DRIVER));
        printf("\n");
        if (p->naliases) {
            struct gpv_buf names;
            size_t k;

            gpv_buf_init(&names);
            for (k = 0; k < p->naliases; k++)
                gpv_buf_printf(&names, "%s%s", k ? ", " : "", p->aliases[k]);
            gpv_buf_printf(&names,
                           " (accepted wherever a profile is named; plans, configs and this table "
                           "write %s)",
                           p->name);
            cli_wrap(stdout, "    also named: ", "                ", gpv_buf_str(&names));
            gpv_buf_release(&names);
        }
        if (p->note) {
            char *first = xasprintf("  %s  note: ", cli_dim(cli));

            cli_wrap(stdout, first, "          ", p->note);
            fputs(cli_reset(cli), stdout);
            free(first);
        }
    }
    printf("  %sgrid: ^ a start, - covered by an instance started to its left, . never used%s\n",
           cli_dim(cli), cli_reset(cli));
    if (mig->nconstraints) {
        printf("  Per-GPU constraints:\n");
        for (i = 0; i < mig->nconstraints; i++) {
            const struct gpv_mig_constraint *c = &mig->constraints[i];

            struct gpv_buf b;

            gpv_buf_init(&b);
            if (c->kind == GPV_CONSTRAINT_MAX) {
                gpv_buf_printf(&b, "at most %d in total of ", c->max);
                put_names(&b, mig, c->a);
            } else {
                gpv_buf_puts(&b, "never ");
                put_names(&b, mig, c->a);
                gpv_buf_puts(&b, " together with ");
                put_names(&b, mig, c->b);
            }
            if (c->before_driver)
                gpv_buf_printf(&b, " (drivers before R%d)", c->before_driver);
            gpv_buf_printf(&b, ": %s [%s]%s", c->reason, c->source,
                           c->inferred ? " (inferred)" : "");
            cli_wrap(stdout, "    - ", "      ", gpv_buf_str(&b));
            gpv_buf_release(&b);
        }
    }
}

static void
print_vgpu(const struct gpv_cli *cli, const struct gpv_gpu *g)
{
    static const char *const heading[] = {"TYPE", "SERIES", "FRAME BUFFER",
                                          "MAX",  "MIXED",  "MIG PROFILE / PLACEMENT IDS"};
    const struct gpv_vgpu *v = g->vgpu;
    bool series_used[4] = {false, false, false, false};
    struct cli_table tab;
    size_t i;
    int k;

    printf("\n%svGPU%s: type prefixes ", cli_bold(cli), cli_reset(cli));
    for (i = 0; i < v->nprefixes; i++)
        printf("%s%s", i ? ", " : "", v->prefixes[i]);
    printf("\n  mixed-size mode %s\n",
           v->mixed_size ? "supported" : "not supported or not documented (see the notes)");
    cli_table_init(&tab, 6);
    tab.right = 1u << 2 | 1u << 3 | 1u << 4;
    cli_table_row(&tab, heading);
    for (i = 0; i < v->ntypes; i++) {
        const struct gpv_vgpu_type *t = &v->types[i];
        char fb[32], max[16], mixed[16];
        const char *row[6];
        struct gpv_buf last;

        gpv_buf_init(&last);
        series_used[t->series] = true;
        snprintf(fb, sizeof(fb), "%lld MiB%s", t->framebuffer_mib,
                 mark(t->inferred, GPV_F_FRAMEBUFFER));
        snprintf(max, sizeof(max), "%d%s", t->max, mark(t->inferred, GPV_F_MAX));
        if (t->max_mixed)
            snprintf(mixed, sizeof(mixed), "%d%s", t->max_mixed,
                     mark(t->inferred, GPV_F_MAX_MIXED));
        else
            snprintf(mixed, sizeof(mixed), "-");
        if (t->mig_profile >= 0)
            gpv_buf_printf(&last, "MIG %s", g->mig->profiles[t->mig_profile].name);
        /* ", " between ids, so a long list wraps on a narrow terminal. */
        for (k = 0; k < t->nplacements; k++)
            gpv_buf_printf(&last, "%s%d", k ? ", " : "", t->placements[k]);
        gpv_buf_puts(&last, mark(t->inferred, GPV_F_PLACEMENTS));
        row[0] = t->name;
        row[1] = gpv_series_name(t->series);
        row[2] = fb;
        row[3] = max;
        row[4] = mixed;
        row[5] = gpv_buf_str(&last);
        cli_table_row(&tab, row);
        gpv_buf_release(&last);
    }
    cli_table_print(stdout, &tab, "  ");
    cli_table_release(&tab);
    if (v->mixed_size)
        printf("  %splacement ids: where a vGPU may start in mixed-size mode, in GB%s\n",
               cli_dim(cli), cli_reset(cli));
    printf("  Licences:\n");
    for (k = 0; k < 4; k++)
        if (series_used[k])
            printf("    %s-series: %s\n", gpv_series_name((enum gpv_series)k),
                   gpv_series_license((enum gpv_series)k));
}

static void
print_show(const struct gpv_cli *cli, const struct gpv_gpu *g)
{
    size_t i;

    printf("%s%s%s (%s)\n", cli_bold(cli), g->name, cli_reset(cli), g->id);
    printf("  architecture  %s%s\n", g->architecture,
           (g->inferred & GPV_GF_ARCHITECTURE) ? "*" : "");
    printf("  memory        %lld MiB (%.2f GiB)%s%s\n", g->memory_mib,
           (double)g->memory_mib / 1024.0, (g->inferred & GPV_GF_MEMORY) ? "*" : "",
           g->gpus_per_board > 1 ? " per GPU" : "");
    if (g->gpus_per_board > 1)
        printf("  board         %d GPUs per board; every figure here is per GPU\n",
               g->gpus_per_board);
    if (g->naliases) {
        struct gpv_buf b;

        gpv_buf_init(&b);
        for (i = 0; i < g->naliases; i++)
            gpv_buf_printf(&b, "%s%s", i ? ", " : "", g->aliases[i]);
        cli_wrap(stdout, "  aliases       ", "                ", gpv_buf_str(&b));
        gpv_buf_release(&b);
    }
    printf("  defined in    %s\n", g->origin);
    if (g->mig)
        print_mig(cli, g);
    else
        printf("\nMIG: not supported\n");
    if (g->vgpu)
        print_vgpu(cli, g);
    else
        printf("\nvGPU: no vGPU types in the database\n");
    printf("\n%sSources%s:\n", cli_bold(cli), cli_reset(cli));
    cli_sources_print(g->sources, g->nsources);
    if (g->nnotes) {
        printf("\n%sNotes%s:\n", cli_bold(cli), cli_reset(cli));
        for (i = 0; i < g->nnotes; i++)
            cli_wrap(stdout, "  - ", "    ", g->notes[i]);
    }
    printf("\n* inferred: not quoted from a source (see the notes); confirm on hardware with\n"
           "  `nvidia-smi mig -lgip` and `-lgipp` before relying on it.\n");
}

int
cmd_show(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const struct cli_opt opts[] = {
        CLI_FORMAT(&fmt, cli_formats_html,
                   "table (default), json, yaml, or html: one self-contained page with the "
                   "placement grid drawn in SVG, every profile's allowed starts marked"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"show", "GPU", show_usage_about, NULL, opts, false};
    struct cli_args args;
    const struct gpv_gpu *gpu;
    struct gpv_error err;
    struct gpv_val *v;
    int rc;

    gpv_error_init(&err);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    if (args.n != 1)
        return cli_usage_error("show", args.n == 0 ? "which GPU? (`gpuvplan gpus` lists them)"
                                                   : "one GPU at a time");
    if ((rc = cli_db(cli, &err)))
        return cli_report(&err);
    if (!(gpu = gpv_db_lookup(&cli->db, args.v[0], &err)))
        return cli_report(&err);
    if (fmt == GPV_FMT_HTML) {
        struct gpv_buf b;

        gpv_buf_init(&b);
        gpv_report_model_html(&b, gpu);
        rc = cli_write_output(NULL, gpv_buf_str(&b), b.len, NULL, &err);
        gpv_buf_release(&b);
        return rc ? cli_report(&err) : GPV_EXIT_OK;
    }
    if (fmt != GPV_FMT_TABLE) {
        v = show_value(gpu);
        rc = cli_write_value(NULL, v, fmt, NULL, &err);
        gpv_val_free(v);
        return rc ? cli_report(&err) : GPV_EXIT_OK;
    }
    print_show(cli, gpu);
    return GPV_EXIT_OK;
}
