"""Code blocks that cannot lie: every block of the README and the site runs as a reader pastes it.

``tests/doc_blocks.py`` runs a page (a folder of its own, no ``TUTORFLOW_*`` set, so ``connect()`` starts the
bundled mock) and checks what each block prints against what the page says. A block that cannot run carries
``<!-- docs: skip REASON -->`` in the Markdown source; each such block is reported here as a skip with its
reason, so ``-ra`` lists how many were skipped and why, and a skip is never counted as a pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from doc_blocks import parse, problems

ROOT = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).parent / "doc_blocks.py"
TOP = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "ARCHITECTURE.md", ROOT / "CHANGELOG.md"]
SITE = [p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts and "notebooks" not in p.parts]
PAGES = sorted([*TOP, *SITE], key=lambda p: str(p.relative_to(ROOT)))
RUNNABLE = [p for p in PAGES if any(b.kind not in ("listing", "skip") for b in parse(p.read_text()))]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _run(page: Path) -> dict[str, object]:
    ran = subprocess.run(
        [sys.executable, str(RUNNER), str(page)], capture_output=True, text=True, timeout=900, cwd=ROOT
    )
    assert ran.stdout.strip(), ran.stderr[-4000:]
    report: dict[str, object] = json.loads(ran.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=_name)
def test_every_block_runs_and_prints_what_the_page_says(page: Path) -> None:
    report = _run(page)
    skipped = report["skipped"]
    print(f"\n{_name(page)}: ran {report['ran']}, listings {report['listings']}, skipped {skipped}")
    failures = report["failures"]
    assert not failures, "\n\n".join(f"{_name(page)}:{f['line']} ({f['lang']}):\n{f['message']}" for f in failures)  # type: ignore[index, union-attr]


SKIPPED = [
    pytest.param(page, block.line, block.reason, id=f"{_name(page)}:{block.line}")
    for page in PAGES
    for block in parse(page.read_text())
    if block.kind == "skip"
]


@pytest.mark.parametrize(("page", "line", "reason"), SKIPPED)
def test_a_block_marked_not_to_run(page: Path, line: int, reason: str) -> None:
    """Reported, not run: the reason is the one the Markdown source gives above the block."""
    pytest.skip(f"not run: {reason}")


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_block_either_runs_or_says_why_not(page: Path) -> None:
    assert not problems(parse(page.read_text())), problems(parse(page.read_text()))


LIES = {
    "a doctest's value": ("```pycon\n>>> 1 + 1\n3\n```\n", "Expected:\n    3\nGot:\n    2"),
    "a shell block's output": ("```bash\necho 0.25\n```\n\n```text\n0.3\n```\n", "Expected:\n    0.3\nGot:\n    0.25"),
    "a console command's output": ("```console\n$ echo written\nnot written\n```\n", "Got:\n    written"),
    "a command that fails": ("```bash\ntest -f mock.env\n```\n", "exit 1"),
    "a Python block that raises": ("```python\nmany_requests\n```\n", "NameError"),
    "a server that says something else": (
        "<!-- docs: background -->\n```bash\npython -c \"print('serving at 1')\"\n```\n\n```text\nserving at 2\n```\n",
        "serving at 1",
    ),
    "a language nobody runs, unmarked": ("```javascript\nconsole.log(1)\n```\n", "a javascript block"),
    "a skip with no reason": ("<!-- docs: skip -->\n```bash\ntrue\n```\n", "needs a reason"),
}


@pytest.mark.parametrize("case", sorted(LIES))
def test_a_page_that_lies_fails(tmp_path: Path, case: str) -> None:
    """The checker can fail: each kind of block, stating what it does not do, is caught and named."""
    text, says = LIES[case]
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(text))
    report = _run(page)
    messages = "\n".join(str(f["message"]) for f in report["failures"])  # type: ignore[union-attr, index]
    assert report["failures"] and says in messages, messages


def test_a_page_that_tells_the_truth_passes(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```pycon\n>>> 1 + 1\n2\n```\n\n```bash\nexport ANSWER=42\n```\n\n```console\n$ echo $ANSWER\n42\n```\n\n"
        '<!-- docs: skip runs forever -->\n```bash\nsleep infinity\n```\n\n```json\n{"a": 1}\n```\n'
    )
    report = _run(page)
    assert report == {**report, "ran": 3, "listings": 1, "skipped": {"runs forever": 1}, "failures": []}
