/* rtnetlink helpers for autonomy-netmon.
 *
 * A thin layer over the NLMSG_* / RTA_* macros, which Swift cannot import: open NETLINK_ROUTE
 * sockets (here or inside another process's network namespace), send dump requests, parse a
 * receive buffer into flat structs, and change a link (MAC, namespace, up/down) with an ack.
 *
 * Every function returns a negative errno on failure and never sets global state, so any thread
 * may call them. The netns helper switches only the *calling thread* and switches it back before
 * returning (it aborts the process if it cannot, rather than run on in the wrong namespace).
 */
#ifndef CNETLINK_H
#define CNETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Multicast groups (RTMGRP_*). */
#define CNL_GROUP_LINK 0x1u
#define CNL_GROUP_IPV4_IFADDR 0x10u
#define CNL_GROUP_IPV4_ROUTE 0x40u

/* What one parsed netlink message is. */
enum cnl_kind {
    CNL_KIND_OTHER = 0,
    CNL_KIND_LINK = 1,  /* RTM_NEWLINK / RTM_DELLINK */
    CNL_KIND_ADDR = 2,  /* RTM_NEWADDR / RTM_DELADDR (IPv4 only; others are OTHER) */
    CNL_KIND_ROUTE = 3, /* RTM_NEWROUTE / RTM_DELROUTE (IPv4 only) */
    CNL_KIND_DONE = 4,  /* NLMSG_DONE: end of a dump */
    CNL_KIND_ERROR = 5, /* NLMSG_ERROR: `error` is 0 for an ack, else a negative errno */
};

/* Dump requests. */
enum cnl_dump {
    CNL_DUMP_LINKS = 1,
    CNL_DUMP_ADDRS = 2,  /* IPv4 */
    CNL_DUMP_ROUTES = 3, /* IPv4 */
};

/* One netlink message, flattened. Only the fields of its kind are meaningful. */
typedef struct cnl_msg {
    uint8_t kind;     /* enum cnl_kind */
    uint8_t is_new;   /* 1 for RTM_NEW*, 0 for RTM_DEL* */
    uint16_t nl_type; /* nlmsg_type */
    uint16_t nl_flags;
    uint32_t seq;
    int32_t error; /* CNL_KIND_ERROR */

    /* link (and the interface index of addr) */
    int32_t index;
    uint32_t flags; /* IFF_* */
    uint8_t operstate;
    uint8_t mac_len;
    uint8_t mac[32];
    uint32_t mtu;
    char name[16];      /* NUL-terminated, IFNAMSIZ */
    char link_kind[24]; /* IFLA_INFO_KIND, "" when absent */

    /* addr */
    uint8_t prefixlen;
    uint8_t has_address;
    uint8_t address[4];

    /* route */
    uint32_t table;
    uint8_t dst_len;
    uint8_t route_type; /* RTN_* */
    uint8_t has_gateway;
    uint8_t gateway[4];
    uint8_t has_dst;
    uint8_t dst[4];
    int32_t oif; /* 0 when absent */
    uint32_t priority;
} cnl_msg;

/* Opens a NETLINK_ROUTE socket (cloexec; nonblocking when `nonblocking`), bound to `groups`
 * (0: none). `rcvbuf` > 0 sets the receive buffer (SO_RCVBUFFORCE, else SO_RCVBUF).
 * Returns the fd or -errno. */
int cnl_open(uint32_t groups, int rcvbuf, int nonblocking);

/* Like cnl_open, but the socket is made inside the network namespace of process `pid`
 * (setns on the calling thread, socket(), setns back). The socket stays bound to that namespace.
 * Returns the fd, -errno (-ESRCH when the process is gone). */
int cnl_open_in_netns(pid_t pid, uint32_t groups, int rcvbuf, int nonblocking);

/* Opens this thread's own network namespace (O_RDONLY|O_CLOEXEC). Returns the fd or -errno. */
int cnl_open_own_netns(void);

/* Sends a dump request. Returns 0 or -errno. */
int cnl_send_dump(int fd, int what, uint32_t seq);

/* recv() with MSG_DONTWAIT when `dontwait`. Returns the byte count, or -errno
 * (-ENOBUFS: the kernel dropped messages; -EMSGSIZE: the datagram did not fit and was cut). */
ssize_t cnl_recv(int fd, void *buf, size_t len, int dontwait);

/* Parses messages from buf[*offset ..< len] into out[0 ..< max] and advances *offset past them.
 * Returns the number parsed (0 when nothing is left). Malformed trailing bytes are skipped. */
int cnl_parse(const void *buf, size_t len, size_t *offset, cnl_msg *out, int max);

/* Changes link `ifindex` with one RTM_NEWLINK and waits up to `timeout_ms` for the ack.
 *   mac/mac_len: new hardware address (mac_len 0: unchanged)
 *   ns_fd >= 0: move into the namespace of that fd; else ns_pid > 0: into that process's netns
 *   up: 1 up, 0 down, -1 unchanged
 * Returns 0 or -errno (-ETIMEDOUT when no ack came). */
int cnl_set_link(int fd, uint32_t seq, int32_t ifindex, const uint8_t *mac, int mac_len, int ns_fd, pid_t ns_pid,
                 int up, int timeout_ms);

/* Waits until fd is readable for at most timeout_ms. Returns 1 readable, 0 timeout, -errno. */
int cnl_wait_readable(int fd, int timeout_ms);

/* Small system helpers Swift cannot call directly (variadic or GNU-only). */

/* pidfd_open(2). Returns the fd (cloexec) or -errno. */
int cnl_pidfd_open(pid_t pid);

