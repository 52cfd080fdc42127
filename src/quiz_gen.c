/*
 * Questions generated from the profile database and the MIG engine. Every answer is computed
 * here from the data (never typed in), and every explanation shows the computation, so a
 * learner sees the hardware truth: four 2g.20gb do not fit an H100 80GB, four 1g.20gb do.
 */
#include "gpuvplan/mig.h"
#include "gpuvplan/mig_text.h"
#include "gpuvplan/quiz.h"
#include "gpuvplan/units.h"
#include "gpuvplan/util.h"
#include "quiz_gen_int.h"
#include "quiz_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
qg_cs_init(struct choice_set *cs)
{
    cs->n = 0;
    cs->answer = -1;
}

static void
cs_release(struct choice_set *cs)
{
    int i;

    for (i = 0; i < cs->n; i++)
        free(cs->v[i]);
    cs->n = 0;
}

/* Adds text (taken over) unless it repeats a choice or the set is full. */
bool
qg_cs_add(struct choice_set *cs, char *text, bool right)
{
    int i;

    for (i = 0; i < cs->n; i++)
        if (!strcmp(cs->v[i], text))
            break;
    if (i < cs->n || cs->n == GPV_QUIZ_MAX_CHOICES) {
        free(text);
        return false;
    }
    if (right)
        cs->answer = cs->n;
    cs->v[cs->n++] = text;
    return true;
}

/* Numeric choices: the answer and distinct positive distractors, shown in ascending order. */
void
qg_cs_numbers(struct choice_set *cs, int answer, const int *cand, int ncand, int nchoices)
{
    int vals[GPV_QUIZ_MAX_CHOICES], n = 0, i, j, t;

    vals[n++] = answer;
    for (i = 0; i < ncand && n < nchoices; i++) {
        if (cand[i] < 1)
            continue;
        for (j = 0; j < n; j++)
            if (vals[j] == cand[i])
                break;
        if (j == n)
            vals[n++] = cand[i];
    }
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && vals[j - 1] > vals[j]; j--) {
            t = vals[j];
            vals[j] = vals[j - 1];
            vals[j - 1] = t;
        }
    for (i = 0; i < n; i++)
        qg_cs_add(cs, xasprintf("%d", vals[i]), vals[i] == answer);
}

/* Ids are lowercase and keep only [a-z0-9.-_]; anything else becomes '-'. */
char *
qg_make_id(const char *fmt_a, const char *a, const char *b)
{
    char *id = xasprintf("gen-%s-%s%s%s", fmt_a, a, b ? "-" : "", b ? b : "");
    char *s;

    for (s = id; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
        else if (*s == '+')
            *s = '.'; /* as mig-parted's names do: 1g.24gb+me and 1g.24gb-me stay apart */
        else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
                   *s == '_'))
            *s = '-';
    }
    return id;
}

/*
 * Appends a question built from the parts (all taken over). shuffle draws the choice order
 * from the generator; otherwise the order stays (numbers ascending). Returns false, freeing
 * everything, when the id is taken or the choices are not a real question.
 */
bool
qg_emit(struct gen *g, char *id, const char *topic, char *question, struct choice_set *cs,
        bool shuffle, char *explanation, char *source)
{
    struct gpv_quiz_question *q;
    size_t order[GPV_QUIZ_MAX_CHOICES];
    int i;

    if (gpv_quiz_find(g->quiz, id) || cs->n < GPV_QUIZ_MIN_CHOICES || cs->answer < 0) {
        free(id);
        free(question);
        free(explanation);
        free(source);
        cs_release(cs);
        return false;
    }
    for (i = 0; i < cs->n; i++)
        order[i] = (size_t)i;
    if (shuffle)
        gpv_quiz_shuffle(order, (size_t)cs->n, &g->rng);
    q = gpv_quiz_append(g->quiz);
    q->id = id;
    q->topic = xstrdup(topic);
    q->question = question;
    q->nchoices = (size_t)cs->n;
    q->choices = xcalloc(q->nchoices, sizeof(*q->choices));
    for (i = 0; i < cs->n; i++) {
        q->choices[i] = cs->v[order[i]];
        if ((int)order[i] == cs->answer)
            q->answer = i;
    }
    cs->n = 0;
    q->explanation = explanation;
    q->source = source;
    q->origin = GPV_QUIZ_GENERATED;
    q->line = 0;
    g->added++;
    return true;
}

