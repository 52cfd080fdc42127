/*
 * The k8s device plugin's config (formats.md §3.1, from k8s-device-plugin api/config/v1): the
 * strict reader and its checks against the database.
 */
#include "lint_int.h"

#include "gpuvplan/tenant.h"
#include "gpuvplan/util.h"

#include <stdlib.h>
#include <string.h>

/* Checks that node is one of the words in `values` (space-separated). */
static void
check_word(struct gpv_lint_findings *f, const struct gpv_ynode *node, const char *key,
           const char *values)
{
    const char *p = values;
    size_t len;

    if (node->kind == GPV_Y_SCALAR)
        for (len = strlen(node->str); *p; p += strcspn(p, " "), p += *p == ' ')
            if (strcspn(p, " ") == len && !strncmp(p, node->str, len))
                return;
    lint_add(f, GPV_LINT_ERROR, node, "bad-value", "'%s' must be one of %s, not '%s'", key, values,
             lint_q(node));
}

/* Checks the mapping node and, for each key of `bools` (NULL-terminated), a boolean value. */
static void
check_bools(struct gpv_lint_findings *f, const struct gpv_ynode *map, const char *const *bools)
{
    size_t i;

    for (i = 0; bools[i]; i++) {
        const struct gpv_ynode *v = gpv_ymap_get(map, bools[i]);
        struct gpv_error e;
        bool b;

        gpv_error_init(&e);
        if (v && gpv_y_bool(&b, NULL, v, bools[i], &e))
            lint_add_yerr(f, &e);
    }
}

static bool
expect_map(struct gpv_lint_findings *f, const struct gpv_ynode *node, const char *what)
{
    if (node->kind == GPV_Y_MAP)
        return true;
    lint_add(f, GPV_LINT_ERROR, node, "bad-value", "'%s' must be a mapping", what);
    return false;
}

static void
read_flags(struct gpv_lint_findings *f, const struct gpv_ynode *flags, struct gpv_devplugin *out)
{
    static const char *keys[] = {"migStrategy",
                                 "failOnInitError",
                                 "nvidiaDriverRoot",
                                 "nvidiaDevRoot",
                                 "mpsRoot",
                                 "gdrcopyEnabled",
                                 "gdsEnabled",
                                 "mofedEnabled",
                                 "useNodeFeatureAPI",
                                 "deviceDiscoveryStrategy",
                                 "plugin",
                                 "gfd",
                                 NULL};
    static const char *bools[] = {"failOnInitError", "gdrcopyEnabled",    "gdsEnabled",
                                  "mofedEnabled",    "useNodeFeatureAPI", NULL};
    static const char *pkeys[] = {"passDeviceSpecs",
                                  "deviceListStrategy",
                                  "deviceIDStrategy",
                                  "cdiAnnotationPrefix",
                                  "nvidiaCTKPath",
                                  "containerDriverRoot",
                                  "sharedDevicesAllocationPolicy",
                                  NULL};
    static const char *pbools[] = {"passDeviceSpecs", NULL};
    static const char *gkeys[] = {"oneshot",    "noTimestamp",     "sleepInterval",
                                  "outputFile", "machineTypeFile", NULL};
    static const char *gbools[] = {"oneshot", "noTimestamp", NULL};
    const struct gpv_ynode *v, *p;
    size_t i;

    if (!expect_map(f, flags, "flags"))
        return;
    lint_check_keys(f, flags, keys, "'flags'");
    check_bools(f, flags, bools);
    if ((v = gpv_ymap_get(flags, "migStrategy"))) {
        check_word(f, v, "migStrategy", "none single mixed");
        if (v->kind == GPV_Y_SCALAR) {
            out->mig_strategy = xstrdup(v->str);
            out->strategy_line = v->line;
            out->strategy_col = v->col;
        }
    }
    if ((v = gpv_ymap_get(flags, "deviceDiscoveryStrategy")))
        check_word(f, v, "deviceDiscoveryStrategy", "auto nvml tegra");
    if ((p = gpv_ymap_get(flags, "plugin")) && expect_map(f, p, "plugin")) {
        lint_check_keys(f, p, pkeys, "'flags.plugin'");
        check_bools(f, p, pbools);
        if ((v = gpv_ymap_get(p, "deviceIDStrategy")))
            check_word(f, v, "deviceIDStrategy", "uuid index");
        if ((v = gpv_ymap_get(p, "sharedDevicesAllocationPolicy")))
            check_word(f, v, "sharedDevicesAllocationPolicy", "distributed packed");
        if ((v = gpv_ymap_get(p, "deviceListStrategy"))) {
            static const char words[] = "envvar volume-mounts cdi-annotations cdi-cri";

            if (v->kind == GPV_Y_SEQ)
                for (i = 0; i < v->n; i++)
                    check_word(f, v->items[i], "deviceListStrategy", words);
            else
                check_word(f, v, "deviceListStrategy", words);
        }
    }
    if ((p = gpv_ymap_get(flags, "gfd")) && expect_map(f, p, "gfd")) {
        lint_check_keys(f, p, gkeys, "'flags.gfd'");
        check_bools(f, p, gbools);
    }
}

