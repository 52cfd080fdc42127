/*
 * The fast YAML scanner against libyaml: every YAML file of the repository, the fuzz corpora,
 * thousands of mutations of them, and the edge cases of the subset, each read both ways with
 * the same events and the same end (tests/fuzz/yscan_diff.h).
 */
#include "../fuzz/yscan_diff.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MUTANTS_PER_FILE 40 /* per file of the tree under 16 KiB: about 11,000 in all */

/* The files the differential tests read, loaded once. */
struct corpus {
    char **bufs;
    size_t *lens;
    char **paths;
    size_t n, cap;
};

static struct corpus corpus;

static bool
yaml_name(const char *name)
{
    size_t n = strlen(name);

    return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static void
add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = xmalloc((size_t)n + 1);
    if (n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return;
    }
    fclose(f);
    if (corpus.n == corpus.cap) {
        corpus.cap = corpus.cap ? corpus.cap * 2 : 256;
        corpus.bufs = xreallocarray(corpus.bufs, corpus.cap, sizeof(*corpus.bufs));
        corpus.lens = xreallocarray(corpus.lens, corpus.cap, sizeof(*corpus.lens));
        corpus.paths = xreallocarray(corpus.paths, corpus.cap, sizeof(*corpus.paths));
    }
    corpus.bufs[corpus.n] = buf;
    corpus.lens[corpus.n] = (size_t)n;
    corpus.paths[corpus.n] = xstrdup(path);
    corpus.n++;
}

/* Adds the YAML files under dir (all files when all is true), recursively. */
static void
walk(const char *dir, bool all)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d))) {
        struct stat st;
        char *path;

        if (de->d_name[0] == '.')
            continue;
        path = xasprintf("%s/%s", dir, de->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            walk(path, all || !strcmp(de->d_name, "corpus"));
        else if (all || yaml_name(de->d_name))
            add_file(path);
        free(path);
    }
    closedir(d);
}

static int
load_corpus(void **state)
{
    (void)state;
    walk("tests", false);
    walk("profiles", false);
    walk("docs", false);
    return corpus.n > 0 ? 0 : -1;
}

static int
free_corpus(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < corpus.n; i++) {
        free(corpus.bufs[i]);
        free(corpus.paths[i]);
    }
    free(corpus.bufs);
    free(corpus.lens);
    free(corpus.paths);
    return 0;
}

static void
expect_same(const char *what, const char *buf, size_t len, bool *fast)
{
    char why[4096];

    if (!ydiff_same(why, sizeof(why), fast, buf, len))
        fail_msg("%s: %s", what, why);
}

static void
test_yscan_agrees_with_libyaml_on_every_yaml_file_and_corpus(void **state)
{
    size_t i, nfast = 0;
    bool fast;

    (void)state;
    assert_true(corpus.n > 250);
    for (i = 0; i < corpus.n; i++) {
        expect_same(corpus.paths[i], corpus.bufs[i], corpus.lens[i], &fast);
        nfast += fast;
    }
    /* Most files are in the subset: the comparison is of the scanner, not of libyaml twice. */
    assert_true(nfast * 2 > corpus.n);
}

/* A small random generator, so the mutants are the same on every run. */
static unsigned long long rng = 1;

static unsigned
rnd(unsigned n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rng >> 33) % n;
}

/* Bytes that change YAML's structure most, and a few that do not. */
static const char mut_bytes[] = " -:#{}[],'\"\n\t!&*|>?%@`.~aZ09_/+\\";

/* The start of the line holding b[i]. */
static size_t
line_start(const char *b, size_t i)
{
    while (i > 0 && b[i - 1] != '\n')
        i--;
    return i;
}

