/* Readers of nvidia-smi text and mig-parted export YAML (docs/state.md, "Input"). */
#include "gpuvplan/smi.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "smi_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 32

void
gpv_smi_init(struct gpv_smi *s)
{
    memset(s, 0, sizeof(*s));
}

static void
gpu_free(struct gpv_smi_gpu *g)
{
    int i;

    if (!g)
        return;
    free(g->name);
    for (i = 0; i < g->ninst; i++)
        free(g->inst[i].profile);
    for (i = 0; i < g->nprofiles; i++)
        free(g->profiles[i].name);
    free(g);
}

void
gpv_smi_release(struct gpv_smi *s)
{
    int i, k;
    size_t f;

    free(s->node);
    free(s->driver);
    for (f = 0; f < s->nfiles; f++)
        free(s->files[f]);
    free(s->files);
    for (i = 0; i < s->ngpus; i++)
        gpu_free(s->gpus[i]);
    for (i = 0; i < s->nentries; i++) {
        for (k = 0; k < s->entries[i].ncounts; k++)
            free(s->entries[i].counts[k].profile);
        free(s->entries[i].counts);
    }
    gpv_smi_init(s);
}

struct gpv_smi_pos
sm_pos_at(const struct sm_reader *r, int col)
{
    struct gpv_smi_pos p = {r->file, r->line, col};

    return p;
}

int
sm_pos_error(struct gpv_error *err, const struct gpv_smi_pos *p, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = gpv_error_vset(err, GPV_EINPUT, p->file, p->line, p->col, fmt, ap);
    va_end(ap);
    return rc;
}

int
sm_fail(struct sm_reader *r, int col, const char *fmt, const char *arg)
{
    return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, col, fmt, arg);
}

static int
tokenize(struct sm_tok *out, int cap, const char *l, int len, const char *seps)
{
    int i = 0, n = 0;

    while (i < len) {
        int s;

        while (i < len && strchr(seps, l[i]))
            i++;
        if (i >= len)
            break;
        s = i;
        while (i < len && !strchr(seps, l[i]))
            i++;
        if (n == cap)
            return -1;
        out[n].p = l + s;
        out[n].len = i - s;
        out[n].col = s + 1;
        n++;
    }
    return n;
}

bool
sm_tok_is(const struct sm_tok *t, const char *s)
{
    return (size_t)t->len == strlen(s) && !memcmp(t->p, s, (size_t)t->len);
}

bool
sm_tok_ll(long long *out, const struct sm_tok *t, long long min, long long max)
{
    char b[32];

    if (t->len <= 0 || t->len >= (int)sizeof(b))
        return false;
    memcpy(b, t->p, (size_t)t->len);
    b[t->len] = '\0';
    return gpv_parse_ll(out, b, min, max);
}

int
sm_tok_int(int *out, struct sm_reader *r, const struct sm_tok *t, long long min, long long max,
           const char *what)
{
    long long v;

    if (!sm_tok_ll(&v, t, min, max))
        return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, t->col,
                             "%s must be a whole number from %lld to %lld, not '%.*s'", what, min,
                             max, t->len > 40 ? 40 : t->len, t->p);
    *out = (int)v;
    return 0;
}

/* True when every byte of t is in set (the text is not NUL-terminated: no strspn). */
static bool
tok_all(const struct sm_tok *t, const char *set)
{
    int i;

    for (i = 0; i < t->len; i++)
        if (!t->p[i] || !strchr(set, t->p[i]))
            return false;
    return true;
}

char *
sm_tok_dup(const struct sm_tok *t)
{
    return xstrndup(t->p, (size_t)t->len);
}

bool
sm_is_name_token(const struct sm_tok *t)
{
    int i;

    if (t->len <= 0 || t->len > GPV_SMI_NAME_MAX)
        return false;
    for (i = 0; i < t->len; i++)
        if ((unsigned char)t->p[i] <= ' ' || (unsigned char)t->p[i] >= 0x7f)
            return false;
    return true;
}

