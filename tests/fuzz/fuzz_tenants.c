/*
 * Fuzz target: the tenants loader from a buffer, then the evaluator on what it accepts. The
 * same input is loaded again under small limits (three tenants; its size or half of it): what
 * passes them must be what the unlimited load gives, and a good file under them must pass.
 */
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
    /* Odd sizes: the byte limit is the size (passed); even ones: half of it (refused). */
    struct gpv_tenants_limits lim = {size % 2 ? size : size / 2 + 1, 3};
    struct gpv_error errs[GPV_TENANTS_ERRORS_MAX + 1];
    struct gpv_tenants file, small;
    struct gpv_error err;
    size_t i, nerrs;
    int rc_small;

    if (!ready) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) || gpv_rules_load_embedded(&rules, &err))
            abort();
        ready = 1;
    }
    rc_small = gpv_tenants_load_limited(&small, errs, &nerrs, (const char *)data, size, "fuzz.yaml",
                                        &db, &lim);
    if (gpv_tenants_load_mem(&file, (const char *)data, size, "fuzz.yaml", &db, &err) != 0) {
        if (rc_small == 0)
            abort(); /* passed the limits but not without them */
        return 0;
    }
    if (rc_small == 0 && small.ntenants != file.ntenants)
        abort();
    if (rc_small != 0 && size % 2 && file.ntenants <= lim.max_tenants)
        abort(); /* a good file under both limits was refused */
    gpv_tenants_release(&small);
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
