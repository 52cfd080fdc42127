#include "gpuvplan/db.h"
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
#include "plan_int.h"

static const char site[] =
    "version: 1\n"
    "licenses: {ai_enterprise: true, vws: true, vpc: true}\n"
    "fleet:\n"
    "  - {gpu: h100-80gb, count: 5, cost_per_hour: 3}\n"
    "  - {gpu: l40s, count: 2, cost_per_hour: 1}\n"
    "tenants:\n"
    "  - {name: a, memory: 20GB, isolation: hard}\n"
    "  - {name: b, memory: 20GB, isolation: hard, replicas: 3, spread: true}\n"
    "  - {name: c, memory: 2GiB, workload: vdi, environment: vm, replicas: 5}\n"
    "  - {name: d, memory: 16GiB, isolation: hard, environment: vm, live_migration: true}\n"
    "  - {name: e, memory: 60GB, full_gpu: true, environment: vm}\n";

/* Names YAML would misread as other types, and a fleet too small for everyone. */
static const char odd_site[] = "version: 1\n"
                               "licenses: {ai_enterprise: true, vws: true}\n"
                               "fleet:\n"
                               "  - {gpu: h100-80gb, count: 1}\n"
                               "tenants:\n"
                               "  - {name: \"yes\", memory: 20GB, isolation: hard}\n"
                               "  - {name: \"42\", memory: 20GB, isolation: hard, replicas: 2}\n"
                               "  - {name: \"0x1f\", memory: 10GB, isolation: hard}\n"
                               "  - {name: \"null\", memory: 10GB, isolation: hard}\n"
                               "  - {name: \"-dash\", memory: 40GB, isolation: hard}\n"
                               "  - {name: big, memory: 80GB, isolation: hard, replicas: 2}\n"
                               "  - {name: plain, memory: 60GB, isolation: hard, replicas: 3}\n";

struct planned {
    struct gpv_tenants file;
    struct gpv_plan_job job;
    struct gpv_plan_run run;
    struct gpv_plan_src src;
};

static void
plan_text(struct planned *p, const char *text, enum gpv_pack_strategy strategy)
{
    struct gpv_error err;

    memset(p, 0, sizeof(*p));
    if (gpv_tenants_load_mem(&p->file, text, strlen(text), "site.yaml", &db, &err))
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    p->job.file = &p->file;
    p->job.rules = &rules;
    p->job.db = &db;
    p->job.strategy = strategy;
    assert_int_equal(gpv_plan_run(&p->run, &p->job, &err), 0);
    p->src.tenants_file = "site.yaml";
    p->src.rules = rules.name;
    p->src.job = &p->job;
    p->src.run = &p->run;
}

static void
plan_site(struct planned *p, enum gpv_pack_strategy strategy)
{
    plan_text(p, site, strategy);
}

static void
planned_release(struct planned *p)
{
    gpv_plan_run_release(&p->run);
    gpv_tenants_release(&p->file);
}

static void
test_plan_json_written_directly_equals_the_value_tree_written_as_json(void **state)
{
    struct planned p;
    struct gpv_val *tree;
    struct gpv_buf a, b;

    (void)state;
    plan_site(&p, GPV_PACK_OPTIMAL);
    p.src.explain = true;
    tree = gpv_plan_build(&p.src);
    gpv_buf_init(&a);
    gpv_buf_init(&b);
    gpv_val_write_json(tree, &a);
    gpv_plan_write_json(&p.src, &b);
    assert_true(a.len > 1000);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.s, b.s, a.len);
    gpv_buf_release(&a);
    gpv_buf_release(&b);
    gpv_val_free(tree);
    planned_release(&p);
}

