#ifndef EDGE_CCURL_SHIM_H
#define EDGE_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them, so each
   argument type gets a typed wrapper. */
static inline CURLcode edge_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode edge_curl_setopt_offt(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode edge_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode edge_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode edge_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }

/* CURLOPT_CAINFO_BLOB and friends take a struct curl_blob: libcurl copies the bytes. */
static inline CURLcode edge_curl_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = len;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(h, o, &blob);
}

/* The CA bundle this libcurl was built to use by default (NULL when none). */
static inline const char *edge_curl_default_cainfo(void) {
    curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    return info ? info->cainfo : NULL;
}

typedef size_t (*edge_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode edge_curl_setopt_datacb(CURL *h, CURLoption o, edge_curl_data_cb v) { return curl_easy_setopt(h, o, v); }

static inline CURLcode edge_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode edge_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode edge_curl_getinfo_offt(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }

/* Macros that Swift does not import. */
static const long EDGE_CURLAUTH_BASIC = (long)CURLAUTH_BASIC;
static const long EDGE_CURL_HTTP_VERSION_2TLS = (long)CURL_HTTP_VERSION_2TLS;
static const long EDGE_CURL_HTTP_VERSION_1_1 = (long)CURL_HTTP_VERSION_1_1;

#endif
