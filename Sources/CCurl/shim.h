#ifndef SKEIN_CCURL_SHIM_H
#define SKEIN_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt / curl_easy_getinfo are C variadics, which Swift cannot call:
// these typed wrappers are what Swift code uses instead.
static inline CURLcode skein_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skein_curl_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skein_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skein_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*skein_curl_write_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode skein_curl_setopt_write(CURL *h, CURLoption o, skein_curl_write_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skein_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode skein_curl_getinfo_ptr(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode skein_curl_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
// Options taking a `struct curl_blob *` (CAINFO_BLOB, SSLCERT_BLOB, SSLKEY_BLOB): libcurl copies the bytes.
static inline CURLcode skein_curl_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = len;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(h, o, &blob);
}
static inline CURLMcode skein_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode skein_curl_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
typedef int (*skein_curl_socket_cb)(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);
static inline CURLMcode skein_curl_multi_setopt_socketcb(CURLM *m, skein_curl_socket_cb v) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, v); }
typedef int (*skein_curl_timer_cb)(CURLM *multi, long timeout_ms, void *userp);
static inline CURLMcode skein_curl_multi_setopt_timercb(CURLM *m, skein_curl_timer_cb v) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, v); }

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
// Names the calling thread (shown by top, perf and gdb).
static inline void skein_set_thread_name(const char *name) { (void)prctl(PR_SET_NAME, name, 0, 0, 0); }
// An eventfd that wakes the transport's epoll loop.
static inline int skein_eventfd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline int skein_eventfd_signal(int fd) { return eventfd_write(fd, 1); }
static inline void skein_eventfd_drain(int fd) { eventfd_t v; (void)eventfd_read(fd, &v); }
// epoll_event is a packed struct: these keep Swift away from its layout.
static inline int skein_epoll_set(int epfd, int op, int fd, unsigned events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = 0;
    ev.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &ev);
}
// Waits like epoll_wait and writes each ready descriptor and its events into the arrays.
static inline int skein_epoll_wait(int epfd, int *fds, unsigned *events, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) { fds[i] = evs[i].data.fd; events[i] = evs[i].events; }
    return n;
}
#endif

// The result of a finished transfer (CURLMsg keeps it in a union).
static inline CURLcode skein_curl_msg_result(CURLMsg *msg) { return msg->data.result; }
#endif
