"""What the release steps (`export`, `site`, `publish`) trust: nothing a contributor or a
download can forge. Each test attacks for real: a forged cache, a dataset whose checksums
were regenerated, a folder that is not ours at `--out`."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import resource_registry
from conftest import PROJECT_ROOT, TODAY, BuiltSite, MakeRegistry, git, resource_text
from resource_registry import Options, validate
from resource_registry.base import safetext
from resource_registry.base.errors import RegistryError
from resource_registry.base.findings import Finding, Severity
from resource_registry.cli import cli
from resource_registry.edit.authoring import merge, retire
from resource_registry.record.urls import resource_id
from resource_registry.registry import validate as validation
from resource_registry.release import dataset, formats, screening
from resource_registry.release import site as website
from resource_registry.release.export import export

_GOOD_URL = "https://example.org/abcdefghijklm"
_EVIL_URL = "javascript:alert(document.cookie)"  # as long as the good one: same file size
_OLD = 1_600_000_000  # a modification time well before any run (fresh files are not cached)


def _forged_cache(make_registry: MakeRegistry) -> Path:
    """A registry whose file was checked while valid, then rewritten in place into a
    `javascript:` URL with the same size and modification time: what fooled the old
    cache, which keyed files outside git by their stat. The cache now keys results by
    content, so even a cached validation sees the forgery; the release steps do not ask
    it at all (see the next test)."""
    assert len(_GOOD_URL) == len(_EVIL_URL)
    path, text = resource_text("sid_Forged0001", _GOOD_URL, title="A forged entry")
    root = make_registry({path: text})
    os.utime(root / path, (_OLD, _OLD))
    assert validate(root, Options(today=TODAY)).findings == []  # checked and cached
    (root / path).write_text(text.replace(_GOOD_URL, _EVIL_URL))
    os.utime(root / path, (_OLD, _OLD))
    cached = validate(root, Options(today=TODAY))
    fresh = validate(root, Options(today=TODAY, cache=False))
    assert any(item.code == "S004" for item in fresh.findings)
    assert cached.findings == fresh.findings  # the forgery fools no cached validation
    return root


def test_export_never_trusts_a_forged_cache(make_registry: MakeRegistry, tmp_path: Path) -> None:
    root = _forged_cache(make_registry)
    with pytest.raises(RegistryError, match="refusing to export"):
        export(root, tmp_path / "dataset")
    assert not (tmp_path / "dataset").exists()


def test_export_never_consults_the_cache(
    make_registry: MakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the cache holds, and wherever it lives, an export does not read it."""
    path, text = resource_text("sid_Forged0001", _GOOD_URL)
    root = make_registry({path: text})

    def consulted(*_: object, **__: object) -> None:
        raise AssertionError("export consulted the cache")

    for name in ("results", "content_results", "fresh_content_results"):
        monkeypatch.setattr(validation.cache, name, consulted)
    assert export(root, tmp_path / "dataset").resources == 1


@pytest.mark.parametrize("command", [["site"], ["publish", "postgres", "--dry-run"]])
def test_site_and_publish_never_trust_a_forged_cache(
    make_registry: MakeRegistry, tmp_path: Path, command: list[str]
) -> None:
    root = _forged_cache(make_registry)
    out = ["--out", str(tmp_path / "out")] if command == ["site"] else ["--dsn", "host=nowhere"]
    done = CliRunner().invoke(cli, [*command, "--root", str(root), *out], catch_exceptions=False)
    assert done.exit_code == 1, done.output
    assert "refusing to export" in done.output
    assert not (tmp_path / "out").exists()


# --- a dataset from elsewhere: its checksums regenerated, its records hostile ---------------


