"""Drift speed at release scale: today's diff against the diff before content hashing, in one run.

Run: python benchmarks/drift_bench.py [--copies N] [--rounds N]

Two releases of the same 700+ tables (806 with today's corpus) are built from the fixture corpus (every
page parsed once, then copied under renamed logical names, ``<name>_c000`` ...; the second release holds
deep copies, distinct objects as two parsed folders would give); in the second release 2 % of the tables
change (a column removed, a MaxLength or a description changed, an option added). Pages are parsed before timing: what is
timed is the diff alone. The earlier algorithm (deepdiff on every table, whatever its content) is reproduced
here as it was, so both run on the same catalogs; it prints tables per second for both and the ratio
(goal: at least 20x).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from deepdiff import DeepDiff

from dvschema.drift import diff
from dvschema.metaschema.fidelity import PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS, PLAIN_TEXT_UNCARRIED_TABLE_FIELDS
from dvschema.metaschema.model import Catalog, Option, Table
from dvschema.parsers import parse_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CHANGED_SHARE = 0.02


# -- the algorithm before content hashing, as it was (dvschema/drift/structural.py at 82ac2bf) --------------

def _keyed(items: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {item.pop(key): item for item in items}


def _previous_identity_view(table: Table) -> dict[str, Any]:
    data = table.model_dump(exclude={"title", "notes"} | set(PLAIN_TEXT_UNCARRIED_TABLE_FIELDS))
    for column in data["columns"]:
        column["options"] = _keyed(column["options"], "value")
        column["targets"] = {target: True for target in column["targets"]}
    data["columns"] = _keyed(data["columns"], "logical_name")
    data["relationships"] = _keyed(data["relationships"], "schema_name")
    for message in data["messages"]:
        for name in PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS:
            message.pop(name, None)
    data["messages"] = _keyed(data["messages"], "name")
    return data


def previous_diff(old: Catalog, new: Catalog) -> int:
    """Deepdiff every table present in both releases; return the number of differences."""
    count = 0
    for name in sorted(set(old.tables) | set(new.tables)):
        if name in old.tables and name in new.tables:
            result = DeepDiff(_previous_identity_view(old.tables[name]), _previous_identity_view(new.tables[name]),
                              view="tree", verbose_level=2)
            count += sum(len(nodes) for nodes in result.values())
        else:
            count += 1
    return count


# -- the two releases ------------------------------------------------------------------------------------------

def _changed(table: Table, which: int) -> Table:
    """One real-looking change, picked by ``which``."""
    columns = list(table.columns)
    kind = which % 4
    if kind == 0 and len(columns) > 1:
        del columns[-1]
    else:
        index = next((i for i, column in enumerate(columns) if column.max_length), 0)
        column = columns[index]
        if kind == 1 and column.max_length:
            column = column.model_copy(update={"max_length": column.max_length + 100})
        elif kind == 2:
            column = column.model_copy(update={"options": column.options + (Option(value=999999, label="New"),)})
        else:
            column = column.model_copy(update={"description": f"{column.description or ''} (revised)"})
        columns[index] = column
    return table.model_copy(update={"columns": tuple(columns)})


def releases(copies: int) -> tuple[Catalog, Catalog, int]:
    """Return two releases of ``copies`` renamed copies of every corpus page, and how many tables changed."""
    paths = sorted(FIXTURES.glob("corpus/*/*.md")) + sorted(FIXTURES.glob("seeds/*.txt"))
    pages = {}
    for path in paths:
        table = parse_file(path).table
        pages.setdefault(table.logical_name, table)
    old: dict[str, Table] = {}
    for copy in range(copies):
        for name, table in pages.items():
            renamed = f"{name}_c{copy:03d}"
            old[renamed] = table.model_copy(update={"logical_name": renamed})
    names = sorted(old)
    step = max(1, round(1 / CHANGED_SHARE))
    changed = names[::step]
    # Distinct objects with equal content, as two parsed folders would give.
    new = {name: table.model_copy(deep=True) for name, table in old.items()}
    for which, name in enumerate(changed):
        new[name] = _changed(old[name], which)
    return Catalog(tables=old), Catalog(tables=new), len(changed)


def _best(func, rounds: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    """Build the releases, time both algorithms on them and print the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=26, help="copies of the corpus (26: 700+ tables)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of today's diff (the earlier one runs once)")
    args = parser.parse_args()
    old, new, changed = releases(args.copies)
    tables = len(old.tables)
    print(f"{tables} tables per release, {changed} changed ({changed / tables:.1%})")
    today, changes = _best(lambda: diff(old, new), args.rounds)
    before, differences = _best(lambda: previous_diff(old, new), 1)
    print(f"today (hash, then deepdiff the {changed} that differ): {today:8.3f} s  {tables / today:9.0f} tables/s"
          f"  ({len(changes)} changes)")
    print(f"before (deepdiff every table):                 {before:8.3f} s  {tables / before:9.0f} tables/s"
          f"  ({differences} differences)")
    print(f"speed-up: {before / today:.1f}x (goal: 20x)")


if __name__ == "__main__":
    main()
