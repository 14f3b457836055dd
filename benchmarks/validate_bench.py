"""Validation speed: dvschema against orjson alone, jsonschema and jsonschema-rs, in one run.

Run: python benchmarks/validate_bench.py [--records N] [--seed S]
Generates records for seed 000's msdyn_botsession (fixed seed, about 10% invalid across the
rules), writes them as JSONL (and as an indented JSON array, timed against the JSONL file: goal
>= 0.5 of its speed, with the peak memory of validating each), and prints records per second with the ratios against the goals:
dvschema on one core >= 0.6 of the orjson floor, >= 30x jsonschema, >= 1.5x jsonschema-rs,
and --jobs 2 >= 1.8x one job. "dvschema" is the main job, ``validate_files`` on the file with
every finding collected; the library's line and dict paths are printed beside it. Each figure is
the best of --repeats runs; jsonschema is timed on a slice (it is slow) and reported per record.
Beside the --jobs figure it prints, round by round, the speed-up and what two processes of a
pure-Python loop (as long as the run) gain on this machine in the same round: on a shared virtual
machine whose second core is often taken, that ceiling can sit far below 2.
The run stops if the dvschema paths disagree on the number of findings.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Callable

import orjson

from dvschema import Validator, parse_file
from dvschema.validation.export import record_json_schema
from dvschema.validation.run import validate_files

SEED_000 = Path(__file__).resolve().parent.parent / "fixtures/seeds/000_9c7df8c6ddd75b92.txt"
GUID = "00000000-0000-0000-0000-{:012d}"

BREAKERS = [
    lambda r: r.pop("msdyn_name"),
    lambda r: r.update(msdyn_name="x" * 101),
    lambda r: r.update(msdyn_csatscore=6),
    lambda r: r.update(msdyn_outcome=1),
    lambda r: r.update(statecode=0, statuscode=2),
    lambda r: r.update(msdyn_csatscore="5"),
    lambda r: r.update({"msdyn_botid@odata.bind": "bots(1)"}),
    lambda r: r.update(createdon="2024-01-01T00:00:00Z"),
    lambda r: r.update(msdyn_nmae="typo"),
]


def make_records(count: int, seed: int) -> list[dict]:
    """Records for msdyn_botsession; about one in ten breaks one rule."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        record = {
            "msdyn_name": f"Session {index}",
            "msdyn_botid@odata.bind": f"/bots({GUID.format(rng.randrange(10**6))})",
            "msdyn_isengaged": rng.random() < 0.5,
            "msdyn_outcome": rng.choice([419550000, 419550001, 419550002, 419550003]),
            "msdyn_outcomereason": 419560000 + rng.randrange(9),
            "msdyn_sessionid@odata.bind": f"/msdyn_ocsessions({GUID.format(index)})",
            "msdyn_sourcesessionid": f"src-{index}",
            "msdyn_startedon": "2024-05-01T10:00:00Z",
            "msdyn_csatscore": rng.randint(1, 5),
            "msdyn_topicname": "Greeting" * rng.randint(1, 10),
            "statecode": 0,
            "statuscode": 1,
        }
        if rng.random() < 0.1:
            rng.choice(BREAKERS)(record)
        records.append(record)
    return records


def rate(count: int, seconds: float) -> float:
    """Records per second."""
    return count / seconds if seconds else float("inf")


