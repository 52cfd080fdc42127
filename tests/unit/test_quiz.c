#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/mig_text.h"
#include "gpuvplan/quiz.h"
#include "embedded.h"
#include "quiz_gen_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gpv_db db;

static int
setup_db(void **state)
{
    struct gpv_error err;

    (void)state;
    gpv_db_init(&db);
    if (gpv_db_load_embedded(&db, &err) != 0) {
        char buf[2048];

        fprintf(stderr, "%s\n", gpv_error_format(&err, buf, sizeof(buf)));
        return -1;
    }
    return 0;
}

static int
teardown_db(void **state)
{
    (void)state;
    gpv_db_release(&db);
    return 0;
}

static const struct gpv_quiz_question *
find(const struct gpv_quiz *quiz, const char *id)
{
    size_t i;

    for (i = 0; i < quiz->n; i++)
        if (!strcmp(quiz->q[i].id, id))
            return &quiz->q[i];
    return NULL;
}

static const char *
answer_text(const struct gpv_quiz_question *q)
{
    return q->choices[q->answer];
}

/* Loads buf as a bank; returns the status and leaves the formatted error in msg. */
static int
load_text(struct gpv_quiz *quiz, const char *text, char *msg, size_t n)
{
    struct gpv_error err;
    int rc;

    gpv_error_init(&err);
    rc = gpv_quiz_load_mem(quiz, text, strlen(text), "bank.yaml", &err);
    gpv_error_format(&err, msg, n);
    return rc;
}

#define ONE_QUESTION                                                                               \
    "version: 1\n"                                                                                 \
    "questions:\n"                                                                                 \
    "  - id: q1\n"                                                                                 \
    "    topic: methods\n"                                                                         \
    "    question: What?\n"                                                                        \
    "    choices: [a, b, c]\n"                                                                     \
    "    answer: 2\n"                                                                              \
    "    explanation: Because.\n"                                                                  \
    "    source: vgpu.md §1\n"

static void
test_quiz_loads_the_embedded_bank_covering_every_topic(void **state)
{
    static const char *const needed[] = {"methods",        "isolation", "tenants",
                                         "live-migration", "licensing", "gpus",
                                         "scheduling",     "use-cases", "decision-guide"};
    const struct gpv_embedded_file *f = gpv_embedded_find("profiles/quiz.yaml");
    struct gpv_quiz quiz;
    struct gpv_error err;
    size_t i, k, count;

    (void)state;
    assert_non_null(f);
    gpv_quiz_init(&quiz);
    assert_int_equal(gpv_quiz_load_mem(&quiz, f->data, f->len, f->name, &err), 0);
    assert_true(quiz.n >= 30);
    for (i = 0; i < quiz.n; i++) {
        const struct gpv_quiz_question *q = &quiz.q[i];

        assert_int_equal(q->origin, GPV_QUIZ_BANK);
        assert_true(gpv_quiz_topic_valid(q->topic));
        assert_true(q->nchoices >= 2 && q->nchoices <= GPV_QUIZ_MAX_CHOICES);
        assert_true(q->answer >= 0 && (size_t)q->answer < q->nchoices);
        assert_true(q->line > 0);
        assert_true(strlen(q->explanation) > 20);
        assert_true(strlen(q->source) > 3);
    }
    for (k = 0; k < sizeof(needed) / sizeof(needed[0]); k++) {
        for (count = 0, i = 0; i < quiz.n; i++)
            count += !strcmp(quiz.q[i].topic, needed[k]);
        assert_true(count >= 3);
    }
    gpv_quiz_release(&quiz);
}

static void
test_quiz_bank_teaches_four_1g20gb_not_four_2g20gb(void **state)
{
    const struct gpv_embedded_file *f = gpv_embedded_find("profiles/quiz.yaml");
    const struct gpv_quiz_question *q;
    struct gpv_quiz quiz;

    (void)state;
    gpv_quiz_init(&quiz);
    assert_int_equal(gpv_quiz_load_mem(&quiz, f->data, f->len, f->name, NULL), 0);
    q = find(&quiz, "tenants-four-20gb-h100");
    assert_non_null(q);
    assert_string_equal(answer_text(q), "4 × 1g.20gb");
    q = find(&quiz, "lm-mig-backed");
    assert_non_null(q);
    assert_non_null(strstr(answer_text(q), "MIG-backed vGPU can"));
    q = find(&quiz, "sched-best-effort");
    assert_non_null(q);
    assert_non_null(strstr(answer_text(q), "Nothing"));
    gpv_quiz_release(&quiz);
}

