/* th_server.h - servers a test owns (not the run's shared ones): a private
 * Redis it may kill and restart, on a free loopback port. */
#ifndef SF_TH_SERVER_H
#define SF_TH_SERVER_H

#include <sys/types.h>

/* A port the kernel just handed out on loopback: free unless raced. */
int th_free_port(void);

/* Starts redis-server on 127.0.0.1:port in the test's directory with every
 * write fsynced (appendfsync always), so a kill -9 loses nothing it
 * acknowledged - the durability a production Redis for the farm needs.
 * Waits until it answers; returns its pid (fails the test otherwise). */
pid_t th_redis_private_start(int port);

#endif
