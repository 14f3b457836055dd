"""The drift ignore file: accepted changes, each a kind, a target and a reason.

TOML, one ``[[ignore]]`` table per accepted change, plus optional severity overrides::

    [[ignore]]
    kind = "column-removed"
    target = "msdyn_botsession.msdyn_legacyflag"   # a table, or table.column
    reason = "Dropped on purpose in release 2.0; no writer sends it."

    [severity]
    option-label-changed = "info"

An entry without a target (a global ignore by kind alone) is refused: a change kind is
accepted for a named table or column, never everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dvschema.diagnostics import InputError
from dvschema.tomlfile import line_of, read_toml
from dvschema.drift.kinds import KINDS_BY_NAME, SEVERITY_RANK


@dataclass(frozen=True)
class IgnoreEntry:
    """One accepted change."""

    kind: str
    target: str
    reason: str

    def matches(self, change) -> bool:
        """True when the change is of this kind at this table, or this table's column."""
        if change.kind != self.kind:
            return False
        return change.target == self.target or (change.table == self.target and change.column is None)


@dataclass(frozen=True)
class IgnoreFile:
    """The parsed ignore file: entries and severity overrides."""

    entries: tuple[IgnoreEntry, ...] = ()
    severities: dict[str, str] | None = None


def load_ignore_file(path: str | Path) -> IgnoreFile:
    """Read and check an ignore file; raise :class:`InputError` naming what is wrong."""
    name = str(path)
    text, data = read_toml(path, "ignore file")
    unknown = set(data) - {"ignore", "severity"}
    if unknown:
        key = sorted(unknown)[0]
        raise InputError.at(name, line_of(text, key), "unknown key in the ignore file", found=key,
                            expected="[[ignore]] or [severity]")
    entries = []
    for index, entry in enumerate(data.get("ignore", []), 1):
        kind = entry.get("kind")
        line = line_of(text, f'"{kind}"') if kind else None
        if kind not in KINDS_BY_NAME:
            raise InputError.at(name, line, f"ignore entry {index}: unknown change kind", found=str(kind),
                                expected="a change kind name such as column-removed (see dvschema rules)")
        if not entry.get("target"):
            raise InputError.at(name, line, f"ignore entry {index}: a global ignore by kind alone is refused",
                                found=f"kind {kind} without target",
                                expected="target = \"table\" or \"table.column\"")
        if not str(entry.get("reason", "")).strip():
            raise InputError.at(name, line, f"ignore entry {index}: every ignore needs a reason",
                                found="no reason", expected="reason = \"why this change is accepted\"")
        extra = set(entry) - {"kind", "target", "reason"}
        if extra:
            raise InputError.at(name, line, f"ignore entry {index}: unknown key", found=sorted(extra)[0],
                                expected="kind, target, reason")
        entries.append(IgnoreEntry(kind, str(entry["target"]), str(entry["reason"])))
    severities = data.get("severity", {})
    for kind, severity in severities.items():
        if kind not in KINDS_BY_NAME or severity not in SEVERITY_RANK:
            raise InputError.at(name, line_of(text, kind), "bad severity override", found=f"{kind} = {severity}",
                                expected="<change-kind> = \"breaking\" | \"warning\" | \"info\"")
    return IgnoreFile(tuple(entries), dict(severities) or None)


def apply_ignores(changes: list, entries: tuple[IgnoreEntry, ...]) -> tuple[list, list]:
    """Split changes into (kept, ignored)."""
    kept, ignored = [], []
    for change in changes:
        (ignored if any(entry.matches(change) for entry in entries) else kept).append(change)
    return kept, ignored
