#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
    struct gpv_db db;
    struct gpv_ruleset rules;
};

/* Every embedded model with MIG and vGPU also has MIG-backed types: this one has none. */
static const char no_mig_backed_model[] =
    "id: test-no-mig-backed\n"
    "name: MIG and vGPU without MIG-backed types\n"
    "architecture: hopper\n"
    "memory_mib: 20480\n"
    "sources: [{id: t, title: a unit test}]\n"
    "mig:\n"
    "  units: 2\n"
    "  compute_slices: 2\n"
    "  source: t\n"
    "  profiles:\n"
    "    - {name: 1g.10gb, id: 2, compute_slices: 1, size: 1, starts: [0, 1], max: 2,"
    " memory_gib: 9.5}\n"
    "vgpu:\n"
    "  prefixes: [T]\n"
    "  mixed_size: false\n"
    "  source: t\n"
    "  types:\n"
    "    - {name: T-20C, series: C, framebuffer_mib: 20480, max: 1}\n";

static int
setup(void **state)
{
    static struct fixture fx;
    struct gpv_error err;

    gpv_db_init(&fx.db);
    if (gpv_db_load_embedded(&fx.db, &err) != 0 || gpv_rules_load_embedded(&fx.rules, &err) != 0 ||
        gpv_db_load_mem(&fx.db, no_mig_backed_model, strlen(no_mig_backed_model), "test.yaml",
                        false, &err) != 0)
        return -1;
    *state = &fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    gpv_rules_release(&fx->rules);
    gpv_db_release(&fx->db);
    return 0;
}

/* One decided tenant and the file it came from. */
struct run {
    struct gpv_tenants file;
    struct gpv_decision d;
};

/* Loads a tenants file and decides tenant `name` with the given rules (NULL: embedded). */
static void
decide_with(struct run *r, const struct fixture *fx, const struct gpv_ruleset *rules,
            const char *yaml, const char *name)
{
    struct gpv_candidate *cands = NULL;
    struct gpv_error err;
    size_t n;
    int i;

    gpv_error_init(&err);
    if (gpv_tenants_load_mem(&r->file, yaml, strlen(yaml), "t.yaml", &fx->db, &err) != 0)
        fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
    assert_int_equal(err.code, 0);
    i = gpv_tenants_find(&r->file, name);
    assert_true(i >= 0);
    n = gpv_candidates(&cands, &r->file, &r->file.tenants[i], &fx->db, NULL, 0);
    gpv_decide(&r->d, rules ? rules : &fx->rules, &r->file.tenants[i], &r->file.licenses, cands, n);
    free(cands);
}

static void
decide(struct run *r, const struct fixture *fx, const char *yaml, const char *name)
{
    decide_with(r, fx, NULL, yaml, name);
}

static void
run_release(struct run *r)
{
    gpv_decision_release(&r->d);
    gpv_tenants_release(&r->file);
}

static const struct gpv_choice *
choice_on(const struct gpv_decision *d, const char *gpu)
{
    size_t i;

    for (i = 0; i < d->nchoices; i++)
        if (!strcmp(d->choices[i].gpu->id, gpu))
            return &d->choices[i];
    return NULL;
}

static const struct gpv_trace *
trace_of(const struct gpv_choice *c, const char *rule)
{
    size_t i;

    for (i = 0; i < c->ntrace; i++)
        if (c->trace[i].rule && !strcmp(c->trace[i].rule->id, rule))
            return &c->trace[i];
    return NULL;
}

static const char *
select_text(const struct gpv_choice *c, enum gpv_method m)
{
    size_t i;

    for (i = 0; i < c->ntrace; i++)
        if (c->trace[i].step == GPV_STEP_SELECT && c->trace[i].method == m)
            return c->trace[i].text;
    return "";
}

static bool
rejected_by(const struct gpv_reasons *rs, const char *rule)
{
    size_t i;

    for (i = 0; i < rs->n; i++)
        if (rs->v[i].rule && !strcmp(rs->v[i].rule, rule))
            return true;
    return false;
}

static bool
rejected_with(const struct gpv_reasons *rs, const char *text)
{
    size_t i;

    for (i = 0; i < rs->n; i++)
        if (strstr(rs->v[i].text, text))
            return true;
    return false;
}

/* A one-tenant file on one model, with licences and tenant keys in flow style. */
static char *
site(const char *licenses, const char *gpu, const char *tenant)
{
    char *s = malloc(1024);

    assert_non_null(s);
    snprintf(s, 1024,
             "version: 1\nlicenses: {%s}\nfleet: [{gpu: %s, count: 1}]\n"
             "tenants: [{name: t, %s}]\n",
             licenses, gpu, tenant);
    return s;
}

#define ALL_LICENCES "ai_enterprise: true, vws: true, vpc: true, vapps: true"

