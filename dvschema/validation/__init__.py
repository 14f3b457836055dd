"""Record validation: records (Web API JSON, JSONL, CSV) checked against a table's metadata.

``Validator(table, operation=...)`` is compiled once; ``iter_violations(record)`` is the
primitive, ``validate``/``is_valid``/``validate_records`` derive from it. The rules are in
:mod:`dvschema.validation.rules`; findings are :class:`Violation` data with their positions.
"""

from dvschema.validation.model import SEVERITY_RANK, Violation
from dvschema.validation.rules import RULES, RULES_BY_CODE, RULES_BY_NAME, Rule
from dvschema.validation.validator import OPERATIONS, RecordEntry, Validator, rule_selection

__all__ = ["Validator", "Violation", "RecordEntry", "Rule", "RULES", "RULES_BY_CODE", "RULES_BY_NAME",
           "OPERATIONS", "SEVERITY_RANK", "rule_selection"]
