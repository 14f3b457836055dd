"""The parse cache: reused by content, re-located to the file parsed, rebuilt when corrupt."""

from __future__ import annotations

import os
import shutil

import pytest

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
    assert entry.read_bytes().startswith(b"dvschema-cache 1\n")
    assert not [name for name in os.listdir(cache_dir()) if name.startswith(".tmp-")]


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("DVSCHEMA_NO_CACHE", "1")
    page = tmp_path / "a.md"
    shutil.copy(SEED_BOTSESSION, page)
    parse_file(page, use_cache=True)
    assert cache_dir() is None


def _cached_entry(tmp_path):
    page = tmp_path / "a.md"
    shutil.copy(SEED_BOTSESSION, page)
    parse_file(page, use_cache=True)
    [entry] = cache_dir().glob("*.json")
    return page, entry


def _max_length(page) -> int:
    return parse_file(page, use_cache=True).table.column("msdyn_name").max_length


def test_an_edited_entry_is_not_trusted(tmp_path):
    page, entry = _cached_entry(tmp_path)
    original = entry.read_bytes()
    assert b'"max_length":100' in original
    entry.write_bytes(original.replace(b'"max_length":100', b'"max_length":900', 1))  # the checksum no longer fits
    assert _max_length(page) == 100
    assert entry.read_bytes() == original  # rebuilt


def test_an_entry_with_a_matching_checksum_that_the_model_refuses_is_rebuilt(tmp_path):
    import hashlib

    page, entry = _cached_entry(tmp_path)
    original = entry.read_bytes()
    header, digest, payload = original.split(b"\n", 2)
    payload = payload.replace(b'"max_length":100', b'"max_length":"a hundred"', 1)
    entry.write_bytes(b"\n".join([header, hashlib.sha256(payload).hexdigest().encode(), payload]))
    assert _max_length(page) == 100
    assert entry.read_bytes() == original


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "folder", "oversized"])
def test_an_entry_that_is_no_regular_file_is_passed_over_without_hanging(tmp_path, kind, monkeypatch):
    from dvschema.parsers import cache

    page, entry = _cached_entry(tmp_path)
    original = entry.read_bytes()
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "link to /dev/zero":
        entry.symlink_to("/dev/zero")
    elif kind == "folder":
        entry.mkdir()
        (entry / "inside").write_text("x")
    else:
        monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", len(original) - 1)
        entry.write_bytes(original)
    assert cache.load(entry.name[:-5], str(page)) is None
    assert _max_length(page) == 100
    if kind == "folder":
        assert entry.is_dir()  # left alone: it is not ours to remove
    elif kind != "oversized":
        assert entry.is_file() and not entry.is_symlink() and entry.read_bytes() == original
    assert not [name for name in os.listdir(cache_dir()) if name.startswith(".tmp-")]


def test_an_edited_parser_makes_new_cache_keys(tmp_path):
    """A parse cached by older parser code under the same version number is not reused."""
    import dvschema.parsers.builder as builder
    from dvschema.parsers import cache

    page = tmp_path / "a.md"
    shutil.copy(SEED_BOTSESSION, page)
    parse_file(page, use_cache=True)
    before = cache.cache_key(page.read_bytes(), None)
    assert [entry.name for entry in cache_dir().glob("*.json")] == [before + ".json"]
    module = builder.__file__
    status = os.stat(module)
    try:
        os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
        cache.parser_fingerprint.cache_clear()
        assert cache.cache_key(page.read_bytes(), None) != before
    finally:
        os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns))
        cache.parser_fingerprint.cache_clear()
    assert cache.cache_key(page.read_bytes(), None) == before
