#ifndef GPUVPLAN_DB_INT_H
#define GPUVPLAN_DB_INT_H

/* Helpers shared by src/db.c (lookups) and src/db_load.c (the loader). */

#include "gpuvplan/db.h"

/* Frees the contents of gpu and gpu itself; NULL is a no-op. */
void gpv_db_gpu_free(struct gpv_gpu *gpu);

#endif
