/*
 * The model mix on priced mixed fleets (issue 11 §8): generated small instances on H100-80GB,
 * A100-80GB and L40S with costs and limits, each solved by an exhaustive search over every way
 * to split every demand's replicas among its options (and left out); the packer must reach the
 * same (replicas left out, cost), keep to the fleet, and claim optimal only when it is.
 */
#include "gpuvplan/db.h"
#include "gpuvplan/pack.h"
#include "gpuvplan/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NMODELS 3
#define MAXD    3
#define MAXO    3

struct inst {
    struct gpv_pack_model models[NMODELS];
    struct gpv_pack_demand demands[MAXD];
    struct gpv_pack_option options[MAXD][MAXO];
    struct gpv_pack_problem p;
};

static unsigned long rng;

static int
rnd(int n)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return (int)((rng >> 33) % (unsigned long)n);
}

static void
opt_mig(struct gpv_pack_option *o, int model, const struct gpv_gpu *g, const char *profile)
{
    memset(o, 0, sizeof(*o));
    o->model = model;
    o->kind = GPV_PACK_MIG;
    o->profile = prof(g, profile);
    o->vgpu_type = -1;
}

static void
opt_vgpu(struct gpv_pack_option *o, int model, const struct gpv_gpu *g, const char *type)
{
    memset(o, 0, sizeof(*o));
    o->model = model;
    o->kind = GPV_PACK_VGPU;
    o->profile = -1;
    o->vgpu_type = vtype(g, type);
}

static void
opt_share(struct gpv_pack_option *o, int model, enum gpv_pack_kind kind)
{
    memset(o, 0, sizeof(*o));
    o->model = model;
    o->kind = kind;
    o->profile = o->vgpu_type = -1;
    o->gpus = 1;
}

static void
opt_whole(struct gpv_pack_option *o, int model)
{
    memset(o, 0, sizeof(*o));
    o->model = model;
    o->kind = GPV_PACK_WHOLE;
    o->profile = o->vgpu_type = -1;
    o->gpus = 1;
}

/* A random instance: models 0 H100-80GB, 1 A100-80GB, 2 L40S, each with a limit and a cost;
 * 1 to 3 demands of a size class, each with 1 to 3 of that class's options. With `share`, the
 * fourth kind of option is a GPU the device plugin shares (time-slicing on the L40S or the
 * H100, or MPS on the H100) instead of a whole H100, every demand's clients of one memory size
 * and no compute share (so that one model's shared pool alone is packed exactly). With
 * `clients`, a MIG option most often time-slices its instances (2 to 5 replicas each), and
 * 1 or 2 demands have up to 8 replicas each. */
static void
gen(struct inst *in, unsigned long seed, bool share, bool clients)
{
    static const long long share_mib[] = {4769, 9537, 15259, 24576};
    static const char *mig_small[] = {"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb"};
    static const char *vgpu_of[] = {"L40S-12C", "L40S-24C", "L40S-24C", "L40S-48C", "L40S-48C"};
    const struct gpv_gpu *gs[NMODELS] = {gpu("h100-80gb"), gpu("a100-80gb"), gpu("l40s")};
    int m, d;
    long long mib;

    memset(in, 0, sizeof(*in));
    rng = seed * 2654435761UL + 12345;
    for (m = 0; m < NMODELS; m++) {
        in->models[m].gpu = gs[m];
        in->models[m].limit = rnd(4);
        in->models[m].cost = (m == 0 ? 40 + rnd(30) : m == 1 ? 25 + rnd(20) : 8 + rnd(12)) / 10.0;
    }
    in->p.nmodels = NMODELS;
    in->p.models = in->models;
    in->p.demands = in->demands;
    in->p.ndemands = (size_t)(1 + rnd(MAXD));
    if (clients && in->p.ndemands > 2)
        in->p.ndemands = 2; /* the exhaustive search stays quick with more replicas */
    mib = share_mib[rnd(4)];
    for (d = 0; d < (int)in->p.ndemands; d++) {
        struct gpv_pack_demand *dm = &in->demands[d];
        int size = rnd(6), k, n = 0;
        int want = 1 + rnd(MAXO);
        int order[4] = {0, 1, 2, 3};

        dm->replicas = 1 + rnd(4);
        if (clients)
            dm->replicas += rnd(5);
        dm->options = in->options[d];
        /* A guaranteed share on time-sliced vGPU lowers the per-GPU limit (fixed share). */
        dm->compute = rnd(3) == 0 ? 0.25 * (1 + rnd(2)) : 0.0;
        if (share) {
            dm->compute = 0.0;
            dm->memory_mib = mib;
        }
        /* Options: MIG on H100, MIG on A100, L40S (vGPU or whole), whole H100: a random few. */
        for (k = 3; k > 0; k--) {
            int j = rnd(k + 1), t = order[k];

            order[k] = order[j];
            order[j] = t;
        }
        for (k = 0; k < 4 && n < want; k++) {
            struct gpv_pack_option *o = &in->options[d][n];

            switch (order[k]) {
            case 0:
                if (size == 5)
                    opt_whole(o, 0);
                else
                    opt_mig(o, 0, gs[0], mig_small[size]);
                break;
            case 1:
                if (size == 5)
                    opt_mig(o, 1, gs[1], "7g.80gb");
                else
                    opt_mig(o, 1, gs[1], mig_small[size == 0 ? 0 : size]);
                break;
            case 2:
                if (size == 5 || rnd(3) == 0)
                    opt_whole(o, 2);
                else
                    opt_vgpu(o, 2, gs[2], vgpu_of[size]);
                break;
            default:
                if (!share)
                    opt_whole(o, 0);
                else if (rnd(3) == 0)
                    opt_share(o, 0, GPV_PACK_MPS);
                else
                    opt_share(o, rnd(2) ? 2 : 0, GPV_PACK_TIME_SLICING);
                break;
            }
            if (clients && o->kind == GPV_PACK_MIG && rnd(3))
                o->clients = 2 + rnd(4);
            o->rank = n;
            n++;
        }
        dm->noptions = (size_t)n;
    }
}

