#include "gpuvplan/width.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void
test_width_counts_a_utf8_character_as_one_column(void **state)
{
    (void)state;
    assert_int_equal(gpv_width(""), 0);
    assert_int_equal(gpv_width("team-a"), 6);
    assert_int_equal(gpv_width("caf\xc3\xa9"), 4); /* é: two bytes */
    assert_int_equal(gpv_width("\xe2\x82\xac"
                               "5"),
                     2);                                    /* €: three bytes */
    assert_int_equal(gpv_width("\xf0\x9f\x9a\x80"), 1);     /* a four-byte character */
    assert_int_equal(gpv_width_n("caf\xc3\xa9 bar", 5), 4); /* the first five bytes */
}

static void
test_width_gives_escape_codes_no_columns(void **state)
{
    (void)state;
    assert_int_equal(gpv_width("\033[1mbold\033[0m"), 4);
    assert_int_equal(gpv_width("\033[38;5;196mred\033[m"), 3);
    assert_int_equal(gpv_width("a\033"), 1); /* a lone ESC at the end */
}

static void
test_width_prefix_never_ends_inside_a_character(void **state)
{
    size_t used;

    (void)state;
    /* "été" is three characters in five bytes. */
    assert_int_equal(gpv_width_prefix("\xc3\xa9t\xc3\xa9", 2, &used), 3);
    assert_int_equal(used, 2);
    assert_int_equal(gpv_width_prefix("\xc3\xa9t\xc3\xa9", 10, &used), 5);
    assert_int_equal(used, 3);
    assert_int_equal(gpv_width_prefix("\033[1mab", 1, &used), 5);
    assert_int_equal(used, 1);
    assert_int_equal(gpv_width_prefix("abc", 0, NULL), 0);
}

static void
test_width_wrap_counts_visible_columns(void **state)
{
    struct gpv_buf b = {0};

    (void)state;
    /* Escape codes and two-byte characters do not push words to the next line. */
    gpv_width_wrap(
        &b, 20, "", "  ",
        "\033[1mbold\033[0m \xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 words");
    assert_string_equal(gpv_buf_str(&b),
                        "\033[1mbold\033[0m \xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9\n"
                        "  words\n");
    gpv_buf_release(&b);
}

static void
test_width_wrap_cuts_a_word_longer_than_a_line(void **state)
{
    struct gpv_buf b = {0};
    const char *s, *nl;

    (void)state;
    gpv_width_wrap(&b, 20, "see ", "    ", "https://example.com/a/very/long/path/to/a/page.html");
    assert_string_equal(gpv_buf_str(&b), "see https://example.\n"
                                         "    com/a/very/long/\n"
                                         "    path/to/a/page.h\n"
                                         "    tml\n");
    for (s = gpv_buf_str(&b); (nl = strchr(s, '\n')); s = nl + 1)
        assert_true(nl - s <= 20);
    gpv_buf_release(&b);
}

static void
test_width_wrap_never_breaks_at_a_001_byte(void **state)
{
    struct gpv_buf b = {0};

    (void)state;
    gpv_width_wrap(&b, 14, "", "", "aaaa 1g.10gb\001(19), x");
    assert_string_equal(gpv_buf_str(&b), "aaaa\n1g.10gb (19),\nx\n");
    gpv_buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_counts_a_utf8_character_as_one_column),
        cmocka_unit_test(test_width_gives_escape_codes_no_columns),
        cmocka_unit_test(test_width_prefix_never_ends_inside_a_character),
        cmocka_unit_test(test_width_wrap_counts_visible_columns),
        cmocka_unit_test(test_width_wrap_cuts_a_word_longer_than_a_line),
        cmocka_unit_test(test_width_wrap_never_breaks_at_a_001_byte),
    };

    return cmocka_run_group_tests_name("width", tests, NULL, NULL);
}
