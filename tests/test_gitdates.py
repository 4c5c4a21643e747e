"""`created` and `modified` from git history: one pass over the log, moves and renames
followed, merged branches counted, no dates where history cannot tell."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, resource_text
from resource_registry.cite import gitdates
from resource_registry.cite.gitdates import Dates, resource_dates
from resource_registry.release import dataset
from resource_registry.release.export import export

T1, T2, T3, T4 = 1_700_000_000, 1_700_086_400, 1_700_172_800, 1_700_259_200


def _git(root: Path, *args: str, at: int = T1) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.org",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.org",
        GIT_AUTHOR_DATE=f"@{at} +0200",
        GIT_COMMITTER_DATE=f"@{at} +0200",
    )
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def _stamp(seconds: int) -> str:
    return gitdates._timestamp(seconds)


def _add(root: Path, stable_id: str, **fields: object) -> Path:
    path, text = resource_text(stable_id, f"https://example.org/{stable_id}", **fields)
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text, encoding="utf-8")
    return root / path


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Three resources: one edited later, one moved into its shard folder, one added on a
    branch that was merged."""
    root = tmp_path / "registry"
    shutil.copytree(FIXTURES / "base", root)
    _git(root, "init", "-q", "-b", "main")
    edited = _add(root, "sid_Edited0001")
    moved = root / "data/resources/sid_Moved00001.yaml"  # the flat layout of old
    shutil.move(_add(root, "sid_Moved00001"), moved)
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start", at=T1)
    edited.write_text(edited.read_text().replace("title: ", "title: New "), encoding="utf-8")
    _git(root, "commit", "-q", "-am", "edit", at=T2)
    _git(root, "mv", str(moved), "data/resources/mo/sid_Moved00001.yaml")
    _git(root, "commit", "-q", "-m", "move", at=T3)
    _git(root, "checkout", "-q", "-b", "side", "HEAD~1")
    _add(root, "sid_Branch0001")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "on a branch", at=T2 + 60)
    _git(root, "checkout", "-q", "main")
    _git(root, "merge", "-q", "--no-ff", "-m", "merge", "side", at=T4)
    return root


def test_dates_follow_edits_moves_and_merged_branches(history: Path) -> None:
    dates = resource_dates(history)
    assert dates == {
        "sid_Edited0001": Dates(_stamp(T1), _stamp(T2)),
        "sid_Moved00001": Dates(_stamp(T1), _stamp(T3)),
        "sid_Branch0001": Dates(_stamp(T2 + 60), _stamp(T2 + 60)),
    }
    assert _stamp(T1) == "2023-11-14T22:13:20Z"  # UTC, whatever the commit's zone


def test_the_release_and_its_formats_carry_the_dates(history: Path, tmp_path: Path) -> None:
    out = export(history, tmp_path / "ds").out
    records = {r["stable_id"]: r for r in dataset.load(out)}
    assert records["sid_Edited0001"]["created"] == _stamp(T1)
    assert records["sid_Edited0001"]["modified"] == _stamp(T2)
    assert dataset.verify(out) == []  # CSV, Parquet and SQLite hold the same dates


def test_one_git_log_for_the_whole_registry(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(30):
        _add(history, f"sid_Many{number:06d}")
    _git(history, "add", ".")
    _git(history, "commit", "-q", "-m", "many", at=T4 + 60)
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(args: list[str], **kwargs: object) -> object:
        calls.append(args)
        return real(args, **kwargs)  # type: ignore[call-overload]  # reason: passes through

    monkeypatch.setattr(subprocess, "run", counting)  # every git call, whichever module runs it
    assert len(resource_dates(history)) == 33
    assert [args[args.index("log") if "log" in args else 1] for args in calls] == [
        "rev-parse",
        "log",
    ]


def test_a_rename_joins_the_old_names_history() -> None:
    log = (
        "\x01300\0\nR090\0data/resources/ab/sid_OldName001.yaml\0"
        "data/resources/cd/sid_NewName001.yaml\0"
        "\x01200\0\nM\0data/resources/ab/sid_OldName001.yaml\0"
        "\x01100\0\nA\0data/resources/ab/sid_OldName001.yaml\0A\0data/resources/x/sid_Other0001.yml\0"
    )
    assert gitdates.dates_from_log(log) == {
        "sid_NewName001": Dates(_stamp(100), _stamp(300)),
        "sid_Other0001": Dates(_stamp(100), _stamp(100)),
    }


def test_a_real_rename_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "data/resources/ab").mkdir(parents=True)
    old = root / "data/resources/ab/sid_OldName001.yaml"
    old.write_text("".join(f"line {n}\n" for n in range(40)), encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "one", at=T1)
    (root / "data/resources/cd").mkdir()
    _git(root, "mv", str(old), "data/resources/cd/sid_NewName001.yaml")
    _git(root, "commit", "-q", "-m", "two", at=T2)
    assert resource_dates(root) == {"sid_NewName001": Dates(_stamp(T1), _stamp(T2))}


def test_no_dates_outside_git_or_in_a_shallow_clone(history: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(history, plain, ignore=shutil.ignore_patterns(".git"))
    assert resource_dates(plain) == {}
    out = export(plain, tmp_path / "ds").out
    assert all("created" not in record for record in dataset.load(out))
    assert dataset.verify(out) == []
    shallow = tmp_path / "shallow"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history}", str(shallow))
    assert resource_dates(shallow) == {}
