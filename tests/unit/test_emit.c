#include "gpuvplan/emit.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"
#include "gpuvplan/yamldoc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strings that need care: control bytes, quotes, UTF-8, and what YAML would misread. */
static const char *const hard[] = {
    "plain-name",
    "",
    "tab\there",
    "new\nline",
    "cr\rlf",
    "bell\001unit\037",
    "del\177",
    "c1 \xc2\x80\xc2\x9f, nel \xc2\x85, nbsp \xc2\xa0",
    "ls \xe2\x80\xa8 ps \xe2\x80\xa9 en \xe2\x80\x93",
    "quote \" and backslash \\",
    "caf\xc3\xa9 \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x9a\x80",
    "yes",
    "null",
    "~",
    "12",
    "-1.5e3",
    "-dash",
    "a: b",
    "#hash",
    "a #b",
    " lead",
    "trail ",
    "[x",
    "{x",
    "'single'",
    "%pct",
    "@at",
    "a, b",
    "[x], {y}",
    "ends:",
    "a:b",
};
#define NHARD (sizeof(hard) / sizeof(hard[0]))

/* One document through the calls every writer shares: nesting, empties, keys that need care. */
static void
emit_doc(struct gpv_emit *e)
{
    size_t i;

    gpv_emit_obj(e, NULL);
    gpv_emit_str(e, "schema", "test/1");
    gpv_emit_int(e, "int", -42);
    gpv_emit_num(e, "num", 0.125);
    gpv_emit_bool(e, "yes", true);
    gpv_emit_null(e, "nothing");
    gpv_emit_obj(e, "empty_obj");
    gpv_emit_end(e);
    gpv_emit_arr(e, "empty_arr", true);
    gpv_emit_end(e);
    gpv_emit_arr(e, "empty_list", false);
    gpv_emit_end(e);
    gpv_emit_arr(e, "inline", true);
    for (i = 0; i < NHARD; i++)
        gpv_emit_str(e, NULL, hard[i]);
    gpv_emit_int(e, NULL, 7);
    gpv_emit_null(e, NULL);
    gpv_emit_end(e);
    gpv_emit_obj(e, "by_key");
    for (i = 0; i < NHARD; i++)
        gpv_emit_str(e, hard[i], hard[(i + 1) % NHARD]);
    gpv_emit_end(e);
    gpv_emit_arr(e, "rows", false);
    for (i = 0; i < 3; i++) {
        gpv_emit_obj(e, NULL);
        gpv_emit_int(e, "i", (long long)i);
        gpv_emit_arr(e, "deep", false);
        gpv_emit_obj(e, NULL);
        gpv_emit_arr(e, "leaf", true);
        gpv_emit_str(e, NULL, hard[i + 2]);
        gpv_emit_end(e);
        gpv_emit_obj(e, "more");
        gpv_emit_end(e);
        gpv_emit_end(e);
        gpv_emit_arr(e, NULL, true);
        gpv_emit_str(e, NULL, "nested list item");
        gpv_emit_end(e);
        gpv_emit_end(e);
        gpv_emit_end(e);
    }
    gpv_emit_end(e);
    gpv_emit_end(e);
}

/* The document as text of one kind; the caller frees it. */
static char *
doc_text(enum gpv_emit_kind kind)
{
    struct gpv_emit e;
    struct gpv_buf b;

    gpv_buf_init(&b);
    gpv_emit_init(&e, kind, &b);
    emit_doc(&e);
    gpv_emit_release(&e);
    return gpv_buf_detach(&b);
}

static struct gpv_val *
doc_tree(void)
{
    struct gpv_emit e;
    struct gpv_val *v;

    gpv_emit_init(&e, GPV_EMIT_TREE, NULL);
    emit_doc(&e);
    v = gpv_emit_take(&e);
    gpv_emit_release(&e);
    return v;
}

static char *
json_of(const struct gpv_val *v)
{
    struct gpv_buf b;

    gpv_buf_init(&b);
    gpv_val_write_json(v, &b);
    return gpv_buf_detach(&b);
}

/* Two trees hold the same values (numbers compared exactly: the document's are exact). */
static void
assert_same_val(const struct gpv_val *a, const struct gpv_val *b)
{
    size_t i;

    assert_int_equal(a->type, b->type);
    assert_int_equal(a->n, b->n);
    switch (a->type) {
    case GPV_V_BOOL:
        assert_int_equal(a->b, b->b);
        break;
    case GPV_V_INT:
        assert_int_equal(a->i, b->i);
        break;
    case GPV_V_NUM:
        assert_true(a->d == b->d);
        break;
    case GPV_V_STR:
        assert_string_equal(a->s, b->s);
        break;
    case GPV_V_OBJ:
        for (i = 0; i < a->n; i++)
            assert_string_equal(a->keys[i], b->keys[i]);
        /* fall through */
    case GPV_V_ARR:
        for (i = 0; i < a->n; i++)
            assert_same_val(a->items[i], b->items[i]);
        break;
    case GPV_V_NULL:
        break;
    }
}

