/*
 * Export, first step: a checked plan read into nodes and per-node layouts, with the names of
 * the configs each node selects (docs/export.md "Names").
 */
#include "export_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const gpv_export_target_names[] = {
    "mig-parted", "labels", "vgpu-device-manager", "device-plugin", "dra", NULL,
};

bool
gpv_export_target_parse(enum gpv_export_target *out, const char *s)
{
    int i;

    for (i = 0; i < GPV_EXPORT_NTARGETS; i++)
        if (!strcmp(s, gpv_export_target_names[i])) {
            *out = (enum gpv_export_target)i;
            return true;
        }
    return false;
}

const char *
gpv_export_target_name(enum gpv_export_target t)
{
    return t < GPV_EXPORT_NTARGETS ? gpv_export_target_names[t] : "none";
}

/* FNV-1a, 32 bits: short, stable across platforms and releases. */
uint32_t
export_hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static bool
dns_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool
gpv_export_dns_valid(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > GPV_EXPORT_NAME_MAX || !dns_char(s[0]) || !dns_char(s[n - 1]))
        return false;
    for (i = 0; i < n; i++)
        if (!dns_char(s[i]) && s[i] != '-')
            return false;
    return true;
}

char *
gpv_export_dns_name(const char *s)
{
    struct gpv_buf b;
    const char *p;
    bool dash = false;
    char c;

    gpv_buf_init(&b);
    for (p = s; *p; p++) {
        c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (dns_char(c)) {
            if (dash && b.len)
                gpv_buf_putc(&b, '-');
            gpv_buf_putc(&b, c);
            dash = false;
        } else {
            dash = true;
        }
    }
    if (b.len && b.len <= GPV_EXPORT_NAME_MAX && !strcmp(gpv_buf_str(&b), s))
        return gpv_buf_detach(&b);
    /* Changed or too long: keep a readable head and make it unique with a hash of the input. */
    if (b.len > GPV_EXPORT_NAME_MAX - 9) {
        b.len = GPV_EXPORT_NAME_MAX - 9;
        while (b.len && b.s[b.len - 1] == '-')
            b.len--;
        b.s[b.len] = '\0';
    }
    if (!b.len)
        gpv_buf_puts(&b, "x");
    gpv_buf_printf(&b, "-%08x", (unsigned)export_hash(s));
    return gpv_buf_detach(&b);
}

void
gpv_export_shell_quote(struct gpv_buf *out, const char *s)
{
    gpv_buf_putc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            gpv_buf_puts(out, "'\\''");
        else
            gpv_buf_putc(out, *s);
    }
    gpv_buf_putc(out, '\'');
}

static const char *
get_str(const struct gpv_val *o, const char *key)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    return v && v->type == GPV_V_STR ? v->s : NULL;
}

static long long
get_int(const struct gpv_val *o, const char *key, long long dflt)
{
    const struct gpv_val *v = gpv_val_get(o, key);

    return v && v->type == GPV_V_INT ? v->i : dflt;
}

static int
count_cmp(const void *a, const void *b)
{
    return strcmp(((const struct gpv_export_count *)a)->name,
                  ((const struct gpv_export_count *)b)->name);
}

/* Adds one of name to the counts. */
static void
count_add(struct gpv_export_count **v, size_t *n, const char *name)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if (!strcmp((*v)[i].name, name)) {
            (*v)[i].count++;
            return;
        }
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[*n].name = name;
    (*v)[*n].count = 1;
    (*n)++;
}

/*
 * Adds time-sliced profile `name` with the device plugin's `replicas` to v (sorted by name, once
 * each). Returns -1 when replicas is outside 2 .. 64 or name is there with other replicas.
 */