bool
gpv_smi_parse_pci_id(int *out, const char *s)
{
    size_t n = 0;
    unsigned long v = 0;

    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    for (s += 2; s[n] && s[n] != ':'; n++) {
        char c = s[n];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0 || n >= 8)
            return false;
        v = v * 16 + (unsigned long)d;
    }
    if (n == 8)
        v >>= 16; /* 0xDDDDVVVV: the device is the upper half */
    else if (n != 4)
        return false;
    if (s[n] == ':' && !(s[n + 1] == '0' && (s[n + 2] == 'x' || s[n + 2] == 'X')))
        return false;
    *out = (int)v;
    return true;
}

static int
get_gpu(struct gpv_smi_gpu **out, struct sm_reader *r, long long index, int col)
{
    struct gpv_smi *s = r->s;
    int i, k;

    if (index < 0 || index >= GPV_SMI_MAX_GPUS) {
        char b[32];

        snprintf(b, sizeof(b), "%lld", index);
        return sm_fail(r, col, "GPU index %s is out of range (a node has at most 64 GPUs, 0..63)",
                       b);
    }
    for (i = 0; i < s->ngpus && s->gpus[i]->index < index; i++)
        ;
    if (i < s->ngpus && s->gpus[i]->index == index) {
        *out = s->gpus[i];
        return 0;
    }
    for (k = s->ngpus; k > i; k--)
        s->gpus[k] = s->gpus[k - 1];
    s->gpus[i] = xcalloc(1, sizeof(*s->gpus[i]));
    s->gpus[i]->index = (int)index;
    s->gpus[i]->device_id = -1;
    s->gpus[i]->memory_mib = -1;
    s->gpus[i]->mig_mode = -1;
    s->gpus[i]->pos = sm_pos_at(r, col);
    s->ngpus++;
    *out = s->gpus[i];
    return 0;
}

int
sm_gpu_of_tok(struct gpv_smi_gpu **out, struct sm_reader *r, const struct sm_tok *t)
{
    long long v;

    if (!sm_tok_ll(&v, t, 0, 1000000))
        return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, t->col,
                             "expected a GPU index, not '%.*s'", t->len > 40 ? 40 : t->len, t->p);
    return get_gpu(out, r, v, t->col);
}

/* Records a GPU's name, refusing a different one from another input. */
int
sm_set_name(struct sm_reader *r, struct gpv_smi_gpu *g, const char *p, int len, int col)
{
    int i;

    if (len <= 0 || len > GPV_SMI_NAME_MAX)
        return sm_fail(r, col, "%s", len <= 0 ? "empty GPU name" : "GPU name is too long");
    for (i = 0; i < len; i++)
        if ((unsigned char)p[i] >= 0x7f)
            return sm_fail(r, col + i, "%s", "GPU name is not printable ASCII");
    if (g->name) {
        if (strlen(g->name) == (size_t)len && !memcmp(g->name, p, (size_t)len))
            return 0;
        return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, col,
                             "GPU %d is named '%.*s' here but '%s' at %s:%d", g->index, len, p,
                             g->name, g->name_pos.file, g->name_pos.line);
    }
    g->name = xstrndup(p, (size_t)len);
    g->name_pos = sm_pos_at(r, col);
    return 0;
}

