#include "gpuvplan/lint.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db_fixture.h"

#include <string.h>

/* Lints text with default options; returns the status. */
static int
lint(struct gpv_lint_result *r, const char *text, struct gpv_error *err)
{
    struct gpv_lint_opts o = {GPV_LINT_KIND_NONE, 0, NULL};

    gpv_error_init(err);
    return gpv_lint_mem(r, &db, text, strlen(text), "t.yaml", &o, err);
}

/* The index of the first finding with code, or -1. */
static int
find_code(const struct gpv_lint_result *r, const char *code)
{
    size_t i;

    for (i = 0; i < r->findings.n; i++)
        if (!strcmp(r->findings.v[i].code, code))
            return (int)i;
    return -1;
}

static void
test_lint_parses_profile_names_with_go_nvlib_grammar(void **state)
{
    struct gpv_lint_profile p;

    (void)state;
    assert_true(gpv_lint_profile_parse(&p, "1g.10gb"));
    assert_int_equal(p.c, 1);
    assert_int_equal(p.g, 1);
    assert_int_equal(p.gb, 10);
    assert_string_equal(p.gi, "1g.10gb");
    assert_true(gpv_lint_profile_parse(&p, "1c.3g.40gb"));
    assert_int_equal(p.c, 1);
    assert_int_equal(p.g, 3);
    assert_string_equal(p.gi, "3g.40gb");
    assert_true(gpv_lint_profile_parse(&p, "1g.24gb+me.all"));
    assert_string_equal(p.gi, "1g.24gb+me.all");
    assert_true(gpv_lint_profile_parse(&p, "1g.24gb-me"));
    assert_true(gpv_lint_profile_parse(&p, "1g.10gb+me,gfx"));
    assert_false(gpv_lint_profile_parse(&p, "1g10gb"));
    assert_false(gpv_lint_profile_parse(&p, "1g.10"));
    assert_false(gpv_lint_profile_parse(&p, "1g.10gb+"));
    assert_false(gpv_lint_profile_parse(&p, "1g.10gb+me-gfx"));
    assert_false(gpv_lint_profile_parse(&p, "1g.10gb+me,me"));
    assert_false(gpv_lint_profile_parse(&p, "1g.10gb+1me"));
    assert_false(gpv_lint_profile_parse(&p, "3c.2g.10gb"));
    assert_false(gpv_lint_profile_parse(&p, "0g.10gb"));
}

static void
test_lint_splits_a_device_filter_into_device_and_vendor(void **state)
{
    struct gpv_lint_pciid id;

    (void)state;
    assert_true(gpv_lint_pciid_parse(&id, "0x233010DE"));
    assert_int_equal(id.device, 0x2330);
    assert_int_equal(id.vendor, 0x10DE);
    assert_false(id.has_subsys);
    assert_true(gpv_lint_pciid_parse(&id, "0x20b510de:0x153310DE"));
    assert_int_equal(id.device, 0x20B5);
    assert_true(id.has_subsys);
    assert_int_equal(id.subsys_device, 0x1533);
    assert_false(gpv_lint_pciid_parse(&id, "H100"));
    assert_false(gpv_lint_pciid_parse(&id, "0x1233010DE"));
    assert_false(gpv_lint_pciid_parse(&id, "-1"));
    assert_false(gpv_lint_pciid_parse(&id, "0x233010DE:"));
}

static void
test_lint_knows_time_sliced_and_mig_backed_vgpu_type_names(void **state)
{
    bool mig;

    (void)state;
    assert_true(gpv_lint_vgpu_type_valid("L40S-12C", &mig));
    assert_false(mig);
    assert_true(gpv_lint_vgpu_type_valid("RTX6000-Ada-24Q", &mig));
    assert_false(mig);
    assert_true(gpv_lint_vgpu_type_valid("H100-1-20C", &mig));
    assert_true(mig);
    assert_true(gpv_lint_vgpu_type_valid("H100-1-10CME", &mig));
    assert_true(mig);
    assert_true(gpv_lint_vgpu_type_valid("A100DX-7-80C", &mig));
    assert_false(gpv_lint_vgpu_type_valid("L40S-12CME", NULL));
    assert_false(gpv_lint_vgpu_type_valid("l40s-12C", NULL));
    assert_false(gpv_lint_vgpu_type_valid("L40S-12X", NULL));
    assert_false(gpv_lint_vgpu_type_valid("L40S-012C", NULL));
    assert_false(gpv_lint_vgpu_type_valid("H100-0-20C", NULL));
    assert_false(gpv_lint_vgpu_type_valid("12C", NULL));
}

