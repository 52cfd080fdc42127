/* gpuvplan quiz: study questions from the bank and the database, one at a time, with feedback. */
#include "cli.h"
#include "opt.h"
#include "embedded.h"
#include "gpuvplan/quiz.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BANK_NAME     "profiles/quiz.yaml"
#define DEFAULT_COUNT 10

static const char quiz_usage_about[] =
    "Asks study questions on GPU virtualisation (passthrough, vGPU, MIG and MIG-backed vGPU):\n"
    "questions from the bank, and questions generated from the GPU database whose answers\n"
    "the MIG engine and the vGPU tables compute. After each answer it says whether it was\n"
    "right, why, and where the fact comes from; at the end, the score.\n"
    "\n"
    "On a terminal, type the number of a choice (q quits; anything else is asked again).\n"
    "Otherwise answers are read from standard input, one per line: a line that is not a\n"
    "choice number counts as wrong, and a line `q` or the end of input stops the quiz. The\n"
    "last line is always `Score: K/N` (N = questions answered).\n";

static const char quiz_usage_footer[] =
    "JSON (--list -f json): {seed, bank, generated, questions: [{id, topic, source (\"bank\"\n"
    "or \"generated\"), question, choices, answer (the choice number, from 1), answer_text,\n"
    "explanation, reference}]}.\n";

struct quiz_opts {
    long long count;
    bool count_given;
    uint64_t seed;
    bool seeded;
    const char *topic;
    const char *bank;
    bool list;
    enum gpv_format fmt;
};

/* Loads the bank (embedded or --bank) and appends the generated questions. */
static int
quiz_build(struct gpv_quiz *quiz, struct gpv_cli *cli, const struct quiz_opts *o,
           struct gpv_error *err)
{
    const struct gpv_embedded_file *f;
    char *buf = NULL;
    size_t len;
    int rc;

    if ((rc = cli_db(cli, err)))
        return rc;
    if (o->bank) {
        if ((rc = cli_read_file(&buf, &len, o->bank, err)))
            return rc;
        rc = gpv_quiz_load_mem(quiz, buf, len, o->bank, err);
        free(buf);
        if (rc)
            return rc;
    } else {
        if (!(f = gpv_embedded_find(BANK_NAME)))
            return gpv_error_set(err, GPV_ESYS, BANK_NAME, 0, 0,
                                 "the question bank is not built in");
        if ((rc = gpv_quiz_load_mem(quiz, f->data, f->len, BANK_NAME, err)))
            return rc;
    }
    gpv_quiz_generate(quiz, &cli->db, o->seed);
    gpv_quiz_shuffle_choices(quiz, o->seed ^ 0xc401ce5ULL);
    return 0;
}

static struct gpv_val *
question_value(const struct gpv_quiz_question *q)
{
    struct gpv_val *o = gpv_val_obj(), *c;
    size_t i;

    gpv_val_set_str(o, "id", q->id);
    gpv_val_set_str(o, "topic", q->topic);
    gpv_val_set_str(o, "source", gpv_quiz_origin_name(q->origin));
    gpv_val_set_str(o, "question", q->question);
    c = gpv_val_set(o, "choices", gpv_val_arr());
    for (i = 0; i < q->nchoices; i++)
        gpv_val_push(c, gpv_val_str(q->choices[i]));
    gpv_val_set_int(o, "answer", q->answer + 1);
    gpv_val_set_str(o, "answer_text", q->choices[q->answer]);
    gpv_val_set_str(o, "explanation", q->explanation);
    gpv_val_set_str(o, "reference", q->source);
    return o;
}

static void
print_choices(FILE *f, const struct gpv_quiz_question *q)
{
    char num[32];
    size_t i;

    for (i = 0; i < q->nchoices; i++) {
        snprintf(num, sizeof(num), "  %zu) ", i + 1);
        cli_wrap(f, num, "     ", q->choices[i]);
    }
}

/*
 * The questions to show, as indexes into quiz (a new array the caller frees; *out NULL when
 * none): the quiz's draw of --count questions, or for --list without --count every question
 * on the topic in bank order. Returns how many.
 */
static size_t
quiz_select(size_t **out, const struct gpv_quiz *quiz, const struct quiz_opts *o)
{
    size_t *idx = xcalloc(quiz->n ? quiz->n : 1, sizeof(*idx));
    size_t i, n = 0;

    if (o->list && !o->count_given) {
        for (i = 0; i < quiz->n; i++)
            if (!o->topic || !strcmp(quiz->q[i].topic, o->topic))
                idx[n++] = i;
    } else {
        /* A seed of its own for the draw, so the order does not echo the generator's. */
        n = gpv_quiz_pick(idx, quiz, (size_t)o->count, o->topic, o->seed ^ 0x5eedULL);
    }
    if (n == 0) {
        free(idx);
        idx = NULL;
    }
    *out = idx;
    return n;
}

