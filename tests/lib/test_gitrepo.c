/* Strategies as code: a real git repository built in the test folder
 * (commits, a moved branch, a deleted file), read from the object store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitrepo.h"
#include "th.h"
#include "th_farm.h"

static void git(const char *cmd)
{
    char *out = NULL;
    int rc = th_run(&out, "cd repo && git -c user.name=t -c user.email=t@example.invalid %s", cmd);
    REQUIREF(rc == 0, "git %s: %s", cmd, out ? out : "");
    free(out);
}

static void head_of(const char *ref, char *out)
{
    char *o = NULL;
    REQUIRE(th_run(&o, "cd repo && git rev-parse %s", ref) == 0 && o);
    snprintf(out, GITREPO_OID_HEX, "%.40s", o);
    free(o);
}

static int count_files(void *ctx, const char *path)
{
    (void)path;
    (*(int *)ctx)++;
    return 0;
}

TEST(gitrepo_reads_files_at_a_commit_through_moves_and_deletes)
{
    REQUIRE(th_run(NULL, "git init -q -b main repo") == 0);
    th_write("repo/a.dsl", "strategy \"a\"\nenter long when close > 1\n");
    git("add a.dsl");
    git("commit -q -m one");
    char c1[GITREPO_OID_HEX], c2[GITREPO_OID_HEX], got[GITREPO_OID_HEX];
    head_of("HEAD", c1);
    th_write("repo/a.dsl", "strategy \"a\"\nenter long when close > 2\n");
    REQUIRE(th_run(NULL, "mkdir -p repo/sub") == 0);
    th_write("repo/sub/b.json", "{\"name\": \"b\"}\n");
    git("add -A");
    git("commit -q -m two");
    head_of("HEAD", c2);
    FarmErr err = {0};
    REQUIRE(gitrepo_resolve("repo", "main", got, &err) == 0);
    CHECK_STR(got, c2);
    REQUIRE(gitrepo_resolve("repo", "main~1", got, &err) == 0);
    CHECK_STR(got, c1);
    /* Each commit shows its own version, whatever the branch says now. */
    char *data = NULL;
    size_t len = 0;
    REQUIRE(gitrepo_read("repo", c1, "a.dsl", &data, &len, &err) == 0);
    CHECK_CONTAINS(data, "close > 1");
    free(data);
    REQUIRE(gitrepo_read("repo", c2, "sub/b.json", &data, &len, &err) == 0);
    CHECK_INT(len, 14);
    free(data);
    /* A branch moved back, then a file deleted. */
    git("branch -f stable HEAD~1");
    REQUIRE(gitrepo_resolve("repo", "stable", got, &err) == 0);
    CHECK_STR(got, c1);
    git("rm -q a.dsl");
    git("commit -q -m three");
    REQUIRE(gitrepo_resolve("repo", "main", got, &err) == 0);
    CHECK(gitrepo_read("repo", got, "a.dsl", &data, &len, &err) == -1);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK_CONTAINS(err.msg, "a.dsl does not exist at commit");
    REQUIRE(gitrepo_read("repo", c2, "a.dsl", &data, &len, &err) == 0);   /* still in history */
    free(data);
    int files = 0;
    REQUIRE(gitrepo_list("repo", c2, "", count_files, &files, &err) == 0);
    CHECK_INT(files, 2);
    files = 0;
    REQUIRE(gitrepo_list("repo", c2, "sub", count_files, &files, &err) == 0);
    CHECK_INT(files, 1);
    CHECK(gitrepo_resolve("repo", "no-such-branch", got, &err) == -1);
    CHECK_INT(err.code, SF_EINPUT);
    CHECK(gitrepo_read("repo", "1234", "a.dsl", &data, &len, &err) == -1);
    CHECK(gitrepo_resolve("no-repo", "main", got, &err) == -1);
}
