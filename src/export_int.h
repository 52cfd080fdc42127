#ifndef GPUVPLAN_EXPORT_INT_H
#define GPUVPLAN_EXPORT_INT_H

/* What export.c and export_write.c share. */

#include "gpuvplan/export.h"

#include <stdint.h>

#define GPV_EXPORT_NAME_MAX 63   /* DNS-1123 labels and Kubernetes label values */
#define GPV_EXPORT_GPUS_MAX 1024 /* GPUs per node export accepts (the fleet allows fewer) */

/* FNV-1a hash of s (32 bits): the suffix of generated names. */
uint32_t export_hash(const char *s);

#endif
