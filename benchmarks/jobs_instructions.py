"""What --jobs 2 costs in work, counted in instructions rather than seconds.

Run: python benchmarks/jobs_instructions.py [--records N]   (needs valgrind)
On a shared virtual machine the wall-clock speed-up of two processes swings with what the host
gives the second core (see validate_bench.py). Instruction counts do not: callgrind counts every
instruction each process executes, whatever else the machine is doing. This script validates the
same generated file with one job and with two, under callgrind, and prints the instructions of
each process (the interpreter's start-up and the imports, counted in a run that validates nothing,
are taken off). The two-job total over the one-job total is the work --jobs adds (pipes, packing,
placing findings); with two free cores the speed-up cannot exceed 2 divided by it, and it reaches
that bound when the processes' shares are even (they claim blocks as they become free).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_bench import SEED_000, make_records  # noqa: E402

RUN = """
import sys
from dvschema import Validator, parse_file
from dvschema.validation.run import validate_files
validator = Validator(parse_file(sys.argv[1]).table, "create")
jobs = int(sys.argv[3])
print(sum(1 for _ in validate_files(validator, [sys.argv[2]], jobs=jobs)) if jobs else 0)
"""


def instructions(folder: Path, records: Path, jobs: int) -> list[int]:
    """The instructions of each process of one run under callgrind: the first process first."""
    out = folder / f"jobs{jobs}"
    out.mkdir()
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/%p", sys.executable, "-c", RUN,
                    str(SEED_000), str(records), str(jobs)], check=True, capture_output=True)
    counts = []
    for path in sorted(out.iterdir(), key=lambda item: int(item.name)):
        summary = re.search(r"^summary: (\d+)", path.read_text(), re.MULTILINE)
        counts.append(int(summary.group(1)))
    return counts


def main() -> None:
    """Count, and print the work of one job and of two."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        records = folder / "records.jsonl"
        records.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in make_records(args.records, 7)))
        [base] = instructions(folder, records, 0)
        [one] = instructions(folder, records, 1)
        two = instructions(folder, records, 2)
    one -= base
    # A forked worker's count starts from what its parent had counted when it forked: about the
    # start-up, which the base run measures.
    shares = [count - base for count in two]
    total = sum(shares)
    print(f"records: {args.records}; instructions without start-up, in millions")
    print(f"one job           : {one / 1e6:10,.0f}")
    print(f"two jobs          : {total / 1e6:10,.0f}  (by process: {', '.join(f'{s / 1e6:,.0f}' for s in shares)};"
          " the split follows which process was free, so it varies from run to run)")
    print(f"work added by --jobs 2: {total / one - 1:+.1%}; speed-up bound on two free cores {2 * one / total:.2f}")


if __name__ == "__main__":
    main()
