#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_fixture.h"

static const char *
formatted(const struct gpv_error *err)
{
    static char buf[GPV_ERROR_FILE_MAX + GPV_ERROR_MSG_MAX + 64];

    return gpv_error_format(err, buf, sizeof(buf));
}

static void
test_error_wrap_puts_context_before_the_message(void **state)
{
    struct gpv_error err;

    (void)state;
    gpv_error_set(&err, GPV_EINPUT, "site.yaml", 4, 7, "unknown key '%s'", "memroy");
    gpv_error_wrap(&err, "reading plan '%s'", "p.json");
    assert_string_equal(err.msg, "reading plan 'p.json': unknown key 'memroy'");
    assert_int_equal(err.code, GPV_EINPUT);
    assert_string_equal(formatted(&err),
                        "site.yaml:4:7: error: reading plan 'p.json': unknown key 'memroy'");
}

static void
test_error_wrap_may_quote_the_message_it_wraps(void **state)
{
    struct gpv_error err;

    (void)state;
    gpv_error_set(&err, GPV_ESYS, NULL, 0, 0, "disk full");
    gpv_error_wrap(&err, "[%s]", err.msg);
    assert_string_equal(err.msg, "[disk full]: disk full");
}

static void
test_error_wrap_of_no_error_does_nothing(void **state)
{
    struct gpv_error err;

    (void)state;
    gpv_error_init(&err);
    gpv_error_wrap(&err, "reading '%s'", "x");
    assert_int_equal(err.code, 0);
    assert_string_equal(err.msg, "");
    gpv_error_wrap(NULL, "reading '%s'", "x");
}

static void
test_error_set_may_format_its_own_message_and_file(void **state)
{
    struct gpv_error err;

    (void)state;
    /* What `recommend` once did with a planner error: undefined behaviour, an empty message. */
    gpv_error_set(&err, GPV_EINPUT, "t.yaml", 0, 0, "more than %d instances", 50);
    gpv_error_set(&err, err.code, err.file, 3, 0, "%s", err.msg);
    assert_string_equal(formatted(&err), "t.yaml:3: error: more than 50 instances");
}

static void
test_error_locate_gives_a_position_only_to_an_error_without_one(void **state)
{
    struct gpv_error err;

    (void)state;
    gpv_error_set(&err, GPV_EINPUT, NULL, 0, 0, "split the problem");
    gpv_error_locate(&err, "site.yaml", 0, 0);
    assert_string_equal(formatted(&err), "site.yaml: error: split the problem");
    gpv_error_locate(&err, "other.yaml", 9, 9);
    assert_string_equal(formatted(&err), "site.yaml: error: split the problem");
    assert_int_equal(err.code, GPV_EINPUT);
    gpv_error_locate(NULL, "x", 1, 1);
}

static void
test_error_with_an_empty_message_says_so(void **state)
{
    struct gpv_error err;
    const char *empty = "";

    (void)state;
    gpv_error_set(&err, GPV_EINPUT, "a.yaml", 1, 2, "%s", empty);
    assert_string_equal(err.msg, GPV_ERROR_NO_MESSAGE);
    gpv_error_init(&err);
    snprintf(err.file, sizeof(err.file), "b.yaml");
    assert_string_equal(formatted(&err), "b.yaml: error: " GPV_ERROR_NO_MESSAGE);
}

static void
test_error_too_long_for_the_buffer_ends_in_an_ellipsis(void **state)
{
    struct gpv_error err;
    char *name = xmalloc(3000);
    size_t n;

    (void)state;
    memset(name, 'n', 2999);
    name[2999] = '\0';
    gpv_error_set(&err, GPV_EINPUT, "a.yaml", 1, 1, "unknown tenant '%s'", name);
    n = strlen(err.msg);
    assert_int_equal(n, GPV_ERROR_MSG_MAX - 1);
    assert_string_equal(err.msg + n - 3, "...");
    gpv_error_wrap(&err, "reading '%s'", "b");
    assert_int_equal(strlen(err.msg), GPV_ERROR_MSG_MAX - 1);
    assert_true(!strncmp(err.msg, "reading 'b': unknown tenant 'nnn", 32));
    assert_string_equal(err.msg + GPV_ERROR_MSG_MAX - 4, "...");
    free(name);
}

