/* Device nodes inside a container's mount namespace: the netmon sidecar's `bind_device_node` /
 * `remove_device_node` (docs/network-monitor.md), which the runtime uses, and the Docker driver's
 * `container.device_node` / `container.device_node_remove` (docs/container-driver.md).
 *
 * The host's node is bind-mounted, not re-made with mknod: a pseudo-terminal slave made with
 * mknod outside devpts opens with EIO (the pty driver finds the tty through the devpts inode),
 * and a bind mount carries any character device as the host has it.
 *
 * Each call forks one child (setns(CLONE_NEWNS) is refused to a multithreaded process), which
 * does the work and exits; the parent waits for it. Needs CAP_SYS_ADMIN and the container's PID
 * visible in /proc (the host PID namespace). */
#ifndef CDEVICENODE_H
#define CDEVICENODE_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a failure happened (the stage of the child). */
enum cdn_stage {
    CDN_STAGE_NONE = 0,
    CDN_STAGE_HOST_NODE = 1,   /* stat/open_tree of the host node */
    CDN_STAGE_NAMESPACE = 2,   /* opening or entering /proc/<pid>/ns/mnt */
    CDN_STAGE_DIRECTORIES = 3, /* making the parent directories of the container path */
    CDN_STAGE_PLACEHOLDER = 4, /* the empty file the node is mounted on */
    CDN_STAGE_MOUNT = 5,       /* move_mount onto the container path */
    CDN_STAGE_UNMOUNT = 6,     /* unmounting an earlier node at the path */
    CDN_STAGE_FORK = 7,        /* fork/wait in the caller */
};

/* Bind-mounts the host node `host_path` at `container_path` (absolute, inside the container's
 * root) in the mount namespace of process `pid`; any node mounted there before is unmounted
 * first, missing parent directories are made (0755). Returns 0, or -errno with *stage set. */
int cdn_bind_node(pid_t pid, const char *host_path, const char *container_path, int *stage);

/* Unmounts every mount at `container_path` in the mount namespace of `pid` and removes the
 * placeholder file (when it is an empty regular file once unmounted). *removed is 1 when
 * something was unmounted. Returns 0 (also when nothing was there), or -errno with *stage set. */
int cdn_remove_node(pid_t pid, const char *container_path, int *removed, int *stage);

#ifdef __cplusplus
}
#endif

#endif
