"""Run the code blocks of a Markdown page as a reader pastes them, and check what they print.

``python tests/doc_blocks.py PAGE.md`` runs one page and prints a JSON report; ``tests/test_doc_blocks.py``
runs every page (the README, ``CONTRIBUTING.md``, ``ARCHITECTURE.md``, ``CHANGELOG.md`` and the site's
pages). A page runs in a folder of its own, in order, with no ``TUTORFLOW_*`` variable set, so
``tf.connect()`` starts the bundled mock as it does for a reader:

- ``python`` and ``pycon`` blocks share one namespace. A block with ``>>>`` prompts is a doctest: what
  it shows after a prompt is what the line must print (``...`` stands for anything, on one line or
  several). A block without prompts must run without an error.
- ``bash``/``sh``/``console`` blocks run in bash with ``set -e -o pipefail``, exported variables carried
  from one block to the next. Lines starting with ``$ `` are commands and the lines under them what they
  print; a ``text`` block right after a block is what the whole block prints.
- ``text`` anywhere else, ``json``/``toml``/``yaml``/``ini`` and a fence with no language are listings
  (a diagram, a file's shape): nothing a reader pastes into a shell or an interpreter.

A marker right above a block changes that, visibly in the Markdown source:

- ``<!-- docs: skip REASON -->``: the block is not run (it starts a server that runs until stopped,
  installs the project, ...). The reason is required and is what the test reports, counted.
- ``<!-- docs: background -->``: a shell block that starts a server. It runs in the background until the
  page ends; a ``text`` block after it is the beginning of what it prints, waited for and checked.

Any other language, unmarked, fails the page: a block either runs or says why it cannot.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

MARKER = re.compile(r"^<!--\s*docs:\s*(?P<kind>[\w-]+)(?P<reason>.*?)-->\s*$", re.S)
PYTHON = {"python", "py", "pycon"}
SHELL = {"bash", "sh", "shell", "console", "shell-session"}
OUTPUT = {"text", "output"}
LISTING = {"", "json", "toml", "yaml", "ini", "cfg", "csv", "diff"}
CHECK = doctest.ELLIPSIS
BLOCK_TIMEOUT = 180.0
BANNER_TIMEOUT = 60.0


@dataclass
class Block:
    """One fenced block of a page, what it is, and what it says it prints."""

    line: int
    lang: str
    code: str
    kind: str
    """``python``, ``doctest``, ``shell``, ``listing``, ``skip``, ``background``, or ``unknown``."""
    reason: str = ""
    output: str | None = None
    """The ``text`` block right after it: what it prints."""


def parse(text: str) -> list[Block]:
    """Every fenced block of a Markdown text (directives such as ``{toctree}`` excepted), classified."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    for i, token in enumerate(tokens):
        if token.type not in ("fence", "code_block"):
            continue
        lang = token.info.strip().split(" ")[0].lower() if token.type == "fence" else ""
        if lang.startswith("{"):
            continue  # a MyST directive: the page's structure, not code
        line = (token.map or [0])[0] + 1
        previous = tokens[i - 1] if i else None
        if lang in OUTPUT and previous is not None and previous.type == "fence" and blocks:
            last = blocks[-1]
            if last.line == (previous.map or [0])[0] + 1 and last.kind in ("python", "doctest", "shell", "background"):
                last.output = token.content
                continue
        marker = (
            MARKER.match(previous.content.strip()) if previous is not None and previous.type == "html_block" else None
        )
        kind = _kind(lang, token.content)
        block = Block(line, lang, token.content, kind)
        if marker:
            if marker["kind"] == "skip":
                block.kind, block.reason = "skip", " ".join(marker["reason"].split())
            elif marker["kind"] == "background" and kind == "shell":
                block.kind = "background"
            else:
                block.kind, block.reason = "unknown", f"marker {marker['kind']!r} does not apply to a {lang} block"
        blocks.append(block)
    return blocks


def _kind(lang: str, code: str) -> str:
    if lang == "pycon" or (lang in PYTHON and any(line.startswith(">>>") for line in code.splitlines())):
        return "doctest"
    if lang in PYTHON:
        return "python"
    if lang in SHELL:
        return "shell"
    if lang in LISTING or lang in OUTPUT:
        return "listing"
    return "unknown"


def problems(blocks: list[Block]) -> list[str]:
    """What makes a page's blocks unclear: a language the test cannot run, unmarked; a skip with no reason."""
    found = []
    for b in blocks:
        if b.kind == "unknown":
            found.append(f"line {b.line}: a {b.lang or 'plain'} block the test cannot run: {b.reason or 'mark it'}")
        if b.kind == "skip" and not b.reason:
            found.append(f"line {b.line}: <!-- docs: skip --> needs a reason after 'skip'")
    return found


@dataclass
class Page:
    """A page's run: its folder, its shell's exported variables, its Python namespace, its servers."""

    name: str
    workdir: Path
    env: dict[str, str]
    namespace: dict[str, Any] = field(default_factory=dict)
    background: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def state(self) -> Path:
        return self.workdir.parent / "exported.sh"

    def shell(self, code: str, timeout: float = BLOCK_TIMEOUT) -> subprocess.CompletedProcess[str]:
        script = (
            f"set -e -o pipefail\nif [ -f {self.state} ]; then . {self.state}; fi\n{code}\nexport -p > {self.state}\n"
        )
        return subprocess.run(
            ["bash", "-c", script],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def stop(self) -> None:
        for proc in self.background:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _same(want: str, got: str) -> bool:
    return doctest.OutputChecker().check_output(want, got, CHECK)


def _diff(want: str, got: str) -> str:
    example = doctest.Example("", want)
    return doctest.OutputChecker().output_difference(example, got, CHECK)


def _commands(code: str) -> list[tuple[str, str]]:
    """A console block's ``(command, what it prints)`` pairs; a line ending in ``\\`` continues."""
    pairs: list[tuple[str, str]] = []
    lines = code.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            raise ValueError(f"a console block's line {i + 1} is neither a '$ ' command nor under one: {line!r}")
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1] + "\n" + lines[i]
        printed = []
        while i + 1 < len(lines) and not lines[i + 1].startswith("$ "):
            i += 1
            printed.append(lines[i])
        pairs.append((command, "\n".join(printed) + ("\n" if printed else "")))
        i += 1
    return pairs


