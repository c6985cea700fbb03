/* gitrepo.c - reading strategy files from git (gitrepo.h). */
#define _POSIX_C_SOURCE 200809L
#include "gitrepo.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init(void) { git_libgit2_init(); }

static int git_fail(FarmErr *err, int code, const char *what, const char *arg)
{
    const git_error *e = git_error_last();
    return err_set(err, code, "git: %s %s: %s", what, arg ? arg : "",
                   e && e->message ? e->message : "failed");
}

static int open_repo(const char *path, git_repository **repo, FarmErr *err)
{
    pthread_once(&init_once, init);
    if (!path || !*path) return err_set(err, SF_ECONFIG, "git: no strategies repository configured");
    if (git_repository_open_ext(repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
        return git_fail(err, SF_ECONFIG, "open", path);
    return 0;
}

int gitrepo_resolve(const char *path, const char *ref, char out[GITREPO_OID_HEX], FarmErr *err)
{
    git_repository *repo = NULL;
    git_object *obj = NULL, *commit = NULL;
    int rc = -1;
    if (open_repo(path, &repo, err)) return -1;
    if (git_revparse_single(&obj, repo, ref) < 0) {
        git_fail(err, SF_EINPUT, "resolve", ref);
        goto cleanup;
    }
    if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
        git_fail(err, SF_EINPUT, "not a commit:", ref);
        goto cleanup;
    }
    git_oid_tostr(out, GITREPO_OID_HEX, git_object_id(commit));
    rc = 0;
cleanup:
    git_object_free(commit);
    git_object_free(obj);
    git_repository_free(repo);
    return rc;
}

/* The tree of commit (40 hex); *tree owned by the caller. */
static int commit_tree(git_repository *repo, const char *commit, git_tree **tree, FarmErr *err)
{
    git_oid oid;
    git_commit *c = NULL;
    if (!commit || strlen(commit) != 40 || git_oid_fromstr(&oid, commit) < 0)
        return err_set(err, SF_EINPUT, "git: \"%s\" is not a 40-hex commit id", commit ? commit : "");
    if (git_commit_lookup(&c, repo, &oid) < 0) return git_fail(err, SF_EINPUT, "no commit", commit);
    int rc = git_commit_tree(tree, c) < 0 ? git_fail(err, SF_EIO, "tree of", commit) : 0;
    git_commit_free(c);
    return rc;
}

int gitrepo_read(const char *path, const char *commit, const char *file, char **data, size_t *len,
                 FarmErr *err)
{
    git_repository *repo = NULL;
    git_tree *tree = NULL;
    git_tree_entry *ent = NULL;
    git_blob *blob = NULL;
    int rc = -1;
    *data = NULL;
    *len = 0;
    if (open_repo(path, &repo, err)) return -1;
    if (commit_tree(repo, commit, &tree, err)) goto cleanup;
    if (git_tree_entry_bypath(&ent, tree, file) < 0 || git_tree_entry_type(ent) != GIT_OBJECT_BLOB) {
        err_set(err, SF_EINPUT, "git: %s does not exist at commit %.12s", file, commit);
        goto cleanup;
    }
    if (git_blob_lookup(&blob, repo, git_tree_entry_id(ent)) < 0) {
        git_fail(err, SF_EIO, "read", file);
        goto cleanup;
    }
    git_object_size_t size = git_blob_rawsize(blob);
    if (size > GITREPO_MAX_FILE) {
        err_set(err, SF_EINPUT, "git: %s is %llu bytes (at most %d)", file, (unsigned long long)size,
                GITREPO_MAX_FILE);
        goto cleanup;
    }
    if (!(*data = malloc((size_t)size + 1))) {
        err_set(err, SF_EIO, "git: out of memory");
        goto cleanup;
    }
    memcpy(*data, git_blob_rawcontent(blob), (size_t)size);
    (*data)[size] = '\0';
    *len = (size_t)size;
    rc = 0;
cleanup:
    git_blob_free(blob);
    git_tree_entry_free(ent);
    git_tree_free(tree);
    git_repository_free(repo);
    return rc;
}

typedef struct Walk { const char *dir; GitrepoFileFn fn; void *ctx; int stopped; } Walk;

static int walk_cb(const char *root, const git_tree_entry *ent, void *payload)
{
    Walk *w = payload;
    if (git_tree_entry_type(ent) != GIT_OBJECT_BLOB) return 0;
    char full[1024];
    snprintf(full, sizeof full, "%s%s", root, git_tree_entry_name(ent));
    size_t dl = strlen(w->dir);
    if (dl && (strncmp(full, w->dir, dl) != 0 || (w->dir[dl - 1] != '/' && full[dl] != '/')))
        return 0;
    int r = w->fn(w->ctx, full);
    if (r) { w->stopped = r; return -1; }
    return 0;
}

int gitrepo_list(const char *path, const char *commit, const char *dir, GitrepoFileFn fn, void *ctx,
                 FarmErr *err)
{
    git_repository *repo = NULL;
    git_tree *tree = NULL;
    Walk w = {dir ? dir : "", fn, ctx, 0};
    int rc = -1;
    if (open_repo(path, &repo, err)) return -1;
    if (commit_tree(repo, commit, &tree, err)) goto cleanup;
    if (git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, &w) < 0 && !w.stopped) {
        git_fail(err, SF_EIO, "walk", commit);
        goto cleanup;
    }
    rc = w.stopped;
cleanup:
    git_tree_free(tree);
    git_repository_free(repo);
    return rc;
}
