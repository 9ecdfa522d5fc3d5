"""Start-up, in fresh interpreters (best of N, the interpreter's own start subtracted), beside ``import pandas``:

- ``import tutorflow_nb`` (target <= 1.2x pandas);
- ``connect()`` to the first answer with the mock started beside the kernel, as ``tutorflow-nb lab``,
  ``tutorflow-nb app`` and Binder's ``start`` do (target < 0.4 s);
- ``connect()`` to the first answer with the mock started inside the kernel (plain ``jupyter lab``, nbval):
  FastAPI, uvicorn and the mock's routes load in that kernel first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from tutorflow_nb.mock import MockServer

CONNECT = (  # timed from the snippet's first line to the first answer: closing and exiting are not start-up
    "import time; t = time.perf_counter(); import tutorflow_nb as tf; s = tf.connect(quiet=True); "
    "s.content.classrooms(); print(time.perf_counter() - t); s.close()"
)
SNIPPETS = {
    "python": "pass",
    "import pandas": "import pandas",
    "import tutorflow_nb": "import tutorflow_nb",
}


def best(code: str, runs: int, env: dict[str, str] | None = None) -> float:
    """Wall seconds of a fresh interpreter running ``code``, best of ``runs``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def best_timed(code: str, runs: int, env: dict[str, str] | None = None) -> float:
    """The seconds ``code`` prints as its last line (it times itself), best of ``runs``."""
    return min(
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
              .stdout.strip().splitlines()[-1])
        for _ in range(runs)
    )  # fmt: skip


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 7
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")}
    t = {name: best(code, runs, clean) for name, code in SNIPPETS.items()}
    inside = best_timed(CONNECT, runs, clean)
    with MockServer(speed=10) as beside:
        assert beside.demo is not None
        env = {
            **clean,
            **beside.demo.variables(beside.base_url),
            "TUTORFLOW_MOCK": "1",
        }
        near = best_timed(CONNECT, runs, env)
    base = t["python"]
    pandas = t["import pandas"] - base
    ours = t["import tutorflow_nb"] - base
    print(
        f"start-up (best of {runs}, interpreter start {base * 1000:.0f} ms subtracted): import pandas "
        f"{pandas * 1000:.0f} ms; import tutorflow_nb {ours * 1000:.0f} ms ({ours / pandas:.2f}x); connect() to the "
        f"first answer, mock beside {near:.2f} s ({near / pandas:.2f}x), mock inside the kernel {inside:.2f} s "
        f"({inside / pandas:.2f}x)"
    )
    return [
        (
            "start-up: import tutorflow_nb / import pandas",
            f"{ours / pandas:.2f}",
            "<= 1.2",
            f"{ours * 1000:.0f} ms vs {pandas * 1000:.0f} ms",
        ),
        (
            "start-up: connect() to first answer, mock beside (lab, app, Binder) / import pandas",
            f"{near / pandas:.2f}",
            "< 0.4 s",
            f"{near:.2f} s",
        ),
        (
            "start-up: connect() to first answer, mock inside the kernel / import pandas",
            f"{inside / pandas:.2f}",
            "(reported)",
            f"{inside:.2f} s: FastAPI, uvicorn and the mock's routes load first",
        ),
    ]


if __name__ == "__main__":
    main()
