/* th_http.h - a real HTTP client for the tests of lib/http_server and the
 * status API: libcurl for well-formed requests, a raw socket for the bad
 * ones a real client would never send. */
#ifndef SF_TH_HTTP_H
#define SF_TH_HTTP_H

#include <stddef.h>

typedef struct ThHttp {
    long status;               /* 0 when the request failed */
    char *body;                /* malloc'd, NUL-terminated (th_http_free) */
    size_t len;
    char headers[4096];        /* the response headers, as received */
} ThHttp;

/* method "GET"/"POST"/..., url "http://127.0.0.1:PORT/path"; token NULL
 * for none; body NULL for none. */
void th_http(ThHttp *out, const char *method, const char *url, const char *token, const char *body);
void th_http_free(ThHttp *r);

/* Sends raw bytes to 127.0.0.1:port, reads the answer until the server
 * closes or timeout_ms passes; returns the answer (malloc'd, may be "")
 * or NULL when the connection failed. */
char *th_http_raw(int port, const char *bytes, size_t len, int timeout_ms);
/* A connected socket (for slow-loris tests), -1 on failure. */
int th_http_connect(int port);

#endif
