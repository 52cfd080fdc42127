/* Plans as a table: what `recommend` prints by default, streamed from the plan's source. */
#include "gpuvplan/plan.h"

#include "draw.h"
#include "plan_int.h"

#include "gpuvplan/mig.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"
#include "gpuvplan/width.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A MIG (or MIG-backed vGPU) GPU: its layout drawn with tenant names under the profiles. */
static void
table_mig_gpu(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_gpu *gpu,
              const struct gpv_pack_gpu *pg, int width)
{
    const struct gpv_pack_result *r = &src->run->result;
    const char *labels[GPV_MIG_MAX_INSTANCES];
    struct gpv_mig_layout l;
    struct gpv_draw d;
    size_t i;

    memset(&l, 0, sizeof(l));
    for (i = 0; i < pg->ninsts && l.n < GPV_MIG_MAX_INSTANCES; i++) {
        const struct gpv_pack_inst *x = &r->insts[pg->first + i];

        if (x->profile < 0)
            continue;
        l.inst[l.n].profile = x->profile;
        l.inst[l.n].start = x->start >= 0 ? x->start : 0;
        labels[l.n] = src->job->file->tenants[x->demand].name;
        l.n++;
    }
    memset(&d, 0, sizeof(d));
    d.indent = "    ";
    d.max_cols = width;
    d.numbers = true;
    d.labels = labels;
    gpv_draw_layout(b, gpu, &l, &d);
}

/* Equal-size vGPU: one line per run of a tenant's vGPUs with its count; mixed-size: one line
 * per vGPU with its placement. */
static void
table_vgpu_gpu(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_gpu *gpu,
               const struct gpv_pack_gpu *pg)
{
    const struct gpv_pack_inst *ins = &src->run->result.insts[pg->first];
    const struct gpv_tenant *tenants = src->job->file->tenants;
    size_t i, j;

    if (src->run->problem.models[pg->model].mixed) {
        for (i = 0; i < pg->ninsts; i++) {
            const struct gpv_pack_inst *x = &ins[i];
            long long at = x->start >= 0 ? x->start : 0;

            /* "    %3lld-%-3lld GB  %-14s %s\n", by hand: one line per vGPU */
            gpv_buf_puts(b, "    ");
            gpv_buf_put_int(b, at, 3);
            gpv_buf_putc(b, '-');
            gpv_buf_put_int(b, at + x->size, -3);
            gpv_buf_puts(b, " GB  ");
            gpv_buf_put_left(b, gpu->vgpu->types[x->vgpu_type].name, 14);
            gpv_buf_putc(b, ' ');
            gpv_buf_puts(b, tenants[x->demand].name);
            gpv_buf_putc(b, '\n');
        }
        return;
    }
    for (i = 0; i < pg->ninsts; i = j) {
        const struct gpv_vgpu_type *t = &gpu->vgpu->types[ins[i].vgpu_type];

        for (j = i; j < pg->ninsts && ins[j].demand == ins[i].demand &&
                    ins[j].vgpu_type == ins[i].vgpu_type;
             j++)
            ;
        /* "    %3zu x %-14s %s", then "  (%zu of %d)" on the first line */
        gpv_buf_puts(b, "    ");
        gpv_buf_put_int(b, (long long)(j - i), 3);
        gpv_buf_puts(b, " x ");
        gpv_buf_put_left(b, t->name, 14);
        gpv_buf_putc(b, ' ');
        gpv_buf_puts(b, tenants[ins[i].demand].name);
        if (i == 0) {
            gpv_buf_puts(b, "  (");
            gpv_buf_put_int(b, (long long)pg->ninsts, 0);
            gpv_buf_puts(b, " of ");
            gpv_buf_put_int(b, t->max, 0);
            gpv_buf_putc(b, ')');
        }
        gpv_buf_putc(b, '\n');
    }
}

/* "a, b, c +5 more": tenant t's GPUs within width columns. */
static void
put_gpu_list(struct gpv_buf *b, const struct pl_index *ix, size_t t, int width)
{
    size_t i, n = ix->gfirst[t + 1] - ix->gfirst[t];
    int used = 0;

    for (i = 0; i < n; i++) {
        const char *id = ix->ids[ix->tgpus[ix->gfirst[t] + i]];
        int len = (int)strlen(id) + (i ? 2 : 0);

        if (i && used + len > width - 9) {
            gpv_buf_printf(b, " +%zu more", n - i);
            return;
        }
        if (i)
            gpv_buf_put(b, ", ", 2);
        gpv_buf_puts(b, id);
        used += len;
    }
}

