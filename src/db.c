#include "gpuvplan/db.h"
#include "gpuvplan/util.h"
#include "db_int.h"
#include "embedded.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Licences per vGPU series: vgpu.md §4 (Citrix vGPU profile page; AI Enterprise 8 reference). */
static const struct {
    const char *name, *license, *source;
} series_info[] = {
    [GPV_SERIES_A] = {"A", "NVIDIA Virtual Applications",
                      "NVIDIA vGPU docs, Citrix vGPU profile page: A-series needs vApps"},
    [GPV_SERIES_B] = {"B", "NVIDIA Virtual PC (or RTX vWS)",
                      "NVIDIA vGPU docs, Citrix vGPU profile page: B-series needs vPC or vWS"},
    [GPV_SERIES_C] = {"C", "NVIDIA AI Enterprise",
                      "NVIDIA AI Enterprise 8 vGPU reference: vGPU for Compute is licensed "
                      "exclusively through NVIDIA AI Enterprise"},
    [GPV_SERIES_Q] = {"Q", "NVIDIA RTX Virtual Workstation",
                      "NVIDIA vGPU docs, Citrix vGPU profile page: Q-series needs RTX vWS"},
};

const char *
gpv_series_name(enum gpv_series s)
{
    return series_info[s].name;
}

const char *
gpv_series_license(enum gpv_series s)
{
    return series_info[s].license;
}

bool
gpv_series_license_covers(enum gpv_series licence, enum gpv_series s)
{
    /* An RTX vWS licence also covers B-series (vgpu.md §4); the rest cover their own series. */
    return licence == s || (licence == GPV_SERIES_Q && s == GPV_SERIES_B);
}

const char *
gpv_series_license_source(enum gpv_series s)
{
    return series_info[s].source;
}

/* ---- freeing ---------------------------------------------------------------------------- */

