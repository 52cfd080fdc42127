#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const required_ids[] = {
    "a100-40gb", "a100-80gb", "a30",          "h100-80gb",   "h100-94gb",    "h100-pcie",
    "h100-96gb", "h20",       "h200-141gb",   "gh200-144gb", "b200",         "gb200",
    "b300",      "gb300",     "rtx-pro-6000", "l40s",        "l40",          "l4",
    "a40",       "a10",       "a16",          "a2",          "t4",           "rtx-6000-ada",
    "v100-16gb", "v100-32gb", "l20",          "l2",          "rtx-5000-ada", "rtx-5880-ada",
    "h20-141gb", "h100-64gb",
};

static int
setup_db(void **state)
{
    static struct gpv_db db;
    struct gpv_error err;

    gpv_db_init(&db);
    if (gpv_db_load_embedded(&db, &err) != 0) {
        char buf[2048];

        fprintf(stderr, "%s\n", gpv_error_format(&err, buf, sizeof(buf)));
        return -1;
    }
    *state = &db;
    return 0;
}

static int
teardown_db(void **state)
{
    gpv_db_release(*state);
    return 0;
}

static void
test_db_embeds_every_required_model(void **state)
{
    const struct gpv_db *db = *state;
    size_t i;

    for (i = 0; i < sizeof(required_ids) / sizeof(required_ids[0]); i++) {
        const struct gpv_gpu *g = gpv_db_find(db, required_ids[i]);

        assert_non_null(g);
        assert_string_equal(g->id, required_ids[i]);
        assert_true(g->nsources > 0);
    }
    assert_int_equal(db->ngpus, sizeof(required_ids) / sizeof(required_ids[0]));
}

static void
test_db_h100_1g20gb_starts_at_0_2_4_6_with_size_2_and_max_4(void **state)
{
    const struct gpv_gpu *g = gpv_db_find(*state, "h100-80gb");
    const struct gpv_mig_profile *p;
    int i;

    assert_non_null(g);
    assert_non_null(g->mig);
    assert_int_equal(g->mig->units, 8);
    i = gpv_gpu_find_profile(g, "1g.20gb");
    assert_true(i >= 0);
    p = &g->mig->profiles[i];
    assert_int_equal(p->size, 2);
    assert_int_equal(p->max, 4);
    assert_int_equal(p->nstarts, 4);
    assert_int_equal(p->starts[0], 0);
    assert_int_equal(p->starts[1], 2);
    assert_int_equal(p->starts[2], 4);
    assert_int_equal(p->starts[3], 6);
    assert_int_equal(p->id, 15);
    /* 19.62 GiB as nvidia-smi prints it */
    assert_int_equal(p->memory_mib, 20091);
    assert_int_equal(gpv_gpu_find_profile(g, "15"), i);
    assert_int_equal(gpv_gpu_find_profile(g, "1G.20GB"), i);
    assert_int_equal(gpv_gpu_find_profile(g, "2g.10gb"), -1);
    assert_string_equal(g->mig->profiles[gpv_gpu_suggest_profile(g, "2g.10gb")].name, "2g.20gb");
}

static void
test_db_profile_names_are_per_model(void **state)
{
    const struct gpv_gpu *a100 = gpv_db_find(*state, "a100-40gb");
    const struct gpv_gpu *a80 = gpv_db_find(*state, "a100-80gb");
    int i, j;

    i = gpv_gpu_find_profile(a100, "1g.10gb");
    j = gpv_gpu_find_profile(a80, "1g.10gb");
    assert_true(i >= 0 && j >= 0);
    /* the same name is a 2-unit profile (id 15, max 4) on one and 1-unit (id 19, max 7) on the
     * other */
    assert_int_equal(a100->mig->profiles[i].id, 15);
    assert_int_equal(a100->mig->profiles[i].max, 4);
    assert_int_equal(a80->mig->profiles[j].id, 19);
    assert_int_equal(a80->mig->profiles[j].max, 7);
}

static void
test_db_grids_are_8_4_and_12_units(void **state)
{
    assert_int_equal(gpv_db_find(*state, "a30")->mig->units, 4);
    assert_int_equal(gpv_db_find(*state, "rtx-pro-6000")->mig->units, 12);
    assert_int_equal(gpv_db_find(*state, "b200")->mig->units, 8);
    assert_null(gpv_db_find(*state, "l40s")->mig);
}

static void
test_db_resolves_aliases_case_and_pci_ids(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_error err;

    assert_string_equal(gpv_db_find(db, "H100-80GB")->id, "h100-80gb");
    assert_string_equal(gpv_db_find(db, "0x2330")->id, "h100-80gb");
    assert_string_equal(gpv_db_find(db, "0X2330")->id, "h100-80gb");
    assert_string_equal(gpv_db_find(db, "h100 sxm5 80gb")->id, "h100-80gb");
    assert_null(gpv_db_find(db, "h100-8gb"));
    assert_null(gpv_db_lookup(db, "h100-8gb", &err));
    assert_int_equal(err.code, GPV_EINPUT);
    assert_string_equal(err.msg, "unknown GPU 'h100-8gb' (did you mean 'h100-80gb'?); "
                                 "`gpuvplan gpus` lists them all");
}

