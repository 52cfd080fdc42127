#ifndef GPUVPLAN_CMD_ADVISE_INT_H
#define GPUVPLAN_CMD_ADVISE_INT_H

/*
 * Private to src/cli/cmd_advise*.c: cmd_advise.c (the command: options, the tenant the answers
 * make, the decision), cmd_advise_answers.c (the answers read from options or text, and the
 * questions) and cmd_advise_print.c (the advice for people).
 */

#include "cli.h"
#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

#include <stdbool.h>
#include <stddef.h>

/* The answers, as the tenants file spells them. */
struct advise_answers {
    int isolation;   /* enum gpv_isolation */
    int workload;    /* enum gpv_workload */
    int environment; /* enum gpv_environment */
    int os;          /* enum gpv_os: --os only, never asked (the default is linux) */
    bool live_migration, full_gpu, media;
    int gpus;
    char *memory;  /* as typed ("20GB"), checked; NULL when not given */
    char *compute; /* as typed ("0.25"), checked; NULL when not given */
    struct gpv_licenses lic;
    size_t ngpu;
    const struct gpv_gpu **gpu; /* --gpu models, resolved */
};

/* Sets a to the tenants file's defaults, nothing answered. */
void advise_answers_init(struct advise_answers *a);

/* Frees what a holds (memory, compute, the GPU list); a may be initialised again. */
void advise_answers_release(struct advise_answers *a);

/*
 * Matches text against the names name(0) .. name(n-1), case-insensitively. Returns the index,
 * or -1 with *why set to a message the caller frees.
 */
int advise_match_name(const char *text, const char *(*name)(int), int n, const char *what,
                      char **why);

/* The names the tenants file spells each enum with, by index, for advise_match_name(). */
const char *advise_isolation_name(int v);
const char *advise_workload_name(int v);
const char *advise_os_name(int v);
const char *advise_environment_name(int v);

/*
 * Each sets one answer from its text: a licence key (added to those owned), a memory quantity
 * or a compute share (kept as typed, once checked), a GPU model (resolved in db, added to the
 * list). Each returns true, or false with *why set to a message the caller frees.
 */
bool advise_set_license(struct advise_answers *a, const char *text, char **why);
bool advise_set_memory(struct advise_answers *a, const char *text, char **why);
bool advise_set_compute(struct advise_answers *a, const char *text, char **why);
bool advise_add_gpu(struct advise_answers *a, const struct gpv_db *db, const char *text,
                    char **why);

/*
 * Asks every question. On a terminal a wrong answer is explained and asked again; off a
 * terminal each line answers the next question and a wrong or missing line is an error.
 * Returns 0; GPV_ENO when the learner quits (q, or end of input on a terminal); GPV_EINPUT
 * with err at <stdin>:line for a bad or missing line off a terminal.
 */
int advise_ask_all(struct advise_answers *a, const struct gpv_cli *cli, bool tty,
                   struct gpv_error *err);

/* Prints decision d on the answers a for people, on standard output. */
void advise_print(const struct gpv_cli *cli, const struct advise_answers *a,
                  const struct gpv_decision *d);

#endif