static void
free_strv(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
mig_free(struct gpv_mig *mig)
{
    size_t i;

    if (!mig)
        return;
    for (i = 0; i < mig->nprofiles; i++) {
        free(mig->profiles[i].name);
        free(mig->profiles[i].note);
        free_strv(mig->profiles[i].aliases, mig->profiles[i].naliases);
    }
    free(mig->profiles);
    for (i = 0; i < mig->nconstraints; i++)
        free(mig->constraints[i].reason);
    free(mig->constraints);
    free(mig);
}

static void
vgpu_free(struct gpv_vgpu *vgpu)
{
    size_t i;

    if (!vgpu)
        return;
    free_strv(vgpu->prefixes, vgpu->nprefixes);
    for (i = 0; i < vgpu->ntypes; i++) {
        free(vgpu->types[i].name);
        free(vgpu->types[i].placements);
    }
    free(vgpu->types);
    free(vgpu);
}

void
gpv_db_gpu_free(struct gpv_gpu *gpu)
{
    size_t i;

    if (!gpu || gpu->builtin)
        return;
    free(gpu->id);
    free(gpu->name);
    free(gpu->architecture);
    free(gpu->origin);
    free_strv(gpu->aliases, gpu->naliases);
    free_strv(gpu->notes, gpu->nnotes);
    for (i = 0; i < gpu->nsources; i++) {
        free(gpu->sources[i].id);
        free(gpu->sources[i].title);
        free(gpu->sources[i].url);
    }
    free(gpu->sources);
    mig_free(gpu->mig);
    vgpu_free(gpu->vgpu);
    free(gpu);
}

void
gpv_db_init(struct gpv_db *db)
{
    db->ngpus = 0;
    db->gpus = NULL;
}

void
gpv_db_release(struct gpv_db *db)
{
    size_t i;

    for (i = 0; i < db->ngpus; i++)
        gpv_db_gpu_free(db->gpus[i]);
    free(db->gpus);
    gpv_db_init(db);
}

static int
gpu_id_cmp(const void *a, const void *b)
{
    return strcmp((*(struct gpv_gpu *const *)a)->id, (*(struct gpv_gpu *const *)b)->id);
}

int
gpv_db_load_embedded(struct gpv_db *db, struct gpv_error *err)
{
    size_t i;

    if (gpv_db_compiled_count == 0)
        return gpv_db_load_embedded_yaml(db, err);
    db->gpus = xreallocarray(db->gpus, db->ngpus + gpv_db_compiled_count, sizeof(*db->gpus));
    for (i = 0; i < gpv_db_compiled_count; i++)
        db->gpus[db->ngpus++] = gpv_db_compiled[i];
    if (db->ngpus > gpv_db_compiled_count)
        qsort(db->gpus, db->ngpus, sizeof(*db->gpus), gpu_id_cmp);
    return 0;
}

int
gpv_db_load_embedded_yaml(struct gpv_db *db, struct gpv_error *err)
{
    size_t i;
    int rc;

    for (i = 0; i < gpv_embedded_count; i++) {
        const struct gpv_embedded_file *f = &gpv_embedded_files[i];

        if (strncmp(f->name, "profiles/gpus/", 14) != 0)
            continue;
        if ((rc = gpv_db_load_mem(db, f->data, f->len, f->name, false, err)))
            return rc;
    }
    return 0;
}

/* ---- names ------------------------------------------------------------------------------ */

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads exactly n hex digits (n = 0: 1 to 8) from *s, advancing it. */
static bool
hex_field(unsigned *out, const char **s, int n)
{
    unsigned v = 0;
    int k = 0, h;

    while ((n == 0 || k < n) && (h = hex_digit((*s)[0])) >= 0 && k < 8) {
        v = v << 4 | (unsigned)h;
        (*s)++;
        k++;
    }
    if (k == 0 || (n && k != n))
        return false;
    *out = v;
    return true;
}

static bool
skip_0x(const char **s)
{
    if ((*s)[0] != '0' || ((*s)[1] != 'x' && (*s)[1] != 'X'))
        return false;
    *s += 2;
    return true;
}

bool
gpv_pci_id_parse(struct gpv_pci_id *out, const char *s)
{
    struct gpv_pci_id r = {0, 0, 0, 0};
    const char *p = s, *q;
    unsigned v;

    if (!s)
        return false;
    if (skip_0x(&p)) {
        q = p;
        if (!hex_field(&v, &p, 0) || (p - q != 4 && p - q != 8 && p - q > 4))
            return false;
        if (p - q == 8) {
            r.device = v >> 16;
            r.vendor = v & 0xFFFFu;
        } else {
            r.device = v;
        }
        if (*p == ':') {
            p++;
            if (!r.vendor || !skip_0x(&p) || !hex_field(&v, &p, 8))
                return false;
            r.subsys_device = v >> 16;
            r.subsys_vendor = v & 0xFFFFu;
        }
    } else {
        /* lspci -nn's "10de:2330": vendor first, four digits each, no 0x. */
        if (!hex_field(&r.vendor, &p, 4) || *p++ != ':' || !hex_field(&r.device, &p, 4))
            return false;
    }
    if (*p)
        return false;
    *out = r;
    return true;
}

/* Whether the PCI id of a model alias ("0x2330") is the device of id. */
static bool
pci_alias_match(const char *alias, const struct gpv_pci_id *id)
{
    struct gpv_pci_id a;

    return gpv_pci_id_parse(&a, alias) && a.device == id->device;
}

static bool
starts_with_ci(const char *s, const char *prefix)
{
    return !strncasecmp(s, prefix, strlen(prefix));
}

/*
 * The form names are compared in: lowercase with spaces, '-' and '_' removed, a leading "NVIDIA"
 * and "Tesla" dropped (nvidia-smi prints "NVIDIA H100 PCIe", "Tesla T4"; GPU feature discovery
 * labels products "NVIDIA-A100-SXM4-80GB"), and GPU feature discovery's "-SHARED" and
 * "-MIG-<profile>" suffixes dropped. "H100 SXM5" and "h100-sxm5" compare equal.
 */
static void
squash(char *dst, size_t n, const char *s)
{
    static const char *const prefixes[] = {"nvidia", "tesla"};
    size_t k = 0, i, len;
    const char *end = s + strlen(s);

    for (i = 0; s + i < end; i++)
        if (starts_with_ci(s + i, "-mig-") || starts_with_ci(s + i, " mig ")) {
            end = s + i;
            break;
        }
    for (; s < end && k + 1 < n; s++)
        if (*s != ' ' && *s != '-' && *s != '_')
            dst[k++] = (char)tolower((unsigned char)*s);
    dst[k] = '\0';
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        len = strlen(prefixes[i]);
        if (k > len && !strncmp(dst, prefixes[i], len)) {
            memmove(dst, dst + len, k - len + 1);
            k -= len;
        }
    }
    if (k > 6 && !strcmp(dst + k - 6, "shared"))
        dst[k - 6] = '\0';
}

