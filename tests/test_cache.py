"""The incremental cache: same results as without it, and never trusted when wrong."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, TODAY, MakeRegistry, git, resource_text
from resource_registry import (
    Options,
    authoring,
    cache,
    cachefile,
    catalog,
    lookup,
    validate,
    validation,
    worktree,
)
from resource_registry.cache import CACHE_FILE, CATALOG_FILE
from resource_registry.cli import cli
from resource_registry.loading import Document, read_document
from resource_registry.records import FileResult

_STONE = "data/tombstones/re/sid_RetiredAAA.yaml"  # the fixture base's one tombstone


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
    assert (cachefile.cache_dir(root) / CACHE_FILE).exists()
    assert uncached.findings == cold.findings == warm.findings
    assert len(uncached.findings) > 50


def test_no_cache_neither_reads_nor_writes(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    validate(root, _options(cache=False))
    assert not cachefile.cache_dir(root).exists()


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
    assert (cachefile.cache_dir(root) / CATALOG_FILE).exists()
    before = (cachefile.cache_dir(root) / CATALOG_FILE).read_bytes()
    resource = root / "data/resources/aa/sid_AAAAAAAAAA.yaml"
    resource.write_text(resource.read_text().replace("type: paper", "type: report", 1))
    _age(root)
    reused = _validate_without(root, monkeypatch, "check_catalog").findings
    assert reused == validate(root, _options(cache=False)).findings
    assert (cachefile.cache_dir(root) / CATALOG_FILE).read_bytes() == before
    tags = root / "data/tags.yaml"
    tags.write_text(tags.read_text() + "- id: a-new-tag\n")
    assert validate(root, _options()).findings == validate(root, _options(cache=False)).findings
    assert (cachefile.cache_dir(root) / CATALOG_FILE).read_bytes() != before
    after_vocabulary = (cachefile.cache_dir(root) / CATALOG_FILE).read_bytes()
    resource.write_text(resource.read_text().replace("https://", "https://www.", 1))
    _age(root)
    assert validate(root, _options()).findings == validate(root, _options(cache=False)).findings
    assert (cachefile.cache_dir(root) / CATALOG_FILE).read_bytes() != after_vocabulary


def test_catalog_results_hold_on_a_later_day_unless_a_date_was_in_the_future(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    validate(root, _options())
    next_year = TODAY.replace(year=TODAY.year + 1)
    with monkeypatch.context() as patch:
        patch.setattr(validation, "check_catalog", _must_not_run)
        reused = validate(root, Options(today=next_year, jobs=1)).findings
    assert reused == validate(root, Options(today=next_year, jobs=1, cache=False)).findings
    tombstones = root / _STONE
    tombstones.write_text(tombstones.read_text().replace("'2025-01-01'", "'2999-01-01'"))
    dated = validate(root, Options(today=next_year, jobs=1)).findings
    assert (_STONE, "C002") in {(f.path, f.code) for f in dated}
    calls: list[object] = []
    with monkeypatch.context() as patch:
        patch.setattr(validation, "check_catalog", _counting(validation.check_catalog, calls))
        later = validate(root, Options(today=TODAY.replace(year=3001), jobs=1)).findings
    assert calls, "a result holding a date in the future was reused on a later day"
    assert (_STONE, "C002") not in {(f.path, f.code) for f in later}


def _must_not_run(*_: object) -> list[object]:
    raise AssertionError("the whole-catalog checks ran although their inputs were cached")


def test_a_corrupt_catalog_cache_is_recomputed(root: Path) -> None:
    expected = validate(root, _options()).findings
    (cachefile.cache_dir(root) / CATALOG_FILE).write_bytes(b"RESREG-CACHE-4\n" + b"\0" * 40)
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
    data = bytearray((cachefile.cache_dir(root) / CACHE_FILE).read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-10] ^= 0xFF
    else:
        data = bytearray(b"not a cache at all")
    (cachefile.cache_dir(root) / CACHE_FILE).write_bytes(bytes(data))
    report = validate(root, _options())
    assert report.findings == expected
    assert report.notes == ["cache was corrupt and has been rebuilt"]
    assert validate(root, _options()).notes == []


def test_a_cache_from_an_earlier_day_is_used_but_for_dates_then_in_the_future(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _age(root)
    if (root / ".git").exists():
        git(root, "update-index", "-q", "--refresh")
    today = validate(root, _options()).findings
    future = {f.path for f in today if f.code == "C002"}
    assert future, "the fixtures hold dates in 2999"
    for later_day in (TODAY.replace(year=TODAY.year + 1), TODAY.replace(year=3001)):
        checked: list[str] = []
        with monkeypatch.context() as patch:
            patch.setattr(validation, "check_file", _counting(validation.check_file, checked))
            later = validate(root, Options(today=later_day, jobs=1))
        uncached = validate(root, Options(today=later_day, jobs=1, cache=False))
        assert later.findings == uncached.findings
        assert set(checked) <= future  # only the files whose result the day may change
    assert later.findings != today  # in 3001, the dates of 2999 are no longer in the future


def test_a_cache_from_a_later_day_is_not_used(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    validate(root, Options(today=TODAY.replace(year=3001), jobs=1))
    earlier = validate(root, _options())  # the clock was set back: nothing is trusted
    assert earlier.findings == validate(root, _options(cache=False)).findings


def test_an_unwritable_cache_is_noted_not_fatal(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    folder = cachefile.cache_dir(root)
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the cache folder should be")
    report = validate(root, _options())
    assert report.findings == validate(root, _options(cache=False)).findings
    assert report.notes[0].startswith("cache not saved")


def test_the_cache_lives_outside_the_work_tree(root: Path) -> None:
    """In git's own directory in a checkout, in the user's cache directory elsewhere."""
    validate(root, _options())
    folder = cachefile.cache_dir(root)
    assert (folder / CACHE_FILE).exists()
    if (root / ".git").exists():
        assert folder == root.resolve() / ".git" / "resreg-cache"
    else:
        assert folder.parent == Path(os.environ["XDG_CACHE_HOME"]) / "resource-registry"
        assert not folder.is_relative_to(root)
    in_git = [".git"] if (root / ".git").exists() else []
    assert sorted(path.name for path in root.iterdir()) == sorted(["data", *in_git])


# The warm run in a git checkout: git names what changed since the anchor, folder times
# reveal new files; every other file's saved result stands.

TARGET = "data/resources/aa/sid_AAAAAAAAAA.yaml"


def _edit(root: Path, old: str, new: str, path: str = TARGET) -> None:
    file = root / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))


def _new_untracked_file(root: Path) -> None:
    (root / "data/resources/aa/sid_AAAANEWAAA.yaml").write_text("url: https://example.org/n\n")


def _new_folder(root: Path) -> None:
    (root / "data/resources/nf/deeper").mkdir(parents=True)
    (root / "data/resources/nf/deeper/sid_NFNFNFNFNF.yaml").write_text("title: New\n")


def _new_stray(root: Path) -> None:
    (root / "data/resources/aa/notes.txt").write_text("not a resource\n")


def _deleted(root: Path) -> None:
    (root / TARGET).unlink()


def _deleted_and_staged(root: Path) -> None:
    git(root, "rm", "-q", TARGET)


def _replaced_by_a_link(root: Path) -> None:
    (root / TARGET).unlink()
    os.symlink(root / sorted((root / "data/resources").rglob("*.yaml"))[-1], root / TARGET)


def _staged_edit(root: Path) -> None:
    _edit(root, "type: paper", "type: report")
    git(root, "add", TARGET)


def _committed_edit_then_another(root: Path) -> None:
    _staged_edit(root)
    git(root, "commit", "-q", "-m", "edit")
    _edit(root, "type: report", "type: book")


def _identity_edit(root: Path) -> None:
    _edit(root, "https://", "https://www.")


def _reverted(root: Path) -> None:
    before = (root / TARGET).read_text()
    _staged_edit(root)
    (root / TARGET).write_text(before)
    git(root, "add", TARGET)


def _untracked_at_the_anchor_then_deleted(root: Path) -> None:
    (root / "data/resources/aa/sid_UNTRACKEDA.yaml").unlink()


WARM_CHANGES = {
    "nothing": lambda root: None,
    "an unstaged edit": lambda root: _edit(root, "type: paper", "type: papyrus"),
    "a staged edit": _staged_edit,
    "a committed edit, then another": _committed_edit_then_another,
    "an identity edit": _identity_edit,
    "an edit reverted": _reverted,
    "a new untracked file": _new_untracked_file,
    "a new folder": _new_folder,
    "a new stray": _new_stray,
    "a deleted file": _deleted,
    "a deletion staged": _deleted_and_staged,
    "a file replaced by a link": _replaced_by_a_link,
    "an untracked file deleted": _untracked_at_the_anchor_then_deleted,
}


@pytest.fixture
def anchored(make_registry: MakeRegistry) -> Path:
    """A committed registry (and one untracked file) whose cache was saved with an
    anchor, with every file and folder older than the racy window."""
    root = _registry(make_registry)
    git(root, "init", "-q")
    git(root, "add", "data")
    git(root, "commit", "-q", "-m", "registry")
    (root / "data/resources/aa/sid_UNTRACKEDA.yaml").write_text("url: https://example.org/u\n")
    _age_checkout(root)
    validate(root, _options())
    assert cachefile.anchor(root) == git(root, "rev-parse", "HEAD^{tree}").strip()
    return root


def _age_checkout(root: Path) -> None:
    """:func:`_age`, and git's stat cache brought up to date as git's commands do."""
    _age(root)
    git(root, "update-index", "-q", "--refresh")


@pytest.mark.parametrize("change", WARM_CHANGES.values(), ids=WARM_CHANGES)
def test_a_warm_run_gives_what_an_uncached_run_gives(
    anchored: Path, change: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    change(anchored)
    checked: list[str] = []
    with monkeypatch.context() as patch:
        patch.setattr(worktree.Pending, "result", _must_not_list)
        patch.setattr(validation, "check_file", _counting(validation.check_file, checked))
        warm = validate(anchored, _options())
    uncached = validate(anchored, _options(cache=False))
    assert (warm.findings, warm.files_checked) == (uncached.findings, uncached.files_checked)
    assert warm.notes == []
    assert len(checked) <= 3, checked  # the changed files and the untracked one only


def _counting(function: Callable[..., Any], calls: list[Any]) -> Callable[..., Any]:
    """``function``, noting its second argument at each call (a path, for check_file)."""

    def counted(*arguments: Any) -> Any:
        calls.append(arguments[1])
        return function(*arguments)

    return counted


def _validate_without(root: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    """A validation during which ``validation.<name>`` must not be called."""
    with monkeypatch.context() as patch:
        patch.setattr(validation, name, _must_not_run)
        return validate(root, _options())


def _must_not_list(*_: object) -> object:
    raise AssertionError("a warm run listed every file")


def test_a_warm_run_reuses_the_catalog_results_after_an_edit(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(anchored, "type: paper", "type: report")
    with monkeypatch.context() as patch:
        patch.setattr(validation, "check_catalog", _must_not_run)
        patch.setattr(cache, "_patched_columns", _must_not_run)  # nor loads the table
        reused = validate(anchored, _options())
    assert reused.findings == validate(anchored, _options(cache=False)).findings


def test_too_many_changes_take_the_whole_run_which_anchors_again(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _committed_edit_then_another(anchored)
    monkeypatch.setattr(cache, "FAST_LIMIT", 1)
    report = validate(anchored, _options())
    assert report.findings == validate(anchored, _options(cache=False)).findings
    assert cachefile.anchor(anchored) == git(anchored, "rev-parse", "HEAD^{tree}").strip()


def _commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A", "data")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    _age_checkout(root)


def _head_tree(root: Path) -> str:
    return git(root, "rev-parse", "HEAD^{tree}").strip()


def _same_as_uncached(root: Path, warm: validation.Report | None = None) -> None:
    warm = warm or validate(root, _options())
    uncached = validate(root, _options(cache=False))
    assert (warm.findings, warm.files_checked) == (uncached.findings, uncached.files_checked)
    assert lookup.identities(root) == lookup.identities(root, cache=False)


HISTORY: dict[str, Callable[[Path], None]] = {
    "an edit committed": _staged_edit,
    "an identity edit committed": _identity_edit,
    "a new file committed": _new_untracked_file,
    "a new folder committed": _new_folder,
    "the first edit undone and committed": lambda root: _edit(root, "type: report", "type: paper"),
    "an empty commit": lambda root: None,
    "a file deleted and committed": _deleted,
}


def test_warm_runs_move_the_anchor_to_each_new_commit(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each commit, the next saving warm run anchors the results to the new HEAD
    (without listing every file), and the run after it checks nothing at all."""
    monkeypatch.setattr(worktree.Pending, "result", _must_not_list)
    for change in HISTORY.values():
        change(anchored)
        _commit_all(anchored, "change")
        _same_as_uncached(anchored)  # the first run after the commit moves the anchor
        assert cachefile.anchor(anchored) == _head_tree(anchored)
        _same_as_uncached(anchored, _validate_without(anchored, monkeypatch, "check_file"))