static void
test_quiz_loader_accepts_a_minimal_bank(void **state)
{
    struct gpv_quiz quiz;
    char msg[1024];

    (void)state;
    gpv_quiz_init(&quiz);
    assert_int_equal(load_text(&quiz, ONE_QUESTION, msg, sizeof(msg)), 0);
    assert_int_equal(quiz.n, 1);
    assert_string_equal(quiz.q[0].id, "q1");
    assert_int_equal(quiz.q[0].nchoices, 3);
    assert_int_equal(quiz.q[0].answer, 1);
    assert_int_equal(quiz.q[0].line, 3);
    gpv_quiz_release(&quiz);
}

static void
test_quiz_loader_rejects_each_bad_bank_with_its_position(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"", "bank.yaml:1:1: error: the question bank is empty"},
        {"version: 2\nquestions: []\n",
         "bank.yaml:1:10: error: 'version' of the question bank is 2; it must be from 1 to 1"},
        {"version: 1\nquestions: []\n",
         "bank.yaml:2:12: error: the question bank has no questions"},
        {"version: 1\nquestion: []\n",
         "bank.yaml:2:1: error: unknown key 'question' in the question bank (did you mean "
         "'questions'?)"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b]\n    answer: 1\n    explanation: x\n    source: y\n    anwser: 2\n",
         "bank.yaml:10:5: error: unknown key 'anwser' in question 'q1' (did you mean 'answer'?)"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b]\n    explanation: x\n    source: y\n",
         "bank.yaml:3:5: error: missing key 'answer' in question 'q1'"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: method\n    question: What?\n"
         "    choices: [a, b]\n    answer: 1\n    explanation: x\n    source: y\n",
         "bank.yaml:4:12: error: unknown topic 'method' in question 'q1' (did you mean "
         "'methods'?)"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b, c]\n    answer: 4\n    explanation: x\n    source: y\n",
         "bank.yaml:7:13: error: answer 4 of question 'q1' is not a choice (it has 3)"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b, c]\n    answer: 0\n    explanation: x\n    source: y\n",
         "bank.yaml:7:13: error: 'answer' of question 'q1' is 0; it must be from 1 to 8"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a]\n    answer: 1\n    explanation: x\n    source: y\n",
         "bank.yaml:6:14: error: question 'q1' has 1 choices; it needs from 2 to 8"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b, c, d, e, f, g, h, i]\n    answer: 1\n    explanation: x\n"
         "    source: y\n",
         "bank.yaml:6:14: error: question 'q1' has 9 choices; it needs from 2 to 8"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b, a]\n    answer: 1\n    explanation: x\n    source: y\n",
         "bank.yaml:6:21: error: choice 3 of question 'q1' repeats choice 1"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, {b: c}]\n    answer: 1\n    explanation: x\n    source: y\n",
         "bank.yaml:6:18: error: choice 2 of question 'q1' must be a non-empty string, not a "
         "mapping"},
        {"version: 1\nquestions:\n  - id: Q 1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b]\n    answer: 1\n    explanation: x\n    source: y\n",
         "bank.yaml:3:9: error: question id 'Q 1' may hold only lowercase letters, digits, '-', "
         "'.' and '_'"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: What?\n"
         "    choices: [a, b]\n    answer: 1\n    explanation: x\n    source: y\n"
         "  - id: q1\n    topic: gpus\n    question: Who?\n"
         "    choices: [a, b]\n    answer: 2\n    explanation: x\n    source: y\n",
         "bank.yaml:10:9: error: duplicate question id 'q1' (first at line 3)"},
        {"version: 1\nquestions:\n  - just a string\n",
         "bank.yaml:3:5: error: question 1 must be a mapping, not a scalar"},
        {"version: 1\nquestions:\n  - id: q1\n    topic: methods\n    question: \"\"\n"
         "    choices: [a, b]\n    answer: 1\n    explanation: x\n    source: y\n",
         "bank.yaml:5:15: error: 'question' of question 'q1' must be a non-empty string, not a "
         "scalar"},
    };
    struct gpv_quiz quiz;
    char msg[1024];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gpv_quiz_init(&quiz);
        if (load_text(&quiz, cases[i].text, msg, sizeof(msg)) != GPV_EINPUT ||
            strcmp(msg, cases[i].msg) != 0) {
            fprintf(stderr, "case %zu:\n  got:  %s\n  want: %s\n", i, msg, cases[i].msg);
            fail();
        }
        assert_int_equal(quiz.n, 0);
        gpv_quiz_release(&quiz);
    }
}

static void
test_quiz_failed_load_leaves_the_quiz_unchanged(void **state)
{
    struct gpv_quiz quiz;
    char msg[1024];

    (void)state;
    gpv_quiz_init(&quiz);
    assert_int_equal(load_text(&quiz, ONE_QUESTION, msg, sizeof(msg)), 0);
    /* The same id again: the second bank is refused whole. */
    assert_int_equal(load_text(&quiz, ONE_QUESTION, msg, sizeof(msg)), GPV_EINPUT);
    assert_string_equal(msg, "bank.yaml:3:9: error: question id 'q1' is already loaded");
    assert_int_equal(quiz.n, 1);
    gpv_quiz_release(&quiz);
}

