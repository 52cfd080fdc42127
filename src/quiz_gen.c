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
#include "quiz_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAWS 2   /* drawn questions of each kind, after the featured ones */
#define TRIES 40  /* draws per kind before giving up on a small database */
#define GB    1e9 /* tenants write decimal GB, as the exam does */
#define MIB   1048576.0

struct gen {
    struct gpv_quiz *quiz;
    const struct gpv_db *db;
    struct gpv_quiz_rng rng;
    size_t added;
};

/* Choices being collected: text owned, no repeats, one right answer. */
struct choice_set {
    int n;
    char *v[GPV_QUIZ_MAX_CHOICES];
    int answer;
};

static void
cs_init(struct choice_set *cs)
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
static bool
cs_add(struct choice_set *cs, char *text, bool right)
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
static void
cs_numbers(struct choice_set *cs, int answer, const int *cand, int ncand, int nchoices)
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
        cs_add(cs, xasprintf("%d", vals[i]), vals[i] == answer);
}

/* Ids are lowercase and keep only [a-z0-9.-_]; anything else becomes '-'. */
static char *
make_id(const char *fmt_a, const char *a, const char *b)
{
    char *id = xasprintf("gen-%s-%s%s%s", fmt_a, a, b ? "-" : "", b ? b : "");
    char *s;

    for (s = id; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
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
static bool
emit(struct gen *g, char *id, const char *topic, char *question, struct choice_set *cs,
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

static const char *
gib(char *buf, size_t n, long long mib)
{
    return gpv_mib_format(buf, n, mib);
}

/* Where a model's fact comes from: its file and the cited source's title. */
static char *
fact_source(const struct gpv_gpu *gpu, const char *source_id, const char *how)
{
    const struct gpv_source *s = source_id ? gpv_gpu_source(gpu, source_id) : NULL;

    return xasprintf("%s%s%s%s; %s", gpu->origin, s ? " [" : "", s ? s->title : "", s ? "]" : "",
                     how);
}

/* Bytes of a decimal-GB request against MiB of an instance. */
static bool
covers(long long mib, int gb)
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
static void
put_inferred_type(struct gpv_buf *b, const struct gpv_gpu *gpu, const struct gpv_vgpu_type *t,
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

static const struct gpv_gpu *
draw_gpu(struct gen *g, bool want_mig, bool want_vgpu)
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
static bool
plain_profile(const struct gpv_gpu *gpu, int p)
{
    return !gpu->mig->profiles[p].media;
}

static int
draw_profile(struct gen *g, const struct gpv_gpu *gpu)
{
    int pool[GPV_MIG_MAX_PROFILES], n = 0;
    size_t i;

    for (i = 0; i < gpu->mig->nprofiles; i++)
        if (plain_profile(gpu, (int)i))
            pool[n++] = (int)i;
    return n ? pool[gpv_quiz_rng_below(&g->rng, (uint64_t)n)] : -1;
}

static int
max_of(const struct gpv_gpu *gpu, int p)
{
    int zeros[GPV_MIG_MAX_PROFILES] = {0};

    return gpv_mig_max_more(gpu, zeros, p, 0);
}

/* Featured pairs are tried first, then draws; a pair the database lacks is skipped. */
static const struct gpv_gpu *
featured_gpu(struct gen *g, const char *id)
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
    int k = max_of(gpu, p), naive, cand[6];

    if (k < 1)
        return false;
    naive = (int)(gpu->memory_mib / pr->memory_mib);
    cand[0] = naive;
    cand[1] = gpu->mig->compute_slices / pr->compute_slices;
    cand[2] = gpu->mig->units / pr->size;
    cand[3] = k + 1;
    cand[4] = k - 1;
    cand[5] = 7;
    cs_init(&cs);
    cs_numbers(&cs, k, cand, 6, 4);
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
                       gib(a, sizeof(a), gpu->memory_mib), gib(b, sizeof(b), pr->memory_mib),
                       naive);
    put_inferred_profiles(&e, gpu, (uint64_t)1 << p, GEOMETRY_FACTS, true);
    return emit(g, make_id("max", gpu->id, pr->name), "mig-geometry",
                xasprintf("At most how many %s MIG instances can one %s hold at the same time?",
                          pr->name, gpu->name),
                &cs, false, gpv_buf_detach(&e),
                fact_source(gpu, pr->source, "computed by the MIG engine (gpv_mig_max_more)"));
}

static void
kind_profile_max(struct gen *g)
{
    static const char *const featured[][2] = {
        {"h100-80gb", "2g.20gb"}, {"a30", "2g.12gb"}, {"rtx-pro-6000", "1g.24gb"}};
    size_t start = g->added, i;
    int t;

    for (i = 0; i < sizeof(featured) / sizeof(featured[0]); i++) {
        const struct gpv_gpu *gpu = featured_gpu(g, featured[i][0]);
        int p = gpu && gpu->mig ? gpv_gpu_find_profile(gpu, featured[i][1]) : -1;

        if (p >= 0)
            q_profile_max(g, gpu, p);
    }
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++) {
        const struct gpv_gpu *gpu = draw_gpu(g, true, false);
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
    cs_init(&cs);
    cs_add(&cs, xstrdup("Yes"), valid);
    cs_add(&cs, xstrdup("No"), !valid);
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
    id = make_id("geometry", gpu->id, gpv_buf_str(&args));
    added = emit(g, id, "mig-geometry",
                 xasprintf("Can one %s hold these MIG instances at the same time: %s?", gpu->name,
                           gpv_buf_str(&human)),
                 &cs, false, gpv_buf_detach(&e),
                 fact_source(gpu, gpu->mig->nprofiles ? gpu->mig->profiles[0].source : NULL,
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
        const struct gpv_gpu *gpu = featured_gpu(g, featured[i].gpu);
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
        const struct gpv_gpu *gpu = draw_gpu(g, true, false);
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

    if (!covers(pr->memory_mib, gb)) {
        gpv_buf_printf(b, "%s has only %s, less than %d GB", pr->name,
                       gib(a, sizeof(a), pr->memory_mib), gb);
        return;
    }
    k = max_of(gpu, p);
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
    return covers(gpu->mig->profiles[p].memory_mib, gb) && gpv_mig_place(NULL, gpu, counts, 0);
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
        if (!plain_profile(gpu, i))
            continue;
        if (profile_serves(gpu, i, n, gb)) {
            if (best < 0 || smaller_profile(gpu, i, best))
                best = i;
        } else if (covers(gpu->mig->profiles[i].memory_mib, gb)) {
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
    cs_init(&cs);
    cs_add(&cs, xasprintf("%dx %s", n, gpu->mig->profiles[best].name), true);
    for (i = 0; i < np; i++)
        cs_add(&cs, xasprintf("%dx %s", n, gpu->mig->profiles[picked[i]].name), false);
    counts[best] = n;
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%dx %s: each instance has %s, at least %d GB (%s)", n,
                   gpu->mig->profiles[best].name,
                   gib(a, sizeof(a), gpu->mig->profiles[best].memory_mib), gb,
                   gib(b, sizeof(b), (long long)((double)gb * GB / MIB + 0.5)));
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
    return emit(g, make_id("tenants", gpu->id, detail), "mig-geometry",
                xasprintf("%d tenants each need their own MIG instance with at least %d GB on "
                          "one %s. Which layout does the GPU accept?",
                          n, gb, gpu->name),
                &cs, true, gpv_buf_detach(&e),
                fact_source(gpu, gpu->mig->profiles[best].source,
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
        const struct gpv_gpu *gpu = featured_gpu(g, featured[i].gpu);

        if (gpu && gpu->mig)
            q_tenants_profile(g, gpu, featured[i].n, featured[i].gb);
    }
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++) {
        const struct gpv_gpu *gpu = draw_gpu(g, true, false);
        int p = gpu ? draw_profile(g, gpu) : -1, k, n, gb;

        if (p < 0 || (k = max_of(gpu, p)) < 2)
            continue;
        n = 2 + (int)gpv_quiz_rng_below(&g->rng, (uint64_t)(k - 1));
        gb = (int)((double)gpu->mig->profiles[p].memory_mib * MIB / GB);
        if (gb >= 1)
            q_tenants_profile(g, gpu, n, gb);
    }
}

/* ---- vGPU kinds ------------------------------------------------------------------------- */

/* Time-sliced types of one series on gpu, by frame buffer ascending. Returns how many. */
static int
timesliced_types(int *out, int cap, const struct gpv_gpu *gpu, int series)
{
    int n = 0, k;
    size_t i;

    if (!gpu->vgpu)
        return 0;
    for (i = 0; i < gpu->vgpu->ntypes && n < cap; i++) {
        const struct gpv_vgpu_type *t = &gpu->vgpu->types[i];

        if (t->mig_profile >= 0 || (series >= 0 && (int)t->series != series))
            continue;
        for (k = n; k > 0 && gpu->vgpu->types[out[k - 1]].framebuffer_mib > t->framebuffer_mib; k--)
            out[k] = out[k - 1];
        out[k] = (int)i;
        n++;
    }
    return n;
}

static const char *
vgpu_source(const struct gpv_gpu *gpu, int type)
{
    return gpu->vgpu->types[type].source;
}

/* The smallest time-sliced C type that covers gb GB; idx is its position in the sorted list. */
static bool
q_vgpu_fit(struct gen *g, const struct gpv_gpu *gpu, const int *ts, int nts, int idx, int gb)
{
    const struct gpv_vgpu_type *right = &gpu->vgpu->types[ts[idx]];
    struct choice_set cs;
    struct gpv_buf e;
    char a[32], detail[32];
    int i;

    cs_init(&cs);
    cs_add(&cs, xstrdup(right->name), true);
    if (idx > 0)
        cs_add(&cs, xstrdup(gpu->vgpu->types[ts[idx - 1]].name), false);
    for (i = idx + 1; i < nts && cs.n < 4; i++)
        cs_add(&cs, xstrdup(gpu->vgpu->types[ts[i]].name), false);
    for (i = idx - 2; i >= 0 && cs.n < 4; i--)
        cs_add(&cs, xstrdup(gpu->vgpu->types[ts[i]].name), false);
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%s: %s of frame buffer covers %d GB, and it allows %d per GPU.",
                   right->name, gib(a, sizeof(a), right->framebuffer_mib), gb, right->max);
    if (idx > 0) {
        const struct gpv_vgpu_type *lo = &gpu->vgpu->types[ts[idx - 1]];

        gpv_buf_printf(&e, " %s has only %s.", lo->name, gib(a, sizeof(a), lo->framebuffer_mib));
    }
    if (idx + 1 < nts) {
        const struct gpv_vgpu_type *hi = &gpu->vgpu->types[ts[idx + 1]];

        gpv_buf_printf(&e,
                       " Larger types such as %s also cover it but fit fewer VMs per GPU (%d "
                       "instead of %d).",
                       hi->name, hi->max, right->max);
    }
    snprintf(detail, sizeof(detail), "%dgb", gb);
    return emit(g, make_id("vgpu-fit", gpu->id, detail), "vgpu-sizing",
                xasprintf("A VM on an %s needs at least %d GB of GPU memory. Which is the "
                          "smallest time-sliced C-series vGPU type that gives it?",
                          gpu->name, gb),
                &cs, true, gpv_buf_detach(&e),
                fact_source(gpu, vgpu_source(gpu, ts[idx]), "computed from the vGPU type table"));
}

static bool
try_vgpu_fit(struct gen *g, const struct gpv_gpu *gpu, int gb_fixed)
{
    int ts[128], nts = timesliced_types(ts, 128, gpu, GPV_SERIES_C), idx, lo, hi, gb;

    if (nts < 3)
        return false;
    if (gb_fixed > 0) {
        for (idx = 0; idx < nts; idx++)
            if (covers(gpu->vgpu->types[ts[idx]].framebuffer_mib, gb_fixed))
                break;
        return idx < nts && q_vgpu_fit(g, gpu, ts, nts, idx, gb_fixed);
    }
    idx = 1 + (int)gpv_quiz_rng_below(&g->rng, (uint64_t)(nts - 1));
    lo = (int)((double)gpu->vgpu->types[ts[idx - 1]].framebuffer_mib * MIB / GB) + 1;
    hi = (int)((double)gpu->vgpu->types[ts[idx]].framebuffer_mib * MIB / GB);
    if (lo > hi)
        return false;
    gb = lo + (int)gpv_quiz_rng_below(&g->rng, (uint64_t)(hi - lo + 1));
    return q_vgpu_fit(g, gpu, ts, nts, idx, gb);
}

static void
kind_vgpu_fit(struct gen *g)
{
    size_t start = g->added;
    const struct gpv_gpu *gpu = featured_gpu(g, "h100-80gb");
    int t;

    if (gpu)
        try_vgpu_fit(g, gpu, 7);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = draw_gpu(g, false, true)))
            try_vgpu_fit(g, gpu, 0);
}

static bool
q_vgpu_tenants(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    int naive = (int)(gpu->memory_mib / t->framebuffer_mib), cand[6];
    struct choice_set cs;
    struct gpv_buf e;
    char a[32], b[32];

    cand[0] = naive;
    cand[1] = t->max_mixed;
    cand[2] = 12;
    cand[3] = t->max * 2;
    cand[4] = t->max / 2;
    cand[5] = 8;
    cs_init(&cs);
    cs_numbers(&cs, t->max, cand, 6, 4);
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%d: NVIDIA's table allows %d %s vGPUs per GPU in equal-size mode", t->max,
                   t->max, t->name);
    if (t->max_mixed && t->max_mixed != t->max)
        gpv_buf_printf(&e, " (%d in mixed-size mode, where placement ids strand some memory)",
                       t->max_mixed);
    gpv_buf_puts(&e, ".");
    if (naive != t->max)
        gpv_buf_printf(&e,
                       " It is not the frame buffer divided by the type's size (%s / %s = %d): "
                       "the per-type cap decides.",
                       gib(a, sizeof(a), gpu->memory_mib), gib(b, sizeof(b), t->framebuffer_mib),
                       naive);
    if (gpu->gpus_per_board > 1)
        gpv_buf_printf(&e, " The count is per GPU; one %s board carries %d GPUs.", gpu->name,
                       gpu->gpus_per_board);
    put_inferred_type(&e, gpu, t, GPV_F_MAX);
    return emit(g, make_id("vgpu-tenants", gpu->id, t->name), "tenants",
                xasprintf("How many VMs, each with one %s vGPU, can share one %s GPU "
                          "(equal-size mode)?",
                          t->name, gpu->name),
                &cs, false, gpv_buf_detach(&e),
                fact_source(gpu, t->source, "read from the vGPU type table"));
}