/* For every rule of the embedded set: a tenant and model where it holds. */
static const struct {
    const char *rule, *licenses, *gpu, *tenant;
} holds[] = {
    {"gpu-without-mig", ALL_LICENCES, "l40s", "memory: 1GiB"},
    {"gpu-without-vgpu", ALL_LICENCES, "gb300", "memory: 1GiB"},
    {"gpu-without-mig-backed-vgpu", ALL_LICENCES, "test-no-mig-backed", "memory: 1GiB"},
    {"memory-above-one-gpu", ALL_LICENCES, "l40s", "memory: 60GiB"},
    {"memory-above-largest-mig", ALL_LICENCES, "h100-80gb", "memory: 80GiB"},
    {"several-gpus-per-replica", ALL_LICENCES, "h100-80gb", "gpus: 2"},
    {"live-migration-excludes-passthrough", ALL_LICENCES, "h100-80gb",
     "memory: 1GiB, environment: vm, live_migration: true"},
    {"live-migration-excludes-bare-mig", ALL_LICENCES, "h100-80gb",
     "memory: 1GiB, environment: vm, live_migration: true"},
    {"hard-isolation-excludes-time-sliced-vgpu", ALL_LICENCES, "h100-80gb",
     "memory: 1GiB, isolation: hard"},
    {"containers-exclude-hypervisor-vgpu", ALL_LICENCES, "l40s", "memory: 1GiB"},
    {"bare-mig-needs-linux", ALL_LICENCES, "h100-80gb", "memory: 1GiB, os: windows"},
    {"vm-excludes-bare-mig", ALL_LICENCES, "h100-80gb", "memory: 1GiB, environment: vm"},
    {"desktops-exclude-mig", ALL_LICENCES, "h100-80gb", "memory: 1GiB, workload: vdi"},
    {"desktops-need-a-graphics-gpu", ALL_LICENCES, "h100-80gb", "memory: 1GiB, workload: vdi"},
    {"c-series-needs-ai-enterprise", "vws: true", "l40s", "memory: 1GiB"},
    {"mig-backed-vgpu-needs-ai-enterprise", "vws: true", "h100-80gb", "memory: 1GiB"},
    {"q-series-needs-vws", "ai_enterprise: true", "l40s", "memory: 1GiB"},
    {"b-series-needs-vpc-or-vws", "ai_enterprise: true", "l40s", "memory: 1GiB"},
    {"compute-uses-c-series", ALL_LICENCES, "l40s", "memory: 1GiB, workload: hpc"},
    {"desktops-exclude-c-series", ALL_LICENCES, "l40s", "memory: 1GiB, workload: vdi"},
    {"graphics-needs-q-series", ALL_LICENCES, "l40s", "memory: 1GiB, workload: graphics"},
    {"graphics-passthrough-needs-licence", "vpc: true", "l40s", "memory: 1GiB, workload: graphics"},
    {"hard-isolation-with-live-migration", ALL_LICENCES, "h100-80gb",
     "memory: 1GiB, isolation: hard, environment: vm, live_migration: true"},
    {"whole-gpu-performance", ALL_LICENCES, "h100-80gb", "full_gpu: true"},
    {"hard-isolation", ALL_LICENCES, "l40s", "memory: 1GiB, isolation: hard"},
    {"desktops-use-vgpu", ALL_LICENCES, "l40s", "memory: 1GiB, workload: vdi"},
    {"multi-tenancy-on-mig", ALL_LICENCES, "h100-80gb", "memory: 1GiB"},
    {"otherwise-vgpu", ALL_LICENCES, "l40s", "memory: 1GiB"},
    {"sharing-serves-containers", ALL_LICENCES, "l4", "memory: 1GiB, environment: vm"},
    {"sharing-does-not-migrate", ALL_LICENCES, "l4",
     "memory: 1GiB, environment: vm, live_migration: true"},
    {"hard-isolation-excludes-sharing", ALL_LICENCES, "l4", "memory: 1GiB, isolation: hard"},
    {"soft-isolation-excludes-time-slicing", ALL_LICENCES, "l4", "memory: 1GiB"},
    {"whole-gpu-does-not-share", ALL_LICENCES, "l4", "full_gpu: true"},
    {"pods-share-gpus-without-mig", ALL_LICENCES, "l4", "memory: 1GiB, isolation: none"},
    {"pods-time-slice-mig-instances", ALL_LICENCES, "h100-80gb",
     "memory: 2GB, replicas: 20, isolation: none"},
};

static void
test_rules_each_rule_holds_where_it_should_and_does_what_it_says(void **state)
{
    const struct fixture *fx = *state;
    size_t i, k;
    int m, s;

    for (i = 0; i < sizeof(holds) / sizeof(holds[0]); i++) {
        struct run r;
        char *yaml = site(holds[i].licenses, holds[i].gpu, holds[i].tenant);
        const struct gpv_choice *c;
        const struct gpv_trace *tr;

        memset(&r, 0, sizeof(r));
        decide(&r, fx, yaml, "t");
        c = choice_on(&r.d, holds[i].gpu);
        assert_non_null(c);
        tr = trace_of(c, holds[i].rule);
        if (!tr || !tr->matched)
            fprintf(stderr, "rule %s does not hold\n", holds[i].rule);
        assert_non_null(tr);
        assert_true(tr->matched);
        if (tr->rule->phase == GPV_PHASE_EXCLUDE) {
            for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++) {
                if (!(tr->rule->exclude & (1u << m)))
                    continue;
                assert_true(c->options[m].excluded);
                assert_false(c->options[m].fits);
                assert_true(rejected_by(&c->rejected[m], holds[i].rule));
                assert_int_not_equal(c->method, m);
            }
            for (s = 0; s < 4; s++)
                if (tr->rule->exclude_series & (1u << s))
                    assert_false(c->series & (1u << s));
            for (m = GPV_METHOD_VGPU; m <= GPV_METHOD_MIG_VGPU; m++)
                if (tr->rule->exclude_shared & (1u << m))
                    assert_non_null(c->no_shared[m]);
        } else {
            assert_true(tr->decided);
            assert_ptr_equal(c->order_rule, tr->rule);
            for (k = 0; k < (size_t)tr->rule->nprefer; k++)
                assert_int_equal(c->order[k], tr->rule->prefer[k]);
        }
        run_release(&r);
        free(yaml);
    }
}

static void
test_rules_every_embedded_rule_has_a_case_and_declared_sources(void **state)
{
    const struct fixture *fx = *state;
    size_t i, k;

    for (i = 0; i < fx->rules.nrules; i++) {
        const struct gpv_rule *r = &fx->rules.rules[i];
        bool covered = false;

        for (k = 0; k < sizeof(holds) / sizeof(holds[0]); k++)
            covered = covered || !strcmp(holds[k].rule, r->id);
        if (!covered)
            fprintf(stderr, "rule %s has no test case\n", r->id);
        assert_true(covered);
        assert_true(r->nsources >= 1);
        for (k = 0; k < r->nsources; k++)
            assert_non_null(gpv_rules_source(&fx->rules, r->sources[k]));
        assert_true(strlen(r->reason) > 10);
    }
}

