/* Fuzz target: the nvidia-smi / mig-parted export reader, then state and import-profile. */
#include "gpuvplan/db.h"
#include "gpuvplan/smi.h"
#include "gpuvplan/value.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_db db;
    static int loaded;
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_val *v = NULL;
    char *yaml = NULL;

    if (!loaded) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) != 0)
            return 0;
        loaded = 1;
    }
    gpv_smi_init(&s);
    if (gpv_smi_load_mem(&s, (const char *)data, size, "fuzz.txt", &err) == 0) {
        if (!s.node)
            s.node = gpv_smi_find_node((const char *)data, size);
        if (s.node && gpv_smi_state(&v, &db, &s, 1, &err) == 0)
            gpv_val_free(v);
        if (gpv_smi_import_profile(&yaml, &db, &s, &err) == 0)
            free(yaml);
    }
    gpv_smi_release(&s);
    return 0;
}
