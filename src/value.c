/* madvise(MADV_HUGEPAGE) and MAP_ANONYMOUS, where the system has them (Linux, the BSDs). */
#define _DEFAULT_SOURCE
#include "gpuvplan/value.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_CHUNK     ((size_t)1 << 16) /* the first chunk */
#define ARENA_CHUNK_MAX ((size_t)1 << 26) /* and the largest */
#define ARENA_HUGE      ((size_t)2 << 20) /* a huge page, where chunks this large are mapped */

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size; /* bytes of data */
    size_t mapped;     /* bytes mapped for it (munmap), or 0: from calloc */
    alignas(max_align_t) unsigned char data[];
};

/*
 * A zeroed chunk of size bytes of data. From 2 MiB on, where the system has them, chunks are
 * mapped on huge pages: a 24 MB plan's tree is about 20 MB, whose 5,000 page faults (each a
 * page zeroed) were a tenth of `check`'s time; in huge pages it takes ten.
 */
static struct arena_chunk *
chunk_new(size_t size)
{
    struct arena_chunk *c;
    size_t len = sizeof(*c) + size;

#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (len >= ARENA_HUGE && len <= SIZE_MAX - 2 * ARENA_HUGE) {
        char *m, *p;

        len = (len + ARENA_HUGE - 1) / ARENA_HUGE * ARENA_HUGE;
        m = mmap(NULL, len + ARENA_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                 0);
        if (m != MAP_FAILED) {
            /* Aligned to a huge page: trim the head and the tail. */
            p = m + (ARENA_HUGE - (uintptr_t)m % ARENA_HUGE) % ARENA_HUGE;
            if (p > m)
                munmap(m, (size_t)(p - m));
            if (p + len < m + len + ARENA_HUGE)
                munmap(p + len, (size_t)(m + len + ARENA_HUGE - (p + len)));
            madvise(p, len, MADV_HUGEPAGE);
            c = (struct arena_chunk *)(void *)p;
            c->mapped = len;
            return c;
        }
    }
#endif
    c = xcalloc(1, len);
    c->mapped = 0;
    return c;
}

static void
chunk_free(struct arena_chunk *c)
{
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (c->mapped) {
        munmap(c, c->mapped);
        return;
    }
#endif
    free(c);
}

struct gpv_val_arena {
    struct arena_chunk *head; /* the chunk being filled, then the older ones */
    size_t next_size;         /* of the next chunk; 0 before the first */
    const struct gpv_val *root;
};

static void arena_free(struct gpv_val_arena *a);

struct gpv_val_arena *
gpv_val_arena_new(void)
{
    return xcalloc(1, sizeof(struct gpv_val_arena));
}

/* n bytes (at least one) from a, aligned to align, not zeroed beyond what calloc gave. */
static void *
arena_take(struct gpv_val_arena *a, size_t n, size_t align)
{
    struct arena_chunk *c = a->head;
    size_t at = c ? (c->used + align - 1) / align * align : 0;
    void *p;

    if (!n)
        n = 1;
    if (!c || at > c->size || c->size - at < n) {
        /* Each chunk twice the last, up to 64 MiB: a large document takes few, and the large
         * ones come zeroed from the system (calloc maps them) instead of zeroed by memset. */
        size_t size = a->next_size ? a->next_size : ARENA_CHUNK;

        a->next_size = size < ARENA_CHUNK_MAX ? 2 * size : size;
        /* A chunk on huge pages is size bytes with its header, a whole number of huge pages: a
         * header beside size bytes of data spilled into one more huge page, which the reader
         * filling the chunk to its end touched (2 MiB more zeroed per chunk: 6 MiB of the 24 MB
         * plan's 16 MiB tree). */
        if (size >= ARENA_HUGE)
            size -= sizeof(struct arena_chunk);
        if (size < n)
            size = n;
        c = chunk_new(size);
        c->size = size;
        c->next = a->head;
        a->head = c;
        at = 0;
    }
    p = c->data + at;
    c->used = at + n;
    return p;
}

void *
gpv_val_arena_alloc(struct gpv_val_arena *a, size_t n)
{
    return arena_take(a, n, alignof(max_align_t));
}

void *
gpv_val_arena_take(struct gpv_val_arena *a, size_t n, size_t *got)
{
    void *p = arena_take(a, n, alignof(max_align_t));
    struct arena_chunk *c = a->head;

    *got = n + (c->size - c->used);
    c->used = c->size;
    return p;
}

char *
gpv_val_arena_alloc_bytes(struct gpv_val_arena *a, size_t n)
{
    return arena_take(a, n, 1);
}

