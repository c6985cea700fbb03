/* aa_llm.c - concurrent chat-completions calls with retries and a budget. */
#define _POSIX_C_SOURCE 200809L
#include "aa_llm.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define AA_BODY_MAX (1 << 20)   /* a larger answer is refused */

static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
static pthread_once_t share_once = PTHREAD_ONCE_INIT;

static void lock_cb(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
    (void)h; (void)a; (void)u;
    pthread_mutex_lock(&share_locks[d]);
}
static void unlock_cb(CURL *h, curl_lock_data d, void *u)
{
    (void)h; (void)u;
    pthread_mutex_unlock(&share_locks[d]);
}

static void share_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&share_locks[i], NULL);
    share = curl_share_init();
    if (!share) return;
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, lock_cb);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, unlock_cb);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct Slot {
    AaLlmCall *call;
    CURL *h;
    struct curl_slist *hdr;
    char *req;
    char *body;
    size_t len;
    int too_big;
    long retry_after_s;
    int64_t next_at, started;
    int done, busy;
} Slot;

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
    Slot *s = u;
    size_t k = sz * n;
    if (s->len + k > AA_BODY_MAX) { s->too_big = 1; return 0; }
    char *g = realloc(s->body, s->len + k + 1);
    if (!g) return 0;
    memcpy(g + s->len, p, k);
    s->len += k;
    g[s->len] = '\0';
    s->body = g;
    return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
    Slot *s = u;
    size_t k = sz * n;
    if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0) s->retry_after_s = strtol(p + 12, NULL, 10);
    return k;
}

typedef struct Spent { long tokens; double cost; } Spent;

static int over_budget(const AaLlmConf *c, const Spent *sp)
{
    return (c->budget_tokens > 0 && sp->tokens >= c->budget_tokens) ||
           (c->budget_cost > 0 && sp->cost >= c->budget_cost);
}

static char *request_json(const AaLlmConf *c, const AaLlmCall *call, const Spent *sp)
{
    long max = c->max_completion_tokens;
    if (c->budget_tokens > 0 && c->budget_tokens - sp->tokens < max) max = c->budget_tokens - sp->tokens;
    if (max < 1) max = 1;
    json_t *j = json_pack("{s:s, s:[{s:s,s:s},{s:s,s:s}], s:f, s:i}", "model", c->model, "messages",
                          "role", "system", "content", call->system, "role", "user", "content",
                          call->prompt, "temperature", 0.0, "max_tokens", (int)max);
    char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return t;
}

static int start(CURLM *m, const AaLlmConf *c, Slot *s, const Spent *sp)
{
    char url[1024], auth[600];
    size_t bl = strlen(c->base_url);
    snprintf(url, sizeof url, "%.*s/chat/completions", (int)(bl && c->base_url[bl - 1] == '/' ? bl - 1 : bl),
             c->base_url);
    free(s->req);
    free(s->body);
    s->body = NULL;
    s->len = 0;
    s->too_big = 0;
    s->retry_after_s = -1;
    if (!(s->req = request_json(c, s->call, sp))) return -1;
    if (!s->h && !(s->h = curl_easy_init())) return -1;
    curl_easy_reset(s->h);
    if (!s->hdr) {
        s->hdr = curl_slist_append(NULL, "Content-Type: application/json");
        /* No "Expect: 100-continue" round trip before every prompt. */
        s->hdr = curl_slist_append(s->hdr, "Expect:");
        if (c->api_key && *c->api_key) {
            snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->api_key);
            s->hdr = curl_slist_append(s->hdr, auth);
            memset(auth, 0, sizeof auth);
        }
    }
    curl_easy_setopt(s->h, CURLOPT_URL, url);
    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdr);
    curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->req);
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->timeout_ms < 10000 ? c->timeout_ms : 10000));
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->h, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (share) curl_easy_setopt(s->h, CURLOPT_SHARE, share);
    s->call->attempts++;
    s->busy = 1;
    return curl_multi_add_handle(m, s->h) == CURLM_OK ? 0 : -1;
}

/* Delay before attempt k+1: full jitter over base * 2^k, at most 30 s. */
static int64_t backoff(const AaLlmConf *c, int attempts, long retry_after_s)
{
    int64_t cap = (int64_t)c->backoff_ms << (attempts > 10 ? 10 : attempts);
    if (cap > 30000) cap = 30000;
    int64_t d = cap > 0 ? (int64_t)(rand() % (cap + 1)) : 0;
    if (retry_after_s > 0) {
        int64_t ra = (retry_after_s > 60 ? 60 : retry_after_s) * 1000;
        if (d < ra) d = ra;
    }
    return d;
}

static void fail(Slot *s, const char *why)
{
    s->done = 1;
    s->call->ok = 0;
    snprintf(s->call->error, sizeof s->call->error, "%s", why);
}

