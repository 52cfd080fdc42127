/* Plans: `check`'s checks of the summary against the plan, and the policies on the whole plan. */
#include "gpuvplan/plan.h"

#include "plan_check_int.h"
#include "plan_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The summary's counts agree with the plan. */
void
pc_check_summary(struct chk *c)
{
    const struct gpv_val *sum = c->sum;
    long long used = pc_iget(c, sum, "gpus_used", -1), lb = pc_iget(c, sum, "lower_bound", -1);
    long long ntot = pc_iget(c, sum, "tenants", -1), npl = pc_iget(c, sum, "placed", -1);
    long long nun = pc_iget(c, sum, "unplaced", -1);
    size_t ng = c->ng, nt = c->nt, nu = c->unplaced->n;

    c->out->checks++;
    if (used != (long long)ng)
        pc_fail(c, "summary", "gpus_used is %lld but the plan has %zu GPUs", used, ng);
    if (lb > (long long)ng)
        pc_fail(c, "summary", "lower_bound %lld is above the %zu GPUs used", lb, ng);
    if (npl != (long long)nt)
        pc_fail(c, "summary", "placed is %lld but tenants lists %zu", npl, nt);
    if (nun != (long long)nu)
        pc_fail(c, "summary", "unplaced is %lld but unplaced lists %zu", nun, nu);
    /* A partly placed tenant is in both lists. */
    if (ntot != (long long)(nt + nu - c->both))
        pc_fail(c, "summary", "tenants is %lld but the plan accounts for %zu", ntot,
                nt + nu - c->both);
}

/*
 * summary.models against the GPUs: each model's count, bound and optimality, and the totals,
 * gap and cost recomputed from them (the policies then use the recomputed cost).
 */
void
pc_check_models(struct chk *c)
{
    const struct gpv_val *models = pc_get(c, c->sum, "models");
    const struct gpv_val *ph = pc_get(c, pc_get(c, c->sum, "cost"), "per_hour");
    const struct gpv_val *pm = pc_get(c, pc_get(c, c->sum, "cost"), "per_month");
    const struct gpv_val *lbc, *oc;
    long long lb_sum = 0, used_in_models = 0, ninst = 0, bound;
    bool all_optimal = true, cost_known = true;
    double cost = 0.0;
    size_t m, g, o;
    char where[300];

    c->cost = -1.0;
    if (!models)
        return;
    c->out->checks++;
    for (g = 0; g < c->ng; g++)
        ninst += (long long)c->gi[g].ins->n;
    if (pc_iget(c, c->sum, "instances", -1) != ninst)
        pc_fail(c, "summary", "instances is %lld but the GPUs hold %lld",
                pc_iget(c, c->sum, "instances", -1), ninst);
    for (m = 0; m < models->n; m++) {
        const struct gpv_val *mv = models->items[m], *cph = pc_get(c, mv, "cost_per_hour");
        const char *id = pc_sget(c, mv, "gpu");
        long long n = 0, gpus = pc_iget(c, mv, "gpus", -1), lb = pc_iget(c, mv, "lower_bound", -1);
        bool opt = pc_get(c, mv, "optimal")->b;

        snprintf(where, sizeof(where), "summary.models '%.200s'", id);
        /* A model may have several fleet entries (vGPU modes, sharing): their GPUs add up. */
        for (o = 0; o < m && strcmp(pc_sget(c, models->items[o], "gpu"), id); o++)
            ;
        if (o == m) {
            long long listed = 0;

            for (g = 0; g < c->ng; g++)
                n += !strcmp(c->gi[g].model, id);
            for (o = m; o < models->n; o++)
                if (!strcmp(pc_sget(c, models->items[o], "gpu"), id))
                    listed += pc_iget(c, models->items[o], "gpus", -1);
            if (listed != n)
                pc_fail(c, where, "gpus is %lld but the plan has %lld GPUs of the model", listed,
                        n);
        }
        if (lb > gpus)
            pc_fail(c, where, "lower_bound %lld is above its %lld GPUs", lb, gpus);
        if (opt && lb != gpus)
            pc_fail(c, where, "optimal, but its lower bound %lld is not its %lld GPUs", lb, gpus);
        n = gpus;
        used_in_models += n;
        lb_sum += lb;
        all_optimal = all_optimal && opt;
        if (n > 0 && cph->type == GPV_V_NULL)
            cost_known = false;
        else if (n > 0)
            cost += (double)n * pl_num(cph);
    }
    if (used_in_models != (long long)c->ng)
        pc_fail(c, "summary", "models account for %lld GPUs but the plan has %zu", used_in_models,
                c->ng);
    /* The models' bounds are for the choices made (lower_bound_choices, optimal_choices);
     * summary.lower_bound is over every allowed choice, and optimal means it is reached. */
    bound = pc_iget(c, c->sum, "lower_bound", -1);
    lbc = pc_get(c, c->sum, "lower_bound_choices");
    oc = pc_get(c, c->sum, "optimal_choices");
    if (!lbc || !oc) {
        /* An older plan, without them: its one bound was the models'. */
        lbc = pc_get(c, c->sum, "lower_bound");
        oc = pc_get(c, c->sum, "optimal");
    }
    if (pl_num(lbc) != (double)lb_sum)
        pc_fail(c, "summary",
                "the bound for the choices made is %lld but the models' bounds "
                "add up to %lld",
                (long long)pl_num(lbc), lb_sum);
    if (oc->b != all_optimal)
        pc_fail(c, "summary", "optimality for the choices made is %s but %s",
                oc->b ? "true" : "false",
                all_optimal ? "every model is optimal" : "a model is not");
    if (pc_iget(c, c->sum, "gap", -1) != (long long)c->ng - bound)
        pc_fail(c, "summary", "gap is %lld but gpus_used - lower_bound is %lld",
                pc_iget(c, c->sum, "gap", -1), (long long)c->ng - bound);
    /* optimal: proven at the GPU bound, or (every model priced) at the cost bound; a plan may
     * meet the GPU bound and still not be proven (replicas left out, or a higher cost). */
    {
        const struct gpv_val *clb = pc_get(c, pc_get(c, c->sum, "cost"), "lower_bound_per_hour");
        bool at_cost = clb && clb->type != GPV_V_NULL && ph->type != GPV_V_NULL &&
                       pl_num(ph) <= pl_num(clb) + 1e-6 * (1.0 + pl_num(clb));

        if (pc_get(c, c->sum, "optimal")->b && bound != (long long)c->ng && !at_cost)
            pc_fail(c, "summary",
                    "optimal is true but the lower bound %lld is not the %zu GPUs used", bound,
                    c->ng);
        if (clb && clb->type != GPV_V_NULL && ph->type != GPV_V_NULL &&
            pl_num(clb) > pl_num(ph) + 1e-6 * (1.0 + pl_num(ph)))
            pc_fail(c, "summary", "cost.lower_bound_per_hour %g is above the plan's cost %g",
                    pl_num(clb), pl_num(ph));
    }
    if (!cost_known) {
        if (ph->type != GPV_V_NULL)
            pc_fail(c, "summary", "cost.per_hour is %g but a model used has no cost_per_hour",
                    pl_num(ph));
        return;
    }
    c->cost = cost;
    if (ph->type == GPV_V_NULL || fabs(pl_num(ph) - cost) > 1e-3 * (1.0 + cost))
        pc_fail(c, "summary", "cost.per_hour is %s but the GPUs cost %.4f per hour",
                ph->type == GPV_V_NULL ? "null" : "wrong", cost);
    if (pm && pm->type != GPV_V_NULL &&
        fabs(pl_num(pm) - cost * 730.0) > 1e-3 * (1.0 + cost * 730.0))
        pc_fail(c, "summary", "cost.per_month is %g but 730 hours cost %.4f", pl_num(pm),
                cost * 730.0);
}