/* ---- exhaustive search ------------------------------------------------------------------- */

struct memo {
    char key[256];
    int gpus;
};

static struct memo *memo;
static size_t nmemo, capmemo;

/* The fewest GPUs of model m for the pieces (demand, option, replicas) on it: the packer on one
 * model alone, which is exact there (asserted through optimal_choices). */
static int
model_gpus(const struct inst *in, int m, const int (*take)[MAXO])
{
    struct gpv_pack_model one = in->models[m];
    struct gpv_pack_demand dem[MAXD * MAXO];
    struct gpv_pack_option opt[MAXD * MAXO];
    struct gpv_pack_problem q;
    struct gpv_pack_result r;
    struct gpv_error err;
    char key[256];
    size_t n = 0, i, len = 0;
    int d, o, gpus;

    key[0] = '\0';
    for (d = 0; d < (int)in->p.ndemands; d++)
        for (o = 0; o < (int)in->demands[d].noptions; o++) {
            const struct gpv_pack_option *op = &in->options[d][o];

            if (op->model != m || !take[d][o])
                continue;
            len += (size_t)snprintf(key + len, sizeof(key) - len, "%d/%d/%d/%d/%d/%.2f/%lld/%d;",
                                    op->kind, op->profile, op->vgpu_type, op->gpus, op->clients,
                                    in->demands[d].compute, in->demands[d].memory_mib, take[d][o]);
            opt[n] = *op;
            opt[n].model = 0;
            memset(&dem[n], 0, sizeof(dem[n]));
            dem[n].replicas = take[d][o];
            dem[n].compute = in->demands[d].compute;
            dem[n].memory_mib = in->demands[d].memory_mib;
            dem[n].noptions = 1;
            dem[n].options = &opt[n];
            n++;
        }
    if (!n)
        return 0;
    for (i = 0; i < nmemo; i++)
        if (!strcmp(memo[i].key, key))
            return memo[i].gpus;
    one.limit = -1;
    memset(&q, 0, sizeof(q));
    q.nmodels = 1;
    q.models = &one;
    q.ndemands = n;
    q.demands = dem;
    gpv_pack_result_init(&r);
    assert_int_equal(gpv_pack(&r, &q, &err), 0);
    assert_true(r.optimal_choices);
    gpus = r.gpus_used;
    gpv_pack_result_release(&r);
    if (nmemo == capmemo) {
        capmemo = capmemo ? 2 * capmemo : 256;
        memo = xreallocarray(memo, capmemo, sizeof(*memo));
    }
    memcpy(memo[nmemo].key, key, sizeof(key));
    memo[nmemo++].gpus = gpus;
    return gpus;
}

struct best {
    long unplaced;
    double cost;
};

static void
search(const struct inst *in, int d, int o, int left, int (*take)[MAXO], long unplaced,
       struct best *b)
{
    const struct gpv_pack_demand *dm;
    int k;

