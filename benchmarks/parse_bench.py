"""Parse speed: dvschema against markdown-it-py tokenising the same files, in one run.

Run: python benchmarks/parse_bench.py [--rounds N]
Prints documents per second for both and their ratio (goal: at least 0.5).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from markdown_it import MarkdownIt

from dvschema.parsers import parse_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _best(func, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Time both over the whole fixture corpus and print the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    paths = sorted(FIXTURES.glob("corpus/*/*.md")) + sorted(FIXTURES.glob("seeds/*.txt"))
    texts = [(str(path), path.read_text(encoding="utf-8")) for path in paths]
    markdown_texts = [text for _, text in texts if text.lstrip().startswith(("---", "#"))]
    tokenizer = MarkdownIt("commonmark", {"html": True}).enable("table")

    def tokenize() -> None:
        for text in markdown_texts:
            tokenizer.parse(text)

    def parse_markdown() -> None:
        for text in markdown_texts:
            parse_text(text, "bench.md")

    def parse_everything() -> None:
        for name, text in texts:
            parse_text(text, name)

    tokenize_time = _best(tokenize, args.rounds)
    parse_time = _best(parse_markdown, args.rounds)
    all_time = _best(parse_everything, args.rounds)
    count = len(markdown_texts)
    print(f"markdown documents: {count}")
    print(f"markdown-it-py tokenise only : {count / tokenize_time:9.1f} docs/s")
    print(f"dvschema parse (markdown)    : {count / parse_time:9.1f} docs/s")
    print(f"dvschema parse (all {len(texts)} docs) : {len(texts) / all_time:9.1f} docs/s")
    ratio = tokenize_time / parse_time
    print(f"ratio dvschema / tokeniser   : {ratio:.2f} (goal >= 0.5) {'OK' if ratio >= 0.5 else 'BELOW GOAL'}")


if __name__ == "__main__":
    main()