/* The plan written straight from its source equals the tree written by the value writers. */
static void
assert_writers_agree(const struct gpv_plan_src *src)
{
    struct gpv_val *tree = gpv_plan_build(src);
    struct gpv_buf a, b;

    gpv_buf_init(&a);
    gpv_buf_init(&b);
    gpv_val_write_json(tree, &a);
    gpv_plan_write_json(src, &b);
    assert_string_equal(gpv_buf_str(&b), gpv_buf_str(&a));
    gpv_buf_release(&a);
    gpv_buf_release(&b);
    gpv_val_write_yaml(tree, &a);
    gpv_plan_write_yaml(src, &b);
    assert_true(a.len > 500);
    assert_string_equal(gpv_buf_str(&b), gpv_buf_str(&a));
    gpv_buf_release(&a);
    gpv_buf_release(&b);
    gpv_val_free(tree);
}

static void
test_plan_yaml_written_directly_equals_the_value_tree_written_as_yaml(void **state)
{
    enum gpv_pack_strategy s;

    (void)state;
    for (s = GPV_PACK_OPTIMAL; s <= GPV_PACK_FIRST_FIT; s++) {
        struct planned p;

        plan_site(&p, s);
        assert_writers_agree(&p.src);
        p.src.explain = true;
        assert_writers_agree(&p.src);
        planned_release(&p);
    }
}

static void
test_plan_writers_agree_on_names_that_need_quotes_and_on_unplaced_tenants(void **state)
{
    struct planned p;
    struct gpv_buf b;

    (void)state;
    plan_text(&p, odd_site, GPV_PACK_OPTIMAL);
    /* A file name JSON must escape and YAML must quote. */
    p.src.tenants_file = "my site: \"v2\"\t.yaml";
    assert_true(p.run.result.nunplaced > 0);
    assert_writers_agree(&p.src);
    p.src.explain = true;
    assert_writers_agree(&p.src);
    /* The names are there, quoted where YAML would misread them. */
    gpv_buf_init(&b);
    gpv_plan_write_yaml(&p.src, &b);
    assert_non_null(strstr(b.s, "  tenants_file: \"my site: \\\"v2\\\"\\t.yaml\"\n"));
    assert_non_null(strstr(b.s, "name: \"yes\"\n"));
    assert_non_null(strstr(b.s, "name: \"42\"\n"));
    assert_non_null(strstr(b.s, "name: \"0x1f\"\n"));
    assert_non_null(strstr(b.s, "name: \"null\"\n"));
    assert_non_null(strstr(b.s, "  - tenant: \"-dash\"\n"));
    assert_non_null(strstr(b.s, "  - tenant: plain\n"));
    gpv_buf_release(&b);
    planned_release(&p);
}

static void
test_plan_table_fits_the_width_of_its_style(void **state)
{
    static const struct gpv_plan_style narrow = {"", "", "", "", 60};
    static const struct gpv_plan_style tiny = {"", "", "", "", 30};
    struct planned p;
    struct gpv_buf a;
    const char *s, *nl;

    (void)state;
    plan_text(&p, odd_site, GPV_PACK_OPTIMAL);
    gpv_buf_init(&a);
    /* Every grid, tenant row, reason and summary line within 60 columns. */
    gpv_plan_write_table(&p.src, &narrow, &a);
    assert_null(strstr(a.s, "START  SIZE  PROFILE"));
    for (s = a.s; (nl = strchr(s, '\n')); s = nl + 1)
        assert_true(nl - s <= 60);
    /* At 30 the grid is a list. */
    gpv_buf_release(&a);
    gpv_plan_write_table(&p.src, &tiny, &a);
    assert_non_null(strstr(a.s, "    START  SIZE  PROFILE  TENANT\n"));
    gpv_buf_release(&a);
    planned_release(&p);
}

