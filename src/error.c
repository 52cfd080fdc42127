#include "gpuvplan/error.h"

#include <stdio.h>
#include <string.h>

/* A message of want bytes was cut to fit buf of size n: end it in "..." to say so. */
static void
mark_cut(char *buf, size_t n, int want)
{
    if (want >= 0 && (size_t)want >= n && n > 4)
        memcpy(buf + n - 4, "...", 4);
}

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
    char msg[GPV_ERROR_MSG_MAX];

    if (!err)
        return code;
    err->code = code;
    err->line = line;
    err->col = col;
    /* Formatted apart, then copied: an argument pointing into err (its own message or file)
     * is then read before it is overwritten, never while. */
    mark_cut(msg, sizeof(msg), vsnprintf(msg, sizeof(msg), fmt, ap));
    if (file != err->file)
        snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    snprintf(err->msg, sizeof(err->msg), "%s", msg[0] ? msg : GPV_ERROR_NO_MESSAGE);
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

void
gpv_error_wrap(struct gpv_error *err, const char *fmt, ...)
{
    char ctx[GPV_ERROR_MSG_MAX], msg[GPV_ERROR_MSG_MAX];
    va_list ap;

    if (!err || !err->code)
        return;
    /* The context is formatted apart first: its arguments may point into err->msg. */
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    memcpy(msg, err->msg, sizeof(msg));
    msg[sizeof(msg) - 1] = '\0';
    if (msg[0])
        mark_cut(err->msg, sizeof(err->msg),
                 snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, msg));
    else if (ctx[0])
        snprintf(err->msg, sizeof(err->msg), "%s", ctx);
}

void
gpv_error_locate(struct gpv_error *err, const char *file, int line, int col)
{
    if (!err || err->file[0])
        return;
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    err->col = col;
}

char *
gpv_error_format(const struct gpv_error *err, char *buf, size_t n)
{
    const char *msg = err->msg[0] ? err->msg : GPV_ERROR_NO_MESSAGE;

    if (!err->file[0])
        snprintf(buf, n, "error: %s", msg);
    else if (err->line <= 0)
        snprintf(buf, n, "%s: error: %s", err->file, msg);
    else if (err->col <= 0)
        snprintf(buf, n, "%s:%d: error: %s", err->file, err->line, msg);
    else
        snprintf(buf, n, "%s:%d:%d: error: %s", err->file, err->line, err->col, msg);
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
