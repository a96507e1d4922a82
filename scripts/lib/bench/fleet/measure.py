#!/usr/bin/env python3
"""Measurements for scripts/bench-fleet (run by it; stdlib only, any python3 >= 3.9).

    measure.py run --agent BIN --config SITE.json --agent-pid PID --netmon-pid PID --netmon-kind KIND
                   --control-sock PATH --door-sock PATH --lab-env FILE --counts "0 10 50" [...]
    measure.py scrape --port N --count M      (run inside the lab namespace by `run`)

`run` drives the agent daemon that scripts/bench-fleet started (real lab engine, real lab cloud,
real netmon sidecar) and prints Markdown on stdout; with BENCH_ROWS=FILE it also appends the
report's rows (figure, runs, median, p99, target, met; tab-separated). Progress goes to stderr.

- memory with N running vPLCs: the vPLCs are created through the cloud (`/emit` of
  `create_new_runtime` with a static IP on the lab LAN, acked, then the `operation_update` the
  agent sends the cloud); after `--settle` seconds and the agent's next code trim (its
  `agent_code_trims_total` going up: 30 s after start, then every minute) the agent's and the
  sidecar's Pss/Rss are read from /proc/PID/smaps_rollup `--samples` times, 1 s apart (median, p99).
  With FLEET_SNAPSHOTS=DIR, DIR/I.json (I = 0, 1, … for each count) also holds the medians and
  both processes' smaps per mapping and thread names (procmem.snapshot) at the sample where the
  agent's PSS is its median (each sample reads the whole smaps, a few ms).
- local door round trip: NDJSON requests on the door's unix socket, one connection, sequential;
  baseline in the same run: the same client against a bare Python echo server on a unix socket.
- `orchestrator-agent ctl`: the whole process (exec -> exit), for scale.
- Prometheus scrape: GET /metrics on the agent's loopback endpoint (in the lab namespace), timed by
  the client; the agent's CPU time over the scrapes from /proc/PID/stat.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from procmem import snapshot, threads  # noqa: E402  (scripts/lib/bench/procmem.py)
from rows import write_rows  # noqa: E402  (scripts/lib/bench/rows.py)

CN = "07048933"  # the lab PKI's client.crt


def log(*a: object) -> None:
    print("   ", *a, file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def med(values: list[float]) -> float:
    return statistics.median(values)


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("cloud", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Cloud:
    """The lab cloud's control API on its unix socket."""

    def __init__(self, path: str) -> None:
        self.path = path

    def call(self, method: str, url: str, body: dict | None = None, timeout: float = 60) -> dict:
        c = UnixHTTP(self.path, timeout)
        try:
            c.request(method, url, body=json.dumps(body) if body is not None else None,
                      headers={"Content-Type": "application/json"})
            return json.loads(c.getresponse().read())
        finally:
            c.close()

    def state(self) -> dict:
        return self.call("GET", "/state")

    def emit(self, event: str, data: dict, timeout: float = 60) -> dict:
        return self.call("POST", "/emit", {"event": event, "data": data, "ack": True, "timeout": timeout},
                         timeout=timeout + 5)


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def lab_env(path: str) -> dict[str, str]:
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


# ---- vPLCs through the cloud ------------------------------------------------------------------

