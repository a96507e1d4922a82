/* Kernel uevents (NETLINK_KOBJECT_UEVENT) for autonomy-netmon's serial-device table. */
#define _GNU_SOURCE
#include "cnetlink.h"
#include "request.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cnl_uevent_open(int rcvbuf, int nonblocking) {
    return cnl_netlink_socket(SOCK_DGRAM, NETLINK_KOBJECT_UEVENT, CNL_UEVENT_GROUP_KERNEL, rcvbuf, nonblocking);
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
