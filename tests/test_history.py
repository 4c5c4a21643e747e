"""History checks, retire, merge and redirects, on real temporary git repositories."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, TODAY, git
from resource_registry import Options, validate
from resource_registry.base import git as gitrepo
from resource_registry.base.errors import UsageError
from resource_registry.cli import cli
from resource_registry.edit.authoring import merge, retire
from resource_registry.record.urls import resource_id

IDS = {"A": "sid_AAAAAAAAAA", "B": "sid_BBBBBBBBBB", "C": "sid_CCCCCCCCCC", "D": "sid_DDDDDDDDDD"}
STONE = "data/tombstones/re/sid_RetiredAAA.yaml"  # the fixture base's one tombstone


def _path(name: str) -> str:
    stable_id = IDS[name]
    return f"data/resources/{stable_id[4:6].lower()}/{stable_id}.yaml"


def _record(name: str, **extra: str) -> str:
    url = f"https://example.org/{name.lower()}"
    text = (
        f"stable_id: {IDS[name]}\nid: {resource_id(url)}\nurl: {url}\n"
        f"title: Resource {name}\ntype: paper\n"
    )
    return text + "".join(f"{key}: {value}\n" for key, value in extra.items())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    for name in ("A", "B", "C", "D"):
        (root / _path(name)).parent.mkdir(parents=True, exist_ok=True)
        (root / _path(name)).write_text(_record(name, tags="[alignment]"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root


def _history(root: Path) -> set[tuple[str, str]]:
    report = validate(root, Options(today=TODAY, base="main", cache=False))
    return {(f.code, f.path) for f in report.findings}


def test_an_unchanged_registry_has_no_history_findings(repo: Path) -> None:
    assert _history(repo) == set()


def test_changed_stable_id_and_id_are_h001(repo: Path) -> None:
    text = (repo / _path("A")).read_text()
    (repo / _path("A")).write_text(text.replace("sid_AAAAAAAAAA", "sid_AAAAAAAAAZ"))
    (repo / _path("B")).write_text(
        (repo / _path("B"))
        .read_text()
        .replace(f"id: {resource_id('https://example.org/b')}", "id: 0123456789abcdef")
    )
    found = _history(repo)
    assert ("H001", _path("A")) in found
    assert ("H001", _path("B")) in found


def test_deleting_without_a_tombstone_is_h002(repo: Path) -> None:
    (repo / _path("C")).unlink()
    assert _history(repo) == {("H002", _path("C"))}


def test_retire_leaves_a_tombstone_and_a_clean_history(repo: Path) -> None:
    removed = retire(repo, IDS["C"], reason="Not a real resource.", today=TODAY)
    assert not removed.exists()
    assert _history(repo) == set()
    tombstone = (repo / f"data/tombstones/cc/{IDS['C']}.yaml").read_text()
    assert tombstone.startswith(f"stable_id: {IDS['C']}\n")
    assert "reason: Not a real resource.\n" in tombstone
    assert "retired: '2026-01-15'\n" in tombstone
    assert not (repo / "data/tombstones.yaml").exists()


def test_removing_or_editing_a_tombstone_is_h003(repo: Path) -> None:
    stone = repo / STONE
    stone.write_text(stone.read_text().replace("Duplicate of another resource.", "Edited."))
    assert _history(repo) == {("H003", STONE)}
    stone.unlink()
    assert _history(repo) == {("H003", STONE)}


def test_a_retired_id_coming_back_is_h004(repo: Path) -> None:
    retire(repo, IDS["D"], reason="Withdrawn.", today=TODAY)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "retire D")
    (repo / _path("D")).write_text(_record("D"))
    found = _history(repo)
    assert ("H004", _path("D")) in found
    assert ("I004", _path("D")) in found  # the current tombstones say so too


def test_a_moved_file_is_h005(repo: Path) -> None:
    target = repo / "data/resources/zz" / f"{IDS['A']}.yaml"
    target.parent.mkdir()
    (repo / _path("A")).rename(target)
    found = _history(repo)
    assert ("H005", "data/resources/zz/sid_AAAAAAAAAA.yaml") in found
    assert ("H002", _path("A")) not in found


def test_a_changed_url_must_keep_the_old_one(repo: Path) -> None:
    path = repo / _path("A")
    path.write_text(
        path.read_text().replace("url: https://example.org/a", "url: https://example.org/a2")
    )
    assert ("H006", _path("A")) in _history(repo)
    path.write_text(path.read_text() + "previous_urls: [https://example.org/a]\n")
    assert _history(repo) == set()


def test_merge_folds_the_duplicate_and_redirects(repo: Path) -> None:
    (repo / _path("A")).write_text(
        _record("A", tags="[governance]", cited_by="[alignment]", summary="From A.")
    )
    (repo / _path("B")).write_text(_record("B", tags="[alignment]", summary="From B."))
    git(repo, "commit", "-q", "-am", "tags")
    merged = merge(repo, IDS["A"], IDS["B"], today=TODAY)
    kept = (repo / _path("B")).read_text()
    assert "tags: [alignment, governance]\n" in kept
    assert "cited_by: [alignment]\n" in kept
    assert "previous_urls:\n  - https://example.org/a\n" in kept
    assert "summary: From B.\n" in kept
    assert merged.conflicts == (
        "`title`: kept 'Resource B', dropped 'Resource A'",
        "`summary`: kept 'From B.', dropped 'From A.'",
    )
    assert not (repo / _path("A")).exists()
    assert _history(repo) == set()
    out = CliRunner().invoke(cli, ["lookup", IDS["A"], "--root", str(repo)], catch_exceptions=False)
    assert f"replaced by {IDS['B']}: {_path('B')}" in out.stdout
    # the old URL still finds the kept resource
    out = CliRunner().invoke(
        cli, ["lookup", "https://example.org/a", "--root", str(repo)], catch_exceptions=False
    )
    assert out.stdout.startswith(f"# {_path('B')} (url match)")


def test_redirects_follow_chains(repo: Path) -> None:
    merge(repo, IDS["A"], IDS["B"], today=TODAY)
    merge(repo, IDS["B"], IDS["C"], today=TODAY)
    out = CliRunner().invoke(cli, ["lookup", IDS["A"], "--root", str(repo)], catch_exceptions=False)
    assert f"replaced by {IDS['C']} via {IDS['B']}: {_path('C')}" in out.stdout
    assert validate(repo, Options(today=TODAY)).findings == []


@pytest.mark.parametrize(
    ("duplicate", "keep", "message"),
    [
        ("A", "A", "into itself"),
        ("A", "retired", "is retired; merge into the resource that replaced it"),
        ("retired", "A", "is already retired"),
        ("A", "missing", "no file"),
    ],
)
def test_merge_refusals(repo: Path, duplicate: str, keep: str, message: str) -> None:
    names = {**IDS, "retired": "sid_RetiredAAA", "missing": "sid_Missing000"}
    with pytest.raises(UsageError, match=message):
        merge(repo, names[duplicate], names[keep])


def test_broken_redirect_chains_are_r006(repo: Path) -> None:
    stones = repo / STONE
    stones.write_text(stones.read_text() + "replaced_by: sid_Nowhere000\n")
    report = validate(repo, Options(today=TODAY))
    assert [(f.code, f.path, f.line) for f in report.findings] == [("R006", STONE, 7)]
    stones.write_text(stones.read_text().replace("sid_Nowhere000", "sid_RetiredAAA"))
    assert "a cycle" in validate(repo, Options(today=TODAY)).findings[0].message


def test_shallow_clone_without_the_base_says_how_to_fetch_it(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / _path("A")).write_text(_record("A", summary="Changed."))
    git(repo, "commit", "-q", "-am", "change")
    clone = tmp_path / "clone"
    git(
        tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(clone)
    )
    command = ["validate", "--root", str(clone), "--base", "origin/main"]
    result = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert result.exit_code == 2
    assert "shallow clone" in result.stderr
    assert "git fetch --no-tags --unshallow origin main" in result.stderr
    # the tip of main alone is not enough: the merge base is not in the clone
    git(clone, "fetch", "-q", "--no-tags", "--depth=1", "origin", "main:refs/remotes/origin/main")
    result = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert result.exit_code == 2
    assert "no common commit in this shallow clone" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    git(clone, "fetch", "-q", "--no-tags", "--unshallow", "origin")
    result = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout


def test_history_compares_with_the_merge_base_not_the_tip(repo: Path) -> None:
    """A branch retires B after main (since it branched) retired A: A's tombstone is not
    the branch's business, and B's is its own, correct change."""
    fork = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "checkout", "-q", "main")
    retire(repo, IDS["A"], reason="Withdrawn.", today=TODAY)
    git(repo, "add", "-A")  # the tombstone may be a new file
    git(repo, "commit", "-q", "-m", "main retires A")
    git(repo, "checkout", "-q", "feature")
    retire(repo, IDS["B"], reason="Spam.", today=TODAY)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature retires B")
    report = validate(repo, Options(today=TODAY, base="main", cache=False))
    assert report.findings == []
    assert report.history_base is not None
    assert (report.history_base.ref, report.history_base.commit) == ("main", fork)
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(repo), "--base", "main"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if fork[:12] in line]
    assert lines == [f"History checked against {fork[:12]}, the merge base of main and HEAD."]
    result = CliRunner().invoke(
        cli,
        ["validate", "--root", str(repo), "--base", "main", "--format", "json"],
        catch_exceptions=False,
    )
    assert json.loads(result.stdout)["history_base"] == {"ref": "main", "commit": fork}
    # what the branch itself does wrong is still caught against the merge base
    (repo / _path("C")).unlink()
    assert _history(repo) == {("H002", _path("C"))}


def test_history_is_checked_only_on_request(repo: Path) -> None:
    report = validate(repo, Options(today=TODAY, cache=False))
    assert report.history_base is None
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(repo), "--format", "json"], catch_exceptions=False
    )
    assert json.loads(result.stdout)["history_base"] is None
    result = CliRunner().invoke(cli, ["validate", "--root", str(repo)], catch_exceptions=False)
    assert "History checked" not in result.stdout


def test_a_base_with_no_merge_base_is_a_usage_error(repo: Path) -> None:
    git(repo, "checkout", "-q", "--orphan", "unrelated")
    git(repo, "commit", "-q", "-m", "a history of its own")
    git(repo, "checkout", "-q", "main")
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(repo), "--base", "unrelated"], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert "`unrelated` and HEAD share no history" in result.stderr
    assert result.stdout == ""


def test_unknown_ref_and_non_checkout_are_usage_errors(repo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(repo), "--base", "nope"], catch_exceptions=False
    )
    assert (result.exit_code, "`nope` is not a commit" in result.stderr) == (2, True)
    plain = tmp_path / "plain"
    shutil.copytree(FIXTURES / "base", plain)
    (plain / "data/resources").mkdir()
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(plain), "--base", "main"], catch_exceptions=False
    )
    assert (result.exit_code, "is not a git checkout" in result.stderr) == (2, True)


def test_history_only_reads_what_changed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []
    real = gitrepo.read_files

    def spy(root: Path, commit: str, paths: list[str]) -> dict[str, bytes]:
        asked.append(list(paths))
        return real(root, commit, paths)

    monkeypatch.setattr(gitrepo, "read_files", spy)
    (repo / _path("B")).write_text(_record("B", summary="Edited."))
    _history(repo)
    assert asked == [[_path("B"), "data/tombstones.yaml"]]


def test_retire_and_merge_from_the_command_line(repo: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["retire", IDS["D"], "--reason", "Spam.", "--root", str(repo)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert result.stdout == (
        f"retired {IDS['D']}: removed {_path('D')}, "
        f"tombstone written to data/tombstones/dd/{IDS['D']}.yaml\n"
    )
    result = runner.invoke(
        cli, ["merge", IDS["A"], IDS["B"], "--root", str(repo)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"merged {IDS['A']} into {IDS['B']}: updated {_path('B')}, removed {_path('A')}",
        f"conflict, kept {IDS['B']}'s value: `title`: kept 'Resource B', dropped 'Resource A'",
    ]
    result = runner.invoke(
        cli, ["merge", IDS["B"], IDS["A"], "--root", str(repo)], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert f"{IDS['A']} is retired" in result.stderr
    result = runner.invoke(
        cli, ["validate", "--root", str(repo), "--base", "main"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stdout
