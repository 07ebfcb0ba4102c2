/* What c-baseline's two loads share: failing loudly, the clock, /proc/self/status, argument
 * parsing and percentiles. HTTP (main.c) and WebSocket echoes (websocket.c). */
#ifndef CBASELINE_SUPPORT_H
#define CBASELINE_SUPPORT_H

#include <curl/curl.h>

void die(const char *format, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define CHECK_EASY(call) do { \
        CURLcode check_code_ = (call); \
        if (check_code_ != CURLE_OK) die("%s: %s", #call, curl_easy_strerror(check_code_)); \
    } while (0)
#define CHECK_MULTI(call) do { \
        CURLMcode check_code_ = (call); \
        if (check_code_ != CURLM_OK) die("%s: %s", #call, curl_multi_strerror(check_code_)); \
    } while (0)
#define CHECK_SHARE(call) do { \
        CURLSHcode check_code_ = (call); \
        if (check_code_ != CURLSHE_OK) die("%s: %s", #call, curl_share_strerror(check_code_)); \
    } while (0)

/* CLOCK_MONOTONIC seconds. */
double now(void);
/* A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak), -1 if unreadable. */
int status_kib(const char *field);
/* Parses a decimal in 1...maximum into *value; 0 when the text is not one. */
int parse_positive(const char *text, long maximum, long *value);
/* qsort's comparator for doubles. */
int compare_doubles(const void *left, const void *right);
/* The p-th percentile of `count` sorted seconds, in milliseconds. */
double percentile_ms(const double *sorted, long count, double p);
/* Raises RLIMIT_NOFILE to its hard limit (a socket per request or per WebSocket). */
void raise_file_limit(void);

/* The WebSocket echo load (websocket.c): N echoes over C sockets. */
int websocket_main(const char *url, long total, long concurrency);

#endif
