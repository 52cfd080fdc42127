#include "gpuvplan/db.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/site.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "plan_fixture.h"

struct planned {
    struct gpv_tenants file;
    struct gpv_plan_job job;
    struct gpv_plan_run run;
};

static void
plan_text(struct planned *p, const char *text)
{
    struct gpv_error err;

    memset(p, 0, sizeof(*p));
    if (gpv_tenants_load_mem(&p->file, text, strlen(text), "site.yaml", &db, &err))
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    p->job.file = &p->file;
    p->job.rules = &rules;
    p->job.db = &db;
    p->job.strategy = GPV_PACK_OPTIMAL;
    assert_int_equal(gpv_plan_run(&p->run, &p->job, &err), 0);
}

static void
planned_release(struct planned *p)
{
    gpv_plan_run_release(&p->run);
    gpv_tenants_release(&p->file);
}

/* The node names of tenant t's replicas, one per instance, in result order. */
static size_t
tenant_nodes(const struct planned *p, int t, const char **out, size_t max)
{
    const struct gpv_pack_result *r = &p->run.result;
    const struct gpv_site *s = &p->run.site;
    size_t g, i, n = 0;

    for (g = 0; g < r->ngpus; g++)
        for (i = 0; i < r->gpus[g].ninsts; i++)
            if (r->insts[r->gpus[g].first + i].demand == t && n < max)
                out[n++] = s->node_of[g] >= 0 ? s->nodes[s->node_of[g]].name : NULL;
    return n;
}

static void
test_site_numbers_gpus_by_node_and_index_in_order(void **state)
{
    struct planned p;
    const struct gpv_site *s;
    size_t g;

    (void)state;
    plan_text(&p, "version: 1\n"
                  "fleet:\n"
                  "  - {gpu: h100-80gb, nodes: [hgx-01, hgx-02], gpus_per_node: 2}\n"
                  "tenants:\n"
                  "  - {name: t, gpus: 1, replicas: 3, workload: training}\n");
    s = &p.run.site;
    assert_int_equal(s->nnodes, 2);
    assert_int_equal(p.run.result.ngpus, 3);
    /* hgx-01/0, hgx-01/1, hgx-02/0: the result is in node, index order. */
    for (g = 0; g < 3; g++) {
        assert_int_equal(s->node_of[g], (int)(g / 2));
        assert_int_equal(s->index_of[g], (int)(g % 2));
    }
    assert_int_equal(s->nodes[1].gpu[0], 2);
    assert_true(s->nodes[1].gpu[1] == GPV_SITE_IDLE);
    assert_int_equal(s->nissues, 0);
    planned_release(&p);
}

static void
test_site_leaves_nodeless_fleets_without_identity(void **state)
{
    struct planned p;

    (void)state;
    plan_text(&p, "version: 1\n"
                  "fleet: [{gpu: h100-80gb, count: 4}]\n"
                  "tenants: [{name: t, gpus: 1, replicas: 2, workload: training}]\n");
    assert_int_equal(p.run.site.nnodes, 0);
    assert_int_equal(p.run.site.node_of[0], -1);
    assert_int_equal(p.run.site.index_of[1], -1);
    planned_release(&p);
}

static void
test_site_spreads_replicas_over_distinct_nodes(void **state)
{
    struct planned p;
    const char *where[8];
    size_t n, i, j;

    (void)state;
    /* Packed, the four 1g.10gb replicas would share one GPU on one node. */
    plan_text(&p, "version: 1\n"
                  "fleet:\n"
                  "  - {gpu: h100-80gb, nodes: 4, node_prefix: hgx-, gpus_per_node: 8}\n"
                  "tenants:\n"
                  "  - {name: web, memory: 8GiB, isolation: hard, replicas: 4, spread: node}\n"
                  "  - {name: ds, memory: 8GiB, isolation: hard, replicas: 6}\n");
    n = tenant_nodes(&p, 0, where, 8);
    assert_int_equal(n, 4);
    for (i = 0; i < n; i++) {
        assert_non_null(where[i]);
        for (j = 0; j < i; j++)
            assert_string_not_equal(where[i], where[j]);
    }
    assert_int_equal(p.run.site.nissues, 0);
    planned_release(&p);
}

static void
test_site_reports_a_spread_that_needs_more_nodes_than_the_fleet_has(void **state)
{
    struct planned p;
    const struct gpv_pack_result *r;

    (void)state;
    plan_text(&p, "version: 1\n"
                  "fleet: [{gpu: h100-80gb, nodes: [a, b], gpus_per_node: 8}]\n"
                  "tenants: [{name: web, memory: 8GiB, isolation: hard, replicas: 3, "
                  "spread: node}]\n");
    r = &p.run.result;
    assert_int_equal(r->nunplaced, 1);
    assert_int_equal(r->unplaced[0].nreasons, 1);
    assert_string_equal(r->unplaced[0].reasons[0],
                        "h100-80gb: 3 replicas to spread over distinct nodes and the fleet has 2 "
                        "nodes");
    planned_release(&p);
}