static void
test_lint_reads_a_mig_parted_config_back(void **state)
{
    static const char text[] = "version: v1\n"
                               "mig-configs:\n"
                               "  a:\n"
                               "    - device-filter: [\"0x233010DE\", \"0x233110DE\"]\n"
                               "      devices: [0, 1]\n"
                               "      mig-enabled: true\n"
                               "      mig-devices: {\"3g.40gb\": 1, \"1g.10gb\": 4}\n"
                               "    - devices: [2]\n"
                               "      mig-enabled: false\n";
    struct gpv_lint_findings f = {0};
    struct gpv_migparted c;
    struct gpv_ydoc *doc;
    struct gpv_error err;

    (void)state;
    assert_int_equal(gpv_ydoc_parse(&doc, text, strlen(text), "t.yaml", &err), 0);
    assert_int_equal(gpv_migparted_read(&c, doc, doc->root, &f), 0);
    assert_int_equal(f.n, 0);
    assert_int_equal(c.nconfigs, 1);
    assert_string_equal(c.configs[0].name, "a");
    assert_int_equal(c.configs[0].nentries, 2);
    assert_int_equal(c.configs[0].entries[0].nfilters, 2);
    assert_int_equal(c.configs[0].entries[0].filters[1].device, 0x2331);
    assert_int_equal(c.configs[0].entries[0].devices.n, 2);
    assert_true(c.configs[0].entries[0].mig_enabled);
    assert_int_equal(c.configs[0].entries[0].ncounts, 2);
    assert_string_equal(c.configs[0].entries[0].counts[1].profile, "1g.10gb");
    assert_int_equal(c.configs[0].entries[0].counts[1].count, 4);
    assert_false(c.configs[0].entries[1].mig_enabled);
    assert_int_equal(c.configs[0].entries[1].devices.idx[0], 2);
    gpv_migparted_release(&c);
    gpv_lint_findings_release(&f);
    gpv_ydoc_free(doc);
}

static void
test_lint_rejects_four_2g_on_h100_with_the_engines_limit(void **state)
{
    static const char text[] = "version: v1\n"
                               "mig-configs:\n"
                               "  a:\n"
                               "    - device-filter: 0x233010DE\n"
                               "      devices: all\n"
                               "      mig-enabled: true\n"
                               "      mig-devices: {\"2g.20gb\": 4}\n";
    struct gpv_lint_result r;
    struct gpv_error err;
    int i;

    (void)state;
    assert_int_equal(lint(&r, text, &err), 0);
    assert_int_equal(r.ndocs, 1);
    assert_int_equal(r.docs[0].kind, GPV_LINT_MIGPARTED);
    assert_int_equal(r.docs[0].nmodels, 1);
    assert_string_equal(r.docs[0].models[0]->id, "h100-80gb");
    i = find_code(&r, "over-max");
    assert_true(i >= 0);
    assert_int_equal(r.findings.v[i].line, 7);
    assert_string_equal(r.findings.v[i].message,
                        "'2g.20gb' allows at most 3 per GPU on h100-80gb and 4 are asked");
    gpv_lint_result_release(&r);
}

static void
test_lint_explains_an_unplaceable_geometry_and_suggests_a_fix(void **state)
{
    static const char text[] =
        "version: v1\n"
        "mig-configs:\n"
        "  a:\n"
        "    - device-filter: 0x233010DE\n"
        "      devices: all\n"
        "      mig-enabled: true\n"
        "      mig-devices: {\"4g.40gb\": 1, \"3g.40gb\": 1, \"1g.10gb\": 1}\n";
    struct gpv_lint_result r;
    struct gpv_error err;
    int i;

    (void)state;
    assert_int_equal(lint(&r, text, &err), 0);
    i = find_code(&r, "not-placeable");
    assert_true(i >= 0);
    assert_non_null(strstr(r.findings.v[i].message,
                           "geometry '4g.40gb 3g.40gb 1g.10gb' is not placeable on h100-80gb"));
    assert_non_null(strstr(r.findings.v[i].message, "it fits"));
    gpv_lint_result_release(&r);
}

