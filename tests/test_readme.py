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
    assert "msdyn_botsession.invalid.jsonl:4: DV103 out-of-range 6 is above the maximum 5" in result.stdout


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
