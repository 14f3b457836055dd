"""Documentation of every validation rule and drift change kind, from the registries themselves.

``docs/rules.md`` is generated from here (``python -m dvschema.reports.rules``); a test fails
when it is stale. ``dvschema rules`` prints the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleDoc:
    """One rule or change kind, as documented."""

    code: str
    name: str
    severity: str
    summary: str
    documentation: str
    extra: str | None = None


def all_rule_docs() -> list[RuleDoc]:
    """Drift change kinds (DD), lint rules (DL) and validation rules (DV), in code order."""
    from dvschema.drift.kinds import CHANGE_KINDS
    from dvschema.lint import LINT_RULES
    from dvschema.validation.rules import RULES

    docs = [RuleDoc(rule.code, rule.name, rule.severity, rule.summary, rule.documentation,
                    f"Predicts: {rule.server_error}" if rule.server_error else None) for rule in RULES]
    docs += [RuleDoc(kind.code, kind.name, kind.severity, kind.reason, f"{kind.reason}\n\nMessage: {kind.template}")
             for kind in CHANGE_KINDS]
    docs += [RuleDoc(rule.code, rule.name, rule.severity, rule.summary, rule.documentation,
                     "Run by: dvschema docs --lint") for rule in LINT_RULES]
    return sorted(docs, key=lambda doc: doc.code)


def find_rule_doc(code_or_name: str) -> RuleDoc | None:
    """The rule or change kind with this code or name."""
    wanted = code_or_name.strip().lower()
    return next((doc for doc in all_rule_docs() if wanted in (doc.code.lower(), doc.name)), None)


def rules_table() -> str:
    """One line per rule: code, name, severity, summary."""
    return "".join(f"{doc.code}  {doc.name:30} {doc.severity:9} {doc.summary}\n" for doc in all_rule_docs())


def rule_text(doc: RuleDoc) -> str:
    """The full documentation of one rule, as plain text for a terminal (the docstrings' reStructuredText
    ````literal```` marks removed)."""
    text = f"{doc.code} {doc.name} (default severity: {doc.severity})\n\n{doc.documentation}\n"
    return (text + (f"\n{doc.extra}\n" if doc.extra else "")).replace("``", "")


def rules_markdown() -> str:
    """The text of ``docs/rules.md``."""
    from dvschema.drift.kinds import COMPARISON_NOTES

    lines = ["# dvschema rules", "",
             "Generated from the rule registries by `python -m dvschema.reports.rules`; do not edit.", "",
             "Validation rules (`DV1xx`) are selected and ignored by code, code prefix or name; drift change kinds",
             "(`DD0xx`-`DD5xx`) are ranked `breaking`, `warning` or `info`; metadata lint rules (`DL1xx`) check",
             "what a page says (`dvschema docs --lint`).", "", COMPARISON_NOTES, ""]
    for doc in all_rule_docs():
        lines += [f"## {doc.code} `{doc.name}`", "", f"Default severity: **{doc.severity}**.", "",
                  doc.documentation, ""]
        if doc.extra:
            lines += [doc.extra, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    target.write_text(rules_markdown(), encoding="utf-8")
    print(f"wrote {target}")