/* `| GPU instance profiles: |` ... rows of -lgip. */
static int
lgip_row(struct sm_reader *r, const struct sm_tok *t, int n)
{
    struct gpv_smi_gpu *g;
    struct gpv_smi_profile *p;
    long long v;
    int rc, id, i;
    const char *slash;

    if (n == 3 && r->pending) {
        int *f[3] = {&r->pending->ce, &r->pending->jpeg, &r->pending->ofa};

        for (i = 0; i < 3; i++)
            if ((rc = sm_tok_int(f[i], r, &t[i], 0, 1000, "an engine count")))
                return rc;
        r->pending = NULL;
        return 0;
    }
    if (n != 10 || !sm_tok_is(&t[1], "MIG"))
        return sm_fail(r, t[0].col, "%s",
                       "expected an -lgip row: GPU, MIG NAME, ID, FREE/TOTAL, MEMORY, P2P, SM, "
                       "DEC, ENC");
    if ((rc = sm_gpu_of_tok(&g, r, &t[0])))
        return rc;
    if (!sm_is_name_token(&t[2]))
        return sm_fail(r, t[2].col, "%s", "bad profile name");
    if ((rc = sm_tok_int(&id, r, &t[3], 0, 255, "a profile id")))
        return rc;
    for (i = 0; i < g->nprofiles && g->profiles[i].id != id; i++)
        ;
    if (i < g->nprofiles && g->profiles[i].name)
        return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, t[3].col,
                             "profile id %d of GPU %d is listed twice (first at %s:%d)", id,
                             g->index, g->profiles[i].pos.file, g->profiles[i].pos.line);
    if (i == g->nprofiles) {
        if (g->nprofiles == GPV_SMI_MAX_PROFILES)
            return sm_fail(r, t[3].col, "%s", "more than 64 profiles on one GPU");
        g->nprofiles++;
        memset(&g->profiles[i], 0, sizeof(g->profiles[i]));
        g->profiles[i].id = id;
    }
    p = &g->profiles[i];
    p->name = sm_tok_dup(&t[2]);
    p->pos = sm_pos_at(r, t[0].col);
    slash = memchr(t[4].p, '/', (size_t)t[4].len);
    {
        struct sm_tok a = {t[4].p, slash ? (int)(slash - t[4].p) : 0, t[4].col};
        struct sm_tok b = {slash ? slash + 1 : t[4].p, slash ? t[4].len - a.len - 1 : 0,
                           t[4].col + a.len + 1};

        if (!slash || !sm_tok_ll(&v, &a, 0, 64))
            return sm_fail(r, t[4].col, "%s", "expected instances as FREE/TOTAL, such as 7/7");
        p->free = (int)v;
        if ((rc = sm_tok_int(&p->total, r, &b, 1, 64, "the total instances")))
            return rc;
    }
    {
        char b[32];

        if (t[5].len >= (int)sizeof(b))
            return sm_fail(r, t[5].col, "%s", "bad memory figure");
        memcpy(b, t[5].p, (size_t)t[5].len);
        b[t[5].len] = '\0';
        if (!gpv_parse_double(&p->memory_gib, b) || p->memory_gib <= 0 || p->memory_gib > 1e6)
            return sm_fail(r, t[5].col, "memory must be a positive number of GiB, not '%s'", b);
    }
    if (!sm_tok_is(&t[6], "Yes") && !sm_tok_is(&t[6], "No"))
        return sm_fail(r, t[6].col, "%s", "P2P must be Yes or No");
    p->p2p = sm_tok_is(&t[6], "Yes");
    if ((rc = sm_tok_int(&p->sms, r, &t[7], 0, 100000, "the SM count")) ||
        (rc = sm_tok_int(&p->dec, r, &t[8], 0, 1000, "an engine count")) ||
        (rc = sm_tok_int(&p->enc, r, &t[9], 0, 1000, "an engine count")))
        return rc;
    p->ce = p->jpeg = p->ofa = -1;
    r->pending = p;
    return 0;
}

/* Start:Size (-lgi) into *start and *size. */
static int
start_size(int *start, int *size, struct sm_reader *r, const struct sm_tok *t)
{
    const char *c = memchr(t->p, ':', (size_t)t->len);
    struct sm_tok a, b;
    int rc;

    if (!c)
        return sm_fail(r, t->col, "%s", "expected a placement START:SIZE, such as 0:1");
    a.p = t->p;
    a.len = (int)(c - t->p);
    a.col = t->col;
    b.p = c + 1;
    b.len = t->len - a.len - 1;
    b.col = t->col + a.len + 1;
    if ((rc = sm_tok_int(start, r, &a, 0, 31, "a placement start")) ||
        (rc = sm_tok_int(size, r, &b, 1, 32, "a placement size")))
        return rc;
    return 0;
}

