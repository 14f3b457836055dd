"""Drift reporters: a :class:`DriftReport` in, text out. Chosen by name from :data:`DRIFT_REPORTERS`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import groupby
from typing import Callable

#: Version of the JSON drift report; bump when a field changes meaning.
DRIFT_REPORT_VERSION = "1"


@dataclass(frozen=True)
class DriftReport:
    """What a diff found: the changes kept after ignores, and how many were ignored."""

    old: str
    new: str
    changes: list = field(default_factory=list)
    ignored: int = 0
    table_paths: dict = field(default_factory=dict)
    fail_on: str = "breaking"

    def counts(self) -> dict[str, int]:
        """Number of kept changes per severity."""
        result = {"breaking": 0, "warning": 0, "info": 0}
        for change in self.changes:
            result[change.severity] += 1
        return result


def _summary(report: DriftReport) -> str:
    counts = report.counts()
    text = f"{counts['breaking']} breaking, {counts['warning']} warning, {counts['info']} info"
    return text + (f" ({report.ignored} ignored)" if report.ignored else "")


def render_text(report: DriftReport) -> str:
    """Breaking changes first; within a severity, grouped by table."""
    lines = []
    for severity, by_severity in groupby(report.changes, key=lambda c: c.severity):
        lines.append(f"{severity.upper()}")
        for table, changes in groupby(by_severity, key=lambda c: c.table):
            lines.append(f"  {table}")
            lines.extend(f"    {c.code} {c.kind}: {c.message}" for c in changes)
    lines.append(f"{report.old} -> {report.new}: {_summary(report)}")
    return "\n".join(lines) + "\n"


def render_json(report: DriftReport) -> str:
    """A versioned JSON document with every change."""
    data = {"version": DRIFT_REPORT_VERSION, "old": report.old, "new": report.new, "summary": report.counts(),
            "ignored": report.ignored, "changes": [change.to_dict() for change in report.changes]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_markdown(report: DriftReport) -> str:
    """A changelog ready to paste into a pull request."""
    lines = [f"## Schema changes: `{report.old}` → `{report.new}`", "", _summary(report) + ".", ""]
    titles = {"breaking": "### Breaking changes", "warning": "### Warnings", "info": "### Other changes"}
    for severity, by_severity in groupby(report.changes, key=lambda c: c.severity):
        lines += [titles[severity], ""]
        for table, changes in groupby(by_severity, key=lambda c: c.table):
            lines.append(f"- **{table}**")
            lines.extend(f"  - `{c.kind}` ({c.code}): {c.message}" for c in changes)
        lines.append("")
    if not report.changes:
        lines += ["No changes.", ""]
    return "\n".join(lines)


def _ci(format_name: str) -> Callable[[DriftReport], str]:
    def render(report: DriftReport) -> str:
        from dvschema.drift import SEVERITY_RANK
        from dvschema.reports.ci import CI_RENDERERS, CiFinding

        threshold = SEVERITY_RANK.get(report.fail_on, 99)
        findings = [CiFinding(report.table_paths.get(c.table, report.new), None, c.code, c.kind, c.severity,
                              c.message, c.table, SEVERITY_RANK[c.severity] >= threshold) for c in report.changes]
        groups = sorted(report.table_paths) or sorted({c.table for c in report.changes})
        return CI_RENDERERS[format_name](findings, groups)
    render.__doc__ = f"The changes as {format_name}: one test case (JUnit) per table."
    return render


DRIFT_REPORTERS: dict[str, Callable[[DriftReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "sarif": _ci("sarif"),
    "junit": _ci("junit"),
    "github": _ci("github"),
}