def _resealed(source: Path, folder: Path, change: Callable[[list[dict[str, Any]]], object]) -> Path:
    """A copy of the dataset at ``source`` whose records ``change`` edited, with its
    manifest and checksums made to match again, as anyone can."""
    shutil.copytree(source, folder)
    lines = (folder / "resources.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    change(records)
    text = "".join(
        (item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)) + "\n"
        for item in records
    )
    (folder / "resources.jsonl").write_text(text)
    _reseal(folder)
    return folder


def _reseal(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    lines = (folder / "resources.jsonl").read_text().splitlines()
    manifest["record_counts"]["resources"] = len(lines)
    for entry in manifest["files"]:
        path = folder / entry["path"]
        entry["bytes"] = path.stat().st_size
        entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    names = sorted(p.name for p in folder.iterdir() if p.name != "SHA256SUMS")
    sums = "".join(f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in names)
    (folder / "SHA256SUMS").write_text(sums)


def _set(field: str, value: object, index: int = 0) -> Callable[[list[dict[str, Any]]], None]:
    def change(records: list[dict[str, Any]]) -> None:
        records[index][field] = value

    return change


def _duplicate_in_other_case(records: list[dict[str, Any]]) -> None:
    twin = dict(records[1], stable_id=records[0]["stable_id"].swapcase())
    records.append(twin)


def _huge_integer(records: list[dict[str, Any]]) -> None:
    line = json.dumps(records[0])
    records[0] = line[:-1] + ', "legacy": {"n": ' + "9" * 5000 + "}}"  # type: ignore[call-overload]  # reason: a raw line


HOSTILE_DATASETS = {
    "javascript URL": (_set("url", "javascript:alert(document.domain)"), "S004"),
    "escaping stable ID": (_set("stable_id", "../../ESCAPED-BY-DATASET"), "S004"),
    "escaping tag": (_set("tags", ["../../ESCAPED"]), "S004"),
    "unknown field": (_set("script", "<script>alert(1)</script>"), "S002"),
    "NaN in legacy": (_set("legacy", {"score": math.nan}), "P015"),
    "integer beyond int64": (_set("legacy", {"n": 2**63}), "P014"),
    "bidi override in a title": (_set("title", "abc\u202edcba"), "C009"),
    "an id that is not the URL's": (_set("id", "0123456789abcdef"), "I006"),
    "one stable ID in two cases": (_duplicate_in_other_case, "I003"),
    "a tag Windows reserves, in no vocabulary": (_set("tags", ["con"]), "R002"),
    "a page in no vocabulary": (_set("cited_by", ["nowhere"]), "R003"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_DATASETS))
def test_site_from_a_resealed_hostile_dataset_is_refused(
    built_site: BuiltSite, tmp_path: Path, case: str
) -> None:
    change, code = HOSTILE_DATASETS[case]
    folder = _resealed(built_site.dataset, tmp_path / "download", change)
    assert dataset.verify(folder, formats_agree=False) == []  # the checksums hold
    out = tmp_path / "work" / "site"
    args = ["site", "--from", str(folder), "--out", str(out), "--jobs", "1"]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 1, done.output
    assert "the dataset holds" in done.stderr
    assert f": {code} " in done.stderr  # the findings are listed
    assert "\u202e" not in done.stderr  # escaped for the terminal
    assert not (tmp_path / "work").exists()  # nothing written, beside --out either
    assert not list(tmp_path.rglob("ESCAPED*"))


def test_a_dataset_that_is_not_json_is_refused(built_site: BuiltSite, tmp_path: Path) -> None:
    folder = _resealed(built_site.dataset, tmp_path / "download", _huge_integer)
    args = ["site", "--from", str(folder), "--out", str(tmp_path / "site")]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 1, done.output
    assert "is not valid JSON" in done.stderr
    assert not (tmp_path / "site").exists()


def test_the_refusal_lists_twenty_findings_and_counts_the_rest(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    def every_url(records: list[dict[str, Any]]) -> None:
        for record in records:
            record["url"] = "javascript:void(0)"

    folder = _resealed(built_site.dataset, tmp_path / "download", every_url)
    args = ["site", "--from", str(folder), "--out", str(tmp_path / "site")]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    listed = [line for line in done.stderr.splitlines() if ": S004 " in line]
    assert len(listed) == 20
    assert done.stderr.rstrip().endswith("and 25 more")


def test_a_clean_dataset_passes_the_check(built_site: BuiltSite) -> None:
    data = screening.load_checked(built_site.dataset)
    assert len(data.resources) == 45
    vocabularies = {name: getattr(data, name) for name in screening.VOCABULARIES}
    findings = screening.dataset_findings(
        data.resources, vocabularies, TODAY, manifest=data.manifest, redirects=data.redirects
    )
    assert findings == []


# --- `--out` replaces only what this tool made ----------------------------------------------

_WEB_APP = {
    "manifest.json": '{"name": "My web app", "start_url": "/", "display": "standalone"}\n',
    "site.json": '{"title": "my static site generator config"}\n',
    "index.html": "<!doctype html><title>mine</title>\n",
}


def _folder(path: Path, files: dict[str, str]) -> dict[str, str]:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return files


def _contents(path: Path) -> dict[str, str]:
    return {child.name: child.read_text() for child in path.iterdir()}


@pytest.mark.parametrize("stray", ["manifest.json", "site.json", "index.html"])
@pytest.mark.parametrize("command", ["export", "site"])
def test_out_refuses_a_folder_another_program_made(
    built_site: BuiltSite, tmp_path: Path, command: str, stray: str
) -> None:
    out = tmp_path / "app"
    before = _folder(out, {stray: _WEB_APP[stray], "keep.txt": "mine"})
    args = (
        ["export", "--root", str(built_site.registry)]
        if command == "export"
        else ["site", "--from", str(built_site.dataset)]
    )
    done = CliRunner().invoke(cli, [*args, "--out", str(out)], catch_exceptions=False)
    assert done.exit_code == 2, done.output
    assert f"{out} exists and is not a " in done.stderr
    assert _contents(out) == before


def test_a_mark_copied_beside_another_manifest_is_refused(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    out = tmp_path / "app"
    mark = (built_site.dataset / "resreg-output.json").read_text()
    before = _folder(out, {"manifest.json": _WEB_APP["manifest.json"], "resreg-output.json": mark})
    args = ["export", "--root", str(built_site.registry), "--out", str(out)]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 2, done.output
    assert _contents(out) == before


def test_a_dataset_is_not_a_site_and_a_site_is_not_a_dataset(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    dataset_copy = shutil.copytree(built_site.dataset, tmp_path / "dataset")
    site_copy = shutil.copytree(built_site.site, tmp_path / "site")
    args = ["site", "--from", str(built_site.dataset), "--out", str(dataset_copy)]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 2
    args = ["export", "--root", str(built_site.registry), "--out", str(site_copy)]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 2
    assert dataset.verify(dataset_copy) == []
    assert (site_copy / "index.html").is_file()


def test_outputs_carry_their_mark_and_are_replaced_in_place(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    for kind, folder in (("dataset", built_site.dataset), ("site", built_site.site)):
        mark = json.loads((folder / "resreg-output.json").read_text())
        own = json.loads(
            (folder / ("manifest.json" if kind == "dataset" else "site.json")).read_text()
        )
        assert mark["kind"] == kind
        assert mark["made_by"].startswith("resource-registry: written by resreg")
        assert (mark["dataset_version"], mark["source_commit"]) == (
            own["dataset_version"],
            own["source_commit"],
        )
    assert "resreg-output.json" in (built_site.dataset / "SHA256SUMS").read_text()
    site = shutil.copytree(built_site.site, tmp_path / "site")
    (site / "old-page.html").write_text("from an earlier build")
    args = ["site", "--from", str(built_site.dataset), "--out", str(site), "--jobs", "1"]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    assert not (site / "old-page.html").exists()  # replaced whole


def test_out_that_is_a_file_or_a_link_to_a_foreign_folder_is_refused(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere"
    before = _folder(target, {"index.html": _WEB_APP["index.html"]})
    (tmp_path / "link").symlink_to(target, target_is_directory=True)
    (tmp_path / "file").write_text("mine")
    for out in ("link", "file"):
        args = ["site", "--from", str(built_site.dataset), "--out", str(tmp_path / out)]
        done = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert done.exit_code == 2, done.output
    assert _contents(target) == before
    assert (tmp_path / "file").read_text() == "mine"


# --- CSV cells that a spreadsheet would run, and names Windows reserves ---------------------

_FORMULAS = ('=HYPERLINK("https://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx")


@pytest.mark.parametrize(
    "text", [*_FORMULAS, "'=already quoted", "''@twice", "'plain", "a=b", "plain"]
)
def test_csv_cells_are_inert_in_spreadsheets_and_exact_for_programs(
    tmp_path: Path, text: str
) -> None:
    record = {"stable_id": "sid_Formula001", "title": text, "importance": 5, "tags": ["-x"]}
    path = tmp_path / "resources.csv"
    path.write_text(formats.csv_text([record]), newline="")
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    title = rows[0]["title"]
    assert not formats.FORMULA_CELL.fullmatch(title[:1])  # a spreadsheet sees text
    assert title == ("'" + text if formats.FORMULA_CELL.match(text) else text)
    assert rows[0]["importance"] == "5"  # numbers and lists are never prefixed
    assert rows[0]["tags"] == '["-x"]'
    assert formats.read_csv(path) == [record]  # and programs read the exact value


def test_an_exported_dataset_has_no_live_formula_and_verifies(
    make_registry: MakeRegistry, tmp_path: Path
) -> None:
    path, text = resource_text(
        "sid_Formula001",
        "https://example.org/formula",
        title='=HYPERLINK("https://evil.example")',
        summary="@SUM(1+1) is a formula",
        authors=["+Plus", "-Minus"],
    )
    root = make_registry({path: text})
    publications = root / "data/publications.yaml"
    publications.write_text(publications.read_text().replace("Example Press", "=1+1 Press"))
    out = export(root, tmp_path / "ds").out
    for name in ("resources.csv", "publications.csv", "tags.csv", "pages.csv"):
        with (out / name).open(newline="") as file:
            for row in csv.reader(file):
                for cell in row:
                    assert not re.match(r"[=+\-@\t\r]", cell), (name, cell)
    with (out / "publications.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows[0]["name"] == "'=1+1 Press"
    assert dataset.verify(out) == []  # the CSV holds the same records as JSONL
    assert formats.read_csv(out / "resources.csv")[0]["title"].startswith("=HYPERLINK")


@pytest.mark.parametrize("name", ["con", "nul", "aux", "prn", "com1", "com9", "lpt1", "lpt9"])
@pytest.mark.parametrize("file", ["tags", "pages", "publications"])
def test_a_vocabulary_id_windows_reserves_is_refused(
    make_registry: MakeRegistry, name: str, file: str
) -> None:
    root = make_registry({})
    path = root / "data" / f"{file}.yaml"
    first = path.read_text().split("\n", 1)[0]
    old_id = first.removeprefix("- id: ")
    path.write_text(path.read_text().replace(f"- id: {old_id}\n", f"- id: {name}\n", 1))
    found = {(item.code, item.path, item.line) for item in _fresh(root)}
    assert ("R007", f"data/{file}.yaml", 1) in found


@pytest.mark.parametrize("name", ["con.d", "aux.tar.gz", "com0", "lpt\u00b9", "NUL", "Con"])
def test_windows_reserved_names_with_extensions_and_in_any_case(name: str) -> None:
    assert safetext.windows_reserved(name)


@pytest.mark.parametrize("name", ["console", "con-x", "com10", "lpt", "nul1", "x.con"])
def test_names_that_only_look_reserved_are_not(name: str) -> None:
    assert not safetext.windows_reserved(name)


@pytest.mark.parametrize("where", ["tags", "publication", "tag-vocabulary"])
def test_the_site_refuses_a_reserved_name_from_a_dataset(
    built_site: BuiltSite, tmp_path: Path, where: str
) -> None:
    data = dataset.load_all(built_site.dataset)
    first, *rest = data.resources
    if where == "tag-vocabulary":
        data = dataclasses.replace(data, tags=[*data.tags, {"id": "lpt1", "name": "x"}])
    else:
        value: object = ["con"] if where == "tags" else "con"
        data = dataclasses.replace(data, resources=[dict(first, **{where: value}), *rest])
    with pytest.raises(dataset.DatasetError, match="Windows reserves"):
        website.build_site(data, tmp_path / "site", jobs=1)
    assert not (tmp_path / "site").exists()


def test_a_dataset_with_a_reserved_vocabulary_id_is_refused(
    built_site: BuiltSite, tmp_path: Path
) -> None:
    folder = _resealed(built_site.dataset, tmp_path / "download", lambda records: None)
    tags = json.loads((folder / "tags.json").read_text())
    (folder / "tags.json").write_text(json.dumps([*tags, {"id": "aux", "name": "Aux"}]))
    _reseal(folder)
    args = ["site", "--from", str(folder), "--out", str(tmp_path / "site")]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 1, done.output
    assert "tags.json: R007 " in done.stderr


def _fresh(root: Path) -> list[Finding]:
    return validate(root, Options(today=TODAY, cache=False)).findings


# --- a dataset names the commit it was made from, or says it was not -----------------------


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    return root


def _edit_a_resource(root: Path) -> str:
    path = sorted((root / "data/resources").rglob("*.yaml"))[0]
    path.write_text(path.read_text().replace("\ntitle: ", "\ntitle: Edited ", 1))
    return path.relative_to(root).as_posix()


def _add_a_resource(root: Path) -> str:
    path, text = resource_text("sid_Uncommit01", "https://example.org/uncommitted")
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)
    return path


def _stage_an_edit(root: Path) -> str:
    path = _edit_a_resource(root)
    git(root, "add", path)
    return path


def _configure(root: Path) -> str:
    (root / "resreg.toml").write_text("[network]\nallow_private_addresses = false\n")
    return "resreg.toml"


@pytest.mark.parametrize("change", [_edit_a_resource, _add_a_resource, _stage_an_edit, _configure])
def test_export_refuses_uncommitted_changes(
    committed: Path, tmp_path: Path, change: Callable[[Path], str]
) -> None:
    path = change(committed)
    out = tmp_path / "ds"
    args = ["export", "--root", str(committed), "--out", str(out)]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 2, done.output
    assert "uncommitted changes" in done.stderr
    assert path in done.stderr
    assert "--allow-dirty" in done.stderr
    assert not out.exists()


def test_changes_outside_the_data_do_not_count(committed: Path, tmp_path: Path) -> None:
    (committed / "NOTES.md").write_text("a draft of mine\n")
    out = export(committed, tmp_path / "ds").out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source_commit"] == git(committed, "rev-parse", "HEAD").strip()
    assert "source_dirty" not in manifest


def test_allow_dirty_says_so_in_the_manifest_the_database_and_the_site(
    committed: Path, tmp_path: Path
) -> None:
    _edit_a_resource(committed)
    out = tmp_path / "ds"
    args = ["export", "--root", str(committed), "--out", str(out), "--allow-dirty"]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "from uncommitted changes (source_dirty: true)" in done.stdout
    assert json.loads((out / "manifest.json").read_text())["source_dirty"] is True
    with sqlite3.connect(out / "registry.sqlite") as db:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    assert meta["source_dirty"] == "true"
    assert dataset.verify(out) == []
    site = tmp_path / "site"
    args = ["site", "--from", str(out), "--out", str(site), "--jobs", "1"]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    assert "Built from uncommitted changes" in (site / "index.html").read_text()


def test_site_from_the_registry_follows_the_same_rule(committed: Path, tmp_path: Path) -> None:
    _add_a_resource(committed)
    args = ["site", "--root", str(committed), "--out", str(tmp_path / "site"), "--jobs", "1"]
    refused = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert refused.exit_code == 2, refused.output
    assert "--allow-dirty" in refused.stderr
    done = CliRunner().invoke(cli, [*args, "--allow-dirty"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "Built from uncommitted changes" in (tmp_path / "site/index.html").read_text()


# --- the consumer API is public ----------------------------------------------------------


def test_the_dataset_module_is_public_api() -> None:
    assert "dataset" in resource_registry.__all__
    assert resource_registry.dataset.load is dataset.load  # the face re-exports
    namespace: dict[str, object] = {}
    exec("from resource_registry import *", namespace)  # what `__all__` promises
    assert namespace["dataset"] is resource_registry.dataset
    assert {"load", "load_all", "verify", "Dataset", "DatasetError"} <= set(dataset.__all__)


def test_importing_the_package_does_not_load_the_dataset_module() -> None:
    code = (
        "import sys, resource_registry; print('resource_registry.dataset' in sys.modules); "
        "resource_registry.dataset.load; print('resource_registry.dataset' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


# --- messages: what a refusal and a changelog say ------------------------------------------


def _break(root: Path, count: int) -> list[str]:
    paths = sorted((root / "data/resources").rglob("*.yaml"))[:count]
    for path in paths:
        path.write_text(path.read_text() + "labels_typo: [x]\n")  # S002
    return [path.relative_to(root).as_posix() for path in paths]


def test_export_refusing_lists_the_error(committed: Path, tmp_path: Path) -> None:
    (broken,) = _break(committed, 1)
    args = ["export", "--root", str(committed), "--out", str(tmp_path / "ds")]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "resreg: refusing to export: the registry has 1 error:"
    assert re.fullmatch(rf"{re.escape(broken)}:\d+:\d+: S002 unknown field `labels_typo`", lines[1])
    assert "errors" not in lines[0]


def test_export_refusing_lists_the_first_twenty_errors(committed: Path, tmp_path: Path) -> None:
    _break(committed, 25)
    args = ["export", "--root", str(committed), "--out", str(tmp_path / "ds")]
    done = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert done.exit_code == 1
    assert "the registry has 25 errors:" in done.stderr
    assert len([line for line in done.stderr.splitlines() if ": S0" in line]) == 20
    assert done.stderr.splitlines()[-1] == "and 5 more"


def test_changes_md_names_titles_reasons_and_successors(committed: Path, tmp_path: Path) -> None:
    v1 = export(committed, tmp_path / "v1", version="1").out
    records = {r["stable_id"]: r for r in dataset.load(v1)}
    ids = sorted(records)
    retire(committed, ids[0], reason="Withdrawn by its publisher.")
    merge(committed, ids[1], ids[2])
    path, text = resource_text(
        "sid_NewInV2000", "https://example.org/v2", title="[Click](https://evil.example) <b>"
    )
    (committed / path).parent.mkdir(parents=True, exist_ok=True)
    (committed / path).write_text(text)
    git(committed, "add", "-A")
    git(committed, "commit", "-q", "-m", "v2")
    v2 = export(committed, tmp_path / "v2", version="2", previous=v1).out
    changes = (v2 / "CHANGES.md").read_text()
    retired = next(line for line in changes.splitlines() if ids[0] in line)
    assert "Withdrawn by its publisher" in retired
    assert _escaped(records[ids[0]]["title"]) in retired
    merged = next(line for line in changes.splitlines() if ids[1] in line)
    assert _escaped(records[ids[1]]["title"]) in merged
    assert f"→ {_escaped(records[ids[2]]['title'])} (`{ids[2]}`)" in merged
    added = next(line for line in changes.splitlines() if "sid_NewInV2000" in line)
    assert added == r"- \[Click\]\(https://evil\.example\) \<b\> (`sid_NewInV2000`)"
    assert dataset.verify(v2) == []


def _escaped(title: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~&])", r"\\\1", title)


# --- the README's queries for consumers, run for real -------------------------------------


def _readme_block(language: str, first_line: str) -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    return readme.split(f"```{language}\n{first_line}\n", 1)[1].split("```", 1)[0]


def test_readme_duckdb_queries_quote_fetch_and_run(
    built_site: BuiltSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    block = _readme_block("python", "import duckdb")
    namespace: dict[str, object] = {}
    monkeypatch.chdir(built_site.dataset.parent)
    code = "import duckdb\n" + block.replace("registry-dataset/", f"{built_site.dataset.name}/")
    exec(compile(code, "README", "exec"), namespace)  # the README's own example
    expected = sorted(
        (r["stable_id"], r["url"])
        for r in dataset.load(built_site.dataset)
        if r.get("fetch", {}).get("status") == 200
    )
    assert expected  # the starter registry has checked links
    assert namespace["answered_200"] == expected
    parquet = built_site.dataset / "resources.parquet"
    with pytest.raises(duckdb.ParserException):  # why the README quotes it
        duckdb.sql(f"SELECT fetch FROM '{parquet}'")


def test_readme_fts5_queries_find_a_hyphenated_word(built_site: BuiltSite) -> None:
    block = _readme_block("sql", "-- sqlite3 registry-dataset/registry.sqlite")
    statements = [part.strip() for part in block.split(";") if part.strip()]
    with sqlite3.connect(built_site.dataset / "registry.sqlite") as db:
        found = [db.execute(statement).fetchall() for statement in statements]
        assert "MATCH '\"AI-powered\"'" in statements[1]
        assert ("sid_d9EnmTcnin", "over 200 million AI-powered surveillance cameras") in found[1]
        assert found[0]
        with pytest.raises(sqlite3.OperationalError, match="no such column: powered"):
            db.execute(statements[1].replace("'\"AI-powered\"'", "'AI-powered'")).fetchall()


def _project_copy(tmp_path: Path) -> Path:
    """scripts/run in a copy of the project: its data committed to git, the tests' .venv
    in place (so the copy's setup step, whose job is only to make .venv, has nothing to do)."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    (root / "scripts").mkdir()
    shutil.copy2(PROJECT_ROOT / "scripts" / "run", root / "scripts" / "run")
    setup = root / "scripts" / "setup-venv"
    setup.write_text("#!/usr/bin/env bash\n# .venv is in place already\n")
    setup.chmod(0o755)
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    (root / ".gitignore").write_text(".venv\ndist/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    return root


def test_scripts_run_follows_the_uncommitted_changes_rule(tmp_path: Path) -> None:
    root = _project_copy(tmp_path)
    _edit_a_resource(root)
    env = {k: v for k, v in os.environ.items() if k != "RESREG_ALLOW_DIRTY"}
    run = [str(root / "scripts" / "run"), "--no-cache"]
    refused = subprocess.run(run, cwd=root, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 2, refused.stderr
    assert "uncommitted changes" in refused.stderr
    assert not (root / "dist").exists()
    allowed = subprocess.run(
        run,
        cwd=root,
        env={**env, "RESREG_ALLOW_DIRTY": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert allowed.returncode == 0, allowed.stderr
    manifest = json.loads((root / "dist/dataset/manifest.json").read_text())
    assert manifest["source_dirty"] is True
    assert "Built from uncommitted changes" in (root / "dist/site/index.html").read_text()


# --- whatever the check accepts, the site builds; whatever it refuses, nothing crashes -----

_PRINTABLE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")),
    min_size=1,
    max_size=30,
)
_NAMES = st.sampled_from(
    ["alignment", "governance", "china", "con", "lpt1", "aux.d", "x.y", "..", "CON", "lock-in"]
)
_HOSTILE_VALUES = st.one_of(
    _PRINTABLE,
    _NAMES,
    st.lists(_NAMES, max_size=3, unique=True),
    st.lists(_PRINTABLE, max_size=3, unique=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "../x", "sid_0123456789", "a" * 600, "2026-13-01", "1999"]),
    st.sampled_from(["javascript:alert(1)", "https://example.org/\u202e", "http://[::1"]),
    st.sampled_from(["https://example.org/ok", "HTTPS://EXAMPLE.ORG/", "http://10.0.0.1/"]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=0, max_value=100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dictionaries(_PRINTABLE, st.integers() | _PRINTABLE, max_size=2),
)
_PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {  # what a field may well hold
    "stable_id": st.from_regex(r"sid_[0-9A-Za-z]{10}", fullmatch=True),
    "url": st.sampled_from(["https://example.org/ok", "HTTPS://EXAMPLE.ORG/", "http://1.2.3.4/"]),
    "title": _PRINTABLE,
    "type": st.sampled_from(["paper", "blog", "web", "Paper"]),
    "tags": st.lists(_NAMES, max_size=3, unique=True),
    "labels": st.lists(st.sampled_from(["commentary", "news", "dataset"]), max_size=2, unique=True),
    "cited_by": st.lists(_NAMES, max_size=2, unique=True),
    "publication": _NAMES,
    "authors": st.lists(_PRINTABLE, max_size=5, unique=True),
    "importance": st.integers(min_value=0, max_value=100),
    "fetch": st.fixed_dictionaries(
        {"status": st.integers(0, 599), "checked_at": st.just("2025-01-01T00:00:00Z")}
    ),
    "legacy": st.dictionaries(
        _PRINTABLE, st.integers(-(2**63), 2**63 - 1) | _PRINTABLE, max_size=2
    ),
    "summary": _PRINTABLE,
    "relevance": _PRINTABLE,
    "key_points": st.lists(_PRINTABLE, max_size=3, unique=True),
    "previous_urls": st.lists(
        st.sampled_from(["https://example.org/a", "javascript:x"]), max_size=2
    ),
    "published_date": st.sampled_from(["1999", "2020-02", "2024-02-29", "2023-02-29"]),
    "unknown": _PRINTABLE,
    "id": st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
}
_CHANGE = st.sampled_from(sorted(_PLAUSIBLE)).flatmap(
    # three times in four a plausible value, so that many datasets pass and get built
    lambda field: st.tuples(st.just(field), st.one_of(*[_PLAUSIBLE[field]] * 3, _HOSTILE_VALUES))
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(_CHANGE, min_size=1, max_size=2))
def test_what_the_check_accepts_the_site_builds(
    built_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory, changes: list[Any]
) -> None:
    data = dataset.load_all(built_site.dataset)
    record = dict(data.resources[0])
    for field, value in changes:
        record[field] = value
    if "id" not in dict(changes) and isinstance(record["url"], str):
        record["id"] = resource_id(record["url"])  # a changed URL keeps its id in step
    small = dataclasses.replace(data, resources=[record, *data.resources[1:3]])
    vocabularies = {name: getattr(small, name) for name in screening.VOCABULARIES}
    found = screening.dataset_findings(
        small.resources, vocabularies, TODAY, manifest=small.manifest, redirects=small.redirects
    )
    refused = any(item.severity is Severity.ERROR for item in found)
    event("refused" if refused else "accepted")  # --hypothesis-show-statistics counts them
    if refused:
        return
    work = tmp_path_factory.mktemp("accepted")
    site = website.build_site(small, work / "site", jobs=1).out
    assert [path.name for path in work.iterdir()] == ["site"]
    assert (site / "r" / f"{record['stable_id']}.html").is_file()
