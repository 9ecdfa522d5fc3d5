"""The manifest store: what the runbook says to keep, in one SQLite file, so batches resume.

For every item of a batch it keeps the caller's external id (``sourceContentId``), the
``Idempotency-Key``, the job id, the classroom id, the key prefix (never the key), the
status and the result; for every output, ``outputs[].resourceId`` and
``outputs[].manifest`` in the documents' manifest storage shape. The item is written
*before* its create is sent and again when the create answers, so after a crash or a
kernel restart the same batch skips what is complete, re-attaches to jobs in flight and
creates only what was never accepted, with the same idempotency keys.

    >>> store = ManifestStore("tutorflow.sqlite")                      # doctest: +SKIP
    >>> s.content.expansions.run_batch(requests, store=store)          # doctest: +SKIP
    >>> store.outputs()                                                # doctest: +SKIP

SQLite in WAL mode, one short transaction per write, a busy timeout: two notebooks can
write the same file at once without corrupting it or losing rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from . import frames

__all__ = ["ManifestStore"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    kind             TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    source_content_id TEXT,
    external_id      TEXT,
    request          TEXT NOT NULL,
    job_id           TEXT,
    status           TEXT NOT NULL,
    classroom_id     TEXT,
    key_prefix       TEXT,
    result           TEXT,
    error            TEXT,
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    PRIMARY KEY (kind, idempotency_key)
);
CREATE TABLE IF NOT EXISTS outputs (
    tutorflow_job_id  TEXT NOT NULL,
    output_type       TEXT NOT NULL,
    source_content_id TEXT,
    status            TEXT,
    resource_type     TEXT,
    resource_id       TEXT,
    manifest          TEXT,
    classroom_id      TEXT,
    key_prefix        TEXT,
    idempotency_key   TEXT,
    PRIMARY KEY (tutorflow_job_id, output_type)
);
"""


