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
 *
 * This file runs the mix (pk_mix_improve) and turns the program's answer into pieces to pack.
 * The options and classes are pack_mix_class.c's, the shared pools' patterns
 * pack_mix_spool.c's, the program pack_mix_prog.c's, its cuts and the whole answers of large
 * programs pack_mix_round.c's, the search pack_mix_bb.c's, the packing pack_mix_plan.c's.
 */
#include "pack_config.h"
#include "pack_driver.h"
#include "pack_int.h"
#include "pack_mix_int.h"

#include "gpuvplan/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

size_t
pk_mix_pieces(const struct mx *mx, const struct gpv_pack_problem *p, const double *x,
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

/*
 * True when no spread demand has two pieces on one model and mode (split_demand's rule in
 * pack_split.c): pieces on one pool could share a GPU, pieces on two pools cannot. A demand's
 * pieces are consecutive (pk_mix_pieces), a handful at most.
 */
static bool
pieces_spread_ok(const struct gpv_pack_problem *p, const struct pk_piece *pcs, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        const struct gpv_pack_demand *dm = &p->demands[pcs[i].demand];
        const struct gpv_pack_option *o = &dm->options[pcs[i].option];

        if (!dm->spread)
            continue;
        for (j = i; j-- > 0 && pcs[j].demand == pcs[i].demand;)
            if (dm->options[pcs[j].option].model == o->model &&
                dm->options[pcs[j].option].kind == o->kind)
                return false;
    }
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
    if (!pk_mix_build(&mx, c, feasible, foff))
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
                         pk_mix_budget(&mx.ip, p) / 2);
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
    bb.unit = pk_mix_cost_unit(mx.wcost, mx.ip.cols);
    for (tries = 0; tries < PACK_MIX_U_TRIES; tries++) {
        double inc;

        plan_here = plan_ok && plan_u - fixed_u == u_lb;
        inc = plan_here ? plan_cost : INFINITY;
        bb.extra = urow;
        bb.extra_b = -(double)u_lb;
        /* First fit asks only for the bound: the root LP. */
        free(cut.a);
        free(cut.b);
        pk_mix_cut_ip(&mx, u_lb, &cut);
        pk_mix_bb_search(&bb, &cut, mx.wcost, inc, !replace || large ? 1 : pk_mix_budget(&cut, p));
        out->nodes += bb.nodes;
        if (large && replace && !sf && bb.root != -INFINITY)
            sf = pk_mix_floor(&mx, bb.rootx);
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
        s1 = pk_mix_repair(&mx, &bb, bb.rootx);
    if (!s1 && bb.root != -INFINITY && replace)
        s1 = pk_mix_round(&mx, bb.rootx);
    /* Large and over-subscribed: the first LP's answer rounded down leaves fewer out than the
     * plan in hand and the rounding up near it (the fewest left out come first). */
    if (sf && (!s1 || mx_left_out(&mx, sf) < mx_left_out(&mx, s1)) &&
        pk_mix_floor_fit(&mx, c, &sf) && (!s1 || mx_left_out(&mx, sf) < mx_left_out(&mx, s1))) {
        free(s1);
        s1 = sf;
        sf = NULL;
    }
    if (s1 && replace) {
        struct pk_piece *pcs = NULL;
        size_t npc = pk_mix_pieces(&mx, p, s1, &pcs);

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
    pk_mix_release(&mx);
}
