/* lib/http_server: routes, token, limits and bad requests, over real HTTP
 * on a free loopback port. */
#define _GNU_SOURCE
#include "th.h"
#include "th_farm.h"
#include "th_http.h"

#include "http_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void h_hello(void *app, const HttpReq *req, HttpResp *resp)
{
    http_resp_json(resp, 200, json_pack("{s:s,s:s}", "hello", (const char *)app, "tail", req->tail));
}

static void h_echo(void *app, const HttpReq *req, HttpResp *resp)
{
    const char *q = http_query(req, "x");
    http_resp_json(resp, 200, json_pack("{s:I,s:s}", "len", (json_int_t)req->body_len, "x", q ? q : ""));
}

static const HttpRoute ROUTES[] = {
    {"GET", "/hello", 0, h_hello},
    {"GET", "/items/", HTTP_PREFIX, h_hello},
    {"POST", "/echo", HTTP_AUTH, h_echo},
    {"GET", "/echo", 0, h_echo},
};

static HttpServer *start(const char *token, int read_only, int timeout_s)
{
    HttpOpts o = {.listen = "127.0.0.1:0", .token = token, .read_only = read_only, .max_body = 4096,
                  .timeout_s = timeout_s, .threads = 2, .component = "test"};
    HttpServer *s = NULL;
    FarmErr err = {0};
    REQUIREF(http_server_start(&o, ROUTES, 4, "world", &s, &err) == 0, "%s", err.msg);
    REQUIRE(http_server_port(s) > 0);
    return s;
}

static void url(char *out, size_t cap, HttpServer *s, const char *path)
{
    snprintf(out, cap, "http://127.0.0.1:%d%s", http_server_port(s), path);
}

TEST(http_routes_answer_404_for_unknown_paths_and_405_with_allow_for_wrong_methods)
{
    HttpServer *s = start("sekrit", 0, 5);
    char u[128];
    ThHttp r;
    url(u, sizeof u, s, "/hello");
    th_http(&r, "GET", u, NULL, NULL);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"hello\":\"world\"");
    CHECK_CONTAINS(r.headers, "Cache-Control: no-store");
    th_http_free(&r);
    th_http(&r, "DELETE", u, NULL, NULL);
    CHECK_INT(r.status, 405);
    CHECK_CONTAINS(r.headers, "Allow: GET");
    th_http_free(&r);
    url(u, sizeof u, s, "/items/abc");
    th_http(&r, "GET", u, NULL, NULL);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"tail\":\"abc\"");
    th_http_free(&r);
    url(u, sizeof u, s, "/items/");   /* a prefix route needs a tail */
    th_http(&r, "GET", u, NULL, NULL);
    CHECK_INT(r.status, 404);
    th_http_free(&r);
    url(u, sizeof u, s, "/nope?x=1");
    th_http(&r, "GET", u, NULL, NULL);
    CHECK_INT(r.status, 404);
    CHECK_CONTAINS(r.body, "\"error\"");
    th_http_free(&r);
    url(u, sizeof u, s, "/echo?x=a%20b");
    th_http(&r, "GET", u, NULL, NULL);
    CHECK_CONTAINS(r.body, "\"x\":\"a b\"");
    th_http_free(&r);
    http_server_stop(s);
}

TEST(http_post_needs_the_bearer_token_and_read_only_or_no_token_refuses_it)
{
    HttpServer *s = start("sekrit", 0, 5);
    char u[128];
    ThHttp r;
    url(u, sizeof u, s, "/echo");
    th_http(&r, "POST", u, NULL, "{}");
    CHECK_INT(r.status, 401);
    CHECK(!strstr(r.body, "sekrit"));
    th_http_free(&r);
    th_http(&r, "POST", u, "sekriT", "{}");
    CHECK_INT(r.status, 401);
    th_http_free(&r);
    th_http(&r, "POST", u, "sekrit-and-more", "{}");
    CHECK_INT(r.status, 401);
    th_http_free(&r);
    th_http(&r, "POST", u, "sekrit", "{\"a\":1}");
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"len\":7");
    th_http_free(&r);
    http_server_stop(s);
    s = start(NULL, 0, 5);
    url(u, sizeof u, s, "/echo");
    th_http(&r, "POST", u, "anything", "{}");
    CHECK_INT(r.status, 403);
    CHECK_CONTAINS(r.body, "no API token configured");
    th_http_free(&r);
    http_server_stop(s);
    s = start("sekrit", 1, 5);
    url(u, sizeof u, s, "/echo");
    th_http(&r, "POST", u, "sekrit", "{}");
    CHECK_INT(r.status, 403);
    CHECK_CONTAINS(r.body, "read-only");
    th_http_free(&r);
    http_server_stop(s);
}

