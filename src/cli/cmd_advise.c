/*
 * gpuvplan advise: the decision guide as a conversation. The answers become one tenant of a
 * tenants file, loaded by the same loader and decided by the same evaluator as `explain`, so
 * advice and explanation cannot disagree.
 */
#include "cli.h"
#include "opt.h"
#include "cli_rules.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TENANT_NAME "advice"
#define INPUT_NAME  "<advise>"

static const char advise_usage_about[] =
    "Walks the decision guide for one tenant and recommends a method (passthrough, vgpu, mig or\n"
    "mig-vgpu) with its MIG profile, vGPU type or whole GPUs, and the rules that decided. The\n"
    "answers form a tenant exactly as a tenants file would (docs/tenants.md) and `explain`'s\n"
    "evaluator decides it: `--tenant-yaml` prints that file, and `gpuvplan explain` on it gives\n"
    "the same decision.\n"
    "\n"
    "With any of the tenant options below, advise answers at once; what is not given takes the\n"
    "tenants file's default. Without them it asks, one question at a time, on a terminal; when\n"
    "standard input is not a terminal it reads one answer per line in this order (an empty\n"
    "line takes the default, in brackets; a wrong or missing line is an error):\n"
    "  1 isolation       [soft] hard (SLA-bound, regulated), soft or none; yes = hard\n"
    "  2 gpu             a model from `gpuvplan gpus`, or empty for every model\n"
    "  3 full GPU        [no] does it need a whole GPU's performance? yes or no\n"
    "  4 workload        [inference] training, inference, hpc, dev, vdi or graphics\n"
    "  5 environment     [container] vm or container\n"
    "  6 live migration  [no] must it move between hosts while running? yes or no\n"
    "  7 licences        [none] comma-separated: ai_enterprise, vws, vpc, vapps\n"
    "  8 memory          GPU memory per instance, with a unit (20GB, 20GiB); may be\n"
    "                    empty only for a whole-GPU tenant\n"
    "\n"
    "Tenant options:\n";

static const char advise_usage_footer[] =
    "Exit status: 0 a method fits, 1 no method is left (every reason is shown), 2 usage error,\n"
    "3 bad input (an answer read from standard input).\n";

/* The answers, as the tenants file spells them. */
struct answers {
    int isolation;   /* enum gpv_isolation */
    int workload;    /* enum gpv_workload */
    int environment; /* enum gpv_environment */
    int os;          /* enum gpv_os: --os only, never asked (the default is linux) */
    bool live_migration, full_gpu, media;
    int gpus;
    char *memory;  /* as typed ("20GB"), checked; NULL when not given */
    char *compute; /* as typed ("0.25"), checked; NULL when not given */
    struct gpv_licenses lic;
    size_t ngpu;
    const struct gpv_gpu **gpu; /* --gpu models, resolved */
};

enum question {
    Q_ISOLATION,
    Q_GPU,
    Q_FULL_GPU,
    Q_WORKLOAD,
    Q_ENVIRONMENT,
    Q_LIVE_MIGRATION,
    Q_LICENSES,
    Q_MEMORY,
    Q_COUNT,
};

/* The decision guide's questions, in the order they are asked (and read off a pipe). */
static const struct {
    const char *name;
    const char *prompt;
} questions[Q_COUNT] = {
    [Q_ISOLATION] = {"isolation", "Is isolation critical: is the tenant SLA-bound or regulated? "
                                  "(hard, soft or none; yes means hard) [soft]"},
    [Q_GPU] = {"gpu", "Which GPU model? (an id from `gpuvplan gpus`; Enter for every model)"},
    [Q_FULL_GPU] = {"full GPU", "Does the workload need a whole GPU's performance? (y/n) [n]"},
    [Q_WORKLOAD] = {"workload",
                    "What runs: training, inference, hpc, dev, vdi (virtual desktops) or "
                    "graphics (workstations)? [inference]"},
    [Q_ENVIRONMENT] = {"environment", "Does it run in a VM or a container? (vm/container) "
                                      "[container]"},
    [Q_LIVE_MIGRATION] = {"live migration",
                          "Must it live-migrate between hosts while running? (y/n) [n]"},
    [Q_LICENSES] = {"licences",
                    "Which licences does the site own? (ai_enterprise, vws, vpc, vapps; "
                    "comma-separated; Enter for none)"},
    [Q_MEMORY] = {"memory", "How much GPU memory does one instance need? (e.g. 20GB or 20GiB)"},
};

