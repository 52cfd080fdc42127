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
    /* Too narrow for the word: dots. */
    l.n = 0;
    add(&l, g, "3g.40gb", 0);
    add(&l, g, "2g.20gb", 5);
    d.unit_width = 4;
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b), "|3g.40gb        |...|2g.20gb|...|\n");
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
        "|[1]     |b       |                                                     |\n"
        "[1] a-very-long-tenant-name\n");
    gpv_buf_release(&b);
}

static void
test_draw_gives_one_key_per_long_name_and_counts_utf8_as_one_column(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct gpv_mig_layout l = {0};
    /* Eight characters in eleven bytes: a span of nine columns (two units of five) holds it. */
    const char *labels[] = {"team-a-inference-large", "caf\xc3\xa9-\xc3\xa9t\xc3\xa9",
                            "team-a-inference-large", "team-b-inference-large"};
    struct gpv_draw d = {"  ", 0, 0, false, labels};
    struct gpv_buf b = {0};
    int i;

    for (i = 0; i < 4; i++)
        add(&l, g, "1g.20gb", 2 * i);
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b),
                        "  |1g.20gb  |1g.20gb  |1g.20gb  |1g.20gb  |\n"
                        "  |[1]      |caf\xc3\xa9-\xc3\xa9t\xc3\xa9 |[1]      |[2]      |\n"
                        "  [1] team-a-inference-large\n"
                        "  [2] team-b-inference-large\n");
    gpv_buf_release(&b);
}

static void
test_draw_lists_a_grid_too_wide_for_its_line(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct gpv_mig_layout l = {0};
    const char *labels[] = {"fraud-scoring", "chat"};
    struct gpv_draw d = {"  ", 0, 24, true, labels};
    struct gpv_buf b = {0};

    add(&l, g, "3g.40gb", 0);
    add(&l, g, "1g.10gb", 5);
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b), "  START  SIZE  PROFILE  TENANT\n"
                                         "  0      4     3g.40gb  fraud-scoring\n"
                                         "  4      1     free\n"
                                         "  5      1     1g.10gb  chat\n"
                                         "  6      2     free\n");
    /* Without labels: no tenant column. */
    d.labels = NULL;
    draw(&b, g, &l, &d);
    assert_string_equal(gpv_buf_str(&b), "  START  SIZE  PROFILE\n"
                                         "  0      4     3g.40gb\n"
                                         "  4      1     free\n"
                                         "  5      1     1g.10gb\n"
                                         "  6      2     free\n");
    /* Wide enough for the grid, too narrow for a profile name: a list too. */
    d.max_cols = 30;
    assert_true(gpv_draw_fits(8, "  ", 30));
    draw(&b, g, &l, &d);
    assert_non_null(strstr(gpv_buf_str(&b), "START"));
    d.max_cols = 80;
    draw(&b, g, &l, &d);
    assert_null(strstr(gpv_buf_str(&b), "START"));
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
        cmocka_unit_test(test_draw_gives_one_key_per_long_name_and_counts_utf8_as_one_column),
        cmocka_unit_test(test_draw_lists_a_grid_too_wide_for_its_line),
    };

    return cmocka_run_group_tests_name("draw", tests, setup, teardown);
}
