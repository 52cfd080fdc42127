/* `advise`'s advice for people: the method, why, the answers it rests on, the runners-up. */
#include "cli.h"
#include "cmd_advise_int.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"
#include "gpuvplan/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
print_answers(const struct advise_answers *a)
{
    struct gpv_buf b;
    size_t i;
    bool any = false;

    gpv_buf_init(&b);
    gpv_buf_printf(&b, "isolation %s; ", advise_isolation_name(a->isolation));
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
    gpv_buf_printf(&b, "; %s; %s", advise_workload_name(a->workload),
                   advise_environment_name(a->environment));
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

void
advise_print(const struct gpv_cli *cli, const struct advise_answers *a,
             const struct gpv_decision *d)
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
