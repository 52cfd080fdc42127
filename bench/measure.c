/*
 * Runs a command several times and prints the medians of its wall time, its CPU time (user +
 * system, from wait4) and its peak resident memory, and the exit status of the last run:
 *   measure RUNS OUT -- COMMAND [ARG]...
 * Standard output of the command goes to the file OUT (/dev/null to drop it), standard error
 * to the caller's. Prints one line: "wall_s cpu_s peak_kib status" (status 128+N when killed
 * by signal N). Exit 0, or 2 on misuse, 4 when the command cannot be started.
 */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
    double wall[64], cpu[64], rss[64];
    int runs, i, status = 0, rc = 0;
    char *end;

    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fputs("usage: measure RUNS OUT -- COMMAND [ARG]...\n", stderr);
        return 2;
    }
    runs = (int)strtol(argv[1], &end, 10);
    if (*end || runs < 1 || runs > 64) {
        fputs("measure: RUNS is 1 to 64\n", stderr);
        return 2;
    }
    for (i = 0; i < runs; i++) {
        struct rusage ru;
        double start = now();
        pid_t pid = fork();

        if (pid < 0) {
            perror("fork");
            return 4;
        }
        if (pid == 0) {
            int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);

            if (fd < 0 || dup2(fd, 1) < 0) {
                perror(argv[2]);
                _exit(127);
            }
            close(fd);
            execvp(argv[4], argv + 4);
            perror(argv[4]);
            _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) < 0) {
            perror("wait4");
            return 4;
        }
        wall[i] = now() - start;
        cpu[i] = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        rss[i] = (double)ru.ru_maxrss;
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (rc == 127)
            return 4;
    }
    printf("%.6f %.6f %.0f %d\n", median(wall, runs), median(cpu, runs), median(rss, runs), rc);
    return 0;
}
