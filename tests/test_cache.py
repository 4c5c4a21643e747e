"""The incremental cache: same results as without it, and never trusted when wrong."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, TODAY, MakeRegistry, git, resource_text
from resource_registry import Options, validate
from resource_registry.cache import place as cacheplace
from resource_registry.cache import results as cacheresults
from resource_registry.cache import snapshot as cachesnapshot
from resource_registry.check.file_result import FileResult
from resource_registry.cli import cli
from resource_registry.registry import lookup
from resource_registry.registry import validate as validation

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


def _store(root: Path) -> Path:
    """The cache's one store file."""
    (store,) = cacheplace.cache_dir(root).glob("results-*.sqlite")
    return store


def test_results_with_and_without_cache_are_identical(root: Path) -> None:
    uncached = validate(root, _options(cache=False))
    cold = validate(root, _options())
    warm = validate(root, _options())
    assert _store(root).exists()
    assert uncached.findings == cold.findings == warm.findings
    assert len(uncached.findings) > 50


def _recording_pids(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, log: Path) -> None:
    """Wrap ``owner.name`` so that each call appends its process id to ``log`` (a file:
    a forked child's lists die with it)."""
    real = getattr(owner, name)

    def recorded(*arguments: Any) -> Any:
        with log.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return real(*arguments)

    monkeypatch.setattr(owner, name, recorded)


def _pids(log: Path) -> set[int]:
    return {int(line) for line in log.read_text().split()} if log.exists() else set()