static void
answers_init(struct answers *a)
{
    struct gpv_tenant t;

    /* The tenants file's defaults, from the tenant module itself. */
    gpv_tenant_init(&t);
    memset(a, 0, sizeof(*a));
    a->isolation = (int)t.isolation;
    a->workload = (int)t.workload;
    a->environment = (int)t.environment;
    a->os = (int)t.os;
}

static void
answers_release(struct answers *a)
{
    free(a->memory);
    free(a->compute);
    free(a->gpu);
}

/*
 * Matches text against the names name(0) .. name(n-1), case-insensitively. Returns the index,
 * or -1 with *why set to a message the caller frees.
 */
static int
match_name(const char *text, const char *(*name)(int), int n, const char *what, char **why)
{
    const char *names[16];
    int i, s;

    for (i = 0; i < n && i < 16; i++) {
        names[i] = name(i);
        if (gpv_strieq(text, names[i]))
            return i;
    }
    s = gpv_suggest(text, names, (size_t)n);
    if (s >= 0)
        *why = xasprintf("unknown %s '%s' (did you mean '%s'?)", what, text, names[s]);
    else
        *why = xasprintf("unknown %s '%s'", what, text);
    return -1;
}

static const char *
isolation_name(int v)
{
    return gpv_isolation_name((enum gpv_isolation)v);
}

static const char *
workload_name(int v)
{
    return gpv_workload_name((enum gpv_workload)v);
}

static const char *
os_name(int v)
{
    return gpv_os_name((enum gpv_os)v);
}

static const char *
environment_name(int v)
{
    return gpv_environment_name((enum gpv_environment)v);
}

static const char *
license_name(int v)
{
    return gpv_license_key((enum gpv_license)v);
}

/* yes/no; *out untouched and false returned for anything else. */
static bool
parse_yes_no(bool *out, const char *s)
{
    if (gpv_strieq(s, "y") || gpv_strieq(s, "yes") || gpv_strieq(s, "true")) {
        *out = true;
        return true;
    }
    if (gpv_strieq(s, "n") || gpv_strieq(s, "no") || gpv_strieq(s, "false")) {
        *out = false;
        return true;
    }
    return false;
}

static bool
set_license(struct answers *a, const char *text, char **why)
{
    int i = match_name(text, license_name, GPV_LIC_COUNT, "licence", why);

    if (i < 0)
        return false;
    gpv_license_set(&a->lic, (enum gpv_license)i, true);
    return true;
}

static bool
set_memory(struct answers *a, const char *text, char **why)
{
    const char *reason;
    long long bytes;

    if (!gpv_mem_parse(&bytes, text, &reason)) {
        *why = xasprintf("memory '%s': %s", text, reason);
        return false;
    }
    free(a->memory);
    a->memory = xstrdup(text);
    return true;
}

static bool
set_compute(struct answers *a, const char *text, char **why)
{
    const char *reason;
    double share;

    if (!gpv_fraction_parse(&share, text, &reason)) {
        *why = xasprintf("compute '%s': %s", text, reason);
        return false;
    }
    free(a->compute);
    a->compute = xstrdup(text);
    return true;
}

static bool
add_gpu(struct answers *a, const struct gpv_db *db, const char *text, char **why)
{
    struct gpv_error err;
    const struct gpv_gpu *g = gpv_db_lookup(db, text, &err);

    if (!g) {
        *why = xstrdup(err.msg);
        return false;
    }
    a->gpu = xreallocarray(a->gpu, a->ngpu + 1, sizeof(*a->gpu));
    a->gpu[a->ngpu++] = g;
    return true;
}

/* Trims blanks at both ends in place. */
static char *
trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/*
 * Applies one typed answer to question q. An empty answer takes the default, except for
 * memory on a fractional tenant. Returns true, or false with *why (caller frees).
 */
