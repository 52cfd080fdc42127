#include "gpuvplan/db.h"
#include "gpuvplan/util.h"
#include "db_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * The database as C source (tools/dbgen.c writes build/dbdata.c with it at build time): every
 * model as static initialised data, so start-up parses no YAML. Each object is named after its
 * place (m3_p2_name: model 3, MIG profile 2, its name); strings are writable arrays because the
 * structs hold `char *`. Objects a struct points to are written before it: `defs` collects
 * them while `body` holds the struct being written.
 */

/*
 * Every field of the database's structs is written below. A field added to one of them must be
 * written here too, or the compiled models would silently lack it: on LP64 these sizes stop the
 * build at such a change (a field that fits in padding is not caught; the unit test comparing
 * the compiled models with the YAML checks only what this file writes).
 */
#if defined(__LP64__)
_Static_assert(sizeof(struct gpv_gpu) == 128, "struct gpv_gpu changed: update gpv_db_write_c");
_Static_assert(sizeof(struct gpv_source) == 24, "struct gpv_source changed: update put_gpu");
_Static_assert(sizeof(struct gpv_mig) == 40, "struct gpv_mig changed: update put_mig");
_Static_assert(sizeof(struct gpv_mig_profile) == 248,
               "struct gpv_mig_profile changed: update put_mig");
_Static_assert(sizeof(struct gpv_mig_constraint) == 56,
               "struct gpv_mig_constraint changed: update put_mig");
_Static_assert(sizeof(struct gpv_vgpu) == 40, "struct gpv_vgpu changed: update put_vgpu");
_Static_assert(sizeof(struct gpv_vgpu_type) == 64, "struct gpv_vgpu_type changed: update put_vgpu");
_Static_assert(sizeof(struct gpv_engines) == 20, "struct gpv_engines changed: update put_mig");
#endif

static void
put_literal(struct gpv_buf *b, const char *s)
{
    gpv_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            gpv_buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f || c == '?')
            gpv_buf_printf(b, "\\%03o", c); /* octal: no greedy hex escapes, no trigraphs */
        else
            gpv_buf_putc(b, (char)c);
    }
    gpv_buf_putc(b, '"');
}

/* Defines the string `sym` in defs and writes a reference to it (or NULL) into body. */
static void
put_str(struct gpv_buf *body, struct gpv_buf *defs, const char *sym, const char *s)
{
    if (!s) {
        gpv_buf_puts(body, "NULL");
        return;
    }
    gpv_buf_printf(defs, "static char %s[] = ", sym);
    put_literal(defs, s);
    gpv_buf_puts(defs, ";\n");
    gpv_buf_puts(body, sym);
}

/* A list of strings: defines them and the array `sym`; writes a reference into body. */
static void
put_strv(struct gpv_buf *body, struct gpv_buf *defs, const char *sym, char **v, size_t n)
{
    struct gpv_buf arr = {0};
    char name[96];
    size_t i;

    if (!v) {
        gpv_buf_puts(body, "NULL");
        return;
    }
    gpv_buf_printf(&arr, "static char *%s[] = {", sym);
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%s_%zu", sym, i);
        put_str(&arr, defs, name, v[i]);
        gpv_buf_puts(&arr, ", ");
    }
    gpv_buf_puts(&arr, n ? "};\n" : "NULL};\n");
    gpv_buf_puts(defs, gpv_buf_str(&arr));
    gpv_buf_release(&arr);
    gpv_buf_puts(body, sym);
}

/* A source reference: the model's own copy of the id (pointers into gpu->sources). */
static void
put_source(struct gpv_buf *body, struct gpv_buf *defs, const char *sym, const struct gpv_gpu *gpu,
           size_t m, const char *s)
{
    size_t k;

    if (!s) {
        gpv_buf_puts(body, "NULL");
        return;
    }
    for (k = 0; k < gpu->nsources; k++)
        if (gpu->sources[k].id == s) {
            gpv_buf_printf(body, "m%zu_s%zu_id", m, k);
            return;
        }
    put_str(body, defs, sym, s);
}