class ManifestStore:
    """One SQLite file (default ``tutorflow.sqlite`` beside the notebook)."""

    def __init__(self, path: str | Path = "tutorflow.sqlite", *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        with self._write() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    def __repr__(self) -> str:
        return f"<ManifestStore {self.path} items={self.count()}>"

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ManifestStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------ writing (the batch calls these)

    def get(self, kind: str, idempotency_key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM items WHERE kind=? AND idempotency_key=?", (kind, idempotency_key)
            ).fetchone()
            names = [d[0] for d in self._db.execute("SELECT * FROM items LIMIT 0").description]
        return dict(zip(names, row, strict=True)) if row else None

    def intend(
        self,
        kind: str,
        idempotency_key: str,
        request: dict[str, Any],
        *,
        source_content_id: str | None,
        external_id: str | None,
        key_prefix: str | None,
    ) -> None:
        """Record an item before its create is sent (kept as it is if already there)."""
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO items (kind, idempotency_key, source_content_id, external_id, request, status, "
                "key_prefix, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(kind, idempotency_key) DO NOTHING",
                (
                    kind,
                    idempotency_key,
                    source_content_id,
                    external_id,
                    json.dumps(request, sort_keys=True),
                    "pending",
                    key_prefix,
                    now,
                    now,
                ),
            )

    def accepted(
        self, kind: str, idempotency_key: str, job_id: str, status: str, classroom_id: str | None = None
    ) -> None:
        """The create answered: the job exists on the server."""
        with self._write() as db:
            db.execute(
                "UPDATE items SET job_id=?, status=CASE WHEN status IN ('completed','failed') THEN status "
                "ELSE ? END, classroom_id=COALESCE(?, classroom_id), updated_at=? "
                "WHERE kind=? AND idempotency_key=?",
                (job_id, status, classroom_id, time.time(), kind, idempotency_key),
            )

    def finished(
        self, kind: str, idempotency_key: str, status: str, result: dict[str, Any] | None, error: str | None = None
    ) -> None:
        """A result arrived (or the create was refused): the item is done; its outputs are stored."""
        with self._write() as db:
            row = db.execute(
                "SELECT source_content_id, classroom_id, key_prefix, job_id FROM items "
                "WHERE kind=? AND idempotency_key=?",
                (kind, idempotency_key),
            ).fetchone()
            source, classroom, prefix, job_id = row if row else (None, None, None, None)
            job = (result or {}).get("job") or {}
            job_id = job.get("id") or (result or {}).get("id") or job_id
            classroom = job.get("classroomId") or classroom
            db.execute(
                "UPDATE items SET status=?, result=?, error=?, job_id=COALESCE(?, job_id), "
                "classroom_id=COALESCE(?, classroom_id), updated_at=? WHERE kind=? AND idempotency_key=?",
                (
                    status,
                    json.dumps(result) if result is not None else None,
                    error,
                    job_id,
                    classroom,
                    time.time(),
                    kind,
                    idempotency_key,
                ),
            )
            for out in (result or {}).get("outputs") or []:
                db.execute(
                    "INSERT INTO outputs VALUES (?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(tutorflow_job_id, output_type) DO UPDATE SET status=excluded.status, "
                    "resource_id=excluded.resource_id, manifest=excluded.manifest",
                    (
                        job_id,
                        out.get("outputType"),
                        source,
                        out.get("status"),
                        out.get("resourceType"),
                        out.get("resourceId"),
                        json.dumps(out.get("manifest") or {}),
                        classroom,
                        prefix,
                        idempotency_key,
                    ),
                )

    # ------------------------------------------------------------ reading

    def count(self, status: str | None = None) -> int:
        with self._lock:
            if status is None:
                return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])
            return int(self._db.execute("SELECT COUNT(*) FROM items WHERE status=?", (status,)).fetchone()[0])

    def _query(self, sql: str) -> pd.DataFrame:
        with self._lock:
            cursor = self._db.execute(sql)
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        return pd.DataFrame(rows, columns=names)

    def items(self) -> pd.DataFrame:
        """Every item: kind, keys, ids, status, timestamps (the request and result as JSON text)."""
        frame = self._query("SELECT * FROM items ORDER BY created_at, rowid")
        for col in ("created_at", "updated_at"):
            frame[col] = pd.to_datetime(frame[col], unit="s", utc=True)
        for col in ("kind", "status"):
            frame[col] = frame[col].astype("category")
        return frame

    def jobs(self) -> pd.DataFrame:
        """The stored results as ``frames.jobs`` reads them (with each item's external id)."""
        rows = []
        stored = self._query("SELECT * FROM items WHERE result IS NOT NULL ORDER BY created_at, rowid")
        for r in stored.to_dict("records"):
            result = json.loads(r["result"])
            result["_external_id"] = r["external_id"] or r["source_content_id"]
            rows.append(result)
        return frames.jobs(rows)

    def outputs(self) -> pd.DataFrame:
        """One row per output in the manifest storage shape, as ``frames.outputs`` has it."""
        return frames.outputs(
            [
                {"job": {"id": m["tutorFlowJobId"]}, "outputs": [m], "_external_id": m["sourceContentId"]}
                for m in self.manifests()
            ]
        )

    def manifests(self) -> list[dict[str, Any]]:
        """The documents' manifest storage shape, one record per output."""
        raw = self._query("SELECT * FROM outputs ORDER BY source_content_id, output_type, tutorflow_job_id")
        return [
            {
                "sourceContentId": r["source_content_id"],
                "tutorFlowJobId": r["tutorflow_job_id"],
                "outputType": r["output_type"],
                "status": r["status"],
                "resourceType": r["resource_type"],
                "resourceId": r["resource_id"],
                "manifest": json.loads(r["manifest"] or "{}"),
            }
            for r in raw.to_dict("records")
        ]

    def export(self, path: str | Path, table: str = "outputs") -> Path:
        """Write ``items`` or ``outputs`` to CSV or Parquet (by the file's suffix) for downstream sync."""
        path = Path(path)
        frame = {"outputs": self.outputs, "items": self.items}[table]()
        if "manifest" in frame:
            frame["manifest"] = frame["manifest"].map(json.dumps)
        if path.suffix == ".parquet":
            try:
                frame.to_parquet(path, index=False)
            except ImportError as exc:
                raise ImportError("Parquet export needs pyarrow: pip install pyarrow (or export to .csv)") from exc
        elif path.suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            raise ValueError(f"export path must end in .csv or .parquet, not {path.suffix or 'nothing'}")
        return path
