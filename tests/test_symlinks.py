"""Symbolic links are never followed: a registry file or folder that is a link is refused
with a finding (P018 a file, P019 a folder), and nothing is read or written through it.

Every link points outside the checkout at content that holds a secret; each test asserts
that the secret appears in no output and in no file of the checkout or of the outputs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import FIXTURES, resource_text
from resource_registry.check.tombstones import tombstone_path
from resource_registry.cli import cli
from resource_registry.edit import authoring
from resource_registry.edit.authoring import merge, new_resource, retire
from resource_registry.record.layout import LinkError

SECRET = "SECRET-d41d8cd98f00b204"
LIVE = "sid_LiveAAAA01"  # a resource of the checkout
LIVE_URL = "https://example.org/live"
HIDDEN = "sid_Hidden0001"  # a resource that exists only outside, behind a link


@pytest.fixture
def root(tmp_path: Path) -> Path:
    registry = tmp_path / "registry"
    shutil.copytree(FIXTURES / "base", registry)
    path, text = resource_text(LIVE, LIVE_URL, cited_by=["alignment"])
    (registry / path).parent.mkdir(parents=True)
    (registry / path).write_text(text)
    return registry


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the checkout, holding a copy of its data with secrets in it."""
    folder = tmp_path / "outside"
    shutil.copytree(FIXTURES / "base/data", folder / "data")
    pages = folder / "data/pages.yaml"
    pages.write_text(pages.read_text() + f"- id: leaked\n  title: {SECRET}\n")
    path, text = resource_text(HIDDEN, "https://example.org/hidden", title=SECRET)
    (folder / path).parent.mkdir(parents=True)
    (folder / path).write_text(text)
    stone = folder / tombstone_path("sid_RetiredAAA")
    stone.write_text(stone.read_text().replace("Duplicate of another resource.", SECRET))
    return folder


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _regular_files(folder: Path) -> Iterator[Path]:
    for parent, _, files in os.walk(folder):  # links are not followed
        for name in files:
            path = Path(parent, name)
            if not path.is_symlink():
                yield path


def _assert_never_leaked(*results: Result, folders: tuple[Path, ...]) -> None:
    for result in results:
        assert SECRET not in result.stdout + result.stderr
    for folder in folders:
        for path in _regular_files(folder):
            assert SECRET.encode() not in path.read_bytes(), path


def _link(root: Path, relative: str, target: Path) -> None:
    link = root / relative
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    elif link.exists():
        link.unlink()
    link.symlink_to(target, target_is_directory=target.is_dir())


def _findings(result: Result) -> set[tuple[str, str]]:
    found = set()
    for line in result.stdout.splitlines():
        where, _, rest = line.partition(": ")
        if rest[:1] in "PSIRCH" and rest[1:4].isdigit():
            found.add((where.split(":")[0], rest[:4]))
    return found


@pytest.mark.parametrize(
    "vocabulary", ["data/pages.yaml", "data/tags.yaml", "data/publications.yaml"]
)
def test_a_linked_vocabulary_file_is_refused_and_never_exported(
    root: Path, outside: Path, tmp_path: Path, vocabulary: str
) -> None:
    _link(root, vocabulary, outside / vocabulary)
    if vocabulary == "data/pages.yaml":
        (outside / vocabulary).write_text(f"- id: alignment\n  title: {SECRET}\n")

    checked = _run("validate", "--root", str(root))
    exported = _run("export", "--root", str(root), "--out", str(tmp_path / "dataset"))

    assert checked.exit_code == 1
    assert (vocabulary, "P018") in _findings(checked)
    assert exported.exit_code == 1
    assert not (tmp_path / "dataset").exists()
    _assert_never_leaked(checked, exported, folders=(root, tmp_path / "registry"))


def test_a_linked_old_tombstone_file_is_refused(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"- stable_id: sid_{SECRET[:10]}\n  reason: {SECRET}\n")
    _link(root, "data/tombstones.yaml", secret)

    checked = _run("validate", "--root", str(root))
    looked_up = _run("lookup", f"sid_{SECRET[:10]}", "--root", str(root))

    assert ("data/tombstones.yaml", "P018") in _findings(checked)
    assert looked_up.exit_code == 1
    _assert_never_leaked(checked, looked_up, folders=(root,))


