#include "gpuvplan/export.h"
#include "gpuvplan/lint.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/yamldoc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN "tests/data/export/plan.json"

/* Reads the fixture plan (tests/data/export/tenants.yaml's) into *site. */
static void
read_site(struct gpv_export_site *site, struct gpv_val **plan)
{
    struct gpv_error err;
    char *buf = xmalloc(1 << 20);
    size_t len;
    FILE *f = fopen(PLAN, "rb");

    assert_non_null(f);
    len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    gpv_error_init(&err);
    assert_int_equal(gpv_val_parse_json(plan, buf, len, PLAN, &err), 0);
    free(buf);
    assert_int_equal(gpv_export_site_read(site, *plan, &db, PLAN, &err), 0);
}

static char *
export_text(const struct gpv_export_site *site, enum gpv_export_target t)
{
    struct gpv_buf b;

    gpv_buf_init(&b);
    gpv_export_write(&b, site, t);
    return gpv_buf_detach(&b);
}

static struct gpv_ydoc *
parse(const char *text, const char *name)
{
    struct gpv_ydoc *doc = NULL;
    struct gpv_error err;

    gpv_error_init(&err);
    assert_int_equal(gpv_ydoc_parse(&doc, text, strlen(text), name, &err), 0);
    assert_non_null(doc);
    return doc;
}

static const struct gpv_export_node *
node(const struct gpv_export_site *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->nnodes; i++)
        if (!strcmp(s->nodes[i].name, name))
            return &s->nodes[i];
    fail_msg("no node '%s'", name);
    return NULL;
}

/* The model a device-filter id selects. */
static const struct gpv_gpu *
model_of(const struct gpv_lint_pciid *id)
{
    char s[16];

    snprintf(s, sizeof(s), "0x%04X", id->device);
    return gpu(s);
}

/* Marks the indexes an entry selects in seen[] (ngpus of them); fails on a repeat. */
static void
mark(bool *seen, size_t ngpus, const struct gpv_lint_devices *d)
{
    size_t i;

    for (i = 0; i < (d->all ? ngpus : d->n); i++) {
        size_t k = d->all ? i : (size_t)d->idx[i];

        assert_true(k < ngpus);
        assert_false(seen[k]);
        seen[k] = true;
    }
}

static void
test_export_names_are_dns_labels_stable_and_distinct(void **state)
{
    char long_name[200], *a, *b, *c;

    (void)state;
    a = gpv_export_dns_name("fraud-scoring");
    assert_string_equal(a, "fraud-scoring");
    free(a);
    /* Changed names carry a hash of the original: "Big_Model" and "big-model" differ. */
    a = gpv_export_dns_name("Big_Model");
    b = gpv_export_dns_name("big-model");
    c = gpv_export_dns_name("Big_Model");
    assert_true(gpv_export_dns_valid(a));
    assert_string_equal(b, "big-model");
    assert_string_not_equal(a, b);
    assert_string_equal(a, c);
    assert_int_equal(strncmp(a, "big-model-", 10), 0);
    free(a);
    free(b);
    free(c);
    /* Too long: cut to 63 with a hash, so two names that share 60 characters still differ. */
    memset(long_name, 'a', 150);
    long_name[150] = '\0';
    a = gpv_export_dns_name(long_name);
    long_name[149] = 'b';
    b = gpv_export_dns_name(long_name);
    assert_int_equal(strlen(a), 63);
    assert_true(gpv_export_dns_valid(a) && gpv_export_dns_valid(b));
    assert_string_not_equal(a, b);
    free(a);
    free(b);
    a = gpv_export_dns_name("--__--");
    assert_true(gpv_export_dns_valid(a));
    free(a);
    assert_false(gpv_export_dns_valid("-a"));
    assert_false(gpv_export_dns_valid("a_b"));
    assert_false(gpv_export_dns_valid(""));
}

static void
test_export_shell_quotes_every_value(void **state)
{
    struct gpv_buf b;

    (void)state;
    gpv_buf_init(&b);
    gpv_export_shell_quote(&b, "it's $(x) `y`");
    assert_string_equal(gpv_buf_str(&b), "'it'\\''s $(x) `y`'");
    gpv_buf_release(&b);
}