static void
test_rules_pods_without_isolation_time_slice_five_to_a_1g10gb_on_h100(void **state)
{
    const struct fixture *fx = *state;
    struct run r;
    char *yaml = site(ALL_LICENCES, "h100-80gb", "memory: 2GB, replicas: 20, isolation: none");
    const struct gpv_choice *c;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "t");
    c = &r.d.choices[0];
    assert_int_equal(c->method, GPV_METHOD_TIME_SLICING);
    assert_string_equal(gpv_choice_profile(c), "1g.10gb");
    assert_int_equal(c->clients, 5); /* 9984 MiB / 1908 MiB */
    assert_string_equal(c->decided_by->id, "pods-time-slice-mig-instances");
    run_release(&r);
    free(yaml);
}

static void
test_rules_spread_pods_and_pods_that_fill_an_instance_keep_a_bare_mig_instance(void **state)
{
    const struct fixture *fx = *state;
    struct run r;
    char *yaml = site(ALL_LICENCES, "h100-80gb", "memory: 2GB, isolation: none, spread: true");
    const struct gpv_choice *c;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "t");
    c = &r.d.choices[0];
    assert_int_equal(c->method, GPV_METHOD_MIG);
    assert_false(c->options[GPV_METHOD_TIME_SLICING].fits);
    run_release(&r);
    free(yaml);
    /* 3 of 9 GB: 3 bare 1g.10gb take 3 units, 2 time-sliced 1g.20gb 4 */
    yaml = site(ALL_LICENCES, "h100-80gb", "memory: 9GB, replicas: 3, isolation: none");
    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "t");
    c = &r.d.choices[0];
    assert_int_equal(c->method, GPV_METHOD_MIG);
    assert_string_equal(gpv_choice_profile(c), "1g.10gb");
    assert_false(c->options[GPV_METHOD_TIME_SLICING].fits);
    assert_int_equal(c->options[GPV_METHOD_TIME_SLICING].whole_clients, 9);
    run_release(&r);
    free(yaml);
}

static void
test_rules_a_plain_tenant_matches_only_the_general_rules(void **state)
{
    const struct fixture *fx = *state;
    static const char *const expected[] = {
        "containers-exclude-hypervisor-vgpu", "compute-uses-c-series", "multi-tenancy-on-mig",
        "otherwise-vgpu", "soft-isolation-excludes-time-slicing"};
    struct run r;
    char *yaml = site(ALL_LICENCES, "h100-80gb", "memory: 1GiB");
    const struct gpv_choice *c;
    size_t i, k;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "t");
    c = &r.d.choices[0];
    for (i = 0; i < c->ntrace; i++) {
        bool want = false;

        if (c->trace[i].step != GPV_STEP_RULE)
            continue;
        for (k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
            want = want || !strcmp(c->trace[i].rule->id, expected[k]);
        if (c->trace[i].matched != want)
            fprintf(stderr, "rule %s: matched %d\n", c->trace[i].rule->id, c->trace[i].matched);
        assert_int_equal(c->trace[i].matched, want);
    }
    assert_int_equal(r.d.method, GPV_METHOD_MIG);
    assert_string_equal(gpv_choice_profile(c), "1g.10gb");
    run_release(&r);
    free(yaml);
}

static void
test_rules_20gb_fits_1g20gb_but_20gib_needs_3g40gb(void **state)
{
    const struct fixture *fx = *state;
    static const char yaml[] =
        "version: 1\nlicenses: {ai_enterprise: true}\nfleet: [{gpu: "
        "h100-80gb, count: 1}]\ntenants:\n"
        "  - {name: dec, memory: 20GB, isolation: hard}\n"
        "  - {name: bin, memory: 20GiB, isolation: hard}\n"
        "  - {name: binvm, memory: 20GiB, isolation: hard, environment: vm}\n";
    struct run r;
    const struct gpv_choice *c;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "dec");
    c = &r.d.choices[r.d.best];
    assert_int_equal(r.d.method, GPV_METHOD_MIG);
    assert_string_equal(gpv_choice_profile(c), "1g.20gb");
    assert_string_equal(c->gpu->mig->profiles[c->mig_profile].name, "1g.20gb");
    assert_int_equal(c->vgpu_type, -1);
    assert_non_null(strstr(select_text(c, GPV_METHOD_MIG), "20GB needs 19074 MiB"));
    assert_non_null(strstr(select_text(c, GPV_METHOD_MIG), "1g.20gb fits"));
    run_release(&r);

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "bin");
    c = &r.d.choices[r.d.best];
    assert_string_equal(gpv_choice_profile(c), "3g.40gb");
    assert_non_null(
        strstr(select_text(c, GPV_METHOD_MIG),
               "20GiB needs 20480 MiB: 1g.20gb offers 19.62 GiB (20091 MiB): too small; 2g.20gb "
               "offers 19.62 GiB (20091 MiB): too small; 3g.40gb fits"));
    run_release(&r);

    /* The MIG-backed type on a 1g.20gb has no more memory than the instance. */
    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "binvm");
    c = &r.d.choices[r.d.best];
    assert_int_equal(r.d.method, GPV_METHOD_MIG_VGPU);
    assert_string_equal(gpv_choice_profile(c), "H100-3-40C");
    run_release(&r);
}