static int
add_sliced(struct gpv_export_count **v, size_t *n, const char *name, long long replicas)
{
    size_t i;

    if (replicas < 2 || replicas > 64)
        return -1;
    for (i = 0; i < *n && strcmp((*v)[i].name, name) < 0; i++)
        ;
    if (i < *n && !strcmp((*v)[i].name, name))
        return (*v)[i].count == replicas ? 0 : -1;
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    memmove(*v + i + 1, *v + i, (*n - i) * sizeof(**v));
    (*v)[i].name = name;
    (*v)[i].count = (int)replicas;
    (*n)++;
    return 0;
}

static bool
parse_mode(enum gpv_export_mode *out, const char *s)
{
    static const struct {
        const char *name;
        enum gpv_export_mode mode;
    } modes[] = {{"mig", GPV_EXPORT_MIG},
                 {"mig-vgpu", GPV_EXPORT_MIG_VGPU},
                 {"vgpu", GPV_EXPORT_VGPU},
                 {"passthrough", GPV_EXPORT_PASSTHROUGH},
                 {"time-slicing", GPV_EXPORT_TIME_SLICING},
                 {"mps", GPV_EXPORT_MPS}};
    size_t i;

    for (i = 0; s && i < sizeof(modes) / sizeof(modes[0]); i++)
        if (!strcmp(s, modes[i].name)) {
            *out = modes[i].mode;
            return true;
        }
    return false;
}

/* Fills one GPU from its plan entry. */
static int
read_gpu(struct gpv_export_gpu *g, const struct gpv_val *gv, const char *id, const char *name,
         struct gpv_error *err)
{
    const struct gpv_val *insts = gpv_val_get(gv, "instances");
    size_t k;

    if (!parse_mode(&g->mode, get_str(gv, "mode")))
        return gpv_error_set(err, GPV_EINPUT, name, 0, 0, "gpu '%s' has no mode export knows", id);
    for (k = 0; insts && insts->type == GPV_V_ARR && k < insts->n; k++) {
        const struct gpv_val *in = insts->items[k];
        const char *profile = get_str(in, "profile"), *type = get_str(in, "vgpu_type");

        switch (g->mode) {
        case GPV_EXPORT_MIG:
        case GPV_EXPORT_MIG_VGPU:
            if (!profile)
                return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                     "gpu '%s': a MIG instance without a profile", id);
            count_add(&g->profiles, &g->nprofiles, profile);
            if (g->mode == GPV_EXPORT_MIG && get_int(in, "clients", 0) > 0) {
                if (add_sliced(&g->sliced, &g->nsliced, profile, get_int(in, "replicas", -1)))
                    return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                         "gpu '%s': a time-sliced %s instance needs replicas 2 "
                                         "to 64, all alike on the GPU",
                                         id, profile);
            } else if (g->mode == GPV_EXPORT_MIG) {
                count_add(&g->bare, &g->nbare, profile);
            }
            if (g->mode == GPV_EXPORT_MIG_VGPU) {
                if (!type)
                    return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                         "gpu '%s': a MIG-backed vGPU without its type", id);
                count_add(&g->types, &g->ntypes, type);
            }
            break;
        case GPV_EXPORT_VGPU:
            if (!profile)
                return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                     "gpu '%s': a vGPU without its type", id);
            count_add(&g->types, &g->ntypes, profile);
            break;
        case GPV_EXPORT_PASSTHROUGH:
        case GPV_EXPORT_TIME_SLICING:
        case GPV_EXPORT_MPS:
        case GPV_EXPORT_UNUSED:
            break;
        }
    }
    if (g->mode == GPV_EXPORT_TIME_SLICING || g->mode == GPV_EXPORT_MPS) {
        long long r = get_int(gv, "replicas", -1);

        if (r < 2 || r > 64)
            return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                 "gpu '%s': a shared GPU without its replicas", id);
        g->replicas = (int)r;
    }
    if (g->nprofiles)
        qsort(g->profiles, g->nprofiles, sizeof(*g->profiles), count_cmp);
    if (g->ntypes)
        qsort(g->types, g->ntypes, sizeof(*g->types), count_cmp);
    return 0;
}

static void
counts_text(struct gpv_buf *b, const struct gpv_export_count *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        gpv_buf_printf(b, "%s%s=%d", i ? "," : "", v[i].name, v[i].count);
}