static char *
percent(int max)
{
    double v = 100.0 / max;

    if (v == (double)(int)v)
        return xasprintf("%d%% (1/%d)", (int)v, max);
    return xasprintf("%.3g%% (1/%d)", v, max);
}

static bool
q_fixed_share(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    int naive = (int)(gpu->memory_mib / t->framebuffer_mib);
    struct choice_set cs;
    struct gpv_buf e;

    if (t->max < 2)
        return false;
    cs_init(&cs);
    cs_add(&cs, percent(t->max), true);
    cs_add(&cs, xstrdup("Nothing is guaranteed"), false);
    if (naive > 1)
        cs_add(&cs, percent(naive), false);
    if (t->max_mixed > 1)
        cs_add(&cs, percent(t->max_mixed), false);
    if (cs.n < 4)
        cs_add(&cs, percent(t->max / 2 > 1 ? t->max / 2 : t->max * 2), false);
    if (cs.n < 4)
        cs_add(&cs, percent(t->max * 2), false);
    gpv_buf_init(&e);
    gpv_buf_printf(&e,
                   "Fixed share gives every vGPU 1/max of the GPU's time, max being the type's "
                   "vGPUs per GPU: %d for %s, so 1/%d, even while fewer run. Equal share would "
                   "divide by the vGPUs running now; the default best-effort scheduler "
                   "guarantees nothing.",
                   t->max, t->name, t->max);
    if (gpu->vgpu->mixed_size)
        gpv_buf_puts(&e, " Fixed share needs the GPU in equal-size mode; mixed-size mode does "
                         "not offer it.");
    put_inferred_type(&e, gpu, t, GPV_F_MAX);
    return emit(g, make_id("fixed-share", gpu->id, t->name), "scheduling",
                xasprintf("Under the fixed-share scheduler, what share of one %s does each %s "
                          "vGPU get?",
                          gpu->name, t->name),
                &cs, true, gpv_buf_detach(&e),
                fact_source(gpu, t->source, "share = 1 / max per GPU (vgpu.md §3 Scheduling)"));
}

