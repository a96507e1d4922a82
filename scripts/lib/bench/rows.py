"""The report's rows for scripts/bench (stdlib only; imported by the areas' Python helpers)."""

from __future__ import annotations

import os


def write_rows(rows: list[tuple]) -> None:
    """Appends the table's rows (figure, runs, median, p99, target, met) to $BENCH_ROWS, one
    tab-separated line each, for scripts/bench's summary; nothing without BENCH_ROWS."""
    if os.environ.get("BENCH_ROWS"):
        with open(os.environ["BENCH_ROWS"], "a") as f:
            for r in rows:
                f.write("\t".join(str(x).replace("\t", " ") for x in r) + "\n")
