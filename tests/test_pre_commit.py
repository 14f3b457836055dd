"""The hooks run under the real pre-commit, from a data repository that points at this checkout."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import FIXTURES, ROOT, SEED_BOTSESSION

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                                reason="pre-commit (a test dependency) is not installed")

PYPROJECT = """[project]
name = "data"

[tool.dvschema]
schema = ["docs"]
baseline = "baseline.json"

[tool.dvschema.tables]
"data/*.jsonl" = "msdyn_botsession"
"""


def _git(folder, *args):
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(folder), "PATH": _path()})


def _path():
    import os

    return os.environ["PATH"]


def _try(folder, hook, *files):
    return subprocess.run(["pre-commit", "try-repo", str(ROOT), hook, "--verbose",
                           *(["--files", *files] if files else ["--all-files"])],
                          cwd=folder, capture_output=True, text=True)


@pytest.fixture(scope="module")
def data_repo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data-repo")
    (folder / "docs").mkdir()
    (folder / "data").mkdir()
    shutil.copy(SEED_BOTSESSION, folder / "docs" / "msdyn_botsession.md")
    (folder / "pyproject.toml").write_text(PYPROJECT)
    subprocess.run(["dvschema", "parse", "docs", "-o", "baseline.json"], cwd=folder, check=True,
                   capture_output=True)
    assert "msdyn_botsession" in (folder / "baseline.json").read_text()
    shutil.copy(FIXTURES / "records" / "msdyn_botsession.valid.jsonl", folder / "data" / "good.jsonl")
    shutil.copy(FIXTURES / "records" / "msdyn_botsession.invalid.jsonl", folder / "data" / "bad.jsonl")
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-qm", "data")
    return folder


def test_validate_hook_passes_good_records_and_fails_bad_ones_with_file_and_line(data_repo):
    good = _try(data_repo, "dvschema-validate", "data/good.jsonl")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = _try(data_repo, "dvschema-validate", "data/bad.jsonl", "data/good.jsonl")
    assert bad.returncode == 1
    assert "data/bad.jsonl:4: DV103 out-of-range 6 is above the maximum 5" in bad.stdout


def test_docs_hook_and_drift_hook(data_repo):
    assert _try(data_repo, "dvschema-docs", "docs/msdyn_botsession.md").returncode == 0
    clean = _try(data_repo, "dvschema-drift")
    assert clean.returncode == 0 and "0 breaking, 0 warning, 0 info" in clean.stdout
    page = data_repo / "docs" / "msdyn_botsession.md"
    original = page.read_text()
    page.write_text(original.replace("|419550003|**abandoned**|\n", "", 1))
    try:
        drift = _try(data_repo, "dvschema-drift", "docs/msdyn_botsession.md")
        assert drift.returncode == 1
        assert "DD301 option-removed: msdyn_outcome: option 419550003 was removed" in drift.stdout
    finally:
        page.write_text(original)