static void
test_rules_media_gets_a_media_profile_and_others_never_do(void **state)
{
    const struct fixture *fx = *state;
    static const char yaml[] =
        "version: 1\nlicenses: {ai_enterprise: true}\nfleet: [{gpu: h100-80gb, count: 1}]\n"
        "tenants:\n"
        "  - {name: media, memory: 8GB, media: true}\n"
        "  - {name: media-vm, memory: 8GB, media: true, isolation: hard, environment: vm}\n"
        "  - {name: plain, memory: 8GB}\n";
    struct run r;
    const struct gpv_choice *c;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "media");
    c = &r.d.choices[0];
    assert_int_equal(r.d.method, GPV_METHOD_MIG);
    assert_string_equal(gpv_choice_profile(c), "1g.10gb+me");
    assert_true(c->gpu->mig->profiles[c->mig_profile].media);
    run_release(&r);

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "media-vm");
    c = &r.d.choices[0];
    assert_int_equal(r.d.method, GPV_METHOD_MIG_VGPU);
    assert_string_equal(gpv_choice_profile(c), "H100-1-10CME");
    assert_string_equal(c->gpu->mig->profiles[c->mig_profile].name, "1g.10gb+me");
    run_release(&r);

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "plain");
    c = &r.d.choices[0];
    assert_string_equal(gpv_choice_profile(c), "1g.10gb");
    assert_false(c->gpu->mig->profiles[c->mig_profile].media);
    run_release(&r);
}

static void
test_rules_hard_isolated_migrating_vm_gets_mig_vgpu_only_when_licensed(void **state)
{
    const struct fixture *fx = *state;
    static const char *const tenant =
        "memory: 16GiB, isolation: hard, environment: vm, live_migration: true";
    char *yaml = site("ai_enterprise: true", "h100-80gb", tenant);
    struct run r;
    const struct gpv_choice *c;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "t");
    c = &r.d.choices[0];
    assert_int_equal(r.d.method, GPV_METHOD_MIG_VGPU);
    assert_int_equal(r.d.best, 0);
    assert_string_equal(gpv_choice_profile(c), "H100-1-20C");
    assert_string_equal(c->gpu->mig->profiles[c->mig_profile].name, "1g.20gb");
    assert_int_equal(c->gpu->vgpu->types[c->vgpu_type].mig_profile, c->mig_profile);
    assert_string_equal(c->order_rule->id, "hard-isolation-with-live-migration");
    assert_int_equal(c->rank, 0);
    assert_ptr_equal(c->decided_by, c->order_rule);
    assert_true(
        rejected_by(&r.d.rejected[GPV_METHOD_PASSTHROUGH], "live-migration-excludes-passthrough"));
    assert_true(rejected_by(&r.d.rejected[GPV_METHOD_MIG], "live-migration-excludes-bare-mig"));
    /* Hard isolation leaves the whole-GPU type, which loses only on preference. */
    assert_string_equal(c->no_shared[GPV_METHOD_VGPU]->id,
                        "hard-isolation-excludes-time-sliced-vgpu");
    assert_string_equal(c->gpu->vgpu->types[c->options[GPV_METHOD_VGPU].vgpu_type].name,
                        "H100-80C");
    assert_true(rejected_by(&r.d.rejected[GPV_METHOD_VGPU], "hard-isolation-with-live-migration"));
    assert_int_equal(r.d.rejected[GPV_METHOD_MIG_VGPU].n, 0);
    run_release(&r);
    free(yaml);

    yaml = site("vws: true", "h100-80gb", tenant);
    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "t");
    assert_int_equal(r.d.method, GPV_METHOD_NONE);
    assert_int_equal(r.d.best, -1);
    assert_int_equal(r.d.choices[0].method, GPV_METHOD_NONE);
    assert_int_equal(r.d.choices[0].mig_profile, -1);
    assert_true(
        rejected_by(&r.d.rejected[GPV_METHOD_PASSTHROUGH], "live-migration-excludes-passthrough"));
    assert_true(rejected_by(&r.d.rejected[GPV_METHOD_MIG], "live-migration-excludes-bare-mig"));
    assert_true(rejected_by(&r.d.rejected[GPV_METHOD_MIG], "vm-excludes-bare-mig"));
    assert_true(
        rejected_with(&r.d.rejected[GPV_METHOD_VGPU], "C by 'c-series-needs-ai-enterprise'"));
    assert_true(
        rejected_by(&r.d.rejected[GPV_METHOD_MIG_VGPU], "mig-backed-vgpu-needs-ai-enterprise"));
    run_release(&r);
    free(yaml);
}

static void
test_rules_without_a_licence_vgpu_is_rejected_with_the_series_rules(void **state)
{
    const struct fixture *fx = *state;
    char *yaml = site("vapps: true", "l40s", "memory: 8GiB, environment: vm");
    struct run r;
    const struct gpv_choice *c;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, yaml, "t");
    c = &r.d.choices[0];
    assert_int_equal(r.d.method, GPV_METHOD_PASSTHROUGH);
    assert_int_equal(c->gpus, 1);
    assert_int_equal(c->mig_profile, -1);
    assert_int_equal(c->vgpu_type, -1);
    assert_null(gpv_choice_profile(c));
    assert_int_equal(c->series, 0u);
    assert_true(
        rejected_with(&r.d.rejected[GPV_METHOD_VGPU], "C by 'c-series-needs-ai-enterprise'"));
    assert_true(rejected_with(&r.d.rejected[GPV_METHOD_VGPU],
                              "Q by 'q-series-needs-vws' and 'compute-uses-c-series'"));
    run_release(&r);
    free(yaml);
}

