"""Start-up time: ``dvschema --version`` and one small validation, against ``python -c pass``.

Run: python benchmarks/startup_bench.py [--runs N]
Prints the best wall time of each command and its ratio to a bare interpreter start.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "dvschema --version": [sys.executable, "-m", "dvschema.cli", "--version"],
    "dvschema validate (one small file)": [
        sys.executable, "-m", "dvschema.cli", "validate", "--schema",
        str(ROOT / "fixtures/seeds/000_9c7df8c6ddd75b92.txt"),
        str(ROOT / "fixtures/records/msdyn_botsession.valid.jsonl")],
}


def best_time(command: list[str], runs: int) -> float:
    """The fastest of ``runs`` runs, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Time each command and print it beside the bare interpreter."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = best_time(COMMANDS["python -c pass"], args.runs)
    for name, command in COMMANDS.items():
        seconds = best_time(command, args.runs)
        print(f"{name:38} {seconds * 1000:7.0f} ms  {seconds / base:5.1f}x python -c pass")


if __name__ == "__main__":
    main()
