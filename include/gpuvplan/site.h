#ifndef GPUVPLAN_SITE_H
#define GPUVPLAN_SITE_H

/*
 * Nodes: where each GPU of a plan sits. A fleet entry with nodes (docs/tenants.md) gives its
 * GPUs an identity, node + index (0-based, the order nvidia-smi and mig-parted use); after
 * packing, every GPU of such an entry is assigned a free index on one of its nodes, keeping
 * the replicas of a `spread: node` tenant on distinct nodes, the GPUs of one multi-GPU
 * passthrough replica on one node, and one MIG profile per node where the entry's
 * `mig_strategy` is `single`. docs/plan.md describes the result.
 *
 * Pure: no printing, no file access.
 */

#include "gpuvplan/pack.h"
#include "gpuvplan/tenant.h"

#include <stdbool.h>
#include <stddef.h>

#define GPV_SITE_IDLE ((size_t)-1) /* an index of a node that no GPU of the plan uses */

/* One node of the plan. */
struct gpv_site_node {
    const char *name;                    /* points into the fleet entry */
    const struct gpv_fleet_entry *entry; /* its fleet entry (model, labels, strategy) */
    int model;                           /* model entry of the packing problem */
    size_t *gpu; /* per index 0 .. entry->gpus_per_node - 1: the result's GPU there, or
                    GPV_SITE_IDLE */
};

/* Node identities of a packing result. */
struct gpv_site {
    size_t nnodes;
    struct gpv_site_node *nodes; /* in fleet order (entries, then their nodes) */
    size_t ngpus;                /* GPUs of the result */
    int *node_of;                /* per result GPU: index into nodes, or -1 (no nodes) */
    int *index_of;               /* per result GPU: its index on that node, or -1 */
    size_t nissues;
    char **issues; /* constraints the assignment could not keep, one line each, lowercase */
};

/* Zeroes s. No allocation. */
void gpv_site_init(struct gpv_site *s);

/* Frees the contents of s and zeroes it. NULL-safe. */
void gpv_site_release(struct gpv_site *s);

/* Copies the node description of fleet entry fe (nodes, GPUs per node, MIG strategy, device
 * plugin sharing) into the packing model m that stands for it. */
void gpv_site_model_nodes(struct gpv_pack_model *m, const struct gpv_fleet_entry *fe);

/*
 * Assigns every GPU of r to a node and index. Model entries of p that come from file's fleet
 * (p's models are the fleet's entries, in order, less those whose GPU is not among them) and
 * have nodes get identities; other GPUs keep node -1. r->gpus is reordered so that each
 * model entry's GPUs come by node, then index (their instances are not moved). When a
 * constraint cannot be kept (a spread that the nodes' free indexes do not allow), the GPU is
 * placed anyway and out->issues says which tenant and why.
 * On return *out holds the identities (release it with gpv_site_release()).
 */
void gpv_site_assign(struct gpv_site *out, const struct gpv_tenants *file,
                     const struct gpv_pack_problem *p, struct gpv_pack_result *r);

#endif
