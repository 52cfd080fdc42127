#include "gpuvplan/db.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/pack.h"
#include "gpuvplan/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db_fixture.h"

#include <stdlib.h>
#include <string.h>

/* A small problem builder: demands with one option each on model entries. */
struct prob {
    struct gpv_pack_model models[4];
    struct gpv_pack_demand demands[64];
    struct gpv_pack_option options[64][4];
    struct gpv_pack_problem p;
};

static void
prob_init(struct prob *b, const struct gpv_gpu *g, int limit)
{
    memset(b, 0, sizeof(*b));
    b->models[0].gpu = g;
    b->models[0].limit = limit;
    b->models[0].cost = -1.0;
    b->p.nmodels = 1;
    b->p.models = b->models;
    b->p.demands = b->demands;
}

static struct gpv_pack_option *
add_demand(struct prob *b, int replicas, bool spread)
{
    size_t d = b->p.ndemands++;

    b->demands[d].replicas = replicas;
    b->demands[d].spread = spread;
    b->demands[d].options = b->options[d];
    return b->options[d];
}

static void
add_option(struct prob *b, size_t d, int model, enum gpv_pack_kind kind, int profile, int type,
           int gpus)
{
    struct gpv_pack_option *o = &b->options[d][b->demands[d].noptions++];

    o->model = model;
    o->kind = kind;
    o->profile = profile;
    o->vgpu_type = type;
    o->gpus = gpus;
    o->rank = (int)b->demands[d].noptions - 1;
}

static void
add_mig(struct prob *b, int profile, int replicas, bool spread)
{
    add_demand(b, replicas, spread);
    add_option(b, b->p.ndemands - 1, 0, GPV_PACK_MIG, profile, -1, 0);
}

static void
pack_ok(struct gpv_pack_result *r, const struct prob *b)
{
    struct gpv_error err;

    assert_int_equal(gpv_pack(r, &b->p, &err), 0);
}

/* Every MIG GPU of r holds a layout the MIG engine accepts. */
static void
assert_layouts_valid(const struct gpv_pack_result *r, const struct gpv_pack_problem *p)
{
    size_t g, i;

    for (g = 0; g < r->ngpus; g++) {
        struct gpv_mig_layout l;

        if (r->gpus[g].kind != GPV_PACK_MIG && r->gpus[g].kind != GPV_PACK_MIG_VGPU)
            continue;
        memset(&l, 0, sizeof(l));
        for (i = 0; i < r->gpus[g].ninsts; i++) {
            l.inst[l.n].profile = r->insts[r->gpus[g].first + i].profile;
            l.inst[l.n].start = r->insts[r->gpus[g].first + i].start;
            l.n++;
        }
        assert_int_equal(gpv_mig_check_layout(NULL, 0, p->models[r->gpus[g].model].gpu, &l, 0), 0);
    }
}

/* Every replica of every placed demand appears exactly once. */
static void
assert_all_replicas_once(const struct gpv_pack_result *r, const struct gpv_pack_problem *p)
{
    size_t d, i;

    for (d = 0; d < p->ndemands; d++) {
        int want = r->choice[d] < 0 ? 0 : p->demands[d].replicas;
        int *seen = calloc((size_t)p->demands[d].replicas, sizeof(int)), k, got = 0;

        if (r->choice[d] >= 0 && p->demands[d].options[r->choice[d]].kind == GPV_PACK_WHOLE)
            want *= p->demands[d].options[r->choice[d]].gpus;
        for (i = 0; i < r->ninsts; i++) {
            if (r->insts[i].demand != (int)d)
                continue;
            got++;
            seen[r->insts[i].replica]++;
        }
        assert_int_equal(got, want);
        for (k = 0; k < p->demands[d].replicas && r->choice[d] >= 0; k++)
            assert_true(seen[k] >= 1);
        free(seen);
    }
}

static void
test_pack_puts_four_guaranteed_20gb_tenants_on_one_h100_as_four_1g_20gb(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;
    int i, p20 = prof(h, "1g.20gb");

    (void)state;
    prob_init(&b, h, -1);
    for (i = 0; i < 4; i++)
        add_mig(&b, p20, 1, false);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 1);
    assert_int_equal(r.lower_bound, 1);
    assert_true(r.optimal);
    assert_int_equal(r.ninsts, 4);
    for (i = 0; i < 4; i++) {
        assert_int_equal(r.insts[i].profile, p20);
        assert_int_equal(r.insts[i].start, 2 * i);
        assert_false(r.insts[i].upgraded);
    }
    assert_layouts_valid(&r, &b.p);
    gpv_pack_result_release(&r);
}

static void
test_pack_never_puts_four_2g_20gb_on_one_h100(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, -1);
    add_mig(&b, prof(h, "2g.20gb"), 4, false);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 2);
    assert_int_equal(r.lower_bound, 2);
    assert_layouts_valid(&r, &b.p);
    assert_all_replicas_once(&r, &b.p);
    gpv_pack_result_release(&r);
}

/* ---- an exhaustive search, independent of the packer ------------------------------------ */

struct maximal {
    int nprof;
    int n;
    int counts[4096][GPV_MIG_MAX_PROFILES];
};

