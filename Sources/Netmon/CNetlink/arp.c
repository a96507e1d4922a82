/* ARP on a packet socket: gratuitous announcements and RFC 5227 probes (docs/network-monitor.md). */
#define _GNU_SOURCE
#include "cnetlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct arp_ipv4 {
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    uint16_t op;
    uint8_t sha[6];
    uint8_t spa[4];
    uint8_t tha[6];
    uint8_t tpa[4];
} __attribute__((packed));

static int packet_open(int ifindex) {
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (fd < 0) return -errno;
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ARP);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int packet_open_arg(void *arg) { return packet_open(*(int *)arg); }

int cnl_arp_open(pid_t pid, int ifindex) {
    if (pid <= 0) return packet_open(ifindex);
    return cnl_in_netns(pid, packet_open_arg, &ifindex);
}

int cnl_arp_send(int fd, int ifindex, uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa,
                 const uint8_t dst[6]) {
    struct arp_ipv4 a;
    a.htype = htons(ARPHRD_ETHER);
    a.ptype = htons(ETH_P_IP);
    a.hlen = 6;
    a.plen = 4;
    a.op = htons(op);
    memcpy(a.sha, sha, 6);
    uint32_t s = htonl(spa), t = htonl(tpa);
    memcpy(a.spa, &s, 4);
    memcpy(a.tha, tha, 6);
    memcpy(a.tpa, &t, 4);
    struct sockaddr_ll to;
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    memcpy(to.sll_addr, dst, 6);
    ssize_t n = sendto(fd, &a, sizeof a, 0, (struct sockaddr *)&to, sizeof to);
    return n == (ssize_t)sizeof a ? 0 : -errno;
}

int cnl_arp_recv(int fd, int timeout_ms, uint16_t *op, uint8_t sha[6], uint32_t *spa, uint32_t *tpa) {
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) return errno == EINTR ? 0 : -errno;
    if (r == 0) return 0;
    struct arp_ipv4 a;
    ssize_t n = recv(fd, &a, sizeof a, MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    if (n < (ssize_t)sizeof a || ntohs(a.ptype) != ETH_P_IP || a.hlen != 6 || a.plen != 4) return 0;
    *op = ntohs(a.op);
    memcpy(sha, a.sha, 6);
    uint32_t s, t;
    memcpy(&s, a.spa, 4);
    memcpy(&t, a.tpa, 4);
    *spa = ntohl(s);
    *tpa = ntohl(t);
    return 1;
}