const char *
qg_gib(char *buf, size_t n, long long mib)
{
    return gpv_mib_format(buf, n, mib);
}

/* Where a model's fact comes from: its file and the cited source's title. */
char *
qg_fact_source(const struct gpv_gpu *gpu, const char *source_id, const char *how)
{
    const struct gpv_source *s = source_id ? gpv_gpu_source(gpu, source_id) : NULL;

    return xasprintf("%s%s%s%s; %s", gpu->origin, s ? " [" : "", s ? s->title : "", s ? "]" : "",
                     how);
}

/* Bytes of a decimal-GB request against MiB of an instance. */
bool
qg_covers(long long mib, int gb)
{
    return (double)mib * MIB >= (double)gb * GB;
}

/* Appends the fact names of bits ("starts and max"). */
static void
put_facts(struct gpv_buf *b, unsigned bits)
{
    unsigned bit;
    int n = 0, total = 0;

    for (bit = 1; bit && bit <= bits; bit <<= 1)
        total += (bits & bit) && gpv_fact_name(bit);
    for (bit = 1; bit && bit <= bits; bit <<= 1) {
        if (!(bits & bit) || !gpv_fact_name(bit))
            continue;
        gpv_buf_printf(b, "%s%s", n ? (n + 1 == total ? " and " : ", ") : "", gpv_fact_name(bit));
        n++;
    }
}

/*
 * Appends a caution when the answer rests on values the database marks inferred: the `bits` of
 * the profiles in `set` (bit i = profile i), and every inferred constraint when `constraints`.
 */
static void
put_inferred_profiles(struct gpv_buf *b, const struct gpv_gpu *gpu, uint64_t set, unsigned bits,
                      bool constraints)
{
    unsigned facts = 0;
    size_t i;
    int n = 0;

    for (i = 0; i < gpu->mig->nprofiles; i++)
        if ((set >> i & 1) && (gpu->mig->profiles[i].inferred & bits))
            facts |= gpu->mig->profiles[i].inferred & bits;
    for (i = 0; constraints && i < gpu->mig->nconstraints; i++)
        n += gpu->mig->constraints[i].inferred;
    if (!facts && !n)
        return;
    gpv_buf_puts(b, " Caution: this answer rests on values the database marks inferred, not "
                    "quoted from a source (");
    if (facts) {
        gpv_buf_puts(b, "the ");
        put_facts(b, facts);
        gpv_buf_puts(b, " of the profiles used");
    }
    if (n)
        gpv_buf_printf(b, "%s%d placement constraint%s", facts ? "; " : "", n, n == 1 ? "" : "s");
    gpv_buf_printf(b, "); `gpuvplan show %s` lists them.", gpu->id);
}

/* The same caution for the `bits` of one vGPU type. */
void
qg_put_inferred_type(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_vgpu_type *t,
                     unsigned bits)
{
    if (!(t->inferred & bits))
        return;
    gpv_buf_puts(b, " Caution: this answer rests on a value the database marks inferred, not "
                    "quoted from a source (the ");
    put_facts(b, t->inferred & bits);
    gpv_buf_printf(b, " of %s); `gpuvplan show %s` lists it.", t->name, gpu->id);
}

#define GEOMETRY_FACTS (GPV_F_SIZE | GPV_F_STARTS | GPV_F_MAX)

static void
put_layout(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_mig_layout *l)
{
    int i;

    for (i = 0; i < l->n; i++) {
        const struct gpv_mig_profile *p = &gpu->mig->profiles[l->inst[i].profile];

        if (p->size == 1)
            gpv_buf_printf(b, "%s%s at unit %d", i ? ", " : "", p->name, l->inst[i].start);
        else
            gpv_buf_printf(b, "%s%s at units %d-%d", i ? ", " : "", p->name, l->inst[i].start,
                           l->inst[i].start + p->size - 1);
    }
}

