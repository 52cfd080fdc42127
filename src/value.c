#include "gpuvplan/value.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gpv_val *
val_new(enum gpv_vtype type)
{
    struct gpv_val *v = xcalloc(1, sizeof(*v));

    v->type = type;
    return v;
}

struct gpv_val *
gpv_val_null(void)
{
    return val_new(GPV_V_NULL);
}

struct gpv_val *
gpv_val_bool(bool b)
{
    struct gpv_val *v = val_new(GPV_V_BOOL);

    v->b = b;
    return v;
}

struct gpv_val *
gpv_val_int(long long i)
{
    struct gpv_val *v = val_new(GPV_V_INT);

    v->i = i;
    return v;
}

struct gpv_val *
gpv_val_num(double d)
{
    struct gpv_val *v = val_new(GPV_V_NUM);

    v->d = d;
    return v;
}

struct gpv_val *
gpv_val_str(const char *s)
{
    struct gpv_val *v;

    if (!s)
        return gpv_val_null();
    v = val_new(GPV_V_STR);
    v->s = xstrdup(s);
    return v;
}

struct gpv_val *
gpv_val_arr(void)
{
    return val_new(GPV_V_ARR);
}

struct gpv_val *
gpv_val_obj(void)
{
    return val_new(GPV_V_OBJ);
}

static void
grow(struct gpv_val *c)
{
    if (c->n < c->cap)
        return;
    c->cap = c->cap ? c->cap * 2 : 4;
    c->items = xreallocarray(c->items, c->cap, sizeof(*c->items));
    if (c->type == GPV_V_OBJ)
        c->keys = xreallocarray(c->keys, c->cap, sizeof(*c->keys));
}

struct gpv_val *
gpv_val_push(struct gpv_val *arr, struct gpv_val *v)
{
    grow(arr);
    arr->items[arr->n++] = v;
    return v;
}

struct gpv_val *
gpv_val_set(struct gpv_val *obj, const char *key, struct gpv_val *v)
{
    grow(obj);
    obj->keys[obj->n] = xstrdup(key);
    obj->items[obj->n++] = v;
    return v;
}

void
gpv_val_set_str(struct gpv_val *obj, const char *key, const char *s)
{
    gpv_val_set(obj, key, gpv_val_str(s));
}

void
gpv_val_set_int(struct gpv_val *obj, const char *key, long long i)
{
    gpv_val_set(obj, key, gpv_val_int(i));
}

void
gpv_val_set_num(struct gpv_val *obj, const char *key, double d)
{
    gpv_val_set(obj, key, gpv_val_num(d));
}

void
gpv_val_set_bool(struct gpv_val *obj, const char *key, bool b)
{
    gpv_val_set(obj, key, gpv_val_bool(b));
}

