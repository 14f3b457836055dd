"""The parse cache: reused by content, re-located to the file parsed, rebuilt when corrupt."""

from __future__ import annotations

import os
import shutil

from conftest import SEED_BOTSESSION
from dvschema.parsers import parse_file
from dvschema.parsers.cache import cache_dir


def test_second_parse_of_the_same_content_is_served_from_the_cache(tmp_path, monkeypatch):
    first = tmp_path / "a.md"
    second = tmp_path / "b.md"
    shutil.copy(SEED_BOTSESSION, first)
    shutil.copy(SEED_BOTSESSION, second)
    original = parse_file(first, use_cache=True).table
    entries = list(cache_dir().glob("*.json"))
    assert len(entries) == 1

    import dvschema.parsers as parsers

    def refuse(*args, **kwargs):
        raise AssertionError("parsed again instead of using the cache")

    monkeypatch.setattr(parsers, "parse_text", refuse)
    cached = parse_file(second, use_cache=True).table
    assert cached.source.path == str(second)
    assert cached.model_copy(update={"source": None}) == original.model_copy(update={"source": None})


def test_corrupt_entry_is_ignored_and_rebuilt(tmp_path):
    page = tmp_path / "a.md"
    shutil.copy(SEED_BOTSESSION, page)
    parse_file(page, use_cache=True)
    [entry] = cache_dir().glob("*.json")
    entry.write_bytes(b"{not json")
    table = parse_file(page, use_cache=True).table
    assert len(table.columns) == 33
    assert entry.read_bytes().startswith(b"{\"table\"")
    assert not [name for name in os.listdir(cache_dir()) if name.startswith(".tmp-")]


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("DVSCHEMA_NO_CACHE", "1")
    page = tmp_path / "a.md"
    shutil.copy(SEED_BOTSESSION, page)
    parse_file(page, use_cache=True)
    assert cache_dir() is None
