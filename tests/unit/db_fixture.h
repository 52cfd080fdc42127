#ifndef GPUVPLAN_TEST_DB_FIXTURE_H
#define GPUVPLAN_TEST_DB_FIXTURE_H

/*
 * For unit tests that work on the embedded database: include after <cmocka.h>, pass setup and
 * teardown to cmocka_run_group_tests_name, then look models, profiles and types up by name;
 * a name that is not there fails the test.
 */

#include "gpuvplan/db.h"

static struct gpv_db db;

static inline int
setup(void **state)
{
    struct gpv_error err;

    (void)state;
    gpv_db_init(&db);
    return gpv_db_load_embedded(&db, &err);
}

static inline int
teardown(void **state)
{
    (void)state;
    gpv_db_release(&db);
    return 0;
}

static inline const struct gpv_gpu *
gpu(const char *id)
{
    const struct gpv_gpu *g = gpv_db_find(&db, id);

    assert_non_null(g);
    return g;
}

static inline int
prof(const struct gpv_gpu *g, const char *name)
{
    int p = gpv_gpu_find_profile(g, name);

    assert_true(p >= 0);
    return p;
}

static inline int
vtype(const struct gpv_gpu *g, const char *name)
{
    int t = gpv_gpu_find_vgpu_type(g, name);

    assert_true(t >= 0);
    return t;
}

#endif
