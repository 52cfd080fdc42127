/* Fuzz target: export's plan reader and every writer, on any JSON (no check first, so the
 * reader must hold on its own). */
#include "gpuvplan/db.h"
#include "gpuvplan/export.h"
#include "gpuvplan/value.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_db db;
    static int loaded;
    struct gpv_export_site site;
    struct gpv_error err;
    struct gpv_val *plan = NULL, *labels;
    struct gpv_buf out;
    int t;

    if (!loaded) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) != 0)
            return 0;
        loaded = 1;
    }
    gpv_buf_init(&out);
    memset(&site, 0, sizeof(site));
    if (gpv_val_parse_json(&plan, (const char *)data, size, "fuzz.json", &err) == 0 &&
        gpv_export_site_read(&site, plan, &db, "fuzz.json", &err) == 0) {
        for (t = 0; t < GPV_EXPORT_NTARGETS; t++)
            gpv_export_write(&out, &site, (enum gpv_export_target)t);
        labels = gpv_export_labels(&site);
        gpv_val_free(labels);
    }
    gpv_export_site_release(&site);
    gpv_buf_release(&out);
    gpv_val_free(plan);
    return 0;
}
