#include "gpuvplan/compare.h"
#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "plan_fixture.h"

/* Runs the comparison on one model (NULL: every model). */
static void
run(struct gpv_compare *c, const char *model)
{
    const struct gpv_gpu *only = model ? gpv_db_find(&db, model) : NULL;

    if (model)
        assert_non_null(only);
    gpv_compare_run(c, &db, &rules, only);
    assert_ptr_equal(c->only, only);
}

static void
test_compare_counts_seven_mig_tenants_and_twenty_vgpus_on_h100(void **state)
{
    struct gpv_compare c;

    (void)state;
    run(&c, "h100-80gb");
    assert_int_equal(c.m[GPV_METHOD_MIG].tenants_max, 7);
    assert_int_equal(c.m[GPV_METHOD_VGPU].tenants_max, 20);
    assert_int_equal(c.m[GPV_METHOD_PASSTHROUGH].tenants_max, 1);
    assert_non_null(strstr(c.m[GPV_METHOD_MIG].tenants_detail, "h100-80gb: 7 instances of"));
    assert_int_equal(c.m[GPV_METHOD_MIG].ngpus, 1);
    gpv_compare_release(&c);
}

static void
test_compare_keeps_whole_gpu_vgpu_under_hard_isolation_and_names_the_migration_rule(void **state)
{
    struct gpv_compare c;

    (void)state;
    run(&c, "h100-80gb");
    /* Hard isolation keeps the whole-GPU type (H100-80C): the matrix says "whole GPU only". */
    assert_true(c.m[GPV_METHOD_VGPU].hard.available);
    assert_true(c.m[GPV_METHOD_VGPU].hard.allowed);
    assert_true(c.m[GPV_METHOD_MIG].hard.allowed);
    assert_null(c.m[GPV_METHOD_MIG].hard.rule);
    assert_false(c.m[GPV_METHOD_PASSTHROUGH].migrate.allowed);
    assert_string_equal(c.m[GPV_METHOD_PASSTHROUGH].migrate.rule,
                        "live-migration-excludes-passthrough");
    gpv_compare_release(&c);
}

static void
test_compare_finds_that_compute_vgpu_needs_ai_enterprise(void **state)
{
    struct gpv_compare c;
    size_t w;

    (void)state;
    run(&c, "h100-80gb");
    for (w = 0; w < GPV_COMPARE_NWORKLOADS; w++)
        if (!strcmp(gpv_compare_workload_label(w), "compute"))
            break;
    assert_true(w < GPV_COMPARE_NWORKLOADS);
    assert_true(c.m[GPV_METHOD_VGPU].workload_ok[w]);
    assert_false(c.m[GPV_METHOD_VGPU].needs_none[w]);
    assert_int_equal(c.m[GPV_METHOD_VGPU].lic_ok[w], 1u << GPV_LIC_AI_ENTERPRISE);
    assert_true(c.m[GPV_METHOD_PASSTHROUGH].needs_none[w]);
    gpv_compare_release(&c);
}

static void
test_compare_gives_a_whole_gpu_job_to_passthrough(void **state)
{
    struct gpv_compare c;
    size_t s;

    (void)state;
    run(&c, "h100-80gb");
    assert_string_equal(gpv_compare_scenario_label(0), "one job needing a whole GPU");
    assert_int_equal(c.verdict[0], GPV_METHOD_PASSTHROUGH);
    assert_ptr_equal(c.verdict_gpu[0], c.only);
    assert_null(gpv_compare_scenario_label(GPV_COMPARE_NSCENARIOS));
    for (s = 0; s < c.m[GPV_METHOD_PASSTHROUGH].nbest; s++)
        if (!strcmp(c.m[GPV_METHOD_PASSTHROUGH].best[s], "one job needing a whole GPU"))
            break;
    assert_true(s < c.m[GPV_METHOD_PASSTHROUGH].nbest);
    gpv_compare_release(&c);
}