static void
table_gpus(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_plan_style *st,
           const struct pl_index *ix)
{
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    size_t g, j;

    gpv_buf_printf(b, "\n%sGPUs%s (%zu)\n", st->bold, st->reset, r->ngpus);
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &r->gpus[g];
        const struct gpv_pack_model *pm = &p->models[pg->model];
        const struct gpv_gpu *gpu = pm->gpu;

        pl_nodes_heading(b, src, st, g);
        gpv_buf_puts(b, st->bold);
        gpv_buf_puts(b, ix->ids[g]);
        gpv_buf_puts(b, st->reset);
        gpv_buf_puts(b, "  ");
        gpv_buf_puts(b, gpv_pack_kind_name(pg->kind));
        switch (pg->kind) {
        case GPV_PACK_WHOLE: {
            const struct gpv_pack_inst *x = pg->ninsts ? &r->insts[pg->first] : NULL;

            gpv_buf_puts(b, ": ");
            gpv_buf_puts(b, x ? src->job->file->tenants[x->demand].name : "-");
            if (x && x->part > 0)
                gpv_buf_printf(b, " (GPU %d of its replica)", x->part + 1);
            gpv_buf_putc(b, '\n');
            break;
        }
        case GPV_PACK_TIME_SLICING:
        case GPV_PACK_MPS: {
            struct gpv_buf line, head;
            char mem[32];

            /* The head printed above, taken back to be wrapped with the client list: the
               same bytes, its two spaces as \001 so that the wrap keeps them. */
            gpv_buf_init(&line);
            gpv_buf_init(&head);
            gpv_buf_printf(&head, "%s%s%s\001\001%s", st->bold, ix->ids[g], st->reset,
                           gpv_pack_kind_name(pg->kind));
            b->len -= head.len;
            b->s[b->len] = '\0';
            if (pg->kind == GPV_PACK_MPS)
                gpv_buf_printf(&line, ", %d replicas of %s each:", pg->replicas,
                               gpv_mib_format(mem, sizeof(mem), gpu->memory_mib / pg->replicas));
            else
                gpv_buf_printf(&line, ", %d replicas, memory not enforced:", pg->replicas);
            /* Runs of one tenant as "TENANT x N", in client order. */
            for (j = 0; j < pg->ninsts;) {
                int d = r->insts[pg->first + j].demand;
                size_t run = 1;

                while (j + run < pg->ninsts && r->insts[pg->first + j + run].demand == d)
                    run++;
                gpv_buf_printf(&line, "%s %s", j ? "," : "", src->job->file->tenants[d].name);
                if (run > 1)
                    gpv_buf_printf(&line, " x %zu", run);
                j += run;
            }
            gpv_buf_puts(&head, gpv_buf_str(&line));
            gpv_width_wrap(b, st->width, "", "    ", gpv_buf_str(&head));
            gpv_buf_release(&line);
            gpv_buf_release(&head);
            break;
        }
        case GPV_PACK_VGPU:
            gpv_buf_puts(b, ", ");
            gpv_buf_puts(b, gpv_vgpu_mode_name(pm->mixed ? GPV_VGPU_MIXED : GPV_VGPU_EQUAL));
            gpv_buf_puts(b, "-size, ");
            gpv_buf_puts(b, gpv_sched_name(pg->sched));
            gpv_buf_puts(b, " scheduler\n");
            table_vgpu_gpu(b, src, gpu, pg);
            break;
        case GPV_PACK_MIG:
        case GPV_PACK_MIG_VGPU:
            gpv_buf_putc(b, '\n');
            table_mig_gpu(b, src, gpu, pg, st->width);
            if (pg->kind == GPV_PACK_MIG_VGPU) {
                gpv_buf_puts(b, "    vGPU types:");
                /* In grid order, runs of one type as "3 x TYPE". */
                for (j = 0; j < pg->ninsts;) {
                    int type = r->insts[pg->first + j].vgpu_type;
                    size_t run = 1;

                    while (j + run < pg->ninsts && r->insts[pg->first + j + run].vgpu_type == type)
                        run++;
                    gpv_buf_puts(b, j ? ", " : " ");
                    if (run > 1) {
                        gpv_buf_put_int(b, (long long)run, 0);
                        gpv_buf_puts(b, " x ");
                    }
                    gpv_buf_puts(b, gpu->vgpu->types[type].name);
                    j += run;
                }
                gpv_buf_putc(b, '\n');
            }
            /* Time-sliced instances (the device plugin's nvidia.com/mig-<profile> replicas),
               in grid order: "time-sliced: 1g.10gb x5 replicas: notebook 5 clients". */
            for (j = 0; j < pg->ninsts; j++) {
                const struct gpv_pack_inst *x = &r->insts[pg->first + j];

                if (x->clients > 0)
                    gpv_buf_printf(b,
                                   "    time-sliced %s at %d: %d replicas, memory not "
                                   "enforced: %s x %d\n",
                                   gpu->mig->profiles[x->profile].name, x->start, x->ts_replicas,
                                   src->job->file->tenants[x->demand].name, x->clients);
            }
            break;
        }
    }
    pl_nodes_table_tail(b, src, st);
}

