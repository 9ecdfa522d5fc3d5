"""The manifest store: what the runbook says to keep, in one SQLite file, so batches resume.

For every item of a batch it keeps the caller's external id (``sourceContentId``), the
``Idempotency-Key``, the job id, the classroom id, the key prefix (never the key), the
state and the result; for every output, ``outputs[].resourceId`` and
``outputs[].manifest`` in the documents' manifest storage shape. The item is written
*before* its create is sent and again when the create answers, so after a crash, a
kernel restart or an interrupt the same batch skips what is complete, re-attaches to
jobs in flight and creates only what was never accepted, with the same idempotency keys.

Every record belongs to a **target**: the base URL and the key prefix it was written
with (``http://127.0.0.1:8765 tf_content_ab12cd34``). A batch resumes only records of its
own target, so the same file used against another server, organization or key (the
real API after the mock, the next morning's mock) sends every request there and never
hands back work that lives elsewhere; each target's records stay side by side.

When a source's content changes (a fixed lesson, re-run), its new request gets a new key,
a new job and new resources. Once that job completes, the older record of the same source
and output is **superseded** (with when, and by which job): ``outputs()``, ``manifests()``,
``items()``, ``jobs()`` and ``export()`` give the current record of each source and output
unless asked for ``history=True``.

    >>> store = ManifestStore("tutorflow.sqlite")                      # doctest: +SKIP
    >>> s.content.expansions.run_batch(requests, store=store)          # doctest: +SKIP
    >>> store.outputs()                                                # doctest: +SKIP

Several programs may share one file: SQLite in WAL mode, a short transaction per write, and
a busy timeout that covers opening too, so two notebooks (or a notebook and a script) can
open and write the same store at once without an error, a lost row or a corrupt file.
Exports to CSV neutralise cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from . import frames
from .display import Card, ShownByCard
from .errors import ConfigurationError, StoreError
from .models.constants import FINISHED_STATES, state_of

__all__ = ["SCHEMA_VERSION", "ManifestStore", "spreadsheet_safe"]

SCHEMA_VERSION = 3
"""2: every record carries its target (version 1 files are upgraded in place; their records keep target '').
3: records say when they were made and whether a newer record of the same source superseded them; states are
spelled one way (``models.constants.STATES``). Older files are upgraded in place; a newer file is refused."""
_SQLITE_HEADER = b"SQLite format 3\x00"
_CHUNK = 500
"""Rows read (and keys looked up) at a time: memory stays flat whatever the store holds."""
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
    superseded_at    REAL,
    superseded_by    TEXT,
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
    created_at        REAL,
    superseded_at     REAL,
    superseded_by     TEXT,
    PRIMARY KEY (target, tutorflow_job_id, output_type)
);
CREATE INDEX IF NOT EXISTS items_by_source ON items (target, kind, source_content_id);
CREATE INDEX IF NOT EXISTS outputs_by_source ON outputs (target, source_content_id, output_type);
"""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""