static int
quiz_list(const struct gpv_quiz *quiz, const size_t *idx, size_t n, const struct quiz_opts *o)
{
    struct gpv_error err;
    struct gpv_val *root, *arr;
    size_t i, nbank = 0, ngen = 0;
    char *line;
    int rc;

    gpv_error_init(&err);
    for (i = 0; i < n; i++) {
        if (quiz->q[idx[i]].origin == GPV_QUIZ_BANK)
            nbank++;
        else
            ngen++;
    }
    if (o->fmt != GPV_FMT_TABLE) {
        root = gpv_val_obj();
        gpv_val_set_int(root, "seed", (long long)o->seed);
        gpv_val_set_int(root, "bank", (long long)nbank);
        gpv_val_set_int(root, "generated", (long long)ngen);
        arr = gpv_val_set(root, "questions", gpv_val_arr());
        for (i = 0; i < n; i++)
            gpv_val_push(arr, question_value(&quiz->q[idx[i]]));
        rc = cli_write_value(NULL, root, o->fmt, NULL, &err);
        gpv_val_free(root);
        return rc ? cli_report(&err) : GPV_EXIT_OK;
    }
    for (i = 0; i < n; i++) {
        const struct gpv_quiz_question *q = &quiz->q[idx[i]];

        line = xasprintf("[%s] %s, %s", q->id, q->topic, gpv_quiz_origin_name(q->origin));
        cli_wrap(stdout, "", "  ", line);
        free(line);
        cli_wrap(stdout, "  ", "  ", q->question);
        print_choices(stdout, q);
        printf("  answer: %d\n", q->answer + 1);
        cli_wrap(stdout, "  why: ", "       ", q->explanation);
        cli_wrap(stdout, "  source: ", "          ", q->source);
        printf("\n");
    }
    line = xasprintf("%zu questions: %zu from the bank, %zu generated (seed %llu)", n, nbank, ngen,
                     (unsigned long long)o->seed);
    cli_wrap(stdout, "", "", line);
    free(line);
    return GPV_EXIT_OK;
}

/*
 * Reads an answer to q. On a terminal, re-asks until it is a choice; returns 1 with *choice
 * set, 0 when the learner quits or input ends. Off a terminal, one line is one answer: an
 * invalid one returns 1 with *choice = -1 (counted wrong).
 */
static int
read_answer(int *choice, const struct gpv_cli *cli, const struct gpv_quiz_question *q, bool tty,
            char **line, size_t *cap)
{
    for (;;) {
        if (tty) {
            fprintf(stderr, "Your answer (1-%zu, q to quit): ", q->nchoices);
            fflush(stderr);
        }
        if (!cli_read_line(line, cap, stdin)) {
            if (tty)
                fputc('\n', stderr);
            return 0;
        }
        if (!tty)
            printf("Your answer: %s\n", *line);
        if (!strcmp(*line, "q") || !strcmp(*line, "quit"))
            return 0;
        if (gpv_quiz_parse_answer(choice, q, *line))
            return 1;
        if (!tty) {
            printf("%s'%s' is not a choice (answer with a number from 1 to %zu): counted as "
                   "wrong%s\n",
                   cli_red(cli), *line, q->nchoices, cli_reset(cli));
            *choice = -1;
            return 1;
        }
        fprintf(stderr, "'%s' is not a choice: type a number from 1 to %zu, or q to quit\n", *line,
                q->nchoices);
    }
}

static int
quiz_run(const struct gpv_cli *cli, const struct gpv_quiz *quiz, const size_t *pick, size_t n,
         const struct quiz_opts *o)
{
    size_t i, asked = 0, right = 0;
    bool tty = isatty(STDIN_FILENO) != 0;
    FILE *ask = tty ? stderr : stdout;
    char *line = NULL;
    size_t cap = 0;
    int choice;

    printf("%sQuiz%s: %zu question%s%s%s (seed %llu; `--seed %llu` repeats this quiz)\n",
           cli_bold(cli), cli_reset(cli), n, n == 1 ? "" : "s", o->topic ? " on " : "",
           o->topic ? o->topic : "", (unsigned long long)o->seed, (unsigned long long)o->seed);
    if (tty)
        fputs("Type the number of your answer and press Enter; q quits.\n", stderr);
    for (i = 0; i < n; i++) {
        const struct gpv_quiz_question *q = &quiz->q[pick[i]];

        /* Asked interactively, the question is the prompt: on stderr with the other prompts
         * (stdout keeps the results); read from a pipe, it stays in the transcript. */
        fflush(stdout);
        fprintf(ask, "\n%sQuestion %zu/%zu%s  %s%s, %s%s\n", cli_bold(cli), i + 1, n,
                cli_reset(cli), cli_dim(cli), q->topic, q->id, cli_reset(cli));
        cli_wrap(ask, "", "", q->question);
        print_choices(ask, q);
        if (!read_answer(&choice, cli, q, tty, &line, &cap))
            break;
        asked++;
        if (choice == q->answer) {
            right++;
            printf("%sRight.%s\n", cli_green(cli), cli_reset(cli));
        } else {
            char lead[32];

            printf("%sWrong.%s ", cli_red(cli), cli_reset(cli));
            snprintf(lead, sizeof(lead), "The answer is %d) ", q->answer + 1);
            cli_wrap(stdout, lead, "  ", q->choices[q->answer]);
        }
        cli_wrap(stdout, "Why: ", "  ", q->explanation);
        cli_wrap(stdout, "Source: ", "  ", q->source);
    }
    free(line);
    printf("\n");
    if (asked < n)
        printf("Stopped after %zu of %zu questions.\n", asked, n);
    printf("%sScore: %zu/%zu%s\n", cli_bold(cli), right, asked, cli_reset(cli));
    return GPV_EXIT_OK;
}

