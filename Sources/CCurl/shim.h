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
// The result of a finished transfer (CURLMsg keeps it in a union).
static inline CURLcode skein_curl_msg_result(CURLMsg *msg) { return msg->data.result; }
#endif
