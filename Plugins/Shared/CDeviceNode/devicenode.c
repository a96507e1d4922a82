/* Device nodes inside a container's mount namespace: see cdevicenode.h. */
#define _GNU_SOURCE
#include "cdevicenode.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* The child reports (stage, errno) through a pipe: two ints. */
struct report {
    int stage;
    int err;
};

static void send_report(int fd, int stage, int err) {
    struct report r = {stage, err};
    ssize_t n = write(fd, &r, sizeof r);
    (void)n;
}

static int enter_mount_ns(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) return errno == ENOENT ? ESRCH : errno;
    int rc = setns(ns, CLONE_NEWNS);
    int e = errno;
    close(ns);
    return rc < 0 ? e : 0;
}

/* mkdir -p of the parent of `path` (absolute). 0 or errno. */
static int make_parents(const char *path) {
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) return ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    char *last = strrchr(buf, '/');
    if (!last || last == buf) return 0;
    *last = 0;
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) return errno;
            *p = c;
            if (c == 0) break;
        }
    }
    return 0;
}

/* Unmounts everything stacked at `path` (lazily, so an open file keeps working until closed).
 * Answers how many were unmounted, or -errno. */
static int unmount_all(const char *path) {
    int count = 0;
    for (int i = 0; i < 64; i++) {
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
            if (errno == EINVAL || errno == ENOENT) return count; /* not a mount point (any more) */
            return -errno;
        }
        count++;
    }
    return count;
}

static void bind_child(int out, pid_t pid, const char *host_path, const char *container_path) {
    struct stat st;
    if (stat(host_path, &st) < 0) { send_report(out, CDN_STAGE_HOST_NODE, errno); _exit(1); }
    if (!S_ISCHR(st.st_mode)) { send_report(out, CDN_STAGE_HOST_NODE, ENOTTY); _exit(1); }
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, host_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) { send_report(out, CDN_STAGE_HOST_NODE, errno); _exit(1); }
    int e = enter_mount_ns(pid);
    if (e) { send_report(out, CDN_STAGE_NAMESPACE, e); _exit(1); }
    e = make_parents(container_path);
    if (e) { send_report(out, CDN_STAGE_DIRECTORIES, e); _exit(1); }
    int u = unmount_all(container_path);
    if (u < 0) { send_report(out, CDN_STAGE_UNMOUNT, -u); _exit(1); }
    struct stat cst;
    if (lstat(container_path, &cst) == 0) {
        /* Something is there: a node a runtime made itself, or an old placeholder. A directory
         * or a symlink is refused (a symlink could point anywhere in the container). */
        if (S_ISDIR(cst.st_mode) || S_ISLNK(cst.st_mode)) { send_report(out, CDN_STAGE_PLACEHOLDER, EEXIST); _exit(1); }
    } else {
        int fd = open(container_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0) { send_report(out, CDN_STAGE_PLACEHOLDER, errno); _exit(1); }
        close(fd);
    }
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, container_path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        send_report(out, CDN_STAGE_MOUNT, errno);
        _exit(1);
    }
    send_report(out, CDN_STAGE_NONE, 0);
    _exit(0);
}

static void remove_child(int out, pid_t pid, const char *container_path) {
    int e = enter_mount_ns(pid);
    if (e) { send_report(out, CDN_STAGE_NAMESPACE, e); _exit(1); }
    int u = unmount_all(container_path);
    if (u < 0) { send_report(out, CDN_STAGE_UNMOUNT, -u); _exit(1); }
    struct stat st;
    if (u > 0 && lstat(container_path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        (void)unlink(container_path); /* the placeholder this driver made; failing leaves an empty file */
    }
    send_report(out, CDN_STAGE_NONE, u > 0 ? -1 : 0); /* err -1: "something was removed" */
    _exit(0);
}

/* Forks, runs `which` in the child, and answers the child's report. */
static int run_child(int which, pid_t pid, const char *host_path, const char *container_path, int *stage, int *removed) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) { *stage = CDN_STAGE_FORK; return -errno; }
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        *stage = CDN_STAGE_FORK;
        return -e;
    }
    if (child == 0) {
        close(fds[0]);
        if (which == 0) bind_child(fds[1], pid, host_path, container_path);
        else remove_child(fds[1], pid, container_path);
        _exit(2);
    }
    close(fds[1]);
    struct report r = {CDN_STAGE_FORK, EIO};
    ssize_t n;
    do { n = read(fds[0], &r, sizeof r); } while (n < 0 && errno == EINTR);
    close(fds[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof r) { *stage = CDN_STAGE_FORK; return -EIO; }
    if (which == 1 && r.stage == CDN_STAGE_NONE) {
        if (removed) *removed = r.err == -1 ? 1 : 0;
        return 0;
    }
    *stage = r.stage;
    return r.err ? -r.err : 0;
}

int cdn_bind_node(pid_t pid, const char *host_path, const char *container_path, int *stage) {
    *stage = CDN_STAGE_NONE;
    return run_child(0, pid, host_path, container_path, stage, NULL);
}

int cdn_remove_node(pid_t pid, const char *container_path, int *removed, int *stage) {
    *stage = CDN_STAGE_NONE;
    if (removed) *removed = 0;
    return run_child(1, pid, NULL, container_path, stage, removed);
}
