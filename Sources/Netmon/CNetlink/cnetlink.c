/* rtnetlink helpers for autonomy-netmon: sockets, dump requests, parsing, link changes. */
#define _GNU_SOURCE
#include "cnetlink.h"
#include "request.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cnl_netlink_socket(int type, int protocol, uint32_t groups, int rcvbuf, int nonblocking) {
    int fd = socket(AF_NETLINK, type | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), protocol);
    if (fd < 0) return -errno;
    if (rcvbuf > 0) {
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    struct sockaddr_nl sa;
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = groups;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* Replies to our own requests only; extended acks are not needed. */
int cnl_open(uint32_t groups, int rcvbuf, int nonblocking) { return cnl_netlink_socket(SOCK_RAW, NETLINK_ROUTE, groups, rcvbuf, nonblocking); }

int cnl_open_own_netns(void) {
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int cnl_in_netns(pid_t pid, int (*make)(void *), void *arg) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    int target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) return errno == ENOENT ? -ESRCH : -errno;
    int self = cnl_open_own_netns();
    if (self < 0) {
        close(target);
        return self;
    }
    if (setns(target, CLONE_NEWNET) < 0) {
        int e = errno;
        close(target);
        close(self);
        return -e;
    }
    int fd = make(arg);
    if (setns(self, CLONE_NEWNET) < 0) {
        /* Running on in a container's namespace would be far worse than stopping. */
        fprintf(stderr, "autonomy-netmon: cannot return to own network namespace (errno %d)\n", errno);
        abort();
    }
    close(target);
    close(self);
    return fd;
}

struct open_args {
    uint32_t groups;
    int rcvbuf, nonblocking;
};

static int open_netlink(void *arg) {
    struct open_args *a = arg;
    return cnl_open(a->groups, a->rcvbuf, a->nonblocking);
}

int cnl_open_in_netns(pid_t pid, uint32_t groups, int rcvbuf, int nonblocking) {
    struct open_args a = {groups, rcvbuf, nonblocking};
    return cnl_in_netns(pid, open_netlink, &a);
}

int cnl_send_dump(int fd, int what, uint32_t seq) {
    struct {
        struct nlmsghdr nh;
        union {
            struct ifinfomsg ifi;
            struct ifaddrmsg ifa;
            struct rtmsg rtm;
        } u;
    } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = seq;
    switch (what) {
    case CNL_DUMP_LINKS:
        req.nh.nlmsg_type = RTM_GETLINK;
        req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
        req.u.ifi.ifi_family = AF_UNSPEC;
        break;
    case CNL_DUMP_ADDRS:
        req.nh.nlmsg_type = RTM_GETADDR;
        req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
        req.u.ifa.ifa_family = AF_INET;
        break;
    case CNL_DUMP_ROUTES:
        req.nh.nlmsg_type = RTM_GETROUTE;
        req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
        req.u.rtm.rtm_family = AF_INET;
        break;
    default:
        return -EINVAL;
    }
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    ssize_t n = sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    if (n < 0) return -errno;
    return 0;
}

ssize_t cnl_recv(int fd, void *buf, size_t len, int dontwait) {
    for (;;) {
        ssize_t n = recv(fd, buf, len, MSG_TRUNC | (dontwait ? MSG_DONTWAIT : 0));
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if ((size_t)n > len) return -EMSGSIZE;
        return n;
    }
}

static void copy_str(char *dst, size_t cap, const void *src, size_t len) {
    size_t n = strnlen((const char *)src, len);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void parse_link(const struct nlmsghdr *nh, cnl_msg *m) {
    const struct ifinfomsg *ifi = NLMSG_DATA(nh);
    if (nh->nlmsg_len < NLMSG_LENGTH(sizeof *ifi)) return;
    m->kind = CNL_KIND_LINK;
    m->index = ifi->ifi_index;
    m->flags = ifi->ifi_flags;
    int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *ifi));
    for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        size_t plen = RTA_PAYLOAD(a);
        switch (a->rta_type) {
        case IFLA_IFNAME: copy_str(m->name, sizeof m->name, RTA_DATA(a), plen); break;
        case IFLA_ADDRESS:
            if (plen <= sizeof m->mac) {
                memcpy(m->mac, RTA_DATA(a), plen);
                m->mac_len = (uint8_t)plen;
            }
            break;
        case IFLA_MTU:
            if (plen >= 4) memcpy(&m->mtu, RTA_DATA(a), 4);
            break;
        case IFLA_OPERSTATE:
            if (plen >= 1) m->operstate = *(const uint8_t *)RTA_DATA(a);
            break;
        case IFLA_LINKINFO: {
            int ilen = (int)plen;
            for (const struct rtattr *i = RTA_DATA(a); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen)) {
                if (i->rta_type == IFLA_INFO_KIND)
                    copy_str(m->link_kind, sizeof m->link_kind, RTA_DATA(i), RTA_PAYLOAD(i));
            }
            break;
        }
        default: break;
        }
    }
}

