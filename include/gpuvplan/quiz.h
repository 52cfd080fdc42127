#ifndef GPUVPLAN_QUIZ_H
#define GPUVPLAN_QUIZ_H

/*
 * Study questions: a bank written by people (profiles/quiz.yaml, embedded) and questions
 * generated from the profile database and the MIG engine, whose answers are computed, never
 * typed in. docs/study.md describes the bank format.
 *
 * Pure: buffers and the database in, structs out; no printing, no file access, no global
 * random state (a seeded splitmix64 generator makes every draw reproducible).
 */

#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/mig.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPV_QUIZ_MIN_CHOICES 2
#define GPV_QUIZ_MAX_CHOICES 8 /* answers are typed as one digit */

enum gpv_quiz_origin {
    GPV_QUIZ_BANK,      /* written in the question bank */
    GPV_QUIZ_GENERATED, /* computed from the database and the engines */
};

/* The name of an origin in listings and JSON: "bank" or "generated". */
const char *gpv_quiz_origin_name(enum gpv_quiz_origin o);

struct gpv_quiz_question {
    char *id;       /* unique within a quiz: "lm-mig-backed", "gen-max-h100-80gb-2g.20gb" */
    char *topic;    /* one of gpv_quiz_topics[] */
    char *question; /* the question text */
    size_t nchoices;
    char **choices;    /* nchoices strings, shown numbered from 1 */
    int answer;        /* index of the right choice, from 0 */
    char *explanation; /* why the answer is right (and the tempting ones wrong) */
    char *source;      /* where the fact comes from: document and section */
    enum gpv_quiz_origin origin;
    int line; /* line of the question in the bank; 0 for generated ones */
};

struct gpv_quiz {
    size_t n;
    size_t cap;
    struct gpv_quiz_question *q;
};

/* The topics a question may have, NULL-terminated, in the order docs/study.md lists them. */
extern const char *const gpv_quiz_topics[];

/* True when topic is one of gpv_quiz_topics[] (exact match). */
bool gpv_quiz_topic_valid(const char *topic);

/* Sets quiz to empty. No allocation. */
void gpv_quiz_init(struct gpv_quiz *quiz);

/* Frees every question of quiz and sets it to empty. */
void gpv_quiz_release(struct gpv_quiz *quiz);

/*
 * Parses a question bank from buf[0..len) (name is cited in errors) and appends its questions
 * to quiz. The bank is strict: unknown keys, missing keys, unknown topics, fewer than
 * GPV_QUIZ_MIN_CHOICES or more than GPV_QUIZ_MAX_CHOICES choices, repeated choices, an answer
 * outside the choices and an id already in quiz are errors. Returns 0, or GPV_EINPUT with err
 * at name:line:col; on failure quiz is unchanged.
 */
int gpv_quiz_load_mem(struct gpv_quiz *quiz, const char *buf, size_t len, const char *name,
                      struct gpv_error *err);

/*
 * Appends questions generated from db to quiz: MIG maxima and geometries (answered by the MIG
 * engine), the MIG profile that gives N tenants M GB each, the vGPU type that fits a memory
 * request, vGPU tenants per GPU and fixed-share slices, licences and MIG support. The same db
 * and seed give the same questions, choices and order. Models or profiles the database lacks
 * are skipped, so a smaller database gives fewer questions. Returns the number appended.
 */
size_t gpv_quiz_generate(struct gpv_quiz *quiz, const struct gpv_db *db, uint64_t seed);

/*
 * Picks up to count questions of quiz (all when count is 0) whose topic is topic (any when
 * NULL), in an order drawn from seed, and writes their indexes to out (room for quiz->n).
 * Returns how many were written.
 */
size_t gpv_quiz_pick(size_t *out, const struct gpv_quiz *quiz, size_t count, const char *topic,
                     uint64_t seed);

/*
 * Shuffles the choices of every bank question, drawn from seed, so the right answer's
 * position tells nothing; the answer index follows its choice. Questions whose choices are
 * all numbers keep their order (ascending, as written). Generated questions are left as they
 * are (their order is drawn when they are generated).
 */
void gpv_quiz_shuffle_choices(struct gpv_quiz *quiz, uint64_t seed);

/*
 * Reads one typed answer to q: a choice number from 1 to q->nchoices, with blanks around it
 * allowed. Returns true and sets *out (from 0) on success; false for anything else.
 */
bool gpv_quiz_parse_answer(int *out, const struct gpv_quiz_question *q, const char *text);

/* splitmix64: a small, fast, seedable generator; the same seed gives the same sequence. */
struct gpv_quiz_rng {
    uint64_t state;
};

void gpv_quiz_rng_init(struct gpv_quiz_rng *rng, uint64_t seed);

/* The next 64 random bits. */
uint64_t gpv_quiz_rng_next(struct gpv_quiz_rng *rng);

/* A number in [0, n) without modulo bias; 0 when n is 0. */
uint64_t gpv_quiz_rng_below(struct gpv_quiz_rng *rng, uint64_t n);

#endif