/* "4x 2g.20gb, 1x 1g.10gb" and, for the CLI, "4x2g.20gb 1g.10gb". */
static void
put_counts(struct gpv_buf *human, struct gpv_buf *args, const struct gpv_gpu *gpu,
           const int *counts)
{
    size_t i;
    bool first = true;

    for (i = 0; i < gpu->mig->nprofiles; i++) {
        if (!counts[i])
            continue;
        if (human)
            gpv_buf_printf(human, "%s%dx %s", first ? "" : ", ", counts[i],
                           gpu->mig->profiles[i].name);
        if (args) {
            if (counts[i] > 1)
                gpv_buf_printf(args, "%s%dx%s", first ? "" : " ", counts[i],
                               gpu->mig->profiles[i].name);
            else
                gpv_buf_printf(args, "%s%s", first ? "" : " ", gpu->mig->profiles[i].name);
        }
        first = false;
    }
}

/* ---- model and profile draws ------------------------------------------------------------ */

const struct gpv_gpu *
qg_draw_gpu(struct gen *g, bool want_mig, bool want_vgpu)
{
    const struct gpv_gpu *pool[256];
    size_t i, n = 0;

    for (i = 0; i < g->db->ngpus && n < 256; i++) {
        const struct gpv_gpu *gpu = g->db->gpus[i];

        if ((want_mig && !gpu->mig) || (want_vgpu && (!gpu->vgpu || !gpu->vgpu->ntypes)))
            continue;
        pool[n++] = gpu;
    }
    return n ? pool[gpv_quiz_rng_below(&g->rng, n)] : NULL;
}

/* A profile a tenant would ask for: no media extension (those are capped at one per GPU). */
bool
qg_plain_profile(const struct gpv_gpu *gpu, int p)
{
    return !gpu->mig->profiles[p].media;
}

static int
draw_profile(struct gen *g, const struct gpv_gpu *gpu)
{
    int pool[GPV_MIG_MAX_PROFILES], n = 0;
    size_t i;

    for (i = 0; i < gpu->mig->nprofiles; i++)
        if (qg_plain_profile(gpu, (int)i))
            pool[n++] = (int)i;
    return n ? pool[gpv_quiz_rng_below(&g->rng, (uint64_t)n)] : -1;
}

int
qg_max_of(const struct gpv_gpu *gpu, int p)
{
    int zeros[GPV_MIG_MAX_PROFILES] = {0};

    return gpv_mig_max_more(gpu, zeros, p, 0);
}

/* Featured pairs are tried first, then draws; a pair the database lacks is skipped. */
const struct gpv_gpu *
qg_featured_gpu(struct gen *g, const char *id)
{
    return id ? gpv_db_find(g->db, id) : NULL;
}

/* ---- kind: most instances of one profile ------------------------------------------------ */

