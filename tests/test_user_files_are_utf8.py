"""A user whose locale is not UTF-8 (C or POSIX on a server, cp1252 on Windows) saves and loads what they wrote:
every text file the package writes or reads is UTF-8, whatever the locale says.

The class: a text ``open``/``read_text``/``write_text`` (or a text pipe to a subprocess) that names no
encoding takes the locale's. The source is read as a tree, so a new one fails here wherever it is added.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "tutorflow_nb").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")])

TEXT_CALLS = {"open", "read_text", "write_text", "TextIOWrapper", "FileHandler", "fdopen"}
"""Calls that read or write text in an encoding (the locale's unless told): by name or as a method."""
PIPES = {"run", "Popen", "check_output", "check_call", "call"}
"""subprocess calls whose pipes are text with ``text=True`` (or ``universal_newlines=True``)."""
MODULES = {"io", "codecs", "gzip", "bz2", "lzma", "os"}
"""Modules whose ``open(file, mode)`` takes the file first, as the built-in ``open`` does."""
NOT_FILES = {("os", "open"), ("webbrowser", "open")}
"""``os.open`` is a file descriptor (no text), ``webbrowser.open`` a URL."""
NON_UTF8_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
"""A locale whose encoding is ASCII, with Python's UTF-8 mode and its C-locale coercion both off."""


def _mode(call: ast.Call, position: int) -> str | None:
    """The mode a call gives (positional at ``position`` or ``mode=``), when it is spelled as a constant."""
    given = next((k.value for k in call.keywords if k.arg == "mode"), None)
    if given is None and len(call.args) > position:
        given = call.args[position]
    return given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None


def _named(call: ast.Call) -> tuple[str | None, str]:
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    return None, func.id if isinstance(func, ast.Name) else ""


def _needs_encoding(call: ast.Call) -> bool:
    """Whether ``call`` reads or writes text with no ``encoding=`` (binary modes need none)."""
    keywords = {k.arg for k in call.keywords}
    if "encoding" in keywords or None in keywords:  # encoding given, or passed on through **options
        return False
    owner, name = _named(call)
    if (owner, name) in NOT_FILES:
        return False
    if name in PIPES and owner == "subprocess":
        return any(
            k.arg in ("text", "universal_newlines") and not (isinstance(k.value, ast.Constant) and not k.value.value)
            for k in call.keywords
        )
    if name not in TEXT_CALLS:
        return False
    method = isinstance(call.func, ast.Attribute) and owner not in MODULES  # Path(p).open(mode): mode comes first
    mode = _mode(call, 0 if method else 1)
    return not (mode and "b" in mode)


def _unnamed_encodings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node.func)}(…) names no encoding"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _needs_encoding(node)
    ]


@pytest.mark.slow
def test_every_text_file_the_package_opens_says_utf8() -> None:
    found = [problem for path in SOURCES for problem in _unnamed_encodings(path)]
    assert found == [], "pass encoding='utf-8' (binary modes excepted):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("open(p)", True),
        ("open(p, 'w')", True),
        ("open(p, 'rb')", False),
        ("open(p, encoding='utf-8')", False),
        ("Path(p).open()", True),
        ("Path(p).open('rb')", False),
        ("p.read_text()", True),
        ("p.write_text(t)", True),
        ("p.write_text(t, encoding='utf-8')", False),
        ("p.read_bytes()", False),
        ("os.open(p, os.O_RDONLY)", False),
        ("webbrowser.open(url)", False),
        ("subprocess.run(c, text=True)", True),
        ("subprocess.run(c, capture_output=True)", False),
        ("subprocess.run(c, text=True, encoding='utf-8')", False),
        ("subprocess.Popen(c, universal_newlines=True)", True),
        ("io.TextIOWrapper(raw)", True),
        ("io.open(p, 'rb')", False),
        ("gzip.open(p, 'rt')", True),
        ("open(p, **options)", False),
    ],
)
def test_the_check_tells_text_from_bytes(source: str, flagged: bool) -> None:
    call = ast.parse(source, mode="eval").body
    assert isinstance(call, ast.Call) and _needs_encoding(call) is flagged


def _in_ascii_locale(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LC_CTYPE", "LANGUAGE")}
    env.update(NON_UTF8_LOCALE)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, encoding="utf-8", timeout=120
    )


WORDS = "\u00e9 \u2014 \u00fc \u4e2d"
"""é — ü 中: Latin-1, a dash cp1252 has and Latin-1 lacks, and a character only UTF-8 holds."""
ENTRY = "caf\u00e9 | " + WORDS
"""One line of a lesson's entries: term | meaning."""


@pytest.mark.slow
def test_a_form_holding_any_text_saves_and_loads_under_an_ascii_locale(tmp_path: Path) -> None:
    code = f"""
import locale, sys
assert locale.getpreferredencoding(False).lower() in ("ascii", "ansi_x3.4-1968"), locale.getpreferredencoding(False)
assert not sys.flags.utf8_mode
from tutorflow_nb.widgets import ExpansionForm
form = ExpansionForm()
form.level_title.value = {WORDS!a}
form.lesson_editors()[0].entries.value = {ENTRY!a}
form.save("form.json")
again = ExpansionForm()
again.load("form.json")
assert again.request == form.request, (again.request, form.request)
print("saved and loaded")
"""
    ran = _in_ascii_locale(code, tmp_path)
    assert ran.returncode == 0 and "saved and loaded" in ran.stdout, ran.stderr[-2000:]
    saved = json.loads((tmp_path / "form.json").read_bytes().decode("utf-8"))
    assert saved["payload"]["level"]["title"] == WORDS
    assert saved["payload"]["level"]["lessons"][0]["items"][0] == {"term": "caf\u00e9", "meaning": WORDS}


@pytest.mark.slow
def test_the_mock_writes_its_files_as_utf8_and_private_under_an_ascii_locale(tmp_path: Path) -> None:
    code = """
from tutorflow_nb.mock import MockServer
from tutorflow_nb.mock.server import write_cookie_jar, write_env_file
server = MockServer(provision=True)
write_env_file("mock.env", "http://127.0.0.1:8765", server.demo)
write_cookie_jar("tutorflow-admin.cookies", "http://127.0.0.1:8765", server.demo.session_token)
print("written")
"""
    ran = _in_ascii_locale(code, tmp_path)
    assert ran.returncode == 0 and "written" in ran.stdout, ran.stderr[-2000:]
    for name in ("mock.env", "tutorflow-admin.cookies"):
        written = tmp_path / name
        assert written.stat().st_mode & 0o077 == 0, name  # the owner's only: it holds a key or a session
        assert "TUTORFLOW" in written.read_bytes().decode("utf-8") or "tutorflow" in written.read_text("utf-8")