static void
test_compare_on_a_model_without_mig_offers_no_mig(void **state)
{
    struct gpv_compare c;

    (void)state;
    run(&c, "l4");
    assert_int_equal(c.m[GPV_METHOD_MIG].ngpus, 0);
    assert_int_equal(c.m[GPV_METHOD_MIG].tenants_max, 0);
    assert_false(c.m[GPV_METHOD_MIG].hard.available);
    gpv_compare_release(&c);
}

static void
test_compare_over_every_model_counts_the_models_that_offer_each_method(void **state)
{
    struct gpv_compare c;

    (void)state;
    run(&c, NULL);
    assert_int_equal(c.m[GPV_METHOD_PASSTHROUGH].ngpus, db.ngpus);
    assert_true(c.m[GPV_METHOD_MIG].ngpus > 0 && c.m[GPV_METHOD_MIG].ngpus < db.ngpus);
    gpv_compare_release(&c);
    assert_null(c.m[GPV_METHOD_MIG].gpus);
    gpv_compare_release(NULL);
}

/* The index of a licence workload or a scenario by its label. */
static size_t
workload(const char *label)
{
    size_t w;

    for (w = 0; w < GPV_COMPARE_NWORKLOADS; w++)
        if (!strcmp(gpv_compare_workload_label(w), label))
            return w;
    fail_msg("no workload '%s'", label);
    return 0;
}

static size_t
scenario(const char *label)
{
    size_t s;

    for (s = 0; s < GPV_COMPARE_NSCENARIOS; s++)
        if (!strcmp(gpv_compare_scenario_label(s), label))
            return s;
    fail_msg("no scenario '%s'", label);
    return 0;
}

static void
test_compare_licenses_mig_backed_graphics_on_rtx_pro_6000_through_vws(void **state)
{
    struct gpv_compare c;
    size_t w;

    (void)state;
    run(&c, "rtx-pro-6000");
    w = workload("graphics");
    assert_true(c.m[GPV_METHOD_MIG_VGPU].workload_ok[w]);
    assert_false(c.m[GPV_METHOD_MIG_VGPU].needs_none[w]);
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].lic_ok[w], 1u << GPV_LIC_VWS);
    w = workload("desktops");
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].lic_ok[w], 1u << GPV_LIC_VWS);
    /* Bare MIG still has no display. */
    assert_false(c.m[GPV_METHOD_MIG].workload_ok[w]);
    gpv_compare_release(&c);
}

static void
test_compare_offers_no_mig_backed_graphics_where_every_mig_backed_type_is_c_series(void **state)
{
    struct gpv_compare c;

    (void)state;
    run(&c, "a100-80gb");
    assert_false(c.m[GPV_METHOD_MIG_VGPU].workload_ok[workload("graphics")]);
    assert_true(c.m[GPV_METHOD_MIG_VGPU].workload_ok[workload("compute")]);
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].lic_ok[workload("compute")],
                     1u << GPV_LIC_AI_ENTERPRISE);
    gpv_compare_release(&c);
}

static void
test_compare_grants_hard_isolation_only_to_mig_backed_types_with_one_vm_per_instance(void **state)
{
    struct gpv_compare c;

    (void)state;
    run(&c, "rtx-pro-6000");
    assert_true(c.m[GPV_METHOD_MIG_VGPU].hard.allowed);
    /* 26 MIG-backed types; DC-1/2/4-24C/Q, -48C/Q and -96C/Q have one VM per instance. */
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].nshared, 20);
    assert_string_equal(c.m[GPV_METHOD_MIG_VGPU].shared_detail,
                        "rtx-pro-6000: DC-1-2Q, 12 VMs per 1g.24gb+gfx instance");
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].tenants_max, 48);
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].tenants_hard, 4);
    assert_int_equal(c.m[GPV_METHOD_MIG].tenants_hard, 4);
    assert_int_equal(c.m[GPV_METHOD_VGPU].tenants_hard, 1); /* the whole-GPU DC-96C */
    gpv_compare_release(&c);
    run(&c, "h100-80gb");
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].nshared, 0);
    assert_null(c.m[GPV_METHOD_MIG_VGPU].shared_detail);
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].tenants_hard, 7);
    gpv_compare_release(&c);
}

