/* http_server.c - libmicrohttpd behind a route table (http_server.h). */
#define _GNU_SOURCE
#include "http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct HttpServer {
    struct MHD_Daemon *d;
    const HttpRoute *routes;
    size_t nroutes;
    void *app;
    char *token;                 /* owned; NULL when none */
    int read_only;
    size_t max_body;
    int port;
    char component[32];
};

/* Per request: the route chosen on the first call and the body so far. */
typedef struct Pending {
    const HttpRoute *route;
    char *body;
    size_t len, cap;
    int too_large;
} Pending;

const char *http_query(const HttpReq *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const HttpReq *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void http_resp_take(HttpResp *resp, int status, const char *content_type, char *body, size_t len)
{
    free(resp->body);
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "%s", content_type);
    resp->body = body;
    resp->len = body ? len : 0;
}

void http_resp_json(HttpResp *resp, int status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) {
        http_resp_take(resp, 500, "application/json", strdup("{\"error\":\"out of memory\"}"), 25);
        return;
    }
    http_resp_take(resp, status, "application/json", text, strlen(text));
}

void http_resp_error(HttpResp *resp, int status, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    http_resp_json(resp, status, json_pack("{s:s}", "error", msg));
}

int http_token_equal(const char *presented, const char *expected)
{
    size_t plen = strlen(presented), elen = strlen(expected);
    unsigned char diff = (unsigned char)(plen != elen);
    /* Every presented byte is compared (against the expected text repeated),
     * so the time tells nothing about how much of a guess was right. */
    for (size_t i = 0; i < plen; i++)
        diff |= (unsigned char)(presented[i] ^ (elen ? expected[i % elen] : 0));
    return elen > 0 && diff == 0;
}

/* ---- binding ---------------------------------------------------------------------- */

typedef struct Bind {
    struct sockaddr_storage sa;
    int v6;
    int loopback;
} Bind;

static int parse_listen(const char *listen, Bind *b, FarmErr *err)
{
    memset(b, 0, sizeof *b);
    const char *colon = strrchr(listen ? listen : "", ':');
    if (!colon) return err_set(err, SF_ECONFIG, "listen address \"%s\": expected host:port", listen ? listen : "");
    char host[80];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host) return err_set(err, SF_ECONFIG, "listen address too long");
    memcpy(host, listen, hl);
    host[hl] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return err_set(err, SF_ECONFIG, "listen address \"%s\": bad port", listen);
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&b->sa;
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
            return err_set(err, SF_ECONFIG, "listen address \"%s\": bad IPv6 address", listen);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        b->v6 = 1;
        b->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
        return 0;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)&b->sa;
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
        return err_set(err, SF_ECONFIG, "listen address \"%s\": expected an IPv4 address, localhost or [::1]", listen);
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    b->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
    return 0;
}

int http_listen_is_loopback(const char *listen)
{
    Bind b;
    FarmErr e = {0};
    return parse_listen(listen, &b, &e) == 0 && b.loopback;
}

/* ---- answering -------------------------------------------------------------------- */

static enum MHD_Result send_resp(struct MHD_Connection *c, HttpResp *r, const char *allow)
{
    struct MHD_Response *m = MHD_create_response_from_buffer(r->len, r->body ? r->body : (char *)"",
                                                             r->body ? MHD_RESPMEM_MUST_FREE
                                                                     : MHD_RESPMEM_PERSISTENT);
    if (!m) { free(r->body); r->body = NULL; return MHD_NO; }
    r->body = NULL;   /* libmicrohttpd frees it with the response */
    int bad = MHD_add_response_header(m, "Content-Type", r->content_type[0] ? r->content_type : "text/plain") != MHD_YES ||
              MHD_add_response_header(m, "Cache-Control", "no-store") != MHD_YES ||
              MHD_add_response_header(m, "X-Content-Type-Options", "nosniff") != MHD_YES;
    if (!bad && allow) bad = MHD_add_response_header(m, "Allow", allow) != MHD_YES;
    /* The page may run only its own inline script and style: no external asset can load. */
    if (!bad && r->csp_page)
        bad = MHD_add_response_header(m, "Content-Security-Policy",
                                      "default-src 'none'; script-src 'unsafe-inline'; "
                                      "style-src 'unsafe-inline'; img-src data:; connect-src 'self'") != MHD_YES;
    enum MHD_Result rc = bad ? MHD_NO : MHD_queue_response(c, (unsigned)r->status, m);
    MHD_destroy_response(m);
    return rc;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *allow, const char *fmt, ...)
    SF_PRINTF(4, 5);
static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *allow, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    HttpResp r = {0};
    http_resp_error(&r, status, "%s", msg);
    return send_resp(c, &r, allow);
}

/* The route for (method, path): *tail set for prefix routes; NULL with the
 * allowed methods in allow when only the method is wrong. */
static const HttpRoute *find_route(const HttpServer *s, const char *method, const char *path,
                                   const char **tail, char *allow, size_t cap)
{
    allow[0] = '\0';
    for (size_t i = 0; i < s->nroutes; i++) {
        const HttpRoute *r = &s->routes[i];
        size_t pl = strlen(r->path);
        int match = (r->flags & HTTP_PREFIX) ? strncmp(path, r->path, pl) == 0 && path[pl]
                                             : strcmp(path, r->path) == 0;
        if (!match) continue;
        if (strcmp(method, r->method) == 0) {
            *tail = (r->flags & HTTP_PREFIX) ? path + pl : "";
            return r;
        }
        if (!strstr(allow, r->method)) {
            size_t n = strlen(allow);
            snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", r->method);
        }
    }
    return NULL;
}

