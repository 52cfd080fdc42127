#include "gpuvplan/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

struct item {
    int key;
    int seq;
};

static int
by_key(const void *a, const void *b, const void *ctx)
{
    const struct item *x = a, *y = b;
    (void)ctx;
    return (x->key > y->key) - (x->key < y->key);
}

static void
test_util_stable_sort_orders_by_key_and_keeps_ties_in_input_order(void **state)
{
    enum { N = 1000 };
    struct item *v = xcalloc(N, sizeof(*v));
    unsigned x = 12345;
    int i;

    (void)state;
    for (i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        v[i].key = (int)((x >> 16) % 17); /* many ties */
        v[i].seq = i;
    }
    gpv_sort_stable(v, N, sizeof(*v), by_key, NULL);
    for (i = 1; i < N; i++) {
        assert_true(v[i - 1].key <= v[i].key);
        if (v[i - 1].key == v[i].key)
            assert_true(v[i - 1].seq < v[i].seq);
    }
    gpv_sort_stable(v, 1, sizeof(*v), by_key, NULL);
    gpv_sort_stable(v, 0, sizeof(*v), by_key, NULL);
    free(v);
}

static void
test_util_parses_numbers_strictly(void **state)
{
    long long v;
    double d;

    (void)state;
    assert_true(gpv_parse_ll(&v, "42", 0, 100));
    assert_int_equal(v, 42);
    assert_true(gpv_parse_ll(&v, "0x2330", 0, 1 << 20));
    assert_int_equal(v, 0x2330);
    assert_false(gpv_parse_ll(&v, "42x", 0, 100));
    assert_false(gpv_parse_ll(&v, " 42", 0, 100));
    assert_false(gpv_parse_ll(&v, "101", 0, 100));
    assert_false(gpv_parse_ll(&v, "99999999999999999999", 0, 100));
    assert_false(gpv_parse_ll(&v, "", 0, 100));
    assert_true(gpv_parse_double(&d, "3.25"));
    assert_false(gpv_parse_double(&d, "inf"));
    assert_false(gpv_parse_double(&d, "nan"));
    assert_false(gpv_parse_double(&d, "0x1p3"));
}

static void
test_util_suggests_close_names_only(void **state)
{
    const char *const keys[] = {"memory", "replicas", "isolation", NULL, "compute"};

    (void)state;
    assert_int_equal(gpv_suggest("memroy", keys, 5), 0);
    assert_int_equal(gpv_suggest("replica", keys, 5), 1);
    assert_int_equal(gpv_suggest("isolaton", keys, 5), 2);
    assert_int_equal(gpv_suggest("zebra", keys, 5), -1);
}

static void
test_util_suggest_never_offers_what_shares_little_with_the_word(void **state)
{
    static const char *const envs[] = {"container", "vm"};
    static const char *const keys[] = {"memory_mib", "name", "vws", "vpc"};
    static const char *const profiles[] = {"1g.10gb", "2g.20gb", "3g.40gb", "1g.20gb"};
    int out[4];

    (void)state;
    assert_int_equal(gpv_suggest("no", envs, 2), -1);
    assert_int_equal(gpv_suggest("x", envs, 2), -1);
    assert_int_equal(gpv_suggest("v", envs, 2), 1);
    assert_int_equal(gpv_suggest("VM", envs, 2), 1);
    assert_int_equal(gpv_suggest("contianer", envs, 2), 0);
    assert_int_equal(gpv_suggest("memroy", keys, 4), 0);
    assert_int_equal(gpv_suggest("ab", keys, 4), -1);
    assert_int_equal(gpv_suggest("vwz", keys, 4), 2);
    assert_int_equal(gpv_suggest_all(out, 4, "2g.10gb", profiles, 4), 2);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 1);
    assert_int_equal(gpv_suggest_all(out, 1, "2g.10gb", profiles, 4), 1);
    assert_int_equal(out[0], 0);
    assert_int_equal(gpv_suggest_all(out, 4, "zzzzzz", profiles, 4), 0);
}

