#ifndef GPUVPLAN_STUDY_TEXT_H
#define GPUVPLAN_STUDY_TEXT_H

/* Text helpers shared by the study commands (quiz, advise, compare). CLI layer: they print. */

#include <stdbool.h>
#include <stdio.h>

#define STUDY_WIDTH 78 /* columns the study commands wrap their prose to */

/*
 * Writes text to f wrapped at STUDY_WIDTH columns: the first line starts with `first`, the
 * following ones with `rest` (indents, usually spaces). Runs of blanks collapse; a word longer
 * than a line stands alone. Ends with a newline.
 */
void study_wrap(FILE *f, const char *first, const char *rest, const char *text);

/*
 * Reads one line from in into *line (getline's buffer, caller frees), without its newline
 * and trailing carriage return. Returns false at end of input or on a read error.
 */
bool study_read_line(char **line, size_t *cap, FILE *in);

#endif