/* The canonical text of a node's layout for one target; nodes share a config iff equal. */
static char *
layout_key(const struct gpv_export_node *nd, enum gpv_export_target t)
{
    struct gpv_buf b;
    size_t i;

    gpv_buf_init(&b);
    gpv_buf_printf(&b, "%s/%zu", nd->model->id, nd->ngpus);
    for (i = 0; i < nd->ngpus; i++) {
        const struct gpv_export_gpu *g = &nd->gpus[i];
        bool mig = g->mode == GPV_EXPORT_MIG || g->mode == GPV_EXPORT_MIG_VGPU;

        gpv_buf_printf(&b, ";%zu:", i);
        if (t == GPV_EXPORT_MIGPARTED) {
            gpv_buf_puts(&b, mig ? "on:" : "off");
            counts_text(&b, g->profiles, g->nprofiles);
        } else {
            counts_text(&b, g->types, g->ntypes);
        }
    }
    return gpv_buf_detach(&b);
}

static bool
node_has(const struct gpv_export_node *nd, enum gpv_export_mode m)
{
    size_t i;

    for (i = 0; i < nd->ngpus; i++)
        if (nd->gpus[i].mode == m)
            return true;
    return false;
}

/* A node's key for one kind of config, and the node. */
struct keyed {
    char *key;
    size_t node;
};