static void
test_rules_compute_needs_a_fixed_share_or_more_slices(void **state)
{
    const struct fixture *fx = *state;
    static const struct {
        const char *gpu, *tenant, *profile;
    } cases[] = {
        {"l40s", "memory: 4GiB, compute: 0.25, environment: vm", "L40S-12C"},
        {"l40s", "memory: 4GiB, compute: 0.3, environment: vm", "L40S-16C"},
        {"l40s", "memory: 4GiB, compute: 0.4, environment: vm", "L40S-24C"},
        {"l40s", "memory: 4GiB, environment: vm", "L40S-4C"},
        {"h100-80gb", "memory: 18GiB, compute: 25%", "2g.20gb"},
        {"h100-80gb", "memory: 18GiB, compute: 0.14", "1g.20gb"},
        {"h100-80gb", "memory: 1GiB, compute: 0.5", "4g.40gb"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml = site("ai_enterprise: true", cases[i].gpu, cases[i].tenant);
        struct run r;

        memset(&r, 0, sizeof(r));
        decide(&r, fx, yaml, "t");
        assert_string_equal(gpv_choice_profile(&r.d.choices[0]), cases[i].profile);
        run_release(&r);
        free(yaml);
    }
}

static void
test_rules_hard_isolation_skips_mig_backed_types_that_time_slice_an_instance(void **state)
{
    const struct fixture *fx = *state;
    char *hard = site("ai_enterprise: true", "rtx-pro-6000",
                      "memory: 8GiB, isolation: hard, environment: vm");
    char *soft = site("ai_enterprise: true", "rtx-pro-6000", "memory: 8GiB, environment: vm");
    struct run r;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, hard, "t");
    assert_int_equal(r.d.method, GPV_METHOD_MIG_VGPU);
    assert_string_equal(gpv_choice_profile(&r.d.choices[0]), "DC-1-24C");
    assert_non_null(strstr(select_text(&r.d.choices[0], GPV_METHOD_MIG_VGPU),
                           "'hard-isolation-excludes-time-sliced-vgpu' leaves only types that "
                           "hold a GPU instance alone"));
    run_release(&r);
    memset(&r, 0, sizeof(r));
    decide(&r, fx, soft, "t");
    assert_int_equal(r.d.method, GPV_METHOD_MIG_VGPU);
    assert_string_equal(gpv_choice_profile(&r.d.choices[0]), "DC-1-8C");
    run_release(&r);
    free(hard);
    free(soft);
}

static void
test_rules_passthrough_takes_as_many_gpus_as_the_memory_needs(void **state)
{
    const struct fixture *fx = *state;
    char *auto_gpus = site("", "h100-80gb", "memory: 120GiB");
    char *too_few = site("", "h100-80gb", "memory: 100GiB, gpus: 1");
    char *several = site("", "h100-80gb", "gpus: 4");
    struct run r;

    memset(&r, 0, sizeof(r));
    decide(&r, fx, auto_gpus, "t");
    assert_int_equal(r.d.method, GPV_METHOD_PASSTHROUGH);
    assert_int_equal(r.d.choices[0].gpus, 2);
    assert_true(r.d.choices[0].share > 1.99 && r.d.choices[0].share < 2.01);
    assert_true(rejected_by(&r.d.rejected[GPV_METHOD_MIG], "memory-above-one-gpu"));
    run_release(&r);

    memset(&r, 0, sizeof(r));
    decide(&r, fx, too_few, "t");
    assert_int_equal(r.d.method, GPV_METHOD_NONE);
    assert_true(rejected_with(&r.d.rejected[GPV_METHOD_PASSTHROUGH],
                              "1 x h100-80gb hold 80.00 GiB: too small"));
    run_release(&r);

    memset(&r, 0, sizeof(r));
    decide(&r, fx, several, "t");
    assert_int_equal(r.d.method, GPV_METHOD_PASSTHROUGH);
    assert_int_equal(r.d.choices[0].gpus, 4);
    assert_int_equal(r.d.choices[0].options[GPV_METHOD_PASSTHROUGH].gpus, 4);
    run_release(&r);
    free(auto_gpus);
    free(too_few);
    free(several);
}

static void
test_rules_choices_are_ordered_best_first_by_rank_then_cost(void **state)
{
    const struct fixture *fx = *state;
    static const char with_cost[] =
        "version: 1\nlicenses: {ai_enterprise: true}\n"
        "fleet: [{gpu: h100-80gb, count: 1, cost_per_hour: 3.2}, {gpu: l40s, count: 1, "
        "cost_per_hour: 1.1}]\n"
        "tenants:\n"
        "  - {name: pod, memory: 9GB, environment: vm}\n"
        "  - {name: secure, memory: 20GB, isolation: hard}\n"
        "  - {name: stuck, memory: 20GB, isolation: hard, environment: vm, live_migration: "
        "true, gpu: l40s}\n";
    struct run r;
    size_t i;

    /* Both models put their first choice first; the L40S vGPU is cheaper per replica. */
    memset(&r, 0, sizeof(r));
    decide(&r, fx, with_cost, "pod");
    assert_int_equal(r.d.nchoices, 2);
    assert_string_equal(r.d.choices[0].gpu->id, "l40s");
    assert_int_equal(r.d.method, GPV_METHOD_VGPU);
    assert_true(r.d.choices[0].cost_per_hour > 1.09 && r.d.choices[0].cost_per_hour < 1.11);
    assert_int_equal(r.d.choices[1].method, GPV_METHOD_MIG_VGPU);
    for (i = 1; i < r.d.nchoices; i++)
        assert_true(gpv_choice_cmp(&r.d.choices[i - 1], &r.d.choices[i]) < 0);
    run_release(&r);

    /* Hard isolation: MIG on the H100 (first in the order) beats passthrough on the L40S. */
    memset(&r, 0, sizeof(r));
    decide(&r, fx, with_cost, "secure");
    assert_string_equal(r.d.choices[0].gpu->id, "h100-80gb");
    assert_int_equal(r.d.choices[0].rank, 0);
    assert_int_equal(r.d.choices[1].method, GPV_METHOD_PASSTHROUGH);
    assert_int_equal(r.d.choices[1].rank, 2);
    run_release(&r);

    /* Pinned: one candidate only. Hard isolation and live migration on an L40S leave only the
       whole-GPU vGPU type (no neighbours); the order wanted mig-vgpu, which the model lacks, so
       the rule that removed it decided. */
    memset(&r, 0, sizeof(r));
    decide(&r, fx, with_cost, "stuck");
    assert_int_equal(r.d.nchoices, 1);
    assert_int_equal(r.d.method, GPV_METHOD_VGPU);
    assert_string_equal(gpv_choice_profile(&r.d.choices[0]), "L40S-48C");
    assert_int_equal(r.d.choices[0].rank, 3);
    assert_string_equal(r.d.choices[0].order_rule->id, "hard-isolation-with-live-migration");
    assert_string_equal(r.d.choices[0].decided_by->id, "gpu-without-mig");
    run_release(&r);
}