static void
test_quiz_shuffled_choices_keep_the_right_answer(void **state)
{
    const struct gpv_embedded_file *f = gpv_embedded_find("profiles/quiz.yaml");
    struct gpv_quiz plain, shuffled;
    size_t i, moved = 0, positions[GPV_QUIZ_MAX_CHOICES] = {0};

    (void)state;
    gpv_quiz_init(&plain);
    gpv_quiz_init(&shuffled);
    assert_int_equal(gpv_quiz_load_mem(&plain, f->data, f->len, f->name, NULL), 0);
    assert_int_equal(gpv_quiz_load_mem(&shuffled, f->data, f->len, f->name, NULL), 0);
    gpv_quiz_shuffle_choices(&shuffled, 99);
    for (i = 0; i < plain.n; i++) {
        const struct gpv_quiz_question *a = &plain.q[i], *b = &shuffled.q[i];

        assert_int_equal(a->nchoices, b->nchoices);
        assert_string_equal(answer_text(a), answer_text(b));
        moved += a->answer != b->answer;
        positions[b->answer]++;
        if (!strcmp(a->id, "tenants-mig-h100"))
            assert_string_equal(b->choices[0], "4"); /* numbers keep their order */
    }
    /* The right answer no longer sits in one place. */
    assert_true(moved > plain.n / 2);
    assert_true(positions[0] < plain.n / 2 && positions[1] > 0 && positions[2] > 0);
    gpv_quiz_release(&plain);
    gpv_quiz_release(&shuffled);
}

static void
test_quiz_reads_typed_answers_strictly(void **state)
{
    struct gpv_quiz quiz;
    char msg[1024];
    int a = -7;

    (void)state;
    gpv_quiz_init(&quiz);
    assert_int_equal(load_text(&quiz, ONE_QUESTION, msg, sizeof(msg)), 0);
    assert_true(gpv_quiz_parse_answer(&a, &quiz.q[0], "2"));
    assert_int_equal(a, 1);
    assert_true(gpv_quiz_parse_answer(&a, &quiz.q[0], "  3 \r\n"));
    assert_int_equal(a, 2);
    a = -7;
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "0"));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "4"));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], ""));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "two"));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "2x"));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "+2"));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "0x2"));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "1 2"));
    assert_false(gpv_quiz_parse_answer(&a, &quiz.q[0], "99999999999999999999999"));
    assert_int_equal(a, -7);
    gpv_quiz_release(&quiz);
}

static void
test_quiz_rng_is_splitmix64_and_below_stays_in_range(void **state)
{
    struct gpv_quiz_rng rng;
    int i, seen[7] = {0};

    (void)state;
    /* The reference splitmix64 sequence from seed 0. */
    gpv_quiz_rng_init(&rng, 0);
    assert_true(gpv_quiz_rng_next(&rng) == 0xe220a8397b1dcdafULL);
    assert_true(gpv_quiz_rng_next(&rng) == 0x6e789e6aa1b965f4ULL);
    gpv_quiz_rng_init(&rng, 42);
    for (i = 0; i < 700; i++) {
        uint64_t v = gpv_quiz_rng_below(&rng, 7);

        assert_true(v < 7);
        seen[v]++;
    }
    for (i = 0; i < 7; i++)
        assert_true(seen[i] > 0);
    assert_int_equal(gpv_quiz_rng_below(&rng, 0), 0);
    assert_int_equal(gpv_quiz_rng_below(&rng, 1), 0);
}

/* ---- generated questions, checked against the engine ------------------------------------ */

static int
generate(struct gpv_quiz *quiz, uint64_t seed)
{
    gpv_quiz_init(quiz);
    return (int)gpv_quiz_generate(quiz, &db, seed);
}

/* The model a generated id names: "gen-KIND-" followed by the model id and '-' or the end. */
static const struct gpv_gpu *
id_gpu(const char *id, const char *kind, const char **rest)
{
    const struct gpv_gpu *best = NULL;
    char prefix[64];
    size_t i, n, best_n = 0;

    snprintf(prefix, sizeof(prefix), "gen-%s-", kind);
    if (strncmp(id, prefix, strlen(prefix)) != 0)
        return NULL;
    id += strlen(prefix);
    /* The longest id that begins the rest: "h20-141gb-..." is not h20's. */
    for (i = 0; i < db.ngpus; i++) {
        n = strlen(db.gpus[i]->id);
        if (n > best_n && !strncmp(id, db.gpus[i]->id, n) && (id[n] == '\0' || id[n] == '-')) {
            best = db.gpus[i];
            best_n = n;
        }
    }
    if (best)
        *rest = id[best_n] ? id + best_n + 1 : id + best_n;
    return best;
}

