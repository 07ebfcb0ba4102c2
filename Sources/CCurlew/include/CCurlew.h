// CCurlew: the only C Curlew writes.
//
// libcurl's setopt/getinfo calls are variadic and libev's watcher set-up is macros; Swift can
// call neither. Each wrapper below fixes one argument family so that the Swift side is typed,
// and says why it exists. Every symbol carries the `ccurlew_` prefix.
#ifndef CCURLEW_H
#define CCURLEW_H

#include <curl/curl.h>
#include <ev.h>
#include <sys/select.h>
#include <dlfcn.h>
#include <sys/prctl.h>
#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

// MARK: - Layouts we rely on

// CurlEasy passes Swift Int for `long` and Int64 for `curl_off_t`.
_Static_assert(sizeof(long) == 8, "Curlew assumes an LP64 platform");
_Static_assert(sizeof(curl_off_t) == 8, "curl_off_t must be 64 bits");
// CurlShare keeps one mutex per curl_lock_data value in a fixed array.
_Static_assert(CURL_LOCK_DATA_LAST <= 16, "CurlShare's lock array holds 16 mutexes");

// MARK: - curl_easy_setopt, one wrapper per argument family

/// `curl_easy_setopt` for options taking a `long` (CURLOPTTYPE_LONG, VALUES).
static inline CURLcode ccurlew_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a `curl_off_t` (CURLOPTTYPE_OFF_T).
static inline CURLcode ccurlew_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a C string, which libcurl copies (CURLOPTTYPE_STRINGPOINT).
static inline CURLcode ccurlew_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking an opaque pointer (CURLOPTTYPE_OBJECTPOINT, CBPOINT).
static inline CURLcode ccurlew_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a `struct curl_slist *`, which libcurl does not copy.
static inline CURLcode ccurlew_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// `curl_easy_setopt` for options taking a `struct curl_blob *` (CURLOPTTYPE_BLOB); the bytes are
/// copied (CURL_BLOB_COPY) so the caller's buffer need not outlive the call.
static inline CURLcode ccurlew_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob = { (void *)data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(handle, option, &blob);
}

/// `curl_easy_setopt` for `CURLOPT_SHARE`.
static inline CURLcode ccurlew_easy_setopt_share(CURL *handle, CURLSH *share) {
    return curl_easy_setopt(handle, CURLOPT_SHARE, share);
}

/// `curl_easy_setopt` for `CURLOPT_WRITEFUNCTION` and `CURLOPT_HEADERFUNCTION`.
static inline CURLcode ccurlew_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// `curl_easy_setopt` for `CURLOPT_READFUNCTION`.
static inline CURLcode ccurlew_easy_setopt_read_callback(CURL *handle, CURLoption option, curl_read_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// `curl_easy_setopt` for `CURLOPT_SEEKFUNCTION`.
static inline CURLcode ccurlew_easy_setopt_seek_callback(CURL *handle, CURLoption option, curl_seek_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// `curl_easy_setopt` for `CURLOPT_XFERINFOFUNCTION`.
static inline CURLcode ccurlew_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// `curl_easy_setopt` for `CURLOPT_DEBUGFUNCTION`.
static inline CURLcode ccurlew_easy_setopt_debug_callback(CURL *handle, CURLoption option, curl_debug_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// MARK: - curl_easy_getinfo, one wrapper per result family

/// `curl_easy_getinfo` for CURLINFO_LONG results.
static inline CURLcode ccurlew_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for CURLINFO_OFF_T results.
static inline CURLcode ccurlew_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// What Curlew reads of every finished transfer, in one call: twelve `curl_easy_getinfo`s
/// made from C rather than twelve calls from Swift, each with its own checks.
struct ccurlew_transfer_info {
    curl_off_t namelookup_us, connect_us, appconnect_us, starttransfer_us, total_us;
    curl_off_t size_download, size_upload, content_length_download;
    long response_code, num_connects, redirect_count;
    const char *primary_ip;  /* owned by the handle; NULL when unknown */
};

/// Fills `info`; returns the first failure's code (the fields it could not read stay as set).
static inline CURLcode ccurlew_easy_transfer_info(CURL *handle, struct ccurlew_transfer_info *info) {
    CURLcode first = CURLE_OK;
    CURLcode codes[] = {
        curl_easy_getinfo(handle, CURLINFO_NAMELOOKUP_TIME_T, &info->namelookup_us),
        curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &info->connect_us),
        curl_easy_getinfo(handle, CURLINFO_APPCONNECT_TIME_T, &info->appconnect_us),
        curl_easy_getinfo(handle, CURLINFO_STARTTRANSFER_TIME_T, &info->starttransfer_us),
        curl_easy_getinfo(handle, CURLINFO_TOTAL_TIME_T, &info->total_us),
        curl_easy_getinfo(handle, CURLINFO_SIZE_DOWNLOAD_T, &info->size_download),
        curl_easy_getinfo(handle, CURLINFO_SIZE_UPLOAD_T, &info->size_upload),
        curl_easy_getinfo(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &info->content_length_download),
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &info->response_code),
        curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &info->num_connects),
        curl_easy_getinfo(handle, CURLINFO_REDIRECT_COUNT, &info->redirect_count),
        curl_easy_getinfo(handle, CURLINFO_PRIMARY_IP, (char **)&info->primary_ip),
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (codes[i] != CURLE_OK && first == CURLE_OK) first = codes[i];
    }
    return first;
}

