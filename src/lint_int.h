#ifndef GPUVPLAN_LINT_INT_H
#define GPUVPLAN_LINT_INT_H

/* Helpers shared by src/lint.c, src/lint_read.c and src/lint_check.c. */

#include "gpuvplan/lint.h"
#include "gpuvplan/mig.h"

/* Appends a finding at node's position (or line 0 when node is NULL). */
void lint_add(struct gpv_lint_findings *f, enum gpv_lint_severity sev, const struct gpv_ynode *at,
              const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* The same at an explicit position. */
void lint_add_at(struct gpv_lint_findings *f, enum gpv_lint_severity sev, int line, int col,
                 const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Adds a finding (error, code "bad-value") from a gpv_y_* reader's error. */
void lint_add_yerr(struct gpv_lint_findings *f, const struct gpv_error *e);

/* A scalar's text when it is safe to quote in a message, else "(unprintable)" or "?". */
const char *lint_q(const struct gpv_ynode *n);

/*
 * Reports every key of map not in allowed (NULL-terminated) as "unknown key 'k' in <what>",
 * with a did-you-mean. Returns false when there was one.
 */
bool lint_check_keys(struct gpv_lint_findings *f, const struct gpv_ynode *map,
                     const char *const *allowed, const char *what);

/* Records that doc was checked against gpu (once; kept sorted by id). */
void lint_doc_add_model(struct gpv_lint_doc *doc, const struct gpv_gpu *gpu);

/* Records an entry of doc and the models it is checked on. */
void lint_doc_add_entry(struct gpv_lint_doc *doc, const char *config, int line, int col,
                        enum gpv_lint_selected_by by, const struct gpv_gpu *const *models,
                        size_t nmodels);

/*
 * Semantic checks against the database (src/lint_check.c). Each appends findings and records in
 * doc->models every model an entry was checked against.
 */
void lint_check_migparted(struct gpv_lint_findings *f, struct gpv_lint_doc *doc,
                          const struct gpv_db *db, const struct gpv_lint_opts *opts,
                          const struct gpv_migparted *c);
void lint_check_vgpudm(struct gpv_lint_findings *f, struct gpv_lint_doc *doc,
                       const struct gpv_db *db, const struct gpv_lint_opts *opts,
                       const struct gpv_vgpudm *c);
void lint_check_devplugin(struct gpv_lint_findings *f, struct gpv_lint_doc *doc,
                          const struct gpv_db *db, const struct gpv_lint_opts *opts,
                          const struct gpv_devplugin *c);

#endif
