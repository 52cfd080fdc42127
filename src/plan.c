/* Plans: running the planner (decide every kind of tenant once, make the problem, pack). */
#include "gpuvplan/plan.h"

#include "gpuvplan/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- running: decide, make the problem, pack --------------------------------------------- */

/*
 * Decides each distinct kind of tenant once, in the order kinds first appear in the file. A
 * hash table finds a tenant's kind; nothing that is output depends on the hash values.
 */
static int
decide_all(struct gpv_plan_run *run, const struct gpv_plan_job *job, struct gpv_error *err)
{
    const struct gpv_tenants *file = job->file;
    size_t n = file->ntenants, i, cap = 16, mask;
    const struct gpv_tenant **rep = xcalloc(n + 1, sizeof(*rep));
    long *slot;
    int rc = 0;

    (void)err; /* gpv_decide() cannot fail: nothing here does any more */
    while (cap < 2 * n)
        cap *= 2;
    mask = cap - 1;
    slot = xcalloc(cap, sizeof(long));
    for (i = 0; i < cap; i++)
        slot[i] = -1;
    run->decisions = xcalloc(n + 1, sizeof(*run->decisions));
    run->of = xcalloc(n + 1, sizeof(*run->of));
    for (i = 0; i < n; i++) {
        const struct gpv_tenant *t = &file->tenants[i];
        size_t h = (size_t)gpv_tenant_kind_hash(t) & mask;

        while (slot[h] >= 0 && gpv_tenant_kind_cmp(rep[slot[h]], t))
            h = (h + 1) & mask;
        if (slot[h] < 0) {
            struct gpv_candidate *cands = NULL;
            size_t nc = gpv_candidates(&cands, file, t, job->db, job->only, job->nonly);

            gpv_decide(&run->decisions[run->ndecisions], job->rules, t, &file->licenses, cands, nc);
            free(cands);
            rep[run->ndecisions] = t;
            slot[h] = (long)run->ndecisions++;
        }
        /* The decisions array never moves, so these pointers stay valid. */
        run->of[i] = &run->decisions[slot[h]];
    }
    free(rep);
    free(slot);
    return rc;
}

static void
add_model(struct gpv_plan_run *run, const struct gpv_gpu *gpu, int limit, double cost, bool mixed)
{
    struct gpv_pack_model *m = &run->models[run->nmodels++];

    m->gpu = gpu;
    m->limit = limit;
    m->cost = cost;
    m->mixed = mixed;
}

static void
build_models(struct gpv_plan_run *run, const struct gpv_plan_job *job)
{
    const struct gpv_tenants *file = job->file;
    const struct gpv_db *db = job->db;
    bool *used = xcalloc(db->ngpus + 1, sizeof(bool));
    size_t i, j, k;

    run->models = xcalloc(file->nfleet + db->ngpus + job->nonly + 1, sizeof(*run->models));
    if (file->nfleet) {
        for (i = 0; i < file->nfleet; i++) {
            const struct gpv_fleet_entry *fe = &file->fleet[i];

            for (j = 0; j < job->nonly && job->only[j] != fe->gpu; j++)
                ;
            if (job->nonly && j == job->nonly)
                continue;
            add_model(run, fe->gpu, fe->count, fe->has_cost ? fe->cost_per_hour : -1.0,
                      fe->vgpu_mode == GPV_VGPU_MIXED);
            gpv_site_model_nodes(&run->models[run->nmodels - 1], fe);
        }
    } else if (job->nonly) {
        for (i = 0; i < job->nonly; i++) {
            for (j = 0; j < run->nmodels && run->models[j].gpu != job->only[i]; j++)
                ;
            if (j == run->nmodels)
                add_model(run, job->only[i], -1, -1.0, false);
        }
    } else {
        for (j = 0; j < run->ndecisions; j++)
            for (k = 0; k < run->decisions[j].nchoices; k++)
                if (run->decisions[j].choices[k].method != GPV_METHOD_NONE)
                    for (i = 0; i < db->ngpus; i++)
                        used[i] |= db->gpus[i] == run->decisions[j].choices[k].gpu;
        for (i = 0; i < db->ngpus; i++)
            if (used[i])
                add_model(run, db->gpus[i], -1, -1.0, false);
    }
    free(used);
}

