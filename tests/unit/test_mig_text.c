#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/mig_text.h"
#include "gpuvplan/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "db_fixture.h"

/* Words counts (profile name, count pairs, NULL-terminated) and returns the number of reasons. */
static int
word(struct gpv_buf *b, const struct gpv_gpu *g, int driver, ...)
{
    int counts[GPV_MIG_MAX_PROFILES] = {0};
    const char *name;
    va_list ap;

    va_start(ap, driver);
    while ((name = va_arg(ap, const char *)))
        counts[prof(g, name)] += va_arg(ap, int);
    va_end(ap);
    gpv_buf_init(b);
    return gpv_mig_text_reasons(b, g, counts, driver, "; ");
}

static void
test_mig_text_words_four_2g_on_h100_with_the_1g_20gb_alternative(void **state)
{
    struct gpv_buf b;

    (void)state;
    assert_int_equal(word(&b, gpu("h100-80gb"), 0, "2g.20gb", 4, NULL), 1);
    assert_string_equal(gpv_buf_str(&b),
                        "4 x 2g.20gb asked, but a GPU holds at most 3 (2g.20gb may start at units "
                        "0, 2 or 4); 1g.20gb has as much memory and allows 4");
    gpv_buf_release(&b);
}

static void
test_mig_text_says_which_instances_take_the_room(void **state)
{
    struct gpv_buf b;

    (void)state;
    assert_int_equal(word(&b, gpu("h100-80gb"), 0, "3g.40gb", 2, "1g.10gb", 1, NULL), 1);
    assert_string_equal(gpv_buf_str(&b), "3g.40gb x2 take units 0-3 and 4-7; 1g.10gb may start "
                                         "at 0, 1, 2, 3, 4, 5 or 6; it does not fit; the request "
                                         "needs 9 units, the grid has 8");
    gpv_buf_release(&b);
}

static void
test_mig_text_joins_several_reasons_with_the_separator(void **state)
{
    struct gpv_buf b;
    const char *s;

    (void)state;
    assert_int_equal(word(&b, gpu("h100-80gb"), 0, "3g.40gb", 4, "1g.10gb", 1, NULL), 2);
    s = gpv_buf_str(&b);
    assert_non_null(strstr(s, "holds at most 2 (3g.40gb may start at units 0 or 4); 3g.40gb x2"));
    gpv_buf_release(&b);
}

static void
test_mig_text_leaves_a_valid_geometry_unworded(void **state)
{
    struct gpv_buf b;

    (void)state;
    assert_int_equal(word(&b, gpu("h100-80gb"), 0, "1g.20gb", 4, NULL), 0);
    assert_string_equal(gpv_buf_str(&b), "");
    gpv_buf_release(&b);
}

static void
test_mig_text_names_the_driver_of_a_driver_bound_rule(void **state)
{
    struct gpv_buf b;
    const char *s;

    (void)state;
    assert_true(word(&b, gpu("a100-40gb"), 470, "4g.20gb", 1, "3g.20gb", 1, NULL) >= 1);
    s = gpv_buf_str(&b);
    assert_non_null(strstr(s, "cannot share a GPU with"));
    assert_non_null(strstr(s, " on driver R470 (before R510): "));
    gpv_buf_release(&b);
}

static void
test_mig_text_words_every_bad_instance_of_a_layout(void **state)
{
    const struct gpv_gpu *g = gpu("h100-80gb");
    struct gpv_mig_layout l = {3, {{0, 0}, {0, 0}, {0, 0}}};
    struct gpv_buf b;
    const char *s;

    (void)state;
    l.inst[0].profile = prof(g, "3g.40gb");
    l.inst[0].start = 0;
    l.inst[1].profile = prof(g, "1g.10gb");
    l.inst[1].start = 2;
    l.inst[2].profile = prof(g, "3g.40gb");
    l.inst[2].start = 2;
    gpv_buf_init(&b);
    assert_true(gpv_mig_text_layout_reasons(&b, g, &l, 0, "\n") >= 3);
    s = gpv_buf_str(&b);
    assert_non_null(strstr(s, "instances 0 (3g.40gb at 0) and 1 (1g.10gb at 2) overlap"));
    assert_non_null(strstr(s, "instance 2: 3g.40gb may not start at 2 (allowed: 0, 4)"));
    gpv_buf_release(&b);
}

