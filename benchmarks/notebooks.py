"""Notebook suite: the whole nbval run of ``notebooks/``, beside a baseline of trivial notebooks.

Every run is the same ``pytest --nbval`` command on copies in a temporary folder:

- the suite as CI runs it: the notebooks with ``-p tutorflow_nb.pytest_worlds`` (one
  ``tutorflow-nb worlds`` service, a fresh mock world per notebook at x50);
- the baseline: as many notebooks with as many cells, each cell ``1 + 1``: what kernels and
  nbval cost by themselves;
- (full size only) the notebooks without the plugin: each kernel starts its own mock at x10,
  as in a person's ``jupyter lab``.

    python benchmarks/notebooks.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
QUICK = ("01-quickstart.ipynb", "04-estimating-lesson-costs.ipynb")


def nbval(folder: Path, *, worlds: bool = False) -> tuple[float, int]:
    """Wall seconds of one ``pytest --nbval`` run on ``folder`` (with the worlds plugin or not), and cells passed."""
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
            *(["-p", "tutorflow_nb.pytest_worlds"] if worlds else []),
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


def _copy(names: list[str], folder: Path, *, trivial: bool = False) -> Path:
    folder.mkdir()
    for name in names:
        if not trivial:
            shutil.copy(NOTEBOOKS / name, folder / name)
            continue
        cells = sum(cell.cell_type == "code" for cell in nbformat.read(NOTEBOOKS / name, as_version=4).cells)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1") for _ in range(cells)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nbformat.write(nb, folder / name)
    return folder


def run(names: list[str], *, in_kernel: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tf-nb-bench-") as tmp:
        base_s, _ = nbval(_copy(names, Path(tmp, "trivial"), trivial=True))
        suite_s, cells = nbval(_copy(names, Path(tmp, "notebooks")), worlds=True)
        own_s = nbval(_copy(names, Path(tmp, "own-mocks")))[0] if in_kernel else math.nan
    return {
        "notebooks": len(names),
        "cells": cells,
        "suite_s": suite_s,
        "baseline_s": base_s,
        "ratio": suite_s / base_s,
        "own_s": own_s,
        "own_ratio": own_s / base_s,
    }


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    args = parser.parse_args(argv)
    names = list(QUICK) if args.quick else sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    r = run(names, in_kernel=not args.quick)
    print(
        f"notebook suite: {r['notebooks']} notebooks, {r['cells']} cells under nbval in {r['suite_s']:.1f} s "
        f"(a fresh world each, x50); as many trivial cells {r['baseline_s']:.1f} s: ratio {r['ratio']:.2f}"
    )
    rows = [
        (
            "notebook suite (as CI runs it) / trivial cells",
            f"{r['ratio']:.2f}",
            "2",
            f"{r['suite_s']:.1f} s vs {r['baseline_s']:.1f} s, {r['notebooks']} notebooks, {r['cells']} cells",
        )
    ]
    if not args.quick:
        print(f"  each kernel starting its own mock at x10: {r['own_s']:.1f} s: ratio {r['own_ratio']:.2f}")
        rows.append(
            (
                "notebook suite, each kernel its own mock at x10 / trivial cells",
                f"{r['own_ratio']:.2f}",
                "(reported)",
                f"{r['own_s']:.1f} s vs {r['baseline_s']:.1f} s",
            )
        )
    return rows


if __name__ == "__main__":
    main()
