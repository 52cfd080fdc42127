/* The question bank loader, the seeded generator and question picking. */
#include "gpuvplan/quiz.h"
#include "gpuvplan/util.h"
#include "gpuvplan/yamldoc.h"
#include "quiz_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gpv_quiz_topics[] = {
    "methods",        /* what passthrough, vGPU, MIG and MIG-backed vGPU are */
    "isolation",      /* what each method isolates, and what it does not */
    "tenants",        /* how many tenants one GPU serves */
    "live-migration", /* which methods a VM can be live-migrated with */
    "licensing",      /* which licence each deployment needs */
    "gpus",           /* which GPUs support MIG, which vGPU series */
    "scheduling",     /* time-sliced vGPU schedulers */
    "use-cases",      /* which method fits which workload */
    "decision-guide", /* the decision guide, step by step */
    "mig-geometry",   /* which MIG layouts real hardware accepts */
    "vgpu-sizing",    /* which vGPU type fits a request */
    NULL,
};

const char *
gpv_quiz_origin_name(enum gpv_quiz_origin o)
{
    return o == GPV_QUIZ_BANK ? "bank" : "generated";
}

bool
gpv_quiz_topic_valid(const char *topic)
{
    size_t i;

    for (i = 0; gpv_quiz_topics[i]; i++)
        if (!strcmp(gpv_quiz_topics[i], topic))
            return true;
    return false;
}

void
gpv_quiz_init(struct gpv_quiz *quiz)
{
    quiz->n = 0;
    quiz->cap = 0;
    quiz->q = NULL;
}

void
gpv_quiz_question_release(struct gpv_quiz_question *q)
{
    size_t i;

    free(q->id);
    free(q->topic);
    free(q->question);
    for (i = 0; i < q->nchoices; i++)
        free(q->choices[i]);
    free(q->choices);
    free(q->explanation);
    free(q->source);
    memset(q, 0, sizeof(*q));
}

void
gpv_quiz_release(struct gpv_quiz *quiz)
{
    size_t i;

    for (i = 0; i < quiz->n; i++)
        gpv_quiz_question_release(&quiz->q[i]);
    free(quiz->q);
    gpv_quiz_init(quiz);
}

struct gpv_quiz_question *
gpv_quiz_append(struct gpv_quiz *quiz)
{
    struct gpv_quiz_question *q;

    if (quiz->n == quiz->cap) {
        quiz->cap = quiz->cap ? 2 * quiz->cap : 64;
        quiz->q = xreallocarray(quiz->q, quiz->cap, sizeof(*quiz->q));
    }
    q = &quiz->q[quiz->n++];
    memset(q, 0, sizeof(*q));
    return q;
}

const struct gpv_quiz_question *
gpv_quiz_find(const struct gpv_quiz *quiz, const char *id)
{
    size_t i;

    for (i = 0; i < quiz->n; i++)
        if (!strcmp(quiz->q[i].id, id))
            return &quiz->q[i];
    return NULL;
}

/* Ids are short, lowercase and safe to type: letters, digits, '-', '.', '_'. */
static bool
id_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
              *s == '_'))
            return false;
    return true;
}

/* The decoded keys of one question, before checks. */
struct bank_row {
    char *id;
    char *topic;
    char *question;
    const struct gpv_ynode *choices;
    long long answer;
    char *explanation;
    char *source;
};

static const struct gpv_yfield question_fields[] = {
    {"id", GPV_YF_STR, offsetof(struct bank_row, id), true, 0, 0, 0, 0},
    {"topic", GPV_YF_STR, offsetof(struct bank_row, topic), true, 0, 0, 0, 0},
    {"question", GPV_YF_STR, offsetof(struct bank_row, question), true, 0, 0, 0, 0},
    {"choices", GPV_YF_SEQ, offsetof(struct bank_row, choices), true, 0, 0, 0, 0},
    {"answer", GPV_YF_LLONG, offsetof(struct bank_row, answer), true, 1, GPV_QUIZ_MAX_CHOICES, 0,
     0},
    {"explanation", GPV_YF_STR, offsetof(struct bank_row, explanation), true, 0, 0, 0, 0},
    {"source", GPV_YF_STR, offsetof(struct bank_row, source), true, 0, 0, 0, 0},
};

struct bank_top {
    long long version;
    const struct gpv_ynode *questions;
};

static const struct gpv_yfield top_fields[] = {
    {"version", GPV_YF_LLONG, offsetof(struct bank_top, version), true, 1, 1, 0, 0},
    {"questions", GPV_YF_SEQ, offsetof(struct bank_top, questions), true, 0, 0, 0, 0},
};

static void
row_release(struct bank_row *r)
{
    free(r->id);
    free(r->topic);
    free(r->question);
    free(r->explanation);
    free(r->source);
    memset(r, 0, sizeof(*r));
}