/* A YAML node says what v says: strings as strings (quoted when YAML would misread them). */
static void
assert_yaml_says(const struct gpv_ynode *n, const struct gpv_val *v)
{
    char tmp[64];
    size_t i;

    switch (v->type) {
    case GPV_V_NULL:
        assert_true(gpv_y_is_null(n));
        break;
    case GPV_V_BOOL:
        assert_int_equal(n->kind, GPV_Y_SCALAR);
        assert_true(n->plain);
        assert_string_equal(n->str, v->b ? "true" : "false");
        break;
    case GPV_V_INT:
        assert_true(n->plain);
        snprintf(tmp, sizeof(tmp), "%lld", v->i);
        assert_string_equal(n->str, tmp);
        break;
    case GPV_V_NUM:
        assert_true(n->plain);
        assert_true(strtod(n->str, NULL) == v->d);
        break;
    case GPV_V_STR:
        assert_int_equal(n->kind, GPV_Y_SCALAR);
        assert_int_equal(n->len, strlen(v->s));
        assert_memory_equal(n->str, v->s, n->len);
        break;
    case GPV_V_ARR:
        assert_int_equal(n->kind, GPV_Y_SEQ);
        assert_int_equal(n->n, v->n);
        for (i = 0; i < v->n; i++)
            assert_yaml_says(n->items[i], v->items[i]);
        break;
    case GPV_V_OBJ:
        assert_int_equal(n->kind, GPV_Y_MAP);
        assert_int_equal(n->n, v->n);
        for (i = 0; i < v->n; i++) {
            assert_string_equal(n->items[2 * i]->str, v->keys[i]);
            assert_yaml_says(n->items[2 * i + 1], v->items[i]);
        }
        break;
    }
}

static void
test_emit_escapes_control_bytes_and_keeps_utf8_in_json(void **state)
{
    struct gpv_emit e;
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_emit_init(&e, GPV_EMIT_JSON, &b);
    gpv_emit_arr(&e, NULL, true);
    gpv_emit_str(&e, NULL, "\001\037\t\n\r\"\\");
    gpv_emit_str(&e, NULL, "caf\xc3\xa9 \xf0\x9f\x9a\x80");
    gpv_emit_end(&e);
    gpv_emit_release(&e);
    assert_string_equal(
        gpv_buf_str(&b),
        "[\"\\u0001\\u001f\\t\\n\\r\\\"\\\\\", \"caf\xc3\xa9 \xf0\x9f\x9a\x80\"]\n");
    gpv_buf_release(&b);
}

static void
test_emit_quotes_yaml_strings_with_escapes_yaml_can_read(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_yaml_put_string(&b, "a\001b\177c\xc2\x9f"
                            "d\xc2\x85"
                            "e\xe2\x80\xa8");
    assert_string_equal(gpv_buf_str(&b), "\"a\\u0001b\\x7fc\\u009fd\\u0085e\\u2028\"");
    gpv_buf_release(&b);
    gpv_yaml_put_string(&b, "caf\xc3\xa9");
    assert_string_equal(gpv_buf_str(&b), "caf\xc3\xa9");
    gpv_buf_release(&b);
}

/* A list of an object holding an inline array and an empty object, then an empty array. */
static void
small_doc(enum gpv_emit_kind kind, struct gpv_buf *out)
{
    struct gpv_emit e;

    gpv_emit_init(&e, kind, out);
    gpv_emit_obj(&e, NULL);
    gpv_emit_arr(&e, "a", false);
    gpv_emit_obj(&e, NULL);
    gpv_emit_arr(&e, "ids", true);
    gpv_emit_str(&e, NULL, "x");
    gpv_emit_int(&e, NULL, 1);
    gpv_emit_end(&e);
    gpv_emit_obj(&e, "e");
    gpv_emit_end(&e);
    gpv_emit_end(&e);
    gpv_emit_end(&e);
    gpv_emit_arr(&e, "none", true);
    gpv_emit_end(&e);
    gpv_emit_end(&e);
    gpv_emit_release(&e);
}

static void
test_emit_writes_nesting_and_empties_in_the_fixed_layout(void **state)
{
    struct gpv_buf j, y;

    (void)state;
    gpv_buf_init(&j);
    gpv_buf_init(&y);
    small_doc(GPV_EMIT_JSON, &j);
    assert_string_equal(gpv_buf_str(&j), "{\n"
                                         "  \"a\": [\n"
                                         "    {\n"
                                         "      \"ids\": [\"x\", 1],\n"
                                         "      \"e\": {}\n"
                                         "    }\n"
                                         "  ],\n"
                                         "  \"none\": []\n"
                                         "}\n");
    small_doc(GPV_EMIT_YAML, &y);
    assert_string_equal(gpv_buf_str(&y), "---\n"
                                         "a:\n"
                                         "  - ids: [x, 1]\n"
                                         "    e: {}\n"
                                         "none: []\n");
    gpv_buf_release(&j);
    gpv_buf_release(&y);
}

