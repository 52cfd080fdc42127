#include "gpuvplan/db.h"
#include "gpuvplan/diff.h"
#include "gpuvplan/report.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A plan as check sees it, without the members the report does not need. */
#define PLAN_HEAD                                                                                  \
    "{\"schema\": \"gpuvplan.plan/1\", \"input\": {\"tenants_file\": \"t.yaml\"},"                 \
    " \"summary\": {\"gpus_used\": 1, \"lower_bound\": 1, \"optimal\": true},"

static struct gpv_val *
parse(const char *json)
{
    struct gpv_val *v = NULL;
    struct gpv_error err;

    assert_int_equal(gpv_val_parse_json(&v, json, strlen(json), "test.json", &err), 0);
    return v;
}

/* The report of json; the caller frees the string. */
static char *
render(const char *json, bool compact)
{
    struct gpv_val *plan = parse(json);
    struct gpv_report_opts o;
    struct gpv_error err;
    struct gpv_buf b;

    gpv_buf_init(&b);
    gpv_report_opts_init(&o);
    o.compact = compact;
    assert_int_equal(gpv_report_plan_html(&b, plan, &db, &o, &err), 0);
    gpv_val_free(plan);
    return gpv_buf_detach(&b);
}

static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
        n++;
    return n;
}

static double
channel(unsigned v)
{
    double c = v / 255.0;

    return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

/* WCAG 2 relative luminance of "#rrggbb". */
static double
luminance(const char *hex)
{
    unsigned r, g, b;

    assert_int_equal(strlen(hex), 7);
    assert_int_equal(sscanf(hex, "#%02x%02x%02x", &r, &g, &b), 3);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

static void
test_report_palette_has_aa_contrast_with_the_text_colour(void **state)
{
    size_t n, i;
    const char *const *pal = gpv_report_palette(&n);
    double lt = luminance(gpv_report_text_colour());

    (void)state;
    assert_true(n >= 12);
    for (i = 0; i < n; i++) {
        double lc = luminance(pal[i]);
        double ratio = (fmax(lc, lt) + 0.05) / (fmin(lc, lt) + 0.05);

        if (ratio < 4.5)
            fail_msg("%s on %s: contrast %.2f < 4.5", gpv_report_text_colour(), pal[i], ratio);
    }
}

static void
test_report_tenant_colour_is_stable_and_from_the_palette(void **state)
{
    size_t n, i;
    const char *const *pal = gpv_report_palette(&n);
    const char *c = gpv_report_tenant_colour("fraud-scoring");
    bool found = false;

    (void)state;
    assert_string_equal(c, gpv_report_tenant_colour("fraud-scoring"));
    for (i = 0; i < n; i++)
        found |= !strcmp(pal[i], c);
    assert_true(found);
}

static void
test_report_escapes_markup_and_quotes(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_report_escape(&b, "<script>a=\"x\" & 'y'</script>");
    assert_string_equal(gpv_buf_str(&b),
                        "&lt;script&gt;a=&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;");
    gpv_buf_release(&b);
}

static void
test_report_replaces_invalid_utf8_and_control_bytes(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    /* A lone continuation byte, an overlong '/', a control byte; then valid "é" and a tab. */
    gpv_report_escape(&b, "a\x80"
                          "b\xc0\xaf"
                          "c\x01"
                          "d\xc3\xa9\t");
    assert_string_equal(gpv_buf_str(&b), "a\xef\xbf\xbd"
                                         "b\xef\xbf\xbd\xef\xbf\xbd"
                                         "c\xef\xbf\xbd"
                                         "d\xc3\xa9\t");
    gpv_buf_release(&b);
}

static const char seven_1g[] = PLAN_HEAD
    " \"tenants\": [{\"name\": \"scoring\", \"method\": \"mig\", \"gpu\": \"h100-80gb\","
    " \"replicas\": 7, \"memory_mib\": 9216, \"gpus\": []}],"
    " \"gpus\": [{\"id\": \"h100-80gb-1\", \"model\": \"h100-80gb\", \"mode\": \"mig\","
    " \"instances\": ["
    "{\"tenant\": \"scoring\", \"replica\": 0, \"profile\": \"1g.10gb\", \"start\": 0, \"size\": "
    "1},"
    "{\"tenant\": \"scoring\", \"replica\": 1, \"profile\": \"1g.10gb\", \"start\": 1, \"size\": "
    "1},"
    "{\"tenant\": \"scoring\", \"replica\": 2, \"profile\": \"1g.10gb\", \"start\": 2, \"size\": "
    "1},"
    "{\"tenant\": \"scoring\", \"replica\": 3, \"profile\": \"1g.10gb\", \"start\": 3, \"size\": "
    "1},"
    "{\"tenant\": \"scoring\", \"replica\": 4, \"profile\": \"1g.10gb\", \"start\": 4, \"size\": "
    "1},"
    "{\"tenant\": \"scoring\", \"replica\": 5, \"profile\": \"1g.10gb\", \"start\": 5, \"size\": "
    "1},"
    "{\"tenant\": \"scoring\", \"replica\": 6, \"profile\": \"1g.10gb\", \"start\": 6, \"size\": 1}"
    "]}], \"unplaced\": []}";

static void
test_report_marks_the_unit_beside_seven_1g_instances_stranded(void **state)
{
    char *html = render(seven_1g, false);

    (void)state;
    assert_int_equal(count(html, "<g class=\"gpu\""), 1);
    assert_int_equal(count(html, "<g class=\"inst\""), 7);
    assert_non_null(strstr(html, "<g class=\"stranded\" data-start=\"7\" data-size=\"1\">"));
    assert_null(strstr(html, "<g class=\"free\""));
    free(html);
}

static const char two_1g[] = PLAN_HEAD
    " \"tenants\": [],"
    " \"gpus\": [{\"id\": \"h100-80gb-1\", \"model\": \"h100-80gb\", \"mode\": \"mig\","
    " \"instances\": ["
    "{\"tenant\": \"a\", \"replica\": 0, \"profile\": \"1g.20gb\", \"start\": 0, \"size\": 2},"
    "{\"tenant\": \"b\", \"replica\": 0, \"profile\": \"1g.20gb\", \"start\": 4, \"size\": 2}"
    "]}], \"unplaced\": []}";

static void
test_report_marks_free_units_another_profile_fits(void **state)
{
    char *html = render(two_1g, false);

    (void)state;
    assert_non_null(strstr(html, "<g class=\"free\" data-start=\"2\" data-size=\"2\">"));
    assert_non_null(strstr(html, "<g class=\"free\" data-start=\"6\" data-size=\"2\">"));
    assert_null(strstr(html, "class=\"stranded\" data-start"));
    /* Two instances at units 0 and 4 of 8 on a 400-unit-wide grid, 2 apart: x = 6 + u * 50 + 1. */
    assert_non_null(strstr(html, "x=\"7\" y=\"34\" width=\"98\""));
    assert_non_null(strstr(html, "x=\"207\" y=\"34\" width=\"98\""));
    free(html);
}

static void
test_report_is_the_same_bytes_twice(void **state)
{
    char *a = render(seven_1g, false), *b = render(seven_1g, false);

    (void)state;
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void
test_report_gives_colliding_tenants_different_colours(void **state)
{
    char name[32], json[2048];
    const char *ca = gpv_report_tenant_colour("a");
    char *html;
    int i;

    (void)state;
    for (i = 0; i < 10000; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        if (!strcmp(gpv_report_tenant_colour(name), ca))
            break;
    }
    assert_true(i < 10000);
    snprintf(json, sizeof(json),
             PLAN_HEAD " \"tenants\": [],"
                       " \"gpus\": [{\"id\": \"h100-80gb-1\", \"model\": \"h100-80gb\","
                       " \"mode\": \"mig\", \"instances\": ["
                       "{\"tenant\": \"a\", \"replica\": 0, \"profile\": \"1g.20gb\", \"start\": 0,"
                       " \"size\": 2},"
                       "{\"tenant\": \"%s\", \"replica\": 0, \"profile\": \"1g.20gb\","
                       " \"start\": 2, \"size\": 2}]}], \"unplaced\": []}",
             name);
    html = render(json, false);
    /* "a" sorts first and keeps its colour; the other moves on. */
    assert_int_equal(count(html, ca), 1);
    free(html);
}

static void
test_report_survives_members_that_make_no_sense(void **state)
{
    static const char odd[] =
        PLAN_HEAD " \"tenants\": [{\"name\": 7}],"
                  " \"gpus\": [{\"id\": \"x\", \"model\": \"no-such-gpu\", \"mode\": \"mig\","
                  " \"instances\": [{\"tenant\": \"a\", \"start\": 99, \"size\": -3}]},"
                  " {\"id\": \"y\", \"model\": \"h100-80gb\", \"mode\": \"mig\", \"instances\": ["
                  "{\"tenant\": \"b\", \"profile\": \"9g.999gb\", \"start\": 6, \"size\": 40},"
                  "{\"tenant\": null, \"start\": -1}]},"
                  " {\"id\": \"z\", \"model\": \"l40s\", \"mode\": \"vgpu\","
                  " \"vgpu_mode\": \"mixed\", \"instances\": [{\"start\": 1000, \"size\": 1}]},"
                  " {\"mode\": 3, \"instances\": 4}, 5],"
                  " \"unplaced\": [{\"tenant\": \"u\", \"reasons\": [1, \"why\"]}, 2],"
                  " \"nodes\": 7}";
    char *html = render(odd, true);

    (void)state;
    assert_int_equal(count(html, "<g class=\"gpu\""), 4);
    assert_non_null(strstr(html, "</html>\n"));
    free(html);
}

static void
test_report_refuses_a_value_that_is_not_a_plan(void **state)
{
    struct gpv_val *v = parse("[1, 2]");
    struct gpv_error err;
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    assert_int_equal(gpv_report_plan_html(&b, v, &db, NULL, &err), GPV_EINPUT);
    assert_int_equal(b.len, 0);
    assert_non_null(strstr(err.msg, "not a plan"));
    gpv_val_free(v);
    gpv_buf_release(&b);
}

static void
test_report_model_draws_every_allowed_start(void **state)
{
    const struct gpv_gpu *g = gpu("h100-80gb");
    struct gpv_buf b;
    size_t p, starts = 0;

    (void)state;
    gpv_buf_init(&b);
    gpv_report_model_html(&b, g);
    for (p = 0; p < g->mig->nprofiles; p++)
        starts += (size_t)g->mig->profiles[p].nstarts;
    assert_int_equal(count(gpv_buf_str(&b), "<g class=\"start\""), starts);
    assert_int_equal(count(gpv_buf_str(&b), "<g class=\"profile\""), g->mig->nprofiles);
    /* 2g.20gb starts at 0, 2 and 4: units 6 and 7 are never used. */
    assert_non_null(strstr(gpv_buf_str(&b), "2g.20gb never uses unit 6"));
    assert_null(strstr(gpv_buf_str(&b), "1g.20gb never uses"));
    gpv_buf_release(&b);
}

static const char node_of_four[] = PLAN_HEAD
    " \"tenants\": [],"
    " \"nodes\": [{\"name\": \"n1\", \"model\": \"h100-80gb\", \"gpus\": 4, \"layout\": ["
    "{\"index\": 0, \"gpu\": null, \"mode\": null, \"summary\": \"unused\"},"
    "{\"index\": 1, \"gpu\": \"n1/1\", \"mode\": \"passthrough\", \"summary\": \"passthrough\"},"
    "{\"index\": 2, \"gpu\": null, \"mode\": null, \"summary\": \"unused\"},"
    "{\"index\": 3, \"gpu\": null, \"mode\": null, \"summary\": \"unused\"}]}],"
    " \"gpus\": [{\"id\": \"n1/1\", \"node\": \"n1\", \"index\": 1, \"model\": \"h100-80gb\","
    " \"mode\": \"passthrough\", \"instances\": [{\"tenant\": \"t\", \"replica\": 0}]}],"
    " \"unplaced\": []}";

static void
test_report_draws_a_nodes_unused_slots_in_index_order(void **state)
{
    char *html = render(node_of_four, false);
    const char *s0, *g1, *s2, *s3;

    (void)state;
    assert_int_equal(count(html, "<g class=\"gpu\""), 1);
    assert_int_equal(count(html, "<g class=\"unused\""), 3);
    s0 = strstr(html, "<g class=\"unused\" data-node=\"n1\" data-index=\"0\"");
    g1 = strstr(html, "<g class=\"gpu\" data-id=\"n1/1\"");
    s2 = strstr(html, "<g class=\"unused\" data-node=\"n1\" data-index=\"2\"");
    s3 = strstr(html, "<g class=\"unused\" data-node=\"n1\" data-index=\"3\"");
    assert_non_null(s0);
    assert_non_null(g1);
    assert_non_null(s2);
    assert_non_null(s3);
    assert_true(s0 < g1 && g1 < s2 && s2 < s3);
    free(html);
}

/* The change review of one H100 whose OLD and NEW instances are given. */
static char *
render_diff(enum gpv_diff_gpu_change change, struct gpv_diff_inst *old, size_t nold,
            struct gpv_diff_inst *new, size_t nnew)
{
    struct gpv_diff_gpu go = {"n1/0", "n1", 0, "h100-80gb", "mig", true, nold, old, 0};
    struct gpv_diff_gpu gn = {"n1/0", "n1", 0, "h100-80gb", "mig", true, nnew, new, 0};
    struct gpv_diff_gpu_row row;
    struct gpv_diff d;
    struct gpv_buf b;

    memset(&row, 0, sizeof(row));
    row.id = (char *)"n1/0";
    row.model = "h100-80gb";
    row.change = change;
    row.old = &go;
    row.new = &gn;
    row.before = (char *)"before";
    row.after = (char *)"after";
    memset(&d, 0, sizeof(d));
    d.ngpus = 1;
    d.gpus = &row;
    d.cost_old = d.cost_new = -1;
    gpv_buf_init(&b);
    gpv_report_diff_html(&b, &d, &db, "old.json", "<new>.json", false);
    return gpv_buf_detach(&b);
}

static void
test_report_diff_tells_kept_new_and_destroyed_instances_apart(void **state)
{
    struct gpv_diff_inst old[] = {{"1g.20gb", NULL, 0, 2, "a", 0, 0, 0},
                                  {"1g.20gb", NULL, 4, 2, "b", 0, 0, 0}};
    struct gpv_diff_inst new[] = {{"1g.20gb", NULL, 0, 2, "a", 0, 0, 0},
                                  {"1g.20gb", NULL, 6, 2, "c", 0, 0, 0}};
    char *html = render_diff(GPV_DIFF_IN_PLACE, old, 2, new, 2);
    const char *gpus;

    (void)state;
    assert_int_equal(count(html, "data-status=\"stays\" data-tenant=\"a\""), 2);
    assert_int_equal(count(html, "data-status=\"destroyed\" data-tenant=\"b\""), 1);
    assert_int_equal(count(html, "data-status=\"appears\" data-tenant=\"c\""), 1);
    /* Not by colour alone: a pattern and a word on the destroyed and the new block. */
    assert_non_null(gpus = strstr(html, "<section id=\"gpus\">"));
    assert_int_equal(count(gpus, "<rect class=\"goneh\""), 1);
    assert_int_equal(count(gpus, "<rect class=\"newh\""), 1);
    assert_non_null(strstr(html, ">destroyed</text>"));
    assert_non_null(strstr(html, ">appears</text>"));
    /* c at unit 6 of 8 on the after lane: x = 6 + 6 * 50 + 1, y = 92. */
    assert_non_null(strstr(html, "x=\"307\" y=\"92\" width=\"98\""));
    assert_non_null(strstr(html, "GPU change: old.json \xe2\x86\x92 &lt;new&gt;.json"));
    assert_null(strstr(html, "<new>"));
    free(html);
}

static void
test_report_diff_keeps_nothing_on_a_reconfigured_gpu(void **state)
{
    struct gpv_diff_inst old[] = {{"1g.20gb", NULL, 0, 2, "a", 0, 0, 0},
                                  {"3g.40gb", NULL, 4, 4, "b", 0, 0, 0}};
    struct gpv_diff_inst new[] = {{"1g.20gb", NULL, 0, 2, "a", 0, 0, 0},
                                  {"2g.20gb", NULL, 4, 2, "b", 0, 0, 0}};
    char *html = render_diff(GPV_DIFF_RECONFIGURED, old, 2, new, 2);

    (void)state;
    assert_int_equal(count(html, "data-status=\"stays\""), 0);
    assert_int_equal(count(html, "data-status=\"destroyed\""), 2);
    assert_int_equal(count(html, "data-status=\"appears\""), 2);
    free(html);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_palette_has_aa_contrast_with_the_text_colour),
        cmocka_unit_test(test_report_tenant_colour_is_stable_and_from_the_palette),
        cmocka_unit_test(test_report_escapes_markup_and_quotes),
        cmocka_unit_test(test_report_replaces_invalid_utf8_and_control_bytes),
        cmocka_unit_test(test_report_marks_the_unit_beside_seven_1g_instances_stranded),
        cmocka_unit_test(test_report_marks_free_units_another_profile_fits),
        cmocka_unit_test(test_report_is_the_same_bytes_twice),
        cmocka_unit_test(test_report_gives_colliding_tenants_different_colours),
        cmocka_unit_test(test_report_survives_members_that_make_no_sense),
        cmocka_unit_test(test_report_refuses_a_value_that_is_not_a_plan),
        cmocka_unit_test(test_report_model_draws_every_allowed_start),
        cmocka_unit_test(test_report_draws_a_nodes_unused_slots_in_index_order),
        cmocka_unit_test(test_report_diff_tells_kept_new_and_destroyed_instances_apart),
        cmocka_unit_test(test_report_diff_keeps_nothing_on_a_reconfigured_gpu),
    };

    return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