    if (d == (int)in->p.ndemands) {
        double cost = 0.0;
        int m;

        for (m = 0; m < NMODELS; m++) {
            int g = model_gpus(in, m, (const int(*)[MAXO])take);

            if (g > in->models[m].limit)
                return;
            cost += g * in->models[m].cost;
        }
        if (unplaced < b->unplaced || (unplaced == b->unplaced && cost < b->cost - 1e-9)) {
            b->unplaced = unplaced;
            b->cost = cost;
        }
        return;
    }
    dm = &in->demands[d];
    if (o == (int)dm->noptions) {
        /* What is left of the demand is left out. */
        search(in, d + 1, 0, d + 1 < (int)in->p.ndemands ? in->demands[d + 1].replicas : 0, take,
               unplaced + left, b);
        return;
    }
    for (k = 0; k <= left; k++) {
        take[d][o] = k;
        search(in, d, o + 1, left - k, take, unplaced, b);
    }
    take[d][o] = 0;
}

static void
exhaustive(const struct inst *in, struct best *b)
{
    int take[MAXD][MAXO];

    memset(take, 0, sizeof(take));
    nmemo = 0;
    b->unplaced = 1L << 30;
    b->cost = 0.0;
    search(in, 0, 0, in->demands[0].replicas, take, 0, b);
}

/* ---- the tests --------------------------------------------------------------------------- */

/* The plan is laid out as the result promises: GPUs by model, then mode, each GPU's instances
 * after the last's; each model's count and bound agree with its GPUs; check_clients() counts the
 * replicas. The mix splices re-packed pools into the plan in hand
 * (pack_mix_plan.c); a slip there breaks one of these. */
static void
check_layout(const struct inst *in, const struct gpv_pack_result *r)
{
    int count[NMODELS] = {0};
    size_t g, i, next = 0;

    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_pack_gpu *pg = &r->gpus[g];

        assert_true(pg->model >= 0 && pg->model < NMODELS);
        if (g > 0)
            assert_true(pg->model > r->gpus[g - 1].model ||
                        (pg->model == r->gpus[g - 1].model && pg->kind >= r->gpus[g - 1].kind));
        assert_int_equal(pg->first, next);
        assert_true(pg->ninsts > 0);
        next += pg->ninsts;
        count[pg->model]++;
        for (i = pg->first; i < pg->first + pg->ninsts; i++) {
            const struct gpv_pack_inst *x = &r->insts[i];
            const struct gpv_pack_option *o;

            assert_true(x->demand >= 0 && (size_t)x->demand < in->p.ndemands);
            assert_true(x->replica >= 0 && x->replica < in->demands[x->demand].replicas);
            assert_true(x->option >= 0 && (size_t)x->option < in->demands[x->demand].noptions);
            o = &in->demands[x->demand].options[x->option];
            assert_int_equal(o->model, pg->model);
            assert_int_equal(o->kind, pg->kind);
        }
    }
    assert_int_equal(next, r->ninsts);
    for (g = 0; g < NMODELS; g++) {
        assert_int_equal(r->models[g].gpus, count[g]);
        assert_true(r->models[g].lower_bound <= r->models[g].gpus);
    }
}

/* Every replica of every demand placed once: an instance of an option with clients holds up
 * to that many consecutive replicas, a bare instance one; placed[] counts them. */
static void
check_clients(const struct inst *in, const struct gpv_pack_result *r)
{
    int seen[MAXD][16];
    size_t i;
    int d, k;

    memset(seen, 0, sizeof(seen));
    for (i = 0; i < r->ninsts; i++) {
        const struct gpv_pack_inst *x = &r->insts[i];
        const struct gpv_pack_option *o = &in->options[x->demand][x->option];
        int n = x->clients > 0 ? x->clients : 1;

        if (x->part)
            continue;
        assert_int_equal(x->clients > 0, o->clients > 1);
        if (x->clients > 0) {
            assert_true(x->clients <= o->clients);
            assert_int_equal(x->ts_replicas, o->clients);
        }
        for (k = 0; k < n; k++) {
            assert_true(x->replica + k < in->demands[x->demand].replicas);
            assert_int_equal(seen[x->demand][x->replica + k]++, 0);
        }
    }
    for (d = 0; d < (int)in->p.ndemands; d++) {
        int placed = 0;

        for (k = 0; k < in->demands[d].replicas; k++)
            placed += seen[d][k];
        assert_int_equal(placed, r->placed[d]);
    }
}