static int
keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int
name_cmp(const void *a, const void *b, const void *ctx)
{
    (void)ctx;
    return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* The key of node nd for config kind k (NULL: the node has no config of that kind). */
static char *
config_key(const struct gpv_export_node *nd, enum gpv_export_config k)
{
    bool vgpu = node_has(nd, GPV_EXPORT_VGPU) || node_has(nd, GPV_EXPORT_MIG_VGPU);

    switch (k) {
    case GPV_EXPORT_CFG_MIG:
        return nd->model->mig ? layout_key(nd, GPV_EXPORT_MIGPARTED) : NULL;
    case GPV_EXPORT_CFG_VGPU:
        return vgpu ? layout_key(nd, GPV_EXPORT_VGPUDM) : NULL;
    case GPV_EXPORT_CFG_PLUGIN:
    case GPV_EXPORT_NCONFIGS:
        break;
    }
    if (nd->nsliced) {
        /* time-sliced MIG instances, and maybe whole GPUs: "mixed-ts-1g.10gb-5" */
        struct gpv_buf b;
        size_t i;

        gpv_buf_init(&b);
        gpv_buf_printf(&b, "%s-ts", nd->mig_strategy);
        if (nd->sharing != GPV_EXPORT_UNUSED)
            gpv_buf_printf(&b, "-%d", nd->sharing_replicas);
        for (i = 0; i < nd->nsliced; i++)
            gpv_buf_printf(&b, "-%s-%d", nd->sliced[i].name, nd->sliced[i].count);
        return gpv_buf_detach(&b);
    }
    if (nd->sharing != GPV_EXPORT_UNUSED)
        return xasprintf("%s-%s-%d", node_has(nd, GPV_EXPORT_MIG) ? nd->mig_strategy : "none",
                         nd->sharing == GPV_EXPORT_MPS ? "mps" : "ts", nd->sharing_replicas);
    return xstrdup(node_has(nd, GPV_EXPORT_MIG) ? nd->mig_strategy : "none");
}

/* The name of the config of kind k whose layout is key, on nodes of nd's model. */
static char *
config_name(const struct gpv_export_node *nd, enum gpv_export_config k, const char *key,
            unsigned salt)
{
    char *model, *name, *salted;

    if (k == GPV_EXPORT_CFG_PLUGIN)
        return xasprintf("gpuvplan-mig-%s", key);
    model = gpv_export_dns_name(nd->model->id);
    salted = salt ? xasprintf("%s#%u", key, salt) : xstrdup(key);
    name = xasprintf("gpuvplan-%.40s-%08x", model, (unsigned)export_hash(salted));
    free(salted);
    free(model);
    return name;
}

/*
 * Names every node's configs of kind k: nodes with the same layout share one, named from the
 * model and a hash of the layout (stable for the same layout in any plan). Sorting keeps this
 * O(n log n) in nodes. A hash collision between different layouts re-hashes the later one.
 */
static void
name_kind(struct gpv_export_site *s, enum gpv_export_config k)
{
    struct keyed *v = xcalloc(s->nnodes + 1, sizeof(*v)), *firsts;
    unsigned *salt = xcalloc(s->nnodes + 1, sizeof(*salt));
    size_t i, j, a, b, m = 0, nf = 0;
    bool again = true;

    for (i = 0; i < s->nnodes; i++) {
        s->nodes[i].first[k] = s->nodes[i].next[k] = GPV_EXPORT_NONE;
        if ((v[m].key = config_key(&s->nodes[i], k)))
            v[m++].node = i;
    }
    qsort(v, m, sizeof(*v), keyed_cmp);
    firsts = xcalloc(m + 1, sizeof(*firsts));
    for (a = 0; a < m; a = b) {
        for (b = a + 1; b < m && !strcmp(v[b].key, v[a].key); b++)
            ;
        for (j = a; j < b; j++) {
            s->nodes[v[j].node].first[k] = v[a].node;
            s->nodes[v[j].node].next[k] = j + 1 < b ? v[j + 1].node : GPV_EXPORT_NONE;
        }
        firsts[nf].node = v[a].node;
        firsts[nf++].key = v[a].key;
        s->nodes[v[a].node].config[k] = config_name(&s->nodes[v[a].node], k, v[a].key, 0);
    }
    while (again) {
        /* Sort the groups by name; equal neighbours are collisions of different layouts. */
        struct keyed *byname = xcalloc(nf + 1, sizeof(*byname));

        again = false;
        for (i = 0; i < nf; i++) {
            byname[i].node = firsts[i].node;
            byname[i].key = s->nodes[firsts[i].node].config[k];
        }
        gpv_sort_stable(byname, nf, sizeof(*byname), name_cmp, NULL);
        for (i = 1; i < nf; i++) {
            size_t later;

            if (strcmp(byname[i].key, byname[i - 1].key))
                continue;
            later = byname[i].node > byname[i - 1].node ? byname[i].node : byname[i - 1].node;
            for (j = 0; j < nf && firsts[j].node != later; j++)
                ;
            free(s->nodes[later].config[k]);
            s->nodes[later].config[k] =
                config_name(&s->nodes[later], k, firsts[j].key, ++salt[later]);
            again = true;
            break;
        }
        free(byname);
    }
    for (i = 0; i < s->nnodes; i++)
        if (s->nodes[i].first[k] != GPV_EXPORT_NONE && s->nodes[i].first[k] != i)
            s->nodes[i].config[k] = xstrdup(s->nodes[s->nodes[i].first[k]].config[k]);
    for (i = 0; i < m; i++)
        free(v[i].key);
    free(v);
    free(firsts);
    free(salt);
}

static void
name_configs(struct gpv_export_site *s)
{
    int k;

    for (k = 0; k < GPV_EXPORT_NCONFIGS; k++)
        name_kind(s, (enum gpv_export_config)k);
}

static int
read_nodes(struct gpv_export_site *s, const struct gpv_val *nodes, const struct gpv_db *db,
           const char *name, struct gpv_error *err)
{
    size_t i, k;

    s->nodes = xcalloc(nodes->n + 1, sizeof(*s->nodes));
    for (i = 0; i < nodes->n; i++) {
        const struct gpv_val *nv = nodes->items[i], *labels = gpv_val_get(nv, "labels");
        struct gpv_export_node *nd = &s->nodes[s->nnodes];
        const char *model = get_str(nv, "model");
        long long n = get_int(nv, "gpus", -1);

        nd->name = get_str(nv, "name");
        if (!nd->name || !model || n < 1 || n > GPV_EXPORT_GPUS_MAX)
            return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                 "node %s of the plan lacks its name, model or GPUs",
                                 nd->name ? nd->name : "?");
        s->nnodes++;
        nd->ngpus = (size_t)n;
        nd->gpus = xcalloc(nd->ngpus, sizeof(*nd->gpus));
        if (!(nd->model = gpv_db_find(db, model)))
            return gpv_error_set(err, GPV_EINPUT, name, 0, 0, "node '%s': unknown GPU '%s'",
                                 nd->name, model);
        nd->mig_strategy = get_str(nv, "mig_strategy");
        nd->stated = gpv_val_get(nv, "sharing");
        if (!nd->mig_strategy || strcmp(nd->mig_strategy, "single"))
            nd->mig_strategy = "mixed";
        if (labels && labels->type == GPV_V_OBJ && labels->n) {
            nd->label_keys = xcalloc(labels->n, sizeof(char *));
            nd->label_values = xcalloc(labels->n, sizeof(char *));
            for (k = 0; k < labels->n; k++) {
                if (labels->items[k]->type != GPV_V_STR)
                    continue;
                nd->label_keys[nd->nlabels] = labels->keys[k];
                nd->label_values[nd->nlabels++] = labels->items[k]->s;
            }
        }
    }
    return 0;
}