static void
put_mig(struct gpv_buf *defs, const struct gpv_gpu *gpu, size_t m)
{
    const struct gpv_mig *mig = gpu->mig;
    struct gpv_buf body = {0};
    char sym[96];
    size_t i;
    int k;

    if (mig->profiles) {
        gpv_buf_printf(&body, "static struct gpv_mig_profile m%zu_p[] = {\n", m);
        for (i = 0; i < mig->nprofiles; i++) {
            const struct gpv_mig_profile *p = &mig->profiles[i];

            gpv_buf_puts(&body, "    {.name = ");
            snprintf(sym, sizeof(sym), "m%zu_p%zu_name", m, i);
            put_str(&body, defs, sym, p->name);
            gpv_buf_printf(&body,
                           ", .id = %d, .compute_slices = %d, .size = %d, .nstarts = %d,\n"
                           "     .starts = {",
                           p->id, p->compute_slices, p->size, p->nstarts);
            for (k = 0; k < GPV_MIG_MAX_UNITS; k++)
                gpv_buf_printf(&body, "%s%d", k ? ", " : "", p->starts[k]);
            gpv_buf_printf(&body,
                           "},\n     .start_mask = %" PRIu32 "u, .max = %d, .memory_mib = %lldLL,"
                           " .memory_gib = %.17g, .sms = %d,\n"
                           "     .engines = {%d, %d, %d, %d, %d}, .media = %d,"
                           " .since_driver = %d, .inferred = %uu, .source = ",
                           p->start_mask, p->max, p->memory_mib, p->memory_gib, p->sms,
                           p->engines.ce, p->engines.nvdec, p->engines.nvenc, p->engines.jpeg,
                           p->engines.ofa, p->media, p->since_driver, p->inferred);
            snprintf(sym, sizeof(sym), "m%zu_p%zu_source", m, i);
            put_source(&body, defs, sym, gpu, m, p->source);
            gpv_buf_puts(&body, ",\n     .note = ");
            snprintf(sym, sizeof(sym), "m%zu_p%zu_note", m, i);
            put_str(&body, defs, sym, p->note);
            gpv_buf_printf(&body, ", .naliases = %zu, .aliases = ", p->naliases);
            snprintf(sym, sizeof(sym), "m%zu_p%zu_aliases", m, i);
            put_strv(&body, defs, sym, p->aliases, p->naliases);
            gpv_buf_puts(&body, "},\n");
        }
        gpv_buf_puts(&body, "};\n");
    }
    if (mig->constraints) {
        gpv_buf_printf(&body, "static struct gpv_mig_constraint m%zu_c[] = {\n", m);
        for (i = 0; i < mig->nconstraints; i++) {
            const struct gpv_mig_constraint *c = &mig->constraints[i];

            gpv_buf_printf(&body,
                           "    {.kind = %d, .a = %" PRIu64 "ULL, .b = %" PRIu64 "ULL, .max = %d,"
                           " .before_driver = %d, .inferred = %d,\n     .reason = ",
                           (int)c->kind, c->a, c->b, c->max, c->before_driver, c->inferred);
            snprintf(sym, sizeof(sym), "m%zu_c%zu_reason", m, i);
            put_str(&body, defs, sym, c->reason);
            gpv_buf_puts(&body, ", .source = ");
            snprintf(sym, sizeof(sym), "m%zu_c%zu_source", m, i);
            put_source(&body, defs, sym, gpu, m, c->source);
            gpv_buf_puts(&body, "},\n");
        }
        gpv_buf_puts(&body, "};\n");
    }
    gpv_buf_printf(&body,
                   "static struct gpv_mig m%zu_mig = {.units = %d, .compute_slices = %d,"
                   " .nprofiles = %zu, .profiles = ",
                   m, mig->units, mig->compute_slices, mig->nprofiles);
    if (mig->profiles)
        gpv_buf_printf(&body, "m%zu_p", m);
    else
        gpv_buf_puts(&body, "NULL");
    gpv_buf_printf(&body, ", .nconstraints = %zu, .constraints = ", mig->nconstraints);
    if (mig->constraints)
        gpv_buf_printf(&body, "m%zu_c", m);
    else
        gpv_buf_puts(&body, "NULL");
    gpv_buf_puts(&body, "};\n");
    gpv_buf_puts(defs, gpv_buf_str(&body));
    gpv_buf_release(&body);
}