/* Packs 200 generated sites and compares each with the exhaustive optimum; *proven and
 * *at_bound count the plans proven optimal and the cost bounds at the optimum, *shared the
 * plans with a GPU the device plugin shares. */
static void
compare_200(bool share, bool clients, int *proven, int *at_bound, int *shared)
{
    int seed, fails = 0;

    *proven = *at_bound = *shared = 0;
    for (seed = 1; seed <= 200; seed++) {
        struct inst in;
        struct best b;
        struct gpv_pack_result r;
        struct gpv_error err;
        long unplaced = 0;
        size_t d, m;

        gen(&in, (unsigned long)seed, share, clients);
        exhaustive(&in, &b);
        gpv_pack_result_init(&r);
        assert_int_equal(gpv_pack(&r, &in.p, &err), 0);
        for (d = 0; d < in.p.ndemands; d++)
            unplaced += in.demands[d].replicas - r.placed[d];
        for (m = 0; m < NMODELS; m++)
            assert_true(r.models[m].gpus <= in.models[m].limit);
        check_layout(&in, &r);
        if (unplaced != b.unplaced || fabs((r.ngpus ? r.cost : 0.0) - b.cost) > 1e-6) {
            print_error("seed %d: packer (%ld left out, cost %.2f), optimum (%ld, %.2f)\n", seed,
                        unplaced, r.ngpus ? r.cost : 0.0, b.unplaced, b.cost);
            fails++;
        }
        /* Honest bounds: the cost bound never above the optimum, and a plan that claims
         * optimal is at it. */
        assert_true(r.cost_lower_bound <= b.cost + 1e-6);
        if (r.optimal)
            assert_true(unplaced == b.unplaced && fabs(r.cost - b.cost) <= 1e-6);
        *proven += r.optimal;
        for (m = 0; m < r.ngpus; m++)
            if (r.gpus[m].kind == GPV_PACK_TIME_SLICING || r.gpus[m].kind == GPV_PACK_MPS) {
                (*shared)++;
                break;
            }
        for (m = 0; clients && m < r.ninsts; m++)
            if (r.insts[m].clients > 0) {
                (*shared)++;
                break;
            }
        check_clients(&in, &r);
        *at_bound += r.cost_lower_bound >= b.cost - 1e-6;
        gpv_pack_result_release(&r);
    }
    assert_int_equal(fails, 0);
    free(memo);
    memo = NULL;
    capmemo = nmemo = 0;
}

static void
test_pack_mix_equals_exhaustive_optimum_on_200_priced_mixed_sites(void **state)
{
    int proven, at_bound, shared;

    (void)state;
    compare_200(false, false, &proven, &at_bound, &shared);
    /* The exact search closes on instances this small: every plan is proven, its cost bound
     * the optimum itself. */
    assert_int_equal(proven, 200);
    assert_int_equal(at_bound, 200);
}

static void
test_pack_mix_with_shared_gpus_equals_exhaustive_optimum_on_200_priced_sites(void **state)
{
    int proven, at_bound, shared;

    (void)state;
    /* Shared pools enter the program as a relaxation (the engine's fill of a shared GPU is not
     * proven the best), so a plan is proven only by meeting the relaxation's bound: on sites
     * this small (one memory size of clients a site) it always does. */
    compare_200(true, false, &proven, &at_bound, &shared);
    assert_int_equal(proven, 200);
    assert_int_equal(at_bound, 200);
    /* The sites do share GPUs: the test is not the first one again. */
    print_message("shared GPUs in %d of 200 plans\n", shared);
    assert_true(shared >= 50);
}

static void
test_pack_mix_with_time_sliced_mig_instances_equals_exhaustive_optimum_on_200_sites(void **state)
{
    int proven, at_bound, ts;

    (void)state;
    /* A MIG option whose instances serve k replicas enters the program with a whole count of
     * instances per class, bound to its replicas by the most each count holds (a tenant's last
     * instance holds its replicas mod k): the program is the packing problem again, so every
     * plan is proven, at the optimum: fewest left out, then the lowest cost, a demand's
     * replicas split over time-sliced instances and its other options. With 1 / k of a slot a
     * replica (the relaxation before), 199 of 200 were proven. */
    compare_200(false, true, &proven, &at_bound, &ts);
    print_message("time-sliced MIG instances in %d of 200 plans, %d proven, %d at the bound\n", ts,
                  proven, at_bound);
    assert_true(ts >= 50);
    assert_int_equal(proven, 200);
    assert_int_equal(at_bound, 200);
}

