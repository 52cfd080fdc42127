/*
 * The plan under construction (struct pk_sol) that the driver and the engines append to, and
 * the public result it becomes (struct gpv_pack_result) with the names of its enums.
 */

#include "pack_int.h"

#include "gpuvplan/pack.h"

#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

size_t
pk_sol_gpu(struct pk_sol *s, int model, enum gpv_pack_kind kind)
{
    struct gpv_pack_gpu *g;

    if (s->ngpus == s->capg) {
        s->capg = s->capg ? 2 * s->capg : 64;
        s->gpus = xreallocarray(s->gpus, s->capg, sizeof(*s->gpus));
    }
    g = &s->gpus[s->ngpus];
    memset(g, 0, sizeof(*g)); /* padding too: results compare byte for byte */
    g->model = model;
    g->kind = kind;
    g->sched = GPV_SCHED_BEST_EFFORT;
    g->first = s->ninsts;
    g->ninsts = 0;
    return s->ngpus++;
}

void
pk_sol_inst(struct pk_sol *s, const struct gpv_pack_inst *in)
{
    if (s->ninsts == s->capi) {
        s->capi = s->capi ? 2 * s->capi : 256;
        s->insts = xreallocarray(s->insts, s->capi, sizeof(*s->insts));
    }
    GPV_ASSERT(s->ngpus > 0);
    memcpy(&s->insts[s->ninsts++], in, sizeof(*in));
    s->gpus[s->ngpus - 1].ninsts++;
}

int
pk_clients(const struct gpv_pack_option *o)
{
    return o->clients > 1 ? o->clients : 1;
}

int
pk_units(const struct gpv_pack_option *o, int replicas)
{
    return (replicas + pk_clients(o) - 1) / pk_clients(o);
}

void
pk_inst_clients(struct gpv_pack_inst *in, const struct gpv_pack_option *o, int replicas)
{
    int k = pk_clients(o);

    if (k < 2)
        return;
    in->replica *= k;
    in->clients = replicas - in->replica < k ? replicas - in->replica : k;
    in->ts_replicas = k;
}

const struct gpv_pack_option *
pk_opt(const struct pk_ctx *c, int demand)
{
    GPV_ASSERT(c->asg[demand] >= 0);
    return &c->p->demands[demand].options[c->asg[demand]];
}

void
pk_sol_release(struct pk_sol *s)
{
    free(s->gpus);
    free(s->insts);
    free(s->used);
    free(s->slots);
    free(s->lb);
    free(s->optimal);
    free(s->plb);
    free(s->popt);
    memset(s, 0, sizeof(*s));
}

const char *
gpv_pack_kind_name(enum gpv_pack_kind k)
{
    switch (k) {
    case GPV_PACK_MIG:
        return "mig";
    case GPV_PACK_MIG_VGPU:
        return "mig-vgpu";
    case GPV_PACK_VGPU:
        return "vgpu";
    case GPV_PACK_WHOLE:
        return "passthrough";
    case GPV_PACK_TIME_SLICING:
        return "time-slicing";
    case GPV_PACK_MPS:
        return "mps";
    }
    return "?";
}

const char *
gpv_pack_strategy_name(enum gpv_pack_strategy s)
{
    return s == GPV_PACK_FIRST_FIT ? "first-fit" : "optimal";
}

void
gpv_pack_result_init(struct gpv_pack_result *r)
{
    memset(r, 0, sizeof(*r));
    r->cost_lower_bound = -1.0;
}

void
gpv_pack_result_release(struct gpv_pack_result *r)
{
    size_t i, j;

    if (!r)
        return;
    free(r->gpus);
    free(r->insts);
    free(r->choice);
    free(r->placed);
    free(r->models);
    for (i = 0; i < r->nunplaced; i++) {
        /* reasons[j] is whys[j].text: freed once. */
        for (j = 0; j < r->unplaced[i].nreasons; j++)
            free(r->unplaced[i].whys[j].text);
        free(r->unplaced[i].reasons);
        free(r->unplaced[i].whys);
    }
    free(r->unplaced);
    memset(r, 0, sizeof(*r));
}

const char *
gpv_pack_why_name(enum gpv_pack_why w)
{
    switch (w) {
    case GPV_PACK_WHY_NO_OPTION:
        return "no-option";
    case GPV_PACK_WHY_NO_FLEET:
        return "no-fleet";
    case GPV_PACK_WHY_TOO_LARGE:
        return "too-large";
    case GPV_PACK_WHY_MIXED:
        return "mixed-size";
    case GPV_PACK_WHY_SCHEDULER:
        return "scheduler";
    case GPV_PACK_WHY_SPREAD:
        return "spread";
    case GPV_PACK_WHY_EXHAUSTED:
        return "exhausted";
    case GPV_PACK_WHY_SHARING:
        return "sharing";
    case GPV_PACK_WHY_RECONFIGURE:
        return "reconfigure";
    case GPV_PACK_WHY_SHARE_CONFIG:
        return "share-config";
    case GPV_PACK_WHY_UNREACHED:
        return "unreached";
    }
    return "?";
}
