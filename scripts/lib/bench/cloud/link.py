#!/usr/bin/env python3
"""Measurements for scripts/bench-link (run by it; stdlib only, any python3 ≥ 3.9).

    link.py --agent BIN --site SITE.json --cloud-python PY --cloud-script cloud.py --pki DIR
            --workdir DIR [--quick]

Starts the lab cloud itself (a child of this helper: it is stopped and restarted on the same
ports), writes one site config per run from SITE.json (port, `cloud.reconnect`, state_dir), and
prints Markdown on stdout (machine facts, two tables, details); progress on stderr.

1. Reconnect after a cloud restart, per schedule (`slots`, then `upstream` as the baseline), one
   agent each: ROUNDS times the cloud gets SIGTERM (by PID, waitpid), stays down 3 s after its
   exit, and is started again on the same ports; then one long outage (30 s; QUICK 10 s).
   Clocks:
   - the figure is the cloud's `connected_at` of the agent's new connection (`time.time()` in
     its Socket.IO `connect` handler) minus `time.time()` taken here the moment the restarted
     cloud's READY line was read from its stdout pipe (this helper blocks in readline, so that is
     within a scheduler wake-up of the print). Both are the same host's wall clock; the cloud's
     clock is used rather than the agent's "connected to the cloud" log line because it has
     sub-millisecond resolution (the log's times are whole milliseconds) and it is where the
     issue's figure lives: the cloud has the agent back. The cloud listens a few milliseconds
     before it prints READY, so an attempt landing in that gap can show a figure just below 0.
   - attempts: the agent's own log (JSON lines, `--log-level notice`), read from the offset it had
     before the SIGTERM: the `connection attempt failed` records before the agent's `connected
     to the cloud` record that carries the new connection's sid. "While down" counts those
     whose log time (the agent's wall clock, ms) is not after READY was read. The successful
     attempt is not counted. The details list each failed attempt's log time, READY and the
     reconnect in seconds after the agent's `disconnected from the cloud` record, to be read
     against the schedule.
2. SIGTERM → exit with a live link: a fresh agent (default schedule); once the cloud records
   its connection (/state polled every 5 ms), `time.monotonic()` just before os.kill and just
   after waitpid returns (Popen.wait; a watchdog SIGKILLs an agent still there after 60 s). The
   target holds for every run (the max), not only the median. Then /state is polled (up to 5 s)
   for that connection's `disconnect_reason`; a clean stop is `client disconnect`. The cloud
   records the connection when it accepts the Socket.IO CONNECT, a few milliseconds before the
   agent has read the answer: a signal in that gap finds the agent still connecting, which is
   part of what is measured. The baseline, alternating run by run: the same with SIGKILL, the
   floor of process teardown on this machine.

Every process started here is stopped in a `finally` (SIGTERM, then SIGKILL after 10 s); SIGTERM
to this helper raises SystemExit so that runs too. PIDs are also appended to WORKDIR/children so
the calling script can clean up if this helper dies hard.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from measure import CN, Children, Cloud, log, pct, write_rows, yn

T_RECONNECT_MEDIAN_S, T_RECONNECT_MAX_S = 1.0, 2.0
T_ATTEMPTS_30S = 10
T_SIGTERM_MS = 300
STOP_LIMIT_S = 60  # SIGKILL after this long (the exit status then says -9)
SCHEDULES = ("slots", "upstream")


class LabCloud:
    """The lab cloud as a child of this helper; restarted on the ports of its first start."""

    def __init__(self, kids: Children, argv: list[str], workdir: Path) -> None:
        self.kids, self.argv, self.workdir = kids, argv, workdir
        self.proc: subprocess.Popen | None = None
        self.port = self.control_port = self.starts = 0
        self.api = Cloud("")

    def start(self) -> float:
        """Starts the cloud; returns `time.time()` when its READY line was read."""
        self.starts += 1
        p = self.kids.spawn(self.argv + ["--port", str(self.port), "--control-port", str(self.control_port)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                            stderr=open(self.workdir / f"cloud-{self.starts}.log", "w"))
        line = p.stdout.readline()
        ready_at = time.time()
        f = line.split()
        if len(f) != 3 or f[0] != "READY":
            raise RuntimeError(f"the lab cloud did not start (stdout {line!r}; see cloud-{self.starts}.log)")
        self.proc, self.port, self.control_port = p, int(f[1]), int(f[2])
        self.api = Cloud(f"http://127.0.0.1:{self.control_port}")
        return ready_at

    def stop(self) -> float:
        """SIGTERM by PID, waitpid; returns the seconds until it exited."""
        p, self.proc = self.proc, None
        dt = self.kids.stop(p)
        p.stdout.close()
        return dt


def fmt(xs, spec: str = ".2f") -> str:
    return ", ".join(format(x, spec) for x in xs)


def records(path: Path, offset: int = 0) -> list[tuple[float, str, dict]]:
    """(time, message, metadata) of the agent's JSON log lines from `offset` (others skipped)."""
    out = []
    with open(path, "rb") as f:
        f.seek(offset)
        for line in f:
            try:
                r = json.loads(line)
                t = datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
            except (ValueError, KeyError, TypeError):
                continue
            out.append((t, r.get("message", ""), r.get("metadata") or {}))
    return out


