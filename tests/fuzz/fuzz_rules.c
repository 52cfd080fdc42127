/* Fuzz target: the rules loader from a buffer, then formatting and evaluating what it accepts. */
#include "gpuvplan/db.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char tenants[] =
    "version: 1\nlicenses: {ai_enterprise: true, vpc: true}\n"
    "tenants:\n"
    "  - {name: a, memory: 20GB, isolation: hard}\n"
    "  - {name: b, memory: 8GiB, environment: vm, live_migration: true, media: true}\n"
    "  - {name: c, gpus: 2, workload: training}\n"
    "  - {name: d, memory: 2GiB, workload: vdi, compute: 0.25}\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_db db;
    static struct gpv_tenants file;
    static struct gpv_candidate cands[3];
    static int ready;
    struct gpv_ruleset rs;
    struct gpv_error err;
    size_t i;

    if (!ready) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) ||
            gpv_tenants_load_mem(&file, tenants, strlen(tenants), "t.yaml", &db, &err))
            abort();
        cands[0].gpu = gpv_db_find(&db, "h100-80gb");
        cands[1].gpu = gpv_db_find(&db, "l40s");
        cands[2].gpu = gpv_db_find(&db, "rtx-pro-6000");
        for (i = 0; i < 3; i++)
            cands[i].cost_per_hour = -1;
        ready = 1;
    }
    if (gpv_rules_load_mem(&rs, (const char *)data, size, "fuzz.yaml", &err) != 0)
        return 0;
    for (i = 0; i < rs.nrules; i++)
        free(gpv_cond_format(rs.rules[i].when));
    for (i = 0; i < file.ntenants; i++) {
        struct gpv_decision d;

        gpv_decide(&d, &rs, &file.tenants[i], &file.licenses, cands, 3);
        gpv_decision_release(&d);
    }
    gpv_rules_release(&rs);
    return 0;
}