static bool
q_profile_max(struct gen *g, const struct gpv_gpu *gpu, int p)
{
    const struct gpv_mig_profile *pr = &gpu->mig->profiles[p];
    int counts[GPV_MIG_MAX_PROFILES] = {0};
    struct gpv_mig_layout l;
    struct choice_set cs;
    struct gpv_buf e;
    char a[32], b[32];
    int k = qg_max_of(gpu, p), naive, cand[6];

    if (k < 1)
        return false;
    naive = (int)(gpu->memory_mib / pr->memory_mib);
    cand[0] = naive;
    cand[1] = gpu->mig->compute_slices / pr->compute_slices;
    cand[2] = gpu->mig->units / pr->size;
    cand[3] = k + 1;
    cand[4] = k - 1;
    cand[5] = 7;
    qg_cs_init(&cs);
    qg_cs_numbers(&cs, k, cand, 6, 4);
    counts[p] = k;
    gpv_buf_init(&e);
    gpv_buf_printf(&e,
                   "%d. %s takes %d of the %d units of the placement grid and may start only "
                   "at units ",
                   k, pr->name, pr->size, gpu->mig->units);
    gpv_mig_text_starts(&e, pr, " and ");
    gpv_buf_printf(&e, "; its table maximum is %d per GPU.", pr->max);
    if (gpv_mig_place(&l, gpu, counts, 0)) {
        gpv_buf_printf(&e, " The MIG engine places %d: ", k);
        put_layout(&e, gpu, &l);
        gpv_buf_puts(&e, ".");
    }
    if (naive > k)
        gpv_buf_printf(&e,
                       " Dividing memory (%s / %s) suggests %d, but the start positions and the "
                       "profile's maximum set the limit, not the memory.",
                       qg_gib(a, sizeof(a), gpu->memory_mib), qg_gib(b, sizeof(b), pr->memory_mib),
                       naive);
    put_inferred_profiles(&e, gpu, (uint64_t)1 << p, GEOMETRY_FACTS, true);
    return qg_emit(
        g, qg_make_id("max", gpu->id, pr->name), "mig-geometry",
        xasprintf("At most how many %s MIG instances can one %s hold at the same time?", pr->name,
                  gpu->name),
        &cs, false, gpv_buf_detach(&e),
        qg_fact_source(gpu, pr->source, "computed by the MIG engine (gpv_mig_max_more)"));
}

static void
kind_profile_max(struct gen *g)
{
    static const char *const featured[][2] = {
        {"h100-80gb", "2g.20gb"}, {"a30", "2g.12gb"}, {"rtx-pro-6000", "1g.24gb"}};
    size_t start = g->added, i;
    int t;

    for (i = 0; i < sizeof(featured) / sizeof(featured[0]); i++) {
        const struct gpv_gpu *gpu = qg_featured_gpu(g, featured[i][0]);
        int p = gpu && gpu->mig ? gpv_gpu_find_profile(gpu, featured[i][1]) : -1;

        if (p >= 0)
            q_profile_max(g, gpu, p);
    }
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++) {
        const struct gpv_gpu *gpu = qg_draw_gpu(g, true, false);
        int p = gpu ? draw_profile(g, gpu) : -1;

        if (p >= 0)
            q_profile_max(g, gpu, p);
    }
}

/* ---- kind: is this geometry valid? ------------------------------------------------------ */

static bool
q_geometry(struct gen *g, const struct gpv_gpu *gpu, const int *counts)
{
    struct gpv_mig_layout l;
    struct gpv_buf human, args, e;
    struct choice_set cs;
    bool valid = gpv_mig_place(&l, gpu, counts, 0);
    char *id;
    bool added;

    gpv_buf_init(&human);
    gpv_buf_init(&args);
    gpv_buf_init(&e);
    put_counts(&human, &args, gpu, counts);
    if (!human.len) {
        gpv_buf_release(&human);
        gpv_buf_release(&args);
        return false;
    }
    qg_cs_init(&cs);
    qg_cs_add(&cs, xstrdup("Yes"), valid);
    qg_cs_add(&cs, xstrdup("No"), !valid);
    if (valid) {
        gpv_buf_puts(&e, "Yes. The MIG engine finds a placement: ");
        put_layout(&e, gpu, &l);
        gpv_buf_puts(&e, ".");
    } else {
        gpv_buf_puts(&e, "No: ");
        gpv_mig_text_reasons(&e, gpu, counts, 0, "; ");
        gpv_buf_puts(&e, ".");
    }
    gpv_buf_printf(&e, " Try `gpuvplan mig check %s %s`.", gpu->id, gpv_buf_str(&args));
    {
        uint64_t set = 0;
        size_t i;

        for (i = 0; i < gpu->mig->nprofiles; i++)
            if (counts[i])
                set |= (uint64_t)1 << i;
        put_inferred_profiles(&e, gpu, set, GEOMETRY_FACTS, true);
    }
    id = qg_make_id("geometry", gpu->id, gpv_buf_str(&args));
    added = qg_emit(g, id, "mig-geometry",
                    xasprintf("Can one %s hold these MIG instances at the same time: %s?",
                              gpu->name, gpv_buf_str(&human)),
                    &cs, false, gpv_buf_detach(&e),
                    qg_fact_source(gpu, gpu->mig->nprofiles ? gpu->mig->profiles[0].source : NULL,
                                   "computed by the MIG engine (gpv_mig_place, gpv_mig_explain)"));
    gpv_buf_release(&human);
    gpv_buf_release(&args);
    return added;
}

