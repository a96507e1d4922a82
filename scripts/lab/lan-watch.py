#!/usr/bin/env python3
"""What a LAN host sees of a vPLC's address: run inside the LAN host's network namespace
(`ip netns exec <lanhost> scripts/lab/lan-watch.py ...`). Used by the address-announcement lab
tests and by `vplc-bench --mode announce`.

  capture --interface IF --out FILE --seconds N
      Every ARP packet on IF, one JSON line each: {"t": monotonic s, "op": 1|2, "sha", "spa",
      "tha", "tpa"}. Prints READY on stdout once the packet socket is bound.
  reach-after-lease --leases FILE --mac MAC --prefix P [--port 8443] [--timeout S]
      Waits (polling every 2 ms) until dnsmasq's lease FILE shows MAC with an address starting
      with P, then opens a TCP connection to that address (one attempt, as an HMI would): prints
      {"ip", "reachable_ms"} = milliseconds from seeing the lease to the connection being up.
  reach --ip IP [--port 8443] [--timeout S] [--attempt S]
      TCP connection attempts, each given --attempt seconds (default: all of --timeout), a new
      one as soon as one fails, as an HMI polling a PLC does: prints {"ip", "reachable_ms",
      "attempts"}, milliseconds from the first attempt's start to a connection.
"""
import argparse, json, socket, struct, sys, time


def mac_text(b):
    return ":".join(f"{x:02x}" for x in b)


def capture(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((a.interface, 0))
    s.settimeout(0.2)
    end = time.monotonic() + a.seconds
    print("READY", flush=True)
    with open(a.out, "a", buffering=1) as out:
        while time.monotonic() < end:
            try:
                frame = s.recv(2048)
            except socket.timeout:
                continue
            if len(frame) < 42:
                continue
            _, _, _, _, op = struct.unpack("!HHBBH", frame[14:22])
            out.write(json.dumps({
                "t": time.monotonic(), "op": op,
                "sha": mac_text(frame[22:28]), "spa": socket.inet_ntoa(frame[28:32]),
                "tha": mac_text(frame[32:38]), "tpa": socket.inet_ntoa(frame[38:42]),
            }) + "\n")


def connect_ms(ip, port, timeout):
    t0 = time.monotonic()
    with socket.create_connection((ip, port), timeout=timeout):
        return (time.monotonic() - t0) * 1000


def reach_after_lease(a):
    mac = a.mac.lower()
    deadline = time.monotonic() + a.timeout
    ip = None
    while ip is None:
        if time.monotonic() > deadline:
            sys.exit(f"no lease for {mac} in {a.prefix}* within {a.timeout} s")
        try:
            with open(a.leases) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3 and parts[1].lower() == mac and parts[2].startswith(a.prefix):
                        ip = parts[2]
        except FileNotFoundError:
            pass
        if ip is None:
            time.sleep(0.002)
    print(json.dumps({"ip": ip, "reachable_ms": round(connect_ms(ip, a.port, a.timeout), 2)}), flush=True)


def reach(a):
    t0 = time.monotonic()
    attempts = 0
    while True:
        attempts += 1
        left = a.timeout - (time.monotonic() - t0)
        if left <= 0:
            sys.exit(f"no connection to {a.ip}:{a.port} within {a.timeout} s ({attempts - 1} attempts)")
        try:
            connect_ms(a.ip, a.port, min(left, a.attempt or left))
            break
        except OSError:
            time.sleep(0.01)
    ms = (time.monotonic() - t0) * 1000
    print(json.dumps({"ip": a.ip, "reachable_ms": round(ms, 2), "attempts": attempts}), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--interface", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--seconds", type=float, default=60)
    r = sub.add_parser("reach-after-lease")
    r.add_argument("--leases", required=True)
    r.add_argument("--mac", required=True)
    r.add_argument("--prefix", required=True)
    r.add_argument("--port", type=int, default=8443)
    r.add_argument("--timeout", type=float, default=20)
    d = sub.add_parser("reach")
    d.add_argument("--ip", required=True)
    d.add_argument("--port", type=int, default=8443)
    d.add_argument("--timeout", type=float, default=20)
    d.add_argument("--attempt", type=float, default=0)
    a = p.parse_args()
    {"capture": capture, "reach-after-lease": reach_after_lease, "reach": reach}[a.cmd](a)


if __name__ == "__main__":
    main()