static enum gpv_pack_kind
method_kind(enum gpv_method m)
{
    switch (m) {
    case GPV_METHOD_MIG:
        return GPV_PACK_MIG;
    case GPV_METHOD_MIG_VGPU:
        return GPV_PACK_MIG_VGPU;
    case GPV_METHOD_VGPU:
        return GPV_PACK_VGPU;
    case GPV_METHOD_TIME_SLICING:
        return GPV_PACK_TIME_SLICING;
    case GPV_METHOD_MPS:
        return GPV_PACK_MPS;
    default:
        return GPV_PACK_WHOLE;
    }
}

/*
 * The option of method `kind` (TIME_SLICING or MPS) for choice c, when c's rules leave that
 * method and it fits: its rank is its place in c's order. Returns false otherwise (*op then
 * untouched).
 */
static bool
share_option(struct gpv_pack_option *op, const struct gpv_choice *c, enum gpv_pack_kind kind)
{
    enum gpv_method m = kind == GPV_PACK_MPS ? GPV_METHOD_MPS : GPV_METHOD_TIME_SLICING;
    int k;

    /* On a MIG GPU the time-slicing option time-slices MIG instances: the entry time-slices
       whole GPUs, which whole_clients says the tenant fits. */
    if (m == GPV_METHOD_TIME_SLICING ? c->options[m].whole_clients < 1 : !c->options[m].fits)
        return false;
    for (k = 0; k < GPV_NMETHODS && c->order[k] != m; k++)
        ;
    op->kind = kind;
    op->profile = -1;
    op->vgpu_type = -1;
    op->gpus = 0;
    op->rank = k;
    return true;
}