static void
test_plan_table_marks_headings_and_unplaced_tenants_with_the_style(void **state)
{
    static const struct gpv_plan_style style = {"<b>", "<d>", "<r>", "</>", 0};
    struct planned p;
    struct gpv_buf a, b;

    (void)state;
    plan_text(&p, odd_site, GPV_PACK_OPTIMAL);
    gpv_buf_init(&a);
    gpv_buf_init(&b);
    gpv_plan_write_table(&p.src, &style, &a);
    assert_non_null(strstr(a.s, "<b>Plan</> for site.yaml (strategy optimal)\n"));
    assert_non_null(strstr(a.s, "\n<b>GPUs</> (1)\n<b>h100-80gb-1</>  mig\n"));
    assert_non_null(strstr(a.s, "\n<b>Unplaced</> ("));
    assert_non_null(strstr(a.s, "\n  <r>big</> (2 of 2 replicas)\n    - "));
    assert_non_null(strstr(a.s, "\n<b>Summary</>\n  GPUs       1 used, lower bound 1"));
    assert_non_null(strstr(a.s, "  cost       unknown (give cost_per_hour in the fleet)\n"));
    /* Without a style: the same text, undecorated. */
    gpv_plan_write_table(&p.src, NULL, &b);
    assert_null(strchr(b.s, '<'));
    assert_non_null(strstr(b.s, "\nUnplaced ("));
    assert_true(b.len < a.len);
    gpv_buf_release(&a);
    gpv_buf_release(&b);
    planned_release(&p);
}

static void
test_plan_places_every_tenant_and_passes_its_own_check(void **state)
{
    enum gpv_pack_strategy s;

    (void)state;
    for (s = GPV_PACK_OPTIMAL; s <= GPV_PACK_FIRST_FIT; s++) {
        struct planned p;
        struct gpv_plan_policy pol;
        struct gpv_plan_findings fs;
        struct gpv_error err;
        struct gpv_val *tree;
        const struct gpv_val *sum;

        plan_site(&p, s);
        tree = gpv_plan_build(&p.src);
        sum = gpv_val_get(tree, "summary");
        assert_int_equal(gpv_val_get(sum, "unplaced")->i, 0);
        assert_int_equal(gpv_val_get(sum, "placed")->i, 5);
        assert_true(gpv_val_get(sum, "lower_bound")->i <= gpv_val_get(sum, "gpus_used")->i);
        gpv_plan_policy_init(&pol);
        assert_int_equal(gpv_plan_check(&fs, tree, &db, &pol, "site.json", &err), 0);
        if (fs.n)
            fail_msg("%s: %s", fs.v[0].where, fs.v[0].what);
        assert_true(fs.checks > 10);
        gpv_plan_findings_release(&fs);
        gpv_val_free(tree);
        planned_release(&p);
    }
}

static void
test_plan_check_finds_a_moved_instance(void **state)
{
    struct planned p;
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    struct gpv_error err;
    struct gpv_val *tree;
    const struct gpv_val *gpus;
    size_t g;

    (void)state;
    plan_site(&p, GPV_PACK_OPTIMAL);
    tree = gpv_plan_build(&p.src);
    gpus = gpv_val_get(tree, "gpus");
    /* Move the first instance of the first MIG GPU to an odd unit, where no 1g.20gb starts. */
    for (g = 0; g < gpus->n; g++) {
        const struct gpv_val *gv = gpus->items[g];

        if (!strcmp(gpv_val_get(gv, "mode")->s, "mig")) {
            struct gpv_val *x = gpv_val_get(gv, "instances")->items[0];
            size_t k;

            for (k = 0; k < x->n; k++)
                if (!strcmp(x->keys[k], "start"))
                    x->items[k]->i = 1;
            break;
        }
    }
    assert_true(g < gpus->n);
    gpv_plan_policy_init(&pol);
    assert_int_equal(gpv_plan_check(&fs, tree, &db, &pol, "site.json", &err), 0);
    assert_true(fs.n >= 1);
    for (g = 0; g < fs.n && !strstr(fs.v[g].what, "may not start at 1"); g++)
        ;
    assert_true(g < fs.n);
    gpv_plan_findings_release(&fs);
    gpv_val_free(tree);
    planned_release(&p);
}

