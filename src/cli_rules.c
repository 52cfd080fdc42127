#include "cli_rules.h"

#include <stdlib.h>
#include <string.h>

int
cli_rules_load(struct gpv_ruleset *out, const char *path, struct gpv_error *err)
{
    char *buf = NULL;
    size_t len;
    int rc;

    if (!path)
        return gpv_rules_load_embedded(out, err);
    memset(out, 0, sizeof(*out));
    if ((rc = cli_read_file(&buf, &len, path, err)))
        return rc;
    rc = gpv_rules_load_mem(out, buf, len, path, err);
    free(buf);
    return rc;
}

int
cli_tenants_load(struct gpv_cli *cli, struct gpv_tenants *out, const char *path,
                 struct gpv_error *err)
{
    char *buf = NULL;
    size_t len;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = cli_db(cli, err)))
        return rc;
    if ((rc = cli_read_file(&buf, &len, path, err)))
        return rc;
    rc = gpv_tenants_load_mem(out, buf, len, !strcmp(path, "-") ? "<stdin>" : path, &cli->db, err);
    free(buf);
    return rc;
}