/* `| GPU instances: |` ... rows of -lgi. */
static int
lgi_row(struct sm_reader *r, const struct sm_tok *t, int n)
{
    struct gpv_smi_gpu *g;
    struct gpv_smi_instance *in;
    int rc;

    if (n != 6 || !sm_tok_is(&t[1], "MIG"))
        return sm_fail(r, t[0].col, "%s",
                       "expected an -lgi row: GPU, MIG NAME, PROFILE ID, INSTANCE ID, START:SIZE");
    if ((rc = sm_gpu_of_tok(&g, r, &t[0])))
        return rc;
    if (g->lgi_table && g->lgi_table != r->lgi_table)
        return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, t[0].col,
                             "GPU %d is in two -lgi tables (also at %s:%d)", g->index,
                             g->inst[0].pos.file, g->inst[0].pos.line);
    g->lgi_table = r->lgi_table;
    if (g->ninst == GPV_SMI_MAX_INSTANCES)
        return sm_fail(r, t[0].col, "%s", "more than 32 GPU instances on one GPU");
    if (!sm_is_name_token(&t[2]))
        return sm_fail(r, t[2].col, "%s", "bad profile name");
    in = &g->inst[g->ninst];
    memset(in, 0, sizeof(*in));
    if ((rc = sm_tok_int(&in->profile_id, r, &t[3], 0, 255, "a profile id")) ||
        (rc = sm_tok_int(&in->gi_id, r, &t[4], 0, 1000, "an instance id")) ||
        (rc = start_size(&in->start, &in->size, r, &t[5])))
        return rc;
    in->profile = sm_tok_dup(&t[2]);
    in->pos = sm_pos_at(r, t[0].col);
    in->id_pos = sm_pos_at(r, t[3].col);
    in->pl_pos = sm_pos_at(r, t[5].col);
    g->ninst++;
    return 0;
}

/* `GPU  0 Profile ID 19 Placements: {0,1,2,3,4,5,6}:1` (-lgipp). */
static int
lgipp_line(struct sm_reader *r, const struct sm_tok *t, int n)
{
    struct gpv_smi_gpu *g;
    struct gpv_smi_profile *p;
    const struct sm_tok *pl;
    int rc, id, i, k, start, ns = 0, starts[GPV_SMI_MAX_INSTANCES], size;
    const char *q, *end;

    if (n == 7 && (sm_tok_is(&t[5], "Placements:") || sm_tok_is(&t[5], "Placement:")))
        pl = &t[6];
    else if (n == 8 && sm_tok_is(&t[5], "Placement") && sm_tok_is(&t[6], ":"))
        pl = &t[7];
    else
        return sm_fail(r, t[0].col, "%s",
                       "expected an -lgipp line: GPU N Profile ID N Placements: {S,...}:SIZE");
    if ((rc = sm_gpu_of_tok(&g, r, &t[1])) ||
        (rc = sm_tok_int(&id, r, &t[4], 0, 255, "a profile id")))
        return rc;
    q = pl->p;
    end = pl->p + pl->len;
    if (*q != '{')
        return sm_fail(r, pl->col, "%s", "expected placements as {START,...}:SIZE");
    q++;
    for (;;) {
        struct sm_tok num = {q, 0, pl->col + (int)(q - pl->p)};

        while (q < end && *q != ',' && *q != '}')
            q++;
        num.len = (int)(q - num.p);
        if (q == end || ns == GPV_SMI_MAX_INSTANCES)
            return sm_fail(r, pl->col, "%s", "expected placements as {START,...}:SIZE");
        if ((rc = sm_tok_int(&start, r, &num, 0, 31, "a placement start")))
            return rc;
        if (ns && start <= starts[ns - 1])
            return sm_fail(r, num.col, "%s", "placement starts must be ascending");
        starts[ns++] = start;
        if (*q++ == '}')
            break;
    }
    if (q == end || *q != ':')
        return sm_fail(r, pl->col + (int)(q - pl->p), "%s", "expected ':SIZE' after the starts");
    {
        struct sm_tok sz = {q + 1, (int)(end - q - 1), pl->col + (int)(q + 1 - pl->p)};

        if ((rc = sm_tok_int(&size, r, &sz, 1, 32, "a placement size")))
            return rc;
    }
    for (i = 0; i < g->nprofiles && g->profiles[i].id != id; i++)
        ;
    if (i == g->nprofiles) {
        if (g->nprofiles == GPV_SMI_MAX_PROFILES)
            return sm_fail(r, t[4].col, "%s", "more than 64 profiles on one GPU");
        g->nprofiles++;
        memset(&g->profiles[i], 0, sizeof(g->profiles[i]));
        g->profiles[i].id = id;
    }
    p = &g->profiles[i];
    if (p->nstarts)
        return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, t[4].col,
                             "placements of profile id %d of GPU %d are listed twice (first at "
                             "%s:%d)",
                             id, g->index, p->pp_pos.file, p->pp_pos.line);
    for (k = 0; k < ns; k++)
        p->starts[k] = starts[k];
    p->nstarts = ns;
    p->size = size;
    p->pp_pos = sm_pos_at(r, t[0].col);
    return 0;
}

