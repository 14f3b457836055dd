"""Start-up time: ``dvschema --version`` and one small validation, against ``python -c pass`` and
``python -c "import orjson"``.

Run: python benchmarks/startup_bench.py [--runs N]
The commands take turns, N rounds (a shared machine's slow spells hit all alike); prints each one's
median wall time and its ratio to a bare interpreter start and to the interpreter plus orjson's
import (goal: the small validation, of a page already in the parse cache, at most 2.5 times that).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: As an installed package runs: with bytecode (pip compiles it at install; PYTHONDONTWRITEBYTECODE, set in
#: some development shells, would make every run compile dvschema's sources again, about 60 ms).
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import orjson'": [sys.executable, "-c", "import orjson"],
    "dvschema --version": [sys.executable, "-m", "dvschema.cli", "--version"],
    "dvschema validate (one small file)": [
        sys.executable, "-m", "dvschema.cli", "validate", "--schema",
        str(ROOT / "fixtures/seeds/000_9c7df8c6ddd75b92.txt"),
        str(ROOT / "fixtures/records/msdyn_botsession.valid.jsonl")],
}


def median_times(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Each command's median of ``runs`` runs, in seconds, the commands taking turns."""
    import statistics

    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=ENVIRONMENT)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    """Time each command and print it beside the bare interpreter and the interpreter with orjson."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    # fills the parse cache and writes the bytecode
    subprocess.run(COMMANDS["dvschema validate (one small file)"], cwd=ROOT, capture_output=True, env=ENVIRONMENT)
    times = median_times(COMMANDS, args.runs)
    base, with_orjson = times["python -c pass"], times["python -c 'import orjson'"]
    for name, seconds in times.items():
        print(f"{name:38} {seconds * 1000:7.0f} ms  {seconds / base:5.1f}x python -c pass  "
              f"{seconds / with_orjson:5.2f}x python with orjson")
    print("goal: dvschema validate (one small file) at most 2.50x python with orjson")


if __name__ == "__main__":
    main()