const struct gpv_val *
gpv_val_get(const struct gpv_val *obj, const char *key)
{
    size_t i;

    if (!obj || obj->type != GPV_V_OBJ)
        return NULL;
    for (i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
            return obj->items[i];
    return NULL;
}

void
gpv_val_free(struct gpv_val *v)
{
    size_t i;

    if (!v)
        return;
    for (i = 0; i < v->n; i++) {
        gpv_val_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->s);
    free(v);
}

void
gpv_json_put_number(struct gpv_buf *b, double d)
{
    char tmp[64];

    if (!isfinite(d)) {
        gpv_buf_put(b, "null", 4);
        return;
    }
    /* Six significant digits keep output stable and readable; integers print without ".0". */
    snprintf(tmp, sizeof(tmp), "%.6g", d);
    if (strchr(tmp, 'e') && fabs(d) < 1e15 && d == floor(d))
        snprintf(tmp, sizeof(tmp), "%.0f", d);
    gpv_buf_put(b, tmp, strlen(tmp));
}

void
gpv_json_put_int(struct gpv_buf *b, long long i)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        *--p = '-';
    gpv_buf_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
gpv_json_put_string(struct gpv_buf *b, const char *s)
{
    const unsigned char *p, *run = (const unsigned char *)s;

    gpv_buf_put(b, "\"", 1);
    /* Runs of bytes that need no escape are copied whole: plans are mostly such runs. */
    for (p = run; *p; p++) {
        char esc[8];

        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        gpv_buf_put(b, (const char *)run, (size_t)(p - run));
        run = p + 1;
        switch (*p) {
        case '"':
            gpv_buf_put(b, "\\\"", 2);
            break;
        case '\\':
            gpv_buf_put(b, "\\\\", 2);
            break;
        case '\n':
            gpv_buf_put(b, "\\n", 2);
            break;
        case '\t':
            gpv_buf_put(b, "\\t", 2);
            break;
        case '\r':
            gpv_buf_put(b, "\\r", 2);
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            gpv_buf_put(b, esc, 6);
        }
    }
    gpv_buf_put(b, (const char *)run, (size_t)(p - run));
    gpv_buf_put(b, "\"", 1);
}

void
gpv_json_put_indent(struct gpv_buf *b, int depth)
{
    static const char spaces[] = "                                                                ";

    while (depth > 0) {
        int n = depth > 32 ? 32 : depth;

        gpv_buf_put(b, spaces, (size_t)n * 2);
        depth -= n;
    }
}

/* Arrays of scalars only print on one line; everything else one item per line. */
static bool
all_scalars(const struct gpv_val *v)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        if (v->items[i]->type == GPV_V_ARR || v->items[i]->type == GPV_V_OBJ)
            return false;
    return true;
}

static void
json_write(const struct gpv_val *v, struct gpv_buf *out, int depth)
{
    size_t i;

    switch (v->type) {
    case GPV_V_NULL:
        gpv_buf_puts(out, "null");
        break;
    case GPV_V_BOOL:
        gpv_buf_puts(out, v->b ? "true" : "false");
        break;
    case GPV_V_INT:
        gpv_json_put_int(out, v->i);
        break;
    case GPV_V_NUM:
        gpv_json_put_number(out, v->d);
        break;
    case GPV_V_STR:
        gpv_json_put_string(out, v->s);
        break;
    case GPV_V_ARR:
        if (v->n == 0) {
            gpv_buf_puts(out, "[]");
            break;
        }
        if (all_scalars(v)) {
            gpv_buf_putc(out, '[');
            for (i = 0; i < v->n; i++) {
                if (i)
                    gpv_buf_puts(out, ", ");
                json_write(v->items[i], out, depth + 1);
            }
            gpv_buf_putc(out, ']');
            break;
        }
        gpv_buf_puts(out, "[\n");
        for (i = 0; i < v->n; i++) {
            gpv_json_put_indent(out, depth + 1);
            json_write(v->items[i], out, depth + 1);
            gpv_buf_puts(out, i + 1 < v->n ? ",\n" : "\n");
        }
        gpv_json_put_indent(out, depth);
        gpv_buf_putc(out, ']');
        break;
    case GPV_V_OBJ:
        if (v->n == 0) {
            gpv_buf_puts(out, "{}");
            break;
        }
        gpv_buf_puts(out, "{\n");
        for (i = 0; i < v->n; i++) {
            gpv_json_put_indent(out, depth + 1);
            gpv_json_put_string(out, v->keys[i]);
            gpv_buf_puts(out, ": ");
            json_write(v->items[i], out, depth + 1);
            gpv_buf_puts(out, i + 1 < v->n ? ",\n" : "\n");
        }
        gpv_json_put_indent(out, depth);
        gpv_buf_putc(out, '}');
        break;
    }
}

void
gpv_val_write_json(const struct gpv_val *v, struct gpv_buf *out)
{
    json_write(v, out, 0);
    gpv_buf_putc(out, '\n');
}

/*
 * True when a plain YAML scalar would be read back as something other than this string. Plans
 * write millions of strings, so the tests are ordered to reject the usual name in one pass.
 */