static int
read_gpus(struct gpv_export_site *s, const struct gpv_val *gpus, const char *name,
          struct gpv_error *err)
{
    struct gpv_names byname;
    size_t i, k;
    int rc = 0;

    memset(&byname, 0, sizeof(byname));
    for (k = 0; k < s->nnodes; k++)
        gpv_names_add(&byname, s->nodes[k].name, k);
    for (i = 0; i < gpus->n; i++) {
        const struct gpv_val *gv = gpus->items[i];
        const char *id = get_str(gv, "id"), *node = get_str(gv, "node");
        long long index = get_int(gv, "index", -1);
        struct gpv_export_node *nd = NULL;

        if (!id)
            id = "?";
        if (!node) {
            s->nodeless++; /* a fleet entry without nodes: nothing to apply it to */
            continue;
        }
        if ((k = gpv_names_find(&byname, node)) != SIZE_MAX)
            nd = &s->nodes[k];
        if (!nd || index < 0 || (size_t)index >= nd->ngpus) {
            rc = gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                               "gpu '%s' names node '%s' or an index the plan's nodes lack", id,
                               node);
            break;
        }
        if (nd->gpus[index].mode != GPV_EXPORT_UNUSED) {
            rc = gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                               "gpu '%s': a second GPU at index %s of its node", id,
                               strrchr(id, '/') ? strrchr(id, '/') + 1 : "?");
            break;
        }
        if ((rc = read_gpu(&nd->gpus[index], gv, id, name, err)))
            break;
    }
    gpv_names_release(&byname);
    return rc;
}

/* Each node's sharing: one strategy and replica count for all its shared GPUs, as the device
   plugin applies one config per node, and nothing beside them that the config would break. */
/*
 * Node nd's time-sliced MIG profiles, from its GPUs: the device plugin replicates each
 * `nvidia.com/mig-<profile>` (under `single`, nvidia.com/gpu) on the whole node, so a profile
 * has one replica count on the node and no bare instance beside the time-sliced ones.
 */
static int
read_sliced(struct gpv_export_node *nd, const char *name, struct gpv_error *err)
{
    size_t j, k;

    for (j = 0; j < nd->ngpus; j++) {
        const struct gpv_export_gpu *g = &nd->gpus[j];

        for (k = 0; k < g->nsliced; k++)
            if (add_sliced(&nd->sliced, &nd->nsliced, g->sliced[k].name, g->sliced[k].count))
                return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                     "node '%s' time-slices %s instances with different "
                                     "replicas; the device plugin takes one count per resource "
                                     "on a node",
                                     nd->name, g->sliced[k].name);
    }
    for (j = 0; nd->nsliced && j < nd->ngpus; j++) {
        const struct gpv_export_gpu *g = &nd->gpus[j];

        for (k = 0; k < g->nbare; k++) {
            size_t m;

            for (m = 0; m < nd->nsliced && strcmp(nd->sliced[m].name, g->bare[k].name); m++)
                ;
            if (m < nd->nsliced)
                return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                     "node '%s' has bare %s instances beside time-sliced ones; "
                                     "the device plugin would time-slice them too",
                                     nd->name, g->bare[k].name);
        }
    }
    return 0;
}

