"""The randomized differential test, short (``scripts/fuzz_cache.py`` runs it long):
after every random operation on a git checkout, cached and uncached answers agree."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import PROJECT_ROOT
from resource_registry.cache import results as cache
from resource_registry.record import layout


def _fuzzer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fuzz_cache", PROJECT_ROOT / "scripts/fuzz_cache.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_cache"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fuzz_cache(monkeypatch: pytest.MonkeyPatch, three_cores: None) -> ModuleType:
    """The fuzzer, its settings put back after; forking allowed (as in a command), so that
    the forked checks and saving it asks for are run, not skipped for the server threads
    other tests leave running."""
    monkeypatch.setattr(cache, "RACY_NS", cache.RACY_NS)  # the fuzzer narrows it: put back
    monkeypatch.setattr(cache, "REWRITE_AFTER", cache.REWRITE_AFTER)  # the fuzzer varies it
    monkeypatch.setattr(cache, "SPLIT_FROM", cache.SPLIT_FROM)  # and these
    monkeypatch.setattr(cache, "SAVE_APART", cache.SAVE_APART)
    return _fuzzer()


def test_cached_and_uncached_answers_agree_after_random_operations(
    fuzz_cache: ModuleType,
) -> None:
    outcome = fuzz_cache.fuzz(25, seed=int(os.environ.get("FUZZ_SEED", "7")), length=25)
    assert outcome.operations == 25
    assert outcome.mismatches == []


def test_the_differential_test_finds_and_shrinks_a_planted_bug(
    fuzz_cache: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without the change time in the stat record, a same-size edit with its old
    modification time put back is missed: the fuzzer must say so, and shrink a longer
    sequence to the two steps that matter."""
    real = layout.stat_signature

    def without_ctime(info: os.stat_result) -> str:
        mtime, _, rest = real(info).split(":", 2)
        return f"{mtime}:0:{rest}"

    monkeypatch.setattr(layout, "stat_signature", without_ctime)
    fuzz_cache.fuzz(0, seed=1, length=1)  # narrows the racy window, as a run does
    found = None
    for seed in range(20):
        steps = [("add", seed), ("same-size", seed + 1000)]
        _, mismatch = fuzz_cache.replay(steps, tmp_path / f"try-{seed}")
        if mismatch is not None:
            found = steps
            break
    assert found is not None, "no same-size edit was missed"
    longer = [("edit", 5), *found[:1], ("touch", 6), ("vocabulary", 7), *found[1:]]
    minimal = fuzz_cache.shrink(longer)
    assert [name for name, _ in minimal][-1] == "same-size"
    assert len(minimal) <= 3
