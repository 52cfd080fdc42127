/*
 * The model mix of a mixed fleet, exactly: a small integer program over (demand class x
 * option) and each pool's GPUs, solved by LP relaxation (lp.c) and branch and bound.
 *
 * Demands with the same feasible options form a class. Variables: x[c][j] replicas of class c
 * on its option j, u[c] replicas of c left out, and per pool the GPUs of each kind of layout:
 * MIG use-patterns (pack_mig_pat.c, upgrades included), equal-size vGPU GPUs by their smallest
 * per-GPU limit, whole GPUs, GPUs the device plugin shares. Rows: every replica placed or left
 * out; every pool's slots cover what its options take (a shared pool: its GPUs cover the sums of
 * memory, compute and clients, a relaxation); every fleet model within its limit. The objective
 * is lexicographic: the LP bounds the fewest replicas left out, then branch and bound looks for
 * the lowest weighted cost with that many left out (one more each time a finished search finds
 * no plan). Integer-rounding cuts make a pool's fixed demand take whole GPUs. The search
 * branches on the models' GPUs in all, then on columns; with half its budget left, again from
 * its incumbent with the pools' GPUs in all after the models'. A search that does not finish
 * bounds with the least LP value of the subtrees it left. On large pools only the LP is solved,
 * rounded (GPUs up, then taken away while the replicas fit), and a bound-only search with strong
 * branching on those sums runs with the plan as incumbent. docs/plan.md ("The model mix")
 * explains it.
 */
#include "pack_config.h"
#include "pack_driver.h"
#include "pack_engine.h"
#include "pack_int.h"
#include "pack_mig_int.h"
#include "pack_mix_int.h"

#include "gpuvplan/lp.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The dimensions of a GPU the device plugin shares: memory, compute, clients (share_w). Rows
 * of key MX_SHARE_DIMS - 1 + k bound memory through the dual feasible function u_k (share_u);
 * rows of key MX_SHARE_ITEM + i count the clients of kind i of a pool packed by patterns. */
#define MX_SHARE_DIMS 3
#define MX_SHARE_ITEM 1000
/* Slots of mx_classes' table of classes by signature: more than twice PACK_MIX_MAX_CLASSES. */
#define MX_CLASS_SLOTS 128
_Static_assert(MX_CLASS_SLOTS > PACK_MIX_MAX_CLASSES, "a free slot for every class");

/* What one option asks of a pool, independent of the demand it belongs to. */
struct mx_opt {
    int model, kind, profile, vtype, gpus, lim;
    double w[MX_SHARE_DIMS]; /* time-slicing, MPS: what a replica uses of a GPU (share_w) */
    long long mib;           /* time-slicing, MPS: a replica's memory */
    int cap;                 /* time-slicing, MPS: most clients of a GPU it may share */
    int clients;             /* MIG: replicas one instance serves (pk_clients) */
};

/* A row of the program (besides the class rows): a pool's slots of one kind, a dimension of a
 * shared pool, or a limit. */
enum mx_rowkind { MX_MIG, MX_VGPU, MX_WHOLE, MX_SHARE, MX_LIMIT, MX_CAP };

struct mx_row {
    enum mx_rowkind kind;
    int model, mkind, key, lim; /* MIG: profile; VGPU: type and level (per-GPU limit); SHARE:
                                   the dimension; CAP: class, option, piece of clients_cap */
    double rhs;                 /* CAP: the right-hand side; else 0 */
};

struct mx_class {
    int nopt;
    struct mx_opt *opt;
    long replicas;
};

static int
opt_cmp(const void *pa, const void *pb)
{
    const struct mx_opt *a = pa, *b = pb;

    if (a->model != b->model)
        return a->model < b->model ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->profile != b->profile)
        return a->profile < b->profile ? -1 : 1;
    if (a->vtype != b->vtype)
        return a->vtype < b->vtype ? -1 : 1;
    if (a->gpus != b->gpus)
        return a->gpus < b->gpus ? -1 : 1;
    if (a->lim != b->lim)
        return a->lim < b->lim ? -1 : 1;
    if (a->mib != b->mib)
        return a->mib < b->mib ? -1 : 1;
    if (a->cap != b->cap)
        return a->cap < b->cap ? -1 : 1;
    if (a->clients != b->clients)
        return a->clients < b->clients ? -1 : 1;
    return memcmp(a->w, b->w, sizeof(a->w));
}

/*
 * What one replica of demand d on the shared option o uses of a GPU, per dimension, each at
 * most 1 on any GPU of the pool so that a GPU column supplying 1 to each keeps the program a
 * relaxation. Time-slicing: memory over the GPU's, its compute share, 1 / the most clients a
 * GPU takes (the entry's replicas, else GPV_SHARING_REPLICAS_MAX); the engine keeps each sum
 * within the GPU. MPS: 1 / its cap in every dimension it bounds (N clients on a GPU each have a
 * cap of at least N, pk_share_weight), with memory and compute as for time-slicing (dominated).
 * The same weights as pack_split.c's bound over every choice.
 */
static void
share_w(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o,
        double w[MX_SHARE_DIMS])
{
    const struct gpv_pack_model *m = &p->models[o->model];
    const struct gpv_pack_demand *dm = &p->demands[d];

    w[0] = m->gpu->memory_mib > 0 ? (double)dm->memory_mib / (double)m->gpu->memory_mib : 0.0;
    w[1] = dm->compute > 0.0 ? dm->compute : 0.0;
    if (o->kind == GPV_PACK_MPS)
        w[2] = pk_share_weight(p, d, o);
    else
        w[2] = 1.0 / (m->share_replicas > 0 ? m->share_replicas : GPV_SHARING_REPLICAS_MAX);
}

/*
 * Memory is bin packing, and its sum alone is weak (ten clients of 4769 MiB fill a 49152 MiB
 * GPU: 0.097 each by the sum, 0.1 in truth). Fekete and Schepers' dual feasible function
 * u_k(x) = x when (k + 1)x is whole, else floor((k + 1)x) / k, maps what one GPU holds to at
 * most 1 (as ts_memory_bound in pack_share.c); u_k with k = floor(1 / x) weighs a client 1 / (as
 * many as fit). Rounding errs low, so a row stays a relaxation.
 */
static double
share_u(double x, int k)
{
    double y = (k + 1) * x;

    return fabs(y - floor(y + 0.5)) < 1e-9 ? x : floor(y) / k;
}

/* The k of the u_k row a client of memory share x asks for; 0 when none (no memory, or more
 * clients fit than the count row allows anyway). */
static int
share_k(double x)
{
    double n = x > 0.0 ? floor(1.0 / x + 1e-9) : 0.0;

    return n >= 1.0 && n <= GPV_SHARING_REPLICAS_MAX ? (int)n : 0;
}

/* The option as a tuple; false when the program cannot model it (mixed-size vGPU, the
 * `single` strategy). A time-slicing or MPS option carries its replica's weights (share_w):
 * the program relaxes such a pool to its sums per dimension. */
static bool
opt_tuple(const struct gpv_pack_problem *p, size_t d, const struct gpv_pack_option *o,
          struct mx_opt *t)
{
    const struct gpv_pack_model *m = &p->models[o->model];

    memset(t, 0, sizeof(*t));
    t->model = o->model;
    t->kind = (int)o->kind;
    t->profile = o->profile;
    t->vtype = o->vgpu_type;
    t->gpus = o->kind == GPV_PACK_WHOLE ? o->gpus : 1;
    t->clients = pk_clients(o);
    t->lim = 0;
    if (o->kind == GPV_PACK_VGPU) {
        if (m->mixed)
            return false;
        t->lim = gpv_vgpu_limit(&m->gpu->vgpu->types[o->vgpu_type], false, p->demands[d].compute);
        t->profile = -1;
    }
    if (o->kind == GPV_PACK_TIME_SLICING || o->kind == GPV_PACK_MPS) {
        t->profile = -1;
        t->vtype = -1;
        share_w(p, d, o, t->w);
        t->mib = p->demands[d].memory_mib;
        t->cap = m->share_replicas > 0     ? m->share_replicas
                 : o->kind == GPV_PACK_MPS ? pk_share_cap(p, d, o)
                                           : GPV_SHARING_REPLICAS_MAX;
    }
    if ((o->kind == GPV_PACK_MIG || o->kind == GPV_PACK_MIG_VGPU) && m->single)
        return false;
    return true;
}

static int
find_row(struct mx_row **rows, int *n, int *cap, const struct mx_row *r)
{
    int i;

    for (i = 0; i < *n; i++)
        if ((*rows)[i].kind == r->kind && (*rows)[i].model == r->model &&
            (*rows)[i].mkind == r->mkind && (*rows)[i].key == r->key && (*rows)[i].lim == r->lim)
            return i;
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *rows = xreallocarray(*rows, (size_t)*cap, sizeof(**rows));
    }
    (*rows)[*n] = *r;
    return (*n)++;
}

/* ---- the program ------------------------------------------------------------------------- */