static int
draw_type(struct gen *g, const struct gpv_gpu *gpu, bool timesliced_only)
{
    int pool[256], n = 0;
    size_t i;

    for (i = 0; i < gpu->vgpu->ntypes && n < 256; i++)
        if (!timesliced_only || gpu->vgpu->types[i].mig_profile < 0)
            pool[n++] = (int)i;
    return n ? pool[gpv_quiz_rng_below(&g->rng, (uint64_t)n)] : -1;
}

static void
kind_vgpu_count(struct gen *g, bool (*make)(struct gen *, const struct gpv_gpu *, int),
                const char *featured_gpu_id, const char *featured_type)
{
    const struct gpv_gpu *gpu = featured_gpu(g, featured_gpu_id);
    size_t start = g->added;
    int t, type;

    if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, featured_type)) >= 0)
        make(g, gpu, type);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = draw_gpu(g, false, true)) && (type = draw_type(g, gpu, true)) >= 0)
            make(g, gpu, type);
}

static bool
q_license(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    static const char *const what[] = {
        [GPV_SERIES_A] = "virtual applications",
        [GPV_SERIES_B] = "virtual PC",
        [GPV_SERIES_C] = "compute",
        [GPV_SERIES_Q] = "virtual workstation",
    };
    struct choice_set cs;
    struct gpv_buf e;
    int s;

    cs_init(&cs);
    for (s = GPV_SERIES_A; s <= GPV_SERIES_Q; s++)
        if (s == (int)t->series || !gpv_series_license_covers((enum gpv_series)s, t->series))
            cs_add(&cs, xstrdup(gpv_series_license((enum gpv_series)s)), s == (int)t->series);
    cs_add(&cs, xstrdup("No licence"), false);
    gpv_buf_init(&e);
    gpv_buf_printf(&e, "%s is a %s-series (%s) type, and %s-series types need %s.", t->name,
                   gpv_series_name(t->series), what[t->series], gpv_series_name(t->series),
                   gpv_series_license(t->series));
    if (t->mig_profile >= 0)
        gpv_buf_printf(&e,
                       " It is MIG-backed (on a %s instance): bare MIG needs no vGPU licence, a "
                       "MIG-backed vGPU needs the licence of its series.",
                       gpu->mig->profiles[t->mig_profile].name);
    if (t->series == GPV_SERIES_B)
        gpv_buf_puts(&e, " An RTX vWS licence covers B-series too, so it is not offered as a "
                         "wrong choice.");
    put_inferred_type(&e, gpu, t, GPV_F_SERIES);
    return emit(g, make_id("license", gpu->id, t->name), "licensing",
                xasprintf("Which licence does a VM need for a vGPU of type %s?", t->name), &cs,
                true, gpv_buf_detach(&e),
                xasprintf("%s; %s", gpu->origin, gpv_series_license_source(t->series)));
}