/*
 * Checks a resource name the way the plugin does (prefix added, at most 63 characters) and that
 * it is one the plugin advertises: nvidia.com/gpu or nvidia.com/mig-<profile> ('+' as '.').
 */
static char *
read_resource_name(struct gpv_lint_findings *f, const struct gpv_ynode *v)
{
    const char *s = v->str, *slash = strchr(s, '/');
    char *full;

    full = slash ? xstrdup(s) : xasprintf("nvidia.com/%s", s);
    if (strlen(strchr(full, '/') + 1) > 63 || strlen(full) > 253)
        lint_add(f, GPV_LINT_ERROR, v, "bad-resource",
                 "resource name '%s' is longer than 63 "
                 "characters",
                 lint_q(v));
    else if (strncmp(full, "nvidia.com/", 11))
        lint_add(f, GPV_LINT_WARNING, v, "unknown-resource",
                 "resource '%s' is not an nvidia.com resource the plugin advertises", lint_q(v));
    else if (strcmp(full + 11, "gpu") && strncmp(full + 11, "mig-", 4))
        lint_add(f, GPV_LINT_WARNING, v, "unknown-resource",
                 "resource '%s' is neither nvidia.com/gpu nor nvidia.com/mig-<profile>", lint_q(v));
    return full;
}

/* The MIG profile of a nvidia.com/mig-<profile> resource, '+' restored; false for others. */
static bool
resource_profile(struct gpv_lint_profile *out, const char *full)
{
    char tmp[64];
    char *gb;

    if (strncmp(full, "nvidia.com/mig-", 15) || strlen(full + 15) >= sizeof(tmp))
        return false;
    strcpy(tmp, full + 15);
    /* The plugin writes '+' as '.': the first '.' after "gb" starts the attributes. */
    if ((gb = strstr(tmp, "gb.")))
        gb[2] = '+';
    return gpv_lint_profile_parse(out, tmp);
}

static void
read_sharing(struct gpv_lint_findings *f, const struct gpv_ynode *sh, const char *what,
             struct gpv_devplugin *out)
{
    static const char *keys[] = {"renameByDefault", "failRequestsGreaterThanOne", "resources",
                                 NULL};
    static const char *bools[] = {"renameByDefault", "failRequestsGreaterThanOne", NULL};
    static const char *rkeys[] = {"name", "replicas", "rename", "devices", NULL};
    const struct gpv_ynode *res;
    size_t i;

