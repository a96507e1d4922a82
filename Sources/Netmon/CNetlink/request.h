/* Netlink sockets and rtnetlink requests shared inside CNetlink (cnetlink.c, route.c, uevent.c). */
#ifndef CNETLINK_REQUEST_H
#define CNETLINK_REQUEST_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

/* Opens a netlink socket of `type` (SOCK_RAW, SOCK_DGRAM) and `protocol`, cloexec (nonblocking
 * when `nonblocking`), bound to multicast `groups`; `rcvbuf` > 0 sets the receive buffer
 * (SO_RCVBUFFORCE, else SO_RCVBUF). The fd or -errno. */
int cnl_netlink_socket(int type, int protocol, uint32_t groups, int rcvbuf, int nonblocking);

/* Appends attribute `type` with `len` bytes of `data` to `nh` (a buffer of `cap` bytes); the
 * attribute, or NULL when it does not fit (nothing is appended then). */
struct rtattr *cnl_put_attr(struct nlmsghdr *nh, size_t cap, uint16_t type, const void *data, size_t len);

/* Sends `nh` to the kernel and waits up to `timeout_ms` for the ack of its sequence number:
 * 0, the kernel's -errno, or -ETIMEDOUT. */
int cnl_transact(int fd, struct nlmsghdr *nh, int timeout_ms);

#endif
