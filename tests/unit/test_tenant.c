#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/tenant.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
setup_db(void **state)
{
    static struct gpv_db db;
    struct gpv_error err;

    gpv_db_init(&db);
    if (gpv_db_load_embedded(&db, &err) != 0)
        return -1;
    *state = &db;
    return 0;
}

static int
teardown_db(void **state)
{
    gpv_db_release(*state);
    return 0;
}

/* Loads text as "t.yaml"; returns the status and leaves the formatted error in msg. */
static int
load(struct gpv_tenants *out, const struct gpv_db *db, const char *text, char *msg, size_t n)
{
    struct gpv_error err;
    int rc;

    gpv_error_init(&err);
    rc = gpv_tenants_load_mem(out, text, strlen(text), "t.yaml", db, &err);
    gpv_error_format(&err, msg, n);
    return rc;
}

static void
test_tenant_loader_reads_every_key(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_tenants f;
    const struct gpv_tenant *t;
    char msg[2048];
    const char *text = "version: 1\n"
                       "licenses: {ai_enterprise: true, vws: true, vpc: false, vapps: true}\n"
                       "fleet:\n"
                       "  - {gpu: H100-SXM5-80GB, count: 4, cost_per_hour: 3.2, vgpu_mode: mixed}\n"
                       "  - {gpu: l40s, count: 2}\n"
                       "tenants:\n"
                       "  - name: fraud-scoring\n"
                       "    replicas: 4\n"
                       "    memory: 20GiB\n"
                       "    compute: 25%\n"
                       "    isolation: hard\n"
                       "    workload: training\n"
                       "    environment: vm\n"
                       "    live_migration: true\n"
                       "    media: true\n"
                       "    spread: true\n"
                       "    gpu: h100-80gb\n";

    assert_int_equal(load(&f, db, text, msg, sizeof(msg)), 0);
    assert_string_equal(f.name, "t.yaml");
    assert_int_equal(f.version, 1);
    assert_true(f.licenses.ai_enterprise);
    assert_true(f.licenses.vws);
    assert_false(f.licenses.vpc);
    assert_true(f.licenses.vapps);
    assert_int_equal(f.nfleet, 2);
    assert_string_equal(f.fleet[0].gpu->id, "h100-80gb");
    assert_int_equal(f.fleet[0].count, 4);
    assert_true(f.fleet[0].has_cost);
    assert_true(f.fleet[0].cost_per_hour > 3.19 && f.fleet[0].cost_per_hour < 3.21);
    assert_int_equal(f.fleet[0].vgpu_mode, GPV_VGPU_MIXED);
    assert_int_equal(f.fleet[0].line, 4);
    assert_false(f.fleet[1].has_cost);
    assert_int_equal(f.fleet[1].vgpu_mode, GPV_VGPU_EQUAL);
    assert_int_equal(f.ntenants, 1);
    t = &f.tenants[0];
    assert_string_equal(t->name, "fraud-scoring");
    assert_int_equal(t->replicas, 4);
    assert_true(t->memory == 20LL << 30);
    assert_int_equal(t->memory_mib, 20480);
    assert_string_equal(t->memory_text, "20GiB");
    assert_true(t->compute > 0.2499 && t->compute < 0.2501);
    assert_int_equal(t->isolation, GPV_ISO_HARD);
    assert_int_equal(t->workload, GPV_WL_TRAINING);
    assert_int_equal(t->environment, GPV_ENV_VM);
    assert_true(t->live_migration);
    assert_true(t->media);
    assert_true(t->spread);
    assert_false(t->full_gpu);
    assert_int_equal(t->gpus, 0);
    assert_string_equal(t->gpu->id, "h100-80gb");
    assert_int_equal(t->line, 7);
    assert_int_equal(t->col, 5);
    assert_int_equal(t->gpu_line, 17);
    assert_int_equal(gpv_tenants_find(&f, "fraud-scoring"), 0);
    assert_int_equal(gpv_tenants_find(&f, "nobody"), -1);
    gpv_tenants_release(&f);
    assert_int_equal(f.ntenants, 0);
}

