/*
 * c-baseline URL N C h1|h2c|h2|h3|ws (ws: see websocket.c)
 *
 * The raw-C upper bound for the Curlew benchmarks: the same engine as Curlew (one libev loop
 * with the epoll backend driving one libcurl multi handle through the socket interface, one
 * CURLSH sharing DNS and TLS sessions) with nothing on top. C easy handles, one per
 * concurrency slot, each set up once and re-added for the slot's next request until N
 * requests have been started. Bodies are counted and discarded. Prints one line, the same
 * keys and formats as CurlewClient (see Benchmarks/README.md). BENCH_CAFILE names the PEM to
 * trust for https (the system store when unset).
 *
 * h2c uses the workaround for curl #10634 (libcurl 7.88.1 fails every prior-knowledge request
 * after the first on a connection): one request opens the connection with
 * CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, and only after it succeeded do the others start, as
 * CURL_HTTP_VERSION_2_0, multiplexed on that connection.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <curl/curl.h>
#include <ev.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "support.h"

enum proto { PROTO_H1, PROTO_H2C, PROTO_H2, PROTO_H3 };

/* h2c connection state: no connection (the next request opens one), opening, open. */
enum h2c_state { H2C_CLOSED, H2C_OPENING, H2C_OPEN };

struct slot {
    CURL *easy;
    double started;              /* CLOCK_MONOTONIC seconds at curl_multi_add_handle */
    int opener;                  /* this request opens the h2c connection */
    char error[CURL_ERROR_SIZE];
};

static struct ev_loop *loop;
static CURLM *multi;
static ev_timer curl_timer;

static enum proto proto;
static const char *proto_name;
static long total;               /* N */
static long concurrency;         /* C */
static long started;             /* requests added so far */
static long completed;           /* requests seen done by info_read */
static long failures;
static long long body_bytes;
static double *latencies;        /* completed entries, seconds */
static double first_add = -1, last_done;
static int reported_failure;

static enum h2c_state h2c = H2C_CLOSED;
static struct slot **waiting;    /* h2c: slots idle until the connection is open */
static long waiting_count;

static size_t on_body(char *data, size_t size, size_t count, void *user) {
    (void)data;
    (void)user;
    body_bytes += (long long)(size * count);
    return size * count;
}

/* ---- starting requests ---- */

static void add(struct slot *slot) {
    started++;
    slot->started = now();
    if (first_add < 0) first_add = slot->started;
    CHECK_MULTI(curl_multi_add_handle(multi, slot->easy));
}

