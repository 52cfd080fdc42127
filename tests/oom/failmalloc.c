/*
 * Allocation fault injection for tests/cli/test_oom.sh, loaded with LD_PRELOAD.
 *   GPV_FAIL_ALLOC=N         the Nth call of malloc, calloc or realloc (from 1) returns NULL
 *                            with errno ENOMEM; every other call succeeds
 *   GPV_FAIL_ALLOC_COUNT=F   at exit, writes the number of calls seen to file F
 * Works with glibc, whose __libc_* entry points let the shim call the real allocator without
 * dlsym (which allocates itself). Not for sanitizer builds, which own malloc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t n);

static unsigned long calls, fail_at;
static int inited;

static int
should_fail(void)
{
    if (!inited) {
        const char *s = getenv("GPV_FAIL_ALLOC");

        inited = 1;
        fail_at = s ? strtoul(s, NULL, 10) : 0;
    }
    calls++;
    if (fail_at && calls == fail_at) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *
malloc(size_t n)
{
    return should_fail() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : __libc_calloc(count, size);
}

void *
realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __libc_realloc(p, n);
}

__attribute__((destructor)) static void
report(void)
{
    const char *path = getenv("GPV_FAIL_ALLOC_COUNT");
    FILE *f;

    if (!path || !(f = fopen(path, "w")))
        return;
    fprintf(f, "%lu\n", calls);
    fclose(f);
}