static bool
yaml_needs_quotes(const char *s)
{
    static const char *const words[] = {"~",    "null",  "Null",  "NULL",  "true", "True",
                                        "TRUE", "false", "False", "FALSE", "yes",  "no",
                                        "Yes",  "No",    "on",    "off",   "y",    "n"};
    const unsigned char *p;
    size_t i, n = strlen(s);
    double d;
    long long ll;

    if (n == 0)
        return true;
    if (n <= 5) /* the longest word */
        for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
            if (!strcmp(s, words[i]))
                return true;
    /* A number starts with a digit, a sign or a point. */
    if ((isdigit((unsigned char)s[0]) || strchr("+-.", s[0])) &&
        (gpv_parse_double(&d, s) || gpv_parse_ll(&ll, s, LLONG_MIN, LLONG_MAX)))
        return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[n - 1] == ' ')
        return true;
    for (p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return true;
        if ((p[0] == ':' && p[1] == ' ') || (p[0] == ' ' && p[1] == '#'))
            return true;
    }
    return false;
}

void
gpv_yaml_put_string(struct gpv_buf *b, const char *s)
{
    if (yaml_needs_quotes(s))
        gpv_json_put_string(b, s); /* a JSON string is a valid double-quoted YAML scalar */
    else
        gpv_buf_put(b, s, strlen(s));
}

static void
yaml_scalar(const struct gpv_val *v, struct gpv_buf *out)
{
    switch (v->type) {
    case GPV_V_STR:
        gpv_yaml_put_string(out, v->s);
        break;
    default:
        json_write(v, out, 0);
    }
}

static void
yaml_write(const struct gpv_val *v, struct gpv_buf *out, int depth, bool inline_first)
{
    size_t i;

    if (v->type == GPV_V_ARR) {
        if (v->n == 0 || all_scalars(v)) {
            if (v->n == 0)
                gpv_buf_puts(out, "[]");
            else {
                gpv_buf_putc(out, '[');
                for (i = 0; i < v->n; i++) {
                    if (i)
                        gpv_buf_puts(out, ", ");
                    yaml_scalar(v->items[i], out);
                }
                gpv_buf_putc(out, ']');
            }
            gpv_buf_putc(out, '\n');
            return;
        }
        if (inline_first)
            gpv_buf_putc(out, '\n');
        for (i = 0; i < v->n; i++) {
            gpv_json_put_indent(out, depth);
            gpv_buf_puts(out, "- ");
            yaml_write(v->items[i], out, depth + 1, false);
        }
        return;
    }
    if (v->type == GPV_V_OBJ) {
        if (v->n == 0) {
            gpv_buf_puts(out, "{}\n");
            return;
        }
        if (inline_first)
            gpv_buf_putc(out, '\n');
        for (i = 0; i < v->n; i++) {
            const struct gpv_val *m = v->items[i];

            /* The first member of a list item shares the "- " line. */
            if (i > 0 || inline_first)
                gpv_json_put_indent(out, depth);
            gpv_yaml_put_string(out, v->keys[i]);
            gpv_buf_putc(out, ':');
            if ((m->type == GPV_V_OBJ && m->n) || (m->type == GPV_V_ARR && !all_scalars(m))) {
                yaml_write(m, out, depth + 1, true);
            } else {
                gpv_buf_putc(out, ' ');
                yaml_write(m, out, depth + 1, false);
            }
        }
        return;
    }
    yaml_scalar(v, out);
    gpv_buf_putc(out, '\n');
}

void
gpv_val_write_yaml(const struct gpv_val *v, struct gpv_buf *out)
{
    gpv_buf_puts(out, "---\n");
    if (v->type == GPV_V_OBJ || v->type == GPV_V_ARR)
        yaml_write(v, out, 0, false);
    else {
        yaml_scalar(v, out);
        gpv_buf_putc(out, '\n');
    }
}