/* Starts the slot's next request, if any remain (h2c: or parks it until the connection is open). */
static void next_request(struct slot *slot) {
    if (started >= total) return;
    if (proto == PROTO_H2C && h2c != H2C_OPEN) {
        if (h2c == H2C_OPENING) {
            waiting[waiting_count++] = slot;
            return;
        }
        h2c = H2C_OPENING;
        slot->opener = 1;
        CHECK_EASY(curl_easy_setopt(slot->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
    }
    add(slot);
}

/* The h2c opener ended: let the parked slots go on its connection, or open another. */
static void opener_done(struct slot *slot, CURLcode result) {
    slot->opener = 0;
    CHECK_EASY(curl_easy_setopt(slot->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_0));
    if (result != CURLE_OK) {
        h2c = H2C_CLOSED;
        next_request(slot);  /* opens again */
        return;
    }
    h2c = H2C_OPEN;
    next_request(slot);
    while (waiting_count > 0 && started < total) next_request(waiting[--waiting_count]);
}

/* ---- completions ---- */

static void drain_completions(void) {
    CURLMsg *message;
    int queued;
    while ((message = curl_multi_info_read(multi, &queued))) {
        if (message->msg != CURLMSG_DONE) continue;
        double done = now();
        CURL *easy = message->easy_handle;
        CURLcode result = message->data.result;  /* message is invalid after the removal */
        char *private_pointer = NULL;
        CHECK_EASY(curl_easy_getinfo(easy, CURLINFO_PRIVATE, &private_pointer));
        struct slot *slot = (struct slot *)(void *)private_pointer;
        long status = 0;
        CHECK_EASY(curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status));
        if (result != CURLE_OK || status != 200) {
            failures++;
            if (!reported_failure) {
                reported_failure = 1;
                if (result != CURLE_OK)
                    fprintf(stderr, "c-baseline: first failure: %s (%s)\n", curl_easy_strerror(result),
                            slot->error[0] ? slot->error : "no detail");
                else
                    fprintf(stderr, "c-baseline: first failure: HTTP status %ld\n", status);
            }
        }
        latencies[completed++] = done - slot->started;
        last_done = done;
        CHECK_MULTI(curl_multi_remove_handle(multi, easy));
        if (slot->opener) opener_done(slot, result);
        else next_request(slot);
    }
    if (completed == total) ev_break(loop, EVBREAK_ALL);
}

static void socket_action(curl_socket_t fd, int mask) {
    int running;
    CHECK_MULTI(curl_multi_socket_action(multi, fd, mask, &running));
    drain_completions();
}

/* ---- libev watchers ---- */

static void on_io(struct ev_loop *event_loop, ev_io *watcher, int revents) {
    (void)event_loop;
    int mask = 0;
    if (revents & EV_READ) mask |= CURL_CSELECT_IN;
    if (revents & EV_WRITE) mask |= CURL_CSELECT_OUT;
    if (revents & EV_ERROR) mask |= CURL_CSELECT_ERR;
    socket_action(watcher->fd, mask);  /* may free the watcher (CURL_POLL_REMOVE) */
}

static void on_timer_expired(struct ev_loop *event_loop, ev_timer *watcher, int revents) {
    (void)event_loop;
    (void)watcher;
    (void)revents;
    socket_action(CURL_SOCKET_TIMEOUT, 0);
}

/* ---- libcurl multi callbacks ---- */

/* CURLMOPT_SOCKETFUNCTION: one ev_io per socket, assigned to it in the multi. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *user, void *socket_pointer) {
    (void)easy;
    (void)user;
    ev_io *watcher = socket_pointer;
    if (what == CURL_POLL_REMOVE) {
        if (watcher) {
            ev_io_stop(loop, watcher);
            free(watcher);
        }
        return 0;
    }
    int events = 0;
    if (what & CURL_POLL_IN) events |= EV_READ;
    if (what & CURL_POLL_OUT) events |= EV_WRITE;
    if (!watcher) {
        watcher = malloc(sizeof *watcher);
        if (!watcher) die("out of memory for a socket watcher");
        ev_init(watcher, on_io);
        CHECK_MULTI(curl_multi_assign(multi, fd, watcher));
    } else {
        ev_io_stop(loop, watcher);
    }
    ev_io_set(watcher, fd, events);
    if (events) ev_io_start(loop, watcher);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: re-arm the one timer; never socket_action from here. */
static int on_curl_timer(CURLM *multi_handle, long timeout_ms, void *user) {
    (void)multi_handle;
    (void)user;
    ev_timer_stop(loop, &curl_timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&curl_timer, (double)timeout_ms / 1000.0, 0.0);
        ev_timer_start(loop, &curl_timer);
    }
    return 0;
}

/* ---- setup ---- */




