"""The incremental cache: same results as without it, and never trusted when wrong."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY, MakeRegistry, git
from resource_registry import Options, validate, validation
from resource_registry.cache import CACHE_DIR, CACHE_FILE, CATALOG_FILE


@pytest.fixture(params=["folder", "git checkout"])
def root(request: pytest.FixtureRequest, make_registry: MakeRegistry) -> Path:
    """The cache test registry, as a plain folder and as a git checkout (where the cache
    takes content hashes from git's index)."""
    root = _registry(make_registry)
    if request.param == "git checkout":
        git(root, "init", "-q")
        git(root, "add", "data")
        git(root, "commit", "-q", "-m", "registry")
    return root


def _registry(make_registry: MakeRegistry) -> Path:
    files = {
        f"data/resources/zz/{f.name}": f.read_bytes()
        for f in sorted((FIXTURES / "bad").glob("*.yaml"))
    }
    for case in (FIXTURES / "cases").iterdir():
        for path in case.rglob("data/resources/**/*.yaml"):
            files[path.relative_to(case).as_posix()] = path.read_bytes()
    root = make_registry(files)
    _age(root)
    return root


def _age(root: Path) -> None:
    """Make every file older than the racy window, as files normally are."""
    for path in (root / "data").rglob("*"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10**10))


def _options(*, cache: bool = True) -> Options:
    return Options(today=TODAY, jobs=1, cache=cache)


def test_results_with_and_without_cache_are_identical(root: Path) -> None:
    uncached = validate(root, _options(cache=False))
    cold = validate(root, _options())
    warm = validate(root, _options())
    assert (root / CACHE_FILE).exists()
    assert uncached.findings == cold.findings == warm.findings
    assert len(uncached.findings) > 50


def test_no_cache_neither_reads_nor_writes(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    validate(root, _options(cache=False))
    assert not (root / CACHE_DIR).exists()


def test_an_edited_file_is_checked_again(root: Path) -> None:
    validate(root, _options())
    target = root / "data/resources/aa/sid_AAAAAAAAAA.yaml"
    before = {
        (f.code, f.line)
        for f in validate(root, _options()).findings
        if f.path.endswith(target.name)
    }
    target.write_text(target.read_text().replace("type: paper", "type: papyrus"))
    after = {
        (f.code, f.line)
        for f in validate(root, _options()).findings
        if f.path.endswith(target.name)
    }
    assert ("S005", 5) in after
    assert after != before


def test_added_removed_and_renamed_files_match_an_uncached_run(root: Path) -> None:
    validate(root, _options())
    resources = root / "data/resources"
    (resources / "aa/sid_AAAAAAAAAA.yaml").unlink()
    victim = sorted(resources.rglob("*.yaml"))[3]
    victim.rename(victim.with_name("sid_RENAMEDAAA.yaml"))
    (resources / "ne").mkdir(exist_ok=True)
    (resources / "ne/sid_NEWFILEAAA.yaml").write_text("url: https://example.org/new\n")
    _age(root)
    report = validate(root, _options())
    assert report.findings == validate(root, _options(cache=False)).findings
    assert validate(root, _options()).findings == report.findings
    assert any(f.path.endswith("sid_NEWFILEAAA.yaml") for f in report.findings)


@pytest.mark.parametrize(
    ("old", "new"), [("type: paper", "type: report"), ("https://", "https://www.")]
)
def test_the_saved_cache_follows_each_edit(root: Path, old: str, new: str) -> None:
    """An edit that keeps a file's identity and one that changes it (its URL): the cache
    written after either one gives, on the next run, what an uncached run gives."""
    validate(root, _options())
    target = root / "data/resources/aa/sid_AAAAAAAAAA.yaml"
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    _age(root)
    validate(root, _options())
    assert validate(root, _options()).findings == validate(root, _options(cache=False)).findings


def test_catalog_results_are_reused_only_while_their_inputs_stay_the_same(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole-catalog results are stored with the identity table's digest and the
    vocabulary files' content: an edit that leaves both alone reuses them, a vocabulary or
    identity edit recomputes them, and every answer equals an uncached run."""
    validate(root, _options())
    assert (root / CATALOG_FILE).exists()
    before = (root / CATALOG_FILE).read_bytes()
    resource = root / "data/resources/aa/sid_AAAAAAAAAA.yaml"
    resource.write_text(resource.read_text().replace("type: paper", "type: report", 1))
    _age(root)
    with monkeypatch.context() as patch:
        patch.setattr(validation, "check_catalog", _must_not_run)
        reused = validate(root, _options()).findings
    assert reused == validate(root, _options(cache=False)).findings
    assert (root / CATALOG_FILE).read_bytes() == before
    tags = root / "data/tags.yaml"
    tags.write_text(tags.read_text() + "- id: a-new-tag\n")
    assert validate(root, _options()).findings == validate(root, _options(cache=False)).findings
    assert (root / CATALOG_FILE).read_bytes() != before
    after_vocabulary = (root / CATALOG_FILE).read_bytes()
    resource.write_text(resource.read_text().replace("https://", "https://www.", 1))
    _age(root)
    assert validate(root, _options()).findings == validate(root, _options(cache=False)).findings
    assert (root / CATALOG_FILE).read_bytes() != after_vocabulary


def _must_not_run(*_: object) -> list[object]:
    raise AssertionError("the whole-catalog checks ran although their inputs were cached")


def test_a_corrupt_catalog_cache_is_recomputed(root: Path) -> None:
    expected = validate(root, _options()).findings
    (root / CATALOG_FILE).write_bytes(b"RESREG-CACHE-3\n" + b"\0" * 40)
    assert validate(root, _options()).findings == expected


def test_a_file_written_just_before_the_run_is_not_trusted_later(root: Path) -> None:
    target = root / "data/resources/aa/sid_AAAAAAAAAA.yaml"
    target.write_text(target.read_text())  # modified "now": inside the racy window
    validate(root, _options())
    stat = target.stat()
    target.write_text(target.read_text().replace("type: paper", "type: PAPER"))  # same size
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: stat cannot tell
    report = validate(root, _options())
    assert ("S005", 5) in {
        (f.code, f.line) for f in report.findings if f.path.endswith(target.name)
    }


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_corrupt_cache_is_rebuilt(make_registry: MakeRegistry, damage: str) -> None:
    root = _registry(make_registry)
    expected = validate(root, _options()).findings
    data = bytearray((root / CACHE_FILE).read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-10] ^= 0xFF
    else:
        data = bytearray(b"not a cache at all")
    (root / CACHE_FILE).write_bytes(bytes(data))
    report = validate(root, _options())
    assert report.findings == expected
    assert report.notes == ["cache was corrupt and has been rebuilt"]
    assert validate(root, _options()).notes == []


def test_a_cache_from_another_day_is_not_used(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    today = validate(root, _options()).findings
    later_day = TODAY.replace(year=3001)  # the fixtures dated 2999 are no longer in the future
    later = validate(root, Options(today=later_day, jobs=1)).findings
    assert later == validate(root, Options(today=later_day, jobs=1, cache=False)).findings
    assert later != today


def test_an_unwritable_cache_is_noted_not_fatal(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    (root / CACHE_DIR).write_text("a file where the cache folder should be")
    report = validate(root, _options())
    assert report.findings == validate(root, _options(cache=False)).findings
    assert report.notes[0].startswith("cache not saved")


def test_cache_folder_ignores_itself_in_git(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    validate(root, _options())
    assert (root / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    shutil.rmtree(root / CACHE_DIR)