def run_block(page: Page, block: Block) -> str | None:
    """Run one block; what went wrong, or ``None``."""
    if block.kind == "doctest":
        test = doctest.DocTestParser().get_doctest(block.code, {}, page.name, page.name, block.line)
        test.globs = page.namespace  # one namespace for the page (get_doctest copies the one it is given)
        report = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=CHECK)
        with _in(page.workdir, page.env):
            result = runner.run(test, out=report.write, clear_globs=False)
        return report.getvalue() if result.failed else None
    if block.kind == "python":
        printed = io.StringIO()
        with _in(page.workdir, page.env), contextlib.redirect_stdout(printed):
            try:
                exec(compile(block.code, f"{page.name}:{block.line}", "exec"), page.namespace)
            except Exception:
                return traceback.format_exc()
        if block.output is not None and not _same(block.output, printed.getvalue()):
            return _diff(block.output, printed.getvalue())
        return None
    if block.kind == "shell":
        if any(line.startswith("$ ") for line in block.code.splitlines()):
            for command, want in _commands(block.code):
                ran = page.shell(command)
                if ran.returncode != 0:
                    return f"$ {command}\nexit {ran.returncode}\n{ran.stdout}{ran.stderr}"
                if not _same(want, ran.stdout):
                    return f"$ {command}\n" + _diff(want, ran.stdout)
            return None
        ran = page.shell(block.code)
        if ran.returncode != 0:
            return f"exit {ran.returncode}\n{ran.stdout}{ran.stderr}"
        if block.output is not None and not _same(block.output, ran.stdout):
            return _diff(block.output, ran.stdout)
        return None
    if block.kind == "background":
        return _background(page, block)
    raise AssertionError(block.kind)


def _background(page: Page, block: Block) -> str | None:
    log = page.workdir.parent / f"background-{block.line}.out"
    errors = page.workdir.parent / f"background-{block.line}.err"
    script = f"if [ -f {page.state} ]; then . {page.state}; fi\nexec {block.code.strip()}\n"
    with log.open("wb") as out, errors.open("wb") as err:
        proc = subprocess.Popen(
            ["bash", "-c", script], cwd=page.workdir, env=page.env, stdout=out, stderr=err, start_new_session=True
        )
    page.background.append(proc)
    want = block.output or ""
    lines = len(want.splitlines())
    deadline = time.monotonic() + BANNER_TIMEOUT
    got = ""
    while time.monotonic() < deadline:
        got = log.read_text(errors="replace")
        if proc.poll() is not None:
            return f"the server stopped (exit {proc.returncode}):\n{got}{errors.read_text(errors='replace')}"
        if len(got.splitlines()) >= lines and got.endswith("\n"):
            head = "".join(got.splitlines(keepends=True)[:lines])
            return None if _same(want, head) else _diff(want, head)
        time.sleep(0.1)
    return f"waited {BANNER_TIMEOUT:.0f} s for {lines} line(s), got:\n{got}"


@contextlib.contextmanager
def _in(workdir: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Python blocks see the page's folder and environment, as the reader's interpreter would."""
    before, saved = Path.cwd(), dict(os.environ)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.chdir(before)
        os.environ.clear()
        os.environ.update(saved)


def reader_env() -> dict[str, str]:
    """The environment of a reader who activated the project's virtualenv and set nothing of TutorFlow's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def run_page(path: Path) -> dict[str, Any]:
    """Run a page's blocks in order; a report of what ran, what was skipped and why, and what failed."""
    blocks = parse(path.read_text(encoding="utf-8"))
    report: dict[str, Any] = {"page": str(path), "ran": 0, "listings": 0, "skipped": {}, "failures": []}
    report["failures"] += [{"line": 0, "lang": "", "message": p} for p in problems(blocks)]
    with tempfile.TemporaryDirectory(prefix="doc-blocks-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        page = Page(path.name, workdir, reader_env())
        try:
            for block in blocks:
                if block.kind == "listing":
                    report["listings"] += 1
                    continue
                if block.kind == "skip":
                    report["skipped"][block.reason] = report["skipped"].get(block.reason, 0) + 1
                    continue
                if block.kind == "unknown":
                    continue
                report["ran"] += 1
                try:
                    failure = run_block(page, block)
                except subprocess.TimeoutExpired as exc:
                    failure = f"still running after {exc.timeout:.0f} s"
                if failure:
                    report["failures"].append({"line": block.line, "lang": block.lang, "message": failure})
                    break  # later blocks build on this one
        finally:
            page.stop()
            with contextlib.suppress(Exception):
                page.namespace.clear()
            shutil.rmtree(workdir, ignore_errors=True)
    return report


def main(argv: list[str]) -> int:
    report = run_page(Path(argv[0]))
    print(json.dumps(report))
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