static void
test_tenant_loader_applies_the_documented_defaults(void **state)
{
    struct gpv_tenants f;
    const struct gpv_tenant *t;
    char msg[2048];

    assert_int_equal(
        load(&f, *state, "version: 1\ntenants: [{name: web, memory: 1GiB}]\n", msg, sizeof(msg)),
        0);
    assert_false(f.licenses.ai_enterprise || f.licenses.vws || f.licenses.vpc || f.licenses.vapps);
    assert_int_equal(f.nfleet, 0);
    t = &f.tenants[0];
    assert_int_equal(t->replicas, 1);
    assert_true(t->compute == 0.0);
    assert_int_equal(t->isolation, GPV_ISO_SOFT);
    assert_int_equal(t->workload, GPV_WL_INFERENCE);
    assert_int_equal(t->environment, GPV_ENV_CONTAINER);
    assert_false(t->live_migration || t->full_gpu || t->media || t->spread);
    assert_int_equal(t->gpus, 0);
    assert_null(t->gpu);
    assert_false(gpv_tenant_whole_gpu(t));
    assert_int_equal(gpv_tenant_gpus(t), 0);
    gpv_tenants_release(&f);
}

static void
test_tenant_memory_is_decimal_or_binary_as_written(void **state)
{
    struct gpv_tenants f;
    char msg[2048];

    assert_int_equal(load(&f, *state,
                          "version: 1\ntenants:\n"
                          "  - {name: a, memory: 20GB}\n"
                          "  - {name: b, memory: 20 GiB}\n"
                          "  - {name: c, memory: 512MiB}\n"
                          "  - {name: d, memory: 1.5gb}\n",
                          msg, sizeof(msg)),
                     0);
    assert_true(f.tenants[0].memory == 20000000000LL);
    assert_int_equal(f.tenants[0].memory_mib, 19074); /* 19073.49 rounded up */
    assert_int_equal(f.tenants[1].memory_mib, 20480);
    assert_int_equal(f.tenants[2].memory_mib, 512);
    assert_int_equal(f.tenants[3].memory_mib, 1431);
    gpv_tenants_release(&f);
}

static void
test_tenant_whole_gpu_tenants_need_no_memory(void **state)
{
    struct gpv_tenants f;
    char msg[2048];

    assert_int_equal(load(&f, *state,
                          "version: 1\ntenants:\n"
                          "  - {name: a, gpus: 4}\n"
                          "  - {name: b, full_gpu: true}\n"
                          "  - {name: c, full_gpu: true, memory: 60GB}\n",
                          msg, sizeof(msg)),
                     0);
    assert_int_equal(gpv_tenant_gpus(&f.tenants[0]), 4);
    assert_int_equal(gpv_tenant_gpus(&f.tenants[1]), 1);
    assert_true(gpv_tenant_whole_gpu(&f.tenants[1]));
    assert_int_equal(f.tenants[0].memory_mib, 0);
    assert_null(f.tenants[0].memory_text);
    assert_int_equal(f.tenants[2].memory_mib, 57221);
    gpv_tenants_release(&f);
}

static void
test_tenant_enum_names_match_the_file_format(void **state)
{
    (void)state;
    assert_string_equal(gpv_isolation_name(GPV_ISO_HARD), "hard");
    assert_string_equal(gpv_isolation_name(GPV_ISO_NONE), "none");
    assert_string_equal(gpv_workload_name(GPV_WL_VDI), "vdi");
    assert_string_equal(gpv_workload_name(GPV_WL_DEV), "dev");
    assert_string_equal(gpv_environment_name(GPV_ENV_VM), "vm");
    assert_string_equal(gpv_vgpu_mode_name(GPV_VGPU_MIXED), "mixed");
}