static bool
apply_answer(struct answers *a, enum question q, char *text, const struct gpv_db *db, char **why)
{
    char *tok, *save = NULL;
    bool yes;
    int v;

    text = trim(text);
    if (!*text) {
        if (q == Q_MEMORY && !a->full_gpu) {
            *why = xstrdup("a tenant that shares a GPU needs a memory size, like 20GB");
            return false;
        }
        return true;
    }
    switch (q) {
    case Q_ISOLATION:
        if (parse_yes_no(&yes, text)) {
            a->isolation = yes ? GPV_ISO_HARD : GPV_ISO_SOFT;
            return true;
        }
        if ((v = match_name(text, isolation_name, GPV_ISOLATION_COUNT, "isolation", why)) < 0)
            return false;
        a->isolation = v;
        return true;
    case Q_GPU:
        return add_gpu(a, db, text, why);
    case Q_FULL_GPU:
    case Q_LIVE_MIGRATION:
        if (!parse_yes_no(&yes, text)) {
            *why = xasprintf("answer yes or no, not '%s'", text);
            return false;
        }
        if (q == Q_FULL_GPU)
            a->full_gpu = yes;
        else
            a->live_migration = yes;
        return true;
    case Q_WORKLOAD:
        if ((v = match_name(text, workload_name, GPV_WORKLOAD_COUNT, "workload", why)) < 0)
            return false;
        a->workload = v;
        return true;
    case Q_ENVIRONMENT:
        if ((v = match_name(text, environment_name, GPV_ENVIRONMENT_COUNT, "environment", why)) < 0)
            return false;
        a->environment = v;
        return true;
    case Q_LICENSES:
        memset(&a->lic, 0, sizeof(a->lic));
        if (gpv_strieq(text, "none"))
            return true;
        for (tok = strtok_r(text, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
            if (!set_license(a, tok, why))
                return false;
        return true;
    case Q_MEMORY:
        return set_memory(a, text, why);
    default:
        return false;
    }
}

/*
 * Asks every question. On a terminal a wrong answer is explained and asked again; off a
 * terminal each line answers the next question and a wrong or missing line is an error.
 * Returns 0; GPV_ENO when the learner quits (q, or end of input on a terminal); GPV_EINPUT
 * with err at <stdin>:line for a bad or missing line off a terminal.
 */
static int
ask_all(struct answers *a, const struct gpv_cli *cli, bool tty, struct gpv_error *err)
{
    char *line = NULL, *why = NULL;
    size_t cap = 0;
    int q, lineno = 0, rc = 0;

    if (tty)
        fprintf(stderr,
                "%sThe decision guide%s: eight questions about one tenant. Enter takes the "
                "default [in brackets]; q quits.\n",
                cli_bold(cli), cli_reset(cli));
    for (q = 0; q < Q_COUNT; q++) {
        if (tty) {
            fputc('\n', stderr);
            cli_wrap(stderr, "", "", questions[q].prompt);
            fputs("> ", stderr);
            fflush(stderr);
        }
        if (!cli_read_line(&line, &cap, stdin)) {
            if (tty) {
                fputc('\n', stderr);
                rc = GPV_ENO;
            } else {
                rc = gpv_error_set(err, GPV_EINPUT, "<stdin>", lineno + 1, 0,
                                   "input ended before the answer to question %d (%s)", q + 1,
                                   questions[q].name);
            }
            goto out;
        }
        lineno++;
        if (tty && (!strcmp(trim(line), "q") || !strcmp(trim(line), "quit"))) {
            rc = GPV_ENO;
            goto out;
        }
        if (!apply_answer(a, (enum question)q, line, &cli->db, &why)) {
            if (!tty) {
                rc = gpv_error_set(err, GPV_EINPUT, "<stdin>", lineno, 0, "question %d (%s): %s",
                                   q + 1, questions[q].name, why);
                goto out;
            }
            fprintf(stderr, "%s%s%s; try again\n", cli_red(cli), why, cli_reset(cli));
            free(why);
            why = NULL;
            q--;
        }
    }
out:
    free(why);
    free(line);
    return rc;
}

/* The answers as a tenants file: what `explain` would read for this tenant. */
static void
tenants_yaml(struct gpv_buf *b, const struct answers *a)
{
    size_t i;

    gpv_buf_puts(b, "# The tenant `gpuvplan advise` was asked about; `gpuvplan explain` on this\n"
                    "# file decides it the same way.\n");
    gpv_buf_printf(b, "version: %d\n", GPV_TENANTS_VERSION);
    gpv_buf_puts(b, "licenses:\n");
    for (i = 0; i < GPV_LIC_COUNT; i++)
        gpv_buf_printf(b, "  %s: %s\n", gpv_license_key((enum gpv_license)i),
                       gpv_license_held(&a->lic, (enum gpv_license)i) ? "true" : "false");
    gpv_buf_puts(b, "tenants:\n");
    gpv_buf_printf(b, "  - name: %s\n", TENANT_NAME);
    /* memory and compute passed their parsers, which admit no quote or backslash. */
    if (a->memory)
        gpv_buf_printf(b, "    memory: \"%s\"\n", a->memory);
    if (a->compute)
        gpv_buf_printf(b, "    compute: \"%s\"\n", a->compute);
    gpv_buf_printf(b, "    isolation: %s\n", isolation_name(a->isolation));
    gpv_buf_printf(b, "    workload: %s\n", workload_name(a->workload));
    gpv_buf_printf(b, "    environment: %s\n", environment_name(a->environment));
    if (a->os != GPV_OS_LINUX)
        gpv_buf_printf(b, "    os: %s\n", gpv_os_name((enum gpv_os)a->os));
    gpv_buf_printf(b, "    live_migration: %s\n", a->live_migration ? "true" : "false");
    gpv_buf_printf(b, "    full_gpu: %s\n", a->full_gpu ? "true" : "false");
    if (a->gpus)
        gpv_buf_printf(b, "    gpus: %d\n", a->gpus);
    gpv_buf_printf(b, "    media: %s\n", a->media ? "true" : "false");
    if (a->ngpu == 1) {
        gpv_buf_printf(b, "    gpu: %s\n", a->gpu[0]->id);
    } else if (a->ngpu > 1) {
        gpv_buf_puts(b, "# judged on several models: run explain with");
        for (i = 0; i < a->ngpu; i++)
            gpv_buf_printf(b, " --gpu %s", a->gpu[i]->id);
        gpv_buf_puts(b, "\n");
    }
}

/* ---- output: the same JSON shape as one tenant of `explain -f json` ----------------------- */

/* ---- output: advice for people ---------------------------------------------------------- */

static const char *const method_meaning[GPV_METHOD_COUNT] = {
    [GPV_METHOD_PASSTHROUGH] = "whole GPUs handed to one VM or container: nothing shared, no "
                               "live migration",
    [GPV_METHOD_VGPU] = "a time-sliced vGPU: its own frame buffer, turns on the GPU's engines",
    [GPV_METHOD_MIG] = "a MIG GPU instance: its own SMs, memory and cache, isolated in hardware",
    [GPV_METHOD_MIG_VGPU] = "a vGPU on its own MIG instance: hardware isolation for a VM, which "
                            "can still live-migrate",
    [GPV_METHOD_TIME_SLICING] = "pods take turns on a whole GPU through the Kubernetes device "
                                "plugin: no memory limit, one fault domain, no licence",
    [GPV_METHOD_MPS] = "an MPS client of a whole GPU through the Kubernetes device plugin: "
                       "1/replicas of its memory and threads, one fault domain, no licence",
};

/* "  why not     vgpu        text [rule]", the text wrapped under itself. */
static void
print_method_line(const char *label, const char *method, const char *text, const char *rule)
{
    char lead[64];
    char *line = rule ? xasprintf("%s [%s]", text, rule) : NULL;

    snprintf(lead, sizeof(lead), "  %-11s %-12s", label, method);
    cli_wrap(stdout, lead, "                          ", line ? line : text);
    free(line);
}

static void
print_answers(const struct answers *a)
{
    struct gpv_buf b;
    size_t i;
    bool any = false;

    gpv_buf_init(&b);
    gpv_buf_printf(&b, "isolation %s; ", isolation_name(a->isolation));
    if (a->ngpu) {
        gpv_buf_puts(&b, "GPU ");
        for (i = 0; i < a->ngpu; i++)
            gpv_buf_printf(&b, "%s%s", i ? " or " : "", a->gpu[i]->id);
    } else {
        gpv_buf_puts(&b, "any GPU model");
    }
    if (a->full_gpu)
        gpv_buf_puts(&b, "; whole-GPU performance");
    if (a->gpus)
        gpv_buf_printf(&b, "; %d whole GPUs", a->gpus);
    gpv_buf_printf(&b, "; %s; %s", workload_name(a->workload), environment_name(a->environment));
    if (a->os != GPV_OS_LINUX)
        gpv_buf_printf(&b, "; %s", gpv_os_name((enum gpv_os)a->os));
    if (a->live_migration)
        gpv_buf_puts(&b, "; live migration");
    if (a->memory)
        gpv_buf_printf(&b, "; %s", a->memory);
    if (a->compute)
        gpv_buf_printf(&b, "; compute %s", a->compute);
    if (a->media)
        gpv_buf_puts(&b, "; media engines");
    gpv_buf_puts(&b, "; licences:");
    for (i = 0; i < GPV_LIC_COUNT; i++) {
        if (gpv_license_held(&a->lic, (enum gpv_license)i)) {
            gpv_buf_printf(&b, " %s", gpv_license_key((enum gpv_license)i));
            any = true;
        }
    }
    if (!any)
        gpv_buf_puts(&b, " none");
    cli_wrap(stdout, "  you said    ", "              ", gpv_buf_str(&b));
    gpv_buf_release(&b);
}

/* How many models besides the advice's the runners-up line names. */
#define ADVISE_RUNNERS_UP 3

/*
 * The next models in the decision's ranking (gpv_choice_cmp: rules' order, then cost, or
 * without a fleet the smallest adequate board), each with the instance it would get there.
 */
static void
print_runners_up(const struct gpv_decision *d)
{
    struct gpv_buf b;
    size_t i, shown = 0;

    gpv_buf_init(&b);
    for (i = 0; i < d->nchoices && shown < ADVISE_RUNNERS_UP; i++) {
        const struct gpv_choice *c = &d->choices[i];
        const char *prof = gpv_choice_profile(c);

        if ((int)i == d->best || c->method == GPV_METHOD_NONE)
            continue;
        gpv_buf_printf(&b, "%s%s", shown ? "; " : "", gpv_method_name(c->method));
        if (c->method == GPV_METHOD_PASSTHROUGH)
            gpv_buf_printf(&b, " %d GPU%s", c->gpus, c->gpus == 1 ? "" : "s");
        else if (c->clients && prof) /* time-sliced MIG instances */
            gpv_buf_printf(&b, " %s (%d per instance)", prof, c->clients);
        else if (c->clients)
            gpv_buf_printf(&b, " (%d per GPU)", c->clients);
        else if (prof)
            gpv_buf_printf(&b, " %s", prof);
        gpv_buf_printf(&b, " on %s", c->gpu->id);
        shown++;
    }
    if (shown)
        cli_wrap(stdout, "  runners-up  ", "              ", gpv_buf_str(&b));
    gpv_buf_release(&b);
}

static void
print_advice(const struct gpv_cli *cli, const struct answers *a, const struct gpv_decision *d)
{
    const struct gpv_choice *best = d->best >= 0 ? &d->choices[d->best] : NULL;
    const struct gpv_choice *shown = best ? best : d->nchoices ? &d->choices[0] : NULL;
    struct gpv_buf b;
    bool first_reason = true;
    size_t i;
    int m;

    gpv_buf_init(&b);
    if (best) {
        const char *prof = gpv_choice_profile(best);

        printf("%sAdvice%s: %s%s", cli_bold(cli), cli_reset(cli), cli_green(cli),
               gpv_method_name(best->method));
        if (best->method == GPV_METHOD_PASSTHROUGH)
            printf(" %d GPU%s", best->gpus, best->gpus == 1 ? "" : "s");
        else if (best->clients && prof) /* time-sliced MIG instances */
            printf(" %s (up to %d per instance)", prof, best->clients);
        else if (best->clients)
            printf(" (up to %d per GPU)", best->clients);
        else if (prof)
            printf(" %s", prof);
        if (best->method == GPV_METHOD_MIG_VGPU && best->mig_profile >= 0)
            printf(" (on a %s instance)", best->gpu->mig->profiles[best->mig_profile].name);
        printf("%s on %s\n", cli_reset(cli), best->gpu->id);
        cli_wrap(stdout, "  meaning     ", "              ", method_meaning[best->method]);
        if (best->vgpu_type >= 0) {
            const struct gpv_vgpu_type *t = &best->gpu->vgpu->types[best->vgpu_type];

            gpv_buf_printf(&b, "%s is %s-series: %s", t->name, gpv_series_name(t->series),
                           gpv_series_license(t->series));
            cli_wrap(stdout, "  licence     ", "              ", gpv_buf_str(&b));
            gpv_buf_release(&b);
        }
        if (best->decided_by) {
            gpv_buf_printf(&b, "%s: %s", best->decided_by->id, best->decided_by->reason);
            if (best->decided_by != best->order_rule)
                gpv_buf_printf(&b, " (the only method left; %s%s%s ordered the others first)",
                               best->order_rule ? "'" : "the default order",
                               best->order_rule ? best->order_rule->id : "",
                               best->order_rule ? "'" : "");
        } else
            gpv_buf_puts(&b, "no preference rule holds: the default order");
        cli_wrap(stdout, "  decided by  ", "              ", gpv_buf_str(&b));
        gpv_buf_release(&b);
        print_runners_up(d);
    } else {
        printf("%sAdvice%s: %sno method fits this tenant%s\n", cli_bold(cli), cli_reset(cli),
               cli_red(cli), cli_reset(cli));
        cli_wrap(stdout, "  meaning     ", "              ",
                 "every method is ruled out below; relax a requirement (or buy the licence "
                 "named) and ask again");
    }
    print_answers(a);
    if (shown) {
        bool first = true;

        for (i = 0; i < shown->ntrace; i++) {
            const struct gpv_trace *tr = &shown->trace[i];

            if (tr->step != GPV_STEP_RULE || !tr->matched)
                continue;
            gpv_buf_printf(&b, "+ %s: %s", tr->rule->id, tr->text);
            cli_wrap(stdout, first ? "  rules held  " : "              ", "                ",
                     gpv_buf_str(&b));
            gpv_buf_release(&b);
            first = false;
        }
        first = true;
        for (i = 0; i < shown->ntrace; i++) {
            const struct gpv_trace *tr = &shown->trace[i];

            if (tr->step != GPV_STEP_SELECT)
                continue;
            print_method_line(first ? "instances" : "", gpv_method_name(tr->method), tr->text,
                              NULL);
            first = false;
        }
        if (d->nchoices > 1)
            printf("  (rules and instances on %s)\n", shown->gpu->id);
    }
    for (m = GPV_METHOD_PASSTHROUGH; m <= GPV_METHOD_LAST; m++) {
        for (i = 0; i < d->rejected[m].n; i++) {
            print_method_line(first_reason ? "why not" : "",
                              i == 0 ? gpv_method_name((enum gpv_method)m) : "",
                              d->rejected[m].v[i].text, d->rejected[m].v[i].rule);
            first_reason = false;
        }
    }
    fputc('\n', stdout);
    cli_wrap(stdout, "", "",
             "The same tenant as a file: add --tenant-yaml to this command, then run "
             "`gpuvplan explain` on it for the full trace.");
}

/*
 * The answers as the tenants file the loader would make of tenants_yaml(): one tenant, the
 * licences, no fleet. The memory and compute texts passed their parsers when answered.
 */
static void
answers_file(struct gpv_tenants *out, const struct answers *a)
{
    struct gpv_tenant *t;
    const char *why;
    long long bytes;

    memset(out, 0, sizeof(*out));
    out->name = xstrdup(INPUT_NAME);
    out->version = GPV_TENANTS_VERSION;
    out->licenses = a->lic;
    out->ntenants = 1;
    out->tenants = t = xcalloc(1, sizeof(*t));
    gpv_tenant_init(t);
    t->name = xstrdup(TENANT_NAME);
    t->isolation = (enum gpv_isolation)a->isolation;
    t->workload = (enum gpv_workload)a->workload;
    t->environment = (enum gpv_environment)a->environment;
    t->os = (enum gpv_os)a->os;
    t->live_migration = a->live_migration;
    t->full_gpu = a->full_gpu;
    t->gpus = a->gpus;
    t->media = a->media;
    if (a->memory && gpv_mem_parse(&bytes, a->memory, &why)) {
        t->memory = bytes;
        t->memory_mib = (bytes + GPV_MIB - 1) / GPV_MIB;
        t->memory_text = xstrdup(a->memory);
    }
    if (a->compute)
        (void)gpv_fraction_parse(&t->compute, a->compute, &why);
    if (a->ngpu == 1)
        t->gpu = a->gpu[0];
}

static int
decide_and_print(struct gpv_cli *cli, const struct answers *a, const char *rules_path,
                 enum gpv_format fmt)
{
    struct gpv_tenants file;
    struct gpv_ruleset rules;
    struct gpv_decision d;
    struct gpv_candidate *cands = NULL;
    struct gpv_error err;
    struct gpv_val *v = NULL;
    size_t n;
    int rc;

    gpv_error_init(&err);
    memset(&file, 0, sizeof(file));
    memset(&rules, 0, sizeof(rules));
    memset(&d, 0, sizeof(d));
    answers_file(&file, a);
    /* The tenants file's rules check what no single answer can: memory or whole GPUs, compute
       with them. */
    if (gpv_tenant_validate(NULL, &file.tenants[0], &file, &err)) {
        rc = cli_usage_error("advise", "%s", err.msg);
        goto out;
    }
    if ((rc = cli_rules_load(&rules, rules_path, &err))) {
        rc = cli_report(&err);
        goto out;
    }
    n = gpv_candidates(&cands, &file, &file.tenants[0], &cli->db, a->gpu, a->ngpu);
    gpv_decide(&d, &rules, &file.tenants[0], &file.licenses, cands, n);
    if (fmt == GPV_FMT_TABLE) {
        print_advice(cli, a, &d);
    } else {
        v = cli_decision_value(&d);
        if ((rc = cli_write_value(NULL, v, fmt, NULL, &err))) {
            rc = cli_report(&err);
            goto out;
        }
    }
    rc = d.method == GPV_METHOD_NONE ? GPV_EXIT_NO : GPV_EXIT_OK;
out:
    gpv_val_free(v);
    gpv_decision_release(&d);
    free(cands);
    gpv_rules_release(&rules);
    gpv_tenants_release(&file);
    return rc;
}

enum {
    OPT_FULL_GPU = 256,
    OPT_LIVE_MIGRATION,
    OPT_COMPUTE,
    OPT_GPUS,
    OPT_MEDIA,
    OPT_RULES,
    OPT_TENANT_YAML,
};

int
cmd_advise(struct gpv_cli *cli, int argc, char **argv)
{
    enum gpv_format fmt = GPV_FMT_TABLE;
    const char *rules_path = NULL, *isolation = NULL, *workload = NULL, *environment = NULL,
               *os = NULL;
    const char *memory = NULL, *compute = NULL;
    struct cli_list gpu_args = {NULL, 0}, licenses = {NULL, 0};
    bool answered, print_yaml = false, full_gpu = false, live_migration = false, media = false;
    long long gpus = 0;
    const struct cli_opt opts[] = {
        CLI_STRING('i', "isolation", "LEVEL", &isolation, "hard, soft or none (default soft)"),
        CLI_LIST('g', "gpu", "MODEL", &gpu_args,
                 "judge on this model (repeatable; default every model)"),
        CLI_FLAG(0, "full-gpu", &full_gpu, "needs a whole GPU's performance"),
        CLI_STRING('w', "workload", "W", &workload,
                   "training, inference, hpc, dev, vdi or graphics"),
        CLI_STRING('e', "environment", "ENV", &environment, "vm or container (default container)"),
        CLI_STRING(0, "os", "OS", &os, "linux or windows (default linux; MIG is Linux only)"),
        CLI_FLAG(0, "live-migration", &live_migration, "must live-migrate between hosts"),
        CLI_LIST('l', "license", "L", &licenses,
                 "a licence the site owns: ai_enterprise, vws, vpc or vapps (repeatable; also "
                 "--licence)"),
        CLI_LIST(0, "licence", "L", &licenses, NULL),
        CLI_STRING('m', "memory", "SIZE", &memory, "GPU memory per instance (20GB, 20GiB)"),
        CLI_STRING(0, "compute", "SHARE", &compute, "guaranteed share of one GPU (0.25 or 25%)"),
        CLI_INT(0, "gpus", "N", &gpus, 1, GPV_TENANT_GPUS_MAX,
                "whole GPUs per instance (passthrough of several GPUs)"),
        CLI_FLAG(0, "media", &media, "needs video decoders / JPEG (MIG +me profiles)"),
        CLI_STRING('r', "rules", "FILE", &rules_path,
                   "decide with these rules instead of the built-in ones"),
        CLI_FLAG(0, "tenant-yaml", &print_yaml,
                 "print the tenants file of the answers instead of advice"),
        CLI_FORMAT(
            &fmt, cli_formats_all,
            "table (default), json or yaml; json is one tenant of `gpuvplan explain -f json`"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"advise", "",   advise_usage_about, advise_usage_footer,
                                  opts,     false};
    struct cli_args args;
    struct answers a;
    struct gpv_error err;
    size_t i;
    char *why = NULL;
    bool tty;
    int v, rc;

    gpv_error_init(&err);
    answers_init(&a);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    answered = isolation || gpu_args.n || full_gpu || workload || environment || os ||
               live_migration || licenses.n || memory || compute || gpus || media;
    if (isolation) {
        if ((v = match_name(isolation, isolation_name, 3, "isolation", &why)) < 0)
            goto usage;
        a.isolation = v;
    }
    a.full_gpu = full_gpu;
    if (workload) {
        if ((v = match_name(workload, workload_name, 6, "workload", &why)) < 0)
            goto usage;
        a.workload = v;
    }
    if (environment) {
        if ((v = match_name(environment, environment_name, 2, "environment", &why)) < 0)
            goto usage;
        a.environment = v;
    }
    if (os) {
        if ((v = match_name(os, os_name, GPV_OS_COUNT, "os", &why)) < 0)
            goto usage;
        a.os = v;
    }
    a.live_migration = live_migration;
    for (i = 0; i < licenses.n; i++)
        if (!set_license(&a, licenses.v[i], &why))
            goto usage;
    if (memory && !set_memory(&a, memory, &why))
        goto usage;
    if (compute && !set_compute(&a, compute, &why))
        goto usage;
    if (gpus)
        a.gpus = (int)gpus;
    a.media = media;
    if (args.n > 0) {
        rc = cli_usage_error("advise",
                             "unexpected argument '%s' (answers are options, like "
                             "--memory 20GB)",
                             args.v[0]);
        goto out;
    }
    if ((rc = cli_db(cli, &err))) {
        rc = cli_report(&err);
        goto out;
    }
    for (i = 0; i < gpu_args.n; i++)
        if (!add_gpu(&a, &cli->db, gpu_args.v[i], &why))
            goto usage;
    if (!answered) {
        tty = isatty(STDIN_FILENO) != 0;
        if ((rc = ask_all(&a, cli, tty, &err))) {
            rc = rc == GPV_ENO ? GPV_EXIT_OK : cli_report(&err);
            goto out;
        }
        if (tty)
            fputc('\n', stderr);
    }
    if (print_yaml) {
        struct gpv_buf b;

        gpv_buf_init(&b);
        tenants_yaml(&b, &a);
        fputs(gpv_buf_str(&b), stdout);
        gpv_buf_release(&b);
        rc = GPV_EXIT_OK;
        goto out;
    }
    rc = decide_and_print(cli, &a, rules_path, fmt);
    goto out;
usage:
    rc = cli_usage_error("advise", "%s", why);
out:
    free(why);
    cli_opt_release(&spec);
    answers_release(&a);
    return rc;
}