static void
put_vgpu(struct gpv_buf *defs, const struct gpv_gpu *gpu, size_t m)
{
    const struct gpv_vgpu *vgpu = gpu->vgpu;
    struct gpv_buf body = {0}, head = {0};
    char sym[96];
    size_t i;
    int k;

    if (vgpu->types) {
        gpv_buf_printf(&body, "static struct gpv_vgpu_type m%zu_t[] = {\n", m);
        for (i = 0; i < vgpu->ntypes; i++) {
            const struct gpv_vgpu_type *t = &vgpu->types[i];

            gpv_buf_puts(&body, "    {.name = ");
            snprintf(sym, sizeof(sym), "m%zu_t%zu_name", m, i);
            put_str(&body, defs, sym, t->name);
            gpv_buf_printf(&body,
                           ", .series = %d, .framebuffer_mib = %lldLL, .max = %d,"
                           " .max_mixed = %d, .size_gb = %d,\n     .nplacements = %d,"
                           " .placements = ",
                           (int)t->series, t->framebuffer_mib, t->max, t->max_mixed, t->size_gb,
                           t->nplacements);
            if (t->placements) {
                gpv_buf_printf(defs, "static int m%zu_t%zu_placements[] = {", m, i);
                for (k = 0; k < t->nplacements; k++)
                    gpv_buf_printf(defs, "%s%d", k ? ", " : "", t->placements[k]);
                gpv_buf_puts(defs, t->nplacements ? "};\n" : "0};\n");
                gpv_buf_printf(&body, "m%zu_t%zu_placements", m, i);
            } else {
                gpv_buf_puts(&body, "NULL");
            }
            gpv_buf_printf(&body,
                           ", .mig_profile = %d, .inferred = %uu, .source = ", t->mig_profile,
                           t->inferred);
            snprintf(sym, sizeof(sym), "m%zu_t%zu_source", m, i);
            put_source(&body, defs, sym, gpu, m, t->source);
            gpv_buf_puts(&body, "},\n");
        }
        gpv_buf_puts(&body, "};\n");
    }
    gpv_buf_printf(&body, "static struct gpv_vgpu m%zu_vgpu = {.nprefixes = %zu, .prefixes = ", m,
                   vgpu->nprefixes);
    snprintf(sym, sizeof(sym), "m%zu_prefixes", m);
    put_strv(&body, &head, sym, vgpu->prefixes, vgpu->nprefixes);
    gpv_buf_printf(&body, ", .mixed_size = %d, .ntypes = %zu, .types = ", vgpu->mixed_size,
                   vgpu->ntypes);
    if (vgpu->types)
        gpv_buf_printf(&body, "m%zu_t", m);
    else
        gpv_buf_puts(&body, "NULL");
    gpv_buf_puts(&body, "};\n");
    gpv_buf_puts(defs, gpv_buf_str(&head));
    gpv_buf_puts(defs, gpv_buf_str(&body));
    gpv_buf_release(&head);
    gpv_buf_release(&body);
}

