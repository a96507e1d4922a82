#!/usr/bin/env python3
"""Measurements for scripts/bench-cloud (run by it; stdlib only, any python3 ≥ 3.9).

    measure.py --agent BIN --config SITE.json --control http://127.0.0.1:N --pki DIR
               --port SIO_PORT --baseline-python PY --workdir DIR [--quick]

Prints Markdown on stdout (machine facts, the results table, details); progress on stderr.

Clocks:
- start → connected: `time.time()` taken here immediately before the agent is spawned, against
  the lab cloud's `connected_at` (`time.time()` in its Socket.IO `connect` handler, i.e. when it
  accepted the agent's CONNECT). Same host, same wall clock, so the difference is honest; /state
  is polled every 5 ms only to notice the connection, the poll period is not part of the value.
- ack round trip: the cloud's own `perf_counter_ns` around each acked call (`/emit_many`).
- idle CPU: utime+stime of /proc/<pid>/stat (all threads), in clock ticks / SC_CLK_TCK.
- memory: /proc/<pid>/smaps_rollup (Rss, Pss).

Every process started here is stopped in a `finally` (SIGTERM, then SIGKILL after 10 s); SIGTERM
to this helper raises SystemExit so that runs too. PIDs are also appended to WORKDIR/children so
the calling script can clean up if this helper dies hard.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from procmem import mappings, rollup, threads  # noqa: E402  (scripts/lib/bench/procmem.py)
from rows import write_rows  # noqa: E402,F401  (scripts/lib/bench/rows.py; link.py takes it from here)

CN = "07048933"  # the lab PKI's client.crt

# Targets and the upstream Python agent's figures (for scale), from the brief.
T_START_MS = 250
T_P50_MS, T_P99_MS = 1.0, 2.0
T_PSS_MIB = 20.0
T_CPU_PER_30S = 0.05


def log(*a: object) -> None:
    print("   ", *a, file=sys.stderr, flush=True)


class Cloud:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, body: dict | None = None, timeout: float = 30) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def state(self) -> dict:
        return self.call("GET", "/state")

    def reset(self) -> None:
        self.call("POST", "/reset")

    def wait_connection(self, pred, timeout: float, proc: subprocess.Popen | None = None) -> dict:
        """Polls /state every 5 ms until a live connection matching pred appears."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for c in self.state()["connections"]:
                if c["disconnected_at"] is None and pred(c):
                    return c
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"process {proc.pid} exited with {proc.returncode} before connecting")
            time.sleep(0.005)
        raise RuntimeError("no connection within %.0f s" % timeout)