char *
gpv_val_arena_strndup(struct gpv_val_arena *a, const char *s, size_t n)
{
    char *d = arena_take(a, n + 1, 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *
gpv_val_arena_strdup(struct gpv_val_arena *a, const char *s)
{
    return gpv_val_arena_strndup(a, s, strlen(s));
}

struct gpv_val *
gpv_val_arena_node(struct gpv_val_arena *a, enum gpv_vtype type)
{
    struct gpv_val *v = gpv_val_arena_alloc(a, sizeof(*v));

    v->type = type;
    v->arena = a;
    return v;
}

void
gpv_val_arena_adopt(struct gpv_val *root, struct gpv_val_arena *a)
{
    GPV_ASSERT(root->arena == a && !a->root);
    a->root = root;
}

void
gpv_val_arena_discard(struct gpv_val_arena *a)
{
    if (!a)
        return;
    GPV_ASSERT(!a->root);
    arena_free(a);
}

static void
arena_free(struct gpv_val_arena *a)
{
    struct arena_chunk *c, *next;

    for (c = a->head; c; c = next) {
        next = c->next;
        chunk_free(c);
    }
    free(a);
}

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

/* Room for one more item in c: arrays start at 4 and double, so a full one has a power of two
 * items (no capacity to keep in the node). */
static void
grow(struct gpv_val *c)
{
    size_t cap;

    if (c->arena)
        GPV_BUG("a value tree read from JSON is read-only");
    if (c->type != GPV_V_ARR && c->type != GPV_V_OBJ)
        GPV_BUG("items added to a scalar (its value shares their place)");
    if (c->n == UINT32_MAX)
        GPV_BUG("a value with 2^32 items");
    if (c->n && (c->n < 4 || (c->n & (c->n - 1))))
        return;
    cap = c->n ? 2 * (size_t)c->n : 4;
    c->items = xreallocarray(c->n ? c->items : NULL, cap, sizeof(*c->items));
    if (c->type == GPV_V_OBJ)
        c->keys = xreallocarray(c->keys, cap, sizeof(*c->keys));
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
        if (obj->keys[i][0] == key[0] && !strcmp(obj->keys[i], key))
            return obj->items[i];
    return NULL;
}

void
gpv_val_cache_init(struct gpv_val_cache *cache)
{
    memset(cache, 0, sizeof(*cache));
}

size_t
gpv_val_index_lookup(const struct gpv_val *obj, const char *key, struct gpv_val_cache *cache)
{
    struct gpv_val_cache_entry *e;
    size_t i;

    if (!obj || obj->type != GPV_V_OBJ)
        return SIZE_MAX;
    e = gpv_val_cache_slot(cache, key, obj->keys);
    if (e->key == key && e->names == obj->keys && e->n == obj->n && obj->keys)
        return e->idx;
    e->key = key;
    e->names = obj->keys;
    e->n = obj->n;
    e->idx = SIZE_MAX;
    for (i = 0; i < obj->n; i++)
        if (obj->keys[i][0] == key[0] && !strcmp(obj->keys[i], key)) {
            e->idx = i;
            break;
        }
    return e->idx;
}

void
gpv_val_rows_init(struct gpv_val_rows *r, const char *const *keys, size_t nkeys)
{
    GPV_ASSERT(nkeys <= GPV_VAL_ROWS_MAX);
    memset(r, 0, sizeof(*r));
    r->keys = keys;
    r->nkeys = nkeys;
}

void
gpv_val_rows_read(const struct gpv_val **out, struct gpv_val_rows *r, const struct gpv_val *o)
{
    struct gpv_val_rows_memo *m = NULL;
    size_t k, i;

    GPV_ASSERT(r->nkeys <= GPV_VAL_ROWS_MAX);
    if (!o || o->type != GPV_V_OBJ) {
        for (k = 0; k < r->nkeys; k++)
            out[k] = NULL;
        return;
    }
    for (i = 0; o->keys && i < GPV_VAL_ROWS_MEMO; i++)
        if (r->memo[i].names == o->keys && r->memo[i].n == o->n) {
            m = &r->memo[i];
            break;
        }
    if (!m) {
        m = &r->memo[r->next];
        r->next = (r->next + 1) % GPV_VAL_ROWS_MEMO;
        for (k = 0; k < r->nkeys; k++) {
            m->idx[k] = SIZE_MAX;
            for (i = 0; i < o->n; i++)
                if (o->keys[i][0] == r->keys[k][0] && !strcmp(o->keys[i], r->keys[k])) {
                    m->idx[k] = i;
                    break;
                }
        }
        m->names = o->keys;
        m->n = o->n;
    }
    for (k = 0; k < r->nkeys; k++)
        out[k] = m->idx[k] == SIZE_MAX ? NULL : o->items[m->idx[k]];
}

void
gpv_val_free(struct gpv_val *v)
{
    size_t i;

    if (!v)
        return;
    if (v->arena) {
        GPV_ASSERT(v->arena->root == v);
        arena_free(v->arena);
        return;
    }
    if (v->type == GPV_V_ARR || v->type == GPV_V_OBJ) {
        for (i = 0; i < v->n; i++) {
            gpv_val_free(v->items[i]);
            if (v->keys)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
    } else if (v->type == GPV_V_STR) {
        free(v->s);
    }
    free(v);
}

void
gpv_val_write_json(const struct gpv_val *v, struct gpv_buf *out)
{
    struct gpv_emit e;

    gpv_emit_init(&e, GPV_EMIT_JSON, out);
    gpv_emit_val(&e, NULL, v);
    gpv_emit_release(&e);
}

void
gpv_val_write_yaml(const struct gpv_val *v, struct gpv_buf *out)
{
    struct gpv_emit e;

    gpv_emit_init(&e, GPV_EMIT_YAML, out);
    gpv_emit_val(&e, NULL, v);
    gpv_emit_release(&e);
}
