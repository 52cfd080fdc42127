#ifndef GPUVPLAN_TEST_PLAN_FIXTURE_H
#define GPUVPLAN_TEST_PLAN_FIXTURE_H

/*
 * For unit tests that decide and plan: the embedded database and the embedded decision rules,
 * loaded once for the group. Include after <cmocka.h> and pass setup and teardown to
 * cmocka_run_group_tests_name.
 */

#include "gpuvplan/db.h"
#include "gpuvplan/rules.h"

#include <string.h>

static struct gpv_db db;
static struct gpv_ruleset rules;

static int
setup(void **state)
{
    struct gpv_error err;

    (void)state;
    gpv_db_init(&db);
    memset(&rules, 0, sizeof(rules));
    if (gpv_db_load_embedded(&db, &err))
        return -1;
    return gpv_rules_load_embedded(&rules, &err);
}

static int
teardown(void **state)
{
    (void)state;
    gpv_rules_release(&rules);
    gpv_db_release(&db);
    return 0;
}

#endif
