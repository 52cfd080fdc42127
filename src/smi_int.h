#ifndef GPUVPLAN_SMI_INT_H
#define GPUVPLAN_SMI_INT_H

/*
 * Private to src/smi*.c: the line reader's state and the helpers its parts share. smi.c reads
 * lines and the nvidia-smi mig tables, smi_csv.c the --query-gpu CSV and -L lines, smi_export.c
 * the mig-parted export YAML.
 */

#include "gpuvplan/smi.h"
#include "gpuvplan/yamldoc.h"

#include <stdbool.h>

/* One token of a line: p[0..len), not NUL-terminated. */
struct sm_tok {
    const char *p;
    int len;
    int col; /* from 1 */
};

/* What the lines being read belong to. */
enum sm_sect {
    S_NONE,
    S_LGIP, /* nvidia-smi mig -lgip box */
    S_LGI,  /* nvidia-smi mig -lgi box */
    S_SKIP, /* a box or banner table that is not read (-lci, -lcip, the nvidia-smi table) */
    S_CSV,  /* --query-gpu rows after a header */
};

struct sm_reader {
    struct gpv_smi *s;
    const char *file; /* s->files[...] */
    const char *buf;
    size_t len;
    int line;
    enum sm_sect sect;
    int ncols;
    int cols[16];                    /* CSV column -> field (smi_csv.c), -1 for a column not read */
    struct gpv_smi_profile *pending; /* -lgip row waiting for its second line */
    int lgi_table;
    struct gpv_error *err;
};

/* The position of column col of the current line. */
struct gpv_smi_pos sm_pos_at(const struct sm_reader *r, int col);

/* Fills r->err (GPV_EINPUT) at column col of the current line; fmt takes one string. Returns
 * GPV_EINPUT. */
int sm_fail(struct sm_reader *r, int col, const char *fmt, const char *arg);

/* Fills err (GPV_EINPUT) at position p with the formatted message. Returns GPV_EINPUT. */
int sm_pos_error(struct gpv_error *err, const struct gpv_smi_pos *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* True when t is exactly s. */
bool sm_tok_is(const struct sm_tok *t, const char *s);

/* Reads t as a whole number in [min, max]. Returns false (no error set) when it is not one. */
bool sm_tok_ll(long long *out, const struct sm_tok *t, long long min, long long max);

/* Like sm_tok_ll(), into an int, with an error naming `what` at t. Returns 0 or GPV_EINPUT. */
int sm_tok_int(int *out, struct sm_reader *r, const struct sm_tok *t, long long min, long long max,
               const char *what);

/* A new NUL-terminated copy of t. */
char *sm_tok_dup(const struct sm_tok *t);

/* True for a printable ASCII token of at most GPV_SMI_NAME_MAX bytes. */
bool sm_is_name_token(const struct sm_tok *t);

/* The GPU whose index t holds, created on first sight. Returns 0 or GPV_EINPUT (not an index,
 * out of range). */
int sm_gpu_of_tok(struct gpv_smi_gpu **out, struct sm_reader *r, const struct sm_tok *t);

/* Records g's name p[0..len) seen at col; a different name from another line is an error.
 * Returns 0 or GPV_EINPUT. */
int sm_set_name(struct sm_reader *r, struct gpv_smi_gpu *g, const char *p, int len, int col);

/* `GPU 0: NAME (UUID: ...)`, a line of nvidia-smi -L (t: its n tokens, l[0..len) the line).
 * Returns 0 or GPV_EINPUT. */
int sm_list_line(struct sm_reader *r, const struct sm_tok *t, int n, const char *l, int len);

/* Splits a CSV line into at most cap trimmed fields. Returns the count, -1 when more. */
int sm_csv_split(struct sm_tok *out, int cap, const char *l, int len);

/* True when f names a --query-gpu column gpuvplan reads. */
bool sm_is_column_name(const struct sm_tok *f);

/* A --query-gpu header of n fields: sets r's columns and section. Returns 0 or GPV_EINPUT. */
int sm_csv_header(struct sm_reader *r, const struct sm_tok *f, int n);

/* A --query-gpu row, by the header's columns or the default order. Returns 0 or GPV_EINPUT. */
int sm_csv_row(struct sm_reader *r, const char *l, int len);

/*
 * Reads a parsed `nvidia-mig-parted export` document into s's entries (file: the name positions
 * cite, owned by s). Returns 0, or GPV_EINPUT with err at the offending node: not one config,
 * a version other than v1, unknown keys, bad devices, filters, counts, or a limit exceeded.
 */
int sm_read_export(struct gpv_smi *s, const struct gpv_ydoc *doc, const char *file,
                   struct gpv_error *err);

#endif
