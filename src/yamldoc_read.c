#include "gpuvplan/yamldoc.h"
#include "gpuvplan/util.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct gpv_ynode *
gpv_ymap_get(const struct gpv_ynode *map, const char *key)
{
    size_t i;

    if (!map || map->kind != GPV_Y_MAP)
        return NULL;
    for (i = 0; i < map->n; i++)
        if (strcmp(map->items[2 * i]->str, key) == 0)
            return map->items[2 * i + 1];
    return NULL;
}

bool
gpv_y_is_null(const struct gpv_ynode *node)
{
    const char *s;

    if (!node || node->kind != GPV_Y_SCALAR || !node->plain)
        return false;
    s = node->str;
    /* Asked of nearly every scalar read: most fail at the first byte. */
    if (*s && *s != '~' && *s != 'n' && *s != 'N')
        return false;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

int
gpv_y_error(struct gpv_error *err, int code, const struct gpv_ydoc *doc,
            const struct gpv_ynode *node, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gpv_error_vset(err, code, doc ? doc->name : NULL, node ? node->line : 0, node ? node->col : 0,
                   fmt, ap);
    va_end(ap);
    return code;
}

static const char *
kind_name(const struct gpv_ynode *node)
{
    if (!node)
        return "nothing";
    switch (node->kind) {
    case GPV_Y_SEQ:
        return "a list";
    case GPV_Y_MAP:
        return "a mapping";
    default:
        return gpv_y_is_null(node) ? "null" : "a scalar";
    }
}

int
gpv_y_int(long long *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node, long long min,
          long long max, const char *what, struct gpv_error *err)
{
    long long v;

    if (node && node->kind == GPV_Y_SCALAR && !node->plain)
        return gpv_y_error(err, GPV_EINPUT, doc, node,
                           "%s must be a whole number, not the quoted string '%s' (remove the "
                           "quotes)",
                           what, node->str);
    if (!node || node->kind != GPV_Y_SCALAR || !node->plain || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a whole number, not %s", what,
                           kind_name(node));
    if (!gpv_parse_ll(&v, node->str, LLONG_MIN, LLONG_MAX))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a whole number, not '%s'", what,
                           node->str);
    if (v < min || v > max)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s is %lld; it must be from %lld to %lld",
                           what, v, min, max);
    *out = v;
    return 0;
}

int
gpv_y_double(double *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node, double min,
             double max, const char *what, struct gpv_error *err)
{
    double v;

    if (!node || node->kind != GPV_Y_SCALAR || !node->plain || gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a number, not %s", what,
                           kind_name(node));
    if (!gpv_parse_double(&v, node->str))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a number, not '%s'", what,
                           node->str);
    if (v < min || v > max)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s is %s; it must be from %g to %g", what,
                           node->str, min, max);
    *out = v;
    return 0;
}

int
gpv_y_bool(bool *out, const struct gpv_ydoc *doc, const struct gpv_ynode *node, const char *what,
           struct gpv_error *err)
{
    if (node && node->kind == GPV_Y_SCALAR && node->plain) {
        if (!strcmp(node->str, "true") || !strcmp(node->str, "True") ||
            !strcmp(node->str, "TRUE")) {
            *out = true;
            return 0;
        }
        if (!strcmp(node->str, "false") || !strcmp(node->str, "False") ||
            !strcmp(node->str, "FALSE")) {
            *out = false;
            return 0;
        }
    }
    if (node && node->kind == GPV_Y_SCALAR && !gpv_y_is_null(node))
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be true or false, not '%s'", what,
                           node->str);
    return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be true or false, not %s", what,
                       kind_name(node));
}

int
gpv_y_str(const char **out, const struct gpv_ydoc *doc, const struct gpv_ynode *node,
          const char *what, struct gpv_error *err)
{
    const unsigned char *p;

    if (!node || node->kind != GPV_Y_SCALAR || gpv_y_is_null(node) || node->len == 0)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be a non-empty string, not %s",
                           what, kind_name(node));
    /* Escapes in quoted scalars ("\0", "\e", "\x85") reach no terminal and truncate nothing. */
    if (strlen(node->str) != node->len)
        return gpv_y_error(err, GPV_EINPUT, doc, node, "%s contains a NUL byte", what);
    for (p = (const unsigned char *)node->str; *p; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ||
            (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
            return gpv_y_error(err, GPV_EINPUT, doc, node,
                               "%s contains the control character \\x%02x", what,
                               *p == 0xc2 ? p[1] : *p);
    }
    *out = node->str;
    return 0;
}

