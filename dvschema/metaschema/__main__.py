"""Regenerate the checked-in JSON Schemas: ``python -m dvschema.metaschema``."""

from dvschema.metaschema import SCHEMA_DIR, generated_schemas

for name, text in generated_schemas().items():
    (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_DIR / name}")