/* ---- every loader's error paths: a message, the file, a line ---------------------------- */

enum loader { L_TENANTS, L_RULES, L_PROFILES, L_PLAN };

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct gpv_buf b;
    char chunk[4096];
    size_t n;

    assert_non_null(f);
    gpv_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gpv_buf_put(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return gpv_buf_detach(&b);
}

/*
 * Loads buf with loader l under name. Returns the loader's status; on failure err holds the
 * error. A plan counts as failing when it is not JSON or not a plan at all.
 */
static int
load(enum loader l, const char *buf, size_t len, const char *name, struct gpv_error *err)
{
    struct gpv_tenants t;
    struct gpv_ruleset rs;
    struct gpv_db d;
    struct gpv_val *plan = NULL;
    struct gpv_plan_findings f;
    struct gpv_plan_policy pol;
    int rc;

    gpv_error_init(err);
    switch (l) {
    case L_TENANTS:
        rc = gpv_tenants_load_mem(&t, buf, len, name, &db, err);
        if (!rc)
            gpv_tenants_release(&t);
        return rc;
    case L_RULES:
        rc = gpv_rules_load_mem(&rs, buf, len, name, err);
        if (!rc)
            gpv_rules_release(&rs);
        return rc;
    case L_PROFILES:
        gpv_db_init(&d);
        rc = gpv_db_load_mem(&d, buf, len, name, false, err);
        gpv_db_release(&d);
        return rc;
    case L_PLAN:
        gpv_plan_policy_init(&pol);
        rc = gpv_val_parse_json(&plan, buf, len, name, err);
        if (!rc && !(rc = gpv_plan_check(&f, plan, &db, &pol, name, err)))
            gpv_plan_findings_release(&f);
        gpv_val_free(plan);
        return rc;
    }
    return -1;
}

/* The "# expect: ..." first line of a bad input, or NULL. */
static char *
expected(const char *buf)
{
    const char *p = "# expect: ", *end;

    if (strncmp(buf, p, strlen(p)))
        return NULL;
    buf += strlen(p);
    end = strchr(buf, '\n');
    return xstrndup(buf, end ? (size_t)(end - buf) : strlen(buf));
}

/*
 * Loads every file of dir whose name starts with prefix (all: NULL) with loader l. Every
 * failure must carry a message and the file's name; with want_line, also a line. A file with
 * an "# expect:" line must fail with exactly that error. Returns the failures seen.
 */
static int
walk(const char *dir, const char *prefix, enum loader l, bool want_line)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int files = 0, failures = 0;

    assert_non_null(d);
    while ((de = readdir(d))) {
        struct gpv_error err;
        char path[1024], *buf, *want;
        size_t len;

        if (de->d_name[0] == '.' || (prefix && strncmp(de->d_name, prefix, strlen(prefix))))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        buf = slurp(path, &len);
        want = expected(buf);
        files++;
        if (load(l, buf, len, de->d_name, &err)) {
            failures++;
            if (!err.msg[0] || strcmp(err.file, de->d_name) || (want_line && err.line < 1))
                fail_msg("%s: error without a message, file or line: '%s'", path, formatted(&err));
            if (want && strcmp(formatted(&err), want))
                fail_msg("%s: '%s', expected '%s'", path, formatted(&err), want);
        } else if (want) {
            fail_msg("%s: loaded, expected '%s'", path, want);
        }
        free(want);
        free(buf);
    }
    closedir(d);
    assert_true(files > 0);
    return failures;
}

