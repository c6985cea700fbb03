/* aa_answer.c - parsing and validating an agent's answer (aa_answer.h). */
#define _POSIX_C_SOURCE 200809L
#include "aa_answer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aa_answer_clear(AaAnswer *a)
{
    free(a->reasoning);
    json_decref(a->signals);
    memset(a, 0, sizeof *a);
}

/* The JSON inside the content: itself, or the body of a code fence. */
static void unfence(const char *s, size_t n, size_t *start, size_t *end)
{
    size_t a = 0, b = n;
    while (a < b && strchr(" \t\r\n", s[a])) a++;
    while (b > a && strchr(" \t\r\n", s[b - 1])) b--;
    if (b - a >= 6 && strncmp(s + a, "```", 3) == 0) {
        const char *nl = memchr(s + a, '\n', b - a);
        size_t body = nl ? (size_t)(nl - s) + 1 : a + 3;
        size_t close = b;
        if (close - body >= 3 && strncmp(s + close - 3, "```", 3) == 0) close -= 3;
        a = body;
        b = close;
    }
    *start = a;
    *end = b;
}

static int number_in(json_t *o, const char *key, double lo, double hi, double *out, FarmErr *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) return err_set(err, SF_EINPUT, "answer: %s: expected a number", key);
    double d = json_number_value(v);
    if (!isfinite(d) || d < lo || d > hi)
        return err_set(err, SF_EINPUT, "answer: %s: %g is outside %g..%g", key, d, lo, hi);
    *out = d;
    return 0;
}

static int fields(json_t *o, AaAnswer *a, FarmErr *err)
{
    if (!json_is_object(o)) return err_set(err, SF_EINPUT, "answer: expected a JSON object");
    if (number_in(o, "score", -1, 1, &a->score, err) ||
        number_in(o, "confidence", 0, 1, &a->confidence, err))
        return -1;
    json_t *r = json_object_get(o, "reasoning"), *s = json_object_get(o, "signals");
    if (!json_is_string(r)) return err_set(err, SF_EINPUT, "answer: reasoning: expected a string");
    if (json_string_length(r) > AA_REASONING_MAX)
        return err_set(err, SF_EINPUT, "answer: reasoning: %zu bytes (at most %d)",
                       json_string_length(r), AA_REASONING_MAX);
    if (!s) s = json_array();
    else json_incref(s);
    if (!json_is_array(s) || json_array_size(s) > AA_SIGNALS_MAX) {
        json_decref(s);
        return err_set(err, SF_EINPUT, "answer: signals: expected a list of at most %d entries",
                       AA_SIGNALS_MAX);
    }
    a->signals = s;
    if (!(a->reasoning = strdup(json_string_value(r)))) return err_set(err, SF_EIO, "out of memory");
    return 0;
}

int aa_answer_parse(const char *body, size_t len, AaAnswer *a, FarmErr *err)
{
    memset(a, 0, sizeof *a);
    json_error_t je;
    json_t *doc = json_loadb(body, len, 0, &je), *content = NULL, *inner = NULL;
    int rc = -1;
    if (!doc) { err_set(err, SF_EINPUT, "answer: the response is not JSON (%s)", je.text); goto out; }
    json_t *usage = json_object_get(doc, "usage");
    a->prompt_tokens = (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    a->completion_tokens = (long)json_integer_value(json_object_get(usage, "completion_tokens"));
    const char *model = json_string_value(json_object_get(doc, "model"));
    snprintf(a->model, sizeof a->model, "%s", model ? model : "");
    content = json_object_get(json_object_get(json_array_get(json_object_get(doc, "choices"), 0),
                                              "message"), "content");
    if (!json_is_string(content)) {
        err_set(err, SF_EINPUT, "answer: no choices[0].message.content");
        goto out;
    }
    size_t s, e;
    unfence(json_string_value(content), json_string_length(content), &s, &e);
    inner = json_loadb(json_string_value(content) + s, e - s, 0, &je);
    if (!inner) {
        err_set(err, SF_EINPUT, "answer: the content is not JSON (%s)", je.text);
        goto out;
    }
    rc = fields(inner, a, err);
out:
    json_decref(inner);
    json_decref(doc);
    if (rc) {
        long pt = a->prompt_tokens, ct = a->completion_tokens;
        aa_answer_clear(a);
        a->prompt_tokens = pt;        /* spent even when the answer is bad */
        a->completion_tokens = ct;
    }
    return rc;
}
