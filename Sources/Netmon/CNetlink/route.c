/* rtnetlink requests that make things for autonomy-netmon's proxy-ARP bridges: a veth pair (one
 * end born in another process's network namespace), link rename and delete, IPv4 addresses,
 * IPv4 routes and proxy neighbour entries. Each sends one request and waits for its ack. */
#define _GNU_SOURCE
#include "cnetlink.h"
#include "request.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef union {
    struct nlmsghdr nh;
    char raw[512];
} request_t;

struct rtattr *cnl_put_attr(struct nlmsghdr *nh, size_t cap, uint16_t type, const void *data, size_t len) {
    size_t at = NLMSG_ALIGN(nh->nlmsg_len);
    if (at + RTA_LENGTH(len) > cap) return NULL;
    struct rtattr *a = (struct rtattr *)((char *)nh + at);
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    nh->nlmsg_len = (uint32_t)(at + RTA_ALIGN(a->rta_len));
    return a;
}

/* Opens a nested attribute; close it with end_nest. */
static struct rtattr *begin_nest(struct nlmsghdr *nh, size_t cap, uint16_t type) { return cnl_put_attr(nh, cap, type, NULL, 0); }

static void end_nest(struct nlmsghdr *nh, struct rtattr *nest) {
    if (nest) nest->rta_len = (unsigned short)((char *)nh + nh->nlmsg_len - (char *)nest);
}

int cnl_transact(int fd, struct nlmsghdr *nh, int timeout_ms) {
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return -errno;
    char buf[8192];
    for (;;) {
        int r = cnl_wait_readable(fd, timeout_ms);
        if (r < 0) return r;
        if (r == 0) return -ETIMEDOUT;
        ssize_t n = cnl_recv(fd, buf, sizeof buf, 1);
        if (n == -EAGAIN) continue;
        if (n < 0) return (int)n;
        size_t off = 0;
        cnl_msg m;
        while (cnl_parse(buf, (size_t)n, &off, &m, 1) == 1) {
            if (m.kind == CNL_KIND_ERROR && m.seq == nh->nlmsg_seq) return m.error;
        }
    }
}

static void start(request_t *req, uint16_t type, uint16_t flags, uint32_t seq, size_t body) {
    memset(req, 0, sizeof *req);
    req->nh.nlmsg_type = type;
    req->nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    req->nh.nlmsg_seq = seq;
    req->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
}

int cnl_veth_create(int fd, uint32_t seq, const char *name, const char *peer, pid_t peer_pid, int timeout_ms) {
    if (!name || !peer || strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ) return -EINVAL;
    request_t req;
    start(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, seq, sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(&req.nh);
    ifi->ifi_family = AF_UNSPEC;
    cnl_put_attr(&req.nh, sizeof req, IFLA_IFNAME, name, strlen(name) + 1);
    struct rtattr *info = begin_nest(&req.nh, sizeof req, IFLA_LINKINFO);
    cnl_put_attr(&req.nh, sizeof req, IFLA_INFO_KIND, "veth", 4);
    struct rtattr *data = begin_nest(&req.nh, sizeof req, IFLA_INFO_DATA);
    struct rtattr *peer_attr = begin_nest(&req.nh, sizeof req, VETH_INFO_PEER);
    /* The peer's own ifinfomsg comes first inside VETH_INFO_PEER. */
    size_t at = NLMSG_ALIGN(req.nh.nlmsg_len);
    if (at + sizeof(struct ifinfomsg) > sizeof req) return -EINVAL;
    memset((char *)&req.nh + at, 0, sizeof(struct ifinfomsg));
    req.nh.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(sizeof(struct ifinfomsg)));
    cnl_put_attr(&req.nh, sizeof req, IFLA_IFNAME, peer, strlen(peer) + 1);
    if (peer_pid > 0) {
        uint32_t v = (uint32_t)peer_pid;
        cnl_put_attr(&req.nh, sizeof req, IFLA_NET_NS_PID, &v, 4);
    }
    end_nest(&req.nh, peer_attr);
    end_nest(&req.nh, data);
    end_nest(&req.nh, info);
    return cnl_transact(fd, &req.nh, timeout_ms);
}