static void
test_mig_text_words_every_reason_even_past_its_stack_buffer(void **state)
{
    const struct gpv_gpu *g = gpu("h100-80gb");
    struct gpv_mig_layout l;
    struct gpv_buf b;
    const char *s;
    int i, n, lines = 1;

    (void)state;
    /* 12 instances at unit 0: 66 overlapping pairs and a count over the max. */
    l.n = 12;
    for (i = 0; i < l.n; i++) {
        l.inst[i].profile = prof(g, "1g.10gb");
        l.inst[i].start = 0;
    }
    gpv_buf_init(&b);
    n = gpv_mig_text_layout_reasons(&b, g, &l, 0, "\n");
    assert_true(n > 66);
    for (s = gpv_buf_str(&b); *s; s++)
        lines += *s == '\n';
    assert_int_equal(lines, n);
    assert_non_null(
        strstr(gpv_buf_str(&b), "instances 10 (1g.10gb at 0) and 11 (1g.10gb at 0) overlap"));
    gpv_buf_release(&b);
}

static void
test_mig_text_words_the_driver(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_mig_text_driver(&b, 0);
    gpv_buf_puts(&b, "|");
    gpv_mig_text_driver(&b, 535);
    assert_string_equal(gpv_buf_str(&b), "the newest driver|driver R535");
    gpv_buf_release(&b);
}

static void
test_mig_alternative_finds_1g_20gb_for_four_2g_20gb_on_h100(void **state)
{
    const struct gpv_gpu *g = gpu("h100-80gb");

    (void)state;
    assert_int_equal(gpv_mig_alternative(g, prof(g, "2g.20gb"), 4, 0), prof(g, "1g.20gb"));
    assert_int_equal(gpv_mig_alternative(g, prof(g, "7g.80gb"), 2, 0), -1);
    assert_int_equal(gpv_mig_alternative(g, -1, 1, 0), -1);
}

static void
test_mig_size_order_puts_7g_first_and_1g_last(void **state)
{
    const struct gpv_gpu *g = gpu("h100-80gb");
    int order[GPV_MIG_MAX_PROFILES];
    size_t i;

    (void)state;
    gpv_mig_size_order(order, g);
    assert_int_equal(order[0], prof(g, "7g.80gb"));
    for (i = 1; i < g->mig->nprofiles; i++)
        assert_true(g->mig->profiles[order[i - 1]].size >= g->mig->profiles[order[i]].size);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mig_text_words_four_2g_on_h100_with_the_1g_20gb_alternative),
        cmocka_unit_test(test_mig_text_says_which_instances_take_the_room),
        cmocka_unit_test(test_mig_text_joins_several_reasons_with_the_separator),
        cmocka_unit_test(test_mig_text_leaves_a_valid_geometry_unworded),
        cmocka_unit_test(test_mig_text_names_the_driver_of_a_driver_bound_rule),
        cmocka_unit_test(test_mig_text_words_every_bad_instance_of_a_layout),
        cmocka_unit_test(test_mig_text_words_every_reason_even_past_its_stack_buffer),
        cmocka_unit_test(test_mig_text_words_the_driver),
        cmocka_unit_test(test_mig_alternative_finds_1g_20gb_for_four_2g_20gb_on_h100),
        cmocka_unit_test(test_mig_size_order_puts_7g_first_and_1g_last),
    };

    return cmocka_run_group_tests_name("mig_text", tests, setup, teardown);
}
