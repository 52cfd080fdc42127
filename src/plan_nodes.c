/* What a plan says about nodes: GPU ids "NODE/INDEX", each node's per-index layout summary,
 * and the table's node headings. The JSON writer (plan.c) and the table (plan_text.c) call
 * these, so that both say the same. */
#include "plan_int.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

void
pl_nodes_ids(char **ids, const struct gpv_plan_src *src)
{
    const struct gpv_site *s = &src->run->site;
    size_t g;

    for (g = 0; g < s->ngpus; g++) {
        if (s->node_of[g] < 0)
            continue;
        free(ids[g]);
        ids[g] = xasprintf("%s/%d", s->nodes[s->node_of[g]].name, s->index_of[g]);
    }
}

void
pl_gpu_summary(struct gpv_buf *b, const struct gpv_plan_src *src, size_t g)
{
    const struct gpv_pack_result *r = &src->run->result;
    const struct gpv_pack_gpu *pg = &r->gpus[g];
    const struct gpv_gpu *gpu = src->run->problem.models[pg->model].gpu;
    size_t i, j;

    gpv_buf_puts(b, gpv_pack_kind_name(pg->kind));
    if (pg->kind == GPV_PACK_WHOLE)
        return;
    /* Runs of one profile or type, in the GPU's instance order: "mig 1g.20gb x4, 3g.40gb". */
    for (i = 0; i < pg->ninsts; i = j) {
        const char *name = pl_inst_profile(gpu, pg->kind, &r->insts[pg->first + i]);

        for (j = i + 1; j < pg->ninsts; j++) {
            const char *next = pl_inst_profile(gpu, pg->kind, &r->insts[pg->first + j]);

            if (!name || !next || strcmp(name, next))
                break;
        }
        gpv_buf_printf(b, "%s %s", i ? "," : "", name ? name : "?");
        if (j - i > 1)
            gpv_buf_printf(b, " x%zu", j - i);
    }
}

void
pl_nodes_heading(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_plan_style *st,
                 size_t g)
{
    const struct gpv_site *s = &src->run->site;
    const struct gpv_site_node *n;
    const struct gpv_fleet_entry *fe;
    size_t i, idle = 0;

    if (g >= s->ngpus || s->node_of[g] < 0 || (g > 0 && s->node_of[g - 1] == s->node_of[g]))
        return;
    n = &s->nodes[s->node_of[g]];
    fe = n->entry;
    for (i = 0; i < (size_t)fe->gpus_per_node; i++)
        idle += n->gpu[i] == GPV_SITE_IDLE;
    gpv_buf_printf(b, "%snode %s%s  %s, %d GPUs", st->bold, n->name, st->reset, fe->gpu->id,
                   fe->gpus_per_node);
    if (idle)
        gpv_buf_printf(b, " (%zu unused)", idle);
    if (fe->mig_strategy == GPV_MIG_SINGLE)
        gpv_buf_puts(b, ", mig_strategy single");
    for (i = 0; i < fe->nlabels; i++)
        gpv_buf_printf(b, "%s%s=%s", i ? "," : ", labels ", fe->labels[i].key, fe->labels[i].value);
    gpv_buf_putc(b, '\n');
}

void
pl_nodes_table_tail(struct gpv_buf *b, const struct gpv_plan_src *src,
                    const struct gpv_plan_style *st)
{
    const struct gpv_site *s = &src->run->site;
    size_t i, k, nidle = 0;

    for (i = 0; i < s->nnodes; i++) {
        for (k = 0; k < (size_t)s->nodes[i].entry->gpus_per_node; k++)
            if (s->nodes[i].gpu[k] != GPV_SITE_IDLE)
                break;
        if (k < (size_t)s->nodes[i].entry->gpus_per_node)
            continue;
        gpv_buf_printf(b, "%s%s", nidle ? ", " : "unused nodes: ", s->nodes[i].name);
        nidle++;
    }
    if (nidle)
        gpv_buf_putc(b, '\n');
    for (i = 0; i < s->nissues; i++)
        gpv_buf_printf(b, "%swarning: %s%s\n", st->red, s->issues[i], st->reset);
}