static int
collect(void *ctx, const int *counts, const struct gpv_mig_layout *w, bool maximal)
{
    struct maximal *m = ctx;

    (void)w;
    if (maximal && m->n < 4096)
        memcpy(m->counts[m->n++], counts, (size_t)m->nprof * sizeof(int));
    return 0;
}

/* Can residual r (per profile) be covered by at most k GPUs, each a maximal multiset? */
static bool
coverable(const struct maximal *m, const int *r, int k)
{
    int q, i, first = -1;
    int next[GPV_MIG_MAX_PROFILES];

    for (q = 0; q < m->nprof; q++)
        if (r[q] > 0) {
            first = q;
            break;
        }
    if (first < 0)
        return true;
    if (k == 0)
        return false;
    for (i = 0; i < m->n; i++) {
        if (!m->counts[i][first])
            continue;
        for (q = 0; q < m->nprof; q++)
            next[q] = r[q] > m->counts[i][q] ? r[q] - m->counts[i][q] : 0;
        if (coverable(m, next, k - 1))
            return true;
    }
    return false;
}

static int
exhaustive_min(const struct gpv_gpu *g, const int *counts)
{
    static struct maximal m;
    int k;

    memset(&m, 0, sizeof(m));
    m.nprof = (int)g->mig->nprofiles;
    gpv_mig_enumerate(g, 0, collect, &m);
    for (k = 0;; k++)
        if (coverable(&m, counts, k))
            return k;
}

static void
test_pack_is_optimal_on_small_cases_checked_by_exhaustive_search(void **state)
{
    static const char *const models[] = {"h100-80gb", "a100-40gb", "a30", "rtx-pro-6000"};
    unsigned seed = 12345;
    size_t mi;
    int round;

    (void)state;
    for (mi = 0; mi < sizeof(models) / sizeof(models[0]); mi++) {
        const struct gpv_gpu *g = gpu(models[mi]);
        int np = (int)g->mig->nprofiles;

        for (round = 0; round < 25; round++) {
            int counts[GPV_MIG_MAX_PROFILES] = {0}, q, total = 0, best;
            struct gpv_pack_result r;
            struct prob b;

            prob_init(&b, g, -1);
            b.p.no_upgrades = true;
            for (q = 0; q < np && total < 9; q++) {
                seed = seed * 1103515245u + 12345u;
                if ((seed >> 16) % 3 == 0) {
                    counts[q] = 1 + (int)((seed >> 8) % 3);
                    total += counts[q];
                    add_mig(&b, q, counts[q], false);
                }
            }
            if (!total)
                continue;
            best = exhaustive_min(g, counts);
            pack_ok(&r, &b);
            assert_int_equal(r.gpus_used, best);
            assert_true(r.lower_bound <= best);
            assert_true(gpv_pack_mig_lower_bound(g, counts, false) <= best);
            assert_true(gpv_pack_mig_lower_bound(g, counts, true) <= best);
            assert_layouts_valid(&r, &b.p);
            assert_all_replicas_once(&r, &b.p);
            gpv_pack_result_release(&r);
        }
    }
}

static void
test_pack_lower_bound_is_tight_on_a_large_pool_and_never_above_the_plan(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    static const char *const names[] = {"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "7g.80gb"};
    static const int reps[] = {3331, 1000, 500, 177, 20};
    struct gpv_pack_result r;
    struct prob b;
    size_t i;

    (void)state;
    prob_init(&b, h, -1);
    for (i = 0; i < 5; i++)
        add_mig(&b, prof(h, names[i]), reps[i], false);
    pack_ok(&r, &b);
    assert_true(r.lower_bound <= r.gpus_used);
    /* The LP rounding leaves at most a GPU or two per profile above the bound. */
    assert_true(r.gpus_used - r.lower_bound <= 5);
    assert_layouts_valid(&r, &b.p);
    assert_all_replicas_once(&r, &b.p);
    gpv_pack_result_release(&r);
}

static void
test_pack_spreads_replicas_over_distinct_gpus(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;
    size_t i, j;

    (void)state;
    prob_init(&b, h, -1);
    add_mig(&b, prof(h, "1g.10gb"), 3, true);
    add_mig(&b, prof(h, "1g.10gb"), 4, false);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 3);
    assert_int_equal(r.lower_bound, 3);
    for (i = 0; i < r.ngpus; i++) {
        int mine = 0;

        for (j = 0; j < r.gpus[i].ninsts; j++)
            mine += r.insts[r.gpus[i].first + j].demand == 0;
        assert_int_equal(mine, 1);
    }
    assert_all_replicas_once(&r, &b.p);
    gpv_pack_result_release(&r);
}

static void
test_pack_packs_replicas_together_without_spread(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, -1);
    add_mig(&b, prof(h, "1g.10gb"), 7, false);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 1);
    gpv_pack_result_release(&r);
}

