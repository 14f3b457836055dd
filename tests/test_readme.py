"""The README's commands and code work as written."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_command_is_an_install_and_a_real_run():
    first = re.search(r"```sh\n(.+?)\n```", README, re.S).group(1)
    assert first.startswith("python3 -m pip install -e . && dvschema validate")
    command = first.split("&& ", 1)[1].split()
    result = subprocess.run([sys.executable, "-m", "dvschema.cli", *command[1:]], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert "msdyn_botsession.invalid.jsonl:4: DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5" in result.stdout


def test_python_examples_run():
    for block in re.findall(r"```python\n(.+?)\n```", README, re.S):
        result = subprocess.run([sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout or "print" not in block


def test_etl_example_output():
    block = re.findall(r"```python\n(.+?)\n```", README, re.S)[1]
    output = subprocess.run([sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True).stdout
    assert "DV102 max-length msdyn_name 101 characters (UTF-16 units), longer than MaxLength 100" in output
    assert "DV103 out-of-range msdyn_csatscore 6 is above the maximum 5" in output
    assert "False" in output and "1 unknown-column" in output


def test_readme_configuration_block_loads(tmp_path):
    from dvschema.config import load_config

    block = re.search(r"```toml\n(\[tool\.dvschema\]\n.+?)\n```", README, re.S).group(1)
    path = tmp_path / "pyproject.toml"
    path.write_text(block + "\n")
    config = load_config(path)
    assert config.table_for(tmp_path / "data/sessions/a.jsonl") == "msdyn_botsession"
    assert (config.ignore, config.severity, config.fail_on) == (("DV110",), {"unknown-column": "warning"}, "error")


def test_readme_pre_commit_snippet_names_the_shipped_hooks(tmp_path):
    import shutil as which

    snippet = re.search(r"```yaml\n(repos:.+?)\n```", README, re.S).group(1)
    hook_ids = re.findall(r"- id: (\S+)", snippet)
    shipped = re.findall(r"^- id: (\S+)", (ROOT / ".pre-commit-hooks.yaml").read_text(), re.M)
    assert hook_ids == shipped == ["dvschema-validate", "dvschema-docs", "dvschema-lint", "dvschema-drift"]
    if which.which("pre-commit"):
        (tmp_path / ".pre-commit-config.yaml").write_text(snippet + "\n")
        checked = subprocess.run(["pre-commit", "validate-config", ".pre-commit-config.yaml"], cwd=tmp_path,
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        manifest = subprocess.run(["pre-commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                                  capture_output=True, text=True)
        assert manifest.returncode == 0, manifest.stdout + manifest.stderr


def test_readme_ci_step_runs(tmp_path):
    import shutil

    step = re.search(r"```sh\n(dvschema validate --format github.+?)\n```", README, re.S).group(1)
    (tmp_path / "data/sessions").mkdir(parents=True)
    shutil.copy(ROOT / "fixtures/records/msdyn_botsession.invalid.jsonl", tmp_path / "data/sessions/s.jsonl")
    shutil.copytree(ROOT / "fixtures/drift/release-1", tmp_path / "release-1")
    shutil.copytree(ROOT / "fixtures/drift/release-2", tmp_path / "release-2")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.dvschema]\nschema = ["{ROOT / "fixtures/seeds/000_9c7df8c6ddd75b92.txt"}"]\n')
    validate_line, diff_line = step.split("\n")
    result = subprocess.run(validate_line, shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert "::error file=data/sessions/s.jsonl,line=4,title=DV103 out-of-range::msdyn_csatscore: 6 is above the maximum 5" in \
        result.stdout
    drift = subprocess.run(diff_line, shell=True, cwd=tmp_path, capture_output=True, text=True)
    assert drift.returncode == 1
    assert drift.stdout.startswith("::error file=release-1/msdyn_sessionevent.md,title=DD101 table-removed::")


def test_readme_test_command_is_what_ci_runs():
    """The README's second command installs and tests as .ci/run does (there in a fresh venv, as python)."""
    command = re.findall(r"```sh\n(.+?)\n```", README, re.S)[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, test = command.replace("python3 ", "python ").split(" && ")
    assert install.replace("pip install", "pip install --quiet") in ci.splitlines()
    assert test in ci.splitlines()