static void
test_rules_candidates_follow_pin_then_only_then_fleet_then_database(void **state)
{
    const struct fixture *fx = *state;
    static const char yaml[] = "version: 1\n"
                               "fleet: [{gpu: l40s, count: 1, cost_per_hour: 2}, {gpu: l40s, "
                               "count: 1, cost_per_hour: 1}, {gpu: a30, count: 1}]\n"
                               "tenants: [{name: a, memory: 1GiB}, {name: b, memory: 1GiB, "
                               "gpu: a30}]\n";
    struct gpv_tenants f;
    struct gpv_candidate *c = NULL;
    struct gpv_error err;
    const struct gpv_gpu *only[2];
    size_t n;

    assert_int_equal(gpv_tenants_load_mem(&f, yaml, strlen(yaml), "t.yaml", &fx->db, &err), 0);
    n = gpv_candidates(&c, &f, &f.tenants[0], &fx->db, NULL, 0);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].gpu->id, "l40s");
    assert_true(c[0].cost_per_hour > 0.99 && c[0].cost_per_hour < 1.01);
    assert_string_equal(c[1].gpu->id, "a30");
    assert_true(c[1].cost_per_hour < 0);
    free(c);
    n = gpv_candidates(&c, &f, &f.tenants[1], &fx->db, NULL, 0);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].gpu->id, "a30");
    free(c);
    only[0] = gpv_db_find(&fx->db, "h100-80gb");
    only[1] = only[0];
    n = gpv_candidates(&c, &f, &f.tenants[0], &fx->db, only, 2);
    assert_int_equal(n, 1);
    assert_ptr_equal(c[0].gpu, only[0]);
    free(c);
    n = gpv_candidates(&c, NULL, &f.tenants[0], &fx->db, NULL, 0);
    assert_int_equal(n, fx->db.ngpus);
    assert_true(c[0].sizing && c[n - 1].sizing);
    free(c);
    n = gpv_candidates(&c, &f, &f.tenants[0], &fx->db, NULL, 0);
    assert_false(c[0].sizing);
    free(c);
    gpv_tenants_release(&f);
}

/* Without a fleet, equal ranks go to the least GPU memory per replica; with one, the smaller
 * share, as before. */
static void
test_rules_sizing_prefers_the_smallest_adequate_board(void **state)
{
    const struct fixture *fx = *state;
    struct gpv_choice small, big;

    memset(&small, 0, sizeof(small));
    memset(&big, 0, sizeof(big));
    small.gpu = gpv_db_find(&fx->db, "a30");
    big.gpu = gpv_db_find(&fx->db, "b200");
    assert_non_null(small.gpu);
    assert_non_null(big.gpu);
    small.method = big.method = GPV_METHOD_MIG;
    small.cost_per_hour = big.cost_per_hour = -1;
    small.share = 1.0; /* 24 GB */
    big.share = 0.15;  /* 27 GB of 180 */
    assert_true(gpv_choice_cmp(&big, &small) < 0);
    small.sizing = big.sizing = true;
    assert_true(gpv_choice_cmp(&small, &big) < 0);
    big.rank = 0;
    small.rank = 1;
    assert_true(gpv_choice_cmp(&big, &small) < 0);
}

static void
test_rules_no_candidates_means_no_method(void **state)
{
    const struct fixture *fx = *state;
    struct gpv_tenant t;
    struct gpv_licenses lic = {false, false, false, false};
    struct gpv_decision d;

    gpv_tenant_init(&t);
    t.name = (char *)"hand-made";
    t.memory_mib = 1024;
    gpv_decide(&d, &fx->rules, &t, &lic, NULL, 0);
    assert_int_equal(d.method, GPV_METHOD_NONE);
    assert_int_equal(d.best, -1);
    assert_int_equal(d.nchoices, 0);
    gpv_decision_release(&d);
}

static void
test_rules_method_names_round_trip(void **state)
{
    enum gpv_method m, back;

    (void)state;
    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_MIG_VGPU; m++) {
        assert_true(gpv_method_parse(&back, gpv_method_name(m)));
        assert_int_equal(back, m);
    }
    assert_string_equal(gpv_method_name(GPV_METHOD_MIG_VGPU), "mig-vgpu");
    assert_string_equal(gpv_method_name(GPV_METHOD_NONE), "none");
    assert_false(gpv_method_parse(&back, "none"));
    assert_false(gpv_method_parse(&back, "MIG"));
}

/* A rules file with one rule per condition form, to check both formatting and evaluation. */
static const char lang[] =
    "version: 1\n"
    "sources: [{id: s, title: t}]\n"
    "rules:\n"
    "  - {id: a, phase: exclude, exclude: [vgpu], reason: r, source: s,\n"
    "     when: {all: [{tenant.isolation: hard}, {gpu.mig: true}]}}\n"
    "  - {id: b, phase: exclude, exclude: [vgpu], reason: r, source: s,\n"
    "     when: {any: [{tenant.workload: [vdi, graphics]}, {not: {license.vws: false}}]}}\n"
    "  - {id: c, phase: exclude, exclude: [vgpu], reason: r, source: s,\n"
    "     when: {tenant.memory_mib: {gt: gpu.mig_max_memory_mib}}}\n"
    "  - {id: d, phase: exclude, exclude: [vgpu], reason: r, source: s,\n"
    "     when: {tenant.replicas: {ge: 3}, tenant.environment: {ne: vm}}}\n"
    "  - {id: e, phase: exclude, exclude_series: [C], reason: r, source: s,\n"
    "     when: {gpu.architecture: {in: [hopper, blackwell]}}}\n"
    "  - {id: f, phase: exclude, exclude: [mig], reason: r, source: s,\n"
    "     when: {tenant.compute: {le: 0.5}}}\n"
    "  - {id: g, phase: exclude, exclude: [mig], reason: r, source: s}\n";