static int
read_sharing(struct gpv_export_site *s, const char *name, struct gpv_error *err)
{
    size_t i, j;
    int rc;

    for (i = 0; i < s->nnodes; i++) {
        struct gpv_export_node *nd = &s->nodes[i];

        nd->sharing = GPV_EXPORT_UNUSED;
        for (j = 0; j < nd->ngpus; j++) {
            const struct gpv_export_gpu *g = &nd->gpus[j];

            if (g->mode != GPV_EXPORT_TIME_SLICING && g->mode != GPV_EXPORT_MPS)
                continue;
            if (nd->sharing != GPV_EXPORT_UNUSED &&
                (nd->sharing != g->mode || nd->sharing_replicas != g->replicas))
                return gpv_error_set(
                    err, GPV_EINPUT, name, 0, 0,
                    "node '%s' shares its GPUs in two ways (%s, %d replicas and "
                    "%s, %d replicas); the device plugin applies one sharing "
                    "config to all GPUs of a node: state 'sharing' on the "
                    "fleet entry",
                    nd->name, nd->sharing == GPV_EXPORT_MPS ? "mps" : "time-slicing",
                    nd->sharing_replicas, g->mode == GPV_EXPORT_MPS ? "mps" : "time-slicing",
                    g->replicas);
            nd->sharing = g->mode;
            nd->sharing_replicas = g->replicas;
        }
        if ((rc = read_sliced(nd, name, err)))
            return rc;
        if (nd->sharing == GPV_EXPORT_UNUSED && nd->stated && nd->stated->type == GPV_V_OBJ) {
            /* A node of an entry that states its sharing keeps it, even unused. */
            const char *st = get_str(nd->stated, "strategy");
            long long r = get_int(nd->stated, "replicas", 0);

            if (st && r >= 2 && r <= 64) {
                nd->sharing = !strcmp(st, "mps") ? GPV_EXPORT_MPS : GPV_EXPORT_TIME_SLICING;
                nd->sharing_replicas = (int)r;
            }
        }
        if (nd->sharing == GPV_EXPORT_UNUSED)
            continue;
        if (node_has(nd, GPV_EXPORT_PASSTHROUGH))
            return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                 "node '%s' has passthrough GPUs beside shared ones; the device "
                                 "plugin would share them too (nvidia.com/gpu is replicated on "
                                 "the whole node)",
                                 nd->name);
        if (nd->sharing == GPV_EXPORT_MPS && node_has(nd, GPV_EXPORT_MIG))
            return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                 "node '%s' has MIG GPUs beside MPS ones; the device plugin does "
                                 "not run MPS on a node with MIG devices",
                                 nd->name);
        if (node_has(nd, GPV_EXPORT_MIG) && !strcmp(nd->mig_strategy, "single"))
            return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                                 "node '%s' has MIG GPUs under the single strategy beside shared "
                                 "ones; nvidia.com/gpu would be the MIG devices",
                                 nd->name);
    }
    return 0;
}