class Children:
    def __init__(self, workdir: Path) -> None:
        self.procs: list[subprocess.Popen] = []
        self.pidfile = workdir / "children"

    def spawn(self, argv: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        with open(self.pidfile, "a") as f:
            f.write(f"{p.pid}\n")
        return p

    @staticmethod
    def stop(p: subprocess.Popen, timeout: float = 10) -> float:
        """SIGTERM and wait; returns seconds until exit."""
        if p.poll() is not None:
            return 0.0
        t = time.monotonic()
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"pid {p.pid} ignored SIGTERM for {timeout} s; SIGKILL")
            p.kill()
            p.wait()
        return time.monotonic() - t

    def stop_all(self) -> None:
        for p in self.procs:
            self.stop(p)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime = field 14, stime = field 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread name (utime+stime), for where idle CPU goes."""
    out: dict[str, float] = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = Path(f"/proc/{pid}/task/{t}/comm").read_text().strip()
            out[f"{comm}/{t}"] = cpu_seconds_task(pid, t)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def cpu_seconds_task(pid: int, tid: str) -> float:
    stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sched_ns(pid: int) -> int:
    """Run time of all current threads in ns (/proc/<pid>/task/*/schedstat), finer than ticks."""
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(Path(f"/proc/{pid}/task/{t}/schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def child_pids(pid: int) -> list[int]:
    kids: list[int] = []
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            kids += [int(x) for x in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
        except FileNotFoundError:
            pass
    return kids


def mib(kb: float) -> float:
    return kb / 1024


def yn(ok: bool) -> str:
    return "yes" if ok else "**no**"


def measure_acks(cloud, sid: str, pid: int, warmup: int, calls: int,
                 label: str) -> tuple[dict, list[float], int, float]:
    """One sample ack, `warmup` calls, then `calls` sequential acked `example_sleep {ms:0}` to
    `sid`. Returns (sample response, latencies in ms, errors, CPU seconds of `pid` meanwhile)."""
    sample = cloud.call("POST", "/emit", {"event": "example_sleep", "data": {"ms": 0},
                                          "ack": True, "sid": sid})
    log(f"{label} ack to example_sleep {{ms:0}}: {json.dumps(sample.get('ack'))}")
    cloud.call("POST", "/emit_many", {"event": "example_sleep", "data": {"ms": 0},
                                      "count": warmup, "sid": sid}, timeout=300)
    perf = None
    if label == "agent" and os.environ.get("PERF_RECORD"):
        # Development aid: a call-graph profile of the agent over the measured calls.
        perf = subprocess.Popen(["perf", "record", "-q", "-F", "4999", "-g", "-p", str(pid),
                                 "-o", os.environ["PERF_RECORD"]], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
    cpu0 = cpu_seconds(pid)
    r = cloud.call("POST", "/emit_many", {"event": "example_sleep", "data": {"ms": 0},
                                          "count": calls, "sid": sid}, timeout=600)
    cpu = cpu_seconds(pid) - cpu0
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=60)
        log(f"perf profile of the agent over the calls: {os.environ['PERF_RECORD']}")
    lat = [x / 1000 for x in r["latencies_us"]]
    log(f"{label} acks: p50 {statistics.median(lat):.3f} ms, p99 {pct(lat, 99):.3f} ms, "
        f"errors {r['errors']}")
    return sample, lat, r["errors"], cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--baseline-python", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(a.workdir)
    cloud = Cloud(a.control)
    kids = Children(workdir)

    start_runs = 3 if a.quick else 10
    calls = int(os.environ.get("BENCH_CLOUD_CALLS", 200 if a.quick else 1000))
    warmup = 100
    # Past the agent's code trim (30 s after start: docs/architecture.md), unless QUICK.
    idle_mem_s = 10 if a.quick else 40
    idle_cpu_s = 10 if a.quick else 60

    load_at_start = Path("/proc/loadavg").read_text().split()[:3]
    agent_argv = [a.agent, "run", "--config", a.config, "--log-level", "notice"]

    def spawn_agent(run: int) -> subprocess.Popen:
        return kids.spawn(agent_argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=open(workdir / f"agent-{run}.log", "w"))

    try:
        # ---- 1. start -> connected, agent ----------------------------------------------------
        starts_ms: list[float] = []
        stops_ms: list[float] = []
        for run in range(start_runs):
            cloud.reset()
            t0 = time.time()
            p = spawn_agent(run)
            c = cloud.wait_connection(lambda c: c["cn"] == CN and c["connected_at"] >= t0, 15, p)
            starts_ms.append((c["connected_at"] - t0) * 1000)
            log(f"agent run {run + 1}/{start_runs}: start -> connected {starts_ms[-1]:.1f} ms "
                f"(transport {c['transport']})")
            stops_ms.append(kids.stop(p) * 1000)
        cloud.reset()

        # ---- 2. idle memory and CPU, then ack round trip, on one agent ----------------------
        p = spawn_agent(start_runs)
        conn = cloud.wait_connection(lambda c: c["cn"] == CN, 15, p)
        sid = conn["sid"]
        log(f"agent connected (sid {sid}); idle {idle_mem_s} s before reading memory")
        time.sleep(max(0.0, conn["connected_at"] + idle_mem_s - time.time()))
        mem_idle = rollup(p.pid)
        nthreads = threads(p.pid)
        kid_pids = child_pids(p.pid)
        breakdown = mappings(p.pid)
        log(f"idle PSS {mib(mem_idle['Pss']):.1f} MiB, RSS {mib(mem_idle['Rss']):.1f} MiB; "
            f"measuring CPU over {idle_cpu_s} s")
        hb0 = len([h for h in cloud.state()["heartbeats"] if h["sid"] == sid])
        th0, ns0 = thread_cpu(p.pid), sched_ns(p.pid)
        cpu0, w0 = cpu_seconds(p.pid), time.monotonic()
        time.sleep(idle_cpu_s)
        cpu1, w1 = cpu_seconds(p.pid), time.monotonic()
        th1, ns1 = thread_cpu(p.pid), sched_ns(p.pid)
        busy_threads = sorted(((k, th1[k] - th0.get(k, 0)) for k in th1), key=lambda kv: -kv[1])
        hb1 = len([h for h in cloud.state()["heartbeats"] if h["sid"] == sid])
        cpu_per_30 = (cpu1 - cpu0) / (w1 - w0) * 30
        log(f"idle CPU {cpu1 - cpu0:.3f} s over {w1 - w0:.1f} s ({hb1 - hb0} heartbeats)")

        sample, agent_lat, agent_err, agent_cpu = measure_acks(cloud, sid, p.pid, warmup, calls, "agent")
        mem_after = rollup(p.pid)
        kids.stop(p)
        cloud.reset()

        # ---- 3. baseline: bare python-socketio AsyncClient ----------------------------------
        base_starts_ms: list[float] = []
        base_runs = 3
        baseline = Path(__file__).resolve().parent / "baseline_client.py"
        bp = None
        for run in range(base_runs):
            t0 = time.time()
            bp = kids.spawn([a.baseline_python, str(baseline), a.pki, str(a.port)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                            stderr=open(workdir / f"baseline-{run}.log", "w"))
            bsid = bp.stdout.readline().split()[1]
            c = cloud.wait_connection(lambda c: c["sid"] == bsid, 15, bp)
            base_starts_ms.append((c["connected_at"] - t0) * 1000)
            log(f"baseline run {run + 1}/{base_runs}: start -> connected {base_starts_ms[-1]:.1f} ms "
                f"(transport {c['transport']})")
            if run < base_runs - 1:
                kids.stop(bp)
                cloud.reset()
        sample_b, base_lat, base_err, base_cpu = measure_acks(cloud, bsid, bp.pid, warmup, calls, "baseline")
        base_mem = rollup(bp.pid)
        kids.stop(bp)
    finally:
        kids.stop_all()

    load_at_end = Path("/proc/loadavg").read_text().split()[:3]
    # ---- report ----------------------------------------------------------------------------
    s50 = statistics.median(starts_ms)
    a50, a99 = statistics.median(agent_lat), pct(agent_lat, 99)
    b50, b99 = statistics.median(base_lat), pct(base_lat, 99)
    pss, rss = mib(mem_idle["Pss"]), mib(mem_idle["Rss"])
    bs50 = statistics.median(base_starts_ms)
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                      if l.startswith("model name")), "?")

    out = []
    w = out.append
    w(f"Machine: {os.cpu_count()} cores ({cpu_model}), Linux {platform.release()}; "
      f"load average at the start of the measurements: {' '.join(load_at_start)} "
      f"(at the end: {' '.join(load_at_end)}).")
    w(f"Runs: {start_runs} agent starts, {warmup} warm-up + {calls} acked calls, "
      f"memory after {idle_mem_s} s connected, CPU over {idle_cpu_s} s idle"
      + (" (QUICK=1 smoke run)" if a.quick else "") + ".")
    w("")
    w("| metric | measured | target | Python agent (for scale) | met |")
    w("|---|---|---|---|---|")
    w(f"| start → connected (median of {start_runs}; min–max) | {s50:.0f} ms "
      f"({min(starts_ms):.0f}–{max(starts_ms):.0f}) | ≤ {T_START_MS} ms | 0.77 s "
      f"(bare python-socketio client: 0.20 s) | {yn(s50 <= T_START_MS)} |")
    w(f"| ack round trip p50, {calls} sequential `example_sleep {{ms:0}}` | {a50:.3f} ms | "
      f"≤ {T_P50_MS:g} ms | 7.9 ms | {yn(a50 <= T_P50_MS)} |")
    w(f"| ack round trip p99 | {a99:.3f} ms | ≤ {T_P99_MS:g} ms | 13.3 ms | {yn(a99 <= T_P99_MS)} |")
    w(f"| baseline (bare python-socketio AsyncClient, same run) ack p50 / p99 | "
      f"{b50:.3f} / {b99:.3f} ms | – | – | – |")
    w(f"| agent / baseline ack p50 | {a50 / b50:.2f}× | – | {7.9 / b50:.1f}× (7.9 ms vs this baseline) | – |")
    w(f"| baseline start → connected (median of {base_runs}) | {bs50:.0f} ms | – | 0.20 s | – |")
    w(f"| idle memory PSS ({idle_mem_s} s connected) | {pss:.1f} MiB | ≤ {T_PSS_MIB:g} MiB | "
      f"74 MiB (+31 MiB netmon) | {yn(pss <= T_PSS_MIB)} |")
    w(f"| idle memory RSS | {rss:.1f} MiB | – | – | – |")
    w(f"| idle CPU, per 30 s ({idle_cpu_s} s window, heartbeats only) | {cpu_per_30:.3f} CPU-s | "
      f"≤ {T_CPU_PER_30S:g} | 0.06 | {yn(cpu_per_30 <= T_CPU_PER_30S)} |")
    w("")
    w("Details:")
    w(f"- ack errors (timeouts): agent {agent_err}, baseline {base_err}; acks: agent "
      f"`{json.dumps(sample.get('ack'))}`, baseline `{json.dumps(sample_b.get('ack'))}`.")
    w(f"- ack latency (ms) p90 / max: agent {pct(agent_lat, 90):.3f} / {max(agent_lat):.3f}, "
      f"baseline {pct(base_lat, 90):.3f} / {max(base_lat):.3f}; calls over 2 ms: agent "
      f"{sum(x > 2 for x in agent_lat)}, baseline {sum(x > 2 for x in base_lat)}.")
    w(f"- idle CPU by schedstat (ns resolution): {(ns1 - ns0) / 1e9 / (w1 - w0) * 30:.4f} CPU-s per 30 s; "
      "per thread over the window: " + ", ".join(f"`{k}` {v:.2f} s" for k, v in busy_threads if v > 0)
      + ".")
    w(f"- agent start runs (ms): {', '.join(f'{x:.0f}' for x in starts_ms)}; "
      f"SIGTERM → exit median {statistics.median(stops_ms):.0f} ms.")
    w(f"- agent: {nthreads} threads, child processes: {kid_pids or 'none'}; "
      f"{hb1 - hb0} heartbeats during the CPU window; "
      f"CPU during the {calls} acked calls: {agent_cpu:.3f} s "
      f"({agent_cpu / max(1, len(agent_lat)) * 1e6:.0f} µs per call; baseline client "
      f"{base_cpu / max(1, len(base_lat)) * 1e6:.0f} µs per call).")
    w(f"- agent memory after the ack run: PSS {mib(mem_after['Pss']):.1f} MiB, "
      f"RSS {mib(mem_after['Rss']):.1f} MiB; idle breakdown: Pss_Anon "
      f"{mib(mem_idle.get('Pss_Anon', 0)):.1f}, Pss_File {mib(mem_idle.get('Pss_File', 0)):.1f}, "
      f"Private_Dirty {mib(mem_idle.get('Private_Dirty', 0)):.1f} MiB.")
    w(f"- baseline python-socketio client: PSS {mib(base_mem['Pss']):.1f} MiB, "
      f"RSS {mib(base_mem['Rss']):.1f} MiB.")
    w("- largest agent mappings by PSS, idle (MiB, of which private dirty): " + "; ".join(
        f"`{Path(m['name']).name if m['name'].startswith('/') else m['name']}` {mib(m['pss']):.1f} ({mib(m['dirty']):.1f})"
        for m in breakdown[:8]) + ".")
    print("\n".join(out), flush=True)

    # Rows for scripts/bench (BENCH_ROWS=FILE): figure, runs, median, p99, target, met.
    rows = [
        ("start → connected (spawn → the cloud's Socket.IO `connect`)", start_runs, f"{s50:.0f} ms",
         f"{pct(starts_ms, 99):.0f} ms", f"≤ {T_START_MS} ms (Python agent: 0.77 s)", yn(s50 <= T_START_MS)),
        ("baseline: bare python-socketio client, start → connected", base_runs, f"{bs50:.0f} ms",
         f"{pct(base_starts_ms, 99):.0f} ms", "–", "–"),
        (f"ack round trip, sequential `example_sleep {{ms:0}}` over mTLS Socket.IO", len(agent_lat), f"{a50:.3f} ms",
         f"{a99:.3f} ms", f"p50 ≤ {T_P50_MS:g} ms, p99 ≤ {T_P99_MS:g} ms (Python: 7.9 / 13.3 ms)",
         yn(a50 <= T_P50_MS and a99 <= T_P99_MS)),
        ("baseline: bare python-socketio AsyncClient, same calls", len(base_lat), f"{b50:.3f} ms", f"{b99:.3f} ms", "–", "–"),
        ("ratio agent ÷ baseline ack (p50 ÷ p50; p99 ÷ p99)", len(agent_lat), f"{a50 / b50:.2f}×", f"{a99 / b99:.2f}×", "–", "–"),
        (f"idle PSS, {idle_mem_s} s connected (RSS {rss:.1f} MiB)", 1, f"{pss:.1f} MiB", "–",
         f"≤ {T_PSS_MIB:g} MiB (Python: 74 MiB)", yn(pss <= T_PSS_MIB)),
        (f"idle CPU per 30 s ({idle_cpu_s} s window, heartbeats only)", 1, f"{cpu_per_30:.3f} CPU-s", "–",
         f"≤ {T_CPU_PER_30S:g} CPU-s (Python: 0.06)", yn(cpu_per_30 <= T_CPU_PER_30S)),
        ("SIGTERM → exit with a live link", len(stops_ms), f"{statistics.median(stops_ms):.0f} ms",
         f"{pct(stops_ms, 99):.0f} ms", "–", "–"),
    ]
    write_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
