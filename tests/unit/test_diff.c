#include "gpuvplan/db.h"
#include "gpuvplan/diff.h"
#include "gpuvplan/error.h"
#include "gpuvplan/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_fixture.h"

/* A state of node n1 with one H100-80GB per layout: "mig:1g.10gb@0,3g.40gb@4", "whole". */
static char *
state_json(const char *const *gpus, size_t n)
{
    struct gpv_buf b = {0};
    size_t i;

    gpv_buf_puts(&b, "{\"schema\": \"gpuvplan.state/1\", \"gpus\": [");
    for (i = 0; i < n; i++) {
        const char *p = gpus[i];
        bool mig = !strncmp(p, "mig", 3);

        gpv_buf_printf(&b,
                       "%s{\"id\": \"n1/%zu\", \"node\": \"n1\", \"index\": %zu, \"model\": "
                       "\"h100-80gb\", \"mode\": \"%s\", \"instances_known\": \"exact\", "
                       "\"instances\": [",
                       i ? ", " : "", i, i, mig ? "mig" : "whole");
        if (mig && p[3] == ':') {
            char *list = strdup(p + 4), *tok, *save = NULL;
            bool first = true;

            for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                char *at = strchr(tok, '@');
                const struct gpv_gpu *g = gpu("h100-80gb");
                int pi;

                *at = '\0';
                pi = gpv_gpu_find_profile(g, tok);
                assert_true(pi >= 0);
                gpv_buf_printf(&b, "%s{\"profile\": \"%s\", \"start\": %s, \"size\": %d}",
                               first ? "" : ", ", tok, at + 1, g->mig->profiles[pi].size);
                first = false;
            }
            free(list);
        }
        gpv_buf_puts(&b, "]}");
    }
    gpv_buf_puts(&b, "]}");
    return gpv_buf_detach(&b);
}

struct side {
    struct gpv_val *v;
    struct gpv_diff_doc d;
};

static int
read_side(struct side *s, const char *json, struct gpv_error *err)
{
    gpv_error_init(err);
    gpv_diff_doc_init(&s->d);
    s->v = NULL;
    assert_int_equal(gpv_val_parse_json(&s->v, json, strlen(json), "s.json", err), 0);
    return gpv_diff_doc_read(&s->d, s->v, &db, "s.json", err);
}

static void
release_side(struct side *s)
{
    gpv_diff_doc_release(&s->d);
    gpv_val_free(s->v);
}

/* Diffs a one-GPU state `before` against `after`; returns the change of that GPU. */
static enum gpv_diff_gpu_change
change_of(const char *before, const char *after, int *destroyed)
{
    char *a = state_json(&before, 1), *b = state_json(&after, 1);
    struct side o, n;
    struct gpv_error err;
    struct gpv_diff d;
    enum gpv_diff_gpu_change c;

    assert_int_equal(read_side(&o, a, &err), 0);
    assert_int_equal(read_side(&n, b, &err), 0);
    gpv_diff_compare(&d, &o.d, &n.d);
    assert_int_equal(d.ngpus, 1);
    c = d.gpus[0].change;
    *destroyed = d.gpus[0].destroyed;
    gpv_diff_release(&d);
    release_side(&o);
    release_side(&n);
    free(a);
    free(b);
    return c;
}

static void
test_diff_same_layout_is_no_change(void **state)
{
    int destroyed;

    (void)state;
    assert_int_equal(change_of("mig:1g.10gb@0,3g.40gb@4", "mig:3g.40gb@4,1g.10gb@0", &destroyed),
                     GPV_DIFF_SAME);
    assert_int_equal(destroyed, 0);
}

static void
test_diff_taking_a_free_slot_is_in_place(void **state)
{
    int destroyed;

    (void)state;
    assert_int_equal(
        change_of("mig:1g.10gb@0,3g.40gb@4", "mig:1g.10gb@0,1g.10gb@1,3g.40gb@4", &destroyed),
        GPV_DIFF_IN_PLACE);
    assert_int_equal(destroyed, 0);
    assert_int_equal(change_of("mig:1g.10gb@0,3g.40gb@4", "mig:3g.40gb@4", &destroyed),
                     GPV_DIFF_IN_PLACE);
    assert_int_equal(destroyed, 1);
}

static void
test_diff_repartitioning_units_in_use_is_a_reconfiguration(void **state)
{
    int destroyed;

    (void)state;
    /* 2g.20gb@0 becomes two 1g.10gb on its units: every instance of the GPU is drained. */
    assert_int_equal(
        change_of("mig:2g.20gb@0,3g.40gb@4", "mig:1g.10gb@0,1g.10gb@1,3g.40gb@4", &destroyed),
        GPV_DIFF_RECONFIGURED);
    assert_int_equal(destroyed, 2);
}

static void
test_diff_mig_on_an_idle_whole_gpu_is_added_and_off_is_removed(void **state)
{
    int destroyed;

    (void)state;
    assert_int_equal(change_of("whole", "mig:7g.80gb@0", &destroyed), GPV_DIFF_ADDED);
    assert_int_equal(change_of("mig:7g.80gb@0", "whole", &destroyed), GPV_DIFF_REMOVED);
    assert_int_equal(destroyed, 1);
    assert_int_equal(change_of("whole", "whole", &destroyed), GPV_DIFF_SAME);
}

