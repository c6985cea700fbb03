#define _GNU_SOURCE
#include "uuid7.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_ms;
static uint16_t seq;  /* 12-bit counter in rand_a, reseeded each new ms */

void uuid7_new(char out[UUID7_STRLEN + 1])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    unsigned char r[10];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        /* getrandom on Linux only fails before the pool is ready at boot. */
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)(ts.tv_nsec >> (i % 4 * 8));
    }
    pthread_mutex_lock(&lock);
    if (ms > last_ms) {
        last_ms = ms;
        seq = (uint16_t)(((r[0] << 8) | r[1]) & 0x07ff); /* leave room to count up */
    } else {
        ms = last_ms;              /* clock went back or same ms: stay ordered */
        if (++seq > 0x0fff) { last_ms = ++ms; seq = 0; }
    }
    uint16_t s = seq;
    pthread_mutex_unlock(&lock);

    unsigned char b[16];
    for (int i = 0; i < 6; i++) b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | ((s >> 8) & 0x0f));
    b[7] = (unsigned char)(s & 0xff);
    b[8] = (unsigned char)(0x80 | (r[2] & 0x3f));
    memcpy(b + 9, r + 3, 7);
    snprintf(out, UUID7_STRLEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
}

int uuid_valid(const char *s)
{
    if (!s || strlen(s) != UUID7_STRLEN) return 0;
    for (int i = 0; i < UUID7_STRLEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) { if (s[i] != '-') return 0; }
        else if (!isxdigit((unsigned char)s[i])) return 0;
    }
    return 1;
}

int64_t uuid7_time_ms(const char *s)
{
    if (!uuid_valid(s) || s[14] != '7') return -1;
    int64_t ms = 0;
    for (int i = 0; i < 13; i++) {
        if (s[i] == '-') continue;
        char c = (char)tolower((unsigned char)s[i]);
        ms = ms * 16 + (isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10);
    }
    return ms;
}