/* Names as `nvidia-smi --query-gpu=name` prints them, GPU feature discovery product labels and
 * PCI ids as the applying tools write them. */
static void
test_db_resolves_real_nvidia_smi_names_labels_and_pci_ids(void **state)
{
    static const struct {
        const char *name, *id;
    } cases[] = {
        {"NVIDIA H100 80GB HBM3", "h100-80gb"},
        {"NVIDIA H100 PCIe", "h100-pcie"},
        {"NVIDIA H100 NVL", "h100-94gb"},
        {"NVIDIA A100-SXM4-80GB", "a100-80gb"},
        {"NVIDIA A100 80GB PCIe", "a100-80gb"},
        {"NVIDIA A100-SXM4-40GB", "a100-40gb"},
        {"NVIDIA A100-PCIE-40GB", "a100-40gb"},
        {"NVIDIA H200", "h200-141gb"},
        {"NVIDIA H200 NVL", "h200-141gb"},
        {"NVIDIA B200", "b200"},
        {"NVIDIA GH200 480GB", "h100-96gb"},
        {"NVIDIA GH200 144G HBM3e", "gh200-144gb"},
        {"NVIDIA A30", "a30"},
        {"NVIDIA H20", "h20"},
        {"NVIDIA L40S", "l40s"},
        {"NVIDIA L4", "l4"},
        {"NVIDIA A10", "a10"},
        {"NVIDIA A16", "a16"},
        {"NVIDIA RTX 6000 Ada Generation", "rtx-6000-ada"},
        {"NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000"},
        {"Tesla T4", "t4"},
        {"Tesla V100-SXM2-16GB", "v100-16gb"},
        {"Tesla V100-PCIE-32GB", "v100-32gb"},
        {"Tesla V100S-PCIE-32GB", "v100-32gb"},
        {"NVIDIA-A100-SXM4-80GB", "a100-80gb"},
        {"NVIDIA-A100-80GB-PCIe", "a100-80gb"},
        {"NVIDIA-H100-80GB-HBM3", "h100-80gb"},
        {"NVIDIA-H100-80GB-HBM3-SHARED", "h100-80gb"},
        {"NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", "a100-40gb"},
        {"Tesla-T4", "t4"},
        {"0x2330", "h100-80gb"},
        {"0x233010DE", "h100-80gb"},
        {"0x233010de", "h100-80gb"},
        {"0x233110DE", "h100-pcie"},
        {"0x233010DE:0x16C110DE", "h100-80gb"},
        {"0x20B510DE", "a100-80gb"},
        {"0x26B910DE", "l40s"},
        {"10de:2335", "h200-141gb"},
    };
    const struct gpv_db *db = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct gpv_gpu *g = gpv_db_find(db, cases[i].name);

        if (!g || strcmp(g->id, cases[i].id))
            fail_msg("'%s' resolved to %s, not %s", cases[i].name, g ? g->id : "nothing",
                     cases[i].id);
    }
}

static void
test_db_lists_the_candidates_of_an_ambiguous_family_name(void **state)
{
    const struct gpv_db *db = *state;
    const struct gpv_gpu *found[8];
    struct gpv_error err;

    assert_int_equal(gpv_db_resolve(found, 8, db, "a100"), 2);
    assert_string_equal(found[0]->id, "a100-40gb");
    assert_string_equal(found[1]->id, "a100-80gb");
    assert_null(gpv_db_find(db, "h100"));
    assert_null(gpv_db_lookup(db, "a100", &err));
    assert_int_equal(err.code, GPV_EINPUT);
    assert_string_equal(err.msg, "ambiguous GPU 'a100': it could be 'a100-40gb' or 'a100-80gb'");
    assert_null(gpv_db_lookup(db, "GH200", &err));
    assert_string_equal(err.msg, "ambiguous GPU 'GH200': it could be 'gh200-144gb' or 'h100-96gb'");
    /* A name of exactly one model is not ambiguous even when it begins others ("h20", "h200"). */
    assert_int_equal(gpv_db_resolve(found, 8, db, "H20"), 1);
    assert_string_equal(found[0]->id, "h20");
}

static void
test_db_suggests_only_a_model_of_the_same_family(void **state)
{
    const struct gpv_db *db = *state;
    struct gpv_error err;

    assert_null(gpv_db_lookup(db, "zzz", &err));
    assert_string_equal(err.msg, "unknown GPU 'zzz'; `gpuvplan gpus` lists the models");
    assert_null(gpv_db_lookup(db, "NVIDIA Z9", &err));
    assert_string_equal(err.msg, "unknown GPU 'NVIDIA Z9'; `gpuvplan gpus` lists the models");
    assert_null(gpv_db_lookup(db, "l40x", &err));
    assert_string_equal(err.msg, "unknown GPU 'l40x' (did you mean 'l40'?); "
                                 "`gpuvplan gpus` lists them all");
    assert_null(gpv_db_lookup(db, "0x12341002", &err));
    assert_string_equal(err.msg,
                        "'0x12341002' is not an NVIDIA PCI id (vendor 0x1002, NVIDIA is 0x10DE)");
    assert_null(gpv_db_lookup(db, "0x000010DE", &err));
    assert_string_equal(err.msg, "unknown GPU '0x000010DE': no model has PCI device id 0x0000; "
                                 "`gpuvplan gpus` lists the models");
}