def round_times(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Each contender's time in each of ``rounds`` rounds, in seconds. The contenders take turns
    within a round, so a slow spell of a shared machine hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def best_times(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The fastest of ``rounds`` runs of each contender, in seconds (see :func:`round_times`)."""
    return {name: min(runs) for name, runs in round_times(contenders, rounds).items()}


class FileRunner:
    """``validate_files`` in a helper process forked before the benchmark loads its lines: the main job
    runs as in the CLI, in a process that holds little beyond the validator. (Forking a process with
    the benchmark's 200,000 lines in memory costs several ms more, which --jobs would pay.)"""

    def __init__(self, validator: Validator, path: Path):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.connection, served = context.Pipe()
        self.path = path
        self.process = context.Process(target=self._serve, args=(served, validator), daemon=True)
        self.process.start()

    @staticmethod
    def _serve(connection: object, validator: Validator) -> None:
        while (request := connection.recv()) is not None:
            jobs, path = request
            if jobs == "peak":  # in a fresh child, whose own peak is measured alone
                child = os.fork()
                if child == 0:
                    sum(1 for _ in validate_files(validator, [path]))
                    os._exit(0)
                connection.send(os.wait4(child, 0)[2].ru_maxrss * 1024)
            else:
                connection.send(sum(1 for _ in validate_files(validator, [path], jobs=jobs)))

    def findings(self, jobs: int, path: Path | None = None) -> int:
        """Run validate_files on the file (default: the JSONL file) with ``jobs`` processes; the
        number of findings."""
        self.connection.send((jobs, path or self.path))
        return self.connection.recv()

    def peak_memory(self, path: Path) -> int:
        """The peak resident memory, in bytes, of a process (forked from the small helper) that
        validates ``path`` in one job."""
        self.connection.send(("peak", path))
        return self.connection.recv()

    def close(self) -> None:
        """End the helper process."""
        self.connection.send(None)
        self.process.join()


def _busy_loop(steps: int) -> None:
    total = 0
    for number in range(steps):
        total += number


def busy_loops(processes: int, steps: int = 2_000_000) -> None:
    """Two runs of a pure-Python loop: one after the other, or side by side in two processes."""
    if processes == 1:
        _busy_loop(steps)
        _busy_loop(steps)
        return
    child = os.fork()
    if child == 0:
        _busy_loop(steps)
        os._exit(0)
    _busy_loop(steps)
    os.waitpid(child, 0)


def steps_for(seconds: float) -> int:
    """Loop steps that take about ``seconds`` here: the ceiling is measured over as long a stretch as
    the run it explains (a VM's CPU quota can allow short bursts on two cores and not longer runs)."""
    start = time.perf_counter()
    _busy_loop(1_000_000)
    return max(100_000, int(1_000_000 * seconds / (time.perf_counter() - start)))


FLOOR_PROCESS = "import sys, orjson\nfor line in open(sys.argv[1], 'rb'):\n    orjson.loads(line)\n"


def whole_process_times(path: Path, rounds: int) -> dict[str, list[float]]:
    """Wall times of two whole processes, taking turns: ``python -c`` reading and ``orjson.loads``-ing
    every line (the floor), and ``dvschema validate --format json`` on the file (start-up, the
    schema from the parse cache, every finding encoded in the JSON report, written to a pipe)."""
    import subprocess
    import sys

    # as an installed package runs: with bytecode (see startup_bench.py)
    environment = {**{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
                   "DVSCHEMA_CACHE_DIR": str(path.parent / "cache")}
    commands = {
        "floor process": [sys.executable, "-c", FLOOR_PROCESS, str(path)],
        "dvschema process": [sys.executable, "-m", "dvschema.cli", "validate", "--schema", str(SEED_000),
                             "--format", "json", str(path)],
    }
    subprocess.run(commands["dvschema process"], env=environment, stdout=subprocess.DEVNULL)  # fills the cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, env=environment, stdout=subprocess.PIPE, check=name == "floor process")
            times[name].append(time.perf_counter() - start)
    return times


def print_whole_process(times: dict[str, list[float]]) -> None:
    """Print the whole-process comparison: medians and the ratio of each round."""
    import statistics

    floor, dvschema = (statistics.median(times[name]) for name in ("floor process", "dvschema process"))
    ratios = sorted(f / d for f, d in zip(times["floor process"], times["dvschema process"]))
    print(f"whole process, python -c orjson.loads every line (floor): median {floor * 1000:6.0f} ms")
    print(f"whole process, dvschema validate --format json          : median {dvschema * 1000:6.0f} ms  "
          f"ratio to floor {floor / dvschema:.2f} (goal >= 0.6); per round: "
          + ", ".join(f"{ratio:.2f}" for ratio in ratios))


def main() -> None:
    """Generate the records, time every contender and print the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jsonschema-sample", type=int, default=5_000)
    parser.add_argument("--process-only", action="store_true",
                        help="Only the whole-process comparison (dvschema validate --format json vs python -c).")
    args = parser.parse_args()
    if args.process_only:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "records.jsonl"
            path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in make_records(args.records, args.seed)))
            print_whole_process(whole_process_times(path, args.repeats))
        return

    table = parse_file(SEED_000).table
    validator = Validator(table, "create")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.jsonl"
        runner = FileRunner(validator, path) if hasattr(os, "fork") else None
        records = make_records(args.records, args.seed)
        path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
        array_path = Path(folder) / "records.json"  # the same records as a JSON array, one key a line
        array_path.write_bytes(orjson.dumps(records, option=orjson.OPT_INDENT_2))
        del records
        lines = path.read_bytes().splitlines()
        count = len(lines)
        found: dict[str, int] = {}

        def floor() -> None:
            for line in lines:
                orjson.loads(line)

        def dvschema_file(jobs: int) -> Callable[[], None]:
            def run() -> None:
                found[f"jobs={jobs}"] = (runner.findings(jobs) if runner is not None
                                         else sum(1 for _ in validate_files(validator, [path], jobs=jobs)))
            return run

        def dvschema_array() -> None:
            found["json array"] = (runner.findings(1, array_path) if runner is not None
                                   else sum(1 for _ in validate_files(validator, [array_path])))

        def dvschema_lines() -> None:
            found["lines"] = sum(1 for line in lines for _ in validator.iter_line_violations(line))

        def dvschema_dicts() -> None:
            found["dicts"] = sum(1 for line in lines for _ in validator.iter_violations(orjson.loads(line)))

        contenders = {"floor": floor, "jobs=1": dvschema_file(1), "jobs=2": dvschema_file(2),
                      "json array": dvschema_array, "lines": dvschema_lines, "dicts": dvschema_dicts}
        if hasattr(os, "fork"):  # what two processes gain on this machine right now, for the --jobs figure
            one_job = best_times({"jobs=1": contenders["jobs=1"]}, 1)["jobs=1"]
            steps = steps_for(one_job / 2)
            contenders.update({"loop x1": lambda: busy_loops(1, steps), "loop x2": lambda: busy_loops(2, steps)})
        rounds = round_times(contenders, args.repeats)
        times = {name: min(runs) for name, runs in rounds.items()}
        peaks = {}
        if runner is not None:
            peaks = {"JSONL": runner.peak_memory(path), "JSON array": runner.peak_memory(array_path)}
            runner.close()
        sizes = {"JSONL": path.stat().st_size, "JSON array": array_path.stat().st_size}
        floor_rate = rate(count, times["floor"])
        file_rate = {jobs: rate(count, times[f"jobs={jobs}"]) for jobs in (1, 2)}
        array_rate = rate(count, times["json array"])
        lines_rate = rate(count, times["lines"])
        dicts_rate = rate(count, times["dicts"])
        if len(set(found.values())) != 1:
            raise SystemExit(f"the dvschema paths disagree on the findings: {found}")
        del lines
        process_times = whole_process_times(path, args.repeats)
        lines = path.read_bytes().splitlines()

        import jsonschema

        schema = record_json_schema(table)
        checker = jsonschema.Draft202012Validator(schema)
        sample = lines[: args.jsonschema_sample]

        def jsonschema_run() -> None:
            for line in sample:
                for _ in checker.iter_errors(orjson.loads(line)):
                    pass

        jsonschema_rate = rate(len(sample), best_times({"jsonschema": jsonschema_run}, 1)["jsonschema"])
        try:
            import jsonschema_rs
        except ImportError:
            jsonschema_rs = None
        rs_rate = None
        if jsonschema_rs is not None:
            rs_checker = jsonschema_rs.validator_for(schema)

            def rs_run() -> None:
                for line in lines:
                    for _ in rs_checker.iter_errors(orjson.loads(line)):
                        pass

            rs_rate = rate(count, best_times({"rs": rs_run}, args.repeats)["rs"])

    one = file_rate[1]
    print(f"records: {count} ({found['jobs=1']} findings), cores: {os.cpu_count()}, "
          f"C screen: {'yes' if validator.screen is not None else 'no (rules in Python only)'}")
    print(f"orjson.loads alone (floor)          : {floor_rate:12,.0f} rec/s")
    print(f"dvschema validate_files, one job    : {one:12,.0f} rec/s  ratio to floor {one / floor_rate:.2f}"
          f" (goal >= 0.6)")
    print(f"dvschema validate_files, --jobs 2   : {file_rate[2]:12,.0f} rec/s  speed-up {file_rate[2] / one:.2f}"
          f" (goal >= 1.8)")
    if "loop x2" in times:
        pairs = sorted(zip((one / two for one, two in zip(rounds["jobs=1"], rounds["jobs=2"])),
                           (one / two for one, two in zip(rounds["loop x1"], rounds["loop x2"]))), reverse=True)
        print("  per round, --jobs 2 speed-up (what two processes of a pure-Python loop gain on this machine in"
              " the same round):")
        print("  " + ", ".join(f"{speed_up:.2f} ({ceiling:.2f})" for speed_up, ceiling in pairs))
    print(f"dvschema validate_files, JSON array : {array_rate:12,.0f} rec/s  ratio to JSONL {array_rate / one:.2f}"
          f" (goal >= 0.5)")
    for kind, peak in peaks.items():
        print(f"  peak memory validating the {kind} file ({sizes[kind] / 2**20:,.0f} MB): {peak / 2**20:,.0f} MB")
    print(f"dvschema iter_line_violations(bytes): {lines_rate:12,.0f} rec/s  ratio to floor "
          f"{lines_rate / floor_rate:.2f}")
    print(f"dvschema iter_violations(dict)      : {dicts_rate:12,.0f} rec/s  (orjson.loads included)")
    print(f"jsonschema (sample of {len(sample)})        : {jsonschema_rate:12,.0f} rec/s  dvschema is "
          f"{one / jsonschema_rate:.1f}x (goal >= 30)")
    if rs_rate is None:
        print("jsonschema-rs                       : not installed (pip install jsonschema-rs)")
    else:
        print(f"jsonschema-rs                       : {rs_rate:12,.0f} rec/s  dvschema is {one / rs_rate:.2f}x"
              f" (goal >= 1.5)")
    print_whole_process(process_times)


if __name__ == "__main__":
    main()