/* s in exactly width columns: padded, or cut to end in '~'. */
static void
put_cut(struct gpv_buf *b, const char *s, int width)
{
    size_t used, n, w = gpv_width(s);

    if (width < 1)
        return;
    if ((int)w <= width) {
        gpv_buf_puts(b, s);
        gpv_buf_pad(b, width - (int)w);
        return;
    }
    n = gpv_width_prefix(s, (size_t)width - 1, &used);
    gpv_buf_put(b, s, n);
    gpv_buf_pad(b, width - 1 - (int)used);
    gpv_buf_putc(b, '~');
}

/* Writes v in decimal at p (no NUL); returns its length. */
static int
put_digits(char *p, int v)
{
    char tmp[12];
    unsigned u = v < 0 ? 0U - (unsigned)v : (unsigned)v;
    int n = 0, k = 0;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        p[k++] = '-';
    while (n)
        p[k++] = tmp[--n];
    return k;
}

/* A name's replica count, " x4" or " x32/100" when only some replicas are placed (or ""), in
 * out (at least 32 bytes); returns its length. */
static int
replicas_text(char *out, int placed, int replicas)
{
    int n = 0;

    if (placed < replicas || replicas > 1) {
        out[n++] = ' ';
        out[n++] = 'x';
        if (placed < replicas) {
            n += put_digits(out + n, placed);
            out[n++] = '/';
        }
        n += put_digits(out + n, replicas);
    }
    out[n] = '\0';
    return n;
}

/* Tenant t's row, then its note and (with --explain) how it was decided. namew is the width of
 * its name (gpv_width()). */
