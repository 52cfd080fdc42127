#ifndef GPUVPLAN_CLI_RULES_H
#define GPUVPLAN_CLI_RULES_H

/* What the commands built on the decision rules share (explain, rules, and the study mode). */

#include "cli.h"
#include "gpuvplan/emit.h"
#include "gpuvplan/rules.h"
#include "gpuvplan/tenant.h"

/*
 * Loads the rules from path (a --rules FILE), or the embedded profiles/rules.yaml when path is
 * NULL. Returns 0, or a negative status with err filled (file:line:col for a bad file); *out
 * is then empty.
 */
int cli_rules_load(struct gpv_ruleset *out, const char *path, struct gpv_error *err);

/*
 * Reads and loads a tenants file against the CLI's database (loaded here when needed).
 * Returns 0 or a negative status with err filled; *out is then empty. When the file has
 * several errors, all but the last are printed to stderr here (cli_report) and err holds the
 * last, so the caller's cli_report(err) completes the list in file order.
 */
int cli_tenants_load(struct gpv_cli *cli, struct gpv_tenants *out, const char *path,
                     struct gpv_error *err);

/*
 * The three below write into an emitter (key names the value inside an object, else NULL):
 * explain streams its document this way, one tenant at a time. The _value forms build the same
 * as a value tree (the caller frees it).
 */
void cli_decision_emit(struct gpv_emit *e, const char *key, const struct gpv_decision *d);
void cli_trace_emit(struct gpv_emit *e, const char *key, const struct gpv_choice *c);
void cli_reasons_emit(struct gpv_emit *e, const char *key, const struct gpv_reasons *rejected);

/*
 * The members of cli_decision_emit()'s object after the first, "name": everything that
 * depends on the decision only, so tenants of one kind (gpv_tenant_kind_cmp()) get the same
 * text. Writes into the innermost open object, which holds "name".
 */
void cli_decision_emit_rest(struct gpv_emit *e, const struct gpv_decision *d);

/* A decision as explain's JSON shows one tenant: method, profile, gpu, trace, rejected, choices. */
struct gpv_val *cli_decision_value(const struct gpv_decision *d);

/* The trace of one choice as a JSON array of steps (empty for NULL). */
struct gpv_val *cli_trace_value(const struct gpv_choice *c);

/* Rejection reasons per method as a JSON object {method: [{rule, reason}]}. */
struct gpv_val *cli_reasons_value(const struct gpv_reasons *rejected);

#endif
