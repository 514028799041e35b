/* LD_PRELOAD for a test: the system refuses one kind of file operation under one directory, as a full disk
   (ENOSPC), a spent quota (EDQUOT), an unwritable directory (EACCES, which root otherwise never sees) or a
   failing device (EIO) would. FAIL_IO_UNDER=DIR, FAIL_IO_CALL=write|fsync|create|rename|link, FAIL_IO_ERRNO=N;
   FAIL_IO_AFTER=K lets the first K such calls through (a write that fails half-way). FAIL_IO_RUN=COMMAND instead
   runs COMMAND (sh -c) at the first such call of the command's processes (with FAIL_IO_AFTER=K, the (K+1)th of
   this process) and then lets the call through: another program changing a file, or a signal, at that exact
   moment. Two more calls: open (a file opened without being created: a file that cannot be read, with
   FAIL_IO_UNDER naming it) and renamed (the instant after a rename returned: a signal once K files are written).
   Counted atomically: a command's threads meet the calls together. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int counted;

static int under(const char *path) {
    const char *dir = getenv("FAIL_IO_UNDER");
    return dir && path && strncmp(path, dir, strlen(dir)) == 0;
}

static int fd_under(int fd) {
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return 0;
    target[n] = 0;
    return under(target);
}

static int path_under(int dirfd, const char *path) {
    char full[PATH_MAX * 2];
    if (path[0] == '/' ) return under(path);
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof base)) return 0;
    } else {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, base, sizeof base - 1);
        if (n < 0) return 0;
        base[n] = 0;
    }
    snprintf(full, sizeof full, "%s/%s", base, path);
    return under(full);
}

static int ran;

static int fails(const char *call, int hit) {
    const char *which = getenv("FAIL_IO_CALL"), *after = getenv("FAIL_IO_AFTER"), *code = getenv("FAIL_IO_ERRNO");
    if (!hit || !which || strcmp(which, call) != 0) return 0;
    const char *run = getenv("FAIL_IO_RUN");
    if (run) {
        if (after && __atomic_fetch_add(&counted, 1, __ATOMIC_SEQ_CST) < atoi(after)) return 0;
        if (!getenv("FAIL_IO_RAN") && !__atomic_exchange_n(&ran, 1, __ATOMIC_SEQ_CST)) {
            setenv("FAIL_IO_RAN", "1", 1); /* once: the command itself (and whatever starts later) is let through */
            pid_t child = fork(); /* not system(): it ignores SIGINT in the caller while the command runs */
            if (child == 0) { execl("/bin/sh", "sh", "-c", run, (char *)0); _exit(127); }
            int status = 0;
            while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR) {}
            if (child < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) _exit(99);
        }
        return 0;
    }
    if (after && __atomic_fetch_add(&counted, 1, __ATOMIC_SEQ_CST) < atoi(after)) return 0;
    errno = code ? atoi(code) : ENOSPC;
    return 1;
}

#define REAL(name) static __typeof__(name) *real_##name; if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write);
    if (fd > 2 && fails("write", fd_under(fd))) return -1;
    return real_write(fd, buf, count);
}

int fsync(int fd) {
    REAL(fsync);
    if (fails("fsync", fd_under(fd))) return -1;
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    if (fails("fsync", fd_under(fd))) return -1;
    return real_fdatasync(fd);
}

static int creates(int flags) { return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE; }

int openat(int dirfd, const char *path, int flags, ...) {
    REAL(openat);
    va_list args;
    va_start(args, flags);
    mode_t mode = creates(flags) ? va_arg(args, mode_t) : 0;
    va_end(args);
    if (fails(creates(flags) ? "create" : "open", path_under(dirfd, path))) return -1;
    return real_openat(dirfd, path, flags, mode);
}

int open(const char *path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = creates(flags) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return openat(AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = creates(flags) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return openat(AT_FDCWD, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = creates(flags) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return openat(dirfd, path, flags, mode);
}

int rename(const char *from, const char *to) {
    REAL(rename);
    if (fails("rename", path_under(AT_FDCWD, to))) return -1;
    int done = real_rename(from, to);
    if (done == 0) fails("renamed", path_under(AT_FDCWD, to));
    return done;
}

int renameat(int fromfd, const char *from, int tofd, const char *to) {
    REAL(renameat);
    if (fails("rename", path_under(tofd, to))) return -1;
    int done = real_renameat(fromfd, from, tofd, to);
    if (done == 0) fails("renamed", path_under(tofd, to));
    return done;
}

int link(const char *from, const char *to) {
    REAL(link);
    if (fails("link", path_under(AT_FDCWD, to))) return -1;
    return real_link(from, to);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags) {
    REAL(linkat);
    if (fails("link", path_under(tofd, to))) return -1;
    return real_linkat(fromfd, from, tofd, to, flags);
}