static bool
ieq_name(const char *lower, const char *name)
{
    for (; *lower && *name; lower++, name++) {
        char c = *name >= 'A' && *name <= 'Z' ? (char)(*name - 'A' + 'a') : *name;

        if (c == '+')
            c = '.';
        if (c != *lower)
            return false;
    }
    return !*lower && !*name;
}

static int
profile_by_id_part(const struct gpv_gpu *gpu, const char *part)
{
    size_t i;

    for (i = 0; gpu->mig && i < gpu->mig->nprofiles; i++)
        if (ieq_name(part, gpu->mig->profiles[i].name))
            return (int)i;
    return -1;
}

static int
type_by_id_part(const struct gpv_gpu *gpu, const char *part)
{
    size_t i;

    for (i = 0; gpu->vgpu && i < gpu->vgpu->ntypes; i++)
        if (ieq_name(part, gpu->vgpu->types[i].name))
            return (int)i;
    return -1;
}

static int
most_cb(void *ctx, const int *counts, const struct gpv_mig_layout *w, bool maximal)
{
    int *best = ctx;

    (void)counts;
    (void)maximal;
    /* Every instance of the multiset appears once in its witness. */
    if (w->n > *best)
        *best = w->n;
    return 0;
}

/* Parses "Nx PROFILE" into counts; returns the profile index or -1. */
static int
parse_nx(int *n, const struct gpv_gpu *gpu, const char *text)
{
    char name[64];

    if (sscanf(text, "%dx %63s", n, name) != 2)
        return -1;
    return gpv_gpu_find_profile(gpu, name);
}

static bool
layout_serves(const struct gpv_gpu *gpu, int p, int n, int gb)
{
    int counts[GPV_MIG_MAX_PROFILES] = {0};

    counts[p] = n;
    return (double)gpu->mig->profiles[p].memory_mib * 1048576.0 >= gb * 1e9 &&
           gpv_mig_place(NULL, gpu, counts, 0);
}

#define GEOMETRY (GPV_F_SIZE | GPV_F_STARTS | GPV_F_MAX)

/* A question whose answer rests on inferred values says so; one that does not, does not. */
static void
expect_caution(const struct gpv_quiz_question *q, bool inferred)
{
    bool says = strstr(q->explanation, "marks inferred") != NULL;

    if (says != inferred)
        fail_msg("'%s' %s", q->id,
                 inferred ? "rests on inferred values but does not say so"
                          : "claims inferred values it does not rest on");
}

static bool
inferred_constraints(const struct gpv_gpu *gpu)
{
    size_t i;

    for (i = 0; i < gpu->mig->nconstraints; i++)
        if (gpu->mig->constraints[i].inferred)
            return true;
    return false;
}

/* Whether every profile has one of bits inferred (then any layout rests on them). */
static bool
all_inferred(const struct gpv_gpu *gpu, unsigned bits)
{
    size_t i;

    for (i = 0; i < gpu->mig->nprofiles; i++)
        if (!(gpu->mig->profiles[i].inferred & bits))
            return false;
    return true;
}

