"""Parse speed: dvschema against markdown-it-py tokenising the same files, in one run.

Run: python benchmarks/parse_bench.py [--rounds N]
Prints documents per second for both and their ratio (goal: at least 0.5), the same for the
browser texts in ``fixtures/browser-text`` against tokenising their markdown pages, then a folder of
pages parsed with --jobs 2 against one job (goal: 1.6x on two free cores), beside what two
processes of a plain Python loop gain in the same round: this machine's second core comes and goes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from pathlib import Path

from markdown_it import MarkdownIt

from dvschema.parsers import _parse_pages, parse_text

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

    browser_paths = sorted(FIXTURES.glob("browser-text/*/*.txt"))
    browser_texts = [path.read_text(encoding="utf-8") for path in browser_paths]
    browser_sources = [(FIXTURES / "corpus" / path.parent.name / (path.name.split(".")[0] + ".md")).read_text(
        encoding="utf-8") for path in browser_paths]

    def tokenize_sources() -> None:
        for text in browser_sources:
            tokenizer.parse(text)

    def parse_browser_texts() -> None:
        for text in browser_texts:
            parse_text(text, "bench.txt", "plain-text")

    count = len(markdown_texts)
    tokenize_time = _best(tokenize, args.rounds)
    parse_time = _best(parse_markdown, args.rounds)
    all_time = _best(parse_everything, args.rounds)
    _report(f"markdown documents: {count}", count, tokenize_time, "dvschema parse (markdown)", parse_time)
    print(f"dvschema parse (all {len(texts)} docs) : {len(texts) / all_time:9.1f} docs/s")
    _report(f"browser texts: {len(browser_texts)} (against tokenising their markdown pages)", len(browser_texts),
            _best(tokenize_sources, args.rounds), "dvschema parse (plain text)",
            _best(parse_browser_texts, args.rounds))
    _folder_jobs(paths, args.rounds)


def _plain_loop(count: int = 3_000_000) -> int:
    total = 0
    for number in range(count):
        total += number & 7
    return total


def _plain_loop_gain() -> float:
    """What two processes of a plain Python loop gain over one, now."""
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    _plain_loop()
    _plain_loop()
    one = time.perf_counter() - start
    with context.Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_plain_loop, [3_000_000, 3_000_000])
        two = time.perf_counter() - start
    return one / two


def _folder_jobs(paths: list[Path], rounds: int) -> None:
    """A folder of pages (the corpus four times over) parsed in one process and in two, round by round."""
    os.environ["DVSCHEMA_NO_CACHE"] = "1"
    jobs = [(path, False, None, False) for path in paths * 4]
    best_one = best_two = float("inf")
    print(f"folder of {len(jobs)} pages, --jobs 2 vs one job, per round (beside a plain loop in two processes):")
    for _ in range(rounds):
        start = time.perf_counter()
        _parse_pages(jobs, 1)
        one = time.perf_counter() - start
        start = time.perf_counter()
        _parse_pages(jobs, 2)
        two = time.perf_counter() - start
        best_one, best_two = min(best_one, one), min(best_two, two)
        print(f"  --jobs 2: {one / two:4.2f}x    plain loop: {_plain_loop_gain():4.2f}x")
    print(f"best against best: {best_one / best_two:.2f}x (goal >= 1.6 on two free cores); "
          f"{len(jobs) / best_one:.1f} and {len(jobs) / best_two:.1f} pages/s")


def _report(title: str, count: int, tokenize_time: float, label: str, parse_time: float) -> None:
    ratio = tokenize_time / parse_time
    print(title)
    print(f"markdown-it-py tokenise only : {count / tokenize_time:9.1f} docs/s")
    print(f"{label:<29}: {count / parse_time:9.1f} docs/s")
    print(f"ratio dvschema / tokeniser   : {ratio:.2f} (goal >= 0.5) {'OK' if ratio >= 0.5 else 'BELOW GOAL'}")

if __name__ == "__main__":
    main()