static void
test_plan_check_keeps_a_finding_longer_than_a_line_whole(void **state)
{
    struct planned p;
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    struct gpv_error err;
    struct gpv_val *tree, *x;
    char *name = xmalloc(3001);
    size_t k;

    (void)state;
    plan_site(&p, GPV_PACK_OPTIMAL);
    tree = gpv_plan_build(&p.src);
    /* An instance of a tenant with a 3000-byte name that is not in tenants. */
    x = gpv_val_get(gpv_val_get(tree, "gpus")->items[0], "instances")->items[0];
    memset(name, 'z', 3000);
    name[3000] = '\0';
    for (k = 0; k < x->n; k++)
        if (!strcmp(x->keys[k], "tenant")) {
            free(x->items[k]->s);
            x->items[k]->s = xstrdup(name);
        }
    gpv_plan_policy_init(&pol);
    assert_int_equal(gpv_plan_check(&fs, tree, &db, &pol, "site.json", &err), 0);
    for (k = 0; k < fs.n && !strstr(fs.v[k].what, "who is not in tenants"); k++)
        ;
    assert_true(k < fs.n);
    assert_non_null(strstr(fs.v[k].what, name));
    gpv_plan_findings_release(&fs);
    gpv_val_free(tree);
    planned_release(&p);
    free(name);
}

static void
test_plan_check_finds_each_repeat_of_an_unplaced_tenant(void **state)
{
    struct planned p;
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    struct gpv_error err;
    struct gpv_val *tree, *unplaced;
    size_t i, k, repeats = 0;

    (void)state;
    plan_text(&p, odd_site, GPV_PACK_OPTIMAL);
    tree = gpv_plan_build(&p.src);
    unplaced = (struct gpv_val *)gpv_val_get(tree, "unplaced");
    assert_true(unplaced->n >= 2);
    /* '-dash' twice more, after the others; the first listing is not a repeat. */
    for (k = 0; k < 2; k++) {
        struct gpv_val *u = gpv_val_push(unplaced, gpv_val_obj());

        gpv_val_set_str(u, "tenant", "-dash");
        /* The schema wants at least one reason. */
        gpv_val_push(gpv_val_set(u, "reasons", gpv_val_arr()), gpv_val_str("repeated"));
    }
    gpv_plan_policy_init(&pol);
    pol.allow_unplaced = true;
    assert_int_equal(gpv_plan_check(&fs, tree, &db, &pol, "odd.json", &err), 0);
    for (i = 0; i < fs.n; i++) {
        if (!strcmp(fs.v[i].what, "is listed more than once in unplaced")) {
            assert_string_equal(fs.v[i].where, "tenant '-dash'");
            repeats++;
        }
    }
    assert_int_equal(repeats, 2);
    gpv_plan_findings_release(&fs);
    gpv_val_free(tree);
    planned_release(&p);
}

static void
test_plan_check_rejects_a_value_that_is_not_a_plan(void **state)
{
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    struct gpv_error err;
    struct gpv_val *v = gpv_val_obj();

    (void)state;
    gpv_val_set_str(v, "schema", "something/1");
    gpv_plan_policy_init(&pol);
    assert_int_equal(gpv_plan_check(&fs, v, &db, &pol, "x.json", &err), GPV_EINPUT);
    assert_non_null(strstr(err.msg, "not a plan: schema is 'something/1'"));
    assert_int_equal(fs.n, 0);
    gpv_val_free(v);
}