static void
test_pack_leaves_tenants_unplaced_when_the_fleet_is_full(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, 1);
    add_mig(&b, prof(h, "4g.40gb"), 1, false);
    add_mig(&b, prof(h, "4g.40gb"), 1, false);
    add_mig(&b, prof(h, "3g.40gb"), 1, false);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 1);
    assert_int_equal(r.nunplaced, 1);
    assert_int_equal(r.unplaced[0].demand, 1);
    assert_true(r.unplaced[0].nreasons >= 1);
    assert_non_null(strstr(r.unplaced[0].reasons[0], "h100-80gb"));
    assert_non_null(strstr(r.unplaced[0].reasons[0], "fleet exhausted: 1 of 1 GPU in use"));
    assert_int_equal(r.unplaced[0].replicas, 1);
    assert_int_equal(r.unplaced[0].whys[0].why, GPV_PACK_WHY_EXHAUSTED);
    assert_int_equal(r.placed[1], 0);
    assert_int_equal(r.placed[0], 1);
    assert_int_equal(r.choice[0], 0);
    assert_int_equal(r.choice[1], -1);
    assert_int_equal(r.choice[2], 0);
    gpv_pack_result_release(&r);
}

static void
test_pack_moves_a_demand_to_a_fleet_model_with_room(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb"), *a = gpu("a100-80gb");
    struct gpv_pack_result r;
    struct prob b;
    int d;

    (void)state;
    prob_init(&b, h, 1);
    b.models[1].gpu = a;
    b.models[1].limit = 1;
    b.models[1].cost = -1.0;
    b.p.nmodels = 2;
    for (d = 0; d < 2; d++) {
        add_demand(&b, 1, false);
        add_option(&b, (size_t)d, 0, GPV_PACK_MIG, prof(h, "7g.80gb"), -1, 0);
        add_option(&b, (size_t)d, 1, GPV_PACK_MIG, prof(a, "7g.80gb"), -1, 0);
    }
    pack_ok(&r, &b);
    assert_int_equal(r.nunplaced, 0);
    assert_int_equal(r.gpus_used, 2);
    assert_int_equal(r.models[0].gpus, 1);
    assert_int_equal(r.models[1].gpus, 1);
    gpv_pack_result_release(&r);
}

static void
test_pack_places_replicas_one_by_one_across_fleet_models(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb"), *l = gpu("l40s");
    struct gpv_pack_result r;
    struct prob b;
    size_t i;
    int seen[6] = {0}, on_l40s = 0;

    (void)state;
    prob_init(&b, h, 4);
    b.models[1].gpu = l;
    b.models[1].limit = 4;
    b.models[1].cost = -1.0;
    b.p.nmodels = 2;
    add_demand(&b, 6, false);
    add_option(&b, 0, 0, GPV_PACK_WHOLE, -1, -1, 1);
    add_option(&b, 0, 1, GPV_PACK_WHOLE, -1, -1, 1);
    b.options[0][1].rank = 1;
    pack_ok(&r, &b);
    assert_int_equal(r.nunplaced, 0);
    assert_int_equal(r.placed[0], 6);
    assert_int_equal(r.choice[0], 0);
    assert_int_equal(r.models[0].gpus, 4);
    assert_int_equal(r.models[1].gpus, 2);
    assert_int_equal(r.ninsts, 6);
    for (i = 0; i < r.ninsts; i++) {
        assert_in_range(r.insts[i].replica, 0, 5);
        seen[r.insts[i].replica]++;
        on_l40s += r.insts[i].option == 1;
    }
    for (i = 0; i < 6; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(on_l40s, 2);
    gpv_pack_result_release(&r);
}

/*
 * A replica left out tries the tenant's options in rank order, each on the model's pools with
 * the pieces already placed: here a 3g.40gb does not fit beside the 4g.40gb and the 2g.20gb
 * on the one H100, and then a 1g.10gb does. The two probes differ only in the option of the
 * same piece (same pieces, same replicas, same MIG pool): the fleet fitting's per-pool memo of
 * its last packing (pk_model_need) must tell them apart by the option, or the 1g.10gb is
 * refused with the 3g.40gb's answer. First fit, so that what the split places is the plan (with
 * the optimal strategy the model mix would place the replica itself).
 */
static void
test_pack_places_a_replica_on_a_smaller_profile_after_a_larger_one_did_not_fit(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;
    size_t i;
    int on_1g = 0;

    (void)state;
    prob_init(&b, h, 1);
    b.p.strategy = GPV_PACK_FIRST_FIT;
    add_mig(&b, prof(h, "4g.40gb"), 1, false);
    add_mig(&b, prof(h, "2g.20gb"), 1, false);
    add_demand(&b, 2, false);
    add_option(&b, 2, 0, GPV_PACK_MIG, prof(h, "3g.40gb"), -1, 0);
    add_option(&b, 2, 0, GPV_PACK_MIG, prof(h, "1g.10gb"), -1, 0);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 1);
    assert_int_equal(r.placed[0], 1);
    assert_int_equal(r.placed[1], 1);
    assert_int_equal(r.placed[2], 1);
    assert_int_equal(r.choice[2], 1);
    assert_int_equal(r.nunplaced, 1);
    assert_int_equal(r.unplaced[0].demand, 2);
    assert_int_equal(r.unplaced[0].replicas, 1);
    for (i = 0; i < r.ninsts; i++)
        on_1g += r.insts[i].demand == 2 && r.insts[i].profile == prof(h, "1g.10gb");
    assert_int_equal(on_1g, 1);
    assert_layouts_valid(&r, &b.p);
    gpv_pack_result_release(&r);
}

