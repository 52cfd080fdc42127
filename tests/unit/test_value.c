#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What one of the gpv_json_put_* / gpv_yaml_put_* pieces writes, as a string. */
static const char *
written(struct gpv_buf *b)
{
    return gpv_buf_str(b);
}

static void
test_json_string_escapes_quotes_backslashes_and_control_bytes(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_json_put_string(&b, "a\"b\\c\nd\te\rf\001g\037h\177");
    assert_string_equal(written(&b), "\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\\u001fh\177\"");
    gpv_buf_release(&b);
    gpv_json_put_string(&b, "");
    assert_string_equal(written(&b), "\"\"");
    gpv_buf_release(&b);
}

static void
test_json_numbers_have_six_digits_and_whole_numbers_no_exponent(void **state)
{
    static const struct {
        double d;
        const char *text;
    } cases[] = {
        {0.1, "0.1"},
        {-0.125, "-0.125"},
        {3.0, "3"},
        {1234567.0, "1234567"},
        {1234567.5, "1.23457e+06"},
        {1e15, "1e+15"},
        {0.0000125, "1.25e-05"},
        {16.1, "16.1"},
    };
    struct gpv_buf b;
    size_t i;

    (void)state;
    gpv_buf_init(&b);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gpv_json_put_number(&b, cases[i].d);
        assert_string_equal(written(&b), cases[i].text);
        gpv_buf_release(&b);
    }
    gpv_json_put_number(&b, NAN);
    assert_string_equal(written(&b), "null");
    gpv_buf_release(&b);
    gpv_json_put_number(&b, INFINITY);
    assert_string_equal(written(&b), "null");
    gpv_buf_release(&b);
}

static void
test_json_integers_are_written_whole_down_to_the_smallest(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_json_put_int(&b, 0);
    gpv_buf_putc(&b, ' ');
    gpv_json_put_int(&b, -42);
    gpv_buf_putc(&b, ' ');
    gpv_json_put_int(&b, LLONG_MAX);
    gpv_buf_putc(&b, ' ');
    gpv_json_put_int(&b, LLONG_MIN);
    assert_string_equal(written(&b), "0 -42 9223372036854775807 -9223372036854775808");
    gpv_buf_release(&b);
    gpv_json_put_indent(&b, 0);
    assert_string_equal(written(&b), "");
    gpv_json_put_indent(&b, 40);
    assert_int_equal(b.len, 80);
    assert_int_equal(strspn(written(&b), " "), 80);
    gpv_buf_release(&b);
}

static void
test_yaml_strings_are_quoted_only_where_yaml_would_misread_them(void **state)
{
    static const char *const quoted[] = {
        "",   "~",  "null", "Null", "TRUE", "false", "yes",  "No",   "on",    "off", "y",
        "n",  "42", "-7",   "+7",   "1.5",  ".5",    "1e5",  "0x1f", "-dash", "?",   ":x",
        "[a", "{a", "#a",   "&a",   "*a",   "!a",    "|a",   ">a",   "'a",    "\"a", "%a",
        "@a", "`a", " a",   "a ",   "a: b", "a #b",  "a\tb", "a\nb", "a\177",
    };
    static const char *const plain[] = {
        "fraud-scoring", "h100-80gb-1", "1g.10gb", "a:b",   "a#b",      "inf",    "nan",
        "yesno",         "Nope",        "t0",      "x-1.5", "L40S-24C", "falsey",
    };
    struct gpv_buf b;
    size_t i;

    (void)state;
    gpv_buf_init(&b);
    for (i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++) {
        gpv_yaml_put_string(&b, quoted[i]);
        if (written(&b)[0] != '"')
            fail_msg("'%s' was not quoted: %s", quoted[i], written(&b));
        gpv_buf_release(&b);
    }
    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        gpv_yaml_put_string(&b, plain[i]);
        assert_string_equal(written(&b), plain[i]);
        gpv_buf_release(&b);
    }
    gpv_yaml_put_string(&b, "a\tb");
    assert_string_equal(written(&b), "\"a\\tb\"");
    gpv_buf_release(&b);
}

