"""Tombstones, one file each: concurrent retirements merge cleanly, the old single file
is migrated, and the layout is checked (I011 to I014)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, TODAY, git
from resource_registry import Options, validate
from resource_registry.base.errors import UsageError
from resource_registry.check.tombstones import read_all, tombstone_path
from resource_registry.cli import cli
from resource_registry.edit.authoring import merge, new_resource, retire
from resource_registry.record.urls import resource_id

IDS = {"A": "sid_AAAAAAAAAA", "B": "sid_BBBBBBBBBB", "C": "sid_CCCCCCCCCC", "D": "sid_DDDDDDDDDD"}
BASE_STONE = "data/tombstones/re/sid_RetiredAAA.yaml"
LEGACY = "data/tombstones.yaml"


def _path(name: str) -> str:
    stable_id = IDS[name]
    return f"data/resources/{stable_id[4:6].lower()}/{stable_id}.yaml"


def _record(name: str) -> str:
    url = f"https://example.org/{name.lower()}"
    return (
        f"stable_id: {IDS[name]}\nid: {resource_id(url)}\nurl: {url}\n"
        f"title: Resource {name}\ntype: paper\n"
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    for name in IDS:
        (root / _path(name)).parent.mkdir(parents=True, exist_ok=True)
        (root / _path(name)).write_text(_record(name))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root


def _findings(root: Path, base: str | None = None) -> set[tuple[str, str, int]]:
    report = validate(root, Options(today=TODAY, base=base, cache=False))
    return {(f.code, f.path, f.line) for f in report.findings}


def _commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_two_branches_that_retire_and_merge_merge_without_conflict(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "retire-c")
    retire(repo, IDS["C"], reason="Spam.", today=TODAY)
    _commit_all(repo, "retire C")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "merge-a")
    merge(repo, IDS["A"], IDS["B"], today=TODAY)
    _commit_all(repo, "merge A into B")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "retire-d")
    retire(repo, IDS["D"], reason="Withdrawn.", today=TODAY)
    _commit_all(repo, "retire D")
    git(repo, "checkout", "-q", "main")

    for branch in ("retire-c", "merge-a", "retire-d"):  # raises on a conflict
        git(repo, "merge", "-q", "--no-edit", branch)

    assert git(repo, "status", "--porcelain") == ""
    retired = {stone["stable_id"] for stone in read_all(repo)}
    assert retired == {"sid_RetiredAAA", IDS["A"], IDS["C"], IDS["D"]}
    assert _findings(repo, base="main~3") == set()
    out = CliRunner().invoke(cli, ["lookup", IDS["A"], "--root", str(repo)], catch_exceptions=False)
    assert f"replaced by {IDS['B']}: {_path('B')}" in out.stdout


def test_a_retired_url_and_stable_id_stay_taken(repo: Path) -> None:
    retire(repo, IDS["C"], reason="Spam.", today=TODAY)
    with pytest.raises(UsageError, match="is already retired"):
        retire(repo, IDS["C"], reason="Again.", today=TODAY)
    with pytest.raises(Exception, match="retired IDs never come back"):
        new_resource(repo, "https://example.org/c", title="Back again")
    out = CliRunner().invoke(cli, ["lookup", IDS["C"], "--root", str(repo)], catch_exceptions=False)
    assert out.stdout.startswith(f"# retired 2026-01-15: {IDS['C']} (Spam.); withdrawn")


def test_history_sees_a_removed_edited_or_resurrected_tombstone_file(repo: Path) -> None:
    retire(repo, IDS["C"], reason="Spam.", today=TODAY)
    _commit_all(repo, "retire C")
    stone = repo / tombstone_path(IDS["C"])
    assert _findings(repo, base="main") == set()

    stone.write_text(stone.read_text().replace("Spam.", "Not spam."))
    assert _findings(repo, base="main") == {("H003", tombstone_path(IDS["C"]), 1)}

    stone.unlink()
    (repo / _path("C")).write_text(_record("C"))
    assert _findings(repo, base="main") == {
        ("H003", tombstone_path(IDS["C"]), 0),
        ("H004", _path("C"), 1),
        ("H004", _path("C"), 2),
    }


def test_a_tombstone_moved_to_another_shard_is_kept_but_misplaced(repo: Path) -> None:
    moved = "data/tombstones/zz/sid_RetiredAAA.yaml"
    (repo / moved).parent.mkdir(parents=True)
    (repo / BASE_STONE).rename(repo / moved)
    assert _findings(repo, base="main") == {("I012", moved, 1)}


def _legacy_repo(repo: Path) -> str:
    """The base as a registry of the old layout: every tombstone in one list."""
    text = (repo / BASE_STONE).read_text()
    (repo / BASE_STONE).unlink()
    legacy = "# every retired resource\n- " + text.replace("\n", "\n  ").rstrip() + "\n"
    (repo / LEGACY).write_text(legacy)
    _commit_all(repo, "old layout")
    return text


def test_the_old_single_file_is_read_with_a_warning_then_migrated(repo: Path) -> None:
    expected = _legacy_repo(repo)
    assert _findings(repo) == {("I014", LEGACY, 2)}
    with pytest.raises(Exception, match="retired IDs never come back"):
        new_resource(repo, "https://example.org/retired", title="Back again")

    result = CliRunner().invoke(
        cli, ["migrate-tombstones", "--root", str(repo)], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "wrote 1 tombstone files in data/tombstones/, removed data/tombstones.yaml\n"
    )
    assert (repo / BASE_STONE).read_text() == expected
    assert not (repo / LEGACY).exists()
    assert _findings(repo, base="main") == set()  # the migration keeps every tombstone
    again = CliRunner().invoke(cli, ["migrate-tombstones", "--root", str(repo)])
    assert (again.exit_code, "there is no `data/tombstones.yaml`" in again.stderr) == (2, True)


def test_dropping_the_old_file_without_migrating_is_h003(repo: Path) -> None:
    _legacy_repo(repo)
    (repo / LEGACY).unlink()
    assert _findings(repo, base="main") == {("H003", LEGACY, 0)}


def test_tombstone_layout_problems(repo: Path) -> None:
    text = (repo / BASE_STONE).read_text()
    other = text.replace("sid_RetiredAAA", "sid_RetiredBBB").replace("d1f4", "e1f4")
    files = {
        "data/tombstones/re/sid_RetiredCCC.yaml": other,  # named after another ID
        "data/tombstones/sid_RetiredBBB.yaml": other,  # not in a shard folder
        "data/tombstones/re/notes.txt": "not a tombstone\n",
        "data/tombstones/re/sid_retiredaaa.yaml": text.replace("RetiredAAA", "retiredaaa"),
        "data/tombstones/re/sid_RetiredDDD.yaml": "- a list\n",
    }
    for path, content in files.items():
        (repo / path).write_text(content)

    assert _findings(repo) == {
        ("I011", "data/tombstones/re/sid_RetiredCCC.yaml", 1),
        ("I012", "data/tombstones/sid_RetiredBBB.yaml", 1),
        ("I013", "data/tombstones/re/notes.txt", 0),
        ("R004", "data/tombstones/re/sid_retiredaaa.yaml", 1),
        ("R004", BASE_STONE, 1),
        ("P010", "data/tombstones/re/sid_RetiredDDD.yaml", 1),
        ("R004", "data/tombstones/re/sid_RetiredCCC.yaml", 1),
        ("R004", "data/tombstones/sid_RetiredBBB.yaml", 1),
    }


def test_a_tombstone_file_is_checked_against_the_schema(repo: Path) -> None:
    stone = repo / BASE_STONE
    stone.write_text(stone.read_text().replace("reason: Duplicate of another resource.\n", ""))
    stone.write_text(stone.read_text() + "extra: 1\n")
    report = validate(repo, Options(today=TODAY, cache=False))
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("S001", 1, "missing required field `reason`"),
        ("S002", 6, "unknown field `extra`"),
    ]


def test_written_tombstones_are_canonical(repo: Path) -> None:
    retire(repo, IDS["C"], reason="Spam.", today=TODAY)
    merge(repo, IDS["A"], IDS["B"], today=TODAY)
    result = CliRunner().invoke(cli, ["fmt", "--check", "--root", str(repo)])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("0 of 8 files would be reformatted.\n")


def test_a_stable_id_retired_under_another_case_is_not_retired_twice(repo: Path) -> None:
    stone = (repo / BASE_STONE).read_text()
    (repo / _path("C")).write_text(_record("C").replace(IDS["C"], "sid_retiredaaa"))
    moved = repo / "data/resources/re/sid_retiredaaa.yaml"
    moved.parent.mkdir()
    (repo / _path("C")).rename(moved)
    with pytest.raises(UsageError, match="sid_retiredaaa is already retired"):
        retire(repo, "sid_retiredaaa", reason="Again.", today=TODAY)
    assert moved.exists()
    assert (repo / BASE_STONE).read_text() == stone


def test_migration_refuses_to_overwrite_a_different_tombstone_file(repo: Path) -> None:
    _legacy_repo(repo)
    (repo / BASE_STONE).parent.mkdir(parents=True, exist_ok=True)
    (repo / BASE_STONE).write_text("stable_id: sid_RetiredAAA\n")
    result = CliRunner().invoke(cli, ["migrate-tombstones", "--root", str(repo)])
    assert result.exit_code == 2
    assert "already exists with other content" in result.stderr
    assert (repo / LEGACY).exists()
