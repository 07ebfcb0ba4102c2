/* c-baseline's shared helpers: see support.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "support.h"

void die(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fputs("c-baseline: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(1);
}


double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

int status_kib(const char *field) {
    FILE *file = fopen("/proc/self/status", "r");
    if (!file) return -1;
    char line[256];
    size_t length = strlen(field);
    int value = -1;
    while (fgets(line, sizeof line, file)) {
        if (strncmp(line, field, length) == 0 && line[length] == ':') {
            value = atoi(line + length + 1);
            break;
        }
    }
    fclose(file);
    return value;
}


int parse_positive(const char *text, long maximum, long *value) {
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno || end == text || *end || parsed <= 0 || parsed > maximum) return 0;
    *value = parsed;
    return 1;
}

int compare_doubles(const void *left, const void *right) {
    double a = *(const double *)left, b = *(const double *)right;
    return (a > b) - (a < b);
}

double percentile_ms(const double *sorted, long count, double p) {
    if (count == 0) return 0;
    long index = (long)((double)count * p);  /* floor: both are non-negative */
    if (index > count - 1) index = count - 1;
    return sorted[index] * 1000.0;
}

void raise_file_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            fprintf(stderr, "c-baseline: cannot raise RLIMIT_NOFILE: %s\n", strerror(errno));
    }
}