/*
 * Checks one decoded question and moves it into q (untouched on failure). Returns 0 or
 * GPV_EINPUT. `loaded` holds the questions of this bank so far (they are not in quiz yet) for
 * the duplicate check.
 */
static int
take_question(struct gpv_quiz_question *q, struct bank_row *r, const struct gpv_ydoc *doc,
              const struct gpv_ynode *node, const struct gpv_quiz *quiz,
              const struct gpv_quiz *loaded, struct gpv_error *err)
{
    const struct gpv_ynode *idn = gpv_ymap_get(node, "id");
    const struct gpv_ynode *tn = gpv_ymap_get(node, "topic");
    const struct gpv_ynode *an = gpv_ymap_get(node, "answer");
    const struct gpv_quiz_question *dup;
    const struct gpv_ynode *c;
    size_t i, j;
    int s;

    if (!id_ok(r->id))
        return gpv_y_error(err, GPV_EINPUT, doc, idn,
                           "question id '%s' may hold only lowercase letters, digits, '-', '.' "
                           "and '_'",
                           r->id);
    if ((dup = gpv_quiz_find(loaded, r->id)))
        return gpv_y_error(err, GPV_EINPUT, doc, idn,
                           "duplicate question id '%s' (first at line %d)", r->id, dup->line);
    if (gpv_quiz_find(quiz, r->id))
        return gpv_y_error(err, GPV_EINPUT, doc, idn, "question id '%s' is already loaded", r->id);
    if (!gpv_quiz_topic_valid(r->topic)) {
        s = gpv_suggest(r->topic, gpv_quiz_topics,
                        sizeof(gpv_quiz_topics) / sizeof(gpv_quiz_topics[0]) - 1);
        if (s >= 0)
            return gpv_y_error(err, GPV_EINPUT, doc, tn,
                               "unknown topic '%s' in question '%s' (did you mean '%s'?)", r->topic,
                               r->id, gpv_quiz_topics[s]);
        return gpv_y_error(err, GPV_EINPUT, doc, tn, "unknown topic '%s' in question '%s'",
                           r->topic, r->id);
    }
    if (r->choices->n < GPV_QUIZ_MIN_CHOICES || r->choices->n > GPV_QUIZ_MAX_CHOICES)
        return gpv_y_error(err, GPV_EINPUT, doc, r->choices,
                           "question '%s' has %zu choices; it needs from %d to %d", r->id,
                           r->choices->n, GPV_QUIZ_MIN_CHOICES, GPV_QUIZ_MAX_CHOICES);
    for (i = 0; i < r->choices->n; i++) {
        const char *text;
        char *what;

        c = r->choices->items[i];
        what = xasprintf("choice %zu of question '%s'", i + 1, r->id);
        s = gpv_y_str(&text, doc, c, what, err);
        free(what);
        if (s)
            return GPV_EINPUT;
        for (j = 0; j < i; j++)
            if (!strcmp(r->choices->items[j]->str, text))
                return gpv_y_error(err, GPV_EINPUT, doc, c,
                                   "choice %zu of question '%s' repeats choice %zu", i + 1, r->id,
                                   j + 1);
    }
    if ((size_t)r->answer > r->choices->n)
        return gpv_y_error(err, GPV_EINPUT, doc, an,
                           "answer %lld of question '%s' is not a choice (it has %zu)", r->answer,
                           r->id, r->choices->n);
    q->id = r->id;
    q->topic = r->topic;
    q->question = r->question;
    q->explanation = r->explanation;
    q->source = r->source;
    r->id = r->topic = r->question = r->explanation = r->source = NULL;
    q->nchoices = r->choices->n;
    q->choices = xcalloc(q->nchoices, sizeof(*q->choices));
    for (i = 0; i < q->nchoices; i++)
        q->choices[i] = xstrdup(r->choices->items[i]->str);
    q->answer = (int)r->answer - 1;
    q->origin = GPV_QUIZ_BANK;
    q->line = node->line;
    return 0;
}

int
gpv_quiz_load_mem(struct gpv_quiz *quiz, const char *buf, size_t len, const char *name,
                  struct gpv_error *err)
{
    struct gpv_ydoc *doc = NULL;
    struct gpv_quiz loaded;
    struct bank_top top = {0, NULL};
    struct gpv_quiz_question q;
    struct bank_row row;
    size_t i;
    int rc;

