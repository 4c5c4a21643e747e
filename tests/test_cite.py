"""Citation files in the release, read by real clients: the CSL data schema, pandoc's
citeproc (from CSL-JSON and from BibLaTeX), and rispy."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import string
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rispy
import rispy.config
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, PROJECT_ROOT, git, resource_text
from resource_registry.base.findings import Severity
from resource_registry.check.file_rules import check_resource
from resource_registry.check.identity import shard_path
from resource_registry.cite import biblatex, csl, ris
from resource_registry.cite import release as release_module
from resource_registry.cite.kinds import kind_of
from resource_registry.cli import cli
from resource_registry.record.constraints import RESOURCE_TYPES
from resource_registry.record.reader import Document, read_document
from resource_registry.record.urls import resource_id
from resource_registry.record.writer import RESOURCE_ORDER, render
from resource_registry.release import dataset, formats
from resource_registry.release.export import export

CSL_SCHEMA = json.loads((FIXTURES / "csl-schema/csl-data.json").read_text(encoding="utf-8"))
STYLE = FIXTURES / "citeproc/title-and-url.csl"
TRICKY = "sid_Tricky0001"
TRICKY_TITLE = (
    "Über \"quotes\" {braces} 100% & $5 #1 a_b ~x^2 back\\slash -- en --- em, ``two'' "
    "it's 中文 Ωμέγα عربي हिन्दी"
)
TRICKY_AUTHORS = ["Smith and Jones", "Doe, Jane", "山田 太郎", "{Brace}"]
ALLOWED_CSL = {  # what the issue allows for each type
    "paper": {"article-journal", "article"},
    "blog": {"post-weblog"},
    "report": {"report"},
    "government": {"report", "legislation"},
    "talk": {"speech"},
    "podcast": {"broadcast", "interview"},
    "book": {"book"},
    "web": {"webpage", "entry-encyclopedia"},
    "reference": {"webpage", "entry-encyclopedia"},
}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter registry with a tricky record and a one-word title, exported."""
    root = tmp_path_factory.mktemp("cite") / "registry"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    for stable_id, fields in (
        (TRICKY, {"title": TRICKY_TITLE, "authors": TRICKY_AUTHORS, "type": "paper"}),
        ("sid_OneWord001", {"title": "Superintelligence", "type": "book"}),
    ):
        path, text = resource_text(stable_id, f"https://example.org/{stable_id}", **fields)
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    return export(root, root.parent / "dataset").out


def _records(release: Path) -> list[dict[str, Any]]:
    return dataset.load(release)


def _normal(text: str) -> str:
    """Text up to its typography: LaTeX and citeproc make curly quotes of straight ones,
    and citeproc turns a quotation's quotes double or single by its depth. Every kind and
    run of quotes is one ``'`` here, and words are one space apart."""
    return " ".join(re.sub("[\u2018\u2019\u201c\u201d`'\"]+", "'", text).split())