static bool
is_prompt(const struct sm_tok *t, int n)
{
    int i;

    if (sm_tok_is(&t[0], "$") || sm_tok_is(&t[0], "#") || sm_tok_is(&t[0], ">"))
        return true;
    if (!memchr(t[0].p, '@', (size_t)t[0].len) && t[0].p[0] != '[')
        return false;
    for (i = 0; i < n && i < 3; i++) {
        char last = t[i].p[t[i].len - 1];

        if (last == '$' || last == '#' || last == '%' || last == '>')
            return true;
    }
    return false;
}

/* Where a line starting at `line` of YAML ends: the next prompt line, or the end of the text. */
static size_t
yaml_end(const char *buf, size_t len, size_t at, int *lines)
{
    size_t p = at;

    *lines = 0;
    while (p < len) {
        const char *nl = memchr(buf + p, '\n', len - p);
        size_t e = nl ? (size_t)(nl - buf) : len;
        struct sm_tok t[4];
        int n = tokenize(t, 4, buf + p, (int)(e - p), " \t\r");

        if (p > at && n != 0 && n != -1 && is_prompt(t, n) && t[0].p[0] != '#')
            break;
        if (p > at && n == -1) {
            struct sm_tok t3[3];
            int n3 = tokenize(t3, 3, buf + p, (int)((e - p) < 80 ? e - p : 80), " \t\r");

            if (n3 > 0 && is_prompt(t3, n3) && t3[0].p[0] != '#')
                break;
        }
        (*lines)++;
        p = nl ? e + 1 : len;
    }
    return p;
}

static int
read_yaml(struct sm_reader *r, size_t at, size_t *next)
{
    int lines, rc;
    size_t end = yaml_end(r->buf, r->len, at, &lines);
    struct gpv_ydoc *doc = NULL;
    char *copy = xmalloc(end + 1);

    /* Blank the text before the YAML so that libyaml's line numbers are the file's. */
    for (size_t i = 0; i < at; i++)
        copy[i] = r->buf[i] == '\n' ? '\n' : ' ';
    memcpy(copy + at, r->buf + at, end - at);
    copy[end] = '\0';
    rc = gpv_ydoc_parse(&doc, copy, end, r->file, r->err);
    if (!rc)
        rc = sm_read_export(r->s, doc, r->file, r->err);
    gpv_ydoc_free(doc);
    free(copy);
    r->line += lines - 1;
    *next = end;
    return rc;
}

static bool
starts_with(const char *l, int len, const char *s)
{
    size_t n = strlen(s);

    return (size_t)len >= n && !memcmp(l, s, n);
}

static bool
is_weekday(const struct sm_tok *t)
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    size_t i;

    for (i = 0; i < 7; i++)
        if (sm_tok_is(t, days[i]))
            return true;
    return false;
}

/* Refuses a line with control bytes other than tab and carriage return: binary input. */
static int
check_text(struct sm_reader *r, const char *l, int len)
{
    int i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)l[i];

        if ((c < ' ' && c != '\t' && c != '\r') || c == 0x7f)
            return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, i + 1,
                                 "binary data (byte 0x%02x): expected nvidia-smi text output", c);
    }
    return 0;
}

/* A comment line: "# node: NAME" names the node (once); any comment ends a section. */
static int
comment_line(struct sm_reader *r, const char *l, int len)
{
    struct sm_tok nt[4];
    int nn = tokenize(nt, 4, l, len, " \t\r");

    if (nn == 3 && sm_tok_is(&nt[0], "#") && sm_tok_is(&nt[1], "node:")) {
        if (!sm_is_name_token(&nt[2]))
            return sm_fail(r, nt[2].col, "%s", "bad node name");
        if (r->s->node && !sm_tok_is(&nt[2], r->s->node))
            return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, nt[2].col,
                                 "second node name '%.*s' (this input is node '%s' since "
                                 "%s:%d)",
                                 nt[2].len, nt[2].p, r->s->node, r->s->node_pos.file,
                                 r->s->node_pos.line);
        if (!r->s->node)
            r->s->node = sm_tok_dup(&nt[2]);
        if (!r->s->node_pos.line)
            r->s->node_pos = sm_pos_at(r, nt[2].col);
    }
    r->sect = S_NONE;
    return 0;
}