static void
test_site_keeps_a_multi_gpu_replica_on_one_node(void **state)
{
    struct planned p;
    const struct gpv_pack_result *r;
    const struct gpv_site *s;
    size_t g;
    int node_of_replica[3] = {-1, -1, -1};

    (void)state;
    /* One GPU, then three 2-GPU replicas on 3-GPU nodes: filled in order, the second and the
     * third would each straddle two nodes. */
    plan_text(&p, "version: 1\n"
                  "fleet: [{gpu: h100-80gb, nodes: [a, b, c], gpus_per_node: 3}]\n"
                  "tenants:\n"
                  "  - {name: one, gpus: 1, workload: training}\n"
                  "  - {name: two, gpus: 2, replicas: 3, workload: training}\n");
    r = &p.run.result;
    s = &p.run.site;
    for (g = 0; g < r->ngpus; g++) {
        const struct gpv_pack_inst *x = &r->insts[r->gpus[g].first];

        if (x->demand != 1)
            continue;
        if (node_of_replica[x->replica] < 0)
            node_of_replica[x->replica] = s->node_of[g];
        assert_int_equal(s->node_of[g], node_of_replica[x->replica]);
    }
    assert_int_not_equal(node_of_replica[0], node_of_replica[1]);
    assert_int_not_equal(node_of_replica[1], node_of_replica[2]);
    assert_int_not_equal(node_of_replica[0], node_of_replica[2]);
    assert_int_equal(s->nissues, 0);
    planned_release(&p);
}

static void
test_site_single_strategy_gives_each_node_one_mig_profile(void **state)
{
    struct planned p;
    const struct gpv_pack_result *r;
    const struct gpv_site *s;
    size_t n, k;

    (void)state;
    /* Mixed, 1g.10gb and 3g.40gb would share GPUs; single keeps them on separate nodes. */
    plan_text(&p, "version: 1\n"
                  "fleet:\n"
                  "  - {gpu: h100-80gb, nodes: [a, b], gpus_per_node: 2, mig_strategy: single}\n"
                  "tenants:\n"
                  "  - {name: small, memory: 8GiB, isolation: hard, replicas: 3}\n"
                  "  - {name: big, memory: 35GiB, isolation: hard}\n");
    r = &p.run.result;
    s = &p.run.site;
    assert_int_equal(r->nunplaced, 0);
    for (n = 0; n < s->nnodes; n++) {
        int profile = -1;

        for (k = 0; k < 2; k++) {
            const struct gpv_pack_gpu *pg;
            size_t i;

            if (s->nodes[n].gpu[k] == GPV_SITE_IDLE)
                continue;
            pg = &r->gpus[s->nodes[n].gpu[k]];
            for (i = 0; i < pg->ninsts; i++) {
                if (profile < 0)
                    profile = r->insts[pg->first + i].profile;
                assert_int_equal(r->insts[pg->first + i].profile, profile);
            }
        }
    }
    assert_int_equal(s->nissues, 0);
    planned_release(&p);
}

static void
test_site_single_strategy_leaves_out_what_the_nodes_cannot_hold(void **state)
{
    struct planned p;

    (void)state;
    /* One node: only one profile fits it, so one tenant stays unplaced. */
    plan_text(&p, "version: 1\n"
                  "fleet: [{gpu: h100-80gb, nodes: [a], gpus_per_node: 8, "
                  "mig_strategy: single}]\n"
                  "tenants:\n"
                  "  - {name: small, memory: 8GiB, isolation: hard}\n"
                  "  - {name: big, memory: 35GiB, isolation: hard}\n");
    assert_int_equal(p.run.result.nunplaced, 1);
    assert_int_equal(p.run.site.nissues, 0);
    planned_release(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_numbers_gpus_by_node_and_index_in_order),
        cmocka_unit_test(test_site_leaves_nodeless_fleets_without_identity),
        cmocka_unit_test(test_site_spreads_replicas_over_distinct_nodes),
        cmocka_unit_test(test_site_reports_a_spread_that_needs_more_nodes_than_the_fleet_has),
        cmocka_unit_test(test_site_keeps_a_multi_gpu_replica_on_one_node),
        cmocka_unit_test(test_site_single_strategy_gives_each_node_one_mig_profile),
        cmocka_unit_test(test_site_single_strategy_leaves_out_what_the_nodes_cannot_hold),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
