"""CI report formats shared by ``validate`` and ``diff``: SARIF 2.1.0, JUnit XML, GitHub annotations, markdown.

Both commands turn their results into :class:`CiFinding` items; each format renders a list of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable
from xml.sax.saxutils import escape, quoteattr

from dvschema import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"error": "error", "breaking": "error", "warning": "warning", "info": "note"}
GITHUB_COMMANDS = {"error": "error", "breaking": "error", "warning": "warning", "info": "notice"}


@dataclass(frozen=True)
class CiFinding:
    """A finding or change, in the terms CI formats need."""

    path: str
    line: int | None
    code: str
    rule: str
    severity: str
    message: str
    group: str  # the JUnit test case: a file, or a table
    fails: bool = True  # at or above --fail-on: a JUnit failure; below it, a line of the test case's output


def _rules(findings: Iterable[CiFinding]) -> list[dict]:
    from dvschema.reports.rules import find_rule_doc

    rules = {}
    for finding in findings:
        if finding.code not in rules:
            doc = find_rule_doc(finding.code)
            rules[finding.code] = {
                "id": finding.code, "name": finding.rule,
                "shortDescription": {"text": doc.summary if doc else finding.rule},
                "fullDescription": {"text": doc.documentation if doc else finding.rule},
                "defaultConfiguration": {"level": SARIF_LEVELS[doc.severity] if doc else "warning"},
                "helpUri": f"https://github.com/dvschema/dvschema/blob/main/docs/rules.md#{finding.code.lower()}",
            }
    return list(rules.values())


def render_sarif(findings: list[CiFinding], groups: list[str]) -> str:
    """A SARIF 2.1.0 log with one run, its rules, and a result per finding."""
    results = []
    for finding in findings:
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": finding.path}}}
        if finding.line is not None:
            location["physicalLocation"]["region"] = {"startLine": finding.line}
        results.append({"ruleId": finding.code, "level": SARIF_LEVELS[finding.severity],
                        "message": {"text": f"{finding.rule}: {finding.message}"}, "locations": [location]})
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "dvschema", "version": __version__, "informationUri":
                            "https://github.com/dvschema/dvschema", "rules": _rules(findings)}},
        "results": results}]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def render_junit(findings: list[CiFinding], groups: list[str]) -> str:
    """JUnit XML: one test case per file (or table), a failure per finding at or above --fail-on; the
    findings below it are the test case's ``system-out``."""
    by_group: dict[str, list[CiFinding]] = {group: [] for group in groups}
    for finding in findings:
        by_group.setdefault(finding.group, []).append(finding)
    failures = sum(finding.fails for finding in findings)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuites name="dvschema" tests="{len(by_group)}" failures="{failures}">',
             f'  <testsuite name="dvschema" tests="{len(by_group)}" failures="{failures}" errors="0" skipped="0">']
    for group, items in by_group.items():
        lines.append(f"    <testcase classname=\"dvschema\" name={quoteattr(group)}>")
        passing = []
        for item in items:
            where = f"{item.path}:{item.line}" if item.line is not None else item.path
            if not item.fails:
                passing.append(f"{where}: {item.code} {item.rule} [{item.severity}] {item.message}")
                continue
            lines.append(f"      <failure type={quoteattr(item.code + ' ' + item.rule)} "
                         f"message={quoteattr(item.message)}>{escape(where + ': ' + item.message)}</failure>")
        if passing:
            lines.append(f"      <system-out>{escape(chr(10).join(passing))}</system-out>")
        lines.append("    </testcase>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines) + "\n"


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(findings: list[CiFinding], groups: list[str]) -> str:
    """GitHub Actions workflow commands: ``::error file=...,line=...,title=...::message``."""
    lines = []
    for finding in findings:
        properties = [f"file={_github_escape(finding.path, True)}"]
        if finding.line is not None:
            properties.append(f"line={finding.line}")
        properties.append(f"title={_github_escape(finding.code + ' ' + finding.rule, True)}")
        lines.append(f"::{GITHUB_COMMANDS[finding.severity]} {','.join(properties)}::"
                     f"{_github_escape(finding.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_markdown_findings(findings: list[CiFinding], groups: list[str]) -> str:
    """A markdown table of findings, for a pull request comment or a job summary."""
    if not findings:
        return f"No findings in {len(groups)} files.\n"
    lines = ["| location | code | rule | severity | message |", "| --- | --- | --- | --- | --- |"]
    for finding in findings:
        where = f"{finding.path}:{finding.line}" if finding.line is not None else finding.path
        message = finding.message.replace("|", "\\|")
        lines.append(f"| `{where}` | {finding.code} | `{finding.rule}` | {finding.severity} | {message} |")
    return "\n".join(lines) + "\n"


CI_RENDERERS: dict[str, Callable[[list[CiFinding], list[str]], str]] = {
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
    "markdown": render_markdown_findings,
}