/* Everything the mix builds. */
struct mx {
    int ncls;
    struct mx_class *cls;
    int *dcls; /* per demand: its class, -1 when it has no feasible option */
    int *dmap; /* at foff[d] + j: demand d's option index for its class's option j */
    const size_t *foff;
    int *xcol;   /* per class: its first x column (nopt of them), then u */
    int *ucol;   /* per class: its u column */
    int *ycol;   /* at class * PACK_MIX_MAX_OPTS + option: the instances column of an option
                    whose instances serve several replicas, else -1 */
    bool exact;  /* the program is the packing problem (no pattern cap hit, no spread, no
                    shared pool) */
    bool spread; /* some demand spreads its replicas: relaxed, so the program proves nothing */
    struct mx_ip ip;
    double *wcost; /* per column: weighted cost */
    double *ucost; /* per column: 1 on u columns */
};

static void
mx_release(struct mx *mx)
{
    int c;

    for (c = 0; c < mx->ncls; c++)
        free(mx->cls[c].opt);
    free(mx->cls);
    free(mx->dmap);
    free(mx->dcls);
    free(mx->xcol);
    free(mx->ucol);
    free(mx->ycol);
    free(mx->ip.a);
    free(mx->ip.b);
    free(mx->ip.cost);
    free(mx->ip.colmodel);
    free(mx->ip.colpool);
    free(mx->wcost);
    free(mx->ucost);
}

/* A cheap signature of the options t[0..n): equal options, equal signatures. */
static unsigned long long
opts_sig(const struct mx_opt *t, int n)
{
    unsigned long long h = (unsigned long long)n;
    int j;

    for (j = 0; j < n; j++)
        h = h * 0x9E3779B97F4A7C15ULL ^
            ((unsigned long long)(unsigned)t[j].model ^
             (unsigned long long)(unsigned)t[j].kind << 8 ^
             (unsigned long long)(unsigned)t[j].profile << 16 ^
             (unsigned long long)(unsigned)t[j].vtype << 28 ^
             (unsigned long long)(unsigned)t[j].lim << 40 ^ (unsigned long long)t[j].mib);
    return h;
}

/* True when the class has exactly the options t[0..n). */
static bool
class_is(const struct mx_class *cl, const struct mx_opt *t, int n)
{
    int j;

    if (cl->nopt != n)
        return false;
    for (j = 0; j < n && !opt_cmp(&cl->opt[j], &t[j]); j++)
        ;
    return j == n;
}

/* Groups the demands into classes; false when the program does not apply. */
static bool
mx_classes(struct mx *mx, const struct gpv_pack_problem *p, const bool *feasible,
           const size_t *foff)
{
    size_t d, i;
    /* A demand's distinct options, sorted; one more than a class may have ends it. */
    struct mx_opt tmp[PACK_MIX_MAX_OPTS + 1];
    int idx[PACK_MIX_MAX_OPTS + 1];
    bool ok = true;
    int cap = 0, s;
    unsigned long long sig[PACK_MIX_MAX_CLASSES]; /* per class: opts_sig of its options */
    int slot[MX_CLASS_SLOTS];                     /* the classes by signature; -1: free */

    mx->dcls = xcalloc(p->ndemands + 1, sizeof(int));
    mx->foff = foff;
    mx->dmap =
        xcalloc(p->ndemands ? foff[p->ndemands - 1] + p->demands[p->ndemands - 1].noptions + 1 : 1,
                sizeof(int));
    for (s = 0; s < MX_CLASS_SLOTS; s++)
        slot[s] = -1;
    for (d = 0; d < p->ndemands && ok; d++) {
        const struct gpv_pack_demand *dm = &p->demands[d];
        int n = 0, c, k;
        unsigned long long h;

        mx->dcls[d] = -1;
        if (dm->spread || dm->spread_nodes) {
            /* Spread is relaxed: the program's answers bound the plan but are not plans. */
            mx->exact = false;
            mx->spread = true;
        }
        for (i = 0; i < dm->noptions; i++) {
            struct mx_opt t;
            bool dup = false;

            if (!feasible[foff[d] + i])
                continue;
            if (!opt_tuple(p, d, &dm->options[i], &t)) {
                ok = false;
                break;
            }
            /* Sorted insertion; an option equal to an earlier one adds nothing. */
            for (k = 0; k < n && !dup; k++)
                dup = !opt_cmp(&tmp[k], &t);
            if (dup)
                continue;
            for (k = n; k > 0 && opt_cmp(&tmp[k - 1], &t) > 0; k--) {
                tmp[k] = tmp[k - 1];
                idx[k] = idx[k - 1];
            }
            tmp[k] = t;
            idx[k] = (int)i;
            /* More options than a class may have: the program does not apply (sizing from
             * every model, dozens of options a demand), known without grouping the rest. */
            if (++n > PACK_MIX_MAX_OPTS) {
                ok = false;
                break;
            }
        }
        if (!ok || n == 0)
            continue;
        h = opts_sig(tmp, n);
        /* Open addressing: the class with these options, or the free slot for a new one. */
        for (s = (int)((h ^ h >> 29) % MX_CLASS_SLOTS);
             slot[s] >= 0 && (sig[slot[s]] != h || !class_is(&mx->cls[slot[s]], tmp, n));
             s = (s + 1) % MX_CLASS_SLOTS)
            ;
        c = slot[s] >= 0 ? slot[s] : mx->ncls;
        if (c == mx->ncls) {
            if (mx->ncls == PACK_MIX_MAX_CLASSES) {
                ok = false;
                break;
            }
            if (mx->ncls == cap) {
                cap = cap ? 2 * cap : 8;
                mx->cls = xreallocarray(mx->cls, (size_t)cap, sizeof(*mx->cls));
            }
            mx->cls[c].nopt = n;
            mx->cls[c].opt = xcalloc((size_t)n, sizeof(struct mx_opt));
            memcpy(mx->cls[c].opt, tmp, (size_t)n * sizeof(struct mx_opt));
            mx->cls[c].replicas = 0;
            sig[c] = h;
            slot[s] = c;
            mx->ncls++;
        }
        mx->dcls[d] = c;
        mx->cls[c].replicas += dm->replicas;
        memcpy(mx->dmap + foff[d], idx, (size_t)n * sizeof(int));
    }
    return ok && mx->ncls > 0;
}

/* A growing set of columns, each a sparse list of (row, value). */
struct colset {
    int n, cap;
    int *model, *pool;
    double *cost;
    int *start, *row;
    double *val;
    int nz, capz;
};

/* The pool of GPU columns of one model and one kind of layout: a number for comparing only. */
static int
pool_id(int model, enum gpv_pack_kind kind)
{
    return model * (GPV_PACK_MPS + 1) + (int)kind;
}

static void
col_begin(struct colset *cs, int model, int pool, double cost)
{
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? 2 * cs->cap : 64;
        cs->model = xreallocarray(cs->model, (size_t)cs->cap, sizeof(int));
        cs->pool = xreallocarray(cs->pool, (size_t)cs->cap, sizeof(int));
        cs->cost = xreallocarray(cs->cost, (size_t)cs->cap, sizeof(double));
        cs->start = xreallocarray(cs->start, (size_t)cs->cap + 1, sizeof(int));
    }
    cs->model[cs->n] = model;
    cs->pool[cs->n] = pool;
    cs->cost[cs->n] = cost;
    cs->start[cs->n] = cs->nz;
    cs->n++;
    cs->start[cs->n] = cs->nz;
}

static void
col_put(struct colset *cs, int row, double v)
{
    if (cs->nz == cs->capz) {
        cs->capz = cs->capz ? 2 * cs->capz : 256;
        cs->row = xreallocarray(cs->row, (size_t)cs->capz, sizeof(int));
        cs->val = xreallocarray(cs->val, (size_t)cs->capz, sizeof(double));
    }
    cs->row[cs->nz] = row;
    cs->val[cs->nz] = v;
    cs->nz++;
    cs->start[cs->n] = cs->nz;
}

static void
colset_release(struct colset *cs)
{
    free(cs->model);
    free(cs->pool);
    free(cs->cost);
    free(cs->start);
    free(cs->row);
    free(cs->val);
}

/* The row of a class option's slots (a shared pool: its first dimension's row). */
static struct mx_row
opt_row(const struct mx_opt *o)
{
    struct mx_row r;

    memset(&r, 0, sizeof(r));
    r.model = o->model;
    r.mkind = o->kind;
    r.key = -1;
    if (o->kind == GPV_PACK_MIG || o->kind == GPV_PACK_MIG_VGPU) {
        r.kind = MX_MIG;
        r.key = o->profile;
    } else if (o->kind == GPV_PACK_VGPU) {
        r.kind = MX_VGPU;
        r.key = o->vtype;
        r.lim = o->lim;
    } else if (o->kind == GPV_PACK_TIME_SLICING || o->kind == GPV_PACK_MPS) {
        r.kind = MX_SHARE;
        r.key = 0;
    } else {
        r.kind = MX_WHOLE;
    }
    return r;
}