/* Checks one generated question's answer by recomputing it; returns the kind checked or NULL. */
static const char *
check_generated(const struct gpv_quiz_question *q)
{
    const struct gpv_gpu *gpu;
    const char *rest;
    int zeros[GPV_MIG_MAX_PROFILES] = {0};
    size_t c;

    if ((gpu = id_gpu(q->id, "mps-replicas", &rest))) {
        /* MPS gives each of N replicas memory / N: the largest N that holds the request. */
        const char *at = strstr(q->question, "each need ");
        double gib = 0;
        long long need, want;
        char text[32];

        assert_non_null(at);
        assert_int_equal(sscanf(at, "each need %lf GiB", &gib), 1);
        need = (long long)(gib * 1024.0 + 0.5);
        want = gpu->memory_mib / need;
        snprintf(text, sizeof(text), "%lld", want > 48 ? 48 : want);
        assert_string_equal(answer_text(q), text);
        assert_string_equal(rest, text);
        return "mps-replicas";
    }
    if ((gpu = id_gpu(q->id, "ts-mig-clients", &rest))) {
        /* Clients side by side in the instance's memory (docs/rules.md), at most 64. */
        const char *at = strstr(q->question, "each asking ");
        const char *pat = strstr(q->question, "time-slice the ");
        double gib = 0;
        long long need, want;
        char text[32], prof[32];
        int p;

        assert_non_null(at);
        assert_non_null(pat);
        assert_int_equal(sscanf(at, "each asking %lf GiB", &gib), 1);
        assert_int_equal(sscanf(pat, "time-slice the %31s", prof), 1);
        assert_true((p = gpv_gpu_find_profile(gpu, prof)) >= 0);
        assert_int_equal(gpu->mig->profiles[p].size, 1);
        need = (long long)(gib * 1024.0 + 0.5);
        want = gpu->mig->profiles[p].memory_mib / need;
        snprintf(text, sizeof(text), "%lld", want > 64 ? 64 : want);
        assert_true(want >= 2);
        assert_string_equal(answer_text(q), text);
        assert_string_equal(rest, text);
        return "ts-mig-clients";
    }
    if ((gpu = id_gpu(q->id, "ts-mig-when", &rest))) {
        /* The rules: 2 replicas or more, containers, isolation none (docs/rules.md). */
        assert_true(gpu->mig != NULL);
        assert_string_equal(answer_text(q), "20 pods, isolation: none");
        for (c = 0; c < q->nchoices; c++)
            assert_true((int)c == q->answer || strcmp(q->choices[c], "20 pods, isolation: none"));
        assert_int_equal(q->nchoices, 5);
        return "ts-mig-when";
    }
    if ((gpu = id_gpu(q->id, "sharing-hard", &rest))) {
        /* Rule hard-isolation-excludes-sharing: never a time-sliced or MPS replica. */
        assert_string_equal(answer_text(q),
                            gpu->mig ? "A MIG instance of its own" : "A whole GPU of its own");
        return "sharing-hard";
    }
    if ((gpu = id_gpu(q->id, "sharing-mig", &rest))) {
        /* The plugin refuses MPS on MIG devices; time-slicing replicates them. */
        assert_true(profile_by_id_part(gpu, rest) >= 0);
        assert_string_equal(answer_text(q), "Time-slicing only");
        return "sharing-mig";
    }
    if ((gpu = id_gpu(q->id, "max", &rest))) {
        int p = profile_by_id_part(gpu, rest);
        char want[16];

        assert_true(p >= 0);
        snprintf(want, sizeof(want), "%d", gpv_mig_max_more(gpu, zeros, p, 0));
        assert_string_equal(answer_text(q), want);
        expect_caution(q, (gpu->mig->profiles[p].inferred & GEOMETRY) || inferred_constraints(gpu));
        return "max";
    }
    if ((gpu = id_gpu(q->id, "geometry", &rest))) {
        /* The explanation names the `mig check` arguments; rebuild the counts from them. */
        const char *cmd = strstr(q->explanation, "mig check ");
        int counts[GPV_MIG_MAX_PROFILES] = {0}, n, p;
        char args[256], *tok, *save = NULL;

        assert_non_null(cmd);
        cmd += strlen("mig check ") + strlen(gpu->id) + 1;
        snprintf(args, sizeof(args), "%.*s", (int)strcspn(cmd, "`"), cmd);
        for (tok = strtok_r(args, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            char *x = strchr(tok, 'x');

            n = 1;
            if (x && x > tok && sscanf(tok, "%d", &n) == 1)
                tok = x + 1;
            p = gpv_gpu_find_profile(gpu, tok);
            assert_true(p >= 0);
            counts[p] += n;
        }
        assert_string_equal(answer_text(q), gpv_mig_place(NULL, gpu, counts, 0) ? "Yes" : "No");
        return "geometry";
    }
    if ((gpu = id_gpu(q->id, "tenants", &rest))) {
        int n, gb, right = 0, p, k;

        assert_int_equal(sscanf(rest, "%dx%dgb", &n, &gb), 2);
        for (c = 0; c < q->nchoices; c++) {
            p = parse_nx(&k, gpu, q->choices[c]);
            assert_true(p >= 0);
            assert_int_equal(k, n);
            if (layout_serves(gpu, p, n, gb)) {
                right++;
                assert_int_equal((int)c, q->answer);
            }
        }
        assert_int_equal(right, 1);
        return "tenants";
    }
    if ((gpu = id_gpu(q->id, "most", &rest))) {
        int best = 0;
        char want[16];

        gpv_mig_enumerate(gpu, 0, most_cb, &best);
        snprintf(want, sizeof(want), "%d", best);
        assert_string_equal(answer_text(q), want);
        if (inferred_constraints(gpu) || all_inferred(gpu, GEOMETRY))
            expect_caution(q, true);
        return "most";
    }
    if ((gpu = id_gpu(q->id, "vgpu-fit", &rest))) {
        int gb, t = gpv_gpu_find_vgpu_type(gpu, answer_text(q));
        double need;

        assert_int_equal(sscanf(rest, "%dgb", &gb), 1);
        need = gb * 1e9;
        assert_true(t >= 0);
        assert_true((double)gpu->vgpu->types[t].framebuffer_mib * 1048576.0 >= need);
        for (c = 0; c < q->nchoices; c++) {
            int o = gpv_gpu_find_vgpu_type(gpu, q->choices[c]);

            assert_true(o >= 0);
            if ((int)c != q->answer &&
                (double)gpu->vgpu->types[o].framebuffer_mib * 1048576.0 >= need)
                assert_true(gpu->vgpu->types[o].framebuffer_mib >
                            gpu->vgpu->types[t].framebuffer_mib);
        }
        return "vgpu-fit";
    }
    if ((gpu = id_gpu(q->id, "vgpu-tenants", &rest))) {
        int t = type_by_id_part(gpu, rest);
        char want[16];

        assert_true(t >= 0);
        snprintf(want, sizeof(want), "%d", gpu->vgpu->types[t].max);
        assert_string_equal(answer_text(q), want);
        expect_caution(q, gpu->vgpu->types[t].inferred & GPV_F_MAX);
        return "vgpu-tenants";
    }
    if ((gpu = id_gpu(q->id, "fixed-share", &rest))) {
        int t = type_by_id_part(gpu, rest);
        char want[16];

        assert_true(t >= 0);
        snprintf(want, sizeof(want), "(1/%d)", gpu->vgpu->types[t].max);
        assert_non_null(strstr(answer_text(q), want));
        expect_caution(q, gpu->vgpu->types[t].inferred & GPV_F_MAX);
        return "fixed-share";
    }
    if ((gpu = id_gpu(q->id, "license", &rest))) {
        int t = type_by_id_part(gpu, rest), s;
        enum gpv_series series;

        assert_true(t >= 0);
        series = gpu->vgpu->types[t].series;
        assert_string_equal(answer_text(q), gpv_series_license(series));
        /* No wrong choice is a licence that covers the type as well (vWS covers B). */
        for (c = 0; c < q->nchoices; c++)
            for (s = GPV_SERIES_A; s <= GPV_SERIES_Q; s++)
                if ((int)c != q->answer &&
                    !strcmp(q->choices[c], gpv_series_license((enum gpv_series)s)))
                    assert_false(gpv_series_license_covers((enum gpv_series)s, series));
        expect_caution(q, gpu->vgpu->types[t].inferred & GPV_F_SERIES);
        return "license";
    }
    if ((gpu = id_gpu(q->id, "mig-backed", &rest))) {
        int t = type_by_id_part(gpu, rest);
        const struct gpv_vgpu_type *ty;
        int pm;

        assert_true(t >= 0 && gpu->vgpu->types[t].mig_profile >= 0);
        ty = &gpu->vgpu->types[t];
        assert_false(ty->inferred & GPV_F_MIG_PROFILE);
        assert_string_equal(answer_text(q), gpu->mig->profiles[ty->mig_profile].name);
        /* Several vGPUs per instance: the explanation must not promise the instance to one VM. */
        pm = gpu->mig->profiles[ty->mig_profile].max;
        if (ty->max > pm)
            assert_non_null(strstr(q->explanation, "time-sliced inside the instance"));
        else
            assert_non_null(strstr(q->explanation, "to itself"));
        return "mig-backed";
    }
    if ((gpu = id_gpu(q->id, "has-mig", &rest)) || (gpu = id_gpu(q->id, "has-q", &rest))) {
        bool mig = !strncmp(q->id, "gen-has-mig", 11);

        for (c = 0; c < q->nchoices; c++) {
            const struct gpv_gpu *g = NULL;
            size_t i, k;
            bool has = false;

            for (i = 0; i < db.ngpus; i++)
                if (!strcmp(db.gpus[i]->name, q->choices[c]))
                    g = db.gpus[i];
            assert_non_null(g);
            if (mig)
                has = g->mig != NULL;
            for (k = 0; !mig && g->vgpu && k < g->vgpu->ntypes; k++)
                has = has || g->vgpu->types[k].series == GPV_SERIES_Q;
            assert_int_equal(has, (int)c == q->answer);
        }
        return mig ? "has-mig" : "has-q";
    }
    return NULL;
}

static void
test_quiz_generated_answers_agree_with_the_engine(void **state)
{
    static const char *const kinds[] = {
        "max",          "geometry",    "tenants",        "most",       "vgpu-fit", "vgpu-tenants",
        "fixed-share",  "license",     "mig-backed",     "has-mig",    "has-q",    "mps-replicas",
        "sharing-hard", "sharing-mig", "ts-mig-clients", "ts-mig-when"};
    uint64_t seeds[] = {1, 2, 3, 42, 1234567};
    bool seen[sizeof(kinds) / sizeof(kinds[0])];
    size_t s, i, k;

    (void)state;
    memset(seen, 0, sizeof(seen));
    for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
        struct gpv_quiz quiz;
        int n = generate(&quiz, seeds[s]);

        assert_true(n >= 10);
        assert_int_equal((size_t)n, quiz.n);
        for (i = 0; i < quiz.n; i++) {
            const struct gpv_quiz_question *q = &quiz.q[i];
            const char *kind = check_generated(q);
            size_t a, b;

            if (!kind) {
                fprintf(stderr, "unchecked generated question '%s'\n", q->id);
                fail();
            }
            for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
                if (!strcmp(kinds[k], kind))
                    seen[k] = true;
            assert_int_equal(q->origin, GPV_QUIZ_GENERATED);
            assert_true(gpv_quiz_topic_valid(q->topic));
            assert_true(q->nchoices >= 2 && q->nchoices <= GPV_QUIZ_MAX_CHOICES);
            for (a = 0; a < q->nchoices; a++)
                for (b = a + 1; b < q->nchoices; b++)
                    assert_string_not_equal(q->choices[a], q->choices[b]);
            for (a = i + 1; a < quiz.n; a++)
                assert_string_not_equal(q->id, quiz.q[a].id);
        }
        gpv_quiz_release(&quiz);
    }
    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        if (!seen[k])
            fprintf(stderr, "no generated question of kind '%s'\n", kinds[k]);
        assert_true(seen[k]);
    }
}

