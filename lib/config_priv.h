/* config_priv.h - what lib/config.c, config_yaml.c and config_dump.c share.
 * Not for other modules: include config.h. */
#ifndef SF_CONFIG_PRIV_H
#define SF_CONFIG_PRIV_H

#include "config.h"

#include <stddef.h>

/* Where a value came from, for messages. */
typedef struct CfWhere {
    int line;            /* 1-based file line, or 0 */
    char env[80];        /* environment variable name, or "" */
} CfWhere;

/* One table of keys and the block its offsets point into: the farm's
 * (base = the Config), one jobs.<kind> table per kind (base = its
 * ConfigJob; rows built at load, owned), one per kind's own settings. */
typedef struct CfTable {
    CfKey *rows;               /* owned when own_rows, else the caller's static table */
    size_t n;
    void *base;
    int own_rows;              /* rows and their names were allocated at load */
} CfTable;

/* A key found in a table: where its value lives and where it was set. */
typedef struct CfSlot {
    const CfKey *k;
    void *base;
    CfWhere *where;            /* NULL when not tracked */
} CfSlot;

/* One element of a list value: key is NULL for sequences, value is text. */
typedef struct CfItem { const char *key, *value; int line; } CfItem;

typedef struct CfCtx {
    Config *cfg;
    const char *file;          /* for messages */
    char *errs;                /* every message, '\n'-separated */
    size_t errs_len, errs_cap;
    int n_errs;
    CfWhere **where;           /* per table, per row: where it was last set */
    const ConfigKindDecl *const *kinds;   /* the caller's kinds */
    size_t n_kinds;
} CfCtx;

void config_error(CfCtx *ctx, const CfWhere *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The key named name in any table of ctx->cfg; 0, or -1 when none. */
int config_key_find(CfCtx *ctx, const char *name, CfSlot *out);
/* 1 when some key's name starts with "path." (a section). */
int config_is_section(const Config *cfg, const char *path);
/* Distinct next components of key names under prefix ("" = top); out
 * points into names. Returns the count. */
size_t config_children(const Config *cfg, const char *prefix, const char **out,
                       char (*names)[40], size_t cap);
/* STRATFARM_<SECTION>_<KEY>, or the row's own name (the DSNs). */
void config_env_name(const CfKey *k, char *buf, size_t cap);
/* Sets a scalar or list key from text; reports its own errors. */
int config_set_text(CfCtx *ctx, const CfSlot *s, const char *text, const CfWhere *w);
int config_set_items(CfCtx *ctx, const CfSlot *s, const CfItem *items, size_t n, const CfWhere *w);
/* 1 when name is a kind the caller declared. */
int config_kind_declared(const CfCtx *ctx, const char *name);
/* "unknown kind 'x' (did you mean 'y'?)" or "... (a, b, c)" into buf. */
void config_unknown_kind(const CfCtx *ctx, const char *name, char *buf, size_t cap);

void config_free_list(CfType t, void *arr, size_t n);
/* String checks of the farm's table (config_check.c). */
int config_check_redis_url(const CfKey *k, const char *v, int from_file, char *why, size_t cap);
int config_check_dsn(const CfKey *k, const char *v, int from_file, char *why, size_t cap);
int config_check_http_url(const CfKey *k, const char *v, int from_file, char *why, size_t cap);
int config_check_listen(const CfKey *k, const char *v, int from_file, char *why, size_t cap);
/* As config_check_listen, or "" (the listener is off). */
int config_check_listen_or_empty(const CfKey *k, const char *v, int from_file, char *why, size_t cap);

/* Reads the YAML file into ctx->cfg (config_yaml.c). */
int config_read_file(CfCtx *ctx, const char *path);

/* Secret rules shared by file reading and checks. */
int config_key_is_secret(const char *key);
const char *config_secret_env_hint(const char *path);
int config_has_password(const char *dsn_or_url);

/* Closest of n candidates within edit distance 2, or NULL. */
const char *config_suggest(const char *word, const char *const *cands, size_t n);

/* Strict number and bool parsing (full consumption, no hex, inf or nan). */
int config_parse_int(const char *s, long long *out);
int config_parse_double(const char *s, double *out);
int config_parse_bool(const char *s, int *out);

#endif