    gpv_quiz_init(&loaded);
    memset(&row, 0, sizeof(row));
    if ((rc = gpv_ydoc_parse(&doc, buf, len, name, err)))
        goto out;
    if (!doc->root) {
        rc = gpv_error_set(err, GPV_EINPUT, name, 1, 1, "the question bank is empty");
        goto out;
    }
    if ((rc = gpv_ymap_decode(&top, doc, doc->root, top_fields,
                              sizeof(top_fields) / sizeof(top_fields[0]), "the question bank", NULL,
                              err)))
        goto out;
    if (top.questions->n == 0) {
        rc = gpv_y_error(err, GPV_EINPUT, doc, top.questions, "the question bank has no questions");
        goto out;
    }
    for (i = 0; i < top.questions->n; i++) {
        const struct gpv_ynode *node = top.questions->items[i];
        const struct gpv_ynode *idn = gpv_ymap_get(node, "id");
        char *what;

        if (idn && idn->kind == GPV_Y_SCALAR && !gpv_y_is_null(idn))
            what = xasprintf("question '%s'", idn->str);
        else
            what = xasprintf("question %zu", i + 1);
        row_release(&row);
        rc = gpv_ymap_decode(&row, doc, node, question_fields,
                             sizeof(question_fields) / sizeof(question_fields[0]), what, NULL, err);
        free(what);
        if (rc)
            goto out;
        memset(&q, 0, sizeof(q));
        if ((rc = take_question(&q, &row, doc, node, quiz, &loaded, err)))
            goto out;
        *gpv_quiz_append(&loaded) = q;
    }
    /* Only a wholly valid bank joins the quiz. */
    for (i = 0; i < loaded.n; i++)
        *gpv_quiz_append(quiz) = loaded.q[i];
    loaded.n = 0;
    rc = 0;
out:
    row_release(&row);
    gpv_quiz_release(&loaded);
    gpv_ydoc_free(doc);
    return rc;
}

void
gpv_quiz_rng_init(struct gpv_quiz_rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t
gpv_quiz_rng_next(struct gpv_quiz_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t
gpv_quiz_rng_below(struct gpv_quiz_rng *rng, uint64_t n)
{
    uint64_t limit, x;

    if (n == 0)
        return 0;
    /* Reject the top partial block so every residue is equally likely. */
    limit = UINT64_MAX - UINT64_MAX % n;
    do
        x = gpv_quiz_rng_next(rng);
    while (x >= limit);
    return x % n;
}

void
gpv_quiz_shuffle(size_t *v, size_t n, struct gpv_quiz_rng *rng)
{
    size_t i, j, t;

    for (i = n; i > 1; i--) {
        j = (size_t)gpv_quiz_rng_below(rng, i);
        t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

size_t
gpv_quiz_pick(size_t *out, const struct gpv_quiz *quiz, size_t count, const char *topic,
              uint64_t seed)
{
    struct gpv_quiz_rng rng;
    size_t i, n = 0;

    for (i = 0; i < quiz->n; i++)
        if (!topic || !strcmp(quiz->q[i].topic, topic))
            out[n++] = i;
    gpv_quiz_rng_init(&rng, seed);
    gpv_quiz_shuffle(out, n, &rng);
    if (count && count < n)
        n = count;
    return n;
}

static bool
all_numbers(const struct gpv_quiz_question *q)
{
    double v;
    size_t i;

    for (i = 0; i < q->nchoices; i++)
        if (!gpv_parse_double(&v, q->choices[i]))
            return false;
    return true;
}

void
gpv_quiz_shuffle_choices(struct gpv_quiz *quiz, uint64_t seed)
{
    struct gpv_quiz_rng rng;
    size_t order[GPV_QUIZ_MAX_CHOICES];
    char *moved[GPV_QUIZ_MAX_CHOICES];
    size_t i, k;
    int answer;

    gpv_quiz_rng_init(&rng, seed);
    for (i = 0; i < quiz->n; i++) {
        struct gpv_quiz_question *q = &quiz->q[i];

        if (q->origin != GPV_QUIZ_BANK || all_numbers(q))
            continue;
        for (k = 0; k < q->nchoices; k++)
            order[k] = k;
        gpv_quiz_shuffle(order, q->nchoices, &rng);
        answer = q->answer;
        for (k = 0; k < q->nchoices; k++) {
            moved[k] = q->choices[order[k]];
            if ((int)order[k] == answer)
                q->answer = (int)k;
        }
        memcpy(q->choices, moved, q->nchoices * sizeof(*moved));
    }
}

bool
gpv_quiz_parse_answer(int *out, const struct gpv_quiz_question *q, const char *text)
{
    long long v;
    const char *b = text, *e;
    char tmp[32];
    size_t len;

    while (*b == ' ' || *b == '\t')
        b++;
    e = b + strlen(b);
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    len = (size_t)(e - b);
    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, b, len);
    tmp[len] = '\0';
    /* Only plain decimal digits: "0x2" or "+2" is not a choice number a learner types. */
    for (b = tmp; *b; b++)
        if (*b < '0' || *b > '9')
            return false;
    if (!gpv_parse_ll(&v, tmp, 1, (long long)q->nchoices))
        return false;
    *out = (int)v - 1;
    return true;
}