static void
table_tenant(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_plan_style *st,
             const struct pl_index *ix, const struct pl_tenant *pt, size_t t, int nw, int mw,
             int namew)
{
    char reps[40], whole[64];
    const char *prof = whole;
    struct pl_part *parts;
    size_t j, nparts;
    int rw;

    /* A name cut short keeps its replica count: "team-a-infer~ x4", or "x32/100" when only
     * some replicas are placed. */
    rw = replicas_text(reps, pt->placed, pt->t->replicas);
    if (pt->profile && strlen(pt->profile) < sizeof(whole)) {
        prof = pt->profile;
    } else if (pt->profile) { /* cut to the column's buffer, as before */
        memcpy(whole, pt->profile, sizeof(whole) - 1);
        whole[sizeof(whole) - 1] = '\0';
    } else if (pt->o->kind == GPV_PACK_TIME_SLICING || pt->o->kind == GPV_PACK_MPS)
        prof = "a client";
    else
        snprintf(whole, sizeof(whole), "%d whole GPU%s", pt->o->gpus, pt->o->gpus == 1 ? "" : "s");
    gpv_buf_puts(b, "  ");
    if (namew + rw <= nw) {
        gpv_buf_puts(b, pt->t->name);
        gpv_buf_put(b, reps, (size_t)rw);
        put_cut(b, "", nw - namew - rw);
    } else {
        put_cut(b, pt->t->name, nw - rw);
        gpv_buf_puts(b, reps);
    }
    /* " %-*s %-16s " with mw the method column's width */
    gpv_buf_putc(b, ' ');
    gpv_buf_put_left(b, gpv_method_name(pt->method), mw);
    gpv_buf_putc(b, ' ');
    gpv_buf_put_left(b, prof, 16);
    gpv_buf_putc(b, ' ');
    put_gpu_list(b, ix, t, st->width - 32 - nw - (mw - 11));
    gpv_buf_putc(b, '\n');
    nparts = pl_parts(&parts, src, ix, t);
    if (nparts > 1) {
        /* Replicas on several options: how many on each, the first one first. */
        gpv_buf_printf(b, "    %ssplit: ", st->dim);
        for (j = 0; j < nparts; j++) {
            gpv_buf_printf(b, "%s%d on %s %s", j ? ", " : "", parts[j].replicas, parts[j].gpu->id,
                           gpv_method_name(parts[j].method));
            if (parts[j].profile)
                gpv_buf_printf(b, " %s", parts[j].profile);
        }
        gpv_buf_printf(b, "%s\n", st->reset);
    }
    free(parts);
    if (pt->placed < pt->t->replicas)
        gpv_buf_printf(b, "    %snote: %d of %d replicas placed; see Unplaced%s\n", st->dim,
                       pt->placed, pt->t->replicas, st->reset);
    if (pt->first) {
        gpv_buf_printf(b, "    %snote: not its first choice (", st->dim);
        pl_put_first(b, pt);
        gpv_buf_printf(b, "): %s%s\n", pt->moved, st->reset);
    }
    if (pt->upgraded) {
        gpv_buf_printf(b, "    %snote: ", st->dim);
        pl_put_note(b, pt);
        gpv_buf_printf(b, "%s\n", st->reset);
    }
    if (!src->explain)
        return;
    if (pt->decided_by)
        gpv_buf_printf(b, "    decided by %s\n", pt->decided_by);
    for (j = 0; pt->choice && j < pt->choice->ntrace; j++) {
        const struct gpv_trace *tr = &pt->choice->trace[j];

        if (!pl_trace_shown(tr))
            continue;
        if (tr->step == GPV_STEP_RULE)
            gpv_buf_printf(b, "    + %s: %s\n", tr->rule->id, tr->text ? tr->text : "");
        else if (tr->matched)
            gpv_buf_printf(b, "    %s: %s\n", gpv_method_name(tr->method),
                           tr->text ? tr->text : "");
    }
}

static void
table_tenants(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_plan_style *st,
              const struct pl_index *ix)
{
    const struct gpv_tenants *file = src->job->file;
    struct pl_tenant pt;
    size_t t;
    int nw = 12, cap, mw = 11;
    int *namew = xcalloc(file->ntenants + 1, sizeof(int));
    char reps[40];

    gpv_buf_printf(b, "\n%sTenants%s (%zu placed)\n", st->bold, st->reset, ix->placed);
    /* The name column fits the longest name with its " xN", up to 30 columns and to what
     * leaves the GPU list 12 on a narrow table; longer names are cut with a '~'. */
    cap = st->width - 32 - 12;
    cap = cap > 30 ? 30 : cap < 8 ? 8 : cap;
    for (t = 0; t < file->ntenants; t++) {
        const struct gpv_tenant *tn = &file->tenants[t];
        int len;

        if (src->run->result.choice[t] < 0)
            continue;
        /* The method column widens for "time-slicing" (12), only in plans that have it. */
        if (src->run->problem.demands[t].options[src->run->result.choice[t]].kind ==
            GPV_PACK_TIME_SLICING)
            mw = 12;
        /* Each name's width measured once, here, for its row too. */
        namew[t] = (int)gpv_width(tn->name);
        len = namew[t] + replicas_text(reps, src->run->result.placed[t], tn->replicas);
        if (len > nw)
            nw = len > cap ? cap : len;
    }
    gpv_buf_printf(b, "  %-*s %-*s %-16s %s\n", nw, "TENANT", mw, "METHOD", "PROFILE", "GPUS");
    for (t = 0; t < file->ntenants; t++)
        if (pl_tenant(&pt, src, ix, t))
            table_tenant(b, src, st, ix, &pt, t, nw, mw, namew[t]);
    free(namew);
}

/* pl_reasons()'s callback: one reason, wrapped. */
struct reason_out {
    struct gpv_buf *b;
    int width;
};