static void
test_pack_places_what_fits_and_counts_the_rest_with_its_reason(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, 2);
    add_mig(&b, prof(h, "3g.40gb"), 5, false);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 2);
    assert_int_equal(r.placed[0], 4);
    assert_int_equal(r.choice[0], 0);
    assert_int_equal(r.nunplaced, 1);
    assert_int_equal(r.unplaced[0].replicas, 1);
    assert_int_equal(r.unplaced[0].whys[0].why, GPV_PACK_WHY_EXHAUSTED);
    assert_int_equal(r.unplaced[0].whys[0].in_use, 2);
    assert_int_equal(r.unplaced[0].whys[0].limit, 2);
    assert_int_equal(r.unplaced[0].whys[0].available, 0);
    assert_int_equal(r.unplaced[0].whys[0].needed, 1);
    assert_string_equal(r.unplaced[0].reasons[0],
                        "h100-80gb: fleet exhausted: 2 of 2 GPUs in use; 1 replica left, it "
                        "needs one 3g.40gb MIG instance");
    gpv_pack_result_release(&r);
}

static void
test_pack_spreads_what_it_can_and_says_why_the_rest_cannot_spread(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, 3);
    add_mig(&b, prof(h, "1g.10gb"), 5, true);
    pack_ok(&r, &b);
    assert_int_equal(r.placed[0], 3);
    assert_int_equal(r.gpus_used, 3);
    assert_int_equal(r.unplaced[0].replicas, 2);
    assert_int_equal(r.unplaced[0].whys[0].why, GPV_PACK_WHY_SPREAD);
    assert_int_equal(r.unplaced[0].whys[0].needed, 5);
    assert_int_equal(r.unplaced[0].whys[0].available, 3);
    gpv_pack_result_release(&r);
}

static void
test_pack_prefers_the_cheaper_model_when_costs_are_known(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb"), *l = gpu("l40s");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, 10);
    b.models[0].cost = 3.0;
    b.models[1].gpu = l;
    b.models[1].limit = 10;
    b.models[1].cost = 1.0;
    b.p.nmodels = 2;
    add_demand(&b, 2, false);
    add_option(&b, 0, 0, GPV_PACK_MIG, prof(h, "3g.40gb"), -1, 0);
    add_option(&b, 0, 1, GPV_PACK_VGPU, -1, vtype(l, "L40S-24C"), 0);
    pack_ok(&r, &b);
    assert_int_equal(r.choice[0], 1);
    assert_int_equal(r.gpus_used, 1);
    assert_true(r.cost > 0.99 && r.cost < 1.01);
    gpv_pack_result_release(&r);
}

/* A made-up model where a larger profile saves a GPU: "small" may only start at unit 0. */
static const char synthetic_model[] =
    "id: test-upgrade\n"
    "name: Upgrade test GPU\n"
    "architecture: hopper\n"
    "memory_mib: 20480\n"
    "sources: [{id: t, title: a unit test}]\n"
    "mig:\n"
    "  units: 2\n"
    "  compute_slices: 2\n"
    "  source: t\n"
    "  profiles:\n"
    "    - {name: 1g.5gb, id: 1, compute_slices: 1, size: 1, starts: [0], max: 1,"
    " memory_gib: 4.75}\n"
    "    - {name: 1g.10gb, id: 2, compute_slices: 1, size: 1, starts: [0, 1], max: 2,"
    " memory_gib: 9.5}\n";

static void
test_pack_upgrades_to_a_larger_profile_when_it_saves_a_gpu(void **state)
{
    struct gpv_db mine;
    struct gpv_error err;
    const struct gpv_gpu *g;
    struct gpv_pack_result r;
    struct prob b;
    int small, big, upgraded = 0;
    size_t i;

    (void)state;
    gpv_db_init(&mine);
    assert_int_equal(
        gpv_db_load_mem(&mine, synthetic_model, strlen(synthetic_model), "test.yaml", false, &err),
        0);
    g = gpv_db_find(&mine, "test-upgrade");
    assert_non_null(g);
    small = prof(g, "1g.5gb");
    big = prof(g, "1g.10gb");
    assert_true(gpv_pack_mig_serves(g, big, small));
    assert_false(gpv_pack_mig_serves(g, small, big));

    prob_init(&b, g, -1);
    add_mig(&b, small, 2, false);
    b.p.no_upgrades = true;
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 2);
    gpv_pack_result_release(&r);

    b.p.no_upgrades = false;
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 1);
    assert_int_equal(r.lower_bound, 1);
    for (i = 0; i < r.ninsts; i++) {
        if (r.insts[i].upgraded) {
            upgraded++;
            assert_int_equal(r.insts[i].profile, big);
        } else {
            assert_int_equal(r.insts[i].profile, small);
        }
    }
    /* One upgrade is enough: 1g.5gb at 0, 1g.10gb at 1. */
    assert_int_equal(upgraded, 1);
    assert_layouts_valid(&r, &b.p);
    gpv_pack_result_release(&r);

    /* The bound allows upgrades: it must not claim 2. */
    {
        int counts[2] = {0, 0};

        counts[small] = 2;
        assert_int_equal(gpv_pack_mig_lower_bound(g, counts, true), 1);
        assert_int_equal(gpv_pack_mig_lower_bound(g, counts, false), 2);
    }
    gpv_db_release(&mine);
}