/* A line of a box-drawn table ("| ... |", starting at column col): a header that opens an -lgip
 * or -lgi section, or one of their rows. */
static int
table_line(struct sm_reader *r, const char *l, int len, int col)
{
    struct sm_tok b[MAX_TOKENS];
    int nb = tokenize(b, MAX_TOKENS, l, len, " \t\r|");

    if (nb < 0)
        return sm_fail(r, 1, "%s", "too many fields on one line: expected nvidia-smi output");
    if (nb == 0 || tok_all(&b[0], "="))
        return 0;
    if (nb >= 3 && sm_tok_is(&b[0], "GPU") && sm_tok_is(&b[1], "instance") &&
        sm_tok_is(&b[2], "profiles:")) {
        r->sect = S_LGIP;
        return 0;
    }
    if (nb >= 2 && sm_tok_is(&b[0], "GPU") && sm_tok_is(&b[1], "instances:")) {
        r->sect = S_LGI;
        r->lgi_table++;
        r->s->any_lgi = true;
        return 0;
    }
    if (sm_tok_is(&b[0], "Compute") || sm_tok_is(&b[0], "Processes:")) {
        r->sect = S_SKIP;
        return 0;
    }
    if (nb >= 4 && sm_tok_is(&b[0], "GPU") && sm_tok_is(&b[1], "Name") && sm_tok_is(&b[2], "ID") &&
        sm_tok_is(&b[3], "Instances")) {
        r->sect = S_LGIP;
        return 0;
    }
    if (nb >= 4 && sm_tok_is(&b[0], "GPU") && sm_tok_is(&b[1], "Name") &&
        sm_tok_is(&b[2], "Profile") && sm_tok_is(&b[3], "Instance")) {
        if (r->sect != S_LGI) {
            r->lgi_table++;
            r->s->any_lgi = true;
        }
        r->sect = S_LGI;
        return 0;
    }
    if (sm_tok_is(&b[0], "Free/Total") || (sm_tok_is(&b[0], "ID") && r->sect == S_LGI))
        return 0;
    if (r->sect == S_LGIP)
        return lgip_row(r, b, nb);
    if (r->sect == S_LGI)
        return lgi_row(r, b, nb);
    if (r->sect == S_SKIP)
        return 0;
    return sm_fail(r, col, "%s",
                   "table row outside an -lgip or -lgi table (its header is missing)");
}

