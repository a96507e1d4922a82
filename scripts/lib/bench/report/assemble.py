#!/usr/bin/env python3
"""Assembles docs/benchmarks.md from the template and the fragments scripts/bench collected.

    assemble.py --template scripts/lib/bench/report/template.md --fragments DIR --out FILE

DIR holds, per area ID (core, cloud, link, vplc, podman, network, netmon, fleet, sizes, footprint):
  ID.md    the sub-script's stdout (Markdown)
  ID.tsv   its rows: figure, runs, median, p99, target, met (tab-separated; may be missing)
  ID.meta  JSON: {"command", "rc", "seconds", "load_start", "load_end", "builds_running"}
and machine.json (the machine facts). The template's placeholders:
  {{machine}}       the machine table
  {{targets}}       every row that has a target, from all areas, next to it
  {{area ID}}       the area's status line, its table of rows and its raw output (folded);
                    an area without rows, or in OWN_TABLE, shows its output as is
  {{generated}}     date and command line of the run
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

TITLES = {
    "core": "Core", "cloud": "Cloud link", "link": "Reconnect and stop", "vplc": "vPLCs", "podman": "vPLCs on Podman", "network": "Host network",
    "netmon": "netmon sidecar", "fleet": "Fleet: memory with N vPLCs, local door, metrics", "sizes": "Sizes",
    "footprint": "Footprint vs the old layout",
}
# Areas whose output is itself the table to read (shown as is; their rows go to the targets table only).
OWN_TABLE = {"footprint"}


def rows_of(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        f = line.split("\t")
        if len(f) == 6:
            out.append(f)
    return out


def table(rows: list[list[str]]) -> str:
    lines = ["| figure | runs | median | p99 | target | met |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def meta_of(frag: Path, area: str) -> dict:
    p = frag / f"{area}.meta"
    return json.loads(p.read_text()) if p.exists() else {}


def status_line(m: dict) -> str:
    if not m:
        return "_Not run._"
    s = (f"`{m['command']}` — {m['seconds']:.0f} s; load average (and runnable/total tasks) at start {m['load_start']}, "
         f"at end {m['load_end']}; compiler and swift-test processes of others at start: {m['builds_running']}.")
    if m.get("rc", 0) != 0:
        s += f" **Failed with exit {m['rc']}** (last lines of its log below)."
    return s


def area(frag: Path, area_id: str) -> str:
    m = meta_of(frag, area_id)
    rows = rows_of(frag / f"{area_id}.tsv")
    raw = (frag / f"{area_id}.md").read_text().strip() if (frag / f"{area_id}.md").exists() else ""
    parts = [status_line(m), ""]
    if rows and area_id not in OWN_TABLE:
        parts += [table(rows), ""]
        if raw:
            # Headings inside the sub-script's output would break the page's outline.
            raw = re.sub(r"(?m)^#+ +(.*)$", r"**\1**", raw)
            parts += ["<details><summary>Full output of the script</summary>", "", raw, "", "</details>", ""]
    elif raw:
        parts += [raw, ""]
    if m.get("rc", 0) != 0 and (frag / f"{area_id}.log").exists():
        tail = (frag / f"{area_id}.log").read_text().splitlines()[-15:]
        parts += ["```", *tail, "```", ""]
    return "\n".join(parts).rstrip() + "\n"


def targets(frag: Path, areas: list[str]) -> str:
    lines = ["| area | figure | median | p99 | target | met |", "|---|---|---|---|---|---|"]
    for a in areas:
        for r in rows_of(frag / f"{a}.tsv"):
            if r[4] not in ("–", "-", "", "baseline"):
                lines.append(f"| {TITLES.get(a, a)} | {r[0]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} |")
    return "\n".join(lines)


def machine(frag: Path) -> str:
    m = json.loads((frag / "machine.json").read_text())
    lines = ["| | |", "|---|---|"]
    for k, v in m.items():
        lines.append(f"| {k} | {v} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--template", required=True)
    ap.add_argument("--fragments", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--generated", default="")
    a = ap.parse_args()
    frag = Path(a.fragments)
    text = Path(a.template).read_text()
    areas = re.findall(r"\{\{area (\w+)\}\}", text)
    text = text.replace("{{machine}}", machine(frag))
    text = text.replace("{{targets}}", targets(frag, areas))
    text = text.replace("{{generated}}", a.generated)
    for area_id in areas:
        text = text.replace("{{area %s}}" % area_id, area(frag, area_id).rstrip())
    Path(a.out).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