/// `curl_easy_getinfo` for CURLINFO_DOUBLE results.
static inline CURLcode ccurlew_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for CURLINFO_STRING results (owned by the handle).
static inline CURLcode ccurlew_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for CURLINFO_SLIST results (owned by the caller, freed with curl_slist_free_all).
static inline CURLcode ccurlew_easy_getinfo_slist(CURL *handle, CURLINFO info, struct curl_slist **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo` for CURLINFO_PTR results other than lists (CURLINFO_TLS_SSL_PTR, CURLINFO_PRIVATE).
static inline CURLcode ccurlew_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// `curl_easy_getinfo(CURLINFO_TLS_SSL_PTR)`: the TLS backend and its session object.
static inline CURLcode ccurlew_easy_getinfo_tls_session(CURL *handle, struct curl_tlssessioninfo **value) {
    return curl_easy_getinfo(handle, CURLINFO_TLS_SSL_PTR, value);
}

/// `curl_easy_getinfo` for CURLINFO_SOCKET results.
static inline CURLcode ccurlew_easy_getinfo_socket(CURL *handle, CURLINFO info, curl_socket_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

// MARK: - curl_multi_setopt

/// `curl_multi_setopt` for options taking a `long`.
static inline CURLMcode ccurlew_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// `curl_multi_setopt` for options taking an opaque pointer (SOCKETDATA, TIMERDATA).
static inline CURLMcode ccurlew_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

/// `curl_multi_setopt(CURLMOPT_SOCKETFUNCTION)`.
static inline CURLMcode ccurlew_multi_setopt_socket_callback(CURLM *multi, curl_socket_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
}

/// `curl_multi_setopt(CURLMOPT_TIMERFUNCTION)`.
static inline CURLMcode ccurlew_multi_setopt_timer_callback(CURLM *multi, curl_multi_timer_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
}

/// `curl_multi_socket_all`, deprecated in libcurl but part of the seed's API (`socket_all`);
/// wrapped so the deprecation stays here rather than as a warning in every Swift build.
static inline CURLMcode ccurlew_multi_socket_all(CURLM *multi, int *running) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return curl_multi_socket_all(multi, running);
#pragma GCC diagnostic pop
}

// MARK: - curl_share_setopt

/// `curl_share_setopt` for CURLSHOPT_SHARE and CURLSHOPT_UNSHARE, which read an `int`.
static inline CURLSHcode ccurlew_share_setopt_lock_data(CURLSH *share, CURLSHoption option, curl_lock_data data) {
    return curl_share_setopt(share, option, (int)data);
}

/// `curl_share_setopt` for CURLSHOPT_USERDATA.
static inline CURLSHcode ccurlew_share_setopt_pointer(CURLSH *share, CURLSHoption option, void *value) {
    return curl_share_setopt(share, option, value);
}

/// `curl_share_setopt(CURLSHOPT_LOCKFUNC)`.
static inline CURLSHcode ccurlew_share_setopt_lock_callback(CURLSH *share, curl_lock_function callback) {
    return curl_share_setopt(share, CURLSHOPT_LOCKFUNC, callback);
}

/// `curl_share_setopt(CURLSHOPT_UNLOCKFUNC)`.
static inline CURLSHcode ccurlew_share_setopt_unlock_callback(CURLSH *share, curl_unlock_function callback) {
    return curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, callback);
}

// MARK: - Version

/// `curl_version_info(CURLVERSION_NOW)`: CURLVERSION_NOW is a macro Swift cannot see.
static inline curl_version_info_data *ccurlew_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}

// MARK: - TLS session resumption

/// `gnutls_session_is_resumed(session)`, looked up at run time in the GnuTLS that libcurl
/// already loaded, so Curlew neither links GnuTLS nor needs its headers. Returns 1 when
/// resumed, 0 when not, -1 when GnuTLS is not loaded or there is no session.
static inline int ccurlew_gnutls_session_is_resumed(void *session) {
    typedef int (*is_resumed_function)(void *);
    if (session == NULL) return -1;
    is_resumed_function is_resumed = (is_resumed_function)dlsym(RTLD_DEFAULT, "gnutls_session_is_resumed");
    if (is_resumed == NULL) return -1;
    return is_resumed(session);
}

// MARK: - Threads

/// Names the calling thread (`prctl(PR_SET_NAME)`, variadic): loop threads show up by name in
/// `top -H`, gdb and perf. Names longer than 15 bytes are cut by the kernel.
static inline void ccurlew_set_thread_name(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

// MARK: - fd_set, for CurlMulti.fdset()

/// `FD_ZERO`, a macro.
static inline void ccurlew_fd_zero(fd_set *set) { FD_ZERO(set); }

/// `FD_ISSET`, a macro.
static inline int ccurlew_fd_isset(int fd, fd_set *set) { return FD_ISSET(fd, set); }

// MARK: - Counting open sockets

/// The sockets libcurl has open through the two functions below: its connections' (TCP, and
/// UDP for QUIC). One per multi, touched only on the multi's thread.
typedef struct {
    long open;
} ccurlew_socket_count;

/// `CURLOPT_OPENSOCKETFUNCTION`: opens the socket as libcurl would (close-on-exec; libcurl makes
/// it non-blocking) and counts it.
static curl_socket_t ccurlew_open_socket(void *count, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)purpose;
    curl_socket_t fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd != CURL_SOCKET_BAD) ((ccurlew_socket_count *)count)->open++;
    return fd;
}

/// `CURLOPT_CLOSESOCKETFUNCTION`: closes and counts. A connection keeps the function and data of
/// the handle that opened it, so `count` must outlive every connection of its multi.
static int ccurlew_close_socket(void *count, curl_socket_t fd) {
    ((ccurlew_socket_count *)count)->open--;
    return close(fd);
}

/// Sets both functions on `handle`, counting into `count`.
static inline CURLcode ccurlew_easy_count_sockets(CURL *handle, ccurlew_socket_count *count) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, ccurlew_open_socket);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, (void *)count);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, ccurlew_close_socket);
    if (code == CURLE_OK) code = curl_easy_setopt(handle, CURLOPT_CLOSESOCKETDATA, (void *)count);
    return code;
}

// MARK: - WebSocket

// curl_ws_recv and curl_ws_meta hand back `struct curl_ws_frame *` (8.x) or a non-const one
// (7.x headers): these copy the frame into a struct of ours, so the Swift side reads one type
// whichever header it was built against.

/// A copy of `struct curl_ws_frame`.
typedef struct {
    int flags;
    curl_off_t offset;
    curl_off_t bytesleft;
    size_t len;
} ccurlew_ws_frame;

/// `curl_ws_recv`, the frame's metadata copied into `frame` when libcurl hands one back.
static inline CURLcode ccurlew_ws_recv(CURL *handle, void *buffer, size_t length, size_t *received, ccurlew_ws_frame *frame) {
    const struct curl_ws_frame *meta = NULL;
    CURLcode code = curl_ws_recv(handle, buffer, length, received, (void *)&meta);
    if (meta) {
        frame->flags = meta->flags; frame->offset = meta->offset;
        frame->bytesleft = meta->bytesleft; frame->len = meta->len;
    } else {
        frame->flags = 0; frame->offset = 0; frame->bytesleft = 0; frame->len = 0;
    }
    return code;
}

/// `curl_ws_meta`: 1 with `frame` filled inside a write callback of a WebSocket transfer, 0
/// elsewhere.
static inline int ccurlew_ws_meta(CURL *handle, ccurlew_ws_frame *frame) {
    const struct curl_ws_frame *meta = curl_ws_meta(handle);
    if (!meta) return 0;
    frame->flags = meta->flags; frame->offset = meta->offset;
    frame->bytesleft = meta->bytesleft; frame->len = meta->len;
    return 1;
}

/// `CURLWS_NOAUTOPONG` (libcurl 8.14), or 0 where the header has none.
static inline long ccurlew_ws_noautopong(void) {
#ifdef CURLWS_NOAUTOPONG
    return CURLWS_NOAUTOPONG;
#else
    return 0;
#endif
}

// MARK: - libev watcher macros

/// `ev_io_init`, a macro.
static inline void ccurlew_ev_io_init(ev_io *watcher, void (*callback)(struct ev_loop *, ev_io *, int), int fd, int events) {
    ev_io_init(watcher, callback, fd, events);
}

/// `ev_io_set`, a macro: changes the fd and events of a stopped watcher.
static inline void ccurlew_ev_io_set(ev_io *watcher, int fd, int events) {
    ev_io_set(watcher, fd, events);
}

/// `ev_timer_init`, a macro.
static inline void ccurlew_ev_timer_init(ev_timer *watcher, void (*callback)(struct ev_loop *, ev_timer *, int), ev_tstamp after, ev_tstamp repeat) {
    ev_timer_init(watcher, callback, after, repeat);
}

/// `ev_timer_set`, a macro: changes the timeout of a stopped timer.
static inline void ccurlew_ev_timer_set(ev_timer *watcher, ev_tstamp after, ev_tstamp repeat) {
    ev_timer_set(watcher, after, repeat);
}

/// `ev_async_init`, a macro.
static inline void ccurlew_ev_async_init(ev_async *watcher, void (*callback)(struct ev_loop *, ev_async *, int)) {
    ev_async_init(watcher, callback);
}

/// `ev_prepare_init`, a macro.
static inline void ccurlew_ev_prepare_init(ev_prepare *watcher, void (*callback)(struct ev_loop *, ev_prepare *, int)) {
    ev_prepare_init(watcher, callback);
}

/// `ev_is_active`, a macro.
static inline int ccurlew_ev_is_active(const void *watcher) {
    return ev_is_active((const ev_watcher *)watcher);
}

/// `ev_set_userdata` is a function, but the watchers' `data` member is set through this so the
/// Swift side never spells libev's internal struct layout.
static inline void ccurlew_ev_set_data(void *watcher, void *data) {
    ((ev_watcher *)watcher)->data = data;
}

/// The watcher's `data` member.
static inline void *ccurlew_ev_data(const void *watcher) {
    return ((const ev_watcher *)watcher)->data;
}

/// `EVBACKEND_EPOLL`, a macro.
static inline unsigned int ccurlew_ev_backend_epoll(void) { return EVBACKEND_EPOLL; }

/// `EVFLAG_NOSIGMASK`, a macro: the loop thread must not touch the process's signal mask.
static inline unsigned int ccurlew_ev_flag_nosigmask(void) { return EVFLAG_NOSIGMASK; }


/// glibc's `malloc_trim(0)`: returns the allocator's free pages to the kernel (the soak shows
/// with it what of the RSS after a storm is allocator caching).
static inline int ccurlew_malloc_trim(void) {
    return malloc_trim(0);
}

#endif