static void parse_addr(const struct nlmsghdr *nh, cnl_msg *m) {
    const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
    if (nh->nlmsg_len < NLMSG_LENGTH(sizeof *ifa) || ifa->ifa_family != AF_INET) return;
    m->kind = CNL_KIND_ADDR;
    m->index = (int32_t)ifa->ifa_index;
    m->prefixlen = ifa->ifa_prefixlen;
    int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *ifa));
    int have_local = 0;
    for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (RTA_PAYLOAD(a) < 4) continue;
        /* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point. */
        if (a->rta_type == IFA_LOCAL) {
            memcpy(m->address, RTA_DATA(a), 4);
            m->has_address = 1;
            have_local = 1;
        } else if (a->rta_type == IFA_ADDRESS && !have_local) {
            memcpy(m->address, RTA_DATA(a), 4);
            m->has_address = 1;
        } else if (a->rta_type == IFA_LABEL) {
            copy_str(m->name, sizeof m->name, RTA_DATA(a), RTA_PAYLOAD(a));
        }
    }
}

static void parse_route(const struct nlmsghdr *nh, cnl_msg *m) {
    const struct rtmsg *rtm = NLMSG_DATA(nh);
    if (nh->nlmsg_len < NLMSG_LENGTH(sizeof *rtm) || rtm->rtm_family != AF_INET) return;
    m->kind = CNL_KIND_ROUTE;
    m->table = rtm->rtm_table;
    m->dst_len = rtm->rtm_dst_len;
    m->route_type = rtm->rtm_type;
    int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *rtm));
    for (const struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        size_t plen = RTA_PAYLOAD(a);
        if (plen < 4) continue;
        switch (a->rta_type) {
        case RTA_TABLE: memcpy(&m->table, RTA_DATA(a), 4); break;
        case RTA_OIF: memcpy(&m->oif, RTA_DATA(a), 4); break;
        case RTA_PRIORITY: memcpy(&m->priority, RTA_DATA(a), 4); break;
        case RTA_GATEWAY:
            memcpy(m->gateway, RTA_DATA(a), 4);
            m->has_gateway = 1;
            break;
        case RTA_DST:
            memcpy(m->dst, RTA_DATA(a), 4);
            m->has_dst = 1;
            break;
        default: break;
        }
    }
}

int cnl_parse(const void *buf, size_t len, size_t *offset, cnl_msg *out, int max) {
    int count = 0;
    size_t off = *offset;
    while (count < max && off + NLMSG_HDRLEN <= len) {
        const struct nlmsghdr *nh = (const struct nlmsghdr *)((const char *)buf + off);
        if (nh->nlmsg_len < NLMSG_HDRLEN || off + nh->nlmsg_len > len) {
            off = len; /* malformed: drop the rest */
            break;
        }
        cnl_msg *m = &out[count];
        memset(m, 0, sizeof *m);
        m->nl_type = nh->nlmsg_type;
        m->nl_flags = nh->nlmsg_flags;
        m->seq = nh->nlmsg_seq;
        switch (nh->nlmsg_type) {
        case RTM_NEWLINK:
        case RTM_DELLINK:
            m->is_new = nh->nlmsg_type == RTM_NEWLINK;
            parse_link(nh, m);
            break;
        case RTM_NEWADDR:
        case RTM_DELADDR:
            m->is_new = nh->nlmsg_type == RTM_NEWADDR;
            parse_addr(nh, m);
            break;
        case RTM_NEWROUTE:
        case RTM_DELROUTE:
            m->is_new = nh->nlmsg_type == RTM_NEWROUTE;
            parse_route(nh, m);
            break;
        case NLMSG_DONE: m->kind = CNL_KIND_DONE; break;
        case NLMSG_ERROR: {
            m->kind = CNL_KIND_ERROR;
            if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
                const struct nlmsgerr *e = NLMSG_DATA(nh);
                m->error = e->error;
                m->seq = e->msg.nlmsg_seq ? e->msg.nlmsg_seq : nh->nlmsg_seq;
            } else {
                m->error = -EPROTO;
            }
            break;
        }
        default: break;
        }
        count++;
        off += NLMSG_ALIGN(nh->nlmsg_len);
    }
    *offset = off > len ? len : off;
    return count;
}

int cnl_wait_readable(int fd, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (;;) {
        int r = poll(&p, 1, timeout_ms);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        return r > 0 ? 1 : 0;
    }
}

int cnl_set_link(int fd, uint32_t seq, int32_t ifindex, const uint8_t *mac, int mac_len, int ns_fd, pid_t ns_pid,
                 int up, int timeout_ms) {
    union {
        struct nlmsghdr nh;
        char raw[256];
    } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_type = RTM_NEWLINK;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.nh.nlmsg_seq = seq;
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(&req.nh);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    if (up >= 0) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = up ? IFF_UP : 0;
    }
    if (mac_len > 0) {
        if (mac_len > 32) return -EINVAL;
        cnl_put_attr(&req.nh, sizeof req, IFLA_ADDRESS, mac, (size_t)mac_len);
    }
    if (ns_fd >= 0) {
        uint32_t v = (uint32_t)ns_fd;
        cnl_put_attr(&req.nh, sizeof req, IFLA_NET_NS_FD, &v, 4);
    } else if (ns_pid > 0) {
        uint32_t v = (uint32_t)ns_pid;
        cnl_put_attr(&req.nh, sizeof req, IFLA_NET_NS_PID, &v, 4);
    }
    return cnl_transact(fd, &req.nh, timeout_ms);
}
