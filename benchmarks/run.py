"""Run every benchmark and print one table: ``python benchmarks/run.py [--quick]``.

Each benchmark measures ratios side by side in one run; ``--quick`` is the small size CI
runs so the benchmarks cannot rot.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import batch  # noqa: E402
import frames  # noqa: E402
import overhead  # noqa: E402
import startup  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args(argv)
    flag = ["--quick"] if args.quick else []
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{__import__('os').cpu_count()} cores\n")
    batch.main(flag)
    print()
    frames.main(flag)
    print()
    overhead.main(flag)
    print()
    startup.main(flag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
