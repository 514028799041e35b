/* LD_PRELOAD for a test: before each read() from a terminal, each select() that waits without a timeout
   and each waitpid() that waits, spin 300 ms in user space. That is a process preempted between Python's last check for
   signals and the call that waits, as on a loaded machine: a Ctrl-C that comes meanwhile has its
   handler run before the wait starts. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void spin(void) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 300000000L);
}

ssize_t read(int fd, void *buf, size_t count) {
    static ssize_t (*real)(int, void *, size_t);
    if (!real) real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    if (isatty(fd)) spin();
    return real(fd, buf, count);
}

int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout) {
    static int (*real)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
    if (!real) real = (int (*)(int, fd_set *, fd_set *, fd_set *, struct timeval *))dlsym(RTLD_NEXT, "select");
    if (!timeout) spin();
    return real(n, r, w, e, timeout);
}

pid_t waitpid(pid_t pid, int *status, int options) {
    static pid_t (*real)(pid_t, int *, int);
    if (!real) real = (pid_t (*)(pid_t, int *, int))dlsym(RTLD_NEXT, "waitpid");
    if (!(options & WNOHANG)) spin();
    return real(pid, status, options);
}
