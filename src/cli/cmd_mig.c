/*
 * gpuvplan mig check GPU [Nx]PROFILE...: is a MIG geometry valid, where does each instance sit.
 * gpuvplan mig layouts GPU [--maximal]: every valid geometry of a model, with a witness each.
 */
#include "cli.h"
#include "gpuvplan/width.h"
#include "opt.h"
#include "draw.h"
#include "gpuvplan/mig.h"
#include "gpuvplan/mig_text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SPEC_COUNT  1000   /* the N of an `Nx` spec */
#define MAX_LAYOUTS     200000 /* `mig layouts` stops past this many (a runaway custom model) */
#define MAX_SUGGESTIONS 3
#define GRID_INDENT     "    " /* where `mig layouts` draws each grid */

static const char mig_usage_about[] =
    "Answers MIG geometry questions offline, exactly: whether a GPU accepts a set of GPU\n"
    "instances together and where each one sits (check), or every set it accepts (layouts).\n"
    "`gpuvplan mig check --help` and `gpuvplan mig layouts --help` say more.\n";

static const char check_usage_about[] =
    "Decides whether GPU accepts these MIG GPU instances at the same time. Each SPEC is a\n"
    "profile name or nvidia-smi profile id, any case, optionally with a count: 4x1g.20gb,\n"
    "3g.40gb, 19; several may be joined with commas (4x1g.20gb,3g.40gb).\n"
    "\n"
    "Valid (exit 0): every instance with its start unit and size, and the grid drawn.\n"
    "Not valid (exit 1): every reason: an unknown profile (with the closest names), a count\n"
    "above the profile's max, a per-GPU rule (media engines, driver limits), or no choice of\n"
    "start units that keeps the instances apart (which instances take the room, and how\n"
    "many fit). A malformed SPEC exits 2; an unknown GPU, or one without MIG, exits 3.\n"
    "\n"
    "Reading the grid: the GPU's placement grid (8 units on A100/H100-class GPUs, 4 on A30,\n"
    "12 on RTX PRO 6000) with unit numbers above; each instance is a span |...| across the\n"
    "units it occupies, labelled with its profile; 'free' (or dots) marks unused units.\n";

static const char check_usage_footer[] =
    "Examples:\n"
    "  gpuvplan mig check h100-80gb 4x1g.20gb\n"
    "  gpuvplan mig check a100-40gb 4g.20gb 3g.20gb --driver 470\n";

static const char layouts_usage_about[] =
    "Lists every valid MIG geometry of GPU: each multiset of GPU-instance profiles the GPU\n"
    "accepts at the same time, with one placement that works, largest profiles first, and a\n"
    "count at the end. A layout is maximal when no instance of any profile can be added.\n"
    "Each layout's profiles are written as `mig check` takes them.\n";

/* One parsed SPEC: the count and the profile as written. */
struct spec {
    int count;
    char *name;
    int profile; /* index, or -1 when the model has no such profile */
};

struct spec_list {
    size_t n, cap;
    struct spec *items;
};

static void
spec_list_free(struct spec_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i].name);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

static bool
profile_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '+' || c == '-' || c == '_';
}

/*
 * Parses one comma-separated item `[Nx]PROFILE` of s[0..len). Returns true and appends it,
 * or prints a usage error and returns false.
 */
static bool
parse_item(struct spec_list *l, const char *s, size_t len, const char *arg)
{
    size_t i = 0, k;
    long long n = 1;
    char num[16];

    if (len == 0)
        return cli_usage_error("mig check", "empty profile in '%s'", arg), false;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i > 0 && i < len && (s[i] == 'x' || s[i] == 'X')) {
        if (i < sizeof(num)) {
            memcpy(num, s, i);
            num[i] = '\0';
        }
        if (i >= sizeof(num) || !gpv_parse_ll(&n, num, 1, MAX_SPEC_COUNT)) {
            cli_usage_error("mig check", "count in '%.*s' must be 1 to %d", (int)len, s,
                            MAX_SPEC_COUNT);
            return false;
        }
        s += i + 1;
        len -= i + 1;
        if (len == 0)
            return cli_usage_error("mig check", "'%s' has a count but no profile", arg), false;
    }
    for (k = 0; k < len; k++) {
        if (!profile_char(s[k])) {
            cli_usage_error("mig check",
                            "malformed profile '%s': expected [Nx]PROFILE, like 4x1g.20gb", arg);
            return false;
        }
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
    }
    l->items[l->n].count = (int)n;
    l->items[l->n].name = xstrndup(s, len);
    l->items[l->n].profile = -1;
    l->n++;
    return true;
}