static void
test_every_bad_input_fails_with_its_message_and_position(void **state)
{
    (void)state;
    assert_true(walk("tests/data/bad", "tenants-", L_TENANTS, true) > 0);
    assert_true(walk("tests/data/bad", "rules-", L_RULES, true) > 0);
}

static void
test_every_fuzz_corpus_failure_has_a_message_and_the_file(void **state)
{
    (void)state;
    walk("tests/fuzz/corpus/tenants", NULL, L_TENANTS, true);
    walk("tests/fuzz/corpus/rules", NULL, L_RULES, true);
    walk("tests/fuzz/corpus/profiles", NULL, L_PROFILES, true);
    /* Plans are JSON read into a tree: a shape error names a member, not a line. */
    walk("tests/fuzz/corpus/plan", NULL, L_PLAN, false);
}

static void
test_json_syntax_errors_have_a_line_and_column(void **state)
{
    static const char *const bad[] = {"", "{", "{\"a\": }", "[1, 2,]", "{\"a\": 1}\n{", "\"\\x\""};
    struct gpv_val *v;
    struct gpv_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = NULL;
        gpv_error_init(&err);
        assert_int_equal(gpv_val_parse_json(&v, bad[i], strlen(bad[i]), "p.json", &err),
                         GPV_EINPUT);
        assert_null(v);
        if (!err.msg[0] || strcmp(err.file, "p.json") || err.line < 1 || err.col < 1)
            fail_msg("'%s': '%s'", bad[i], formatted(&err));
    }
}

static void
test_plan_run_over_the_instance_limit_says_why(void **state)
{
    struct gpv_buf y;
    struct gpv_tenants t;
    struct gpv_plan_job job;
    struct gpv_plan_run run;
    struct gpv_error err;
    const struct gpv_gpu *only[1];
    int i;

    (void)state;
    /* 64 tenants of a million replicas: a valid file, more instances than the packer takes. */
    gpv_buf_init(&y);
    gpv_buf_puts(&y, "version: 1\ntenants:\n");
    for (i = 0; i < 64; i++)
        gpv_buf_printf(&y, "  - {name: t%d, memory: 10GB, replicas: 1000000, isolation: hard}\n",
                       i);
    assert_int_equal(gpv_tenants_load_mem(&t, y.s, y.len, "big.yaml", &db, &err), 0);
    only[0] = gpv_db_find(&db, "h100-80gb");
    assert_non_null(only[0]);
    memset(&job, 0, sizeof(job));
    job.file = &t;
    job.rules = &rules;
    job.db = &db;
    job.nonly = 1;
    job.only = only;
    assert_int_equal(gpv_plan_run(&run, &job, &err), GPV_EINPUT);
    gpv_error_locate(&err, t.name ? t.name : "big.yaml", 0, 0);
    assert_non_null(strstr(err.msg, "instances in total"));
    assert_string_equal(err.file, "big.yaml");
    gpv_tenants_release(&t);
    gpv_buf_release(&y);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_wrap_puts_context_before_the_message),
        cmocka_unit_test(test_error_wrap_may_quote_the_message_it_wraps),
        cmocka_unit_test(test_error_wrap_of_no_error_does_nothing),
        cmocka_unit_test(test_error_set_may_format_its_own_message_and_file),
        cmocka_unit_test(test_error_locate_gives_a_position_only_to_an_error_without_one),
        cmocka_unit_test(test_error_with_an_empty_message_says_so),
        cmocka_unit_test(test_error_too_long_for_the_buffer_ends_in_an_ellipsis),
        cmocka_unit_test(test_every_bad_input_fails_with_its_message_and_position),
        cmocka_unit_test(test_every_fuzz_corpus_failure_has_a_message_and_the_file),
        cmocka_unit_test(test_json_syntax_errors_have_a_line_and_column),
        cmocka_unit_test(test_plan_run_over_the_instance_limit_says_why),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