static void
test_pci_id_parse_reads_every_form_the_tools_write(void **state)
{
    static const char *const bad[] = {
        "",     "0x",       "0x12345", "0x233010DE:", "0x233010DE:0x16C1", "0x2330:0x16C110DE",
        "2330", "10de:233", "0x2330g", "h100",        "0x233010DE0",
    };
    struct gpv_pci_id id;
    size_t i;

    (void)state;
    assert_true(gpv_pci_id_parse(&id, "0x2330"));
    assert_int_equal(id.device, 0x2330);
    assert_int_equal(id.vendor, 0);
    assert_true(gpv_pci_id_parse(&id, "0X233a10de"));
    assert_int_equal(id.device, 0x233A);
    assert_int_equal(id.vendor, 0x10DE);
    assert_int_equal(id.subsys_device, 0);
    assert_true(gpv_pci_id_parse(&id, "0x233010DE:0x16C110DE"));
    assert_int_equal(id.device, 0x2330);
    assert_int_equal(id.subsys_device, 0x16C1);
    assert_int_equal(id.subsys_vendor, 0x10DE);
    assert_true(gpv_pci_id_parse(&id, "10de:2331"));
    assert_int_equal(id.device, 0x2331);
    assert_int_equal(id.vendor, 0x10DE);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (gpv_pci_id_parse(&id, bad[i]))
            fail_msg("'%s' parsed as a PCI id", bad[i]);
}

static void
test_db_rtx_pro_6000_mig_backed_types_ride_gfx_instances(void **state)
{
    const struct gpv_gpu *g = gpv_db_find(*state, "rtx-pro-6000");
    const struct gpv_gpu *h = gpv_db_find(*state, "h100-80gb");
    size_t i, n = 0;
    int t;

    for (i = 0; i < g->vgpu->ntypes; i++) {
        const struct gpv_vgpu_type *ty = &g->vgpu->types[i];

        if (ty->mig_profile < 0)
            continue;
        n++;
        if (!strstr(g->mig->profiles[ty->mig_profile].name, "+gfx"))
            fail_msg("%s rides %s, not a +gfx instance", ty->name,
                     g->mig->profiles[ty->mig_profile].name);
    }
    assert_int_equal(n, 26);
    t = gpv_gpu_find_vgpu_type(g, "DC-1-24CGFX");
    assert_true(t >= 0);
    assert_string_equal(g->vgpu->types[t].name, "DC-1-24C");
    t = gpv_gpu_find_vgpu_type(g, "DC-1-2Q");
    assert_true(t >= 0);
    assert_int_equal(g->vgpu->types[t].max, 48);
    assert_int_equal(gpv_gpu_find_vgpu_type(g, "DC-24CGFX"), -1);
    assert_int_equal(gpv_gpu_find_vgpu_type(h, "H100-1-10CGFX"), -1);
}

static void
test_db_second_pass_facts_follow_their_sources(void **state)
{
    const struct gpv_db *db = *state;
    const struct gpv_gpu *gb = gpv_db_find(db, "gb200");
    const struct gpv_gpu *pcie = gpv_db_find(db, "h100-pcie");
    const struct gpv_gpu *a80 = gpv_db_find(db, "a100-80gb");
    const struct gpv_gpu *h200 = gpv_db_find(db, "h200-141gb");
    const struct gpv_gpu *h20 = gpv_db_find(db, "h20");
    static const char *const backed[][2] = {
        {"gb200", "GB200-1-24C"},        {"gb200", "GB200-7-189C"},
        {"h100-96gb", "GH200-1-12CME"},  {"h100-96gb", "GH200-7-96C"},
        {"gh200-144gb", "GH200L-1-36C"}, {"h20", "H20-3-48C"},
        {"a100-80gb", "A800DX-1-10C"},   {"a100-40gb", "A800-3-20C"},
        {"h100-80gb", "H800XM-2-20C"},   {"h100-pcie", "H800-4-40C"},
        {"h100-94gb", "H800L-1-12C"},
    };
    size_t i;
    int p, t;

    /* GB200: production names, the pre-production names as aliases of the same profiles. */
    assert_int_equal(gpv_gpu_find_profile(gb, "1g.24gb"), gpv_gpu_find_profile(gb, "1g.23gb"));
    assert_int_equal(gpv_gpu_find_profile(gb, "7g.189gb"), gpv_gpu_find_profile(gb, "7g.186gb"));
    assert_true(gpv_gpu_find_profile(gb, "7g.186gb") >= 0);
    t = gpv_gpu_find_vgpu_type(gb, "GB200-3-95C");
    assert_true(t >= 0);
    assert_string_equal(gb->mig->profiles[gb->vgpu->types[t].mig_profile].name, "3g.93gb");
    for (i = 0; i < sizeof(backed) / sizeof(backed[0]); i++) {
        const struct gpv_gpu *g = gpv_db_find(db, backed[i][0]);

        t = gpv_gpu_find_vgpu_type(g, backed[i][1]);
        if (t < 0 || g->vgpu->types[t].mig_profile < 0)
            fail_msg("%s has no MIG-backed type %s", backed[i][0], backed[i][1]);
    }
    /* H100 PCIe: its own SM counts (114 on the whole GPU). */
    assert_int_equal(pcie->mig->profiles[gpv_gpu_find_profile(pcie, "7g.80gb")].sms, 114);
    assert_int_equal(pcie->mig->profiles[gpv_gpu_find_profile(pcie, "3g.40gb")].sms, 46);
    /* Driver-dependent memory: the lower reading. */
    p = gpv_gpu_find_profile(a80, "7g.80gb");
    assert_int_equal(a80->mig->profiles[p].memory_mib, 80640);
    assert_false(a80->mig->profiles[p].inferred & GPV_F_MEMORY);
    p = gpv_gpu_find_profile(h200, "7g.141gb");
    assert_int_equal(h200->mig->profiles[p].memory_mib, 143104);
    /* Mixed-size maxima where the AI Enterprise release-7 tables give them. */
    assert_true(h200->vgpu->mixed_size);
    assert_true(h20->vgpu->mixed_size);
    t = gpv_gpu_find_vgpu_type(h20, "H20-24C");
    assert_int_equal(h20->vgpu->types[t].max_mixed, 2);
    t = gpv_gpu_find_vgpu_type(h20, "H20-48C");
    assert_int_equal(h20->vgpu->types[t].max_mixed, 0);
}