/*
 * How a name matches a model: 2 exactly, 1 in the squashed form, 0 not at all. With
 * exact_only, 1 is never returned (the squashed forms are not computed: resolving every GPU of
 * a large plan by its id stays fast).
 */
static int
name_match(const struct gpv_gpu *gpu, const char *name, const char *squashed, bool exact_only)
{
    char b[128];
    size_t i;

    if (gpv_strieq(gpu->id, name))
        return 2;
    for (i = 0; i < gpu->naliases; i++)
        if (gpv_strieq(gpu->aliases[i], name))
            return 2;
    if (exact_only)
        return 0;
    squash(b, sizeof(b), gpu->id);
    if (!strcmp(squashed, b))
        return 1;
    for (i = 0; i < gpu->naliases; i++) {
        squash(b, sizeof(b), gpu->aliases[i]);
        if (!strcmp(squashed, b))
            return 1;
    }
    return 0;
}

/* Whether a squashed name of gpu begins with the squashed input. */
static bool
name_prefix(const struct gpv_gpu *gpu, const char *squashed)
{
    char b[128];
    size_t i, n = strlen(squashed);

    squash(b, sizeof(b), gpu->id);
    if (!strncmp(b, squashed, n))
        return true;
    for (i = 0; i < gpu->naliases; i++) {
        squash(b, sizeof(b), gpu->aliases[i]);
        if (!strncmp(b, squashed, n))
            return true;
    }
    return false;
}

size_t
gpv_db_resolve(const struct gpv_gpu **out, size_t cap, const struct gpv_db *db, const char *name)
{
    struct gpv_pci_id pci;
    char a[128];
    size_t i, k, n = 0;
    int pass;

    squash(a, sizeof(a), name);
    for (pass = 2; pass > 0; pass--)
        for (i = 0; i < db->ngpus; i++)
            if (name_match(db->gpus[i], name, a, pass == 2) == pass) {
                if (cap)
                    out[0] = db->gpus[i];
                return 1;
            }
    if (gpv_pci_id_parse(&pci, name)) {
        if (pci.vendor && pci.vendor != 0x10DE)
            return 0;
        for (i = 0; i < db->ngpus; i++)
            for (k = 0; k < db->gpus[i]->naliases; k++)
                if (pci_alias_match(db->gpus[i]->aliases[k], &pci)) {
                    if (cap)
                        out[0] = db->gpus[i];
                    return 1;
                }
        return 0;
    }
    /* A family name ("a100", "h100") that begins the names of several models is ambiguous; one
     * that begins the names of a single model is not taken as that model (a prefix is a guess). */
    if (strlen(a) < 2)
        return 0;
    for (i = 0; i < db->ngpus; i++)
        if (name_prefix(db->gpus[i], a)) {
            if (n < cap)
                out[n] = db->gpus[i];
            n++;
        }
    return n > 1 ? n : 0;
}

const struct gpv_gpu *
gpv_db_find(const struct gpv_db *db, const char *name)
{
    const struct gpv_gpu *g;

    return gpv_db_resolve(&g, 1, db, name) == 1 ? g : NULL;
}

/* The closest model name to an unknown one, or NULL when none shares enough with it. */
static const struct gpv_gpu *
suggest(const struct gpv_db *db, const char *name)
{
    const struct gpv_gpu **owner = NULL;
    char **cands = NULL, a[128];
    const struct gpv_gpu *near = NULL;
    size_t i, k, n = 0;
    int s;

    for (i = 0; i < db->ngpus; i++)
        n += 1 + db->gpus[i]->naliases;
    cands = xcalloc(n ? n : 1, sizeof(*cands));
    owner = xcalloc(n ? n : 1, sizeof(*owner));
    n = 0;
    for (i = 0; i < db->ngpus; i++)
        for (k = 0; k <= db->gpus[i]->naliases; k++) {
            const char *c = k ? db->gpus[i]->aliases[k - 1] : db->gpus[i]->id;

            if (gpv_pci_id_parse(&(struct gpv_pci_id){0, 0, 0, 0}, c))
                continue;
            squash(a, sizeof(a), c);
            owner[n] = db->gpus[i];
            cands[n++] = xstrdup(a);
        }
    squash(a, sizeof(a), name);
    s = gpv_suggest(a, (const char *const *)cands, n);
    /* An edit distance alone suggests "a10" for "zzz"-like input: also ask for the same family,
     * the first two characters ("h1", "a1", "l4"). */
    if (s >= 0 && strlen(a) >= 2 && !strncmp(cands[s], a, 2))
        near = owner[s];
    for (i = 0; i < n; i++)
        free(cands[i]);
    free(cands);
    free(owner);
    return near;
}

