#include "cli_sources.h"
#include "cli.h"

#include <stdlib.h>

void
cli_sources_print(const struct gpv_source *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char *lead = xasprintf("  [%s] ", v[i].id);

        cli_wrap(stdout, lead, "      ", v[i].title);
        if (v[i].url)
            cli_wrap_at(stdout, cli_columns(), "      ", "      ", v[i].url);
        free(lead);
    }
}

struct gpv_val *
cli_sources_value(const struct gpv_source *v, size_t n)
{
    struct gpv_val *a = gpv_val_arr();
    size_t i;

    for (i = 0; i < n; i++) {
        struct gpv_val *o = gpv_val_push(a, gpv_val_obj());

        gpv_val_set_str(o, "id", v[i].id);
        gpv_val_set_str(o, "title", v[i].title);
        gpv_val_set_str(o, "url", v[i].url);
    }
    return a;
}
