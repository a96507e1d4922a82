"""Where a process's memory and threads go, from /proc (stdlib only; imported by the benchmarks'
measure.py files and scripts/lib/bench/footprint/report.py).

- rollup(pid): /proc/PID/smaps_rollup in kB (Rss, Pss, Pss_Anon, Pss_File, Private_Dirty, …).
- mappings(pid): /proc/PID/smaps summed per mapping name (a library's path, [heap], [stack],
  [anon] for unnamed anonymous memory), largest Pss first. The kernel gives Pss_Anon/Pss_File only
  for the whole process; per mapping, "anon" is its Anonymous kB (copy-on-write pages of a library,
  heap, stacks: private to the process, so their PSS is their RSS) and "file" is Pss − anon.
- thread_names(pid): /proc/PID/task/*/comm, one per thread.
- snapshot(pid): the three together, as JSON-ready data.
"""

from __future__ import annotations

import os
from pathlib import Path


def rollup(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        k, v = line.split(":", 1)
        out[k] = int(v.split()[0])  # kB
    return out


def mappings(pid: int) -> list[dict]:
    sums: dict[str, dict] = {}
    cur: dict = {}
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and not parts[0].endswith(":"):
            name = parts[5] if len(parts) > 5 else "[anon]"
            cur = sums.setdefault(name, {"name": name, "pss": 0, "anon": 0, "dirty": 0})
        elif parts and parts[0] in ("Pss:", "Anonymous:", "Private_Dirty:"):
            cur[{"Pss:": "pss", "Anonymous:": "anon", "Private_Dirty:": "dirty"}[parts[0]]] += int(parts[1])
    for m in sums.values():
        m["anon"] = min(m["anon"], m["pss"])
        m["file"] = m["pss"] - m["anon"]
    return sorted(sums.values(), key=lambda m: -m["pss"])


def thread_names(pid: int) -> list[str]:
    names = []
    for t in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
        try:
            names.append(Path(f"/proc/{pid}/task/{t}/comm").read_text().strip())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return names


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def snapshot(pid: int) -> dict:
    return {"rollup": rollup(pid), "mappings": mappings(pid), "threads": thread_names(pid)}