/* Reservoir-samples one multiset from the enumeration (a maximal one when want_maximal). */
struct pick_ctx {
    struct gen *g;
    bool want_maximal;
    uint64_t seen;
    int counts[GPV_MIG_MAX_PROFILES];
    size_t nprofiles;
};

static int
pick_cb(void *ctx, const int *counts, const struct gpv_mig_layout *witness, bool maximal)
{
    struct pick_ctx *pc = ctx;

    (void)witness;
    if (pc->want_maximal && !maximal)
        return 0;
    pc->seen++;
    if (gpv_quiz_rng_below(&pc->g->rng, pc->seen) == 0)
        memcpy(pc->counts, counts, pc->nprofiles * sizeof(*counts));
    return 0;
}

static void
kind_geometry(struct gen *g)
{
    static const struct {
        const char *gpu;
        const char *p1;
        int n1;
        const char *p2;
        int n2;
    } featured[] = {{"h100-80gb", "2g.20gb", 4, NULL, 0},
                    {"h100-80gb", "1g.20gb", 4, NULL, 0},
                    {"a100-40gb", "4g.20gb", 1, "3g.20gb", 1}};
    size_t start = g->added, i;
    int t;

    for (i = 0; i < sizeof(featured) / sizeof(featured[0]); i++) {
        const struct gpv_gpu *gpu = qg_featured_gpu(g, featured[i].gpu);
        int counts[GPV_MIG_MAX_PROFILES] = {0}, p1, p2 = -1;

        if (!gpu || !gpu->mig)
            continue;
        p1 = gpv_gpu_find_profile(gpu, featured[i].p1);
        if (featured[i].p2)
            p2 = gpv_gpu_find_profile(gpu, featured[i].p2);
        if (p1 < 0 || (featured[i].p2 && p2 < 0))
            continue;
        counts[p1] += featured[i].n1;
        if (p2 >= 0)
            counts[p2] += featured[i].n2;
        q_geometry(g, gpu, counts);
    }
    /* Draws alternate: a valid multiset, then a maximal one with one instance too many. */
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++) {
        const struct gpv_gpu *gpu = qg_draw_gpu(g, true, false);
        struct pick_ctx pc;
        int p;

        if (!gpu)
            break;
        memset(&pc, 0, sizeof(pc));
        pc.g = g;
        pc.want_maximal = t % 2 == 1;
        pc.nprofiles = gpu->mig->nprofiles;
        gpv_mig_enumerate(gpu, 0, pick_cb, &pc);
        if (!pc.seen)
            continue;
        if (pc.want_maximal) {
            if ((p = draw_profile(g, gpu)) < 0)
                continue;
            pc.counts[p]++;
        }
        q_geometry(g, gpu, pc.counts);
    }
}

/* ---- kind: which profile gives N tenants M GB each? ------------------------------------- */

/* Why profile p cannot give n tenants gb GB each on gpu; empty when it can. */
static void
put_profile_fails(struct gpv_buf *b, const struct gpv_gpu *gpu, int p, int n, int gb)
{
    const struct gpv_mig_profile *pr = &gpu->mig->profiles[p];
    char a[32];
    int k;

    if (!qg_covers(pr->memory_mib, gb)) {
        gpv_buf_printf(b, "%s has only %s, less than %d GB", pr->name,
                       qg_gib(a, sizeof(a), pr->memory_mib), gb);
        return;
    }
    k = qg_max_of(gpu, p);
    gpv_buf_printf(b, "%d %s instances do not fit: at most %d per GPU (it starts only at units ", n,
                   pr->name, k);
    gpv_mig_text_starts(b, pr, " and ");
    gpv_buf_puts(b, ")");
}

