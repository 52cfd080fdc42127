#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/smi.h"
#include "gpuvplan/value.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_fixture.h"

/* Loads text into a fresh s; returns the status, err filled. */
static int
load(struct gpv_smi *s, const char *text, struct gpv_error *err)
{
    gpv_smi_init(s);
    gpv_error_init(err);
    return gpv_smi_load_mem(s, text, strlen(text), "t.txt", err);
}

/* Asserts that text fails to load at line:col with a message containing `part`. */
static void
assert_load_error(const char *text, int line, int col, const char *part)
{
    struct gpv_smi s;
    struct gpv_error err;

    assert_int_equal(load(&s, text, &err), GPV_EINPUT);
    if (err.line != line || err.col != col || !strstr(err.msg, part))
        fail_msg("got %d:%d: %s; expected %d:%d: ...%s...", err.line, err.col, err.msg, line, col,
                 part);
    gpv_smi_release(&s);
}

/* Asserts that text loads but its state fails at line:col with `part` in the message. */
static void
assert_state_error(const char *text, int line, int col, const char *part)
{
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_val *v = NULL;

    assert_int_equal(load(&s, text, &err), 0);
    s.node = strdup("n1");
    assert_int_equal(gpv_smi_state(&v, &db, &s, 1, &err), GPV_EINPUT);
    assert_null(v);
    if (err.line != line || err.col != col || !strstr(err.msg, part))
        fail_msg("got %d:%d: %s; expected %d:%d: ...%s...", err.line, err.col, err.msg, line, col,
                 part);
    gpv_smi_release(&s);
}

static const char csv_header[] =
    "index, name, pci.device_id, memory.total [MiB], mig.mode.current\n"
    "0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n"
    "1, NVIDIA L40S, 0x26B910DE, 46068 MiB, [N/A]\n";

static void
test_smi_reads_query_csv_with_header(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;

    (void)state;
    assert_int_equal(load(&s, csv_header, &err), 0);
    assert_int_equal(s.ngpus, 2);
    assert_string_equal(s.gpus[0]->name, "NVIDIA H100 80GB HBM3");
    assert_int_equal(s.gpus[0]->device_id, 0x2330);
    assert_int_equal(s.gpus[0]->memory_mib, 81559);
    assert_int_equal(s.gpus[0]->mig_mode, 1);
    assert_int_equal(s.gpus[0]->name_pos.line, 2);
    assert_int_equal(s.gpus[0]->name_pos.col, 4);
    assert_int_equal(s.gpus[1]->device_id, 0x26B9);
    assert_int_equal(s.gpus[1]->mig_mode, -1);
    assert_false(s.gpus[1]->mig_capable);
    gpv_smi_release(&s);
}

static void
test_smi_reads_noheader_nounits_csv(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;

    (void)state;
    assert_int_equal(load(&s,
                          "3, NVIDIA A100-SXM4-40GB, 0x20B010DE, 40960, Disabled\n"
                          "1, NVIDIA A100-SXM4-40GB, 0x20B010DE, 40960, Enabled\n",
                          &err),
                     0);
    assert_int_equal(s.ngpus, 2);
    assert_int_equal(s.gpus[0]->index, 1); /* sorted by index */
    assert_int_equal(s.gpus[1]->index, 3);
    assert_int_equal(s.gpus[1]->mig_mode, 0);
    assert_int_equal(s.gpus[1]->memory_mib, 40960);
    gpv_smi_release(&s);
}

static void
test_smi_reads_columns_in_the_order_of_the_header(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;

    (void)state;
    assert_int_equal(load(&s,
                          "mig.mode.current, uuid, index, name\n"
                          "Enabled, GPU-1234, 5, NVIDIA H100 80GB HBM3\n",
                          &err),
                     0);
    assert_int_equal(s.ngpus, 1);
    assert_int_equal(s.gpus[0]->index, 5);
    assert_int_equal(s.gpus[0]->mig_mode, 1);
    assert_int_equal(s.gpus[0]->device_id, -1);
    assert_string_equal(s.gpus[0]->name, "NVIDIA H100 80GB HBM3");
    gpv_smi_release(&s);
}

