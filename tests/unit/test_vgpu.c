#include "gpuvplan/db.h"
#include "gpuvplan/vgpu.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db_fixture.h"

#include <string.h>

/* n residents of one type with one compute request, unplaced. */
static void
fill(struct gpv_vgpu_resident *r, size_t n, int type, double compute)
{
    size_t i;

    for (i = 0; i < n; i++) {
        r[i].type = type;
        r[i].compute = compute;
        r[i].placement = -1;
    }
}

static void
test_vgpu_lets_a_b_and_q_series_mix_but_keeps_c_apart(void **state)
{
    (void)state;
    assert_true(gpv_vgpu_series_compatible(GPV_SERIES_B, GPV_SERIES_Q));
    assert_true(gpv_vgpu_series_compatible(GPV_SERIES_A, GPV_SERIES_Q));
    assert_true(gpv_vgpu_series_compatible(GPV_SERIES_C, GPV_SERIES_C));
    assert_false(gpv_vgpu_series_compatible(GPV_SERIES_C, GPV_SERIES_Q));
    assert_false(gpv_vgpu_series_compatible(GPV_SERIES_B, GPV_SERIES_C));
}

static void
test_vgpu_names_and_parses_schedulers(void **state)
{
    enum gpv_sched s;

    (void)state;
    assert_string_equal(gpv_sched_name(GPV_SCHED_FIXED_SHARE), "fixed-share");
    assert_true(gpv_sched_parse(&s, "equal-share"));
    assert_int_equal(s, GPV_SCHED_EQUAL_SHARE);
    assert_false(gpv_sched_parse(&s, "round-robin"));
}

static void
test_vgpu_share_is_one_over_max_fixed_and_one_over_residents_equal(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    const struct gpv_vgpu_type *t = &l->vgpu->types[vtype(l, "L40S-12C")];

    (void)state;
    assert_true(gpv_vgpu_share(GPV_SCHED_FIXED_SHARE, t, 2) == 0.25);
    assert_true(gpv_vgpu_share(GPV_SCHED_EQUAL_SHARE, t, 2) == 0.5);
    assert_true(gpv_vgpu_share(GPV_SCHED_BEST_EFFORT, t, 2) == 0.0);
}

static void
test_vgpu_limit_follows_the_scheduler_that_can_give_the_share(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    const struct gpv_vgpu_type *t8 = &l->vgpu->types[vtype(l, "L40S-8C")];

    (void)state;
    /* Max 6 equal-size (fixed share 1/6), 4 mixed-size. */
    assert_int_equal(gpv_vgpu_limit(t8, false, 0.0), 6);
    assert_int_equal(gpv_vgpu_limit(t8, false, 1.0 / 6), 6);
    assert_int_equal(gpv_vgpu_limit(t8, false, 0.25), 4); /* equal share, 4 residents */
    assert_int_equal(gpv_vgpu_limit(t8, true, 0.0), 4);
    assert_int_equal(gpv_vgpu_limit(t8, true, 0.3), 3);
    assert_int_equal(gpv_vgpu_limit(t8, true, 1.0), 1);
    assert_int_equal(gpv_vgpu_limit(t8, false, 1.5), 0);
}

static void
test_vgpu_equal_size_accepts_up_to_the_type_max(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_vgpu_resident r[40];
    struct gpv_vgpu_verdict v;

    (void)state;
    fill(r, 24, vtype(l, "L40S-2B"), 0.0);
    assert_true(gpv_vgpu_check_equal(&v, l, r, 24));
    assert_int_equal(v.sched, GPV_SCHED_BEST_EFFORT);
    fill(r, 25, vtype(l, "L40S-2B"), 0.0);
    assert_false(gpv_vgpu_check_equal(&v, l, r, 25));
    assert_non_null(strstr(v.reason, "more than its max of 24"));
}

static void
test_vgpu_equal_size_refuses_two_sizes_or_c_with_q(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_vgpu_resident r[2];
    struct gpv_vgpu_verdict v;

    (void)state;
    fill(r, 2, vtype(l, "L40S-8Q"), 0.0);
    r[1].type = vtype(l, "L40S-4Q");
    assert_false(gpv_vgpu_check_equal(&v, l, r, 2));
    assert_non_null(strstr(v.reason, "equal-size mode holds one size"));
    r[1].type = vtype(l, "L40S-8C");
    assert_false(gpv_vgpu_check_equal(&v, l, r, 2));
    assert_non_null(strstr(v.reason, "may not share a GPU"));
    r[0].type = vtype(l, "L40S-2Q");
    r[1].type = vtype(l, "L40S-2B");
    assert_true(gpv_vgpu_check_equal(&v, l, r, 2));
}

static void
test_vgpu_picks_fixed_share_when_it_covers_every_request(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_vgpu_resident r[6];
    struct gpv_vgpu_verdict v;

    (void)state;
    fill(r, 4, vtype(l, "L40S-12C"), 0.25);
    assert_true(gpv_vgpu_check_equal(&v, l, r, 4));
    assert_int_equal(v.sched, GPV_SCHED_FIXED_SHARE);
    /* 0.3 is above fixed share's 1/6 for 8C; equal share gives 1/3 to three residents. */
    fill(r, 3, vtype(l, "L40S-8C"), 0.3);
    assert_true(gpv_vgpu_scheduler(&v, l, false, r, 3));
    assert_int_equal(v.sched, GPV_SCHED_EQUAL_SHARE);
    fill(r, 4, vtype(l, "L40S-8C"), 0.3);
    assert_false(gpv_vgpu_scheduler(&v, l, false, r, 4));
    assert_non_null(strstr(v.reason, "needs 0.30"));
}