static void
test_quiz_names_question_origins_as_listings_show_them(void **state)
{
    (void)state;
    assert_string_equal(gpv_quiz_origin_name(GPV_QUIZ_BANK), "bank");
    assert_string_equal(gpv_quiz_origin_name(GPV_QUIZ_GENERATED), "generated");
}

static void
test_quiz_words_a_mig_failure_as_mig_check_does(void **state)
{
    const struct gpv_gpu *h100 = gpv_db_find(&db, "h100-80gb");
    const struct gpv_quiz_question *q;
    int counts[GPV_MIG_MAX_PROFILES] = {0};
    struct gpv_quiz quiz;
    struct gpv_buf why;

    (void)state;
    assert_non_null(h100);
    counts[gpv_gpu_find_profile(h100, "2g.20gb")] = 4;
    gpv_buf_init(&why);
    assert_int_equal(gpv_mig_text_reasons(&why, h100, counts, 0, "; "), 1);
    generate(&quiz, 9);
    q = find(&quiz, "gen-geometry-h100-80gb-4x2g.20gb");
    assert_non_null(q);
    assert_non_null(strstr(q->explanation, gpv_buf_str(&why)));
    assert_non_null(strstr(gpv_buf_str(&why), "1g.20gb has as much memory and allows 4"));
    gpv_buf_release(&why);
    gpv_quiz_release(&quiz);
}

