#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <signal.h>

/* Parses doc and returns the formatted error ("" when it parsed). */
static const char *
parse_error(const char *doc, size_t len)
{
    static char buf[2048];
    struct gpv_ydoc *d = NULL;
    struct gpv_error err;

    gpv_error_init(&err);
    buf[0] = '\0';
    if (gpv_ydoc_parse(&d, doc, len, "y.yaml", &err) != 0) {
        assert_null(d);
        return gpv_error_format(&err, buf, sizeof(buf));
    }
    gpv_ydoc_free(d);
    return buf;
}

#define PARSE_ERROR(s) parse_error((s), strlen(s))

static void
test_yamldoc_builds_a_tree_with_lines_and_columns(void **state)
{
    const char *doc = "a: 1\nb:\n  - x\n  - 'y'\nc: {d: true}\n";
    struct gpv_ydoc *d;
    struct gpv_error err;
    const struct gpv_ynode *b, *c;

    (void)state;
    assert_int_equal(gpv_ydoc_parse(&d, doc, strlen(doc), "y.yaml", &err), 0);
    assert_int_equal(d->root->kind, GPV_Y_MAP);
    assert_int_equal(d->root->n, 3);
    b = gpv_ymap_get(d->root, "b");
    assert_int_equal(b->kind, GPV_Y_SEQ);
    assert_int_equal(b->n, 2);
    assert_string_equal(b->items[1]->str, "y");
    assert_false(b->items[1]->plain);
    assert_true(b->items[0]->plain);
    assert_int_equal(b->items[1]->line, 4);
    assert_int_equal(b->items[1]->col, 5);
    c = gpv_ymap_get(d->root, "c");
    assert_string_equal(gpv_ymap_get(c, "d")->str, "true");
    assert_null(gpv_ymap_get(d->root, "zz"));
    gpv_ydoc_free(d);
}

static void
test_yamldoc_refuses_what_a_hostile_file_could_abuse(void **state)
{
    char *deep, *big;
    size_t i;

    (void)state;
    assert_string_equal(PARSE_ERROR("a: &x [1]\nb: *x\n"),
                        "y.yaml:1:4: error: YAML anchors (&x) are not supported");
    assert_string_equal(PARSE_ERROR("a: !!binary aGk=\n"),
                        "y.yaml:1:4: error: YAML tag 'tag:yaml.org,2002:binary' is not supported");
    assert_string_equal(PARSE_ERROR("a: !!str 12\n"), "");
    assert_string_equal(PARSE_ERROR("a: 1\n---\nb: 2\n"),
                        "y.yaml:2:1: error: only one YAML document per file is supported");
    assert_string_equal(PARSE_ERROR("a: 1\na: 2\n"),
                        "y.yaml:2:1: error: duplicate key 'a' (first at line 1)");
    assert_string_equal(PARSE_ERROR("? [a]\n: 1\n"),
                        "y.yaml:1:3: error: mapping keys must be plain scalars");
    /* nesting one level past the limit */
    deep = xmalloc(2 * (GPV_YAML_MAX_DEPTH + 1) + 1);
    for (i = 0; i < GPV_YAML_MAX_DEPTH + 1; i++)
        deep[i] = '[';
    for (i = 0; i < GPV_YAML_MAX_DEPTH + 1; i++)
        deep[GPV_YAML_MAX_DEPTH + 1 + i] = ']';
    deep[2 * (GPV_YAML_MAX_DEPTH + 1)] = '\0';
    assert_non_null(strstr(PARSE_ERROR(deep), "nesting deeper than 64 levels"));
    free(deep);
    big = xcalloc(GPV_YAML_MAX_BYTES + 2, 1);
    memset(big, 'a', GPV_YAML_MAX_BYTES + 1);
    assert_non_null(strstr(parse_error(big, GPV_YAML_MAX_BYTES + 1), "the limit is"));
    free(big);
    /* binary junk is a clean error, not a crash */
    assert_non_null(strstr(parse_error("a: \x01\x80\xff", 6), "error:"));
}

struct demo {
    char *name;
    int count;
    double share;
    bool on;
    const struct gpv_ynode *list;
};