const struct gpv_gpu *
gpv_db_lookup(const struct gpv_db *db, const char *name, struct gpv_error *err)
{
    const struct gpv_gpu *found[16], *near;
    struct gpv_pci_id pci;
    struct gpv_buf b;
    size_t i, n = gpv_db_resolve(found, 16, db, name);

    if (n == 1)
        return found[0];
    if (n > 1) {
        gpv_buf_init(&b);
        for (i = 0; i < n && i < 16; i++)
            gpv_buf_printf(&b, "%s'%s'", i ? (i + 1 == n ? " or " : ", ") : "", found[i]->id);
        gpv_error_set(err, GPV_EINPUT, NULL, 0, 0, "ambiguous GPU '%s': it could be %s", name,
                      gpv_buf_str(&b));
        gpv_buf_release(&b);
        return NULL;
    }
    if (gpv_pci_id_parse(&pci, name)) {
        if (pci.vendor && pci.vendor != 0x10DE)
            gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                          "'%s' is not an NVIDIA PCI id (vendor 0x%04X, NVIDIA is 0x10DE)", name,
                          pci.vendor);
        else
            gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                          "unknown GPU '%s': no model has PCI device id 0x%04X; `gpuvplan gpus` "
                          "lists the models",
                          name, pci.device);
        return NULL;
    }
    if ((near = suggest(db, name)))
        gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                      "unknown GPU '%s' (did you mean '%s'?); `gpuvplan gpus` lists them all", name,
                      near->id);
    else
        gpv_error_set(err, GPV_EINPUT, NULL, 0, 0,
                      "unknown GPU '%s'; `gpuvplan gpus` lists the models", name);
    return NULL;
}

int
gpv_gpu_find_profile(const struct gpv_gpu *gpu, const char *name_or_id)
{
    long long id;
    size_t i, k;

    if (!gpu->mig)
        return -1;
    for (i = 0; i < gpu->mig->nprofiles; i++)
        if (gpv_strieq(gpu->mig->profiles[i].name, name_or_id))
            return (int)i;
    for (i = 0; i < gpu->mig->nprofiles; i++)
        for (k = 0; k < gpu->mig->profiles[i].naliases; k++)
            if (gpv_strieq(gpu->mig->profiles[i].aliases[k], name_or_id))
                return (int)i;
    if (gpv_parse_ll(&id, name_or_id, 0, 255))
        for (i = 0; i < gpu->mig->nprofiles; i++)
            if (gpu->mig->profiles[i].id == id)
                return (int)i;
    return -1;
}

int
gpv_gpu_suggest_profile(const struct gpv_gpu *gpu, const char *name)
{
    const char *cands[GPV_MIG_MAX_PROFILES];
    const char *dot = strchr(name, '.');
    size_t i, n = dot ? (size_t)(dot - name) : 0;
    int s;

    if (!gpu->mig)
        return -1;
    /* Prefer a profile with the same compute slices: "2g.10gb" means "a 2g profile" more than
     * "a 10gb profile" (2g.20gb rather than 1g.10gb on an H100-80GB). */
    for (i = 0; i < gpu->mig->nprofiles; i++) {
        const char *pn = gpu->mig->profiles[i].name;

        cands[i] = (n && !strncasecmp(pn, name, n) && pn[n] == '.') ? pn : NULL;
    }
    if (n && (s = gpv_suggest(name, cands, gpu->mig->nprofiles)) >= 0)
        return s;
    for (i = 0; i < gpu->mig->nprofiles; i++)
        cands[i] = gpu->mig->profiles[i].name;
    return gpv_suggest(name, cands, gpu->mig->nprofiles);
}