/* One random edit of b[0..*n), which has room for cap bytes. */
static void
mutate(char *b, size_t *n, size_t cap)
{
    size_t len = *n, i, j, k;

    if (len == 0)
        return;
    i = rnd((unsigned)len);
    switch (rnd(9)) {
    case 0: /* delete a byte */
        memmove(b + i, b + i + 1, len - i - 1);
        len--;
        break;
    case 1: /* insert one */
    case 2:
        if (len < cap) {
            memmove(b + i + 1, b + i, len - i);
            b[i] = mut_bytes[rnd(sizeof(mut_bytes) - 1)];
            len++;
        }
        break;
    case 3: /* replace one */
        b[i] = mut_bytes[rnd(sizeof(mut_bytes) - 1)];
        break;
    case 4: /* indent a line more */
        i = line_start(b, i);
        k = 1 + rnd(3);
        if (len + k <= cap) {
            memmove(b + i + k, b + i, len - i);
            memset(b + i, ' ', k);
            len += k;
        }
        break;
    case 5: /* delete a line */
    case 6: /* repeat a line */
        i = line_start(b, i);
        for (j = i; j < len && b[j] != '\n'; j++)
            ;
        if (j < len)
            j++;
        if (rnd(2)) {
            memmove(b + i, b + j, len - j);
            len -= j - i;
        } else if (len + (j - i) <= cap) {
            memmove(b + j + (j - i), b + j, len - j);
            memcpy(b + j, b + i, j - i);
            len += j - i;
        }
        break;
    case 7: /* indent a line less */
        i = line_start(b, i);
        if (b[i] == ' ') {
            memmove(b + i, b + i + 1, len - i - 1);
            len--;
        }
        break;
    default: /* cut the file short */
        len = i;
        break;
    }
    *n = len;
}

static void
test_yscan_agrees_with_libyaml_on_thousands_of_mutations(void **state)
{
    size_t i, total = 0, nfast = 0;
    char what[512];
    int r;

    (void)state;
    for (i = 0; i < corpus.n; i++) {
        size_t len = corpus.lens[i], cap = len + 64;
        char *b;

        if (len > 16384)
            continue;
        b = xmalloc(cap);
        for (r = 0; r < MUTANTS_PER_FILE; r++) {
            size_t n = len;
            int m, edits = 1 + (int)rnd(3);
            bool fast;

            memcpy(b, corpus.bufs[i], len);
            for (m = 0; m < edits; m++)
                mutate(b, &n, cap);
            snprintf(what, sizeof(what), "%s, mutant %d", corpus.paths[i], r);
            expect_same(what, b, n, &fast);
            nfast += fast;
            total++;
        }
        free(b);
    }
    assert_true(total >= 5000);
    /* Many mutants stay in the subset to the end (the rest fall back at some point). */
    assert_true(nfast * 5 > total);
}

/* One edge case: the same events both ways, and read by the fast scanner to the end or not. */
struct edge {
    const char *yaml;
    bool fast;
};