def test_uncommitted_changes_stay_unanchored_when_the_anchor_moves(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _staged_edit(anchored)
    _commit_all(anchored, "edit")
    _edit(anchored, "type: report", "type: papyrus")  # left uncommitted
    _new_untracked_file(anchored)
    _age_checkout(anchored)
    _same_as_uncached(anchored)
    assert cachefile.anchor(anchored) == _head_tree(anchored)
    _edit(anchored, "type: papyrus", "type: report")  # back to the commit's content
    _age_checkout(anchored)
    _same_as_uncached(anchored)
    (anchored / "data/resources/aa/sid_AAAANEWAAA.yaml").unlink()
    _same_as_uncached(anchored)


def test_a_folder_looked_into_is_not_looked_into_again(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _new_untracked_file(anchored)
    _age_checkout(anchored)
    _same_as_uncached(anchored)  # looks into data/resources/aa and keeps its new time
    looked: list[str] = []
    real = worktree._unknown_entries

    def counted(root: Path, folder: str, *rest: Any) -> Any:
        looked.append(folder)
        return real(root, folder, *rest)

    with monkeypatch.context() as patch:
        patch.setattr(worktree, "_unknown_entries", counted)
        warm = validate(anchored, _options())
    assert looked == []
    _same_as_uncached(anchored, warm)
    _new_folder(anchored)  # a folder modified since is looked into again
    with monkeypatch.context() as patch:
        patch.setattr(worktree, "_unknown_entries", counted)
        again = validate(anchored, _options())
    assert "data/resources" in looked  # where the new folder was made
    assert "data/resources/aa" not in looked
    _same_as_uncached(anchored, again)


def test_a_commit_made_while_the_anchor_moves_is_not_trusted(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file committed between the run's look at the files and its move of the anchor
    was not checked by the run: it stays unanchored, so the next run checks it."""
    _staged_edit(anchored)
    _commit_all(anchored, "edit")
    real = worktree.head_changes

    def commit_meanwhile(root: Path, *rest: Any) -> Any:
        other = "data/resources/zz/future-date.yaml"
        _edit(root, "type: paper", "type: papyrus", other)  # a finding more
        git(root, "commit", "-q", "-a", "-m", "meanwhile")
        _age_checkout(root)
        return real(root, *rest)

    with monkeypatch.context() as patch:
        patch.setattr(worktree, "head_changes", commit_meanwhile)
        validate(anchored, _options())
    _same_as_uncached(anchored)


def test_a_file_changed_back_while_the_anchor_moves_is_not_trusted(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An uncommitted edit checked by the run, then undone (back to the commit's
    content) before the anchor moves: git then sees no difference, but what the run
    checked is not what the file holds."""
    _staged_edit(anchored)
    _commit_all(anchored, "edit")
    _edit(anchored, "type: report", "type: papyrus")
    _age_checkout(anchored)
    real = worktree.head_changes

    def undone_meanwhile(root: Path, *rest: Any) -> Any:
        git(root, "checkout", "-q", "--", TARGET)  # which brings git's stat cache up to date
        return real(root, *rest)

    with monkeypatch.context() as patch:
        patch.setattr(worktree, "head_changes", undone_meanwhile)
        validate(anchored, _options())
    _same_as_uncached(anchored)


def test_a_file_deleted_in_a_commit_then_made_again_is_found(anchored: Path) -> None:
    kept = (anchored / TARGET).read_text()
    _deleted(anchored)
    _commit_all(anchored, "deleted")
    _same_as_uncached(anchored)  # the anchor moves: the file is gone from the results
    (anchored / TARGET).write_text(kept.replace("type: paper", "type: papyrus"))
    _age_checkout(anchored)
    _same_as_uncached(anchored)


def test_rows_laid_over_keep_the_day_their_dates_were_judged_on(anchored: Path) -> None:
    dated = "data/resources/fx/sid_Fx00000001.yaml"
    (anchored / dated).parent.mkdir()
    (anchored / dated).write_bytes((FIXTURES / "bad/future-date.yaml").read_bytes())
    _commit_all(anchored, "a date in the future")
    validate(anchored, _options())  # lays the file's row over the cache file
    for later in (TODAY.replace(year=TODAY.year + 1), TODAY.replace(year=3001)):
        _new_untracked_file(anchored)  # the overlay moves (folder times) on the later day
        _age_checkout(anchored)
        for _ in range(2):
            report = validate(anchored, Options(today=later, jobs=1))
            uncached = validate(anchored, Options(today=later, jobs=1, cache=False))
            assert report.findings == uncached.findings
        (anchored / "data/resources/aa/sid_AAAANEWAAA.yaml").unlink()


def test_an_overlay_laid_over_another_cache_file_is_ignored(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _staged_edit(anchored)
    _commit_all(anchored, "edit")
    _same_as_uncached(anchored)  # the journal now holds an overlay
    _identity_edit(anchored)
    _commit_all(anchored, "identity")
    with monkeypatch.context() as patch:
        patch.setattr(cache, "FAST_LIMIT", 0)  # a whole run: a new cache file
        _same_as_uncached(anchored)
    _same_as_uncached(anchored)


def test_past_the_overlay_limit_the_anchor_stays(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "_OVERLAY_LIMIT", 0)
    before = cachefile.anchor(anchored)
    _staged_edit(anchored)
    _commit_all(anchored, "edit")
    _same_as_uncached(anchored)
    assert cachefile.anchor(anchored) == before != _head_tree(anchored)


def _add(root: Path, stable_id: str, url: str, **fields: object) -> None:
    path, text = resource_text(stable_id, url, **fields)
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


def test_a_resource_added_extends_the_saved_whole_catalog_results(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows that provably share no identity with any other bring only their own issues:
    the saved whole-catalog results stand, the catalog is not checked again."""
    _add(anchored, "sid_AddedAAAA1", "https://example.org/added-1", tags=["no-such-tag"])
    warm = _validate_without(anchored, monkeypatch, "check_catalog")
    assert ("R002", "data/resources/ad/sid_AddedAAAA1.yaml") in {
        (f.code, f.path) for f in warm.findings
    }
    _same_as_uncached(anchored, warm)
    _add(anchored, "sid_AddedAAAA2", "https://example.org/added-2")  # a second one since
    warm = _validate_without(anchored, monkeypatch, "check_catalog")
    _same_as_uncached(anchored, warm)


def test_a_resource_added_after_an_identity_edit_extends_the_latest_results(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The saved results no longer fit once an identity was edited (the catalog is
    checked again then), but the latest do: an addition after it extends those."""
    _identity_edit(anchored)
    _commit_all(anchored, "an identity edit")
    _same_as_uncached(anchored)
    for n in (1, 2):
        _add(anchored, f"sid_AddedFFFF{n}", f"https://example.org/after-edit-{n}")
        warm = _validate_without(anchored, monkeypatch, "check_catalog")
        _same_as_uncached(anchored, warm)
    target = read_document((anchored / TARGET).read_bytes())
    assert isinstance(target, Document)
    _add(anchored, "sid_AddedFFFF3", target.data["url"])  # held by the latest results only
    _same_as_uncached(anchored)
    assert "I007" in {f.code for f in validate(anchored, _options()).findings}


ADDITIONS: dict[str, Callable[[Path], None]] = {
    "a URL already recorded": lambda root: _add(
        root, "sid_AddedBBBB1", _parsed_tracked_file(root)[1]
    ),
    "a URL recorded after normalization": lambda root: _add(
        root, "sid_AddedBBBB1", _parsed_tracked_file(root)[1].replace("https://", "http://www.")
    ),
    "a stable ID recorded, in other case": lambda root: _add(
        root, "sid_aaaaaaaaaa", "https://example.org/case"
    ),
    "two added files with one URL": lambda root: [
        _add(root, f"sid_AddedCCCC{n}", "https://example.org/twice") for n in (1, 2)
    ],
    "a retired stable ID": lambda root: _add(root, "sid_RetiredAAA", "https://example.org/r"),
    "a retired URL": lambda root: _add(root, "sid_AddedDDDD1", "https://example.org/retired"),
    "the end of a dangling redirect": lambda root: _add(
        root, "sid_TargetAAA1", "https://example.org/target"
    ),
    "a file that does not parse": lambda root: (
        (root / "data/resources/ad/sid_AddedEEEE1.yaml").parent.mkdir(parents=True, exist_ok=True)
        or (root / "data/resources/ad/sid_AddedEEEE1.yaml").write_text("url: [unclosed\n")
    ),
}


@pytest.mark.parametrize("before", ["nothing", "an identity edit"])
@pytest.mark.parametrize("addition", ADDITIONS.values(), ids=ADDITIONS)
def test_resources_added_give_what_an_uncached_run_gives(
    anchored: Path, addition: Callable[[Path], None], before: str
) -> None:
    tombstones = anchored / _STONE
    tombstones.write_text(tombstones.read_text() + "replaced_by: sid_TargetAAA1\n")
    if before == "an identity edit":  # the latest results differ from the saved ones
        _edit(anchored, "https://", "https://edited.")
    _age_checkout(anchored)
    _same_as_uncached(anchored)  # the vocabulary changed: the catalog is checked again
    addition(anchored)
    _age_checkout(anchored)
    _same_as_uncached(anchored)
    _add(anchored, "sid_AddedZZZZ9", "https://example.org/one-more")
    _same_as_uncached(anchored)


def test_a_damaged_identity_column_is_noticed_when_needed(anchored: Path) -> None:
    expected = validate(anchored, _options(cache=False))
    saved = cachefile.read(cachefile.cache_dir(anchored) / CACHE_FILE)
    assert saved is not None
    blob = saved.blob("urls")
    data = (cachefile.cache_dir(anchored) / CACHE_FILE).read_bytes()
    at = data.index(blob) + len(blob) // 2
    (cachefile.cache_dir(anchored) / CACHE_FILE).write_bytes(
        data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    )
    _identity_edit(anchored)  # the whole-catalog checks need the identity columns
    report = validate(anchored, _options())
    assert report.findings == validate(anchored, _options(cache=False)).findings
    assert report.notes == ["cache was corrupt and has been rebuilt"]
    assert not (
        cachefile.cache_dir(anchored) / CACHE_FILE
    ).exists()  # so that the next run rebuilds it
    assert validate(anchored, _options()).files_checked == expected.files_checked


def test_changes_are_not_trusted_when_the_index_is_rewritten_meanwhile(anchored: Path) -> None:
    pending = worktree.begin(anchored, signatures=True, anchor=cachefile.anchor(anchored))
    git(anchored, "add", "data/resources/aa/sid_UNTRACKEDA.yaml")
    assert pending.changes() is None


def test_a_file_in_a_merge_conflict_is_checked_again(anchored: Path) -> None:
    git(anchored, "checkout", "-q", "-b", "other")
    _edit(anchored, "type: paper", "type: report")
    git(anchored, "commit", "-q", "-am", "theirs")
    git(anchored, "checkout", "-q", "-")
    _edit(anchored, "type: paper", "type: book")
    git(anchored, "commit", "-q", "-am", "ours")
    with pytest.raises(subprocess.CalledProcessError):
        git(anchored, "merge", "-q", "other")
    pending = worktree.begin(anchored, signatures=True, anchor=cachefile.anchor(anchored))
    assert pending.changes() == {TARGET}
    report = validate(anchored, _options())
    assert report.findings == validate(anchored, _options(cache=False)).findings


def test_a_folder_modified_during_the_listing_is_always_looked_into(anchored: Path) -> None:
    folder = anchored / "data/resources/aa"
    os.utime(folder)  # now: within the racy window of the next listing
    saved = cachefile.read(cachefile.cache_dir(anchored) / CACHE_FILE)
    assert saved is not None
    times = worktree.folder_times(anchored, time.time_ns())
    assert times["data/resources/aa"] == -1
    assert times["data/resources/zz"] == saved.load("folders")["data/resources/zz"] > 0


def test_the_registry_lock_may_be_taken_again_by_its_holder(tmp_path: Path) -> None:
    with cachefile.registry_lock(tmp_path), cachefile.registry_lock(tmp_path):
        assert (cachefile.cache_dir(tmp_path) / "registry.lock").exists()
    probe = "import fcntl, sys; fcntl.flock(open(sys.argv[1]), fcntl.LOCK_EX | fcntl.LOCK_NB)"
    lock_file = str(cachefile.cache_dir(tmp_path) / "registry.lock")
    with cachefile.registry_lock(tmp_path):  # held: another process cannot take it
        busy = subprocess.run([sys.executable, "-c", probe, lock_file], check=False)
    assert busy.returncode != 0
    assert subprocess.run([sys.executable, "-c", probe, lock_file], check=False).returncode == 0
    assert not (tmp_path / "registry.lock").exists()


def test_files_checked_by_a_warm_run_are_not_checked_again_while_unchanged(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _staged_edit(anchored)
    _new_untracked_file(anchored)
    _age_checkout(anchored)
    first = validate(anchored, _options())  # checks them and keeps them in the journal
    assert (cachefile.cache_dir(anchored) / cache.JOURNAL_FILE).exists()
    again = _validate_without(anchored, monkeypatch, "check_file")
    assert again.findings == first.findings == validate(anchored, _options(cache=False)).findings
    _edit(anchored, "type: report", "type: papyrus")  # changed since: checked again
    _age_checkout(anchored)
    edited = validate(anchored, _options())
    assert edited.findings == validate(anchored, _options(cache=False)).findings
    assert edited.findings != first.findings


def test_the_journal_holds_on_a_later_day_but_for_dates_then_in_the_future(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _staged_edit(anchored)
    dated = "data/resources/fx/sid_Fx00000001.yaml"
    (anchored / dated).parent.mkdir()
    (anchored / dated).write_bytes((FIXTURES / "bad/future-date.yaml").read_bytes())
    _age_checkout(anchored)
    first = validate(anchored, _options())  # checks both and keeps them in the journal
    future = {f.path for f in first.findings if f.code == "C002"}
    later = TODAY.replace(year=3001)
    checked: list[str] = []
    with monkeypatch.context() as patch:
        patch.setattr(validation, "check_file", _counting(validation.check_file, checked))
        report = validate(anchored, Options(today=later, jobs=1))
    assert dated in checked
    assert set(checked) <= future  # the staged edit's journal entry holds
    assert report.findings == validate(anchored, Options(today=later, jobs=1, cache=False)).findings


def test_a_file_edited_just_before_a_warm_run_is_not_kept_in_the_journal(
    anchored: Path,
) -> None:
    target = anchored / TARGET
    _staged_edit(anchored)  # modified "now": inside the racy window
    validate(anchored, _options())
    stat = target.stat()
    target.write_text(target.read_text().replace("type: report", "type: REPORT"))  # same size
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: stat cannot tell
    report = validate(anchored, _options())
    assert ("S005", 5) in {(f.code, f.line) for f in report.findings if f.path == TARGET}


def test_a_corrupt_journal_is_ignored(anchored: Path) -> None:
    _staged_edit(anchored)
    _age_checkout(anchored)
    expected = validate(anchored, _options()).findings
    (cachefile.cache_dir(anchored) / cache.JOURNAL_FILE).write_bytes(
        b"RESREG-CACHE-4\n" + b"\xff" * 64
    )
    assert validate(anchored, _options()).findings == expected


def test_a_warm_lookup_gives_the_identities_and_table_of_an_uncached_run(anchored: Path) -> None:
    _new_untracked_file(anchored)
    _deleted(anchored)
    _identity_edit_elsewhere = sorted((anchored / "data/resources").rglob("sid_*.yaml"))[5]
    text = _identity_edit_elsewhere.read_text()
    _identity_edit_elsewhere.write_text(text.replace("https://", "https://www.", 1))
    uncached = validation.file_results(anchored, _options(cache=False)).table
    run = validation.file_results(anchored, _options(), save_cache=False, keys_only=True)
    identities = run.identities  # preloaded columns, patched...
    table = run.table  # ...and the whole table, patched again from the saved columns
    for name in ("paths", "stable_ids", "ids", "urls", "normal_urls", "previous_urls"):
        assert getattr(identities, name) == getattr(table, name) == getattr(uncached, name)


def test_files_of_older_cache_versions_are_removed(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    cachefile.cache_dir(root).mkdir(parents=True)
    older = [cachefile.cache_dir(root) / name for name in ("validate-v3.bin", "catalog-v1.bin")]
    for path in older:
        path.write_bytes(b"from an earlier version")
    validate(root, _options())
    assert not any(path.exists() for path in older)
    assert (cachefile.cache_dir(root) / CACHE_FILE).exists()


def _parsed_tracked_file(root: Path) -> tuple[Path, str]:
    """A committed resource file that parses, and its URL, which no other file has."""
    found: dict[str, list[Path]] = {}
    for path in sorted((root / "data/resources").rglob("sid_*.yaml")):
        parsed = read_document(path.read_bytes())
        data = parsed.data if isinstance(parsed, Document) else None
        if isinstance(data, dict) and isinstance(url := data.get("url"), str):
            found.setdefault(url, []).append(path)
    return next((paths[0], url) for url, paths in found.items() if len(paths) == 1)


def test_new_rules_out_a_fresh_url_without_loading_identity_columns(
    anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(cache, "_patched_columns", _must_not_run)
        made = authoring.new_resource(anchored, "https://example.org/certainly-new", title="N")
    assert made.path is not None
    assert made.path.exists()


def test_new_refuses_urls_the_probe_cannot_rule_out(anchored: Path) -> None:
    """A committed URL (the saved probe says maybe), and one an uncommitted edit just
    gave a committed file (only the re-checked file knows it): both are refused."""
    edited, committed_url = _parsed_tracked_file(anchored)
    with pytest.raises(authoring.DuplicateError):
        authoring.new_resource(anchored, committed_url, title="Again")
    edited.write_text(edited.read_text().replace(committed_url, "https://example.org/edited-in"))
    with pytest.raises(authoring.DuplicateError, match=edited.name):
        authoring.new_resource(anchored, "https://example.org/edited-in", title="T")
    authoring.new_resource(anchored, committed_url, title="Freed by the edit")


def test_new_sees_urls_committed_after_the_cache_file_was_written(anchored: Path) -> None:
    """A URL recorded in a commit after the last whole run is in a row laid over the
    cache file by the journal: `new` refuses it, and accepts the URL the commit freed."""
    edited, committed_url = _parsed_tracked_file(anchored)
    edited.write_text(edited.read_text().replace(committed_url, "https://example.org/moved"))
    _commit_all(anchored, "a URL changed")
    validate(anchored, _options())  # moves the anchor: the row is laid over
    assert cachefile.anchor(anchored) == _head_tree(anchored)
    with pytest.raises(authoring.DuplicateError, match=edited.name):
        authoring.new_resource(anchored, "https://example.org/moved", title="Again")
    authoring.new_resource(anchored, committed_url, title="Freed by the commit")


def test_a_probe_says_no_only_for_values_absent_from_its_columns() -> None:
    key = catalog.ResourceKey  # the row type
    rows = [
        key(f"p{n}", f"sid_Probe{n:05d}", None, f"https://e.org/{n}", f"e.org/{n}",
            (f"https://old.e.org/{n}",), None, (), ())
        for n in range(2000)
    ]  # fmt: skip
    table = catalog.KeyTable.from_results(FileResult(row.path, (), row) for row in rows)
    probe = catalog.Probe.of(table)
    decoded = catalog.Probe.decoded(probe.encoded(), {"urls": {"https://e.org/extra"}})
    for each in (probe, decoded):
        for n in range(0, 2000, 7):
            assert each.may_hold("stable_ids", f"sid_probe{n:05d}")  # ignoring case
            assert each.may_hold("urls", f"https://e.org/{n}")
            assert each.may_hold("normal_urls", f"e.org/{n}")
            assert each.may_hold("previous_urls", f"https://old.e.org/{n}")
    assert decoded.may_hold("urls", "https://e.org/extra")
    present = {zlib.crc32(f"https://e.org/{n}".encode()) for n in range(2000)}
    absent = [f"https://e.org/x{n}" for n in range(500)]
    assert not any(
        decoded.may_hold("urls", url) for url in absent if zlib.crc32(url.encode()) not in present
    )


# Nothing in the work tree is trusted as state (the cache is forged as an attacker
# would: results saying "no findings" for a file with a `javascript:` URL).

_HOSTILE_URL = "javascript:alert(1)"


def _forged_cache(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Validate with a checker that finds nothing, so that the cache holds clean results
    for every file as it is now; the cache folder's path."""
    real = validation.check_file

    def blind(root: Path | str, path: str, today: Any) -> FileResult:
        result = real(root, path, today)
        return FileResult(result.path, (), result.key)

    with monkeypatch.context() as patch:
        patch.setattr(validation, "check_file", blind)
        assert validate(root, _options()).findings == []
    return cachefile.cache_dir(root)


def _hostile_registry(make_registry: MakeRegistry) -> Path:
    path, text = resource_text("sid_HostileAAA", "https://e.org/harmless")
    text = text.replace("url: https://e.org/harmless", f"url: {_HOSTILE_URL}")
    return make_registry({path: text})


def test_a_forged_cache_committed_to_the_repository_is_ignored_by_a_fresh_clone(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    attacker = _hostile_registry(make_registry)
    git(attacker, "init", "-q", "-b", "main")
    git(attacker, "add", "data")
    git(attacker, "commit", "-q", "-m", "registry")
    base = git(attacker, "rev-parse", "HEAD").strip()
    forged = _forged_cache(attacker, monkeypatch)
    shutil.copytree(forged, attacker / ".resreg-cache")
    shutil.copytree(forged, attacker / "resreg-cache")
    git(attacker, "add", "-f", ".resreg-cache", "resreg-cache")
    git(attacker, "commit", "-q", "-m", "cache")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(attacker), str(clone))
    assert (clone / ".resreg-cache" / CACHE_FILE).exists()
    runner = CliRunner()
    args = ["validate", "--root", str(clone), "--format", "github", "--base", base]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "title=S004" in result.output  # the url pattern: http(s) only
    assert "sid_HostileAAA.yaml" in result.output


def test_a_cache_planted_in_the_old_place_is_never_read(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _hostile_registry(make_registry)
    forged = _forged_cache(root, monkeypatch)
    shutil.move(forged, root / ".resreg-cache")
    report = validate(root, _options())
    assert [item.code for item in report.findings] == ["S004"]
    assert report.findings == validate(root, _options(cache=False)).findings


def _counting_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    real = validation.check_file

    def counted(root: Path | str, path: str, today: Any) -> FileResult:
        checked.append(path)
        return real(root, path, today)

    monkeypatch.setattr(validation, "check_file", counted)
    return checked


def test_a_change_in_a_subpackage_invalidates_the_cache(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "package"
    shutil.copytree(cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    module = package / "room" / "deeper" / "rules.py"
    module.parent.mkdir(parents=True)
    module.write_text("LIMIT = 1\n")
    monkeypatch.setattr(cache, "PACKAGE_DIR", package)
    root = _registry(make_registry)
    checked = _counting_checks(monkeypatch)
    validate(root, _options())
    files = len(checked)
    checked.clear()
    validate(root, _options())
    assert checked == []  # warm: nothing changed
    module.write_text("LIMIT = 2\n")
    cache._code_fingerprint.cache_clear()  # computed once per process: a new one
    validate(root, _options())
    assert len(checked) == files > 0


def test_another_dependency_version_invalidates_the_cache(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _registry(make_registry)
    checked = _counting_checks(monkeypatch)
    validate(root, _options())
    files = len(checked)
    checked.clear()
    validate(root, _options())
    assert checked == []
    real = cache.dependency_versions()
    for name in ("schema=", "pydantic-core=", "PyYAML=", "libyaml="):
        assert name in real
    monkeypatch.setattr(cache, "dependency_versions", lambda: real + " pydantic-core=99.0")
    validate(root, _options())
    assert len(checked) == files
