/* Fuzz target: the tenants loader from a buffer, then the evaluator on what it accepts. */
#include "gpuvplan/db.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

#include <stdint.h>
#include <stdlib.h>

#define MAX_DECIDED 32 /* tenants decided per input, so one input stays fast */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_db db;
    static struct gpv_ruleset rules;
    static int ready;
    struct gpv_tenants file;
    struct gpv_error err;
    size_t i;

    if (!ready) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) || gpv_rules_load_embedded(&rules, &err))
            abort();
        ready = 1;
    }
    if (gpv_tenants_load_mem(&file, (const char *)data, size, "fuzz.yaml", &db, &err) != 0)
        return 0;
    for (i = 0; i < file.ntenants && i < MAX_DECIDED; i++) {
        struct gpv_candidate *cands = NULL;
        struct gpv_decision d;
        size_t n = gpv_candidates(&cands, &file, &file.tenants[i], &db, NULL, 0);

        gpv_decide(&d, &rules, &file.tenants[i], &file.licenses, cands, n);
        if (d.best >= 0)
            (void)gpv_choice_profile(&d.choices[d.best]);
        gpv_decision_release(&d);
        free(cands);
    }
    gpv_tenants_release(&file);
    return 0;
}