static bool
parse_spec(struct spec_list *l, const char *arg)
{
    const char *s = arg, *comma;

    for (;;) {
        comma = strchr(s, ',');
        if (!parse_item(l, s, comma ? (size_t)(comma - s) : strlen(s), arg))
            return false;
        if (!comma)
            return true;
        s = comma + 1;
    }
}

/* The "2g" of "2g.10gb": length of the leading digits plus 'g', or 0. */
static size_t
slice_prefix(const char *s)
{
    size_t i = 0;

    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return i > 0 && (s[i] == 'g' || s[i] == 'G') ? i + 1 : 0;
}

/*
 * The closest profile names to a missing one: every name gpv_suggest_all() offers, those with
 * the same compute slices ("2g") first. Writes up to MAX_SUGGESTIONS indexes to out; returns how
 * many.
 */
static int
suggest_profiles(int *out, const struct gpv_mig *mig, const char *name)
{
    const char *names[GPV_MIG_MAX_PROFILES];
    int close[GPV_MIG_MAX_PROFILES];
    size_t i, nclose, pre = slice_prefix(name);
    int n = 0, pass;

    for (i = 0; i < mig->nprofiles; i++)
        names[i] = mig->profiles[i].name;
    nclose = gpv_suggest_all(close, GPV_MIG_MAX_PROFILES, name, names, mig->nprofiles);
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < nclose && n < MAX_SUGGESTIONS; i++) {
            const char *pn = names[close[i]];
            bool same = pre && slice_prefix(pn) == pre && !strncasecmp(pn, name, pre);

            if (same == (pass == 0))
                out[n++] = close[i];
        }
    }
    return n;
}

/* gpv_mig_text_driver() into a fixed buffer, for a printf argument. */
static const char *
driver_str(char *buf, size_t n, int driver)
{
    struct gpv_buf b;

    gpv_buf_init(&b);
    gpv_mig_text_driver(&b, driver);
    snprintf(buf, n, "%s", gpv_buf_str(&b));
    gpv_buf_release(&b);
    return buf;
}

static struct gpv_val *
placement_value(const struct gpv_mig *mig, const struct gpv_mig_layout *l, int skip_profile)
{
    struct gpv_val *a = gpv_val_arr();
    int i;

    for (i = 0; i < l->n; i++) {
        struct gpv_val *o;

        if (l->inst[i].profile == skip_profile)
            continue;
        o = gpv_val_push(a, gpv_val_obj());
        gpv_val_set_str(o, "profile", mig->profiles[l->inst[i].profile].name);
        gpv_val_set_int(o, "start", l->inst[i].start);
        gpv_val_set_int(o, "size", mig->profiles[l->inst[i].profile].size);
    }
    return a;
}

static void
set_driver(struct gpv_val *o, int driver)
{
    if (driver)
        gpv_val_set_int(o, "driver", driver);
    else
        gpv_val_set(o, "driver", gpv_val_null());
}