TEST(http_token_comparison_is_exact)
{
    CHECK(http_token_equal("abc", "abc"));
    CHECK(!http_token_equal("abd", "abc"));
    CHECK(!http_token_equal("ab", "abc"));
    CHECK(!http_token_equal("abcabc", "abc"));
    CHECK(!http_token_equal("", "abc"));
    CHECK(!http_token_equal("", ""));
}

TEST(http_refuses_a_non_loopback_address_without_a_token)
{
    HttpOpts o = {.listen = "0.0.0.0:0", .component = "test"};
    HttpServer *s = NULL;
    FarmErr err = {0};
    CHECK(http_server_start(&o, ROUTES, 4, NULL, &s, &err) != 0);
    CHECK_INT(err.code, SF_ECONFIG);
    CHECK_CONTAINS(err.msg, "without a token");
    CHECK(s == NULL);
    CHECK(http_listen_is_loopback("127.0.0.1:80"));
    CHECK(http_listen_is_loopback("localhost:80"));
    CHECK(http_listen_is_loopback("[::1]:80"));
    CHECK(!http_listen_is_loopback("0.0.0.0:80"));
    CHECK(!http_listen_is_loopback("10.1.2.3:80"));
    o.listen = "nonsense";
    CHECK(http_server_start(&o, ROUTES, 4, NULL, &s, &err) != 0);
}

TEST(http_bodies_over_the_limit_answer_413_by_length_and_when_streamed)
{
    HttpServer *s = start("sekrit", 0, 5);
    char u[128];
    url(u, sizeof u, s, "/echo");
    char *big = malloc(10001);
    memset(big, 'x', 10000);
    big[10000] = '\0';
    ThHttp r;
    th_http(&r, "POST", u, "sekrit", big);
    CHECK_INT(r.status, 413);
    th_http_free(&r);
    /* Chunked: no Content-Length, so the limit is met while reading. */
    char req[12000];
    int n = snprintf(req, sizeof req, "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sekrit\r\n"
                                      "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", 5000, big + 5000);
    char *out = th_http_raw(http_server_port(s), req, (size_t)n, 3000);
    CHECK_CONTAINS(out, " 413 ");
    free(out);
    free(big);
    http_server_stop(s);
}

TEST(http_garbage_huge_headers_and_slow_clients_never_block_the_server)
{
    HttpServer *s = start("sekrit", 0, 1);
    int port = http_server_port(s);
    static const char garbage[] = "\x01\x02 NOT HTTP\r\n\r\n";
    char *out = th_http_raw(port, garbage, sizeof garbage - 1, 2000);
    CHECK(out != NULL);
    CHECK(!out || strstr(out, " 400 ") || out[0] == '\0');
    free(out);
    size_t hl = 64 * 1024;
    char *huge = malloc(hl + 128);
    int n = snprintf(huge, 64, "GET /hello HTTP/1.1\r\nX-Big: ");
    memset(huge + n, 'a', hl);
    memcpy(huge + n + hl, "\r\n\r\n", 5);
    out = th_http_raw(port, huge, (size_t)n + hl + 4, 3000);
    CHECK(out && !strstr(out, " 200 "));
    free(out);
    free(huge);
    /* A slow-loris client holds a connection with half a request line... */
    int slow[8];
    for (int i = 0; i < 8; i++) {
        slow[i] = th_http_connect(port);
        CHECK(slow[i] >= 0);
        if (slow[i] >= 0 && write(slow[i], "GET /hel", 8) != 8) CHECK(0);
    }
    /* ...and the server still answers others at once. */
    char u[128];
    url(u, sizeof u, s, "/hello");
    long long t0 = th_now_ms();
    ThHttp r;
    th_http(&r, "GET", u, NULL, NULL);
    CHECK_INT(r.status, 200);
    CHECK(th_now_ms() - t0 < 500);
    th_http_free(&r);
    /* After the idle timeout (1 s here) the slow connections are closed. */
    th_sleep_ms(2500);
    for (int i = 0; i < 8; i++) {
        if (slow[i] < 0) continue;
        char b[64];
        ssize_t got = read(slow[i], b, sizeof b);
        CHECK(got <= 0 || memcmp(b, "HTTP/1.1 ", 9) == 0);
        close(slow[i]);
    }
    http_server_stop(s);
}
