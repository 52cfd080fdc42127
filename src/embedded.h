#ifndef GPUVPLAN_EMBEDDED_H
#define GPUVPLAN_EMBEDDED_H

/* Files compiled into the binary by tools/embed.c (profiles/ at build time). */

#include <stddef.h>

struct gpv_embedded_file {
    const char *name; /* path relative to the source tree: "profiles/gpus/h100-80gb.yaml" */
    const char *data; /* contents, NUL-terminated */
    size_t len;       /* length without the NUL */
};

extern const struct gpv_embedded_file gpv_embedded_files[];
extern const size_t gpv_embedded_count;

/* Returns the embedded file with this exact name, or NULL. */
const struct gpv_embedded_file *gpv_embedded_find(const char *name);

#endif