static struct gpv_val *
reason_value(const struct gpv_gpu *gpu, const struct gpv_mig_reason *r, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    struct gpv_val *o = gpv_val_obj(), *a;
    struct gpv_buf msg;
    int i;

    gpv_buf_init(&msg);
    gpv_val_set_str(o, "kind", gpv_mig_reason_kind_name(r->kind));
    switch (r->kind) {
    case GPV_MIG_R_OVER_MAX:
        gpv_val_set_str(o, "profile", mig->profiles[r->profile].name);
        gpv_val_set_int(o, "count", r->count);
        gpv_val_set_int(o, "max", r->limit);
        break;
    case GPV_MIG_R_TOO_NEW:
        gpv_val_set_str(o, "profile", mig->profiles[r->profile].name);
        gpv_val_set_int(o, "since_driver", r->limit);
        set_driver(o, driver);
        break;
    case GPV_MIG_R_CONSTRAINT: {
        const struct gpv_mig_constraint *c = &mig->constraints[r->constraint];
        size_t k;

        a = gpv_val_set(o, "profiles", gpv_val_arr());
        for (k = 0; k < mig->nprofiles; k++)
            if ((r->involved >> k) & 1)
                gpv_val_push(a, gpv_val_str(mig->profiles[k].name));
        gpv_val_set_int(o, "count", r->count);
        if (c->kind == GPV_CONSTRAINT_MAX)
            gpv_val_set_int(o, "max", c->max);
        if (c->before_driver)
            gpv_val_set_int(o, "before_driver", c->before_driver);
        gpv_val_set_str(o, "reason", c->reason);
        break;
    }
    case GPV_MIG_R_NO_PLACEMENT:
        gpv_val_set_str(o, "profile", mig->profiles[r->profile].name);
        gpv_val_set_int(o, "count", r->count);
        gpv_val_set_int(o, "fits", r->limit);
        a = gpv_val_set(o, "starts", gpv_val_arr());
        for (i = 0; i < mig->profiles[r->profile].nstarts; i++)
            gpv_val_push(a, gpv_val_int(mig->profiles[r->profile].starts[i]));
        gpv_val_set(o, "beside", placement_value(mig, &r->placed, r->profile));
        gpv_val_set(o, "witness", placement_value(mig, &r->placed, -2));
        gpv_val_set_int(o, "units_needed", r->units_needed);
        gpv_val_set_int(o, "units", mig->units);
        break;
    default:
        break;
    }
    gpv_mig_text_reason(&msg, gpu, NULL, r, driver);
    gpv_val_set_str(o, "message", gpv_buf_str(&msg));
    gpv_buf_release(&msg);
    return o;
}

static void
unknown_message(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct spec *s, const int *sug,
                int nsug)
{
    int i;

    gpv_buf_printf(b, "unknown profile '%s' on %s", s->name, gpu->id);
    if (nsug > 0) {
        gpv_buf_puts(b, " (did you mean ");
        for (i = 0; i < nsug; i++)
            gpv_buf_printf(b, "%s'%s'",
                           i == 0          ? ""
                           : i + 1 == nsug ? " or "
                                           : ", ",
                           gpu->mig->profiles[sug[i]].name);
        gpv_buf_puts(b, "?)");
    }
}

/* "1g.10gb (19), 1g.10gb+me (20), ..." for the hint after an unknown profile. */
static void
put_profile_list(struct gpv_buf *b, const struct gpv_mig *mig)
{
    size_t i;

    for (i = 0; i < mig->nprofiles; i++)
        gpv_buf_printf(b, "%s%s\001(%d)", i ? ", " : "", mig->profiles[i].name,
                       mig->profiles[i].id);
}

/*
 * Prints text wrapped at cli_columns(), the first line after `first`, the others after `rest`.
 * A \001 in text is a space that never breaks.
 */
static void
print_wrapped(const char *first, const char *rest, const char *text)
{
    cli_wrap_at(stdout, cli_columns(), first, rest, text);
}

static void
print_layout_table(const struct gpv_gpu *gpu, const struct gpv_mig_layout *l)
{
    const struct gpv_mig *mig = gpu->mig;
    struct gpv_draw d = {"  ", 0, cli_columns(), true, NULL};
    struct gpv_buf b;
    int i;

    printf("  %-16s %3s %5s %4s  %s\n", "PROFILE", "ID", "START", "SIZE", "UNITS");
    for (i = 0; i < l->n; i++) {
        const struct gpv_mig_profile *p = &mig->profiles[l->inst[i].profile];

        gpv_buf_init(&b);
        gpv_mig_text_units(&b, l->inst[i].start, p->size);
        printf("  %-16s %3d %5d %4d  %s\n", p->name, p->id, l->inst[i].start, p->size,
               gpv_buf_str(&b));
        gpv_buf_release(&b);
    }
    printf("\n");
    gpv_buf_init(&b);
    gpv_draw_layout(&b, gpu, l, &d);
    fputs(gpv_buf_str(&b), stdout);
    gpv_buf_release(&b);
}

