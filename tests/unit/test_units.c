#include "gpuvplan/units.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void
test_units_reads_decimal_and_binary_units(void **state)
{
    long long b;
    const char *why = NULL;

    (void)state;
    assert_true(gpv_mem_parse(&b, "20GB", &why));
    assert_int_equal(b, 20000000000LL);
    assert_true(gpv_mem_parse(&b, "20GiB", &why));
    assert_int_equal(b, 20LL * 1024 * 1024 * 1024);
    assert_true(gpv_mem_parse(&b, "512 MiB", &why));
    assert_int_equal(b, 512LL * 1024 * 1024);
    assert_true(gpv_mem_parse(&b, "1.5tb", &why));
    assert_int_equal(b, 1500000000000LL);
}

static void
test_units_rejects_a_bare_number_and_asks_for_a_unit(void **state)
{
    long long b = -1;
    const char *why = NULL;

    (void)state;
    assert_false(gpv_mem_parse(&b, "20", &why));
    assert_non_null(strstr(why, "unit is missing"));
    assert_int_equal(b, -1);
}

static void
test_units_rejects_junk_zero_and_unknown_units(void **state)
{
    long long b;
    const char *why = NULL;

    (void)state;
    assert_false(gpv_mem_parse(&b, "GB", &why));
    assert_false(gpv_mem_parse(&b, "0GB", &why));
    assert_false(gpv_mem_parse(&b, "20 parsecs", &why));
    assert_non_null(strstr(why, "unknown unit"));
    assert_false(gpv_mem_parse(&b, "20GB extra", &why));
    assert_false(gpv_mem_parse(&b, "-5GB", &why));
    assert_false(gpv_mem_parse(&b, "1e30GB", &why));
}

static void
test_units_reads_kubernetes_quantities_as_kubernetes_defines_them(void **state)
{
    long long b;
    const char *why = NULL;

    (void)state;
    assert_true(gpv_mem_parse(&b, "20Gi", &why));
    assert_int_equal(b, 20LL * 1024 * 1024 * 1024);
    assert_true(gpv_mem_parse(&b, "512Mi", &why));
    assert_int_equal(b, 512LL * 1024 * 1024);
    assert_true(gpv_mem_parse(&b, "20G", &why));
    assert_int_equal(b, 20000000000LL);
    assert_true(gpv_mem_parse(&b, "512M", &why));
    assert_int_equal(b, 512000000LL);
    assert_true(gpv_mem_parse(&b, "1Ti", &why));
    assert_int_equal(b, 1024LL * 1024 * 1024 * 1024);
    assert_true(gpv_mem_parse(&b, "8000k", &why));
    assert_int_equal(b, 8000000LL);
    assert_false(gpv_mem_parse(&b, "512m", &why));
    assert_non_null(strstr(why, "'m' is milli"));
}

static void
test_units_reads_fractions_and_percentages(void **state)
{
    double f;
    const char *why = NULL;

    (void)state;
    assert_true(gpv_fraction_parse(&f, "0.25", &why));
    assert_true(f > 0.2499 && f < 0.2501);
    assert_true(gpv_fraction_parse(&f, "50%", &why));
    assert_true(f > 0.4999 && f < 0.5001);
    assert_true(gpv_fraction_parse(&f, "1", &why));
    assert_false(gpv_fraction_parse(&f, "0", &why));
    assert_false(gpv_fraction_parse(&f, "1.5", &why));
    assert_false(gpv_fraction_parse(&f, "150%", &why));
    assert_false(gpv_fraction_parse(&f, "nan", &why));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_reads_decimal_and_binary_units),
        cmocka_unit_test(test_units_rejects_a_bare_number_and_asks_for_a_unit),
        cmocka_unit_test(test_units_reads_kubernetes_quantities_as_kubernetes_defines_them),
        cmocka_unit_test(test_units_rejects_junk_zero_and_unknown_units),
        cmocka_unit_test(test_units_reads_fractions_and_percentages),
    };

    return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