/* The policies on the whole plan: GPUs, gap, optimality, cost, utilisation. */
void
pc_check_policies(struct chk *c)
{
    const struct gpv_plan_policy *pol = c->pol;
    long long lb = pc_iget(c, c->sum, "lower_bound", -1), ng = (long long)c->ng;

    if (pol->max_gpus >= 0) {
        c->out->checks++;
        if (ng > pol->max_gpus)
            pc_fail(c, "policy", "the plan uses %lld GPUs, more than --max-gpus %lld", ng,
                    pol->max_gpus);
    }
    if (pol->max_gap >= 0) {
        c->out->checks++;
        if (ng - lb > pol->max_gap)
            pc_fail(c, "policy",
                    "%lld GPUs above the lower bound of %lld, more than --max-gap %lld", ng - lb,
                    lb, pol->max_gap);
    }
    if (pol->require_optimal) {
        c->out->checks++;
        if (!pc_get(c, c->sum, "optimal")->b)
            pc_fail(c, "policy", "the plan is not proven optimal (%lld GPUs, lower bound %lld)", ng,
                    lb);
    }
    if (pol->max_cost >= 0) {
        c->out->checks++;
        /* The recomputed cost, whatever summary.cost says. */
        if (c->cost < 0)
            pc_fail(c, "policy",
                    "the cost is unknown (the fleet gives no cost_per_hour), so "
                    "--max-cost cannot hold");
        else if (c->cost > pol->max_cost + 1e-9)
            pc_fail(c, "policy", "the plan costs %.2f per hour, more than --max-cost %.2f", c->cost,
                    pol->max_cost);
    }
    if (pol->min_utilization >= 0) {
        double u = c->mem_total ? (double)c->mem_alloc / c->mem_total : 0.0;

        c->out->checks++;
        if (u + 1e-9 < pol->min_utilization)
            pc_fail(c, "policy", "memory utilisation is %.1f%%, below --min-utilization %.1f%%",
                    u * 100.0, pol->min_utilization * 100.0);
    }
}