static void
test_vgpu_mixed_size_checks_placement_ids_and_overlaps(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_vgpu_resident r[3];
    struct gpv_vgpu_verdict v;

    (void)state;
    /* 24C at 0, 12C at 24 and 36: the whole 48 GB. */
    r[0].type = vtype(l, "L40S-24C");
    r[0].placement = 0;
    r[1].type = vtype(l, "L40S-12C");
    r[1].placement = 24;
    r[2].type = vtype(l, "L40S-12C");
    r[2].placement = 36;
    r[0].compute = r[1].compute = r[2].compute = 0.0;
    assert_true(gpv_vgpu_check_mixed(&v, l, r, 3));
    r[2].placement = 12;
    assert_false(gpv_vgpu_check_mixed(&v, l, r, 3));
    assert_non_null(strstr(v.reason, "overlap"));
    r[2].placement = 30;
    assert_false(gpv_vgpu_check_mixed(&v, l, r, 3));
    assert_non_null(strstr(v.reason, "not one of the ids"));
}

static void
test_vgpu_mixed_size_has_no_fixed_share(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_vgpu_resident r[4];
    struct gpv_vgpu_verdict v;

    (void)state;
    fill(r, 4, vtype(l, "L40S-12C"), 0.25);
    assert_true(gpv_vgpu_mixed_place(l, r, 4));
    assert_true(gpv_vgpu_check_mixed(&v, l, r, 4));
    assert_int_equal(v.sched, GPV_SCHED_EQUAL_SHARE);
}

static void
test_vgpu_mixed_size_is_refused_where_the_model_lacks_it(void **state)
{
    const struct gpv_gpu *h = gpu("b200");
    struct gpv_vgpu_resident r[1];
    struct gpv_vgpu_verdict v;

    (void)state;
    fill(r, 1, 0, 0.0);
    r[0].placement = 0;
    assert_false(gpv_vgpu_check_mixed(&v, h, r, 1));
    assert_non_null(strstr(v.reason, "does not support mixed-size mode"));
    assert_false(gpv_vgpu_mixed_place(h, r, 1));
}

static void
test_vgpu_mixed_place_fills_the_frame_buffer_exactly(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    struct gpv_vgpu_resident r[6];
    struct gpv_vgpu_verdict v;

    (void)state;
    /* 16C (ids 0, 32) twice and 8C (ids 0, 16, 24, 40) twice: 16 + 16 + 8 + 8 = 48 GB. */
    fill(r, 2, vtype(l, "L40S-16C"), 0.0);
    fill(r + 2, 2, vtype(l, "L40S-8C"), 0.0);
    assert_true(gpv_vgpu_mixed_place(l, r, 4));
    assert_true(gpv_vgpu_check_mixed(&v, l, r, 4));
    /* A third 16C cannot fit: only two ids. */
    fill(r + 4, 1, vtype(l, "L40S-16C"), 0.0);
    assert_false(gpv_vgpu_mixed_place(l, r, 5));
    assert_int_equal(r[0].placement, -1);
}

static void
test_vgpu_region_fit_returns_the_lowest_free_id(void **state)
{
    const struct gpv_gpu *l = gpu("l40s");
    const struct gpv_vgpu_type *t = &l->vgpu->types[vtype(l, "L40S-12C")];
    struct gpv_vgpu_region reg;

    (void)state;
    memset(&reg, 0, sizeof(reg));
    reg.gb = gpv_vgpu_region_gb(l);
    assert_int_equal(reg.gb, 48);
    assert_int_equal(gpv_vgpu_region_fit(&reg, t), 0);
    gpv_vgpu_region_take(&reg, 0, 14);
    assert_int_equal(gpv_vgpu_region_fit(&reg, t), 24);
    assert_false(gpv_vgpu_region_free(&reg, 40, 12));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vgpu_lets_a_b_and_q_series_mix_but_keeps_c_apart),
        cmocka_unit_test(test_vgpu_names_and_parses_schedulers),
        cmocka_unit_test(test_vgpu_share_is_one_over_max_fixed_and_one_over_residents_equal),
        cmocka_unit_test(test_vgpu_limit_follows_the_scheduler_that_can_give_the_share),
        cmocka_unit_test(test_vgpu_equal_size_accepts_up_to_the_type_max),
        cmocka_unit_test(test_vgpu_equal_size_refuses_two_sizes_or_c_with_q),
        cmocka_unit_test(test_vgpu_picks_fixed_share_when_it_covers_every_request),
        cmocka_unit_test(test_vgpu_mixed_size_checks_placement_ids_and_overlaps),
        cmocka_unit_test(test_vgpu_mixed_size_has_no_fixed_share),
        cmocka_unit_test(test_vgpu_mixed_size_is_refused_where_the_model_lacks_it),
        cmocka_unit_test(test_vgpu_mixed_place_fills_the_frame_buffer_exactly),
        cmocka_unit_test(test_vgpu_region_fit_returns_the_lowest_free_id),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