R = TypeVar("R")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a spreadsheet may open it: text that starts like a formula gets a leading ``'``.

    OWASP's advice for CSV files: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return is run as a formula by Excel, LibreOffice and Google Sheets; the quote
    makes it text, and shows as nothing in the sheet. Anything else is left as it is.

        >>> spreadsheet_safe('=HYPERLINK("http://x", "click")'), spreadsheet_safe("lesson-1"), spreadsheet_safe(-3)
        ('\\'=HYPERLINK("http://x", "click")', 'lesson-1', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class ManifestStore(ShownByCard):
    """One SQLite file (default ``tutorflow.sqlite`` beside the notebook), shared safely by several programs.

    ``timeout`` is how long a write (and opening) waits for another program holding the file.

    Raises:
        ConfigurationError: ``path`` is a directory, not a SQLite database, or a store written by a
            newer tutorflow_nb; the file is left exactly as it was.
        StoreError: the file cannot be opened or written (locked past ``timeout``, a read-only
            file or folder, a full disk); the message names the file and the cause.
    """

    def __init__(self, path: str | Path = "tutorflow.sqlite", *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = float(timeout)
        _check_file(self.path)
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._closed = False
        self._db = self._connect()
        try:
            self._retry_busy(self._open)
        except BaseException:
            self._db.close()
            raise
        self._reader: sqlite3.Connection | None = self._connect()

    def _reading(self) -> sqlite3.Connection:
        """The reading connection, opened again after :meth:`close`: a batch's results stay readable."""
        if self._reader is None:
            self._reader = self._connect()
        return self._reader

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        except sqlite3.Error as exc:
            raise self._failure(exc, "open") from None
        return db

    def _open(self) -> None:
        """WAL mode, the schema, and an upgrade of an older file; a newer one is refused untouched."""
        version = self._version()
        if version > SCHEMA_VERSION:
            raise _newer(self.path, version)
        mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        if version == SCHEMA_VERSION:
            return
        with self._write() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])  # again, inside the lock
            if version > SCHEMA_VERSION:
                raise _newer(self.path, version)
            if version < SCHEMA_VERSION:
                _migrate(db)
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _retry_busy(self, call: Callable[[], R]) -> R:
        """``call()``, again while another opener holds the file (SQLite gives up on some locks at once), up to
        ``timeout``; after that, a :class:`StoreError` that names the file."""
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                return call()
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise self._failure(exc, "open") from None
            except sqlite3.DatabaseError as exc:
                raise ConfigurationError(
                    f"ManifestStore cannot use {self.path}: {exc}; it is damaged or not a store. Pass another file "
                    "name (a new name creates a store)"
                ) from None
            time.sleep(random.uniform(0, delay))
            delay = min(0.25, delay * 2)

    def _failure(self, exc: sqlite3.Error, doing: str) -> StoreError:
        """What went wrong with the file, in words that name it and say what to do."""
        text = str(exc)
        if _busy(exc):
            cause = (
                f"another program holds it locked (waited {self.timeout:g} s): close the program writing it, or pass "
                "ManifestStore(..., timeout=...) to wait longer"
            )
        elif "readonly" in text or "read-only" in text:
            cause = "it is read-only: make the file and its folder writable, or use another file"
        elif "full" in text or "disk i/o" in text.lower():
            cause = "the disk is full (or failing): free some space, or use a store on another disk"
        elif "unable to open" in text:
            cause = "it cannot be opened: check the folder exists and is writable"
        else:
            cause = text
        return StoreError(
            f"ManifestStore {self.path} could not {doing}: {cause} ({text}). The same batch run again resumes "
            "where this one stopped",
            path=str(self.path),
        )

    def __repr__(self) -> str:
        return f"<ManifestStore {self.path} items={self.count()}>"

    def card(self) -> Card:
        """The store at a glance: its file, items by state, and the targets it holds records of."""
        counts = self._rows("SELECT status, COUNT(*) FROM items GROUP BY status ORDER BY status")
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
        """One write transaction; a failure is a :class:`StoreError` that names the file and the cause."""
        with self._write_lock:
            if self._closed:
                raise StoreError(
                    f"ManifestStore {self.path} was closed: open it again (ManifestStore({str(self.path)!r})) to write",
                    path=str(self.path),
                )
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._failure(exc, "be written") from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # a failed COMMIT may have rolled back already
                        self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._failure(exc, "be written") from None
                raise

    def _rows(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a read (on the reading connection, so a write in progress never blocks it)."""
        with self._read_lock:
            try:
                return self._reading().execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise self._failure(exc, "be read") from None

    def _chunks(self, sql: str, args: tuple[Any, ...]) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
        """The rows of a read, ``_CHUNK`` at a time, with the column names."""
        with self._read_lock:
            try:
                cursor = self._reading().execute(sql, args)
                names = [d[0] for d in cursor.description]
                while rows := cursor.fetchmany(_CHUNK):
                    yield names, rows
            except sqlite3.Error as exc:
                raise self._failure(exc, "be read") from None

    def close(self) -> None:
        """Close the file; writing after this is an error, reading opens it again (a batch's results stay readable)."""
        with self._write_lock, self._read_lock:
            self._closed = True
            self._db.close()
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def __enter__(self) -> ManifestStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writing (the batch calls these)

    def get(self, target: str, kind: str, idempotency_key: str) -> dict[str, Any] | None:
        """The record of one item of ``target``, or ``None``."""
        with self._read_lock:
            try:
                cursor = self._reading().execute(
                    "SELECT * FROM items WHERE target=? AND kind=? AND idempotency_key=?",
                    (target, kind, idempotency_key),
                )
                row = cursor.fetchone()
                names = [d[0] for d in cursor.description]
            except sqlite3.Error as exc:
                raise self._failure(exc, "be read") from None
        return dict(zip(names, row, strict=True)) if row else None

    def lookup(self, target: str, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """What is known of many items at once: ``{key: {status, job_id, has_result}}`` for those recorded."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            for key, status, job_id, has_result in self._rows(
                "SELECT idempotency_key, status, job_id, result IS NOT NULL FROM items "
                f"WHERE target=? AND kind=? AND idempotency_key IN ({marks})",
                [target, kind, *part],
            ):
                found[key] = {"status": status, "job_id": job_id, "has_result": bool(has_result)}
        return found

    def answers(self, target: str, kind: str, keys: list[str]) -> dict[str, tuple[str, str | None]]:
        """The request and result (as stored JSON) of many items at once: ``{key: (request, result)}``."""
        found: dict[str, tuple[str, str | None]] = {}
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            for key, request, result in self._rows(
                f"SELECT idempotency_key, request, result FROM items WHERE target=? AND kind=? "
                f"AND idempotency_key IN ({marks})",
                [target, kind, *part],
            ):
                found[key] = (request, result)
        return found

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
        """The create answered: the job exists on the server (a finished record keeps its state)."""
        with self._write() as db:
            db.execute(
                "UPDATE items SET job_id=?, status=CASE WHEN status IN (?, ?) THEN status "
                "ELSE ? END, classroom_id=COALESCE(?, classroom_id), updated_at=? "
                "WHERE target=? AND kind=? AND idempotency_key=?",
                (
                    job_id,
                    *sorted(FINISHED_STATES),
                    state_of(status),
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
        """A result arrived (or the create was refused): the item is done, its outputs are stored, and a completed
        item supersedes the older records of the same source and output."""
        state = state_of(status)
        now = time.time()
        with self._write() as db:
            row = db.execute(
                "SELECT source_content_id, classroom_id, key_prefix, job_id, created_at FROM items "
                "WHERE target=? AND kind=? AND idempotency_key=?",
                (target, kind, idempotency_key),
            ).fetchone()
            source, classroom, prefix, job_id, created = row if row else (None, None, None, None, now)
            job = (result or {}).get("job") or {}
            job_id = job.get("id") or (result or {}).get("id") or job_id
            classroom = job.get("classroomId") or classroom
            db.execute(
                "UPDATE items SET status=?, result=?, error=?, job_id=COALESCE(?, job_id), "
                "classroom_id=COALESCE(?, classroom_id), updated_at=? WHERE target=? AND kind=? AND idempotency_key=?",
                (
                    state,
                    json.dumps(result) if result is not None else None,
                    error,
                    job_id,
                    classroom,
                    now,
                    target,
                    kind,
                    idempotency_key,
                ),
            )
            types = []
            for out in (result or {}).get("outputs") or []:
                types.append(out.get("outputType"))
                db.execute(
                    "INSERT INTO outputs (target, tutorflow_job_id, output_type, source_content_id, status, "
                    "resource_type, resource_id, manifest, classroom_id, key_prefix, idempotency_key, created_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(target, tutorflow_job_id, output_type) DO UPDATE SET status=excluded.status, "
                    "resource_id=excluded.resource_id, manifest=excluded.manifest",
                    (
                        target,
                        job_id,
                        out.get("outputType"),
                        source,
                        state_of(out.get("status")) if out.get("status") else None,
                        out.get("resourceType"),
                        out.get("resourceId"),
                        json.dumps(out.get("manifest") or {}),
                        classroom,
                        prefix,
                        idempotency_key,
                        now,
                    ),
                )
            if state == "completed" and source is not None and job_id is not None:
                _supersede(db, target, kind, source, idempotency_key, job_id, created, types, now)

    # ------------------------------------------------------------ reading

    def targets(self) -> list[str]:
        """Every target this file holds records of, oldest first."""
        return [str(r[0]) for r in self._rows("SELECT target FROM items GROUP BY target ORDER BY MIN(created_at)")]

    def count(self, status: str | None = None, *, target: str | None = None) -> int:
        """How many items (in ``status``, of ``target``) the file holds."""
        sql, args = "SELECT COUNT(*) FROM items WHERE 1=1", list[str]()
        if status is not None:
            sql, args = sql + " AND status=?", [*args, state_of(status)]
        if target is not None:
            sql, args = sql + " AND target=?", [*args, target]
        return int(self._rows(sql, args)[0][0])

    @staticmethod
    def _where(target: str | None, history: bool, extra: str = "") -> tuple[str, tuple[Any, ...]]:
        parts: list[str] = [extra] if extra else []
        args: tuple[Any, ...] = ()
        if target is not None:
            parts, args = [*parts, "target=?"], (target,)
        if not history:
            parts.append("superseded_at IS NULL")
        return ("WHERE " + " AND ".join(parts) if parts else ""), args

    def items(self, *, target: str | None = None, history: bool = False) -> pd.DataFrame:
        """Every current item (of ``target``; ``history=True``: superseded ones too): target, kind, keys, ids,
        state, when it was made and updated, whether (and by what) it was superseded, request and result as JSON."""
        where, args = self._where(target, history)
        parts = [
            pd.DataFrame(rows, columns=names)
            for names, rows in self._chunks(f"SELECT * FROM items {where} ORDER BY created_at, rowid", args)
        ]
        frame: pd.DataFrame = (
            pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_columns(self, "items"))
        )
        for col in ("created_at", "updated_at", "superseded_at"):
            frame[col] = pd.to_datetime(frame[col], unit="s", utc=True)
        for col in ("target", "kind", "status"):
            frame[col] = frame[col].astype("category")
        return frame

    def jobs(self, *, target: str | None = None, history: bool = False) -> pd.DataFrame:
        """The stored results as ``frames.jobs`` reads them (with each item's external id), and their target."""
        where, args = self._where(target, history, "result IS NOT NULL")
        rows: list[dict[str, Any]] = []
        targets: list[str] = []
        for _, chunk in self._chunks(
            f"SELECT result, external_id, source_content_id, target FROM items {where} ORDER BY created_at, rowid",
            args,
        ):
            for result, external, source, tgt in chunk:
                data = json.loads(result)
                data["_external_id"] = external or source
                rows.append(data)
                targets.append(tgt)
        frame = frames.jobs(rows)
        frame["target"] = pd.Categorical(targets)
        return frame

    def outputs(self, *, target: str | None = None, history: bool = False) -> pd.DataFrame:
        """One row per current output (``history=True``: superseded ones too), as ``frames.outputs`` has it, with
        its target, when it was recorded, and (in history) when and by which job it was superseded."""
        records = list(self._output_records(target, history))
        frame = frames.outputs(
            [
                {"job": {"id": m["tutorFlowJobId"]}, "outputs": [m], "_external_id": m["sourceContentId"]}
                for m, _ in records
            ]
        )
        extra: list[tuple[Any, ...]] = [e for _, e in records]
        frame["target"] = pd.Categorical([e[0] for e in extra])
        for i, name in ((1, "recorded_at"), (2, "superseded_at")):
            frame[name] = pd.to_datetime(pd.Series([e[i] for e in extra], dtype="float64"), unit="s", utc=True)
        frame["superseded_by"] = pd.array([e[3] for e in extra], dtype="string")
        return frame

    def manifests(self, *, target: str | None = None, history: bool = False) -> list[dict[str, Any]]:
        """The documents' manifest storage shape, one record per current output (of ``target``)."""
        return [m for m, _ in self._output_records(target, history)]

    def _output_records(self, target: str | None, history: bool) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
        where, args = self._where(target, history)
        for _, rows in self._chunks(
            "SELECT source_content_id, tutorflow_job_id, output_type, status, resource_type, resource_id, manifest, "
            f"target, created_at, superseded_at, superseded_by FROM outputs {where} "
            "ORDER BY target, source_content_id, output_type, created_at, tutorflow_job_id",
            args,
        ):
            for source, job, kind, status, rtype, rid, manifest, tgt, made, superseded, by in rows:
                record = {
                    "sourceContentId": source,
                    "tutorFlowJobId": job,
                    "outputType": kind,
                    "status": status,
                    "resourceType": rtype,
                    "resourceId": rid,
                    "manifest": json.loads(manifest or "{}"),
                }
                yield record, (str(tgt), made, superseded, by)

    def export(
        self, path: str | Path, table: str = "outputs", *, target: str | None = None, history: bool = False
    ) -> Path:
        """Write ``items`` or ``outputs`` to CSV or Parquet (by the file's suffix) for downstream sync.

        A CSV cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
        ``@``, a tab or a carriage return) is written with a leading ``'`` (:func:`spreadsheet_safe`).
        """
        path = Path(path)
        readers = {"outputs": self.outputs, "items": self.items}
        if table not in readers:
            raise ValueError(f"table must be 'outputs' or 'items', not {table!r}")
        if path.suffix not in (".csv", ".parquet"):
            raise ValueError(f"export path must end in .csv or .parquet, not {path.suffix or 'nothing'}: {path}")
        frame = readers[table](target=target, history=history)
        if "manifest" in frame:
            frame["manifest"] = frame["manifest"].map(json.dumps)
        if path.suffix == ".parquet":
            try:
                frame.to_parquet(path, index=False)
            except ImportError as exc:
                raise ImportError("Parquet export needs pyarrow: pip install pyarrow (or export to .csv)") from exc
        else:
            safe = frame.astype(object).map(spreadsheet_safe)
            safe.to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")  # RFC 4180: a lone CR is quoted
        return path


def _columns(store: ManifestStore, table: str) -> list[str]:
    return [str(r[1]) for r in store._rows(f"PRAGMA table_info({table})")]


def _busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _newer(path: Path, version: int) -> ConfigurationError:
    return ConfigurationError(
        f"{path} is a ManifestStore of schema version {version}, written by a newer tutorflow_nb; this one reads up "
        f"to version {SCHEMA_VERSION}. It was left untouched: upgrade (pip install -U tutorflow-nb), or pass "
        "another file name"
    )


def _supersede(
    db: sqlite3.Connection,
    target: str,
    kind: str,
    source: str,
    key: str,
    job_id: str,
    created: float,
    types: list[str],
    now: float,
) -> None:
    """One current record per source and output: the completed record requested last wins.

    The item just finished (``key``) supersedes every other completed item of the same
    source requested before it, and is itself superseded if one was requested after it;
    outputs are settled the same way, one output type at a time.
    """
    others = db.execute(
        "SELECT idempotency_key, job_id, created_at FROM items WHERE target=? AND kind=? AND source_content_id=? "
        "AND idempotency_key<>? AND status=?",
        (target, kind, source, key, "completed"),
    ).fetchall()
    newer = [o for o in others if (o[2], o[0]) > (created, key)]
    if newer:
        latest = max(newer, key=lambda o: (o[2], o[0]))
        db.execute(
            "UPDATE items SET superseded_at=?, superseded_by=? WHERE target=? AND kind=? AND idempotency_key=?",
            (now, latest[0], target, kind, key),
        )
    older = [o[0] for o in others if (o[2], o[0]) < (created, key)]
    for start in range(0, len(older), _CHUNK):
        part = older[start : start + _CHUNK]
        db.execute(
            f"UPDATE items SET superseded_at=?, superseded_by=? WHERE target=? AND kind=? AND superseded_at IS NULL "
            f"AND idempotency_key IN ({','.join('?' * len(part))})",
            [now, key, target, kind, *part],
        )
    when = {o[1]: (o[2], o[0]) for o in others if o[1] is not None}
    mine = (created, key)
    for output_type in types:
        rows = db.execute(
            "SELECT tutorflow_job_id FROM outputs WHERE target=? AND source_content_id=? AND output_type=? "
            "AND tutorflow_job_id<>? AND superseded_at IS NULL",
            (target, source, output_type, job_id),
        ).fetchall()
        for (other,) in rows:
            theirs = when.get(other)
            if theirs is None:  # an output of an item that is not a completed one of this kind: leave it
                continue
            loser, winner = (other, job_id) if theirs < mine else (job_id, other)
            db.execute(
                "UPDATE outputs SET superseded_at=?, superseded_by=? WHERE target=? AND tutorflow_job_id=? "
                "AND output_type=? AND superseded_at IS NULL",
                (now, winner, target, loser, output_type),
            )


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


_V2_STATES = {"PENDING": "queued", "created": "processing"}
"""Version 2 kept the server's spelling (``COMPLETED``) and a ``created`` of its own: version 3 has one."""


def _migrate(db: sqlite3.Connection) -> None:
    """Upgrade an older file in place, inside the caller's transaction.

    Version 1 (no targets): its records keep target '' and are never resumed. Version 2: the
    columns of when a record was made and superseded; states in one spelling; and the older
    records of each source marked superseded, as if each had been written by version 3.
    """
    columns = {row[1] for row in db.execute("PRAGMA table_info(items)")}
    if not columns:
        return  # a new file: the schema is made by the caller
    if "target" not in columns:
        for table in ("items", "outputs"):
            db.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")
        for statement in SCHEMA.split(";"):
            if statement.strip() and "INDEX" not in statement:
                db.execute(statement)
        db.execute("INSERT INTO items SELECT '', *, NULL, NULL FROM items_v1")
        db.execute("INSERT INTO outputs SELECT '', *, NULL, NULL, NULL FROM outputs_v1")
        db.execute("DROP TABLE items_v1")
        db.execute("DROP TABLE outputs_v1")
        columns = {row[1] for row in db.execute("PRAGMA table_info(items)")}
    if "superseded_at" not in columns:
        for table, column in (
            ("items", "superseded_at REAL"),
            ("items", "superseded_by TEXT"),
            ("outputs", "created_at REAL"),
            ("outputs", "superseded_at REAL"),
            ("outputs", "superseded_by TEXT"),
        ):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    db.execute(
        "UPDATE outputs SET created_at=(SELECT updated_at FROM items WHERE items.target=outputs.target "
        "AND items.idempotency_key=outputs.idempotency_key) WHERE created_at IS NULL"
    )
    for raw, state in _V2_STATES.items():
        db.execute("UPDATE items SET status=? WHERE status=?", (state, raw))
    db.execute("UPDATE items SET status=lower(status) WHERE status<>lower(status)")
    db.execute("UPDATE outputs SET status=lower(status) WHERE status<>lower(status)")
    done = db.execute(
        "SELECT target, kind, source_content_id, idempotency_key, job_id, created_at, result FROM items "
        "WHERE status=? AND source_content_id IS NOT NULL AND superseded_at IS NULL ORDER BY created_at",
        ("completed",),
    ).fetchall()
    now = time.time()
    for target, kind, source, key, job_id, created, result in done:
        types = [o.get("outputType") for o in (json.loads(result) if result else {}).get("outputs") or []]
        if job_id is not None:
            _supersede(db, target, kind, source, key, job_id, created, types, now)