static void
build_problem(struct gpv_plan_run *run, const struct gpv_plan_job *job)
{
    const struct gpv_tenants *file = job->file;
    size_t n = file->ntenants, t, i, m, nopt = 0, o = 0;

    for (t = 0; t < n; t++)
        for (i = 0; i < run->of[t]->nchoices; i++)
            if (run->of[t]->choices[i].method != GPV_METHOD_NONE)
                for (m = 0; m < run->nmodels; m++)
                    nopt += run->models[m].gpu == run->of[t]->choices[i].gpu;
    run->demands = xcalloc(n + 1, sizeof(*run->demands));
    run->options = xcalloc(nopt + 1, sizeof(*run->options));
    run->choice_of = xcalloc(n + 1, sizeof(*run->choice_of));
    run->choice_buf = xcalloc(nopt + 1, sizeof(int));
    for (t = 0; t < n; t++) {
        const struct gpv_tenant *tn = &file->tenants[t];
        const struct gpv_decision *d = run->of[t];
        struct gpv_pack_demand *dm = &run->demands[t];

        dm->replicas = tn->replicas;
        dm->options = run->options + o;
        run->choice_of[t] = run->choice_buf + o;
        dm->compute = tn->compute;
        dm->memory_mib = tn->memory_mib;
        dm->spread = tn->spread;
        dm->spread_nodes = tn->spread_nodes;
        for (i = 0; i < d->nchoices; i++) {
            const struct gpv_choice *c = &d->choices[i];
            bool mig = c->method == GPV_METHOD_MIG || c->method == GPV_METHOD_MIG_VGPU;
            bool vgpu = c->method == GPV_METHOD_VGPU || c->method == GPV_METHOD_MIG_VGPU;

            if (c->method == GPV_METHOD_NONE)
                continue;
            for (m = 0; m < run->nmodels; m++) {
                struct gpv_pack_option *op = &run->options[o];
                const struct gpv_pack_model *pm = &run->models[m];

                if (pm->gpu != c->gpu)
                    continue;
                if (pm->share_replicas > 0 && share_option(op, c, pm->share_kind)) {
                    /* A fleet entry that states its sharing serves only that method: the
                       tenant uses it there when its rules allow the method and it fits. */
                    op->model = (int)m;
                    run->choice_buf[o++] = (int)i;
                    dm->noptions++;
                    continue;
                }
                op->model = (int)m;
                op->kind = method_kind(c->method);
                op->profile = mig ? c->mig_profile : -1;
                op->vgpu_type = vgpu ? c->vgpu_type : -1;
                /* passthrough, and a multi-vGPU replica (one whole-GPU vGPU per GPU) */
                op->gpus = c->method == GPV_METHOD_PASSTHROUGH || c->method == GPV_METHOD_VGPU
                               ? c->gpus
                               : 0;
                op->rank = c->rank;
                if (c->method == GPV_METHOD_TIME_SLICING && c->mig_profile >= 0 &&
                    c->clients >= 2) {
                    /* Time-slicing of MIG instances (docs/rules.md): instances of the
                       choice's profile, each serving `clients` of the tenant's replicas. */
                    op->kind = GPV_PACK_MIG;
                    op->profile = c->mig_profile;
                    op->clients = c->clients;
                }
                run->choice_buf[o++] = (int)i;
                dm->noptions++;
            }
        }
    }
    memset(&run->problem, 0, sizeof(run->problem));
    run->problem.nmodels = run->nmodels;
    run->problem.models = run->models;
    run->problem.ndemands = n;
    run->problem.demands = run->demands;
    run->problem.strategy = job->strategy;
    run->problem.no_upgrades = job->no_upgrades;
    /* Sizing from every model: the smallest adequate boards (issue 11 §5). With --gpu the
       models are the user's choice and the count of GPUs decides, as with a fleet. */
    run->problem.least_memory = file->nfleet == 0 && job->nonly == 0;
}

/* Tenants re-packed with their first choice to say what moving them saved, up to this many
 * tenants in the plan (one more packing each). */
#define PLAN_REPRICE_MAX 40

/* Replicas the result places, all tenants. */
static long long
replicas_placed(const struct gpv_pack_result *r, size_t n)
{
    long long k = 0;
    size_t t;

    for (t = 0; t < n; t++)
        k += r->placed[t];
    return k;
}

/*
 * Why tenant t is not on its decision's first choice: the first choice's model is full, or
 * (small plans) what packing it there instead would cost: replicas left out, cost per hour or
 * GPUs. A new string.
 */
/*
 * MiB of GPU memory a result provisions (its GPUs' memory), or -1 unless the packer weighs
 * memory (least_memory and no costs: pack.c, model_weight).
 */
static long long
memory_provisioned(const struct gpv_pack_problem *p, const struct gpv_pack_result *r)
{
    long long mib = 0;
    size_t m;

    if (r->cost >= 0 || !p->least_memory)
        return -1;
    for (m = 0; m < p->nmodels; m++) {
        mib += (long long)r->models[m].gpus * p->models[m].gpu->memory_mib;
    }
    return mib;
}

