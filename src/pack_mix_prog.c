/*
 * The model mix's integer program built (pack_mix.c solves it): per class its option columns
 * and the replicas it leaves out; per pool the GPU columns of each kind of layout (MIG
 * use-patterns, vGPU levels, whole GPUs, shared pools by patterns or sums); the rows of
 * replicas, slots, limits and of the clients MIG instances serve (clients_cap).
 */

#include "pack_config.h"
#include "pack_driver.h"
#include "pack_int.h"
#include "pack_mig_int.h"
#include "pack_mix_int.h"

#include "gpuvplan/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

void
pk_mix_release(struct mx *mx)
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

bool
pk_mix_build(struct mx *mx, struct pk_ctx *c, const bool *feasible, const size_t *foff)
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
    if (!pk_mix_classes(mx, p, feasible, foff))
        goto out;
    nsp = pk_mix_spool_build(&sp, mx, p);
    /* Supply rows: every pool slot kind an option asks for; then the limits. */
    for (k = 0; k < mx->ncls; k++)
        for (j = 0; j < mx->cls[k].nopt; j++) {
            struct mx_row rr = opt_row(&mx->cls[k].opt[j]);

            if (rr.kind == MX_SHARE) {
                const struct mx_opt *o = &mx->cls[k].opt[j];
                const struct mx_spool *pl = pk_mix_spool_find(sp, nsp, o->model, o->kind);
                int kk = pk_mix_share_k(o->w[0]);

                /* The shared pool is a relaxation (the engine's fill is not proven the best
                 * for its patterns, and sums bound less): its answers bound, not plans. */
                mx->exact = false;
                if (!pl->sums) {
                    rr.key = MX_SHARE_ITEM + pk_mix_spool_item(pl, o);
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
            } else if (rr.kind == MX_SHARE &&
                       !pk_mix_spool_find(sp, nsp, o->model, o->kind)->sums) {
                const struct mx_spool *pl = pk_mix_spool_find(sp, nsp, o->model, o->kind);

                rr.key = MX_SHARE_ITEM + pk_mix_spool_item(pl, o);
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
                            : pk_mix_share_u(o->w[0], rows[r].key - MX_SHARE_DIMS + 1);
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
            const struct mx_spool *pl = pk_mix_spool_find(sp, nsp, rw->model, rw->mkind);
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
