/* Kernel uevents (NETLINK_KOBJECT_UEVENT) for autonomy-netmon's serial-device table. */
#define _GNU_SOURCE
#include "cnetlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cnl_uevent_open(int rcvbuf, int nonblocking) {
    int type = SOCK_DGRAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    int fd = socket(AF_NETLINK, type, NETLINK_KOBJECT_UEVENT);
    if (fd < 0) return -errno;
    if (rcvbuf > 0) {
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    struct sockaddr_nl sa;
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = CNL_UEVENT_GROUP_KERNEL;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

ssize_t cnl_uevent_recv(int fd, void *buf, size_t len, uint32_t *sender_pid) {
    for (;;) {
        struct sockaddr_nl sa;
        socklen_t sl = sizeof sa;
        memset(&sa, 0, sizeof sa);
        ssize_t n = recvfrom(fd, buf, len, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&sa, &sl);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (sender_pid) *sender_pid = sa.nl_pid;
        if ((size_t)n > len) return -EMSGSIZE;
        return n;
    }
}
