"""Finding resource files through git's index gives what walking the folder gives."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import MakeRegistry, git, resource_text
from resource_registry import layout, worktree
from resource_registry.records import shard_path

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
    assert signatures[shard_path(CLEAN)].split(" ")[2] == blob
    for sid in (EDITED, HIDDEN_EDIT):
        assert signatures[shard_path(sid)].startswith("s")
    assert signatures["data/resources/un/sid_UNTRACKEDA.yaml"].startswith("s")


def test_outside_a_checkout_files_are_named_by_stat(make_registry: MakeRegistry) -> None:
    root = make_registry(dict([resource_text(CLEAN, "https://example.org/a")]))
    listed = worktree.discover(root, signatures=True)
    assert listed.resources == [shard_path(CLEAN)]
    assert listed.signatures[shard_path(CLEAN)].startswith("s")