static void
test_pack_first_fit_is_valid_and_never_beats_optimal(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    static const char *const names[] = {"1g.10gb", "3g.40gb", "2g.20gb", "1g.20gb", "4g.40gb"};
    struct gpv_pack_result ff, opt;
    struct prob b;
    size_t i;

    (void)state;
    prob_init(&b, h, -1);
    for (i = 0; i < 20; i++)
        add_mig(&b, prof(h, names[i % 5]), 1 + (int)(i % 3), false);
    b.p.strategy = GPV_PACK_FIRST_FIT;
    pack_ok(&ff, &b);
    b.p.strategy = GPV_PACK_OPTIMAL;
    pack_ok(&opt, &b);
    assert_layouts_valid(&ff, &b.p);
    assert_all_replicas_once(&ff, &b.p);
    assert_true(ff.gpus_used >= opt.gpus_used);
    assert_true(ff.lower_bound <= opt.gpus_used);
    gpv_pack_result_release(&ff);
    gpv_pack_result_release(&opt);
}

/*
 * The bound over every allowed choice never exceeds a plan: the optimal and first-fit plans, and
 * the plans with every demand held to one model, on mixed MIG / vGPU problems with two choices
 * per demand (a fixed pseudo-random sequence). `optimal` says exactly that the plan meets it.
 */
static void
test_pack_bound_over_every_choice_never_exceeds_a_plan(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb"), *l = gpu("l40s");
    static const char *const mig[] = {"1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb"};
    static const char *const vg[] = {"L40S-12C", "L40S-24C", "L40S-24C", "L40S-48C", "L40S-48C"};
    unsigned seed = 12345;
    int round;

    (void)state;
    for (round = 0; round < 12; round++) {
        struct gpv_pack_result r[4];
        struct prob b;
        int d, n = 3 + round % 6, k, only;

        prob_init(&b, h, -1);
        b.models[1].gpu = l;
        b.models[1].limit = -1;
        b.models[1].cost = -1.0;
        b.p.nmodels = 2;
        for (d = 0; d < n; d++) {
            seed = seed * 1103515245u + 12345u;
            k = (int)((seed >> 16) % 5);
            add_demand(&b, 1 + (int)((seed >> 8) % 4), false);
            add_option(&b, (size_t)d, 0, GPV_PACK_MIG, prof(h, mig[k]), -1, 0);
            add_option(&b, (size_t)d, 1, GPV_PACK_VGPU, -1, vtype(l, vg[k]), 0);
        }
        b.p.strategy = GPV_PACK_OPTIMAL;
        pack_ok(&r[0], &b);
        b.p.strategy = GPV_PACK_FIRST_FIT;
        pack_ok(&r[1], &b);
        b.p.strategy = GPV_PACK_OPTIMAL;
        for (only = 0; only < 2; only++) {
            for (d = 0; d < n; d++) {
                b.demands[d].noptions = 1;
                b.demands[d].options = &b.options[d][only];
            }
            pack_ok(&r[2 + only], &b);
            for (d = 0; d < n; d++) {
                b.demands[d].noptions = 2;
                b.demands[d].options = b.options[d];
            }
        }
        for (k = 0; k < 4; k++) {
            assert_int_equal(r[k].nunplaced, 0);
            assert_true(r[0].lower_bound_any <= r[k].gpus_used);
        }
        assert_true(r[0].lower_bound_any >= 1);
        assert_int_equal(r[1].lower_bound_any, r[0].lower_bound_any);
        for (k = 0; k < 2; k++)
            assert_true(r[k].optimal == (r[k].gpus_used == r[k].lower_bound_any));
        for (k = 0; k < 4; k++)
            gpv_pack_result_release(&r[k]);
    }
}

static void
test_pack_fills_equal_size_vgpu_gpus_to_the_type_max(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, l, -1);
    add_demand(&b, 30, false);
    add_option(&b, 0, 0, GPV_PACK_VGPU, -1, vtype(l, "L40S-2B"), 0);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 2);
    assert_int_equal(r.gpus[0].ninsts, 24);
    assert_int_equal(r.gpus[1].ninsts, 6);
    assert_int_equal(r.gpus[0].sched, GPV_SCHED_BEST_EFFORT);
    assert_int_equal(r.insts[0].start, -1);
    assert_int_equal(r.insts[0].size, 2);
    gpv_pack_result_release(&r);
}

static void
test_pack_keeps_vgpu_sizes_and_series_apart_in_equal_size_mode(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, l, -1);
    add_demand(&b, 1, false);
    add_option(&b, 0, 0, GPV_PACK_VGPU, -1, vtype(l, "L40S-8C"), 0);
    add_demand(&b, 1, false);
    add_option(&b, 1, 0, GPV_PACK_VGPU, -1, vtype(l, "L40S-8Q"), 0);
    add_demand(&b, 1, false);
    add_option(&b, 2, 0, GPV_PACK_VGPU, -1, vtype(l, "L40S-4Q"), 0);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 3);
    gpv_pack_result_release(&r);
}