static void
test_export_nodes_with_one_layout_share_a_config(void **state)
{
    struct gpv_export_site s;
    struct gpv_val *plan = NULL;
    size_t i;

    (void)state;
    read_site(&s, &plan);
    assert_string_equal(node(&s, "hgx-a")->config[GPV_EXPORT_CFG_MIG],
                        node(&s, "hgx-c")->config[GPV_EXPORT_CFG_MIG]);
    assert_string_equal(node(&s, "hgx-a")->config[GPV_EXPORT_CFG_MIG],
                        node(&s, "hgx-b")->config[GPV_EXPORT_CFG_MIG]);
    assert_string_not_equal(node(&s, "hgx-a")->config[GPV_EXPORT_CFG_MIG],
                            node(&s, "dgx-single")->config[GPV_EXPORT_CFG_MIG]);
    assert_null(node(&s, "vdi-1")->config[GPV_EXPORT_CFG_MIG]); /* L40S: no MIG */
    assert_non_null(node(&s, "vdi-1")->config[GPV_EXPORT_CFG_VGPU]);
    assert_null(node(&s, "hgx-a")->config[GPV_EXPORT_CFG_VGPU]);
    assert_string_equal(node(&s, "dgx-single")->config[GPV_EXPORT_CFG_PLUGIN],
                        "gpuvplan-mig-single");
    assert_string_equal(node(&s, "hgx-a")->config[GPV_EXPORT_CFG_PLUGIN], "gpuvplan-mig-mixed");
    assert_string_equal(node(&s, "vdi-1")->config[GPV_EXPORT_CFG_PLUGIN], "gpuvplan-mig-none");
    assert_int_equal(s.nodeless, 1); /* the t4 entry has no nodes */
    for (i = 0; i < s.nnodes; i++) {
        assert_true(!s.nodes[i].config[GPV_EXPORT_CFG_MIG] ||
                    gpv_export_dns_valid(s.nodes[i].config[GPV_EXPORT_CFG_MIG]));
        assert_true(!s.nodes[i].config[GPV_EXPORT_CFG_VGPU] ||
                    gpv_export_dns_valid(s.nodes[i].config[GPV_EXPORT_CFG_VGPU]));
        assert_true(gpv_export_dns_valid(s.nodes[i].config[GPV_EXPORT_CFG_PLUGIN]));
    }
    for (i = 0; i < s.ntenants; i++)
        assert_true(gpv_export_dns_valid(s.tenants[i].claim));
    gpv_export_site_release(&s);
    gpv_val_free(plan);
}

static void
test_export_mig_parted_reads_back_and_every_geometry_places(void **state)
{
    struct gpv_export_site s;
    struct gpv_val *plan = NULL;
    struct gpv_lint_findings fs = {0, 0, NULL};
    struct gpv_migparted mp;
    struct gpv_ydoc *doc;
    char *text;
    size_t i, k, c, n, checked = 0;

    (void)state;
    read_site(&s, &plan);
    text = export_text(&s, GPV_EXPORT_MIGPARTED);
    doc = parse(text, "mig.yaml");
    assert_int_equal(gpv_migparted_read(&mp, doc, doc->root, &fs), 0);
    assert_int_equal(fs.n, 0);
    for (i = 0; i < mp.nconfigs; i++) {
        const struct gpv_migparted_config *cfg = &mp.configs[i];
        const struct gpv_export_node *nd = NULL;
        bool seen[64] = {false};

        for (n = 0; n < s.nnodes && !nd; n++)
            if (s.nodes[n].config[GPV_EXPORT_CFG_MIG] &&
                !strcmp(s.nodes[n].config[GPV_EXPORT_CFG_MIG], cfg->name))
                nd = &s.nodes[n];
        if (!strcmp(cfg->name, "all-disabled"))
            continue;
        assert_non_null(nd);
        for (k = 0; k < cfg->nentries; k++) {
            const struct gpv_migparted_entry *e = &cfg->entries[k];
            const struct gpv_gpu *g;
            int counts[GPV_MIG_MAX_PROFILES] = {0};

            assert_true(e->nfilters > 0);
            g = model_of(&e->filters[0]);
            assert_ptr_equal(g, nd->model);
            mark(seen, nd->ngpus, &e->devices);
            if (!e->mig_enabled)
                continue;
            for (c = 0; c < e->ncounts; c++) {
                int p = gpv_gpu_find_profile(g, e->counts[c].profile);

                assert_true(p >= 0);
                counts[p] += (int)e->counts[c].count;
            }
            assert_true(gpv_mig_place(NULL, g, counts, 0));
            checked++;
        }
        for (n = 0; n < nd->ngpus; n++)
            assert_true(seen[n]); /* every index of the node in exactly one entry */
    }
    assert_true(checked >= 2);
    gpv_migparted_release(&mp);
    gpv_lint_findings_release(&fs);
    gpv_ydoc_free(doc);
    free(text);
    gpv_export_site_release(&s);
    gpv_val_free(plan);
}

