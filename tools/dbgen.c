/*
 * Build-time generator: parses the model files embedded in the binary (build/embedded.c, from
 * profiles/gpus/) with the library's loader and writes them as C static data (gpv_db_write_c),
 * so that gpv_db_load_embedded parses nothing at start-up. Usage: dbgen OUT.c
 * Linked with the library's objects but not with the data it writes: the empty table below
 * makes gpv_db_load_embedded parse the YAML. Written to OUT.c.tmp and renamed, so an
 * interrupted build leaves no half file. Exit 0, 1 on a bad model file or a write error.
 */
#include "gpuvplan/db.h"
#include "gpuvplan/error.h"
#include "gpuvplan/util.h"
#include "db_int.h"

#include <stdio.h>

struct gpv_gpu *const gpv_db_compiled[] = {NULL};
const size_t gpv_db_compiled_count = 0;

int
main(int argc, char **argv)
{
    struct gpv_error err = {0};
    struct gpv_buf out = {0};
    struct gpv_db db;
    char tmp[4096];
    FILE *f = NULL;
    int rc = 1;

    gpv_db_init(&db);
    if (argc != 2) {
        fputs("usage: dbgen OUT.c\n", stderr);
        return 2;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]) >= (int)sizeof(tmp))
        return 2;
    if (gpv_db_load_embedded_yaml(&db, &err)) {
        fprintf(stderr, "dbgen: %s\n", err.msg);
        goto out;
    }
    gpv_db_write_c(&out, &db);
    f = fopen(tmp, "w");
    if (!f || fwrite(gpv_buf_str(&out), 1, out.len, f) != out.len) {
        perror(tmp);
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        perror(tmp);
        goto out;
    }
    f = NULL;
    if (rename(tmp, argv[1]) != 0) {
        perror(argv[1]);
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    gpv_buf_release(&out);
    gpv_db_release(&db);
    return rc;
}
