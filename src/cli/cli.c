#include "cli.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/width.h"
#include "gpuvplan/yamldoc.h"

#include <ctype.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_PLAN_BYTES ((size_t)512 << 20)

static int read_limited(char **out, size_t *len, const char *path, size_t max, bool regular_only,
                        bool locate, struct gpv_error *err);

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has_yaml_suffix(const char *s)
{
    size_t n = strlen(s);

    return (n > 5 && !strcmp(s + n - 5, ".yaml")) || (n > 4 && !strcmp(s + n - 4, ".yml"));
}

int
cli_db(struct gpv_cli *cli, struct gpv_error *err)
{
    DIR *dir = NULL;
    struct dirent *de;
    char **names = NULL, *path = NULL, *buf = NULL;
    size_t n = 0, i, len;
    int rc;

    if (cli->db_loaded)
        return 0;
    gpv_db_init(&cli->db);
    if ((rc = gpv_db_load_embedded(&cli->db, err)))
        goto out;
    if (cli->profiles_dir) {
        dir = opendir(cli->profiles_dir);
        if (!dir) {
            rc = gpv_error_set(err, GPV_EINPUT, cli->profiles_dir, 0, 0,
                               "cannot open profile directory: %s", strerror(errno));
            goto out;
        }
        while ((de = readdir(dir))) {
            if (de->d_name[0] == '.' || !has_yaml_suffix(de->d_name))
                continue;
            names = xreallocarray(names, n + 1, sizeof(*names));
            names[n++] = xstrdup(de->d_name);
        }
        qsort(names, n, sizeof(*names), name_cmp);
        for (i = 0; i < n; i++) {
            free(path);
            free(buf);
            buf = NULL;
            path = xasprintf("%s/%s", cli->profiles_dir, names[i]);
            if ((rc = read_limited(&buf, &len, path, GPV_YAML_MAX_BYTES, true, false, err)))
                goto out;
            if ((rc = gpv_db_load_mem(&cli->db, buf, len, path, true, err)))
                goto out;
        }
    }
    cli->db_loaded = true;
    rc = 0;
out:
    if (dir)
        closedir(dir);
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(path);
    free(buf);
    if (rc)
        gpv_db_release(&cli->db);
    return rc;
}

/* Exit code class of a failed open: a path the user got wrong is bad input, the rest system. */
static int
open_error_code(int e)
{
    return e == ENOENT || e == EACCES || e == ELOOP || e == ENOTDIR || e == ENAMETOOLONG ||
                   e == ENXIO
               ? GPV_EINPUT
               : GPV_ESYS;
}

/* The line and column (from 1) of byte off of buf. */
static void
text_position(int *line, int *col, const char *buf, size_t off)
{
    const char *p = buf, *end = buf + off, *nl;

    *line = 1;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        ++*line;
        p = nl + 1;
    }
    *col = (int)(end - p) + 1;
}

/*
 * Reads path into a new buffer, failing as soon as more than max bytes arrive (never reads the
 * whole of /dev/zero first). With regular_only, anything but a regular file is refused before
 * a byte is read, and the open never blocks (a FIFO in a profile directory). With locate, the
 * error for a file too large has the line and column of the first byte past the limit.
 */
static int
read_limited(char **out, size_t *len, const char *path, size_t max, bool regular_only, bool locate,
             struct gpv_error *err)
{
    FILE *f;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    struct stat st;
    bool is_stdin = !strcmp(path, "-"), regular = false;
    int fd, e;