static const struct {
    const char *text;
    const char *error;
} bad[] = {
    {"version: 1\ntenants:\n  - name: web\n    memroy: 20GiB\n",
     "t.yaml:4:5: error: unknown key 'memroy' in tenant 'web' (did you mean 'memory'?)"},
    {"version: 1\ntenants:\n  - name: web\n    memory: 20\n",
     "t.yaml:4:13: error: 'memory' of tenant 'web' is '20': a unit is missing: write 20GB "
     "(decimal) or 20GiB (binary)"},
    {"version: 1\ntenants:\n  - {name: web, memory: 20GX}\n",
     "t.yaml:3:25: error: 'memory' of tenant 'web' is '20GX': unknown unit: use B, KB, MB, GB, "
     "TB or KiB, MiB, GiB, TiB (or Kubernetes' k, M, G, T, Ki, Mi, Gi, Ti)"},
    {"version: 1\ntenants:\n  - {name: web, memory: 0GiB}\n",
     "t.yaml:3:25: error: 'memory' of tenant 'web' is '0GiB': memory must be more than zero"},
    {"version: 1\ntenants:\n  - {name: web, memory: [1GiB]}\n",
     "t.yaml:3:25: error: 'memory' of tenant 'web' must be a quantity with a unit, like 20GB or "
     "20GiB"},
    {"version: 1\ntenants:\n  - {name: web, memory: 1GiB}\n  - {name: api, memory: 1GiB}\n"
     "  - {name: web, memory: 1GiB}\n",
     "t.yaml:5:12: error: duplicate tenant name 'web' (first at line 3)"},
    {"version: 1\nfleet: [{gpu: h100-8gb, count: 1}]\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:15: error: unknown GPU 'h100-8gb' in the fleet (did you mean 'h100-80gb'?); "
     "`gpuvplan gpus` lists them"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, gpu: l40x}]\n",
     "t.yaml:2:42: error: unknown GPU 'l40x' in tenant 'web' (did you mean 'l40'?); `gpuvplan "
     "gpus` lists them"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, gpu: [l40s]}]\n",
     "t.yaml:2:42: error: 'gpu' of tenant 'web' must be a non-empty string, not a list"},
    {"version: 1\nfleet: [{gpu: b200, count: 1, vgpu_mode: mixed}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:42: error: 'vgpu_mode' of fleet entry 'b200' is 'mixed', but 'b200' "
     "has no mixed-size vGPU mode in the database"},
    {"version: 1\nfleet: [{gpu: gb300, count: 1, vgpu_mode: mixed}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:43: error: 'vgpu_mode' of fleet entry 'gb300' is 'mixed', but 'gb300' has no "
     "vGPU types in the database"},
    {"version: 1\nfleet: [{gpu: l40s, count: 1, vgpu_mode: mixd}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:42: error: 'vgpu_mode' of fleet entry 'l40s' must be equal or mixed, not 'mixd' "
     "(did you mean 'mixed'?)"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, isolation: hrad}]\n",
     "t.yaml:2:48: error: 'isolation' of tenant 'web' must be none, soft or hard, not 'hrad' "
     "(did you mean 'hard'?)"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, workload: gaming}]\n",
     "t.yaml:2:47: error: 'workload' of tenant 'web' must be training, inference, hpc, vdi, "
     "graphics or dev, not 'gaming'"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, environment: vms}]\n",
     "t.yaml:2:50: error: 'environment' of tenant 'web' must be container or vm, not 'vms' (did "
     "you mean 'vm'?)"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, isolation: [hard]}]\n",
     "t.yaml:2:48: error: 'isolation' of tenant 'web' must be none, soft or hard"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, replicas: 0}]\n",
     "t.yaml:2:47: error: 'replicas' of tenant 'web' is 0; it must be from 1 to 1000000"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, replicas: 1000001}]\n",
     "t.yaml:2:47: error: 'replicas' of tenant 'web' is 1000001; it must be from 1 to 1000000"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, replicas: 2.5}]\n",
     "t.yaml:2:47: error: 'replicas' of tenant 'web' must be a whole number, not '2.5'"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, compute: 1.5}]\n",
     "t.yaml:2:46: error: 'compute' of tenant 'web' is '1.5': a share of one GPU must be more "
     "than 0 and at most 1 (100%)"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, compute: 0}]\n",
     "t.yaml:2:46: error: 'compute' of tenant 'web' is '0': a share of one GPU must be more "
     "than 0 and at most 1 (100%)"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, compute: lots}]\n",
     "t.yaml:2:46: error: 'compute' of tenant 'web' is 'lots': expected a fraction of one GPU, "
     "like 0.25 or 25%"},
    {"version: 1\ntenants: [{name: web, gpus: 2, compute: 0.5}]\n",
     "t.yaml:2:41: error: 'compute' of tenant 'web' is a share of one GPU, but the tenant asks "
     "for whole GPUs (gpus: 2)"},
    {"version: 1\ntenants: [{name: web, full_gpu: true, compute: 0.5}]\n",
     "t.yaml:2:48: error: 'compute' of tenant 'web' is a share of one GPU, but the tenant asks "
     "for a whole GPU (full_gpu: true)"},
    {"version: 1\ntenants: [{name: web, gpus: 65}]\n",
     "t.yaml:2:29: error: 'gpus' of tenant 'web' is 65; it must be from 0 to 64"},
    {"version: 1\ntenants: [{name: web, gpus: -1}]\n",
     "t.yaml:2:29: error: 'gpus' of tenant 'web' is -1; it must be from 0 to 64"},
    {"version: 1\ntenants:\n  - name: web\n    isolation: hard\n",
     "t.yaml:3:5: error: missing key 'memory' in tenant 'web' (needed unless 'gpus' or "
     "'full_gpu' asks for whole GPUs)"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB}, {memory: 1GiB}]\n",
     "t.yaml:2:38: error: missing key 'name' in tenant 2"},
    {"version: 1\ntenants: [{name: \"web server\", memory: 1GiB}]\n",
     "t.yaml:2:18: error: tenant name must be 1 to 128 letters, digits, '.', '_' or '-'"},
    {"version: 2\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:1:10: error: unsupported version 2 (this gpuvplan reads version 1)"},
    {"tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:1:1: error: missing key 'version' in the tenants file"},
    {"version: 1\n", "t.yaml:1:1: error: missing key 'tenants' in the tenants file"},
    {"version: 1\ntenants: []\n",
     "t.yaml:2:10: error: 'tenants' is empty: list at least one tenant"},
    {"version: 1\ntenants: {name: web}\n",
     "t.yaml:2:10: error: 'tenants' of the tenants file must be a list, not a mapping"},
    {"version: 1\ntenants: [web]\n",
     "t.yaml:2:11: error: tenant 1 must be a mapping, not a scalar"},
    {"version: 1\nfleet: []\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:8: error: 'fleet' is empty: list GPUs, or leave it out to size a fleet"},
    {"version: 1\nfleet: [{gpu: l40s, count: 0}]\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:28: error: 'count' of fleet entry 'l40s' is 0; it must be from 1 to 1000000"},
    {"version: 1\nfleet: [{gpu: l40s}]\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:9: error: missing key 'count' in fleet entry 'l40s' (or give 'nodes' and "
     "'gpus_per_node')"},
    {"version: 1\nfleet: [{gpu: l40s, count: 1, cost_per_hour: -1}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:46: error: 'cost_per_hour' of fleet entry 'l40s' is -1; it must be from 0 to "
     "100000"},
    {"version: 1\nfleet: [{gpu: l40s, count: 1}]\ntenants: [{name: web, memory: 1GiB, gpu: "
     "h100-80gb}]\n",
     "t.yaml:3:42: error: tenant 'web' is pinned to 'h100-80gb', which is not in the fleet"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, live_migration: yes}]\n",
     "t.yaml:2:53: error: 'live_migration' of tenant 'web' must be true or false, not 'yes'"},
    {"version: 1\ntenant: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:1: error: unknown key 'tenant' in the tenants file (did you mean 'tenants'?)"},
    {"version: 1\nlicenses: {vwx: true}\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:12: error: unknown key 'vwx' in 'licenses' (did you mean 'vws'?)"},
    {"version: 1\nlicenses: [vws]\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:11: error: 'licenses' of the tenants file must be a mapping, not a list"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, memory: 2GiB}]\n",
     "t.yaml:2:37: error: duplicate key 'memory' (first at line 2)"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB\n",
     "t.yaml:3:1: error: did not find expected ',' or '}' while parsing a flow mapping"},
    {"version: 1\nx: &a [1]\ntenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:4: error: YAML anchors (&a) are not supported"},
    {"- 1\n", "t.yaml:1:1: error: the tenants file must be a mapping, not a list"},
    {"", "t.yaml:1:1: error: the tenants file is empty: it needs 'version: 1' and 'tenants'"},
    {"version: 1\nfleet: [{gpu: l40s, nodes: [a, b], gpus_per_node: 2, count: 3}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:61: error: 'count' of fleet entry 'l40s' is 3, but 2 nodes of 2 GPUs make 4; "
     "leave 'count' out or make them agree"},
    {"version: 1\nfleet: [{gpu: l40s, nodes: [a, b, a], gpus_per_node: 2}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:35: error: duplicate node name 'a' (first in the fleet entry at line 2)"},
    {"version: 1\nfleet: [{gpu: l40s, nodes: [gfx-1], gpus_per_node: 2},\n"
     "        {gpu: l40s, nodes: 2, node_prefix: gfx-, gpus_per_node: 2}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:3:28: error: duplicate node name 'gfx-1' (first in the fleet entry at line 2)"},
    {"version: 1\nfleet: [{gpu: l40s, count: 2, mig_strategy: single}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:45: error: fleet entry 'l40s' has no 'nodes': node keys (node_prefix, "
     "gpus_per_node, labels, mig_strategy) need them"},
    {"version: 1\nfleet: [{gpu: l40s, nodes: 2, gpus_per_node: 2, labels: {a: [b]}}]\n"
     "tenants: [{name: web, memory: 1GiB}]\n",
     "t.yaml:2:61: error: label 'a' of fleet entry 'l40s' must have a string value"},
    {"version: 1\ntenants: [{name: web, memory: 1GiB, spread: yes}]\n",
     "t.yaml:2:45: error: 'spread' of tenant 'web' must be true, false, gpu or node, not 'yes'"},
};