/* Appends the GPU columns of the MIG pool (model, kind): one per use-pattern, covering the
 * pool's rows of rows[] (offset base) and counted in limit row lr (-1: none). False when the
 * program grows past PACK_MIX_MAX_COLS; *exact false when the patterns were capped. */
static bool
mig_pool_cols(struct pk_ctx *c, struct colset *cs, const struct mx_row *rows, int nrows, int base,
              int lr, int model, int kind, double weight, bool *exact)
{
    struct pk_mpool m;
    bool upgrades = !c->p->no_upgrades && kind == GPV_PACK_MIG;
    int q, k, r, j, *rowof;

    memset(&m, 0, sizeof(m));
    m.gpu = c->p->models[model].gpu;
    m.mc = pk_mig_cache_get(c, model);
    m.nprof = m.mc->nprof;
    m.cls = xcalloc((size_t)m.nprof, sizeof(int));
    m.dprof = xcalloc((size_t)m.nprof, sizeof(int));
    rowof = xcalloc((size_t)m.nprof, sizeof(int));
    for (q = 0; q < m.nprof; q++)
        m.cls[q] = -1;
    for (r = 0; r < nrows; r++) {
        if (rows[r].kind != MX_MIG || rows[r].model != model || rows[r].mkind != kind)
            continue;
        m.cls[rows[r].key] = m.nd;
        m.dprof[m.nd] = rows[r].key;
        rowof[m.nd] = base + r;
        m.nd++;
    }
    m.sv = xcalloc((size_t)m.nprof * m.nd + 1, sizeof(bool));
    for (q = 0; q < m.nprof; q++)
        for (k = 0; k < m.nd; k++)
            m.sv[q * m.nd + k] =
                q == m.dprof[k] || (upgrades && gpv_pack_mig_serves(m.gpu, q, m.dprof[k]));
    pk_mig_gen_patterns(&m);
    if (!m.complete && upgrades) {
        /* Too many ways to hand out larger profiles: the program without upgrades is a
         * restriction, so its answers are plans but prove nothing. */
        free(m.pat);
        free(m.ubuf);
        free(m.abuf);
        m.pat = NULL;
        m.ubuf = m.abuf = NULL;
        m.np = 0;
        memset(m.sv, 0, (size_t)m.nprof * m.nd * sizeof(bool));
        for (k = 0; k < m.nd; k++)
            m.sv[m.dprof[k] * m.nd + k] = true;
        pk_mig_gen_patterns(&m);
        m.complete = false;
    }
    *exact = *exact && m.complete;
    for (j = 0; j < m.np && cs->n <= PACK_MIX_MAX_COLS; j++) {
        col_begin(cs, model, pool_id(model, kind), weight);
        for (k = 0; k < m.nd; k++)
            if (m.pat[j].u[k])
                col_put(cs, rowof[k], m.pat[j].u[k]);
        if (lr >= 0)
            col_put(cs, lr, -1.0);
    }
    free(m.cls);
    free(m.dprof);
    free(m.sv);
    free(m.pat);
    free(m.ubuf);
    free(m.abuf);
    free(rowof);
    return cs->n <= PACK_MIX_MAX_COLS;
}

/* A pool the device plugin shares, as the program sees it: its kinds of clients (class
 * options alike in what they use of a GPU) and, when few enough, every maximal way to fill one
 * GPU with them (patterns); else its rows are the sums per dimension (share_w, share_u). */
struct mx_spool {
    int model, kind, nitem;
    const struct mx_opt *item[PACK_MIX_SHARE_ITEMS];
    int npat, cappat;
    int *pat;  /* npat x nitem clients */
    bool sums; /* too many kinds or patterns: the sums per dimension */
    long visits;
};

/* The pool of (model, kind) in sp[0 .. *n), added when new. */
static struct mx_spool *
spool_get(struct mx_spool **sp, int *n, int *cap, int model, int kind)
{
    int i;

    for (i = 0; i < *n; i++)
        if ((*sp)[i].model == model && (*sp)[i].kind == kind)
            return &(*sp)[i];
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 4;
        *sp = xreallocarray(*sp, (size_t)*cap, sizeof(**sp));
    }
    memset(&(*sp)[*n], 0, sizeof(**sp));
    (*sp)[*n].model = model;
    (*sp)[*n].kind = kind;
    return &(*sp)[(*n)++];
}

/* The pool of (model, kind) in sp[0 .. n), which is there. */
static const struct mx_spool *
spool_find(const struct mx_spool *sp, int n, int model, int kind)
{
    int i;

    for (i = 0; i < n && (sp[i].model != model || sp[i].kind != kind); i++)
        ;
    GPV_ASSERT(i < n);
    return &sp[i];
}

/* The index of o's kind of client in sp, -1 when it has none. */
static int
spool_item(const struct mx_spool *sp, const struct mx_opt *o)
{
    int i;

    for (i = 0; i < sp->nitem; i++)
        if (!opt_cmp(sp->item[i], o))
            return i;
    return -1;
}

/* Whether one more client of kind t fits a GPU holding mib, comp and count clients, each
 * within the sharing limits of the clients it holds (most). */
static bool
spool_fits(const struct mx_spool *sp, long long gpu_mib, int t, long long mib, double comp,
           int count, int most)
{
    const struct mx_opt *o = sp->item[t];

    return mib + o->mib <= gpu_mib && comp + o->w[1] <= 1.0 + 1e-9 &&
           count + 1 <= (o->cap < most ? o->cap : most);
}

/* Depth first over the clients of kind i onwards, n[] those of kinds before; records each
 * maximal fill. Stops (sp->sums) past PACK_MIX_SHARE_PATTERNS patterns or
 * PACK_MIX_SHARE_VISITS steps. */
static void
spool_dfs(struct mx_spool *sp, long long gpu_mib, int i, int *n, long long mib, double comp,
          int count, int most)
{
    const struct mx_opt *o;
    int v, t;

    if (sp->sums || ++sp->visits > PACK_MIX_SHARE_VISITS) {
        sp->sums = true;
        return;
    }
    if (i == sp->nitem) {
        for (t = 0; t < sp->nitem; t++)
            if (spool_fits(sp, gpu_mib, t, mib, comp, count, most))
                return; /* not maximal: a larger fill covers as much */
        if (sp->npat == PACK_MIX_SHARE_PATTERNS) {
            sp->sums = true;
            return;
        }
        if (sp->npat == sp->cappat) {
            sp->cappat = sp->cappat ? 2 * sp->cappat : 16;
            sp->pat = xreallocarray(sp->pat, (size_t)sp->cappat * sp->nitem, sizeof(int));
        }
        memcpy(sp->pat + (size_t)sp->npat * sp->nitem, n, (size_t)sp->nitem * sizeof(int));
        sp->npat++;
        return;
    }
    o = sp->item[i];
    for (v = 0; spool_fits(sp, gpu_mib, i, mib + v * o->mib, comp + v * o->w[1], count + v, most);
         v++)
        ;
    for (; v >= 0 && !sp->sums; v--) {
        n[i] = v;
        spool_dfs(sp, gpu_mib, i + 1, n, mib + v * o->mib, comp + v * o->w[1], count + v,
                  v > 0 && o->cap < most ? o->cap : most);
    }
    n[i] = 0;
}

/* The shared pools of the classes' options, each with its patterns or marked sums. */
static int
spool_build(struct mx_spool **out, const struct mx *mx, const struct gpv_pack_problem *p)
{
    struct mx_spool *sp = NULL;
    int n = 0, cap = 0, k, j, i;

    for (k = 0; k < mx->ncls; k++)
        for (j = 0; j < mx->cls[k].nopt; j++) {
            const struct mx_opt *o = &mx->cls[k].opt[j];
            struct mx_spool *pl;

            if (o->kind != GPV_PACK_TIME_SLICING && o->kind != GPV_PACK_MPS)
                continue;
            pl = spool_get(&sp, &n, &cap, o->model, o->kind);
            if (spool_item(pl, o) >= 0)
                continue;
            if (pl->nitem == PACK_MIX_SHARE_ITEMS)
                pl->sums = true;
            else
                pl->item[pl->nitem++] = o;
        }
    for (i = 0; i < n; i++) {
        const struct gpv_gpu *gpu = p->models[sp[i].model].gpu;
        int *cnt = xcalloc((size_t)sp[i].nitem + 1, sizeof(int));

        if (!sp[i].sums)
            spool_dfs(&sp[i], gpu->memory_mib > 0 ? gpu->memory_mib : LLONG_MAX / 4, 0, cnt, 0, 0.0,
                      0, INT_MAX);
        free(cnt);
    }
    *out = sp;
    return n;
}

/* Pieces of clients_cap's function kept at most per option (more: the first, a relaxation). */
#define MX_CAP_PIECES 12

/*
 * What y instances of an option whose instances serve k replicas each can hold of class cls's
 * replicas: an instance serves one tenant, so a demand of n replicas fills floor(n / k)
 * instances with k and one with n mod k, and y instances hold at most the y largest of these
 * fills in all, f(y). f is concave and piecewise linear, so for whole y, x <= f(y) is exactly
 * the rows s y - x >= s t - f(t), one per slope s (a distinct fill, largest first) from the
 * instance t where it starts. Writes the first max of them to slope[] and rhs[]; returns their
 * number, *all false when there were more.
 */