/* A key at depths 2, 1 and 2 after the first member, and a key whose text changes at one address.
 */
static void
keyed_doc(struct gpv_buf *out, bool stable)
{
    struct gpv_emit e;
    char key[8];

    gpv_emit_init(&e, GPV_EMIT_JSON, out);
    if (stable)
        gpv_emit_stable_keys(&e);
    gpv_emit_obj(&e, NULL);
    gpv_emit_obj(&e, "o");
    gpv_emit_int(&e, "n", 1);
    gpv_emit_int(&e, "k", 2);
    gpv_emit_end(&e);
    gpv_emit_int(&e, "k", 3);
    gpv_emit_obj(&e, "p");
    gpv_emit_int(&e, "n", 4);
    gpv_emit_int(&e, "k", 5);
    gpv_emit_end(&e);
    if (!stable) {
        strcpy(key, "key1");
        gpv_emit_int(&e, key, 6);
        strcpy(key, "key2");
        gpv_emit_int(&e, key, 7);
    }
    gpv_emit_end(&e);
    gpv_emit_release(&e);
}

static void
test_emit_writes_a_key_the_same_at_every_depth_stable_or_not(void **state)
{
    struct gpv_buf a, b;
    const char *body = "{\n"
                       "  \"o\": {\n"
                       "    \"n\": 1,\n"
                       "    \"k\": 2\n"
                       "  },\n"
                       "  \"k\": 3,\n"
                       "  \"p\": {\n"
                       "    \"n\": 4,\n"
                       "    \"k\": 5\n"
                       "  }";

    (void)state;
    gpv_buf_init(&a);
    gpv_buf_init(&b);
    keyed_doc(&a, true);
    keyed_doc(&b, false);
    assert_int_equal(strncmp(gpv_buf_str(&a), body, strlen(body)), 0);
    assert_string_equal(gpv_buf_str(&a) + strlen(body), "\n}\n");
    /* without the promise a key is compared, so a changed text at one address is seen */
    assert_int_equal(strncmp(gpv_buf_str(&b), body, strlen(body)), 0);
    assert_string_equal(gpv_buf_str(&b) + strlen(body), ",\n  \"key1\": 6,\n  \"key2\": 7\n}\n");
    gpv_buf_release(&a);
    gpv_buf_release(&b);
}

static void
test_emit_nests_deeper_than_its_first_stack(void **state)
{
    struct gpv_emit e;
    struct gpv_val *v;
    const struct gpv_val *p;
    int i;

    (void)state;
    gpv_emit_init(&e, GPV_EMIT_TREE, NULL);
    for (i = 0; i < 100; i++)
        gpv_emit_arr(&e, NULL, false);
    gpv_emit_int(&e, NULL, 5);
    for (i = 0; i < 100; i++)
        gpv_emit_end(&e);
    v = gpv_emit_take(&e);
    gpv_emit_release(&e);
    for (p = v, i = 0; i < 100; i++) {
        assert_int_equal(p->type, GPV_V_ARR);
        assert_int_equal(p->n, 1);
        p = p->items[0];
    }
    assert_int_equal(p->i, 5);
    gpv_val_free(v);
}

static void
test_emit_json_text_is_the_tree_written_and_reads_back_as_the_tree(void **state)
{
    struct gpv_val *tree = doc_tree(), *back = NULL;
    char *text = doc_text(GPV_EMIT_JSON), *again = json_of(tree);
    struct gpv_error err;

    (void)state;
    assert_string_equal(text, again);
    assert_int_equal(gpv_val_parse_json(&back, text, strlen(text), "doc.json", &err), 0);
    assert_same_val(back, tree);
    gpv_val_free(back);
    gpv_val_free(tree);
    free(text);
    free(again);
}

static void
test_emit_yaml_text_says_what_the_json_says(void **state)
{
    struct gpv_val *tree = doc_tree();
    char *text = doc_text(GPV_EMIT_YAML);
    struct gpv_buf again;
    struct gpv_ydoc *doc = NULL;
    struct gpv_error err;

    (void)state;
    gpv_buf_init(&again);
    gpv_val_write_yaml(tree, &again);
    assert_string_equal(text, gpv_buf_str(&again));
    if (gpv_ydoc_parse(&doc, text, strlen(text), "doc.yaml", &err))
        fail_msg("%s\n%s", err.msg, text);
    assert_non_null(doc->root);
    assert_yaml_says(doc->root, tree);
    gpv_ydoc_free(doc);
    gpv_buf_release(&again);
    gpv_val_free(tree);
    free(text);
}