def wait_connected(cloud: Cloud, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(c["cn"] == CN and c["disconnected_at"] is None for c in cloud.state()["connections"]):
            return
        time.sleep(0.05)
    raise SystemExit("the agent did not connect to the lab cloud")


def wait_operation(cloud: Cloud, op_id: str, timeout: float) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for e in reversed(cloud.state()["events"]):
            if e["event"] == "operation_update" and e["args"] and isinstance(e["args"][0], dict) \
                    and e["args"][0].get("operation_id") == op_id \
                    and e["args"][0].get("status") not in (None, "queued", "running"):
                return e["args"][0]
        time.sleep(0.02)
    return {"status": "timeout", "operation_id": op_id}


def create(cloud: Cloud, env: dict[str, str], name: str, host: int) -> tuple[float | None, str]:
    """create_new_runtime through the cloud; answers (seconds to running, or None, and why)."""
    gw = env["LAN_GATEWAY"].split(".")
    ip = ".".join(gw[:3] + [str(host)])
    msg = {"container_name": name, "vnic_configs": [{
        "name": "lan", "parent_interface": env["LAB_PARENT"], "network_mode": "static",
        "ip": ip, "subnet": env["LAN_SUBNET"], "gateway": env["LAN_GATEWAY"]}]}
    t0 = time.monotonic()
    r = cloud.emit("create_new_runtime", msg)
    ack = (r.get("ack") or [None])[0]
    if not isinstance(ack, dict) or not ack.get("operation_id"):
        return None, f"ack {json.dumps(r)[:300]}"
    end = wait_operation(cloud, ack["operation_id"], 120)
    if end.get("status") != "succeeded":
        return None, f"operation ended `{end.get('status')}`: {json.dumps(end.get('error', end))[:400]}"
    return time.monotonic() - t0, ""


# ---- local door -------------------------------------------------------------------------------

def door_loop(path: str, lines: list[bytes], calls: int) -> tuple[list[float], dict]:
    """Sequential NDJSON requests on one connection; answers latencies (ms) and the last reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    buf = b""
    lat = []
    last: dict = {}
    for i in range(calls):
        line = lines[i % len(lines)]
        t0 = time.perf_counter_ns()
        s.sendall(line)
        while b"\n" not in buf:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise SystemExit("the door closed the connection")
            buf += chunk
        reply, buf = buf.split(b"\n", 1)
        lat.append((time.perf_counter_ns() - t0) / 1e6)
        last = json.loads(reply)
    s.close()
    return lat, last


def echo_server(path: str) -> threading.Thread:
    """A bare unix-socket line echo server: the baseline of the door round trip."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def serve() -> None:
        c, _ = srv.accept()
        buf = b""
        while True:
            chunk = c.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                c.sendall(b'{"id":1,"response":{"status":"success"}}\n')
        c.close()
        srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def request(topic: str, message: dict, rid: int = 1) -> bytes:
    return (json.dumps({"id": rid, "topic": topic, "message": message, "events": False}) + "\n").encode()


# ---- Prometheus scrape (inside the lab namespace) ---------------------------------------------

def metric_main(argv: list[str]) -> int:
    """Prints one unlabelled metric's value from the endpoint; exit 1 when it is not there."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", required=True)
    a = ap.parse_args(argv)
    c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=5)
    c.request("GET", "/metrics")
    for line in c.getresponse().read().decode().splitlines():
        if line.startswith(a.name + " "):
            print(int(float(line.split()[1])))
            return 0
    return 1


def scrape_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    a = ap.parse_args(argv)
    deadline = time.time() + 10
    while True:  # the endpoint starts with the daemon; wait for it
        try:
            c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=5)
            c.request("GET", "/metrics")
            c.getresponse().read()
            c.close()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    lat, size, status = [], 0, 0
    for _ in range(a.count):
        t0 = time.perf_counter_ns()
        c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=5)
        c.request("GET", "/metrics")
        r = c.getresponse()
        body = r.read()
        c.close()
        lat.append((time.perf_counter_ns() - t0) / 1e6)
        size, status = len(body), r.status
    print(json.dumps({"latencies_ms": lat, "bytes": size, "status": status,
                      "series": sum(1 for l in body.decode().splitlines() if l and not l.startswith("#"))}))
    return 0


# ---- the run ----------------------------------------------------------------------------------

def code_trims(lab_ns: str, port: int) -> int | None:
    """The agent's `agent_code_trims_total` (its metrics endpoint, in the lab namespace), or None
    when the agent has no such metric (an agent without the code trim, as the old layout's)."""
    r = subprocess.run(["ip", "netns", "exec", lab_ns, sys.executable, os.path.abspath(__file__), "metric",
                        "--port", str(port), "--name", "agent_code_trims_total"], capture_output=True, text=True, timeout=30)
    return int(r.stdout) if r.returncode == 0 and r.stdout.strip().isdigit() else None


def wait_code_trim(a: argparse.Namespace, deadline_s: float = 75) -> None:
    """The figures are the settled daemon's: wait for the agent's next code trim (30 s after its
    start, then every minute: docs/architecture.md), so that what start-up or building the fleet
    ran and the idle daemon no longer runs is not counted; an agent without the trim is measured
    as it is."""
    first = code_trims(a.lab_ns, a.metrics_port)
    if first is None:
        log("no agent_code_trims_total: measuring as it is")
        return
    end = time.time() + deadline_s
    while time.time() < end:
        if (code_trims(a.lab_ns, a.metrics_port) or 0) > first:
            log("the agent has trimmed its code pages")
            time.sleep(2)
            return
        time.sleep(1)
    log(f"no code trim within {deadline_s:g} s; measuring as it is")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--agent-pid", type=int, required=True)
    ap.add_argument("--netmon-pid", type=int, required=True)
    ap.add_argument("--netmon-kind", required=True)
    ap.add_argument("--control-sock", required=True)
    ap.add_argument("--door-sock", required=True)
    ap.add_argument("--lab-env", required=True)
    ap.add_argument("--lab-ns", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--counts", default="0 10 50")
    ap.add_argument("--settle", type=float, default=20)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--door-calls", type=int, default=1000)
    ap.add_argument("--ctl-runs", type=int, default=20)
    ap.add_argument("--scrapes", type=int, default=200)
    ap.add_argument("--metrics-port", type=int, default=9464)
    ap.add_argument("--pool-probe", type=int, default=-1)
    ap.add_argument("--pool-error", default="")
    a = ap.parse_args(argv)

    cloud = Cloud(a.control_sock)
    env = lab_env(a.lab_env)
    counts = [int(x) for x in a.counts.split()]
    rows: list[tuple] = []
    out: list[str] = []
    w = out.append

    wait_connected(cloud, 30)
    log(f"agent connected; vPLC counts {counts}")

    # ---- 1. memory with N running vPLCs ------------------------------------------------------
    mem: list[dict] = []
    create_s: list[float] = []
    running = 0
    stopped = ""
    for n in counts:
        while running < n and not stopped:
            took, why = create(cloud, env, f"fleet-{running}", 60 + running)
            if took is None:
                stopped = f"create of vPLC #{running + 1} failed: {why}"
                log(stopped)
                break
            create_s.append(took)
            running += 1
            if running % 10 == 0:
                log(f"{running} vPLCs running")
        log(f"{running} running (asked {n}); settling {a.settle:g} s")
        time.sleep(a.settle)
        wait_code_trim(a)
        samples, snaps = [], []  # snaps: the whole smaps and thread names at each sample
        for _ in range(a.samples):
            snaps.append((snapshot(a.agent_pid), snapshot(a.netmon_pid)))
            samples.append((snaps[-1][0]["rollup"], snaps[-1][1]["rollup"]))
            time.sleep(1)
        m = {
            "asked": n, "running": running,
            "agent_pss": [s[0]["Pss"] / 1024 for s in samples], "agent_rss": [s[0]["Rss"] / 1024 for s in samples],
            "netmon_pss": [s[1]["Pss"] / 1024 for s in samples], "netmon_rss": [s[1]["Rss"] / 1024 for s in samples],
            "fds": fds(a.agent_pid), "threads": threads(a.agent_pid), "netmon_fds": fds(a.netmon_pid),
        }
        mem.append(m)
        if os.environ.get("FLEET_SNAPSHOTS"):  # where the memory goes, for scripts/bench-footprint:
            # both processes at the sample where the agent's PSS is its median
            k = sorted(range(len(samples)), key=lambda i: samples[i][0]["Pss"])[(len(samples) - 1) // 2]
            with open(os.path.join(os.environ["FLEET_SNAPSHOTS"], f"{len(mem) - 1}.json"), "w") as f:
                json.dump({"asked": n, "running": running, "samples": len(samples), "agent_pss_mib": med(m["agent_pss"]),
                           "netmon_pss_mib": med(m["netmon_pss"]), "agent": snaps[k][0], "netmon": snaps[k][1]}, f)
        log(f"N={running}: agent PSS {med(m['agent_pss']):.1f} MiB, netmon PSS {med(m['netmon_pss']):.1f} MiB")
        if stopped:
            break

    # ---- 2. local door, ctl, scrape (with the largest fleet running) -------------------------
    probe = f"fleet-{running - 1}" if running else None
    door_lines = [request("get_agent_config", {})]
    door_rows = []
    lat, last = door_loop(a.door_sock, door_lines, min(50, a.door_calls))  # warm-up
    lat, last = door_loop(a.door_sock, door_lines, a.door_calls)
    door_rows.append(("`get_agent_config` (core topic: plugin inventory, toggles)", lat, last))
    if probe:
        lines = [request("get_device_status", {"device_id": probe})]
        lat2, last2 = door_loop(a.door_sock, lines, a.door_calls)
        door_rows.append((f"`get_device_status` (vPLC plugin + the engine's inspect)", lat2, last2))
    echo_path = os.path.join(a.workdir, "echo.sock")
    echo_server(echo_path)
    base, _ = door_loop(echo_path, door_lines, a.door_calls)
    log(f"door get_agent_config p50 {med(lat):.3f} ms; echo baseline p50 {med(base):.3f} ms")

    ctl_ms = []
    for _ in range(a.ctl_runs):
        t0 = time.perf_counter_ns()
        r = subprocess.run([a.agent, "ctl", "--config", a.config, "get_agent_config"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ctl_ms.append((time.perf_counter_ns() - t0) / 1e6)
        if r.returncode != 0:
            raise SystemExit(f"ctl failed ({r.returncode}): {r.stderr[-500:]}")

    cpu0 = cpu_seconds(a.agent_pid)
    sc = subprocess.run(["ip", "netns", "exec", a.lab_ns, sys.executable, os.path.abspath(__file__), "scrape",
                         "--port", str(a.metrics_port), "--count", str(a.scrapes)],
                        capture_output=True, text=True, timeout=600)
    cpu_scrape = cpu_seconds(a.agent_pid) - cpu0
    if sc.returncode != 0:
        raise SystemExit(f"scrape failed: {sc.stderr[-800:]}")
    scrape = json.loads(sc.stdout)
    slat = scrape["latencies_ms"]
    log(f"scrape p50 {med(slat):.3f} ms, {scrape['bytes']} bytes")

    # ---- report --------------------------------------------------------------------------------
    def mi(v: float) -> str:
        return f"{v:.1f} MiB"

    base_m = mem[0]
    for m in mem:
        n = m["running"]
        ap_, ar = med(m["agent_pss"]), med(m["agent_rss"])
        np_, nr = med(m["netmon_pss"]), med(m["netmon_rss"])
        idle = n == 0
        rows.append((f"agent PSS, {n} running vPLCs (RSS {mi(ar)}; {m['threads']} threads, {m['fds']} fds)",
                     len(m["agent_pss"]), mi(ap_), mi(pct(m["agent_pss"], 99)),
                     "≤ 20 MiB idle" if idle else "–",
                     ("yes" if ap_ <= 20 else "**no**") if idle else "–"))
        rows.append((f"netmon sidecar PSS ({a.netmon_kind}), {n} running vPLCs (RSS {mi(nr)}; {m['netmon_fds']} fds)",
                     len(m["netmon_pss"]), mi(np_), mi(pct(m["netmon_pss"], 99)),
                     "≤ 6 MiB idle" if idle else "–",
                     ("yes" if np_ <= 6 else "**no**") if idle else "–"))
    if len(mem) > 1:
        top = mem[-1]
        k = max(1, top["running"] - base_m["running"])
        da = med(top["agent_pss"]) - med(base_m["agent_pss"])
        dn = med(top["netmon_pss"]) - med(base_m["netmon_pss"])
        rows.append((f"agent PSS growth, {base_m['running']} → {top['running']} vPLCs (baseline: the {base_m['running']}-vPLC row)",
                     len(top["agent_pss"]), f"{da:+.1f} MiB ({da * 1024 / k:.0f} KiB per vPLC)", "–", "–", "–"))
        rows.append((f"netmon PSS growth, {base_m['running']} → {top['running']} vPLCs",
                     len(top["netmon_pss"]), f"{dn:+.2f} MiB ({dn * 1024 / k:.0f} KiB per vPLC)", "–", "–", "–"))
    if create_s:
        cms = [x * 1000 for x in create_s]
        rows.append(("create → running through the cloud (`/emit` → ack → `operation_update` at the cloud), fleet build-up",
                     len(cms), f"{med(cms):.0f} ms", f"{pct(cms, 99):.0f} ms", "–", "–"))
    for label, l, _ in door_rows:
        rows.append((f"local door round trip, {label}", len(l), f"{med(l):.3f} ms", f"{pct(l, 99):.3f} ms", "–", "–"))
    rows.append(("baseline: the same client against a bare unix-socket echo server", len(base),
                 f"{med(base):.3f} ms", f"{pct(base, 99):.3f} ms", "–", "–"))
    rows.append(("door `get_agent_config` ÷ echo baseline (p50 ÷ p50)", len(lat), f"{med(lat) / med(base):.1f}×",
                 f"{pct(lat, 99) / pct(base, 99):.1f}×", "–", "–"))
    rows.append(("`orchestrator-agent ctl get_agent_config`, whole process (exec → exit)", len(ctl_ms),
                 f"{med(ctl_ms):.1f} ms", f"{pct(ctl_ms, 99):.1f} ms", "–", "–"))
    rows.append((f"Prometheus scrape `GET /metrics` ({scrape['bytes']} bytes, {scrape['series']} series; new connection each)",
                 len(slat), f"{med(slat):.3f} ms", f"{pct(slat, 99):.3f} ms", "–", "–"))
    rows.append(("agent CPU per scrape (utime+stime over the scrapes ÷ count)", len(slat),
                 f"{cpu_scrape / max(1, len(slat)) * 1e6:.0f} µs", "–", "–", "–"))

    if a.pool_probe >= 0:
        most = max(counts)
        rows.insert(0, ("vPLCs running on one engine with Docker's default address pools (internal bridges "
                        f"from the agent's internal_subnet_pool; Docker alone gives {a.pool_probe} internal bridges)",
                        1, str(running), "–", "≥ 50 (N = 50 vPLCs)" if most >= 50 else f"{most} (smoke)",
                        ("yes" if running >= 50 else "**no**") if most >= 50 else "–"))
        w(f"Default address pools: `docker network create --internal` succeeded {a.pool_probe} times, then: "
          f"`{a.pool_error}` (the baseline). The probes were removed and the fleet ran on the same engine, "
          "its internal bridges taking /28s of the runtime plugin's `internal_subnet_pool` (198.18.0.0/16).")
        w("")
    w(f"vPLC counts asked: {' '.join(map(str, counts))}; reached: {running}"
      + (f" — **stopped**: {stopped}" if stopped else "") + ".")
    w(f"Memory: {a.samples} samples 1 s apart after {a.settle:g} s settling and the agent's next code trim at each count; "
      f"sidecar build: {a.netmon_kind}.")
    w("")
    w("| running vPLCs | agent PSS | agent RSS | agent threads | agent fds | netmon PSS | netmon RSS |")
    w("|---|---|---|---|---|---|---|")
    for m in mem:
        w(f"| {m['running']} | {mi(med(m['agent_pss']))} | {mi(med(m['agent_rss']))} | {m['threads']} | {m['fds']} | "
          f"{mi(med(m['netmon_pss']))} | {mi(med(m['netmon_rss']))} |")
    w("")
    w(f"Door replies: `{json.dumps(door_rows[-1][2])[:200]}`…")
    print("\n".join(out), flush=True)
    write_rows(rows)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "metric":
        sys.exit(metric_main(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "scrape":
        sys.exit(scrape_main(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(main(sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