static int
clients_cap(const struct mx *mx, const struct gpv_pack_problem *p, int cls, int k, int max,
            int *slope, double *rhs, bool *all)
{
    long *cnt = xcalloc((size_t)k + 1, sizeof(long));
    double t = 0.0, f = 0.0;
    int v, n = 0;
    size_t d;

    for (d = 0; d < p->ndemands; d++)
        if (mx->dcls[d] == cls) {
            cnt[k] += p->demands[d].replicas / k;
            if (p->demands[d].replicas % k)
                cnt[p->demands[d].replicas % k]++;
        }
    *all = true;
    for (v = k; v >= 1; v--) {
        if (!cnt[v])
            continue;
        if (n == max) {
            *all = false;
            break;
        }
        slope[n] = v;
        rhs[n] = (double)v * t - f;
        n++;
        t += (double)cnt[v];
        f += (double)v * (double)cnt[v];
    }
    free(cnt);
    return n;
}

/* Builds the program; false when it does not apply or would be too large. */
static bool
mx_build(struct mx *mx, struct pk_ctx *c, const bool *feasible, const size_t *foff)
{
    const struct gpv_pack_problem *p = c->p;
    struct mx_row *rows = NULL;
    struct mx_spool *sp = NULL;
    struct colset cs;
    int nrows = 0, cap = 0, k, j, r, base, total, nsp = 0, ncap, slope[MX_CAP_PIECES];
    double rhs[MX_CAP_PIECES];
    bool ok = false, ycols, all;
    size_t m;

    memset(&cs, 0, sizeof(cs));
    mx->exact = true;
    if (!mx_classes(mx, p, feasible, foff))
        goto out;
    nsp = spool_build(&sp, mx, p);
    /* Supply rows: every pool slot kind an option asks for; then the limits. */
    for (k = 0; k < mx->ncls; k++)
        for (j = 0; j < mx->cls[k].nopt; j++) {
            struct mx_row rr = opt_row(&mx->cls[k].opt[j]);

            if (rr.kind == MX_SHARE) {
                const struct mx_opt *o = &mx->cls[k].opt[j];
                const struct mx_spool *pl = spool_find(sp, nsp, o->model, o->kind);
                int kk = share_k(o->w[0]);

                /* The shared pool is a relaxation (the engine's fill is not proven the best
                 * for its patterns, and sums bound less): its answers bound, not plans. */
                mx->exact = false;
                if (!pl->sums) {
                    rr.key = MX_SHARE_ITEM + spool_item(pl, o);
                    find_row(&rows, &nrows, &cap, &rr);
                    continue;
                }
                for (rr.key = 0; rr.key < MX_SHARE_DIMS; rr.key++)
                    find_row(&rows, &nrows, &cap, &rr);
                if (kk > 0) {
                    rr.key = MX_SHARE_DIMS - 1 + kk;
                    find_row(&rows, &nrows, &cap, &rr);
                }
                continue;
            }
            find_row(&rows, &nrows, &cap, &rr);
        }
    for (m = 0; m < p->nmodels; m++) {
        struct mx_row lr;
        bool used = false;

        for (r = 0; r < nrows; r++)
            used |= rows[r].kind != MX_LIMIT && rows[r].model == (int)m;
        if (!used || p->models[m].limit < 0)
            continue;
        memset(&lr, 0, sizeof(lr));
        lr.kind = MX_LIMIT;
        lr.model = (int)m;
        lr.key = -1;
        find_row(&rows, &nrows, &cap, &lr);
    }
    /* Options whose instances serve several replicas: a column of instances each, bound to
     * the replicas by clients_cap's rows, when the program has room for them; else a replica
     * takes 1 / clients of an instance (ceil relaxed: the program bounds, proves nothing). */
    ncap = 0;
    for (k = 0; k < mx->ncls; k++)
        for (j = 0; j < mx->cls[k].nopt; j++)
            if (mx->cls[k].opt[j].clients > 1 && opt_row(&mx->cls[k].opt[j]).kind == MX_MIG)
                ncap += clients_cap(mx, p, k, mx->cls[k].opt[j].clients, MX_CAP_PIECES, slope, rhs,
                                    &all);
    ycols = ncap > 0 && mx->ncls + nrows + ncap <= PACK_MIX_MAX_ROWS;
    mx->ycol = xcalloc((size_t)mx->ncls * PACK_MIX_MAX_OPTS + 1, sizeof(int));
    for (k = 0; k < mx->ncls; k++) {
        int nts = 0;

        for (j = 0; j < PACK_MIX_MAX_OPTS; j++)
            mx->ycol[k * PACK_MIX_MAX_OPTS + j] = -1;
        for (j = 0; j < mx->cls[k].nopt; j++) {
            const struct mx_opt *o = &mx->cls[k].opt[j];
            struct mx_row cr;
            int q, np;

            if (o->clients <= 1 || opt_row(o).kind != MX_MIG)
                continue;
            if (!ycols || j >= PACK_MIX_MAX_OPTS) {
                mx->exact = false;
                continue;
            }
            /* Two such options of a class may count a tenant's last instance twice: a
               relaxation then. */
            if (++nts > 1)
                mx->exact = false;
            np = clients_cap(mx, p, k, o->clients, MX_CAP_PIECES, slope, rhs, &all);
            mx->exact = mx->exact && all;
            memset(&cr, 0, sizeof(cr));
            cr.kind = MX_CAP;
            cr.model = k;
            cr.mkind = j;
            for (q = 0; q < np; q++) {
                cr.key = q;
                cr.lim = slope[q];
                cr.rhs = rhs[q];
                find_row(&rows, &nrows, &cap, &cr);
            }
            mx->ycol[k * PACK_MIX_MAX_OPTS + j] = 0; /* numbered below */
        }
    }
    base = mx->ncls;
    total = base + nrows;
    if (total > PACK_MIX_MAX_ROWS)
        goto out;
    /* x and u columns. */
    mx->xcol = xcalloc((size_t)mx->ncls, sizeof(int));
    mx->ucol = xcalloc((size_t)mx->ncls, sizeof(int));
    for (k = 0; k < mx->ncls; k++) {
        mx->xcol[k] = cs.n;
        for (j = 0; j < mx->cls[k].nopt; j++) {
            const struct mx_opt *o = &mx->cls[k].opt[j];
            struct mx_row rr = opt_row(o);

            col_begin(&cs, -1, -1, 0.0);
            col_put(&cs, k, 1.0);
            if (rr.kind == MX_VGPU) {
                /* In every level row of the type from its own limit up. */
                for (r = 0; r < nrows; r++)
                    if (rows[r].kind == MX_VGPU && rows[r].model == o->model &&
                        rows[r].key == o->vtype && rows[r].lim >= o->lim)
                        col_put(&cs, base + r, -1.0);
            } else if (rr.kind == MX_SHARE && !spool_find(sp, nsp, o->model, o->kind)->sums) {
                const struct mx_spool *pl = spool_find(sp, nsp, o->model, o->kind);

                rr.key = MX_SHARE_ITEM + spool_item(pl, o);
                col_put(&cs, base + find_row(&rows, &nrows, &cap, &rr), -1.0);
            } else if (rr.kind == MX_SHARE) {
                /* In every dimension's row of the pool. */
                for (r = 0; r < nrows; r++) {
                    double v;

                    if (rows[r].kind != MX_SHARE || rows[r].model != o->model ||
                        rows[r].mkind != o->kind)
                        continue;
                    v = rows[r].key < MX_SHARE_DIMS
                            ? o->w[rows[r].key]
                            : share_u(o->w[0], rows[r].key - MX_SHARE_DIMS + 1);
                    if (v > 0.0)
                        col_put(&cs, base + r, -v);
                }
            } else if (o->clients > 1 && mx->ycol[k * PACK_MIX_MAX_OPTS + j] >= 0) {
                /* At most what the option's instances hold (its instances column's rows). */
                for (r = 0; r < nrows; r++)
                    if (rows[r].kind == MX_CAP && rows[r].model == k && rows[r].mkind == j)
                        col_put(&cs, base + r, -1.0);
            } else if (o->clients > 1) {
                /* A replica takes 1 / clients of an instance: ceil relaxed (see above). */
                col_put(&cs, base + find_row(&rows, &nrows, &cap, &rr), -1.0 / o->clients);
            } else {
                col_put(&cs, base + find_row(&rows, &nrows, &cap, &rr), -(double)o->gpus);
            }
        }
        mx->ucol[k] = cs.n;
        col_begin(&cs, -1, -1, 0.0);
        col_put(&cs, k, 1.0);
        /* The instances of the options that time-slice them: slots of their pool. */
        for (j = 0; j < mx->cls[k].nopt; j++) {
            const struct mx_opt *o = &mx->cls[k].opt[j];
            struct mx_row rr = opt_row(o);

            if (mx->ycol[k * PACK_MIX_MAX_OPTS + j] < 0)
                continue;
            mx->ycol[k * PACK_MIX_MAX_OPTS + j] = cs.n;
            col_begin(&cs, -1, -1, 0.0);
            col_put(&cs, base + find_row(&rows, &nrows, &cap, &rr), -(double)o->gpus);
            for (r = 0; r < nrows; r++)
                if (rows[r].kind == MX_CAP && rows[r].model == k && rows[r].mkind == j)
                    col_put(&cs, base + r, (double)rows[r].lim);
        }
    }
    /* GPU columns. */
    for (r = 0; r < nrows; r++) {
        const struct mx_row *rw = &rows[r];
        double w = pk_model_weight(p, (size_t)rw->model);
        int lr = -1, r2;
        bool first = true;

        for (r2 = 0; r2 < nrows; r2++)
            if (rows[r2].kind == MX_LIMIT && rows[r2].model == rw->model)
                lr = base + r2;
        if (rw->kind == MX_MIG) {
            /* One pool per (model, kind): built at its first row. */
            for (r2 = 0; r2 < r && first; r2++)
                first = !(rows[r2].kind == MX_MIG && rows[r2].model == rw->model &&
                          rows[r2].mkind == rw->mkind);
            if (!first)
                continue;
            if (!mig_pool_cols(c, &cs, rows, nrows, base, lr, rw->model, rw->mkind, w, &mx->exact))
                goto out;
        } else if (rw->kind == MX_VGPU) {
            col_begin(&cs, rw->model, pool_id(rw->model, GPV_PACK_VGPU), w);
            for (r2 = 0; r2 < nrows; r2++)
                if (rows[r2].kind == MX_VGPU && rows[r2].model == rw->model &&
                    rows[r2].key == rw->key && rows[r2].lim >= rw->lim)
                    col_put(&cs, base + r2, rw->lim);
            if (lr >= 0)
                col_put(&cs, lr, -1.0);
        } else if (rw->kind == MX_SHARE && rw->key >= MX_SHARE_ITEM) {
            const struct mx_spool *pl = spool_find(sp, nsp, rw->model, rw->mkind);
            int q, t;

            /* One GPU column per pattern, built at the pool's first row. */
            for (r2 = 0; r2 < r && first; r2++)
                first = !(rows[r2].kind == MX_SHARE && rows[r2].model == rw->model &&
                          rows[r2].mkind == rw->mkind);
            if (!first)
                continue;
            for (q = 0; q < pl->npat && cs.n <= PACK_MIX_MAX_COLS; q++) {
                col_begin(&cs, rw->model, pool_id(rw->model, (enum gpv_pack_kind)rw->mkind), w);
                for (t = 0; t < pl->nitem; t++) {
                    struct mx_row ir = *rw;

                    ir.key = MX_SHARE_ITEM + t;
                    for (r2 = 0; r2 < nrows; r2++)
                        if (pl->pat[(size_t)q * pl->nitem + t] &&
                            !memcmp(&rows[r2], &ir, sizeof(ir)))
                            col_put(&cs, base + r2, pl->pat[(size_t)q * pl->nitem + t]);
                }
                if (lr >= 0)
                    col_put(&cs, lr, -1.0);
            }
        } else if (rw->kind == MX_SHARE) {
            /* One GPU column per shared pool, built at its first dimension's row: 1 of each. */
            if (rw->key != 0)
                continue;
            col_begin(&cs, rw->model, pool_id(rw->model, (enum gpv_pack_kind)rw->mkind), w);
            for (r2 = 0; r2 < nrows; r2++)
                if (rows[r2].kind == MX_SHARE && rows[r2].model == rw->model &&
                    rows[r2].mkind == rw->mkind)
                    col_put(&cs, base + r2, 1.0);
            if (lr >= 0)
                col_put(&cs, lr, -1.0);
        } else if (rw->kind == MX_WHOLE) {
            col_begin(&cs, rw->model, pool_id(rw->model, GPV_PACK_WHOLE), w);
            col_put(&cs, base + r, 1.0);
            if (lr >= 0)
                col_put(&cs, lr, -1.0);
        }
        if (cs.n > PACK_MIX_MAX_COLS)
            goto out;
    }
    /* Dense form: the columns found every row they use above. */
    GPV_ASSERT(base + nrows == total);
    mx->ip.rows = total;
    mx->ip.cols = cs.n;
    mx->ip.a = xcalloc((size_t)total * cs.n + 1, sizeof(double));
    mx->ip.b = xcalloc((size_t)total + 1, sizeof(double));
    mx->ip.colmodel = xcalloc((size_t)cs.n + 1, sizeof(int));
    mx->ip.colpool = xcalloc((size_t)cs.n + 1, sizeof(int));
    mx->wcost = xcalloc((size_t)cs.n + 1, sizeof(double));
    mx->ucost = xcalloc((size_t)cs.n + 1, sizeof(double));
    for (j = 0; j < cs.n; j++) {
        int e;

        for (e = cs.start[j]; e < cs.start[j + 1]; e++)
            mx->ip.a[(size_t)cs.row[e] * cs.n + j] += cs.val[e];
        mx->ip.colmodel[j] = cs.model[j];
        /* Pools numbered densely in the order first met. */
        mx->ip.colpool[j] = -1;
        if (cs.pool[j] >= 0) {
            int q;

            for (q = 0; q < j && cs.pool[q] != cs.pool[j]; q++)
                ;
            mx->ip.colpool[j] = q < j ? mx->ip.colpool[q] : mx->ip.npools++;
        }
        mx->wcost[j] = cs.cost[j];
    }
    for (k = 0; k < mx->ncls; k++) {
        mx->ip.b[k] = (double)mx->cls[k].replicas;
        mx->ucost[mx->ucol[k]] = 1.0;
    }
    for (r = 0; r < nrows; r++)
        if (rows[r].kind == MX_LIMIT)
            mx->ip.b[base + r] = -(double)p->models[rows[r].model].limit;
        else if (rows[r].kind == MX_CAP)
            mx->ip.b[base + r] = rows[r].rhs;
    ok = true;
out:
    for (k = 0; k < nsp; k++)
        free(sp[k].pat);
    free(sp);
    free(rows);
    colset_release(&cs);
    return ok;
}