int
gpv_y_expect(const struct gpv_ydoc *doc, const struct gpv_ynode *node, enum gpv_ykind kind,
             const char *what, struct gpv_error *err)
{
    if (node && node->kind == kind)
        return 0;
    return gpv_y_error(err, GPV_EINPUT, doc, node, "%s must be %s, not %s", what,
                       kind == GPV_Y_SEQ   ? "a list"
                       : kind == GPV_Y_MAP ? "a mapping"
                                           : "a scalar",
                       kind_name(node));
}

/* Decodes val as field fd into base; what names it in messages. Returns 0 or GPV_EINPUT. */
static int
decode_field(char *base, const struct gpv_yfield *fd, const struct gpv_ydoc *doc,
             const struct gpv_ynode *val, const char *what, struct gpv_error *err)
{
    int rc = 0;

    switch (fd->type) {
    case GPV_YF_STR: {
        const char *s;

        rc = gpv_y_str(&s, doc, val, what, err);
        if (!rc) {
            free(*(char **)base);
            *(char **)base = xstrdup(s);
        }
        break;
    }
    case GPV_YF_INT: {
        long long v;

        rc = gpv_y_int(&v, doc, val, fd->min, fd->max, what, err);
        if (!rc)
            *(int *)base = (int)v;
        break;
    }
    case GPV_YF_LLONG:
        rc = gpv_y_int((long long *)base, doc, val, fd->min, fd->max, what, err);
        break;
    case GPV_YF_DOUBLE:
        rc = gpv_y_double((double *)base, doc, val, fd->dmin, fd->dmax, what, err);
        break;
    case GPV_YF_BOOL:
        rc = gpv_y_bool((bool *)base, doc, val, what, err);
        break;
    case GPV_YF_SEQ:
    case GPV_YF_MAP:
        rc = gpv_y_expect(doc, val, fd->type == GPV_YF_SEQ ? GPV_Y_SEQ : GPV_Y_MAP, what, err);
        if (!rc)
            *(const struct gpv_ynode **)base = val;
        break;
    case GPV_YF_NODE:
        *(const struct gpv_ynode **)base = val;
        break;
    }
    return rc;
}

int
gpv_ymap_decode(void *out, const struct gpv_ydoc *doc, const struct gpv_ynode *map,
                const struct gpv_yfield *fields, size_t nfields, const char *what,
                unsigned long long *seen, struct gpv_error *err)
{
    const char *keys[GPV_YMAP_MAX_FIELDS];
    unsigned long long got = 0;
    char *where;
    size_t i, f;
    int rc;

    /* Schemas are tables in the code, not input: one too large is a bug, not an error. */
    GPV_ASSERT(nfields <= GPV_YMAP_MAX_FIELDS);
    if (gpv_y_expect(doc, map, GPV_Y_MAP, what, err))
        return GPV_EINPUT;
    for (i = 0; i < map->n; i++) {
        const struct gpv_ynode *key = map->items[2 * i], *val = map->items[2 * i + 1];
        const struct gpv_yfield *fd = NULL;
        char *base;

        /* The first byte first: most rows differ there. */
        for (f = 0; f < nfields; f++)
            if (fields[f].key[0] == key->str[0] && !strcmp(fields[f].key, key->str))
                break;
        if (f == nfields) {
            int s;

            for (f = 0; f < nfields; f++)
                keys[f] = fields[f].key;
            s = gpv_suggest(key->str, keys, nfields);
            if (s >= 0)
                return gpv_y_error(err, GPV_EINPUT, doc, key,
                                   "unknown key '%s' in %s (did you mean '%s'?)", key->str, what,
                                   keys[s]);
            return gpv_y_error(err, GPV_EINPUT, doc, key, "unknown key '%s' in %s", key->str, what);
        }
        fd = &fields[f];
        got |= 1ull << f;
        base = (char *)out + fd->offset;
        /* The value is named in a message ("'replicas' of tenant 'web'") only when it is bad:
           decoded without one first, and again with it to say why. */
        if (decode_field(base, fd, doc, val, "", NULL)) {
            where = xasprintf("'%s' of %s", fd->key, what);
            rc = decode_field(base, fd, doc, val, where, err);
            free(where);
            return rc;
        }
    }
    for (f = 0; f < nfields; f++)
        if (fields[f].required && !(got & (1ull << f)))
            return gpv_y_error(err, GPV_EINPUT, doc, map, "missing key '%s' in %s", fields[f].key,
                               what);
    if (seen)
        *seen = got;
    return 0;
}
