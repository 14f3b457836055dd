"""Output files written whole or not at all, and never over an input.

Every file a command writes (``-o``, ``--valid-out``, ``--rejected-out``) goes to a temporary file
beside its target and is renamed over the target only when the run completes; a run that fails, is
interrupted or loses its standard output removes the temporary file, so no output that looks
finished is ever left behind. Before anything is opened, :func:`check_outputs` refuses an output
that is one of the inputs (the same file, also through a link) or that two outputs share, and an
output folder that is missing or not writable.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator

from dvschema.diagnostics import InputError


def is_stream(path: Path) -> bool:
    """True for a target under /dev or /proc (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/3``), or an
    existing target that is no regular file (a named pipe): it is written as the run goes, never
    replaced by a renamed file."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def replaced_file(target: Path) -> Path:
    """The file a completed run replaces: the end of the chain when ``target`` is a symbolic link (the
    link itself stays)."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _identity(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of an existing file (links followed), or None."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def check_outputs(outputs: dict[str, Path | None], inputs: Iterable[Path]) -> None:
    """Raise a located :class:`InputError` for an output (``option -> path``) that is an input, that
    another output shares, or whose folder is missing or not writable."""
    given = {option: path for option, path in outputs.items() if path is not None}
    if not given:
        return
    input_ids: dict[tuple[int, int], Path] = {}
    for path in inputs:
        candidates = [path] if not path.is_dir() else [child for child in path.rglob("*") if child.is_file()]
        for candidate in candidates:
            identity = _identity(candidate)
            if identity is not None:
                input_ids.setdefault(identity, candidate)
    seen: dict[object, str] = {}
    for option, path in given.items():
        identity = _identity(path)
        if identity is not None and identity in input_ids:
            raise InputError.at(str(path), None, f"{option} would overwrite an input",
                                found=f"the same file as input {input_ids[identity]}",
                                expected="an output path that is not one of the inputs")
        key = identity if identity is not None else os.path.realpath(path)
        if key in seen:
            raise InputError.at(str(path), None, f"{option} is the same file as {seen[key]}",
                                found=str(path), expected="a separate file for each output")
        seen[key] = option
        if is_stream(path):
            continue
        path = replaced_file(path)
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise InputError.at(str(path), None, f"cannot write {option}", found=f"no folder {folder}",
                                expected="an output path in an existing folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError.at(str(path), None, f"cannot write {option}", found=f"folder {folder} is not writable",
                                expected="an output path in a writable folder")
        if path.is_dir():
            raise InputError.at(str(path), None, f"cannot write {option}", found="a folder",
                                expected="a file path")


class AtomicOutputs:
    """Temporary files beside their targets, renamed into place by :meth:`commit`; any that are not
    committed are removed on exit (an error, an interrupt, a closed pipe)."""

    def __init__(self) -> None:
        self._open: list[tuple[IO[bytes], str, Path]] = []
        self._streams: list[IO[bytes]] = []

    def open(self, target: Path) -> IO[bytes]:
        """A binary stream whose content becomes ``target`` on :meth:`commit` (a stream target such as
        ``/dev/stdout`` is written directly: it has no content to keep whole)."""
        try:
            if is_stream(target):
                stream = open(target, "wb")
                self._streams.append(stream)
                return stream
            target = replaced_file(target)
            handle, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".",
                                                 prefix=f".{target.name}.", suffix=".partial")
        except OSError as error:
            raise InputError.at(str(target), None, "cannot write the output", found=error.strerror or str(error),
                                expected="a writable output path") from None
        stream = os.fdopen(handle, "wb")
        self._open.append((stream, temporary, target))
        return stream

    def commit(self) -> None:
        """Rename every temporary file over its target (the run completed)."""
        for stream in self._streams:
            stream.close()
        self._streams.clear()
        for stream, temporary, target in self._open:
            stream.close()
            os.chmod(temporary, 0o666 & ~_umask())
            os.replace(temporary, target)
        self._open.clear()

    def discard(self) -> None:
        """Remove every temporary file not committed."""
        for stream in self._streams:
            with contextlib.suppress(OSError):
                stream.close()
        self._streams.clear()
        for stream, temporary, _ in self._open:
            with contextlib.suppress(OSError):
                stream.close()
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        self._open.clear()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_outputs() -> Iterator[AtomicOutputs]:
    """:class:`AtomicOutputs` that are discarded unless committed before the block ends."""
    outputs = AtomicOutputs()
    try:
        yield outputs
    finally:
        outputs.discard()


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` whole, through a temporary file beside it."""
    with atomic_outputs() as outputs:
        outputs.open(target).write(data)
        outputs.commit()