static void
test_compare_takes_the_mig_backed_maximum_from_the_database(void **state)
{
    struct gpv_compare c;
    int most = 0;
    size_t i, k;

    (void)state;
    for (i = 0; i < db.ngpus; i++)
        for (k = 0; db.gpus[i]->vgpu && k < db.gpus[i]->vgpu->ntypes; k++)
            if (db.gpus[i]->vgpu->types[k].mig_profile >= 0 &&
                db.gpus[i]->vgpu->types[k].max > most)
                most = db.gpus[i]->vgpu->types[k].max;
    run(&c, NULL);
    assert_int_equal(c.m[GPV_METHOD_MIG_VGPU].tenants_max, most);
    assert_int_equal(most, 48);
    assert_non_null(strstr(c.m[GPV_METHOD_MIG_VGPU].tenants_detail,
                           "DC-1-2Q (48 per GPU, 12 VMs time-slicing each 1g.24gb+gfx instance)"));
    gpv_compare_release(&c);
}

static void
test_compare_serves_no_desktops_or_graphics_on_a100_and_h100(void **state)
{
    static const char *const models[] = {"a100-80gb", "h100-80gb"};
    static const char *const labels[] = {"virtual desktops (VDI)", "graphics workstations"};
    struct gpv_compare c;
    size_t i, s;

    (void)state;
    for (i = 0; i < 2; i++) {
        run(&c, models[i]);
        for (s = 0; s < 2; s++) {
            size_t at = scenario(labels[s]);

            assert_int_equal(c.verdict[at], GPV_METHOD_NONE);
            assert_null(c.verdict_gpu[at]);
            assert_string_equal(c.verdict_rule[at], "desktops-need-a-graphics-gpu");
        }
        assert_false(c.m[GPV_METHOD_PASSTHROUGH].workload_ok[workload("desktops")]);
        assert_false(c.m[GPV_METHOD_PASSTHROUGH].workload_ok[workload("graphics")]);
        assert_true(c.m[GPV_METHOD_PASSTHROUGH].needs_none[workload("compute")]);
        gpv_compare_release(&c);
    }
    /* A graphics board still gives desktops to a method. */
    run(&c, "l40s");
    assert_int_not_equal(c.verdict[scenario("virtual desktops (VDI)")], GPV_METHOD_NONE);
    assert_null(c.verdict_rule[scenario("virtual desktops (VDI)")]);
    gpv_compare_release(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_counts_seven_mig_tenants_and_twenty_vgpus_on_h100),
        cmocka_unit_test(
            test_compare_keeps_whole_gpu_vgpu_under_hard_isolation_and_names_the_migration_rule),
        cmocka_unit_test(test_compare_finds_that_compute_vgpu_needs_ai_enterprise),
        cmocka_unit_test(test_compare_gives_a_whole_gpu_job_to_passthrough),
        cmocka_unit_test(test_compare_on_a_model_without_mig_offers_no_mig),
        cmocka_unit_test(test_compare_over_every_model_counts_the_models_that_offer_each_method),
        cmocka_unit_test(test_compare_licenses_mig_backed_graphics_on_rtx_pro_6000_through_vws),
        cmocka_unit_test(
            test_compare_offers_no_mig_backed_graphics_where_every_mig_backed_type_is_c_series),
        cmocka_unit_test(
            test_compare_grants_hard_isolation_only_to_mig_backed_types_with_one_vm_per_instance),
        cmocka_unit_test(test_compare_takes_the_mig_backed_maximum_from_the_database),
        cmocka_unit_test(test_compare_serves_no_desktops_or_graphics_on_a100_and_h100),
    };

    return cmocka_run_group_tests_name("compare", tests, setup, teardown);
}