int cnl_del_link(int fd, uint32_t seq, int32_t ifindex, int timeout_ms) {
    request_t req;
    start(&req, RTM_DELLINK, 0, seq, sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(&req.nh);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return cnl_transact(fd, &req.nh, timeout_ms);
}

int cnl_rename_link(int fd, uint32_t seq, int32_t ifindex, const char *name, int timeout_ms) {
    if (!name || strlen(name) >= IFNAMSIZ) return -EINVAL;
    request_t req;
    start(&req, RTM_NEWLINK, 0, seq, sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(&req.nh);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    cnl_put_attr(&req.nh, sizeof req, IFLA_IFNAME, name, strlen(name) + 1);
    return cnl_transact(fd, &req.nh, timeout_ms);
}

int cnl_addr_add(int fd, uint32_t seq, int32_t ifindex, uint32_t address, int prefix, int timeout_ms) {
    if (prefix < 0 || prefix > 32) return -EINVAL;
    request_t req;
    start(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, seq, sizeof(struct ifaddrmsg));
    struct ifaddrmsg *ifa = NLMSG_DATA(&req.nh);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_index = (uint32_t)ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    uint32_t a = htonl(address);
    cnl_put_attr(&req.nh, sizeof req, IFA_LOCAL, &a, 4);
    cnl_put_attr(&req.nh, sizeof req, IFA_ADDRESS, &a, 4);
    if (prefix < 31) {
        uint32_t mask = prefix == 0 ? 0 : (0xffffffffu << (32 - prefix));
        uint32_t b = htonl(address | ~mask);
        cnl_put_attr(&req.nh, sizeof req, IFA_BROADCAST, &b, 4);
    }
    return cnl_transact(fd, &req.nh, timeout_ms);
}

int cnl_route(int fd, uint32_t seq, int add, uint32_t dst, int dst_len, uint32_t gateway, int32_t oif, int timeout_ms) {
    if (dst_len < 0 || dst_len > 32) return -EINVAL;
    request_t req;
    start(&req, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? (NLM_F_CREATE | NLM_F_REPLACE) : 0, seq, sizeof(struct rtmsg));
    struct rtmsg *rtm = NLMSG_DATA(&req.nh);
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = (unsigned char)dst_len;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_STATIC;
    rtm->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rtm->rtm_type = RTN_UNICAST;
    if (!add) rtm->rtm_scope = RT_SCOPE_NOWHERE;
    if (dst_len > 0) {
        uint32_t d = htonl(dst);
        cnl_put_attr(&req.nh, sizeof req, RTA_DST, &d, 4);
    }
    if (gateway) {
        uint32_t g = htonl(gateway);
        cnl_put_attr(&req.nh, sizeof req, RTA_GATEWAY, &g, 4);
    }
    if (oif > 0) cnl_put_attr(&req.nh, sizeof req, RTA_OIF, &oif, 4);
    return cnl_transact(fd, &req.nh, timeout_ms);
}

int cnl_proxy_neigh(int fd, uint32_t seq, int add, uint32_t address, int32_t ifindex, int timeout_ms) {
    request_t req;
    start(&req, add ? RTM_NEWNEIGH : RTM_DELNEIGH, add ? (NLM_F_CREATE | NLM_F_REPLACE) : 0, seq, sizeof(struct ndmsg));
    struct ndmsg *nd = NLMSG_DATA(&req.nh);
    nd->ndm_family = AF_INET;
    nd->ndm_ifindex = ifindex;
    nd->ndm_flags = NTF_PROXY;
    nd->ndm_state = NUD_PERMANENT;
    uint32_t a = htonl(address);
    cnl_put_attr(&req.nh, sizeof req, NDA_DST, &a, 4);
    return cnl_transact(fd, &req.nh, timeout_ms);
}