static void
test_quiz_generates_the_h100_four_tenant_questions(void **state)
{
    const struct gpv_quiz_question *q;
    struct gpv_quiz quiz;
    size_t c;
    bool has_2g = false;

    (void)state;
    generate(&quiz, 9);
    q = find(&quiz, "gen-max-h100-80gb-2g.20gb");
    assert_non_null(q);
    assert_string_equal(answer_text(q), "3");
    q = find(&quiz, "gen-geometry-h100-80gb-4x2g.20gb");
    assert_non_null(q);
    assert_string_equal(answer_text(q), "No");
    assert_non_null(strstr(q->explanation, "at most 3"));
    q = find(&quiz, "gen-geometry-h100-80gb-4x1g.20gb");
    assert_non_null(q);
    assert_string_equal(answer_text(q), "Yes");
    q = find(&quiz, "gen-tenants-h100-80gb-4x20gb");
    assert_non_null(q);
    assert_string_equal(answer_text(q), "4x 1g.20gb");
    for (c = 0; c < q->nchoices; c++)
        has_2g = has_2g || !strcmp(q->choices[c], "4x 2g.20gb");
    assert_true(has_2g);
    assert_non_null(strstr(q->explanation, "4 2g.20gb instances do not fit: at most 3"));
    q = find(&quiz, "gen-vgpu-tenants-h100-80gb-h100-4c");
    assert_non_null(q);
    assert_string_equal(answer_text(q), "20");
    q = find(&quiz, "gen-most-h100-80gb");
    assert_non_null(q);
    assert_string_equal(answer_text(q), "7");
    gpv_quiz_release(&quiz);
}

static bool
same_quiz(const struct gpv_quiz *a, const struct gpv_quiz *b)
{
    size_t i, c;

    if (a->n != b->n)
        return false;
    for (i = 0; i < a->n; i++) {
        if (strcmp(a->q[i].id, b->q[i].id) || a->q[i].answer != b->q[i].answer ||
            a->q[i].nchoices != b->q[i].nchoices || strcmp(a->q[i].question, b->q[i].question))
            return false;
        for (c = 0; c < a->q[i].nchoices; c++)
            if (strcmp(a->q[i].choices[c], b->q[i].choices[c]))
                return false;
    }
    return true;
}

