/*
 * `advise`'s answers: read from options or text (names matched, memory and compute checked,
 * GPU models resolved), and the decision guide's questions asked on a terminal or read off a
 * pipe.
 */
#include "cli.h"
#include "cmd_advise_int.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
advise_answers_init(struct advise_answers *a)
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

void
advise_answers_release(struct advise_answers *a)
{
    free(a->memory);
    free(a->compute);
    free(a->gpu);
}

/*
 * Matches text against the names name(0) .. name(n-1), case-insensitively. Returns the index,
 * or -1 with *why set to a message the caller frees.
 */
int
advise_match_name(const char *text, const char *(*name)(int), int n, const char *what, char **why)
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

const char *
advise_isolation_name(int v)
{
    return gpv_isolation_name((enum gpv_isolation)v);
}

const char *
advise_workload_name(int v)
{
    return gpv_workload_name((enum gpv_workload)v);
}

const char *
advise_os_name(int v)
{
    return gpv_os_name((enum gpv_os)v);
}

const char *
advise_environment_name(int v)
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

bool
advise_set_license(struct advise_answers *a, const char *text, char **why)
{
    int i = advise_match_name(text, license_name, GPV_LIC_COUNT, "licence", why);

    if (i < 0)
        return false;
    gpv_license_set(&a->lic, (enum gpv_license)i, true);
    return true;
}

bool
advise_set_memory(struct advise_answers *a, const char *text, char **why)
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

bool
advise_set_compute(struct advise_answers *a, const char *text, char **why)
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

bool
advise_add_gpu(struct advise_answers *a, const struct gpv_db *db, const char *text, char **why)
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
apply_answer(struct advise_answers *a, enum question q, char *text, const struct gpv_db *db,
             char **why)
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
        if ((v = advise_match_name(text, advise_isolation_name, GPV_ISOLATION_COUNT, "isolation",
                                   why)) < 0)
            return false;
        a->isolation = v;
        return true;
    case Q_GPU:
        return advise_add_gpu(a, db, text, why);
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
        if ((v = advise_match_name(text, advise_workload_name, GPV_WORKLOAD_COUNT, "workload",
                                   why)) < 0)
            return false;
        a->workload = v;
        return true;
    case Q_ENVIRONMENT:
        if ((v = advise_match_name(text, advise_environment_name, GPV_ENVIRONMENT_COUNT,
                                   "environment", why)) < 0)
            return false;
        a->environment = v;
        return true;
    case Q_LICENSES:
        memset(&a->lic, 0, sizeof(a->lic));
        if (gpv_strieq(text, "none"))
            return true;
        for (tok = strtok_r(text, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
            if (!advise_set_license(a, tok, why))
                return false;
        return true;
    case Q_MEMORY:
        return advise_set_memory(a, text, why);
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
int
advise_ask_all(struct advise_answers *a, const struct gpv_cli *cli, bool tty, struct gpv_error *err)
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