    if (!expect_map(f, sh, what))
        return;
    lint_check_keys(f, sh, keys, what);
    check_bools(f, sh, bools);
    res = gpv_ymap_get(sh, "resources");
    if (!res || res->kind != GPV_Y_SEQ || res->n == 0) {
        lint_add(f, GPV_LINT_ERROR, res ? res : sh, res ? "bad-value" : "missing-key",
                 "'%s' needs a non-empty list 'resources'", what);
        return;
    }
    out->resources =
        xreallocarray(out->resources, out->nresources + res->n, sizeof(*out->resources));
    for (i = 0; i < res->n; i++) {
        const struct gpv_ynode *r = res->items[i], *name, *rep, *v;
        struct gpv_devplugin_resource *dr;
        struct gpv_error e;
        long long replicas;

        if (!expect_map(f, r, "a sharing resource"))
            continue;
        lint_check_keys(f, r, rkeys, "a sharing resource");
        name = gpv_ymap_get(r, "name");
        rep = gpv_ymap_get(r, "replicas");
        if ((v = gpv_ymap_get(r, "rename")))
            lint_add(f, GPV_LINT_WARNING, v, "ignored-field",
                     "'rename' is ignored by the device plugin (renameByDefault applies)");
        if ((v = gpv_ymap_get(r, "devices")))
            lint_add(f, GPV_LINT_WARNING, v, "ignored-field",
                     "'devices' is ignored by the device plugin (it shares every device)");
        if (!name || name->kind != GPV_Y_SCALAR || !name->len) {
            lint_add(f, GPV_LINT_ERROR, name ? name : r, name ? "bad-value" : "missing-key",
                     "a sharing resource needs a 'name'");
            continue;
        }
        gpv_error_init(&e);
        if (!rep) {
            lint_add(f, GPV_LINT_ERROR, r, "missing-key", "missing required key 'replicas'");
            continue;
        }
        if (gpv_y_int(&replicas, NULL, rep, 2, 1000000, "'replicas'", &e)) {
            lint_add_yerr(f, &e);
            continue;
        }
        dr = &out->resources[out->nresources++];
        dr->name = read_resource_name(f, name);
        dr->replicas = replicas;
        dr->line = name->line;
        dr->col = name->col;
    }
}

int
gpv_devplugin_read(struct gpv_devplugin *out, const struct gpv_ydoc *doc,
                   const struct gpv_ynode *root, struct gpv_lint_findings *findings)
{
    static const char *keys[] = {"version", "flags", "resources", "sharing", "imex", NULL};
    static const char *skeys[] = {"timeSlicing", "mps", NULL};
    static const char *ikeys[] = {"channelIDs", "required", NULL};
    static const char *ibools[] = {"required", NULL};
    struct gpv_lint_findings *f = findings;
    size_t errors = gpv_lint_findings_count(f, GPV_LINT_ERROR);
    const struct gpv_ynode *v, *ts, *mps;

    (void)doc;
    memset(out, 0, sizeof(*out));
    if (!root || root->kind != GPV_Y_MAP) {
        lint_add(f, GPV_LINT_ERROR, root, "bad-document", "the document must be a mapping");
        return GPV_EINPUT;
    }
    lint_check_keys(f, root, keys, "the top level");
    if ((v = gpv_ymap_get(root, "version")) && (v->kind != GPV_Y_SCALAR || strcmp(v->str, "v1")))
        lint_add(f, GPV_LINT_ERROR, v, "bad-version", "unknown version '%s'; only 'v1' exists",
                 lint_q(v));
    if ((v = gpv_ymap_get(root, "flags")))
        read_flags(f, v, out);
    if ((v = gpv_ymap_get(root, "resources")))
        lint_add(f, GPV_LINT_WARNING, v, "ignored-field",
                 "'resources' (pattern renaming) is ignored by the device plugin");
    if ((v = gpv_ymap_get(root, "imex")) && expect_map(f, v, "imex")) {
        lint_check_keys(f, v, ikeys, "'imex'");
        check_bools(f, v, ibools);
    }
    if ((v = gpv_ymap_get(root, "sharing")) && expect_map(f, v, "sharing")) {
        lint_check_keys(f, v, skeys, "'sharing'");
        ts = gpv_ymap_get(v, "timeSlicing");
        mps = gpv_ymap_get(v, "mps");
        if (ts && mps)
            lint_add(f, GPV_LINT_WARNING, mps, "both-sharing",
                     "both 'timeSlicing' and 'mps' are set; the plugin uses MPS");
        if (mps) {
            out->mps = true;
            read_sharing(f, mps, "mps", out);
        } else if (ts) {
            read_sharing(f, ts, "timeSlicing", out);
        }
    }
    return gpv_lint_findings_count(f, GPV_LINT_ERROR) > errors ? GPV_EINPUT : 0;
}