/* What still fits beside a valid layout: "1g.10gb (up to 2 more), ...", or that nothing does. */
static void
print_room(const struct gpv_gpu *gpu, const int *counts, const struct gpv_mig_layout *l, int driver)
{
    const struct gpv_mig *mig = gpu->mig;
    struct gpv_buf b;
    int used = 0, i, k;
    size_t p;
    bool any = false;

    for (i = 0; i < l->n; i++)
        used += mig->profiles[l->inst[i].profile].size;
    gpv_buf_init(&b);
    gpv_buf_printf(&b, "%d of %d units used; ", used, mig->units);
    for (p = 0; p < mig->nprofiles; p++) {
        k = gpv_mig_max_more(gpu, counts, (int)p, driver);
        if (k <= 0)
            continue;
        gpv_buf_printf(&b, "%s%s (%d more)", any ? ", " : "still fits: ", mig->profiles[p].name, k);
        any = true;
    }
    if (!any)
        gpv_buf_puts(&b, "maximal: no instance of any profile can be added");
    print_wrapped("\n  ", "    ", gpv_buf_str(&b));
    gpv_buf_release(&b);
}

static int
parse_driver_opt(int *out, const char *arg, const char *cmd)
{
    if (gpv_mig_parse_driver(out, arg))
        return 0;
    return cli_usage_error(cmd,
                           "--driver takes a driver version like 535, R510 or 535.183.01, "
                           "not '%s'",
                           arg);
}

/* Looks up the GPU and makes sure it has MIG. Returns NULL after reporting (exit 3). */
static const struct gpv_gpu *
mig_gpu(struct gpv_cli *cli, const char *name, int *rc)
{
    const struct gpv_gpu *gpu;
    struct gpv_error err;

    gpv_error_init(&err);
    if (cli_db(cli, &err) || !(gpu = gpv_db_lookup(&cli->db, name, &err))) {
        *rc = cli_report(&err);
        return NULL;
    }
    if (!gpu->mig) {
        gpv_error_set(&err, GPV_EINPUT, NULL, 0, 0,
                      "GPU '%s' (%s) does not support MIG; `gpuvplan gpus` lists the models "
                      "that do",
                      gpu->id, gpu->name);
        *rc = cli_report(&err);
        return NULL;
    }
    return gpu;
}

