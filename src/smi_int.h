#ifndef GPUVPLAN_SMI_INT_H
#define GPUVPLAN_SMI_INT_H

/* Private to src/smi*.c. */

#include "gpuvplan/smi.h"
#include "gpuvplan/yamldoc.h"

/*
 * Reads a parsed `nvidia-mig-parted export` document into s's entries (file: the name positions
 * cite, owned by s). Returns 0, or GPV_EINPUT with err at the offending node: not one config,
 * a version other than v1, unknown keys, bad devices, filters, counts, or a limit exceeded.
 */
int gpv_smi_read_export(struct gpv_smi *s, const struct gpv_ydoc *doc, const char *file,
                        struct gpv_error *err);

#endif