/* A site above PACK_MIX_BB_MAX_GPUS (no branching for a plan there): 1001 VMs only an L40S
 * vGPU of a quarter GPU fits (251 GPUs, the LP says 250.25) and 3000 that fit a 1g.10gb on the
 * H100 (7 a GPU) or a whole L40S. The plan is 251 + 429 = 680; the LP bound is 679 (678.82).
 * The L40S type's cut gives 679.57, still 680 only once rounded; the bound-only search then
 * settles the root on the H100 MIG pool's sum (428.57: 429 is the plan, 428 puts 4 VMs on
 * whole L40S, 683), so the plan is proven at its bound. */
static void
test_pack_mix_proves_a_large_site_at_its_bound_through_whole_pool_sums(void **state)
{
    const struct gpv_gpu *h100 = gpu("h100-80gb"), *l40s = gpu("l40s");
    struct gpv_pack_model models[2];
    struct gpv_pack_demand dem[2];
    struct gpv_pack_option o0[1], o1[2];
    struct gpv_pack_problem p;
    struct gpv_pack_result r;
    struct gpv_error err;

    (void)state;
    memset(models, 0, sizeof(models));
    memset(dem, 0, sizeof(dem));
    memset(&p, 0, sizeof(p));
    models[0].gpu = h100;
    models[1].gpu = l40s;
    models[0].limit = models[1].limit = -1;
    models[0].cost = models[1].cost = -1.0;
    opt_vgpu(&o0[0], 1, l40s, "L40S-12C");
    opt_mig(&o1[0], 0, h100, "1g.10gb");
    opt_whole(&o1[1], 1);
    o1[1].rank = 1;
    dem[0].replicas = 1001;
    dem[0].options = o0;
    dem[0].noptions = 1;
    dem[1].replicas = 3000;
    dem[1].options = o1;
    dem[1].noptions = 2;
    p.nmodels = 2;
    p.models = models;
    p.ndemands = 2;
    p.demands = dem;
    gpv_pack_result_init(&r);
    assert_int_equal(gpv_pack(&r, &p, &err), 0);
    assert_int_equal(r.placed[0] + r.placed[1], 4001);
    assert_int_equal(r.models[1].gpus, 251);
    assert_int_equal(r.models[0].gpus, 429);
    assert_int_equal(r.gpus_used, 680);
    assert_int_equal(r.lower_bound_any, 680);
    assert_true(r.optimal);
    gpv_pack_result_release(&r);
}

/* Packs nmig tenants of 8 replicas that only MIG on one H100 or one A100 serves (54 kinds of
 * them: more than the 48 classes the model mix takes, so it does not run), then a tenant of 20
 * replicas of whole L40S GPUs, 10 in the fleet. */
static void
pack_mig_then_l40s(struct gpv_pack_result *r, int nmig)
{
    static const char *const profs[] = {"1g.10gb", "1g.20gb", "2g.20gb",
                                        "3g.40gb", "4g.40gb", "7g.80gb"};
    const struct gpv_gpu *h100 = gpu("h100-80gb"), *a100 = gpu("a100-80gb"), *l40s = gpu("l40s");
    struct gpv_pack_model models[3];
    struct gpv_pack_demand *dem = xcalloc((size_t)nmig + 1, sizeof(*dem));
    struct gpv_pack_option(*opts)[2] = xcalloc((size_t)nmig + 1, sizeof(*opts));
    struct gpv_pack_problem p;
    struct gpv_error err;
    int d, i;

    memset(models, 0, sizeof(models));
    memset(&p, 0, sizeof(p));
    models[0].gpu = h100;
    models[1].gpu = a100;
    models[2].gpu = l40s;
    models[0].limit = models[1].limit = 1;
    models[2].limit = 10;
    models[0].cost = models[1].cost = models[2].cost = -1.0;
    for (d = 0; d < nmig; d++) {
        int n = 0, k = d % 54;

        if (k < 36) {
            opt_mig(&opts[d][n++], 0, h100, profs[k / 6]);
            opt_mig(&opts[d][n++], 1, a100, profs[k % 6]);
        } else if (k < 42) {
            opt_mig(&opts[d][n++], 0, h100, profs[k - 36]);
        } else if (k < 48) {
            opt_mig(&opts[d][n++], 1, a100, profs[k - 42]);
        } else {
            opt_whole(&opts[d][n++], 0);
            opt_mig(&opts[d][n++], 1, a100, profs[k - 48]);
        }
        for (i = 0; i < n; i++)
            opts[d][i].rank = i;
        dem[d].replicas = 8; /* more than one GPU of either holds */
        dem[d].options = opts[d];
        dem[d].noptions = (size_t)n;
    }
    opt_whole(&opts[nmig][0], 2);
    dem[nmig].replicas = 20;
    dem[nmig].options = opts[nmig];
    dem[nmig].noptions = 1;
    p.nmodels = 3;
    p.models = models;
    p.ndemands = (size_t)nmig + 1;
    p.demands = dem;
    gpv_pack_result_init(r);
    assert_int_equal(gpv_pack(r, &p, &err), 0);
    free(dem);
    free(opts);
}