static int
mig_check(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *driver_arg = NULL;
    const struct cli_opt opts[] = {
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_STRING(
            'd', "driver", "VERSION", &driver_arg,
            "apply that driver's rules (535, R510 or 535.183.01); default: the newest driver's"),
        CLI_QUIET(&cli->quiet),
        CLI_END,
    };
    const struct cli_spec spec = {
        "mig check", "GPU [Nx]PROFILE...", check_usage_about, check_usage_footer, opts, false};
    struct cli_args args;
    struct spec_list specs = {0, 0, NULL};
    struct gpv_mig_reason *reasons = NULL;
    int counts[GPV_MIG_MAX_PROFILES];
    int sug[MAX_SUGGESTIONS];
    const struct gpv_gpu *gpu;
    struct gpv_mig_layout layout;
    struct gpv_val *v = NULL, *ra;
    struct gpv_error err;
    struct gpv_buf b;
    int rc = GPV_EXIT_OK, driver = 0, nreasons = 0, nunknown = 0, nsug, i, total;
    size_t k;
    bool valid = false;
    char dbuf[32];

    gpv_error_init(&err);
    gpv_buf_init(&b);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    if (driver_arg && parse_driver_opt(&driver, driver_arg, "mig check"))
        return GPV_EXIT_USAGE;
    argc = args.n + 1; /* the positional arguments are argv[1..argc) now */
    if (argc < 2)
        return cli_usage_error("mig check", "which GPU? (`gpuvplan gpus` lists them)");
    if (argc < 3)
        return cli_usage_error("mig check",
                               "which profiles? e.g. `gpuvplan mig check %s "
                               "4x1g.20gb` (`gpuvplan show %s` lists them)",
                               argv[1], argv[1]);
    for (i = 2; i < argc; i++) {
        if (!parse_spec(&specs, argv[i])) {
            rc = GPV_EXIT_USAGE;
            goto out;
        }
    }
    if (!(gpu = mig_gpu(cli, argv[1], &rc)))
        goto out;

    for (k = 0; k < gpu->mig->nprofiles; k++)
        counts[k] = 0;
    for (k = 0; k < specs.n; k++) {
        specs.items[k].profile = gpv_gpu_find_profile(gpu, specs.items[k].name);
        if (specs.items[k].profile < 0)
            nunknown++;
        else
            counts[specs.items[k].profile] += specs.items[k].count;
    }
    total = gpv_mig_explain(NULL, 0, gpu, counts, driver);
    reasons = xcalloc(total > 0 ? (size_t)total : 1, sizeof(*reasons));
    nreasons = gpv_mig_explain(reasons, total, gpu, counts, driver);
    valid = nunknown == 0 && nreasons == 0 && gpv_mig_place(&layout, gpu, counts, driver);

    if (fmt != GPV_FMT_TABLE) {
        v = gpv_val_obj();
        gpv_val_set_str(v, "gpu", gpu->id);
        set_driver(v, driver);
        gpv_val_set_bool(v, "valid", valid);
        if (valid)
            gpv_val_set(v, "placement", placement_value(gpu->mig, &layout, -2));
        else
            gpv_val_set(v, "placement", gpv_val_arr());
        ra = gpv_val_set(v, "reasons", gpv_val_arr());
        for (k = 0; k < specs.n; k++) {
            struct gpv_val *o, *sa;

            if (specs.items[k].profile >= 0)
                continue;
            nsug = suggest_profiles(sug, gpu->mig, specs.items[k].name);
            o = gpv_val_push(ra, gpv_val_obj());
            gpv_val_set_str(o, "kind", gpv_mig_reason_kind_name(GPV_MIG_R_UNKNOWN));
            gpv_val_set_str(o, "profile", specs.items[k].name);
            sa = gpv_val_set(o, "suggestions", gpv_val_arr());
            for (i = 0; i < nsug; i++)
                gpv_val_push(sa, gpv_val_str(gpu->mig->profiles[sug[i]].name));
            gpv_buf_release(&b);
            unknown_message(&b, gpu, &specs.items[k], sug, nsug);
            gpv_val_set_str(o, "message", gpv_buf_str(&b));
        }
        for (i = 0; i < nreasons; i++)
            gpv_val_push(ra, reason_value(gpu, &reasons[i], driver));
        if (cli_write_value(NULL, v, fmt, NULL, &err)) {
            rc = cli_report(&err);
            goto out;
        }
        rc = valid ? GPV_EXIT_OK : GPV_EXIT_NO;
        goto out;
    }

    driver_str(dbuf, sizeof(dbuf), driver);
    if (valid) {
        gpv_buf_release(&b);
        gpv_buf_printf(&b, "%s%svalid%s: %d instance%s on %s (%s), %d-unit grid, %s", cli_bold(cli),
                       cli_green(cli), cli_reset(cli), layout.n, layout.n == 1 ? "" : "s",
                       gpu->name, gpu->id, gpu->mig->units, dbuf);
        print_wrapped("", "  ", gpv_buf_str(&b));
        printf("\n");
        print_layout_table(gpu, &layout);
        print_room(gpu, counts, &layout, driver);
        rc = GPV_EXIT_OK;
        goto out;
    }
    gpv_buf_release(&b);
    gpv_buf_printf(&b, "%s%snot valid%s on %s (%s), %s: %d reason%s", cli_bold(cli), cli_red(cli),
                   cli_reset(cli), gpu->name, gpu->id, dbuf, nunknown + nreasons,
                   nunknown + nreasons == 1 ? "" : "s");
    print_wrapped("", "  ", gpv_buf_str(&b));
    for (k = 0; k < specs.n; k++) {
        if (specs.items[k].profile >= 0)
            continue;
        nsug = suggest_profiles(sug, gpu->mig, specs.items[k].name);
        gpv_buf_release(&b);
        unknown_message(&b, gpu, &specs.items[k], sug, nsug);
        print_wrapped("  - ", "    ", gpv_buf_str(&b));
    }
    if (nunknown) {
        gpv_buf_release(&b);
        gpv_buf_printf(&b, "profiles on %s (name and id): ", gpu->id);
        put_profile_list(&b, gpu->mig);
        print_wrapped("    ", "    ", gpv_buf_str(&b));
    }
    for (i = 0; i < nreasons; i++) {
        gpv_buf_release(&b);
        gpv_mig_text_reason(&b, gpu, NULL, &reasons[i], driver);
        print_wrapped("  - ", "    ", gpv_buf_str(&b));
        if (reasons[i].kind == GPV_MIG_R_NO_PLACEMENT && reasons[i].placed.n) {
            struct gpv_draw d = {"      ", 0, cli_columns(), true, NULL};

            gpv_buf_release(&b);
            gpv_draw_layout(&b, gpu, &reasons[i].placed, &d);
            fputs(gpv_buf_str(&b), stdout);
        }
    }
    rc = GPV_EXIT_NO;
out:
    gpv_val_free(v);
    gpv_buf_release(&b);
    free(reasons);
    spec_list_free(&specs);
    return rc;
}