static void
table_reason(void *arg, const char *s)
{
    struct reason_out *ro = arg;

    gpv_width_wrap(ro->b, ro->width, "    - ", "      ", s);
}

static void
table_unplaced(struct gpv_buf *b, const struct gpv_plan_src *src, const struct gpv_plan_style *st)
{
    const struct gpv_pack_result *r = &src->run->result;
    struct reason_out ro = {b, st->width - 2};
    size_t i;

    if (!r->nunplaced)
        return;
    gpv_buf_printf(b, "\n%sUnplaced%s (%zu)\n", st->bold, st->reset, r->nunplaced);
    for (i = 0; i < r->nunplaced; i++) {
        const struct gpv_tenant *tn = &src->job->file->tenants[r->unplaced[i].demand];

        if (tn->replicas > 1)
            gpv_buf_printf(b, "  %s%s%s (%d of %d replicas)\n", st->red, tn->name, st->reset,
                           r->unplaced[i].replicas, tn->replicas);
        else
            gpv_buf_printf(b, "  %s%s%s\n", st->red, tn->name, st->reset);
        pl_reasons(src, i, table_reason, &ro);
    }
}

/* A licence the plan's vGPUs need and for how many of them. */
struct lic {
    const char *name;
    long long n;
};

/* The licences, in order of first appearance among the tenants, each with its vGPU count. */
static void
table_licences(struct gpv_buf *b, const struct gpv_plan_src *src, const struct pl_index *ix)
{
    struct lic *v = NULL;
    struct pl_part *parts;
    size_t n = 0, i, j, t, np;

    for (t = 0; t < src->job->file->ntenants; t++) {
        np = pl_parts(&parts, src, ix, t);
        for (j = 0; j < np; j++) {
            const char *lic = parts[j].license;

            if (!lic || !*lic)
                continue;
            for (i = 0; i < n && strcmp(v[i].name, lic); i++)
                ;
            if (i == n) {
                v = xreallocarray(v, n + 1, sizeof(*v));
                v[n].name = lic;
                v[n++].n = 0;
            }
            /* One licence per vGPU: a multi-vGPU replica holds one on each of its GPUs. */
            v[i].n += (long long)parts[j].replicas * (parts[j].o->gpus >= 2 ? parts[j].o->gpus : 1);
        }
        free(parts);
    }
    for (i = 0; i < n; i++)
        gpv_buf_printf(b, "  %-10s %s for %lld vGPU%s\n", i ? "" : "licences", v[i].name, v[i].n,
                       v[i].n == 1 ? "" : "s");
    free(v);
}

#define LABEL_COLS 13 /* "  " + a label of 10 + " ": where a summary line's text starts */

/*
 * Appends the lines of text to b, each "  LABEL      text" line wider than width wrapped with
 * its text going on under itself.
 */
static void
reflow_labelled(struct gpv_buf *b, const char *text, int width)
{
    const char *p = text;
    char *line;

    while (*p) {
        size_t n = strcspn(p, "\n");

        line = xstrndup(p, n);
        if ((int)gpv_width(line) > width && n > LABEL_COLS && !strncmp(line, "  ", 2)) {
            char first[LABEL_COLS + 1];

            memcpy(first, line, LABEL_COLS);
            first[LABEL_COLS] = '\0';
            gpv_width_wrap(b, width, first, "             ", line + LABEL_COLS);
        } else {
            gpv_buf_printf(b, "%s\n", line);
        }
        free(line);
        p += n;
        if (*p)
            p++;
    }
}