/* ---- from the program's answer to a plan ------------------------------------------------- */

/* The replicas of each demand d of class k that its option j, whose instances serve kk
 * replicas each, takes of the take[] it was given, in pre[d]: whole instances of each demand
 * first, then the largest last instances (clients_cap's order, so that no more instances are
 * used than the program's), then whatever is left where there is room. */
static void
pieces_clients(const struct mx *mx, const struct gpv_pack_problem *p, int k, int kk, long take,
               long *pre)
{
    size_t d;
    int v;

    for (d = 0; d < p->ndemands && take > 0; d++)
        if (mx->dcls[d] == k) {
            long c = (long)(p->demands[d].replicas / kk) * kk;

            pre[d] = c < take ? c : take;
            take -= pre[d];
        }
    for (v = kk - 1; v >= 1 && take > 0; v--)
        for (d = 0; d < p->ndemands && take > 0; d++)
            if (mx->dcls[d] == k && p->demands[d].replicas % kk == v &&
                pre[d] == (long)(p->demands[d].replicas / kk) * kk) {
                long c = v < take ? v : take;

                pre[d] += c;
                take -= c;
            }
    for (d = 0; d < p->ndemands && take > 0; d++)
        if (mx->dcls[d] == k) {
            long c = p->demands[d].replicas - pre[d];

            c = c < take ? c : take;
            pre[d] += c;
            take -= c;
        }
}

/* The pieces of the program's solution x: per class, its demands in order take the replicas
 * of each option in turn, except an option with an instances column (the class's first), whose
 * replicas pieces_clients shares out first. Returns the number of pieces in *out (a new
 * array). */
static size_t
mx_pieces(const struct mx *mx, const struct gpv_pack_problem *p, const double *x,
          struct pk_piece **out)
{
    struct pk_piece *pc;
    size_t n = 0, cap = 0, d;
    int k, j;
    long *left = xcalloc((size_t)mx->ncls * PACK_MIX_MAX_OPTS + 1, sizeof(long));
    int *ts = xcalloc((size_t)mx->ncls + 1, sizeof(int));
    long *pre = xcalloc(p->ndemands + 1, sizeof(long));

