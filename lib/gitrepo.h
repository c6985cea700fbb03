/* gitrepo.h - strategies as code: a git repository read with libgit2,
 * straight from its object store (no work tree, no checkout), so a run
 * reads exactly the file at the commit it was given.
 *
 * Thread-safe: each call opens the repository itself (libgit2 objects are
 * not shared between threads). */
#ifndef SF_GITREPO_H
#define SF_GITREPO_H

#include <stddef.h>

#include "err.h"

#define GITREPO_OID_HEX 41
/* A strategy file larger than this is refused (docs/strategy-dsl.md). */
#define GITREPO_MAX_FILE (1024 * 1024)

/* ref (branch, tag, commit, "HEAD~2") -> the commit's 40-hex id. */
int gitrepo_resolve(const char *repo, const char *ref, char out[GITREPO_OID_HEX],
                    FarmErr *err) SF_MUSTCHECK;

/* The content of path at commit (40 hex): *data malloc'd (NUL-terminated,
 * caller frees), *len its size. A missing path is SF_EINPUT. */
int gitrepo_read(const char *repo, const char *commit, const char *path, char **data,
                 size_t *len, FarmErr *err) SF_MUSTCHECK;

/* Calls fn for every file (blob) under dir ("" = all) at commit, in tree
 * order, with its path; fn returns nonzero to stop (that value is returned). */
typedef int (*GitrepoFileFn)(void *ctx, const char *path);
int gitrepo_list(const char *repo, const char *commit, const char *dir, GitrepoFileFn fn,
                 void *ctx, FarmErr *err) SF_MUSTCHECK;

#endif
