#include "draw.h"
#include "gpuvplan/db.h"
#include "gpuvplan/mig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

static int
setup(void **state)
{
    static struct gpv_db db;
    struct gpv_error err;

    gpv_db_init(&db);
    if (gpv_db_load_embedded(&db, &err) != 0)
        return -1;
    *state = &db;
    return 0;
}

static int
teardown(void **state)
{
    gpv_db_release(*state);
    return 0;
}

static const struct gpv_gpu *
gpu(void **state, const char *id)
{
    const struct gpv_gpu *g = gpv_db_find(*state, id);

    assert_non_null(g);
    return g;
}

/* Appends an instance of the named profile at start. */
static void
add(struct gpv_mig_layout *l, const struct gpv_gpu *g, const char *name, int start)
{
    l->inst[l->n].profile = gpv_gpu_find_profile(g, name);
    assert_true(l->inst[l->n].profile >= 0);
    l->inst[l->n].start = start;
    l->n++;
}

static void
draw(struct gpv_buf *b, const struct gpv_gpu *g, const struct gpv_mig_layout *l,
     const struct gpv_draw *d)
{
    gpv_buf_release(b);
    gpv_draw_layout(b, g, l, d);
}

static void
test_draw_spans_each_instance_across_its_units(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct gpv_mig_layout l = {0};
    struct gpv_draw d = {"  ", 0, 0, true, NULL};
    struct gpv_buf b = {0};
    int i;

    for (i = 0; i < 4; i++)
        add(&l, g, "1g.20gb", 2 * i);
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b), "   0   1   2   3   4   5   6   7\n"
                                         "  |1g.20gb|1g.20gb|1g.20gb|1g.20gb|\n");
    gpv_buf_release(&b);
}

static void
test_draw_shows_free_units_as_one_span(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct gpv_mig_layout l = {0};
    struct gpv_draw d = {NULL, 0, 0, false, NULL};
    struct gpv_buf b = {0};

    add(&l, g, "4g.40gb", 0);
    add(&l, g, "2g.20gb", 4);
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b), "|4g.40gb        |2g.20gb|free   |\n");
    /* Too narrow for the word: dots; too narrow for the name: cut with '~'. */
    l.n = 0;
    add(&l, g, "3g.40gb", 0);
    add(&l, g, "1g.10gb", 5);
    d.unit_width = 3;
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b), "|3g.40gb    |..|1~|free |\n");
    gpv_buf_release(&b);
}

static void
test_draw_adds_a_row_of_labels(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct gpv_mig_layout l = {0};
    const char *labels[] = {"fraud-scoring", NULL};
    struct gpv_draw d = {NULL, 0, 0, false, labels};
    struct gpv_buf b = {0};

    add(&l, g, "3g.40gb", 0);
    add(&l, g, "3g.40gb", 4);
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b), "|3g.40gb        |3g.40gb        |\n"
                                         "|fraud-scoring  |               |\n");
    gpv_buf_release(&b);
}

static void
test_draw_shortens_labels_that_do_not_fit(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct gpv_mig_layout l = {0};
    const char *labels[] = {"a-very-long-tenant-name", "b"};
    struct gpv_draw d = {NULL, 9, 0, false, labels};
    struct gpv_buf b = {0};

    add(&l, g, "1g.10gb+me", 0);
    add(&l, g, "7g.80gb", 0); /* overlapping: the later instance wins its units */
    l.n = 1;
    add(&l, g, "1g.10gb", 1);
    draw(&b, g, &l, &d);
    assert_string_equal(
        gpv_buf_str(&b),
        "|1g.10+me|1g.10gb |free                                                 |\n"
        "|a-very-~|b       |                                                     |\n");
    gpv_buf_release(&b);
}

static void
test_draw_fits_80_columns_on_every_grid(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_buf b = {0};
    const char *labels[GPV_MIG_MAX_INSTANCES];
    size_t i, p;
    int k;

    for (k = 0; k < GPV_MIG_MAX_INSTANCES; k++)
        labels[k] = "a-tenant-with-a-name-far-too-long-for-any-grid";
    for (i = 0; i < db->ngpus; i++) {
        const struct gpv_gpu *g = db->gpus[i];
        struct gpv_draw d = {"  ", 0, 80, true, labels};
        const char *s, *nl;

        if (!g->mig)
            continue;
        /* Each profile alone at its first start, the narrowest case for its name. */
        for (p = 0; p < g->mig->nprofiles; p++) {
            struct gpv_mig_layout l = {1, {{(int)p, g->mig->profiles[p].starts[0]}}};

            draw(&b, g, &l, &d);
            for (s = gpv_buf_str(&b); (nl = strchr(s, '\n')); s = nl + 1)
                assert_true(nl - s <= 80);
        }
    }
    gpv_buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw_spans_each_instance_across_its_units),
        cmocka_unit_test(test_draw_shows_free_units_as_one_span),
        cmocka_unit_test(test_draw_adds_a_row_of_labels),
        cmocka_unit_test(test_draw_shortens_labels_that_do_not_fit),
        cmocka_unit_test(test_draw_fits_80_columns_on_every_grid),
    };

    return cmocka_run_group_tests_name("draw", tests, setup, teardown);
}
