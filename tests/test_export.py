"""The release dataset: reproducible, atomic, self-consistent, verifiable."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, PROJECT_ROOT, git
from resource_registry.cli import cli
from resource_registry.edit.authoring import merge, retire
from resource_registry.record.reader import Document, read_document
from resource_registry.record.urls import resource_id
from resource_registry.release import dataset, formats
from resource_registry.release.export import export


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A copy of the starter registry, committed to git."""
    root = tmp_path / "registry"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    return root


def _records_from_yaml(root: Path) -> list[dict[str, object]]:
    """The records as the release holds them: with the dates of their file's commits, asked
    of git one file at a time (the export reads them in one pass)."""
    records = []
    in_git = (root / ".git").exists()
    for path in sorted((root / "data/resources").rglob("*.yaml")):
        parsed = read_document(path.read_bytes())
        assert isinstance(parsed, Document)
        assert isinstance(parsed.data, dict)
        times = git(root, "log", "--format=%cI", "--", str(path)).split() if in_git else []
        if times:
            parsed.data["created"] = _utc(times[-1])
            parsed.data["modified"] = _utc(times[0])
        records.append(parsed.data)
    return sorted(records, key=lambda record: str(record["stable_id"]))


def _utc(iso: str) -> str:
    moment = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_two_exports_of_one_commit_are_identical(registry: Path, tmp_path: Path) -> None:
    first = export(registry, tmp_path / "one", version="1.0.0").out
    second = export(registry, tmp_path / "two", version="1.0.0").out
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    assert len(names) >= 17
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_every_format_round_trips_to_the_registry_records(registry: Path, tmp_path: Path) -> None:
    out = export(registry, tmp_path / "ds").out
    expected = _records_from_yaml(registry)
    assert dataset.load(out) == expected
    assert formats.read_json(out / "resources.json") == expected
    assert formats.read_csv(out / "resources.csv") == expected
    assert formats.read_parquet(out / "resources.parquet") == expected
    assert formats.read_sqlite(out / "registry.sqlite") == expected
    assert dataset.verify(out) == []


def test_records_with_every_field_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "full"
    shutil.copytree(FIXTURES / "base", root)
    full = (FIXTURES / "good/full.yaml").read_text()
    (root / "data/resources/fx").mkdir(parents=True)
    (root / "data/resources/fx/sid_Fx00000001.yaml").write_text(
        full + "legacy:\n  fetched_at: '2025-12-28 03:52:37'\n  local_filename: x.txt\n"
    )
    out = export(root, tmp_path / "ds").out
    assert dataset.verify(out) == []
    assert dataset.load(out) == _records_from_yaml(root)


