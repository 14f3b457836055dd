"""Shared test helpers: fixture paths and parsed fixture documents (parsed once per session)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"
CORPUS = FIXTURES / "corpus"
sys.path.insert(0, str(Path(__file__).parent))

SEED_BOTSESSION = SEEDS / "000_9c7df8c6ddd75b92.txt"
SEED_SESSIONEVENT_TEXT = SEEDS / "001_f5dc07776c538126.txt"
SEED_COPILOTINTERACTION = SEEDS / "002_48bf6d517ae19c73.txt"
SEED_JOURNEYRUNSESSION = SEEDS / "003_b46588e9ea878d12.txt"
SEED_LIVECONVERSATION_TEXT = SEEDS / "004_25187856fee8e0ca.txt"

CORPUS_DOCUMENTS = sorted(CORPUS.glob("*/*.md"))
MARKDOWN_DOCUMENTS = CORPUS_DOCUMENTS + [SEED_BOTSESSION, SEED_COPILOTINTERACTION, SEED_JOURNEYRUNSESSION]
ALL_DOCUMENTS = MARKDOWN_DOCUMENTS + [SEED_SESSIONEVENT_TEXT, SEED_LIVECONVERSATION_TEXT]


@lru_cache(maxsize=None)
def parsed(path: Path):
    """Parse a fixture document once; returns the ParseResult."""
    from dvschema.parsers import parse_file

    return parse_file(path)


def doc_id(path: Path) -> str:
    """A short test id for a fixture path."""
    return f"{path.parent.name}/{path.name}"


@pytest.fixture
def botsession():
    """The seed 000 msdyn_botsession table."""
    return parsed(SEED_BOTSESSION).table


@pytest.fixture(autouse=True)
def _isolated_parse_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own parse cache, so none depends on what another left behind."""
    monkeypatch.setenv("DVSCHEMA_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