def outage(cloud: LabCloud, agent: subprocess.Popen, logf: Path, down_s: float) -> dict:
    """One outage of the cloud with `agent` connected; see the docstring for the clocks."""
    offset = logf.stat().st_size
    t_term = time.time()
    exit_s = cloud.stop()
    time.sleep(down_s)
    ready_at = cloud.start()
    conn = cloud.api.wait_connection(lambda c: c["cn"] == CN, 120, agent)
    deadline = time.monotonic() + 10
    while True:
        recs = records(logf, offset)
        back = [i for i, r in enumerate(recs) if r[1] == "connected to the cloud" and r[2].get("sid") == conn["sid"]]
        if back:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"the agent did not log its connection {conn['sid']} (see {logf.name})")
        time.sleep(0.02)
    window = recs[:back[0]]
    disc = [r for r in window if r[1].startswith("disconnected from the cloud")]
    failed = [r[0] for r in window if r[1].startswith("connection attempt failed")]
    t_disc = disc[0][0] if disc else t_term
    return {
        "lag": conn["connected_at"] - ready_at,
        "failed": len(failed),
        "failed_down": sum(t <= ready_at for t in failed),
        "down": ready_at - t_term,
        "cloud_exit": exit_s,
        "disc_reason": disc[0][1].split(": ", 1)[-1] if disc else "(no disconnect logged)",
        "ready_after_disc": ready_at - t_disc,
        "back_after_disc": conn["connected_at"] - t_disc,
        "attempts_after_disc": [t - t_disc for t in failed],
        "other_connects": sum(r[1] == "connected to the cloud" for r in window),
        "transport": conn["transport"],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--site", required=True)
    ap.add_argument("--cloud-python", required=True)
    ap.add_argument("--cloud-script", required=True)
    ap.add_argument("--pki", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(a.workdir)
    kids = Children(workdir)
    cloud = LabCloud(kids, [a.cloud_python, a.cloud_script, "--pki", a.pki, "--log-level", "WARNING"], workdir)
    rounds = 3 if a.quick else 10
    long_s = 10 if a.quick else 30
    stop_runs = 3 if a.quick else 10
    down_s = 3.0
    load_at_start = Path("/proc/loadavg").read_text().split()[:3]

    def site(name: str, reconnect: str | None) -> Path:
        s = json.loads(Path(a.site).read_text())
        s["state_dir"] = str(workdir / f"state-{name}")
        s["cloud"]["port"] = cloud.port
        if reconnect:
            s["cloud"]["reconnect"] = reconnect
        path = workdir / f"site-{name}.json"
        path.write_text(json.dumps(s, indent=1))
        return path

    def spawn_agent(name: str, config: Path) -> tuple[subprocess.Popen, Path]:
        logf = workdir / f"agent-{name}.log"
        p = kids.spawn([a.agent, "run", "--config", str(config), "--log-level", "notice", "--log-format", "json"],
                       stdin=subprocess.DEVNULL, stdout=open(logf, "w"), stderr=subprocess.STDOUT)
        return p, logf

    restarts: dict[str, list[dict]] = {}
    longs: dict[str, dict] = {}
    stops: dict[str, list[float]] = {"TERM": [], "KILL": []}
    reasons: dict[str, list[str]] = {"TERM": [], "KILL": []}
    seen_ms: dict[str, list[float]] = {"TERM": [], "KILL": []}
    codes: dict[str, set] = {"TERM": set(), "KILL": set()}
    try:
        cloud.start()
        log(f"cloud: wss://localhost:{cloud.port}, control http://127.0.0.1:{cloud.control_port}")
        # ---- 1. reconnect after a cloud restart, per schedule ----------------------------------
        for sched in SCHEDULES:
            cloud.api.reset()
            p, logf = spawn_agent(sched, site(sched, sched))
            cloud.api.wait_connection(lambda c: c["cn"] == CN, 30, p)
            restarts[sched] = []
            for i in range(rounds):
                time.sleep(1)
                r = outage(cloud, p, logf, down_s)
                restarts[sched].append(r)
                log(f"{sched} restart {i + 1}/{rounds}: READY -> connected {r['lag']:.3f} s, "
                    f"{r['failed']} failed attempts at {fmt(r['attempts_after_disc'])} s, READY at "
                    f"{r['ready_after_disc']:.2f} s after the disconnect")
            time.sleep(1)
            r = longs[sched] = outage(cloud, p, logf, long_s)
            log(f"{sched} {long_s} s outage: {r['failed_down']} attempts while down ({r['down']:.1f} s), "
                f"READY -> connected {r['lag']:.3f} s")
            kids.stop(p)

        # ---- 2. SIGTERM -> exit with a live link, SIGKILL as the floor --------------------------
        config = site("stop", None)
        for i in range(stop_runs):
            for how, sig in (("TERM", signal.SIGTERM), ("KILL", signal.SIGKILL)):
                cloud.api.reset()
                p, _ = spawn_agent(f"stop-{i + 1}-{how}", config)
                conn = cloud.api.wait_connection(lambda c: c["cn"] == CN, 30, p)
                t_wall, t = time.time(), time.monotonic()
                os.kill(p.pid, sig)
                watchdog = threading.Timer(STOP_LIMIT_S, p.kill)  # a hung agent must not hang the run
                watchdog.start()
                p.wait()
                stops[how].append(time.monotonic() - t)
                watchdog.cancel()
                codes[how].add(p.returncode)
                reason, deadline = "(none within 5 s)", time.monotonic() + 5
                while time.monotonic() < deadline:
                    c = next(c for c in cloud.api.state()["connections"] if c["sid"] == conn["sid"])
                    if c["disconnected_at"] is not None:
                        reason = c["disconnect_reason"]
                        seen_ms[how].append((c["disconnected_at"] - t_wall) * 1000)
                        break
                    time.sleep(0.005)
                reasons[how].append(reason)
                log(f"stop {i + 1}/{stop_runs} SIG{how}: exit after {stops[how][-1] * 1000:.1f} ms "
                    f"(status {p.returncode}), cloud: {reason}")
    finally:
        kids.stop_all()

    load_at_end = Path("/proc/loadavg").read_text().split()[:3]
    # ---- report ----------------------------------------------------------------------------
    def lags(s: str) -> list[float]:
        return [r["lag"] for r in restarts[s]]

    def fails(s: str) -> list[int]:
        return [r["failed"] for r in restarts[s]]

    med = {s: statistics.median(lags(s)) for s in SCHEDULES}
    mx = {s: max(lags(s)) for s in SCHEDULES}
    term50, term_max = statistics.median(stops["TERM"]) * 1000, max(stops["TERM"]) * 1000
    kill50, kill_max = statistics.median(stops["KILL"]) * 1000, max(stops["KILL"]) * 1000
    clean = {h: sum(r == "client disconnect" for r in reasons[h]) for h in reasons}
    lg = longs["slots"]
    long_met = yn(lg["failed_down"] <= T_ATTEMPTS_30S) if long_s >= 30 else "– (outage under 30 s)"
    recon_met = yn(med["slots"] <= T_RECONNECT_MEDIAN_S and mx["slots"] <= T_RECONNECT_MAX_S)
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                      if l.startswith("model name")), "?")

    out: list[str] = []
    w = out.append
    w(f"Machine: {os.cpu_count()} cores ({cpu_model}), Linux {platform.release()}; "
      f"load average at the start of the measurements: {' '.join(load_at_start)} "
      f"(at the end: {' '.join(load_at_end)}).")
    w(f"Runs: per schedule one agent, {rounds} cloud restarts (down {down_s:g} s after its exit) and one "
      f"{long_s} s outage; {stop_runs} SIGTERM and {stop_runs} SIGKILL stops, alternating"
      + (" (QUICK=1 smoke run)" if a.quick else "") + ".")
    w("")
    w("| reconnect after a cloud restart | `slots` (default) | `upstream` (baseline) | target (`slots`) | met |")
    w("|---|---|---|---|---|")
    w(f"| READY → connected, median of {rounds} | {med['slots']:.2f} s | {med['upstream']:.2f} s | "
      f"≤ {T_RECONNECT_MEDIAN_S:.1f} s | {yn(med['slots'] <= T_RECONNECT_MEDIAN_S)} |")
    w(f"| READY → connected, max | {mx['slots']:.2f} s | {mx['upstream']:.2f} s | "
      f"≤ {T_RECONNECT_MAX_S:.1f} s | {yn(mx['slots'] <= T_RECONNECT_MAX_S)} |")
    w(f"| failed attempts per restart, median (max) | {statistics.median(fails('slots')):g} ({max(fails('slots'))}) | "
      f"{statistics.median(fails('upstream')):g} ({max(fails('upstream'))}) | – | – |")
    w(f"| attempts while down in a {long_s} s outage (SIGTERM → READY {lg['down']:.1f} s) | "
      f"{lg['failed_down']} | {longs['upstream']['failed_down']} | ≤ {T_ATTEMPTS_30S} in 30 s | {long_met} |")
    w(f"| after that outage: READY → connected | {lg['lag']:.2f} s | {longs['upstream']['lag']:.2f} s | – | – |")
    w("")
    w("| stop with a live link | SIGTERM | kill -9 floor (SIGKILL) | target (SIGTERM) | met |")
    w("|---|---|---|---|---|")
    w(f"| signal → exit (waitpid), median of {stop_runs} | {term50:.1f} ms | {kill50:.1f} ms | "
      f"≤ {T_SIGTERM_MS} ms | {yn(term50 <= T_SIGTERM_MS)} |")
    w(f"| signal → exit, max | {term_max:.1f} ms | {kill_max:.1f} ms | ≤ {T_SIGTERM_MS} ms | "
      f"{yn(term_max <= T_SIGTERM_MS)} |")
    w(f"| runs where the cloud saw `client disconnect` | {clean['TERM']} of {stop_runs} | "
      f"{clean['KILL']} of {stop_runs} | – | – |")
    w("")
    w("Details:")
    for s in SCHEDULES:
        rs = restarts[s]
        w(f"- `{s}`, restarts: READY → connected (s) {fmt(r['lag'] for r in rs)}; failed attempts "
          f"{fmt((r['failed'] for r in rs), 'd')}; per restart, in s after the agent logged the disconnect: "
          + "; ".join(f"failed {fmt(r['attempts_after_disc'])}, READY {r['ready_after_disc']:.2f}, connected "
                      f"{r['back_after_disc']:.2f}" for r in rs) + ".")
        r = longs[s]
        w(f"- `{s}`, {long_s} s outage: {r['failed_down']} attempts while down, {r['failed']} before the "
          f"reconnect; attempt times after the disconnect (s) {fmt(r['attempts_after_disc'], '.1f')}; "
          f"READY at {r['ready_after_disc']:.1f} s, connected at {r['back_after_disc']:.1f} s.")
    short = [r for s in SCHEDULES for r in restarts[s]]
    every = short + [longs[s] for s in SCHEDULES]
    w(f"- the agent's disconnect reasons: {', '.join(sorted({r['disc_reason'] for r in every}))}; connections "
      f"logged inside an outage (to a cloud on its way down): {sum(r['other_connects'] for r in every)}; "
      f"transports {', '.join(sorted({r['transport'] for r in every}))}; the cloud's SIGTERM → exit, "
      f"max {max(r['cloud_exit'] for r in every) * 1000:.0f} ms; its SIGTERM → READY in the restarts, median "
      f"{statistics.median(r['down'] for r in short):.2f} s ({down_s:g} s down + the cloud's start).")
    for h in ("TERM", "KILL"):
        w(f"- SIG{h}: exit (ms) {fmt((x * 1000 for x in stops[h]), '.1f')}; exit status "
          f"{', '.join(str(c) for c in sorted(codes[h]))}; the cloud's disconnect_reason: "
          f"{', '.join(f'{k} ×{reasons[h].count(k)}' for k in sorted(set(reasons[h])))}; signal → the cloud's "
          f"disconnected_at (ms) {fmt(seen_ms[h], '.1f')}.")
    print("\n".join(out), flush=True)

    # Rows for scripts/bench (BENCH_ROWS=FILE): figure, runs, median, p99, target, met.
    up = longs["upstream"]
    rows = [
        (f"reconnect after a {down_s:g} s cloud restart, `slots` (default): READY → the cloud's `connect` "
         f"(p99 = max)", rounds, f"{med['slots']:.2f} s", f"{pct(lags('slots'), 99):.2f} s",
         f"median ≤ {T_RECONNECT_MEDIAN_S:.1f} s, max ≤ {T_RECONNECT_MAX_S:.1f} s", recon_met),
        ("baseline: the same with `upstream` (the Python agent's back-off)", rounds, f"{med['upstream']:.2f} s",
         f"{pct(lags('upstream'), 99):.2f} s", "–", "–"),
        ("failed connection attempts per restart, `slots`", rounds, f"{statistics.median(fails('slots')):g}",
         f"{pct(fails('slots'), 99)}", "–", "–"),
        ("failed connection attempts per restart, `upstream`", rounds, f"{statistics.median(fails('upstream')):g}",
         f"{pct(fails('upstream'), 99)}", "–", "–"),
        (f"connection attempts while the cloud was down {lg['down']:.0f} s, `slots`", 1, f"{lg['failed_down']}",
         "–", f"≤ {T_ATTEMPTS_30S} in a 30 s outage", long_met),
        (f"baseline: the same with `upstream` (down {up['down']:.0f} s)", 1, f"{up['failed_down']}", "–", "–", "–"),
        ("SIGTERM → exit with a live link (waitpid)", stop_runs, f"{term50:.0f} ms", f"{pct(stops['TERM'], 99) * 1000:.0f} ms",
         f"≤ {T_SIGTERM_MS} ms, every run", yn(term_max <= T_SIGTERM_MS)),
        ("runs where the cloud saw a clean `client disconnect` after SIGTERM", stop_runs,
         f"{clean['TERM']} of {stop_runs}", "–", "–", "–"),
        ("kill -9 floor: SIGKILL → exit (waitpid), same runs", stop_runs, f"{kill50:.0f} ms",
         f"{pct(stops['KILL'], 99) * 1000:.0f} ms", "–", "–"),
    ]
    write_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
