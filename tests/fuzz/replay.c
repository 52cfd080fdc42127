/*
 * Plain driver for the fuzz targets: feeds every regular file under the directories (or files)
 * named on the command line to LLVMFuzzerTestOneInput, so `make check` and `make san` replay
 * the corpus and the test fixtures without libFuzzer. Prints one summary line.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long count;

static int
feed_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f) {
        perror(path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    count++;
    return 0;
}

static int
walk(const char *path)
{
    struct stat st;
    struct dirent **names;
    int i, n, rc = 0;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (S_ISREG(st.st_mode))
        return feed_file(path);
    if (!S_ISDIR(st.st_mode))
        return 0;
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        perror(path);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' && rc == 0) {
            size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
            char *child = malloc(len);

            if (!child)
                rc = -1;
            else {
                snprintf(child, len, "%s/%s", path, names[i]->d_name);
                rc = walk(child);
                free(child);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++)
        if (walk(argv[i]) != 0)
            return 1;
    printf("%s: replayed %ld inputs\n", argc > 0 ? argv[0] : "replay", count);
    return 0;
}