static void
test_value_writers_write_every_type_in_their_fixed_layout(void **state)
{
    struct gpv_val *v = gpv_val_obj(), *a, *o;
    struct gpv_buf b;

    (void)state;
    gpv_val_set_str(v, "name", "yes");
    gpv_val_set_int(v, "count", -3);
    gpv_val_set_num(v, "x", 0.25);
    gpv_val_set_bool(v, "ok", true);
    gpv_val_set(v, "none", gpv_val_null());
    a = gpv_val_set(v, "ids", gpv_val_arr());
    gpv_val_push(a, gpv_val_str("a"));
    gpv_val_push(a, gpv_val_int(2));
    gpv_val_set(v, "empty", gpv_val_arr());
    gpv_val_set(v, "nothing", gpv_val_obj());
    a = gpv_val_set(v, "items", gpv_val_arr());
    o = gpv_val_push(a, gpv_val_obj());
    gpv_val_set_str(o, "k", "v");
    gpv_val_set_int(o, "m", 1);
    gpv_val_push(a, gpv_val_obj());
    gpv_buf_init(&b);
    gpv_val_write_json(v, &b);
    assert_string_equal(written(&b), "{\n"
                                     "  \"name\": \"yes\",\n"
                                     "  \"count\": -3,\n"
                                     "  \"x\": 0.25,\n"
                                     "  \"ok\": true,\n"
                                     "  \"none\": null,\n"
                                     "  \"ids\": [\"a\", 2],\n"
                                     "  \"empty\": [],\n"
                                     "  \"nothing\": {},\n"
                                     "  \"items\": [\n"
                                     "    {\n"
                                     "      \"k\": \"v\",\n"
                                     "      \"m\": 1\n"
                                     "    },\n"
                                     "    {}\n"
                                     "  ]\n"
                                     "}\n");
    gpv_buf_release(&b);
    gpv_val_write_yaml(v, &b);
    assert_string_equal(written(&b), "---\n"
                                     "name: \"yes\"\n"
                                     "count: -3\n"
                                     "x: 0.25\n"
                                     "ok: true\n"
                                     "none: null\n"
                                     "ids: [a, 2]\n"
                                     "empty: []\n"
                                     "nothing: {}\n"
                                     "items:\n"
                                     "  - k: v\n"
                                     "    m: 1\n"
                                     "  - {}\n");
    gpv_buf_release(&b);
    gpv_val_free(v);
}

/* Parses text, which must be valid JSON, and returns the tree. */
static struct gpv_val *
parsed(const char *text)
{
    struct gpv_val *v = NULL;
    struct gpv_error err;

    gpv_error_init(&err);
    assert_int_equal(gpv_val_parse_json(&v, text, strlen(text), "t.json", &err), 0);
    assert_non_null(v);
    return v;
}

/* The message of parsing text, which must fail. */
static void
assert_json_error(const char *text, const char *msg)
{
    struct gpv_val *v = NULL;
    struct gpv_error err;

    gpv_error_init(&err);
    assert_int_equal(gpv_val_parse_json(&v, text, strlen(text), "t.json", &err), GPV_EINPUT);
    assert_null(v);
    assert_string_equal(err.msg, msg);
}

/* Parsing text fails at line:col with msg. */
static void
assert_json_error_at(const char *text, size_t len, int line, int col, const char *msg)
{
    struct gpv_val *v = NULL;
    struct gpv_error err;

    gpv_error_init(&err);
    assert_int_equal(gpv_val_parse_json(&v, text, len, "t.json", &err), GPV_EINPUT);
    assert_null(v);
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.line, line);
    assert_int_equal(err.col, col);
}

