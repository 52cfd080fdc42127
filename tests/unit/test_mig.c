#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/mig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Drivers every model is cross-checked on: newest, and each branch the database names. */
static const int drivers[] = {0, 450, 470, 500, 510, 520, 525, 535};

/*
 * A synthetic 16-unit model with odd starts, two shapes of the same size, a shape shared by two
 * profiles with different maxima, and both kinds of constraint (one driver-bound): it drives
 * the engine through more of its search than the real grids do.
 */
static const char synthetic_yaml[] =
    "id: synthetic-16\n"
    "name: Synthetic 16-unit GPU\n"
    "architecture: hopper\n"
    "memory_mib: 16384\n"
    "sources: [{id: test, title: unit test}]\n"
    "mig:\n"
    "  units: 16\n"
    "  compute_slices: 16\n"
    "  source: test\n"
    "  profiles:\n"
    "    - {name: 1g.1gb, id: 1, compute_slices: 1, size: 1, starts: [0, 2, 4, 6, 8, 10, 12, 14],\n"
    "       max: 5, memory_gib: 1}\n"
    "    - {name: 1g.1gb+me, id: 2, compute_slices: 1, size: 1, starts: [0, 2, 4, 6, 8, 10, 12, "
    "14],\n"
    "       max: 1, memory_gib: 1}\n"
    "    - {name: 1g.1gb.odd, id: 3, compute_slices: 1, size: 1, starts: [1, 3, 5, 7, 9],\n"
    "       max: 3, memory_gib: 1, since_driver: 520}\n"
    "    - {name: 2g.2gb, id: 4, compute_slices: 2, size: 2, starts: [0, 2, 5, 8, 11, 14], max: "
    "4,\n"
    "       memory_gib: 2}\n"
    "    - {name: 3g.3gb, id: 5, compute_slices: 3, size: 3, starts: [1, 4, 7, 10, 13], max: 3,\n"
    "       memory_gib: 3}\n"
    "    - {name: 5g.5gb, id: 6, compute_slices: 5, size: 5, starts: [0, 3, 6, 11], max: 2,\n"
    "       memory_gib: 5}\n"
    "    - {name: 16g.16gb, id: 7, compute_slices: 16, size: 16, starts: [0], max: 1,\n"
    "       memory_gib: 16}\n"
    "  constraints:\n"
    "    - {kind: max, profiles: [1g.1gb+me, 1g.1gb.odd], max: 2, reason: test max}\n"
    "    - {kind: exclusive, a: [5g.5gb], b: [3g.3gb], before_driver: 510, reason: test "
    "exclusive}\n";

struct fixture {
    struct gpv_db db;
};

static int
setup(void **state)
{
    static struct fixture f;
    struct gpv_error err;
    char buf[2048];

    gpv_db_init(&f.db);
    if (gpv_db_load_embedded(&f.db, &err) != 0 ||
        gpv_db_load_mem(&f.db, synthetic_yaml, strlen(synthetic_yaml), "synthetic.yaml", false,
                        &err) != 0) {
        fprintf(stderr, "%s\n", gpv_error_format(&err, buf, sizeof(buf)));
        return -1;
    }
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    gpv_db_release(&f->db);
    return 0;
}

static const struct gpv_gpu *
gpu(void **state, const char *id)
{
    struct fixture *f = *state;
    const struct gpv_gpu *g = gpv_db_find(&f->db, id);

    assert_non_null(g);
    assert_non_null(g->mig);
    return g;
}

static int
prof(const struct gpv_gpu *g, const char *name)
{
    int p = gpv_gpu_find_profile(g, name);

    if (p < 0)
        fail_msg("no profile '%s' on %s", name, g->id);
    return p;
}

/* counts = zeros, then the (name, count) pairs up to a NULL name. */
static int *
counts_of(int *counts, const struct gpv_gpu *g, ...)
{
    va_list ap;
    const char *name;

    memset(counts, 0, GPV_MIG_MAX_PROFILES * sizeof(*counts));
    va_start(ap, g);
    while ((name = va_arg(ap, const char *)) != NULL)
        counts[prof(g, name)] += va_arg(ap, int);
    va_end(ap);
    return counts;
}

static void
assert_instance(const struct gpv_gpu *g, const struct gpv_mig_layout *l, int i, const char *name,
                int start)
{
    assert_true(i < l->n);
    assert_string_equal(g->mig->profiles[l->inst[i].profile].name, name);
    assert_int_equal(l->inst[i].start, start);
}