static void
test_pack_honours_compute_with_fixed_share(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, l, -1);
    add_demand(&b, 4, false);
    b.demands[0].compute = 0.25;
    add_option(&b, 0, 0, GPV_PACK_VGPU, -1, vtype(l, "L40S-12C"), 0);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 1);
    assert_int_equal(r.gpus[0].sched, GPV_SCHED_FIXED_SHARE);
    gpv_pack_result_release(&r);
}

static void
test_pack_uses_equal_share_and_placement_ids_in_mixed_size_mode(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_pack_result r;
    struct gpv_vgpu_resident res[8];
    struct gpv_vgpu_verdict vd;
    struct prob b;
    size_t g, i;

    (void)state;
    prob_init(&b, l, -1);
    b.models[0].mixed = true;
    /* 0.3 each: equal share allows 3 per GPU (fixed share does not exist in mixed mode). */
    add_demand(&b, 4, false);
    b.demands[0].compute = 0.3;
    add_option(&b, 0, 0, GPV_PACK_VGPU, -1, vtype(l, "L40S-8C"), 0);
    add_demand(&b, 1, false);
    add_option(&b, 1, 0, GPV_PACK_VGPU, -1, vtype(l, "L40S-24C"), 0);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 2);
    for (g = 0; g < r.ngpus; g++) {
        size_t n = r.gpus[g].ninsts;

        assert_true(n <= 3);
        for (i = 0; i < n; i++) {
            const struct gpv_pack_inst *x = &r.insts[r.gpus[g].first + i];

            res[i].type = x->vgpu_type;
            res[i].compute = b.demands[x->demand].compute;
            res[i].placement = x->start;
        }
        assert_true(gpv_vgpu_check_mixed(&vd, l, res, n));
        if (res[0].compute > 0)
            assert_int_equal(r.gpus[g].sched, GPV_SCHED_EQUAL_SHARE);
    }
    gpv_pack_result_release(&r);
}

static void
test_pack_gives_passthrough_whole_gpus_per_replica(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, -1);
    add_demand(&b, 2, false);
    add_option(&b, 0, 0, GPV_PACK_WHOLE, -1, -1, 2);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 4);
    assert_int_equal(r.lower_bound, 4);
    assert_int_equal(r.insts[1].part, 1);
    assert_all_replicas_once(&r, &b.p);
    gpv_pack_result_release(&r);
}

static void
test_pack_is_deterministic(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result a, c;
    struct prob b;
    size_t i;

    (void)state;
    prob_init(&b, h, -1);
    for (i = 0; i < 30; i++)
        add_mig(&b, (int)(i % h->mig->nprofiles), 1 + (int)(i % 4), i % 7 == 0);
    pack_ok(&a, &b);
    pack_ok(&c, &b);
    assert_int_equal(a.ngpus, c.ngpus);
    assert_int_equal(a.ninsts, c.ninsts);
    for (i = 0; i < a.ngpus; i++) {
        assert_int_equal(a.gpus[i].model, c.gpus[i].model);
        assert_int_equal(a.gpus[i].kind, c.gpus[i].kind);
        assert_int_equal(a.gpus[i].first, c.gpus[i].first);
        assert_int_equal(a.gpus[i].ninsts, c.gpus[i].ninsts);
    }
    for (i = 0; i < a.ninsts; i++) {
        assert_int_equal(a.insts[i].demand, c.insts[i].demand);
        assert_int_equal(a.insts[i].replica, c.insts[i].replica);
        assert_int_equal(a.insts[i].profile, c.insts[i].profile);
        assert_int_equal(a.insts[i].start, c.insts[i].start);
    }
    gpv_pack_result_release(&a);
    gpv_pack_result_release(&c);
}

static void
test_pack_rejects_a_malformed_problem(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_pack_result r;
    struct gpv_error err;
    struct prob b;

    (void)state;
    prob_init(&b, l, -1);
    add_mig(&b, 0, 1, false); /* the L40S has no MIG */
    assert_int_equal(gpv_pack(&r, &b.p, &err), GPV_EINPUT);
    assert_non_null(strstr(err.msg, "no MIG profile"));
    assert_int_equal(r.ngpus, 0);
    gpv_pack_result_release(&r);
}

static void
test_pack_rejects_more_gpus_per_replica_than_a_part_holds(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct gpv_error err;
    struct prob b;

    (void)state;
    prob_init(&b, h, -1);
    add_demand(&b, 1, false);
    add_option(&b, 0, 0, GPV_PACK_WHOLE, -1, -1, 32768); /* parts are 16 bits */
    assert_int_equal(gpv_pack(&r, &b.p, &err), GPV_EINPUT);
    assert_non_null(strstr(err.msg, "32768 GPUs per replica"));
    gpv_pack_result_release(&r);
    prob_init(&b, h, -1);
    add_demand(&b, 1, false);
    add_option(&b, 0, 0, GPV_PACK_WHOLE, -1, -1, 4);
    pack_ok(&r, &b);
    assert_int_equal(r.ngpus, 4);
    assert_int_equal(r.insts[3].part, 3);
    gpv_pack_result_release(&r);
}