static void
test_smi_ignores_prompts_and_reads_the_node_line(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;
    char *node;
    static const char text[] = "# node: rack3-gpu12\n"
                               "$ nvidia-smi -L\n"
                               "root@rack3-gpu12:~# nvidia-smi -L\n"
                               "[admin@rack3-gpu12 ~]$ nvidia-smi -L\n"
                               "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)\n"
                               "  MIG 1g.10gb     Device  0: (UUID: MIG-bbbb)\n";

    (void)state;
    assert_int_equal(load(&s, text, &err), 0);
    assert_string_equal(s.node, "rack3-gpu12");
    assert_int_equal(s.node_pos.line, 1);
    assert_int_equal(s.ngpus, 1);
    assert_string_equal(s.gpus[0]->name, "NVIDIA H100 80GB HBM3");
    assert_int_equal(s.gpus[0]->name_pos.line, 5);
    assert_int_equal(s.gpus[0]->name_pos.col, 8);
    gpv_smi_release(&s);
    node = gpv_smi_find_node(text, strlen(text));
    assert_string_equal(node, "rack3-gpu12");
    free(node);
    assert_null(gpv_smi_find_node("GPU 0: X\n", 9));
}

static void
test_smi_reads_lgi_whatever_the_column_widths(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;

    (void)state;
    /* The second table is two characters wider, as newer drivers print it. */
    assert_int_equal(load(&s,
                          "+-------------------------------------------------------+\n"
                          "| GPU instances:                                        |\n"
                          "| GPU   Name             Profile  Instance   Placement  |\n"
                          "|                          ID       ID       Start:Size |\n"
                          "|=======================================================|\n"
                          "|   0  MIG 3g.40gb          9        2          4:4     |\n"
                          "|   0  MIG 1g.10gb         19       13          0:1     |\n"
                          "+-------------------------------------------------------+\n"
                          "$ nvidia-smi mig -lgi\n"
                          "+---------------------------------------------------------+\n"
                          "| GPU instances:                                          |\n"
                          "| GPU   Name               Profile  Instance   Placement  |\n"
                          "|                            ID       ID       Start:Size |\n"
                          "|=========================================================|\n"
                          "|   1  MIG 1g.24gb+me.all     20        1          2:1     |\n"
                          "+---------------------------------------------------------+\n",
                          &err),
                     0);
    assert_int_equal(s.ngpus, 2);
    assert_int_equal(s.gpus[0]->ninst, 2);
    assert_string_equal(s.gpus[0]->inst[0].profile, "3g.40gb");
    assert_int_equal(s.gpus[0]->inst[0].profile_id, 9);
    assert_int_equal(s.gpus[0]->inst[0].gi_id, 2);
    assert_int_equal(s.gpus[0]->inst[0].start, 4);
    assert_int_equal(s.gpus[0]->inst[0].size, 4);
    assert_int_equal(s.gpus[0]->inst[1].pl_pos.line, 7);
    assert_int_equal(s.gpus[0]->inst[1].pl_pos.col, 49);
    assert_string_equal(s.gpus[1]->inst[0].profile, "1g.24gb+me.all");
    assert_int_equal(s.gpus[1]->inst[0].start, 2);
    assert_true(s.any_lgi);
    gpv_smi_release(&s);
}

static void
test_smi_reads_lgip_and_lgipp(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;
    const struct gpv_smi_profile *p;

    (void)state;
    assert_int_equal(load(&s,
                          "GPU  0 Profile ID  0 Placement : {0}:8\n"
                          "| GPU   Name             ID    Instances   Memory     P2P    SM    "
                          "DEC   ENC  |\n"
                          "|                              Free/Total   GiB              CE    "
                          "JPEG  OFA  |\n"
                          "|   0  MIG 1g.10gb       19     5/7        9.75       No     16     "
                          "1     0   |\n"
                          "|                                                             1     "
                          "1     0   |\n"
                          "|   0  MIG 7g.80gb        0     0/1        79.25      No     132    "
                          "7     0   |\n"
                          "GPU  0 Profile ID 19 Placements: {0,1,2,3,4,5,6}:1\n",
                          &err),
                     0);
    assert_int_equal(s.gpus[0]->nprofiles, 2);
    p = &s.gpus[0]->profiles[0];
    assert_int_equal(p->id, 0);
    assert_string_equal(p->name, "7g.80gb");
    assert_int_equal(p->nstarts, 1);
    assert_int_equal(p->size, 8);
    assert_int_equal(p->ce, -1); /* no second line */
    p = &s.gpus[0]->profiles[1];
    assert_string_equal(p->name, "1g.10gb");
    assert_int_equal(p->free, 5);
    assert_int_equal(p->total, 7);
    assert_true(p->memory_gib > 9.749 && p->memory_gib < 9.751);
    assert_int_equal(p->sms, 16);
    assert_int_equal(p->dec, 1);
    assert_int_equal(p->jpeg, 1);
    assert_int_equal(p->nstarts, 7);
    assert_int_equal(p->starts[6], 6);
    assert_int_equal(p->pp_pos.line, 7);
    gpv_smi_release(&s);
}

