#!/usr/bin/env python3
"""The footprint table of scripts/bench-footprint (run by it; stdlib only).

    report.py --this DIR --old DIR --this-name TEXT --old-name TEXT [--old-skipped WHY]

Each DIR holds what the area scripts wrote for one build: snap/I.json (bench-fleet's
FLEET_SNAPSHOTS: per vPLC count, PSS medians, smaps per mapping and thread names of the agent and
the sidecar), cloud.tsv and sizes.tsv (their BENCH_ROWS). Prints Markdown: one table (figure |
this build | old layout | ratio | target | met), then for each build where the idle agent's and
sidecar's PSS goes, mapping by mapping, and their threads. With BENCH_ROWS=FILE it appends one
row per figure for scripts/bench (figure, runs, median, p99, target, met).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rows import write_rows  # noqa: E402  (scripts/lib/bench/rows.py)

MB = 1_000_000
TOP = 12  # mappings listed per process; the rest are summed in one line


def tsv_row(path: Path, prefix: str) -> list[str] | None:
    if path.exists():
        for line in path.read_text().splitlines():
            f = line.split("\t")
            if len(f) == 6 and f[0].startswith(prefix):
                return f
    return None


def number(text: str) -> float:
    return float(text.split()[0].replace(",", ""))


def load(d: Path) -> dict:
    """The figures of one build (missing ones are None)."""
    snaps = [json.loads(p.read_text()) for p in sorted((d / "snap").glob("*.json"), key=lambda p: int(p.stem))]
    idle = snaps[0] if snaps and snaps[0]["running"] == 0 else None
    top = snaps[-1] if len(snaps) > 1 else None
    ack = tsv_row(d / "cloud.tsv", "ack round trip")
    size = tsv_row(d / "sizes.tsv", "installed size")
    return {
        "idle": idle, "top": top,
        "pss": idle and idle["agent_pss_mib"] + idle["netmon_pss_mib"],
        "pss_n": top and top["agent_pss_mib"] + top["netmon_pss_mib"],
        "threads": idle and len(idle["agent"]["threads"]),
        "ack": ack and (number(ack[2]), number(ack[3]), int(ack[1])),
        "size": size and number(size[2]) * 1048576,
    }


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "–"


def yn(ok: bool) -> str:
    return "yes" if ok else "**no**"


def figures(this: dict, old: dict) -> list[dict]:
    """One dict per figure: label, cells (this, old), ratio, target, met, and its BENCH_ROWS row."""
    def cell(b: dict, key: str, fmt) -> str:
        return fmt(b) if b[key] is not None else "–"

    def pss(b: dict) -> str:
        i = b["idle"]
        return f"{b['pss']:.1f} MiB (agent {i['agent_pss_mib']:.1f} + sidecar {i['netmon_pss_mib']:.1f})"

    def pss_n(b: dict) -> str:
        return f"{b['pss_n']:.1f} MiB at N = {b['top']['running']} ({b['pss_n'] / b['pss']:.2f}× idle)"

    def ack(b: dict) -> str:
        return f"{b['ack'][0]:.3f} / {b['ack'][1]:.3f} ms"

    out = []
    if this["pss"] is not None:
        out.append({"figure": "idle PSS, agent + sidecar, connected, 5 plugins loaded", "key": "pss",
                    "this": pss(this), "old": cell(old, "pss", pss), "ratio": ratio(this["pss"], old["pss"]),
                    "target": "≤ 20 MiB (aim ≤ 15)", "met": yn(this["pss"] <= 20),
                    "runs": this["idle"]["samples"], "median": f"{this['pss']:.1f} MiB"})
    if this["size"] is not None:
        out.append({"figure": "installed size: agent + plugins + sidecar + the Swift runtime libraries they load",
                    "key": "size", "this": f"{this['size'] / 1048576:.1f} MiB ({this['size'] / MB:.1f} MB)",
                    "old": cell(old, "size", lambda b: f"{b['size'] / 1048576:.1f} MiB ({b['size'] / MB:.1f} MB)"),
                    "ratio": ratio(this["size"], old["size"]), "target": "≤ 60 MB (aim ≤ 40)",
                    "met": yn(this["size"] <= 60 * MB), "runs": 1, "median": f"{this['size'] / MB:.1f} MB"})
    if this["threads"] is not None:
        out.append({"figure": "threads of the idle agent", "key": "threads", "this": str(this["threads"]),
                    "old": cell(old, "threads", lambda b: str(b["threads"])),
                    "ratio": ratio(this["threads"], old["threads"]), "target": "≤ 6 (aim: one event loop group)",
                    "met": yn(this["threads"] <= 6), "runs": 1, "median": str(this["threads"])})
    if this["ack"] is not None:
        a50, a99, runs = this["ack"]
        r = ratio(a50, old["ack"] and old["ack"][0]) + " / " + ratio(a99, old["ack"] and old["ack"][1])
        out.append({"figure": "ack round trip p50 / p99, read-only command, over mTLS Socket.IO", "key": "ack",
                    "this": ack(this), "old": cell(old, "ack", ack), "ratio": r,
                    "target": "≤ 0.8 / 1.5 ms (aim ≤ 0.6 / 1.2)", "met": yn(a50 <= 0.8 and a99 <= 1.5),
                    "runs": runs, "median": f"{a50:.3f} ms", "p99": f"{a99:.3f} ms"})
    if this["pss_n"] is not None:
        n = this["top"]["running"]
        met = yn(this["pss_n"] <= 1.5 * this["pss"]) if n >= 50 else f"– (N = {n}: smoke)"
        out.append({"figure": f"PSS, agent + sidecar, with {n} running vPLCs", "key": "pss_n",
                    "this": pss_n(this), "old": cell(old, "pss_n", pss_n), "ratio": ratio(this["pss_n"], old["pss_n"]),
                    "target": "≤ 1.5 × idle (aim: flat) at N = 50", "met": met,
                    "runs": this["top"]["samples"], "median": f"{this['pss_n']:.1f} MiB"})
    return out


def mib(kb: float) -> str:
    return f"{kb / 1024:.1f}"


def breakdown(w, title: str, snap: dict) -> None:
    """Where one process's PSS goes: the rollup's totals, the largest mappings, its threads."""
    r = snap["rollup"]
    w(f"**{title}**: PSS {mib(r['Pss'])} MiB = Pss_File {mib(r.get('Pss_File', 0))} + Pss_Anon "
      f"{mib(r.get('Pss_Anon', 0))} + Pss_Shmem {mib(r.get('Pss_Shmem', 0))}; Private_Dirty "
      f"{mib(r.get('Private_Dirty', 0))}, RSS {mib(r['Rss'])} MiB (smaps_rollup).")
    w("")
    w("| mapping | PSS MiB | Pss_File | Pss_Anon | Private_Dirty |")
    w("|---|---|---|---|---|")
    maps = snap["mappings"]
    for m in maps[:TOP]:
        name = Path(m["name"]).name if m["name"].startswith("/") else m["name"]
        w(f"| `{name}` | {mib(m['pss'])} | {mib(m['file'])} | {mib(m['anon'])} | {mib(m['dirty'])} |")
    rest = maps[TOP:]
    if rest:
        w(f"| {len(rest)} other mapping{'s' if len(rest) > 1 else ''} | {mib(sum(m['pss'] for m in rest))} | {mib(sum(m['file'] for m in rest))} | "
          f"{mib(sum(m['anon'] for m in rest))} | {mib(sum(m['dirty'] for m in rest))} |")
    names = collections.Counter(snap["threads"])
    w("")
    w(f"Threads ({len(snap['threads'])}; Linux keeps 15 bytes of a name): " + ", ".join(f"`{k}`" + (f" ×{v}" if v > 1 else "")
                                                       for k, v in sorted(names.items())) + ".")
    w("")


def main() -> int:
    ap = argparse.ArgumentParser()
    for option in ("--this", "--old", "--this-name", "--old-name"):
        ap.add_argument(option, required=True)
    ap.add_argument("--old-skipped", default="")
    a = ap.parse_args()
    this, old = load(Path(a.this)), load(Path(a.old))
    figs = figures(this, old)
    out: list[str] = []
    w = out.append
    w(f"This build: {a.this_name}. Old layout: {a.old_name}"
      + (f" — **not measured**: {a.old_skipped}" if a.old_skipped else "") + ".")
    w("")
    w("| figure | this build | old layout | ratio (this ÷ old) | target (issue 20's must) | met |")
    w("|---|---|---|---|---|---|")
    for f in figs:
        w(f"| {f['figure']} | {f['this']} | {f['old']} | {f['ratio']} | {f['target']} | {f['met']} |")
    missing = [k for k, label in (("pss", "idle PSS"), ("size", "installed size"), ("threads", "threads"),
                                  ("ack", "ack round trip"), ("pss_n", "PSS with vPLCs")) if this[k] is None]
    if missing:
        w("")
        w(f"**Not measured on this build** (an area script failed; see the log): {', '.join(missing)}.")
    w("")
    w("PSS per mapping at idle (N = 0, connected), from /proc/PID/smaps summed per mapping name, at the "
      "sample where the agent's PSS is its median (the sidecar at that same moment); per "
      "mapping, Pss_Anon is its anonymous (copy-on-write, heap, stack) pages — private, so their PSS is "
      "their RSS — and Pss_File the rest. `[anon]` is unnamed anonymous memory (malloc arenas, thread "
      "stacks). Shared libraries' PSS depends on what else maps them on the machine.")
    w("")
    for name, b in (("this build", this), ("old layout", old)):
        if b["idle"]:
            breakdown(w, f"{name}, agent", b["idle"]["agent"])
            breakdown(w, f"{name}, sidecar", b["idle"]["netmon"])
    print("\n".join(out).rstrip(), flush=True)
    write_rows([(f"{f['figure']} (old layout: {f['old']}; this ÷ old {f['ratio']})" if f["old"] != "–"
                  else f"{f['figure']} (old layout not measured)", f["runs"], f["median"],
                 f.get("p99", "–"), f["target"], f["met"]) for f in figs])
    return 0


if __name__ == "__main__":
    sys.exit(main())
