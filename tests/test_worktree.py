"""Finding resource files through git's index gives what walking the folder gives."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import MakeRegistry, git, resource_text
from resource_registry.cache import listing as worktree
from resource_registry.cache import results as cache
from resource_registry.check.file_rules import shard_path
from resource_registry.record import layout

CLEAN = "sid_CLEANAAAAA"
EDITED = "sid_EDITEDAAAA"
HIDDEN_EDIT = "sid_ASSUMEDAAA"
DELETED = "sid_DELETEDAAA"


def _checkout(make_registry: MakeRegistry) -> Path:
    files = dict(
        resource_text(sid, f"https://example.org/{sid}")
        for sid in (CLEAN, EDITED, HIDDEN_EDIT, DELETED)
    )
    files["data/resources/cl/notes.txt"] = "a tracked stray\n"
    files["data/resources/.gitkeep"] = ""
    root = make_registry(files)
    os.symlink(root / shard_path(CLEAN), root / "data/resources/cl/tracked-link.yaml")
    git(root, "init", "-q")
    git(root, "add", "data")
    git(root, "commit", "-q", "-m", "registry")
    return root


def _messy(root: Path) -> None:
    """Every state a working copy can be in that git's index does not vouch for."""
    (root / shard_path(EDITED)).write_text("edited: true\n")
    hidden = root / shard_path(HIDDEN_EDIT)
    git(root, "update-index", "--assume-unchanged", shard_path(HIDDEN_EDIT))
    hidden.write_text(hidden.read_text() + "# edited behind git's back\n")
    (root / shard_path(DELETED)).unlink()
    untracked = root / "data/resources/un"
    untracked.mkdir()
    (untracked / "sid_UNTRACKEDA.yaml").write_text("url: https://example.org/u\n")
    (untracked / "ignored.yaml").write_text("url: https://example.org/i\n")
    (untracked / "odd.yml").write_text("")
    (root / ".gitignore").write_text("ignored.yaml\n")
    os.symlink(untracked, untracked / "folder-link")
    (untracked / ".hidden.yaml").write_text("")


def test_git_and_the_folder_walk_agree(make_registry: MakeRegistry) -> None:
    root = _checkout(make_registry)
    _messy(root)
    walked = layout.discover(root)
    listed = worktree.discover(root, signatures=True)
    assert listed.resources == walked.resources
    assert listed.strays == walked.strays
    assert set(listed.signatures) == set(listed.resources)
    assert "data/resources/un/ignored.yaml" in listed.resources
    assert "data/resources/cl/tracked-link.yaml" in listed.strays
    assert "data/resources/un/folder-link" in listed.strays


def test_only_files_git_vouches_for_are_named_by_content(make_registry: MakeRegistry) -> None:
    root = _checkout(make_registry)
    _messy(root)
    signatures = worktree.discover(root, signatures=True).signatures
    blob = git(root, "rev-parse", f"HEAD:{shard_path(CLEAN)}").strip()
    assert signatures[shard_path(CLEAN)] == blob
    for sid in (EDITED, HIDDEN_EDIT):
        assert signatures[shard_path(sid)].startswith("s")
    assert signatures["data/resources/un/sid_UNTRACKEDA.yaml"].startswith("s")


def test_outside_a_checkout_files_are_named_by_stat(make_registry: MakeRegistry) -> None:
    root = make_registry(dict([resource_text(CLEAN, "https://example.org/a")]))
    listed = worktree.discover(root, signatures=True)
    assert listed.resources == [shard_path(CLEAN)]
    assert listed.signatures[shard_path(CLEAN)].startswith("s")


def test_a_file_in_a_merge_conflict_is_not_taken_from_the_index(
    make_registry: MakeRegistry,
) -> None:
    root = _checkout(make_registry)
    path = shard_path(CLEAN)
    git(root, "checkout", "-q", "-b", "other")
    (root / path).write_text((root / path).read_text() + "summary: Theirs.\n")
    git(root, "commit", "-q", "-am", "theirs")
    git(root, "checkout", "-q", "-")
    (root / path).write_text((root / path).read_text() + "summary: Ours.\n")
    git(root, "commit", "-q", "-am", "ours")
    with pytest.raises(subprocess.CalledProcessError):
        git(root, "merge", "-q", "other")
    assert " 2\t" in git(root, "ls-files", "--stage", path)
    listed = worktree.discover(root, signatures=True)
    assert listed.resources == layout.discover(root).resources
    assert listed.signatures[path].startswith("s")  # its stat, not a hash from the index


