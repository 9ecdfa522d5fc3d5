"""A batch process for the crash test: runs a fixed batch with a store until done (or killed)."""

from __future__ import annotations

import sys

from tutorflow_nb import ContentClient, ManifestStore


def requests(n: int) -> list[tuple[str, dict]]:
    return [
        (
            f"crash:{i}",
            {
                "requestedOutputs": ["interactive_module", "summary_video", "expanded_quiz"],
                "payload": {
                    "category": {"id": "crash", "title": "Crash"},
                    "language": "en",
                    "level": {
                        "id": f"level-{i}",
                        "title": f"Level {i}",
                        "lessons": [
                            {
                                "id": "l1",
                                "type": "vocabulary",
                                "title": "Words",
                                "items": [{"term": f"t{i}", "meaning": "m"}],
                            }
                        ],
                    },
                },
            },
        )
        for i in range(n)
    ]


if __name__ == "__main__":
    base_url, key, db, n, speed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    with ContentClient(base_url, key, poll_interval=(2 / speed, 5 / speed)) as client, ManifestStore(db) as store:
        batch = client.expansions.run_batch(requests(n), store=store)
    print(repr(batch))
    sys.exit(0 if all(item.status == "completed" for item in batch) else 1)