static void
test_mig_rejects_four_2g_20gb_on_h100_with_a_count_reason(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r[8];
    struct gpv_mig_layout l;

    counts_of(c, g, "2g.20gb", 4, NULL);
    assert_false(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(gpv_mig_explain(r, 8, g, c, 0), 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_OVER_MAX);
    assert_int_equal(r[0].profile, prof(g, "2g.20gb"));
    assert_int_equal(r[0].count, 4);
    assert_int_equal(r[0].limit, 3);
    assert_string_equal(gpv_mig_reason_kind_name(r[0].kind), "over-max");
}

static void
test_mig_places_four_1g_20gb_on_h100_at_units_0_2_4_6(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_layout l;
    int i;

    counts_of(c, g, "1g.20gb", 4, NULL);
    assert_true(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(l.n, 4);
    for (i = 0; i < 4; i++)
        assert_instance(g, &l, i, "1g.20gb", 2 * i);
    assert_int_equal(gpv_mig_explain(NULL, 0, g, c, 0), 0);
}

static void
test_mig_accepts_4g_with_3g_on_h100_on_the_newest_driver(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_layout l;

    counts_of(c, g, "4g.40gb", 1, "3g.40gb", 1, NULL);
    assert_true(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(l.n, 2);
    assert_instance(g, &l, 0, "4g.40gb", 0);
    assert_instance(g, &l, 1, "3g.40gb", 4);
}

static void
test_mig_rejects_4g_with_3g_on_a100_before_r510_and_accepts_it_from_r510(void **state)
{
    const char *ids[] = {"a100-40gb", "a100-80gb"};
    const char *big[] = {"4g.20gb", "4g.40gb"}, *three[] = {"3g.20gb", "3g.40gb"};
    int c[GPV_MIG_MAX_PROFILES], k;
    struct gpv_mig_reason r[4];
    struct gpv_mig_layout l;

    for (k = 0; k < 2; k++) {
        const struct gpv_gpu *g = gpu(state, ids[k]);

        counts_of(c, g, big[k], 1, three[k], 1, NULL);
        assert_false(gpv_mig_place(&l, g, c, 470));
        assert_int_equal(gpv_mig_explain(r, 4, g, c, 470), 1);
        assert_int_equal(r[0].kind, GPV_MIG_R_CONSTRAINT);
        assert_int_equal(g->mig->constraints[r[0].constraint].kind, GPV_CONSTRAINT_EXCLUSIVE);
        assert_int_equal(r[0].involved, (1ull << prof(g, big[k])) | (1ull << prof(g, three[k])));
        assert_false(gpv_mig_place(NULL, g, c, 509));
        assert_true(gpv_mig_place(&l, g, c, 510));
        assert_instance(g, &l, 0, big[k], 0);
        assert_instance(g, &l, 1, three[k], 4);
        assert_true(gpv_mig_place(NULL, g, c, 0));
    }
}

static void
test_mig_finds_the_a100_layout_the_drivers_automatic_order_misses(void **state)
{
    /* -cgi 19,19,14,9 fails on an A100-40GB (MIG guide); the geometry is valid all the same. */
    const struct gpv_gpu *g = gpu(state, "a100-40gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_layout l;

    counts_of(c, g, "1g.5gb", 2, "2g.10gb", 1, "3g.20gb", 1, NULL);
    assert_true(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(l.n, 4);
    assert_instance(g, &l, 0, "2g.10gb", 0);
    assert_instance(g, &l, 1, "1g.5gb", 2);
    assert_instance(g, &l, 2, "1g.5gb", 3);
    assert_instance(g, &l, 3, "3g.20gb", 4);
}

static void
test_mig_reports_a_profile_newer_than_the_driver(void **state)
{
    const struct gpv_gpu *g = gpu(state, "a100-40gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r[4];

    counts_of(c, g, "1g.10gb", 1, NULL);
    assert_false(gpv_mig_place(NULL, g, c, 470));
    assert_int_equal(gpv_mig_explain(r, 4, g, c, 470), 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_TOO_NEW);
    assert_int_equal(r[0].limit, 525);
    assert_true(gpv_mig_place(NULL, g, c, 525));
    assert_true(gpv_mig_place(NULL, g, c, 0));
}

static void
test_mig_allows_one_media_extension_instance_per_gpu(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r[4];

    counts_of(c, g, "1g.10gb+me", 1, "1g.10gb", 6, NULL);
    assert_true(gpv_mig_place(NULL, g, c, 0));
    counts_of(c, g, "1g.10gb+me", 2, NULL);
    assert_false(gpv_mig_place(NULL, g, c, 0));
    assert_true(gpv_mig_explain(r, 4, g, c, 0) >= 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_OVER_MAX);
    assert_int_equal(r[0].limit, 1);
}

static void
test_mig_rejects_both_a30_media_profiles_together(void **state)
{
    const struct gpv_gpu *g = gpu(state, "a30");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r[4];
    struct gpv_mig_layout l;

    counts_of(c, g, "1g.6gb+me", 1, "2g.12gb+me", 1, NULL);
    assert_false(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(gpv_mig_explain(r, 4, g, c, 0), 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_CONSTRAINT);
    assert_int_equal(r[0].count, 2);
    assert_int_equal(r[0].limit, 1);
    counts_of(c, g, "1g.6gb+me", 1, "2g.12gb", 1, "1g.6gb", 1, NULL);
    assert_true(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(l.n, 3);
    assert_instance(g, &l, 0, "2g.12gb", 0);
    assert_instance(g, &l, 1, "1g.6gb", 2);
    assert_instance(g, &l, 2, "1g.6gb+me", 3);
}

static void
test_mig_handles_the_12_unit_rtx_pro_6000_grid(void **state)
{
    const struct gpv_gpu *g = gpu(state, "rtx-pro-6000");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r[4];
    struct gpv_mig_layout l;

    counts_of(c, g, "2g.48gb", 1, "1g.24gb", 2, NULL);
    assert_true(gpv_mig_place(&l, g, c, 0));
    assert_instance(g, &l, 0, "2g.48gb", 0);
    assert_instance(g, &l, 1, "1g.24gb", 6);
    assert_instance(g, &l, 2, "1g.24gb", 9);

    counts_of(c, g, "1g.24gb+me.all", 1, "1g.24gb-me", 3, NULL);
    assert_true(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(l.n, 4);

    counts_of(c, g, "1g.24gb+me.all", 1, "1g.24gb", 1, NULL);
    assert_false(gpv_mig_place(NULL, g, c, 0));
    assert_int_equal(gpv_mig_explain(r, 4, g, c, 0), 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_CONSTRAINT);

    counts_of(c, g, "4g.96gb", 1, "1g.24gb", 1, NULL);
    assert_false(gpv_mig_place(NULL, g, c, 0));
    assert_int_equal(gpv_mig_explain(r, 4, g, c, 0), 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_NO_PLACEMENT);
    assert_int_equal(r[0].profile, prof(g, "1g.24gb"));
    assert_int_equal(r[0].limit, 0);
    assert_int_equal(r[0].units_needed, 15);

    counts_of(c, g, "2g.48gb", 1, "2g.48gb-me", 1, "1g.24gb", 1, NULL);
    assert_false(gpv_mig_place(NULL, g, c, 0));
    assert_int_equal(gpv_mig_max_more(g, c, prof(g, "1g.24gb"), 0), -1);
    assert_int_equal(gpv_mig_max_more(g, counts_of(c, g, NULL), prof(g, "1g.24gb"), 0), 4);
}

static void
test_mig_explains_which_instances_take_the_room(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r[4];

    /* 4g.40gb takes units 0-3; 2g.20gb may start at 0, 2 or 4; only one more fits. */
    counts_of(c, g, "4g.40gb", 1, "2g.20gb", 3, NULL);
    assert_int_equal(gpv_mig_explain(r, 4, g, c, 0), 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_NO_PLACEMENT);
    assert_int_equal(r[0].profile, prof(g, "2g.20gb"));
    assert_int_equal(r[0].count, 3);
    assert_int_equal(r[0].limit, 1);
    assert_int_equal(r[0].involved, 1ull << prof(g, "4g.40gb"));
    assert_int_equal(r[0].units_needed, 10);
    assert_int_equal(r[0].placed.n, 2);
    assert_instance(g, &r[0].placed, 0, "4g.40gb", 0);
    assert_instance(g, &r[0].placed, 1, "2g.20gb", 4);

    /* Eight units asked for eight units, but unit 7 takes no 1g.10gb. */
    counts_of(c, g, "2g.20gb", 3, "1g.10gb", 2, NULL);
    assert_int_equal(gpv_mig_explain(r, 4, g, c, 0), 1);
    assert_int_equal(r[0].kind, GPV_MIG_R_NO_PLACEMENT);
    assert_int_equal(r[0].profile, prof(g, "1g.10gb"));
    assert_int_equal(r[0].limit, 1);
    assert_int_equal(r[0].units_needed, 8);

    /* A count over the max and a conflict are both reported; the conflict uses the max. */
    counts_of(c, g, "4g.40gb", 1, "2g.20gb", 5, NULL);
    assert_int_equal(gpv_mig_explain(r, 4, g, c, 0), 2);
    assert_int_equal(r[0].kind, GPV_MIG_R_OVER_MAX);
    assert_int_equal(r[1].kind, GPV_MIG_R_NO_PLACEMENT);
    assert_int_equal(r[1].count, 3);

    /* The total is returned even when the array is too short. */
    assert_int_equal(gpv_mig_explain(r, 1, g, c, 0), 2);
}

static void
test_mig_place_fixed_keeps_instances_where_they_are(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_layout fixed = {1, {{0, 3}}}, l;

    fixed.inst[0].profile = prof(g, "1g.10gb");
    counts_of(c, g, "3g.40gb", 1, NULL);
    assert_true(gpv_mig_place_fixed(&l, g, &fixed, c, 0));
    assert_int_equal(l.n, 2);
    assert_instance(g, &l, 0, "1g.10gb", 3);
    assert_instance(g, &l, 1, "3g.40gb", 4);
    counts_of(c, g, "3g.40gb", 2, NULL);
    assert_false(gpv_mig_place_fixed(&l, g, &fixed, c, 0));
    assert_true(gpv_mig_place(NULL, g, c, 0));
    /* Six more 1g.10gb fit around unit 3, a seventh would exceed the max. */
    counts_of(c, g, "1g.10gb", 6, NULL);
    assert_true(gpv_mig_place_fixed(&l, g, &fixed, c, 0));
    assert_int_equal(l.n, 7);
    counts_of(c, g, "1g.10gb", 7, NULL);
    assert_false(gpv_mig_place_fixed(&l, g, &fixed, c, 0));
    /* A plan's placement re-validated exactly as written. */
    assert_true(gpv_mig_place_fixed(&l, g, &fixed, NULL, 0));
    assert_int_equal(l.n, 1);
    fixed.inst[0].start = 7;
    assert_false(gpv_mig_place_fixed(&l, g, &fixed, NULL, 0));
}

static void
test_mig_check_layout_names_every_bad_instance(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct gpv_mig_layout l;
    struct gpv_mig_reason r[16];
    int n;

    l.n = 5;
    l.inst[0].profile = prof(g, "2g.20gb");
    l.inst[0].start = 6; /* in the grid, but 2g.20gb may start at 0, 2, 4 only */
    l.inst[1].profile = prof(g, "3g.40gb");
    l.inst[1].start = 4;
    l.inst[2].profile = prof(g, "1g.20gb");
    l.inst[2].start = 4; /* overlaps the 3g.40gb */
    l.inst[3].profile = prof(g, "7g.80gb");
    l.inst[3].start = 1; /* runs past the grid */
    l.inst[4].profile = 99;
    l.inst[4].start = 0;
    n = gpv_mig_check_layout(r, 16, g, &l, 0);
    assert_int_equal(n, 5);
    assert_int_equal(r[0].kind, GPV_MIG_R_BAD_START);
    assert_int_equal(r[0].instance, 0);
    assert_int_equal(r[1].kind, GPV_MIG_R_OVERLAP);
    assert_int_equal(r[1].instance, 1);
    assert_int_equal(r[1].other, 0);
    assert_int_equal(r[2].kind, GPV_MIG_R_OVERLAP);
    assert_int_equal(r[2].instance, 2);
    assert_int_equal(r[2].other, 1);
    assert_int_equal(r[3].kind, GPV_MIG_R_OUT_OF_GRID);
    assert_int_equal(r[3].instance, 3);
    assert_int_equal(r[4].kind, GPV_MIG_R_UNKNOWN);
    assert_int_equal(r[4].instance, 4);
    assert_int_equal(r[4].profile, 99);
    /* The total is returned even when the array is too short. */
    assert_int_equal(gpv_mig_check_layout(r, 2, g, &l, 0), 5);
}

static void
test_mig_check_layout_accepts_what_place_returns(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_reason r[4];
    struct gpv_mig_layout l;

    counts_of(c, g, "3g.40gb", 1, "1g.20gb", 1, "1g.10gb+me", 1, "1g.10gb", 1, NULL);
    assert_true(gpv_mig_place(&l, g, c, 0));
    assert_int_equal(gpv_mig_check_layout(NULL, 0, g, &l, 0), 0);
    /* Two +me: over the profile's max of 1, and against the media constraint. */
    assert_instance(g, &l, 1, "1g.10gb", 4);
    l.inst[1].profile = prof(g, "1g.10gb+me");
    assert_int_equal(gpv_mig_check_layout(r, 4, g, &l, 0), 2);
    assert_int_equal(r[0].kind, GPV_MIG_R_OVER_MAX);
    assert_int_equal(r[1].kind, GPV_MIG_R_CONSTRAINT);
}

static void
test_mig_counts_what_more_fits(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    int c[GPV_MIG_MAX_PROFILES];

    counts_of(c, g, NULL);
    assert_int_equal(gpv_mig_max_more(g, c, prof(g, "1g.10gb"), 0), 7);
    assert_int_equal(gpv_mig_max_more(g, c, prof(g, "2g.20gb"), 0), 3);
    assert_int_equal(gpv_mig_max_more(g, c, prof(g, "1g.10gb+me"), 0), 1);
    counts_of(c, g, "4g.40gb", 1, NULL);
    assert_int_equal(gpv_mig_max_more(g, c, prof(g, "2g.20gb"), 0), 1);
    assert_int_equal(gpv_mig_max_more(g, c, prof(g, "1g.20gb"), 0), 2);
    assert_true(gpv_mig_can_add(g, c, prof(g, "3g.40gb"), 0));
    assert_true(gpv_mig_can_add(g, c, prof(g, "3g.40gb"), 470)); /* no driver rule on H100 */
    counts_of(c, g, "4g.40gb", 1, "3g.40gb", 1, NULL);
    assert_false(gpv_mig_can_add(g, c, prof(g, "1g.10gb"), 0));
    assert_int_equal(gpv_mig_max_more(g, c, prof(g, "1g.10gb"), 0), 0);
}

static void
test_mig_parses_driver_versions(void **state)
{
    int d = -1;

    (void)state;
    assert_true(gpv_mig_parse_driver(&d, "535.183.01"));
    assert_int_equal(d, 535);
    assert_true(gpv_mig_parse_driver(&d, "R510"));
    assert_int_equal(d, 510);
    assert_true(gpv_mig_parse_driver(&d, "r470"));
    assert_int_equal(d, 470);
    assert_true(gpv_mig_parse_driver(&d, "525"));
    assert_int_equal(d, 525);
    d = -1;
    assert_false(gpv_mig_parse_driver(&d, ""));
    assert_false(gpv_mig_parse_driver(&d, "R"));
    assert_false(gpv_mig_parse_driver(&d, "0"));
    assert_false(gpv_mig_parse_driver(&d, "535."));
    assert_false(gpv_mig_parse_driver(&d, "535..1"));
    assert_false(gpv_mig_parse_driver(&d, "535x"));
    assert_false(gpv_mig_parse_driver(&d, "12345"));
    assert_false(gpv_mig_parse_driver(&d, "latest"));
    assert_int_equal(d, -1);
}

/* ---- The independent cross-check ------------------------------------------------------------ */

/*
 * A set of count vectors (GPV_MIG_MAX_PROFILES bytes each), open addressing. The brute force
 * and the engine's enumeration each fill one; the test compares them.
 */
struct vset {
    size_t cap, n;
    unsigned char *keys; /* cap * GPV_MIG_MAX_PROFILES */
    unsigned char *used;
    unsigned char *maximal;
};

static void
vset_init(struct vset *s)
{
    s->cap = 1u << 16;
    s->n = 0;
    s->keys = calloc(s->cap, GPV_MIG_MAX_PROFILES);
    s->used = calloc(s->cap, 1);
    s->maximal = calloc(s->cap, 1);
    assert_non_null(s->keys);
    assert_non_null(s->used);
    assert_non_null(s->maximal);
}

static void
vset_free(struct vset *s)
{
    free(s->keys);
    free(s->used);
    free(s->maximal);
}

static void
key_of(unsigned char *key, const int *counts, size_t n)
{
    size_t i;

    memset(key, 0, GPV_MIG_MAX_PROFILES);
    for (i = 0; i < n; i++)
        key[i] = (unsigned char)counts[i];
}

/* Index of the slot holding key, or of the empty slot where it would go. */
static size_t
vset_slot(const struct vset *s, const unsigned char *key)
{
    size_t h = 1469598103u, i;

    for (i = 0; i < GPV_MIG_MAX_PROFILES; i++)
        h = (h ^ key[i]) * 16777619u;
    for (h &= s->cap - 1; s->used[h]; h = (h + 1) & (s->cap - 1))
        if (!memcmp(s->keys + h * GPV_MIG_MAX_PROFILES, key, GPV_MIG_MAX_PROFILES))
            break;
    return h;
}

/* Adds key; returns false when it was there already. */
static bool
vset_add(struct vset *s, const unsigned char *key)
{
    size_t h = vset_slot(s, key);

    if (s->used[h])
        return false;
    assert_true(s->n < s->cap / 2);
    s->used[h] = 1;
    memcpy(s->keys + h * GPV_MIG_MAX_PROFILES, key, GPV_MIG_MAX_PROFILES);
    s->n++;
    return true;
}

static bool
vset_has(const struct vset *s, const unsigned char *key)
{
    return s->used[vset_slot(s, key)] != 0;
}

/* The rules written again from docs/profiles.md, without the engine's helpers. */
static bool
brute_rules_hold(const struct gpv_gpu *g, const int *counts, int driver)
{
    const struct gpv_mig *mig = g->mig;
    size_t i, k;

    for (i = 0; i < mig->nprofiles; i++) {
        if (counts[i] > mig->profiles[i].max)
            return false;
        if (counts[i] && driver && mig->profiles[i].since_driver > driver)
            return false;
    }
    for (k = 0; k < mig->nconstraints; k++) {
        const struct gpv_mig_constraint *c = &mig->constraints[k];
        int in_a = 0, in_b = 0;

        if (c->before_driver && (driver == 0 || driver >= c->before_driver))
            continue;
        for (i = 0; i < mig->nprofiles; i++) {
            if (c->a & (1ull << i))
                in_a += counts[i];
            if (c->b & (1ull << i))
                in_b += counts[i];
        }
        if (c->kind == GPV_CONSTRAINT_MAX && in_a > c->max)
            return false;
        if (c->kind == GPV_CONSTRAINT_EXCLUSIVE && in_a > 0 && in_b > 0)
            return false;
    }
    return true;
}

/*
 * The brute force: every set of (profile, start) pairs whose intervals are pairwise disjoint,
 * found by deciding pair after pair whether it is in (unit occupancy kept in a plain array),
 * and the count vector of each set kept when the rules hold. Different algorithm from the
 * engine's: no shapes, no scan order, no slack.
 */
struct brute {
    const struct gpv_gpu *g;
    int driver;
    int npairs;
    int pair_profile[GPV_MIG_MAX_PROFILES * GPV_MIG_MAX_UNITS];
    int pair_start[GPV_MIG_MAX_PROFILES * GPV_MIG_MAX_UNITS];
    int counts[GPV_MIG_MAX_PROFILES];
    char occupied[GPV_MIG_MAX_UNITS];
    struct vset *out;
};

static void
brute_rec(struct brute *b, int k)
{
    const struct gpv_mig *mig = b->g->mig;
    unsigned char key[GPV_MIG_MAX_PROFILES];
    int p, u, size, any = 0;
    size_t i;

    if (k == b->npairs) {
        for (i = 0; i < mig->nprofiles; i++)
            any += b->counts[i];
        if (any && brute_rules_hold(b->g, b->counts, b->driver)) {
            key_of(key, b->counts, mig->nprofiles);
            vset_add(b->out, key);
        }
        return;
    }
    brute_rec(b, k + 1);
    p = b->pair_profile[k];
    size = mig->profiles[p].size;
    if (b->counts[p] >= mig->profiles[p].max)
        return;
    for (u = b->pair_start[k]; u < b->pair_start[k] + size; u++)
        if (b->occupied[u])
            return;
    for (u = b->pair_start[k]; u < b->pair_start[k] + size; u++)
        b->occupied[u] = 1;
    b->counts[p]++;
    brute_rec(b, k + 1);
    b->counts[p]--;
    for (u = b->pair_start[k]; u < b->pair_start[k] + size; u++)
        b->occupied[u] = 0;
}

static void
brute_force(struct vset *out, const struct gpv_gpu *g, int driver)
{
    static struct brute b;
    size_t p;
    int s;

    memset(&b, 0, sizeof(b));
    b.g = g;
    b.driver = driver;
    b.out = out;
    for (p = 0; p < g->mig->nprofiles; p++) {
        for (s = 0; s < g->mig->profiles[p].nstarts; s++) {
            b.pair_profile[b.npairs] = (int)p;
            b.pair_start[b.npairs] = g->mig->profiles[p].starts[s];
            b.npairs++;
        }
    }
    brute_rec(&b, 0);
}

/* A witness checked from first principles: in the grid, at a listed start, disjoint, right counts.
 */
static void
assert_witness(const struct gpv_gpu *g, const int *counts, const struct gpv_mig_layout *w)
{
    const struct gpv_mig *mig = g->mig;
    int seen[GPV_MIG_MAX_PROFILES] = {0};
    char occupied[GPV_MIG_MAX_UNITS] = {0};
    int i, s, u;
    size_t p;
    bool listed;

    assert_true(w->n >= 1 && w->n <= GPV_MIG_MAX_INSTANCES);
    for (i = 0; i < w->n; i++) {
        const struct gpv_mig_profile *pr;

        assert_true(w->inst[i].profile >= 0 && (size_t)w->inst[i].profile < mig->nprofiles);
        pr = &mig->profiles[w->inst[i].profile];
        listed = false;
        for (s = 0; s < pr->nstarts; s++)
            listed |= pr->starts[s] == w->inst[i].start;
        assert_true(listed);
        assert_true(w->inst[i].start + pr->size <= mig->units);
        for (u = w->inst[i].start; u < w->inst[i].start + pr->size; u++) {
            assert_false(occupied[u]);
            occupied[u] = 1;
        }
        seen[w->inst[i].profile]++;
        if (i > 0)
            assert_true(w->inst[i - 1].start < w->inst[i].start);
    }
    for (p = 0; p < mig->nprofiles; p++)
        assert_int_equal(seen[p], counts[p]);
}

struct engine_run {
    const struct gpv_gpu *g;
    int driver;
    struct vset *set;
    size_t nmaximal;
};

static int
engine_one(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    struct engine_run *e = ctx;
    unsigned char key[GPV_MIG_MAX_PROFILES];

    assert_witness(e->g, counts, witness);
    key_of(key, counts, e->g->mig->nprofiles);
    if (!vset_add(e->set, key))
        fail_msg("%s: a multiset enumerated twice", e->g->id);
    e->set->maximal[vset_slot(e->set, key)] = maximal;
    e->nmaximal += maximal;
    return 0;
}

/* Maximal from the brute-force set: no one-instance extension is in it. */
static bool
brute_maximal(const struct vset *s, const unsigned char *key, size_t nprofiles)
{
    unsigned char k2[GPV_MIG_MAX_PROFILES];
    size_t p;

    for (p = 0; p < nprofiles; p++) {
        memcpy(k2, key, GPV_MIG_MAX_PROFILES);
        k2[p]++;
        if (vset_has(s, k2))
            return false;
    }
    return true;
}

static void
cross_check(const struct gpv_gpu *g, int driver)
{
    struct vset brute, engine;
    struct engine_run e;
    size_t h, p;
    int counts[GPV_MIG_MAX_PROFILES];
    struct gpv_mig_layout l;

    vset_init(&brute);
    vset_init(&engine);
    brute_force(&brute, g, driver);
    e.g = g;
    e.driver = driver;
    e.set = &engine;
    e.nmaximal = 0;
    assert_int_equal(gpv_mig_enumerate(g, driver, engine_one, &e), 0);
    if (brute.n != engine.n)
        fail_msg("%s driver %d: brute force finds %zu layouts, the engine %zu", g->id, driver,
                 brute.n, engine.n);
    for (h = 0; h < brute.cap; h++) {
        const unsigned char *key = brute.keys + h * GPV_MIG_MAX_PROFILES;

        if (!brute.used[h])
            continue;
        if (!vset_has(&engine, key))
            fail_msg("%s driver %d: a valid multiset the engine misses", g->id, driver);
        assert_int_equal(engine.maximal[vset_slot(&engine, key)] != 0,
                         brute_maximal(&brute, key, g->mig->nprofiles));
        /* Each valid multiset: place and explain agree; each extension outside the set fails. */
        for (p = 0; p < g->mig->nprofiles; p++)
            counts[p] = key[p];
        assert_true(gpv_mig_place(&l, g, counts, driver));
        assert_witness(g, counts, &l);
        assert_int_equal(gpv_mig_explain(NULL, 0, g, counts, driver), 0);
        assert_int_equal(gpv_mig_check_layout(NULL, 0, g, &l, driver), 0);
        for (p = 0; p < g->mig->nprofiles; p++) {
            unsigned char k2[GPV_MIG_MAX_PROFILES];
            bool valid;

            memcpy(k2, key, sizeof(k2));
            k2[p]++;
            valid = vset_has(&brute, k2);
            assert_int_equal(gpv_mig_can_add(g, counts, (int)p, driver), valid);
            counts[p]++;
            if (!valid)
                assert_true(gpv_mig_explain(NULL, 0, g, counts, driver) > 0);
            counts[p]--;
        }
    }
    vset_free(&brute);
    vset_free(&engine);
}

static void
test_mig_layouts_match_a_brute_force_enumerator_on_every_model(void **state)
{
    struct fixture *f = *state;
    size_t i, d, models = 0;

    for (i = 0; i < f->db.ngpus; i++) {
        if (!f->db.gpus[i]->mig)
            continue;
        models++;
        for (d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++)
            cross_check(f->db.gpus[i], drivers[d]);
    }
    /* Every MIG model of the database, plus the synthetic one. */
    assert_true(models >= 15);
}

static void
test_mig_enumerates_known_totals(void **state)
{
    struct vset s;
    struct engine_run e;

    /* Figures the brute force confirms above; pinned so a database change is noticed. */
    e.g = gpu(state, "a30");
    e.driver = 0;
    e.set = &s;
    e.nmaximal = 0;
    vset_init(&s);
    assert_int_equal(gpv_mig_enumerate(e.g, 0, engine_one, &e), 0);
    assert_int_equal(s.n, 19);
    assert_int_equal(e.nmaximal, 8);
    vset_free(&s);
}

static int
stop_after_three(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    int *n = ctx;

    (void)counts;
    (void)witness;
    (void)maximal;
    return ++*n == 3 ? 42 : 0;
}

static void
test_mig_enumeration_stops_when_the_callback_says_so(void **state)
{
    int n = 0;

    assert_int_equal(gpv_mig_enumerate(gpu(state, "h100-80gb"), 0, stop_after_three, &n), 42);
    assert_int_equal(n, 3);
}

struct first_two {
    int n;
    int counts[2][GPV_MIG_MAX_PROFILES];
};

static int
keep_first_two(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    struct first_two *f = ctx;

    (void)witness;
    (void)maximal;
    memcpy(f->counts[f->n], counts, sizeof(f->counts[0]));
    return ++f->n == 2;
}

static void
test_mig_enumerates_largest_profiles_first(void **state)
{
    const struct gpv_gpu *g = gpu(state, "h100-80gb");
    struct first_two f;
    int c[GPV_MIG_MAX_PROFILES];

    memset(&f, 0, sizeof(f));
    assert_int_equal(gpv_mig_enumerate(g, 0, keep_first_two, &f), 1);
    assert_memory_equal(f.counts[0], counts_of(c, g, "7g.80gb", 1, NULL),
                        g->mig->nprofiles * sizeof(int));
    assert_memory_equal(f.counts[1], counts_of(c, g, "4g.40gb", 1, "3g.40gb", 1, NULL),
                        g->mig->nprofiles * sizeof(int));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mig_rejects_four_2g_20gb_on_h100_with_a_count_reason),
        cmocka_unit_test(test_mig_places_four_1g_20gb_on_h100_at_units_0_2_4_6),
        cmocka_unit_test(test_mig_accepts_4g_with_3g_on_h100_on_the_newest_driver),
        cmocka_unit_test(test_mig_rejects_4g_with_3g_on_a100_before_r510_and_accepts_it_from_r510),
        cmocka_unit_test(test_mig_finds_the_a100_layout_the_drivers_automatic_order_misses),
        cmocka_unit_test(test_mig_reports_a_profile_newer_than_the_driver),
        cmocka_unit_test(test_mig_allows_one_media_extension_instance_per_gpu),
        cmocka_unit_test(test_mig_rejects_both_a30_media_profiles_together),
        cmocka_unit_test(test_mig_handles_the_12_unit_rtx_pro_6000_grid),
        cmocka_unit_test(test_mig_explains_which_instances_take_the_room),
        cmocka_unit_test(test_mig_place_fixed_keeps_instances_where_they_are),
        cmocka_unit_test(test_mig_check_layout_names_every_bad_instance),
        cmocka_unit_test(test_mig_check_layout_accepts_what_place_returns),
        cmocka_unit_test(test_mig_counts_what_more_fits),
        cmocka_unit_test(test_mig_parses_driver_versions),
        cmocka_unit_test(test_mig_layouts_match_a_brute_force_enumerator_on_every_model),
        cmocka_unit_test(test_mig_enumerates_known_totals),
        cmocka_unit_test(test_mig_enumeration_stops_when_the_callback_says_so),
        cmocka_unit_test(test_mig_enumerates_largest_profiles_first),
    };

    return cmocka_run_group_tests_name("mig", tests, setup, teardown);
}
