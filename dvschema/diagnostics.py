"""Located diagnostics shared by the parsers, the record readers and the CLI.

A :class:`Diagnostic` names the file, the line, what was found and what was expected.
Problems that stop the work are raised as :class:`InputError`; the CLI turns them into a
one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in an input file, with its position."""

    path: str
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"
    found: str | None = None
    expected: str | None = None

    def render(self) -> str:
        """Return the grep-friendly one-line form ``path:line: severity: message (found ..., expected ...)``."""
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        text = f"{where}: {self.severity}: {self.message}"
        details = []
        if self.found is not None:
            details.append(f"found {self.found!r}")
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if details:
            text += " (" + ", ".join(details) + ")"
        return text


class InputError(Exception):
    """An input file cannot be used; carries the located :class:`Diagnostic`."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.render())
        self.diagnostic = diagnostic

    @classmethod
    def at(cls, path: str, line: int | None, message: str, *, found: str | None = None,
           expected: str | None = None) -> "InputError":
        """Build an error located at ``path:line``."""
        return cls(Diagnostic(path, line, message, "error", found, expected))


class WorkerError(RuntimeError):
    """A worker process of a ``--jobs`` run ended without its result (killed, out of memory)."""


class NotATableReference(InputError):
    """The document is not a table reference page at all (a README beside the pages, say)."""


def shorten(text: str, limit: int = 60) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
