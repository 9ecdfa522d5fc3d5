"""Run every benchmark and print one table: ``python benchmarks/run.py [--quick]``.

Each benchmark measures ratios side by side in one run; ``--quick`` is the small size CI
runs so the benchmarks cannot rot. The run ends with a summary table in Markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import batch
import frames
import overhead
import startup
import store_batch

import notebooks

BENCHMARKS = (batch, store_batch, overhead, frames, startup, notebooks)


def summary(rows: list[tuple[str, str, str, str]]) -> str:
    """The rows as a Markdown table (what the README shows)."""
    lines = ["| benchmark | measured, side by side | target | detail |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args(argv)
    flag = ["--quick"] if args.quick else []
    machine = (
        f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores"
    )
    print(f"machine: {machine}\n")
    rows: list[tuple[str, str, str, str]] = []
    for bench in BENCHMARKS:
        rows += bench.main(flag)
        print()
    print(f"summary ({'quick' if args.quick else 'full'} run; {machine}):\n")
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