/* Counts the edits of tree under v for which the shape pass refuses and the schema accepts. */
static size_t
shape_only_refusals(struct gpv_val *tree, struct gpv_val *v, size_t *edits)
{
    struct gpv_val *other[7];
    struct gpv_error e1, e2;
    size_t i, k, bad = 0;

    other[0] = gpv_val_null();
    other[1] = gpv_val_bool(true);
    other[2] = gpv_val_int(-1);
    other[3] = gpv_val_num(0.5);
    other[4] = gpv_val_str("x");
    other[5] = gpv_val_arr();
    other[6] = gpv_val_obj();
    for (i = 0; (v->type == GPV_V_OBJ || v->type == GPV_V_ARR) && i < v->n; i++) {
        struct gpv_val *keep = v->items[i];

        if (v->type == GPV_V_OBJ) { /* the member left out */
            char *key = v->keys[i];

            memmove(v->items + i, v->items + i + 1, (v->n - i - 1) * sizeof(*v->items));
            memmove(v->keys + i, v->keys + i + 1, (v->n - i - 1) * sizeof(*v->keys));
            v->n--;
            (*edits)++;
            if (pl_shape(tree, "p.json", &e1) && !pl_schema(tree, "p.json", &e2)) {
                print_error("the schema accepts a plan without '%s': %s\n", key, e1.msg);
                bad++;
            }
            v->n++;
            memmove(v->items + i + 1, v->items + i, (v->n - i - 1) * sizeof(*v->items));
            memmove(v->keys + i + 1, v->keys + i, (v->n - i - 1) * sizeof(*v->keys));
            v->items[i] = keep;
            v->keys[i] = key;
        }
        for (k = 0; k < 7; k++) { /* the member or item of another type */
            v->items[i] = other[k];
            (*edits)++;
            if (pl_shape(tree, "p.json", &e1) && !pl_schema(tree, "p.json", &e2)) {
                print_error("the schema accepts what the shape refuses: %s\n", e1.msg);
                bad++;
            }
        }
        v->items[i] = keep;
        bad += shape_only_refusals(tree, keep, edits);
    }
    for (k = 0; k < 7; k++)
        gpv_val_free(other[k]);
    return bad;
}

static void
test_plan_schema_refuses_every_plan_the_shape_pass_refuses(void **state)
{
    const char *texts[2] = {site, odd_site};
    struct gpv_error err;
    size_t t, edits = 0;

    (void)state;
    /* gpv_plan_check runs the shape pass only when the schema refuses a plan. */
    for (t = 0; t < 2; t++) {
        struct planned p;
        struct gpv_val *tree;

        plan_text(&p, texts[t], GPV_PACK_OPTIMAL);
        tree = gpv_plan_build(&p.src);
        assert_int_equal(pl_shape(tree, "p.json", &err), 0);
        assert_int_equal(pl_schema(tree, "p.json", &err), 0);
        assert_int_equal(shape_only_refusals(tree, tree, &edits), 0);
        gpv_val_free(tree);
        planned_release(&p);
    }
    assert_true(edits > 1000);
}

static void
test_plan_decides_each_kind_of_tenant_once(void **state)
{
    struct planned p;

    (void)state;
    plan_site(&p, GPV_PACK_OPTIMAL);
    /* Five tenants, five kinds. */
    assert_int_equal(p.run.ndecisions, 5);
    planned_release(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_json_written_directly_equals_the_value_tree_written_as_json),
        cmocka_unit_test(test_plan_yaml_written_directly_equals_the_value_tree_written_as_yaml),
        cmocka_unit_test(test_plan_writers_agree_on_names_that_need_quotes_and_on_unplaced_tenants),
        cmocka_unit_test(test_plan_table_marks_headings_and_unplaced_tenants_with_the_style),
        cmocka_unit_test(test_plan_table_fits_the_width_of_its_style),
        cmocka_unit_test(test_plan_places_every_tenant_and_passes_its_own_check),
        cmocka_unit_test(test_plan_check_finds_a_moved_instance),
        cmocka_unit_test(test_plan_check_finds_each_repeat_of_an_unplaced_tenant),
        cmocka_unit_test(test_plan_check_rejects_a_value_that_is_not_a_plan),
        cmocka_unit_test(test_plan_schema_refuses_every_plan_the_shape_pass_refuses),
        cmocka_unit_test(test_plan_check_keeps_a_finding_longer_than_a_line_whole),
        cmocka_unit_test(test_plan_decides_each_kind_of_tenant_once),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