static void
test_db_h20_141gb_and_h100_64gb_follow_nvidias_vgpu_tables(void **state)
{
    const struct gpv_db *db = *state;
    static const struct {
        const char *gpu, *type, *profile;
        int max;
    } backed[] = {
        {"h20-141gb", "H20X-1-18C", "1g.18gb", 7},   {"h20-141gb", "H20X-1-18CME", "1g.18gb+me", 1},
        {"h20-141gb", "H20X-3-71C", "3g.71gb", 2},   {"h20-141gb", "H20X-7-141C", "7g.141gb", 1},
        {"h100-64gb", "H100XS-1-8C", "1g.8gb", 7},   {"h100-64gb", "H100XS-1-16C", "1g.16gb", 4},
        {"h100-64gb", "H100XS-2-16C", "2g.16gb", 3}, {"h100-64gb", "H100XS-7-64C", "7g.64gb", 1},
    };
    const struct gpv_gpu *g;
    size_t i;
    int t, p;

    /* vgpu-device-manager's device-filters: 0x232C runs H20X types, 0x2337 H100XS types. */
    assert_ptr_equal(gpv_db_find(db, "0x232C10DE"), gpv_db_find(db, "h20-141gb"));
    assert_ptr_equal(gpv_db_find(db, "0x233710DE"), gpv_db_find(db, "h100-64gb"));
    assert_ptr_equal(gpv_db_find(db, "NVIDIA H100 SXM5 64GB"), gpv_db_find(db, "h100-64gb"));
    /* The 96GB H20 keeps its name. */
    assert_string_equal(gpv_db_find(db, "NVIDIA H20")->id, "h20");
    for (i = 0; i < sizeof(backed) / sizeof(backed[0]); i++) {
        g = gpv_db_find(db, backed[i].gpu);
        assert_non_null(g);
        t = gpv_gpu_find_vgpu_type(g, backed[i].type);
        p = gpv_gpu_find_profile(g, backed[i].profile);
        assert_true(t >= 0 && p >= 0);
        assert_int_equal(g->vgpu->types[t].mig_profile, p);
        assert_int_equal(g->vgpu->types[t].max, backed[i].max);
        assert_int_equal(g->mig->profiles[p].max, backed[i].max);
        /* Geometry and memory are inferred; the names and counts are not. */
        assert_true(g->mig->profiles[p].inferred & GPV_F_STARTS);
        assert_true(g->mig->profiles[p].inferred & GPV_F_MEMORY);
        assert_false(g->mig->profiles[p].inferred & GPV_F_MAX);
    }
    /* The 64GB board's memory never exceeds the 80GB reading scaled to 64 GB. */
    g = gpv_db_find(db, "h100-64gb");
    p = gpv_gpu_find_profile(g, "7g.64gb");
    assert_true(g->mig->profiles[p].memory_gib <= 79.25 * 64 / 80);
    /* Mixed-size maxima equal the equal-size ones (AI Enterprise release 7, tables 183, 185). */
    t = gpv_gpu_find_vgpu_type(gpv_db_find(db, "h20-141gb"), "H20X-4C");
    assert_int_equal(gpv_db_find(db, "h20-141gb")->vgpu->types[t].max_mixed, 32);
}

static void
test_db_finds_vgpu_types_under_any_prefix(void **state)
{
    const struct gpv_gpu *g = gpv_db_find(*state, "h100-80gb");
    int i = gpv_gpu_find_vgpu_type(g, "H100-20C");

    assert_true(i >= 0);
    assert_int_equal(gpv_gpu_find_vgpu_type(g, "h100xm-20c"), i);
    assert_int_equal(g->vgpu->types[i].max, 4);
    assert_int_equal(gpv_gpu_find_vgpu_type(g, "H100-21C"), -1);
}

