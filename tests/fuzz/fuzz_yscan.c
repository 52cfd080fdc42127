/*
 * Fuzz target: the fast YAML scanner against libyaml (tests/fuzz/yscan_diff.h). Any input read
 * both ways must give the same events and end the same way (DONE at the same place, or the same
 * error at the same position); a difference aborts with what differs.
 */
#include "yscan_diff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[4096];

    if (!ydiff_same(why, sizeof(why), NULL, (const char *)data, size)) {
        fprintf(stderr, "fuzz_yscan: %s\n", why);
        abort();
    }
    return 0;
}