/* One finished transfer: the answer, a retry, or the end. */
static void finish(const AaLlmConf *c, Slot *s, CURLcode res, Spent *sp, int64_t now)
{
    long status = 0;
    char why[300];
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
    s->busy = 0;
    int retry = 0;
    if (res != CURLE_OK) {
        snprintf(why, sizeof why, "%s%s", res == CURLE_OPERATION_TIMEDOUT ? "timed out: " : "",
                 s->too_big ? "answer over 1 MiB" : curl_easy_strerror(res));
        retry = !s->too_big;
    } else if (status == 429 || status >= 500) {
        snprintf(why, sizeof why, "HTTP %ld from the endpoint", status);
        retry = 1;
    } else if (status != 200) {
        snprintf(why, sizeof why, "HTTP %ld from the endpoint", status);
    } else {
        FarmErr e = {0};
        AaAnswer a;
        int rc = aa_answer_parse(s->body ? s->body : "", s->len, &a, &e);
        long t = a.prompt_tokens + a.completion_tokens;
        double cost = a.prompt_tokens / 1000.0 * c->price_prompt_per_1k +
                      a.completion_tokens / 1000.0 * c->price_completion_per_1k;
        s->call->tokens += t;
        s->call->cost += cost;
        sp->tokens += t;
        sp->cost += cost;
        if (rc == 0) {
            s->call->ans = a;
            s->call->ok = 1;
            s->done = 1;
            s->call->ms = (long)(now - s->started);
            return;
        }
        snprintf(why, sizeof why, "%s", e.msg);
        retry = 1;
    }
    s->call->ms = (long)(now - s->started);
    if (!retry || s->call->attempts > c->max_retries) {
        char full[300];
        snprintf(full, sizeof full, "%s (after %d attempt%s)", why, s->call->attempts,
                 s->call->attempts == 1 ? "" : "s");
        fail(s, full);
        return;
    }
    snprintf(s->call->error, sizeof s->call->error, "%s", why);
    s->next_at = now + backoff(c, s->call->attempts - 1, status == 429 ? s->retry_after_s : -1);
}

static void start_due(CURLM *m, const AaLlmConf *c, Slot *sl, int n, Spent *sp, int64_t now)
{
    for (int i = 0; i < n; i++) {
        Slot *s = &sl[i];
        if (s->done || s->busy || s->next_at > now) continue;
        if (over_budget(c, sp)) {
            char why[300];
            snprintf(why, sizeof why, "budget exhausted: %ld tokens, $%.6f spent of %ld tokens, $%.6f%s%s",
                     sp->tokens, sp->cost, c->budget_tokens, c->budget_cost,
                     s->call->error[0] ? "; last: " : "", s->call->error);
            fail(s, why);
            continue;
        }
        if (!s->started) s->started = now;
        if (start(m, c, s, sp) < 0) fail(s, "could not start the request");
    }
}

int aa_llm_run(const AaLlmConf *c, AaLlmCall *calls, int n, const volatile int *stop, FarmErr *err)
{
    pthread_once(&share_once, share_init);
    CURLM *m = curl_multi_init();
    Slot *sl = calloc((size_t)(n ? n : 1), sizeof *sl);
    if (!m || !sl) {
        curl_multi_cleanup(m);
        free(sl);
        return err_set(err, SF_EIO, "llm: curl unavailable");
    }
    srand((unsigned)now_ms());
    Spent sp = {0, 0};
    for (int i = 0; i < n; i++) sl[i].call = &calls[i];
    for (;;) {
        int64_t now = now_ms();
        start_due(m, c, sl, n, &sp, now);
        int left = 0, busy = 0;
        int64_t wake = now + 1000;
        for (int i = 0; i < n; i++) {
            if (sl[i].done) continue;
            left++;
            busy += sl[i].busy;
            if (!sl[i].busy && sl[i].next_at < wake) wake = sl[i].next_at;
        }
        if (!left) break;
        if (stop && *stop) {
            for (int i = 0; i < n; i++) if (!sl[i].done) fail(&sl[i], "stopped");
            break;
        }
        int running = 0;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int q, finished = 0;
        while ((msg = curl_multi_info_read(m, &q)))
            for (int i = 0; msg->msg == CURLMSG_DONE && i < n; i++)
                if (sl[i].h == msg->easy_handle) {
                    curl_multi_remove_handle(m, sl[i].h);
                    finish(c, &sl[i], msg->data.result, &sp, now_ms());
                    finished++;
                }
        /* A call just ended: recount before waiting. curl_multi_poll with
         * nothing left in flight sleeps its whole timeout, which cost every
         * execution 50 ms after its last answer. */
        if (finished) continue;
        int wait = busy ? 50 : (int)(wake - now_ms());
        if (wait > 50) wait = 50;
        if (wait > 0) curl_multi_poll(m, NULL, 0, wait, NULL);
    }
    for (int i = 0; i < n; i++) {
        if (sl[i].busy) curl_multi_remove_handle(m, sl[i].h);
        curl_easy_cleanup(sl[i].h);
        curl_slist_free_all(sl[i].hdr);
        free(sl[i].req);
        free(sl[i].body);
    }
    free(sl);
    curl_multi_cleanup(m);
    return 0;
}

void aa_llm_calls_clear(AaLlmCall *calls, int n)
{
    for (int i = 0; i < n; i++) aa_answer_clear(&calls[i].ans);
}
