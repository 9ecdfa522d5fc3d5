"""Frames benchmark: the lessons frame for many fifty-lesson courses, beside ``pandas.json_normalize``.

Both build one row per lesson with the course's id, course id and title, from the same
raw documented course dicts, in the same process; the best of ``repeat`` runs counts.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import pandas as pd

from tutorflow_nb import frames

TYPES = [
    "ai-tutor",
    "coding-lesson",
    "coding-test",
    "chat-ai",
    "reading-comprehension",
    "exam",
    "flashcard",
    "markdown",
]


def make_courses(n: int, per: int = 50) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        share = f"share{i:08d}"
        chapters = [
            {"title": f"Chapter {c}", "sequence": c, "lessonCount": 5, "slug": f"chapter-{c}-{i:06x}"}
            for c in range(1, per // 5 + 1)
        ]
        lessons = [
            {
                "title": f"Lesson {k}",
                "type": TYPES[k % 8],
                "sequence": k,
                "chapterTitle": f"Chapter {(k - 1) // 5 + 1}",
                "chapterSlug": f"chapter-{(k - 1) // 5 + 1}",
                "lessonSlug": f"lesson-{k}-{i:06x}",
                "lessonUrl": f"https://tutorflow.io/en/platform/courses/{share}/lessons/{k}",
            }
            for k in range(1, per + 1)
        ]
        out.append(
            {
                "id": f"req-{i}",
                "status": "COMPLETED",
                "courseId": f"course-{i}",
                "title": f"Course {i}",
                "lessonCount": per,
                "chapters": chapters,
                "lessons": lessons,
                "createdAt": "2026-03-24T10:32:15.108Z",
                "completedAt": "2026-03-24T10:32:37.671Z",
            }
        )
    return out


def best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def run(n: int, repeat: int) -> dict[str, Any]:
    data = make_courses(n)
    ours, frame = best(lambda: frames.lessons(data), repeat)
    theirs, normal = best(
        lambda: pd.json_normalize(data, record_path="lessons", meta=["id", "courseId", "title"], meta_prefix="course."),
        repeat,
    )
    assert len(frame) == len(normal) == n * 50
    return {
        "courses": n,
        "rows": len(frame),
        "tutorflow_nb_s": ours,
        "json_normalize_s": theirs,
        "ratio": ours / theirs,
    }


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.courses, args.repeat = 1_000, 1
    r = run(args.courses, args.repeat)
    print(
        f"frames: lessons frame of {r['courses']} fifty-lesson courses ({r['rows']} rows)\n"
        f"  tutorflow_nb.frames.lessons  {r['tutorflow_nb_s']:.3f} s (typed columns)\n"
        f"  pandas.json_normalize        {r['json_normalize_s']:.3f} s (untyped)\n"
        f"  ratio                        {r['ratio']:.2f}  (below 1 is faster)"
    )
    return [
        (
            "frames: lessons frame / json_normalize",
            f"{r['ratio']:.2f}",
            "< 1",
            f"{r['courses']} courses: {r['tutorflow_nb_s']:.2f} s vs {r['json_normalize_s']:.2f} s",
        )
    ]


if __name__ == "__main__":
    main()
