#ifndef GPUVPLAN_QUIZ_GEN_INT_H
#define GPUVPLAN_QUIZ_GEN_INT_H

/*
 * Private to the question generators: quiz_gen.c (the framework, model and MIG kinds),
 * quiz_gen_vgpu.c (vGPU kinds) and quiz_gen_share.c (Kubernetes sharing). A generator draws models
 * and profiles, computes its answer from the database and the engines, and hands the question to
 * qg_emit().
 */

#include "gpuvplan/db.h"
#include "gpuvplan/quiz.h"
#include "gpuvplan/util.h"

#include <stdbool.h>
#include <stddef.h>

#define DRAWS 2   /* drawn questions of each kind, after the featured ones */
#define TRIES 40  /* draws per kind before giving up on a small database */
#define GB    1e9 /* tenants write decimal GB, as the exam does */
#define MIB   1048576.0

struct gen {
    struct gpv_quiz *quiz;
    const struct gpv_db *db;
    struct gpv_quiz_rng rng;
    size_t added;
};

/* Choices being collected: text owned, no repeats, one right answer. */
struct choice_set {
    int n;
    char *v[GPV_QUIZ_MAX_CHOICES];
    int answer;
};

/* Empties a choice set. */
void qg_cs_init(struct choice_set *cs);

/* Adds text (taken over) unless it repeats a choice or the set is full. */
bool qg_cs_add(struct choice_set *cs, char *text, bool right);

/* Numeric choices: the answer and distinct positive distractors, shown in ascending order. */
void qg_cs_numbers(struct choice_set *cs, int answer, const int *cand, int ncand, int nchoices);

/* Ids are lowercase and keep only [a-z0-9.-_]: '+' becomes '.', anything else '-'. */
char *qg_make_id(const char *fmt_a, const char *a, const char *b);

/*
 * Appends a question built from the parts (all taken over). shuffle draws the choice order
 * from the generator; otherwise the order stays (numbers ascending). Returns false, freeing
 * everything, when the id is taken or the choices are not a real question.
 */
bool qg_emit(struct gen *g, char *id, const char *topic, char *question, struct choice_set *cs,
             bool shuffle, char *explanation, char *source);

/* Writes mib as GiB ("19.62 GiB") into buf[0..n) and returns buf. */
const char *qg_gib(char *buf, size_t n, long long mib);

/* Where a model's fact comes from: its file and the cited source's title. */
char *qg_fact_source(const struct gpv_gpu *gpu, const char *source_id, const char *how);

/* Bytes of a decimal-GB request against MiB of an instance. */
bool qg_covers(long long mib, int gb);

/* Appends a caution when the answer rests on the `bits` of vGPU type t the database marks
 * inferred. */
void qg_put_inferred_type(struct gpv_buf *b, const struct gpv_gpu *gpu,
                          const struct gpv_vgpu_type *t, unsigned bits);

/* A model drawn at random among those with MIG and/or vGPU as asked; NULL if none. */
const struct gpv_gpu *qg_draw_gpu(struct gen *g, bool want_mig, bool want_vgpu);

/* A profile a tenant would ask for: no media extension (those are capped at one per GPU). */
bool qg_plain_profile(const struct gpv_gpu *gpu, int p);

/* The most instances of profile p one GPU holds. */
int qg_max_of(const struct gpv_gpu *gpu, int p);

/* Featured pairs are tried first, then draws; a pair the database lacks is skipped. */
const struct gpv_gpu *qg_featured_gpu(struct gen *g, const char *id);

/* The vGPU kinds (quiz_gen_vgpu.c): each appends its featured question, then DRAWS drawn ones. */
void qg_kind_vgpu_fit(struct gen *g);
void qg_kind_vgpu_count(struct gen *g, bool (*make)(struct gen *, const struct gpv_gpu *, int),
                        const char *featured_gpu_id, const char *featured_type);
void qg_kind_license(struct gen *g);
void qg_kind_mig_backed(struct gen *g);

/* Kubernetes sharing (quiz_gen_share.c): MPS replicas a pod's memory allows, hard isolation
 * never shared, MPS not on MIG devices, pods per time-sliced MIG instance, and which tenants the
 * rules time-slice MIG instances for. */
void qg_kind_sharing(struct gen *g);

/* Makers for qg_kind_vgpu_count(): tenants per GPU of a type; a fixed-share scheduler's share. */
bool qg_q_vgpu_tenants(struct gen *g, const struct gpv_gpu *gpu, int type);
bool qg_q_fixed_share(struct gen *g, const struct gpv_gpu *gpu, int type);

#endif