static void
test_smi_reads_mig_parted_export_counts(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;

    (void)state;
    assert_int_equal(load(&s,
                          "$ nvidia-mig-parted export\n"
                          "version: v1\n"
                          "mig-configs:\n"
                          "  current:\n"
                          "  - device-filter: [\"0x233010DE\", \"0x233110DE\"]\n"
                          "    devices: [0, 2]\n"
                          "    mig-enabled: true\n"
                          "    mig-devices:\n"
                          "      \"1g.10gb\": 4\n"
                          "      \"3g.40gb\": 1\n"
                          "  - devices: all\n"
                          "    mig-enabled: false\n"
                          "$ nvidia-smi -L\n"
                          "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)\n",
                          &err),
                     0);
    assert_int_equal(s.nentries, 2);
    assert_int_equal(s.entries[0].devices, 5);
    assert_int_equal(s.entries[0].nfilters, 2);
    assert_int_equal(s.entries[0].filters[1], 0x2331);
    assert_int_equal(s.entries[0].ncounts, 2);
    assert_string_equal(s.entries[0].counts[0].profile, "1g.10gb");
    assert_int_equal(s.entries[0].counts[0].count, 4);
    assert_int_equal(s.entries[0].counts[0].pos.line, 9);
    assert_int_equal(s.entries[0].counts[0].pos.col, 7);
    assert_true(s.entries[1].all);
    assert_false(s.entries[1].mig_enabled);
    assert_int_equal(s.ngpus, 1); /* the -L after the YAML is read too */
    gpv_smi_release(&s);
}

static void
test_smi_reads_pci_ids_in_both_forms(void **state)
{
    int id = -1;

    (void)state;
    assert_true(gpv_smi_parse_pci_id(&id, "0x233010DE"));
    assert_int_equal(id, 0x2330);
    assert_true(gpv_smi_parse_pci_id(&id, "0x20b5"));
    assert_int_equal(id, 0x20B5);
    assert_true(gpv_smi_parse_pci_id(&id, "0x233010DE:0x16C110DE"));
    assert_int_equal(id, 0x2330);
    assert_false(gpv_smi_parse_pci_id(&id, "2330"));
    assert_false(gpv_smi_parse_pci_id(&id, "0x23301"));
    assert_false(gpv_smi_parse_pci_id(&id, "0xZZZZ10DE"));
    assert_false(gpv_smi_parse_pci_id(&id, "0x233010DE:junk"));
}

static void
test_smi_rejects_binary_bytes_where_they_are(void **state)
{
    (void)state;
    assert_load_error("GPU 0: NVIDIA H100 (UUID: x)\nGPU 1: N\001VIDIA\n", 2, 9, "binary data");
}

static void
test_smi_rejects_a_huge_line(void **state)
{
    char *text = malloc(GPV_SMI_MAX_LINE + 10);

    (void)state;
    memset(text, 'x', GPV_SMI_MAX_LINE + 8);
    text[GPV_SMI_MAX_LINE + 8] = '\0';
    assert_load_error(text, 1, GPV_SMI_MAX_LINE + 1, "line longer than");
    free(text);
}

static void
test_smi_rejects_table_rows_without_their_header(void **state)
{
    (void)state;
    assert_load_error("$ nvidia-smi mig -lgi\n"
                      "|   0  MIG 1g.10gb         19       13          0:1     |\n",
                      2, 1, "header is missing");
}