static bool
profile_serves(const struct gpv_gpu *gpu, int p, int n, int gb)
{
    int counts[GPV_MIG_MAX_PROFILES] = {0};

    counts[p] = n;
    return qg_covers(gpu->mig->profiles[p].memory_mib, gb) && gpv_mig_place(NULL, gpu, counts, 0);
}

/* Orders profiles by memory, then compute slices, then size: "smallest" first. */
static bool
smaller_profile(const struct gpv_gpu *gpu, int a, int b)
{
    const struct gpv_mig_profile *x = &gpu->mig->profiles[a], *y = &gpu->mig->profiles[b];

    if (x->memory_mib != y->memory_mib)
        return x->memory_mib < y->memory_mib;
    if (x->compute_slices != y->compute_slices)
        return x->compute_slices < y->compute_slices;
    return x->size < y->size;
}

static bool
q_tenants_profile(struct gen *g, const struct gpv_gpu *gpu, int n, int gb)
{
    int best = -1, tempting[GPV_MIG_MAX_PROFILES], nt = 0, small = -1, i, k, j;
    int counts[GPV_MIG_MAX_PROFILES] = {0};
    int picked[GPV_QUIZ_MAX_CHOICES], np = 0;
    struct gpv_mig_layout l;
    struct choice_set cs;
    struct gpv_buf e;
    char a[32], b[32];
    char detail[32];

    for (i = 0; i < (int)gpu->mig->nprofiles; i++) {
        if (!qg_plain_profile(gpu, i))
            continue;
        if (profile_serves(gpu, i, n, gb)) {
            if (best < 0 || smaller_profile(gpu, i, best))
                best = i;
        } else if (qg_covers(gpu->mig->profiles[i].memory_mib, gb)) {
            /* Enough memory but not n of them: the tempting wrong answers, smallest first. */
            for (k = nt; k > 0 && smaller_profile(gpu, i, tempting[k - 1]); k--)
                tempting[k] = tempting[k - 1];
            tempting[k] = i;
            nt++;
        } else if (small < 0 || smaller_profile(gpu, small, i)) {
            small = i;
        }
    }
    if (best < 0)
        return false;
    /* Every other valid profile stays out of the choices, so exactly one choice is right. */
    for (i = 0; i < nt && np < 2; i++)
        picked[np++] = tempting[i];
    if (small >= 0)
        picked[np++] = small;
    for (i = 2; i < nt && np < 3; i++)
        picked[np++] = tempting[i];
    if (np == 0)
        return false;
    qg_cs_init(&cs);
    qg_cs_add(&cs, xasprintf("%dx %s", n, gpu->mig->profiles[best].name), true);
    for (i = 0; i < np; i++)
        qg_cs_add(&cs, xasprintf("%dx %s", n, gpu->mig->profiles[picked[i]].name), false);
    counts[best] = n;
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%dx %s: each instance has %s, at least %d GB (%s)", n,
                   gpu->mig->profiles[best].name,
                   qg_gib(a, sizeof(a), gpu->mig->profiles[best].memory_mib), gb,
                   qg_gib(b, sizeof(b), (long long)((double)gb * GB / MIB + 0.5)));
    if (gpv_mig_place(&l, gpu, counts, 0)) {
        gpv_buf_puts(&e, ", and the MIG engine places all of them: ");
        put_layout(&e, gpu, &l);
    }
    gpv_buf_puts(&e, ".");
    for (j = 0; j < np; j++) {
        gpv_buf_puts(&e, " ");
        put_profile_fails(&e, gpu, picked[j], n, gb);
        gpv_buf_puts(&e, ".");
    }
    put_inferred_profiles(&e, gpu, (uint64_t)1 << best, GEOMETRY_FACTS | GPV_F_MEMORY, true);
    snprintf(detail, sizeof(detail), "%dx%dgb", n, gb);
    return qg_emit(g, qg_make_id("tenants", gpu->id, detail), "mig-geometry",
                   xasprintf("%d tenants each need their own MIG instance with at least %d GB on "
                             "one %s. Which layout does the GPU accept?",
                             n, gb, gpu->name),
                   &cs, true, gpv_buf_detach(&e),
                   qg_fact_source(gpu, gpu->mig->profiles[best].source,
                                  "computed by the MIG engine (gpv_mig_place, gpv_mig_max_more)"));
}