static void
kind_license(struct gen *g)
{
    static const char *const featured[][2] = {
        {"h100-80gb", "H100-1-20C"}, {"l40s", "L40S-8Q"}, {"a16", "A16-2B"}};
    size_t start = g->added, i;
    int t, type;

    for (i = 0; i < sizeof(featured) / sizeof(featured[0]); i++) {
        const struct gpv_gpu *gpu = featured_gpu(g, featured[i][0]);

        if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, featured[i][1])) >= 0)
            q_license(g, gpu, type);
    }
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++) {
        const struct gpv_gpu *gpu = draw_gpu(g, false, true);

        if (gpu && (type = draw_type(g, gpu, false)) >= 0)
            q_license(g, gpu, type);
    }
}

static bool
q_mig_backed_profile(struct gen *g, const struct gpv_gpu *gpu, int type)
{
    const struct gpv_vgpu_type *t = &gpu->vgpu->types[type];
    const struct gpv_mig_profile *p;
    int others[GPV_MIG_MAX_PROFILES], n = 0, i, share;
    struct choice_set cs;
    struct gpv_buf e;
    char a[32];

    /* The answer is the profile: not asked where the database infers it. */
    if (t->mig_profile < 0 || !gpu->mig || (t->inferred & GPV_F_MIG_PROFILE))
        return false;
    p = &gpu->mig->profiles[t->mig_profile];
    share = max_of(gpu, t->mig_profile) > 0 ? t->max / max_of(gpu, t->mig_profile) : 1;
    for (i = 0; i < (int)gpu->mig->nprofiles; i++)
        if (i != t->mig_profile && plain_profile(gpu, i))
            others[n++] = i;
    cs_init(&cs);
    cs_add(&cs, xstrdup(p->name), true);
    while (n > 0 && cs.n < 4) {
        i = (int)gpv_quiz_rng_below(&g->rng, (uint64_t)n);
        cs_add(&cs, xstrdup(gpu->mig->profiles[others[i]].name), false);
        others[i] = others[--n];
    }
    gpv_buf_init(&e);
    gpv_buf_printf(&e,
                   "%s: a MIG-backed type is named board-slices-memory-series, and %s sits "
                   "on one %s instance (%d compute slice%s, %s), of which one GPU holds "
                   "up to %d.",
                   p->name, t->name, p->name, p->compute_slices, p->compute_slices == 1 ? "" : "s",
                   gib(a, sizeof(a), p->memory_mib), max_of(gpu, t->mig_profile));
    if (strstr(p->name, "+gfx"))
        gpv_buf_puts(&e, " On this GPU every MIG-backed type needs an instance created with the "
                         "+gfx (graphics) attribute.");
    if (share > 1)
        gpv_buf_printf(&e,
                       " The type is time-sliced inside the instance: %d vGPUs share each one in "
                       "turn (%d per GPU).",
                       share, t->max);
    else
        gpv_buf_puts(&e, " The VM gets that instance's engines to itself.");
    return emit(
        g, make_id("mig-backed", gpu->id, t->name), "methods",
        xasprintf("The MIG-backed vGPU type %s runs on which MIG GPU instance profile?", t->name),
        &cs, true, gpv_buf_detach(&e),
        fact_source(gpu, t->source, "read from the vGPU type table"));
}

