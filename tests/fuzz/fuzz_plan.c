/* Fuzz target: what `check` does with a plan file: JSON parsing, then re-validation. */
#include "gpuvplan/db.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/value.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_db db;
    static int loaded;
    struct gpv_plan_findings findings = {0};
    struct gpv_plan_policy pol;
    struct gpv_error err;
    struct gpv_val *plan = NULL;

    if (!loaded) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) != 0)
            return 0;
        loaded = 1;
    }
    if (gpv_val_parse_json(&plan, (const char *)data, size, "fuzz.json", &err) == 0) {
        gpv_plan_policy_init(&pol);
        if (gpv_plan_check(&findings, plan, &db, &pol, "fuzz.json", &err) == 0)
            gpv_plan_findings_release(&findings);
    }
    gpv_val_free(plan);
    return 0;
}
