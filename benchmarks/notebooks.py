"""Notebook suite: the whole nbval run of ``notebooks/``, beside a baseline of trivial notebooks.

Every run is the same ``pytest --nbval`` command on copies in a temporary folder:

- the suite as CI runs it: the notebooks with ``-p tutorflow_nb.pytest_worlds`` (one
  ``tutorflow-nb worlds`` service, a fresh mock world per notebook at x50);
- the baseline: as many notebooks with as many cells, each cell ``1 + 1``: what kernels and
  nbval cost by themselves;
- (full size only) the notebooks without the plugin: each kernel starts its own mock at x10,
  as in a person's ``jupyter lab``; a last cell, added to each, notes which of the libraries
  the notebooks show their results with (``LIBRARIES``) its kernel loaded;
- (full size only) the baseline again, each notebook's first cell importing those libraries:
  what kernels, nbval and the notebooks' own libraries cost by themselves.

    python benchmarks/notebooks.py [--quick] [--rounds N]

The suite and its baseline run in pairs (three rounds by default) and the medians are kept:
one run of each varies by about 5% on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LIBRARIES = ("pandas", "matplotlib.pyplot", "ipywidgets")
"""Third-party libraries the notebooks show their results with (frames, plots, widgets)."""
KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
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


def _copy(
    names: list[str],
    folder: Path,
    *,
    trivial: bool = False,
    probe: Path | None = None,
    first: dict[str, list[str]] | None = None,
) -> Path:
    """Copies of ``names`` in ``folder``: as they are (with a last cell writing the libraries loaded to
    ``probe``), or ``trivial`` (every cell ``1 + 1``, the first importing ``first[name]``)."""
    folder.mkdir()
    for name in names:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        if trivial:
            cells = sum(cell.cell_type == "code" for cell in nb.cells)
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1") for _ in range(cells)])
            nb.metadata["kernelspec"] = KERNEL
            if first and first.get(name):
                nb.cells[0].source = f"import {', '.join(first[name])}\n1 + 1"
        elif probe is not None:
            loaded = f"[m for m in {LIBRARIES!r} if m in sys.modules]"
            line = f"json.dumps({{{name!r}: {loaded}}}) + '\\n'"
            write = f"import json, sys\nwith open({str(probe)!r}, 'a') as f:\n    f.write({line})"
            nb.cells.append(nbformat.v4.new_code_cell(write))
        nbformat.write(nb, folder / name)
    return folder


def _loaded(probe: Path) -> dict[str, list[str]]:
    """What each notebook's kernel loaded of ``LIBRARIES``, as the probe cells wrote it."""
    return {name: libraries for line in probe.read_text().splitlines() for name, libraries in json.loads(line).items()}


def run(names: list[str], *, full: bool = False, rounds: int = 1) -> dict[str, Any]:
    """``rounds`` pairs of (baseline, suite) runs, one after the other; the other runs once (``full``)."""
    base, suite, ratios = [], [], []
    with tempfile.TemporaryDirectory(prefix="tf-nb-bench-") as tmp:
        for n in range(rounds):
            base_s, _ = nbval(_copy(names, Path(tmp, f"trivial-{n}"), trivial=True))
            suite_s, cells = nbval(_copy(names, Path(tmp, f"notebooks-{n}")), worlds=True)
            base.append(base_s)
            suite.append(suite_s)
            ratios.append(suite_s / base_s)
        own_s, libs_s, loaded = math.nan, math.nan, {}
        if full:
            probe = Path(tmp, "loaded.jsonl")
            own_s = nbval(_copy(names, Path(tmp, "own-mocks"), probe=probe))[0]
            loaded = _loaded(probe)
            libs_s = nbval(_copy(names, Path(tmp, "trivial-with-libraries"), trivial=True, first=loaded))[0]
    base_s, suite_s = statistics.median(base), statistics.median(suite)
    return {
        "notebooks": len(names),
        "cells": cells,
        "suite_s": suite_s,
        "baseline_s": base_s,
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "own_s": own_s,
        "own_ratio": own_s / base_s,
        "libs_s": libs_s,
        "libs_ratio": suite_s / libs_s,
        "loaded": loaded,
    }


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}, one round")
    parser.add_argument(
        "--rounds", type=int, default=None, help="pairs of (trivial cells, suite) runs, the median kept (default 3)"
    )
    args = parser.parse_args(argv)
    names = list(QUICK) if args.quick else sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    rounds = args.rounds or (1 if args.quick else 3)
    r = run(names, full=not args.quick, rounds=rounds)
    spread = f", {min(r['ratios']):.2f}-{max(r['ratios']):.2f} over {rounds} rounds" if rounds > 1 else ""
    print(
        f"notebook suite: {r['notebooks']} notebooks, {r['cells']} cells under nbval in {r['suite_s']:.1f} s "
        f"(a fresh world each, x50); as many trivial cells {r['baseline_s']:.1f} s: ratio {r['ratio']:.2f}{spread}"
    )
    rows = [
        (
            "notebook suite (as CI runs it) / trivial cells",
            f"{r['ratio']:.2f}",
            "2",
            (
                f"{r['suite_s']:.1f} s vs {r['baseline_s']:.1f} s (medians{spread}), "
                f"{r['notebooks']} notebooks, {r['cells']} cells"
            ),
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
        uses = sorted({lib for libs in r["loaded"].values() for lib in libs})
        counts = ", ".join(f"{lib} in {sum(lib in libs for libs in r['loaded'].values())}" for lib in uses)
        print(
            f"  trivial cells, each notebook's first importing the libraries its kernel loaded ({counts}): "
            f"{r['libs_s']:.1f} s: suite ratio {r['libs_ratio']:.2f}"
        )
        rows.append(
            (
                "notebook suite (as CI runs it) / trivial cells importing the notebooks' own libraries",
                f"{r['libs_ratio']:.2f}",
                "(reported)",
                f"{r['suite_s']:.1f} s vs {r['libs_s']:.1f} s; {counts} of {r['notebooks']} notebooks",
            )
        )
    return rows


if __name__ == "__main__":
    main()
