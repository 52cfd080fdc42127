/* Fuzz target: the GPU model loader (YAML parsing, schema, validation), from a buffer. */
#include "gpuvplan/db.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gpv_db db;
    struct gpv_error err;

    gpv_db_init(&db);
    gpv_db_load_mem(&db, (const char *)data, size, "fuzz.yaml", false, &err);
    if (db.ngpus == 1)
        gpv_db_find(&db, "0x2330");
    gpv_db_release(&db);
    return 0;
}