/* The checks that come before any body is read: 401/403/413, or 0. */
static enum MHD_Result refuse_early(HttpServer *s, struct MHD_Connection *c, const HttpRoute *r, int *refused)
{
    *refused = 1;
    if (r->flags & HTTP_AUTH) {
        if (s->read_only) return send_error(c, 403, NULL, "read-only mode (api.read_only): no changes accepted");
        if (!s->token) return send_error(c, 403, NULL, "no API token configured (STRATFARM_API_TOKEN): changes are refused");
        const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        if (!h || strncmp(h, "Bearer ", 7) != 0) return send_error(c, 401, NULL, "missing bearer token");
        if (!http_token_equal(h + 7, s->token)) return send_error(c, 401, NULL, "wrong token");
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > s->max_body)
        return send_error(c, 413, NULL, "request body over %zu bytes", s->max_body);
    *refused = 0;
    return MHD_YES;
}

static int body_add(Pending *p, const char *data, size_t n, size_t max)
{
    if (p->too_large || p->len + n > max) { p->too_large = 1; return 0; }
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4096;
        while (cap < p->len + n + 1) cap *= 2;
        char *b = realloc(p->body, cap);
        if (!b) return -1;
        p->body = b;
        p->cap = cap;
    }
    memcpy(p->body + p->len, data, n);
    p->len += n;
    p->body[p->len] = '\0';
    return 0;
}

static enum MHD_Result run_handler(HttpServer *s, struct MHD_Connection *c, Pending *p,
                                   const char *method, const char *path)
{
    char allow[64];
    HttpReq req = {method, path, "", p->body ? p->body : "", p->len, c};
    (void)find_route(s, method, path, &req.tail, allow, sizeof allow);
    HttpResp resp = {0};
    p->route->fn(s->app, &req, &resp);
    if (!resp.status) http_resp_error(&resp, 500, "handler gave no answer");
    /* 503 is an expected answer (a dependency is down; /readyz says so). */
    if (resp.status >= 500 && resp.status != 503)
        log_msg(LOG_WARN, NULL, "%s: %s %s answered %d", s->component, method, path, resp.status);
    return send_resp(c, &resp, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    HttpServer *s = cls;
    Pending *p = *con_cls;
    if (!p) {
        const char *tail;
        char allow[64];
        const HttpRoute *r = find_route(s, method, url, &tail, allow, sizeof allow);
        if (!r && allow[0]) return send_error(c, 405, allow, "method %s not allowed here", method);
        if (!r) return send_error(c, 404, NULL, "no such path");
        int refused;
        enum MHD_Result rc = refuse_early(s, c, r, &refused);
        if (refused) return rc;
        if (!(p = calloc(1, sizeof *p))) return MHD_NO;
        p->route = r;
        *con_cls = p;
        return MHD_YES;
    }
    if (*upload_size) {
        if (body_add(p, upload, *upload_size, s->max_body)) return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (p->too_large) return send_error(c, 413, NULL, "request body over %zu bytes", s->max_body);
    return run_handler(s, c, p, method, url);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    Pending *p = *con_cls;
    if (p) free(p->body);
    free(p);
    *con_cls = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_msg(LOG_DEBUG, NULL, "%s: libmicrohttpd: %s", (const char *)cls, msg);
}

int http_server_start(const HttpOpts *o, const HttpRoute *routes, size_t nroutes, void *app,
                      HttpServer **out, FarmErr *err)
{
    *out = NULL;
    Bind b;
    if (parse_listen(o->listen, &b, err)) return -1;
    int has_token = o->token && o->token[0];
    if (!b.loopback && !has_token)
        return err_set(err, SF_ECONFIG, "refusing to listen on %s without a token: set STRATFARM_API_TOKEN "
                                        "or bind a loopback address", o->listen);
    HttpServer *s = calloc(1, sizeof *s);
    if (!s) return err_set(err, SF_EIO, "out of memory");
    s->routes = routes;
    s->nroutes = nroutes;
    s->app = app;
    s->read_only = o->read_only;
    s->max_body = o->max_body ? o->max_body : 1 << 20;
    snprintf(s->component, sizeof s->component, "%s", o->component ? o->component : "http");
    if (has_token && !(s->token = strdup(o->token))) { free(s); return err_set(err, SF_EIO, "out of memory"); }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (b.v6) flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&b.sa,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 0 ? o->threads : 4),
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)(o->max_conns > 0 ? o->max_conns : 256),
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s > 0 ? o->timeout_s : 10),
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(o->header_limit ? o->header_limit : 32768),
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
                            MHD_OPTION_EXTERNAL_LOGGER, on_log, s->component,
                            MHD_OPTION_END);
    if (!s->d) {
        free(s->token);
        free(s);
        return err_set(err, SF_EIO, "cannot listen on %s (address in use, or not local)", o->listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    return 0;
}

int http_server_port(const HttpServer *s)
{
    return s ? s->port : 0;
}

void http_server_stop(HttpServer *s)
{
    if (!s) return;
    MHD_stop_daemon(s->d);
    if (s->token) memset(s->token, 0, strlen(s->token));
    free(s->token);
    free(s);
}