static void
test_json_reader_reports_syntax_errors_where_cjson_did(void **state)
{
    static const struct {
        const char *text;
        int line, col;
        const char *msg;
    } cases[] = {
        {"", 1, 1, "invalid JSON"},
        {"\n\n", 2, 1, "invalid JSON"},
        {"{\"schema\": \"gpuvplan.plan/1\", \"gpus\": [\n", 1, 40, "invalid JSON"},
        {"[1,]", 1, 4, "invalid JSON"},
        {"[,1]", 1, 2, "invalid JSON"},
        {"{\"a\":1,}", 1, 8, "invalid JSON"},   /* the byte after a missing key quote */
        {"{\"a\":1,}\n", 1, 9, "invalid JSON"}, /* ... here the newline */
        {"{1:2}", 1, 3, "invalid JSON"},
        {"{\"a\" 1}", 1, 6, "invalid JSON"},
        {"[1 2]", 1, 4, "invalid JSON"},
        {"[tru]", 1, 2, "invalid JSON"},
        {"\"abc", 1, 2, "invalid JSON"},         /* unterminated: after the quote */
        {"[\"a\\q\", 1]", 1, 4, "invalid JSON"}, /* a bad escape: its backslash */
        {"\"\\ud800\"", 1, 2, "invalid JSON"},   /* a lone surrogate */
        {"\"\\udc00x\"", 1, 2, "invalid JSON"},
        {"[-a]", 1, 2, "invalid JSON"},
        {"[1e]", 1, 3, "invalid JSON"}, /* the number ends before the 'e' */
        {"1e", 1, 2, "trailing data after the JSON value"},
        {"{\"a\":1}x", 1, 8, "trailing data after the JSON value"},
        {"version: 1\n", 1, 1, "invalid JSON: the text starts with 'v', not '{' (is it YAML?)"},
        /* what cJSON let through */
        {"[\"a\tb\"]", 1, 4, "invalid JSON: a control character in a string (escape it)"},
        {"[\"a\\uzzzzb\"]", 1, 4, "invalid JSON: a \\u escape without four hex digits"},
        {"[01]", 1, 3, "invalid JSON: a number with a leading zero"},
        {"[1.]", 1, 3, "invalid JSON: a number without digits after its decimal point"},
        {"[1,\f2]", 1, 4, "invalid JSON: a control character outside a string"},
        {"[1234567890123456789012345678901234567890123456789012345678901234]", 1, 2,
         "invalid JSON: a number longer than 63 characters"},
        {"{\"a\": \"x\\u0000y\"}", 1, 9, "a string holds a NUL byte (\\u0000)"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_json_error_at(cases[i].text, strlen(cases[i].text), cases[i].line, cases[i].col,
                             cases[i].msg);
}

static void
test_json_reader_refuses_nesting_deeper_than_1000(void **state)
{
    char deep[1002];
    struct gpv_val *v;

    (void)state;
    memset(deep, '[', sizeof(deep));
    assert_json_error_at(deep, 1001, 1, 1001, "invalid JSON: nested more than 1000 deep");
    /* 1000 deep is read */
    {
        static char text[2001];

        memset(text, '[', 1000);
        memset(text + 1000, ']', 1000);
        v = parsed(text);
        assert_int_equal(v->type, GPV_V_ARR);
        gpv_val_free(v);
    }
}

static void
test_json_reader_decodes_escapes_and_numbers_as_before(void **state)
{
    struct gpv_val *v = parsed("\xef\xbb\xbf{\"s\": \"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\", "
                               "\"big\": 123456789012345678, \"e\": 1e3, \"f\": -2.5e-1, "
                               "\"z\": -0, \"huge\": 1e400, \"raw\": \"\xff\"}");

    (void)state;
    assert_string_equal(gpv_val_get(v, "s")->s, "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80");
    assert_int_equal(gpv_val_get(v, "big")->type, GPV_V_NUM); /* past 2^53 */
    assert_int_equal(gpv_val_get(v, "e")->type, GPV_V_INT);
    assert_int_equal(gpv_val_get(v, "e")->i, 1000);
    assert_true(gpv_val_get(v, "f")->d == -0.25);
    assert_int_equal(gpv_val_get(v, "z")->type, GPV_V_INT);
    assert_int_equal(gpv_val_get(v, "z")->i, 0);
    assert_int_equal(gpv_val_get(v, "huge")->type, GPV_V_NUM);
    assert_string_equal(gpv_val_get(v, "raw")->s, "\xff"); /* kept, as cJSON kept it */
    gpv_val_free(v);
}

static void
test_json_reader_shares_names_and_repeated_values_and_still_finds_every_duplicate(void **state)
{
    struct gpv_val *v = parsed("[{\"ab\":1,\"c\":2},{\"abc\":3,\"c\":4},{\"ab\":5},"
                               "{\"a\\u0062\":6,\"c\":7},{\"ab\":8,\"c\":9}]");

    (void)state;
    /* same names, same order: one shared array; a name that only starts alike is not it */
    assert_ptr_equal(v->items[0]->keys, v->items[4]->keys);
    assert_ptr_equal(v->items[0]->keys, v->items[3]->keys); /* "a\u0062" is "ab" */
    assert_string_equal(v->items[1]->keys[0], "abc");
    assert_int_equal(gpv_val_get(v->items[1], "abc")->i, 3);
    assert_int_equal(v->items[2]->n, 1);
    assert_int_equal(gpv_val_get(v->items[4], "c")->i, 9);
    gpv_val_free(v);
    /* repeated scalars are one read-only node: null, booleans, small integers, equal strings */
    v = parsed("[null, null, true, true, 7, 7, 5000, 5000, \"x\", \"\\u0078\", \"y\"]");
    assert_ptr_equal(v->items[0], v->items[1]);
    assert_ptr_equal(v->items[2], v->items[3]);
    assert_ptr_equal(v->items[4], v->items[5]);
    assert_int_equal(v->items[6]->i, 5000);
    assert_int_equal(v->items[7]->i, 5000);
    assert_ptr_equal(v->items[8], v->items[9]);
    assert_string_equal(v->items[10]->s, "y");
    gpv_val_free(v); /* one free: ASan reports a double free or a leak */
    assert_json_error("[{\"ab\":1,\"c\":2},{\"ab\":1,\"c\":2,\"c\":3}]",
                      "duplicate key 'c' in an object");
    assert_json_error("{\"x\":[{\"k\":{\"k\":1}},{\"k\":{\"k\":1,\"k\":2}}]}",
                      "duplicate key 'k' in an object");
}

static void
test_json_reader_reads_a_value_like_the_last_at_its_place_as_itself(void **state)
{
    /* Each object's "m" is compared with the last one's bytes first: a prefix, a longer
     * string, an escape that spells the same text, one that does not, all read as they are. */
    struct gpv_val *v = parsed("[{\"m\": \"ab\"}, {\"m\": \"ab\"}, {\"m\": \"a\"}, "
                               "{\"m\": \"abc\"}, {\"m\": \"a\\u0062\"}, {\"m\": \"ab\"}, "
                               "{\"m\": \"a\\\\b\"}, {\"m\": \"a\\\\b\"}, [\"ab\", \"ab\"]]");
    const struct gpv_val *m[8];
    size_t i;

    (void)state;
    for (i = 0; i < 8; i++)
        m[i] = gpv_val_get(v->items[i], "m");
    assert_ptr_equal(m[0], m[1]);
    assert_string_equal(m[2]->s, "a");
    assert_string_equal(m[3]->s, "abc");
    assert_ptr_equal(m[4], m[0]); /* "a\u0062" is "ab" */
    assert_ptr_equal(m[5], m[0]);
    assert_string_equal(m[6]->s, "a\\b"); /* not plain: never a prediction */
    assert_ptr_equal(m[6], m[7]);
    assert_ptr_equal(v->items[8]->items[0], m[0]);
    assert_ptr_equal(v->items[8]->items[1], m[0]);
    gpv_val_free(v);
    /* a string cut short, or with a raw control byte, where the last one was alike */
    assert_json_error_at("[{\"m\": \"ab\"}, {\"m\": \"ab", 23, 1, 22, "invalid JSON");
    assert_json_error_at("[{\"m\": \"ab\"}, {\"m\": \"ab\n\"}]", 27, 1, 24,
                         "invalid JSON: a control character in a string (escape it)");
}

static void
test_json_reader_builds_every_type_and_frees_the_tree_with_its_root(void **state)
{
    struct gpv_val *v = parsed("{\"name\": \"web\", \"n\": 3, \"d\": 0.5, \"on\": true, "
                               "\"none\": null, \"list\": [1, \"two\", {\"k\": []}], \"\": {}}");
    const struct gpv_val *l;

    (void)state;
    assert_int_equal(v->type, GPV_V_OBJ);
    assert_int_equal(v->n, 7);
    assert_string_equal(gpv_val_get(v, "name")->s, "web");
    assert_int_equal(gpv_val_get(v, "n")->i, 3);
    assert_true(gpv_val_get(v, "d")->d == 0.5);
    assert_true(gpv_val_get(v, "on")->b);
    assert_int_equal(gpv_val_get(v, "none")->type, GPV_V_NULL);
    assert_int_equal(gpv_val_get(v, "")->type, GPV_V_OBJ);
    assert_null(gpv_val_get(v, "nam"));
    l = gpv_val_get(v, "list");
    assert_int_equal(l->n, 3);
    assert_string_equal(l->items[1]->s, "two");
    assert_int_equal(gpv_val_get(l->items[2], "k")->type, GPV_V_ARR);
    assert_int_equal(gpv_val_get(l->items[2], "k")->n, 0);
    gpv_val_free(v); /* one free for the whole tree: ASan reports a leak or a double free */
}

static void
test_json_reader_names_the_first_duplicate_key_in_small_and_large_objects(void **state)
{
    (void)state;
    assert_json_error("{\"z\": 1, \"c\": 2, \"z\": 3, \"c\": 4}", "duplicate key 'c' in an object");
    assert_json_error("{\"a\": {\"x\": 1, \"x\": 2}}", "duplicate key 'x' in an object");
    /* More than 16 members: the other way of finding them, the same answer. */
    assert_json_error("{\"k01\":1,\"k02\":1,\"k03\":1,\"z\":1,\"k05\":1,\"k06\":1,\"k07\":1,"
                      "\"k08\":1,\"c\":1,\"k10\":1,\"k11\":1,\"k12\":1,\"k13\":1,\"k14\":1,"
                      "\"k15\":1,\"k16\":1,\"z\":1,\"c\":1}",
                      "duplicate key 'c' in an object");
    gpv_val_free(parsed("{\"k01\":1,\"k02\":1,\"k03\":1,\"k04\":1,\"k05\":1,\"k06\":1,"
                        "\"k07\":1,\"k08\":1,\"k09\":1,\"k10\":1,\"k11\":1,\"k12\":1,"
                        "\"k13\":1,\"k14\":1,\"k15\":1,\"k16\":1,\"k17\":1}"));
}

static void
test_value_cache_finds_members_as_gpv_val_get_does(void **state)
{
    struct gpv_val *v = parsed("[{\"a\":1,\"b\":2},{\"a\":3,\"b\":4},{\"b\":5},{\"c\":6,\"a\":7}]");
    struct gpv_val *built = gpv_val_obj();
    struct gpv_val_cache *cache = malloc(sizeof(*cache));
    static const char *const keys[] = {"a", "b", "c", "d"};
    size_t i, k, round;

    (void)state;
    assert_non_null(cache);
    gpv_val_cache_init(cache);
    gpv_val_set_int(built, "b", 8);
    for (round = 0; round < 2; round++) {
        for (i = 0; i < v->n; i++)
            for (k = 0; k < 4; k++)
                assert_ptr_equal(gpv_val_get_cached(v->items[i], keys[k], cache),
                                 gpv_val_get(v->items[i], keys[k]));
        /* a tree built in memory, not by the reader: its own names array, the same answers */
        for (k = 0; k < 4; k++)
            assert_ptr_equal(gpv_val_get_cached(built, keys[k], cache),
                             gpv_val_get(built, keys[k]));
    }
    assert_int_equal(gpv_val_index_cached(v->items[3], "a", cache), 1);
    assert_int_equal(gpv_val_index_cached(v, "a", cache), SIZE_MAX); /* not an object */
    free(cache);
    gpv_val_free(built);
    gpv_val_free(v);
}

/* More kinds of objects than the reader remembers, in turn, read twice: every answer is
 * gpv_val_get's, absent members and non-objects included. */
static void
test_value_rows_read_members_as_gpv_val_get_does(void **state)
{
    struct gpv_val *v = parsed("[{\"a\":1,\"b\":2},{\"b\":3},{\"c\":4,\"a\":5},{\"d\":6},"
                               "{\"a\":7,\"c\":8,\"b\":9},{\"a\":10,\"b\":11},7,null,{}]");
    struct gpv_val *built = gpv_val_obj();
    static const char *const keys[] = {"b", "a", "x", "c"};
    const struct gpv_val *out[4];
    struct gpv_val_rows rows;
    size_t i, k, round;

    (void)state;
    gpv_val_set_int(built, "c", 12);
    gpv_val_rows_init(&rows, keys, 4);
    for (round = 0; round < 2; round++) {
        for (i = 0; i < v->n; i++) {
            gpv_val_rows_read(out, &rows, v->items[i]);
            for (k = 0; k < 4; k++)
                assert_ptr_equal(out[k], gpv_val_get(v->items[i], keys[k]));
        }
        gpv_val_rows_read(out, &rows, built);
        for (k = 0; k < 4; k++)
            assert_ptr_equal(out[k], gpv_val_get(built, keys[k]));
    }
    gpv_val_rows_read(out, &rows, v->items[4]);
    assert_int_equal(out[0]->i, 9);
    assert_int_equal(out[3]->i, 8);
    assert_null(out[2]);
    gpv_val_rows_read(out, &rows, NULL);
    for (k = 0; k < 4; k++)
        assert_null(out[k]);
    gpv_val_free(built);
    gpv_val_free(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_string_escapes_quotes_backslashes_and_control_bytes),
        cmocka_unit_test(test_json_numbers_have_six_digits_and_whole_numbers_no_exponent),
        cmocka_unit_test(test_json_integers_are_written_whole_down_to_the_smallest),
        cmocka_unit_test(test_yaml_strings_are_quoted_only_where_yaml_would_misread_them),
        cmocka_unit_test(test_value_writers_write_every_type_in_their_fixed_layout),
        cmocka_unit_test(test_json_reader_builds_every_type_and_frees_the_tree_with_its_root),
        cmocka_unit_test(test_json_reader_names_the_first_duplicate_key_in_small_and_large_objects),
        cmocka_unit_test(test_json_reader_reports_syntax_errors_where_cjson_did),
        cmocka_unit_test(test_json_reader_refuses_nesting_deeper_than_1000),
        cmocka_unit_test(test_json_reader_decodes_escapes_and_numbers_as_before),
        cmocka_unit_test(test_value_cache_finds_members_as_gpv_val_get_does),
        cmocka_unit_test(test_value_rows_read_members_as_gpv_val_get_does),
        cmocka_unit_test(
            test_json_reader_shares_names_and_repeated_values_and_still_finds_every_duplicate),
        cmocka_unit_test(test_json_reader_reads_a_value_like_the_last_at_its_place_as_itself),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