@pytest.mark.usefixtures("three_cores")
def test_checks_split_over_forked_parts_match_an_uncached_run(
    root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each forked part checks and encodes its share; together they are one process's."""
    log = tmp_path / "checkers"
    monkeypatch.setattr(cacheresults, "SPLIT_FROM", 2)
    uncached = validate(root, _options(cache=False))
    _recording_pids(monkeypatch, validation, "_check_chunk", log)
    split = validate(root, Options(today=TODAY))
    assert len(_pids(log)) == 3  # this process and two children, one part each
    assert split.findings == uncached.findings
    assert validate(root, Options(today=TODAY)).findings == uncached.findings


@pytest.mark.usefixtures("three_cores")
def test_results_saved_by_a_forked_child_are_read_back(
    root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The fresh results are saved in a child while the report is made; a later run
    without the snapshot finds every one of them in the table, and checks nothing."""
    log = tmp_path / "savers"
    monkeypatch.setattr(cacheresults, "SAVE_APART", 1)
    _recording_pids(monkeypatch, cacheresults, "_put", log)
    first = validate(root, Options(today=TODAY))
    assert _pids(log)
    assert os.getpid() not in _pids(log)
    for snapshot in _store(root).parent.glob("*.snapshot"):
        snapshot.unlink()
    checked: list[str] = []
    real = validation._check_chunk

    def counted(root: str, today: Any, paths: Any) -> Any:  # (too few to fork)
        checked.extend(paths)
        return real(root, today, paths)

    monkeypatch.setattr(validation, "_check_chunk", counted)
    assert validate(root, Options(today=TODAY)).findings == first.findings
    assert checked == []
    assert first.findings == validate(root, _options(cache=False)).findings


@pytest.mark.usefixtures("three_cores")
def test_a_forked_save_that_fails_is_noted_once(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _registry(make_registry)
    validate(root, _options())  # the store exists
    monkeypatch.setattr(cacheresults, "SAVE_APART", 1)
    with sqlite3.connect(_store(root)) as db:  # every insert now fails
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON results BEGIN"
            " SELECT RAISE(ABORT, 'the disk is full'); END"
        )
        db.execute("DELETE FROM results")
    for snapshot in _store(root).parent.glob("*.snapshot"):
        snapshot.unlink()
    report = validate(root, Options(today=TODAY))
    assert report.findings == validate(root, _options(cache=False)).findings
    assert [note for note in report.notes if "the disk is full" in note] == [report.notes[0]]
    assert len(report.notes) == 1


def test_no_cache_neither_reads_nor_writes(make_registry: MakeRegistry) -> None:
    root = _registry(make_registry)
    validate(root, _options(cache=False))
    assert not cacheplace.cache_dir(root).exists()


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
    store = _store(root)
    data = bytearray(store.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":  # in a saved message: SQLite cannot tell, the row's CRC can
        data[data.index(b"should be")] ^= 0x01
    else:
        data = bytearray(b"not a cache at all")
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    store.write_bytes(bytes(data))
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
            patch.setattr(validation, "check_content", _counting(validation.check_content, checked))
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
    folder = cacheplace.cache_dir(root)
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the cache folder should be")
    report = validate(root, _options())
    assert report.findings == validate(root, _options(cache=False)).findings
    assert report.notes[0].startswith("cache not saved")


def test_the_cache_lives_outside_the_work_tree(root: Path) -> None:
    """In git's own directory in a checkout, in the user's cache directory elsewhere."""
    validate(root, _options())
    folder = cacheplace.cache_dir(root)
    assert _store(root).parent == folder
    if (root / ".git").exists():
        assert folder == root.resolve() / ".git" / "resreg-cache"
    else:
        assert folder.parent == Path(os.environ["XDG_CACHE_HOME"]) / "resource-registry"
        assert not folder.is_relative_to(root)
    in_git = [".git"] if (root / ".git").exists() else []
    assert sorted(path.name for path in root.iterdir()) == sorted(["data", *in_git])


def _counting(function: Callable[..., Any], calls: list[Any]) -> Callable[..., Any]:
    """``function``, noting its first argument at each call (a path, for check_content)."""

    def counted(*arguments: Any) -> Any:
        calls.append(arguments[0])
        return function(*arguments)

    return counted


def test_the_registry_lock_may_be_taken_again_by_its_holder(tmp_path: Path) -> None:
    with cacheplace.registry_lock(tmp_path), cacheplace.registry_lock(tmp_path):
        assert (cacheplace.cache_dir(tmp_path) / "registry.lock").exists()
    probe = "import fcntl, sys; fcntl.flock(open(sys.argv[1]), fcntl.LOCK_EX | fcntl.LOCK_NB)"
    lock_file = str(cacheplace.cache_dir(tmp_path) / "registry.lock")
    with cacheplace.registry_lock(tmp_path):  # held: another process cannot take it
        busy = subprocess.run([sys.executable, "-c", probe, lock_file], check=False)
    assert busy.returncode != 0
    assert subprocess.run([sys.executable, "-c", probe, lock_file], check=False).returncode == 0
    assert not (tmp_path / "registry.lock").exists()


_HOSTILE_URL = "javascript:alert(1)"


def _forged_cache(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Validate with a checker that finds nothing, so that the cache holds clean results
    for every file as it is now; the cache folder's path."""
    real = validation.check_content

    def blind(path: str, data: bytes, today: Any) -> FileResult:
        result = real(path, data, today)
        return FileResult(result.path, (), result.key)

    with monkeypatch.context() as patch:
        patch.setattr(validation, "check_content", blind)
        assert validate(root, _options()).findings == []
    return cacheplace.cache_dir(root)


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
    assert list((clone / ".resreg-cache").glob("results-*.sqlite"))
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
    real = validation.check_content

    def counted(path: str, data: bytes, today: Any) -> FileResult:
        checked.append(path)
        return real(path, data, today)

    monkeypatch.setattr(validation, "check_content", counted)
    return checked


def test_a_change_in_a_subpackage_invalidates_the_cache(
    make_registry: MakeRegistry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "package"
    shutil.copytree(cacheplace.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    module = package / "room" / "deeper" / "rules.py"
    module.parent.mkdir(parents=True)
    module.write_text("LIMIT = 1\n")
    monkeypatch.setattr(cacheplace, "PACKAGE_DIR", package)
    root = _registry(make_registry)
    checked = _counting_checks(monkeypatch)
    validate(root, _options())
    files = len(checked)
    checked.clear()
    validate(root, _options())
    assert checked == []  # warm: nothing changed
    module.write_text("LIMIT = 2\n")
    cacheplace._code_fingerprint.cache_clear()  # computed once per process: a new one
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
    real = cacheplace.dependency_versions()
    for name in ("schema=", "pydantic-core=", "PyYAML=", "libyaml="):
        assert name in real
    monkeypatch.setattr(cacheplace, "dependency_versions", lambda: real + " pydantic-core=99.0")
    validate(root, _options())
    assert len(checked) == files


def test_lookups_give_the_identities_of_an_uncached_run(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = lookup.identities(root)  # nothing saved yet: checked, and saved
    checked = _counting_checks(monkeypatch)
    validate(root, Options(jobs=1))  # today, as the lookup's
    assert checked == []  # the lookup saved what validation needs
    validate(root, _options())
    warm = lookup.identities(root)  # from the saved results
    assert cold == warm == lookup.identities(root, cache=False)
    assert len(warm.paths) > 50


def test_the_snapshot_is_rewritten_once_it_lacks_enough_entries(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until a snapshot lacks REWRITE_AFTER entries it stays as saved, and each run
    takes the rows it lacks from saved results: every edited file is checked once, and
    every run answers as an uncached one."""
    monkeypatch.setattr(cacheresults, "REWRITE_AFTER", 5)  # an edit: one entry out, one in
    monkeypatch.setattr(cacheresults, "RACY_NS", 0)  # files just written count as settled
    validate(root, _options())
    (snapshot,) = _store(root).parent.glob("*.snapshot")
    saved = snapshot.read_bytes()
    checked = _counting_checks(monkeypatch)
    for edits, target in enumerate(sorted((root / "data/resources").rglob("*.yaml"))[:3], 1):
        target.write_text(target.read_text() + "# edited\n")  # the other files untouched
        checked.clear()
        report = validate(root, _options())
        assert checked == [target.relative_to(root).as_posix()]
        assert report.findings == validate(root, _options(cache=False)).findings
        assert (snapshot.read_bytes() == saved) is (edits < 3)


def test_the_hook_reads_saved_results_by_the_index_object_ids(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (root / ".git").exists():
        pytest.skip("the hook mode needs a git checkout")
    from resource_registry.registry.staged import validate_staged  # noqa: PLC0415 - reason: only here

    validate(root, _options())  # the work tree's results, keyed by content
    checked = _counting_checks(monkeypatch)
    hook = validate_staged(root, _options())
    assert checked == []  # every staged blob's content was checked in the work tree
    assert hook.findings == validate_staged(root, _options(cache=False)).findings


def test_a_file_name_that_is_not_utf8_is_checked_afresh_not_a_crash(
    make_registry: MakeRegistry,
) -> None:
    """SQLite holds UTF-8 text only: such a file is never saved, and always reported."""
    from resource_registry.registry.staged import validate_staged  # noqa: PLC0415 - reason: only here

    root = make_registry(dict([resource_text("sid_Utf8Named1", "https://example.org/named")]))
    name = os.fsdecode(b"data/resources/zz/\xff.yaml")
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(b"stable_id: sid_NotUtf8AAA\n")
    git(root, "init", "-q")
    git(root, "add", "data")
    runs = [validate(root, _options()) for _ in range(2)]
    fresh = validate(root, _options(cache=False))
    assert runs[0].findings == runs[1].findings == fresh.findings
    assert any(f.path == name for f in fresh.findings)
    hooks = [validate_staged(root, _options()) for _ in range(2)]
    assert hooks[0].findings == hooks[1].findings
    assert hooks[0].findings == validate_staged(root, _options(cache=False)).findings
    assert any(f.path == name for f in hooks[0].findings)


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE results SET id = 'ffffffffffffffff' WHERE id != ''",  # a text value
        "UPDATE results SET dated = 1 - dated",  # whether the day matters
        "UPDATE results SET stable_id = CAST(stable_id AS BLOB)",  # a value's type
    ],
)
def test_a_value_damaged_in_place_is_found_and_the_store_rebuilt(
    make_registry: MakeRegistry, damage: str
) -> None:
    """Damage SQLite cannot see, in any column a run reads: never an answer, never a
    crash; the store is rebuilt."""
    import sqlite3  # noqa: PLC0415 - reason: only this test edits the store

    root = _registry(make_registry)
    expected = validate(root, _options()).findings
    with sqlite3.connect(_store(root)) as db:
        db.execute(damage)
    db.close()
    report = validate(root, _options())
    assert report.findings == expected
    assert report.notes == ["cache was corrupt and has been rebuilt"]
    assert validate(root, _options()).findings == expected


def test_a_root_whose_path_is_not_utf8_is_cached_like_any_other(
    make_registry: MakeRegistry, tmp_path: Path
) -> None:
    from resource_registry.registry.staged import validate_staged  # noqa: PLC0415 - reason: only here

    source = make_registry(dict([resource_text("sid_RootUtf8A1", "https://example.org/root")]))
    root = tmp_path / os.fsdecode(b"checkout-\xff")
    shutil.copytree(source, root)
    git(root, "init", "-q")
    git(root, "add", "data")
    fresh = validate(root, _options(cache=False))
    assert [validate(root, _options()).findings for _ in range(2)] == [fresh.findings] * 2
    assert validate(root, _options()).notes == []
    hooks = [validate_staged(root, _options()).findings for _ in range(2)]
    assert hooks == [validate_staged(root, _options(cache=False)).findings] * 2


@pytest.mark.parametrize(
    "damage",
    [
        "results",  # a saved result, read by a run without a snapshot to start from
        "checksum",
        "truncated",
        "flipped",  # a bit in the middle of the record, its checksum unchanged
    ],
)
def test_the_hooks_snapshot_damaged_in_place_is_found_and_the_store_rebuilt(
    make_registry: MakeRegistry, damage: str
) -> None:
    import sqlite3  # noqa: PLC0415 - reason: only this test edits the store

    from resource_registry.registry.staged import validate_staged  # noqa: PLC0415 - reason: only here

    root = _registry(make_registry)
    git(root, "init", "-q")
    git(root, "add", "data")
    expected = validate_staged(root, _options()).findings
    (snapshot,) = _store(root).parent.glob("*.snapshot")
    data = snapshot.read_bytes()
    middle = len(data) // 2
    if damage == "results":
        snapshot.unlink()
        with sqlite3.connect(_store(root)) as db:
            db.execute("UPDATE results SET url = 'https://example.org/x' WHERE url != ''")
        db.close()
    else:
        damaged = {
            "checksum": bytes([data[0] ^ 1]) + data[1:],
            "truncated": data[:-9],
            "flipped": data[:middle] + bytes([data[middle] ^ 0x10]) + data[middle + 1 :],
        }
        snapshot.write_bytes(damaged[damage])
    report = validate_staged(root, _options())
    assert report.findings == expected
    assert "cache was corrupt and has been rebuilt" in report.notes
    assert validate_staged(root, _options()).findings == expected


@pytest.mark.parametrize(
    ("held", "appended"),
    [
        (["a", "c", "e"], ["d", "b", "f", "0"]),  # a few, into rows in order
        (["e", "a", "c"], ["d", "b"]),  # rows out of order: all sorted
        ([], ["b", "a"]),
        (["a", "c"], [f"n{number:02d}" for number in range(30)][::-1]),  # many: sorted
    ],
)
def test_rows_are_put_in_path_order(held: list[str], appended: list[str]) -> None:
    def rows(paths: list[str]) -> list[tuple[Any, ...]]:
        return [(path, None, f"sid_{path}", "", f"u/{path}", "", "", None) for path in paths]

    saved = cachesnapshot.Snapshot("2026-12-01")
    cachesnapshot.extend(saved, [f"e:{path}".encode() for path in held], rows(held))
    cachesnapshot.extend(saved, [f"e:{path}".encode() for path in appended], rows(appended))
    cachesnapshot.in_order(saved, len(appended))
    everything = sorted(held + appended)
    assert saved.table.paths == everything
    assert saved.table.urls == [f"u/{path}" for path in everything]
    assert saved.entries == [f"e:{path}".encode() for path in everything]
