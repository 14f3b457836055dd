"""The hooks run under the real pre-commit, from a data repository that points at this checkout.

pre-commit installs a hook repository's environment once per repository and revision. ``try-repo``
makes a new revision (and a fresh environment) for every call, which cost minutes; here the
checkout's files are committed once into a snapshot repository that the data repository's
``.pre-commit-config.yaml`` names at that revision, so the three hooks share one environment,
installed once per session in a private ``PRE_COMMIT_HOME``.
"""

from __future__ import annotations

import os
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

HOOKS_CONFIG = """repos:
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: dvschema-validate
        files: ^(data|stray)/
      - id: dvschema-docs
      - id: dvschema-drift
"""


def _environment(home):
    return {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(home), "PATH": os.environ["PATH"],
            "PRE_COMMIT_HOME": str(home / "pre-commit-home")}


def _git(folder, home, *args):
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True,
                          env=_environment(home)).stdout


@pytest.fixture(scope="module")
def data_repo(tmp_path_factory):
    """A data repository whose pre-commit configuration names a snapshot of this checkout."""
    home = tmp_path_factory.mktemp("home")
    snapshot = tmp_path_factory.mktemp("dvschema-snapshot")
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    _git(snapshot, home, "init", "-q")
    _git(snapshot, home, "add", "-A")
    _git(snapshot, home, "commit", "-qm", "snapshot")
    revision = _git(snapshot, home, "rev-parse", "HEAD").strip()

    folder = tmp_path_factory.mktemp("data-repo")
    (folder / "docs").mkdir()
    (folder / "data").mkdir()
    (folder / "stray").mkdir()
    shutil.copy(SEED_BOTSESSION, folder / "docs" / "msdyn_botsession.md")
    (folder / "pyproject.toml").write_text(PYPROJECT)
    (folder / ".pre-commit-config.yaml").write_text(HOOKS_CONFIG.format(repo=snapshot, rev=revision))
    subprocess.run(["dvschema", "parse", "docs", "-o", "baseline.json"], cwd=folder, check=True,
                   capture_output=True)
    assert "msdyn_botsession" in (folder / "baseline.json").read_text()
    shutil.copy(FIXTURES / "records" / "msdyn_botsession.valid.jsonl", folder / "data" / "good.jsonl")
    shutil.copy(FIXTURES / "records" / "msdyn_botsession.invalid.jsonl", folder / "data" / "bad.jsonl")
    shutil.copy(FIXTURES / "records" / "msdyn_botsession.valid.jsonl", folder / "stray" / "unmatched.jsonl")
    _git(folder, home, "init", "-q")
    _git(folder, home, "add", "-A")
    _git(folder, home, "commit", "-qm", "data")
    return folder, home


def _run(repo, hook, *files):
    folder, home = repo
    return subprocess.run(["pre-commit", "run", hook, "--verbose",
                           *(["--files", *files] if files else ["--all-files"])],
                          cwd=folder, capture_output=True, text=True, env=_environment(home))


def test_validate_hook_passes_good_records_and_fails_bad_ones_with_file_and_line(data_repo):
    good = _run(data_repo, "dvschema-validate", "data/good.jsonl")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = _run(data_repo, "dvschema-validate", "data/bad.jsonl", "data/good.jsonl")
    assert bad.returncode == 1
    assert "data/bad.jsonl:4: DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5" in bad.stdout


def test_validate_hook_reports_an_unmatched_file_and_still_checks_the_others(data_repo):
    result = _run(data_repo, "dvschema-validate", "stray/unmatched.jsonl", "data/bad.jsonl")
    assert result.returncode == 1 and "exit code: 2" in result.stdout, result.stdout + result.stderr
    assert "stray/unmatched.jsonl: error: no table for this file" in result.stdout
    assert "data/bad.jsonl:4: DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5" in result.stdout


def test_docs_hook_and_drift_hook(data_repo):
    folder, _ = data_repo
    assert _run(data_repo, "dvschema-docs", "docs/msdyn_botsession.md").returncode == 0
    clean = _run(data_repo, "dvschema-drift")
    assert clean.returncode == 0 and "0 breaking, 0 warning, 0 info" in clean.stdout
    page = folder / "docs" / "msdyn_botsession.md"
    original = page.read_text()
    page.write_text(original.replace("|419550003|**abandoned**|\n", "", 1))
    try:
        drift = _run(data_repo, "dvschema-drift", "docs/msdyn_botsession.md")
        assert drift.returncode == 1
        assert "DD301 option-removed: msdyn_outcome: option 419550003 was removed" in drift.stdout
    finally:
        page.write_text(original)