static const struct gpv_yfield demo_fields[] = {
    {"name", GPV_YF_STR, offsetof(struct demo, name), true, 0, 0, 0, 0},
    {"count", GPV_YF_INT, offsetof(struct demo, count), false, 1, 10, 0, 0},
    {"share", GPV_YF_DOUBLE, offsetof(struct demo, share), false, 0, 0, 0.0, 1.0},
    {"on", GPV_YF_BOOL, offsetof(struct demo, on), false, 0, 0, 0, 0},
    {"list", GPV_YF_SEQ, offsetof(struct demo, list), false, 0, 0, 0, 0},
};

static const char *
decode_error(const char *doc, struct demo *out)
{
    static char buf[2048];
    struct gpv_ydoc *d;
    struct gpv_error err;
    int rc;

    gpv_error_init(&err);
    assert_int_equal(gpv_ydoc_parse(&d, doc, strlen(doc), "y.yaml", &err), 0);
    memset(out, 0, sizeof(*out));
    out->count = 3;
    rc = gpv_ymap_decode(out, d, d->root, demo_fields, 5, "the demo", NULL, &err);
    free(out->name);
    out->name = NULL;
    gpv_ydoc_free(d);
    buf[0] = '\0';
    return rc ? gpv_error_format(&err, buf, sizeof(buf)) : buf;
}

static void
test_yamldoc_decodes_strictly_by_schema(void **state)
{
    struct demo d;

    (void)state;
    assert_string_equal(decode_error("name: x\nshare: 0.5\non: true\n", &d), "");
    assert_int_equal(d.count, 3); /* default kept */
    assert_true(d.on);
    assert_string_equal(decode_error("name: x\ncuont: 2\n", &d),
                        "y.yaml:2:1: error: unknown key 'cuont' in the demo (did you mean "
                        "'count'?)");
    assert_string_equal(decode_error("count: 2\n", &d),
                        "y.yaml:1:1: error: missing key 'name' in the demo");
    assert_string_equal(decode_error("name: x\ncount: 11\n", &d),
                        "y.yaml:2:8: error: 'count' of the demo is 11; it must be from 1 to 10");
    assert_string_equal(decode_error("name: x\ncount: '2'\n", &d),
                        "y.yaml:2:8: error: 'count' of the demo must be a whole number, not the "
                        "quoted string '2' (remove the quotes)");
    assert_string_equal(decode_error("name: x\nshare: 1.5\n", &d),
                        "y.yaml:2:8: error: 'share' of the demo is 1.5; it must be from 0 to 1");
    assert_string_equal(decode_error("name: x\non: yes\n", &d),
                        "y.yaml:2:5: error: 'on' of the demo must be true or false, not 'yes'");
    assert_string_equal(decode_error("name: x\nlist: 3\n", &d),
                        "y.yaml:2:7: error: 'list' of the demo must be a list, not a scalar");
    assert_string_equal(decode_error("name:\n", &d),
                        "y.yaml:1:6: error: 'name' of the demo must be a non-empty string, not "
                        "null");
}