static void
test_pack_reports_demands_without_options_as_unplaced(void **state)
{
    const struct gpv_gpu *h = gpu("h100-80gb");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, h, -1);
    add_demand(&b, 1, false);
    pack_ok(&r, &b);
    assert_int_equal(r.nunplaced, 1);
    assert_int_equal(r.gpus_used, 0);
    gpv_pack_result_release(&r);
}

/* A demand of replicas clients of memory mib and compute on model 0, by kind. */
static void
add_share(struct prob *b, enum gpv_pack_kind kind, int replicas, long long mib, double compute)
{
    add_demand(b, replicas, false);
    b->demands[b->p.ndemands - 1].memory_mib = mib;
    b->demands[b->p.ndemands - 1].compute = compute;
    add_option(b, b->p.ndemands - 1, 0, kind, -1, -1, 0);
}

static void
test_pack_mps_gives_every_gpu_of_a_pool_one_replica_count_that_each_client_fits(void **state)
{
    const struct gpv_gpu *l4 = gpu("l4");
    long long half = l4->memory_mib / 2, third = l4->memory_mib / 3;
    struct gpv_pack_result r;
    struct prob b;
    size_t g, i;

    (void)state;
    prob_init(&b, l4, -1);
    add_share(&b, GPV_PACK_MPS, 3, third, 0.0); /* at most 3 per GPU */
    add_share(&b, GPV_PACK_MPS, 2, half, 0.0);  /* at most 2 per GPU */
    add_share(&b, GPV_PACK_MPS, 5, 100, 0.25);  /* at most 4 per GPU, by compute */
    gpv_pack_result_init(&r);
    pack_ok(&r, &b);
    /* One count for the pool, the smallest cap: 10 clients by 2 = 5 GPUs. The smallest caps
       first would do with 4 (2 + 3 + 4 + 1 per GPU): the bound says so, and optimal is not
       claimed. */
    assert_int_equal(r.gpus_used, 5);
    assert_int_equal(r.models[0].lower_bound, 4);
    assert_false(r.models[0].optimal);
    for (g = 0; g < r.ngpus; g++) {
        assert_int_equal(r.gpus[g].kind, GPV_PACK_MPS);
        assert_int_equal(r.gpus[g].replicas, 2);
        assert_true(r.gpus[g].ninsts <= 2);
        for (i = 0; i < r.gpus[g].ninsts; i++)
            assert_int_equal(r.insts[r.gpus[g].first + i].start, (int)i);
    }
    assert_true(r.lower_bound_any <= r.gpus_used);
    gpv_pack_result_release(&r);
}

static void
test_pack_time_slicing_keeps_memory_and_compute_within_each_gpu(void **state)
{
    const struct gpv_gpu *l4 = gpu("l4");
    struct gpv_pack_result r;
    struct prob b;
    size_t g, i;

    (void)state;
    prob_init(&b, l4, -1);
    add_share(&b, GPV_PACK_TIME_SLICING, 5, 10240, 0.0);
    add_share(&b, GPV_PACK_TIME_SLICING, 7, 1024, 0.4);
    add_share(&b, GPV_PACK_TIME_SLICING, 30, 100, 0.0);
    gpv_pack_result_init(&r);
    pack_ok(&r, &b);
    for (g = 0; g < r.ngpus; g++) {
        long long mib = 0;
        double compute = 0;

        for (i = 0; i < r.gpus[g].ninsts; i++) {
            const struct gpv_pack_demand *d = &b.demands[r.insts[r.gpus[g].first + i].demand];

            mib += d->memory_mib;
            compute += d->compute;
        }
        assert_true(mib <= l4->memory_mib);
        assert_true(compute <= 1.0 + 1e-9);
        assert_true((int)r.gpus[g].ninsts <= r.gpus[g].replicas);
    }
    /* Compute 7 x 0.4 needs 3 GPUs, memory 5 x 10 GiB + 7 GiB + 3 GiB another 3. */
    assert_int_equal(r.models[0].lower_bound, 3);
    assert_true(r.gpus_used >= 3);
    gpv_pack_result_release(&r);
}

static void
test_pack_time_slicing_bound_sees_that_ten_5gb_pods_fill_an_l40s(void **state)
{
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, gpu("l40s"), -1);
    /* 101 pods of 5 GB (4769 MiB): 10 fit in 48 GiB, so 11 GPUs. Memory alone says 9.8, so
       10; the dual feasible bound counts each pod as a tenth and proves 11. */
    add_share(&b, GPV_PACK_TIME_SLICING, 101, 4769, 0.0);
    gpv_pack_result_init(&r);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 11);
    assert_int_equal(r.models[0].lower_bound, 11);
    assert_true(r.models[0].optimal);
    gpv_pack_result_release(&r);
}