static void
test_yscan_reads_its_subset_and_hands_the_rest_to_libyaml(void **state)
{
    static const struct edge edges[] = {
        /* The subset: block mappings and sequences, one-line flow collections, comments. */
        {"version: 1\ntenants:\n  - {name: t0, memory: 24GiB, replicas: 3}\n", true},
        {"a:\n- x\n- y\nb: 2\n", true},                       /* a sequence at the key's indent */
        {"- name: a\n  gpu:\n    - h100\n- name: b\n", true}, /* a mapping in an item */
        {"a:\nb:\n", true},                                   /* empty values */
        {"a:", true},                                         /* ... at the end, unended */
        {"a: 1\n  # deeper comment\nb: 'x y'\n", true},
        {"'q': \"x\"\nk: [a, [b, c], {d: e}]\n", true},
        {"a: my long name  # comment\n", true},
        {"---\na: 1\n", true},
        {"# UTF-8 in a comment: \xc3\xa9\na: 1 # \xe2\x82\xac\n", true},
        {"a:\n  b: 1\n  c:\n    - 1\n   ", true}, /* ends in spaces: blocks close there */
        {"a: {}\nb: []\n", true},
        /* Punctuation inside plain scalars; flow indicators and ':' only in a block. */
        {"url: https://example.com/a?b=c&d\n", true},
        {"title: NVIDIA Guide (vGPU 17.1), Appendix A [1] {x}\n", true},
        {"k: [a(b), c@d, e#f]\n", true},
        {"k: a#b # c\n", true},
        {"k: {a: b?c}\n", false},
        {"k: {a: b:c}\n", false},
        {"k: a: b\n", false},
        {"", true},
        {"# only a comment", true},
        /* Duplicate keys and depth are checked on the fast events as on libyaml's. */
        {"a: 1\nb: 2\na: 3\n", true},
        {"{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: "
         "{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: "
         "{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: "
         "{a: {a: {a: 1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}\n",
         false}, /* a root flow mapping is libyaml's */
        {"x:\n  a: {a: {a: 1}}\n  a: 2\n", true},
        /* Outside: libyaml reads it, from the start or from where the scanner stopped. */
        {"a: 1\nb: &x 2\nc: *x\n", false},
        {"a: 1\nb: |\n  text\n", false},
        {"a: b\n  c\n", false},    /* a plain scalar over two lines */
        {"a: \"x\\ty\"\n", false}, /* an escape */
        {"a: 'it''s'\n", false},
        {"a: 1\n\tb: 2\n", false},   /* a tab: not read at all */
        {"a: 1\r\nb: 2\r\n", false}, /* CR */
        {"\xef\xbb\xbf"
         "a: 1\n",
         false},
        {"a: caf\xc3\xa9\n", false},
        {"a: 1\n---\nb: 2\n", false},
        {"a: 1\nb: 2\n...\n", false},
        {"a: [1, 2,]\n", false},
        {"a: {b: 1\n  , c: 2}\n", false},
        {"a: 1\n b: 2\n", false},
        {"- a\nb: 1\n", false},
        {"a: 1 #c\n  - b\n", false},
        {"a: x: y\n", false},
        {"? a\n: b\n", false},
        {"a: !!str 1\n", false},
        {"a:\n  - 1\n - 2\n", false},
        {"a:\n-\n  b\n", false},
        {"a: 1\nb: 2\nc: d: e\n", false}, /* an error three lines on: nothing of it leaks */
        {"x\x01y: 1\n", false},
    };
    size_t i;
    bool fast;

    (void)state;
    for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        expect_same(edges[i].yaml, edges[i].yaml, strlen(edges[i].yaml), &fast);
        if (fast != edges[i].fast)
            fail_msg("'%s': fast %d, expected %d", edges[i].yaml, (int)fast, (int)edges[i].fast);
    }
}

/* The error a fast-read file gives is libyaml's text at libyaml's position. */
static void
test_yscan_keeps_errors_and_positions_byte_for_byte(void **state)
{
    static const char dup[] = "version: 1\ntenants:\n  - {name: a, name: b}\n";
    static const char late[] = "version: 1\ntenants:\n  - {name: a}\n  - {name: b}\n  - {name: c}\n"
                               "  - {name: d}\n  - {name: [e}\n";
    struct gpv_yparser *p = NULL;
    struct gpv_yevent ev;
    struct gpv_error err;
    size_t n = 0;
    int rc;

    (void)state;
    gpv_error_init(&err);
    assert_int_equal(gpv_yparser_new(&p, dup, strlen(dup), "t.yaml", &err), 0);
    while (!(rc = gpv_yparser_next(&ev, p, &err)) && ev.kind != GPV_YE_DONE)
        ;
    assert_int_equal(rc, GPV_EINPUT);
    assert_true(gpv_yparser_is_fast(p));
    assert_string_equal(err.msg, "duplicate key 'name' (first at line 3)");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 15);
    gpv_yparser_free(p);
    /* A syntax error late in the file: the events before it come from the scanner, then
       libyaml takes over and reports it. */
    assert_int_equal(gpv_yparser_new(&p, late, strlen(late), "t.yaml", &err), 0);
    while (!(rc = gpv_yparser_next(&ev, p, &err)) && ev.kind != GPV_YE_DONE)
        n++;
    assert_int_equal(rc, GPV_EINPUT);
    assert_false(gpv_yparser_is_fast(p));
    assert_true(n > 10);
    gpv_yparser_free(p);
    expect_same("late", late, strlen(late), NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yscan_agrees_with_libyaml_on_every_yaml_file_and_corpus),
        cmocka_unit_test(test_yscan_agrees_with_libyaml_on_thousands_of_mutations),
        cmocka_unit_test(test_yscan_reads_its_subset_and_hands_the_rest_to_libyaml),
        cmocka_unit_test(test_yscan_keeps_errors_and_positions_byte_for_byte),
    };

    return cmocka_run_group_tests_name("yscan", tests, load_corpus, free_corpus);
}