    for (k = 0; k < mx->ncls; k++) {
        ts[k] = -1;
        for (j = 0; j < mx->cls[k].nopt; j++) {
            left[k * PACK_MIX_MAX_OPTS + j] = (long)x[mx->xcol[k] + j];
            if (ts[k] < 0 && mx->ycol && mx->ycol[k * PACK_MIX_MAX_OPTS + j] >= 0)
                ts[k] = j;
        }
        if (ts[k] >= 0)
            pieces_clients(mx, p, k, mx->cls[k].opt[ts[k]].clients,
                           left[k * PACK_MIX_MAX_OPTS + ts[k]], pre);
        cap += (size_t)mx->cls[k].nopt;
    }
    cap += 2 * p->ndemands; /* a piece ends an option or a demand, or is a demand's pre[] */
    pc = xcalloc(cap + 1, sizeof(*pc));
    for (d = 0; d < p->ndemands; d++) {
        int first = 0;
        long rest;

        if (mx->dcls[d] < 0)
            continue;
        k = mx->dcls[d];
        rest = p->demands[d].replicas - pre[d];
        for (j = 0; j < mx->cls[k].nopt && (rest > 0 || pre[d] > 0); j++) {
            long *l = &left[k * PACK_MIX_MAX_OPTS + j];
            long take = j == ts[k] ? pre[d] : *l < rest ? *l : rest;

            if (take <= 0)
                continue;
            GPV_ASSERT(n < cap);
            pc[n].demand = (int)d;
            pc[n].option = mx->dmap[mx->foff[d] + (size_t)j];
            pc[n].first = first;
            pc[n].replicas = (int)take;
            n++;
            first += (int)take;
            if (j == ts[k]) {
                pre[d] = 0;
            } else {
                rest -= take;
                *l -= take;
            }
        }
    }
    free(left);
    free(ts);
    free(pre);
    *out = pc;
    return n;
}

/* The largest multiple of a cent dividing every cost (costs per hour are given in cents at
 * most), so that every plan's cost is a multiple of it; 0 when some cost is not in cents. */
static double
cost_unit(const double *cost, int n)
{
    long long g = 0;
    int j;

    for (j = 0; j < n; j++) {
        double cents = cost[j] * 100.0;
        long long v, a, b;

        if (cost[j] == 0.0)
            continue;
        if (cents < 0.0 || cents > 1e12 || fabs(cents - floor(cents + 0.5)) > 1e-6)
            return 0.0;
        v = (long long)floor(cents + 0.5);
        for (a = g, b = v; b;) {
            long long t = a % b;

            a = b;
            b = t;
        }
        g = a;
    }
    return g > 0 ? (double)g / 100.0 : 0.0;
}

/* Nodes one search may spend: PACK_MIX_BB_NODES (PACK_MIX_BB_NODES_QUICK for a what-if
 * re-pack), fewer when the program is large (PACK_MIX_WORK LP cells, PACK_MIX_WORK_REMAINDER
 * for what --from places), at least 1 (the root). */
static long
mx_budget(const struct mx_ip *ip, const struct gpv_pack_problem *p)
{
    double cells = (double)ip->rows * ip->cols;
    double work = p->remainder ? PACK_MIX_WORK_REMAINDER : PACK_MIX_WORK;
    long n = (long)(work / (cells > 1.0 ? cells : 1.0));
    long most = p->quick ? PACK_MIX_BB_NODES_QUICK : PACK_MIX_BB_NODES;

    if (n > most)
        n = most;
    return n > 1 ? n : 1;
}

/*
 * The program with integer-rounding cuts: for a supply row r (a pool's slots of one kind),
 * every class puts at least m_c of its replicas' slots into r whichever option it takes (m_c:
 * the least its options ask of r), so with at most u_lb replicas left out the GPUs covering r
 * hold at least F = sum m_c R_c - u_lb max m_c slots. A GPU holds at most amax of them, so
 * whole GPUs number at least ceil(F / amax): one row sum y >= ceil(F / amax) over r's GPU
 * columns when that is not already F / amax. Valid for every plan (no branch depends on it),
 * so bounds and proofs stand; it lifts the LP where a pool's demand is fixed (a vGPU type only
 * one kind of tenant can use: its last GPU is whole). *out gets new a and b (the caller frees
 * them) and shares the rest with mx->ip.
 */
static void
mx_cut_ip(const struct mx *mx, long u_lb, struct mx_ip *out)
{
    const struct mx_ip *ip = &mx->ip;
    int r, j, k, o, n = 0;

    *out = *ip;
    out->a = xcalloc((size_t)2 * ip->rows * ip->cols + 1, sizeof(double));
    out->b = xcalloc((size_t)2 * ip->rows + 1, sizeof(double));
    memcpy(out->a, ip->a, (size_t)ip->rows * ip->cols * sizeof(double));
    memcpy(out->b, ip->b, (size_t)ip->rows * sizeof(double));
    for (r = mx->ncls; r < ip->rows; r++) {
        const double *row = ip->a + (size_t)r * ip->cols;
        double f = 0.0, mmax = 0.0, amax = 0.0, need;
        bool supply = ip->b[r] == 0.0;

        for (j = 0; j < ip->cols && supply; j++)
            if (ip->colmodel[j] >= 0) {
                supply = row[j] >= 0.0;
                if (row[j] > amax)
                    amax = row[j];
            }
        if (!supply || amax <= 0.0)
            continue;
        for (k = 0; k < mx->ncls; k++) {
            double m = INFINITY;

            for (o = 0; o < mx->cls[k].nopt; o++) {
                double v = -row[mx->xcol[k] + o];

                if (v < m)
                    m = v;
            }
            if (m > 0.0 && m != INFINITY) {
                f += m * (double)mx->cls[k].replicas;
                if (m > mmax)
                    mmax = m;
            }
        }
        f -= (double)u_lb * mmax;
        if (f <= 0.0)
            continue;
        need = ceil(f / amax - PACK_BOUND_EPS);
        if (need - f / amax < PACK_BOUND_EPS)
            continue;
        for (j = 0; j < ip->cols; j++)
            if (ip->colmodel[j] >= 0 && row[j] > 0.0)
                out->a[(size_t)(ip->rows + n) * ip->cols + j] = 1.0;
        out->b[ip->rows + n] = need;
        n++;
    }
    out->rows = ip->rows + n;
}

/* The LP solution x rounded to an assignment: per class, each option (and the replicas left
 * out) its whole part, then the replicas still unassigned to the largest fractional parts,
 * options before leaving out. A new cols array; GPU columns are left 0 (the pool engines
 * size them). */
static double *
mx_round(const struct mx *mx, const double *x)
{
    double *r = xcalloc((size_t)mx->ip.cols + 1, sizeof(double));
    int k, j;

    for (k = 0; k < mx->ncls; k++) {
        const struct mx_class *cl = &mx->cls[k];
        long left = cl->replicas;

        for (j = 0; j < cl->nopt; j++) {
            double v = floor(x[mx->xcol[k] + j] + 1e-9);

            if (v > (double)left)
                v = (double)left;
            r[mx->xcol[k] + j] = v;
            left -= (long)v;
        }
        while (left > 0) {
            int pick = -1;
            double best = -1.0;

            for (j = 0; j < cl->nopt; j++) {
                double f = x[mx->xcol[k] + j] - r[mx->xcol[k] + j];

                if (f > best + 1e-12) {
                    best = f;
                    pick = j;
                }
            }
            if (pick < 0 || best <= 1e-9)
                break;
            r[mx->xcol[k] + pick] += 1.0;
            left--;
        }
        r[mx->ucol[k]] = (double)left;
    }
    return r;
}

/* The replicas of a plan whose GPU columns are fixed at y (the other columns of y are
 * written): the program's LP over the x and u columns alone, the fixed GPUs' slots moved to
 * the right-hand side, with the extra row (replicas left out) when there is one. True when it
 * has a solution and that solution is whole (a vertex of this small program nearly always is;
 * when not, the GPUs are treated as too few, which costs a plan but proves nothing); when
 * false, *infeasible says whether the LP has no solution at all. With down, a solution that
 * is not whole is rounded down instead (the replicas so lost left out; an instances column
 * may then be short of what the replicas ask, which the packing that follows finds). */
