"""The manifest store: what the runbook says to keep, in one SQLite file, so batches resume.

For every item of a batch it keeps the caller's external id (``sourceContentId``), the
``Idempotency-Key``, the job id, the classroom id, the key prefix (never the key), the
status and the result; for every output, ``outputs[].resourceId`` and
``outputs[].manifest`` in the documents' manifest storage shape. The item is written
*before* its create is sent and again when the create answers, so after a crash, a
kernel restart or an interrupt the same batch skips what is complete, re-attaches to
jobs in flight and creates only what was never accepted, with the same idempotency keys.

Every record belongs to a **target**: the base URL and the key prefix it was written
with (``http://127.0.0.1:8765 tf_content_ab12cd34``). A batch resumes only records of its
own target, so the same file used against another server, organization or key (the
real API after the mock, the next morning's mock) sends every request there and never
hands back work that lives elsewhere; each target's records stay side by side.

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
from .display import Card, ShownByCard
from .errors import ConfigurationError
from .models.constants import TERMINAL_JOB_STATUSES

__all__ = ["SCHEMA_VERSION", "ManifestStore"]

SCHEMA_VERSION = 2
"""2: every record carries its target (version 1 files are upgraded in place; their records keep target '')."""
_SQLITE_HEADER = b"SQLite format 3\x00"
SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    target           TEXT NOT NULL,
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
    PRIMARY KEY (target, kind, idempotency_key)
);
CREATE TABLE IF NOT EXISTS outputs (
    target            TEXT NOT NULL,
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
    PRIMARY KEY (target, tutorflow_job_id, output_type)
);
"""


