#include "study_text.h"

#include <string.h>
#include <sys/types.h>

void
study_wrap(FILE *f, const char *first, const char *rest, const char *text)
{
    const char *p = text;
    size_t col, indent;
    bool line_empty = true;

    fputs(first, f);
    col = strlen(first);
    indent = strlen(rest);
    while (*p) {
        size_t n;

        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        if (!*p)
            break;
        n = strcspn(p, " \n\t");
        if (!line_empty && col + 1 + n > STUDY_WIDTH) {
            fprintf(f, "\n%s", rest);
            col = indent;
            line_empty = true;
        }
        if (!line_empty) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, n, f);
        col += n;
        line_empty = false;
        p += n;
    }
    fputc('\n', f);
}

bool
study_read_line(char **line, size_t *cap, FILE *in)
{
    ssize_t n = getline(line, cap, in);

    if (n < 0)
        return false;
    while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
        (*line)[--n] = '\0';
    return true;
}