def test_a_stale_stat_cache_is_refreshed_not_trusted(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Touched but unchanged files (or a copied checkout) look modified to git until its
    stat cache is refreshed; an edited file stays modified."""
    monkeypatch.setattr(worktree, "_STALE_INDEX", 2)
    root = _checkout(make_registry)
    for path in (root / "data/resources").rglob("*.yaml"):
        if not path.is_symlink():
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    (root / shard_path(EDITED)).write_text("edited: true\n")
    assert len(git(root, "diff-files", "--name-only").split()) == 4
    signatures = worktree.discover(root, signatures=True).signatures
    assert (
        signatures[shard_path(CLEAN)] == git(root, "rev-parse", f"HEAD:{shard_path(CLEAN)}").strip()
    )
    assert signatures[shard_path(EDITED)].startswith("s")
    assert git(root, "diff-files", "--name-only").split() == [shard_path(EDITED)]


def test_a_stat_cache_is_refreshed_before_warm_runs_would_stop_being_warm() -> None:
    """The paths git cannot vouch for at a full run are re-checked by each warm run,
    which gives way to the full run past its limit: a stale stat cache (touched files)
    must be refreshed before it reaches that limit, or every run would be a full one."""
    assert worktree._STALE_INDEX < cache.FAST_LIMIT


def test_when_git_cannot_start_the_folder_is_walked(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = _checkout(make_registry)
    monkeypatch.setattr(worktree.shutil, "which", lambda _: str(tmp_path / "no-such-git"))
    listed = worktree.discover(root, signatures=True)
    assert listed.resources == layout.discover(root).resources
    assert all(signature.startswith("s") for signature in listed.signatures.values())


def test_files_behind_a_linked_folder_are_not_taken_for_resources(
    make_registry: MakeRegistry, tmp_path: Path
) -> None:
    """The folder walk does not follow links; looking at named paths must not either."""
    root = _checkout(make_registry)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{CLEAN}.yaml").write_text("url: https://example.org/x\n")
    shard = root / shard_path(CLEAN).rpartition("/")[0]
    for path in shard.iterdir():
        path.unlink()
    shard.rmdir()
    os.symlink(elsewhere, shard)
    names = [shard_path(CLEAN), shard.relative_to(root).as_posix()]
    classified = worktree.classify(root, names)
    assert classified == ({}, [shard.relative_to(root).as_posix()])
    assert worktree.discover(root, signatures=True).resources == layout.discover(root).resources


def test_new_paths_come_from_folders_whose_time_moved(make_registry: MakeRegistry) -> None:
    root = _checkout(make_registry)
    resources = root / "data/resources"
    for folder in [resources, *(p for p in resources.iterdir() if p.is_dir())]:
        os.utime(folder, ns=(0, 10**18))  # an old time, recorded as trustworthy
    folders = worktree.folder_times(root, 2 * 10**18)
    known = set(layout.discover(root).resources) | set(layout.discover(root).strays)
    assert worktree.new_paths(root, folders, known.__contains__) == set()
    (resources / "cl" / "sid_ADDEDAAAAA.yaml").write_text("title: Added\n")
    (resources / "nf" / "deeper").mkdir(parents=True)
    (resources / "nf" / "deeper" / "notes.txt").write_text("a stray in a new folder\n")
    replaced = next(p for p in resources.iterdir() if p.is_dir() and p.name not in ("cl", "nf"))
    for path in replaced.iterdir():
        path.unlink()
    replaced.rmdir()
    replaced.write_text("a file where a folder was\n")
    found = worktree.new_paths(root, folders, known.__contains__)
    assert found == {
        "data/resources/cl/sid_ADDEDAAAAA.yaml",
        "data/resources/nf/deeper/notes.txt",
        replaced.relative_to(root).as_posix(),
    }