@pytest.mark.parametrize("folder", ["data", "data/resources"])
def test_a_linked_data_or_resources_folder_is_not_read(
    root: Path, outside: Path, tmp_path: Path, folder: str
) -> None:
    _link(root, folder, outside / folder)
    outside_before = sorted(_regular_files(outside))

    checked = _run("validate", "--root", str(root))
    as_json = _run("validate", "--root", str(root), "--format", "json", "--no-cache")
    looked_up = _run("lookup", HIDDEN, "--root", str(root))
    added = _run("new", "https://example.org/new", "--title", "New", "--root", str(root))
    formatted = _run("fmt", "--root", str(root))
    exported = _run("export", "--root", str(root), "--out", str(tmp_path / "dataset"))

    assert checked.exit_code == 1
    assert (folder, "P019") in _findings(checked)
    assert checked.stdout.count(f"{folder}: P019") == 1
    assert looked_up.exit_code == 1
    assert added.exit_code == 1
    assert "P019" in added.stderr
    assert formatted.exit_code == 1
    assert exported.exit_code == 1
    assert sorted(_regular_files(outside)) == outside_before  # nothing written there
    _assert_never_leaked(
        checked, as_json, looked_up, added, formatted, exported, folders=(root.parent / "dataset",)
    )
    assert not (tmp_path / "dataset").exists()


def test_a_linked_tombstones_folder_is_not_read_nor_written(
    root: Path, outside: Path, tmp_path: Path
) -> None:
    shutil.rmtree(root / "data/tombstones")
    _link(root, "data/tombstones", outside / "data/tombstones")
    outside_before = sorted(_regular_files(outside))

    checked = _run("validate", "--root", str(root))
    looked_up = _run("lookup", "sid_RetiredAAA", "--root", str(root))

    assert ("data/tombstones", "P019") in _findings(checked)
    assert looked_up.exit_code == 1
    with pytest.raises(LinkError, match="P019"):
        retire(root, LIVE, reason="Gone.")
    assert (root / f"data/resources/li/{LIVE}.yaml").is_file()  # nothing was removed
    assert sorted(_regular_files(outside)) == outside_before
    _assert_never_leaked(checked, looked_up, folders=())


def test_linked_shard_folders_are_not_written_through(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other, text = resource_text("sid_OtherAAA01", "https://example.org/other")
    (root / other).parent.mkdir(parents=True)
    (root / other).write_text(text)
    (root / "data/tombstones/li").symlink_to(elsewhere, target_is_directory=True)

    with pytest.raises(LinkError, match="data/tombstones/li"):
        retire(root, LIVE, reason="Gone.")
    with pytest.raises(LinkError, match="data/tombstones/li"):
        merge(root, LIVE, "sid_OtherAAA01")
    assert (root / f"data/resources/li/{LIVE}.yaml").read_text() == resource_text(
        LIVE, LIVE_URL, cited_by=["alignment"]
    )[1]
    assert (root / other).read_text() == text  # merge changed nothing either
    shutil.rmtree(root / "data/resources/li")
    (root / "data/resources/li").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(LinkError, match="data/resources/li"):
        retire(root, LIVE, reason="Gone.")
    with monkeypatch.context() as patch:  # mint an ID whose shard is the linked folder
        patch.setattr(authoring, "mint_stable_id", lambda _: "sid_LiNewAAA01")
        with pytest.raises(LinkError, match="data/resources/li"):
            new_resource(root, "https://example.org/new", title="New")
    assert list(elsewhere.iterdir()) == []
    checked = _run("validate", "--root", str(root))
    assert ("data/resources/li", "P019") in _findings(checked)
    assert ("data/tombstones/li", "P019") in _findings(checked)


def test_fmt_never_reads_a_linked_resource_file_nor_writes_its_content(
    root: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.yaml"
    path, text = resource_text("sid_LinkedAA01", "https://example.org/linked", title=SECRET)
    secret.write_text(text.replace("\n", "\n\n"))  # not canonical: fmt would rewrite it
    link = root / path
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    before = secret.read_bytes()

    for args in ([str(root / "data/resources")], [str(link)], [], ["--check"]):
        result = _run("fmt", *args, "--root", str(root))
        assert result.exit_code == 1, args
        assert f"{path}:0:0: P018" in result.stderr, args
        assert link.is_symlink()
        _assert_never_leaked(result, folders=(root,))
    assert secret.read_bytes() == before


def test_check_links_never_reads_nor_writes_a_linked_resource_file(
    root: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.yaml"
    path, text = resource_text("sid_LinkedAA01", "http://127.0.0.1:9/", title=SECRET)
    secret.write_text(text)
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).symlink_to(secret)
    (root / f"data/resources/li/{LIVE}.yaml").unlink()  # nothing else to check

    for args in ([], [str(root / "data/resources")], [str(root / path)]):
        result = _run("check-links", *args, "--root", str(root), "--stale-after", "0")
        assert result.exit_code in (0, 1), result.output
        _assert_never_leaked(result, folders=(root,))
    assert secret.read_text() == text
    assert (root / path).is_symlink()
