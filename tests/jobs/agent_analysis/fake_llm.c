/* fake_llm.c - the loopback chat-completions server for tests (fake_llm.h). */
#define _GNU_SOURCE
#include "fake_llm.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>


#define MAX_AGENTS 8

typedef struct Script { char agent[32]; char steps[16][32]; int n, next, requests; } Script;

struct FakeLlm {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    Script s[MAX_AGENTS];
    int n;
    char auth[512];
    int delay_ms;
};

typedef struct Req { char *body; size_t len; } Req;

static Script *script_of(FakeLlm *f, const char *agent)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->s[i].agent, agent) == 0) return &f->s[i];
    return NULL;
}

static void next_step(FakeLlm *f, const char *agent, char *out, size_t cap)
{
    pthread_mutex_lock(&f->lock);
    Script *s = script_of(f, agent);
    snprintf(out, cap, "ok:0.5:0.5");
    if (s && s->n) {
        snprintf(out, cap, "%s", s->steps[s->next < s->n ? s->next : s->n - 1]);
        if (s->next < s->n) s->next++;
    }
    if (s) s->requests++;
    pthread_mutex_unlock(&f->lock);
}

static char *completion(const char *content)
{
    json_t *j = json_pack("{s:s,s:s,s:s,s:[{s:i,s:{s:s,s:s},s:s}],s:{s:i,s:i,s:i}}", "id", "chatcmpl-test",
                          "object", "chat.completion", "model", "fake-model", "choices", "index", 0,
                          "message", "role", "assistant", "content", content, "finish_reason", "stop",
                          "usage", "prompt_tokens", 50, "completion_tokens", 30, "total_tokens", 80);
    char *t = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return t;
}

static char *answer_text(double s, double c, int fenced)
{
    char inner[256], *out = malloc(400);
    snprintf(inner, sizeof inner,
             "{\"score\": %g, \"confidence\": %g, \"reasoning\": \"scripted\", \"signals\": [\"test\"]}", s, c);
    if (fenced) snprintf(out, 400, "```json\n%s\n```", inner);
    else snprintf(out, 400, "%s", inner);
    return out;
}

typedef struct Drip { char *text; size_t len, pos; } Drip;

static ssize_t drip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    Drip *d = cls;
    (void)pos;
    if (d->pos >= d->len) return MHD_CONTENT_READER_END_OF_STREAM;
    usleep(200 * 1000);
    size_t n = d->len - d->pos < 8 ? d->len - d->pos : 8;
    if (n > max) n = max;
    memcpy(buf, d->text + d->pos, n);
    d->pos += n;
    return (ssize_t)n;
}

static void drip_free(void *cls)
{
    Drip *d = cls;
    free(d->text);
    free(d);
}

static enum MHD_Result send_text(struct MHD_Connection *c, int status, char *text, const char *retry)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry) MHD_add_response_header(r, "Retry-After", retry);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

static const char *agent_in(const char *body, char *out, size_t cap)
{
    const char *p = strstr(body, "agent=");
    snprintf(out, cap, "?");
    if (!p) return out;
    p += 6;
    size_t n = strcspn(p, " \\\n\"");
    snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), p);
    return out;
}