/* A seed when none is given: the clock and the process id, mixed. */
static uint64_t
clock_seed(void)
{
    struct gpv_quiz_rng rng;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    gpv_quiz_rng_init(&rng, (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
                                ((uint64_t)getpid() << 32));
    /* Short seeds are easier to retype. */
    return gpv_quiz_rng_next(&rng) % 1000000;
}

int
cmd_quiz(struct gpv_cli *cli, int argc, char **argv)
{
    struct quiz_opts o = {0, false, 0, false, NULL, NULL, false, GPV_FMT_TABLE};
    long long seed = -1;
    int fmt_ix = -1; /* -1: no -f; else the index in cli_formats_all (= enum gpv_format) */
    const struct cli_opt opts[] = {
        CLI_INT('n', "count", "N", &o.count, 1, 100000,
                "questions to ask (default 10; fewer when the topic has fewer)"),
        CLI_INT('s', "seed", "S", &seed, 0, (long long)(~0ULL >> 1),
                "seed for the generated questions and the order (default: from the clock; the "
                "quiz prints it so `--seed S` repeats the same quiz)"),
        CLI_STRING('t', "topic", "T", &o.topic,
                   "only questions on topic T (see --list); one of: methods isolation tenants "
                   "live-migration licensing gpus scheduling use-cases decision-guide "
                   "mig-geometry vgpu-sizing"),
        CLI_STRING(0, "bank", "FILE", &o.bank,
                   "use this question bank instead of the built-in one (docs/study.md)"),
        CLI_FLAG('l', "list", &o.list,
                 "print the questions with their answers instead of asking: every one, or with "
                 "--count the ones this seed's quiz asks, in order"),
        /* An enum, not CLI_FORMAT, to know whether -f was given at all. */
        CLI_ENUM('f', "format", "FMT", &fmt_ix, cli_formats_all,
                 "with --list: table (default), json or yaml"),
        CLI_OUTPUT(&cli->output),
        CLI_END,
    };
    const struct cli_spec spec = {"quiz", "", quiz_usage_about, quiz_usage_footer, opts, false};
    struct cli_args args;
    struct gpv_quiz quiz;
    struct gpv_error err;
    size_t *idx = NULL, n;
    int rc;

    gpv_error_init(&err);
    if ((rc = cli_opt_parse(&args, cli, &spec, argc, argv)) != CLI_OPT_RUN)
        return rc;
    o.fmt = fmt_ix == 1 ? GPV_FMT_JSON : fmt_ix == 2 ? GPV_FMT_YAML : GPV_FMT_TABLE;
    o.count_given = o.count > 0;
    if (!o.count_given)
        o.count = DEFAULT_COUNT;
    o.seeded = seed >= 0;
    if (o.seeded)
        o.seed = (uint64_t)seed;
    if (o.topic && !gpv_quiz_topic_valid(o.topic)) {
        size_t ntopics = 0;
        int s;

        while (gpv_quiz_topics[ntopics])
            ntopics++;
        s = gpv_suggest(o.topic, gpv_quiz_topics, ntopics);
        if (s >= 0)
            return cli_usage_error("quiz", "unknown topic '%s' (did you mean '%s'?)", o.topic,
                                   gpv_quiz_topics[s]);
        return cli_usage_error("quiz", "unknown topic '%s'", o.topic);
    }
    if (args.n > 0)
        return cli_usage_error("quiz", "unexpected argument '%s'", args.v[0]);
    if (fmt_ix >= 0 && !o.list)
        return cli_usage_error("quiz", "-f goes with --list; the quiz itself is a conversation");
    if (!o.seeded)
        o.seed = clock_seed();
    gpv_quiz_init(&quiz);
    if ((rc = quiz_build(&quiz, cli, &o, &err))) {
        gpv_quiz_release(&quiz);
        return cli_report(&err);
    }
    if ((n = quiz_select(&idx, &quiz, &o)) == 0) {
        fprintf(stderr, "gpuvplan quiz: no questions on topic '%s'\n", o.topic ? o.topic : "");
        rc = GPV_EXIT_NO;
    } else {
        rc = o.list ? quiz_list(&quiz, idx, n, &o) : quiz_run(cli, &quiz, idx, n, &o);
    }
    free(idx);
    gpv_quiz_release(&quiz);
    return rc;
}