static void
put_gpu(struct gpv_buf *out, const struct gpv_gpu *gpu, size_t m)
{
    struct gpv_buf body = {0};
    char sym[96];
    size_t k;

    gpv_buf_printf(out, "/* %s */\n", gpu->id);
    for (k = 0; k < gpu->nsources; k++) {
        snprintf(sym, sizeof(sym), "m%zu_s%zu_id", m, k);
        put_str(&body, out, sym, gpu->sources[k].id);
        snprintf(sym, sizeof(sym), "m%zu_s%zu_title", m, k);
        put_str(&body, out, sym, gpu->sources[k].title);
        snprintf(sym, sizeof(sym), "m%zu_s%zu_url", m, k);
        put_str(&body, out, sym, gpu->sources[k].url);
    }
    gpv_buf_release(&body);
    if (gpu->sources) {
        gpv_buf_printf(out, "static struct gpv_source m%zu_s[] = {\n", m);
        for (k = 0; k < gpu->nsources; k++) {
            gpv_buf_printf(out, "    {m%zu_s%zu_id, ", m, k);
            if (gpu->sources[k].title)
                gpv_buf_printf(out, "m%zu_s%zu_title, ", m, k);
            else
                gpv_buf_puts(out, "NULL, ");
            if (gpu->sources[k].url)
                gpv_buf_printf(out, "m%zu_s%zu_url},\n", m, k);
            else
                gpv_buf_puts(out, "NULL},\n");
        }
        gpv_buf_puts(out, "};\n");
    }
    if (gpu->mig)
        put_mig(out, gpu, m);
    if (gpu->vgpu)
        put_vgpu(out, gpu, m);
    gpv_buf_printf(&body, "static struct gpv_gpu m%zu = {\n    .id = ", m);
    snprintf(sym, sizeof(sym), "m%zu_id", m);
    put_str(&body, out, sym, gpu->id);
    gpv_buf_puts(&body, ", .name = ");
    snprintf(sym, sizeof(sym), "m%zu_name", m);
    put_str(&body, out, sym, gpu->name);
    gpv_buf_printf(&body, ", .naliases = %zu, .aliases = ", gpu->naliases);
    snprintf(sym, sizeof(sym), "m%zu_aliases", m);
    put_strv(&body, out, sym, gpu->aliases, gpu->naliases);
    gpv_buf_puts(&body, ",\n    .architecture = ");
    snprintf(sym, sizeof(sym), "m%zu_arch", m);
    put_str(&body, out, sym, gpu->architecture);
    gpv_buf_printf(&body, ", .memory_mib = %lldLL, .gpus_per_board = %d, .nsources = %zu,",
                   gpu->memory_mib, gpu->gpus_per_board, gpu->nsources);
    if (gpu->sources)
        gpv_buf_printf(&body, " .sources = m%zu_s,\n", m);
    else
        gpv_buf_puts(&body, " .sources = NULL,\n");
    gpv_buf_printf(&body, "    .nnotes = %zu, .notes = ", gpu->nnotes);
    snprintf(sym, sizeof(sym), "m%zu_notes", m);
    put_strv(&body, out, sym, gpu->notes, gpu->nnotes);
    gpv_buf_printf(&body, ", .inferred = %uu,\n    .mig = ", gpu->inferred);
    if (gpu->mig)
        gpv_buf_printf(&body, "&m%zu_mig", m);
    else
        gpv_buf_puts(&body, "NULL");
    gpv_buf_puts(&body, ", .vgpu = ");
    if (gpu->vgpu)
        gpv_buf_printf(&body, "&m%zu_vgpu", m);
    else
        gpv_buf_puts(&body, "NULL");
    gpv_buf_puts(&body, ", .origin = ");
    snprintf(sym, sizeof(sym), "m%zu_origin", m);
    put_str(&body, out, sym, gpu->origin);
    gpv_buf_puts(&body, ", .builtin = true};\n\n");
    gpv_buf_puts(out, gpv_buf_str(&body));
    gpv_buf_release(&body);
}

void
gpv_db_write_c(struct gpv_buf *out, const struct gpv_db *db)
{
    size_t m;

    gpv_buf_puts(out, "/* Generated by tools/dbgen.c from profiles/gpus/; do not edit. */\n"
                      "#include \"db_int.h\"\n\n#include <stdbool.h>\n#include <stddef.h>\n\n");
    for (m = 0; m < db->ngpus; m++)
        put_gpu(out, db->gpus[m], m);
    gpv_buf_puts(out, "struct gpv_gpu *const gpv_db_compiled[] = {");
    for (m = 0; m < db->ngpus; m++)
        gpv_buf_printf(out, "&m%zu, ", m);
    gpv_buf_printf(out, "NULL};\nconst size_t gpv_db_compiled_count = %zu;\n", db->ngpus);
}
