"""Notebook suite: the whole nbval run of ``notebooks/``, beside a baseline of empty notebooks.

Both runs are the same ``pytest --nbval`` command on copies in a temporary folder: the
notebooks, and as many one-cell notebooks (``1 + 1``). The baseline is what kernels and
nbval cost by themselves; the ratio is what the notebooks add to it.

    python benchmarks/notebooks.py [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
QUICK = ("01-quickstart.ipynb", "04-estimating-lesson-costs.ipynb")


def nbval(folder: Path) -> tuple[float, int]:
    """Wall seconds of one ``pytest --nbval`` run on ``folder``, and the cells it passed."""
    (folder / "pytest.ini").write_text("[pytest]\n")
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-c",
            str(folder / "pytest.ini"),
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-sanitize-with",
            str(NOTEBOOKS / "sanitize.cfg"),
            str(folder),
        ],
        cwd=folder,
        check=False,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"nbval failed in {folder}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    summary = done.stdout.strip().splitlines()[-1]
    return seconds, int(summary.split(" passed")[0].split()[-1])


def run(names: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tf-nb-bench-") as tmp:
        real, empty = Path(tmp, "notebooks"), Path(tmp, "empty")
        real.mkdir(), empty.mkdir()
        for name in names:
            shutil.copy(NOTEBOOKS / name, real / name)
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
            nb.metadata["kernelspec"] = {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            }
            nbformat.write(nb, empty / name)
        base_s, _ = nbval(empty)
        suite_s, cells = nbval(real)
    return {
        "notebooks": len(names),
        "cells": cells,
        "suite_s": suite_s,
        "baseline_s": base_s,
        "ratio": suite_s / base_s,
    }


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    args = parser.parse_args(argv)
    names = list(QUICK) if args.quick else sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    r = run(names)
    print(
        f"notebook suite: {r['notebooks']} notebooks, {r['cells']} cells under nbval in {r['suite_s']:.1f} s; "
        f"{r['notebooks']} one-cell notebooks {r['baseline_s']:.1f} s: ratio {r['ratio']:.2f}"
    )
    return [
        (
            "notebook suite / one-cell notebooks",
            f"{r['ratio']:.2f}",
            "(reported)",
            f"{r['suite_s']:.1f} s vs {r['baseline_s']:.1f} s, {r['notebooks']} notebooks, {r['cells']} cells",
        )
    ]


if __name__ == "__main__":
    main()
