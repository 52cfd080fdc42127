/* Fuzz target: what `lint` does with a file: YAML, kind detection, ConfigMaps, readers, checks. */
#include "gpuvplan/db.h"
#include "gpuvplan/lint.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_db db;
    static int loaded;
    struct gpv_lint_opts opts = {GPV_LINT_KIND_NONE, 0, NULL};
    struct gpv_lint_result res;
    struct gpv_error err;

    if (!loaded) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) != 0)
            return 0;
        loaded = 1;
    }
    if (gpv_lint_mem(&res, &db, (const char *)data, size, "fuzz.yaml", &opts, &err) == 0)
        gpv_lint_result_release(&res);
    /* The same bytes read as each kind, so every reader sees every input. */
    for (opts.kind = GPV_LINT_MIGPARTED; opts.kind <= GPV_LINT_DEVPLUGIN; opts.kind++)
        if (gpv_lint_mem(&res, &db, (const char *)data, size, "fuzz.yaml", &opts, &err) == 0)
            gpv_lint_result_release(&res);
    return 0;
}