def test_a_failed_export_leaves_the_previous_dataset_intact(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(registry, tmp_path / "ds", version="1").out
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def killed(*_: object) -> None:
        raise KeyboardInterrupt  # what SIGINT does half-way through

    monkeypatch.setattr(formats, "write_sqlite", killed)
    with pytest.raises(KeyboardInterrupt):
        export(registry, out, version="2")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_export_refuses_a_registry_with_errors(registry: Path, tmp_path: Path) -> None:
    bad = next((registry / "data/resources").rglob("*.yaml"))
    bad.write_text(bad.read_text() + "importance: 1000\n")
    result = CliRunner().invoke(
        cli,
        ["export", "--root", str(registry), "--out", str(tmp_path / "ds")],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "refusing to export" in result.stderr
    assert not (tmp_path / "ds").exists()


def test_verify_catches_a_flipped_byte_and_a_missing_file(registry: Path, tmp_path: Path) -> None:
    out = export(registry, tmp_path / "ds").out
    data = bytearray((out / "resources.parquet").read_bytes())
    data[100] ^= 0x01
    (out / "resources.parquet").write_bytes(bytes(data))
    (out / "tags.csv").unlink()
    result = CliRunner().invoke(cli, ["verify", str(out)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "resources.parquet does not match its sha256 in SHA256SUMS" in result.stdout
    assert "tags.csv is listed in SHA256SUMS but missing" in result.stdout
    with pytest.raises(dataset.DatasetError):
        dataset.load(out)


def test_verify_catches_a_format_that_disagrees(registry: Path, tmp_path: Path) -> None:
    out = export(registry, tmp_path / "ds").out
    csv_path = out / "resources.csv"
    csv_path.write_text(csv_path.read_text().replace("Attention Is All You Need", "Attention"))
    _reseal(out)  # checksums and manifest agree again: only the cross-check can tell
    problems = dataset.verify(out)
    assert len(problems) == 1
    assert problems[0].startswith("resources.csv disagrees on sid_")
    assert problems[0].endswith(": title")


def _reseal(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["files"]:
        path = out / entry["path"]
        entry["bytes"] = path.stat().st_size
        entry["sha256"] = _sha(path)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    names = sorted(p.name for p in out.iterdir() if p.name != "SHA256SUMS")
    (out / "SHA256SUMS").write_text("".join(f"{_sha(out / n)}  {n}\n" for n in names))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_changes_between_two_real_commits(registry: Path, tmp_path: Path) -> None:
    v1 = export(registry, tmp_path / "v1", version="1").out
    files = sorted((registry / "data/resources").rglob("*.yaml"))
    ids = [path.stem for path in files]
    edited = files[0]
    edited.write_text(re.sub(r"(?m)^importance: \d+$", "importance: 1", edited.read_text()))
    retire(registry, ids[1], reason="Withdrawn by its publisher.")
    merge(registry, ids[2], ids[3])
    new = registry / "data/resources/zz/sid_ZZZZZZZZZZ.yaml"
    new.parent.mkdir()
    url = "https://example.org/new"
    new.write_text(
        f"stable_id: sid_ZZZZZZZZZZ\nid: {resource_id(url)}\nurl: {url}\ntitle: New\ntype: web\n"
    )
    git(registry, "add", "-A")
    git(registry, "commit", "-q", "-m", "changes")
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "--root",
            str(registry),
            "--out",
            str(tmp_path / "v2"),
            "--version",
            "2",
            "--previous",
            str(v1 / "manifest.json"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    changes = json.loads((tmp_path / "v2/changes.json").read_text())
    assert changes["added"] == ["sid_ZZZZZZZZZZ"]
    assert changes["retired"] == [ids[1]]
    assert changes["merged"] == [{"stable_id": ids[2], "into": ids[3]}]
    modified = {m["stable_id"]: m["fields"] for m in changes["modified"]}
    assert modified[ids[0]] == ["importance"]
    assert "previous_urls" in modified[ids[3]]  # the kept resource gained the duplicate's URL
    assert set(modified) == {ids[0], ids[3]}
    assert changes["removed_without_tombstone"] == []
    redirects = json.loads((tmp_path / "v2/redirects.json").read_text())
    assert redirects[ids[2]] == ids[3]
    assert redirects[ids[1]] is None
    assert "## Merged" in (tmp_path / "v2/CHANGES.md").read_text()
    assert dataset.verify(tmp_path / "v2") == []


def test_the_datapackage_passes_frictionless_validate(registry: Path, tmp_path: Path) -> None:
    out = export(registry, tmp_path / "ds").out
    tool = Path(sys.executable).parent / "frictionless"
    result = subprocess.run(
        [str(tool), "validate", "--json", str(out / "datapackage.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout
    assert report["valid"] is True
    assert len(report["tasks"]) == 8
    assert [task["name"] for task in report["tasks"]][5:] == ["csl-json", "biblatex", "ris"]


def test_sqlite_has_keys_indexes_and_full_text_search(registry: Path, tmp_path: Path) -> None:
    out = export(registry, tmp_path / "ds").out
    db = sqlite3.connect(out / "registry.sqlite")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "resources",
        "authors",
        "tags",
        "citations",
        "publications",
        "pages",
        "tombstones",
        "resources_fts",
        "meta",
    } <= tables
    hits = db.execute(
        "SELECT r.stable_id FROM resources_fts f JOIN resources r ON r.rowid = f.rowid "
        "WHERE resources_fts MATCH 'surveillance'"
    ).fetchall()
    assert ("sid_d9EnmTcnin",) in hits
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        "1.0.0",
    )


def test_readme_duckdb_examples_run(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = export(registry, tmp_path / "ds").out
    readme = (PROJECT_ROOT / "README.md").read_text()
    block = readme.split("```python\nimport duckdb\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {"duckdb": duckdb}
    monkeypatch.chdir(out.parent)
    exec(
        compile(
            "import duckdb\n" + block.replace("registry-dataset/", f"{out.name}/"), "README", "exec"
        ),
        namespace,
    )  # the README's own example, run as documentation
    assert namespace["by_type"]
    assert namespace["most_cited"]


def test_writers_side_by_side_write_the_same_bytes(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large exports write their formats in forked children; the dataset is the same."""
    from resource_registry.release import export as exporting  # noqa: PLC0415 - reason: patched

    alone = export(registry, tmp_path / "alone", version="1.0.0").out
    monkeypatch.setattr(exporting, "MIN_ITEMS_FOR_WORKERS", 0)
    forked = export(registry, tmp_path / "forked", version="1.0.0").out
    assert (alone / "SHA256SUMS").read_bytes() == (forked / "SHA256SUMS").read_bytes()
    assert dataset.verify(forked) == []
