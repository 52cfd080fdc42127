#ifndef GPUVPLAN_QUIZ_INT_H
#define GPUVPLAN_QUIZ_INT_H

/* Helpers shared by src/quiz.c (the bank) and src/quiz_gen.c (generated questions). */

#include "gpuvplan/quiz.h"

/* Appends a zeroed question to quiz and returns it; quiz owns it. */
struct gpv_quiz_question *gpv_quiz_append(struct gpv_quiz *quiz);

/* The question with this id, or NULL. */
const struct gpv_quiz_question *gpv_quiz_find(const struct gpv_quiz *quiz, const char *id);

/* Frees the contents of q and zeroes it. */
void gpv_quiz_question_release(struct gpv_quiz_question *q);

/* Fisher-Yates shuffle of v[0..n) drawn from rng. */
void gpv_quiz_shuffle(size_t *v, size_t n, struct gpv_quiz_rng *rng);

#endif