static void
kind_mig_backed(struct gen *g)
{
    size_t start = g->added;
    const struct gpv_gpu *gpu = featured_gpu(g, "h100-80gb");
    int t, type;

    if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, "H100-2-20C")) >= 0)
        q_mig_backed_profile(g, gpu, type);
    /* A type time-sliced inside a +gfx instance: three DC-1-8C vGPUs per 1g.24gb+gfx. */
    gpu = featured_gpu(g, "rtx-pro-6000");
    if (gpu && gpu->vgpu && (type = gpv_gpu_find_vgpu_type(gpu, "DC-1-8C")) >= 0)
        q_mig_backed_profile(g, gpu, type);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = draw_gpu(g, true, true)) && (type = draw_type(g, gpu, false)) >= 0)
            q_mig_backed_profile(g, gpu, type);
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
    cs_init(&cs);
    cs_numbers(&cs, k, cand, 6, 4);
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
    return emit(
        g, make_id("most", gpu->id, NULL), "tenants",
        xasprintf("At most how many MIG instances can one %s run at the same time?", gpu->name),
        &cs, false, gpv_buf_detach(&e),
        fact_source(gpu, gpu->mig->nprofiles ? gpu->mig->profiles[0].source : NULL,
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
        if ((gpu = featured_gpu(g, featured[i])) && gpu->mig)
            q_most_instances(g, gpu);
    start = g->added;
    for (t = 0; t < TRIES && g->added - start < DRAWS; t++)
        if ((gpu = draw_gpu(g, true, false)))
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
    cs_init(&cs);
    cs_add(&cs, xstrdup(right->name), true);
    while (nno > 0 && nn < 3) {
        k = (int)gpv_quiz_rng_below(&g->rng, nno);
        if (cs_add(&cs, xstrdup(no[k]->name), false))
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
    return emit(g, make_id(mig ? "has-mig" : "has-q", right->id, NULL), "gpus",
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
    kind_vgpu_fit(&g);
    kind_vgpu_count(&g, q_vgpu_tenants, "h100-80gb", "H100-4C");
    kind_vgpu_count(&g, q_fixed_share, "t4", "T4-4C");
    kind_license(&g);
    kind_mig_backed(&g);
    kind_which_model(&g, true);
    kind_which_model(&g, false);
    return g.added;
}
