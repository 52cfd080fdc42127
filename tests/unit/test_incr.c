#include "gpuvplan/db.h"
#include "gpuvplan/diff.h"
#include "gpuvplan/incr.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "plan_fixture.h"

#define SITE_HEAD                                                                                  \
    "version: 1\n"                                                                                 \
    "licenses: {ai_enterprise: true, vws: true, vpc: true}\n"                                      \
    "fleet:\n"                                                                                     \
    "  - {gpu: h100-80gb, nodes: [n1, n2], gpus_per_node: 4, cost_per_hour: 3}\n"                  \
    "  - {gpu: l40s, count: 2, cost_per_hour: 1}\n"                                                \
    "tenants:\n"                                                                                   \
    "  - {name: a, memory: 20GB, isolation: hard}\n"                                               \
    "  - {name: b, memory: 20GB, isolation: hard, replicas: 3, spread: true}\n"                    \
    "  - {name: c, memory: 2GiB, workload: vdi, environment: vm, replicas: 5}\n"                   \
    "  - {name: d, memory: 9GiB, isolation: hard, replicas: 2}\n"

static const char site[] = SITE_HEAD;
static const char site_more[] = SITE_HEAD "  - {name: e, memory: 9GiB, isolation: hard}\n";
static const char site_grown[] = "version: 1\n"
                                 "licenses: {ai_enterprise: true, vws: true, vpc: true}\n"
                                 "fleet:\n"
                                 "  - {gpu: h100-80gb, nodes: [n1, n2], gpus_per_node: 4}\n"
                                 "  - {gpu: l40s, count: 2}\n"
                                 "tenants:\n"
                                 "  - {name: a, memory: 20GB, isolation: hard}\n"
                                 "  - {name: b, memory: 20GB, isolation: hard, replicas: 3, "
                                 "spread: true}\n"
                                 "  - {name: c, memory: 2GiB, workload: vdi, environment: vm, "
                                 "replicas: 5}\n"
                                 "  - {name: d, memory: 30GiB, isolation: hard, replicas: 2}\n";

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
    assert_int_equal(gpv_plan_run(&p->run, &p->job, &err), 0);
}

static void
planned_release(struct planned *p)
{
    gpv_plan_run_release(&p->run);
    gpv_tenants_release(&p->file);
}

/* The plan document of run (the fresh one, or the incremental one). */
static struct gpv_val *
plan_doc(struct planned *p, const struct gpv_plan_run *run)
{
    struct gpv_plan_src src;

    memset(&src, 0, sizeof(src));
    src.tenants_file = "site.yaml";
    src.rules = rules.name;
    src.job = &p->job;
    src.run = run;
    return gpv_plan_build(&src);
}

/* Plans `next` from the plan of `before`; fills the incremental result and its document. */
struct incr_case {
    struct planned before, next;
    struct gpv_val *cur_doc, *next_doc;
    struct gpv_diff_doc cur, out;
    struct gpv_incr x;
    struct gpv_diff d;
    size_t changes;
};

static void
incr_case(struct incr_case *c, const char *before, const char *next, int max_reconfigure)
{
    struct gpv_plan_findings fs;
    struct gpv_plan_policy pol;
    struct gpv_plan_run run;
    struct gpv_error err;

    memset(c, 0, sizeof(*c));
    plan_text(&c->before, before);
    plan_text(&c->next, next);
    c->cur_doc = plan_doc(&c->before, &c->before.run);
    gpv_diff_doc_init(&c->cur);
    gpv_diff_doc_init(&c->out);
    if (gpv_diff_doc_read(&c->cur, c->cur_doc, &db, "cur.json", &err))
        fail_msg("%s", err.msg);
    assert_int_equal(
        gpv_incr_plan(&c->x, &c->next.run, &c->next.file, &c->cur, max_reconfigure, &err), 0);
    gpv_incr_run(&run, &c->next.run, &c->x);
    c->next_doc = plan_doc(&c->next, &run);
    /* The incremental plan is a valid plan. */
    gpv_plan_policy_init(&pol);
    pol.allow_unplaced = true;
    memset(&fs, 0, sizeof(fs));
    assert_int_equal(gpv_plan_check(&fs, c->next_doc, &db, &pol, "next.json", &err), 0);
    if (fs.n)
        fail_msg("%s: %s", fs.v[0].where, fs.v[0].what);
    gpv_plan_findings_release(&fs);
    if (gpv_diff_doc_read(&c->out, c->next_doc, &db, "next.json", &err))
        fail_msg("%s", err.msg);
    c->changes = gpv_diff_compare(&c->d, &c->cur, &c->out);
}

static void
incr_case_release(struct incr_case *c)
{
    gpv_diff_release(&c->d);
    gpv_diff_doc_release(&c->cur);
    gpv_diff_doc_release(&c->out);
    gpv_incr_release(&c->x);
    gpv_val_free(c->cur_doc);
    gpv_val_free(c->next_doc);
    planned_release(&c->before);
    planned_release(&c->next);
}

static void
test_incr_from_its_own_plan_changes_nothing(void **state)
{
    struct incr_case c;

    (void)state;
    incr_case(&c, site, site, -1);
    assert_int_equal(c.changes, 0);
    assert_int_equal(c.x.kept, 11);
    assert_int_equal(c.x.reconfigured, 0);
    assert_int_equal(c.x.nmoves, 0);
    assert_int_equal(c.x.result.gpus_used, c.before.run.result.gpus_used);
    incr_case_release(&c);
}