static void
test_emit_a_lone_scalar_is_a_whole_document(void **state)
{
    struct gpv_emit e;
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_emit_init(&e, GPV_EMIT_JSON, &b);
    gpv_emit_str(&e, NULL, "x");
    gpv_emit_release(&e);
    assert_string_equal(gpv_buf_str(&b), "\"x\"\n");
    gpv_buf_release(&b);
    gpv_emit_init(&e, GPV_EMIT_YAML, &b);
    gpv_emit_int(&e, NULL, 3);
    gpv_emit_release(&e);
    assert_string_equal(gpv_buf_str(&b), "---\n3\n");
    gpv_buf_release(&b);
}

static void
test_emit_json_strings_are_valid_utf8_whatever_the_input(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_json_put_string(&b, "a\xff\xc3\xa9\xe2\x82 \x1b");
    assert_string_equal(gpv_buf_str(&b), "\"a\\ufffd\xc3\xa9\\ufffd\\ufffd \\u001b\"");
    gpv_buf_release(&b);
}

/* The members of an item after its "name": "n": 1, "tags": [a, b], "sub": {"x": null}. */
static void
put_item_members(struct gpv_emit *e)
{
    gpv_emit_int(e, "n", 1);
    gpv_emit_arr(e, "tags", true);
    gpv_emit_str(e, NULL, "a");
    gpv_emit_str(e, NULL, "b");
    gpv_emit_end(e);
    gpv_emit_obj(e, "sub");
    gpv_emit_null(e, "x");
    gpv_emit_end(e);
}

static void
test_emit_raw_repeats_members_byte_for_byte(void **state)
{
    enum gpv_emit_kind kinds[] = {GPV_EMIT_JSON, GPV_EMIT_YAML};
    size_t k;

    (void)state;
    for (k = 0; k < 2; k++) {
        struct gpv_emit e, r;
        struct gpv_buf want, got, rest;
        size_t mark;
        int i;

        gpv_buf_init(&want);
        gpv_buf_init(&got);
        gpv_buf_init(&rest);
        /* The members after "name", written once at the depth of a list's item. */
        gpv_emit_init(&r, kinds[k], &rest);
        gpv_emit_obj(&r, NULL);
        gpv_emit_arr(&r, "items", false);
        gpv_emit_obj(&r, NULL);
        gpv_emit_str(&r, "name", "");
        mark = rest.len;
        put_item_members(&r);
        /* Written whole, and with every item's members copied from that text. */
        for (i = 0; i < 2; i++) {
            gpv_emit_init(&e, kinds[k], i ? &got : &want);
            gpv_emit_obj(&e, NULL);
            gpv_emit_str(&e, "file", "f");
            gpv_emit_arr(&e, "items", false);
            gpv_emit_obj(&e, NULL);
            gpv_emit_str(&e, "name", "first");
            if (i)
                gpv_emit_raw(&e, rest.s + mark, rest.len - mark);
            else
                put_item_members(&e);
            gpv_emit_end(&e);
            gpv_emit_obj(&e, NULL);
            gpv_emit_str(&e, "name", "second: with \"quotes\"");
            if (i)
                gpv_emit_raw(&e, rest.s + mark, rest.len - mark);
            else
                put_item_members(&e);
            gpv_emit_end(&e);
            gpv_emit_end(&e);
            gpv_emit_end(&e);
            gpv_emit_release(&e);
        }
        assert_true(strstr(gpv_buf_str(&want), "sub") != NULL);
        assert_string_equal(gpv_buf_str(&got), gpv_buf_str(&want));
        gpv_emit_release(&r);
        gpv_buf_release(&want);
        gpv_buf_release(&got);
        gpv_buf_release(&rest);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emit_escapes_control_bytes_and_keeps_utf8_in_json),
        cmocka_unit_test(test_emit_quotes_yaml_strings_with_escapes_yaml_can_read),
        cmocka_unit_test(test_emit_writes_nesting_and_empties_in_the_fixed_layout),
        cmocka_unit_test(test_emit_writes_a_key_the_same_at_every_depth_stable_or_not),
        cmocka_unit_test(test_emit_nests_deeper_than_its_first_stack),
        cmocka_unit_test(test_emit_json_text_is_the_tree_written_and_reads_back_as_the_tree),
        cmocka_unit_test(test_emit_yaml_text_says_what_the_json_says),
        cmocka_unit_test(test_emit_a_lone_scalar_is_a_whole_document),
        cmocka_unit_test(test_emit_json_strings_are_valid_utf8_whatever_the_input),
        cmocka_unit_test(test_emit_raw_repeats_members_byte_for_byte),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