static void
test_export_single_strategy_node_gets_one_layout_on_every_gpu(void **state)
{
    struct gpv_export_site s;
    struct gpv_val *plan = NULL;
    const struct gpv_export_node *nd;
    char *text;

    (void)state;
    read_site(&s, &plan);
    nd = node(&s, "dgx-single");
    assert_int_equal(nd->ngpus, 2);
    assert_int_equal(nd->gpus[0].mode, GPV_EXPORT_MIG);
    assert_int_equal(nd->gpus[1].mode, GPV_EXPORT_MIG);
    assert_true(nd->gpus[1].filled);
    text = export_text(&s, GPV_EXPORT_MIGPARTED);
    /* Both GPUs have one entry: devices all. */
    assert_non_null(strstr(strstr(text, nd->config[GPV_EXPORT_CFG_MIG]),
                           "devices: all\n      mig-enabled: true"));
    free(text);
    gpv_export_site_release(&s);
    gpv_val_free(plan);
}

static void
test_export_vgpu_dm_reads_back_with_known_types_within_their_max(void **state)
{
    struct gpv_export_site s;
    struct gpv_val *plan = NULL;
    struct gpv_lint_findings fs = {0, 0, NULL};
    struct gpv_vgpudm vd;
    struct gpv_ydoc *doc;
    char *text;
    size_t i, k, c, checked = 0;

    (void)state;
    read_site(&s, &plan);
    text = export_text(&s, GPV_EXPORT_VGPUDM);
    doc = parse(text, "vgpu.yaml");
    assert_int_equal(gpv_vgpudm_read(&vd, doc, doc->root, &fs), 0);
    assert_int_equal(fs.n, 0);
    assert_int_equal(vd.nconfigs, 1);
    assert_string_equal(vd.configs[0].name, node(&s, "vdi-1")->config[GPV_EXPORT_CFG_VGPU]);
    for (i = 0; i < vd.nconfigs; i++)
        for (k = 0; k < vd.configs[i].nentries; k++) {
            const struct gpv_vgpudm_entry *e = &vd.configs[i].entries[k];
            const struct gpv_gpu *g = model_of(&e->filters[0]);

            for (c = 0; c < e->ncounts; c++) {
                int t = gpv_gpu_find_vgpu_type(g, e->counts[c].type);

                assert_true(t >= 0);
                assert_true(e->counts[c].count <= g->vgpu->types[t].max);
                checked++;
            }
        }
    assert_int_equal(checked, 2);
    gpv_vgpudm_release(&vd);
    gpv_lint_findings_release(&fs);
    gpv_ydoc_free(doc);
    free(text);
    gpv_export_site_release(&s);
    gpv_val_free(plan);
}

static void
test_export_device_plugin_configmap_reads_back_per_strategy(void **state)
{
    struct gpv_export_site s;
    struct gpv_val *plan = NULL;
    struct gpv_ydoc *doc;
    const struct gpv_ynode *data;
    char *text;
    size_t i;

    (void)state;
    read_site(&s, &plan);
    text = export_text(&s, GPV_EXPORT_DEVPLUGIN);
    doc = parse(text, "plugin.yaml");
    data = gpv_ymap_get(doc->root, "data");
    assert_non_null(data);
    assert_int_equal(data->n, 3);
    for (i = 0; i < data->n; i++) {
        const char *key = data->items[2 * i]->str;
        struct gpv_ydoc *inner = parse(data->items[2 * i + 1]->str, key);
        struct gpv_lint_findings fs = {0, 0, NULL};
        struct gpv_devplugin dp;

        assert_int_equal(gpv_devplugin_read(&dp, inner, inner->root, &fs), 0);
        assert_int_equal(fs.n, 0);
        assert_string_equal(dp.mig_strategy, key + strlen("gpuvplan-mig-"));
        assert_int_equal(dp.nresources, 0); /* no sharing */
        gpv_devplugin_release(&dp);
        gpv_lint_findings_release(&fs);
        gpv_ydoc_free(inner);
    }
    gpv_ydoc_free(doc);
    free(text);
    gpv_export_site_release(&s);
    gpv_val_free(plan);
}