/* The type named exactly (any prefix of the model), or -1. */
static int
find_vgpu_type(const struct gpv_gpu *gpu, const char *name)
{
    size_t i, p, n;
    const char *suffix;

    if (!gpu->vgpu)
        return -1;
    for (i = 0; i < gpu->vgpu->ntypes; i++)
        if (gpv_strieq(gpu->vgpu->types[i].name, name))
            return (int)i;
    /* "H100XM-20C" names the same type as "H100-20C": compare what follows the prefix. */
    for (p = 0; p < gpu->vgpu->nprefixes; p++) {
        n = strlen(gpu->vgpu->prefixes[p]);
        if (strncasecmp(name, gpu->vgpu->prefixes[p], n) || name[n] != '-')
            continue;
        suffix = name + n;
        for (i = 0; i < gpu->vgpu->ntypes; i++) {
            const char *t = gpu->vgpu->types[i].name;
            /* Types are named with the first prefix, which may itself contain '-'. */
            size_t n0 = strlen(gpu->vgpu->prefixes[0]);

            if (!strncmp(t, gpu->vgpu->prefixes[0], n0) && gpv_strieq(t + n0, suffix))
                return (int)i;
        }
    }
    return -1;
}

int
gpv_gpu_find_vgpu_type(const struct gpv_gpu *gpu, const char *name)
{
    char buf[128];
    size_t n = strlen(name);
    int i = find_vgpu_type(gpu, name);

    /* vgpu-device-manager writes "DC-1-24CGFX" for type DC-1-24C on a +gfx GPU instance. */
    if (i < 0 && n > 3 && n < sizeof(buf) && !strcasecmp(name + n - 3, "gfx")) {
        memcpy(buf, name, n - 3);
        buf[n - 3] = '\0';
        i = find_vgpu_type(gpu, buf);
        if (i >= 0 && (gpu->vgpu->types[i].mig_profile < 0 ||
                       !strstr(gpu->mig->profiles[gpu->vgpu->types[i].mig_profile].name, "+gfx")))
            i = -1;
    }
    return i;
}

void
gpv_db_cache_init(struct gpv_db_cache *cache)
{
    memset(cache, 0, sizeof(*cache));
}

static int
find_cached(struct gpv_db_cache *cache, const struct gpv_gpu *gpu, const char *name, bool vgpu)
{
    struct gpv_db_cache_entry *e;
    size_t n = strlen(name);
    uint64_t a = 0, b = 0;
    uint32_t h;

    if (n >= sizeof(e->name))
        return vgpu ? gpv_gpu_find_vgpu_type(gpu, name) : gpv_gpu_find_profile(gpu, name);
    /* Hashed by its first and last eight bytes and its length (a check looks up about 200,000
     * names: hashing each byte cost more than the lookup); the entry compares the whole name. */
    memcpy(&a, name, n < 8 ? n : 8);
    if (n > 8)
        memcpy(&b, name + n - 8, 8);
    a = (a ^ (b * 0x9e3779b97f4a7c15u) ^ n) * 0xff51afd7ed558ccdu;
    h = (uint32_t)(a >> 32) ^ (uint32_t)((uintptr_t)gpu >> 4) ^ (vgpu ? 0x9e3779b9u : 0);
    e = &cache->e[(h ^ h >> 16) % GPV_DB_CACHE];
    if (e->gpu == gpu && e->vgpu == vgpu && !memcmp(e->name, name, n + 1))
        return e->idx;
    e->gpu = gpu;
    e->vgpu = vgpu;
    memcpy(e->name, name, n + 1);
    e->idx = vgpu ? gpv_gpu_find_vgpu_type(gpu, name) : gpv_gpu_find_profile(gpu, name);
    return e->idx;
}

int
gpv_gpu_find_profile_cached(struct gpv_db_cache *cache, const struct gpv_gpu *gpu,
                            const char *name_or_id)
{
    return find_cached(cache, gpu, name_or_id, false);
}

int
gpv_gpu_find_vgpu_type_cached(struct gpv_db_cache *cache, const struct gpv_gpu *gpu,
                              const char *name)
{
    return find_cached(cache, gpu, name, true);
}

const struct gpv_source *
gpv_gpu_source(const struct gpv_gpu *gpu, const char *id)
{
    size_t i;

    for (i = 0; i < gpu->nsources; i++)
        if (!strcmp(gpu->sources[i].id, id))
            return &gpu->sources[i];
    return NULL;
}

long long
gpv_gpu_max_mig_memory(const struct gpv_gpu *gpu)
{
    long long best = 0;
    size_t i;

    if (!gpu->mig)
        return 0;
    for (i = 0; i < gpu->mig->nprofiles; i++)
        if (gpu->mig->profiles[i].memory_mib > best)
            best = gpu->mig->profiles[i].memory_mib;
    return best;
}
