#define _GNU_SOURCE
#include "th_http.h"
#include "th.h"
#include "th_farm.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    ThHttp *r = ud;
    size_t add = sz * n;
    char *b = realloc(r->body, r->len + add + 1);
    if (!b) return 0;
    memcpy(b + r->len, p, add);
    r->body = b;
    r->len += add;
    b[r->len] = '\0';
    return add;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    ThHttp *r = ud;
    size_t have = strlen(r->headers), add = sz * n;
    if (have + add < sizeof r->headers) { memcpy(r->headers + have, p, add); r->headers[have + add] = '\0'; }
    return add;
}

void th_http(ThHttp *out, const char *method, const char *url, const char *token, const char *body)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    REQUIRE(c != NULL);
    struct curl_slist *h = NULL;
    char auth[512];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (body) h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (!out->body) out->body = calloc(1, 1);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

void th_http_free(ThHttp *r)
{
    free(r->body);
    r->body = NULL;
}

int th_http_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
    return fd;
}

char *th_http_raw(int port, const char *bytes, size_t len, int timeout_ms)
{
    int fd = th_http_connect(port);
    if (fd < 0) return NULL;
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, bytes + off, len - off, MSG_NOSIGNAL);
        if (w <= 0) break;   /* the server may close early (413): read what it said */
        off += (size_t)w;
    }
    char *out = calloc(1, 1);
    size_t n = 0;
    long long end = th_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(end - th_now_ms());
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0) break;
        char buf[4096];
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0) break;
        char *o = realloc(out, n + (size_t)r + 1);
        if (!o) break;
        out = o;
        memcpy(out + n, buf, (size_t)r);
        n += (size_t)r;
        out[n] = '\0';
    }
    close(fd);
    return out;
}
