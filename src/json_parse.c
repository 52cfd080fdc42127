/* Reading JSON (plans for `check`). The only file that includes cJSON. */
#include "gpuvplan/util.h"
#include "gpuvplan/value.h"

#include <cjson/cJSON.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Reading converts cJSON's tree into a value tree in one arena (freed at once, not node by
 * node), deleting each of j's children once it is converted: the two trees are never both
 * whole, which keeps the peak memory of reading a large plan down.
 */
static int
key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first key of obj that appears twice (in sorted order), or NULL. */
static const char *
duplicate_key(const struct gpv_val *obj)
{
    char **k;
    const char *dup = NULL;
    size_t i, j;

    if (obj->n < 2)
        return NULL;
    if (obj->n <= 16) {
        /* Small objects (nearly all of a plan's): pairs, without a copy and a sort. */
        for (i = 0; i < obj->n; i++)
            for (j = i + 1; j < obj->n; j++)
                if (!strcmp(obj->keys[i], obj->keys[j]) && (!dup || strcmp(obj->keys[i], dup) < 0))
                    dup = obj->keys[i];
        return dup;
    }
    k = xcalloc(obj->n, sizeof(*k));
    memcpy(k, obj->keys, obj->n * sizeof(*k));
    qsort(k, obj->n, sizeof(*k), key_cmp);
    for (i = 1; i < obj->n && !dup; i++)
        if (!strcmp(k[i - 1], k[i]))
            dup = k[i];
    free(k);
    return dup;
}

static struct gpv_val *
convert(struct gpv_val_arena *a, cJSON *j, char **dup)
{
    struct gpv_val *v;
    cJSON *c, *next;
    size_t n = 0;

    if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
        bool obj = cJSON_IsObject(j);

        v = gpv_val_arena_node(a, obj ? GPV_V_OBJ : GPV_V_ARR);
        for (c = j->child; c; c = c->next)
            n++;
        if (n) {
            GPV_ASSERT(n <= SIZE_MAX / sizeof(*v->items));
            v->cap = n;
            v->items = gpv_val_arena_alloc(a, n * sizeof(*v->items));
            if (obj)
                v->keys = gpv_val_arena_alloc(a, n * sizeof(*v->keys));
        }
        for (c = j->child; c; c = next) {
            next = c->next;
            c->next = NULL;
            c->prev = NULL;
            if (obj)
                v->keys[v->n] = gpv_val_arena_strdup(a, c->string);
            v->items[v->n++] = convert(a, c, dup);
            cJSON_Delete(c);
        }
        j->child = NULL;
        /* Readers disagree on duplicates (cJSON takes the first, jq and Python the last). */
        if (obj && !*dup) {
            const char *k = duplicate_key(v);

            if (k)
                *dup = xstrdup(k);
        }
        return v;
    }
    if (cJSON_IsString(j) && j->valuestring) {
        v = gpv_val_arena_node(a, GPV_V_STR);
        v->s = gpv_val_arena_strdup(a, j->valuestring);
        return v;
    }
    if (cJSON_IsBool(j)) {
        v = gpv_val_arena_node(a, GPV_V_BOOL);
        v->b = cJSON_IsTrue(j);
        return v;
    }
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;

        if (d == floor(d) && fabs(d) < 9007199254740992.0) {
            v = gpv_val_arena_node(a, GPV_V_INT);
            v->i = (long long)d;
        } else {
            v = gpv_val_arena_node(a, GPV_V_NUM);
            v->d = d;
        }
        return v;
    }
    return gpv_val_arena_node(a, GPV_V_NULL);
}

/* Line and column (from 1) of byte at in buf. */
static void
position(int *line, int *col, const char *buf, const char *at)
{
    const char *p;

    *line = 1;
    *col = 1;
    for (p = buf; p < at; p++) {
        if (*p == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* JSON's white space (strchr() alone would also match the NUL byte). */
static bool
json_space(char c)
{
    return c && strchr(" \t\r\n", c);
}

/*
 * cJSON returns NULL both for bad JSON and when malloc fails; only its hooks tell the two
 * apart. Through xmalloc, allocation failure inside cJSON ends the program the way it does
 * everywhere else: "out of memory", exit 4 (never "invalid JSON", exit 3).
 */
static void *
json_malloc(size_t n)
{
    return xmalloc(n);
}

/* The first "\u0000" escape in buf[0..len) (not an escaped backslash before "u0000"), or NULL:
 * cJSON would cut the string there, so a name could hide its tail. */
static const char *
find_nul_escape(const char *buf, size_t len)
{
    size_t i, k;

    for (i = 0; i + 6 <= len; i++) {
        if (buf[i] != '\\' || buf[i + 1] != 'u' || memcmp(buf + i + 2, "0000", 4))
            continue;
        for (k = 0; k < i && buf[i - 1 - k] == '\\'; k++)
            ;
        if (k % 2 == 0)
            return buf + i;
    }
    return NULL;
}

int
gpv_val_parse_json(struct gpv_val **out, const char *buf, size_t len, const char *name,
                   struct gpv_error *err)
{
    const char *end = NULL, *p;
    char *dup = NULL;
    struct gpv_val_arena *arena;
    cJSON *root;
    cJSON_Hooks hooks;
    int line, col;

    *out = NULL;
    hooks.malloc_fn = json_malloc;
    hooks.free_fn = free;
    cJSON_InitHooks(&hooks);
    root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (!root) {
        if (!end || end < buf || end > buf + len)
            end = buf;
        position(&line, &col, buf, end);
        /* A YAML file (a tenants file given to `check`, say) fails on its first byte: say so. */
        for (p = buf; p < buf + len && json_space(*p); p++)
            ;
        if (p < buf + len && (*p == '#' || (*p >= 'a' && *p <= 'z' && !strchr("tfn", *p))))
            return gpv_error_set(err, GPV_EINPUT, name, line, col,
                                 "invalid JSON: the text starts with '%c', not '{' (is it YAML?)",
                                 *p);
        return gpv_error_set(err, GPV_EINPUT, name, line, col, "invalid JSON");
    }
    /* Anything but white space after the value is an error too. */
    for (p = end; p && p < buf + len; p++) {
        if (!json_space(*p)) {
            cJSON_Delete(root);
            position(&line, &col, buf, p);
            return gpv_error_set(err, GPV_EINPUT, name, line, col,
                                 "trailing data after the JSON value");
        }
    }
    if ((p = find_nul_escape(buf, len))) {
        cJSON_Delete(root);
        position(&line, &col, buf, p);
        return gpv_error_set(err, GPV_EINPUT, name, line, col,
                             "a string holds a NUL byte (\\u0000)");
    }
    arena = gpv_val_arena_new();
    *out = convert(arena, root, &dup);
    gpv_val_arena_adopt(*out, arena);
    cJSON_Delete(root);
    if (dup) {
        gpv_error_set(err, GPV_EINPUT, name, 0, 0, "duplicate key '%s' in an object", dup);
        free(dup);
        gpv_val_free(*out);
        *out = NULL;
        return GPV_EINPUT;
    }
    return 0;
}
