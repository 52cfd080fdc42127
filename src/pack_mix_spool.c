/*
 * The model mix's pools the device plugin shares (time-slicing, MPS): their kinds of clients and,
 * when few enough, every maximal way to fill one GPU with them (patterns), the columns
 * pack_mix_prog.c gives such a pool.
 */

#include "pack_config.h"
#include "pack_mix_int.h"

#include "gpuvplan/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

const struct mx_spool *
pk_mix_spool_find(const struct mx_spool *sp, int n, int model, int kind)
{
    int i;

    for (i = 0; i < n && (sp[i].model != model || sp[i].kind != kind); i++)
        ;
    GPV_ASSERT(i < n);
    return &sp[i];
}

int
pk_mix_spool_item(const struct mx_spool *sp, const struct mx_opt *o)
{
    int i;

    for (i = 0; i < sp->nitem; i++)
        if (!pk_mix_opt_cmp(sp->item[i], o))
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

int
pk_mix_spool_build(struct mx_spool **out, const struct mx *mx, const struct gpv_pack_problem *p)
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
            if (pk_mix_spool_item(pl, o) >= 0)
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
