#ifndef GPUVPLAN_DB_INT_H
#define GPUVPLAN_DB_INT_H

/* Helpers shared by src/db.c (lookups) and src/db_load.c, src/db_load_mig.c (the loader). */

#include "gpuvplan/db.h"
#include "gpuvplan/yamldoc.h"

#include <stddef.h>

/* Frees the contents of gpu and gpu itself; NULL is a no-op. */
void gpv_db_gpu_free(struct gpv_gpu *gpu);

/* The models compiled into the binary (build/dbdata.c, written by tools/dbgen.c), sorted by id;
 * the table ends with NULL. */
extern struct gpv_gpu *const gpv_db_compiled[];
extern const size_t gpv_db_compiled_count;

#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

/* What one load (src/db_load.c, src/db_load_mig.c) works with: the document and the model being
 * built. */
struct gpv_db_loader {
    const struct gpv_ydoc *doc;
    struct gpv_gpu *gpu;
    struct gpv_error *err;
};

/* Reads a list of strings into *out (owned by the caller) and *nout; NULL seq: none. */
int gpv_db_str_list(char ***out, size_t *nout, struct gpv_db_loader *l, const struct gpv_ynode *seq,
                    const char *what);

/* Reads a list of fact keys ("starts") into a mask of enum gpv_fact bits; NULL seq: 0. */
int gpv_db_fact_mask(unsigned *out, struct gpv_db_loader *l, const struct gpv_ynode *seq,
                     const char *what);

/* Resolves a source id to the model's copy of it; an undeclared id is an error. */
int gpv_db_source_ref(const char **out, struct gpv_db_loader *l, const struct gpv_ynode *node,
                      const char *what);

/*
 * Reads a list of integers in [min, max], strictly ascending, into *heap (allocated) or into
 * fixed[0..cap) when heap is NULL; *nout is the count.
 */
int gpv_db_int_list(int **heap, int *fixed, int cap, int *nout, struct gpv_db_loader *l,
                    const struct gpv_ynode *seq, long long min, long long max, const char *what);

/* Reads the `mig` mapping into l->gpu->mig. Returns 0 or GPV_EINPUT with l->err filled. */
int gpv_db_load_mig(struct gpv_db_loader *l, const struct gpv_ynode *node);

#endif