static void
test_smi_rejects_malformed_rows_at_the_bad_field(void **state)
{
    (void)state;
    assert_load_error("| GPU instances: |\n"
                      "|   0  MIG 1g.10gb         19       13          0-1     |\n",
                      2, 49, "expected a placement START:SIZE");
    assert_load_error("GPU  0 Profile ID 19 Placements: {0,2,1}:1\n", 1, 39, "ascending");
    assert_load_error("index, name\n70, X\n", 2, 1, "GPU index 70 is out of range");
    assert_load_error("0, X, 0x2330, 1 MiB, Maybe\n", 1, 22, "mig.mode.current");
    assert_load_error("0, X, 0x2330\n", 1, 1, "expected 5 comma-separated fields");
    assert_load_error("name, memory.total\nX, 4\n", 1, 1, "needs an 'index' column");
    assert_load_error("hello world\n", 1, 1, "unrecognised line 'hello'");
    assert_load_error("GPU 0: NV\xc3\xa9IDIA (UUID: x)\n", 1, 10, "not printable ASCII");
}

static void
test_smi_rejects_a_gpu_named_twice_differently(void **state)
{
    (void)state;
    assert_load_error("GPU 0: NVIDIA H100 80GB HBM3 (UUID: a)\n"
                      "0, NVIDIA A100-SXM4-40GB, 0x20B010DE, 40960, Enabled\n",
                      2, 4, "GPU 0 is named 'NVIDIA A100-SXM4-40GB' here but");
    assert_load_error("# node: a\n# node: b\n", 2, 9, "second node name 'b'");
}

static void
test_smi_rejects_a_bad_mig_parted_export(void **state)
{
    (void)state;
    assert_load_error("version: v1\nmig-configs:\n  current:\n  - devices: [0]\n"
                      "    mig-enabled: false\n    colour: red\n",
                      6, 5, "unknown key 'colour'");
    assert_load_error("version: v2\nmig-configs: {}\n", 1, 10, "needs 'version: v1'");
    assert_load_error("version: v1\nmig-configs:\n  current:\n  - devices: [0]\n"
                      "    mig-enabled: true\n",
                      4, 5, "needs 'mig-devices'");
}

static const char h100_csv[] = "index, name, pci.device_id, memory.total [MiB], mig.mode.current\n"
                               "0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n";

static void
test_smi_state_has_the_plan_keys(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_val *v = NULL;
    const struct gpv_val *g, *in;
    char text[2048];

    (void)state;
    snprintf(text, sizeof(text),
             "%s| GPU instances: |\n"
             "|   0  MIG 1g.10gb         19       13          6:1     |\n"
             "|   0  MIG 3g.40gb          9        2          0:4     |\n",
             h100_csv);
    assert_int_equal(load(&s, text, &err), 0);
    s.node = strdup("n1");
    assert_int_equal(gpv_smi_state(&v, &db, &s, 1, &err), 0);
    assert_string_equal(gpv_val_get(v, "schema")->s, "gpuvplan.state/1");
    g = gpv_val_get(v, "gpus")->items[0];
    assert_string_equal(gpv_val_get(g, "id")->s, "n1/0");
    assert_string_equal(gpv_val_get(g, "node")->s, "n1");
    assert_int_equal(gpv_val_get(g, "index")->i, 0);
    assert_string_equal(gpv_val_get(g, "model")->s, "h100-80gb");
    assert_string_equal(gpv_val_get(g, "mode")->s, "mig");
    in = gpv_val_get(g, "instances");
    assert_int_equal(in->n, 2);
    assert_string_equal(gpv_val_get(in->items[0], "profile")->s, "3g.40gb"); /* by start */
    assert_int_equal(gpv_val_get(in->items[0], "start")->i, 0);
    assert_int_equal(gpv_val_get(in->items[1], "size")->i, 1);
    gpv_val_free(v);
    gpv_smi_release(&s);
}

static void
test_smi_state_gives_counts_without_starts_from_an_export(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_val *v = NULL;
    const struct gpv_val *g;
    char text[2048];

    (void)state;
    snprintf(text, sizeof(text),
             "%sversion: v1\nmig-configs:\n  current:\n  - devices: all\n"
             "    mig-enabled: true\n    mig-devices: {\"2g.20gb\": 3}\n",
             h100_csv);
    assert_int_equal(load(&s, text, &err), 0);
    s.node = strdup("n1");
    assert_int_equal(gpv_smi_state(&v, &db, &s, 1, &err), 0);
    g = gpv_val_get(v, "gpus")->items[0];
    assert_string_equal(gpv_val_get(g, "instances_known")->s, "counts");
    assert_int_equal(gpv_val_get(g, "instances")->n, 3);
    assert_int_equal(gpv_val_get(gpv_val_get(g, "instances")->items[0], "start")->type, GPV_V_NULL);
    gpv_val_free(v);
    gpv_smi_release(&s);
}