static void
test_rules_conditions_read_as_people_write_them(void **state)
{
    static const char *const want[] = {
        "tenant.isolation is hard and gpu.mig",
        "tenant.workload in [vdi, graphics] or not not license.vws",
        "tenant.memory_mib > gpu.mig_max_memory_mib",
        "tenant.replicas >= 3 and tenant.environment is not vm",
        "gpu.architecture in [hopper, blackwell]",
        "tenant.compute <= 0.5",
        "always",
    };
    struct gpv_ruleset rs;
    struct gpv_error err;
    size_t i;

    (void)state;
    assert_int_equal(gpv_rules_load_mem(&rs, lang, strlen(lang), "lang.yaml", &err), 0);
    assert_int_equal(rs.nrules, 7);
    for (i = 0; i < rs.nrules; i++) {
        char *s = gpv_cond_format(rs.rules[i].when);

        assert_string_equal(s, want[i]);
        free(s);
    }
    assert_int_equal(rs.rules[4].exclude_series, 1u << GPV_SERIES_C);
    assert_int_equal(rs.rules[0].line, 4);
    gpv_rules_release(&rs);
}

static void
test_rules_condition_language_evaluates_each_form(void **state)
{
    const struct fixture *fx = *state;
    static const char yaml[] =
        "version: 1\nlicenses: {vws: true}\nfleet: [{gpu: h100-80gb, count: 1}, {gpu: l40s, "
        "count: 1}]\n"
        "tenants: [{name: t, memory: 80GiB, replicas: 3, isolation: hard, compute: 0.5}]\n";
    static const struct {
        const char *gpu;
        bool held[7];
    } want[] = {
        {"h100-80gb", {true, true, true, true, true, true, true}},
        {"l40s", {false, true, true, true, false, true, true}},
    };
    struct gpv_ruleset rs;
    struct gpv_error err;
    struct run r;
    size_t i, k;

    assert_int_equal(gpv_rules_load_mem(&rs, lang, strlen(lang), "lang.yaml", &err), 0);
    memset(&r, 0, sizeof(r));
    decide_with(&r, fx, &rs, yaml, "t");
    for (i = 0; i < 2; i++) {
        const struct gpv_choice *c = choice_on(&r.d, want[i].gpu);

        assert_non_null(c);
        for (k = 0; k < 7; k++)
            assert_int_equal(c->trace[k].matched, want[i].held[k]);
        /* No prefer rule: the default order. */
        assert_null(c->order_rule);
        assert_int_equal(c->order[0], GPV_METHOD_VGPU);
        assert_int_equal(c->order[3], GPV_METHOD_PASSTHROUGH);
    }
    run_release(&r);
    gpv_rules_release(&rs);
}

static const struct {
    const char *rules, *error;
} bad_rules[] = {
    {"  - {id: a, phase: exclude, exclude: [vgpu], reason: r, source: s, when: "
     "{tenant.isolaton: hard}}\n",
     "r.yaml:4:75: error: unknown field 'tenant.isolaton' (did you mean 'tenant.isolation'?); "
     "docs/rules.md lists the fields"},
    {"  - {id: a, phase: exclude, exclude: [vgpuu], reason: r, source: s}\n",
     "r.yaml:4:39: error: unknown method 'vgpuu' (did you mean 'vgpu'?); use passthrough, vgpu, "
     "mig, mig-vgpu, time-slicing or mps"},
    {"  - {id: a, phase: exclude, prefer: [mig], reason: r, source: s}\n",
     "r.yaml:4:37: error: rule 'a' is in phase exclude: it takes 'exclude', 'exclude_series' or "
     "'exclude_shared', not 'prefer'"},
    {"  - {id: a, phase: prefer, exclude: [mig], reason: r, source: s}\n",
     "r.yaml:4:37: error: rule 'a' is in phase prefer: it takes 'prefer', not 'exclude'"},
    {"  - {id: a, phase: prefer, reason: r, source: s}\n",
     "r.yaml:4:5: error: missing key 'prefer' in rule 'a'"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: t}\n",
     "r.yaml:4:64: error: unknown source 't' (did you mean 's'?); declare it under 'sources'"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: []}\n",
     "r.yaml:4:64: error: 'source' of rule 'a' is empty"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s}\n"
     "  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s}\n",
     "r.yaml:5:10: error: duplicate rule id 'a' (first at line 4)"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.gpus: {more: 1}}}\n",
     "r.yaml:4:88: error: unknown operator 'more'; use eq, ne, lt, le, gt, ge or in"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.isolation: hrad}}\n",
     "r.yaml:4:92: error: unknown value 'hrad' for tenant.isolation (did you mean 'hard'?); use "
     "none, soft or hard"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.media: {lt: 1}}}\n",
     "r.yaml:4:88: error: tenant.media is true or false: compare it with eq or ne, not 'lt'"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.isolation: {gt: soft}}}\n",
     "r.yaml:4:92: error: tenant.isolation is a name: compare it with eq, ne or in, not 'gt'"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.gpus: many}}\n",
     "r.yaml:4:87: error: tenant.gpus is a number: compare it with a number or a numeric field"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.gpus: {gt: gpu.mig}}}\n",
     "r.yaml:4:92: error: gpu.mig is not a number, so tenant.gpus cannot be compared with it"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.gpus: {lt: 1, gt: 3}}}\n",
     "r.yaml:4:87: error: a comparison of tenant.gpus takes one operator (eq, ne, lt, le, gt, ge, "
     "in), not 2"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: {all: []}}\n",
     "r.yaml:4:79: error: 'all' takes a non-empty list of conditions"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: [x]}\n",
     "r.yaml:4:73: error: a condition is a mapping like {tenant.isolation: hard}, {all: [...]}, "
     "{any: [...]} or {not: ...}"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, when: "
     "{tenant.workload: {in: []}}}\n",
     "r.yaml:4:96: error: 'in' takes a non-empty list of values for tenant.workload"},
    {"  - {id: a, phase: exclude, exclude_series: [C, C], reason: r, source: s}\n",
     "r.yaml:4:49: error: series 'C' is listed twice in 'exclude_series' of rule 'a'"},
    {"  - {id: a, phase: exclude, exclude_series: [X], reason: r, source: s}\n",
     "r.yaml:4:46: error: unknown vGPU series 'X'; use A, B, C or Q"},
    {"  - {id: A1, phase: exclude, exclude: [mig], reason: r, source: s}\n",
     "r.yaml:4:10: error: rule id must be 1 to 64 lowercase letters, digits or '-'"},
    {"  - {id: a, phase: later, exclude: [mig], reason: r, source: s}\n",
     "r.yaml:4:20: error: unknown phase 'later'; use exclude or prefer"},
    {"  - {id: a, phase: exclude, reason: r, source: s}\n",
     "r.yaml:4:5: error: rule 'a' is in phase exclude but excludes nothing: give 'exclude', "
     "'exclude_series' or 'exclude_shared'"},
    {"  - {id: a, phase: exclude, exclude_shared: [mig], reason: r, source: s}\n",
     "r.yaml:4:46: error: 'exclude_shared' of rule 'a' lists 'mig': only vgpu and mig-vgpu have "
     "shared types"},
    {"  - {id: a, phase: exclude, exclude: [], reason: r, source: s}\n",
     "r.yaml:4:38: error: 'exclude' of rule 'a' is empty"},
    {"  - {id: a, phase: exclude, exclude: [mig], reason: r, source: s, colour: red}\n",
     "r.yaml:4:67: error: unknown key 'colour' in rule 'a'"},
};