/* One layout found by the enumeration. */
struct found {
    unsigned char counts[GPV_MIG_MAX_PROFILES];
    bool maximal;
    struct gpv_mig_layout witness;
};

struct collect {
    size_t nprofiles;
    bool maximal_only;
    size_t total, nmaximal;
    size_t n, cap;
    struct found *items;
};

static int
collect_one(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    struct collect *c = ctx;
    struct found *f;
    size_t p;

    if (c->total >= MAX_LAYOUTS)
        return 1;
    c->total++;
    c->nmaximal += maximal;
    if (c->maximal_only && !maximal)
        return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->items = xreallocarray(c->items, c->cap, sizeof(*c->items));
    }
    f = &c->items[c->n++];
    for (p = 0; p < c->nprofiles; p++)
        f->counts[p] = (unsigned char)counts[p];
    f->maximal = maximal;
    f->witness = *witness;
    return 0;
}

static int
mig_layouts(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *driver_arg = NULL;
    struct collect col;
    const struct cli_opt opts[] = {
        CLI_FORMAT(&fmt, cli_formats_all, "table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_STRING(
            'd', "driver", "VERSION", &driver_arg,
            "apply that driver's rules (535, R510 or 535.183.01); default: the newest driver's"),
        CLI_FLAG('m', "maximal", &col.maximal_only, "list only the maximal layouts"),
        CLI_END,
    };
    const struct cli_spec spec = {"mig layouts", "GPU", layouts_usage_about, NULL, opts, false};
    struct cli_args args;
    const struct gpv_gpu *gpu;
    struct gpv_val *v = NULL, *la;
    struct gpv_error err;
    struct gpv_buf b;
    int order[GPV_MIG_MAX_PROFILES];
    int rc = GPV_EXIT_OK, driver = 0, stopped, w;
    size_t i, k;
    char dbuf[32];

    gpv_error_init(&err);
    gpv_buf_init(&b);
    memset(&col, 0, sizeof(col));
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    rc = GPV_EXIT_OK;
    if (driver_arg && parse_driver_opt(&driver, driver_arg, "mig layouts"))
        return GPV_EXIT_USAGE;
    argc = args.n + 1; /* the positional arguments are argv[1..argc) now */
    if (argc != 2)
        return cli_usage_error("mig layouts", argc == 1 ? "which GPU? (`gpuvplan gpus` lists them)"
                                                        : "one GPU at a time");
    if (!(gpu = mig_gpu(cli, argv[1], &rc)))
        return rc;
    col.nprofiles = gpu->mig->nprofiles;
    stopped = gpv_mig_enumerate(gpu, driver, collect_one, &col);
    if (stopped) {
        gpv_error_set(&err, GPV_EINPUT, NULL, 0, 0,
                      "'%s' has more than %d valid MIG layouts; ask about one with "
                      "`gpuvplan mig check`",
                      gpu->id, MAX_LAYOUTS);
        rc = cli_report(&err);
        goto out;
    }
    gpv_mig_size_order(order, gpu);

    if (fmt != GPV_FMT_TABLE) {
        v = gpv_val_obj();
        gpv_val_set_str(v, "gpu", gpu->id);
        set_driver(v, driver);
        gpv_val_set_int(v, "count", (long long)col.n);
        la = gpv_val_set(v, "layouts", gpv_val_arr());
        for (i = 0; i < col.n; i++) {
            struct gpv_val *o = gpv_val_push(la, gpv_val_obj()), *po;

            po = gpv_val_set(o, "profiles", gpv_val_obj());
            for (k = 0; k < gpu->mig->nprofiles; k++)
                if (col.items[i].counts[order[k]])
                    gpv_val_set_int(po, gpu->mig->profiles[order[k]].name,
                                    col.items[i].counts[order[k]]);
            gpv_val_set_bool(o, "maximal", col.items[i].maximal);
            gpv_val_set(o, "placement", placement_value(gpu->mig, &col.items[i].witness, -2));
        }
        if (cli_write_value(NULL, v, fmt, NULL, &err))
            rc = cli_report(&err);
        goto out;
    }

    {
        char *head =
            xasprintf("%s%s%s (%s): %s MIG layouts on the %d-unit grid, %s", cli_bold(cli),
                      gpu->name, cli_reset(cli), gpu->id, col.maximal_only ? "maximal" : "valid",
                      gpu->mig->units, driver_str(dbuf, sizeof(dbuf), driver));

        cli_wrap(stdout, "", "", head);
        free(head);
    }
    {
        char *note = xasprintf("%s(each line: the profiles as `mig check` takes them, then one "
                               "placement)%s",
                               cli_dim(cli), cli_reset(cli));

        cli_wrap(stdout, "", "", note);
        fputc('\n', stdout);
        free(note);
    }
    w = gpv_draw_max_unit_width(gpu->mig->units, GRID_INDENT, cli_columns());
    if (w > 10)
        w = 10;
    /* One row of unit numbers for every grid; none when the grids are lists. */
    if (gpv_draw_fits(gpu->mig->units, GRID_INDENT, cli_columns()))
        gpv_draw_numbers(&b, gpu->mig->units, w, GRID_INDENT);
    fputs(gpv_buf_str(&b), stdout);
    for (i = 0; i < col.n; i++) {
        struct gpv_draw d = {GRID_INDENT, w, cli_columns(), false, NULL};
        char num[24];
        bool first = true;

        gpv_buf_release(&b);
        for (k = 0; k < gpu->mig->nprofiles; k++) {
            int n = col.items[i].counts[order[k]];

            if (!n)
                continue;
            if (n > 1)
                gpv_buf_printf(&b, "%s%dx%s", first ? "" : " ", n,
                               gpu->mig->profiles[order[k]].name);
            else
                gpv_buf_printf(&b, "%s%s", first ? "" : " ", gpu->mig->profiles[order[k]].name);
            first = false;
        }
        snprintf(num, sizeof(num), "#%zu", i + 1);
        {
            char lead[32];
            char *line;

            snprintf(lead, sizeof(lead), "  %-5s", num);
            if (col.items[i].maximal)
                gpv_buf_printf(&b, "  %smaximal%s", cli_dim(cli), cli_reset(cli));
            line = xasprintf("%s%s", lead, gpv_buf_str(&b));
            /* Two spaces before "maximal" where the line fits; wrapped, the list goes on
             * under itself. */
            if ((int)gpv_width(line) <= cli_columns())
                printf("%s\n", line);
            else
                cli_wrap(stdout, lead, "       ", gpv_buf_str(&b));
            free(line);
        }
        gpv_buf_release(&b);
        gpv_draw_layout(&b, gpu, &col.items[i].witness, &d);
        fputs(gpv_buf_str(&b), stdout);
    }
    if (col.maximal_only)
        printf("\n%zu maximal layout%s (of %zu valid)\n", col.n, col.n == 1 ? "" : "s", col.total);
    else
        printf("\n%zu valid layout%s, %zu maximal\n", col.n, col.n == 1 ? "" : "s", col.nmaximal);
out:
    gpv_val_free(v);
    gpv_buf_release(&b);
    free(col.items);
    return rc;
}

int
cmd_mig(struct gpv_cli *cli, int argc, char **argv)
{
    static const char *const subs[] = {"check", "layouts"};
    const struct cli_opt opts[] = {CLI_END};
    const struct cli_spec spec = {
        "mig", "check GPU [Nx]PROFILE...\nlayouts GPU", mig_usage_about, NULL, opts, true};
    struct cli_args args;
    int s, rc;

    /* Options before the subcommand are mig's own (only --help); the rest are the
     * subcommand's. */
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    if (args.n < 1)
        return cli_usage_error("mig", "which subcommand? check or layouts");
    argc = args.n + 1;
    if (!strcmp(argv[1], "check"))
        return mig_check(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "layouts"))
        return mig_layouts(cli, argc - 1, argv + 1);
    s = gpv_suggest(argv[1], subs, 2);
    if (s >= 0)
        return cli_usage_error("mig", "unknown subcommand '%s' (did you mean '%s'?)", argv[1],
                               subs[s]);
    return cli_usage_error("mig", "unknown subcommand '%s' (check or layouts)", argv[1]);
}