/* One line, l[0..len) without its newline. */
static int
read_line(struct sm_reader *r, const char *l, int len)
{
    struct sm_tok t[MAX_TOKENS];
    int n, i;

    if ((i = check_text(r, l, len)))
        return i;
    n = tokenize(t, MAX_TOKENS, l, len, " \t\r");
    if (n == 0)
        return 0;
    if (t[0].p[0] == '#')
        return comment_line(r, l, len);
    if (n < 0)
        return sm_fail(r, 1, "%s", "too many fields on one line: expected nvidia-smi output");
    if (is_prompt(t, n)) {
        r->sect = S_NONE;
        r->pending = NULL;
        return 0;
    }
    for (i = 0; i + 2 < n; i++)
        if (sm_tok_is(&t[i], "Driver") && sm_tok_is(&t[i + 1], "Version:")) {
            if (!r->s->driver && t[i + 2].len < 32)
                r->s->driver = sm_tok_dup(&t[i + 2]);
            r->sect = S_SKIP; /* the rest of the plain nvidia-smi table */
            return 0;
        }
    if (t[0].p[0] == '+' && tok_all(&t[0], "+-=") && n == 1)
        return 0;
    if (n >= 5 && t[0].len == 3 && is_weekday(&t[0]) && memchr(t[3].p, ':', (size_t)t[3].len))
        return 0; /* the date line nvidia-smi prints above its banner */
    if (t[0].p[0] == '|')
        return table_line(r, l, len, t[0].col);
    if (r->sect == S_SKIP && (t[0].p[0] == '+' || t[0].p[0] == '|'))
        return 0;
    if (n >= 2 && sm_tok_is(&t[0], "No") &&
        (starts_with(t[1].p, t[1].len, "MIG-enabled") || sm_tok_is(&t[1], "GPU") ||
         sm_tok_is(&t[1], "compute"))) {
        if (n >= 3 && sm_tok_is(&t[1], "GPU") && sm_tok_is(&t[2], "instances"))
            r->s->any_lgi = true;
        return 0;
    }
    if (n >= 5 && sm_tok_is(&t[0], "GPU") && sm_tok_is(&t[2], "Profile") &&
        sm_tok_is(&t[3], "ID")) {
        r->sect = S_NONE;
        return lgipp_line(r, t, n);
    }
    if (n >= 3 && sm_tok_is(&t[0], "GPU") && t[1].p[t[1].len - 1] == ':') {
        r->sect = S_NONE;
        return sm_list_line(r, t, n, l, len);
    }
    if (sm_tok_is(&t[0], "MIG") && n >= 3) /* a MIG device line of -L */
        return 0;
    if (memchr(l, ',', (size_t)len)) {
        struct sm_tok f[16];
        int nf = sm_csv_split(f, 16, l, len);

        for (i = 0; i < nf; i++)
            if (sm_is_column_name(&f[i]))
                return sm_csv_header(r, f, nf);
        return sm_csv_row(r, l, len);
    }
    if (r->sect == S_SKIP)
        return 0;
    return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, t[0].col,
                         "unrecognised line '%.*s': expected nvidia-smi or nvidia-mig-parted "
                         "output (see docs/state.md)",
                         t[0].len > 30 ? 30 : t[0].len, t[0].p);
}

char *
gpv_smi_find_node(const char *buf, size_t len)
{
    size_t p = 0;

    while (p < len) {
        const char *nl = memchr(buf + p, '\n', len - p);
        size_t e = nl ? (size_t)(nl - buf) : len;
        struct sm_tok t[4];
        int n = e - p <= GPV_SMI_MAX_LINE ? tokenize(t, 4, buf + p, (int)(e - p), " \t\r") : 0;

        if (n == 3 && sm_tok_is(&t[0], "#") && sm_tok_is(&t[1], "node:") && sm_is_name_token(&t[2]))
            return sm_tok_dup(&t[2]);
        p = e + 1;
    }
    return NULL;
}

int
gpv_smi_load_mem(struct gpv_smi *s, const char *buf, size_t len, const char *name,
                 struct gpv_error *err)
{
    struct sm_reader r;
    size_t p = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    r.s = s;
    r.buf = buf;
    r.len = len;
    r.err = err;
    s->files = xreallocarray(s->files, s->nfiles + 1, sizeof(*s->files));
    s->files[s->nfiles] = xstrdup(name);
    r.file = s->files[s->nfiles++];
    if (len > GPV_SMI_MAX_BYTES)
        return gpv_error_set(err, GPV_EINPUT, r.file, 0, 0, "input is larger than %u MiB",
                             GPV_SMI_MAX_BYTES >> 20);
    while (p < len) {
        const char *nl = memchr(buf + p, '\n', len - p);
        size_t e = nl ? (size_t)(nl - buf) : len;
        const char *l = buf + p;
        size_t ll = e - p;

        if (++r.line > GPV_SMI_MAX_LINES)
            return gpv_error_set(err, GPV_EINPUT, r.file, r.line, 1, "more than %d lines",
                                 GPV_SMI_MAX_LINES);
        if (ll > GPV_SMI_MAX_LINE)
            return gpv_error_set(err, GPV_EINPUT, r.file, r.line, GPV_SMI_MAX_LINE + 1,
                                 "line longer than %d bytes", GPV_SMI_MAX_LINE);
        if (ll >= 8 && starts_with(l, (int)ll, "version:")) {
            if ((rc = read_yaml(&r, p, &p)))
                return rc;
            r.sect = S_NONE;
            continue;
        }
        if ((rc = read_line(&r, l, (int)ll)))
            return rc;
        p = nl ? e + 1 : len;
    }
    return 0;
}