/* Most disjoint placements of `size` from the starts, by trying every subset (independent of
 * the loader's greedy count). */
static int
brute_max_disjoint(const struct gpv_mig_profile *p)
{
    int best = 0;
    uint32_t subset, n = (uint32_t)p->nstarts;

    for (subset = 0; subset < (1u << n); subset++) {
        uint64_t used = 0;
        int k, count = 0;
        int ok = 1;

        for (k = 0; k < (int)n && ok; k++) {
            if (!(subset & (1u << k)))
                continue;
            uint64_t span = ((1ull << p->size) - 1) << p->starts[k];

            if (used & span)
                ok = 0;
            used |= span;
            count++;
        }
        if (ok && count > best)
            best = count;
    }
    return best;
}

static void
test_db_invariants_hold_for_every_embedded_model(void **state)
{
    const struct gpv_db *db = *state;
    size_t i, j, k;

    for (i = 0; i < db->ngpus; i++) {
        const struct gpv_gpu *g = db->gpus[i];

        for (j = 0; g->mig && j < g->mig->nprofiles; j++) {
            const struct gpv_mig_profile *p = &g->mig->profiles[j];
            int s;

            for (s = 0; s < p->nstarts; s++)
                assert_true(p->starts[s] >= 0 && p->starts[s] + p->size <= g->mig->units);
            /* each max count is reachable by placements */
            if (brute_max_disjoint(p) < p->max) {
                fprintf(stderr, "%s %s: max %d unreachable\n", g->id, p->name, p->max);
                fail();
            }
            for (k = 0; k < j; k++) {
                assert_string_not_equal(g->mig->profiles[k].name, p->name);
                assert_int_not_equal(g->mig->profiles[k].id, p->id);
            }
            assert_true(p->memory_mib > 0 && p->memory_mib <= g->memory_mib);
            assert_non_null(gpv_gpu_source(g, p->source));
        }
        for (j = 0; g->vgpu && j < g->vgpu->ntypes; j++) {
            const struct gpv_vgpu_type *t = &g->vgpu->types[j];

            if (t->mig_profile < 0) {
                if ((long long)t->max * t->framebuffer_mib > g->memory_mib) {
                    fprintf(stderr, "%s %s: %d x %lld MiB > %lld\n", g->id, t->name, t->max,
                            t->framebuffer_mib, g->memory_mib);
                    fail();
                }
            } else {
                assert_non_null(g->mig);
                assert_true((size_t)t->mig_profile < g->mig->nprofiles);
            }
            if (t->nplacements)
                assert_int_equal(t->nplacements, t->max_mixed);
            for (k = 0; k < (size_t)t->nplacements; k++)
                assert_true(t->placements[k] + t->size_gb <= (g->memory_mib + 512) / 1024);
            for (k = 0; k < j; k++)
                assert_string_not_equal(g->vgpu->types[k].name, t->name);
            assert_non_null(gpv_gpu_source(g, t->source));
        }
    }
}

/* A minimal valid model; each rejection test replaces one line. */
static const char base[] = "id: test-gpu\n"                         /* 1 */
                           "name: Test GPU\n"                       /* 2 */
                           "architecture: hopper\n"                 /* 3 */
                           "memory_mib: 81920\n"                    /* 4 */
                           "sources: [{id: s1, title: a source}]\n" /* 5 */
                           "mig:\n"                                 /* 6 */
                           "  units: 8\n"                           /* 7 */
                           "  compute_slices: 7\n"                  /* 8 */
                           "  source: s1\n"                         /* 9 */
                           "  profiles:\n"                          /* 10 */
                           "    - {name: 1g.20gb, id: 15, compute_slices: 1, size: 2, "
                           "starts: [0, 2, 4, 6], max: 4, memory_gib: 19.62}\n" /* 11 */
                           "    - {name: 7g.80gb, id: 0, compute_slices: 7, size: 8, "
                           "starts: [0], max: 1, memory_gib: 79.25}\n" /* 12 */
                           "vgpu:\n"                                   /* 13 */
                           "  prefixes: [TEST]\n"                      /* 14 */
                           "  mixed_size: true\n"                      /* 15 */
                           "  source: s1\n"                            /* 16 */
                           "  types:\n"                                /* 17 */
                           "    - {name: TEST-20C, series: C, framebuffer_mib: 20480, max: 4, "
                           "max_mixed: 4, placements: [0, 20, 40, 60]}\n" /* 18 */
                           "    - {name: TEST-1-20C, series: C, framebuffer_mib: 20480, max: 4, "
                           "mig_profile: 1g.20gb}\n"; /* 19 */

/* Returns base with line `line` (from 1) replaced by `text` (NULL: removed). */
static char *
with_line(int line, const char *text)
{
    static char out[8192];
    const char *p = base;
    char *o = out;
    int n = 1;

    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = (size_t)(eol - p) + 1;

        if (n == line) {
            if (text)
                o += sprintf(o, "%s\n", text);
        } else {
            memcpy(o, p, len);
            o += len;
        }
        p += len;
        n++;
    }
    *o = '\0';
    return out;
}

