"""Nothing lost: outputs never overwrite inputs and are written whole or not at all; interrupts,
closed pipes and killed workers end the run with their own exit code. Run as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, SEED_BOTSESSION

INVALID = FIXTURES / "records" / "msdyn_botsession.invalid.jsonl"
# Each row breaks msdyn_csatscore's range (1..5) and lacks the required columns.
CSV_HEADER = "msdyn_name,msdyn_csatscore\n"
CSV_ROW = "Session,9\n"


def _dvschema(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dvschema.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dvschema.cli", *args], capture_output=True, text=True, cwd=cwd)


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".partial"))


@pytest.mark.parametrize("option", ["--valid-out", "--rejected-out"])
@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_an_output_that_is_an_input_is_exit_2_and_the_input_is_untouched(tmp_path, option, link):
    data = tmp_path / "d.jsonl"
    data.write_bytes(INVALID.read_bytes())
    target = data
    if link == "symlink":
        target = tmp_path / "link.jsonl"
        target.symlink_to(data)
    elif link == "hardlink":
        target = tmp_path / "hard.jsonl"
        os.link(data, target)
    result = _run("validate", "--schema", str(SEED_BOTSESSION), option, str(target), str(data))
    assert result.returncode == 2
    assert f"{target}: error: {option} would overwrite an input (found 'the same file as input {data}'" \
        in result.stderr
    assert data.read_bytes() == INVALID.read_bytes()


def test_valid_out_equal_to_rejected_out_is_exit_2(tmp_path):
    out = tmp_path / "out.jsonl"
    result = _run("validate", "--schema", str(SEED_BOTSESSION), "--valid-out", str(out), "--rejected-out", str(out),
                  str(INVALID))
    assert result.returncode == 2
    assert f"{out}: error: --rejected-out is the same file as --valid-out" in result.stderr
    assert not out.exists()


def test_parse_output_over_its_input_is_exit_2(tmp_path):
    page = tmp_path / "page.md"
    page.write_bytes(SEED_BOTSESSION.read_bytes())
    result = _run("parse", str(page), "-o", str(page))
    assert result.returncode == 2 and "-o would overwrite an input" in result.stderr
    assert page.read_bytes() == SEED_BOTSESSION.read_bytes()


@pytest.mark.parametrize("where, found", [("missing/out.jsonl", "no folder"),
                                          ("/proc/out.jsonl", "No such file or directory")])
def test_an_output_folder_that_cannot_be_written_is_a_located_usage_error(tmp_path, where, found):
    target = tmp_path / where if not where.startswith("/") else Path(where)
    result = _run("validate", "--schema", str(SEED_BOTSESSION), "--rejected-out", str(target), str(INVALID))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{target}: error: cannot write") and found in result.stderr
    assert "internal error" not in result.stderr


def test_a_config_or_ignore_file_that_is_not_utf8_is_a_located_error(tmp_path):
    config = tmp_path / "dvschema.toml"
    config.write_bytes(b'operation = "create"\nfail-on = "caf\xe9"\n')
    result = _run("validate", "--config", str(config), "--schema", str(SEED_BOTSESSION), str(INVALID))
    assert result.returncode == 2
    assert result.stderr == (f"{config}:2: error: not UTF-8 text (found 'byte 0xe9', expected a TOML configuration "
                             "in UTF-8)\n")
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.dvschema]\nfail-on = "caf\xe9"\n')
    result = _run("validate", "--schema", str(SEED_BOTSESSION), str(INVALID), cwd=tmp_path)
    assert result.returncode == 2 and "pyproject.toml:2: error: not UTF-8 text" in result.stderr
    ignore = tmp_path / "ignore.toml"
    ignore.write_bytes(b'[[ignore]]\nkind = "column-removed"\nreason = "\xff"\n')
    result = _run("diff", str(SEED_BOTSESSION), str(SEED_BOTSESSION), "--ignore-file", str(ignore))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{ignore}:3: error: not UTF-8 text (found 'byte 0xff'")


def test_outputs_of_a_completed_run_are_in_place_and_no_temporary_file_is_left(tmp_path):
    valid, rejected = tmp_path / "valid.jsonl", tmp_path / "rejected.jsonl"
    result = _run("validate", "--schema", str(SEED_BOTSESSION), "--valid-out", str(valid), "--rejected-out",
                  str(rejected), str(INVALID))
    assert result.returncode == 1
    lines = INVALID.read_bytes().splitlines()
    assert len(valid.read_bytes().splitlines()) + len(rejected.read_bytes().splitlines()) == len(lines)
    assert _leftovers(tmp_path) == []


def test_a_stream_target_is_written_as_it_goes_and_never_replaced(tmp_path):
    import threading

    target = tmp_path / "rejected.fifo"
    os.mkfifo(target)
    received = []
    reader = threading.Thread(target=lambda: received.append(target.read_bytes()))
    reader.start()
    result = _run("validate", "--schema", str(SEED_BOTSESSION), "--rejected-out", str(target), str(INVALID))
    reader.join(timeout=60)
    assert result.returncode == 1, result.stderr
    assert len(received[0].splitlines()) == 14  # the 14 rejected records of the fixture
    assert target.is_fifo() and _leftovers(tmp_path) == []


def test_dev_stdout_as_an_output_is_written_to_and_stays_a_link():
    before = os.lstat("/dev/stdout")
    result = _run("validate", "--schema", str(SEED_BOTSESSION), "--format", "json", "--rejected-out", "/dev/stdout",
                  str(INVALID))
    assert result.returncode == 1, result.stderr
    assert result.stdout.count('"findings":[{') == 14  # the rejected records, among the JSON report
    after = os.lstat("/dev/stdout")
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_an_output_through_a_symbolic_link_replaces_the_file_and_keeps_the_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "rejected.jsonl").write_text("old\n")
    link = tmp_path / "rejected.jsonl"
    link.symlink_to(real / "rejected.jsonl")
    result = _run("validate", "--schema", str(SEED_BOTSESSION), "--rejected-out", str(link), str(INVALID))
    assert result.returncode == 1, result.stderr
    assert link.is_symlink() and len((real / "rejected.jsonl").read_bytes().splitlines()) == 14
    assert _leftovers(tmp_path) == [] and _leftovers(real) == []


def test_a_csv_file_from_a_named_pipe_is_read_whole_with_its_delimiter_sniffed(tmp_path):
    import threading

    fifo = tmp_path / "piped.csv"
    os.mkfifo(fifo)
    rows = "msdyn_name;msdyn_csatscore\n" + "Session;9\n" * 5000  # more than the 64 KiB sniffed
    writer = threading.Thread(target=lambda: fifo.write_text(rows))
    writer.start()
    result = _run("validate", "--schema", str(SEED_BOTSESSION), "--select", "DV103", str(fifo))
    writer.join(timeout=60)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5001 and lines[0] == f"{fifo}:2: DV103 out-of-range msdyn_csatscore: 9 is above the maximum 5"
    assert lines[4999] == f"{fifo}:5001: DV103 out-of-range msdyn_csatscore: 9 is above the maximum 5"


def _live_run(tmp_path: Path) -> tuple[Path, Path, Path, subprocess.Popen]:
    """A validation reading a CSV file from a FIFO that the test writes as it goes: the FIFO, the
    two output paths and the running process."""
    fifo = tmp_path / "live.csv"
    os.mkfifo(fifo)
    valid, rejected = tmp_path / "valid.jsonl", tmp_path / "rejected.jsonl"
    # --delimiter: no sniffing, which would wait for 64 KiB of the pipe before the first row
    process = _dvschema("validate", "--schema", str(SEED_BOTSESSION), "--delimiter", "comma", "--valid-out",
                        str(valid), "--rejected-out", str(rejected), str(fifo))
    return fifo, valid, rejected, process


def test_ctrl_c_exits_130_and_leaves_no_output_file(tmp_path):
    fifo, valid, rejected, process = _live_run(tmp_path)
    with open(fifo, "w") as writer:
        writer.write(CSV_HEADER + CSV_ROW * 3)
        writer.flush()
        first = process.stdout.readline()  # the run is under way: its first finding is out
        assert b"out-of-range" in first
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    stderr = process.stderr.read().decode()
    process.stdout.close()
    process.stderr.close()
    assert code == 130
    assert stderr.endswith("dvschema: interrupted; no output was written\n")
    assert "Aborted" not in stderr and "Traceback" not in stderr
    assert not valid.exists() and not rejected.exists()
    assert _leftovers(tmp_path) == []


def test_a_closed_stdout_stops_the_run_with_exit_141_and_no_output_file(tmp_path):
    fifo, valid, rejected, process = _live_run(tmp_path)
    writer = open(fifo, "wb", buffering=0)
    try:
        writer.write((CSV_HEADER + CSV_ROW).encode())
        process.stdout.readline()  # what `| head -1` reads, before it exits
        process.stdout.close()
        writer.write((CSV_ROW * 2000).encode())
    except BrokenPipeError:
        pass  # the run already met the closed stdout (a row's later findings) and stopped reading
    finally:
        writer.close()
    code = process.wait(timeout=60)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert code == 141
    assert stderr == "dvschema: standard output was closed (broken pipe); stopped, no output was written\n"
    assert not valid.exists() and not rejected.exists()
    assert _leftovers(tmp_path) == []


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _stalled_jobs_run(tmp_path: Path) -> tuple[Path, subprocess.Popen, list[int]]:
    """A --jobs 2 run over about sixteen blocks of 1 MB whose stdout is not read: the parent stalls on
    a full pipe, and so does the worker on its own (its pipe holds a few blocks' results), holding a
    block it claimed. The rejected-out path, the process (in a session of its own, as a shell's job)
    and its workers."""
    data = tmp_path / "big.jsonl"
    lines = INVALID.read_bytes()
    data.write_bytes(lines * (16_000_000 // len(lines)))
    rejected = tmp_path / "rejected.jsonl"
    process = _dvschema("validate", "--schema", str(SEED_BOTSESSION), "--jobs", "2", "--rejected-out",
                        str(rejected), str(data), start_new_session=True)
    deadline = time.monotonic() + 30
    while not (workers := _children(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert workers, "no worker started"
    time.sleep(0.3)
    return rejected, process, workers


@pytest.mark.skipif(not Path("/proc/self/task").exists() or not hasattr(os, "fork"), reason="needs Linux /proc")
def test_ctrl_c_on_a_jobs_run_exits_130_and_stops_the_workers(tmp_path):
    rejected, process, workers = _stalled_jobs_run(tmp_path)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.decode().endswith("dvschema: interrupted; no output was written\n")
    assert not Path(f"/proc/{workers[0]}").exists()
    assert not rejected.exists() and _leftovers(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/self/task").exists() or not hasattr(os, "fork"), reason="needs Linux /proc")
def test_a_killed_worker_is_named_with_its_signal_and_no_output_is_written(tmp_path):
    rejected, process, workers = _stalled_jobs_run(tmp_path)
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert stderr.decode().endswith(f"dvschema: worker process {workers[0]} ended unexpectedly (killed by signal 9, "
                                    "SIGKILL); no output was written\n")
    assert not rejected.exists() and _leftovers(tmp_path) == []


def test_a_catalog_written_with_o_is_readable_by_others_as_the_umask_says(tmp_path):
    # the temporary file (created 0600) gets the mode a plain open() would give before it is renamed
    catalog = tmp_path / "catalog.json"
    catalog.write_text("old")
    catalog.chmod(0o600)
    old_mask = os.umask(0o022)
    try:
        run = _run("parse", str(SEED_BOTSESSION), "-o", str(catalog))
    finally:
        os.umask(old_mask)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "wrote 1 table to " + str(catalog) + "\n"
    assert catalog.stat().st_mode & 0o777 == 0o644
    assert catalog.read_text().startswith('{"model_version":"2"')


@pytest.mark.parametrize("report_format", ["json", "github"])
def test_a_reader_leaving_in_the_middle_of_a_large_report_is_exit_141_and_no_output_file(tmp_path, report_format):
    # The report is written in one piece at the end of the run; its reader leaves after 10 bytes. Python's
    # buffered stdout took such a short write for a success: exit 1 and a complete --valid-out file.
    data = tmp_path / "d.jsonl"
    data.write_bytes(INVALID.read_bytes() * 300)
    valid = tmp_path / "valid.jsonl"
    process = _dvschema("validate", "--schema", str(SEED_BOTSESSION), "--format", report_format,
                        "--valid-out", str(valid), str(data))
    assert len(process.stdout.read(10)) == 10
    process.stdout.close()
    code = process.wait(timeout=60)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert code == 141
    assert stderr.endswith("dvschema: standard output was closed (broken pipe); stopped, no output was written\n")
    assert not valid.exists() and _leftovers(tmp_path) == []


def test_a_catalog_written_into_the_folder_it_parses_can_be_written_again(tmp_path):
    # the folder's .json files are never read as pages, so the catalog is no input of the next run
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "botsession.txt").write_bytes(SEED_BOTSESSION.read_bytes())
    catalog = tmp_path / "pages" / "catalog.json"
    for _ in range(2):
        run = _run("parse", str(tmp_path / "pages"), "-o", str(catalog))
        assert run.returncode == 0, run.stderr
    assert run.stderr == f"wrote 1 table to {catalog}\n"
    # a page of the folder is still protected
    page = _run("parse", str(tmp_path / "pages"), "-o", str(tmp_path / "pages" / "botsession.txt"))
    assert page.returncode == 2 and "-o would overwrite an input" in page.stderr
