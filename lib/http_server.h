/* http_server.h - a small HTTP/1.1 server on libmicrohttpd with a route
 * table (pgbouncer's show_map shape: {method, path, handler}), used by the
 * scheduler's status API and the worker's optional /healthz + /metrics.
 *
 * What it enforces for every route, so handlers never see a bad request:
 *   - 404 for an unknown path, 405 (with Allow) for a known path and a
 *     wrong method;
 *   - routes flagged HTTP_AUTH (every POST of the status API) need
 *     "Authorization: Bearer <token>", compared in constant time: 401
 *     without or with a wrong token, 403 when no token is configured or in
 *     read-only mode;
 *   - bodies over max_body bytes: 413 (at once from Content-Length, else
 *     when the body passes the limit); headers over header_limit bytes:
 *     rejected by libmicrohttpd (431 / connection closed);
 *   - at most max_conns connections; a connection idle for timeout_s is
 *     closed (slow-loris); event-driven threads (epoll), so slow clients
 *     block no thread.
 * Binding: "host:port" with an IPv4 address, "localhost" or "[::1]"; port
 * 0 takes a free one (http_server_port). A non-loopback address without a
 * token refuses to start (SF_ECONFIG), like Redis' protected mode.
 *
 * Handlers run on the server's threads, several at once: they must be
 * thread-safe. Nothing here logs a header or a body. */
#ifndef SF_HTTP_SERVER_H
#define SF_HTTP_SERVER_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

struct MHD_Connection;

/* One request as a handler sees it. Every pointer is borrowed for the call. */
typedef struct HttpReq {
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* without the query string */
    const char *tail;            /* for a prefix route, the path after the prefix; else "" */
    const char *body;            /* NUL-terminated (also holds body_len bytes); "" when none */
    size_t body_len;
    struct MHD_Connection *conn; /* for http_query / http_header */
} HttpReq;

/* A query argument ("?status=dead") or a header, NULL when absent. */
const char *http_query(const HttpReq *req, const char *name);
const char *http_header(const HttpReq *req, const char *name);

/* What a handler answers. body is malloc'd and owned by the server once
 * the handler returns (set it through the http_resp_* helpers). */
typedef struct HttpResp {
    int status;
    char content_type[64];
    char *body;
    size_t len;
    int csp_page;                /* 1: a Content-Security-Policy allowing only inline script/style */
} HttpResp;

/* body (malloc'd, taken) as the answer. */
void http_resp_take(HttpResp *resp, int status, const char *content_type, char *body, size_t len);
/* j (reference stolen) serialised compactly as application/json. */
void http_resp_json(HttpResp *resp, int status, json_t *j);
/* {"error": "<text>"} with the status. */
void http_resp_error(HttpResp *resp, int status, const char *fmt, ...) SF_PRINTF(3, 4);

typedef void (*HttpHandler)(void *app, const HttpReq *req, HttpResp *resp);

#define HTTP_AUTH 1u    /* needs the token (and not read-only) */
#define HTTP_PREFIX 2u  /* path is a prefix; the rest goes to req->tail */

typedef struct HttpRoute {
    const char *method;
    const char *path;
    unsigned flags;
    HttpHandler fn;
} HttpRoute;

typedef struct HttpOpts {
    const char *listen;          /* "127.0.0.1:8080"; copied */
    const char *token;           /* NULL or "": no token; copied, never logged */
    int read_only;               /* 1: every HTTP_AUTH route answers 403 */
    size_t max_body;             /* default 1 MiB */
    size_t header_limit;         /* per-connection memory for headers, default 32 KiB */
    int max_conns;               /* default 256 */
    int timeout_s;               /* idle connection timeout, default 10 */
    int threads;                 /* default 4 */
    const char *component;       /* for log lines, e.g. "status-api" */
} HttpOpts;

typedef struct HttpServer HttpServer;

/* Starts serving routes (the table must outlive the server) with app
 * passed to every handler. *out is the caller's (http_server_stop). */
int http_server_start(const HttpOpts *opts, const HttpRoute *routes, size_t nroutes, void *app,
                      HttpServer **out, FarmErr *err) SF_MUSTCHECK;
/* The bound port (useful after port 0). */
int http_server_port(const HttpServer *s);
/* Stops accepting, waits for running handlers, frees. NULL-safe. */
void http_server_stop(HttpServer *s);

/* 1 when listen ("host:port") names a loopback address. */
int http_listen_is_loopback(const char *listen);

/* Constant-time comparison of a presented token with the configured one:
 * 1 equal, 0 not. Time depends only on the presented length. */
int http_token_equal(const char *presented, const char *expected);

#endif
