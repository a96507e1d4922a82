/* Building and sending one rtnetlink request (internal to CNetlink: route.c, cnetlink.c). */
#ifndef CNETLINK_REQUEST_H
#define CNETLINK_REQUEST_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

/* Appends attribute `type` with `len` bytes of `data` to `nh` (a buffer of `cap` bytes); the
 * attribute, or NULL when it does not fit (nothing is appended then). */
struct rtattr *cnl_put_attr(struct nlmsghdr *nh, size_t cap, uint16_t type, const void *data, size_t len);

/* Sends `nh` to the kernel and waits up to `timeout_ms` for the ack of its sequence number:
 * 0, the kernel's -errno, or -ETIMEDOUT. */
int cnl_transact(int fd, struct nlmsghdr *nh, int timeout_ms);

#endif