static enum MHD_Result chat(FakeLlm *f, struct MHD_Connection *c, const Req *rq)
{
    char agent[32], step[32];
    agent_in(rq->body ? rq->body : "", agent, sizeof agent);
    next_step(f, agent, step, sizeof step);
    if (f->delay_ms) usleep((useconds_t)f->delay_ms * 1000);
    double s = 0.1, cf = 0.5;
    if (strncmp(step, "429:", 4) == 0) return send_text(c, 429, strdup("{\"error\":\"rate\"}"), step + 4);
    if (strcmp(step, "500") == 0) return send_text(c, 500, strdup("{\"error\":\"boom\"}"), NULL);
    if (strncmp(step, "sleep:", 6) == 0) usleep((useconds_t)atoi(step + 6) * 1000);
    if (strncmp(step, "malformed-after:", 16) == 0) {
        usleep((useconds_t)atoi(step + 16) * 1000);
        return send_text(c, 200, completion("I think it goes up"), NULL);
    }
    if (strcmp(step, "malformed") == 0) return send_text(c, 200, completion("I think it goes up"), NULL);
    if (strcmp(step, "range") == 0) {
        char *a = answer_text(3, 0.5, 0);
        char *t = completion(a);
        free(a);
        return send_text(c, 200, t, NULL);
    }
    int fenced = strncmp(step, "fenced:", 7) == 0;
    if (strncmp(step, "ok:", 3) == 0 || fenced) sscanf(step + (fenced ? 7 : 3), "%lf:%lf", &s, &cf);
    char *a = answer_text(s, cf, fenced), *t = completion(a);
    free(a);
    if (strcmp(step, "drip") == 0) {
        Drip *d = calloc(1, sizeof *d);
        d->text = t;
        d->len = strlen(t);
        struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64, drip_read, d, drip_free);
        enum MHD_Result ok = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ok;
    }
    return send_text(c, 200, t, NULL);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *data, size_t *size, void **con)
{
    FakeLlm *f = cls;
    (void)version;
    if (!*con) {
        *con = calloc(1, sizeof(Req));
        return MHD_YES;
    }
    Req *rq = *con;
    if (*size) {
        rq->body = realloc(rq->body, rq->len + *size + 1);
        memcpy(rq->body + rq->len, data, *size);
        rq->len += *size;
        rq->body[rq->len] = '\0';
        *size = 0;
        return MHD_YES;
    }
    if (strncmp(url, "/inputs/", 8) == 0) {
        char *t = NULL;
        if (asprintf(&t, "{\"input\": \"%s\"}", url + 8) < 0) return MHD_NO;
        return send_text(c, 200, t, NULL);
    }
    if (strcmp(method, "POST") != 0 || !strstr(url, "/chat/completions"))
        return send_text(c, 404, strdup("{}"), NULL);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&f->lock);
    snprintf(f->auth, sizeof f->auth, "%s", auth ? auth : "");
    pthread_mutex_unlock(&f->lock);
    return chat(f, c, rq);
}

static void done_cb(void *cls, struct MHD_Connection *c, void **con, enum MHD_RequestTerminationCode t)
{
    (void)cls; (void)c; (void)t;
    Req *rq = *con;
    if (rq) { free(rq->body); free(rq); }
    *con = NULL;
}

FakeLlm *fake_llm_start(void)
{
    FakeLlm *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    pthread_mutex_init(&f->lock, NULL);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                            handler, f, MHD_OPTION_SOCK_ADDR, &a, MHD_OPTION_NOTIFY_COMPLETED, done_cb, f,
                            MHD_OPTION_END);
    const union MHD_DaemonInfo *di = f->d ? MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    f->port = di ? di->port : 0;
    if (f->port <= 0) {
        if (f->d) MHD_stop_daemon(f->d);
        free(f);
        return NULL;
    }
    return f;
}

int fake_llm_port(const FakeLlm *f) { return f->port; }

void fake_llm_script(FakeLlm *f, const char *agent, const char *steps)
{
    pthread_mutex_lock(&f->lock);
    Script *s = script_of(f, agent);
    if (!s && f->n < MAX_AGENTS) s = &f->s[f->n++];
    if (s) {
        memset(s, 0, sizeof *s);
        snprintf(s->agent, sizeof s->agent, "%s", agent);
        char buf[512];
        snprintf(buf, sizeof buf, "%s", steps);
        for (char *sv = NULL, *t = strtok_r(buf, " ", &sv); t && s->n < 16; t = strtok_r(NULL, " ", &sv))
            snprintf(s->steps[s->n++], sizeof s->steps[0], "%s", t);
    }
    pthread_mutex_unlock(&f->lock);
}

int fake_llm_requests(FakeLlm *f, const char *agent)
{
    pthread_mutex_lock(&f->lock);
    Script *s = script_of(f, agent);
    int n = s ? s->requests : 0;
    pthread_mutex_unlock(&f->lock);
    return n;
}

char *fake_llm_last_auth(FakeLlm *f)
{
    pthread_mutex_lock(&f->lock);
    char *a = strdup(f->auth);
    pthread_mutex_unlock(&f->lock);
    return a;
}

void fake_llm_delay_ms(FakeLlm *f, int ms) { f->delay_ms = ms; }

void fake_llm_stop(FakeLlm *f)
{
    MHD_stop_daemon(f->d);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