static bool
fixed_x(const struct mx *mx, const struct mx_bb *bb, bool down, double *y, bool *infeasible)
{
    const struct mx_ip *ip = &mx->ip;
    int nx = 0, i, j, k, rows = ip->rows + (bb->extra != NULL);
    int *map = xcalloc((size_t)ip->cols + 1, sizeof(int));
    double *a, *b, *cost, *x;
    struct gpv_lp_problem lp;
    enum gpv_lp_outcome rc;
    bool ok = false;

    for (j = 0; j < ip->cols; j++)
        if (ip->colmodel[j] < 0)
            map[nx++] = j;
    a = xcalloc((size_t)rows * nx + 1, sizeof(double));
    b = xcalloc((size_t)rows + 1, sizeof(double));
    cost = xcalloc((size_t)nx + 1, sizeof(double));
    x = xcalloc((size_t)nx + 1, sizeof(double));
    for (i = 0; i < rows; i++) {
        const double *row = i < ip->rows ? ip->a + (size_t)i * ip->cols : bb->extra;

        b[i] = i < ip->rows ? ip->b[i] : bb->extra_b;
        for (j = 0; j < ip->cols; j++)
            if (ip->colmodel[j] >= 0)
                b[i] -= row[j] * y[j];
        for (k = 0; k < nx; k++)
            a[(size_t)i * nx + k] = row[map[k]];
    }
    for (k = 0; k < nx; k++)
        cost[k] = mx->ucost[map[k]];
    lp.rows = rows;
    lp.cols = nx;
    lp.a = a;
    lp.b = b;
    lp.c = cost;
    lp.max_pivots = PACK_LP_MAX_PIVOTS;
    rc = gpv_lp_solve(x, NULL, NULL, &lp);
    *infeasible = rc == GPV_LP_INFEASIBLE;
    if (rc != GPV_LP_OPTIMAL)
        goto out;
    for (k = 0; k < nx && !down; k++)
        if (fabs(x[k] - floor(x[k] + 0.5)) > 1e-6)
            goto out;
    for (k = 0; k < nx; k++)
        y[map[k]] = floor(x[k] + (down ? 1e-9 : 0.5));
    /* Rounded down: the replicas no longer placed are left out. */
    for (i = 0; i < mx->ncls && down; i++) {
        double left = (double)mx->cls[i].replicas;

        for (k = 0; k < mx->cls[i].nopt; k++)
            left -= y[mx->xcol[i] + k];
        /* More than the class's replicas (the row is >=): the last options take fewer. */
        for (k = mx->cls[i].nopt - 1; k >= 0 && left < 0.0; k--) {
            double cut = fmin(y[mx->xcol[i] + k], -left);

            y[mx->xcol[i] + k] -= cut;
            left += cut;
        }
        y[mx->ucol[i]] = left;
    }
    ok = true;
out:
    free(map);
    free(a);
    free(b);
    free(cost);
    free(x);
    return ok;
}

/* fixed_x, whole or not at all. */
static bool
mx_fixed_x(const struct mx *mx, const struct mx_bb *bb, double *y, bool *infeasible)
{
    return fixed_x(mx, bb, false, y, infeasible);
}

/*
 * True when fewer GPUs never make room (what mx_repair's skipping relies on): every row of the
 * program, and the extra row, either has no negative coefficient on a GPU column (fewer GPUs:
 * the same or less supply), or is about GPU columns alone with no positive one (a limit: once
 * met, met with fewer GPUs). Then when the replicas have no fractional solution on GPUs t,
 * they have none on any t' <= t either.
 */
static bool
fewer_gpus_never_help(const struct mx *mx, const struct mx_bb *bb)
{
    const struct mx_ip *ip = &mx->ip;
    int i, j, rows = ip->rows + (bb->extra != NULL);

    for (i = 0; i < rows; i++) {
        const double *row = i < ip->rows ? ip->a + (size_t)i * ip->cols : bb->extra;
        bool x = false, neg = false, pos = false;

        for (j = 0; j < ip->cols; j++) {
            if (ip->colmodel[j] < 0)
                x = x || row[j] != 0.0;
            else if (row[j] < 0.0)
                neg = true;
            else if (row[j] > 0.0)
                pos = true;
        }
        if (neg && (x || pos))
            return false;
    }
    return true;
}

/* A whole answer near the LP solution rootx of a large program (no branching there): every
 * GPU column rounded up, then one GPU at a time taken away (the column whose rounding added
 * the most first, the dearest model first among equals) while the replicas still fit, at most
 * PACK_MIX_REPAIR_LPS small LPs. A new cols array, NULL when the rounded-up GPUs hold no whole
 * answer. */
static double *
mx_repair(const struct mx *mx, const struct mx_bb *bb, const double *rootx)
{
    const struct mx_ip *ip = &mx->ip;
    double *y = xcalloc((size_t)ip->cols + 1, sizeof(double));
    double *t = xcalloc((size_t)ip->cols + 1, sizeof(double));
    int *ord = xcalloc((size_t)ip->cols + 1, sizeof(int));
    bool *dead = xcalloc((size_t)ip->cols + 1, sizeof(bool)); /* one GPU less: no solution */
    int n = 0, i, j, left = PACK_MIX_REPAIR_LPS;
    bool more = true, infeasible, skip = fewer_gpus_never_help(mx, bb);

    for (j = 0; j < ip->cols; j++) {
        if (ip->colmodel[j] < 0)
            continue;
        y[j] = ceil(rootx[j] - 1e-9);
        if (y[j] < 0.0)
            y[j] = 0.0;
        /* Insertion by (rounding added, weight) descending; ties keep column order. */
        for (i = n; i > 0; i--) {
            int q = ord[i - 1];
            double dq = y[q] - rootx[q], dj = y[j] - rootx[j];

            if (dq > dj + 1e-9 || (fabs(dq - dj) <= 1e-9 && mx->wcost[q] >= mx->wcost[j]))
                break;
            ord[i] = q;
        }
        ord[i] = j;
        n++;
    }
    if (!mx_fixed_x(mx, bb, y, &infeasible)) {
        free(y);
        y = NULL;
        goto out;
    }
    while (more && left > 0) {
        more = false;
        for (i = 0; i < n && left > 0; i++) {
            j = ord[i];
            if (y[j] < 1.0)
                continue;
            left--; /* counted when skipped too: the same answer as solving it */
            /* y only shrinks: a GPU less of j had no solution before, it has none now. */
            if (skip && dead[j])
                continue;
            memcpy(t, y, (size_t)ip->cols * sizeof(double));
            t[j] -= 1.0;
            if (mx_fixed_x(mx, bb, t, &infeasible)) {
                memcpy(y, t, (size_t)ip->cols * sizeof(double));
                more = true;
            } else {
                dead[j] = infeasible;
            }
        }
    }
out:
    free(t);
    free(ord);
    free(dead);
    return y;
}

/* A whole answer below the LP solution rootx of a large program: every GPU column rounded
 * down (within every limit the LP kept), the replicas then placed on them by the fewest left
 * out. A new cols array, NULL when that has no whole answer. Where a fleet is over-subscribed
 * this answer leaves about as few out as the LP, when rounding up breaks the fleet's limits. */
static double *
mx_floor(const struct mx *mx, const double *rootx)
{
    double *y = xcalloc((size_t)mx->ip.cols + 1, sizeof(double));
    struct mx_bb none;
    bool infeasible;
    int j;

    memset(&none, 0, sizeof(none));
    for (j = 0; j < mx->ip.cols; j++)
        if (mx->ip.colmodel[j] >= 0 && rootx[j] > 0.0)
            y[j] = floor(rootx[j] + 1e-9);
    if (!fixed_x(mx, &none, true, y, &infeasible)) {
        free(y);
        return NULL;
    }
    return y;
}

/*
 * Fits the answer *y of mx_floor to the fleet: the program's shared pools are a relaxation, so
 * its GPUs may pack into more than the program counted. Packs its pieces (trial budget); while
 * a model's GPUs break its limit, that many of its GPUs are taken from the answer (its largest
 * columns first) and the replicas placed again on the rest, at most PACK_MIX_FLOOR_TRIES
 * times. False (and *y freed, NULL) when no answer within the fleet was found.
 */
static bool
mx_floor_fit(const struct mx *mx, struct pk_ctx *c, double **y)
{
    const struct gpv_pack_problem *p = c->p;
    int *ch = xcalloc(p->ndemands + 1, sizeof(int));
    int *pl = xcalloc(p->ndemands + 1, sizeof(int));
    struct mx_bb none;
    bool fits = false, infeasible;
    int tries, j;
    size_t m;

    memset(&none, 0, sizeof(none));
    for (tries = 0; tries < PACK_MIX_FLOOR_TRIES && *y && !fits; tries++) {
        struct pk_piece *pcs = NULL;
        size_t npc = mx_pieces(mx, p, *y, &pcs);
        struct pk_sol s;

        pk_pack_pieces(c, pcs, npc, PACK_BB_NODES_TRIAL, &s, ch, pl);
        free(pcs);
        fits = true;
        for (m = 0; m < p->nmodels; m++) {
            long over = p->models[m].limit >= 0 ? (long)s.slots[m] - p->models[m].limit : 0;

            fits = fits && over <= 0;
            while (over-- > 0) {
                int big = -1;

                for (j = 0; j < mx->ip.cols; j++)
                    if (mx->ip.colmodel[j] == (int)m && (*y)[j] >= 1.0 &&
                        (big < 0 || (*y)[j] > (*y)[big]))
                        big = j;
                if (big >= 0)
                    (*y)[big] -= 1.0;
            }
        }
        pk_sol_release(&s);
        if (!fits && !fixed_x(mx, &none, true, *y, &infeasible)) {
            free(*y);
            *y = NULL;
        }
    }
    free(ch);
    free(pl);
    if (!fits) {
        free(*y);
        *y = NULL;
    }
    return fits;
}

/* Replicas the answer x leaves out. */
static long
mx_left_out(const struct mx *mx, const double *x)
{
    long u = 0;
    int k;

    for (k = 0; k < mx->ncls; k++)
        u += (long)floor(x[mx->ucol[k]] + 0.5);
    return u;
}

/* True when the pieces keep every spread demand in one piece (pieces of a demand on one pool
 * could share a GPU). */