/* A schema of more rows than the seen-bits can hold is a bug: stopped, never decoded. */
static void
test_yamldoc_stops_a_schema_past_its_row_limit(void **state)
{
    static struct gpv_yfield many[GPV_YMAP_MAX_FIELDS + 1];
    struct gpv_ydoc *d;
    struct gpv_error err;
    int status = 0, fd[2];
    char msg[512];
    size_t i, got = 0;
    ssize_t r;
    pid_t pid;

    (void)state;
    for (i = 0; i <= GPV_YMAP_MAX_FIELDS; i++) {
        many[i] = demo_fields[1];
        many[i].required = false;
    }
    gpv_error_init(&err);
    assert_int_equal(gpv_ydoc_parse(&d, "count: 2\n", 9, "y.yaml", &err), 0);
    assert_int_equal(pipe(fd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        struct demo out;

        setrlimit(RLIMIT_CORE, &no_core);
        dup2(fd[1], 2);
        close(fd[0]);
        memset(&out, 0, sizeof(out));
        gpv_ymap_decode(&out, d, d->root, many, GPV_YMAP_MAX_FIELDS + 1, "the demo", NULL, &err);
        _exit(0); /* not reached */
    }
    close(fd[1]);
    while (got < sizeof(msg) - 1 && (r = read(fd[0], msg + got, sizeof(msg) - 1 - got)) > 0)
        got += (size_t)r;
    msg[got] = '\0';
    close(fd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(msg, "gpuvplan: BUG: "));
    assert_non_null(strstr(msg, "GPV_YMAP_MAX_FIELDS"));
    gpv_ydoc_free(d);
}

/* Events come with their kind, position and depth; a node of the stream can become a tree. */
static void
test_yamldoc_reads_events_and_a_tree_from_the_middle_of_them(void **state)
{
    const char *text = "a: 1\nb:\n  - {x: 1, y: [2]}\n  - 'z'\nc: end\n";
    struct gpv_yparser *p;
    struct gpv_yevent ev;
    struct gpv_ydoc *doc = gpv_ydoc_new("y.yaml");
    struct gpv_ynode *node;
    struct gpv_error err;

    (void)state;
    assert_int_equal(gpv_yparser_new(&p, text, strlen(text), "y.yaml", &err), 0);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_MAP);
    assert_int_equal(ev.depth, 0);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_SCALAR);
    assert_string_equal(ev.str, "a");
    assert_true(ev.plain);
    assert_int_equal(ev.depth, 1);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0); /* 1 */
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0); /* b */
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_SEQ);
    assert_int_equal(ev.line, 3);
    assert_int_equal(ev.col, 3);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_MAP);
    assert_int_equal(ev.depth, 2);
    /* The first item as a tree; the second skipped. */
    assert_int_equal(gpv_yparser_tree(&node, doc, p, &ev, &err), 0);
    assert_int_equal(node->kind, GPV_Y_MAP);
    assert_int_equal(node->n, 2);
    assert_int_equal(gpv_ymap_get(node, "y")->items[0]->col, 16);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_SCALAR);
    assert_false(ev.plain);
    assert_int_equal(gpv_yparser_skip(p, &ev, &err), 0);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_END);
    assert_int_equal(ev.depth, 1);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0); /* c */
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(gpv_yparser_skip(p, &ev, &err), 0); /* a scalar: nothing to skip */
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_END);
    assert_int_equal(ev.depth, 0);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_DONE);
    assert_int_equal(gpv_yparser_next(&ev, p, &err), 0);
    assert_int_equal(ev.kind, GPV_YE_DONE);
    gpv_yparser_free(p);
    /* Cleared, the document is empty and takes a new tree. */
    gpv_ydoc_clear(doc);
    assert_null(doc->root);
    gpv_ydoc_free(doc);
}

/* A repeated key is the one that sorts first, at its second occurrence, in small and large
 * mappings alike (the parser compares keys as they come while there are few). */
static void
test_yamldoc_reports_the_same_duplicate_key_in_any_mapping_size(void **state)
{
    char big[2048];
    size_t i, n = 0;

    (void)state;
    assert_string_equal(PARSE_ERROR("{b: 1, a: 2, b: 3, a: 4, a: 5}\n"),
                        "y.yaml:1:20: error: duplicate key 'a' (first at line 1)");
    assert_string_equal(PARSE_ERROR("b: 1\nc: 2\nb: 3\nb: 4\nc: 5\n"),
                        "y.yaml:3:1: error: duplicate key 'b' (first at line 1)");
    n += (size_t)snprintf(big + n, sizeof(big) - n, "k40: 0\n");
    for (i = 0; i < 40; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "k%02zu: %zu\n", i, i);
    n += (size_t)snprintf(big + n, sizeof(big) - n, "k05: x\nk03: y\n");
    /* k05 repeats first (line 42), but k03 sorts first: its second occurrence, line 43. */
    assert_string_equal(PARSE_ERROR(big),
                        "y.yaml:43:1: error: duplicate key 'k03' (first at line 5)");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yamldoc_builds_a_tree_with_lines_and_columns),
        cmocka_unit_test(test_yamldoc_refuses_what_a_hostile_file_could_abuse),
        cmocka_unit_test(test_yamldoc_decodes_strictly_by_schema),
        cmocka_unit_test(test_yamldoc_stops_a_schema_past_its_row_limit),
        cmocka_unit_test(test_yamldoc_reads_events_and_a_tree_from_the_middle_of_them),
        cmocka_unit_test(test_yamldoc_reports_the_same_duplicate_key_in_any_mapping_size),
    };

    return cmocka_run_group_tests_name("yamldoc", tests, NULL, NULL);
}