static void
test_smi_state_rejects_unknown_gpus_profiles_and_layouts(void **state)
{
    (void)state;
    assert_state_error("0, NVIDIA Imaginary 9000, 0x999910DE, 1024, Enabled\n", 1, 27,
                       "unknown GPU 'NVIDIA Imaginary 9000' (PCI device 0x9999)");
    assert_state_error("| GPU instances: |\n|   0  MIG 1g.10gb  19  13  6:1 |\n", 2, 5,
                       "GPU 0 has no name or PCI device id");
    assert_state_error("0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n"
                       "| GPU instances: |\n"
                       "|   0  MIG 1g.5gb  33  13  6:1 |\n",
                       3, 20, "h100-80gb has no MIG profile with id 33");
    assert_state_error(
        "0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n"
        "| GPU instances: |\n"
        "|   0  MIG 3g.40gb   9  2  0:4 |\n"
        "|   0  MIG 2g.20gb  14  3  2:2 |\n",
        4, 28, "impossible layout on GPU 0: 2g.20gb at 2:2 overlaps 3g.40gb at 0:4 (line 3)");
    assert_state_error("0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n"
                       "| GPU instances: |\n"
                       "|   0  MIG 3g.40gb   9  2  2:4 |\n",
                       3, 28, "3g.40gb may not start at unit 2 on h100-80gb (allowed: 0,4)");
    assert_state_error("0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Disabled\n"
                       "| GPU instances: |\n"
                       "|   0  MIG 3g.40gb   9  2  0:4 |\n",
                       3, 5, "mig.mode.current is Disabled");
    assert_state_error("0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n"
                       "version: v1\nmig-configs:\n  c:\n  - devices: all\n"
                       "    mig-enabled: true\n    mig-devices: {\"2g.10gb\": 1}\n",
                       7, 19, "h100-80gb has no MIG profile '2g.10gb' (did you mean '2g.20gb'?)");
    assert_state_error("0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n"
                       "version: v1\nmig-configs:\n  c:\n  - devices: all\n"
                       "    mig-enabled: true\n    mig-devices: {\"4g.40gb\": 1, \"3g.40gb\": 2}\n",
                       5, 5, "impossible layout on h100-80gb");
    assert_state_error("0, NVIDIA H100 80GB HBM3, 0x233010DE, 81559 MiB, Enabled\n"
                       "version: v1\nmig-configs:\n  c:\n  - devices: [3]\n"
                       "    mig-enabled: false\n",
                       5, 5, "names GPU 3, which no --query-gpu row");
}

static const char a100_import[] =
    "| NVIDIA-SMI 535.183.01   Driver Version: 535.183.01   CUDA Version: 12.2 |\n"
    "0, NVIDIA A100-SXM4-40GB, 0x20B010DE, 40960, Enabled\n"
    "| GPU instance profiles: |\n"
    "|   0  MIG 1g.5gb   19  7/7  4.75  No  14  0  0 |\n"
    "|                                  1  0  0 |\n"
    "|   0  MIG 7g.40gb   0  1/1  39.25  No  98  5  0 |\n"
    "|                                  7  1  1 |\n"
    "GPU  0 Profile ID 19 Placements: {0,1,2,3,4,5,6}:1\n"
    "GPU  0 Profile ID  0 Placement : {0}:8\n";

static void
test_smi_import_loads_back_through_the_database(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_db tmp;
    char *yaml = NULL;
    const struct gpv_gpu *m;

    (void)state;
    assert_int_equal(load(&s, a100_import, &err), 0);
    assert_string_equal(s.driver, "535.183.01");
    assert_int_equal(gpv_smi_import_profile(&yaml, &db, &s, &err), 0);
    assert_non_null(strstr(yaml, "imported from nvidia-smi output (driver 535.183.01)"));
    gpv_db_init(&tmp);
    if (gpv_db_load_mem(&tmp, yaml, strlen(yaml), "imported.yaml", false, &err))
        fail_msg("%s:%d:%d: %s\n%s", err.file, err.line, err.col, err.msg, yaml);
    m = gpv_db_find(&tmp, "a100-40gb"); /* the known model's id, so --profiles replaces it */
    assert_non_null(m);
    assert_int_equal(m->mig->units, 8);
    assert_int_equal(m->mig->nprofiles, 2);
    assert_int_equal(m->mig->profiles[gpv_gpu_find_profile(m, "1g.5gb")].max, 7);
    assert_null(m->vgpu);
    gpv_db_release(&tmp);
    free(yaml);
    gpv_smi_release(&s);
}