/* SO_PEERCRED of a unix socket. Returns 0 or -errno. */
int cnl_peer_cred(int fd, uid_t *uid, gid_t *gid, pid_t *pid);

/* accept4(fd, NULL, NULL, SOCK_NONBLOCK|SOCK_CLOEXEC), retried on EINTR. Returns the fd or -errno. */
int cnl_accept(int fd);

/* eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC). */
int cnl_eventfd(void);

/* A signalfd (nonblocking, cloexec) for SIGTERM, SIGINT, SIGCHLD, after blocking them in the
 * calling thread (call before any thread starts so every thread inherits the mask). SIGPIPE is
 * ignored. Returns the fd or -errno. */
int cnl_signalfd_setup(void);

/* Reads one signal from the signalfd. Returns the signal number, 0 when none, -errno. */
int cnl_signalfd_read(int fd);

/* Limits glibc malloc to a few arenas (worker threads must not each grow their own). */
void cnl_limit_malloc_arenas(int n);

#ifdef __cplusplus
}
#endif
/** Runs `make(arg)` with the calling thread inside the network namespace of `pid` and returns
 * its result (a descriptor or -errno); -ESRCH when the process is gone. Aborts if the thread
 * cannot return to its own namespace. */
int cnl_in_netns(pid_t pid, int (*make)(void *), void *arg);

/* ARP on a packet socket bound to `ifindex` (arp.c). */

/** A packet socket for ARP bound to `ifindex`, in the network namespace of `pid` (0: our own);
 * fd or -errno (-ESRCH when the process is gone). */
int cnl_arp_open(pid_t pid, int ifindex);

/** Sends one ARP packet (addresses in host byte order) to link-layer `dst`; 0 or -errno. */
int cnl_arp_send(int fd, int ifindex, uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa,
                 const uint8_t dst[6]);

/** Waits up to `timeout_ms` for one ARP packet: 1 with its fields (host byte order), 0 when none
 * came (or one that is not Ethernet/IPv4 ARP), -errno on failure. */
int cnl_arp_recv(int fd, int timeout_ms, uint16_t *op, uint8_t sha[6], uint32_t *spa, uint32_t *tpa);

/* IPv6 neighbour discovery (ndisc.c). */

/** Lists up to `max` global IPv6 addresses (not tentative, not failed DAD) of link `ifindex` in
 * the network namespace of `pid` (0: our own) into `out`; the count or -errno. */
int cnl_ipv6_global_addrs(pid_t pid, int ifindex, uint8_t (*out)[16], int max);

/** A raw ICMPv6 socket for sending on `ifindex` (hop limit 255, as neighbour discovery requires),
 * in the network namespace of `pid` (0: our own); fd or -errno (-ESRCH when the process is gone). */
int cnl_na_open(pid_t pid, int ifindex);

/** Sends one unsolicited neighbour advertisement (override flag, target link-layer address
 * `mac`) for `target` to all nodes on `ifindex`; 0 or -errno. */
int cnl_na_send(int fd, int ifindex, const uint8_t target[16], const uint8_t mac[6]);

/* Proxy-ARP bridge building blocks (route.c). Each sends one request on `fd` and waits up to
 * `timeout_ms` for its ack; 0 or -errno. Addresses are in host byte order. */

/** A veth pair `name` <-> `peer`; the peer is born in the network namespace of `peer_pid`
 * (0: the socket's own). Fails with -EEXIST when `name` exists. */
int cnl_veth_create(int fd, uint32_t seq, const char *name, const char *peer, pid_t peer_pid, int timeout_ms);

/** Deletes link `ifindex` (a veth takes its peer with it). */
int cnl_del_link(int fd, uint32_t seq, int32_t ifindex, int timeout_ms);

/** Renames link `ifindex` (it must be down). */
int cnl_rename_link(int fd, uint32_t seq, int32_t ifindex, const char *name, int timeout_ms);

/** Adds (or replaces) `address`/`prefix` with its broadcast on link `ifindex`. */
int cnl_addr_add(int fd, uint32_t seq, int32_t ifindex, uint32_t address, int prefix, int timeout_ms);

/** Adds (create|replace) or deletes the main-table route `dst`/`dst_len` via `gateway` (0: none,
 * on-link) out of `oif` (0: any). */
int cnl_route(int fd, uint32_t seq, int add, uint32_t dst, int dst_len, uint32_t gateway, int32_t oif, int timeout_ms);

/** Adds (create|replace) or deletes the proxy neighbour entry for `address` on link `ifindex`
 * (`ip neigh add proxy`): the kernel answers ARP for it there. */
int cnl_proxy_neigh(int fd, uint32_t seq, int add, uint32_t address, int32_t ifindex, int timeout_ms);

/* Kernel uevents (uevent.c). */

/* The kernel's multicast group on NETLINK_KOBJECT_UEVENT (udevd re-sends on group 2). */
#define CNL_UEVENT_GROUP_KERNEL 0x1u

/* Opens a NETLINK_KOBJECT_UEVENT socket (SOCK_DGRAM, cloexec; nonblocking when `nonblocking`)
 * bound to the kernel's group. `rcvbuf` > 0 sets the receive buffer. Returns the fd or -errno. */
int cnl_uevent_open(int rcvbuf, int nonblocking);

/* Receives one datagram without waiting. `*sender_pid` is the sender's netlink port id (0: the
 * kernel). Returns the byte count, -EAGAIN when none is queued, -ENOBUFS when the kernel dropped
 * some, -EMSGSIZE when the datagram did not fit, or another -errno. */
ssize_t cnl_uevent_recv(int fd, void *buf, size_t len, uint32_t *sender_pid);

#endif