static void
test_incr_puts_a_new_tenant_in_free_units_without_draining(void **state)
{
    struct incr_case c;
    size_t i;

    (void)state;
    incr_case(&c, site, site_more, -1);
    assert_int_equal(c.x.kept, 11);
    assert_int_equal(c.x.added_in_place, 1);
    assert_int_equal(c.d.drain, 0);
    assert_int_equal(c.d.in_place, 1);
    for (i = 0; i < c.d.ntenants; i++)
        assert_true(c.d.tenants[i].change ==
                    (strcmp(c.d.tenants[i].name, "e") ? GPV_DIFF_STAYS : GPV_DIFF_NEW));
    incr_case_release(&c);
}

static void
test_incr_moves_a_tenant_whose_needs_grew_and_says_why(void **state)
{
    struct incr_case c;

    (void)state;
    incr_case(&c, site, site_grown, -1);
    assert_int_equal(c.x.nmoves, 1);
    assert_string_equal(c.next.file.tenants[c.x.moves[0].tenant].name, "d");
    assert_non_null(strstr(c.x.moves[0].reason, "no longer serves it"));
    assert_int_equal(c.d.drain, 0);
    incr_case_release(&c);
}

/* tests/data/sharing/k8s-nodes.yaml: db can never be placed (hard isolation, L4 only, every
 * L4 node shared), which made step 4 drain an L4 and pack its clients back as they were. */
static const char k8s_site[] =
    "version: 1\n"
    "fleet:\n"
    "  - {gpu: l4, nodes: [ts-1, ts-2], gpus_per_node: 4, sharing: {strategy: time-slicing, "
    "replicas: 4}}\n"
    "  - {gpu: l4, nodes: [mps-1], gpus_per_node: 4, sharing: {strategy: mps, replicas: 3}}\n"
    "  - {gpu: l40s, nodes: [free-1], gpus_per_node: 2}\n"
    "tenants:\n"
    "  - {name: web, replicas: 20, memory: 4GiB, isolation: none}\n"
    "  - {name: api, replicas: 6, memory: 6GiB, isolation: soft}\n"
    "  - {name: batch, replicas: 4, memory: 20GiB, isolation: none}\n"
    "  - {name: db, memory: 8GiB, isolation: hard, gpu: l4}\n";

static void
test_incr_undoes_a_drain_that_places_nothing_more(void **state)
{
    struct incr_case c;

    (void)state;
    incr_case(&c, k8s_site, k8s_site, -1);
    assert_int_equal(c.changes, 0);
    assert_int_equal(c.x.reconfigured, 0);
    assert_int_equal(c.d.reconfigured, 0);
    assert_int_equal(c.x.nmoves, 0);
    assert_int_equal(c.x.kept, 30);
    assert_int_equal(c.x.on_unused, 0);
    incr_case_release(&c);
}

/* tests/data/incremental/keep-placed*.yaml: draining b's GPU would place c but leave out b. */
#define KEEP_HEAD                                                                                  \
    "version: 1\n"                                                                                 \
    "licenses: {ai_enterprise: true}\n"                                                            \
    "fleet:\n"                                                                                     \
    "  - {gpu: h100-80gb, nodes: [n1, n2], gpus_per_node: 4}\n"                                    \
    "tenants:\n"                                                                                   \
    "  - {name: b, gpus: 2, workload: training}\n"

static void
test_incr_never_leaves_out_a_placed_tenant_to_place_a_new_one(void **state)
{
    static const char before[] =
        KEEP_HEAD "  - {name: a, gpus: 1, workload: training, replicas: 6}\n";
    static const char next[] =
        KEEP_HEAD "  - {name: a, gpus: 1, workload: training, replicas: 5}\n"
                  "  - {name: c, memory: 10GB, isolation: hard, replicas: 9}\n";
    struct incr_case c;

    (void)state;
    incr_case(&c, before, next, -1);
    assert_int_equal(c.x.reconfigured, 0);
    assert_int_equal(c.x.nmoves, 0);
    assert_int_equal(c.x.result.nunplaced, 1);
    assert_string_equal(c.next.file.tenants[c.x.result.unplaced[0].demand].name, "c");
    assert_int_equal(c.d.reconfigured, 0);
    incr_case_release(&c);
}

static void
test_incr_is_deterministic(void **state)
{
    struct incr_case a, b;
    struct gpv_buf ja = {0}, jb = {0};

    (void)state;
    incr_case(&a, site, site_more, -1);
    incr_case(&b, site, site_more, -1);
    gpv_val_write_json(a.next_doc, &ja);
    gpv_val_write_json(b.next_doc, &jb);
    assert_string_equal(gpv_buf_str(&ja), gpv_buf_str(&jb));
    gpv_buf_release(&ja);
    gpv_buf_release(&jb);
    incr_case_release(&a);
    incr_case_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incr_from_its_own_plan_changes_nothing),
        cmocka_unit_test(test_incr_puts_a_new_tenant_in_free_units_without_draining),
        cmocka_unit_test(test_incr_moves_a_tenant_whose_needs_grew_and_says_why),
        cmocka_unit_test(test_incr_is_deterministic),
        cmocka_unit_test(test_incr_undoes_a_drain_that_places_nothing_more),
        cmocka_unit_test(test_incr_never_leaves_out_a_placed_tenant_to_place_a_new_one),
    };

    return cmocka_run_group_tests_name("incr", tests, setup, teardown);
}