static void
kind_tenants_profile(struct gen *g)
{
    static const struct {
        const char *gpu;
        int n, gb;
    } featured[] = {{"h100-80gb", 4, 20}, {"a100-80gb", 3, 20}};
    size_t start = g->added, i;
    int t;

    for (i = 0; i < sizeof(featured) / sizeof(featured[0]); i++) {
        const struct gpv_gpu *gpu = qg_featured_gpu(g, featured[i].gpu);

        if (gpu && gpu->mig)
            q_tenants_profile(g, gpu, featured[i].n, featured[i].gb);
    }
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++) {
        const struct gpv_gpu *gpu = qg_draw_gpu(g, true, false);
        int p = gpu ? draw_profile(g, gpu) : -1, k, n, gb;

        if (p < 0 || (k = qg_max_of(gpu, p)) < 2)
            continue;
        n = 2 + (int)gpv_quiz_rng_below(&g->rng, (uint64_t)(k - 1));
        gb = (int)((double)gpu->mig->profiles[p].memory_mib * MIB / GB);
        if (gb >= 1)
            q_tenants_profile(g, gpu, n, gb);
    }
}

/* ---- kinds over whole models ------------------------------------------------------------ */

static bool
q_most_instances(struct gen *g, const struct gpv_gpu *gpu)
{
    struct gpv_mig_layout w;
    int k = gpv_mig_most_instances(&w, gpu), cand[6];
    struct choice_set cs;
    struct gpv_buf e;

    if (k < 1)
        return false;
    cand[0] = 7;
    cand[1] = gpu->mig->units;
    cand[2] = 4;
    cand[3] = k + 1;
    cand[4] = 8;
    cand[5] = k - 1;
    qg_cs_init(&cs);
    qg_cs_numbers(&cs, k, cand, 6, 4);
    gpv_buf_init(&e);
    gpv_buf_printf(&e,
                   "%d. Its placement grid has %d units and %d compute slices; the fullest "
                   "layout the MIG engine finds is ",
                   k, gpu->mig->units, gpu->mig->compute_slices);
    put_layout(&e, gpu, &w);
    gpv_buf_puts(&e, ".");
    if (k != 7)
        gpv_buf_puts(&e, " \"Up to 7\" holds for A100, H100, H200 and B200-class GPUs only.");
    {
        uint64_t set = 0;
        int i;

        for (i = 0; i < w.n; i++)
            set |= (uint64_t)1 << w.inst[i].profile;
        put_inferred_profiles(&e, gpu, set, GEOMETRY_FACTS, true);
    }
    return qg_emit(
        g, qg_make_id("most", gpu->id, NULL), "tenants",
        xasprintf("At most how many MIG instances can one %s run at the same time?", gpu->name),
        &cs, false, gpv_buf_detach(&e),
        qg_fact_source(gpu, gpu->mig->nprofiles ? gpu->mig->profiles[0].source : NULL,
                       "computed by the MIG engine (gpv_mig_enumerate)"));
}

static void
kind_most_instances(struct gen *g)
{
    static const char *const featured[] = {"a30", "rtx-pro-6000", "h100-80gb"};
    size_t start = g->added, i;
    const struct gpv_gpu *gpu;
    int t;

    for (i = 0; i < sizeof(featured) / sizeof(featured[0]); i++)
        if ((gpu = qg_featured_gpu(g, featured[i])) && gpu->mig)
            q_most_instances(g, gpu);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = qg_draw_gpu(g, true, false)))
            q_most_instances(g, gpu);
}