static void
table_summary(struct gpv_buf *out, const struct gpv_plan_src *src, const struct gpv_plan_style *st,
              const struct pl_index *ix)
{
    struct gpv_buf tmp, *b = &tmp;
    const struct gpv_pack_problem *p = &src->run->problem;
    const struct gpv_pack_result *r = &src->run->result;
    struct pl_figures f;
    size_t m;
    bool first = true;

    gpv_buf_init(b);
    pl_figures(&f, src);
    gpv_buf_printf(b, "\n%sSummary%s\n", st->bold, st->reset);
    /* The bound over every allowed choice decides "optimal"; the bound for the methods and
     * models chosen is said beside it when the plan is not optimal. */
    gpv_buf_printf(b, "  %-10s %d used, lower bound %d", "GPUs", r->gpus_used, r->lower_bound_any);
    if (r->optimal && r->gpus_used == r->lower_bound_any)
        gpv_buf_puts(b, " (optimal)\n");
    else if (r->optimal)
        gpv_buf_puts(b, " (optimal: the lowest cost, below)\n");
    else if (r->optimal_choices)
        gpv_buf_printf(b, " (gap %d; minimal for the choices made)\n",
                       r->gpus_used - r->lower_bound_any);
    else
        gpv_buf_printf(b, " (gap %d; bound %d for the choices made)\n",
                       r->gpus_used - r->lower_bound_any, r->lower_bound);
    for (m = 0; m < p->nmodels; m++) {
        const struct gpv_pack_model *pm = &p->models[m];

        if (!pl_model_listed(src, m))
            continue;
        gpv_buf_printf(b, "  %-10s %s%s: %d", first ? "per model" : "", pm->gpu->id,
                       pm->mixed ? " (mixed-size)" : "", r->models[m].gpus);
        if (pm->limit >= 0)
            gpv_buf_printf(b, " of %d", pm->limit);
        gpv_buf_printf(b, ", lower bound %d\n", r->models[m].lower_bound);
        first = false;
    }
    gpv_buf_printf(b, "  %-10s %zu placed, %zu unplaced\n", "tenants", ix->placed, r->nunplaced);
    {
        long long want = 0, got = 0;
        size_t t;

        for (t = 0; t < src->job->file->ntenants; t++) {
            want += src->job->file->tenants[t].replicas;
            got += r->placed[t];
        }
        if (got < want)
            gpv_buf_printf(b, "  %-10s %lld of %lld placed\n", "replicas", got, want);
    }
    gpv_buf_printf(b, "  %-10s %.1f%% allocated, %.1f%% asked for\n", "memory",
                   100.0 * f.util_memory, 100.0 * f.util_requested);
    gpv_buf_printf(b, "  %-10s %.1f GiB of memory", "stranded", (double)f.stranded_mib / 1024.0);
    if (f.stranded_units)
        gpv_buf_printf(b, ", %lld MIG unit%s", f.stranded_units, f.stranded_units == 1 ? "" : "s");
    gpv_buf_puts(b, " on the GPUs used\n");
    gpv_buf_printf(b, "  %-10s %.1f%% handed out (MIG slices, vGPU slots, whole GPUs)\n", "compute",
                   100.0 * f.util_compute);
    table_licences(b, src, ix);
    if (f.has_cost)
        gpv_buf_printf(b, "  %-10s %.2f per hour (%.2f per month of 730 hours)\n", "cost",
                       f.per_hour, f.per_month);
    if (f.has_cost && r->cost_lower_bound >= 0.0)
        gpv_buf_printf(b, "  %-10s %.2f per hour%s\n", "cost bound", r->cost_lower_bound,
                       r->optimal ? " (the plan costs the least possible)"
                                  : "; no plan placing as many costs less");
    else
        gpv_buf_printf(b, "  %-10s unknown (give cost_per_hour in the fleet)\n", "cost");
    if (pl_sizing(src))
        gpv_buf_printf(b, "  %-10s %s\n", "sizing", pl_sizing(src));
    reflow_labelled(out, gpv_buf_str(b), st->width);
    gpv_buf_release(b);
}

void
gpv_plan_write_table(const struct gpv_plan_src *src, const struct gpv_plan_style *style,
                     struct gpv_buf *out)
{
    struct gpv_plan_style st_buf = {"", "", "", "", 80};
    const struct gpv_plan_style *st = &st_buf;
    struct pl_index ix;
    char *head;

    if (style)
        st_buf = *style;
    if (st_buf.width <= 0)
        st_buf.width = 80;

    pl_index_build(&ix, src);
    head = xasprintf("%sPlan%s for %s (strategy %s)", st->bold, st->reset,
                     src->tenants_file ? src->tenants_file : "",
                     gpv_pack_strategy_name(src->job->strategy));
    gpv_width_wrap(out, st->width, "", "  ", head);
    free(head);
    table_gpus(out, src, st, &ix);
    table_tenants(out, src, st, &ix);
    table_unplaced(out, src, st);
    table_summary(out, src, st, &ix);
    pl_index_release(&ix);
}
