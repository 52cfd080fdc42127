#ifndef GPUVPLAN_ERROR_H
#define GPUVPLAN_ERROR_H

/*
 * Error detail and status codes shared by every module.
 *
 * Actions return 0 on success or a negative enum gpv_status; detail goes into the caller's
 * struct gpv_error. The CLI maps a status to an exit code with gpv_exit_code().
 */

#include <stdarg.h>
#include <stddef.h>

enum gpv_status {
    GPV_OK = 0,
    GPV_ENO = -1,    /* the answer is no: infeasible, unplaced, a check failed */
    GPV_EUSAGE = -2, /* the command line is wrong */
    GPV_EINPUT = -3, /* bad input: parse or validation error */
    GPV_ESYS = -4,   /* I/O or other system failure */
};

/* Process exit codes; documented in docs/exit-codes.md and `gpuvplan --help`. */
enum gpv_exit {
    GPV_EXIT_OK = 0,
    GPV_EXIT_NO = 1,
    GPV_EXIT_USAGE = 2,
    GPV_EXIT_INPUT = 3,
    GPV_EXIT_SYSTEM = 4,
};

#define GPV_ERROR_FILE_MAX 256
#define GPV_ERROR_MSG_MAX  1024

/* What an error says when it was given an empty message (a bug, reported as such). */
#define GPV_ERROR_NO_MESSAGE "internal error: a failure without a message (please report it)"

/*
 * Where and what went wrong. line and col count from 1; 0 means unknown. file is empty when
 * the error has no input file.
 */
struct gpv_error {
    int code;
    int line;
    int col;
    char file[GPV_ERROR_FILE_MAX];
    char msg[GPV_ERROR_MSG_MAX];
};

/* Clears err (if not NULL) to "no error". */
void gpv_error_init(struct gpv_error *err);

/*
 * Fills err (if not NULL) with code, position and a printf-style message (lowercase, no full
 * stop). file may be NULL. Returns code, so callers can write `return gpv_error_set(...)`.
 * Arguments may point into err itself (they are read before err is written), though
 * gpv_error_wrap() is the way to add to a message. A message that comes out empty is replaced by
 * GPV_ERROR_NO_MESSAGE, so an error always says something. A message longer than GPV_ERROR_MSG_MAX
 * - 1 bytes ends in "...".
 */
int gpv_error_set(struct gpv_error *err, int code, const char *file, int line, int col,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Same as gpv_error_set() with a va_list. */
int gpv_error_vset(struct gpv_error *err, int code, const char *file, int line, int col,
                   const char *fmt, va_list ap);

/*
 * Adds context in front of err's message: "CONTEXT: MESSAGE" (just CONTEXT when the message is
 * empty), with CONTEXT printf-style, e.g. gpv_error_wrap(err, "reading plan '%s'", name). The
 * message is never formatted into itself; code and position are kept. Does nothing when err
 * is NULL or holds no error (code 0). A result longer than GPV_ERROR_MSG_MAX - 1 bytes keeps
 * its start and ends in "...".
 */
void gpv_error_wrap(struct gpv_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Gives err a position when it has none (no file): file (NULL: none), line and col. The code
 * and message are kept; an error that already names a file is left as it is. NULL-safe.
 */
void gpv_error_locate(struct gpv_error *err, const char *file, int line, int col);

/*
 * Writes "file:line:col: error: message" (omitting the parts that are unknown) into buf of
 * size n, always NUL-terminated; an empty message is written as GPV_ERROR_NO_MESSAGE.
 * Returns buf.
 */
char *gpv_error_format(const struct gpv_error *err, char *buf, size_t n);

/* Maps a status (0 or negative enum gpv_status) to its process exit code. */
int gpv_exit_code(int status);

#endif