static int rejections_wrong;

/* Records (not asserts) so one run shows every mismatch. */
static void
expect_reject(const char *doc, const char *expected)
{
    struct gpv_db db;
    struct gpv_error err;
    char buf[2048];
    int rc;

    gpv_db_init(&db);
    gpv_error_init(&err);
    rc = gpv_db_load_mem(&db, doc, strlen(doc), "t.yaml", false, &err);
    gpv_error_format(&err, buf, sizeof(buf));
    if (rc != GPV_EINPUT || strcmp(buf, expected) != 0) {
        fprintf(stderr, "expected: %s\n     got: %s (rc %d)\n", expected, buf, rc);
        rejections_wrong++;
    }
    assert_int_equal(db.ngpus, 0);
    gpv_db_release(&db);
}

static void
test_db_loader_accepts_the_base_model(void **state)
{
    struct gpv_db db;
    struct gpv_error err;

    (void)state;
    gpv_db_init(&db);
    assert_int_equal(gpv_db_load_mem(&db, base, strlen(base), "t.yaml", false, &err), 0);
    assert_int_equal(db.ngpus, 1);
    /* loading it again is a duplicate id */
    assert_int_equal(gpv_db_load_mem(&db, base, strlen(base), "u.yaml", false, &err), GPV_EINPUT);
    assert_string_equal(err.msg, "model 'test-gpu' is already defined in t.yaml");
    assert_int_equal(err.line, 1);
    /* unless it overrides */
    assert_int_equal(gpv_db_load_mem(&db, base, strlen(base), "u.yaml", true, &err), 0);
    assert_int_equal(db.ngpus, 1);
    assert_string_equal(db.gpus[0]->origin, "u.yaml");
    gpv_db_release(&db);
}

static const char h100_override[] = "id: h100-80gb\n"
                                    "name: Test H100\n"
                                    "architecture: hopper\n"
                                    "memory_mib: 81920\n"
                                    "sources: [{id: s1, title: a source}]\n";

static void
test_db_compiled_models_equal_the_embedded_yaml(void **state)
{
    const struct gpv_db *compiled = *state;
    struct gpv_buf a = {0}, b = {0};
    struct gpv_db parsed;
    struct gpv_error err;
    size_t i;

    gpv_db_init(&parsed);
    assert_int_equal(gpv_db_load_embedded_yaml(&parsed, &err), 0);
    assert_int_equal(parsed.ngpus, compiled->ngpus);
    for (i = 0; i < compiled->ngpus; i++) {
        assert_true(compiled->gpus[i]->builtin);
        assert_false(parsed.gpus[i]->builtin);
    }
    /* every field of every model, as the generator writes them */
    gpv_db_write_c(&a, compiled);
    gpv_db_write_c(&b, &parsed);
    assert_true(a.len > 100000);
    assert_string_equal(gpv_buf_str(&a), gpv_buf_str(&b));
    gpv_buf_release(&a);
    gpv_buf_release(&b);
    gpv_db_release(&parsed);
}

static void
test_db_override_replaces_a_compiled_model_without_freeing_it(void **state)
{
    const struct gpv_gpu *builtin;
    struct gpv_db db;
    struct gpv_error err;

    (void)state;
    gpv_db_init(&db);
    assert_int_equal(gpv_db_load_embedded(&db, &err), 0);
    builtin = gpv_db_find(&db, "h100-80gb");
    assert_non_null(builtin);
    assert_true(builtin->builtin);
    assert_int_equal(gpv_db_load_mem(&db, base, strlen(base), "t.yaml", false, &err), 0);
    assert_int_equal(db.ngpus, sizeof(required_ids) / sizeof(required_ids[0]) + 1);
    /* the file's model takes the built-in one's place; the built-in one stays intact */
    assert_int_equal(
        gpv_db_load_mem(&db, h100_override, strlen(h100_override), "h.yaml", true, &err), 0);
    assert_string_equal(gpv_db_find(&db, "h100-80gb")->origin, "h.yaml");
    assert_string_equal(builtin->origin, "profiles/gpus/h100-80gb.yaml");
    gpv_db_release(&db);
    /* and a second database gets the same compiled model */
    gpv_db_init(&db);
    assert_int_equal(gpv_db_load_embedded(&db, &err), 0);
    assert_ptr_equal(gpv_db_find(&db, "h100-80gb"), builtin);
    gpv_db_release(&db);
}

