"""Secrets: canary credentials through a whole session, and nowhere afterwards.

A fresh organization's content key, platform key and admin session are handed to
tutorflow_nb the way users do it (the documented environment variables and a curl cookie
jar), then used for everything: discovery, a stored batch, Platform courses and modules,
new keys and a webhook, refused and failing calls, every widget, every frame, and four
notebooks executed against the same server. Then every trace is searched: DEBUG logs,
warnings, stdout and stderr, exception texts and tracebacks, reprs and HTML reprs,
widget state, DataFrames as CSV and HTML, the store's database files, the executed
notebooks. No canary may appear, nor anything shaped like a full key; the key prefixes do.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import traceback
import warnings
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from conftest import seed_org_sync, source_request
from nbclient import NotebookClient

import tutorflow_nb as tf
from tutorflow_nb.http import RetryPolicy
from tutorflow_nb.mock import MockServer
from tutorflow_nb.mock.server import write_cookie_jar

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
EXECUTED = ("01-quickstart", "02-discovery-and-keys", "08-batches-that-resume", "10-errors-retries-and-rate-limits")
FULL_KEY = re.compile(r"tf_(?:content|platform)_[A-Za-z0-9]{20,}")


def texts_of(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


def frame_texts(frame: Any) -> list[str]:
    return [frame.to_csv(), frame.to_html(), repr(frame)]


def widget_states() -> list[str]:
    import ipywidgets

    return [json.dumps(w.get_state(), default=str) for w in list(ipywidgets.Widget.widgets.values())]


def test_canary_credentials_never_show_anywhere(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tutorflow_nb.widgets import CostEstimator, CourseBrowser, Discovery, ExpansionForm, JobMonitor

    seen: list[str] = []
    with MockServer(speed=50.0, seed=31, rate_limit=5000) as server:
        org = seed_org_sync(server)
        canaries = [org.content_key, org.platform_key, org.session]
        jar = write_cookie_jar(tmp_path / "admin.cookies", server.base_url, org.session)
        for name, value in {
            "TUTORFLOW_API_BASE_URL": server.base_url,
            "TUTORFLOW_CONTENT_API_KEY": org.content_key,
            "TUTORFLOW_PLATFORM_API_KEY": org.platform_key,
            "TUTORFLOW_ADMIN_COOKIES": str(jar),
            "TUTORFLOW_CLASSROOM_ID": org.classroom_id,
            "TUTORFLOW_MOCK": "1",
        }.items():
            monkeypatch.setenv(name, value)
        caplog.set_level(logging.DEBUG)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = tf.connect()
            seen += [
                repr(s),
                str(s),
                repr(s.content),
                repr(s.platform),
                repr(s.admin),
                repr(s.content.http),
                repr(s.content.aio.http.key),
                f"{s.platform.aio.http.key}",
                repr(s.admin.http),
            ]

            # discovery and new credentials: their full values are canaries too
            created = s.admin.api_keys.create(org.id, "canary-extra")
            hook = s.admin.webhooks.create(org.id, "https://hooks.test.example/tf", events=["content.completed"])
            canaries += [created.key.reveal(), hook.secret or ""]
            seen += [
                repr(created),
                str(created),
                repr(hook),
                repr(s.admin.organizations()),
                repr(s.admin.api_keys.list(org.id)),
                repr(s.admin.webhooks.list(org.id)),
            ]

            # work: a stored batch, courses, a module, an edit token
            store = tf.ManifestStore(tmp_path / "canary.sqlite")
            batch = s.content.expansions.run_batch([source_request(1), source_request(2, level="b2")], store=store)
            courses = s.platform.courses.run_batch([{"prompt": "Canary course", "lessonCount": 2}], store=store)
            module = s.platform.modules.create(prompt="Canary module")
            token = s.platform.courses.edit_token(courses[0].result.id)
            shared = s.platform.courses.public(courses[0].result.share_token)  # the share link mints a token too
            canaries += [token.edit_token, shared.edit_token or "", courses[0].result.edit_token or ""]
            seen += [repr(batch), repr(list(batch)), repr(courses[0].result), repr(module), repr(token)]
            seen += [repr(shared), str(shared), shared._repr_html_() or "", str(courses[0].result)]

            # refusals and failures
            for bad in (
                lambda: s.content.expansions.create({"requestedOutputs": []}),
                lambda: s.content.modules.get("missing"),
                lambda: s.platform.courses.get("missing"),
                lambda: tf.ContentClient(server.base_url, org.platform_key),
                lambda: tf.PlatformClient(server.base_url, org.content_key),
            ):
                try:
                    bad()
                except Exception as exc:
                    seen += texts_of(exc)
            httpx.put(server.url("/_mock/faults"), json={"error_rate": 1.0})
            quick = tf.ContentClient(server.base_url, org.content_key, retry=RetryPolicy(1, 0.01, 0.02))
            try:
                quick.classrooms()
            except Exception as exc:
                seen += texts_of(exc)
            finally:
                httpx.delete(server.url("/_mock/faults"))
                quick.close()

            # frames, the store, the estimate
            est = tf.pricing.estimate(courses=[2], modules=1)
            billed = [courses[0].result, module]
            for frame in (
                tf.frames.jobs(batch),
                tf.frames.outputs(batch),
                tf.frames.courses(courses),
                tf.frames.lessons(courses),
                tf.frames.price_snapshots(billed),
                store.items(),
                store.outputs(),
                store.jobs(),
                tf.pricing.reconcile(est, billed),
            ):
                seen += frame_texts(frame)

            # every widget, then all widget state there is
            form = ExpansionForm(client=s.content)
            monitor = JobMonitor()
            monitor.expect(len(batch), s.content.aio.http)
            for item in batch:
                monitor.update(item)
            discovery = Discovery(s.admin)
            discovery.load_organizations()
            discovery.create_key()
            estimator = CostEstimator([2], 1, billed=billed)
            browser = CourseBrowser(s.platform, courses[0].result)
            for widget in (form, monitor, discovery, estimator, browser):
                seen += [repr(widget), widget._repr_html_() if hasattr(widget, "_repr_html_") else ""]
            seen += widget_states()
            discovery.content.close()
            store.close()
            s.close()
        seen += [r.getMessage() for r in caplog.records] + [str(w.message) for w in caught]
        # the store's files: raw bytes for the canaries, and cell by cell for anything shaped like a key (the raw
        # record format runs neighbouring values together, so "<prefix><next value>" would look like one long key)
        raw_store = "\n".join(p.read_bytes().decode("utf-8", "replace") for p in tmp_path.glob("canary.sqlite*"))
        with sqlite3.connect(tmp_path / "canary.sqlite") as db:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
                seen += [repr(row) for row in db.execute(f"SELECT * FROM {table}")]

        # the notebooks, executed against the same server with the same canaries
        work = tmp_path / "notebooks"
        shutil.copytree(NOTEBOOKS, work)
        for name in EXECUTED:
            nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
            NotebookClient(
                nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}}
            ).execute()
            seen.append(nbformat.writes(nb))
            if name.startswith("01"):  # it ran on the canary organization: its prefix shows
                assert org.content_prefix in seen[-1], name

    out = capsys.readouterr()
    seen += [out.out, out.err]
    blob = "\n".join(seen)
    for canary in filter(None, canaries):
        leaked = canary in blob or canary in raw_store  # kept out of the assertion: pytest would print it
        assert not leaked, f"a secret beginning {canary[:14]} showed"
    assert len(FULL_KEY.findall(blob)) == 0, "something shaped like a full key showed"
    assert org.content_prefix in blob  # what shows is the prefix
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert sum("Bearer" in text for text in seen) == 0
