"""``tutorflow-nb lab`` as a user starts it, and the Binder build replayed in a fresh environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import httpx
from lab import free_port, start_lab, stop_lab

ROOT = Path(__file__).resolve().parents[1]


def test_lab_starts_the_mock_and_jupyterlab_on_the_quickstart() -> None:
    port = free_port()
    proc, reader, seen = start_lab(ROOT, port, "lab-test")
    try:
        mock_url = re.search(r"mock TutorFlow API is at (http://[\d.:]+)", seen).group(1)  # type: ignore[union-attr]
        assert httpx.get(f"{mock_url}/_mock/state").status_code == 200
        assert "tf_content_" in seen and not re.search(r"tf_content_[a-z0-9]{32}", seen)  # prefix only
        base = f"http://127.0.0.1:{port}"
        lab = httpx.get(f"{base}/lab/tree/01-quickstart.ipynb?token=lab-test")
        assert lab.status_code == 200
        notebook = httpx.get(f"{base}/api/contents/01-quickstart.ipynb?token=lab-test").json()
        assert notebook["type"] == "notebook" and notebook["content"]["cells"]
    finally:
        stop_lab(proc, reader)


def test_repo2docker_detects_the_binder_configuration() -> None:
    r2d = Path(sys.executable).parent / "jupyter-repo2docker"
    ran = subprocess.run([str(r2d), "--no-build", "--no-run", str(ROOT)], capture_output=True, text=True, timeout=120)
    out = ran.stdout + ran.stderr
    assert ran.returncode == 0, out[-2000:]
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert f"python={runtime.removeprefix('python-')}" in out
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in out


def test_binder_build_replayed_in_a_fresh_environment(tmp_path: Path) -> None:
    """What repo2docker runs, in a fresh venv: install binder/requirements.txt from the repo root, then run
    the quickstart the badge opens, with no setting at all."""
    repo = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache", "*.sqlite*"),
    )
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORFLOW_", "VIRTUAL_ENV", "PYTHONPATH"))}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=clean,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    labpath = "notebooks/01-quickstart.ipynb"
    readme = (ROOT / "README.md").read_text()
    assert "labpath=" + labpath.replace("/", "%2F") in readme
    executed = subprocess.run(
        [
            str(python),
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            labpath,
            "--output",
            str(tmp_path / "executed.ipynb"),
        ],
        cwd=repo,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert executed.returncode == 0, executed.stderr[-3000:]
    assert "bundled mock" in (tmp_path / "executed.ipynb").read_text()