static bool
has_series(const struct gpv_gpu *gpu, enum gpv_series s)
{
    size_t i;

    for (i = 0; gpu->vgpu && i < gpu->vgpu->ntypes; i++)
        if (gpu->vgpu->types[i].series == s)
            return true;
    return false;
}

/*
 * "Which of these models has X?": one model with the feature and up to three without.
 * mig: the feature is MIG; else it is Q-series vGPU types.
 */
static bool
q_which_model(struct gen *g, bool mig)
{
    const struct gpv_gpu *yes[256], *no[256];
    size_t nyes = 0, nno = 0, i;
    const struct gpv_gpu *right;
    struct choice_set cs;
    struct gpv_buf e;
    const char *names[3];
    int nn = 0, k;

    for (i = 0; i < g->db->ngpus && i < 256; i++) {
        const struct gpv_gpu *gpu = g->db->gpus[i];
        bool has = mig ? gpu->mig != NULL : has_series(gpu, GPV_SERIES_Q);

        /* Q-series distractors come from MIG boards: the confusion the question targets. */
        if (has)
            yes[nyes++] = gpu;
        else if (mig || (gpu->mig && gpu->vgpu && gpu->vgpu->ntypes))
            no[nno++] = gpu;
    }
    if (!nyes || !nno)
        return false;
    right = yes[gpv_quiz_rng_below(&g->rng, nyes)];
    qg_cs_init(&cs);
    qg_cs_add(&cs, xstrdup(right->name), true);
    while (nno > 0 && nn < 3) {
        k = (int)gpv_quiz_rng_below(&g->rng, nno);
        if (qg_cs_add(&cs, xstrdup(no[k]->name), false))
            names[nn++] = no[k]->name;
        no[k] = no[--nno];
    }
    gpv_buf_init(&e);
    if (mig) {
        gpv_buf_printf(&e,
                       "%s: MIG on a placement grid of %d units, up to %d instances at once. "
                       "The others have no MIG, so several tenants share them only through "
                       "time-sliced vGPU",
                       right->name, right->mig->units, gpv_mig_most_instances(NULL, right));
    } else {
        gpv_buf_printf(&e,
                       "%s offers Q-series (RTX vWS) types. The others offer compute (C-series) "
                       "types only, so they cannot serve virtual workstations",
                       right->name);
    }
    for (k = 0; k < nn; k++)
        gpv_buf_printf(&e, "%s%s", k == 0 ? " (" : ", ", names[k]);
    gpv_buf_puts(&e, nn ? ")." : ".");
    return qg_emit(g, qg_make_id(mig ? "has-mig" : "has-q", right->id, NULL), "gpus",
                   xstrdup(mig ? "Which of these GPUs supports MIG?"
                               : "Which of these GPUs offers Q-series (virtual workstation) vGPU "
                                 "types?"),
                   &cs, true, gpv_buf_detach(&e),
                   xasprintf("profiles/gpus/*.yaml: %s", mig ? "the models with a `mig` section"
                                                             : "the models with Q-series types"));
}

static void
kind_which_model(struct gen *g, bool mig)
{
    size_t start = g->added;
    int t;

    start = g->added;

    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        q_which_model(g, mig);
}

size_t
gpv_quiz_generate(struct gpv_quiz *quiz, const struct gpv_db *db, uint64_t seed)
{
    struct gen g;

    g.quiz = quiz;
    g.db = db;
    g.added = 0;
    gpv_quiz_rng_init(&g.rng, seed);
    kind_profile_max(&g);
    kind_geometry(&g);
    kind_tenants_profile(&g);
    kind_most_instances(&g);
    qg_kind_vgpu_fit(&g);
    qg_kind_vgpu_count(&g, qg_q_vgpu_tenants, "h100-80gb", "H100-4C");
    qg_kind_vgpu_count(&g, qg_q_fixed_share, "t4", "T4-4C");
    qg_kind_license(&g);
    qg_kind_mig_backed(&g);
    qg_kind_sharing(&g);
    kind_which_model(&g, true);
    kind_which_model(&g, false);
    return g.added;
}