static bool
pieces_spread_ok(const struct gpv_pack_problem *p, const struct pk_piece *pcs, size_t n)
{
    size_t i;

    for (i = 1; i < n; i++)
        if (pcs[i].demand == pcs[i - 1].demand && p->demands[pcs[i].demand].spread)
            return false;
    return true;
}

bool
pk_mix_score(const struct gpv_pack_problem *p, const int *used, const int *slots, const int *placed,
             long *unplaced, double *cost)
{
    size_t d, m;
    bool ok = true;

    *unplaced = 0;
    *cost = 0.0;
    for (d = 0; d < p->ndemands; d++)
        *unplaced += p->demands[d].replicas - placed[d];
    for (m = 0; m < p->nmodels; m++) {
        *cost += used[m] * pk_model_weight(p, m);
        ok = ok && (p->models[m].limit < 0 || slots[m] <= p->models[m].limit);
    }
    return ok;
}

/* pk_mix_score of the plan s. */
static bool
sol_score(const struct gpv_pack_problem *p, const struct pk_sol *s, const int *placed,
          long *unplaced, double *cost)
{
    return pk_mix_score(p, s->used, s->slots, placed, unplaced, cost);
}

void
pk_mix_improve(struct pk_ctx *c, const bool *feasible, const size_t *foff, bool replace,
               long sol_budget, struct pk_sol *sol, int *choice, int *placed, struct pk_mix *out)
{
    const struct gpv_pack_problem *p = c->p;
    struct mx mx;
    struct mx_bb bb;
    struct mx_ip cut;
    long plan_u, fixed_u = 0, u_lb, u_known = -1, u_feas = -1;
    double plan_cost, *urow = NULL, *s1 = NULL, *s0 = NULL, *sf = NULL;
    size_t d, nm = 0, m;
    bool limited = false;
    int k, tries;
    bool plan_ok, plan_here, large = replace && sol->ngpus > PACK_MIX_BB_MAX_GPUS;

    memset(out, 0, sizeof(*out));
    memset(&mx, 0, sizeof(mx));
    memset(&bb, 0, sizeof(bb));
    memset(&cut, 0, sizeof(cut));
    if (p->ndemands > PACK_MIX_MAX_DEMANDS)
        return;
    for (m = 0; m < p->nmodels; m++) {
        bool any = false;

        for (d = 0; d < p->ndemands && !any; d++)
            for (k = 0; k < (int)p->demands[d].noptions && !any; k++)
                any = feasible[foff[d] + (size_t)k] && p->demands[d].options[k].model == (int)m;
        nm += any;
        limited |= any && p->models[m].limit >= 0;
    }
    if (nm < 2 && !limited)
        return; /* one model and no limit: its pools are packed exactly already */
    if (!mx_build(&mx, c, feasible, foff))
        goto out;
    for (k = 0; k < mx.ncls; k++)
        if (mx.cls[k].nopt > PACK_MIX_MAX_OPTS)
            goto out;
    plan_ok = sol_score(p, sol, placed, &plan_u, &plan_cost);
    for (d = 0; d < p->ndemands; d++)
        if (mx.dcls[d] < 0)
            fixed_u += p->demands[d].replicas;
    out->ran = true;
    /* Stage 1: the fewest replicas left out. The LP gives a lower bound; stage 2 searches
     * for the lowest cost with that many left out, one more each time a closed search finds
     * no plan at all. */
    pk_mix_bb_run(&bb, &mx.ip, mx.ucost, INFINITY, 1);
    if (bb.root == -INFINITY)
        goto out;
    u_lb = (long)ceil(bb.root - PACK_BOUND_EPS);
    if (u_lb < 0)
        u_lb = 0;
    /* When the plan in hand leaves out more than the LP's count, a search on the count alone
     * (half a budget): a higher bound, or an answer leaving fewer out (s0: stage 2 starts
     * from its count when its search at the bound finds nothing). */
    if (replace && !large && (!plan_ok || plan_u - fixed_u > u_lb)) {
        double b;

        bb.unit = 1.0;
        pk_mix_bb_search(&bb, &mx.ip, mx.ucost, plan_ok ? (double)(plan_u - fixed_u) : INFINITY,
                         mx_budget(&mx.ip, p) / 2);
        out->nodes += bb.nodes;
        b = pk_mix_bb_bound(&bb);
        if (isfinite(b) && (long)ceil(b - PACK_BOUND_EPS) > u_lb)
            u_lb = (long)ceil(b - PACK_BOUND_EPS);
        if (bb.found) {
            u_feas = (long)floor(bb.inc + 0.5);
            s0 = bb.best;
            bb.best = NULL;
        }
    }
    urow = xcalloc((size_t)mx.ip.cols + 1, sizeof(double));
    for (k = 0; k < mx.ncls; k++)
        urow[mx.ucol[k]] = -1.0;
    bb.unit = cost_unit(mx.wcost, mx.ip.cols);
    for (tries = 0; tries < PACK_MIX_U_TRIES; tries++) {
        double inc;

        plan_here = plan_ok && plan_u - fixed_u == u_lb;
        inc = plan_here ? plan_cost : INFINITY;
        bb.extra = urow;
        bb.extra_b = -(double)u_lb;
        /* First fit asks only for the bound: the root LP. */
        free(cut.a);
        free(cut.b);
        mx_cut_ip(&mx, u_lb, &cut);
        pk_mix_bb_search(&bb, &cut, mx.wcost, inc, !replace || large ? 1 : mx_budget(&cut, p));
        out->nodes += bb.nodes;
        if (large && replace && !sf && bb.root != -INFINITY)
            sf = mx_floor(&mx, bb.rootx);
        if (bb.found || plan_here) {
            if (bb.found) {
                s1 = bb.best;
                bb.best = NULL;
            }
            if (u_known >= 0)
                break; /* a cheaper plan leaving as many out, but nothing proven */
            /* Every count below u_lb was closed without a plan: u_lb is the fewest. */
            out->unplaced_lb = u_lb + fixed_u;
            if (bb.root != -INFINITY || bb.closed) {
                out->cost_lb = pk_mix_bb_bound(&bb);
                out->cost_lb_valid = true;
            }
            out->proven = bb.closed && mx.exact;
            break;
        }
        if (!bb.closed) {
            /* No plan found at u_lb and none ruled out: only the LP's count is known. Look
             * for a cheaper plan leaving out as many as the caller's, once. */
            long next = plan_ok ? plan_u - fixed_u : -1;

            if (u_feas >= 0 && (next < 0 || u_feas < next))
                next = u_feas;
            out->unplaced_lb = u_lb + fixed_u;
            if (u_known >= 0 || next <= u_lb)
                break;
            u_known = u_lb;
            u_lb = next;
            continue;
        }
        u_lb++;
        out->unplaced_lb = u_lb + fixed_u;
    }
    /* No integer answer in budget (large pools): the LP's answer rounded (GPUs up, then taken
     * away while the replicas fit), else its mix rounded, for the engines. */
    if (!s1 && s0) {
        s1 = s0;
        s0 = NULL;
    }
    if (!s1 && bb.root != -INFINITY && replace)
        s1 = mx_repair(&mx, &bb, bb.rootx);
    if (!s1 && bb.root != -INFINITY && replace)
        s1 = mx_round(&mx, bb.rootx);
    /* Large and over-subscribed: the first LP's answer rounded down leaves fewer out than the
     * plan in hand and the rounding up near it (the fewest left out come first). */
    if (sf && (!s1 || mx_left_out(&mx, sf) < mx_left_out(&mx, s1)) && mx_floor_fit(&mx, c, &sf) &&
        (!s1 || mx_left_out(&mx, sf) < mx_left_out(&mx, s1))) {
        free(s1);
        s1 = sf;
        sf = NULL;
    }
    if (s1 && replace) {
        struct pk_piece *pcs = NULL;
        size_t npc = mx_pieces(&mx, p, s1, &pcs);

        if (pieces_spread_ok(p, pcs, npc))
            out->improved = pk_mix_pack(c, sol_budget, pcs, npc, sol, choice, placed);
        free(pcs);
    }
    /* Large pools: with the plan now in hand as the incumbent, a search that branches only on
     * each model's and each pool's GPUs in all, for a higher bound (a pool's last GPU is
     * whole), or the proof that no answer of the program is cheaper. */
    if (large && out->cost_lb_valid && sol_score(p, sol, placed, &plan_u, &plan_cost) &&
        plan_u == out->unplaced_lb) {
        double lb;

        bb.bound_only = true;
        bb.pools = true;
        pk_mix_bb_run(&bb, &cut, mx.wcost, plan_cost, PACK_MIX_BOUND_NODES);
        out->nodes += bb.nodes;
        lb = pk_mix_bb_bound(&bb);
        if (lb > out->cost_lb)
            out->cost_lb = lb;
        out->proven = bb.closed && mx.exact;
    }
out:
    free(cut.a);
    free(cut.b);
    free(urow);
    free(s0);
    free(s1);
    free(sf);
    free(bb.best);
    free(bb.rootx);
    free(bb.glo);
    free(bb.ghi);
    mx_release(&mx);
}
