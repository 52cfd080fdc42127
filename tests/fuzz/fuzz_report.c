/* Fuzz target: what `report` does with a plan file, and the drawing of any JSON value at all. */
#include "gpuvplan/db.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/report.h"
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
    struct gpv_report_opts opts;
    struct gpv_error err;
    struct gpv_val *plan = NULL;
    struct gpv_buf b;

    if (!loaded) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) != 0)
            return 0;
        loaded = 1;
    }
    gpv_buf_init(&b);
    if (gpv_val_parse_json(&plan, (const char *)data, size, "fuzz.json", &err) == 0) {
        gpv_plan_policy_init(&pol);
        pol.allow_unplaced = true;
        if (gpv_plan_check(&findings, plan, &db, &pol, "fuzz.json", &err) == 0)
            gpv_plan_findings_release(&findings);
        /* The report never trusts the tree: it is drawn whether check passed or not. */
        gpv_report_opts_init(&opts);
        opts.compact = size % 2;
        gpv_report_plan_html(&b, plan, &db, &opts, &err);
    }
    gpv_buf_release(&b);
    gpv_val_free(plan);
    return 0;
}