void
gpv_devplugin_release(struct gpv_devplugin *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->nresources; i++)
        free(c->resources[i].name);
    free(c->resources);
    free(c->mig_strategy);
    memset(c, 0, sizeof(*c));
}

void
lint_check_devplugin(struct gpv_lint_findings *f, struct gpv_lint_doc *doc, const struct gpv_db *db,
                     const struct gpv_lint_opts *opts, const struct gpv_devplugin *c)
{
    const char *strategy = c->mig_strategy ? c->mig_strategy : "none";
    size_t i, k;

    for (i = 0; i < c->nresources; i++) {
        const struct gpv_devplugin_resource *r = &c->resources[i];
        struct gpv_lint_profile p;
        bool known = false;

        /* The plugin's MPS daemon refuses more clients than an MPS server takes: 48 from
           Volta on, 16 before (k8s-device-plugin cmd/mps-control-daemon/mps/device.go). */
        if (c->mps && r->replicas > GPV_MPS_CLIENTS_MAX)
            lint_add_at(f, GPV_LINT_ERROR, r->line, r->col, "mps-replicas",
                        "'%s' has %lld MPS replicas; an MPS server takes at most %d clients per "
                        "GPU",
                        r->name, r->replicas, GPV_MPS_CLIENTS_MAX);
        if (!strncmp(r->name, "nvidia.com/mig-", 15) && !resource_profile(&p, r->name)) {
            lint_add_at(f, GPV_LINT_ERROR, r->line, r->col, "bad-profile",
                        "'%s' does not name a MIG profile (nvidia.com/mig-1g.10gb, '+' as '.')",
                        r->name);
            continue;
        }
        if (strncmp(r->name, "nvidia.com/mig-", 15))
            continue;
        if (c->mps)
            lint_add_at(f, GPV_LINT_ERROR, r->line, r->col, "mps-on-mig",
                        "sharing with MPS is not supported on MIG devices ('%s')", r->name);
        if (strcmp(strategy, "mixed"))
            lint_add_at(f, GPV_LINT_WARNING, r->line, r->col, "strategy-mismatch",
                        "'%s' is advertised only with migStrategy mixed (this config: %s)", r->name,
                        strategy);
        if (p.c != p.g)
            lint_add_at(f, GPV_LINT_WARNING, r->line, r->col, "not-advertised",
                        "compute-instance profile '%s' gets no resource of its own", r->name);
        if (opts->ngpus) {
            for (k = 0; k < opts->ngpus; k++) {
                const struct gpv_gpu *g = opts->gpus[k];

                lint_doc_add_model(doc, g);
                if (!g->mig || gpv_gpu_find_profile(g, p.gi) < 0)
                    lint_add_at(f, GPV_LINT_WARNING, r->line, r->col, "unknown-profile",
                                "MIG profile '%s' does not exist on %s", p.gi, g->id);
            }
            continue;
        }
        for (k = 0; k < db->ngpus; k++)
            if (db->gpus[k]->mig && gpv_gpu_find_profile(db->gpus[k], p.gi) >= 0) {
                lint_doc_add_model(doc, db->gpus[k]);
                known = true;
            }
        if (!known)
            lint_add_at(f, GPV_LINT_WARNING, r->line, r->col, "unknown-profile",
                        "no GPU model in the database has MIG profile '%s'", p.gi);
    }
    if (c->mps && !strcmp(strategy, "mixed"))
        lint_add_at(f, GPV_LINT_ERROR, c->strategy_line, c->strategy_col, "mps-on-mig",
                    "MPS sharing does not work with migStrategy mixed");
}