static void
test_diff_matches_gpus_by_node_and_index_whatever_their_order(void **state)
{
    const char *before[] = {"whole", "mig:7g.80gb@0"}, *after[] = {"whole", "mig:7g.80gb@0"};
    char *a = state_json(before, 2), *b = state_json(after, 2), *swap;
    struct side o, n;
    struct gpv_error err;
    struct gpv_diff d;

    (void)state;
    /* The same GPUs listed the other way round. */
    swap = strstr(b, "{\"id\": \"n1/1\"");
    assert_non_null(swap);
    {
        char *first = strstr(b, "{\"id\": \"n1/0\"");
        size_t l0 = (size_t)(swap - 2 - first), l1 = strlen(swap) - 2;
        struct gpv_buf r = {0};

        gpv_buf_put(&r, b, (size_t)(first - b));
        gpv_buf_put(&r, swap, l1);
        gpv_buf_puts(&r, ", ");
        gpv_buf_put(&r, first, l0);
        gpv_buf_puts(&r, "]}");
        free(b);
        b = gpv_buf_detach(&r);
    }
    assert_int_equal(read_side(&o, a, &err), 0);
    assert_int_equal(read_side(&n, b, &err), 0);
    assert_string_equal(n.d.gpus[0].id, "n1/1");
    assert_int_equal(gpv_diff_compare(&d, &o.d, &n.d), 0);
    assert_string_equal(d.gpus[0].id, "n1/0");
    gpv_diff_release(&d);
    release_side(&o);
    release_side(&n);
    free(a);
    free(b);
}

static void
test_diff_rejects_invalid_states(void **state)
{
    static const struct {
        const char *json, *part;
    } cases[] = {
        {"{\"schema\": \"nope/1\"}", "not a plan or a state"},
        {"{\"schema\": \"gpuvplan.state/1\", \"gpus\": 3}", "'gpus' must be an array"},
        {"{\"schema\": \"gpuvplan.state/1\", \"gpus\": [{\"id\": \"a/0\", \"node\": \"a\", "
         "\"index\": 0, \"model\": \"h100-80gbx\", \"mode\": \"whole\", \"instances_known\": "
         "\"exact\", \"instances\": []}]}",
         "unknown GPU model 'h100-80gbx'"},
        {"{\"schema\": \"gpuvplan.state/1\", \"gpus\": [{\"id\": \"a/0\", \"node\": \"a\", "
         "\"index\": 0, \"model\": \"h100-80gb\", \"mode\": \"mig\", \"instances_known\": "
         "\"exact\", \"instances\": [{\"profile\": \"3g.40gb\", \"start\": 1, \"size\": 4}]}]}",
         "invalid MIG layout"},
        {"{\"schema\": \"gpuvplan.state/1\", \"gpus\": [{\"id\": \"a/0\", \"node\": \"a\", "
         "\"index\": 0, \"model\": \"h100-80gb\", \"mode\": \"whole\", \"instances_known\": "
         "\"exact\", \"instances\": []}, {\"id\": \"a/0\", \"node\": \"a\", \"index\": 0, "
         "\"model\": \"h100-80gb\", \"mode\": \"whole\", \"instances_known\": \"exact\", "
         "\"instances\": []}]}",
         "listed twice"},
        {"{\"schema\": \"gpuvplan.plan/1\"}", ""},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct side s;
        struct gpv_error err;

        if (read_side(&s, cases[i].json, &err) != GPV_EINPUT || !strstr(err.msg, cases[i].part))
            fail_msg("case %zu: got '%s', expected ...%s...", i, err.msg, cases[i].part);
        assert_int_equal(s.d.ngpus, 0);
        release_side(&s);
    }
}

/* The markers the table and the HTML page share; an unchanged GPU gets the caller's. */
static void
test_diff_gpu_marks_are_the_plan_tools_ones(void **state)
{
    (void)state;
    assert_string_equal(gpv_diff_gpu_mark(GPV_DIFF_ADDED, " "), "+");
    assert_string_equal(gpv_diff_gpu_mark(GPV_DIFF_REMOVED, " "), "-");
    assert_string_equal(gpv_diff_gpu_mark(GPV_DIFF_IN_PLACE, " "), "~");
    assert_string_equal(gpv_diff_gpu_mark(GPV_DIFF_RECONFIGURED, " "), "!");
    assert_string_equal(gpv_diff_gpu_mark(GPV_DIFF_SAME, "="), "=");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_gpu_marks_are_the_plan_tools_ones),
        cmocka_unit_test(test_diff_same_layout_is_no_change),
        cmocka_unit_test(test_diff_taking_a_free_slot_is_in_place),
        cmocka_unit_test(test_diff_repartitioning_units_in_use_is_a_reconfiguration),
        cmocka_unit_test(test_diff_mig_on_an_idle_whole_gpu_is_added_and_off_is_removed),
        cmocka_unit_test(test_diff_matches_gpus_by_node_and_index_whatever_their_order),
        cmocka_unit_test(test_diff_rejects_invalid_states),
    };

    return cmocka_run_group_tests_name("diff", tests, setup, teardown);
}