static void
test_export_dra_claims_mig_profiles_and_whole_gpus(void **state)
{
    struct gpv_export_site s;
    struct gpv_val *plan = NULL;
    char *text;

    (void)state;
    read_site(&s, &plan);
    text = export_text(&s, GPV_EXPORT_DRA);
    assert_non_null(strstr(text, "deviceClassName: mig.nvidia.com\n            selectors:\n"
                                 "              - cel:\n                  expression: "
                                 "\"device.attributes['gpu.nvidia.com'].profile == '1g.10gb'\""));
    assert_non_null(strstr(text, "deviceClassName: gpu.nvidia.com"));
    assert_null(strstr(text, "name: Big_Model")); /* names are DNS-1123 */
    assert_non_null(strstr(text, "name: big-model-"));
    assert_null(strstr(text, "name: desktops")); /* vGPU tenants are VMs */
    free(text);
    gpv_export_site_release(&s);
    gpv_val_free(plan);
}

static void
test_export_warns_when_a_single_strategy_node_is_not_uniform(void **state)
{
    struct gpv_export_count c = {"1g.10gb", 7};
    struct gpv_export_gpu gpus[2];
    struct gpv_export_node nd;
    struct gpv_export_site s;
    char name[] = "gpuvplan-mig-single", *text;

    (void)state;
    memset(gpus, 0, sizeof(gpus));
    memset(&nd, 0, sizeof(nd));
    memset(&s, 0, sizeof(s));
    gpus[0].mode = GPV_EXPORT_MIG;
    gpus[0].nprofiles = 1;
    gpus[0].profiles = &c;
    gpus[1].mode = GPV_EXPORT_PASSTHROUGH;
    nd.name = "s1";
    nd.model = gpu("a100-80gb");
    nd.mig_strategy = "single";
    nd.ngpus = 2;
    nd.gpus = gpus;
    nd.config[GPV_EXPORT_CFG_PLUGIN] = name;
    nd.next[GPV_EXPORT_CFG_PLUGIN] = GPV_EXPORT_NONE;
    s.plan = "p.json";
    s.nnodes = 1;
    s.nodes = &nd;
    text = export_text(&s, GPV_EXPORT_DEVPLUGIN);
    assert_non_null(strstr(text, "#   warning: not one MIG profile on every GPU"));
    free(text);
    gpus[1].mode = GPV_EXPORT_MIG;
    gpus[1].nprofiles = 1;
    gpus[1].profiles = &c;
    text = export_text(&s, GPV_EXPORT_DEVPLUGIN);
    assert_null(strstr(text, "warning"));
    free(text);
}

static void
test_export_refuses_a_plan_without_nodes(void **state)
{
    const char *text = "{\"schema\": \"gpuvplan.plan/1\", \"tenants\": [], \"gpus\": [],"
                       " \"nodes\": []}";
    struct gpv_export_site s;
    struct gpv_val *plan = NULL;
    struct gpv_error err;

    (void)state;
    gpv_error_init(&err);
    assert_int_equal(gpv_val_parse_json(&plan, text, strlen(text), "p.json", &err), 0);
    assert_int_equal(gpv_export_site_read(&s, plan, &db, "p.json", &err), GPV_EINPUT);
    assert_non_null(strstr(err.msg, "plan has no nodes"));
    assert_non_null(strstr(err.msg, "gpus_per_node"));
    gpv_export_site_release(&s);
    gpv_val_free(plan);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_names_are_dns_labels_stable_and_distinct),
        cmocka_unit_test(test_export_shell_quotes_every_value),
        cmocka_unit_test(test_export_nodes_with_one_layout_share_a_config),
        cmocka_unit_test(test_export_mig_parted_reads_back_and_every_geometry_places),
        cmocka_unit_test(test_export_single_strategy_node_gets_one_layout_on_every_gpu),
        cmocka_unit_test(test_export_vgpu_dm_reads_back_with_known_types_within_their_max),
        cmocka_unit_test(test_export_device_plugin_configmap_reads_back_per_strategy),
        cmocka_unit_test(test_export_dra_claims_mig_profiles_and_whole_gpus),
        cmocka_unit_test(test_export_warns_when_a_single_strategy_node_is_not_uniform),
        cmocka_unit_test(test_export_refuses_a_plan_without_nodes),
    };

    return cmocka_run_group_tests_name("export", tests, setup, teardown);
}