static void
test_tenant_loader_reads_nodes_labels_and_strategy(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_tenants f;
    char msg[2048];
    const char *text = "version: 1\n"
                       "fleet:\n"
                       "  - {gpu: h100-80gb, nodes: [hgx-01, hgx-02], gpus_per_node: 8,\n"
                       "     labels: {zone: b, example.com/team: ml}, mig_strategy: single}\n"
                       "  - {gpu: l40s, nodes: 3, node_prefix: gfx-, gpus_per_node: 4, count: 12}\n"
                       "  - {gpu: l40s, nodes: 1, gpus_per_node: 2}\n"
                       "  - {gpu: a100-80gb, count: 5}\n"
                       "tenants:\n"
                       "  - {name: a, memory: 1GiB, spread: node, replicas: 2}\n"
                       "  - {name: b, memory: 1GiB, spread: gpu}\n"
                       "  - {name: c, memory: 1GiB, spread: true}\n"
                       "  - {name: d, memory: 1GiB, spread: false}\n";

    assert_int_equal(load(&f, db, text, msg, sizeof(msg)), 0);
    assert_int_equal(f.nfleet, 4);
    assert_int_equal(f.fleet[0].nnodes, 2);
    assert_string_equal(f.fleet[0].nodes[1], "hgx-02");
    assert_int_equal(f.fleet[0].gpus_per_node, 8);
    assert_int_equal(f.fleet[0].count, 16);
    assert_int_equal(f.fleet[0].mig_strategy, GPV_MIG_SINGLE);
    /* Labels come sorted by key. */
    assert_int_equal(f.fleet[0].nlabels, 2);
    assert_string_equal(f.fleet[0].labels[0].key, "example.com/team");
    assert_string_equal(f.fleet[0].labels[0].value, "ml");
    assert_string_equal(f.fleet[0].labels[1].key, "zone");
    /* Numbered nodes: prefix and 1-based number, no padding. */
    assert_int_equal(f.fleet[1].nnodes, 3);
    assert_string_equal(f.fleet[1].nodes[0], "gfx-1");
    assert_string_equal(f.fleet[1].nodes[2], "gfx-3");
    assert_int_equal(f.fleet[1].count, 12);
    assert_int_equal(f.fleet[1].mig_strategy, GPV_MIG_MIXED);
    /* Without a prefix, the model id and a dash. */
    assert_string_equal(f.fleet[2].nodes[0], "l40s-1");
    assert_int_equal(f.fleet[3].nnodes, 0);
    assert_int_equal(f.fleet[3].gpus_per_node, 0);
    assert_true(f.tenants[0].spread && f.tenants[0].spread_nodes);
    assert_true(f.tenants[1].spread && !f.tenants[1].spread_nodes);
    assert_true(f.tenants[2].spread && !f.tenants[2].spread_nodes);
    assert_true(!f.tenants[3].spread && !f.tenants[3].spread_nodes);
    gpv_tenants_release(&f);
}