static char *
why_moved(const struct gpv_plan_run *run, size_t t)
{
    const struct gpv_pack_problem *p = &run->problem;
    const struct gpv_pack_result *r = &run->result;
    const struct gpv_decision *d = run->of[t];
    const struct gpv_choice *first = &d->choices[d->best];
    struct gpv_pack_option *opts = NULL;
    struct gpv_pack_demand *dem = NULL;
    struct gpv_pack_problem q;
    struct gpv_pack_result alt;
    char *why = NULL;
    size_t i, m;
    bool full = true, any = false;

    for (m = 0; m < p->nmodels; m++) {
        if (p->models[m].gpu != first->gpu)
            continue;
        any = true;
        full = full && p->models[m].limit >= 0 && r->models[m].gpus >= p->models[m].limit;
    }
    if (!any)
        return xasprintf("its first choice is on %s, which is not among the models planned",
                         first->gpu->id);
    if (full)
        return xasprintf("the fleet's %s GPUs are all in use", first->gpu->id);
    if (p->ndemands > PLAN_REPRICE_MAX)
        return xasprintf("chosen for the whole plan (cost, then GPUs); plans of more than %d "
                         "tenants are not re-priced tenant by tenant",
                         PLAN_REPRICE_MAX);
    /* The same problem with tenant t held to its first choice. */
    dem = xcalloc(p->ndemands + 1, sizeof(*dem));
    memcpy(dem, p->demands, p->ndemands * sizeof(*dem));
    opts = xcalloc(p->demands[t].noptions + 1, sizeof(*opts));
    dem[t].options = opts;
    dem[t].noptions = 0;
    for (i = 0; i < p->demands[t].noptions; i++)
        if (run->choice_of[t][i] == d->best)
            opts[dem[t].noptions++] = p->demands[t].options[i];
    q = *p;
    q.demands = dem;
    q.quick = true;
    gpv_pack_result_init(&alt);
    if (gpv_pack(&alt, &q, NULL)) {
        why = xstrdup("chosen for the whole plan (cost, then GPUs)");
    } else {
        long long lost = replicas_placed(r, p->ndemands) - replicas_placed(&alt, p->ndemands);
        long long mem = memory_provisioned(p, r), mem_alt = memory_provisioned(&q, &alt);

        if (lost > 0)
            why = xasprintf("with its first choice, %lld more replica%s would be left out", lost,
                            lost == 1 ? "" : "s");
        else if (r->cost >= 0 && alt.cost > r->cost + 1e-9)
            why = xasprintf("it saves %.2f per hour over its first choice", alt.cost - r->cost);
        else if (mem >= 0 && mem_alt > mem)
            why = xasprintf("it provisions %lld GiB less GPU memory than its first choice "
                            "(no fleet or costs: the smallest adequate boards)",
                            (mem_alt - mem + 1023) / 1024);
        else if (alt.gpus_used > r->gpus_used)
            why = xasprintf("it saves %d GPU%s over its first choice", alt.gpus_used - r->gpus_used,
                            alt.gpus_used - r->gpus_used == 1 ? "" : "s");
        else
            why = xstrdup("the packer settled there; its first choice plans no better");
    }
    gpv_pack_result_release(&alt);
    free(opts);
    free(dem);
    return why;
}

/* The decision choice behind tenant t's first part, or -1 when it is not placed. */
static int
placed_choice(const struct gpv_plan_run *run, size_t t)
{
    int o = run->result.choice[t];

    return o < 0 ? -1 : run->choice_of[t][o];
}

/*
 * Identical tenants (one decision) placed on different choices: the moved one's note names an
 * identical tenant placed otherwise, so the plan says that capacity (or the objective) treated
 * them differently. rep[2k], rep[2k + 1]: the first placed tenants of decision k on two
 * different choices (-1: none yet).
 */
