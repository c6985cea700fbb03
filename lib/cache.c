#include "cache.h"

#include <stdio.h>
#include <string.h>

void cache_glob_escape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 2 < cap; in++) {
        if (strchr("*?[]\\", *in)) out[n++] = '\\';
        out[n++] = *in;
    }
    out[n] = '\0';
}

int cache_delete_matching(Rds *r, const char *pattern, long *deleted, FarmErr *err)
{
    char cursor[32] = "0";
    *deleted = 0;
    do {
        redisReply *rep = rds_cmd(r, err, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
        if (!rep) return -1;
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
            rds_free(rep);
            return err_set(err, SF_EIO, "redis: SCAN: unexpected reply");
        }
        snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
        const redisReply *keys = rep->element[1];
        /* COUNT is a hint: a page may hold more keys; unlink in chunks. */
        for (size_t start = 0; start < keys->elements; start += 1000) {
            const char *argv[1001];
            size_t lens[1001];
            size_t argc = 0;
            argv[argc] = "UNLINK";
            lens[argc++] = 6;
            for (size_t i = start; i < keys->elements && argc < 1001; i++) {
                argv[argc] = keys->element[i]->str;
                lens[argc++] = keys->element[i]->len;
            }
            redisReply *del = rds_cmdargv(r, err, (int)argc, argv, lens);
            if (!del) { rds_free(rep); return -1; }
            *deleted += del->integer;
            rds_free(del);
        }
        rds_free(rep);
    } while (strcmp(cursor, "0") != 0);
    return 0;
}
