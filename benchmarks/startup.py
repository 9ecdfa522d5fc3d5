"""Start-up: ``import tutorflow_nb`` beside ``import pandas`` (fresh interpreters, best of N;
target <= 1.2), and ``connect()`` to the first answer with the embedded mock."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

SNIPPETS = {
    "python": "pass",
    "import pandas": "import pandas",
    "import tutorflow_nb": "import tutorflow_nb",
    "connect() + first answer": "import tutorflow_nb as tf; s = tf.connect(quiet=True); s.content.classrooms(); "
    "s.close()",
}


def best(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 7
    t = {name: best(code, runs) for name, code in SNIPPETS.items()}
    base = t["python"]
    ours, pandas = t["import tutorflow_nb"] - base, t["import pandas"] - base
    print(
        f"start-up (best of {runs}, interpreter start {base * 1000:.0f} ms subtracted): import tutorflow_nb "
        f"{ours * 1000:.0f} ms, import pandas {pandas * 1000:.0f} ms: ratio {ours / pandas:.2f} (target <= 1.2); "
        f"connect() to first answer with the embedded mock {(t['connect() + first answer'] - base):.2f} s"
    )
    return [
        (
            "start-up: import tutorflow_nb / import pandas",
            f"{ours / pandas:.2f}",
            "<= 1.2",
            (
                f"{ours * 1000:.0f} ms vs {pandas * 1000:.0f} ms; connect() to first answer "
                f"{(t['connect() + first answer'] - base):.2f} s"
            ),
        )
    ]


if __name__ == "__main__":
    main()