static void
note_unequal_twins(struct gpv_plan_run *run, const struct gpv_tenants *file)
{
    size_t n = run->problem.ndemands, t, k;
    long *rep = xcalloc(2 * run->ndecisions + 1, sizeof(long));

    for (k = 0; k < 2 * run->ndecisions; k++)
        rep[k] = -1;
    for (t = 0; t < n; t++) {
        int c = placed_choice(run, t);

        k = (size_t)(run->of[t] - run->decisions);
        if (c < 0)
            continue;
        if (rep[2 * k] < 0)
            rep[2 * k] = (long)t;
        else if (rep[2 * k + 1] < 0 && placed_choice(run, (size_t)rep[2 * k]) != c)
            rep[2 * k + 1] = (long)t;
    }
    for (t = 0; t < n; t++) {
        const struct gpv_choice *other;
        long u;
        char *line;
        const char *prof;
        int c = placed_choice(run, t);

        if (!run->moved[t])
            continue;
        k = (size_t)(run->of[t] - run->decisions);
        u = rep[2 * k] >= 0 && placed_choice(run, (size_t)rep[2 * k]) != c ? rep[2 * k]
                                                                           : rep[2 * k + 1];
        if (u < 0 || placed_choice(run, (size_t)u) == c)
            continue;
        other = &run->of[t]->choices[placed_choice(run, (size_t)u)];
        prof = gpv_choice_profile(other);
        line = xasprintf("%s; identical tenant '%s' has %s%s%s on %s", run->moved[t],
                         file->tenants[u].name, gpv_method_name(other->method), prof ? " " : "",
                         prof ? prof : "", other->gpu->id);
        free(run->moved[t]);
        run->moved[t] = line;
    }
    free(rep);
}

/* The index in seen[0 .. nseen) of a tenant moved like t (same decision, same choice), or nseen. */
static size_t
moved_alike(const struct gpv_plan_run *run, const size_t *seen, size_t nseen, size_t t)
{
    size_t u;

    for (u = 0; u < nseen; u++)
        if (run->of[seen[u]] == run->of[t] && placed_choice(run, seen[u]) == placed_choice(run, t))
            break;
    return u;
}

/*
 * run->moved: for each placed tenant whose first part is not its decision's first choice, why.
 * On plans small enough for a reason to take a re-pack (PLAN_REPRICE_MAX), tenants of one
 * decision moved to one choice are interchangeable (their demands are equal), so the first
 * one's reason is theirs too: one re-pack per decision and choice, not per tenant.
 */
static void
explain_moves(struct gpv_plan_run *run, const struct gpv_tenants *file)
{
    const struct gpv_pack_result *r = &run->result;
    size_t n = run->problem.ndemands, t, u, nseen = 0;
    size_t seen[PLAN_REPRICE_MAX]; /* moved tenants with a reason of their own */

    run->moved = xcalloc(n + 1, sizeof(char *));
    for (t = 0; t < n; t++) {
        int o = r->choice[t];

        if (o < 0 || run->of[t]->best < 0 || run->choice_of[t][o] == run->of[t]->best)
            continue;
        if (n > PLAN_REPRICE_MAX) {
            run->moved[t] = why_moved(run, t);
            continue;
        }
        u = moved_alike(run, seen, nseen, t);
        if (u < nseen) {
            run->moved[t] = xstrdup(run->moved[seen[u]]);
        } else {
            run->moved[t] = why_moved(run, t);
            seen[nseen++] = t;
        }
    }
    note_unequal_twins(run, file);
}

int
gpv_plan_run(struct gpv_plan_run *out, const struct gpv_plan_job *job, struct gpv_error *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    gpv_pack_result_init(&out->result);
    if ((rc = decide_all(out, job, err)))
        goto fail;
    build_models(out, job);
    build_problem(out, job);
    if ((rc = gpv_pack(&out->result, &out->problem, err)))
        goto fail;
    gpv_site_assign(&out->site, job->file, &out->problem, &out->result);
    explain_moves(out, job->file);
    return 0;
fail:
    gpv_plan_run_release(out);
    return rc;
}

void
gpv_plan_run_release(struct gpv_plan_run *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; r->decisions && i < r->ndecisions; i++)
        gpv_decision_release(&r->decisions[i]);
    free(r->decisions);
    free(r->of);
    free(r->models);
    free(r->demands);
    free(r->options);
    free(r->choice_of);
    free(r->choice_buf);
    for (i = 0; r->moved && i < r->problem.ndemands; i++)
        free(r->moved[i]);
    free(r->moved);
    gpv_pack_result_release(&r->result);
    gpv_site_release(&r->site);
    memset(r, 0, sizeof(*r));
}
