#include "gpuvplan/error.h"

#include <stdio.h>
#include <string.h>

void
gpv_error_init(struct gpv_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

int
gpv_error_vset(struct gpv_error *err, int code, const char *file, int line, int col,
               const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->line = line;
    err->col = col;
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return code;
}

int
gpv_error_set(struct gpv_error *err, int code, const char *file, int line, int col, const char *fmt,
              ...)
{
    va_list ap;

    va_start(ap, fmt);
    gpv_error_vset(err, code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}

char *
gpv_error_format(const struct gpv_error *err, char *buf, size_t n)
{
    if (!err->file[0])
        snprintf(buf, n, "error: %s", err->msg);
    else if (err->line <= 0)
        snprintf(buf, n, "%s: error: %s", err->file, err->msg);
    else if (err->col <= 0)
        snprintf(buf, n, "%s:%d: error: %s", err->file, err->line, err->msg);
    else
        snprintf(buf, n, "%s:%d:%d: error: %s", err->file, err->line, err->col, err->msg);
    return buf;
}

int
gpv_exit_code(int status)
{
    switch (status) {
    case GPV_OK:
        return GPV_EXIT_OK;
    case GPV_ENO:
        return GPV_EXIT_NO;
    case GPV_EUSAGE:
        return GPV_EXIT_USAGE;
    case GPV_EINPUT:
        return GPV_EXIT_INPUT;
    default:
        return GPV_EXIT_SYSTEM;
    }
}
