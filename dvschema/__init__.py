"""dvschema: Microsoft Dataverse table metadata, parsed, validated against, and diffed.

The public API is imported lazily so that ``import dvschema`` and the CLI start fast:

- :func:`parse_file`, :func:`parse_text`, :func:`parse_paths` (documents to the model),
- :func:`load_catalog` (catalog JSON to the model),
- :class:`Validator` (records against a table),
- :func:`diff` (schema drift between two versions).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "parse_file": "dvschema.parsers",
    "parse_text": "dvschema.parsers",
    "parse_paths": "dvschema.parsers",
    "load_catalog": "dvschema.metaschema",
    "Table": "dvschema.metaschema",
    "Column": "dvschema.metaschema",
    "Catalog": "dvschema.metaschema",
    "InputError": "dvschema.diagnostics",
    "Validator": "dvschema.validation",
    "Violation": "dvschema.validation",
    "diff": "dvschema.drift",
    "Change": "dvschema.drift",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'dvschema' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