static void
test_smi_compare_lists_each_difference(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;
    struct gpv_buf d;

    (void)state;
    gpv_buf_init(&d);
    assert_int_equal(load(&s, a100_import, &err), 0);
    /* Five a100-40gb profiles are missing from this short output. */
    assert_int_equal(gpv_smi_compare(&d, gpu("a100-40gb"), &s, &err), 5);
    assert_non_null(strstr(gpv_buf_str(&d), "profile '2g.10gb' (id 14): in a100-40gb, not in "
                                            "nvidia-smi"));
    gpv_buf_release(&d);
    gpv_buf_init(&d);
    assert_int_equal(gpv_smi_compare(&d, gpu("h100-80gb"), &s, &err), 16);
    assert_non_null(strstr(gpv_buf_str(&d),
                           "profile id 19: named '1g.5gb' in nvidia-smi, '1g.10gb' in "
                           "h100-80gb"));
    gpv_buf_release(&d);
    gpv_smi_release(&s);
}

static void
test_smi_import_rejects_incomplete_output(void **state)
{
    struct gpv_smi s;
    struct gpv_error err;
    char *yaml = NULL;

    (void)state;
    assert_int_equal(load(&s,
                          "0, NVIDIA A100-SXM4-40GB, 0x20B010DE, 40960, Enabled\n"
                          "| GPU instance profiles: |\n"
                          "|   0  MIG 1g.5gb   19  7/7  4.75  No  14  0  0 |\n",
                          &err),
                     0);
    assert_int_equal(gpv_smi_import_profile(&yaml, &db, &s, &err), GPV_EINPUT);
    assert_null(yaml);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "has no -lgipp placements"));
    gpv_smi_release(&s);
    assert_int_equal(load(&s, "GPU  0 Profile ID 19 Placements: {0}:1\n", &err), 0);
    assert_int_equal(gpv_smi_import_profile(&yaml, &db, &s, &err), GPV_EINPUT);
    assert_non_null(strstr(err.msg, "-lgipp lists profile id 19 of GPU 0, which no -lgip row"));
    gpv_smi_release(&s);
    assert_int_equal(load(&s, "GPU 0: NVIDIA H100 80GB HBM3 (UUID: x)\n", &err), 0);
    assert_int_equal(gpv_smi_import_profile(&yaml, &db, &s, &err), GPV_EINPUT);
    assert_non_null(strstr(err.msg, "no nvidia-smi mig -lgip rows"));
    gpv_smi_release(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smi_reads_query_csv_with_header),
        cmocka_unit_test(test_smi_reads_noheader_nounits_csv),
        cmocka_unit_test(test_smi_reads_columns_in_the_order_of_the_header),
        cmocka_unit_test(test_smi_ignores_prompts_and_reads_the_node_line),
        cmocka_unit_test(test_smi_reads_lgi_whatever_the_column_widths),
        cmocka_unit_test(test_smi_reads_lgip_and_lgipp),
        cmocka_unit_test(test_smi_reads_mig_parted_export_counts),
        cmocka_unit_test(test_smi_reads_pci_ids_in_both_forms),
        cmocka_unit_test(test_smi_rejects_binary_bytes_where_they_are),
        cmocka_unit_test(test_smi_rejects_a_huge_line),
        cmocka_unit_test(test_smi_rejects_table_rows_without_their_header),
        cmocka_unit_test(test_smi_rejects_malformed_rows_at_the_bad_field),
        cmocka_unit_test(test_smi_rejects_a_gpu_named_twice_differently),
        cmocka_unit_test(test_smi_rejects_a_bad_mig_parted_export),
        cmocka_unit_test(test_smi_state_has_the_plan_keys),
        cmocka_unit_test(test_smi_state_gives_counts_without_starts_from_an_export),
        cmocka_unit_test(test_smi_state_rejects_unknown_gpus_profiles_and_layouts),
        cmocka_unit_test(test_smi_import_loads_back_through_the_database),
        cmocka_unit_test(test_smi_compare_lists_each_difference),
        cmocka_unit_test(test_smi_import_rejects_incomplete_output),
    };

    return cmocka_run_group_tests_name("smi", tests, setup, teardown);
}
