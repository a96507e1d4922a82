/* IPv6 neighbour discovery: unsolicited neighbour advertisements for a link's global addresses
 * (docs/network-monitor.md, "Address announcements"), the IPv6 twin of a gratuitous ARP. */
#define _GNU_SOURCE
#include "cnetlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct addr_dump_req {
    struct nlmsghdr nh;
    struct ifaddrmsg ifa;
};

/* Reads the AF_INET6 address dump answered on `fd` and keeps link `ifindex`'s global addresses
 * that are not tentative or failed DAD. Returns the count kept or -errno. */
static int read_ipv6_dump(int fd, uint32_t seq, int ifindex, uint8_t (*out)[16], int max) {
    char buf[16384];
    int kept = 0;
    for (;;) {
        if (cnl_wait_readable(fd, 2000) <= 0) return -ETIMEDOUT;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) return errno == EINTR ? 0 : -errno;
        for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
            if (nh->nlmsg_seq != seq) continue;
            if (nh->nlmsg_type == NLMSG_DONE) return kept;
            if (nh->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(nh);
                return e->error < 0 ? e->error : -EPROTO;
            }
            if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg))) continue;
            struct ifaddrmsg *ifa = NLMSG_DATA(nh);
            if (ifa->ifa_family != AF_INET6 || (int)ifa->ifa_index != ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE) continue;
            uint32_t flags = ifa->ifa_flags;
            const uint8_t *addr = NULL;
            int len = (int)IFA_PAYLOAD(nh);
            for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
                if (rta->rta_type == IFA_ADDRESS && RTA_PAYLOAD(rta) == 16) addr = RTA_DATA(rta);
                if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) >= 4) memcpy(&flags, RTA_DATA(rta), 4);
            }
            if (addr == NULL || (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) != 0 || kept >= max) continue;
            memcpy(out[kept++], addr, 16);
        }
    }
}

int cnl_ipv6_global_addrs(pid_t pid, int ifindex, uint8_t (*out)[16], int max) {
    int fd = pid > 0 ? cnl_open_in_netns(pid, 0, 0, 0) : cnl_open(0, 0, 0);
    if (fd < 0) return fd;
    struct addr_dump_req req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.ifa);
    req.nh.nlmsg_type = RTM_GETADDR;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = 1;
    req.ifa.ifa_family = AF_INET6;
    int r = send(fd, &req, req.nh.nlmsg_len, 0) < 0 ? -errno : read_ipv6_dump(fd, 1, ifindex, out, max);
    close(fd);
    return r;
}

static int icmp6_open(void *arg) {
    int ifindex = *(int *)arg;
    int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) return -errno;
    int hops = 255;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int cnl_na_open(pid_t pid, int ifindex) {
    if (pid <= 0) return icmp6_open(&ifindex);
    return cnl_in_netns(pid, icmp6_open, &ifindex);
}

int cnl_na_send(int fd, int ifindex, const uint8_t target[16], const uint8_t mac[6]) {
    struct {
        struct nd_neighbor_advert na;
        uint8_t opt_type, opt_len, lladdr[6];
    } __attribute__((packed)) m;
    memset(&m, 0, sizeof m);
    m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
    m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE; /* unsolicited: S clear, O set (RFC 4861 §7.2.6) */
    memcpy(&m.na.nd_na_target, target, 16);
    m.opt_type = ND_OPT_TARGET_LINKADDR;
    m.opt_len = 1; /* units of 8 octets */
    memcpy(m.lladdr, mac, 6);
    struct sockaddr_in6 to;
    memset(&to, 0, sizeof to);
    to.sin6_family = AF_INET6;
    to.sin6_scope_id = (uint32_t)ifindex;
    inet_pton(AF_INET6, "ff02::1", &to.sin6_addr); /* all nodes */
    ssize_t n = sendto(fd, &m, sizeof m, 0, (struct sockaddr *)&to, sizeof to);
    return n == (ssize_t)sizeof m ? 0 : -errno;
}