static void
test_rules_loader_rejects_each_bad_rule_with_its_position(void **state)
{
    size_t i, failures = 0;

    (void)state;
    for (i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
        struct gpv_ruleset rs;
        struct gpv_error err;
        char text[2048], msg[2048];
        int rc;

        snprintf(text, sizeof(text), "version: 1\nsources: [{id: s, title: t}]\nrules:\n%s",
                 bad_rules[i].rules);
        gpv_error_init(&err);
        rc = gpv_rules_load_mem(&rs, text, strlen(text), "r.yaml", &err);
        gpv_error_format(&err, msg, sizeof(msg));
        if (rc != GPV_EINPUT || strcmp(msg, bad_rules[i].error) || rs.nrules || rs.rules) {
            fprintf(stderr, "case %zu:\n  got  %s\n  want %s\n", i, msg, bad_rules[i].error);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void
test_rules_loader_rejects_bad_files(void **state)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"version: 2\nsources: []\nrules: []\n",
         "r.yaml:1:10: error: unsupported version 2 (this gpuvplan reads version 1)"},
        {"version: 1\nsources: []\nrules: []\n", "r.yaml:3:8: error: 'rules' is empty"},
        {"version: 1\nsources: [{id: s, title: t}, {id: s, title: u}]\nrules: []\n",
         "r.yaml:2:35: error: duplicate source id 's'"},
        {"", "r.yaml:1:1: error: the rules file is empty: it needs 'version', 'sources' and "
             "'rules'"},
        {"version: 1\nsources: []\n", "r.yaml:1:1: error: missing key 'rules' in the rules file"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gpv_ruleset rs;
        struct gpv_error err;
        char msg[2048];

        gpv_error_init(&err);
        assert_int_equal(
            gpv_rules_load_mem(&rs, cases[i].text, strlen(cases[i].text), "r.yaml", &err),
            GPV_EINPUT);
        gpv_error_format(&err, msg, sizeof(msg));
        assert_string_equal(msg, cases[i].error);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_each_rule_holds_where_it_should_and_does_what_it_says),
        cmocka_unit_test(test_rules_every_embedded_rule_has_a_case_and_declared_sources),
        cmocka_unit_test(test_rules_a_plain_tenant_matches_only_the_general_rules),
        cmocka_unit_test(test_rules_pods_without_isolation_time_slice_five_to_a_1g10gb_on_h100),
        cmocka_unit_test(
            test_rules_spread_pods_and_pods_that_fill_an_instance_keep_a_bare_mig_instance),
        cmocka_unit_test(test_rules_20gb_fits_1g20gb_but_20gib_needs_3g40gb),
        cmocka_unit_test(test_rules_media_gets_a_media_profile_and_others_never_do),
        cmocka_unit_test(test_rules_hard_isolated_migrating_vm_gets_mig_vgpu_only_when_licensed),
        cmocka_unit_test(test_rules_without_a_licence_vgpu_is_rejected_with_the_series_rules),
        cmocka_unit_test(test_rules_compute_needs_a_fixed_share_or_more_slices),
        cmocka_unit_test(
            test_rules_hard_isolation_skips_mig_backed_types_that_time_slice_an_instance),
        cmocka_unit_test(test_rules_passthrough_takes_as_many_gpus_as_the_memory_needs),
        cmocka_unit_test(test_rules_choices_are_ordered_best_first_by_rank_then_cost),
        cmocka_unit_test(test_rules_candidates_follow_pin_then_only_then_fleet_then_database),
        cmocka_unit_test(test_rules_no_candidates_means_no_method),
        cmocka_unit_test(test_rules_method_names_round_trip),
        cmocka_unit_test(test_rules_conditions_read_as_people_write_them),
        cmocka_unit_test(test_rules_condition_language_evaluates_each_form),
        cmocka_unit_test(test_rules_loader_rejects_each_bad_rule_with_its_position),
        cmocka_unit_test(test_rules_loader_rejects_bad_files),
        cmocka_unit_test(test_rules_sizing_prefers_the_smallest_adequate_board),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