static void
test_tenant_kubernetes_names_follow_their_syntax(void **state)
{
    (void)state;
    assert_true(gpv_node_name_valid("hgx-01"));
    assert_true(gpv_node_name_valid("node1.rack-2.example.com"));
    assert_false(gpv_node_name_valid("Hgx-01"));
    assert_false(gpv_node_name_valid("-hgx"));
    assert_false(gpv_node_name_valid("hgx-"));
    assert_false(gpv_node_name_valid("a..b"));
    assert_false(gpv_node_name_valid(""));
    assert_false(gpv_node_name_valid("a_b"));
    assert_false(
        gpv_node_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_true(gpv_label_key_valid("zone"));
    assert_true(gpv_label_key_valid("nvidia.com/mig.config"));
    assert_true(gpv_label_key_valid("Team_A"));
    assert_false(gpv_label_key_valid("nvidia.com/"));
    assert_false(gpv_label_key_valid("/zone"));
    assert_false(gpv_label_key_valid("Nvidia.com/zone"));
    assert_false(gpv_label_key_valid("a b"));
    assert_true(gpv_label_value_valid(""));
    assert_true(gpv_label_value_valid("all-1g.10gb"));
    assert_false(gpv_label_value_valid("-x"));
    assert_false(gpv_label_value_valid("a/b"));
}

static void
test_tenant_loader_rejects_each_bad_file_with_its_position(void **state)
{
    size_t i, failures = 0;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct gpv_tenants f;
        char msg[2048];
        int rc = load(&f, *state, bad[i].text, msg, sizeof(msg));

        if (rc != GPV_EINPUT || strcmp(msg, bad[i].error) != 0 || f.ntenants || f.tenants ||
            f.nfleet) {
            fprintf(stderr, "case %zu:\n  got  %s\n  want %s\n", i, msg, bad[i].error);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void
test_tenant_loader_refuses_binary_bytes_and_huge_input(void **state)
{
    struct gpv_tenants f;
    struct gpv_error err;
    static const char bin[] = "version: 1\ntenants: [{name: w\x01, memory: 1GiB}]\n";
    size_t big = GPV_TENANTS_MAX_BYTES + 1;
    char *huge = calloc(big, 1);

    assert_non_null(huge);
    memset(huge, ' ', big);
    gpv_error_init(&err);
    assert_int_equal(gpv_tenants_load_mem(&f, bin, sizeof(bin) - 1, "t.yaml", *state, &err),
                     GPV_EINPUT);
    memcpy(huge, "version: 1\ntenants:\n", 20);
    assert_int_equal(gpv_tenants_load_mem(&f, huge, big, "t.yaml", *state, &err), GPV_EINPUT);
    /* At the first byte past the limit, on the third line. */
    assert_string_equal(err.msg, "file is larger than the 256 MiB limit");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, (int)(GPV_TENANTS_MAX_BYTES - 20) + 1);
    free(huge);
}

static void
test_tenant_enum_names_and_parsers_are_inverse(void **state)
{
    enum gpv_isolation iso;
    enum gpv_workload wl;
    enum gpv_environment env;
    enum gpv_vgpu_mode mode;
    int v;

    (void)state;
    for (v = GPV_ISO_NONE; v <= GPV_ISO_HARD; v++) {
        assert_true(gpv_isolation_parse(&iso, gpv_isolation_name((enum gpv_isolation)v)));
        assert_int_equal(iso, v);
    }
    for (v = GPV_WL_TRAINING; v <= GPV_WL_DEV; v++) {
        assert_true(gpv_workload_parse(&wl, gpv_workload_name((enum gpv_workload)v)));
        assert_int_equal(wl, v);
    }
    assert_true(gpv_environment_parse(&env, "vm"));
    assert_int_equal(env, GPV_ENV_VM);
    assert_true(gpv_vgpu_mode_parse(&mode, "mixed"));
    assert_int_equal(mode, GPV_VGPU_MIXED);
    iso = GPV_ISO_SOFT;
    assert_false(gpv_isolation_parse(&iso, "Hard"));
    assert_false(gpv_isolation_parse(&iso, NULL));
    assert_int_equal(iso, GPV_ISO_SOFT);
    assert_false(gpv_environment_parse(&env, "?"));
}

static void
test_tenant_licence_table_reads_and_sets_each_field(void **state)
{
    struct gpv_licenses lic;
    enum gpv_license l;

    (void)state;
    memset(&lic, 0, sizeof(lic));
    assert_string_equal(gpv_license_key(GPV_LIC_AI_ENTERPRISE), "ai_enterprise");
    assert_string_equal(gpv_license_title(GPV_LIC_VWS), "vWS");
    assert_string_equal(gpv_license_key(GPV_LIC_COUNT), "?");
    assert_true(gpv_license_parse(&l, "vapps"));
    assert_int_equal(l, GPV_LIC_VAPPS);
    assert_false(gpv_license_parse(&l, "vApps"));
    gpv_license_set(&lic, GPV_LIC_VPC, true);
    assert_true(lic.vpc);
    assert_false(lic.vws || lic.vapps || lic.ai_enterprise);
    assert_true(gpv_license_held(&lic, GPV_LIC_VPC));
    assert_false(gpv_license_held(&lic, GPV_LIC_VWS));
    assert_false(gpv_license_held(&lic, GPV_LIC_COUNT));
}

/* Every error of a file, in file order; the single-error loader returns the first of them. */
static void
test_tenant_loader_reports_every_error_in_file_order(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_error errs[GPV_TENANTS_ERRORS_MAX + 1];
    struct gpv_tenants f;
    char msg[2048];
    size_t n = 99;
    const char *nomem = "version: 1\ntenants: [{name: a}]\n";
    const char *good = "version: 1\ntenants: [{name: a, memory: 1GiB}]\n";
    const char *text = "version: 1\n"
                       "tenants:\n"
                       "  - {name: a, memory: 4GiB, isolation: hrad}\n"
                       "  - {name: b, memory: 4GiB}\n"
                       "  - {name: a, memory: 9}\n"
                       "  - {name: c, memory: 4GiB, workload: vdj}\n";

    assert_int_equal(gpv_tenants_load_all(&f, errs, &n, text, strlen(text), "t.yaml", db),
                     GPV_EINPUT);
    assert_int_equal(n, 4);
    assert_int_equal(f.ntenants, 0);
    assert_int_equal(errs[0].line, 3);
    assert_non_null(strstr(errs[0].msg, "'isolation' of tenant 'a'"));
    /* Same line: the name (column 12) before the memory (column 23). */
    assert_int_equal(errs[1].line, 5);
    assert_int_equal(errs[1].col, 12);
    assert_string_equal(errs[1].msg, "duplicate tenant name 'a' (first at line 3)");
    assert_int_equal(errs[2].line, 5);
    assert_non_null(strstr(errs[2].msg, "'memory' of tenant 'a' is '9'"));
    assert_int_equal(errs[3].line, 6);
    assert_non_null(strstr(errs[3].msg, "(did you mean 'vdi'?)"));
    assert_int_equal(load(&f, db, text, msg, sizeof(msg)), GPV_EINPUT);
    assert_non_null(strstr(msg, "t.yaml:3:"));
    assert_int_equal(gpv_tenants_load_all(&f, errs, &n, nomem, strlen(nomem), "t.yaml", db),
                     GPV_EINPUT);
    assert_int_equal(n, 1);
    assert_int_equal(gpv_tenants_load_all(&f, errs, &n, good, strlen(good), "t.yaml", db), 0);
    assert_int_equal(n, 0);
    gpv_tenants_release(&f);
}

static void
test_tenant_kinds_differ_in_requirements_not_in_names(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_tenants f;
    char msg[2048];
    const char *text =
        "version: 1\n"
        "tenants:\n"
        "  - {name: a, memory: 20GiB, isolation: hard, replicas: 2, spread: gpu}\n"
        "  - {name: b, isolation: hard, spread: true, replicas: 2, memory: 20GiB}\n"
        "  - {name: c, memory: 20480MiB, isolation: hard, replicas: 2, spread: gpu}\n"
        "  - {name: d, memory: 20GiB, replicas: 2, spread: gpu}\n"
        "  - {name: e, memory: 20GiB, isolation: hard, replicas: 2, gpu: l40s}\n"
        "  - {name: f, memory: 20GiB, isolation: hard, replicas: 2, spread: gpu, os: windows}\n";
    const struct gpv_tenant *t;
    size_t i;

    (void)state;
    assert_int_equal(load(&f, db, text, msg, sizeof(msg)), 0);
    t = f.tenants;
    /* A name, or keys in another order, do not change a decision. */
    assert_int_equal(gpv_tenant_kind_cmp(&t[0], &t[1]), 0);
    assert_true(gpv_tenant_kind_hash(&t[0]) == gpv_tenant_kind_hash(&t[1]));
    /* The same bytes written another way are another kind: traces quote what was written. */
    for (i = 2; i < 6; i++) {
        assert_int_not_equal(gpv_tenant_kind_cmp(&t[0], &t[i]), 0);
        assert_int_equal(gpv_tenant_kind_cmp(&t[0], &t[i]), -gpv_tenant_kind_cmp(&t[i], &t[0]));
    }
    gpv_tenants_release(&f);
}

/* The limits are errors where they are passed; a file under them loads as without them. */
static void
test_tenant_loader_stops_at_its_limits_where_they_are_passed(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_error errs[GPV_TENANTS_ERRORS_MAX + 1];
    struct gpv_tenants_limits lim = {0, 2};
    struct gpv_tenants f;
    size_t n = 99;
    const char *three = "version: 1\n"
                        "tenants:\n"
                        "  - {name: a, memory: 4GiB}\n"
                        "  - {name: b, memory: 4GiB, isolation: hrad}\n"
                        "  - {name: c, memory: 4GiB}\n";

    /* The third tenant is past the limit: the one error, the second tenant's not reported. */
    assert_int_equal(
        gpv_tenants_load_limited(&f, errs, &n, three, strlen(three), "t.yaml", db, &lim),
        GPV_EINPUT);
    assert_int_equal(n, 1);
    assert_int_equal(errs[0].line, 5);
    assert_int_equal(errs[0].col, 5);
    assert_string_equal(errs[0].msg, "more than 2 tenants: that is the limit of one file");
    assert_int_equal(f.ntenants, 0);
    /* Bytes: the first byte past the limit, the 21st of the third line. */
    lim.max_tenants = 0;
    lim.max_bytes = 40;
    assert_int_equal(
        gpv_tenants_load_limited(&f, errs, &n, three, strlen(three), "t.yaml", db, &lim),
        GPV_EINPUT);
    assert_int_equal(n, 1);
    assert_int_equal(errs[0].line, 3);
    assert_int_equal(errs[0].col, 21);
    assert_string_equal(errs[0].msg, "file is larger than the 40-byte limit");
    /* At the limits exactly: loaded. */
    lim.max_tenants = 3;
    three = "version: 1\ntenants: [{name: a, memory: 1GB}, {name: b, memory: 1GB},"
            " {name: c, memory: 1GB}]\n";
    lim.max_bytes = strlen(three);
    assert_int_equal(
        gpv_tenants_load_limited(&f, errs, &n, three, strlen(three), "t.yaml", db, &lim), 0);
    assert_int_equal(f.ntenants, 3);
    gpv_tenants_release(&f);
}

/* A file whose fleet follows its tenants reads as if it came first, errors and all. */
static void
test_tenant_loader_reads_tenants_before_their_fleet(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_error errs[GPV_TENANTS_ERRORS_MAX + 1];
    struct gpv_tenants f;
    size_t n = 99;
    const char *after = "version: 1\n"
                        "tenants:\n"
                        "  - {name: a, memory: 10GB, gpu: l40s}\n"
                        "  - {name: b, memory: 5GB, spread: node, replicas: 2}\n"
                        "fleet:\n"
                        "  - {gpu: h100-80gb, nodes: [n1, n2], gpus_per_node: 2}\n";
    const char *good = "tenants:\n"
                       "  - {name: a, memory: 10GB, gpu: h100-80gb}\n"
                       "  - {name: b, memory: 5GB, spread: node, replicas: 2}\n"
                       "fleet:\n"
                       "  - {gpu: h100-80gb, nodes: [n1, n2], gpus_per_node: 2}\n"
                       "licenses: {vws: true}\n"
                       "version: 1\n";

    /* The pin is checked against the fleet that comes after it; spread: node is allowed. */
    assert_int_equal(gpv_tenants_load_all(&f, errs, &n, after, strlen(after), "t.yaml", db),
                     GPV_EINPUT);
    assert_int_equal(n, 1);
    assert_int_equal(errs[0].line, 3);
    assert_string_equal(errs[0].msg, "tenant 'a' is pinned to 'l40s', which is not in the fleet");
    assert_int_equal(gpv_tenants_load_all(&f, errs, &n, good, strlen(good), "t.yaml", db), 0);
    assert_int_equal(f.ntenants, 2);
    assert_int_equal(f.nfleet, 1);
    assert_true(f.licenses.vws);
    assert_true(f.tenants[1].spread_nodes);
    assert_string_equal(f.tenants[1].name, "b");
    gpv_tenants_release(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenant_loader_reads_every_key),
        cmocka_unit_test(test_tenant_loader_applies_the_documented_defaults),
        cmocka_unit_test(test_tenant_memory_is_decimal_or_binary_as_written),
        cmocka_unit_test(test_tenant_whole_gpu_tenants_need_no_memory),
        cmocka_unit_test(test_tenant_enum_names_match_the_file_format),
        cmocka_unit_test(test_tenant_enum_names_and_parsers_are_inverse),
        cmocka_unit_test(test_tenant_licence_table_reads_and_sets_each_field),
        cmocka_unit_test(test_tenant_loader_reads_nodes_labels_and_strategy),
        cmocka_unit_test(test_tenant_kubernetes_names_follow_their_syntax),
        cmocka_unit_test(test_tenant_loader_rejects_each_bad_file_with_its_position),
        cmocka_unit_test(test_tenant_loader_refuses_binary_bytes_and_huge_input),
        cmocka_unit_test(test_tenant_loader_reports_every_error_in_file_order),
        cmocka_unit_test(test_tenant_kinds_differ_in_requirements_not_in_names),
        cmocka_unit_test(test_tenant_loader_stops_at_its_limits_where_they_are_passed),
        cmocka_unit_test(test_tenant_loader_reads_tenants_before_their_fleet),
    };

    return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
