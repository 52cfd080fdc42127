#include "gpuvplan/units.h"
#include "gpuvplan/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    double factor;
} mem_units[] = {
    {"b", 1.0},
    {"kb", 1e3},
    {"mb", 1e6},
    {"gb", 1e9},
    {"tb", 1e12},
    {"kib", 1024.0},
    {"mib", 1024.0 * 1024},
    {"gib", 1024.0 * 1024 * 1024},
    {"tib", 1024.0 * 1024 * 1024 * 1024},
    /* Kubernetes quantities (k8s.io/apimachinery resource.Quantity): decimal k, M, G, T and
     * binary Ki, Mi, Gi, Ti. "m" (milli) is handled before this table. */
    {"k", 1e3},
    {"g", 1e9},
    {"t", 1e12},
    {"ki", 1024.0},
    {"mi", 1024.0 * 1024},
    {"gi", 1024.0 * 1024 * 1024},
    {"ti", 1024.0 * 1024 * 1024 * 1024},
};

/* Units written with a capital prefix and a small b are bits, not bytes: "10Gb" is gigabits. */
static const struct {
    const char *bits, *why;
} bit_units[] = {
    {"Kb", "'Kb' is kilobits: did you mean 'KB' (bytes)?"},
    {"Mb", "'Mb' is megabits: did you mean 'MB' (bytes)?"},
    {"Gb", "'Gb' is gigabits: did you mean 'GB' (bytes)?"},
    {"Tb", "'Tb' is terabits: did you mean 'TB' (bytes)?"},
    {"Kib", "'Kib' is kibibits: did you mean 'KiB' (bytes)?"},
    {"Mib", "'Mib' is mebibits: did you mean 'MiB' (bytes)?"},
    {"Gib", "'Gib' is gibibits: did you mean 'GiB' (bytes)?"},
    {"Tib", "'Tib' is tebibits: did you mean 'TiB' (bytes)?"},
};

bool
gpv_mem_parse(long long *out, const char *s, const char **why)
{
    char num[64], unit[8];
    size_t i, n = 0, u = 0;
    double v, bytes;
    const char *p = s;

    while (*p && (isdigit((unsigned char)*p) || *p == '.') && n < sizeof(num) - 1)
        num[n++] = *p++;
    num[n] = '\0';
    while (*p == ' ')
        p++;
    for (i = 0; i < sizeof(bit_units) / sizeof(bit_units[0]); i++) {
        if (!strcmp(p, bit_units[i].bits)) {
            *why = bit_units[i].why;
            return false;
        }
    }
    while (*p && isalpha((unsigned char)*p) && u < sizeof(unit) - 1)
        unit[u++] = (char)tolower((unsigned char)*p++);
    unit[u] = '\0';
    /* Kubernetes' "M" is mega and "m" milli: the one unit where case decides. */
    if (u == 1 && p[-1] == 'M' && *p == '\0')
        unit[0] = 'M';
    if (n == 0 || !gpv_parse_double(&v, num)) {
        *why = "expected a number and a unit, like 20GB or 512MiB";
        return false;
    }
    if (u == 0 && *p == '\0') {
        *why = "a unit is missing: write 20GB (decimal) or 20GiB (binary)";
        return false;
    }
    if (*p != '\0') {
        *why = "expected a number and a unit, like 20GB or 512MiB";
        return false;
    }
    if (!strcmp(unit, "m")) {
        *why = "'m' is milli in a Kubernetes quantity: write 512Mi (binary) or 512M (decimal)";
        return false;
    }
    if (!strcmp(unit, "M")) {
        bytes = v * 1e6;
        goto check;
    }
    for (i = 0; i < sizeof(mem_units) / sizeof(mem_units[0]); i++) {
        if (strcmp(unit, mem_units[i].name) == 0)
            break;
    }
    if (i == sizeof(mem_units) / sizeof(mem_units[0])) {
        *why = "unknown unit: use B, KB, MB, GB, TB or KiB, MiB, GiB, TiB (or Kubernetes' k, M, "
               "G, T, Ki, Mi, Gi, Ti)";
        return false;
    }
    bytes = v * mem_units[i].factor;
check:
    if (bytes <= 0) {
        *why = "memory must be more than zero";
        return false;
    }
    if (bytes > 1e15) {
        *why = "memory is larger than any GPU (over 1 PB)";
        return false;
    }
    *out = (long long)llround(bytes);
    return true;
}

bool
gpv_fraction_parse(double *out, const char *s, const char **why)
{
    char buf[64];
    size_t n = strlen(s);
    double v;
    bool pct = n > 0 && s[n - 1] == '%';

    if (n == 0 || n >= sizeof(buf)) {
        *why = "expected a fraction of one GPU, like 0.25 or 25%";
        return false;
    }
    memcpy(buf, s, n + 1);
    if (pct)
        buf[n - 1] = '\0';
    if (!gpv_parse_double(&v, buf)) {
        *why = "expected a fraction of one GPU, like 0.25 or 25%";
        return false;
    }
    if (pct)
        v /= 100.0;
    if (!(v > 0.0 && v <= 1.0)) {
        *why = "a share of one GPU must be more than 0 and at most 1 (100%)";
        return false;
    }
    *out = v;
    return true;
}

char *
gpv_mib_format(char *buf, size_t n, long long mib)
{
    snprintf(buf, n, "%.2f GiB", (double)mib / 1024.0);
    return buf;
}
