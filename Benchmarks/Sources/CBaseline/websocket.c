/*
 * c-baseline URL N C ws: the raw-C bound for the WebSocket echo row. C sockets, each upgraded
 * with CONNECT_ONLY 2 by curl_easy_perform before the clock starts, then N echoes of a 64-byte
 * text message: each socket sends one, waits for its echo, sends the next, until N were sent.
 * One libev loop (epoll) watches every socket; curl_ws_send and curl_ws_recv are called until
 * they return CURLE_AGAIN, then the socket's watcher waits for the direction it needs. Prints
 * the matrix's one line with client=c-baseline proto=ws (rps counts echoes per second, each
 * timed from its send to the end of its echo).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <curl/curl.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MESSAGE_SIZE 64

struct connection {
    ev_io io;                  /* first: the watcher's address is the connection's */
    CURL *easy;
    curl_socket_t fd;
    double sent_at;
    size_t sent;               /* payload bytes of the current message libcurl took */
    size_t received;           /* bytes of the current echo so far */
    int sending;
    char error[CURL_ERROR_SIZE];
};

static struct ev_loop *ws_loop;
static long ws_total, ws_started, ws_completed, ws_failures;
static double *ws_latencies;
static double ws_first_send = -1, ws_last_echo;
static char message[MESSAGE_SIZE];

static void watch(struct connection *connection, int events) {
    ev_io_stop(ws_loop, &connection->io);
    ev_io_set(&connection->io, connection->fd, events);
    ev_io_start(ws_loop, &connection->io);
}

/* Hands libcurl the rest of the current message; waits for writability when it takes no more. */
static void flush(struct connection *connection) {
    while (connection->sending && connection->sent < MESSAGE_SIZE) {
        size_t taken = 0;
        CURLcode code = curl_ws_send(connection->easy, message + connection->sent, MESSAGE_SIZE - connection->sent,
                                     &taken, 0, CURLWS_TEXT);
        connection->sent += taken;
        if (code == CURLE_AGAIN || (code == CURLE_OK && taken == 0)) {
            watch(connection, EV_READ | EV_WRITE);
            return;
        }
        if (code != CURLE_OK) die("curl_ws_send: %s", curl_easy_strerror(code));
    }
    connection->sending = 0;
    watch(connection, EV_READ);
}

static void send_next(struct connection *connection) {
    if (ws_started >= ws_total) {
        ev_io_stop(ws_loop, &connection->io);
        return;
    }
    ws_started++;
    connection->sent_at = now();
    if (ws_first_send < 0) ws_first_send = connection->sent_at;
    connection->sent = 0;
    connection->received = 0;
    connection->sending = 1;
    flush(connection);
}

/* Reads until libcurl has nothing more; an echo whole ends one round trip. */
static void receive(struct connection *connection) {
    char buffer[4096];
    for (;;) {
        size_t count = 0;
        const struct curl_ws_frame *meta = NULL;
        /* (void *): the 7.x header's parameter is not const. */
        CURLcode code = curl_ws_recv(connection->easy, buffer, sizeof buffer, &count, (void *)&meta);
        if (code == CURLE_AGAIN) return;
        if (code != CURLE_OK) die("curl_ws_recv: %s", curl_easy_strerror(code));
        connection->received += count;
        if (!meta || meta->bytesleft != 0 || (meta->flags & CURLWS_CONT)) continue;
        if (!(meta->flags & CURLWS_TEXT)) continue;  /* pings and pongs: not an echo */
        double done = now();
        if (connection->received != MESSAGE_SIZE) ws_failures++;
        ws_latencies[ws_completed++] = done - connection->sent_at;
        ws_last_echo = done;
        if (ws_completed == ws_total) {
            ev_break(ws_loop, EVBREAK_ALL);
            return;
        }
        send_next(connection);
    }
}

static void on_ready(struct ev_loop *loop, ev_io *watcher, int events) {
    (void)loop;
    struct connection *connection = (struct connection *)watcher;
    if (events & EV_WRITE) flush(connection);
    if (events & EV_READ) receive(connection);
}

int websocket_main(const char *url, long total, long concurrency) {
    int has_ws = 0;
    for (const char *const *name = curl_version_info(CURLVERSION_NOW)->protocols; *name; name++) {
        if (!strcmp(*name, "ws")) has_ws = 1;
    }
    if (!has_ws) {
        fprintf(stderr, "c-baseline: libcurl %s has no WebSocket\n", curl_version_info(CURLVERSION_NOW)->version);
        printf("client=c-baseline proto=ws unsupported\n");
        return 3;
    }
    ws_total = total;
    for (int i = 0; i < MESSAGE_SIZE; i++) message[i] = "curlew bench "[i % 13];
    CHECK_EASY(curl_global_init(CURL_GLOBAL_DEFAULT));
    ws_loop = ev_loop_new(EVBACKEND_EPOLL);
    if (!ws_loop) die("ev_loop_new(EVBACKEND_EPOLL) failed (no epoll?)");
    long count = concurrency < total ? concurrency : total;
    struct connection *connections = calloc((size_t)count, sizeof *connections);
    ws_latencies = calloc((size_t)total, sizeof *ws_latencies);
    if (!connections || !ws_latencies) die("out of memory for %ld sockets and %ld latencies", count, total);
    int base_rss = status_kib("VmRSS");

    for (long i = 0; i < count; i++) {
        struct connection *connection = &connections[i];
        CURL *easy = connection->easy = curl_easy_init();
        if (!easy) die("curl_easy_init failed");
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_URL, url));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 2L));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_PROXY, ""));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, connection->error));
        CURLcode code = curl_easy_perform(easy);
        if (code != CURLE_OK) die("the WebSocket upgrade of %s failed: %s (%s)", url, curl_easy_strerror(code), connection->error);
        CHECK_EASY(curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &connection->fd));
        ev_io_init(&connection->io, on_ready, connection->fd, EV_READ);
        receive(connection);  /* whatever came with the 101 */
    }

    for (long i = 0; i < count; i++) send_next(&connections[i]);
    ev_run(ws_loop, 0);
    if (ws_completed != total) die("the loop ended with %ld of %ld echoes", ws_completed, total);

    double seconds = ws_last_echo - ws_first_send;
    int peak_rss = status_kib("VmHWM");
    qsort(ws_latencies, (size_t)ws_completed, sizeof *ws_latencies, compare_doubles);
    printf("client=c-baseline proto=ws c=%d n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f "
           "p50_ms=%.3f p99_ms=%.3f rss_kib=%d base_rss_kib=%d\n",
           (int)concurrency, (int)total, (int)(total - ws_failures), (int)ws_failures, seconds, (double)total / seconds,
           (double)total * MESSAGE_SIZE / seconds / 1048576.0, percentile_ms(ws_latencies, ws_completed, 0.5),
           percentile_ms(ws_latencies, ws_completed, 0.99), peak_rss, base_rss);
    fflush(stdout);

    for (long i = 0; i < count; i++) {
        ev_io_stop(ws_loop, &connections[i].io);
        size_t sent = 0;
        const unsigned char close_frame[2] = {0x03, 0xE8};  /* 1000 */
        curl_ws_send(connections[i].easy, close_frame, sizeof close_frame, &sent, 0, CURLWS_CLOSE);
        curl_easy_cleanup(connections[i].easy);
    }
    ev_loop_destroy(ws_loop);
    curl_global_cleanup();
    free(connections);
    free(ws_latencies);
    return 0;
}