/* The unplaced entry of demand d, NULL when all its replicas are placed. */
static const struct gpv_pack_unplaced *
unplaced_of(const struct gpv_pack_result *r, int d)
{
    size_t k;

    for (k = 0; k < r->nunplaced; k++)
        if (r->unplaced[k].demand == d)
            return &r->unplaced[k];
    return NULL;
}

/* Every "exhausted" reason is about a model with all its GPUs in use. */
static void
assert_exhausted_is_full(const struct gpv_pack_result *r)
{
    size_t k, i;

    for (k = 0; k < r->nunplaced; k++)
        for (i = 0; i < r->unplaced[k].nreasons; i++) {
            const struct gpv_pack_reason *w = &r->unplaced[k].whys[i];

            if (w->why == GPV_PACK_WHY_EXHAUSTED)
                assert_int_equal(w->in_use, w->limit);
        }
}

/* Free GPUs are not left idle behind tenants that cannot use them: after the 64 tenants
 * placed one by one fill the H100 and the A100, the L40S tenant (the 65th left out) is still
 * tried, as its model had free GPUs: 10 of its replicas are placed, and the other 10 are left
 * out because all 10 L40S are in use. */
static void
test_pack_tries_a_tenant_past_the_first_64_when_its_model_has_free_gpus(void **state)
{
    struct gpv_pack_result r;
    const struct gpv_pack_unplaced *u;

    (void)state;
    pack_mig_then_l40s(&r, 64);
    assert_int_equal(r.placed[64], 10);
    assert_int_equal(r.models[2].gpus, 10);
    u = unplaced_of(&r, 64);
    assert_non_null(u);
    assert_int_equal(u->replicas, 10);
    assert_int_equal(u->whys[0].why, GPV_PACK_WHY_EXHAUSTED);
    assert_non_null(strstr(u->reasons[0], "l40s: fleet exhausted: 10 of 10 GPUs in use"));
    assert_exhausted_is_full(&r);
    gpv_pack_result_release(&r);
}

/* The tries past the first 64 skip tenants whose models a try found full: with 128 MIG-only
 * tenants before it (64 more than are tried one by one), the L40S tenant still takes the 10
 * free L40S, and no reason says exhausted of a model with GPUs free. */
static void
test_pack_skips_tenants_on_full_models_to_reach_free_gpus(void **state)
{
    struct gpv_pack_result r;
    const struct gpv_pack_unplaced *u;
    size_t k, i;

    (void)state;
    pack_mig_then_l40s(&r, 128);
    assert_int_equal(r.placed[128], 10);
    assert_int_equal(r.models[2].gpus, 10);
    u = unplaced_of(&r, 128);
    assert_non_null(u);
    assert_int_equal(u->whys[0].why, GPV_PACK_WHY_EXHAUSTED);
    assert_exhausted_is_full(&r);
    for (k = 0; k < r.nunplaced; k++)
        for (i = 0; i < r.unplaced[k].nreasons; i++)
            assert_int_not_equal(r.unplaced[k].whys[i].why, GPV_PACK_WHY_UNREACHED);
    gpv_pack_result_release(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_mix_equals_exhaustive_optimum_on_200_priced_mixed_sites),
        cmocka_unit_test(
            test_pack_mix_with_shared_gpus_equals_exhaustive_optimum_on_200_priced_sites),
        cmocka_unit_test(
            test_pack_mix_with_time_sliced_mig_instances_equals_exhaustive_optimum_on_200_sites),
        cmocka_unit_test(test_pack_mix_proves_a_large_site_at_its_bound_through_whole_pool_sums),
        cmocka_unit_test(test_pack_tries_a_tenant_past_the_first_64_when_its_model_has_free_gpus),
        cmocka_unit_test(test_pack_skips_tenants_on_full_models_to_reach_free_gpus),
    };

    return cmocka_run_group_tests_name("pack_mix", tests, setup, teardown);
}
