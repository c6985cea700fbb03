/* th_server.c - servers a test owns (th_server.h). */
#define _GNU_SOURCE
#include "th_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "th.h"
#include "th_farm.h"

pid_t th_redis_private_start(int port)
{
    char portarg[16];
    snprintf(portarg, sizeof portarg, "%d", port);
    fflush(stdout);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        FILE *log = freopen("redis.log", "a", stdout);
        (void)log;
        dup2(1, 2);
        execlp("redis-server", "redis-server", "--port", portarg, "--bind", "127.0.0.1", "--dir", ".",
               "--appendonly", "yes", "--appendfsync", "always", "--save", "", (char *)NULL);
        _exit(127);
    }
    for (int t = 0; t < 800; t++) {
        char *o = NULL;
        int rc = th_run(&o, "redis-cli -p %d ping", port);
        int up = rc == 0 && o && strstr(o, "PONG");
        free(o);
        if (up) return pid;
        th_sleep_ms(25);
    }
    char *log = NULL;
    if (th_run(&log, "tail -5 redis.log") >= 0) {}
    th_check_failed(__FILE__, __LINE__, "redis started", "on port %d: %s", port, log ? log : "");
    free(log);
    th_abort_test();
}

int th_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
            getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}