static void
test_db_loader_rejects_each_bad_model_with_its_line(void **state)
{
    (void)state;
    expect_reject(with_line(4, "memroy_mib: 81920"),
                  "t.yaml:4:1: error: unknown key 'memroy_mib' in the GPU model (did you mean "
                  "'memory_mib'?)");
    expect_reject(with_line(4, NULL), "t.yaml:1:1: error: missing key 'memory_mib' in the GPU "
                                      "model");
    expect_reject(with_line(4, "memory_mib: lots"),
                  "t.yaml:4:13: error: 'memory_mib' of the GPU model must be a whole number, "
                  "not 'lots'");
    expect_reject(with_line(1, "id: Test_GPU"),
                  "t.yaml:1:5: error: id 'Test_GPU' must be lowercase letters, digits and '-'");
    expect_reject(with_line(3, "architecture: hoper"),
                  "t.yaml:3:15: error: unknown architecture 'hoper' (did you mean 'hopper'?)");
    expect_reject(with_line(7, "  units: 40"),
                  "t.yaml:7:10: error: 'units' of 'mig' is 40; it must be from 1 to 32");
    expect_reject(with_line(11, "    - {name: 1g.20gb, id: 15, compute_slices: 1, size: 2, "
                                "starts: [0, 2, 4, 7], max: 4, memory_gib: 19.62}"),
                  "t.yaml:11:77: error: MIG profile '1g.20gb': start 7 + size 2 runs past the "
                  "8-unit grid");
    expect_reject(with_line(11, "    - {name: 1g.20gb, id: 15, compute_slices: 1, size: 2, "
                                "starts: [0, 2, 4, 8], max: 4, memory_gib: 19.62}"),
                  "t.yaml:11:77: error: 'starts' of MIG profile '1g.20gb' is 8; it must be from "
                  "0 to 7");
    expect_reject(with_line(11, "    - {name: 1g.20gb, id: 15, compute_slices: 1, size: 2, "
                                "starts: [0, 1, 2, 4], max: 4, memory_gib: 19.62}"),
                  "t.yaml:11:86: error: max 4 of MIG profile '1g.20gb' is more than the 3 "
                  "instances its placements can hold");
    expect_reject(with_line(11, "    - {name: 7g.80gb, id: 15, compute_slices: 1, size: 2, "
                                "starts: [0, 2, 4, 6], max: 4, memory_gib: 19.62}"),
                  "t.yaml:12:14: error: duplicate MIG profile name '7g.80gb'");
    expect_reject(with_line(11, "    - {name: 1g.20gb, id: 0, compute_slices: 1, size: 2, "
                                "starts: [0, 2, 4, 6], max: 4, memory_gib: 19.62}"),
                  "t.yaml:12:27: error: MIG profile id 0 is used by both '1g.20gb' and "
                  "'7g.80gb'");
    expect_reject(with_line(11, "    - {name: 1g.20gb, id: 15, compute_slices: 1, size: 2, "
                                "starts: [0, 2, 4, 6], max: 4, memory_gib: 19.62, "
                                "aliases: [7g.80gb]}"),
                  "t.yaml:11:118: error: alias '7g.80gb' of MIG profile '1g.20gb' is already a "
                  "name of '7g.80gb'");
    expect_reject(with_line(9, "  source: s2"),
                  "t.yaml:9:11: error: 'source' of 'mig' names source 's2', which is not "
                  "declared under 'sources'");
    expect_reject(with_line(19, "    - {name: TEST-1-20C, series: C, framebuffer_mib: 20480, max: "
                                "4, mig_profile: 2g.20gb}"),
                  "t.yaml:19:82: error: vGPU type 'TEST-1-20C' rides on MIG profile '2g.20gb', "
                  "which this model does not have");
    expect_reject(
        with_line(18, "    - {name: TEST-20C, series: C, framebuffer_mib: 20480, max: 5}"),
        "t.yaml:18:64: error: vGPU type 'TEST-20C': 5 x 20480 MiB is more than the "
        "GPU's 81920 MiB");
    expect_reject(with_line(18, "    - {name: TEST-20C, series: C, framebuffer_mib: 20480, max: 4, "
                                "max_mixed: 4, placements: [0, 20, 40]}"),
                  "t.yaml:18:93: error: vGPU type 'TEST-20C' has 3 placement ids but "
                  "'max_mixed: 4'");
    expect_reject(with_line(18, "    - {name: TEST-20C, series: C, framebuffer_mib: 20480, max: 4, "
                                "max_mixed: 4, placements: [0, 20, 40, 70]}"),
                  "t.yaml:18:105: error: vGPU type 'TEST-20C': placement 70 + 20 GB runs past "
                  "the 80 GB frame buffer");
    expect_reject(
        with_line(18, "    - {name: TEST-20C, series: X, framebuffer_mib: 20480, max: 4}"),
        "t.yaml:18:32: error: series of vGPU type 'TEST-20C' must be A, B, C or Q, not "
        "'X'");
    expect_reject(
        with_line(18, "    - {name: OTHER-20C, series: C, framebuffer_mib: 20480, max: 4}"),
        "t.yaml:18:14: error: vGPU type 'OTHER-20C' does not start with one of the "
        "model's prefixes and '-' (TEST-...)");
    expect_reject(with_line(15, "  mixed_size: maybe"),
                  "t.yaml:15:15: error: 'mixed_size' of 'vgpu' must be true or false, not "
                  "'maybe'");
    expect_reject(with_line(5, "sources: []"),
                  "t.yaml:5:10: error: 'sources' is empty: every model names where its facts "
                  "come from");
    expect_reject(with_line(2, "name: [a, b]"),
                  "t.yaml:2:7: error: 'name' of the GPU model must be a non-empty string, not a "
                  "list");
    expect_reject(with_line(2, "name: A\nname: B"),
                  "t.yaml:3:1: error: duplicate key 'name' (first at line 2)");
    expect_reject(with_line(2, "name: *alias"),
                  "t.yaml:2:7: error: YAML aliases (*alias) are not supported");
    expect_reject(with_line(2, "name: [unclosed"),
                  "t.yaml:3:13: error: did not find expected ',' or ']' while parsing a flow "
                  "sequence");
    expect_reject("", "t.yaml:1:1: error: the file is empty");
    expect_reject("- a\n- b\n", "t.yaml:1:1: error: the GPU model must be a mapping, not a list");
    assert_int_equal(rejections_wrong, 0);
}