class ManifestStore(ShownByCard):
    """One SQLite file (default ``tutorflow.sqlite`` beside the notebook).

    Raises:
        ConfigurationError: ``path`` is a directory, not a SQLite database, or cannot be
            opened; the file is left exactly as it was.
    """

    def __init__(self, path: str | Path = "tutorflow.sqlite", *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        _check_file(self.path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            with self._write() as db:
                _migrate(db)
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise ConfigurationError(
                f"ManifestStore cannot use {self.path}: {exc}; pass the path of a store file (a new name creates one)"
            ) from None

    def __repr__(self) -> str:
        return f"<ManifestStore {self.path} items={self.count()}>"

    def card(self) -> Card:
        """The store at a glance: its file, items by status, and the targets it holds records of."""
        with self._lock:
            counts = self._db.execute("SELECT status, COUNT(*) FROM items GROUP BY status ORDER BY status").fetchall()
        return Card(
            f"Manifest store {self.path.name}",
            rows=[
                ("file", str(self.path)),
                ("items", ", ".join(f"{s} {n}" for s, n in counts) or "none yet"),
                ("targets", "; ".join(t or "(written before targets were kept)" for t in self.targets()) or None),
            ],
        )

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

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writing (the batch calls these)

    def get(self, target: str, kind: str, idempotency_key: str) -> dict[str, Any] | None:
        """The record of one item of ``target``, or ``None``."""
        with self._lock:
            cursor = self._db.execute(
                "SELECT * FROM items WHERE target=? AND kind=? AND idempotency_key=?", (target, kind, idempotency_key)
            )
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        return dict(zip(names, row, strict=True)) if row else None

    def intend(
        self,
        target: str,
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
                "INSERT INTO items (target, kind, idempotency_key, source_content_id, external_id, request, status, "
                "key_prefix, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(target, kind, idempotency_key) DO NOTHING",
                (
                    target,
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
        self,
        target: str,
        kind: str,
        idempotency_key: str,
        job_id: str,
        status: str,
        classroom_id: str | None = None,
    ) -> None:
        """The create answered: the job exists on the server."""
        with self._write() as db:
            db.execute(
                "UPDATE items SET job_id=?, status=CASE WHEN status IN (?, ?) THEN status "
                "ELSE ? END, classroom_id=COALESCE(?, classroom_id), updated_at=? "
                "WHERE target=? AND kind=? AND idempotency_key=?",
                (
                    job_id,
                    *sorted(TERMINAL_JOB_STATUSES),
                    status,
                    classroom_id,
                    time.time(),
                    target,
                    kind,
                    idempotency_key,
                ),
            )

    def finished(
        self,
        target: str,
        kind: str,
        idempotency_key: str,
        status: str,
        result: dict[str, Any] | None,
        error: str | None = None,
    ) -> None:
        """A result arrived (or the create was refused): the item is done; its outputs are stored."""
        with self._write() as db:
            row = db.execute(
                "SELECT source_content_id, classroom_id, key_prefix, job_id FROM items "
                "WHERE target=? AND kind=? AND idempotency_key=?",
                (target, kind, idempotency_key),
            ).fetchone()
            source, classroom, prefix, job_id = row if row else (None, None, None, None)
            job = (result or {}).get("job") or {}
            job_id = job.get("id") or (result or {}).get("id") or job_id
            classroom = job.get("classroomId") or classroom
            db.execute(
                "UPDATE items SET status=?, result=?, error=?, job_id=COALESCE(?, job_id), "
                "classroom_id=COALESCE(?, classroom_id), updated_at=? WHERE target=? AND kind=? AND idempotency_key=?",
                (
                    status,
                    json.dumps(result) if result is not None else None,
                    error,
                    job_id,
                    classroom,
                    time.time(),
                    target,
                    kind,
                    idempotency_key,
                ),
            )
            for out in (result or {}).get("outputs") or []:
                db.execute(
                    "INSERT INTO outputs VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(target, tutorflow_job_id, output_type) DO UPDATE SET status=excluded.status, "
                    "resource_id=excluded.resource_id, manifest=excluded.manifest",
                    (
                        target,
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

    def targets(self) -> list[str]:
        """Every target this file holds records of, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT target FROM items GROUP BY target ORDER BY MIN(created_at)").fetchall()
        return [str(r[0]) for r in rows]

    def count(self, status: str | None = None, *, target: str | None = None) -> int:
        """How many items (of ``status``, of ``target``) the file holds."""
        sql, args = "SELECT COUNT(*) FROM items WHERE 1=1", list[str]()
        if status is not None:
            sql, args = sql + " AND status=?", [*args, status]
        if target is not None:
            sql, args = sql + " AND target=?", [*args, target]
        with self._lock:
            return int(self._db.execute(sql, args).fetchone()[0])

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> pd.DataFrame:
        with self._lock:
            cursor = self._db.execute(sql, args)
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        frame: pd.DataFrame = pd.DataFrame(rows, columns=names)
        return frame

    @staticmethod
    def _where(target: str | None) -> tuple[str, tuple[Any, ...]]:
        return ("WHERE target=?", (target,)) if target is not None else ("", ())

    def items(self, *, target: str | None = None) -> pd.DataFrame:
        """Every item (of ``target``): target, kind, keys, ids, status, timestamps, request and result as JSON."""
        where, args = self._where(target)
        frame = self._query(f"SELECT * FROM items {where} ORDER BY created_at, rowid", args)
        for col in ("created_at", "updated_at"):
            frame[col] = pd.to_datetime(frame[col], unit="s", utc=True)
        for col in ("target", "kind", "status"):
            frame[col] = frame[col].astype("category")
        return frame

    def jobs(self, *, target: str | None = None) -> pd.DataFrame:
        """The stored results as ``frames.jobs`` reads them (with each item's external id), and their target."""
        where, args = self._where(target)
        extra = "AND" if where else "WHERE"
        stored = self._query(f"SELECT * FROM items {where} {extra} result IS NOT NULL ORDER BY created_at, rowid", args)
        rows = []
        for r in stored.to_dict("records"):
            result = json.loads(r["result"])
            result["_external_id"] = r["external_id"] or r["source_content_id"]
            rows.append(result)
        frame = frames.jobs(rows)
        frame["target"] = pd.Categorical(stored["target"].tolist())
        return frame

    def outputs(self, *, target: str | None = None) -> pd.DataFrame:
        """One row per output in the manifest storage shape, as ``frames.outputs`` has it, and its target."""
        records = self._outputs(target)
        frame = frames.outputs(
            [
                {"job": {"id": m["tutorFlowJobId"]}, "outputs": [m], "_external_id": m["sourceContentId"]}
                for m, _ in records
            ]
        )
        frame["target"] = pd.Categorical([t for _, t in records])
        return frame

    def manifests(self, *, target: str | None = None) -> list[dict[str, Any]]:
        """The documents' manifest storage shape, one record per output (of ``target``)."""
        return [m for m, _ in self._outputs(target)]

    def _outputs(self, target: str | None) -> list[tuple[dict[str, Any], str]]:
        where, args = self._where(target)
        raw = self._query(
            f"SELECT * FROM outputs {where} ORDER BY target, source_content_id, output_type, tutorflow_job_id", args
        )
        return [
            (
                {
                    "sourceContentId": r["source_content_id"],
                    "tutorFlowJobId": r["tutorflow_job_id"],
                    "outputType": r["output_type"],
                    "status": r["status"],
                    "resourceType": r["resource_type"],
                    "resourceId": r["resource_id"],
                    "manifest": json.loads(r["manifest"] or "{}"),
                },
                str(r["target"]),
            )
            for r in raw.to_dict("records")
        ]

    def export(self, path: str | Path, table: str = "outputs", *, target: str | None = None) -> Path:
        """Write ``items`` or ``outputs`` to CSV or Parquet (by the file's suffix) for downstream sync."""
        path = Path(path)
        readers = {"outputs": self.outputs, "items": self.items}
        if table not in readers:
            raise ValueError(f"table must be 'outputs' or 'items', not {table!r}")
        if path.suffix not in (".csv", ".parquet"):
            raise ValueError(f"export path must end in .csv or .parquet, not {path.suffix or 'nothing'}: {path}")
        frame = readers[table](target=target)
        if "manifest" in frame:
            frame["manifest"] = frame["manifest"].map(json.dumps)
        if path.suffix == ".parquet":
            try:
                frame.to_parquet(path, index=False)
            except ImportError as exc:
                raise ImportError("Parquet export needs pyarrow: pip install pyarrow (or export to .csv)") from exc
        else:
            frame.to_csv(path, index=False)
        return path


def _check_file(path: Path) -> None:
    """Refuse, before opening it, a path SQLite would fail on or that holds something else; change nothing."""
    if path.is_dir():
        raise ConfigurationError(
            f"ManifestStore path {path} is a directory; pass a file name such as {path}/tutorflow.sqlite"
        )
    if path.exists():
        try:
            with path.open("rb") as handle:
                header = handle.read(len(_SQLITE_HEADER))
        except OSError as exc:
            raise ConfigurationError(
                f"ManifestStore cannot read {path}: {exc.strerror}; check its permissions"
            ) from None
        if header and header != _SQLITE_HEADER:
            raise ConfigurationError(
                f"{path} is not a ManifestStore (not a SQLite database); it was left untouched. Pass another "
                "file name: a new name creates a store"
            )
    elif not path.parent.exists():
        raise ConfigurationError(f"ManifestStore path {path}: the folder {path.parent} does not exist; create it first")


def _migrate(db: sqlite3.Connection) -> None:
    """Upgrade a version 1 file (no targets) in place; its records keep target '' and are never resumed."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(items)")}
    if not columns or "target" in columns:
        return
    for table in ("items", "outputs"):
        db.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("INSERT INTO items SELECT '', * FROM items_v1")
    db.execute("INSERT INTO outputs SELECT '', * FROM outputs_v1")
    db.execute("DROP TABLE items_v1")
    db.execute("DROP TABLE outputs_v1")