/* A broken invariant stops the process with SIGABRT and names itself on stderr. */
static void
test_util_assert_reports_a_broken_invariant_and_aborts(void **state)
{
    int fd[2], status = 0;
    char buf[512];
    size_t got = 0;
    ssize_t r;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(fd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        volatile int two = 2;

        setrlimit(RLIMIT_CORE, &no_core);
        dup2(fd[1], 2);
        close(fd[0]);
        GPV_ASSERT(two + 1 == 2);
        _exit(0); /* not reached when the assertion works */
    }
    close(fd[1]);
    while (got < sizeof(buf) - 1 && (r = read(fd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(fd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(buf, "gpuvplan: BUG: "));
    assert_non_null(strstr(buf, "test_util.c:"));
    assert_non_null(strstr(buf, "two + 1 == 2"));
}

/* A holding invariant costs nothing visible. */
static void
test_util_assert_passes_when_the_invariant_holds(void **state)
{
    int calls = 0;

    (void)state;
    GPV_ASSERT(++calls == 1);
    assert_int_equal(calls, 1); /* evaluated exactly once */
}

struct sink_log {
    struct gpv_buf got;
    int calls;
};

static void
log_sink(void *ctx, const char *p, size_t n)
{
    struct sink_log *log = ctx;

    gpv_buf_put(&log->got, p, n);
    log->calls++;
}

static void
test_util_buf_with_a_sink_streams_everything_and_holds_little(void **state)
{
    struct sink_log log = {{0}, 0};
    struct gpv_buf b = {0}, want = {0};
    static char big[3 * GPV_BUF_SINK_BYTES];
    size_t i, most = 0;

    (void)state;
    gpv_buf_puts(&b, "kept: ");
    gpv_buf_set_sink(&b, log_sink, &log);
    gpv_buf_puts(&want, "kept: ");
    for (i = 0; i < 20000; i++) {
        gpv_buf_printf(&b, "line %zu\n", i);
        gpv_buf_printf(&want, "line %zu\n", i);
        most = b.len > most ? b.len : most;
    }
    /* a single write larger than the buffer is kept whole, then flushed */
    memset(big, 'x', sizeof(big) - 1);
    gpv_buf_puts(&b, big);
    gpv_buf_puts(&want, big);
    gpv_buf_putc(&b, '!');
    gpv_buf_putc(&want, '!');
    assert_true(most <= GPV_BUF_SINK_BYTES);
    assert_true(log.calls >= 3);
    gpv_buf_flush(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(gpv_buf_str(&b), "");
    assert_int_equal(log.got.len, want.len);
    assert_memory_equal(log.got.s, want.s, want.len);
    gpv_buf_release(&b);
    gpv_buf_release(&want);
    gpv_buf_release(&log.got);
}

static void
test_util_escape_shows_controls_and_bad_utf8_as_hex(void **state)
{
    char *e;

    (void)state;
    assert_false(gpv_escape_needed("fraud-scoring \xc3\xa9t\xc3\xa9 \xe2\x82\xac"));
    assert_true(gpv_escape_needed("a\x1b[2J"));
    e = gpv_escape("a\x1b]0;t\x07"
                   "b\nplan.json: ok");
    assert_string_equal(e, "a\\x1b]0;t\\x07b\\x0aplan.json: ok");
    free(e);
    /* Invalid UTF-8 (a stray continuation, an overlong '/', a surrogate, a cut sequence), DEL
     * and a C1 control (CSI), each byte visibly. */
    e = gpv_escape("\x80|\xc0\xaf|\xed\xa0\x80|\x7f|\xc2\x9b|\xe2\x82");
    assert_string_equal(e, "\\x80|\\xc0\\xaf|\\xed\\xa0\\x80|\\x7f|\\xc2\\x9b|\\xe2\\x82");
    free(e);
    e = gpv_escape("caf\xc3\xa9 \xf0\x9f\x98\x80");
    assert_string_equal(e, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    free(e);
}

static void
test_util_utf8_len_accepts_only_valid_sequences(void **state)
{
    (void)state;
    assert_int_equal(gpv_utf8_len("a"), 1);
    assert_int_equal(gpv_utf8_len("\xc3\xa9"), 2);
    assert_int_equal(gpv_utf8_len("\xe2\x82\xac"), 3);
    assert_int_equal(gpv_utf8_len("\xf0\x9f\x98\x80"), 4);
    assert_int_equal(gpv_utf8_len("\xc1\xbf"), 0);         /* overlong */
    assert_int_equal(gpv_utf8_len("\xe0\x80\xaf"), 0);     /* overlong */
    assert_int_equal(gpv_utf8_len("\xed\xb0\x80"), 0);     /* surrogate */
    assert_int_equal(gpv_utf8_len("\xf4\x90\x80\x80"), 0); /* past U+10FFFF */
    assert_int_equal(gpv_utf8_len("\xe2\x82"), 0);         /* cut short */
    assert_int_equal(gpv_utf8_len("\xff"), 0);
}

static void
test_util_buf_pads_numbers_and_strings_as_printf_does(void **state)
{
    static const long long nums[] = {0, 7, -7, 42, 999, 1000, -12345, LLONG_MAX, LLONG_MIN};
    static const int widths[] = {0, 1, 3, -3, 5, -5, 40, -40};
    static const char *const strs[] = {"", "a", "mig", "1g.10gb+me",
                                       "a-name-of-forty-bytes-or-more"};
    struct gpv_buf got = {0}, want = {0};
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        for (j = 0; j < sizeof(widths) / sizeof(widths[0]); j++) {
            gpv_buf_put_int(&got, nums[i], widths[j]);
            gpv_buf_printf(&want, "%*lld", widths[j], nums[i]);
            gpv_buf_putc(&got, '|');
            gpv_buf_putc(&want, '|');
        }
    for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        for (j = 0; j < sizeof(widths) / sizeof(widths[0]); j++) {
            gpv_buf_put_left(&got, strs[i], widths[j]);
            gpv_buf_printf(&want, "%-*s", widths[j] > 0 ? widths[j] : 0, strs[i]);
            gpv_buf_pad(&got, widths[j]);
            gpv_buf_printf(&want, "%*s|", widths[j] > 0 ? widths[j] : 0, "");
            gpv_buf_putc(&got, '|');
        }
    assert_string_equal(gpv_buf_str(&got), gpv_buf_str(&want));
    gpv_buf_release(&got);
    gpv_buf_release(&want);
}

/* The 32-bit FNV-1a test values its authors publish. */
static void
test_util_str_hash_is_fnv1a(void **state)
{
    (void)state;
    assert_true(gpv_str_hash("") == 0x811c9dc5u);
    assert_true(gpv_str_hash("a") == 0xe40c292cu);
    assert_true(gpv_str_hash("foobar") == 0xbf9cf968u);
    assert_true(gpv_str_hash("ab") != gpv_str_hash("ba"));
}

/* A thousand names (the table grows past its first 16 slots), each found under its own index;
 * a repeat is refused and keeps the first index; absent names and an empty table give none. */
static void
test_util_names_find_each_name_under_its_index(void **state)
{
    static char text[1000][16];
    struct gpv_names t;
    size_t i;

    (void)state;
    memset(&t, 0, sizeof(t));
    assert_int_equal(gpv_names_find(&t, "n1"), SIZE_MAX);
    for (i = 0; i < 1000; i++) {
        snprintf(text[i], sizeof(text[i]), "n%zu", i);
        assert_true(gpv_names_add(&t, text[i], i));
    }
    assert_false(gpv_names_add(&t, "n7", 5000));
    for (i = 0; i < 1000; i++)
        assert_int_equal(gpv_names_find(&t, text[i]), i);
    assert_int_equal(gpv_names_find(&t, "n1000"), SIZE_MAX);
    assert_int_equal(gpv_names_find(&t, ""), SIZE_MAX);
    assert_int_equal(t.n, 1000);
    gpv_names_release(&t);
    assert_int_equal(gpv_names_find(&t, "n1"), SIZE_MAX);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_suggest_never_offers_what_shares_little_with_the_word),
        cmocka_unit_test(test_util_stable_sort_orders_by_key_and_keeps_ties_in_input_order),
        cmocka_unit_test(test_util_parses_numbers_strictly),
        cmocka_unit_test(test_util_str_hash_is_fnv1a),
        cmocka_unit_test(test_util_buf_with_a_sink_streams_everything_and_holds_little),
        cmocka_unit_test(test_util_buf_pads_numbers_and_strings_as_printf_does),
        cmocka_unit_test(test_util_suggests_close_names_only),
        cmocka_unit_test(test_util_assert_reports_a_broken_invariant_and_aborts),
        cmocka_unit_test(test_util_assert_passes_when_the_invariant_holds),
        cmocka_unit_test(test_util_escape_shows_controls_and_bad_utf8_as_hex),
        cmocka_unit_test(test_util_utf8_len_accepts_only_valid_sequences),
        cmocka_unit_test(test_util_names_find_each_name_under_its_index),
    };

    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