def _bibliography(path: Path, tmp_path: Path) -> list[str]:
    """pandoc --citeproc's bibliography of every entry in ``path``, one line each."""
    document = tmp_path / "cite-all.md"
    document.write_text('---\nnocite: "@*"\n---\n', encoding="utf-8")
    done = subprocess.run(
        [
            "pandoc",
            str(document),
            "--citeproc",
            "--bibliography",
            str(path),
            "--csl",
            str(STYLE),
            "-t",
            "plain",
            "--wrap=none",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if line.strip()]


def test_the_release_lists_the_citation_files(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text())
    listed = {entry["path"] for entry in manifest["files"]}
    assert {"resources.csl.json", "resources.bib", "resources.ris"} <= listed
    package = json.loads((release / "datapackage.json").read_text())
    media = {entry["path"]: entry["mediatype"] for entry in package["resources"]}
    assert media["resources.csl.json"] == "application/vnd.citationstyles.csl+json"
    assert media["resources.ris"] == "application/x-research-info-systems"
    assert media["resources.bib"] == "application/x-bibtex"
    assert dataset.verify(release) == []


def test_the_csl_file_is_valid_against_the_csl_data_schema(release: Path) -> None:
    items = json.loads((release / "resources.csl.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft7Validator(CSL_SCHEMA).iter_errors(items))
    assert errors == []
    records = _records(release)
    assert [item["id"] for item in items] == [r["stable_id"] for r in records]
    for item, record in zip(items, records, strict=True):
        assert item["type"] in ALLOWED_CSL[record["type"]], record["stable_id"]
        assert item["custom"]["stable_id"] == record["stable_id"]
        assert item["custom"].get("importance") == record.get("importance")
        assert item["custom"].get("labels") == record.get("labels")
        assert item["custom"]["created"] == record["created"]
        if "fetch" in record:
            day = record["fetch"]["checked_at"][:10]
            assert item["accessed"] == {"date-parts": [[int(p) for p in day.split("-")]]}


def test_types_follow_labels_and_venues() -> None:
    arxiv = {"type": "preprint_server"}
    assert kind_of({"type": "paper"}, arxiv).csl == "article"
    assert kind_of({"type": "paper", "labels": ["preprint"]}, {"type": "x"}).csl == "article"
    assert kind_of({"type": "paper"}, {"type": "academic_journal"}).csl == "article-journal"
    assert kind_of({"type": "paper"}, {"type": "academic_journal"}).biblatex == "article"
    assert kind_of({"type": "paper"}).biblatex == "online"  # no journal to name
    assert kind_of({"type": "government", "labels": ["legislation"]}).csl == "legislation"
    assert kind_of({"type": "government"}).csl == "report"
    assert kind_of({"type": "podcast", "labels": ["interview"]}).csl == "interview"
    assert kind_of({"type": "podcast"}).csl == "broadcast"
    assert kind_of({"type": "reference"}).csl == "entry-encyclopedia"


def test_pandoc_renders_every_title_from_the_csl_json(release: Path, tmp_path: Path) -> None:
    lines = _bibliography(release / "resources.csl.json", tmp_path)
    expected = sorted(f"{_normal(r['title'])} :: {r['url']}" for r in _records(release))
    assert sorted(_normal(line) for line in lines) == expected


def test_pandoc_renders_every_title_from_the_biblatex_file(release: Path, tmp_path: Path) -> None:
    lines = _bibliography(release / "resources.bib", tmp_path)
    expected = sorted(f"{_normal(r['title'])} :: {r['url']}" for r in _records(release))
    assert sorted(_normal(line) for line in lines) == expected


def test_pandoc_reads_the_biblatex_authors_whole(release: Path) -> None:
    done = subprocess.run(
        ["pandoc", "-f", "biblatex", "-t", "csljson", str(release / "resources.bib")],
        capture_output=True,
        text=True,
        check=True,
    )
    items = {item["id"]: item for item in json.loads(done.stdout)}
    assert len(items) == len(_records(release))
    assert [name["literal"] for name in items[TRICKY]["author"]] == TRICKY_AUTHORS
    assert "author" not in items["sid_OneWord001"]


def test_rispy_reads_back_every_record(release: Path) -> None:
    with (release / "resources.ris").open(encoding="utf-8") as file:
        entries = rispy.load(file)
    records = _records(release)
    assert [entry["id"] for entry in entries] == [r["stable_id"] for r in records]
    for entry, record in zip(entries, records, strict=True):
        assert entry["title"] == record["title"]
        assert entry.get("authors", []) == record.get("authors", [])
        assert entry["urls"] == [record["url"]]
        assert entry["type_of_reference"] in rispy.config.TYPE_OF_REFERENCE_MAPPING
    tricky = next(entry for entry in entries if entry["id"] == TRICKY)
    assert tricky["title"] == TRICKY_TITLE


def test_verify_catches_a_citation_file_that_lacks_a_record(release: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    shutil.copytree(release, out)
    bib = out / "resources.bib"
    entries = bib.read_text(encoding="utf-8").split("\n@")
    bib.write_text("\n@".join(entries[:-1]) + "\n", encoding="utf-8")
    ris_file = out / "resources.ris"
    ris_file.write_text(ris_file.read_text() + ris_file.read_text().split("\n\n")[0] + "\n")
    _reseal(out)
    problems = dataset.verify(out)
    assert any(p.startswith("resources.bib lacks 1 records, such as sid_") for p in problems)
    assert "resources.ris holds a record more than once" in problems
    result = CliRunner().invoke(cli, ["verify", str(out)], catch_exceptions=False)
    assert result.exit_code == 1


def _reseal(out: Path) -> None:
    import hashlib  # noqa: PLC0415 - reason: only this helper hashes

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["files"]:
        entry["bytes"] = (out / entry["path"]).stat().st_size
        entry["sha256"] = sha(out / entry["path"])
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    names = sorted(p.name for p in out.iterdir() if p.name != "SHA256SUMS")
    (out / "SHA256SUMS").write_text("".join(f"{sha(out / n)}  {n}\n" for n in names))


def test_a_csl_item_takes_archive_language_and_access_from_fetch() -> None:
    record = {
        "stable_id": "sid_Archived01",
        "id": "0123456789abcdef",
        "url": "https://example.org/a",
        "title": "A\ntitle  on two lines",
        "type": "web",
        "fetch": {
            "status": 200,
            "checked_at": "2026-04-07T10:00:00Z",
            "archive_url": "https://web.archive.org/web/2026/https://example.org/a",
            "archived_at": "2026-04-01T00:00:00Z",
            "language": "de",
        },
    }
    item = csl.item(record, {})
    assert item["title"] == "A title on two lines"
    assert item["archive"] == "https://web.archive.org/web/2026/https://example.org/a"
    assert item["language"] == "de"
    assert item["accessed"] == {"date-parts": [[2026, 4, 7]]}
    assert item["custom"]["archived_at"] == "2026-04-01T00:00:00Z"
    assert list(jsonschema.Draft7Validator(CSL_SCHEMA).iter_errors([item])) == []
    assert "N1  - Archived copy: https://web.archive.org/" in ris.entry(record, {})
    without = csl.item({**record, "fetch": {"status": 200, "checked_at": "x"}}, {})
    assert "archive" not in without
    assert "accessed" not in without


def test_latex_specials_are_escaped() -> None:
    assert biblatex.escape("100% & $5 #1 a_b {x} ~ ^ \\") == (
        r"100\% \& \$5 \#1 a\_b \{x\} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    assert biblatex.escape("a--b---c ``q'' ?`") == "a-{}-b-{}-{}-c `{}`q'{}' ?{}`"
    entry = biblatex.entry(
        {
            "stable_id": "sid_Escaped001",
            "url": "https://example.org/{x}\\y%20",
            "title": "T",
            "type": "web",
        },
        {},
    )
    assert "url = {https://example.org/%7Bx%7D%5Cy%20}," in entry
    assert entry.startswith("@online{sid_Escaped001,\n")


# --- any valid record gives valid files ---------------------------------------------------

_SPECIALS = list("\"'`{}%&$#_~^\\<>@*-\u2013\u2014[]|/.,;:!?")
_SCRIPTS = list("Ωμέγα中文日本語عربيहिन्दीКириллица한국어עברית")
_CHARACTER = st.one_of(
    st.sampled_from([*string.ascii_letters, *string.digits, " ", *_SPECIALS, *_SCRIPTS]),
    st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
)
_TEXT = st.text(_CHARACTER, min_size=1, max_size=60).map(str.strip).filter(bool)
_ONE_WORD = st.text(st.sampled_from([*string.ascii_letters, *_SCRIPTS]), min_size=1, max_size=12)
_AUTHORS = st.one_of(
    st.lists(_TEXT, min_size=1, max_size=4, unique=True),
    st.just([f"Author Number {n}" for n in range(1000)]),
)
_FIELDS = st.fixed_dictionaries(
    {
        "title": st.one_of(_ONE_WORD, _TEXT),
        "type": st.sampled_from(RESOURCE_TYPES),
    },
    optional={
        "authors": _AUTHORS,
        "labels": st.lists(st.sampled_from(["preprint", "legislation", "interview"]), max_size=1),
        "published_date": st.sampled_from(["2018", "2018-02", "2018-02-28"]),
        "abstract": _TEXT,
    },
)


def _valid(index: int, fields: dict[str, Any]) -> dict[str, Any] | None:
    """The record, if the registry's own checks accept it as a resource file."""
    stable_id = f"sid_Prop{index:06d}"
    url = f"https://example.org/p/{index}"
    record = {"stable_id": stable_id, "id": resource_id(url), "url": url, **fields}
    if not record.get("labels"):
        record.pop("labels", None)
    text = render(record, RESOURCE_ORDER)
    document = read_document(text.encode("utf-8"))
    if not isinstance(document, Document):
        return None
    result = check_resource(shard_path(stable_id), document, dt.date(2026, 1, 1))
    if any(found.severity is Severity.ERROR for found in result.findings):
        return None
    return record


@settings(
    max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(st.lists(_FIELDS, min_size=1, max_size=4))
@example([{"title": "Superintelligence", "type": "book"}])  # one word, no authors
@example(
    [{"title": "Big {Team} 100%", "type": "paper", "authors": [f"A {n}" for n in range(1000)]}]
)
def test_any_valid_records_give_valid_files_in_every_format(fields: list[dict[str, Any]]) -> None:
    records = [_valid(index, entry) for index, entry in enumerate(fields)]
    assume(all(record is not None for record in records))
    records = [record for record in records if record is not None]
    titles = [" ".join(r["title"].split()) for r in records]
    authors = [[" ".join(a.split()) for a in r.get("authors", [])] for r in records]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        items = json.loads(csl.csl_text(records, {}))
        assert list(jsonschema.Draft7Validator(CSL_SCHEMA).iter_errors(items)) == []
        assert [item["title"] for item in items] == titles
        assert [[n["literal"] for n in item.get("author", [])] for item in items] == authors

        entries = rispy.loads(ris.ris_text(records, {}))
        assert [entry["id"] for entry in entries] == [r["stable_id"] for r in records]
        assert [entry["title"] for entry in entries] == titles
        assert [entry.get("authors", []) for entry in entries] == authors

        bib = tmp / "resources.bib"
        bib.write_text(biblatex.bib_text(records, {}), encoding="utf-8")
        assert biblatex.read_keys(bib) == [r["stable_id"] for r in records]
        lines = _bibliography(bib, tmp)
        assert sorted(_normal(line) for line in lines) == sorted(
            f"{_normal(title)} :: {r['url']}" for title, r in zip(titles, records, strict=True)
        )
        read = json.loads(
            subprocess.run(
                ["pandoc", "-f", "biblatex", "-t", "csljson", str(bib)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        by_id = {item["id"]: item for item in read}
        for record, names in zip(records, authors, strict=True):
            got = [n.get("literal", "") for n in by_id[record["stable_id"]].get("author", [])]
            assert [_normal(n).casefold() for n in got] == [_normal(n).casefold() for n in names]


def test_release_records_with_their_dates_match_the_release_schema(release: Path) -> None:
    schema = json.loads((release / "resource.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    records = formats.read_json(release / "resources.json")
    assert all("created" in record for record in records)
    assert [list(validator.iter_errors(record)) for record in records] == [[]] * len(records)
    wrong = dict(records[0], created="yesterday")
    assert list(validator.iter_errors(wrong)) != []


def test_the_export_writes_what_each_writer_gives_in_workers_too(
    release: Path, tmp_path: Path
) -> None:
    records = formats.read_json(release / "resources.json")
    publications = formats.read_json(release / "publications.json")
    by_id = {p["id"]: p for p in publications}
    for jobs, copies in ((1, 1), (2, 120)):  # 120 copies: more than one chunk per worker
        many = [
            dict(r, stable_id=f"sid_C{n:03d}{i:06d}")
            for n in range(copies)
            for i, r in enumerate(records)
        ]
        folder = tmp_path / f"jobs-{jobs}"
        folder.mkdir()
        release_module.write_citations(folder, many, publications, jobs)
        for name, writer in release_module.WRITERS.items():
            assert (folder / name).read_text(encoding="utf-8") == writer(many, by_id), name
    empty = tmp_path / "empty"
    empty.mkdir()
    release_module.write_citations(empty, [], publications, 1)
    assert json.loads((empty / "resources.csl.json").read_text()) == []
