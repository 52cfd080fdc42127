/*
 * Fuzz target reaching the packer: a fuzzed GPU model file and a fuzzed tenants file, planned,
 * written as JSON and run through `check`. Oracle: every plan recommend writes passes check
 * (unplaced tenants allowed); anything else aborts.
 * Input: the model file, a line "%%", the tenants file. Without "%%" the whole input is the
 * tenants file, planned on every embedded model.
 */
#include "gpuvplan/db.h"
#include "gpuvplan/plan.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TENANTS  16  /* per input, so one input stays fast */
#define MAX_REPLICAS 64  /* per tenant, likewise */
#define MAX_FLEET    256 /* GPUs of one fleet entry */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
find_marker(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i + 4 <= len; i++)
        if ((i == 0 || buf[i - 1] == '\n') && !memcmp(buf + i, "%%\n", 3))
            return buf + i;
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_ruleset rules;
    static int ready;
    const char *buf = (const char *)data, *mark = find_marker(buf, size), *tbuf = buf;
    size_t tlen = size, i, ndb;
    struct gpv_db db;
    struct gpv_tenants file;
    struct gpv_error err;
    struct gpv_plan_job job;
    struct gpv_plan_run run;
    struct gpv_plan_src src;
    struct gpv_plan_policy pol;
    struct gpv_plan_findings fs;
    struct gpv_val *plan = NULL;
    struct gpv_buf out;
    const struct gpv_gpu *only[1];
    bool loaded = false;

    if (!ready) {
        if (gpv_rules_load_embedded(&rules, &err))
            abort();
        ready = 1;
    }
    gpv_db_init(&db);
    memset(&run, 0, sizeof(run));
    gpv_buf_init(&out);
    if (gpv_db_load_embedded(&db, &err))
        abort();
    ndb = db.ngpus;
    if (mark) {
        if (gpv_db_load_mem(&db, buf, (size_t)(mark - buf), "fuzz-model.yaml", true, &err))
            goto out;
        tbuf = mark + 3;
        tlen = size - (size_t)(tbuf - buf);
    }
    if (gpv_tenants_load_mem(&file, tbuf, tlen, "fuzz.yaml", &db, &err))
        goto out;
    loaded = true;
    if (file.ntenants > MAX_TENANTS)
        goto out;
    for (i = 0; i < file.ntenants; i++)
        if (file.tenants[i].replicas > MAX_REPLICAS)
            goto out;
    for (i = 0; i < file.nfleet; i++)
        if (file.fleet[i].count > MAX_FLEET)
            goto out;
    memset(&job, 0, sizeof(job));
    job.file = &file;
    job.rules = &rules;
    job.db = &db;
    job.strategy = (size & 1) ? GPV_PACK_FIRST_FIT : GPV_PACK_OPTIMAL;
    /* With a fuzzed model, plan on it alone (the newest one loaded, or the one it replaced). */
    if (mark && db.ngpus >= ndb) {
        for (i = 0; i < db.ngpus; i++)
            if (!strcmp(db.gpus[i]->origin, "fuzz-model.yaml"))
                break;
        if (i < db.ngpus) {
            only[0] = db.gpus[i];
            job.only = only;
            job.nonly = 1;
        }
    }
    if (gpv_plan_run(&run, &job, &err))
        goto out;
    memset(&src, 0, sizeof(src));
    src.tenants_file = "fuzz.yaml";
    src.rules = rules.name;
    src.job = &job;
    src.run = &run;
    gpv_plan_write_json(&src, &out);
    if (gpv_val_parse_json(&plan, gpv_buf_str(&out), out.len, "plan.json", &err)) {
        fprintf(stderr, "recommend wrote JSON check cannot read: %s\n", err.msg);
        abort();
    }
    gpv_plan_policy_init(&pol);
    pol.allow_unplaced = true;
    if (gpv_plan_check(&fs, plan, &db, &pol, "plan.json", &err)) {
        fprintf(stderr, "check refuses the plan recommend wrote: %s\n", err.msg);
        abort();
    }
    if (fs.n) {
        for (i = 0; i < fs.n; i++)
            fprintf(stderr, "check: %s: %s\n", fs.v[i].where, fs.v[i].what);
        abort();
    }
    gpv_plan_findings_release(&fs);
out:
    gpv_val_free(plan);
    gpv_buf_release(&out);
    gpv_plan_run_release(&run);
    if (loaded)
        gpv_tenants_release(&file);
    gpv_db_release(&db);
    return 0;
}