static int
read_tenants(struct gpv_export_site *s, const struct gpv_val *tenants)
{
    size_t i;

    s->tenants = xcalloc(tenants->n + 1, sizeof(*s->tenants));
    for (i = 0; i < tenants->n; i++) {
        const struct gpv_val *tv = tenants->items[i], *g = gpv_val_get(tv, "gpus");
        struct gpv_export_tenant *t = &s->tenants[s->ntenants];

        t->name = get_str(tv, "name");
        t->method = get_str(tv, "method");
        if (!t->name || !t->method || !g || g->type != GPV_V_ARR || !g->n)
            continue;
        t->replicas = (int)get_int(tv, "replicas", 1);
        if (!strcmp(t->method, "mig"))
            t->profile = get_str(tv, "mig_profile");
        t->whole_gpus = (int)get_int(tv, "whole_gpus", 0);
        t->claim = gpv_export_dns_name(t->name);
        s->ntenants++;
    }
    return 0;
}

/*
 * The device plugin's single strategy needs every MIG-capable GPU of a node MIG-enabled with
 * the one profile (formats.md §3.2), so unused indexes of such a node get the layout of its
 * MIG GPUs (the planner keeps those uniform): capacity advertised, nothing moved.
 */
static void
fill_single(struct gpv_export_node *nd)
{
    const struct gpv_export_gpu *src = NULL;
    size_t i;

    if (strcmp(nd->mig_strategy, "single"))
        return;
    for (i = 0; i < nd->ngpus && !src; i++)
        if (nd->gpus[i].mode == GPV_EXPORT_MIG)
            src = &nd->gpus[i];
    for (i = 0; src && i < nd->ngpus; i++) {
        struct gpv_export_gpu *g = &nd->gpus[i];

        if (g->mode != GPV_EXPORT_UNUSED)
            continue;
        g->mode = GPV_EXPORT_MIG;
        g->filled = true;
        g->nprofiles = src->nprofiles;
        g->profiles = xcalloc(src->nprofiles, sizeof(*g->profiles));
        memcpy(g->profiles, src->profiles, src->nprofiles * sizeof(*g->profiles));
    }
}

int
gpv_export_site_read(struct gpv_export_site *out, const struct gpv_val *plan,
                     const struct gpv_db *db, const char *name, struct gpv_error *err)
{
    const struct gpv_val *nodes = gpv_val_get(plan, "nodes"), *gpus = gpv_val_get(plan, "gpus");
    const struct gpv_val *tenants = gpv_val_get(plan, "tenants");
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    out->plan = name;
    if (!gpus || gpus->type != GPV_V_ARR || !tenants || tenants->type != GPV_V_ARR)
        return gpv_error_set(err, GPV_EINPUT, name, 0, 0,
                             "not a plan: 'gpus' and 'tenants' must be lists");
    if (!nodes || nodes->type != GPV_V_ARR || !nodes->n)
        return gpv_error_set(
            err, GPV_EINPUT, name, 0, 0,
            "plan has no nodes: export needs the nodes of the fleet (add 'nodes' and "
            "'gpus_per_node' to its entries, docs/tenants.md)");
    if ((rc = read_nodes(out, nodes, db, name, err)) || (rc = read_gpus(out, gpus, name, err)) ||
        (rc = read_sharing(out, name, err)) || (rc = read_tenants(out, tenants)))
        return rc;
    for (i = 0; i < out->nnodes; i++)
        fill_single(&out->nodes[i]);
    name_configs(out);
    return 0;
}

void
gpv_export_site_release(struct gpv_export_site *s)
{
    size_t i, k;

    if (!s)
        return;
    for (i = 0; i < s->nnodes; i++) {
        struct gpv_export_node *nd = &s->nodes[i];

        for (k = 0; k < nd->ngpus; k++) {
            free(nd->gpus[k].profiles);
            free(nd->gpus[k].types);
            free(nd->gpus[k].sliced);
            free(nd->gpus[k].bare);
        }
        free(nd->sliced);
        free(nd->gpus);
        free(nd->label_keys);
        free(nd->label_values);
        for (k = 0; k < GPV_EXPORT_NCONFIGS; k++)
            free(nd->config[k]);
    }
    free(s->nodes);
    for (i = 0; i < s->ntenants; i++)
        free(s->tenants[i].claim);
    free(s->tenants);
    memset(s, 0, sizeof(*s));
}