static void
test_quiz_same_seed_gives_the_same_questions_and_order(void **state)
{
    struct gpv_quiz a, b, c;
    size_t pa[256], pb[256], pc[256], na, nb, nc;

    (void)state;
    generate(&a, 77);
    generate(&b, 77);
    generate(&c, 78);
    assert_true(same_quiz(&a, &b));
    assert_false(same_quiz(&a, &c));
    assert_true(a.n <= 256);
    na = gpv_quiz_pick(pa, &a, 10, NULL, 5);
    nb = gpv_quiz_pick(pb, &b, 10, NULL, 5);
    nc = gpv_quiz_pick(pc, &a, 10, NULL, 6);
    assert_int_equal(na, 10);
    assert_int_equal(nb, 10);
    assert_int_equal(nc, 10);
    assert_memory_equal(pa, pb, na * sizeof(*pa));
    assert_memory_not_equal(pa, pc, na * sizeof(*pa));
    gpv_quiz_release(&a);
    gpv_quiz_release(&b);
    gpv_quiz_release(&c);
}

static void
test_quiz_pick_filters_by_topic_without_repeats(void **state)
{
    struct gpv_quiz quiz;
    size_t p[256], n, i, j, want = 0;

    (void)state;
    generate(&quiz, 3);
    for (i = 0; i < quiz.n; i++)
        want += !strcmp(quiz.q[i].topic, "mig-geometry");
    assert_true(want >= 3);
    n = gpv_quiz_pick(p, &quiz, 0, "mig-geometry", 11);
    assert_int_equal(n, want);
    for (i = 0; i < n; i++) {
        assert_string_equal(quiz.q[p[i]].topic, "mig-geometry");
        for (j = i + 1; j < n; j++)
            assert_true(p[i] != p[j]);
    }
    assert_int_equal(gpv_quiz_pick(p, &quiz, 2, "mig-geometry", 11), 2);
    assert_int_equal(gpv_quiz_pick(p, &quiz, 1000, NULL, 11), quiz.n);
    assert_int_equal(gpv_quiz_pick(p, &quiz, 5, "no-such-topic", 11), 0);
    gpv_quiz_release(&quiz);
}

/* Every MIG profile of every model gets its own question id: 1g.24gb+me and 1g.24gb-me on the
 * RTX PRO 6000 once shared one, and the second question was dropped. */
static void
test_quiz_ids_of_distinct_profiles_never_collide(void **state)
{
    size_t i, a, b, pairs = 0;

    (void)state;
    for (i = 0; i < db.ngpus; i++) {
        const struct gpv_gpu *g = db.gpus[i];

        for (a = 0; g->mig && a < g->mig->nprofiles; a++) {
            char *x = qg_make_id("max", g->id, g->mig->profiles[a].name);

            for (b = a + 1; b < g->mig->nprofiles; b++) {
                char *y = qg_make_id("max", g->id, g->mig->profiles[b].name);

                assert_string_not_equal(x, y);
                free(y);
                pairs++;
            }
            free(x);
        }
    }
    assert_true(pairs > 100);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quiz_loads_the_embedded_bank_covering_every_topic),
        cmocka_unit_test(test_quiz_bank_teaches_four_1g20gb_not_four_2g20gb),
        cmocka_unit_test(test_quiz_loader_accepts_a_minimal_bank),
        cmocka_unit_test(test_quiz_loader_rejects_each_bad_bank_with_its_position),
        cmocka_unit_test(test_quiz_failed_load_leaves_the_quiz_unchanged),
        cmocka_unit_test(test_quiz_shuffled_choices_keep_the_right_answer),
        cmocka_unit_test(test_quiz_reads_typed_answers_strictly),
        cmocka_unit_test(test_quiz_rng_is_splitmix64_and_below_stays_in_range),
        cmocka_unit_test(test_quiz_generated_answers_agree_with_the_engine),
        cmocka_unit_test(test_quiz_generates_the_h100_four_tenant_questions),
        cmocka_unit_test(test_quiz_words_a_mig_failure_as_mig_check_does),
        cmocka_unit_test(test_quiz_names_question_origins_as_listings_show_them),
        cmocka_unit_test(test_quiz_same_seed_gives_the_same_questions_and_order),
        cmocka_unit_test(test_quiz_pick_filters_by_topic_without_repeats),
        cmocka_unit_test(test_quiz_ids_of_distinct_profiles_never_collide),
    };

    return cmocka_run_group_tests_name("quiz", tests, setup_db, teardown_db);
}