static void
test_pack_stated_sharing_serves_only_its_method_and_its_replicas(void **state)
{
    const struct gpv_gpu *l4 = gpu("l4");
    struct gpv_pack_result r;
    struct prob b;

    (void)state;
    prob_init(&b, l4, 4);
    b.models[0].share_replicas = 4;
    b.models[0].share_kind = GPV_PACK_MPS;
    add_share(&b, GPV_PACK_MPS, 9, 1024, 0.0);               /* 4 per GPU: 3 GPUs */
    add_share(&b, GPV_PACK_MPS, 1, l4->memory_mib / 3, 0.0); /* needs 1/3: not 1/4 */
    add_share(&b, GPV_PACK_TIME_SLICING, 1, 1024, 0.0);      /* another method */
    add_demand(&b, 1, false);
    add_option(&b, b.p.ndemands - 1, 0, GPV_PACK_WHOLE, -1, -1, 1); /* passthrough */
    gpv_pack_result_init(&r);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 3);
    assert_int_equal(r.placed[0], 9);
    assert_int_equal(r.gpus[0].replicas, 4);
    assert_int_equal(r.nunplaced, 3);
    assert_int_equal(r.unplaced[0].whys[0].why, GPV_PACK_WHY_SHARE_CONFIG);
    assert_int_equal(r.unplaced[0].whys[0].needed, 4);
    assert_int_equal(r.unplaced[0].whys[0].available, 3);
    assert_int_equal(r.unplaced[1].whys[0].why, GPV_PACK_WHY_SHARE_CONFIG);
    assert_int_equal(r.unplaced[2].whys[0].why, GPV_PACK_WHY_SHARE_CONFIG);
    gpv_pack_result_release(&r);
}

static void
test_pack_bound_over_every_choice_counts_the_sharing_options(void **state)
{
    const struct gpv_gpu *l4 = gpu("l4");
    struct gpv_pack_result r;
    struct prob b;
    int d;

    (void)state;
    prob_init(&b, l4, -1);
    /* 12 pods that may take a whole GPU each or time-slice: 12 passthrough GPUs is the plan
       for the first choice, but the bound over every choice must allow 2 (6 of 4 GiB per
       GPU), so it never claims more than a shared plan needs. */
    for (d = 0; d < 2; d++) {
        add_demand(&b, 6, false);
        b.demands[d].memory_mib = 4096;
        add_option(&b, (size_t)d, 0, GPV_PACK_TIME_SLICING, -1, -1, 0);
        add_option(&b, (size_t)d, 0, GPV_PACK_WHOLE, -1, -1, 1);
    }
    gpv_pack_result_init(&r);
    pack_ok(&r, &b);
    assert_int_equal(r.gpus_used, 2);
    assert_true(r.lower_bound_any <= 2);
    assert_true(r.optimal);
    gpv_pack_result_release(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_puts_four_guaranteed_20gb_tenants_on_one_h100_as_four_1g_20gb),
        cmocka_unit_test(test_pack_never_puts_four_2g_20gb_on_one_h100),
        cmocka_unit_test(test_pack_is_optimal_on_small_cases_checked_by_exhaustive_search),
        cmocka_unit_test(test_pack_lower_bound_is_tight_on_a_large_pool_and_never_above_the_plan),
        cmocka_unit_test(test_pack_spreads_replicas_over_distinct_gpus),
        cmocka_unit_test(test_pack_packs_replicas_together_without_spread),
        cmocka_unit_test(test_pack_leaves_tenants_unplaced_when_the_fleet_is_full),
        cmocka_unit_test(test_pack_moves_a_demand_to_a_fleet_model_with_room),
        cmocka_unit_test(test_pack_places_replicas_one_by_one_across_fleet_models),
        cmocka_unit_test(
            test_pack_places_a_replica_on_a_smaller_profile_after_a_larger_one_did_not_fit),
        cmocka_unit_test(test_pack_places_what_fits_and_counts_the_rest_with_its_reason),
        cmocka_unit_test(test_pack_spreads_what_it_can_and_says_why_the_rest_cannot_spread),
        cmocka_unit_test(test_pack_prefers_the_cheaper_model_when_costs_are_known),
        cmocka_unit_test(test_pack_upgrades_to_a_larger_profile_when_it_saves_a_gpu),
        cmocka_unit_test(test_pack_first_fit_is_valid_and_never_beats_optimal),
        cmocka_unit_test(test_pack_bound_over_every_choice_never_exceeds_a_plan),
        cmocka_unit_test(test_pack_fills_equal_size_vgpu_gpus_to_the_type_max),
        cmocka_unit_test(test_pack_keeps_vgpu_sizes_and_series_apart_in_equal_size_mode),
        cmocka_unit_test(test_pack_honours_compute_with_fixed_share),
        cmocka_unit_test(test_pack_uses_equal_share_and_placement_ids_in_mixed_size_mode),
        cmocka_unit_test(test_pack_gives_passthrough_whole_gpus_per_replica),
        cmocka_unit_test(test_pack_is_deterministic),
        cmocka_unit_test(test_pack_rejects_a_malformed_problem),
        cmocka_unit_test(test_pack_rejects_more_gpus_per_replica_than_a_part_holds),
        cmocka_unit_test(test_pack_reports_demands_without_options_as_unplaced),
        cmocka_unit_test(
            test_pack_mps_gives_every_gpu_of_a_pool_one_replica_count_that_each_client_fits),
        cmocka_unit_test(test_pack_time_slicing_keeps_memory_and_compute_within_each_gpu),
        cmocka_unit_test(test_pack_time_slicing_bound_sees_that_ten_5gb_pods_fill_an_l40s),
        cmocka_unit_test(test_pack_stated_sharing_serves_only_its_method_and_its_replicas),
        cmocka_unit_test(test_pack_bound_over_every_choice_counts_the_sharing_options),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