int main(int argc, char **argv) {
    if (argc != 5 || !parse_positive(argv[2], INT_MAX, &total) || !parse_positive(argv[3], 1000000, &concurrency)
        || (strcmp(argv[4], "h1") && strcmp(argv[4], "h2c") && strcmp(argv[4], "h2") && strcmp(argv[4], "h3") && strcmp(argv[4], "ws"))) {
        fprintf(stderr, "usage: c-baseline URL N C h1|h2c|h2|h3|ws\n");
        return 2;
    }
    const char *url = argv[1];
    proto_name = argv[4];
    if (!strcmp(proto_name, "ws")) {
        raise_file_limit();
        signal(SIGPIPE, SIG_IGN);
        return websocket_main(url, total, concurrency);
    }
    proto = !strcmp(proto_name, "h1") ? PROTO_H1 : !strcmp(proto_name, "h2c") ? PROTO_H2C
          : !strcmp(proto_name, "h2") ? PROTO_H2 : PROTO_H3;
    if (proto == PROTO_H3 && !(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP3)) {
        fprintf(stderr, "c-baseline: libcurl %s has no HTTP/3\n", curl_version_info(CURLVERSION_NOW)->version);
        printf("client=c-baseline proto=h3 unsupported\n");
        return 3;
    }
    const char *cafile = getenv("BENCH_CAFILE");

    /* One socket per request at most (HTTP/1.1 with C in flight), plus the process's own. */
    raise_file_limit();
    signal(SIGPIPE, SIG_IGN);  /* libcurl with GnuTLS does not keep SIGPIPE away */

    CHECK_EASY(curl_global_init(CURL_GLOBAL_DEFAULT));
    loop = ev_loop_new(EVBACKEND_EPOLL);
    if (!loop) die("ev_loop_new(EVBACKEND_EPOLL) failed (no epoll?)");
    ev_timer_init(&curl_timer, on_timer_expired, 0.0, 0.0);

    multi = curl_multi_init();
    if (!multi) die("curl_multi_init failed");
    CHECK_MULTI(curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket));
    CHECK_MULTI(curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_curl_timer));
    CHECK_MULTI(curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, concurrency > 512 ? concurrency : 512L));
    if (proto == PROTO_H1) {
        CHECK_MULTI(curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, concurrency));
    } else {
        CHECK_MULTI(curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX));
        CHECK_MULTI(curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L));
        CHECK_MULTI(curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 1000L));
    }

    CURLSH *share = curl_share_init();
    if (!share) die("curl_share_init failed");
    CHECK_SHARE(curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS));
    CHECK_SHARE(curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION));

    long slot_count = concurrency < total ? concurrency : total;
    struct slot *slots = calloc((size_t)slot_count, sizeof *slots);
    waiting = calloc((size_t)slot_count, sizeof *waiting);
    latencies = calloc((size_t)total, sizeof *latencies);
    if (!slots || !waiting || !latencies) die("out of memory for %ld slots and %ld latencies", slot_count, total);

    /* Before the easy handles: like every client's, the base excludes only what exists before
     * any request (for Curlew, its client and loop thread), so that RSS per in-flight request
     * counts the easy handle each request needs. */
    int base_rss = status_kib("VmRSS");

    long version = proto == PROTO_H1 ? CURL_HTTP_VERSION_1_1
                 : proto == PROTO_H2C ? CURL_HTTP_VERSION_2_0  /* the opener switches to prior knowledge */
                 : proto == PROTO_H3 ? CURL_HTTP_VERSION_3ONLY
                 : CURL_HTTP_VERSION_2TLS;
    for (long i = 0; i < slot_count; i++) {
        struct slot *slot = &slots[i];
        CURL *easy = slot->easy = curl_easy_init();
        if (!easy) die("curl_easy_init failed");
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_URL, url));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_SHARE, share));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)slot));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot->error));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, version));
        if (proto != PROTO_H1) CHECK_EASY(curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L));
        /* As Curlew's defaults: 256 KiB receive buffer, TCP_NODELAY, no proxy from the environment. */
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 256L << 10));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_PROXY, ""));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L));
        CHECK_EASY(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L));
        if (cafile) CHECK_EASY(curl_easy_setopt(easy, CURLOPT_CAINFO, cafile));
    }

    for (long i = 0; i < slot_count; i++) next_request(&slots[i]);
    ev_run(loop, 0);
    if (completed != total) die("event loop ended with %ld of %ld requests done", completed, total);

    double seconds = last_done - first_add;
    int peak_rss = status_kib("VmHWM");
    qsort(latencies, (size_t)completed, sizeof *latencies, compare_doubles);
    printf("client=c-baseline proto=%s c=%d n=%d ok=%d failures=%d seconds=%.3f rps=%.1f mibps=%.2f "
           "p50_ms=%.3f p99_ms=%.3f rss_kib=%d base_rss_kib=%d\n",
           proto_name, (int)concurrency, (int)total, (int)(total - failures), (int)failures, seconds,
           (double)total / seconds, (double)body_bytes / seconds / 1048576.0,
           percentile_ms(latencies, completed, 0.5), percentile_ms(latencies, completed, 0.99), peak_rss, base_rss);
    fflush(stdout);

    /* Every easy is out of the multi now. The multi's cleanup closes its connections and calls
     * on_socket (CURL_POLL_REMOVE) for them, so the loop must still exist; the share goes last. */
    CHECK_MULTI(curl_multi_cleanup(multi));
    ev_timer_stop(loop, &curl_timer);
    for (long i = 0; i < slot_count; i++) curl_easy_cleanup(slots[i].easy);
    CHECK_SHARE(curl_share_cleanup(share));
    ev_loop_destroy(loop);
    curl_global_cleanup();
    free(slots);
    free(waiting);
    free(latencies);
    return 0;
}