    *out = NULL;
    *len = 0;
    if (is_stdin) {
        f = stdin;
    } else {
        fd = open(path, O_RDONLY | (regular_only ? O_NONBLOCK : 0));
        if (fd < 0) {
            e = errno;
            return gpv_error_set(err, open_error_code(e), path, 0, 0, "cannot open: %s",
                                 strerror(e));
        }
        if (regular_only && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
            close(fd);
            return gpv_error_set(err, GPV_EINPUT, path, 0, 0, "not a regular file");
        }
        f = fdopen(fd, "rb");
        if (!f) {
            e = errno;
            close(fd);
            return gpv_error_set(err, GPV_ESYS, path, 0, 0, "cannot open: %s", strerror(e));
        }
    }
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fclose(f);
            return gpv_error_set(err, GPV_EINPUT, path, 0, 0, "is a directory, not a file");
        }
        regular = S_ISREG(st.st_mode);
    }
    /* A regular file is read in one go into a buffer of its size, one byte more to see its
     * end (or that it grew); anything else in chunks that double. */
    if (regular && st.st_size >= 0 && (uintmax_t)st.st_size < max) {
        cap = (size_t)st.st_size + 1;
        buf = xmalloc(cap + 1);
    }
    for (;;) {
        if (cap - n == 0 || (!regular && cap - n < 4096)) {
            cap = cap ? cap * 2 : 8192;
            if (cap > max + 1)
                cap = max + 1;
            buf = xrealloc(buf, cap + 1);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max) {
            int line = 0, col = 0;

            if (locate)
                text_position(&line, &col, buf, max);
            free(buf);
            if (!is_stdin)
                fclose(f);
            return gpv_error_set(err, GPV_EINPUT, path, line, col,
                                 "file is larger than the %zu MiB limit", max >> 20);
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        e = errno;
        free(buf);
        if (!is_stdin)
            fclose(f);
        return gpv_error_set(err, GPV_ESYS, path, 0, 0, "read error: %s", strerror(e));
    }
    if (!is_stdin)
        fclose(f);
    if (!buf)
        buf = xmalloc(1);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int
cli_read_file(char **out, size_t *len, const char *path, struct gpv_error *err)
{
    return read_limited(out, len, path, GPV_YAML_MAX_BYTES, false, false, err);
}

/*
 * path into *out, up to max bytes: a regular file is mapped, not copied (no pages to fill and
 * zero for a copy of what is in the page cache already), anything else read by read_limited()
 * (with locate as there). The mapping is one byte longer than the file: past its end, the rest
 * of its last page reads as zeros (POSIX), the terminating NUL. A file that ends on a page
 * boundary (or is empty), or is larger than max, is read, so that the limit's error is
 * read_limited()'s.
 */
static int
read_text(struct cli_text *out, const char *path, size_t max, bool locate, struct gpv_error *err)
{
    long page = sysconf(_SC_PAGESIZE);
    char *buf = NULL;
    struct stat st;
    void *m;
    int fd, rc;

    memset(out, 0, sizeof(*out));
    if (strcmp(path, "-") && page > 0 && (fd = open(path, O_RDONLY | O_NONBLOCK)) >= 0) {
        m = MAP_FAILED;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
            (uintmax_t)st.st_size <= max && st.st_size % page != 0)
            m = mmap(NULL, (size_t)st.st_size + 1, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (m != MAP_FAILED) {
            posix_madvise(m, (size_t)st.st_size + 1, POSIX_MADV_SEQUENTIAL);
            out->buf = m;
            out->len = (size_t)st.st_size;
            out->mapped = out->len + 1;
            return 0;
        }
    }
    if ((rc = read_limited(&buf, &out->len, path, max, false, locate, err)))
        return rc;
    out->buf = buf;
    return 0;
}

int
cli_read_tenants(struct cli_text *out, const char *path, struct gpv_error *err)
{
    return read_text(out, path, GPV_TENANTS_MAX_BYTES, true, err);
}

int
cli_read_plan(struct cli_text *out, const char *path, struct gpv_error *err)
{
    return read_text(out, path, MAX_PLAN_BYTES, false, err);
}

void
cli_text_release(struct cli_text *t)
{
    if (!t)
        return;
    if (t->mapped)
        munmap((void *)t->buf, t->mapped);
    else
        free((void *)t->buf);
    memset(t, 0, sizeof(*t));
}

static bool
same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The temporary file of the output being written, for the signal handler: a fixed buffer, so
 * the handler needs no allocation. Empty when there is none.
 */
static char pending_tmp[4096];
static volatile sig_atomic_t pending_set;

static void
on_fatal_signal(int sig)
{
    if (pending_set)
        unlink(pending_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
pending_begin(const char *tmp)
{
    static bool installed;

    snprintf(pending_tmp, sizeof(pending_tmp), "%s", tmp);
    pending_set = 1;
    if (!installed) {
        signal(SIGINT, on_fatal_signal);
        signal(SIGTERM, on_fatal_signal);
        signal(SIGHUP, on_fatal_signal);
        installed = true;
    }
}

static void
pending_end(void)
{
    pending_set = 0;
}

/* The path a write to path lands on: symbolic links followed, also a dangling last one. */
static char *
resolve_links(const char *path)
{
    char *cur = xstrdup(path), *next, *dirc;
    char target[4096];
    struct stat st;
    ssize_t n;
    int hops;

    for (hops = 0; hops < 40; hops++) {
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            break;
        n = readlink(cur, target, sizeof(target) - 1);
        if (n < 0)
            break;
        target[n] = '\0';
        if (target[0] == '/') {
            next = xstrdup(target);
        } else {
            dirc = xstrdup(cur);
            next = xasprintf("%s/%s", dirname(dirc), target);
            free(dirc);
        }
        free(cur);
        cur = next;
    }
    return cur;
}

void
cli_out_init(struct cli_out *o)
{
    memset(o, 0, sizeof(*o));
    o->fd = -1;
    o->saved_stdout = -1;
}

int
cli_out_open(struct cli_out *o, const char *path, const char *const *inputs, struct gpv_error *err)
{
    struct stat st;
    sigset_t block, old_mask;
    char *dirc = NULL;
    const char *dir;
    mode_t mask;
    int rc = 0;

    cli_out_init(o);
    if (!path || !strcmp(path, "-")) {
        o->fd = STDOUT_FILENO;
        o->to_stdout = true;
        return 0;
    }
    if (!*path)
        return gpv_error_set(err, GPV_EUSAGE, NULL, 0, 0, "the output file name is empty");
    for (; inputs && *inputs; inputs++)
        if (strcmp(*inputs, "-") && same_file(path, *inputs))
            return gpv_error_set(err, GPV_EUSAGE, path, 0, 0,
                                 "refusing to write the output over the input file '%s'", *inputs);
    if (stat(path, &st) == 0) {
        struct stat so;

        if (S_ISDIR(st.st_mode)) {
            rc = gpv_error_set(err, GPV_EUSAGE, path, 0, 0, "is a directory; -o takes a file name");
            goto out;
        }
        if (!S_ISREG(st.st_mode)) {
            /* A device, FIFO or socket is written in place: replacing it would destroy it. */
            o->path = xstrdup(path);
            o->fd = open(path, O_WRONLY | O_NOCTTY);
            if (o->fd < 0) {
                rc = gpv_error_set(err, GPV_ESYS, path, 0, 0, "cannot open for writing: %s",
                                   strerror(errno));
                goto out;
            }
            o->in_place = true;
            goto out;
        }
        /* -o /dev/stdout (or /dev/fd/1) when standard output is this very file: write to it
         * as it is, without replacing the file the shell opened. */
        if (fstat(STDOUT_FILENO, &so) == 0 && so.st_dev == st.st_dev && so.st_ino == st.st_ino) {
            o->fd = STDOUT_FILENO;
            o->to_stdout = true;
            goto out;
        }
        /* Links followed to the file itself, so it is replaced and the links stay. */
        o->path = resolve_links(path);
        o->mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        rc = gpv_error_set(err, GPV_ESYS, path, 0, 0, "cannot write: %s", strerror(errno));
        goto out;
    } else {
        /* A new file, maybe behind a dangling link: created where the link points. */
        o->path = resolve_links(path);
        mask = umask(0);
        umask(mask);
        o->mode = 0666 & ~mask;
    }
    dirc = xstrdup(o->path);
    dir = dirname(dirc);
    if (stat(dir, &st) != 0) {
        rc = gpv_error_set(err, GPV_ESYS, path, 0, 0, "cannot write: directory '%s' %s", dir,
                           errno == ENOENT ? "does not exist" : strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = gpv_error_set(err, GPV_ESYS, path, 0, 0, "cannot write: '%s' is not a directory", dir);
        goto out;
    }
    o->tmp = xasprintf("%s/.gpuvplan-XXXXXX", dir);
    /* No signal between creating the file and recording its name for the handler. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old_mask);
    o->fd = mkstemp(o->tmp);
    if (o->fd >= 0)
        pending_begin(o->tmp);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    if (o->fd < 0) {
        rc = gpv_error_set(err, GPV_ESYS, path, 0, 0, "cannot create a file in '%s': %s", dir,
                           strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        goto out;
    }
out:
    free(dirc);
    if (rc) {
        free(o->path);
        o->path = NULL;
    }
    return rc;
}

int
cli_out_write(struct cli_out *o, const char *buf, size_t len, struct gpv_error *err)
{
    size_t off = 0;
    ssize_t w;

    while (off < len) {
        w = write(o->fd, buf + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return gpv_error_set(err, GPV_ESYS, o->to_stdout ? "<stdout>" : o->path, 0, 0,
                                 "write error: %s", strerror(errno));
        }
        off += (size_t)w;
    }
    return 0;
}

int
cli_out_close(struct cli_out *o, bool commit, struct gpv_error *err)
{
    int rc = 0;

    if (o->to_stdout)
        goto out;
    if (o->in_place) {
        if (o->fd >= 0 && close(o->fd) != 0 && commit)
            rc = gpv_error_set(err, GPV_ESYS, o->path, 0, 0, "write error: %s", strerror(errno));
        goto out;
    }
    if (o->fd < 0)
        goto out;
    if (commit && (fchmod(o->fd, o->mode) != 0 || fsync(o->fd) != 0))
        rc = gpv_error_set(err, GPV_ESYS, o->path, 0, 0, "write error: %s", strerror(errno));
    if (close(o->fd) != 0 && commit && !rc)
        rc = gpv_error_set(err, GPV_ESYS, o->path, 0, 0, "write error: %s", strerror(errno));
    if (commit && !rc && rename(o->tmp, o->path) != 0)
        rc = gpv_error_set(err, GPV_ESYS, o->path, 0, 0, "cannot write: %s", strerror(errno));
    if (!commit || rc)
        unlink(o->tmp);
    pending_end();
out:
    o->fd = -1;
    free(o->tmp);
    free(o->path);
    o->tmp = NULL;
    o->path = NULL;
    return rc;
}

int
cli_write_output(const char *path, const char *buf, size_t len, const char *const *inputs,
                 struct gpv_error *err)
{
    struct cli_out o;
    int rc;

    if (!path || !strcmp(path, "-")) {
        if (fwrite(buf, 1, len, stdout) != len)
            return gpv_error_set(err, GPV_ESYS, "<stdout>", 0, 0, "write error: %s",
                                 strerror(errno));
        return 0;
    }
    if ((rc = cli_out_open(&o, path, inputs, err)))
        return rc;
    rc = cli_out_write(&o, buf, len, err);
    if (rc)
        cli_out_close(&o, false, NULL);
    else
        rc = cli_out_close(&o, true, err);
    return rc;
}

int
cli_stdout_redirect(struct cli_out *o, const char *path, const char *const *inputs,
                    struct gpv_error *err)
{
    int rc;

    if ((rc = cli_out_open(o, path, inputs, err)))
        return rc;
    if (o->to_stdout)
        return 0;
    fflush(stdout);
    o->saved_stdout = dup(STDOUT_FILENO);
    if (o->saved_stdout < 0 || dup2(o->fd, STDOUT_FILENO) < 0) {
        rc = gpv_error_set(err, GPV_ESYS, o->path, 0, 0, "cannot redirect output: %s",
                           strerror(errno));
        cli_out_close(o, false, NULL);
        return rc;
    }
    return 0;
}

int
cli_stdout_restore(struct cli_out *o, bool commit, struct gpv_error *err)
{
    bool failed = false;

    if (o->saved_stdout < 0)
        return cli_out_close(o, commit, err);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        failed = true;
        clearerr(stdout);
    }
    dup2(o->saved_stdout, STDOUT_FILENO);
    close(o->saved_stdout);
    o->saved_stdout = -1;
    if (failed && commit) {
        gpv_error_set(err, GPV_ESYS, o->path, 0, 0, "write error: %s", strerror(errno));
        cli_out_close(o, false, NULL);
        return GPV_ESYS;
    }
    return cli_out_close(o, commit, err);
}

static void
stdout_sink(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    fwrite(p, 1, n, stdout);
}

void
cli_stream_stdout(struct gpv_buf *b)
{
    gpv_buf_set_sink(b, stdout_sink, NULL);
}

int
cli_write_value(const char *path, const struct gpv_val *v, enum gpv_format fmt,
                const char *const *inputs, struct gpv_error *err)
{
    struct gpv_buf b;
    int rc;

    gpv_buf_init(&b);
    if (fmt == GPV_FMT_YAML)
        gpv_val_write_yaml(v, &b);
    else
        gpv_val_write_json(v, &b);
    rc = cli_write_output(path, gpv_buf_str(&b), b.len, inputs, err);
    gpv_buf_release(&b);
    return rc;
}

/* The last few escaped strings: each stays valid until CLI_ESC_SLOTS later calls. */
#define CLI_ESC_SLOTS 8
static char *esc_slot[CLI_ESC_SLOTS];
static size_t esc_next;

const char *
cli_esc(const char *s)
{
    char **slot;

    if (!s || !gpv_escape_needed(s))
        return s;
    slot = &esc_slot[esc_next++ % CLI_ESC_SLOTS];
    free(*slot);
    *slot = gpv_escape(s);
    return *slot;
}

void
cli_esc_release(void)
{
    size_t i;

    for (i = 0; i < CLI_ESC_SLOTS; i++) {
        free(esc_slot[i]);
        esc_slot[i] = NULL;
    }
}

int
cli_report(const struct gpv_error *err)
{
    char msg[GPV_ERROR_MSG_MAX + GPV_ERROR_FILE_MAX + 64];

    fprintf(stderr, "gpuvplan: %s\n", cli_esc(gpv_error_format(err, msg, sizeof(msg))));
    return gpv_exit_code(err->code);
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    int n;

    fprintf(stderr, "gpuvplan%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    msg[0] = '\0';
    va_start(ap, fmt);
    if (n > 0)
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    fputs(cli_esc(msg), stderr);
    free(msg);
    fprintf(stderr, "\nTry 'gpuvplan %s%s--help' for more information.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return GPV_EXIT_USAGE;
}

bool
cli_read_line(char **line, size_t *cap, FILE *in)
{
    ssize_t n = getline(line, cap, in);

    if (n < 0)
        return false;
    while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
        (*line)[--n] = '\0';
    return true;
}

static struct gpv_val *
yaml_value(const struct gpv_ynode *n)
{
    struct gpv_val *v;
    long long i;
    double d;
    size_t k;

    if (!n)
        return gpv_val_null();
    switch (n->kind) {
    case GPV_Y_SEQ:
        v = gpv_val_arr();
        for (k = 0; k < n->n; k++)
            gpv_val_push(v, yaml_value(n->items[k]));
        return v;
    case GPV_Y_MAP:
        v = gpv_val_obj();
        for (k = 0; k < n->n; k++)
            gpv_val_set(v, n->items[2 * k]->str ? n->items[2 * k]->str : "",
                        yaml_value(n->items[2 * k + 1]));
        return v;
    case GPV_Y_SCALAR:
        break;
    }
    if (!n->plain)
        return gpv_val_str(n->str);
    if (gpv_y_is_null(n))
        return gpv_val_null();
    if (!strcmp(n->str, "true") || !strcmp(n->str, "True") || !strcmp(n->str, "TRUE"))
        return gpv_val_bool(true);
    if (!strcmp(n->str, "false") || !strcmp(n->str, "False") || !strcmp(n->str, "FALSE"))
        return gpv_val_bool(false);
    if (gpv_parse_ll(&i, n->str, LLONG_MIN, LLONG_MAX))
        return gpv_val_int(i);
    if (gpv_parse_double(&d, n->str))
        return gpv_val_num(d);
    return gpv_val_str(n->str);
}

int
cli_parse_document(struct gpv_val **out, const char *buf, size_t len, const char *name,
                   struct gpv_error *err)
{
    struct gpv_ydoc *doc = NULL;
    size_t i = 0;
    int rc;

    *out = NULL;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    if (i < len && (buf[i] == '{' || buf[i] == '['))
        return gpv_val_parse_json(out, buf, len, name, err);
    if ((rc = gpv_ydoc_parse(&doc, buf, len, name, err)))
        return rc;
    if (!doc->root) {
        rc = gpv_error_set(err, GPV_EINPUT, name, 1, 1, "empty document: expected a plan");
        goto out;
    }
    *out = yaml_value(doc->root);
out:
    gpv_ydoc_free(doc);
    return rc;
}
