#ifndef GPUVPLAN_UNITS_H
#define GPUVPLAN_UNITS_H

/*
 * Memory quantities and fractions as people write them.
 *
 * Memory: a number and a unit, with or without a space. Decimal units (KB, MB, GB, TB) are
 * powers of 1000 and binary units (KiB, MiB, GiB, TiB) powers of 1024, as the SI and IEC say;
 * units are case-insensitive ("20gb" is 20 GB). Kubernetes quantities are read as Kubernetes
 * defines them: k, M, G, T decimal and Ki, Mi, Gi, Ti binary ("20Gi" is 20 GiB, "20G" 20 GB);
 * "m" is Kubernetes' milli, so "512m" is an error (the one suffix where case matters: "512M" is
 * 512 MB). A bare number is an error: "20" could mean either, and the difference (20 GB =
 * 18.6 GiB) decides whether a MIG profile fits.
 */

#include <stdbool.h>
#include <stddef.h>

#define GPV_MIB (1024LL * 1024LL)

/*
 * Parses s into bytes. Returns true and sets *out on success; on failure returns false and
 * sets *why to a static message saying what is wrong ("a unit is missing: write 20GB or 20GiB").
 */
bool gpv_mem_parse(long long *out, const char *s, const char **why);

/*
 * Parses a fraction of one GPU: a decimal in (0, 1] ("0.25") or a percentage in (0, 100]
 * ("25%"). Returns true and sets *out on success; else false and *why.
 */
bool gpv_fraction_parse(double *out, const char *s, const char **why);

/* Formats MiB as GiB with two decimals ("19.62 GiB"). Returns buf. */
char *gpv_mib_format(char *buf, size_t n, long long mib);

#endif
