/* Fuzz target: what `diff` and `recommend --from` do with a document: JSON parsing, reading it
 * as a plan or a state, then comparing it with itself (which must find no change). */
#include "gpuvplan/db.h"
#include "gpuvplan/diff.h"
#include "gpuvplan/value.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gpv_db db;
    static int loaded;
    struct gpv_diff_doc doc;
    struct gpv_error err;
    struct gpv_val *v = NULL;

    if (!loaded) {
        gpv_db_init(&db);
        if (gpv_db_load_embedded(&db, &err) != 0)
            return 0;
        loaded = 1;
    }
    gpv_diff_doc_init(&doc);
    if (gpv_val_parse_json(&v, (const char *)data, size, "fuzz.json", &err) == 0 &&
        gpv_diff_doc_read(&doc, v, &db, "fuzz.json", &err) == 0) {
        struct gpv_diff d;
        struct gpv_val *out;

        if (gpv_diff_compare(&d, &doc, &doc) != 0)
            abort(); /* a document always equals itself */
        out = gpv_diff_build(&d, "a", "b");
        gpv_val_free(out);
        gpv_diff_release(&d);
    }
    gpv_diff_doc_release(&doc);
    gpv_val_free(v);
    return 0;
}