static void
test_db_loader_rejects_an_alias_taken_by_another_model(void **state)
{
    struct gpv_db db;
    struct gpv_error err;
    char *doc;

    (void)state;
    gpv_db_init(&db);
    assert_int_equal(gpv_db_load_mem(&db, base, strlen(base), "t.yaml", false, &err), 0);
    doc = with_line(1, "id: other-gpu\naliases: [Foo, TEST-GPU]");
    assert_int_equal(gpv_db_load_mem(&db, doc, strlen(doc), "o.yaml", false, &err), GPV_EINPUT);
    assert_string_equal(err.msg, "alias 'TEST-GPU' is already a name of model 'test-gpu' "
                                 "(t.yaml)");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 16);
    gpv_db_release(&db);
}

static void
test_db_cache_gives_the_answers_of_the_lookups_it_remembers(void **state)
{
    const struct gpv_db *db = *state;
    const struct gpv_gpu *h100 = gpv_db_find(db, "h100-80gb"), *l40s = gpv_db_find(db, "l40s");
    static const char *const names[] = {
        "1g.10gb",  "1G.10GB",  "3g.40gb",
        "19",       "nope",     "H100-20C",
        "L40S-24Q", "L40S-12Q", "a-name-far-longer-than-the-forty-eight-bytes-the-cache-keeps",
    };
    struct gpv_db_cache *cache = malloc(sizeof(*cache));
    size_t i, round;

    assert_non_null(h100);
    assert_non_null(l40s);
    assert_non_null(cache);
    gpv_db_cache_init(cache);
    /* twice: the second round answers from the cache, for both models, in both kinds */
    for (round = 0; round < 2; round++) {
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            assert_int_equal(gpv_gpu_find_profile_cached(cache, h100, names[i]),
                             gpv_gpu_find_profile(h100, names[i]));
            assert_int_equal(gpv_gpu_find_vgpu_type_cached(cache, h100, names[i]),
                             gpv_gpu_find_vgpu_type(h100, names[i]));
            assert_int_equal(gpv_gpu_find_vgpu_type_cached(cache, l40s, names[i]),
                             gpv_gpu_find_vgpu_type(l40s, names[i]));
            assert_int_equal(gpv_gpu_find_profile_cached(cache, l40s, names[i]),
                             gpv_gpu_find_profile(l40s, names[i]));
        }
    }
    assert_true(gpv_gpu_find_profile_cached(cache, h100, "1g.10gb") >= 0);
    free(cache);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_embeds_every_required_model),
        cmocka_unit_test(test_db_h100_1g20gb_starts_at_0_2_4_6_with_size_2_and_max_4),
        cmocka_unit_test(test_db_profile_names_are_per_model),
        cmocka_unit_test(test_db_grids_are_8_4_and_12_units),
        cmocka_unit_test(test_db_resolves_aliases_case_and_pci_ids),
        cmocka_unit_test(test_db_resolves_real_nvidia_smi_names_labels_and_pci_ids),
        cmocka_unit_test(test_db_lists_the_candidates_of_an_ambiguous_family_name),
        cmocka_unit_test(test_db_suggests_only_a_model_of_the_same_family),
        cmocka_unit_test(test_pci_id_parse_reads_every_form_the_tools_write),
        cmocka_unit_test(test_db_rtx_pro_6000_mig_backed_types_ride_gfx_instances),
        cmocka_unit_test(test_db_second_pass_facts_follow_their_sources),
        cmocka_unit_test(test_db_h20_141gb_and_h100_64gb_follow_nvidias_vgpu_tables),
        cmocka_unit_test(test_db_finds_vgpu_types_under_any_prefix),
        cmocka_unit_test(test_db_invariants_hold_for_every_embedded_model),
        cmocka_unit_test(test_db_loader_accepts_the_base_model),
        cmocka_unit_test(test_db_loader_rejects_each_bad_model_with_its_line),
        cmocka_unit_test(test_db_compiled_models_equal_the_embedded_yaml),
        cmocka_unit_test(test_db_override_replaces_a_compiled_model_without_freeing_it),
        cmocka_unit_test(test_db_loader_rejects_an_alias_taken_by_another_model),
        cmocka_unit_test(test_db_cache_gives_the_answers_of_the_lookups_it_remembers),
    };

    return cmocka_run_group_tests_name("db", tests, setup_db, teardown_db);
}