static void
test_lint_maps_configmap_positions_into_the_outer_file(void **state)
{
    static const char text[] = "apiVersion: v1\n"
                               "kind: ConfigMap\n"
                               "data:\n"
                               "  config.yaml: |\n"
                               "    version: v1\n"
                               "    mig-configs:\n"
                               "      a:\n"
                               "        - devices: all\n"
                               "          mig-enabled: maybe\n";
    struct gpv_lint_result r;
    struct gpv_error err;

    (void)state;
    assert_int_equal(lint(&r, text, &err), 0);
    assert_int_equal(r.ndocs, 1);
    assert_string_equal(r.docs[0].key, "config.yaml");
    assert_int_equal(r.findings.n, 1);
    assert_int_equal(r.findings.v[0].line, 9);
    assert_int_equal(r.findings.v[0].col, 24);
    gpv_lint_result_release(&r);
}

static void
test_lint_refuses_a_file_that_is_no_config(void **state)
{
    struct gpv_lint_result r;
    struct gpv_error err;

    (void)state;
    assert_int_equal(lint(&r, "tenants: []\n", &err), GPV_EINPUT);
    assert_int_equal(r.ndocs, 0);
    assert_non_null(strstr(err.msg, "not a mig-parted"));
    assert_int_equal(lint(&r, "", &err), GPV_EINPUT);
    assert_int_equal(lint(&r, "a: &x 1\nb: *x\n", &err), GPV_EINPUT);
}

static void
test_lint_finds_entries_that_select_the_same_gpu(void **state)
{
    static const char text[] = "version: v1\n"
                               "vgpu-configs:\n"
                               "  a:\n"
                               "    - devices: all\n"
                               "      vgpu-devices: {L40S-12C: 4}\n"
                               "    - device-filter: 0x26B910DE\n"
                               "      devices: [1]\n"
                               "      vgpu-devices: {L40S-24C: 2}\n";
    struct gpv_lint_result r;
    struct gpv_error err;
    int i;

    (void)state;
    assert_int_equal(lint(&r, text, &err), 0);
    i = find_code(&r, "overlapping-entries");
    assert_true(i >= 0);
    assert_int_equal(r.findings.v[i].line, 6);
    assert_non_null(strstr(r.findings.v[i].message, "selects GPU 1"));
    gpv_lint_result_release(&r);
}

static void
test_lint_checks_an_unfiltered_entry_on_the_given_models(void **state)
{
    static const char text[] = "version: v1\n"
                               "mig-configs:\n"
                               "  a:\n"
                               "    - devices: all\n"
                               "      mig-enabled: true\n"
                               "      mig-devices: {\"1g.10gb\": 7}\n";
    const struct gpv_gpu *models[1];
    struct gpv_lint_opts o = {GPV_LINT_KIND_NONE, 1, models};
    struct gpv_lint_result r;
    struct gpv_error err;

    (void)state;
    models[0] = gpu("a100-40gb");
    assert_int_equal(gpv_lint_mem(&r, &db, text, strlen(text), "t.yaml", &o, &err), 0);
    assert_int_equal(r.docs[0].nmodels, 1);
    assert_int_equal(find_code(&r, "over-max"), 0);
    gpv_lint_result_release(&r);
    models[0] = gpu("h100-80gb");
    assert_int_equal(gpv_lint_mem(&r, &db, text, strlen(text), "t.yaml", &o, &err), 0);
    assert_int_equal(r.findings.n, 0);
    gpv_lint_result_release(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lint_parses_profile_names_with_go_nvlib_grammar),
        cmocka_unit_test(test_lint_splits_a_device_filter_into_device_and_vendor),
        cmocka_unit_test(test_lint_knows_time_sliced_and_mig_backed_vgpu_type_names),
        cmocka_unit_test(test_lint_reads_a_mig_parted_config_back),
        cmocka_unit_test(test_lint_rejects_four_2g_on_h100_with_the_engines_limit),
        cmocka_unit_test(test_lint_explains_an_unplaceable_geometry_and_suggests_a_fix),
        cmocka_unit_test(test_lint_maps_configmap_positions_into_the_outer_file),
        cmocka_unit_test(test_lint_refuses_a_file_that_is_no_config),
        cmocka_unit_test(test_lint_finds_entries_that_select_the_same_gpu),
        cmocka_unit_test(test_lint_checks_an_unfiltered_entry_on_the_given_models),
    };

    return cmocka_run_group_tests_name("lint", tests, setup, teardown);
}
