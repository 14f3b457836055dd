"""Run one fuzz target with atheris (coverage-guided): ``python fuzz/run.py TARGET [CORPUS] [libFuzzer
options]``, for example ``python fuzz/run.py screen -max_total_time=5``. The corpus folder (default
``fuzz/corpus/TARGET``, not committed) is seeded from fixtures/ when empty."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DVSCHEMA_NO_CACHE", "1")  # fuzzed pages must not fill the user's parse cache

import atheris  # noqa: E402

with atheris.instrument_imports():
    import targets  # noqa: E402
    import dvschema.parsers  # noqa: E402,F401
    import dvschema.validation.run  # noqa: E402,F401


def main() -> None:
    """Seed the corpus and hand over to libFuzzer."""
    if len(sys.argv) < 2 or sys.argv[1] not in targets.TARGETS:
        raise SystemExit(f"usage: python fuzz/run.py {{{','.join(targets.TARGETS)}}} [CORPUS] [libFuzzer options]")
    name = sys.argv[1]
    rest = sys.argv[2:]
    if rest and not rest[0].startswith("-"):
        corpus = Path(rest.pop(0))
    else:
        corpus = Path(__file__).resolve().parent / "corpus" / name
    targets.write_seed_corpus(name, corpus)
    atheris.Setup([sys.argv[0], *rest, str(corpus)], targets.TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
