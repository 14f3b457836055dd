"""Validation reporters: findings in, text out. Chosen by name from :data:`VALIDATION_REPORTERS`.

A reporter has ``start()``, ``finding(violation)`` (called as findings stream in) and
``finish(summary)``; each returns text (or UTF-8 bytes) for the CLI to write. Text output streams; JSON
collects.
"""

from __future__ import annotations

from typing import Any

import orjson

#: Version of the JSON validation report; bump when a field changes meaning.
VALIDATION_REPORT_VERSION = "2"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _summary_line(summary: Any) -> str:
    counts = summary.by_severity
    text = (f"{_count(summary.records, 'record')} in {_count(summary.files, 'file')}: "
            f"{_count(counts['error'], 'error')}, {_count(counts['warning'], 'warning')}, {counts['info']} info")
    if summary.truncated:
        text += " (stopped at --max-violations" + (
            f"; {_count(summary.not_shown, 'more finding')} of the last record not shown)" if summary.not_shown
            else ")")
    return text


class TextReporter:
    """One grep-friendly line per finding: ``path:line: CODE rule-name column: message``."""

    def start(self) -> str:
        """Nothing before the findings."""
        return ""

    def finding(self, violation: Any) -> str:
        """The finding's line."""
        where = f"{violation.path}:{violation.line}" if violation.line is not None else \
            f"{violation.path}:record {violation.record}"
        severity = "" if violation.severity == "error" else f"[{violation.severity}] "
        return f"{where}: {violation.code} {violation.rule} {severity}{violation.labelled_message()}\n"

    def finish(self, summary: Any) -> str:
        """The closing count."""
        return _summary_line(summary) + "\n"


class JsonReporter:
    """A versioned JSON report with every finding and the counts."""

    def __init__(self) -> None:
        self.findings: list[Any] = []
        #: collect the finding (as it is: it becomes JSON data once, in finish)
        self.finding = self.findings.append

    def start(self) -> str:
        """Nothing until the end."""
        return ""

    def finish(self, summary: Any) -> str:
        """The whole report."""
        data = {"version": VALIDATION_REPORT_VERSION, "summary": {
            "files": summary.files, "records": summary.records, "rejected": summary.rejected,
            "violations": summary.violations, **summary.by_severity, "truncated": summary.truncated,
            "not_shown": summary.not_shown}, "findings": [violation.to_dict() for violation in self.findings]}
        # orjson: the standard json module spent about 30 µs a finding, a third of a large run; the bytes
        # are written as they are (decoding megabytes only for click to encode them again costs more)
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


class CiReporter:
    """SARIF, JUnit, GitHub annotations or markdown, rendered when all findings are in."""

    def __init__(self, format_name: str, fail_on: str = "error") -> None:
        from dvschema.validation.model import SEVERITY_RANK

        self.format_name = format_name
        self.findings: list = []
        self.threshold = SEVERITY_RANK.get(fail_on, 99)
        self.ranks = SEVERITY_RANK

    def start(self) -> str:
        """Nothing until the end."""
        return ""

    def finding(self, violation: Any) -> str:
        """Collect the finding."""
        from dvschema.reports.ci import CiFinding

        self.findings.append(CiFinding(violation.path, violation.line, violation.code, violation.rule,
                                       violation.severity, violation.labelled_message(), violation.path,
                                       self.ranks[violation.severity] >= self.threshold))
        return ""

    def finish(self, summary: Any) -> str:
        """The whole report in the chosen format."""
        from dvschema.reports.ci import CI_RENDERERS

        return CI_RENDERERS[self.format_name](self.findings, list(summary.file_names))


#: Reporter factories by format name; each takes the run's --fail-on.
VALIDATION_REPORTERS = {
    "text": lambda fail_on="error": TextReporter(),
    "json": lambda fail_on="error": JsonReporter(),
    "sarif": lambda fail_on="error": CiReporter("sarif", fail_on),
    "junit": lambda fail_on="error": CiReporter("junit", fail_on),
    "github": lambda fail_on="error": CiReporter("github", fail_on),
    "markdown": lambda fail_on="error": CiReporter("markdown", fail_on),
}
